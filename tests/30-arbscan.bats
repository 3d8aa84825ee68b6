#!/usr/bin/env bats
# arbscan(1): cross-venue opportunities on scripted books whose answers are computed by hand in
# the comments (fees, depth, staleness, persistence and closing), pass-through byte for byte,
# bad input, and the recorded capture end to end through mdfeed replay.

load helper

# book VENUE SYMBOL TS BIDS ASKS: a book snapshot line.
book() { printf '{"type":"book","ts":%s,"venue":"%s","symbol":"%s","seq":1,"bids":%s,"asks":%s}\n' "$3" "$1" "$2" "$4" "$5"; }
delta() { printf '{"type":"book_delta","ts":%s,"venue":"%s","symbol":"%s","seq":2,"bids":%s,"asks":%s}\n' "$3" "$1" "$2" "$4" "$5"; }
market() { printf '{"type":"market","ts":1,"venue":"%s","symbol":"%s","venue_symbol":"X","base":"ETH","quote":"USD","instrument":"spot","tick":"0.01","lot":"0.001","min_qty":"0.001","min_notional":"1","maker_fee":"%s","taker_fee":"%s","status":"trading"}\n' "$1" "$2" "$3" "$3"; }
# summary: one line per opportunity: status id qty buy_px sell_px profit edge_bps.
summary() { jq -r 'select(.type == "opportunity") | [.status, .id, .legs[0].qty, .legs[0].px, .legs[1].px, .profit, .edge_bps, (.reason // "-")] | join(" ")'; }

@test "three venues: sizes by depth, fees on both legs, a thin edge killed by the fee" {
	# a asks 2000 x1, 2001 x2 (taker 0.001: 2002, 2003.001 per unit with fee)
	# b bids 2010 x0.5, 2005 x3 (taker 0.002: 2005.98, 2000.99 net)
	# c bids 2003 x4 (taker from its market record)
	# a>b: first pair 2005.98 vs 2002 = +19.88 bps, take 0.5; next 2000.99 < 2002: stop.
	#   cost 1000 + 1 = 1001, proceeds 1005 - 2.01 = 1002.99, profit 1.99, edge 19.88 bps.
	# a>c with c's fee 0.0005: 2003*0.9995 = 2001.9985 < 2002, so nothing (gross edge 15 bps).
	{
		market c ETH/USD 0.0005
		book a ETH/USD 1000000 '[["1990","1"]]' '[["2000","1"],["2001","2"]]'
		book b ETH/USD 1000001 '[["2010","0.5"],["2005","3"]]' '[["2020","1"]]'
		book c ETH/USD 1000002 '[["2003","4"]]' '[["2015","1"]]'
	} >"$BATS_TEST_TMPDIR/in"
	printf 'a * 0.001\nb * 0.002 0.001\n' >"$BATS_TEST_TMPDIR/fees"
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output '{"type":"opportunity","ts":1000001,"kind":"cross","id":"cross:ETH/USD:a>b:1000001","status":"open","symbol":"ETH/USD","legs":[{"venue":"a","symbol":"ETH/USD","side":"buy","px":"2000","qty":"0.5","fee":"0.001","book_ts":1000000},{"venue":"b","symbol":"ETH/USD","side":"sell","px":"2010","qty":"0.5","fee":"0.002","book_ts":1000001}],"edge_bps":"19.88","profit":"1.99","cost":"1001","proceeds":"1002.99","age":1,"opened_ts":1000001}'
	# c at zero fee: 2003 - 2002 = 1 per unit (4.99 bps), 1 unit at 2000; 2001*1.001 > 2003: stop.
	sed -i 's/"taker_fee":"0.0005"/"taker_fee":"0"/' "$BATS_TEST_TMPDIR/in"
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output --partial '"id":"cross:ETH/USD:a>c:1000002","status":"open","symbol":"ETH/USD","legs":[{"venue":"a","symbol":"ETH/USD","side":"buy","px":"2000","qty":"1","fee":"0.001","book_ts":1000000},{"venue":"c","symbol":"ETH/USD","side":"sell","px":"2003","qty":"1","fee":"0","book_ts":1000002}],"edge_bps":"4.99","profit":"1","cost":"2002","proceeds":"2003"'
	[ "$(summary <<<"$output" | wc -l)" -eq 2 ]
	# --min-bps 5 keeps a>b (19.88) and drops a>c (4.99)
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" --min-bps 5 "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(summary <<<"$output")" "open cross:ETH/USD:a>b:1000001 0.5 2000 2010 1.99 19.88 -"
}

@test "the walk stops at the first level whose marginal edge is below --min-bps" {
	# fee 0.001 both. asks k: 100 x0.5, 100.5 x1, 101 x2; bids n: 102 x0.3, 101.5 x1, 100 x5.
	# 102|100: 179.6 bps, take 0.3; 101.5|100: 129.7 bps, take 0.2; 101.5|100.5: 79.3 bps, take
	# 0.8; 100|100.5: negative. qty 1.3, buy 50 + 80.4 = 130.4, sell 30.6 + 101.5 = 132.1,
	# cost 130.5304, proceeds 131.9679, profit 1.4375, edge 110.12 bps.
	{
		book k X/USDT 1000000 '[["99","1"]]' '[["100","0.5"],["100.5","1"],["101","2"]]'
		book n X/USDT 1000002 '[["102","0.3"],["101.5","1"],["100","5"]]' '[["103","1"]]'
	} >"$BATS_TEST_TMPDIR/in"
	printf '* * 0.001\n' >"$BATS_TEST_TMPDIR/fees"
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(summary <<<"$output")" "open cross:X/USDT:k>n:1000002 1.3 100.5 101.5 1.4375 110.12 -"
	# at 100 bps the third pair (79.3) is out: 0.5 at 100, sell 30.6 + 20.3; cost 50.05,
	# proceeds 50.8491, profit 0.7991, edge 159.66 bps
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" --min-bps 100 "$BATS_TEST_TMPDIR/in"
	assert_equal "$(summary <<<"$output")" "open cross:X/USDT:k>n:1000002 0.5 100 101.5 0.7991 159.66 -"
	# --max-qty caps the size: 0.4 = 0.3 at 102 + 0.1 at 101.5, all bought at 100: cost 40.04,
	# proceeds 40.75 * 0.999 = 40.70925, profit 0.66925, edge 167.14 bps
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" --max-qty 0.4 "$BATS_TEST_TMPDIR/in"
	assert_equal "$(summary <<<"$output")" "open cross:X/USDT:k>n:1000002 0.4 100 101.5 0.66925 167.14 -"
	# no fee known for a venue: that venue is not used
	printf 'k * 0.001\n' >"$BATS_TEST_TMPDIR/fees"
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output ""
}

