//! Property test of the session against a model provider that rotates
//! refresh tokens: whatever the order of polls, answers, failures and late
//! answers, at most one renewal is outstanding and no refresh token that the
//! session saw replaced or refused is ever sent again.
//!
//! An answer lost after the provider rotated (a cut connection, a truncated
//! body) is different: nothing tells the client its token died, so it
//! retries with it, which can only earn `invalid_grant`; that retry is the
//! only way to recover when the provider did *not* act on the request.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use authflow_core::{
    Client, ClientSecret, Error, ErrorKind, HttpRequest, HttpResponse, Profile, Session,
    SessionAction, TokenSet,
};
use proptest::prelude::*;
use std::collections::HashSet;

#[derive(Debug, Clone)]
enum Event {
    /// Some caller asks for a token, after `advance` seconds.
    Poll { advance: u64 },
    /// The provider answers the outstanding request.
    Answer(Answer),
}

#[derive(Debug, Clone, Copy)]
enum Answer {
    Rotate,
    Transport,
    Unavailable,
    Truncated,
    Refuse,
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    let event = prop_oneof![
        4 => (0u64..400_000).prop_map(|advance| Event::Poll { advance }),
        1 => Just(Event::Answer(Answer::Rotate)),
        1 => Just(Event::Answer(Answer::Transport)),
        1 => Just(Event::Answer(Answer::Unavailable)),
        1 => Just(Event::Answer(Answer::Truncated)),
        1 => Just(Event::Answer(Answer::Refuse)),
    ];
    prop::collection::vec(event, 1..200)
}

fn form_value(request: &HttpRequest, name: &str) -> Option<String> {
    form_urlencoded::parse(&request.body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn single_flight_and_no_refresh_token_replayed(events in events()) {
        let client = Client::new(Profile::makini_link(), "link-client")
            .with_client_secret(ClientSecret::new("link-secret"));
        let start = 1_700_000_000u64;
        let body = format!(
            r#"{{"access_token":"at-0","refresh_token":"rt-0","token_type":"bearer","expires_in":{}}}"#,
            start + 30 * 86_400
        );
        let first = client
            .parse_token_response(authflow_core::GrantType::AuthorizationCode, start, &HttpResponse::new(200, vec![], body.into_bytes()))
            .unwrap();
        let mut session = Session::new(client, Some(first));
        let mut now = start;
        let mut outstanding: Option<(authflow_core::RequestId, String)> = None;
        let mut dead: HashSet<String> = HashSet::new();
        let mut issued = 0u32;

        for event in events {
            match event {
                Event::Poll { advance } => {
                    now += advance;
                    if let SessionAction::Send(out) = session.poll_action(now) {
                        prop_assert!(outstanding.is_none(), "a second renewal while one is outstanding");
                        let sent = form_value(&out.request, "refresh_token").unwrap();
                        prop_assert!(!dead.contains(&sent), "refresh token {sent} sent again");
                        outstanding = Some((out.id, sent));
                    }
                }
                Event::Answer(answer) => {
                    let Some((id, sent)) = outstanding.take() else { continue };
                    let response = match answer {
                        Answer::Rotate => {
                            issued += 1;
                            dead.insert(sent);
                            let body = format!(
                                r#"{{"access_token":"at-{issued}","refresh_token":"rt-{issued}","token_type":"bearer","expires_in":{}}}"#,
                                now + 30 * 86_400
                            );
                            HttpResponse::new(200, vec![], body.into_bytes())
                        }
                        Answer::Transport => {
                            let _ = session.handle_transport_error(id, now, &Error::new(ErrorKind::Transport, "reset"));
                            continue;
                        }
                        Answer::Unavailable => HttpResponse::new(503, vec![("Retry-After".into(), "5".into())], Vec::new()),
                        Answer::Truncated => {
                            HttpResponse::new(200, vec![], br#"{"access_token":"at-x","refr"#.to_vec())
                        }
                        Answer::Refuse => {
                            dead.insert(sent);
                            HttpResponse::new(400, vec![], br#"{"error":"invalid_grant"}"#.to_vec())
                        }
                    };
                    let _ = session.handle_response(id, now, &response);
                    // A second, late copy of the same answer must be dropped.
                    let late = session.handle_response(id, now, &response);
                    prop_assert!(matches!(late, Ok(authflow_core::SessionUpdate::Discarded)));
                    if let Some(tokens) = session.poll_persist() {
                        let stored = TokenSet::from_json(&tokens.to_json()).unwrap();
                        if let Some(rt) = stored.refresh_token() {
                            prop_assert!(!dead.contains(rt.secret()), "a dead refresh token was stored");
                        }
                    }
                }
            }
        }
    }
}
