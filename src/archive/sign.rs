//! SSH signatures of the archive's manifest, in the SSHSIG format of
//! `ssh-keygen -Y sign` (PEM, `-----BEGIN SSH SIGNATURE-----`), so that
//! `ssh-keygen -Y verify -f allowed_signers -I NAME -n opsbook-archive
//! -s B3SUMS.sig < B3SUMS` checks them with no opsbook at hand.
//!
//! Keys are OpenSSH private key files (`ssh-keygen -t ed25519`), read from a
//! path outside the project. opsbook is built with the ed25519 signature
//! algorithm only, and without key decryption: a key protected by a
//! passphrase is refused with a message saying how to sign instead.

use std::path::{Path, PathBuf};

use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

use super::NAMESPACE;

/// Why a key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the key {}: {message}", .path.display())]
    Unreadable { path: PathBuf, message: String },
    #[error(
        "the key {} is protected by a passphrase, which opsbook cannot ask for: sign with a key kept without one on the signing machine, or `ssh-keygen -p` a copy",
        .path.display()
    )]
    Encrypted { path: PathBuf },
    #[error("cannot sign with the key {}: {message} (opsbook signs with ed25519 keys)", .path.display())]
    Sign { path: PathBuf, message: String },
}

/// A private key, read.
pub struct Key {
    path: PathBuf,
    key: PrivateKey,
}

impl Key {
    /// Reads an OpenSSH private key file.
    pub fn read(path: &Path) -> Result<Key, KeyError> {
        let key = PrivateKey::read_openssh_file(path).map_err(|e| KeyError::Unreadable {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if key.is_encrypted() {
            return Err(KeyError::Encrypted {
                path: path.to_path_buf(),
            });
        }
        Ok(Key {
            path: path.to_path_buf(),
            key,
        })
    }

    /// The public key, as a line of `allowed_signers` or `authorized_keys`
    /// writes it (`ssh-ed25519 AAAA…`).
    pub fn public(&self) -> String {
        let mut public = self.key.public_key().clone();
        public.set_comment("");
        public.to_openssh().unwrap_or_default()
    }

    /// `SHA256:…`, as `ssh-keygen -l` shows it.
    pub fn fingerprint(&self) -> String {
        self.key.fingerprint(HashAlg::Sha256).to_string()
    }

    /// The SSHSIG signature of `message` (SHA-512, as `ssh-keygen` makes
    /// them), PEM-armoured. Ed25519 signatures are deterministic: the same
    /// key and message give the same bytes.
    pub fn sign(&self, message: &[u8]) -> Result<String, KeyError> {
        let failed = |e: ssh_key::Error| KeyError::Sign {
            path: self.path.clone(),
            message: e.to_string(),
        };
        let sig = self
            .key
            .sign(NAMESPACE, HashAlg::Sha512, message)
            .map_err(failed)?;
        sig.to_pem(LineEnding::LF).map_err(failed)
    }
}

/// One line of an `allowed_signers` file (`man ssh-keygen`, ALLOWED
/// SIGNERS): who may sign, and for which namespaces.
#[derive(Debug, Clone)]
pub struct Signer {
    pub principals: Vec<String>,
    pub namespaces: Option<Vec<String>>,
    pub key: PublicKey,
}

/// An `allowed_signers` file, read.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    pub signers: Vec<Signer>,
}

/// A line of `allowed_signers` that could not be read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct BadSigner {
    pub line: usize,
    pub message: String,
}