@test "reported once while it persists, closed when it ends, reopened later" {
	{
		book k X/USDT 1000000 '[["99","1"]]' '[["100","1"]]'
		book n X/USDT 1000001 '[["101","1"]]' '[["103","1"]]'
		delta n X/USDT 1000002 '[["101","2"]]' '[]'
		delta k X/USDT 1000003 '[]' '[["100","0.5"]]'
		delta n X/USDT 1000004 '[["101","0"],["99.5","1"]]' '[]'
		delta n X/USDT 1000005 '[["102","1"]]' '[]'
	} >"$BATS_TEST_TMPDIR/in"
	printf '* * 0\n' >"$BATS_TEST_TMPDIR/fees"
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" --metrics "$BATS_TEST_TMPDIR/m.prom" "$BATS_TEST_TMPDIR/in"
	assert_success
	grep -qx 'lyra_arbscan_opportunities_total{prog="arbscan",kind="cross",status="open"} 2' "$BATS_TEST_TMPDIR/m.prom"
	grep -qx 'lyra_arbscan_opportunities_total{prog="arbscan",kind="cross",status="closed"} 1' "$BATS_TEST_TMPDIR/m.prom"
	grep -qx 'lyra_arbscan_records_total{prog="arbscan"} 6' "$BATS_TEST_TMPDIR/m.prom"
	# the closed record carries the last size seen while open (0.5 after the ask shrank)
	assert_equal "$(summary <<<"$output")" "open cross:X/USDT:k>n:1000001 1 100 101 1 100.00 -
closed cross:X/USDT:k>n:1000001 0.5 100 101 0.5 100.00 gone
open cross:X/USDT:k>n:1000005 0.5 100 102 1 200.00 -"
	assert_equal "$(jq -r 'select(.status == "closed") | [.ts, .opened_ts, .legs[1].book_ts] | @tsv' <<<"$output")" "1000004	1000001	1000002"
}

@test "stale books are never used and close what relied on them" {
	printf '* * 0\n' >"$BATS_TEST_TMPDIR/fees"
	# n's book is 6 s older than k's: with the default 5 s nothing opens
	{
		book n X/USDT 1000000 '[["101","1"]]' '[["103","1"]]'
		book k X/USDT 7000000 '[["99","1"]]' '[["100","1"]]'
	} >"$BATS_TEST_TMPDIR/old"
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/old"
	assert_success
	assert_output ""
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" --max-age 6s "$BATS_TEST_TMPDIR/old"
	assert_equal "$(summary <<<"$output")" "open cross:X/USDT:k>n:7000000 1 100 101 1 100.00 -"
	# opened at 2 s; an unrelated book at 7.5 s makes n (1 s) stale with --max-age 6s
	{
		book n X/USDT 1000000 '[["101","1"]]' '[["103","1"]]'
		book k X/USDT 2000000 '[["99","1"]]' '[["100","1"]]'
		book k Y/USDT 7000000 '[["1","1"]]' '[["2","1"]]'
		book k Y/USDT 7000001 '[["1","1"]]' '[["2","1"]]'
	} >"$BATS_TEST_TMPDIR/in"
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" --max-age 6s "$BATS_TEST_TMPDIR/in"
	assert_equal "$(summary <<<"$output")" "open cross:X/USDT:k>n:2000000 1 100 101 1 100.00 -
closed cross:X/USDT:k>n:2000000 1 100 101 1 100.00 stale"
	assert_equal "$(jq -r 'select(.status == "closed") | [.ts, .age] | @tsv' <<<"$output")" "7000001	6000001"
	# --max-age 0: never stale
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" --max-age 0 "$BATS_TEST_TMPDIR/in"
	assert_equal "$(summary <<<"$output")" "open cross:X/USDT:k>n:2000000 1 100 101 1 100.00 -"
}

@test "fees: market records, then the fees file overrides them by venue and symbol" {
	{
		market k X/USDT 0.002
		market n X/USDT 0.002
		book k X/USDT 1000000 '[["99","1"]]' '[["100","1"]]'
		book n X/USDT 1000001 '[["101","1"]]' '[["103","1"]]'
	} >"$BATS_TEST_TMPDIR/in"
	# market fees: 101*0.998 - 100*1.002 = 100.798 - 100.2 = 0.598; cost 100.2, edge 59.68 bps
	run t arbscan cross "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(summary <<<"$output")" "open cross:X/USDT:k>n:1000001 1 100 101 0.598 59.68 -"
	# "* *" is only a fallback: the market records still win
	printf '* * 0\n' >"$BATS_TEST_TMPDIR/fees"
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_equal "$(summary <<<"$output")" "open cross:X/USDT:k>n:1000001 1 100 101 0.598 59.68 -"
	# a venue entry overrides k's market fee; an exact entry overrides n's: 101*0.999 - 100 = 0.899
	printf 'k * 0 # my tier\nn X/USDT 0.001\nn * 0.5\n' >"$BATS_TEST_TMPDIR/fees"
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_equal "$(summary <<<"$output")" "open cross:X/USDT:k>n:1000001 1 100 101 0.899 89.90 -"
	printf 'k X/USDT abc\n' >"$BATS_TEST_TMPDIR/fees"
	run --separate-stderr t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 78 ]
	[[ "$stderr" == "arbscan: '$BATS_TEST_TMPDIR/fees' line 1: bad fee 'abc'"* ]]
	run --separate-stderr t arbscan cross --fees "$BATS_TEST_TMPDIR/nope" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 66 ]
}

