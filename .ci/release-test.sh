#!/usr/bin/env bash
# The release path, on every CI run: scripts/release.sh builds, archives and checksums the
# host target exactly as .github/workflows/release.yml does per target on a tag (only the host
# toolchain exists here). Checks the archive's name and layout, the binary, SHA256SUMS, that
# archives are reproducible, what the published crate carries (`cargo package --list`), that the
# cargo-binstall metadata, the workflow, the container build and the README's install lines
# all use the script's names, and that the README names the version a tag would release.
# Needs bash, cargo, Python 3.11+ (with PyYAML, installed if missing) and sha256sum.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
release=$repo/scripts/release.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=.ci/checks.sh
. "$repo/.ci/checks.sh"

host=$(rustc -vV | sed -n 's/^host: //p')
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)
name=$(bash "$release" name "$host")

# CI builds the release profile without LTO (the steps are the same, the build is minutes
# shorter); .ci/precommit-test.sh builds its hook with the same settings in the same target
# directory, so it reuses these dependencies.
# shellcheck source=.ci/quick-release.env
source "$repo/.ci/quick-release.env"

# --- build, archive, checksum the host target ------------------------------------------------
dist=$tmp/dist
start=$SECONDS
bash "$release" "$host" "$dist"
bash "$release" sums "$dist" >/dev/null
echo "release-test: built and archived $host in $((SECONDS - start)) s"

check "the archive has the script's name and SHA256SUMS sits beside it" \
  [ "$(cd "$dist" && printf '%s ' *)" = "SHA256SUMS $name " ]
check "SHA256SUMS verifies the archive" bash -c "cd '$dist' && sha256sum --quiet -c SHA256SUMS"
cp -r "$dist" "$tmp/tampered"
printf 'x' >>"$tmp/tampered/$name"
check "SHA256SUMS catches a changed archive" bash -c "cd '$tmp/tampered' && ! sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1"
check "the archive holds one directory with the binary, README and licences" python3 - "$dist/$name" "keyreach-$host" <<'EOF'
import sys, tarfile
path, top = sys.argv[1], sys.argv[2]
with tarfile.open(path) as t:
    members = {m.name: m for m in t.getmembers()}
want = {top, f"{top}/keyreach", f"{top}/README.md", f"{top}/LICENSE-MIT", f"{top}/LICENSE-APACHE"}
assert set(members) == want, sorted(members)
assert members[f"{top}/keyreach"].mode == 0o755 and members[f"{top}/README.md"].mode == 0o644
assert all(m.uid == 0 and m.gid == 0 and m.uname == "" for m in members.values())
EOF
mkdir -p "$tmp/unpacked"
tar -xzf "$dist/$name" -C "$tmp/unpacked"
bin=$tmp/unpacked/keyreach-$host/keyreach
check "the archived binary reports the crate's version" [ "$("$bin" --version)" = "keyreach $version" ]

# The binary was built from the packaged crate: its rules are embedded and it finds a
# checksum-valid fake GitHub token, made now (the repository holds no such literal).
mkdir -p "$tmp/scan"
python3 - "$tmp/scan/deploy.sh" <<'EOF'
import random, sys, zlib
rng = random.Random(7)
alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
body = "".join(rng.choice(alnum) for _ in range(30))
n, check = zlib.crc32(body.encode()), ""
for _ in range(6):
    check, n = alnum[n % 62] + check, n // 62
open(sys.argv[1], "w").write("export GITHUB_TOKEN=" + "ghp" + "_" + body + check + "\n")
EOF
code=0
"$bin" scan "$tmp/scan" --format json >"$tmp/scan.json" 2>"$tmp/scan.err" || code=$?
check "the archived binary finds a credential (exit 1)" [ "$code" = 1 ]
check "with its built-in rules" grep -q '"rule": *"github.classic-pat"' "$tmp/scan.json"

# Reproducible: packing the same binary again gives the same bytes.
bash "$release" package "$host" "$bin" "$tmp/again" >/dev/null
check "archives are reproducible" cmp -s "$dist/$name" "$tmp/again/$name"

# --- what `cargo install keyreach` gets -----------------------------------------------------
(cd "$repo" && cargo package --list --locked --allow-dirty 2>/dev/null) >"$tmp/package.list"
check "the crate carries every rule file" python3 - "$tmp/package.list" "$repo" <<'EOF'
import os, sys
listed = set(open(sys.argv[1]).read().split())
rules = {f"rules/{n}" for n in os.listdir(os.path.join(sys.argv[2], "rules")) if n.endswith(".toml")}
missing = rules - listed
assert rules and not missing, sorted(missing)
for need in ("build.rs", "Cargo.lock", "README.md", "LICENSE-MIT", "LICENSE-APACHE", "src/main.rs"):
    assert need in listed, need
