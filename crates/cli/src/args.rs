//! The command line: global flags and one subcommand per verb.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::units::{DurationOrOff, parse_bytes, parse_duration, parse_duration_or_off, parse_size};

/// weft runs WebAssembly components: `weft run` serves one HTTP component; `weft up` runs
/// applications (wadm manifests) that `weft app`, `weft config` and `weft link` manage.
#[derive(Debug, Parser)]
#[command(name = "weft", version, about, propagate_version = true)]
pub struct Cli {
    /// Output format for results and errors.
    #[arg(short, long, global = true, value_enum, default_value_t = OutputFormat::Text, env = "WEFT_OUTPUT")]
    pub output: OutputFormat,

    /// Log format (defaults to json when --output json, text otherwise). Filter with WEFT_LOG.
    #[arg(long, global = true, value_enum, env = "WEFT_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,

    /// Where `weft up` keeps its state and where other commands find it (default: the
    /// user's data directory + `weft`).
    #[arg(long, global = true, env = "WEFT_STATE_DIR")]
    pub state_dir: Option<PathBuf>,

    /// The API to talk to (e.g. http://127.0.0.1:7878), instead of the one `weft up` wrote to
    /// the state directory.
    #[arg(long, global = true, env = "WEFT_API", value_name = "URL")]
    pub api: Option<String>,

    /// The API token for calls that change something (default: the state directory's).
    #[arg(long, global = true, env = "WEFT_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format of results and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per result on stdout; errors as `{"success": false, ...}` on stderr.
    Json,
}

/// Format of log lines on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per event.
    Json,
}

impl From<OutputFormat> for LogFormat {
    fn from(output: OutputFormat) -> Self {
        match output {
            OutputFormat::Text => Self::Text,
            OutputFormat::Json => Self::Json,
        }
    }
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve one `wasi:http` component over HTTP, a fresh instance per request
    /// (like `wasmtime serve`).
    Run(RunArgs),

    /// Run weft on this machine: the API, the deployment manager and a host, in one process.
    /// Deployed applications come back after a restart. Ctrl-C stops it.
    Up(UpArgs),

    /// Join a lattice over NATS as a host: run what the lattice's manager places here.
    Host(HostArgs),

    /// Manage a lattice over NATS: the API and the deployment manager, without a host (run
    /// two or more: one acts, the others stand by).
    Manager(ManagerArgs),

    /// Stop the `weft up` that owns the state directory (in-flight requests finish).
    Down,

    /// Make a component project from a template bundled into weft (`--list` shows them): code,
    /// a wadm manifest, a README. It builds with `weft build` and runs with no edit.
    New(NewArgs),

    /// Build the component project in a directory (Rust, Python, TypeScript/JavaScript, or a
    /// wasmCloud project's `wasmcloud.toml`) and say where the component went.
    Build(BuildArgs),

    /// The developer loop: build the project, deploy its manifest on the local weft (started
    /// in the background when none runs), then rebuild and redeploy on every saved change.
    /// A failed build keeps the last good version serving. Ctrl-C removes what it deployed.
    Dev(DevArgs),

    /// Check what building and running components needs here (toolchains, ports, a running
    /// weft, NATS) and say how to fix what is missing.
    Doctor(DoctorArgs),

    /// Applications (wadm manifests): deploy, list, status, undeploy, delete, validate.
    #[command(subcommand)]
    App(AppCommand),

    /// Named configs that components, capabilities and links read: put, get, del.
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Secrets components read through wasmcloud:secrets, encrypted at rest: put, del, list.
    #[command(subcommand)]
    Secret(SecretCommand),

    /// Links made by hand (those in manifests come and go with their apps): put, get, del.
    #[command(subcommand)]
    Link(LinkCommand),

    /// Host labels that spread requirements match: put, del (kept across restarts).
    #[command(subcommand)]
    Label(LabelCommand),

    /// What the lattice has: hosts, inventory, links, config.
    #[command(subcommand)]
    Get(GetCommand),

    /// Call an export of a running component with JSON arguments and print its results
    /// (like `wash call`), on whichever host of the lattice runs it.
    Call(CallArgs),

