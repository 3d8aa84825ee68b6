#!/usr/bin/env bash
# The audit chores an operator puts in cron, run once here against a scratch store.
#
#   crontab:
#     0 * * * *   audit verify --quiet --anchor "$HOME/anchors/lyra.anchor" --metrics /var/lib/node_exporter/textfile/lyra_audit.prom
#     5 0 * * *   audit anchor >> "$HOME/anchors/lyra.anchors"     # ship this file off the machine
#     0 3 1 1 *   audit archive --before "$(date -u -d '2 years ago' +%F)" --out "$HOME/audit-archive/$(date -u +%Y).ndjson"
#
# `audit verify` exits 0 when the chain is intact and 1 (with one line saying what and where)
# when it is not, so cron mails the operator only when something is wrong.
set -euo pipefail
command -v audit >/dev/null || PATH="$(cd "$(dirname "$0")/.." && pwd)/bin:$PATH"   # run from a checkout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/lyra.db

audit verify --quiet                                   # an empty store is intact
audit anchor --out "$work/lyra.anchor"                 # keep the head somewhere else
audit verify --quiet --anchor "$work/lyra.anchor" --metrics "$work/lyra_audit.prom"
grep '^lyra_audit_verify_ok' "$work/lyra_audit.prom"
audit export --from 1970-01-01 --to "$(date -u -d tomorrow +%F)" --format csv --out "$work/export.csv"
audit verify --export "$work/export.csv"               # the auditor's copy checks against the store
audit log --format table
