// The OpenID part of a token set object (the `openid` feature of the
// module, in authflowkit/browser-openid and authflowkit/node): the ID token
// where it always was, `extra.id_token`, and its claims once the module
// checked them. A file of its own, so that a build without the feature
// ships none of it.

/**
 * Puts `idToken` in `set.extra.id_token` and, with `claims` (the module
 * checked them: OpenID Connect Core 1.0 §3.1.3.7), its payload (base64url
 * JSON) in `set.idTokenClaims`, else `null`; returns `set`.
 */
export const withIdToken = (set, idToken, claims) => {
  set.extra.id_token = idToken;
  set.idTokenClaims = null;
  if (claims) {
    const payload = atob(idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"));
    set.idTokenClaims = JSON.parse(new TextDecoder().decode(Uint8Array.from(payload, (c) => c.charCodeAt(0))));
  }
  return set;
};
