#!/usr/bin/env bash
# Runs the criterion benchmark `benches/lint.rs` and prints its medians as a markdown
# table to paste into BENCHMARKS.md; cargo's and criterion's output go to stderr.
#
#   benches/lint_criterion.sh                  # run everything (about 4 minutes), then print
#   benches/lint_criterion.sh load_lint        # only one group (criterion filter)
#   NO_RUN=1 benches/lint_criterion.sh         # only print the last results
#
# Reads `$CARGO_TARGET_DIR/criterion/<group>/<servers>/new/estimates.json` (default
# target dir: ./target), with python3. Timings are only meaningful on an otherwise idle
# machine: the load average is printed with the results.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
cd "$ROOT"

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
since=0 # only results written by this run, unless NO_RUN
if [[ ${NO_RUN:-0} != 1 ]]; then
    since=$(date +%s)
    cargo bench --bench lint -- "$@" >&2
fi

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=""
if git status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock 2>/dev/null | grep -q .; then
    dirty=" + uncommitted changes to src/ or Cargo.*"
fi
echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu), $(rustc --version), commit $commit$dirty;"
echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)."
echo
python3 - "$TARGET_DIR/criterion" "$since" <<'EOF'
import json, os, sys

root = sys.argv[1]
since = int(sys.argv[2])
groups = [
    ("load_lint", "load + lint (`load_text` + `lint`)"),
    ("load", "load only (`load_text`)"),
    ("lint", "lint only (`lint` on a loaded file)"),
]
sizes = ["100", "1000", "10000"]


def fmt(ns):
    return f"{ns / 1e6:.3f}" if ns < 1e10 else f"{ns / 1e9:.1f} s"


print("| benchmark | servers | median (ms) | 95% CI of the median (ms) | mean (ms) | servers/s |")
print("|-----------|--------:|------------:|--------------------------:|----------:|----------:|")
for group, label in groups:
    for n in sizes:
        path = os.path.join(root, group, n, "new", "estimates.json")
        if not os.path.exists(path) or os.path.getmtime(path) < since:
            continue
        with open(path) as f:
            e = json.load(f)
        med = e["median"]["point_estimate"]
        lo = e["median"]["confidence_interval"]["lower_bound"]
        hi = e["median"]["confidence_interval"]["upper_bound"]
        mean = e["mean"]["point_estimate"]
        print(
            f"| {label} | {int(n):,} | {fmt(med)} | {fmt(lo)}–{fmt(hi)} | {fmt(mean)} "
            f"| {int(n) / (med / 1e9):,.0f} |"
        )
EOF
