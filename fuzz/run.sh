#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with AddressSanitizer and runs each for a fixed time.
#
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
#   SECONDS  run time per target, default 60
#   TARGET   frame-reader, message or server-sent-events; default all three
#
# Prints one summary line per target and exits 1 when any target crashed, failed a property check, ran out
# of memory or timed out on an input, and 2 when the build failed. Crash inputs go to FUZZ_ARTIFACTS_DIR
# (default fuzz/artifacts/<target>/), libFuzzer's output to fuzz/.build/logs/<target>.log. Reproduce a crash
# with: SWIFT_BACKTRACE=enable=no fuzz/.build/release/<Fuzzer> <artifact>
set -euo pipefail

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$fuzz_dir"

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "error: SECONDS must be a positive whole number of seconds, got '${seconds}'" >&2
  exit 2
fi
shift || true

all_targets=(frame-reader message server-sent-events)
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=("${all_targets[@]}")
fi

# The fuzzer executable and the largest input libFuzzer generates, per target. The frame reader gets inputs
# past its 8 KiB header limit.
fuzzer_name() {
  case "$1" in
    frame-reader) echo FrameReaderFuzzer ;;
    message) echo MessageFuzzer ;;
    server-sent-events) echo ServerSentEventFuzzer ;;
    *) return 1 ;;
  esac
}
maximum_input_length() {
  case "$1" in
    frame-reader) echo 20000 ;;
    *) echo 8192 ;;
  esac
}

for target in "${targets[@]}"; do
  if ! fuzzer_name "$target" >/dev/null; then
    echo "error: unknown target '${target}'; expected one of: ${all_targets[*]}" >&2
    exit 2
  fi
done

scratch_path="${fuzz_dir}/.build"
artifacts_root="${FUZZ_ARTIFACTS_DIR:-${fuzz_dir}/artifacts}"
# libFuzzer stops a target whose RSS passes this many MiB and counts it as a failure.
rss_limit_mb=2048
# An input that runs longer than this many seconds counts as a hang.
input_timeout=10

# `--sanitize=fuzzer` makes SwiftPM link the executables without a `main` of their own. The sanitizers are
# then passed as one `-sanitize=fuzzer,address` flag, because the Swift 6.3.1 driver keeps only the last
# `-sanitize=` flag. `--sanitize=fuzzer --sanitize=address` emits two such flags in an order that changes
# between builds, so some builds got only ASan (no coverage, and libFuzzer fuzzed blind) and others only
# coverage.
build_command=(
  swift build -c release --scratch-path "$scratch_path" --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
)
echo "==> ${build_command[*]}"
if ! timeout --kill-after=30 1800 "${build_command[@]}"; then
  echo "error: the fuzzer build failed" >&2
  exit 2
fi
bin_path="$("${build_command[@]}" --show-bin-path)"

mkdir -p "${scratch_path}/logs"
summaries=()
failed=0
for target in "${targets[@]}"; do
  fuzzer="$(fuzzer_name "$target")"
  artifacts="${artifacts_root}/${target}"
  # New inputs go to the first corpus folder, so the committed seeds in corpus/ stay as they are.
  working_corpus="${scratch_path}/corpus/${target}"
  log="${scratch_path}/logs/${target}.log"
  mkdir -p "$artifacts" "$working_corpus"

  echo "==> ${target}: ${fuzzer} for ${seconds} s"
  status=0
  SWIFT_BACKTRACE=enable=no timeout --kill-after=30 "$((seconds + 300))" \
    "${bin_path}/${fuzzer}" \
    -max_total_time="$seconds" \
    -timeout="$input_timeout" \
    -rss_limit_mb="$rss_limit_mb" \
    -max_len="$(maximum_input_length "$target")" \
    -dict="${fuzz_dir}/dictionaries/${target}.dict" \
    -artifact_prefix="${artifacts}/" \
    -print_final_stats=1 \
    "$working_corpus" "${fuzz_dir}/corpus/${target}" >"$log" 2>&1 || status=$?

  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  coverage="$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | sed 's/cov: //')"
  counts="${runs:-?} runs, ${rate:-?} exec/s, ${coverage:-?} coverage edges"
  if [[ "$status" -eq 0 ]]; then
    summaries+=("${target}: ok, ${counts}")
  else
    failed=1
    artifact="$(grep -o 'Test unit written to [^ ]*' "$log" | tail -n 1 | sed 's/Test unit written to //')"
    summaries+=("${target}: FAILED (exit status ${status}), ${counts}, artifact ${artifact:-none}, log ${log}")
    echo "--- last lines of ${log}:"
    tail -n 40 "$log"
  fi
done

echo
echo "Fuzzing summary (${seconds} s per target):"
for line in "${summaries[@]}"; do
  echo "  ${line}"
done
exit "$failed"
