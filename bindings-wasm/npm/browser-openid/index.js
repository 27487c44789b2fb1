// authflow for browsers with OpenID Connect (authflowkit/browser-openid): the
// browser entry, its module built with `openid` (bindings-wasm/SIZE.md).
import init from "./authflow_openid.js";

// The API only: wasm-bindgen's own exports (its loader)
// stay inside the package.
export { OAuthClient, ValidatedCallback } from "./authflow_openid.js";
export { AuthflowError, Session } from "__BROWSER_SNIPPET__";

const wasm = new URL("./authflow_openid_bg.wasm", import.meta.url);
await init({
  module_or_path: wasm.protocol === "file:"
    // Node.js (tests, server-side rendering): fetch() cannot read file: URLs.
    ? import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises").then((fs) => fs.readFile(wasm))
    : wasm,
});
