//! Talking to registries: pull, push and look up component artifacts.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt as _;
use oci_client::client::{
    Certificate, CertificateEncoding, ClientConfig, ClientProtocol, Config, ImageLayer,
};
use oci_client::errors::OciDistributionError;
use oci_client::manifest::OciImageManifest;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::media::{ACCEPTED_LAYER_MEDIA_TYPES, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE};
use crate::{Credential, OciError, OciSettings, Progress, Transfer, credential_helper};

/// How long connecting to a registry may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a registry may go silent in the middle of an answer.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What a component artifact is, apart from its bytes (what the cache records per
/// reference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactFacts {
    /// The manifest's digest (what the tag pointed at).
    pub manifest_digest: String,
    /// The layer's digest (the component's `sha256:`).
    pub layer_digest: String,
    /// The layer's media type.
    pub layer_media_type: String,
    /// The config's media type.
    pub config_media_type: String,
    /// The manifest's annotations.
    pub annotations: BTreeMap<String, String>,
}

/// A component artifact as pulled.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The component.
    pub bytes: Vec<u8>,
    /// What the artifact is.
    pub facts: ArtifactFacts,
}

/// What a push stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The manifest's digest, as the registry reports it.
    pub manifest_digest: String,
    /// The layer's digest.
    pub layer_digest: String,
    /// The component's size in bytes.
    pub size: u64,
}

/// A client of OCI registries.
pub struct Registry {
    client: Client,
    settings: OciSettings,
    /// What credential helpers answered, by registry.
    helper_answers: std::sync::Mutex<BTreeMap<String, Option<Credential>>>,
}

impl Registry {
    /// A client that reaches registries over HTTPS, except the insecure ones `settings` list.
    pub fn new(settings: OciSettings) -> Self {
        let protocol = if settings.allow_insecure.is_empty() {
            ClientProtocol::Https
        } else {
            ClientProtocol::HttpsExcept(settings.allow_insecure.clone())
        };
        let extra_root_certificates = settings
            .ca_certificates
            .iter()
            .map(|pem| Certificate {
                encoding: CertificateEncoding::Pem,
                data: pem.clone(),
            })
            .collect();
        let client = Client::new(ClientConfig {
            protocol,
            extra_root_certificates,
            // A registry that does not answer must not hold a deploy forever: the cache can
            // answer instead, or the deploy fails and is retried.
            connect_timeout: Some(CONNECT_TIMEOUT),
            read_timeout: Some(READ_TIMEOUT),
            ..ClientConfig::default()
        });
        Self {
            client,
            settings,
            helper_answers: std::sync::Mutex::default(),
        }
    }

    /// Parses `reference`, refusing `:latest` (or no tag) unless allowed.
    pub fn parse(&self, reference: &str) -> Result<Reference, OciError> {
        let parsed: Reference =
            reference
                .parse()
                .map_err(|error: oci_client::ParseError| OciError::Reference {
                    reference: reference.to_owned(),
                    reason: error.to_string(),
                })?;
        let floating = parsed.digest().is_none() && parsed.tag().is_none_or(|tag| tag == "latest");
        if floating && !self.settings.allow_latest {
            return Err(OciError::Latest {
                reference: reference.to_owned(),
            });
        }
        Ok(parsed)
    }

    /// The credentials for `reference`'s registry: given for it, or from its credential
    /// helper (asked once per registry), or none.
    async fn auth(&self, reference: &Reference) -> Result<RegistryAuth, OciError> {
        let registry = reference.registry();
        let credential = match self.settings.credentials.get(registry) {
            Some(credential) => Some(credential.clone()),
            None => self.helper_credential(registry).await?,
        };
        Ok(match credential {
            Some(credential) => RegistryAuth::Basic(credential.username, credential.password),
            None => RegistryAuth::Anonymous,
        })
    }

