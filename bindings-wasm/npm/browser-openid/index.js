// authflow for browsers with OpenID Connect (authflowkit/browser-openid): the
// browser entry, its module built with `openid` (bindings-wasm/SIZE.md).
import init, { initSync } from "./authflow_openid.js";
import { instantiate } from "__BROWSER_SNIPPET__";

// The API only: wasm-bindgen's own exports (its loader)
// stay inside the package.
export { OAuthClient, ValidatedCallback } from "./authflow_openid.js";
export { AuthflowError } from "__BROWSER_SNIPPET__";
export { Session } from "__TOKEN_SNIPPET__";

await instantiate(init, initSync, new URL("./authflow_openid_bg.wasm", import.meta.url));
