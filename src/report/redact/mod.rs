//! Masking of personal data and secrets in the client's portal.
//!
//! Phone numbers, Chinese ID-card numbers, e-mail addresses and secrets
//! written as `password=…`, `token=…` and the like are masked in every text
//! that leaves the client's report model. The model keeps each text as it
//! was written, with the audience's [`Redactor`]; every output file of the
//! client portal (pages, `data/*.json`, the feed, the search index) is made
//! by serializing the model through [`Masked`], which masks every string at
//! any depth, git authors, log lines and names of backup files included. No
//! field is masked by hand, so none can be forgotten.
//!
//! The `[redact]` table of `opsbook.toml` changes the rules:
//!
//! ```toml
//! [redact]
//! disable = ["landline"]             # built-in rules to leave out, by name
//! secret_keys = ["db_pass"]          # more keys whose values are secrets
//!
//! [[redact.patterns]]                # more rules
//! name = "工号"
//! regex = "GH\\d{6}"
//! keep_start = 2                     # characters left visible at each end
//! keep_end = 0
//! ```
//!
//! A rule whose regex has a group named `value` masks only that group (the
//! built-in `secret` rule keeps `password=` and masks what follows).

mod masked;

use std::borrow::Cow;

use regex::{Regex, RegexSet};

use crate::diag::Diagnostic;
use crate::load::settings::FILE_NAME;
pub use crate::load::settings::redact::{PatternSettings, RedactSettings};
pub use masked::Masked;

/// Keys whose values are secrets (`password=…`, `token: …`).
const SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passcode",
    "token",
    "access_token",
    "secret",
    "client_secret",
    "apikey",
    "api_key",
    "api-key",
    "access_key",
    "secret_key",
    "private_key",
];

/// Built-in rules: (name, regex, keep_start, keep_end). `(?-u:\b)` is an ASCII
/// word boundary, so a number right after a Chinese character still counts as
/// a whole number, while one inside a longer run of digits does not.
const BUILT_IN: &[(&str, &str, usize, usize)] = &[
    // Mobile numbers, optionally with +86 and separators: shown as 139****5678,
    // the way Chinese services print them.
    (
        "phone",
        r"(?-u:\b)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?-u:\b)",
        3,
        4,
    ),
    // Landlines with an area code: 029-88331265 → 029-********.
    ("landline", r"(?-u:\b)0\d{2,3}-?\d{7,8}(?-u:\b)", 4, 0),
    // Resident ID cards: region, birth date, sequence and check digit (or X).
    (
        "id_card",
        r"(?-u:\b)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?-u:\b)",
        0,
        0,
    ),
    (
        "email",
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
        1,
        0,
    ),
    // IPv4 addresses (the hardware register's, those in log messages): the
    // client's portal does not publish the platform's network plan.
    (
        "ip",
        r"(?-u:\b)(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?-u:\b)",
        0,
        0,
    ),
];

/// The name of the built-in rule for `key=value` secrets.
const SECRET_RULE: &str = "secret";

/// A compiled set of masking rules.
#[derive(Debug, Clone)]
pub struct Redactor {
    /// Finds in one pass which rules match a text at all; most texts match none.
    set: RegexSet,
    rules: Vec<Rule>,
    /// Digest of the rules: what masks differently digests differently.
    digest: blake3::Hash,
}

#[derive(Debug, Clone)]
struct Rule {
    regex: Regex,
    keep_start: usize,
    keep_end: usize,
    /// Whether the regex has a `value` group, the only part to mask.
    value_group: bool,
}

impl Redactor {
    /// A redactor that masks nothing (the internal portal).
    pub fn none() -> Redactor {
        Redactor {
            set: RegexSet::empty(),
            rules: Vec::new(),
            digest: blake3::hash(b""),
        }
    }

