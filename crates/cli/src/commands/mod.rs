//! One module per verb, each a thin layer over the library crates.

pub mod run;
