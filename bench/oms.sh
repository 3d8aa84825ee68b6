#!/usr/bin/env bash
# bench/oms.sh BUILD: orders per second through `oms --venue paper` with every order durably
# stored before its events go out (the order, its events new/acked/filled, its fill, each with
# an audit entry, committed in groups on file input), on a stream of LYRA_BENCH_OMS_N market
# orders (default 20000), each after a fresh book. Baseline: the `sqlite3` shell writing the
# same orders into a table of the same shape, one transaction each, with the store's pragmas
# (WAL, synchronous=NORMAL). One run, back to back. The issue sets no goal: the figure says what
# nine statements and four audit hashes per order cost against one bare insert.
set -euo pipefail
build=${1:-build/plain}
n=${LYRA_BENCH_OMS_N:-20000}
work=$(mktemp -d "${TMPDIR:-/tmp}/lyra-bench-oms.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/lyra.db
bin=$(dirname "$build")/../bin
[ "$build" = build/plain ] && bin=bin

python3 - "$n" "$work/in.ndjson" "$work/baseline.sql" <<'PY'
import sys
n, out, sql = int(sys.argv[1]), open(sys.argv[2], "w"), open(sys.argv[3], "w")
out.write('{"type":"market","ts":1,"venue":"binance","symbol":"BTC/USDT","venue_symbol":"BTCUSDT",'
          '"base":"BTC","quote":"USDT","instrument":"spot","tick":"0.01","lot":"0.0001",'
          '"min_qty":"0","min_notional":"5","maker_fee":"0.0005","taker_fee":"0.001",'
          '"status":"trading"}\n')
sql.write("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n"
          "CREATE TABLE orders (id TEXT PRIMARY KEY, venue TEXT, symbol TEXT, side TEXT, kind TEXT,"
          " tif TEXT, qty TEXT, status TEXT, created_ts INTEGER, line TEXT);\n")
ts = 1793491200000000
for i in range(n):
    ts += 1000
    px = 43250 + i % 50
    out.write('{"type":"book","ts":%d,"venue":"binance","symbol":"BTC/USDT","seq":%d,'
              '"bids":[["%d.00","1.5"]],"asks":[["%d.01","2.25"],["%d.50","3"]]}\n'
              % (ts, i, px, px, px))
    line = ('{"type":"order","ts":%d,"id":"o%d","venue":"binance","symbol":"BTC/USDT",'
            '"side":"buy","kind":"market","qty":"0.01","strategy":"bench"}' % (ts + 1, i))
    out.write(line + "\n")
    sql.write("INSERT INTO orders VALUES ('o%d','paper','BTC/USDT','buy','market','IOC','0.01',"
              "'new',%d,'%s');\n" % (i, ts + 1, line))
PY

now() { date +%s%N; }
t0=$(now)
"$bin/oms" -q --venue paper "$work/in.ndjson" > "$work/lyra.out"
t1=$(now)
sqlite3 "$work/base.db" < "$work/baseline.sql" > /dev/null
t2=$(now)
fills=$(grep -c '"type":"fill"' "$work/lyra.out" || true)
[ "$fills" -eq "$n" ] || { echo "oms bench: $fills fills for $n orders" >&2; exit 1; }
stored=$(sqlite3 "$LYRA_DB" "SELECT count(*) FROM orders WHERE status = 'filled'")
[ "$stored" -eq "$n" ] || { echo "oms bench: $stored of $n orders stored filled" >&2; exit 1; }
lyra_ns=$((t1 - t0)); base_ns=$((t2 - t1))
awk -v n="$n" -v l="$lyra_ns" -v b="$base_ns" 'BEGIN {
	lr = n / (l / 1e9); br = n / (b / 1e9)
	printf "| oms --venue paper (%d market orders, each stored with 3 events, a fill and 4 audit entries, committed in groups) | %.1fk orders/s | sqlite3 shell, one INSERT of the order per transaction | %.1fk orders/s | %.2fx | report |\n",
		n, lr / 1e3, br / 1e3, lr / br }'
