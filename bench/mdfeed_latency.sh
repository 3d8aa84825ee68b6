#!/usr/bin/env bash
# bench/mdfeed_latency.sh BUILD: message-to-record latency through the whole `mdfeed watch` path
# (bench/mdfeed_latency.py): a fake Coinbase level2 venue on 127.0.0.1 sends a 1,000-level
# snapshot then LYRA_BENCH_LATENCY_MSGS (default 20,000) one-change l2updates at
# LYRA_BENCH_LATENCY_RATE per second (default 4,000), each stamped with its send time in the
# venue's "time" field; each book_delta record is timed when the bench reads it from mdfeed's
# stdout. Reported: p50 and p99 of record read minus send time, beside the part of it spent
# before mdfeed's book rules (recv_ts minus send time). No baseline program: the second column
# is the share of the same latency spent in the kernel and the WebSocket read. The run fails if a
# record is missing or a gap or resync appears.
set -euo pipefail
build=${1:-build/plain}
cd "$(dirname "$0")/.."
bin=$build/bin
[ "$build" = build/plain ] && bin=bin
[ -x "$bin/mdfeed" ] || { echo "mdfeed_latency.sh: missing '$bin/mdfeed'" >&2; exit 1; }
n=${LYRA_BENCH_LATENCY_MSGS:-20000}
rate=${LYRA_BENCH_LATENCY_RATE:-4000}
out=$(python3 bench/mdfeed_latency.py "$bin/mdfeed" "$n" "$rate" 2>/dev/null)
p50=$(sed -n 's/.*message-to-record p50 \([0-9]*\) us.*/\1/p' <<<"$out")
p99=$(sed -n 's/.*message-to-record p50 [0-9]* us, p99 \([0-9]*\) us.*/\1/p' <<<"$out")
r50=$(sed -n 's/.*recv_ts p50 \([0-9]*\) us.*/\1/p' <<<"$out")
r99=$(sed -n 's/.*recv_ts p50 [0-9]* us, p99 \([0-9]*\) us.*/\1/p' <<<"$out")
[ -n "$p50" ] && [ -n "$p99" ] || { echo "mdfeed_latency.sh: $out" >&2; exit 1; }
printf '| mdfeed watch message-to-record latency, %s msgs at %s/s | p50 %s us, p99 %s us | of which socket to recv_ts | p50 %s us, p99 %s us | - | - |\n' \
	"$n" "$rate" "$p50" "$p99" "$r50" "$r99"
