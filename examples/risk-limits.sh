#!/usr/bin/env bash
# Desk limits from a file, on a scratch store: import examples/risk-limits.txt, show what is in
# force, send a few orders through the gate and read why each one passed or was refused, then
# let `riskcheck stops` watch the position a fill opened and close it when the trailing stop is
# hit. Offline and quick: every price comes from the records below, on event time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v riskcheck >/dev/null || PATH="$here/../bin:$PATH"   # run from a checkout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/lyra.db
say() { printf 'limits: %s\n' "$*"; }

riskcheck -q limits import "$here/risk-limits.txt"
say "in force (stored, then the defaults nobody overrode):"
riskcheck limits show | sed 's/^/  /'

t0=1793491200000000
order() {   # id ts-offset venue side px qty [extra]
	printf '{"type":"order","ts":%s,"id":"%s","venue":"%s","symbol":"BTC/USDT","side":"%s","kind":"limit","px":"%s","qty":"%s"%s}\n' \
		"$((t0 + $2))" "$1" "$3" "$4" "$5" "$6" "${7:-}"
}
{
	echo '{"type":"bbo","ts":'$t0',"venue":"binance","symbol":"BTC/USDT","bid_px":"43250.00","bid_qty":"1","ask_px":"43250.10","ask_qty":"1"}'
	order ok      1000 binance buy 43250.00 0.05
	order big     2000 binance buy 43250.00 0.06                      # 2595 > 2500
	order far     3000 binance buy 45000.00 0.01                      # 4% from the mark
	order twap    4000 binance buy 43250.00 0.051 ',"strategy":"twap"' # strategy qty limit
	order nowhere 5000 bitmex  buy 43250.00 0.01                      # not an allowed venue
	order late    20000000 binance buy 43250.00 0.01                  # mark 20 s old
} > "$work/orders.ndjson"
riskcheck check "$work/orders.ndjson" > "$work/out.ndjson"
while read -r line; do
	id=$(jq -r .id <<<"$line")
	if [ "$(jq -r .type <<<"$line")" = order ]; then
		say "$id passed ($(jq -r '.risk.checks | length' <<<"$line") checks)"
	elif [ "$(jq -r .type <<<"$line")" = reject ]; then
		say "$id refused: $(jq -r '[.reasons[] | "\(.rule) \(.value) > \(.limit)"] | join("; ")' <<<"$line")"
	fi
done < "$work/out.ndjson"
[ "$(grep -c '"type":"order"' "$work/out.ndjson")" -eq 1 ] || { say "FAILED: expected one pass"; exit 1; }
[ "$(grep -c '"type":"reject"' "$work/out.ndjson")" -eq 5 ] || { say "FAILED: expected 5 rejects"; exit 1; }

# the order filled; the stops watch the position: a 3% trailing stop (44500 x 0.97 = 43165 at
# the top) and, on BTC, break-even once the best price is 1.5% up (43898.75): the tighter wins
{
	echo '{"type":"fill","ts":'$((t0 + 6000))',"id":"ok","venue":"binance","symbol":"BTC/USDT","side":"buy","px":"43250.00","qty":"0.05","fee":"0","fee_ccy":"USDT","liquidity":"maker","trade_id":"T1"}'
	for px in 43500 44000 44500 43200 43165; do
		t0=$((t0 + 60000000))
		echo '{"type":"trade","ts":'$t0',"venue":"binance","symbol":"BTC/USDT","id":"'$px'","side":"sell","px":"'$px'","qty":"0.1"}'
	done
} | riskcheck stops > "$work/stops.ndjson"
stop=$(grep '"strategy":"stops"' "$work/stops.ndjson") || { say "FAILED: no stop order"; exit 1; }
say "stop order: $(jq -c '{side, qty, stop}' <<<"$stop")"
[ "$(jq -r '"\(.stop.rule) \(.stop.level)"' <<<"$stop")" = "breakeven_pct 43250" ] ||
	{ say "FAILED: expected the break-even stop at 43250"; exit 1; }
riskcheck stops show | sed 's/^/  /'
