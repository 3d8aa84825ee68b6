#!/usr/bin/env bash
# bench/mdfeed.sh BUILD: normalising recorded venue payloads into lyra records, per venue, in
# records/s: the venue adapters (through the test tool mdparse, which runs mdfeed's parsers on
# files without HTTP) against jq doing the same mapping on the same payloads. Each venue's input
# is its recorded trades, candles and order-book responses (tests/fixtures/venues/), one response
# per line; the trades and candles rows are repeated to 500 per response (Kraken's responses are
# used as recorded: 1000 trades, 721 candles). Output goes to /dev/null; best of 3 runs each.
set -euo pipefail
build=${1:-build/plain}
cd "$(dirname "$0")/.."
tool=$build/tools/mdparse
fx=tests/fixtures/venues
lines=${LYRA_BENCH_MDFEED_LINES:-40}
work=$(mktemp -d "${TMPDIR:-/tmp}/lyra-bench-mdfeed.XXXXXX")
trap 'rm -rf "$work"' EXIT

declare -A SYM=([binance]=BTC/USDT [okx]=BTC/USD [coinbase]=BTC/USD [kraken]=BTC/USDT
	[gateio]=BTC/USDT [bitfinex]=BTC/USD [bitstamp]=BTC/USD [gemini]=BTC/USD)
# where each venue's response keeps its rows, to repeat them
declare -A ROWS=([okx]=.data [bitstamp_candles]=.data.ohlc)

