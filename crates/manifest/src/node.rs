//! YAML (and JSON, a subset of it) parsed into a tree that remembers where every node and key
//! stands, so any problem found later can be reported at `line:col`.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::diagnostic::{Diagnostics, Severity};

/// `(line, column)`, both 1-based.
pub(crate) type Position = (usize, usize);

/// One parsed node.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) position: Position,
    pub(crate) kind: Kind,
    /// How a scalar was written (collections are [`Style::Plain`]).
    pub(crate) style: Style,
}

/// How a scalar was written: YAML resolves a plain scalar's type from its text (`8080` is a
/// number, `true` a boolean), a quoted one is always a string, and an empty plain value is
/// null, or an empty mapping or list where one is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    Quoted,
    Empty,
}

/// What a node holds. Scalars keep their text: wadm reads the scalars of metadata and of
/// names as strings (`version: 1.0` is the string `"1.0"`); [`Node::to_typed_value`] gives
/// them YAML's types where wadm does.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Null,
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// One key of a mapping, with its position.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) key_position: Position,
    pub(crate) value: Node,
}

impl Node {
    /// The child one pointer token names, with its key's position when it is a mapping entry.
    fn child(&self, token: &str) -> Option<(&Node, Option<Position>)> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .find(|entry| entry.key == token)
                .map(|entry| (&entry.value, Some(entry.key_position))),
            Kind::Seq(items) => token
                .parse::<usize>()
                .ok()
                .and_then(|index| items.get(index))
                .map(|item| (item, None)),
            Kind::Null | Kind::Scalar(_) => None,
        }
    }

    /// Where to report a problem at `pointer`: a scalar or list where it stands, a mapping at
    /// the key that names it, or the nearest existing ancestor.
    pub(crate) fn position_of(&self, pointer: &str) -> Position {
        let mut node = self;
        let mut position = self.position;
        for token in pointer_tokens(pointer) {
            let Some((child, key_position)) = node.child(&token) else {
                break;
            };
            node = child;
            position = match (&node.kind, key_position) {
                (Kind::Map(_), Some(key_position)) => key_position,
                _ => node.position,
            };
        }
        position
    }

    /// Where the key of the mapping entry at `pointer` stands (for unknown fields); falls back
    /// to [`Node::position_of`].
    pub(crate) fn key_position_of(&self, pointer: &str) -> Position {
        let mut node = self;
        let mut key_position = None;
        for token in pointer_tokens(pointer) {
            let Some((child, position)) = node.child(&token) else {
                return self.position_of(pointer);
            };
            node = child;
            key_position = position;
        }
        key_position.unwrap_or_else(|| self.position_of(pointer))
    }

    /// The node as JSON, for typed decoding.
    pub(crate) fn to_value(&self) -> serde_json::Value {
        match &self.kind {
            Kind::Null => serde_json::Value::Null,
            Kind::Scalar(text) => serde_json::Value::String(text.clone()),
            Kind::Seq(items) => items.iter().map(Node::to_value).collect(),
            Kind::Map(entries) => entries
                .iter()
                .map(|entry| (entry.key.clone(), entry.value.to_value()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }

    /// The node as JSON with YAML's types for plain scalars (numbers, booleans), as wadm reads
    /// component and trait `properties`: there a string field refuses `8080` and a number
    /// field refuses `"3"`.
    pub(crate) fn to_typed_value(&self) -> serde_json::Value {
        match &self.kind {
            Kind::Null => serde_json::Value::Null,
            Kind::Scalar(text) if self.style == Style::Quoted => {
                serde_json::Value::String(text.clone())
            }
            Kind::Scalar(text) => resolve_plain(text),
            Kind::Seq(items) => items.iter().map(Node::to_typed_value).collect(),
            Kind::Map(entries) => entries
                .iter()
                .map(|entry| (entry.key.clone(), entry.value.to_typed_value()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }

    /// Whether this is an empty plain value (`key:` with nothing after it), which YAML readers
    /// take as an empty mapping or list where one is expected.
    pub(crate) fn is_empty_value(&self) -> bool {
        self.style == Style::Empty
    }

    /// The scalar text, if this is a scalar.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(text) => Some(text),
            _ => None,
        }
    }
}

/// Splits a JSON pointer into its unescaped tokens.
pub(crate) fn pointer_tokens(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
}

/// Escapes one JSON pointer token.
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A plain scalar's value under YAML's rules as `serde_yaml` (what wadm reads with) applies
/// them: booleans, integers (decimal without leading zeros, `0x`, `0o`, `0b`, signed), finite
/// floats; everything else is a string.
fn resolve_plain(text: &str) -> serde_json::Value {
    if let Some(boolean) = match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    } {
        return serde_json::Value::Bool(boolean);
    }
    if let Some(integer) = plain_integer(text) {
        return integer;
    }
    if let Some(special) = special_float(text) {
        return special;
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let leading_zero_digits = unsigned.len() > 1
        && unsigned.starts_with('0')
        && unsigned.bytes().all(|byte| byte.is_ascii_digit());
    if !leading_zero_digits
        && let Ok(float) = text.parse::<f64>()
        && float.is_finite()
        && let Some(number) = serde_json::Number::from_f64(float)
    {
        return serde_json::Value::Number(number);
    }
    serde_json::Value::String(text.to_owned())
}

/// YAML's infinities and not-a-number (`.inf`, `-.Inf`, `.NaN`, ...), which JSON cannot hold:
/// they stand as the largest float, so a string or whole-number field refuses them as it
/// refuses any float.
fn special_float(text: &str) -> Option<serde_json::Value> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let special = matches!(unsigned, ".inf" | ".Inf" | ".INF")
        || (unsigned == text && matches!(text, ".nan" | ".NaN" | ".NAN"));
    special
        .then(|| serde_json::Number::from_f64(f64::MAX))
        .flatten()
        .map(serde_json::Value::Number)
}

/// An integer in YAML's plain forms, or `None`.
fn plain_integer(text: &str) -> Option<serde_json::Value> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (digits, radix) = if let Some(hex) = unsigned.strip_prefix("0x") {
        (hex, 16)
    } else if let Some(octal) = unsigned.strip_prefix("0o") {
        (octal, 8)
    } else if let Some(binary) = unsigned.strip_prefix("0b") {
        (binary, 2)
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        return None;
    } else {
        (unsigned, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        let value = 0i64.checked_sub_unsigned(magnitude)?;
        Some(serde_json::Value::from(value))
    } else {
        Some(serde_json::Value::from(magnitude))
    }
}

fn position(span: &Span) -> Position {
    (span.start.line(), span.start.col() + 1)
}

/// Parses `text` into a tree, reporting syntax errors, an empty file or several documents.
pub(crate) fn parse(text: &str, diagnostics: &mut Diagnostics) -> Option<Node> {
    let mut builder = TreeBuilder::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(event) => event,
            Err(error) => {
                let marker = error.marker();
                diagnostics.push(
                    Severity::Error,
                    (marker.line(), marker.col() + 1),
                    "",
                    format!("this is not valid YAML or JSON: {}", error.info()),
                    Some("check the indentation and quoting around this place".into()),
                );
                return None;
            }
        };
        if let Err((position, message)) = builder.event(event, &span) {
            diagnostics.push(Severity::Error, position, "", message, None);
            return None;
        }
    }
    let root = builder.root;
    if root.is_none() {
        diagnostics.push(
            Severity::Error,
            (1, 1),
            "",
            "the file is empty",
            Some("an application manifest starts with `apiVersion: core.oam.dev/v1beta1` and `kind: Application`".into()),
        );
    }
    root
}

