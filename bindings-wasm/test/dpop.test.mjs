// DPoP in the npm package (RFC 9449): the browser entry authflowkit/browser-dpop
// (its module loads in Node as in a page, and Node has the same WebCrypto)
// and the Node.js entry authflowkit/node, under Node's test runner, against a token endpoint and a resource server on
// 127.0.0.1 that check each proof as a DPoP server does: the signature
// with the header's `jwk` (WebCrypto's verify, so a proof only authflow
// accepts fails here), `typ`, `htm`, `htu`, `iat`, a `jti` never seen
// before, the nonce they asked for, `ath` at the resource server. Both
// servers first demand a nonce: the client retries exactly once.
//
// The default browser entry is built without DPoP (its size budget,
// bindings-wasm/SIZE.md) and refuses the option rather than ignore it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHash } from "node:crypto";

const pkg = new URL("../pkg/", import.meta.url);
const ENTRIES = {
  "authflowkit/browser-dpop": await import(new URL("browser-dpop/index.js", pkg)),
  "authflowkit/node": await import(new URL("node/index.js", pkg)),
};
const dpop = ENTRIES["authflowkit/browser-dpop"];
const browser = await import(new URL("index.js", pkg));

const REDIRECT = "http://127.0.0.1:8400/callback";
const CODE = "code-SECRET-dpop";
const ACCESS = "at-SECRET-dpop-1";
const REFRESH = "rt-SECRET-dpop-1";
const ES256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

const part = (jwt, i) => JSON.parse(Buffer.from(jwt.split(".")[i], "base64url"));
const sha256 = (text) => createHash("sha256").update(text).digest("base64url");
/** RFC 7638 thumbprint of an EC public JWK. */
const thumbprint = ({ crv, kty, x, y }) => sha256(JSON.stringify({ crv, kty, x, y }));

/**
 * The checks of RFC 9449 §4.3 on `proof` for a request `method url`, with
 * `nonce` and (for a token's use) `token`; returns the proof's jkt.
 */
async function checkProof(proof, { method, url, nonce, token, jtis }) {
  assert.equal(typeof proof, "string", "a DPoP header");
  const [header, claims] = [part(proof, 0), part(proof, 1)];
  assert.equal(header.typ, "dpop+jwt");
  assert.equal(header.alg, "ES256");
  assert.equal(header.jwk.d, undefined, "no private member in the header's key");
  const key = await crypto.subtle.importKey("jwk", header.jwk, ES256, false, ["verify"]);
  const [h, c, s] = proof.split(".");
  assert.ok(await crypto.subtle.verify(ES256, key, Buffer.from(s, "base64url"), new TextEncoder().encode(`${h}.${c}`)),
    "the signature verifies with the header's jwk");
  assert.equal(claims.htm, method);
  assert.equal(claims.htu, url.split("?")[0]);
  assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 60, "iat is now");
  assert.ok(!jtis.has(claims.jti), "a jti is never used twice");
  jtis.add(claims.jti);
  assert.equal(claims.nonce, nonce);
  assert.equal(claims.ath, token === undefined ? undefined : sha256(token));
  return thumbprint(header.jwk);
}

/**
 * A token endpoint (POST /token) and a resource (/api/...) on 127.0.0.1,
 * two servers (nonces are per server, by origin). Each demands its own
 * nonce before anything else; `log` has each request's outcome.
 */
