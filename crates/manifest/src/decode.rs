//! From the position-aware tree to the typed [`Manifest`], collecting every problem instead of
//! stopping at the first. Each unit (metadata, a component's properties, a trait) is decoded on
//! its own, so one mistake does not hide the next.

use serde::de::DeserializeOwned;

use crate::diagnostic::{Diagnostics, Severity};
use crate::model::{
    CapabilityOrComponent, Component, ComponentProperties, DAEMONSCALER_TRAIT, LINK_TRAIT,
    LinkProperty, Manifest, Metadata, Policy, SPREADSCALER_TRAIT, Specification,
    SpreadScalerProperty, Trait, TraitProperties,
};
use crate::node::{Entry, Kind, Node, escape_token};
use crate::suggest::did_you_mean;

const TRAIT_TYPES: [&str; 3] = [SPREADSCALER_TRAIT, DAEMONSCALER_TRAIT, LINK_TRAIT];

/// The decoded manifest, with placeholders where a part could not be decoded, and the
/// pointers of those parts (validation stays quiet about them: they are already reported).
pub(crate) struct Decoded {
    pub(crate) manifest: Manifest,
    pub(crate) broken: Vec<String>,
}

/// Decodes the whole manifest, reporting every part that does not decode.
pub(crate) fn decode(root: &Node, diagnostics: &mut Diagnostics) -> Decoded {
    let mut decoder = Decoder {
        root,
        diagnostics,
        broken: Vec::new(),
    };
    let manifest = decoder.manifest();
    Decoded {
        manifest,
        broken: decoder.broken,
    }
}

struct Decoder<'a> {
    root: &'a Node,
    diagnostics: &'a mut Diagnostics,
    broken: Vec<String>,
}

