// authflow for browsers: the entry point. It instantiates the WebAssembly
// module once (top-level await), so the API is ready on import.
import init, { initSync } from "./authflow_wasm.js";
import { instantiate } from "__BROWSER_SNIPPET__";

// The API only: wasm-bindgen's own exports (its loader)
// stay inside the package.
export { OAuthClient, ValidatedCallback } from "./authflow_wasm.js";
export { AuthflowError } from "__BROWSER_SNIPPET__";
export { Session } from "__TOKEN_SNIPPET__";

await instantiate(init, initSync, new URL("./authflow_wasm_bg.wasm", import.meta.url));
