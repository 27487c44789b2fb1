// authflow for browsers with DPoP (authflowkit/browser-dpop): the browser
// entry, its module built with `dpop` (bindings-wasm/SIZE.md): proofs of
// possession of a WebCrypto key that never leaves the browser.
import init from "./authflow_dpop.js";

// The API only: wasm-bindgen's own exports (its loader)
// stay inside the package.
export { OAuthClient, ValidatedCallback } from "./authflow_dpop.js";
export { AuthflowError, Session } from "__BROWSER_SNIPPET__";
export { createDpopKey, dpopKey } from "__DPOP_SNIPPET__";

const wasm = new URL("./authflow_dpop_bg.wasm", import.meta.url);
await init({
  module_or_path: wasm.protocol === "file:"
    // Node.js (tests, server-side rendering): fetch() cannot read file: URLs.
    ? import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises").then((fs) => fs.readFile(wasm))
    : wasm,
});
