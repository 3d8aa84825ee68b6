#!/usr/bin/env bats
# 62-trade-fake: lib/trade.c's Binance and OKX adapters against tests/fakeexchange.py, through
# tests/tools/tradecli: every call, the client-side refusals, and each scripted fault.

load helper
load fakex

setup() {
	fakex_setup s3cret-test wrong Pass-1
}

teardown() { fakex_teardown; }

BUY_B='{"id":"c-1","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"0.01000"}'
BUY_O='{"id":"c1","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.0","qty":"0.5"}'

@test "binance: place, query, open, amend, fill, fills, cancel, balances, time" {
	start binance
	run t "$CLI" binance "$URL" "$KEYS" time
	assert_success
	assert_line '{"rc":0}'
	run t "$CLI" binance "$URL" "$KEYS" place "$BUY_B"
	assert_success
	assert_line '{"kind":"order","id":"c-1","venue_order_id":"1001","symbol":"BTC/USDT","side":"buy","order_kind":"limit","tif":"GTC","status":"acked","px":"42000.00000000","qty":"0.01000000","filled_qty":"0.00000000","avg_px":"0"}'
	run t "$CLI" binance "$URL" "$KEYS" query BTC/USDT c-1
	assert_success
	assert_line --partial '"id":"c-1","venue_order_id":"1001"'
	run t "$CLI" binance "$URL" "$KEYS" open BTC/USDT
	assert_success
	assert_line --partial '"id":"c-1"'
	run t "$CLI" binance "$URL" "$KEYS" amend BTC/USDT c-1 qty=0.008
	assert_success
	assert_line --partial '"status":"acked","px":"42000.00000000","qty":"0.00800000"'
	run t "$CLI" binance "$URL" "$KEYS" amend BTC/USDT c-1 px=41000.00
	assert_failure 1
	assert_line --partial '"error":"unsupported"'
	run t curl -sf -X POST "$URL/_fake/fill" -d '{"clientId":"c-1","qty":"0.003","px":"42000.00"}'
	assert_success
	run t "$CLI" binance "$URL" "$KEYS" query BTC/USDT c-1
	assert_line --partial '"status":"partially_filled","px":"42000.00000000","qty":"0.00800000","filled_qty":"0.00300000","avg_px":"42000"'
	run t "$CLI" binance "$URL" "$KEYS" fills BTC/USDT 0
	assert_success
	assert_line '{"kind":"fill","id":"","venue_order_id":"1001","trade_id":"5001","symbol":"BTC/USDT","side":"buy","liquidity":"maker","px":"42000.00000000","qty":"0.00300000","fee":"0.00000000","fee_ccy":"USDT"}'
	run t "$CLI" binance "$URL" "$KEYS" cancel BTC/USDT c-1
	assert_success
	assert_line --partial '"id":"c-1","venue_order_id":"1001","symbol":"BTC/USDT","side":"buy","order_kind":"limit","tif":"GTC","status":"cancelled"'
	run t "$CLI" binance "$URL" "$KEYS" cancel BTC/USDT c-1
	assert_failure 1
	assert_line '{"rc":1,"error":"unknown_order","code":"-2011","message":"Unknown order sent.","http":400}'
	run t "$CLI" binance "$URL" "$KEYS" query BTC/USDT never
	assert_failure 1
	assert_line '{"rc":1,"error":"unknown_order","code":"-2013","message":"Order does not exist.","http":400}'
	# 0.003 BTC bought at 42000 = 126 USDT spent, nothing left reserved
	run t "$CLI" binance "$URL" "$KEYS" balances
	assert_success
	assert_line '{"kind":"balance","asset":"BTC","free":"10.00300000","total":"10.00300000"}'
	assert_line '{"kind":"balance","asset":"USDT","free":"99874.00000000","total":"99874.00000000"}'
	run fake_orders
	assert_output 'c-1 canceled 0.003'
}

