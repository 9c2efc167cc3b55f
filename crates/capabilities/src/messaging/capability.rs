//! The messaging capability's shape: its images, `wasmcloud:messaging`, and a link's broker.

use std::sync::Arc;

use wasmtime::component::Linker;

use super::{Broker, MessagingLinkSettings};
use crate::bindings::wasmcloud::messaging0_2_0::{consumer, types};
use crate::bindings::wasmcloud::messaging0_3_0 as v0_3;
use crate::capability::{Capability, HostEnv, Kind, LinkError, LinkRequest, Reach};
use crate::instance_state::HttpInstanceState;
use crate::keyvalue::DEFAULT_NATS_URL;
use crate::links::Capabilities;

/// `weft+builtin://messaging`: in process unless a link names NATS servers.
pub const MESSAGING: Kind = Kind {
    name: "messaging",
    images: &["weft+builtin://messaging", "wasmcloud+builtin://messaging"],
};

/// wasmCloud's `messaging-nats`: the servers a link or the capability's config names, else
/// the local NATS server.
pub const MESSAGING_NATS: Kind = Kind {
    name: "messaging-nats",
    images: &[
        "ghcr.io/wasmcloud/messaging-nats",
        "wasmcloud.azurecr.io/nats_messaging",
        "wasmcloud+builtin://messaging-nats",
        "weft+builtin://messaging-nats",
    ],
};

/// Carries `wasmcloud:messaging` between components: they publish and request through it,
/// and it delivers what handler links subscribe to. Its backends are brokers, by NATS servers
/// (none: the in-process broker).
pub struct MessagingCapability;

impl Capability for MessagingCapability {
    type Settings = Vec<String>;
    type Backend = Arc<Broker>;

    const KINDS: &'static [Kind] = &[MESSAGING, MESSAGING_NATS];
    const PACKAGE: Option<&'static str> = Some("wasmcloud:messaging");
    const OFFERS: &'static str =
        "wasmcloud:messaging/consumer (0.2.0), or producer and request-reply (0.3.0)";

    fn add_to_linker(linker: &mut Linker<HttpInstanceState>) -> wasmtime::Result<()> {
        let view = HttpInstanceState::capabilities;
        types::add_to_linker::<_, Capabilities>(linker, view)?;
        consumer::add_to_linker::<_, Capabilities>(linker, view)?;
        v0_3::types::add_to_linker::<_, Capabilities>(linker, view)?;
        v0_3::producer::add_to_linker::<_, Capabilities>(linker, view)?;
        v0_3::request_reply::add_to_linker::<_, Capabilities>(linker, view)
    }

    fn on_link(request: &LinkRequest<'_>) -> Result<Vec<String>, LinkError> {
        Ok(link_settings(request)?.cluster_uris)
    }

    fn reach(cluster_uris: &Vec<String>) -> Reach {
        if !cluster_uris.is_empty() {
            return Reach::Shared;
        }
        Reach::ThisHost {
            why: "carries messages inside the process of the host running it",
            hint: "`cluster_uris: nats://HOST:PORT` in the link's target config, or the `ghcr.io/wasmcloud/messaging-nats` image",
        }
    }

    /// Brokers hold the subscriptions of handler links, which are no component's imports.
    fn keep_unlinked(_cluster_uris: &Vec<String>) -> bool {
        true
    }

    async fn open(
        _capability_id: &str,
        cluster_uris: &Vec<String>,
        _env: &HostEnv,
    ) -> Result<Arc<Broker>, LinkError> {
        if cluster_uris.is_empty() {
            return Ok(Arc::new(Broker::in_process()));
        }
        Ok(Arc::new(Broker::nats(cluster_uris).await?))
    }
}

/// The settings of a messaging link, from `request.link_config` (a handler link's source
/// config, or an import link's target config). For `messaging-nats`, NATS servers the link
/// does not name come from the capability's own config (`cluster_uris`), else the local NATS
/// server, as wasmCloud's provider connects to its default `0.0.0.0:4222`;
/// `weft+builtin://messaging` stays in process unless the link names servers.
pub fn link_settings(request: &LinkRequest<'_>) -> Result<MessagingLinkSettings, LinkError> {
    let mut settings = MessagingLinkSettings::from_config(request.link_config)?;
    if *request.kind != MESSAGING_NATS || !settings.cluster_uris.is_empty() {
        return Ok(settings);
    }
    let signed = request.link_config.keys().find(|key| {
        key.eq_ignore_ascii_case("client_jwt") || key.eq_ignore_ascii_case("client_seed")
    });
    if let Some(key) = signed {
        return Err(LinkError::Unsupported(format!(
            "`{key}` asks for NATS decentralized auth, which weft does not sign with yet; put a user and password or a token in `cluster_uris` (`nats://USER:PASSWORD@HOST:PORT`)"
        )));
    }
    settings.cluster_uris = request
        .capability_setting(&["cluster_uris", "uri"])
        .map_or_else(
            || vec![DEFAULT_NATS_URL.to_owned()],
            MessagingLinkSettings::servers,
        );
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn servers(
        kind: &'static Kind,
        link: &[(&str, &str)],
        capability: &[(&str, &str)],
    ) -> Result<Vec<String>, LinkError> {
        let (link, capability) = (config(link), config(capability));
        MessagingCapability::on_link(&LinkRequest {
            capability_id: "nats",
            kind,
            link_config: &link,
            capability_config: &capability,
            link_secrets: &BTreeMap::new(),
            source_id: "component",
            link_name: "default",
        })
    }

    #[test]
    fn messaging_nats_talks_to_the_link_s_servers_else_the_capability_s_else_the_local_one() {
        let provider = [("CLUSTER_URIS", "nats://a:4222, nats://b:4222")];
        let link = [("cluster_uris", "nats://link:4222")];
        assert_eq!(
            servers(&MESSAGING_NATS, &link, &provider).unwrap(),
            ["nats://link:4222"]
        );
        assert_eq!(
            servers(&MESSAGING_NATS, &[("subscriptions", "a.>")], &provider).unwrap(),
            ["nats://a:4222", "nats://b:4222"]
        );
        assert_eq!(
            servers(&MESSAGING_NATS, &[], &[]).unwrap(),
            [DEFAULT_NATS_URL]
        );
        assert!(
            servers(&MESSAGING, &[], &provider).unwrap().is_empty(),
            "weft+builtin://messaging stays in process"
        );
    }

    #[test]
    fn messaging_nats_refuses_nkeys_it_cannot_sign_with() {
        let error = servers(&MESSAGING_NATS, &[("client_jwt", "eyJ...")], &[]).unwrap_err();
        assert!(error.to_string().contains("client_jwt"), "{error}");
    }

    #[test]
    fn in_process_brokers_only_reach_their_own_host() {
        assert!(matches!(
            MessagingCapability::reach(&Vec::new()),
            Reach::ThisHost { .. }
        ));
        assert_eq!(
            MessagingCapability::reach(&vec!["nats://a:4222".to_owned()]),
            Reach::Shared
        );
    }
}
