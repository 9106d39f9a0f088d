#!/usr/bin/env bash
# Runs the pre-commit hook test (tests/precommit.rs) with the real `pre-commit` from
# PyPI, installed into a virtualenv under the target directory. Idempotent: the venv
# and the cargo target directory the hook is built in, both under target/pre-commit/,
# are reused by later runs.
#
#   .ci/precommit.sh                 # from anywhere
#   PRE_COMMIT_VERSION=4.5.1 .ci/precommit.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/pre-commit/venv"
spec="pre-commit${PRE_COMMIT_VERSION:+==$PRE_COMMIT_VERSION}"

installed="$("$venv/bin/pre-commit" --version 2>/dev/null || true)"
if [ -z "$installed" ] || { [ -n "${PRE_COMMIT_VERSION:-}" ] && [ "$installed" != "pre-commit $PRE_COMMIT_VERSION" ]; }; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  if ! python3 -m venv "$venv"; then
    # Debian ships venv (ensurepip) separately.
    rm -rf "$venv"
    echo "precommit.sh: python3 -m venv failed; installing python3-venv" >&2
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv
    python3 -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec"
fi
export PATH="$venv/bin:$PATH"
echo "precommit.sh: $(pre-commit --version)"

# Fail rather than skip if pre-commit is somehow not found by the test.
export MCPFORM_REQUIRE_PRE_COMMIT=1
cargo test --test precommit -- --nocapture
