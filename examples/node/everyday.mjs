// Everyday authflow on a Node.js server, in five parts: a service calling
// an API with its own credentials (1), its tokens renewed by the session
// (2); a user logging in with authorization code + PKCE (3) and calling the
// API (4); and an error that says what to do (5).
//
//   node examples/node/everyday.mjs SETTINGS.json
//
// SETTINGS.json as examples/python/everyday.py reads it: {"service": {...},
// "app": {...}} with token_url, api_base, client_id, client_secret, path;
// the app also authorization_url and redirect_uri; optionally profile.
// The "browser" follows the provider's redirect by itself (a test provider
// that approves at once); a real app sends the user to the URL.
import { readFile } from "node:fs/promises";
import { AuthflowError, OAuthClient, Session } from "authflowkit/node";

/**
 * @param {Record<string, string>} s the service's settings
 * @param {Record<string, string>} a the app's settings
 * @param {(url: string) => Promise<string>} browser where the user comes back to
 */
export async function everyday(s, a, browser) {
  // 1. A service with its own credentials: the session gets tokens on first use ...
  const service = { profile: s.profile ?? "generic", clientId: s.client_id, clientSecret: s.client_secret,
    grant: "client_credentials", endpoints: { token: s.token_url, apiBase: s.api_base } };
  const calls = new Session(new OAuthClient(service));
  console.log("service:", await (await calls.fetch(s.path)).json());
  // 2. ... and renews them before they expire, once however many callers ask.
  console.log("service, later:", await (await calls.fetch(s.path)).json());

  // 3. A user logs in: authorization code with PKCE and state.
  const app = new OAuthClient({ profile: a.profile ?? "generic", clientId: a.client_id, clientSecret: a.client_secret,
    redirectUri: a.redirect_uri, endpoints: { authorization: a.authorization_url, token: a.token_url, apiBase: a.api_base } });
  const { url, pending } = app.createAuthorizationUrl({ storageKey: null }); // keep pending until the user returns
  const tokens = await app.exchangeCode(app.handleRedirect(await browser(url), { pending }));
  // 4. The user's API calls; every renewed token set is handed over to be stored.
  const user = new Session(app, { tokens, onPersist: (renewed) => console.log("store: until", renewed.expiresAt) });
  console.log("user:", await (await user.fetch(a.path)).json());

  // 5. A wrong secret: the error says what went wrong and what to do.
  try {
    await new Session(new OAuthClient({ ...service, clientSecret: "not-the-secret" })).fetch(s.path);
  } catch (e) {
    if (!(e instanceof AuthflowError)) throw e;
    console.log("error:", e.message, "->", e.action);
  }
}

/** A browser that is approved at once: where the provider redirects to. @param {string} url */
export async function followRedirect(url) {
  const answer = await fetch(url, { redirect: "manual" });
  const location = answer.headers.get("Location");
  if (!location) throw new Error("the provider did not redirect");
  return location;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const settings = JSON.parse(await readFile(process.argv[2] ?? "", "utf8"));
  await everyday(settings.service, settings.app, followRedirect);
}
