#!/usr/bin/env bats
# mdfeed(1): the eight venues against a fake venue (tests/fakevenue.py) serving their recorded
# payloads on their real paths; every misbehaviour (429, 418, 5xx, slow, truncated, HTML,
# malformed, the venue's own errors) handled and reported; candles paged and resumed; record
# and replay byte for byte.

load helper
eval "helper_$(declare -f setup)"   # keep the helper's per-test isolation

VENUES="binance okx coinbase kraken gateio bitfinex bitstamp gemini"
# The symbols the recorded payloads belong to, and each venue's perpetual (where it has one).
declare -gA SPOT=([binance]=BTC/USDT [okx]=BTC/USD [coinbase]=BTC/USD [kraken]=BTC/USDT
	[gateio]=BTC/USDT [bitfinex]=BTC/USD [bitstamp]=BTC/USD [gemini]=BTC/USD)
declare -gA PERP=([binance]=BTC/USDT:USDT [okx]=BTC/USDT:USDT [gateio]=BTC/USDT:USDT
	[bitfinex]=BTC/USDT:USDT)
# The path each venue's candles come from (to count pages in the request log).
declare -gA CANDLE_PATH=([binance]=/api/v3/klines [okx]=/api/v5/market/history-candles
	[coinbase]=/candles [kraken]=/0/public/OHLC [gateio]=/spot/candlesticks
	[bitfinex]=/candles/trade [bitstamp]=/api/v2/ohlc [gemini]=/v2/candles)

setup_file() {
	local pf="$BATS_FILE_TMPDIR/fv.port"
	python3 "$BATS_TEST_DIRNAME/fakevenue.py" --port-file "$pf" >/dev/null 2>"$BATS_FILE_TMPDIR/fv.log" 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/fv.pid"
	for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.1; done
	[ -s "$pf" ]
}

teardown_file() {
	kill "$(cat "$BATS_FILE_TMPDIR/fv.pid")" 2>/dev/null || true
}

setup() {
	helper_setup
	FV=http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/fv.port")
	for v in $VENUES; do export "LYRA_${v^^}_URL=$FV/$v"; done
	fv /_reset
}

# fv PATH [JSON]: tell the fake venue something. requests [VENUE]: what it received.
fv() { curl -sf -o /dev/null "$FV$1" -d "${2:-}"; }
requests() { curl -sf "$FV/_requests" | jq -c "select(.venue == \"${1:-binance}\")"; }
nreq() { requests "$1" | jq -r .path | grep -c -- "$2" || true; }
misbehave() { fv /_control "$1"; }
ms() { echo $(($(date -u -d "$1" +%s) * 1000)); }
sql() { sqlite3 -bail "$LYRA_DB" "$@"; }

# ---- markets ----

@test "markets: every venue lists its instruments as valid market records" {
	for v in $VENUES; do
		run --separate-stderr t mdfeed markets "$v"
		[ "$status" -eq 0 ] || fail "$v: status $status: $stderr"
		[ "${#lines[@]}" -ge 1 ] || fail "$v: no markets"
		run t "$LYRA_BUILD/tools/reccheck" <<<"$output"
		assert_success
		refute_output --partial '"type":"error"'
		run mdfeed markets "$v"
		jq -e --arg v "$v" --arg s "${SPOT[$v]}" -s '
			all(.[]; .type == "market" and .venue == $v and (.instrument == "spot" or .instrument == "perpetual")
			    and (.status == "trading" or .status == "halted"))
			and any(.[]; .symbol == $s and .instrument == "spot")' <<<"$output" >/dev/null \
			|| fail "$v: unexpected markets: ${output:0:400}"
		if [ -n "${PERP[$v]:-}" ]; then
			jq -e --arg s "${PERP[$v]}" -s 'any(.[]; .symbol == $s and .instrument == "perpetual" and .settle == "USDT")' \
				<<<"$output" >/dev/null || fail "$v: no perpetual ${PERP[$v]}"
		fi
	done
}

@test "markets: the exact market record for a known instrument" {
	run t mdfeed markets kraken
	assert_success
	line=$(jq -c 'select(.symbol == "BTC/USDT") | del(.ts)' <<<"$output")
	[ -n "$line" ]
	jq -e '.venue_symbol == "XBTUSDT" and .base == "BTC" and .quote == "USDT" and .instrument == "spot"
		and (.settle | not)' <<<"$line" >/dev/null || fail "$line"
}

@test "markets: served from the cache until --refresh or --max-age; every refresh audited" {
	run t mdfeed markets binance
	assert_success
	first=$output
	[ "$(nreq binance exchangeInfo)" -eq 2 ]    # spot and perpetual lists
	run t mdfeed markets binance
	assert_success
	assert_output "$first"                       # the same bytes, fetch time included
	[ "$(nreq binance exchangeInfo)" -eq 2 ]
	run t mdfeed markets binance --refresh
	assert_success
	[ "$(nreq binance exchangeInfo)" -eq 4 ]
	sleep 1
	run t mdfeed markets binance --max-age 1s
	assert_success
	[ "$(nreq binance exchangeInfo)" -eq 6 ]
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'md.markets' AND object = 'venue:binance'")" -eq 3 ]
	run t audit verify -q
	assert_success
}

