// The Node.js entry (`authflowkit/node`, bindings-wasm/pkg/node) under Node's
// test runner, against servers started here on 127.0.0.1: the local
// providers (client credentials, a confidential code exchange, Session with
// single-flight renewal and API calls) and npm oidc-provider (client
// credentials with HTTP Basic; an OpenID sign-in through its login and
// consent pages, the ID token's claims checked). The browser entry keeps
// none of it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { startOidcProvider, startProviders } from "../../examples/browser/server.mjs";

const pkg = new URL("../pkg/", import.meta.url);
const server = await import(new URL("node/index.js", pkg));
const browser = await import(new URL("index.js", pkg));
const { AuthflowError, OAuthClient, Session } = server;
const REDIRECT = "http://127.0.0.1:8400/callback";

let providers;
let oidc;
before(async () => {
  providers = await startProviders();
  oidc = await startOidcProvider();
});
after(async () => {
  await providers?.stop();
  await oidc?.stop();
});

const control = async (path, body) => {
  const response = await fetch(`${providers.urls.control}${path}`, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  return response.json();
};

const admin = (extra = {}) => new OAuthClient({
  profile: "makini_admin",
  clientId: "admin-client",
  clientSecret: "admin-secret",
  grant: "client_credentials",
  endpoints: { token: providers.urls.makini_admin.token_endpoint, apiBase: providers.urls.makini_admin.api },
  ...extra,
});

test("the Node entry has the server API; the browser entry has none of it", () => {
  assert.deepEqual(Object.keys(server).sort(),
    ["AuthflowError", "OAuthClient", "Session", "ValidatedCallback", "createDpopKey", "dpopKey"]);
  assert.equal(typeof server.OAuthClient.prototype.clientCredentials, "function");
  assert.equal(browser.OAuthClient.prototype.clientCredentials, undefined);
  assert.equal(typeof server.Session.prototype.fetch, "function");
  assert.equal(browser.Session.prototype.fetch, undefined, "API calls are the Node.js entry's");
});

test("client credentials: tokens, and a wrong secret is invalid_client without the secret in sight", async () => {
  const tokens = await admin().clientCredentials();
  assert.match(tokens.accessToken, /\S{8,}/);
  const refused = await admin({ clientSecret: "not-the-secret" }).clientCredentials().catch((e) => e);
  assert.ok(refused instanceof AuthflowError, String(refused));
  assert.equal(refused.kind, "invalid_client");
  assert.equal(refused.action, "fix_configuration");
  assert.doesNotMatch(`${refused.message} ${JSON.stringify(refused)}`, /not-the-secret|admin-secret/);
});

test("a Session gets tokens on first use, once for many callers, renews after expiry and calls the API", async () => {
  await control("/reset", {});
  const stored = [];
  const session = new Session(admin(), { onPersist: (tokens) => stored.push(tokens) });
  assert.equal(session.tokens, null);
  const tokens = await Promise.all(Array.from({ length: 20 }, () => session.accessToken()));
  assert.equal(new Set(tokens).size, 1, "one token for every caller");
  assert.equal(stored.length, 1, "one token set stored, before any caller got it");
  assert.equal(stored[0].accessToken, tokens[0]);
  const answer = await session.fetch("connections");
  assert.ok(answer instanceof Response);
  assert.equal(answer.status, 200);
  assert.equal((await answer.json()).data[0].status, "active");

  // 31 days later, for the provider and for this process's clock (the
  // session reads Date.now()): past the token's lifetime.
  const later = 31 * 24 * 3600;
  await control("/clock", { advance: later });
  const realNow = Date.now;
  Date.now = () => realNow() + later * 1000;
  let renewed;
  try {
    renewed = await Promise.all(Array.from({ length: 10 }, () => session.accessToken()));
  } finally {
    Date.now = realNow;
  }
  assert.equal(new Set(renewed).size, 1);
  assert.notEqual(renewed[0], tokens[0]);
  assert.equal(stored.length, 2, "the renewed set stored once");
  assert.equal(session.tokens.accessToken, renewed[0]);

  const elsewhere = await session.fetch("https://evil.example/steal").catch((e) => e);
  assert.ok(elsewhere instanceof AuthflowError);
  assert.equal(elsewhere.kind, "configuration", "the token goes nowhere but the API");
  const wrong = new Session(admin({ clientSecret: "not-the-secret" }));
  const refused = await wrong.accessToken().catch((e) => e);
  assert.equal(refused.kind, "invalid_client");
});

test("an async onPersist is awaited: nobody gets the new token before it is stored", async () => {
  let release;
  const storing = new Promise((resolve) => { release = resolve; });
  let persistCalled;
  const called = new Promise((resolve) => { persistCalled = resolve; });
  const stored = [];
  const session = new Session(admin(), {
    onPersist: async (tokens) => { persistCalled(); await storing; stored.push(tokens.accessToken); },
  });
  const got = [];
  const callers = Array.from({ length: 5 }, () => session.accessToken().then((t) => { got.push(t); return t; }));
  await called;
  const late = session.accessToken().then((t) => { got.push(t); return t; });
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(got, [], "no caller got the token while it was being stored");
  release();
  const tokens = await Promise.all([...callers, late]);
  assert.equal(new Set(tokens).size, 1);
  assert.deepEqual(stored, [tokens[0]]);
});

test("a confidential code exchange, refresh with the secret, and a Session from the user's tokens", async () => {
  const link = providers.urls.makini_link;
  const client = new OAuthClient({
    profile: "makini_link", clientId: "link-client", clientSecret: "link-secret", redirectUri: REDIRECT,
    endpoints: { authorization: link.authorization_endpoint, token: link.token_endpoint, apiBase: link.api_v4 },
  });
  const start = client.createAuthorizationUrl({ storageKey: null });
  const approved = await fetch(start.url, { redirect: "manual" });
  const callback = client.handleRedirect(approved.headers.get("Location"), { pending: start.pending });
  const tokens = await client.exchangeCode(callback);
  assert.ok(tokens.refreshToken);
  const renewed = await client.refresh(tokens);
  assert.notEqual(renewed.refreshToken, tokens.refreshToken);
  const session = new Session(client, { tokens: renewed });
  const sites = await (await session.fetch("sites")).json();
  assert.equal(sites.data[0].name, "Plant 1");
});

test("oidc-provider: client credentials with HTTP Basic, and a Session on them", async () => {
  const options = {
    profile: "generic", clientId: "cc-client", clientSecret: "cc-client-secret-0123456789abcdef",
    grant: "client_credentials", scopes: ["api:read"], endpoints: { token: `${oidc.issuer}/token` },
  };
  const client = new OAuthClient(options);
  const tokens = await client.clientCredentials();
  assert.equal(tokens.tokenType, "Bearer");
  assert.ok(tokens.expiresAt > tokens.issuedAt);
  const session = new Session(client);
  assert.match(await session.accessToken(), /\S{8,}/);
  const refused = await new OAuthClient({ ...options, clientSecret: "wrong" }).clientCredentials().catch((e) => e);
  assert.equal(refused.kind, "invalid_client");
  assert.equal(refused.action, "fix_configuration");
});

/**
 * A user at oidc-provider's own pages (its devInteractions): follows the
 * redirects from `url` with a cookie jar, logs in as `user` and consents
 * when asked, and stops at the redirect to `redirectUri`, whose URL it
 * returns.
 */
async function userAtOidcProvider(url, redirectUri, user = "alice") {
  const jar = new Map();
  let next = { url, init: {} };
  for (let step = 0; step < 20; step++) {
    const response = await fetch(next.url, {
      ...next.init, redirect: "manual",
      headers: { ...next.init.headers, Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    const location = response.headers.get("Location");
    if (location) {
      const target = new URL(location, next.url).href;
      if (target.startsWith(redirectUri)) return target;
      next = { url: target, init: {} };
      continue;
    }
    const page = await response.text();
    const action = page.match(/<form[^>]*action="([^"]+)"/)?.[1];
    const prompt = page.match(/name="prompt" value="([^"]+)"/)?.[1];
    assert.ok(action && prompt, `no form at ${next.url} (${response.status})`);
    const fields = prompt === "login" ? { prompt, login: user, password: "any" } : { prompt };
    next = {
      url: new URL(action, next.url).href,
      init: {
        method: "POST", body: new URLSearchParams(fields).toString(),
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      },
    };
  }
  throw new Error("no redirect to the app after 20 steps");
}

test("oidc-provider: an OpenID sign-in, the ID token's claims checked (no signature), refused when they are wrong", async () => {
  const redirectUri = "http://127.0.0.1:47613/cb";
  const options = {
    profile: "generic", clientId: "public-client", redirectUri, scopes: ["openid"],
    issuer: oidc.issuer, openid: true,
    endpoints: { authorization: `${oidc.issuer}/auth`, token: `${oidc.issuer}/token` },
  };
  const signIn = async (client) => {
    const start = client.createAuthorizationUrl({ storageKey: null });
    const nonce = new URL(start.url).searchParams.get("nonce");
    const back = await userAtOidcProvider(start.url, redirectUri);
    const callback = client.handleRedirect(back, { pending: start.pending });
    return { nonce, outcome: await client.exchangeCode(callback).catch((e) => e) };
  };
  const { nonce, outcome: tokens } = await signIn(new OAuthClient(options));
  assert.ok(!(tokens instanceof Error), String(tokens));
  assert.match(nonce, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(tokens.idTokenClaims.sub, "alice");
  assert.equal(tokens.idTokenClaims.iss, oidc.issuer);
  assert.equal(tokens.idTokenClaims.nonce, nonce);
  assert.equal(typeof tokens.idTokenClaims.at_hash, "string", "oidc-provider's at_hash, checked");
  assert.equal(tokens.extra.id_token.split(".").length, 3);

  // The same provider, told another issuer (a trailing slash): the ID
  // token's iss is not it, and the exchange is refused.
  const other = new OAuthClient({ ...options, issuer: `${oidc.issuer}/` });
  const start = other.createAuthorizationUrl({ storageKey: null });
  const back = await userAtOidcProvider(start.url, redirectUri);
  // The redirect's iss is the real one: checked against what the pending
  // authorization holds, it is refused first (RFC 9207), so take it out to
  // reach the ID token.
  const withoutIss = back.replace(/&iss=[^&]*/, "");
  const refused = await other.exchangeCode(other.handleRedirect(withoutIss, { pending: start.pending })).catch((e) => e);
  assert.ok(refused instanceof AuthflowError, String(refused));
  assert.equal(refused.kind, "id_token_invalid", refused.message);
  assert.equal(refused.action, "authorize_again");
  assert.match(refused.message, /iss/);
});

/**
 * A token endpoint (client credentials: `at-1`, `at-2`, ...) and an API on
 * one server: the API accepts the tokens in `accepted` and refuses others
 * with 401 and `WWW-Authenticate: Bearer error="invalid_token"`.
 */
async function tokenAndApi(accepted) {
  const seen = { token: 0, api: [] };
  const http = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url === "/token") {
        seen.token += 1;
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ access_token: `at-${seen.token}`, token_type: "Bearer", expires_in: 3600 }));
        return;
      }
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      seen.api.push(token);
      if (accepted.includes(token)) {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ token }));
      } else {
        res.writeHead(401, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
        res.end();
      }
    });
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${http.address().port}`;
  const client = new OAuthClient({
    profile: "generic", clientId: "api-client", clientSecret: "api-secret-123456", grant: "client_credentials",
    endpoints: { token: `${base}/token`, apiBase: `${base}/api/` },
  });
  return { client, seen, close: () => new Promise((resolve) => http.close(resolve)) };
}

test("Session.fetch: a refused token is renewed once and the call made again; a second refusal rejects", async () => {
  const once = await tokenAndApi(["at-2"]);
  try {
    const session = new Session(once.client);
    const answer = await session.fetch("things");
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { token: "at-2" });
    assert.deepEqual(once.seen, { token: 2, api: ["at-1", "at-2"] });
  } finally {
    await once.close();
  }
  const never = await tokenAndApi([]);
  try {
    const error = await new Session(never.client).fetch("things").catch((e) => e);
    assert.ok(error instanceof AuthflowError, String(error));
    assert.equal(error.kind, "unauthorized");
    assert.equal(error.status, 401);
    assert.deepEqual(never.seen, { token: 2, api: ["at-1", "at-2"] }, "one renewal, one retry, no more");
    assert.doesNotMatch(error.message, /at-\d|api-secret/);
  } finally {
    await never.close();
  }
});

test("resource indicators (RFC 8707): on the authorize URL in the browser entry, and an audience-restricted token from oidc-provider", async () => {
  const resource = "https://api.example/";
  const start = await new browser.OAuthClient({
    profile: "generic", clientId: "browser-client", redirectUri: REDIRECT, resources: [resource],
    endpoints: { authorization: `${oidc.issuer}/auth`, token: `${oidc.issuer}/token` },
  }).createAuthorizationUrl({ storageKey: null });
  assert.deepEqual(new URL(start.url).searchParams.getAll("resource"), [resource]);
  assert.throws(() => new browser.OAuthClient({
    profile: "generic", clientId: "c", redirectUri: REDIRECT, resources: ["https://api.example/#top"],
    endpoints: { token: `${oidc.issuer}/token` },
  }), (e) => e.kind === "configuration");
  const options = {
    profile: "generic", clientId: "resource-client", clientSecret: "resource-client-secret-0123456789abcdef",
    grant: "client_credentials", scopes: ["api:read"], resources: [resource],
    endpoints: { token: `${oidc.issuer}/token` },
  };
  const tokens = await new OAuthClient(options).clientCredentials();
  const claims = JSON.parse(Buffer.from(tokens.accessToken.split(".")[1], "base64url"));
  assert.equal(claims.aud, resource);
  const refused = await new OAuthClient({ ...options, resources: ["https://unknown.example/"] })
    .clientCredentials().catch((e) => e);
  assert.equal(refused.kind, "invalid_scope");
  assert.equal(refused.providerError, "invalid_target");
});
