//! Precision filters applied to a candidate secret after its rule's pattern matched:
//! entropy, placeholders and templating, and repetitive or sequential text.
//!
//! Every filter here answers "is this obviously not a real credential?". None of them runs
//! on a secret whose checksum validated: a distinctive, checksum-valid token is never hidden.

/// Shannon entropy of `bytes`, in bits per byte.
pub fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    bytes.iter().for_each(|&b| counts[b as usize] += 1);
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Substrings (lowercase) that mark a value as a placeholder, sample or template.
const PLACEHOLDER_MARKS: &[&str] = &[
    "xxxx",
    "****",
    "....",
    "${",
    "{{",
    "}}",
    "$(",
    "%(",
    "<%",
    "changeme",
    "change_me",
    "change-me",
    "replaceme",
    "replace_me",
    "replace-me",
    "your_",
    "your-",
    "yourapi",
    "yourtoken",
    "yourkey",
    "yoursecret",
    "yourpass",
    "placeholder",
    "redacted",
    "dummy",
    "example",
    "sample",
    "insert_",
    "insert-",
    "enter_your",
    "put_your",
    "notreal",
    "not_real",
    "not-a-real",
    "fake",
    "<token>",
    "<secret>",
    "<password>",
    "todo_",
    "secret_here",
    "token_here",
    "key_here",
    "password_here",
    "here>",
    "lorem",
    "ipsum",
];

/// Whether `secret` is a placeholder, a template expression or a variable reference.
pub fn is_placeholder(secret: &[u8]) -> bool {
    let lower: Vec<u8> = secret.iter().map(u8::to_ascii_lowercase).collect();
    if PLACEHOLDER_MARKS.iter().any(|m| memchr::memmem::find(&lower, m.as_bytes()).is_some()) {
        return true;
    }
    let first = secret.first().copied().unwrap_or(b' ');
    let last = secret.last().copied().unwrap_or(b' ');
    // `<your token>`, `[token]`, `$TOKEN`, `%TOKEN%`, `@token@` style stand-ins.
    matches!((first, last), (b'<', b'>') | (b'[', b']') | (b'%', b'%') | (b'@', b'@')) || first == b'$'
}

/// Whether `secret` is dominated by one character or is a run of sequential characters.
pub fn is_repetitive(secret: &[u8]) -> bool {
    if secret.len() < 8 {
        return false;
    }
    let mut counts = [0usize; 256];
    secret.iter().for_each(|&b| counts[b as usize] += 1);
    let most = counts.iter().copied().max().unwrap_or(0);
    if most * 2 > secret.len() {
        return true;
    }
    longest_sequential_run(secret) >= 8
}

/// Longest run of characters each one above (or below) the previous (`abcdefgh`, `87654321`).
fn longest_sequential_run(bytes: &[u8]) -> usize {
    let mut best = 1;
    let (mut up, mut down) = (1, 1);
    for w in bytes.windows(2) {
        up = if w[1] == w[0].wrapping_add(1) { up + 1 } else { 1 };
        down = if w[1].wrapping_add(1) == w[0] { down + 1 } else { 1 };
        best = best.max(up).max(down);
    }
    best
}

/// Distinct character classes (lower, upper, digit, other) present in `bytes`.
pub fn char_classes(bytes: &[u8]) -> usize {
    let mut seen = [false; 4];
    for &b in bytes {
        let class = match b {
            b'a'..=b'z' => 0,
            b'A'..=b'Z' => 1,
            b'0'..=b'9' => 2,
            _ => 3,
        };
        seen[class] = true;
    }
    seen.iter().filter(|&&s| s).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_uniform_and_constant_text() {
        assert_eq!(entropy(b"aaaaaaaa"), 0.0);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!(entropy(b"k3J9xQ2mZp8LwR4tY7vB1nC6") > 4.0);
    }

    #[test]
    fn placeholders_and_templates_are_recognised() {
        for p in [
            "<your-token>",
            "xxxxxxxxxxxxxxxx",
            "${GITHUB_TOKEN}",
            "{{ .Values.apiKey }}",
            "changeme",
            "your_api_key",
            "****************",
            "$API_KEY",
            "%API_KEY%",
            "sk_live_EXAMPLEKEY12345",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        for real in ["k3J9xQ2mZp8LwR4tY7vB1nC6", "Tr0ub4dor&3horse"] {
            assert!(!is_placeholder(real.as_bytes()), "{real}");
        }
    }

    #[test]
    fn repetitive_values_are_recognised() {
        assert!(is_repetitive(b"aaaaaaaaaaaab"));
        assert!(is_repetitive(b"xyzabcdefghijk"));
        assert!(is_repetitive(b"0123456789"));
        assert!(!is_repetitive(b"k3J9xQ2mZp8LwR4tY7vB1nC6"));
    }

    #[test]
    fn classes_are_counted() {
        assert_eq!(char_classes(b"abc"), 1);
        assert_eq!(char_classes(b"aB3_"), 4);
    }
}