@test "markets: another endpoint is another cache" {
	run t mdfeed markets gemini
	assert_success
	run t mdfeed markets gemini --endpoint "$FV/gemini/"
	assert_success
	[ "$(nreq gemini /v1/symbols)" -eq 2 ]
}

@test "requests name lyra and its version, accept gzip, and go to the venue's real paths" {
	run t mdfeed markets okx
	assert_success
	run requests okx
	v=$(cat "$LYRA_ROOT/VERSION")
	jq -e -s --arg ua "lyra/$v (+https://github.com/lyra)" '
		length == 2 and all(.[]; .user_agent == $ua and (.accept_encoding | test("gzip")))
		and ([.[].raw] == ["/api/v5/public/instruments?instType=SPOT", "/api/v5/public/instruments?instType=SWAP"])' \
		<<<"$output" >/dev/null || fail "$output"
}

@test "markets: unknown venue names the nearest" {
	run --separate-stderr t mdfeed markets krakn
	[ "$status" -eq 64 ]
	assert_equal "$stderr" "mdfeed: unknown venue 'krakn' (did you mean 'kraken'?)"
	run --separate-stderr t mdfeed markets nasdaq
	[ "$status" -eq 64 ]
	assert_equal "$stderr" "mdfeed: unknown venue 'nasdaq' (venues: binance okx coinbase kraken gateio bitfinex bitstamp gemini)"
}

# ---- snapshot ----

@test "snapshot: a book, bbo and trades from every venue, on the venue's paths" {
	for v in $VENUES; do
		s=${SPOT[$v]}
		run --separate-stderr t mdfeed snapshot "$v" "$s" --depth 3 --bbo --trades 2
		[ "$status" -eq 0 ] || fail "$v: status $status: $stderr"
		run t "$LYRA_BUILD/tools/reccheck" <<<"$output"
		assert_success
		run mdfeed snapshot "$v" "$s" --depth 3 --bbo --trades 2
		jq -e -s --arg v "$v" --arg s "$s" '
			all(.[]; .venue == $v and .symbol == $s and (.ts | type) == "number")
			and .[0].type == "book" and (.[0].bids | length) >= 1 and (.[0].bids | length) <= 3
			and (.[0].asks | length) >= 1 and (.[0].asks | length) <= 3
			and (.[0].bids[0][0] | type) == "string"
			and .[1].type == "bbo"
			and ([.[2:][] | .type] | all(. == "trade")) and (.[2:] | length) >= 1 and (.[2:] | length) <= 2
			and ([.[2:][] | .ts] | . == sort)' <<<"$output" >/dev/null || fail "$v: ${output:0:600}"
	done
	run requests binance
	assert_line --partial '"raw":"/api/v3/depth?symbol=BTCUSDT&limit=3"'
	assert_line --partial '"raw":"/api/v3/ticker/bookTicker?symbol=BTCUSDT"'
	assert_line --partial '"raw":"/api/v3/trades?symbol=BTCUSDT&limit=2"'
	run requests kraken
	assert_line --partial '"path":"/0/public/Depth","query":{"pair":"XBTUSDT"'
}

@test "snapshot: decimals exactly as the venue sent them" {
	run t mdfeed snapshot bitstamp BTC/USD --depth 2
	assert_success
	assert_output --partial '"bids":[["3802.90","0.60000000"],["3802.89","3.23948640"]]'
	run t mdfeed snapshot coinbase BTC/USD --depth 1 --bbo
	assert_success
	assert_line --index 1 '{"type":"bbo","ts":1710328241270099,"venue":"coinbase","symbol":"BTC/USD","bid_px":"73360.34","bid_qty":"0.51210000","ask_px":"73369.19","ask_qty":"0.02000000"}'
}

@test "snapshot: funding for the perpetuals of every venue that has them" {
	for v in "${!PERP[@]}"; do
		run --separate-stderr t mdfeed snapshot "$v" "${PERP[$v]}" --depth 0 --funding
		[ "$status" -eq 0 ] || fail "$v: status $status: $stderr"
		jq -e -s --arg v "$v" --arg s "${PERP[$v]}" '
			length == 1 and .[0].type == "funding" and .[0].venue == $v and .[0].symbol == $s
			and (.[0].rate | test("^-?[0-9]+(\\.[0-9]+)?$")) and (.[0].next_ts | type) == "number"' \
			<<<"$output" >/dev/null || fail "$v: $output"
	done
	run t mdfeed snapshot binance BTC/USDT:USDT --depth 0 --funding
	assert_output '{"type":"funding","ts":1597370495002000,"venue":"binance","symbol":"BTC/USDT:USDT","rate":"0.00038246","next_ts":1597392000000000}'
	run requests binance
	assert_line --partial '"raw":"/fapi/v1/premiumIndex?symbol=BTCUSDT"'
}

