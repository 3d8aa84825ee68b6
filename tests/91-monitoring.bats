#!/usr/bin/env bats
# examples/monitoring: prometheus.yml and alerts.yml are valid YAML with the shape Prometheus
# wants, the Grafana dashboards are valid JSON models, and every lyra_* metric a rule or a panel
# queries is one the programs really write (collected by running them with --metrics).

load helper

MON=$LYRA_ROOT/examples/monitoring

# Every metric name the programs write, one a line, into $BATS_TEST_TMPDIR/written.
collect_written() {
	local d=$BATS_TEST_TMPDIR/prom
	mkdir -p "$d"
	# mdfeed: ingest a real capture with one corrupted checksum and the snapshot that follows a
	# reconnect (a gap, then a resync; tests/21-mdfeed-ingest.bats), record it twice with a bad
	# line (duplicates, rejected), replay it
	local ws=$FIXTURES/ws/KRAKEN.ws.50.0 pair
	awk '/"c":"/ && ++n == 100 { sub(/"c":"[0-9]*"/, "\"c\":\"12345\"") } { print }' "$ws" > "$BATS_TEST_TMPDIR/in"
	pair=$(grep '"c":"' "$ws" | sed -n 100p | grep -o '"[A-Z]*/[A-Z]*"]$' | tr -d '"]')
	{ echo "wss://ws.kraken.com <-> 1618678200.0"
	  grep -F "\"book-1000\",\"$pair\"]" "$ws" | grep -F '"as":' | head -1; } >> "$BATS_TEST_TMPDIR/in"
	mdfeed ingest kraken "$BATS_TEST_TMPDIR/in" --metrics "$d/md_ingest.prom" 2>/dev/null > "$BATS_TEST_TMPDIR/md.ndjson"
	mdfeed record -q --metrics "$d/md_record1.prom" "$BATS_TEST_TMPDIR/md.ndjson"
	echo 'not json' >> "$BATS_TEST_TMPDIR/md.ndjson"
	mdfeed record -q --metrics "$d/md_record.prom" "$BATS_TEST_TMPDIR/md.ndjson" 2>/dev/null || true
	mdfeed replay --type trade --metrics "$d/md_replay.prom" > /dev/null
	# riskcheck: a losing round trip trips daily_loss; status for cron
	riskcheck limits set -q daily_loss 100
	{
		echo '{"type":"fill","ts":1,"id":"x","venue":"paper","symbol":"BTC/USDT","side":"buy","px":"100","qty":"10","fee":"0","fee_ccy":"USDT","liquidity":"maker","trade_id":"1"}'
		echo '{"type":"fill","ts":2,"id":"y","venue":"paper","symbol":"BTC/USDT","side":"sell","px":"89.99","qty":"10","fee":"0","fee_ccy":"USDT","liquidity":"maker","trade_id":"2"}'
		echo '{"type":"order","ts":3,"id":"a","venue":"paper","symbol":"BTC/USDT","side":"buy","kind":"limit","px":"90","qty":"1"}'
	} | riskcheck check --metrics "$d/risk.prom" > /dev/null 2>&1
	riskcheck status --metrics "$d/risk_status.prom" > /dev/null
	riskcheck resume -q
	# oms and execalgo on the paper venue with the bundled market data
	{ cat "$FIXTURES/oms/market.ndjson"
	  echo '{"type":"order","ts":1700000000000000,"id":"m1","venue":"paper","symbol":"BTC/USDT","side":"buy","kind":"market","qty":"0.01"}'
	} > "$BATS_TEST_TMPDIR/oms.ndjson"
	oms --venue paper -q --metrics "$d/oms.prom" "$BATS_TEST_TMPDIR/oms.ndjson" > /dev/null
	execalgo twap --venue paper --symbol BTC/USDT --side buy --qty 1 --duration 10m --id mon \
		--metrics "$d/execalgo.prom" "$FIXTURES/oms/market.ndjson" > /dev/null 2>&1 || true
	arbscan cross --metrics "$d/arbscan.prom" < /dev/null > /dev/null
	# the chores cron runs: audit verify, backup create and verify, auth key list
	audit verify -q --metrics "$d/audit.prom"
	backup create -q --dest "$BATS_TEST_TMPDIR/backups" --metrics "$d/backup.prom"
	backup verify -q --dest "$BATS_TEST_TMPDIR/backups" --metrics "$d/backup_verify.prom"
	printf 'a-long-master-secret-for-tests\n' > "$BATS_TEST_TMPDIR/master"
	chmod 600 "$BATS_TEST_TMPDIR/master"
	printf 'AKBINANCE0001\nbinance-api-secret-1\n' | LYRA_MASTER_KEY_FILE=$BATS_TEST_TMPDIR/master auth key add binance -q
	auth key list --metrics "$d/auth.prom" > /dev/null
	# sample lines only: NAME{prog="..."...} VALUE; every file must say which program wrote it
	grep -hv '^#' "$d"/*.prom > "$BATS_TEST_TMPDIR/samples"
	if grep -v '^lyra_[a-z0-9_]*{prog="[a-z]*"' "$BATS_TEST_TMPDIR/samples"; then
		echo "a sample without the lyra_ prefix or the prog label" >&2
		return 1
	fi
	sed 's/{.*//' "$BATS_TEST_TMPDIR/samples" | sort -u > "$BATS_TEST_TMPDIR/written"
}

