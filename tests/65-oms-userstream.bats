#!/usr/bin/env bats
# oms's user streams: tests/fakeexchange.py with its private WebSocket (tests/fakeuserstream.py)
# checks the venue's real authentication (Binance's signed userDataStream.subscribe.signature,
# OKX's login, Gate's signed subscriptions, Kraken's REST token, Bitfinex's auth event,
# Bitstamp's websockets_token on per-pair private channels, Gemini's signed handshake headers,
# Coinbase's signed per-product user-channel subscriptions) and
# pushes fills in the venue's own format. Each fill must be stored once and
# written once, whether it comes by the stream, by REST, or by both; a stream that drops
# reconnects, and REST fills the gap.

load helper
load fakex

setup() {
	fakex_setup s3cret-test wrong-secret Pass-1
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	exec 7>&- 2>/dev/null || true
	[ -z "${OMS_PID:-}" ] || { kill "$OMS_PID" 2>/dev/null || true; wait "$OMS_PID" 2>/dev/null || true; }
	fakex_teardown
}

sql() { sqlite3 "$LYRA_DB" "$1" 2>/dev/null; }

# until SQL answers WANT (10 s at most)
await() {
	local i
	for i in $(seq 100); do [ "$(sql "$1")" = "$2" ] && return 0; sleep 0.1; done
	echo "waited in vain for '$1' = '$2' (got '$(sql "$1")')" >&2
	return 1
}

# until the fake's log has LINE N times (10 s at most)
await_log() {
	local i
	for i in $(seq 100); do [ "$(grep -c "^userstream: $1\$" fake.err)" -ge "$2" ] && return 0; sleep 0.1; done
	echo "waited in vain for '$1' x$2 in the fake's log" >&2
	cat fake.err >&2
	return 1
}

ws() { t curl -sf -X POST "$URL/_fake/ws" -d "$1" > /dev/null; }
fill() { t curl -sf -X POST "$URL/_fake/fill" -d "{\"clientId\":\"${2:-P1}\",\"qty\":\"$1\",\"px\":\"42000\"}" > /dev/null; }

# run_oms VENUE [options]: oms on the live input fifo `feed` (written through fd 7)
run_oms() {
	local venue=$1
	shift
	mkfifo feed
	exec 7<>feed
	oms --venue "$venue" --keys "$KEYS" --endpoint "$URL" --ws-endpoint "$WS_URL" "$@" \
		< feed > out.ndjson 2> err.txt 7>&- &
	OMS_PID=$!
}

# end the input and wait for oms
end_oms() {
	exec 7>&-
	wait "$OMS_PID"
	OMS_PID=
}

fills_out() { jq -r 'select(.type=="fill") | "\(.trade_id) \(.qty)"' out.ndjson; }

@test "binance: a signed stream subscription; fills pushed on it stored once; a dropped stream reconnects and REST fills the gap" {
	start_ws binance
	# with the stream up, REST asks only every hour: what arrives in time came by the stream
	run_oms binance --resync 1h
	printf '{"type":"order","ts":1001,"id":"P1","venue":"binance","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"0.01000"}\n' >&7
	await "SELECT status FROM orders WHERE id='P1'" acked
	await_log "binance auth ok" 1
	fill 0.002
	await "SELECT filled_qty FROM orders WHERE id='P1'" 0.00200000
	# the stream drops and cannot come back at once; a fill happens in the gap
	ws '{"drop":true,"refuse":true}'
	fill 0.003
	ws '{"refuse":false}'
	# back up: open orders are asked for by REST, which finds the gap's fill (and 5001 again)
	await_log "binance auth ok" 2
	await "SELECT filled_qty FROM orders WHERE id='P1'" 0.00500000
	fill 0.001
	await "SELECT filled_qty FROM orders WHERE id='P1'" 0.00600000
	end_oms
	run fills_out
	assert_output "$(printf '5001 0.00200000\n5002 0.00300000\n5003 0.00100000')"
	[ "$(sql "SELECT group_concat(trade_id || ':' || qty, ' ') FROM order_fills ORDER BY trade_id")" = \
		"5001:0.00200000 5002:0.00300000 5003:0.00100000" ]
	run jq -r 'select(.type=="order_event") | "\(.status) \(.filled_qty // "")"' out.ndjson
	assert_output "$(printf 'new \nacked 0.00000000\npartially_filled 0.00200000\npartially_filled 0.00500000\npartially_filled 0.00600000')"
	[ "$(grep -c 'binance: user stream up' err.txt)" -eq 2 ]
	[ "$(grep -c '^userstream: pushed trade 500[13]$' fake.err)" -eq 2 ]
	run t audit verify -q
	assert_success
}

