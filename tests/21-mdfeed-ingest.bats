#!/usr/bin/env bats
# mdfeed ingest: real recorded WebSocket traffic of the eight venues (tests/fixtures/ws/, from
# cryptofeed's captures) normalised to records with validated local books: no false gap on the
# good captures (Kraken: all 4,269 checksums; OKX: all 290), and every injected fault (missed
# message, corrupted checksum, crossed book, sequence gap) gives a gap, then a resync when the
# venue's next snapshot comes.

load helper

WS=$FIXTURES/ws

# merge FILE...: capture lines of several files in receive-time order (REST snapshots and
# WebSocket diffs recorded side by side), as one stream.
merge() {
	awk '{ t = $0
		if (t ~ /^http/) sub(/^[^ ]* -> /, "", t); else if (t ~ /^wss?:/) sub(/^[^ ]* <-?>? /, "", t)
		split(t, a, ":"); printf "%s\t%s\n", a[1], $0 }' "$@" | sort -s -t"$(printf '\t')" -k1,1g | cut -f2-
}

# counts FILE: "type count" lines of a record stream.
counts() { jq -r .type "$1" | sort | uniq -c | awk '{ print $2, $1 }' | tr '\n' ' '; }

ingest_ok() {   # ingest_ok VENUE FILE EXPECTED_COUNTS EXPECTED_NOTE
	run --separate-stderr t mdfeed ingest "$1" "$2"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out"
	assert_equal "$(counts "$BATS_TEST_TMPDIR/out")" "$3"
	assert_equal "$stderr" "mdfeed: ingest $1: $4"
	run t "$LYRA_BUILD/tools/reccheck" "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
}

@test "kraken: 10 books, all 4,269 checksums match, no gap" {
	ingest_ok kraken "$WS/KRAKEN.ws.50.0" "book 10 book_delta 4269 " \
		"4279 messages, 4269 checksums verified, 0 gaps, 0 resyncs"
	run jq -c 'select(.type == "book") | [.symbol, (.bids | length), (.asks | length)]' "$BATS_TEST_TMPDIR/out"
	assert_line '["XMR/USD",20,20]'
	# --depth 0: the whole subscribed depth in book records
	run pipeline "mdfeed -q ingest --depth 0 kraken '$WS/KRAKEN.ws.50.0' | jq -c 'select(.type == \"book\") | [.symbol, (.bids | length), (.asks | length)]'"
	[ "$status" -eq 0 ]
	assert_line '["XMR/USD",654,429]'
	assert_line '["ADA/BTC",707,841]'
}

@test "okx: all 290 checksums match, tickers and trades normalised" {
	ingest_ok okx "$WS/OKX.ws.1.0" "bbo 28 book 3 book_delta 287 trade 74 " \
		"392 messages, 290 checksums verified, 0 gaps, 0 resyncs"
	run jq -c 'select(.type == "book") | .symbol' "$BATS_TEST_TMPDIR/out"
	assert_output $'"BTC/USD:BTC-220527"\n"UNI/USD:UNI"\n"BTC/USDT"'
	run jq -c 'select(.type == "trade")' "$BATS_TEST_TMPDIR/out"
	assert_line --index 0 '{"type":"trade","ts":1652459199958000,"venue":"okx","symbol":"BTC/USD:BTC-220527","id":"7849","side":"buy","px":"30218.8","qty":"1","recv_ts":1652459225507075}'
}

@test "binance: REST snapshot + buffered diffs by lastUpdateId and U/u, no gap" {
	merge "$WS/BINANCE.http.0.0" "$WS/BINANCE.ws.1.0" >"$BATS_TEST_TMPDIR/in"
	ingest_ok binance "$BATS_TEST_TMPDIR/in" "bbo 84 book 4 book_delta 172 trade 2 " \
		"269 messages, 0 checksums verified, 0 gaps, 0 resyncs"
	run jq -c 'select(.type == "book_delta") | .seq' "$BATS_TEST_TMPDIR/out"
	assert_line --index 0 499869754
}

