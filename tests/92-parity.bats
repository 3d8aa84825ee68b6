#!/usr/bin/env bats
# Parity: backtest = paper. The same recorded session (two minutes of Kraken BTC/USDT trades from
# the bundled capture) runs through execalgo twap, the risk gate and the paper venue twice: as a
# backtest (replay --speed max) and as a real-time paper run paced at ten times real time
# (--speed 10). Everything runs on event time and execalgo learns its fills through the
# feedback FIFO in lockstep, so the orders, events and fills are identical byte for byte.

load helper

run_session() { # SPEED: the pipeline's output in out-SPEED, in a store of its own
	export LYRA_DB=$BATS_TEST_TMPDIR/$1.db
	t mdfeed -q record "$FIXTURES/mdfeed/capture.ndjson"
	mkfifo "$BATS_TEST_TMPDIR/fb-$1"
	pipeline "mdfeed replay --venue kraken --symbol BTC/USDT --type trade --from 2025-11-10T17:44 --to 2025-11-10T17:46 --speed $1 \
		| execalgo -q twap --venue kraken --symbol BTC/USDT --side buy --qty 0.005 --offset-bps -5 \
			--duration 2m --slices 4 --id parity --feedback '$BATS_TEST_TMPDIR/fb-$1' \
		| riskcheck | oms --venue paper | tee '$BATS_TEST_TMPDIR/fb-$1' > '$BATS_TEST_TMPDIR/out-$1'"
}

@test "a backtest at full speed and a paced paper run give identical orders and fills" {
	run_session max
	run_session 10
	cmp "$BATS_TEST_TMPDIR/out-max" "$BATS_TEST_TMPDIR/out-10"
	# and there is something to compare: child orders acked, fills, a report
	[ "$(grep -c '"status":"acked"' "$BATS_TEST_TMPDIR/out-max")" -ge 4 ]
	[ "$(grep -c '"type":"fill"' "$BATS_TEST_TMPDIR/out-max")" -ge 2 ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/max.db" 'SELECT id, status, filled_qty FROM orders ORDER BY id')" = \
	  "$(sqlite3 "$BATS_TEST_TMPDIR/10.db" 'SELECT id, status, filled_qty FROM orders ORDER BY id')" ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/max.db" 'SELECT trade_id, px, qty, fee FROM order_fills ORDER BY trade_id')" = \
	  "$(sqlite3 "$BATS_TEST_TMPDIR/10.db" 'SELECT trade_id, px, qty, fee FROM order_fills ORDER BY trade_id')" ]
}
