//! Which control request a subject names. Subjects are wasmCloud's:
//! `wasmbus.ctl.v1.{lattice}.{operation}`, per host (`host.get.{id}`, `label.put.{id}`, …)
//! or for the whole lattice (`config.put.{name}`, `link.get`, …).

/// A control request, as its subject names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// `host.ping`: every host describes itself.
    HostPing,
    /// `host.get.{id}`: the host's inventory.
    HostGet,
    /// `label.put.{id}`.
    LabelPut,
    /// `label.del.{id}`.
    LabelDel,
    /// `config.put.{name}`.
    ConfigPut(String),
    /// `config.get.{name}`.
    ConfigGet(String),
    /// `config.del.{name}`.
    ConfigDel(String),
    /// `link.put`.
    LinkPut,
    /// `link.del`.
    LinkDel,
    /// `link.get`.
    LinkGet,
    /// `component.scale.{id}`: run a component on this host outside any application.
    ComponentScale,
    /// `provider.start.{id}`: start a capability on this host outside any application.
    ProviderStart,
    /// `provider.stop.{id}`.
    ProviderStop,
    /// `weft.execute.{id}`: a manager's command for this host, with its fence.
    Execute,
    /// `weft.observe.{id}`: who the host is and what it runs, for a manager.
    Observe,
    /// Anything else weft hears (e.g. `component.update`), named.
    Unsupported(String),
}

impl Operation {
    /// Whether asking for it is recorded in the audit log: every request that changes
    /// something, or asks to (an unsupported one is refused, and recorded as such). A
    /// manager's fenced commands are not: the deploy or change that made them is.
    pub fn is_audited(&self) -> bool {
        matches!(
            self,
            Self::LabelPut
                | Self::LabelDel
                | Self::ConfigPut(_)
                | Self::ConfigDel(_)
                | Self::LinkPut
                | Self::LinkDel
                | Self::ComponentScale
                | Self::ProviderStart
                | Self::ProviderStop
                | Self::Unsupported(_)
        )
    }
}

/// `wasmbus.ctl.v1.{lattice}.`, the start of every control subject.
pub fn ctl_prefix(lattice: &str) -> String {
    format!("wasmbus.ctl.v1.{lattice}.")
}

/// The operation `subject` names, for the host `host_id`; `None` when it is not a control
/// subject of this lattice.
pub fn parse_ctl_subject(subject: &str, prefix: &str, host_id: &str) -> Option<Operation> {
    let rest = subject.strip_prefix(prefix)?;
    if rest == "host.ping" {
        return Some(Operation::HostPing);
    }
    if let Some(name) = rest.strip_prefix("config.") {
        let (verb, name) = name.split_once('.')?;
        return Some(match verb {
            "put" => Operation::ConfigPut(name.to_owned()),
            "get" => Operation::ConfigGet(name.to_owned()),
            "del" => Operation::ConfigDel(name.to_owned()),
            other => Operation::Unsupported(format!("config.{other}")),
        });
    }
    match rest {
        "link.put" => return Some(Operation::LinkPut),
        "link.del" => return Some(Operation::LinkDel),
        "link.get" => return Some(Operation::LinkGet),
        _ => {}
    }
    let operation = rest.strip_suffix(host_id)?.strip_suffix('.')?;
    Some(match operation {
        "host.get" => Operation::HostGet,
        "label.put" => Operation::LabelPut,
        "label.del" => Operation::LabelDel,
        "component.scale" => Operation::ComponentScale,
        "provider.start" => Operation::ProviderStart,
        "provider.stop" => Operation::ProviderStop,
        "weft.execute" => Operation::Execute,
        "weft.observe" => Operation::Observe,
        other => Operation::Unsupported(other.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_operations() {
        let prefix = ctl_prefix("prod");
        let parse = |rest: &str| parse_ctl_subject(&format!("{prefix}{rest}"), &prefix, "weft-1");
        assert_eq!(parse("host.ping"), Some(Operation::HostPing));
        assert_eq!(parse("host.get.weft-1"), Some(Operation::HostGet));
        assert_eq!(parse("label.del.weft-1"), Some(Operation::LabelDel));
        assert_eq!(parse("weft.execute.weft-1"), Some(Operation::Execute));
        assert_eq!(
            parse("config.put.redis.url"),
            Some(Operation::ConfigPut("redis.url".into()))
        );
        assert_eq!(parse("link.get"), Some(Operation::LinkGet));
        assert_eq!(
            parse("component.scale.weft-1"),
            Some(Operation::ComponentScale)
        );
        assert_eq!(parse("provider.stop.weft-1"), Some(Operation::ProviderStop));
        assert_eq!(
            parse("component.update.weft-1"),
            Some(Operation::Unsupported("component.update".into()))
        );
        assert_eq!(parse("host.get.weft-2"), None, "another host's");
        assert_eq!(
            parse_ctl_subject("wasmbus.ctl.v1.other.host.ping", &prefix, "weft-1"),
            None
        );
    }
}
