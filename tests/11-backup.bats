#!/usr/bin/env bats
# backup(1): verified backups of every type and chain, restores compared with the store's state
# at that time, backups while another process writes, damage of every kind detected and named,
# encryption, pruning that keeps chains whole, cron exit codes and metrics, watch, and a drill.

load helper

gen() { t "$LYRA_BUILD/tools/auditgen" "$@"; }
sql() { sqlite3 -bail "$LYRA_DB" "$@"; }

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	export XDG_DATA_HOME="$HOME/.local/share"
	export XDG_CONFIG_HOME="$HOME/.config"
	export LYRA_DB="$BATS_TEST_TMPDIR/lyra.db"
	mkdir -p "$HOME"
	unset LYRA_TOKEN LYRA_BACKUP_KEY_FILE LYRA_BACKUP_DIR
	D="$BATS_TEST_TMPDIR/backups"
	export D
}

# The state of a store as text: every table's rows (the schema and data, not the file layout).
state() { sqlite3 "$1" .dump; }
# The id of the newest backup in the catalogue.
newest() { backup list --dest "$D" | jq -r .id | tail -n 1; }
# Flip one byte of a file at an offset (default: the middle).
flip() {
	local f=$1 off=${2:-}
	[ -n "$off" ] || off=$(( $(stat -c %s "$f") / 2 ))
	python3 -c 'import sys; p, o = sys.argv[1], int(sys.argv[2]); b = bytearray(open(p, "rb").read()); b[o] ^= 0x40; open(p, "wb").write(b)' "$f" "$off"
}
# Make a small store with some data and audit entries.
seed() {
	gen "${1:-20}"
	sql "CREATE TABLE IF NOT EXISTS test_rows (id INTEGER PRIMARY KEY, venue TEXT, qty TEXT);
	     WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000)
	     INSERT INTO test_rows (venue, qty) SELECT 'binance', printf('0.%04d', i) FROM c"
}

@test "create: a verified full backup, then incrementals; list shows them; tar can read them" {
	seed
	run --separate-stderr t backup create --dest "$D"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[[ "$stderr" == *"no earlier good backup in '$D': making a full backup"* ]]
	[[ "$stderr" =~ created\ [0-9T.]+Z-full:\ full,\ [0-9]+\ pages,\ .*,\ verified ]]
	gen 5
	run t backup create --dest "$D" -q
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run t backup list --dest "$D"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	jq -e -s '.[0].type == "backup" and .[0].kind == "full" and .[0].chain == 1 and .[0].base == null
		and .[1].kind == "incremental" and .[1].chain == 2 and .[1].base == .[0].id and .[1].full == .[0].id
		and all(.status == "good" and (.verified | type) == "number" and .encrypted == false)
		and .[0].audit_seq == 20 and .[1].audit_seq == 26 and .[1].changed_pages < .[1].pages' <<<"$output"
	local full incr
	full=$(jq -r -s '.[0].file' <<<"$output")
	incr=$(jq -r -s '.[1].file' <<<"$output")
	[ "$(tar --zstd -tf "$full" | tr '\n' ' ')" = "manifest.json pagemap.bin store.db " ]
	[ "$(tar --zstd -tf "$incr" | tr '\n' ' ')" = "manifest.json pagemap.bin pages.bin " ]
	tar --zstd -xOf "$full" manifest.json | jq -e '.format == "lyra-backup-v1" and .kind == "full" and .audit.seq == 20
		and (.audit.hash | test("^[0-9a-f]{64}$")) and (.members["store.db"].sha256 == .db_sha256)'
	tar --zstd -xOf "$full" store.db | sha256sum | grep -q "^$(tar --zstd -xOf "$full" manifest.json | jq -r .db_sha256) "
	run t backup list --dest "$D" --format table
	assert_line --index 0 --regexp '^id +kind +time +size +base +chain +verified$'
	assert_line --index 2 --regexp '^[0-9T.]+Z-incr +incremental +[0-9TZ:.-]+ +[0-9.]+ [KM]?B +[0-9T.]+Z-full +2 +20'
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'backup.create'")" -eq 2 ]
	run t backup list --format csv
	assert_line --index 0 $'id,kind,time,size,base,chain,verified\r'
}

