//! What a `git` command shows or changes: past commits' content (`show`, `log -p`,
//! `cat-file`, `archive`, `format-patch`, `diff A B`, `grep … REV`, `stash show -p`), the
//! index (`diff --cached`), working files (`grep`, `blame`), and writes to keyreach's own
//! files or hooks (`checkout -- keyreach.toml`, `commit --no-verify`, `config
//! core.hooksPath`). Global options (`-C DIR`, `-c k=v`, `--no-pager`) are skipped.

use std::path::PathBuf;

use super::lexer::Word;
use super::programs;
use super::shell::{Context, Exposure, LineFilter, Read, Walk, paths, resolve};

/// Global options of `git` that take a value.
const VALUED: &[&str] = &["-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env"];

/// Adds what `git ARGS` (run in `ctx`) exposes or changes.
pub fn exposure(args: &[&str], ctx: &Context<'_>, out: &mut Exposure) {
    let mut cwd = ctx.cwd.clone();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if *a == "-C" {
            if let Some(dir) = args.get(i + 1) {
                cwd = resolve(dir, &Context { cwd: cwd.clone(), home: ctx.home.clone(), env: ctx.env });
            }
            i += 2;
        } else if *a == "-c" {
            if args.get(i + 1).is_some_and(|kv| kv.to_ascii_lowercase().starts_with("core.hookspath")) {
                out.writes.push(cwd.join(".git/hooks/"));
            }
            i += 2;
        } else if VALUED.contains(a) {
            i += 2;
        } else if a.starts_with('-') {
            i += 1;
        } else {
            break;
        }
    }
    let Some(sub) = args.get(i) else { return };
    let rest: Vec<&str> = args[i + 1..].to_vec();
    let here = Context { cwd, home: ctx.home.clone(), env: ctx.env };
    let has = |flags: &[&str]| rest.iter().any(|a| flags.iter().any(|f| a == f || a.starts_with(&format!("{f}="))));
    let patch = |a: &&str| {
        matches!(*a, "-p" | "--patch" | "-u" | "--patch-with-stat" | "--full-diff" | "--cc" | "-c" | "--patch-with-raw")
            || a.starts_with("-U")
            || a.starts_with("--unified")
            || a.starts_with("-S")
            || a.starts_with("-G")
            || a.starts_with("-L")
    };
    match *sub {
        "show" | "cat-file" | "archive" | "format-patch" | "bundle" | "fast-export" => out.history = true,
        "log" | "whatchanged" | "reflog" if rest.iter().any(patch) => out.history = true,
        "stash" if rest.first() == Some(&"show") && rest.iter().any(patch) => out.history = true,
        "diff" | "difftool" => {
            let revs = rest.iter().filter(|a| !a.starts_with('-')).filter(|a| !here.cwd.join(a).exists()).count();
            if has(&["--cached", "--staged"]) {
                out.staged = true;
            }
            if revs > 0 || rest.iter().any(|a| a.contains("..")) {
                out.history = true;
            }
        }
        "grep" => grep(&rest, &here, out),
        "blame" | "annotate" => {
            for a in rest.iter().filter(|a| !a.starts_with('-')) {
                let word = Word { text: a.to_string(), glob: false, dynamic: false };
                out.reads.extend(paths(&word, &here).into_iter().filter(|p| p.is_file()).map(|path| Read {
                    path,
                    walk: Walk::File,
                    filter: None,
                }));
            }
        }
        "checkout" | "restore" | "reset" | "rm" | "mv" | "apply" | "am" | "update-index" | "clean" => {
            out.writes.extend(rest.iter().map(|a| here.cwd.join(a)).filter(|p| programs::protected(p)));
        }
        "commit" if has(&["--no-verify", "-n"]) => out.writes.push(here.cwd.join(".git/hooks/pre-commit")),
        "config" if rest.iter().any(|a| a.eq_ignore_ascii_case("core.hookspath")) => {
            out.writes.push(here.cwd.join(".git/hooks/"));
        }
        _ => {}
    }
}

/// `git grep PATTERN [REV…] [-- PATH…]`: tracked files, or a revision's content.
fn grep(rest: &[&str], ctx: &Context<'_>, out: &mut Exposure) {
    let words: Vec<Word> = rest.iter().map(|t| Word { text: t.to_string(), glob: false, dynamic: false }).collect();
    let refs: Vec<&Word> = words.iter().collect();
    let flags = super::search::search_flags("git-grep", &refs);
    if flags.names_only {
        return;
    }
    let mut targets: Vec<PathBuf> = Vec::new();
    for w in &flags.paths {
        if w.text == "--" {
            continue;
        }
        let found = paths(w, ctx);
        if found.is_empty() {
            // Not a path: a revision, whose content is in history.
            out.history = true;
        }
        targets.extend(found);
    }
    if targets.is_empty() {
        targets.push(ctx.cwd.clone());
    }
    let filter = (!flags.context && !flags.patterns.is_empty()).then(|| LineFilter {
        patterns: flags.patterns.clone(),
        fixed: flags.fixed,
        ignore_case: flags.ignore_case,
        invert: flags.invert,
    });
    for path in targets {
        let walk = if path.is_dir() { Walk::Visible { hidden: true } } else { Walk::File };
        out.reads.push(Read { path, walk, filter: filter.clone() });
    }
}
