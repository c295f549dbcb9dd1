//! A catalog kind's token format: the alphabet's regex class and template directive, the
//! body regex for its length, and the entropy a random token of it must reach.

use super::Length;

/// A token alphabet: its regex class, its template directive, its size.
pub(super) struct Alphabet {
    pub class: &'static str,
    /// Characters that may not follow the token (so `\b` is not needed).
    pub not_after: &'static str,
    pub template: &'static str,
    pub size: usize,
    /// A character of the alphabet, for the low-entropy negative example.
    pub filler: char,
}

fn alphabet(name: &str) -> Result<Alphabet, String> {
    let a = |class, not_after, template, size, filler| Alphabet { class, not_after, template, size, filler };
    Ok(match name {
        "hex" => a("[0-9a-f]", "[^0-9A-Za-z]", "hex", 16, 'a'),
        "HEX" => a("[0-9A-F]", "[^0-9A-Za-z]", "HEX", 16, 'A'),
        "hex-any" => a("[0-9a-fA-F]", "[^0-9A-Za-z]", "hex", 16, 'a'),
        "alnum" => a("[A-Za-z0-9]", "[^0-9A-Za-z]", "alnum", 62, 'a'),
        "lower-alnum" => a("[a-z0-9]", "[^0-9A-Za-z]", "lalnum", 36, 'a'),
        "upper-alnum" => a("[A-Z0-9]", "[^0-9A-Za-z]", "ualnum", 36, 'A'),
        "lower" => a("[a-z]", "[^0-9A-Za-z]", "lower", 26, 'a'),
        "upper" => a("[A-Z]", "[^0-9A-Za-z]", "upper", 26, 'A'),
        "b64" => a("[A-Za-z0-9+/]", "[^0-9A-Za-z+/]", "b64", 64, 'a'),
        "b64url" => a("[A-Za-z0-9_-]", "[^0-9A-Za-z_-]", "b64url", 64, 'a'),
        "digits" => a("[0-9]", "[^0-9A-Za-z]", "digit", 10, '1'),
        "base32" => a("[A-Z2-7]", "[^0-9A-Za-z]", "base32", 32, 'A'),
        "uuid" => a("[0-9a-fA-F-]", "[^0-9A-Za-z-]", "uuid", 16, 'a'),
        "hex-dash" => a("[0-9a-f-]", "[^0-9A-Za-z-]", "hex", 16, 'a'),
        "alnum-dash" => a("[A-Za-z0-9-]", "[^0-9A-Za-z-]", "alnum", 62, 'a'),
        "lower-alnum-dash" => a("[a-z0-9-]", "[^0-9A-Za-z-]", "lalnum", 36, 'a'),
        "upper-alnum-dash" => a("[A-Z0-9-]", "[^0-9A-Za-z-]", "ualnum", 36, 'A'),
        "alnum-dot" => a("[A-Za-z0-9.]", "[^0-9A-Za-z.]", "alnum", 62, 'a'),
        "b64url-dot" => a("[A-Za-z0-9_.-]", "[^0-9A-Za-z_.-]", "b64url", 64, 'a'),
        other => return Err(format!("unknown alphabet {other:?}")),
    })
}

/// The regex for the token body, its template, and the lengths an example uses.
pub(super) struct Body {
    pub regex: String,
    /// Template for a body of length n (ignored for uuid).
    pub template: Box<dyn Fn(usize) -> String>,
    pub min: usize,
    pub max: usize,
}

pub(super) fn token_body(alphabet_name: &str, length: Option<Length>) -> Result<(Alphabet, Body), String> {
    let a = alphabet(alphabet_name)?;
    if alphabet_name == "uuid" {
        let body = Body {
            regex: "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}".into(),
            template: Box::new(|_| "{{uuid}}".into()),
            min: 36,
            max: 36,
        };
        return Ok((a, body));
    }
    let (min, max) = length.ok_or_else(|| format!("alphabet {alphabet_name} needs a length"))?.bounds();
    if min < 8 || max < min || max > 512 {
        return Err(format!("length {min}..{max} must be within 8..512, min first"));
    }
    let regex = if min == max { format!("{}{{{min}}}", a.class) } else { format!("{}{{{min},{max}}}", a.class) };
    let template = a.template;
    let body = Body { regex, template: Box::new(move |n| format!("{{{{{template}:{n}}}}}")), min, max };
    Ok((a, body))
}

/// Minimum Shannon entropy for a random token of `len` characters from `size` symbols:
/// three quarters of what such a token can carry (less for short tokens, where chance
/// repeats weigh more), at most 3.5 bits a character.
pub(super) fn min_entropy(size: usize, len: usize) -> f64 {
    let carried = (size.min(len) as f64).log2();
    let share = match len {
        24.. => 0.75,
        12..24 => 0.66,
        _ => 0.55,
    };
    ((carried * share * 10.0).floor() / 10.0).min(3.5)
}
