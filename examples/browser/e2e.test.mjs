// End to end in a real browser: the example page (index.html + app.js,
// using the built authflow package) signs in through the local Makini Link
// provider's authorize endpoint and consent page and back, exchanges the
// code in the page as the public client `link-public` (PKCE, no secret),
// keeps the tokens fresh with a Session (a refresh with rotation once they
// are due, stored by onPersist), and shows a denied authorization as an
// error. The OpenID page (openid.html + openid.js, through the package's
// OpenID entry, authflowkit/browser-openid) signs in at the oidc-provider peer
// (tests/peers/oidc-provider, its public client `browser-client`): its
// login and consent pages filled in, the code exchanged from the page, the
// ID token's claims checked there. The DPoP page (dpop.html + dpop.js,
// through authflowkit/browser-dpop) signs in there as `browser-dpop-client`
// with a non-extractable WebCrypto key kept in IndexedDB: the provider,
// started with --dpop-nonce, demands its nonce at the token endpoint and at
// UserInfo, binds the tokens to the key, and accepts the bound token at
// UserInfo with a proof. The back-end page (backend.html + backend.js,
// through authflowkit/browser-authorize, the module without the token
// endpoint) signs in at the local Makini Link provider, checks the redirect
// in the page and hands it to the example server, which exchanges the code.
//
// playwright-core drives the system Chromium (/usr/bin/chromium, from
// Debian); no browser is downloaded. Needs the package built
// (scripts/wasm-build.sh); scripts/test-wasm.sh runs this file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { backendTokens, serve, startOidcProvider, startProviders } from "./server.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
let providers, oidc, page_server, context, profileDir;

before(async () => {
  providers = await startProviders();
  oidc = await startOidcProvider(["--dpop-nonce"]);
  page_server = await serve({ providers: { ...providers.urls, oidc_provider: { issuer: oidc.issuer } } });
  profileDir = await mkdtemp(join(tmpdir(), "authflow-e2e-"));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run",
      // Nothing leaves 127.0.0.1 (oidc-provider's pages import a web font).
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
});

after(async () => {
  await context?.close();
  await page_server?.close();
  await providers?.stop();
  await oidc?.stop();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
});

async function control(path, init) {
  const response = await fetch(new URL(path, providers.urls.control + "/"), init);
  assert.ok(response.ok, `${path}: ${response.status}`);
  return response.json();
}

/**
 * The user at oidc-provider's own pages (devInteractions): any user name
 * and password log in (the name is the subject), then the consent.
 */
async function signInAtOidcProvider(page, user) {
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', user);
  await page.fill('input[name="password"]', "any-password");
  await page.click('button[type="submit"]');
  await page.waitForSelector('input[name="prompt"][value="consent"]', { state: "attached" });
  await page.click('button[type="submit"]');
}

/** A fresh page that records console output and page errors. */
async function openPage() {
  const page = await context.newPage();
  const console_ = [];
  page.on("console", (message) => console_.push(message.text()));
  page.on("pageerror", (error) => console_.push(String(error)));
  await page.goto(page_server.url);
  await page.waitForSelector('#status[data-state="signed-out"]');
  return { page, console_ };
}

