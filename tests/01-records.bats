#!/usr/bin/env bats
# The record contract: lyra-records(7) and the library's schema table say the same thing, every
# example on the page is valid, and bad lines become error records without stopping the stream.

load helper

RECCHECK() { t "$LYRA_BUILD/tools/reccheck" "$@"; }

# The page's field lists as "type field kind" lines, in page order (type and ts first).
page_schema() {
	awk '
		/^\.Sh RECORD TYPES/ { on = 1; next }
		/^\.Sh / { on = 0 }
		on && /^\.Ss / { type = $2; print type, "type", "str"; print type, "ts", "ts"; next }
		on && /^\.It Li [a-z0-9_]+ Pq [a-z]+/ { print type, $3, $5 }
	' "$LYRA_ROOT/man/lyra-records.7"
}

page_examples() {
	awk '
		/^\.Sh RECORD TYPES/ { on = 1; next }
		/^\.Sh / { on = 0 }
		on && /^\.Bd -literal/ { ex = 1; next }
		on && /^\.Ed/ { ex = 0; next }
		on && ex && /^\{/ { print }
	' "$LYRA_ROOT/man/lyra-records.7"
}

@test "lyra-records(7) documents exactly the schema the library enforces" {
	run diff -u <(page_schema) <(RECCHECK --schema)
	assert_success
}

@test "the page documents every record type of the design" {
	for type in book book_delta bbo trade candle funding market gap resync stale opportunity \
		order cancel reject order_event fill position balance signal error; do
		page_schema | grep -q "^$type type str$" || fail "no section for '$type'"
	done
}

@test "every example on the page is a valid record, one per type" {
	page_examples > "$BATS_TEST_TMPDIR/examples.ndjson"
	run RECCHECK "$BATS_TEST_TMPDIR/examples.ndjson"
	assert_success
	[ "$(wc -l < "$BATS_TEST_TMPDIR/examples.ndjson")" -eq "$(page_schema | awk '{print $1}' | sort -u | wc -l)" ]
	diff <(printf '%s\n' "${lines[@]}" | sort -u) <(page_schema | awk '{print "ok", $1}' | sort -u)
}

@test "a valid example stops validating when a required field is removed" {
	page_examples | while IFS= read -r line; do
		type=$(jq -r .type <<<"$line")
		field=$(page_schema | awk -v t="$type" '$1 == t && $2 != "type" && $2 != "ts" { print $2; exit }')
		jq -c "del(.$field)" <<<"$line"
	done > "$BATS_TEST_TMPDIR/broken.ndjson"
	run RECCHECK "$BATS_TEST_TMPDIR/broken.ndjson"
	[ "$status" -eq 65 ]
	[ "$(grep -c '"type":"error"' <<<"$output")" -eq "$(wc -l < "$BATS_TEST_TMPDIR/broken.ndjson")" ]
	refute_output --partial "ok "
}

@test "bad lines become error records naming input, line and reason; the stream goes on" {
	printf '%s\n' \
		'{"type":"trade","ts":1,"venue":"binance","symbol":"BTC/USDT","id":"1","side":"buy","px":"1.5","qty":"2"}' \
		'not json' \
		'' \
		'{"type":"trade","ts":2,"venue":"binance","symbol":"BTC/USDT","id":"2","side":"buy","px":"1.5"}' \
		'{"type":"trade","ts":3,"venue":"binance","symbol":"BTC/USDT","id":"3","side":"sell","px":0.1,"qty":3}' \
		> "$BATS_TEST_TMPDIR/in.ndjson"
	run --separate-stderr RECCHECK "$BATS_TEST_TMPDIR/in.ndjson"
	[ "$status" -eq 65 ]
	assert_equal "$output" $'ok trade\nok trade'
	[ "$(wc -l <<<"$stderr")" -eq 2 ]
	jq -e -s '.[0].type == "error" and .[0].prog == "reccheck" and .[0].line == 2
		and (.[0].input | endswith("in.ndjson")) and (.[0].reason | length > 0)
		and .[1].line == 4 and (.[1].reason | contains("qty"))' <<<"$stderr"
}

@test "--strict stops at the first rejected line" {
	printf '%s\n' 'bad' '{"type":"error","ts":1,"prog":"x","reason":"y"}' > "$BATS_TEST_TMPDIR/in.ndjson"
	run --separate-stderr RECCHECK --strict "$BATS_TEST_TMPDIR/in.ndjson"
	[ "$status" -eq 65 ]
	assert_equal "$output" ""
	run --separate-stderr RECCHECK "$BATS_TEST_TMPDIR/in.ndjson"
	[ "$status" -eq 65 ]
	assert_equal "$output" "ok error"
}

@test "stdin, '-', several files, CRLF and a missing file" {
	printf '{"type":"error","ts":1,"prog":"a","reason":"r"}\r\n' > "$BATS_TEST_TMPDIR/a"
	run --separate-stderr bash -c "printf '{\"type\":\"error\",\"ts\":2,\"prog\":\"b\",\"reason\":\"r\"}' | '$LYRA_BUILD/tools/reccheck' '$BATS_TEST_TMPDIR/a' - '$BATS_TEST_TMPDIR/nope' '$BATS_TEST_TMPDIR/a'"
	[ "$status" -eq 66 ]
	assert_equal "$output" $'ok error\nok error\nok error'
	assert_equal "$stderr" "reccheck: cannot open '$BATS_TEST_TMPDIR/nope': No such file or directory"
}
