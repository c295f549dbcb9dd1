#!/usr/bin/env bash
# Tests the hooks in .pre-commit-hooks.yaml with the real `pre-commit` tool from PyPI:
# `pre-commit try-repo` in a temporary repository, for the `keyreach` hook (built from
# this repository by pre-commit with cargo) and the `keyreach-system` hook (the binary
# built here, on the PATH). For each: a commit adding a fake credential is blocked with a
# readable message, a clean commit passes, an allowed line passes.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

command -v pre-commit >/dev/null || python3 -m pip install --quiet --disable-pip-version-check "pre-commit>=3.7"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_GLOBAL="$work/gitconfig" GIT_CONFIG_NOSYSTEM=1
git config --global user.name "keyreach CI"
git config --global user.email "ci@example.invalid"
git config --global init.defaultBranch main
export PRE_COMMIT_HOME="$work/pre-commit-cache"

# The `keyreach-system` hook runs the binary built here.
cargo build --quiet --manifest-path "$here/Cargo.toml"
target="$(cargo metadata --quiet --format-version 1 --no-deps --manifest-path "$here/Cargo.toml" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
export PATH="$target/debug:$PATH"
# pre-commit builds the `keyreach` hook with `cargo install`; keep that build between runs
# and make it quick (the hook's speed does not matter here).
export CARGO_TARGET_DIR="$target/pre-commit-hook"
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_DEBUG=0

# A checksum-valid fake GitHub token, made now (the repository holds no such literal).
fake_token() {
  python3 - "$1" <<'PY'
import random, sys, zlib
rng = random.Random(sys.argv[1])
alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
body = "".join(rng.choice(alnum) for _ in range(30))
n, check = zlib.crc32(body.encode()), ""
for _ in range(6):
    check, n = alnum[n % 62] + check, n // 62
print("ghp" + "_" + body + check)
PY
}

fail() { echo "precommit-test: $*" >&2; exit 1; }

check_hook() {
  local hook="$1" repo="$work/repo-$1" out
  git init -q "$repo"
  cd "$repo"
  echo "hello" > README.md
  git add README.md && git commit -q -m "start"

  # 1. A commit adding a credential is blocked, and the message says where and how to allow.
  printf 'export A=1\nexport GITHUB_TOKEN=%s\n' "$(fake_token "$hook-1")" > deploy.sh
  git add deploy.sh
  if out="$(pre-commit try-repo "$here" "$hook" 2>&1)"; then
    echo "$out"; fail "$hook: a commit adding a credential was not blocked"
  fi
  for want in "deploy.sh:2" "github" "GitHub personal access token" "keyreach:allow" "keyreach baseline"; do
    grep -qF "$want" <<<"$out" || { echo "$out"; fail "$hook: the message lacks '$want'"; }
  done
  git reset -q && rm deploy.sh

  # 2. A clean commit passes.
  echo "nothing secret" > notes.txt
  git add notes.txt
  out="$(pre-commit try-repo "$here" "$hook" 2>&1)" || { echo "$out"; fail "$hook: a clean commit was blocked"; }
  git commit -q -m "notes"

  # 3. An allowed line passes.
  printf 'TOKEN = "%s"  # keyreach:allow reason="test fixture"\n' "$(fake_token "$hook-3")" > fixture.py
  git add fixture.py
  out="$(pre-commit try-repo "$here" "$hook" 2>&1)" || { echo "$out"; fail "$hook: an allowed line was blocked"; }
  echo "precommit-test: $hook: blocks a credential, passes a clean commit and an allowed line"
}

check_hook keyreach-system
check_hook keyreach