    /// Follow the lattice's events live (what `wash spy` and watching `wasmbus.evt.>` gave
    /// wasmCloud users): components scaled, capabilities started, links, hosts, configs.
    #[command(visible_alias = "spy")]
    Events(EventsArgs),

    /// Who changed what and when: every change asked through the API, control requests and
    /// wadm's API, with how it ended (newest last).
    Audit(AuditArgs),

    /// Push a component to an OCI registry (the layout `wash push` and `oci-wasm` use).
    Push(PushArgs),

    /// Pull a component from an OCI registry into the cache (and a file with `--out`).
    Pull(PullArgs),

    /// Show what an image reference or a component file is: digests, size, media types,
    /// annotations, and the component's imports and exports.
    Inspect(InspectArgs),

    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// `weft new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The project's name (lowercase letters, digits, `-`, `_`): its directory, package and
    /// application name.
    #[arg(required_unless_present = "list")]
    pub name: Option<String>,

    /// The template to start from (`weft new --list` shows them).
    #[arg(
        long,
        short = 't',
        default_value = "rust-http-hello",
        conflicts_with = "template_dir"
    )]
    pub template: String,

    /// A directory of your own to use as the template: every file is copied, with
    /// `{{project-name}}` and `{{project_name}}` filled in.
    #[arg(long, value_name = "DIR")]
    pub template_dir: Option<PathBuf>,

    /// Where to make the project (default: ./NAME); it must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,

    /// List the templates instead of making a project.
    #[arg(long)]
    pub list: bool,
}

/// `weft build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The project directory (default: the current one).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The project's wasmcloud.toml, or its directory (as `wash build -p`).
    #[arg(long, short = 'p', value_name = "PATH", conflicts_with = "dir")]
    pub config_path: Option<PathBuf>,
}

/// `weft dev`.
#[derive(Debug, Args)]
pub struct DevArgs {
    /// The project directory (default: the current one).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The manifest to deploy (default: the project's wadm.yaml; without one, a generated
    /// manifest serves the component over HTTP on --address).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,

    /// Where a generated manifest serves the component.
    #[arg(long, default_value = "127.0.0.1:8000")]
    pub address: String,

    /// Leave the weft that dev started running when it ends (and the app deployed).
    #[arg(long)]
    pub leave_running: bool,
}

/// `weft doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// NATS servers to check (as `weft up --nats`); none checked without it.
    #[arg(
        long = "nats",
        value_name = "URL",
        env = "WEFT_NATS_URL",
        value_delimiter = ','
    )]
    pub nats: Vec<String>,
}

/// `weft up`.
#[derive(Debug, Args)]
pub struct UpArgs {
    /// Run in the background: return once the API answers, with the process's output in
    /// `weft.log` in the state directory; `weft down` stops it.
    #[arg(long, short = 'd')]
    pub detach: bool,

    /// Set by `weft up --detach` on the process it starts in the background.
    #[arg(long, hide = true)]
    pub foreground: bool,

    /// Do not deploy the bundled hello example on a first start.
    #[arg(long)]
    pub no_example: bool,

    /// Where the bundled hello example serves on a first start (a port no wasmCloud example
    /// uses, so their manifests deploy next to it).
    #[arg(long, default_value = "127.0.0.1:8088")]
    pub example_address: SocketAddr,

    /// The host in this process.
    #[command(flatten)]
    pub host: HostOptions,

    /// The manager in this process.
    #[command(flatten)]
    pub manager: ManagerOptions,
}

/// `weft manager`: a deployment manager of a lattice over NATS, without a host.
#[derive(Debug, Args)]
pub struct ManagerArgs {
    /// The manager.
    #[command(flatten)]
    pub manager: ManagerOptions,
}

/// `weft host`: a host joining a lattice over NATS.
#[derive(Debug, Args)]
pub struct HostArgs {
    /// The host.
    #[command(flatten)]
    pub host: HostOptions,

    /// The lattice to join.
    #[command(flatten)]
    pub nats: NatsArgs,

