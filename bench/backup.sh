#!/usr/bin/env bash
# bench/backup.sh BUILD: backup(1) on a generated store of LYRA_BENCH_BACKUP_MB megabytes
# (default 1000) of order-like rows, one run each, lyra and its baseline back to back on the
# same file:
#   full backup (snapshot, zstd, and the verification that rebuilds and checks the archive)
#     against `sqlite3 store .backup` then `tar --zstd`, which verifies nothing; and against
#     the same plus what our verification does (untar, sha256sum, PRAGMA integrity_check);
#   restore of that backup (rebuild, sha-256, integrity_check, audit chain) against untar;
#   an incremental after updating 1% of the rows at random (the worst case for page-level
#     incrementals), and after appending 1% new rows (what a trading day looks like), against
#     a full backup of the same store;
#   a point-in-time restore through a chain of three, which is the recovery time (RTO);
#   the recovery point (RPO) `backup watch --interval LYRA_BENCH_WATCH_INTERVAL` (default 60 s)
#     keeps while a writer commits every 0.2 s, measured over LYRA_BENCH_WATCH_ROUNDS rounds
#     (default 3): for each backup, its snapshot until the next backup is recorded;
#   the point-in-time journal's cost: small transactions (one audit entry each) with it on
#     against off, on fresh stores.
set -euo pipefail
build=${1:-build/plain}
mb=${LYRA_BENCH_BACKUP_MB:-1000}
bin=$(cd "$(dirname "$build")/.." && pwd)/bin
[ "$build" = build/plain ] && bin=$PWD/bin
[ -x "$bin/backup" ] || bin=$(cd "$build" && pwd)/bin
for tool in sqlite3 tar zstd sha256sum; do
	command -v "$tool" >/dev/null || { echo "| backup | skipped: $tool not installed | | | | |"; exit 0; }
done
work=$(mktemp -d "${TMPDIR:-/var/tmp}/lyra-bench-backup.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/store/lyra.db
dest=$work/backups

now() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e9 }'; }
mbs() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.0f", b / 1e6 / (ns / 1e9) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
size() { stat -c %s "$1"; }
human() { awk -v b="$1" 'BEGIN { if (b >= 1e9) printf "%.2f GB", b / 1e9; else if (b >= 1e6) printf "%.1f MB", b / 1e6; else printf "%.1f KB", b / 1e3 }'; }
newest_field() { "$bin/backup" list --dest "$dest" | tail -n 1 | jq -r ".$1"; }

# ---- the store: order-like text rows (about 106 bytes each on disk), plus audit entries ----
"$bin/backup" list --dest "$dest" >/dev/null
"$build/tools/auditgen" --batch 1000 20000 >/dev/null
rows=$(( mb * 1000000 / 106 ))
sqlite3 "$LYRA_DB" "PRAGMA journal_mode = WAL;
CREATE TABLE bench_orders (id INTEGER PRIMARY KEY, ts INTEGER, venue TEXT, symbol TEXT, side TEXT,
  px TEXT, qty TEXT, status TEXT, client_id TEXT, strategy TEXT);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $rows)
INSERT INTO bench_orders SELECT i, 1790000000000000 + i * 1000,
  CASE i % 4 WHEN 0 THEN 'binance' WHEN 1 THEN 'kraken' WHEN 2 THEN 'coinbase' ELSE 'okx' END,
  CASE i % 3 WHEN 0 THEN 'BTC/USDT' WHEN 1 THEN 'ETH/USDT' ELSE 'SOL/USDT' END,
  CASE i % 2 WHEN 0 THEN 'buy' ELSE 'sell' END,
  printf('%d.%02d', 60000 + abs(random() % 5000), abs(random() % 100)),
  printf('0.%06d', abs(random() % 1000000)), 'filled', lower(hex(randomblob(16))),
  'twap-' || (i % 50) FROM c;" >/dev/null
db_bytes=$(size "$LYRA_DB")

# ---- full backup: lyra, then the baseline on the same store ----
t0=$(now)
"$bin/backup" create -q --type full --dest "$dest"
t1=$(now)
full_ns=$((t1 - t0))
full_file=$(newest_field file)
full_size=$(size "$full_file")

