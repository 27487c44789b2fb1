// Every export of every entry of the installed package, used as a
// TypeScript app under `tsc --strict` uses it: the names and types resolve
// through the package's `exports` map and `types`, as a user's do (not
// through paths into the repository). Compiled, not run.
import {
  OAuthClient, AuthflowError, Session, ValidatedCallback,
  type ProfileName, type Endpoints, type ClientOptions, type AuthorizationUrlOptions, type AuthorizationStart,
  type HandleRedirectOptions, type TokenSet, type ErrorKind, type Action, type SessionInit,
} from "authflowkit";
import * as openid from "authflowkit/browser-openid";
import type { IdTokenClaims } from "authflowkit/browser-openid";
import * as dpop from "authflowkit/browser-dpop";
import type { DpopKey, ResourceRequest } from "authflowkit/browser-dpop";
import * as authorize from "authflowkit/browser-authorize";
import type * as authorizeTypes from "authflowkit/browser-authorize";
import * as node from "authflowkit/node";
import type { ConfidentialClientOptions, SessionRequest } from "authflowkit/node";

const profile: ProfileName = "generic";
const endpoints: Endpoints = { authorization: "https://as.example/authorize", token: "https://as.example/token" };
const options: ClientOptions = { profile, clientId: "spa", redirectUri: "https://app.example/cb", endpoints };
const client = new OAuthClient(options);
const urlOptions: AuthorizationUrlOptions = { storageKey: null };
const start: AuthorizationStart = client.createAuthorizationUrl(urlOptions);
const redirect: HandleRedirectOptions = { pending: start.pending, clearUrl: false };

export async function browser(url: string): Promise<string> {
  const callback: ValidatedCallback = client.handleRedirect(url, redirect);
  const tokens: TokenSet = await client.exchangeCode(callback);
  const init: SessionInit = { tokens, onPersist: (t: TokenSet) => void t };
  return new Session(client, init).accessToken();
}

export function describe(error: unknown): [ErrorKind, Action] | null {
  return error instanceof AuthflowError ? [error.kind, error.action] : null;
}

export async function signedIn(url: string): Promise<IdTokenClaims | null | undefined> {
  const oidc = new openid.OAuthClient({ ...options, issuer: "https://as.example", openid: true });
  const tokens: openid.TokenSet = await oidc.exchangeCode(oidc.handleRedirect(url));
  return tokens.idTokenClaims;
}

export async function bound(url: string): Promise<Response> {
  const key: DpopKey = await dpop.createDpopKey();
  const again: DpopKey = await dpop.dpopKey(key.keyPair ?? (await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])));
  const withKey = new dpop.OAuthClient({ ...options, dpop: again });
  const tokens = await withKey.exchangeCode(withKey.handleRedirect(url));
  const request: ResourceRequest = { method: "POST", json: { a: 1 } };
  return withKey.fetchResource("things", tokens, request);
}

/** The authorize-only entry: the redirect checked here, the code exchanged by the back end. */
export function forBackEnd(url: string): string | authorizeTypes.ErrorKind {
  const front: authorizeTypes.ClientOptions = options;
  const small = new authorize.OAuthClient(front);
  const begun: authorizeTypes.AuthorizationStart = small.createAuthorizationUrl({ storageKey: null });
  try {
    const checked: authorize.ValidatedCallback = small.handleRedirect(url, { pending: begun.pending });
    return JSON.stringify(checked);
  } catch (error) {
    if (error instanceof authorize.AuthflowError) return error.kind;
    throw error;
  }
}

export async function server(): Promise<Response> {
  const service: ConfidentialClientOptions = {
    profile: "generic", clientId: "svc", clientSecret: "s", grant: "client_credentials",
    endpoints: { token: "https://as.example/token", apiBase: "https://api.example/" },
  };
  const oauth = new node.OAuthClient(service);
  const tokens: node.TokenSet = await oauth.clientCredentials();
  const session = new node.Session(oauth, { tokens });
  const request: SessionRequest = { method: "GET" };
  const rs = await oauth.fetchResource("things", tokens);
  void rs;
  return session.fetch("things", request);
}

export const kinds: unknown[] = [node.AuthflowError, node.ValidatedCallback, node.createDpopKey, node.dpopKey,
  openid.AuthflowError, openid.Session, openid.ValidatedCallback, dpop.AuthflowError, dpop.Session, dpop.ValidatedCallback,
  authorize.AuthflowError, authorize.ValidatedCallback];
