// authflow for front ends that only start the sign-in and read the redirect
// (authflowkit/browser-authorize): the browser entry's module built without
// the token endpoint (bindings-wasm/SIZE.md). The validated redirect goes to
// the app's back end, which exchanges the code.
import init, { initSync } from "./authflow_authorize.js";

// The API only: wasm-bindgen's own exports (its loader)
// stay inside the package.
export { OAuthClient, ValidatedCallback } from "./authflow_authorize.js";
export { AuthflowError } from "__BROWSER_SNIPPET__";

const wasm = new URL("./authflow_authorize_bg.wasm", import.meta.url);
if (wasm.protocol === "file:") {
  // Node.js: fetch() cannot read file: URLs, and init() reads Response,
  // which loads Node's fetch (2/3 of the import's time, BENCHMARKS.md).
  const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
  initSync({ module: await WebAssembly.compile(await fs.readFile(wasm)) });
} else {
  await init({ module_or_path: wasm });
}
