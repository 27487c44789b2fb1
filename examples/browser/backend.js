// The back-end example page's logic (backend.html): a front end that only
// starts the sign-in and checks the redirect, through the package's
// smallest entry, `authflowkit/browser-authorize` (no token endpoint in its
// module). The validated redirect (code, state, PKCE verifier, redirect
// URI) goes to the app's back end, here the example server, which
// exchanges the code and keeps the tokens. No code or token is shown or
// logged.
import { OAuthClient } from "authflowkit/browser-authorize";
import { signInPage } from "./sign-in-page.js";

/** The provider's URLs, from the example server (the local test providers). */
const config = await (await fetch("config.json")).json();
const client = new OAuthClient({
  profile: "makini_link",
  clientId: "link-public",
  redirectUri: new URL("backend.html", location.href).href,
  endpoints: {
    authorization: config.makini_link.authorization_endpoint,
    token: config.makini_link.token_endpoint,
  },
});

await signInPage(client, async () => {
  const callback = client.handleRedirect();
  let answer;
  try {
    answer = await fetch("backend/exchange", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(callback),
    });
  } finally {
    // The page is done with the code and verifier, sent or not: wipe them.
    callback.free();
  }
  const result = await answer.json();
  if (!answer.ok) throw new Error(`the back end could not exchange the code: ${result.error}`);
  return { text: "Signed in: the back end holds the tokens.", data: { tokenType: result.token_type } };
});
