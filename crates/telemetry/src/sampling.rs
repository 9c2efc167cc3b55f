//! Which traces are recorded: the OpenTelemetry spec's `OTEL_TRACES_SAMPLER` and
//! `OTEL_TRACES_SAMPLER_ARG`, read through the same lookup as every other variable, with
//! the spec's default, `parentbased_always_on`.

use crate::ExportConfigError;

const KNOWN: &str = "always_on, always_off, traceidratio, parentbased_always_on (the default), parentbased_always_off or parentbased_traceidratio";

/// Which new traces are recorded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Sampler {
    /// Every one.
    AlwaysOn,
    /// None.
    AlwaysOff,
    /// This share of them (0 to 1), chosen by trace id so every process agrees.
    TraceIdRatio(f64),
}

impl Sampler {
    /// Whether the trace `trace_id` is recorded.
    fn samples(self, trace_id: &[u8; 16]) -> bool {
        match self {
            Self::AlwaysOn => true,
            Self::AlwaysOff => false,
            Self::TraceIdRatio(ratio) => {
                // The low 63 bits of the id's last eight bytes, against the ratio's share
                // of them: the same rule as OpenTelemetry's SDKs.
                let mut low = [0_u8; 8];
                low.copy_from_slice(&trace_id[8..]);
                let bound = (ratio * (1_u64 << 63) as f64) as u64;
                (u64::from_be_bytes(low) >> 1) < bound
            }
        }
    }
}

/// The sampler the environment chose, and whether it keeps a parent's decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Sampling {
    /// What decides for a trace weft starts (and for every span, when not parent-based).
    pub(crate) root: Sampler,
    /// The sampler keeps a remote parent's decision (`parentbased_*`).
    pub(crate) follows_parent: bool,
}

impl Sampling {
    /// `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` as `lookup` sees them; the spec's
    /// default when unset, an error naming the variable when not understood.
    pub(crate) fn read(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ExportConfigError> {
        let Some(value) = lookup("OTEL_TRACES_SAMPLER") else {
            return Ok(Self::following(Sampler::AlwaysOn));
        };
        let ratio = || read_ratio(lookup);
        Ok(match value.trim().to_ascii_lowercase().as_str() {
            "always_on" => Self::alone(Sampler::AlwaysOn),
            "always_off" => Self::alone(Sampler::AlwaysOff),
            "traceidratio" => Self::alone(Sampler::TraceIdRatio(ratio()?)),
            "parentbased_always_on" => Self::following(Sampler::AlwaysOn),
            "parentbased_always_off" => Self::following(Sampler::AlwaysOff),
            "parentbased_traceidratio" => Self::following(Sampler::TraceIdRatio(ratio()?)),
            _ => {
                return Err(ExportConfigError {
                    variable: "OTEL_TRACES_SAMPLER".to_owned(),
                    value,
                    problem: "is not a sampler weft offers",
                    hint: KNOWN,
                });
            }
        })
    }

    /// Whether a span of trace `trace_id` is recorded, given its remote parent's sampled
    /// flag (`None`: it starts the trace).
    pub(crate) fn samples(self, trace_id: &[u8; 16], parent_sampled: Option<bool>) -> bool {
        match parent_sampled {
            Some(sampled) if self.follows_parent => sampled,
            _ => self.root.samples(trace_id),
        }
    }

    fn alone(root: Sampler) -> Self {
        Self {
            root,
            follows_parent: false,
        }
    }

    fn following(root: Sampler) -> Self {
        Self {
            root,
            follows_parent: true,
        }
    }
}

fn read_ratio(lookup: &dyn Fn(&str) -> Option<String>) -> Result<f64, ExportConfigError> {
    let Some(value) = lookup("OTEL_TRACES_SAMPLER_ARG") else {
        return Ok(1.0);
    };
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|ratio| (0.0..=1.0).contains(ratio))
        .ok_or(ExportConfigError {
            variable: "OTEL_TRACES_SAMPLER_ARG".to_owned(),
            value,
            problem: "is not a ratio between 0 and 1",
            hint: "set the share of traces to record, like 0.01 for 1 %",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<Sampling, ExportConfigError> {
        Sampling::read(&|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn the_default_follows_the_parent_and_records_every_new_trace() {
        let sampling = read(&[]).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(
            sampling,
            Sampling {
                root: Sampler::AlwaysOn,
                follows_parent: true
            }
        );
    }

    #[test]
    fn a_ratio_sampler_takes_its_argument() {
        let sampling = read(&[
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.01"),
        ])
        .unwrap_or_else(|error| panic!("{error}"));
        assert!(sampling.follows_parent);
        let alone = read(&[("OTEL_TRACES_SAMPLER", "traceidratio")])
            .unwrap_or_else(|error| panic!("{error}"));
        assert!(!alone.follows_parent);
        assert_eq!(alone.root, Sampler::TraceIdRatio(1.0));
    }

    #[test]
    fn a_ratio_records_its_share_and_a_parent_based_sampler_keeps_the_parents_choice() {
        let tenth = Sampling {
            root: Sampler::TraceIdRatio(0.1),
            follows_parent: true,
        };
        let recorded = (0_u64..10_000)
            .filter(|n| {
                let mut trace_id = [0_u8; 16];
                trace_id[8..].copy_from_slice(&n.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_be_bytes());
                tenth.samples(&trace_id, None)
            })
            .count();
        assert!((800..1200).contains(&recorded), "{recorded} of 10000");
        assert!(tenth.samples(&[0xff; 16], Some(true)));
        assert!(!tenth.samples(&[0; 16], Some(false)));
        let alone = Sampling {
            root: Sampler::AlwaysOn,
            follows_parent: false,
        };
        assert!(alone.samples(&[0; 16], Some(false)));
    }

    #[test]
    fn unknown_samplers_and_bad_ratios_name_their_variable() {
        let Err(error) = read(&[("OTEL_TRACES_SAMPLER", "jaeger_remote")]) else {
            panic!("jaeger_remote was accepted");
        };
        assert!(
            error
                .to_string()
                .starts_with("OTEL_TRACES_SAMPLER=\"jaeger_remote\""),
            "{error}"
        );
        assert!(
            error.to_string().contains("parentbased_traceidratio"),
            "{error}"
        );
        let Err(error) = read(&[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "5"),
        ]) else {
            panic!("a ratio of 5 was accepted");
        };
        assert!(
            error.to_string().contains("OTEL_TRACES_SAMPLER_ARG=\"5\""),
            "{error}"
        );
    }
}