@test "snapshot: --funding is refused for spot symbols and venues without perpetuals" {
	run --separate-stderr t mdfeed snapshot binance BTC/USDT --funding
	[ "$status" -eq 64 ]
	assert_equal "$stderr" "mdfeed: --funding: 'BTC/USDT' on binance is spot, not a perpetual"
	run --separate-stderr t mdfeed snapshot kraken BTC/USDT --funding
	[ "$status" -eq 64 ]
	[[ "$stderr" == "mdfeed: --funding: kraken has no perpetuals on its public API"* ]]
}

@test "snapshot: several venues and symbols; venue names of symbols work too" {
	run --separate-stderr t mdfeed snapshot binance,bitstamp BTC/USD --depth 1
	[ "$status" -eq 64 ]                          # binance has no BTC/USD here: nothing is fetched
	[[ "$stderr" == "mdfeed: unknown symbol 'BTC/USD' on binance (did you mean "* ]]
	[ "$(nreq binance depth)" -eq 0 ]
	run t mdfeed snapshot gemini,bitstamp btcusd --depth 1
	assert_success
	jq -e -s '[.[] | [.venue, .symbol, .type]] == [["gemini","BTC/USD","book"],["bitstamp","BTC/USD","book"]]' <<<"$output" >/dev/null
	run t mdfeed snapshot kraken XBTUSDT --depth 1
	assert_success
	assert_output --partial '"symbol":"BTC/USDT"'
}

@test "snapshot: an unknown symbol names the nearest before any request" {
	run --separate-stderr t mdfeed snapshot binance ETH/BTX
	[ "$status" -eq 64 ]
	assert_equal "$stderr" "mdfeed: unknown symbol 'ETH/BTX' on binance (did you mean 'ETH/BTC'?)"
	run --separate-stderr t mdfeed snapshot binance eth/btc --depth 1
	[ "$status" -eq 0 ]
	run --separate-stderr t mdfeed snapshot kraken NOPE/NOPE
	[ "$status" -eq 64 ]
	assert_equal "$stderr" "mdfeed: unknown symbol 'NOPE/NOPE' on kraken (try 'mdfeed markets kraken')"
}

# ---- misbehaviour ----

@test "5xx: retried with backoff, and said so" {
	misbehave '{"venue":"binance","path":"depth","mode":500,"count":2}'
	run --separate-stderr t mdfeed snapshot binance BTC/USDT --depth 1
	assert_success
	assert_output --partial '"type":"book"'
	[ "$(nreq binance /api/v3/depth)" -eq 3 ]
	[[ "$stderr" == *"binance: GET /api/v3/depth: HTTP 500; retrying in "*"(try 2 of 5)"* ]]
	[[ "$stderr" == *"(try 3 of 5)"* ]]
}

@test "5xx for good: venue down, 69, after the retries" {
	misbehave '{"venue":"okx","path":"books","mode":503}'
	run --separate-stderr t mdfeed snapshot okx BTC/USD --retries 2
	[ "$status" -eq 69 ]
	assert_output ""
	[ "$(nreq okx /api/v5/market/books)" -eq 3 ]
	[[ "$stderr" == *"mdfeed: okx: GET /api/v5/market/books: HTTP 503 after 3 tries"* ]]
}

@test "every venue survives two 5xx and fails 69 on a dead one" {
	for v in $VENUES; do
		fv /_reset
		misbehave "{\"venue\":\"$v\",\"mode\":502,\"count\":2,\"after\":0}"
		run --separate-stderr t mdfeed markets "$v" --refresh
		[ "$status" -eq 0 ] || fail "$v: $status $stderr"
		fv /_reset
		misbehave "{\"venue\":\"$v\",\"mode\":500}"
		run --separate-stderr t mdfeed markets "$v" --refresh --retries 0
		[ "$status" -eq 69 ] || fail "$v: $status $stderr"
		[[ "$stderr" == "mdfeed: $v: GET /"*": HTTP 500 after 1 try"* ]] || fail "$v: $stderr"
	done
}

@test "a connection refused is venue down, 69" {
	run --separate-stderr t mdfeed markets binance --endpoint http://127.0.0.1:1 --retries 1
	[ "$status" -eq 69 ]
	[[ "$stderr" == *"mdfeed: binance: GET /api/v3/exchangeInfo: "*"after 2 tries" ]]
}

@test "429 with Retry-After: waits as asked, then goes on" {
	misbehave '{"venue":"kraken","path":"Depth","mode":"429","retry_after":1,"count":1}'
	run --separate-stderr t mdfeed snapshot kraken BTC/USDT --depth 1
	assert_success
	assert_output --partial '"type":"book"'
	[ "$(nreq kraken /0/public/Depth)" -eq 2 ]
	[[ "$stderr" == *"kraken: GET /0/public/Depth: HTTP 429 (rate limited); waiting as Retry-After asks: 1.0 s (try 2 of 5)"* ]]
}

