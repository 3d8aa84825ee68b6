#!/usr/bin/env bats
# lib/ws.c, the RFC 6455 client mdfeed's live streams are to run on, against a python3
# standard-library WebSocket server on 127.0.0.1 (tests/wsfake.py) through the test tool wscat:
# handshake and Sec-WebSocket-Accept check, masking (the fake refuses unmasked frames),
# fragmentation with a control frame inside, ping/pong, 64-bit lengths, close codes both ways.

load helper
eval "helper_$(declare -f setup)"

setup_file() {
	local pf="$BATS_FILE_TMPDIR/ws.port"
	python3 "$BATS_TEST_DIRNAME/wsfake.py" --port-file "$pf" >/dev/null 2>"$BATS_FILE_TMPDIR/ws.log" 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/ws.pid"
	for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.1; done
	[ -s "$pf" ]
}

teardown_file() {
	kill "$(cat "$BATS_FILE_TMPDIR/ws.pid")" 2>/dev/null || true
}

setup() {
	helper_setup
	WSURL=ws://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/ws.port")
}

wscat() { t "$LYRA_BUILD/tools/wscat" "$@"; }

@test "messages echo, fragments are reassembled around a ping, pings are answered" {
	run wscat "$WSURL/echo" hello "" "frag:abcdefghijklmnopqrstuvwxyz" ping
	[ "$status" -eq 0 ]
	assert_output "msg 5 hello
msg 0 
msg 26 abcdefghijklmnopqrstuvwxyz
msg 7 pong ok
timeout"
}

@test "a fragmented message trickling in across many short receive timeouts is kept whole" {
	run wscat --step 10 "$WSURL/echo" "slow:abcdefghijklmnopqrstuvwxyz"
	[ "$status" -eq 0 ]
	assert_output "msg 26 abcdefghijklmnopqrstuvwxyz
timeout"
}

@test "the server's close code is reported and the close answered with it" {
	run wscat "$WSURL/echo" "close:4001"
	[ "$status" -eq 0 ]
	assert_output "close 4001"
	for _ in $(seq 20); do grep -q "client close 4001" "$BATS_FILE_TMPDIR/ws.log" && break; sleep 0.1; done
	grep -q "client close 4001" "$BATS_FILE_TMPDIR/ws.log"
	grep -q "unmasked" "$BATS_FILE_TMPDIR/ws.log" && fail "a client frame was not masked"
	true
}

@test "a 70000-byte message (64-bit length) then a normal close" {
	run wscat "$WSURL/big"
	[ "$status" -eq 0 ]
	assert_output "msg 70000 $(printf 'x%.0s' $(seq 60))
close 1000"
}

@test "refusals: masked server frame, wrong accept key, no 101, nothing listening" {
	run --separate-stderr wscat "$WSURL/masked"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "wscat: WebSocket protocol error: masked frame from the server"
	run --separate-stderr wscat "$WSURL/badaccept"
	[ "$status" -eq 65 ]
	[[ $stderr == "wscat: cannot open WebSocket '$WSURL/badaccept': Sec-WebSocket-Accept '"*"' does not match the key (want '"*"')" ]]
	run --separate-stderr wscat "$WSURL/notws"
	[ "$status" -eq 65 ]
	assert_equal "$stderr" "wscat: cannot open WebSocket '$WSURL/notws': HTTP status 404, not 101"
	run --separate-stderr wscat ws://127.0.0.1:1/x
	[ "$status" -eq 69 ]
	run --separate-stderr wscat http://127.0.0.1:1/x
	[ "$status" -eq 64 ]
}

# watch VENUE FAKEPATH SECONDS ARGS...: mdfeed watch against the fake for SECONDS, then SIGINT.
watch() {
	local venue=$1 path=$2 secs=$3
	shift 3
	export "LYRA_${venue^^}_WS_URL=$WSURL$path"
	run --separate-stderr timeout --preserve-status -s INT "$secs" mdfeed watch "$venue" "$@"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out"
}

