#!/usr/bin/env bash
# bench/positions.sh BUILD: fills per second through `positions` (parse, store once in SQLite,
# average-cost position and PnL, a position record out per fill) against bench/positions_ref.py
# doing the same job in Python (json, sqlite3, decimal) on the same generated fills, back to back
# on fresh stores. The ratio is lyra's rate over Python's.
# Then the issue's benchmark: POSITIONS_BENCH_TAX_FILLS fills (default 10 million; set it lower
# for a quick run) over FY 2025-26 quoted in AUD, through `positions` into the store and a
# full-year `positions tax --format csv` over them, time and peak memory, against the same FIFO
# matching written as SQL (window functions, one interval join) in the sqlite3 shell on the
# same fills (.import of a CSV, then the matched pieces written out). The ratio is the sqlite3
# shell's time over lyra's (above 1: lyra faster). Both print one row per matched lot piece; the
# counts must agree. Fees are 0 here so the SQL stays the textbook query; lyra does more (Sydney
# dates, AUD conversion, the discount test, the summary).
set -euo pipefail
build=${1:-build/plain}
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/bin/positions
[ -x "$bin" ] || bin=$here/../bin/positions
[ -x "$bin" ] || { echo "positions.sh: missing the positions program" >&2; exit 1; }
py=$(command -v python3 || true)
[ -n "$py" ] || { echo "positions.sh: python3 not found" >&2; exit 1; }
n=${POSITIONS_BENCH_FILLS:-200000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# n fills over 4 symbols on 2 venues: random-walk prices, buys and sells, fees in the quote.
awk -v n="$n" 'BEGIN {
	srand(7); split("BTC/USDT ETH/USDT SOL/USDT XRP/USDT", sym, " "); split("binance kraken", ven, " ")
	p[1] = 43000; p[2] = 2300; p[3] = 95; p[4] = 0.6
	for (i = 1; i <= n; i++) {
		s = 1 + int(rand() * 4); v = 1 + int(rand() * 2)
		p[s] = p[s] * (1 + (rand() - 0.5) / 500)
		q = 1 + int(rand() * 1000)
		printf "{\"type\":\"fill\",\"ts\":%.0f,\"id\":\"o%d\",\"venue\":\"%s\",\"symbol\":\"%s\",\"side\":\"%s\",\"px\":\"%.2f\",\"qty\":\"%d.%03d\",\"fee\":\"0.%04d\",\"fee_ccy\":\"USDT\",\"liquidity\":\"taker\",\"trade_id\":\"T%d\"}\n",
			1767225600000000 + i * 1000, i, ven[v], sym[s], rand() < 0.5 ? "buy" : "sell", p[s],
			int(q / 1000), q % 1000, int(rand() * 9999), i
	}
}' > "$work/fills.ndjson"

ns() { date +%s%N; }
t0=$(ns); LYRA_DB=$work/lyra.db "$bin" "$work/fills.ndjson" > "$work/lyra.out"; t1=$(ns)
"$py" "$here/positions_ref.py" "$work/ref.db" < "$work/fills.ndjson" > "$work/ref.out"; t2=$(ns)
lines=$(grep -c '"type":"position"' "$work/lyra.out")
[ "$lines" -eq "$(grep -c '"type":"position"' "$work/ref.out")" ] ||
	{ echo "positions.sh: lyra and the reference disagree on the number of positions" >&2; exit 1; }
awk -v n="$n" -v l=$((t1 - t0)) -v b=$((t2 - t1)) 'function h(r) {
		return r >= 1e6 ? sprintf("%.2fM fills/s", r / 1e6) : sprintf("%.0fk fills/s", r / 1e3) }
	BEGIN { lr = n / (l / 1e9); br = n / (b / 1e9)
		printf "| positions: fills into store + positions + PnL (%d fills) | %s | python json+sqlite3+decimal | %s | %.1fx | - |\n",
			n, h(lr), h(br), lr / br }'

