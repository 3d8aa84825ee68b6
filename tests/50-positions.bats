#!/usr/bin/env bats
# positions(1): the fill filter (stored once, position records, marks, pass-through, fees in a
# third asset), show, and the Australian CGT report checked line by line against hand-worked
# examples: the 12-month boundary, FIFO/LIFO/HIFO, loss ordering, entities, missing rates.

load helper

FX=$LYRA_ROOT/tests/fixtures/positions
sql() { sqlite3 -bail "$LYRA_DB" "$@"; }

# fill DATE SYMBOL SIDE PX QTY FEE FEE_CCY TRADE_ID: a fill at 00:00Z (the same Sydney date)
fill() {
	local ts
	ts=$(( $(date -u -d "$1" +%s) * 1000000 ))
	printf '{"type":"fill","ts":%s,"id":"o-%s","venue":"btcmarkets","symbol":"%s","side":"%s","px":"%s","qty":"%s","fee":"%s","fee_ccy":"%s","liquidity":"taker","trade_id":"%s"}\n' \
		"$ts" "$8" "$2" "$3" "$4" "$5" "$6" "$7" "$8"
}

load_year() {
	run t positions "$FX/fills-2025-26.ndjson"
	assert_success
}

@test "filter: fills stored once, a position after each, marks from bbo, others pass through" {
	{
		fill 2025-01-01 BTC/USDT buy 100 2 1 USDT t1
		echo '{"type":"bbo","ts":1735689600100000,"venue":"btcmarkets","symbol":"BTC/USDT","bid_px":"110","bid_qty":"1","ask_px":"111","ask_qty":"1"}'
		echo '{"type":"signal","ts":5,"kind":"x","symbol":"s","value":1}'
		fill 2025-01-02 BTC/USDT sell 120 1 0.5 USDT t2
	} > "$BATS_TEST_TMPDIR/in.ndjson"
	run t positions "$BATS_TEST_TMPDIR/in.ndjson"
	assert_success
	[ "${#lines[@]}" -eq 6 ]
	[ "${lines[1]}" = '{"type":"position","ts":1735689600000000,"venue":"btcmarkets","symbol":"BTC/USDT","qty":"2","avg_px":"100.5","realized_pnl":"0","unrealized_pnl":"-1","fees":"1","mark":"100"}' ]
	[ "${lines[2]}" = "$(sed -n 2p "$BATS_TEST_TMPDIR/in.ndjson")" ]
	[ "${lines[3]}" = '{"type":"signal","ts":5,"kind":"x","symbol":"s","value":1}' ]
	[ "${lines[5]}" = '{"type":"position","ts":1735776000000000,"venue":"btcmarkets","symbol":"BTC/USDT","qty":"1","avg_px":"100.5","realized_pnl":"19","unrealized_pnl":"19.5","fees":"1.5","mark":"120"}' ]
	# replayed: nothing counted twice, no position records, one audit entry for the first batch
	run t positions "$BATS_TEST_TMPDIR/in.ndjson"
	assert_success
	refute_output --partial '"position"'
	[ "$(sql 'SELECT count(*) FROM fills')" -eq 2 ]
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'position.fills'")" -eq 1 ]
	# a later run carries on from the store
	run t positions < <(fill 2025-01-03 BTC/USDT sell 130 1 0 USDT t3)
	assert_success
	assert_line '{"type":"position","ts":1735862400000000,"venue":"btcmarkets","symbol":"BTC/USDT","qty":"0","avg_px":"0","realized_pnl":"48.5","unrealized_pnl":"0","fees":"1.5","mark":"130"}'
	run t positions show --format csv
	assert_success
	[ "$(printf '%s' "$output" | tr -d '\r')" = "$(printf 'venue,symbol,qty,avg_px,realized_pnl,unrealized_pnl,fees,gross_exposure,net_exposure\nbtcmarkets,BTC/USDT,0,0,48.5,0,1.5,0,0')" ]
	run t positions show --at 2025-01-01T12:00:00Z --format csv
	assert_line --partial 'btcmarkets,BTC/USDT,2,100.5,0,-1,1,200,200'
}

@test "filter: a fee in a third asset is valued at its mark, and refused without one" {
	run --separate-stderr t positions < <(fill 2025-01-01 BTC/USDT buy 100 1 0.01 BNB t1)
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"no price for fee asset 'BNB' in 'USDT' on 'btcmarkets'"* ]]
	[ "$(sql 'SELECT count(*) FROM fills')" -eq 0 ]
	run t positions < <(echo '{"type":"trade","ts":1,"venue":"btcmarkets","symbol":"BNB/USDT","id":"9","side":"buy","px":"600","qty":"1"}'; fill 2025-01-01 BTC/USDT buy 100 1 0.01 BNB t1)
	assert_success
	assert_line --partial '"qty":"1","avg_px":"106","realized_pnl":"0","unrealized_pnl":"-6","fees":"6"'
}

