//! A `pg-value` parameter as Postgres receives it. Values that are text in the WIT (numeric,
//! money, uuid, inet, json, …) go as text, so Postgres reads them with its own parser (and
//! its own error message); the others go in Postgres's binary form of the parameter's type,
//! widened or narrowed where no value is lost (an `int4` into a `bigint` column), or as text
//! where Postgres can read them so (an integer into a `numeric`).

use std::error::Error;
use std::sync::OnceLock;

use bytes::BytesMut;
use tokio_postgres::types::{Format, IsNull, Kind, ToSql, Type, to_sql_checked};

use super::calendar::{
    days_from_date, micros_from_date_time, micros_from_time, seconds_east, seconds_west_from_zone,
};
use super::floats::{f32_from_hashable, f64_from_hashable};
use super::text_search::ts_vector_to_sql;
use super::variant_name;
use crate::bindings::wasmcloud::postgres::types::{Interval, PgValue, Point};

/// How one parameter goes to Postgres.
#[derive(Debug)]
enum Encoded {
    Null,
    Binary(Vec<u8>),
    Text(String),
}

/// Parameter `$position` of a query, encoded once for the type Postgres gave it.
#[derive(Debug)]
pub(crate) struct Param<'a> {
    value: &'a PgValue,
    position: usize,
    encoded: OnceLock<Result<Encoded, String>>,
}

impl<'a> Param<'a> {
    /// `value` as parameter `$position`.
    pub(crate) fn new(value: &'a PgValue, position: usize) -> Self {
        Self {
            value,
            position,
            encoded: OnceLock::new(),
        }
    }

    /// Whether the value can be sent as a `ty` parameter; the error names the parameter, the
    /// value's variant and the type.
    pub(crate) fn check(&self, ty: &Type) -> Result<(), String> {
        self.encoded(ty).as_ref().map(|_| ()).map_err(Clone::clone)
    }

    fn encoded(&self, ty: &Type) -> &Result<Encoded, String> {
        self.encoded.get_or_init(|| {
            encode(self.value, ty).map_err(|reason| {
                format!(
                    "parameter ${} ({} for a {} parameter): {reason}",
                    self.position,
                    variant_name(self.value),
                    ty.name()
                )
            })
        })
    }
}

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self.encoded(ty) {
            Ok(Encoded::Null) => Ok(IsNull::Yes),
            Ok(Encoded::Binary(bytes)) => {
                out.extend_from_slice(bytes);
                Ok(IsNull::No)
            }
            Ok(Encoded::Text(text)) => {
                out.extend_from_slice(text.as_bytes());
                Ok(IsNull::No)
            }
            Err(message) => Err(message.clone().into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true // Checked against the value in `to_sql`, with a message naming both.
    }

    fn encode_format(&self, ty: &Type) -> Format {
        match self.encoded(ty) {
            Ok(Encoded::Text(_)) => Format::Text,
            _ => Format::Binary,
        }
    }

    to_sql_checked!();
}

fn encode(value: &PgValue, ty: &Type) -> Result<Encoded, String> {
    if matches!(value, PgValue::Null) {
        return Ok(Encoded::Null);
    }
    if let Some(text) = text_form(value)? {
        return Ok(Encoded::Text(text));
    }
    let mut out = Vec::new();
    if binary(value, ty, &mut out)? {
        return Ok(Encoded::Binary(out));
    }
    if reads_numbers_as_text(ty)
        && let Some(text) = number_as_text(value, ty)
    {
        return Ok(Encoded::Text(text));
    }
    Err(format!("give a {} value instead", ty.name()))
}

/// The text Postgres reads a text-carrying value from; `None` for other values.
fn text_form(value: &PgValue) -> Result<Option<String>, String> {
    use PgValue as V;
    Ok(Some(match value {
        V::Numeric(text) | V::Decimal(text) | V::Money(text) | V::Cidr(text) | V::Inet(text) => {
            text.clone()
        }
        V::Json(text) | V::Jsonb(text) | V::Xml(text) | V::Text(text) | V::Name(text) => {
            text.clone()
        }
        V::TsQuery(text) | V::Uuid(text) => text.clone(),
        V::NumericArray(items) | V::MoneyArray(items) | V::CidrArray(items) => array_literal(items),
        V::InetArray(items) | V::JsonArray(items) | V::JsonbArray(items) => array_literal(items),
        V::XmlArray(items) | V::TextArray(items) | V::NameArray(items) => array_literal(items),
        V::UuidArray(items) => array_literal(items),
        _ => return Ok(None),
    }))
}

