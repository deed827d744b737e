# The end-to-end checks shared by editors/neovim/test.sh and editors/vim/test.sh. Source it after
# defining:
#
#   run_editor SCENARIO   runs the editor headless for one scenario and returns its exit status. The
#                         editor reads the BYOK_TEST_* variables below, writes one "PASS name" or
#                         "FAIL name: detail" line per check to $BYOK_TEST_RESULTS, writes the host's
#                         pid to $BYOK_TEST_PID_FILE, and quits.
#
# then call run_all_scenarios. Each scenario gets its own mock provider (byok-host mock-provider with a
# script), so a failure in one cannot shift the replies of the next. After each editor run the harness
# checks that the editor exited, that the byok-host process it started is gone, and that the API key
# was written to no file. Every process it starts is stopped by its pid when the script exits.

harness_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$harness_dir/../../.." && pwd)"

export BYOK_HOST_BINARY="${BYOK_HOST_BINARY:-$repo_root/.build/debug/byok-host}"
# A throwaway key: the mock accepts any key, and the checks look for this value in files.
export BYOK_TEST_API_KEY="sk-editor-test-$$-$RANDOM$RANDOM"

# Seconds one editor run may take before it is stopped and counted as failed.
editor_timeout="${BYOK_TEST_EDITOR_TIMEOUT:-60}"

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/byok-editor-test.XXXXXX")"
passed=0
failed=0
mock_pid=""
host_pids=()

pass() {
  echo "PASS $1"
  passed=$((passed + 1))
}

fail() {
  echo "FAIL $1${2:+: $2}"
  failed=$((failed + 1))
}

is_running() {
  [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null
}

# Sends SIGTERM to a pid, waits up to 5 s, then sends SIGKILL.
stop_pid() {
  local pid="$1"
  is_running "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null
  local tries=0
  while is_running "$pid" && ((tries < 50)); do
    sleep 0.1
    tries=$((tries + 1))
  done
  if is_running "$pid"; then
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  return 0
}

cleanup() {
  stop_pid "$mock_pid"
  for pid in "${host_pids[@]}"; do
    stop_pid "$pid"
  done
  rm -rf "$work_dir"
}
trap cleanup EXIT

# Starts the mock provider with the script in $1 and sets mock_pid, BYOK_TEST_BASE_URL and
# record_file. Returns non-zero when it does not report its port within 10 s.
start_mock() {
  local script="$1"
  record_file="$work_dir/record-$(basename "$script" .json).jsonl"
  local port_file="$work_dir/mock-port.txt"
  : >"$port_file"
  "$BYOK_HOST_BINARY" mock-provider --script "$script" --port 0 --record "$record_file" \
    >"$port_file" 2>>"$work_dir/mock.log" &
  mock_pid=$!
  local tries=0 port=""
  while ((tries < 100)); do
    port="$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$port_file")"
    [[ -n "$port" ]] && break
    is_running "$mock_pid" || break
    sleep 0.1
    tries=$((tries + 1))
  done
  if [[ -z "$port" ]]; then
    echo "error: the mock provider did not start; its log:" >&2
    cat "$work_dir/mock.log" >&2
    return 1
  fi
  export BYOK_TEST_BASE_URL="http://127.0.0.1:$port/v1"
}

stop_mock() {
  stop_pid "$mock_pid"
  mock_pid=""
}

# Counts the recorded requests (lines with a "method") and the responses a client cut off.
recorded_requests() {
  grep -c '"method":' "$record_file" 2>/dev/null || true
}

recorded_client_closes() {
  grep -c '"event":"client_closed"' "$record_file" 2>/dev/null || true
}

