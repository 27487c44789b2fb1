// Everyday authflow in a browser app, a public client (no secret), in
// three parts: a user logs in with authorization code + PKCE (1); a
// session keeps the tokens fresh and hands each new set over to be
// stored (2); an error says what to do (3). The same program with
// oauth4webapi is peers/everyday_oauth4webapi.js; everyday.test.mjs runs
// both against the local providers and the Authlib peer, and measures them.
//
// `browser(url)` stands for the page's round trip to the provider: a page
// assigns `location` and reads the redirect on return (see app.js). The
// pending authorization is kept here by the caller (storageKey: null); a
// page would leave it in sessionStorage.
import { AuthflowError, OAuthClient, Session } from "authflowkit";

/**
 * @param {Record<string, string>} a the app's settings: client_id, redirect_uri, authorization_url,
 *   token_url, api_base, path; optionally profile
 * @param {(url: string) => Promise<string>} browser where the user comes back to
 */
export async function everyday(a, browser) {
  // 1. A user logs in: authorization code with PKCE and state.
  const app = new OAuthClient({ profile: a.profile ?? "generic", clientId: a.client_id, redirectUri: a.redirect_uri,
    endpoints: { authorization: a.authorization_url, token: a.token_url } });
  const { url, pending } = app.createAuthorizationUrl({ storageKey: null });
  const tokens = await app.exchangeCode(app.handleRedirect(await browser(url), { pending }));
  // 2. A session renews them when due, once however many callers ask, and stores every new set first.
  const session = new Session(app, { tokens, onPersist: (renewed) => console.log("store: until", renewed.expiresAt) });
  const me = await fetch(new URL(a.path, a.api_base), { headers: { Authorization: `Bearer ${await session.accessToken()}` } });
  console.log("user:", await me.json());

  // 3. A refresh token the provider refuses: the error says what went wrong and what to do.
  try {
    await app.refresh({ ...tokens, refreshToken: "no-longer-valid" });
  } catch (e) {
    if (!(e instanceof AuthflowError)) throw e;
    console.log("error:", e.message, "->", e.action);
  }
}
