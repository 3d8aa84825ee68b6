#!/usr/bin/env bats
# mdfeed watch against both fakes on 127.0.0.1: the WebSocket venue (tests/wsfake.py, replaying
# real captures with each venue's subscription protocol) and the REST venue (tests/fakevenue.py,
# serving the book snapshots recorded beside those captures). Binance, Gate and Bitstamp books
# start from a REST snapshot and buffered diffs, and end equal to what `mdfeed ingest` makes of
# the same capture; a gap in one symbol resynchronises that symbol alone; clock drift records;
# a long run with reconnects keeps its memory.

load helper
eval "helper_$(declare -f setup)"

WS=$FIXTURES/ws

setup_file() {
	python3 "$BATS_TEST_DIRNAME/wsfake.py" --port-file "$BATS_FILE_TMPDIR/ws.port" >/dev/null \
		2>"$BATS_FILE_TMPDIR/ws.log" 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/ws.pid"
	python3 "$BATS_TEST_DIRNAME/fakevenue.py" --port-file "$BATS_FILE_TMPDIR/fv.port" >/dev/null \
		2>"$BATS_FILE_TMPDIR/fv.log" 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/fv.pid"
	for _ in $(seq 100); do
		[ -s "$BATS_FILE_TMPDIR/ws.port" ] && [ -s "$BATS_FILE_TMPDIR/fv.port" ] && break
		sleep 0.1
	done
	[ -s "$BATS_FILE_TMPDIR/ws.port" ] && [ -s "$BATS_FILE_TMPDIR/fv.port" ]
}

teardown_file() {
	kill "$(cat "$BATS_FILE_TMPDIR/ws.pid")" "$(cat "$BATS_FILE_TMPDIR/fv.pid")" 2>/dev/null || true
}

setup() {
	helper_setup
	WSURL=ws://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/ws.port")
	FV=http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/fv.port")
	curl -sf -o /dev/null "$FV/_reset" -d ''
	for v in binance gateio bitstamp; do
		export "LYRA_${v^^}_URL=$FV/$v"
		curl -sf -o /dev/null "$FV/_control" -d "{\"venue\":\"$v\",\"books_from\":\"$WS/${v^^}.http.0.0\"}"
	done
}

# watch_until VENUE FAKEPATH JQ_COUNT N ARGS...: mdfeed watch against the fakes until its output
# holds N records selected by JQ_COUNT (or 20 s pass), then SIGINT; output in $BATS_TEST_TMPDIR/out,
# standard error in $BATS_TEST_TMPDIR/err, the exit status in $status.
watch_until() {
	local venue=$1 path=$2 sel=$3 n=$4 pid
	shift 4
	export "LYRA_${venue^^}_WS_URL=$WSURL$path"
	mdfeed watch "$venue" "$@" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	for _ in $(seq 200); do
		[ "$(jq -c "select($sel)" "$BATS_TEST_TMPDIR/out" 2>/dev/null | wc -l)" -ge "$n" ] && break
		sleep 0.1
	done
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
}

# books FILE SYMBOL: the symbol's book and book_delta records without the receive-time fields
# (a REST snapshot's book is stamped with its receive time).
books() {
	jq -c --arg s "$2" 'select(.symbol == $s and (.type == "book" or .type == "book_delta"))
		| del(.recv_ts) | if .type == "book" then del(.ts) else . end' "$1"
}

# merge FILE...: capture lines of several files in receive-time order, as 21-mdfeed-ingest.bats.
merge() {
	awk '{ t = $0
		if (t ~ /^http/) sub(/^[^ ]* -> /, "", t); else if (t ~ /^wss?:/) sub(/^[^ ]* <-?>? /, "", t)
		split(t, a, ":"); printf "%s\t%s\n", a[1], $0 }' "$@" | sort -s -t"$(printf '\t')" -k1,1g | cut -f2-
}

