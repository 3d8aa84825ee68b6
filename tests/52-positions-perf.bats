#!/usr/bin/env bats
# positions(1) pnl buckets (ISO weeks, months, strategies, time zones), perf against figures worked
# by hand, and the HTML report: well-formed, self-contained, its numbers those of perf.

load helper

# fill TS SYMBOL SIDE PX QTY STRATEGY TRADE_ID: a fill quoted in AUD, no fee
fill() {
	local ts
	ts=$(( $(date -u -d "$1" +%s) * 1000000 ))
	printf '{"type":"fill","ts":%s,"id":"o-%s","venue":"btcmarkets","symbol":"%s","side":"%s","px":"%s","qty":"%s","fee":"0","fee_ccy":"AUD","liquidity":"taker","trade_id":"%s","strategy":"%s"}\n' \
		"$ts" "$7" "$2" "$3" "$4" "$5" "$7" "$6"
}

# Strategy A buys 1 BTC at 100 on 1 January and sells at 110 on the 3rd (+10); B buys 1 ETH at
# 20 on the 2nd and sells at 14.5 on the 4th (-5.5). Daily closes (UTC) from 1 to 5 January,
# fills at a close's time counted after it: cumulative PnL 0, 0, 0, 10, 4.5.
# With --capital 100 the equity is 100, 100, 100, 110, 104.5: returns 0, 0, 0.1, -0.05.
#   mean 0.0125; squared deviations 0.00015625 * 2 + 0.00765625 + 0.00390625 = 0.011875;
#   sample sd sqrt(0.011875 / 3) = 0.0629153; volatility * sqrt(365) = 1.201995;
#   Sharpe 0.0125 / 0.0629153 * sqrt(365) = 3.795773; downside sqrt(0.05^2 / 4) = 0.025:
#   Sortino 0.0125 / 0.025 * sqrt(365) = 9.552487; total 0.045, annual 1.045^(365/4) - 1 =
#   54.508757; drawdown 110 -> 104.5 = 5.5 (0.05), 1 day, not regained.
#   Trades: +10 and -5.5: win rate 0.5, profit factor 10 / 5.5 = 1.818182.
#   Exposure: something open from the 1st to the 4th: 3 of 4 days.
# Without --capital the capital is the most cost held at once: 100 + 20 = 120.
setup_file() {
	export HOME=$BATS_FILE_TMPDIR/home LYRA_DB=$BATS_FILE_TMPDIR/perf.db
	mkdir -p "$HOME"
	{
		fill 2025-01-01 BTC/AUD buy 100 1 A a1
		fill 2025-01-02 ETH/AUD buy 20 1 B b1
		fill 2025-01-03 BTC/AUD sell 110 1 A a2
		fill 2025-01-04 ETH/AUD sell 14.5 1 B b2
	} | timeout 60 positions > /dev/null
}

setup() {
	export HOME=$BATS_TEST_TMPDIR/home XDG_DATA_HOME=$BATS_TEST_TMPDIR/home/.local/share
	export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/home/.config LYRA_DB=$BATS_FILE_TMPDIR/perf.db
	mkdir -p "$HOME"
	unset LYRA_TOKEN
}

@test "perf: every figure of a small book, worked by hand" {
	run --separate-stderr t positions perf --capital 100 --format ndjson
	assert_success
	[ "$output" = '{"type":"perf","ts":1736035200000000,"by":"all","key":"all","quote":"AUD","from":"2025-01-01T00:00:00Z","to":"2025-01-05T00:00:00Z","days":4,"capital":"100","pnl":"4.5","total_return":"0.045","annual_return":"54.508757","volatility":"1.201995","sharpe":"3.795773","sortino":"9.552487","max_drawdown":"5.5","max_drawdown_pct":"0.05","max_drawdown_days":1,"trades":2,"win_rate":"0.5","profit_factor":"1.818182","avg_win":"10","avg_loss":"-5.5","exposure":"0.75","tz":"UTC","risk_free":"0","periods_per_year":365}' ]
	# a risk-free rate of 3.65% a year is 0.0001 a day: (0.0125 - 0.0001) / 0.0629153 * sqrt(365)
	run t positions perf --capital 100 --risk-free 3.65% --format csv
	assert_success
	assert_line --index 1 --partial ',3.765407,'
	# default capital: the most cost held at once
	run t positions perf --format csv
	assert_line --index 1 --partial 'all,AUD,2025-01-01T00:00:00Z,2025-01-05T00:00:00Z,4,120,4.5,0.0375,'
}

