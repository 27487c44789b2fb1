//! What the CLI's tests share with the examples' end-to-end tests
//! (examples/tests/common includes [`cli`]).

#![allow(dead_code)]

pub mod cli;
