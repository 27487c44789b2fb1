// The example page's logic: everything OAuth goes through the authflow
// package; this file only wires buttons and shows the outcome. Tokens stay
// in sessionStorage and are never shown or logged. A Session keeps them
// fresh: it refreshes when they are due, once however many callers ask,
// and hands each new set to onPersist (which stores it here).
import { OAuthClient, AuthflowError, Session } from "authflowkit";

const TOKENS_KEY = "example.tokens";
/** An element of index.html (all of them are there). */
const $ = (/** @type {string} */ id) => /** @type {HTMLButtonElement} */ (document.getElementById(id));

/** The provider's URLs, from the example server (the local test providers). */
const config = await (await fetch("config.json")).json();
const client = new OAuthClient({
  profile: "makini_link",
  clientId: "link-public",
  redirectUri: new URL("./", location.href).href,
  endpoints: {
    authorization: config.makini_link.authorization_endpoint,
    token: config.makini_link.token_endpoint,
  },
});

/** @param {string} state @param {string} text */
function show(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
  const signedIn = state === "signed-in";
  $("sign-in").hidden = signedIn;
  $("sign-in").disabled = false;
  $("refresh").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
}

/** @param {unknown} error */
function showError(error) {
  const box = $("error");
  box.hidden = false;
  if (error instanceof AuthflowError) {
    box.dataset.kind = error.kind;
    box.dataset.action = error.action;
    const provider = error.providerError
      ? ` The provider said: ${error.providerError}${error.providerErrorDescription ? ` (${error.providerErrorDescription})` : ""}.`
      : "";
    box.textContent = `Sign-in failed: ${error.kind} (what to do: ${error.action}).${provider}`;
  } else {
    box.dataset.kind = "unexpected";
    box.textContent = `Unexpected failure: ${error}`;
  }
}

/** @param {import("authflowkit").TokenSet} tokens @param {string} verb */
function showTokens(tokens, verb) {
  sessionStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  const until = tokens.expiresAt ? new Date(tokens.expiresAt * 1000).toISOString() : "an unknown time";
  show("signed-in", `${verb}: access token valid until ${until}.`);
  $("status").dataset.expiresAt = String(tokens.expiresAt);
  $("status").dataset.issuedAt = String(tokens.issuedAt);
}

$("sign-in").addEventListener("click", () => {
  $("error").hidden = true;
  // prompt=consent: the provider asks the user to approve or deny.
  const { url } = client.createAuthorizationUrl({ extraParams: { prompt: "consent" } });
  location.assign(url);
});

/** The signed-in user's tokens, kept fresh. @type {Session | null} */
let session = null;

/** @param {import("authflowkit").TokenSet} tokens */
function startSession(tokens) {
  session = new Session(client, { tokens, onPersist: (renewed) => showTokens(renewed, "Refreshed") });
}

$("refresh").addEventListener("click", async () => {
  try {
    // Where an API call would go: a valid access token, refreshed first
    // when due (onPersist then shows the new set).
    await session?.accessToken();
    const status = $("status").textContent ?? "";
    if (status.startsWith("Signed in") && !status.endsWith("Still valid.")) $("status").textContent += " Still valid.";
  } catch (error) {
    showError(error);
  }
});

$("sign-out").addEventListener("click", () => {
  session = null;
  sessionStorage.removeItem(TOKENS_KEY);
  show("signed-out", "Signed out.");
});

const params = new URLSearchParams(location.search);
if (params.has("code") || params.has("error")) {
  // Back from the provider: check the redirect, take code and state out of
  // the address bar, and exchange the code in this page (public client).
  try {
    // Code and verifier are wiped from WebAssembly memory once the callback
    // is garbage (or at once with callback.free()).
    const callback = client.handleRedirect(undefined, { clearUrl: true });
    const tokens = await client.exchangeCode(callback);
    showTokens(tokens, "Signed in");
    startSession(tokens);
  } catch (error) {
    show("signed-out", "Not signed in.");
    showError(error);
  }
} else if (sessionStorage.getItem(TOKENS_KEY)) {
  const tokens = JSON.parse(sessionStorage.getItem(TOKENS_KEY) ?? "null");
  showTokens(tokens, "Signed in");
  startSession(tokens);
} else {
  show("signed-out", "Not signed in.");
}
