#!/usr/bin/env bash
# The shell steps of keyreach's GitHub Action (action.yml runs one subcommand a step;
# .ci/action-test.sh runs the same subcommands with a simulated GitHub environment).
#
#   action.sh setup     release or source? For a `v*` ref of the action: the release of the
#                       action's own version and this runner's archive; otherwise the cache key
#                       of a source build (Cargo.lock and the toolchain, not the commit)
#   action.sh download  fetch the release archive and SHA256SUMS, verify, unpack, put on PATH
#   action.sh install   cargo install --locked from the action's source (untagged refs)
#   action.sh scan      keyreach scan --format sarif; outputs, job summary, fail-on
#
# Environment: GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH, RUNNER_TEMP,
# RUNNER_OS, RUNNER_ARCH, GITHUB_SERVER_URL, GITHUB_ACTION_PATH (set by GitHub); ACTION_REF and
# ACTION_REPOSITORY (github.action_ref and github.action_repository, passed by action.yml);
# TAG and ASSET (setup's outputs, for download); INPUT_PATH, INPUT_ARGS, INPUT_PROBE,
# INPUT_FAIL_ON, INPUT_SARIF_FILE (the action's inputs); KEYREACH (the binary to run, default:
# the downloaded or installed one), KEYREACH_INSTALL_ROOT (default ~/.cargo),
# KEYREACH_INSTALL_FLAGS (extra `cargo install` flags), KEYREACH_TARGET_DIR (the cached cargo
# target directory) and KEYREACH_RELEASE_URL (where releases are downloaded from, default
# $GITHUB_SERVER_URL/$ACTION_REPOSITORY/releases/download; tests point it at a local server).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_root=$(dirname "$here")

# GitHub reads workflow commands (annotations) from the step's standard output.
die() {
  echo "::error title=keyreach::$*"
  exit 2
}

output() {
  echo "$1=$2" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
}

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi
}

# The action's own version: a release is made only for a tag equal to it (release.yml).
own_version() {
  sed -n 's/^version = "\(.*\)"$/\1/p' "$source_root/Cargo.toml" | head -n 1
}

# The ref and repository the workflow named in `uses:`. github.action_ref is not promised
# inside a composite action, so fall back on the action's path: .../_actions/OWNER/REPO/REF.
action_ref() {
  if [ -n "${ACTION_REF:-}" ]; then echo "$ACTION_REF"; return; fi
  local path=${GITHUB_ACTION_PATH:-$source_root}
  case $path in */_actions/*/*/*) basename "$path" ;; esac
}

action_repository() {
  if [ -n "${ACTION_REPOSITORY:-}" ]; then echo "$ACTION_REPOSITORY"; return; fi
  local path=${GITHUB_ACTION_PATH:-$source_root}
  case $path in */_actions/*/*/*) path=$(dirname "$path") && echo "$(basename "$(dirname "$path")")/$(basename "$path")" ;; esac
}

# This runner's release target, or nothing when no release archive fits it.
runner_target() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64 | Windows/ARM64) echo x86_64-pc-windows-msvc ;; # Windows on Arm runs x64 binaries
  esac
}

cmd_setup() {
  local ref target
  ref=$(action_ref)
  target=$(runner_target)
  # A version tag: v1, v1.2, v1.2.3, v1.2.3-rc.1 (a floating major tag gets the release of
  # the version its commit carries).
  if [[ $ref =~ ^v[0-9]+(\.[0-9]+){0,2}(-[0-9A-Za-z.-]+)?$ ]]; then
    if [ -n "$target" ]; then
      local tag
      tag="v$(own_version)"
      output mode release
      output tag "$tag"
      output asset "$(bash "$here/release.sh" name "$target")"
      echo "keyreach $tag: the released binary for $target (the action's ref is $ref)"
      return
    fi
    echo "::notice title=keyreach::no keyreach release archive for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}: building from source"
  fi
  # Untagged (a branch, a commit, a local `uses: ./`): build from source. The cache key
  # changes with the dependencies and the toolchain, not with every commit of the ref.
  local toolchain=none
  if command -v rustc >/dev/null; then toolchain=$(rustc -vV); fi
  local key
  key=$({ sha256 <"$source_root/Cargo.lock"; echo "$toolchain"; } | sha256 | cut -c1-32)
  output mode source
  output key "keyreach-build-$key"
  echo "keyreach: building from source (the action's ref is '${ref:-local}', not a v* tag)"
}

