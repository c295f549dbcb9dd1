//! What a shell command would show the agent: the files it reads, the environment
//! variables it expands or prints, and whether it prints past commits. A small lexer splits
//! the command line into simple commands; nothing is run.

use std::path::{Path, PathBuf};

use super::hook::resolve;

/// What a shell command would expose.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Exposure {
    pub files: Vec<PathBuf>,
    /// Every environment variable (`printenv`, `env`, `/proc/self/environ`).
    pub all_env: bool,
    /// Variables expanded or printed by name.
    pub vars: Vec<String>,
    /// Past commits' content (`git log -p`, `git show`, `git diff A..B`).
    pub history: bool,
}

/// Programs that never show a file's content to the caller.
const NOT_READING: &[&str] = &[
    "rm", "rmdir", "mv", "cp", "ls", "stat", "touch", "chmod", "chown", "chgrp", "mkdir", "test", "[", "file", "wc",
    "du", "ln", "realpath", "readlink", "basename", "dirname", "shred", "truncate", "cd", "pushd", "which", "type",
];

/// Shells whose `-c` argument is itself a command.
const SHELLS: &[&str] = &["bash", "sh", "zsh", "dash", "ksh", "fish"];

/// Programs that print the whole environment when run without a command.
fn dumps_environment(program: &str, args: &[String]) -> bool {
    let operands: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    match program {
        "printenv" => operands.is_empty(),
        // `env FOO=1 cmd` runs cmd; `env` alone prints everything.
        "env" => operands.iter().all(|a| a.contains('=')),
        "set" | "export" | "declare" | "typeset" => args.is_empty() || args.iter().all(|a| a.starts_with('-')),
        _ => false,
    }
}

/// What `command`, run in `cwd`, would show: files it reads, variables it expands.
pub(super) fn shell_exposure(command: &str, cwd: &Path, depth: usize) -> Exposure {
    let mut exposure = Exposure { vars: expanded_vars(command), ..Exposure::default() };
    for Segment { words, inputs } in split_commands(command) {
        let words: Vec<String> = words.into_iter().skip_while(|w| is_assignment(w)).collect();
        let Some((program, args)) = words.split_first() else { continue };
        let program = program.rsplit('/').next().unwrap_or(program).to_string();
        let (program, args) = match program.as_str() {
            "sudo" | "nohup" | "time" | "exec" | "command" | "xargs" => match args.split_first() {
                Some((p, rest)) => (p.rsplit('/').next().unwrap_or(p).to_string(), rest.to_vec()),
                None => continue,
            },
            _ => (program, args.to_vec()),
        };
        if dumps_environment(&program, &args) {
            exposure.all_env = true;
        }
        if program == "git" && shows_history(&args) {
            exposure.history = true;
        }
        if program == "printenv" {
            exposure.vars.extend(args.iter().filter(|a| !a.starts_with('-')).cloned());
        }
        if SHELLS.contains(&program.as_str()) && depth < 3 {
            if let Some(i) = args.iter().position(|a| a == "-c") {
                if let Some(inner) = args.get(i + 1) {
                    let nested = shell_exposure(inner, cwd, depth + 1);
                    exposure.files.extend(nested.files);
                    exposure.vars.extend(nested.vars);
                    exposure.all_env |= nested.all_env;
                    exposure.history |= nested.history;
                }
            }
        }
        // `< file` is read whatever the program.
        let mut candidates: Vec<&String> = inputs.iter().collect();
        if !NOT_READING.contains(&program.as_str()) {
            candidates.extend(args.iter());
        }
        for word in candidates {
            if word.contains("/proc/") && word.ends_with("environ") {
                exposure.all_env = true;
                continue;
            }
            let value = word.split_once('=').map_or(word.as_str(), |(_, v)| v);
            for candidate in [word.as_str(), value] {
                if candidate.is_empty() || candidate.starts_with('-') {
                    continue;
                }
                let path = resolve(candidate, cwd);
                if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                    exposure.files.push(path);
                }
            }
        }
    }
    exposure.files.sort();
    exposure.files.dedup();
    exposure.vars.sort();
    exposure.vars.dedup();
    exposure
}

/// Whether `git ARGS` prints content of past commits: `show`, `log` with a patch or a
/// pickaxe (`-p`, `--patch`, `-u`, `-S…`, `-G…`), `diff` between revisions (`A..B`).
fn shows_history(args: &[String]) -> bool {
    let mut words = args.iter().skip_while(|a| a.starts_with('-'));
    let Some(sub) = words.next() else { return false };
    let rest: Vec<&String> = words.collect();
    match sub.as_str() {
        "show" => true,
        "log" | "whatchanged" => rest.iter().any(|a| {
            matches!(a.as_str(), "-p" | "--patch" | "-u" | "--patch-with-stat")
                || a.starts_with("-S")
                || a.starts_with("-G")
        }),
        "diff" => rest.iter().any(|a| a.contains("..")),
        _ => false,
    }
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.as_bytes()[0].is_ascii_digit()
    })
}

