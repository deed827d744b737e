#!/usr/bin/env bash
# Build byok-host twice (release, and release with --static-swift-stdlib) and the start-up baselines, then
# run bench/bench.py. Every build uses its own --scratch-path under bench/.build, so it does not wait for the
# lock of the root .build folder. Results go to bench/out/<UTC time>/ (results.md, results.json, logs).
#
# byok-host is built from a copy of the committed HEAD (git archive), so uncommitted edits in the work tree
# do not change the figures; --worktree builds the work tree as it is instead.
#
# Usage: bench/run.sh [--no-build] [--worktree] [options for bench.py, e.g. --only startup,idle or --repeat 1]
# Needs: the Swift toolchain, libcurl4-openssl-dev, python3, node and curl. Runs on 127.0.0.1 only.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$bench_dir")"
scratch="$bench_dir/.build"

build=1
worktree=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) build=0 ;;
    --worktree) worktree=1 ;;
    *) break ;;
  esac
  shift
done

for tool in swift python3 node curl; do
  if ! command -v "$tool" >/dev/null; then
    echo "Error: $tool is not on PATH; install it and run bench/run.sh again." >&2
    exit 1
  fi
done

if ((worktree)); then
  source_dir="$repo_dir"
  source_description="work tree at $(git -C "$repo_dir" rev-parse --short HEAD), with uncommitted changes if any"
else
  source_dir="$scratch/source"
  source_description="commit $(git -C "$repo_dir" rev-parse --short HEAD)"
fi

if ((build)); then
  if ((!worktree)); then
    echo "[bench] copying HEAD to $source_dir" >&2
    rm -rf "$source_dir"
    mkdir -p "$source_dir"
    git -C "$repo_dir" archive --format=tar HEAD | tar -x -C "$source_dir"
  fi
  echo "[bench] building byok-host (release)" >&2
  swift build -c release --package-path "$source_dir" --scratch-path "$scratch/release"
  echo "[bench] building byok-host (release, --static-swift-stdlib)" >&2
  swift build -c release --static-swift-stdlib --package-path "$source_dir" --scratch-path "$scratch/static"
  echo "$source_description" >"$scratch/source-description"
  echo "[bench] building the start-up baselines" >&2
  swift build -c release --package-path "$bench_dir/baseline" --scratch-path "$scratch/baseline-release"
  swift build -c release --static-swift-stdlib --package-path "$bench_dir/baseline" \
    --scratch-path "$scratch/baseline-static"
fi

out="$bench_dir/out/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
echo "[bench] results in $out" >&2

python3 "$bench_dir/bench.py" \
  --source "$(cat "$scratch/source-description" 2>/dev/null || echo unknown)" \
  --release "$scratch/release/release/byok-host" \
  --static "$scratch/static/release/byok-host" \
  --bare-networking-release "$scratch/baseline-release/release/bare-networking" \
  --bare-networking-static "$scratch/baseline-static/release/bare-networking" \
  --bare-foundation-static "$scratch/baseline-static/release/bare-foundation" \
  --out "$out" \
  "$@"