    /// The managers' secrets key (`--secrets-key` of `weft manager`), so this host's
    /// components read the lattice's secrets; without it they read none.
    #[arg(long, value_name = "FILE", env = "WEFT_SECRETS_KEY")]
    pub secrets_key: Option<PathBuf>,

    /// Serve this host's metrics for Prometheus at `http://ADDR/metrics` (a `weft host`
    /// has no API; `weft up` and `weft manager` serve them on theirs).
    #[arg(long, value_name = "ADDR", env = "WEFT_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// Export traces and metrics to an OpenTelemetry collector (wasmCloud's switch, kept so
    /// its deployments carry over): to `OTEL_EXPORTER_OTLP_ENDPOINT`, else
    /// `http://127.0.0.1:4318` (4317 with `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`).
    #[arg(
        long,
        env = "WASMCLOUD_OBSERVABILITY_ENABLED",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub enable_observability: bool,
}

/// What a host in a process takes.
#[derive(Debug, Args, Clone)]
pub struct HostOptions {
    /// A label of this host, for spread requirements (repeatable).
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,

    /// With `--nats`: how often the host tells the lattice it is alive.
    #[arg(long, default_value = "500ms", value_parser = parse_duration, env = "WEFT_HEARTBEAT")]
    pub heartbeat: std::time::Duration,

    /// How long and how large one instance may run.
    #[command(flatten)]
    pub instances: InstanceArgs,

    /// Where guests that compute for long run.
    #[command(flatten)]
    pub busy_lane: BusyLaneArgs,

    /// How images are pulled.
    #[command(flatten)]
    pub oci: OciArgs,
}

/// The limits every instance runs under unless its application's limits policy says
/// otherwise: `weft up`, `weft host` and `weft run` take them.
#[derive(Debug, Args, Clone)]
pub struct InstanceArgs {
    /// Longest one invocation may run, an HTTP request's body included, for components
    /// without a `timeout` of their own (e.g. 30s, 500ms, 2m).
    #[arg(long, default_value = "10s", value_parser = parse_duration, env = "WEFT_DEADLINE")]
    pub deadline: std::time::Duration,

    /// Largest memory one instance may use: the default, and the most a limits policy may
    /// give a component (e.g. 256MiB, 1GiB).
    #[arg(long, default_value = "256MiB", value_parser = parse_bytes, env = "WEFT_MEMORY_LIMIT")]
    pub memory_limit: usize,
}

/// Where invocations that compute for long go: `weft up`, `weft host` and `weft run` take it.
#[derive(Debug, Args, Clone)]
pub struct BusyLaneArgs {
    /// How long one invocation may compute before it moves to low-priority threads, so a
    /// guest that spins cannot slow other components' requests (e.g. 2ms, 10ms; `off`: never
    /// move).
    #[arg(long, value_name = "DURATION", default_value = "2ms", value_parser = parse_duration_or_off, env = "WEFT_BUSY_AFTER")]
    pub busy_after: DurationOrOff,

    /// How many low-priority threads run the invocations that moved (default: one per core
    /// but one, at least one; more gives long-running guests more of an idle machine).
    #[arg(long, value_name = "N", env = "WEFT_BUSY_THREADS", value_parser = clap::value_parser!(u16).range(1..))]
    pub busy_threads: Option<u16>,
}

impl BusyLaneArgs {
    /// The runtime's busy-lane settings these flags ask for (`None`: no busy lane).
    pub fn settings(&self) -> Option<weft_runtime::BusyLaneSettings> {
        let after = self.busy_after.0?;
        let defaults = weft_runtime::BusyLaneSettings::default();
        Some(weft_runtime::BusyLaneSettings {
            after,
            threads: self.busy_threads.map_or(defaults.threads, usize::from),
        })
    }
}

/// What a manager in a process takes.
#[derive(Debug, Args, Clone)]
pub struct ManagerOptions {
    /// Address of the API (port 0 picks a free one; clients read it from the state directory).
    #[arg(long, default_value = "127.0.0.1:7878", env = "WEFT_API_ADDR")]
    pub api_addr: SocketAddr,

