#!/usr/bin/env bash
# The one command that runs every check and test of the workspace:
# formatting, clippy (warnings are errors), every test including doc tests and
# the PostgreSQL tests against a real server, and the docs build.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings

echo "== tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --all-features --no-fail-fast
else
  cargo test --workspace --all-features --lib --bins --tests --examples --no-fail-fast
fi

echo "== benches compile (built, not timed)"
cargo test --workspace --all-features --benches --no-run

echo "== doc tests"
cargo test --workspace --all-features --doc

echo "== docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --all-features --quiet
