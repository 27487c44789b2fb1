// A front end as a user writes it: `import ... from "authflowkit"`, resolved by
// Vite from node_modules (the package installed from its tarball), the
// WebAssembly module bundled as an asset. It signs in at the local Makini
// Link provider (whose URLs the test's server puts in /config.json) and
// keeps the tokens in a Session.
import { OAuthClient, Session, AuthflowError, type TokenSet } from "authflowkit";

const $ = (id: string) => document.getElementById(id) as HTMLButtonElement;
const config = await (await fetch("/config.json")).json();
const client = new OAuthClient({
  profile: "makini_link",
  clientId: "link-public",
  redirectUri: new URL("/", location.href).href,
  endpoints: {
    authorization: config.makini_link.authorization_endpoint,
    token: config.makini_link.token_endpoint,
  },
});

function show(state: string, text: string) {
  $("status").dataset.state = state;
  $("status").textContent = text;
  $("sign-in").disabled = false;
}

$("sign-in").addEventListener("click", () => location.assign(client.createAuthorizationUrl().url));

if (new URLSearchParams(location.search).has("code")) {
  try {
    const tokens: TokenSet = await client.exchangeCode(client.handleRedirect());
    const session = new Session(client, { tokens });
    await session.accessToken();
    show("signed-in", `Signed in until ${new Date((tokens.expiresAt ?? 0) * 1000).toISOString()}.`);
  } catch (error) {
    show("signed-out", "Not signed in.");
    $("error").hidden = false;
    $("error").textContent = error instanceof AuthflowError ? `${error.kind}: ${error.action}` : String(error);
  }
} else {
  show("signed-out", "Not signed in.");
}
