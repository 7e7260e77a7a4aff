//! Folding error messages, so that alike ones group: `timeout after 3012 ms
//! calling 10.2.0.15:8443` and `timeout after 87 ms calling 10.2.0.16:8443`
//! are one message, `timeout after <n> ms calling <ip>`, logged twice.
//!
//! What varies between occurrences of one message is replaced by a
//! placeholder: UUIDs (`<uuid>`), IPv4 and IPv6 addresses with an optional
//! port (`<ip>`), `0x…` numbers and long hex strings such as digests and
//! trace ids (`<hex>`), and every other run of digits, decimals included
//! (`<n>`), so ids like `DOC-20251201-0042` become `DOC-<n>-<n>`. Runs of
//! whitespace become one space. Text that is not ASCII (Chinese messages)
//! passes through unchanged.

/// Folded messages are cut at this many bytes (and end with `…`): the
/// group is known long before, and a runaway message must not make a
/// runaway key.
pub const MAX_FOLDED: usize = 240;

/// Writes the folded form of `msg` into `out` (cleared first).
pub fn fold(msg: &str, out: &mut String) {
    out.clear();
    let b = msg.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if out.len() >= MAX_FOLDED {
            out.push('…');
            break;
        }
        let c = b[i];
        if c.is_ascii_alphanumeric() {
            i += token(b, i, out);
        } else if c.is_ascii_whitespace() {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if !out.is_empty() && i < b.len() {
                out.push(' ');
            }
        } else {
            let len = utf8_len(c);
            out.push_str(&msg[i..i + len]);
            i += len;
        }
    }
}

/// Folds the token that starts at `b[i]` (an ASCII letter or digit, with no
/// letter or digit before it); returns how many bytes it took.
fn token(b: &[u8], i: usize, out: &mut String) -> usize {
    if let Some(n) = uuid(&b[i..]) {
        out.push_str("<uuid>");
        return n;
    }
    if let Some(n) = ipv4(&b[i..]).or_else(|| ipv6(&b[i..])) {
        out.push_str("<ip>");
        return n;
    }
    let word = b[i..].iter().take_while(|c| c.is_ascii_alphanumeric()).count();
    let tok = &b[i..i + word];
    if tok.len() > 2
        && tok[0] == b'0'
        && matches!(tok[1], b'x' | b'X')
        && tok[2..].iter().all(u8::is_ascii_hexdigit)
    {
        out.push_str("<hex>");
        return word;
    }
    if tok.len() >= 8
        && tok.iter().all(u8::is_ascii_hexdigit)
        && tok.iter().any(u8::is_ascii_digit)
        && !tok.iter().all(u8::is_ascii_digit)
    {
        out.push_str("<hex>");
        return word;
    }
    // Digits become `<n>`; letters stay. A decimal point joins two runs of
    // digits into one number.
    let mut j = 0;
    while j < word {
        if tok[j].is_ascii_digit() {
            while j < word && tok[j].is_ascii_digit() {
                j += 1;
            }
            out.push_str("<n>");
            if j == word {
                let rest = &b[i + j..];
                if rest.len() > 1 && rest[0] == b'.' && rest[1].is_ascii_digit() {
                    return word + 1 + rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                }
            }
        } else {
            out.push(tok[j] as char);
            j += 1;
        }
    }
    word
}

/// Whether a token may end before `b[at]`.
fn boundary(b: &[u8], at: usize) -> bool {
    !b.get(at).is_some_and(u8::is_ascii_alphanumeric)
}

/// `8-4-4-4-12` hex digits.
fn uuid(b: &[u8]) -> Option<usize> {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let mut at = 0;
    for (k, len) in GROUPS.into_iter().enumerate() {
        if k > 0 {
            (b.get(at) == Some(&b'-')).then_some(())?;
            at += 1;
        }
        b.get(at..at + len)?
            .iter()
            .all(u8::is_ascii_hexdigit)
            .then_some(())?;
        at += len;
    }
    boundary(b, at).then_some(at)
}

