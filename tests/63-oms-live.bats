#!/usr/bin/env bats
# oms against a live venue: tests/fakeexchange.py on 127.0.0.1 speaks Binance's and OKX's private
# REST APIs and checks every signature. Placement, fills found by polling, the crash window (the
# venue accepted but the answer was lost), kill -9 during a stream then recover and reconcile,
# reconcile differences and the trading state, --dry-run.

load helper
load fakex

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	export XDG_DATA_HOME="$HOME/.local/share"
	export XDG_CONFIG_HOME="$HOME/.config"
	export LYRA_DB="$BATS_TEST_TMPDIR/lyra.db"
	mkdir -p "$HOME"
	unset LYRA_TOKEN
	cd "$BATS_TEST_TMPDIR"
	printf '{"key":"k-test-1","secret":"s3cret-test","passphrase":"Pass-1"}\n' > keys.json
	chmod 600 keys.json
	KEYS=$PWD/keys.json
	FAKE_PID=
}

teardown() { fakex_teardown; }

sql() { sqlite3 "$LYRA_DB" "$1"; }

# the venue's orders as "id status filled" lines, sorted
venue_orders() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for o in sorted(d["orders"], key=lambda o: o["id"]): print(o["id"], o["status"], o["filled"])' state.json
}

ORDER_TS=1000
order() { # ID PX [VENUE SYMBOL]
	ORDER_TS=$((ORDER_TS + 1))
	printf '{"type":"order","ts":%s,"id":"%s","venue":"%s","symbol":"%s","side":"buy","kind":"limit","px":"%s","qty":"0.01000"}\n' \
		"$ORDER_TS" "$1" "${3:-binance}" "${4:-BTC/USDT}" "$2"
}

@test "binance: the order is stored before it is sent; a crossing order fills, its fill is stored once" {
	start binance
	{ order L1 42000.00; order L2 90000.00; echo '{"type":"signal","ts":3,"kind":"x","symbol":"s","value":"1"}'; } > in.ndjson
	run t oms --venue binance --keys keys.json --endpoint "$URL" in.ndjson
	assert_success
	run jq -r 'select(.type=="order_event" or .type=="fill") | "\(.type) \(.id) \(.status // .qty)"' <<<"$output"
	assert_output "$(printf '%s\n' 'order_event L1 new' 'order_event L1 acked' 'order_event L2 new' \
		'fill L2 0.01000000' 'order_event L2 filled')"
	[ "$(sql "SELECT id, status, filled_qty, venue_order_id FROM orders ORDER BY id")" = \
		"$(printf 'L1|acked|0|1001\nL2|filled|0.01000000|1002')" ]
	[ "$(venue_orders)" = "$(printf 'L1 new 0\nL2 filled 0.01')" ]
	# the same stream again: nothing is sent twice
	run t oms --venue binance --keys keys.json --endpoint "$URL" in.ndjson
	assert_success
	[ "$(venue_orders | wc -l)" -eq 2 ]
	[ "$(sql "SELECT count(*) FROM order_fills")" -eq 1 ]
	run t audit verify -q
	assert_success
}

@test "binance: while the input is idle, oms polls the venue and picks up fills" {
	start binance
	mkfifo feed
	# the feeder keeps the input open (idle) until the fill is in the store, 15 s at most
	( order P1 42000.00
	  for _ in $(seq 150); do
		[ "$(sqlite3 "$LYRA_DB" "SELECT filled_qty FROM orders WHERE id='P1'" 2>/dev/null)" = 0.00400000 ] && break
		sleep 0.1
	  done ) > feed &
	t oms --venue binance --keys keys.json --endpoint "$URL" < feed > out.ndjson 2> err.txt &
	local pid=$!
	for _ in $(seq 50); do [ "$(sql "SELECT status FROM orders WHERE id='P1'" 2>/dev/null)" = acked ] && break; sleep 0.1; done
	run t curl -sf -X POST "$URL/_fake/fill" -d '{"clientId":"P1","qty":"0.004","px":"42000.00"}'
	assert_success
	wait "$pid"
	run jq -r 'select(.type=="fill") | "\(.id) \(.qty) \(.trade_id)"' out.ndjson
	assert_output "P1 0.00400000 5001"
	[ "$(sql "SELECT status, filled_qty FROM orders WHERE id = 'P1'")" = "partially_filled|0.00400000" ]
}

