// npm `oidc-provider` (panva, OpenID Certified) on 127.0.0.1, for authflow's
// end-to-end tests (examples/tests/e2e_oidc_provider.rs, the Python peer
// tests, bindings-wasm/test/node-entry.test.mjs, and the browser's
// examples/browser/e2e.test.mjs).
//
//   node server.mjs [port] [--dpop-nonce]
//
// Listens on 127.0.0.1 (port 0, i.e. any free port, unless one is given),
// prints exactly one line on stdout once it accepts connections:
//
//   {"issuer":"http://127.0.0.1:PORT"}
//
// and exits when stdin closes (the test holding the pipe went away) or on
// SIGTERM / SIGINT. Everything else it says goes to stderr.
//
// Notes on running it over plain http on a loopback address:
// - The issuer is http://127.0.0.1:PORT. oidc-provider serves it as is: no
//   `proxy` setting is needed (that is only for https issuers behind a TLS
//   terminating proxy), and its cookies simply go without `Secure` because
//   the request is not secure.
// - oidc-provider's long-lived cookies default to `SameSite=None` (plus a
//   `.legacy` twin without SameSite). A browser drops `SameSite=None`
//   without `Secure`, so they are `SameSite=Lax` here; the authorization
//   flow only needs top-level navigations, which Lax cookies follow.
// - Redirect URIs: oidc-provider compares a web client's redirect_uri with
//   the registered one exactly (port included). All clients here register
//   http://127.0.0.1:47613/cb (REDIRECT_URI below). Nothing listens there:
//   the test's scripted browser stops at the redirect that points at it and
//   hands that URL to authflow, so the fixed port is never bound. The public
//   client is a `native` client, for which oidc-provider also accepts any
//   port on the loopback address (RFC 8252 §7.3).
// - The browser's client, `browser-client` (public, PKCE): a page on
//   127.0.0.1 (examples/browser/openid.html, on whatever port the example
//   server got) signs in and exchanges the code from the page itself. Its
//   redirect URI is http://127.0.0.1/openid.html, any port (a `native`
//   client, as above: a `web` one would need the port fixed), and the token
//   endpoint answers its cross-origin requests from a loopback origin
//   (clientBasedCORS below; every other client's are refused, as
//   oidc-provider's default does). `browser-dpop-client` is the same for
//   examples/browser/dpop.html, with DPoP-bound tokens.
// - Signing keys: made at start (node:crypto), one RSA key for RS256 and one
//   P-256 key for ES256, each with its own `kid` (`rs256-<generation>-<hex>`,
//   `es256-<generation>-<hex>`), served at /jwks. Discovery's
//   id_token_signing_alg_values_supported is exactly ["RS256", "ES256"].
//   Clients that ask for neither get RS256 (oidc-provider's default).
//
// Test-only behaviour (nothing a real provider does):
// - POST /__test/rotate (answered only to 127.0.0.1; any other method or
//   peer goes to the provider, which answers 404): replaces both signing
//   keys with new ones under new kids and drops the old ones from the JWK
//   set. The provider is rebuilt with the same configuration and the new
//   keys and takes every later request; its in-memory store (sessions,
//   grants, codes, tokens) is oidc-provider's module-level one, so tokens
//   issued before the rotation keep working (a refresh after it gets an ID
//   token signed with the new key). Answers 200 with
//     {"kids":["rs256-2-…","es256-2-…"]}
//   the kids now published.
// - slow_down (RFC 8628 §3.5), which oidc-provider 8.8.1 never sends: the
//   first device_code token request of each device authorization of the
//   client `device-slow-client` is answered 400 {"error":"slow_down",…}
//   where the provider would have answered authorization_pending; later
//   polls get the provider's own answers. Other clients are never slowed.
// - Token exchange (RFC 8693), which oidc-provider 8.8.1 does not have, is
//   registered as a grant type (provider.registerGrantType) for the client
//   `exchange-client` only: a minimal handler, not a complete RFC 8693
//   server. It takes an access token of this provider as subject_token
//   (looked up with the provider's own AccessToken model; anything else is
//   invalid_request, as RFC 8693 §2.2.2 says), an `audience` of
//   EXCHANGE_AUDIENCES or none (another is invalid_target), and issues a new
//   opaque access token for the same user and scope, to exchange-client,
//   with issued_token_type access_token. actor_token and
//   requested_token_type other than access_token are refused
//   (invalid_request).
//
// DPoP (RFC 9449): features.dPoP is on. Started as `node server.mjs PORT
// --dpop-nonce`, the provider has a nonce secret and requires its nonce in
// every DPoP proof (`use_dpop_nonce` until the client sends it); without
// the flag, no nonce secret and no nonce. `dpop-client` (public, PKCE)
// must present DPoP proofs (dpop_bound_access_tokens): its access and
// refresh tokens are bound to the key, and introspection shows `cnf.jkt`.
//
// Resource indicators (RFC 8707): oidc-provider 8 has them on by default,
// refusing every resource (its default getResourceServerInfo). Here the
// one resource server RESOURCE_SERVER is known, to the clients of
// RESOURCE_CLIENTS only: its access tokens are JWTs (RS256) whose `aud` is
// the resource. Any other resource, or another client asking for it, is
// refused with invalid_target, as before.

