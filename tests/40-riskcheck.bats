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
lyra_riskcheck_daily_loss{prog="riskcheck"} 100.1
lyra_riskcheck_daily_loss_limit{prog="riskcheck"} 100
lyra_riskcheck_state{prog="riskcheck",state="ACTIVE"} 0
lyra_riskcheck_state{prog="riskcheck",state="REDUCING"} 1
lyra_riskcheck_state{prog="riskcheck",state="HALTED"} 0'
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
