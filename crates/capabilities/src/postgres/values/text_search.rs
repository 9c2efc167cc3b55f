//! Full-text search values: a binary `tsvector` as the WIT's lexemes (one entry per position)
//! and back, and a binary `tsquery` as the text Postgres prints for it.

use std::collections::BTreeMap;

use crate::bindings::wasmcloud::postgres::types::{Lexeme, LexemeWeight};

/// Reads what a binary value holds, failing with "… ended early" instead of panicking.
pub(super) struct Reader<'a> {
    raw: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(super) fn new(raw: &'a [u8], what: &'static str) -> Self {
        Self { raw, what }
    }

    pub(super) fn take(&mut self, count: usize) -> Result<&'a [u8], String> {
        if self.raw.len() < count {
            return Err(format!("a {} value ended early", self.what));
        }
        let (taken, rest) = self.raw.split_at(count);
        self.raw = rest;
        Ok(taken)
    }

    pub(super) fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    pub(super) fn u16(&mut self) -> Result<u16, String> {
        let bytes = self.take(2)?;
        Ok(u16::from_be_bytes([bytes[0], bytes[1]]))
    }

    pub(super) fn i32(&mut self) -> Result<i32, String> {
        let bytes = self.take(4)?;
        Ok(i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    pub(super) fn i64(&mut self) -> Result<i64, String> {
        let bytes = self.take(8)?;
        let mut array = [0; 8];
        array.copy_from_slice(bytes);
        Ok(i64::from_be_bytes(array))
    }

    pub(super) fn count(&mut self) -> Result<usize, String> {
        usize::try_from(self.i32()?)
            .map_err(|_| format!("a {} value has a negative count", self.what))
    }

    /// A zero-terminated UTF-8 string.
    pub(super) fn c_string(&mut self) -> Result<String, String> {
        let end = self
            .raw
            .iter()
            .position(|byte| *byte == 0)
            .ok_or_else(|| format!("a {} value ended early", self.what))?;
        let text = String::from_utf8(self.take(end)?.to_vec())
            .map_err(|_| format!("a {} value is not UTF-8", self.what))?;
        self.take(1)?;
        Ok(text)
    }
}

fn weight_from_bits(bits: u16) -> LexemeWeight {
    match bits {
        3 => LexemeWeight::A,
        2 => LexemeWeight::B,
        1 => LexemeWeight::C,
        _ => LexemeWeight::D,
    }
}

fn bits_from_weight(weight: LexemeWeight) -> u16 {
    match weight {
        LexemeWeight::A => 3,
        LexemeWeight::B => 2,
        LexemeWeight::C => 1,
        LexemeWeight::D => 0,
    }
}

/// The lexemes of a binary `tsvector`: one entry per position (a lexeme without positions is
/// one entry without position or weight).
pub(super) fn ts_vector_from_sql(raw: &[u8]) -> Result<Vec<Lexeme>, String> {
    let mut reader = Reader::new(raw, "tsvector");
    let mut lexemes = Vec::new();
    for _ in 0..reader.count()? {
        let data = reader.c_string()?;
        let positions = reader.u16()?;
        if positions == 0 {
            lexemes.push(Lexeme {
                position: None,
                weight: None,
                data: data.clone(),
            });
        }
        for _ in 0..positions {
            let packed = reader.u16()?;
            lexemes.push(Lexeme {
                position: Some(packed & 0x3FFF),
                weight: Some(weight_from_bits(packed >> 14)),
                data: data.clone(),
            });
        }
    }
    Ok(lexemes)
}

/// A binary `tsvector` of `lexemes` (entries with the same data become one lexeme with all
/// their positions; a weight needs a position).
pub(super) fn ts_vector_to_sql(lexemes: &[Lexeme], out: &mut Vec<u8>) -> Result<(), String> {
    let mut grouped: BTreeMap<&str, Vec<u16>> = BTreeMap::new();
    for lexeme in lexemes {
        if lexeme.data.is_empty() || lexeme.data.contains('\0') {
            return Err("a tsvector lexeme must be non-empty text without NUL".to_owned());
        }
        let positions = grouped.entry(lexeme.data.as_str()).or_default();
        match (lexeme.position, lexeme.weight) {
            (Some(position), weight) if (1..=16_383).contains(&position) => {
                let weight = bits_from_weight(weight.unwrap_or(LexemeWeight::D));
                positions.push((weight << 14) | position);
            }
            (Some(position), _) => {
                return Err(format!(
                    "tsvector position {position} of `{}` is outside 1..16383",
                    lexeme.data
                ));
            }
            (None, Some(_)) => {
                return Err(format!(
                    "the tsvector lexeme `{}` has a weight but no position",
                    lexeme.data
                ));
            }
            (None, None) => {}
        }
    }
    out.extend_from_slice(&(grouped.len() as i32).to_be_bytes());
    for (data, mut positions) in grouped {
        positions.sort_unstable_by_key(|packed| packed & 0x3FFF);
        positions.dedup_by_key(|packed| *packed & 0x3FFF);
        out.extend_from_slice(data.as_bytes());
        out.push(0);
        out.extend_from_slice(&(positions.len() as u16).to_be_bytes());
        for packed in positions {
            out.extend_from_slice(&packed.to_be_bytes());
        }
    }
    Ok(())
}

const ITEM_VALUE: u8 = 1;
const ITEM_OPERATOR: u8 = 2;
const OP_NOT: u8 = 1;
const OP_AND: u8 = 2;
const OP_OR: u8 = 3;
const OP_PHRASE: u8 = 4;

/// One node of a query: its text and how tightly its operator binds.
struct Printed {
    text: String,
    priority: u8,
}

/// The text of a binary `tsquery`, as Postgres prints it (`'fat' & ( 'rat' | 'cat' )`).
pub(super) fn ts_query_from_sql(raw: &[u8]) -> Result<String, String> {
    let mut reader = Reader::new(raw, "tsquery");
    let items = reader.count()?;
    if items == 0 {
        return Ok(String::new());
    }
    let mut remaining = items;
    let printed = print_item(&mut reader, &mut remaining, 0)?;
    Ok(printed.text)
}

/// How deeply a query's operators may nest before it is refused (the walk is recursive).
const MAX_QUERY_DEPTH: usize = 256;

/// Prints the item at the reader and its operands (Postgres stores an operator, then its
/// right operand, then its left one).
fn print_item(
    reader: &mut Reader<'_>,
    remaining: &mut usize,
    depth: usize,
) -> Result<Printed, String> {
    if depth > MAX_QUERY_DEPTH {
        return Err(format!(
            "a tsquery value nests deeper than {MAX_QUERY_DEPTH} operators; return it as text (`column::text`)"
        ));
    }
    *remaining = remaining
        .checked_sub(1)
        .ok_or_else(|| "a tsquery value has too few items".to_owned())?;
    match reader.u8()? {
        ITEM_VALUE => {
            let weights = reader.u8()?;
            let prefix = reader.u8()? != 0;
            let operand = reader.c_string()?;
            Ok(Printed {
                text: operand_text(&operand, weights, prefix),
                priority: u8::MAX,
            })
        }
        ITEM_OPERATOR => {
            let operator = reader.u8()?;
            if operator == OP_NOT {
                let operand = print_item(reader, remaining, depth + 1)?;
                return Ok(Printed {
                    text: format!("!{}", wrap(&operand, 4)),
                    priority: 4,
                });
            }
            let (symbol, priority) = match operator {
                OP_AND => ("&".to_owned(), 2),
                OP_OR => ("|".to_owned(), 1),
                OP_PHRASE => match reader.u16()? {
                    1 => ("<->".to_owned(), 3),
                    distance => (format!("<{distance}>"), 3),
                },
                other => return Err(format!("a tsquery value has unknown operator {other}")),
            };
            let right = print_item(reader, remaining, depth + 1)?;
            let left = print_item(reader, remaining, depth + 1)?;
            // `&` and `|` are associative; a phrase on the right keeps its parentheses.
            let right_needs = if operator == OP_PHRASE {
                priority + 1
            } else {
                priority
            };
            Ok(Printed {
                text: format!(
                    "{} {symbol} {}",
                    wrap(&left, priority),
                    wrap(&right, right_needs)
                ),
                priority,
            })
        }
        other => Err(format!("a tsquery value has unknown item type {other}")),
    }
}

fn wrap(printed: &Printed, needed: u8) -> String {
    if printed.priority < needed {
        format!("( {} )", printed.text)
    } else {
        printed.text.clone()
    }
}

fn operand_text(operand: &str, weights: u8, prefix: bool) -> String {
    let mut text = String::with_capacity(operand.len() + 4);
    text.push('\'');
    for character in operand.chars() {
        if character == '\'' || character == '\\' {
            text.push(character);
        }
        text.push(character);
    }
    text.push('\'');
    if prefix || weights != 0 {
        text.push(':');
        if prefix {
            text.push('*');
        }
        for (bit, letter) in [(8, 'A'), (4, 'B'), (2, 'C'), (1, 'D')] {
            if weights & bit != 0 {
                text.push(letter);
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(out: &mut Vec<u8>, operand: &str) {
        out.extend_from_slice(&[ITEM_VALUE, 0, 0]);
        out.extend_from_slice(operand.as_bytes());
        out.push(0);
    }

    #[test]
    fn a_query_prints_with_the_parentheses_it_needs() {
        // 'fat' & ( 'rat' | 'cat' ): AND, then its right operand (OR: 'cat', 'rat'), then 'fat'.
        let mut raw = 5i32.to_be_bytes().to_vec();
        raw.extend_from_slice(&[ITEM_OPERATOR, OP_AND]);
        raw.extend_from_slice(&[ITEM_OPERATOR, OP_OR]);
        value(&mut raw, "cat");
        value(&mut raw, "rat");
        value(&mut raw, "fat");
        assert_eq!(
            ts_query_from_sql(&raw).unwrap(),
            "'fat' & ( 'rat' | 'cat' )"
        );
        assert!(ts_query_from_sql(&raw[..raw.len() - 3]).is_err());
    }

    #[test]
    fn vectors_round_trip_by_position() {
        let lexemes = vec![
            Lexeme {
                position: Some(2),
                weight: Some(LexemeWeight::A),
                data: "rat".into(),
            },
            Lexeme {
                position: None,
                weight: None,
                data: "cat".into(),
            },
        ];
        let mut raw = Vec::new();
        ts_vector_to_sql(&lexemes, &mut raw).unwrap();
        let back = ts_vector_from_sql(&raw).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!((back[0].data.as_str(), back[0].position), ("cat", None));
        assert_eq!((back[1].data.as_str(), back[1].position), ("rat", Some(2)));
        assert!(matches!(back[1].weight, Some(LexemeWeight::A)));
    }
}
