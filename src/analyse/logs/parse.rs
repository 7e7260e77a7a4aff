//! One log line → one [`Record`]: the recognised keys (`docs/logs.md`), borrowed
//! from the line.
//!
//! Recognised keys: `ts` (RFC 3339, required), `level`, `host`, `service`,
//! `msg`, `event`, and the event fields `outcome`, `user`, `status`,
//! `doc_id`, `set`, `cpu`, `mem`, `disk`. Every other key is checked to be
//! valid JSON and skipped: no aggregate needs it. A recognised key holding
//! the wrong type (`"level": 3`) counts as absent, except `ts`, without which
//! a line cannot be placed on a day.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::json::{JsonError, JsonStr, Scanner, Value, pack};

/// The severity a line was logged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
    /// No `level`, or one opsbook does not know.
    Other,
}

impl Level {
    pub const ALL: [Level; 6] = [
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
        Level::Other,
    ];

    /// `DEBUG`, `INFO`, `WARN`/`WARNING`, `ERROR`, `FATAL`, in any case.
    pub fn parse(text: &[u8]) -> Level {
        let is = |name: &str| text.eq_ignore_ascii_case(name.as_bytes());
        if is("INFO") {
            Level::Info
        } else if is("ERROR") {
            Level::Error
        } else if is("WARN") || is("WARNING") {
            Level::Warn
        } else if is("DEBUG") {
            Level::Debug
        } else if is("FATAL") {
            Level::Fatal
        } else {
            Level::Other
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
            Level::Other => "OTHER",
        }
    }

    /// ERROR and FATAL: what a day's `errors` counts.
    pub fn is_error(self) -> bool {
        matches!(self, Level::Error | Level::Fatal)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Level {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Level {
    /// Settings name a level exactly; a misspelt one is an error there, not
    /// a silent `OTHER`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match Level::parse(text.as_bytes()) {
            Level::Other if !text.eq_ignore_ascii_case("OTHER") => Err(serde::de::Error::custom(format!(
                "unknown level `{text}`: use DEBUG, INFO, WARN, ERROR, FATAL or OTHER"
            ))),
            level => Ok(level),
        }
    }
}

/// The recognised fields of one line.
#[derive(Debug, Clone, Default)]
pub struct Record<'a> {
    /// `ts`, in milliseconds since the Unix epoch.
    pub ts: i64,
    pub level: Option<JsonStr<'a>>,
    pub host: Option<JsonStr<'a>>,
    pub service: Option<JsonStr<'a>>,
    pub msg: Option<JsonStr<'a>>,
    pub event: Option<JsonStr<'a>>,
    pub outcome: Option<JsonStr<'a>>,
    pub user: Option<JsonStr<'a>>,
    pub status: Option<JsonStr<'a>>,
    pub doc_id: Option<JsonStr<'a>>,
    pub set: Option<JsonStr<'a>>,
    pub cpu: Option<f64>,
    pub mem: Option<f64>,
    pub disk: Option<f64>,
}

impl Record<'_> {
    pub fn level(&self) -> Level {
        match self.level {
            Some(l) => match l.plain() {
                Some(raw) => Level::parse(raw),
                None => Level::parse(l.text().as_bytes()),
            },
            None => Level::Other,
        }
    }
}

/// Why a line was not read: shown to people with the file and line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Malformed {
    Json(JsonError),
    NoTs,
    BadTs(String),
    TooLong(usize),
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Malformed::Json(e) => write!(f, "not valid JSON: {} at byte {}", e.what, e.at + 1),
            Malformed::NoTs => f.write_str("no `ts` string"),
            Malformed::BadTs(ts) => write!(f, "`ts` is not an RFC 3339 time: `{ts}`"),
            Malformed::TooLong(max) => write!(f, "longer than {max} bytes"),
        }
    }
}

/// `ts` values longer than this are shown cut in a message.
const SHOWN_TS: usize = 40;

