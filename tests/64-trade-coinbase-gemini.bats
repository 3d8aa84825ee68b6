#!/usr/bin/env bats
# 64-trade-coinbase-gemini: lib/trade.c's Coinbase Exchange and Gemini adapters against
# tests/fakeexchange.py (plugins tests/fakeexchange_coinbase.py, tests/fakeexchange_gemini.py),
# through tests/tools/tradecli: every call, the client-side refusals, and each scripted fault.

load helper
load fakex

setup() {
	# Coinbase decodes its secret from base64 ("secret-key-for-lyra-tests")
	fakex_setup c2VjcmV0LWtleS1mb3ItbHlyYS10ZXN0cw== d3JvbmctdGVzdC1zZWNyZXQ= Pass-1
}

teardown() { fakex_teardown; }

C1=1985ca2d-61ef-49f1-bfce-6c39d8462914
C2=2b0c8f6e-3d4a-4e5f-9a6b-7c8d9e0f1a2b
C3=3c1d9a7f-4e5b-4f60-8b7c-8d9e0f1a2b3c
BUY_C='{"id":"'$C1'","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.5"}'
BUY_G='{"id":"g-1","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.5"}'

@test "coinbase: place, query, open, fill, fills, cancel, balances, time" {
	start coinbase
	run t "$CLI" coinbase "$URL" "$KEYS" time
	assert_success
	assert_line '{"rc":0}'
	run t "$CLI" coinbase "$URL" "$KEYS" place "$BUY_C"
	assert_success
	assert_line '{"kind":"order","id":"'$C1'","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"acked","px":"42000","qty":"0.5","filled_qty":"0","avg_px":"0"}'
	run t "$CLI" coinbase "$URL" "$KEYS" open BTC/USD
	assert_success
	assert_line --partial '"id":"'$C1'","venue_order_id":"1001"'
	run t "$CLI" coinbase "$URL" "$KEYS" amend BTC/USD "$C1" px=41000.00
	assert_failure 1
	assert_line --partial '"error":"unsupported"'
	run t curl -sf -X POST "$URL/_fake/fill" -d '{"clientId":"'$C1'","qty":"0.1","px":"42000"}'
	assert_success
	run t "$CLI" coinbase "$URL" "$KEYS" query BTC/USD "$C1"
	assert_success
	assert_line --partial '"status":"partially_filled","px":"42000","qty":"0.5","filled_qty":"0.1","avg_px":"42000"'
	run t "$CLI" coinbase "$URL" "$KEYS" fills BTC/USD 0
	assert_success
	assert_line '{"kind":"fill","id":"","venue_order_id":"1001","trade_id":"5001","symbol":"BTC/USD","side":"buy","liquidity":"maker","px":"42000","qty":"0.1","fee":"0.0000000000000000","fee_ccy":"USD"}'
	run t "$CLI" coinbase "$URL" "$KEYS" cancel BTC/USD "$C1"
	assert_success
	assert_line '{"kind":"order","id":"'$C1'","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"cancelled","px":"42000","qty":"0.5","filled_qty":"0.1","avg_px":"42000"}'
	run t "$CLI" coinbase "$URL" "$KEYS" cancel BTC/USD "$C1"
	assert_failure 1
	assert_line '{"rc":1,"error":"unknown_order","code":"","message":"Order already done","http":400}'
	run t "$CLI" coinbase "$URL" "$KEYS" query BTC/USD "$C2"
	assert_failure 1
	assert_line '{"rc":1,"error":"unknown_order","code":"","message":"NotFound","http":404}'
	# 0.1 BTC bought at 42000 = 4200 USD spent, nothing left on hold
	run t "$CLI" coinbase "$URL" "$KEYS" balances
	assert_success
	assert_line '{"kind":"balance","asset":"BTC","free":"10.1","total":"10.1"}'
	assert_line '{"kind":"balance","asset":"USD","free":"95800","total":"95800"}'
	run fake_orders
	assert_output "$C1 canceled 0.1"
}

