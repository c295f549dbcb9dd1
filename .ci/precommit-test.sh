#!/usr/bin/env bash
# Tests the hooks in .pre-commit-hooks.yaml with the real `pre-commit` tool from PyPI, the
# way a user runs them: the README's .pre-commit-config.yaml snippet, unchanged but for the
# repository URL (a local copy of this repository, tagged with the README's `rev`), installed
# with `pre-commit install` and run by real `git commit`s and by `pre-commit run --all-files`.
# For the `keyreach` hook (built from that tag by pre-commit with cargo) and the
# `keyreach-system` hook (the binary built here, on the PATH):
#   - a commit adding a credential is blocked, naming the file and line;
#   - a clean commit and a `keyreach:allow`ed line pass;
#   - the commit judges the staged content: a token only in an unstaged edit does not block
#     (pre-commit stashes it and puts it back), a staged token removed only in the working
#     tree still does;
#   - `pre-commit run --all-files` (what pre-commit.ci runs) finds a token already committed.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

command -v pre-commit >/dev/null || python3 -m pip install --quiet --disable-pip-version-check "pre-commit>=3.7"
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_GLOBAL="$work/gitconfig" GIT_CONFIG_NOSYSTEM=1
git config --global user.name "keyreach CI"
git config --global user.email "ci@example.invalid"
git config --global init.defaultBranch main
git config --global advice.detachedHead false
export PRE_COMMIT_HOME="$work/pre-commit-cache"

# The `keyreach-system` hook runs the debug binary the tests built.
cargo build --quiet --manifest-path "$repo/Cargo.toml"
target="$(cargo metadata --quiet --format-version 1 --no-deps --manifest-path "$repo/Cargo.toml" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
system_bin="$target/debug"

# pre-commit builds the `keyreach` hook with `cargo install`: in the target directory and with
# the profile .ci/release-test.sh used, for the same target, so it reuses those dependencies.
# shellcheck source=.ci/quick-release.env
source "$repo/.ci/quick-release.env"
CARGO_BUILD_TARGET="$(rustc -vV | sed -n 's/^host: //p')"
export CARGO_BUILD_TARGET

# The README's config snippet and the rev it documents.
readme_config() {
  python3 - "$repo/README.md" <<'EOF'
import re, sys, yaml
text = open(sys.argv[1], encoding="utf-8").read()
block = re.search(r"```yaml\n# \.pre-commit-config\.yaml\n(.*?)```", text, re.S)
assert block, "the README has no .pre-commit-config.yaml snippet"
config = yaml.safe_load(block.group(1))
repo = config["repos"][0]
assert repo["repo"] == "https://github.com/keyreach/keyreach", repo["repo"]
assert [h["id"] for h in repo["hooks"]] == ["keyreach"], repo["hooks"]
print(repo["rev"])
EOF
}
rev="$(readme_config)"

# This repository as pre-commit will clone it: the current files (committed or not),
# committed and tagged with the README's rev.
hook_repo="$work/keyreach"
git init -q "$hook_repo"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf -) | tar -xf - -C "$hook_repo"
git -C "$hook_repo" add -A
git -C "$hook_repo" commit -q -m "keyreach as released"
git -C "$hook_repo" tag "$rev"

fail() { echo "precommit-test: $*" >&2; exit 1; }

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

# The README's snippet with the local repository and HOOK as its one hook.
write_config() {
  python3 - "$repo/README.md" "$hook_repo" "$1" <<'EOF'
import re, sys, yaml
text = open(sys.argv[1], encoding="utf-8").read()
config = yaml.safe_load(re.search(r"```yaml\n# \.pre-commit-config\.yaml\n(.*?)```", text, re.S).group(1))
config["repos"][0]["repo"] = sys.argv[2]
config["repos"][0]["hooks"] = [{"id": sys.argv[3]}]
print(yaml.safe_dump(config, sort_keys=False), end="")
EOF
}

