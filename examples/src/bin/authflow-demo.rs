//! `authflow-demo`: the README's first command. Without arguments it starts
//! the local providers and walks every documented flow against them (exit
//! status 0 only if every step behaved as the provider documents say). With
//! a command (`login`, `refresh`, `call`, …) it is `authflow`, the
//! command-line client (see `authflowkit --help`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("demo") => match authflow_examples::demo::run(&mut std::io::stdout()) {
            Ok(summary) if summary.failed == 0 => ExitCode::SUCCESS,
            Ok(_) => ExitCode::FAILURE,
            Err(error) => {
                eprintln!("authflow-demo: {error}");
                ExitCode::from(2)
            }
        },
        Some(_) => authflow_examples::cli::main("authflow-demo", &args),
    }
}
