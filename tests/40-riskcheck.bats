#!/usr/bin/env bats
# riskcheck(1): the order filter (pass annotated, reject with every failed rule, pass-through as
# original bytes, bad input as error records), limits in the store, the kill switch across
# processes, REDUCING, breakers, sizing, and the audit trail of every state change.

load helper

sql() { sqlite3 -bail "$LYRA_DB" "$@"; }

market='{"type":"market","ts":1,"venue":"paper","symbol":"BTC/USDT","venue_symbol":"BTCUSDT","base":"BTC","quote":"USDT","instrument":"spot","tick":"0.5","lot":"0.01","min_qty":"0.02","min_notional":"10","maker_fee":"0","taker_fee":"0","status":"trading"}'

# order ID TS SIDE PX QTY [EXTRA]: one order line
order() {
	printf '{"type":"order","ts":%s,"id":"%s","venue":"paper","symbol":"BTC/USDT","side":"%s","kind":"limit","px":"%s","qty":"%s"%s}\n' "$2" "$1" "$3" "$4" "$5" "${6:-}"
}

@test "orders pass annotated; other records pass through byte for byte" {
	{
		echo "$market"
		echo '{"type":"bbo","ts":2,"venue":"paper","symbol":"BTC/USDT","bid_px":"99.5","bid_qty":"1","ask_px":"100.5","ask_qty":"1"}'
		echo '{ "type" : "candle","ts":3,  "x": 1.50, "y":"é"}'
		order a 4 buy 100 0.2
	} > "$BATS_TEST_TMPDIR/in.ndjson"
	run --separate-stderr t riskcheck check "$BATS_TEST_TMPDIR/in.ndjson"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$market" ]
	[ "${lines[1]}" = "$(sed -n 2p "$BATS_TEST_TMPDIR/in.ndjson")" ]
	[ "${lines[2]}" = '{ "type" : "candle","ts":3,  "x": 1.50, "y":"é"}' ]
	[ "${lines[3]}" = '{"type":"order","ts":4,"id":"a","venue":"paper","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"100","qty":"0.2","risk":{"state":"ACTIVE","checks":["tick","lot","min_qty","min_notional","max_position","max_gross_exposure","max_open_positions","self_cross"]}}' ]
	[ "${#lines[@]}" -eq 4 ]
	[ "$stderr" = "" ]
}

@test "no command reads stdin as check does" {
	run --separate-stderr pipeline "printf '%s\n' '{\"type\":\"x\",\"ts\":1}' | riskcheck"
	[ "$status" -eq 0 ]
	[ "$output" = '{"type":"x","ts":1}' ]
}

@test "a reject carries the order's fields and every failed rule with exact numbers" {
	run t riskcheck limits set max_order_notional 1000
	[ "$status" -eq 0 ]
	run t riskcheck limits set max_order_qty 2
	[ "$status" -eq 0 ]
	{
		order at 1 buy 500 2
		order under 2 buy 499.99 2
		order over 3 buy 500.01 2
		order both 4 buy 600 2.5
	} > "$BATS_TEST_TMPDIR/o.ndjson"
	run --separate-stderr t riskcheck check "$BATS_TEST_TMPDIR/o.ndjson"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == '{"type":"order","ts":1,"id":"at",'* ]]
	[[ "${lines[1]}" == '{"type":"order","ts":2,"id":"under",'* ]]
	[ "${lines[2]}" = '{"type":"reject","ts":3,"id":"over","venue":"paper","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"500.01","qty":"2","reasons":[{"rule":"max_order_notional","scope":"global","limit":"1000","value":"1000.02"}]}' ]
	[ "${lines[3]}" = '{"type":"reject","ts":4,"id":"both","venue":"paper","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"600","qty":"2.5","reasons":[{"rule":"max_order_qty","scope":"global","limit":"2","value":"2.5"},{"rule":"max_order_notional","scope":"global","limit":"1000","value":"1500"}]}' ]
}

