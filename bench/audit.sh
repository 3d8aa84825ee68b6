#!/usr/bin/env bash
# bench/audit.sh BUILD: `audit verify` over N entries (LYRA_BENCH_AUDIT_N, default 10 million)
# against `openssl dgst -sha256` over the same canonical bytes the verifier hashes. The goal is
# to be bounded by SHA-256: the ratio says how close verify gets to hashing alone.
set -euo pipefail
build=${1:-build/plain}
n=${LYRA_BENCH_AUDIT_N:-10000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/lyra-bench-audit.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/lyra.db
bin=$(dirname "$build")/../bin
[ "$build" = build/plain ] && bin=bin

"$build/tools/auditgen" --batch 100000 "$n"
# The exact bytes verify hashes, entry after entry (ASCII data, so length() counts bytes).
sqlite3 "$LYRA_DB" "SELECT 'lyra-audit-v1' || length(seq) || ':' || seq || ',' || length(ts) || ':' || ts || ','
  || length(actor) || ':' || actor || ',' || length(action) || ':' || action || ','
  || length(object) || ':' || object || ',' || length(details) || ':' || details || ','
  || length(prev_hash) || ':' || prev_hash || ',' FROM audit ORDER BY seq" | tr -d '\n' > "$work/canonical.bin"
bytes=$(stat -c %s "$work/canonical.bin")

now() { date +%s%N; }
t0=$(now); "$bin/audit" verify -q; t1=$(now)
openssl dgst -sha256 "$work/canonical.bin" >/dev/null; t2=$(now)
lyra_ns=$((t1 - t0)); ossl_ns=$((t2 - t1))
awk -v n="$n" -v b="$bytes" -v l="$lyra_ns" -v o="$ossl_ns" 'BEGIN {
	printf "| audit verify (%d entries) | %.2fM entries/s (%.0f MB/s) | openssl dgst -sha256, same bytes | %.0f MB/s | %.2fx of SHA-256 alone | bounded by SHA-256 |\n",
		n, n / (l / 1e9) / 1e6, b / (l / 1e9) / 1e6, b / (o / 1e9) / 1e6, (b / (l / 1e9)) / (b / (o / 1e9)) }'