# same_books VENUE SYMBOL...: watch's books equal ingest's of the same capture, symbol by symbol.
same_books() {
	local venue=$1 s
	shift
	merge "$WS/${venue^^}.http.0.0" "$WS/${venue^^}.ws.1.0" | mdfeed -q ingest "$venue" >"$BATS_TEST_TMPDIR/ingest"
	for s in "$@"; do
		[ "$(books "$BATS_TEST_TMPDIR/ingest" "$s" | wc -l)" -gt 1 ] || fail "$venue $s: nothing to compare"
		diff <(books "$BATS_TEST_TMPDIR/ingest" "$s") <(books "$BATS_TEST_TMPDIR/out" "$s") ||
			fail "$venue $s: watch's book differs from ingest's"
	done
}

@test "watch binance: SUBSCRIBE, REST depth snapshot, buffered diffs by lastUpdateId and U/u" {
	# NKN/USDT: 149 diffs after its snapshot, BLZ/ETH 9 (as ingest counts them)
	watch_until binance /replay/binance '.type == "book_delta"' 158 NKN/USDT BLZ/ETH --stale 1h
	[ "$status" -eq 0 ]
	run jq -r '[.symbol, .type] | @tsv' "$BATS_TEST_TMPDIR/out"
	assert_equal "$(sort <<<"$output" | uniq -c | awk '{ print $2, $3, $1 }' | tr '\n' ' ')" \
		"BLZ/ETH bbo 1 BLZ/ETH book 1 BLZ/ETH book_delta 9 BLZ/ETH clock_drift 1 NKN/USDT bbo 74 NKN/USDT book 1 NKN/USDT book_delta 149 NKN/USDT clock_drift 1 NKN/USDT trade 1 "
	same_books binance NKN/USDT BLZ/ETH
	grep -q 'subscribe {"method":"SUBSCRIBE","params":\["nknusdt@depth@100ms","blzeth@depth@100ms","nknusdt@bookTicker","blzeth@bookTicker","nknusdt@aggTrade","blzeth@aggTrade"\],"id":1}' "$BATS_FILE_TMPDIR/ws.log"
	# one snapshot per symbol, the documented request
	run bash -c "curl -sf '$FV/_requests' | jq -r 'select(.venue == \"binance\") | .raw' | sort"
	assert_output $'/api/v3/depth?symbol=BLZETH&limit=5000\n/api/v3/depth?symbol=NKNUSDT&limit=5000'
	run t "$LYRA_BUILD/tools/reccheck" "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
}

@test "watch gateio and bitstamp: REST snapshots with id / microtimestamp, books equal ingest's" {
	watch_until gateio /replay/gateio '.type == "book_delta"' 86 NEO/BTC OMG/USDT --stale 1h
	[ "$status" -eq 0 ]
	same_books gateio NEO/BTC OMG/USDT
	[ "$(jq -c 'select(.type == "trade")' "$BATS_TEST_TMPDIR/out" | wc -l)" -eq 5 ]
	grep -Eq 'subscribe \{"time":[0-9]+,"channel":"spot.order_book_update","event":"subscribe","payload":\["NEO_BTC","100ms"\]\}' "$BATS_FILE_TMPDIR/ws.log"
	curl -sf "$FV/_requests" | jq -r 'select(.venue == "gateio") | .raw' | grep -qx '/spot/order_book?currency_pair=NEO_BTC&limit=100&with_id=true'
	# usdtusd: the unified symbol is the one asked for (USDT/USD), not a guess from the name
	watch_until bitstamp /replay/bitstamp '.type == "book_delta"' 198 ETH/USD XRP/EUR USDT/USD --stale 1h
	[ "$status" -eq 0 ]
	same_books bitstamp ETH/USD XRP/EUR
	diff <(books "$BATS_TEST_TMPDIR/ingest" USD/TUSD | sed 's,USD/TUSD,USDT/USD,') <(books "$BATS_TEST_TMPDIR/out" USDT/USD)
	grep -q 'subscribe {"event":"bts:subscribe","data":{"channel":"diff_order_book_ethusd"}}' "$BATS_FILE_TMPDIR/ws.log"
	[[ $(cat "$BATS_TEST_TMPDIR/err") == *"watch bitstamp: 242 messages, 0 checksums verified, 0 gaps, 0 resyncs, 0 reconnects" ]]
}