@test "perf: attribution by strategy and symbol adds up to the total" {
	run t positions perf --capital 100 --by strategy --format csv
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	# A: +10, open 2 of 4 days, one win; B: -5.5, 5.5 below its peak for the last day
	assert_line --index 2 --partial 'A,AUD,2025-01-01T00:00:00Z,2025-01-05T00:00:00Z,4,100,10,0.1,'
	assert_line --index 2 --partial ',1,1,,10,,0.5'
	assert_line --index 3 --partial 'B,AUD,2025-01-01T00:00:00Z,2025-01-05T00:00:00Z,4,100,-5.5,-0.055,'
	assert_line --index 3 --partial ',5.5,0.055,1,1,0,0,,-5.5,0.5'
	run t positions perf --by symbol --format ndjson
	assert_success
	[ "$(jq -r 'select(.by == "symbol") | "\(.key)=\(.pnl)"' <<<"$output" | tr '\n' ' ')" = 'btcmarkets BTC/AUD=10 btcmarkets ETH/AUD=-5.5 ' ]
	# --from and --to cut the series: 2 to 4 January is 2 closes, only B's position open at
	# the start; the table has one column per group
	run t positions perf --from 2025-01-02 --to 2025-01-04 --capital 100 --format ndjson
	assert_success
	assert_output --partial '"days":2,"capital":"100","pnl":"10","total_return":"0.1"'
	run t positions perf --by strategy
	assert_success
	assert_line --index 0 --regexp '^figure +all +A +B$'
	run t positions perf --by venue
	[ "$status" -eq 64 ]
	run t positions perf --quote USDT
	[ "$status" -eq 65 ]
}

@test "pnl: ISO weeks, months, strategies and the Sydney calendar" {
	export LYRA_DB=$BATS_TEST_TMPDIR/w.db
	{
		fill 2024-12-29T12:00Z BTC/AUD buy 100 2 S1 w1
		fill 2024-12-30T12:00Z BTC/AUD sell 110 1 S1 w2
		fill 2025-06-30T15:00Z BTC/AUD sell 120 1 S2 w3
	} | t positions > /dev/null
	run t positions pnl --by week --format csv
	assert_success
	[ "$(printf '%s\n' "$output" | tr -d '\r')" = 'week,quote,fills,realized_pnl,fees
2024-W52,AUD,1,0,0
2025-W01,AUD,1,10,0
2025-W27,AUD,1,20,0' ]
	# 2025-06-30T15:00Z is 1 July, 01:00 in Sydney
	run t positions pnl --by month --format csv
	assert_line --index 2 $'2025-06,AUD,1,20,0\r'
	run t positions pnl --by month --tz Australia/Sydney --format ndjson
	assert_line --index 1 --partial '"by":"month","key":"2025-07","quote":"AUD","fills":1,"realized_pnl":"20","fees":"0","tz":"Australia/Sydney"'
	run t positions pnl --by day --tz +10:00 --format csv
	assert_line --index 1 $'2024-12-29,AUD,1,0,0\r'
	assert_line --index 3 $'2025-07-01,AUD,1,20,0\r'
	# each strategy's positions apart: S2 sells what it never bought (a short at 120)
	run t positions pnl --by strategy --format csv
	[ "$(printf '%s\n' "$output" | tr -d '\r')" = 'strategy,quote,fills,realized_pnl,fees
S1,AUD,2,10,0
S2,AUD,1,0,0' ]
	run t positions pnl --tz Mars/Olympus
	[ "$status" -eq 64 ]
}

@test "report: one well-formed self-contained page whose figures are perf's" {
	html=$BATS_TEST_TMPDIR/report.html
	run --separate-stderr t positions report --html "$html" --capital 100
	assert_success
	[[ "$stderr" == *"report written to '$html'"* ]]
	t positions perf --capital 100 --format ndjson > "$BATS_TEST_TMPDIR/perf.ndjson"
	t positions pnl --by month --format csv | tr -d '\r' > "$BATS_TEST_TMPDIR/month.csv"
	run t python3 - "$html" "$BATS_TEST_TMPDIR/perf.ndjson" "$BATS_TEST_TMPDIR/month.csv" <<'EOF'
import json, re, sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
page = open(sys.argv[1], encoding="utf-8").read()
perf = json.loads(open(sys.argv[2]).read())
months = [l.split(",") for l in open(sys.argv[3]).read().split("\n")[1:] if l]
assert "<script" not in page.lower(), "a script"
assert set(re.findall(r"https?://[^\"' )]*", page)) == {"http://www.w3.org/2000/svg"}, "a URL"
assert "url(" not in page and "@import" not in page and "<link" not in page, "an outside resource"
root = ET.fromstring(page)          # well-formed as XML: every tag closed, text escaped
class P(HTMLParser):
    pass
P().feed(page)
svg = "{http://www.w3.org/2000/svg}svg"
assert len(root.findall(".//" + svg)) == 3, "equity, drawdown, months (nothing open)"
assert "No open positions." in page
cells = {e.get("data-key"): e.text for e in root.iter() if e.get("data-key")}
for k, v in perf.items():
    if k in ("type", "ts", "by", "key", "tz", "risk_free", "periods_per_year"):
        continue
    want = "-" if v is None else str(v)
    assert cells[k] == want, (k, cells[k], want)
table = next(e for e in root.iter("table") if e.get("id") == "pnl-month")
rows = [[td.text or "" for td in tr.findall("td")] for tr in table.find("tbody")]
assert rows == months, (rows, months)
pos = next(e for e in root.iter("table") if e.get("id") == "positions")
assert [[td.text for td in tr.findall("td")][:3] for tr in pos.find("tbody")] == \
    [["btcmarkets", "BTC/AUD", "0"], ["btcmarkets", "ETH/AUD", "0"]]
print("ok", len(cells))
EOF
	assert_success
	assert_output 'ok 20'
	run t positions report
	[ "$status" -eq 64 ]
	run t positions report --html /nonexistent/dir/r.html
	[ "$status" -eq 73 ]
}
