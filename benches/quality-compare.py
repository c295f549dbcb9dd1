#!/usr/bin/env python3
"""Recall and false positives of keyreach, Kingfisher and gitleaks on keyreach's labelled
quality corpus, per provider family: the open corpus or a blind split.

    cargo run --example quality_corpus -- /tmp/qc              # open corpus
    cargo run --example quality_corpus -- /tmp/qb --blind      # blind split
    cargo run --example quality_corpus -- /tmp/qf --blind2     # fresh blind split
    benches/quality-compare.py /tmp/qc [path/to/keyreach]

Each tool scans ROOT/corpus with validation off and writes its JSON report to a file.
A finding counts for a labelled secret in the same file when one contains the other
(tools differ in how much of a token they report: `sk_live_...` vs the whole assignment),
or when one is the base64 encoding of the other (a Kubernetes `data:` value); every other
finding is a false positive. Families are the corpus's top-level directories; `negative/`
holds only look-alikes, so everything found there is false. Only per-family aggregates are
printed, never a path, label or value: the blind split's cases stay unseen.
"""
import base64, binascii, collections, json, os, subprocess, sys

root = sys.argv[1]
keyreach = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "target", "release", "keyreach")
corpus = os.path.join(root, "corpus")
labels = json.load(open(os.path.join(root, "labels.json")))

def run(cmd):
    subprocess.run(cmd, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def keyreach_findings():
    out = os.path.join(root, "keyreach.jsonl")
    run([keyreach, "scan", "corpus", "--format", "jsonl", "--show-secrets", "--output", out])
    for line in open(out):
        f = json.loads(line)
        for loc in f["locations"]:
            yield "corpus/" + loc["path"], f["secret"]

def kingfisher_findings():
    out = os.path.join(root, "kingfisher.json")
    run(["kingfisher", "scan", "corpus", "--no-validate", "--git-history", "none", "--format", "json", "--output", out])
    for f in json.load(open(out)).get("findings", []):
        yield f["finding"]["path"], f["finding"]["snippet"]

def gitleaks_findings():
    out = os.path.join(root, "gitleaks.json")
    run(["gitleaks", "dir", "corpus", "--no-banner", "--report-format", "json", "--report-path", out])
    for f in json.load(open(out)):
        yield f["File"], f["Secret"]

def family(path):
    return path.split("/")[1]

def b64(text):
    t = text.strip().rstrip("=")
    if len(t) < 8:
        return None
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            return decode(t + "=" * (-len(t) % 4)).decode("utf-8").rstrip("\n")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            pass
    return None

def matches(label, secret):
    contained = label == secret or label in secret or (len(secret) >= 8 and secret in label)
    return contained or b64(label) == secret or b64(secret) == label

def score(findings):
    by_path = collections.defaultdict(list)
    for l in labels:
        by_path["corpus/" + l["path"]].append(l["value"])
    found, false = set(), collections.Counter()
    for path, secret in findings:
        hit = [v for v in by_path.get(path, []) if matches(v, secret)]
        if hit:
            found.update((path, v) for v in hit)
        else:
            false[family(path)] += 1
    expected = collections.Counter(family("corpus/" + l["path"]) for l in labels)
    got = collections.Counter(family(p) for p, _ in found)
    return expected, got, false

tools = [("keyreach", keyreach_findings), ("kingfisher", kingfisher_findings), ("gitleaks", gitleaks_findings)]
results = {}
for name, fn in tools:
    try:
        results[name] = score(list(fn()))
    except (FileNotFoundError, json.JSONDecodeError) as e:
        print(f"skip {name}: {e}", file=sys.stderr)

families = sorted(set().union(*(set(e) | set(f) for e, _, f in results.values())))
print(f"{'family':<14}" + "".join(f"{n + ' recall':>20}{n + ' FP':>16}" for n in results))
for fam in families + ["TOTAL"]:
    row = f"{fam:<14}"
    for name, (expected, got, false) in results.items():
        e = sum(expected.values()) if fam == "TOTAL" else expected[fam]
        g = sum(got.values()) if fam == "TOTAL" else got[fam]
        fp = sum(false.values()) if fam == "TOTAL" else false[fam]
        recall = f"{100 * g / e:.1f}% ({g}/{e})" if e else "-"
        rate = f"{100 * fp / (g + fp):.1f}% ({fp})" if g + fp else "0"
        row += f"{recall:>20}{rate:>16}"
    print(row)