@test "429 with a Retry-After beyond --max-wait: rate limited, 75, no second try" {
	misbehave '{"venue":"gateio","path":"order_book","mode":"429","retry_after":120}'
	run --separate-stderr t mdfeed snapshot gateio BTC/USDT
	[ "$status" -eq 75 ]
	[ "$(nreq gateio order_book)" -eq 1 ]
	assert_equal "$stderr" "mdfeed: gateio: GET /spot/order_book: HTTP 429 (rate limited) with Retry-After 120 s, longer than the 60 s lyra waits"
	misbehave '{"venue":"gateio","path":"order_book","mode":"429","retry_after":2}'
	run --separate-stderr t mdfeed snapshot gateio BTC/USDT --max-wait 1s
	[ "$status" -eq 75 ]
}

@test "429 without end: 75 after the retries" {
	misbehave '{"venue":"bitstamp","path":"order_book","mode":"429","retry_after":0}'
	run --separate-stderr t mdfeed snapshot bitstamp BTC/USD --retries 1
	[ "$status" -eq 75 ]
	[ "$(nreq bitstamp order_book)" -eq 2 ]
	[[ "$stderr" == *"mdfeed: bitstamp: GET /api/v2/order_book/btcusd/: HTTP 429 (rate limited) after 2 tries" ]]
}

@test "418: banned, never retried, 75" {
	misbehave '{"venue":"binance","path":"depth","mode":"418","retry_after":300}'
	run --separate-stderr t mdfeed snapshot binance BTC/USDT
	[ "$status" -eq 75 ]
	[ "$(nreq binance /api/v3/depth)" -eq 1 ]
	assert_equal "$stderr" "mdfeed: binance: GET /api/v3/depth: HTTP 418: the venue has banned this IP address for exceeding its limits (Retry-After 300 s); not retrying"
}

@test "slow: a request beyond --timeout is retried; always slow is 69" {
	misbehave '{"venue":"coinbase","path":"book","mode":"slow","delay":3,"count":1}'
	run --separate-stderr t mdfeed snapshot coinbase BTC/USD --timeout 1s
	assert_success
	assert_output --partial '"type":"book"'
	[ "$(nreq coinbase /book)" -eq 2 ]
	[[ "$stderr" == *"coinbase: GET /products/BTC-USD/book: "*"timed out"*"retrying in"* ]]
	fv /_reset
	misbehave '{"venue":"coinbase","path":"book","mode":"slow","delay":3}'
	run --separate-stderr t mdfeed snapshot coinbase BTC/USD --timeout 500ms --retries 1
	[ "$status" -eq 69 ]
	[[ "$stderr" == *"mdfeed: coinbase: GET /products/BTC-USD/book: "*"timed out"*"after 2 tries" ]]
}

@test "truncated body: detected and retried; always truncated is 69" {
	misbehave '{"venue":"bitfinex","path":"book","mode":"truncate","count":1}'
	run --separate-stderr t mdfeed snapshot bitfinex BTC/USD --depth 5
	assert_success
	assert_output --partial '"type":"book"'
	[ "$(nreq bitfinex /book/)" -eq 2 ]
	[[ "$stderr" == *"bitfinex: GET /book/tBTCUSD/P0: transfer closed with "*"bytes remaining to read; retrying in"* ]]
	fv /_reset
	misbehave '{"venue":"bitfinex","path":"book","mode":"truncate"}'
	run --separate-stderr t mdfeed snapshot bitfinex BTC/USD --retries 1
	[ "$status" -eq 69 ]
}

@test "an HTML page instead of JSON: 69 with a clear message" {
	misbehave '{"venue":"gemini","path":"book","mode":"html","count":1}'
	run --separate-stderr t mdfeed snapshot gemini BTC/USD
	[ "$status" -eq 69 ]
	assert_equal "$stderr" "mdfeed: gemini: GET /v1/book/btcusd: HTTP 200 but an HTML page instead of JSON (a proxy, captive portal or maintenance page, not the venue's API)"
	misbehave '{"venue":"gemini","path":"book","mode":"html","status":403,"count":1}'
	run --separate-stderr t mdfeed snapshot gemini BTC/USD
	[ "$status" -eq 69 ]
	assert_equal "$stderr" "mdfeed: gemini: GET /v1/book/btcusd: HTTP 403 with an HTML page instead of the venue's API (blocked by a proxy or firewall?)"
	misbehave '{"venue":"gemini","path":"book","mode":"502","html":true}'
	run --separate-stderr t mdfeed snapshot gemini BTC/USD --retries 1
	[ "$status" -eq 69 ]
	[[ "$stderr" == *"mdfeed: gemini: GET /v1/book/btcusd: HTTP 502 after 2 tries (an HTML error page)" ]]
}

