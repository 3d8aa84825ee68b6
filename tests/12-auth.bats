#!/usr/bin/env bats
# auth(1): local mode and init, logins and lockout, tokens (expiry, refresh rotation, reuse,
# revocation, alg:none and tampering), the roles x permissions table against audit's commands,
# second factors, service tokens, the API key vault and its rotation, and that no secret shows
# up in the store file, in ps, or on stdout/stderr.

load helper

ADMIN_PW='Correct-Horse-42'
sql() { sqlite3 -bail "$LYRA_DB" "$@"; }
count() { sql "SELECT count(*) FROM audit WHERE action = '$1'"; }
token_of() { jq -r .access_token "$XDG_CONFIG_HOME/lyra/token"; }

# totp SECRET [STEP_OFFSET]: the current RFC 6238 code (python3, standard library; the secret
# goes through stdin, never argv).
totp() {
	printf '%s\n' "$1" | python3 -c '
import base64, hashlib, hmac, struct, sys, time
s = sys.stdin.readline().strip()
k = base64.b32decode(s + "=" * (-len(s) % 8))
c = int(time.time()) // 30 + int(sys.argv[1])
h = hmac.new(k, struct.pack(">Q", c), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))' "${2:-0}"
}

# b64url TEXT: base64url without padding.
b64url() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }

init_store() {
	run t bash -c "printf '%s\n' '$ADMIN_PW' | auth init --user alice"
	assert_success
}

login() { # login USER PASSWORD
	run t bash -c "printf '%s\n' '$2' | auth login --user '$1'"
	assert_success
}

@test "local mode: the OS user is super_admin until init" {
	run t auth whoami
	assert_success
	assert_output "$(id -un) super_admin local"
	run t auth check audit.archive
	assert_success
	run t auth check no.such.thing
	[ "$status" -eq 64 ]
	run t auth login --user alice <<<"$ADMIN_PW"
	[ "$status" -eq 78 ]
	assert_output --partial "run 'auth init' first"
}

@test "init: password policy, enforcement on, audited, runs once" {
	run t bash -c "echo short-pass | auth init --user alice"
	[ "$status" -eq 65 ]
	assert_output "auth: password refused: shorter than 12 characters"
	run t bash -c "echo password1234 | auth init --user alice"
	[ "$status" -eq 65 ]
	assert_output --partial "common passwords"
	run t bash -c "echo alice | auth init --user alice"
	[ "$status" -eq 65 ]
	run t bash -c "echo AliceAliceAl | auth init --user alicealiceal"
	[ "$status" -eq 65 ]
	assert_output --partial "user name"
	[ "$(sql 'SELECT count(*) FROM users')" -eq 0 ]
	init_store
	[ "$(sql "SELECT value FROM meta WHERE key = 'auth.enforce'")" = 1 ]
	[ "$(count auth.init)" -eq 1 ]
	[ "$(stat -c %a "$XDG_CONFIG_HOME/lyra/local.key")" = 600 ]
	run t bash -c "printf '%s\n' '$ADMIN_PW' | auth init --user bob"
	[ "$status" -eq 64 ]
	run t auth whoami
	[ "$status" -eq 77 ]
	assert_output "auth: not logged in: run 'auth login' (or set LYRA_TOKEN)"
	run t audit verify
	[ "$status" -eq 77 ]
}

@test "login writes a 0600 token file; whoami, logout" {
	init_store
	login alice "$ADMIN_PW"
	[ "$(stat -c %a "$XDG_CONFIG_HOME/lyra/token")" = 600 ]
	[ "$(stat -c %a "$XDG_CONFIG_HOME/lyra")" = 700 ]
	jq -e '.type == "lyra_token" and .user == "alice" and (.access_token | split(".") | length) == 3' \
		"$XDG_CONFIG_HOME/lyra/token"
	run t auth whoami
	assert_success
	assert_output "alice super_admin"
	[ "$(count auth.login)" -eq 1 ]
	[ "$(sql "SELECT actor FROM audit WHERE action = 'auth.login'")" = alice ]
	chmod 644 "$XDG_CONFIG_HOME/lyra/token"
	run t auth whoami
	[ "$status" -eq 77 ]
	assert_output --partial "open to other users"
	chmod 600 "$XDG_CONFIG_HOME/lyra/token"
	run t auth logout
	assert_success
	[ ! -e "$XDG_CONFIG_HOME/lyra/token" ]
	[ "$(count auth.logout)" -eq 1 ]
	run t auth whoami
	[ "$status" -eq 77 ]
}

