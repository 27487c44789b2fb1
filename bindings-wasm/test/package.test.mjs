// The built npm package (bindings-wasm/pkg, from scripts/wasm-build.sh)
// under Node's test runner: it imports, ships its types with doc comments,
// and its functions and errors behave as documented. Browser-only pieces
// (sessionStorage, the address bar) are tested in Chromium instead.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { execFileSync } from "node:child_process";

const pkg = new URL("../pkg/", import.meta.url);
const authflow = await import(new URL("index.js", pkg));
const { AuthflowError, ValidatedCallback, OAuthClient, Session } = authflow;

const REDIRECT = "http://127.0.0.1:8400/callback";
const options = (extra = {}) => ({
  profile: "makini_link",
  clientId: "link-public",
  redirectUri: REDIRECT,
  ...extra,
});
const link = new OAuthClient(options());

test("package.json describes an ES module with types and the project's licence", async () => {
  const meta = JSON.parse(await readFile(new URL("package.json", pkg), "utf8"));
  assert.equal(meta.name, "authflowkit");
  assert.equal(meta.license, "MIT OR Apache-2.0");
  assert.equal(meta.type, "module");
  assert.equal(meta.exports["."].default, "./index.js");
  assert.equal(meta.exports["."].types, "./index.d.ts");
  for (const file of meta.files) {
    await stat(new URL(file, pkg)); // throws when a listed file is missing
  }
});

test("the exports are the documented API, and nothing of wasm-bindgen's", async () => {
  assert.deepEqual(Object.keys(authflow).sort(), ["AuthflowError", "OAuthClient", "Session", "ValidatedCallback"]);
  const index = await readFile(new URL("index.d.ts", pkg), "utf8");
  assert.doesNotMatch(index, /initSync|InitOutput|__wbindgen|closures|export \*/);
  for (const name of ["createAuthorizationUrl", "handleRedirect", "exchangeCode", "refresh"]) {
    assert.equal(typeof OAuthClient.prototype[name], "function", name);
  }
  assert.equal(OAuthClient.prototype.clientCredentials, undefined, "no secret-holding flow in the browser entry");
  // The glue is minified; the class keeps its name for its own messages.
  assert.equal(ValidatedCallback.name, "ValidatedCallback");
  assert.equal(AuthflowError.name, "AuthflowError");
  await assert.rejects(async () => link.exchangeCode({ code: "c" }), /expected instance of ValidatedCallback/);
  assert.equal(typeof AuthflowError, "function");
  assert.ok(AuthflowError.prototype instanceof Error);
  assert.equal(typeof ValidatedCallback, "function");
});

test("importing any entry in Node.js does not load Node's fetch implementation", () => {
  // wasm-bindgen's async loader reads the global Response, and in Node.js
  // that loads undici (fetch, streams, zlib, net): about 30 ms of a 45 ms
  // import, paid by every process that imports the package, fetching or
  // not. Each entry is imported in a process of its own.
  for (const entry of ["index.js", "browser-openid/index.js", "browser-dpop/index.js",
    "browser-authorize/index.js", "node/index.js"]) {
    const script = `await import(${JSON.stringify(new URL(entry, pkg).href)});
      process.stdout.write(JSON.stringify(process.moduleLoadList.filter((m) => m.includes("undici"))));`;
    const loaded = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }));
    assert.deepEqual(loaded, [], entry);
  }
});

