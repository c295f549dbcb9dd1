#!/usr/bin/env bash
# The test command (README): installs what the tests need on a Debian machine with Rust and
# Python 3 — a headless browser for the HTML report, real PostgreSQL, MariaDB and Redis
# servers for the database probes (the tests start their own on loopback), openssl, g++ for
# libFuzzer — then runs `cargo test` with any extra arguments (`--install-only`: stop after
# installing; .ci/run does that first).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v git >/dev/null || need_apt+=(git)
# The HTML report is tested in a real headless browser (tests/it/html.rs).
command -v chromium >/dev/null || need_apt+=(chromium)
command -v curl >/dev/null || need_apt+=(curl)         # the Action's download step (.ci/action-test.sh)
command -v jq >/dev/null || need_apt+=(jq)             # scripts/org-scan.sh (tests/it/org.rs)
command -v openssl >/dev/null || need_apt+=(openssl)   # the GCP probe test makes an RSA key at test time
command -v c++ >/dev/null || need_apt+=(g++)            # libfuzzer-sys compiles libFuzzer (fuzz targets build)
# The database probe tests start real servers on loopback (tests/it/databases.rs).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || need_apt+=(postgresql)
[ -x /usr/sbin/mariadbd ] || command -v mariadbd >/dev/null || need_apt+=(mariadb-server)
command -v redis-server >/dev/null || need_apt+=(redis-server)
if ((${#need_apt[@]})); then
  echo "scripts/test.sh: installing ${need_apt[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  log=$(mktemp)
  if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq "${need_apt[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
  fi
  rm -f "$log"
fi

[ "${1:-}" = "--install-only" ] && exit 0
exec cargo test --locked "$@"
