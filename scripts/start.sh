#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: install, build, and serve MCP over HTTP on
# http://127.0.0.1:9090/mcp against the embedded sandbox (no cloud account needed).
# Extra arguments are passed to the server, e.g. scripts/start.sh --read-only
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --target credentials-mcp
exec build/credentials-mcp http --listen 127.0.0.1:9090 --sandbox "$@"
