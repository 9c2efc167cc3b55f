//! Postgres's binary `numeric` (base-10000 digit groups) and `money` (an integer count of
//! the currency's smallest unit) as the decimal strings the WIT carries.

use std::fmt::Write as _;

const POSITIVE: u16 = 0x0000;
const NEGATIVE: u16 = 0x4000;
const NAN: u16 = 0xC000;
const POSITIVE_INFINITY: u16 = 0xD000;
const NEGATIVE_INFINITY: u16 = 0xF000;

fn read_u16(raw: &[u8], at: usize) -> Result<u16, String> {
    raw.get(at..at + 2)
        .map(|bytes| u16::from_be_bytes([bytes[0], bytes[1]]))
        .ok_or_else(|| "a numeric value ended early".to_owned())
}

/// The decimal text of a binary `numeric`, as Postgres prints it (`-12.50`, `NaN`,
/// `Infinity`).
pub(super) fn numeric_to_string(raw: &[u8]) -> Result<String, String> {
    let groups = usize::from(read_u16(raw, 0)?);
    let weight = read_u16(raw, 2)? as i16;
    let sign = read_u16(raw, 4)?;
    let scale = usize::from(read_u16(raw, 6)?);
    let digits = (0..groups)
        .map(|index| read_u16(raw, 8 + 2 * index))
        .collect::<Result<Vec<u16>, String>>()?;
    let mut text = match sign {
        NAN => return Ok("NaN".to_owned()),
        POSITIVE_INFINITY => return Ok("Infinity".to_owned()),
        NEGATIVE_INFINITY => return Ok("-Infinity".to_owned()),
        NEGATIVE => "-".to_owned(),
        POSITIVE => String::new(),
        other => return Err(format!("a numeric value has an unknown sign {other:#x}")),
    };
    let group = |index: i32| -> u16 {
        usize::try_from(index)
            .ok()
            .and_then(|index| digits.get(index).copied())
            .unwrap_or(0)
    };
    let weight = i32::from(weight);
    if weight < 0 {
        text.push('0');
    } else {
        let _ = write!(text, "{}", group(0));
        for index in 1..=weight {
            let _ = write!(text, "{:04}", group(index));
        }
    }
    if scale > 0 {
        let mut fraction = String::with_capacity(scale + 4);
        let mut index = weight + 1;
        while fraction.len() < scale {
            let _ = write!(fraction, "{:04}", group(index));
            index += 1;
        }
        fraction.truncate(scale);
        text.push('.');
        text.push_str(&fraction);
    }
    Ok(text)
}

/// The decimal text of a `money` value with `fraction_digits` digits after the point (2 for
/// most `lc_monetary` settings).
pub(super) fn money_to_string(units: i64, fraction_digits: u32) -> String {
    let scale = 10i128.pow(fraction_digits);
    let units = i128::from(units);
    let sign = if units < 0 { "-" } else { "" };
    let (whole, fraction) = (units.abs() / scale, units.abs() % scale);
    if fraction_digits == 0 {
        return format!("{sign}{whole}");
    }
    let width = fraction_digits as usize;
    format!("{sign}{whole}.{fraction:0width$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(weight: i16, sign: u16, scale: u16, digits: &[u16]) -> Vec<u8> {
        let mut raw = Vec::new();
        for part in [digits.len() as u16, weight as u16, sign, scale] {
            raw.extend_from_slice(&part.to_be_bytes());
        }
        for digit in digits {
            raw.extend_from_slice(&digit.to_be_bytes());
        }
        raw
    }

    #[test]
    fn numerics_print_as_postgres_prints_them() {
        let cases: &[(Vec<u8>, &str)] = &[
            (numeric(0, POSITIVE, 0, &[]), "0"),
            (numeric(1, POSITIVE, 2, &[12, 3456, 7800]), "123456.78"),
            (numeric(0, NEGATIVE, 2, &[12, 5000]), "-12.50"),
            (numeric(-2, POSITIVE, 8, &[12]), "0.00000012"),
            (numeric(2, POSITIVE, 0, &[1]), "100000000"),
            (numeric(0, NAN, 0, &[]), "NaN"),
            (numeric(0, NEGATIVE_INFINITY, 0, &[]), "-Infinity"),
        ];
        for (raw, text) in cases {
            assert_eq!(numeric_to_string(raw).unwrap(), *text);
        }
        assert!(numeric_to_string(&[0, 1]).is_err());
    }

    #[test]
    fn money_keeps_its_cents() {
        assert_eq!(money_to_string(123_456, 2), "1234.56");
        assert_eq!(money_to_string(-5, 2), "-0.05");
        assert_eq!(money_to_string(i64::MIN, 2), "-92233720368547758.08");
    }
}
