#!/usr/bin/env bats
# 64-trade-kraken-bitstamp: lib/trade_kraken.c and lib/trade_bitstamp.c against
# tests/fakeexchange.py (plugins tests/fakeexchange_kraken.py, fakeexchange_bitstamp.py), through
# tests/tools/tradecli: every call, the client-side refusals, and each scripted fault.

load helper
load fakex

setup() {
	# Kraken's secret is base64 (decoded for its HMAC); Bitstamp's is used as it is
	fakex_setup czNjcmV0LXRlc3Qtc2VjcmV0LWJ5dGVz d3Jvbmctc2VjcmV0
}

teardown() { fakex_teardown; }

BUY_K='{"id":"c1","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.0","qty":"0.5"}'
BUY_S='{"id":"c1","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.5"}'

@test "kraken: place, query, open, amend, fill, fills, cancel, balances, time" {
	start kraken
	run t "$CLI" kraken "$URL" "$KEYS" time
	assert_success
	assert_line '{"rc":0}'
	run t "$CLI" kraken "$URL" "$KEYS" place "$BUY_K"
	assert_success
	assert_line '{"kind":"order","id":"c1","venue_order_id":"O1001-FAKE-KRKN","symbol":"BTC/USDT","side":"buy","order_kind":"limit","tif":"GTC","status":"acked","px":"42000.0","qty":"0.5","filled_qty":"0","avg_px":"0"}'
	run t "$CLI" kraken "$URL" "$KEYS" query BTC/USDT c1
	assert_success
	assert_line '{"kind":"order","id":"c1","venue_order_id":"O1001-FAKE-KRKN","symbol":"BTC/USDT","side":"buy","order_kind":"limit","tif":"GTC","status":"acked","px":"42000","qty":"0.5","filled_qty":"0","avg_px":"0"}'
	run t "$CLI" kraken "$URL" "$KEYS" open
	assert_success
	assert_line --partial '"id":"c1","venue_order_id":"O1001-FAKE-KRKN","symbol":"BTC/USDT"'
	run t "$CLI" kraken "$URL" "$KEYS" amend BTC/USDT c1 px=41000.0 qty=0.4
	assert_success
	assert_line --partial '"status":"acked","px":"41000","qty":"0.4","filled_qty":"0"'
	run t curl -sf -X POST "$URL/_fake/fill" -d '{"clientId":"c1","qty":"0.1","px":"41000"}'
	assert_success
	run t "$CLI" kraken "$URL" "$KEYS" query BTC/USDT c1
	assert_line --partial '"status":"partially_filled","px":"41000","qty":"0.4","filled_qty":"0.1","avg_px":"41000"'
	run t "$CLI" kraken "$URL" "$KEYS" fills BTC/USDT 0
	assert_success
	assert_line '{"kind":"fill","id":"","venue_order_id":"O1001-FAKE-KRKN","trade_id":"T5001-FAKE-KRKN","symbol":"BTC/USDT","side":"buy","liquidity":"maker","px":"41000","qty":"0.1","fee":"0","fee_ccy":"USDT"}'
	run t "$CLI" kraken "$URL" "$KEYS" cancel BTC/USDT c1
	assert_success
	assert_line --partial '"status":"cancelled","px":"41000","qty":"0.4","filled_qty":"0.1"'
	run t "$CLI" kraken "$URL" "$KEYS" cancel BTC/USDT c1
	assert_failure 1
	assert_line '{"rc":1,"error":"unknown_order","code":"EOrder:Unknown order","message":"EOrder:Unknown order","http":200}'
	run t "$CLI" kraken "$URL" "$KEYS" query BTC/USDT never
	assert_failure 1
	assert_line --partial '"rc":1,"error":"unknown_order","code":"","message":"Unknown order (no open or closed order has cl_ord_id '"'"'never'"'"')"'
	# 0.1 BTC bought at 41000 = 4100 USDT spent, nothing left reserved
	run t "$CLI" kraken "$URL" "$KEYS" balances
	assert_success
	assert_line '{"kind":"balance","asset":"BTC","free":"10.1","total":"10.1"}'
	assert_line '{"kind":"balance","asset":"USDT","free":"95900","total":"95900"}'
	run fake_orders
	assert_output 'c1 canceled 0.1'
}

