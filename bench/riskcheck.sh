#!/usr/bin/env bash
# bench/riskcheck.sh BUILD: orders per second through `riskcheck check` with 20 rules active
# (stored limits plus the instrument rules from market records), on a stream of orders, marks
# and order events (LYRA_BENCH_RISK_N orders, default 200000), against `jq` applying three of
# the same rules (max qty, max notional, allowed symbols) to the same stream. One run, back to
# back; the goal is at least 10x jq.
set -euo pipefail
build=${1:-build/plain}
n=${LYRA_BENCH_RISK_N:-200000}
work=$(mktemp -d "${TMPDIR:-/tmp}/lyra-bench-risk.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/lyra.db
bin=$(dirname "$build")/../bin
[ "$build" = build/plain ] && bin=bin

python3 - "$n" > "$work/in.ndjson" <<'EOF'
import sys
n = int(sys.argv[1])
syms = [("BTC/USDT", 43250, "0.01", "0.0001"), ("ETH/USDT", 2300, "0.01", "0.001"),
        ("SOL/USDT", 150, "0.001", "0.01"), ("XRP/USDT", 1, "0.0001", "1")]
w = sys.stdout.write
for s, px, tick, lot in syms:
    w('{"type":"market","ts":1,"venue":"binance","symbol":"%s","venue_symbol":"X","base":"B",'
      '"quote":"USDT","instrument":"spot","tick":"%s","lot":"%s","min_qty":"%s",'
      '"min_notional":"5","maker_fee":"0.001","taker_fee":"0.001","status":"trading"}\n'
      % (s, tick, lot, lot))
ts = 1793491200000000
for i in range(n):
    s, px, tick, lot = syms[i % 4]
    ts += 1000
    w('{"type":"bbo","ts":%d,"venue":"binance","symbol":"%s","bid_px":"%d.00","bid_qty":"1.5",'
      '"ask_px":"%d.01","ask_qty":"2.25"}\n' % (ts, s, px, px))
    side = "buy" if i % 2 else "sell"
    qty = float(lot) * (10 + i % 7) * (1 if px > 100 else 20)
    w('{"type":"order","ts":%d,"id":"o%d","venue":"binance","symbol":"%s","side":"%s",'
      '"kind":"limit","px":"%d.00","qty":"%s","tif":"GTC","strategy":"bench"}\n'
      % (ts, i, s, side, px, ("%.4f" % qty).rstrip("0").rstrip(".")))
    w('{"type":"order_event","ts":%d,"id":"o%d","venue":"binance","symbol":"%s",'
      '"status":"cancelled"}\n' % (ts + 1, i, s))
EOF

cat > "$work/limits.txt" <<'EOF'
global max_order_notional 100000
global max_order_qty 1000
strategy:bench max_order_qty 5000
global price_band_pct 5
global max_position 1000000
global max_gross_exposure 5000000
global max_net_exposure 5000000
global max_open_orders 100
global max_open_positions 10
global max_orders_per_sec 100000
global max_orders_per_min 1000000
global allowed_venues binance,okx,kraken
global allowed_symbols BTC/USDT,ETH/USDT,SOL/USDT,XRP/USDT
global daily_loss 500
global drawdown_pct 15
global equity 100000
global reject_storm 1000000
EOF
"$bin/riskcheck" -q limits import "$work/limits.txt"

now() { date +%s%N; }
t0=$(now)
"$bin/riskcheck" check "$work/in.ndjson" > "$work/lyra.out"
t1=$(now)
jq -c 'if .type == "order" then .symbol as $s |
	(if (.qty | tonumber) > 1000 or ((.qty | tonumber) * (.px | tonumber)) > 100000
	    or ((["BTC/USDT","ETH/USDT","SOL/USDT","XRP/USDT"] | index([$s])) | not)
	 then .type = "reject" else . end)
	else . end' "$work/in.ndjson" > "$work/jq.out"
t2=$(now)
passed=$(grep -c '"type":"order"' "$work/lyra.out" || true)
[ "$passed" -eq "$n" ] || { echo "riskcheck bench: only $passed of $n orders passed" >&2; exit 1; }
lyra_ns=$((t1 - t0)); jq_ns=$((t2 - t1))
awk -v n="$n" -v l="$lyra_ns" -v j="$jq_ns" 'BEGIN {
	lr = n / (l / 1e9); jr = n / (j / 1e9)
	printf "| riskcheck check (%d orders, 20 rules, 3 records per order) | %.0fk orders/s (%.2f us/order) | jq, 3 of the rules | %.0fk orders/s | %.1fx | >= 10x jq |\n",
		n, lr / 1e3, l / 1e3 / n, jr / 1e3, lr / jr }'
