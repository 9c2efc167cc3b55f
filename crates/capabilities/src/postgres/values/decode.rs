//! A result column (binary, as tokio-postgres receives it) as the WIT's `pg-value`, chosen by
//! the column's Postgres type. Where wasmCloud's provider picks a variant for a type, weft
//! picks the same (`int8` for `bigint`, `varchar` with no limit, `timestamp-tz` in UTC).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use tokio_postgres::types::{Kind, Type};

use super::calendar::{
    date_from_days, date_time_from_micros, time_from_micros, time_tz_from_parts,
};
use super::floats::{hashable_from_f32, hashable_from_f64};
use super::numeric::{money_to_string, numeric_to_string};
use super::text_search::{Reader, ts_query_from_sql, ts_vector_from_sql};
use crate::bindings::wasmcloud::postgres::types::{
    Interval, MacAddressEui48, MacAddressEui64, Offset, PgValue, Point, Timestamp, TimestampTz,
};

/// Digits after the point of a `money` value (`lc_monetary` in most locales).
const MONEY_FRACTION_DIGITS: u32 = 2;

/// The value of a column of type `ty` (`None`: SQL NULL); the error says why it cannot be
/// carried.
pub(crate) fn column_value(ty: &Type, raw: Option<&[u8]>) -> Result<PgValue, String> {
    let Some(raw) = raw else {
        return Ok(PgValue::Null);
    };
    // `int2vector` is an array type to Postgres but a value of its own to the WIT.
    if let Kind::Array(member) = ty.kind()
        && ty.name() != "int2vector"
    {
        return array_value(member, raw);
    }
    scalar(ty.name(), raw)?.ok_or_else(|| unsupported(ty))
}

fn unsupported(ty: &Type) -> String {
    format!(
        "wasmcloud:postgres has no value for Postgres type `{}`; cast the column in the query (for example `column::text`)",
        ty.name()
    )
}

fn text(raw: &[u8]) -> Result<String, String> {
    String::from_utf8(raw.to_vec()).map_err(|_| "a text value is not UTF-8".to_owned())
}

fn exact<const N: usize>(raw: &[u8], what: &str) -> Result<[u8; N], String> {
    raw.try_into()
        .map_err(|_| format!("a {what} value has {} bytes, not {N}", raw.len()))
}

fn float8(raw: &[u8]) -> Result<f64, String> {
    Ok(f64::from_be_bytes(exact(raw, "float8")?))
}

fn point(reader: &mut Reader<'_>) -> Result<Point, String> {
    let x = f64::from_bits(reader.i64()? as u64);
    let y = f64::from_bits(reader.i64()? as u64);
    Ok((hashable_from_f64(x), hashable_from_f64(y)))
}

fn points(reader: &mut Reader<'_>) -> Result<Vec<Point>, String> {
    (0..reader.count()?).map(|_| point(reader)).collect()
}

