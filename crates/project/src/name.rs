//! The name of a new project, and the forms of it the files use.

use std::fmt;

/// Why a project name was refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{name}` cannot name a project: {reason}. Use lowercase letters, digits and `-` or `_`, \
     starting with a letter (like `my-app`)"
)]
pub struct NameError {
    /// The name given.
    pub name: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A project name that is valid as a cargo package, npm package, wadm application and
/// component name at once: lowercase ASCII letters, digits, `-` and `_`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectName(String);

impl ProjectName {
    /// The longest name accepted (wadm and NATS keep names well under this).
    const MAX_LEN: usize = 64;

    /// Checks `name`.
    pub fn new(name: &str) -> Result<Self, NameError> {
        let refuse = |reason| NameError {
            name: name.to_owned(),
            reason,
        };
        if name.is_empty() {
            return Err(refuse("it is empty"));
        }
        if name.len() > Self::MAX_LEN {
            return Err(refuse("it is longer than 64 characters"));
        }
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(refuse("it does not start with a lowercase letter"));
        }
        let allowed =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if !name.chars().all(allowed) {
            return Err(refuse(
                "it has a character other than a-z, 0-9, `-` and `_`",
            ));
        }
        if name.ends_with(['-', '_']) {
            return Err(refuse("it ends with `-` or `_`"));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as given (`my-app`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name with `_` for `-` (`my_app`): the file name of the built component.
    pub fn snake(&self) -> String {
        snake(&self.0)
    }
}

impl fmt::Display for ProjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `name` with `_` for `-`: how cargo names a crate's library file, and how the builds here
/// name the component file.
pub(crate) fn snake(name: &str) -> String {
    name.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_package_like_names_and_gives_the_snake_form() {
        let name = ProjectName::new("my-app2").unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(name.snake(), "my_app2");
        assert!(ProjectName::new("a_b").is_ok());
    }

    #[test]
    fn refuses_what_a_package_manager_would() {
        for (bad, why) in [
            ("", "empty"),
            ("My-App", "lowercase letter"),
            ("2app", "lowercase letter"),
            ("my app", "other than"),
            ("app-", "ends with"),
            ("../app", "lowercase letter"),
        ] {
            let error = ProjectName::new(bad).err().map(|error| error.to_string());
            assert!(
                error.as_deref().is_some_and(|text| text.contains(why)),
                "{bad:?}: {error:?}"
            );
        }
    }
}
