#!/usr/bin/env bash
# bench/positions.sh BUILD: fills per second through `positions` (parse, store once in SQLite,
# average-cost position and PnL, a position record out per fill) against bench/positions_ref.py
# doing the same job in Python (json, sqlite3, decimal) on the same generated fills, back to back
# on fresh stores. The ratio is lyra's rate over Python's.
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
		printf "{\"type\":\"fill\",\"ts\":%d,\"id\":\"o%d\",\"venue\":\"%s\",\"symbol\":\"%s\",\"side\":\"%s\",\"px\":\"%.2f\",\"qty\":\"%d.%03d\",\"fee\":\"0.%04d\",\"fee_ccy\":\"USDT\",\"liquidity\":\"taker\",\"trade_id\":\"T%d\"}\n",
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
