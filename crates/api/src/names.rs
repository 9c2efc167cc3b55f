//! What a hand-made config's name and a host label's key may be.

/// Checks a config name: 1 to 253 characters of `a-z`, `A-Z`, `0-9`, `-`, `_` and `.`.
pub(crate) fn check_config_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || name.len() > 253 || !name.chars().all(allowed) {
        return Err(format!(
            "`{name}` is not a config name: use 1 to 253 letters, digits, `-`, `_` or `.`"
        ));
    }
    Ok(())
}

/// Checks a secret name: the same characters as a config name.
pub(crate) fn check_secret_name(name: &str) -> Result<(), String> {
    check_config_name(name).map_err(|_| {
        format!("`{name}` is not a secret name: use 1 to 253 letters, digits, `-`, `_` or `.`")
    })
}

/// Checks a label key: like a config name, and not under `hostcore.` (facts the host reports
/// about itself).
pub(crate) fn check_label_key(key: &str) -> Result<(), String> {
    check_config_name(key).map_err(|_| {
        format!("`{key}` is not a label key: use 1 to 253 letters, digits, `-`, `_` or `.`")
    })?;
    if key.starts_with("hostcore.") {
        return Err(format!(
            "`{key}` is reserved: `hostcore.*` labels are facts the host reports about itself"
        ));
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