@test "every type and every chain restores to exactly the state it captured" {
	seed
	local kinds=(full incremental incremental differential incremental full differential incremental)
	local i=0
	for k in "${kinds[@]}"; do
		sql "UPDATE test_rows SET qty = qty || '$i' WHERE id % 97 = $i; INSERT INTO test_rows (venue, qty) VALUES ('kraken', '$i')"
		gen 3
		state "$LYRA_DB" > "$BATS_TEST_TMPDIR/state.$i"
		run t backup create --type "$k" --dest "$D" -q
		[ "$status" -eq 0 ] || fail "create $k: $output"
		i=$((i + 1))
	done
	run t backup list --dest "$D"
	jq -e -s 'map(.kind) == ["full","incremental","incremental","differential","incremental","full","differential","incremental"]
		and map(.chain) == [1,2,3,2,3,1,2,3]
		and .[3].base == .[0].id and .[4].base == .[3].id and .[6].base == .[5].id and .[7].base == .[6].id' <<<"$output"
	mapfile -t ids < <(jq -r .id <<<"$output")
	for i in "${!ids[@]}"; do
		run t backup restore "${ids[$i]}" --to "$BATS_TEST_TMPDIR/r$i.db" --dest "$D" -q
		[ "$status" -eq 0 ] || fail "restore ${ids[$i]}: $output"
		diff <(state "$BATS_TEST_TMPDIR/r$i.db") "$BATS_TEST_TMPDIR/state.$i" || fail "backup $i (${kinds[$i]}) restored another state"
		run t audit --db "$BATS_TEST_TMPDIR/r$i.db" verify -q
		[ "$status" -eq 0 ]
	done
	run t backup verify --all --dest "$D"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 8 ]
	assert_line --index 4 --regexp "^backup: ${ids[4]}: good: incremental, chain of 3, [0-9]+ pages, audit seq [0-9]+$"
}

@test "pitr off: restore --at T is the newest backup at or before T, compared with the state then; the gap is named" {
	run t backup pitr off
	[ "$status" -eq 0 ]
	assert_output "backup: point-in-time recovery is now off: restore --at reaches only backups"
	[ "$(sql "SELECT actor || ' ' || details FROM audit WHERE action = 'backup.pitr'")" = "$(id -un) {\"pitr\":\"off\"}" ]
	seed
	local ts=()
	for i in 0 1 2; do
		gen 4
		state "$LYRA_DB" > "$BATS_TEST_TMPDIR/state.$i"
		t backup create --dest "$D" -q
		ts+=("$(backup list --dest "$D" | jq -r .ts | tail -n 1)")
		sleep 0.02
	done
	gen 3
	# just after the second backup, and between the second and third
	run --separate-stderr t backup restore --at "$((ts[1] + 1))" --to "$BATS_TEST_TMPDIR/at1.db" --dest "$D"
	[ "$status" -eq 0 ]
	diff <(state "$BATS_TEST_TMPDIR/at1.db") "$BATS_TEST_TMPDIR/state.1"
	[[ "$stderr" == *"transactions committed in between are not in the copy"* ]]
	run t backup restore --at "$((ts[2] - 1))" --to "$BATS_TEST_TMPDIR/at1b.db" --dest "$D" -q
	[ "$status" -eq 0 ]
	diff <(state "$BATS_TEST_TMPDIR/at1b.db") "$BATS_TEST_TMPDIR/state.1"
	run t backup restore --at "${ts[0]}" --to "$BATS_TEST_TMPDIR/at0.db" --dest "$D" -q
	[ "$status" -eq 0 ]
	diff <(state "$BATS_TEST_TMPDIR/at0.db") "$BATS_TEST_TMPDIR/state.0"
	run --separate-stderr t backup restore --at 2100-01-01 --to "$BATS_TEST_TMPDIR/at2.db" --dest "$D"
	[ "$status" -eq 0 ]
	diff <(state "$BATS_TEST_TMPDIR/at2.db") "$BATS_TEST_TMPDIR/state.2"
	# the live store knows what happened after the last backup: 1 backup.create + 3 entries + restores
	[[ "$stderr" =~ the\ live\ store\ holds\ [0-9]+\ audited\ changes\ in\ that\ gap ]]
	run t backup restore --at 2001-01-01 --to "$BATS_TEST_TMPDIR/none.db" --dest "$D"
	[ "$status" -eq 66 ]
	assert_output "backup: no backup in '$D' at or before 2001-01-01T00:00:00Z"
	[ ! -e "$BATS_TEST_TMPDIR/none.db" ]
}