@test "bbo quotes act as one-level books; a gap distrusts a book until its next snapshot" {
	printf '* * 0\n' >"$BATS_TEST_TMPDIR/fees"
	{
		printf '%s\n' '{"type":"bbo","ts":1000000,"venue":"k","symbol":"X/USDT","bid_px":"99","bid_qty":"1","ask_px":"100","ask_qty":"2"}'
		printf '%s\n' '{"type":"bbo","ts":1000001,"venue":"n","symbol":"X/USDT","bid_px":"100.5","bid_qty":"3","ask_px":"103","ask_qty":"1"}'
		printf '%s\n' '{"type":"gap","ts":1000002,"venue":"n","symbol":"X/USDT","reason":"test"}'
		book n X/USDT 1000003 '[["101","1"]]' '[["103","1"]]'
	} >"$BATS_TEST_TMPDIR/in"
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(summary <<<"$output")" "open cross:X/USDT:k>n:1000001 2 100 100.5 1 50.00 -
closed cross:X/USDT:k>n:1000001 2 100 100.5 1 50.00 invalid
open cross:X/USDT:k>n:1000003 1 100 101 1 100.00 -"
	# the gap record itself is forwarded, before the close it caused
	assert_equal "$(grep -n '"type":"gap"' <<<"$output" | cut -d: -f1)" 2
}

@test "pass-through: records arbscan does not consume come out byte for byte, in order" {
	printf '%s\n' \
		'{"type":"trade", "ts":1 ,"venue":"x","symbol":"A/B","id":"1","side":"buy","px":1.50,"qty":"2"}' \
		'{"type":"order","ts":2,"id":"o1","venue":"paper","symbol":"A/B","side":"buy","kind":"limit","qty":"1","x":[1,2,{"y":null}]}' \
		'{"type":"funding","ts":3,"venue":"binance","symbol":"BTC/USDT:USDT","rate":"0.0001","next_ts":9}' \
		'{"type":"something_new","ts":4,"é":"ü"}' >"$BATS_TEST_TMPDIR/in"
	run t arbscan cross "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/in")"
	run pipeline "cat '$BATS_TEST_TMPDIR/in' | arbscan cross | cmp - '$BATS_TEST_TMPDIR/in'"
	assert_success
}

@test "bad input: error records on stderr, the stream goes on, 65 at the end; --strict stops" {
	printf '* * 0\n' >"$BATS_TEST_TMPDIR/fees"
	{
		echo 'not json'
		book k X/USDT 1000000 '[["99","1"]]' '[["100","1"],["99.5","1"]]'
		delta n X/USDT 1000001 '[["101","1"]]' '[]'
		echo '{"type":"book","ts":1000002,"venue":"n","symbol":"X/USDT","seq":1,"bids":[["abc","1"]],"asks":[]}'
		echo '{"type":"bbo","ts":1000003,"venue":"n","symbol":"X/USDT","bid_px":"1"}'
		echo '{"type":"trade","ts":5,"venue":"x","symbol":"A/B","id":"1","side":"buy","px":"1","qty":"2"}'
	} >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 65 ]
	assert_output '{"type":"trade","ts":5,"venue":"x","symbol":"A/B","id":"1","side":"buy","px":"1","qty":"2"}'
	assert_equal "$(jq -r '[.prog, .line, .reason] | @tsv' <<<"$stderr")" "arbscan	1	not a JSON object
arbscan	2	asks level 2 is out of order
arbscan	3	book_delta for 'n' 'X/USDT' without a valid snapshot
arbscan	4	bids level 1: cannot parse decimal 'abc': stray 'a' at byte 0
arbscan	5	missing field 'bid_qty'"
	run --separate-stderr t arbscan cross --strict --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 65 ]
	assert_output ""
	[ "$(grep -c '^{' <<<"$stderr")" -eq 1 ]
}

@test "usage errors exit 64" {
	run --separate-stderr t arbscan
	[ "$status" -eq 64 ]
	run --separate-stderr t arbscan crossx
	[ "$status" -eq 64 ]
	run --separate-stderr t arbscan cross --min-bps x
	[ "$status" -eq 64 ]
	run --separate-stderr t arbscan cross --min-bps 1.000000001
	[ "$status" -eq 64 ]
	[[ "$stderr" == "arbscan: --min-bps: '1.000000001' has more than 8 decimals"* ]]
	run --separate-stderr t arbscan cross --max-age soon
	[ "$status" -eq 64 ]
	run --separate-stderr t arbscan cross --max-qty 0
	[ "$status" -eq 64 ]
	run t arbscan cross /nonexistent
	[ "$status" -eq 66 ]
}

