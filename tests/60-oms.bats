#!/usr/bin/env bats
# oms on the paper venue: the order lifecycle, hand-computed fills, write-ahead storage,
# idempotent resends, the kill switch, pass-through, bad input, restart and kill -9 recovery,
# and the list/show/cancel commands.

load helper

MD=$FIXTURES/oms/market.ndjson

sql() { sqlite3 "$LYRA_DB" "$1"; }

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	export XDG_DATA_HOME="$HOME/.local/share"
	export XDG_CONFIG_HOME="$HOME/.config"
	export LYRA_DB="$BATS_TEST_TMPDIR/lyra.db"
	mkdir -p "$HOME"
	unset LYRA_TOKEN
	cd "$BATS_TEST_TMPDIR"
}

# order ID SIDE KIND QTY [PX] [TS] [EXTRA_JSON_FIELDS]
order() {
	local px=${5:+,\"px\":\"$5\"}
	printf '{"type":"order","ts":%s,"id":"%s","venue":"binance","symbol":"BTC/USDT","side":"%s","kind":"%s","qty":"%s"%s%s}\n' \
		"${6:-3000}" "$1" "$2" "$3" "$4" "$px" "${7:+,$7}"
}

trade() { # TS SIDE PX QTY
	printf '{"type":"trade","ts":%s,"venue":"binance","symbol":"BTC/USDT","id":"t%s","side":"%s","px":"%s","qty":"%s"}\n' \
		"$1" "$1" "$2" "$3" "$4"
}

@test "market buy walks the book: one taker fill per level, fees from the market record" {
	{ cat "$MD"; order m1 buy market 2; } > in.ndjson
	run t oms --venue paper in.ndjson
	assert_success
	# the two records of market data pass through first, in order
	[ "$(echo "$output" | head -2)" = "$(cat "$MD")" ]
	run jq -r 'select(.type=="order_event") | .status' <<<"$output"
	assert_output "$(printf 'new\nacked\nfilled')"
	run jq -c 'select(.type=="fill") | [.venue, .book_venue, .px, .qty, (.fee|tonumber), .fee_ccy, .liquidity]' \
		< <(t oms --venue paper --db "$BATS_TEST_TMPDIR/b.db" in.ndjson)
	assert_output "$(printf '%s\n' '["paper","binance","100.00","1",0.1,"USDT","taker"]' \
		'["paper","binance","101.00","1",0.101,"USDT","taker"]')"
	# stored: the order, its events, its fills; the filled quantity is the sum of the fills
	[ "$(sql "SELECT status, filled_qty, notional FROM orders WHERE id = 'm1'")" = "filled|2|201.00" ]
	[ "$(sql "SELECT count(*) FROM order_fills WHERE id = 'm1'")" -eq 2 ]
	[ "$(sql "SELECT group_concat(status, ',') FROM (SELECT status FROM order_events WHERE id = 'm1' ORDER BY seq)")" = "new,acked,filled" ]
	# every state change is audited
	[ "$(sql "SELECT count(*) FROM audit WHERE object = 'order:m1'")" -eq 5 ]
	run t audit verify -q
	assert_success
}

@test "resting limit order fills only after the queue ahead of it has traded" {
	{
		cat "$MD"
		order l1 buy limit 1 99.00 3000
		trade 4000 sell 99.00 1.5      # 2 ahead of us: 0.5 left ahead, no fill
		trade 5000 sell 99.00 1.0      # 0.5 for the queue, 0.5 for us
		printf '{"type":"cancel","ts":6000,"id":"l1","venue":"binance"}\n'
	} > in.ndjson
	run t oms --venue paper in.ndjson
	assert_success
	run jq -c 'select(.type=="fill") | [.ts, .px, .qty, (.fee|tonumber), .liquidity]' <<<"$output"
	assert_output '[5000,"99.00","0.5",0.02475,"maker"]'
	run jq -r 'select(.type=="order_event") | "\(.ts) \(.status) \(.filled_qty // "")"' \
		< <(t oms --venue paper --db "$BATS_TEST_TMPDIR/b.db" in.ndjson)
	assert_output "$(printf '3000 new \n3000 acked 0\n5000 partially_filled 0.5\n6000 cancelled 0.5')"
	[ "$(sql "SELECT status, filled_qty FROM orders WHERE id = 'l1'")" = "cancelled|0.5" ]
}

@test "the same order sent twice is stored and executed once; a reused id is refused" {
	{ cat "$MD"; order d1 buy market 1; order d1 buy market 1; order d1 sell market 1; } > in.ndjson
	run t oms --venue paper in.ndjson
	assert_success
	[ "$(jq -c 'select(.type=="fill")' <<<"$output" | wc -l)" -eq 1 ]
	run jq -c 'select(.type=="order_event" and .status=="rejected") | .reason' <<<"$output"
	assert_output '"client order id already used by a different order"'
	[ "$(sql "SELECT count(*) FROM orders")" -eq 1 ]
	[ "$(sql "SELECT side FROM orders WHERE id = 'd1'")" = buy ]
	# a second run over the same input sends nothing again
	run t oms --venue paper in.ndjson
	assert_success
	[ "$(jq -c 'select(.type=="fill")' <<<"$output" | wc -l)" -eq 0 ]
	[ "$(sql "SELECT count(*) FROM order_fills")" -eq 1 ]
}

@test "while trading is halted every order is stored and rejected with the reason" {
	run t riskcheck halt --reason "drill"
	assert_success
	{ cat "$MD"; order h1 buy market 1; } > in.ndjson
	run t oms --venue paper in.ndjson
	assert_success
	run jq -r 'select(.type=="order_event") | "\(.status) \(.reason // "")"' <<<"$output"
	assert_output "$(printf 'new \nrejected trading halted: drill')"
	[ "$(sql "SELECT status FROM orders WHERE id = 'h1'")" = rejected ]
}

@test "IOC, FOK and post-only on the paper venue" {
	{
		cat "$MD"
		order i1 buy limit 2 100.00 3000 '"tif":"IOC"'       # 1 @ 100, the rest cancelled
		order f1 buy limit 5 101.00 3100 '"tif":"FOK"'       # only 2 left: rejected
		order p1 buy post_only 1 101.00 3200                  # would take: rejected
		order p2 buy post_only 1 98.00 3300                   # rests
	} > in.ndjson
	run t oms --venue paper in.ndjson
	assert_success
	run jq -r 'select(.type=="order_event" and .status!="new" and .status!="acked") | "\(.id) \(.status) \(.filled_qty // "-")"' <<<"$output"
	assert_line --index 0 "i1 partially_filled 1"
	assert_line --index 1 "i1 cancelled 1"
	assert_line --index 2 --regexp '^f1 rejected'
	assert_line --index 3 --regexp '^p1 rejected'
	[ "$(sql "SELECT status FROM orders WHERE id = 'p2'")" = acked ]
}

@test "other records pass through unchanged and in order; bad lines are error records" {
	{
		echo '{"type":"signal","ts":1,"kind":"x","symbol":"BTC/USDT","value":"1"}'
		echo 'not json'
		echo '{"type":"order","ts":2,"id":"bad id!","venue":"binance","symbol":"BTC/USDT","side":"buy","kind":"market","qty":"1"}'
		echo '{"type":"order","ts":3,"id":"q0","venue":"binance","symbol":"BTC/USDT","side":"buy","kind":"limit","qty":"-1","px":"1"}'
		echo '{"type":"mystery","ts":4,"x":[1,2]}'
	} > in.ndjson
	run t oms --venue paper in.ndjson
	[ "$status" -eq 65 ]
	[ "$(echo "$output" | grep -c '"type":"error"')" -eq 3 ]
	[[ "$output" == *'"line":3'*'not 1-64 characters'* ]]
	[[ "$output" == *"'qty' must be positive"* ]]
	[ "$(grep -v '"type":"error"' <<<"$output")" = "$(sed -n '1p;5p' in.ndjson)" ]
	run t oms --venue paper --strict in.ndjson
	[ "$status" -eq 65 ]
	[ "$(grep -c '"type":"error"' <<<"$output")" -eq 1 ]
}

@test "a restarted paper run puts open orders back on the book and continues" {
	{ cat "$MD"; order r1 buy limit 1 99.00 3000; trade 4000 sell 99.00 2.5; } > part1.ndjson
	{	# the level at our price is gone: nothing is queued ahead of the restored order
		echo '{"type":"book","ts":4500,"venue":"binance","symbol":"BTC/USDT","seq":2,"bids":[["98.00","1"]],"asks":[["100.00","1"]]}'
		trade 5000 sell 99.00 1
	} > part2.ndjson
	run t oms --venue paper part1.ndjson
	assert_success
	[ "$(jq -c 'select(.type=="fill") | .qty' <<<"$output")" = '"0.5"' ]
	run t oms --venue paper part2.ndjson
	assert_success
	[[ "$output" == *"restored 1 open paper orders"* ]]
	run jq -c 'select(.type=="fill") | [.qty, .trade_id]' <<<"$(grep '"type":"fill"' <<<"$output")"
	assert_output '["0.5","paper-r1-2"]'
	[ "$(sql "SELECT status, filled_qty FROM orders WHERE id = 'r1'")" = "filled|1.0" ]
}

@test "kill -9 at any moment, then a rerun: every order and fill exactly once, as a clean run" {
	# 300 orders; before each trade the venue's book again (as a live feed sends it), and each
	# trade large enough for the queue ahead (2) and the order (1), so a restored order, whose
	# queue position is taken as the whole visible level, fills as it would have
	{ cat "$MD"; for i in $(seq 1 300); do
		order "k$i" buy limit 1 99.00 $((3000 + i * 10))
		printf '{"type":"book","ts":%s,"venue":"binance","symbol":"BTC/USDT","seq":%s,"bids":[["99.00","2"]],"asks":[["100.00","1"]]}\n' $((3003 + i * 10)) $((i + 1))
		trade $((3005 + i * 10)) sell 99.00 3.5
	done; } > stream.ndjson
	LYRA_DB=$BATS_TEST_TMPDIR/clean.db run t oms --venue paper --batch 7 stream.ndjson
	assert_success
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/clean.db" "SELECT count(*) FROM orders WHERE status = 'filled'")" -eq 300 ]
	local mid=0
	for k in 1 2 3 4 5 6; do
		# feed through a pipe for about half a second and kill oms at a random moment in it
		( python3 -c '
import sys, time
for i, line in enumerate(open(sys.argv[1])):
    sys.stdout.write(line); sys.stdout.flush()
    if i % 10 == 0: time.sleep(0.005)
' stream.ndjson 2>/dev/null | oms --venue paper --batch 7 > /dev/null 2>&1 ) &
		local feeder=$! before
		# kill once it has stored something new, a random moment later
		before=$(sql "SELECT count(*) FROM orders" 2>/dev/null || echo 0)
		for _ in $(seq 200); do
			[ "$(sql "SELECT count(*) FROM orders" 2>/dev/null || echo 0)" -gt "$before" ] && break
			sleep 0.01
		done
		sleep "0.0$((RANDOM % 10))"
		pkill -9 -f 'oms --venue paper --batch 7' || true
		wait "$feeder" || true
		local n
		n=$(sql "SELECT count(*) FROM orders" 2>/dev/null || echo 0)
		[ "$n" -gt 0 ] && [ "$n" -lt 300 ] && mid=$((mid + 1))
	done
	# at least one kill landed in the middle of the stream, or the test proves nothing
	[ "$mid" -ge 1 ]
	run t oms --venue paper --batch 7 stream.ndjson
	assert_success
	q="SELECT id, status, filled_qty FROM orders ORDER BY id"
	[ "$(sql "$q")" = "$(sqlite3 "$BATS_TEST_TMPDIR/clean.db" "$q")" ]
	q="SELECT venue, trade_id, id, ts, px, qty, fee FROM order_fills ORDER BY trade_id"
	[ "$(sql "$q")" = "$(sqlite3 "$BATS_TEST_TMPDIR/clean.db" "$q")" ]
	# no trade's quantity was used twice across the restarts
	[ "$(sql "SELECT count(*) FROM (SELECT ts FROM order_fills GROUP BY ts HAVING sum(qty) > 3.5)")" -eq 0 ]
	run t audit verify -q
	assert_success
}

@test "list, show, cancel and cancel-all" {
	{ cat "$MD"; order a1 buy limit 1 98.00 3000; order a2 sell limit 1 105.00 3100; order a3 buy market 1 "" 3200; } > in.ndjson
	run t oms --venue paper in.ndjson
	assert_success
	run t oms list --open --format csv
	assert_success
	output=${output//$'\r'/}
	lines=("${lines[@]%$'\r'}")
	assert_line --index 0 "id,venue,symbol,side,kind,px,qty,filled,avg_px,status,parent"
	[ "${#lines[@]}" -eq 3 ]
	run t oms list --format ndjson
	assert_success
	[ "$(jq -r 'select(.id=="a3") | "\(.status) \(.filled_qty) \(.avg_px)"' <<<"$output")" = "filled 1 100.000000" ]
	run t oms show a3
	assert_success
	assert_output --partial "filled"
	assert_output --partial "paper-a3-1"
	run t oms cancel a1
	assert_success
	[ "$(sql "SELECT status FROM orders WHERE id = 'a1'")" = cancelled ]
	run t oms cancel a3
	[ "$status" -eq 65 ]
	assert_output --partial "already filled"
	run t oms cancel nope
	[ "$status" -eq 66 ]
	run t oms cancel-all --venue paper
	assert_success
	[ "$(sql "SELECT count(*) FROM orders WHERE status NOT IN ('filled','cancelled')")" -eq 0 ]
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'order.cancelled'")" -eq 2 ]
}

@test "a paper order cancelled from outside leaves the running filter's book" {
	mkfifo feed
	{ cat "$MD"; order c1 buy limit 1 99.00 3000; } > head.ndjson
	trade 5000 sell 98.00 5 > tail.ndjson    # would fill c1 if it were still on the book
	# the feeder holds the pipe open until the cancel is in the store
	( cat head.ndjson
	  for i in $(seq 1 100); do
		[ "$(sqlite3 "$LYRA_DB" "SELECT status FROM orders WHERE id = 'c1'" 2>/dev/null)" = cancelled ] && break
		sleep 0.1
	  done
	  sleep 0.5
	  cat tail.ndjson ) > feed &
	t oms --venue paper --poll 10ms < feed > out.ndjson 2> err.txt &
	local oms_pid=$!
	for i in $(seq 1 100); do
		[ "$(sql "SELECT status FROM orders WHERE id = 'c1'" 2>/dev/null)" = acked ] && break
		sleep 0.1
	done
	run t oms cancel c1
	assert_success
	wait "$oms_pid"
	grep -q '"type":"trade"' out.ndjson
	# the running filter tells the stream, before the trade that no longer fills it
	run jq -r 'select(.type=="order_event" or .type=="trade") | .status // .type' out.ndjson
	assert_output "$(printf 'new\nacked\ncancelled\ntrade')"
	[ "$(jq -c 'select(.type=="fill")' out.ndjson | wc -l)" -eq 0 ]
	[ "$(sql "SELECT status, filled_qty FROM orders WHERE id = 'c1'")" = "cancelled|0" ]
}

@test "metrics and usage" {
	{ cat "$MD"; order m1 buy market 2; } > in.ndjson
	run t oms --venue paper --metrics m.prom in.ndjson
	assert_success
	grep -qx 'lyra_oms_orders_total{prog="oms"} 1' m.prom
	grep -qx 'lyra_oms_fills_total{prog="oms"} 2' m.prom
	run t oms
	[ "$status" -eq 64 ]
	run t oms --venue paper --latency nope
	[ "$status" -eq 64 ]
	run t oms show
	[ "$status" -eq 64 ]
}

@test "--venue auto routes each order to the venue with the best price after fees, or splits it" {
	{
		cat "$MD"   # binance: asks 100.00 x1, 101.00 x2; taker fee 0.001
		echo '{"type":"market","ts":1000,"venue":"okx","symbol":"BTC/USDT","venue_symbol":"BTC-USDT","base":"BTC","quote":"USDT","instrument":"spot","tick":"0.1","lot":"0.0001","min_qty":"0","min_notional":"0","maker_fee":"0.0008","taker_fee":"0.0002","status":"trading"}'
		echo '{"type":"book","ts":2000,"venue":"okx","symbol":"BTC/USDT","seq":1,"bids":[["99.5","1"]],"asks":[["100.05","1"],["100.8","1"]]}'
		# 1: binance 100 x 1.001 = 100.1; okx 100.05 x 1.0002 = 100.07001: okx
		echo '{"type":"order","ts":3000,"id":"r1","venue":"auto","symbol":"BTC/USDT","side":"buy","kind":"market","qty":"1"}'
		# 3 within 101: only binance holds all 3 (okx 2); split: okx 100.07001, binance 100.1,
		# okx 100.82016, binance 101.101: okx 2, binance 1
		echo '{"type":"order","ts":3100,"id":"r2","venue":"auto","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"101.00","qty":"3"}'
		echo '{"type":"order","ts":3200,"id":"r3","venue":"binance","symbol":"BTC/USDT","side":"buy","kind":"market","qty":"1"}'
		echo '{"type":"order","ts":3300,"id":"r4","venue":"auto","symbol":"ETH/USDT","side":"buy","kind":"market","qty":"1"}'
	} > in.ndjson
	run --separate-stderr t oms --venue auto in.ndjson
	assert_success
	run jq -r 'select(.type=="order" or .type=="reject") | "\(.type) \(.id) \(.venue) \(.qty)"' <<<"$output"
	assert_output "$(printf '%s\n' 'order r1 okx 1' 'order r2 binance 3' 'order r3 binance 1' 'reject r4 auto 1')"
	run --separate-stderr t oms --venue auto --split in.ndjson
	assert_success
	run jq -r 'select(.type=="order") | "\(.id) \(.venue) \(.qty) \(.route_parent // "-")"' <<<"$output"
	assert_output "$(printf '%s\n' 'r1 okx 1 -' 'r2.1 binance 1 r2' 'r2.2 okx 2 r2' 'r3 binance 1 -')"
	# routed orders go on to the paper venue, each filled on its venue's book
	run --separate-stderr pipeline "oms --venue auto --split in.ndjson | oms --venue paper"
	assert_success
	run jq -r 'select(.type=="fill") | "\(.id) \(.book_venue) \(.px) \(.qty)"' <<<"$output"
	assert_output "$(printf '%s\n' 'r1 okx 100.05 1' 'r2.1 binance 100.00 1' 'r2.2 okx 100.8 1' 'r3 binance 101.00 1')"
}
