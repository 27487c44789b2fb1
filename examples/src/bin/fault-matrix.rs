//! `fault-matrix`: runs every fault mode against every flow and prints the
//! Markdown table; `--write` updates `docs/fault-matrix.md`.

use std::process::ExitCode;

/// Where the committed table lives, relative to the workspace root.
pub const DOC: &str = "docs/fault-matrix.md";

fn main() -> ExitCode {
    let doc = match authflow_examples::fault_matrix::run() {
        Ok(doc) => doc,
        Err(e) => {
            eprintln!("fault-matrix: {e}");
            return ExitCode::FAILURE;
        }
    };
    if std::env::args().any(|a| a == "--write") {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(DOC);
        if let Err(e) = std::fs::write(&path, doc) {
            eprintln!("fault-matrix: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    } else {
        print!("{doc}");
    }
    ExitCode::SUCCESS
}
