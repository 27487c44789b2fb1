//! The README's first command must pass and must print no secret.

use std::process::Command;

#[test]
fn walkthrough_passes_and_prints_no_secret() {
    let output = Command::new(env!("CARGO_BIN_EXE_walkthrough"))
        .output()
        .expect("the walkthrough runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "walkthrough failed:\n{stdout}");
    assert!(stdout.contains("6 passed, 0 failed"), "{stdout}");
    // Every secret the walk hands to the core or receives from its providers.
    for secret in [
        "demo-client-secret",
        "admin-secret",
        "makeshift-secret",
        "generic-secret",
        "code-123",
        "at-1",
        "rt-1",
        "rt-2",
        "adm-r1",
        "g-rt",
        "c1230734cc726edc6ae0f8fd00b279dc67f34937d7b8fa8fe5b13a232c11a04b",
    ] {
        assert!(
            !stdout.contains(secret),
            "the walkthrough printed the secret {secret:?}"
        );
    }
}
