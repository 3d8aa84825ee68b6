#!/usr/bin/env bats
# riskcheck stops: every stop type on a scripted price path with hand-computed trigger points,
# positions from the store's fills counted once, re-arming after a refused stop order, a
# kill -9 and restart mid-path giving the same output as one uninterrupted run, and the audit
# trail of every stop change.

load helper

sql() { sqlite3 -bail "$LYRA_DB" "$@"; }

# fill TS SIDE PX QTY [SYMBOL] [TRADE_ID]
fill() {
	printf '{"type":"fill","ts":%s,"id":"o%s","venue":"paper","symbol":"%s","side":"%s","px":"%s","qty":"%s","fee":"0","fee_ccy":"USDT","liquidity":"taker","trade_id":"%s"}\n' \
		"$1" "$1" "${5:-BTC/USDT}" "$2" "$3" "$4" "${6:-t$1}"
}
# trade TS PX [SYMBOL]
trade() {
	printf '{"type":"trade","ts":%s,"venue":"paper","symbol":"%s","id":"x%s","side":"buy","px":"%s","qty":"1"}\n' \
		"$1" "${3:-BTC/USDT}" "$1" "$2"
}
# candle TS HIGH LOW CLOSE (1m bars; the close is a mark at TS + 60 s)
candle() {
	printf '{"type":"candle","ts":%s,"venue":"paper","symbol":"BTC/USDT","interval":"1m","open":"%s","high":"%s","low":"%s","close":"%s","volume":"1"}\n' \
		"$1" "$4" "$2" "$3" "$4"
}
S=1000000   # one second of event time

# orders: the stop orders in the output, one line each: ts id-free summary
orders() {
	grep '"type":"order"' | sed -E 's/"id":"stop-[0-9a-f]{16}",//'
}

@test "fixed stops: stop_px from the store (symbol scope), stop_pct from an option, long and short" {
	run t riskcheck stops set stop_px 95 --scope symbol:BTC/USDT
	[ "$status" -eq 0 ]
	run t riskcheck stops set max_order_qty 1
	[ "$status" -eq 64 ]
	{
		fill $((1 * S)) buy 100 1
		fill $((2 * S)) sell 50 1 ETH/USDT
		trade $((3 * S)) 95.01                # long: stop_px 95 beats stop_pct 90
		trade $((4 * S)) 54.99 ETH/USDT       # short: stop_pct 10 -> 55
		trade $((5 * S)) 55 ETH/USDT          # at the level: triggers
		trade $((6 * S)) 95                   # at the level: triggers
		trade $((7 * S)) 90                   # already triggered: nothing more
	} > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t riskcheck stops --stop-pct 10 "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 9 ]
	run pipeline "riskcheck stops --stop-pct 10 '$BATS_TEST_TMPDIR/in' | grep -c '\"type\":\"order\"'"
	[ "$output" = 0 ]   # the store remembers: a second run over the same fills adds nothing
	run pipeline "riskcheck stops show --format csv | tr -d '\\r'"
	assert_line 'paper,BTC/USDT,1,100,100,95,stop_px,triggered,'"$(sql "SELECT order_id FROM risk_stop WHERE symbol = 'BTC/USDT'")"',1970-01-01T00:00:01Z'
	assert_line --partial 'paper,ETH/USDT,-1,50,50,55,stop_pct,triggered,stop-'
}

