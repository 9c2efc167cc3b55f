//! JSON → [`Val`], guided by the type the function expects.

use serde_json::Value;
use wasmtime::component::{Type, Val, types};

use super::{JsonValueError, type_name};

/// Reads `value` as a value of type `ty`; `at` says where it sits, for errors.
pub fn from_json(ty: &Type, value: &Value, at: &str) -> Result<Val, JsonValueError> {
    let wrong = || JsonValueError::new(at, format!("{value} is not {}", type_name(ty)));
    Ok(match ty {
        Type::Bool => Val::Bool(value.as_bool().ok_or_else(wrong)?),
        Type::S8 => Val::S8(signed(value, at, ty)?),
        Type::U8 => Val::U8(unsigned(value, at, ty)?),
        Type::S16 => Val::S16(signed(value, at, ty)?),
        Type::U16 => Val::U16(unsigned(value, at, ty)?),
        Type::S32 => Val::S32(signed(value, at, ty)?),
        Type::U32 => Val::U32(unsigned(value, at, ty)?),
        Type::S64 => Val::S64(signed(value, at, ty)?),
        Type::U64 => Val::U64(unsigned(value, at, ty)?),
        Type::Float32 => Val::Float32(narrow(float(value).ok_or_else(wrong)?, value, at)?),
        Type::Float64 => Val::Float64(float(value).ok_or_else(wrong)?),
        Type::Char => Val::Char(single_char(value).ok_or_else(wrong)?),
        Type::String => Val::String(
            value
                .as_str()
                .ok_or_else(|| not_a_string(value, at))?
                .to_owned(),
        ),
        Type::List(list) => Val::List(elements(&list.ty(), array(value, at, ty)?, at)?),
        Type::FixedLengthList(list) => {
            Val::FixedLengthList(elements(&list.ty(), array(value, at, ty)?, at)?)
        }
        Type::Tuple(tuple) => read_tuple(tuple, array(value, at, ty)?, at)?,
        Type::Record(record) => read_record(record, value.as_object().ok_or_else(wrong)?, at)?,
        Type::Option(_) if value.is_null() => Val::Option(None),
        Type::Option(option) => Val::Option(Some(Box::new(read_some(&option.ty(), value, at)?))),
        Type::Result(result) => read_result(result, value, at).ok_or_else(wrong)??,
        Type::Variant(variant) => read_variant(variant, case_of(value).ok_or_else(wrong)?, at)?,
        Type::Enum(cases) => {
            let name = value
                .as_str()
                .filter(|name| cases.names().any(|case| case == *name));
            Val::Enum(name.ok_or_else(wrong)?.to_owned())
        }
        Type::Flags(flags) => read_flags(flags, array(value, at, ty)?, at)?,
        Type::Map(map) => read_map(map, array(value, at, ty)?, at)?,
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            return Err(JsonValueError::new(
                at,
                format!("{} cannot be given from outside a component", type_name(ty)),
            ));
        }
    })
}

/// What `some` holds: `{"some": v}` spells `some(v)` out where `v` is itself an option
/// (`{"some": null}` is `some(none)`); any other value is the payload.
fn read_some(inner: &Type, value: &Value, at: &str) -> Result<Val, JsonValueError> {
    let spelled = value
        .as_object()
        .filter(|object| object.len() == 1)
        .and_then(|object| object.get("some"));
    match (inner, spelled) {
        (Type::Option(_), Some(payload)) => from_json(inner, payload, &format!("{at}.some")),
        _ => from_json(inner, value, at),
    }
}

/// Why `value` is no string; for a number or a boolean, also how a string is written.
fn not_a_string(value: &Value, at: &str) -> JsonValueError {
    let problem = if value.is_number() || value.is_boolean() {
        format!("{value} is not string; a string is written in quotes (\"{value}\")")
    } else {
        format!("{value} is not string")
    };
    JsonValueError::new(at, problem)
}

/// `n` as the `f32` the function takes, unless it is too large for one.
fn narrow(n: f64, value: &Value, at: &str) -> Result<f32, JsonValueError> {
    #[allow(clippy::cast_possible_truncation)] // Checked below: only the range can be lost.
    let narrowed = n as f32;
    if n.is_finite() && !narrowed.is_finite() {
        return Err(JsonValueError::new(
            at,
            format!("{value} is too large for f32"),
        ));
    }
    Ok(narrowed)
}

fn read_flags(flags: &types::Flags, names: &[Value], at: &str) -> Result<Val, JsonValueError> {
    let known: Vec<&str> = flags.names().collect();
    let names = names.iter().map(|name| {
        name.as_str()
            .filter(|name| known.contains(name))
            .map(str::to_owned)
            .ok_or_else(|| {
                let problem = format!("{name} is not one of the flags {}", known.join(", "));
                JsonValueError::new(at, problem)
            })
    });
    Ok(Val::Flags(names.collect::<Result<_, _>>()?))
}

fn read_tuple(tuple: &types::Tuple, items: &[Value], at: &str) -> Result<Val, JsonValueError> {
    if items.len() != tuple.types().len() {
        let problem = format!(
            "a tuple of {} values, not {}",
            tuple.types().len(),
            items.len()
        );
        return Err(JsonValueError::new(at, problem));
    }
    let read = tuple.types().zip(items).enumerate();
    let values = read.map(|(i, (ty, item))| from_json(&ty, item, &format!("{at}[{i}]")));
    Ok(Val::Tuple(values.collect::<Result<_, _>>()?))
}

