//! What a shell command would show the agent or change, resolved the way the shell would:
//! globs against the file system, `cd` between commands, variables from the environment,
//! recursive searches over directories, copies, archives, git plumbing, credential printers.
//! What cannot be resolved statically (interpreter code, `eval`, command substitutions) is
//! judged by the files it names. Nothing is run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use crate::pipeline::{LineFilter, Walk};

use super::lexer::{self, Redir, Simple, Word};
use super::programs::{self, Kind};

/// Where a command runs.
pub struct Context<'a> {
    pub cwd: PathBuf,
    pub home: Option<PathBuf>,
    pub env: &'a HashMap<String, String>,
}

/// What a command (or tool call) would expose or change.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Exposure {
    /// Files and directories whose content it prints.
    pub reads: Vec<Read>,
    /// Every environment variable (`printenv`, `env`, `process.env`).
    pub all_env: bool,
    /// Variables expanded or printed by name.
    pub vars: Vec<String>,
    /// Content of past commits (`git log -p`, `git show`, `git cat-file`).
    pub history: bool,
    /// Content staged in the index (`git diff --cached`).
    pub staged: bool,
    /// Files it names where what it does cannot be known without running it (interpreter
    /// code, `eval`, substitutions): they count as read.
    pub named: Vec<PathBuf>,
    /// keyreach's own files and the agent's hook settings it may write (denied).
    pub writes: Vec<PathBuf>,
    /// Credential printers it runs: the command, and the files they print from (none: a
    /// store keyreach cannot read, such as a keychain).
    pub printers: Vec<(String, Vec<PathBuf>)>,
}

/// A file, or a directory read recursively, whose content the command prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub path: PathBuf,
    pub walk: Walk,
    /// Only lines matching this are shown (`grep PATTERN`); `None`: everything.
    pub filter: Option<LineFilter>,
}

/// How deep `sh -c`, `eval` and scripts are followed.
const MAX_DEPTH: usize = 4;
/// Largest script or here-document read to follow what it runs.
const MAX_SCRIPT: u64 = 256 * 1024;

/// What `command`, run in `ctx`, would expose or change.
pub fn exposure(command: &str, ctx: &Context<'_>) -> Exposure {
    let mut out = Exposure::default();
    analyze(command, ctx, 0, &mut out);
    out.reads.sort_by(|a, b| a.path.cmp(&b.path));
    out.reads.dedup();
    for list in [&mut out.named, &mut out.writes] {
        list.sort();
        list.dedup();
    }
    out.vars.sort();
    out.vars.dedup();
    out
}

fn analyze(command: &str, ctx: &Context<'_>, depth: usize, out: &mut Exposure) {
    let cwd = ctx.cwd.to_string_lossy().into_owned();
    let home = ctx.home.as_ref().map(|h| h.to_string_lossy().into_owned());
    let env = lexer::Env { vars: ctx.env, home: home.as_deref(), cwd: &cwd };
    let parsed = lexer::parse(command, &env);
    out.vars.extend(parsed.vars);
    let mut here = Context { cwd: ctx.cwd.clone(), home: ctx.home.clone(), env: ctx.env };
    let mut dynamic = false;
    for simple in &parsed.commands {
        dynamic |= simple.words.iter().any(|w| w.dynamic) || simple.substituted;
        dynamic |= command_exposure(simple, &mut here, depth, out);
    }
    if dynamic {
        // Unresolvable: every file the line names counts as read, and keyreach's own files
        // as written.
        for simple in &parsed.commands {
            for word in simple.words.iter().skip(1) {
                out.named.extend(paths(word, &here).into_iter().filter(|p| p.is_file()));
                out.writes.extend(paths_or_new(word, &here).into_iter().filter(|p| programs::protected(p)));
            }
        }
    }
}