@test "watch kraken: books kept with every checksum, stale records when the stream stalls" {
	watch kraken /replay/kraken 4 XMR/USD ADA/BTC --stale 1500ms
	[ "$status" -eq 0 ]
	run jq -r .type "$BATS_TEST_TMPDIR/out"
	[ "$(grep -c '^book_delta$' <<<"$output")" -eq 4269 ]
	run jq -c 'select(.type == "stale") | .symbol' "$BATS_TEST_TMPDIR/out"
	assert_output $'"XMR/USD"\n"ADA/BTC"'
	assert_equal "$stderr" "mdfeed: watch kraken: 4279 messages, 4269 checksums verified, 0 gaps, 0 resyncs, 0 reconnects"
	grep -q 'subscribe {"event":"subscribe","pair":\["XMR/USD","ADA/XBT"\],"subscription":{"name":"book","depth":25}}' "$BATS_FILE_TMPDIR/ws.log"
	run t "$LYRA_BUILD/tools/reccheck" "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
}

@test "watch: a corrupted checksum is a gap; subscribing to that book again brings a resync" {
	watch kraken "/replay/kraken?corrupt=100" 4 XMR/USD --stale 1h --metrics "$BATS_TEST_TMPDIR/m.prom"
	[ "$status" -eq 0 ]
	run jq -c 'select(.type == "gap" or .type == "resync") | [.type, .reason[0:25]]' "$BATS_TEST_TMPDIR/out"
	assert_output '["gap","checksum mismatch: venue "]
["resync","new snapshot after gap"]'
	[[ $stderr == *"mdfeed: kraken: XMR/USD: book gap; subscribing to its book again"* ]]
	[[ $stderr == *" 1 gaps, 1 resyncs, 0 reconnects" ]]
	grep -q '^lyra_mdfeed_reconnects_total' "$BATS_TEST_TMPDIR/m.prom" && fail "a reconnect"
	grep -q '^lyra_mdfeed_gaps_total{prog="mdfeed",venue="kraken"} 1$' "$BATS_TEST_TMPDIR/m.prom"
	grep -q '^lyra_mdfeed_clock_drifts_total{prog="mdfeed",venue="kraken"} 10$' "$BATS_TEST_TMPDIR/m.prom"
	grep -Eq '^lyra_mdfeed_lag_seconds\{prog="mdfeed",venue="kraken"\} [0-9]+\.[0-9]{6}$' "$BATS_TEST_TMPDIR/m.prom"
}

@test "watch: the venue closes (1001); reconnect with backoff, books again, no gap" {
	watch kraken "/replay/kraken?close=1000" 5 XMR/USD --stale 1h
	[ "$status" -eq 0 ]
	[[ $stderr == *"mdfeed: kraken: closed by the venue (1001); reconnecting"* ]]
	[[ $stderr == *" 0 gaps, 0 resyncs, 1 reconnects" ]]
	run jq -r 'select(.type == "book") | .type' "$BATS_TEST_TMPDIR/out"
	[ "${#lines[@]}" -eq 20 ]
}

@test "watch: a refused connection is retried with backoff; okx drop is a checksum gap" {
	watch okx "/replay/okx?refuse=1&drop=29" 4 BTC/USDT --stale 1h
	[ "$status" -eq 0 ]
	[[ $stderr == "mdfeed: okx: cannot open WebSocket '$WSURL/replay/okx?refuse=1&drop=29': HTTP status 503, not 101; retrying in "* ]]
	run jq -r 'select(.type == "gap") | .reason[0:17]' "$BATS_TEST_TMPDIR/out"
	assert_output "checksum mismatch"
}

@test "watch: usage errors" {
	run t mdfeed watch kraken
	[ "$status" -eq 64 ]
	run --separate-stderr t mdfeed watch binance BTC/USDT:USDT
	[ "$status" -eq 64 ]
	assert_equal "$stderr" "mdfeed: cannot stream 'BTC/USDT:USDT' from binance: give a spot symbol BASE/QUOTE"
	run t mdfeed watch kraken BTC/USD --max-drift soon
	[ "$status" -eq 64 ]
	run t mdfeed watch kraken BTC/USD --channels book,candles
	[ "$status" -eq 64 ]
	run t mdfeed watch kraken BTC/USD:USD
	[ "$status" -eq 64 ]
}