// oidc-provider prints its notices with console.info, i.e. on stdout. Keep
// stdout for the one issuer line: everything the console says goes to stderr.
for (const level of ['log', 'info', 'debug']) {
  console[level] = (...args) => console.error(...args);
}

const http = await import('node:http');
const { readFileSync } = await import('node:fs');
const { generateKeyPairSync, randomBytes, createPublicKey } = await import('node:crypto');
const { default: Provider, errors } = await import('oidc-provider');

// Must match examples/tests/e2e_oidc_provider.rs.
const REDIRECT_URI = 'http://127.0.0.1:47613/cb';

const clients = [
  {
    // Confidential, HTTP Basic at the token endpoint (the default method).
    client_id: 'basic-client',
    client_secret: 'basic-client-secret-0123456789abcdef',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
  },
  {
    // Confidential, client_id + client_secret in the form body.
    client_id: 'post-client',
    client_secret: 'post-client-secret-0123456789abcdef',
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
  },
  {
    // Public: no secret, PKCE only (a native app / CLI).
    client_id: 'public-client',
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
  },
  {
    // The CLI (`authflowkit login --issuer`): public, PKCE, its loopback
    // redirect on whatever port it listens on (a native client's loopback
    // redirect URI matches on any port, RFC 8252 §7.3).
    client_id: 'cli-client',
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
  },
  {
    // A browser app (examples/browser/openid.html through
    // authflowkit/browser-openid): public, PKCE, the code exchanged from the
    // page on 127.0.0.1, whatever its port (see the notes above).
    client_id: 'browser-client',
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/openid.html'],
  },
  {
    // A browser app with DPoP (examples/browser/dpop.html through
    // authflowkit/browser-dpop): as browser-client, and its tokens bound to
    // the page's WebCrypto key.
    client_id: 'browser-dpop-client',
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/dpop.html'],
    dpop_bound_access_tokens: true,
  },
  {
    // Machine to machine: client credentials only, no user, no redirect.
    client_id: 'cc-client',
    client_secret: 'cc-client-secret-0123456789abcdef',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: 'api:read',
  },
  {
    // A device without a browser (RFC 8628): public, the device grant only;
    // the user approves at /device on another screen.
    client_id: 'device-client',
    token_endpoint_auth_method: 'none',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    response_types: [],
    redirect_uris: [],
  },
  {
    // As device-client, but its first poll of each device authorization is
    // answered slow_down (see slowDownFirstPoll).
    client_id: 'device-slow-client',
    token_endpoint_auth_method: 'none',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    response_types: [],
    redirect_uris: [],
  },
  {
    // OpenID Connect: ID tokens signed with the RSA key (RS256).
    client_id: 'openid-rs256-client',
    client_secret: 'openid-rs256-client-secret-0123456789abcdef',
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
  },
  {
    // OpenID Connect: ID tokens signed with the P-256 key (ES256).
    client_id: 'openid-es256-client',
    client_secret: 'openid-es256-client-secret-0123456789abcdef',
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
  },
  {
    // Resource indicators (RFC 8707): a confidential client that may ask
    // for RESOURCE_SERVER's tokens, by a user's grant or on its own.
    client_id: 'resource-client',
    client_secret: 'resource-client-secret-0123456789abcdef',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
  },
  {
    // Token exchange (RFC 8693, the grant registered below) only.
    client_id: 'exchange-client',
    client_secret: 'exchange-client-secret-0123456789abcdef',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'],
    response_types: [],
    redirect_uris: [],
  },
  // --- DPoP (RFC 9449) ---
  {
    // Public, PKCE, DPoP-bound tokens only.
    client_id: 'dpop-client',
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
    dpop_bound_access_tokens: true,
  },
  // --- end DPoP ---
];

