//! The lattice: what every weft process shares.
//!
//! - The durable key-value [`Store`] with compare-and-swap revisions, and its embedded
//!   implementation [`EmbeddedStore`] (one redb file under the state directory; an
//!   acknowledged write survives `kill -9`).
//! - The [`EventBus`]: hosts publish typed [`LatticeEvent`]s, the deployment manager
//!   subscribes and reacts at once. [`InProcessBus`] serves `weft up`.
//!
//! The NATS bus and the JetStream store follow with the distributed lattice.

mod bus;
mod embedded;
mod event;
mod store;

pub use bus::{EventBus, InProcessBus, Received, Subscription};
pub use embedded::EmbeddedStore;
pub use event::LatticeEvent;
pub use store::{Entry, Expect, Store, StoreError};
