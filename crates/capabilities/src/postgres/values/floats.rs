//! The WIT's `hashable-f64` (mantissa, exponent, sign: what `num_traits::Float::integer_decode`
//! gives) to and from floats, exactly, NaN and infinities included.

use crate::bindings::wasmcloud::postgres::types::HashableF64;

const F64_FRACTION: u64 = (1 << 52) - 1;
const F32_FRACTION: u64 = (1 << 23) - 1;

/// `value` as (mantissa, exponent, sign).
pub(super) fn hashable_from_f64(value: f64) -> HashableF64 {
    let bits = value.to_bits();
    let sign = if bits >> 63 == 0 { 1 } else { -1 };
    let biased = ((bits >> 52) & 0x7FF) as i16;
    let mantissa = if biased == 0 {
        (bits & F64_FRACTION) << 1
    } else {
        (bits & F64_FRACTION) | (1 << 52)
    };
    (mantissa, biased - 1075, sign)
}

/// `value` as (mantissa, exponent, sign), in `f32`'s own terms.
pub(super) fn hashable_from_f32(value: f32) -> HashableF64 {
    let bits = value.to_bits();
    let sign = if bits >> 31 == 0 { 1 } else { -1 };
    let biased = ((bits >> 23) & 0xFF) as i16;
    let fraction = u64::from(bits) & F32_FRACTION;
    let mantissa = if biased == 0 {
        fraction << 1
    } else {
        fraction | (1 << 23)
    };
    (mantissa, biased - 150, sign)
}

/// The `f64` of a triple; `f64`'s own triples (including NaN) come back bit for bit.
pub(super) fn f64_from_hashable((mantissa, exponent, sign): HashableF64) -> f64 {
    let sign_bit = u64::from(sign < 0) << 63;
    let biased = i32::from(exponent) + 1075;
    if mantissa >> 52 == 1 && (1..=2047).contains(&biased) {
        return f64::from_bits(sign_bit | ((biased as u64) << 52) | (mantissa & F64_FRACTION));
    }
    if biased == 0 && mantissa >> 53 == 0 && mantissa & 1 == 0 {
        return f64::from_bits(sign_bit | (mantissa >> 1));
    }
    scaled(mantissa, exponent, sign)
}

/// The `f32` of a triple; `f32`'s own triples (including NaN) come back bit for bit.
pub(super) fn f32_from_hashable((mantissa, exponent, sign): HashableF64) -> f32 {
    let sign_bit = u32::from(sign < 0) << 31;
    let biased = i32::from(exponent) + 150;
    if mantissa >> 23 == 1 && (1..=255).contains(&biased) {
        let fraction = (mantissa & F32_FRACTION) as u32;
        return f32::from_bits(sign_bit | ((biased as u32) << 23) | fraction);
    }
    if biased == 0 && mantissa >> 24 == 0 && mantissa & 1 == 0 {
        return f32::from_bits(sign_bit | (mantissa >> 1) as u32);
    }
    scaled(mantissa, exponent, sign) as f32
}

/// sign × mantissa × 2^exponent, scaling in two steps so small results do not underflow.
fn scaled(mantissa: u64, exponent: i16, sign: i8) -> f64 {
    let exponent = i32::from(exponent);
    let half = exponent / 2;
    let magnitude = mantissa as f64 * 2f64.powi(half) * 2f64.powi(exponent - half);
    if sign < 0 { -magnitude } else { magnitude }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_round_trip_bit_for_bit() {
        for value in [
            0.0,
            -0.0,
            1.0,
            -2.5,
            1e-310,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
        ] {
            let back = f64_from_hashable(hashable_from_f64(value));
            assert_eq!(back.to_bits(), value.to_bits(), "{value}");
        }
        for value in [0.0f32, 1.5, -1e-40, f32::NEG_INFINITY, f32::NAN] {
            let back = f32_from_hashable(hashable_from_f32(value));
            assert_eq!(back.to_bits(), value.to_bits(), "{value}");
        }
        assert_eq!(
            hashable_from_f64(1.0),
            (1 << 52, -52, 1),
            "as integer_decode gives it"
        );
        assert_eq!(f64_from_hashable((3, -1, -1)), -1.5, "any triple is read");
        assert_eq!(f32_from_hashable(hashable_from_f64(0.25)), 0.25);
    }
}