/// A collection being built: a sequence, or a mapping with a pending key.
enum Open {
    Seq(Node, Vec<Node>, usize),
    Map(Node, Vec<Entry>, Option<(String, Position)>, usize),
}

#[derive(Default)]
struct TreeBuilder {
    stack: Vec<Open>,
    root: Option<Node>,
    documents: usize,
    anchors: HashMap<usize, Node>,
}

impl TreeBuilder {
    /// Takes in one parser event. Long by design: one arm per YAML event, each a few lines
    /// of tree building, so the whole YAML → tree mapping reads in one place.
    fn event(&mut self, event: Event<'_>, span: &Span) -> Result<(), (Position, String)> {
        let here = position(span);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err((
                        here,
                        "this file holds more than one YAML document; put one application in each file".into(),
                    ));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                // `!!str 8080` is text, as a quoted scalar is.
                let text_tag =
                    tag.is_some_and(|tag| tag.is_yaml_core_schema() && tag.suffix == "str");
                let plain = style == ScalarStyle::Plain && !text_tag;
                let style = match (plain, text.is_empty()) {
                    (false, _) => Style::Quoted,
                    (true, true) => Style::Empty,
                    (true, false) => Style::Plain,
                };
                let kind = if plain && matches!(&*text, "" | "~" | "null" | "Null" | "NULL") {
                    Kind::Null
                } else {
                    Kind::Scalar(text.into_owned())
                };
                self.value(
                    Node {
                        position: here,
                        kind,
                        style,
                    },
                    anchor,
                )?;
            }
            Event::SequenceStart(anchor, _) => {
                let node = Node {
                    position: here,
                    kind: Kind::Null,
                    style: Style::Plain,
                };
                self.stack.push(Open::Seq(node, Vec::new(), anchor));
            }
            Event::MappingStart(anchor, _) => {
                let node = Node {
                    position: here,
                    kind: Kind::Null,
                    style: Style::Plain,
                };
                self.stack.push(Open::Map(node, Vec::new(), None, anchor));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Open::Seq(node, items, anchor)) => (
                        Node {
                            kind: Kind::Seq(items),
                            ..node
                        },
                        anchor,
                    ),
                    Some(Open::Map(node, entries, _, anchor)) => (
                        Node {
                            kind: Kind::Map(entries),
                            ..node
                        },
                        anchor,
                    ),
                    None => return Ok(()),
                };
                self.value(node, anchor)?;
            }
            Event::Alias(anchor) => {
                let node = self.anchors.get(&anchor).cloned().ok_or((
                    here,
                    "this alias refers to an anchor that is not defined".to_owned(),
                ))?;
                self.value(node, 0)?;
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        Ok(())
    }

    /// Places a finished node: as a mapping key, a mapping value, a sequence item or the root.
    fn value(&mut self, node: Node, anchor: usize) -> Result<(), (Position, String)> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq(_, items, _)) => items.push(node),
            Some(Open::Map(_, entries, pending, _)) => match pending.take() {
                None => {
                    let key = match &node.kind {
                        Kind::Scalar(text) => text.clone(),
                        Kind::Null => String::new(),
                        _ => {
                            return Err((
                                node.position,
                                "mapping keys must be plain strings".into(),
                            ));
                        }
                    };
                    if entries.iter().any(|entry| entry.key == key) {
                        return Err((
                            node.position,
                            format!("the key `{key}` appears twice in this mapping"),
                        ));
                    }
                    *pending = Some((key, node.position));
                }
                Some((key, key_position)) => entries.push(Entry {
                    key,
                    key_position,
                    value: node,
                }),
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_take_yaml_types_as_wadm_reads_them() {
        use serde_json::json;
        for (text, value) in [
            ("8080", json!(8080)),
            ("-3", json!(-3)),
            ("+7", json!(7)),
            ("0x10", json!(16)),
            ("0o17", json!(15)),
            ("0b101", json!(5)),
            ("1.5", json!(1.5)),
            ("true", json!(true)),
            ("FALSE", json!(false)),
            ("007", json!("007")),
            ("yes", json!("yes")),
            ("inf", json!("inf")),
            ("-007", json!("-007")),
            (".inf", json!(f64::MAX)),
            ("-.Inf", json!(f64::MAX)),
            (".nan", json!(f64::MAX)),
            ("1.0.0", json!("1.0.0")),
            ("redis://127.0.0.1:6379", json!("redis://127.0.0.1:6379")),
        ] {
            assert_eq!(resolve_plain(text), value, "{text}");
        }
    }

    #[test]
    fn quoted_scalars_stay_text_and_empty_values_are_marked() {
        let mut diagnostics = Diagnostics::new("t.yaml");
        let text = "a: '8080'\nb: 8080\nc:\nd: ~\ne: !!str 8080\n";
        let root = parse(text, &mut diagnostics).unwrap();
        let typed = root.to_typed_value();
        assert_eq!(typed["a"], "8080");
        assert_eq!(typed["e"], "8080");
        assert_eq!(typed["b"], 8080);
        assert_eq!(
            root.to_value()["b"],
            "8080",
            "untyped reading keeps the text"
        );
        let Kind::Map(entries) = &root.kind else {
            panic!("a mapping")
        };
        assert!(entries[2].value.is_empty_value());
        assert!(!entries[3].value.is_empty_value());
    }
}
