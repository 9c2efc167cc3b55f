//! weft's fuzzing harness, on stable Rust (cargo-fuzz needs nightly).
//!
//! A fuzz target is a test that hands a [`Target`] a check: a function of some bytes that
//! must not panic (and asserts whatever else must hold), and says whether the input got past
//! parsing into the code under test, so a run reports how many did. [`Target::run`] first replays every
//! input kept under `fuzz/regressions/{target}/`, then feeds the check inputs made from a
//! seeded generator: random bytes, or the target's seeds (real manifests, payloads) mutated
//! with byte edits, splices and the target's dictionary of tokens. A structure-aware check
//! reads its bytes through [`arbitrary::Unstructured`] to build values.
//!
//! An input that panics is written to `fuzz/regressions/{target}/{hash}` (so it becomes a
//! regression test once committed) and the run fails naming the file, the seed and the case.
//! Every test suite runs a bounded number of cases per target; `scripts/fuzz` runs them for
//! longer (`WEFT_FUZZ_TIME=10m`). There is no coverage feedback: inputs are blind, which the
//! seeds and dictionaries make up for in part.

mod mutate;
mod regressions;
mod rng;
mod settings;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use arbitrary::{self, Arbitrary, Unstructured};

use crate::mutate::Mutator;
use crate::regressions::Regressions;
use crate::rng::Rng;
use crate::settings::{Budget, Settings};

/// One fuzz target: its name, how many cases a bounded run tries, its seeds and dictionary.
#[derive(Debug, Clone)]
pub struct Target {
    name: &'static str,
    cases: u64,
    max_len: usize,
    seeds: Vec<Vec<u8>>,
    dictionary: Vec<Vec<u8>>,
}

/// What one run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Inputs checked, regressions included.
    pub cases: u64,
    /// Regression inputs replayed.
    pub replayed: u64,
    /// Inputs the check said got past parsing.
    pub reached: u64,
    /// The generator's seed (`WEFT_FUZZ_SEED` repeats the run).
    pub seed: u64,
    /// The slowest input's time.
    pub slowest: Duration,
}

impl Target {
    /// A target named `name` (a directory name: `[a-z0-9-]`), 2,000 cases per bounded run,
    /// inputs up to 4 KiB.
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            cases: 2_000,
            max_len: 4096,
            seeds: Vec::new(),
            dictionary: Vec::new(),
        }
    }

    /// How many cases a bounded run (every test suite's) tries.
    pub fn cases(mut self, cases: u64) -> Self {
        self.cases = cases;
        self
    }

    /// The longest input generated.
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len.max(1);
        self
    }

    /// An input to mutate (a real manifest, a real payload).
    pub fn seed(mut self, seed: impl Into<Vec<u8>>) -> Self {
        self.seeds.push(seed.into());
        self
    }

    /// Every file under `dir` (in the repository: `examples`, `crates/manifest/tests/fixtures`)
    /// whose name ends with one of `extensions`, as seeds. A missing directory adds none.
    pub fn seeds_under(mut self, dir: &str, extensions: &[&str]) -> Self {
        let mut pending = vec![repository().join(dir)];
        let mut files = Vec::new();
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if extensions
                    .iter()
                    .any(|extension| path.to_string_lossy().ends_with(extension))
                {
                    files.push(path);
                }
            }
        }
        files.sort();
        self.seeds
            .extend(files.iter().filter_map(|path| std::fs::read(path).ok()));
        self
    }

    /// How many seeds it has.
    pub fn seed_count(&self) -> usize {
        self.seeds.len()
    }

    /// Tokens mutations insert (`: `, `{`, `"\u0000"`, …): what the format is made of.
    pub fn dictionary<T: AsRef<[u8]>>(mut self, tokens: impl IntoIterator<Item = T>) -> Self {
        self.dictionary
            .extend(tokens.into_iter().map(|token| token.as_ref().to_vec()));
        self
    }

    /// Runs `check` on the kept regressions, then on generated inputs until the budget
    /// (`WEFT_FUZZ_CASES`, `WEFT_FUZZ_TIME`, else this target's bounded count) is spent.
    /// `check` returns whether the input got past parsing. Panics, naming the saved input,
    /// when `check` panics on one.
    pub fn run(&self, check: impl Fn(&[u8]) -> bool) -> Report {
        let settings = Settings::from_env(self.cases);
        self.run_with(&settings, &Regressions::in_repository(self.name), check)
    }

    fn run_with(
        &self,
        settings: &Settings,
        regressions: &Regressions,
        check: impl Fn(&[u8]) -> bool,
    ) -> Report {
        let mut report = Report {
            cases: 0,
            replayed: 0,
            reached: 0,
            seed: settings.seed,
            slowest: Duration::ZERO,
        };
        for (path, input) in regressions.inputs() {
            match checked(&check, &input, &mut report.slowest) {
                Ok(reached) => report.reached += u64::from(reached),
                Err(message) => panic!(
                    "fuzz target {}: the kept input {} fails again: {message}",
                    self.name,
                    path.display()
                ),
            }
            report.replayed += 1;
            report.cases += 1;
        }
        let mut rng = Rng::new(settings.seed);
        let mutator = Mutator::new(&self.seeds, &self.dictionary, self.max_len);
        let started = Instant::now();
        let mut case = 0u64;
        while !spent(&settings.budget, case, started) {
            let input = mutator.next_input(&mut rng);
            match checked(&check, &input, &mut report.slowest) {
                Ok(reached) => report.reached += u64::from(reached),
                Err(message) => {
                    let saved = regressions.keep(&input);
                    panic!(
                        "{}",
                        finding(self.name, settings.seed, case, &saved, &message)
                    );
                }
            }
            case += 1;
            report.cases += 1;
        }
        eprintln!(
            "fuzz target {}: {} cases ({} kept inputs replayed, {} got past parsing), seed {}, slowest {:?}, no findings",
            self.name, report.cases, report.replayed, report.reached, report.seed, report.slowest
        );
        report
    }
}

