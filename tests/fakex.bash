# fakex.bash: tests/fakeexchange.py for the trading tests (`load fakex` after `load helper`):
# key files, starting, restarting and stopping the fake, and its orders.

# fakex_setup SECRET BAD_SECRET [PASSPHRASE]: an isolated HOME and LYRA_DB, KEYS (the key the
# fake accepts) and BAD (a wrong secret) as key files, CLI (tests/tools/tradecli).
fakex_setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	export LYRA_DB="$BATS_TEST_TMPDIR/lyra.db"
	mkdir -p "$HOME"
	local pass=${3:+,\"passphrase\":\"$3\"}
	KEYS="$BATS_TEST_TMPDIR/keys.json"
	printf '{"key":"k-test-1","secret":"%s"%s}\n' "$1" "$pass" >"$KEYS"
	chmod 600 "$KEYS"
	BAD="$BATS_TEST_TMPDIR/bad.json"
	printf '{"key":"k-test-1","secret":"%s"%s}\n' "$2" "$pass" >"$BAD"
	chmod 600 "$BAD"
	CLI="$LYRA_BUILD/tools/tradecli"
	FAKE_PID=
}

# fakex_teardown: stop the fake if one runs.
fakex_teardown() {
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
	fi
}

# start VENUE [fakeexchange options...]: start the fake with the key file KEYS; sets URL and
# STATE (its state file).
start() {
	local venue=$1
	shift
	STATE="$BATS_TEST_TMPDIR/state.json"
	python3 "$LYRA_ROOT/tests/fakeexchange.py" --venue "$venue" --port-file "$BATS_TEST_TMPDIR/port" \
		--keys "$KEYS" --state "$STATE" "$@" 2>"$BATS_TEST_TMPDIR/fake.err" &
	FAKE_PID=$!
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/port" ] && break; sleep 0.1; done
	URL="http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port")"
}

# start_ws VENUE [fakeexchange options...]: start as above with the venue's user stream
# (tests/fakeuserstream.py) on a second port; sets WS_URL too (the venue's documented path).
start_ws() {
	local venue=$1 path=/
	rm -f "$BATS_TEST_TMPDIR/ws-port"
	start "$@" --ws-port-file "$BATS_TEST_TMPDIR/ws-port"
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/ws-port" ] && break; sleep 0.1; done
	case $venue in
	binance) path=/ws-api/v3 ;;
	okx) path=/ws/v5/private ;;
	esac
	WS_URL="ws://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/ws-port")$path"
}

# restart VENUE [fakeexchange options...]: stop the fake and start it again (fresh port).
restart() {
	kill "$FAKE_PID"
	wait "$FAKE_PID" 2>/dev/null || true
	rm -f "$BATS_TEST_TMPDIR/port"
	start "$@"
}

# fake_orders: the fake's orders as "id status filled" lines. Faults count placements that
# passed authentication (a CLOCK refusal is not one).
fake_orders() {
	t python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for o in d["orders"]: print(o["id"], o["status"], o["filled"])' "$STATE"
}
