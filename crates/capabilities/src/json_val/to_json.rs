//! [`Val`] → JSON, the form [`super::from_json`] reads back.

use serde_json::{Value, json};
use wasmtime::component::Val;

/// `val` as JSON; resources, futures and streams become a string saying what they are.
pub fn to_json(val: &Val) -> Value {
    match val {
        Val::Bool(b) => json!(b),
        Val::S8(n) => json!(n),
        Val::U8(n) => json!(n),
        Val::S16(n) => json!(n),
        Val::U16(n) => json!(n),
        Val::S32(n) => json!(n),
        Val::U32(n) => json!(n),
        Val::S64(n) => json!(n),
        Val::U64(n) => json!(n),
        // Through its shortest decimal form, so 0.1f32 reads 0.1, not 0.10000000149011612.
        Val::Float32(n) => float(n.to_string().parse().unwrap_or(f64::from(*n))),
        Val::Float64(n) => float(*n),
        Val::Char(c) => json!(c.to_string()),
        Val::String(s) => json!(s),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
            Value::Array(items.iter().map(to_json).collect())
        }
        Val::Map(pairs) => Value::Array(
            pairs
                .iter()
                .map(|(key, value)| json!([to_json(key), to_json(value)]))
                .collect(),
        ),
        Val::Record(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, value)| (name.clone(), to_json(value)))
                .collect(),
        ),
        Val::Variant(case, None) | Val::Enum(case) => json!(case),
        Val::Variant(case, Some(payload)) => json!({ case: to_json(payload) }),
        Val::Option(None) => Value::Null,
        // `some(none)` of an option of an option, which `null` would not tell from `none`.
        Val::Option(Some(inner)) if matches!(**inner, Val::Option(None)) => json!({ "some": null }),
        Val::Option(Some(value)) => to_json(value),
        Val::Result(Ok(payload)) => {
            json!({ "ok": payload.as_deref().map_or(Value::Null, to_json) })
        }
        Val::Result(Err(payload)) => {
            json!({ "err": payload.as_deref().map_or(Value::Null, to_json) })
        }
        Val::Flags(names) => json!(names),
        Val::Resource(_) => json!("<resource>"),
        Val::Future(_) => json!("<future>"),
        Val::Stream(_) => json!("<stream>"),
        Val::ErrorContext(_) => json!("<error-context>"),
    }
}

fn float(n: f64) -> Value {
    if n.is_nan() {
        json!("NaN")
    } else if n.is_infinite() {
        json!(if n > 0.0 { "inf" } else { "-inf" })
    } else {
        json!(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_the_json_people_write() {
        let record = Val::Record(vec![
            ("text".into(), Val::String("HI!".into())),
            ("words".into(), Val::U32(1)),
            ("note".into(), Val::Option(None)),
        ]);
        assert_eq!(
            to_json(&record),
            json!({"text": "HI!", "words": 1, "note": null})
        );
        assert_eq!(
            to_json(&Val::Result(Ok(Some(Box::new(Val::S8(-3)))))),
            json!({"ok": -3})
        );
        assert_eq!(to_json(&Val::Result(Err(None))), json!({"err": null}));
        assert_eq!(to_json(&Val::Variant("none".into(), None)), json!("none"));
        assert_eq!(
            to_json(&Val::Variant("some".into(), Some(Box::new(Val::Char('x'))))),
            json!({"some": "x"})
        );
        assert_eq!(to_json(&Val::Float64(f64::NAN)), json!("NaN"));
        assert_eq!(to_json(&Val::Float32(f32::NEG_INFINITY)), json!("-inf"));
        assert_eq!(to_json(&Val::Float32(0.1)), json!(0.1));
        let some_none = Val::Option(Some(Box::new(Val::Option(None))));
        assert_eq!(to_json(&some_none), json!({"some": null}));
        assert_eq!(
            to_json(&Val::Flags(vec!["read".into(), "write".into()])),
            json!(["read", "write"])
        );
    }
}