@test "wrong password and unknown user: the same refusal, audited" {
	init_store
	run t bash -c "echo 'Wrong-Password-1' | auth login --user alice"
	[ "$status" -eq 77 ]
	assert_output "auth: login failed: wrong user name or password"
	run t bash -c "echo 'Wrong-Password-1' | auth login --user mallory"
	[ "$status" -eq 77 ]
	assert_output "auth: login failed: wrong user name or password"
	[ "$(count auth.login.fail)" -eq 2 ]
	[ "$(sql "SELECT details FROM audit WHERE action = 'auth.login.fail' AND object = 'user:mallory'")" = \
		'{"failures":0,"reason":"unknown user"}' ]
}

@test "lockout: 5 failures lock the account for 30 minutes" {
	init_store
	for i in 1 2 3 4 5; do
		run t bash -c "echo 'Wrong-Password-$i' | auth login --user alice"
		[ "$status" -eq 77 ]
	done
	[ "$(count auth.lockout)" -eq 1 ]
	run t bash -c "printf '%s\n' '$ADMIN_PW' | auth login --user alice"
	[ "$status" -eq 77 ]
	assert_output --regexp "^auth: login failed: account 'alice' is locked until [0-9T:-]+Z after 5 failed logins$"
	local until now
	until=$(sql "SELECT locked_until FROM users WHERE name = 'alice'")
	now=$(( $(date +%s%N) / 1000 ))
	[ $((until - now)) -gt $((29 * 60 * 1000000)) ]
	[ $((until - now)) -le $((30 * 60 * 1000000)) ]
	# 30 minutes later (the store is backdated instead of waiting)
	sql "UPDATE users SET locked_until = $((now - 1)) WHERE name = 'alice'"
	login alice "$ADMIN_PW"
	run t auth whoami
	assert_output "alice super_admin"
}

@test "a hash with old parameters is redone at the next login" {
	init_store
	local salt=00112233445566778899aabbccddeeff hash
	hash=$(printf '%s\n' "$ADMIN_PW" | python3 -c "import hashlib, sys
print(hashlib.pbkdf2_hmac('sha256', sys.stdin.readline().rstrip('\n').encode(), bytes.fromhex('$salt'), 1000).hex())")
	# the build's count (600,000; fewer in the ASan test build: lib/auth.h)
	local iter
	iter=$(sql "SELECT pw_iter FROM users WHERE name = 'alice'")
	case $LYRA_BUILD in *san*) [ "$iter" -ge 10000 ] ;; *) [ "$iter" -eq 600000 ] ;; esac
	sql "UPDATE users SET pw_iter = 1000, pw_salt = x'$salt', pw_hash = x'$hash' WHERE name = 'alice'"
	login alice "$ADMIN_PW"
	[ "$(sql "SELECT pw_iter FROM users WHERE name = 'alice'")" -eq "$iter" ]
	[ "$(sql "SELECT hex(pw_salt) FROM users WHERE name = 'alice'")" != "${salt^^}" ]
	[ "$(sql "SELECT json_extract(details, '$.rehashed') FROM audit WHERE action = 'auth.login'")" -eq 1 ]
	run t auth logout
	login alice "$ADMIN_PW"
}

@test "a store switched on by hand, without init, fails closed" {
	sql "INSERT INTO meta(key, value) VALUES ('auth.enforce', '1')" 2>/dev/null || {
		t auth whoami >/dev/null
		sql "INSERT INTO meta(key, value) VALUES ('auth.enforce', '1')"
	}
	run t auth whoami
	[ "$status" -eq 77 ]
	LYRA_TOKEN=x.y.z run t audit log
	[ "$status" -eq 77 ]
	assert_output --partial "no token signing key"
}

