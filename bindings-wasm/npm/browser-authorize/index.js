// authflow for front ends that only start the sign-in and read the redirect
// (authflowkit/browser-authorize): the browser entry's module built without
// the token endpoint (bindings-wasm/SIZE.md). The validated redirect goes to
// the app's back end, which exchanges the code.
import init, { initSync } from "./authflow_authorize.js";
import { instantiate } from "__BROWSER_SNIPPET__";

// The API only: wasm-bindgen's own exports (its loader)
// stay inside the package.
export { OAuthClient, ValidatedCallback } from "./authflow_authorize.js";
export { AuthflowError } from "__BROWSER_SNIPPET__";

await instantiate(init, initSync, new URL("./authflow_authorize_bg.wasm", import.meta.url));