EOF
check "the crate carries no fixtures, tests, benches or fuzz corpora" python3 - "$tmp/package.list" <<'EOF'
import sys
listed = open(sys.argv[1]).read().split()
stray = [p for p in listed if p.split("/")[0] in ("fixtures", "tests", "benches", "fuzz", "examples", ".ci", ".github", "scripts")]
assert not stray, stray[:10]
EOF

# --- cargo-binstall, the workflow, the container and the README use the script's names ------
check "the binstall metadata renders to the script's archive names and layout" python3 - "$repo" <<'EOF'
import re, subprocess, sys, tomllib
root = sys.argv[1]
manifest = tomllib.load(open(f"{root}/Cargo.toml", "rb"))
pkg = manifest["package"]
meta = pkg["metadata"]["binstall"]
def run(*args):
    return subprocess.run(["bash", f"{root}/scripts/release.sh", *args], capture_output=True, text=True, check=True).stdout
for target in run("targets").split():
    m = dict(meta)
    m.update(meta.get("overrides", {}).get(target, {}))
    exe = ".exe" if "windows" in target else ""
    values = {"repo": pkg["repository"], "name": pkg["name"], "version": pkg["version"], "target": target, "bin": "keyreach", "binary-ext": exe}
    render = lambda t: re.sub(r"\{ *([a-z-]+) *\}", lambda x: values[x.group(1)], t)
    name = run("name", target).strip()
    url = render(m["pkg-url"])
    assert url == f"{pkg['repository']}/releases/download/v{pkg['version']}/{name}", url
    fmt = {"zip": ".zip", "tgz": ".tar.gz"}[m["pkg-fmt"]]
    assert name.endswith(fmt), (name, m["pkg-fmt"])
    assert render(m["bin-dir"]) == f"keyreach-{target}/keyreach{exe}", render(m["bin-dir"])
EOF
check "release.yml builds every target release.sh names, with release.sh" python3 - "$repo" <<'EOF'
import subprocess, sys, yaml
root = sys.argv[1]
wf = yaml.safe_load(open(f"{root}/.github/workflows/release.yml"))
assert wf[True]["push"]["tags"] == ["v*"], wf[True]
targets = subprocess.run(["bash", f"{root}/scripts/release.sh", "targets"], capture_output=True, text=True, check=True).stdout.split()
build = wf["jobs"]["build"]
assert [e["target"] for e in build["strategy"]["matrix"]["include"]] == targets
runs = "\n".join(s.get("run", "") for job in wf["jobs"].values() for s in job["steps"])
for step in ('scripts/release.sh check-tag "$GITHUB_REF_NAME"', 'scripts/release.sh "$TARGET" dist', "scripts/release.sh sums dist", "scripts/release.sh image-context dist image"):
    assert step in runs, step
uses = [s.get("uses", "") for job in wf["jobs"].values() for s in job["steps"]]
assert sum(u.startswith("actions/attest-build-provenance@") for u in uses) == 2, "archives and image attested"
push = next(s for s in wf["jobs"]["image"]["steps"] if s.get("id") == "push")
assert push["with"]["platforms"] == "linux/amd64,linux/arm64" and push["with"]["file"] == "scripts/release.Dockerfile"
docker = open(f"{root}/scripts/release.Dockerfile").read()
assert "FROM scratch" in docker and "COPY --chmod=0755 ${TARGETARCH}/keyreach " in docker
EOF
# The container context: built here from stand-in Linux archives of the host binary.
bash "$release" package x86_64-unknown-linux-musl "$bin" "$tmp/musl" >/dev/null
bash "$release" package aarch64-unknown-linux-musl "$bin" "$tmp/musl" >/dev/null
bash "$release" image-context "$tmp/musl" "$tmp/image" >/dev/null
check "the image context has a binary per Docker architecture" [ -x "$tmp/image/amd64/keyreach" ] && [ -x "$tmp/image/arm64/keyreach" ]
check "the README's install lines name the script's archives" python3 - "$repo" <<'EOF'
import re, subprocess, sys
root = sys.argv[1]
readme = open(f"{root}/README.md", encoding="utf-8").read()
def run(*args):
    return subprocess.run(["bash", f"{root}/scripts/release.sh", *args], capture_output=True, text=True, check=True).stdout
names = {run("name", t).strip() for t in run("targets").split()}
shown = set(re.findall(r"keyreach-[a-z0-9_]+-[a-z0-9_-]+\.(?:tar\.gz|zip)", readme))
assert shown, "the README shows no archive"
assert shown <= names, sorted(shown - names)
for line in ("cargo install keyreach", "cargo binstall keyreach", "docker run", "sha256sum", "id: keyreach"):
    assert line in readme, line
EOF
check "the README names the version a tag would release (pre-commit rev, Action, downloads)" \
  bash "$release" check-tag "v$version"
check "a tag other than the crate's version is refused" bash -c "! bash '$release' check-tag v999.0.0 2>/dev/null"

checks_done release-test
