//! Why a host could not carry out a command, in the user's terms.

use weft_capabilities::http_server::{ComponentHandlerError, HttpServerError};
use weft_lattice::{CommandError, Retry};

use crate::link_problem::LinkProblem;

/// A command the host could not carry out. Each message is whole on its own (it reaches
/// users as one line in `app status` and over NATS); the cause is also its source.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The component image cannot be used here.
    #[error("cannot run `{image}`: {problem}")]
    Image {
        /// The image.
        image: String,
        /// Why.
        #[source]
        problem: ImageProblem,
    },
    /// The component could not be loaded or prepared.
    #[error("cannot start component `{id}`: {problem}")]
    Component {
        /// Component id.
        id: String,
        /// Why.
        #[source]
        problem: ComponentProblem,
    },
    /// The capability image is not a built-in.
    #[error("capability image `{image}` is not built into weft; the built-in images are: {known}")]
    UnknownCapability {
        /// The image.
        image: String,
        /// What is known.
        known: String,
    },
    /// A link cannot be put into effect.
    #[error("cannot link {link}: {problem}")]
    Link {
        /// The link, described.
        link: String,
        /// Why (the target does not provide the interface, its config is wrong).
        #[source]
        problem: LinkProblem,
    },
    /// A route could not be served.
    #[error("cannot serve the link {link}: {problem}")]
    Route {
        /// The link, described.
        link: String,
        /// Why (address in use, route taken by another owner, bad address).
        #[source]
        problem: RouteProblem,
    },
}

impl CommandError for HostError {
    /// Whether trying the same command again may succeed without anything else changing
    /// (a server that was down, a port another app frees), or only once the manifest,
    /// a config or the image changes.
    fn retry(&self) -> Retry {
        match self {
            Self::Image { problem, .. } => problem.retry(),
            Self::Component { problem, .. } => problem.retry(),
            Self::UnknownCapability { .. } => Retry::AfterChange,
            Self::Link { problem, .. } => problem.retry(),
            Self::Route { problem, .. } => problem.retry(),
        }
    }
}

/// Why a component image cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ImageProblem {
    /// A `file://` image with a relative path reached the host.
    #[error("the path is relative; resolve it against the manifest's directory first")]
    RelativePath,
    /// An OCI image on a host without a registry client.
    #[error("this host does not pull OCI images; use a file:// image")]
    NoRegistry,
    /// Pulling it failed.
    #[error("{0}")]
    Pull(#[source] weft_oci::OciError),
}

impl ImageProblem {
    fn retry(&self) -> Retry {
        match self {
            Self::RelativePath | Self::NoRegistry => Retry::AfterChange,
            // A registry that is down or a tag not pushed yet: both may change by themselves.
            Self::Pull(_) => Retry::Soon,
        }
    }
}

/// Why a component could not be loaded or prepared.
#[derive(Debug, thiserror::Error)]
pub enum ComponentProblem {
    /// Reading or compiling it failed.
    #[error("{0}")]
    Load(#[source] weft_runtime::RuntimeError),
    /// It cannot be served (a missing import, nothing to call).
    #[error("{0}")]
    Prepare(#[source] ComponentHandlerError),
    /// Its limits policy asks for more memory than this host gives an instance.
    #[error(
        "{0}; lower `memory` in the application's limits policy (or `max_memory_limit` in `component_limits`), or start the host with a larger --memory-limit"
    )]
    Limits(#[source] weft_runtime::MemoryAboveHost),
    /// Preparing it panicked (a bug in weft; the text is the panic's).
    #[error("preparing it failed: {0}")]
    Panicked(String),
    /// Its calls cannot be served to the lattice's other hosts.
    #[error("cannot serve it to the lattice's other hosts: {0}")]
    NotServed(#[source] async_nats::SubscribeError),
}

impl ComponentProblem {
    fn retry(&self) -> Retry {
        match self {
            // A file being written, or the lattice's NATS connection coming back.
            Self::Load(weft_runtime::RuntimeError::Read { .. }) | Self::NotServed(_) => Retry::Soon,
            Self::Load(_) | Self::Prepare(_) | Self::Limits(_) | Self::Panicked(_) => {
                Retry::AfterChange
            }
        }
    }
}

/// Why a link from an HTTP server cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum RouteProblem {
    /// The link's config asks for TLS.
    #[error(
        "`{0}` asks for HTTPS, which weft's HTTP server does not serve yet; drop the TLS keys and put a TLS-terminating proxy in front of it"
    )]
    Https(&'static str),
    /// `address` is not an address.
    #[error("`address: {0}` is not an IP address and port like 127.0.0.1:8000")]
    BadAddress(String),
    /// The server refused the route (address in use, another owner's route).
    #[error("{0}")]
    Server(#[source] HttpServerError),
}

impl RouteProblem {
    fn retry(&self) -> Retry {
        match self {
            Self::Https(_) | Self::BadAddress(_) => Retry::AfterChange,
            // The port or route frees when the other owner goes.
            Self::Server(_) => Retry::Soon,
        }
    }
}
