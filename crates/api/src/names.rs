//! What a hand-made config's name may be.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_words() {
        assert!(check_config_name("redis-url").is_ok());
        assert!(check_config_name("app.v2_settings").is_ok());
        for bad in ["", "a/b", "with space", "ü"] {
            assert!(check_config_name(bad).is_err(), "{bad:?}");
        }
    }
}
