#!/usr/bin/env bash
# Whole-process wall time and peak RSS of `mcpform lint FILE` on generated files with
# 100, 1,000 and 10,000 servers (the issue's sizes). Prints a markdown table to paste
# into BENCHMARKS.md; progress goes to stderr.
#
#   benches/lint_wall.sh                 # build, generate, measure
#   RUNS=50 benches/lint_wall.sh         # more hyperfine runs
#   CHECK_JSONSCHEMA=1 benches/lint_wall.sh   # also time check-jsonschema on 10k (~20 s)
#
# Environment:
#   SIZES             server counts (default "100 1000 10000")
#   RUNS, WARMUP      hyperfine runs and warm-up runs per size (default 30 and 3)
#   RSS_RUNS          /usr/bin/time -v runs per size; the largest peak RSS is reported (default 3)
#   SEED              generator seed (default: the generator's DEFAULT_SEED)
#   OUT               where the generated files go (default /tmp/mcpform-bench)
#   CARGO_TARGET_DIR  honoured as by cargo
#   CHECK_JSONSCHEMA  1: also time `check-jsonschema` on the largest file, if installed
#
# Needs cargo, GNU time (/usr/bin/time, Debian package `time`) and, for accurate wall
# times, hyperfine (`apt-get install -y hyperfine`; without it, the median of RUNS
# /usr/bin/time runs is used, at 10 ms resolution). Timings are only meaningful on an
# otherwise idle machine: the load average is printed with the results.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES=${SIZES:-"100 1000 10000"}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-3}
RSS_RUNS=${RSS_RUNS:-3}
OUT=${OUT:-/tmp/mcpform-bench}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release/mcpform
TIME=/usr/bin/time
# The issue's target for 10,000 servers.
TARGET_WALL_S=0.3
TARGET_RSS_MB=100

log() { printf '%s\n' "$*" >&2; }

[[ -x $TIME ]] || { log "lint_wall.sh: needs GNU time at $TIME (apt-get install -y time)"; exit 2; }
HYPERFINE=$(command -v hyperfine || true)
[[ -n $HYPERFINE ]] || log "lint_wall.sh: hyperfine not found; wall times from /usr/bin/time (10 ms resolution)"

cd "$ROOT"
log "== building the release binary and the generator"
cargo build --release --quiet --bin mcpform --example gen_servers >&2

mkdir -p "$OUT"
for n in $SIZES; do
    log "== generating $n servers"
    # shellcheck disable=SC2086 # SEED is optional
    cargo run --release --quiet --example gen_servers -- "$n" ${SEED:-} >"$OUT/servers-$n.yaml"
    # The file must be lint-clean: a benchmark of the error path would be meaningless.
    if ! "$BIN" lint --strict "$OUT/servers-$n.yaml" >/dev/null; then
        log "lint_wall.sh: $OUT/servers-$n.yaml is not lint-clean:"
        "$BIN" lint "$OUT/servers-$n.yaml" | head -40 >&2
        exit 1
    fi
done