# Runs the editor for one scenario and checks what every run must satisfy.
run_scenario() {
  local scenario="$1"
  export BYOK_TEST_SCENARIO="$scenario"
  export BYOK_TEST_RESULTS="$work_dir/$scenario.results"
  export BYOK_TEST_PID_FILE="$work_dir/$scenario.pid"
  export BYOK_TEST_LOG_FILE="$work_dir/$scenario.log"
  : >"$BYOK_TEST_RESULTS"
  : >"$BYOK_TEST_PID_FILE"

  local output="$work_dir/$scenario.output"
  local status=0
  run_editor "$scenario" >"$output" 2>&1 || status=$?

  local lines=0
  while IFS= read -r line; do
    lines=$((lines + 1))
    case "$line" in
      "PASS "*) pass "${line#PASS }" ;;
      "FAIL "*) fail "${line#FAIL }" ;;
      *) fail "$scenario: unexpected result line" "$line" ;;
    esac
  done <"$BYOK_TEST_RESULTS"
  if ((lines == 0)); then
    fail "$scenario: editor reported results" "none in $BYOK_TEST_RESULTS"
  fi

  if ((status == 0)); then
    pass "$scenario: editor quit with status 0"
  elif ((status == 124 || status == 137)); then
    fail "$scenario: editor quit with status 0" "stopped after ${editor_timeout} s"
  else
    fail "$scenario: editor quit with status 0" "status $status"
  fi
  if ((status != 0)); then
    echo "--- editor output ($scenario) ---"
    tail -n 30 "$output"
    echo "--- end of editor output ---"
  fi

  # The plugin waits for the host to exit before the editor exits, so no grace period is given here.
  local host_pid
  host_pid="$(tr -dc '0-9' <"$BYOK_TEST_PID_FILE")"
  if [[ -z "$host_pid" ]]; then
    fail "$scenario: host gone after quit" "the editor wrote no pid to $BYOK_TEST_PID_FILE"
  elif is_running "$host_pid"; then
    fail "$scenario: host gone after quit" "pid $host_pid still runs"
    host_pids+=("$host_pid")
  else
    pass "$scenario: host gone after quit"
  fi

  if [[ "$scenario" != linger ]]; then
    if grep -qF "runtime.shutdown answered" "$BYOK_TEST_LOG_FILE" 2>/dev/null; then
      pass "$scenario: plugin sent runtime.shutdown on quit"
    else
      fail "$scenario: plugin sent runtime.shutdown on quit" "no 'runtime.shutdown answered' in $BYOK_TEST_LOG_FILE"
    fi
  fi

  if grep -rqF -- "$BYOK_TEST_API_KEY" "$BYOK_HOST_HOME" "$BYOK_TEST_LOG_FILE" "$output" 2>/dev/null; then
    fail "$scenario: API key written to no file" "found in the state directory, log or editor output"
  else
    pass "$scenario: API key written to no file"
  fi
}

write_script() {
  local path="$work_dir/$1.json"
  cat >"$path"
  echo "$path"
}

# Writes the large multibyte reply: its text to $1 and the mock script to $2. Each chunk of 60,000
# characters is about 85 KB of UTF-8, more than a pipe holds, so each frame reaches the editor in
# several reads that split it at arbitrary bytes.
write_large_reply() {
  local text_file="$1" script_file="$2"
  local unit="Grüße aus Köln ✓ 🙂 — "
  local line="$unit$unit$unit$unit$unit$unit$unit$unit"
  local json_text="" plain_text=""
  local i
  for ((i = 1; i <= 1000; i++)); do
    plain_text+="$i $line"
    json_text+="$i $line"
    if ((i < 1000)); then
      plain_text+=$'\n'
      json_text+='\n'
    fi
  done
  printf '%s' "$plain_text" >"$text_file"
  printf '{"replies":[{"text":"%s","chunkSize":60000}]}\n' "$json_text" >"$script_file"
}

# One scenario with its own mock provider; $1 is the scenario, $2 its mock script.
run_with_mock() {
  local scenario="$1" script="$2"
  if ! start_mock "$script"; then
    fail "$scenario: mock provider started"
    return
  fi
  run_scenario "$scenario"
  stop_mock
}

