#!/usr/bin/env bats
# Every script in examples/ runs (offline, on bundled data or scratch stores) and succeeds.

load helper

@test "every example script runs and succeeds" {
	local n=0
	for ex in "$LYRA_ROOT"/examples/*.sh; do
		[ "$(basename "$ex")" = demo.sh ] && continue
		run t bash "$ex"
		[ "$status" -eq 0 ] || fail "$(basename "$ex") exited $status: $output"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

@test "the demo runs and notices the tampering it stages" {
	run t bash "$LYRA_ROOT/examples/demo.sh"
	assert_success
	assert_output --partial "chain damaged: modified at seq 1"
	assert_output --partial "demo: done"
}
