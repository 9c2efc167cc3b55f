//! One module per verb, each a thin layer over the library crates.

pub mod app;
pub mod audit;
pub mod build;
pub mod call;
pub mod client;
pub mod completions;
pub mod config;
pub mod detach;
pub mod dev;
pub mod dev_session;
pub mod doctor;
pub mod down;
pub mod events;
pub mod get;
pub mod host;
pub mod label;
pub mod link;
pub mod new;
pub mod oci;
pub mod run;
pub mod secret;
pub mod state;
pub mod up;
