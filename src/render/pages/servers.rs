//! The servers' pages: the list of servers, each server's monthly report,
//! and each day's server inspection record (服务器巡检记录), one printable
//! form per page. A new day rewrites its own record, its month and the
//! list, not the months before.

use serde::Serialize;

use crate::render::plan::Plan;
use crate::report::Report;
use crate::report::servers::{HostRow, ServerMonth, ServerRecord};

#[derive(Serialize)]
struct ServersPage<'a> {
    hosts: &'a [HostRow],
}

#[derive(Serialize)]
struct MonthPage<'a> {
    month: &'a ServerMonth,
}

#[derive(Serialize)]
struct RecordPage<'a> {
    r: &'a ServerRecord,
    role: &'a Option<String>,
}

/// The months' pages are planned by their key ([`Plan::page_keyed`]): a
/// month whose evidence is as it was costs nothing more than its names.
pub(super) fn servers<'a>(plan: &mut Plan<'a>, report: &'a Report) {
    let hosts = report.servers.as_ref().map_or(&[][..], |s| s.hosts.as_slice());
    plan.json("data/servers/index.json".into(), hosts);
    plan.page("servers/index.html".into(), "servers.html", ServersPage { hosts });
    let months = report.servers.as_ref().map_or(&[][..], |s| s.months.as_slice());
    for m in months {
        plan.json_keyed(m.data.clone(), &m.key, move || &m.report().days);
        plan.page_keyed(m.url.clone(), "server-month.html", &m.key, move || MonthPage {
            month: m.report(),
        });
        for (i, d) in m.days.iter().enumerate() {
            plan.page_keyed(d.url.clone(), "server-day.html", &m.key, move || RecordPage {
                r: &m.report().days[i],
                role: &m.role,
            });
        }
    }
}
