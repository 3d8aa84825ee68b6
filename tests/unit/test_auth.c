/* test_auth.c: PBKDF2-HMAC-SHA256 vectors (RFC 7914 §11 and the RFC 6070-style SHA-256 set),
 * the roles x permissions table, the password policy, and the store flows at chosen times:
 * init, login, lockout after 5 failures for 30 minutes, access token expiry and not-before,
 * refresh rotation and reuse, idle sessions, logout, TOTP and recovery codes with replay
 * protection, service tokens, the super admin rules, and the identity hooks every program gets
 * without installing anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "audit.h"
#include "auth.h"
#include "clock.h"
#include "error.h"
#include "identity.h"
#include "store.h"
#include "totp.h"
#include "unit.h"

#define MIN (60 * LYRA_US_PER_SEC)
static const char pw[] = "Correct-Horse-42";

static void hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void test_pbkdf2(void)
{
	static const struct { const char *p, *s; unsigned c; size_t n; const char *want; } v[] = {
		{ "password", "salt", 1, 32, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b" },
		{ "password", "salt", 4096, 32, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a" },
		{ "passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 40,
		  "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9" },
		{ "passwd", "salt", 1, 64, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
		  "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783" },
		{ "Password", "NaCl", 80000, 64, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
		  "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		unsigned char out[64];
		char h[129], what[96];
		CHECK_INT(lyra_auth_pbkdf2(v[i].p, strlen(v[i].p), (const unsigned char *)v[i].s,
		                           strlen(v[i].s), v[i].c, out, v[i].n), 0, "pbkdf2 runs");
		hex(out, v[i].n, h);
		snprintf(what, sizeof what, "PBKDF2-HMAC-SHA256 P=%s c=%u", v[i].p, v[i].c);
		CHECK_STR(h, v[i].want, what);
	}
}

static void test_table(void)
{
	static const char *const perms6[] = { "audit.read", "audit.verify", "audit.export", "audit.archive" };
	/* super_admin admin trader analyst auditor viewer */
	static const int want[4][6] = {
		{ 1, 1, 0, 0, 1, 0 }, { 1, 1, 0, 0, 1, 0 }, { 1, 1, 0, 0, 1, 0 }, { 1, 1, 0, 0, 0, 0 },
	};
	int names_ok = 1, admin_all = 1, viewer_read_only = 1;
	for (int p = 0; p < 4; p++)
		for (int r = 0; r < LYRA_ROLE_COUNT; r++) {
			char what[96];
			snprintf(what, sizeof what, "%s %s", lyra_auth_role_name(r), perms6[p]);
			CHECK_INT(lyra_auth_role_allows(lyra_auth_role_name(r), perms6[p]), want[p][r], what);
		}
	for (const struct lyra_auth_perm *p = lyra_auth_perms(); p->name; p++) {
		const char *dot = strchr(p->name, '.');
		if (!dot || dot == p->name || !dot[1] || strspn(p->name, "abcdefghijklmnopqrstuvwxyz._") !=
		    strlen(p->name) || lyra_auth_perm_find(p->name) != p || !p->what || !*p->what)
			names_ok = 0;
		if (!(p->roles & 1u))
			names_ok = 0;                         /* super_admin has everything */
		if (strcmp(p->name, "auth.super") != 0 && !(p->roles & 2u))
			admin_all = 0;                        /* admin: everything but super-admin changes */
		if ((p->roles & (1u << LYRA_ROLE_VIEWER)) && strcmp(p->name, "position.read") != 0 &&
		    strcmp(p->name, "market.read") != 0)
			viewer_read_only = 0;
	}
	CHECK(names_ok, "permission names are area.verb, unique, described, granted to super_admin");
	CHECK(admin_all, "admin has every permission but auth.super");
	CHECK(!lyra_auth_role_allows("admin", "auth.super"), "admin lacks auth.super");
	CHECK(viewer_read_only, "viewer only reads positions and market data");
	CHECK(!lyra_auth_role_allows("auditor", "order.submit") && !lyra_auth_role_allows("auditor", "risk.halt"),
	      "auditor: nothing that trades");
	CHECK(lyra_auth_role_allows("trader", "order.submit") && lyra_auth_role_allows("trader", "key.read"),
	      "trader submits orders and its programs read keys");
	CHECK(!lyra_auth_role_allows("analyst", "order.submit") && lyra_auth_role_allows("analyst", "scan.run"),
	      "analyst scans, does not trade");
	CHECK(!lyra_auth_role_allows("super_admin", "no.such.permission"), "unknown permission denied to all");
	CHECK(!lyra_auth_role_allows("root", "audit.read"), "unknown role denied");
	CHECK_INT(lyra_auth_role_parse("auditor"), LYRA_ROLE_AUDITOR, "role parse");
	CHECK_INT(lyra_auth_role_parse("god"), -1, "bad role");
	CHECK_INT(lyra_error_code(), LYRA_EX_USAGE, "bad role is 64");
}

