//! Runnable examples of embedding gomon; see the `examples/` folder of this
//! package. `cargo run -p gomon-examples --example embed` is the place to start.
//!
//! The library itself is empty: it exists so that the Rust samples in the
//! repository README are compiled and run as doc tests.

#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
