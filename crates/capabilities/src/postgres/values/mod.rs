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

use crate::bindings::wasmcloud::postgres::types::PgValue;

/// The WIT name of a value's variant (`int8`, `timestamp-tz`), for messages.
pub(crate) fn variant_name(value: &PgValue) -> String {
    let debug = format!("{value:?}");
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
