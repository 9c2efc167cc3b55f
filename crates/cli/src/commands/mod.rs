//! One module per verb, each a thin layer over the library crates.

pub mod app;
pub mod client;
pub mod completions;
pub mod config;
pub mod down;
pub mod get;
pub mod host;
pub mod label;
pub mod lattice_join;
pub mod link;
pub mod manager_role;
pub mod oci;
pub mod run;
pub mod secret;
pub mod state;
pub mod up;
