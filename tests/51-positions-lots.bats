#!/usr/bin/env bats
# positions(1), lots and accounts: the lot method recorded per financial year, specific
# identification, transfers between own accounts (and their fees), Binance's trade-history
# export, rebalance orders and reconcile against a venue (tests/fakeexchange.py). Every expected
# number is worked by hand in the comments.

load helper
load fakex

FX=$LYRA_ROOT/tests/fixtures/positions
sql() { sqlite3 -bail "$LYRA_DB" "$@"; }

# fill DATE SYMBOL SIDE PX QTY FEE FEE_CCY TRADE_ID [VENUE]: a fill at 00:00Z
fill() {
	local ts
	ts=$(( $(date -u -d "$1" +%s) * 1000000 ))
	printf '{"type":"fill","ts":%s,"id":"o-%s","venue":"%s","symbol":"%s","side":"%s","px":"%s","qty":"%s","fee":"%s","fee_ccy":"%s","liquidity":"taker","trade_id":"%s"}\n' \
		"$ts" "$8" "${9:-btcmarkets}" "$2" "$3" "$4" "$5" "$6" "$7" "$8"
}

teardown() { fakex_teardown; }

@test "method: recorded per financial year and audited; --method may not contradict it" {
	{
		fill 2024-01-10 BTC/AUD buy 100 1 0 AUD a
		fill 2024-02-10 BTC/AUD buy 300 1 0 AUD b
		fill 2025-08-01 BTC/AUD sell 250 1 0 AUD c
	} | t positions >/dev/null
	run t positions method set --fy 2025-26 lifo
	assert_success
	# the same again changes nothing; a different one needs --force
	run t positions method set --fy 2025-26 lifo
	assert_success
	run --separate-stderr t positions method set --fy 2025-26 hifo
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"2025-26 already uses lifo"* ]]
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'position.method'")" -eq 1 ]
	run t positions method
	assert_line --regexp '^2025-26 +lifo +2.*Z +'
	# tax uses the recorded method (LIFO: the 300 lot, a loss of 50) without --method
	run t positions tax --fy 2025-26 --format ndjson
	assert_success
	assert_line --index 0 --partial '"cost_aud":"300.00","proceeds_aud":"250.00","gain_aud":"-50.00","discount":"no","lot_fill":2,"disposal_fill":3,"method":"lifo"'
	assert_line --index 1 --partial '"method":"lifo"'
	run t positions tax --fy 2025-26 --method lifo --format csv
	assert_success
	run --separate-stderr t positions tax --fy 2025-26 --method fifo
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"--method fifo conflicts with lifo, the method recorded for 2025-26"* ]]
	# a year without a record still takes --method
	run t positions tax --fy 2024-25 --method hifo --format ndjson
	assert_output --partial '"method":"hifo"'
	run t positions method set --fy 2025-26 fifo --force
	assert_success
	[ "$(sql "SELECT details FROM audit WHERE action = 'position.method' ORDER BY seq DESC LIMIT 1")" = '{"method":"fifo","was":"lifo"}' ]
	run t positions method set --fy 2025-26 average
	[ "$status" -eq 64 ]
}

