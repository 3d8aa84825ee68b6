#!/usr/bin/env bash
# A restore drill, the full cycle on a scratch store: encrypted backups while the store changes,
# a disaster (the store and its catalogue are deleted), a point-in-time restore from the backup
# folder alone, checks of the restored store (integrity, audit chain, data), and a new backup
# chain after it. Run it the same way against a copy of the real folder now and then: a backup
# that was never restored is only a hope. Prints the measured recovery time.
set -euo pipefail
command -v backup >/dev/null || PATH="$(cd "$(dirname "$0")/.." && pwd)/bin:$PATH"   # run from a checkout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/store/lyra.db
export LYRA_BACKUP_KEY_FILE=$work/backup.key
dest=$work/offsite
( umask 077; head -c 32 /dev/urandom | base64 > "$LYRA_BACKUP_KEY_FILE" )
say() { printf 'drill: %s\n' "$*"; }

backup list --dest "$dest" >/dev/null
sqlite3 "$LYRA_DB" "CREATE TABLE demo_orders (id INTEGER PRIMARY KEY, status TEXT)"
backup create -q --encrypt --type full --dest "$dest"
sqlite3 "$LYRA_DB" "INSERT INTO demo_orders (status) VALUES ('new'), ('new')"
backup create -q --dest "$dest"
sqlite3 "$LYRA_DB" "UPDATE demo_orders SET status = 'filled' WHERE id = 1"
backup create -q --dest "$dest"
sleep 0.01
point=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)                  # the moment to go back to
sqlite3 "$LYRA_DB" "SELECT id, status FROM demo_orders" > "$work/expected"
sqlite3 "$LYRA_DB" "INSERT INTO demo_orders (status) VALUES ('after the point')"
backup create -q --type differential --dest "$dest"
say "made $(backup list --dest "$dest" | wc -l) encrypted backups"

rm -rf "$work/store"                                        # the disaster
say "store deleted; restoring the state at $point from $dest alone"
t0=$(date +%s%N)
backup restore -q --at "$point" --dest "$dest" --to "$LYRA_DB"
t1=$(date +%s%N)
say "restored in $(( (t1 - t0) / 1000000 )) ms"

[ "$(sqlite3 "$LYRA_DB" 'PRAGMA integrity_check')" = ok ]
audit verify -q                                             # the audit chain is intact
sqlite3 "$LYRA_DB" "SELECT id, status FROM demo_orders" | cmp - "$work/expected"
say "data matches the state at the point: $(tr '\n' ' ' < "$work/expected")"
sqlite3 "$LYRA_DB" "SELECT action, object FROM audit ORDER BY seq DESC LIMIT 1"   # the restore itself

backup create -q --type full --dest "$dest"                 # a new chain from the restored store
backup verify -q --all --dest "$dest"
say "passed"