@test "instrument rules: reject off-tick and off-lot, or --round and record it" {
	{
		echo "$market"
		order a 2 buy 100.3 0.125
		order b 3 buy 1000 0.01
		order c 4 buy 499.5 0.02
	} > "$BATS_TEST_TMPDIR/o.ndjson"
	run --separate-stderr t riskcheck check "$BATS_TEST_TMPDIR/o.ndjson"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *'"reasons":[{"rule":"tick","scope":"market","limit":"0.5","value":"100.3"},{"rule":"lot","scope":"market","limit":"0.01","value":"0.125"}]}' ]]
	[[ "${lines[2]}" == *'"reasons":[{"rule":"min_qty","scope":"market","limit":"0.02","value":"0.01"}]}' ]]
	[[ "${lines[3]}" == *'"reasons":[{"rule":"min_notional","scope":"market","limit":"10","value":"9.99"}]}' ]]
	run --separate-stderr t riskcheck check --round "$BATS_TEST_TMPDIR/o.ndjson"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == '{"type":"order","ts":2,"id":"a","venue":"paper","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"100.0","qty":"0.12",'* ]]
	[[ "${lines[1]}" == *'"rounded":{"px":{"from":"100.3","to":"100.0"},"qty":{"from":"0.125","to":"0.12"}}}' ]]
}

@test "scopes: strategy over symbol over venue over global" {
	printf 'global max_order_qty 1\nvenue:paper max_order_qty 2\nsymbol:BTC/USDT max_order_qty 3\nstrategy:twap max_order_qty 4\n' > "$BATS_TEST_TMPDIR/l.txt"
	run t riskcheck limits import "$BATS_TEST_TMPDIR/l.txt"
	[ "$status" -eq 0 ]
	{
		order a 1 buy 1 3
		order b 2 buy 1 3.01
		order c 3 buy 1 4 ',"strategy":"twap"'
		order d 4 buy 1 4.01 ',"strategy":"twap"'
		echo '{"type":"order","ts":5,"id":"e","venue":"okx","symbol":"ETH/USDT","side":"buy","kind":"limit","px":"1","qty":"1.01"}'
	} > "$BATS_TEST_TMPDIR/o.ndjson"
	run --separate-stderr t riskcheck check "$BATS_TEST_TMPDIR/o.ndjson"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == '{"type":"order"'* ]]
	[[ "${lines[1]}" == *'{"rule":"max_order_qty","scope":"symbol:BTC/USDT","limit":"3","value":"3.01"}'* ]]
	[[ "${lines[2]}" == '{"type":"order"'* ]]
	[[ "${lines[3]}" == *'"scope":"strategy:twap","limit":"4","value":"4.01"'* ]]
	[[ "${lines[4]}" == *'"scope":"global","limit":"1","value":"1.01"'* ]]
	run pipeline "riskcheck limits show --format csv | tr -d '\\r'"
	[ "$status" -eq 0 ]
	assert_line 'strategy:twap,max_order_qty,4,largest quantity of one order (base units)'
	assert_line 'default,max_position,5000,"largest position per symbol, in-flight orders included (quote units)"'
}

@test "limits: bad scope, name or value is a usage error; a bad import changes nothing" {
	run t riskcheck limits set max_order_qty 1 --scope planet:x
	[ "$status" -eq 64 ]
	run t riskcheck limits set max_ordr_qty 1
	[ "$status" -eq 64 ]
	run t riskcheck limits set max_order_qty -5
	[ "$status" -eq 64 ]
	printf 'global max_order_qty 5\nglobal bogus 1\n' > "$BATS_TEST_TMPDIR/l.txt"
	run --separate-stderr t riskcheck limits import "$BATS_TEST_TMPDIR/l.txt"
	[ "$status" -eq 65 ]
	[ "$stderr" = "riskcheck: '$BATS_TEST_TMPDIR/l.txt' line 2: unknown limit 'bogus'; nothing was imported" ]
	[ "$(sql 'SELECT count(*) FROM risk_limit')" -eq 0 ]
	run t riskcheck limits unset max_order_qty
	[ "$status" -eq 65 ]
}