@test "pitr: restore --at reaches any committed transaction, between and after backups, exactly" {
	# sn K: the store's state and the commit time of its newest transaction, after step K
	sn() {
		state "$LYRA_DB" | sort > "$BATS_TEST_TMPDIR/s.$1"
		sql "SELECT max(ts) FROM backup_journal" > "$BATS_TEST_TMPDIR/t.$1"
		sql "SELECT seq, hash FROM audit" > "$BATS_TEST_TMPDIR/a.$1"
	}
	at() { cat "$BATS_TEST_TMPDIR/t.$1"; }
	run t backup pitr status
	assert_output --regexp '^pitr: on; journal: 1 entries, seq 1\.\.1, '
	gen 3; sn 0
	t backup create --type full --dest "$D" -q; sn 1
	gen 2; sn 2
	t riskcheck halt --reason drill -q; sn 3
	t backup create --dest "$D" -q; sn 4
	gen 1; sn 5
	t riskcheck resume -q; sn 6
	gen 2; sn 7
	[ "$(sql "SELECT count(DISTINCT ts) FROM backup_journal")" -eq "$(sql "SELECT count(*) FROM backup_journal")" ]
	# every step, from the backup before it and the live store's journal: the exact state then
	for k in 1 2 3 5 6 7; do
		run --separate-stderr t backup restore --at "$(at $k)" --to "$BATS_TEST_TMPDIR/r$k.db" --dest "$D"
		[ "$status" -eq 0 ] || fail "restore to step $k: $stderr"
		diff <(state "$BATS_TEST_TMPDIR/r$k.db" | sort) "$BATS_TEST_TMPDIR/s.$k" || fail "step $k restored another state"
		[[ "$stderr" == *"the copy holds every transaction committed at or before then"* ]] || fail "step $k: $stderr"
	done
	# one microsecond before step 6's transaction: the state of step 5
	t backup restore --at "$(( $(at 6) - 1 ))" --to "$BATS_TEST_TMPDIR/r5b.db" --dest "$D" -q
	diff <(state "$BATS_TEST_TMPDIR/r5b.db" | sort) "$BATS_TEST_TMPDIR/s.5"
	run t audit --db "$BATS_TEST_TMPDIR/r7.db" verify -q
	[ "$status" -eq 0 ]
	[ "$(sql "SELECT json_extract(details, '$.journal.exact') || ' ' || json_extract(details, '$.journal.source')
		FROM audit WHERE action = 'backup.restore' ORDER BY seq DESC LIMIT 1")" = "1 the live store" ]

	# a damaged journal entry, and an entry that conflicts with the copy: each named, nothing written
	local seq
	seq=$(sql "SELECT min(seq) FROM backup_journal WHERE kind = 'tx' AND ts > $(at 5)")
	sql "CREATE TABLE keep AS SELECT * FROM backup_journal WHERE seq = $seq"
	sql "UPDATE backup_journal SET changeset = X'00' || substr(changeset, 2) WHERE seq = $seq"
	run t backup restore --at "$(at 7)" --to "$BATS_TEST_TMPDIR/bad.db" --dest "$D"
	[ "$status" -eq 1 ]
	assert_output --regexp "^backup: journal entry seq $seq \([0-9TZ:.-]+\) in the live store '$LYRA_DB' is damaged: its changeset does not match its sha-256$"
	[ ! -e "$BATS_TEST_TMPDIR/bad.db" ]
	sql "UPDATE backup_journal SET (changeset, sha256) = (SELECT changeset, sha256 FROM backup_journal WHERE seq = $((seq - 2)))
		WHERE seq = $seq"
	run t backup restore --at "$(at 7)" --to "$BATS_TEST_TMPDIR/bad.db" --dest "$D"
	[ "$status" -eq 1 ]
	assert_output --regexp "^backup: journal entry seq $seq \(.*\) in the live store '.*' does not apply to the restored copy: (insert|update) of a row of table '[a-z_]+': .*\((CONFLICT|DATA|NOTFOUND)\)$"
	sql "UPDATE backup_journal SET (changeset, sha256) = (SELECT changeset, sha256 FROM keep) WHERE seq = $seq; DROP TABLE keep"

	# the live store gone: the journal comes from the newest later backup that holds it
	mv "$LYRA_DB" "$BATS_TEST_TMPDIR/live.db"
	rm -f "$LYRA_DB"-wal "$LYRA_DB"-shm
	run --separate-stderr t backup restore --at "$(at 2)" --to "$BATS_TEST_TMPDIR/r2b.db" --dest "$D"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"with the journal from backup '"*"the copy holds every transaction"* ]] || fail "$stderr"
	diff <(sqlite3 "$BATS_TEST_TMPDIR/r2b.db" "SELECT seq, hash FROM audit WHERE action != 'backup.restore'") "$BATS_TEST_TMPDIR/a.2"
	mv "$BATS_TEST_TMPDIR/live.db" "$LYRA_DB"

	# prune trims the journal before the oldest kept backup's head, in its audited transaction
	t backup create --type full --dest "$D" -q
	local head
	head=$(sql "SELECT journal_seq FROM backup ORDER BY ts DESC LIMIT 1")
	run t backup prune --keep-last 1 --dest "$D" --format csv
	[ "$status" -eq 0 ]
	[ "$(sql "SELECT min(seq) FROM backup_journal")" -eq "$head" ]
	[ "$(sql "SELECT json_extract(details, '$.journal_kept_from') FROM audit WHERE action = 'backup.prune'")" -eq "$head" ]
	gen 1; sn 8
	t backup restore --at "$(at 8)" --to "$BATS_TEST_TMPDIR/r8.db" --dest "$D" -q
	diff <(state "$BATS_TEST_TMPDIR/r8.db" | sort | grep -v backup_journal) <(grep -v backup_journal "$BATS_TEST_TMPDIR/s.8")
}

