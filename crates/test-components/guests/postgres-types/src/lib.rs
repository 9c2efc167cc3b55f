//! Sends every kind of `pg-value` through `wasmcloud:postgres` to a real PostgreSQL and back
//! (`SELECT $1::TYPE`), and checks the errors a component gets. `GET /` answers one line per
//! check, `ok NAME` or `FAIL NAME: what came back`, then `checks: N`.
use std::io::Write as _;

use wasip2::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};

wit_bindgen::generate!({
    path: "../../../../wit",
    world: "weft:host/capabilities",
    generate_all,
});

use wasmcloud::postgres::prepared::{exec, prepare};
use wasmcloud::postgres::query::{query, query_batch};
use wasmcloud::postgres::types::{
    Date, Interval, Lexeme, LexemeWeight, MacAddressEui48, MacAddressEui64, Offset,
    PgValue as V, PreparedStatementExecError, QueryError, Time, TimeTz, Timestamp, TimestampTz,
};

/// `f64` as the WIT's hashable triple (what `integer_decode` gives).
fn f(value: f64) -> (u64, i16, i8) {
    let bits = value.to_bits();
    let sign = if bits >> 63 == 0 { 1 } else { -1 };
    let biased = ((bits >> 52) & 0x7FF) as i16;
    let fraction = bits & ((1 << 52) - 1);
    let mantissa = if biased == 0 { fraction << 1 } else { fraction | (1 << 52) };
    (mantissa, biased - 1075, sign)
}

/// `f32` as the WIT's hashable triple.
fn f4(value: f32) -> (u64, i16, i8) {
    let bits = value.to_bits();
    let sign = if bits >> 31 == 0 { 1 } else { -1 };
    let biased = ((bits >> 23) & 0xFF) as i16;
    let fraction = u64::from(bits & ((1 << 23) - 1));
    let mantissa = if biased == 0 { fraction << 1 } else { fraction | (1 << 23) };
    (mantissa, biased - 150, sign)
}

fn time(hour: u32, min: u32, sec: u32, micro: u32) -> Time {
    Time { hour, min, sec, micro }
}

fn day(year: i32, month: u32, day: u32) -> Date {
    Date::Ymd((year, month, day))
}

