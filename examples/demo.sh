#!/usr/bin/env bash
# make demo: the main job on bundled data in a throw-away store, no network, well under a minute.
#  1. records a bundled 15-minute session of four venues (examples/data/session.ndjson, made by the
#     seeded generator tests/tools/mdsim.c: see examples/data/README.md) and replays it byte for byte;
#  2. scans it for cross-venue and triangular arbitrage net of each venue's taker fees;
#  3. sends orders through the risk gate;
#  4. backtests a TWAP buy through the risk gate and the paper venue into positions, twice, to
#     show it is deterministic, and prints the position and PnL;
#  5. books a year of bundled fills into the Australian capital-gains report (a store of its own);
#  6. takes and verifies a backup, verifies the audit chain, and shows tampering caught.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH"
work=$(mktemp -d "${TMPDIR:-/tmp}/lyra-demo.XXXXXX")
export LYRA_DB=$work/lyra.db
say() { printf '\ndemo: %s\n' "$*"; }
say "store $LYRA_DB"

say "record a bundled market session (four venues, 15 minutes) and replay it, byte for byte:"
mdfeed record -q examples/data/session.ndjson
mdfeed replay > "$work/a"; mdfeed replay > "$work/b"
cmp "$work/a" "$work/b" && echo "replay: $(wc -l < "$work/a") records, identical on every run"

say "arbitrage scan over the replay, net of every venue's taker fee, sized by depth:"
mdfeed replay | arbscan cross --min-bps 5 | jq -r 'select(.type == "opportunity" and .status == "open")
	| "cross     \(.symbol)  buy \(.legs[0].venue) @\(.legs[0].px)  sell \(.legs[1].venue) @\(.legs[1].px)  qty \(.legs[0].qty)  \(.edge_bps) bps"'
mdfeed replay | arbscan triangle --min-bps 5 | jq -r 'select(.type == "opportunity" and .status == "open")
	| "triangle  \([.legs[] | .side + " " + .symbol] | join(", "))  on \(.legs[0].venue)  \(.edge_bps) bps"'

say "the risk gate: one order inside the limits, one far too large:"
printf '%s\n' \
	'{"type":"order","ts":1793491200000000,"id":"demo-1","venue":"paper","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"43250.00","qty":"0.01"}' \
	'{"type":"order","ts":1793491200100000,"id":"demo-2","venue":"paper","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"43250.00","qty":"50"}' \
	| riskcheck | jq -c '{type, id, reasons: (.reasons // [] | map(.rule))}'

say "backtest: a TWAP buy of 0.05 BTC on binance over 10 minutes through the risk gate and the paper
      venue, fills fed back to the algorithm and into positions; run twice:"
mkfifo "$work/fb1" "$work/fb2"
for n in 1 2; do
	mdfeed replay --venue binance --symbol BTC/USDT --from 2026-11-02T09:02 \
		| execalgo -q twap --venue binance --symbol BTC/USDT --side buy --qty 0.05 --duration 10m \
			--slices 10 --style aggressive --id demo-twap-$n --feedback "$work/fb$n" \
		| riskcheck | oms --venue paper | tee "$work/fb$n" > "$work/twap$n"
done
jq -c 'select(.type == "algo_report") | {id, filled_qty, avg_px, slippage_bps_arrival, slippage_bps_vwap, children}' "$work/twap1"
diff <(sed 's/demo-twap-1/P/g' "$work/twap1") <(sed 's/demo-twap-2/P/g' "$work/twap2") > /dev/null \
	&& echo "backtest: $(grep -c '"type":"fill"' "$work/twap1") paper fills, identical on both runs"
oms list --parent demo-twap-1 | head -4
positions -q "$work/twap1" > /dev/null
positions show --format table
positions pnl --by symbol --format table

say "a year of bundled fills into positions, and the ATO capital-gains report for FY 2025-26:"
LYRA_DB=$work/tax.db positions -q tests/fixtures/positions/fills-2025-26.ndjson > /dev/null
LYRA_DB=$work/tax.db positions tax --fy 2025-26 --rates tests/fixtures/positions/rates.csv --format table | tail -8
LYRA_DB=$work/tax.db positions -q report --html "$work/report.html" --tz Australia/Sydney
echo "report: $work/report.html (equity, drawdown, PnL by month, allocation; open it in a browser)"

say "back up the store and verify the backup:"
backup create --dest "$work/backups"
backup verify --all --dest "$work/backups"

say "every state change above is in the audit chain:"
audit log --format table | tail -6
audit anchor --out "$work/anchor.json"
audit verify --anchor "$work/anchor.json"

say "now tamper with the store behind lyra's back and verify again:"
sqlite3 "$LYRA_DB" "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'mallory' WHERE seq = 1"
if audit verify; then
	echo "demo: tampering went unnoticed" >&2
	exit 1
fi
say "done; files in $work"
