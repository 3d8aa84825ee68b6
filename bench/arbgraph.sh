#!/usr/bin/env bash
# bench/arbgraph.sh BUILD: `arbscan triangle`'s graph search (lib/arbgraph.c) on a seeded graph
# of 1,000 currencies and 10,000 directed edges, once with no profitable cycle and once with
# three planted mispricings: the full scan (SPFA) against networkx.negative_edge_cycle on the
# same edge list in the same run, and the per-update re-evaluation (one market's two edges, all
# cycles of up to 4 legs through them). Both must agree on whether a cycle exists.
# On a shared machine wall times wander; instruction counts do not:
#   valgrind --tool=callgrind build/plain/bench/arbgraph none 42 /tmp/edges 100
# runs exactly 100 scans and 100 updates (callgrind_annotate gives the count per function).
set -euo pipefail
build=${1:-build/plain}
here=$(dirname "$0")
bin=$build/bench/arbgraph
[ -x "$bin" ] || { echo "arbgraph.sh: missing '$bin' (make $bin)" >&2; exit 1; }
py=$(command -v python3 || true)
"$py" -c 'import networkx' 2>/dev/null || { echo "arbgraph.sh: python3-networkx not installed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
field() { sed -n "s/.*$1 \([0-9.]*\).*/\1/p"; }
for mode in none planted; do
	l=$("$bin" "$mode" 42 "$tmp/edges")
	b=$("$py" "$here/arbgraph_ref.py" "$tmp/edges")
	lf=$(field full_us <<<"$l"); lu=$(field update_us <<<"$l"); bf=$(field full_us <<<"$b")
	[ "$(field found <<<"$l")" = "$(field found <<<"$b")" ] ||
		{ echo "arbgraph.sh: lyra and networkx disagree on '$mode'" >&2; exit 1; }
	awk -v m="$mode" -v lf="$lf" -v bf="$bf" 'BEGIN {
		printf "| triangle full scan, 1k nodes 10k edges, %s | %.0f us | networkx negative_edge_cycle | %.0f us | %.0fx | >= 10000x, < 100 us |\n",
			m == "none" ? "no cycle" : "3 planted", lf, bf, bf / lf }'
	[ "$mode" = planted ] || awk -v lu="$lu" 'BEGIN {
		printf "| triangle one-update re-evaluation (2 edges, <= 4 legs) | %.2f us | - | - | - | < 10 us |\n", lu }'
done