    /// The built-in rules, changed by the project's `[redact]` table. Every
    /// problem (an unknown rule name, a regex that does not compile) comes back
    /// as a diagnostic on `opsbook.toml`.
    pub fn new(settings: &RedactSettings) -> Result<Redactor, Vec<Diagnostic>> {
        let mut problems = Vec::new();
        let known: Vec<&str> = BUILT_IN
            .iter()
            .map(|(name, ..)| *name)
            .chain([SECRET_RULE])
            .collect();
        for name in &settings.disable {
            if !known.contains(&name.as_str()) {
                problems.push(
                    Diagnostic::error(
                        FILE_NAME,
                        format!("[redact] disable: there is no built-in rule `{name}`"),
                    )
                    .with_hint(format!("the built-in rules are: {}", known.join(", "))),
                );
            }
        }
        let enabled = |name: &str| !settings.disable.iter().any(|d| d == name);

        let mut sources: Vec<(String, String, usize, usize)> = BUILT_IN
            .iter()
            .filter(|(name, ..)| enabled(name))
            .map(|(name, re, s, e)| (name.to_string(), re.to_string(), *s, *e))
            .collect();
        if enabled(SECRET_RULE) {
            sources.push((SECRET_RULE.into(), secret_regex(&settings.secret_keys), 0, 0));
        }
        for p in &settings.patterns {
            sources.push((p.name.clone(), p.regex.clone(), p.keep_start, p.keep_end));
        }

        let mut rules = Vec::with_capacity(sources.len());
        for (i, (name, source, keep_start, keep_end)) in sources.iter().enumerate() {
            match Regex::new(source) {
                Ok(regex) => rules.push(Rule {
                    value_group: regex.capture_names().any(|n| n == Some("value")),
                    regex,
                    keep_start: *keep_start,
                    keep_end: *keep_end,
                }),
                Err(e) => problems.push(
                    Diagnostic::error(
                        FILE_NAME,
                        format!(
                            "[[redact.patterns]] `{name}` (rule {}) has an invalid regex: {e}",
                            i + 1
                        ),
                    )
                    .with_hint(
                        "write a Rust `regex` pattern; in TOML, double each backslash or use '…' quotes",
                    ),
                ),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let set = RegexSet::new(rules.iter().map(|r| r.regex.as_str())).map_err(|e| {
            vec![Diagnostic::error(
                FILE_NAME,
                format!("[redact]: the rules together are too large: {e}"),
            )]
        })?;
        let mut digest = blake3::Hasher::new();
        for r in &rules {
            digest.update(r.regex.as_str().as_bytes());
            digest.update(&[0]);
            digest.update(&(r.keep_start as u64).to_le_bytes());
            digest.update(&(r.keep_end as u64).to_le_bytes());
        }
        Ok(Redactor {
            set,
            rules,
            digest: digest.finalize(),
        })
    }

    /// Digest of the rules: a page whose fingerprint does not come from its
    /// masked content ([`crate::render::plan::Plan::page_keyed`]) takes it.
    pub fn digest(&self) -> blake3::Hash {
        self.digest
    }

    /// Whether this redactor masks nothing (the team's own portal).
    pub fn is_none(&self) -> bool {
        self.rules.is_empty()
    }

    /// `value`, serialized with every string in it masked.
    pub fn masked<'a, T: serde::Serialize + ?Sized>(&'a self, value: &'a T) -> Masked<'a, T> {
        Masked::new(value, self)
    }

    /// `text` with every match of every rule masked.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.rules.is_empty() {
            return Cow::Borrowed(text);
        }
        // Every string of the client's portal passes here. `is_match`
        // stops at the first match and needs no overlapping search: on the
        // texts that match nothing, nearly all, it costs a fraction of
        // `matches`, which then runs only on the few that do.
        if !self.set.is_match(text) {
            return Cow::Borrowed(text);
        }
        let hits = self.set.matches(text);
        // Byte ranges to mask, from every rule that matched, then merged.
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for i in hits.iter() {
            let rule = &self.rules[i];
            if rule.value_group {
                for caps in rule.regex.captures_iter(text) {
                    if let Some(m) = caps.name("value") {
                        ranges.push((m.start(), m.end()));
                    }
                }
            } else {
                for m in rule.regex.find_iter(text) {
                    ranges.push(keep_ends(
                        text,
                        m.start(),
                        m.end(),
                        rule.keep_start,
                        rule.keep_end,
                    ));
                }
            }
        }
        ranges.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut done = 0;
        for (start, end) in ranges {
            let start = start.max(done);
            if start >= end {
                continue;
            }
            out.push_str(&text[done..start]);
            out.extend(text[start..end].chars().map(|_| '*'));
            done = end;
        }
        out.push_str(&text[done..]);
        Cow::Owned(out)
    }
}

/// The byte range of `start..end` left after keeping `keep_start` and
/// `keep_end` characters visible; nothing is kept when that would leave
/// nothing masked.
fn keep_ends(text: &str, start: usize, end: usize, keep_start: usize, keep_end: usize) -> (usize, usize) {
    let matched = &text[start..end];
    let chars = matched.chars().count();
    if keep_start + keep_end >= chars {
        return (start, end);
    }
    let from = matched
        .char_indices()
        .nth(keep_start)
        .map_or(end, |(i, _)| start + i);
    let to = matched
        .char_indices()
        .nth(chars - keep_end)
        .map_or(end, |(i, _)| start + i);
    (from, to)
}

