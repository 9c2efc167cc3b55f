//! Which traces are recorded: the OpenTelemetry spec's `OTEL_TRACES_SAMPLER` and
//! `OTEL_TRACES_SAMPLER_ARG`, read through the same lookup as every other variable, with
//! the spec's default, `parentbased_always_on`.

use opentelemetry_sdk::trace::Sampler;

use crate::ExportConfigError;

/// The samplers the spec names that weft offers, for the hint.
const KNOWN: &str = "always_on, always_off, traceidratio, parentbased_always_on (the default), parentbased_always_off or parentbased_traceidratio";

/// The sampler, and whether it follows the parent's decision: then a span whose parent was
/// sampled out is not started at all, as nothing would record it.
pub(crate) struct Sampling {
    pub(crate) sampler: Sampler,
    pub(crate) follows_parent: bool,
}

impl Sampling {
    /// The sampling `lookup`'s variables configure; a sampler weft does not offer, or a
    /// ratio outside 0..=1, is an error naming the variable.
    pub(crate) fn read(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ExportConfigError> {
        let Some(value) = lookup("OTEL_TRACES_SAMPLER") else {
            return Ok(Self::following(Sampler::AlwaysOn));
        };
        let ratio = || read_ratio(lookup);
        Ok(match value.trim().to_ascii_lowercase().as_str() {
            "always_on" => Self::alone(Sampler::AlwaysOn),
            "always_off" => Self::alone(Sampler::AlwaysOff),
            "traceidratio" => Self::alone(Sampler::TraceIdRatioBased(ratio()?)),
            "parentbased_always_on" => Self::following(Sampler::AlwaysOn),
            "parentbased_always_off" => Self::following(Sampler::AlwaysOff),
            "parentbased_traceidratio" => Self::following(Sampler::TraceIdRatioBased(ratio()?)),
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

    fn alone(sampler: Sampler) -> Self {
        Self {
            sampler,
            follows_parent: false,
        }
    }

    /// `root` decides for new traces; a continued trace keeps its parent's decision.
    fn following(root: Sampler) -> Self {
        Self {
            sampler: Sampler::ParentBased(Box::new(root)),
            follows_parent: true,
        }
    }
}

/// `OTEL_TRACES_SAMPLER_ARG` as a ratio (1 when unset).
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
        assert!(sampling.follows_parent);
        let sampler = format!("{:?}", sampling.sampler);
        assert!(
            sampler.starts_with("ParentBased(") && sampler.contains("AlwaysOn"),
            "{sampler}"
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
        assert!(matches!(alone.sampler, Sampler::TraceIdRatioBased(ratio) if ratio == 1.0));
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