test("sign in through the provider's consent page, exchange in the page, refresh", async () => {
  await control("reset", { method: "POST" });
  const { page, console_ } = await openPage();
  const before = (await control("clock")).now;

  await page.click("#sign-in");
  await page.waitForURL((url) => url.href.startsWith(providers.urls.makini_link.authorization_endpoint));
  const authorize = new URL(page.url());
  assert.equal(authorize.searchParams.get("client_id"), "link-public");
  assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
  assert.equal(authorize.searchParams.get("redirect_uri"), page_server.url);
  await page.click("#approve");

  await page.waitForSelector('#status[data-state="signed-in"]');
  assert.match(await page.textContent("#status"), /^Signed in: access token valid until /);
  // The code and state are gone from the address bar.
  assert.equal(page.url(), page_server.url);
  assert.equal(await page.isHidden("#error"), true);
  // Makini's expires_in is an absolute time (the provider's clock + 30 days),
  // read as such, not as seconds from now.
  const after = (await control("clock")).now;
  const expiresAt = Number(await page.getAttribute("#status", "data-expires-at"));
  assert.ok(expiresAt >= before + 30 * 86400 && expiresAt <= after + 30 * 86400, `${before}..${after} → ${expiresAt}`);
  let stats = await control("stats");
  assert.equal(stats.clients["link-public"].codes_redeemed, 1);
  assert.deepEqual(stats.clients["link-public"].token_requests, { authorization_code: 1 });
  const first = JSON.parse(await page.evaluate(() => sessionStorage.getItem("example.tokens")));
  // The pending authorization was used up.
  assert.equal(await page.evaluate(() => sessionStorage.getItem("authflow.pending")), null);

  // Still valid: the session hands out the token without a request.
  await page.click("#refresh");
  await page.waitForSelector("#status:text-matches('Still valid\\.$')");
  stats = await control("stats");
  assert.equal(stats.clients["link-public"].refreshes, 0);

  // 30 days later, for the provider and for the page's clock: the access
  // token's lifetime is over (the refresh token's, 31 days, is not), so the
  // session refreshes (with rotation) first.
  const later = 30 * 24 * 3600;
  await control("clock", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ advance: later }) });
  await page.evaluate((ms) => { const real = Date.now; Date.now = () => real() + ms; }, later * 1000);
  await page.click("#refresh");
  await page.waitForSelector("#status:text-matches('^Refreshed')");
  stats = await control("stats");
  assert.equal(stats.clients["link-public"].refreshes, 1);
  assert.equal(stats.clients["link-public"].replays, 0);
  const second = JSON.parse(await page.evaluate(() => sessionStorage.getItem("example.tokens")));
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.notEqual(second.accessToken, first.accessToken);

  // No token or code ever reached the screen or the console.
  const shown = (await page.textContent("body")) + console_.join("\n");
  for (const secret of [first.accessToken, first.refreshToken, second.accessToken, second.refreshToken]) {
    assert.ok(!shown.includes(secret), "a token was shown");
  }
  assert.deepEqual(console_.filter((line) => /error/i.test(line)), []);
  await page.close();
});

test("a denied authorization shows the provider's error and exchanges nothing", async () => {
  await control("reset", { method: "POST" });
  const { page } = await openPage();

  await page.click("#sign-in");
  await page.waitForURL((url) => url.href.startsWith(providers.urls.makini_link.authorization_endpoint));
  await page.click("#deny");

  await page.waitForSelector("#error:not([hidden])");
  assert.equal(await page.getAttribute("#error", "data-kind"), "access_denied");
  assert.equal(await page.getAttribute("#error", "data-action"), "user_denied");
  assert.match(await page.textContent("#error"), /access_denied \(The user denied access\)/);
  assert.equal(await page.getAttribute("#status", "data-state"), "signed-out");
  assert.equal(page.url(), page_server.url);
  const stats = await control("stats");
  assert.equal(stats.clients["link-public"].authorizations_denied, 1);
  assert.deepEqual(stats.clients["link-public"].token_requests, {});
  await page.close();
});