    /// What `registry`'s credential helper keeps for it, if one is named.
    async fn helper_credential(&self, registry: &str) -> Result<Option<Credential>, OciError> {
        let Some(helper) = self
            .settings
            .credential_helpers
            .get(registry)
            .or(self.settings.default_credential_helper.as_ref())
        else {
            return Ok(None);
        };
        if let Some(known) = self.lock_helper_answers().get(registry) {
            return Ok(known.clone());
        }
        let credential = credential_helper::ask(helper, registry).await?;
        self.lock_helper_answers()
            .insert(registry.to_owned(), credential.clone());
        Ok(credential)
    }

    fn lock_helper_answers(
        &self,
    ) -> std::sync::MutexGuard<'_, BTreeMap<String, Option<Credential>>> {
        self.helper_answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether credentials were sent to `registry`.
    fn sends_credentials(&self, registry: &str) -> bool {
        self.settings.credentials.contains_key(registry)
            || self
                .lock_helper_answers()
                .get(registry)
                .is_some_and(Option::is_some)
    }

    /// The digest of the manifest `reference` names now (one small request).
    pub async fn manifest_digest(&self, reference: &Reference) -> Result<String, OciError> {
        let auth = self.auth(reference).await?;
        self.client
            .fetch_manifest_digest(reference, &auth)
            .await
            .map_err(|error| self.failed("pulling", reference, &error))
    }