@test "filter: bad lines are error records and exit 65; a bad option is 64" {
	run --separate-stderr t positions < <(echo 'nope'; echo '{"type":"fill","ts":1,"venue":"v"}'; echo '{"type":"x","ts":1}')
	[ "$status" -eq 65 ]
	[ "$output" = '{"type":"x","ts":1}' ]
	[ "$(grep -c '"type":"error"' <<<"$stderr")" -eq 2 ]
	run t positions tax --fy 2025-27
	[ "$status" -eq 64 ]
	run t positions tax
	[ "$status" -eq 64 ]
	run t positions show --by colour
	[ "$status" -eq 64 ]
}

@test "tax: the 12-month boundary excludes the acquisition and disposal days (TD 2002/10)" {
	{
		fill 2024-07-01 BTC/AUD buy 100 1 0 AUD a
		fill 2024-07-01 ETH/AUD buy 10 1 0 AUD b
		fill 2025-07-01 BTC/AUD sell 150 1 0 AUD c
		fill 2025-07-02 ETH/AUD sell 15 1 0 AUD d
	} | t positions >/dev/null
	run t positions tax --fy 2025-26 --format csv
	assert_success
	assert_line --index 1 $'BTC,2024-07-01,2025-07-01,1,100.00,150.00,50.00,no,1,3\r'
	assert_line --index 2 $'ETH,2024-07-01,2025-07-02,1,10.00,15.00,5.00,yes,2,4\r'
	assert_line $'A,net capital gain,52.50\r'
}

@test "tax: FIFO, LIFO and HIFO on one hand-computed example" {
	{
		fill 2024-01-10 BTC/AUD buy 100 1 0 AUD a
		fill 2024-02-10 BTC/AUD buy 300 1 0 AUD b
		fill 2024-03-10 BTC/AUD buy 200 1 0 AUD c
		fill 2025-08-01 BTC/AUD sell 250 1 0 AUD d
	} | t positions >/dev/null
	for m in fifo:100.00:150.00:yes lifo:200.00:50.00:yes hifo:300.00:-50.00:no; do
		IFS=: read -r method cost gain disc <<<"$m"
		run t positions tax --fy 2025-26 --method "$method" --format ndjson
		assert_success
		assert_line --index 0 --partial "\"cost_aud\":\"$cost\",\"proceeds_aud\":\"250.00\",\"gain_aud\":\"$gain\",\"discount\":\"$disc\""
	done
}

@test "tax: a full year line by line (the man page's worked example)" {
	load_year
	run t positions tax --fy 2025-26 --rates "$FX/rates.csv" --format csv
	assert_success
	[ "$(printf '%s\n' "$output" | tr -d '\r')" = "asset,acquired,disposed,qty,cost_aud,proceeds_aud,gain_aud,discount,lot_fill,disposal_fill
BTC,2024-07-01,2025-07-02,1,10010.00,29970.00,19960.00,yes,1,5
USDT,2024-09-01,2025-08-15,600,900.00,930.00,30.00,no,3,6
BNB,2024-09-01,2025-08-15,0.001,0.80,0.90,0.10,no,4,6
BTC,2024-08-01,2025-09-01,1,20000.00,14985.00,-5015.00,no,2,7
BTC,2025-08-15,2026-03-01,0.01,930.90,1000.00,69.10,no,6,8

label,description,aud
G,capital gains tax event during the year,yes
H,total current year capital gains,20059.20
A,net capital gain,7522.10
V,net capital losses carried forward to later income years,0.00
gains_discountable,gains held at least 12 months,19960.00
gains_other,gains not eligible for the discount,99.20
losses,current year capital losses,5015.00
carried_in,net capital losses from earlier years,0.00
losses_applied,current year losses applied,5015.00
carried_applied,earlier losses applied,0.00
discount,CGT discount applied,7522.10" ]
}

@test "tax: entities, losses carried in, loss ordering and carry-forward" {
	load_year
	summary() { t positions tax --fy 2025-26 --rates "$FX/rates.csv" --format ndjson "$@" | tail -n 1; }
	run summary --entity trust
	assert_output --partial '"label_a":"7522.10"'
	run summary --entity super
	assert_output --partial '"label_h":"20059.20","label_a":"10029.47","label_v":"0.00"'
	run summary --entity company
	assert_output --partial '"label_a":"15044.20"'
	# 1000 carried in: after current losses, it comes off the discountable gains
	run summary --carried-loss 1000
	assert_output --partial '"label_a":"7022.10"'
	assert_output --partial '"carried_applied":"1000.00"'
	# more losses than gains: nothing to discount, the rest carried forward
	run summary --carried-loss 20000
	assert_output --partial '"label_a":"0.00","label_v":"4955.80"'
	# the year before had no disposals; the losses of a year reach the next one
	run t positions tax --fy 2024-25 --format ndjson --rates "$FX/rates.csv"
	assert_output --partial '"label_g":"no"'
}

@test "tax: a missing AUD rate is an error naming the asset and date" {
	load_year
	grep -v BNB "$FX/rates.csv" > "$BATS_TEST_TMPDIR/r.csv"
	run --separate-stderr t positions tax --fy 2025-26 --rates "$BATS_TEST_TMPDIR/r.csv"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"no AUD rate for 'BNB' on 2025-08-15"* ]]
	[ "$output" = "" ]
	run t positions tax --fy 2025-26 --rates "$BATS_TEST_TMPDIR/missing.csv"
	[ "$status" -eq 66 ]
}

