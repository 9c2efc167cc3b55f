//! Postgres's dates and times (days and microseconds from 2000-01-01) as the WIT's records.

use crate::bindings::wasmcloud::postgres::types::{Date, Offset, Time, TimeTz};

/// Days from 1970-01-01 to 2000-01-01, Postgres's epoch.
const EPOCH_DAYS_FROM_UNIX: i64 = 10_957;
const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;
/// The first and last microsecond Postgres's `timestamp` holds (4713 BC to 294276 AD).
const MIN_TIMESTAMP: i64 = -211_813_488_000_000_000;
const MAX_TIMESTAMP: i64 = 9_223_371_331_200_000_000 - 1;

/// The civil date `days` after 1970-01-01 (proleptic Gregorian).
fn civil_from_unix_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days from 1970-01-01 to the civil date (proleptic Gregorian).
fn unix_days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// A Postgres `date` (days from 2000-01-01; `i32::MAX`/`MIN` are ±infinity).
pub(super) fn date_from_days(days: i32) -> Date {
    match days {
        i32::MAX => Date::PositiveInfinity,
        i32::MIN => Date::NegativeInfinity,
        days => {
            let (year, month, day) = civil_from_unix_days(i64::from(days) + EPOCH_DAYS_FROM_UNIX);
            Date::Ymd((year as i32, month, day))
        }
    }
}

