#!/usr/bin/env bash
# bench/execalgo.sh BUILD: records/s through `execalgo twap` on generated market data
# (bench/gen_md: book_delta, bbo and trade lines over six markets, LYRA_BENCH_EXECALGO_MB,
# default 100 MB, about 11 minutes of event time), against the foundation pass-through
# `cat FILE | cat`. Rows: execalgo alone (feedback from the input); `execalgo twap | oms --venue
# paper` (when oms is built); the same with fills fed back through a FIFO and sync markers, with
# the number of markers. Best of 2 runs each; the slices are one minute apart.
set -euo pipefail
build=${1:-build/plain}
gen=$build/bench/gen_md
bin=$(dirname "$build")/../bin
[ "$build" = build/plain ] && bin=bin
[ -x "$gen" ] || { echo "execalgo.sh: missing '$gen' (make $gen)" >&2; exit 1; }
mb=${LYRA_BENCH_EXECALGO_MB:-100}
work=$(mktemp -d "${TMPDIR:-/tmp}/lyra-bench-execalgo.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/lyra.db
f=$work/md.ndjson
"$gen" "$work/gen.ndjson" "$mb"
# gen_md writes BTC-USDT; the venues' unified symbols are BTC/USDT
sed 's|"symbol":"\([A-Z]*\)-\([A-Z]*\)"|"symbol":"\1/\2"|' "$work/gen.ndjson" > "$f"
rm "$work/gen.ndjson"
lines=$(wc -l < "$f")
cat "$f" > /dev/null

algo="twap --venue binance --symbol BTC/USDT --side buy --qty 5 --duration 10m --slices 10 --style aggressive --fresh --id bench"
now() { date +%s%N; }
best() {
	local b=0 t0 t1
	for _ in 1 2; do
		t0=$(now)
		bash -o pipefail -c "$1" || { echo "execalgo.sh: failed: $1" >&2; exit 1; }
		t1=$(now)
		if [ "$b" -eq 0 ] || [ $((t1 - t0)) -lt "$b" ]; then b=$((t1 - t0)); fi
	done
	echo "$b"
}
row() {   # NAME NS BASE_NS
	awk -v name="$1" -v n="$lines" -v l="$2" -v c="$3" 'BEGIN {
		lr = n / (l / 1e9); cr = n / (c / 1e9)
		printf "| %s (%d records) | %.2fM records/s | cat FILE \\| cat | %.2fM records/s | %.2fx | report |\n",
			name, n, lr / 1e6, cr / 1e6, lr / cr }'
}

t_cat=$(best "cat '$f' | cat > /dev/null")
t_algo=$(best "'$bin/execalgo' -q $algo '$f' | cat > /dev/null")
row "execalgo twap" "$t_algo" "$t_cat"
if [ -x "$bin/oms" ]; then
	t_oms=$(best "'$bin/execalgo' -q $algo '$f' | '$bin/oms' -q --venue paper > /dev/null")
	row "execalgo twap \\| oms --venue paper" "$t_oms" "$t_cat"
	mkfifo "$work/fb"
	t_fb=$(best "'$bin/execalgo' -q $algo --feedback '$work/fb' --metrics '$work/m.prom' '$f' | '$bin/oms' -q --venue paper | tee '$work/fb' > /dev/null")
	syncs=$(awk '/^lyra_execalgo_syncs_total/ { print $NF }' "$work/m.prom")
	row "execalgo twap --feedback FIFO \\| oms --venue paper \\| tee FIFO, $syncs sync markers" "$t_fb" "$t_cat"
fi
