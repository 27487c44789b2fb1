// authflow for browsers: the entry point. It instantiates the WebAssembly
// module once (top-level await), so the API is ready on import.
import init, { initSync } from "./authflow_wasm.js";

// The API only: wasm-bindgen's own exports (its loader)
// stay inside the package.
export { OAuthClient, ValidatedCallback } from "./authflow_wasm.js";
export { AuthflowError } from "__BROWSER_SNIPPET__";
export { Session } from "__TOKEN_SNIPPET__";

const wasm = new URL("./authflow_wasm_bg.wasm", import.meta.url);
if (wasm.protocol === "file:") {
  // Node.js: fetch() cannot read file: URLs, and init() reads Response,
  // which loads Node's fetch (2/3 of the import's time, BENCHMARKS.md).
  const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
  initSync({ module: await WebAssembly.compile(await fs.readFile(wasm)) });
} else {
  await init({ module_or_path: wasm });
}
