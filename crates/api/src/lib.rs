//! The control plane `weft up` runs: [`ControlPlane`] keeps applications in the store and
//! reconciles the deployed ones onto the host at once, on every change; [`serve`] exposes it
//! as HTTP + JSON on localhost, with a bearer token for every call that changes something.

mod control;
mod server;

pub use control::{AppView, ControlError, ControlPlane};
pub use server::{ApiHandle, serve};
