# shellcheck shell=bash
# Sourced by the .ci/*-test.sh scripts: PyYAML for the workflow checks, and a tally of named
# checks that `checks_done NAME` prints and turns into the exit status.
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
checks_done() { # checks_done NAME: prints the tally; fails when a check did
  echo "$1: $passed passed, $failed failed"
  [ "$failed" = 0 ]
}
