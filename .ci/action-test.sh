#!/usr/bin/env bash
# shellcheck disable=SC2016 # backquotes in single quotes are markdown, not expansions
# Runs the GitHub Action's own shell steps (scripts/action.sh, exactly as action.yml calls
# them) with a simulated GitHub environment: a temporary workspace with made-up credentials,
# GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH and RUNNER_TEMP files. Checks the SARIF
# file, the outputs, the job summary, the exit status and that no secret is printed.
# Needs bash, python3 (with PyYAML, installed if missing) and cargo; run by .ci/run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
action=$repo/scripts/action.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=.ci/checks.sh
. "$repo/.ci/checks.sh"

# A made-up key: the rule prefix and 24 random lowercase letters and digits (the formats
# fixtures/sarif/keyreach.toml declares). Nothing here is a real provider's format.
fake_key() {
  python3 -c 'import secrets, string, sys; a = string.ascii_lowercase + string.digits
print(sys.argv[1] + "".join(secrets.choice(a) for _ in range(24)))' "$1"
}

# --- the workspace: a finding of every severity, one of them in a subdirectory ------------
workspace=$tmp/workspace
mkdir -p "$workspace/config" "$workspace/services/api" "$workspace/vendor"
cp "$repo/fixtures/sarif/keyreach.toml" "$workspace/keyreach.toml"
cp "$repo/fixtures/sarif/keyreach.toml" "$workspace/services/api/keyreach.toml"
admin=$(fake_key acmeadmin_)
write=$(fake_key acmewrite_)
read_only=$(fake_key acmeread_)
test_mode=$(fake_key acmetest_)
secrets=("$admin" "$write" "$read_only" "$test_mode")
printf '#!/bin/sh\nexport ACME_ADMIN=%s\n' "$admin" >"$workspace/deploy.sh"
printf 'ACME_READ=%s\nACME_TEST=%s\n' "$read_only" "$test_mode" >"$workspace/config/app settings.env"
printf 'ACME_DEPLOY=%s\n' "$write" >"$workspace/services/api/.env"
echo "vendored" >"$workspace/vendor/lib.txt"

# A fresh simulated environment for one step: new output, summary and temp files.
simulate() {
  local dir=$tmp/run-$1
  mkdir -p "$dir/temp"
  export GITHUB_WORKSPACE=$workspace GITHUB_OUTPUT=$dir/output GITHUB_STEP_SUMMARY=$dir/summary
  export GITHUB_PATH=$dir/path RUNNER_TEMP=$dir/temp GITHUB_ACTION_PATH=$repo
  : >"$GITHUB_OUTPUT"
  : >"$GITHUB_STEP_SUMMARY"
  : >"$GITHUB_PATH"
  unset INPUT_PATH INPUT_ARGS INPUT_PROBE INPUT_FAIL_ON INPUT_SARIF_FILE KEYREACH ACTION_REF ACTION_REPOSITORY
  run_dir=$dir
}

# Runs `action.sh scan` as the scan step would; sets $status and keeps stdout and stderr.
scan_step() {
  status=0
  (cd "$workspace" && bash "$action" scan) >"$run_dir/stdout" 2>"$run_dir/stderr" || status=$?
}

