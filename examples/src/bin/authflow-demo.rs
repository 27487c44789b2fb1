//! `authflow-demo`: the README's first command. Without arguments it starts
//! the local providers and walks every seed flow against them; exit status
//! 0 only if every step behaved as the seeds say.

fn main() -> std::process::ExitCode {
    let mut stdout = std::io::stdout();
    match authflow_examples::demo::run(&mut stdout) {
        Ok(summary) if summary.failed == 0 => std::process::ExitCode::SUCCESS,
        Ok(_) => std::process::ExitCode::FAILURE,
        Err(error) => {
            eprintln!("authflow-demo: {error}");
            std::process::ExitCode::from(2)
        }
    }
}