@test "a malformed payload: 65 naming the venue and the endpoint, on every venue" {
	for v in $VENUES; do
		fv /_reset
		run t mdfeed markets "$v"
		misbehave "{\"venue\":\"$v\",\"mode\":\"malformed\"}"
		run --separate-stderr t mdfeed snapshot "$v" "${SPOT[$v]}"
		[ "$status" -eq 65 ] || fail "$v: $status $stderr"
		[[ "$stderr" == "mdfeed: $v: GET /"*": malformed JSON: "* ]] || fail "$v: $stderr"
	done
}

@test "the venue's own error: 65 with the venue's message, on every venue" {
	declare -A said=([binance]="Invalid symbol." [okx]="Instrument ID does not exist"
		[coinbase]="NotFound" [kraken]="EQuery:Unknown asset pair"
		[gateio]="Invalid currency pair" [bitfinex]="symbol: invalid"
		[bitstamp]="Invalid currency pair" [gemini]="is not a valid symbol")
	for v in $VENUES; do
		fv /_reset
		run t mdfeed markets "$v"
		misbehave "{\"venue\":\"$v\",\"mode\":\"venue-error\"}"
		run --separate-stderr t mdfeed snapshot "$v" "${SPOT[$v]}" --retries 0
		case $v in
		bitfinex) [ "$status" -eq 69 ] || fail "$v: $status $stderr" ;;   # Bitfinex answers 500
		*) [ "$status" -eq 65 ] || fail "$v: $status $stderr" ;;
		esac
		[[ "$stderr" == "mdfeed: $v: GET /"*"${said[$v]}"* ]] || fail "$v: $stderr"
	done
}

@test "a dropped connection is retried" {
	misbehave '{"venue":"okx","path":"ticker","mode":"drop","count":1}'
	run --separate-stderr t mdfeed snapshot okx BTC/USD --depth 0 --bbo
	assert_success
	assert_output --partial '"type":"bbo"'
	[ "$(nreq okx /api/v5/market/ticker)" -eq 2 ]
}

# ---- candles ----

@test "candles: every venue pages through the range, no gaps, no duplicates, oldest first" {
	from=$(ms 2024-01-01T00:00:00Z)
	for v in $VENUES; do
		fv /_reset
		if [ "$v" = gemini ]; then
			# Gemini has no time parameters: one answer with its recent candles
			misbehave "{\"synth\":[$from,$((from + 600000))]}"
		else
			misbehave "{\"synth\":[$from,$((from + 600000))],\"candles_page\":3}"
		fi
		run --separate-stderr t mdfeed candles "$v" "${SPOT[$v]}" --interval 1m --from 2024-01-01 --to 2024-01-01T00:10
		[ "$status" -eq 0 ] || fail "$v: $status $stderr"
		jq -e -s --arg v "$v" --arg s "${SPOT[$v]}" --argjson f "$from" '
			length == 10 and ([.[].ts] == [range(0; 10) | ($f + . * 60000) * 1000])
			and all(.[]; .type == "candle" and .venue == $v and .symbol == $s and .interval == "1m"
			            and (.open | type) == "string" and (.volume | type) == "string")' \
			<<<"$output" >/dev/null || fail "$v: ${output:0:300}"
		run t "$LYRA_BUILD/tools/reccheck" <<<"$output"
		assert_success
		pages=$(nreq "$v" "${CANDLE_PATH[$v]}")
		if [ "$v" = gemini ]; then [ "$pages" -eq 1 ]; else [ "$pages" -ge 4 ] || fail "$v: $pages pages"; fi
	done
}

@test "candles: the venue's paging parameters" {
	from=$(ms 2024-01-01T00:00:00Z)
	misbehave "{\"synth\":[$from,$((from + 600000))],\"candles_page\":4}"
	run t mdfeed candles binance BTC/USDT --interval 1m --from 2024-01-01 --to 2024-01-01T00:10
	assert_success
	run requests binance
	assert_line --index 2 --partial "\"raw\":\"/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=$from&endTime=$((from + 599999))&limit=1000\""
	assert_line --index 3 --partial "startTime=$((from + 240000))&"
	assert_line --index 4 --partial "startTime=$((from + 480000))&"
}

