// What the sign-in example pages (openid.html, dpop.html, backend.html) share: the
// button sends the user to the provider; back from it, the page's own
// `finish` (the code exchange and whatever follows) says who signed in, or
// its error is shown. No token is shown or logged.

/** An element of the page (all of them are there). */
const $ = (/** @type {string} */ id) => /** @type {HTMLButtonElement} */ (document.getElementById(id));

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
  // Each entry of the package has its own AuthflowError class: its name
  // says what it is.
  if (error instanceof Error && error.name === "AuthflowError") {
    const { kind, action } = /** @type {{ kind: string, action: string }} */ (/** @type {unknown} */ (error));
    box.dataset.kind = kind;
    box.dataset.action = action;
    box.textContent = `Sign-in failed: ${kind} (what to do: ${action}).`;
  } else {
    box.dataset.kind = "unexpected";
    box.textContent = `Unexpected failure: ${error}`;
  }
}

/**
 * Wires the page to `client`: the button starts a sign-in; on the redirect
 * back, `finish()` resolves to the status text and the data attributes to
 * set on #status, or throws what is shown as the error.
 * @param {{ createAuthorizationUrl(): { url: string } }} client
 * @param {() => Promise<{ text: string, data: Record<string, string> }>} finish
 */
export async function signInPage(client, finish) {
  $("sign-in").addEventListener("click", () => {
    $("error").hidden = true;
    location.assign(client.createAuthorizationUrl().url);
  });
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return show("signed-out", "Not signed in.");
  try {
    const { text, data } = await finish();
    show("signed-in", text);
    Object.assign($("status").dataset, data);
  } catch (error) {
    show("signed-out", "Not signed in.");
    showError(error);
  }
}