fn bytes(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

/// (SQL type, value sent, value expected back).
fn cases() -> Vec<(&'static str, V, V)> {
    let same = |ty: &'static str, value: V| (ty, value.clone(), value);
    let at = Timestamp { date: day(2026, 12, 1), time: time(10, 30, 0, 250) };
    let lexemes = vec![
        Lexeme { position: Some(1), weight: Some(LexemeWeight::A), data: "cat".into() },
        Lexeme { position: Some(2), weight: Some(LexemeWeight::D), data: "fat".into() },
    ];
    let range = Interval { start: day(2026, 1, 1), start_inclusive: true, end: day(2026, 2, 1), end_inclusive: false };
    let mac = MacAddressEui48 { bytes: (0x08, 0x00, 0x2b, 0x01, 0x02, 0x03) };
    let mac8 = MacAddressEui64 { bytes: (0x08, 0x00, 0x2b, 0x01, 0x02, 0x03, 0x04, 0x05) };
    vec![
        same("int4", V::Null),
        same("bool", V::Bool(true)),
        ("bool", V::Boolean(false), V::Bool(false)),
        same("int2", V::Int2(-7)),
        ("int2", V::SmallInt(5), V::Int2(5)),
        ("int2", V::Serial2(6), V::Int2(6)),
        same("int4", V::Int4(42)),
        ("int4", V::Integer(1), V::Int4(1)),
        ("int4", V::Serial(7), V::Int4(7)),
        same("int8", V::Int8(i64::MAX)),
        ("int8", V::BigInt(-1), V::Int8(-1)),
        ("int8", V::Int4(3), V::Int8(3)),
        same("float4", V::Float4(f4(1.5))),
        ("float4", V::Real(f4(0.25)), V::Float4(f4(0.25))),
        same("float8", V::Float8(f(-2.5e-300))),
        ("float8", V::Double(f(f64::INFINITY)), V::Float8(f(f64::INFINITY))),
        same("numeric", V::Numeric("123456.789".into())),
        same("numeric", V::Numeric("-0.000012".into())),
        same("numeric", V::Numeric("NaN".into())),
        ("numeric", V::Numeric("1e40".into()), V::Numeric(format!("1{}", "0".repeat(40)))),
        ("numeric", V::Decimal("10.50".into()), V::Numeric("10.50".into())),
        ("numeric", V::Int8(10), V::Numeric("10".into())),
        same("money", V::Money("12.34".into())),
        same("text", V::Text("héllo, wörld".into())),
        same("varchar", V::Varchar((None, bytes("abc")))),
        same("char(3)", V::Char((3, bytes("abc")))),
        same("name", V::Name("pg_class".into())),
        same("xml", V::Xml("<a>1</a>".into())),
        same("json", V::Json("{\"a\":1}".into())),
        same("jsonb", V::Jsonb("{\"a\": 1}".into())),
        same("bytea", V::Bytea(vec![0, 1, 255])),
        same("bit(4)", V::Bit((4, vec![0b1010_0000]))),
        same("varbit", V::Varbit((Some(3), vec![0b1100_0000]))),
        same("uuid", V::Uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11".into())),
        same("inet", V::Inet("192.168.0.1".into())),
        same("inet", V::Inet("10.0.0.0/8".into())),
        same("inet", V::Inet("::1".into())),
        same("cidr", V::Cidr("10.0.0.0/8".into())),
        same("macaddr", V::Macaddr(mac)),
        same("macaddr8", V::Macaddr8(mac8)),
        same("point", V::Point((f(1.5), f(-2.0)))),
        same("box", V::Box(((f(0.0), f(0.0)), (f(2.0), f(3.0))))),
        same("lseg", V::Lseg(((f(0.0), f(0.0)), (f(1.0), f(1.0))))),
        same("line", V::Line(((f(0.0), f(0.0)), (f(1.0), f(1.0))))),
        same("path", V::Path(vec![(f(0.0), f(0.0)), (f(1.0), f(1.0)), (f(2.0), f(0.0))])),
        same("polygon", V::Polygon(vec![(f(0.0), f(0.0)), (f(1.0), f(1.0)), (f(2.0), f(0.0))])),
        same("circle", V::Circle(((f(1.0), f(1.0)), f(2.0)))),
        same("date", V::Date(day(2026, 12, 1))),
        same("date", V::Date(day(1999, 2, 28))),
        same("date", V::Date(Date::PositiveInfinity)),
        same("time", V::Time(time(13, 5, 7, 42))),
        same("timetz", V::TimeTz(TimeTz { timesonze: "+05:30".into(), time: time(13, 5, 7, 42) })),
        same("timestamp", V::Timestamp(at.clone())),
        (
            "timestamptz",
            V::TimestampTz(TimestampTz { timestamp: at.clone(), offset: Offset::EasternHemisphereSecs(3600) }),
            V::TimestampTz(TimestampTz {
                timestamp: Timestamp { date: day(2026, 12, 1), time: time(9, 30, 0, 250) },
                offset: Offset::WesternHemisphereSecs(0),
            }),
        ),
        same("daterange", V::Interval(range.clone())),
        same("pg_lsn", V::PgLsn(0x0000_0001_6B37_4D48)),
        same("pg_snapshot", V::PgSnapshot((10, 20, vec![12, 15]))),
        ("txid_snapshot", V::PgSnapshot((10, 20, vec![12])), V::PgSnapshot((10, 20, vec![12]))),
        same("tsvector", V::TsVector(lexemes)),
        ("tsquery", V::TsQuery("fat & (rat | cat)".into()), V::TsQuery("'fat' & ( 'rat' | 'cat' )".into())),
        ("tsquery", V::TsQuery("a & (b & c)".into()), V::TsQuery("'a' & 'b' & 'c'".into())),
        ("tsquery", V::TsQuery("!a <-> b:*".into()), V::TsQuery("!'a' <-> 'b':*".into())),
        same("int2vector", V::Int2Vector(vec![1, 2, 3])),
        same("hstore", V::Hstore(vec![("a".into(), Some("1".into())), ("b".into(), None)])),
        same("bool[]", V::BoolArray(vec![true, false])),
        same("int2[]", V::Int2Array(vec![1, -2])),
        same("int4[]", V::Int4Array(vec![1, 2, 3])),
        same("int4[]", V::Int4Array(vec![])),
        same("int8[]", V::Int8Array(vec![i64::MIN])),
        same("float4[]", V::Float4Array(vec![f4(0.5)])),
        same("float8[]", V::Float8Array(vec![f(0.5), f(-1.0)])),
        same("numeric[]", V::NumericArray(vec!["1.5".into(), "2".into()])),
        same("money[]", V::MoneyArray(vec!["1.00".into()])),
        same("text[]", V::TextArray(vec!["a".into(), "b\"c\\d".into()])),
        same("varchar[]", V::VarcharArray(vec![(None, bytes("x"))])),
        same("char(2)[]", V::CharArray(vec![(2, bytes("ab"))])),
        same("name[]", V::NameArray(vec!["n".into()])),
        same("xml[]", V::XmlArray(vec!["<b/>".into()])),
        same("json[]", V::JsonArray(vec!["[1]".into()])),
        same("jsonb[]", V::JsonbArray(vec!["[1, 2]".into()])),
        same("bytea[]", V::ByteaArray(vec![vec![1], vec![]])),
        same("bit(2)[]", V::BitArray(vec![(2, vec![0b0100_0000])])),
        same("varbit[]", V::VarbitArray(vec![(Some(1), vec![0b1000_0000])])),
        same("uuid[]", V::UuidArray(vec!["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11".into()])),
        same("inet[]", V::InetArray(vec!["10.1.2.3".into()])),
        same("cidr[]", V::CidrArray(vec!["10.1.0.0/16".into()])),
        same("macaddr[]", V::MacaddrArray(vec![mac])),
        same("macaddr8[]", V::Macaddr8Array(vec![mac8])),
        same("point[]", V::PointArray(vec![(f(1.0), f(2.0))])),
        same("box[]", V::BoxArray(vec![((f(0.0), f(0.0)), (f(1.0), f(1.0)))])),
        same("circle[]", V::CircleArray(vec![((f(0.0), f(0.0)), f(1.0))])),
        same("lseg[]", V::LsegArray(vec![((f(0.0), f(0.0)), (f(1.0), f(2.0)))])),
        same("line[]", V::LineArray(vec![((f(0.0), f(1.0)), (f(1.0), f(1.0)))])),
        same("path[]", V::PathArray(vec![vec![(f(0.0), f(0.0)), (f(1.0), f(1.0))]])),
        same("polygon[]", V::PolygonArray(vec![vec![(f(0.0), f(0.0)), (f(1.0), f(1.0)), (f(1.0), f(0.0))]])),
        same("date[]", V::DateArray(vec![day(2000, 1, 1), Date::NegativeInfinity])),
        same("time[]", V::TimeArray(vec![time(0, 0, 0, 1)])),
        same("timetz[]", V::TimeTzArray(vec![TimeTz { timesonze: "-04:00".into(), time: time(1, 2, 3, 0) }])),
        same("timestamp[]", V::TimestampArray(vec![at.clone()])),
        same(
            "timestamptz[]",
            V::TimestampTzArray(vec![TimestampTz { timestamp: at, offset: Offset::WesternHemisphereSecs(0) }]),
        ),
        same("daterange[]", V::IntervalArray(vec![range])),
        same("pg_lsn[]", V::PgLsnArray(vec![1, 2])),
        same("int2vector[]", V::Int2VectorArray(vec![vec![1, 2]])),
    ]
}

/// The checks of what goes wrong: (name, what happened, whether it is what should).
fn error_checks() -> Vec<(String, String, bool)> {
    let mut checks = Vec::new();
    let mut check = |name: &str, outcome: String, ok: bool| checks.push((name.to_owned(), outcome, ok));
    let syntax = query("SELEC 1", &[]);
    check("syntax error", format!("{syntax:?}"), matches!(&syntax, Err(QueryError::InvalidQuery(m)) if m.contains("syntax error") && m.contains("42601")));
    let missing = query("SELECT $1::int4", &[]);
    check("too few parameters", format!("{missing:?}"), matches!(&missing, Err(QueryError::InvalidParams(m)) if m.contains("takes 1 parameter")));
    let unreadable = query("SELECT $1::int4", &[V::Text("seven".into())]);
    check("text Postgres cannot read", format!("{unreadable:?}"), matches!(&unreadable, Err(QueryError::InvalidQuery(m)) if m.contains("invalid input syntax for type integer")));
    let narrow = query("SELECT $1::int2", &[V::Int4(70_000)]);
    check("a number too large", format!("{narrow:?}"), matches!(&narrow, Err(QueryError::InvalidParams(m)) if m.contains("$1") && m.contains("does not fit")));
    let interval = query("SELECT '1 day'::interval AS span", &[]);
    check("a type the WIT cannot carry", format!("{interval:?}"), matches!(&interval, Err(QueryError::Unexpected(m)) if m.contains("`span`") && m.contains("interval")));
    let huge = query("SELECT repeat('x', 1048576) AS filler FROM generate_series(1, 70)", &[]);
    check("a result too large", format!("{:?}", huge.as_ref().map(Vec::len)), matches!(&huge, Err(QueryError::Unexpected(m)) if m.contains("larger than 64 MiB")));
    let boolean = query("SELECT $1::numeric", &[V::Bool(true)]);
    check("a boolean for a numeric", format!("{boolean:?}"), matches!(&boolean, Err(QueryError::InvalidParams(m)) if m.contains("numeric")));
    let date = query("SELECT $1::date", &[V::Int4(1)]);
    check("an integer for a date", format!("{date:?}"), matches!(&date, Err(QueryError::InvalidParams(m)) if m.contains("date")));
    let empty = query("SELECT 'empty'::daterange AS r", &[]);
    check("an empty daterange", format!("{empty:?}"), matches!(&empty, Err(QueryError::Unexpected(m)) if m.contains("empty daterange")));
    let aborted = query_batch("BEGIN; SELECT 1/0; COMMIT");
    let after = query("SELECT 2 AS two", &[]);
    check("a failed transaction leaves nothing behind", format!("{aborted:?} then {after:?}"), aborted.is_err() && after.is_ok());
    let _ = query_batch("CREATE TABLE IF NOT EXISTS plan_check (a int); INSERT INTO plan_check VALUES (1)");
    let before = query("SELECT * FROM plan_check", &[]);
    let _ = query_batch("ALTER TABLE plan_check ADD COLUMN b int");
    let changed = query("SELECT * FROM plan_check", &[]);
    check(
        "a cached statement after its table changed",
        format!("{before:?} then {changed:?}"),
        matches!(&changed, Ok(rows) if rows.first().is_some_and(|row| row.len() == 2)),
    );
    let batch = query_batch("CREATE TEMP TABLE t (n int); INSERT INTO t VALUES (1), (2)");
    check("a batch", format!("{batch:?}"), batch.is_ok());
    let table = query_batch("CREATE TABLE IF NOT EXISTS checks_prepared (n int)");
    check("a table for prepared statements", format!("{table:?}"), table.is_ok());
    match prepare("INSERT INTO checks_prepared (n) SELECT generate_series(1, $1)") {
        Ok(token) => {
            let affected = exec(&token, &[V::Int4(3)]);
            check("prepare and exec", format!("{token} {affected:?}"), token.starts_with("prepared-statement-") && matches!(affected, Ok(3)));
        }
        Err(error) => check("prepare and exec", format!("{error:?}"), false),
    }
    let unknown = exec("prepared-statement-nope", &[]);
    check("an unknown token", format!("{unknown:?}"), matches!(unknown, Err(PreparedStatementExecError::UnknownPreparedQuery)));
    checks
}

/// Whether two values are equal (the generated types derive `Debug`, not `PartialEq`).
fn same(left: &V, right: &V) -> bool {
    format!("{left:?}") == format!("{right:?}")
}

struct Types;

impl Types {
    fn report() -> String {
        let mut lines = Vec::new();
        let mut count = 0;
        for (ty, sent, expected) in cases() {
            count += 1;
            let name = format!("{ty} {sent:?}");
            match query(&format!("SELECT $1::{ty} AS v"), &[sent]) {
                Ok(rows) => match rows.first().and_then(|row| row.first()) {
                    Some(entry) if same(&entry.value, &expected) && entry.column_name == "v" => {
                        lines.push(format!("ok {name}"));
                    }
                    other => lines.push(format!("FAIL {name}: got {other:?}, expected {expected:?}")),
                },
                Err(error) => lines.push(format!("FAIL {name}: {error:?}")),
            }
        }
        for (name, outcome, ok) in error_checks() {
            count += 1;
            lines.push(if ok { format!("ok {name}") } else { format!("FAIL {name}: {outcome}") });
        }
        lines.push(format!("checks: {count}"));
        lines.join("\n") + "\n"
    }
}

impl wasip2::exports::http::incoming_handler::Guest for Types {
    fn handle(_request: IncomingRequest, response_out: ResponseOutparam) {
        let text = Self::report();
        let response = OutgoingResponse::new(Fields::new());
        let body = response.body().expect("a new response has a body");
        ResponseOutparam::set(response_out, Ok(response));
        let mut out = body.write().expect("the body stream is available once");
        for chunk in text.as_bytes().chunks(4096) {
            out.blocking_write_and_flush(chunk).expect("writing the report");
        }
        drop(out);
        OutgoingBody::finish(body, None).expect("finishing the body");
        let _ = std::io::stdout().flush();
    }
}

wasip2::http::proxy::export!(Types);
