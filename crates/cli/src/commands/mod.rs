//! One module per verb, each a thin layer over the library crates.

pub mod app;
pub mod completions;
pub mod run;
