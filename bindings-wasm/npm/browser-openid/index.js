// authflow for browsers with OpenID Connect (authflowkit/browser-openid): the
// browser entry, its module built with `openid` (bindings-wasm/SIZE.md).
import init, { initSync } from "./authflow_openid.js";

// The API only: wasm-bindgen's own exports (its loader)
// stay inside the package.
export { OAuthClient, ValidatedCallback } from "./authflow_openid.js";
export { AuthflowError } from "__BROWSER_SNIPPET__";
export { Session } from "__TOKEN_SNIPPET__";

const wasm = new URL("./authflow_openid_bg.wasm", import.meta.url);
if (wasm.protocol === "file:") {
  // Node.js: fetch() cannot read file: URLs, and init() reads Response,
  // which loads Node's fetch (2/3 of the import's time, BENCHMARKS.md).
  const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
  initSync({ module: await WebAssembly.compile(await fs.readFile(wasm)) });
} else {
  await init({ module_or_path: wasm });
}
