//! The committed fault matrix (`docs/fault-matrix.md`) must be what the
//! local providers and authflow produce today.

use std::path::Path;

#[test]
fn committed_fault_matrix_is_current() {
    let generated = authflow_examples::fault_matrix::run().expect("the matrix runs");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/fault-matrix.md");
    let committed = std::fs::read_to_string(&path).expect("docs/fault-matrix.md exists");
    assert!(
        generated == committed,
        "docs/fault-matrix.md is out of date; run `cargo run -p authflow-examples --bin fault-matrix -- --write`.\nGenerated:\n{generated}"
    );
    assert!(!generated.contains("setup failed"), "{generated}");
}
