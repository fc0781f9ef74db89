#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan, in build-fuzz), replays every seed and every
# reproducer once, then fuzzes each target for a bounded time. Exits non-zero on the first crash,
# timeout, leak or out-of-memory, naming the input that caused it. See fuzz/README.md.
#
#   scripts/fuzz.sh [--seconds N] [--targets "fuzz_session fuzz_arguments ..."]
#
# New inputs a campaign finds go to $CMCP_FUZZ_WORK (default ${TMPDIR:-/tmp}/cmcp-fuzz), never
# into the repository; they are kept between runs, so a later run starts from them.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
targets="fuzz_session fuzz_arguments fuzz_http_router"
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds)
            seconds="${2:?--seconds needs a number}"
            shift 2
            ;;
        --targets)
            targets="${2:?--targets needs a list}"
            shift 2
            ;;
        *)
            echo "usage: scripts/fuzz.sh [--seconds N] [--targets \"fuzz_session ...\"]" >&2
            exit 2
            ;;
    esac
done
case "$seconds" in
    '' | *[!0-9]*)
        echo "fuzz: --seconds takes a whole number, not '$seconds'" >&2
        exit 2
        ;;
esac

if ! command -v clang++ >/dev/null 2>&1; then
    echo "fuzz: clang++ is missing; run scripts/install-deps.sh --test-tools (Debian 12: clang libclang-rt-14-dev)" >&2
    exit 1
fi

jobs=$(nproc 2>/dev/null || echo 2)
build="build-fuzz"
work="${CMCP_FUZZ_WORK:-${TMPDIR:-/tmp}/cmcp-fuzz}"
# A slow input is a bug worth a report (validation must stay fast); 10 s is far above any
# legitimate input, even under ASan. 2 GiB leaves room for the largest legal message (4 MiB).
timeout_seconds=10
rss_limit_mb=2048
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

dictionary_of() {
    case "$1" in
        fuzz_http_router) echo fuzz/http.dict ;;
        *) echo fuzz/json-rpc.dict ;;
    esac
}

echo "== fuzz: build ($build, clang -O1, ASan + UBSan + libFuzzer)"
build_start=$(date +%s)
# -O1 and line tables only: compiles fast, runs fast enough, and stack traces keep file:line.
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMCP_WERROR=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DCMCP_BUILD_TESTS=OFF -DCMCP_BUILD_FUZZ=ON >/dev/null
# shellcheck disable=SC2086  # targets is a word list
cmake --build "$build" -j "$jobs" --target $targets
echo "fuzz: built in $(($(date +%s) - build_start)) s"

mkdir -p "$work"
failed=0
summary=()

# Prints the input libFuzzer saved for a failure, if any.
report_failure() {
    local target="$1" log="$2" what="$3"
    local unit
    unit=$(grep -o 'Test unit written to .*' "$log" | tail -1 | sed 's/^Test unit written to //' || true)
    if [ -z "$unit" ]; then
        # Replaying named files writes no new unit: the last file started is the culprit.
        unit=$(grep -o '^Running: .*' "$log" | tail -1 | sed 's/^Running: //' || true)
    fi
    echo "fuzz: $target: $what FAILED (log: $log)" >&2
    grep -E 'ERROR: |Sanitizer: |FUZZ INVARIANT BROKEN|runtime error|SUMMARY: ' "$log" | head -5 >&2 || true
    if [ -n "$unit" ]; then
        echo "fuzz: $target: reproducer: $unit" >&2
        echo "fuzz: replay with: $build/fuzz/$target $unit" >&2
    fi
}

for target in $targets; do
    binary="$build/fuzz/$target"
    log_dir="$work/logs"
    mkdir -p "$log_dir" "$work/corpus/$target" "$work/artifacts"
    common=(-timeout="$timeout_seconds" -rss_limit_mb="$rss_limit_mb"
        -artifact_prefix="$work/artifacts/$target-")

    echo "== fuzz: $target: replay seeds and reproducers"
    replay_log="$log_dir/$target-replay.log"
    shopt -s nullglob
    reproducers=(fuzz/reproducers/"$target"-*)
    shopt -u nullglob
    # -runs=0 over a directory runs every file in it once; named files are each run once too.
    if ! "$binary" "${common[@]}" -runs=0 "fuzz/corpus/$target" >"$replay_log" 2>&1; then
        report_failure "$target" "$replay_log" "seed replay"
        failed=1
        continue
    fi
    if [ "${#reproducers[@]}" -gt 0 ] &&
        ! "$binary" "${common[@]}" "${reproducers[@]}" >>"$replay_log" 2>&1; then
        report_failure "$target" "$replay_log" "reproducer replay"
        failed=1
        continue
    fi
    echo "fuzz: $target: $(find "fuzz/corpus/$target" -type f | wc -l) seeds and ${#reproducers[@]} reproducers pass"

    if [ "$seconds" -eq 0 ]; then
        continue
    fi
    echo "== fuzz: $target: ${seconds} s"
    run_log="$log_dir/$target-run.log"
    # The first directory receives what the run finds; the seeds are read, never written.
    if ! "$binary" "${common[@]}" -dict="$(dictionary_of "$target")" \
        -max_total_time="$seconds" -print_final_stats=1 \
        "$work/corpus/$target" "fuzz/corpus/$target" >"$run_log" 2>&1; then
        report_failure "$target" "$run_log" "campaign"
        failed=1
        continue
    fi
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run_log" | tail -1)
    coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$run_log" | tail -1)
    line="$target: ${executions:-?} executions in ${seconds} s (${coverage:-no stats})"
    summary+=("$line")
    echo "fuzz: $line"
done

if [ "${#summary[@]}" -gt 0 ]; then
    echo "== fuzz: summary"
    printf '  %s\n' "${summary[@]}"
fi
if [ "$failed" -ne 0 ]; then
    echo "== fuzz: FAILED (inputs kept in $work)" >&2
    exit 1
fi
echo "== fuzz: no crash, timeout or leak"
