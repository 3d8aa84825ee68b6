#!/usr/bin/env bats
# Every script in examples/ runs (offline, on bundled data or scratch stores) and succeeds.

load helper

@test "every example script runs and succeeds" {
	local n=0
	for ex in "$LYRA_ROOT"/examples/*.sh; do
		[ "$(basename "$ex")" = demo.sh ] && continue
		LYRA_TEST_TIMEOUT=300 run t bash "$ex"
		[ "$status" -eq 0 ] || fail "$(basename "$ex") exited $status: $output"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

@test "the demo runs and notices the tampering it stages" {
	run t bash "$LYRA_ROOT/examples/demo.sh"
	assert_success
	assert_output --partial "chain damaged: modified at seq 1"
	assert_output --partial "replay: 16708 records, identical on every run"
	assert_output --regexp $'\ncross +BTC/USDT +buy binance'
	assert_output --regexp $'\ntriangle +[a-z]+ ETH/'
	assert_output --partial "backtest: 10 paper fills, identical on both runs"
	assert_output --partial "demo: done"
}

@test "the demo's market session is what the seeded generator writes, and its dislocations are real" {
	local sim="$LYRA_BUILD/tools/mdsim"
	"$sim" > "$BATS_TEST_TMPDIR/session"
	cmp "$BATS_TEST_TMPDIR/session" "$LYRA_ROOT/examples/data/session.ndjson"
	# every line is a valid record and time never goes back
	run "$LYRA_BUILD/tools/reccheck" "$BATS_TEST_TMPDIR/session"
	assert_success
	[ "$(jq -s '[.[].ts] | . == sort' "$BATS_TEST_TMPDIR/session")" = true ]
	# the same seed gives the same bytes, another seed other bytes
	"$sim" --seed 7 --minutes 2 > "$BATS_TEST_TMPDIR/s7a"
	"$sim" --seed 7 --minutes 2 > "$BATS_TEST_TMPDIR/s7b"
	cmp "$BATS_TEST_TMPDIR/s7a" "$BATS_TEST_TMPDIR/s7b"
	! cmp -s "$BATS_TEST_TMPDIR/s7a" <(head -c "$(stat -c %s "$BATS_TEST_TMPDIR/s7a")" "$BATS_TEST_TMPDIR/session")
	# without dislocations the venues never drift apart by more than the fees: nothing to find
	"$sim" --no-dislocations > "$BATS_TEST_TMPDIR/calm"
	run arbscan cross "$BATS_TEST_TMPDIR/calm"
	refute_output --partial '"type":"opportunity"'
	run arbscan triangle "$BATS_TEST_TMPDIR/calm"
	refute_output --partial '"type":"opportunity"'
	# with them, both kinds appear and each one closes again
	run arbscan cross "$LYRA_ROOT/examples/data/session.ndjson"
	[ "$(grep -c '"status":"open"' <<<"$output")" -ge 5 ]
	[ "$(grep -c '"status":"open"' <<<"$output")" = "$(grep -c '"status":"closed"' <<<"$output")" ]
	run arbscan triangle "$LYRA_ROOT/examples/data/session.ndjson"
	[ "$(grep -c '"status":"open"' <<<"$output")" -ge 2 ]
}
