// SPDX-License-Identifier: GPL-2.0

//! `struct rtc_time` to and from seconds since the epoch, as
//! drivers/rtc/lib.c (which Linux builds only with RTC_CLASS) does.

use super::abi::RtcTime;
use kernel::prelude::*;

/// The last second the clock shows, 2199-12-31 23:59:59 UTC
/// (RTC_TIMESTAMP_END_2199): its offset from the host clock, in
/// nanoseconds, then always fits an `i64`.
pub(crate) const LAST_SECOND: i64 = 7_258_118_399;

const SECS_PER_DAY: i64 = 86_400;

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// rtc_month_days(): days of `month` (0-11) of `year`.
fn month_days(month: i32, year: i64) -> i32 {
    const DAYS: [i32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let leap_day = i32::from(month == 1 && is_leap(year));
    usize::try_from(month)
        .ok()
        .and_then(|m| DAYS.get(m))
        .map_or(0, |&d| d + leap_day)
}

/// Days from 1970-01-01 to `year`-`month`-`day` (month 1-12) in the
/// proleptic Gregorian calendar (H. Hinnant's days_from_civil).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse: (year, month 1-12, day) of a day count.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

impl RtcTime {
    /// rtc_valid_tm(): `EINVAL` unless the date and time exist, from
    /// 1970 on. Weekday, day of year and DST are not checked.
    pub(crate) fn validate(&self) -> Result {
        let year = i64::from(self.tm_year) + 1900;
        let ok = self.tm_year >= 70
            && (0..12).contains(&self.tm_mon)
            && self.tm_mday >= 1
            && self.tm_mday <= month_days(self.tm_mon, year)
            && (0..24).contains(&self.tm_hour)
            && (0..60).contains(&self.tm_min)
            && (0..60).contains(&self.tm_sec);
        if ok {
            Ok(())
        } else {
            Err(EINVAL)
        }
    }

    /// rtc_tm_to_time64() of a validated time.
    pub(crate) fn to_seconds(self) -> i64 {
        let days = days_from_civil(
            i64::from(self.tm_year) + 1900,
            i64::from(self.tm_mon) + 1,
            i64::from(self.tm_mday),
        );
        days * SECS_PER_DAY
            + i64::from(self.tm_hour) * 3600
            + i64::from(self.tm_min) * 60
            + i64::from(self.tm_sec)
    }

    /// rtc_time64_to_tm() of a second in 0..=LAST_SECOND (clamped).
    pub(crate) fn from_seconds(secs: i64) -> Self {
        let secs = secs.clamp(0, LAST_SECOND);
        let days = secs / SECS_PER_DAY;
        let rem = secs % SECS_PER_DAY;
        let (year, month, day) = civil_from_days(days);
        // CAST: every field is small and non-negative (the seconds are
        // clamped above), so each cast below is exact.
        Self {
            tm_sec: (rem % 60) as i32,
            tm_min: (rem / 60 % 60) as i32,
            tm_hour: (rem / 3600) as i32,
            tm_mday: day as i32,
            tm_mon: (month - 1) as i32,
            tm_year: (year - 1900) as i32,
            // 1970-01-01 was a Thursday.
            tm_wday: ((days + 4) % 7) as i32,
            tm_yday: (days - days_from_civil(year, 1, 1)) as i32,
            tm_isdst: 0,
        }
    }
}
