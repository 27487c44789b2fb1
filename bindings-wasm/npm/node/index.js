// authflow for Node.js servers (`import ... from "authflowkit/node"`): the
// browser API plus what a server with a client secret does: client
// credentials (OAuthClient.clientCredentials), confidential code exchange
// and refresh, Session renewing with the client's credentials, and DPoP
// (the option `dpop`, fetchResource, Session.fetch with bound tokens). Its own
// WebAssembly module, built with the core's confidential code; the browser
// entry has none of it.
import init, { initSync } from "./authflow_node.js";
import { instantiate } from "__BROWSER_SNIPPET__";

import { Session as TokenSession, sessionInternals } from "__TOKEN_SNIPPET__";
import { NO_BODY, signedExchange } from "__DPOP_SNIPPET__";

export { OAuthClient, ValidatedCallback } from "./authflow_node.js";
export { AuthflowError } from "__BROWSER_SNIPPET__";
export { createDpopKey, dpopKey } from "__DPOP_SNIPPET__";

/**
 * The browser's `Session` (tokens kept fresh) that also calls the API with
 * its token: `fetch`, through the module's `ApiCall`, which applies the
 * core's API rules (this module is built with them; the browser's is not).
 */
export class Session extends TokenSession {
  async fetch(path, init) {
    const [machine, timeoutMs] = sessionInternals(this);
    for (const retry of [true, false]) {
      const call = machine.apiCall(await this.accessToken(), path, init ?? {}, retry);
      // A bearer token's call has no proof to sign: the key is then unused.
      const [ok, [status, headers, body]] = await signedExchange(call, machine.dpopKey, timeoutMs);
      if (ok) return new Response(NO_BODY.includes(status) ? null : body, { status, headers });
    }
    // Not reached: a call without retry resolves `ok` or rejects.
    throw new Error("unreachable");
  }
}

await instantiate(init, initSync, new URL("./authflow_node_bg.wasm", import.meta.url));
