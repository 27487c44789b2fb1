// authflow for browsers: the entry point. It instantiates the WebAssembly
// module once (top-level await), so the API is ready on import.
import init from "./authflow_wasm.js";

// The API only: wasm-bindgen's own exports (its loader)
// stay inside the package.
export { OAuthClient, ValidatedCallback } from "./authflow_wasm.js";
export { AuthflowError, Session } from "__BROWSER_SNIPPET__";

const wasm = new URL("./authflow_wasm_bg.wasm", import.meta.url);
await init({
  module_or_path: wasm.protocol === "file:"
    // Node.js (tests, server-side rendering): fetch() cannot read file: URLs.
    ? import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises").then((fs) => fs.readFile(wasm))
    : wasm,
});
