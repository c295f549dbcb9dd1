#!/usr/bin/env bash
# The shell steps of the organisation scan (.github/workflows/org-scan.yml runs one
# subcommand a step; tests/it/org.rs runs `scan` and `summary` on file:// repositories).
#
#   org-scan.sh list     the organisation's (or user's) repositories as JSON: gh api --paginate
#   org-scan.sh plan     keyreach org plan: outputs `matrix` (for strategy.matrix) and `count`
#   org-scan.sh scan     keyreach scan --git-url for each repository of one shard, one report
#                        each; a repository that cannot be cloned is listed, not fatal
#   org-scan.sh merge    keyreach report merge: the organisation report (JSON and HTML), the
#                        job summary, and the exit code --fail-on gives
#   org-scan.sh summary  the job summary of a merged report (counts, worst findings; no secret)
#
# Environment: KEYREACH (the binary), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY (set by GitHub);
# list: ORG, GH_TOKEN, REPOS_FILE; plan: REPOS_FILE, SHARDS, HISTORY (true: every branch and
# tag; false: the default branch), SKIP_ARCHIVED, INCLUDE_FORKS; scan: REPOS (the shard's
# space-separated `URL` or `URL#BRANCH` list), SHARD, SINCE, OUT_DIR, GITHUB_TOKEN (read by
# keyreach, never printed); merge: REPORTS_DIR, OUT_DIR, FAIL_ON; summary: MERGED, FAILED_DIR.
set -euo pipefail

die() {
  echo "::error title=keyreach::$*"
  exit 2
}

output() {
  echo "$1=$2" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
}

bin() {
  [ -x "${KEYREACH:-}" ] || die "KEYREACH is not an executable keyreach"
  echo "$KEYREACH"
}

