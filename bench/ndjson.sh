#!/usr/bin/env bash
# bench/ndjson.sh BUILD: the record stream on one generated market-data file (LYRA_BENCH_MB,
# default 1000 MB, ~150-byte book_delta/bbo/trade lines). Two rows, measured back to back:
#   forward (peek the type, write the original bytes) against `cat FILE | cat`;
#   consume (exact parse, compact re-encode) against `jq -c .`.
# Every command writes through a pipe to /dev/null. Best of 3 for the fast commands, one run
# each for consume and jq.
set -euo pipefail
build=${1:-build/plain}
stage=$build/bench/ndjson
gen=$build/bench/gen_md
for b in "$stage" "$gen"; do
	[ -x "$b" ] || { echo "ndjson.sh: missing '$b' (make $b)" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "ndjson.sh: jq not found" >&2; exit 1; }
mb=${LYRA_BENCH_MB:-1000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/lyra-bench-ndjson.XXXXXX")
trap 'rm -rf "$dir"' EXIT
f=$dir/md.ndjson
"$gen" "$f" "$mb"
bytes=$(stat -c %s "$f")
lines=$(wc -l < "$f")
cat "$f" > /dev/null    # warm the page cache

now() { date +%s%N; }

# run_best N CMD...: best wall time in ns of N runs of a pipeline given as a bash string
run_best() {
	local n=$1 cmd=$2 best=0 t0 t1 d
	for ((i = 0; i < n; i++)); do
		t0=$(now)
		bash -o pipefail -c "$cmd" || { echo "ndjson.sh: failed: $cmd" >&2; exit 1; }
		t1=$(now)
		d=$((t1 - t0))
		if ((best == 0 || d < best)); then best=$d; fi
	done
	echo "$best"
}

# rate NS: "X MB/s, Y lines/s"
rate() {
	awk -v b="$bytes" -v l="$lines" -v ns="$1" 'BEGIN {
		s = ns / 1e9; mbs = b / 1e6 / s; ls = l / s
		if (ls >= 1e6) lr = sprintf("%.2fM", ls / 1e6); else lr = sprintf("%.0fk", ls / 1e3)
		printf "%.0f MB/s, %s lines/s", mbs, lr }'
}

t_cat=$(run_best 3 "cat '$f' | cat > /dev/null")
t_fwd=$(run_best 3 "'$stage' forward < '$f' | cat > /dev/null")
t_con=$(run_best 1 "'$stage' consume < '$f' | cat > /dev/null")
t_jq=$(run_best 1 "jq -c . < '$f' | cat > /dev/null")

pct=$(awk -v a="$t_fwd" -v b="$t_cat" 'BEGIN { printf "%.0f%%", 100 * b / a }')
ratio=$(awk -v a="$t_con" -v b="$t_jq" 'BEGIN { printf "%.1fx", b / a }')
echo "| ndjson forward (pass-through, ${mb} MB) | $(rate "$t_fwd") | cat FILE \\| cat | $(rate "$t_cat") | $pct of cat\\|cat | >= 30% |"
echo "| ndjson consume (parse+emit, ${mb} MB) | $(rate "$t_con") | jq -c . | $(rate "$t_jq") | $ratio | >= 3x |"