@test "coinbase: a cancelled order without fills is purged; kinds; refusals mapped; nothing sent for bad ids" {
	start coinbase
	run t "$CLI" coinbase "$URL" "$KEYS" place "$BUY_C"
	assert_success
	run t "$CLI" coinbase "$URL" "$KEYS" cancel BTC/USD "$C1"
	assert_success
	assert_line '{"kind":"order","id":"'$C1'","venue_order_id":"","symbol":"BTC/USD","side":"","order_kind":"","tif":"","status":"cancelled","px":"0","qty":"0","filled_qty":"0","avg_px":"0"}'
	run t "$CLI" coinbase "$URL" "$KEYS" query BTC/USD "$C1"
	assert_failure 1
	assert_line --partial '"error":"unknown_order","code":"","message":"NotFound"'
	# post-only that would take: the venue rejects it (status rejected)
	run t "$CLI" coinbase "$URL" "$KEYS" place '{"id":"'$C2'","symbol":"BTC/USD","side":"buy","kind":"post_only","px":"44000.00","qty":"0.5"}'
	assert_success
	assert_line --partial '"order_kind":"post_only","tif":"GTC","status":"rejected"'
	run t "$CLI" coinbase "$URL" "$KEYS" place '{"id":"'$C3'","symbol":"BTC/USD","side":"sell","kind":"stop_limit","px":"40000.00","stop_px":"40100.00","qty":"0.5"}'
	assert_success
	assert_line --partial '"side":"sell","order_kind":"stop_limit","tif":"GTC","status":"acked","px":"40000","qty":"0.5"'
	run t "$CLI" coinbase "$URL" "$KEYS" place '{"id":"4d2e0b8a-5f6c-4a71-9c8d-9e0f1a2b3c4d","symbol":"BTC/USD","side":"buy","kind":"market","qty":"0.01"}'
	assert_success
	assert_line --partial '"order_kind":"market","tif":"IOC","status":"filled","px":"0","qty":"0.01","filled_qty":"0.01","avg_px":"43000"'
	run t "$CLI" coinbase "$URL" "$KEYS" place '{"id":"5e3f1c9b-6a7d-4b82-ad9e-0f1a2b3c4d5e","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"100"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"insufficient_balance","code":"","message":"Insufficient funds","http":400}'
	run t "$CLI" coinbase "$URL" "$KEYS" place '{"id":"6f4a2d0c-7b8e-4c93-be0f-1a2b3c4d5e6f","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.00005"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"min_size","code":"","message":"size is too small. Minimum size is 0.0001","http":400}'
	# a lyra id that is not a UUID v4 goes as the UUID v4 made from it (SHA-256 of "lyra:" + id),
	# and answers about the order come back under the lyra id
	run t "$CLI" coinbase "$URL" "$KEYS" place '{"id":"c-1","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.01"}'
	assert_success
	assert_line --partial '{"kind":"order","id":"c-1",'
	grep -q '"b978a74b-71c2-42b0-8ea8-b83166a71d3d"' "$BATS_TEST_TMPDIR/state.json"
	run t "$CLI" coinbase "$URL" "$KEYS" query BTC/USD c-1
	assert_success
	assert_line --partial '{"kind":"order","id":"c-1",'
	run t "$CLI" coinbase "$URL" "$KEYS" place '{"id":"8b6c4f2e-9d0a-4eb5-8021-3c4d5e6f7081","symbol":"BTC/USD","side":"sell","kind":"stop","stop_px":"40000.00","qty":"0.01"}'
	assert_failure 1
	assert_line --partial '"error":"unsupported","code":"","message":"order '"'"'8b6c4f2e-9d0a-4eb5-8021-3c4d5e6f7081'"'"': Coinbase Exchange takes stop orders as stop-limit only'
	run t "$CLI" coinbase "$URL" "$KEYS" place '{"id":"9c7d5a3f-0e1b-4fc6-9132-4d5e6f708192","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.005","qty":"0.01"}'
	assert_failure 1
	assert_line --partial '"error":"precision"'
	run fake_orders
	assert_output "$C1 canceled 0
$C2 rejected 0
$C3 new 0
4d2e0b8a-5f6c-4a71-9c8d-9e0f1a2b3c4d filled 0.01
b978a74b-71c2-42b0-8ea8-b83166a71d3d new 0"
}

@test "coinbase: skew then sync, 429, bad secret" {
	start coinbase --fault skew:45000 --fault http-429:2
	run t "$CLI" coinbase "$URL" "$KEYS" place "$BUY_C"
	assert_failure 3
	assert_line '{"rc":-1,"error":"clock","code":"","message":"request timestamp expired","http":401}'
	run t "$CLI" --sync coinbase "$URL" "$KEYS" place "$BUY_C"
	assert_success
	assert_line --partial '"status":"acked"'
	run t "$CLI" --sync coinbase "$URL" "$KEYS" place '{"id":"'$C2'","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.5"}'
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"rate_limit","code":""'
	assert_line --partial 'Private rate limit exceeded'
	run t "$CLI" --sync coinbase "$URL" "$BAD" balances
	assert_failure 3
	assert_line '{"rc":-1,"error":"auth","code":"","message":"invalid signature","http":401}'
	run fake_orders
	assert_output "$C1 new 0"
}

