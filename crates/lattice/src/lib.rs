//! The lattice: what every weft process shares.
//!
//! - The durable key-value [`Store`] with compare-and-swap revisions, and its embedded
//!   implementation [`EmbeddedStore`] (one redb file under the state directory; an
//!   acknowledged write survives `kill -9`).
//! - The [`EventBus`]: hosts publish typed [`LatticeEvent`]s, the deployment manager
//!   subscribes and reacts at once. [`InProcessBus`] serves `weft up`.
//!
//! - The same two over NATS, for a lattice of many processes: [`NatsStore`] (a JetStream
//!   key-value bucket per lattice, compare-and-swap by expected revision) and [`NatsBus`]
//!   (events as wasmCloud-shaped CloudEvents on `wasmbus.evt.{lattice}.…`), reached with
//!   [`NatsSettings::connect`]. A [`LatticeName`] scopes both.
//! - The [`AuditLog`]: who asked for which change, when, and how it ended.
//! - The control interface's wire types, shaped like wasmCloud's: subjects
//!   ([`parse_ctl_subject`]) and payloads ([`CtlResponse`], [`HostSummary`], …).

mod any_store;
mod audit;
mod bus;
mod cloud_event;
mod command;
mod ctl_payloads;
mod ctl_subjects;
mod embedded;
mod event;
mod event_data;
mod host_report;
mod json_bytes;
mod lattice_name;
mod lattice_view;
mod nats_bus;
mod nats_connect;
mod nats_key;
mod nats_store;
mod observed;
mod owner;
mod retry;
mod shared_entry;
mod store;

pub use any_store::LatticeStore;
pub use audit::{
    AuditChannel, AuditEntry, AuditError, AuditLog, AuditQuery, USER_HEADER, claimed_user,
};
pub use bus::{EventBus, InProcessBus, Received, Subscription};
pub use cloud_event::{CloudEvent, UnreadableEvent, events_subject, wire_name_of};
pub use command::{Command, ComponentLimits, FencedCommand, LinkSpec, SecretBinding};
pub use ctl_payloads::{
    APP_ANNOTATION, BadCtlBody, ComponentDescription, ComponentLimitsReport, CtlResponse,
    HostInventory, HostSummary, LabelChange, LimitsInEffect, Link, LinkDelete, ProviderDescription,
    ScaleComponent, StartProvider, StopProvider, human_uptime, parse_ctl_body,
};
pub use ctl_subjects::{Operation, ctl_prefix, parse_ctl_subject};
pub use embedded::EmbeddedStore;
pub use event::LatticeEvent;
pub use event_data::EventDataError;
pub use host_report::HostReport;
pub use json_bytes::json_bytes;
pub use lattice_name::{InvalidLatticeName, LatticeName};
pub use lattice_view::Lattice;
pub use nats_bus::NatsBus;
pub use nats_connect::{NatsConnectError, NatsSettings, nats_server_authority};
pub use nats_store::NatsStore;
pub use observed::{
    ObservedHost, ObservedLattice, RunningCapability, RunningComponent, StoredConfig,
};
pub use retry::{CommandError, Retry};
pub use shared_entry::SharedEntry;
pub use store::{Entry, Expect, Store, StoreError};
