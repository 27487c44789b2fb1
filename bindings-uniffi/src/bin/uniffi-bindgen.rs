//! The UniFFI binding generator at exactly the workspace's `uniffi`
//! version: `cargo run -p authflow-uniffi --bin uniffi-bindgen -- generate …`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
