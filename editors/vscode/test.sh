#!/usr/bin/env bash
# Tests the VS Code extension: the framing unit tests, then end-to-end tests in which the extension's
# core and its entry point (with a stand-in `vscode` module) drive the real byok-host binary against
# the scripted mock provider on 127.0.0.1. Needs node 20 or later. Prints one PASS or FAIL line per
# check and a final "N passed, N failed" line, and exits non-zero on any failure.
#
# Environment: BYOK_HOST_BINARY, the byok-host to test (default: <repo>/.build/debug/byok-host);
# BYOK_TEST_TIMEOUT, the limit for the node run in seconds (default 180).
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/test/support/harness.sh"
harness_init "$here"
if ! command -v node >/dev/null; then
  fail "node is not on PATH; install node 20 or later"
  finish
fi
harness_start_mock "$here/test/mock-script.json"

cd "$here" || exit 1
BYOK_HOST_BINARY="$binary" \
BYOK_MOCK_BASE_URL="http://127.0.0.1:$port/v1" \
BYOK_TEST_HOME="$work/home" \
BYOK_TEST_PID_FILE="$work/host-pids" \
BYOK_VSCODE_TEST_KEY="$key" \
  timeout --kill-after=15 "$run_timeout" node --test --test-concurrency=1 \
  --test-reporter=./test/support/reporter.js test/framing.test.js test/host.test.js >"$work/node.out" 2>&1
harness_count_run "$work/node.out" $? "node test run"

harness_check_host_pids
harness_check_key
harness_check_closed_requests 1 "abort closed the model request"
finish
