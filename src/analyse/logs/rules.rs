//! `[[logs.alerts]]` rules, made ready to test every line quickly.

use std::borrow::Cow;

use memchr::memmem;

use super::json::JsonStr;
use super::parse::{Level, Record};
use crate::load::settings::logs::{AlertRule, GroupBy};

/// A field a rule compares.
#[derive(Debug, Clone, Copy)]
enum Field {
    Service,
    Host,
    Event,
    Outcome,
    Status,
    User,
    Set,
}

impl Field {
    fn of<'a>(self, r: &Record<'a>) -> Option<JsonStr<'a>> {
        match self {
            Field::Service => r.service,
            Field::Host => r.host,
            Field::Event => r.event,
            Field::Outcome => r.outcome,
            Field::Status => r.status,
            Field::User => r.user,
            Field::Set => r.set,
        }
    }
}

struct Rule {
    name: String,
    level: Option<Level>,
    equal: Vec<(Field, String)>,
    contains: Option<memmem::Finder<'static>>,
    by: Option<GroupBy>,
}

/// The rules of a project, compiled.
pub struct Rules(Vec<Rule>);

impl Rules {
    pub fn new(rules: &[AlertRule]) -> Rules {
        Rules(
            rules
                .iter()
                .map(|r| {
                    let equal = [
                        (Field::Service, &r.service),
                        (Field::Host, &r.host),
                        (Field::Event, &r.event),
                        (Field::Outcome, &r.outcome),
                        (Field::Status, &r.status),
                        (Field::User, &r.user),
                        (Field::Set, &r.set),
                    ]
                    .into_iter()
                    .filter_map(|(f, v)| v.clone().map(|v| (f, v)))
                    .collect();
                    Rule {
                        name: r.name.clone(),
                        level: r.level,
                        equal,
                        contains: r
                            .msg_contains
                            .as_ref()
                            .map(|t| memmem::Finder::new(t.as_bytes()).into_owned()),
                        by: r.by,
                    }
                })
                .collect(),
        )
    }

    /// Calls `hit(rule, group)` for every rule `r` matches; the group is
    /// the rule's `by` field of the line (empty without `by`, or when the line
    /// lacks the field).
    pub fn each_match<'a>(&self, r: &Record<'a>, level: Level, mut hit: impl FnMut(&str, Cow<'a, str>)) {
        for rule in &self.0 {
            if rule.level.is_some_and(|l| l != level) {
                continue;
            }
            if !rule
                .equal
                .iter()
                .all(|(f, want)| f.of(r).is_some_and(|v| v.is(want)))
            {
                continue;
            }
            if let Some(finder) = &rule.contains {
                let Some(msg) = r.msg else { continue };
                if finder.find(msg.text().as_bytes()).is_none() {
                    continue;
                }
            }
            let group = rule.by.and_then(|by| {
                match by {
                    GroupBy::User => r.user,
                    GroupBy::Host => r.host,
                    GroupBy::Service => r.service,
                    GroupBy::Set => r.set,
                    GroupBy::DocId => r.doc_id,
                }
                .map(|v| v.text())
            });
            hit(&rule.name, group.unwrap_or_default());
        }
    }
}
