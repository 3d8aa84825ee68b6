#!/usr/bin/env bats
# 64-trade-gateio-bitfinex: lib/trade.c's Gate and Bitfinex adapters against
# tests/fakeexchange.py (tests/fakeexchange_gateio.py, tests/fakeexchange_bitfinex.py), through
# tests/tools/tradecli: every call, the client-side refusals, and each scripted fault.

load helper
load fakex

setup() {
	fakex_setup s3cret-test wrong
}

teardown() { fakex_teardown; }

BUY_G='{"id":"c-1","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"0.0100"}'
BUY_F='{"id":"1001","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000","qty":"0.5"}'

@test "gateio: place, query, open, amend, fill, fills, cancel, balances, time" {
	start gateio
	run t "$CLI" gateio "$URL" "$KEYS" time
	assert_success
	assert_line '{"rc":0}'
	run t "$CLI" gateio "$URL" "$KEYS" place "$BUY_G"
	assert_success
	assert_line '{"kind":"order","id":"c-1","venue_order_id":"1001","symbol":"BTC/USDT","side":"buy","order_kind":"limit","tif":"GTC","status":"acked","px":"42000","qty":"0.01","filled_qty":"0","avg_px":"0"}'
	run t "$CLI" gateio "$URL" "$KEYS" query BTC/USDT c-1
	assert_success
	assert_line --partial '"id":"c-1","venue_order_id":"1001","symbol":"BTC/USDT"'
	run t "$CLI" gateio "$URL" "$KEYS" open
	assert_success
	assert_line --partial '"id":"c-1","venue_order_id":"1001"'
	run t "$CLI" gateio "$URL" "$KEYS" amend BTC/USDT c-1 px=41000.00 qty=0.0080
	assert_success
	assert_line '{"kind":"order","id":"c-1","venue_order_id":"1001","symbol":"BTC/USDT","side":"buy","order_kind":"limit","tif":"GTC","status":"acked","px":"41000","qty":"0.008","filled_qty":"0","avg_px":"0"}'
	run t curl -sf -X POST "$URL/_fake/fill" -d '{"clientId":"c-1","qty":"0.003","px":"41000"}'
	assert_success
	run t "$CLI" gateio "$URL" "$KEYS" open BTC/USDT
	assert_success
	assert_line --partial '"status":"partially_filled","px":"41000","qty":"0.008","filled_qty":"0.003","avg_px":"41000"'
	run t "$CLI" gateio "$URL" "$KEYS" fills BTC/USDT 0
	assert_success
	assert_line '{"kind":"fill","id":"c-1","venue_order_id":"1001","trade_id":"5001","symbol":"BTC/USDT","side":"buy","liquidity":"maker","px":"41000","qty":"0.003","fee":"0","fee_ccy":"USDT"}'
	run t "$CLI" gateio "$URL" "$KEYS" cancel BTC/USDT c-1
	assert_success
	assert_line --partial '"id":"c-1","venue_order_id":"1001","symbol":"BTC/USDT","side":"buy","order_kind":"limit","tif":"GTC","status":"cancelled","px":"41000","qty":"0.008","filled_qty":"0.003"'
	run t "$CLI" gateio "$URL" "$KEYS" cancel BTC/USDT c-1
	assert_failure 1
	assert_line '{"rc":1,"error":"unknown_order","code":"ORDER_NOT_FOUND","message":"Order not found","http":400}'
	run t "$CLI" gateio "$URL" "$KEYS" query BTC/USDT never
	assert_failure 1
	assert_line '{"rc":1,"error":"unknown_order","code":"ORDER_NOT_FOUND","message":"Order not found","http":400}'
	# 0.003 BTC bought at 41000 = 123 USDT spent, nothing left reserved
	run t "$CLI" gateio "$URL" "$KEYS" balances
	assert_success
	assert_line '{"kind":"balance","asset":"BTC","free":"10.003","total":"10.003"}'
	assert_line '{"kind":"balance","asset":"USDT","free":"99877","total":"99877"}'
	run fake_orders
	assert_output 'c-1 canceled 0.003'
}

