//! `authflow-demo`: the README's first command. Without arguments it starts
//! the local providers and walks every seed flow against them (exit status 0
//! only if every step behaved as the seeds say). With `login`, `refresh` or
//! `call` it works against a real provider (see `--help`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut stdout = std::io::stdout();
    match args.first().map(String::as_str) {
        None | Some("demo") => match authflow_examples::demo::run(&mut stdout) {
            Ok(summary) if summary.failed == 0 => ExitCode::SUCCESS,
            Ok(_) => ExitCode::FAILURE,
            Err(error) => {
                eprintln!("authflow-demo: {error}");
                ExitCode::from(2)
            }
        },
        Some("-h" | "--help" | "help") => {
            println!("{}", authflow_examples::cli::USAGE);
            ExitCode::SUCCESS
        }
        Some(command) => match authflow_examples::cli::run(command, &args[1..], &mut stdout) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("authflow-demo: {}", error.0);
                ExitCode::from(2)
            }
        },
    }
}
