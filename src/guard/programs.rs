//! What programs do with their arguments, as far as the guard cares: which only look at
//! names, which print file content, which search trees, which copy or write, which run
//! code, which print credentials; and the files an agent must not change.

use std::path::Path;

use super::lexer::Word;

/// How a program treats its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Cd,
    /// Prints every environment variable (`printenv`, `env`, `set`, `declare -p`).
    EnvDump,
    /// Prints the variables it names (`printenv NAME`, `declare -p NAME`).
    EnvVars,
    /// A shell: `-c STRING`, a script, or a here-document.
    Shell,
    /// `source FILE`, `. FILE`: loads the file into the shell.
    Source,
    Eval,
    /// Runs code (`python3 -c`, `node -e`, a script).
    Interpreter,
    /// Runs a command on what it reads from standard input.
    Xargs,
    Git,
    /// Prints a credential from the files listed (relative to the home; none: a store keyreach
    /// cannot read).
    Printer(&'static [&'static str]),
    /// Searches files and shows matching lines; `recursive_default` (ripgrep, ag) and
    /// `visible` (skips hidden and git-ignored files unless told).
    Search {
        recursive_default: bool,
        visible: bool,
    },
    /// Writes its destination (and, with `reads_sources`, reads the rest).
    Writer {
        reads_sources: bool,
    },
    /// Deletes or renames its arguments without showing them.
    Remover,
    /// Never shows a file's content.
    Quiet,
    /// Reads whole directories (`tar`, `zip`).
    Archiver,
    /// Anything else: the files it names are read.
    Reader,
}

/// Options that take a value for the wrappers `unwrap` skips.
const WRAPPERS: &[(&str, &[&str])] = &[
    ("sudo", &["-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U"]),
    ("doas", &["-u", "-C"]),
    ("env", &["-u", "-C", "-S", "--unset", "--chdir"]),
    ("nohup", &[]),
    ("time", &["-f", "-o"]),
    ("nice", &["-n"]),
    ("ionice", &["-c", "-n"]),
    ("timeout", &["-s", "-k", "--signal", "--kill-after"]),
    ("stdbuf", &["-i", "-o", "-e"]),
    ("exec", &["-a"]),
    ("command", &[]),
    ("builtin", &[]),
    ("unbuffer", &[]),
    ("watch", &["-n", "-d"]),
    ("caffeinate", &[]),
    ("chronic", &[]),
];

/// The program a command runs, past wrappers (`sudo`, `env X=1`, `timeout 5`, `nice -n 5`),
/// and its arguments.
pub fn unwrap<'w>(words: &[&'w Word]) -> (Option<&'w str>, Vec<&'w Word>) {
    let mut rest: &[&Word] = words;
    loop {
        let Some((first, tail)) = rest.split_first() else { return (None, Vec::new()) };
        let name = base(&first.text);
        let Some((_, valued)) = WRAPPERS.iter().find(|(w, _)| *w == name) else {
            if name == "env" && tail.is_empty() {
                return (Some(name), Vec::new());
            }
            return (Some(name), tail.to_vec());
        };
        let mut i = 0;
        while let Some(w) = tail.get(i) {
            let t = w.text.as_str();
            if valued.contains(&t) {
                i += 2;
            } else if t.starts_with('-')
                || (name == "env" && t.contains('='))
                || (name == "timeout" && t.chars().next().is_some_and(|c| c.is_ascii_digit()))
            {
                i += 1;
            } else {
                break;
            }
        }
        if i >= tail.len() {
            // `env` alone prints the environment; `sudo -l` and friends run nothing.
            return (Some(name), Vec::new());
        }
        rest = &tail[i..];
    }
}

