//! Embeds the golden vectors (`tests/vectors/**/*.json` at the repository
//! root) for the tests, which run in a browser and cannot read files: it
//! writes `$OUT_DIR/vectors.rs` with one `include_str!` per file, so a new
//! vector file is picked up without editing the tests.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs, io};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").ok_or(io::ErrorKind::NotFound)?);
    let dir = manifest.join("../tests/vectors").canonicalize()?;
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    walk(&dir, &mut files)?;
    files.sort();
    let mut code = String::from("/// Every vector file: (path under tests/vectors, contents).\n");
    code.push_str("pub const VECTOR_FILES: &[(&str, &str)] = &[\n");
    for file in &files {
        let name = file
            .strip_prefix(&dir)
            .unwrap_or(file)
            .display()
            .to_string();
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            file.display().to_string()
        );
        println!("cargo:rerun-if-changed={}", file.display());
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var_os("OUT_DIR").ok_or(io::ErrorKind::NotFound)?);
    fs::write(out.join("vectors.rs"), code)
}
