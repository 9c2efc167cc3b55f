//! wadm's API subjects: `wadm.api.{lattice}.model.{operation}[.{name}]`.

/// The prefix wadm's API listens under.
pub const WADM_API_PREFIX: &str = "wadm.api";

/// One request of wadm's model API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelRequest {
    /// `model.put`: store a manifest version.
    Put,
    /// `model.list` (deprecated): every model, as a bare list.
    List,
    /// `model.get`: every model, wrapped.
    ListWrapped,
    /// `model.get.{name}`: one manifest.
    Get(String),
    /// `model.versions.{name}`.
    Versions(String),
    /// `model.del.{name}`.
    Delete(String),
    /// `model.deploy.{name}`.
    Deploy(String),
    /// `model.undeploy.{name}`.
    Undeploy(String),
    /// `model.status.{name}`.
    Status(String),
    /// `model.history.{name}` (wadm does not support it either).
    History(String),
}

impl ModelRequest {
    /// Whether it changes what is stored or deployed (refused on a standby manager, recorded
    /// in the audit log).
    pub fn changes(&self) -> bool {
        matches!(
            self,
            Self::Put | Self::Delete(_) | Self::Deploy(_) | Self::Undeploy(_)
        )
    }
}

/// Why a subject is not a model request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubjectError {
    /// It has more parts than a request has (a manifest name with dots).
    #[error(
        "Invalid subject: found extra components of subject, ensure your manifest name consists of only alphanumeric characters, dashes, and underscores."
    )]
    ExtraParts,
    /// It names nothing wadm answers.
    #[error("Unsupported subject: {0}")]
    Unsupported(String),
}

/// The subject every request of `lattice` arrives under (a wildcard).
pub fn api_subjects(lattice: &str) -> String {
    format!("{WADM_API_PREFIX}.{lattice}.>")
}

/// The model request `subject` asks for, in `lattice`.
pub fn parse_subject(subject: &str, lattice: &str) -> Result<ModelRequest, SubjectError> {
    let unsupported = || SubjectError::Unsupported(subject.to_owned());
    let rest = subject
        .strip_prefix(WADM_API_PREFIX)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(|rest| rest.strip_prefix(lattice))
        .and_then(|rest| rest.strip_prefix(".model."))
        .ok_or_else(unsupported)?;
    let mut parts = rest.split('.');
    let operation = parts.next().unwrap_or_default();
    let name = parts.next().map(str::to_owned);
    if parts.next().is_some() {
        return Err(SubjectError::ExtraParts);
    }
    let named = |make: fn(String) -> ModelRequest| name.clone().map(make).ok_or_else(unsupported);
    match (operation, &name) {
        ("put", None) => Ok(ModelRequest::Put),
        ("list", None) => Ok(ModelRequest::List),
        ("get", None) => Ok(ModelRequest::ListWrapped),
        ("get", Some(_)) => named(ModelRequest::Get),
        ("versions", _) => named(ModelRequest::Versions),
        ("del", _) => named(ModelRequest::Delete),
        ("deploy", _) => named(ModelRequest::Deploy),
        ("undeploy", _) => named(ModelRequest::Undeploy),
        ("status", _) => named(ModelRequest::Status),
        ("history", _) => named(ModelRequest::History),
        _ => Err(unsupported()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_parses_with_and_without_its_name() {
        let parse =
            |rest: &str| parse_subject(&format!("wadm.api.default.model.{rest}"), "default");
        assert_eq!(parse("put"), Ok(ModelRequest::Put));
        assert_eq!(parse("list"), Ok(ModelRequest::List));
        assert_eq!(parse("get"), Ok(ModelRequest::ListWrapped));
        assert_eq!(parse("get.shop"), Ok(ModelRequest::Get("shop".into())));
        assert_eq!(
            parse("deploy.shop"),
            Ok(ModelRequest::Deploy("shop".into()))
        );
        assert_eq!(parse("del.shop"), Ok(ModelRequest::Delete("shop".into())));
        assert_eq!(
            parse("status.shop"),
            Ok(ModelRequest::Status("shop".into()))
        );
        assert!(matches!(parse("del"), Err(SubjectError::Unsupported(_))));
        assert!(matches!(
            parse("put.shop"),
            Err(SubjectError::Unsupported(_))
        ));
        assert!(matches!(
            parse("launch.shop"),
            Err(SubjectError::Unsupported(_))
        ));
        assert_eq!(parse("get.my.app"), Err(SubjectError::ExtraParts));
    }

    #[test]
    fn another_lattice_is_not_ours() {
        assert!(parse_subject("wadm.api.other.model.list", "default").is_err());
        assert!(parse_subject("wadm.api.defaultx.model.list", "default").is_err());
    }
}
