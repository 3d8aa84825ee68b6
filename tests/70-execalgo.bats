#!/usr/bin/env bats
# execalgo(1): each algorithm on scripted market data with hand-computed child orders, feedback
# from the stream and through a FIFO (sync markers, byte-identical reruns), the price policy and
# hard limit, restart mid-parent from the store, the report, list/show, and the audit trail.

load helper

T0=1793491200000000   # 2026-11-01T00:00:00Z
MIN=60000000

market='{"type":"market","ts":1793491200000000,"venue":"binance","symbol":"BTC/USDT","venue_symbol":"BTCUSDT","base":"BTC","quote":"USDT","instrument":"spot","tick":"0.5","lot":"0.01","min_qty":"0.01","min_notional":"5","maker_fee":"0","taker_fee":"0","status":"trading"}'

# bbo SECONDS BID ASK / trade SECONDS ID PX QTY: market data at T0 + SECONDS
bbo() {
	printf '{"type":"bbo","ts":%s,"venue":"binance","symbol":"BTC/USDT","bid_px":"%s","bid_qty":"1","ask_px":"%s","ask_qty":"1"}\n' $((T0 + $1 * 1000000)) "$2" "$3"
}
trade() {
	printf '{"type":"trade","ts":%s,"venue":"binance","symbol":"BTC/USDT","id":"%s","side":"buy","px":"%s","qty":"%s"}\n' $((T0 + $1 * 1000000)) "$2" "$3" "$4"
}
# fill SECONDS CHILD PX QTY / event SECONDS CHILD STATUS FILLED: feedback as oms writes it
fill() {
	printf '{"type":"fill","ts":%s,"id":"%s","venue":"binance","symbol":"BTC/USDT","side":"%s","px":"%s","qty":"%s","fee":"0","fee_ccy":"USDT","liquidity":"maker","trade_id":"x-%s-%s"}\n' $((T0 + $1 * 1000000)) "$2" "${5:-buy}" "$3" "$4" "$2" "$1"
}
event() {
	printf '{"type":"order_event","ts":%s,"id":"%s","venue":"binance","symbol":"BTC/USDT","status":"%s","filled_qty":"%s"}\n' $((T0 + $1 * 1000000)) "$2" "$3" "$4"
}

# kids: the child orders and cancels of a run, one per line: TYPE +SECONDS ID [SIDE PX QTY]
kids() {
	jq -r --argjson t0 "$T0" 'select(.type == "order" or .type == "cancel")
		| [.type, "+\((.ts - $t0) / 1000000)", .id, .side, .px, .qty] | map(select(. != null)) | join(" ")'
}
report() {
	jq -c 'select(.type == "algo_report") | del(.type, .ts, .start_ts)'
}

common="--venue binance --symbol BTC/USDT --side buy --qty 1"

# one trade a minute for 11 minutes at PX, QTY
minutes() {
	for i in 1 2 3 4 5 6 7 8 9 10 11; do trade $((i * 60)) "t$i" "$1" "$2"; done
}

