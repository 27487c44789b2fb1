//! One name for one choice: `authflow_compact` is set when the core is built
//! for WebAssembly without the `speed` feature (the browser package's
//! modules, whose size comes first: bindings-wasm/SIZE.md). Code that has a
//! small form and a fast one picks with `#[cfg(authflow_compact)]`: byte
//! scans a byte at a time, base64url a character at a time, one JSON reader
//! shared as a trait object, forms read as bytes only, error URIs through
//! the full parser alone. Natively, and in the Node.js entry's module (built
//! with `speed`), the fast forms are compiled.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(authflow_compact)");
    let wasm =
        std::env::var("CARGO_CFG_TARGET_FAMILY").is_ok_and(|f| f.split(',').any(|f| f == "wasm"));
    if wasm && std::env::var_os("CARGO_FEATURE_SPEED").is_none() {
        println!("cargo::rustc-cfg=authflow_compact");
    }
}