@test "kraken: crossing fills, refusals mapped, nothing sent for bad ids or tifs" {
	start kraken
	run t "$CLI" kraken "$URL" "$KEYS" place '{"id":"x1","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"44000.0","qty":"0.5"}'
	assert_success
	run t "$CLI" kraken "$URL" "$KEYS" query BTC/USDT x1
	assert_line --partial '"status":"filled","px":"44000","qty":"0.5","filled_qty":"0.5","avg_px":"44000"'
	run t "$CLI" kraken "$URL" "$KEYS" place '{"id":"x2","symbol":"BTC/USDT","side":"buy","kind":"post_only","px":"44000.0","qty":"0.5"}'
	assert_success
	run t "$CLI" kraken "$URL" "$KEYS" query BTC/USDT x2
	assert_line --partial '"order_kind":"post_only","tif":"GTC","status":"cancelled"'
	run t "$CLI" kraken "$URL" "$KEYS" place '{"id":"x3","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.0","qty":"100"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"insufficient_balance","code":"EOrder:Insufficient funds","message":"EOrder:Insufficient funds","http":200}'
	run t "$CLI" kraken "$URL" "$KEYS" place '{"id":"x4","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.0","qty":"0.00001"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"min_size","code":"EOrder:Order minimum not met","message":"EOrder:Order minimum not met","http":200}'
	run t "$CLI" kraken "$URL" "$KEYS" place '{"id":"x5","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"40000.0","qty":"0.1"}'
	assert_success
	run t "$CLI" kraken "$URL" "$KEYS" place '{"id":"x5","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"40000.0","qty":"0.1"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"duplicate","code":"EOrder:Duplicate order","message":"EOrder:Duplicate order","http":200}'
	run t "$CLI" kraken "$URL" "$KEYS" place '{"id":"arb-20240509-000100","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"40000.0","qty":"0.1"}'
	assert_failure 1
	assert_line --partial '"error":"rejected","code":"","message":"client order id '"'"'arb-20240509-000100'"'"' is 19 characters and not a UUID; Kraken takes a UUID or 1 to 18 characters of free text (not sent)"'
	run t "$CLI" kraken "$URL" "$KEYS" place '{"id":"6d1b345e-2821-40e2-ad83-4ecb18a06876","symbol":"BTC/USDT","side":"sell","kind":"stop_limit","px":"39000.0","stop_px":"39500.0","qty":"0.1","tif":"IOC"}'
	assert_success
	assert_line --partial '"id":"6d1b345e-2821-40e2-ad83-4ecb18a06876","venue_order_id":"O1004-FAKE-KRKN","symbol":"BTC/USDT","side":"sell","order_kind":"stop_limit","tif":"IOC","status":"acked"'
	run t "$CLI" kraken "$URL" "$KEYS" place '{"id":"x6","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"40000.0","qty":"0.1","tif":"FOK"}'
	assert_failure 1
	assert_line --partial '"error":"unsupported","code":"","message":"order '"'"'x6'"'"': Kraken spot has no FOK (GTC and IOC only)"'
	run t "$CLI" kraken "$URL" "$KEYS" place '{"id":"x7","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"40000.05","qty":"0.1"}'
	assert_failure 1
	assert_line --partial '"error":"precision"'
	run t "$CLI" kraken "$URL" "$BAD" balances
	assert_failure 3
	assert_line '{"rc":-1,"error":"auth","code":"EAPI:Invalid signature","message":"EAPI:Invalid signature","http":200}'
	run t python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(sorted((o["id"], o["type"], o["stop_px"], o["px"], o["tif"]) for o in d["orders"]))' "$STATE"
	assert_output "[('6d1b345e-2821-40e2-ad83-4ecb18a06876', 'stop_limit', '39500.0', '39000', 'IOC'), ('x1', 'limit', '', '44000', 'GTC'), ('x2', 'post_only', '', '44000', 'GTC'), ('x5', 'limit', '', '40000', 'GTC')]"
}

@test "kraken: stale nonce is clock; 429, timeout and 500 after accept, partial-then-cancel" {
	start kraken --fault http-429:1 --fault timeout-after-accept:2 --fault http-500-after-accept:3 \
		--fault partial-then-cancel --hold-s 4
	run t "$CLI" kraken "$URL" "$KEYS" place "$BUY_K"
	assert_failure 3
	assert_line '{"rc":-1,"error":"rate_limit","code":"EOrder:Rate limit exceeded","message":"EOrder:Rate limit exceeded","http":200}'
	run t "$CLI" --timeout-ms 1000 kraken "$URL" "$KEYS" place "$BUY_K"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain"'
	run t "$CLI" kraken "$URL" "$KEYS" query BTC/USDT c1
	assert_success
	assert_line --partial '"id":"c1","venue_order_id":"O1001-FAKE-KRKN","symbol":"BTC/USDT","side":"buy","order_kind":"limit","tif":"GTC","status":"cancelled","px":"42000","qty":"0.5","filled_qty":"0.25","avg_px":"42000"'
	run t "$CLI" kraken "$URL" "$KEYS" place '{"id":"c2","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.0","qty":"0.5"}'
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain","code":"EService:Unavailable"'
	run t "$CLI" kraken "$URL" "$KEYS" query BTC/USDT c2
	assert_success
	assert_line --partial '"id":"c2","venue_order_id":"O1002-FAKE-KRKN"'
	restart kraken --fault stale-nonce
	run t "$CLI" kraken "$URL" "$KEYS" place "$BUY_K"
	assert_failure 3
	assert_line '{"rc":-1,"error":"clock","code":"EAPI:Invalid nonce","message":"EAPI:Invalid nonce","http":200}'
	run fake_orders
	assert_output ''
}

