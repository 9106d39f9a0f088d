#!/usr/bin/env bash
# Whole `mcpform plan` against a real LiteLLM proxy holding N servers (default 1,000).
#
#   LITELLM_BASE_URL=http://127.0.0.1:4000 LITELLM_MASTER_KEY=sk-... benches/plan_real.sh [N]
#
# Seeds N servers (unique prefix, `.invalid` upstreams, made "in the dashboard", so no
# mcpform marker) with 4 parallel requests (each create makes the proxy reload its
# registry, so seeding 1,000 takes many minutes; 5xx answers are retried), writes a file declaring exactly those
# servers, times `mcpform plan` (an empty plan: one list request, nothing else), prints
# a markdown row, and deletes the servers again. HTTP/SSE servers only: OpenAPI servers
# with unreachable specs are hidden from the proxy's list and would be looked up one by
# one (see docs/commands/plan.md, "Proxy behaviour mcpform works around").
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
: "${LITELLM_BASE_URL:?set LITELLM_BASE_URL}" "${LITELLM_MASTER_KEY:?set LITELLM_MASTER_KEY}"
PREFIX="bench$$_"
WORK=$(mktemp -d)
trap 'python3 "$WORK/seed.py" delete; rm -rf "$WORK"' EXIT

cargo build --release --locked --quiet
BIN=$PWD/target/release/mcpform

cat > "$WORK/seed.py" <<PY
import json, sys, urllib.request, concurrent.futures as cf
BASE, KEY, N, PREFIX = "$LITELLM_BASE_URL".rstrip("/"), "$LITELLM_MASTER_KEY", $N, "$PREFIX"
import time
def call(method, path, body=None, tries=5):
    req = urllib.request.Request(BASE + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        if e.code >= 500 and tries > 1:
            time.sleep(2)
            # A create that failed late may have been saved: a retry then sees the id taken.
            status, body = call(method, path, body, tries - 1)
            if method == "POST" and status == 400 and b"already exists" in body:
                return 201, body
            return status, body
        return e.code, e.read()
def server(i):
    s = {"server_id": f"{PREFIX}{i:05d}", "server_name": f"{PREFIX}srv_{i:05d}", "description": f"bench server {i}",
         "transport": "http" if i % 2 else "sse", "url": f"https://s{i}.example.invalid/mcp",
         "mcp_access_groups": ["bench"], "allowed_tools": ["a", "b"]}
    if i % 3 == 0:
        s.update({"auth_type": "bearer_token", "is_byok": True, "byok_description": ["Read"]})
    return s
if sys.argv[1] == "seed":
    with cf.ThreadPoolExecutor(4) as pool:
        for status, body in pool.map(lambda i: call("POST", "/v1/mcp/server", server(i)), range(N)):
            assert status == 201, (status, body[:300])
elif sys.argv[1] == "yaml":
    print("version: 1\nservers:")
    for i in range(N):
        s = server(i)
        print("  - " + json.dumps(s))
elif sys.argv[1] == "delete":
    with cf.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: call("DELETE", f"/v1/mcp/server/{PREFIX}{i:05d}"), range(N)))
PY

echo "seeding $N servers on $LITELLM_BASE_URL ..." >&2
start=$(date +%s)
python3 "$WORK/seed.py" seed
echo "seeded in $(( $(date +%s) - start )) s" >&2
python3 "$WORK/seed.py" yaml > "$WORK/servers.yaml"

export LITELLM_PROXY_URL=$LITELLM_BASE_URL LITELLM_API_KEY=$LITELLM_MASTER_KEY NO_PROXY=127.0.0.1,localhost
"$BIN" plan "$WORK/servers.yaml" --detailed-exitcode >/dev/null || { echo "the plan is not empty (exit $?)" >&2; exit 1; }

best=999999; total=0; runs=5; rss=0
for _ in $(seq $runs); do
  out=$( { /usr/bin/time -f '%e %M' "$BIN" plan "$WORK/servers.yaml" >/dev/null; } 2>&1 | tail -1)
  secs=${out% *}; kb=${out#* }
  ms=$(python3 -c "print(round($secs*1000))")
  total=$((total + ms)); [ "$ms" -lt "$best" ] && best=$ms; [ "$kb" -gt "$rss" ] && rss=$kb
done
echo "| whole plan, real LiteLLM proxy, $N live servers | best $best ms, mean $((total / runs)) ms of $runs runs | peak RSS $((rss / 1024)) MB |"
