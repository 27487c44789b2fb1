// authflow for browsers: the API. wasm-bindgen's own exports (its loader)
// are not part of it.
export { OAuthClient, ValidatedCallback, AuthflowError, Session } from "./authflow_wasm.js";
export type {
  ProfileName, Endpoints, ClientOptions, AuthorizationUrlOptions, AuthorizationStart,
  HandleRedirectOptions, TokenSet, ErrorKind, Action, SessionInit,
} from "./authflow_wasm.js";
