#!/usr/bin/env bash
# Configures and builds. Usage: scripts/build.sh [--sanitize] [extra cmake --build args...]
#   default      build/       RelWithDebInfo, with tests
#   --sanitize   build-asan/  the same with AddressSanitizer + UndefinedBehaviorSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
sanitize=OFF
if [ "${1:-}" = "--sanitize" ]; then
    build_dir=build-asan
    sanitize=ON
    shift
fi
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMCP_SANITIZE="$sanitize" >/dev/null
cmake --build "$build_dir" -j "$jobs" "$@"
