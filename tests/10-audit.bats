#!/usr/bin/env bats
# audit(1): verify names every kind of tampering, queries and exports, anchors, archives, and
# every state-changing command leaves its entry.

load helper

gen() { t "$LYRA_BUILD/tools/auditgen" "$@"; }
sql() { sqlite3 -bail "$LYRA_DB" "$@"; }
# Tampering by hand: what an attacker with the SQLite file would do (drops the guards first).
tamper() { sqlite3 -bail "$LYRA_DB" "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete; $1"; }

@test "an empty store verifies intact" {
	run t audit verify
	assert_success
	assert_output "audit: chain intact: 0 entries, seq 0..0, head 0000000000000000"
	run t audit verify -q
	assert_success
	assert_output ""
}

@test "a chain of appended entries verifies intact" {
	gen 50
	run t audit verify
	assert_success
	assert_output --regexp '^audit: chain intact: 50 entries, seq 1\.\.50, head [0-9a-f]{16}$'
}

@test "lyra's store refuses to update or delete audit entries" {
	gen 3
	run sql "UPDATE audit SET actor='x' WHERE seq=2"
	assert_failure
	assert_output --partial "append-only"
	run sql "DELETE FROM audit WHERE seq=2"
	assert_failure
	[ "$(sql 'SELECT count(*) FROM audit')" -eq 3 ]
}

@test "verify: a modified entry" {
	gen 10
	tamper "UPDATE audit SET details='{\"n\":99}' WHERE seq=6"
	run t audit verify
	[ "$status" -eq 1 ]
	assert_output "audit: chain damaged: modified at seq 6: entry 6 (test.event by $(id -un)) no longer matches its hash"
}

@test "verify: a deleted entry (gap) and a deleted entry hidden by renumbering" {
	gen 10
	tamper "DELETE FROM audit WHERE seq=4"
	run t audit verify
	[ "$status" -eq 1 ]
	assert_output "audit: chain damaged: deleted at seq 4: entries 4 to 4 are missing"
	rm -f "$LYRA_DB"*
	gen 10
	tamper "DELETE FROM audit WHERE seq=4; UPDATE audit SET seq = seq - 1 WHERE seq > 4"
	run t audit verify
	[ "$status" -eq 1 ]
	assert_output --partial "deleted at seq 4: 1 entry before seq 4 was deleted"
}

@test "verify: an inserted entry" {
	gen 10
	tamper "UPDATE audit SET seq = -seq WHERE seq >= 5; UPDATE audit SET seq = 1 - seq WHERE seq < 0;
		INSERT INTO audit SELECT 5, ts, 'mallory', 'order.new', object, details, prev_hash, hash FROM audit WHERE seq = 4"
	run t audit verify
	[ "$status" -eq 1 ]
	assert_output --partial "inserted at seq 5"
}

@test "verify: two entries swapped" {
	gen 10
	tamper "UPDATE audit SET seq = 100 WHERE seq = 7; UPDATE audit SET seq = 7 WHERE seq = 8; UPDATE audit SET seq = 8 WHERE seq = 100"
	run t audit verify
	[ "$status" -eq 1 ]
	assert_output "audit: chain damaged: reordered at seq 7: entry at seq 7 holds the contents of seq 8"
}

@test "verify: a truncated tail against an anchor, and a forked chain" {
	gen 10
	run t audit anchor --out "$BATS_TEST_TMPDIR/anchor"
	assert_success
	jq -e '.type == "audit_anchor" and .seq == 10 and (.hash | test("^[0-9a-f]{64}$"))' "$BATS_TEST_TMPDIR/anchor"
	run t audit verify --anchor "$BATS_TEST_TMPDIR/anchor"
	assert_success
	tamper "DELETE FROM audit WHERE seq >= 9"
	run t audit verify
	assert_success   # without a head kept elsewhere a clean truncation is invisible
	run t audit verify --anchor "$BATS_TEST_TMPDIR/anchor"
	[ "$status" -eq 1 ]
	assert_output "audit: chain damaged: truncated at seq 9: the chain ends at seq 8 but a recorded head is at seq 10"
	jq -c '.seq = 5' "$BATS_TEST_TMPDIR/anchor" > "$BATS_TEST_TMPDIR/anchor5"
	run t audit verify --anchor "$BATS_TEST_TMPDIR/anchor5"
	[ "$status" -eq 1 ]
	assert_output --partial "forked at seq 5"
}

@test "verify: a truncated tail shows against the head the newest backup recorded" {
	gen 10
	run t backup create --dest "$BATS_TEST_TMPDIR/b"
	assert_success
	run t audit verify
	assert_success
	tamper "DELETE FROM audit WHERE seq >= 9"
	run t audit verify
	[ "$status" -eq 1 ]
	assert_output "audit: chain damaged: truncated at seq 9: the chain ends at seq 8 but a recorded head is at seq 10"
}

