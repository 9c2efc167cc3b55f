//! Component values as people write them: plain JSON, read against the function's parameter
//! types, for `weft call`. Integers and floats are numbers (`"NaN"`, `"inf"` and `"-inf"` for
//! the floats JSON cannot hold), `char` a one-character string, lists and tuples arrays,
//! records objects by field name (a missing `option` field is `none`, an unknown field an
//! error), `option` a value or `null` (`{"some": …}` where the payload is itself an option), `result` `{"ok": …}` or `{"err": …}`, a variant `{"case": payload}` (or `"case"`
//! for one without a payload), an enum its case name, flags an array of names, a map an
//! array of `[key, value]` pairs. Resources, futures and streams have no JSON form.

mod from_json;
mod to_json;

pub use from_json::from_json;
pub use to_json::to_json;

/// A JSON value that does not fit the type it is read as, with where it sits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {problem}")]
pub struct JsonValueError {
    /// Where in the value: `args[0]`, `args[1].name`, `args[2][3]`.
    pub at: String,
    /// What is wrong, and what the type wants.
    pub problem: String,
}

impl JsonValueError {
    pub(crate) fn new(at: &str, problem: impl Into<String>) -> Self {
        Self {
            at: at.to_owned(),
            problem: problem.into(),
        }
    }
}

/// A WIT-like name of `ty`, for messages.
pub(crate) fn type_name(ty: &wasmtime::component::Type) -> String {
    use wasmtime::component::Type;
    match ty {
        Type::List(list) => format!("list<{}>", type_name(&list.ty())),
        Type::Option(option) => format!("option<{}>", type_name(&option.ty())),
        Type::Record(_) => "a record (a JSON object)".to_owned(),
        Type::Tuple(_) => "a tuple (a JSON array)".to_owned(),
        Type::Variant(_) => "a variant ({\"case\": payload} or \"case\")".to_owned(),
        Type::Enum(cases) => format!("one of {}", cases.names().collect::<Vec<_>>().join(", ")),
        Type::Result(_) => "a result ({\"ok\": …} or {\"err\": …})".to_owned(),
        Type::Flags(_) => "flags (an array of names)".to_owned(),
        other => primitive_name(other).to_owned(),
    }
}

/// The WIT name of a type without parts.
fn primitive_name(ty: &wasmtime::component::Type) -> &'static str {
    use wasmtime::component::Type;
    match ty {
        Type::Bool => "bool",
        Type::S8 => "s8",
        Type::U8 => "u8",
        Type::S16 => "s16",
        Type::U16 => "u16",
        Type::S32 => "s32",
        Type::U32 => "u32",
        Type::S64 => "s64",
        Type::U64 => "u64",
        Type::Float32 => "f32",
        Type::Float64 => "f64",
        Type::Char => "char",
        Type::String => "string",
        Type::Map(_) => "a map (an array of [key, value] pairs)",
        Type::FixedLengthList(_) => "a fixed-length list (a JSON array)",
        Type::Own(_) | Type::Borrow(_) => "a resource",
        Type::Future(_) => "a future",
        Type::Stream(_) => "a stream",
        Type::ErrorContext => "an error-context",
        _ => "a value",
    }
}

/// Whether a value of `ty` holds a resource, future or stream, which JSON cannot give.
pub(crate) fn carries_handles(ty: &wasmtime::component::Type) -> bool {
    use wasmtime::component::Type;
    match ty {
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            true
        }
        Type::List(list) => carries_handles(&list.ty()),
        Type::FixedLengthList(list) => carries_handles(&list.ty()),
        Type::Option(option) => carries_handles(&option.ty()),
        Type::Map(map) => carries_handles(&map.key()) || carries_handles(&map.value()),
        Type::Record(record) => record.fields().any(|field| carries_handles(&field.ty)),
        Type::Tuple(tuple) => tuple.types().any(|ty| carries_handles(&ty)),
        Type::Variant(variant) => variant
            .cases()
            .any(|case| case.ty.as_ref().is_some_and(carries_handles)),
        Type::Result(result) => {
            result.ok().as_ref().is_some_and(carries_handles)
                || result.err().as_ref().is_some_and(carries_handles)
        }
        _ => false,
    }
}
