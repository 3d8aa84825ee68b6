#!/usr/bin/env bash
# Paper trading on bundled recorded data: Gemini's FIL/USD book and trades from a real WebSocket
# capture (tests/fixtures/ws/GEMINI.ws.1.0, turned into records by `mdfeed ingest` with Gemini's
# book rules), merged in event-time order with a few hand-written orders (a market buy that walks
# the book, a bid that joins the best bid and waits for the queue ahead of it, an offer far above
# the market that is cancelled), through the risk gate and the paper venue into positions. Then
# the store's view: `oms list`, `oms show`, the positions, and the audit chain.
#
#   (mdfeed ingest; orders) | sort by ts | riskcheck | oms --venue paper | positions
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v oms >/dev/null || PATH="$root/bin:$PATH"   # run from a checkout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/lyra.db

mdfeed ingest gemini "$root/tests/fixtures/ws/GEMINI.ws.1.0" 2>/dev/null \
	| jq -c 'select(.symbol == "FIL/USD")' > "$work/md.ndjson"
book=$(jq -c 'select(.type == "book")' "$work/md.ndjson" | head -1)
first=$(jq .ts <<<"$book")
bid=$(jq -r '.bids[0][0]' <<<"$book")
ask=$(jq -r '.asks[0][0] | tonumber * 2 | tostring' <<<"$book")
order() { # offset-us id side kind qty [px]
	jq -cn --argjson ts "$((first + $1))" --arg id "$2" --arg side "$3" --arg kind "$4" \
		--arg qty "$5" --arg px "${6:-}" \
		'{type: "order", ts: $ts, id: $id, venue: "gemini", symbol: "FIL/USD", side: $side,
		  kind: $kind, qty: $qty, strategy: "example"} + (if $px == "" then {} else {px: $px} end)'
}
{
	order 1 ex-buy buy market 20
	order 2 ex-bid buy limit 50 "$bid"
	order 3 ex-ask sell limit 5 "$ask"
	jq -cn --argjson ts "$((first + 4))" '{type: "cancel", ts: $ts, id: "ex-ask", venue: "gemini"}'
} > "$work/orders.ndjson"

# one stream in event-time order (sort is stable: market data before an order at the same ts)
jq -c '.' "$work/md.ndjson" "$work/orders.ndjson" | jq -sc 'sort_by(.ts) | .[]' \
	| riskcheck | oms --venue paper | positions > "$work/out.ndjson"

echo "paper-trading: order events and fills"
jq -r 'select(.type == "fill" or .type == "order_event" or .type == "reject")
	| [(.ts / 1e6 | todate), .id, .type, (.status // .liquidity), (.filled_qty // .qty), (.px // .avg_px // "")] | @tsv' \
	"$work/out.ndjson"
echo "paper-trading: the store"
oms list
oms show ex-buy | head -12
positions show
audit verify -q && echo "paper-trading: audit chain intact ($(audit log --format ndjson | wc -l) entries)"