out() { sed -n "s/^$1=//p" "$GITHUB_OUTPUT" | tail -n 1; }
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
no_secret_in() {
  local file s
  for file in "$@"; do
    for s in "${secrets[@]}"; do
      if grep -qF -- "$s" "$file"; then
        echo "secret found in $file" >&2
        return 1
      fi
    done
  done
}
sarif_check() { # sarif_check FILE PYTHON-EXPRESSION: the expression holds of the parsed log
  python3 - "$1" "$2" <<'EOF'
import json, sys
log = json.load(open(sys.argv[1], encoding="utf-8"))
run = log["runs"][0]
results = run.get("results", [])
uris = sorted({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results})
ok = eval(sys.argv[2])
if not ok:
    print(f"not true of {sys.argv[1]}: {sys.argv[2]} (uris {uris})", file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}

# --- action.yml calls these steps, with these inputs --------------------------------------
check "action.yml declares the inputs and runs scripts/action.sh" python3 - "$repo/action.yml" <<'EOF'
import sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
inputs = action["inputs"]
assert set(inputs) == {"path", "args", "probe", "fail-on", "sarif-file", "upload"}, inputs
assert inputs["probe"]["default"] == "false" and inputs["upload"]["default"] == "true"
steps = action["runs"]["steps"]
assert action["runs"]["using"] == "composite"
runs = [s["run"] for s in steps if "run" in s]
assert runs == [f'bash "$GITHUB_ACTION_PATH/scripts/action.sh" {c}' for c in ("setup", "download", "install", "scan")], runs
by_id = {s["id"]: s for s in steps if "id" in s}
assert by_id["setup"]["env"]["ACTION_REF"] == "${{ github.action_ref }}"
assert by_id["download"]["if"] == "steps.setup.outputs.mode == 'release'"
assert by_id["install"]["if"] == "steps.setup.outputs.mode == 'source'"
scan = by_id["scan"]
for name in inputs:
    if name != "upload":
        var = "INPUT_" + name.upper().replace("-", "_")
        assert scan["env"][var] == "${{ inputs.%s }}" % name, var
assert "steps.download.outputs.bin" in scan["env"]["KEYREACH"] and "steps.install.outputs.bin" in scan["env"]["KEYREACH"]
upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
assert "inputs.upload == 'true'" in upload["if"] and "!cancelled()" in upload["if"]
assert upload["with"]["sarif_file"] == "${{ steps.scan.outputs.sarif-file }}"
# The cache: restored before the build, saved after the scan even when it failed, under the
# key setup computes (not a hash of the action's commit), holding the build's target dir.
restore = by_id["restore"]
assert restore["uses"].startswith("actions/cache/restore@") and "steps.setup.outputs.key" in restore["with"]["key"]
save = next(s for s in steps if s.get("uses", "").startswith("actions/cache/save@"))
assert steps.index(save) > steps.index(scan), "the cache is saved after the scan"
assert save["if"].startswith("always()") and "steps.restore.outputs.cache-hit != 'true'" in save["if"], save["if"]
assert save["with"]["key"] == "${{ steps.restore.outputs.cache-primary-key }}"
assert save["with"]["path"] == restore["with"]["path"]
target_dir = by_id["install"]["env"]["KEYREACH_TARGET_DIR"]
assert target_dir in restore["with"]["path"].split(), (target_dir, restore["with"]["path"])
EOF

# --- setup: a v* ref downloads the release, anything else builds from source ------------------
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)
setup_step() { # setup_step REF OS ARCH: runs `action.sh setup` as a runner would
  simulate "setup-$1-$2-$3"
  ACTION_REF=$1 ACTION_REPOSITORY=keyreach/keyreach RUNNER_OS=$2 RUNNER_ARCH=$3 \
    bash "$action" setup >"$run_dir/stdout" 2>"$run_dir/stderr" || fail "setup $1 $2 $3: $(cat "$run_dir/stdout" "$run_dir/stderr")"
}
setup_step "v$version" Linux X64
check "a version tag of the action uses its release" [ "$(out mode) $(out tag)" = "release v$version" ]
check "Linux x64 gets the static musl archive" [ "$(out asset)" = "keyreach-x86_64-unknown-linux-musl.tar.gz" ]
setup_step v0 macOS ARM64
check "a floating major tag uses the release of the action's own version" [ "$(out tag)" = "v$version" ]
check "macOS arm64 gets its archive" [ "$(out asset)" = "keyreach-aarch64-apple-darwin.tar.gz" ]
setup_step "v$version" Windows X64
check "Windows gets the zip" [ "$(out asset)" = "keyreach-x86_64-pc-windows-msvc.zip" ]
setup_step "v$version" Linux ARM64
check "Linux arm64 gets its archive" [ "$(out asset)" = "keyreach-aarch64-unknown-linux-musl.tar.gz" ]
check "every target release.sh builds is one a runner maps onto" python3 - "$repo" <<'EOF'
import subprocess, sys
root = sys.argv[1]
targets = subprocess.run(["bash", f"{root}/scripts/release.sh", "targets"], capture_output=True, text=True, check=True).stdout.split()
action = open(f"{root}/scripts/action.sh").read()
used = [t for t in targets if f"echo {t}" in action]
assert used == targets, f"action.sh maps runners onto {used}, release.sh builds {targets}"
EOF
setup_step "v$version" Linux ARM
check "a runner no archive fits builds from source" [ "$(out mode)" = source ]
check "and says so" has "$run_dir/stdout" "::notice title=keyreach::no keyreach release archive for Linux/ARM"
setup_step main Linux X64
key=$(out key)
check "a branch builds from source" [ "$(out mode)" = source ]
check "the source cache key is a hash" grep -qE '^keyreach-build-[0-9a-f]{32}$' <<<"$key"
setup_step 0123456789abcdef0123456789abcdef01234567 Linux X64
check "a commit builds from source" [ "$(out mode)" = source ]
setup_step "" Linux X64
check "a local action (uses: ./) builds from source" [ "$(out mode)" = source ]
simulate path-ref
GITHUB_ACTION_PATH=/home/runner/work/_actions/keyreach/keyreach/v$version RUNNER_OS=Linux RUNNER_ARCH=X64 \
  bash "$action" setup >"$run_dir/stdout"
