// OpenID Connect in the package, under Node's test runner, against a token
// endpoint on 127.0.0.1 that answers with ID tokens made here: the
// authorize URL carries a nonce, and the code exchange checks the ID
// token's claims (OpenID Connect Core 1.0 §3.1.3.7) but not its signature
// (item 6: the token came from the token endpoint over TLS), so the tokens
// here are signed with nothing. A token whose nonce, aud, iss, exp, alg or
// at_hash is wrong is refused with `id_token_invalid` (action
// `authorize_again`), and its text is in no error.
//
// Every case runs against both entries that have OpenID: the Node.js entry
// (`authflowkit/node`) and the browser's OpenID entry
// (`authflowkit/browser-openid`, whose module loads in Node as in a page). The
// default browser entry's module is built without it (its size budget,
// bindings-wasm/SIZE.md) and refuses the option rather than ignore it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHash } from "node:crypto";

const pkg = new URL("../pkg/", import.meta.url);
const ENTRIES = {
  "authflowkit/node": await import(new URL("node/index.js", pkg)),
  "authflowkit/browser-openid": await import(new URL("browser-openid/index.js", pkg)),
};
const browser = await import(new URL("index.js", pkg));

const REDIRECT = "http://127.0.0.1:8400/callback";
const CODE = "code-SECRET-0015";
const ACCESS = "at-SECRET-openid-0015";
const now = () => Math.floor(Date.now() / 1000);

const b64url = (value) => Buffer.from(value).toString("base64url");
/** An ID token signed with nothing (the signature part is bytes, never checked). */
const jwt = (claims, header = { alg: "RS256", typ: "JWT", kid: "k1" }) =>
  `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}.${b64url("not-a-signature")}`;
/** §3.1.3.8: the left half of SHA-256 of the access token, base64url. */
const atHash = (token) => createHash("sha256").update(token).digest().subarray(0, 16).toString("base64url");

/**
 * A token endpoint on 127.0.0.1 whose answer `respond(request)` makes;
 * the issuer is its origin.
 */
