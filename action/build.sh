#!/usr/bin/env bash
# Step `build` of the Action (no release binary, no cached build): `cargo install
# --locked` from the action's own source into the directory the cache saves.
set -euo pipefail
# shellcheck source=action/lib.sh
. "$GITHUB_ACTION_PATH/action/lib.sh"

command -v cargo >/dev/null 2>&1 ||
  fail "no release binary for this runner and no cargo to build one: install Rust 1.88 or later first, or give mcpform-path"
[[ -n ${MCPFORM_ACTION_CACHE_DIR:-} ]] || fail "no cache directory from the install step"
# Thin codegen instead of fat LTO: minutes less on a runner, the same behaviour.
CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  cargo install --locked --path "$GITHUB_ACTION_PATH" --root "$MCPFORM_ACTION_CACHE_DIR"