@test "backups while another process writes continuously: nothing torn, every copy consistent" {
	seed 10
	"$LYRA_BUILD/tools/auditgen" 10000000 & local writer=$!
	sleep 0.3
	for k in full incremental incremental differential incremental; do
		run t backup create --type "$k" --dest "$D" -q
		[ "$status" -eq 0 ] || fail "create $k during writes: $output"
	done
	kill -0 "$writer"    # it was writing all along
	kill "$writer"
	wait "$writer" || true
	run t backup verify --all --dest "$D" -q
	[ "$status" -eq 0 ] || fail "verify: $output"
	run t backup list --dest "$D"
	mapfile -t rows < <(jq -c '[.id, .audit_seq]' <<<"$output")
	local prev=0
	for row in "${rows[@]}"; do
		local id seq
		id=$(jq -r '.[0]' <<<"$row")
		seq=$(jq -r '.[1]' <<<"$row")
		[ "$seq" -ge "$prev" ]
		prev=$seq
		run t backup restore "$id" --to "$BATS_TEST_TMPDIR/$id.db" --dest "$D" -q
		[ "$status" -eq 0 ]
		# the copy holds exactly the audit chain up to the head the manifest recorded, unbroken
		[ "$(sqlite3 "$BATS_TEST_TMPDIR/$id.db" 'SELECT count(*) || "," || max(seq) FROM audit')" = "$seq,$seq" ]
		run t audit --db "$BATS_TEST_TMPDIR/$id.db" verify -q
		[ "$status" -eq 0 ]
		[ "$(sqlite3 "$BATS_TEST_TMPDIR/$id.db" 'PRAGMA integrity_check')" = ok ]
	done
	[ "$prev" -gt 10 ]
}

@test "one flipped byte in an archive is detected and named" {
	seed
	t backup create --type full --dest "$D" -q
	gen 5
	t backup create --dest "$D" -q
	local full incr
	full=$(backup list --dest "$D" | jq -r 'select(.kind == "full") | .file')
	incr=$(backup list --dest "$D" | jq -r 'select(.kind == "incremental") | .id')
	flip "$full"
	run t backup verify --all --dest "$D"
	[ "$status" -eq 1 ]
	assert_line --index 0 --regexp "^backup: [0-9T.]+Z-full: damaged: backup '[0-9T.]+Z-full': archive '$full': .+"
	assert_line --index 1 --regexp "^backup: $incr: damaged: backup '$incr' needs '[0-9T.]+Z-full': archive '$full': "
	run t backup list --dest "$D"
	jq -e -s 'all(.status == "damaged") and (.[0].note | length > 0)' <<<"$output"
	run t backup restore "$incr" --to "$BATS_TEST_TMPDIR/r.db" --dest "$D"
	[ "$status" -eq 1 ]
	assert_output --partial "archive '$full'"
	[ ! -e "$BATS_TEST_TMPDIR/r.db" ]
	# the next incremental cannot build on a damaged chain: it starts a new, verified full
	run --separate-stderr t backup create --dest "$D"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"making a full backup"* ]]
	[ "$(newest)" != "$incr" ]
	[[ "$(newest)" == *-full ]]
}

@test "a byte flipped in the middle of a member is named by member and page" {
	seed
	# incompressible pages: zstd stores them raw, so the flipped byte lands in one page
	sql "CREATE TABLE blobs (b BLOB); INSERT INTO blobs SELECT randomblob(300000)"
	t backup create --type full --dest "$D" -q
	local f
	f=$(backup list --dest "$D" | jq -r .file)
	flip "$f"
	run t backup verify --dest "$D"
	[ "$status" -eq 1 ]
	assert_output --regexp "^backup: [0-9T.]+Z-full: damaged: backup '[0-9T.]+Z-full': archive '$f': member 'store.db': page [0-9]+ \(bytes [0-9]+\.\.[0-9]+\) does not match its hash$"
}