@test "positions from fills plus in-flight orders; order_event ends an order" {
	run t riskcheck limits set max_position 1000
	{
		echo '{"type":"fill","ts":1,"id":"x","venue":"paper","symbol":"BTC/USDT","side":"buy","px":"100","qty":"6","fee":"0","fee_ccy":"USDT","liquidity":"maker","trade_id":"1"}'
		order a 2 buy 100 4.01
		order b 3 buy 100 4
		order c 4 buy 100 0.01
		echo '{"type":"order_event","ts":5,"id":"b","venue":"paper","symbol":"BTC/USDT","status":"cancelled"}'
		order d 6 buy 100 4
	} > "$BATS_TEST_TMPDIR/o.ndjson"
	run --separate-stderr t riskcheck check "$BATS_TEST_TMPDIR/o.ndjson"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *'{"rule":"max_position","scope":"global","limit":"1000","value":"1001"}'* ]]
	[[ "${lines[2]}" == '{"type":"order"'* ]]
	[[ "${lines[3]}" == *'"value":"1001"'* ]]
	[[ "${lines[5]}" == '{"type":"order","ts":6,"id":"d"'* ]]
}

@test "bad input becomes error records and exit 65; the stream goes on" {
	{
		echo 'not json'
		order a 1 sell 100 0.05 | sed 's/"px":"100"/"px":"x"/'
		echo '{"type":"fill","ts":2,"id":"x"}'
		order b 3 buy 100 0.05
	} > "$BATS_TEST_TMPDIR/o.ndjson"
	run --separate-stderr t riskcheck check "$BATS_TEST_TMPDIR/o.ndjson"
	[ "$status" -eq 65 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == '{"type":"order","ts":3,"id":"b"'* ]]
	[ "$(grep -c '"type":"error"' <<<"$stderr")" -eq 3 ]
	[[ "$stderr" == *'"line":2,"reason":"order: field '"'px'"': cannot parse decimal'* ]]
	[[ "$stderr" == *'"line":3,"reason":"fill: missing field'* ]]
	run --separate-stderr t riskcheck check --strict "$BATS_TEST_TMPDIR/o.ndjson"
	[ "$status" -eq 65 ]
	[ "$output" = "" ]
}

@test "halt, status, resume; every change audited" {
	run t riskcheck status
	[ "$status" -eq 0 ]
	assert_line "state: ACTIVE"
	run t riskcheck halt
	[ "$status" -eq 64 ]
	run t riskcheck halt --reason "fat finger drill"
	[ "$status" -eq 0 ]
	run t riskcheck status --metrics "$BATS_TEST_TMPDIR/s.prom"
	assert_line "state: HALTED"
	assert_line "reason: fat finger drill"
	run grep '^lyra_riskcheck_state' "$BATS_TEST_TMPDIR/s.prom"
	assert_output 'lyra_riskcheck_state{prog="riskcheck",state="ACTIVE"} 0
lyra_riskcheck_state{prog="riskcheck",state="REDUCING"} 0
lyra_riskcheck_state{prog="riskcheck",state="HALTED"} 1'
	run --separate-stderr pipeline "printf '%s\n' '$(order a 1 sell 100 0.05)' | riskcheck check"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"reasons":[{"rule":"halted","scope":"global","limit":"HALTED","value":"fat finger drill"}]}' ]]
	run t riskcheck reduce --reason cooling
	[ "$status" -eq 0 ]
	run t riskcheck resume
	[ "$status" -eq 0 ]
	run t riskcheck status
	assert_line "state: ACTIVE"
	[ "$(sql "SELECT group_concat(action, ' ') FROM audit")" = "risk.halt risk.reduce risk.resume" ]
	[ "$(sql "SELECT details FROM audit WHERE action = 'risk.halt'")" = '{"from":"ACTIVE","reason":"fat finger drill","to":"HALTED"}' ]
}

