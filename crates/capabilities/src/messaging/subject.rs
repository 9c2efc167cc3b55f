//! NATS-style subjects: `.`-separated tokens; in a pattern `*` matches one token and `>` (last
//! only) one or more.

/// Whether `subject` matches `pattern`.
pub fn matches(pattern: &str, subject: &str) -> bool {
    let mut subject_tokens = subject.split('.');
    for token in pattern.split('.') {
        match (token, subject_tokens.next()) {
            (">", Some(_)) => return true,
            ("*", Some(_)) => {}
            (token, Some(actual)) if token == actual => {}
            _ => return false,
        }
    }
    subject_tokens.next().is_none()
}

/// Whether `pattern` is a usable subscription: non-empty tokens, `>` only at the end.
pub fn valid_pattern(pattern: &str) -> bool {
    let tokens: Vec<&str> = pattern.split('.').collect();
    tokens
        .iter()
        .all(|token| !token.is_empty() && !token.contains(char::is_whitespace))
        && tokens
            .iter()
            .position(|token| *token == ">")
            .is_none_or(|at| at == tokens.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_follow_nats() {
        assert!(matches("orders.created", "orders.created"));
        assert!(!matches("orders.created", "orders.created.eu"));
        assert!(matches("orders.*", "orders.created"));
        assert!(!matches("orders.*", "orders.created.eu"));
        assert!(matches("orders.>", "orders.created.eu"));
        assert!(!matches("orders.>", "orders"));
        assert!(!matches("orders.created.eu", "orders.created"));
    }

    #[test]
    fn patterns_are_checked() {
        assert!(valid_pattern("a.*.c"));
        assert!(valid_pattern("a.>"));
        assert!(!valid_pattern("a.>.c"));
        assert!(!valid_pattern("a..b"));
        assert!(!valid_pattern(""));
    }
}
