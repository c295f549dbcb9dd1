#!/usr/bin/env python3
"""Reads the SARIF that keyreach wrote for the GitHub Action (scripts/action.sh scan).

- When a subdirectory of the workspace was scanned, keyreach's paths are relative to it:
  they are rebased onto the repository root, where code scanning looks for them.
- Writes the finding counts to $GITHUB_OUTPUT and a markdown summary to
  $GITHUB_STEP_SUMMARY.

It shows only what the SARIF holds, and never a result's `secret` property (present only
when keyreach ran with --show-secrets).
"""

import argparse
import json
import os
import re
import sys
import urllib.parse

SEVERITIES = ("critical", "high", "medium", "low")
SRCROOT = "%SRCROOT%"
ROWS = 50
# Characters kept as they are in a URI path, like keyreach's own encoding (`:` is encoded).
URI_SAFE = "/!$&'()*+,;=@"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sarif", required=True)
    parser.add_argument("--path", default=".", help="the scanned path, relative to the workspace")
    parser.add_argument("--fail-on", default="low")
    parser.add_argument("--failed", default="false")
    parser.add_argument("--baseline", default="", help="the baseline file the scan used, if any")
    parser.add_argument("--outputs", required=True, help="the $GITHUB_OUTPUT file")
    parser.add_argument("--summary", required=True, help="the $GITHUB_STEP_SUMMARY file")
    args = parser.parse_args()

    with open(args.sarif, encoding="utf-8") as f:
        log = json.load(f)
    run = log["runs"][0]
    prefix = repo_prefix(args.path)
    if prefix:
        rebase(run, prefix)
        with open(args.sarif, "w", encoding="utf-8") as f:
            json.dump(log, f, indent=2, ensure_ascii=False)
            f.write("\n")

    props = run.get("properties", {})
    counts = props.get("severities", {})
    outputs = {"sarif-file": os.path.abspath(args.sarif), "findings": props.get("findings", 0)}
    outputs.update({s: counts.get(s, 0) for s in SEVERITIES})
    outputs["failed"] = args.failed
    with open(args.outputs, "a", encoding="utf-8") as f:
        for key, value in outputs.items():
            f.write(f"{key}={value}\n")
    with open(args.summary, "a", encoding="utf-8") as f:
        f.write(summary(run, args))
    return 0


def repo_prefix(path: str) -> str:
    """The scanned directory relative to the workspace (the working directory), or ''."""
    if not os.path.isdir(path):
        return ""  # a scanned file is reported by the path it was given
    rel = os.path.relpath(os.path.abspath(path), os.getcwd()).replace(os.sep, "/")
    if rel == ".":
        return ""
    if rel == ".." or rel.startswith("../"):
        print(f"::warning title=keyreach::{path} is outside the workspace: code scanning cannot place its results")
        return ""
    return rel


def rebase(run: dict, prefix: str) -> None:
    base = urllib.parse.quote(prefix, safe=URI_SAFE)
    for result in run.get("results", []):
        for location in result.get("locations", []) + result.get("relatedLocations", []):
            artifact = location.get("physicalLocation", {}).get("artifactLocation")
            if artifact and artifact.get("uriBaseId") == SRCROOT and "uri" in artifact:
                artifact["uri"] = f"{base}/{artifact['uri']}"


def cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def code(text: str) -> str:
    return "`" + cell(text).replace("`", "'") + "`"


def place(result: dict) -> str:
    location = (result.get("locations") or [{}])[0]
    logical = location.get("logicalLocations")
    if logical:
        return logical[0].get("name", "")
    physical = location.get("physicalLocation", {})
    where = urllib.parse.unquote(physical.get("artifactLocation", {}).get("uri", ""))
    commit = result.get("properties", {}).get("commit")
    if commit and "region" not in physical:
        return f"{where}@{commit.get('id', '')[:12]}"
    line = physical.get("region", {}).get("startLine")
    return f"{where}:{line}" if line else where


def detail(result: dict) -> str:
    props = result.get("properties", {})
    scope = props.get("scope", {})
    parts = [props.get("title", result.get("ruleId", ""))]
    if scope.get("level"):
        parts.append(f"level {scope['level']}")
    parts.extend(props.get("reasons", []))
    return "; ".join(parts)


def summary(run: dict, args: argparse.Namespace) -> str:
    props = run.get("properties", {})
    counts = props.get("severities", {})
    total = props.get("findings", 0)
    where = "the repository" if args.path in ("", ".", "./") else code(args.path)
    lines = ["## keyreach", ""]
    if total == 0:
        lines.append(f"No credential an AI coding agent can reach was found in {where}.")
    else:
        noun = "credential" if total == 1 else "credentials"
        by_severity = ", ".join(f"{counts.get(s, 0)} {s}" for s in SEVERITIES)
        lines.append(f"**{total} {noun}** an AI coding agent can reach in {where}: {by_severity}.")
    lines.append("")
    if args.fail_on == "never":
        lines.append("The check does not fail on findings (`fail-on: never`).")
    elif args.failed == "true":
        lines.append(f"**Failed:** findings at or above `{args.fail_on}`.")
    else:
        lines.append(f"Passed: nothing at or above `{args.fail_on}`.")
    if args.baseline:
        accepted = props.get("baselined")
        if isinstance(accepted, int):
            noun = "known credential" if accepted == 1 else "known credentials"
            lines += ["", f"{accepted} {noun} accepted in {code(args.baseline)}, not reported."]
        else:
            lines += ["", f"Credentials accepted in {code(args.baseline)} are not reported."]
    results = run.get("results", [])
    if results:
        lines += ["", "| Severity | Rule | Where | Reach | What it is and why it matters |", "|---|---|---|---|---|"]
        for result in results[:ROWS]:
            props_r = result.get("properties", {})
            row = [
                cell(props_r.get("severity", result.get("level", ""))),
                code(result.get("ruleId", "")),
                code(place(result)),
                cell(props_r.get("reach", "")),
                cell(detail(result)),
            ]
            lines.append("| " + " | ".join(row) + " |")
        if len(results) > ROWS:
            lines += ["", f"…and {len(results) - ROWS} more: see code scanning or the SARIF file."]
    if props.get("note"):
        lines += ["", "> " + cell(props["note"])]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