/// The repository's root directory.
fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `check` on `input`, turning a panic into its message; notes the time if slowest.
fn checked(
    check: &impl Fn(&[u8]) -> bool,
    input: &[u8],
    slowest: &mut Duration,
) -> Result<bool, String> {
    let started = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| check(input)));
    *slowest = (*slowest).max(started.elapsed());
    outcome.map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
            .unwrap_or_else(|| "a panic without a message".to_owned())
    })
}

/// Whether `budget` is spent after `cases` cases begun at `started`.
fn spent(budget: &Budget, cases: u64, started: Instant) -> bool {
    match budget {
        Budget::Cases(limit) => cases >= *limit,
        Budget::Time(limit) => started.elapsed() >= *limit,
    }
}

/// What a finding says: which target, how to repeat it, where the input is kept.
fn finding(
    target: &str,
    seed: u64,
    case: u64,
    saved: &Result<PathBuf, std::io::Error>,
    message: &str,
) -> String {
    let kept = match saved {
        Ok(path) => format!(
            "the input is kept in {}; commit it so every test run replays it",
            path.display()
        ),
        Err(error) => format!("the input could not be kept: {error}"),
    };
    format!(
        "fuzz target {target} found a failing input (case {case}, WEFT_FUZZ_SEED={seed} repeats the run): {message}; {kept}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(cases: u64) -> Settings {
        Settings {
            seed: 7,
            budget: Budget::Cases(cases),
        }
    }

    #[test]
    fn a_run_checks_the_budgeted_cases_and_reports_them() {
        let dir = tempfile::tempdir().unwrap();
        let count = std::cell::Cell::new(0u64);
        let report = Target::new("count").seed(b"seed".to_vec()).run_with(
            &settings(500),
            &Regressions::at(dir.path().to_path_buf()),
            |input| {
                count.set(count.get() + 1);
                input.starts_with(b"s")
            },
        );
        assert_eq!((report.cases, count.get(), report.seed), (500, 500, 7));
        assert!(report.reached > 0 && report.reached < 500, "{report:?}");
    }

    #[test]
    fn a_panicking_input_is_kept_and_then_replayed_first() {
        let dir = tempfile::tempdir().unwrap();
        let regressions = Regressions::at(dir.path().to_path_buf());
        let target = Target::new("bang").seed(b"abc".to_vec());
        let check = |input: &[u8]| {
            assert!(!input.contains(&b'!'), "found a bang");
            true
        };
        let failure = catch_unwind(AssertUnwindSafe(|| {
            target.run_with(&settings(100_000), &regressions, check)
        }))
        .unwrap_err();
        let message = failure.downcast_ref::<String>().unwrap();
        assert!(message.contains("found a bang"), "{message}");
        assert!(message.contains("WEFT_FUZZ_SEED=7"), "{message}");
        let kept: Vec<(PathBuf, Vec<u8>)> = regressions.inputs().collect();
        assert_eq!(kept.len(), 1);
        assert!(kept[0].1.contains(&b'!'));

        let replay = catch_unwind(AssertUnwindSafe(|| {
            target.run_with(&settings(0), &regressions, check)
        }))
        .unwrap_err();
        let message = replay.downcast_ref::<String>().unwrap();
        assert!(message.contains("fails again"), "{message}");
    }
}