@test "REDUCING lets only risk-reducing orders through" {
	run t riskcheck reduce --reason "daily loss"
	{
		echo '{"type":"fill","ts":1,"id":"x","venue":"paper","symbol":"BTC/USDT","side":"buy","px":"100","qty":"2","fee":"0","fee_ccy":"USDT","liquidity":"maker","trade_id":"1"}'
		order a 2 buy 100 1
		order b 3 sell 100 2.01
		order c 4 sell 100 1.5
		order d 5 sell 101 0.5
		order e 6 sell 102 0.01
	} > "$BATS_TEST_TMPDIR/o.ndjson"
	run --separate-stderr t riskcheck check "$BATS_TEST_TMPDIR/o.ndjson"
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == *'{"rule":"reducing","scope":"global","limit":"REDUCING","value":"increases risk"}'* ]]
	[[ "${lines[2]}" == '{"type":"reject"'* ]]
	[[ "${lines[3]}" == '{"type":"order"'*'"state":"REDUCING"'* ]]
	[[ "${lines[4]}" == '{"type":"order"'* ]]
	[[ "${lines[5]}" == '{"type":"reject"'* ]]
}

@test "kill switch: a filter started before the halt rejects within a second" {
	local fifo=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	mkfifo "$fifo"
	timeout 30 riskcheck check --unbuffered < "$fifo" > "$out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	exec 7>"$fifo"
	order a 1 buy 100 0.05 >&7
	for _ in $(seq 50); do [ "$(wc -l < "$out")" -ge 1 ] && break; sleep 0.1; done
	[ "$(wc -l < "$out")" -eq 1 ]
	run t riskcheck halt --reason drill
	[ "$status" -eq 0 ]
	sleep 1
	order b 2 sell 200 0.05 >&7
	for _ in $(seq 50); do [ "$(wc -l < "$out")" -ge 2 ] && break; sleep 0.1; done
	run t riskcheck resume
	sleep 1
	order c 3 sell 200 0.05 >&7
	exec 7>&-
	wait "$pid"
	run cat "$out"
	[[ "${lines[0]}" == '{"type":"order","ts":1,"id":"a"'* ]]
	[[ "${lines[1]}" == '{"type":"reject","ts":2,"id":"b"'*'{"rule":"halted","scope":"global","limit":"HALTED","value":"drill"}]}' ]]
	[[ "${lines[2]}" == '{"type":"order","ts":3,"id":"c"'* ]]
}

@test "rejected-order storm trips HALTED in the store, audited as risk.breaker" {
	run t riskcheck limits set reject_storm 2
	run t riskcheck limits set max_order_qty 1
	{
		order a 1 buy 1 2
		order b 2 buy 1 2
		order c 3 buy 1 2
		order d 4 buy 1 1
	} > "$BATS_TEST_TMPDIR/o.ndjson"
	run --separate-stderr t riskcheck check "$BATS_TEST_TMPDIR/o.ndjson"
	[ "$status" -eq 0 ]
	[[ "${lines[3]}" == *'"rule":"halted"'* ]]
	[ "$stderr" = "riskcheck: breaker tripped: reject_storm: 3 rejects within a minute exceed 2 -> HALTED" ]
	run t riskcheck status
	assert_line "state: HALTED"
	assert_line "reason: reject_storm: 3 rejects within a minute exceed 2"
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'risk.breaker'")" -eq 1 ]
}

