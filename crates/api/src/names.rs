//! What a hand-made config's name and a host label's key may be.

/// A name the control plane refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidName {
    /// It has characters (or a length) names may not have.
    #[error("`{name}` is not a {what}: use 1 to 253 letters, digits, `-`, `_` or `.`")]
    Characters {
        /// What kind of name (`config name`, `secret name`, `label key`).
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A label key only the host sets.
    #[error("`{0}` is reserved: `hostcore.*` labels are facts the host reports about itself")]
    Reserved(String),
}

/// Checks that `name` is 1 to 253 characters of `a-z`, `A-Z`, `0-9`, `-`, `_` and `.`.
fn check_plain(name: &str, what: &'static str) -> Result<(), InvalidName> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || name.len() > 253 || !name.chars().all(allowed) {
        return Err(InvalidName::Characters {
            what,
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// Checks a config name: 1 to 253 characters of `a-z`, `A-Z`, `0-9`, `-`, `_` and `.`.
pub(crate) fn check_config_name(name: &str) -> Result<(), InvalidName> {
    check_plain(name, "config name")
}

/// Checks a secret name: the same characters as a config name.
pub(crate) fn check_secret_name(name: &str) -> Result<(), InvalidName> {
    check_plain(name, "secret name")
}

/// Checks a label key: like a config name, and not under `hostcore.` (facts the host reports
/// about itself).
pub(crate) fn check_label_key(key: &str) -> Result<(), InvalidName> {
    check_plain(key, "label key")?;
    if key.starts_with("hostcore.") {
        return Err(InvalidName::Reserved(key.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_words() {
        assert!(check_config_name("redis-url").is_ok());
        assert!(check_config_name("app.v2_settings").is_ok());
        for bad in ["", "a/b", "with space", "ü"] {
            assert!(check_config_name(bad).is_err(), "{bad:?}");
            assert!(check_label_key(bad).is_err(), "{bad:?}");
        }
        assert!(check_label_key("zone").is_ok());
        assert!(check_label_key("hostcore.os").is_err());
    }
}
