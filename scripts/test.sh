#!/usr/bin/env bash
# One command for a fresh Debian 12 machine: install, build, and run the whole test suite,
# twice: a normal build, then an AddressSanitizer + UndefinedBehaviorSanitizer build; then
# replay the fuzz corpora and reproducers and fuzz each target briefly (clang, ASan + UBSan).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

scripts/install-deps.sh --test-tools

echo "== build and test (RelWithDebInfo)"
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== build and test (ASan + UBSan)"
scripts/build.sh --sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs"

echo "== fuzz (libFuzzer, ASan + UBSan): replay, then 45 s per target"
scripts/fuzz.sh --seconds 45
echo "== all tests passed"
