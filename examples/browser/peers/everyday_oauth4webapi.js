// The three parts of examples/browser/everyday.js written with
// oauth4webapi 3.8.8, as its documentation shows them: the peer program the
// authflow one is measured against (lines, concepts;
// examples/node/peers/measure.mjs). Same settings; a public client.
import * as oauth from "oauth4webapi";

/**
 * @param {Record<string, string>} a the app's settings
 * @param {(url: string) => Promise<string>} browser where the user comes back to
 */
export async function everyday(a, browser) {
  // The local test servers speak plain http on 127.0.0.1.
  const options = { [oauth.allowInsecureRequests]: true };
  // 1. A user logs in: authorization code with PKCE and state, kept by the app.
  const as = { issuer: new URL(a.token_url).origin, token_endpoint: a.token_url, authorization_endpoint: a.authorization_url };
  const client = { client_id: a.client_id };
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(a.authorization_url);
  url.searchParams.set("client_id", a.client_id);
  url.searchParams.set("redirect_uri", a.redirect_uri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("state", state);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  const params = oauth.validateAuthResponse(as, client, new URL(await browser(url.href)), state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, a.redirect_uri, verifier, options);
  let tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
  let expiresAt = Date.now() / 1000 + (tokens.expires_in ?? 0);
  // 2. Renewal is the app's to write: refresh when due, once for all callers, store the new set first.
  let renewing = null;
  const accessToken = async () => {
    if (Date.now() / 1000 < expiresAt - 60) return tokens.access_token;
    renewing ??= (async () => {
      const refreshed = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token, options);
      tokens = { refresh_token: tokens.refresh_token, ...(await oauth.processRefreshTokenResponse(as, client, refreshed)) };
      expiresAt = Date.now() / 1000 + (tokens.expires_in ?? 0);
      console.log("store: until", expiresAt);
    })().finally(() => { renewing = null; });
    await renewing;
    return tokens.access_token;
  };
  const me = await fetch(new URL(a.path, a.api_base), { headers: { Authorization: `Bearer ${await accessToken()}` } });
  console.log("user:", await me.json());

  // 3. A refresh token the provider refuses: the provider's code; what to do is the app's to decide.
  try {
    const refused = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), "no-longer-valid", options);
    await oauth.processRefreshTokenResponse(as, client, refused);
  } catch (e) {
    if (!(e instanceof oauth.ResponseBodyError)) throw e;
    console.log("error:", e.error, "->", e.error === "invalid_grant" ? "authorize_again" : "retry");
  }
}