    /// A read-only API token to accept, e.g. the one a Prometheus server is given (at least
    /// 16 characters; default: a random one, written to api.json as `read_token`).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "WEFT_API_READ_TOKEN",
        hide_env_values = true
    )]
    pub read_token: Option<String>,

    /// The lattice to join over NATS (none: this process alone, on an embedded store).
    #[command(flatten)]
    pub nats: NatsArgs,

    /// The key that seals secrets at rest (created if missing; default
    /// `STATE_DIR/secrets.key`). Every manager of a lattice needs the same one.
    #[arg(long, value_name = "FILE", env = "WEFT_SECRETS_KEY")]
    pub secrets_key: Option<PathBuf>,

    /// With `--nats`: how long the acting manager's lease lasts unrenewed before a standby
    /// takes over (it is renewed every third of this).
    #[arg(long, default_value = "2s", value_parser = parse_duration, env = "WEFT_LEASE_TERM")]
    pub lease_term: std::time::Duration,

    /// With `--nats`: how long a host may stay silent before what it ran is placed elsewhere
    /// (hosts beat every `--heartbeat`, 500 ms by default).
    #[arg(long, default_value = "1500ms", value_parser = parse_duration, env = "WEFT_HOST_EXPIRY")]
    pub host_expiry: std::time::Duration,

    /// Export traces and metrics to an OpenTelemetry collector (wasmCloud's switch, kept so
    /// its deployments carry over): to `OTEL_EXPORTER_OTLP_ENDPOINT`, else
    /// `http://127.0.0.1:4318` (4317 with `OTEL_EXPORTER_OTLP_PROTOCOL=grpc`).
    #[arg(
        long,
        env = "WASMCLOUD_OBSERVABILITY_ENABLED",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub enable_observability: bool,
}

/// How a process joins a lattice over NATS.
#[derive(Debug, Args, Clone)]
pub struct NatsArgs {
    /// NATS servers of the lattice (repeatable, or comma-separated); a user and password may
    /// be in the URL. Without it, weft runs alone on an embedded store.
    #[arg(
        long = "nats",
        value_name = "URL",
        env = "WEFT_NATS_URL",
        value_delimiter = ','
    )]
    pub urls: Vec<String>,

    /// The lattice to join: it scopes every subject and bucket, so lattices can share one NATS.
    #[arg(long, default_value = "default", env = "WEFT_LATTICE")]
    pub lattice: weft_lattice::LatticeName,

    /// A NATS credentials file (JWT and seed, as `nsc` writes it).
    #[arg(long = "nats-creds", value_name = "FILE", env = "WEFT_NATS_CREDS")]
    pub credentials_file: Option<PathBuf>,

    /// A NATS token.
    #[arg(long = "nats-token", env = "WEFT_NATS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// A NATS user (with `--nats-password`).
    #[arg(long = "nats-user", env = "WEFT_NATS_USER", requires = "password")]
    pub user: Option<String>,

    /// The NATS user's password.
    #[arg(
        long = "nats-password",
        env = "WEFT_NATS_PASSWORD",
        hide_env_values = true,
        requires = "user"
    )]
    pub password: Option<String>,

    /// A file with the NATS user's nkey seed (`SU…`).
    #[arg(long = "nats-nkey", value_name = "FILE", env = "WEFT_NATS_NKEY")]
    pub nkey_file: Option<PathBuf>,

    /// A CA certificate (PEM) for NATS over TLS; giving it requires TLS.
    #[arg(long = "nats-tls-ca", value_name = "FILE", env = "WEFT_NATS_TLS_CA")]
    pub tls_ca: Option<PathBuf>,

    /// A client certificate (PEM) for NATS servers that verify clients (with
    /// `--nats-tls-key`); giving it requires TLS.
    #[arg(
        long = "nats-tls-cert",
        value_name = "FILE",
        env = "WEFT_NATS_TLS_CERT",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// The client certificate's private key (PEM).
    #[arg(
        long = "nats-tls-key",
        value_name = "FILE",
        env = "WEFT_NATS_TLS_KEY",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
}

