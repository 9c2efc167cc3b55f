//! Why a link cannot be put into effect on this host, in the user's terms.

use weft_capabilities::capability::LinkError;
use weft_lattice::Retry;

/// A link this host cannot put into effect. The message is whole on its own; the capability's
/// own error, where there is one, is also its source.
#[derive(Debug, thiserror::Error)]
pub enum LinkProblem {
    /// The capability gives components nothing under the link's package.
    #[error("capability `{capability}` ({kind}) does not provide {package}; it offers {offers}")]
    NotProvided {
        /// The capability's id.
        capability: String,
        /// Its kind.
        kind: &'static str,
        /// The link's `namespace:package`.
        package: String,
        /// What it offers.
        offers: &'static str,
    },
    /// The capability's data lives only on its host, and the component runs on another.
    #[error(
        "capability `{capability}` ({kind}) {why}, and component `{component}` runs on another host; in a lattice, give the link a backend every host reaches ({hint}), or place the component with the capability"
    )]
    OnlyOnItsHost {
        /// The capability's id.
        capability: String,
        /// Its kind.
        kind: &'static str,
        /// Where its data is.
        why: &'static str,
        /// The component linking to it.
        component: String,
        /// How to give the link a shared backend.
        hint: &'static str,
    },
    /// A component → component link whose source does not import the interface.
    #[error(
        "component `{component}` does not import {interface}, so the link has nothing to carry; it imports from other components: {imports}"
    )]
    NotImported {
        /// The source component.
        component: String,
        /// The interface.
        interface: String,
        /// What it imports from components (`nothing` if none).
        imports: String,
    },
    /// A component → component link whose target does not export the interface.
    #[error("component `{component}` does not export {interface}; it exports {exports}")]
    NotExported {
        /// The target component.
        component: String,
        /// The interface.
        interface: String,
        /// What it exports.
        exports: String,
    },
    /// A handler link's messaging capability does not run here.
    #[error(
        "its messaging capability is not running on this host; place the link's source capability here (its spread), or wait until it starts"
    )]
    MessagingNotHere,
    /// The capability refused the link or could not open its backend.
    #[error("{source}")]
    Capability {
        /// The capability's error.
        #[from]
        source: LinkError,
    },
    /// The broker refused a subscription.
    #[error("{source}")]
    Subscribe {
        /// The broker's error.
        #[from]
        source: weft_capabilities::messaging::SubscribeError,
    },
}

impl LinkProblem {
    /// What may make the link work: a change (its config, the manifest) for what is wrong
    /// with the link itself, time for what is outside (a server, a capability starting).
    pub fn retry(&self) -> Retry {
        match self {
            Self::NotProvided { .. }
            | Self::OnlyOnItsHost { .. }
            | Self::NotImported { .. }
            | Self::NotExported { .. } => Retry::AfterChange,
            Self::Capability { source } if source.is_about_the_link() => Retry::AfterChange,
            Self::MessagingNotHere | Self::Capability { .. } | Self::Subscribe { .. } => {
                Retry::Soon
            }
        }
    }
}