check "without github.action_ref, the ref is read from the action's path" [ "$(out mode) $(out tag)" = "release v$version" ]

copy=$tmp/source-copy
mkdir -p "$copy"
cp -r "$repo/Cargo.toml" "$repo/Cargo.lock" "$repo/build.rs" "$repo/src" "$repo/rules" "$repo/scripts" "$copy/"
copy_key() {
  simulate copy-key
  ACTION_REF=main bash "$copy/scripts/action.sh" setup >/dev/null
  out key
}
check "the same dependencies give the same key" [ "$(copy_key)" = "$key" ]
echo "// a new commit of the action" >>"$copy/src/lib.rs"
echo "# changed" >>"$copy/rules/github.toml"
check "a new commit of the action's source keeps the key" [ "$(copy_key)" = "$key" ]
echo "# changed" >>"$copy/Cargo.lock"
check "changed dependencies give a new key" [ "$(copy_key)" != "$key" ]

# --- download: a fake release on a loopback server ------------------------------------------
# The archive holds a stand-in binary (a script printing a version), packed by the same
# release.sh step that packs real ones; SHA256SUMS is made by release.sh too.
release=$tmp/releases
asset=keyreach-x86_64-unknown-linux-musl.tar.gz
printf '#!/bin/sh\necho "keyreach %s (fake release)"\n' "$version" >"$tmp/fake-keyreach"
bash "$repo/scripts/release.sh" package x86_64-unknown-linux-musl "$tmp/fake-keyreach" "$release/good" >/dev/null
bash "$repo/scripts/release.sh" sums "$release/good" >/dev/null
mkdir -p "$release/bad" "$release/no-asset" "$release/no-sums" "$release/other-sums"
cp "$release/good/$asset" "$release/good/SHA256SUMS" "$release/bad/"
printf 'tampered' >>"$release/bad/$asset"
cp "$release/good/SHA256SUMS" "$release/no-asset/"
cp "$release/good/$asset" "$release/no-sums/"
cp "$release/good/$asset" "$release/other-sums/"
echo "0000000000000000000000000000000000000000000000000000000000000000  keyreach-aarch64-apple-darwin.tar.gz" >"$release/other-sums/SHA256SUMS"

python3 -m http.server --bind 127.0.0.1 0 --directory "$release" >"$tmp/http.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$tmp/http.log" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/http.log" >&2; echo "action-test: the loopback server did not start" >&2; exit 1; }

