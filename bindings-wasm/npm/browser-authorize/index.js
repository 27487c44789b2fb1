// authflow for front ends that only start the sign-in and read the redirect
// (authflowkit/browser-authorize): the browser entry's module built without
// the token endpoint (bindings-wasm/SIZE.md). The validated redirect goes to
// the app's back end, which exchanges the code.
import init from "./authflow_authorize.js";

// The API only: wasm-bindgen's own exports (its loader)
// stay inside the package.
export { OAuthClient, ValidatedCallback } from "./authflow_authorize.js";
export { AuthflowError } from "__BROWSER_SNIPPET__";

const wasm = new URL("./authflow_authorize_bg.wasm", import.meta.url);
await init({
  module_or_path: wasm.protocol === "file:"
    // Node.js (tests, server-side rendering): fetch() cannot read file: URLs.
    ? import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises").then((fs) => fs.readFile(wasm))
    : wasm,
});
