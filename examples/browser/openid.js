// The OpenID example page's logic (openid.html): a sign-in at an OpenID
// Provider through the package's OpenID entry, `authflowkit/browser-openid`.
// The authorize URL carries a nonce (with state and PKCE); at the code
// exchange the ID token's claims are checked (issuer, audience, expiry,
// the nonce, ...; not its signature: it comes straight from the token
// endpoint, OpenID Connect Core 1.0 §3.1.3.7 item 6), and the page shows
// who signed in. No token is shown or logged.
import { OAuthClient } from "authflowkit/browser-openid";
import { signInPage } from "./sign-in-page.js";

/** The OpenID Provider's issuer, from the example server (the oidc-provider peer). */
const config = await (await fetch("config.json")).json();
const issuer = config.oidc_provider?.issuer;
if (typeof issuer !== "string") throw new Error("config.json names no oidc_provider: start the oidc-provider peer");
const client = new OAuthClient({
  profile: "generic",
  clientId: "browser-client",
  redirectUri: new URL("openid.html", location.href).href,
  scopes: ["openid"],
  issuer,
  openid: true,
  endpoints: { authorization: `${issuer}/auth`, token: `${issuer}/token` },
});

await signInPage(client, async () => {
  const tokens = await client.exchangeCode(client.handleRedirect());
  const claims = tokens.idTokenClaims;
  if (!claims) throw new Error("no checked ID token");
  return { text: `Signed in as ${claims.sub}.`, data: { sub: claims.sub, nonce: claims.nonce ?? "" } };
});