download_step() { # download_step RELEASE-DIR: runs `action.sh download` against that fake release
  simulate "download-$1"
  status=0
  # The release's "tag" is the directory name; the base URL is the loopback server.
  KEYREACH_RELEASE_URL=http://127.0.0.1:$port TAG=$1 ASSET=$asset ACTION_REPOSITORY=keyreach/keyreach \
    bash "$action" download >"$run_dir/stdout" 2>"$run_dir/stderr" || status=$?
}
one_error_line() { # the step printed exactly one line: a GitHub error annotation matching $1
  [ "$(wc -l <"$run_dir/stdout")" = 1 ] && grep -q "^::error title=keyreach::$1" "$run_dir/stdout"
}
download_step good
check "a verified release archive installs" [ "$status" = 0 ]
check "the binary is an output and runs" [ -x "$(out bin)" ]
check "the step prints the binary's version" has "$run_dir/stdout" "keyreach $version (fake release)"
check "its directory is added to GITHUB_PATH" has "$GITHUB_PATH" "$RUNNER_TEMP/keyreach-good/keyreach-x86_64-unknown-linux-musl"
download_step bad
check "a checksum mismatch fails" [ "$status" = 2 ]
check "with one clear line" one_error_line "$asset does not match the SHA256SUMS of release bad of keyreach/keyreach (expected [0-9a-f]\{64\}, got [0-9a-f]\{64\}): not installing it$"
check "and installs nothing" [ ! -e "$RUNNER_TEMP/keyreach-bad/keyreach-x86_64-unknown-linux-musl" ]
check "and names no binary" [ ! -s "$GITHUB_OUTPUT" ]
download_step no-asset
check "a missing asset fails" [ "$status" = 2 ]
check "naming the asset and the HTTP status" one_error_line "release no-asset of keyreach/keyreach has no $asset (HTTP 404 from http://127.0.0.1:$port/no-asset/$asset)$"
download_step no-sums
check "a release without SHA256SUMS fails" [ "$status" = 2 ]
check "saying it cannot verify" one_error_line "release no-sums of keyreach/keyreach has no SHA256SUMS to verify $asset against (HTTP 404"
download_step other-sums
check "a SHA256SUMS without the asset fails" [ "$status" = 2 ]
check "saying so" one_error_line "the SHA256SUMS of release other-sums of keyreach/keyreach lists no $asset: not installing it$"
check "the fake release was fetched from the loopback server" grep -q '"GET /good/SHA256SUMS HTTP' "$tmp/http.log"

# --- install: cargo install --locked from the action's source -----------------------------
# --debug and the repository's target directory reuse the test build instead of a release build.
simulate install
KEYREACH_INSTALL_ROOT=$tmp/cargo KEYREACH_INSTALL_FLAGS=--debug CARGO_TARGET_DIR=$repo/target \
  bash "$action" install >"$run_dir/stdout" 2>"$run_dir/stderr" || fail "install step: $(tail -n 3 "$run_dir/stderr")"
check "install puts keyreach in the install root" [ -x "$tmp/cargo/bin/keyreach" ]
check "install adds its bin directory to GITHUB_PATH" has "$GITHUB_PATH" "$tmp/cargo/bin"
check "install names the binary as an output" [ "$(out bin)" = "$tmp/cargo/bin/keyreach" ]
check "install prints the installed version" has "$run_dir/stdout" "keyreach "
export KEYREACH_INSTALL_ROOT=$tmp/cargo # later steps find the installed binary there

# --- scan the whole repository, failing on high --------------------------------------------
simulate whole
export INPUT_FAIL_ON=high
scan_step
sarif=$RUNNER_TEMP/keyreach.sarif
check "findings at or above fail-on fail the step with 1" [ "$status" = 1 ]
check "the failure is a GitHub error annotation" has "$run_dir/stdout" "::error title=keyreach::"
check "sarif-file output names the report in RUNNER_TEMP" [ "$(out sarif-file)" = "$sarif" ]
check "finding counts are outputs" [ "$(out findings) $(out critical) $(out high) $(out medium) $(out low)" = "4 1 1 1 1" ]
check "failed output is true" [ "$(out failed)" = true ]
check "the SARIF has a result per finding at repository paths" sarif_check "$sarif" \
  'log["version"] == "2.1.0" and len(results) == 4 and uris == ["config/app%20settings.env", "deploy.sh", "services/api/.env"]'
