//! Small grammar for printed sentences: counted nouns and the indefinite article.

/// `n` with `one` or `many` ("1 file", "2 files", "0 entries").
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `a` or `an` before `phrase` (a credential's title: "an AWS access key", "a GitHub token",
/// "an npm token"), by how its first word is said: an acronym by its first letter's name,
/// a word by its first sound.
pub fn article(phrase: &str) -> &'static str {
    let word: String = phrase.chars().take_while(|c| c.is_alphanumeric()).collect();
    let lower = word.to_lowercase();
    let Some(first) = lower.chars().next() else { return "a" };
    // Words that start with a vowel letter and a consonant sound, or the reverse.
    const A: &[&str] = &["one", "uni", "use", "usa", "ubi", "eu", "uk"];
    const AN: &[&str] = &["npm", "ngrok", "hour", "honest", "mtls", "nvd", "ns1", "rsa", "sql", "smtp", "ssh", "mqtt"];
    if AN.iter().any(|p| lower.starts_with(p)) {
        return "an";
    }
    if A.iter().any(|p| lower.starts_with(p)) {
        return "a";
    }
    if first.is_ascii_digit() {
        // "an 8", "an 11", "an 18…"; every other number starts with a consonant sound.
        let eleven = word.starts_with("11") && !word.starts_with("111") || word.starts_with("18");
        return if first == '8' || eleven { "an" } else { "a" };
    }
    let second = word.chars().nth(1);
    let acronym = word.chars().count() == 1
        || (word.chars().count() <= 4 && word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
        || second.is_some_and(|c| c.is_ascii_uppercase()) && word.starts_with(|c: char| c.is_ascii_lowercase());
    if acronym {
        // Letters whose names start with a vowel sound: A, E, F, H, I, L, M, N, O, R, S, X.
        return if "aefhilmnorsx".contains(first) { "an" } else { "a" };
    }
    if "aeio".contains(first) || (first == 'u' && !lower.starts_with("uni")) { "an" } else { "a" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_one_and_many() {
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(0, "file", "files"), "0 files");
        assert_eq!(count(2, "entry", "entries"), "2 entries");
    }

    #[test]
    fn articles_follow_the_sound_of_the_title() {
        let cases = [
            ("AWS access key", "an"),
            ("GitHub personal access token", "a"),
            ("npm access token", "an"),
            ("OpenAI API key", "an"),
            ("EC private key", "an"),
            ("HTTP basic credential", "an"),
            ("SSH private key", "an"),
            ("Upstash Redis token", "an"),
            ("Ubidots token", "a"),
            ("1Password service account token", "a"),
            ("X API token", "an"),
            ("xAI API key", "an"),
            ("Google API key", "a"),
            ("eBird API key", "an"),
            ("OneSignal key", "a"),
            ("USAJOBS key", "a"),
            ("Private key", "a"),
            ("", "a"),
        ];
        for (title, want) in cases {
            assert_eq!(article(title), want, "{title}");
        }
    }
}
