//! `wasmcloud:postgres` values and Postgres's own: parameters out ([`Param`]), result columns
//! in ([`column_value`]), for every type the WIT's `pg-value` names.

mod calendar;
mod decode;
mod encode;
mod floats;
mod numeric;
mod text_search;

pub(crate) use decode::column_value;
pub(crate) use encode::Param;

use std::fmt::Write as _;

use crate::bindings::wasmcloud::postgres::types::{Lexeme, PgValue};

/// The bytes a decoded value holds beyond its fixed size (strings, byte strings, lists), for
/// the bound on a result's size.
pub(crate) fn decoded_size(value: &PgValue) -> usize {
    use PgValue as V;
    let texts = |items: &[String]| items.iter().map(|item| item.len() + 24).sum();
    match value {
        V::Text(text) | V::Numeric(text) | V::Decimal(text) | V::Money(text) | V::Json(text) => {
            text.len()
        }
        V::Jsonb(text) | V::Xml(text) | V::Name(text) | V::TsQuery(text) | V::Uuid(text) => {
            text.len()
        }
        V::Inet(text) | V::Cidr(text) => text.len(),
        V::Bytea(bytes) | V::Varchar((_, bytes)) | V::Char((_, bytes)) | V::Bit((_, bytes)) => {
            bytes.len()
        }
        V::Varbit((_, bytes)) | V::BitVarying((_, bytes)) => bytes.len(),
        V::TsVector(lexemes) => lexemes
            .iter()
            .map(|lexeme| lexeme.data.len() + std::mem::size_of::<Lexeme>())
            .sum(),
        V::Hstore(entries) => entries
            .iter()
            .map(|(key, value)| key.len() + value.as_ref().map_or(0, String::len) + 48)
            .sum(),
        V::TextArray(items) | V::NumericArray(items) | V::MoneyArray(items) => texts(items),
        V::JsonArray(items) | V::JsonbArray(items) | V::XmlArray(items) => texts(items),
        V::NameArray(items) | V::UuidArray(items) | V::InetArray(items) => texts(items),
        V::CidrArray(items) => texts(items),
        V::ByteaArray(items) => items.iter().map(|item| item.len() + 24).sum(),
        _ => 0, // Fixed-size values: their wire size bounds them.
    }
}

/// Keeps the first bytes written to it and refuses the rest, so formatting a large value
/// stops early.
struct Prefix(String);

impl std::fmt::Write for Prefix {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.push_str(text);
        if self.0.len() > 64 {
            return Err(std::fmt::Error);
        }
        Ok(())
    }
}

/// The WIT name of a value's variant (`int8`, `timestamp-tz`), for messages.
pub(crate) fn variant_name(value: &PgValue) -> String {
    let mut prefix = Prefix(String::new());
    let _ = write!(prefix, "{value:?}"); // Stops after the variant's name.
    let debug = prefix.0;
    let name = debug
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .rsplit("::")
        .next()
        .unwrap_or_default();
    let mut kebab = String::with_capacity(name.len() + 4);
    for (index, character) in name.chars().enumerate() {
        if character.is_ascii_uppercase() && index > 0 {
            kebab.push('-');
        }
        kebab.push(character.to_ascii_lowercase());
    }
    kebab
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_named_as_in_the_wit() {
        assert_eq!(variant_name(&PgValue::Int8(1)), "int8");
        assert_eq!(variant_name(&PgValue::Null), "null");
        assert_eq!(variant_name(&PgValue::TextArray(vec![])), "text-array");
    }
}