@test "twap: equal slices at the near touch, each earlier child cancelled and held until confirmed" {
	{ echo "$market"; bbo 0 100 101; minutes 100.5 0.5; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo twap $common --duration 10m --slices 5 --id P "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	# every record passes through, in order
	[ "$(printf '%s\n' "$output" | jq -c 'select(.type != "order" and .type != "cancel" and .type != "algo_report")')" = "$(jq -c . "$BATS_TEST_TMPDIR/in")" ]
	[ "$(printf '%s\n' "$output" | kids)" = "order +0 P-0001 buy 100.0 0.20
cancel +120 P-0001
order +120 P-0002 buy 100.0 0.20
cancel +240 P-0002
order +240 P-0003 buy 100.0 0.20
cancel +360 P-0003
order +360 P-0004 buy 100.0 0.20
cancel +480 P-0004
order +480 P-0005 buy 100.0 0.20
cancel +600 P-0005" ]
	[ "$(printf '%s\n' "$output" | report)" = '{"id":"P","algo":"twap","venue":"binance","symbol":"BTC/USDT","side":"buy","qty":"1","filled_qty":"0","arrival_px":"100.5","interval_vwap":"100.5","participation":"0","children":5,"status":"expired"}' ]
	# the report comes right after the end's cancel, before the 11th minute's trade
	[ "$(printf '%s\n' "$output" | tail -2 | jq -r .type | tr '\n' ' ')" = "algo_report trade " ]
}

@test "twap: unfilled quantity carries into a later slice once its cancel is confirmed" {
	{
		echo "$market"; bbo 0 100 101
		fill 30 P-0001 100 0.05
		trade 120 t1 100.5 1
		event 121 P-0001 cancelled 0.05
		trade 240 t2 100.5 1
		event 241 P-0002 cancelled 0
		trade 360 t3 100.5 1
		trade 600 t4 100.5 1
	} > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo twap $common --duration 10m --slices 5 --id P "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	# slice 2: 0.40 - 0.05 filled - 0.15 of P-0001 not yet confirmed cancelled = 0.20;
	# slice 3: 0.60 - 0.05 - 0.20 (P-0002 still open) = 0.35; P-0001's 0.15 is free now;
	# slice 4: 0.80 - 0.05 - 0.35 (P-0003) = 0.40; no record in slice 5; the end at +600
	[ "$(printf '%s\n' "$output" | kids)" = "order +0 P-0001 buy 100.0 0.20
cancel +120 P-0001
order +120 P-0002 buy 100.0 0.20
cancel +240 P-0002
order +240 P-0003 buy 100.0 0.35
cancel +360 P-0003
order +360 P-0004 buy 100.0 0.40
cancel +600 P-0004" ]
	[ "$(printf '%s\n' "$output" | report | jq -c '{filled_qty, avg_px, slippage_bps_arrival, children, status}')" = '{"filled_qty":"0.05","avg_px":"100","slippage_bps_arrival":"-49.75","children":4,"status":"expired"}' ]
}

@test "twap: a parent filled in full ends before its end time" {
	{
		echo "$market"; bbo 0 100 101
		fill 10 P-0001 100 0.5
		event 10 P-0001 filled 0.5
		trade 60 t1 100 0.1
		trade 120 t2 100 0.1
		fill 130 P-0002 99.5 0.5
		trade 140 t3 100 0.1
	} > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo twap $common --duration 4m --slices 2 --id P "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | kids)" = "order +0 P-0001 buy 100.0 0.50
order +120 P-0002 buy 100.0 0.50" ]
	[ "$(printf '%s\n' "$output" | jq -c 'select(.type == "algo_report") | [(.ts - 1793491200000000) / 1000000, .status, .filled_qty, .avg_px]')" = '[130,"filled","1","99.75"]' ]
}

@test "twap: a child is only sent once a price is known; --limit caps and the tick rounds" {
	{ echo "$market"; trade 0 t0 101.7 0.1; bbo 1 100 101.3; trade 120 t1 101 0.1; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo twap $common --duration 4m --slices 2 --id P --style aggressive --limit 101.2 "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	# before any price the limit is the price (101.2, down to the tick: 101.0); then the far
	# touch, the ask 101.3, is capped the same way
	[ "$(printf '%s\n' "$output" | kids)" = "order +0 P-0001 buy 101.0 0.50
cancel +120 P-0001
order +120 P-0002 buy 101.0 0.50" ]
	run --separate-stderr t execalgo twap $common --duration 4m --slices 2 --id Q --fresh --offset-bps 10 "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	# passive 10 bps behind the last trade: 101.7 x 0.999 = 101.5983 -> 101.5; then bid 100 -> 99.9 -> 99.5
	[ "$(printf '%s\n' "$output" | kids | sed -n '1p;3p')" = "order +0 Q-0001 buy 101.5 0.50
order +120 Q-0002 buy 99.5 0.50" ]
	# a sell never goes below the limit
	run --separate-stderr t execalgo twap --venue binance --symbol BTC/USDT --side sell --qty 1 --duration 4m --slices 2 --id S --style aggressive --limit 100.6 "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	# (before any price the limit itself is the price: 100.6 up to the tick)
	[ "$(printf '%s\n' "$output" | kids | sed -n '1p;3p')" = "order +0 S-0001 sell 101.0 0.50
order +120 S-0002 sell 101.0 0.50" ]
}

@test "twap --jitter moves the inner slice starts deterministically, within the share asked" {
	{ echo "$market"; bbo 0 100 101; for s in $(seq 10 10 600); do trade "$s" "t$s" 100.5 0.1; done; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo twap $common --duration 10m --slices 5 --jitter 20 --id J "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | kids | awk '$1 == "order" { print substr($2, 2) }' > "$BATS_TEST_TMPDIR/a"
	run --separate-stderr t execalgo twap $common --duration 10m --slices 5 --jitter 20 --id J --fresh "$BATS_TEST_TMPDIR/in"
	printf '%s\n' "$output" | kids | awk '$1 == "order" { print substr($2, 2) }' > "$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/a")" -eq 5 ]
	# slice k starts within 120k +- 24 s (records every 10 s, so up to 10 s later)
	awk 'NR > 1 { k = NR - 1; if ($1 < 120 * k - 24 || $1 > 120 * k + 34) exit 1 }' "$BATS_TEST_TMPDIR/a"
	! cmp -s "$BATS_TEST_TMPDIR/a" <(printf '0\n120\n240\n360\n480\n')
}

@test "vwap: slices follow the profile file" {
	printf '# time-of-day volume\n00:00 3\n00:05 1\n12:00 50\n' > "$BATS_TEST_TMPDIR/profile"
	{ echo "$market"; bbo 0 100 101; minutes 100.5 0.5; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo vwap $common --duration 10m --slices 2 --profile "$BATS_TEST_TMPDIR/profile" --id V "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | kids)" = "order +0 V-0001 buy 100.0 0.75
cancel +300 V-0001
order +300 V-0002 buy 100.0 0.25
cancel +600 V-0002" ]
}

@test "vwap --lookback weighs slices by stored candle volume" {
	{
		for d in 1 2; do
			for m in 0 5; do
				v=$([ "$m" = 0 ] && echo 1 || echo 3)
				printf '{"type":"candle","ts":%s,"venue":"binance","symbol":"BTC/USDT","interval":"5m","open":"1","high":"1","low":"1","close":"1","volume":"%s"}\n' $((T0 - d * 86400000000 + m * MIN)) "$v"
			done
		done
	} > "$BATS_TEST_TMPDIR/candles"
	run t mdfeed record "$BATS_TEST_TMPDIR/candles"
	[ "$status" -eq 0 ]
	{ echo "$market"; bbo 0 100 101; minutes 100.5 0.5; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo vwap $common --duration 10m --slices 2 --lookback 7d --id V "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | kids | grep order)" = "order +0 V-0001 buy 100.0 0.25
order +300 V-0002 buy 100.0 0.75" ]
}

@test "pov: children keep up with a share of the traded volume, within min and max slice" {
	{ echo "$market"; bbo 0 100 101; trade 10 a 100.5 0.5; trade 20 b 100.5 1.0; trade 30 c 100.5 0.3; trade 40 d 100.5 0.2; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo pov $common --rate 0.1 --min-slice 0.05 --max-slice 0.08 --id P "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	# volume 0.5 -> target 0.05; 1.5 -> 0.15 (0.10 due, capped at 0.08); 1.8 -> 0.18 - 0.13 = 0.05;
	# 2.0 -> 0.20 - 0.18 = 0.02, under --min-slice
	[ "$(printf '%s\n' "$output" | kids)" = "order +10 P-0001 buy 100.0 0.05
order +20 P-0002 buy 100.0 0.08
order +30 P-0003 buy 100.0 0.05" ]
}

@test "iceberg: shows one slice and replenishes only after it has filled" {
	{
		echo "$market"; bbo 0 100 101
		fill 10 P-0001 99.5 0.1
		trade 20 a 99 1
		fill 30 P-0001 99.5 0.2
		trade 40 b 99 1
		fill 50 P-0002 99.5 0.3
		event 50 P-0002 filled 0.3
		fill 60 P-0003 99.5 0.3
		fill 70 P-0004 99.5 0.1
		trade 80 c 99 1
	} > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo iceberg $common --display 0.3 --px 99.5 --id P "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | kids)" = "order +0 P-0001 buy 99.5 0.30
order +30 P-0002 buy 99.5 0.30
order +50 P-0003 buy 99.5 0.30
order +60 P-0004 buy 99.5 0.10" ]
	[ "$(printf '%s\n' "$output" | report | jq -c '{filled_qty, avg_px, status, children}')" = '{"filled_qty":"1","avg_px":"99.5","status":"filled","children":4}' ]
}

@test "iceberg --variance varies the display deterministically, never past the parent" {
	{ echo "$market"; bbo 0 100 101; for i in 1 2 3 4 5 6; do fill $((i * 10)) "P-000$i" 100 "$(echo "x$i")"; done; } > /dev/null
	{ echo "$market"; bbo 0 100 101; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo iceberg $common --display 0.3 --variance 50 --id P "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	q=$(printf '%s\n' "$output" | kids | awk '{ print $6 }')
	awk -v q="$q" 'BEGIN { if (q < 0.15 || q > 0.45) exit 1 }'
}

@test "grid: a ladder below the mid, re-armed on the other side one level away" {
	{
		echo "$market"; bbo 0 102 103
		fill 10 P-0002 95 0.2
		trade 20 a 95 1
		fill 30 P-0004 100 0.2 sell
		trade 40 b 100 1
	} > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo grid $common --lower 90 --upper 110 --levels 5 --end 2026-11-01T00:01:00Z --id P "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	# levels 90 95 100 105 110 (on the 0.5 tick), mid 102.5: buys at 100, 95, 90 (0.2 each); the
	# buy at 95 fills: a sell at 100; that sell fills: the buy at 95 again
	[ "$(printf '%s\n' "$output" | kids)" = "order +0 P-0001 buy 100.0 0.20
order +0 P-0002 buy 95.0 0.20
order +0 P-0003 buy 90.0 0.20
order +10 P-0004 sell 100.0 0.20
order +30 P-0005 buy 95.0 0.20" ]
	run --separate-stderr t execalgo grid $common --lower 90 --upper 110 --levels 5 --end 2026-11-01T00:01:00Z --id P --fresh "$BATS_TEST_TMPDIR/in" <(trade 60 z 100 1)
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | kids | grep cancel | tr '\n' ' ')" = "cancel +60 P-0001 cancel +60 P-0003 cancel +60 P-0005 " ]
	[ "$(printf '%s\n' "$output" | report | jq -c '{filled_qty, opposite_filled_qty, status}')" = '{"filled_qty":"0.2","opposite_filled_qty":"0.2","status":"expired"}' ]
}

@test "dca: a quote amount every interval until --until" {
	{ echo "$market"; bbo 0 100 101; for s in 30 60 90 120 150 180 210; do trade $s "t$s" 100.5 0.1; done; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo dca $common --every 1m --amount 30 --until 2026-11-01T00:03:00Z --id D "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	# 30 / 100 = 0.30 at the bid each minute (the unconfirmed 0.60 still leaves room for it)
	[ "$(printf '%s\n' "$output" | kids)" = "order +0 D-0001 buy 100.0 0.30
cancel +60 D-0001
order +60 D-0002 buy 100.0 0.30
cancel +120 D-0002
order +120 D-0003 buy 100.0 0.30
cancel +180 D-0003" ]
}

@test "feedback through a FIFO with sync markers: the same bytes on every run" {
	cat > "$BATS_TEST_TMPDIR/oms.py" <<'EOF'
# a stand-in for `oms --venue paper`: acks orders, fills resting buys against trades at or
# below their price, answers cancels; passes everything through, flushing per record
import sys, json
from decimal import Decimal as D
book = {}
def out(r):
    sys.stdout.write(json.dumps(r, separators=(",", ":")) + "\n")
for line in sys.stdin:
    sys.stdout.write(line)
    r = json.loads(line)
    if r["type"] == "order":
        r["done"] = D(0)
        book[r["id"]] = r
        out({"type": "order_event", "ts": r["ts"], "id": r["id"], "venue": r["venue"], "symbol": r["symbol"], "status": "acked"})
    elif r["type"] == "cancel" and r["id"] in book:
        o = book.pop(r["id"])
        out({"type": "order_event", "ts": r["ts"], "id": o["id"], "venue": o["venue"], "symbol": o["symbol"], "status": "cancelled", "filled_qty": str(o["done"])})
    elif r["type"] == "trade":
        for o in list(book.values()):
            if D(r["px"]) <= D(o["px"]):
                q = min(D(r["qty"]), D(o["qty"]) - o["done"])
                o["done"] += q
                out({"type": "fill", "ts": r["ts"], "id": o["id"], "venue": o["venue"], "symbol": o["symbol"], "side": "buy", "px": o["px"], "qty": str(q), "fee": "0", "fee_ccy": "USDT", "liquidity": "maker", "trade_id": r["id"]})
                if o["done"] == D(o["qty"]):
                    book.pop(o["id"])
                    out({"type": "order_event", "ts": r["ts"], "id": o["id"], "venue": o["venue"], "symbol": o["symbol"], "status": "filled", "filled_qty": str(o["done"])})
    sys.stdout.flush()
EOF
	{ echo "$market"; bbo 0 100 101; minutes 100 0.07; } > "$BATS_TEST_TMPDIR/in"
	mkfifo "$BATS_TEST_TMPDIR/fb"
	for n in 1 2; do
		run pipeline "execalgo twap $common --duration 10m --slices 5 --id P --fresh --feedback '$BATS_TEST_TMPDIR/fb' < '$BATS_TEST_TMPDIR/in' | python3 '$BATS_TEST_TMPDIR/oms.py' | tee '$BATS_TEST_TMPDIR/fb' > '$BATS_TEST_TMPDIR/out$n'"
		[ "$status" -eq 0 ]
	done
	cmp "$BATS_TEST_TMPDIR/out1" "$BATS_TEST_TMPDIR/out2"
	# each new child is the slice's cumulative target less what filled: the rest carried at once
	[ "$(kids < "$BATS_TEST_TMPDIR/out1" | grep order)" = "order +0 P-0001 buy 100.0 0.20
order +120 P-0002 buy 100.0 0.26
order +240 P-0003 buy 100.0 0.32
order +360 P-0004 buy 100.0 0.38
order +480 P-0005 buy 100.0 0.44" ]
	[ "$(report < "$BATS_TEST_TMPDIR/out1" | jq -c '{filled_qty, avg_px, children, status}')" = '{"filled_qty":"0.7","avg_px":"100","children":5,"status":"expired"}' ]
	# markers only where a decision needed the fills: two per slice boundary (before, and after
	# the cancel), none on the records in between
	[ "$(grep -c '"type":"sync"' "$BATS_TEST_TMPDIR/out1")" -eq 10 ]
}

@test "restart mid-parent: the second run continues the numbering and the totals" {
	{ echo "$market"; bbo 0 100 101; minutes 100.5 0.5; } > "$BATS_TEST_TMPDIR/in"
	head -6 "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/a"
	tail -n +7 "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/b"
	args="$common --duration 10m --slices 5"
	run --separate-stderr t execalgo twap $args "$BATS_TEST_TMPDIR/a"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"is still running (3 children, 0 filled)"* ]]
	printf '%s\n' "$output" | kids > "$BATS_TEST_TMPDIR/k"
	id=$(sqlite3 "$LYRA_DB" "SELECT id FROM algo_parent WHERE status = 'running'")
	[[ "$id" == twap-???????? ]]
	run --separate-stderr t execalgo twap $args "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"continuing parent '$id': 3 children so far"* ]]
	printf '%s\n' "$output" | kids >> "$BATS_TEST_TMPDIR/k"
	[ "$(sqlite3 "$LYRA_DB" "SELECT status FROM algo_parent WHERE id = '$id'")" = done ]
	# the same schedule as one uninterrupted run over the whole stream, in another store
	LYRA_DB=$BATS_TEST_TMPDIR/other.db run --separate-stderr t execalgo twap $args "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | kids)" = "$(cat "$BATS_TEST_TMPDIR/k")" ]
	[ "$(awk '$1 == "order" { s += $6 } END { print s }' "$BATS_TEST_TMPDIR/k")" = 1 ]
	# the audit trail: start, progress at boundaries, done
	[ "$(sqlite3 "$LYRA_DB" "SELECT DISTINCT action FROM audit WHERE object = 'algo:$id' ORDER BY seq" | tr '\n' ' ')" = "algo.start algo.progress algo.done " ]
	run t audit verify
	[ "$status" -eq 0 ]
	# the same parameters on another start time make another parent; --fresh starts over
	run --separate-stderr t execalgo twap $args --fresh "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | kids | head -1)" = "order +0 $id-0001 buy 100.0 0.20" ]
}

@test "a running parent refuses other parameters under the same --id" {
	{ echo "$market"; bbo 0 100 101; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo twap $common --duration 10m --id P "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	run --separate-stderr t execalgo twap $common --duration 20m --id P "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 64 ]
	[ "$stderr" = "execalgo: parent 'P' is running with other parameters (use --fresh to start it over)" ]
}

@test "--finish-at-eof cancels what is open and reports" {
	{ echo "$market"; bbo 0 100 101; trade 30 a 100 1; } > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo iceberg $common --display 0.3 --id P --finish-at-eof "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | kids)" = "order +0 P-0001 buy 100.0 0.30
cancel +30 P-0001" ]
	[ "$(printf '%s\n' "$output" | report | jq -r .status)" = stopped ]
	run t execalgo list --format csv
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = $'P,iceberg,binance,BTC/USDT,buy,1,0,1,done,2026-11-01T00:00:30Z\r' ]
	run t execalgo show P
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r '.status, .params.display, .state.why' | tr '\n' ' ')" = "done 0.3 stopped " ]
	run t execalgo show nope
	[ "$status" -eq 65 ]
}

@test "other venues and symbols pass through and do not move the algorithm" {
	{
		echo "$market"; bbo 0 100 101
		printf '{"type":"trade","ts":%s,"venue":"kraken","symbol":"BTC/USDT","id":"k","side":"buy","px":"1","qty":"9"}\n' $((T0 + 10000000))
		printf '{"type":"bbo","ts":%s,"venue":"binance","symbol":"ETH/USDT","bid_px":"1","bid_qty":"1","ask_px":"2","ask_qty":"1"}\n' $((T0 + 20000000))
		echo '{"type":"note","ts":1793491230000000,"text":"x  y"}'
	} > "$BATS_TEST_TMPDIR/in"
	run --separate-stderr t execalgo pov $common --rate 0.5 --id P "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | kids)" = "" ]
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/in")" ]
}

@test "usage errors exit 64 and bad records are error records" {
	run --separate-stderr t execalgo twap --venue binance --symbol BTC/USDT --side buy --qty 1
	[ "$status" -eq 64 ]
	[[ "$stderr" == "execalgo: twap needs --duration or --end"* ]]
	run --separate-stderr t execalgo twap --venue binance --symbol BTC/USDT --side hold --qty 1 --duration 1h
	[ "$status" -eq 64 ]
	run --separate-stderr t execalgo vwap $common --duration 1h
	[ "$status" -eq 64 ]
	run --separate-stderr t execalgo grid $common --lower 10 --upper 5 --levels 3
	[ "$status" -eq 64 ]
	run --separate-stderr t execalgo twp $common
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"'twap'"* ]]
	run --separate-stderr pipeline "printf '%s\n' 'nope' '{\"type\":\"x\",\"ts\":5}' | execalgo twap $common --duration 1h --id P"
	[ "$status" -eq 65 ]
	[ "$output" = '{"type":"x","ts":5}' ]
	[[ "$stderr" == '{"type":"error",'*'"prog":"execalgo"'* ]]
}

@test "execalgo --help names every algorithm and the man page documents every option" {
	run t execalgo --help
	[ "$status" -eq 0 ]
	for a in twap vwap pov iceberg grid dca; do [[ "$output" == *"$a"* ]]; done
	page=$(render_man "$LYRA_ROOT/man/execalgo.1")
	for o in $(execalgo --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		[[ "$page" == *"$o"* ]] || fail "man page lacks $o"
	done
	run mandoc -T lint -W warning "$LYRA_ROOT/man/execalgo.1"
	[ "$status" -eq 0 ]
}

@test "pipeline: mdfeed replay | execalgo twap | riskcheck | oms --venue paper, identical on every run" {
	mkfifo "$BATS_TEST_TMPDIR/fb"
	for n in 1 2; do
		# a store each: oms remembers client order ids, so a rerun in the same store differs
		export LYRA_DB=$BATS_TEST_TMPDIR/run$n.db
		run t mdfeed record "$FIXTURES/mdfeed/capture.ndjson"
		[ "$status" -eq 0 ]
		run pipeline "mdfeed replay --venue kraken --symbol BTC/USDT --from 2025-11-10T17:30 | execalgo twap --venue kraken --symbol BTC/USDT --side buy --qty 0.05 --duration 1h --slices 6 --style aggressive --id bt --fresh --feedback '$BATS_TEST_TMPDIR/fb' | riskcheck | oms --venue paper | tee '$BATS_TEST_TMPDIR/fb' > '$BATS_TEST_TMPDIR/out$n'"
		[ "$status" -eq 0 ]
	done
	cmp "$BATS_TEST_TMPDIR/out1" "$BATS_TEST_TMPDIR/out2"
	[ "$(jq -r 'select(.type == "order_event") | .id' "$BATS_TEST_TMPDIR/out1" | head -1)" = bt-0001 ]
	[ "$(jq -c 'select(.type == "algo_report") | .children' "$BATS_TEST_TMPDIR/out1")" -ge 6 ]
}