/// Adds what one simple command exposes; returns whether what it does depends on something
/// only running it would tell (interpreter code, `eval`, `xargs`).
fn command_exposure(simple: &Simple, ctx: &mut Context<'_>, depth: usize, out: &mut Exposure) -> bool {
    let words: Vec<&Word> = simple.words.iter().skip_while(|w| is_assignment(&w.text)).collect();
    let (program, args) = programs::unwrap(&words);
    for redir in &simple.redirs {
        match redir {
            Redir::Input(w) => out.reads.extend(paths(w, ctx).into_iter().filter(|p| p.is_file()).map(file)),
            Redir::Output(w) => out.writes.extend(paths_or_new(w, ctx).into_iter().filter(|p| programs::protected(p))),
            Redir::Text(body) => match program.map(|p| programs::kind(p, &args)) {
                Some(Kind::Shell) if depth < MAX_DEPTH => analyze(body, ctx, depth + 1, out),
                Some(Kind::Interpreter) => super::code::exposure(body, ctx, out),
                _ => {}
            },
        }
    }
    let Some(program) = program else { return false };
    let texts: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
    match programs::kind(program, &args) {
        Kind::Cd => {
            if let Some(dir) = texts.iter().find(|a| !a.starts_with('-')).map(|a| resolve(a, ctx)) {
                if dir.is_dir() {
                    ctx.cwd = dir;
                }
            }
            false
        }
        Kind::EnvDump => {
            out.all_env = true;
            false
        }
        Kind::EnvVars => {
            out.vars.extend(texts.iter().filter(|a| !a.starts_with('-')).map(|a| a.to_string()));
            false
        }
        Kind::Shell => {
            match texts.iter().position(|a| *a == "-c").and_then(|i| texts.get(i + 1)) {
                Some(inner) if depth < MAX_DEPTH => analyze(inner, ctx, depth + 1, out),
                Some(_) => return true,
                None => {
                    if let Some(script) = args.iter().find(|w| !w.text.starts_with('-')) {
                        follow_script(script, ctx, depth, out);
                    }
                }
            }
            false
        }
        Kind::Source => {
            out.reads.extend(args.iter().flat_map(|w| paths(w, ctx)).filter(|p| p.is_file()).map(file));
            false
        }
        Kind::Eval => {
            if depth < MAX_DEPTH {
                analyze(&texts.join(" "), ctx, depth + 1, out);
            }
            true
        }
        Kind::Interpreter => {
            interpreter(&args, ctx, out);
            true
        }
        Kind::Xargs => {
            xargs(program, &args, ctx, out);
            true
        }
        Kind::Git => {
            super::git::exposure(&texts, ctx, out);
            false
        }
        Kind::Printer(files) => {
            let home = ctx.home.clone().unwrap_or_default();
            out.printers.push((format!("{program} {}", texts.join(" ")), files.iter().map(|f| home.join(f)).collect()));
            false
        }
        Kind::Search { recursive_default, visible } => {
            search(program, &args, ctx, recursive_default, visible, out);
            false
        }
        Kind::Writer { reads_sources } => {
            writer(program, &args, ctx, reads_sources, out);
            false
        }
        Kind::Remover => {
            out.writes.extend(args.iter().flat_map(|w| paths(w, ctx)).filter(|p| programs::protected(p)));
            false
        }
        Kind::Quiet => false,
        Kind::Archiver => {
            for w in args.iter().filter(|w| !w.text.starts_with('-')) {
                out.reads.extend(paths(w, ctx).into_iter().map(|p| read_any(p, Walk::All)));
            }
            false
        }
        Kind::Reader => {
            for w in &args {
                out.reads.extend(paths(w, ctx).into_iter().filter(|p| p.is_file()).map(file));
            }
            false
        }
    }
}

/// A search program (`grep`, `rg`, `ag`, …): the files or trees it reads, and the lines it
/// shows. Listing only names or counts shows no content.
fn search(
    program: &str,
    args: &[&Word],
    ctx: &Context<'_>,
    recursive_default: bool,
    visible: bool,
    out: &mut Exposure,
) {
    let flags = super::search::search_flags(program, args);
    if flags.names_only {
        return;
    }
    let filter = (!flags.context && !flags.pattern_file)
        .then(|| LineFilter {
            patterns: flags.patterns.clone(),
            fixed: flags.fixed,
            ignore_case: flags.ignore_case,
            invert: flags.invert,
        })
        .filter(|f| !f.patterns.is_empty());
    let recursive = recursive_default || flags.recursive;
    let walk = if visible && !flags.no_ignore { Walk::Visible { hidden: flags.hidden } } else { Walk::All };
    let mut targets: Vec<PathBuf> = flags.paths.iter().flat_map(|w| paths(w, ctx)).collect();
    if flags.paths.is_empty() && recursive {
        targets.push(ctx.cwd.clone());
    }
    for path in targets {
        if path.is_file() {
            out.reads.push(Read { path, walk: Walk::File, filter: filter.clone() });
        } else if path.is_dir() && recursive {
            out.reads.push(Read { path, walk, filter: filter.clone() });
        }
    }
}

