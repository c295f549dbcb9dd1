//! Search programs' options (`grep`, `rg`, `ag`, `git grep`, Claude Code's `Grep`): the
//! patterns, the paths, whether it recurses, and what it prints — matching lines, lines
//! around them, or only names and counts.

use super::lexer::Word;

/// A search's options, as `grep` and `rg` spell them.
#[derive(Debug, Default)]
pub struct SearchFlags<'w> {
    pub patterns: Vec<String>,
    pub paths: Vec<&'w Word>,
    pub recursive: bool,
    pub ignore_case: bool,
    pub fixed: bool,
    pub invert: bool,
    /// Context lines (`-A`, `-B`, `-C`): lines around matches are shown too.
    pub context: bool,
    /// Patterns come from a file (`-f`).
    pub pattern_file: bool,
    /// Only names or counts are printed (`-l`, `-L`, `-c`, `-q`).
    pub names_only: bool,
    pub hidden: bool,
    pub no_ignore: bool,
}

/// Reads a search's options and operands: the first operand is the pattern unless `-e`
/// gave one.
pub fn search_flags<'w>(program: &str, args: &[&'w Word]) -> SearchFlags<'w> {
    let mut f = SearchFlags::default();
    let mut operands: Vec<&'w Word> = Vec::new();
    let mut i = 0;
    let mut options_done = false;
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        i += 1;
        if options_done || !t.starts_with('-') || t == "-" {
            operands.push(w);
            continue;
        }
        match t {
            "--" => options_done = true,
            "-e" | "--regexp" => {
                if let Some(p) = args.get(i) {
                    f.patterns.push(p.text.clone());
                }
                i += 1;
            }
            "-f" | "--file" => {
                f.pattern_file = true;
                i += 1;
            }
            "-A" | "-B" | "-C" | "--context" | "--after-context" | "--before-context" => {
                f.context = true;
                i += 1;
            }
            "-g" | "--glob" | "-t" | "--type" | "-T" | "--type-not" | "-m" | "--max-count" | "--include"
            | "--exclude" | "--exclude-dir" | "-d" | "--directories" | "-M" | "--max-columns" | "-j" | "--threads" => {
                if matches!(t, "-d" | "--directories") && args.get(i).is_some_and(|a| a.text == "recurse") {
                    f.recursive = true;
                }
                i += 1;
            }
            "--recursive" | "--dereference-recursive" => f.recursive = true,
            "--ignore-case" => f.ignore_case = true,
            "--fixed-strings" => f.fixed = true,
            "--invert-match" => f.invert = true,
            "--files-with-matches" | "--files-without-match" | "--count" | "--quiet" | "--silent" | "--files" => {
                f.names_only = true
            }
            "--hidden" => f.hidden = true,
            "--no-ignore" | "--unrestricted" => f.no_ignore = true,
            _ if t.starts_with("--") => {
                if t.starts_with("--context=")
                    || t.starts_with("--after-context=")
                    || t.starts_with("--before-context=")
                {
                    f.context = true;
                }
                if t == "--directories=recurse" {
                    f.recursive = true;
                }
            }
            _ => {
                let letters: Vec<char> = t[1..].chars().collect();
                if letters.iter().all(|c| c.is_ascii_digit()) {
                    f.context = true;
                    continue;
                }
                let unrestricted = letters.iter().filter(|c| **c == 'u').count();
                if program == "rg" && unrestricted > 0 {
                    f.no_ignore = true;
                    f.hidden |= unrestricted > 1;
                }
                for c in &letters {
                    match c {
                        'r' | 'R' => f.recursive = true,
                        'i' => f.ignore_case = true,
                        'F' => f.fixed = true,
                        'v' => f.invert = true,
                        'l' | 'L' | 'c' | 'q' => f.names_only = true,
                        'A' | 'B' | 'C' => f.context = true,
                        _ => {}
                    }
                }
            }
        }
    }
    if f.patterns.is_empty() && !f.pattern_file && !operands.is_empty() {
        f.patterns.push(operands.remove(0).text.clone());
    }
    f.paths = operands;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(texts: &[&str]) -> Vec<Word> {
        texts.iter().map(|t| Word { text: t.to_string(), glob: false, dynamic: false }).collect()
    }

    #[test]
    fn searches_read_their_flags_like_grep_and_rg() {
        let w = words(&["-rni", "-e", "TOKEN", "src", "lib"]);
        let refs: Vec<&Word> = w.iter().collect();
        let f = search_flags("grep", &refs);
        assert!(f.recursive && f.ignore_case && !f.names_only);
        assert_eq!((f.patterns.clone(), f.paths.len()), (vec!["TOKEN".to_string()], 2));
        let w = words(&["-uu", "-C", "2", "KEY"]);
        let refs: Vec<&Word> = w.iter().collect();
        let f = search_flags("rg", &refs);
        assert!(f.no_ignore && f.hidden && f.context && f.paths.is_empty());
        let w = words(&["-l", "KEY", "."]);
        let refs: Vec<&Word> = w.iter().collect();
        assert!(search_flags("grep", &refs).names_only);
    }
}
