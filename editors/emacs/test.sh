#!/usr/bin/env bash
# Tests byok.el in `emacs --batch` (Emacs 28 or later) against the real byok-host binary and the
# scripted mock provider on 127.0.0.1. On Debian: apt-get install -y emacs-nox. Prints one PASS or
# FAIL line per check and a final "N passed, N failed" line, and exits non-zero on any failure.
#
# Environment: BYOK_HOST_BINARY, the byok-host to test (default: <repo>/.build/debug/byok-host);
# BYOK_TEST_TIMEOUT, the limit for the main Emacs run in seconds (default 180). The SIGTERM run is
# bounded by its own waits of 10 seconds each.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The shell functions are shared with the VS Code extension's test.
source "$here/../vscode/test/support/harness.sh"
harness_init "$here"
if ! command -v emacs >/dev/null; then
  fail "emacs is not on PATH; install it with 'apt-get install -y emacs-nox'"
  finish
fi
harness_start_mock "$here/test/mock-script.json"

# A batch Emacs without user configuration that loads test/byok-test.el; the function to run follows.
emacs_command=(env
  BYOK_HOST_BINARY="$binary"
  BYOK_MOCK_BASE_URL="http://127.0.0.1:$port/v1"
  BYOK_TEST_HOME="$work/home"
  BYOK_TEST_PID_FILE="$work/host-pids"
  BYOK_TEST_QUIT_PID_FILE="$work/quit-pid"
  BYOK_TEST_SIGNAL_PID_FILE="$work/signal-pid"
  BYOK_EMACS_TEST_KEY="$key"
  emacs --batch -Q -L "$here" -l "$here/test/byok-test.el" -f)

timeout --kill-after=15 "$run_timeout" "${emacs_command[@]}" byok-test-run >"$work/emacs.out" 2>"$work/emacs.err"
emacs_status=$?
harness_count_run "$work/emacs.out" "$emacs_status" "emacs"
if [ "$emacs_status" -ne 0 ]; then
  echo "--- emacs stderr (last 30 lines)"
  tail -n 30 "$work/emacs.err"
fi

# Checks the file that byok-test--record-host-at-exit wrote: the host's pid, then its state when the
# kill-emacs-hook functions had run, before Emacs exited. $1 is the file and $2 names the check.
check_host_at_exit() {
  local pid state
  pid="$(sed -n 1p "$1" 2>/dev/null)"
  state="$(sed -n 2p "$1" 2>/dev/null)"
  if [ -n "$pid" ] && [ "$state" = exited ] && ! running "$pid"; then
    pass "$2"
  else
    fail "$2 (pid ${pid:-not recorded}, ${state:-no state recorded} at exit)"
  fi
}

check_host_at_exit "$work/quit-pid" "host exited before Emacs quit"

# A second Emacs gets SIGTERM, as at logout, while a turn runs: kill-emacs-hook must still stop the
# host, and Emacs must exit. `env` execs Emacs, so $! is Emacs's pid. This run has no `timeout`
# because the loops below bound it and kill Emacs at the end.
"${emacs_command[@]}" byok-test-run-until-signal >"$work/signal.out" 2>"$work/signal.err" &
signal_emacs_pid=$!
for _ in $(seq 100); do
  [ -s "$work/signal-pid" ] && break
  kill -0 "$signal_emacs_pid" 2>/dev/null || break
  sleep 0.1
done
kill -TERM "$signal_emacs_pid" 2>/dev/null
exited=""
for _ in $(seq 100); do
  if ! kill -0 "$signal_emacs_pid" 2>/dev/null; then
    exited=yes
    break
  fi
  sleep 0.1
done
[ -n "$exited" ] || kill -KILL "$signal_emacs_pid" 2>/dev/null
wait "$signal_emacs_pid" 2>/dev/null
harness_count_run "$work/signal.out" 0 "emacs"
if [ -n "$exited" ]; then
  pass "Emacs exited within 10 seconds of SIGTERM"
else
  fail "Emacs exited within 10 seconds of SIGTERM (killed it)"
fi
check_host_at_exit "$work/signal-pid" "host exited before Emacs quit on SIGTERM"

harness_check_host_pids
harness_check_key
# byok-abort closes one request, and the shutdowns when Emacs quits and when it gets SIGTERM one each.
harness_check_closed_requests 3 "abort, quit and SIGTERM closed the model requests"
finish
