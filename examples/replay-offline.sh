#!/usr/bin/env bash
# Offline market data: record a bundled capture (real venue payloads turned into lyra records)
# into a scratch store, then replay it. The replay is in event-time order, as the original bytes,
# and identical every time: the input a backtest needs.
#
#   mdfeed snapshot binance BTC/USDT --bbo --trades 100 | mdfeed record     # what cron would do
#   mdfeed replay --from 2025-11-10T13:00 --to 2025-11-10T14:00 | <strategy>
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v mdfeed >/dev/null || PATH="$root/bin:$PATH"   # run from a checkout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/lyra.db
capture=$root/tests/fixtures/mdfeed/capture.ndjson

mdfeed record "$capture"                 # one transaction, one audit entry
mdfeed record "$capture"                 # again: every line is already stored, nothing added

# an hour of Kraken one-minute candles, then the last three trades
mdfeed replay --venue kraken --symbol BTC/USDT --type candle \
	--from 2025-11-10T13:00 --to 2025-11-10T14:00 | jq -r '[(.ts / 1e6 | todate), .close] | @tsv' | tail -3
mdfeed replay --venue kraken --type trade | tail -3

# the replay is the capture in event-time order (ts, then the order recorded), byte for byte
mdfeed replay >"$work/a"
mdfeed replay >"$work/b"
cmp "$work/a" "$work/b"
awk '{ match($0, /"ts":[0-9]+/); printf "%s\t%d\t%s\n", substr($0, RSTART + 5, RLENGTH - 5), NR, $0 }' "$capture" \
	| sort -t"$(printf '\t')" -k1,1n -k2,2n | cut -f3- >"$work/expected"
cmp "$work/a" "$work/expected"
echo "replay-offline: $(wc -l <"$work/a") records replayed, identical across runs and to the capture"
