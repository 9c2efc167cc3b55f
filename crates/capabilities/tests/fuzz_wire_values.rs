//! Fuzz target `wire-values`: the self-describing values of component calls between hosts.
//! Any bytes a host receives as a value read as one or fail without a panic; every value
//! (read from bytes, or built from them) survives the trip a call makes — to JSON and back,
//! into a Wasmtime value and back — unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use weft_capabilities::wire_val::{WireVal, from_wire, to_wire};
use weft_fuzz::{Target, Unstructured, arbitrary};

/// How deep a built value nests.
const MAX_DEPTH: u32 = 6;

/// A value built from fuzz bytes, nesting at most `depth` more levels.
fn build(bytes: &mut Unstructured, depth: u32) -> arbitrary::Result<WireVal> {
    let leaf_kinds = 13;
    let kinds = if depth == 0 { leaf_kinds } else { 21 };
    let boxed = |bytes: &mut Unstructured| -> arbitrary::Result<Option<Box<WireVal>>> {
        Ok(if bytes.arbitrary()? {
            Some(Box::new(build(bytes, depth - 1)?))
        } else {
            None
        })
    };
    let list = |bytes: &mut Unstructured| -> arbitrary::Result<Vec<WireVal>> {
        let len = bytes.int_in_range(0..=4)?;
        (0..len).map(|_| build(bytes, depth - 1)).collect()
    };
    Ok(match bytes.int_in_range(0..=kinds - 1)? {
        0 => WireVal::Bool(bytes.arbitrary()?),
        1 => WireVal::S8(bytes.arbitrary()?),
        2 => WireVal::U8(bytes.arbitrary()?),
        3 => WireVal::S16(bytes.arbitrary()?),
        4 => WireVal::U16(bytes.arbitrary()?),
        5 => WireVal::S32(bytes.arbitrary()?),
        6 => WireVal::U32(bytes.arbitrary()?),
        7 => WireVal::S64(bytes.arbitrary()?),
        8 => WireVal::U64(bytes.arbitrary()?),
        9 => WireVal::F32(bytes.arbitrary()?),
        10 => WireVal::F64(bytes.arbitrary()?),
        11 => WireVal::Char(bytes.arbitrary()?),
        12 => WireVal::String(bytes.arbitrary()?),
        13 => WireVal::List(list(bytes)?),
        14 => WireVal::Record(
            list(bytes)?
                .into_iter()
                .map(|value| Ok((bytes.arbitrary()?, value)))
                .collect::<arbitrary::Result<_>>()?,
        ),
        15 => WireVal::Tuple(list(bytes)?),
        16 => WireVal::Variant(bytes.arbitrary()?, boxed(bytes)?),
        17 => WireVal::Enum(bytes.arbitrary()?),
        18 => WireVal::Option(boxed(bytes)?),
        19 => WireVal::Result(if bytes.arbitrary()? {
            Ok(boxed(bytes)?)
        } else {
            Err(boxed(bytes)?)
        }),
        _ => WireVal::Flags(bytes.arbitrary()?),
    })
}

/// `value` after the trip a call makes: JSON, then a Wasmtime value, then back.
fn travelled(value: &WireVal) -> WireVal {
    let json = serde_json::to_vec(value).unwrap();
    let read: WireVal = serde_json::from_slice(&json).unwrap();
    to_wire(&from_wire(read)).expect("a plain value stays plain")
}

#[test]
fn fuzz_wire_values() {
    let seeds = [
        WireVal::Record(vec![
            ("name".into(), WireVal::String("weft".into())),
            (
                "tags".into(),
                WireVal::List(vec![WireVal::Enum("a".into())]),
            ),
            ("ratio".into(), WireVal::F64(f64::NAN.to_bits())),
        ]),
        WireVal::Result(Err(Some(Box::new(WireVal::Variant(
            "not-found".into(),
            Some(Box::new(WireVal::Tuple(vec![
                WireVal::U64(u64::MAX),
                WireVal::Char('é'),
            ]))),
        ))))),
        WireVal::Option(Some(Box::new(WireVal::Flags(vec![
            "read".into(),
            "write".into(),
        ])))),
    ];
    let target = seeds
        .iter()
        .fold(Target::new("wire-values").cases(50_000), |target, seed| {
            target.seed(serde_json::to_vec(seed).unwrap())
        });
    target
        .dictionary([
            r#"{"t":"#,
            r#","v":"#,
            "}",
            "[",
            "]",
            "null",
            r#""list""#,
            r#""record""#,
        ])
        .run(|input| {
            let read = serde_json::from_slice::<WireVal>(input).ok();
            if let Some(read) = &read {
                assert_eq!(&travelled(read), read);
            }
            if let Ok(built) = build(&mut Unstructured::new(input), MAX_DEPTH) {
                assert_eq!(travelled(&built), built);
            }
            read.is_some()
        });
}