@test "specific identification: the named lots first, the rest FIFO" {
	# lots 100, 300, 200 (1 BTC each); 1.5 BTC sold for 375 on 1 August 2025
	{
		fill 2024-01-10 BTC/AUD buy 100 1 0 AUD a
		fill 2024-02-10 BTC/AUD buy 300 1 0 AUD b
		fill 2024-03-10 BTC/AUD buy 200 1 0 AUD c
		fill 2025-08-01 BTC/AUD sell 250 1.5 0 AUD d
	} | t positions >/dev/null
	run --separate-stderr t positions lots assign 4 3 1 2 0.25
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"run 'positions method set --fy 2025-26 specific' first"* ]]
	run t positions method set --fy 2025-26 specific
	assert_success
	run t positions lots assign 4 3 1 2 0.25
	assert_success
	# lot 2: 0.25 of 300 = 75.00 for 375 x 0.25/1.5 = 62.50; lot 3: 200.00 for 250.00; the
	# 0.25 left FIFO from lot 1: 25.00 for the remaining 62.50
	run t positions tax --fy 2025-26 --format csv
	assert_success
	[ "$(printf '%s\n' "$output" | tr -d '\r' | sed -n '2,4p;8,9p')" = "BTC,2024-02-10,2025-08-01,0.25,75.00,62.50,-12.50,no,2,4
BTC,2024-03-10,2025-08-01,1,200.00,250.00,50.00,yes,3,4
BTC,2024-01-10,2025-08-01,0.25,25.00,62.50,37.50,yes,1,4
H,total current year capital gains,87.50
A,net capital gain,37.50" ]
	run t positions tax --fy 2025-26 --format ndjson
	assert_line --index 0 --partial '"method":"specific"'
	assert_line --index 2 --partial '"method":"fifo"'
	assert_line --index 3 --partial '"method":"specific"'
	# naming more than the disposal, or more than a lot holds, is refused at report time; a
	# lot fill after the disposal at once
	run t positions lots assign 4 3 1 2 0.75
	assert_success
	run --separate-stderr t positions tax --fy 2025-26
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"add up to more than the 1.5 disposed"* ]]
	run t positions lots assign 4 1 1.2
	assert_success
	run --separate-stderr t positions tax --fy 2025-26
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"lot 1 holds only 1"* ]]
	run t positions lots assign 1 4 1
	[ "$status" -eq 65 ]
	run t positions lots assign 4
	assert_success
	[ "$(sql 'SELECT count(*) FROM lot_assign')" -eq 0 ]
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'position.lots'")" -eq 4 ]
}

@test "transfer: not a disposal; its fee is one, at market value, added to the moved units' cost" {
	# 1 BTC for 10,000 on 1 July 2024; moved to kraken on 10 July 2025 (fee 0.001 BTC, BTC at
	# 50,000 AUD that day); the 0.999 that arrived sold on 1 September 2025 at 60,000
	{
		fill 2024-07-01 BTC/AUD buy 10000 1 0 AUD a
		fill 2025-09-01 BTC/AUD sell 60000 0.999 0 AUD b kraken
	} | t positions >/dev/null
	run t positions transfer BTC 1 btcmarkets kraken --fee 0.001 --at 2025-07-10 --ref wd-1
	assert_success
	run --separate-stderr t positions transfer BTC 1 btcmarkets kraken --fee 0.001 --at 2025-07-10 --ref wd-1
	assert_success
	[[ "$stderr" == *"'wd-1' was already stored"* ]]
	run t positions transfer BTC 2 btcmarkets kraken --at 2025-07-10 --ref wd-1
	[ "$status" -eq 65 ]
	run t positions transfer BTC 1 kraken kraken
	[ "$status" -eq 64 ]
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'position.transfer'")" -eq 1 ]
	printf '2025-07-10,BTC,50000\n' > "$BATS_TEST_TMPDIR/r.csv"
	# the fee: 0.001 of the 10,000 lot = 10.00 against 50.00, held over 12 months; the lot left
	# (0.999) costs 9,990 + 50 = 10,040.00 and sells for 59,940.00
	run t positions tax --fy 2025-26 --rates "$BATS_TEST_TMPDIR/r.csv" --format csv
	assert_success
	[ "$(printf '%s\n' "$output" | tr -d '\r' | sed -n '2,3p;7,8p')" = "BTC,2024-07-01,2025-07-10,0.001,10.00,50.00,40.00,yes,1,-1
BTC,2024-07-01,2025-09-01,0.999,10040.00,59940.00,49900.00,yes,1,2
H,total current year capital gains,49940.00
A,net capital gain,24970.00" ]
	run --separate-stderr t positions tax --fy 2025-26
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"no AUD rate for 'BTC' on 2025-07-10"* ]]
	# holdings per account follow the transfer: kraken got 0.999 and sold it
	run t positions transfer AUD 500 bank btcmarkets --at 2025-07-11
	assert_success
	run t positions tax --fy 2025-26 --rates "$BATS_TEST_TMPDIR/r.csv" --format csv
	assert_line $'A,net capital gain,24970.00\r'
}

