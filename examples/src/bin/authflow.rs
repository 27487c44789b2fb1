//! `authflow`: the command-line client (`authflow COMMAND --help` for each
//! command). The same commands as `authflow-demo COMMAND`, which also runs
//! the demo when given none.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    authflow_examples::cli::main("authflow", &args)
}
