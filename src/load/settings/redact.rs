//! `[redact]` in `opsbook.toml`: what the client's portal masks besides the
//! built-in rules (phones, landlines, ID cards, e-mail addresses, IPv4 addresses, secrets).
//! The rules themselves are compiled and applied by `report::redact`.

use serde::Deserialize;

/// The `[redact]` table of `opsbook.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedactSettings {
    /// Built-in rules to leave out: `phone`, `landline`, `id_card`, `email`, `ip`, `secret`.
    pub disable: Vec<String>,
    /// Keys whose values are secrets, besides the built-in ones (`password`,
    /// `token`, `secret`, `apikey` …).
    pub secret_keys: Vec<String>,
    /// Rules of the project's own.
    pub patterns: Vec<PatternSettings>,
}

/// One `[[redact.patterns]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternSettings {
    pub name: String,
    pub regex: String,
    /// Characters left visible at the start of a match.
    #[serde(default)]
    pub keep_start: usize,
    /// Characters left visible at the end of a match.
    #[serde(default)]
    pub keep_end: usize,
}