async function provider(respond) {
  const seen = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => {
      seen.push({ url: req.url, body });
      res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      res.end(JSON.stringify(respond({ body })));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return { issuer, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Authorizes (the nonce from the URL) and exchanges: the token set, or what was thrown. */
async function signIn(client, op, idToken, { extraParams } = {}) {
  const start = client.createAuthorizationUrl({ storageKey: null, extraParams });
  const url = new URL(start.url);
  const nonce = url.searchParams.get("nonce");
  const callback = client.handleRedirect(
    `${REDIRECT}?code=${CODE}&state=${url.searchParams.get("state")}&iss=${encodeURIComponent(op.issuer)}`,
    { pending: start.pending },
  );
  op.answer = { access_token: ACCESS, token_type: "Bearer", expires_in: 300, id_token: idToken?.(nonce) };
  return client.exchangeCode(callback).catch((e) => e);
}

/** The claims of a good ID token for `op` and `nonce`; `changes` replaces some. */
const claims = (op, nonce, changes = {}) => ({
  iss: op.issuer, sub: "user-15", aud: "rp-1", exp: now() + 300, iat: now(), nonce,
  at_hash: atHash(ACCESS), email: "jane@example.com", ...changes,
});

async function withProvider(body) {
  const op = await provider(() => op.answer);
  try {
    await body(op);
  } finally {
    await op.close();
  }
}

for (const [entry, { AuthflowError, OAuthClient, Session }] of Object.entries(ENTRIES)) {
  const openidClient = (op, extra = {}) => new OAuthClient({
    profile: "generic",
    clientId: "rp-1",
    redirectUri: REDIRECT,
    scopes: ["openid", "profile"],
    issuer: op.issuer,
    openid: true,
    endpoints: { authorization: `${op.issuer}/authorize`, token: `${op.issuer}/token` },
    ...extra,
  });

  test(`${entry}: an OpenID sign-in: the nonce is sent, the ID token's claims are checked and handed out`, () =>
    withProvider(async (op) => {
      let sent, made;
      const tokens = await signIn(openidClient(op), op, (nonce) => {
        sent = nonce;
        return (made = jwt(claims(op, nonce)));
      });
      assert.ok(!(tokens instanceof Error), String(tokens));
      assert.match(sent, /^[A-Za-z0-9_-]{22}$/, "a nonce of 16 random bytes");
      assert.equal(tokens.accessToken, ACCESS);
      assert.equal(tokens.extra.id_token, made, "the ID token, where it was before");
      assert.equal(tokens.idTokenClaims.sub, "user-15");
      assert.equal(tokens.idTokenClaims.nonce, sent);
      assert.equal(tokens.idTokenClaims.iss, op.issuer);
      assert.equal(tokens.idTokenClaims.email, "jane@example.com");
      // A plain object still: JSON keeps it whole.
      assert.deepEqual(JSON.parse(JSON.stringify(tokens)), tokens);
      assert.match(op.seen[0].body, /^grant_type=authorization_code&code=code-SECRET-0015&/);
    }));

  test(`${entry}: several audiences with azp, a token without at_hash, and auth_time within max_age pass`, () =>
    withProvider(async (op) => {
      const client = openidClient(op);
      for (const [changes, options] of [
        [{ aud: ["rp-1", "api-2"], azp: "rp-1" }, {}],
        [{ at_hash: undefined }, {}],
        [{ auth_time: now() - 30 }, { extraParams: { max_age: "300" } }],
        // Within the leeway of 60 s.
        [{ exp: now() - 30 }, {}],
      ]) {
        const tokens = await signIn(client, op, (nonce) => jwt(claims(op, nonce, changes)), options);
        assert.ok(!(tokens instanceof Error), `${JSON.stringify(changes)}: ${tokens}`);
        assert.equal(tokens.idTokenClaims.sub, "user-15");
      }
    }));

  test(`${entry}: a wrong nonce, aud, iss, azp, an expired or future token, a wrong at_hash are refused: id_token_invalid`, () =>
    withProvider(async (op) => {
      const client = openidClient(op);
      const cases = [
        ["nonce", () => ({ nonce: "AAAAAAAAAAAAAAAAAAAAAA" })],
        ["no nonce", () => ({ nonce: undefined })],
        ["aud", () => ({ aud: "another-client" })],
        ["several audiences without azp", () => ({ aud: ["rp-1", "api-2"] })],
        ["azp", () => ({ aud: ["rp-1", "api-2"], azp: "api-2" })],
        ["iss", () => ({ iss: `${op.issuer}/other` })],
        ["expired", () => ({ exp: now() - 3600, iat: now() - 7200 })],
        ["issued in the future", () => ({ iat: now() + 3600 })],
        ["at_hash", () => ({ at_hash: atHash("another-access-token") })],
        ["no sub", () => ({ sub: undefined })],
      ];
      for (const [name, changes] of cases) {
        let token;
        const error = await signIn(client, op, (nonce) => (token = jwt(claims(op, nonce, changes()))));
        assert.ok(error instanceof AuthflowError, `${name}: ${JSON.stringify(error)}`);
        assert.equal(error.kind, "id_token_invalid", `${name}: ${error.message}`);
        assert.equal(error.action, "authorize_again", name);
        assert.ok(!JSON.stringify([error.message, error]).includes(token), `${name}: the token shows`);
        assert.ok(!error.message.includes(ACCESS), `${name}: the access token shows`);
      }
    }));

  test(`${entry}: alg none, a MAC, crit, a non-JWT typ, a token that is not a JWS, and none at all are refused`, () =>
    withProvider(async (op) => {
      const client = openidClient(op);
      for (const [name, make] of [
        ["alg none", (nonce) => jwt(claims(op, nonce), { alg: "none" }).replace(/[^.]*$/, "")],
        ["HS256", (nonce) => jwt(claims(op, nonce), { alg: "HS256" })],
        ["crit", (nonce) => jwt(claims(op, nonce), { alg: "RS256", crit: ["exp"] })],
        ["typ at+jwt", (nonce) => jwt(claims(op, nonce), { alg: "RS256", typ: "at+jwt" })],
        ["not a JWS", () => "not.a-jws"],
        ["no id_token", () => undefined],
      ]) {
        const error = await signIn(client, op, make);
        assert.ok(error instanceof AuthflowError, `${name}: ${JSON.stringify(error)}`);
        assert.equal(error.kind, "id_token_invalid", `${name}: ${error.message}`);
        assert.equal(error.action, "authorize_again", name);
      }
    }));

  test(`${entry}: max_age sent: auth_time is required and checked`, () =>
    withProvider(async (op) => {
      const client = openidClient(op);
      const extraParams = { max_age: "60" };
      for (const auth_time of [undefined, now() - 3600]) {
        const error = await signIn(client, op, (nonce) => jwt(claims(op, nonce, { auth_time })), { extraParams });
        assert.ok(error instanceof AuthflowError, String(error));
        assert.equal(error.kind, "id_token_invalid", error.message);
      }
    }));

  test(`${entry}: an OAuth client sends no nonce and leaves an id_token as it came, unchecked`, () =>
    withProvider(async (op) => {
      const client = openidClient(op, { openid: undefined });
      const start = client.createAuthorizationUrl({ storageKey: null });
      assert.equal(new URL(start.url).searchParams.get("nonce"), null);
      const tokens = await signIn(client, op, () => "whatever-the-provider-sends");
      assert.ok(!(tokens instanceof Error), String(tokens));
      assert.equal(tokens.extra.id_token, "whatever-the-provider-sends");
      assert.equal(tokens.idTokenClaims, null);
    }));

  test(`${entry}: openid needs the issuer the ID token must name, and is a boolean`, () => {
    for (const [options, pattern] of [
      [{ issuer: undefined }, /issuer/],
      [{ openid: "yes" }, /openid must be a boolean/],
    ]) {
      const error = (() => {
        try {
          openidClient({ issuer: "https://op.example" }, options);
        } catch (e) {
          return e;
        }
        return null;
      })();
      assert.ok(error instanceof AuthflowError, `${JSON.stringify(options)}: ${error}`);
      assert.equal(error.kind, "configuration");
      assert.match(error.message, pattern);
    }
  });

  test(`${entry}: a refresh that keeps the login's ID token keeps its claims; a new, unchecked one has none`, () =>
    withProvider(async (op) => {
      const client = openidClient(op);
      const tokens = await signIn(client, op, (nonce) => jwt(claims(op, nonce)));
      assert.ok(!(tokens instanceof Error), String(tokens));
      tokens.refreshToken = "rt-SECRET-openid-0015";
      op.answer = { access_token: "at-SECRET-openid-0016", token_type: "Bearer", expires_in: 300 };
      const kept = await client.refresh(tokens);
      assert.equal(kept.extra.id_token, tokens.extra.id_token);
      assert.deepEqual(kept.idTokenClaims, tokens.idTokenClaims);
      const session = new Session(client, { tokens });
      assert.deepEqual(session.tokens.idTokenClaims, tokens.idTokenClaims);

      const other = jwt({ ...tokens.idTokenClaims, sid: "another-session" });
      op.answer = { access_token: "at-SECRET-openid-0017", token_type: "Bearer", expires_in: 300, id_token: other };
      const renewed = await client.refresh(tokens);
      assert.equal(renewed.extra.id_token, other);
      assert.equal(renewed.idTokenClaims, null, "a refresh's ID token is not checked here");
    }));
}

test("the default browser entry (authflowkit) has no OpenID: the option is refused, naming the entry that has it", () => {
  const error = (() => {
    try {
      new browser.OAuthClient({
        profile: "generic", clientId: "rp-1", redirectUri: REDIRECT, issuer: "https://op.example", openid: true,
        endpoints: { authorization: "https://op.example/authorize", token: "https://op.example/token" },
      });
    } catch (e) {
      return e;
    }
    return null;
  })();
  assert.ok(error instanceof browser.AuthflowError, String(error));
  assert.equal(error.kind, "configuration");
  assert.match(error.message, /option openid: import authflowkit\/browser-openid/);
  // An OAuth client of the browser entry keeps an id_token among extra, unread.
  const client = new browser.OAuthClient({
    profile: "generic", clientId: "rp-1", redirectUri: REDIRECT, issuer: "https://op.example",
    endpoints: { authorization: "https://op.example/authorize", token: "https://op.example/token" },
  });
  assert.equal(new URL(client.createAuthorizationUrl({ storageKey: null }).url).searchParams.get("nonce"), null);
});
