#!/usr/bin/env bash
# Runs keyreach's fuzz targets (fuzz/fuzz_targets) for a while each, starting from the
# committed seeds (fuzz/seeds/TARGET) and growing a local corpus (fuzz/corpus/TARGET, not
# committed). Crashes land in fuzz/artifacts/TARGET.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 300 seconds, every target
#
# The engine targets get a dictionary of every rule keyword (built from rules/*.toml).
# probe_responses includes GCP when openssl can make an RSA key (KEYREACH_FUZZ_GCP_KEY).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds=${1:-300}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cargo fuzz list)
fi

mkdir -p target/keyreach
dict=target/keyreach/keywords.dict
python3 - "$dict" <<'PY'
import re, sys, glob
words = set()
for path in glob.glob("../rules/*.toml"):
    for m in re.finditer(r'^keywords\s*=\s*\[(.*?)\]', open(path).read(), re.M | re.S):
        words.update(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
with open(sys.argv[1], "w") as out:
    for w in sorted(words):
        out.write('"%s"\n' % w.replace("\\", "\\\\").replace('"', '\\"'))
PY
if [ -z "${KEYREACH_FUZZ_GCP_KEY:-}" ] && command -v openssl >/dev/null; then
  export KEYREACH_FUZZ_GCP_KEY=target/keyreach/gcp-key.pem
  [ -f "$KEYREACH_FUZZ_GCP_KEY" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KEYREACH_FUZZ_GCP_KEY" 2>/dev/null
fi

RUSTC_BOOTSTRAP=1 cargo fuzz build --sanitizer none
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  extra=()
  case "$t" in engine_scan | rules_file) extra+=("-dict=$dict") ;; esac
  echo "== $t: ${seconds}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "${extra[@]}" \
    2>&1 | tee "target/keyreach/$t.log" | grep -E '^(#[0-9]+ +DONE|==|Done|stat::|INFO: seed corpus)|panicked|ERROR|SUMMARY' || true
done
