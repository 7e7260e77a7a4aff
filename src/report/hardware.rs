//! The hardware register (硬件设备记录) as the portal shows it: every
//! device with its warranty judged against the service period, and each
//! device's page with its change log, the incidents, work orders and
//! upgrades that name it (`hosts = [...]`), and its server records.
//!
//! IP addresses are kept as written; the client's portal masks them when
//! it serializes the model, as it masks every text.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::note::NoteInfo;
use super::servers::{Servers, slug};
use super::views::Views;
use crate::load::hardware::Device;
use crate::load::notes::{Kind, Meta, Note};

#[derive(Debug, Clone, Serialize)]
pub struct Register {
    /// The span warranties are held against: the service period, or the
    /// year from the record's day.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Devices whose warranty ends within the span.
    pub expiring: usize,
    pub devices: Vec<DeviceView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeviceView {
    #[serde(flatten)]
    pub device: Device,
    pub url: String,
    /// Its warranty ends within the register's span.
    pub warranty_expiring: bool,
    /// Its warranty ended before the record's day.
    pub warranty_ended: bool,
    /// Records that name it, oldest first.
    pub records: Vec<RecordLink>,
    /// Its monthly server reports, when it sent metrics.
    pub server_months: Vec<MonthLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordLink {
    pub kind: Kind,
    pub id: String,
    pub title: String,
    pub date: Option<NaiveDate>,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthLink {
    pub period: String,
    pub url: String,
}

impl Register {
    /// `None` when the project has no register.
    pub fn new(
        devices: &[Device],
        notes: &[&Note],
        views: &Views,
        servers: Option<&Servers>,
        service: Option<(NaiveDate, NaiveDate)>,
        record_day: NaiveDate,
    ) -> Option<Register> {
        if devices.is_empty() {
            return None;
        }
        let (from, to) = service.unwrap_or((
            record_day,
            record_day
                .checked_add_days(chrono::Days::new(365))
                .unwrap_or(record_day),
        ));
        let infos: HashMap<&str, &NoteInfo> = views
            .incidents
            .iter()
            .map(|v| &v.note)
            .chain(views.workorders.iter().map(|v| &v.note))
            .chain(views.upgrades.iter().map(|v| &v.note))
            .map(|n| (n.path.as_str(), n))
            .collect();
        let devices: Vec<DeviceView> = devices
            .iter()
            .map(|d| {
                let mut records: Vec<RecordLink> = notes
                    .iter()
                    .filter(|n| hosts_of(n).contains(&d.name))
                    .filter_map(|n| infos.get(n.path.as_str()))
                    .map(|info| RecordLink {
                        kind: info.kind,
                        id: info.id.clone(),
                        title: info.title.clone(),
                        date: info.date,
                        url: info.url.clone(),
                    })
                    .collect();
                records.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
                let server_months = servers
                    .map(|s| {
                        s.months
                            .iter()
                            .filter(|m| m.host == d.name)
                            .map(|m| MonthLink {
                                period: m.period.clone(),
                                url: m.url.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                DeviceView {
                    url: format!("hardware/{}.html", slug(&d.name)),
                    warranty_expiring: d.warranty_until.is_some_and(|w| from <= w && w <= to),
                    warranty_ended: d.warranty_until.is_some_and(|w| w < record_day),
                    records,
                    server_months,
                    device: d.clone(),
                }
            })
            .collect();
        Some(Register {
            from,
            to,
            expiring: devices.iter().filter(|d| d.warranty_expiring).count(),
            devices,
        })
    }
}

/// The devices a note names.
fn hosts_of(note: &Note) -> &[String] {
    match &note.meta {
        Meta::Incident(i) => &i.hosts,
        Meta::WorkOrder(w) => &w.hosts,
        Meta::Upgrade(u) => &u.hosts,
        _ => &[],
    }
}