# Peak RSS (MB) and wall time (s) of one run, from GNU time -v.
time_v() {
    "$TIME" -v "$@" 2>&1 >/dev/null | awk -F': ' '
        /Maximum resident set size/ { rss = $2 / 1024 }
        /Elapsed \(wall clock\)/ {
            n = split($2, p, ":"); s = 0
            for (i = 1; i <= n; i++) s = s * 60 + p[i]
        }
        END { printf "%.1f %.3f\n", rss, s }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
rows=()
met=unknown
for n in $SIZES; do
    file=$OUT/servers-$n.yaml
    bytes=$(wc -c <"$file")
    lines=$(wc -l <"$file")
    log "== measuring $n servers ($bytes bytes, $lines lines)"
    rss_max=0
    walls=()
    for ((i = 0; i < RSS_RUNS; i++)); do
        read -r rss wall < <(time_v "$BIN" lint "$file")
        rss_max=$(awk -v a="$rss_max" -v b="$rss" 'BEGIN { print (b > a) ? b : a }')
        walls+=("$wall")
    done
    if [[ -n $HYPERFINE ]]; then
        csv=$(mktemp)
        "$HYPERFINE" -N --style none --warmup "$WARMUP" --runs "$RUNS" --export-csv "$csv" \
            --command-name "$n" "$BIN lint $file" >/dev/null 2>&1
        # command,mean,stddev,median,user,system,min,max
        read -r mean stddev med user sys min max < <(awk -F, 'NR == 2 { print $2, $3, $4, $5, $6, $7, $8 }' "$csv")
        rm -f "$csv"
        wall_txt=$(awk -v m="$mean" -v s="$stddev" -v d="$med" -v lo="$min" -v hi="$max" -v u="$user" -v y="$sys" \
            'BEGIN { printf "%.3f | %.3f ± %.3f | %.3f–%.3f | %.3f / %.3f", d, m, s, lo, hi, u, y }')
        wall_med=$med
    else
        for ((i = ${#walls[@]}; i < RUNS; i++)); do
            read -r _ wall < <(time_v "$BIN" lint "$file")
            walls+=("$wall")
        done
        wall_med=$(printf '%s\n' "${walls[@]}" | median)
        wall_txt=$(printf '%s\n' "${walls[@]}" | sort -g | awk -v d="$wall_med" '
            { v[NR] = $1 } END { printf "%.3f | – | %.3f–%.3f | –", d, v[1], v[NR] }')
    fi
    rows+=("| $n | $(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1e6 }') | $lines | $wall_txt | $rss_max |")
    if [[ $n == 10000 ]]; then
        met=$(awk -v w="$wall_med" -v r="$rss_max" -v tw="$TARGET_WALL_S" -v tr="$TARGET_RSS_MB" 'BEGIN {
            ok = (w < tw && r < tr)
            printf "%s (median wall %.3f s %s %s s, peak RSS %.1f MB %s %s MB)",
                ok ? "**met**" : "**NOT met**", w, (w < tw) ? "<" : "≥", tw, r, (r < tr) ? "<" : "≥", tr }')
    fi
done

cjs_row=""
if [[ ${CHECK_JSONSCHEMA:-0} == 1 ]]; then
    if command -v check-jsonschema >/dev/null; then
        biggest=${SIZES##* }
        log "== measuring check-jsonschema on $biggest servers (one run)"
        read -r rss wall < <(time_v check-jsonschema --schemafile "$ROOT/schemas/mcpform.schema.json" "$OUT/servers-$biggest.yaml")
        cjs_row="check-jsonschema $(check-jsonschema --version 2>/dev/null | awk '{ print $NF }') on $biggest servers (one run, /usr/bin/time -v): $wall s wall, $rss MB peak RSS."
    else
        log "lint_wall.sh: CHECK_JSONSCHEMA=1 but check-jsonschema is not on PATH (pip install check-jsonschema)"
    fi
fi

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=""
if git -C "$ROOT" status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock 2>/dev/null | grep -q .; then
    dirty=" + uncommitted changes to src/ or Cargo.*"
fi
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)

echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($cpu), $(rustc --version), commit $commit$dirty;"
echo "load average before measuring: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)."
if [[ -n $HYPERFINE ]]; then
    echo "Wall: $($HYPERFINE --version), $WARMUP warm-up + $RUNS runs. Peak RSS: largest of $RSS_RUNS \`/usr/bin/time -v\` runs."
else
    echo "Wall: median of $RUNS \`/usr/bin/time -v\` runs (no hyperfine). Peak RSS: largest of $RSS_RUNS runs."
fi
echo
echo "| servers | file (MB) | lines | wall median (s) | wall mean ± σ (s) | wall min–max (s) | user / sys (s) | peak RSS (MB) |"
echo "|--------:|----------:|------:|----------------:|------------------:|-----------------:|---------------:|--------------:|"
printf '%s\n' "${rows[@]}"
echo
echo "Target at 10,000 servers (< $TARGET_WALL_S s wall, < $TARGET_RSS_MB MB peak RSS): $met."
[[ -z $cjs_row ]] || { echo; echo "$cjs_row"; }