@test "daily loss breaker from the stream's fills trips REDUCING" {
	run t riskcheck limits set daily_loss 100
	{
		echo '{"type":"fill","ts":1,"id":"x","venue":"paper","symbol":"BTC/USDT","side":"buy","px":"100","qty":"10","fee":"0","fee_ccy":"USDT","liquidity":"maker","trade_id":"1"}'
		echo '{"type":"fill","ts":2,"id":"y","venue":"paper","symbol":"BTC/USDT","side":"sell","px":"89.99","qty":"10","fee":"0","fee_ccy":"USDT","liquidity":"maker","trade_id":"2"}'
		order a 3 buy 90 1
	} > "$BATS_TEST_TMPDIR/o.ndjson"
	run --separate-stderr t riskcheck check --metrics "$BATS_TEST_TMPDIR/m.prom" "$BATS_TEST_TMPDIR/o.ndjson"
	[ "$status" -eq 0 ]
	[[ "${lines[2]}" == *'"rule":"reducing"'* ]]
	run t riskcheck status
	assert_line "state: REDUCING"
	assert_line "reason: daily_loss: realised loss 100.1 exceeds 100"
	run grep -E '^lyra_riskcheck_(breaker|daily|state)' "$BATS_TEST_TMPDIR/m.prom"
	assert_output 'lyra_riskcheck_breaker_trips_total{prog="riskcheck",breaker="daily_loss"} 1
lyra_riskcheck_breaker_trips_total{prog="riskcheck",breaker="drawdown_pct"} 0
lyra_riskcheck_breaker_trips_total{prog="riskcheck",breaker="reject_storm"} 0
lyra_riskcheck_breaker_trips_total{prog="riskcheck",breaker="venue_errors"} 0
lyra_riskcheck_daily_loss{prog="riskcheck"} 100.1
lyra_riskcheck_daily_loss_limit{prog="riskcheck"} 100
lyra_riskcheck_state{prog="riskcheck",state="ACTIVE"} 0
lyra_riskcheck_state{prog="riskcheck",state="REDUCING"} 1
lyra_riskcheck_state{prog="riskcheck",state="HALTED"} 0'
}

@test "stale marks, leverage and concentration; positions from the store's fills, counted once" {
	run t riskcheck status   # creates the store
	sql "INSERT INTO fills (ts, venue, trade_id, symbol, side, px, qty, fee, fee_ccy, fee_quote, line) VALUES (1000000, 'paper', 'S1', 'BTC/USDT', 'buy', '100', '4', '0', 'USDT', '0', '{}')"
	printf '%s\n' 'global stale_mark_sec 5' 'global equity 1000' 'global max_leverage 2' \
		'global max_concentration_pct 50' 'symbol:ETH/USDT max_concentration_pct 200' \
		'global max_position 1000000' 'global max_gross_exposure 1000000' > "$BATS_TEST_TMPDIR/l.txt"
	run t riskcheck limits import "$BATS_TEST_TMPDIR/l.txt"
	[ "$status" -eq 0 ]
	eth() { printf '{"type":"order","ts":%s,"id":"%s","venue":"paper","symbol":"%s","side":"buy","kind":"limit","px":"1000","qty":"%s"}\n' "$2" "$1" "${4:-ETH/USDT}" "$3"; }
	{
		echo '{"type":"fill","ts":1000000,"id":"x","venue":"paper","symbol":"BTC/USDT","side":"buy","px":"100","qty":"4","fee":"0","fee_ccy":"USDT","liquidity":"maker","trade_id":"S1"}'
		echo '{"type":"bbo","ts":10000000,"venue":"paper","symbol":"BTC/USDT","bid_px":"99","bid_qty":"1","ask_px":"101","ask_qty":"1"}'
		echo '{"type":"trade","ts":15000000,"venue":"paper","symbol":"ETH/USDT","id":"1","side":"buy","px":"1000","qty":"1"}'
		order a 15000000 buy 100 1
		order b 15000001 buy 100 0.01
		eth c 15000000 1.5
		eth d 15000000 0.001
		eth e 15000000 0.001 XRP/USDT
	} > "$BATS_TEST_TMPDIR/o.ndjson"
	run --separate-stderr t riskcheck check "$BATS_TEST_TMPDIR/o.ndjson"
	[ "$status" -eq 0 ]
	# a: mark 5 s old, position 4 (stored) + 1 = 500 = 50% of equity 1000, gross 500: all at
	[[ "${lines[3]}" == '{"type":"order","ts":15000000,"id":"a",'*'"stale_mark_sec",'*'"max_leverage","max_concentration_pct",'* ]]
	[ "${lines[4]}" = '{"type":"reject","ts":15000001,"id":"b","venue":"paper","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"100","qty":"0.01","reasons":[{"rule":"stale_mark_sec","scope":"global","limit":"5","value":"5.000001"},{"rule":"max_concentration_pct","scope":"global","limit":"50","value":"50.1"}]}' ]
	# c: 1500 of ETH = 150% (symbol limit 200), gross 500 + 1500 = 2000 = 2x: at the limit
	[[ "${lines[5]}" == '{"type":"order","ts":15000000,"id":"c",'* ]]
	[[ "${lines[6]}" == *'"reasons":[{"rule":"max_leverage","scope":"global","limit":"2","value":"2.001"}]}' ]]
	[[ "${lines[7]}" == *'"reasons":[{"rule":"stale_mark_sec","scope":"global","limit":"5","value":"no mark"}'* ]]
}

