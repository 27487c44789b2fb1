//! Device authorization responses (RFC 8628 §3.2) under every profile, and
//! the same bytes as the answer to a device poll's token request.
#![no_main]

use authflowkit_core::{
    Client, DeviceAuthorization, DeviceCode, DevicePoll, DevicePollAction, Error, ErrorKind,
    HttpResponse,
};
use libfuzzer_sys::fuzz_target;

#[path = "input.rs"]
mod input;

/// Polls twice (the response as the answer, then a transport failure that
/// quotes the device code) and returns what a caller could print.
fn printed(client: &Client, authorization: &DeviceAuthorization, answer: &HttpResponse) -> String {
    let mut poll = DevicePoll::new(client.clone(), authorization);
    let first = authorization.received_at.saturating_add(authorization.interval);
    let mut shown = String::new();
    if let DevicePollAction::Send(out) = poll.poll_action(first.saturating_sub(1)) {
        panic!("sent before the interval: {out:?}");
    }
    for (step, at) in [first, first.saturating_add(300)].into_iter().enumerate() {
        match poll.poll_action(at) {
            DevicePollAction::Send(out) => {
                assert!(at < authorization.expires_at, "sent at or after expiry");
                let outcome = if step == 0 {
                    poll.handle_response(out.id, at, answer)
                } else {
                    let reason = authorization.device_code.secret().to_owned();
                    poll.handle_transport_error(out.id, at, &Error::new(ErrorKind::Transport, reason))
                };
                shown += &format!("{outcome:?}");
                if let Err(error) = outcome {
                    shown += &error.to_string();
                }
            }
            DevicePollAction::Wait { until: Some(until) } => assert!(until > at),
            DevicePollAction::Stop(error) => shown += &error.to_string(),
            _ => {}
        }
    }
    shown
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = input::response(data) else {
        return;
    };
    let client = input::client(input.selector);
    let now = input::now(input.selector);
    let Ok(authorization) = client.parse_device_authorization_response(now, &input.response)
    else {
        return;
    };
    // What the one-pass reader accepts, the generic reader accepts, and
    // the members kept in `extra` are that object's, unchanged.
    let object = authflowkit_core::json::parse_object(&input.response.body)
        .expect("the generic reader accepts what the device parser accepts");
    for (name, value) in &authorization.extra {
        assert_eq!(object.get(name), Some(value), "extra member {name} changed");
    }
    assert!(authorization.interval >= 1, "an interval of 0 would poll in a tight loop");
    assert!(authorization.expires_at >= authorization.received_at);

    // Nothing printed depends on the device code: the same flow with
    // another code prints the same, unless the code is too short to be
    // looked for or is a piece of the core's own words (then the other
    // flow shows it too, and redacting it there is no leak).
    let mut other = authorization.clone();
    other.device_code = DeviceCode::new("fuzz-another-device-code");
    assert_eq!(format!("{authorization:?}"), format!("{other:?}"));
    let code = authorization.device_code.secret();
    let (shown, shown_other) = (
        printed(&client, &authorization, &input.response),
        printed(&client, &other, &input.response),
    );
    if code.len() >= 4 && !shown_other.contains(code) {
        assert_eq!(shown, shown_other, "what is printed depends on the device code");
    }
});