@test "verify --metrics writes a Prometheus textfile" {
	gen 4
	run t audit verify -q --metrics "$BATS_TEST_TMPDIR/audit.prom"
	assert_success
	grep -qx 'lyra_audit_verify_ok{prog="audit"} 1' "$BATS_TEST_TMPDIR/audit.prom"
	grep -qx 'lyra_audit_entries{prog="audit"} 4' "$BATS_TEST_TMPDIR/audit.prom"
	grep -qx '# TYPE lyra_audit_verify_ok gauge' "$BATS_TEST_TMPDIR/audit.prom"
	tamper "UPDATE audit SET actor = 'x' WHERE seq = 2"
	run t audit verify -q --metrics "$BATS_TEST_TMPDIR/audit.prom"
	[ "$status" -eq 1 ]
	grep -qx 'lyra_audit_verify_ok{prog="audit"} 0' "$BATS_TEST_TMPDIR/audit.prom"
}

@test "log: records, filters and formats" {
	gen 5 --action order.new
	gen 3 --action risk.halt
	run t audit log
	assert_success
	[ "${#lines[@]}" -eq 8 ]
	jq -e -s 'all(.type == "audit") and (map(.seq) == [1,2,3,4,5,6,7,8]) and .[0].details.n == 0' <<<"$output"
	run t audit log --action 'risk.*'
	[ "${#lines[@]}" -eq 3 ]
	run t audit log --object 'test:1' --action 'order.*'
	[ "${#lines[@]}" -eq 1 ]
	run t audit log --actor nobody-else
	assert_output ""
	run t audit log --limit 2
	[ "${#lines[@]}" -eq 2 ]
	run t audit log --format table
	assert_line --index 0 --regexp '^seq +time +actor +action +object +details$'
	[ "${#lines[@]}" -eq 9 ]
	run t audit log --format csv --limit 1
	assert_line --index 0 $'seq,ts,time,actor,action,object,details,prev_hash,hash\r'
	assert_line --index 1 --partial ',"{""n"":0,""note"":""generated, \""quoted\"", comma""}",'
}

@test "log: time range is [from, to)" {
	gen 3
	sleep 0.05
	local mid
	mid=$(sql "SELECT max(ts) FROM audit")
	gen 2
	run t audit log --to "$mid"
	[ "${#lines[@]}" -eq 2 ]
	run t audit log --from "$mid"
	[ "${#lines[@]}" -eq 3 ]
	run t audit log --from 2026-01-01 --to 2025-01-01
	[ "$status" -eq 64 ]
	run t audit log --from yesterday
	[ "$status" -eq 64 ]
	assert_output --partial "audit: --from: invalid time 'yesterday'"
}

@test "tail -n and tail -f" {
	gen 12
	run t audit tail -n 3
	jq -e -s 'map(.seq) == [10,11,12]' <<<"$output"
	( timeout 5 audit tail -f -n 1 --interval 100ms > "$BATS_TEST_TMPDIR/follow" ) &
	sleep 1
	gen 2
	wait || true
	jq -e -s 'map(.seq) == [12,13,14]' "$BATS_TEST_TMPDIR/follow"
}

@test "export: csv and ndjson segments check against the store; tampering shows" {
	gen 20
	run t audit export --from 1970-01-01 --to 2100-01-01 --format csv --out "$BATS_TEST_TMPDIR/x.csv"
	assert_success
	[ "$(wc -l < "$BATS_TEST_TMPDIR/x.csv")" -eq 21 ]
	run t audit verify --export "$BATS_TEST_TMPDIR/x.csv"
	assert_success
	assert_line "audit: export intact and matches the store: 20 entries, seq 1..20"
	run t audit export --from 1970-01-01 --to 2100-01-01 --out "$BATS_TEST_TMPDIR/x.ndjson"
	assert_success
	tail -n 1 "$BATS_TEST_TMPDIR/x.ndjson" | jq -e '.type == "audit_segment" and .entries == 21 and .first_seq == 1 and .last_seq == 21
		and .first_prev_hash == "0000000000000000000000000000000000000000000000000000000000000000"'
	run t audit verify --export "$BATS_TEST_TMPDIR/x.ndjson"
	assert_success
	sed -i '5s/"n":4/"n":5/' "$BATS_TEST_TMPDIR/x.ndjson"
	run t audit verify --export "$BATS_TEST_TMPDIR/x.ndjson"
	[ "$status" -eq 1 ]
	assert_output --partial "audit: export damaged: modified at seq 5"
	run t audit export --from 2020-01-01
	[ "$status" -eq 64 ]
}