/// An escaped key, decoded: packed when short enough to be a known one.
fn pack_long(name: &[u8]) -> u64 {
    if name.len() <= 8 { pack(name) } else { 0 }
}

const TS: u64 = pack(b"ts");
const LEVEL: u64 = pack(b"level");
const HOST: u64 = pack(b"host");
const SERVICE: u64 = pack(b"service");
const MSG: u64 = pack(b"msg");
const EVENT: u64 = pack(b"event");
const OUTCOME: u64 = pack(b"outcome");
const USER: u64 = pack(b"user");
const STATUS: u64 = pack(b"status");
const DOC_ID: u64 = pack(b"doc_id");
const SET: u64 = pack(b"set");
const CPU: u64 = pack(b"cpu");
const MEM: u64 = pack(b"mem");
const DISK: u64 = pack(b"disk");

/// Parses one line (without its newline). `Ok(None)` for a blank line.
pub fn parse(line: &[u8]) -> Result<Option<Record<'_>>, Malformed> {
    if line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
        return Ok(None);
    }
    let mut rec = Record::default();
    let mut ts = None;
    Scanner::new(line)
        .object(|key, s| {
            let id = match key.packed {
                0 if key.name.plain().is_none() => pack_long(key.name.text().as_bytes()),
                packed => packed,
            };
            let slot = match id {
                TS => {
                    ts = Some(s.value()?);
                    return Ok(());
                }
                CPU => return s.value().map(|v| rec.cpu = percent(v)),
                MEM => return s.value().map(|v| rec.mem = percent(v)),
                DISK => return s.value().map(|v| rec.disk = percent(v)),
                LEVEL => &mut rec.level,
                HOST => &mut rec.host,
                SERVICE => &mut rec.service,
                MSG => &mut rec.msg,
                EVENT => &mut rec.event,
                OUTCOME => &mut rec.outcome,
                USER => &mut rec.user,
                STATUS => &mut rec.status,
                DOC_ID => &mut rec.doc_id,
                SET => &mut rec.set,
                _ => return s.skip(),
            };
            *slot = match s.value()? {
                Value::Str(v) => Some(v),
                _ => None,
            };
            Ok(())
        })
        .map_err(Malformed::Json)?;
    let Some(Value::Str(ts)) = ts else {
        return Err(Malformed::NoTs);
    };
    let parsed = match ts.plain() {
        Some(raw) => parse_ts(raw),
        None => parse_ts(ts.text().as_bytes()),
    };
    rec.ts = parsed.ok_or_else(|| Malformed::BadTs(ts.text().chars().take(SHOWN_TS).collect()))?;
    Ok(Some(rec))
}

/// A metric's value: a number, or a string holding one (`"91.5"`, `"91%"`).
fn percent(value: Value<'_>) -> Option<f64> {
    let n = match value {
        Value::Num(n) => std::str::from_utf8(n).ok()?.parse().ok(),
        Value::Str(s) => s.text().trim().trim_end_matches('%').trim().parse().ok(),
        Value::Other => None,
    };
    n.filter(|v: &f64| v.is_finite())
}

