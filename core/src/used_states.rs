//! The pending authorizations already used, for a caller that resumes
//! pending strings it does not delete itself (a binding's one-call
//! exchange): a replayed redirect, or the same stored string handed in
//! twice, finds its state used and is refused (RFC 6749 §4.1.2: a code is
//! used once; RFC 9700 §4.2.4: the state is invalidated after its first
//! use).
//!
//! The core holds no globals: the caller keeps one `UsedStates` for as
//! long as it resumes pending authorizations (a process, a server).

use crate::callback::ValidatedCallback;
use crate::error::{Error, ErrorKind, Result};
use crate::pending::PendingAuthorization;
use std::collections::BTreeMap;

/// States of pending authorizations already validated, each kept until its
/// pending authorization expires (after that, validation refuses it as
/// expired anyway, so the set stays as small as the logins in flight).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsedStates {
    /// State → when its pending authorization expires (Unix seconds).
    expiry: BTreeMap<String, u64>,
}

impl UsedStates {
    /// An empty set (`const`: it can sit in a `static`).
    pub const fn new() -> UsedStates {
        UsedStates {
            expiry: BTreeMap::new(),
        }
    }

    /// Uses `pending` once: marks its state used at `now`, whatever the
    /// validation then says (a redirect that fails its checks has spent the
    /// pending authorization too, as a deleted stored string would be), and
    /// validates `redirect` against it. A pending authorization whose state
    /// was used before is refused with [`ErrorKind::PendingAlreadyUsed`]
    /// before its redirect is looked at.
    pub fn validate(
        &mut self,
        pending: &PendingAuthorization,
        redirect: &str,
        now: u64,
    ) -> Result<ValidatedCallback> {
        self.expiry.retain(|_, expires_at| *expires_at >= now);
        if self.expiry.contains_key(pending.state()) {
            return Err(Error::new(
                ErrorKind::PendingAlreadyUsed,
                "this pending authorization was already used (a replayed redirect?); \
                 delete the stored string on use and start a new authorization",
            ));
        }
        self.expiry
            .insert(pending.state().to_owned(), pending.expires_at());
        pending.validate(redirect, now)
    }

    /// How many used states are remembered.
    pub fn len(&self) -> usize {
        self.expiry.len()
    }

    /// Whether none is remembered.
    pub fn is_empty(&self) -> bool {
        self.expiry.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Client;
    use crate::profile::Profile;

    const NOW: u64 = 1_700_000_000;

    fn pending(seed: u8, max_age: u64) -> PendingAuthorization {
        let options = crate::AuthorizationOptions {
            max_age: Some(max_age),
            ..crate::AuthorizationOptions::default()
        };
        Client::new(Profile::makini_link(), "client")
            .with_redirect_uri("https://app.example/cb")
            .unwrap()
            .authorization_request_with(NOW, &[seed; 48], &options)
            .unwrap()
            .pending
    }

    fn redirect(pending: &PendingAuthorization) -> String {
        format!(
            "https://app.example/cb?code=c0de-123456&state={}",
            pending.state()
        )
    }

    #[test]
    fn a_pending_authorization_validates_once() {
        let mut used = UsedStates::new();
        let first = pending(1, 600);
        assert!(used.validate(&first, &redirect(&first), NOW + 5).is_ok());
        let error = used
            .validate(&first, &redirect(&first), NOW + 6)
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::PendingAlreadyUsed);
        assert!(!format!("{error} {error:?}").contains("c0de-123456"));
        // Another authorization is not affected.
        let second = pending(2, 600);
        assert!(used.validate(&second, &redirect(&second), NOW + 7).is_ok());
    }

    #[test]
    fn a_failed_validation_spends_it_too() {
        let mut used = UsedStates::new();
        let pending = pending(3, 600);
        let forged = "https://app.example/cb?code=c0de-123456&state=forged";
        assert_eq!(
            used.validate(&pending, forged, NOW + 5).unwrap_err().kind(),
            ErrorKind::StateMismatch
        );
        assert_eq!(
            used.validate(&pending, &redirect(&pending), NOW + 6)
                .unwrap_err()
                .kind(),
            ErrorKind::PendingAlreadyUsed
        );
    }

    #[test]
    fn states_are_forgotten_once_their_authorization_expired() {
        let mut used = UsedStates::new();
        let short = pending(4, 60);
        let long = pending(5, 600);
        used.validate(&short, &redirect(&short), NOW + 1).unwrap();
        used.validate(&long, &redirect(&long), NOW + 1).unwrap();
        assert_eq!(used.len(), 2);
        // After the short one's expiry a replay is refused as expired, and
        // its state is no longer kept.
        let error = used
            .validate(&short, &redirect(&short), NOW + 61)
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::PendingExpired);
        assert_eq!(
            used.validate(&long, &redirect(&long), NOW + 62)
                .unwrap_err()
                .kind(),
            ErrorKind::PendingAlreadyUsed
        );
        assert_eq!(used.len(), 1);
    }
}
