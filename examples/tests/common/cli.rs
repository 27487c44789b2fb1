//! Running the `authflow` binary as a user would.

use std::process::{Command, Output, Stdio};

/// `authflow` with `args` and `env` (AUTHFLOW_CLIENT_SECRET,
/// AUTHFLOW_PASSWORD: only when given); stdin is empty, never a terminal.
pub fn authflow(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_authflow"));
    command
        .args(args)
        .env_remove("AUTHFLOW_CLIENT_SECRET")
        .env_remove("AUTHFLOW_PASSWORD")
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the authflow binary runs")
}

/// What a run printed, stdout then stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Fails, showing all it printed, unless a run printed `what`.
pub fn assert_says(output: &Output, what: &str) {
    let said = text(output);
    assert!(said.contains(what), "{what:?} not in: {said}");
}