# download: $TAG's $ASSET and SHA256SUMS; the archive is unpacked only when it matches.
cmd_download() {
  : "${TAG:?TAG is not set}" "${ASSET:?ASSET is not set}" "${RUNNER_TEMP:?RUNNER_TEMP is not set}"
  local repo base
  repo=$(action_repository)
  base=${KEYREACH_RELEASE_URL:-${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download}
  local dir=$RUNNER_TEMP/keyreach-$TAG
  rm -rf "$dir" && mkdir -p "$dir"
  local release="release $TAG of ${repo:-keyreach}"
  fetch "$base/$TAG/$ASSET" "$dir/$ASSET" "$release has no $ASSET"
  fetch "$base/$TAG/SHA256SUMS" "$dir/SHA256SUMS" "$release has no SHA256SUMS to verify $ASSET against"
  local want got
  want=$(awk -v name="$ASSET" '$2 == name || $2 == "*" name { print $1; exit }' "$dir/SHA256SUMS")
  [ -n "$want" ] || die "the SHA256SUMS of $release lists no $ASSET: not installing it"
  got=$(sha256 <"$dir/$ASSET" | cut -d' ' -f1)
  [ "$want" = "$got" ] ||
    die "$ASSET does not match the SHA256SUMS of $release (expected $want, got $got): not installing it"
  case $ASSET in
    *.zip) (cd "$dir" && unzip -q "$ASSET") ;;
    *) tar -xzf "$dir/$ASSET" -C "$dir" ;;
  esac
  local top=${ASSET%.tar.gz}
  top=${top%.zip}
  local bin=$dir/$top/keyreach
  if [ -f "$bin.exe" ]; then bin=$bin.exe; fi
  [ -x "$bin" ] || die "$ASSET of $release holds no $top/keyreach"
  if [ -n "${GITHUB_PATH:-}" ]; then echo "$dir/$top" >>"$GITHUB_PATH"; fi
  output bin "$bin"
  "$bin" --version
}

# fetch URL FILE MESSAGE: download, or fail with MESSAGE and the HTTP status or curl error.
fetch() {
  local url=$1 file=$2 message=$3 status code=0
  local -a protocols=(--proto '=https' --proto-redir '=https')
  if [ -n "${KEYREACH_RELEASE_URL:-}" ]; then protocols=(--proto '=http,https'); fi
  status=$(curl -sSL --retry 3 --connect-timeout 20 "${protocols[@]}" -o "$file" -w '%{http_code}' "$url" 2>"$file.err") || code=$?
  if [ "$code" != 0 ]; then
    die "$message: cannot download $url ($(head -n 1 "$file.err" | sed 's/^curl: ([0-9]*) //'))"
  fi
  [ "$status" = 200 ] || die "$message (HTTP $status from $url)"
}

cmd_install() {
  command -v cargo >/dev/null ||
    die "cargo is not installed: add a Rust toolchain step (for example dtolnay/rust-toolchain@stable) before keyreach, or use a v* tag of the action for the released binary"
  local root=${KEYREACH_INSTALL_ROOT:-$HOME/.cargo}
  local -a flags
  set -f
  # shellcheck disable=SC2206 # split extra flags on whitespace, without globbing
  flags=(${KEYREACH_INSTALL_FLAGS:-})
  set +f
  # A quick release build (no LTO): it is rebuilt whenever the action's source changes,
  # while its dependencies come from the cached target directory.
  # (action.yml gives it as ~/..., the path actions/cache saves.)
  if [ -n "${KEYREACH_TARGET_DIR:-}" ]; then export CARGO_TARGET_DIR=${KEYREACH_TARGET_DIR/#\~/$HOME}; fi
  CARGO_PROFILE_RELEASE_LTO=${CARGO_PROFILE_RELEASE_LTO:-false} \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-16} \
    CARGO_PROFILE_RELEASE_DEBUG=${CARGO_PROFILE_RELEASE_DEBUG:-0} \
    cargo install --locked --force --path "$source_root" --root "$root" ${flags[@]+"${flags[@]}"}
  if [ -n "${GITHUB_PATH:-}" ]; then echo "$root/bin" >>"$GITHUB_PATH"; fi
  local bin=$root/bin/keyreach
  if [ -f "$bin.exe" ]; then bin=$bin.exe; fi
  output bin "$bin"
  "$bin" --version
}