@test "end to end: mdfeed replay of the recorded capture | arbscan cross" {
	t mdfeed record -q "$FIXTURES/mdfeed/capture.ndjson"
	printf '* * 0.001\n' >"$BATS_TEST_TMPDIR/fees"
	mdfeed replay >"$BATS_TEST_TMPDIR/replay"
	run pipeline "mdfeed replay | arbscan cross --max-age 0 --fees '$BATS_TEST_TMPDIR/fees'"
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/out"
	# everything but books, bbo and market records passes through unchanged and in order
	assert_equal "$(grep -v '"type":"opportunity"' "$BATS_TEST_TMPDIR/out")" \
		"$(grep -v '"type":"\(book\|bbo\|market\)"' "$BATS_TEST_TMPDIR/replay")"
	# the capture's venues quote wildly different prices (payloads from different years);
	# gemini>coinbase: 1.7171 is coinbase's 73360.34 x0.5121 + 73360.01 x0.005 + 73358.77 x1.2
	# against gemini's 303.05 x8.12974: buy 520.367155, sell 125965.154164, fees 0.1% each
	run summary <"$BATS_TEST_TMPDIR/out"
	assert_line "open cross:BTC/USD:gemini>coinbase:1710328241270099 1.7171 303.05 73358.77 125318.301487681 2405861.07 -"
	[ "${#lines[@]}" -eq 13 ]
	# with the default --max-age (5 s) the stale mix of years yields only same-instant books
	run pipeline "mdfeed replay | arbscan cross --fees '$BATS_TEST_TMPDIR/fees' | jq -r 'select(.type == \"opportunity\") | .id'"
	assert_success
	for id in "${lines[@]}"; do [[ "$id" == *:1700000000000000 ]]; done
}

# ---- triangle ----

# tri_books: BTC/USDT ask 50010 x0.1, ETH/BTC ask 0.0611 x10, ETH/USDT bid 3070 x1.
# USDT -> BTC -> ETH -> USDT: 3070 / (50010 * 0.0611) = 1.004709, +47 bps before fees.
tri_books() {
	book v BTC/USDT 1000000 '[["50000","1"]]' '[["50010","0.1"]]'
	book v ETH/BTC 1000001 '[["0.061","5"]]' '[["0.0611","10"]]'
	book v ETH/USDT 1000002 '[["3070","1"]]' '[["3071","1"]]'
}
tsummary() { jq -r 'select(.type == "opportunity") | [.status, .id, ([.legs[] | .side + ":" + .symbol + "@" + .px + "x" + .qty] | join(",")), .start, .end, .profit, .ccy, .edge_bps, (.reason // "-")] | join(" ")'; }

@test "triangle: a known 3-leg cycle, sized on every leg and computed exactly; a fee kills it" {
	tri_books >"$BATS_TEST_TMPDIR/in"
	printf '* * 0.001\n' >"$BATS_TEST_TMPDIR/fees"
	# the ETH/USDT bid (1 ETH) binds: start X with X/50010*0.999/0.0611*0.999 <= 1, X = 3061.7312238
	# (qty 0.06122238 BTC at 50010, 8 decimals, rounded down); 0.06116115762 BTC buys 1.00100094
	# ETH (rounded down), 0.99999993906 after the fee, sold at 3070 less 0.1%: 3066.9298131012858.
	# profit 5.1985893012858 USDT, 16.97 bps.
	run t arbscan triangle --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(tsummary <<<"$output")" "open triangle:v:USDT>BTC>ETH>USDT:1000002 buy:BTC/USDT@50010x0.06122238,buy:ETH/BTC@0.0611x1.00100094,sell:ETH/USDT@3070x0.99999993906 3061.7312238 3066.9298131012858 5.1985893012858 USDT 16.97 -"
	# 0.2% a leg (about 60 bps in all) is more than the 47 bps there is
	printf '* * 0.002\n' >"$BATS_TEST_TMPDIR/fees"
	run t arbscan triangle --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output ""
	# and --min-bps above the 16.97 there is
	printf '* * 0.001\n' >"$BATS_TEST_TMPDIR/fees"
	run t arbscan triangle --fees "$BATS_TEST_TMPDIR/fees" --min-bps 17 "$BATS_TEST_TMPDIR/in"
	assert_output ""
}

@test "triangle: a 4-leg cycle needs --max-legs 4; other venues' markets never join a cycle" {
	{
		book w A/USD 1000000 '[["0.99","10"]]' '[["1","10"]]'
		book w B/A 1000000 '[["0.99","10"]]' '[["1","10"]]'
		book w C/B 1000000 '[["0.99","10"]]' '[["1","10"]]'
		book x C/USD 1000000 '[["5","10"]]' '[["6","10"]]'
		book w C/USD 1000001 '[["1.01","2"]]' '[["1.02","10"]]'
	} >"$BATS_TEST_TMPDIR/in"
	printf '* * 0\n' >"$BATS_TEST_TMPDIR/fees"
	# USD -> A -> B -> C at 1 each, C -> USD at 1.01; the C/USD bid (2) binds: 2 USD -> 2.02
	run t arbscan triangle --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(tsummary <<<"$output")" "open triangle:w:USD>A>B>C>USD:1000001 buy:A/USD@1x2,buy:B/A@1x2,buy:C/B@1x2,sell:C/USD@1.01x2 2 2.02 0.02 USD 100.00 -"
	run t arbscan triangle --fees "$BATS_TEST_TMPDIR/fees" --max-legs 3 "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output ""
	run --separate-stderr t arbscan triangle --max-legs 9 "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 64 ]
}

@test "triangle: reported once while it persists, closed when the edge or the book goes" {
	printf '* * 0.001\n' >"$BATS_TEST_TMPDIR/fees"
	{
		tri_books
		# thinner: the same cycle at half the size, not reported again
		delta v ETH/USDT 1000003 '[["3070","0.5"]]' '[]'
		# the 3070 bid is gone: 3060 pays 3060/3055.611 = 14 bps, less than the 30 bps of fees
		delta v ETH/USDT 1000004 '[["3070","0"],["3060","1"]]' '[]'
		# back, then stale: a book 6 s later on another market ages the three books out
		delta v ETH/USDT 1000005 '[["3070","1"]]' '[]'
		book v XRP/USDT 7000003 '[["1","1"]]' '[["2","1"]]'
	} >"$BATS_TEST_TMPDIR/in"
	run t arbscan triangle --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(tsummary <<<"$output" | cut -d' ' -f1,2,4,9)" "open triangle:v:USDT>BTC>ETH>USDT:1000002 3061.7312238 -
closed triangle:v:USDT>BTC>ETH>USDT:1000002 1530.8656119 gone
open triangle:v:USDT>BTC>ETH>USDT:1000005 3061.7312238 -
closed triangle:v:USDT>BTC>ETH>USDT:1000005 3061.7312238 stale"
	# a gap makes the book untrusted: the cycle closes as invalid
	{ tri_books; printf '%s\n' '{"type":"gap","ts":1000003,"venue":"v","symbol":"ETH/BTC","reason":"test"}'; } >"$BATS_TEST_TMPDIR/in"
	run t arbscan triangle --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_equal "$(tsummary <<<"$output" | cut -d' ' -f1,9)" "open -
closed invalid"
}

