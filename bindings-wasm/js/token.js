// The token endpoint's browser pieces: token set objects, fetch, and the
// Session's promises, for the modules built with the token endpoint (every
// entry but authflowkit/browser-authorize). IO only, as in browser.js.
import { AuthflowError } from "./browser.js";

/** A token set as the package hands it out: a plain object (see the TokenSet type). */
export const tokenSet = (accessToken, tokenType, refreshToken, issuedAt, expiresAt, refreshExpiresAt,
  scopes, clockSkew, extra) => ({
  accessToken, tokenType, refreshToken: refreshToken ?? null, issuedAt, expiresAt: expiresAt ?? null,
  refreshExpiresAt: refreshExpiresAt ?? null, scopes: scopes == null ? null : scopes ? scopes.split(" ") : [],
  clockSkew, extra: extra ? JSON.parse(extra) : {},
});

/** `extra` as JSON for the core to read; `undefined` for none (absent, null, an object without members). */
const extraJson = (extra) => {
  if (extra == null) return undefined;
  if (typeof extra !== "object" || Array.isArray(extra)) return JSON.stringify(extra); // the core refuses it
  for (const _ in extra) return JSON.stringify(extra);
  return undefined;
};

/** A token set object's members for the core to read, in the order of `TOKEN_SET_MEMBERS` in src/convert.rs. */
export const tokenSetMembers = (t) => [t.accessToken, t.tokenType, t.refreshToken, t.issuedAt, t.expiresAt,
  t.refreshExpiresAt, t.scopes, t.clockSkew, extraJson(t.extra)];

/** Bodies larger than this are refused, as the native transports do. */
const MAX_BODY = 4 * 1024 * 1024;

/** A failure with the kind authflow reports it as, in words of its own. */
const failure = (kind, message) => Object.assign(new Error(message), { kind });

/**
 * Sends one request the core built and resolves to
 * `[status, [[name, value], ...], bodyBytes]` for the core to parse.
 * Redirects are not followed (a 307/308 would send the code, verifier or
 * refresh token on to another server): the core reads a 3xx it can see,
 * and a browser's opaque redirect rejects. Gives up after `timeoutMs` for
 * the whole answer, body included, and refuses bodies over 4 MiB. Rejects,
 * with `kind` set for the core, when no usable response arrived.
 */
export async function send(method, url, headers, body, timeoutMs) {
  // A controller and a timer rather than AbortSignal.timeout: the same
  // deadline, at half the cost per request in Node.js (BENCHMARKS.md).
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    const response = await fetch(url, {
      method, headers, body: body.length ? body.slice() : undefined,
      redirect: "manual", signal: deadline.signal,
    });
    if (response.type === "opaqueredirect") {
      throw failure("unexpected_status", "the provider answered with a redirect, which is not followed");
    }
    if (Number(response.headers.get("Content-Length")) > MAX_BODY) {
      throw failure("transport", "the body is too large");
    }
    const chunks = [];
    let size = 0;
    const reader = response.body?.getReader();
    for (let part = await reader?.read(); part && !part.done; part = await reader.read()) {
      size += part.value.length;
      if (size > MAX_BODY) {
        reader.cancel().catch(() => {});
        throw failure("transport", "the body is too large");
      }
      chunks.push(part.value);
    }
    const bytes = new Uint8Array(size);
    chunks.reduce((at, chunk) => (bytes.set(chunk, at), at + chunk.length), 0);
    return [response.status, [...response.headers], bytes];
  } catch (error) {
    if (deadline.signal.aborted) throw failure("timeout", "no complete answer in time");
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends the request `call` (an object of the module: `request()`, `finish`,
 * `failed`, `free`) holds and resolves to `[call.finish(response),
 * response]`; rejects with `call.failed(thrown)` when no usable response
 * came, or with what `finish` threw. The await happens here, so the
 * WebAssembly module carries no futures machinery.
 */
export async function exchange(call, timeoutMs) {
  try {
    let response;
    try {
      response = await send(...call.request(), timeoutMs);
    } catch (thrown) {
      throw call.failed(thrown);
    }
    return [call.finish(response), response];
  } finally {
    call.free();
  }
}

/**
 * Sends a token request the core built (a `TokenCall`) and resolves to the
 * token set the core read there; rejects with the `AuthflowError` it made.
 */
export const grant = async (call, timeoutMs) => (await exchange(call, timeoutMs))[0];

/** A session's machine and timeout: for the Node.js entry's `Session.fetch` (`npm/node/index.js`), not part of the API. */
export let sessionInternals;

/**
 * Keeps a token set fresh (see the `Session` type). The promises live
 * here; every decision (when to renew, how to read an answer) is the
 * module's `SessionMachine`, on the core's session.
 */
export class Session {
  #machine;
  #onPersist;
  #timeoutMs;
  /** Callers waiting for the renewal in flight (or its onPersist). */
  #waiting = [];
  /** A new token set is with onPersist: nobody gets its token yet. */
  #persisting = false;
  /** onPersist failed on the current set: the machine hands it over again after a back-off. */
  #unsaved = false;

  static {
    sessionInternals = (session) => [session.#machine, session.#timeoutMs];
  }

  constructor(client, init) {
    const onPersist = init?.onPersist ?? null;
    if (onPersist !== null && typeof onPersist !== "function") {
      throw new AuthflowError("option onPersist must be a function", "configuration", "fix_configuration");
    }
    this.#machine = client.sessionMachine(init?.tokens ?? null);
    this.#onPersist = onPersist;
    this.#timeoutMs = client.timeoutMs;
  }

  get tokens() {
    return this.#machine.tokens();
  }

  async accessToken() {
    for (;;) {
      const retry = this.#unsaved && !this.#persisting ? this.#machine.persistDue(false) : null;
      if (retry) await this.#persist(retry);
      const next = this.#persisting ? null : this.#machine.next();
      if (typeof next === "string") return next;
      if (next === null) await new Promise((resolve) => this.#waiting.push(resolve));
      else await this.#renew(next);
    }
  }

  /** Sends a renewal and hands its answer to the machine, whatever happens to the caller: the answer (a rotated pair) is stored either way. */
  async #renew(request) {
    let outcome;
    try {
      outcome = this.#machine.answer(await send(...await request, this.#timeoutMs), undefined);
    } catch (thrown) {
      outcome = this.#machine.answer(null, thrown);
    }
    const [tokens, error] = outcome;
    if (tokens && this.#onPersist) await this.#persist(tokens);
    for (const resolve of this.#waiting.splice(0)) resolve();
    if (error) throw error;
  }

  /**
   * Stores `tokens` before any caller gets their token. An onPersist that
   * throws or rejects must not lose the renewal for the others: its
   * failure is its own, and the set is handed to it again at a later
   * call, after a back-off (a restarted page must not find the refresh
   * token this one rotated away).
   */
  async #persist(tokens) {
    this.#persisting = true;
    try {
      await this.#onPersist(tokens);
      this.#unsaved = false;
    } catch {
      // Nothing newer can be due: no renewal runs while this one is stored.
      this.#machine.persistDue(true);
      this.#unsaved = true;
    } finally {
      this.#persisting = false;
    }
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}
