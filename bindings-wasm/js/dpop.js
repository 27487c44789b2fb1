// DPoP in the browser (authflowkit/browser-dpop): the proofs the module builds
// are signed here, by WebCrypto, with a private key that never leaves it
// (non-extractable). A file of its own, so that a build without the feature
// ships none of it.
import { AuthflowError } from "./browser.js";
import { send } from "./token.js";

const ES256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

const base64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/**
 * A new DPoP key for `OAuthClient`'s `dpop` option: ES256, its private
 * half non-extractable (no script can read it). Keep its `keyPair` (in
 * IndexedDB) and give it to {@link dpopKey} to use it again.
 */
export const createDpopKey = async () => dpopKey(await crypto.subtle.generateKey(ES256, false, ["sign", "verify"]));

/** The `dpop` option for a WebCrypto ECDSA P-256 key pair (e.g. one kept in IndexedDB). */
export const dpopKey = async (keyPair) =>
  ({ privateKey: keyPair.privateKey, publicJwk: await crypto.subtle.exportKey("jwk", keyPair.publicKey), keyPair });

/** `parts` (`[method, url, headers, body]`) with its DPoP proof signed: the module wrote the signing input. */
export async function signProof(parts, key) {
  for (const header of parts[2]) {
    if (header[0] !== "DPoP") continue;
    let signature;
    try {
      signature = await crypto.subtle.sign(ES256, key, new TextEncoder().encode(header[1]));
    } catch {
      throw new AuthflowError("the DPoP key cannot sign ES256: give an ECDSA P-256 private key with usage \"sign\"",
        "configuration", "fix_configuration");
    }
    header[1] += "." + base64url(signature);
  }
  return parts;
}

/**
 * Sends `call`'s request with its proof signed, and once more (a new proof)
 * when `call.finish` says so by returning `undefined` (the server asked for
 * a nonce, RFC 9449 §8, §9); resolves to `[what finish made of the answer,
 * the answer]`, as token.js's `exchange` does.
 */
export async function signedExchange(call, key, timeoutMs) {
  try {
    for (;;) {
      const parts = await signProof(call.request(), key);
      let response;
      try {
        response = await send(...parts, timeoutMs);
      } catch (thrown) {
        throw call.failed(thrown);
      }
      const result = call.finish(response);
      if (result !== undefined) return [result, response];
    }
  } finally {
    call.free();
  }
}

/** Statuses whose response has no body (`Response` refuses one). */
export const NO_BODY = [101, 103, 204, 205, 304];

/** A token request (`TokenCall`) with signed proofs: resolves to the token set. */
export const signedGrant = async (call, key, timeoutMs) => (await signedExchange(call, key, timeoutMs))[0];

/** A resource request (`ResourceCall`) with signed proofs: resolves to the answer as a `Response`. */
export async function signedFetch(call, key, timeoutMs) {
  const [, [status, headers, body]] = await signedExchange(call, key, timeoutMs);
  return new Response(NO_BODY.includes(status) ? null : body, { status, headers });
}
