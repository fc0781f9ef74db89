#!/usr/bin/env bash
# Soak test (issue 7 §4): mixed MCP load with sessions created and deleted against the real
# binary, which calls an in-process sandbox. Prints RSS after warm-up and at the end, open file
# descriptors, request and failure counts; exits non-zero when a criterion fails (any failed
# request, RSS at the end more than 10% above RSS after warm-up, more open descriptors or
# threads at the end than after warm-up). CI runs the same test for 75 s (ctest -L hardening).
#
# Usage: scripts/soak.sh [--minutes N] [--warmup-seconds S] [--build-dir DIR]
#   --minutes N          load duration, warm-up included (default 30)
#   --warmup-seconds S   warm-up before the first measurement (default 120)
#   --build-dir DIR      build directory (default build); the binary and tests are (re)built
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=30
warmup=120
build_dir=build
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) minutes="$2"; shift 2 ;;
        --warmup-seconds) warmup="$2"; shift 2 ;;
        --build-dir) build_dir="$2"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
case "$minutes" in ''|*[!0-9]*) echo "soak.sh: --minutes needs a whole number" >&2; exit 2 ;; esac
case "$warmup" in ''|*[!0-9]*) echo "soak.sh: --warmup-seconds needs a whole number" >&2; exit 2 ;; esac
seconds=$((minutes * 60))
if [ "$warmup" -ge "$seconds" ]; then
    warmup=$((seconds / 3))
fi

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build_dir" -j "$(nproc 2>/dev/null || echo 2)" --target credentials-mcp hardening_tests

echo "soak: ${minutes} min of mixed load, ${warmup} s warm-up ($(date -u +%FT%TZ))"
CMCP_SOAK_SECONDS="$seconds" CMCP_SOAK_WARMUP_SECONDS="$warmup" \
    "$build_dir/tests/hardening_tests" --gtest_filter='Soak.*' --gtest_color=no