/// Four decimal octets, with an optional `:port`.
fn ipv4(b: &[u8]) -> Option<usize> {
    let mut at = 0;
    for k in 0..4 {
        if k > 0 {
            (b.get(at) == Some(&b'.')).then_some(())?;
            at += 1;
        }
        let digits = b[at..].iter().take(4).take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 3 {
            return None;
        }
        let octet: u32 = std::str::from_utf8(&b[at..at + digits]).ok()?.parse().ok()?;
        (octet <= 255).then_some(())?;
        at += digits;
    }
    if b.get(at) == Some(&b'.') && b.get(at + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some(port(b, at))
}

/// Hex digits and colons with `::` or seven colons, and at least one digit:
/// `fe80::1`, `2001:db8:0:0:0:0:0:1`; not `12:30:45` nor `Cache::add`.
fn ipv6(b: &[u8]) -> Option<usize> {
    let len = b
        .iter()
        .take_while(|&&c| c.is_ascii_hexdigit() || c == b':')
        .count();
    let text = &b[..len];
    let colons = text.iter().filter(|&&c| c == b':').count();
    let double = text.windows(2).any(|w| w == b"::");
    let shaped = (double && colons >= 2) || colons == 7;
    (shaped && text.iter().any(u8::is_ascii_digit) && boundary(b, len)).then_some(len)
}

/// `at`, or past a `:port` that follows it.
fn port(b: &[u8], at: usize) -> usize {
    if b.get(at) == Some(&b':') {
        let digits = b[at + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 && boundary(b, at + 1 + digits) {
            return at + 1 + digits;
        }
    }
    at
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn folded(msg: &str) -> String {
        let mut out = String::new();
        fold(msg, &mut out);
        out
    }

    #[test]
    fn folds_what_varies() {
        for (msg, want) in [
            (
                "timeout after 3012 ms calling 10.2.0.15:8443",
                "timeout after <n> ms calling <ip>",
            ),
            ("took 3.75s", "took <n>s"),
            (
                "document DOC-20251201-0042 rejected",
                "document DOC-<n>-<n> rejected",
            ),
            (
                "request 3f2b8c1e-9a4d-4c2b-8e1f-0a9b8c7d6e5f failed",
                "request <uuid> failed",
            ),
            ("segfault at 0x7ffd3a2c", "segfault at <hex>"),
            ("digest a3f9e1c2d4b5 mismatch", "digest <hex> mismatch"),
            ("peer fe80::1 and 2001:db8:0:0:0:0:0:1", "peer <ip> and <ip>"),
            ("at 12:30:45 in Cache::add", "at <n>:<n>:<n> in Cache::add"),
            ("deadbeef stays", "deadbeef stays"),
            (
                "公文交换失败：文号 2025-118，重试 3 次",
                "公文交换失败：文号 <n>-<n>，重试 <n> 次",
            ),
            ("  spaced \t out\n", "spaced out"),
            ("version 1.2.3 on host app-01", "version <n>.<n> on host app-<n>"),
            ("ip 999.1.1.1 is no address", "ip <n>.<n> is no address"),
        ] {
            assert_eq!(folded(msg), want, "{msg}");
        }
    }

    #[test]
    fn alike_messages_fold_alike() {
        assert_eq!(
            folded("user 1001 login from 192.168.1.20 failed (attempt 3)"),
            folded("user 77 login from 10.0.0.1 failed (attempt 12)"),
        );
    }

    #[test]
    fn long_messages_are_cut() {
        let out = folded(&"数据".repeat(10_000));
        assert!(out.len() <= MAX_FOLDED + 8, "{}", out.len());
        assert!(out.ends_with('…'));
    }

    proptest! {
        #[test]
        fn never_panics_and_stays_bounded(msg in any::<String>()) {
            let out = folded(&msg);
            prop_assert!(out.len() <= MAX_FOLDED + 8);
        }

        #[test]
        fn numbers_never_survive(a in 0u64..1_000_000, b in 0u64..1_000_000) {
            prop_assert_eq!(folded(&format!("x {a} y {b}.5")), "x <n> y <n>");
        }
    }
}
