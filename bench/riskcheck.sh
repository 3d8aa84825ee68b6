#!/usr/bin/env bash
# bench/riskcheck.sh BUILD: orders per second through `riskcheck check` with 20 rules active
# (stored limits plus the instrument rules from market records) and positions in the store
# (LYRA_BENCH_RISK_FILLS stored fills, default 2000), on a stream of orders, marks and order
# events (LYRA_BENCH_RISK_N orders, default 200000), against `jq` applying three of the same
# rules (max qty, max notional, allowed symbols) to the same stream, back to back; the
# goal is at least 10x jq. Each runs LYRA_BENCH_RISK_RUNS times (default 3), alternating, and
# the fastest run of each counts; the ratio is given on wall-clock time (the issue's measure)
# and on the CPU time (user + sys) of those runs. Then the latency riskcheck
# adds per order through a pipe (one order written, its answer read, LYRA_BENCH_RISK_LAT orders,
# default 5000), p50 and p99, against the same round trip through `cat`.
# Wall times wander on a loaded machine; instruction counts do not: LYRA_BENCH_RISK_CALLGRIND=1
# also runs `riskcheck check` under valgrind --tool=callgrind on the same stream and store and
# prints the instructions per order (startup included). At the default N it went from 79.8k
# per order (a jansson DOM for every consumed record, every order re-encoded) to 19.0k with the
# flat path of lib/flatjson.h; wall-clock ratio in the same session 4.0x -> 15.5x jq.
set -euo pipefail
build=${1:-build/plain}
n=${LYRA_BENCH_RISK_N:-200000}
nfills=${LYRA_BENCH_RISK_FILLS:-2000}
nlat=${LYRA_BENCH_RISK_LAT:-5000}
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
global venue_errors 1000000
global stale_mark_sec 60
global max_leverage 50
global max_concentration_pct 5000
EOF
"$bin/riskcheck" -q limits import "$work/limits.txt"
# positions in the store: nfills fills over the four symbols, bought and sold back (read,
# valued and counted at start like any stored position)
python3 - "$nfills" <<'PY' | sqlite3 "$LYRA_DB"
import sys
n = int(sys.argv[1])
print("BEGIN;")
syms = ["BTC/USDT", "ETH/USDT", "SOL/USDT", "XRP/USDT"]
for i in range(n):
    s = syms[i % 4]
    side = "buy" if (i // 4) % 2 == 0 else "sell"
    print("INSERT INTO fills (ts, venue, trade_id, symbol, side, px, qty, fee, fee_ccy, fee_quote,"
          " line) VALUES (%d, 'binance', 'b%d', '%s', '%s', '100', '0.01', '0', 'USDT', '0', '{}');"
          % (1793491100000000 + i, i, s, side))
print("COMMIT;")
PY

# wall, user and sys seconds of each run, one line per run (bash's time keyword, no extra package)
runs=${LYRA_BENCH_RISK_RUNS:-3}
TIMEFORMAT='%R %U %S'
: > "$work/lyra.time"
: > "$work/jq.time"
for _ in $(seq "$runs"); do
	{ time "$bin/riskcheck" check "$work/in.ndjson" > "$work/lyra.out" 2> "$work/lyra.err"; } 2>> "$work/lyra.time"
	{ time jq -c 'if .type == "order" then .symbol as $s |
		(if (.qty | tonumber) > 1000 or ((.qty | tonumber) * (.px | tonumber)) > 100000
		    or ((["BTC/USDT","ETH/USDT","SOL/USDT","XRP/USDT"] | index([$s])) | not)
		 then .type = "reject" else . end)
		else . end' "$work/in.ndjson" > "$work/jq.out" 2> "$work/jq.err"; } 2>> "$work/jq.time"
done
unset TIMEFORMAT
passed=$(grep -c '"type":"order"' "$work/lyra.out" || true)
[ "$passed" -eq "$n" ] || { echo "riskcheck bench: only $passed of $n orders passed" >&2; exit 1; }
read -r lw lu ls < <(sort -n "$work/lyra.time" | head -1)
read -r jw ju js < <(sort -n "$work/jq.time" | head -1)
awk -v n="$n" -v r="$runs" -v lw="$lw" -v lc="$lu $ls" -v jw="$jw" -v jc="$ju $js" -v f="$nfills" 'BEGIN {
	split(lc, a, " "); split(jc, b, " "); lc = a[1] + a[2]; jc = b[1] + b[2]
	lr = n / lw; jr = n / jw
	printf "| riskcheck check (%d orders, 20 rules, %d stored fills, 3 records per order; best of %d) | %.0fk orders/s (%.2f us/order) | jq, 3 of the rules | %.0fk orders/s | %.1fx | >= 10x jq |\n",
		n, f, r, lr / 1e3, lw * 1e6 / n, jr / 1e3, lr / jr
	printf "| the same on CPU time (user + sys) | %.2f us/order | jq | %.2f us/order | %.1fx | >= 10x jq |\n",
		lc * 1e6 / n, jc * 1e6 / n, jc / lc }'
if [ "${LYRA_BENCH_RISK_CALLGRIND:-0}" = 1 ]; then
	command -v valgrind > /dev/null || { echo "riskcheck bench: valgrind not installed" >&2; exit 1; }
	valgrind --tool=callgrind --callgrind-out-file="$work/cg" "$bin/riskcheck" check \
		"$work/in.ndjson" > /dev/null 2> "$work/cg.log"
	ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/cg.log")
	awk -v ir="$ir" -v n="$n" 'BEGIN {
		printf "| riskcheck check instructions (callgrind, startup included) | %.1fk per order (%.0f) | - | - | - | - |\n",
			ir / n / 1e3, ir }'
fi

# latency: one order at a time through the pipe, its answer awaited; cat is the baseline
python3 - "$bin/riskcheck" "$nlat" <<'PY'
import subprocess, sys, time
prog, n = sys.argv[1], int(sys.argv[2])
def rtts(cmd):
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    out = []
    for i in range(n):
        line = ('{"type":"order","ts":%d,"id":"l%d","venue":"binance","symbol":"BTC/USDT",'
                '"side":"buy","kind":"limit","px":"43250.00","qty":"0.001"}\n'
                % (1793491200000000 + i * 1000, i)).encode()
        t0 = time.perf_counter_ns()
        p.stdin.write(line)
        p.stdout.readline()
        out.append(time.perf_counter_ns() - t0)
        # end the order, so open orders stay few (not timed)
        p.stdin.write(('{"type":"order_event","ts":%d,"id":"l%d","venue":"binance",'
                       '"symbol":"BTC/USDT","status":"cancelled"}\n'
                       % (1793491200000000 + i * 1000 + 1, i)).encode())
        p.stdout.readline()
    p.stdin.close()
    p.wait()
    out.sort()
    return out[len(out) // 2] / 1e3, out[len(out) * 99 // 100] / 1e3
rp50, rp99 = rtts([prog, "check", "--unbuffered"])
cp50, cp99 = rtts(["cat"])
print("| riskcheck added latency per order (%d orders, answer awaited) | p50 %.1f us, p99 %.1f us |"
      " cat round trip | p50 %.1f us, p99 %.1f us | +%.1f us p50, +%.1f us p99 | - |"
      % (n, rp50, rp99, cp50, cp99, rp50 - cp50, rp99 - cp99))
PY