async function servers() {
  const jtis = new Set();
  const log = [];
  const state = { tokenNonce: "tn-1", resourceNonce: "rn-1", jkt: null, expiresIn: 3600 };
  const handler = (server) => (req, res) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", async () => {
      const origin = `http://127.0.0.1:${server.address().port}`;
      const proof = req.headers.dpop;
      try {
        if (req.url === "/token") {
          const sent = proof && part(proof, 1).nonce;
          if (sent !== state.tokenNonce || state.rotate) {
            // A server that moves to a new nonce at every request.
            if (state.rotate) state.tokenNonce = `tn-${log.length}`;
            log.push("token: nonce demanded");
            res.writeHead(400, { "Content-Type": "application/json", "DPoP-Nonce": state.tokenNonce });
            return res.end(JSON.stringify({ error: "use_dpop_nonce", error_description: "a nonce is required" }));
          }
          const jkt = await checkProof(proof, { method: "POST", url: `${origin}/token`, nonce: state.tokenNonce, jtis });
          state.jkt ??= jkt;
          assert.equal(jkt, state.jkt, "every token request proves the same key");
          const params = new URLSearchParams(body);
          log.push(`token: ${params.get("grant_type")}`);
          res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
          return res.end(JSON.stringify({
            access_token: ACCESS, token_type: "DPoP", expires_in: state.expiresIn, refresh_token: REFRESH,
          }));
        }
        if (req.url.startsWith("/api/")) {
          const sent = proof && part(proof, 1).nonce;
          if (sent !== state.resourceNonce) {
            log.push("resource: nonce demanded");
            res.writeHead(401, {
              "WWW-Authenticate": 'DPoP error="use_dpop_nonce", error_description="nonce"',
              "DPoP-Nonce": state.resourceNonce,
            });
            return res.end();
          }
          assert.equal(req.headers.authorization, `DPoP ${ACCESS}`, "a bound token is never sent as Bearer");
          const jkt = await checkProof(proof, {
            method: req.method, url: `${origin}${req.url}`, nonce: state.resourceNonce, token: ACCESS, jtis,
          });
          assert.equal(jkt, state.jkt, "the resource sees the key the token is bound to");
          log.push(`resource: ${req.method} ${req.url}`);
          res.writeHead(200, { "Content-Type": "application/json" });
          return res.end(JSON.stringify({ things: [1, 2] }));
        }
        res.writeHead(404).end();
      } catch (error) {
        log.push(`refused: ${error.message}`);
        res.writeHead(400, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: "invalid_dpop_proof" }));
      }
    });
  };
  const [as, rs] = [createServer(), createServer()];
  const origins = [];
  for (const server of [as, rs]) {
    server.on("request", handler(server));
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    origins.push(`http://127.0.0.1:${server.address().port}`);
  }
  const close = (server) => new Promise((resolve) => server.close(resolve));
  return { as: origins[0], rs: origins[1], log, state, close: () => Promise.all([close(as), close(rs)]) };
}

const options = (servers, key) => ({
  profile: "generic", clientId: "spa-1", redirectUri: REDIRECT,
  endpoints: { authorization: `${servers.as}/authorize`, token: `${servers.as}/token`, apiBase: `${servers.rs}/api/` },
  dpop: key,
});
const NOWHERE = { as: "http://127.0.0.1:1", rs: "http://127.0.0.1:1" };

async function signIn(client) {
  const start = client.createAuthorizationUrl({ storageKey: null });
  const state = new URL(start.url).searchParams.get("state");
  const callback = client.handleRedirect(`${REDIRECT}?code=${CODE}&state=${state}`, { pending: start.pending });
  return client.exchangeCode(callback);
}

test("a new key's private half is non-extractable, and its public JWK is the pair's", async () => {
  const key = await dpop.createDpopKey();
  assert.equal(key.privateKey.extractable, false);
  assert.equal(key.privateKey.type, "private");
  assert.deepEqual(Object.keys(key.publicJwk).filter((k) => k === "d"), []);
  assert.equal(key.publicJwk.crv, "P-256");
  // The pair to keep gives the same key back.
  assert.equal(key.keyPair.privateKey, key.privateKey);
  assert.deepEqual((await dpop.dpopKey(key.keyPair)).publicJwk, key.publicJwk);
});