impl NatsArgs {
    /// The lattice to join, if NATS servers were named.
    pub fn config(&self) -> Option<weft_process::NatsConfig> {
        (!self.urls.is_empty()).then(|| weft_process::NatsConfig {
            settings: weft_lattice::NatsSettings {
                urls: self.urls.clone(),
                credentials_file: self.credentials_file.clone(),
                token: self.token.clone(),
                user: self.user.clone(),
                password: self.password.clone(),
                nkey_file: self.nkey_file.clone(),
                tls_ca: self.tls_ca.clone(),
                tls_client: self.tls_cert.clone().zip(self.tls_key.clone()),
                client_name: None,
            },
            lattice: self.lattice.clone(),
        })
    }
}

/// How weft reaches OCI registries.
#[derive(Debug, Args, Clone)]
pub struct OciArgs {
    /// A registry reached over plain HTTP instead of HTTPS (repeatable, or comma-separated in
    /// the environment).
    #[arg(
        long = "allow-insecure",
        value_name = "HOST:PORT",
        env = "WEFT_OCI_ALLOW_INSECURE",
        value_delimiter = ','
    )]
    pub allow_insecure: Vec<String>,

    /// Allow images tagged `latest` (or untagged), which can change under a running app.
    #[arg(long, env = "WEFT_OCI_ALLOW_LATEST")]
    pub allow_latest: bool,

    /// The registry (`HOST:PORT`) `--registry-user` and `--registry-password` are for; they
    /// are sent to it only. Without flags, the docker config.json (`docker login`) is read.
    #[arg(long, value_name = "HOST:PORT", env = "WEFT_OCI_REGISTRY")]
    pub registry: Option<String>,

    /// User name for `--registry`.
    #[arg(long, env = "WEFT_OCI_USER", requires = "registry")]
    pub registry_user: Option<String>,

    /// Password or token for `--registry`.
    #[arg(
        long,
        env = "WEFT_OCI_PASSWORD",
        hide_env_values = true,
        requires = "registry_user"
    )]
    pub registry_password: Option<String>,

    /// An extra CA certificate (PEM) to trust for HTTPS registries (repeatable).
    #[arg(
        long = "ca-cert",
        value_name = "FILE",
        env = "WEFT_OCI_CA_CERTS",
        value_delimiter = ','
    )]
    pub ca_certs: Vec<PathBuf>,
}

/// `weft events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Only events of this type (repeatable, or comma-separated): host_started,
    /// component_scaled, capability_started, link_set, … (an unknown one lists them all).
    #[arg(long = "type", value_name = "TYPE", value_delimiter = ',')]
    pub types: Vec<String>,
    /// Only events about this host (its id).
    #[arg(long, value_name = "HOST_ID")]
    pub host: Option<String>,
    /// Only events about this application's components and capabilities.
    #[arg(long, value_name = "APP")]
    pub app: Option<String>,
    /// Heartbeats too (every host sends one twice a second; left out otherwise).
    #[arg(long)]
    pub heartbeats: bool,
}

/// `weft audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only changes in this last stretch of time (`30m`, `1h`, `7d`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub since: Option<std::time::Duration>,
    /// At most this many, the newest.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

/// `weft call`.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// The component's id (`weft get inventory` lists them; an app's are `APP-COMPONENT`).
    #[arg(value_name = "COMPONENT")]
    pub component: String,
    /// The function: `namespace:package/interface.function` (e.g.
    /// `wasmcloud:examples/invoke.call`), or its bare name when one exported interface has it.
    #[arg(value_name = "FUNCTION")]
    pub function: String,
    /// One argument per parameter, each a JSON value (`3`, `'"text"'`, `'{"a": 1}'`); an
    /// argument that is not JSON is taken as a string.
    #[arg(value_name = "ARG", allow_negative_numbers = true)]
    pub args: Vec<String>,
}

