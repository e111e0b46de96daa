#!/usr/bin/env bash
# Loopback HTTP throughput of the feed pages, measured with wrk (Debian's
# package "wrk") against a real "dailypapers serve" on a database holding
# the shared arXiv files and the whole hosted feed (about 365,000 papers).
#
#   scripts/bench-loopback.sh [data-dir-of-an-existing-database]
#
# Without an argument it builds the database in a temporary directory first.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${DAILYPAPERS_SHARED_DATA:-../shared/data}"
for tool in wrk sqlite3 curl; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (apt-get install $tool)" >&2; exit 1; }
done

bin="$(mktemp -d)/dailypapers"
go build -o "$bin" ./cmd/dailypapers
data="${1:-}"
if [ -z "$data" ]; then
  data="$(mktemp -d)"
  "$bin" import --data "$data" "$shared"/arxiv-daily-2025-2026.jsonl.xz \
    "$shared"/arxiv-archive-2015-2019.jsonl.xz "$shared"/hf-daily-papers.jsonl.xz
fi
port=18089
"$bin" serve --data "$data" --demo=false --addr "127.0.0.1:$port" --log-level warn &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
# Wait until the search index is loaded too, so that building it does not
# share the cores with the load.
for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done

# Every feed day, requested in random order by wrk's Lua script.
days=$(sqlite3 -readonly "$data/dailypapers.db" "SELECT DISTINCT day FROM feed_entries ORDER BY day")
script="$(mktemp --suffix=.lua)"
{
  echo "local days = {"
  for d in $days; do echo "  \"/papers/date/$d\","; done
  echo "}"
  echo 'math.randomseed(1)'
  echo 'request = function() return wrk.format("GET", days[math.random(#days)]) end'
} > "$script"
echo "feed days: $(echo "$days" | wc -w)"
wrk --latency -t 2 -c 32 -d 10s -s "$script" "http://127.0.0.1:$port/"
