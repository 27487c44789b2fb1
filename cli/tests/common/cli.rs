//! Running the command-line client as a user would. The CLI crate's tests
//! run its `authflowkit` binary; the examples' end-to-end tests (which
//! include this file) run `authflow-demo`, whose commands are the same code.

use std::process::{Command, Output, Stdio};

/// The binary under test: Cargo sets `CARGO_BIN_EXE_<name>` only for the
/// binaries of the package whose tests it builds.
const CLI: &str = match (
    option_env!("CARGO_BIN_EXE_authflowkit"),
    option_env!("CARGO_BIN_EXE_authflow-demo"),
) {
    (Some(path), _) | (None, Some(path)) => path,
    (None, None) => panic!("a test of a package without the CLI binary"),
};

/// The CLI with `args` and `env` (AUTHFLOW_CLIENT_SECRET,
/// AUTHFLOW_PASSWORD: only when given); stdin is empty, never a terminal.
pub fn authflow(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(CLI);
    command
        .args(args)
        .env_remove("AUTHFLOW_CLIENT_SECRET")
        .env_remove("AUTHFLOW_PASSWORD")
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the CLI binary runs")
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