# The binary: $KEYREACH, else the one `install` put in ~/.cargo/bin, else whatever is on PATH.
keyreach_bin() {
  if [ -n "${KEYREACH:-}" ]; then echo "$KEYREACH"; return; fi
  local dir=${KEYREACH_INSTALL_ROOT:-$HOME/.cargo}/bin
  for candidate in "$dir/keyreach" "$dir/keyreach.exe"; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  command -v keyreach || die "keyreach is not installed (the install step did not run?)"
}

# has_flag FLAG ARGS...: whether ARGS hold FLAG or FLAG=...
has_flag() {
  local flag=$1 arg
  shift
  for arg in "$@"; do
    case $arg in "$flag" | "$flag"=*) return 0 ;; esac
  done
  return 1
}

cmd_scan() {
  : "${GITHUB_WORKSPACE:?GITHUB_WORKSPACE is not set}" "${GITHUB_STEP_SUMMARY:?GITHUB_STEP_SUMMARY is not set}"
  local path=${INPUT_PATH:-.} fail_on=${INPUT_FAIL_ON:-low} probe=${INPUT_PROBE:-false}
  # Default: outside the workspace, so later steps neither scan nor commit it.
  local sarif=${INPUT_SARIF_FILE:-${RUNNER_TEMP:-.}/keyreach.sarif}
  case $fail_on in
    low | medium | high | critical | never) ;;
    *) die "input fail-on must be one of low, medium, high, critical, never (got '$fail_on')" ;;
  esac
  case $probe in
    true | false) ;;
    *) die "input probe must be true or false (got '$probe')" ;;
  esac
  local bin
  bin=$(keyreach_bin)
  cd "$GITHUB_WORKSPACE"
  [ -e "$path" ] || die "input path '$path' does not exist in the workspace"
  mkdir -p "$(dirname "$sarif")"

  local -a args=(scan "$path" --format sarif --output "$sarif")
  if [ "$fail_on" != never ]; then args+=(--fail-on "$fail_on"); fi
  if [ "$probe" = true ]; then args+=(--probe); fi
  local -a extra
  set -f
  # shellcheck disable=SC2206 # input args: split on whitespace, without globbing
  extra=(${INPUT_ARGS:-})
  set +f

  # The repository's baseline, unless the args name one.
  local baseline=""
  if [ -f .keyreach-baseline.json ] && ! has_flag --baseline ${extra[@]+"${extra[@]}"}; then
    baseline=.keyreach-baseline.json
    args+=(--baseline "$GITHUB_WORKSPACE/$baseline")
  fi
  # A shallow clone (actions/checkout's default) has no history to scan.
  if { has_flag --history ${extra[@]+"${extra[@]}"} || has_flag --since ${extra[@]+"${extra[@]}"}; } &&
    [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
    echo "::warning title=keyreach::the checkout is shallow: --history sees only the fetched commits, so removed secrets are missed and old ones are credited to the newest commit. Set fetch-depth: 0 on actions/checkout."
  fi

  local code=0
  "$bin" "${args[@]}" ${extra[@]+"${extra[@]}"} || code=$?
  local failed
  case $code in
    0) failed=false ;;
    1) if [ "$fail_on" = never ]; then failed=false; else failed=true; fi ;;
    *) die "keyreach could not scan '$path' (exit $code): see the message above" ;;
  esac
  [ -s "$sarif" ] || die "keyreach wrote no SARIF to '$sarif'"

  # python3, or `python` where python3 is missing or a stub (Windows runners).
  local py=python3
  python3 -c '' 2>/dev/null || py=python
  "$py" "$here/sarif_summary.py" --sarif "$sarif" --path "$path" --fail-on "$fail_on" --failed "$failed" \
    --baseline "$baseline" --outputs "$GITHUB_OUTPUT" --summary "$GITHUB_STEP_SUMMARY"
  if [ "$failed" = true ]; then
    echo "::error title=keyreach::credentials at or above '$fail_on' are reachable: see the job summary or code scanning"
    exit 1
  fi
}

case ${1:-} in
  setup) cmd_setup ;;
  download) cmd_download ;;
  install) cmd_install ;;
  scan) cmd_scan ;;
  *) die "usage: action.sh setup|download|install|scan" ;;
esac