/// The Postgres `date` of `date`, or why it is not one.
pub(super) fn days_from_date(date: &Date) -> Result<i32, String> {
    match *date {
        Date::PositiveInfinity => Ok(i32::MAX),
        Date::NegativeInfinity => Ok(i32::MIN),
        Date::Ymd((year, month, day)) => {
            if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
                return Err(format!("{year}-{month}-{day} is not a date"));
            }
            let days = unix_days_from_civil(i64::from(year), month, day) - EPOCH_DAYS_FROM_UNIX;
            i32::try_from(days).map_err(|_| format!("year {year} is out of range"))
        }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A time of day from microseconds after midnight.
pub(super) fn time_from_micros(micros: i64) -> Time {
    let micros = micros.rem_euclid(MICROS_PER_DAY + 1);
    let seconds = micros / MICROS_PER_SECOND;
    Time {
        hour: (seconds / 3600) as u32,
        min: (seconds / 60 % 60) as u32,
        sec: (seconds % 60) as u32,
        micro: (micros % MICROS_PER_SECOND) as u32,
    }
}

/// Microseconds after midnight of `time`, or why it is no time of day.
pub(super) fn micros_from_time(time: &Time) -> Result<i64, String> {
    let in_range = time.hour < 24 && time.min < 60 && time.sec < 60 && time.micro < 1_000_000;
    let midnight_after = time.hour == 24 && time.min == 0 && time.sec == 0 && time.micro == 0;
    if !in_range && !midnight_after {
        return Err(format!(
            "{}:{}:{}.{} is not a time of day",
            time.hour, time.min, time.sec, time.micro
        ));
    }
    let seconds = i64::from(time.hour) * 3600 + i64::from(time.min) * 60 + i64::from(time.sec);
    Ok(seconds * MICROS_PER_SECOND + i64::from(time.micro))
}

/// A `timestamp` (microseconds from 2000-01-01 00:00; `i64::MAX`/`MIN` are ±infinity) as a
/// date and a time.
pub(super) fn date_time_from_micros(micros: i64) -> (Date, Time) {
    match micros {
        i64::MAX => (Date::PositiveInfinity, time_from_micros(0)),
        i64::MIN => (Date::NegativeInfinity, time_from_micros(0)),
        micros => {
            let days = micros.div_euclid(MICROS_PER_DAY);
            let date = match i32::try_from(days) {
                Ok(days) => date_from_days(days),
                Err(_) => Date::PositiveInfinity,
            };
            (date, time_from_micros(micros.rem_euclid(MICROS_PER_DAY)))
        }
    }
}

/// The `timestamp` of a date and a time.
pub(super) fn micros_from_date_time(date: &Date, time: &Time) -> Result<i64, String> {
    match date {
        Date::PositiveInfinity => Ok(i64::MAX),
        Date::NegativeInfinity => Ok(i64::MIN),
        Date::Ymd(_) => {
            let days = i64::from(days_from_date(date)?);
            let time = micros_from_time(time)?;
            days.checked_mul(MICROS_PER_DAY)
                .and_then(|micros| micros.checked_add(time))
                .filter(|micros| (MIN_TIMESTAMP..=MAX_TIMESTAMP).contains(micros))
                .ok_or_else(|| {
                    "the timestamp is outside Postgres's range (4713 BC to 294276 AD)".to_owned()
                })
        }
    }
}

/// Seconds east of UTC of an offset.
pub(super) fn seconds_east(offset: &Offset) -> i64 {
    match *offset {
        Offset::EasternHemisphereSecs(seconds) => i64::from(seconds),
        Offset::WesternHemisphereSecs(seconds) => -i64::from(seconds),
    }
}

/// A `timetz` (microseconds after midnight, and the zone in seconds *west* of UTC, as
/// Postgres keeps it) with its zone written as `+HH:MM[:SS]`.
pub(super) fn time_tz_from_parts(micros: i64, seconds_west: i32) -> TimeTz {
    let east = -i64::from(seconds_west);
    let sign = if east < 0 { '-' } else { '+' };
    let east = east.abs();
    let (hours, minutes, seconds) = (east / 3600, east / 60 % 60, east % 60);
    let zone = if seconds == 0 {
        format!("{sign}{hours:02}:{minutes:02}")
    } else {
        format!("{sign}{hours:02}:{minutes:02}:{seconds:02}")
    };
    TimeTz {
        timesonze: zone,
        time: time_from_micros(micros),
    }
}

/// The zone of a `time-tz` in seconds west of UTC: `+HH[:MM[:SS]]`, `-HH…`, `Z` or `UTC`.
pub(super) fn seconds_west_from_zone(zone: &str) -> Result<i32, String> {
    let bad = || format!("time zone `{zone}` is not an offset such as +02:00, -05:30 or UTC");
    let zone = zone.trim();
    if zone.is_empty() || zone.eq_ignore_ascii_case("z") || zone.eq_ignore_ascii_case("utc") {
        return Ok(0);
    }
    let (sign, rest) = if let Some(rest) = zone.strip_prefix('+') {
        (1, rest)
    } else if let Some(rest) = zone.strip_prefix('-') {
        (-1, rest)
    } else {
        return Err(bad());
    };
    let mut east = 0i32;
    for (index, part) in rest.split(':').enumerate() {
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(bad());
        }
        let value: i32 = part.parse().map_err(|_| bad())?;
        let (scale, limit) = match index {
            0 => (3600, 16),
            1 | 2 => (if index == 1 { 60 } else { 1 }, 60),
            _ => return Err(bad()),
        };
        if value >= limit {
            return Err(bad());
        }
        east += value * scale;
    }
    Ok(-sign * east)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_around_the_epochs() {
        for days in [-800_000, -10_957, -1, 0, 1, 59, 60, 366, 9_000, 2_000_000] {
            let date = date_from_days(days);
            assert_eq!(days_from_date(&date).unwrap(), days, "{date:?}");
        }
        assert!(matches!(date_from_days(0), Date::Ymd((2000, 1, 1))));
        assert!(matches!(date_from_days(59), Date::Ymd((2000, 2, 29))));
        assert!(days_from_date(&Date::Ymd((2001, 2, 29))).is_err());
        assert_eq!(days_from_date(&Date::PositiveInfinity).unwrap(), i32::MAX);
    }

    #[test]
    fn times_and_zones_round_trip() {
        let micros = 13 * 3_600_000_000 + 5 * 60_000_000 + 7_000_042;
        let time = time_from_micros(micros);
        assert_eq!((time.hour, time.min, time.sec, time.micro), (13, 5, 7, 42));
        assert_eq!(micros_from_time(&time).unwrap(), micros);
        let tz = time_tz_from_parts(micros, -19_800);
        assert_eq!(tz.timesonze, "+05:30");
        assert_eq!(seconds_west_from_zone(&tz.timesonze).unwrap(), -19_800);
        assert_eq!(seconds_west_from_zone("-04").unwrap(), 14_400);
        assert!(seconds_west_from_zone("Europe/Paris").is_err());
    }

    #[test]
    fn timestamps_before_2000_keep_their_time_of_day() {
        let (date, time) = date_time_from_micros(-1);
        assert!(matches!(date, Date::Ymd((1999, 12, 31))), "{date:?}");
        assert_eq!(
            (time.hour, time.min, time.sec, time.micro),
            (23, 59, 59, 999_999)
        );
        assert_eq!(micros_from_date_time(&date, &time).unwrap(), -1);
    }
}