@test "coinbase: timeout and 500 after accept are uncertain; the query finds the order; partial-then-cancel" {
	start coinbase --fault timeout-after-accept:1 --fault http-500-after-accept:2 \
		--fault partial-then-cancel --hold-s 4
	run t "$CLI" --timeout-ms 1000 coinbase "$URL" "$KEYS" place "$BUY_C"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain"'
	run t "$CLI" coinbase "$URL" "$KEYS" query BTC/USD "$C1"
	assert_success
	assert_line '{"kind":"order","id":"'$C1'","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"cancelled","px":"42000","qty":"0.5","filled_qty":"0.25","avg_px":"42000"}'
	run t "$CLI" coinbase "$URL" "$KEYS" place '{"id":"'$C2'","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.5"}'
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain","code":"","message":'
	run t "$CLI" coinbase "$URL" "$KEYS" query BTC/USD "$C2"
	assert_success
	assert_line --partial '"id":"'$C2'","venue_order_id":"1002"'
}

@test "gemini: place, query, open, fill, fills, cancel, balances, time" {
	start gemini
	run t "$CLI" gemini "$URL" "$KEYS" time
	assert_success
	assert_line '{"kind":"clock","offset_ms":0}'
	run t "$CLI" gemini "$URL" "$KEYS" place "$BUY_G"
	assert_success
	assert_line '{"kind":"order","id":"g-1","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"acked","px":"42000","qty":"0.5","filled_qty":"0","avg_px":"0"}'
	run t "$CLI" gemini "$URL" "$KEYS" open BTC/USD
	assert_success
	assert_line --partial '"id":"g-1","venue_order_id":"1001"'
	run t "$CLI" gemini "$URL" "$KEYS" amend BTC/USD g-1 qty=0.4
	assert_failure 1
	assert_line --partial '"error":"unsupported"'
	run t curl -sf -X POST "$URL/_fake/fill" -d '{"clientId":"g-1","qty":"0.1","px":"42000"}'
	assert_success
	run t "$CLI" gemini "$URL" "$KEYS" query BTC/USD g-1
	assert_success
	assert_line --partial '"status":"partially_filled","px":"42000","qty":"0.5","filled_qty":"0.1","avg_px":"42000"'
	run t "$CLI" gemini "$URL" "$KEYS" fills BTC/USD 0
	assert_success
	assert_line '{"kind":"fill","id":"g-1","venue_order_id":"1001","trade_id":"5001","symbol":"BTC/USD","side":"buy","liquidity":"maker","px":"42000","qty":"0.1","fee":"0","fee_ccy":"USD"}'
	run t "$CLI" gemini "$URL" "$KEYS" cancel BTC/USD g-1
	assert_success
	assert_line '{"kind":"order","id":"g-1","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"cancelled","px":"42000","qty":"0.5","filled_qty":"0.1","avg_px":"42000"}'
	run t "$CLI" gemini "$URL" "$KEYS" cancel BTC/USD g-1
	assert_failure 1
	assert_line --partial '"rc":1,"error":"unknown_order","code":"","message":"order '"'"'g-1'"'"' is no longer open at Gemini (cancelled)'
	run t "$CLI" gemini "$URL" "$KEYS" query BTC/USD never
	assert_failure 1
	assert_line '{"rc":1,"error":"unknown_order","code":"OrderNotFound","message":"Order with client_order_id never not found","http":404}'
	run t "$CLI" gemini "$URL" "$KEYS" balances
	assert_success
	assert_line '{"kind":"balance","asset":"BTC","free":"10.1","total":"10.1"}'
	assert_line '{"kind":"balance","asset":"USD","free":"95800","total":"95800"}'
	run fake_orders
	assert_output 'g-1 canceled 0.1'
}