@test "binance: the venue accepts but the answer is lost: oms asks by client id and never resends" {
	start binance --fault timeout-after-accept:1 --hold-s 4
	order U1 42000.00 > in.ndjson
	run t oms --venue binance --timeout 1s --keys keys.json --endpoint "$URL" in.ndjson
	assert_success
	[[ "$output" == *"outcome unknown"* ]]
	[ "$(venue_orders)" = "U1 new 0" ]
	[ "$(sql "SELECT status, venue_order_id FROM orders WHERE id = 'U1'")" = "acked|1001" ]
}

@test "kill -9 during a live stream, then recover and reconcile: venue and store agree, each order once" {
	start binance
	for i in $(seq 1 40); do order "K$i" 42000.00; done > in.ndjson
	( python3 -c '
import sys, time
for line in open(sys.argv[1]):
    sys.stdout.write(line); sys.stdout.flush(); time.sleep(0.01)
' in.ndjson | oms --venue binance --keys keys.json --endpoint "$URL" > /dev/null 2>&1 ) &
	local feeder=$!
	sleep "0.$((RANDOM % 3 + 1))"
	pkill -9 -f "oms --venue binance --keys keys.json --endpoint $URL" || true
	wait "$feeder" || true
	run t oms recover --venue binance --keys keys.json --endpoint "$URL"
	assert_success
	run t oms reconcile binance --keys keys.json --endpoint "$URL" --symbol BTC/USDT
	assert_success
	# every order the venue has is in the store, once, with the venue's status; every stored order
	# the venue never saw is marked so, and was not sent later
	[ "$(sql "SELECT id FROM orders WHERE reason NOT LIKE 'never reached%' ORDER BY id")" = "$(venue_orders | cut -d' ' -f1)" ]
	[ "$(sql "SELECT count(*) FROM orders WHERE status = 'new'")" -eq 0 ]
	[ "$(venue_orders | wc -l)" -eq "$(venue_orders | cut -d' ' -f1 | sort -u | wc -l)" ]
	# the rest of the stream, sent again, adds exactly the orders that were never stored
	local before
	before=$(sql "SELECT count(*) FROM orders")
	run t oms --venue binance --keys keys.json --endpoint "$URL" in.ndjson
	assert_success
	[ "$(sql "SELECT count(*) FROM orders")" -eq 40 ]
	[ "$(venue_orders | wc -l)" -eq "$(sql "SELECT count(*) FROM orders WHERE reason NOT LIKE 'never reached%'")" ]
	[ "$before" -le 40 ]
}

@test "reconcile: an order the store does not know puts trading in REDUCING until it is clean" {
	start binance
	run t "$LYRA_BUILD/tools/tradecli" binance "$URL" keys.json place \
		'{"id":"X1","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"42000.00","qty":"0.01000"}'
	assert_success
	run --separate-stderr t oms reconcile binance --keys keys.json --endpoint "$URL" --symbol BTC/USDT
	[ "$status" -eq 65 ]
	run jq -r 'select(.type=="recon_diff") | "\(.kind) \(.id)"' <<<"$output"
	assert_output "missing_in_store X1"
	run t riskcheck status
	assert_output --partial "REDUCING"
	run t "$LYRA_BUILD/tools/tradecli" binance "$URL" keys.json cancel BTC/USDT X1
	assert_success
	run t oms reconcile binance --keys keys.json --endpoint "$URL" --symbol BTC/USDT
	assert_success
	run t riskcheck status
	assert_output --partial "ACTIVE"
}

@test "okx: place and fill through the same filter" {
	start okx
	{ order O1 42000.0 okx BTC/USD; order O2 90000.0 okx BTC/USD; } > in.ndjson
	run t oms --venue okx --keys keys.json --endpoint "$URL" in.ndjson
	assert_success
	# OKX answers a placement with ids only: both are acked, the fill is learnt by asking
	run jq -r 'select(.type=="order_event") | "\(.id) \(.status)"' <<<"$output"
	assert_output "$(printf 'O1 new\nO1 acked\nO2 new\nO2 acked')"
	[ "$(venue_orders | cut -d' ' -f1,2)" = "$(printf 'O1 new\nO2 filled')" ]
	run --separate-stderr t oms recover --venue okx --keys keys.json --endpoint "$URL"
	assert_success
	run jq -r 'select(.type=="fill" or .type=="order_event") | "\(.type) \(.id) \(.status // .qty)"' <<<"$output"
	assert_output "$(printf 'order_event O1 acked\nfill O2 0.01\norder_event O2 filled')"
	[ "$(sql "SELECT id, status, filled_qty FROM orders ORDER BY id")" = "$(printf 'O1|acked|0\nO2|filled|0.01')" ]
}

@test "--dry-run prints the signed request and sends nothing; orders for other venues pass through" {
	start binance
	{ order D1 42000.00; order Z1 42000.00 okx BTC/USD; } > in.ndjson
	run t oms --venue binance --dry-run --keys keys.json --endpoint "$URL" in.ndjson
	assert_success
	run jq -r 'select(.type=="signed_request") | "\(.method) \(.url | sub("\\?.*"; ""))"' <<<"$output"
	assert_output "POST $URL/api/v3/order"
	[[ "$output" != *s3cret-test* ]]
	[ "$(jq -r 'select(.type=="order") | .id' <<<"$(t oms --venue binance --dry-run --keys keys.json --endpoint "$URL" in.ndjson)")" = Z1 ]
	[ "$(venue_orders | wc -l)" -eq 0 ]
	run t oms --venue krakken --keys keys.json in.ndjson
	[ "$status" -eq 64 ]
	assert_output --partial "did you mean 'kraken'"
}

@test "binance: without --keys the key comes from the vault (auth key add), and the read is audited" {
	start binance
	printf 'a master secret of forty characters long!\n' > master
	chmod 600 master
	export LYRA_MASTER_KEY_FILE=$PWD/master
	run t auth key add binance --file keys.json
	assert_success
	order V1 90000.00 > in.ndjson
	run --separate-stderr t oms --venue binance --endpoint "$URL" in.ndjson
	assert_success
	[ "$(jq -r 'select(.type=="order_event") | .status' <<<"$output" | tail -1)" = filled ]
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'key.read'")" -eq 1 ]
	# no key for okx: a configuration error naming the way out
	order V2 42000.0 okx BTC/USD > in2.ndjson
	run t oms --venue okx --endpoint "$URL" in2.ndjson
	[ "$status" -eq 78 ]
	assert_output --partial "auth key add okx"
}