fn base(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// Programs that never show a file's content.
const QUIET: &[&str] = &[
    "ls",
    "stat",
    "touch",
    "chmod",
    "chown",
    "chgrp",
    "mkdir",
    "test",
    "[",
    "[[",
    "file",
    "wc",
    "du",
    "df",
    "realpath",
    "readlink",
    "basename",
    "dirname",
    "which",
    "type",
    "echo",
    "printf",
    "true",
    "false",
    "sleep",
    "kill",
    "ps",
    "whoami",
    "id",
    "date",
    "pwd",
    "exit",
    "unset",
    "alias",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "cksum",
    "b2sum",
    "popd",
    "dirs",
    "hash",
    "umask",
    "wait",
    "jobs",
    "read",
    "mktemp",
    "uname",
    "hostname",
    "tput",
    "clear",
    "make",
    "cargo",
    "npm",
    "yarn",
    "pnpm",
    "go",
    "mvn",
    "gradle",
    "pytest",
    "tsc",
    "eslint",
    "prettier",
    "rustc",
    "rustfmt",
    "black",
    "ruff",
    "mypy",
    "jest",
    "vitest",
    "docker",
    "kubectl",
    "terraform",
    "helm",
];

/// Programs that print credentials, with the files (under the home) they print them from.
const PRINTERS: &[(&str, &[&str], &[&str])] = &[
    ("gh", &["auth", "token"], &[".config/gh/hosts.yml"]),
    ("gh", &["auth", "status", "--show-token"], &[".config/gh/hosts.yml"]),
    ("gh", &["auth", "status", "-t"], &[".config/gh/hosts.yml"]),
    ("aws", &["configure", "export-credentials"], &[".aws/credentials", ".aws/config"]),
    ("aws", &["sts", "get-session-token"], &[]),
    ("aws", &["sts", "assume-role"], &[]),
    ("aws", &["ecr", "get-login-password"], &[]),
    ("aws", &["codeartifact", "get-authorization-token"], &[]),
    ("gcloud", &["auth", "print-access-token"], &[]),
    ("gcloud", &["auth", "print-identity-token"], &[]),
    ("gcloud", &["auth", "application-default", "print-access-token"], &[]),
    ("az", &["account", "get-access-token"], &[]),
    ("heroku", &["auth:token"], &[".netrc"]),
    ("vault", &["print", "token"], &[".vault-token"]),
    ("kubectl", &["config", "view", "--raw"], &[".kube/config"]),
    ("kubectl", &["create", "token"], &[]),
    ("doctl", &["auth", "token"], &[]),
    ("npm", &["token", "create"], &[]),
    ("op", &["read"], &[]),
    ("op", &["item", "get"], &[]),
    ("security", &["find-generic-password"], &[]),
    ("security", &["find-internet-password"], &[]),
    ("doppler", &["secrets"], &[]),
    ("railway", &["variables"], &[]),
    ("vercel", &["env", "pull"], &[]),
    ("netlify", &["env:list"], &[]),
    ("fly", &["auth", "token"], &[]),
    ("flyctl", &["auth", "token"], &[]),
    ("stripe", &["config", "--list"], &[".config/stripe/config.toml"]),
];

/// Code flags of interpreters (`python -c`, `node -e`, `perl -E`, `php -r`, `ruby -e`).
pub const CODE_FLAGS: &[&str] = &["-c", "-e", "-E", "-p", "-r", "--eval", "--print", "--command"];

const INTERPRETERS: &[&str] = &[
    "python",
    "python2",
    "python3",
    "pypy",
    "pypy3",
    "node",
    "nodejs",
    "deno",
    "bun",
    "ruby",
    "irb",
    "perl",
    "php",
    "lua",
    "luajit",
    "rscript",
    "julia",
    "osascript",
    "pwsh",
    "powershell",
    "tclsh",
    "awk",
    "gawk",
    "mawk",
    "nawk",
    "jshell",
    "groovy",
    "scala",
    "kotlin",
    "elixir",
    "erl",
    "ghci",
    "swift",
];

/// What `program` does with `args`.
pub fn kind(program: &str, args: &[&Word]) -> Kind {
    let texts: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
    let operands: Vec<&str> = texts.iter().copied().filter(|a| !a.starts_with('-')).collect();
    let lower = program.to_ascii_lowercase();
    let versioned = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    if let Some((_, _, files)) = PRINTERS.iter().find(|(p, sub, _)| *p == program && starts_with(&texts, sub)) {
        return Kind::Printer(files);
    }
    if program == "aws" && starts_with(&texts, &["configure", "get"]) {
        let secret =
            texts.iter().any(|a| a.contains("secret") || a.contains("access_key") || a.contains("session_token"));
        return if secret { Kind::Printer(&[".aws/credentials", ".aws/config"]) } else { Kind::Quiet };
    }
    if program.starts_with("docker-credential-") || (program == "git" && starts_with(&texts, &["credential", "fill"])) {
        return Kind::Printer(if program == "git" { &[".git-credentials"] } else { &[] });
    }
    match program {
        "cd" | "pushd" => Kind::Cd,
        "printenv" if operands.is_empty() => Kind::EnvDump,
        "printenv" => Kind::EnvVars,
        "env" if operands.iter().all(|a| a.contains('=')) => Kind::EnvDump,
        "set" | "export" | "typeset" | "declare" | "compgen"
            if operands.is_empty() || texts.iter().any(|a| *a == "-p" || *a == "-x" || *a == "-e") =>
        {
            if operands.is_empty() { Kind::EnvDump } else { Kind::EnvVars }
        }
        "export" | "typeset" | "declare" | "local" | "readonly" => Kind::Quiet,
        "bash" | "sh" | "zsh" | "dash" | "ksh" | "fish" | "mksh" | "busybox" => Kind::Shell,
        "source" | "." => Kind::Source,
        "eval" => Kind::Eval,
        "xargs" | "parallel" | "find" if texts.iter().any(|a| a.starts_with("-exec") || a.starts_with("-ok")) => {
            Kind::Xargs
        }
        "xargs" | "parallel" => Kind::Xargs,
        "git" => Kind::Git,
        "grep" | "egrep" | "fgrep" | "zgrep" => Kind::Search { recursive_default: false, visible: false },
        "rg" | "ag" | "ack" | "pt" | "ugrep" => Kind::Search { recursive_default: true, visible: true },
        "cp" | "mv" | "install" | "ln" | "rsync" | "scp" => Kind::Writer { reads_sources: true },
        "tee" | "dd" | "truncate" | "touch" | "patch" => Kind::Writer { reads_sources: false },
        "sed" | "perl" if texts.iter().any(|a| a.starts_with("-i") || *a == "--in-place") => {
            Kind::Writer { reads_sources: true }
        }
        "rm" | "unlink" | "shred" | "rmdir" => Kind::Remover,
        "tar" | "zip" | "7z" | "7za" | "bsdtar" | "pax" | "cpio" => Kind::Archiver,
        "diff" | "cmp" if texts.iter().any(|a| matches!(*a, "-r" | "-R" | "--recursive")) => Kind::Archiver,
        _ if INTERPRETERS.contains(&versioned) || INTERPRETERS.contains(&lower.as_str()) => Kind::Interpreter,
        _ if QUIET.contains(&program) => Kind::Quiet,
        _ => Kind::Reader,
    }
}

fn starts_with(texts: &[&str], sub: &[&str]) -> bool {
    let words: Vec<&str> =
        texts.iter().copied().filter(|a| !a.starts_with("--profile") && !a.starts_with("--region")).collect();
    sub.iter().all(|s| words.contains(s)) && words.first() == sub.first()
}

/// Files an agent must not change: keyreach's config, baseline and merge attributes, the
/// user's keyreach config, agent ignore files keyreach reads, the agent's hook settings,
/// and git hooks.
pub fn protected(path: &Path) -> bool {
    const NAMES: &[&str] = &[
        "keyreach.toml",
        ".keyreach-baseline.json",
        ".gitattributes",
        ".cursorignore",
        ".aiexclude",
        ".codeiumignore",
        ".aiderignore",
        ".geminiignore",
        ".pre-commit-config.yaml",
    ];
    const ENDINGS: &[&str] = &[
        "keyreach/config.toml",
        ".claude/settings.json",
        ".claude/settings.local.json",
        ".cursor/hooks.json",
        ".codex/config.toml",
        ".gemini/settings.json",
    ];
    let text = path.to_string_lossy().replace('\\', "/");
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    NAMES.contains(&name.as_str()) || ENDINGS.iter().any(|e| text.ends_with(e)) || text.contains("/.git/hooks/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(texts: &[&str]) -> Vec<Word> {
        texts.iter().map(|t| Word { text: t.to_string(), glob: false, dynamic: false }).collect()
    }

    #[test]
    fn wrappers_are_seen_through() {
        for line in [
            &["sudo", "-u", "root", "cat", ".env"][..],
            &["env", "A=1", "cat", ".env"],
            &["timeout", "5", "cat", ".env"],
            &["nice", "-n", "5", "cat", ".env"],
        ] {
            let w = words(line);
            let refs: Vec<&Word> = w.iter().collect();
            let (program, args) = unwrap(&refs);
            assert_eq!((program, args.len()), (Some("cat"), 1), "{line:?}");
        }
        let w = words(&["env"]);
        let refs: Vec<&Word> = w.iter().collect();
        assert_eq!(kind(unwrap(&refs).0.unwrap(), &[]), Kind::EnvDump);
    }

    #[test]
    fn keyreachs_own_files_and_the_agents_hooks_are_protected() {
        for p in [
            "/w/keyreach.toml",
            "/w/sub/keyreach.toml",
            "/w/.keyreach-baseline.json",
            "/h/.claude/settings.json",
            "/h/.config/keyreach/config.toml",
            "/w/.git/hooks/pre-commit",
            "/w/.cursorignore",
        ] {
            assert!(protected(Path::new(p)), "{p}");
        }
        for p in ["/w/src/main.rs", "/w/.env", "/w/keyreach.toml.md", "/w/.claude/commands/x.md"] {
            assert!(!protected(Path::new(p)), "{p}");
        }
    }
}