static void test_policy(void)
{
	CHECK_INT(lyra_auth_password_check("alice", "short-pw"), -1, "too short");
	CHECK(strstr(lyra_error_msg(), "shorter than 12") != NULL, "says the rule");
	CHECK(strstr(lyra_error_msg(), "short-pw") == NULL, "never echoes the password");
	CHECK_INT(lyra_auth_password_check("alice.smith.x", "ALICE.SMITH.X"), -1, "the user name");
	CHECK_INT(lyra_auth_password_check("alice", "Password1234"), -1, "a common password");
	CHECK_INT(lyra_auth_password_check("alice", "aaaaaaaaaaaaaa"), -1, "one character repeated");
	CHECK_INT(lyra_auth_password_check("alice", "ééééééééééé1"), 0, "12 characters counted, not bytes");
	CHECK_INT(lyra_auth_password_check("alice", "éééééééééé1"), -1, "11 characters");
	CHECK_INT(lyra_auth_password_check("alice", pw), 0, "a good password");
}

static long long count(struct lyra_store *st, const char *action)
{
	char sql[200];
	long long n = -1;
	sqlite3_stmt *s;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = '%s'", action);
	s = lyra_store_prepare(st, sql);
	if (s && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static int totp_now(struct lyra_store *st, const char *secret_b32, int64_t now, char code[8])
{
	unsigned char key[64];
	int n = lyra_totp_base32_decode(secret_b32, key, sizeof key);
	(void)st;
	if (n < 0)
		return -1;
	snprintf(code, 8, "%06ld", lyra_totp_at(LYRA_TOTP_SHA1, key, (size_t)n, now / LYRA_US_PER_SEC, 30, 6));
	return 0;
}

static void test_flows(const char *dir)
{
	char db[300];
	struct lyra_store *st;
	struct lyra_auth_tokens t, t2, t3;
	struct lyra_identity id, alice = { .name = "alice", .role = "super_admin" };
	struct lyra_identity bob = { .name = "bob", .role = "admin" };
	int64_t T = lyra_time_now_us();
	char *svc = NULL;

	snprintf(db, sizeof db, "%s/auth.db", dir);
	st = lyra_store_open(db);
	if (!st) {
		CHECK(0, "open store");
		return;
	}
	CHECK_INT(lyra_auth_enforced(st), 0, "local mode before init");
	CHECK_INT(lyra_auth_login(st, "alice", pw, NULL, T, &t), -1, "login before init");
	CHECK_INT(lyra_error_code(), LYRA_EX_CONFIG, "is 78");
	CHECK_INT(lyra_auth_init(st, "os", "alice", "too-short", T), -1, "init checks the policy");
	CHECK_INT(lyra_auth_init(st, "os", "alice", pw, T), 0, "init");
	CHECK_INT(lyra_auth_enforced(st), 1, "enforcement on");
	CHECK_INT(lyra_auth_init(st, "os", "carol", pw, T), -1, "init runs once");

	/* login and tokens */
	CHECK_INT(lyra_auth_login(st, "alice", pw, NULL, T, &t), 0, "login");
	CHECK(t.access && strlen(t.refresh) == 43 && strlen(t.session) == 32, "tokens issued");
	CHECK_INT(t.access_expires, (T / LYRA_US_PER_SEC + 1800) * LYRA_US_PER_SEC, "access for 30 minutes");
	CHECK_INT(lyra_auth_check_token(st, t.access, T + MIN, &id, NULL), 0, "access token good");
	CHECK_STR(id.name, "alice", "resolves alice");
	CHECK_STR(id.role, "super_admin", "with her role");
	CHECK_INT(lyra_auth_check_token(st, t.access, T + 30 * MIN, &id, NULL), -1, "expired after 30 min");
	CHECK(strstr(lyra_error_msg(), "expired") != NULL, "says expired");
	CHECK_INT(lyra_auth_check_token(st, t.access, T - 5 * LYRA_US_PER_SEC, &id, NULL), -1,
	          "not valid before nbf");
	CHECK(strstr(lyra_error_msg(), "not valid yet") != NULL, "says not yet valid");
	CHECK(count(st, "auth.token.refused") >= 2, "refusals audited");

	/* refresh rotation and reuse */
	CHECK_INT(lyra_auth_refresh(st, t.refresh, T + 20 * MIN, &t2), 0, "refresh");
	CHECK(strcmp(t2.refresh, t.refresh) != 0 && strcmp(t2.session, t.session) == 0, "rotated, same session");
	CHECK_INT(lyra_auth_check_token(st, t2.access, T + 45 * MIN, &id, NULL), 0, "new access token good");
	CHECK_INT(lyra_auth_refresh(st, t.refresh, T + 46 * MIN, &t3), -1, "old refresh token refused");
	CHECK(strstr(lyra_error_msg(), "used already") != NULL, "as reused");
	CHECK_INT(lyra_auth_check_token(st, t2.access, T + 46 * MIN, &id, NULL), -1, "reuse ended the session");
	CHECK_INT(lyra_auth_refresh(st, t2.refresh, T + 46 * MIN, &t3), -1, "even the newest refresh token");
	CHECK_INT(count(st, "auth.refresh.reuse"), 1, "reuse audited");
	lyra_auth_tokens_release(&t);
	lyra_auth_tokens_release(&t2);

	/* idle end and logout */
	CHECK_INT(lyra_auth_login(st, "alice", pw, NULL, T, &t), 0, "login again");
	CHECK_INT(lyra_auth_refresh(st, t.refresh, T + 61 * MIN, &t2), -1, "61 minutes idle ends the session");
	CHECK(strstr(lyra_error_msg(), "idle") != NULL, "says idle");
	lyra_auth_tokens_release(&t);
	CHECK_INT(lyra_auth_login(st, "alice", pw, NULL, T, &t), 0, "and again");
	CHECK_INT(lyra_auth_logout(st, &t, T + MIN), 0, "logout");
	CHECK_INT(lyra_auth_check_token(st, t.access, T + 2 * MIN, &id, NULL), -1, "access refused after logout");
	CHECK_INT(lyra_auth_refresh(st, t.refresh, T + 2 * MIN, &t2), -1, "refresh refused after logout");
	lyra_auth_tokens_release(&t);

	/* users and the super admin rules */
	CHECK_INT(lyra_auth_user_add(st, &alice, "bob", "admin", "Bobs-Password-77", T), 0, "add admin bob");
	CHECK_INT(lyra_auth_user_add(st, &bob, "eve", "super_admin", "Eves-Password-77", T), -1,
	          "an admin cannot make a super admin");
	CHECK_INT(lyra_error_code(), LYRA_EX_NOPERM, "77");
	CHECK_INT(lyra_auth_user_add(st, &bob, "tina", "trader", "Tinas-Password-77", T), 0, "admin adds a trader");
	CHECK_INT(lyra_auth_user_role(st, &bob, "alice", "viewer", T), -1, "an admin cannot demote a super admin");
	CHECK_INT(lyra_auth_user_del(st, &alice, "alice", T), -1, "the last super admin stays");
	CHECK_INT(lyra_auth_user_role(st, &alice, "alice", "admin", T), -1, "and keeps the role");
	CHECK_INT(lyra_auth_user_add(st, &alice, "tina", "viewer", "Tinas-Password-77", T), -1, "duplicate name");
	CHECK_INT(lyra_auth_user_role(st, &bob, "tina", "analyst", T), 0, "role change");
	CHECK_INT(count(st, "auth.user.role"), 1, "role change audited");

	/* lockout: 5 failures lock for 30 minutes */
	for (int i = 1; i <= 4; i++)
		CHECK_INT(lyra_auth_login(st, "tina", "wrong-password-x", NULL, T + i, &t), -1, "wrong password");
	CHECK_INT(count(st, "auth.lockout"), 0, "no lockout after 4");
	CHECK_INT(lyra_auth_login(st, "tina", "wrong-password-x", NULL, T + 5, &t), -1, "fifth failure");
	CHECK_INT(count(st, "auth.lockout"), 1, "lockout audited");
	CHECK_INT(lyra_auth_login(st, "tina", "Tinas-Password-77", NULL, T + 10, &t), -1, "locked: right password refused");
	CHECK(strstr(lyra_error_msg(), "locked until") != NULL, "says locked until");
	CHECK_INT(lyra_auth_login(st, "tina", "Tinas-Password-77", NULL, T + 29 * MIN, &t), -1, "still locked at 29 min");
	CHECK_INT(lyra_auth_login(st, "tina", "Tinas-Password-77", NULL, T + 31 * MIN, &t), 0, "open after 30 min");
	CHECK_STR(t.role, "analyst", "current role in the token");
	lyra_auth_tokens_release(&t);
	CHECK_INT(lyra_auth_login(st, "nobody", pw, NULL, T, &t), -1, "unknown user");
	CHECK(strstr(lyra_error_msg(), "wrong user name or password") != NULL, "same message as a bad password");
	CHECK(count(st, "auth.login.fail") >= 8, "failures audited");
	CHECK_INT(lyra_auth_user_lock(st, &bob, "tina", 1, T + 32 * MIN), 0, "admin lock");
	CHECK_INT(lyra_auth_login(st, "tina", "Tinas-Password-77", NULL, T + 33 * MIN, &t), -1, "locked account");
	CHECK_INT(lyra_auth_user_lock(st, &bob, "tina", 0, T + 34 * MIN), 0, "unlock");
	CHECK_INT(lyra_auth_login(st, "tina", "Tinas-Password-77", NULL, T + 35 * MIN, &t), 0, "login after unlock");
	lyra_auth_tokens_release(&t);

	/* second factor */
	{
		struct lyra_auth_enrolment e;
		struct lyra_identity tina = { .name = "tina", .role = "analyst" };
		char code[8];
		int64_t U = T + 40 * MIN;
		CHECK_INT(lyra_auth_mfa_enroll(st, &tina, U, &e), 0, "enroll");
		CHECK_INT(strlen(e.secret), 32, "160-bit secret in base32");
		CHECK(strncmp(e.uri, "otpauth://totp/lyra:tina?secret=", 32) == 0, "otpauth URI");
		CHECK_INT(strlen(e.recovery[9]), 19, "recovery codes xxxx-xxxx-xxxx-xxxx");
		CHECK_INT(lyra_auth_login(st, "tina", "Tinas-Password-77", NULL, U, &t), 0,
		          "no code needed before the enrolment is confirmed");
		lyra_auth_tokens_release(&t);
		totp_now(st, e.secret, U, code);
		CHECK_INT(lyra_auth_mfa_verify(st, &tina, code, U), 0, "confirm with a code");
		CHECK_INT(lyra_auth_mfa_verify(st, &tina, code, U), -1, "same code twice refused");
		CHECK_INT(lyra_auth_login(st, "tina", "Tinas-Password-77", NULL, U, &t), LYRA_AUTH_NEED_CODE,
		          "now login asks for a code");
		CHECK_INT(lyra_auth_login(st, "tina", "Tinas-Password-77", code, U, &t), -1, "used code refused at login");
		totp_now(st, e.secret, U + 30 * LYRA_US_PER_SEC, code);
		CHECK_INT(lyra_auth_login(st, "tina", "Tinas-Password-77", code, U + 30 * LYRA_US_PER_SEC, &t), 0,
		          "next code accepted");
		lyra_auth_tokens_release(&t);
		CHECK_INT(lyra_auth_login(st, "tina", "Tinas-Password-77", e.recovery[3], U + 60 * LYRA_US_PER_SEC, &t), 0,
		          "a recovery code");
		lyra_auth_tokens_release(&t);
		CHECK_INT(lyra_auth_login(st, "tina", "Tinas-Password-77", e.recovery[3], U + 61 * LYRA_US_PER_SEC, &t), -1,
		          "a recovery code works once");
		CHECK_INT(count(st, "auth.mfa.recovery"), 1, "recovery audited");
		CHECK_INT(lyra_auth_mfa_disable(st, &bob, "tina", NULL, U), 0, "admin removes the factor");
		lyra_auth_enrolment_wipe(&e);
	}

	/* service tokens */
	CHECK_INT(lyra_auth_service_issue(st, &bob, "nightly", "super_admin", 3600 * LYRA_US_PER_SEC, T, &svc), -1,
	          "admin cannot issue a super_admin token");
	CHECK_INT(lyra_auth_service_issue(st, &bob, "nightly", "auditor", 3600 * LYRA_US_PER_SEC, T, &svc), 0,
	          "issue an auditor token");
	CHECK_INT(lyra_auth_check_token(st, svc, T + MIN, &id, NULL), 0, "service token good");
	CHECK_STR(id.name, "token:nightly", "actor token:NAME");
	CHECK_STR(id.role, "auditor", "its role");
	CHECK_INT(lyra_auth_check_token(st, svc, T + 90 * MIN, &id, NULL), -1, "no idle end, but expiry");
	CHECK_INT(count(st, "auth.token.use"), 1, "use audited");
	CHECK_INT(lyra_auth_service_revoke(st, &bob, "nightly", T + 2 * MIN), 0, "revoke");
	CHECK_INT(lyra_auth_check_token(st, svc, T + 3 * MIN, &id, NULL), -1, "revoked token refused");
	free(svc);

	/* every program gets the hooks without installing them */
	CHECK_INT(lyra_auth_service_issue(st, &alice, "viewer-now", "viewer", 3600 * LYRA_US_PER_SEC,
	                                  lyra_time_now_us(), &svc), 0, "a viewer token for now");
	setenv("LYRA_TOKEN", svc, 1);
	CHECK_INT(lyra_identity_resolve(st, &id), 0, "identity resolves through auth by default");
	CHECK_STR(id.name, "token:viewer-now", "the token's actor");
	CHECK_INT(id.local, 0, "not local");
	CHECK_INT(lyra_identity_require(st, &id, "market.read"), 0, "viewer reads market data");
	CHECK_INT(lyra_identity_require(st, &id, "audit.read"), -1, "viewer may not read the audit log");
	CHECK_INT(lyra_error_code(), LYRA_EX_NOPERM, "denied is 77");
	CHECK_INT(count(st, "auth.deny"), 1, "denial audited");
	setenv("LYRA_TOKEN", "not.a.token", 1);
	CHECK_INT(lyra_identity_resolve(st, &id), -1, "garbage token refused");
	unsetenv("LYRA_TOKEN");
	free(svc);

	{
		struct lyra_audit_entry e;
		int64_t seq;
		char head[LYRA_AUDIT_HASH_HEX];
		(void)e;
		CHECK_INT(lyra_audit_head(st, &seq, head), 0, "chain head");
		CHECK(seq > 30, "everything above left audit entries");
	}
	lyra_store_close(st);
}

int main(void)
{
	char dir[128], cmd[200];
	snprintf(dir, sizeof dir, "/tmp/lyra-test-auth-%ld", (long)getpid());
	mkdir(dir, 0700);
	{
		char key[200];
		snprintf(key, sizeof key, "%s/local.key", dir);
		setenv("LYRA_LOCAL_KEY_FILE", key, 1);
		setenv("XDG_CONFIG_HOME", dir, 1);
	}
	unsetenv("LYRA_TOKEN");
	test_pbkdf2();
	test_table();
	test_policy();
	test_flows(dir);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", dir);
	return unit_done();
}
