#![allow(clippy::unwrap_used, missing_docs)]
use authflowkit_core::{Client, ClientSecret, GrantType, HttpResponse, Profile};
use std::hint::black_box;
use std::time::Instant;
const ERROR_BODY: &[u8] = br#"{"error":"invalid_grant","error_description":"The refresh token has expired","error_uri":"https://as.example/errors/invalid_grant"}"#;
fn main() {
    let client = Client::new(Profile::generic(Some("https://as.example/authorize"), "https://as.example/token").unwrap(), "bench-client")
        .with_client_secret(ClientSecret::new("bench-secret"));
    let response = HttpResponse::new(400, vec![("Content-Type".into(), "application/json".into())], ERROR_BODY.to_vec());
    let n: u32 = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(200_000);
    let mut best = f64::MAX;
    for _ in 0..15 {
        let t = Instant::now();
        for _ in 0..n {
            black_box(client.parse_token_response(GrantType::RefreshToken, 1_700_000_000, black_box(&response)).unwrap_err());
        }
        best = best.min(t.elapsed().as_nanos() as f64 / n as f64);
    }
    println!("error row: {best:.0} ns (min of 15)");
}
