//! `scan` inside archives: members shown as `archive!member` with the archive's reach, and
//! hostile archives (bombs, too many members, deep nesting, names leaving the archive,
//! links) bounded and said, never followed out of the archive.

use std::io::{Cursor, Write as _};
use std::path::Path;

use serde_json::Value;
use zip::write::SimpleFileOptions;

use crate::util::{fake, git, keyreach, repo, run, stderr, write};

fn token(seed: &str) -> String {
    fake("{{gen:github-crc32:ghp_}}", seed)
}

/// A zip of `(name, content)` members, deflated.
fn zip_of(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        zip.start_file(*name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn tar_of(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        tar.append_data(&mut header, name, data.as_slice()).unwrap();
    }
    tar.into_inner().unwrap()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn put(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// (locations as (secret, path, reach), problems as "path: cause", stderr) of a scan.
fn scan(dir: &Path, extra: &[&str]) -> (Vec<(String, String, String)>, Vec<String>, String) {
    let out = run(keyreach().arg("scan").arg(dir).args(["--format", "json", "--show-secrets"]).args(extra));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let mut locs = Vec::new();
    for f in doc["findings"].as_array().unwrap() {
        for l in f["locations"].as_array().unwrap() {
            let s = |v: &Value| v.as_str().unwrap().to_string();
            locs.push((s(&f["secret"]), s(&l["path"]), s(&l["reach"])));
        }
    }
    locs.sort();
    let problems = doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{}: {}", p["path"].as_str().unwrap(), p["cause"].as_str().unwrap()))
        .collect();
    (locs, problems, stderr(&out))
}

#[test]
fn members_of_each_archive_format_are_scanned_with_the_archives_reach() {
    let dir = repo();
    let d = dir.path();
    let t = token("archive-member");
    let env = format!("GITHUB_TOKEN={t}\n").into_bytes();
    let zipped = zip_of(&[("config/.env", env.clone()), ("README.md", b"hello\n".to_vec())]);
    for name in ["dist/app.zip", "lib/app.jar", "dist/app-1.0-py3-none-any.whl", "pkg/App.1.0.nupkg"] {
        put(d, name, &zipped);
    }
    let tarred = tar_of(&[("config/.env", env.clone())]);
    put(d, "src.tar", &tarred);
    put(d, "src.tar.gz", &gz(&tarred));
    put(d, "src.tgz", &gz(&tarred));
    write(d, ".gitignore", "*.tgz\n");
    git(d, &["add", "dist/app.zip", ".gitignore"]);

    let (locs, problems, err) = scan(d, &[]);
    assert!(problems.is_empty(), "{problems:?} {err}");
    let want: Vec<(String, String, String)> = [
        ("dist/app-1.0-py3-none-any.whl!config/.env", "untracked"),
        ("dist/app.zip!config/.env", "tracked"),
        ("lib/app.jar!config/.env", "untracked"),
        ("pkg/App.1.0.nupkg!config/.env", "untracked"),
        ("src.tar!config/.env", "untracked"),
        ("src.tar.gz!config/.env", "untracked"),
        ("src.tgz!config/.env", "ignored"),
    ]
    .iter()
    .map(|(p, r)| (t.clone(), p.to_string(), r.to_string()))
    .collect();
    assert_eq!(locs, want);

    // --no-archives: archives are files again (binary ones are skipped).
    let (locs, _, _) = scan(d, &["--no-archives"]);
    assert!(locs.iter().all(|(_, p, _)| !p.contains('!')), "{locs:?}");
}

#[test]
fn nested_archives_open_to_a_bounded_depth() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = token("nested");
    let env = format!("TOKEN={t}\n").into_bytes();
    // Three levels are read; a fourth is said, not opened.
    let level3 = zip_of(&[("c/.env", env.clone())]);
    let level2 = zip_of(&[("b.jar", level3.clone())]);
    put(d, "a.zip", &zip_of(&[("b.zip", level2.clone())]));
    put(d, "deep.zip", &zip_of(&[("x.zip", zip_of(&[("y.zip", level2)]))]));
    let (locs, problems, _) = scan(d, &[]);
    assert_eq!(locs, vec![(t.clone(), "a.zip!b.zip!b.jar!c/.env".to_string(), "untracked".to_string())]);
    assert!(
        problems.iter().any(|p| p.starts_with("deep.zip!x.zip!y.zip!b.jar: an archive nested deeper than 3 levels")),
        "{problems:?}"
    );
}

#[test]
fn a_zip_bomb_and_too_many_members_stop_at_the_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = token("bomb");
    // One member of 5 MB of zeros (a few KB compressed) under --max-file-size 1: not read
    // past the bound; the small member after it still is.
    let bomb = zip_of(&[("zeros.bin", vec![0u8; 5_000_000]), ("after/.env", format!("T={t}\n").into_bytes())]);
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    put(d, "bomb.zip", &bomb);
    // 10,001 members: the rest after the 10,000th is not read.
    let names: Vec<String> = (0..10_001).map(|i| format!("m/{i}.txt")).collect();
    let many: Vec<(&str, Vec<u8>)> = names.iter().map(|n| (n.as_str(), b"x\n".to_vec())).collect();
    put(d, "many.zip", &zip_of(&many));
    let (locs, problems, _) = scan(d, &["--max-file-size", "1"]);
    assert_eq!(locs, vec![(t, "bomb.zip!after/.env".to_string(), "untracked".to_string())]);
    assert!(
        problems.contains(&"bomb.zip!zeros.bin: larger than 1000000 bytes: not scanned".to_string()),
        "{problems:?}"
    );
    assert!(problems.contains(&"many.zip: more than 10000 members: the rest was not read".to_string()), "{problems:?}");
}

#[test]
fn an_archive_expanding_past_its_total_bound_stops_there() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 300 members of almost 1 MB of zeros each: every one within --max-file-size 1, together
    // past the 256 MB an archive may expand to. The file itself is a few hundred KB.
    let zeros = vec![0u8; 999_000];
    let names: Vec<String> = (0..300).map(|i| format!("z/{i:03}.bin")).collect();
    let members: Vec<(&str, Vec<u8>)> = names.iter().map(|n| (n.as_str(), zeros.clone())).collect();
    let bomb = zip_of(&members);
    assert!(bomb.len() < 2_000_000, "{}", bomb.len());
    put(d, "bomb.zip", &bomb);
    let (_, problems, _) = scan(d, &["--max-file-size", "1"]);
    assert_eq!(problems, vec!["bomb.zip: expands past 256000000 bytes: the rest was not read".to_string()]);
}

