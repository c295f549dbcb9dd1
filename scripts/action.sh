#!/usr/bin/env bash
# The shell steps of keyreach's GitHub Action (action.yml runs one subcommand a step;
# .ci/action-test.sh runs the same subcommands with a simulated GitHub environment).
#
#   action.sh key       cache key for the installed binary: a hash of the action's source
#   action.sh install   cargo install --locked from the action's source
#   action.sh scan      keyreach scan --format sarif; outputs, job summary, fail-on
#
# Environment: GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH, RUNNER_TEMP
# (set by GitHub); INPUT_PATH, INPUT_ARGS, INPUT_PROBE, INPUT_FAIL_ON, INPUT_SARIF_FILE (the action's
# inputs); KEYREACH (the binary to run, default: the installed one), KEYREACH_INSTALL_ROOT
# (default ~/.cargo) and KEYREACH_INSTALL_FLAGS (extra `cargo install` flags).
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

cmd_key() {
  local hash
  hash=$(cd "$source_root" && find Cargo.toml Cargo.lock build.rs src rules -type f | LC_ALL=C sort |
    while IFS= read -r file; do sha256 <"$file"; echo "$file"; done | sha256 | cut -c1-32)
  output key "keyreach-$hash"
}

cmd_install() {
  command -v cargo >/dev/null ||
    die "cargo is not installed: add a Rust toolchain step (for example dtolnay/rust-toolchain@stable) before keyreach"
  local root=${KEYREACH_INSTALL_ROOT:-$HOME/.cargo}
  local -a flags
  set -f
  # shellcheck disable=SC2206 # split extra flags on whitespace, without globbing
  flags=(${KEYREACH_INSTALL_FLAGS:-})
  set +f
  cargo install --locked --force --path "$source_root" --root "$root" ${flags[@]+"${flags[@]}"}
  if [ -n "${GITHUB_PATH:-}" ]; then echo "$root/bin" >>"$GITHUB_PATH"; fi
  "$root/bin/keyreach" --version
}

# The binary: $KEYREACH, else the one `install` put in ~/.cargo/bin (restored from the
# cache or just built), else whatever is on PATH.
keyreach_bin() {
  if [ -n "${KEYREACH:-}" ]; then echo "$KEYREACH"; return; fi
  local dir=${KEYREACH_INSTALL_ROOT:-$HOME/.cargo}/bin
  for candidate in "$dir/keyreach" "$dir/keyreach.exe"; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  command -v keyreach || die "keyreach is not installed (the install step did not run?)"
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

  local code=0
  "$bin" "${args[@]}" ${extra[@]+"${extra[@]}"} || code=$?
  local failed
  case $code in
    0) failed=false ;;
    1) if [ "$fail_on" = never ]; then failed=false; else failed=true; fi ;;
    *) die "keyreach could not scan '$path' (exit $code): see the message above" ;;
  esac
  [ -s "$sarif" ] || die "keyreach wrote no SARIF to '$sarif'"

  python3 "$here/sarif_summary.py" --sarif "$sarif" --path "$path" --fail-on "$fail_on" --failed "$failed" \
    --outputs "$GITHUB_OUTPUT" --summary "$GITHUB_STEP_SUMMARY"
  if [ "$failed" = true ]; then
    echo "::error title=keyreach::credentials at or above '$fail_on' are reachable: see the job summary or code scanning"
    exit 1
  fi
}

case ${1:-} in
  key) cmd_key ;;
  install) cmd_install ;;
  scan) cmd_scan ;;
  *) die "usage: action.sh key|install|scan" ;;
esac
