// The browser pieces every entry's module needs: entropy, the clock,
// sessionStorage, the address bar, and the error class. IO only: every
// OAuth decision is made by authflowkit-core inside the WebAssembly module.
// The token endpoint's pieces are in token.js, which a module built
// without it (authflowkit/browser-authorize) does not import.

/**
 * The one error type authflow throws. `kind` says what went wrong and
 * `action` what to do about it (the snake_case names of authflowkit-core's
 * `ErrorKind` and `Action`); absent facts are `null`. The message never
 * contains a token, code, verifier or secret.
 */
export class AuthflowError extends Error {
  constructor(message, kind, action, retryAfter, status, providerError,
    providerErrorDescription, providerErrorUri, requestId) {
    super(message);
    this.name = "AuthflowError";
    this.kind = kind;
    this.action = action;
    this.retryAfter = retryAfter ?? null;
    this.status = status ?? null;
    this.providerError = providerError ?? null;
    this.providerErrorDescription = providerErrorDescription ?? null;
    this.providerErrorUri = providerErrorUri ?? null;
    this.requestId = requestId ?? null;
  }
}

/** What createAuthorizationUrl returns. */
export const authorizationStart = (url, pending) => ({ url, pending });

export const randomBytes = (length) => crypto.getRandomValues(new Uint8Array(length));

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export const storageGet = (key) => sessionStorage.getItem(key);

export const storageSet = (key, value) => sessionStorage.setItem(key, value);

export const storageRemove = (key) => sessionStorage.removeItem(key);

export const currentUrl = () => location.href;

export const replaceUrl = (url) => history.replaceState(history.state, "", url);

/**
 * Instantiates an entry's module once, from `wasm` (the URL of its .wasm
 * beside the entry), with `init` and `initSync` from the entry's glue.
 * Browsers: `init` compiles it as it streams in. Node.js (a `file:` URL):
 * read from disk and compiled here, because fetch() cannot read `file:`
 * URLs and `init` reads the global `Response`, which makes Node.js load
 * its whole fetch implementation on import (two thirds of the import's
 * time: BENCHMARKS.md). Not part of the API.
 */
export async function instantiate(init, initSync, wasm) {
  if (wasm.protocol !== "file:") return void (await init({ module_or_path: wasm }));
  const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ "node:fs/promises");
  initSync({ module: await WebAssembly.compile(await fs.readFile(wasm)) });
}
