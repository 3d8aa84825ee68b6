#!/usr/bin/env bash
# A TWAP backtest on bundled recorded data: an hour of Kraken BTC/USDT trades (tests/fixtures/
# mdfeed/capture.ndjson) replayed through execalgo, the risk gate and the paper venue, with the
# fills fed back to execalgo through a FIFO. Event time drives everything, so the run takes a
# moment and gives the same bytes every time: it is run twice, in two scratch stores, and
# compared.
#
#   mdfeed replay | execalgo twap ... --feedback fb | riskcheck | oms --venue paper | tee fb
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v execalgo >/dev/null || PATH="$root/bin:$PATH"   # run from a checkout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
capture=$root/tests/fixtures/mdfeed/capture.ndjson

backtest() {
	export LYRA_DB=$work/$1.db
	mdfeed -q record "$capture"
	mkfifo "$work/fb-$1"
	mdfeed replay --venue kraken --symbol BTC/USDT --from 2025-11-10T17:30 \
		| execalgo -q twap --venue kraken --symbol BTC/USDT --side buy --qty 0.01 \
			--duration 1h --slices 6 --style aggressive --limit 106500 --feedback "$work/fb-$1" \
		| riskcheck | oms --venue paper | tee "$work/fb-$1" >"$work/$1.out"
}
backtest a
backtest b
cmp "$work/a.out" "$work/b.out"

echo "twap-backtest: children and their outcome"
jq -r 'select(.type == "fill" or (.type == "order_event" and .status != "new"))
	| [(.ts / 1e6 | todate), .id, .type, (.status // .liquidity), (.qty // .filled_qty), (.px // "")] | @tsv' \
	"$work/a.out" | head -20
echo "twap-backtest: the report"
jq -c 'select(.type == "algo_report") | del(.type, .ts)' "$work/a.out"
echo "twap-backtest: $(wc -l <"$work/a.out") records, identical on both runs"
