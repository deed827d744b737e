#!/usr/bin/env bash
# Runs the Vim 9 plugin in silent Ex mode against the built byok-host and the mock provider, and prints
# one PASS or FAIL line per check and a final "N passed, N failed" line. Exits non-zero on any failure.
#
#   editors/vim/test.sh
#
# Environment:
#   BYOK_HOST_BINARY          the byok-host binary (default <repo>/.build/debug/byok-host)
#   BYOK_TEST_VIM             the vim binary (default vim)
#   BYOK_TEST_EDITOR_TIMEOUT  seconds one editor run may take (default 60)
# Needs the Debian package vim (9.0 or later, with +job and +channel).
set -uo pipefail

plugin_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vim="${BYOK_TEST_VIM:-vim}"

if ! "$vim" --version 2>/dev/null | grep -q '+channel'; then
  echo "error: '$vim' is missing or lacks +channel; install it with 'apt-get install -y vim' or set BYOK_TEST_VIM" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# Runs one scenario of test/scenarios.vim in Vim's silent Ex mode without user configuration.
run_editor() {
  timeout --kill-after=5 "$editor_timeout" "$vim" -N -u NONE -i NONE -n -es \
    --cmd "set runtimepath^=$plugin_dir" \
    -S "$plugin_dir/test/scenarios.vim" </dev/null
}

# The scenarios and checks are shared with the Neovim plugin's test.
source "$plugin_dir/../neovim/test/harness.sh"
echo "Vim: $("$vim" --version | head -n 1)"
run_all_scenarios
