//! Which local day an instant falls on, in the project's timezone, fast.
//!
//! Every line needs its day, and asking the timezone database for every line
//! would cost more than parsing it. Lines come mostly in time order, so the
//! UTC span of the last day found answers almost every question: the
//! database is asked again only when a line falls outside it.

use chrono::{DateTime, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

const DAY_MS: i64 = 86_400_000;

pub struct DayFinder {
    tz: Tz,
    /// The UTC span `[from, to)` in milliseconds that is all on `date`.
    from: i64,
    to: i64,
    date: NaiveDate,
    /// The UTC offset on that span (ms).
    offset: i64,
}

impl DayFinder {
    pub fn new(tz: Tz) -> Self {
        DayFinder {
            tz,
            from: 0,
            to: 0,
            date: NaiveDate::MIN,
            offset: 0,
        }
    }

    /// The local date of `ms` (milliseconds since the Unix epoch).
    pub fn date(&mut self, ms: i64) -> NaiveDate {
        if (self.from..self.to).contains(&ms) {
            return self.date;
        }
        let offset = self.offset_ms(ms);
        let local = ms + offset;
        let day_start = local.div_euclid(DAY_MS) * DAY_MS;
        let date = DateTime::from_timestamp_millis(day_start).map_or(NaiveDate::MIN, |t| t.date_naive());
        // The whole local day shares one offset unless a clock change falls
        // in it; then remember only this instant.
        let (from, to) = (day_start - offset, day_start - offset + DAY_MS);
        let steady = self.offset_ms(from) == offset && self.offset_ms(to - 1) == offset;
        (self.from, self.to) = if steady { (from, to) } else { (ms, ms + 1) };
        self.date = date;
        self.offset = offset;
        date
    }

    /// The local date of `ms` and the minute of that day on the local
    /// clock (0 to 1439).
    pub fn minute(&mut self, ms: i64) -> (NaiveDate, u32) {
        let date = self.date(ms);
        let minute = (ms + self.offset).rem_euclid(DAY_MS) / 60_000;
        (date, u32::try_from(minute).unwrap_or(0))
    }

    fn offset_ms(&self, ms: i64) -> i64 {
        DateTime::from_timestamp_millis(ms).map_or(0, |t| {
            let offset = self.tz.offset_from_utc_datetime(&t.naive_utc());
            i64::from(offset.fix().local_minus_utc()) * 1000
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text).unwrap().timestamp_millis()
    }

    #[test]
    fn half_past_midnight_in_shanghai_is_that_day() {
        let mut f = DayFinder::new(chrono_tz::Asia::Shanghai);
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(f.date(ms("2025-12-01T00:30:00+08:00")), d("2025-12-01"));
        // The same instant, written in UTC, is the day before there.
        assert_eq!(ms("2025-12-01T00:30:00+08:00"), ms("2025-11-30T16:30:00Z"));
        assert_eq!(f.date(ms("2025-11-30T15:59:59.999Z")), d("2025-11-30"));
        assert_eq!(f.date(ms("2025-11-30T16:00:00Z")), d("2025-12-01"));
        assert_eq!(f.date(ms("2025-12-01T23:59:59.999+08:00")), d("2025-12-01"));
        assert_eq!(f.date(ms("2025-12-02T00:00:00+08:00")), d("2025-12-02"));
        assert_eq!(f.minute(ms("2025-12-02T00:00:59+08:00")), (d("2025-12-02"), 0));
        assert_eq!(f.minute(ms("2025-12-02T23:59:00+08:00")), (d("2025-12-02"), 1439));
        assert_eq!(f.minute(ms("2025-12-02T02:30:00Z")), (d("2025-12-02"), 630));
    }

    #[test]
    fn agrees_with_chrono_across_clock_changes() {
        let tz = chrono_tz::Europe::Berlin;
        let mut f = DayFinder::new(tz);
        let start = ms("2025-03-29T00:00:00Z");
        for step in 0..(4 * 24 * 4) {
            let t = start + step * 15 * 60 * 1000;
            let want = DateTime::from_timestamp_millis(t)
                .unwrap()
                .with_timezone(&tz)
                .date_naive();
            assert_eq!(f.date(t), want, "{t}");
        }
    }
}