check "the SARIF has one rule per rule that fired" sarif_check "$sarif" \
  'sorted(r["id"] for r in run["tool"]["driver"]["rules"]) == ["acme.admin-key", "acme.read-key", "acme.test-key", "acme.write-key"]'
check "the summary counts the findings" has "$GITHUB_STEP_SUMMARY" "**4 credentials** an AI coding agent can reach in the repository: 1 critical, 1 high, 1 medium, 1 low."
check "the summary says the check failed" has "$GITHUB_STEP_SUMMARY" '**Failed:** findings at or above `high`.'
check "the summary lists each finding" has "$GITHUB_STEP_SUMMARY" '| critical | `acme.admin-key` | `deploy.sh:2` | untracked |'
check "the summary shows a path with a space" has "$GITHUB_STEP_SUMMARY" '`config/app settings.env:1`'
check "no secret in the SARIF, outputs, summary or logs" no_secret_in "$sarif" "$GITHUB_OUTPUT" "$GITHUB_STEP_SUMMARY" "$run_dir/stdout" "$run_dir/stderr"

# --- a subdirectory, a custom report path, failing only on critical ------------------------
simulate subdir
export INPUT_PATH=services/api INPUT_FAIL_ON=critical INPUT_SARIF_FILE=reports/keyreach.sarif
scan_step
check "nothing at or above critical passes" [ "$status" = 0 ]
check "a relative sarif-file is under the workspace" [ "$(out sarif-file)" = "$workspace/reports/keyreach.sarif" ]
check "only the subdirectory's finding is counted" [ "$(out findings) $(out high) $(out failed)" = "1 1 false" ]
check "paths are rebased onto the repository root" sarif_check "$workspace/reports/keyreach.sarif" \
  'uris == ["services/api/.env"]'
check "the summary says it passed" has "$GITHUB_STEP_SUMMARY" 'Passed: nothing at or above `critical`.'
check "no secret in the subdirectory run" no_secret_in "$workspace/reports/keyreach.sarif" "$GITHUB_OUTPUT" "$GITHUB_STEP_SUMMARY"
rm -rf "$workspace/reports"

# --- fail-on never only reports --------------------------------------------------------------
simulate never
export INPUT_FAIL_ON=never
scan_step
check "fail-on never does not fail" [ "$status" = 0 ]
check "fail-on never still counts" [ "$(out findings) $(out failed)" = "4 false" ]
check "the summary says it does not fail" has "$GITHUB_STEP_SUMMARY" "fail-on: never"

# --- bad input -------------------------------------------------------------------------------
simulate bad
export INPUT_FAIL_ON=severe
scan_step
check "a bad fail-on is an error (exit 2)" [ "$status" = 2 ]
check "the error names the input" has "$run_dir/stdout" "input fail-on must be one of low, medium, high, critical, never (got 'severe')"
check "a bad input writes no outputs" [ ! -s "$GITHUB_OUTPUT" ]
simulate missing
export INPUT_PATH=no/such/dir
scan_step
check "a missing path is an error naming it" has "$run_dir/stdout" "input path 'no/such/dir' does not exist"

