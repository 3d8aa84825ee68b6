#!/usr/bin/env bash
# Offline arbitrage scan: record the bundled capture (real venue payloads turned into lyra
# records) into a scratch store, replay it through `arbscan cross`, and list what a taker paying
# 0.1% everywhere would have seen, sized by the depth of both books. The capture's venues quote
# from different years, so --max-age 0 lets every book count; live, keep the default (5s).
#
#   mdfeed replay --from 2026-11-01 | arbscan cross --min-bps 2 --fees fees.txt
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v arbscan >/dev/null || PATH="$root/bin:$PATH"   # run from a checkout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/lyra.db

mdfeed record -q "$root/tests/fixtures/mdfeed/capture.ndjson"
cat >"$work/fees" <<'FEES'
# VENUE  SYMBOL  TAKER  [MAKER]
kraken   *       0.0026 0.0016
*        *       0.001
FEES

mdfeed replay | arbscan cross --max-age 0 --min-bps 10 --fees "$work/fees" >"$work/out"
jq -r 'select(.type == "opportunity" and .status == "open")
	| [.symbol, "buy " + .legs[0].venue + " @" + .legs[0].px, "sell " + .legs[1].venue + " @" + .legs[1].px,
	   "qty " + .legs[0].qty, "profit " + .profit, .edge_bps + " bps"] | @tsv' "$work/out"
# cycles that may move an asset between venues, charged what moving it costs
cat >"$work/xfer" <<'XFER'
# ASSET  FIXED (in the asset)  [BPS]
BTC      0.0002
*        1                     5
XFER
mdfeed replay | arbscan triangle --cross-venue --max-age 0 --min-bps 10 --fees "$work/fees" \
	--transfer-costs "$work/xfer" >"$work/tri"
echo "arb-scan: $(grep -c '"status":"open"' "$work/tri" || true) cross-venue cycles after transfer costs"
# the rest of the stream went through untouched
n=$(grep -vc '"type":"opportunity"' "$work/out")
echo "arb-scan: $(grep -c '"status":"open"' "$work/out") opportunities; $n other records passed through"
