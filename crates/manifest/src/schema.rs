//! The JSON Schema of the manifest, generated from the Rust types, for editors.

use crate::model::Manifest;

/// The manifest's JSON Schema (draft 2020-12), pretty-printed.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Manifest);
    // A schemars schema is a JSON value with string keys: encoding it cannot fail.
    serde_json::to_string_pretty(&schema)
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn schema_describes_the_manifest() {
        let schema: serde_json::Value = serde_json::from_str(&super::json_schema()).unwrap();
        assert_eq!(schema["title"], "Manifest");
        let required = schema["required"].as_array().unwrap();
        for field in ["apiVersion", "kind", "metadata", "spec"] {
            assert!(
                required.iter().any(|r| r == field),
                "{field} should be required"
            );
        }
    }
}
