#!/usr/bin/env bash
# Runs the Neovim plugin headless against the built byok-host and the mock provider, and prints one
# PASS or FAIL line per check and a final "N passed, N failed" line. Exits non-zero on any failure.
#
#   editors/neovim/test.sh
#
# Environment:
#   BYOK_HOST_BINARY          the byok-host binary (default <repo>/.build/debug/byok-host)
#   BYOK_TEST_NVIM            the nvim binary (default nvim)
#   BYOK_TEST_EDITOR_TIMEOUT  seconds one editor run may take (default 60)
# Needs the Debian package neovim.
set -uo pipefail

plugin_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
nvim="${BYOK_TEST_NVIM:-nvim}"

if ! command -v "$nvim" >/dev/null; then
  echo "error: '$nvim' not found; install it with 'apt-get install -y neovim' or set BYOK_TEST_NVIM" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# Runs one scenario of test/scenarios.lua in a headless Neovim without user configuration.
run_editor() {
  timeout --kill-after=5 "$editor_timeout" "$nvim" --headless -u NONE -i NONE -n \
    --cmd "set runtimepath^=$plugin_dir" \
    -c "luafile $plugin_dir/test/scenarios.lua"
}

source "$plugin_dir/test/harness.sh"
echo "Neovim: $("$nvim" --version | head -n 1)"
run_all_scenarios