/// Milliseconds since the Unix epoch of an RFC 3339 time:
/// `2025-12-01T08:00:00+08:00`, `2025-12-01T00:00:00.123Z`, with `T`, `t` or
/// a space between date and time. A leap second reads as the end of its
/// minute.
pub fn parse_ts(b: &[u8]) -> Option<i64> {
    let num = |at: usize, len: usize| -> Option<i64> {
        let digits = b.get(at..at + len)?;
        digits.iter().try_fold(0i64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let sep = |at: usize, c: &[u8]| b.get(at).is_some_and(|x| c.contains(x));
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut at = 19;
    let mut millis = 0;
    if sep(at, b".") {
        at += 1;
        let digits = b[at..].iter().take_while(|d| d.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        for i in 0..3 {
            millis = millis * 10
                + if i < digits {
                    i64::from(b[at + i] - b'0')
                } else {
                    0
                };
        }
        at += digits;
    }
    let offset = match b.get(at)? {
        b'Z' | b'z' if at + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if at + 6 == b.len() && sep(at + 3, b":") => {
            let (h, m) = (num(at + 1, 2)?, num(at + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            if *sign == b'-' { -secs } else { secs }
        }
        _ => return None,
    };
    let (second, millis) = if second == 60 { (59, 999) } else { (second, millis) };
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(secs * 1000 + millis)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar
/// (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use proptest::prelude::*;

    #[test]
    fn reads_the_recognised_keys() {
        let line = br#"{"ts":"2025-12-01T08:00:00+08:00","level":"error","host":"app-01","service":"oa-web","msg":"boom","event":"metric","cpu":91.5,"mem":"40%","disk":null,"extra":{"x":[1]}}"#;
        let r = parse(line).unwrap().unwrap();
        assert_eq!(r.ts, 1_764_547_200_000);
        assert_eq!(r.level(), Level::Error);
        assert!(r.host.unwrap().is("app-01"));
        assert!(r.service.unwrap().is("oa-web"));
        assert!(r.event.unwrap().is("metric"));
        assert_eq!((r.cpu, r.mem, r.disk), (Some(91.5), Some(40.0), None));
    }

    #[test]
    fn escaped_keys_are_known_too() {
        let r = parse(br#"{"\u0074s":"2025-12-01T08:00:00Z","lev\u0065l":"WARN"}"#)
            .unwrap()
            .unwrap();
        assert_eq!(r.level(), Level::Warn);
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(parse(b"  \r").unwrap().map(|r| r.ts), None);
        assert!(matches!(
            parse(b"{\"ts\":\"\xff\"}").unwrap_err(),
            Malformed::Json(_)
        ));
        assert!(matches!(parse(b"{\"ts\":").unwrap_err(), Malformed::Json(_)));
        assert_eq!(parse(br#"{"msg":"x"}"#).unwrap_err(), Malformed::NoTs);
        assert_eq!(parse(br#"{"ts":17}"#).unwrap_err(), Malformed::NoTs);
        assert_eq!(
            parse(br#"{"ts":"yesterday"}"#).unwrap_err(),
            Malformed::BadTs("yesterday".into())
        );
    }

    #[test]
    fn timestamps_match_chrono() {
        for ts in [
            "2025-12-01T00:30:00+08:00",
            "2025-12-31T23:59:59.999Z",
            "2024-02-29t12:00:00.5-05:30",
            "1969-12-31 23:59:59.0001+00:00",
            "2000-01-01T00:00:00.123456789Z",
        ] {
            let want = DateTime::parse_from_rfc3339(ts).unwrap().timestamp_millis();
            assert_eq!(parse_ts(ts.as_bytes()), Some(want), "{ts}");
        }
        for bad in [
            "2025-02-29T00:00:00Z",
            "2025-12-01T24:00:00Z",
            "2025-12-01T00:00:00",
            "2025-12-01T00:00:00+0800",
            "2025-12-01T00:00:00.Z",
            "2025-12-01T00:00:00Zx",
            "2025-1-01T00:00:00Z",
        ] {
            assert_eq!(parse_ts(bad.as_bytes()), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_lines_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn arbitrary_texts_never_panic(text in "\\{(\"(ts|level|cpu|msg|x)\":(\"[^\"]{0,30}\"|-?[0-9.eE+]{1,8}|\\[|\\{|null),?){0,6}\\}?") {
            let _ = parse(text.as_bytes());
        }

        #[test]
        fn timestamps_agree_with_chrono(secs in -10_000_000_000i64..10_000_000_000i64, off in -1439i32..1439, ms in 0u32..1000) {
            let offset = chrono::FixedOffset::east_opt(off * 60).unwrap();
            let t = DateTime::from_timestamp(secs, ms * 1_000_000).unwrap().with_timezone(&offset);
            let text = t.to_rfc3339();
            prop_assert_eq!(parse_ts(text.as_bytes()), Some(t.timestamp_millis()));
        }
    }
}
