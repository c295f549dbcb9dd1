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

python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
}
check() { # check NAME COMMAND...: counts a check that passes when COMMAND succeeds
  local name=$1
  shift
  if "$@"; then pass; else fail "$name"; fi
}

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
printf '#!/bin/sh\nexport ACME_ADMIN_KEY=%s\n' "$admin" >"$workspace/deploy.sh"
printf 'ACME_READ_KEY=%s\nACME_TEST_KEY=%s\n' "$read_only" "$test_mode" >"$workspace/config/app settings.env"
printf 'ACME_DEPLOY_KEY=%s\n' "$write" >"$workspace/services/api/.env"
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
  unset INPUT_PATH INPUT_ARGS INPUT_PROBE INPUT_FAIL_ON INPUT_SARIF_FILE KEYREACH
  run_dir=$dir
}

# Runs `action.sh scan` as the scan step would; sets $status and keeps stdout and stderr.
scan_step() {
  status=0
  (cd "$workspace" && bash "$action" scan) >"$run_dir/stdout" 2>"$run_dir/stderr" || status=$?
}

out() { sed -n "s/^$1=//p" "$GITHUB_OUTPUT" | tail -n 1; }
has() { grep -qF -- "$2" "$1"; }
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
assert runs == [f'bash "$GITHUB_ACTION_PATH/scripts/action.sh" {c}' for c in ("key", "install", "scan")], runs
scan = next(s for s in steps if s.get("id") == "scan")
for name in inputs:
    if name != "upload":
        var = "INPUT_" + name.upper().replace("-", "_")
        assert scan["env"][var] == "${{ inputs.%s }}" % name, var
upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
assert "inputs.upload == 'true'" in upload["if"] and "!cancelled()" in upload["if"]
assert upload["with"]["sarif_file"] == "${{ steps.scan.outputs.sarif-file }}"
cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
assert "~/.cargo/bin/keyreach" in cache["with"]["path"] and "steps.key.outputs.key" in cache["with"]["key"]
EOF

# --- key: a hash of the action's source, changing with it ---------------------------------
simulate key
bash "$action" key
key=$(out key)
check "the cache key is a source hash" grep -qE '^keyreach-[0-9a-f]{32}$' <<<"$key"
copy=$tmp/source-copy
mkdir -p "$copy"
cp -r "$repo/Cargo.toml" "$repo/Cargo.lock" "$repo/build.rs" "$repo/src" "$repo/rules" "$repo/scripts" "$copy/"
bash "$copy/scripts/action.sh" key
check "the same source gives the same key" [ "$(out key)" = "$key" ]
echo "# changed" >>"$copy/rules/github.toml"
bash "$copy/scripts/action.sh" key
check "changed source gives a new key" [ "$(out key)" != "$key" ]

# --- install: cargo install --locked from the action's source -----------------------------
# --debug and the repository's target directory reuse the test build instead of a release build.
simulate install
KEYREACH_INSTALL_ROOT=$tmp/cargo KEYREACH_INSTALL_FLAGS=--debug CARGO_TARGET_DIR=$repo/target \
  bash "$action" install >"$run_dir/stdout" 2>"$run_dir/stderr" || fail "install step: $(tail -n 3 "$run_dir/stderr")"
check "install puts keyreach in the install root" [ -x "$tmp/cargo/bin/keyreach" ]
check "install adds its bin directory to GITHUB_PATH" has "$GITHUB_PATH" "$tmp/cargo/bin"
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

echo "action-test: $passed passed, $failed failed"
[ "$failed" = 0 ]
