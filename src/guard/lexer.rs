//! A shell command line read the way the shell would, without running anything: simple
//! commands split at operators, quotes removed, `$VAR`, `${VAR}` and `~` expanded from the
//! environment the guard runs in, globs marked, redirections and here-documents kept, and
//! command and process substitutions parsed as commands of their own. Whatever cannot be
//! known without running (a substitution's output, an unset variable) marks the word
//! *dynamic*.

use std::collections::HashMap;

/// One word after expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    /// Holds an unquoted `*`, `?` or `[`: the shell would expand it against the file system.
    pub glob: bool,
    /// Holds something only running the command would tell (`$(…)`, an unset variable).
    pub dynamic: bool,
}

/// What a redirection does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redir {
    /// `< FILE`.
    Input(Word),
    /// `> FILE`, `>> FILE`, `&> FILE`.
    Output(Word),
    /// A here-document or here-string: text on standard input.
    Text(String),
}

/// One simple command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Simple {
    pub words: Vec<Word>,
    pub redirs: Vec<Redir>,
    /// Inside a command or process substitution.
    pub substituted: bool,
}

/// A parsed command line.
#[derive(Debug, Default)]
pub struct Parsed {
    pub commands: Vec<Simple>,
    /// Every variable the line expands, by name.
    pub vars: Vec<String>,
}

/// What expansion reads.
pub struct Env<'a> {
    pub vars: &'a HashMap<String, String>,
    pub home: Option<&'a str>,
    pub cwd: &'a str,
}

/// Parses `line`. Nesting deeper than a few levels is read as plain text.
pub fn parse(line: &str, env: &Env<'_>) -> Parsed {
    let mut parsed = Parsed::default();
    Lexer { chars: line.chars().collect(), at: 0, env, depth: 0, skip: Vec::new() }.run(&mut parsed, false);
    parsed
}

struct Lexer<'e> {
    chars: Vec<char>,
    at: usize,
    env: &'e Env<'e>,
    depth: usize,
    /// Ranges holding here-document bodies, already taken.
    skip: Vec<(usize, usize)>,
}

const MAX_DEPTH: usize = 6;

/// The word being built.
#[derive(Default)]
struct Building {
    text: String,
    glob: bool,
    dynamic: bool,
    started: bool,
}

impl Building {
    fn take(&mut self) -> Option<Word> {
        if !self.started {
            return None;
        }
        let w = Word { text: std::mem::take(&mut self.text), glob: self.glob, dynamic: self.dynamic };
        *self = Building::default();
        Some(w)
    }
}

/// What the next word is for.
enum Pending {
    None,
    Input,
    Output,
    HereDoc { strip_tabs: bool },
    HereString,
}

