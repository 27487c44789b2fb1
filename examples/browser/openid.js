// The OpenID example page's logic (openid.html): a sign-in at an OpenID
// Provider through the package's OpenID entry, `authflow/browser-openid`.
// The authorize URL carries a nonce (with state and PKCE); at the code
// exchange the ID token's claims are checked (issuer, audience, expiry,
// the nonce, ...; not its signature: it comes straight from the token
// endpoint, OpenID Connect Core 1.0 §3.1.3.7 item 6), and the page shows
// who signed in. No token is shown or logged.
import { OAuthClient, AuthflowError } from "authflow/browser-openid";

/** An element of openid.html (all of them are there). */
const $ = (/** @type {string} */ id) => /** @type {HTMLButtonElement} */ (document.getElementById(id));

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

/** @param {string} state @param {string} text */
function show(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
  $("sign-in").hidden = state === "signed-in";
  $("sign-in").disabled = false;
}

/** @param {unknown} error */
function showError(error) {
  const box = $("error");
  box.hidden = false;
  if (error instanceof AuthflowError) {
    box.dataset.kind = error.kind;
    box.dataset.action = error.action;
    box.textContent = `Sign-in failed: ${error.kind} (what to do: ${error.action}).`;
  } else {
    box.dataset.kind = "unexpected";
    box.textContent = `Unexpected failure: ${error}`;
  }
}

$("sign-in").addEventListener("click", () => {
  $("error").hidden = true;
  location.assign(client.createAuthorizationUrl().url);
});

const params = new URLSearchParams(location.search);
if (params.has("code") || params.has("error")) {
  try {
    const tokens = await client.exchangeCode(client.handleRedirect());
    const claims = tokens.idTokenClaims;
    if (!claims) throw new Error("no checked ID token");
    show("signed-in", `Signed in as ${claims.sub}.`);
    $("status").dataset.sub = claims.sub;
    $("status").dataset.nonce = claims.nonce ?? "";
  } catch (error) {
    show("signed-out", "Not signed in.");
    showError(error);
  }
} else {
  show("signed-out", "Not signed in.");
}