# Every lyra_* name used in the examples, without _bucket/_sum/_count, one a line.
collect_used() {
	{
		python3 -c 'import json, sys
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "expr": print(v)
            else: walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
for f in sys.argv[1:]: walk(json.load(open(f)))' "$MON"/grafana/*.json
		grep -h '^ *expr:' "$MON/alerts.yml"
	} | grep -o 'lyra_[a-z0-9_]*' | sed -E 's/_(bucket|sum|count)$//' | sort -u
}

@test "prometheus.yml and alerts.yml are valid YAML of the shape Prometheus wants" {
	python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed (tests/deps.sh installs it)"
	run python3 - "$MON/prometheus.yml" "$MON/alerts.yml" <<'PY'
import sys, yaml
prom = yaml.safe_load(open(sys.argv[1]))
assert prom["rule_files"] == ["alerts.yml"], prom.get("rule_files")
jobs = prom["scrape_configs"]
assert any(t.endswith(":9100") for j in jobs for s in j["static_configs"] for t in s["targets"]), "no node_exporter target"
rules = yaml.safe_load(open(sys.argv[2]))
names = []
for g in rules["groups"]:
    assert g["name"] and g["rules"], g
    for r in g["rules"]:
        assert set(r) == {"alert", "expr", "for", "labels", "annotations"}, r
        assert r["labels"]["severity"] in ("critical", "warning"), r
        assert r["annotations"]["summary"] and r["annotations"]["description"], r
        assert r["expr"].count("(") == r["expr"].count(")"), r["expr"]
        names.append(r["alert"])
assert len(names) == len(set(names)), "duplicate alert names"
print("\n".join(names))
PY
	assert_success
	for a in LyraMarketDataStale LyraMarketDataGaps LyraMarketDataResyncs LyraBreakerTripped \
		LyraKillSwitchOn LyraDailyLossNearLimit LyraBackupTooOld LyraBackupVerifyFailed \
		LyraAuditVerifyFailed LyraKeyRotationDue; do
		assert_line "$a"
	done
}

@test "the Grafana dashboards are JSON models whose panels all query something" {
	for d in trading risk operations; do
		run jq -e '(.uid | length > 0) and (.title | length > 0) and (.panels | length > 0)
			and all(.panels[]; (.targets | length > 0) and all(.targets[]; .expr | test("lyra_")))' \
			"$MON/grafana/$d.json"
		[ "$status" -eq 0 ] || fail "$d.json: $output"
	done
}

@test "every metric a rule or a dashboard queries is one lyra writes" {
	collect_written
	# the programs really write the names this suite added for monitoring
	for m in lyra_riskcheck_state lyra_riskcheck_breaker_trips_total lyra_riskcheck_daily_loss \
		lyra_riskcheck_daily_loss_limit lyra_auth_key_rotation_due_timestamp_seconds \
		lyra_mdfeed_last_record_timestamp_seconds lyra_backup_verify_ok lyra_audit_verify_ok; do
		grep -qx "$m" "$BATS_TEST_TMPDIR/written" || fail "$m not written"
	done
	collect_used > "$BATS_TEST_TMPDIR/used"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/used")" -ge 20 ]
	run comm -23 "$BATS_TEST_TMPDIR/used" "$BATS_TEST_TMPDIR/written"
	assert_success
	[ -z "$output" ] || fail "used but never written: $output"
}

@test "the name check fails on a name lyra does not write" {
	collect_written
	! grep -qx lyra_riskcheck_halted "$BATS_TEST_TMPDIR/written"
	cp -r "$MON" "$BATS_TEST_TMPDIR/mon"
	sed -i 's/lyra_riskcheck_state{state="HALTED"}/lyra_riskcheck_halted/' "$BATS_TEST_TMPDIR/mon/alerts.yml"
	MON=$BATS_TEST_TMPDIR/mon collect_used > "$BATS_TEST_TMPDIR/used"
	run comm -23 "$BATS_TEST_TMPDIR/used" "$BATS_TEST_TMPDIR/written"
	assert_output lyra_riskcheck_halted
}