@test "binance: crossing limit fills, refusals mapped, nothing sent for bad ids or ticks" {
	start binance
	run t "$CLI" binance "$URL" "$KEYS" place '{"id":"x1","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"44000.00","qty":"0.01"}'
	assert_success
	assert_line --partial '"status":"filled","px":"44000.00000000","qty":"0.01000000","filled_qty":"0.01000000","avg_px":"44000"'
	run t "$CLI" binance "$URL" "$KEYS" place '{"id":"x2","symbol":"BTC/USDT","side":"buy","kind":"post_only","px":"44000.00","qty":"0.01"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"rejected","code":"-2010","message":"Order would immediately match and take.","http":400}'
	run t "$CLI" binance "$URL" "$KEYS" place '{"id":"x3","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"100"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"insufficient_balance","code":"-2010","message":"Account has insufficient balance for requested action.","http":400}'
	run t "$CLI" binance "$URL" "$KEYS" place '{"id":"x4","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"0.0001"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"min_size","code":"-1013","message":"Filter failure: NOTIONAL","http":400}'
	run t "$CLI" binance "$URL" "$KEYS" place '{"id":"x 5","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"0.01"}'
	assert_failure 1
	assert_line --partial '"error":"rejected","code":"","message":"client order id '"'"'x 5'"'"' has '"'"' '"'"'; Binance allows only letters, digits and . : / _ - (not sent)"'
	run t "$CLI" binance "$URL" "$KEYS" place '{"id":"x6","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.005","qty":"0.01"}'
	assert_failure 1
	assert_line --partial '"error":"precision"'
	run t "$CLI" binance "$URL" "$KEYS" place '{"id":"x7","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"0.01","tif":"GTD"}'
	assert_failure 1
	assert_line --partial '"error":"unsupported"'
	run fake_orders
	assert_output 'x1 filled 0.01'
}

@test "binance: duplicate client id, bad key, 429, skew then sync" {
	start binance --fault http-429:3 --fault skew:30000
	run t "$CLI" binance "$URL" "$KEYS" place "$BUY_B"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"clock","code":"-1021"'
	run t "$CLI" --sync binance "$URL" "$KEYS" place "$BUY_B"
	assert_success
	assert_line --partial '"status":"acked"'
	run t "$CLI" --sync binance "$URL" "$KEYS" place "$BUY_B"
	assert_failure 1
	assert_line '{"rc":1,"error":"duplicate","code":"-2010","message":"Duplicate order sent.","http":400}'
	run t "$CLI" --sync binance "$URL" "$KEYS" place '{"id":"c-2","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"0.01"}'
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"rate_limit","code":"-1003"'
	run t "$CLI" --sync binance "$URL" "$BAD" balances
	assert_failure 3
	assert_line '{"rc":-1,"error":"auth","code":"-1022","message":"Signature for this request is not valid.","http":400}'
	run fake_orders
	assert_output 'c-1 new 0'
}

@test "binance: timeout after accept is uncertain and the query finds the order" {
	start binance --fault timeout-after-accept:1 --hold-s 4
	run t "$CLI" --timeout-ms 1000 binance "$URL" "$KEYS" place "$BUY_B"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain"'
	run fake_orders
	assert_output 'c-1 new 0'
	run t "$CLI" binance "$URL" "$KEYS" query BTC/USDT c-1
	assert_success
	assert_line --partial '"id":"c-1","venue_order_id":"1001","symbol":"BTC/USDT","side":"buy","order_kind":"limit","tif":"GTC","status":"acked"'
}

@test "binance: 500 after accept is uncertain; partial-then-cancel maps to cancelled with fills" {
	start binance --fault http-500-after-accept:1 --fault partial-then-cancel
	run t "$CLI" binance "$URL" "$KEYS" place "$BUY_B"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain","code":"-1001"'
	run t "$CLI" binance "$URL" "$KEYS" query BTC/USDT c-1
	assert_success
	assert_line --partial '"status":"cancelled","px":"42000.00000000","qty":"0.01000000","filled_qty":"0.00500000","avg_px":"42000"'
}