t0=$(now)
sqlite3 "$LYRA_DB" ".backup '$work/copy.db'"
tar --zstd -cf "$work/copy.tar.zst" -C "$work" copy.db
t1=$(now)
base_ns=$((t1 - t0))
base_size=$(size "$work/copy.tar.zst")
rm -f "$work/copy.db"
t0=$(now)
tar --zstd -xf "$work/copy.tar.zst" -C "$work"
t1=$(now)
untar_ns=$((t1 - t0))
sha256sum "$work/copy.db" >/dev/null
[ "$(sqlite3 "$work/copy.db" 'PRAGMA integrity_check')" = ok ]
t2=$(now)
basev_ns=$((base_ns + t2 - t0))
rm -f "$work/copy.db"

# ---- restore of the full backup ----
t0=$(now)
"$bin/backup" restore -q "$(newest_field id)" --dest "$dest" --to "$work/restored-full.db"
t1=$(now)
restore_ns=$((t1 - t0))
rm -f "$work/restored-full.db"

# ---- incrementals: 1% of rows updated at random, then 1% appended ----
pct=$(( rows / 100 ))
sqlite3 "$LYRA_DB" "UPDATE bench_orders SET status = 'cancelled', qty = '0'
  WHERE id IN (SELECT abs(random()) % $rows + 1 FROM bench_orders LIMIT $pct)" >/dev/null
t0=$(now)
"$bin/backup" create -q --type incremental --dest "$dest"
t1=$(now)
inc1_ns=$((t1 - t0))
inc1_size=$(size "$(newest_field file)")
inc1_pages="$(newest_field changed_pages) of $(newest_field pages) pages"

sqlite3 "$LYRA_DB" "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $pct)
INSERT INTO bench_orders SELECT $rows + i, 1800000000000000 + i, 'binance', 'BTC/USDT', 'buy',
  '61000.00', '0.010000', 'new', lower(hex(randomblob(16))), 'dca-1' FROM c" >/dev/null
t0=$(now)
"$bin/backup" create -v --type incremental --dest "$dest" 2> "$work/inc2.log"
t1=$(now)
inc2_ns=$((t1 - t0))
# when the archive was durable (before its verification): what a crash right after could restore
durable_ms=$(sed -n 's/.*archive written: [0-9]* bytes, \([0-9]*\) ms so far.*/\1/p' "$work/inc2.log")
inc2_size=$(size "$(newest_field file)")
inc2_pages="$(newest_field changed_pages) of $(newest_field pages) pages"

# ---- point-in-time restore through the chain full, incremental, incremental ----
point=$(( $(newest_field ts) + 1000000 ))
t0=$(now)
"$bin/backup" restore -q --at "$point" --dest "$dest" --to "$work/restored-pitr.db"
t1=$(now)
pitr_ns=$((t1 - t0))
[ "$(sqlite3 "$work/restored-pitr.db" "SELECT count(*) FROM bench_orders")" -eq $((rows + pct)) ]