@test "the documented defaults: position 5000, exposure 13000, 10 open positions, daily loss 500, drawdown 15%" {
	run pipeline "riskcheck limits show --format csv | tr -d '\\r' | grep ^default, | cut -d, -f2,3"
	assert_output 'max_position,5000
max_gross_exposure,13000
max_open_positions,10
daily_loss,500
drawdown_pct,15
reject_storm,50
venue_errors,20
atr_period,14'
	o() { printf '{"type":"order","ts":%s,"id":"%s","venue":"paper","symbol":"%s","side":"buy","kind":"limit","px":"%s","qty":"1"}\n' "$1" "$1" "$2" "$3"; }
	{
		o 1 A/USDT 5000.01; o 2 A/USDT 4500; o 3 B/USDT 4500; o 4 C/USDT 4000.01; o 5 C/USDT 3999
		for i in $(seq 6 13); do o "$i" "S$i/USDT" 0.0001; done
	} > "$BATS_TEST_TMPDIR/o.ndjson"
	run --separate-stderr t riskcheck check "$BATS_TEST_TMPDIR/o.ndjson"
	[[ "${lines[0]}" == *'"reasons":[{"rule":"max_position","scope":"default","limit":"5000","value":"5000.01"}]}' ]]
	[[ "${lines[3]}" == *'"reasons":[{"rule":"max_gross_exposure","scope":"default","limit":"13000","value":"13000.01"}]}' ]]
	[[ "${lines[4]}" == '{"type":"order"'* ]]
	[[ "${lines[11]}" == '{"type":"order"'* ]]     # the 10th symbol
	[[ "${lines[12]}" == *'"reasons":[{"rule":"max_open_positions","scope":"default","limit":"10","value":"11"}]}' ]]
	f() { printf '{"type":"fill","ts":%s,"id":"f%s","venue":"paper","symbol":"BTC/USDT","side":"%s","px":"%s","qty":"10","fee":"0","fee_ccy":"USDT","liquidity":"maker","trade_id":"%s"}\n' "$1" "$1" "$2" "$3" "$1"; }
	{ f 1 buy 100; f 2 sell 50; f 3 buy 100; f 4 sell 99.999; } > "$BATS_TEST_TMPDIR/f.ndjson"
	run --separate-stderr t riskcheck check "$BATS_TEST_TMPDIR/f.ndjson"
	[ "$stderr" = "riskcheck: breaker tripped: daily_loss: realised loss 500.01 exceeds 500 -> REDUCING" ]
	run t riskcheck resume
	run t riskcheck limits set equity 1000
	{ f 1 buy 100; f 2 sell 85; f 3 buy 100; f 4 sell 99.999; } > "$BATS_TEST_TMPDIR/f.ndjson"
	run --separate-stderr t riskcheck check "$BATS_TEST_TMPDIR/f.ndjson"
	[ "$stderr" = "riskcheck: breaker tripped: drawdown_pct: drawdown 15.001% exceeds 15% -> REDUCING" ]
}