grow='def grow($n): . as $r | [range(0; $n)] | map($r[. % ($r | length)]);'
iso_us='def iso_us: capture("^(?<s>[^.Z]+)(\\.(?<f>[0-9]+))?Z$") as $t
	| (($t.s + "Z") | fromdateiso8601) * 1000000 + ((($t.f // "") + "000000")[0:6] | tonumber);'
lv='def lv: [.[] | [.[0], .[1]]];'
rec='def rec($t; $ts): {type: $t, ts: $ts, venue: $v, symbol: $s};'

# The jq mapping of each venue and kind: the same records the adapters write (book ts is the
# arrival time where the venue gives none: a fixed number here, as in mdparse).
declare -A JQ
JQ[binance_trades]='.[] | rec("trade"; .time * 1000) + {id: (.id | tostring), side: (if .isBuyerMaker then "sell" else "buy" end), px: .price, qty: .qty}'
JQ[binance_candles]='.[] | rec("candle"; .[0] * 1000) + {interval: "1m", open: .[1], high: .[2], low: .[3], close: .[4], volume: .[5]}'
JQ[binance_book]='rec("book"; 1700000000000000) + {seq: .lastUpdateId, bids: (.bids | lv), asks: (.asks | lv)}'
JQ[okx_trades]='.data | sort_by(.ts | tonumber) | .[] | rec("trade"; (.ts | tonumber) * 1000) + {id: .tradeId, side: .side, px: .px, qty: .sz}'
JQ[okx_candles]='.data | sort_by(.[0] | tonumber) | .[] | rec("candle"; (.[0] | tonumber) * 1000) + {interval: "1m", open: .[1], high: .[2], low: .[3], close: .[4], volume: .[5]}'
JQ[okx_book]='.data[0] | rec("book"; (.ts | tonumber) * 1000) + {seq: (.seqId // 0), bids: (.bids | lv), asks: (.asks | lv)}'
JQ[coinbase_trades]='reverse | .[] | rec("trade"; .time | iso_us) + {id: .trade_id, side: (if .side == "sell" then "buy" else "sell" end), px: .price, qty: .size}'
JQ[coinbase_candles]='sort_by(.[0]) | .[] | rec("candle"; .[0] * 1000000) + {interval: "1m", open: (.[3] | tostring), high: (.[2] | tostring), low: (.[1] | tostring), close: (.[4] | tostring), volume: (.[5] | tostring)}'
JQ[coinbase_book]='rec("book"; .time | iso_us) + {seq: .sequence, bids: (.bids | lv), asks: (.asks | lv)}'
JQ[kraken_trades]='.result | to_entries[] | select(.key != "last") | .value[] | rec("trade"; .[2] * 1000000 | floor) + {id: (.[6] | tostring), side: (if .[3] == "b" then "buy" else "sell" end), px: .[0], qty: .[1]}'
JQ[kraken_candles]='.result | to_entries[] | select(.key != "last") | .value[] | rec("candle"; .[0] * 1000000) + {interval: "1m", open: .[1], high: .[2], low: .[3], close: .[4], volume: .[6]}'
JQ[kraken_book]='.result | to_entries[0].value | rec("book"; 1700000000000000) + {seq: 0, bids: (.bids | lv), asks: (.asks | lv)}'
JQ[gateio_trades]='sort_by(.create_time_ms | tonumber) | .[] | rec("trade"; .create_time_ms | tonumber * 1000 | floor) + {id: .id, side: .side, px: .price, qty: .amount}'
JQ[gateio_candles]='sort_by(.[0] | tonumber) | .[] | rec("candle"; (.[0] | tonumber) * 1000000) + {interval: "1m", open: .[5], high: .[3], low: .[4], close: .[2], volume: .[6]}'
JQ[gateio_book]='rec("book"; (.current // 1700000000000) * 1000) + {seq: .id, bids: (.bids | lv), asks: (.asks | lv)}'
JQ[bitfinex_trades]='sort_by(.[1]) | .[] | rec("trade"; .[1] * 1000) + {id: (.[0] | tostring), side: (if .[2] > 0 then "buy" else "sell" end), px: (.[3] | tostring), qty: (.[2] | fabs | tostring)}'
JQ[bitfinex_candles]='sort_by(.[0]) | .[] | rec("candle"; .[0] * 1000) + {interval: "1m", open: (.[1] | tostring), high: (.[3] | tostring), low: (.[4] | tostring), close: (.[2] | tostring), volume: (.[5] | tostring)}'
JQ[bitfinex_book]='rec("book"; 1700000000000000) + {seq: 0, bids: [.[] | select(.[2] > 0) | [(.[0] | tostring), (.[2] | tostring)]], asks: [.[] | select(.[2] < 0) | [(.[0] | tostring), (.[2] | fabs | tostring)]]}'
JQ[bitstamp_trades]='sort_by(.tid | tonumber) | .[] | rec("trade"; (.date | tonumber) * 1000000) + {id: .tid, side: (if .type == "0" then "buy" else "sell" end), px: .price, qty: .amount}'
JQ[bitstamp_candles]='.data.ohlc | sort_by(.timestamp | tonumber) | .[] | rec("candle"; (.timestamp | tonumber) * 1000000) + {interval: "1m", open: .open, high: .high, low: .low, close: .close, volume: .volume}'
JQ[bitstamp_book]='rec("book"; .microtimestamp | tonumber) + {seq: (.microtimestamp | tonumber), bids: (.bids | lv), asks: (.asks | lv)}'
JQ[gemini_trades]='reverse | .[] | rec("trade"; (.timestampms | tonumber) * 1000) + {id: (.tid | tostring), side: .type, px: .price, qty: .amount}'
JQ[gemini_candles]='sort_by(.[0]) | .[] | rec("candle"; .[0] * 1000) + {interval: "1m", open: (.[1] | tostring), high: (.[2] | tostring), low: (.[3] | tostring), close: (.[4] | tostring), volume: (.[5] | tostring)}'
JQ[gemini_book]='rec("book"; 1700000000000000) + {seq: 0, bids: [.bids[] | [.price, .amount]], asks: [.asks[] | [.price, .amount]]}'

now() { date +%s%N; }
# best NAME CMD...: the fastest of 3 runs, in ns, into the variable NAME
best() {
	local name=$1 b=0 t0 t1
	shift
	for _ in 1 2 3; do
		t0=$(now)
		"$@" >/dev/null
		t1=$(now)
		if [ "$b" -eq 0 ] || [ $((t1 - t0)) -lt "$b" ]; then b=$((t1 - t0)); fi
	done
	printf -v "$name" '%s' "$b"
}

for v in binance okx coinbase kraken gateio bitfinex bitstamp gemini; do
	s=${SYM[$v]}
	jq -c . "$fx/$v/markets.json" >"$work/$v.mk"
	"$tool" "$v" markets "$work/$v.mk" >"$work/$v.markets"
	lyra_ns=0 jq_ns=0 n=0
	for k in trades candles book; do
		f=$work/$v.$k
		path=${ROWS[${v}_$k]:-${ROWS[$v]:-.}}
		if [ "$k" = book ] || [ "$v" = kraken ]; then
			one=$(jq -c . "$fx/$v/$k.json")
		else
			one=$(jq -c "$grow $path |= grow(500)" "$fx/$v/$k.json")
		fi
		reps=$lines
		[ "$k" = book ] && reps=$((lines * 10))
		for _ in $(seq "$reps"); do printf '%s\n' "$one"; done >"$f"
		kind=$k
		[ "$k" = candles ] && kind=candles:1m
		prog="$iso_us $lv $rec ${JQ[${v}_$k]}"
		# the two produce the same number of records
		a=$("$tool" "$v" "$kind" "$f" "$s" "$work/$v.markets" | wc -l)
		b=$(jq -c --arg v "$v" --arg s "$s" "$prog" "$f" | wc -l)
		[ "$a" -eq "$b" ] || { echo "bench/mdfeed.sh: $v $k: mdparse $a records, jq $b" >&2; exit 1; }
		n=$((n + a))
		best tl "$tool" "$v" "$kind" "$f" "$s" "$work/$v.markets"
		best tj jq -c --arg v "$v" --arg s "$s" "$prog" "$f"
		lyra_ns=$((lyra_ns + tl))
		jq_ns=$((jq_ns + tj))
	done
	awk -v v="$v" -v n="$n" -v l="$lyra_ns" -v j="$jq_ns" 'BEGIN {
		lr = n / (l / 1e9); jr = n / (j / 1e9)
		printf "| mdfeed normalise %s (%d records: trades, candles, books) | %.2fM records/s | jq, same mapping and payloads | %.2fM records/s | %.1fx | >= 5x jq |\n",
			v, n, lr / 1e6, jr / 1e6, lr / jr }'
done