# ---- watch: the RPO it keeps ----
iv=${LYRA_BENCH_WATCH_INTERVAL:-60}
rounds=${LYRA_BENCH_WATCH_ROUNDS:-3}
watch_from=$(( $(date +%s%N) / 1000 ))
( while :; do "$build/tools/auditgen" 1 >/dev/null; sleep 0.2; done ) & writer=$!
"$bin/backup" watch -q --interval "${iv}s" --dest "$dest" & watcher=$!
sleep $(( iv * rounds + iv / 2 ))
kill "$watcher"; wait "$watcher" || true
kill "$writer"; wait "$writer" 2>/dev/null || true
# each backup's snapshot until the next one is recorded (its snapshot + its duration, which
# also counts the time before its snapshot, so this errs high)
read -r rpo_n rpo_max inc_dur < <("$bin/backup" list --dest "$dest" | jq -s -r --argjson from "$watch_from" '
	[.[] | select(.ts >= $from)] as $b
	| [range(1; $b | length) as $i | ($b[$i].ts + $b[$i].duration_us - $b[$i - 1].ts)] as $r
	| "\($r | length) \(($r | max // 0) / 1e6) \(($b | map(.duration_us) | max // 0) / 1e6)"')

# ---- the point-in-time journal: small transactions with it on and off ----
pitr_tx=${LYRA_BENCH_PITR_TX:-5000}
pitr_run() {
	local db=$work/pitr-$1.db t0 t1
	rm -f "$db"*
	LYRA_DB=$db "$bin/backup" pitr "$1" -q 2>/dev/null || true
	t0=$(now)
	LYRA_DB=$db "$build/tools/auditgen" "$pitr_tx" >/dev/null
	t1=$(now)
	echo $(( (t1 - t0) / pitr_tx ))
}
pitr_on=$(pitr_run on)
pitr_off=$(pitr_run off)
pitr_on_bytes=$(size "$work/pitr-on.db")
pitr_off_bytes=$(size "$work/pitr-off.db")

# ---- rows ----
mbt=$(human "$db_bytes")
echo "| backup create --type full, $mbt store (snapshot, zstd -1 on 2 threads, rebuild-and-check verification) | $(mbs "$db_bytes" "$full_ns") MB/s ($(secs "$full_ns") s, archive $(human "$full_size")) | sqlite3 .backup + tar --zstd (zstd -3, 1 thread; no verification) | $(mbs "$db_bytes" "$base_ns") MB/s ($(secs "$base_ns") s, $(human "$base_size")) | $(ratio "$base_ns" "$full_ns") | verified backup, cost of checking shown next |"
echo "| backup create --type full, same store | $(mbs "$db_bytes" "$full_ns") MB/s ($(secs "$full_ns") s) | the same + untar + sha256sum + PRAGMA integrity_check | $(mbs "$db_bytes" "$basev_ns") MB/s ($(secs "$basev_ns") s) | $(ratio "$basev_ns" "$full_ns") | >= 1x of a baseline that checks as much |"
echo "| backup restore of the full (rebuild + sha-256 + integrity_check + audit chain) | $(mbs "$db_bytes" "$restore_ns") MB/s ($(secs "$restore_ns") s) | tar --zstd -x (no checks) | $(mbs "$db_bytes" "$untar_ns") MB/s ($(secs "$untar_ns") s) | $(ratio "$untar_ns" "$restore_ns") | RTO < 5 min |"
echo "| incremental after updating 1% of rows at random ($pct rows) | $(secs "$inc1_ns") s, $(human "$inc1_size") ($inc1_pages) | full backup of the same store | $(secs "$full_ns") s, $(human "$full_size") | $(ratio "$inc1_size" "$full_size") of the size | scattered updates touch many pages |"
echo "| incremental after appending 1% new rows ($pct rows) | $(secs "$inc2_ns") s, $(human "$inc2_size") ($inc2_pages) | full backup of the same store | $(secs "$full_ns") s, $(human "$full_size") | $(ratio "$inc2_size" "$full_size") of the size | small and fast |"
echo "| restore --at T through full + 2 incrementals = RTO | $(secs "$pitr_ns") s | tar --zstd -x of one full (no chain, no checks) | $(secs "$untar_ns") s | $(ratio "$untar_ns" "$pitr_ns") | RTO < 300 s: $(awk -v n="$pitr_ns" 'BEGIN { print (n < 300e9) ? "met" : "NOT met" }') |"
echo "| backup watch --interval ${iv}s on the $mbt store, a writer committing every 0.2 s: worst of $rpo_n rounds from a snapshot to the next backup recorded (= RPO) | $(printf '%.1f' "$rpo_max") s (longest backup $(printf '%.1f' "$inc_dur") s) | the interval | ${iv} s | | RPO < ${iv} s: $(awk -v r="$rpo_max" -v i="$iv" 'BEGIN { print (r < i) ? "met" : "NOT met" }') |"
echo "| a small transaction (one audit entry), point-in-time journal on, $pitr_tx in a row | $(awk -v n="$pitr_on" 'BEGIN { printf "%.0f", n / 1e3 }') us/tx, store $(human "$pitr_on_bytes") | journal off | $(awk -v n="$pitr_off" 'BEGIN { printf "%.0f", n / 1e3 }') us/tx, store $(human "$pitr_off_bytes") | $(ratio "$pitr_on" "$pitr_off") the time | the journal's cost |"