@test "coinbase, gemini, gateio, bitstamp, bitfinex: real captures without a gap or a crossed book" {
	ingest_ok coinbase "$WS/COINBASE.ws.28.0.head1200" "book 10 book_delta 1137 trade 23 " \
		"1193 messages, 0 checksums verified, 0 gaps, 0 resyncs"
	ingest_ok gemini "$WS/GEMINI.ws.1.0" "book 10 book_delta 645 trade 16 " \
		"671 messages, 0 checksums verified, 0 gaps, 0 resyncs"
	merge "$WS/GATEIO.http.0.0" "$WS/GATEIO.ws.1.0" >"$BATS_TEST_TMPDIR/gate"
	ingest_ok gateio "$BATS_TEST_TMPDIR/gate" "book 10 book_delta 159 trade 9 " \
		"191 messages, 0 checksums verified, 0 gaps, 0 resyncs"
	merge "$WS/BITSTAMP.http.0.0" "$WS/BITSTAMP.ws.1.0" >"$BATS_TEST_TMPDIR/bts"
	ingest_ok bitstamp "$BATS_TEST_TMPDIR/bts" "book 10 book_delta 615 trade 10 " \
		"737 messages, 0 checksums verified, 0 gaps, 0 resyncs"
	ingest_ok bitfinex "$WS/BITFINEX.ws.11.0" "bbo 21 book 7 book_delta 1593 trade 210 " \
		"1628 messages, 0 checksums verified, 0 gaps, 0 resyncs"
}

@test "kraken: a corrupted checksum is a gap; the next snapshot brings a resync" {
	# corrupt the 100th checksum, then reconnect and resend that pair's snapshot
	awk '/"c":"/ && ++n == 100 { sub(/"c":"[0-9]*"/, "\"c\":\"12345\"") } { print }' \
		"$WS/KRAKEN.ws.50.0" >"$BATS_TEST_TMPDIR/in"
	pair=$(grep '"c":"' "$WS/KRAKEN.ws.50.0" | sed -n 100p | grep -o '"[A-Z]*/[A-Z]*"]$' | tr -d '"]')
	{ echo "wss://ws.kraken.com <-> 1618678200.0"
	  grep -F "\"book-1000\",\"$pair\"]" "$WS/KRAKEN.ws.50.0" | grep -F '"as":' | head -1; } >>"$BATS_TEST_TMPDIR/in"
	run --separate-stderr t mdfeed ingest kraken "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out"
	run jq -c 'select(.type == "gap" or .type == "resync") | [.type, .symbol, .reason, .expected]' "$BATS_TEST_TMPDIR/out"
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} == '["gap","'"${pair/XBT/BTC}"'","checksum mismatch: venue 12345, local book '*'",12345]' ]]
	[[ ${lines[1]} == '["resync","'"${pair/XBT/BTC}"'","new snapshot after gap",null]' ]]
	# the gap's symbol emits no delta between the gap and the resync
	run jq -r --arg s "${pair/XBT/BTC}" 'select(.symbol == $s) | .type' "$BATS_TEST_TMPDIR/out"
	run bash -c "printf '%s\n' \"\$0\" | sed -n '/^gap\$/,/^resync\$/p' | sort -u | tr '\n' ' '" "$output"
	assert_output "gap resync "
	[[ $stderr == *", 1 gaps, 1 resyncs" ]]
}

@test "okx: a corrupted checksum and a corrupted size are gaps" {
	awk '/"checksum":/ && ++n == 50 { sub(/"checksum":-?[0-9]*/, "\"checksum\":7") } { print }' \
		"$WS/OKX.ws.1.0" >"$BATS_TEST_TMPDIR/in"
	run t mdfeed -q ingest okx "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	run jq -c 'select(.type == "gap") | [.reason[0:35], .expected]' <<<"$output"
	assert_output '["checksum mismatch: venue 7, local b",7]'
	# a size changed in an update (the venue's checksum no longer matches)
	awk '/"action":"update"/ && ++n == 10 { sub(/"bids":\[\["[0-9.]*","/, "&9") } { print }' \
		"$WS/OKX.ws.1.0" >"$BATS_TEST_TMPDIR/in2"
	run t mdfeed -q ingest okx "$BATS_TEST_TMPDIR/in2"
	[ "$status" -eq 0 ]
	run jq -r 'select(.type == "gap") | .type' <<<"$output"
	assert_output gap
}