@test "triangle: sized through the depth of every leg while the marginal edge holds" {
	# USD -> A -> B -> USD at venue w, no fees. A/USD asks 1 x10, 1.02 x100; B/A asks 1 x1000;
	# B/USD bids 1.01 x5, 1.005 x100. Marginal 1.01 (100 bps) for the first 5 USD (the 1.01 bid
	# binds), then 1.005 (50 bps) until the 1 ask is used up at 10 USD, then 1.005 / 1.02 < 1:
	# stop. 10 USD buy 10 A, 10 B, sold 5 at 1.01 + 5 at 1.005 = 10.075: profit 0.075, 75 bps.
	{
		book w A/USD 1000000 '[["0.99","10"]]' '[["1","10"],["1.02","100"]]'
		book w B/A 1000000 '[["0.99","10"]]' '[["1","1000"]]'
		book w B/USD 1000001 '[["1.01","5"],["1.005","100"]]' '[["1.1","10"]]'
	} >"$BATS_TEST_TMPDIR/in"
	printf '* * 0\n' >"$BATS_TEST_TMPDIR/fees"
	run t arbscan triangle --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(tsummary <<<"$output")" "open triangle:w:USD>A>B>USD:1000001 buy:A/USD@1x10,buy:B/A@1x10,sell:B/USD@1.005x10 10 10.075 0.075 USD 75.00 -"
	# at --min-bps 60 the second segment (50 bps) is out: it exists only at the small size,
	# 5 USD -> 5.05, 100 bps
	run t arbscan triangle --fees "$BATS_TEST_TMPDIR/fees" --min-bps 60 "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(tsummary <<<"$output")" "open triangle:w:USD>A>B>USD:1000001 buy:A/USD@1x5,buy:B/A@1x5,sell:B/USD@1.01x5 5 5.05 0.05 USD 100.00 -"
}

@test "triangle --cross-venue: a cycle through two venues that pays only without transfer costs" {
	# buy BTC at 100 on a, move it to b, sell at 101, move the USD back: +1 USD on 100 (fees 0)
	{
		book a BTC/USD 1000000 '[["99","1"]]' '[["100","1"]]'
		book b BTC/USD 1000001 '[["101","1"]]' '[["102","1"]]'
	} >"$BATS_TEST_TMPDIR/in"
	printf '* * 0\n' >"$BATS_TEST_TMPDIR/fees"
	xsum() { jq -r 'select(.type == "opportunity") | [.status, .id, ([.legs[] | .side + ":" + .venue + (if .to then ">" + .to else "" end) + ":" + .symbol + "x" + .qty + (if .received then ">" + .received else "" end)] | join(",")), .start, .end, .profit, .ccy, .edge_bps] | join(" ")'; }
	# within venues (the default) there is nothing
	run t arbscan triangle --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output ""
	# free transfers (no --transfer-costs): 100 USD -> 1 BTC -> 101 USD
	run t arbscan triangle --cross-venue --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(xsum <<<"$output")" "open triangle:a:USD>BTC>b:BTC>USD>a:USD:1000001 buy:a:BTC/USDx1,transfer:a>b:BTCx1>1,sell:b:BTC/USDx1,transfer:b>a:USDx101>101 100 101 1 USD 100.00"
	# BTC costs 0.0005 to move, USD 1 + 10 bps: 0.9995 BTC arrive, sold for 100.9495,
	# 100.9495 * 0.999 - 1 = 99.8485505 USD come back: a loss, nothing reported
	printf 'BTC 0.0005\nUSD 1 10\n' >"$BATS_TEST_TMPDIR/xfer"
	run t arbscan triangle --cross-venue --transfer-costs "$BATS_TEST_TMPDIR/xfer" --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output ""
	# cheaper: BTC 0.0001, USD 0.5: 0.9999 BTC sold for 100.9899, 100.4899 back: +0.4899
	printf '# asset fixed [bps]\nBTC 0.0001\n* 0.5\n' >"$BATS_TEST_TMPDIR/xfer"
	run t arbscan triangle --cross-venue --transfer-costs "$BATS_TEST_TMPDIR/xfer" --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(xsum <<<"$output")" "open triangle:a:USD>BTC>b:BTC>USD>a:USD:1000001 buy:a:BTC/USDx1,transfer:a>b:BTCx1>0.9999,sell:b:BTC/USDx0.9999,transfer:b>a:USDx100.9899>100.4899 100 100.4899 0.4899 USD 48.99"
	# an asset without an entry (and no '*') cannot move
	printf 'BTC 0.0001\n' >"$BATS_TEST_TMPDIR/xfer"
	run t arbscan triangle --cross-venue --transfer-costs "$BATS_TEST_TMPDIR/xfer" --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_output ""
	printf 'BTC 0.0001 10000\n' >"$BATS_TEST_TMPDIR/xfer"
	run --separate-stderr t arbscan triangle --transfer-costs "$BATS_TEST_TMPDIR/xfer" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 78 ]
	[[ "$stderr" == "arbscan: '$BATS_TEST_TMPDIR/xfer' line 1: bad bps '10000'"* ]]
}

