//! Both checks of an archive in one step: every file against `B3SUMS`, and
//! `B3SUMS` against its signatures. What `b3sum --check` cannot see, a file
//! added beside the listed ones, is named too.

use std::collections::BTreeMap;

use serde::Serialize;

use super::pack::Unpacked;
use super::sign::{self, AllowedSigners, Outcome};
use super::{CLIENT_SIGNATURE, MANIFEST, SIGNATURE, manifest};

/// What an archive was found to be.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Verification {
    /// The BLAKE3 of `B3SUMS` ([`manifest::digest`]); empty without one.
    pub digest: String,
    /// Files whose bytes differ from their manifest line.
    pub changed: Vec<String>,
    /// Files the manifest does not list.
    pub added: Vec<String>,
    /// Files the manifest lists that are not there.
    pub removed: Vec<String>,
    /// Lines of `B3SUMS` that cannot be read, and a missing `B3SUMS`.
    pub manifest_problems: Vec<String>,
    /// Each signature file, and what it was found to be.
    pub signatures: Vec<SignatureCheck>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignatureCheck {
    pub file: String,
    #[serde(skip)]
    pub outcome: Outcome,
    /// `good`, `unknown` or `bad`.
    pub status: &'static str,
    pub principal: Option<String>,
    pub detail: String,
}

impl Verification {
    /// Every file as listed, every signature good by an allowed signer
    /// (or, without allowed signers, good by its own key), and the team's
    /// signature present.
    pub fn ok(&self, allowed_given: bool) -> bool {
        self.changed.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.manifest_problems.is_empty()
            && self.signatures.iter().any(|s| s.file == SIGNATURE)
            && self.signatures.iter().all(|s| match s.outcome {
                Outcome::Good { .. } => true,
                Outcome::Unknown { .. } => !allowed_given,
                Outcome::Bad { .. } => false,
            })
    }
}

/// Checks every file of `archive` against its manifest, and the manifest
/// against its signatures.
pub fn verify(archive: &Unpacked, allowed: Option<&AllowedSigners>) -> Verification {
    let files: BTreeMap<&str, &[u8]> = archive
        .entries
        .iter()
        .map(|e| (e.path.as_str(), e.bytes.as_slice()))
        .collect();
    let mut v = Verification::default();
    let Some(text) = files.get(MANIFEST) else {
        v.manifest_problems
            .push(format!("{MANIFEST} is missing: nothing can be checked"));
        return v;
    };
    let text = String::from_utf8_lossy(text);
    v.digest = manifest::digest(&text);
    let (listed, bad) = manifest::parse(&text);
    v.manifest_problems.extend(
        bad.into_iter()
            .map(|b| format!("{MANIFEST} line {}: {}", b.line, b.message)),
    );
    let listed: BTreeMap<String, blake3::Hash> = listed.into_iter().collect();
    for (path, hash) in &listed {
        match files.get(path.as_str()) {
            Some(bytes) if blake3::hash(bytes) == *hash => {}
            Some(_) => v.changed.push(path.clone()),
            None => v.removed.push(path.clone()),
        }
    }
    v.added = files
        .keys()
        .filter(|p| manifest::is_listed(p) && !listed.contains_key(**p))
        .map(|p| p.to_string())
        .collect();
    for file in [SIGNATURE, CLIENT_SIGNATURE] {
        let Some(sig) = files.get(file) else { continue };
        let outcome = sign::check(sig, text.as_bytes(), allowed);
        let (status, principal, detail) = match &outcome {
            Outcome::Good {
                principal,
                fingerprint,
            } => ("good", Some(principal.clone()), fingerprint.clone()),
            Outcome::Unknown { fingerprint } => ("unknown", None, fingerprint.clone()),
            Outcome::Bad { message } => ("bad", None, message.clone()),
        };
        v.signatures.push(SignatureCheck {
            file: file.to_string(),
            outcome,
            status,
            principal,
            detail,
        });
    }
    v
}