    /// Pulls the component `reference` names, checking that it is one and that its bytes
    /// match their digest; `progress` hears how the download goes.
    pub async fn pull(
        &self,
        reference: &Reference,
        progress: &dyn Progress,
    ) -> Result<Pulled, OciError> {
        let auth = self.auth(reference).await?;
        let (manifest, manifest_digest) =
            self.client
                .pull_image_manifest(reference, &auth)
                .await
                .map_err(|error| self.failed("pulling", reference, &error))?;
        let layer = component_layer(reference, &manifest)?;
        let total = u64::try_from(layer.size).unwrap_or(0);
        progress.report(Transfer::Downloading { done: 0, total });
        let mut stream = self
            .client
            .pull_blob_stream(reference, &layer)
            .await
            .map_err(|error| self.failed("pulling", reference, &error))?;
        let mut bytes = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| OciError::Registry {
                operation: "pulling",
                reference: reference.whole(),
                reason: format!("the download broke off: {error}"),
                hint: "; try again".to_owned(),
            })?;
            bytes.extend_from_slice(&chunk);
            // More than the manifest announced cannot match its digest: stop reading.
            if bytes.len() as u64 > total {
                break;
            }
            progress.report(Transfer::Downloading {
                done: bytes.len() as u64,
                total,
            });
        }
        let actual = sha256_digest(&bytes);
        if actual != layer.digest {
            return Err(OciError::DigestMismatch {
                reference: reference.whole(),
                expected: layer.digest.clone(),
                actual,
            });
        }
        Ok(Pulled {
            bytes,
            facts: ArtifactFacts {
                manifest_digest,
                layer_digest: layer.digest.clone(),
                layer_media_type: layer.media_type.clone(),
                config_media_type: manifest.config.media_type.clone(),
                annotations: manifest.annotations.clone().unwrap_or_default(),
            },
        })
    }

    /// Pushes `component` as `reference` in the `oci-wasm` layout, with `annotations` on the
    /// manifest; `progress` hears each step.
    pub async fn push(
        &self,
        reference: &Reference,
        component: Vec<u8>,
        annotations: BTreeMap<String, String>,
        progress: &dyn Progress,
    ) -> Result<Pushed, OciError> {
        let auth = self.auth(reference).await?;
        let layer_digest = sha256_digest(&component);
        let size = component.len() as u64;
        let config = serde_json::json!({
            "architecture": "wasm",
            "os": "wasip2",
            "layerDigests": [layer_digest],
        });
        let config = Config::new(
            config.to_string().into_bytes(),
            WASM_CONFIG_MEDIA_TYPE.to_owned(),
            None,
        );
        let layers = [ImageLayer::new(
            component,
            WASM_LAYER_MEDIA_TYPE.to_owned(),
            None,
        )];
        let annotations = (!annotations.is_empty()).then_some(annotations);
        let manifest = OciImageManifest::build(&layers, &config, annotations);
        progress.report(Transfer::Uploading { total: size });
        self.client
            .push(reference, &layers, config, &auth, Some(manifest))
            .await
            .map_err(|error| self.failed("pushing", reference, &error))?;
        progress.report(Transfer::Tagging);
        let manifest_digest = self.manifest_digest(reference).await?;
        Ok(Pushed {
            manifest_digest,
            layer_digest,
            size,
        })
    }

    fn failed(
        &self,
        operation: &'static str,
        reference: &Reference,
        error: &OciDistributionError,
    ) -> OciError {
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            let cause_text = cause.to_string();
            if !reason.contains(&cause_text) {
                reason.push_str(": ");
                reason.push_str(&cause_text);
            }
            source = cause.source();
        }
        let registry = reference.registry();
        let lowered = reason.to_ascii_lowercase();
        // By the error's kind and words, never by bare numbers: a port can read `401`.
        let refused = matches!(
            error,
            OciDistributionError::AuthenticationFailure(_)
                | OciDistributionError::UnauthorizedError { .. }
                | OciDistributionError::ServerError { code: 401, .. }
        ) || lowered.contains("unauthorized")
            || lowered.contains("authentication required");
        let hint = if refused {
            if self.sends_credentials(registry) {
                format!(
                    "; the registry at {registry} refused the credentials given for it; check the user and password"
                )
            } else {
                format!(
                    "; the registry at {registry} wants credentials: `docker login {registry}` (weft reads the docker config.json and the credential helpers it names), or `--registry {registry} --registry-user USER --registry-password PASSWORD`"
                )
            }
        } else if lowered.contains("certificate") || lowered.contains("tls") {
            "; the registry's certificate is not trusted: give its CA with `--ca-cert FILE`"
                .to_owned()
        } else if lowered.contains("error sending request")
            || lowered.contains("connect")
            || lowered.contains("dns")
        {
            if self.settings.is_insecure(registry) {
                format!("; is the registry at {registry} running?")
            } else {
                format!(
                    "; is the registry at {registry} running and serving HTTPS? For a registry on plain HTTP, add `--allow-insecure {registry}`"
                )
            }
        } else if lowered.contains("digest") {
            "; what arrived does not match its digest, so it was not used (the registry's storage or something between changed it)".to_owned()
        } else if lowered.contains("not found") || lowered.contains("unknown") {
            "; check the repository and tag (`weft inspect REF` shows what a reference names)"
                .to_owned()
        } else {
            String::new()
        };
        OciError::Registry {
            operation,
            reference: reference.whole(),
            reason,
            hint,
        }
    }
}

/// The one component layer of `manifest`, or why it is not a component artifact.
fn component_layer(
    reference: &Reference,
    manifest: &OciImageManifest,
) -> Result<oci_client::manifest::OciDescriptor, OciError> {
    match manifest.layers.as_slice() {
        [layer] if ACCEPTED_LAYER_MEDIA_TYPES.contains(&layer.media_type.as_str()) => {
            Ok(layer.clone())
        }
        layers => Err(OciError::NotAComponent {
            reference: reference.whole(),
            found: if layers.is_empty() {
                "none".to_owned()
            } else {
                layers
                    .iter()
                    .map(|layer| format!("`{}`", layer.media_type))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            expected: ACCEPTED_LAYER_MEDIA_TYPES
                .iter()
                .map(|media| format!("`{media}`"))
                .collect::<Vec<_>>()
                .join(" or "),
        }),
    }
}

/// `sha256:HEX` of `bytes`.
pub(crate) fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}
