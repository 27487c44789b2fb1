// The DPoP example page's logic (dpop.html): a sign-in through the
// package's DPoP entry, `authflowkit/browser-dpop`, whose tokens are bound to
// a WebCrypto key (RFC 9449). The key pair lives in IndexedDB, its private
// half non-extractable: the page can sign with it, never read it, and it
// outlives the redirect to the provider and back. The UserInfo call
// presents the bound token with a proof of the key. No token is shown or
// logged.
import { OAuthClient, createDpopKey, dpopKey } from "authflowkit/browser-dpop";
import { signInPage } from "./sign-in-page.js";

/** The page's key pair, from IndexedDB, made and stored there the first time. */
async function storedKey() {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open("authflow-example", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("keys");
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  /** @param {IDBTransactionMode} mode @param {(store: IDBObjectStore) => IDBRequest} act */
  const request = (mode, act) => new Promise((resolve, reject) => {
    const r = act(db.transaction("keys", mode).objectStore("keys"));
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const pair = /** @type {CryptoKeyPair | undefined} */ (await request("readonly", (s) => s.get("dpop")));
  if (pair) return dpopKey(pair);
  const key = await createDpopKey();
  await request("readwrite", (s) => s.put(key.keyPair, "dpop"));
  return key;
}

const config = await (await fetch("config.json")).json();
const issuer = config.oidc_provider?.issuer;
if (typeof issuer !== "string") throw new Error("config.json names no oidc_provider: start the oidc-provider peer");
const key = await storedKey();
const client = new OAuthClient({
  profile: "generic",
  clientId: "browser-dpop-client",
  redirectUri: new URL("dpop.html", location.href).href,
  scopes: ["openid"],
  endpoints: { authorization: `${issuer}/auth`, token: `${issuer}/token`, apiBase: `${issuer}/` },
  dpop: key,
});

await signInPage(client, async () => {
  const tokens = await client.exchangeCode(client.handleRedirect());
  const userinfo = await client.fetchResource("me", tokens);
  if (!userinfo.ok) throw new Error(`UserInfo answered ${userinfo.status}`);
  const { sub } = await userinfo.json();
  return {
    text: `Signed in as ${sub}, with tokens bound to this browser's key.`,
    data: { sub, tokenType: tokens.tokenType, extractable: String(key.privateKey.extractable) },
  };
});
