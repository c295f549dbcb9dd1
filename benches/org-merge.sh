#!/usr/bin/env bash
# Times `keyreach report merge` on many generated scan reports, as the org-scan workflow's
# merge job runs it: REPORTS reports (default 200) of FINDINGS findings each (default 50),
# a fifth of the credentials shared by many repositories. Prints wall time and peak RSS for
# the JSON and the HTML report. The reports hold fingerprints and redacted forms only.
#
#   benches/org-merge.sh [REPORTS] [FINDINGS]
set -euo pipefail
reports=${1:-200}
findings=${2:-50}
root=$(cd "$(dirname "$0")/.." && pwd)
kr=${KEYREACH:-$root/target/release/keyreach}
[ -x "$kr" ] || (cd "$root" && cargo build --release --quiet)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" "$reports" "$findings" <<'PY'
import hashlib, json, os, sys
d, reports, findings = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sev = ["critical", "high", "medium", "low"]
for r in range(reports):
    repo = f"https://github.com/acme/repo-{r:04}.git"
    out = []
    for f in range(findings):
        # One credential in five is one of 20 shared by every repository.
        key = f"shared-{f % 20}" if f % 5 == 0 else f"own-{r}-{f}"
        print_ = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
        out.append({"rule": "generic.password", "provider": "generic", "title": "Password",
                    "fingerprint": print_, "secret": "ab…yz",
                    "locations": [{"path": f"{repo}/config/app-{f}.env", "line": f + 1, "column": 1,
                                   "reach": "history", "commit": hashlib.sha1(key.encode()).hexdigest(),
                                   "agent_ignored": False}],
                    "scope": {"source": "unknown", "level": "unknown", "destructive": None, "production": None,
                              "identity": None, "permissions": [], "resources": [], "expires": None, "active": None},
                    "severity": sev[(r + f) % 4], "reasons": ["its scope is unknown"], "remedy": "rotate it"})
    doc = {"version": 1, "tool": {"name": "keyreach", "version": "0.1.0"}, "history": "full",
           "stats": {"files": 1000, "bytes": 10**7, "seconds": 1.0, "skipped": 0, "errors": 0},
           "findings": out, "problems": [], "skipped": []}
    json.dump(doc, open(os.path.join(d, f"shard-{r:04}.json"), "w"))
PY
echo "$reports reports, $findings findings each: $(du -sh "$dir" | cut -f1) of JSON"
for format in json html; do
  /usr/bin/time -f "merge --format $format: wall %e s, user %U s, sys %S s, peak RSS %M KB" \
    "$kr" report merge "$dir"/shard-*.json --format "$format" --fail-on never --output "$dir/org.$format"
done
python3 - "$dir/org.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"merged: {len(d['findings'])} findings, {len(d['organisation']['repositories'])} repositories")
PY