cmd_list() {
  : "${ORG:?ORG is not set}" "${REPOS_FILE:?REPOS_FILE is not set}"
  case $ORG in
    *[!A-Za-z0-9_.-]* | "" | -*) die "input org must be an organisation or user name (got '$ORG')" ;;
  esac
  # GitHub Enterprise Server: gh talks to the runner's own server.
  if [ -n "${GITHUB_SERVER_URL:-}" ] && [ "$GITHUB_SERVER_URL" != https://github.com ]; then
    export GH_HOST=${GITHUB_SERVER_URL#https://}
  fi
  # An organisation's repositories (type=all: public, private, internal, forks); for a
  # user, the repositories the user owns.
  if ! gh api --paginate "orgs/$ORG/repos?per_page=100&type=all" >"$REPOS_FILE" 2>"$REPOS_FILE.err"; then
    if grep -q "Not Found" "$REPOS_FILE.err"; then
      gh api --paginate "users/$ORG/repos?per_page=100&type=owner" >"$REPOS_FILE" ||
        die "cannot list the repositories of '$ORG'"
    else
      cat "$REPOS_FILE.err" >&2
      die "cannot list the repositories of '$ORG' (is the token allowed to read them?)"
    fi
  fi
  echo "listed the repositories of $ORG ($(wc -c <"$REPOS_FILE") bytes of JSON)"
}

cmd_plan() {
  : "${REPOS_FILE:?REPOS_FILE is not set}"
  local -a args=(org plan --shards "${SHARDS:-4}")
  if [ "${HISTORY:-true}" = false ]; then args+=(--default-branch); fi
  if [ "${SKIP_ARCHIVED:-false}" = true ]; then args+=(--skip-archived); fi
  if [ "${INCLUDE_FORKS:-false}" = true ]; then args+=(--include-forks); fi
  local matrix count
  matrix=$("$(bin)" "${args[@]}" "$REPOS_FILE")
  count=$(jq '[.include[].count] | add // 0' <<<"$matrix")
  output matrix "$matrix"
  output count "$count"
  if [ "$count" -eq 0 ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    echo "## keyreach: organisation scan"$'\n\n'"No repositories to scan (see the plan step's log)." >>"$GITHUB_STEP_SUMMARY"
  fi
}

cmd_scan() {
  : "${OUT_DIR:?OUT_DIR is not set}" "${SHARD:?SHARD is not set}"
  local kr
  kr=$(bin)
  mkdir -p "$OUT_DIR"
  local -a entries
  read -r -a entries <<<"${REPOS:-}"
  local i=0 failed=0 entry url branch code
  for entry in ${entries[@]+"${entries[@]}"}; do
    i=$((i + 1))
    url=${entry%%#*}
    branch=
    if [ "$entry" != "$url" ]; then branch=${entry#*#}; fi
    local -a args=(scan --git-url "$url" --history --format json --fail-on never
      --output "$OUT_DIR/shard-$SHARD-$i.json")
    if [ -n "$branch" ]; then args+=(--branch "$branch"); fi
    if [ -n "${SINCE:-}" ]; then args+=(--since "$SINCE"); fi
    echo "::group::$url"
    code=0
    "$kr" "${args[@]}" 2>"$OUT_DIR/error.txt" || code=$?
    cat "$OUT_DIR/error.txt" >&2
    echo "::endgroup::"
    if [ "$code" -eq 0 ]; then
      # The report names its repository, so the merged summary lists it even when clean.
      jq --arg url "$url" '.repository = $url' "$OUT_DIR/shard-$SHARD-$i.json" >"$OUT_DIR/named.json" &&
        mv "$OUT_DIR/named.json" "$OUT_DIR/shard-$SHARD-$i.json"
    else
      # keyreach's one-line error names the cause and never holds a credential.
      failed=$((failed + 1))
      echo "::warning title=keyreach::$url was not scanned: $(tail -n 1 "$OUT_DIR/error.txt")"
      printf '%s\t%s\n' "$url" "$(tail -n 1 "$OUT_DIR/error.txt")" >>"$OUT_DIR/failed-$SHARD.tsv"
      rm -f "$OUT_DIR/shard-$SHARD-$i.json"
    fi
  done
  rm -f "$OUT_DIR/error.txt"
  echo "shard $SHARD: $i repositories, $((i - failed)) scanned, $failed not"
}

cmd_merge() {
  : "${REPORTS_DIR:?REPORTS_DIR is not set}" "${OUT_DIR:?OUT_DIR is not set}"
  local kr fail_on=${FAIL_ON:-low}
  case $fail_on in
    low | medium | high | critical | never) ;;
    *) die "input fail-on must be one of low, medium, high, critical, never (got '$fail_on')" ;;
  esac
  kr=$(bin)
  mkdir -p "$OUT_DIR"
  local -a reports
  mapfile -t reports < <(find "$REPORTS_DIR" -name '*.json' -type f | sort)
  [ "${#reports[@]}" -gt 0 ] || die "no shard reports in $REPORTS_DIR: did every scan job fail?"
  local code=0
  "$kr" report merge "${reports[@]}" --format json --fail-on "$fail_on" --output "$OUT_DIR/keyreach-org.json" ||
    code=$?
  [ "$code" -le 1 ] || die "keyreach could not merge the shard reports (exit $code)"
  "$kr" report merge "${reports[@]}" --format html --fail-on never --output "$OUT_DIR/keyreach-org.html"
  MERGED=$OUT_DIR/keyreach-org.json FAILED_DIR=$REPORTS_DIR cmd_summary
  if [ "$code" -eq 1 ]; then
    echo "::error title=keyreach::credentials at or above '$fail_on' were found: see the job summary and the keyreach-org-report artifact"
    exit 1
  fi
}

cmd_summary() {
  : "${MERGED:?MERGED is not set}" "${GITHUB_STEP_SUMMARY:?GITHUB_STEP_SUMMARY is not set}"
  {
    echo "## keyreach: organisation scan"
    jq -r '.organisation as $o
      | ([$o.repositories[] | select(.findings > 0)] | length) as $with
      | "\(.findings | length) credential(s) in \($with) of \($o.repositories | length) repositories (\($o.reports | length) reports merged): "
        + ([("critical", "high", "medium", "low") as $s | "\($o.counts[$s]) \($s)"] | join(", "))' "$MERGED"
    echo
    local n
    n=$(jq '.findings | length' "$MERGED") || die "$MERGED is not a merged keyreach report"
    if [ "$n" -gt 0 ]; then
      echo "| severity | credential | rule | repositories | first place |"
      echo "|---|---|---|---|---|"
      # Values from scanned repositories: in code spans (no links or markup), without the
      # `|`, backticks and line breaks that would end the span, cell or row.
      jq -r '.findings[:20][]
        | [.severity, .title, .rule, (.repositories | length | tostring),
           ((.locations[0].path // "") + (if .locations[0].line then ":\(.locations[0].line)" else "" end))]
        | map(gsub("[|`\\n\\r]"; " ")) | .[1] |= "`\(.)`" | .[2] |= "`\(.)`" | .[4] |= "`\(.)`"
        | "| " + join(" | ") + " |"' "$MERGED"
      echo
      echo "The full report (JSON and HTML) is the **keyreach-org-report** artifact of this run."
    fi
    local failed
    failed=$(find "${FAILED_DIR:-/nonexistent}" -name "failed-*.tsv" -type f -exec cat {} + 2>/dev/null | wc -l)
    if [ "$failed" -gt 0 ]; then
      echo
      echo "**$failed repositories could not be scanned** (see the scan jobs' warnings)."
    fi
  } >>"$GITHUB_STEP_SUMMARY"
}

case ${1:-} in
  list) cmd_list ;;
  plan) cmd_plan ;;
  scan) cmd_scan ;;
  merge) cmd_merge ;;
  summary) cmd_summary ;;
  *) die "usage: org-scan.sh list|plan|scan|merge|summary" ;;
esac