@test "okx: login checked, fills on the orders channel stored once, also when REST has them first" {
	start_ws okx
	run_oms okx --resync 1h
	printf '{"type":"order","ts":1001,"id":"P1","venue":"okx","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.0","qty":"0.01000"}\n' >&7
	await "SELECT status FROM orders WHERE id='P1'" acked
	await_log "okx auth ok" 1
	await_log "subscribed 1" 1
	fill 0.002
	await "SELECT filled_qty FROM orders WHERE id='P1'" 0.002
	# the venue's message about the next fill is late: the connection drops before it arrives,
	# REST finds the fill on reconnecting, then the stream delivers it anyway
	ws '{"hold":true}'
	fill 0.003
	ws '{"drop":true}'
	await_log "subscribed 2" 1
	await "SELECT filled_qty FROM orders WHERE id='P1'" 0.005
	ws '{"hold":false}'
	fill 0.005
	await "SELECT status FROM orders WHERE id='P1'" filled
	end_oms
	run fills_out
	assert_output "$(printf '5001 0.002\n5002 0.003\n5003 0.005')"
	[ "$(sql "SELECT count(*) FROM order_fills")" -eq 3 ]
	[ "$(jq -r 'select(.type=="order_event") | .status' out.ndjson | tail -1)" = filled ]
	# every fill also went out on the stream (the late 5002 after REST had it)
	[ "$(grep -c '^userstream: pushed trade 500[123]$' fake.err)" -eq 3 ]
	[ "$(grep -c '^userstream: okx auth ok$' fake.err)" -eq 2 ]
}

@test "a venue refusing the stream's signature: oms says why and keeps to REST polling" {
	start_ws binance
	# the key the fake knows, but a secret it does not: REST refuses too, so only the stream's
	# refusal is looked at here
	t oms --venue binance --keys "$BAD" --endpoint "$URL" --ws-endpoint "$WS_URL" --resync 1h \
		< <(echo '{"type":"signal","ts":3,"kind":"x","symbol":"s","value":"1"}'; sleep 1.5) \
		> out.ndjson 2> err.txt || true
	run cat err.txt
	assert_output --partial "user stream not up: binance: user data stream refused: Signature for this request is not valid. (-1022"
	assert_output --partial "next attempt in 1 s"
	[ "$(grep -c '^userstream: binance auth refused' fake.err)" -ge 1 ]
}

# stream_once VENUE ID SYMBOL QTY F1 F2 F3 SUM12 [oms options]: one order ID on the venue's
# stream; a fill F1 by the stream; a fill F2 whose stream message is held back while the
# connection drops, so REST finds it when the stream comes back and the stream then delivers it
# too; a fill F3 that completes the order. Each fill must be stored and written exactly once.
stream_once() {
	local venue=$1 id=$2 symbol=$3 qty=$4 f1=$5 f2=$6 f3=$7 sum12=$8
	shift 8
	start_ws "$venue"
	# a venue whose documented path fakex.bash does not know (WS_PATH: gemini's)
	[ -z "${WS_PATH:-}" ] || WS_URL="${WS_URL%/}$WS_PATH"
	run_oms "$venue" --resync 1h "$@"
	printf '{"type":"order","ts":1001,"id":"%s","venue":"%s","symbol":"%s","side":"buy","kind":"limit","px":"42000","qty":"%s"}\n' \
		"$id" "$venue" "$symbol" "$qty" >&7
	await "SELECT status FROM orders WHERE id='$id'" acked
	await_log "$venue auth ok" 1
	# DERIVED: the venue knows the order by a client id oms derived from the lyra id
	local cid=$id
	[ -z "${DERIVED:-}" ] || cid=$(fake_orders | awk 'NR == 1 { print $1 }')
	[ -n "$cid" ]
	fill "$f1" "$cid"
	await "SELECT filled_qty + 0 FROM orders WHERE id='$id'" "$f1"
	ws '{"hold":true}'
	fill "$f2" "$cid"
	ws '{"drop":true}'
	await_log "$venue auth ok" 2
	await "SELECT filled_qty + 0 FROM orders WHERE id='$id'" "$sum12"
	ws '{"hold":false}'
	fill "$f3" "$cid"
	await "SELECT status FROM orders WHERE id='$id'" filled
	end_oms
	[ "$(sql "SELECT count(*) FROM order_fills")" -eq 3 ]
	[ "$(jq -r 'select(.type=="order_event") | .status' out.ndjson | tail -1)" = filled ]
	# every fill also went out on the stream (the held one after REST had it)
	[ "$(grep -c '^userstream: pushed trade 500[123]$' fake.err)" -eq 3 ]
	[ "$(grep -c "^userstream: $venue auth ok\$" fake.err)" -eq 2 ]
	[ "$(grep -c "$venue: user stream up" err.txt)" -eq 2 ]
}

