#!/usr/bin/env bash
# The credentials-mcp benchmark, in one command (see bench/README.md):
#
#   bench/run.sh
#
# Builds Release in build-bench, starts the sandbox upstream as its own process
# (`credentials-mcp sandbox`), credentials-mcp over Streamable HTTP, and the comparison server
# on the official TypeScript SDK (bench/ts-server), both pointed at that sandbox, then measures:
#   - HTTP workloads (wrk, bench/wrk/mcp.lua) at 1, 16, 64 and 256 connections: whole
#     sessions, tools/list in a session, tools/call get-token, an agent-like mix; tools/call
#     also against the sandbox directly; requests/s, p50/p99/p99.9, errors, the server's peak
#     RSS;
#   - tools/list at 64 connections at a fixed offered rate (LIST_RATE, default 2000 req/s);
#   - RSS idle, and with 10,000 live sessions;
#   - stdio: start to initialize response, ping / tools/list / tools/call round trips;
#   - callgrind instruction counts of one tools/list and one tools/call through the dispatcher;
# and writes bench/RESULTS.md (machine, command, date, every figure, the targets of issue 6).
#
# Environment: BUILD_DIR (build-bench), SKIP_BUILD=1 (reuse the build), DURATION (8 s per
# measurement, after a 2 s warm-up), CONNECTIONS ("1 16 64 256"), LIST_RATE (2000),
# SESSIONS (10000), RESULTS (bench/RESULTS.md), BINARY (measure another credentials-mcp build,
# e.g. an older commit, as the server under test; the sandbox still comes from BUILD_DIR),
# BEFORE (the RESULTS .jsonl of such a run: the report then compares), IR_BEFORE ("LIST,CALL":
# instruction counts of an earlier tree, shown in that comparison).
# About 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

build_dir=${BUILD_DIR:-build-bench}
duration=${DURATION:-8}
warmup=2
connections=${CONNECTIONS:-1 16 64 256}
list_rate=${LIST_RATE:-2000}
session_count=${SESSIONS:-10000}
results_md=${RESULTS:-bench/RESULTS.md}
command_line="bench/run.sh${*:+ $*}"
for variable in BUILD_DIR SKIP_BUILD DURATION CONNECTIONS LIST_RATE SESSIONS BINARY BEFORE IR_BEFORE; do
    if [ -n "${!variable:-}" ]; then
        command_line="$variable=\"${!variable}\" $command_line"
    fi
done

log() { echo "run.sh: $*" >&2; }

# --- prerequisites --------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk (Debian package)"
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
    else sudo apt-get install -y -qq wrk >/dev/null || { sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; }
    fi
fi
node=tests/node/node_modules/.bin/node
if [ ! -x "$node" ]; then
    node=$(command -v node || true)
    [ -n "$node" ] || { log "Node.js not found: run scripts/install-deps.sh --test-tools"; exit 1; }
    log "the pinned Node 22 (scripts/install-deps.sh --test-tools) is missing; using $node"
fi
if [ ! -d bench/ts-server-v2/node_modules/@modelcontextprotocol/server ]; then
    log "installing the TypeScript SDK v2 server's dependencies (npm ci)"
    (cd bench/ts-server-v2 && npm ci --no-audit --no-fund >/dev/null)
fi
if [ ! -d bench/ts-server/node_modules/@modelcontextprotocol/sdk ]; then
    log "installing the TypeScript SDK server's dependencies (npm ci)"
    (cd bench/ts-server && npm ci --no-audit --no-fund >/dev/null)
fi

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMCP_WERROR=ON \
        -DCMCP_BUILD_TESTS=OFF -DCMCP_BUILD_BENCH=ON >/dev/null
    cmake --build "$build_dir" -j 2 --target credentials-mcp credentials_mcp_dispatch_count
fi
sandbox_binary="$repo/$build_dir/credentials-mcp"
binary=${BINARY:-$sandbox_binary}

