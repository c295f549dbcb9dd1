#!/usr/bin/env bash
# Builds one bare repository holding several repositories' histories, deterministically:
# every object of every source goes into a single pack (reusing the sources' deltas, as
# `git gc` leaves a large repository), and source N's refs are kept under refs/sN/. Used to
# measure `scan --history` on a repository with several times curl's objects.
#
# Sources may be partial clones (objects missing): objects are packed by listing them, not
# by walking from the refs, so a missing blob is simply absent, as in the source.
#
#   benches/large-repo.sh OUT.git SRC.git [SRC.git...]
set -euo pipefail
out=${1:?usage: benches/large-repo.sh OUT.git SRC.git [SRC.git...]}
shift
[ $# -gt 0 ] || { echo "large-repo.sh: name at least one source repository" >&2; exit 2; }
rm -rf "$out"
git init -q --bare "$out"
out=$(cd "$out" && pwd)
: > "$out/objects/info/alternates"
for src in "$@"; do
  dir=$(git --git-dir="$src" rev-parse --absolute-git-dir)
  echo "$dir/objects" >> "$out/objects/info/alternates"
done
# Every object once, in a stable order; one pack.
for src in "$@"; do git --git-dir="$src" cat-file --batch-all-objects --batch-check='%(objectname)'; done |
  sort -u |
  git --git-dir="$out" -c pack.threads=2 pack-objects -q --delta-base-offset "$out/objects/pack/pack" > /dev/null
n=0
for src in "$@"; do
  git --git-dir="$src" for-each-ref --format="create refs/s$n/%(refname:strip=1) %(objectname)" |
    git --git-dir="$out" update-ref --stdin
  n=$((n + 1))
done
rm "$out/objects/info/alternates"
git --git-dir="$out" count-objects -v | grep -E 'in-pack|size-pack'
git --git-dir="$out" cat-file --batch-all-objects --batch-check='%(objecttype)' | sort | uniq -c
