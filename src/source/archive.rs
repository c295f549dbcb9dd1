//! Archives read as the files inside them: zip (and the zip-based jar, war, whl, nupkg),
//! tar, tar.gz and tgz. Nothing is extracted to disk; members are read into memory within
//! bounds a hostile archive cannot talk its way past:
//!
//! - nesting: an archive inside an archive is opened up to [`Limits::depth`] levels;
//! - members: at most [`Limits::members`] entries per archive, nested ones included;
//! - size: at most [`Limits::member`] bytes per member and [`Limits::total`] expanded bytes
//!   per archive — counted as bytes come out of the decompressor, never from the sizes
//!   the archive declares (a zip bomb declares small ones);
//! - names: a member shown as `archive!name` (nested: `a.zip!b.jar!c.properties`); a name
//!   that leaves the archive (`../x`, `/etc/x`) is scanned under the name an extracting tool
//!   would use (`x`, `etc/x`), and said;
//! - links: symbolic- and hard-link members are not followed (their content is a path).

use std::io::{self, Read, Seek};

/// How far into a hostile archive keyreach reads.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub depth: u32,
    pub members: usize,
    pub member: u64,
    pub total: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { depth: 3, members: 10_000, member: 25_000_000, total: 256_000_000 }
    }
}

/// The archive formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Tar,
    TarGz,
}

/// The format a file name says, if it names an archive.
pub fn kind(name: &str) -> Option<Kind> {
    let lower = name.to_ascii_lowercase();
    let ext = |e: &str| lower.ends_with(e);
    if [".zip", ".jar", ".war", ".ear", ".whl", ".nupkg"].iter().any(|e| ext(e)) {
        Some(Kind::Zip)
    } else if ext(".tar.gz") || ext(".tgz") {
        Some(Kind::TarGz)
    } else if ext(".tar") {
        Some(Kind::Tar)
    } else {
        None
    }
}

/// What reading an archive yields, in order.
pub enum Event<'a> {
    /// A member's content: `name` is the full shown path (`dist/app.zip!config/.env`).
    Member { name: &'a str, data: &'a [u8] },
    /// A member not scanned (a link), with why.
    Skipped { name: &'a str, why: &'static str },
    /// Something said about the archive or a member (a bound reached, a bad entry).
    Problem { name: &'a str, cause: String },
}

