#!/usr/bin/env bash
# Runs every Swift test target, unit and end-to-end, under ThreadSanitizer and under AddressSanitizer.
#
# Usage: fuzz/sanitizers.sh [thread|address ...]   (default: thread address)
#
# Each sanitizer gets its own build folder under fuzz/.build, apart from the root .build folder and its lock.
# The end-to-end tests start the byok-host binary of that same build, so the host and the mock provider run
# instrumented too. Every instrumented process writes its reports to fuzz/.build/sanitizer-reports/
# <sanitizer>/<target>/ instead of stderr, so reports from child processes are not lost in the tests' pipes.
# A target counts as clean when `swift test` passed and no process wrote a report. A target whose tests fail
# without any report runs once more, and its summary line notes the retry. Prints one line per target and
# sanitizer, and exits 1 when any target is not clean, 2 when a build failed.
set -euo pipefail

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${fuzz_dir}/.." && pwd)"
cd "$repo_root"

sanitizers=("$@")
if [[ ${#sanitizers[@]} -eq 0 ]]; then
  sanitizers=(thread address)
fi
for sanitizer in "${sanitizers[@]}"; do
  case "$sanitizer" in
    thread | address) ;;
    *)
      echo "error: unknown sanitizer '${sanitizer}'; expected thread or address" >&2
      exit 2
      ;;
  esac
done

# Every folder under Tests/ with Swift sources is a test target. Tests/sdk contains the Python SDK tests, which
# this script does not run.
test_targets=()
for directory in Tests/*/; do
  target="$(basename "$directory")"
  if compgen -G "${directory}*.swift" >/dev/null; then
    test_targets+=("$target")
  fi
done

build_timeout=2400
test_timeout=1800

# Ends a command that runs past `limit` seconds and prints an error naming it.
bounded() {
  local limit="$1"
  shift
  local status=0
  timeout --kill-after=30 "$limit" "$@" || status=$?
  if [[ "$status" -eq 124 ]]; then
    echo "error: '$*' timed out after ${limit} s" >&2
  fi
  return "$status"
}

# Runs one test target with the sanitizer options, writing the test output to the log file ($3) and the
# sanitizer reports into the reports folder ($2). Sets `status` to the exit status of `swift test` and
# `report_files` to the non-empty report files. Uses `swiftpm_options` and `bin_path` of the current build.
run_target() {
  local target="$1" reports="$2" log="$3"
  rm -rf "$reports"
  mkdir -p "$reports"
  status=0
  # The tests run one at a time. The end-to-end tests wait a few seconds for some steps and allow 60 s per
  # test. Run in parallel on 2 cores under ThreadSanitizer, several of the 108 missed such a wait or hit the
  # 60 s limit. Run one at a time, all of them passed in 318 s.
  # Swift's own crash handler clashes with the sanitizers' reports, so it is off.
  SWIFT_BACKTRACE=enable=no \
    BYOK_HOST_BINARY="${bin_path}/byok-host" \
    ASAN_OPTIONS="detect_leaks=1:log_path=${reports}/asan" \
    LSAN_OPTIONS="suppressions=${fuzz_dir}/sanitizers/lsan.supp:print_suppressions=0" \
    TSAN_OPTIONS="suppressions=${fuzz_dir}/sanitizers/tsan.supp:log_path=${reports}/tsan" \
    bounded "$test_timeout" swift test "${swiftpm_options[@]}" --skip-build --no-parallel --filter "^${target}\." \
    >"$log" 2>&1 || status=$?

  report_files=()
  local file
  while IFS= read -r -d '' file; do
    report_files+=("$file")
  done < <(find "$reports" -type f -size +0 -print0)
}

summaries=()
failed=0
for sanitizer in "${sanitizers[@]}"; do
  scratch_path="${fuzz_dir}/.build/sanitize-${sanitizer}"
  reports_root="${fuzz_dir}/.build/sanitizer-reports/${sanitizer}"
  logs="${fuzz_dir}/.build/logs/sanitize-${sanitizer}"
  rm -rf "$reports_root"
  mkdir -p "$reports_root" "$logs"
  swiftpm_options=(--scratch-path "$scratch_path" --sanitize="$sanitizer")

  echo "==> swift build --build-tests ${swiftpm_options[*]}"
  if ! bounded "$build_timeout" swift build --build-tests "${swiftpm_options[@]}"; then
    echo "error: the ${sanitizer} sanitizer build failed" >&2
    summaries+=("${sanitizer}: build FAILED, no tests run")
    failed=2
    continue
  fi
  bin_path="$(swift build "${swiftpm_options[@]}" --show-bin-path)"

  for target in "${test_targets[@]}"; do
    echo "==> ${target} under ${sanitizer} sanitizer"
    reports="${reports_root}/${target}"
    log="${logs}/${target}.log"
    run_target "$target" "$reports" "$log"

    # A failure with no sanitizer report gets one more run, which the summary line notes, because a host
    # slowed down by a sanitizer can still miss one of those few-second waits.
    retry_note=""
    if [[ "$status" -ne 0 && ${#report_files[@]} -eq 0 ]]; then
      echo "--- ${target} failed without sanitizer reports; last lines of ${log}:"
      tail -n 30 "$log"
      echo "==> ${target} under ${sanitizer} sanitizer, second run"
      retry_note=", passed on the second run after a failure without sanitizer reports (log ${log})"
      reports="${reports_root}/${target}-second-run"
      log="${logs}/${target}-second-run.log"
      run_target "$target" "$reports" "$log"
    fi

    if [[ "$status" -eq 0 && ${#report_files[@]} -eq 0 ]]; then
      summaries+=("${sanitizer} ${target}: clean${retry_note}")
      continue
    fi
    failed=1
    summary="${sanitizer} ${target}: NOT CLEAN (swift test exit status ${status}, "
    summary+="${#report_files[@]} report files in ${reports}, log ${log})"
    summaries+=("$summary")
    if [[ "$status" -ne 0 ]]; then
      echo "--- last lines of ${log}:"
      tail -n 30 "$log"
    fi
    for file in "${report_files[@]:0:3}"; do
      echo "--- first lines of ${file}:"
      head -n 40 "$file"
    done
  done
done

echo
echo "Sanitizer summary:"
for line in "${summaries[@]}"; do
  echo "  ${line}"
done
exit "$failed"