@test "archive: old entries move to a verified file and the chain stays checkable" {
	gen 6
	sleep 0.05
	local cut
	cut=$(( $(sql "SELECT max(ts) FROM audit") + 1 ))
	sleep 0.05
	gen 4
	run t audit archive --before "$cut" --out "$BATS_TEST_TMPDIR/arch.ndjson"
	assert_success
	[ "$(sql 'SELECT min(seq) FROM audit')" -eq 7 ]
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'audit.archive'")" -eq 1 ]
	run t audit verify
	assert_success
	assert_output --partial "chain intact: 5 entries, seq 7..11"
	run t audit verify --archive "$BATS_TEST_TMPDIR/arch.ndjson"
	assert_success
	run t audit archive --before "$cut" --out "$BATS_TEST_TMPDIR/arch.ndjson"
	[ "$status" -eq 73 ]
	sed -i '2s/"n":1/"n":7/' "$BATS_TEST_TMPDIR/arch.ndjson"
	run t audit verify --archive "$BATS_TEST_TMPDIR/arch.ndjson"
	[ "$status" -eq 1 ]
	assert_output --partial "archive '$BATS_TEST_TMPDIR/arch.ndjson' damaged: modified at seq 2"
	tamper "DELETE FROM audit WHERE seq = 7"
	run t audit verify
	[ "$status" -eq 1 ]
	assert_output --partial "deleted at seq 7"
}

@test "archive refuses to archive damage away" {
	gen 5
	tamper "UPDATE audit SET actor = 'x' WHERE seq = 2"
	run t audit archive --before 2100-01-01 --out "$BATS_TEST_TMPDIR/a.ndjson"
	[ "$status" -eq 1 ]
	assert_output --partial "refusing to archive a damaged chain: modified at seq 2"
	[ ! -e "$BATS_TEST_TMPDIR/a.ndjson" ]
}

@test "two writers appending at once lose nothing and keep one chain" {
	gen 300 &
	gen 300 &
	gen 300 --batch 10 &
	wait %1 && wait %2 && wait %3
	run t audit verify
	assert_success
	assert_output --partial "900 entries, seq 1..900"
}

@test "with access control on and nobody logged in, audit refuses (77)" {
	gen 1
	sql "INSERT INTO meta(key, value) VALUES ('auth.enforce', '1')"
	run t audit log
	[ "$status" -eq 77 ]
	assert_output --regexp '^audit: '
}

# Coverage: every state-changing command leaves its audit entry. Later programs add rows here.
@test "coverage: every state-changing command is audited" {
	gen 3
	local cmds=(
		"audit.export|audit export --from 1970-01-01 --to 2100-01-01 --out $BATS_TEST_TMPDIR/e.csv --format csv"
		"audit.archive|audit archive --before 2100-01-01 --out $BATS_TEST_TMPDIR/a.ndjson"
		"backup.create|backup create --dest $BATS_TEST_TMPDIR/b"
		"backup.verify|backup verify --dest $BATS_TEST_TMPDIR/b"
		"backup.restore|backup restore --at 2100-01-01 --to $BATS_TEST_TMPDIR/r.db --dest $BATS_TEST_TMPDIR/b"
		"backup.prune|backup prune --keep-last 1 --dest $BATS_TEST_TMPDIR/b"
		"md.record|mdfeed record $FIXTURES/mdfeed/capture.ndjson"
		"position.fills|positions $FIXTURES/positions/fills-2025-26.ndjson"
		"position.import|positions import $FIXTURES/positions/kraken-trades.csv --format csv"
		"risk.limit.set|riskcheck limits set max_order_qty 5"
		"risk.limit.unset|riskcheck limits unset max_order_qty"
		"risk.limit.import|riskcheck limits import /dev/null"
		"risk.halt|riskcheck halt --reason drill"
		"risk.reduce|riskcheck reduce --reason drill"
		"risk.resume|riskcheck resume"
		"order.new|oms --venue paper $FIXTURES/oms/one-order.ndjson"
		"order.cancelled|oms cancel audit-1"
		"algo.start|execalgo twap --venue binance --symbol BTC/USDT --side buy --qty 1 --duration 10m --id audit-p $FIXTURES/oms/one-order.ndjson"
	)
	for row in "${cmds[@]}"; do
		local action=${row%%|*} cmd=${row#*|}
		local before
		before=$(sql "SELECT count(*) FROM audit WHERE action = '$action'")
		run t $cmd
		assert_success
		[ "$(sql "SELECT count(*) FROM audit WHERE action = '$action'")" -eq $((before + 1)) ] || fail "'$cmd' left no '$action' entry"
		[ "$(sql "SELECT actor FROM audit WHERE action = '$action' ORDER BY seq DESC LIMIT 1")" = "$(id -un)" ]
	done
	run t audit verify
	assert_success
}