test("the types declare every function, option and field, each with a doc comment", async () => {
  const index = await readFile(new URL("index.d.ts", pkg), "utf8");
  assert.match(index, /from "\.\/authflow_wasm\.js"/);
  const types = await readFile(new URL("authflow_wasm.d.ts", pkg), "utf8");
  const declarations = [
    /export class OAuthClient/,
    /constructor\(options: ClientOptions\);/,
    /createAuthorizationUrl\(options\?: AuthorizationUrlOptions \| null\): AuthorizationStart;/,
    /handleRedirect\(url\?: string \| null, options\?: HandleRedirectOptions \| null\): ValidatedCallback;/,
    /exchangeCode\(callback: ValidatedCallback\): Promise<TokenSet>;/,
    /refresh\(tokens: TokenSet\): Promise<TokenSet>;/,
    /export declare class AuthflowError extends Error/,
    /export class ValidatedCallback/,
    /export interface ClientOptions/,
    /export interface AuthorizationUrlOptions/,
    /export interface HandleRedirectOptions/,
    /export interface TokenSet/,
    /export type ErrorKind =/,
    /export type Action =/,
    /export interface SessionInit/,
    /export declare class Session \{/,
    /constructor\(client: OAuthClient, init\?: SessionInit\);/,
    /accessToken\(\): Promise<string>;/,
    /readonly tokens: TokenSet \| null;/,
  ];
  for (const declaration of declarations) {
    assert.match(types, declaration);
  }
  // Every exported function, class, interface and type (but wasm-bindgen's
  // own loader) has a doc comment right above it.
  const lines = types.split("\n");
  const loader = /^export (function initSync|interface InitOutput|type (InitInput|SyncInitInput))\b/;
  let checked = 0;
  lines.forEach((line, i) => {
    if (/^export (declare )?(function|class|interface|type) /.test(line) && !loader.test(line)) {
      let j = i - 1;
      while (j >= 0 && lines[j].trim() === "") j -= 1;
      assert.match(lines[j] ?? "", /\*\/\s*$/, `no doc comment above: ${line}`);
      checked += 1;
    }
  });
  assert.equal(checked, 14, "declarations checked");
  // The module's own pieces of Session and of token requests are not API.
  assert.doesNotMatch(types, /class (SessionMachine|TokenCall|ApiCall)|sessionMachine\(|timeoutMs\(\)|get timeoutMs|apiCall\(/);
  // The browser's Session has no API calls (their code is the Node.js entry's).
  assert.doesNotMatch(types, /fetch\(path/);
  for (const field of ["kind", "action", "retryAfter", "status", "providerError", "providerErrorDescription", "accessToken", "refreshToken", "expiresAt", "codeVerifier", "redirectUri"]) {
    assert.match(types, new RegExp(`\\b${field}\\b`), field);
  }
  assert.doesNotMatch(types, /secret\s*[:?]/i, "no option or field takes a secret");
});

test("authflowkit/browser-openid: the browser API with OpenID, in a module of its own", async () => {
  const meta = JSON.parse(await readFile(new URL("package.json", pkg), "utf8"));
  assert.deepEqual(meta.exports["./browser-openid"], {
    types: "./browser-openid/index.d.ts", default: "./browser-openid/index.js",
  });
  assert.ok(meta.files.includes("browser-openid/"));
  const openid = await import(new URL("browser-openid/index.js", pkg));
  // The same API as the default entry's, from another module.
  assert.deepEqual(Object.keys(openid).sort(), Object.keys(authflow).sort());
  assert.notEqual(openid.OAuthClient, OAuthClient, "a module of its own");
  assert.equal(openid.OAuthClient.prototype.clientCredentials, undefined, "no secret-holding flow");
  assert.equal(openid.Session.prototype.fetch, undefined, "API calls are the Node.js entry's");
  assert.equal(openid.ValidatedCallback.name, "ValidatedCallback");
  assert.equal(openid.AuthflowError.name, "AuthflowError");
  // Its option openid is taken (the default entry refuses it: openid.test.mjs).
  const client = new openid.OAuthClient(options({
    profile: "generic", issuer: "https://op.example", openid: true, scopes: ["openid"],
    endpoints: { authorization: "https://op.example/authorize", token: "https://op.example/token" },
  }));
  const start = client.createAuthorizationUrl({ storageKey: null });
  assert.match(new URL(start.url).searchParams.get("nonce"), /^[A-Za-z0-9_-]{22}$/);
  assert.match(start.pending, /^afp2\./);

  // Its types: the default entry's, with the option and the claims.
  const index = await readFile(new URL("browser-openid/index.d.ts", pkg), "utf8");
  assert.match(index, /from "\.\/authflow_openid\.js"/);
  assert.match(index, /\bIdTokenClaims\b/);
  assert.doesNotMatch(index, /initSync|InitOutput|__wbindgen|closures|export \*/);
  const types = await readFile(new URL("browser-openid/authflow_openid.d.ts", pkg), "utf8");
  for (const declaration of [
    /export class OAuthClient/, /constructor\(options: ClientOptions\);/, /export interface ClientOptions/,
    /openid\?: boolean;/, /idTokenClaims\?: IdTokenClaims \| null;/, /export interface IdTokenClaims/,
    /export declare class Session \{/, /export declare class AuthflowError extends Error/,
  ]) {
    assert.match(types, declaration);
  }
  assert.doesNotMatch(types, /\[Symbol\.dispose\]|fetch\(path|ConfidentialClientOptions/);
  assert.doesNotMatch(types, /secret\s*[:?]/i, "no option or field takes a secret");
  const plain = await readFile(new URL("authflow_wasm.d.ts", pkg), "utf8");
  assert.doesNotMatch(plain, /openid\?: boolean|idTokenClaims|IdTokenClaims/, "the default entry's types have none of it");

  // Each entry loads its own module only: a bundle of one never pulls the other's.
  const entryJs = await readFile(new URL("browser-openid/index.js", pkg), "utf8");
  assert.match(entryJs, /"\.\/authflow_openid_bg\.wasm"/);
  assert.doesNotMatch(entryJs, /authflow_wasm|authflow_node|\.\.\//);
  for (const file of ["index.js"]) {
    assert.doesNotMatch(await readFile(new URL(file, pkg), "utf8"), /browser-openid|authflow_openid/, file);
  }
});

test("authflowkit/browser-dpop: the browser API with DPoP, in a module of its own", async () => {
  const meta = JSON.parse(await readFile(new URL("package.json", pkg), "utf8"));
  assert.deepEqual(meta.exports["./browser-dpop"], {
    types: "./browser-dpop/index.d.ts", default: "./browser-dpop/index.js",
  });
  assert.ok(meta.files.includes("browser-dpop/"));
  const dpop = await import(new URL("browser-dpop/index.js", pkg));
  // The default entry's API, and the key helpers.
  assert.deepEqual(Object.keys(dpop).sort(), [...Object.keys(authflow), "createDpopKey", "dpopKey"].sort());
  assert.notEqual(dpop.OAuthClient, OAuthClient, "a module of its own");
  assert.equal(typeof dpop.OAuthClient.prototype.fetchResource, "function");
  assert.equal(OAuthClient.prototype.fetchResource, undefined, "the default entry has no resource calls");
  assert.equal(dpop.OAuthClient.prototype.clientCredentials, undefined, "no secret-holding flow");

  const index = await readFile(new URL("browser-dpop/index.d.ts", pkg), "utf8");
  assert.match(index, /from "\.\/authflow_dpop\.js"/);
  assert.doesNotMatch(index, /initSync|InitOutput|__wbindgen|closures|export \*/);
  const types = await readFile(new URL("browser-dpop/authflow_dpop.d.ts", pkg), "utf8");
  for (const declaration of [
    /dpop\?: DpopKey;/, /export interface DpopKey/, /privateKey: CryptoKey;/, /export interface ResourceRequest/,
    /fetchResource\(path: string, tokens: TokenSet, init\?: ResourceRequest \| null\): Promise<Response>;/,
    /export declare function createDpopKey\(\): Promise<DpopKey>;/,
    /export declare function dpopKey\(pair: CryptoKeyPair\): Promise<DpopKey>;/,
  ]) {
    assert.match(types, declaration);
  }
  assert.doesNotMatch(types, /secret\s*[:?]/i, "no option or field takes a secret");
  const plain = await readFile(new URL("authflow_wasm.d.ts", pkg), "utf8");
  assert.doesNotMatch(plain, /DpopKey|fetchResource/, "the default entry's types have none of it");

  const entryJs = await readFile(new URL("browser-dpop/index.js", pkg), "utf8");
  assert.match(entryJs, /"\.\/authflow_dpop_bg\.wasm"/);
  assert.doesNotMatch(entryJs, /authflow_wasm|authflow_node|\.\.\/|__DPOP_SNIPPET__/);
  for (const file of ["index.js"]) {
    assert.doesNotMatch(await readFile(new URL(file, pkg), "utf8"), /browser-dpop|authflow_dpop|dpop\.js/, file);
  }
});

test("authflowkit/browser-authorize: authorize URLs and redirects only, in a module of its own", async () => {
  const meta = JSON.parse(await readFile(new URL("package.json", pkg), "utf8"));
  assert.deepEqual(meta.exports["./browser-authorize"], {
    types: "./browser-authorize/index.d.ts", default: "./browser-authorize/index.js",
  });
  assert.ok(meta.files.includes("browser-authorize/"));
  const authorize = await import(new URL("browser-authorize/index.js", pkg));
  assert.deepEqual(Object.keys(authorize).sort(), ["AuthflowError", "OAuthClient", "ValidatedCallback"]);
  assert.notEqual(authorize.OAuthClient, OAuthClient, "a module of its own");
  for (const name of ["exchangeCode", "refresh", "clientCredentials", "sessionMachine", "fetchResource"]) {
    assert.equal(authorize.OAuthClient.prototype[name], undefined, `no ${name}: the token endpoint is the back end's`);
  }
  assert.equal(authorize.ValidatedCallback.name, "ValidatedCallback");
  assert.equal(authorize.AuthflowError.name, "AuthflowError");

  // What it is for: the authorize URL, the redirect checked, and what the
  // back end needs to exchange the code.
  const client = new authorize.OAuthClient(options({ scopes: ["sites:read"] }));
  const start = client.createAuthorizationUrl({ storageKey: null });
  const q = new URL(start.url).searchParams;
  assert.equal(q.get("code_challenge_method"), "S256");
  const redirect = `${REDIRECT}?code=c-1&state=${q.get("state")}`;
  const callback = client.handleRedirect(redirect, { pending: start.pending });
  assert.ok(callback instanceof authorize.ValidatedCallback);
  const sent = JSON.parse(JSON.stringify(callback));
  assert.equal(sent.code, "c-1");
  assert.equal(sent.state, q.get("state"));
  assert.equal(sent.redirectUri, REDIRECT);
  assert.match(sent.codeVerifier, /^[A-Za-z0-9_-]{43,128}$/);
  // The verifier is the one the challenge was made from.
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(sent.codeVerifier));
  assert.equal(Buffer.from(digest).toString("base64url"), q.get("code_challenge"));
  // A redirect that fails its checks throws the same error as the other entries'.
  const again = client.createAuthorizationUrl({ storageKey: null });
  assert.throws(
    () => client.handleRedirect(`${REDIRECT}?code=c-2&state=forged`, { pending: again.pending }),
    (e) => e instanceof authorize.AuthflowError && e.kind === "state_mismatch",
  );
  // The pending string is the other entries' format: a page can start with
  // this entry and another entry (or a back end) can read it.
  const third = client.createAuthorizationUrl({ storageKey: null });
  const thirdState = new URL(third.url).searchParams.get("state");
  const elsewhere = link.handleRedirect(`${REDIRECT}?code=c-3&state=${thirdState}`, { pending: third.pending });
  assert.equal(elsewhere.code, "c-3");

  const index = await readFile(new URL("browser-authorize/index.d.ts", pkg), "utf8");
  assert.match(index, /from "\.\/authflow_authorize\.js"/);
  const exported = index.replace(/^\/\/.*$/gm, "");
  assert.doesNotMatch(exported, /initSync|InitOutput|__wbindgen|closures|export \*|Session|TokenSet/);
  const types = await readFile(new URL("browser-authorize/authflow_authorize.d.ts", pkg), "utf8");
  for (const declaration of [
    /export class OAuthClient/, /constructor\(options: ClientOptions\);/,
    /createAuthorizationUrl\(options\?: AuthorizationUrlOptions \| null\): AuthorizationStart;/,
    /handleRedirect\(url\?: string \| null, options\?: HandleRedirectOptions \| null\): ValidatedCallback;/,
    /export declare class AuthflowError extends Error/,
  ]) {
    assert.match(types, declaration);
  }
  assert.doesNotMatch(types, /exchangeCode\(|refresh\(|export interface SessionInit/);
  assert.doesNotMatch(types, /secret\s*[:?]/i, "no option or field takes a secret");

  const entryJs = await readFile(new URL("browser-authorize/index.js", pkg), "utf8");
  assert.match(entryJs, /"\.\/authflow_authorize_bg\.wasm"/);
  assert.doesNotMatch(entryJs, /authflow_wasm|authflow_node|\.\.\//);
  // None of the token endpoint's JS either (js/token.js: token sets, fetch, Session).
  assert.doesNotMatch(entryJs, /Session|storedTokenSet|redirect:"manual"/);
  for (const file of ["index.js"]) {
    assert.doesNotMatch(await readFile(new URL(file, pkg), "utf8"), /browser-authorize|authflow_authorize/, file);
  }
});

test("an authorization URL carries state and PKCE S256, and its redirect validates", () => {
  const client = new OAuthClient(options({ scopes: ["sites:read"] }));
  const start = client.createAuthorizationUrl({ storageKey: null, extraParams: { login_hint: "ada" } });
  const url = new URL(start.url);
  assert.equal(url.origin + url.pathname, "https://link.makini.io/oauth/authorize");
  const q = url.searchParams;
  assert.equal(q.get("response_type"), "code");
  assert.equal(q.get("client_id"), "link-public");
  assert.equal(q.get("redirect_uri"), REDIRECT);
  assert.equal(q.get("scope"), "sites:read");
  assert.equal(q.get("code_challenge_method"), "S256");
  assert.match(q.get("code_challenge"), /^[A-Za-z0-9_-]{43}$/);
  assert.match(q.get("state"), /^[A-Za-z0-9_-]{22}$/);
  assert.equal(q.get("login_hint"), "ada");
  assert.match(start.pending, /^afp1\./);
  // Fresh entropy every time.
  assert.notEqual(client.createAuthorizationUrl({ storageKey: null }).pending, start.pending);

  const callback = client.handleRedirect(`${REDIRECT}?code=code-123456&state=${q.get("state")}`, { pending: start.pending });
  assert.ok(callback instanceof ValidatedCallback);
  assert.equal(callback.code, "code-123456");
  assert.equal(callback.state, q.get("state"));
  assert.equal(callback.redirectUri, REDIRECT);
  assert.match(callback.codeVerifier, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(JSON.parse(JSON.stringify(callback)), {
    code: "code-123456", state: q.get("state"), codeVerifier: callback.codeVerifier, redirectUri: REDIRECT,
  });
});

function thrown(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail("expected an AuthflowError");
}

function assertShape(error) {
  assert.ok(error instanceof AuthflowError, String(error));
  assert.ok(error instanceof Error);
  assert.equal(error.name, "AuthflowError");
  for (const field of ["kind", "action", "retryAfter", "status", "providerError", "providerErrorDescription", "providerErrorUri", "requestId"]) {
    assert.ok(field in error, field);
  }
  assert.equal(typeof error.kind, "string");
  assert.equal(typeof error.action, "string");
  assert.equal(typeof error.message, "string");
}

test("a refusal by the provider is an AuthflowError with its code and description", () => {
  const start = link.createAuthorizationUrl({ storageKey: null });
  const state = new URL(start.url).searchParams.get("state");
  const error = thrown(() => link.handleRedirect(
    `${REDIRECT}?error=access_denied&error_description=The+user+denied+access&state=${state}`,
    { pending: start.pending },
  ));
  assertShape(error);
  assert.equal(error.kind, "access_denied");
  assert.equal(error.action, "user_denied");
  assert.equal(error.providerError, "access_denied");
  assert.equal(error.providerErrorDescription, "The user denied access");
  assert.equal(error.providerErrorUri, null);
  assert.equal(error.status, null);
  assert.equal(error.retryAfter, null);
});

test("a state mismatch, a bad pending value and bad options are typed errors without secrets", () => {
  const start = link.createAuthorizationUrl({ storageKey: null });
  const mismatch = thrown(() => link.handleRedirect(`${REDIRECT}?code=secret-code-77&state=forged`, { pending: start.pending }));
  assertShape(mismatch);
  assert.equal(mismatch.kind, "state_mismatch");
  assert.doesNotMatch(mismatch.message, /secret-code-77/);

  const corrupt = thrown(() => link.handleRedirect(`${REDIRECT}?code=c&state=s`, { pending: "afp1.garbage" }));
  assertShape(corrupt);
  assert.equal(corrupt.kind, "invalid_stored_value");
  assert.equal(corrupt.action, "authorize_again");

  const config = thrown(() => new OAuthClient(options({ endpoints: { authorization: "http://as.example/authorize" } })));
  assertShape(config);
  assert.equal(config.kind, "configuration");
  assert.equal(config.action, "fix_configuration");
});

test("without sessionStorage (Node) the default storage is a configuration error", () => {
  const error = thrown(() => link.createAuthorizationUrl());
  assertShape(error);
  assert.equal(error.kind, "configuration");
  assert.match(error.message, /sessionStorage/);
});

/** A one-shot token endpoint on 127.0.0.1 that records what it got. */
async function tokenEndpoint(status, body, headers = {}) {
  const seen = [];
  const server = createServer((req, res) => {
    let data = "";
    req.on("data", (chunk) => { data += chunk; });
    req.on("end", () => {
      seen.push({ method: req.method, headers: req.headers, body: data });
      res.writeHead(status, { "Content-Type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}/link/token`;
  return { url, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

test("exchangeCode and refresh talk to the token endpoint as a public client", async () => {
  const expiresAt = Math.floor(Date.now() / 1000) + 30 * 86400; // Makini: absolute
  const endpoint = await tokenEndpoint(200, {
    access_token: "at-abcdef", refresh_token: "rt-abcdef", token_type: "bearer", expires_in: expiresAt,
  });
  try {
    const client = new OAuthClient(options({ endpoints: { token: endpoint.url } }));
    const start = client.createAuthorizationUrl({ storageKey: null });
    const state = new URL(start.url).searchParams.get("state");
    const callback = client.handleRedirect(`${REDIRECT}?code=code-abcdef&state=${state}`, { pending: start.pending });
    const tokens = await client.exchangeCode(callback);
    assert.equal(tokens.accessToken, "at-abcdef");
    assert.equal(tokens.refreshToken, "rt-abcdef");
    assert.equal(tokens.tokenType, "Bearer");
    // The server's Date header has whole seconds: read across a second's
    // turn, its clock is a second ahead or behind, and times move with it.
    assert.ok(Math.abs(tokens.clockSkew) <= 1, `clock skew ${tokens.clockSkew}`);
    assert.equal(tokens.expiresAt, expiresAt - tokens.clockSkew);
    assert.equal(typeof tokens.issuedAt, "number");
    const sent = new URLSearchParams(endpoint.seen[0].body);
    assert.equal(endpoint.seen[0].method, "POST");
    assert.equal(endpoint.seen[0].headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(sent.get("grant_type"), "authorization_code");
    assert.equal(sent.get("code"), "code-abcdef");
    assert.equal(sent.get("code_verifier"), callback.codeVerifier);
    assert.equal(sent.get("client_id"), "link-public");
    assert.equal(sent.has("client_secret"), false);
    assert.equal(endpoint.seen[0].headers.authorization, undefined);

    assert.deepEqual(Object.keys(tokens), [
      "accessToken", "tokenType", "refreshToken", "issuedAt", "expiresAt", "refreshExpiresAt", "scopes", "clockSkew", "extra",
    ]);
    assert.equal(typeof tokens.refreshExpiresAt, "number", "Makini's refresh tokens live 90 days");
    assert.deepEqual([tokens.scopes, tokens.extra], [null, {}]);
    const renewed = await client.refresh(JSON.parse(JSON.stringify(tokens)));
    const again = new URLSearchParams(endpoint.seen[1].body);
    assert.equal(again.get("grant_type"), "refresh_token");
    assert.equal(again.get("refresh_token"), "rt-abcdef");
    assert.equal(again.has("client_secret"), false);
    assert.equal(renewed.accessToken, "at-abcdef");
  } finally {
    await endpoint.close();
  }
});

test("a provider's error answer rejects with its status and words", async () => {
  const endpoint = await tokenEndpoint(429, { message: "Too Many Attempts." }, { "Retry-After": "30" });
  try {
    const client = new OAuthClient(options({ endpoints: { token: endpoint.url } }));
    const tokens = { accessToken: "at-1", tokenType: "Bearer", refreshToken: "rt-123456", issuedAt: 1 };
    const error = await client.refresh(tokens).then(() => assert.fail("expected a rejection"), (e) => e);
    assertShape(error);
    assert.equal(error.kind, "rate_limited");
    assert.equal(error.action, "retry");
    assert.equal(error.status, 429);
    assert.equal(error.retryAfter, 30);
    assert.equal(error.providerErrorDescription, "Too Many Attempts.");
    assert.doesNotMatch(error.message, /rt-123456/);
  } finally {
    await endpoint.close();
  }
});

/** A token set whose access token expired a minute ago, with a refresh token. */
const expiredTokens = (refreshToken = "rt-old-123456") => {
  const now = Math.floor(Date.now() / 1000);
  return {
    accessToken: "at-old-123456", tokenType: "Bearer", refreshToken, issuedAt: now - 3600,
    expiresAt: now - 60, refreshExpiresAt: null, scopes: null, clockSkew: 0, extra: {},
  };
};

test("a Session renews an expired set once for many callers, stores it before anyone gets it", async () => {
  const expiresAt = Math.floor(Date.now() / 1000) + 30 * 86400; // Makini: absolute
  const endpoint = await tokenEndpoint(200, {
    access_token: "at-new-123456", refresh_token: "rt-new-123456", token_type: "bearer", expires_in: expiresAt,
  });
  try {
    const client = new OAuthClient(options({ endpoints: { token: endpoint.url } }));
    const got = [];
    const stored = [];
    const session = new Session(client, {
      tokens: JSON.parse(JSON.stringify(expiredTokens())),
      onPersist: async (tokens) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.deepEqual(got, [], "no caller has the new token before it is stored");
        stored.push(tokens);
      },
    });
    const tokens = await Promise.all(
      Array.from({ length: 20 }, () => session.accessToken().then((token) => { got.push(token); return token; })),
    );
    assert.deepEqual(new Set(tokens), new Set(["at-new-123456"]));
    assert.equal(endpoint.seen.length, 1, "one refresh for twenty callers");
    const sent = new URLSearchParams(endpoint.seen[0].body);
    assert.equal(sent.get("grant_type"), "refresh_token");
    assert.equal(sent.get("refresh_token"), "rt-old-123456");
    assert.equal(sent.has("client_secret"), false);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].refreshToken, "rt-new-123456", "the rotated refresh token is what is stored");
    assert.equal(session.tokens.refreshToken, "rt-new-123456");
    // Fresh now: no request.
    assert.equal(await session.accessToken(), "at-new-123456");
    assert.equal(endpoint.seen.length, 1);
  } finally {
    await endpoint.close();
  }
});

test("a Session hands a set onPersist failed to store to it again at a later call, after a back-off", async () => {
  const endpoint = await tokenEndpoint(200, {
    access_token: "at-new-123456", refresh_token: "rt-new-123456", token_type: "bearer", expires_in: 3600,
  });
  // The session's clock is Date.now(), moved here by hand.
  const systemNow = Date.now;
  let now = systemNow.call(Date);
  Date.now = () => now;
  try {
    const client = new OAuthClient(options({ endpoints: { token: endpoint.url } }));
    const attempts = [];
    let down = 2;
    const session = new Session(client, {
      tokens: expiredTokens(),
      onPersist: async (tokens) => {
        attempts.push(tokens.refreshToken);
        if (down-- > 0) throw new Error("the database is down");
      },
    });
    assert.equal(await session.accessToken(), "at-new-123456", "the renewal is not lost for the caller");
    assert.deepEqual(attempts, ["rt-new-123456"]);
    assert.equal(await session.accessToken(), "at-new-123456");
    assert.equal(attempts.length, 1, "within the back-off, onPersist is left alone");
    now += 1000;
    await session.accessToken();
    assert.equal(attempts.length, 2, "handed again after 1 s (and failed again)");
    now += 1000;
    await session.accessToken();
    assert.equal(attempts.length, 2, "the back-off doubled: 2 s");
    now += 1000;
    await session.accessToken();
    assert.deepEqual(attempts, ["rt-new-123456", "rt-new-123456", "rt-new-123456"]);
    now += 600_000;
    await session.accessToken();
    assert.equal(attempts.length, 3, "stored: nothing is handed again");
    assert.equal(endpoint.seen.length, 1, "one refresh: the rotated pair was kept in memory meanwhile");
  } finally {
    Date.now = systemNow;
    await endpoint.close();
  }
});

test("a Session whose refresh token is refused stops with authorize_again, without the token in sight", async () => {
  const endpoint = await tokenEndpoint(400, {
    error: "invalid_grant", error_description: "refresh token rt-old-123456 is revoked",
  });
  try {
    const client = new OAuthClient(options({ endpoints: { token: endpoint.url } }));
    const stored = [];
    const session = new Session(client, { tokens: expiredTokens(), onPersist: (tokens) => stored.push(tokens) });
    const errors = await Promise.all(Array.from({ length: 5 }, () => session.accessToken().catch((e) => e)));
    for (const error of errors) {
      assert.ok(error instanceof AuthflowError, String(error));
      assert.equal(error.kind, "invalid_grant");
      assert.equal(error.action, "authorize_again");
      assert.doesNotMatch(`${error.message} ${error.providerErrorDescription}`, /rt-old-123456/);
    }
    assert.equal(endpoint.seen.length, 1, "one refresh for every caller");
    // The dead refresh token is dropped, and that is stored too.
    assert.equal(stored.length, 1);
    assert.equal(stored[0].refreshToken, null);
    const again = await session.accessToken().catch((e) => e);
    assert.ok(again instanceof AuthflowError);
    assert.equal(endpoint.seen.length, 1, "a stopped session sends nothing more");
  } finally {
    await endpoint.close();
  }
});

test("a Session: no tokens and no way to get them, a bad token set, a bad onPersist", async () => {
  const none = await new Session(link).accessToken().catch((e) => e);
  assert.ok(none instanceof AuthflowError, String(none));
  assert.equal(none.kind, "authorization_required");
  const broken = (() => { try { return new Session(link, { tokens: { accessToken: 5 } }); } catch (e) { return e; } })();
  assert.ok(broken instanceof AuthflowError, String(broken));
  assert.equal(broken.kind, "invalid_stored_value");
  const persist = (() => { try { return new Session(link, { onPersist: "store" }); } catch (e) { return e; } })();
  assert.ok(persist instanceof AuthflowError, String(persist));
  assert.equal(persist.kind, "configuration");
  assert.equal(new Session(link).tokens, null);
});

test("a token set object is read member by member with the stored form's checks", () => {
  const read = (tokens) => {
    try {
      return new Session(link, { tokens }).tokens;
    } catch (e) {
      return e;
    }
  };
  const full = {
    accessToken: "at-members", tokenType: "bearer", refreshToken: "rt-members", issuedAt: 1_700_000_000,
    expiresAt: 1_700_003_600, refreshExpiresAt: 1_707_776_000, scopes: ["read", "write"], clockSkew: -3,
    extra: { tenant: { id: [1, "x", null, true] } },
  };
  assert.deepEqual(read(full), { ...full, tokenType: "Bearer" });
  // Absent and null members are absent; the set's own defaults fill them.
  const minimal = { accessToken: "at-members", tokenType: "Bearer", issuedAt: 1_700_000_000 };
  const defaults = { refreshToken: null, expiresAt: null, refreshExpiresAt: null, scopes: null, clockSkew: 0, extra: {} };
  assert.deepEqual(read(minimal), { ...minimal, ...defaults });
  assert.deepEqual(read({ ...minimal, ...defaults, extra: null, clockSkew: null }), { ...minimal, ...defaults });
  assert.deepEqual(read(JSON.parse(JSON.stringify(full))), { ...full, tokenType: "Bearer" });
  // Each member of the wrong type, an integer that is not one, a scope
  // outside RFC 6749 §3.3: refused as invalid_stored_value, naming the
  // member and never quoting a token.
  for (const [wrong, member] of [
    [{ accessToken: 5 }, "access_token"],
    [{ accessToken: undefined }, "access_token"],
    [{ tokenType: ["Bearer"] }, "token_type"],
    [{ refreshToken: 7 }, "refresh_token"],
    [{ issuedAt: undefined }, "issued_at"],
    [{ issuedAt: "1700000000" }, "issued_at"],
    [{ issuedAt: 1.5 }, "issued_at"],
    [{ issuedAt: -1 }, "issued_at"],
    [{ expiresAt: Number.NaN }, "expires_at"],
    [{ refreshExpiresAt: Infinity }, "refresh_expires_at"],
    [{ clockSkew: 2 ** 60 }, "clock_skew"],
    [{ scopes: "read write" }, "scopes"],
    [{ scopes: ["read", 5] }, "scopes"],
    [{ scopes: ["read write"] }, "scope"],
    [{ extra: [] }, "extra"],
    [{ extra: "tenant" }, "extra"],
    [{ extra: 5 }, "extra"],
  ]) {
    const error = read({ ...full, ...wrong });
    assert.ok(error instanceof AuthflowError, `${JSON.stringify(wrong)}: ${error}`);
    assert.equal(error.kind, "invalid_stored_value", JSON.stringify(wrong));
    assert.match(error.message, new RegExp(member), JSON.stringify(wrong));
    assert.doesNotMatch(error.message, /at-members|rt-members/);
  }
  assert.equal(read(null), null, "no set: a Session without tokens");
  for (const notASet of ["tokens", 5]) {
    assert.equal(read(notASet).kind, "invalid_stored_value", String(notASet));
  }
});
