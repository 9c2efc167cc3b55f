//! A revealed secret value: wiped from memory when dropped, never printed.

use std::fmt;

use zeroize::Zeroizing;

/// The bytes of one secret. `Debug` shows only the length; there is no `Display` and no
/// `Serialize`, so a value cannot end up in a log line, an event or a JSON answer by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(Zeroizing<Vec<u8>>);

impl SecretValue {
    /// Wraps `bytes`.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The bytes, for the one place that must hand them over (a component's `reveal`).
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// How many bytes it has.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The string member `field` of this value read as a JSON object (wadm's `field` of a
    /// secret reference). The error never quotes the value.
    pub fn field(&self, field: &str) -> Result<SecretValue, NoSuchField> {
        let no_field = |why| NoSuchField {
            field: field.to_owned(),
            why,
        };
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&self.0).map_err(|_| no_field(FieldProblem::NotAnObject))?;
        match object.get(field) {
            Some(serde_json::Value::String(text)) => Ok(Self::new(text.clone().into_bytes())),
            Some(_) => Err(no_field(FieldProblem::NotAString)),
            None => Err(no_field(FieldProblem::Missing)),
        }
    }
}

/// A secret's `field` that cannot be read (never quoting the value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", why.describe(field))]
pub struct NoSuchField {
    /// The field asked for.
    pub field: String,
    /// Why it cannot be read.
    pub why: FieldProblem,
}

/// Why a secret's field cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldProblem {
    /// The secret is not a JSON object.
    NotAnObject,
    /// The field is not a string.
    NotAString,
    /// The object has no such field.
    Missing,
}

impl FieldProblem {
    fn describe(self, field: &str) -> String {
        match self {
            Self::NotAnObject => {
                format!("the secret is not a JSON object, so it has no field `{field}`")
            }
            Self::NotAString => format!("field `{field}` of the secret is not a string"),
            Self::Missing => format!("the secret has no field `{field}`"),
        }
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "SecretValue(<{} bytes, redacted>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let value = SecretValue::new(b"hunter2".to_vec());
        assert_eq!(format!("{value:?}"), "SecretValue(<7 bytes, redacted>)");
    }

    #[test]
    fn a_field_is_read_from_a_json_object_without_quoting_it() {
        let value = SecretValue::new(br#"{"user":"ann","password":"hunter2","n":1}"#.to_vec());
        assert_eq!(value.field("password").unwrap().expose(), b"hunter2");
        let missing = value.field("token").unwrap_err();
        assert_eq!(missing.why, FieldProblem::Missing);
        let missing = missing.to_string();
        assert!(missing.contains("no field `token`") && !missing.contains("hunter2"));
        let number = value.field("n").unwrap_err();
        assert!(number.to_string().contains("not a string"));
        let plain = SecretValue::new(b"hunter2".to_vec())
            .field("x")
            .unwrap_err()
            .to_string();
        assert!(plain.contains("not a JSON object") && !plain.contains("hunter2"));
    }
}