# ---- the tax report benchmark ----
tn=${POSITIONS_BENCH_TAX_FILLS:-10000000}
command -v sqlite3 > /dev/null || { echo "positions.sh: sqlite3 not found" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "positions.sh: /usr/bin/time not found" >&2; exit 1; }
rm -f "$work"/fills.ndjson "$work"/*.out "$work"/lyra.db* "$work"/ref.db*
# tn fills spread over FY 2025-26 (from 2025-06-30T14:00Z, 1 July in Sydney), three assets,
# sells never more than held; quantities in thousandths, prices in cents (CSV for sqlite3).
awk -v n="$tn" -v nd="$work/tax.ndjson" -v csv="$work/tax.csv" 'BEGIN {
	srand(11); split("BTC ETH SOL", a, " "); p[1] = 150000; p[2] = 5000; p[3] = 250
	step = int(364 * 86400 * 1000000 / n)
	for (i = 1; i <= n; i++) {
		s = 1 + int(rand() * 3)
		p[s] = p[s] * (1 + (rand() - 0.5) / 500)
		q = 1 + int(rand() * 1000); c = int(p[s] * 100 + 0.5)
		side = "buy"
		if (rand() < 0.5 && held[s] >= q) side = "sell"
		held[s] += side == "buy" ? q : -q
		printf "{\"type\":\"fill\",\"ts\":%.0f,\"id\":\"o%d\",\"venue\":\"btcmarkets\",\"symbol\":\"%s/AUD\",\"side\":\"%s\",\"px\":\"%d.%02d\",\"qty\":\"%d.%03d\",\"fee\":\"0\",\"fee_ccy\":\"AUD\",\"liquidity\":\"taker\",\"trade_id\":\"T%d\"}\n",
			1751292000000000 + i * step, i, a[s], side, int(c / 100), c % 100, int(q / 1000), q % 1000, i > nd
		printf "%d,%.0f,%s,%s,%d,%d\n", i, 1751292000000000 + i * step, a[s], side, q, c > csv
	}
}'
# tm NAME CMD...: run CMD, its elapsed seconds and peak RSS (KB) into $work/NAME
tm() { local o=$work/$1; shift; /usr/bin/time -f "%e %M" -o "$o" "$@"; }
LYRA_DB=$work/lyra.db tm t.store "$bin" -q "$work/tax.ndjson" > /dev/null
LYRA_DB=$work/lyra.db tm t.tax "$bin" tax --fy 2025-26 --format csv > "$work/lyra.out"
cat > "$work/fifo.sql" <<'SQL'
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TABLE f (id INTEGER PRIMARY KEY, ts INTEGER, asset TEXT, side TEXT, q INTEGER, px INTEGER);
.import --csv tax.csv f
-- each buy and sell as an interval of the asset's cumulative quantity; FIFO pairs the overlaps
CREATE TABLE b AS SELECT asset, id, px, q, sum(q) OVER (PARTITION BY asset ORDER BY id) AS hi
	FROM f WHERE side = 'buy';
CREATE TABLE s AS SELECT asset, id, px, q, sum(q) OVER (PARTITION BY asset ORDER BY id) AS hi
	FROM f WHERE side = 'sell';
CREATE INDEX b_hi ON b (asset, hi);
.mode csv
.output pieces.csv
SELECT s.asset, b.id, s.id, m, m * b.px, m * s.px, m * (s.px - b.px) FROM (
	SELECT s.asset AS asset, b.id AS bid, s.id AS sid, b.px AS bpx, s.px AS spx,
	       min(s.hi, b.hi) - max(s.hi - s.q, b.hi - b.q) AS m
	FROM s JOIN b ON b.asset = s.asset AND b.hi > s.hi - s.q AND b.hi < s.hi + 1000
	               AND b.hi - b.q < s.hi) AS x
	JOIN s ON s.id = x.sid JOIN b ON b.id = x.bid ORDER BY s.id, b.id;
SQL
(cd "$work" && tm t.sql sqlite3 ref.db < fifo.sql > /dev/null)
read -r ls lm < "$work/t.store"
read -r ts_ tm_ < "$work/t.tax"
read -r bs bm < "$work/t.sql"
lp=$(($(grep -c . "$work/lyra.out") - 14))
sp=$(grep -c . "$work/pieces.csv")
[ "$lp" -eq "$sp" ] ||
	{ echo "positions.sh: lyra matched $lp lot pieces, the SQL $sp" >&2; exit 1; }
awk -v n="$tn" -v p="$sp" -v ls="$ls" -v lm="$lm" -v ts="$ts_" -v tm="$tm_" -v bs="$bs" -v bm="$bm" 'BEGIN {
	printf "| positions: %d fills into the store, then the FY tax report (%d FIFO lot pieces) | %.1f s + %.1f s, peak %.0f + %.0f MB | sqlite3 shell: .import + FIFO in SQL | %.1f s, peak %.0f MB | %.2fx | - |\n",
		n, p, ls, ts, lm / 1024, tm / 1024, bs, bm / 1024, bs / (ls + ts) }'
