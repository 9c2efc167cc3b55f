//! "Did you mean ...?" for misspelled names.

/// The candidate closest to `input`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::damerau_levenshtein(&input, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, candidate)| *distance <= allowed_edits(candidate.len()))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// How many edits still look like a typo of a word this long.
fn allowed_edits(length: usize) -> usize {
    match length {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    }
}

/// `did you mean `x`?` when a candidate is close.
pub(crate) fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(input, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_but_not_strangers() {
        let traits = ["spreadscaler", "daemonscaler", "link"];
        assert_eq!(closest("spreadscalar", traits), Some("spreadscaler"));
        assert_eq!(closest("SpreadScaler", traits), Some("spreadscaler"));
        assert_eq!(closest("lnk", traits), Some("link"));
        assert_eq!(closest("autoscaler", traits), None);
    }
}