@test "cross --transfer-costs: rebalancing the base and the quote is charged" {
	# buy 1 X at 100 on k, sell at 101 on n, no fees: +1 before transfers. X costs 0.002 X + 5 bps
	# to move, USDT 1: 0.0005 * 100 = 0.05 and 0.002 * 100 = 0.2 and 1: transfer 1.25, a loss.
	{
		book k X/USDT 1000000 '[["99","1"]]' '[["100","1"]]'
		book n X/USDT 1000001 '[["101","1"]]' '[["103","1"]]'
	} >"$BATS_TEST_TMPDIR/in"
	printf '* * 0\n' >"$BATS_TEST_TMPDIR/fees"
	printf 'X 0.002 5\nUSDT 1\n' >"$BATS_TEST_TMPDIR/xfer"
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" --transfer-costs "$BATS_TEST_TMPDIR/xfer" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output ""
	# USDT 0.5: transfer 0.75, profit 0.25 on a cost of 100: 25 bps
	printf 'X 0.002 5\nUSDT 0.5\n' >"$BATS_TEST_TMPDIR/xfer"
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" --transfer-costs "$BATS_TEST_TMPDIR/xfer" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(summary <<<"$output")" "open cross:X/USDT:k>n:1000001 1 100 101 0.25 25.00 -"
	assert_equal "$(jq -r '[.cost, .proceeds, .transfer] | join(" ")' <<<"$output")" "100 101 0.75"
	# no entry for USDT: the pair cannot be rebalanced
	printf 'X 0.002 5\n' >"$BATS_TEST_TMPDIR/xfer"
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" --transfer-costs "$BATS_TEST_TMPDIR/xfer" "$BATS_TEST_TMPDIR/in"
	assert_output ""
}

# ---- funding ----

@test "funding: long spot, short perpetual, carry net of fees, annualised; closed when it stops paying" {
	{
		book v BTC/USDT 1000000 '[["49990","1"]]' '[["50000","2"]]'
		book p BTC/USDT:USDT 1000001 '[["50025","1"]]' '[["50030","1"]]'
		printf '%s\n' '{"type":"funding","ts":1000002,"venue":"p","symbol":"BTC/USDT:USDT","rate":"0.0001","next_ts":1800000}'
		printf '%s\n' '{"type":"funding","ts":1000003,"venue":"p","symbol":"BTC/USDT:USDT","rate":"0.00008","next_ts":1800000}'
		printf '%s\n' '{"type":"funding","ts":1000004,"venue":"p","symbol":"BTC/USDT:USDT","rate":"-0.0001","next_ts":1800000}'
	} >"$BATS_TEST_TMPDIR/in"
	printf '* * 0.0005\n' >"$BATS_TEST_TMPDIR/fees"
	# 7 days of 8 h periods = 21 fundings: 21 * 0.0001 = 0.0021; basis (50025 - 50000) / 50000 =
	# 0.0005; fees 2 * (0.0005 + 0.0005) = 0.002 (open and close, both legs): net 0.0006 = 6 bps,
	# 30 on 1 BTC at 50000; annualised 0.0006 * 365 / 7 = 0.031285 (rounded down).
	run t arbscan funding --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_line --index 0 '{"type":"opportunity","ts":1000001,"kind":"funding","id":"funding:BTC/USDT:v>p:1000001","status":"open","symbol":"BTC/USDT","legs":[{"venue":"v","symbol":"BTC/USDT","side":"buy","px":"50000","qty":"1","fee":"0.0005","book_ts":1000000},{"venue":"p","symbol":"BTC/USDT:USDT","side":"sell","px":"50025","qty":"1","fee":"0.0005","book_ts":1000001}],"edge_bps":"6.00","profit":"30","apr":"0.031285","rate":"0.0001","periods":21,"hold":604800000000,"next_ts":1800000,"age":1,"opened_ts":1000001}'
	# 0.00008 still pays (0.00018: 1.80 bps, 9); a negative rate ends it
	assert_equal "$(jq -r '[.status, .edge_bps, .profit, .apr, .rate, (.reason // "-")] | join(" ")' <<<"${lines[1]}")" "closed 1.80 9 0.009385 0.00008 gone"
	[ "${#lines[@]}" -eq 2 ]
	# a 1-day hold: 3 fundings (0.0003) + basis 0.0005 < fees 0.002: nothing
	run t arbscan funding --fees "$BATS_TEST_TMPDIR/fees" --hold 1d "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output ""
	# --min-apr above 3.1285%: nothing
	run t arbscan funding --fees "$BATS_TEST_TMPDIR/fees" --min-apr 0.0313 "$BATS_TEST_TMPDIR/in"
	assert_output ""
	# in cross and triangle, funding records pass through
	run t arbscan cross --fees "$BATS_TEST_TMPDIR/fees" "$BATS_TEST_TMPDIR/in"
	assert_output "$(grep '"type":"funding"' "$BATS_TEST_TMPDIR/in")"
	printf '%s\n' '{"type":"funding","ts":1,"venue":"p","symbol":"BTC/USDT","rate":"0.0001","next_ts":2}' >"$BATS_TEST_TMPDIR/bad"
	run --separate-stderr t arbscan funding "$BATS_TEST_TMPDIR/bad"
	[ "$status" -eq 65 ]
	assert_equal "$(jq -r .reason <<<"$stderr")" "funding for 'BTC/USDT' which is not a perpetual (BASE/QUOTE:SETTLE)"
	run --separate-stderr t arbscan funding --hold 1h
	[ "$status" -eq 64 ]
}

# ---- stat ----