@test "okx: place, query, open, amend, fill, fills, cancel, balances, time" {
	start okx
	run t "$CLI" okx "$URL" "$KEYS" time
	assert_success
	run t "$CLI" okx "$URL" "$KEYS" place "$BUY_O"
	assert_success
	assert_line '{"kind":"order","id":"c1","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"acked","px":"42000.0","qty":"0.5","filled_qty":"0","avg_px":"0"}'
	run t "$CLI" okx "$URL" "$KEYS" open
	assert_success
	assert_line --partial '"id":"c1","venue_order_id":"1001","symbol":"BTC/USD"'
	run t "$CLI" okx "$URL" "$KEYS" amend BTC/USD c1 px=41000.0 qty=0.4
	assert_success
	assert_line --partial '"status":"acked","px":"41000","qty":"0.4","filled_qty":"0"'
	run t curl -sf -X POST "$URL/_fake/fill" -d '{"clientId":"c1","qty":"0.1","px":"41000"}'
	assert_success
	run t "$CLI" okx "$URL" "$KEYS" query BTC/USD c1
	assert_success
	assert_line --partial '"status":"partially_filled","px":"41000","qty":"0.4","filled_qty":"0.1","avg_px":"41000"'
	run t "$CLI" okx "$URL" "$KEYS" fills BTC/USD 0
	assert_success
	assert_line '{"kind":"fill","id":"c1","venue_order_id":"1001","trade_id":"5001","symbol":"BTC/USD","side":"buy","liquidity":"maker","px":"41000","qty":"0.1","fee":"0","fee_ccy":"USD"}'
	run t "$CLI" okx "$URL" "$KEYS" cancel BTC/USD c1
	assert_success
	assert_line --partial '"status":"cancelled","px":"41000","qty":"0.4","filled_qty":"0.1"'
	run t "$CLI" okx "$URL" "$KEYS" cancel BTC/USD c1
	assert_failure 1
	assert_line --partial '"rc":1,"error":"unknown_order","code":"51400"'
	run t "$CLI" okx "$URL" "$KEYS" query BTC/USD never
	assert_failure 1
	assert_line '{"rc":1,"error":"unknown_order","code":"51603","message":"Order does not exist","http":200}'
	run t "$CLI" okx "$URL" "$KEYS" balances
	assert_success
	assert_line '{"kind":"balance","asset":"BTC","free":"10.1","total":"10.1"}'
	assert_line '{"kind":"balance","asset":"USD","free":"95900","total":"95900"}'
}

@test "okx: refusals: duplicate, insufficient, min size, id form, stop unsupported, bad key" {
	start okx
	run t "$CLI" okx "$URL" "$KEYS" place "$BUY_O"
	assert_success
	run t "$CLI" okx "$URL" "$KEYS" place "$BUY_O"
	assert_failure 1
	assert_line '{"rc":1,"error":"duplicate","code":"51016","message":"Duplicated clOrdId","http":200}'
	run t "$CLI" okx "$URL" "$KEYS" place '{"id":"c2","symbol":"BTC/USD","side":"sell","kind":"limit","px":"50000.0","qty":"20"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"insufficient_balance","code":"51008","message":"Order failed. Insufficient BTC balance in account.","http":200}'
	run t "$CLI" okx "$URL" "$KEYS" place '{"id":"c3","symbol":"BTC/USD","side":"sell","kind":"limit","px":"50000.0","qty":"0.000001"}'
	assert_failure 1
	assert_line --partial '"error":"min_size","code":"51020"'
	run t "$CLI" okx "$URL" "$KEYS" place '{"id":"c-4","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.0","qty":"0.5"}'
	assert_failure 1
	assert_line --partial '"error":"rejected","code":"","message":"client order id '"'"'c-4'"'"' has '"'"'-'"'"'; OKX allows letters and digits only (not sent)"'
	run t "$CLI" okx "$URL" "$KEYS" place '{"id":"c5","symbol":"BTC/USD","side":"buy","kind":"stop_limit","px":"42000.0","stop_px":"42100.0","qty":"0.5"}'
	assert_failure 1
	assert_line --partial '"error":"unsupported"'
	run t "$CLI" okx "$URL" "$BAD" balances
	assert_failure 3
	assert_line '{"rc":-1,"error":"auth","code":"50113","message":"Invalid Sign","http":401}'
	run fake_orders
	assert_output 'c1 new 0'
}

@test "okx: skew, 429, timeout and 500 after accept, partial-then-cancel" {
	start okx --fault skew:-45000 --fault http-429:1 --fault timeout-after-accept:2 \
		--fault http-500-after-accept:3 --fault partial-then-cancel --hold-s 4
	run t "$CLI" okx "$URL" "$KEYS" place "$BUY_O"
	assert_failure 3
	assert_line '{"rc":-1,"error":"clock","code":"50102","message":"Timestamp request expired","http":401}'
	run t "$CLI" --sync okx "$URL" "$KEYS" place "$BUY_O"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"rate_limit","code":"50011"'
	run t "$CLI" --sync --timeout-ms 1000 okx "$URL" "$KEYS" place "$BUY_O"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain"'
	run t "$CLI" --sync okx "$URL" "$KEYS" query BTC/USD c1
	assert_success
	assert_line --partial '"id":"c1","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"cancelled","px":"42000","qty":"0.5","filled_qty":"0.25","avg_px":"42000"'
	run t "$CLI" --sync okx "$URL" "$KEYS" place '{"id":"c2","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.0","qty":"0.5"}'
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain","code":"50001"'
	run t "$CLI" --sync okx "$URL" "$KEYS" query BTC/USD c2
	assert_success
	assert_line --partial '"id":"c2","venue_order_id":"1002"'
}