expect_blocked() { # expect_blocked HOOK WHAT FILE:LINE: `git commit` fails naming FILE:LINE
  local out
  if out="$(git commit -q -m "$2" 2>&1)"; then
    echo "$out"; fail "$1: $2: the commit was not blocked"
  fi
  for want in "$3" "GitHub personal access token" "github.classic-pat" "commit blocked" \
    'keyreach:allow reason="test fixture"' "keyreach baseline"; do
    grep -qF "$want" <<<"$out" || { echo "$out"; fail "$1: $2: the message lacks '$want'"; }
  done
}
expect_commit() { # expect_commit HOOK WHAT: `git commit` passes the hook
  local out
  out="$(git commit -q -m "$2" 2>&1)" || { echo "$out"; fail "$1: $2: the commit was blocked"; }
  grep -q "keyreach.*Passed" <<<"$out" || { echo "$out"; fail "$1: $2: the hook did not run"; }
}

check_hook() {
  local hook="$1" dir="$work/repo-$1" out start=$SECONDS
  local t1 t2 t3 t4
  t1="$(fake_token "$hook-1")" t2="$(fake_token "$hook-2")" t3="$(fake_token "$hook-3")" t4="$(fake_token "$hook-4")"
  git init -q "$dir"
  cd "$dir"
  echo "hello" >README.md
  write_config "$hook" >.pre-commit-config.yaml
  git add README.md .pre-commit-config.yaml
  git commit -q -m "start"
  pre-commit install >/dev/null
  # The first run installs the hook (for `keyreach`, cargo builds it); later runs reuse it.
  pre-commit install-hooks >/dev/null || fail "$hook: pre-commit could not install the hook"
  echo "precommit-test: $hook: installed in $((SECONDS - start)) s"

  # 1. A commit adding a credential is blocked, naming file and line.
  printf 'export A=1\nexport GITHUB_TOKEN=%s\n' "$t1" >deploy.sh
  git add deploy.sh
  expect_blocked "$hook" "a staged token" "deploy.sh:2"
  git reset -q && rm deploy.sh

  # 2. A clean commit passes; 3. so does an allowed line.
  echo "nothing secret" >notes.txt
  git add notes.txt
  expect_commit "$hook" "a clean file"
  printf 'TOKEN = "%s"  # keyreach:allow reason="test fixture"\n' "$t3" >fixture.py
  git add fixture.py
  expect_commit "$hook" "an allowed line"

  # 4. A token in an unstaged edit is not what the commit records: it passes, the edit stays.
  echo "a staged line" >>notes.txt
  git add notes.txt
  echo "GITHUB_TOKEN=$t2" >>notes.txt
  expect_commit "$hook" "a token only in an unstaged edit"
  git show HEAD:notes.txt | grep -qF "$t2" && fail "$hook: the unstaged token was committed"
  grep -qF "$t2" notes.txt || fail "$hook: pre-commit lost the unstaged edit"
  git checkout -q notes.txt

  # 5. A staged token removed only in the working tree: the staged content is judged.
  printf 'line\nGITHUB_TOKEN=%s\n' "$t4" >config.env
  git add config.env
  echo "line" >config.env
  expect_blocked "$hook" "a staged token removed in the working tree" "config.env:2"
  grep -qF "$t4" config.env && fail "$hook: pre-commit did not restore the working tree"
  git reset -q -- config.env && rm config.env

  # 6. --all-files (pre-commit.ci): passes on a clean tree, finds a token already committed.
  out="$(pre-commit run --all-files 2>&1)" || { echo "$out"; fail "$hook: --all-files failed on a clean repository"; }
  mkdir -p deploy
  printf 'set -e\nexport GITHUB_TOKEN=%s\n' "$t1" >deploy/release.sh
  git add deploy/release.sh
  git commit -q --no-verify -m "a token committed past the hook"
  if out="$(pre-commit run --all-files 2>&1)"; then
    echo "$out"; fail "$hook: --all-files passed a repository with a committed token"
  fi
  grep -qF "deploy/release.sh:2" <<<"$out" || { echo "$out"; fail "$hook: --all-files did not name the committed token"; }
  echo "precommit-test: $hook: blocks a staged token, judges the staged content, passes clean and allowed commits, --all-files finds a committed token ($((SECONDS - start)) s)"
}

PATH="$system_bin:$PATH" check_hook keyreach-system
# The `keyreach` hook must not find the system binary: pre-commit builds its own.
check_hook keyreach
echo "precommit-test: 2 passed, 0 failed"
