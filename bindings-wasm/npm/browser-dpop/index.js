// authflow for browsers with DPoP (authflowkit/browser-dpop): the browser
// entry, its module built with `dpop` (bindings-wasm/SIZE.md): proofs of
// possession of a WebCrypto key that never leaves the browser.
import init, { initSync } from "./authflow_dpop.js";
import { instantiate } from "__BROWSER_SNIPPET__";

// The API only: wasm-bindgen's own exports (its loader)
// stay inside the package.
export { OAuthClient, ValidatedCallback } from "./authflow_dpop.js";
export { AuthflowError } from "__BROWSER_SNIPPET__";
export { Session } from "__TOKEN_SNIPPET__";
export { createDpopKey, dpopKey } from "__DPOP_SNIPPET__";

await instantiate(init, initSync, new URL("./authflow_dpop_bg.wasm", import.meta.url));
