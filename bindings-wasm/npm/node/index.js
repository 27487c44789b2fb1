// authflow for Node.js servers (`import ... from "authflow/node"`): the
// browser API plus what a server with a client secret does: client
// credentials (OAuthClient.clientCredentials), confidential code exchange
// and refresh, and Session (tokens kept fresh, one renewal at a time,
// onPersist, API calls). Its own
// WebAssembly module, built with the core's confidential code; the browser
// entry has none of it.
import { readFile } from "node:fs/promises";
import init from "./authflow_node.js";

export { OAuthClient, Session, ValidatedCallback } from "./authflow_node.js";
export { AuthflowError } from "__BROWSER_SNIPPET__";

await init({ module_or_path: await readFile(new URL("./authflow_node_bg.wasm", import.meta.url)) });
