// authflow for browsers, with OpenID Connect: the browser API, the option
// `openid` and `TokenSet.idTokenClaims`. wasm-bindgen's own exports (its
// loader) are not part of it.
export { OAuthClient, ValidatedCallback, AuthflowError, Session } from "./authflow_openid.js";
export type {
  ProfileName, Endpoints, ClientOptions, AuthorizationUrlOptions, AuthorizationStart,
  HandleRedirectOptions, TokenSet, ErrorKind, Action, SessionInit, IdTokenClaims,
} from "./authflow_openid.js";
