//! `authflowkit`: the command-line client (`authflowkit COMMAND --help` for
//! each command). `authflow-demo COMMAND` in the workspace runs the same
//! commands, and the demo when given none.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    authflowkit_cli::cli::main("authflowkit", &args)
}
