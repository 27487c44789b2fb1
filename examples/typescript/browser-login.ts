// A front end's sign-in, typed: every export of the browser package, as a
// TypeScript app under `tsc --strict` uses it. The pending authorization is
// kept by the app here (storageKey: null) and handed back as it came.
import {
  OAuthClient, AuthflowError, Session,
  type ClientOptions, type SessionInit, type AuthorizationUrlOptions, type AuthorizationStart, type TokenSet,
  type ValidatedCallback, type ErrorKind, type Action,
} from "authflowkit";

const options: ClientOptions = {
  profile: "generic",
  clientId: "my-spa",
  redirectUri: "https://app.example/callback",
  endpoints: { authorization: "https://as.example/authorize", token: "https://as.example/token" },
  scopes: ["openid", "profile"],
};
const client = new OAuthClient(options);

/** Step 1: where to send the user, and what to keep until they return. */
export function signIn(): AuthorizationStart {
  const request: AuthorizationUrlOptions = { storageKey: null, extraParams: { prompt: "login" } };
  return client.createAuthorizationUrl(request);
}

/** Step 2, on the redirect page: `start.pending` goes back exactly as it came. */
export async function finish(start: AuthorizationStart, redirectedTo: string): Promise<TokenSet> {
  const callback: ValidatedCallback = client.handleRedirect(redirectedTo, { pending: start.pending, clearUrl: false });
  const forTheBackEnd: string = JSON.stringify(callback); // code, state, verifier, redirect URI
  void forTheBackEnd;
  return client.exchangeCode(callback);
}

/** Later: a fresh token set, or what to tell the user. */
export async function renew(tokens: TokenSet): Promise<TokenSet | string> {
  try {
    const renewed = await client.refresh(tokens);
    const expiresAt: number | null = renewed.expiresAt;
    return expiresAt === null ? renewed : { ...renewed, expiresAt };
  } catch (error) {
    if (!(error instanceof AuthflowError)) throw error;
    const kind: ErrorKind = error.kind;
    const action: Action = error.action;
    return action === "authorize_again" ? "Please sign in again." : `${kind}: retry in ${error.retryAfter ?? 1} s`;
  }
}

/** Or let a Session keep the set fresh: stored on every renewal, one refresh for all callers. */
export function keepFresh(tokens: TokenSet, store: (tokens: TokenSet) => Promise<void>): Session {
  const init: SessionInit = { tokens, onPersist: store };
  return new Session(client, init);
}

/** An API call with a token that is valid now. */
export async function callApi(session: Session, url: string): Promise<Response> {
  const current: TokenSet | null = session.tokens;
  void current;
  return fetch(url, { headers: { Authorization: `Bearer ${await session.accessToken()}` } });
}
