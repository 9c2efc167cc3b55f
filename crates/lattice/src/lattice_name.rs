//! A lattice's name: it scopes every subject and bucket, so several lattices share one NATS
//! without seeing each other.

use std::fmt;
use std::str::FromStr;

/// A valid lattice name: 1 to 64 of `A-Z a-z 0-9 - _` (it becomes a NATS subject token and
/// part of a bucket name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LatticeName(String);

impl LatticeName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for LatticeName {
    /// `default`, wasmCloud's default lattice.
    fn default() -> Self {
        Self("default".to_owned())
    }
}

impl fmt::Display for LatticeName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Why a lattice name is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a lattice name: use 1 to 64 letters, digits, `-` or `_` (it becomes part of NATS subjects and bucket names)"
)]
pub struct InvalidLatticeName(pub String);

impl FromStr for LatticeName {
    type Err = InvalidLatticeName;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let valid = !text.is_empty()
            && text.len() <= 64
            && text
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidLatticeName(text.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_subject_tokens() {
        assert_eq!(
            "prod-eu_1".parse::<LatticeName>().unwrap().as_str(),
            "prod-eu_1"
        );
        assert_eq!(LatticeName::default().as_str(), "default");
        for bad in ["", "a.b", "a b", "a*", ">", &"x".repeat(65)] {
            assert!(bad.parse::<LatticeName>().is_err(), "{bad:?}");
        }
    }
}
