// The five parts of examples/node/everyday.mjs written with oauth4webapi
// 3.8.8, as its documentation shows them: the peer program the authflow
// one is measured against (lines, concepts; examples/node/peers/measure.mjs).
// Same SETTINGS.json; runs against the Authlib peer server.
import { readFile } from "node:fs/promises";
import * as oauth from "oauth4webapi";
import { followRedirect } from "../everyday.mjs";

export async function everyday(s, a, browser) {
  // The local test servers speak plain http on 127.0.0.1.
  const options = { [oauth.allowInsecureRequests]: true };
  // 1. A service with its own credentials: fetch a token first ...
  const serviceAs = { issuer: new URL(s.token_url).origin, token_endpoint: s.token_url };
  const service = { client_id: s.client_id };
  const getToken = async (secret) => {
    const response = await oauth.clientCredentialsGrantRequest(serviceAs, service, oauth.ClientSecretBasic(secret), {}, options);
    const result = await oauth.processClientCredentialsResponse(serviceAs, service, response);
    return { token: result.access_token, expiresAt: Date.now() / 1000 + (result.expires_in ?? 0) };
  };
  const call = async (token, path, base) => {
    const response = await oauth.protectedResourceRequest(token, "GET", new URL(path, base), undefined, undefined, options);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  };
  let serviceToken = await getToken(s.client_secret);
  console.log("service:", await call(serviceToken.token, s.path, s.api_base));
  // 2. ... and fetch another when it is about to expire (the app's own rule).
  if (Date.now() / 1000 > serviceToken.expiresAt - 30) serviceToken = await getToken(s.client_secret);
  console.log("service, later:", await call(serviceToken.token, s.path, s.api_base));

  // 3. A user logs in: authorization code with PKCE and state, kept by the app.
  const appAs = { issuer: new URL(a.token_url).origin, token_endpoint: a.token_url, authorization_endpoint: a.authorization_url };
  const app = { client_id: a.client_id };
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(a.authorization_url);
  url.searchParams.set("client_id", a.client_id);
  url.searchParams.set("redirect_uri", a.redirect_uri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("state", state);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  const params = oauth.validateAuthResponse(appAs, app, new URL(await browser(url.href)), state);
  const response = await oauth.authorizationCodeGrantRequest(appAs, app, oauth.ClientSecretBasic(a.client_secret), params, a.redirect_uri, verifier, options);
  const tokens = await oauth.processAuthorizationCodeResponse(appAs, app, response);
  // 4. The user's API calls (refreshing and storing renewed tokens is the app's to write).
  console.log("user:", await call(tokens.access_token, a.path, a.api_base));

  // 5. A wrong secret: the provider's code; what to do is the app's to decide.
  try {
    await getToken("not-the-secret");
  } catch (e) {
    // In the body (400) or, with a 401, in the WWW-Authenticate challenge.
    const code = e instanceof oauth.ResponseBodyError ? e.error
      : e instanceof oauth.WWWAuthenticateChallengeError ? e.cause[0]?.parameters.error : undefined;
    if (code === undefined) throw e;
    console.log("error:", code, "->", code === "invalid_client" ? "fix_configuration" : "retry");
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const settings = JSON.parse(await readFile(process.argv[2], "utf8"));
  await everyday(settings.service, settings.app, followRedirect);
}