/// A scalar of the type named `name`; `Ok(None)` for a type the WIT cannot carry.
fn scalar(name: &str, raw: &[u8]) -> Result<Option<PgValue>, String> {
    let mut reader = Reader::new(raw, "binary");
    Ok(Some(match name {
        "bool" => PgValue::Bool(exact::<1>(raw, "bool")?[0] != 0),
        "int2" => PgValue::Int2(i16::from_be_bytes(exact(raw, "int2")?)),
        "int4" => PgValue::Int4(i32::from_be_bytes(exact(raw, "int4")?)),
        "int8" => PgValue::Int8(i64::from_be_bytes(exact(raw, "int8")?)),
        "oid" | "xid" | "cid" => PgValue::Int8(i64::from(u32::from_be_bytes(exact(raw, "oid")?))),
        "xid8" => PgValue::Int8(i64::from_be_bytes(exact(raw, "xid8")?)),
        "float4" => PgValue::Float4(hashable_from_f32(f32::from_be_bytes(exact(raw, "float4")?))),
        "float8" => PgValue::Float8(hashable_from_f64(float8(raw)?)),
        "numeric" => PgValue::Numeric(numeric_to_string(raw)?),
        "money" => PgValue::Money(money_to_string(
            i64::from_be_bytes(exact(raw, "money")?),
            MONEY_FRACTION_DIGITS,
        )),
        "text" | "citext" => PgValue::Text(text(raw)?),
        "varchar" => PgValue::Varchar((None, raw.to_vec())),
        "bpchar" | "char" => PgValue::Char((raw.len() as u32, raw.to_vec())),
        "name" => PgValue::Name(text(raw)?),
        "xml" => PgValue::Xml(text(raw)?),
        "json" => PgValue::Json(text(raw)?),
        "jsonb" => match raw.split_first() {
            Some((1, json)) => PgValue::Jsonb(text(json)?),
            _ => return Err("a jsonb value is not in format 1".to_owned()),
        },
        "bytea" => PgValue::Bytea(raw.to_vec()),
        "bit" | "varbit" => {
            let bits = reader.count()?;
            let bytes = reader.take(bits.div_ceil(8))?.to_vec();
            if name == "bit" {
                PgValue::Bit((bits as u32, bytes))
            } else {
                PgValue::Varbit((Some(bits as u32), bytes))
            }
        }
        "uuid" => PgValue::Uuid(uuid_text(&exact::<16>(raw, "uuid")?)),
        "inet" | "cidr" => {
            let (address, bits) = inet(raw)?;
            let full = if address.is_ipv4() { 32 } else { 128 };
            if name == "cidr" {
                PgValue::Cidr(format!("{address}/{bits}"))
            } else if bits == full {
                PgValue::Inet(address.to_string())
            } else {
                PgValue::Inet(format!("{address}/{bits}"))
            }
        }
        "macaddr" => {
            let b = exact::<6>(raw, "macaddr")?;
            PgValue::Macaddr(MacAddressEui48 {
                bytes: (b[0], b[1], b[2], b[3], b[4], b[5]),
            })
        }
        "macaddr8" => {
            let b = exact::<8>(raw, "macaddr8")?;
            PgValue::Macaddr8(MacAddressEui64 {
                bytes: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]),
            })
        }
        "point" => PgValue::Point(point(&mut reader)?),
        "box" => {
            let upper = point(&mut reader)?;
            PgValue::Box((point(&mut reader)?, upper))
        }
        "lseg" => PgValue::Lseg((point(&mut reader)?, point(&mut reader)?)),
        "line" => PgValue::Line(line_points(
            f64::from_bits(reader.i64()? as u64),
            f64::from_bits(reader.i64()? as u64),
            f64::from_bits(reader.i64()? as u64),
        )),
        "path" => {
            reader.u8()?; // Closed or open: the WIT's path has no such flag.
            PgValue::Path(points(&mut reader)?)
        }
        "polygon" => PgValue::Polygon(points(&mut reader)?),
        "circle" => {
            let center = point(&mut reader)?;
            let radius = f64::from_bits(reader.i64()? as u64);
            PgValue::Circle((center, hashable_from_f64(radius)))
        }
        "date" => PgValue::Date(date_from_days(i32::from_be_bytes(exact(raw, "date")?))),
        "time" => PgValue::Time(time_from_micros(i64::from_be_bytes(exact(raw, "time")?))),
        "timetz" => {
            let micros = reader.i64()?;
            PgValue::TimeTz(time_tz_from_parts(micros, reader.i32()?))
        }
        "timestamp" => PgValue::Timestamp(timestamp(raw)?),
        "timestamptz" => PgValue::TimestampTz(TimestampTz {
            timestamp: timestamp(raw)?,
            offset: Offset::WesternHemisphereSecs(0),
        }),
        "daterange" => PgValue::Interval(date_range(raw)?),
        "pg_lsn" => PgValue::PgLsn(u64::from_be_bytes(exact(raw, "pg_lsn")?)),
        "pg_snapshot" | "txid_snapshot" => {
            let count = reader.count()?;
            let (xmin, xmax) = (reader.i64()?, reader.i64()?);
            let running = (0..count).map(|_| reader.i64()).collect::<Result<_, _>>()?;
            PgValue::PgSnapshot((xmin, xmax, running))
        }
        "tsvector" => PgValue::TsVector(ts_vector_from_sql(raw)?),
        "tsquery" => PgValue::TsQuery(ts_query_from_sql(raw)?),
        "int2vector" => PgValue::Int2Vector(int2_elements(raw)?),
        "hstore" => PgValue::Hstore(hstore(raw)?),
        _ => return Ok(None),
    }))
}

