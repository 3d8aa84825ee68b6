#!/usr/bin/env bash
# bench/decimal.sh BUILD: decimal parse + format + mul (rounded half-even to 8 digits) over the
# table of exchange-style strings in bench/decimal.c, against Python's decimal module doing the
# same loop (bench/decimal_ref.py: Decimal(str), str(), quantize). Each side calibrates itself to
# about 1.5 s; both run back to back here and the ratio is lyra's rate over Python's.
set -euo pipefail
build=${1:-build/plain}
here=$(dirname "$0")
bin=$build/bench/decimal
[ -x "$bin" ] || { echo "decimal.sh: missing '$bin' (make $bin)" >&2; exit 1; }
py=$(command -v python3 || true)
[ -n "$py" ] || { echo "decimal.sh: python3 not found" >&2; exit 1; }

rate() { sed -n 's/.*: \([0-9][0-9]*\) ops\/s.*/\1/p'; }
lyra=$("$bin" | rate)
base=$("$py" "$here/decimal_ref.py" | rate)
[ -n "$lyra" ] && [ -n "$base" ] || { echo "decimal.sh: could not read a rate" >&2; exit 1; }

awk -v l="$lyra" -v b="$base" 'function h(r) {
		return r >= 1e6 ? sprintf("%.1fM ops/s", r / 1e6) : sprintf("%.0fk ops/s", r / 1e3) }
	BEGIN { printf "| decimal parse+format+mul | %s | python decimal | %s | %.1fx | - |\n",
		h(l), h(b), l / b }'
