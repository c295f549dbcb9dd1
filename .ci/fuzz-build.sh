#!/usr/bin/env bash
# Builds every fuzz target (fuzz/, its own workspace) on the stable toolchain, so they keep
# compiling; long fuzz runs are not part of CI (scripts/fuzz.sh runs them).
#
# cargo-fuzz passes a few nightly-only flags to rustc; RUSTC_BOOTSTRAP=1 lets the stable
# compiler accept them. No sanitizer: keyreach has no unsafe code of its own to check, and
# instrumented builds of every dependency would double the build time.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-fuzz >/dev/null; then
  cargo install --locked cargo-fuzz
fi
cd fuzz
RUSTC_BOOTSTRAP=1 cargo fuzz build --sanitizer none
