#!/usr/bin/env bash
# The long form of the fleet failover test (tests/node/fleet-failover.test.mjs; CI runs the short
# form through ctest): three stateless replicas behind HAProxy with deploy/haproxy/stateless.cfg,
# one `credentials-mcp sandbox` as the shared upstream, SDK clients sending tools/list and
# read-only tools/call through the balancer. By default 4 rolling restarts of every replica
# (12 SIGTERMs), 3 crashes (SIGKILL), 16 clients; prints the JSON summary (requests, failures
# and p50/p99 per phase, time until a restarted replica serves again) and exits non-zero if a
# rolling restart lost a request.
# Usage: scripts/failover.sh [--rounds N] [--crashes N] [--clients N] [--report FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=4 crashes=3 clients=16 report=${TMPDIR:-/tmp}/credentials-mcp-failover.json
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --crashes) crashes=$2; shift 2 ;;
        --clients) clients=$2; shift 2 ;;
        --report) report=$2; shift 2 ;;
        *) echo "usage: $0 [--rounds N] [--crashes N] [--clients N] [--report FILE]" >&2; exit 2 ;;
    esac
done
scripts/install-deps.sh --test-tools
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
}
[ -x build/credentials-mcp ] || scripts/build.sh --target credentials-mcp
cd tests/node
FAILOVER_ROUNDS=$rounds FAILOVER_CRASHES=$crashes FAILOVER_CLIENTS=$clients FAILOVER_REPORT=$report \
    CREDENTIALS_MCP_BIN=../../build/credentials-mcp \
    node_modules/.bin/node --test --test-reporter=spec fleet-failover.test.mjs
echo "failover: summary in $report"