@test "gemini: kinds and options, refusals mapped, nothing sent for bad ids, market and stop" {
	start gemini
	run t "$CLI" gemini "$URL" "$KEYS" place '{"id":"g-2","symbol":"BTC/USD","side":"buy","kind":"post_only","px":"44000.00","qty":"0.5"}'
	assert_success
	assert_line --partial '"order_kind":"post_only","tif":"GTC","status":"cancelled","px":"44000","qty":"0.5","filled_qty":"0"'
	run t "$CLI" gemini "$URL" "$KEYS" place '{"id":"g-3","symbol":"BTC/USD","side":"sell","kind":"stop_limit","px":"40000.00","stop_px":"40100.00","qty":"0.5"}'
	assert_success
	assert_line --partial '"order_kind":"stop_limit","tif":"GTC","status":"acked"'
	run t "$CLI" gemini "$URL" "$KEYS" place '{"id":"g-4","symbol":"BTC/USD","side":"buy","kind":"limit","px":"44000.00","qty":"0.01","tif":"IOC"}'
	assert_success
	assert_line --partial '"order_kind":"limit","tif":"IOC","status":"filled","px":"44000","qty":"0.01","filled_qty":"0.01","avg_px":"44000"'
	run t "$CLI" gemini "$URL" "$KEYS" place '{"id":"g-5","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.01","tif":"FOK"}'
	assert_success
	assert_line --partial '"order_kind":"limit","tif":"FOK","status":"cancelled"'
	run t "$CLI" gemini "$URL" "$KEYS" place '{"id":"g-6","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"100"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"insufficient_balance","code":"InsufficientFunds","message":"Failed to place buy order on symbol '"'"'BTCUSD'"'"' for price $42000.00 and quantity 100 BTC due to insufficient funds","http":406}'
	run t "$CLI" gemini "$URL" "$KEYS" place '{"id":"g-7","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.000001"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"min_size","code":"InvalidQuantity","message":"Invalid quantity for symbol BTCUSD: 0.000001 (minimum 0.00001)","http":400}'
	run t "$CLI" gemini "$URL" "$KEYS" place '{"id":"g 8","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.1"}'
	assert_failure 1
	assert_line --partial '"error":"rejected","code":"","message":"client order id '"'"'g 8'"'"' has '"'"' '"'"'; Gemini allows only letters, digits and : - _ . # (not sent)"'
	run t "$CLI" gemini "$URL" "$KEYS" place '{"id":"g-9","symbol":"BTC/USD","side":"buy","kind":"market","qty":"0.1"}'
	assert_failure 1
	assert_line --partial '"error":"unsupported","code":"","message":"order '"'"'g-9'"'"': Gemini'"'"'s API has no market orders'
	run t "$CLI" gemini "$URL" "$KEYS" place '{"id":"g-10","symbol":"BTC/USD","side":"buy","kind":"stop_limit","px":"42000.00","stop_px":"42100.00","qty":"0.1"}'
	assert_failure 1
	assert_line --partial '"error":"rejected","code":"","message":"order '"'"'g-10'"'"': Gemini wants a buy stop-limit'"'"'s stop_px below its px (not sent)"'
	run t "$CLI" gemini "$URL" "$KEYS" place '{"id":"g-11","symbol":"BTC/USD","side":"buy","kind":"post_only","px":"42000.00","qty":"0.1","tif":"IOC"}'
	assert_failure 1
	assert_line --partial '"error":"unsupported"'
	run fake_orders
	assert_output 'g-2 canceled 0
g-3 new 0
g-4 filled 0.01
g-5 expired 0'
}

@test "gemini: a nonce already passed is a clock refusal; 429; bad secret; 500 and timeout after accept" {
	start gemini --fault skew:3000 --fault http-429:1 --fault http-500-after-accept:2 \
		--fault timeout-after-accept:3 --hold-s 4
	# the key already used a nonce 3 s ahead: refused until lyra's clock passes it
	run t "$CLI" gemini "$URL" "$KEYS" balances
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"clock","code":"InvalidNonce","message":"Nonce '"'"
	assert_line --partial "has not increased since your last call to the Gemini API.\",\"http\":400}"
	sleep 3.5
	run t "$CLI" gemini "$URL" "$KEYS" place "$BUY_G"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"rate_limit","code":"RateLimit"'
	run t "$CLI" gemini "$URL" "$KEYS" place "$BUY_G"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain","code":"System"'
	run t "$CLI" gemini "$URL" "$KEYS" query BTC/USD g-1
	assert_success
	assert_line --partial '"id":"g-1","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"acked"'
	run t "$CLI" --timeout-ms 1000 gemini "$URL" "$KEYS" place '{"id":"g-2","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.5"}'
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain"'
	run t "$CLI" gemini "$URL" "$KEYS" query BTC/USD g-2
	assert_success
	assert_line --partial '"id":"g-2","venue_order_id":"1002"'
	run t "$CLI" gemini "$URL" "$BAD" balances
	assert_failure 3
	assert_line '{"rc":-1,"error":"auth","code":"InvalidSignature","message":"InvalidSignature","http":400}'
	run fake_orders
	assert_output 'g-1 new 0
g-2 new 0'
}

@test "gemini: a reused client order id is taken (Gemini does not refuse it); the newest answers" {
	start gemini
	run t "$CLI" gemini "$URL" "$KEYS" place "$BUY_G"
	assert_success
	run t "$CLI" gemini "$URL" "$KEYS" place '{"id":"g-1","symbol":"BTC/USD","side":"sell","kind":"limit","px":"50000.00","qty":"0.2"}'
	assert_success
	run t "$CLI" gemini "$URL" "$KEYS" query BTC/USD g-1
	assert_success
	assert_line --partial '"id":"g-1","venue_order_id":"1002","symbol":"BTC/USD","side":"sell"'
}