run_all_scenarios() {
  if [[ ! -x "$BYOK_HOST_BINARY" ]]; then
    echo "error: byok-host is not at $BYOK_HOST_BINARY; run 'swift build' or set BYOK_HOST_BINARY" >&2
    echo "0 passed, 1 failed"
    return 1
  fi
  export BYOK_HOST_HOME="$work_dir/home"
  mkdir -p "$BYOK_HOST_HOME"
  local script

  # A streamed reply in several chunks, 150 ms apart, with multibyte characters and a line break.
  script="$(write_script stream <<'EOF'
{"replies": [{"chunks": ["Héllo, ", "wörld ", "✓ 🙂\n", "second line"], "delayMs": 150,
              "expect": {"messagesContain": ["Say hello"]}}]}
EOF
)"
  run_with_mock stream "$script"
  if grep -qF "Bearer $BYOK_TEST_API_KEY" "$record_file"; then
    pass "stream: key from the environment reached the provider"
  else
    fail "stream: key from the environment reached the provider" "no 'Authorization: Bearer' with the test key in $record_file"
  fi

  # The same reply for a session created with streaming off: only assistant.message carries the text.
  script="$(write_script no-stream <<'EOF'
{"replies": [{"chunks": ["Héllo, ", "wörld ", "✓ 🙂\n", "second line"]}]}
EOF
)"
  run_with_mock no-stream "$script"

  export BYOK_TEST_EXPECTED="$work_dir/large.txt"
  write_large_reply "$BYOK_TEST_EXPECTED" "$work_dir/large.json"
  run_with_mock large "$work_dir/large.json"

  # A tool call that the user approves, then one that the user rejects. The follow-up replies check
  # what the model received, and respond with a 400 error when it is not the expected tool result.
  script="$(write_script permission <<'EOF'
{"replies": [
  {"toolCalls": [{"id": "call_apple", "name": "lookup_word", "arguments": {"word": "apple"}}]},
  {"text": "Approved tool ran.",
   "expect": {"toolResults": [{"toolCallId": "call_apple", "content": "apple: a fruit"}]}},
  {"toolCalls": [{"id": "call_pear", "name": "lookup_word", "arguments": {"word": "pear"}}]},
  {"text": "Rejected tool did not run.",
   "expect": {"toolResults": [{"toolCallId": "call_pear", "contentContains": "rejected"}]}}
]}
EOF
)"
  run_with_mock permission "$script"

  script="$(write_script error <<'EOF'
{"replies": [{"status": 401, "body": {"error": {"message": "Incorrect API key provided: sk-wrong.",
  "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}}]}
EOF
)"
  run_with_mock error "$script"

  # Replies that stall after two chunks, so only an abort ends them.
  script="$(write_script abort <<'EOF'
{"replies": [{"text": "one two three four", "stallAfterChunks": 2},
             {"text": "five six seven eight", "stallAfterChunks": 2}]}
EOF
)"
  run_with_mock abort "$script"
  local closes
  closes="$(recorded_client_closes)"
  if [[ "$closes" == 2 ]]; then
    pass "abort: host closed both provider requests"
  else
    fail "abort: host closed both provider requests" "$closes client_closed records in $record_file"
  fi

  # Two editor runs on one state directory: the second resumes the first's session.
  export BYOK_TEST_SESSION_FILE="$work_dir/session-id.txt"
  script="$(write_script resume <<'EOF'
{"replies": [
  {"text": "Noted: zebra.", "expect": {"messagesContain": ["Remember the word zebra"]}},
  {"text": "The word was zebra.",
   "expect": {"messagesContain": ["Remember the word zebra", "Noted: zebra.", "Which word?"]}}
]}
EOF
)"
  if start_mock "$script"; then
    run_scenario resume-first
    run_scenario resume-second
    local last_request
    last_request="$(grep '"method":' "$record_file" | tail -n 1)"
    if [[ "$(recorded_requests)" == 2 && "$last_request" == *"Bearer $BYOK_TEST_API_KEY"* ]]; then
      pass "resume-second: resumed session sent the key again"
    else
      fail "resume-second: resumed session sent the key again" "see $record_file"
    fi
    stop_mock
  else
    fail "resume: mock provider started"
  fi

  # A missing binary and an unset key variable: both are reported, and no request reaches the provider.
  script="$(write_script configuration <<'EOF'
{"replies": [{"text": "This reply must not be requested."}]}
EOF
)"
  run_with_mock configuration "$script"
  if [[ "$(recorded_requests)" == 0 ]]; then
    pass "configuration: no request reached the provider"
  else
    fail "configuration: no request reached the provider" "$(recorded_requests) requests in $record_file"
  fi

  # A stand-in for a host that never responds and ignores the end of its stdin.
  run_scenario linger
  if grep -q "still runs" "$BYOK_TEST_LOG_FILE" 2>/dev/null; then
    pass "linger: log says the process was stopped"
  else
    fail "linger: log says the process was stopped" "no 'still runs' line in $BYOK_TEST_LOG_FILE"
  fi

  echo
  echo "$passed passed, $failed failed"
  ((failed == 0))
}
