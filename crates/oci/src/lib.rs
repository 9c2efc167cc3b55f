//! weft's OCI distribution: components travel as OCI artifacts in the layout `wash push` and
//! `oci-wasm` produce (a wasm config and one `application/wasm` layer).
//!
//! [`Registry`] pulls, pushes and inspects over the OCI distribution API (HTTPS unless a
//! registry is listed as insecure; `:latest` refused unless allowed). [`ArtifactCache`] keeps
//! what was pulled by digest on disk, so a cached image needs no download and deploys while
//! its registry is down.

mod cache;
mod credential_helper;
mod credentials;
mod error;
mod media;
mod progress;
mod registry;
mod settings;

pub use cache::{ArtifactCache, Fetched};
pub use credentials::{Credential, DockerCredentials, docker_config_path, docker_credentials};
pub use error::OciError;
pub use media::{ACCEPTED_LAYER_MEDIA_TYPES, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE};
pub use progress::{Progress, Silent, Transfer};
pub use registry::{ArtifactFacts, Pulled, Pushed, Registry};
pub use settings::OciSettings;