@test "venue error rate: refusals by the venue within a minute trip HALTED" {
	run t riskcheck limits set venue_errors 2
	ev() { printf '{"type":"order_event","ts":%s,"id":"%s","venue":"binance","symbol":"BTC/USDT","status":"rejected"%s}\n' "$1" "$2" "${3:-}"; }
	{
		ev 1000000 a ',"error":"rate_limit"'
		ev 2000000 b ',"reason":"trading halted"'
		ev 61000000 c ',"error":"rate_limit"'
		ev 62000000 d ',"error":"insufficient_funds"'
		order e 63000000 buy 100 0.05
		ev 62000001 f ',"error":"rate_limit"'
		order g 63000000 buy 100 0.05
	} > "$BATS_TEST_TMPDIR/o.ndjson"
	run --separate-stderr t riskcheck check "$BATS_TEST_TMPDIR/o.ndjson"
	[ "$status" -eq 0 ]
	[[ "${lines[4]}" == '{"type":"order","ts":63000000,"id":"e"'* ]]
	[[ "${lines[6]}" == *'"reasons":[{"rule":"halted","scope":"global","limit":"HALTED","value":"venue_errors: 3 orders refused by the venue within a minute exceed 2 (last: binance)"}]}' ]]
	[ "$stderr" = "riskcheck: breaker tripped: venue_errors: 3 orders refused by the venue within a minute exceed 2 (last: binance) -> HALTED" ]
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'risk.breaker'")" -eq 1 ]
}

@test "size: kelly, fixed-fractional and vol-target against hand-computed values" {
	run t riskcheck size --method kelly --equity 10000 --win-rate 0.55 --payoff 1.5 --cap 0.1 --price 43250 --lot 0.001
	[ "$status" -eq 0 ]
	assert_line "kelly: 0.25 = p - (1 - p) / b = 0.55 - 0.45 / 1.5"
	assert_line "fraction: 0.125 = kelly x 0.5"
	assert_line "cap: 0.1 (binding: fraction 0.125 -> 0.1)"
	assert_line "size: 1000 = equity x fraction = 10000 x 0.1"
	assert_line "qty: 0.023 = size / price = 1000 / 43250 (down to the lot)"
	run t riskcheck size --method fixed-fractional --equity 10000 --risk 0.01 --entry 100 --stop 95
	[ "$status" -eq 0 ]
	assert_line "risk_amount: 100 = equity x risk = 10000 x 0.01"
	assert_line "qty: 20 = risk_amount / risk_per_unit"
	assert_line "size: 2000 = equity x fraction = 10000 x 0.2"
	run t riskcheck size --method vol-target --equity 10000 --target-vol 0.15 --vol 0.6 --cap 2
	[ "$status" -eq 0 ]
	assert_line "fraction: 0.25 = target_vol / vol = 0.15 / 0.6"
	assert_line "size: 2500 = equity x fraction = 10000 x 0.25"
	run t riskcheck size --method kelly --equity 10000 --win-rate 0.4 --payoff 1
	assert_line "kelly: 0 (no edge: do not trade)"
	assert_line "size: 0 = equity x fraction = 10000 x 0"
	run t riskcheck size --method martingale --equity 1
	[ "$status" -eq 64 ]
	run t riskcheck size --method kelly --equity 1
	[ "$status" -eq 64 ]
}