@test "fixed stops: exact trigger records" {
	{
		fill $((1 * S)) buy 100 1
		fill $((2 * S)) sell 50 1 ETH/USDT
		trade $((3 * S)) 90.01
		trade $((4 * S)) 54.99 ETH/USDT
		trade $((5 * S)) 55 ETH/USDT
		trade $((6 * S)) 90
	} > "$BATS_TEST_TMPDIR/in"
	run pipeline "riskcheck stops --stop-pct 10 '$BATS_TEST_TMPDIR/in' | grep '\"type\":\"order\"' | sed -E 's/\"id\":\"stop-[0-9a-f]{16}\",//'"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"type":"order","ts":5000000,"venue":"paper","symbol":"ETH/USDT","side":"buy","kind":"market","qty":"1","strategy":"stops","reduce_only":true,"stop":{"rule":"stop_pct","level":"55","mark":"55","entry":"50"}}' ]
	[ "${lines[1]}" = '{"type":"order","ts":6000000,"venue":"paper","symbol":"BTC/USDT","side":"sell","kind":"market","qty":"1","strategy":"stops","reduce_only":true,"stop":{"rule":"stop_pct","level":"90","mark":"90","entry":"100"}}' ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "trailing percent: the level follows the best price up, never down" {
	{
		fill $((1 * S)) buy 100 2
		trade $((2 * S)) 105      # level 99.75
		trade $((3 * S)) 110      # level 104.5
		trade $((4 * S)) 104.6    # above: nothing
		trade $((5 * S)) 104.5    # at 104.5: triggers
	} > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t riskcheck stops --trail-pct 5 "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 6 ]
	[[ "${lines[5]}" =~ ^\{\"type\":\"order\",\"ts\":5000000,\"id\":\"stop-[0-9a-f]{16}\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\",\"side\":\"sell\",\"kind\":\"market\",\"qty\":\"2\",\"strategy\":\"stops\",\"reduce_only\":true,\"stop\":\{\"rule\":\"trail_pct\",\"level\":\"104.5\",\"mark\":\"104.5\",\"entry\":\"100\"\}\}$ ]]
	[ "$(sql "SELECT group_concat(a, ', ') FROM (SELECT action || ' ' || json_extract(details, '$.level') AS a FROM audit ORDER BY seq)")" = \
		'risk.stop.open 95, risk.stop.move 99.75, risk.stop.move 104.5, risk.stop.trigger 104.5' ]
}

@test "ATR: trailing ATR multiple and the ATR initial stop, from candles" {
	# true ranges 4, 4, 4 (ATR(3) = 4 when the fill comes), then 7 (ATR 5)
	{
		candle 0 102 98 100
		candle $((60 * S)) 103 99 101
		candle $((120 * S)) 104 100 102
		fill $((181 * S)) buy 102 1
		candle $((180 * S)) 109 102 108     # best 108, ATR 5: trail 108 - 1.5 x 5 = 100.5
		trade $((245 * S)) 100.6
		trade $((250 * S)) 100.5
	} > "$BATS_TEST_TMPDIR/in"
	run pipeline "riskcheck stops --trail-atr 1.5 --atr-stop 2 --atr-period 3 '$BATS_TEST_TMPDIR/in' | grep '\"type\":\"order\"'"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == '{"type":"order","ts":250000000,'*'"stop":{"rule":"trail_atr","level":"100.5","mark":"100.5","entry":"102"}}' ]]
	# the levels on the way: open at max(atr_stop 102 - 8 = 94, trail 102 - 6 = 96)
	[ "$(sql "SELECT group_concat(l, ' ') FROM (SELECT json_extract(details, '$.level') AS l FROM audit ORDER BY seq)")" = '96 100.5 100.5' ]
	# the ATR initial stop alone stays at 94 while the price rises and falls
	export LYRA_DB=$BATS_TEST_TMPDIR/other.db
	sed -i 's/"px":"100.5"/"px":"94.01"/' "$BATS_TEST_TMPDIR/in"
	trade $((255 * S)) 94 >> "$BATS_TEST_TMPDIR/in"
	run pipeline "riskcheck stops --atr-stop 2 --atr-period 3 '$BATS_TEST_TMPDIR/in' | grep '\"type\":\"order\"'"
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == '{"type":"order","ts":255000000,'*'"stop":{"rule":"atr_stop","level":"94","mark":"94","entry":"102"}}' ]]
}

@test "time stop: max holding time on event time, marks from bbo" {
	{
		fill $((10 * S)) buy 100 0.5
		echo '{"type":"bbo","ts":60000000,"venue":"paper","symbol":"BTC/USDT","bid_px":"99","bid_qty":"1","ask_px":"101","ask_qty":"1"}'
		echo '{"type":"candle_x","ts":500000000}'
		echo '{"type":"bbo","ts":99999999,"venue":"paper","symbol":"BTC/USDT","bid_px":"99","bid_qty":"1","ask_px":"101","ask_qty":"1"}'
		echo '{"type":"bbo","ts":100000000,"venue":"paper","symbol":"BTC/USDT","bid_px":"99","bid_qty":"1","ask_px":"101","ask_qty":"1"}'
	} > "$BATS_TEST_TMPDIR/in"
	run pipeline "riskcheck stops --max-hold 90s '$BATS_TEST_TMPDIR/in'"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 6 ]
	[[ "${lines[5]}" == '{"type":"order","ts":100000000,"id":"stop-'*'","venue":"paper","symbol":"BTC/USDT","side":"sell","kind":"market","qty":"0.5","strategy":"stops","reduce_only":true,"stop":{"rule":"max_hold_sec","opened":10000000,"entry":"100"}}' ]]
}

@test "profit protection: break-even after +2%, then half of the open profit after +4%; short break-even" {
	{
		fill $((1 * S)) buy 100 1
		fill $((1 * S + 1)) sell 50 2 ETH/USDT
		trade $((2 * S)) 101.9     # +1.9%: no stop yet
		trade $((3 * S)) 102       # +2%: break-even, level 100
		trade $((4 * S)) 103.99    # +3.99%: still 100
		trade $((5 * S)) 106       # +6%: lock 50% of 6 -> 103
		trade $((5 * S + 1)) 49 ETH/USDT   # short +2%: level 50
		trade $((6 * S)) 103.01
		trade $((7 * S)) 103       # triggers at 103
		trade $((8 * S)) 50 ETH/USDT       # triggers at 50
	} > "$BATS_TEST_TMPDIR/in"
	run pipeline "riskcheck stops --breakeven-pct 2 --lock-pct 50 --lock-after-pct 4 '$BATS_TEST_TMPDIR/in' | grep '\"type\":\"order\"'"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == '{"type":"order","ts":7000000,'*'"side":"sell",'*'"stop":{"rule":"lock_pct","level":"103","mark":"103","entry":"100"}}' ]]
	[[ "${lines[1]}" == '{"type":"order","ts":8000000,'*'"side":"buy","kind":"market","qty":"2",'*'"stop":{"rule":"breakeven_pct","level":"50","mark":"50","entry":"50"}}' ]]
	[ "$(sql "SELECT group_concat(l, ' ') FROM (SELECT json_extract(details, '$.level') AS l FROM audit WHERE object = 'stop:paper/BTC/USDT' AND action != 'risk.stop.open' ORDER BY seq)")" = '100 100 103 103' ]
}

