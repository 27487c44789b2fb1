//! Property test of the device poll (RFC 8628 §3.5) against a model
//! provider: whatever the order of polls, answers, failures and late
//! answers, one request at a time, none sooner than the interval after the
//! last answer (the interval grown by 5 s per `slow_down`), none at or
//! after the device code's expiry, and once stopped or done, the poll
//! stays so.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use authflowkit_core::{
    Client, DevicePoll, DevicePollAction, DevicePollUpdate, EndpointRole, Error, ErrorKind,
    HttpResponse, Profile, RequestId,
};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy)]
enum Event {
    /// The device asks what to do, after `advance` seconds.
    Poll { advance: u64 },
    /// The outstanding request is answered, `advance` seconds later.
    Answer { answer: Answer, advance: u64 },
    /// A stale id is answered.
    Stale,
}

#[derive(Debug, Clone, Copy)]
enum Answer {
    Pending,
    SlowDown,
    Denied,
    Expired,
    Tokens,
    Unavailable,
    RateLimited,
    Transport,
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    let answer = prop_oneof![
        6 => Just(Answer::Pending),
        2 => Just(Answer::SlowDown),
        1 => Just(Answer::Denied),
        1 => Just(Answer::Expired),
        1 => Just(Answer::Tokens),
        2 => Just(Answer::Unavailable),
        2 => Just(Answer::RateLimited),
        2 => Just(Answer::Transport),
    ];
    let event = prop_oneof![
        4 => (0u64..40).prop_map(|advance| Event::Poll { advance }),
        4 => (answer, 0u64..5).prop_map(|(answer, advance)| Event::Answer { answer, advance }),
        1 => Just(Event::Stale),
    ];
    prop::collection::vec(event, 1..150)
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
    let headers = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    HttpResponse::new(status, headers, body.as_bytes().to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn one_request_at_a_time_never_early_never_after_expiry(
        events in events(),
        interval in 1u64..12,
        expires_in in 1u64..900,
    ) {
        let profile = Profile::generic(None, "https://as.example/token")
            .unwrap()
            .with_endpoint(EndpointRole::DeviceAuthorization, "https://as.example/device")
            .unwrap();
        let client = Client::new(profile, "device-client");
        let start = 1_700_000_000u64;
        let body = format!(
            r#"{{"device_code":"dc-secret-code","user_code":"ABCD-EFGH","verification_uri":"https://as.example/d","expires_in":{expires_in},"interval":{interval}}}"#
        );
        let authorization = client
            .parse_device_authorization_response(start, &response(200, &[], &body))
            .unwrap();
        let expires_at = start + expires_in;
        let mut poll = DevicePoll::new(client, &authorization);
        let mut now = start;
        let mut outstanding: Option<RequestId> = None;
        let mut last_answer = start; // the authorization's answer counts
        let mut interval = interval;
        let mut earliest = start + interval; // no request before this
        let mut finished = false;

        for event in events {
            match event {
                Event::Poll { advance } => {
                    now += advance;
                    match poll.poll_action(now) {
                        DevicePollAction::Send(out) => {
                            prop_assert!(!finished, "sent after the end");
                            prop_assert!(outstanding.is_none(), "two requests at once");
                            prop_assert!(now < expires_at, "sent at {now}, expiry {expires_at}");
                            prop_assert!(now >= last_answer + interval, "sooner than the interval");
                            prop_assert!(now >= earliest, "sooner than the back-off");
                            outstanding = Some(out.id);
                        }
                        DevicePollAction::Wait { until: None } => prop_assert!(outstanding.is_some()),
                        DevicePollAction::Wait { until: Some(until) } => {
                            prop_assert!(outstanding.is_none() && !finished);
                            prop_assert!(until > now && until <= expires_at);
                        }
                        DevicePollAction::Done(_) => prop_assert!(finished),
                        DevicePollAction::Stop(error) => {
                            let shown = format!("{error}{error:?}");
                            prop_assert!(!shown.contains("dc-secret-code"), "{}", shown);
                            prop_assert!(outstanding.is_none());
                            finished = true;
                        }
                    }
                }
                Event::Stale => {
                    let stale = RequestId(u64::MAX);
                    let update = poll.handle_response(stale, now, &response(400, &[], r#"{"error":"slow_down"}"#));
                    prop_assert_eq!(update, Ok(DevicePollUpdate::Discarded));
                }
                Event::Answer { answer, advance } => {
                    let Some(id) = outstanding.take() else { continue };
                    now += advance;
                    let outcome = match answer {
                        Answer::Transport => poll.handle_transport_error(
                            id, now, &Error::new(ErrorKind::Transport, "reset: dc-secret-code")),
                        answer => {
                            let (status, headers, body): (u16, &[(&str, &str)], &str) = match answer {
                                Answer::Pending => (400, &[], r#"{"error":"authorization_pending"}"#),
                                Answer::SlowDown => (400, &[], r#"{"error":"slow_down"}"#),
                                Answer::Denied => (400, &[], r#"{"error":"access_denied"}"#),
                                Answer::Expired => (400, &[], r#"{"error":"expired_token"}"#),
                                Answer::Tokens => (200, &[], r#"{"access_token":"at-1","token_type":"Bearer"}"#),
                                Answer::Unavailable => (503, &[], ""),
                                _ => (429, &[("Retry-After", "7")], ""),
                            };
                            poll.handle_response(id, now, &response(status, headers, body))
                        }
                    };
                    last_answer = now;
                    match (answer, outcome) {
                        (Answer::Pending, Ok(DevicePollUpdate::Pending)) => earliest = now + interval,
                        (Answer::SlowDown, Ok(DevicePollUpdate::SlowDown)) => {
                            interval += 5;
                            prop_assert_eq!(poll.interval(), interval);
                            earliest = now + interval;
                        }
                        (Answer::Tokens, Ok(DevicePollUpdate::Authorized)) => finished = true,
                        (Answer::Denied | Answer::Expired, Err(error)) => {
                            prop_assert!(error.action() != authflowkit_core::Action::Retry);
                            finished = true;
                        }
                        (Answer::Unavailable | Answer::RateLimited | Answer::Transport, Err(error)) => {
                            let shown = format!("{error}{error:?}");
                            prop_assert!(!shown.contains("dc-secret-code"), "{}", shown);
                            let delay = error.retry_after().unwrap();
                            prop_assert!(delay >= interval && delay <= 300.max(interval));
                            if matches!(answer, Answer::RateLimited) {
                                prop_assert!(delay >= 7);
                            }
                            earliest = now + delay;
                        }
                        (answer, outcome) => prop_assert!(false, "{answer:?} gave {outcome:?}"),
                    }
                }
            }
        }
    }
}
