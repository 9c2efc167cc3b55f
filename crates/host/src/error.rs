//! Why a host could not carry out a command, in the user's terms.

/// A command the host could not carry out.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The component image cannot be used here.
    #[error("cannot run `{image}`: {reason}")]
    Image {
        /// The image.
        image: String,
        /// Why.
        reason: String,
    },
    /// The component could not be loaded or prepared.
    #[error("cannot start component `{id}`: {reason}")]
    Component {
        /// Component id.
        id: String,
        /// Why (the runtime's error).
        reason: String,
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
        problem: crate::link_problem::LinkProblem,
    },
    /// A route could not be served.
    #[error("cannot serve the link {link}: {reason}")]
    Route {
        /// The link, described.
        link: String,
        /// Why (address in use, route taken by another owner, bad address).
        reason: String,
    },
}
