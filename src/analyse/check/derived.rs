//! The computations later commands make from the settings, made by `check`
//! too, so that what `check` accepts every other command can use.
//!
//! Each value is already held against its type when the settings are read
//! (every regex compiles, every glob parses, every duration is bounded);
//! what is left is what only the values together decide: the masking rules
//! compiled into one set (which has a size limit of its own), and each
//! backup set's globs built as verification builds them.

use crate::diag::Diagnostic;
use crate::load::Project;
use crate::load::settings::FILE_NAME;
use crate::report::redact::Redactor;

pub fn check(project: &Project) -> Vec<Diagnostic> {
    let settings = &project.settings;
    let mut out = Vec::new();
    if let Err(problems) = Redactor::new(&settings.redact) {
        out.extend(problems);
    }
    for set in &settings.backups {
        if let Err(e) = crate::analyse::verify::set::globs(&set.include) {
            out.push(Diagnostic::error(
                FILE_NAME,
                format!("backup set `{}`: its include globs cannot be used: {e}", set.name),
            ));
        }
    }
    out
}
