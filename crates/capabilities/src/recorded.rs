//! A component's call into a capability, recorded: its span and duration begin before the
//! call and end with its outcome (the error's text describes a failure).

use std::fmt::Display;

use weft_telemetry::{CapabilityCall, CapabilityOperation};

use crate::links::CapabilitiesView;

impl CapabilitiesView<'_> {
    /// Begins recording `operation` within the instance's trace.
    pub(crate) fn record(&self, operation: &CapabilityOperation<'_>) -> CapabilityCall {
        self.recorder.capability_call(operation, self.trace)
    }
}

/// Runs `call`, then ends `recorded` with its outcome.
pub(crate) async fn traced<T, E: Display>(
    recorded: CapabilityCall,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    ended(recorded, call.await)
}

/// Ends `recorded` with `result`'s outcome, and gives the result back.
pub(crate) fn ended<T, E: Display>(recorded: CapabilityCall, result: Result<T, E>) -> Result<T, E> {
    recorded.finish(result.as_ref().err().map(ToString::to_string));
    result
}