@test "stored fills count once; a refused stop order re-arms; bad records are error records" {
	run t riskcheck status   # creates the store
	sql "INSERT INTO fills (ts, venue, trade_id, symbol, side, px, qty, fee, fee_ccy, fee_quote, line) VALUES (1000000, 'paper', 'T1', 'SOL/USDT', 'buy', '200', '3', '0', 'USDT', '0', '{}')"
	{
		fill $((2 * S)) buy 200 3 SOL/USDT T1         # the same fill from the stream: not again
		trade $((3 * S)) 190.01 SOL/USDT
		trade $((4 * S)) 190 SOL/USDT                  # 5% below 200: triggers, qty 3
		echo '{"type":"fill","ts":4500000,"id":"z","venue":"paper","symbol":"SOL/USDT","side":"sell","qty":"1","fee":"0","fee_ccy":"USDT","liquidity":"taker","trade_id":"T9"}'
	} > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t riskcheck stops --stop-pct 5 "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 65 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[3]}" == *'"qty":"3",'*'"rule":"stop_pct","level":"190"'* ]]
	[[ "$stderr" == *'"line":4,"reason":"fill: missing field '"'px'"'"'* ]]
	id=$(sql "SELECT order_id FROM risk_stop")
	{
		printf '{"type":"order_event","ts":5000000,"id":"%s","venue":"paper","symbol":"SOL/USDT","status":"rejected","reason":"halted"}\n' "$id"
		trade $((6 * S)) 189 SOL/USDT
	} > "$BATS_TEST_TMPDIR/in2"
	run --separate-stderr t riskcheck stops --stop-pct 5 "$BATS_TEST_TMPDIR/in2"
	[ "$status" -eq 0 ]
	[[ "${lines[2]}" == '{"type":"order","ts":6000000,'*'"qty":"3",'*'"mark":"189"'* ]]
	[[ "${lines[2]}" != *"$id"* ]]
	[ "$(sql "SELECT group_concat(action, ' ') FROM (SELECT action FROM audit ORDER BY seq)")" = 'risk.stop.sync risk.stop.trigger risk.stop.rearm risk.stop.trigger' ]
	[ "$(sql "SELECT count(*) FROM risk_stop_fill")" -eq 0 ]
}

@test "kill -9 and restart mid-path gives the same output as an uninterrupted run" {
	{
		candle 0 102 98 100
		candle $((60 * S)) 103 99 101
		candle $((120 * S)) 104 100 102
		fill $((181 * S)) buy 102 1
		fill $((182 * S)) sell 20 4 ETH/USDT
		trade $((183 * S)) 104
		trade $((184 * S)) 19 ETH/USDT
		candle $((180 * S)) 109 102 108
		trade $((245 * S)) 18 ETH/USDT
		trade $((246 * S)) 100.6
		trade $((247 * S)) 18.9 ETH/USDT
		trade $((250 * S)) 100.5
		trade $((251 * S)) 19.8 ETH/USDT
	} > "$BATS_TEST_TMPDIR/in"
	local opts="--trail-atr 1.5 --atr-period 3 --trail-pct 10"
	LYRA_DB=$BATS_TEST_TMPDIR/whole.db run pipeline "riskcheck stops $opts '$BATS_TEST_TMPDIR/in'"
	[ "$status" -eq 0 ]
	local whole=$output
	[ "$(grep -c '"type":"order"' <<<"$whole")" -eq 2 ]
	# the first 8 lines through a pipe, killed once they are out; the rest in a new process
	local fifo=$BATS_TEST_TMPDIR/fifo out=$BATS_TEST_TMPDIR/out1
	mkfifo "$fifo"
	timeout 30 riskcheck stops $opts --unbuffered < "$fifo" > "$out" &
	local pid=$!
	exec 7>"$fifo"
	head -n 8 "$BATS_TEST_TMPDIR/in" >&7
	for _ in $(seq 100); do [ "$(wc -l < "$out")" -ge 8 ] && break; sleep 0.05; done
	kill -9 "$pid"
	wait "$pid" || true
	exec 7>&-
	[ "$(wc -l < "$out")" -eq 8 ]
	tail -n +9 "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/rest"
	run t riskcheck stops $opts "$BATS_TEST_TMPDIR/rest"
	[ "$status" -eq 0 ]
	[ "$(cat "$out"; echo "$output")" = "$whole" ]
}