@test "refresh rotates tokens; a spent refresh token ends the session" {
	init_store
	login alice "$ADMIN_PW"
	cp "$XDG_CONFIG_HOME/lyra/token" "$BATS_TEST_TMPDIR/old"
	run t auth refresh
	assert_success
	[ "$(jq -r .refresh_token "$XDG_CONFIG_HOME/lyra/token")" != "$(jq -r .refresh_token "$BATS_TEST_TMPDIR/old")" ]
	[ "$(jq -r .session "$XDG_CONFIG_HOME/lyra/token")" = "$(jq -r .session "$BATS_TEST_TMPDIR/old")" ]
	run t auth whoami
	assert_success
	cp "$XDG_CONFIG_HOME/lyra/token" "$BATS_TEST_TMPDIR/new"
	cp "$BATS_TEST_TMPDIR/old" "$XDG_CONFIG_HOME/lyra/token"
	run t auth refresh
	[ "$status" -eq 77 ]
	assert_output --partial "that refresh token was used already; the session is ended"
	cp "$BATS_TEST_TMPDIR/new" "$XDG_CONFIG_HOME/lyra/token"
	run t auth whoami
	[ "$status" -eq 77 ]
	run t auth refresh
	[ "$status" -eq 77 ]
	[ "$(count auth.refresh.reuse)" -eq 1 ]
}

@test "a session ends after 60 minutes idle" {
	init_store
	login alice "$ADMIN_PW"
	sql "UPDATE sessions SET last_seen = last_seen - 61 * 60 * 1000000"
	run t auth whoami
	[ "$status" -eq 77 ] || fail "status $status: $output"
	assert_output --partial "60 minutes idle"
	run t auth refresh
	[ "$status" -eq 77 ]
}

@test "tokens: alg none, other algorithms, tampering, garbage and expiry are refused" {
	init_store
	login alice "$ADMIN_PW"
	local tok h p s
	tok=$(token_of)
	IFS=. read -r h p s <<<"$tok"
	LYRA_TOKEN=$tok run t auth whoami
	assert_success
	LYRA_TOKEN="$(b64url '{"alg":"none","typ":"JWT"}').$p." run t auth whoami
	[ "$status" -eq 77 ]
	assert_output "auth: token algorithm 'none' is not accepted (only HS256)"
	LYRA_TOKEN="$(b64url '{"alg":"HS512","typ":"JWT"}').$p.$s" run t auth whoami
	[ "$status" -eq 77 ]
	assert_output --partial "'HS512' is not accepted"
	local forged
	forged=$(printf '%s' "$p" | tr '_-' '/+' | base64 -d 2>/dev/null | jq -c '.sub = "mallory"')
	LYRA_TOKEN="$h.$(b64url "$forged").$s" run t auth whoami
	[ "$status" -eq 77 ]
	assert_output "auth: token signature does not match"
	LYRA_TOKEN="$h.$p.${s:0:10}x${s:11}" run t auth whoami
	[ "$status" -eq 77 ]
	LYRA_TOKEN="garbage" run t auth whoami
	[ "$status" -eq 77 ]
	assert_output "auth: malformed token"
	run --separate-stderr t auth token issue --name short --role viewer --ttl 1s
	assert_success
	local short=$output
	sleep 2
	LYRA_TOKEN=$short run t auth whoami
	[ "$status" -eq 77 ]
	assert_output "auth: token expired"
	[ "$(count auth.token.refused)" -ge 6 ]
}

@test "service tokens: issue, use (audited), list, revoke" {
	init_store
	login alice "$ADMIN_PW"
	run --separate-stderr t auth token issue --name nightly --role auditor --ttl 7d
	assert_success
	local tok=$output
	[ "$(count auth.token.issue)" -eq 1 ]
	LYRA_TOKEN=$tok run t auth whoami
	assert_output "token:nightly auditor"
	LYRA_TOKEN=$tok run t audit verify -q
	assert_success
	[ "$(count auth.token.use)" -eq 2 ]
	run t auth token list --format csv
	assert_line --index 1 --regexp '^nightly,auditor,live,.*,2,.*,alice'
	run t auth token issue --name out --role viewer --out "$BATS_TEST_TMPDIR/tok"
	assert_success
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/tok")" = 600 ]
	run t auth token revoke nightly
	assert_success
	LYRA_TOKEN=$tok run t audit verify -q
	[ "$status" -eq 77 ]
	assert_output --partial "the session was ended"
	[ "$(count auth.token.revoke)" -eq 1 ]
}

