# Helpers of the Action's scripts (sourced, never run).
# shellcheck shell=bash

# output NAME VALUE: a step output in the multi-line form, with a random delimiter
# checked against the value, so that no value can end early and set outputs of its own.
output() {
  local name=$1 value=$2 delimiter
  delimiter="ghadelimiter_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  if [[ $value == *"$delimiter"* ]]; then
    echo "::error title=mcpform::the value of output $name contains its delimiter" >&2
    return 1
  fi
  printf '%s<<%s\n%s\n%s\n' "$name" "$delimiter" "$value" "$delimiter" >>"$GITHUB_OUTPUT"
}

# sha256 FILE: the file's SHA-256 in hex (sha256sum on Linux and Windows, shasum on macOS).
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# fail MESSAGE: an error annotation, then exit 1. MESSAGE is ours, never an input's value.
fail() {
  echo "::error title=mcpform::$1"
  exit 1
}

# is_true VALUE: `true` (any case) is true; anything else is false.
is_true() {
  case "$1" in
    [Tt][Rr][Uu][Ee]) return 0 ;;
    *) return 1 ;;
  esac
}

# rust_toolchain: the Rust toolchain the Action builds mcpform with, a full version (the
# release workflow pins the same one; a test keeps them equal).
rust_toolchain() {
  echo 1.95.0
}
