//! Who owns what runs: an application, or nobody (started by hand).
//!
//! Ownership is `Option<String>` everywhere: `Some(app)` for what an application's manifest
//! declares, `None` for what was put or started by hand (`weft config put`, `component.scale`,
//! `provider.start`). Hosts of weft releases before this one wrote an empty string for
//! "nobody"; [`deserialize`] reads that as `None` too.

use serde::{Deserialize, Deserializer};

/// Reads an owner: a name, `null`, or (from older hosts) `""` for none.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let owner = Option::<String>::deserialize(deserializer)?;
    Ok(owner.filter(|app| !app.is_empty()))
}

#[cfg(test)]
mod tests {
    use crate::RunningCapability;

    #[test]
    fn an_empty_owner_from_an_older_host_is_nobody() {
        let read = |json: &str| serde_json::from_str::<RunningCapability>(json).unwrap().app;
        assert_eq!(read(r#"{"id":"c","image":"i","app":""}"#), None);
        assert_eq!(read(r#"{"id":"c","image":"i","app":null}"#), None);
        assert_eq!(read(r#"{"id":"c","image":"i"}"#), None);
        assert_eq!(
            read(r#"{"id":"c","image":"i","app":"shop"}"#).as_deref(),
            Some("shop")
        );
    }
}