@test "a deleted chain member is detected and named, and restore says what it can still do" {
	seed
	t backup create --type full --dest "$D" -q
	gen 2
	t backup create --dest "$D" -q
	gen 2
	t backup create --dest "$D" -q
	mapfile -t ids < <(backup list --dest "$D" | jq -r .id)
	rm "$D/${ids[1]}.tar.zst"
	run t backup verify --all --dest "$D"
	[ "$status" -eq 1 ]
	assert_line --index 0 "backup: ${ids[0]}: good: full, chain of 1, $(backup list --dest "$D" | jq -r -s '.[0].pages') pages, audit seq 20"
	assert_line --index 1 "backup: ${ids[1]}: damaged: archive '$D/${ids[1]}.tar.zst' is missing"
	assert_line --index 2 "backup: ${ids[2]}: damaged: backup '${ids[2]}' needs '${ids[1]}', whose archive '$D/${ids[1]}.tar.zst' is missing"
	run t backup restore --at 2100-01-01 --to "$BATS_TEST_TMPDIR/r.db" --dest "$D"
	[ "$status" -eq 1 ]
	assert_output --regexp "cannot restore to 2100-01-01T00:00:00Z: backup '${ids[2]}' needs '${ids[1]}', whose archive is missing from '$D'; the newest restorable backup before then is ${ids[0]} at "
	run t backup verify "${ids[0]}" --dest "$D" -q
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "encryption: passphrase from a file only; wrong passphrase and a flipped byte fail and say so" {
	seed
	sql "INSERT INTO test_rows (venue, qty) VALUES ('secret-marker-venue', '1')"
	printf 'correct horse battery staple\n' > "$BATS_TEST_TMPDIR/key"
	printf 'wrong\n' > "$BATS_TEST_TMPDIR/bad"
	chmod 600 "$BATS_TEST_TMPDIR/key" "$BATS_TEST_TMPDIR/bad"
	run t backup create --encrypt --dest "$D"
	[ "$status" -eq 78 ]
	assert_output "backup: encryption needs a passphrase: --passphrase-file FILE or LYRA_BACKUP_KEY_FILE (never on the command line)"
	run t backup create --encrypt --dest "$D" --passphrase-file "$BATS_TEST_TMPDIR/key" -q
	[ "$status" -eq 0 ]
	gen 3
	# the chain stays encrypted: the key comes from the environment this time
	LYRA_BACKUP_KEY_FILE="$BATS_TEST_TMPDIR/key" run t backup create --dest "$D" -q
	[ "$status" -eq 0 ]
	run t backup list --dest "$D"
	jq -e -s 'all(.encrypted) and (map(.file | endswith(".tar.zst.enc")) | all) and .[1].kind == "incremental"' <<<"$output"
	local full
	full=$(jq -r -s '.[0].file' <<<"$output")
	[ "$(head -c 8 "$full")" = "LYRAENC1" ]
	! grep -q 'secret-marker-venue' "$D"/*.enc
	run tar --zstd -tf "$full"
	[ "$status" -ne 0 ]
	run t backup create --dest "$D"
	[ "$status" -eq 78 ]
	run t backup verify --all --dest "$D"
	[ "$status" -eq 78 ]
	assert_output --partial "is encrypted: give its passphrase with --passphrase-file FILE or LYRA_BACKUP_KEY_FILE"
	run t backup verify --all --dest "$D" --passphrase-file "$BATS_TEST_TMPDIR/bad"
	[ "$status" -eq 78 ]
	assert_output --regexp "wrong passphrase: the key check in the archive header does not match$"
	run t backup verify --all --dest "$D" --passphrase-file "$BATS_TEST_TMPDIR/key" -q
	[ "$status" -eq 0 ]
	run t backup restore --at 2100-01-01 --to "$BATS_TEST_TMPDIR/r.db" --dest "$D" --passphrase-file "$BATS_TEST_TMPDIR/key" -q
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/r.db" "SELECT count(*) FROM test_rows WHERE venue = 'secret-marker-venue'")" -eq 1 ]
	flip "$full" 2000
	run t backup verify --all --dest "$D" --passphrase-file "$BATS_TEST_TMPDIR/key"
	[ "$status" -eq 1 ]
	assert_line --index 0 --regexp "damaged: backup '[0-9T.]+Z-full': archive '$full': encrypted archive modified: chunk 0 \(bytes 72\.\.[0-9]+\) fails authentication$"
	flip "$full" 2000
	flip "$full" 20
	run t backup verify --all --dest "$D" --passphrase-file "$BATS_TEST_TMPDIR/key"
	[ "$status" -eq 1 ]
	assert_output --partial "encrypted archive header damaged: its checksum does not match"
	flip "$full" 20
	truncate -s -100 "$full"
	run t backup verify --dest "$D" --passphrase-file "$BATS_TEST_TMPDIR/key"
	[ "$status" -eq 1 ]
	assert_output --partial "encrypted archive"
}

@test "the passphrase is never taken from the command line" {
	run t backup create --password "x"
	[ "$status" -eq 64 ]
	run t backup create --key "x"
	[ "$status" -eq 64 ]
	run t backup create --encrypt --passphrase-file "$BATS_TEST_TMPDIR/missing" --dest "$D"
	[ "$status" -eq 66 ]
	assert_output --partial "cannot read passphrase file '$BATS_TEST_TMPDIR/missing'"
	: > "$BATS_TEST_TMPDIR/empty"
	chmod 644 "$BATS_TEST_TMPDIR/empty"
	run t backup create --encrypt --passphrase-file "$BATS_TEST_TMPDIR/empty" --dest "$D"
	[ "$status" -eq 78 ]
	assert_line --index 0 "backup: passphrase file '$BATS_TEST_TMPDIR/empty' can be read by other users: chmod 600 it"
	assert_line --index 1 "backup: passphrase file '$BATS_TEST_TMPDIR/empty' is empty"
}

@test "prune keeps chains whole; --dry-run changes nothing" {
	seed
	for k in full incremental incremental full incremental differential; do
		gen 1
		t backup create --type "$k" --dest "$D" -q
	done
	mapfile -t ids < <(backup list --dest "$D" | jq -r .id)
	run t backup prune --keep-last 1 --dest "$D" --dry-run -q
	[ "$status" -eq 0 ]
	jq -e -s 'map(.action) == ["would-prune","would-prune","would-prune","keep","would-prune","keep"]
		and .[3].why == "chain" and .[5].why == "last" and all(.type == "backup_prune")' <<<"$output"
	[ "$(ls "$D"/*.tar.zst | wc -l)" -eq 6 ]
	run t backup prune --keep-last 2 --dest "$D" --format table -q
	[ "$status" -eq 0 ]
	assert_line --index 0 --regexp '^id +kind +time +action +why$'
	assert_line --index 4 --regexp "^${ids[3]} +full +.* keep +chain$"
	assert_line --index 5 --regexp "^${ids[4]} +incremental +.* keep +last$"
	[ "$(ls "$D"/*.tar.zst | wc -l)" -eq 3 ]
	run t backup list --dest "$D"
	[ "$(jq -r .id <<<"$output" | tr '\n' ' ')" = "${ids[3]} ${ids[4]} ${ids[5]} " ]
	run t backup verify --all --dest "$D" -q
	[ "$status" -eq 0 ]
	[ "$(sql "SELECT json_extract(details, '$.pruned') FROM audit WHERE action = 'backup.prune'")" -eq 3 ]
	run t backup prune --dest "$D"
	[ "$status" -eq 64 ]
	assert_output --partial "prune needs at least one --keep-* rule"
}

@test "restore never overwrites without --force; with it the old store is kept aside" {
	seed
	t backup create --dest "$D" -q
	local id
	id=$(newest)
	state "$LYRA_DB" > "$BATS_TEST_TMPDIR/before"
	gen 7
	run t backup restore "$id" --to "$LYRA_DB" --dest "$D"
	[ "$status" -eq 73 ]
	assert_output "backup: '$LYRA_DB' exists and is the live store: restore never overwrites it; use --force (the old file is kept aside)"
	touch "$BATS_TEST_TMPDIR/other.db"
	run t backup restore "$id" --to "$BATS_TEST_TMPDIR/other.db" --dest "$D"
	[ "$status" -eq 73 ]
	[ ! -s "$BATS_TEST_TMPDIR/other.db" ]
	local n_before
	n_before=$(sql "SELECT count(*) FROM audit")
	run --separate-stderr t backup restore "$id" --to "$LYRA_DB" --dest "$D" --force
	[ "$status" -eq 0 ]
	local aside
	aside=$(ls "$LYRA_DB".before-restore-*)
	[[ "$aside" =~ \.before-restore-[0-9]{8}T[0-9]{6}Z$ ]]
	[[ "$stderr" == *"the old file is kept as '$aside'"* ]]
	[ "$(sqlite3 "$aside" 'SELECT count(*) FROM audit')" -eq "$n_before" ]
	# the restored store is the backup's state plus one audit entry that records the restore
	[ "$(sql "SELECT action FROM audit ORDER BY seq DESC LIMIT 1")" = backup.restore ]
	[ "$(sql "SELECT json_extract(details, '$.aside') FROM audit ORDER BY seq DESC LIMIT 1")" = "$aside" ]
	sqlite3 "$LYRA_DB" "SELECT * FROM test_rows" | cmp - <(sqlite3 "$aside" "SELECT * FROM test_rows")
	run t audit verify -q
	[ "$status" -eq 0 ]
}

@test "usage errors exit 64" {
	run t backup restore --to "$BATS_TEST_TMPDIR/x.db"
	[ "$status" -eq 64 ]
	run t backup restore someid
	[ "$status" -eq 64 ]
	assert_output --partial "restore needs --to PATH"
	run t backup restore someid --at 2026-01-01 --to "$BATS_TEST_TMPDIR/x.db"
	[ "$status" -eq 64 ]
	run t backup create --type weekly
	[ "$status" -eq 64 ]
	assert_output --partial "unknown backup type 'weekly'"
	run t backup restore ../etc/passwd --to "$BATS_TEST_TMPDIR/x.db"
	[ "$status" -eq 64 ]
	run t backup watch --interval 0
	[ "$status" -eq 64 ]
	run t backup verify a b
	[ "$status" -eq 64 ]
}

@test "cron exit codes: 73 cannot create, 75 busy; --metrics for alerting" {
	seed
	touch "$BATS_TEST_TMPDIR/afile"
	run t backup create --dest "$BATS_TEST_TMPDIR/afile/sub"
	[ "$status" -eq 73 ]
	assert_output --partial "cannot create folder"
	mkdir -p "$D"
	flock "$D/.lock" sleep 3 &
	sleep 0.3
	run t backup create --dest "$D"
	[ "$status" -eq 75 ]
	assert_output "backup: backup folder '$D' is busy: another backup command is using it (retry later)"
	wait
	run t backup create --dest "$D" -q --metrics "$BATS_TEST_TMPDIR/b.prom"
	[ "$status" -eq 0 ]
	grep -qx 'lyra_backup_last_ok{prog="backup"} 1' "$BATS_TEST_TMPDIR/b.prom"
	grep -qE '^lyra_backup_last_success_timestamp_seconds\{prog="backup"\} [0-9]{10}$' "$BATS_TEST_TMPDIR/b.prom"
	grep -qE '^lyra_backup_last_duration_seconds\{prog="backup"\} [0-9]+\.[0-9]{6}$' "$BATS_TEST_TMPDIR/b.prom"
	grep -qE '^lyra_backup_last_size_bytes\{prog="backup"\} [1-9][0-9]*$' "$BATS_TEST_TMPDIR/b.prom"
	grep -qx '# TYPE lyra_backup_last_ok gauge' "$BATS_TEST_TMPDIR/b.prom"
	run t backup verify --dest "$D" -q --metrics "$BATS_TEST_TMPDIR/v.prom"
	[ "$status" -eq 0 ]
	grep -qx 'lyra_backup_verify_ok{prog="backup"} 1' "$BATS_TEST_TMPDIR/v.prom"
	flip "$(backup list --dest "$D" | jq -r .file)"
	run t backup verify --dest "$D" -q --metrics "$BATS_TEST_TMPDIR/v.prom"
	[ "$status" -eq 1 ]
	grep -qx 'lyra_backup_verify_ok{prog="backup"} 0' "$BATS_TEST_TMPDIR/v.prom"
	run t backup verify --dest "$BATS_TEST_TMPDIR/empty-folder"
	[ "$status" -eq 66 ]
}

@test "the manifest's audit head catches a truncated audit log" {
	seed 12
	t backup create --dest "$D" -q
	local f
	f=$(backup list --dest "$D" | jq -r .file)
	tar --zstd -xOf "$f" manifest.json | jq -c '{type: "audit_anchor", seq: .audit.seq, hash: .audit.hash}' > "$BATS_TEST_TMPDIR/anchor"
	run t audit verify --anchor "$BATS_TEST_TMPDIR/anchor" -q
	[ "$status" -eq 0 ]
	sqlite3 "$LYRA_DB" "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq >= 10"
	run t audit verify --anchor "$BATS_TEST_TMPDIR/anchor"
	[ "$status" -eq 1 ]
	assert_output "audit: chain damaged: truncated at seq 10: the chain ends at seq 9 but a recorded head is at seq 12"
	[ "$(sql "SELECT audit_seq FROM backup WHERE status = 'good' ORDER BY audit_seq DESC LIMIT 1")" -eq 12 ]
}

@test "watch backs up while the store changes and stops cleanly on SIGTERM" {
	seed 5
	backup watch --interval 1 --dest "$D" -q &
	local pid=$!
	sleep 1.5
	gen 3
	sleep 2
	kill -TERM "$pid"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 0 ]
	run t backup list --dest "$D"
	[ "${#lines[@]}" -ge 2 ]
	jq -e -s '.[0].kind == "full" and .[1].kind == "incremental" and all(.status == "good")' <<<"$output"
	[ -z "$(ls -A "$BATS_TEST_TMPDIR" | grep -- '-XXXX\|\.snapshot-\|\.verify-')" ]
}

@test "every backup command is audited" {
	seed
	local cmds=(
		"backup.create|backup create --dest $D"
		"backup.verify|backup verify --dest $D"
		"backup.restore|backup restore --at 2100-01-01 --to $BATS_TEST_TMPDIR/r.db --dest $D"
		"backup.prune|backup prune --keep-last 1 --dest $D"
	)
	t backup create --dest "$D" -q
	for row in "${cmds[@]}"; do
		local action=${row%%|*} cmd=${row#*|}
		local before
		before=$(sql "SELECT count(*) FROM audit WHERE action = '$action'")
		run t $cmd -q
		[ "$status" -eq 0 ] || fail "$cmd: $output"
		[ "$(sql "SELECT count(*) FROM audit WHERE action = '$action'")" -eq $((before + 1)) ] || fail "'$cmd' left no '$action' entry"
		[ "$(sql "SELECT actor FROM audit WHERE action = '$action' ORDER BY seq DESC LIMIT 1")" = "$(id -un)" ]
	done
	run t audit verify -q
	[ "$status" -eq 0 ]
}

@test "restore drill: disaster, restore from the folder alone, carry on" {
	seed
	t backup create --type full --dest "$D" -q
	gen 3
	t backup create --type incremental --dest "$D" -q
	gen 3
	t backup create --type differential --dest "$D" -q
	sql "SELECT * FROM test_rows" > "$BATS_TEST_TMPDIR/rows"
	sql "SELECT seq, hash FROM audit" > "$BATS_TEST_TMPDIR/audit"
	run t backup verify --all --dest "$D" -q
	[ "$status" -eq 0 ]
	# disaster: the store and its catalogue are gone
	rm -f "$LYRA_DB" "$LYRA_DB"-wal "$LYRA_DB"-shm
	run t backup restore --at 2100-01-01 --to "$LYRA_DB" --dest "$D" -q
	[ "$status" -eq 0 ]
	# the restored store is the last backup's state; the restore itself is its newest entry
	diff <(sql "SELECT * FROM test_rows") "$BATS_TEST_TMPDIR/rows"
	diff <(sql "SELECT seq, hash FROM audit WHERE action != 'backup.restore'") <(head -n -1 "$BATS_TEST_TMPDIR/audit")
	[ "$(sql "SELECT action FROM audit ORDER BY seq DESC LIMIT 1")" = backup.restore ]
	run t audit verify -q
	[ "$status" -eq 0 ]
	# business as usual: the next incremental builds on the restored catalogue's chain
	gen 2
	run t backup create --dest "$D" -q
	[ "$status" -eq 0 ]
	run t backup verify --all --dest "$D" -q
	[ "$status" -eq 0 ]
}

@test "the systemd units are valid and their command runs" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
	local u="$BATS_TEST_TMPDIR/units"
	mkdir -p "$u"
	cp "$LYRA_ROOT"/examples/systemd/lyra-backup.service "$LYRA_ROOT"/examples/systemd/lyra-backup.timer "$u/"
	sed -i "s#/usr/local/bin/backup#$LYRA_BIN/backup#" "$u/lyra-backup.service"
	run t systemd-analyze verify --man=no "$u/lyra-backup.timer" "$u/lyra-backup.service"
	[ "$status" -eq 0 ] || fail "$output"
	# the ExecStart line, pointed at scratch paths, makes a verified encrypted backup
	local cmd
	cmd=$(sed -n 's/^ExecStart=//p' "$u/lyra-backup.service")
	cmd=${cmd//\/srv\/lyra-backups/$D}
	cmd=${cmd//\/var\/lib\/node_exporter\/textfile_collector/$BATS_TEST_TMPDIR}
	printf 'unit test key\n' > "$BATS_TEST_TMPDIR/key"
	chmod 600 "$BATS_TEST_TMPDIR/key"
	gen 3
	LYRA_BACKUP_KEY_FILE="$BATS_TEST_TMPDIR/key" run t $cmd
	[ "$status" -eq 0 ] || fail "$cmd: $output"
	grep -qx 'lyra_backup_last_ok{prog="backup"} 1' "$BATS_TEST_TMPDIR/lyra_backup.prom"
	[ -n "$(ls "$D"/*.tar.zst.enc)" ]
}