@test "binance: a dropped diff is a sequence gap with expected and got" {
	merge "$WS/BINANCE.http.0.0" "$WS/BINANCE.ws.1.0" | awk '/"s":"NKNUSDT","U"/ && ++n == 20 { next } { print }' >"$BATS_TEST_TMPDIR/in"
	run t mdfeed -q ingest binance "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	run jq -c 'select(.type == "gap") | [.symbol, .reason, .expected, .got]' <<<"$output"
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} =~ ^\[\"NKN/USDT\",\"sequence\ gap:\ expected\ U\ ([0-9]+),\ got\ ([0-9]+)\",([0-9]+),([0-9]+)\]$ ]]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[3]}" ]
	[ "${BASH_REMATCH[2]}" -gt "${BASH_REMATCH[1]}" ]
}

@test "bitfinex: a dropped message is a connection sequence gap for every book" {
	awk '/^[0-9.]*: \[225206,\[[0-9]/ && ++n == 5 { next } { print }' "$WS/BITFINEX.ws.11.0" >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr t mdfeed ingest bitfinex "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	run jq -r 'select(.type == "gap") | .reason' <<<"$output"
	[ "${#lines[@]}" -ge 1 ]
	[[ ${lines[0]} == "sequence gap: expected "* ]]
}

@test "coinbase: a crossing update is a gap, the next snapshot a resync" {
	{ echo '1.0: {"type":"snapshot","product_id":"BTC-USD","bids":[["100.00","1"]],"asks":[["101.00","2"]]}'
	  echo '2.0: {"type":"l2update","product_id":"BTC-USD","changes":[["buy","101.50","1"]],"time":"2021-04-17T16:43:37.075687Z"}'
	  echo '3.0: {"type":"l2update","product_id":"BTC-USD","changes":[["buy","99","1"]],"time":"2021-04-17T16:43:38Z"}'
	  echo '4.0: {"type":"snapshot","product_id":"BTC-USD","bids":[["100.00","1"]],"asks":[["101.00","2"]]}'
	} >"$BATS_TEST_TMPDIR/in"
	run t mdfeed -q ingest coinbase "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	run jq -c '[.type, .reason, .recv_ts]' <<<"$output"
	assert_output '["book",null,1000000]
["book_delta",null,2000000]
["gap","crossed book: bid 101.50 >= ask 101.00",2000000]
["resync","new snapshot after gap",4000000]
["book",null,4000000]'
}

@test "ingest reads stdin, rejects bad lines as error records (65), stops with --strict" {
	run --separate-stderr t mdfeed ingest kraken <<<'{"event":"heartbeat"}
not json
[1,{"a":[]},"book-10"]'
	[ "$status" -eq 65 ]
	assert_equal "$output" ""
	run jq -r 'select(.type == "error") | [.line, .reason] | @tsv' <<<"$(grep '^{' <<<"$stderr")"
	assert_line --index 0 --partial $'2\tkraken: not JSON'
	assert_line --index 1 $'3\tkraken: malformed message: kraken channel message without channel name and pair'
	run --separate-stderr t mdfeed ingest --strict kraken <<<'x
y'
	[ "$status" -eq 65 ]
	[ "$(grep -c '"type":"error"' <<<"$stderr")" -eq 1 ]
}

@test "ingest: usage errors and --metrics" {
	run t mdfeed ingest
	[ "$status" -eq 64 ]
	run t mdfeed ingest nosuchvenue
	[ "$status" -eq 64 ]
	run t mdfeed ingest kraken a b
	[ "$status" -eq 64 ]
	run t mdfeed ingest kraken "$BATS_TEST_TMPDIR/missing"
	[ "$status" -eq 66 ]
	run t mdfeed --metrics "$BATS_TEST_TMPDIR/m.prom" -q ingest okx "$WS/OKX.ws.1.0"
	[ "$status" -eq 0 ]
	run grep -E '^lyra_mdfeed_(checksums|gaps|ws_messages)_total' "$BATS_TEST_TMPDIR/m.prom"
	assert_output 'lyra_mdfeed_ws_messages_total{prog="mdfeed",venue="okx"} 392
lyra_mdfeed_checksums_total{prog="mdfeed",venue="okx"} 290'
	# the newest ts among the capture's bbo, book, book_delta and trade records: 1652459236119000 us
	grep -qx 'lyra_mdfeed_last_record_timestamp_seconds{prog="mdfeed"} 1652459236' "$BATS_TEST_TMPDIR/m.prom"
}
