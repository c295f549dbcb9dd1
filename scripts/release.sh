#!/usr/bin/env bash
# keyreach's release steps, in one place: the artefact names, the build, the archive, the
# checksums. .github/workflows/release.yml calls it once per target on a `v*` tag;
# .ci/release-test.sh runs it for the host target on every CI run, and the GitHub Action
# (scripts/action.sh) and the README use the names it gives.
#
#   release.sh TARGET OUTDIR            build keyreach for TARGET from the crate `cargo package`
#                                       makes (what `cargo install keyreach` builds), archive it in
#                                       OUTDIR and write OUTDIR/ARCHIVE.sha256
#   release.sh targets                  the targets a release ships, one a line
#   release.sh name TARGET              the archive's file name for TARGET
#   release.sh package TARGET BIN OUTDIR  only the archive step, for a binary built elsewhere
#   release.sh sums OUTDIR              OUTDIR/SHA256SUMS over every archive in OUTDIR
#   release.sh check-tag TAG            TAG is v<Cargo.toml version>, and the README's install
#                                       lines (pre-commit rev, Action ref, downloads) name it
#   release.sh image-context OUTDIR DIR  the container build context: DIR/<amd64|arm64>/keyreach
#                                       from OUTDIR's Linux (musl) archives
#
# An archive is keyreach-TARGET.tar.gz (keyreach-TARGET.zip on Windows) holding one
# directory, keyreach-TARGET/, with the binary, README.md, LICENSE-MIT and LICENSE-APACHE.
# Archives are reproducible: sorted members, fixed owner, modes and time (SOURCE_DATE_EPOCH,
# default: the last commit's time). Needs bash, cargo and Python 3.11+ (as `python3` or
# `python`); nothing else, so it runs on Linux, macOS and Windows (Git Bash) runners alike.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-$(command -v python3 || command -v python || true)}

die() {
  echo "release.sh: $*" >&2
  exit 2
}
[ -n "$PY" ] || die "Python 3 is needed (python3 or python on PATH)"

# The targets of a release: static Linux (musl), macOS, Windows (static CRT).
TARGETS=(
  x86_64-unknown-linux-musl
  aarch64-unknown-linux-musl
  x86_64-apple-darwin
  aarch64-apple-darwin
  x86_64-pc-windows-msvc
)

name_of() {
  case $1 in
    *-windows-*) echo "keyreach-$1.zip" ;;
    *-*-*) echo "keyreach-$1.tar.gz" ;;
    *) die "not a target triple: '$1'" ;;
  esac
}

version() {
  "$PY" - "$root/Cargo.toml" <<'EOF'
import sys, tomllib
print(tomllib.load(open(sys.argv[1], "rb"))["package"]["version"])
EOF
}

host_target() { rustc -vV | sed -n 's/^host: //p'; }

# package TARGET BIN OUTDIR: the archive and its .sha256 line.
cmd_package() {
  local target=$1 bin=$2 outdir=$3 name
  name=$(name_of "$target")
  [ -f "$bin" ] || die "no binary at '$bin'"
  mkdir -p "$outdir"
  local epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}
  "$PY" - "$outdir/$name" "keyreach-$target" "$epoch" "$bin" "$root" <<'EOF'
import gzip, hashlib, io, os, sys, tarfile, zipfile
archive, top, epoch, binary, root = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
exe = "keyreach.exe" if archive.endswith(".zip") else "keyreach"
members = [(exe, binary, 0o755)] + [(n, os.path.join(root, n), 0o644) for n in ("LICENSE-APACHE", "LICENSE-MIT", "README.md")]
members.sort()
if archive.endswith(".zip"):
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name, path, mode in members:
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, open(path, "rb").read())
else:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        d = tarfile.TarInfo(top)
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, epoch
        t.addfile(d)
        for name, path, mode in members:
            data = open(path, "rb").read()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size, info.mode, info.mtime = len(data), mode, epoch
            t.addfile(info, io.BytesIO(data))
    with open(archive, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as g:
        g.write(raw.getvalue())
digest = hashlib.sha256(open(archive, "rb").read()).hexdigest()
with open(archive + ".sha256", "w", newline="\n") as f:
    f.write(f"{digest}  {os.path.basename(archive)}\n")
print(f"{digest}  {archive}")
EOF
}

# A static Linux binary has no program interpreter (PT_INTERP): check the ELF header.
check_static() {
  "$PY" - "$1" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
if data[:4] != b"\x7fELF" or data[4] != 2:
    sys.exit(f"{sys.argv[1]}: not a 64-bit ELF file")
end = "<" if data[5] == 1 else ">"
phoff, = struct.unpack_from(end + "Q", data, 0x20)
phentsize, phnum = struct.unpack_from(end + "HH", data, 0x36)
for i in range(phnum):
    (kind,) = struct.unpack_from(end + "I", data, phoff + i * phentsize)
    if kind == 3:
        sys.exit(f"{sys.argv[1]}: dynamically linked (has a program interpreter), not static")
EOF
}