@test "import: Binance trade history (both layouts), pairs split, idempotent" {
	run --separate-stderr t positions import "$FX/binance-trades.csv" --format csv
	assert_success
	[ "$stderr" = "positions: imported 5 fills from '$FX/binance-trades.csv' (0 already stored)" ]
	# the BNB fee of the SOL sale is valued at the BNB/USDT fill before it: 0.1125 x 660
	[ "$(sql "SELECT trade_id, ts, symbol, side, px, qty, fee, fee_ccy, fee_quote FROM fills ORDER BY id" | sed 's/^bn-[0-9a-f]\{16\}-/bn-/')" = \
'bn-1|1751534142000000|BTC/USDT|buy|108000.00|0.00500000|0.00000500|BTC|0
bn-1|1751623200000000|BNB/USDT|buy|660.00|1.00000000|0.66000000|USDT|0.66000000
bn-1|1751715000000000|SOL/USDT|sell|150.50|1000.00000000|0.11250000|BNB|74.25
bn-1|1751715000000000|ETH/BTC|sell|0.02350|0.10000000|0.00000235|BTC|0.00000235
bn-2|1751715000000000|ETH/BTC|sell|0.02350|0.10000000|0.00000235|BTC|0.00000235' ]
	run --separate-stderr t positions import "$FX/binance-trades.csv" --format csv
	assert_success
	[[ "$stderr" == *"imported 0 fills"*"(5 already stored)"* ]]
	printf 'Date(UTC),Market,Type,Price,Amount,Total,Fee,Fee Coin\n2021-03-01 08:00:00,ADAUSDT,SELL,1.2,100,120,0.12,USDT\n' > "$BATS_TEST_TMPDIR/old.csv"
	run t positions import "$BATS_TEST_TMPDIR/old.csv" --format csv
	assert_success
	[ "$(sql "SELECT symbol, side, px, qty, fee, fee_ccy FROM fills WHERE symbol = 'ADA/USDT'")" = 'ADA/USDT|sell|1.2|100|0.12|USDT' ]
	[ "$(sql "SELECT json_extract(details, '$.format') FROM audit WHERE action = 'position.import' ORDER BY seq")" = $'binance\nbinance' ]
	printf 'Date(UTC),Pair,Side,Price,Executed,Amount,Fee\n2025-07-03 09:15:42,BTCUSDT,BUY,1,0.5ETH,1USDT,0USDT\n' > "$BATS_TEST_TMPDIR/bad.csv"
	run --separate-stderr t positions import "$BATS_TEST_TMPDIR/bad.csv" --format csv
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"pair 'BTCUSDT' is not ETH and USDT"* ]]
}