work=$(mktemp -d)
results="$work/results.jsonl"
sandbox_pid='' cmcp_pid='' ts_pid='' ts2_pid=''
cleanup() {
    # Only the processes still running; stop_pid cleared the others (their ids may be reused).
    for pid in $sandbox_pid $cmcp_pid $ts_pid $ts2_pid; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# --- wake-up cost of this machine -------------------------------------------------------------
# Every request through a proxy wakes more processes than a direct call does; what one wake-up
# costs (a few µs on bare metal, tens of µs between the vCPUs of some VMs) bounds the latency
# figures below. A pipe ping-pong between two processes: placed by the scheduler, then pinned to
# one CPU (median of 5 runs each: placement varies from run to run). perf comes from Debian's
# linux-perf; without it the report leaves the line out.
pipe_rtt() {  # [taskset prefix...] -> median µs per round trip of 5 runs, or nothing
    for _ in 1 2 3 4 5; do
        "$@" perf bench sched pipe -l 20000 2>/dev/null | awk '/usecs\/op/ {print $1}'
    done | sort -n | awk '{v[NR] = $1} END {if (NR == 5) print v[3]}'
}
wake_free='' wake_pinned=''
if command -v perf >/dev/null 2>&1; then
    wake_free=$(pipe_rtt)
    wake_pinned=$(pipe_rtt taskset -c 0)
    log "pipe round trip: ${wake_free:-?} µs as placed, ${wake_pinned:-?} µs on one CPU"
else
    log "perf missing: the wake-up cost is not measured (apt-get install linux-perf)"
fi

# --- processes ------------------------------------------------------------------------------
# Fresh credentials each run: the sandbox accepts exactly these, both servers send them.
export SCW_SECRET_KEY=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export PLANETSCALE_SERVICE_TOKEN_ID=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
export PLANETSCALE_SERVICE_TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
unset SCALEWAY_API_KEY PLANETSCALE_API_KEY SCW_DEFAULT_REGION SCW_DEFAULT_PROJECT_ID \
    SCW_DEFAULT_ORGANIZATION_ID PLANETSCALE_ORG CREDENTIALS_MCP_AUTH_TOKENS \
    CREDENTIALS_MCP_AUTH_TOKEN_FILE CREDENTIALS_MCP_TOOLSETS CREDENTIALS_MCP_TOOLS \
    CREDENTIALS_MCP_EXCLUDE_TOOLS CREDENTIALS_MCP_READ_ONLY CREDENTIALS_MCP_LOG_LEVEL \
    CREDENTIALS_MCP_AUDIT_LOG CREDENTIALS_MCP_MAX_RESULT_BYTES

free_port() { "$node" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_http() {  # URL: until it answers (any status)
    for _ in $(seq 1 200); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.05
    done
    log "nothing answers at $1"; exit 1
}

sandbox_port=$(free_port)
sandbox_url="http://127.0.0.1:$sandbox_port"
"$sandbox_binary" sandbox --listen "127.0.0.1:$sandbox_port" 2>"$work/sandbox.log" &
sandbox_pid=$!
wait_http "$sandbox_url/"
export SCALEWAY_API_URL=$sandbox_url PLANETSCALE_API_URL=$sandbox_url

start_cmcp() {  # extra args...; sets cmcp_pid, cmcp_url
    local port
    port=$(free_port)
    "$binary" http --listen "127.0.0.1:$port" "$@" 2>>"$work/cmcp.log" &
    cmcp_pid=$!
    cmcp_url="http://127.0.0.1:$port/mcp"
    wait_http "http://127.0.0.1:$port/healthz"
}
start_ts() {  # sets ts_pid, ts_url
    local port
    port=$(free_port)
    "$node" bench/ts-server/server.mjs http --listen "127.0.0.1:$port" 2>>"$work/ts.log" &
    ts_pid=$!
    ts_url="http://127.0.0.1:$port/mcp"
    wait_http "$ts_url"
}
start_ts2() {  # the TypeScript SDK v2 server, both eras; sets ts2_pid, ts2_url
    local port
    port=$(free_port)
    "$node" bench/ts-server-v2/server.mjs http --listen "127.0.0.1:$port" 2>>"$work/ts2.log" &
    ts2_pid=$!
    ts2_url="http://127.0.0.1:$port/mcp"
    wait_http "$ts2_url"
}
stop_pid() {  # PID: stops it, and forgets it for cleanup
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    [ "$1" = "$cmcp_pid" ] && cmcp_pid=''
    [ "$1" = "$ts_pid" ] && ts_pid=''
    [ "$1" = "$ts2_pid" ] && ts2_pid=''
    return 0
}
kib() { awk -v key="$2:" '$1 == key {print $2}' "/proc/$1/status"; }  # PID VmRSS|VmHWM

record() {  # JSON object text
    echo "$1" >>"$results"
}

# One tools/list as the SDK client asks for it (Accept-Encoding: gzip, deflate), inflated by
# curl: what each server sends, and that it holds the 23 tools (wrk cannot inflate, so it only
# checks the gzip framing of compressed answers).
check_list() {  # target url
    local target=$1 url=$2 session encoding size
    local headers=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
    session=$(curl -s -D - -o /dev/null "${headers[@]}" \
        -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"run.sh","version":"1"}}}' \
        "$url" | awk -F': ' 'tolower($1) == "mcp-session-id" {print $2}' | tr -d '\r')
    headers+=(-H "Mcp-Session-Id: $session" -H 'MCP-Protocol-Version: 2025-11-25')
    curl -s -o /dev/null "${headers[@]}" -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$url"
    size=$(curl -s --compressed -H 'Accept-Encoding: gzip, deflate' -D "$work/list.head" -o "$work/list.body" \
        -w '%{size_download}' "${headers[@]}" -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' "$url")
    encoding=$(awk -F': ' 'tolower($1) == "content-encoding" {print $2}' "$work/list.head" | tr -d '\r')
    if ! "$node" -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
            process.exit(r.result.tools.length === 23 ? 0 : 1)' "$work/list.body"; then
        log "$target: tools/list did not inflate to the 23 tools"; exit 1
    fi
    record "{\"kind\":\"list_check\",\"target\":\"$target\",\"encoding\":\"${encoding:-identity}\",\"bytes\":$size,\"inflated_bytes\":$(wc -c <"$work/list.body"),\"tools\":23}"
    log "$target tools/list: ${encoding:-identity}, $size bytes"
}

start_cmcp
start_ts
check_list credentials-mcp "$cmcp_url"
check_list ts-sdk "$ts_url"
sleep 1
record "{\"kind\":\"idle\",\"target\":\"credentials-mcp\",\"rss_kib\":$(kib "$cmcp_pid" VmRSS)}"
record "{\"kind\":\"idle\",\"target\":\"ts-sdk\",\"rss_kib\":$(kib "$ts_pid" VmRSS)}"
record "{\"kind\":\"idle\",\"target\":\"sandbox\",\"rss_kib\":$(kib "$sandbox_pid" VmRSS)}"
record "{\"kind\":\"threads\",\"target\":\"credentials-mcp\",\"count\":$(ls /proc/"$cmcp_pid"/task | wc -l)}"

# --- HTTP workloads -------------------------------------------------------------------------
run_wrk() {  # target pid url workload conns rate
    local target=$1 pid=$2 url=$3 workload=$4 conns=$5 rate=$6 output
    export MCP_WORKLOAD=${workload%-identity} MCP_CONNS=$conns MCP_RATE=$rate MCP_SCW_KEY=$SCW_SECRET_KEY
    # Like the SDK client, wrk asks for gzip, deflate; "<workload>-identity" asks for nothing.
    if [ "$workload" != "${workload%-identity}" ]; then export MCP_ACCEPT_ENCODING=''
    else unset MCP_ACCEPT_ENCODING
    fi
    wrk -t "$conns" -c "$conns" -d "${warmup}s" -s bench/wrk/mcp.lua "$url" >/dev/null 2>&1 || true
    echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true  # restart VmHWM: peak of this run only
    output=$(wrk -t "$conns" -c "$conns" -d "${duration}s" --timeout 10s -s bench/wrk/mcp.lua "$url" 2>&1) || true
    local json
    json=$(grep '^WRK_JSON ' <<<"$output" | sed 's/^WRK_JSON //') || true
    if [ -z "$json" ]; then
        log "wrk failed for $target $workload c=$conns: $output"
        json='{"requests":0,"app_errors":-1}'
    fi
    record "{\"kind\":\"http\",\"target\":\"$target\",\"workload\":\"$workload\",\"connections\":$conns,\"rate\":$rate,\"peak_rss_kib\":$(kib "$pid" VmHWM),\"wrk\":$json}"
    log "$target $workload c=$conns rate=$rate: $json"
}

# Both servers start afresh for every measurement: the TypeScript SDK server's memory grows
# with every tools/list it answers (see RESULTS.md), and a heap grown by earlier runs would
# slow it down in later ones; sessions that wrk abandons do not pile up either.
restart_servers() {
    stop_pid "$cmcp_pid"
    stop_pid "$ts_pid"
    start_cmcp
    start_ts
}
for workload in session list call mixed; do
    for conns in $connections; do
        restart_servers
        run_wrk credentials-mcp "$cmcp_pid" "$cmcp_url" "$workload" "$conns" 0
        run_wrk ts-sdk "$ts_pid" "$ts_url" "$workload" "$conns" 0
        if [ "$workload" = call ]; then
            run_wrk sandbox-direct "$sandbox_pid" "$sandbox_url" direct "$conns" 0
        fi
    done
done
# What clients that send no Accept-Encoding get: tools/list uncompressed from both servers.
restart_servers
run_wrk credentials-mcp "$cmcp_pid" "$cmcp_url" list-identity 64 0
run_wrk ts-sdk "$ts_pid" "$ts_url" list-identity 64 0
# p99 where it is not queueing: 64 connections at a fixed offered rate.
restart_servers
run_wrk credentials-mcp "$cmcp_pid" "$cmcp_url" list 64 "$list_rate"
run_wrk ts-sdk "$ts_pid" "$ts_url" list 64 "$list_rate"

# --- both protocol eras ---------------------------------------------------------------------
# MCP 2026-07-28 requests (envelope, no session) beside legacy ones without a session, from
# credentials-mcp in its default (stateful) and --stateless modes, and from a server on the
# TypeScript SDK v2 (bench/ts-server-v2), which serves both eras with a fresh server per request.
stop_pid "$cmcp_pid"
stop_pid "$ts_pid"
for conns in 1 64; do
    start_cmcp
    run_wrk credentials-mcp "$cmcp_pid" "$cmcp_url" modern-list "$conns" 0
    run_wrk credentials-mcp "$cmcp_pid" "$cmcp_url" modern-call "$conns" 0
    stop_pid "$cmcp_pid"
    start_cmcp --stateless
    for workload in stateless-list stateless-call modern-list modern-call; do
        run_wrk credentials-mcp-stateless "$cmcp_pid" "$cmcp_url" "$workload" "$conns" 0
    done
    stop_pid "$cmcp_pid"
    for workload in stateless-list stateless-call modern-list modern-call; do
        start_ts2  # afresh each time, as the v1 server above
        run_wrk ts-sdk-v2 "$ts2_pid" "$ts2_url" "$workload" "$conns" 0
        stop_pid "$ts2_pid"
    done
done

# --- RSS with many live sessions ------------------------------------------------------------
stop_pid "$cmcp_pid"
stop_pid "$ts_pid"
start_cmcp --max-sessions "$session_count"
idle=$(kib "$cmcp_pid" VmRSS)
sessions_json=$("$node" bench/open_sessions.mjs "$cmcp_url" "$session_count" 16 | sed -n 's/^SESSIONS_JSON //p')
record "{\"kind\":\"sessions\",\"target\":\"credentials-mcp\",\"idle_rss_kib\":$idle,\"rss_kib\":$(kib "$cmcp_pid" VmRSS),\"peak_rss_kib\":$(kib "$cmcp_pid" VmHWM),\"open\":$sessions_json}"
stop_pid "$cmcp_pid"
start_ts
idle=$(kib "$ts_pid" VmRSS)
sessions_json=$("$node" bench/open_sessions.mjs "$ts_url" "$session_count" 16 | sed -n 's/^SESSIONS_JSON //p')
record "{\"kind\":\"sessions\",\"target\":\"ts-sdk\",\"idle_rss_kib\":$idle,\"rss_kib\":$(kib "$ts_pid" VmRSS),\"peak_rss_kib\":$(kib "$ts_pid" VmHWM),\"open\":$sessions_json}"
stop_pid "$ts_pid"
log "sessions: $(grep '"kind":"sessions"' "$results" | tr '\n' ' ')"

# --- stdio ----------------------------------------------------------------------------------
for target in credentials-mcp ts-sdk; do
    if [ "$target" = credentials-mcp ]; then server=("$binary" stdio)
    else server=("$repo/$node" bench/ts-server/server.mjs stdio)
    fi
    json=$("$node" bench/stdio_rtt.mjs --label "$target" --starts 30 --requests 2000 --warmup 200 -- "${server[@]}" |
        sed -n 's/^STDIO_JSON //p')
    record "{\"kind\":\"stdio\",\"target\":\"$target\",\"stdio\":$json}"
    log "stdio $target: $json"
done

# --- instruction counts ---------------------------------------------------------------------
counter="$build_dir/bench/credentials_mcp_dispatch_count"
if [ -n "${BINARY:-}" ]; then
    log "BINARY is set: instruction counts skipped (they measure the dispatcher of BUILD_DIR)"
elif command -v valgrind >/dev/null 2>&1 && [ -x "$counter" ]; then
    for message in tools_list tools_call; do
        valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.$message" \
            --collect-atstart=no --toggle-collect="*measured_${message}*" "$counter" \
            >"$work/callgrind.$message.log" 2>&1
        ir=$(callgrind_annotate "$work/callgrind.$message" 2>/dev/null |
            awk '/PROGRAM TOTALS/ && !done {gsub(",", "", $1); print $1; done = 1}')
        record "{\"kind\":\"callgrind\",\"message\":\"${message/_//}\",\"ir\":${ir:-0}}"
        log "callgrind $message: ${ir:-?} Ir"
    done
else
    log "valgrind or $counter missing: instruction counts skipped (apt-get install valgrind)"
fi

# --- report ---------------------------------------------------------------------------------
{
    echo "{\"kind\":\"meta\",\"date\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"command\":\"${command_line//\"/\\\"}\","
    echo "\"commit\":\"$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' (working tree modified)')\","
    echo "\"cpus\":$(nproc),\"cpu\":\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')\","
    echo "\"memory\":\"$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)\",\"kernel\":\"$(uname -r)\","
    echo "\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"node\":\"$("$node" --version)\",\"wrk\":\"$(wrk -v 2>&1 | head -1 | cut -d' ' -f2)\","
    if [ -n "${IR_BEFORE:-}" ]; then  # "LIST,CALL": counts of an earlier tree, for the report
        echo "\"ir_before_list\":${IR_BEFORE%,*},\"ir_before_call\":${IR_BEFORE#*,},"
    fi
    if [ -n "$wake_free" ] && [ -n "$wake_pinned" ]; then
        echo "\"pipe_rtt_us\":$wake_free,\"pipe_rtt_one_cpu_us\":$wake_pinned,"
    fi
    echo "\"binary\":\"${binary#"$repo"/}\",\"duration_s\":$duration,\"warmup_s\":$warmup,\"list_rate\":$list_rate}"
} | tr -d '\n' >>"$results"
echo >>"$results"
"$node" bench/report.mjs "$results" ${BEFORE:+"$BEFORE"} >"$results_md"
cp "$results" "${results_md%.md}.jsonl"
log "wrote $results_md"
