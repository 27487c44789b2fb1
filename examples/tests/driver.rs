//! The drivers (`drive`, `SharedSession`) follow the session's contract
//! against the local providers: a refresh the provider refuses, on a
//! profile that can get tokens without the user, is followed within the
//! same call by a re-authentication, and the caller gets a token.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use authflow_examples::driver::drive;
use authflow_examples::{local, SharedSession, Transport};
use authflow_test_providers::credentials::{ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};
use authflow_test_providers::Providers;
use authflowkit_core::{Action, ErrorKind, Session, TokenSet};
use std::sync::{Arc, Mutex};

/// A Makini Admin token set whose refresh token the provider does not
/// know (expired on its side) and whose access token expired.
fn dead_admin_tokens(now: u64) -> TokenSet {
    TokenSet::from_json(&format!(
        r#"{{"v":1,"access_token":"at-admin-expired-1","token_type":"Bearer","refresh_token":"rt-admin-expired-1","issued_at":{},"expires_at":{},"refresh_expires_at":{}}}"#,
        now - 30 * 86_400,
        now - 60,
        now + 86_400
    ))
    .unwrap()
}

fn now(providers: &Providers) -> u64 {
    u64::try_from(providers.now()).unwrap()
}

#[test]
fn drive_reauthenticates_after_a_refused_refresh_in_the_same_call() {
    let providers = Providers::start().unwrap();
    let transport = Transport::default();
    let client = local::admin_client(providers.urls(), ADMIN_CLIENT_SECRET).unwrap();
    let t = now(&providers);
    let mut session = Session::new(client, Some(dead_admin_tokens(t)));
    let token = drive(&mut session, &transport, t, &mut ()).unwrap();
    assert_ne!(token.secret(), "at-admin-expired-1");
    let stats = providers.stats().client(ADMIN_CLIENT_ID);
    assert_eq!(stats.token_requests_for("refresh_token"), 1);
    assert_eq!(stats.token_requests_for("client_credentials"), 1);
    let tokens = session.token_set().unwrap();
    assert_eq!(tokens.access_token(), &token);
    assert!(tokens.refresh_token().is_some());
    providers.stop();
}

#[test]
fn drive_stops_after_one_refused_reauthentication() {
    let providers = Providers::start().unwrap();
    let transport = Transport::default();
    let client = local::admin_client(providers.urls(), "not-the-admin-secret").unwrap();
    let t = now(&providers);
    let mut session = Session::new(client, Some(dead_admin_tokens(t)));
    let error = drive(&mut session, &transport, t, &mut ()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidClient);
    assert_eq!(error.action(), Action::FixConfiguration);
    // Asked again, it does not send anything more.
    let again = drive(&mut session, &transport, t + 5, &mut ()).unwrap_err();
    assert_eq!(again.action(), Action::FixConfiguration);
    let stats = providers.stats().provider("makini_admin");
    assert_eq!(stats.token_requests_for("refresh_token"), 1);
    assert_eq!(stats.token_requests_for("client_credentials"), 1);
    providers.stop();
}

#[test]
fn shared_session_reauthenticates_after_a_refused_refresh_in_the_same_call() {
    let providers = Providers::start().unwrap();
    let client = local::admin_client(providers.urls(), ADMIN_CLIENT_SECRET).unwrap();
    let t = now(&providers);
    let persisted: Arc<Mutex<Vec<TokenSet>>> = Arc::default();
    let seen = persisted.clone();
    let shared = SharedSession::new(
        Session::new(client, Some(dead_admin_tokens(t))),
        Transport::default(),
        move |tokens| seen.lock().unwrap().push(tokens.clone()),
    );
    let token = shared.access_token(|| t).unwrap();
    let persisted = persisted.lock().unwrap();
    // First the dead refresh token dropped, then the new pair.
    assert_eq!(persisted.len(), 2, "{persisted:?}");
    assert!(persisted[0].refresh_token().is_none());
    assert_eq!(persisted[1].access_token(), &token);
    assert!(persisted[1].refresh_token().is_some());
    let stats = providers.stats().client(ADMIN_CLIENT_ID);
    assert_eq!(stats.token_requests_for("client_credentials"), 1);
    providers.stop();
}
