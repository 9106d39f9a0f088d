#!/usr/bin/env bash
# Step `build` of the Action (no release binary, no cached build): `cargo install
# --locked` from the action's own source into the directory the cache saves.
#
# The step starts in the workspace, which may be a pull request's checkout; nothing in
# it may pick what runs here:
# * cargo runs in the action's own directory: rustup never reads the workspace's
#   rust-toolchain.toml (a `path` toolchain would make `cargo` the pull request's
#   program), and cargo reads no .cargo/config.toml of the workspace;
# * the toolchain is pinned (`rust_toolchain`): RUSTUP_TOOLCHAIN beats every override
#   file, and rustup installs it when the runner lacks it;
# * the variables that steer cargo and rustc (CARGO_* settings, RUSTC, RUSTC_WRAPPER,
#   RUSTFLAGS, …) are cleared, whatever the job set, and the target directory is new.
# What it trusts: the runner's rustup, PATH, $CARGO_HOME, $RUSTUP_HOME and C compiler,
# and every step that ran before it in the job.
set -euo pipefail
# shellcheck source=action/lib.sh
. "$GITHUB_ACTION_PATH/action/lib.sh"

[[ -n ${MCPFORM_ACTION_CACHE_DIR:-} ]] || fail "no cache directory from the install step"
cd "$GITHUB_ACTION_PATH"

# Kept: where cargo keeps its files, and how it reaches crates.io (Cargo.lock's
# checksums hold whatever the network does).
while IFS= read -r name; do
  case "$name" in
    CARGO_HOME | CARGO_HTTP_* | CARGO_NET_* | CARGO_TERM_*) ;;
    CARGO_* | RUSTC | RUSTC_* | RUSTDOC | RUSTDOC_* | RUSTDOCFLAGS | RUSTFLAGS | RUSTUP_TOOLCHAIN)
      unset "$name"
      ;;
  esac
done < <(compgen -e)

toolchain=$(rust_toolchain)
if command -v rustup >/dev/null 2>&1; then
  if ! rustup which --toolchain "$toolchain" cargo >/dev/null 2>&1; then
    echo "mcpform: installing Rust $toolchain (minimal profile) to build mcpform"
    rustup toolchain install "$toolchain" --profile minimal --no-self-update
  fi
  export RUSTUP_TOOLCHAIN="$toolchain"
elif command -v cargo >/dev/null 2>&1; then
  # A cargo without rustup reads no toolchain file.
  echo "::warning title=mcpform::no rustup on this runner: building with the cargo on PATH, not the pinned Rust $toolchain"
else
  fail "no release binary for this runner and no Rust to build one: install rustup (the build uses Rust $toolchain) first, or give mcpform-path"
fi

export CARGO_TARGET_DIR="${RUNNER_TEMP:?}/mcpform-target"
rm -rf "$CARGO_TARGET_DIR"
# Thin codegen instead of fat LTO: minutes less on a runner, the same behaviour.
CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  cargo install --locked --path "$GITHUB_ACTION_PATH" --root "$MCPFORM_ACTION_CACHE_DIR"
rm -rf "$CARGO_TARGET_DIR"
