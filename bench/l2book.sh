#!/usr/bin/env bash
# bench/l2book.sh BUILD: local L2 book maintenance with depth 1000, in deltas/s: lib/l2book.c
# (bench/l2book.c) against a Python reference applying the same deltas (bench/l2book_ref.py:
# Decimal prices, dict + bisect, trimmed to 1000 after each). One generated file of 1,000,000
# deltas (LYRA_BENCH_L2BOOK_DELTAS) around a 1,000-level book; both sides must end with the same
# book (levels and best prices) or the run fails. Both sides split the file into lines and fields
# before their clock starts; the timed loop parses each price and quantity text (lyra_dec,
# Decimal) and applies it. The ratio is lyra's rate over Python's.
set -euo pipefail
build=${1:-build/plain}
here=$(dirname "$0")
bin=$build/bench/l2book
[ -x "$bin" ] || { echo "l2book.sh: missing '$bin' (make $bin)" >&2; exit 1; }
n=${LYRA_BENCH_L2BOOK_DELTAS:-1000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/lyra-bench-l2book.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bin" gen "$n" "$work/deltas"
lyra=$("$bin" run "$work/deltas" 1000)
base=$(python3 "$here/l2book_ref.py" "$work/deltas" 1000)
[ "${lyra#*(}" = "${base#*(}" ] || { echo "l2book.sh: the books differ: $lyra / $base" >&2; exit 1; }
rate() { sed -n 's/.*: \([0-9][0-9]*\) deltas\/s.*/\1/p'; }
awk -v l="$(rate <<<"$lyra")" -v b="$(rate <<<"$base")" 'function h(r) {
		return r >= 1e6 ? sprintf("%.1fM deltas/s", r / 1e6) : sprintf("%.0fk deltas/s", r / 1e3) }
	BEGIN { printf "| l2book deltas, depth 1000 | %s | python dict+bisect | %s | %.1fx | 50x |\n",
		h(l), h(b), l / b }'
