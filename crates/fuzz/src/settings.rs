//! How long a run lasts and which seed it starts from, from the environment:
//! `WEFT_FUZZ_CASES` (cases per target), `WEFT_FUZZ_TIME` (`30s`, `10m` per target; wins over
//! cases), `WEFT_FUZZ_SEED` (repeat a run). Without them: the target's bounded count and a
//! seed from the clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// When a run stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Budget {
    /// After this many generated cases.
    Cases(u64),
    /// After this long.
    Time(Duration),
}

/// A run's budget and seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Settings {
    /// The generator's seed.
    pub(crate) seed: u64,
    /// When to stop.
    pub(crate) budget: Budget,
}

impl Settings {
    /// From the environment, with `default_cases` when it names no budget. A variable that
    /// cannot be read stops the run, naming it (a mistyped budget must not pass silently).
    pub(crate) fn from_env(default_cases: u64) -> Self {
        Self::from_lookup(default_cases, |name| std::env::var(name).ok())
    }

    fn from_lookup(default_cases: u64, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let budget = match (lookup("WEFT_FUZZ_TIME"), lookup("WEFT_FUZZ_CASES")) {
            (Some(time), _) => Budget::Time(humantime::parse_duration(time.trim()).unwrap_or_else(
                |error| {
                    panic!(
                        "WEFT_FUZZ_TIME={time} is not a duration ({error}); write e.g. 30s or 10m"
                    )
                },
            )),
            (None, Some(cases)) => Budget::Cases(cases.trim().parse().unwrap_or_else(|_| {
                panic!("WEFT_FUZZ_CASES={cases} is not a whole number of cases")
            })),
            (None, None) => Budget::Cases(default_cases),
        };
        let seed = match lookup("WEFT_FUZZ_SEED") {
            Some(seed) => seed.trim().parse().unwrap_or_else(|_| {
                panic!(
                    "WEFT_FUZZ_SEED={seed} is not a whole number; use the seed a finding printed"
                )
            }),
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_nanos() as u64),
        };
        Self { seed, budget }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn time_wins_over_cases_and_the_seed_repeats() {
        let settings = Settings::from_lookup(
            10,
            lookup(&[
                ("WEFT_FUZZ_TIME", "2m"),
                ("WEFT_FUZZ_CASES", "5"),
                ("WEFT_FUZZ_SEED", "99"),
            ]),
        );
        assert_eq!(settings.budget, Budget::Time(Duration::from_secs(120)));
        assert_eq!(settings.seed, 99);
        let bounded = Settings::from_lookup(10, lookup(&[]));
        assert_eq!(bounded.budget, Budget::Cases(10));
    }

    #[test]
    #[should_panic(expected = "WEFT_FUZZ_CASES=lots is not a whole number")]
    fn an_unreadable_budget_stops_the_run() {
        Settings::from_lookup(10, lookup(&[("WEFT_FUZZ_CASES", "lots")]));
    }
}
