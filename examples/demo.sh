#!/usr/bin/env bash
# make demo: the main job on bundled data in a throw-away store, no network. It grows with the
# suite; today it exercises what exists: the store, the audit chain and its verification.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH"
work=$(mktemp -d "${TMPDIR:-/tmp}/lyra-demo.XXXXXX")
export LYRA_DB=$work/lyra.db
echo "demo: store $LYRA_DB"

echo "demo: the audit chain records every state change; an export is one:"
audit export --from 1970-01-01 --to 2100-01-01 --format csv --out "$work/audit.csv"
audit anchor --out "$work/anchor.json"
audit verify --anchor "$work/anchor.json" --export "$work/audit.csv"
audit log --format table

echo "demo: now tamper with the store behind lyra's back and verify again:"
sqlite3 "$LYRA_DB" "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'mallory' WHERE seq = 1"
if audit verify; then
	echo "demo: tampering went unnoticed" >&2
	exit 1
fi
echo "demo: done; files in $work"
