//! Rules across notes: ids are unique, references resolve.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Diagnostic;
use crate::load::notes::Note;
use crate::load::notes::kinds::Meta;

pub fn check(notes: &[Note]) -> Vec<Diagnostic> {
    let mut out = Vec::new();

    let mut first_of: BTreeMap<String, &Note> = BTreeMap::new();
    for note in notes {
        let id = note.id();
        match first_of.get(&id) {
            Some(first) => out.push(
                note.error("id", format!("id `{id}` is used twice"))
                    .with_hint(format!(
                        "{} has it already; ids are unique in the project",
                        first.path
                    )),
            ),
            None => {
                first_of.insert(id, note);
            }
        }
    }

    let ids_of = |want: fn(&Meta) -> bool| -> BTreeSet<String> {
        notes.iter().filter(|n| want(&n.meta)).map(|n| n.id()).collect()
    };
    let faqs = ids_of(|m| matches!(m, Meta::Faq(_)));
    let incidents = ids_of(|m| matches!(m, Meta::Incident(_)));

    for note in notes {
        match &note.meta {
            Meta::Incident(m) => {
                if let Some(faq) = &m.faq
                    && !faqs.contains(faq)
                {
                    out.push(
                        note.error("faq", format!("FAQ entry `{faq}` does not exist"))
                            .with_hint("write it under content/faq/, or correct the id"),
                    );
                }
            }
            Meta::Faq(m) => {
                for (i, inc) in m.incidents.iter().enumerate() {
                    if !incidents.contains(inc) {
                        out.push(note.error(
                            &format!("incidents.{i}"),
                            format!("incident `{inc}` does not exist"),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    out
}