test("the back-end page through authflowkit/browser-authorize: the redirect checked in the page, the code exchanged by the server", async () => {
  await control("reset", { method: "POST" });
  backendTokens.length = 0;
  const page = await context.newPage();
  const console_ = [];
  page.on("console", (message) => console_.push(message.text()));
  page.on("pageerror", (error) => console_.push(String(error)));
  const backendPage = new URL("backend.html", page_server.url).href;
  // The page loads the authorize-only module, not the default entry's.
  const modules = [];
  const authorizeRequests = [];
  page.on("request", (request) => {
    if (request.url().endsWith(".wasm")) modules.push(new URL(request.url()).pathname);
    if (request.url().startsWith(`${providers.urls.makini_link.authorization_endpoint}?`)) {
      authorizeRequests.push(new URL(request.url()).searchParams);
    }
  });
  await page.goto(backendPage);
  await page.waitForSelector('#status[data-state="signed-out"]');
  // The test user approves at once (no prompt=consent: no consent page).
  await page.click("#sign-in");
  await page.waitForSelector('#status[data-state="signed-in"], #error:not([hidden])');
  assert.equal(authorizeRequests.length, 1);
  const [authorize] = authorizeRequests;
  assert.equal(authorize.get("client_id"), "link-public");
  assert.equal(authorize.get("redirect_uri"), backendPage);
  assert.equal(authorize.get("code_challenge_method"), "S256");

  assert.equal(await page.isHidden("#error"), true, await page.textContent("#error"));
  assert.equal(await page.textContent("#status"), "Signed in: the back end holds the tokens.");
  assert.equal(await page.getAttribute("#status", "data-token-type"), "bearer");
  // The code and state are gone from the address bar; the pending
  // authorization was used up.
  assert.equal(page.url(), backendPage);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("authflow.pending")), null);
  assert.deepEqual([...new Set(modules)], ["/authflow/browser-authorize/authflow_authorize_bg.wasm"]);
  // The server's exchange was the provider's one code redemption: the code,
  // verifier and redirect URI the page handed over were the right ones.
  const stats = await control("stats");
  assert.equal(stats.clients["link-public"].codes_redeemed, 1);
  assert.deepEqual(stats.clients["link-public"].token_requests, { authorization_code: 1 });
  assert.equal(backendTokens.length, 1);
  const shown = (await page.textContent("body")) + console_.join("\n");
  for (const secret of [backendTokens[0].access_token, backendTokens[0].refresh_token]) {
    assert.ok(secret && !shown.includes(secret), "a token reached the page");
  }
  assert.deepEqual(console_.filter((line) => /error/i.test(line)), []);
  await page.close();
});

