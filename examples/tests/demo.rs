//! The README's first command (`authflow-demo`) must pass against the local
//! providers and print no secret.

use std::process::Command;

/// Client secrets the demo uses with the local providers.
const SECRETS: [&str; 5] = [
    "link-secret",
    "link-bare-secret",
    "admin-secret",
    "makeshift-secret",
    "standard-secret",
];

/// The local providers' tokens and codes are random runs of 32+ URL-safe
/// characters (base64url or hex); nothing else in the output is that long.
fn longest_token_like_run(text: &str) -> usize {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map(str::len)
        .max()
        .unwrap_or(0)
}

#[test]
fn demo_passes_and_prints_no_secret() {
    let output = Command::new(env!("CARGO_BIN_EXE_authflow-demo"))
        .output()
        .expect("the demo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the demo failed:\n{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    assert!(!stdout.contains('✗'), "{stdout}");
    for secret in SECRETS {
        assert!(
            !stdout.contains(secret),
            "the demo printed the secret {secret:?}"
        );
    }
    // The authorize URL is printed whole: its state and PKCE challenge are
    // public (the verifier never leaves the pending authorization). The
    // scan leaves those two values out, and only those.
    let scanned = stdout
        .lines()
        .map(
            |line| match line.split_once("authorize URL sent to the browser: ") {
                Some((_, url)) => url
                    .split(['?', '&'])
                    .filter(|pair| {
                        !pair.starts_with("state=") && !pair.starts_with("code_challenge=")
                    })
                    .collect::<Vec<_>>()
                    .join("&"),
                None => line.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        scanned.len() < stdout.len(),
        "no authorize URL printed:\n{stdout}"
    );
    let longest = longest_token_like_run(&scanned);
    assert!(
        longest < 32,
        "the demo printed a token-like value ({longest} chars):\n{stdout}"
    );
}

#[test]
fn the_token_check_would_catch_a_token() {
    assert!(longest_token_like_run("access 7Q2vXh1c8yT0mF3kL9pR4sW6zB5nD1aE2gH7jK0qU8o ok") >= 32);
    assert!(
        longest_token_like_run("→ POST http://127.0.0.1:38117/makeshift/oauth/token/info") < 32
    );
}