@test "size risk-parity: inverse volatility and equal risk contribution, hand-computed" {
	c() { printf '{"type":"candle","ts":%s,"venue":"paper","symbol":"%s","interval":"1d","open":"1","high":"%s","low":"%s","close":"%s","volume":"1"}\n' "$1" "$2" "$3" "$3" "$3"; }
	# A returns +10%, -10%, +10%; B -5%, +5%, +5%: B's volatility is half A's, so the weights
	# are 1/3 and 2/3 by inverse volatility, and by ERC too (two assets, any correlation)
	{
		c 1 A/USDT 100; c 1 B/USDT 100; c 2 A/USDT 110; c 2 B/USDT 95; c 3 A/USDT 99
		c 3 B/USDT 99.75; c 4 A/USDT 108.9; c 4 B/USDT 104.7375; c 4 X/USDT 5
		echo '{"type":"trade","ts":5,"venue":"paper","symbol":"A/USDT","id":"1","side":"buy","px":"1","qty":"1"}'
	} > "$BATS_TEST_TMPDIR/c2"
	for w in erc inverse-vol; do
		run t riskcheck size --method risk-parity --weighting $w --equity 10000 --symbols A/USDT,B/USDT --lot 0.01 "$BATS_TEST_TMPDIR/c2"
		[ "$status" -eq 0 ]
		assert_line "returns: 3 per symbol, simple, from 4 aligned closes"
		assert_line "A/USDT: vol 0.11547005, weight 0.33333333, risk share 0.500000"
		assert_line "A/USDT: size 3333.3333 = equity x weight = 10000 x 0.33333333"
		assert_line "A/USDT: qty 30.6 = size / last close 108.9 (down to the lot)"
		assert_line "B/USDT: vol 0.05773503, weight 0.66666667, risk share 0.500000"
		assert_line "B/USDT: qty 63.65 = size / last close 104.7375 (down to the lot)"
	done
	# three uncorrelated assets (orthogonal +-1%, +-2%, +-4% paths): ERC = inverse volatility,
	# weights 4/7, 2/7, 1/7, a third of the risk each
	{
		c 1 A 100; c 1 B 100; c 1 C 100; c 2 A 101; c 2 B 102; c 2 C 104
		c 3 A 102.01; c 3 B 99.96; c 3 C 99.84; c 4 A 100.9899; c 4 B 101.9592; c 4 C 95.8464
		c 5 A 99.980001; c 5 B 99.920016; c 5 C 99.680256
	} > "$BATS_TEST_TMPDIR/c3"
	run t riskcheck size --method risk-parity --equity 7000 "$BATS_TEST_TMPDIR/c3"
	[ "$status" -eq 0 ]
	assert_line "weighting: erc (equal risk contribution)"
	assert_line "A: vol 0.01154701, weight 0.57142857, risk share 0.333333"
	assert_line "B: vol 0.02309401, weight 0.28571429, risk share 0.333333"
	assert_line "C: vol 0.04618802, weight 0.14285714, risk share 0.333333"
	assert_line "A: size 3999.99999 = equity x weight = 7000 x 0.57142857"
	assert_line "C: qty 10.0320767635 = size / last close 99.680256"
	# the same candles recorded in the store, no FILE
	while read -r l; do
		sql "INSERT INTO md_record (ts, type, venue, symbol, interval, hash, line) VALUES (json_extract('$l', '\$.ts'), 'candle', 'paper', json_extract('$l', '\$.symbol'), '1d', randomblob(16), '$l')"
	done < "$BATS_TEST_TMPDIR/c3"
	run t riskcheck size --method risk-parity --equity 7000 --weighting inverse-vol
	[ "$status" -eq 0 ]
	assert_line "B: size 2000.00003 = equity x weight = 7000 x 0.28571429"
	run t riskcheck size --method risk-parity --equity 7000 --weighting equal "$BATS_TEST_TMPDIR/c3"
	[ "$status" -eq 64 ]
	run t riskcheck size --method risk-parity --equity 7000 --symbols A "$BATS_TEST_TMPDIR/c3"
	[ "$status" -eq 65 ]
}