@test "per-symbol resync: a binance gap fetches that symbol's snapshot alone, the other streams on" {
	# drop NKN/USDT's 20th diff; its second snapshot is a fresh one (lastUpdateId past the
	# capture's last diff), the first the recorded one
	last=$(grep -o '"s":"NKNUSDT","U":[0-9]*,"u":[0-9]*' "$WS/BINANCE.ws.1.0" | tail -1 | sed 's/.*"u"://')
	body=$(grep 'symbol=NKNUSDT' "$WS/BINANCE.http.0.0" | sed 's/^[^{]*//' | jq -c --argjson u "$last" '.lastUpdateId = $u')
	curl -sf -o /dev/null "$FV/_control" -d "{\"venue\":\"binance\",\"path\":\"/depth\",\"query\":\"symbol=NKNUSDT\",\"mode\":\"json\",\"after\":1,\"body\":$body}"
	# the fake's drop=N counts market-data lines of the filtered stream: find that diff's number
	drop=$(grep -E '^[0-9.]+: ' "$WS/BINANCE.ws.1.0" | grep -Ev '"stream":"[a-z]+@kline|"stream":"(lrcbtc|runeeur)@' |
		grep -n '"s":"NKNUSDT","U"' | sed -n 20p | cut -d: -f1)
	[ -n "$drop" ]
	watch_until binance "/replay/binance?drop=$drop" '.type == "resync"' 1 NKN/USDT BLZ/ETH --stale 1h
	[ "$status" -eq 0 ]
	run jq -c 'select(.type == "gap" or .type == "resync") | [.type, .symbol, .reason[0:22]]' "$BATS_TEST_TMPDIR/out"
	assert_output '["gap","NKN/USDT","sequence gap: expected"]
["resync","NKN/USDT","new snapshot after gap"]'
	# BLZ/ETH untouched: all its diffs, no gap, no resync, no reconnect
	[ "$(jq -c 'select(.symbol == "BLZ/ETH" and .type == "book_delta")' "$BATS_TEST_TMPDIR/out" | wc -l)" -eq 9 ]
	grep -q 'mdfeed: binance: NKNUSDT: book gap; fetching a new snapshot' "$BATS_TEST_TMPDIR/err"
	[[ $(tail -1 "$BATS_TEST_TMPDIR/err") == *" 1 gaps, 1 resyncs, 0 reconnects" ]]
	# NKN/USDT: diffs 2 to 19 before the gap (the first is older than the snapshot), then the
	# fresh book and nothing older after it
	run jq -r 'select(.symbol == "NKN/USDT" and (.type | test("book|gap|resync"))) | .type' "$BATS_TEST_TMPDIR/out"
	assert_equal "$(uniq -c <<<"$output" | awk '{ print $2, $1 }' | tr '\n' ' ')" \
		"book 1 book_delta 18 gap 1 resync 1 book 1 "
	run bash -c "curl -sf '$FV/_requests' | jq -r 'select(.venue == \"binance\") | .query.symbol' | sort | uniq -c | awk '{ print \$2, \$1 }' | tr '\n' ' '"
	assert_output "BLZETH 1 NKNUSDT 2 "
}

@test "per-symbol resync: a kraken checksum failure resubscribes that pair's book alone" {
	watch_until kraken "/replay/kraken?corrupt=100" '.type == "resync"' 1 XMR/USD ADA/BTC --stale 1h
	[ "$status" -eq 0 ]
	run jq -c 'select(.type == "gap" or .type == "resync") | [.type, .symbol, .reason[0:22]]' "$BATS_TEST_TMPDIR/out"
	assert_output '["gap","XMR/USD","checksum mismatch: ven"]
["resync","XMR/USD","new snapshot after gap"]'
	grep -q 'sent {"event":"unsubscribe","pair":\["XMR/USD"\],"subscription":{"name":"book","depth":25}}' "$BATS_FILE_TMPDIR/ws.log"
	grep -q 'sent {"event":"subscribe","pair":\["XMR/USD"\],"subscription":{"name":"book","depth":25}}' "$BATS_FILE_TMPDIR/ws.log"
	[[ $(tail -1 "$BATS_TEST_TMPDIR/err") == *" 1 gaps, 1 resyncs, 0 reconnects" ]]
	# the other pairs: every delta of the capture, no resync (ADA/BTC has 347)
	[ "$(jq -c 'select(.symbol == "ADA/BTC" and .type == "book_delta")' "$BATS_TEST_TMPDIR/out" | wc -l)" -eq 347 ]
	[ "$(jq -c 'select(.symbol != "XMR/USD" and (.type == "gap" or .type == "resync"))' "$BATS_TEST_TMPDIR/out" | wc -l)" -eq 0 ]
}