/// `xargs CMD`, `find … -exec CMD`: CMD runs on names only known at run time. Unless CMD
/// never shows content, the tree they come from counts as read (`find`'s roots; for `xargs`
/// the working directory).
fn xargs(program: &str, args: &[&Word], ctx: &Context<'_>, out: &mut Exposure) {
    let texts: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
    let inner = match program {
        "find" => {
            texts.iter().position(|a| a.starts_with("-exec") || a.starts_with("-ok")).and_then(|i| texts.get(i + 1))
        }
        _ => texts.iter().find(|a| !a.starts_with('-')),
    };
    let quiet = inner.is_some_and(|p| programs::kind(p.rsplit('/').next().unwrap_or(p), &[]) == Kind::Quiet);
    if quiet {
        return;
    }
    let roots: Vec<PathBuf> = if program == "find" {
        let named: Vec<PathBuf> =
            args.iter().take_while(|w| !w.text.starts_with(['-', '(', '!'])).flat_map(|w| paths(w, ctx)).collect();
        if named.is_empty() { vec![ctx.cwd.clone()] } else { named }
    } else {
        vec![ctx.cwd.clone()]
    };
    out.reads.extend(roots.into_iter().map(|p| read_any(p, Walk::All)));
}

/// `cp`, `mv`, `tee`, `dd`, `sed -i`, `install`, `ln`, `rsync`, `touch`, `truncate`: the
/// protected files they may write, and (for copies) the files they read.
fn writer(program: &str, args: &[&Word], ctx: &Context<'_>, reads_sources: bool, out: &mut Exposure) {
    let operands: Vec<&&Word> = args.iter().filter(|w| !w.text.starts_with('-')).collect();
    for w in &operands {
        let value = w.text.strip_prefix("of=").unwrap_or(&w.text);
        let word = Word { text: value.to_string(), glob: w.glob, dynamic: w.dynamic };
        let mut targets = paths_or_new(&word, ctx);
        // A directory destination receives the sources under their own names.
        if let Some(dir) = targets.iter().find(|p| p.is_dir()).cloned() {
            for source in operands.iter().flat_map(|s| paths(s, ctx)) {
                if let Some(name) = source.file_name() {
                    targets.push(dir.join(name));
                }
            }
        }
        out.writes.extend(targets.into_iter().filter(|p| programs::protected(p)));
    }
    if reads_sources {
        let recursive =
            args.iter().any(|w| matches!(w.text.as_str(), "-r" | "-R" | "-a" | "--recursive" | "--archive"))
                || program == "rsync";
        let sources = if program == "tee" { &operands[..0] } else { &operands[..operands.len().saturating_sub(1)] };
        for w in sources {
            for p in paths(w, ctx) {
                if p.is_file() {
                    out.reads.push(file(p));
                } else if p.is_dir() && recursive {
                    out.reads.push(Read { path: p, walk: Walk::All, filter: None });
                }
            }
        }
    }
}

/// An interpreter run with code (`-c`, `-e`, …), a here-document or a script file.
fn interpreter(args: &[&Word], ctx: &Context<'_>, out: &mut Exposure) {
    let texts: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
    let inline = texts.iter().position(|a| programs::CODE_FLAGS.contains(a)).and_then(|i| texts.get(i + 1));
    match inline {
        Some(code_text) => super::code::exposure(code_text, ctx, out),
        None => {
            if let Some(script) = args.iter().find(|w| !w.text.starts_with('-')) {
                for p in paths(script, ctx).into_iter().filter(|p| p.is_file()) {
                    if let Some(text) = read_small(&p) {
                        super::code::exposure(&text, ctx, out);
                    }
                }
            }
        }
    }
    // File arguments after the code or script are read by it.
    for w in args.iter().skip(1) {
        out.named.extend(paths(w, ctx).into_iter().filter(|p| p.is_file()));
    }
}