/// A record's fields by name; a missing `option` field is `none`.
fn read_record(
    record: &types::Record,
    object: &serde_json::Map<String, Value>,
    at: &str,
) -> Result<Val, JsonValueError> {
    if let Some(unknown) = object
        .keys()
        .find(|key| !record.fields().any(|field| field.name == key.as_str()))
    {
        let names: Vec<&str> = record.fields().map(|field| field.name).collect();
        let problem = format!("no field `{unknown}`; the fields are {}", names.join(", "));
        return Err(JsonValueError::new(at, problem));
    }
    let fields = record.fields().map(|field| {
        let at = format!("{at}.{}", field.name);
        let value = match (object.get(field.name), &field.ty) {
            (Some(value), ty) => from_json(ty, value, &at)?,
            (None, Type::Option(_)) => Val::Option(None),
            (None, ty) => {
                let problem = format!("missing; give {}", type_name(ty));
                return Err(JsonValueError::new(&at, problem));
            }
        };
        Ok((field.name.to_owned(), value))
    });
    Ok(Val::Record(fields.collect::<Result<_, _>>()?))
}

fn read_variant(
    variant: &types::Variant,
    (case, payload): (&str, Option<&Value>),
    at: &str,
) -> Result<Val, JsonValueError> {
    let found = variant.cases().find(|c| c.name == case).ok_or_else(|| {
        let names: Vec<&str> = variant.cases().map(|c| c.name).collect();
        let problem = format!("no case `{case}`; the cases are {}", names.join(", "));
        JsonValueError::new(at, problem)
    })?;
    let payload = match (found.ty, payload) {
        (Some(ty), Some(payload)) => {
            Some(Box::new(from_json(&ty, payload, &format!("{at}.{case}"))?))
        }
        (None, None | Some(Value::Null)) => None,
        (Some(ty), None) => {
            let problem = format!(
                "case `{case}` carries {}: write {{\"{case}\": …}}",
                type_name(&ty)
            );
            return Err(JsonValueError::new(at, problem));
        }
        (None, Some(_)) => {
            return Err(JsonValueError::new(
                at,
                format!("case `{case}` carries nothing"),
            ));
        }
    };
    Ok(Val::Variant(case.to_owned(), payload))
}

fn read_map(map: &types::Map, pairs: &[Value], at: &str) -> Result<Val, JsonValueError> {
    let pairs = pairs.iter().enumerate().map(|(i, pair)| {
        let at = format!("{at}[{i}]");
        let [key, value] = pair.as_array().map(Vec::as_slice).unwrap_or_default() else {
            return Err(JsonValueError::new(
                &at,
                "a map entry is a [key, value] pair",
            ));
        };
        Ok((
            from_json(&map.key(), key, &at)?,
            from_json(&map.value(), value, &at)?,
        ))
    });
    Ok(Val::Map(pairs.collect::<Result<_, _>>()?))
}

fn array<'a>(value: &'a Value, at: &str, ty: &Type) -> Result<&'a Vec<Value>, JsonValueError> {
    value.as_array().ok_or_else(|| {
        JsonValueError::new(
            at,
            format!("{value} is not {} (a JSON array)", type_name(ty)),
        )
    })
}

fn elements(ty: &Type, items: &[Value], at: &str) -> Result<Vec<Val>, JsonValueError> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| from_json(ty, item, &format!("{at}[{i}]")))
        .collect()
}

fn signed<T: TryFrom<i64>>(value: &Value, at: &str, ty: &Type) -> Result<T, JsonValueError> {
    whole(value.as_i64(), value, at, ty)
}

fn unsigned<T: TryFrom<u64>>(value: &Value, at: &str, ty: &Type) -> Result<T, JsonValueError> {
    whole(value.as_u64(), value, at, ty)
}

/// `read` (the number `value` holds, if any) as a `T` in range.
fn whole<T: TryFrom<N>, N>(
    read: Option<N>,
    value: &Value,
    at: &str,
    ty: &Type,
) -> Result<T, JsonValueError> {
    read.and_then(|n| T::try_from(n).ok()).ok_or_else(|| {
        let problem = format!(
            "{value} is not {} (a whole number in its range)",
            type_name(ty)
        );
        JsonValueError::new(at, problem)
    })
}

fn float(value: &Value) -> Option<f64> {
    match value.as_str() {
        Some("NaN") => Some(f64::NAN),
        Some("inf") => Some(f64::INFINITY),
        Some("-inf") => Some(f64::NEG_INFINITY),
        Some(_) => None,
        None => value.as_f64(),
    }
}

fn single_char(value: &Value) -> Option<char> {
    let mut chars = value.as_str()?.chars();
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

/// `"case"` or `{"case": payload}`.
fn case_of(value: &Value) -> Option<(&str, Option<&Value>)> {
    if let Some(name) = value.as_str() {
        return Some((name, None));
    }
    let object = value.as_object().filter(|object| object.len() == 1)?;
    object
        .iter()
        .next()
        .map(|(name, payload)| (name.as_str(), Some(payload)))
}

fn read_result(
    result: &types::ResultType,
    value: &Value,
    at: &str,
) -> Option<Result<Val, JsonValueError>> {
    let (case, payload) = case_of(value)?;
    let ty = match case {
        "ok" => result.ok(),
        "err" => result.err(),
        _ => return None,
    };
    let payload = match (ty, payload) {
        (Some(ty), Some(payload)) => match from_json(&ty, payload, &format!("{at}.{case}")) {
            Ok(val) => Some(Box::new(val)),
            Err(error) => return Some(Err(error)),
        },
        (None, _) => None,
        (Some(_), None) => return None,
    };
    Some(Ok(Val::Result(if case == "ok" {
        Ok(payload)
    } else {
        Err(payload)
    })))
}