@test "gateio: kinds and refusals mapped; nothing sent for bad ids, ticks, market buys" {
	start gateio
	run t "$CLI" gateio "$URL" "$KEYS" place '{"id":"x1","symbol":"BTC/USDT","side":"buy","kind":"post_only","px":"44000.00","qty":"0.01"}'
	assert_success
	assert_line --partial '"id":"x1","venue_order_id":"1001","symbol":"BTC/USDT","side":"buy","order_kind":"post_only","tif":"GTC","status":"rejected"'
	run t "$CLI" gateio "$URL" "$KEYS" place '{"id":"x2","symbol":"BTC/USDT","side":"sell","kind":"market","qty":"0.01"}'
	assert_success
	assert_line --partial '"order_kind":"market","tif":"IOC","status":"filled","px":"0","qty":"0.01","filled_qty":"0.01","avg_px":"43000"'
	run t "$CLI" gateio "$URL" "$KEYS" place '{"id":"x3","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"0.01","tif":"IOC"}'
	assert_success
	assert_line --partial '"order_kind":"limit","tif":"IOC","status":"expired","px":"42000","qty":"0.01","filled_qty":"0"'
	run t "$CLI" gateio "$URL" "$KEYS" place '{"id":"x4","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"100"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"insufficient_balance","code":"BALANCE_NOT_ENOUGH","message":"Not enough balance","http":400}'
	run t "$CLI" gateio "$URL" "$KEYS" place '{"id":"x5","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"1.00","qty":"0.0001"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"min_size","code":"AMOUNT_TOO_LITTLE","message":"Amount does not reach minimum required","http":400}'
	run t "$CLI" gateio "$URL" "$KEYS" place '{"id":"x:6","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"0.01"}'
	assert_failure 1
	assert_line --partial '"error":"rejected","code":"","message":"client order id '"'"'x:6'"'"' has '"'"':'"'"'; Gate allows only letters, digits and _ - . (not sent)"'
	run t "$CLI" gateio "$URL" "$KEYS" place '{"id":"x7","symbol":"BTC/USDT","side":"buy","kind":"market","qty":"0.01"}'
	assert_failure 1
	assert_line --partial '"error":"unsupported"'
	run t "$CLI" gateio "$URL" "$KEYS" place '{"id":"x8","symbol":"BTC/USDT","side":"sell","kind":"stop","stop_px":"40000.00","qty":"0.01"}'
	assert_failure 1
	assert_line --partial '"error":"unsupported"'
	run t "$CLI" gateio "$URL" "$KEYS" place '{"id":"x9","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.005","qty":"0.01"}'
	assert_failure 1
	assert_line --partial '"error":"precision"'
	run fake_orders
	assert_output 'x1 canceled 0
x2 filled 0.01
x3 expired 0'
}

@test "gateio: a finished order's text is found after 60 s in the finished list; skew then sync" {
	start gateio
	run t "$CLI" gateio "$URL" "$KEYS" place '{"id":"x3","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"0.01","tif":"IOC"}'
	assert_success
	run t curl -sf -X POST "$URL/_fake/config" -d '{"skew_ms":61000}'
	assert_success
	run t "$CLI" gateio "$URL" "$KEYS" balances
	assert_failure 3
	assert_line '{"rc":-1,"error":"clock","code":"REQUEST_EXPIRED","message":"gap between request Timestamp and server time exceeds 60","http":401}'
	run t "$CLI" --sync gateio "$URL" "$KEYS" query BTC/USDT x3
	assert_success
	assert_line --partial '"id":"x3","venue_order_id":"1001","symbol":"BTC/USDT","side":"buy","order_kind":"limit","tif":"IOC","status":"expired"'
	run t "$CLI" --sync gateio "$URL" "$BAD" balances
	assert_failure 3
	assert_line '{"rc":-1,"error":"auth","code":"INVALID_SIGNATURE","message":"Signature mismatch","http":401}'
}