impl Decoder<'_> {
    fn error(&mut self, pointer: &str, message: impl Into<String>, hint: Option<String>) {
        self.broken.push(pointer.to_owned());
        let position = self.root.position_of(pointer);
        self.diagnostics
            .push(Severity::Error, position, pointer, message, hint);
    }

    /// An unknown field: reported at its key.
    fn unknown_field(&mut self, pointer: &str, message: impl Into<String>, hint: Option<String>) {
        self.broken.push(pointer.to_owned());
        let position = self.root.key_position_of(pointer);
        self.diagnostics
            .push(Severity::Error, position, pointer, message, hint);
    }

    /// A missing field: reported at its parent, but only the field counts as broken.
    fn missing(&mut self, pointer: &str, key: &str) {
        self.broken.push(format!("{pointer}/{}", escape_token(key)));
        let position = self.root.position_of(pointer);
        self.diagnostics.push(
            Severity::Error,
            position,
            pointer,
            format!("missing field `{key}`"),
            Some(format!("add `{key}:`")),
        );
    }

    fn warning(&mut self, pointer: &str, message: impl Into<String>, hint: Option<String>) {
        let position = self.root.position_of(pointer);
        self.diagnostics
            .push(Severity::Warning, position, pointer, message, hint);
    }

    fn manifest(&mut self) -> Manifest {
        if let Some(entries) = self.mapping(self.root, "", "the manifest") {
            self.unknown_keys(entries, "", &["apiVersion", "kind", "metadata", "spec"]);
        }
        let api_version = self.required_string(self.root, "", "apiVersion");
        let kind = self.required_string(self.root, "", "kind");
        let metadata = self
            .required(self.root, "", "metadata")
            .and_then(|node| self.metadata(node));
        let spec = self
            .required(self.root, "", "spec")
            .map(|node| self.spec(node));
        Manifest {
            api_version: api_version.unwrap_or_default(),
            kind: kind.unwrap_or_default(),
            metadata: metadata.unwrap_or_else(|| {
                self.broken.push("/metadata".into());
                Metadata {
                    name: String::new(),
                    annotations: Default::default(),
                    labels: Default::default(),
                }
            }),
            spec: spec.unwrap_or(Specification {
                components: Vec::new(),
                policies: Vec::new(),
            }),
        }
    }

    /// `metadata`: wadm requires `annotations` (an empty `annotations:` is an empty map) and
    /// ignores keys it does not know.
    fn metadata(&mut self, node: &Node) -> Option<Metadata> {
        let entries = self.mapping(node, "/metadata", "`metadata`")?;
        self.ignored_keys(entries, "/metadata", &["name", "annotations", "labels"]);
        if field(node, "annotations").is_none() {
            let position = self.root.position_of("/metadata");
            self.diagnostics.push(
                Severity::Error,
                position,
                "/metadata",
                "missing field `annotations`",
                Some("wadm requires it; add `annotations:` (it may be empty), e.g. with `version: v0.1.0`".into()),
            );
        }
        let mut value = node.to_value();
        for key in ["annotations", "labels"] {
            if field(node, key).is_some_and(Node::is_empty_value)
                && let Some(object) = value.as_object_mut()
            {
                object.insert(key.to_owned(), serde_json::json!({}));
            }
        }
        self.unit_from_value::<Metadata>(value, "/metadata")
    }

    fn spec(&mut self, node: &Node) -> Specification {
        if let Some(entries) = self.mapping(node, "/spec", "`spec`") {
            self.ignored_keys(entries, "/spec", &["components", "policies"]);
        }
        let components = match self.required(node, "/spec", "components") {
            Some(empty) if empty.is_empty_value() => Vec::new(),
            Some(components) => self
                .sequence(components, "/spec/components", "`components`")
                .map(|items| {
                    items
                        .iter()
                        .enumerate()
                        .map(|(index, item)| {
                            self.component(item, &format!("/spec/components/{index}"))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let policies = match field(node, "policies") {
            None => Vec::new(),
            Some(empty) if empty.is_empty_value() => Vec::new(),
            Some(policies) => {
                if let Kind::Seq(items) = &policies.kind {
                    for (index, item) in items.iter().enumerate() {
                        if let Kind::Map(entries) = &item.kind {
                            let pointer = format!("/spec/policies/{index}");
                            self.ignored_keys(entries, &pointer, &["name", "type", "properties"]);
                        }
                    }
                }
                self.unit::<Vec<Policy>>(policies, "/spec/policies")
                    .unwrap_or_default()
            }
        };
        Specification {
            components,
            policies,
        }
    }

    fn component(&mut self, node: &Node, pointer: &str) -> Component {
        if let Some(entries) = self.mapping(node, pointer, "a component") {
            self.ignored_keys(entries, pointer, &["name", "type", "properties", "traits"]);
        }
        let name = self.required_string(node, pointer, "name");
        let kind = self.required(node, pointer, "type").and_then(|kind| {
            let text = kind.as_str().unwrap_or_default();
            match text {
                "component" | "actor" => Some(CapabilityOrComponent::Component),
                "capability" => Some(CapabilityOrComponent::Capability),
                other => {
                    let hint = did_you_mean(other, ["component", "capability"])
                        .or_else(|| Some("use `component` or `capability`".into()));
                    self.error(
                        &format!("{pointer}/type"),
                        format!("unknown component type `{other}`"),
                        hint,
                    );
                    None
                }
            }
        });
        let properties_pointer = format!("{pointer}/properties");
        let properties = self
            .required(node, pointer, "properties")
            .and_then(|properties| {
                self.nested_ignored_keys(properties, &properties_pointer);
                self.unit_from_value::<ComponentProperties>(
                    properties.to_typed_value(),
                    &properties_pointer,
                )
            });
        let traits = match field(node, "traits") {
            Some(Node {
                kind: Kind::Null, ..
            })
            | None => Vec::new(),
            Some(traits) => {
                let traits_pointer = format!("{pointer}/traits");
                self.sequence(traits, &traits_pointer, "`traits`")
                    .map(|items| {
                        items
                            .iter()
                            .enumerate()
                            .map(|(index, item)| {
                                self.trait_(item, &format!("{traits_pointer}/{index}"))
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            }
        };
        Component {
            name: name.unwrap_or_else(|| {
                self.broken.push(pointer.to_owned());
                String::new()
            }),
            kind: kind.unwrap_or(CapabilityOrComponent::Component),
            properties: properties.unwrap_or_else(|| {
                self.broken.push(properties_pointer);
                ComponentProperties {
                    image: None,
                    application: None,
                    id: None,
                    config: Vec::new(),
                    secrets: Vec::new(),
                }
            }),
            traits,
        }
    }

    fn trait_(&mut self, node: &Node, pointer: &str) -> Trait {
        self.try_trait(node, pointer).unwrap_or_else(|| {
            self.broken.push(pointer.to_owned());
            Trait {
                trait_type: String::new(),
                properties: TraitProperties::Scaler(SpreadScalerProperty {
                    instances: 0,
                    spread: Vec::new(),
                }),
            }
        })
    }

    fn try_trait(&mut self, node: &Node, pointer: &str) -> Option<Trait> {
        let entries = self.mapping(node, pointer, "a trait")?;
        self.unknown_keys(entries, pointer, &["type", "properties"]);
        let trait_type = self.required_string(node, pointer, "type")?;
        let properties = self.required(node, pointer, "properties")?;
        let properties_pointer = format!("{pointer}/properties");
        let properties = match trait_type.as_str() {
            SPREADSCALER_TRAIT | DAEMONSCALER_TRAIT if has_link_fields(properties) => {
                // wadm reads such a trait as a link (its target must exist) and neither
                // scales nor links with it; the validator and the manager look at links of
                // type `link` only.
                self.warning(
                    &properties_pointer,
                    format!(
                        "this `{trait_type}` has a link's fields, not a scaler's; it is ignored"
                    ),
                    Some("make it `type: link`, or give it `instances` (and `spread`)".into()),
                );
                self.link(properties, &properties_pointer)
                    .map(TraitProperties::Link)
            }
            SPREADSCALER_TRAIT | DAEMONSCALER_TRAIT => self
                .unit_from_value::<SpreadScalerProperty>(
                    properties.to_typed_value(),
                    &properties_pointer,
                )
                .map(TraitProperties::Scaler),
            LINK_TRAIT => self
                .link(properties, &properties_pointer)
                .map(TraitProperties::Link),
            other => {
                // wadm accepts trait types it does not know and acts on none of them.
                let hint = did_you_mean(other, TRAIT_TYPES).map_or_else(
                    || "weft acts on `spreadscaler`, `daemonscaler` and `link`".to_owned(),
                    |typo| format!("{typo} weft acts on `spreadscaler`, `daemonscaler` and `link`"),
                );
                self.warning(
                    &format!("{pointer}/type"),
                    format!("trait type `{other}` is not one weft knows; the trait is ignored"),
                    Some(hint),
                );
                // Properties that read as a link are held to a link's rules, as wadm does.
                Some(
                    self.probe_link(properties, &properties_pointer)
                        .map_or_else(
                            || TraitProperties::Custom(properties.to_typed_value()),
                            TraitProperties::Link,
                        ),
                )
            }
        }?;
        Some(Trait {
            trait_type,
            properties,
        })
    }

    /// The properties as a link if they read as one, reporting nothing either way.
    fn probe_link(&mut self, node: &Node, pointer: &str) -> Option<LinkProperty> {
        if !has_link_fields(node) {
            return None;
        }
        let mut quiet = Diagnostics::new("");
        let mut probe = Decoder {
            root: self.root,
            diagnostics: &mut quiet,
            broken: Vec::new(),
        };
        probe.link(node, pointer).filter(|_| !quiet.has_errors())
    }

    /// A link, accepting wadm's deprecated form (`target: NAME` with `target_config` and
    /// `source_config` lists) with a warning, and tolerating unknown fields as wadm does.
    fn link(&mut self, node: &Node, pointer: &str) -> Option<LinkProperty> {
        let entries = self.mapping(node, pointer, "link properties")?;
        let known = [
            "namespace",
            "package",
            "interfaces",
            "source",
            "target",
            "name",
            "target_config",
            "source_config",
        ];
        for entry in entries {
            if !known.contains(&entry.key.as_str()) {
                let key_pointer = format!("{pointer}/{}", escape_token(&entry.key));
                self.warning(
                    &key_pointer,
                    format!("`{}` is not a link field and is ignored", entry.key),
                    did_you_mean(&entry.key, known),
                );
            }
        }
        if field(node, "source").is_some_and(|source| matches!(source.kind, Kind::Null)) {
            self.error(
                &format!("{pointer}/source"),
                "`source` is empty",
                Some("give it `config:` (or `secrets:`), or leave `source` out".into()),
            );
            return None;
        }
        for side in ["target", "source"] {
            if let Some(secrets) = field(node, side).and_then(|side| field(side, "secrets")) {
                self.secret_ignored_keys(secrets, &format!("{pointer}/{side}/secrets"));
            }
        }
        let mut value = node.to_typed_value();
        let object = value.as_object_mut()?;
        self.legacy_link_configs(node, object, pointer);
        self.unit_from_value::<LinkProperty>(value, pointer)
    }

    /// wadm's deprecated link form: `target: NAME` with `target_config`, and `source_config`
    /// (read whatever form `target` has, unless `source` is given), each with a warning.
    fn legacy_link_configs(
        &mut self,
        node: &Node,
        object: &mut serde_json::Map<String, serde_json::Value>,
        pointer: &str,
    ) {
        let legacy_target = field(node, "target")
            .and_then(Node::as_str)
            .map(str::to_owned);
        let target_config = object.remove("target_config");
        let source_config = object.remove("source_config");
        if let Some(target) = legacy_target {
            self.warning(
                &format!("{pointer}/target"),
                "`target: NAME` with `target_config`/`source_config` is deprecated",
                Some(
                    "write `target: {name: NAME, config: [...]}` and `source: {config: [...]}`"
                        .into(),
                ),
            );
            let config = target_config.unwrap_or_else(|| serde_json::json!([]));
            object.insert(
                "target".into(),
                serde_json::json!({ "name": target, "config": config }),
            );
        } else if target_config.is_some() {
            self.warning(
                &format!("{pointer}/target_config"),
                "`target_config` only applies with the deprecated `target: NAME` form and is ignored",
                Some("put the config under `target.config`".into()),
            );
        }
        let Some(source_config) = source_config else {
            return;
        };
        if object.contains_key("source") {
            self.warning(
                &format!("{pointer}/source_config"),
                "`source_config` is ignored: `source` is given",
                Some("put the config under `source.config`".into()),
            );
        } else {
            self.warning(
                &format!("{pointer}/source_config"),
                "`source_config` is deprecated",
                Some("write `source: {config: [...]}`".into()),
            );
            object.insert(
                "source".into(),
                serde_json::json!({ "config": source_config }),
            );
        }
    }

    fn unit<T: DeserializeOwned>(&mut self, node: &Node, pointer: &str) -> Option<T> {
        self.unit_from_value(node.to_value(), pointer)
    }

    fn unit_from_value<T: DeserializeOwned>(
        &mut self,
        value: serde_json::Value,
        pointer: &str,
    ) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(decoded) => Some(decoded),
            Err(error) => {
                let mut at = pointer.to_owned();
                for segment in error.path().iter() {
                    match segment {
                        serde_path_to_error::Segment::Seq { index } => {
                            at.push_str(&format!("/{index}"))
                        }
                        serde_path_to_error::Segment::Map { key } => {
                            at.push('/');
                            at.push_str(&escape_token(key));
                        }
                        serde_path_to_error::Segment::Enum { .. }
                        | serde_path_to_error::Segment::Unknown => {}
                    }
                }
                let message = error.inner().to_string();
                let unknown = message.starts_with("unknown field");
                let (message, hint) = explain(&message, &mut at);
                if unknown {
                    self.unknown_field(&at, message, hint);
                } else {
                    self.error(&at, message, hint);
                }
                None
            }
        }
    }

    fn mapping<'n>(&mut self, node: &'n Node, pointer: &str, what: &str) -> Option<&'n [Entry]> {
        match &node.kind {
            Kind::Map(entries) => Some(entries),
            other => {
                self.error(
                    pointer,
                    format!(
                        "{what} must be a mapping (`key: value` lines), found {}",
                        describe(other)
                    ),
                    None,
                );
                None
            }
        }
    }

    fn sequence<'n>(&mut self, node: &'n Node, pointer: &str, what: &str) -> Option<&'n [Node]> {
        match &node.kind {
            Kind::Seq(items) => Some(items),
            other => {
                self.error(
                    pointer,
                    format!(
                        "{what} must be a list (`- ` items), found {}",
                        describe(other)
                    ),
                    None,
                );
                None
            }
        }
    }

    fn required<'n>(&mut self, node: &'n Node, pointer: &str, key: &str) -> Option<&'n Node> {
        let found = field(node, key);
        if found.is_none() {
            self.missing(pointer, key);
        }
        found
    }

    fn required_string(&mut self, node: &Node, pointer: &str, key: &str) -> Option<String> {
        let value = self.required(node, pointer, key)?;
        match value.as_str() {
            Some(text) => Some(text.to_owned()),
            None => {
                self.error(
                    &format!("{pointer}/{key}"),
                    format!("`{key}` must be a string, found {}", describe(&value.kind)),
                    None,
                );
                None
            }
        }
    }

    /// Keys wadm ignores where it stands: each is a warning, with a suggestion if it looks
    /// like a typo of a known one.
    fn ignored_keys(&mut self, entries: &[Entry], pointer: &str, known: &[&str]) {
        for entry in entries {
            if !known.contains(&entry.key.as_str()) {
                let hint = did_you_mean(&entry.key, known.iter().copied())
                    .or_else(|| Some(format!("the fields here are {}", quoted_list(known))));
                let key_pointer = format!("{pointer}/{}", escape_token(&entry.key));
                let position = self.root.key_position_of(&key_pointer);
                self.diagnostics.push(
                    Severity::Warning,
                    position,
                    &key_pointer,
                    format!("unknown field `{}` is ignored", entry.key),
                    hint,
                );
            }
        }
    }

    /// The keys wadm ignores inside a component's `properties`: in its secrets and in its
    /// shared-application reference.
    fn nested_ignored_keys(&mut self, properties: &Node, pointer: &str) {
        if let Some(Node {
            kind: Kind::Map(entries),
            ..
        }) = field(properties, "application")
        {
            let at = format!("{pointer}/application");
            self.ignored_keys(entries, &at, &["name", "component"]);
        }
        if let Some(secrets) = field(properties, "secrets") {
            self.secret_ignored_keys(secrets, &format!("{pointer}/secrets"));
        }
    }

    /// The keys wadm ignores in a list of secrets and their `properties`.
    fn secret_ignored_keys(&mut self, secrets: &Node, pointer: &str) {
        let Kind::Seq(items) = &secrets.kind else {
            return;
        };
        for (index, item) in items.iter().enumerate() {
            let at = format!("{pointer}/{index}");
            if let Kind::Map(entries) = &item.kind {
                self.ignored_keys(entries, &at, &["name", "properties"]);
            }
            if let Some(Node {
                kind: Kind::Map(entries),
                ..
            }) = field(item, "properties")
            {
                let known = ["policy", "key", "field", "version"];
                self.ignored_keys(entries, &format!("{at}/properties"), &known);
            }
        }
    }

    fn unknown_keys(&mut self, entries: &[Entry], pointer: &str, known: &[&str]) {
        for entry in entries {
            if !known.contains(&entry.key.as_str()) {
                let hint = did_you_mean(&entry.key, known.iter().copied())
                    .or_else(|| Some(format!("the fields here are {}", quoted_list(known))));
                self.unknown_field(
                    &format!("{pointer}/{}", escape_token(&entry.key)),
                    format!("unknown field `{}`", entry.key),
                    hint,
                );
            }
        }
    }
}