cmd_build() {
  local target=$1 outdir=$2 version work
  version=$(version)
  mkdir -p "$outdir"
  outdir=$(cd "$outdir" && pwd)
  # Build from the crate `cargo package` makes: what crates.io would get, so a file the
  # build needs but the package leaves out fails here, not in `cargo install keyreach`.
  local target_dir=${CARGO_TARGET_DIR:-$root/target}
  (cd "$root" && cargo package --locked --no-verify --allow-dirty --quiet --target-dir "$target_dir")
  # Unpacked at a fixed place, so a rebuild of unchanged sources is a no-op.
  work=$target_dir/package/release-src
  rm -rf "$work" && mkdir -p "$work"
  "$PY" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2], filter="data")' \
    "$target_dir/package/keyreach-$version.crate" "$work"
  local -a env=()
  case $target in
    *-linux-musl)
      # ring's C and assembly parts: musl-gcc (Debian/Ubuntu musl-tools) for a native musl build.
      local var=CC_${target//-/_}
      if [ -z "${!var:-}" ] && command -v musl-gcc >/dev/null; then env+=("$var=musl-gcc"); fi
      ;;
    *-windows-msvc)
      local flags
      flags=CARGO_TARGET_$(echo "${target//-/_}" | tr '[:lower:]' '[:upper:]')_RUSTFLAGS
      env+=("$flags=${!flags:-} -C target-feature=+crt-static")
      ;;
  esac
  env ${env[@]+"${env[@]}"} cargo build --release --locked --target "$target" --target-dir "$target_dir" \
    --manifest-path "$work/keyreach-$version/Cargo.toml"
  local bin=$target_dir/$target/release/keyreach
  case $target in *-windows-*) bin=$bin.exe ;; esac
  case $target in *-linux-musl) check_static "$bin" || die "the $target binary is not static" ;; esac
  if [ "$target" = "$(host_target)" ]; then
    local said
    said=$("$bin" --version) || die "$bin --version failed"
    [ "$said" = "keyreach $version" ] || die "$bin --version says '$said', not 'keyreach $version'"
  fi
  cmd_package "$target" "$bin" "$outdir"
}

cmd_sums() {
  local outdir=$1
  "$PY" - "$outdir" <<'EOF'
import hashlib, os, sys
outdir = sys.argv[1]
names = sorted(n for n in os.listdir(outdir) if n.startswith("keyreach-") and n.endswith((".tar.gz", ".zip")))
if not names:
    sys.exit(f"release.sh: no keyreach-*.tar.gz or keyreach-*.zip in {outdir}")
lines = [f"{hashlib.sha256(open(os.path.join(outdir, n), 'rb').read()).hexdigest()}  {n}\n" for n in names]
with open(os.path.join(outdir, "SHA256SUMS"), "w", newline="\n") as f:
    f.writelines(lines)
print("".join(lines), end="")
EOF
  rm -f "$outdir"/*.sha256
}

# The README's install section must name the version being tagged: the pre-commit `rev`,
# the Action's ref and the download URLs. This is how the documented rev stays real.
cmd_check_tag() {
  local tag=$1 version
  version=$(version)
  [ "$tag" = "v$version" ] || die "tag '$tag' is not v$version, the version in Cargo.toml"
  "$PY" - "$root/README.md" "$tag" <<'EOF'
import re, sys
readme, tag = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
want = {
    "pre-commit rev": r"^\s*rev:\s*([\w.\-]+)",
    "Action ref": r"uses:\s*keyreach/keyreach@([\w.\-]+)",
    "release download": r"releases/download/([\w.\-]+)/",
    "container tag": r"ghcr\.io/keyreach/keyreach:([\w.\-]+)",
}
bad = []
for what, pattern in want.items():
    found = set(re.findall(pattern, readme, re.M))
    if not found:
        bad.append(f"the README shows no {what}")
    for ref in sorted(found - {tag, tag.removeprefix("v")}):
        bad.append(f"the README's {what} is {ref}, not {tag}")
if bad:
    sys.exit("release.sh: " + "; ".join(bad))
EOF
}

cmd_image_context() {
  local outdir=$1 dir=$2
  "$PY" - "$outdir" "$dir" <<'EOF'
import os, sys, tarfile
outdir, ctx = sys.argv[1], sys.argv[2]
arches = {"x86_64": "amd64", "aarch64": "arm64"}
done = []
for arch, platform in arches.items():
    top = f"keyreach-{arch}-unknown-linux-musl"
    path = os.path.join(outdir, top + ".tar.gz")
    if not os.path.exists(path):
        sys.exit(f"release.sh: no {top}.tar.gz in {outdir}")
    with tarfile.open(path) as t:
        data = t.extractfile(f"{top}/keyreach").read()
    os.makedirs(os.path.join(ctx, platform), exist_ok=True)
    dest = os.path.join(ctx, platform, "keyreach")
    with open(dest, "wb") as f:
        f.write(data)
    os.chmod(dest, 0o755)
    done.append(dest)
print("\n".join(done))
EOF
}

case ${1:-} in
  targets) printf '%s\n' "${TARGETS[@]}" ;;
  name) name_of "${2:?usage: release.sh name TARGET}" ;;
  package) cmd_package "${2:?usage: release.sh package TARGET BIN OUTDIR}" "${3:?}" "${4:?}" ;;
  sums) cmd_sums "${2:?usage: release.sh sums OUTDIR}" ;;
  check-tag) cmd_check_tag "${2:?usage: release.sh check-tag TAG}" ;;
  image-context) cmd_image_context "${2:?usage: release.sh image-context OUTDIR DIR}" "${3:?}" ;;
  "" | -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' ;;
  *) cmd_build "$1" "${2:?usage: release.sh TARGET OUTDIR}" ;;
esac