@test "users: roles, super admin rules, lock, passwd" {
	init_store
	login alice "$ADMIN_PW"
	run t bash -c "echo 'Bobs-Password-77' | auth user add bob --role admin"
	assert_success
	run t bash -c "echo 'Tinas-Password-7' | auth user add tina --role trader"
	assert_success
	run t auth user add x --role god
	[ "$status" -eq 64 ]
	login bob 'Bobs-Password-77'
	run t bash -c "echo 'Eves-Password-77' | auth user add eve --role super_admin"
	[ "$status" -eq 77 ]
	run t auth user role alice viewer
	[ "$status" -eq 77 ]
	run t auth user role tina analyst
	assert_success
	[ "$(sql "SELECT details FROM audit WHERE action = 'auth.user.role'")" = '{"from":"trader","to":"analyst"}' ]
	run t auth user list --format csv
	assert_line --index 3 --regexp '^tina,analyst,-,active,'
	run t auth user lock tina
	assert_success
	run t bash -c "echo 'Tinas-Password-7' | auth login --user tina"
	[ "$status" -eq 77 ]
	assert_output --partial "locked by an administrator"
	run t auth user unlock tina
	assert_success
	login tina 'Tinas-Password-7'
	run t bash -c "echo 'Hack-Password-77' | auth user add mallory --role viewer"
	[ "$status" -eq 77 ]
	assert_output "auth: permission denied: tina (analyst) may not auth.admin"
	run t bash -c "printf 'Tinas-Password-7\nTinas-New-Pass-8\n' | auth user passwd"
	assert_success
	run t auth whoami
	[ "$status" -eq 77 ]   # a password change ends the user's sessions
	login tina 'Tinas-New-Pass-8'
	login alice "$ADMIN_PW"
	run t auth user del alice
	[ "$status" -eq 64 ]
	assert_output --partial "last super admin"
	run t auth user del tina
	assert_success
	[ "$(count auth.user.del)" -eq 1 ]
}