/// `$NAME` and `${NAME}` outside single quotes.
fn expanded_vars(command: &str) -> Vec<String> {
    let bytes = command.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut single) = (0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if !single => i += 1,
            b'\'' => single = !single,
            b'$' if !single => {
                let start = i + 1 + usize::from(bytes.get(i + 1) == Some(&b'{'));
                let end = bytes[start..]
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                    .map_or(bytes.len(), |p| start + p);
                if end > start && !bytes[start].is_ascii_digit() {
                    out.push(command[start..end].to_string());
                }
                i = end.max(i + 1) - 1;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// One simple command: its words and the files redirected into it (`< file`).
#[derive(Debug, Default, PartialEq, Eq)]
struct Segment {
    words: Vec<String>,
    inputs: Vec<String>,
}

/// Splits a command line into simple commands at `|`, `||`, `&&`, `;`, `&`, newlines,
/// parentheses, `$(` and backquotes, honouring quotes and backslashes. Output redirection
/// targets are dropped; input redirection targets are kept as inputs.
fn split_commands(command: &str) -> Vec<Segment> {
    let mut segments = vec![Segment::default()];
    let mut word = String::new();
    let mut in_word = false;
    let mut redirect: Option<bool> = None; // Some(true): next word is an input, Some(false): an output
    let mut chars = command.chars().peekable();
    let mut quote: Option<char> = None;
    let finish = |segments: &mut Vec<Segment>, word: &mut String, in_word: &mut bool, redirect: &mut Option<bool>| {
        if *in_word {
            let seg = segments.last_mut().expect("one segment");
            match redirect.take() {
                Some(true) => seg.inputs.push(std::mem::take(word)),
                Some(false) => word.clear(),
                None => seg.words.push(std::mem::take(word)),
            }
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            match c {
                _ if c == q => quote = None,
                '\\' if q == '"' => {
                    if let Some(n) = chars.next() {
                        word.push(n);
                    }
                }
                _ => word.push(c),
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                in_word = true;
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    word.push(n);
                    in_word = true;
                }
            }
            ' ' | '\t' => finish(&mut segments, &mut word, &mut in_word, &mut redirect),
            '<' | '>' => {
                finish(&mut segments, &mut word, &mut in_word, &mut redirect);
                if chars.peek() == Some(&'(') {
                    chars.next();
                    segments.push(Segment::default());
                    continue;
                }
                while matches!(chars.peek(), Some('>') | Some('&') | Some('<')) {
                    chars.next();
                }
                redirect = Some(c == '<');
            }
            '|' | '&' | ';' | '\n' | '(' | ')' | '`' => {
                finish(&mut segments, &mut word, &mut in_word, &mut redirect);
                segments.push(Segment::default());
            }
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                finish(&mut segments, &mut word, &mut in_word, &mut redirect);
                segments.push(Segment::default());
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
    }
    finish(&mut segments, &mut word, &mut in_word, &mut redirect);
    segments.retain(|s| !s.words.is_empty() || !s.inputs.is_empty());
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(command: &str) -> Vec<Vec<String>> {
        split_commands(command).into_iter().map(|s| s.words).collect()
    }

    #[test]
    fn splits_commands_on_operators_and_quotes() {
        assert_eq!(words("cd app && cat '.env' | grep X"), [vec!["cd", "app"], vec!["cat", ".env"], vec!["grep", "X"]]);
        assert_eq!(words("echo \"a b\"; ls"), [vec!["echo", "a b"], vec!["ls"]]);
        assert_eq!(words("x=$(cat .env) y"), [vec!["x="], vec!["cat", ".env"], vec!["y"]]);
        let s = split_commands("sort < secrets.txt > out.txt");
        assert_eq!(s[0].words, ["sort"]);
        assert_eq!(s[0].inputs, ["secrets.txt"]);
    }

    #[test]
    fn finds_files_and_variables_a_command_exposes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "X=1").unwrap();
        let cwd = dir.path();
        let files = |c: &str| shell_exposure(c, cwd, 0).files;
        assert_eq!(files("cat .env"), [cwd.join(".env")]);
        assert_eq!(files("bash -c 'head -n1 .env'"), [cwd.join(".env")]);
        assert_eq!(files("wc -l < .env"), [cwd.join(".env")]);
        assert!(files("rm .env").is_empty());
        assert!(files("cat missing.txt").is_empty());
        assert!(shell_exposure("printenv", cwd, 0).all_env);
        assert!(shell_exposure("env | sort", cwd, 0).all_env);
        assert!(!shell_exposure("env FOO=1 make", cwd, 0).all_env);
        assert!(shell_exposure("cat /proc/self/environ", cwd, 0).all_env);
        assert_eq!(shell_exposure("echo \"$RAILWAY_TOKEN\" '$NOT'", cwd, 0).vars, ["RAILWAY_TOKEN"]);
        assert_eq!(shell_exposure("printenv GITHUB_TOKEN", cwd, 0).vars, ["GITHUB_TOKEN"]);
        assert_eq!(shell_exposure("curl -H \"x: ${API_KEY}\"", cwd, 0).vars, ["API_KEY"]);
        assert_eq!(shell_exposure("ls -la", cwd, 0), Exposure::default());
        for shows in [
            "git log -p",
            "git --no-pager log --patch -- config",
            "git show HEAD~3",
            "git log -S token",
            "git diff main..HEAD",
        ] {
            assert!(shell_exposure(shows, cwd, 0).history, "{shows}");
        }
        for quiet in ["git log --oneline", "git status", "git diff", "git add -A"] {
            assert!(!shell_exposure(quiet, cwd, 0).history, "{quiet}");
        }
    }
}