@test "candles: --store keeps them once, and a failed run resumes where it stopped" {
	from=$(ms 2024-01-01T00:00:00Z)
	for v in binance okx kraken bitstamp; do
		rm -f "$LYRA_DB"*
		fv /_reset
		misbehave "{\"synth\":[$from,$((from + 600000))],\"candles_page\":3}"
		misbehave "{\"venue\":\"$v\",\"path\":\"${CANDLE_PATH[$v]}\",\"mode\":503,\"after\":2}"
		run --separate-stderr t mdfeed candles "$v" "${SPOT[$v]}" --interval 1m --from 2024-01-01 --to 2024-01-01T00:10 --store --retries 0
		[ "$status" -eq 69 ] || fail "$v: $status"
		[ "${#lines[@]}" -eq 6 ]
		first=$output
		[[ "$stderr" == *"kept 6 candles in the store; run the same command again to resume"* ]] || fail "$stderr"
		[ "$(sql "SELECT count(*) FROM md_record WHERE type = 'candle'")" -eq 6 ]
		fv /_reset
		misbehave "{\"synth\":[$from,$((from + 600000))],\"candles_page\":3}"
		run --separate-stderr t mdfeed candles "$v" "${SPOT[$v]}" --interval 1m --from 2024-01-01 --to 2024-01-01T00:10 --store
		assert_success
		[[ "$stderr" == *"6 candles already stored; resuming after 2024-01-01T00:05:00Z"* ]] || fail "$stderr"
		[ "${#lines[@]}" -eq 4 ]
		jq -e -s --argjson f "$from" '[.[].ts] == [range(6; 10) | ($f + . * 60000) * 1000]' <<<"$output" >/dev/null
		[ "$(nreq "$v" "${CANDLE_PATH[$v]}")" -eq 2 ]    # only the rest was asked for
		[ "$(sql "SELECT count(*), count(DISTINCT ts) FROM md_record WHERE type = 'candle'")" = "10|10" ]
		# the stored lines are the bytes that were written
		run mdfeed replay --type candle
		assert_output "$first
$(mdfeed candles "$v" "${SPOT[$v]}" --interval 1m --from 2024-01-01T00:06 --to 2024-01-01T00:10)"
		# everything stored: nothing more is fetched or stored
		fv /_reset
		misbehave "{\"synth\":[$from,$((from + 600000))],\"candles_page\":3}"
		run --separate-stderr t mdfeed candles "$v" "${SPOT[$v]}" --interval 1m --from 2024-01-01 --to 2024-01-01T00:10 --store
		assert_success
		assert_output ""
		[ "$(nreq "$v" "${CANDLE_PATH[$v]}")" -eq 0 ]
		[ "$(sql "SELECT count(*) FROM md_record")" -eq 10 ]
	done
	run t audit verify -q
	assert_success
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'md.candles'")" -eq 2 ]
}

@test "candles: an open candle is written but not stored" {
	now=$(( $(date +%s) / 60 * 60 ))
	misbehave "{\"synth\":[$(((now - 180) * 1000)),$(((now + 120) * 1000))]}"
	run --separate-stderr t mdfeed candles bitfinex BTC/USD --interval 1m --from $(((now - 180) * 1000000)) --to $(((now + 60) * 1000000)) --store
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	[ "$(sql "SELECT count(*) FROM md_record")" -eq 3 ]
}

@test "candles: bad intervals and ranges are usage errors" {
	run --separate-stderr t mdfeed candles binance BTC/USDT --interval 2m --from 2024-01-01 --to 2024-01-02
	[ "$status" -eq 64 ]
	assert_equal "$stderr" "mdfeed: --interval: '2m' is not one of 1m 5m 15m 1h 4h 1d"
	run --separate-stderr t mdfeed candles coinbase BTC/USD --interval 4h --from 2024-01-01 --to 2024-01-02
	[ "$status" -eq 64 ]
	assert_equal "$stderr" "mdfeed: --interval: coinbase does not serve 4h candles (it has 1m, 5m, 15m, 1h, 1d)"
	run t mdfeed candles binance BTC/USDT --interval 1m --from 2024-01-02 --to 2024-01-01
	[ "$status" -eq 64 ]
	run t mdfeed candles binance BTC/USDT --interval 1m
	[ "$status" -eq 64 ]
}

@test "candles: no progress bar when stderr is not a terminal" {
	from=$(ms 2024-01-01T00:00:00Z)
	misbehave "{\"synth\":[$from,$((from + 600000))],\"candles_page\":3}"
	run --separate-stderr t mdfeed candles binance BTC/USDT --interval 1m --from 2024-01-01 --to 2024-01-01T00:10
	assert_success
	assert_equal "$stderr" ""
}

@test "candles: a progress bar on a terminal" {
	command -v script >/dev/null || skip "no script(1)"
	from=$(ms 2024-01-01T00:00:00Z)
	misbehave "{\"synth\":[$from,$((from + 600000))],\"candles_page\":3}"
	run t script -qec "mdfeed candles binance BTC/USDT --interval 1m --from 2024-01-01 --to 2024-01-01T00:10 >/dev/null" /dev/null
	assert_success
	assert_output --partial "mdfeed: binance BTC/USDT 1m ["
	assert_output --partial "] 100% 10 candles"
}

# ---- record and replay ----

# capture FILE: market data from every venue (via the fake), shuffled, with duplicates.
capture() {
	for v in $VENUES; do
		mdfeed snapshot "$v" "${SPOT[$v]}" --depth 3 --bbo --trades 5
	done >"$1.a"
	for v in "${!PERP[@]}"; do mdfeed snapshot "$v" "${PERP[$v]}" --depth 0 --funding; done >>"$1.a"
	{ cat "$1.a"; head -3 "$1.a"; printf '%s\n' \
		'{"type":"gap","ts":1700000000000000,"venue":"binance","symbol":"BTC/USDT","reason":"test"}' \
		'{"type":"trade", "ts":1700000000000001 ,"venue":"x","symbol":"A/B","id":"1","side":"buy","px":1.50,"qty":"2"}'; } >"$1"
}

