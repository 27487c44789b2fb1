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

use authflowkit_core::{
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
            .parse_token_response(authflowkit_core::GrantType::AuthorizationCode, start, &HttpResponse::new(200, vec![], body.into_bytes()))
            .unwrap();
        let mut session = Session::new(client, Some(first));
        let mut now = start;
        let mut outstanding: Option<(authflowkit_core::RequestId, String)> = None;
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
                    prop_assert!(matches!(late, Ok(authflowkit_core::SessionUpdate::Discarded)));
                    if let Some(tokens) = session.poll_persist(now) {
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

/// What a model provider answers to one renewal request.
#[derive(Debug, Clone, Copy)]
enum Reply {
    /// New tokens.
    Tokens,
    /// New tokens whose access token has already expired.
    DeadOnArrival,
    /// 401 with `invalid_client` (Makini Admin's expired refresh token).
    InvalidClient401,
    /// 400 with `invalid_grant`.
    InvalidGrant,
    /// 400 with `access_denied`.
    AccessDenied,
    /// 503 with `Retry-After: 0`.
    RetryNow,
    /// 429 with a `Retry-After` of a century.
    RetryNextCentury,
    /// No answer.
    Transport,
}

fn replies() -> impl Strategy<Value = Vec<Reply>> {
    let reply = prop_oneof![
        Just(Reply::Tokens),
        Just(Reply::DeadOnArrival),
        Just(Reply::InvalidClient401),
        Just(Reply::InvalidGrant),
        Just(Reply::AccessDenied),
        Just(Reply::RetryNow),
        Just(Reply::RetryNextCentury),
        Just(Reply::Transport),
    ];
    prop::collection::vec(reply, 1..4)
}

/// The three ways a session renews: refresh only (Makini Link), refresh
/// then client credentials (Makini Admin), password grant only (MakeShift).
fn renewing_client(which: u8) -> Client {
    match which {
        0 => Client::new(Profile::makini_link(), "link-client"),
        1 => Client::new(
            Profile::makini_admin("https://admin.example/oauth/token").unwrap(),
            "admin-client",
        ),
        _ => Client::new(Profile::makeshift(), "makeshift-key"),
    }
    .with_client_secret(ClientSecret::new("a-client-secret"))
}

fn reply_response(client: &Client, reply: Reply, now: u64, n: u32) -> Option<HttpResponse> {
    let json =
        |status: u16, body: String| Some(HttpResponse::new(status, vec![], body.into_bytes()));
    // Makini reads `expires_in` as a time, MakeShift as seconds.
    let absolute = client.profile().expiry() == authflowkit_core::ExpiryRule::AbsoluteTimestamp;
    let expiry = |lifetime: u64| if absolute { now + lifetime } else { lifetime };
    match reply {
        Reply::Tokens => json(
            200,
            format!(
                r#"{{"access_token":"at-{n}","refresh_token":"rt-{n}","token_type":"bearer","expires_in":{}}}"#,
                expiry(14_400)
            ),
        ),
        Reply::DeadOnArrival => json(
            200,
            format!(
                r#"{{"access_token":"at-{n}","refresh_token":"rt-{n}","token_type":"bearer","expires_in":{}}}"#,
                expiry(0)
            ),
        ),
        Reply::InvalidClient401 => json(401, r#"{"error":"invalid_client"}"#.into()),
        Reply::InvalidGrant => json(400, r#"{"error":"invalid_grant"}"#.into()),
        Reply::AccessDenied => json(400, r#"{"error":"access_denied"}"#.into()),
        Reply::RetryNow => Some(HttpResponse::new(
            503,
            vec![("Retry-After".into(), "0".into())],
            Vec::new(),
        )),
        Reply::RetryNextCentury => Some(HttpResponse::new(
            429,
            vec![("Retry-After".into(), "3153600000".into())],
            Vec::new(),
        )),
        Reply::Transport => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A driver that follows the session's contract (after a failed
    /// renewal, poll again and go on only if the session wants to renew)
    /// sends at most two requests in one call, a refresh and one
    /// re-authentication, whatever the provider answers; and it never waits
    /// more than an hour or less than a second for a retry.
    #[test]
    fn one_call_sends_at_most_a_refresh_and_one_reauthentication(
        which in 0u8..3,
        calls in prop::collection::vec((0u64..200_000, replies()), 1..30),
    ) {
        let client = renewing_client(which);
        let start = 1_700_000_000u64;
        let first = client
            .parse_token_response(
                authflowkit_core::GrantType::AuthorizationCode,
                start,
                &reply_response(&client, Reply::Tokens, start, 0).unwrap(),
            )
            .unwrap();
        let tokens = (which != 2).then_some(first);
        let mut session = Session::new(client.clone(), tokens);
        let mut now = start;
        let mut issued = 0u32;
        for (advance, replies) in calls {
            now += advance;
            let mut replies = replies.into_iter().cycle();
            let mut sends = 0;
            while let SessionAction::Send(out) = session.poll_action(now) {
                sends += 1;
                prop_assert!(sends <= 2, "request {sends} in one call at {now}");
                issued += 1;
                let reply = replies.next().unwrap();
                let handled = match reply_response(&client, reply, now, issued) {
                    Some(response) => session.handle_response(out.id, now, &response),
                    None => session.handle_transport_error(out.id, now, &Error::new(ErrorKind::Transport, "reset")),
                };
                let _ = session.poll_persist(now);
                match handled {
                    Ok(_) => {}
                    Err(error) => {
                        if let Some(wait) = error.retry_after() {
                            prop_assert!((1..=3600).contains(&wait), "retry after {wait} s");
                        }
                        if !session.wants_renewal(now) {
                            break;
                        }
                    }
                }
            }
        }
    }
}
