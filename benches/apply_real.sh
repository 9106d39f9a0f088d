#!/usr/bin/env bash
# `mcpform apply` of N creates (default 200) against a real LiteLLM proxy, at
# parallelism 1, 2, 4 and 8: wall time, retries, final failures, the time spent in
# verification, and apply's own CPU time (everything but waiting on the proxy).
#
#   LITELLM_BASE_URL=http://127.0.0.1:4000 LITELLM_MASTER_KEY=sk-... benches/apply_real.sh [N]
#
# Each round writes a file of N servers under a fresh prefix (`.invalid` upstreams),
# runs `mcpform apply --auto-approve --format json`, reads the report, then deletes the
# servers of that prefix by id (never with --prune: other servers on the proxy stay).
# Prints one markdown row per parallelism.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
: "${LITELLM_BASE_URL:?set LITELLM_BASE_URL}" "${LITELLM_MASTER_KEY:?set LITELLM_MASTER_KEY}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cargo build --release --locked --quiet
BIN=$PWD/target/release/mcpform
export LITELLM_PROXY_URL=$LITELLM_BASE_URL LITELLM_API_KEY=$LITELLM_MASTER_KEY

servers() { # prefix count
  echo "version: 1"
  echo "servers:"
  for ((i = 0; i < $2; i++)); do
    printf '  - {server_name: %s%05d, transport: http, url: "https://s%d.example.invalid/mcp", description: "bench %d", mcp_access_groups: [bench]}\n' "$1" "$i" "$i" "$i"
  done
}

echo "| parallelism | creates | wall (s) | apply CPU (s) | CPU share | verification (s) | retries | final failures |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for P in 1 2 4 8; do
  PREFIX="bench$$_p${P}_"
  servers "$PREFIX" "$N" > "$WORK/servers.yaml"
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$WORK/cpu" "$BIN" apply "$WORK/servers.yaml" --auto-approve \
    --parallelism "$P" --format json --progress none --report "$WORK/report.json" > /dev/null 2> "$WORK/stderr" || true
  end=$(date +%s.%N)
  python3 - "$WORK/report.json" "$WORK/cpu" "$start" "$end" "$P" "$N" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
user, system = map(float, open(sys.argv[2]).read().split()[-2:])
wall = float(sys.argv[4]) - float(sys.argv[3])
results = report["results"]
retries = sum(max(0, sum(1 for a in r.get("attempts", []) if a["step"] == "write") - 1) for r in results)
failures = sum(1 for r in results if r["status"] not in ("applied", "already_applied"))
cpu = user + system
print(f"| {sys.argv[5]} | {sys.argv[6]} | {wall:.1f} | {cpu:.2f} | {cpu / wall:.1%} | "
      f"{report['durations_ms']['verification'] / 1000:.1f} | {retries} | {failures} |")
PY
  python3 - "$PREFIX" <<'PY'
import json, os, sys, urllib.request, concurrent.futures as cf
base, key, prefix = os.environ["LITELLM_BASE_URL"].rstrip("/"), os.environ["LITELLM_MASTER_KEY"], sys.argv[1]
def call(method, path):
    req = urllib.request.Request(base + path, method=method, headers={"Authorization": "Bearer " + key})
    with urllib.request.urlopen(req, timeout=300) as r:
        return r.read()
ids = [s["server_id"] for s in json.loads(call("GET", "/v1/mcp/server")) if str(s.get("server_name", "")).startswith(prefix)]
with cf.ThreadPoolExecutor(4) as pool:
    list(pool.map(lambda i: call("DELETE", f"/v1/mcp/server/{i}"), ids))
PY
done