# by_ts: the lines stably sorted by their top-level ts, first copy of each line only.
by_ts() { awk '!seen[$0]++ { match($0, /"ts": *[0-9]+/); t = substr($0, RSTART, RLENGTH); sub(/"ts": */, "", t); printf "%s\t%d\t%s\n", t, NR, $0 }' "$1" | sort -t$'\t' -k1,1n -k2,2n | cut -f3-; }

@test "record then replay gives back exactly what was recorded, in event-time order" {
	capture "$BATS_TEST_TMPDIR/cap"
	n=$(sort -u "$BATS_TEST_TMPDIR/cap" | wc -l)
	run --separate-stderr t mdfeed record "$BATS_TEST_TMPDIR/cap"
	assert_success
	assert_equal "$stderr" "mdfeed: recorded $n records (3 duplicates skipped, 0 rejected)"
	run t mdfeed replay
	assert_success
	assert_output "$(by_ts "$BATS_TEST_TMPDIR/cap")"
	mdfeed replay >"$BATS_TEST_TMPDIR/r1"
	mdfeed replay >"$BATS_TEST_TMPDIR/r2"
	cmp "$BATS_TEST_TMPDIR/r1" "$BATS_TEST_TMPDIR/r2"
	grep -qF '"ts":1700000000000001 ,"venue":"x","symbol":"A/B","id":"1","side":"buy","px":1.50' "$BATS_TEST_TMPDIR/r1"
}

@test "record: the same capture twice adds nothing; one audit entry per transaction" {
	capture "$BATS_TEST_TMPDIR/cap"
	n=$(sort -u "$BATS_TEST_TMPDIR/cap" | wc -l)
	run t mdfeed record --batch 7 "$BATS_TEST_TMPDIR/cap"
	assert_success
	commits=$(( (n + 3 + 6) / 7 ))
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'md.record'")" -le "$commits" ]
	[ "$(sql "SELECT sum(json_extract(details, '$.inserted')) FROM audit WHERE action = 'md.record'")" -eq "$n" ]
	before=$(sql "SELECT count(*) FROM audit")
	run --separate-stderr t mdfeed record <"$BATS_TEST_TMPDIR/cap"
	assert_success
	assert_equal "$stderr" "mdfeed: recorded 0 records ($((n + 3)) duplicates skipped, 0 rejected)"
	[ "$(sql "SELECT count(*) FROM md_record")" -eq "$n" ]
	[ "$(sql "SELECT count(*) FROM audit")" -eq "$before" ]
	run t audit verify -q
	assert_success
}

@test "record: what is not market data is rejected as error records, 65 at the end" {
	printf '%s\n' \
		'{"type":"bbo","ts":5,"venue":"kraken","symbol":"BTC/USD","bid_px":"1","bid_qty":"1","ask_px":"2","ask_qty":"1"}' \
		'{"type":"order","ts":2,"id":"x","venue":"paper","symbol":"BTC/USDT","side":"buy","kind":"limit","qty":"1"}' \
		'not json' \
		'{"type":"trade","ts":3,"venue":"binance","symbol":"BTC/USDT"}' \
		'{"type":"trade","ts":1,"venue":"binance","symbol":"BTC/USDT","id":"1","side":"buy","px":"1","qty":"2"}' \
		>"$BATS_TEST_TMPDIR/in"
	run --separate-stderr t mdfeed record "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 65 ]
	assert_equal "$(jq -r '[.prog, .input, .line, .reason] | @tsv' <<<"$(grep '^{' <<<"$stderr")")" \
		"mdfeed	$BATS_TEST_TMPDIR/in	2	'order' is not market data (mdfeed records book, book_delta, bbo, trade, candle, funding, market, gap, resync, stale, clock_drift)
mdfeed	$BATS_TEST_TMPDIR/in	3	not a JSON object
mdfeed	$BATS_TEST_TMPDIR/in	4	missing field 'id'"
	[[ "$stderr" == *"mdfeed: recorded 2 records (0 duplicates skipped, 3 rejected)" ]]
	run t mdfeed replay
	assert_output '{"type":"trade","ts":1,"venue":"binance","symbol":"BTC/USDT","id":"1","side":"buy","px":"1","qty":"2"}
{"type":"bbo","ts":5,"venue":"kraken","symbol":"BTC/USD","bid_px":"1","bid_qty":"1","ask_px":"2","ask_qty":"1"}'
	rm -f "$LYRA_DB"*
	run --separate-stderr t mdfeed record --strict "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 65 ]
	[ "$(sql "SELECT count(*) FROM md_record")" -eq 1 ]
}