@test "stat: rolling OLS hedge ratio, z-score and half-life; signals on --entry and --exit crossings" {
	# ETH = 2 BTC + 5 + 0.5 sin(i), BTC = 100 + 0.5 i, one-minute bars; a +3 spike at bar 30
	python3 - >"$BATS_TEST_TMPDIR/in" <<'PY'
import math
for i in range(40):
    b = 100 + 0.5 * i
    a = 2 * b + 5 + (3.0 if i == 30 else 0.5 * math.sin(i))
    ts = 1700000000000000 + i * 60000000
    for sym, px in (("ETH/USDT", a), ("BTC/USDT", b)):
        print('{"type":"candle","ts":%d,"venue":"v","symbol":"%s","interval":"1m","open":"1","high":"1","low":"1","close":"%.6f","volume":"1"}' % (ts, sym, px))
    if i == 5:
        print('{"type":"candle","ts":%d,"venue":"v","symbol":"SOL/USDT","interval":"1m","open":"1","high":"1","low":"1","close":"1","volume":"1"}' % ts)
PY
	# the oracle: the same fit over the 20 bars ending at the spike (bar 30) and at bar 32
	oracle() {
		python3 - "$BATS_TEST_TMPDIR/in" "$1" <<'PY'
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
eth = [float(r["close"]) for r in rows if r["symbol"] == "ETH/USDT"]
btc = [float(r["close"]) for r in rows if r["symbol"] == "BTC/USDT"]
end = int(sys.argv[2]) + 1
y, x = eth[end - 20:end], btc[end - 20:end]
n = len(x); mx = sum(x) / n; my = sum(y) / n
beta = sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)
alpha = my - beta * mx
e = [b - beta * a - alpha for a, b in zip(x, y)]
sd = math.sqrt(sum(v * v for v in e) / n)
lam = sum((e[i] - e[i - 1]) * e[i - 1] for i in range(1, n)) / sum(e[i - 1] ** 2 for i in range(1, n))
print("%.4f %.6f %.6f %.2f" % (e[-1] / sd, beta, alpha, -math.log(2) / lam))
PY
	}
	run t arbscan stat --pair ETH/USDT BTC/USDT --window 20 "$BATS_TEST_TMPDIR/in"
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	# the SOL candle is not part of the pair: it passes through
	assert_line --index 0 --partial '"symbol":"SOL/USDT"'
	assert_equal "$(jq -r '[.kind, .side, .ts, .zscore, .hedge_ratio, .intercept, .half_life] | join(" ")' <<<"${lines[1]}")" \
		"stat_entry sell 1700001800000000 $(oracle 30)"
	exit_bar=$(( ($(jq -r .ts <<<"${lines[2]}") - 1700000000000000) / 60000000 ))
	assert_equal "$(jq -r '[.kind, .side, .zscore, .hedge_ratio, .intercept, .half_life] | join(" ")' <<<"${lines[2]}")" \
		"stat_exit buy $(oracle "$exit_bar")"
	# |z| of the exit bar is at most 0.5, and every bar before it since the spike was above
	z=$(oracle "$exit_bar" | cut -d' ' -f1); awk -v z="$z" 'BEGIN { exit !(z <= 0.5 && z >= -0.5) }'
	for k in $(seq 31 $((exit_bar - 1))); do
		z=$(oracle "$k" | cut -d' ' -f1); awk -v z="$z" 'BEGIN { exit !(z > 0.5 || z < -0.5) }'
	done
	# a higher entry threshold than the spike's z: no signal
	run t arbscan stat --pair v:ETH/USDT v:BTC/USDT --window 20 --entry 4 "$BATS_TEST_TMPDIR/in"
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	run --separate-stderr t arbscan stat --pair ETH/USDT
	[ "$status" -eq 64 ]
	run --separate-stderr t arbscan stat --pair A/B C/D --entry 1 --exit 2
	[ "$status" -eq 64 ]
	run --separate-stderr t arbscan stat --pair A/B C/D --window 2
	[ "$status" -eq 64 ]
	printf '%s\n' '{"type":"candle","ts":1,"venue":"v","symbol":"A/B","interval":"1m","open":"1","high":"1","low":"1","close":"-1","volume":"1"}' >"$BATS_TEST_TMPDIR/bad"
	run --separate-stderr t arbscan stat --pair A/B C/D "$BATS_TEST_TMPDIR/bad"
	[ "$status" -eq 65 ]
	assert_equal "$(jq -r .reason <<<"$stderr")" "close must be positive"
}

