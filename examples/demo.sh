#!/usr/bin/env bash
# make demo: the main job on bundled data in a throw-away store, no network. Records a bundled
# market session (real venue payloads from eight exchanges, tests/fixtures/mdfeed/) and replays it
# byte for byte, sends orders through the risk gate, books a year of bundled fills into positions and
# the Australian tax report, takes and verifies a backup, and verifies the audit chain, then shows
# that tampering behind lyra's back is caught; in between, a TWAP backtest through the risk gate
# and the paper venue, run twice to show it is deterministic. The arbitrage scan joins once a
# coherent generated session (issue 13) exists: the bundled capture mixes venues' payloads from
# different years, so cross-venue prices in it are not comparable.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH"
work=$(mktemp -d "${TMPDIR:-/tmp}/lyra-demo.XXXXXX")
export LYRA_DB=$work/lyra.db
say() { printf '\ndemo: %s\n' "$*"; }
say "store $LYRA_DB"

say "record a bundled market session (eight venues) and replay it, byte for byte:"
mdfeed record tests/fixtures/mdfeed/capture.ndjson
mdfeed replay > "$work/a"; mdfeed replay > "$work/b"
cmp "$work/a" "$work/b" && echo "replay: $(wc -l < "$work/a") records, identical on every run"

say "the risk gate: one order inside the limits, one far too large:"
printf '%s\n' \
	'{"type":"order","ts":1793491200000000,"id":"demo-1","venue":"paper","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"43250.00","qty":"0.01"}' \
	'{"type":"order","ts":1793491200100000,"id":"demo-2","venue":"paper","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"43250.00","qty":"50"}' \
	| riskcheck | jq -c '{type, id, reasons: (.reasons // [] | map(.rule))}'

say "backtest: a TWAP parent through the risk gate and the paper venue, fills fed back, twice:"
mkfifo "$work/fb1" "$work/fb2"
for n in 1 2; do
	mdfeed replay --venue kraken --symbol BTC/USDT --from 2025-11-10T17:30 \
		| execalgo -q twap --venue kraken --symbol BTC/USDT --side buy --qty 0.01 --duration 1h \
			--slices 6 --style aggressive --limit 106500 --id demo-twap-$n --feedback "$work/fb$n" \
		| riskcheck | oms --venue paper | tee "$work/fb$n" > "$work/twap$n"
done
jq -c 'select(.type == "algo_report") | {id, filled_qty, avg_px, slippage_bps_arrival, slippage_bps_vwap, children}' "$work/twap1"
diff <(sed 's/demo-twap-1/P/g' "$work/twap1") <(sed 's/demo-twap-2/P/g' "$work/twap2") > /dev/null \
	&& echo "backtest: $(grep -c '"type":"fill"' "$work/twap1") paper fills, identical on both runs"
oms list --parent demo-twap-1 | head -4

say "a year of fills into positions, and the ATO capital-gains report for FY 2025-26:"
positions -q tests/fixtures/positions/fills-2025-26.ndjson > /dev/null
positions show --format table
positions tax --fy 2025-26 --rates tests/fixtures/positions/rates.csv --format table | tail -8

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
