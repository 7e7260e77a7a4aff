//! `opsbook archive countersign FILE --key K`: the client administrator's
//! signature of the archive's `B3SUMS`, added as `B3SUMS.client.sig`. The
//! archive is checked first: only an archive whose files are as listed and
//! whose team signature is good is counter-signed. Nothing else changes,
//! the files keep their bytes and times; the archive is rewritten
//! atomically.

use std::path::Path;

use crate::archive::sign::{Key, Outcome};
use crate::archive::{CLIENT_SIGNATURE, Entry, MANIFEST, SIGNATURE, pack, verify as check};
use crate::commands::{Context, Exit, Fatal};

pub fn countersign(ctx: &Context, file: &Path, key: &Path) -> Result<Exit, Fatal> {
    let key = Key::read(key).map_err(|e| Fatal::Usage(e.to_string()))?;
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| Fatal::Usage(format!("cannot read {name}: {e}")))?;
    let mut archive = pack::unpack(&name, &bytes).map_err(|e| Fatal::Usage(e.to_string()))?;
    let v = check::verify(&archive, None);
    let team_signed = v
        .signatures
        .iter()
        .any(|s| s.file == SIGNATURE && !matches!(s.outcome, Outcome::Bad { .. }));
    if !v.ok(false) || !team_signed {
        eprintln!(
            "error: {name} does not verify (`opsbook archive verify {name}` says why): not counter-signed"
        );
        return Ok(Exit::Problems);
    }
    if archive.entries.iter().any(|e| e.path == CLIENT_SIGNATURE) {
        eprintln!("error: {name} is already counter-signed ({CLIENT_SIGNATURE})");
        return Ok(Exit::Problems);
    }
    let manifest = archive
        .entries
        .iter()
        .find(|e| e.path == MANIFEST)
        .map(|e| e.bytes.clone())
        .unwrap_or_default();
    let signature = key.sign(&manifest).map_err(|e| Fatal::Other(e.into()))?;
    archive.entries.push(Entry::new(CLIENT_SIGNATURE, signature));
    let packed =
        pack::pack(&archive.folder, &archive.entries, archive.time).map_err(|e| Fatal::Other(e.into()))?;
    crate::state::write_atomic(file, &packed)
        .map_err(|e| Fatal::Other(anyhow::anyhow!("cannot write {name}: {e}")))?;
    ctx.say(format!(
        "counter-signed {name} by {} ({CLIENT_SIGNATURE}); digest {}",
        key.fingerprint(),
        v.digest
    ));
    Ok(Exit::Clean)
}
