//! What stands in the way of an application's goal: one variant per cause, each carrying what
//! the message names, its text saying what to do about it.

use weft_lattice::Retry;

/// One unmet goal of an application and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Blocker {
    /// The manifest asks for something weft does not do.
    #[error("{what}")]
    Unsupported {
        /// What, and what to do instead.
        what: String,
    },
    /// A config the app names but does not define is not stored.
    #[error(
        "config `{config}` does not exist; create it with `weft config put {config} KEY=VALUE`"
    )]
    ConfigMissing {
        /// The config's name.
        config: String,
    },
    /// A secret policy names a backend weft does not have.
    #[error(
        "secret `{secret}` of `{workload}` uses the backend `{backend}`, which weft does not have; weft keeps secrets in its own encrypted store: set the policy's `backend: weft` and `weft secret put {key}`"
    )]
    SecretBackend {
        /// The secret's name in the manifest.
        secret: String,
        /// Who reads it.
        workload: String,
        /// The backend asked for.
        backend: String,
        /// The key it would be stored under.
        key: String,
    },
    /// A secret a workload reads is not stored.
    #[error(
        "secret `{key}` (read by `{workload}`) does not exist; put it with `weft secret put {key}`"
    )]
    SecretMissing {
        /// The stored key.
        key: String,
        /// Who reads it.
        workload: String,
    },
    /// A secret is stored, but not in the version the manifest pins.
    #[error(
        "secret `{key}` is at version {stored}, and `{workload}` asks for version {wanted}; change the manifest's `version` or remove it to follow the latest"
    )]
    SecretVersion {
        /// The stored key.
        key: String,
        /// Who reads it.
        workload: String,
        /// The version stored.
        stored: String,
        /// The version pinned.
        wanted: String,
    },
    /// The workload's id runs already, started by hand outside any application.
    #[error(
        "`{workload}` cannot run as id `{id}`: it was started by hand outside any application (`component.scale`/`provider.start`); stop it there (count 0, `provider.stop`) or give this one another name"
    )]
    StartedByHand {
        /// The workload.
        workload: String,
        /// Its id.
        id: String,
    },
    /// The workload's id runs already, for another application.
    #[error("`{workload}` cannot run as id `{id}`: application `{owner}` already runs that id")]
    IdTaken {
        /// The workload.
        workload: String,
        /// Its id.
        id: String,
        /// The application running it.
        owner: String,
    },
    /// The lattice has no hosts at all.
    #[error("`{workload}` has nowhere to run: the lattice has no hosts")]
    NoHosts {
        /// The workload.
        workload: String,
    },
    /// No host has the labels a spread requires.
    #[error(
        "`{workload}` needs a host with labels {labels} (spread `{spread}`), and no host has them"
    )]
    NoHostWithLabels {
        /// The workload.
        workload: String,
        /// The labels, as `k=v, k=v`.
        labels: String,
        /// The spread's name.
        spread: String,
    },
    /// The app's link exists already, put by hand or by another application.
    #[error("the link {link} {}; or give this app's link another `name`", owner_text(.link, .owner.as_deref()))]
    LinkTaken {
        /// The link, as `SOURCE -(NAMESPACE:PACKAGE, name `NAME`)->`.
        link: LinkName,
        /// The application owning it; `None` when it was put by hand.
        owner: Option<String>,
    },
    /// A host refused or failed a command.
    #[error("{message}")]
    CommandFailed {
        /// What it said.
        message: String,
        /// When trying again can help.
        retry: Retry,
    },
    /// The deployed version's stored manifest no longer loads.
    #[error(
        "the stored manifest of {app} {version} no longer loads ({diagnostics}); deploy a corrected version"
    )]
    Unloadable {
        /// The application.
        app: String,
        /// Its deployed version.
        version: String,
        /// What the loader says.
        diagnostics: String,
    },
}

/// The four parts naming a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkName {
    /// The component whose imports it wires.
    pub source_id: String,
    /// The WIT namespace.
    pub namespace: String,
    /// The WIT package.
    pub package: String,
    /// The link's name.
    pub name: String,
}

impl std::fmt::Display for LinkName {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{} -({}:{}, name `{}`)->",
            self.source_id, self.namespace, self.package, self.name
        )
    }
}

/// Who holds a link, and for a hand-put one how to remove it.
fn owner_text(link: &LinkName, owner: Option<&str>) -> String {
    match owner {
        Some(app) => format!("belongs to application `{app}`"),
        None => format!(
            "was put by hand (remove it with `weft link del {} {} {} --link-name {}`)",
            link.source_id, link.namespace, link.package, link.name
        ),
    }
}

/// `reasons` as one `; `-separated line.
pub fn join_reasons(reasons: &[Blocker]) -> String {
    reasons
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