# --- probe and args reach keyreach as flags ----------------------------------------------------
stub=$tmp/stub-keyreach
cat >"$stub" <<'EOF'
#!/usr/bin/env bash
# Records its arguments and writes an empty SARIF log where --output points.
printf '%s\n' "$@" >"$STUB_ARGS"
while [ $# -gt 0 ]; do
  if [ "$1" = --output ]; then out=$2; fi
  shift
done
echo '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"keyreach"}},"results":[],"properties":{"findings":0,"severities":{}}}]}' >"$out"
EOF
chmod +x "$stub"
simulate probe
export KEYREACH=$stub STUB_ARGS=$tmp/args INPUT_PROBE=true INPUT_ARGS='--exclude vendor/*  --threads 1'
scan_step
check "probe=true passes --probe and args split on whitespace without globbing" [ "$(tr '\n' ' ' <"$STUB_ARGS")" = \
  "scan . --format sarif --output $RUNNER_TEMP/keyreach.sarif --fail-on low --probe --exclude vendor/* --threads 1 " ]
simulate no-probe
export KEYREACH=$stub INPUT_PROBE=false
scan_step
check "probe=false passes no --probe" [ "$(tr '\n' ' ' <"$STUB_ARGS")" = \
  "scan . --format sarif --output $RUNNER_TEMP/keyreach.sarif --fail-on low " ]
check "an empty scan is summarised" has "$GITHUB_STEP_SUMMARY" "No credential an AI coding agent can reach was found"
simulate bad-probe
export KEYREACH=$stub INPUT_PROBE=yes
scan_step
check "a bad probe value is an error" has "$run_dir/stdout" "input probe must be true or false (got 'yes')"

# --- the repository's baseline is used when it has one ----------------------------------------
simulate make-baseline
(cd "$workspace" && "$tmp/cargo/bin/keyreach" baseline . >/dev/null 2>&1) || fail "keyreach baseline failed"
simulate baseline
export INPUT_FAIL_ON=low
scan_step
check "with .keyreach-baseline.json, known credentials pass" [ "$status" = 0 ]
check "and are not counted" [ "$(out findings) $(out failed)" = "0 false" ]
check "the summary says how many the baseline accepted" has "$GITHUB_STEP_SUMMARY" '4 known credentials accepted in `.keyreach-baseline.json`, not reported.'
simulate baseline-subdir
export INPUT_FAIL_ON=low INPUT_PATH=services/api
scan_step
check "the root baseline serves path: services/api" [ "$status" = 0 ]
check "and accepts the subdirectory's credential" [ "$(out findings) $(out failed)" = "0 false" ]
check "the subdirectory summary counts it" has "$GITHUB_STEP_SUMMARY" '1 known credential accepted in `.keyreach-baseline.json`, not reported.'
simulate baseline-args
export KEYREACH=$stub STUB_ARGS=$tmp/args
scan_step
check "the baseline is passed to keyreach" [ "$(tr '\n' ' ' <"$STUB_ARGS")" = \
  "scan . --format sarif --output $RUNNER_TEMP/keyreach.sarif --fail-on low --baseline $workspace/.keyreach-baseline.json " ]
simulate baseline-own
export KEYREACH=$stub STUB_ARGS=$tmp/args INPUT_ARGS="--baseline=config/other.json"
scan_step
check "a --baseline in args wins over the repository's" [ "$(tr '\n' ' ' <"$STUB_ARGS")" = \
  "scan . --format sarif --output $RUNNER_TEMP/keyreach.sarif --fail-on low --baseline=config/other.json " ]
rm "$workspace/.keyreach-baseline.json"

# --- --history on a shallow checkout warns ------------------------------------------------------
origin=$tmp/origin
git init -q "$origin"
for n in 1 2; do
  echo "$n" >"$origin/file.txt"
  git -C "$origin" add file.txt
  git -C "$origin" -c user.name=ci -c user.email=ci@example.invalid commit -q -m "commit $n"
done
git clone -q --depth 1 "file://$origin" "$tmp/shallow"
history_step() { # history_step WORKSPACE ARGS
  simulate "history-$(basename "$1")-${2// /}"
  export GITHUB_WORKSPACE=$1 KEYREACH=$stub STUB_ARGS=$tmp/args INPUT_ARGS=$2
  scan_step
}
shallow_warning="::warning title=keyreach::the checkout is shallow: --history sees only the fetched commits"
history_step "$tmp/shallow" --history
check "--history on a shallow clone warns" has "$run_dir/stdout" "$shallow_warning"
check "and says how to fetch the history" has "$run_dir/stdout" "Set fetch-depth: 0 on actions/checkout."
check "and still scans" [ "$status" = 0 ]
history_step "$tmp/shallow" "--since HEAD~1"
check "--since on a shallow clone warns too" has "$run_dir/stdout" "$shallow_warning"
history_step "$origin" --history
check "a full clone does not warn" lacks "$run_dir/stdout" "shallow"
history_step "$tmp/shallow" ""
check "a shallow clone without --history does not warn" lacks "$run_dir/stdout" "shallow"

checks_done action-test