# The table-driven role test: every role against every program's commands. Allowed exits 0; denied
# exits 77 and leaves an auth.deny entry naming the user and the permission. Later programs add
# their rows to CMDS.
@test "roles x permissions: every program's commands for all six roles" {
	init_store
	login alice "$ADMIN_PW"
	local roles=(super_admin admin trader analyst auditor viewer)
	declare -A tok
	for r in "${roles[@]}"; do
		if [ "$r" != super_admin ]; then
			run t bash -c "echo 'Pass-for-$r-123' | auth user add u_$r --role $r"
			assert_success
		fi
	done
	for r in "${roles[@]}"; do
		local u=u_$r pw="Pass-for-$r-123"
		[ "$r" = super_admin ] && u=alice pw=$ADMIN_PW
		login "$u" "$pw"
		tok[$r]=$(token_of)
	done
	local CMDS=(
		"audit.verify|audit verify -q"
		"audit.read|audit log --limit 1"
		"audit.read|audit tail -n 1"
		"audit.read|audit anchor"
		"audit.export|audit export --from 1970-01-01 --to 2100-01-01 --out $BATS_TEST_TMPDIR/OUT.csv --format csv"
		"audit.archive|audit archive --before 2000-01-01 --out $BATS_TEST_TMPDIR/OUT.ndjson"
		"backup.create|backup create --dest $BATS_TEST_TMPDIR/bk"
		"backup.read|backup list --dest $BATS_TEST_TMPDIR/bk"
		"backup.read|backup verify --all --dest $BATS_TEST_TMPDIR/bk"
		"backup.restore|backup restore --at 2100-01-01 --to $BATS_TEST_TMPDIR/OUT.db --dest $BATS_TEST_TMPDIR/bk"
		"backup.create|backup prune --keep-last 10 --dest $BATS_TEST_TMPDIR/bk"
		"market.record|mdfeed record $FIXTURES/mdfeed/capture.ndjson"
		"market.read|mdfeed replay --venue kraken --type candle"
		"position.record|positions $FIXTURES/positions/fills-2025-26.ndjson"
		"position.read|positions show"
		"pnl.read|positions pnl"
		"position.record|positions import $FIXTURES/positions/fills-2025-26.ndjson --format ndjson"
		"tax.report|positions tax --fy 2025-26 --rates $FIXTURES/positions/rates.csv"
		"risk.read|riskcheck status"
		"risk.read|riskcheck limits show"
		"risk.read|riskcheck check /dev/null"
		"risk.admin|riskcheck limits set max_order_qty 5"
		"risk.halt|riskcheck halt --reason drill"
		"risk.admin|riskcheck resume"
		"risk.size|riskcheck size --method vol-target --equity 100 --target-vol 1 --vol 2"
		"market.read|mdfeed ingest okx $FIXTURES/ws/OKX.ws.1.0"
		"order.submit|oms --venue paper $FIXTURES/oms/market.ndjson"
		"order.read|oms list"
		"order.cancel|oms cancel-all --venue paper"
		"order.recover|oms recover --venue paper"
		"algo.run|execalgo twap --venue binance --symbol BTC/USDT --side buy --qty 1 --duration 10m --id authp-OUT $FIXTURES/oms/market.ndjson"
		"algo.read|execalgo list"
	)
	local n=0
	for r in "${roles[@]}"; do
		local u=u_$r
		[ "$r" = super_admin ] && u=alice
		for row in "${CMDS[@]}"; do
			local perm=${row%%|*} cmd=${row#*|}
			cmd=${cmd//OUT/$r-$n}
			n=$((n + 1))
			local want
			want=$(auth perms --format csv | tr -d '\r' | awk -F, -v p="$perm" -v c="$(( $(printf '%s\n' "${roles[@]}" | grep -nx "$r" | cut -d: -f1) + 1 ))" '$1 == p { print $c }')
			local before
			before=$(sql "SELECT count(*) FROM audit WHERE action = 'auth.deny' AND actor = '$u' AND object = '$perm'")
			LYRA_TOKEN=${tok[$r]} run t $cmd
			if [ "$want" = x ]; then
				[ "$status" -eq 0 ] || fail "$r: '$cmd' exited $status: $output"
			else
				[ "$status" -eq 77 ] || fail "$r: '$cmd' should be denied, exited $status"
				[[ "$output" == *"permission denied: $u ($r) may not $perm"* ]] || fail "$r: '$output'"
				[ "$(sql "SELECT count(*) FROM audit WHERE action = 'auth.deny' AND actor = '$u' AND object = '$perm'")" -eq $((before + 1)) ] \
					|| fail "$r: denial of '$cmd' not audited"
			fi
		done
	done
	# the matrix itself, as documented: who may do what with the audit log
	[ "$(auth perms --format csv | tr -d '\r' | grep '^audit\.' | cut -d, -f1-7 | tr '\n' ' ')" = \
		"audit.read,x,x,-,-,x,- audit.verify,x,x,-,-,x,- audit.export,x,x,-,-,x,- audit.archive,x,x,-,-,-,- " ]
	LYRA_TOKEN=${tok[super_admin]} run t audit verify -q
	assert_success
}

@test "check: 0 allowed, 77 denied (audited), 64 unknown" {
	init_store
	run t bash -c "echo 'Viewer-Pass-123' | LYRA_TOKEN= auth user add v --role viewer"
	[ "$status" -eq 77 ]   # not logged in
	login alice "$ADMIN_PW"
	run t bash -c "echo 'Viewer-Pass-123' | auth user add v --role viewer"
	assert_success
	run t auth check key.admin
	assert_success
	login v 'Viewer-Pass-123'
	run t auth check market.read
	assert_success
	run t auth check order.submit
	[ "$status" -eq 77 ]
	assert_output "auth: permission denied: v (viewer) may not order.submit"
	[ "$(sql "SELECT count(*) FROM audit WHERE action = 'auth.deny' AND actor = 'v'")" -eq 1 ]
	run t auth check order.submitt
	[ "$status" -eq 64 ]
}

@test "mfa: enroll, confirm, codes once, recovery codes once, disable" {
	init_store
	login alice "$ADMIN_PW"
	run --separate-stderr t auth mfa enroll
	assert_success
	local secret uri
	secret=$(sed -n 's/^secret: //p' <<<"$output")
	uri=$(sed -n 's/^uri: //p' <<<"$output")
	[[ "$secret" =~ ^[A-Z2-7]{32}$ ]]
	[ "$uri" = "otpauth://totp/lyra:alice?secret=$secret&issuer=lyra&algorithm=SHA1&digits=6&period=30" ]
	local codes
	codes=$(grep -E '^  [a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$' <<<"$output" | tr -d ' ')
	[ "$(wc -l <<<"$codes")" -eq 10 ]
	[ "$(sql 'SELECT count(*) FROM mfa_recovery')" -eq 10 ]
	run t bash -c "echo 000000 | auth mfa verify"
	[ "$status" -eq 77 ]
	local code
	code=$(totp "$secret")
	run t bash -c "echo $code | auth mfa verify"
	assert_success
	run t bash -c "echo $code | auth mfa verify"
	[ "$status" -eq 77 ]
	assert_output "auth: code refused: wrong, expired or used already"
	run t bash -c "printf '%s\n' '$ADMIN_PW' | auth login --user alice"
	[ "$status" -eq 66 ]   # a code is needed and stdin ended
	run t bash -c "printf '%s\n%s\n' '$ADMIN_PW' 123456 | auth login --user alice"
	[ "$status" -eq 77 ]
	assert_output --partial "second-factor code"
	code=$(totp "$secret" 1)
	run t bash -c "printf '%s\n%s\n' '$ADMIN_PW' $code | auth login --user alice"
	assert_success
	local rc1
	rc1=$(head -n 1 <<<"$codes")
	run t bash -c "printf '%s\n%s\n' '$ADMIN_PW' $rc1 | auth login --user alice"
	assert_success
	run t bash -c "printf '%s\n%s\n' '$ADMIN_PW' $rc1 | auth login --user alice"
	[ "$status" -eq 77 ]
	[ "$(count auth.mfa.recovery)" -eq 1 ]
	[ "$(sql 'SELECT count(*) FROM mfa_recovery WHERE used IS NOT NULL')" -eq 1 ]
	run t bash -c "echo '$(sed -n 2p <<<"$codes")' | auth mfa disable"
	assert_success
	login alice "$ADMIN_PW"   # no code needed any more
	[ "$(count auth.mfa.disable)" -eq 1 ]
}

@test "keys: add from stdin or a file, list with due dates, rotate, revoke; withdrawal keys refused" {
	printf 'a-long-master-secret-for-tests\n' > "$BATS_TEST_TMPDIR/master"
	chmod 600 "$BATS_TEST_TMPDIR/master"
	export LYRA_MASTER_KEY_FILE=$BATS_TEST_TMPDIR/master
	run t bash -c "printf 'AKBINANCE0001\nbinance-api-secret-1\n' | auth key add binance"
	assert_success
	printf '{"key":"OKX-KEY-9999","secret":"okx-api-secret-1","passphrase":"okx-pass-1"}' > "$BATS_TEST_TMPDIR/okx"
	chmod 600 "$BATS_TEST_TMPDIR/okx"
	run t auth key add okx --label hedge --file "$BATS_TEST_TMPDIR/okx"
	assert_success
	chmod 644 "$BATS_TEST_TMPDIR/okx"
	run t auth key rotate okx --label hedge --file "$BATS_TEST_TMPDIR/okx"
	[ "$status" -eq 78 ]
	assert_output --partial "chmod 600"
	run t bash -c "printf '{\"key\":\"K\",\"secret\":\"S\",\"permissions\":[\"read\",\"trade\",\"withdraw\"]}' | auth key add kraken"
	[ "$status" -eq 65 ]
	assert_output --partial "withdrawal permission"
	run t bash -c "printf 'K1\nS1\n' | auth key add binance"
	[ "$status" -eq 64 ]
	run t bash -c "printf 'K1\nS1\n' | auth key add paper"
	[ "$status" -eq 64 ]
	run t auth key list --format csv
	assert_success
	assert_line --index 0 $'venue,label,hint,added,rotated,age_days,due,status\r'
	assert_line --index 1 --regexp '^binance,main,\.\.\.0001,.*,0,[0-9-]+T[0-9:]+Z,ok'
	assert_line --index 2 --regexp '^okx,hedge,\.\.\.9999,'
	run t auth key list --due 30d
	assert_success
	run t auth key list --due 100d
	[ "$status" -eq 1 ]
	# 85 days later (backdated): due soon; 91: overdue
	sql "UPDATE api_keys SET rotated = rotated - 85 * 86400 * 1000000 WHERE venue = 'binance'"
	run t auth key list --due 14d --format csv --metrics "$BATS_TEST_TMPDIR/k.prom"
	[ "$status" -eq 1 ]
	assert_line --index 1 --regexp ',due-soon'
	# every live key, not only those --due lists: due = rotated + 90 days
	run grep '^lyra_auth_key_rotation_due' "$BATS_TEST_TMPDIR/k.prom"
	assert_output "lyra_auth_key_rotation_due_timestamp_seconds{prog=\"auth\",venue=\"binance\",label=\"main\"} $(sql "SELECT rotated / 1000000 + 7776000 FROM api_keys WHERE venue = 'binance'")
lyra_auth_key_rotation_due_timestamp_seconds{prog=\"auth\",venue=\"okx\",label=\"hedge\"} $(sql "SELECT rotated / 1000000 + 7776000 FROM api_keys WHERE venue = 'okx'")"
	sql "UPDATE api_keys SET rotated = rotated - 6 * 86400 * 1000000 WHERE venue = 'binance'"
	run t auth key list --format csv
	assert_line --index 1 --regexp ',91,.*,overdue'
	run t bash -c "printf 'AKBINANCE0002\nbinance-api-secret-2\n' | auth key rotate binance"
	assert_success
	run t auth key list --format csv
	assert_line --index 1 --regexp '^binance,main,\.\.\.0002,.*,0,.*,ok'
	run t auth key revoke okx --label hedge
	assert_success
	run t auth key list --all --format csv
	assert_line --index 2 --regexp ',revoked'
	for a in key.add key.rotate key.revoke; do
		[ "$(count $a)" -ge 1 ] || fail "no $a entry"
	done
	[ "$(sql "SELECT count(*) FROM vault WHERE name LIKE 'apikey:%'")" -eq 1 ]
}

@test "vault: wrong or missing master secret, rekey keeps old entries readable until reencrypt" {
	printf 'a-long-master-secret-for-tests\n' > "$BATS_TEST_TMPDIR/master"
	printf 'not-the-master-secret-at-all\n' > "$BATS_TEST_TMPDIR/wrong"
	printf 'the-next-master-secret-2026\n' > "$BATS_TEST_TMPDIR/next"
	chmod 600 "$BATS_TEST_TMPDIR"/{master,wrong,next}
	export LYRA_MASTER_KEY_FILE=$BATS_TEST_TMPDIR/master
	run t bash -c "printf 'AK1\nsecret-one\n' | auth key add binance"
	assert_success
	LYRA_MASTER_KEY_FILE=$BATS_TEST_TMPDIR/wrong run t bash -c "printf 'AK2\nsecret-two\n' | auth key add kraken"
	[ "$status" -eq 77 ]
	assert_output "auth: wrong master secret for the vault of store '$LYRA_DB'"
	LYRA_MASTER_KEY_FILE= run t bash -c "printf 'AK2\nsecret-two\n' | auth key add kraken"
	[ "$status" -eq 78 ]
	assert_output --partial "LYRA_MASTER_KEY_FILE"
	run t auth key rekey
	assert_success
	[ "$(sql "SELECT count(*) FROM vault_keys WHERE class = 'data'")" -eq 2 ]
	run t bash -c "printf 'AK2\nsecret-two\n' | auth key add kraken"
	assert_success
	run t auth key list
	assert_output --partial "1 vault entries are still sealed under retired keys"
	# the old entry is still under the retired key, and still opens (reencrypt must read it)
	[ "$(sql "SELECT count(*) FROM vault v JOIN vault_keys k ON k.id = v.key_id WHERE k.retired IS NOT NULL")" -eq 1 ]
	run t auth key reencrypt
	assert_success
	assert_output "auth: re-encrypted 1 entries, dropped 1 retired keys"
	[ "$(sql "SELECT count(*) FROM vault_keys WHERE class = 'data'")" -eq 1 ]
	run t auth key rekey --new-master "$BATS_TEST_TMPDIR/next"
	assert_success
	run t auth key reencrypt
	[ "$status" -eq 77 ]     # the old master secret no longer opens the vault
	LYRA_MASTER_KEY_FILE=$BATS_TEST_TMPDIR/next run t auth key reencrypt
	assert_success
	assert_output "auth: re-encrypted 2 entries, dropped 1 retired keys"
	[ "$(count key.rekey)" -eq 2 ]
	[ "$(count key.reencrypt)" -eq 2 ]
}

@test "a lost local key: the master secret opens the session keys, rekey makes a new local key" {
	printf 'a-long-master-secret-for-tests\n' > "$BATS_TEST_TMPDIR/master"
	chmod 600 "$BATS_TEST_TMPDIR/master"
	init_store
	login alice "$ADMIN_PW"
	LYRA_MASTER_KEY_FILE=$BATS_TEST_TMPDIR/master run t bash -c "printf 'AK1\nsecret-one\n' | auth key add binance"
	assert_success
	mv "$XDG_CONFIG_HOME/lyra/local.key" "$BATS_TEST_TMPDIR/old.key"
	run t auth whoami
	[ "$status" -eq 78 ]
	assert_output --partial "session keys"
	LYRA_MASTER_KEY_FILE=$BATS_TEST_TMPDIR/master run t auth whoami
	assert_success
	LYRA_MASTER_KEY_FILE=$BATS_TEST_TMPDIR/master run t auth key rekey
	assert_success
	[ -e "$XDG_CONFIG_HOME/lyra/local.key" ]
	LYRA_MASTER_KEY_FILE=$BATS_TEST_TMPDIR/master run t auth key reencrypt
	assert_success
	run t auth whoami
	assert_success
	assert_output "alice super_admin"
}

@test "no secret in the clear: store file, ps during a login, stdout and stderr" {
	local pw="Secret-Pass-Phrase-$$-$RANDOM" api='api-secret-value-7c1d' master='master-secret-value-44x'
	printf '%s\n' "$master" > "$BATS_TEST_TMPDIR/master"
	chmod 600 "$BATS_TEST_TMPDIR/master"
	export LYRA_MASTER_KEY_FILE=$BATS_TEST_TMPDIR/master
	local out="$BATS_TEST_TMPDIR/out" err="$BATS_TEST_TMPDIR/err"
	printf '%s\n' "$pw" | auth init --user alice >>"$out" 2>>"$err"
	# every command line (what ps shows) while a login waits for its password
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	( timeout 120 auth login --user alice < "$BATS_TEST_TMPDIR/fifo" >>"$out" 2>>"$err" ) &
	exec 7>"$BATS_TEST_TMPDIR/fifo"
	for i in $(seq 50); do   # until the login is running and waiting for its password
		for f in /proc/[0-9]*/cmdline; do { tr '\0' ' ' < "$f"; } 2>/dev/null || true; echo; done > "$BATS_TEST_TMPDIR/ps"
		grep -q 'auth login --user alice' "$BATS_TEST_TMPDIR/ps" && break
		sleep 0.1
	done
	printf '%s\n' "$pw" >&7
	exec 7>&-
	wait
	grep -q 'auth login --user alice' "$BATS_TEST_TMPDIR/ps"
	run grep -c -- "$pw" "$BATS_TEST_TMPDIR/ps"
	[ "$output" = 0 ]
	printf 'AKEXAMPLE\n%s\n' "$api" | auth key add binance >>"$out" 2>>"$err"
	auth mfa enroll > "$BATS_TEST_TMPDIR/enroll" 2>>"$err"
	local secret code
	secret=$(sed -n 's/^secret: //p' "$BATS_TEST_TMPDIR/enroll")
	[ -n "$secret" ]
	code=$(totp "$secret")
	echo "$code" | auth mfa verify >>"$out" 2>>"$err"
	local refresh
	refresh=$(jq -r .refresh_token "$XDG_CONFIG_HOME/lyra/token")
	auth key list >>"$out" 2>>"$err"
	auth user list >>"$out" 2>>"$err"
	audit log >>"$out" 2>>"$err"
	auth key rotate binance <<<$'AKEXAMPLE\nnew-'"$api" >>"$out" 2>>"$err"
	echo 'Wrong-Pass-Phrase-9' | auth login --user alice >>"$out" 2>>"$err" || true
	auth key reencrypt >>"$out" 2>>"$err"
	for s in "$pw" "$api" "$secret" "$master" "$refresh"; do
		for f in "$LYRA_DB" "$LYRA_DB-wal" "$out" "$err"; do
			[ -e "$f" ] || continue
			if grep -qaF -- "$s" "$f"; then fail "'$s' found in $f"; fi
		done
	done
	# the TOTP secret in base32 and raw forms is absent from the store too
	local raw
	raw=$(python3 -c 'import base64,sys; s=sys.stdin.read().strip(); print(base64.b32decode(s+"="*(-len(s)%8)).hex())' <<<"$secret")
	run bash -c "od -An -tx1 -v '$LYRA_DB' | tr -d ' \n' | grep -c '$raw'"
	[ "$output" = 0 ]
}

@test "man/auth.1 carries the same roles x permissions table as the code" {
	local page
	page=$(awk '/^\.Bl -column "position.admin"/ { on = 1; next } on && /^\.El/ { exit } on && /^\.It Li/ {
		printf "%s", $3; for (i = 5; i <= NF; i += 2) printf ",%s", $i; print "" }' "$LYRA_ROOT/man/auth.1")
	run diff <(echo "$page") <(auth perms --format csv | tr -d '\r' | tail -n +2 | cut -d, -f1-7)
	assert_success
}
