//! The numbers behind the portal's charts, as plain data. The renderer draws
//! any [`SeriesChart`] as bars and any [`Calendar`] as a year grid, each with
//! the same numbers as a table; so a new chart (backup verifications per day,
//! errors per day, SLA compliance per month) is only a new field of this kind
//! in the model and one line in a template. (They deserialize too: templates
//! hand them back to the drawing functions.)

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// Values per category (`x`), one row per series. Series keys are codes
/// (`general`, `major`) that templates turn into labels.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesChart {
    pub x: Vec<String>,
    pub series: Vec<Series>,
    /// Bars of a category stacked (parts of a whole) or side by side.
    pub stacked: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Series {
    pub key: String,
    pub values: Vec<f64>,
}

impl SeriesChart {
    /// A chart over `x` with one series per key, counting `items` by the
    /// category and key `classify` gives them.
    pub fn count<T>(
        x: Vec<String>,
        keys: &[&str],
        stacked: bool,
        items: impl IntoIterator<Item = T>,
        classify: impl Fn(&T) -> Option<(String, String)>,
    ) -> SeriesChart {
        let column: BTreeMap<&str, usize> = x.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
        let mut series: Vec<Series> = keys
            .iter()
            .map(|k| Series {
                key: k.to_string(),
                values: vec![0.0; x.len()],
            })
            .collect();
        for item in items {
            let Some((category, key)) = classify(&item) else {
                continue;
            };
            if let (Some(&col), Some(s)) = (
                column.get(category.as_str()),
                series.iter_mut().find(|s| s.key == key),
            ) {
                s.values[col] += 1.0;
            }
        }
        SeriesChart { x, series, stacked }
    }
}

/// One mark per day over a span of days.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Calendar {
    pub from: String,
    pub to: String,
    pub days: Vec<CalendarDay>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CalendarDay {
    pub date: String,
    pub state: DayState,
    /// How many records the day has.
    pub count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DayState {
    /// The day has what it needs.
    Done,
    /// A past day of the service period without it.
    Missing,
    /// Without it so far, and still within its grace.
    Pending,
    /// After the report's day.
    Future,
    /// Outside the service period.
    Outside,
}

impl Calendar {
    /// Every day of `from..=to`, in a state given by `state`.
    pub fn days(from: NaiveDate, to: NaiveDate, state: impl Fn(NaiveDate) -> (DayState, u32)) -> Calendar {
        let mut days = Vec::new();
        let mut d = from;
        while d <= to {
            let (state, count) = state(d);
            days.push(CalendarDay {
                date: d.to_string(),
                state,
                count,
            });
            d += Duration::days(1);
        }
        Calendar {
            from: from.to_string(),
            to: to.to_string(),
            days,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_puts_items_in_their_cell() {
        let chart = SeriesChart::count(
            vec!["2025-01".into(), "2025-02".into()],
            &["general", "major"],
            true,
            [
                ("2025-01", "major"),
                ("2025-02", "general"),
                ("2025-02", "general"),
                ("2025-03", "major"),
            ],
            |(m, s)| Some((m.to_string(), s.to_string())),
        );
        assert_eq!(chart.series[0].values, [0.0, 2.0]);
        assert_eq!(chart.series[1].values, [1.0, 0.0]);
    }
}