@test "pnl: realised PnL and fees per day and per symbol" {
	load_year
	run t positions pnl --format csv
	assert_success
	[ "$(printf '%s\n' "$output" | tr -d '\r')" = "day,quote,fills,realized_pnl,fees
2024-07-01,AUD,1,0,10
2024-08-01,AUD,1,0,0
2024-09-01,AUD,2,0,0
2025-07-02,AUD,1,14965,30
2025-08-15,USDT,1,0,0.5805
2025-09-01,AUD,1,-20,15
2026-03-01,AUD,1,0,0" ]
	run t positions pnl --by symbol --from 2025-07-01 --to 2026-07-01 --format ndjson
	assert_success
	assert_line --index 0 '{"type":"pnl","ts":1782864000000000,"by":"symbol","key":"btcmarkets BTC/AUD","quote":"AUD","fills":3,"realized_pnl":"14945","fees":"45"}'
	[ "${#lines[@]}" -eq 2 ]
	run t positions pnl --by colour
	[ "$status" -eq 64 ]
}

@test "filter: --follow commits every fill; a misspelt command is a usage error" {
	run t positions --follow "$FX/fills-2025-26.ndjson"
	assert_success
	[ "$(grep -c '"type":"position"' <<<"$output")" -eq 8 ]
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'position.fills'")" -eq 8 ]
	run t positions shwo
	[ "$status" -eq 64 ]
	assert_output --partial "did you mean 'show'"
}

@test "import: Kraken and Coinbase exports in their own formats, idempotent" {
	run --separate-stderr t positions import "$FX/kraken-trades.csv" --format csv
	assert_success
	[ "$stderr" = "positions: imported 3 fills from '$FX/kraken-trades.csv' (1 already stored)" ]
	[ "$(sql "SELECT venue, trade_id, ts, symbol, side, px, qty, fee, fee_ccy FROM fills ORDER BY id LIMIT 1")" = \
		'kraken|TQ4XKD-5HXTU-MZNC6Q|1751505342123400|BTC/AUD|buy|95000.0|0.01000000|2.47000|AUD' ]
	[ "$(sql "SELECT symbol FROM fills WHERE venue = 'kraken' ORDER BY id" | tr '\n' ' ')" = 'BTC/AUD ETH/AUD SOL/USD ' ]
	run t positions import "$FX/coinbase-fills.csv" --format csv
	assert_success
	[ "$(sql "SELECT symbol, side, px, qty, fee, fee_ccy FROM fills WHERE venue = 'coinbase' ORDER BY id" | tr '\n' ' ')" = \
		'BTC/USD|buy|60000.00|0.0025|0.9|USD ETH/BTC|sell|0.05|0.5|0.0000625|BTC ' ]
	run --separate-stderr t positions import "$FX/coinbase-fills.csv" --format csv
	assert_success
	[[ "$stderr" == *"imported 0 fills"*"(2 already stored)"* ]]
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'position.import'")" -eq 2 ]
	run t positions import "$FX/fills-2025-26.ndjson" --format ndjson
	assert_success
	[ "$(sql 'SELECT count(*) FROM fills')" -eq 13 ]
	printf 'a,b\n1,2\n' > "$BATS_TEST_TMPDIR/x.csv"
	run t positions import "$BATS_TEST_TMPDIR/x.csv" --format csv
	[ "$status" -eq 65 ]
	run t positions import "$BATS_TEST_TMPDIR/x.csv"
	[ "$status" -eq 64 ]
}
