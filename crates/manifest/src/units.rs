//! The units manifest properties and command-line flags are written in: durations (`30s`,
//! humantime's syntax) and sizes (`256MiB`, bytesize's), with the messages in weft's words.

use std::time::Duration;

/// Parses `500ms`, `30s`, `2m`, `1h`, `1h 30m` (humantime); a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let parsed = match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            Duration::try_from_secs_f64(seconds)
                .map_err(|_| format!("`{text}` seconds is longer than any duration weft can wait"))
        }
        Ok(_) => Err(format!("`{text}` must be a positive duration")),
        Err(_) => humantime::parse_duration(text).map_err(|error| {
            format!("`{text}` is not a duration ({error}); write e.g. 500ms, 30s, 2m or 1h")
        }),
    }?;
    if parsed.is_zero() {
        return Err(format!("`{text}` must be a positive duration"));
    }
    Ok(parsed)
}

/// Parses a positive size: `1048576`, `64KiB`, `256MiB`, `1GiB` (KB/MB/GB are powers of 1000).
pub fn parse_bytes(text: &str) -> Result<usize, String> {
    match parse_size(text)? {
        0 => Err(format!("`{text}` must be a positive size")),
        bytes => Ok(bytes),
    }
}

/// Parses a size like [`parse_bytes`], allowing zero. A bare `k`, `m` or `g` means KiB, MiB
/// or GiB (as weft always read them); bytesize reads everything else.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("`{text}` is not a size; write e.g. 64MiB or 1GiB"));
    }
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let binary = match text[digits.len()..].to_ascii_lowercase().as_str() {
        "k" => "KiB",
        "m" => "MiB",
        "g" => "GiB",
        _ => &text[digits.len()..],
    };
    let normalized = format!("{}{binary}", digits.trim_end());
    let size: bytesize::ByteSize = normalized
        .parse()
        .map_err(|error| format!("`{text}` is not a size ({error}); write e.g. 64MiB or 1GiB"))?;
    // bytesize saturates what overflows; that is too large here too.
    usize::try_from(size.as_u64())
        .ok()
        .filter(|bytes| *bytes < usize::MAX)
        .ok_or_else(|| format!("`{text}` is too large to fit in memory"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").unwrap_err().contains("e.g. 500ms"));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("-3").is_err());
        // Found in review: a finite number of seconds no Duration holds once panicked.
        for huge in ["1e20", "18446744073709551616"] {
            assert!(
                parse_duration(huge)
                    .unwrap_err()
                    .contains("longer than any duration")
            );
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("256MiB"), Ok(256 << 20));
        assert_eq!(parse_bytes("256m"), Ok(256 << 20), "a bare m is MiB");
        assert_eq!(parse_bytes("1GiB"), Ok(1 << 30));
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert_eq!(parse_bytes("2MB"), Ok(2_000_000));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("3 furlongs").is_err());
        assert!(parse_bytes("0").is_err());
        assert_eq!(parse_size("0"), Ok(0));
        assert!(parse_size("99999999999999999999GiB").is_err());
    }
}
