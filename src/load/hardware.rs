//! The hardware register (硬件设备记录): `content/hardware/*.toml`, one
//! device a file.
//!
//! A device is data, not a note: its facts (model, serial, location, IP,
//! dates, engineer) and a dated change log, with no prose of its own. TOML
//! says that directly (`[[changes]]` tables), where a note would need an
//! empty body and a front matter of tables. Each file is held against its
//! schema ([`schema::hardware`]) like the settings and schedules, so `check`
//! lists every problem at its line.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Project;
use super::schema::{self, FileCheck};
use crate::diag::Diagnostic;

/// The folder of the register, under `content/`.
pub const FOLDER: &str = "hardware";

/// One device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Device {
    /// The file it comes from, relative to the project.
    #[serde(skip_deserializing)]
    pub path: String,
    pub name: String,
    pub role: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub location: Option<String>,
    pub ip: Option<String>,
    pub os: Option<String>,
    pub purchased: Option<NaiveDate>,
    pub warranty_until: Option<NaiveDate>,
    pub engineer: Option<String>,
    /// Oldest first.
    #[serde(default)]
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    pub date: NaiveDate,
    pub what: String,
    pub by: Option<String>,
}

/// The devices of `content/hardware/` (by name), and every problem of the
/// files. A file with problems is left out of the register.
pub fn load(project: &Project) -> (Vec<Device>, Vec<Diagnostic>) {
    let dir = project.root.join("content").join(FOLDER);
    let mut files: Vec<_> = walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "toml"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    let mut devices: Vec<Device> = Vec::new();
    let mut problems = Vec::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for file in files {
        let rel = project.rel(&file);
        let (device, mut found) = read(&file, &rel, project.tz());
        if let Some(d) = device {
            match names.get(&d.name) {
                Some(first) => found.push(
                    Diagnostic::error(&rel, format!("device `{}` is already in the register", d.name))
                        .at_line(line_of(&file, "name"))
                        .with_hint(format!("{first} names it too; a name is one device")),
                ),
                None => {
                    names.insert(d.name.clone(), rel.clone());
                    devices.push(d);
                }
            }
        }
        problems.extend(found);
    }
    devices.sort_by(|a, b| a.name.cmp(&b.name));
    (devices, problems)
}

/// Each device's role by its name, for the server records' thresholds.
pub fn roles(devices: &[Device]) -> BTreeMap<String, String> {
    devices
        .iter()
        .filter_map(|d| Some((d.name.clone(), d.role.clone()?)))
        .collect()
}

fn read(file: &Path, rel: &str, tz: chrono_tz::Tz) -> (Option<Device>, Vec<Diagnostic>) {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return (None, vec![Diagnostic::error(rel, format!("cannot read: {e}"))]),
    };
    match std::str::from_utf8(&bytes) {
        Ok(text) => parse(text, rel, tz),
        Err(e) => (None, vec![crate::load::notes::utf8_diagnostic(rel, &bytes, e)]),
    }
}

/// Reads one device file: the device when the file has no error, and every
/// problem of it.
pub fn parse(text: &str, rel: &str, tz: chrono_tz::Tz) -> (Option<Device>, Vec<Diagnostic>) {
    let FileCheck {
        values,
        mut problems,
        parsed,
        ..
    } = schema::check_file(&schema::hardware::DEVICE, text, rel, tz);
    crate::diag::tidy(rel, &mut problems);
    if !parsed || problems.iter().any(Diagnostic::is_error) {
        return (None, problems);
    }
    match Device::deserialize(toml::Value::Table(dates_as_text(values))) {
        Ok(mut d) => {
            d.path = rel.to_string();
            d.changes.sort_by_key(|c| c.date);
            (Some(d), problems)
        }
        Err(e) => {
            problems.push(
                Diagnostic::error(rel, format!("the device cannot be read: {}", e.message())).at_line(1),
            );
            (None, problems)
        }
    }
}

/// TOML dates as `YYYY-MM-DD` strings, which `NaiveDate` reads.
fn dates_as_text(values: toml::Table) -> toml::Table {
    fn conv(v: toml::Value) -> toml::Value {
        match v {
            toml::Value::Datetime(d) => toml::Value::String(d.to_string()),
            toml::Value::Array(a) => toml::Value::Array(a.into_iter().map(conv).collect()),
            toml::Value::Table(t) => toml::Value::Table(t.into_iter().map(|(k, v)| (k, conv(v))).collect()),
            other => other,
        }
    }
    values.into_iter().map(|(k, v)| (k, conv(v))).collect()
}

/// The line of the first `key = ` of a file (1 when it cannot be told).
fn line_of(file: &Path, key: &str) -> usize {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|t| {
            t.lines()
                .position(|l| {
                    l.trim_start()
                        .strip_prefix(key)
                        .is_some_and(|rest| rest.trim_start().starts_with('='))
                })
                .map(|i| i + 1)
        })
        .unwrap_or(1)
}

/// The day a device's warranty ends, if it ends between `from` and `to`.
pub fn warranty_ends_within(d: &Device, from: NaiveDate, to: NaiveDate) -> bool {
    d.warranty_until.is_some_and(|w| from <= w && w <= to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::DEFAULT_TIMEZONE;

    const GOOD: &str = r#"name = "db-01"
role = "db"
ip = "10.20.1.21"
purchased = 2023-06-15
warranty_until = 2026-06-14

[[changes]]
date = 2025-08-12
what = "更换 2 号硬盘"
by = "李工"

[[changes]]
date = 2024-03-01
what = "内存扩至 256 GB"
"#;

    #[test]
    fn reads_a_device() {
        let (d, problems) = parse(GOOD, "content/hardware/db-01.toml", DEFAULT_TIMEZONE);
        assert!(problems.is_empty(), "{problems:?}");
        let d = d.unwrap();
        assert_eq!(d.name, "db-01");
        assert_eq!(d.changes[0].what, "内存扩至 256 GB", "oldest first");
        assert_eq!(roles(&[d])["db-01"], "db");
    }

    #[test]
    fn mistakes_name_their_line() {
        for (text, needle, line) in [
            ("role = \"db\"\n", "name", 1),
            ("name = \"x\"\npurchased = \"June\"\n", "invalid date", 2),
            ("name = \"x\"\nspeed = 3\n", "speed", 2),
            (
                "name = \"x\"\npurchased = 2025-01-01\nwarranty_until = 2024-01-01\n",
                "warranty_until",
                3,
            ),
            ("name = \"x\"\n[[changes]]\ndate = 2025-01-01\n", "what", 2),
        ] {
            let (d, problems) = parse(text, "content/hardware/x.toml", DEFAULT_TIMEZONE);
            assert!(d.is_none(), "{text}");
            let p = problems
                .iter()
                .find(|p| p.message.contains(needle))
                .unwrap_or_else(|| panic!("{text}: {problems:?}"));
            assert_eq!(p.line, Some(line), "{text}: {problems:?}");
        }
    }
}
