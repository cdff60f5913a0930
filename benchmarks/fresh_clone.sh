#!/bin/sh
# Time from a fresh clone to a passing `make test`, with pip's cache off so every package is downloaded.
#   sh benchmarks/fresh_clone.sh [REPO]
set -eu
repo=${1:-$(git rev-parse --show-toplevel)}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
start=$(date +%s.%N)
git clone -q "$repo" "$dir/upnext"
cd "$dir/upnext"
PIP_NO_CACHE_DIR=1 make test > "$dir/log" 2>&1 || { tail -20 "$dir/log"; exit 1; }
end=$(date +%s.%N)
tail -1 "$dir/log"
echo "fresh clone to passing make test: $(echo "$end - $start" | bc) s ($(nproc) cores, $(date -u +%Y-%m-%d))"