@test "bitstamp: place, query, open, fill, fills, cancel, balances, time; amend unsupported" {
	start bitstamp
	run t "$CLI" bitstamp "$URL" "$KEYS" time
	assert_success
	assert_line '{"rc":0}'
	run t "$CLI" bitstamp "$URL" "$KEYS" place "$BUY_S"
	assert_success
	assert_line '{"kind":"order","id":"c1","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"acked","px":"42000.00","qty":"0.5","filled_qty":"0","avg_px":"0"}'
	run t "$CLI" bitstamp "$URL" "$KEYS" query BTC/USD c1
	assert_success
	assert_line '{"kind":"order","id":"c1","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"","tif":"","status":"acked","px":"0","qty":"0.5","filled_qty":"0","avg_px":"0"}'
	run t "$CLI" bitstamp "$URL" "$KEYS" open
	assert_success
	assert_line --partial '"id":"c1","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"limit","tif":"GTC","status":"acked","px":"42000","qty":"0.5"'
	run t "$CLI" bitstamp "$URL" "$KEYS" amend BTC/USD c1 px=41000.00
	assert_failure 1
	assert_line --partial '"error":"unsupported"'
	run t curl -sf -X POST "$URL/_fake/fill" -d '{"clientId":"c1","qty":"0.1","px":"42000"}'
	assert_success
	run t "$CLI" bitstamp "$URL" "$KEYS" query BTC/USD c1
	assert_line --partial '"status":"partially_filled","px":"0","qty":"0.5","filled_qty":"0.1","avg_px":"42000"'
	run t "$CLI" bitstamp "$URL" "$KEYS" fills BTC/USD 0
	assert_success
	assert_line '{"kind":"fill","id":"","venue_order_id":"1001","trade_id":"5001","symbol":"BTC/USD","side":"buy","liquidity":"","px":"42000","qty":"0.1","fee":"0.00","fee_ccy":"USD"}'
	run t "$CLI" bitstamp "$URL" "$KEYS" fills - 0
	assert_success
	assert_line --partial '"trade_id":"5001","symbol":"BTC/USD","side":"buy"'
	run t "$CLI" bitstamp "$URL" "$KEYS" cancel BTC/USD c1
	assert_success
	assert_line --partial '"status":"cancelled","px":"0","qty":"0.5","filled_qty":"0.1","avg_px":"42000"'
	run t "$CLI" bitstamp "$URL" "$KEYS" cancel BTC/USD c1
	assert_failure 1
	assert_line --partial '"rc":1,"error":"unknown_order","code":"","message":"order '"'"'c1'"'"' is cancelled: nothing to cancel"'
	run t "$CLI" bitstamp "$URL" "$KEYS" query BTC/USD never
	assert_failure 1
	assert_line '{"rc":1,"error":"unknown_order","code":"404.002","message":"Order not found.","http":404}'
	# 0.1 BTC bought at 42000 = 4200 USD spent
	run t "$CLI" bitstamp "$URL" "$KEYS" balances
	assert_success
	assert_line '{"kind":"balance","asset":"BTC","free":"10.1","total":"10.1"}'
	assert_line '{"kind":"balance","asset":"USD","free":"95800","total":"95800"}'
	run fake_orders
	assert_output 'c1 canceled 0.1'
}