test("the example back end refuses a malformed callback with 400 and keeps serving", async () => {
  const exchange = new URL("backend/exchange", page_server.url);
  for (const body of ["not json", "null", JSON.stringify({ code: "c" }), JSON.stringify({ code: 1, codeVerifier: "v", redirectUri: "r" })]) {
    const answer = await fetch(exchange, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    assert.equal(answer.status, 400, body);
    assert.deepEqual(await answer.json(), { error: "invalid_request" });
  }
  assert.equal((await fetch(new URL("config.json", page_server.url))).status, 200);
});

test("OpenID through authflowkit/browser-openid: the nonce is sent, the ID token's claims are checked in the page", async () => {
  const page = await context.newPage();
  // The example page's console (oidc-provider's pages log the web font they
  // cannot load: the browser resolves no name, see before()).
  const console_ = [];
  page.on("console", (message) => {
    if (message.location().url.startsWith(page_server.url)) console_.push(message.text());
  });
  page.on("pageerror", (error) => console_.push(String(error)));
  // What the page asks the provider for, and the token endpoint's answers
  // (their headers: a body read back through DevTools is not reliably
  // there any more).
  const authorizeRequests = [];
  const tokenAnswers = [];
  page.on("request", (request) => {
    if (request.url().startsWith(`${oidc.issuer}/auth?`)) authorizeRequests.push(new URL(request.url()));
  });
  page.on("response", (response) => {
    if (response.url() === `${oidc.issuer}/token`) tokenAnswers.push(response);
  });

  const openidPage = new URL("openid.html", page_server.url).href;
  await page.goto(openidPage);
  await page.waitForSelector('#status[data-state="signed-out"]');
  await page.click("#sign-in");

  await signInAtOidcProvider(page, "carol");

  // Back at the page: the code exchanged there, the ID token checked.
  await page.waitForSelector('#status[data-state="signed-in"], #error:not([hidden])');
  assert.equal(await page.isHidden("#error"), true, await page.textContent("#error"));
  assert.equal(await page.textContent("#status"), "Signed in as carol.");
  assert.equal(await page.getAttribute("#status", "data-sub"), "carol", "idTokenClaims.sub is the user");
  // The code and state are gone from the address bar.
  assert.equal(page.url(), openidPage);

  // The authorize request carried a nonce (with state and PKCE S256), and
  // the checked ID token holds that nonce.
  assert.equal(authorizeRequests.length, 1);
  const authorize = authorizeRequests[0].searchParams;
  assert.equal(authorize.get("client_id"), "browser-client");
  assert.equal(authorize.get("redirect_uri"), openidPage);
  assert.equal(authorize.get("code_challenge_method"), "S256");
  assert.match(authorize.get("scope"), /\bopenid\b/);
  const nonce = authorize.get("nonce");
  assert.match(nonce ?? "", /^[A-Za-z0-9_-]{22}$/, "a nonce of 16 random bytes");
  assert.equal(await page.getAttribute("#status", "data-nonce"), nonce);
  // The page exchanged the code itself, cross-origin: one POST from its
  // origin, answered for that origin (CORS), as browser-client.
  assert.equal(tokenAnswers.length, 1);
  const origin = new URL(page_server.url).origin;
  assert.equal(tokenAnswers[0].status(), 200);
  assert.equal(tokenAnswers[0].request().method(), "POST");
  assert.equal(await tokenAnswers[0].request().headerValue("origin"), origin);
  assert.equal(tokenAnswers[0].headers()["access-control-allow-origin"], origin);
  assert.match(tokenAnswers[0].request().postData() ?? "", /(^|&)client_id=browser-client(&|$)/);

  // No token reached the screen or the console (an ID token is a JWS:
  // base64url JSON, "eyJ...").
  const shown = (await page.textContent("body")) + console_.join("\n");
  assert.doesNotMatch(shown, /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\./, "an ID token was shown");
  assert.deepEqual(console_.filter((line) => /error/i.test(line)), []);
  await page.close();
});

test("DPoP through authflowkit/browser-dpop: tokens bound to the page's WebCrypto key, the provider's nonces met, UserInfo called with a proof", async () => {
  // A user signed in at the provider before (the OpenID test) would skip
  // its login page: start signed out.
  await context.clearCookies();
  const page = await context.newPage();
  const console_ = [];
  page.on("console", (message) => {
    if (message.location().url.startsWith(page_server.url)) console_.push(message.text());
  });
  page.on("pageerror", (error) => console_.push(String(error)));
  const tokenAnswers = [];
  const userinfoAnswers = [];
  page.on("response", (response) => {
    if (response.request().method() === "OPTIONS") return;
    if (response.url() === `${oidc.issuer}/token`) tokenAnswers.push(response);
    if (response.url() === `${oidc.issuer}/me`) userinfoAnswers.push(response);
  });

  const dpopPage = new URL("dpop.html", page_server.url).href;
  await page.goto(dpopPage);
  await page.waitForSelector('#status[data-state="signed-out"]');
  await page.click("#sign-in");
  await signInAtOidcProvider(page, "dana");

  await page.waitForSelector('#status[data-state="signed-in"], #error:not([hidden])');
  assert.equal(await page.isHidden("#error"), true, await page.textContent("#error"));
  assert.equal(await page.getAttribute("#status", "data-sub"), "dana", "UserInfo took the bound token");
  assert.equal(await page.getAttribute("#status", "data-token-type"), "DPoP");
  assert.equal(await page.getAttribute("#status", "data-extractable"), "false", "the private key cannot be read");

  // The token endpoint: a proof without the nonce refused (use_dpop_nonce),
  // the same request once more with it, bound tokens issued.
  assert.deepEqual(tokenAnswers.map((r) => r.status()), [400, 200]);
  const proofs = await Promise.all(tokenAnswers.map((r) => r.request().headerValue("dpop")));
  const claims = proofs.map((proof) => JSON.parse(Buffer.from(proof.split(".")[1], "base64url")));
  assert.equal(claims[0].nonce, undefined);
  assert.equal(claims[1].nonce, tokenAnswers[0].headers()["dpop-nonce"]);
  assert.notEqual(claims[0].jti, claims[1].jti);
  assert.equal(claims[1].htu, `${oidc.issuer}/token`);
  // UserInfo: Authorization DPoP (never Bearer) with a proof carrying ath.
  assert.ok(userinfoAnswers.length >= 1 && userinfoAnswers.length <= 2, `${userinfoAnswers.length} UserInfo calls`);
  const last = userinfoAnswers.at(-1);
  assert.equal(last.status(), 200);
  assert.match(await last.request().headerValue("authorization"), /^DPoP [^ ]+$/);
  const proof = JSON.parse(Buffer.from((await last.request().headerValue("dpop")).split(".")[1], "base64url"));
  assert.match(proof.ath, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(proof.htm, "GET");

  const shown = (await page.textContent("body")) + console_.join("\n");
  assert.doesNotMatch(shown, /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\./, "a token or proof was shown");
  assert.deepEqual(console_.filter((line) => /error/i.test(line)), []);
  await page.close();
});