for (const [name, entry] of Object.entries(ENTRIES)) {
  test(`${name}: code exchange, API call, refresh and a session's renewal are proved with the key, each nonce demand retried once`, async () => {
    const rs = await servers();
    try {
      const key = await entry.createDpopKey();
      const client = new entry.OAuthClient(options(rs, key));
      const tokens = await signIn(client);
      assert.equal(tokens.tokenType, "DPoP");
      assert.deepEqual(rs.log, ["token: nonce demanded", "token: authorization_code"]);

      const response = await client.fetchResource("things?page=2", tokens);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { things: [1, 2] });
      // The nonce is kept: the next call is sent once.
      assert.equal((await client.fetchResource("things", tokens, { method: "POST", json: { a: 1 } })).status, 200);
      assert.deepEqual(rs.log.slice(2), ["resource: nonce demanded", "resource: GET /api/things?page=2", "resource: POST /api/things"]);

      const refreshed = await client.refresh(tokens);
      assert.equal(refreshed.tokenType, "DPoP");
      assert.deepEqual(rs.log.slice(5), ["token: refresh_token"], "the kept nonce: no demand, no retry");

      // A session whose token is due renews it with a proof of the same key.
      const expired = { ...tokens, expiresAt: Math.floor(Date.now() / 1000) - 10 };
      const session = new entry.Session(client, { tokens: expired });
      assert.equal(await session.accessToken(), ACCESS);
      assert.deepEqual(rs.log.slice(6), ["token: refresh_token"]);
      assert.ok(!rs.log.some((line) => line.startsWith("refused")), rs.log.join("\n"));
    } finally {
      await rs.close();
    }
  });

  test(`${name}: a server that demands a nonce twice gets one retry, and the error says what it said`, async () => {
    const rs = await servers();
    try {
      const client = new entry.OAuthClient(options(rs, await entry.createDpopKey()));
      const tokens = await signIn(client);
      rs.state.rotate = true;
      const original = rs.log.length;
      const error = await client.refresh(tokens).catch((e) => e);
      assert.equal(error.name, "AuthflowError");
      assert.equal(error.providerError, "use_dpop_nonce");
      const demands = rs.log.slice(original).filter((line) => line === "token: nonce demanded").length;
      assert.equal(demands, 2, `one request and one retry, not more: ${rs.log.slice(original)}`);
      assert.ok(!error.message.includes(REFRESH) && !error.message.includes(ACCESS), error.message);
    } finally {
      await rs.close();
    }
  });

  test(`${name}: a DPoP-bound token is never sent as a bearer token by a client without the key`, async () => {
    const rs = await servers();
    try {
      const withKey = new entry.OAuthClient(options(rs, await entry.createDpopKey()));
      const tokens = await signIn(withKey);
      const keyless = new entry.OAuthClient(options(rs, undefined));
      const error = await keyless.fetchResource("things", tokens).catch((e) => e);
      assert.equal(error.kind, "configuration");
      assert.match(error.message, /never sent as a bearer token/);
      assert.ok(!error.message.includes(ACCESS));
      assert.ok(!rs.log.some((line) => line.startsWith("resource: GET")), "no request left");
    } finally {
      await rs.close();
    }
  });

  test(`${name}: a key that cannot sign ES256 and a private JWK are refused`, async () => {
    const rsa = await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true, ["sign", "verify"]);
    assert.throws(() => new entry.OAuthClient(options(NOWHERE, {
      privateKey: rsa.privateKey, publicJwk: { kty: "RSA", n: "AQAB", e: "AQAB" },
    })), (e) => e.kind === "configuration" && /does not sign ES256/.test(e.message));
    const extractable = await crypto.subtle.generateKey(ES256, true, ["sign", "verify"]);
    const privateJwk = await crypto.subtle.exportKey("jwk", extractable.privateKey);
    assert.throws(() => new entry.OAuthClient(options(NOWHERE, {
      privateKey: extractable.privateKey, publicJwk: privateJwk,
    })), (e) => /private key material/.test(e.message) && !e.message.includes(privateJwk.d));
    // The public key of one pair with the private key of another: the
    // signature fails at the server, not here; a public key given as the
    // private one fails at signing.
    const rs = await servers();
    try {
      const pair = await crypto.subtle.generateKey(ES256, false, ["sign", "verify"]);
      const wrong = { privateKey: pair.publicKey, publicJwk: await crypto.subtle.exportKey("jwk", pair.publicKey) };
      const error = await signIn(new entry.OAuthClient(options(rs, wrong))).catch((e) => e);
      assert.equal(error.kind, "configuration");
      assert.match(error.message, /cannot sign ES256/);
    } finally {
      await rs.close();
    }
  });
}

test("authflowkit/node: Session.fetch presents a bound token with a proof, and meets the API's nonce demand once", async () => {
  const node = ENTRIES["authflowkit/node"];
  const rs = await servers();
  try {
    const client = new node.OAuthClient(options(rs, await node.createDpopKey()));
    const tokens = await signIn(client);
    const session = new node.Session(client, { tokens });
    const response = await session.fetch("things?page=3");
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { things: [1, 2] });
    assert.equal((await session.fetch("things", { method: "POST", json: { b: 2 } })).status, 200);
    assert.deepEqual(rs.log.slice(2), ["resource: nonce demanded", "resource: GET /api/things?page=3", "resource: POST /api/things"]);

    // A service's own tokens (client credentials), bound to its own key.
    rs.state.jkt = null;
    const service = new node.Session(new node.OAuthClient({
      ...options(rs, await node.createDpopKey()), clientSecret: "service-secret-0123456789", grant: "client_credentials",
    }));
    assert.equal((await service.fetch("things")).status, 200);
    // A new client knows no nonce yet: each server demands its own once.
    assert.deepEqual(rs.log.slice(5), [
      "token: nonce demanded", "token: client_credentials", "resource: nonce demanded", "resource: GET /api/things",
    ]);
    assert.ok(!rs.log.some((line) => line.startsWith("refused")), rs.log.join("\n"));
  } finally {
    await rs.close();
  }
});

test("the default browser entry refuses the dpop option instead of sending bearer tokens", async () => {
  const key = await dpop.createDpopKey();
  assert.throws(() => new browser.OAuthClient(options(NOWHERE, key)),
    (e) => e.kind === "configuration" && /authflowkit\/browser-dpop/.test(e.message));
  assert.equal(browser.createDpopKey, undefined);
});