/// `weft push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The component file.
    pub file: PathBuf,
    /// Where to push it, e.g. `127.0.0.1:5000/org/app:1.2.0`.
    pub reference: String,
    /// Annotation `org.opencontainers.image.version`.
    #[arg(long = "image-version", value_name = "VERSION")]
    pub image_version: Option<String>,
    /// Annotation `org.opencontainers.image.description`.
    #[arg(long)]
    pub description: Option<String>,
    /// Annotation `org.opencontainers.image.source` (a URL).
    #[arg(long)]
    pub source: Option<String>,
    /// Any other annotation (repeatable).
    #[arg(long = "annotation", value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    /// Registry access.
    #[command(flatten)]
    pub oci: OciArgs,
}

/// `weft pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// The image reference.
    pub reference: String,
    /// Also write the component to this file.
    #[arg(long = "out", short = 'O', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Registry access.
    #[command(flatten)]
    pub oci: OciArgs,
}

/// `weft inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// An image reference, or a component file.
    pub target: String,
    /// Registry access.
    #[command(flatten)]
    pub oci: OciArgs,
}

/// `weft label ...`.
#[derive(Debug, Subcommand)]
pub enum LabelCommand {
    /// Set labels on a host; apps waiting for such a host are placed at once.
    Put {
        /// Labels to set.
        #[arg(value_name = "KEY=VALUE", required = true)]
        labels: Vec<String>,
        /// The host (see `weft get hosts`).
        #[arg(long, default_value = "local")]
        host: String,
    },
    /// Remove labels set with `weft label put`.
    Del {
        /// Label keys.
        #[arg(value_name = "KEY", required = true)]
        keys: Vec<String>,
        /// The host (see `weft get hosts`).
        #[arg(long, default_value = "local")]
        host: String,
    },
}

/// `weft app ...`.
#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Store a manifest and deploy it (FILE), or deploy a stored app (NAME [VERSION]).
    Deploy {
        /// A manifest file, or the name of a stored application.
        target: String,
        /// With NAME: the version to deploy (default: the latest).
        #[arg(value_name = "VERSION")]
        app_version: Option<String>,
    },
    /// Store a manifest as a new version without deploying it.
    Put {
        /// The manifest file (YAML or JSON).
        file: PathBuf,
    },
    /// Print a stored manifest (the latest version unless VERSION is given).
    Get {
        /// Application name.
        name: String,
        /// The version to print.
        #[arg(value_name = "VERSION")]
        app_version: Option<String>,
    },
    /// Every application, its versions and status.
    List,
    /// One application's status, with the reasons for anything not running.
    Status {
        /// Application name.
        name: String,
        /// Keep printing the status each time it changes (until Ctrl-C or `weft up` stops).
        #[arg(long, short)]
        watch: bool,
    },
    /// The stored versions of an application, and which one is deployed.
    Versions {
        /// Application name.
        name: String,
    },
    /// Who put, deployed, undeployed or deleted what, and when.
    History {
        /// Application name.
        name: String,
    },
    /// Stop an application and remove what it owns (its versions stay stored).
    Undeploy {
        /// Application name.
        name: String,
    },
    /// Delete a stored version, or the whole application (never what is deployed).
    Delete {
        /// Application name.
        name: String,
        /// Only this version.
        #[arg(value_name = "VERSION")]
        app_version: Option<String>,
    },
    /// Check manifests against every rule, reporting all problems with file:line:col.
    Validate {
        /// Manifest files (YAML or JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema of application manifests, for editors.
    Schema,
}

/// `weft config ...`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Create or replace a named config; apps waiting for it deploy at once.
    Put {
        /// Config name.
        name: String,
        /// Its values (replacing all previous ones).
        #[arg(value_name = "KEY=VALUE")]
        values: Vec<String>,
    },
    /// Print a named config's values.
    Get {
        /// Config name.
        name: String,
    },
    /// Delete a named config made by hand.
    Del {
        /// Config name.
        name: String,
    },
}

/// `weft secret ...`.
#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Store a secret's value (its next version), read from standard input or a file; apps
    /// waiting for it deploy at once. Values are never taken as arguments, so they stay out
    /// of shell history.
    Put {
        /// Secret name (the manifest's `key`).
        name: String,
        /// Read the value from this file instead of standard input.
        #[arg(long, value_name = "PATH")]
        from_file: Option<std::path::PathBuf>,
    },
    /// Delete a secret.
    Del {
        /// Secret name.
        name: String,
    },
    /// List secrets: names, versions and when they changed (never values).
    List,
}

