// authflow for browsers, with DPoP (RFC 9449): the browser API, the option
// `dpop`, `OAuthClient.fetchResource`, `createDpopKey` and `dpopKey`.
// wasm-bindgen's own exports (its loader) are not part of it.
export { OAuthClient, ValidatedCallback, AuthflowError, Session, createDpopKey, dpopKey } from "./authflow_dpop.js";
export type {
  ProfileName, Endpoints, ClientOptions, AuthorizationUrlOptions, AuthorizationStart,
  HandleRedirectOptions, TokenSet, ErrorKind, Action, SessionInit, DpopKey, ResourceRequest,
} from "./authflow_dpop.js";