@test "reconcile compares balances: the last reconciled totals plus the fills since, against the venue" {
	start binance
	run --separate-stderr t oms reconcile binance --keys keys.json --endpoint "$URL" --symbol BTC/USDT
	assert_success
	[[ "$stderr" == *"balances recorded as the base"* ]]
	[ "$(jq -r 'select(.type=="balance" and .asset=="USDT") | .total | tonumber' <<<"$output")" = 100000 ]
	# a buy of 0.01 BTC at 90000 (the fake charges no fee): BTC +0.01, USDT -900
	order B1 90000.00 > in.ndjson
	run t oms --venue binance --keys keys.json --endpoint "$URL" in.ndjson
	assert_success
	run --separate-stderr t oms reconcile binance --keys keys.json --endpoint "$URL" --symbol BTC/USDT
	assert_success
	[ "$(jq -c 'select(.type=="recon_diff")' <<<"$output")" = "" ]
	# money moved behind lyra's back: the difference is named, trading goes to REDUCING
	run t curl -sf -X POST "$URL/_fake/balance" -d '{"asset":"USDT","delta":"-250"}'
	assert_success
	run --separate-stderr t oms reconcile binance --keys keys.json --endpoint "$URL" --symbol BTC/USDT
	[ "$status" -eq 65 ]
	run jq -r 'select(.type=="recon_diff") | "\(.kind) \(.id) \(.store | tonumber) \(.venue_value | tonumber)"' <<<"$output"
	assert_output "balance USDT 99100 98850"
	run t riskcheck status
	assert_output --partial REDUCING
	# --apply takes the venue's balances as the new base (audited); the next reconcile is clean
	run --separate-stderr t oms reconcile binance --apply --keys keys.json --endpoint "$URL" --symbol BTC/USDT
	assert_success
	run --separate-stderr t oms reconcile binance --keys keys.json --endpoint "$URL" --symbol BTC/USDT
	assert_success
	[ "$(sqlite3 "$LYRA_DB" "SELECT count(*) FROM audit WHERE action = 'order.balances'")" -eq 4 ]
	run t riskcheck status
	assert_output --partial ACTIVE
}