@test "rebalance: sells first then the cheapest buys, on lot and notional rules, exact" {
	# binance holds 0.1 BTC, 1 ETH and 3,000 USDT (10,000 deposited, 5,000 + 2,000 spent).
	# Marks: BTC 60,000 (bbo mid), ETH 1,500, ADA 0.5, DOGE 0.25: worth 6,000 + 1,500 + 3,000 =
	# 10,500. Targets BTC 50% (5,250: sell 750 = 0.0125, 0.012 on a 0.001 lot), ETH 30% (3,150:
	# buy 1.1), ADA 1% (105 < the 200 minimum notional: left alone), DOGE 5% (525: buy 2,100).
	# Fees (taker): DOGE 525 x 0.002 = 1.05 before ETH 1,650 x 0.001 = 1.65.
	run t positions transfer USDT 10000 bank binance --at 2025-01-01 --ref dep-1
	assert_success
	{
		fill 2025-01-02 BTC/USDT buy 50000 0.1 0 USDT r1 binance
		fill 2025-01-02 ETH/USDT buy 2000 1 0 USDT r2 binance
	} | t positions >/dev/null
	printf '# targets\nBTC 50%%\nETH 0.3\nADA 1%%\nDOGE, 5%%\n' > "$BATS_TEST_TMPDIR/target"
	run --separate-stderr t positions rebalance --target "$BATS_TEST_TMPDIR/target" --venue binance \
		--band 0.5% --marks "$FX/rebalance-marks.ndjson" --at 2025-06-01
	assert_success
	[ "$output" = '{"type":"order","ts":1748736000000000,"id":"rb1748736000n1","venue":"binance","symbol":"BTC/USDT","side":"sell","kind":"market","qty":"0.012","mark":"60000","weight":"0.571429","strategy":"rebalance"}
{"type":"order","ts":1748736000000000,"id":"rb1748736000n2","venue":"binance","symbol":"DOGE/USDT","side":"buy","kind":"market","qty":"2100","mark":"0.25","weight":"0","strategy":"rebalance"}
{"type":"order","ts":1748736000000000,"id":"rb1748736000n3","venue":"binance","symbol":"ETH/USDT","side":"buy","kind":"market","qty":"1.1","mark":"1500","weight":"0.142857","strategy":"rebalance"}' ]
	[[ "$stderr" == *"ADA: out of band, but the trade back to target is below the venue's minimum"* ]]
	# the default 2% band: BTC (7.1 points over), ETH (15.7 under) and DOGE (5 under) trade;
	# ADA (1 under) is within it
	run --separate-stderr t positions rebalance --target "$BATS_TEST_TMPDIR/target" --venue binance \
		--marks "$FX/rebalance-marks.ndjson" --at 2025-06-01
	assert_success
	[ "$(jq -r '.symbol' <<<"$output" | tr '\n' ' ')" = 'BTC/USDT DOGE/USDT ETH/USDT ' ]
	[[ "$stderr" != *ADA* ]]
	# no market rules or no mark: an error naming the symbol
	printf 'XRP 10%%\n' > "$BATS_TEST_TMPDIR/t2"
	run --separate-stderr t positions rebalance --target "$BATS_TEST_TMPDIR/t2" --venue binance \
		--marks "$FX/rebalance-marks.ndjson"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"no market rules for 'XRP/USDT' on 'binance'"* ]]
	printf 'BTC 120%%\n' > "$BATS_TEST_TMPDIR/t3"
	run t positions rebalance --target "$BATS_TEST_TMPDIR/t3" --venue binance --marks "$FX/rebalance-marks.ndjson"
	[ "$status" -eq 65 ]
	run t positions rebalance --venue binance
	[ "$status" -eq 64 ]
}

@test "reconcile: balances from the stored fills and transfers against the venue's" {
	fakex_setup s3cret-test wrong
	start binance
	# the fake holds 100000 USDT, 100000 USD and 10 BTC
	t positions transfer USDT 100000 bank binance --at 2025-01-01 --ref d1
	t positions transfer USD 100000 bank binance --at 2025-01-01 --ref d2
	t positions transfer BTC 10.001 cold binance --fee 0.001 --at 2025-01-01 --ref d3
	run --separate-stderr t positions reconcile binance --keys "$KEYS" --endpoint "$URL"
	assert_success
	[ "$output" = "" ]
	[[ "$stderr" == *"binance: 0 balance differences"* ]]
	# money moved behind the store's back, and a fill the venue never saw
	run t curl -sf -X POST "$URL/_fake/balance" -d '{"asset":"USDT","delta":"-250"}'
	assert_success
	fill 2025-02-01 ETH/USDT buy 2000 1 0 USDT e1 binance | t positions >/dev/null
	run --separate-stderr t positions reconcile binance --keys "$KEYS" --endpoint "$URL"
	[ "$status" -eq 65 ]
	run jq -r '"\(.type) \(.kind) \(.id) \(.store) \(.venue_value)"' <<<"$output"
	assert_output "recon_diff balance USDT 98000 99750
recon_diff balance ETH 1 0"
	run t positions reconcile binance --keys "$BAD" --endpoint "$URL"
	[ "$status" -ne 0 ]
	[ "$status" -ne 65 ]
	run t positions reconcile binance --endpoint "$URL"
	[ "$status" -eq 78 ]
}