@test "gateio: 429, timeout and 500 after accept, partial-then-cancel" {
	start gateio --fault http-429:1 --fault timeout-after-accept:2 --fault http-500-after-accept:3 \
		--fault partial-then-cancel --hold-s 4
	run t "$CLI" gateio "$URL" "$KEYS" place "$BUY_G"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"rate_limit","code":"TOO_MANY_REQUESTS"'
	run t "$CLI" --timeout-ms 1000 gateio "$URL" "$KEYS" place "$BUY_G"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain"'
	run t "$CLI" gateio "$URL" "$KEYS" query BTC/USDT c-1
	assert_success
	assert_line --partial '"id":"c-1","venue_order_id":"1001","symbol":"BTC/USDT","side":"buy","order_kind":"limit","tif":"GTC","status":"cancelled","px":"42000","qty":"0.01","filled_qty":"0.005","avg_px":"42000"'
	run t "$CLI" gateio "$URL" "$KEYS" place '{"id":"c-2","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"0.0100"}'
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain","code":"SERVER_ERROR"'
	run t "$CLI" gateio "$URL" "$KEYS" query BTC/USDT c-2
	assert_success
	assert_line --partial '"id":"c-2","venue_order_id":"1002"'
	run fake_orders
	assert_output 'c-1 canceled 0.005
c-2 canceled 0.005'
}

@test "bitfinex: place, query, open, amend, fill, fills, cancel, balances, time" {
	start bitfinex
	run t "$CLI" bitfinex "$URL" "$KEYS" time
	assert_success
	assert_line '{"rc":0}'
	run t "$CLI" bitfinex "$URL" "$KEYS" place "$BUY_F"
	assert_success
	assert_line '{"kind":"order","id":"1001","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"acked","px":"42000","qty":"0.5","filled_qty":"0","avg_px":"0"}'
	run t "$CLI" bitfinex "$URL" "$KEYS" query BTC/USD 1001
	assert_success
	assert_line --partial '"id":"1001","venue_order_id":"1001","symbol":"BTC/USD"'
	run t "$CLI" bitfinex "$URL" "$KEYS" open
	assert_success
	assert_line --partial '"id":"1001","venue_order_id":"1001"'
	run t "$CLI" bitfinex "$URL" "$KEYS" amend BTC/USD 1001 px=41000 qty=0.4
	assert_success
	assert_line '{"kind":"order","id":"1001","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"acked","px":"41000","qty":"0.4","filled_qty":"0","avg_px":"0"}'
	run t curl -sf -X POST "$URL/_fake/fill" -d '{"clientId":"1001","qty":"0.1","px":"41000"}'
	assert_success
	run t "$CLI" bitfinex "$URL" "$KEYS" query BTC/USD 1001
	assert_success
	assert_line --partial '"status":"partially_filled","px":"41000","qty":"0.4","filled_qty":"0.1","avg_px":"41000"'
	run t "$CLI" bitfinex "$URL" "$KEYS" fills BTC/USD 0
	assert_success
	assert_line '{"kind":"fill","id":"1001","venue_order_id":"1001","trade_id":"5001","symbol":"BTC/USD","side":"buy","liquidity":"maker","px":"41000","qty":"0.1","fee":"0","fee_ccy":"USD"}'
	run t "$CLI" bitfinex "$URL" "$KEYS" cancel BTC/USD 1001
	assert_success
	assert_line --partial '"status":"cancelled","px":"41000","qty":"0.4","filled_qty":"0.1"'
	# a closed order is found in the symbol's order history
	run t "$CLI" bitfinex "$URL" "$KEYS" query BTC/USD 1001
	assert_success
	assert_line --partial '"id":"1001","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"cancelled"'
	run t "$CLI" bitfinex "$URL" "$KEYS" cancel BTC/USD 1001
	assert_failure 1
	assert_line '{"rc":1,"error":"unknown_order","code":"10001","message":"Order not found.","http":500}'
	run t "$CLI" bitfinex "$URL" "$KEYS" query BTC/USD 77
	assert_failure 1
	assert_line --partial '"rc":1,"error":"unknown_order","code":"","message":"no order with cid 77 among tBTCUSD'"'"'s active orders and latest 2500 closed ones"'
	# 0.1 BTC bought at 41000 = 4100 USD spent
	run t "$CLI" bitfinex "$URL" "$KEYS" balances
	assert_success
	assert_line '{"kind":"balance","asset":"BTC","free":"10.1","total":"10.1"}'
	assert_line '{"kind":"balance","asset":"USD","free":"95900","total":"95900"}'
	run fake_orders
	assert_output '1001 canceled 0.1'
}

