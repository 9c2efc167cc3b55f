//! What the manager needs from the lattice: a view of what runs, and a way to send commands.

use std::future::Future;

use crate::command::Command;
use crate::observed::ObservedLattice;

/// The lattice as the manager drives it. A host in the same process implements it directly;
/// the NATS lattice implements it with control requests.
pub trait Lattice: Send + Sync + 'static {
    /// Why a command failed, in words for the application's status.
    type Error: crate::CommandError;

    /// What runs where, now.
    fn observe(&self) -> impl Future<Output = ObservedLattice> + Send;

    /// Carries out one command. Commands are goals, so repeating one changes nothing.
    fn execute(&self, command: &Command) -> impl Future<Output = Result<(), Self::Error>> + Send;
}
