#!/usr/bin/env bash
# Step `run` of the Action: mcpform with --github, then the outputs, then the exit code.
#
# Inputs arrive as MCPFORM_ACTION_* variables (action.yml's `env:`). The proxy URL, the
# admin key and the fingerprint key are handed to mcpform under its own names only when
# given, so that a workflow may set LITELLM_* itself instead; the MCPFORM_ACTION_*
# copies are removed before mcpform starts (and `${env:…}` may not read them anyway).
#
# Exit: 0 for success and for changes (plan exits 2: changes are not a failure), 3 for
# guarded changes unless fail-on-guard is false, 1 (or mcpform's code) for errors; the
# outputs are written first in every case.
set -euo pipefail
# shellcheck source=action/lib.sh
. "$GITHUB_ACTION_PATH/action/lib.sh"

bin=${MCPFORM_ACTION_BINARY:?the install step gave no binary}
command=${MCPFORM_ACTION_COMMAND:-plan}
case "$command" in
  lint | plan | apply) ;;
  *) fail "the input command must be lint, plan or apply" ;;
esac

if [[ -n ${MCPFORM_ACTION_PROXY_URL:-} ]]; then export LITELLM_PROXY_URL="$MCPFORM_ACTION_PROXY_URL"; fi
if [[ -n ${MCPFORM_ACTION_API_KEY:-} ]]; then export LITELLM_API_KEY="$MCPFORM_ACTION_API_KEY"; fi
if [[ -n ${MCPFORM_ACTION_FINGERPRINT_KEY:-} ]]; then export MCPFORM_FINGERPRINT_KEY="$MCPFORM_ACTION_FINGERPRINT_KEY"; fi
if [[ -n ${MCPFORM_ACTION_GITHUB_TOKEN:-} ]]; then export GITHUB_TOKEN="$MCPFORM_ACTION_GITHUB_TOKEN"; fi
unset MCPFORM_ACTION_API_KEY MCPFORM_ACTION_FINGERPRINT_KEY MCPFORM_ACTION_GITHUB_TOKEN

# One path a line; blank lines are skipped; `.` when none.
paths=()
while IFS= read -r line || [[ -n $line ]]; do
  line=${line%$'\r'}
  [[ -n ${line//[[:space:]]/} ]] && paths+=("$line")
done <<<"${MCPFORM_ACTION_PATHS:-.}"
[[ ${#paths[@]} -gt 0 ]] || paths=(.)

work=$(mktemp -d "${RUNNER_TEMP:-/tmp}/mcpform.XXXXXX")
args=("$command" --github)
if ! is_true "${MCPFORM_ACTION_COMMENT:-true}"; then args+=(--no-comment); fi
# `--opt=VALUE`: a value that starts with `-` stays a value.
if [[ -n ${MCPFORM_ACTION_COMMENT_KEY:-} ]]; then args+=("--comment-key=$MCPFORM_ACTION_COMMENT_KEY"); fi
case "$command" in
  plan)
    args+=(--detailed-exitcode --out "$work/plan.json")
    if is_true "${MCPFORM_ACTION_PRUNE:-false}"; then args+=(--prune); fi
    ;;
  apply)
    args+=(--auto-approve --progress lines --report "$work/apply.json")
    args+=("--parallelism=${MCPFORM_ACTION_PARALLELISM:-4}" "--max-deletes=${MCPFORM_ACTION_MAX_DELETES:-5}")
    if is_true "${MCPFORM_ACTION_PRUNE:-false}"; then args+=(--prune); fi
    ;;
esac
# A fork's pull request with the admin key present is refused unless the workflow says
# it reviews pull requests first (mcpform explains in the log).
case "$command" in
  plan | apply)
    if is_true "${MCPFORM_ACTION_ALLOW_FORK_WITH_KEY:-false}"; then args+=(--allow-fork-with-key); fi
    ;;
esac
args+=(--)
args+=("${paths[@]}")

set +e
"$bin" "${args[@]}"
code=$?
set -e

output exit-code "$code"
if is_true "${MCPFORM_ACTION_SARIF:-false}"; then
  # Findings only: the exit code is the main run's.
  "$bin" lint --format sarif -- "${paths[@]}" >"$work/mcpform.sarif" || true
  output sarif-file "$work/mcpform.sarif"
fi

case "$code" in
  0 | 2) exit 0 ;;
  3)
    if is_true "${MCPFORM_ACTION_FAIL_ON_GUARD:-true}"; then
      echo "::error title=mcpform::guarded changes: users' stored keys are at stake (see the report); set fail-on-guard: false to let this pass"
      exit 3
    fi
    echo "::warning title=mcpform::guarded changes (fail-on-guard is false): apply skips them until the files allow them"
    exit 0
    ;;
  *) exit "$code" ;;
esac
