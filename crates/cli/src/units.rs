//! The units flags take: the shared parsers of `weft_manifest::units`, and `off` for a
//! duration that can be switched off.

use std::time::Duration;

pub use weft_manifest::units::{parse_bytes, parse_duration, parse_size};

/// A duration flag that `off` switches off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationOrOff(pub Option<Duration>);

/// Parses a duration as [`parse_duration`] does, or `off`.
pub fn parse_duration_or_off(text: &str) -> Result<DurationOrOff, String> {
    if text.trim().eq_ignore_ascii_case("off") {
        return Ok(DurationOrOff(None));
    }
    parse_duration(text)
        .map(|duration| DurationOrOff(Some(duration)))
        .map_err(|message| format!("{message}, or `off`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_or_off() {
        assert_eq!(
            parse_duration_or_off("2ms"),
            Ok(DurationOrOff(Some(Duration::from_millis(2))))
        );
        assert_eq!(parse_duration_or_off("OFF"), Ok(DurationOrOff(None)));
        let refused = parse_duration_or_off("soon").unwrap_err();
        assert!(
            refused.contains("500ms") && refused.ends_with("or `off`"),
            "{refused}"
        );
    }
}