@test "clock_drift: once when venue time leaves --max-drift, once when it is back" {
	{ echo '100.0: {"type":"snapshot","product_id":"BTC-USD","bids":[["100.00","1"]],"asks":[["101.00","2"]]}'
	  echo '100.5: {"type":"l2update","product_id":"BTC-USD","changes":[["buy","99","1"]],"time":"1970-01-01T00:01:40Z"}'
	  echo '107.0: {"type":"l2update","product_id":"BTC-USD","changes":[["buy","98","1"]],"time":"1970-01-01T00:01:41Z"}'
	  echo '108.0: {"type":"l2update","product_id":"BTC-USD","changes":[["buy","97","1"]],"time":"1970-01-01T00:01:42Z"}'
	  echo '109.0: {"type":"l2update","product_id":"BTC-USD","changes":[["buy","96","1"]],"time":"1970-01-01T00:01:48Z"}'
	} >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr t mdfeed ingest coinbase "$BATS_TEST_TMPDIR/in" --max-drift 5s --metrics "$BATS_TEST_TMPDIR/m.prom"
	[ "$status" -eq 0 ]
	run jq -c 'select(.type == "clock_drift")' <<<"$output"
	assert_output '{"type":"clock_drift","ts":107000000,"venue":"coinbase","symbol":"BTC/USD","state":"over","drift":6000000,"max_drift":5000000,"venue_ts":101000000,"recv_ts":107000000}
{"type":"clock_drift","ts":109000000,"venue":"coinbase","symbol":"BTC/USD","state":"within","drift":1000000,"max_drift":5000000,"venue_ts":108000000,"recv_ts":109000000}'
	grep -qx 'lyra_mdfeed_clock_drifts_total{prog="mdfeed",venue="coinbase"} 1' "$BATS_TEST_TMPDIR/m.prom"
	# ingest does not check without --max-drift
	run t mdfeed -q ingest coinbase "$BATS_TEST_TMPDIR/in"
	refute_output --partial clock_drift
	run t "$LYRA_BUILD/tools/reccheck" <<<'{"type":"clock_drift","ts":1,"venue":"v","symbol":"s","state":"over","drift":-7,"max_drift":5,"venue_ts":8}'
	[ "$status" -eq 0 ]
}

@test "a long run: 200,000 deltas over 4 connections, memory flat between checkpoints, no leak" {
	# plain build: resident memory after 100,000 deltas and after 200,000 within 1 MiB;
	# sanitizer build: LeakSanitizer checks at exit (a leak fails the exit status)
	export LYRA_COINBASE_WS_URL="$WSURL/synth/coinbase?n=200000&every=50000"
	mdfeed watch coinbase BTC/USD --channels book --stale 1h >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	rss1= rss2=
	for _ in $(seq 600); do
		n=$(grep -c '"book_delta"' "$BATS_TEST_TMPDIR/out" || true)
		[ -z "$rss1" ] && [ "$n" -ge 100000 ] && rss1=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
		[ "$n" -ge 200000 ] && { rss2=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"); break; }
		sleep 0.1
	done
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/err" >&2; fail "status $status"; }
	[ "$(grep -c '"book_delta"' "$BATS_TEST_TMPDIR/out")" -eq 200000 ]
	[ "$(grep -c '"type":"book"' "$BATS_TEST_TMPDIR/out")" -eq 4 ]
	grep -q '"type":"gap"' "$BATS_TEST_TMPDIR/out" && fail "a gap"
	[[ $(tail -1 "$BATS_TEST_TMPDIR/err") == *" 0 gaps, 0 resyncs, 3 reconnects" ]]
	if [[ $LYRA_BUILD != */san ]]; then
		echo "VmRSS $rss1 kB -> $rss2 kB" >&3
		[ "$((rss2 - rss1))" -le 1024 ]
	fi
}