/// `{"a","b"}`: Postgres's text form of an array of strings.
fn array_literal(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|item| format!("\"{}\"", item.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{{{}}}", quoted.join(","))
}

/// Whether Postgres reads a number's decimal text into a `ty` parameter (the numeric and text
/// types); other types would turn a number into a confusing parse error of Postgres's.
fn reads_numbers_as_text(ty: &Type) -> bool {
    let text_like = [
        "text", "varchar", "bpchar", "name", "citext", "json", "jsonb",
    ];
    ["numeric", "money"].contains(&ty.name()) || text_like.contains(&ty.name())
}

/// The decimal text of a number (or `true`/`false`, into a text parameter only), for
/// parameters whose type has no binary form of it (an integer into a `numeric` or `text`
/// parameter).
fn number_as_text(value: &PgValue, ty: &Type) -> Option<String> {
    use PgValue as V;
    let float = |value: f64| {
        if value.is_nan() {
            "NaN".to_owned()
        } else if value.is_infinite() {
            if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
        } else {
            value.to_string()
        }
    };
    Some(match value {
        V::Double(h) | V::Float8(h) => float(f64_from_hashable(*h)),
        V::Real(h) | V::Float4(h) => {
            let value = f32_from_hashable(*h);
            if value.is_finite() {
                value.to_string() // f32's own shortest digits: 0.1, not 0.10000000149…
            } else {
                float(f64::from(value))
            }
        }
        V::Bool(b) | V::Boolean(b) if !["numeric", "money"].contains(&ty.name()) => b.to_string(),
        other => integer(other)?.to_string(),
    })
}

/// The integer an integer variant holds.
fn integer(value: &PgValue) -> Option<i64> {
    use PgValue as V;
    Some(match *value {
        V::BigInt(n) | V::Int8(n) | V::BigSerial(n) | V::Serial8(n) | V::TxidSnapshot(n) => n,
        V::Integer(n) | V::Int(n) | V::Int4(n) => i64::from(n),
        V::Serial(n) | V::Serial4(n) => i64::from(n),
        V::SmallInt(n) | V::Int2(n) | V::SmallSerial(n) | V::Serial2(n) => i64::from(n),
        _ => return None,
    })
}

fn float(value: &PgValue) -> Option<f64> {
    use PgValue as V;
    match value {
        V::Double(h) | V::Float8(h) => Some(f64_from_hashable(*h)),
        V::Real(h) | V::Float4(h) => Some(f64::from(f32_from_hashable(*h))),
        _ => None,
    }
}

fn put_point(point: &Point, out: &mut Vec<u8>) {
    out.extend_from_slice(&f64_from_hashable(point.0).to_be_bytes());
    out.extend_from_slice(&f64_from_hashable(point.1).to_be_bytes());
}

fn put_points(points: &[Point], out: &mut Vec<u8>) -> Result<(), String> {
    let count = i32::try_from(points.len()).map_err(|_| "too many points".to_owned())?;
    out.extend_from_slice(&count.to_be_bytes());
    points.iter().for_each(|point| put_point(point, out));
    Ok(())
}

/// Writes `value` in the binary form of `ty`; `Ok(false)` when it has none for that type.
fn binary(value: &PgValue, ty: &Type, out: &mut Vec<u8>) -> Result<bool, String> {
    if let Kind::Domain(base) = ty.kind() {
        return binary(value, base, out); // A domain travels as its base type.
    }
    // `int2vector` is an array type to Postgres but a value of its own to the WIT.
    if let Kind::Array(member) = ty.kind()
        && ty.name() != "int2vector"
    {
        return array(value, ty, member, out);
    }
    let narrow = |n: i64, bits: u32| -> Result<i64, String> {
        let limit = 1i64 << (bits - 1);
        (-limit..limit)
            .contains(&n)
            .then_some(n)
            .ok_or_else(|| format!("{n} does not fit in {}", ty.name()))
    };
    use PgValue as V;
    match (ty.name(), value) {
        ("int2", value) if integer(value).is_some() => {
            let n = narrow(integer(value).unwrap_or_default(), 16)?;
            out.extend_from_slice(&(n as i16).to_be_bytes());
        }
        ("int4", value) if integer(value).is_some() => {
            let n = narrow(integer(value).unwrap_or_default(), 32)?;
            out.extend_from_slice(&(n as i32).to_be_bytes());
        }
        ("int8" | "xid8", value) if integer(value).is_some() => {
            out.extend_from_slice(&integer(value).unwrap_or_default().to_be_bytes());
        }
        ("float4", value) if float(value).is_some() => {
            out.extend_from_slice(&(float(value).unwrap_or_default() as f32).to_be_bytes());
        }
        ("float8", value) if float(value).is_some() => {
            out.extend_from_slice(&float(value).unwrap_or_default().to_be_bytes());
        }
        ("bool", V::Bool(b) | V::Boolean(b)) => out.push(u8::from(*b)),
        ("bytea", V::Bytea(bytes)) => out.extend_from_slice(bytes),
        (
            "text" | "varchar" | "bpchar" | "name" | "xml" | "json" | "citext",
            V::Char((_, bytes)),
        ) => out.extend_from_slice(bytes),
        (
            "text" | "varchar" | "bpchar" | "name" | "xml" | "json" | "citext",
            V::Varchar((limit, bytes)),
        ) => {
            if let Some(limit) = limit.filter(|limit| bytes.len() > *limit as usize) {
                return Err(format!(
                    "{} bytes are more than its limit of {limit}",
                    bytes.len()
                ));
            }
            out.extend_from_slice(bytes)
        }
        ("char", V::Char((_, bytes))) if bytes.len() == 1 => out.extend_from_slice(bytes),
        (
            "bit" | "varbit",
            V::Bit((bits, bytes))
            | V::BitVarying((Some(bits), bytes))
            | V::Varbit((Some(bits), bytes)),
        ) => bit_string(*bits, bytes, out)?,
        ("bit" | "varbit", V::BitVarying((None, bytes)) | V::Varbit((None, bytes))) => {
            let bits = u32::try_from(bytes.len())
                .ok()
                .and_then(|count| count.checked_mul(8))
                .ok_or_else(|| "the bit string is too long".to_owned())?;
            bit_string(bits, bytes, out)?
        }
        ("macaddr", V::Macaddr(mac)) => {
            let b = mac.bytes;
            out.extend_from_slice(&[b.0, b.1, b.2, b.3, b.4, b.5]);
        }
        ("macaddr8", V::Macaddr8(mac)) => {
            let b = mac.bytes;
            out.extend_from_slice(&[b.0, b.1, b.2, b.3, b.4, b.5, b.6, b.7]);
        }
        ("point", V::Point(point)) => put_point(point, out),
        ("box", V::Box((lower_left, upper_right))) => {
            put_point(upper_right, out);
            put_point(lower_left, out);
        }
        ("lseg", V::Lseg((start, end))) => {
            put_point(start, out);
            put_point(end, out);
        }
        ("line", V::Line((start, end))) => line(start, end, out)?,
        ("path", V::Path(points)) => {
            out.push(0); // An open path: the WIT's path has no closed flag.
            put_points(points, out)?;
        }
        ("polygon", V::Polygon(points)) => put_points(points, out)?,
        ("circle", V::Circle((center, radius))) => {
            put_point(center, out);
            out.extend_from_slice(&f64_from_hashable(*radius).to_be_bytes());
        }
        ("date", V::Date(date)) => out.extend_from_slice(&days_from_date(date)?.to_be_bytes()),
        ("time", V::Time(time)) => out.extend_from_slice(&micros_from_time(time)?.to_be_bytes()),
        ("timetz", V::TimeTz(tz)) => {
            out.extend_from_slice(&micros_from_time(&tz.time)?.to_be_bytes());
            out.extend_from_slice(&seconds_west_from_zone(&tz.timesonze)?.to_be_bytes());
        }
        ("timestamp", V::Timestamp(ts)) => {
            let micros = micros_from_date_time(&ts.date, &ts.time)?;
            out.extend_from_slice(&micros.to_be_bytes());
        }
        ("timestamptz", V::TimestampTz(tz)) => {
            let local = micros_from_date_time(&tz.timestamp.date, &tz.timestamp.time)?;
            let utc = match local {
                i64::MAX | i64::MIN => local,
                local => seconds_east(&tz.offset)
                    .checked_mul(1_000_000)
                    .and_then(|offset| local.checked_sub(offset))
                    .ok_or_else(|| "the timestamp and offset are out of range".to_owned())?,
            };
            out.extend_from_slice(&utc.to_be_bytes());
        }
        ("daterange", V::Interval(interval)) => date_range(interval, out)?,
        ("pg_lsn", V::PgLsn(lsn)) => out.extend_from_slice(&lsn.to_be_bytes()),
        ("pg_snapshot" | "txid_snapshot", V::PgSnapshot((xmin, xmax, running))) => {
            let count = i32::try_from(running.len()).map_err(|_| "too many transactions")?;
            out.extend_from_slice(&count.to_be_bytes());
            out.extend_from_slice(&xmin.to_be_bytes());
            out.extend_from_slice(&xmax.to_be_bytes());
            running
                .iter()
                .for_each(|xid| out.extend_from_slice(&xid.to_be_bytes()));
        }
        ("tsvector", V::TsVector(lexemes)) => ts_vector_to_sql(lexemes, out)?,
        ("int2vector", V::Int2Vector(items)) => int2_vector(items, out)?,
        ("hstore", V::Hstore(entries)) => hstore(entries, out)?,
        _ => return Ok(false),
    }
    Ok(true)
}

fn bit_string(bits: u32, bytes: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    if bytes.len() != (bits as usize).div_ceil(8) {
        return Err(format!(
            "{bits} bits need {} bytes, not {}",
            (bits as usize).div_ceil(8),
            bytes.len()
        ));
    }
    let bits = i32::try_from(bits).map_err(|_| "too many bits".to_owned())?;
    out.extend_from_slice(&bits.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

/// The line through two points, as Postgres keeps it (`a·x + b·y + c = 0`).
fn line(start: &Point, end: &Point, out: &mut Vec<u8>) -> Result<(), String> {
    let (x1, y1) = (f64_from_hashable(start.0), f64_from_hashable(start.1));
    let (x2, y2) = (f64_from_hashable(end.0), f64_from_hashable(end.1));
    if x1 == x2 && y1 == y2 {
        return Err("a line needs two different points".to_owned());
    }
    for coefficient in [y1 - y2, x2 - x1, x1 * y2 - x2 * y1] {
        out.extend_from_slice(&coefficient.to_be_bytes());
    }
    Ok(())
}

fn date_range(interval: &Interval, out: &mut Vec<u8>) -> Result<(), String> {
    use crate::bindings::wasmcloud::postgres::types::Date;
    let mut flags = 0u8;
    let lower_infinite = matches!(interval.start, Date::NegativeInfinity);
    let upper_infinite = matches!(interval.end, Date::PositiveInfinity);
    if interval.start_inclusive && !lower_infinite {
        flags |= 0x02;
    }
    if interval.end_inclusive && !upper_infinite {
        flags |= 0x04;
    }
    if lower_infinite {
        flags |= 0x08;
    }
    if upper_infinite {
        flags |= 0x10;
    }
    out.push(flags);
    for (infinite, date) in [
        (lower_infinite, &interval.start),
        (upper_infinite, &interval.end),
    ] {
        if !infinite {
            out.extend_from_slice(&4i32.to_be_bytes());
            out.extend_from_slice(&days_from_date(date)?.to_be_bytes());
        }
    }
    Ok(())
}

fn hstore(entries: &[(String, Option<String>)], out: &mut Vec<u8>) -> Result<(), String> {
    let length = |text: &str| {
        i32::try_from(text.len()).map_err(|_| "an hstore entry is too long".to_owned())
    };
    let count = i32::try_from(entries.len()).map_err(|_| "too many hstore entries".to_owned())?;
    out.extend_from_slice(&count.to_be_bytes());
    for (key, value) in entries {
        out.extend_from_slice(&length(key)?.to_be_bytes());
        out.extend_from_slice(key.as_bytes());
        match value {
            Some(value) => {
                out.extend_from_slice(&length(value)?.to_be_bytes());
                out.extend_from_slice(value.as_bytes());
            }
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
        }
    }
    Ok(())
}

/// An `int2vector`: a one-dimensional `int2` array whose index starts at 0, as Postgres
/// requires of it.
fn int2_vector(items: &[i16], out: &mut Vec<u8>) -> Result<(), String> {
    let count = i32::try_from(items.len()).map_err(|_| "the vector is too long".to_owned())?;
    for header in [1, 0] {
        out.extend_from_slice(&i32::to_be_bytes(header)); // One dimension, no NULLs.
    }
    out.extend_from_slice(&Type::INT2.oid().to_be_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&0i32.to_be_bytes()); // Lower bound.
    for item in items {
        out.extend_from_slice(&2i32.to_be_bytes());
        out.extend_from_slice(&item.to_be_bytes());
    }
    Ok(())
}

/// A one-dimensional binary array of already encoded elements.
fn array_bytes(
    member: &Type,
    count: usize,
    elements: impl Iterator<Item = Vec<u8>>,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let count = i32::try_from(count).map_err(|_| "the array is too long".to_owned())?;
    out.extend_from_slice(&i32::from(count > 0).to_be_bytes()); // Dimensions.
    out.extend_from_slice(&0i32.to_be_bytes()); // No NULLs.
    out.extend_from_slice(&member.oid().to_be_bytes());
    if count > 0 {
        out.extend_from_slice(&count.to_be_bytes());
        out.extend_from_slice(&1i32.to_be_bytes()); // Lower bound.
    }
    for element in elements {
        let length =
            i32::try_from(element.len()).map_err(|_| "an element is too long".to_owned())?;
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(&element);
    }
    Ok(())
}

/// The scalar values an array variant holds, each as a `pg-value` of its element variant.
fn array_items(value: &PgValue) -> Option<Vec<PgValue>> {
    use PgValue as V;
    macro_rules! each {
        ($items:expr, $variant:ident) => {
            $items.iter().cloned().map(V::$variant).collect()
        };
    }
    Some(match value {
        V::Int8Array(items) => each!(items, Int8),
        V::BoolArray(items) => each!(items, Bool),
        V::Float8Array(items) => each!(items, Float8),
        V::Float4Array(items) => each!(items, Float4),
        V::Int4Array(items) => each!(items, Int4),
        V::Int2Array(items) => each!(items, Int2),
        V::Int2VectorArray(items) => each!(items, Int2Vector),
        V::BitArray(items) => each!(items, Bit),
        V::VarbitArray(items) => each!(items, Varbit),
        V::ByteaArray(items) => each!(items, Bytea),
        V::CharArray(items) => each!(items, Char),
        V::VarcharArray(items) => each!(items, Varchar),
        V::MacaddrArray(items) => each!(items, Macaddr),
        V::Macaddr8Array(items) => each!(items, Macaddr8),
        V::BoxArray(items) => each!(items, Box),
        V::CircleArray(items) => each!(items, Circle),
        V::LineArray(items) => each!(items, Line),
        V::LsegArray(items) => each!(items, Lseg),
        V::PathArray(items) => each!(items, Path),
        V::PointArray(items) => each!(items, Point),
        V::PolygonArray(items) => each!(items, Polygon),
        V::DateArray(items) => each!(items, Date),
        V::IntervalArray(items) => each!(items, Interval),
        V::TimeArray(items) => each!(items, Time),
        V::TimeTzArray(items) => each!(items, TimeTz),
        V::TimestampArray(items) => each!(items, Timestamp),
        V::TimestampTzArray(items) => each!(items, TimestampTz),
        V::PgLsnArray(items) => each!(items, PgLsn),
        _ => return None,
    })
}

/// Writes an array variant as an array of `member`; `Ok(false)` when `value` is no array.
fn array(value: &PgValue, ty: &Type, member: &Type, out: &mut Vec<u8>) -> Result<bool, String> {
    let Some(items) = array_items(value) else {
        return Ok(false);
    };
    let mut elements = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let mut element = Vec::new();
        if !binary(item, member, &mut element)? {
            return Err(format!(
                "element {} is a {} value, which a {} array does not hold",
                index + 1,
                variant_name(item),
                ty.name()
            ));
        }
        elements.push(element);
    }
    array_bytes(member, elements.len(), elements.into_iter(), out)?;
    Ok(true)
}