@test "bitstamp: market fills, refusals mapped, stop unsupported, bad key, skew then sync" {
	start bitstamp --fault skew:200000
	run t "$CLI" bitstamp "$URL" "$KEYS" place "$BUY_S"
	assert_failure 3
	assert_line '{"rc":-1,"error":"clock","code":"API0017","message":"X-Auth-Timestamp header is out of boundaries","http":403}'
	run t "$CLI" --sync bitstamp "$URL" "$KEYS" place '{"id":"m1","symbol":"BTC/USD","side":"sell","kind":"market","qty":"0.2"}'
	assert_success
	assert_line --partial '"id":"m1","venue_order_id":"1001","symbol":"BTC/USD","side":"sell","order_kind":"market","tif":"IOC","status":"acked"'
	run t "$CLI" --sync bitstamp "$URL" "$KEYS" query BTC/USD m1
	assert_line --partial '"status":"filled","px":"0","qty":"0.2","filled_qty":"0.2","avg_px":"43000"'
	run t "$CLI" --sync bitstamp "$URL" "$KEYS" place '{"id":"m1","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.1"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"duplicate","code":"400.019","message":"Provided client_order_id already exists.","http":400}'
	run t "$CLI" --sync bitstamp "$URL" "$KEYS" place '{"id":"m2","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.0001"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"min_size","code":"400.020","message":"Minimum order size is 20.0 USD.","http":400}'
	run t "$CLI" --sync bitstamp "$URL" "$KEYS" place '{"id":"m3","symbol":"BTC/USD","side":"sell","kind":"limit","px":"50000.00","qty":"20"}'
	assert_failure 1
	assert_line '{"rc":1,"error":"insufficient_balance","code":"400.009","message":"You have only 9.8 BTC available. Check your account balance for details.","http":400}'
	run t "$CLI" --sync bitstamp "$URL" "$KEYS" place '{"id":"m4","symbol":"BTC/USD","side":"buy","kind":"post_only","px":"44000.00","qty":"0.1"}'
	assert_success
	run t "$CLI" --sync bitstamp "$URL" "$KEYS" query BTC/USD m4
	assert_line --partial '"status":"cancelled","px":"0","qty":"0.1","filled_qty":"0"'
	run t "$CLI" --sync bitstamp "$URL" "$KEYS" place '{"id":"m5","symbol":"BTC/USD","side":"buy","kind":"stop","stop_px":"44000.00","qty":"0.1"}'
	assert_failure 1
	assert_line --partial '"error":"unsupported","code":"","message":"order '"'"'m5'"'"': Bitstamp'"'"'s v2 order endpoints take no stop orders"'
	run t "$CLI" --sync bitstamp "$URL" "$KEYS" place '{"id":"has space","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.1"}'
	assert_failure 1
	assert_line --partial '"error":"rejected","code":"","message":"client order id '"'"'has space'"'"' has '"'"' '"'"'; lyra sends Bitstamp printable ASCII only (not sent)"'
	run t "$CLI" --sync bitstamp "$URL" "$BAD" balances
	assert_failure 3
	assert_line '{"rc":-1,"error":"auth","code":"API0005","message":"Invalid signature","http":403}'
	run t python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(sorted((o["id"], o["type"], o["tif"], o["status"]) for o in d["orders"]))' "$STATE"
	assert_output "[('m1', 'market', 'IOC', 'filled'), ('m4', 'post_only', 'GTC', 'canceled')]"
}

@test "bitstamp: 429, timeout and 500 after accept, partial-then-cancel" {
	start bitstamp --fault http-429:1 --fault timeout-after-accept:2 --fault http-500-after-accept:3 \
		--fault partial-then-cancel --hold-s 4
	run t "$CLI" bitstamp "$URL" "$KEYS" place "$BUY_S"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"rate_limit","code":"400.002"'
	run t "$CLI" --timeout-ms 1000 bitstamp "$URL" "$KEYS" place "$BUY_S"
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain"'
	run t "$CLI" bitstamp "$URL" "$KEYS" query BTC/USD c1
	assert_success
	assert_line --partial '"id":"c1","venue_order_id":"1001","symbol":"BTC/USD","side":"buy","order_kind":"","tif":"","status":"cancelled","px":"0","qty":"0.5","filled_qty":"0.25","avg_px":"42000"'
	run t "$CLI" bitstamp "$URL" "$KEYS" place '{"id":"c2","symbol":"BTC/USD","side":"buy","kind":"limit","px":"42000.00","qty":"0.5"}'
	assert_failure 3
	assert_line --partial '"rc":-1,"error":"uncertain","code":"500.001"'
	run t "$CLI" bitstamp "$URL" "$KEYS" query BTC/USD c2
	assert_success
	assert_line --partial '"id":"c2","venue_order_id":"1002"'
	run t "$CLI" bitstamp "$URL" "$KEYS" fills BTC/USD 0
	assert_success
	assert_line --partial '"venue_order_id":"1001","trade_id":"5001","symbol":"BTC/USD","side":"buy","liquidity":"","px":"42000","qty":"0.25"'
}
