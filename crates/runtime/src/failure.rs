//! Why an invocation failed, classified from Wasmtime's error so logs and responses can name
//! the reason (deadline, memory, trap) instead of dumping a backtrace.

use std::fmt;
use std::time::Duration;

use wasmtime::Trap;

/// Raised inside a guest when an invocation runs past its deadline.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("ran past its deadline of {deadline:?}")]
pub struct DeadlineExceeded {
    /// The deadline that was exceeded.
    pub deadline: Duration,
}

/// Raised inside a guest when it tries to grow its memory past the per-instance limit.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("tried to grow its memory to {} MiB, past the limit of {} MiB", desired_bytes >> 20, limit_bytes >> 20)]
pub struct MemoryLimitExceeded {
    /// The limit, in bytes.
    pub limit_bytes: usize,
    /// The size the guest asked for, in bytes.
    pub desired_bytes: usize,
}

/// The reason one invocation of a component failed.
#[derive(Debug, Clone)]
pub enum InvocationFailure {
    /// It ran past its deadline (or was interrupted).
    Deadline(String),
    /// It tried to use more memory than allowed.
    Memory(String),
    /// It overflowed the wasm stack.
    StackOverflow,
    /// It trapped (a panic, `unreachable`, an out-of-bounds access, ...).
    Trap(String),
    /// The host failed around the guest (e.g. instantiation ran out of pool slots).
    Host(String),
}

impl InvocationFailure {
    /// Classifies an error returned by instantiating or calling a component.
    pub fn classify(error: &wasmtime::Error) -> Self {
        if let Some(deadline) = error.downcast_ref::<DeadlineExceeded>() {
            return Self::Deadline(deadline.to_string());
        }
        if let Some(memory) = error.downcast_ref::<MemoryLimitExceeded>() {
            return Self::Memory(memory.to_string());
        }
        match error.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => Self::Deadline("was interrupted".into()),
            Some(Trap::StackOverflow) => Self::StackOverflow,
            Some(trap) => Self::Trap(trap.to_string()),
            None => Self::Host(format!("{error:#}")),
        }
    }

    /// A one-word reason for logs and metrics: `deadline`, `memory`, `stack`, `trap`, `host`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Deadline(_) => "deadline",
            Self::Memory(_) => "memory",
            Self::StackOverflow => "stack",
            Self::Trap(_) => "trap",
            Self::Host(_) => "host",
        }
    }

    /// Whether the failure is a resource limit (retrying later may succeed) rather than a fault.
    pub fn is_resource_limit(&self) -> bool {
        matches!(self, Self::Deadline(_) | Self::Memory(_))
    }
}

impl fmt::Display for InvocationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Deadline(detail) => write!(f, "deadline: the component {detail}"),
            Self::Memory(detail) => write!(f, "memory: the component {detail}"),
            Self::StackOverflow => write!(f, "stack: the component overflowed its stack"),
            Self::Trap(detail) => write!(f, "trap: the component trapped: {detail}"),
            Self::Host(detail) => write!(f, "host: {detail}"),
        }
    }
}