// ----- Client authentication by JWT (RFC 7523 §2.2, OpenID Connect Core §9) -----
// pkjwt-client authenticates with private_key_jwt: the public halves of
// client-keys.json's `registered` keys (RS256/PS256, ES256, EdDSA) are its
// JWK set; the tests sign with the private ones (and with `wrong`, which
// shares a kid and is registered nowhere). secret-jwt-client authenticates
// with client_secret_jwt (HS256 keyed by its secret). Both may use the code
// flow with refresh tokens and client credentials; oidc-provider refuses an
// expired assertion, one for another audience and a replayed jti itself.
const CLIENT_KEYS = JSON.parse(readFileSync(new URL('./client-keys.json', import.meta.url)));
const publicJwk = ({ kid, ...key }) => ({
  ...createPublicKey({ key, format: 'jwk' }).export({ format: 'jwk' }),
  kid,
  use: 'sig',
});
clients.push(
  {
    client_id: 'pkjwt-client',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: CLIENT_KEYS.registered.map(publicJwk) },
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
  },
  {
    // The CLI's private_key_jwt client: a loopback redirect on any port
    // (a native client, as cli-client).
    client_id: 'cli-pkjwt-client',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: CLIENT_KEYS.registered.map(publicJwk) },
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
  },
  {
    client_id: 'secret-jwt-client',
    client_secret: 'secret-jwt-client-secret-0123456789abcdef',
    token_endpoint_auth_method: 'client_secret_jwt',
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
  },
);
// ----- end of client authentication by JWT -----
// RFC 9126: pushed authorization requests (the feature switched on in the
// configuration below), and a client whose every authorization request must
// be pushed (client metadata require_pushed_authorization_requests, §6): a
// plain authorization URL of its is refused with invalid_request (§4).
const PAR_FEATURE = { enabled: true, requirePushedAuthorizationRequests: false };
clients.push({
  client_id: 'par-client',
  client_secret: 'par-client-secret-0123456789abcdef',
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [REDIRECT_URI],
  require_pushed_authorization_requests: true,
});
// --- DPoP (RFC 9449) ---
// With --dpop-nonce: a nonce secret, and the nonce required in every proof.
const DPOP_NONCE = process.argv.includes('--dpop-nonce');
const DPOP_NONCE_SECRET = DPOP_NONCE ? randomBytes(32) : undefined;
// --- end DPoP ---

// RFC 8707: the one resource server, and who may ask for it.
const RESOURCE_SERVER = 'https://api.example/';
const RESOURCE_CLIENTS = new Set(['resource-client', 'cli-client']);

// RFC 8693: the grant, the token type it issues and takes, and the
// audiences it issues for.
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const EXCHANGE_AUDIENCES = new Set(['urn:example:billing']);

const SLOW_CLIENT = 'device-slow-client';

// The clients whose token endpoint requests a page may make (CORS).
const BROWSER_CLIENTS = new Set(['browser-client', 'browser-dpop-client']);
const LOOPBACK_ORIGIN = /^http:\/\/127\.0\.0\.1:[0-9]{1,5}$/;

// Bumped at every set of keys made: the first set is generation 1.
let keyGeneration = 0;

