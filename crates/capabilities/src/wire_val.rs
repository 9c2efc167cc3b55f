//! Component values as they cross between hosts: a self-describing JSON form of wasmtime's
//! [`Val`], so the receiving side needs no type information to rebuild them. Resources,
//! futures and streams do not cross (links between components carry plain values only).

use serde::{Deserialize, Serialize};
use wasmtime::component::Val;

/// One value on the wire. Floats travel as their bits, so NaNs and infinities survive JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum WireVal {
    /// `bool`.
    Bool(bool),
    /// `s8`.
    S8(i8),
    /// `u8`.
    U8(u8),
    /// `s16`.
    S16(i16),
    /// `u16`.
    U16(u16),
    /// `s32`.
    S32(i32),
    /// `u32`.
    U32(u32),
    /// `s64`.
    S64(i64),
    /// `u64`.
    U64(u64),
    /// `f32`, as bits.
    F32(u32),
    /// `f64`, as bits.
    F64(u64),
    /// `char`.
    Char(char),
    /// `string`.
    String(String),
    /// `list<T>`.
    List(Vec<WireVal>),
    /// A record's fields, in order.
    Record(Vec<(String, WireVal)>),
    /// `tuple<…>`.
    Tuple(Vec<WireVal>),
    /// A variant's case and payload.
    Variant(String, Option<Box<WireVal>>),
    /// An enum's case.
    Enum(String),
    /// `option<T>`.
    Option(Option<Box<WireVal>>),
    /// `result<T, E>`.
    Result(Result<Option<Box<WireVal>>, Option<Box<WireVal>>>),
    /// `flags`, the ones set.
    Flags(Vec<String>),
}

/// A value that cannot be sent to a component on another host (a resource, a stream, a future).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {kind} cannot be sent to a component on another host; links carry plain values only")]
pub struct NotPlainValue {
    /// What kind of value it is.
    pub kind: &'static str,
}

/// `value` on the wire, or why it cannot cross.
pub fn to_wire(value: &Val) -> Result<WireVal, NotPlainValue> {
    let boxed = |value: &Option<Box<Val>>| -> Result<Option<Box<WireVal>>, NotPlainValue> {
        value
            .as_deref()
            .map(|value| to_wire(value).map(Box::new))
            .transpose()
    };
    let all = |values: &[Val]| values.iter().map(to_wire).collect::<Result<Vec<_>, _>>();
    Ok(match value {
        Val::Bool(value) => WireVal::Bool(*value),
        Val::S8(value) => WireVal::S8(*value),
        Val::U8(value) => WireVal::U8(*value),
        Val::S16(value) => WireVal::S16(*value),
        Val::U16(value) => WireVal::U16(*value),
        Val::S32(value) => WireVal::S32(*value),
        Val::U32(value) => WireVal::U32(*value),
        Val::S64(value) => WireVal::S64(*value),
        Val::U64(value) => WireVal::U64(*value),
        Val::Float32(value) => WireVal::F32(value.to_bits()),
        Val::Float64(value) => WireVal::F64(value.to_bits()),
        Val::Char(value) => WireVal::Char(*value),
        Val::String(value) => WireVal::String(value.clone()),
        Val::List(values) => WireVal::List(all(values)?),
        Val::Record(fields) => WireVal::Record(
            fields
                .iter()
                .map(|(name, value)| Ok((name.clone(), to_wire(value)?)))
                .collect::<Result<_, NotPlainValue>>()?,
        ),
        Val::Tuple(values) => WireVal::Tuple(all(values)?),
        Val::Variant(case, payload) => WireVal::Variant(case.clone(), boxed(payload)?),
        Val::Enum(case) => WireVal::Enum(case.clone()),
        Val::Option(value) => WireVal::Option(boxed(value)?),
        Val::Result(Ok(value)) => WireVal::Result(Ok(boxed(value)?)),
        Val::Result(Err(value)) => WireVal::Result(Err(boxed(value)?)),
        Val::Flags(flags) => WireVal::Flags(flags.clone()),
        other => {
            return Err(NotPlainValue {
                kind: kind_of(other),
            });
        }
    })
}

/// The value `wire` describes.
pub fn from_wire(wire: WireVal) -> Val {
    let boxed = |value: Option<Box<WireVal>>| value.map(|value| Box::new(from_wire(*value)));
    let all = |values: Vec<WireVal>| values.into_iter().map(from_wire).collect();
    match wire {
        WireVal::Bool(value) => Val::Bool(value),
        WireVal::S8(value) => Val::S8(value),
        WireVal::U8(value) => Val::U8(value),
        WireVal::S16(value) => Val::S16(value),
        WireVal::U16(value) => Val::U16(value),
        WireVal::S32(value) => Val::S32(value),
        WireVal::U32(value) => Val::U32(value),
        WireVal::S64(value) => Val::S64(value),
        WireVal::U64(value) => Val::U64(value),
        WireVal::F32(bits) => Val::Float32(f32::from_bits(bits)),
        WireVal::F64(bits) => Val::Float64(f64::from_bits(bits)),
        WireVal::Char(value) => Val::Char(value),
        WireVal::String(value) => Val::String(value),
        WireVal::List(values) => Val::List(all(values)),
        WireVal::Record(fields) => Val::Record(
            fields
                .into_iter()
                .map(|(name, value)| (name, from_wire(value)))
                .collect(),
        ),
        WireVal::Tuple(values) => Val::Tuple(all(values)),
        WireVal::Variant(case, payload) => Val::Variant(case, boxed(payload)),
        WireVal::Enum(case) => Val::Enum(case),
        WireVal::Option(value) => Val::Option(boxed(value)),
        WireVal::Result(Ok(value)) => Val::Result(Ok(boxed(value))),
        WireVal::Result(Err(value)) => Val::Result(Err(boxed(value))),
        WireVal::Flags(flags) => Val::Flags(flags),
    }
}

fn kind_of(value: &Val) -> &'static str {
    match value {
        Val::Resource(_) => "resource",
        _ => "value of this kind",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_survive_the_wire() {
        let value = Val::Record(vec![
            ("name".into(), Val::String("ünï".into())),
            ("ratio".into(), Val::Float64(f64::NAN)),
            (
                "tags".into(),
                Val::List(vec![Val::Enum("a".into()), Val::Flags(vec!["x".into()])]),
            ),
            (
                "outcome".into(),
                Val::Result(Err(Some(Box::new(Val::Variant(
                    "bad".into(),
                    Some(Box::new(Val::Tuple(vec![Val::U8(1), Val::Char('z')]))),
                ))))),
            ),
            ("maybe".into(), Val::Option(None)),
        ]);
        let json = serde_json::to_string(&to_wire(&value).unwrap()).unwrap();
        let back = from_wire(serde_json::from_str(&json).unwrap());
        let Val::Record(fields) = &back else {
            panic!("{back:?}")
        };
        assert!(matches!(fields[1].1, Val::Float64(ratio) if ratio.is_nan()));
        let (Val::Record(mut want), Val::Record(mut got)) = (value, back) else {
            unreachable!()
        };
        want.remove(1);
        got.remove(1);
        assert_eq!(want, got);
    }
}
