//! Credentials never belong in `opsbook.toml`: it is committed to git and
//! its values may end up in the portal. Object storage sets take theirs
//! from the standard `AWS_*` environment variables only. A key whose name
//! looks like a secret, anywhere in the file, is pointed out at its line,
//! as is an `endpoint` that carries a user name or password in its address.
//!
//! These are warnings: an unknown key is an error of its own already, and
//! this one says what to do instead.

use crate::diag::Diagnostic;
use crate::load::toml_doc::KeyIndex;

/// Parts of key names that mark a secret (matched against the key in
/// lower case, `-` read as `_`).
const SECRET_PARTS: &[&str] = &[
    "access_key",
    "secret",
    "password",
    "passwd",
    "token",
    "credential",
    "private_key",
    "api_key",
];

const WHAT_TO_DO: &str = "credentials never go in opsbook.toml (it is committed, and read by the portal): \
remove the key and set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) \
in the environment of the job that runs opsbook";

/// A warning for every secret-looking key of the settings, at its line.
pub fn warnings(values: &toml::Table, index: &KeyIndex, text: &str, file: &str) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    walk_table("", values, &mut found);
    found
        .into_iter()
        .map(|(path, message)| {
            let d = Diagnostic::warning(file, message).with_hint(WHAT_TO_DO);
            match index.key_span(&path) {
                Some(span) => d.at_span(text, span, 1),
                None => d,
            }
        })
        .collect()
}

fn walk_table(prefix: &str, table: &toml::Table, found: &mut Vec<(String, String)>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if looks_secret(key) {
            found.push((path.clone(), format!("`{key}` looks like a secret")));
        } else if key == "endpoint"
            && let Some(url) = value.as_str()
            && has_userinfo(url)
        {
            found.push((
                path.clone(),
                "`endpoint` carries a user name or password in its address".to_string(),
            ));
        }
        walk_value(&path, value, found);
    }
}

fn walk_value(path: &str, value: &toml::Value, found: &mut Vec<(String, String)>) {
    match value {
        toml::Value::Table(t) => walk_table(path, t, found),
        toml::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk_value(&format!("{path}.{i}"), item, found);
            }
        }
        _ => {}
    }
}

fn looks_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase().replace('-', "_");
    SECRET_PARTS.iter().any(|part| key.contains(part))
}

/// `scheme://user:password@host…`
fn has_userinfo(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.contains('@')
}

#[cfg(test)]
mod tests {
    use crate::load::settings::read;

    #[test]
    fn secret_looking_keys_are_warned_of_at_their_line() {
        let text = "[project]\nname = \"p\"\n\n[[backups]]\nname = \"oss\"\npath = \"s3://b/p\"\n\
                    endpoint = \"https://AKID:pw@oss.example\"\nsecret_access_key = \"x\"\n\
                    [redact]\napi-token = \"t\"\n";
        let (_, problems) = read(text, "opsbook.toml");
        let warnings: Vec<_> = problems
            .iter()
            .filter(|d| !d.is_error())
            .map(|d| (d.line, d.message.as_str()))
            .collect();
        assert_eq!(
            warnings,
            [
                (
                    Some(7),
                    "`endpoint` carries a user name or password in its address"
                ),
                (Some(8), "`secret_access_key` looks like a secret"),
                (Some(10), "`api-token` looks like a secret"),
            ]
        );
        for d in problems.iter().filter(|d| !d.is_error()) {
            assert!(
                d.hint
                    .as_deref()
                    .is_some_and(|h| h.contains("AWS_SECRET_ACCESS_KEY"))
            );
        }
        // Ordinary keys and endpoints are left alone.
        let (_, problems) = read(
            "[[backups]]\nname = \"a\"\npath = \"s3://b\"\nendpoint = \"http://127.0.0.1:9000\"\n",
            "opsbook.toml",
        );
        assert!(problems.is_empty(), "{problems:?}");
    }
}