/** A new private JWK set: an RSA key (RS256) and a P-256 key (ES256). */
function signingKeys() {
  keyGeneration += 1;
  const tag = `${keyGeneration}-${randomBytes(4).toString('hex')}`;
  const jwk = (type, options) => generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' });
  return {
    keys: [
      { ...jwk('rsa', { modulusLength: 2048 }), kid: `rs256-${tag}`, alg: 'RS256', use: 'sig' },
      { ...jwk('ec', { namedCurve: 'P-256' }), kid: `es256-${tag}`, alg: 'ES256', use: 'sig' },
    ],
  };
}

// A fresh object for every provider made (oidc-provider keeps references
// into the configuration it is given).
const configuration = (jwks) => ({
  clients: structuredClone(clients),
  jwks,
  // Cross-origin requests to the token endpoint (and the other client
  // endpoints): only BROWSER_CLIENTS', only from a page on 127.0.0.1.
  clientBasedCORS(ctx, origin, client) {
    return BROWSER_CLIENTS.has(client.clientId) && LOOPBACK_ORIGIN.test(origin);
  },
  // Any user name and password log in (devInteractions); the user name is the subject.
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub }; } };
  },
  scopes: ['openid', 'offline_access', 'api:read'],
  features: {
    devInteractions: { enabled: true }, // built-in login and consent HTML forms
    revocation: { enabled: true }, // RFC 7009
    introspection: { enabled: true }, // RFC 7662
    clientCredentials: { enabled: true }, // RFC 6749 §4.4
    deviceFlow: { enabled: true }, // RFC 8628: /device/auth and the /device pages
    pushedAuthorizationRequests: PAR_FEATURE, // RFC 9126: /request
    // --- DPoP (RFC 9449) ---
    dPoP: {
      enabled: true,
      nonceSecret: DPOP_NONCE_SECRET,
      requireNonce: () => DPOP_NONCE,
    },
    // --- end DPoP ---
    resourceIndicators: {
      enabled: true, // RFC 8707 (oidc-provider's default too)
      async getResourceServerInfo(ctx, resourceIndicator, client) {
        if (resourceIndicator !== RESOURCE_SERVER || !RESOURCE_CLIENTS.has(client.clientId)) {
          throw new errors.InvalidTarget();
        }
        return {
          scope: 'api:read',
          audience: RESOURCE_SERVER,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  // Only the algorithms there is a key for: discovery's
  // id_token_signing_alg_values_supported is then exactly these.
  enabledJWA: {
    idTokenSigningAlgValues: ['RS256', 'ES256'],
    // What authflow signs client assertions with (RFC 7518 §3.1, RFC 8037).
    clientAuthSigningAlgValues: ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'],
  },
  // Every authorization-code grant of a client allowed the refresh_token
  // grant gets a refresh token, with or without `offline_access`.
  async issueRefreshToken() {
    return true;
  },
  // Every refresh returns a new refresh token and consumes the old one. A
  // consumed refresh token sent again is refused with invalid_grant and the
  // whole grant (every token of it) is revoked.
  rotateRefreshToken: true,
  pkce: {
    methods: ['S256'],
    required: () => true,
  },
  ttl: {
    AccessToken: 300,
    AuthorizationCode: 60,
    ClientCredentials: 300,
    IdToken: 300,
    RefreshToken: 24 * 60 * 60,
    Grant: 24 * 60 * 60,
    Session: 60 * 60,
    Interaction: 10 * 60,
  },
  cookies: {
    keys: ['authflow-e2e-cookie-signing-key-not-a-secret'],
    long: { httpOnly: true, sameSite: 'lax', signed: true },
    short: { httpOnly: true, sameSite: 'lax', signed: true },
  },
});

// The device codes of SLOW_CLIENT polled at least once. Kept outside the
// provider, so that a key rotation does not forget them.
const polledDeviceCodes = new Set();

/**
 * Koa middleware (provider.use puts it before oidc-provider's own): after
 * the provider has answered a device_code token request of SLOW_CLIENT,
 * turns its authorization_pending into slow_down the first time that
 * device code is polled. authorization_pending changes nothing at the
 * provider, so the answer is as if the provider had sent slow_down itself.
 */
async function slowDownFirstPoll(ctx, next) {
  await next();
  const oidc = ctx.oidc;
  if (
    oidc?.route !== 'token'
    || oidc.params?.grant_type !== 'urn:ietf:params:oauth:grant-type:device_code'
    || oidc.client?.clientId !== SLOW_CLIENT
  ) {
    return;
  }
  const deviceCode = String(oidc.params.device_code);
  const first = !polledDeviceCodes.has(deviceCode);
  polledDeviceCodes.add(deviceCode);
  if (first && ctx.status === 400 && ctx.body?.error === 'authorization_pending') {
    const slowDown = new errors.SlowDown();
    ctx.status = slowDown.statusCode;
    ctx.body = { error: slowDown.error, error_description: slowDown.error_description };
  }
}

/**
 * RFC 8693 token exchange, minimal (see the notes at the top): the subject
 * token must be an unexpired access token of this provider; the new token
 * is for the same user and scope, issued to the calling client.
 */
async function tokenExchange(ctx, next) {
  const { params, client, provider } = ctx.oidc;
  if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
    throw new errors.InvalidRequest('subject_token_type must be an access token');
  }
  if (params.actor_token !== undefined || params.actor_token_type !== undefined) {
    throw new errors.InvalidRequest('delegation (actor_token) is not supported');
  }
  if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
    throw new errors.InvalidRequest('only access tokens are issued');
  }
  const audiences = [params.audience ?? []].flat();
  if (params.resource !== undefined || audiences.some((audience) => !EXCHANGE_AUDIENCES.has(audience))) {
    throw new errors.InvalidTarget('no token is issued for that audience or resource');
  }
  const subject = await provider.AccessToken.find(String(params.subject_token));
  if (!subject || !subject.isValid || !subject.accountId) {
    throw new errors.InvalidRequest('subject_token is not an active access token');
  }
  const token = new provider.AccessToken({
    accountId: subject.accountId,
    client,
    scope: subject.scope,
    gty: 'token_exchange',
  });
  const value = await token.save();
  ctx.body = {
    access_token: value,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: token.tokenType,
    expires_in: token.expiration,
    scope: token.scope || undefined,
  };
  await next();
}