@test "stat --hedge kalman: a known hedge ratio of 2, signals on the forecast error's z-score" {
	# ETH = 2 BTC + 5 + 0.02 sin(i), a +1 spike at bar 60; BTC moves in a saw-tooth
	python3 - >"$BATS_TEST_TMPDIR/in" <<'PY'
import math
for i in range(80):
    b = 10 + (i % 7) + 0.1 * i
    a = 2 * b + 5 + (1.0 if i == 60 else 0.02 * math.sin(i))
    ts = 1700000000000000 + i * 60000000
    for sym, px in (("ETH/USDT", a), ("BTC/USDT", b)):
        print('{"type":"candle","ts":%d,"venue":"v","symbol":"%s","interval":"1m","open":"1","high":"1","low":"1","close":"%.6f","volume":"1"}' % (ts, sym, px))
PY
	# the oracle: OLS over the first 20 bars starts the filter, then the recursion of arbscan(1)
	python3 - "$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/want" <<'PY'
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
A = [float(r["close"]) for r in rows if r["symbol"] == "ETH/USDT"]
B = [float(r["close"]) for r in rows if r["symbol"] == "BTC/USDT"]
ts = [r["ts"] for r in rows if r["symbol"] == "ETH/USDT"]
delta, ve, window, entry, exitz = 1e-4, 1e-3, 20, 2.0, 0.5
vw = delta / (1 - delta)
beta = alpha = 0.0
P = [[0.0, 0.0], [0.0, 0.0]]
pos = 0
for i, (x, y) in enumerate(zip(B, A)):
    if i + 1 < window:
        continue
    if i + 1 == window:
        xs, ys = B[:window], A[:window]
        n = window
        sx = sy = sxx = sxy = 0.0
        for xx, yy in zip(xs, ys):
            sx += xx; sy += yy; sxx += xx * xx; sxy += xx * yy
        den = n * sxx - sx * sx
        beta = (n * sxy - sx * sy) / den
        alpha = (sy - beta * sx) / n
        continue
    R = [[P[0][0] + vw, P[0][1]], [P[1][0], P[1][1] + vw]]
    rh = [R[0][0] * x + R[0][1] * 1, R[1][0] * x + R[1][1] * 1]
    q = x * rh[0] + 1 * rh[1] + ve
    e = y - (beta * x + alpha)
    K = [rh[0] / q, rh[1] / q]
    beta += K[0] * e
    alpha += K[1] * e
    P = [[R[a][b] - K[a] * rh[b] for b in range(2)] for a in range(2)]
    z = e / math.sqrt(q)
    if not pos and abs(z) >= entry:
        pos = -1 if z > 0 else 1
        print("stat_entry", "sell" if z > 0 else "buy", ts[i], "%.4f %.6f %.6f" % (z, beta, alpha))
    elif pos and abs(z) <= exitz:
        print("stat_exit", "sell" if pos > 0 else "buy", ts[i], "%.4f %.6f %.6f" % (z, beta, alpha))
        pos = 0
PY
	run t arbscan stat --pair ETH/USDT BTC/USDT --window 20 --hedge kalman "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_equal "$(jq -r '[.kind, .side, .ts, .zscore, .hedge_ratio, .intercept] | join(" ")' <<<"$output")" "$(cat "$BATS_TEST_TMPDIR/want")"
	# the entry is the spike (bar 60), short A; the ratio found is 2 within 0.05
	assert_equal "$(jq -r 'select(.kind == "stat_entry") | [.side, .ts, .hedge] | join(" ")' <<<"$output")" "sell 1700003600000000 kalman"
	jq -e -s 'length == 2 and all(.[]; (.hedge_ratio | tonumber) - 2 | fabs < 0.05)' <<<"$output"
	# a larger observation noise shrinks z below the entry threshold
	run t arbscan stat --pair ETH/USDT BTC/USDT --window 20 --hedge kalman --obs-noise 1 "$BATS_TEST_TMPDIR/in"
	assert_success
	assert_output ""
	run --separate-stderr t arbscan stat --pair A/B C/D --hedge kalman --delta 1
	[ "$status" -eq 64 ]
	run --separate-stderr t arbscan stat --pair A/B C/D --hedge lasso
	[ "$status" -eq 64 ]
}

# ---- scan ----

teardown() {
	[ ! -s "$BATS_TEST_TMPDIR/fv.pid" ] || kill "$(cat "$BATS_TEST_TMPDIR/fv.pid")" 2>/dev/null || true
}

@test "scan: mdfeed snapshots from the fake venues, an opportunity found (exit 0) or none (exit 1)" {
	# the fake venues serve a copy of the recorded payloads with our own books for binance and
	# kraken BTC/USDT; taker fees come from their recorded markets: binance 0.001, kraken 0.004
	cp -r "$LYRA_ROOT/tests/fixtures/venues" "$BATS_TEST_TMPDIR/fx"
	printf '%s' '{"lastUpdateId":5,"bids":[["49990.00","1.0"]],"asks":[["50000.00","0.5"],["50010.00","2.0"]]}' >"$BATS_TEST_TMPDIR/fx/binance/book.json"
	kbook() { printf '{"error":[],"result":{"XBTUSDT":{"asks":[["50600.0","1.0",1762820248]],"bids":%s}}}' "$1" >"$BATS_TEST_TMPDIR/fx/kraken/book.json"; }
	kbook '[["50500.0","0.3",1762820248],["50400.0","1.0",1762820248]]'
	python3 "$LYRA_ROOT/tests/fakevenue.py" --fixtures "$BATS_TEST_TMPDIR/fx" --port-file "$BATS_TEST_TMPDIR/fv.port" >/dev/null 2>"$BATS_TEST_TMPDIR/fv.log" 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/fv.pid"
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/fv.port" ] && break; sleep 0.1; done
	fv=http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/fv.port")
	export LYRA_BINANCE_URL=$fv/binance LYRA_KRAKEN_URL=$fv/kraken
	# buy binance 0.5 @50000 + 0.8 @50010 (50050, 50060.01 with the fee), sell kraken 0.3 @50500
	# + 1 @50400 (50298, 50198.4 net): 1.3 BTC, cost 65008 + 65.008, proceeds 65550 - 262.2,
	# profit 214.792, 33.00 bps. NDJSON in a pipe.
	run --separate-stderr t arbscan scan binance,kraken BTC/USDT
	assert_success
	assert_equal "$(summary <<<"$output")" "open cross:BTC/USDT:binance>kraken:$(jq -r .opened_ts <<<"$output") 1.3 50010.00 50400.0 214.792 33.00 -"
	assert_equal "$(jq -r '[.cost, .proceeds, .legs[0].fee, .legs[1].fee] | join(" ")' <<<"$output")" "65073.008 65287.8 0.001 0.004"
	# on a terminal: a table
	run t script -qec "arbscan scan binance,kraken BTC/USDT" /dev/null
	assert_success
	assert_line --index 1 --regexp '^cross +BTC/USDT buy binance @50010.00 sell kraken @50400.0 +1.3 BTC +214.792 USDT +33.00'
	# kraken's bids below binance's ask after fees: nothing, exit 1
	kbook '[["50100.0","1.0",1762820248]]'
	run --separate-stderr t arbscan scan binance,kraken BTC/USDT
	[ "$status" -eq 1 ]
	assert_output ""
	run t script -qec "arbscan scan binance,kraken BTC/USDT" /dev/null
	[ "$status" -eq 1 ]
	assert_output --partial "no opportunity"
	# the snapshot fails (a symbol the venue does not list): mdfeed's status, not 1
	run --separate-stderr t arbscan scan binance,kraken ETH/USDT
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"unknown symbol 'ETH/USDT' on binance"*"mdfeed snapshot failed (status 64)"* ]]
	run --separate-stderr t arbscan scan binance
	[ "$status" -eq 64 ]
}
