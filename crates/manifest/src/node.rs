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
}

/// What a node holds. Scalars keep their text: wadm reads every scalar it stores as a string
/// (`version: 1.0` is the string `"1.0"`), and numeric fields parse the text themselves.
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
            Event::Scalar(text, style, anchor, _tag) => {
                let kind = if style == ScalarStyle::Plain
                    && matches!(&*text, "" | "~" | "null" | "Null" | "NULL")
                {
                    Kind::Null
                } else {
                    Kind::Scalar(text.into_owned())
                };
                self.value(
                    Node {
                        position: here,
                        kind,
                    },
                    anchor,
                )?;
            }
            Event::SequenceStart(anchor, _) => {
                let node = Node {
                    position: here,
                    kind: Kind::Null,
                };
                self.stack.push(Open::Seq(node, Vec::new(), anchor));
            }
            Event::MappingStart(anchor, _) => {
                let node = Node {
                    position: here,
                    kind: Kind::Null,
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
