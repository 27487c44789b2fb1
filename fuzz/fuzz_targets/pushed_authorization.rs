//! Pushed authorization responses (RFC 9126 §2.2, §2.3): whatever the
//! PAR endpoint answers, an accepted answer gives an authorization URL
//! with `client_id` and `request_uri` alone, and a pending authorization
//! that expires no later than before; no error quotes the client secret.
#![no_main]

use authflowkit_core::{Client, ClientAuthMethod, ClientSecret, EndpointRole, Profile};
use libfuzzer_sys::fuzz_target;

#[path = "input.rs"]
mod input;

const SECRET: &str = "fuzz-client-secret-0123";
const AUTHORIZE: &str = "https://as.example/authorize";

fn client(selector: u8) -> Client {
    let method = if selector & 1 == 0 {
        ClientAuthMethod::ClientSecretBasic
    } else {
        ClientAuthMethod::ClientSecretPost
    };
    let profile = Profile::generic(Some(AUTHORIZE), "https://as.example/token")
        .and_then(|p| p.with_endpoint(EndpointRole::PushedAuthorization, "https://as.example/par"))
        .and_then(|p| p.with_pushed_authorization(true))
        .expect("a valid profile")
        .with_client_auth(method);
    Client::new(profile, "fuzz-client")
        .with_client_secret(ClientSecret::new(SECRET))
        .with_redirect_uri("https://app.example/cb")
        .expect("a valid redirect URI")
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = input::response(data) else {
        return;
    };
    let client = client(input.selector);
    let now = input::now(input.selector);
    let push = client
        .pushed_authorization_request(now, &[7; 64])
        .expect("the push is built");
    let before = push.pending.expires_at();
    match client.parse_pushed_authorization_response(now, push.pending, &input.response) {
        Ok(start) => {
            let query = start
                .url
                .strip_prefix(AUTHORIZE)
                .and_then(|rest| rest.strip_prefix('?'))
                .expect("the URL is the authorization endpoint's");
            let names: Vec<&str> = query
                .split('&')
                .map(|pair| pair.split('=').next().unwrap_or_default())
                .collect();
            assert_eq!(names, ["client_id", "request_uri"], "{}", start.url);
            assert!(start.pending.expires_at() <= before);
            // Alive for at least a second, unless time itself runs out.
            assert!(
                start.pending.expires_at() > now || start.pending.expires_at() == u64::MAX,
                "a dead pending authorization"
            );
        }
        Err(error) => {
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains(SECRET), "the client secret is shown: {shown}");
        }
    }
});