/// A shell script run by name: its commands, as if typed.
fn follow_script(script: &Word, ctx: &Context<'_>, depth: usize, out: &mut Exposure) {
    for p in paths(script, ctx).into_iter().filter(|p| p.is_file()) {
        match read_small(&p) {
            Some(text) if depth < MAX_DEPTH => analyze(&text, ctx, depth + 1, out),
            _ => out.named.push(p),
        }
    }
}

fn read_small(path: &Path) -> Option<String> {
    use std::io::Read as _;
    let file = crate::source::fs::open(path).ok()?;
    let mut text = String::new();
    file.take(MAX_SCRIPT).read_to_string(&mut text).ok()?;
    Some(text)
}

fn file(path: PathBuf) -> Read {
    Read { path, walk: Walk::File, filter: None }
}

fn read_any(path: PathBuf, walk: Walk) -> Read {
    if path.is_dir() { Read { path, walk, filter: None } } else { file(path) }
}

/// The existing paths a word names: its glob matches, or the word itself (also as the value
/// of `key=value`, `@file` and a `file://` URL) relative to the working directory.
pub(super) fn paths(word: &Word, ctx: &Context<'_>) -> Vec<PathBuf> {
    let text = word.text.as_str();
    let candidates: Vec<&str> =
        [Some(text), text.split_once('=').map(|(_, v)| v), text.strip_prefix('@'), text.strip_prefix("file://")]
            .into_iter()
            .flatten()
            .filter(|c| !c.is_empty() && !c.starts_with('-'))
            .collect();
    let mut out = Vec::new();
    for c in candidates {
        if word.glob {
            out.extend(glob(&resolve(c, ctx)));
        } else {
            let p = resolve(c, ctx);
            if p.exists() {
                out.push(p);
            }
        }
    }
    out
}

/// Like [`paths`], but a plain path that does not exist yet counts too (a file about to be
/// created).
pub(super) fn paths_or_new(word: &Word, ctx: &Context<'_>) -> Vec<PathBuf> {
    let found = paths(word, ctx);
    if found.is_empty() && !word.glob && !word.text.is_empty() { vec![resolve(&word.text, ctx)] } else { found }
}

/// `path` made absolute against the working directory, `~/` expanded.
pub(super) fn resolve(path: &str, ctx: &Context<'_>) -> PathBuf {
    let expanded = match (path.strip_prefix("~/"), &ctx.home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if path == "~" => ctx.home.clone().unwrap_or_else(|| PathBuf::from(path)),
        _ => PathBuf::from(path),
    };
    if expanded.is_absolute() { expanded } else { ctx.cwd.join(expanded) }
}

/// Expands a glob against the file system as the shell would (a hidden name matches only a
/// pattern starting with a dot), at most a few thousand matches.
fn glob(pattern: &Path) -> Vec<PathBuf> {
    const MAX: usize = 4096;
    let mut found = vec![PathBuf::from("/")];
    for part in pattern.components() {
        let std::path::Component::Normal(part) = part else { continue };
        let part = part.to_string_lossy();
        let matcher =
            globset::GlobBuilder::new(&part).literal_separator(true).build().ok().map(|g| g.compile_matcher());
        let mut next = Vec::new();
        for base in &found {
            match &matcher {
                Some(m) if part.contains(['*', '?', '[']) => {
                    let Ok(entries) = std::fs::read_dir(base) else { continue };
                    for entry in entries.filter_map(Result::ok) {
                        let name = entry.file_name();
                        let name = name.to_string_lossy();
                        if name.starts_with('.') && !part.starts_with('.') {
                            continue;
                        }
                        if m.is_match(name.as_ref()) && next.len() < MAX {
                            next.push(base.join(name.as_ref()));
                        }
                    }
                }
                _ => {
                    let p = base.join(part.as_ref());
                    if p.exists() {
                        next.push(p);
                    }
                }
            }
        }
        found = next;
    }
    found.sort();
    found
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.as_bytes()[0].is_ascii_digit()
    })
}