@test "bitfinex: kinds and refusals mapped; nothing sent for ids that are not cids" {
	start bitfinex
	run t "$CLI" bitfinex "$URL" "$KEYS" place '{"id":"1","symbol":"BTC/USD","side":"buy","kind":"post_only","px":"44000","qty":"0.1"}'
	assert_success
	assert_line --partial '"id":"1","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"post_only","tif":"GTC","status":"rejected"'
	run t "$CLI" bitfinex "$URL" "$KEYS" place '{"id":"2","symbol":"BTC/USD","side":"sell","kind":"stop_limit","px":"40000","stop_px":"40100","qty":"0.1"}'
	assert_success
	assert_line --partial '"order_kind":"stop_limit","tif":"GTC","status":"acked","px":"40000","qty":"0.1"'
	run t "$CLI" bitfinex "$URL" "$KEYS" place '{"id":"3","symbol":"BTC/USD","side":"sell","kind":"market","qty":"0.1"}'
	assert_success
	assert_line --partial '"order_kind":"market","tif":"IOC","status":"filled","px":"0","qty":"0.1","filled_qty":"0.1","avg_px":"43000"'
	run t "$CLI" bitfinex "$URL" "$KEYS" place '{"id":"4","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000","qty":"0.1","tif":"FOK"}'
	assert_success
	assert_line --partial '"order_kind":"limit","tif":"FOK","status":"expired"'
	run t "$CLI" bitfinex "$URL" "$KEYS" place '{"id":"5","symbol":"BTC/USD","side":"sell","kind":"limit","px":"50000","qty":"20"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"insufficient_balance","code":"10001","message":"Invalid order: not enough exchange balance for 20 BTCUSD at 50000","http":500}'
	run t "$CLI" bitfinex "$URL" "$KEYS" place '{"id":"6","symbol":"BTC/USD","side":"sell","kind":"limit","px":"50000","qty":"0.00001"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"min_size","code":"10001","message":"Invalid order: minimum size for BTC/USD is 0.00004","http":500}'
	# a lyra id that is not an int45 goes as the cid made from it: 1 + SHA-256("lyra:" + id) mod
	# (2^45 - 1), and answers come back under the lyra id; a cid too large is hashed the same way
	run t "$CLI" bitfinex "$URL" "$KEYS" place '{"id":"c1","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000","qty":"0.5"}'
	assert_success
	assert_line --partial '{"kind":"order","id":"c1",'
	run t "$CLI" bitfinex "$URL" "$KEYS" query BTC/USD c1
	assert_success
	assert_line --partial '{"kind":"order","id":"c1",'
	run t "$CLI" bitfinex "$URL" "$KEYS" cancel BTC/USD c1
	assert_success
	run t "$CLI" bitfinex "$URL" "$KEYS" open BTC/USD
	assert_success
	assert_output --partial '"id":"2"'
	run fake_orders
	assert_output '1 canceled 0
2 new 0
3 filled 0.1
4 expired 0
9138408452851 canceled 0'
}

@test "bitfinex: bad key, nonce too small, 429, timeout and 500 after accept, partial-then-cancel" {
	start bitfinex --fault nonce-floor:99999999999999999
	run t "$CLI" bitfinex "$URL" "$KEYS" balances
	assert_failure 3
	assert_line '{"rc":-1,"error":"clock","code":"10114","message":"nonce: small","http":500}'
	restart bitfinex --fault http-429:1 --fault timeout-after-accept:2 --fault http-500-after-accept:3 \
		--fault partial-then-cancel --hold-s 4
	run t "$CLI" bitfinex "$URL" "$BAD" balances
	assert_failure 3
	assert_line '{"rc":-1,"error":"auth","code":"10100","message":"apikey: digest invalid","http":500}'
	run t "$CLI" bitfinex "$URL" "$KEYS" place "$BUY_F"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"rate_limit","code":"11010"'
	run t "$CLI" --timeout-ms 1000 bitfinex "$URL" "$KEYS" place "$BUY_F"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain"'
	run t "$CLI" bitfinex "$URL" "$KEYS" query BTC/USD 1001
	assert_success
	assert_line --partial '"id":"1001","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"cancelled","px":"42000","qty":"0.5","filled_qty":"0.25","avg_px":"42000"'
	run t "$CLI" bitfinex "$URL" "$KEYS" place '{"id":"1002","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000","qty":"0.5"}'
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain","code":"10000"'
	run t "$CLI" bitfinex "$URL" "$KEYS" query BTC/USD 1002
	assert_success
	assert_line --partial '"id":"1002","venue_order_id":"1002"'
}
