#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: install, build, and run the whole test suite,
# twice: a normal build, then an AddressSanitizer + UndefinedBehaviorSanitizer build; then
# replay the fuzz corpora and reproducers and fuzz each target briefly (clang, ASan + UBSan);
# then build the container image (the Dockerfile's Release build) and run it with the SDK
# client over HTTP and stdio (scripts/image.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
started=$(date +%s)
step() { echo "== $* ($(($(date +%s) - started)) s in)"; }

scripts/install-deps.sh --test-tools

step "build and test (RelWithDebInfo)"
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$jobs"

step "build and test (ASan + UBSan)"
scripts/build.sh --sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs"

step "fuzz (libFuzzer, ASan + UBSan): replay, then 45 s per target"
scripts/fuzz.sh --seconds 45

step "container image: Release build, size, libraries, non-root, SDK client over HTTP and stdio"
status=0
scripts/image.sh || status=$?
if [ "$status" -eq 77 ]; then
    # podman itself cannot run here (scripts/image.sh printed the command and its error); the
    # Release build the Dockerfile makes is still checked, natively.
    step "Release build (what the Dockerfile builds), warnings as errors"
    cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DCMCP_BUILD_TESTS=OFF -DCMCP_WERROR=ON >/dev/null
    cmake --build build-release -j "$jobs" --target credentials-mcp
elif [ "$status" -ne 0 ]; then
    exit "$status"
fi
step "all tests passed"
