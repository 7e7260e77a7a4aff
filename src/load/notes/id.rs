//! Note ids: `YYMMDD-NN` for inspections, `INC-YYMMDD-NN` and the like for
//! dated kinds, `FAQ-NNN` for the knowledge base.

use chrono::NaiveDate;

/// A dated id split into its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DatedId {
    pub date: NaiveDate,
    /// The day's sequence number, 1–99.
    pub seq: u8,
}

impl DatedId {
    /// Formats the id with `prefix` (`""` for inspections, `"INC-"` …).
    pub fn format(&self, prefix: &str) -> String {
        format!("{prefix}{}-{:02}", self.date.format("%y%m%d"), self.seq)
    }
}

/// Parses `{prefix}YYMMDD-NN`. The error says what is wrong, for a diagnostic.
pub fn parse_dated(id: &str, prefix: &str) -> Result<DatedId, String> {
    let expected = format!("expected `{prefix}YYMMDD-NN` (date, then the day's number 01–99)");
    let rest = id
        .strip_prefix(prefix)
        .ok_or_else(|| format!("id `{id}` does not start with `{prefix}`: {expected}"))?;
    let (date, seq) = rest
        .split_once('-')
        .ok_or_else(|| format!("id `{id}` is malformed: {expected}"))?;
    if date.len() != 6 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("id `{id}` has no YYMMDD date: {expected}"));
    }
    if seq.len() != 2 || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "id `{id}` needs a two-digit number after the date: {expected}"
        ));
    }
    let seq: u8 = seq.parse().expect("two digits");
    if seq == 0 {
        return Err(format!("id `{id}` numbers the day from 01, not 00"));
    }
    let (y, m, d) = (&date[0..2], &date[2..4], &date[4..6]);
    let date = NaiveDate::from_ymd_opt(
        2000 + y.parse::<i32>().expect("digits"),
        m.parse().expect("digits"),
        d.parse().expect("digits"),
    )
    .ok_or_else(|| format!("id `{id}` has no such date `{y}{m}{d}`"))?;
    Ok(DatedId { date, seq })
}

/// Parses `FAQ-NNN` (three or more digits).
pub fn parse_faq(id: &str) -> Result<u32, String> {
    let digits = id
        .strip_prefix("FAQ-")
        .ok_or_else(|| format!("id `{id}` does not start with `FAQ-`: expected `FAQ-NNN`"))?;
    if digits.len() < 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "id `{id}` is malformed: expected `FAQ-NNN`, three digits or more"
        ));
    }
    digits.parse().map_err(|_| format!("id `{id}` is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_each_form() {
        let id = parse_dated("250311-02", "").unwrap();
        assert_eq!(id.date, NaiveDate::from_ymd_opt(2025, 3, 11).unwrap());
        assert_eq!(id.seq, 2);
        assert_eq!(id.format("INC-"), "INC-250311-02");
        assert!(parse_dated("INC-250311-01", "INC-").is_ok());
        assert_eq!(parse_faq("FAQ-007"), Ok(7));
    }

    #[test]
    fn rejects_bad_ids() {
        for (id, prefix) in [
            ("250230-01", ""),
            ("250311-00", ""),
            ("250311-1", ""),
            ("25031-01", ""),
            ("250311", ""),
            ("INC250311-01", "INC-"),
            ("WO-250311-01", "INC-"),
            ("250311-100", ""),
        ] {
            assert!(parse_dated(id, prefix).is_err(), "{id}");
        }
        assert!(parse_faq("FAQ-7").is_err());
        assert!(parse_faq("Q-007").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_dated(&s, "");
            let _ = parse_dated(&s, "INC-");
            let _ = parse_faq(&s);
        }

        #[test]
        fn formats_round_trip(days in 0i64..36_500, seq in 1u8..=99) {
            let date = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = DatedId { date, seq };
            prop_assert_eq!(parse_dated(&id.format("UP-"), "UP-"), Ok(id));
        }
    }
}