fn timestamp(raw: &[u8]) -> Result<Timestamp, String> {
    let (date, time) = date_time_from_micros(i64::from_be_bytes(exact(raw, "timestamp")?));
    Ok(Timestamp { date, time })
}

/// Two points on the line `a·x + b·y + c = 0`.
fn line_points(a: f64, b: f64, c: f64) -> (Point, Point) {
    // `+ 0.0` turns a -0.0 into 0.0, as Postgres prints it.
    let on_line = |x: f64| (x, -(a * x + c) / b + 0.0);
    let ((x1, y1), (x2, y2)) = if b == 0.0 {
        let x = -c / a + 0.0;
        ((x, 0.0), (x, 1.0))
    } else {
        (on_line(0.0), on_line(1.0))
    };
    (
        (hashable_from_f64(x1), hashable_from_f64(y1)),
        (hashable_from_f64(x2), hashable_from_f64(y2)),
    )
}

fn uuid_text(bytes: &[u8; 16]) -> String {
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// An `inet`/`cidr`: family, bits, is-cidr flag, address length, address.
fn inet(raw: &[u8]) -> Result<(IpAddr, u8), String> {
    let mut reader = Reader::new(raw, "inet");
    let family = reader.u8()?;
    let bits = reader.u8()?;
    reader.u8()?;
    let length = usize::from(reader.u8()?);
    let address = reader.take(length)?;
    let address = match (family, address.len()) {
        (2, 4) => IpAddr::V4(Ipv4Addr::from(exact::<4>(address, "inet")?)),
        (3, 16) => IpAddr::V6(Ipv6Addr::from(exact::<16>(address, "inet")?)),
        _ => return Err(format!("an inet value has unknown family {family}")),
    };
    Ok((address, bits))
}

/// A `daterange` as the WIT's `interval` (an unbounded side is an infinite date).
fn date_range(raw: &[u8]) -> Result<Interval, String> {
    const EMPTY: u8 = 0x01;
    const LOWER_INCLUSIVE: u8 = 0x02;
    const UPPER_INCLUSIVE: u8 = 0x04;
    const LOWER_INFINITE: u8 = 0x08;
    const UPPER_INFINITE: u8 = 0x10;
    let mut reader = Reader::new(raw, "daterange");
    let flags = reader.u8()?;
    if flags & EMPTY != 0 {
        return Err(
            "an empty daterange has no wasmcloud:postgres interval; test it in the query (`isempty(column)`) or return it as text"
                .to_owned(),
        );
    }
    let mut bound = |infinite: bool, fallback| -> Result<_, String> {
        if infinite {
            return Ok(fallback);
        }
        let length = reader.count()?;
        let bytes = reader.take(length)?;
        Ok(date_from_days(i32::from_be_bytes(exact(bytes, "date")?)))
    };
    use crate::bindings::wasmcloud::postgres::types::Date;
    let start = bound(flags & LOWER_INFINITE != 0, Date::NegativeInfinity)?;
    let end = bound(flags & UPPER_INFINITE != 0, Date::PositiveInfinity)?;
    Ok(Interval {
        start,
        start_inclusive: flags & LOWER_INCLUSIVE != 0,
        end,
        end_inclusive: flags & UPPER_INCLUSIVE != 0,
    })
}

fn hstore(raw: &[u8]) -> Result<Vec<(String, Option<String>)>, String> {
    let mut reader = Reader::new(raw, "hstore");
    let mut entries = Vec::new();
    for _ in 0..reader.count()? {
        let key_length = reader.count()?;
        let key = text(reader.take(key_length)?)?;
        let value = match reader.i32()? {
            -1 => None,
            length => Some(text(reader.take(length.max(0) as usize)?)?),
        };
        entries.push((key, value));
    }
    Ok(entries)
}

/// The elements of a binary array (all its dimensions, in order); NULL elements refused,
/// since the WIT's arrays cannot hold them.
fn elements(raw: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut reader = Reader::new(raw, "array");
    let dimensions = reader.count()?;
    reader.i32()?; // Whether it has NULLs: each element says so itself.
    reader.i32()?; // The element type: the column's type already names it.
    let mut count = 1usize;
    for _ in 0..dimensions {
        count = count.saturating_mul(reader.count()?);
        reader.i32()?;
    }
    if dimensions == 0 {
        count = 0;
    }
    let mut elements = Vec::with_capacity(count.min(1 << 16));
    for _ in 0..count {
        match reader.i32()? {
            -1 => {
                return Err(
                    "an array holds NULL, which wasmcloud:postgres arrays cannot carry; remove them in the query (`array_remove(column, NULL)`)"
                        .to_owned(),
                );
            }
            length => elements.push(reader.take(length.max(0) as usize)?),
        }
    }
    Ok(elements)
}

fn int2_elements(raw: &[u8]) -> Result<Vec<i16>, String> {
    elements(raw)?
        .into_iter()
        .map(|element| Ok(i16::from_be_bytes(exact(element, "int2")?)))
        .collect()
}

/// An array column as the array variant of its element type.
fn array_value(member: &Type, raw: &[u8]) -> Result<PgValue, String> {
    let values = elements(raw)?
        .into_iter()
        .map(|element| scalar(member.name(), element)?.ok_or_else(|| unsupported(member)))
        .collect::<Result<Vec<PgValue>, String>>()?;
    collect_array(member, values)
}

/// Gathers decoded elements into the array variant of their kind.
fn collect_array(member: &Type, values: Vec<PgValue>) -> Result<PgValue, String> {
    macro_rules! gather {
        ($array:ident, $($element:ident)|+) => {
            PgValue::$array(
                values
                    .into_iter()
                    .map(|value| match value {
                        $(PgValue::$element(inner) => Ok(inner),)+
                        _ => Err(unsupported(member)),
                    })
                    .collect::<Result<_, String>>()?,
            )
        };
    }
    Ok(match member.name() {
        "bool" => gather!(BoolArray, Bool),
        "int2" => gather!(Int2Array, Int2),
        "int4" => gather!(Int4Array, Int4),
        "int8" | "oid" | "xid" | "cid" | "xid8" => gather!(Int8Array, Int8),
        "float4" => gather!(Float4Array, Float4),
        "float8" => gather!(Float8Array, Float8),
        "numeric" => gather!(NumericArray, Numeric),
        "money" => gather!(MoneyArray, Money),
        "text" | "citext" => gather!(TextArray, Text),
        "varchar" => gather!(VarcharArray, Varchar),
        "bpchar" | "char" => gather!(CharArray, Char),
        "name" => gather!(NameArray, Name),
        "xml" => gather!(XmlArray, Xml),
        "json" => gather!(JsonArray, Json),
        "jsonb" => gather!(JsonbArray, Jsonb),
        "bytea" => gather!(ByteaArray, Bytea),
        "bit" => gather!(BitArray, Bit),
        "varbit" => gather!(VarbitArray, Varbit),
        "uuid" => gather!(UuidArray, Uuid),
        "inet" => gather!(InetArray, Inet),
        "cidr" => gather!(CidrArray, Cidr),
        "macaddr" => gather!(MacaddrArray, Macaddr),
        "macaddr8" => gather!(Macaddr8Array, Macaddr8),
        "point" => gather!(PointArray, Point),
        "box" => gather!(BoxArray, Box),
        "lseg" => gather!(LsegArray, Lseg),
        "line" => gather!(LineArray, Line),
        "path" => gather!(PathArray, Path),
        "polygon" => gather!(PolygonArray, Polygon),
        "circle" => gather!(CircleArray, Circle),
        "date" => gather!(DateArray, Date),
        "time" => gather!(TimeArray, Time),
        "timetz" => gather!(TimeTzArray, TimeTz),
        "timestamp" => gather!(TimestampArray, Timestamp),
        "timestamptz" => gather!(TimestampTzArray, TimestampTz),
        "daterange" => gather!(IntervalArray, Interval),
        "pg_lsn" => gather!(PgLsnArray, PgLsn),
        "int2vector" => gather!(Int2VectorArray, Int2Vector),
        _ => return Err(unsupported(member)),
    })
}
