//! Newtypes for values that must never be printed: tokens, codes, PKCE
//! verifiers and (with the `confidential` feature) client secrets.
//!
//! Every type here prints `[redacted]` from `Debug` and `Display`, is wiped
//! from memory when dropped, and gives its value only through `secret()`,
//! so that every read of a secret is visible in review. None of them
//! implements `Serialize`: the serialised forms that must carry secrets
//! (token sets, pending authorizations) write them explicitly.

use zeroize::{Zeroize, ZeroizeOnDrop};

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value itself. Named so that every read shows in review.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("[redacted]")
            }
        }
    };
}

/// An OAuth access token (RFC 6749 §1.4), and how it is presented: as a
/// bearer token (RFC 6750), or, bound to the client's DPoP key, with a
/// proof of possession (RFC 9449 §7). The binding travels with the token
/// so that a DPoP-bound token is never sent as a bearer token, whatever
/// path it takes from the token response to a request.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct AccessToken {
    value: String,
    #[zeroize(skip)]
    dpop_bound: bool,
}

impl AccessToken {
    /// Wraps a bearer access token.
    pub fn new(value: impl Into<String>) -> Self {
        AccessToken {
            value: value.into(),
            dpop_bound: false,
        }
    }

    /// Wraps an access token bound to the client's DPoP key (a token
    /// response's `token_type` `DPoP`, RFC 9449 §5): requests present it
    /// as `Authorization: DPoP` with a proof, never as a bearer token.
    #[cfg(feature = "dpop")]
    pub fn dpop_bound(value: impl Into<String>) -> Self {
        AccessToken {
            value: value.into(),
            dpop_bound: true,
        }
    }

    /// Whether the token is bound to a DPoP key (RFC 9449).
    pub fn is_dpop_bound(&self) -> bool {
        self.dpop_bound
    }

    /// The secret value itself. Named so that every read shows in review.
    pub fn secret(&self) -> &str {
        &self.value
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.dpop_bound {
            "AccessToken(DPoP, [redacted])"
        } else {
            "AccessToken([redacted])"
        })
    }
}

impl std::fmt::Display for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}
secret_type!(
    /// An OAuth refresh token (RFC 6749 §1.5).
    RefreshToken
);
secret_type!(
    /// An authorization code received on the redirect (RFC 6749 §4.1.2).
    AuthorizationCode
);
secret_type!(
    /// A PKCE code verifier (RFC 7636 §4.1).
    PkceCodeVerifier
);
#[cfg(feature = "device")]
secret_type!(
    /// An RFC 8628 §3.2 device code: whoever holds it gets the tokens the
    /// user grants to this device.
    DeviceCode
);
#[cfg(feature = "device")]
secret_type!(
    /// An RFC 8628 §3.2 user code: shown to the user, and only to the
    /// user (a bystander who types it first can approve their own session
    /// on this device, RFC 8628 §5.4).
    UserCode
);
#[cfg(feature = "openid-claims")]
secret_type!(
    /// An OpenID Connect ID token (OpenID Connect Core 1.0 §2): a bearer
    /// credential of the user's login, and personal data.
    IdToken
);
#[cfg(feature = "resources")]
secret_type!(
    /// A security token of OAuth 2.0 Token Exchange (RFC 8693 §1.1): the
    /// subject or actor token a client hands in, or the token the server
    /// issues, whatever its type (an access token, refresh token, ID
    /// token, JWT or SAML assertion): a credential in every case.
    SecurityToken
);
#[cfg(feature = "confidential")]
secret_type!(
    /// A confidential client's secret (RFC 6749 §2.3.1), or MakeShift's API secret.
    ClientSecret
);
#[cfg(feature = "confidential")]
secret_type!(
    /// A resource owner's password for the password grant (RFC 6749 §4.3).
    Password
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let token = AccessToken::new("very-secret-access");
        assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
        assert_eq!(format!("{token}"), "[redacted]");
        assert_eq!(token.secret(), "very-secret-access");
        let refresh = RefreshToken::new("very-secret-refresh");
        assert!(!format!("{refresh:?}{refresh}").contains("very-secret"));
        let verifier = PkceCodeVerifier::new("very-secret-verifier");
        assert!(!format!("{verifier:?}{verifier}").contains("very-secret"));
        let code = AuthorizationCode::new("very-secret-code");
        assert!(!format!("{code:?}{code}").contains("very-secret"));
    }

    #[cfg(feature = "device")]
    #[test]
    fn device_and_user_codes_are_redacted() {
        let device = DeviceCode::new("very-secret-device");
        assert_eq!(format!("{device:?}"), "DeviceCode([redacted])");
        assert!(!format!("{device}").contains("very-secret"));
        let user = UserCode::new("very-secret-user");
        assert!(!format!("{user:?}{user}").contains("very-secret"));
    }

    #[cfg(feature = "openid-claims")]
    #[test]
    fn id_token_is_redacted() {
        let token = IdToken::new("eyJhbGciOiJSUzI1NiJ9.very-secret-payload.sig");
        assert_eq!(format!("{token:?}"), "IdToken([redacted])");
        assert!(!format!("{token}").contains("very-secret"));
    }

    #[cfg(feature = "confidential")]
    #[test]
    fn client_secret_is_redacted() {
        let secret = ClientSecret::new("very-secret-client");
        assert_eq!(format!("{secret:?}"), "ClientSecret([redacted])");
        assert!(!format!("{secret}").contains("very-secret"));
    }
}
