//! The schedule and SLA page, `schedule/index.html`, and its data,
//! `data/schedule.json`: the contract's obligations and how each stands,
//! and every SLA outcome and breach, as [`ScheduleView`] holds them.

use serde::Serialize;

use super::super::plan::Plan;
use crate::report::RecordView;
use crate::report::schedule::ScheduleView;

#[derive(Serialize)]
struct SchedulePage<'a> {
    s: &'a ScheduleView,
    record: &'a RecordView,
}

pub(super) fn page<'a>(plan: &mut Plan<'a>, schedule: &'a ScheduleView, record: &'a RecordView) {
    // The page and the data file show the same schedule: digested once.
    let key = Plan::key_of(schedule);
    plan.json_keyed("data/schedule.json".into(), &key, move || schedule);
    plan.page_keyed(
        "schedule/index.html".into(),
        "schedule.html",
        &Plan::key_of(&(key.as_bytes(), record)),
        move || SchedulePage { s: schedule, record },
    );
}
