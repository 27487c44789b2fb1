// authflow for front ends that only start the sign-in and read the redirect:
// OAuthClient's createAuthorizationUrl and handleRedirect, whose
// ValidatedCallback goes to the app's back end. No code exchange, refresh
// or Session. wasm-bindgen's own exports (its loader) are not part of it.
export { OAuthClient, ValidatedCallback, AuthflowError } from "./authflow_authorize.js";
export type {
  ProfileName, Endpoints, ClientOptions, AuthorizationUrlOptions, AuthorizationStart,
  HandleRedirectOptions, ErrorKind, Action,
} from "./authflow_authorize.js";
