#!/usr/bin/env bash
# Times `keyreach scan --git-url` (bare clone + history scan + removal) against the same
# repository scanned locally with `--history`, interleaved, and prints each run's wall time
# and peak RSS. The URL is file:// (no network: the clone cost is gix's fetch and
# pack indexing, not the link); for a remote figure pass any URL as REPO.
#
#   benches/git-url.sh REPO.git [RUNS]
set -euo pipefail
repo=${1:?usage: benches/git-url.sh REPO.git [RUNS]}
runs=${2:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
kr=${KEYREACH:-$root/target/release/keyreach}
[ -x "$kr" ] || (cd "$root" && cargo build --release --quiet)
case "$repo" in
  *://*) url=$repo; local_repo= ;;
  *) local_repo=$(cd "$repo" && pwd); url="file://$local_repo" ;;
esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in $(seq "$runs"); do
  /usr/bin/time -f "git-url  run $i: wall %e s, user %U s, sys %S s, peak RSS %M KB" \
    "$kr" scan --git-url "$url" --format json --output "$out/url.json" || [ $? -eq 1 ]
  if [ -n "$local_repo" ]; then
    /usr/bin/time -f "local    run $i: wall %e s, user %U s, sys %S s, peak RSS %M KB" \
      "$kr" scan "$local_repo" --history --format json --output "$out/local.json" || [ $? -eq 1 ]
  fi
done
python3 - "$out" <<'PY'
import json, sys, os
d = sys.argv[1]
n = lambda f: len(json.load(open(os.path.join(d, f)))["findings"]) if os.path.exists(os.path.join(d, f)) else None
print(f"findings: git-url {n('url.json')}, local --history {n('local.json')}")
PY
