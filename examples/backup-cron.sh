#!/usr/bin/env bash
# The backup chores an operator puts in cron, run once here against a scratch store: a full
# backup, incrementals and a differential while data changes, verification of everything,
# pruning that keeps chains whole, and the metrics file an alert watches.
#
#   crontab (add LYRA_BACKUP_KEY_FILE=/root/.lyra-backup.key at the top and --encrypt to seal):
#     0 * * * *   backup create -q --dest /srv/lyra-backups --metrics /var/lib/node_exporter/textfile_collector/lyra_backup.prom
#     0 2 * * 0   backup create -q --type full --dest /srv/lyra-backups && backup prune -q --dest /srv/lyra-backups --keep-daily 14 --keep-weekly 8 --keep-monthly 12
#     30 3 * * *  backup verify -q --all --dest /srv/lyra-backups --metrics /var/lib/node_exporter/textfile_collector/lyra_backup_verify.prom
#
# Every command exits 0 when all is well, 1 when a backup failed verification (the line says
# which and where), 73/74 when it cannot write, 75 when the store or the folder is busy (the
# next run retries). With -q, cron only mails when something is wrong.
set -euo pipefail
command -v backup >/dev/null || PATH="$(cd "$(dirname "$0")/.." && pwd)/bin:$PATH"   # run from a checkout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/lyra.db
dest=$work/backups

backup list --dest "$dest" >/dev/null                   # creates the scratch store
sqlite3 "$LYRA_DB" "CREATE TABLE demo_fills (id INTEGER PRIMARY KEY, venue TEXT, qty TEXT);
  WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5000)
  INSERT INTO demo_fills (venue, qty) SELECT 'kraken', printf('0.%04d', i) FROM c"

backup create -q --type full --dest "$dest"             # Sunday 02:00
for hour in 1 2 3; do                                   # hourly
	sqlite3 "$LYRA_DB" "INSERT INTO demo_fills (venue, qty) VALUES ('binance', '$hour.5')"
	backup create -q --dest "$dest" --metrics "$work/lyra_backup.prom"
done
backup create -q --type differential --dest "$dest"     # everything since the full, in one archive
backup create -q --type full --dest "$dest"             # next Sunday: a new chain
backup create -q --dest "$dest"
backup verify -q --all --dest "$dest"                   # nightly: rebuild and check every backup
backup prune -q --dest "$dest" --keep-last 2 --format table   # the old chain goes, the new one stays whole
backup list --dest "$dest" --format table
grep '^lyra_backup_last' "$work/lyra_backup.prom"
