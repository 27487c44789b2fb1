// authflow for Node.js servers: the browser API with client secrets,
// clientCredentials, Session and DPoP. wasm-bindgen's own exports (its loader)
// are not part of it.
export { OAuthClient, Session, ValidatedCallback, AuthflowError, createDpopKey, dpopKey } from "./authflow_node.js";
export type {
  ProfileName, Endpoints, ConfidentialClientOptions, ConfidentialClientOptions as ClientOptions,
  AuthorizationUrlOptions, AuthorizationStart, HandleRedirectOptions, TokenSet, ErrorKind, Action,
  SessionInit, SessionRequest, IdTokenClaims, DpopKey, ResourceRequest,
} from "./authflow_node.js";
