//! The lattice: what every weft process shares.
//!
//! Today this is the durable key-value [`Store`] with compare-and-swap revisions, and its
//! embedded implementation [`EmbeddedStore`] (one redb file under the state directory; an
//! acknowledged write survives `kill -9`). The JetStream-backed store and the bus (request /
//! reply, publish / subscribe) follow with the NATS lattice.

mod embedded;
mod store;

pub use embedded::EmbeddedStore;
pub use store::{Entry, Expect, Store, StoreError};