/** A provider for `issuer` signing with `jwks`. */
function makeProvider(issuer, jwks) {
  const provider = new Provider(issuer, configuration(jwks));
  provider.on('server_error', (ctx, error) => console.error('server_error', error));
  provider.use(slowDownFirstPoll);
  provider.registerGrantType(
    TOKEN_EXCHANGE,
    tokenExchange,
    ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type',
      'requested_token_type', 'audience', 'resource', 'scope'],
    ['audience', 'resource'],
  );
  return provider;
}

/** The public kids of a private JWK set. */
const kidsOf = (jwks) => jwks.keys.map((key) => key.kid);

const isLoopback = (address) => address === '127.0.0.1' || address === '::ffff:127.0.0.1';

// The first argument that is not a flag (--dpop-nonce) is the port.
const portArgument = process.argv.slice(2).find((argument) => !argument.startsWith('--'));
const port = Number.parseInt(portArgument ?? '0', 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port ${portArgument}`);
  process.exit(2);
}

const server = http.createServer();
server.on('error', (error) => {
  console.error(`cannot listen on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  // The issuer has to name the real port, so the provider is made once it is known.
  const issuer = `http://127.0.0.1:${server.address().port}`;
  let handler = makeProvider(issuer, signingKeys()).callback();
  server.on('request', (req, res) => {
    const path = req.url.split('?')[0];
    if (req.method === 'POST' && path === '/__test/rotate' && isLoopback(req.socket.remoteAddress)) {
      req.resume();
      const jwks = signingKeys();
      handler = makeProvider(issuer, jwks).callback();
      console.error(`rotated the signing keys: ${kidsOf(jwks).join(', ')}`);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ kids: kidsOf(jwks) }));
      return;
    }
    handler(req, res);
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

function shutdown() {
  server.close();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();