@test "gateio: signed spot.orders and spot.usertrades subscriptions; fills stored once, also when REST has them first" {
	stream_once gateio c-1 BTC/USDT 0.0100 0.002 0.003 0.005 0.005
	run fills_out
	assert_output "$(printf '5001 0.002\n5002 0.003\n5003 0.005')"
}

@test "kraken: executions with a REST token; fills stored once, also when REST has them first" {
	# Kraken's secret is base64
	fakex_setup czNjcmV0LXRlc3Qtc2VjcmV0LWJ5dGVz d3Jvbmctc2VjcmV0
	stream_once kraken k1 BTC/USDT 0.01 0.002 0.003 0.005 0.005
	run fills_out
	assert_output "$(printf 'T5001-FAKE-KRKN 0.002\nT5002-FAKE-KRKN 0.003\nT5003-FAKE-KRKN 0.005')"
}

@test "bitfinex: auth event signed; tu trades stored once, also when REST has them first" {
	# a lyra id that is not an integer: Bitfinex knows the order by a derived cid, and the
	# stream's events are matched to it by the venue's order id
	DERIVED=1 stream_once bitfinex bfx-1 BTC/USD 0.01 0.002 0.003 0.005 0.005
	run fills_out
	assert_output "$(printf '5001 0.002\n5002 0.003\n5003 0.005')"
}

@test "bitstamp: websockets_token then per-pair private channels; a pair placed on the fly is subscribed; fills stored once" {
	# the stream opens (a heartbeat) before the order exists: its pair is subscribed on the fly
	stream_once bitstamp b-1 BTC/USD 0.01 0.002 0.003 0.005 0.005
	run fills_out
	assert_output "$(printf '5001 0.002\n5002 0.003\n5003 0.005')"
	# each connection subscribed both channels of btcusd (a token from websockets_token/)
	[ "$(grep -c '^userstream: subscribed' fake.err)" -eq 2 ]
	! grep -q '^userstream: bitstamp auth refused' fake.err
}

@test "gemini: order events with the signed X-GEMINI handshake headers; fills stored once, also when REST has them first" {
	WS_PATH=/v1/order/events stream_once gemini g-1 BTC/USD 0.01 0.002 0.003 0.005 0.005
	run fills_out
	assert_output "$(printf '5001 0.002\n5002 0.003\n5003 0.005')"
	! grep -q '^userstream: gemini auth refused' fake.err
}

@test "gemini: a handshake signed with the wrong secret is refused; oms keeps to REST polling" {
	start_ws gemini
	t oms --venue gemini --keys "$BAD" --endpoint "$URL" --ws-endpoint "${WS_URL%/}/v1/order/events" \
		--resync 1h < <(echo '{"type":"signal","ts":3,"kind":"x","symbol":"s","value":"1"}'; sleep 1.2) \
		> out.ndjson 2> err.txt || true
	run cat err.txt
	assert_output --partial "gemini: user stream not up"
	assert_output --partial "400"
	[ "$(grep -c '^userstream: gemini auth refused: InvalidSignature' fake.err)" -ge 1 ]
}

@test "coinbase: signed user-channel subscription per product; a match's fill (fee) read by REST; fills stored once" {
	# Coinbase's secret is base64; the id a UUID v4, so it is the client_oid itself
	fakex_setup czNjcmV0LXRlc3Qtc2VjcmV0LWJ5dGVz d3Jvbmctc2VjcmV0 Pass-1
	stream_once coinbase 0f8fad5b-d9cb-469f-a165-70867728950e BTC/USD 0.01 0.002 0.003 0.005 0.005
	run fills_out
	assert_output "$(printf '5001 0.002\n5002 0.003\n5003 0.005')"
	# one user-channel subscription of BTC-USD per connection, each signed as the fake checks
	[ "$(grep -c '^userstream: subscribed' fake.err)" -eq 2 ]
	! grep -q '^userstream: coinbase auth refused' fake.err
}