/// Whether trait properties have the fields wadm needs to read them as a link.
fn has_link_fields(properties: &Node) -> bool {
    ["namespace", "package", "interfaces"]
        .iter()
        .all(|key| field(properties, key).is_some())
}

fn field<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    match &node.kind {
        Kind::Map(entries) => entries
            .iter()
            .find(|entry| entry.key == key)
            .map(|entry| &entry.value),
        _ => None,
    }
}

fn describe(kind: &Kind) -> &'static str {
    match kind {
        Kind::Null => "nothing",
        Kind::Scalar(_) => "a single value",
        Kind::Seq(_) => "a list",
        Kind::Map(_) => "a mapping",
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Turns serde's messages into ours, pointing unknown fields at themselves and adding hints.
fn explain(message: &str, at: &mut String) -> (String, Option<String>) {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, rest) = rest.split_once('`').unwrap_or((rest, ""));
        let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        if !at.ends_with(&format!("/{}", escape_token(field))) {
            at.push('/');
            at.push_str(&escape_token(field));
        }
        let hint = did_you_mean(field, expected.iter().copied()).or_else(|| {
            (!expected.is_empty())
                .then(|| format!("the fields here are {}", quoted_list(&expected)))
        });
        return (format!("unknown field `{field}`"), hint);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return (
            format!("missing field `{field}`"),
            Some(format!("add `{field}:`")),
        );
    }
    for (kind, example) in [
        ("integer", "'8080'"),
        ("boolean", "'true'"),
        ("floating point", "'1.5'"),
    ] {
        if let Some(rest) = message.strip_prefix(&format!("invalid type: {kind} `"))
            && rest.contains("expected a string")
        {
            let value = rest.split('`').next().unwrap_or(rest);
            return (
                format!("found the {kind} {value} where wadm reads a string"),
                Some(format!("quote it, e.g. `{example}`")),
            );
        }
    }
    if message.contains("is quoted") {
        return (
            message.to_owned(),
            Some("write the number without quotes".into()),
        );
    }
    let friendly = message
        .replace("invalid type: string", "found a single value")
        .replace("invalid type: sequence", "found a list")
        .replace("invalid type: map", "found a mapping")
        .replace("invalid type: null", "found nothing")
        .replace(", expected a string", ", expected a string value")
        .replace("expected a sequence", "expected a list (`- ` items)")
        .replace("expected a map", "expected a mapping (`key: value` lines)");
    (friendly, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConfigProperty;

    #[test]
    fn unknown_field_messages_point_at_the_field_with_a_suggestion() {
        let mut at = "/spec/components/0/properties".to_owned();
        let (message, hint) = explain(
            "unknown field `imag`, expected one of `image`, `application`, `id`",
            &mut at,
        );
        assert_eq!(message, "unknown field `imag`");
        assert_eq!(at, "/spec/components/0/properties/imag");
        assert_eq!(hint.as_deref(), Some("did you mean `image`?"));
    }

    #[test]
    fn config_lists_are_plain() {
        // Sanity: the helper types decode as wadm writes them.
        let config: Vec<ConfigProperty> =
            serde_json::from_value(serde_json::json!([{"name": "a", "properties": {"k": "v"}}]))
                .unwrap();
        assert_eq!(config[0].name, "a");
    }
}