/// `key=value`, `key: value`, `"key": "value"` and `密码：value` for the secret
/// keys; only the value (printable ASCII up to a space or delimiter) is masked,
/// so `密码须 8 位以上` and other prose are left alone.
fn secret_regex(extra: &[String]) -> String {
    let keys: Vec<String> = SECRET_KEYS
        .iter()
        .map(|k| regex::escape(k))
        .chain(extra.iter().map(|k| regex::escape(k)))
        .collect();
    format!(
        r#"(?i)(?:(?-u:\b)(?:{})|密码|口令)["']?\s*[=:＝：]\s*["']?(?P<value>[!-~&&[^,;"'`<>()\[\]{{}}]]+)"#,
        keys.join("|")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> Redactor {
        Redactor::new(&RedactSettings::default()).unwrap()
    }

    #[test]
    fn personal_data_is_masked() {
        let r = default();
        assert_eq!(r.mask("联系电话13912345678。"), "联系电话139****5678。");
        assert_eq!(r.mask("手机 +86 139-1234-5678"), "手机 +86 *********5678");
        assert_eq!(r.mask("办公室 029-88331265"), "办公室 029-********");
        assert_eq!(
            r.mask("身份证号 610113199005123416 与"),
            "身份证号 ****************** 与"
        );
        assert_eq!(r.mask("61011319900512341X"), "******************");
        assert_eq!(r.mask("邮箱 hr_gxq@126.com，"), "邮箱 h*************，");
    }

    #[test]
    fn secrets_keep_their_key() {
        let r = default();
        assert_eq!(
            r.mask("原文为 `数据库账号 password=Oa@2025secret`"),
            "原文为 `数据库账号 password=*************`"
        );
        assert_eq!(r.mask("TOKEN: abc.def"), "TOKEN: *******");
        assert_eq!(r.mask(r#"{"apikey": "k-123"}"#), r#"{"apikey": "*****"}"#);
        assert_eq!(r.mask("数据库密码：Abc#123"), "数据库密码：*******");
        // Prose about passwords is not a secret.
        assert_eq!(r.mask("密码须 8 位以上"), "密码须 8 位以上");
        assert_eq!(r.mask("密码：首次登录强制修改"), "密码：首次登录强制修改");
    }

    #[test]
    fn ip_addresses_are_masked() {
        let r = default();
        assert_eq!(r.mask("调用 10.2.0.15:8443 超时"), "调用 *********:8443 超时");
        assert_eq!(r.mask("IP：192.168.10.21"), "IP：*************");
        // Versions and dates of three parts are not addresses.
        assert_eq!(r.mask("升级至 3.7.1"), "升级至 3.7.1");
    }

    #[test]
    fn ordinary_numbers_and_ids_are_left_alone() {
        let r = default();
        for text in [
            "INC-250311-01",
            "250618-01",
            "2025-06-18T08:50:00+08:00",
            "收文 15075 件，共 139123456789 字节",
            "版本 3.7.1，端口 8080",
            "10:05",
        ] {
            assert_eq!(r.mask(text), text);
        }
    }

    #[test]
    fn masking_is_idempotent_and_none_masks_nothing() {
        let r = default();
        let once = r.mask("13912345678 a@b.cn password=x").into_owned();
        assert_eq!(r.mask(&once), once);
        assert_eq!(Redactor::none().mask("13912345678"), "13912345678");
    }

    #[test]
    fn settings_disable_extend_and_add_rules() {
        let settings: RedactSettings = toml::from_str(
            r#"
disable = ["landline"]
secret_keys = ["db_pass"]
[[patterns]]
name = "工号"
regex = "GH\\d{6}"
keep_start = 2
"#,
        )
        .unwrap();
        let r = Redactor::new(&settings).unwrap();
        assert_eq!(r.mask("029-88331265"), "029-88331265");
        assert_eq!(r.mask("db_pass=hunter2"), "db_pass=*******");
        assert_eq!(r.mask("工号GH123456"), "工号GH******");
    }

    #[test]
    fn bad_settings_are_all_reported() {
        let settings: RedactSettings = toml::from_str(
            r#"
disable = ["phones"]
[[patterns]]
name = "bad"
regex = "(unclosed"
"#,
        )
        .unwrap();
        let errs = Redactor::new(&settings).unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs[0].message.contains("phones"));
        assert!(errs[1].message.contains("bad"));
    }
}