/// `weft link ...`.
#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// Create or replace a link from SOURCE to TARGET over NAMESPACE:PACKAGE.
    Put {
        /// The calling component or capability id (e.g. an HTTP server's).
        source: String,
        /// The called component or capability id.
        target: String,
        /// WIT namespace (e.g. `wasi`).
        namespace: String,
        /// WIT package (e.g. `http`).
        package: String,
        /// WIT interface (repeatable; at least one, e.g. `incoming-handler`).
        #[arg(long = "interface", required = true)]
        interfaces: Vec<String>,
        /// The link's name, to have several links on one interface.
        #[arg(long, default_value = "default")]
        link_name: String,
        /// A config the source reads for this link (repeatable).
        #[arg(long)]
        source_config: Vec<String>,
        /// A config the target reads for this link (repeatable).
        #[arg(long)]
        target_config: Vec<String>,
    },
    /// Every link, from manifests and by hand.
    Get,
    /// Delete a link made by hand.
    Del {
        /// The source id.
        source: String,
        /// WIT namespace.
        namespace: String,
        /// WIT package.
        package: String,
        /// The link's name.
        #[arg(long, default_value = "default")]
        link_name: String,
    },
}

/// `weft get ...`.
#[derive(Debug, Subcommand)]
pub enum GetCommand {
    /// The hosts of the lattice, their labels and load.
    Hosts,
    /// What runs on each host, and which app owns it.
    Inventory,
    /// Every link, from manifests and by hand.
    Links,
    /// Every named config, or one config's values.
    Config {
        /// Only this config.
        name: Option<String>,
    },
}

/// `weft run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The component to serve (a `.wasm` file exporting `wasi:http/incoming-handler`).
    #[arg(required_unless_present = "example", conflicts_with = "example")]
    pub component: Option<PathBuf>,

    /// Serve an example built into weft instead of a file (try `hello`).
    #[arg(long, value_name = "NAME")]
    pub example: Option<String>,

    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8000", env = "WEFT_LISTEN")]
    pub listen: SocketAddr,

    /// How long and how large one instance may run.
    #[command(flatten)]
    pub instances: InstanceArgs,

    /// Where guests that compute for long run.
    #[command(flatten)]
    pub busy_lane: BusyLaneArgs,

    /// Most instances alive at once (the size of the instance pool).
    #[arg(long, default_value_t = 1000, env = "WEFT_MAX_INSTANCES")]
    pub max_instances: u32,

    /// Let the component make outgoing HTTP requests to HOST, HOST:PORT or `*` (repeatable).
    /// Denied by default; `*` still excludes loopback and link-local addresses.
    #[arg(long = "allow-http", value_name = "HOST[:PORT]")]
    pub allow_http: Vec<String>,

    /// Allocate instances on demand instead of from a pre-reserved pool.
    #[arg(long)]
    pub no_pooling: bool,

    /// Where compiled components are cached (default: the user's cache directory).
    #[arg(long, env = "WEFT_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Compile every time; neither read nor write the compiled-component cache.
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,

    /// How long shutdown waits for in-flight requests (e.g. 10s).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub shutdown_grace: std::time::Duration,

    /// Engine tuning, for benchmarks (see BENCHMARKS.md).
    #[command(flatten)]
    pub tuning: TuningArgs,
}

/// Hidden engine knobs the benchmarks compare; the defaults are the measured best.
#[derive(Debug, Args)]
pub struct TuningArgs {
    /// Map memory images copy-on-write instead of copying data segments.
    #[arg(long, hide = true)]
    pub tune_cow: bool,

    /// Bytes of each pooled memory kept resident between instances.
    #[arg(long, hide = true, value_parser = parse_size)]
    pub tune_keep_resident: Option<usize>,

    /// Do not use the PAGEMAP_SCAN ioctl to reset only dirtied pages.
    #[arg(long, hide = true)]
    pub tune_no_pagemap_scan: bool,
}
