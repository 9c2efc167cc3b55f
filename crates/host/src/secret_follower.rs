//! Secrets for a host outside the manager's process: it reads the sealed secrets from the
//! lattice's store with the managers' key, and again whenever the lattice says a secret
//! changed, so its components read the same values as everywhere else. Values never travel
//! over NATS.

use std::sync::Arc;

use weft_lattice::{LatticeEvent, Received, Store, Subscription};
use weft_secrets::SecretVault;

use crate::Host;

/// Keeps `host`'s secrets equal to those in `vault`, re-reading them on every secret event
/// in `events`, until the returned task is aborted.
pub fn follow_secrets<S: Store>(
    host: Arc<Host>,
    vault: SecretVault<S>,
    mut events: Subscription,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        sync(&host, &vault).await;
        loop {
            match events.next().await {
                Received::Event(
                    LatticeEvent::SecretSet { .. } | LatticeEvent::SecretDeleted { .. },
                )
                | Received::Missed(_) => sync(&host, &vault).await,
                Received::Event(_) => {}
                Received::Closed => return,
            }
        }
    })
}

/// Gives `host` every secret whose version it lacks, and takes away the deleted ones. A
/// secret already at its version is left alone, so the host's own events end here.
async fn sync<S: Store>(host: &Host, vault: &SecretVault<S>) {
    let stored = match vault.reveal_all().await {
        Ok(stored) => stored,
        Err(error) => {
            tracing::warn!(%error, "cannot read the lattice's secrets; components keep the values they have");
            return;
        }
    };
    let held = host.observe().secrets;
    for (info, value) in &stored {
        if held.get(&info.name) == Some(&info.version) {
            continue;
        }
        match value {
            Ok(value) => host.set_secret(&info.name, Some((info.version, value.clone()))),
            Err(error) => tracing::warn!(
                secret = %info.name,
                %error,
                "a secret of the lattice cannot be read here: give this host the managers' key with `--secrets-key FILE`"
            ),
        }
    }
    for name in held.keys() {
        if !stored.iter().any(|(info, _)| &info.name == name) {
            host.set_secret(name, None);
        }
    }
}
