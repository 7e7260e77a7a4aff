//! `opsbook archive verify FILE [--allowed-signers F]`: both checks of an
//! archive in one step (`b3sum --check B3SUMS` and `ssh-keygen -Y verify`),
//! every file added, removed or changed named. Exit 0: all good; 1: a
//! difference or a bad signature; 2: the archive or the allowed signers
//! cannot be read.

use std::path::Path;

use crate::archive::sign::AllowedSigners;
use crate::archive::{pack, verify as check};
use crate::commands::{Context, Exit, Fatal};

pub fn verify(ctx: &Context, file: &Path, allowed_signers: Option<&Path>) -> Result<Exit, Fatal> {
    let allowed = match allowed_signers {
        Some(path) => Some(read_allowed(path)?),
        None => None,
    };
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| Fatal::Usage(format!("cannot read {name}: {e}")))?;
    let archive = pack::unpack(&name, &bytes).map_err(|e| Fatal::Usage(e.to_string()))?;
    let v = check::verify(&archive, allowed.as_ref());
    let mut lines = Vec::new();
    lines.extend(v.manifest_problems.iter().map(|p| format!("error: {p}")));
    lines.extend(
        v.changed
            .iter()
            .map(|p| format!("error: {p}: changed (its bytes differ from B3SUMS)")),
    );
    lines.extend(
        v.added
            .iter()
            .map(|p| format!("error: {p}: added (not in B3SUMS)")),
    );
    lines.extend(
        v.removed
            .iter()
            .map(|p| format!("error: {p}: removed (listed in B3SUMS)")),
    );
    if !v.signatures.iter().any(|s| s.file == crate::archive::SIGNATURE) {
        lines.push(format!(
            "error: {} is missing: the archive is not signed",
            crate::archive::SIGNATURE
        ));
    }
    for s in &v.signatures {
        lines.push(match (s.status, &s.principal) {
            ("good", Some(p)) => format!("{}: good signature by {p} ({})", s.file, s.detail),
            ("unknown", _) if allowed.is_some() => format!(
                "error: {}: signed by a key no allowed signer has ({})",
                s.file, s.detail
            ),
            ("unknown", _) => format!(
                "warning: {}: a good signature by {}, a key not checked against any allowed signers (give --allowed-signers)",
                s.file, s.detail
            ),
            _ => format!("error: {}: bad signature: {}", s.file, s.detail),
        });
    }
    let ok = v.ok(allowed.is_some());
    for line in &lines {
        if line.starts_with("error") || line.starts_with("warning") {
            eprintln!("{line}");
        } else {
            ctx.say(line);
        }
    }
    if ok {
        ctx.say(format!(
            "{name}: {} files as signed; digest {}",
            archive.entries.len(),
            v.digest
        ));
    } else {
        eprintln!("{name}: does not verify");
    }
    Ok(Exit::from_problems(!ok))
}

/// Reads an `allowed_signers` file; a line that cannot be read makes it
/// unusable (exit 2), each such line named.
pub fn read_allowed(path: &Path) -> Result<AllowedSigners, Fatal> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Fatal::Usage(format!("cannot read {}: {e}", path.display())))?;
    AllowedSigners::parse(&text).map_err(|bad| {
        Fatal::Usage(
            bad.iter()
                .map(|b| format!("{}: {b}", path.display()))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}