#[test]
fn names_leaving_the_archive_and_links_are_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = token("traversal");
    put(d, "evil.zip", &zip_of(&[("../../outside/.env", format!("T={t}\n").into_bytes())]));
    // A link member naming a file outside: its target is not read.
    let secret_outside = tempfile::tempdir().unwrap();
    let target = secret_outside.path().join("creds.env");
    std::fs::write(&target, format!("T={}\n", token("outside"))).unwrap();
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Symlink);
    header.set_size(0);
    tar.append_link(&mut header, "creds.env", &target).unwrap();
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Link);
    header.set_size(0);
    tar.append_link(&mut header, "hard.env", &target).unwrap();
    put(d, "links.tar", &tar.into_inner().unwrap());

    let (locs, problems, _) = scan(d, &[]);
    assert_eq!(locs, vec![(t, "evil.zip!outside/.env".to_string(), "untracked".to_string())]);
    assert!(
        problems.iter().any(|p| p.starts_with("evil.zip: member name \"../../outside/.env\" leaves the archive")),
        "{problems:?}"
    );
    let out = run(keyreach().arg("scan").arg(d).arg("--verbose"));
    let err = stderr(&out);
    assert!(
        err.contains("not scanned: links.tar!creds.env: ") && err.contains("not scanned: links.tar!hard.env: "),
        "{err}"
    );
    // Nothing was extracted next to the archive or above it.
    assert!(!d.join("outside").exists() && !d.parent().unwrap().join("outside").exists());
}
