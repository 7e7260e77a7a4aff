//! What the portal shows of an inspection held against the machines'
//! evidence of its day: that it was (when there was evidence that day),
//! and what did not agree. The client reads one line per disagreement,
//! without the machines' values; the team's portal adds the values and
//! where they come from.
//!
//! The disagreements are those `opsbook check` warns of
//! (`analyse::check::evidence`), judged once, here with the same logs and
//! verification history the rest of the portal shows.

use std::collections::HashMap;

use serde::Serialize;

use super::{Audience, Inputs};
use crate::analyse::check::evidence::contradictions;
use crate::analyse::evidence::Evidence;
use crate::load::evidence_map::{Count, Source};
use crate::load::notes::kinds::Meta;

/// The evidence block of one inspection record.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceCheckView {
    pub disagreements: Vec<DisagreementView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DisagreementView {
    /// The code `check` gives it (`contradicts_backup_jobs`).
    pub code: &'static str,
    /// The checklist item marked ok against a failure, or none for a count.
    pub item: Option<String>,
    /// The evidence that shows the failure.
    pub source: Option<Source>,
    /// The figure written otherwise than the logs count it.
    pub count: Option<Count>,
    /// The values and their sources: the team's portal only.
    pub detail: Option<String>,
}

/// By note path: the evidence block of every inspection whose day has
/// evidence.
pub fn checks(inputs: &Inputs, audience: Audience) -> HashMap<String, EvidenceCheckView> {
    let tz = inputs.project.tz();
    let evidence = Evidence::new(inputs.analyses.logs, inputs.analyses.history, inputs.notes, tz);
    let mut out: HashMap<String, EvidenceCheckView> = inputs
        .notes
        .iter()
        .filter_map(|n| match &n.meta {
            Meta::Inspection(m) if evidence.has_any(m.date.0) => Some((
                n.path.clone(),
                EvidenceCheckView {
                    disagreements: Vec::new(),
                },
            )),
            _ => None,
        })
        .collect();
    for c in contradictions(inputs.notes, &inputs.schedules.evidence, &evidence) {
        let Some(view) = out.get_mut(&c.path) else {
            continue;
        };
        {
            view.disagreements.push(DisagreementView {
                code: c.code,
                item: c.count.is_none().then(|| c.subject.clone()),
                source: c.source,
                count: c.count,
                detail: (audience == Audience::Internal).then(|| c.detail.clone()),
            });
        }
    }
    out
}