@test "replay: filters by venue, symbol, type and time" {
	capture "$BATS_TEST_TMPDIR/cap"
	t mdfeed record -q "$BATS_TEST_TMPDIR/cap"
	run t mdfeed replay --venue coinbase
	assert_success
	assert_output "$(by_ts "$BATS_TEST_TMPDIR/cap" | grep '"venue":"coinbase"')"
	run t mdfeed replay --venue okx --symbol BTC/USDT:USDT --type funding
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	run t mdfeed replay --from 1700000000000000 --to 1700000000000001
	assert_output '{"type":"gap","ts":1700000000000000,"venue":"binance","symbol":"BTC/USDT","reason":"test"}'
	run --separate-stderr t mdfeed replay --venue binanse
	[ "$status" -eq 64 ]
	assert_equal "$stderr" "mdfeed: unknown venue 'binanse' (did you mean 'binance'?)"
	run t mdfeed replay extra
	[ "$status" -eq 64 ]
}

@test "replay --speed paces by event time and writes the same bytes" {
	printf '%s\n' \
		'{"type":"trade","ts":1000000,"venue":"v","symbol":"A/B","id":"1","side":"buy","px":"1","qty":"1"}' \
		'{"type":"trade","ts":1400000,"venue":"v","symbol":"A/B","id":"2","side":"buy","px":"1","qty":"1"}' \
		'{"type":"trade","ts":3000000,"venue":"v","symbol":"A/B","id":"3","side":"buy","px":"1","qty":"1"}' \
		| t mdfeed record -q
	mdfeed replay --speed max >"$BATS_TEST_TMPDIR/max"
	run t mdfeed replay --speed 10
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/max")"
	run t mdfeed replay --speed 0
	[ "$status" -eq 64 ]
	run t mdfeed replay --speed fast
	[ "$status" -eq 64 ]
}

@test "snapshot | record | replay: the pipeline keeps the bytes" {
	run pipeline "mdfeed snapshot bitstamp,coinbase BTC/USD --bbo --trades 3 | tee '$BATS_TEST_TMPDIR/snap' | mdfeed record -q"
	assert_success
	run t mdfeed replay
	assert_output "$(by_ts "$BATS_TEST_TMPDIR/snap")"
}

@test "record: SIGTERM on a live stream commits what was read" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	mdfeed record <"$BATS_TEST_TMPDIR/fifo" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	exec 4>"$BATS_TEST_TMPDIR/fifo"
	echo '{"type":"trade","ts":1,"venue":"v","symbol":"A/B","id":"1","side":"buy","px":"1","qty":"1"}' >&4
	for _ in $(seq 50); do [ -s "$LYRA_DB" ] && break; sleep 0.1; done
	sleep 0.3
	kill -TERM "$pid"
	wait "$pid"
	exec 4>&-
	[ "$(sql "SELECT count(*) FROM md_record")" -eq 1 ]
	grep -q "recorded 1 records" "$BATS_TEST_TMPDIR/err"
}

@test "--metrics: records and requests counted" {
	run t mdfeed snapshot binance BTC/USDT --bbo --metrics "$BATS_TEST_TMPDIR/m.prom"
	assert_success
	grep -qx 'lyra_mdfeed_records_total{prog="mdfeed"} 2' "$BATS_TEST_TMPDIR/m.prom"
	grep -q '^lyra_mdfeed_http_requests_total{prog="mdfeed",venue="binance"} [0-9]' "$BATS_TEST_TMPDIR/m.prom"
}

@test "--metrics: record gives the event time of the newest market data, not of notices" {
	{
		echo '{"type":"trade","ts":7000000,"venue":"v","symbol":"A/B","id":"1","side":"buy","px":"1","qty":"1"}'
		echo '{"type":"trade","ts":5000000,"venue":"v","symbol":"A/B","id":"2","side":"buy","px":"1","qty":"1"}'
		echo '{"type":"stale","ts":9000000,"venue":"v","symbol":"A/B","last_ts":7000000}'
	} > "$BATS_TEST_TMPDIR/in.ndjson"
	run t mdfeed record -q --metrics "$BATS_TEST_TMPDIR/m.prom" "$BATS_TEST_TMPDIR/in.ndjson"
	assert_success
	grep -qx 'lyra_mdfeed_last_record_timestamp_seconds{prog="mdfeed"} 7' "$BATS_TEST_TMPDIR/m.prom"
	grep -qx 'lyra_mdfeed_records_stored_total{prog="mdfeed"} 3' "$BATS_TEST_TMPDIR/m.prom"
	run t mdfeed replay --from 6000000 --metrics "$BATS_TEST_TMPDIR/r.prom"
	assert_success
	grep -qx 'lyra_mdfeed_last_record_timestamp_seconds{prog="mdfeed"} 7' "$BATS_TEST_TMPDIR/r.prom"
	run t mdfeed replay --to 6000000 --metrics "$BATS_TEST_TMPDIR/r.prom"
	grep -qx 'lyra_mdfeed_last_record_timestamp_seconds{prog="mdfeed"} 5' "$BATS_TEST_TMPDIR/r.prom"
}
