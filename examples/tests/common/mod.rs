//! Pieces the end-to-end tests against real authorization servers share:
//! starting a peer server as a child process ([`peer`]), a scripted
//! browser that follows redirects, keeps cookies and submits HTML forms
//! ([`browser`]), and the CLI run as a user runs it ([`cli`], the CLI
//! crate's own helper).
//!
//! Each test binary that says `mod common;` compiles all of it and uses a
//! part, hence the `dead_code` allowance.

#![allow(dead_code)]

pub mod browser;
#[path = "../../../cli/tests/common/cli.rs"]
pub mod cli;
pub mod peer;
