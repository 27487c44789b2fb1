// npm `oidc-provider` (panva, OpenID Certified) on 127.0.0.1, for authflow's
// end-to-end tests (examples/tests/e2e_oidc_provider.rs).
//
//   node server.mjs [port]
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

// oidc-provider prints its notices with console.info, i.e. on stdout. Keep
// stdout for the one issuer line: everything the console says goes to stderr.
for (const level of ['log', 'info', 'debug']) {
  console[level] = (...args) => console.error(...args);
}

const http = await import('node:http');
const { default: Provider } = await import('oidc-provider');

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
];

const configuration = {
  clients,
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
};

const port = Number.parseInt(process.argv[2] ?? '0', 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port ${process.argv[2]}`);
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
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (ctx, error) => console.error('server_error', error));
  server.on('request', provider.callback());
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
