#!/usr/bin/env bash
# Step `install` of the Action: decides where mcpform comes from.
#
# 1. `mcpform-path`: that binary, nothing installed.
# 2. A release binary, when the action is used at a release (`uses: …@v1.2.3`, or at the
#    commit the release was built from) that has one for this runner: downloaded from
#    the release with SHA256SUMS, and refused unless its checksum matches.
# 3. Otherwise `build=true`: the next steps restore a cached build or run
#    `cargo install --locked` from the action's own source with a pinned toolchain
#    (action/build.sh). The cache key is computed here, in bash, because `hashFiles`
#    cannot see the action's path.
#
# Outputs: bin (the binary's path), build (true|false), cache-dir, cache-key.
set -euo pipefail
# shellcheck source=action/lib.sh
. "$GITHUB_ACTION_PATH/action/lib.sh"

if [[ -n ${MCPFORM_ACTION_BINARY:-} ]]; then
  [[ -f $MCPFORM_ACTION_BINARY && -x $MCPFORM_ACTION_BINARY ]] ||
    fail "the input mcpform-path does not name an executable file"
  output bin "$MCPFORM_ACTION_BINARY"
  output build false
  exit 0
fi

version=$(sed -n 's/^version = "\([0-9A-Za-z.+-]*\)"$/\1/p' "$GITHUB_ACTION_PATH/Cargo.toml" | head -n 1)
[[ -n $version ]] || fail "cannot read the version from the action's Cargo.toml"
tag="v$version"

exe=""
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc exe=.exe ;;
  *) target="" ;;
esac

ref=${MCPFORM_ACTION_REF:-}
repository=${MCPFORM_ACTION_REPOSITORY:-}
server=${GITHUB_SERVER_URL:-https://github.com}

# try_release: installs the release binary; 1 when there is none for this ref and runner.
try_release() {
  [[ -n $target && -n $repository && -n $ref ]] || return 1
  [[ $ref == "$tag" || $ref =~ ^[0-9a-f]{40}$ ]] || return 1
  local base="$server/$repository/releases/download/$tag"
  local asset="mcpform-$tag-$target.tar.gz"
  local dir="$RUNNER_TEMP/mcpform-release-$version"
  rm -rf "$dir"
  mkdir -p "$dir"
  curl --fail --silent --show-error --location --retry 3 --output "$dir/SHA256SUMS" "$base/SHA256SUMS" 2>/dev/null || return 1
  if [[ $ref != "$tag" ]]; then
    # A commit: only the one the release was built from.
    curl --fail --silent --show-error --location --retry 3 --output "$dir/SOURCE_COMMIT" "$base/SOURCE_COMMIT" 2>/dev/null || return 1
    [[ $(tr -d ' \r\n' <"$dir/SOURCE_COMMIT") == "$ref" ]] || return 1
  fi
  curl --fail --silent --show-error --location --retry 3 --output "$dir/$asset" "$base/$asset" 2>/dev/null || return 1
  local expected actual
  expected=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$dir/SHA256SUMS")
  actual=$(sha256 "$dir/$asset")
  # A release that has the file but not the right bytes is an attack or a broken
  # release: stop, never fall back to something else.
  [[ -n $expected && $expected == "$actual" ]] ||
    fail "the checksum of $asset does not match the release's SHA256SUMS; nothing was installed"
  tar -xzf "$dir/$asset" -C "$dir"
  [[ -f "$dir/mcpform$exe" ]] || fail "$asset holds no mcpform$exe"
  chmod +x "$dir/mcpform$exe"
  echo "mcpform: release binary $tag for $target, checksum verified"
  output bin "$dir/mcpform$exe"
  output build false
}

if try_release; then
  exit 0
fi

# Build from source. The key covers what the binary is built from, all of it in the
# action's own directory (never the workspace, which may be a pull request's): the
# source, the build script and its pinned toolchain.
toolchain="rust$(rust_toolchain)"
command -v rustup >/dev/null 2>&1 || toolchain=rust-unpinned
hash_list="$RUNNER_TEMP/mcpform-source-hashes"
(
  cd "$GITHUB_ACTION_PATH"
  find Cargo.toml Cargo.lock src schemas action/build.sh action/lib.sh -type f -print0 | LC_ALL=C sort -z |
    while IFS= read -r -d '' file; do
      printf '%s  %s\n' "$(sha256 "$file")" "$file"
    done
) >"$hash_list"
source_hash=$(sha256 "$hash_list")
rm -f "$hash_list"
cache_dir="$RUNNER_TEMP/mcpform-build"
echo "mcpform: no release binary for this ref and runner; building $version from the action's source (cached)"
output bin "$cache_dir/bin/mcpform$exe"
output build true
output cache-dir "$cache_dir"
output cache-key "mcpform-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-$version-$toolchain-$source_hash"
