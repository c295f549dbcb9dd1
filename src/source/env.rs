//! The process environment as a source: each variable becomes the text `NAME=value`, built
//! in memory, so assignment rules (`RAILWAY_TOKEN=…`) see it as they would in a `.env`
//! file. Locations are `$NAME` with no line (reach `env`). Values never leave this module
//! except as bytes to scan: reports show names only.

use std::ffi::OsString;

/// One environment variable, as text to scan.
#[derive(Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    /// `NAME=value`: the bytes to scan.
    pub text: Vec<u8>,
}

impl std::fmt::Debug for EnvVar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the value.
        write!(f, "EnvVar({})", self.name)
    }
}

impl EnvVar {
    /// The display path of its location: `$NAME`.
    pub fn display(&self) -> String {
        format!("${}", self.name)
    }
}

/// Turns `(name, value)` pairs into scannable variables, sorted by name. Empty values and
/// names that are not text are skipped.
pub fn variables(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Vec<EnvVar> {
    let mut out: Vec<EnvVar> = vars
        .into_iter()
        .filter_map(|(name, value)| {
            let name = name.into_string().ok()?;
            let value = value.into_encoded_bytes();
            if name.is_empty() || value.is_empty() {
                return None;
            }
            let mut text = Vec::with_capacity(name.len() + 1 + value.len());
            text.extend_from_slice(name.as_bytes());
            text.push(b'=');
            text.extend_from_slice(&value);
            Some(EnvVar { name, text })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The current process's environment.
pub fn current() -> Vec<EnvVar> {
    variables(std::env::vars_os())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_name_equals_value_text_and_never_debugs_the_value() {
        let vars = variables([
            (OsString::from("ZED"), OsString::from("1")),
            (OsString::from("A_TOKEN"), OsString::from("hunter2")),
            (OsString::from("EMPTY"), OsString::new()),
        ]);
        let names: Vec<&str> = vars.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["A_TOKEN", "ZED"]);
        assert_eq!(vars[0].text, b"A_TOKEN=hunter2");
        assert_eq!(vars[0].display(), "$A_TOKEN");
        assert_eq!(format!("{:?}", vars[0]), "EnvVar(A_TOKEN)");
    }
}
