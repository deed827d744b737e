# Shell functions shared by editors/vscode/test.sh and editors/emacs/test.sh: counting checks,
# starting the mock provider, and the checks on what a run left behind. Source this file, then call
# harness_init with the folder of the calling test.sh.
#
# Environment: BYOK_HOST_BINARY, the byok-host to test (default: <repo>/.build/debug/byok-host);
# BYOK_TEST_TIMEOUT, the limit for one editor or node run in seconds (default 180).

passed=0
failed=0
mock_pid=""

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

# Prints the closing line and exits, non-zero when a check failed.
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# Succeeds when process $1 has not exited. An exited process that its parent has not reaped yet
# (state Z) counts as exited, because a host orphaned by a killed editor may stay a zombie here.
running() {
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null)"
  [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

harness_cleanup() {
  if [ -n "$mock_pid" ] && kill -0 "$mock_pid" 2>/dev/null; then
    kill "$mock_pid" 2>/dev/null
    wait "$mock_pid" 2>/dev/null
  fi
  rm -rf "$work"
}

# Sets `binary`, `run_timeout` and `work`, a temporary folder removed on exit with the mock provider
# stopped. Stops with a FAIL line when the binary is missing. $1 is the folder of the calling test.sh.
harness_init() {
  local repo
  repo="$(cd "$1/../.." && pwd)"
  binary="${BYOK_HOST_BINARY:-$repo/.build/debug/byok-host}"
  run_timeout="${BYOK_TEST_TIMEOUT:-180}"
  work="$(mktemp -d)"
  trap harness_cleanup EXIT
  mkdir -p "$work/home"
  : >"$work/host-pids"
  if [ ! -x "$binary" ]; then
    fail "byok-host binary at $binary is missing or not executable; build it with 'swift build' or set BYOK_HOST_BINARY"
    finish
  fi
  # A throwaway key, new each run, so the checks can search for it.
  key="sk-test-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
}

# Starts the mock provider with the script $1, recording requests to $work/requests.jsonl, and sets
# `port`. Waits up to 10 seconds, and stops with a FAIL line when the mock does not start.
harness_start_mock() {
  # mock.out is created first, so that sed can read it before the background job has opened it.
  : >"$work/mock.out"
  "$binary" mock-provider --script "$1" --record "$work/requests.jsonl" >"$work/mock.out" 2>"$work/mock.err" &
  mock_pid=$!
  port=""
  for _ in $(seq 100); do
    port="$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$work/mock.out")"
    [ -n "$port" ] && break
    kill -0 "$mock_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    fail "mock provider did not start: $(cat "$work/mock.err")"
    finish
  fi
}

# Prints the PASS and FAIL lines of the run output $1 and counts them. $2 is the run's exit status
# and $3 names the run: a failed run that printed no FAIL line counts as one failure.
harness_count_run() {
  cat "$1"
  passed=$((passed + $(grep -c '^PASS ' "$1")))
  failed=$((failed + $(grep -c '^FAIL ' "$1")))
  if [ "$2" -ne 0 ] && ! grep -q '^FAIL ' "$1"; then
    fail "$3 exited with status $2 (124 or 137 means it timed out after ${run_timeout}s)"
  fi
}

# Checks that every host pid the tests wrote to $work/host-pids has exited, and kills any that has not.
harness_check_host_pids() {
  local pid leftover=""
  while read -r pid; do
    [ -n "$pid" ] || continue
    if running "$pid"; then
      leftover="$leftover $pid"
      kill -9 "$pid" 2>/dev/null
    fi
  done <"$work/host-pids"
  if [ -s "$work/host-pids" ] && [ -z "$leftover" ]; then
    pass "every byok-host process exited"
  else
    fail "every byok-host process exited (still running, now killed:${leftover:- none recorded})"
  fi
}

# Checks that the mock provider received the key with every model request, and that the key is
# nowhere in the state directory.
harness_check_key() {
  local chat_requests keyed_requests
  chat_requests="$(grep -c '"method":"POST"' "$work/requests.jsonl")"
  keyed_requests="$(grep '"method":"POST"' "$work/requests.jsonl" | grep -cF "\"Authorization\":\"Bearer $key\"")"
  if [ "$chat_requests" -gt 0 ] && [ "$chat_requests" -eq "$keyed_requests" ]; then
    pass "every model request carried the key from the configured variable"
  else
    fail "every model request carried the key from the configured variable ($keyed_requests of $chat_requests)"
  fi

  if [ -d "$work/home/session-state" ] && ! grep -rqF "$key" "$work/home"; then
    pass "API key is not in the state directory"
  else
    fail "API key is not in the state directory"
  fi
}

# Checks that the mock provider recorded $1 client_closed lines: model requests that the host closed
# before their reply ended, as an abort or a shutdown does. $2 names the check.
harness_check_closed_requests() {
  local closed
  closed="$(grep -c '"event":"client_closed"' "$work/requests.jsonl")"
  if [ "$closed" -eq "$1" ]; then
    pass "$2"
  else
    fail "$2 ($closed client_closed lines in the mock's record, expected $1)"
  fi
}
