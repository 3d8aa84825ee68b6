#!/usr/bin/env bash
# A kill-switch drill on a scratch store: desk limits imported from a file, a running riskcheck
# filter fed orders through a pipe, a halt from a second process (as an operator would from
# another terminal), proof that the very next order is rejected, REDUCING letting only a
# position-reducing order through, a resume, and the audit trail of it all. Run it now and then
# against a scratch copy: a kill switch nobody ever pulled is only a hope.
set -euo pipefail
command -v riskcheck >/dev/null || PATH="$(cd "$(dirname "$0")/.." && pwd)/bin:$PATH"   # run from a checkout
work=$(mktemp -d)
trap 'exec 7>&- 2>/dev/null || true; rm -rf "$work"' EXIT
export LYRA_DB=$work/lyra.db
say() { printf 'drill: %s\n' "$*"; }

cat > "$work/limits.txt" <<'EOF'
# scope           name                 value
global            max_order_notional   2500
global            max_orders_per_sec   20
global            allowed_venues       paper,binance
symbol:BTC/USDT   price_band_pct       2
strategy:twap     max_order_qty        0.05
EOF
riskcheck -q limits import "$work/limits.txt"
say "limits in force:"
riskcheck limits show | sed 's/^/  /'

order() {   # id ts side px qty
	printf '{"type":"order","ts":%s,"id":"%s","venue":"paper","symbol":"BTC/USDT","side":"%s","kind":"limit","px":"%s","qty":"%s"}\n' "$2" "$1" "$3" "$4" "$5"
}
mkfifo "$work/in"
riskcheck check --unbuffered < "$work/in" > "$work/out" 2>"$work/err" &
filter=$!
exec 7>"$work/in"
wait_lines() { for _ in $(seq 50); do [ "$(wc -l < "$work/out")" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }

echo '{"type":"bbo","ts":1793491200000000,"venue":"paper","symbol":"BTC/USDT","bid_px":"43250.00","bid_qty":"1","ask_px":"43250.10","ask_qty":"1"}' >&7
echo '{"type":"fill","ts":1793491200100000,"id":"earlier","venue":"paper","symbol":"BTC/USDT","side":"buy","px":"43250.00","qty":"0.04","fee":"0","fee_ccy":"USDT","liquidity":"maker","trade_id":"1"}' >&7
order d1 1793491201000000 buy 43250.00 0.01 >&7
wait_lines 3
say "before the halt: $(tail -n 1 "$work/out" | grep -o '"type":"[a-z]*"' | head -1)"

riskcheck -q halt --reason "drill: venue incident"
sleep 1
order d2 1793491202000000 buy 43250.00 0.01 >&7
wait_lines 4
tail -n 1 "$work/out" | grep -q '"rule":"halted"' || { say "FAILED: order after the halt was not rejected"; exit 1; }
say "one second after the halt: rejected (rule halted)"

riskcheck -q reduce --reason "drill: reduce only"
sleep 1
order d3 1793491203000000 buy 43250.00 0.01 >&7
order d4 1793491203100000 sell 43250.10 0.03 >&7
wait_lines 6
tail -n 2 "$work/out" | head -1 | grep -q '"rule":"reducing"' || { say "FAILED: REDUCING let a buy through"; exit 1; }
tail -n 1 "$work/out" | grep -q '"type":"order"' || { say "FAILED: REDUCING refused a sell"; exit 1; }
say "REDUCING: the buy was rejected, the sell that shrinks the position passed"

riskcheck -q resume --reason "drill over"
exec 7>&-
wait "$filter"
riskcheck status | sed 's/^/  /'
say "audit trail:"
sqlite3 "$LYRA_DB" "SELECT '  ' || action || '  ' || details FROM audit WHERE action LIKE 'risk.%' ORDER BY seq"