impl AllowedSigners {
    /// Reads every line: `principals [options] keytype base64 [comment]`;
    /// the options opsbook honours are `namespaces="…"` (others, such as
    /// `valid-after`, are refused rather than ignored).
    pub fn parse(text: &str) -> Result<AllowedSigners, Vec<BadSigner>> {
        let mut signers = Vec::new();
        let mut bad = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match parse_signer(line) {
                Ok(s) => signers.push(s),
                Err(message) => bad.push(BadSigner { line: i + 1, message }),
            }
        }
        if bad.is_empty() {
            Ok(AllowedSigners { signers })
        } else {
            Err(bad)
        }
    }

    /// The principal the key of `sig` is allowed for, for archives.
    fn principal_of(&self, key: &ssh_key::public::KeyData) -> Option<&str> {
        self.signers
            .iter()
            .filter(|s| s.key.key_data() == key)
            .filter(|s| {
                s.namespaces
                    .as_ref()
                    .is_none_or(|ns| ns.iter().any(|n| n == NAMESPACE))
            })
            .find_map(|s| s.principals.first().map(String::as_str))
    }
}

fn parse_signer(line: &str) -> Result<Signer, String> {
    let (principals, rest) = line
        .split_once(char::is_whitespace)
        .ok_or("expected `principals keytype base64`")?;
    let mut rest = rest.trim_start();
    let mut namespaces = None;
    // Options come before the key; the key is the first word that reads as one.
    while !rest.is_empty() {
        if let Ok(key) = PublicKey::from_openssh(rest) {
            return Ok(Signer {
                principals: principals.split(',').map(str::to_string).collect(),
                namespaces,
                key,
            });
        }
        let (option, after) = split_option(rest);
        match option.split_once('=') {
            Some(("namespaces", v)) => {
                namespaces = Some(v.trim_matches('"').split(',').map(str::to_string).collect());
            }
            _ => {
                return Err(format!(
                    "`{option}`: not a public key, nor an option opsbook honours"
                ));
            }
        }
        rest = after.trim_start();
    }
    Err("no public key on the line".into())
}

/// The first option of `s` (up to a space outside quotes), and the rest.
fn split_option(s: &str) -> (&str, &str) {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return (&s[..i], &s[i..]),
            _ => {}
        }
    }
    (s, "")
}

/// What a signature file was found to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A good signature by a key the allowed signers name.
    Good { principal: String, fingerprint: String },
    /// A good signature, by a key no allowed signer has (or no allowed
    /// signers were given): it proves the manifest unchanged since that key
    /// signed it, not who signed.
    Unknown { fingerprint: String },
    /// Not a signature of this manifest, or not one at all.
    Bad { message: String },
}

/// Checks a signature file's text against the manifest's bytes.
pub fn check(signature: &[u8], manifest: &[u8], allowed: Option<&AllowedSigners>) -> Outcome {
    let sig = match SshSig::from_pem(signature) {
        Ok(sig) => sig,
        Err(e) => {
            return Outcome::Bad {
                message: format!("not an SSH signature: {e}"),
            };
        }
    };
    if sig.namespace() != NAMESPACE {
        return Outcome::Bad {
            message: format!("made for the namespace `{}`, not `{NAMESPACE}`", sig.namespace()),
        };
    }
    let key = PublicKey::from(sig.public_key().clone());
    if let Err(e) = key.verify(NAMESPACE, manifest, &sig) {
        return Outcome::Bad {
            message: format!("does not match B3SUMS: {e}"),
        };
    }
    let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
    match allowed.and_then(|a| a.principal_of(sig.public_key())) {
        Some(principal) => Outcome::Good {
            principal: principal.to_string(),
            fingerprint,
        },
        None => Outcome::Unknown { fingerprint },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_principals_options_and_keys() {
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILM+rvN+ot98qgEN796jTiQfZfG1KaT0PtFDJ/XFSqti";
        let text = format!(
            "# the team\nops@example.com {key}\nadmin,boss namespaces=\"opsbook-archive,git\" {key} a comment\n"
        );
        let allowed = AllowedSigners::parse(&text).unwrap();
        assert_eq!(allowed.signers.len(), 2);
        assert_eq!(allowed.signers[1].principals, ["admin", "boss"]);
        assert_eq!(
            allowed.signers[1].namespaces.as_deref(),
            Some(&["opsbook-archive".to_string(), "git".to_string()][..])
        );
        let bad = AllowedSigners::parse(&format!("x valid-after=20250101 {key}\ny\n")).unwrap_err();
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), [1, 2]);
    }
}