/// Reads the archive `shown` (of `kind`) from `reader`, calling `visit` for each member.
pub fn read<R: Read + Seek>(reader: R, kind: Kind, shown: &str, limits: Limits, visit: &mut dyn FnMut(Event<'_>)) {
    let mut budget = Budget { limits, members: 0, total: 0 };
    budget.archive(reader, kind, shown, 1, visit);
}

struct Budget {
    limits: Limits,
    members: usize,
    total: u64,
}

impl Budget {
    fn archive<R: Read + Seek>(
        &mut self,
        reader: R,
        kind: Kind,
        shown: &str,
        depth: u32,
        visit: &mut dyn FnMut(Event<'_>),
    ) {
        let result = match kind {
            Kind::Zip => self.zip(reader, shown, depth, visit),
            Kind::Tar => self.tar(reader, shown, depth, visit),
            Kind::TarGz => self.tar(flate2::read::GzDecoder::new(reader), shown, depth, visit),
        };
        if let Err(cause) = result {
            visit(Event::Problem { name: shown, cause });
        }
    }

    fn zip<R: Read + Seek>(
        &mut self,
        reader: R,
        shown: &str,
        depth: u32,
        visit: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), String> {
        let mut zip = zip::ZipArchive::new(reader).map_err(|e| format!("not a readable zip archive: {e}"))?;
        for i in 0..zip.len() {
            let mut member = match zip.by_index(i) {
                Ok(m) => m,
                Err(e) => {
                    visit(Event::Problem { name: shown, cause: format!("member {}: {e}", i + 1) });
                    continue;
                }
            };
            if member.is_dir() {
                continue;
            }
            let name = format!("{shown}!{}", inside_name(member.name().as_bytes(), shown, visit));
            if member.is_symlink() {
                visit(Event::Skipped { name: &name, why: "link" });
                continue;
            }
            self.member(&mut member, &name, depth, visit)?;
        }
        Ok(())
    }

    fn tar<R: Read>(
        &mut self,
        reader: R,
        shown: &str,
        depth: u32,
        visit: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), String> {
        let mut tar = tar::Archive::new(reader);
        let entries = tar.entries().map_err(|e| format!("not a readable tar archive: {e}"))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| format!("not a readable tar archive: {e}"))?;
            let kind = entry.header().entry_type();
            if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
                continue;
            }
            let name = format!("{shown}!{}", inside_name(&entry.path_bytes(), shown, visit));
            if kind.is_symlink() || kind.is_hard_link() {
                visit(Event::Skipped { name: &name, why: "link" });
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            self.member(&mut entry, &name, depth, visit)?;
        }
        Ok(())
    }

    /// Reads one member within the bounds; opens it when it is an archive itself.
    fn member(
        &mut self,
        reader: &mut dyn Read,
        name: &str,
        depth: u32,
        visit: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), String> {
        self.members += 1;
        if self.members > self.limits.members {
            return Err(format!("more than {} members: the rest was not read", self.limits.members));
        }
        let room = self.limits.member.min(self.limits.total.saturating_sub(self.total));
        let mut data = Vec::new();
        reader.take(room.saturating_add(1)).read_to_end(&mut data).map_err(|e| format!("{name}: {e}"))?;
        if data.len() as u64 > room {
            if room < self.limits.member {
                return Err(format!("expands past {} bytes: the rest was not read", self.limits.total));
            }
            visit(Event::Problem { name, cause: format!("larger than {} bytes: not scanned", self.limits.member) });
            self.total += data.len() as u64;
            return Ok(());
        }
        self.total += data.len() as u64;
        match kind(name.rsplit('!').next().unwrap_or(name)) {
            Some(_) if depth >= self.limits.depth => {
                let cause = format!("an archive nested deeper than {} levels: not opened", self.limits.depth);
                visit(Event::Problem { name, cause });
            }
            Some(inner) => self.archive(io::Cursor::new(data), inner, name, depth + 1, visit),
            None => visit(Event::Member { name, data: &data }),
        }
        Ok(())
    }
}

/// A member name as an extracting tool would write it: `/`-separated, without a leading
/// `/`, drive or `..` parts (said when it had them).
fn inside_name(raw: &[u8], shown: &str, visit: &mut dyn FnMut(Event<'_>)) -> String {
    let text = String::from_utf8_lossy(raw).replace('\\', "/");
    let parts: Vec<&str> =
        text.split('/').filter(|p| !p.is_empty() && *p != "." && *p != ".." && !p.ends_with(':')).collect();
    let clean = parts.join("/");
    if clean != text.trim_start_matches("./") {
        let cause = format!("member name {text:?} leaves the archive: scanned as {clean:?}");
        visit(Event::Problem { name: shown, cause });
    }
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_kinds_come_from_the_name() {
        assert_eq!(kind("dist/app.ZIP"), Some(Kind::Zip));
        assert_eq!(kind("lib/x.jar"), Some(Kind::Zip));
        assert_eq!(kind("pkg.nupkg"), Some(Kind::Zip));
        assert_eq!(kind("w-1.0-py3-none-any.whl"), Some(Kind::Zip));
        assert_eq!(kind("src.tar.gz"), Some(Kind::TarGz));
        assert_eq!(kind("src.tgz"), Some(Kind::TarGz));
        assert_eq!(kind("src.tar"), Some(Kind::Tar));
        assert_eq!(kind("notes.txt"), None);
        assert_eq!(kind("zip"), None);
    }

    #[test]
    fn names_that_leave_the_archive_are_cleaned_and_said() {
        let mut said = Vec::new();
        let mut visit = |e: Event<'_>| {
            if let Event::Problem { cause, .. } = e {
                said.push(cause);
            }
        };
        assert_eq!(inside_name(b"../../etc/cron.d/x", "a.zip", &mut visit), "etc/cron.d/x");
        assert_eq!(inside_name(b"/abs/path", "a.zip", &mut visit), "abs/path");
        assert_eq!(inside_name(b"C:\\win\\x.ini", "a.zip", &mut visit), "win/x.ini");
        assert_eq!(inside_name(b"./ok/name.txt", "a.zip", &mut visit), "ok/name.txt");
        assert_eq!(said.len(), 3, "{said:?}");
        assert!(said[0].contains("leaves the archive"));
    }
}