impl Lexer<'_> {
    fn peek(&self, n: usize) -> Option<char> {
        self.chars.get(self.at + n).copied()
    }

    fn run(&mut self, parsed: &mut Parsed, substituted: bool) {
        let mut current = Simple { substituted, ..Simple::default() };
        let mut word = Building::default();
        let mut pending = Pending::None;
        let finish_word = |lexer: &mut Self, current: &mut Simple, word: &mut Building, pending: &mut Pending| {
            let Some(w) = word.take() else { return };
            match std::mem::replace(pending, Pending::None) {
                Pending::None => current.words.push(w),
                Pending::Input => current.redirs.push(Redir::Input(w)),
                Pending::Output => current.redirs.push(Redir::Output(w)),
                Pending::HereString => current.redirs.push(Redir::Text(w.text)),
                Pending::HereDoc { strip_tabs } => {
                    current.redirs.push(Redir::Text(lexer.here_doc(&w.text, strip_tabs)))
                }
            }
        };
        let end_command = |parsed: &mut Parsed, current: &mut Simple| {
            if !current.words.is_empty() || !current.redirs.is_empty() {
                parsed.commands.push(std::mem::replace(current, Simple { substituted, ..Simple::default() }));
            }
        };
        while let Some(c) = self.peek(0) {
            if let Some(&(_, end)) = self.skip.iter().find(|(start, _)| *start == self.at) {
                self.at = end;
                continue;
            }
            match c {
                ' ' | '\t' => {
                    finish_word(self, &mut current, &mut word, &mut pending);
                    self.at += 1;
                }
                '\n' | ';' | '&' | '|' | '(' | ')' => {
                    if c == '&' && self.peek(1) == Some('>') {
                        finish_word(self, &mut current, &mut word, &mut pending);
                        self.at += 2;
                        if self.peek(0) == Some('>') {
                            self.at += 1;
                        }
                        pending = Pending::Output;
                        continue;
                    }
                    if c == ')' && self.depth > 0 {
                        break;
                    }
                    finish_word(self, &mut current, &mut word, &mut pending);
                    end_command(parsed, &mut current);
                    self.at += 1;
                }
                '#' if !word.started => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.at += 1;
                    }
                }
                '<' | '>' => self.redirection(&mut current, &mut word, &mut pending, parsed, &finish_word),
                '\'' => {
                    word.started = true;
                    self.at += 1;
                    self.single_quoted(&mut word.text);
                }
                '"' => {
                    word.started = true;
                    self.at += 1;
                    self.double_quoted(&mut word, parsed);
                }
                '\\' => {
                    word.started = true;
                    if let Some(n) = self.peek(1) {
                        if n != '\n' {
                            word.text.push(n);
                        }
                    }
                    self.at += 2;
                }
                '$' => {
                    word.started = true;
                    self.dollar(&mut word, parsed);
                }
                '`' => {
                    word.started = true;
                    self.backquote(&mut word, parsed);
                }
                '~' if !word.started && matches!(self.peek(1), None | Some('/' | ' ' | '\t' | '\n' | ';')) => {
                    word.started = true;
                    match self.env.home {
                        Some(h) => word.text.push_str(h),
                        None => word.dynamic = true,
                    }
                    self.at += 1;
                }
                '{' | '}' if !word.started && matches!(self.peek(1), None | Some(' ' | '\t' | '\n' | ';')) => {
                    end_command(parsed, &mut current);
                    self.at += 1;
                }
                _ => {
                    word.started = true;
                    if matches!(c, '*' | '?' | '[') {
                        word.glob = true;
                    }
                    word.text.push(c);
                    self.at += 1;
                }
            }
        }
        finish_word(self, &mut current, &mut word, &mut pending);
        end_command(parsed, &mut current);
    }

    /// `<`, `>` and their forms; `<(…)` and `>(…)` are process substitutions.
    fn redirection(
        &mut self,
        current: &mut Simple,
        word: &mut Building,
        pending: &mut Pending,
        parsed: &mut Parsed,
        finish_word: &dyn Fn(&mut Self, &mut Simple, &mut Building, &mut Pending),
    ) {
        let c = self.peek(0).unwrap_or('<');
        if self.peek(1) == Some('(') {
            word.started = true;
            word.dynamic = true;
            self.at += 2;
            self.nested(parsed);
            return;
        }
        // `2>` and `1>>`: a number right before the operator names a descriptor.
        if word.started && !word.text.is_empty() && word.text.bytes().all(|b| b.is_ascii_digit()) && !word.dynamic {
            *word = Building::default();
        } else {
            finish_word(self, current, word, pending);
        }
        self.at += 1;
        let next = self.peek(0);
        *pending = match (c, next) {
            ('<', Some('<')) => {
                self.at += 1;
                if self.peek(0) == Some('<') {
                    self.at += 1;
                    Pending::HereString
                } else {
                    let strip_tabs = self.peek(0) == Some('-');
                    if strip_tabs {
                        self.at += 1;
                    }
                    Pending::HereDoc { strip_tabs }
                }
            }
            ('<', Some('>')) => {
                self.at += 1;
                Pending::Input
            }
            ('<', Some('&')) | ('>', Some('&')) => {
                self.at += 1;
                // `>&2`, `<&0`, `>&-`: a descriptor, not a file.
                while self.peek(0).is_some_and(|c| c.is_ascii_digit() || c == '-') {
                    self.at += 1;
                }
                Pending::None
            }
            ('<', _) => Pending::Input,
            (_, Some('>' | '|')) => {
                self.at += 1;
                Pending::Output
            }
            _ => Pending::Output,
        };
    }

    /// Inside `"…"`: `$` and backquotes expand, `\` escapes a few characters.
    /// The rest of a `'…'` (after the opening quote): taken literally up to the closing one.
    fn single_quoted(&mut self, text: &mut String) {
        while let Some(c) = self.peek(0) {
            self.at += 1;
            if c == '\'' {
                return;
            }
            text.push(c);
        }
    }

    fn double_quoted(&mut self, word: &mut Building, parsed: &mut Parsed) {
        while let Some(c) = self.peek(0) {
            match c {
                '"' => {
                    self.at += 1;
                    return;
                }
                '\\' if matches!(self.peek(1), Some('"' | '\\' | '$' | '`' | '\n')) => {
                    if self.peek(1) != Some('\n') {
                        word.text.push(self.peek(1).unwrap_or_default());
                    }
                    self.at += 2;
                }
                '$' => self.dollar(word, parsed),
                '`' => self.backquote(word, parsed),
                _ => {
                    word.text.push(c);
                    self.at += 1;
                }
            }
        }
    }

    /// `$NAME`, `${NAME…}`, `$(…)`, `$((…))`, `$'…'` and special parameters.
    fn dollar(&mut self, word: &mut Building, parsed: &mut Parsed) {
        self.at += 1;
        match self.peek(0) {
            Some('(') if self.peek(1) == Some('(') => {
                word.dynamic = true;
                self.at += 2;
                let mut depth = 2;
                while let Some(c) = self.peek(0) {
                    self.at += 1;
                    depth += usize::from(c == '(');
                    depth -= usize::from(c == ')');
                    if depth == 0 {
                        break;
                    }
                }
            }
            Some('(') => {
                word.dynamic = true;
                self.at += 1;
                self.nested(parsed);
            }
            Some('{') => {
                self.at += 1;
                let start = self.at;
                while self.peek(0).is_some_and(|c| c != '}') {
                    self.at += 1;
                }
                let inner: String = self.chars[start..self.at].iter().collect();
                self.at += 1;
                let name: String = inner
                    .trim_start_matches(['#', '!'])
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                self.variable(&name, word, parsed);
            }
            Some('\'') => {
                self.at += 1;
                self.single_quoted(&mut word.text);
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let start = self.at;
                while self.peek(0).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    self.at += 1;
                }
                let name: String = self.chars[start..self.at].iter().collect();
                self.variable(&name, word, parsed);
            }
            Some(c) if c.is_ascii_digit() || matches!(c, '@' | '*' | '#' | '?' | '$' | '!' | '-') => {
                word.dynamic = true;
                self.at += 1;
            }
            _ => word.text.push('$'),
        }
    }

    fn variable(&mut self, name: &str, word: &mut Building, parsed: &mut Parsed) {
        if name.is_empty() {
            word.dynamic = true;
            return;
        }
        parsed.vars.push(name.to_string());
        match (name, self.env.vars.get(name)) {
            ("PWD", _) => word.text.push_str(self.env.cwd),
            ("HOME", _) if self.env.home.is_some() => word.text.push_str(self.env.home.unwrap_or_default()),
            (_, Some(value)) => word.text.push_str(value),
            (_, None) => word.dynamic = true,
        }
    }

    fn backquote(&mut self, word: &mut Building, parsed: &mut Parsed) {
        word.dynamic = true;
        self.at += 1;
        let start = self.at;
        while self.peek(0).is_some_and(|c| c != '`') {
            self.at += usize::from(self.peek(0) == Some('\\')) + 1;
        }
        let inner: String = self.chars[start..self.at.min(self.chars.len())].iter().collect();
        self.at += 1;
        self.sub_parse(&inner, parsed);
    }

    /// The commands of a `$(…)` or `<(…)` up to its `)`.
    fn nested(&mut self, parsed: &mut Parsed) {
        if self.depth >= MAX_DEPTH {
            let mut depth = 1;
            while let Some(c) = self.peek(0) {
                self.at += 1;
                depth += usize::from(c == '(');
                depth -= usize::from(c == ')');
                if depth == 0 {
                    return;
                }
            }
            return;
        }
        self.depth += 1;
        self.run(parsed, true);
        self.depth -= 1;
        if self.peek(0) == Some(')') {
            self.at += 1;
        }
    }

    fn sub_parse(&mut self, text: &str, parsed: &mut Parsed) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        let mut inner =
            Lexer { chars: text.chars().collect(), at: 0, env: self.env, depth: self.depth + 1, skip: Vec::new() };
        inner.run(parsed, true);
    }

    /// The body of a here-document ending at a line `delimiter`, which starts after the
    /// line holding `<<`; the lexer skips it when it gets there.
    fn here_doc(&mut self, delimiter: &str, strip_tabs: bool) -> String {
        let from = (self.at..self.chars.len()).find(|&i| self.chars[i] == '\n').map_or(self.chars.len(), |i| i + 1);
        let mut body = String::new();
        let mut i = from;
        while i < self.chars.len() {
            let end = (i..self.chars.len()).find(|&j| self.chars[j] == '\n').unwrap_or(self.chars.len());
            let line: String = self.chars[i..end].iter().collect();
            let shown = if strip_tabs { line.trim_start_matches('\t') } else { line.as_str() };
            i = (end + 1).min(self.chars.len());
            if shown == delimiter {
                break;
            }
            body.push_str(shown);
            body.push('\n');
        }
        self.skip.push((from, i.max(from)));
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Vec<String>> {
        let vars = HashMap::from([("TOKEN".to_string(), "t0k".to_string()), ("DIR".to_string(), "sub".to_string())]);
        let env = Env { vars: &vars, home: Some("/home/u"), cwd: "/w" };
        parse(line, &env).commands.into_iter().map(|c| c.words.into_iter().map(|w| w.text).collect()).collect()
    }

    #[test]
    fn splits_quotes_and_expands_like_the_shell() {
        assert_eq!(words("cd app && cat '.env' | grep X"), [vec!["cd", "app"], vec!["cat", ".env"], vec!["grep", "X"]]);
        assert_eq!(words("echo \"a b\"; ls"), [vec!["echo", "a b"], vec!["ls"]]);
        assert_eq!(
            words("cat $PWD/.env ${HOME}/.aws/credentials ~/.npmrc"),
            [vec!["cat", "/w/.env", "/home/u/.aws/credentials", "/home/u/.npmrc"]]
        );
        assert_eq!(words("cat \"$DIR\"/prod.env 'it''s'"), [vec!["cat", "sub/prod.env", "its"]]);
        assert_eq!(words("echo $'a\\tb' \\$TOKEN"), [vec!["echo", "a\\tb", "$TOKEN"]]);
    }

    #[test]
    fn substitutions_are_commands_of_their_own_and_make_words_dynamic() {
        let vars = HashMap::new();
        let env = Env { vars: &vars, home: None, cwd: "/w" };
        let p = parse("cat \"$(echo .env)\" `printf x` <(cat a)", &env);
        let outer = p.commands.iter().find(|c| !c.substituted).unwrap();
        assert_eq!(outer.words.len(), 4);
        assert!(outer.words[1..].iter().all(|w| w.dynamic));
        let inner: Vec<&str> = p.commands.iter().filter(|c| c.substituted).map(|c| c.words[0].text.as_str()).collect();
        assert_eq!(inner, ["echo", "printf", "cat"]);
        assert!(parse("cat $UNSET_VAR", &env).commands[0].words[1].dynamic);
    }

    #[test]
    fn redirections_and_here_documents() {
        let vars = HashMap::new();
        let env = Env { vars: &vars, home: None, cwd: "/w" };
        let p =
            parse("sort < in.txt > out.txt 2>&1 && python3 <<'EOF'\nprint(open('.env').read())\nEOF\necho done", &env);
        assert_eq!(p.commands[0].redirs, [Redir::Input(w("in.txt")), Redir::Output(w("out.txt"))]);
        assert_eq!(p.commands[1].redirs, [Redir::Text("print(open('.env').read())\n".into())]);
        assert_eq!(p.commands[2].words[0].text, "echo");
        assert_eq!(p.commands.len(), 3);
        let p = parse("cat .env >> ~/x 2> err.log", &env);
        assert_eq!(p.commands[0].redirs.len(), 2);
        assert!(parse("ls *.env", &env).commands[0].words[1].glob);
        assert!(!parse("ls '*.env'", &env).commands[0].words[1].glob);
    }

    fn w(text: &str) -> Word {
        Word { text: text.into(), glob: false, dynamic: false }
    }
}
