/* auth.c: users, roles, permissions, sessions and tokens, TOTP enrolment, and the identity hooks
 * every program reaches through identity.c when the store enforces access control (auth.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "audit.h"
#include "auth.h"
#include "clock.h"
#include "codec.h"
#include "error.h"
#include "jwt.h"
#include "secret.h"
#include "totp.h"
#include "vault.h"

#define SA (1u << LYRA_ROLE_SUPER_ADMIN)
#define AD (1u << LYRA_ROLE_ADMIN)
#define TR (1u << LYRA_ROLE_TRADER)
#define AN (1u << LYRA_ROLE_ANALYST)
#define AU (1u << LYRA_ROLE_AUDITOR)
#define VI (1u << LYRA_ROLE_VIEWER)

static const char *const role_names[LYRA_ROLE_COUNT] = {
	"super_admin", "admin", "trader", "analyst", "auditor", "viewer",
};

/* The permission table. Programs add their rows; man/auth.1 carries the same table. */
static const struct lyra_auth_perm perms[] = {
	{ "audit.read",     SA | AD | AU,                "read the audit log (audit log, tail, anchor)" },
	{ "audit.verify",   SA | AD | AU,                "verify the audit chain (audit verify)" },
	{ "audit.export",   SA | AD | AU,                "export audit segments (audit export)" },
	{ "audit.archive",  SA | AD,                     "move old audit entries to an archive (audit archive)" },
	{ "order.submit",   SA | AD | TR,                "send orders (oms)" },
	{ "order.cancel",   SA | AD | TR,                "cancel orders (oms cancel, cancel-all)" },
	{ "order.read",     SA | AD | TR | AU,           "list and show orders (oms list, show)" },
	{ "order.recover",  SA | AD | TR,                "settle orders with a venue (oms recover, reconcile --apply)" },
	{ "algo.run",       SA | AD | TR,                "run execution algorithms (execalgo)" },
	{ "algo.read",      SA | AD | TR | AN | AU,      "list and show parent orders (execalgo list, show)" },
	{ "position.read",  SA | AD | TR | AN | AU | VI, "read positions and balances (positions show)" },
	{ "position.admin", SA | AD,                     "reconcile and correct positions" },
	{ "pnl.read",       SA | AD | TR | AN | AU,      "read PnL and performance (positions pnl, perf)" },
	{ "report.read",    SA | AD | AN | AU,           "reports (positions report, rebalance)" },
	{ "tax.report",     SA | AD | AN | AU,           "tax reports (positions tax)" },
	{ "position.record", SA | AD | TR,               "record fills into the store (positions, positions import)" },
	{ "market.read",    SA | AD | TR | AN | VI,      "read market data (mdfeed, replay)" },
	{ "market.record",  SA | AD | TR | AN,           "record market data into the store (mdfeed record)" },
	{ "scan.run",       SA | AD | TR | AN,           "run opportunity scans (arbscan)" },
	{ "risk.read",      SA | AD | TR | AN | AU,      "read risk limits and state (riskcheck status)" },
	{ "risk.size",      SA | AD | TR | AN,           "position sizing and stops (riskcheck size, stops)" },
	{ "risk.halt",      SA | AD | TR,                "halt trading: the kill switch (riskcheck halt)" },
	{ "risk.admin",     SA | AD,                     "change risk limits, resume after a halt" },
	{ "backup.create",  SA | AD,                     "create and prune backups" },
	{ "backup.read",    SA | AD | AU,                "list and verify backups" },
	{ "backup.restore", SA | AD,                     "restore a backup" },
	{ "key.list",       SA | AD | AU,                "list API keys with their age and due date (no secrets)" },
	{ "key.admin",      SA | AD,                     "add, rotate and revoke API keys; rekey the vault" },
	{ "key.read",       SA | AD | TR,                "decrypt trading keys (used by oms and execalgo only)" },
	{ "auth.admin",     SA | AD,                     "manage users and service tokens" },
	{ "auth.super",     SA,                          "manage super admins and grant that role" },
	{ NULL, 0, NULL },
};

/* Common passwords of 12 characters or more (shorter ones fail the length rule anyway), from
 * the top of public breach-corpus frequency lists, compared without regard to case. */
static const char *const common_passwords[] = {
	"000000000000", "111111111111", "123123123123", "123321123321", "123456123456",
	"123456654321", "123456789012", "1234567890123", "12345678901234", "123456789123",
	"1234567891011", "123456789abc", "1234qwerasdf", "123qweasdzxc", "147258369147",
	"1q2w3e4r5t6y", "1q2w3e4r5t6y7u", "1qaz2wsx3edc", "1qaz2wsx3edc4rfv", "987654321098",
	"aaaaaaaaaaaa", "abc123456789", "abcd12345678", "abcdefghijkl", "adminadmin123",
	"administrator", "administrator1", "asdfghjkl123", "asdfasdfasdf", "baseball1234",
	"bitcoin12345", "blockchain123", "changeme1234", "correcthorsebatterystaple",
	"cryptocurrency", "dragon123456", "football1234", "iloveyou1234", "letmein12345",
	"letmein123456", "lyrapassword", "master123456", "michael12345", "monkey123456",
	"mypassword123", "p@ssw0rd1234", "p@ssword1234", "passw0rd1234", "password1234",
	"password12345", "password123!", "password123456", "passwordpassword", "princess1234",
	"q1w2e3r4t5y6", "qazwsxedcrfv", "qwer1234asdf", "qwerty123456", "qwertyqwerty",
	"qwertyuiop12", "qwertyuiop123", "qwertyuiopasdf", "satoshinakamoto", "shadow123456",
	"starwars1234", "sunshine1234", "superman1234", "trustno12345", "welcome12345",
	"welcome123456", "zaq12wsxcde3", "zxcvbnm12345", "zxcvbnmasdfg",
};

const char *lyra_auth_role_name(int role)
{
	return role >= 0 && role < LYRA_ROLE_COUNT ? role_names[role] : NULL;
}

int lyra_auth_role_parse(const char *s)
{
	for (int i = 0; s && i < LYRA_ROLE_COUNT; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	return lyra_error(LYRA_EX_USAGE, "unknown role '%s': one of super_admin, admin, trader, "
	                  "analyst, auditor, viewer", s ? s : "");
}

const struct lyra_auth_perm *lyra_auth_perms(void)
{
	return perms;
}

const struct lyra_auth_perm *lyra_auth_perm_find(const char *name)
{
	for (const struct lyra_auth_perm *p = perms; name && p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static int role_index(const char *role)
{
	for (int i = 0; role && i < LYRA_ROLE_COUNT; i++)
		if (strcmp(role, role_names[i]) == 0)
			return i;
	return -1;
}

int lyra_auth_role_allows(const char *role, const char *permission)
{
	const struct lyra_auth_perm *p = lyra_auth_perm_find(permission);
	int r = role_index(role);
	return p && r >= 0 && (p->roles & (1u << r)) ? 1 : 0;
}

int lyra_auth_allowed(struct lyra_store *st, const struct lyra_identity *id, const char *permission)
{
	(void)st;
	return lyra_auth_role_allows(id->role, permission);
}

const struct lyra_auth_hooks lyra_auth_identity_hooks = { lyra_auth_resolve, lyra_auth_allowed };

/* ---- small helpers ---- */

static int random_bytes(unsigned char *out, size_t n)
{
	if (RAND_bytes(out, (int)n) != 1)
		return lyra_error(LYRA_EX_SOFTWARE, "no random bytes from the system");
	return 0;
}

static void sha256(const void *in, size_t n, unsigned char out[32])
{
	unsigned int len = 0;
	EVP_Digest(in, n, out, &len, EVP_sha256(), NULL);
}

/* Append an audit entry; steals details. -1 on failure. */
static int audit(struct lyra_store *st, const char *actor, const char *action, const char *object,
                 json_t *details)
{
	int64_t seq = lyra_audit_append(st, actor, action, object, details);
	json_decref(details);
	return seq < 0 ? -1 : 0;
}

static void user_object(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "user:%s", name);
}

static int fail_tx(struct lyra_store *st)
{
	lyra_store_rollback(st);
	return -1;
}

int lyra_auth_pbkdf2(const char *pw, size_t pwlen, const unsigned char *salt, size_t saltlen,
                     unsigned iter, unsigned char *out, size_t outlen)
{
	if (iter < 1 || iter > 100000000u || pwlen > INT_MAX || saltlen > INT_MAX || outlen > INT_MAX)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot hash a password: bad parameters");
	if (PKCS5_PBKDF2_HMAC(pw, (int)pwlen, salt, (int)saltlen, (int)iter, EVP_sha256(),
	                      (int)outlen, out) != 1)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot hash a password: pbkdf2 failed");
	return 0;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

int lyra_auth_password_check(const char *user, const char *password)
{
	size_t i;

	if (utf8_chars(password) < LYRA_AUTH_PASSWORD_MIN)
		return lyra_error(LYRA_EX_DATAERR, "password refused: shorter than %d characters",
		                  LYRA_AUTH_PASSWORD_MIN);
	if (user && strcasecmp(user, password) == 0)
		return lyra_error(LYRA_EX_DATAERR, "password refused: it is the user name");
	for (i = 1; password[i] && password[i] == password[0]; i++)
		;
	if (!password[i])
		return lyra_error(LYRA_EX_DATAERR, "password refused: one character repeated");
	for (i = 0; i < sizeof common_passwords / sizeof common_passwords[0]; i++)
		if (strcasecmp(password, common_passwords[i]) == 0)
			return lyra_error(LYRA_EX_DATAERR, "password refused: it is on the list of common "
			                  "passwords");
	return 0;
}

int lyra_auth_enforced(struct lyra_store *st)
{
	sqlite3_stmt *s = lyra_store_cached(st, "SELECT value FROM meta WHERE key = 'auth.enforce'");
	int rc, on = 0;

	if (!s)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 0);
		on = v && strcmp(v, "1") == 0;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot read the access control setting");
	return on;
}

static int need_enforced(struct lyra_store *st)
{
	int on = lyra_auth_enforced(st);
	if (on < 0)
		return -1;
	if (!on)
		return lyra_error(LYRA_EX_CONFIG, "access control is off in store '%s' (local mode): run "
		                  "'auth init' first", st->path);
	return 0;
}

/* ---- the signing key ---- */

static int signing_key(struct lyra_store *st, unsigned char key[32])
{
	struct lyra_vault v;
	int n;

	lyra_vault_init(&v, st);
	n = lyra_vault_get(&v, "auth.signing", key, 32);
	if (n < 0 && lyra_error_code() == LYRA_EX_CONFIG && getenv("LYRA_MASTER_KEY_FILE") &&
	    *getenv("LYRA_MASTER_KEY_FILE") && lyra_vault_unlock_default(&v) == 0)
		n = lyra_vault_get(&v, "auth.signing", key, 32);   /* no local key: the master opens it */
	lyra_vault_release(&v);
	if (n == 32)
		return 0;
	lyra_secret_wipe(key, 32);
	if (n >= 0)
		return lyra_error(LYRA_EX_IOERR, "the token signing key of store '%s' is damaged", st->path);
	if (lyra_error_code() == LYRA_EX_NOINPUT)
		return lyra_error(LYRA_EX_NOPERM, "access control is on in store '%s' but it has no token "
		                  "signing key ('auth init' was not run on it)", st->path);
	return lyra_error_wrap("cannot check tokens");
}

/* ---- users ---- */

struct urow {
	int64_t id;
	char name[128];
	char role[32];
	unsigned iter;
	unsigned char salt[32], hash[32];
	int saltlen, hashlen;
	int failures, disabled;
	int64_t locked_until;
	int mfa;                   /* 1 enrolled and confirmed, 2 enrolled but not confirmed, 0 none */
	int64_t last_step;
};

/* Load user name: 1 found, 0 absent, -1 error. */
static int user_load(struct lyra_store *st, const char *name, struct urow *u)
{
	sqlite3_stmt *s = lyra_store_cached(st,
		"SELECT u.id, u.name, u.role, u.pw_iter, u.pw_salt, u.pw_hash, u.failures, u.disabled,"
		" u.locked_until, m.confirmed, m.last_step"
		" FROM users u LEFT JOIN mfa m ON m.user_id = u.id WHERE u.name = ?1");
	int rc, found = 0;

	memset(u, 0, sizeof *u);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		int sl = sqlite3_column_bytes(s, 4), hl = sqlite3_column_bytes(s, 5);
		u->id = sqlite3_column_int64(s, 0);
		snprintf(u->name, sizeof u->name, "%s", (const char *)sqlite3_column_text(s, 1));
		snprintf(u->role, sizeof u->role, "%s", (const char *)sqlite3_column_text(s, 2));
		u->iter = (unsigned)sqlite3_column_int64(s, 3);
		u->saltlen = sl > 32 ? 32 : sl;
		u->hashlen = hl > 32 ? 32 : hl;
		if (sl)
			memcpy(u->salt, sqlite3_column_blob(s, 4), (size_t)u->saltlen);
		if (hl)
			memcpy(u->hash, sqlite3_column_blob(s, 5), (size_t)u->hashlen);
		u->failures = sqlite3_column_int(s, 6);
		u->disabled = sqlite3_column_int(s, 7);
		u->locked_until = sqlite3_column_int64(s, 8);
		if (sqlite3_column_type(s, 9) != SQLITE_NULL)
			u->mfa = sqlite3_column_int(s, 9) ? 1 : 2;
		u->last_step = sqlite3_column_int64(s, 10);
		found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot read users");
	return found;
}

static void urow_wipe(struct urow *u)
{
	lyra_secret_wipe(u->salt, sizeof u->salt);
	lyra_secret_wipe(u->hash, sizeof u->hash);
}

static int user_need(struct lyra_store *st, const char *name, struct urow *u)
{
	int found = user_load(st, name, u);
	if (found < 0)
		return -1;
	if (!found)
		return lyra_error(LYRA_EX_USAGE, "no user '%s'", name);
	return 0;
}

static int valid_name(const char *name)
{
	size_t n = strlen(name);
	if (n < 1 || n > 64)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-' || *p == '@'))
			return 0;
	return name[0] != '-' && name[0] != '.';
}

/* New salt and hash for password into the row's pw_* columns. */
static int set_password(struct lyra_store *st, int64_t user_id, const char *password, int64_t now)
{
	unsigned char salt[16], hash[32];
	sqlite3_stmt *s;
	int rc;

	if (random_bytes(salt, sizeof salt) != 0 ||
	    lyra_auth_pbkdf2(password, strlen(password), salt, sizeof salt, LYRA_AUTH_KDF_ITER, hash,
	                     sizeof hash) != 0)
		return -1;
	s = lyra_store_cached(st, "UPDATE users SET pw_kdf = 'pbkdf2-sha256', pw_iter = ?2,"
	                          " pw_salt = ?3, pw_hash = ?4, pw_changed = ?5 WHERE id = ?1");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_int64(s, 2, LYRA_AUTH_KDF_ITER);
	sqlite3_bind_blob(s, 3, salt, sizeof salt, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 4, hash, sizeof hash, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 5, now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	lyra_secret_wipe(hash, sizeof hash);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot store a password hash");
	return 0;
}

static int insert_user(struct lyra_store *st, const char *name, const char *role,
                       const char *password, int64_t now)
{
	sqlite3_stmt *s = lyra_store_cached(st,
		"INSERT INTO users(name, role, pw_kdf, pw_iter, pw_salt, pw_hash, created, pw_changed)"
		" VALUES (?1, ?2, 'none', 0, x'', x'', ?3, ?3)");
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_CONSTRAINT)
		return lyra_error(LYRA_EX_USAGE, "user '%s' exists already", name);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot add a user");
	return set_password(st, sqlite3_last_insert_rowid(st->db), password, now);
}

static int count_users(struct lyra_store *st, int64_t *n)
{
	sqlite3_stmt *s = lyra_store_cached(st, "SELECT count(*) FROM users");
	int rc;
	if (!s)
		return -1;
	rc = sqlite3_step(s);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return lyra_store_fail(st, "cannot count users");
	return 0;
}

/* Active super admins other than user_id. */
static int64_t other_super_admins(struct lyra_store *st, int64_t user_id)
{
	sqlite3_stmt *s = lyra_store_cached(st,
		"SELECT count(*) FROM users WHERE role = 'super_admin' AND disabled = 0 AND id != ?1");
	int64_t n = -1;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, user_id);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (n < 0)
		return lyra_store_fail(st, "cannot count super admins");
	return n;
}

/* End sessions: of one user (user_id > 0). Returns 0 or -1. */
static int end_sessions(struct lyra_store *st, int64_t user_id, int64_t now)
{
	sqlite3_stmt *s = lyra_store_cached(st,
		"UPDATE sessions SET revoked = ?2 WHERE user_id = ?1 AND revoked IS NULL");
	int rc;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_int64(s, 2, now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot end sessions");
	return 0;
}

static int exec_user(struct lyra_store *st, const char *sql, int64_t id, int64_t a, int64_t b)
{
	sqlite3_stmt *s = lyra_store_prepare(st, sql);
	int rc;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, a);
	sqlite3_bind_int64(s, 3, b);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot update a user");
	return 0;
}

/* May actor manage a user whose role is old_role (NULL for a new user), giving it new_role
 * (NULL: unchanged)? Only a super admin touches super admins. */
static int may_manage(const struct lyra_identity *actor, const char *old_role, const char *new_role)
{
	int is_super = strcmp(actor->role, "super_admin") == 0;
	if (!is_super && ((old_role && strcmp(old_role, "super_admin") == 0) ||
	                  (new_role && strcmp(new_role, "super_admin") == 0)))
		return lyra_error(LYRA_EX_NOPERM, "permission denied: %s (%s) may not manage super "
		                  "admins", actor->name, actor->role);
	return 0;
}

int lyra_auth_init(struct lyra_store *st, const char *actor, const char *name,
                   const char *password, int64_t now)
{
	unsigned char key[32];
	struct lyra_vault v;
	int64_t n;
	char obj[160];

	if (!valid_name(name))
		return lyra_error(LYRA_EX_USAGE, "bad user name '%s': 1 to 64 of A-Z a-z 0-9 . _ - @", name);
	if (lyra_auth_password_check(name, password) != 0)
		return -1;
	if (lyra_store_begin(st) != 0)
		return -1;
	if (count_users(st, &n) != 0)
		return fail_tx(st);
	if (n > 0) {
		lyra_error(LYRA_EX_USAGE, "store '%s' has users already: 'auth init' runs once", st->path);
		return fail_tx(st);
	}
	if (insert_user(st, name, "super_admin", password, now) != 0)
		return fail_tx(st);
	lyra_vault_init(&v, st);
	if (random_bytes(key, sizeof key) != 0 ||
	    lyra_vault_put(&v, LYRA_VAULT_SYSTEM, "auth.signing", key, sizeof key, now) != 0) {
		lyra_secret_wipe(key, sizeof key);
		lyra_vault_release(&v);
		return fail_tx(st);
	}
	lyra_secret_wipe(key, sizeof key);
	lyra_vault_release(&v);
	user_object(obj, sizeof obj, name);
	if (lyra_store_meta_set(st, "auth.enforce", "1") != 0 ||
	    audit(st, actor, "auth.user.add", obj, json_pack("{ss}", "role", "super_admin")) != 0 ||
	    audit(st, actor, "auth.init", obj, json_pack("{ss}", "enforce", "on")) != 0 ||
	    lyra_store_commit(st) != 0)
		return fail_tx(st);
	return 0;
}

int lyra_auth_user_add(struct lyra_store *st, const struct lyra_identity *actor,
                       const char *name, const char *role, const char *password, int64_t now)
{
	char obj[160];

	if (need_enforced(st) != 0 || lyra_auth_role_parse(role) < 0 || may_manage(actor, NULL, role) != 0)
		return -1;
	if (!valid_name(name))
		return lyra_error(LYRA_EX_USAGE, "bad user name '%s': 1 to 64 of A-Z a-z 0-9 . _ - @", name);
	if (strncmp(name, "token:", 6) == 0)
		return lyra_error(LYRA_EX_USAGE, "bad user name '%s'", name);
	if (lyra_auth_password_check(name, password) != 0)
		return -1;
	if (lyra_store_begin(st) != 0)
		return -1;
	user_object(obj, sizeof obj, name);
	if (insert_user(st, name, role, password, now) != 0 ||
	    audit(st, actor->name, "auth.user.add", obj, json_pack("{ss}", "role", role)) != 0 ||
	    lyra_store_commit(st) != 0)
		return fail_tx(st);
	return 0;
}

int lyra_auth_user_del(struct lyra_store *st, const struct lyra_identity *actor,
                       const char *name, int64_t now)
{
	struct urow u;
	char obj[160], vname[64];
	struct lyra_vault v;

	(void)now;
	if (need_enforced(st) != 0 || lyra_store_begin(st) != 0)
		return -1;
	if (user_need(st, name, &u) != 0 || may_manage(actor, u.role, NULL) != 0)
		return fail_tx(st);
	if (strcmp(u.role, "super_admin") == 0 && other_super_admins(st, u.id) == 0) {
		lyra_error(LYRA_EX_USAGE, "'%s' is the last super admin: add another first", name);
		return fail_tx(st);
	}
	lyra_vault_init(&v, st);
	snprintf(vname, sizeof vname, "mfa:%lld", (long long)u.id);
	user_object(obj, sizeof obj, name);
	if (lyra_vault_del(&v, vname) != 0 ||
	    exec_user(st, "DELETE FROM users WHERE id = ?1 AND ?2 = ?3", u.id, 0, 0) != 0 ||
	    audit(st, actor->name, "auth.user.del", obj, json_pack("{ss}", "role", u.role)) != 0 ||
	    lyra_store_commit(st) != 0) {
		urow_wipe(&u);
		return fail_tx(st);
	}
	urow_wipe(&u);
	return 0;
}

static int password_matches(const struct urow *u, const char *password)
{
	unsigned char got[32];
	int ok;
	if (u->hashlen != 32 || u->iter < 1)
		return 0;
	if (lyra_auth_pbkdf2(password, strlen(password), u->salt, (size_t)u->saltlen, u->iter, got,
	                     sizeof got) != 0)
		return -1;
	ok = CRYPTO_memcmp(got, u->hash, 32) == 0;
	lyra_secret_wipe(got, sizeof got);
	return ok;
}

int lyra_auth_user_passwd(struct lyra_store *st, const struct lyra_identity *actor,
                          const char *name, const char *old, const char *password, int64_t now)
{
	struct urow u;
	char obj[160];
	int self = strcmp(actor->name, name) == 0 && !actor->local;

	if (need_enforced(st) != 0)
		return -1;
	if (user_need(st, name, &u) != 0)
		return -1;
	if (self) {
		int ok = old ? password_matches(&u, old) : 0;
		if (ok <= 0) {
			urow_wipe(&u);
			return ok < 0 ? -1 : lyra_error(LYRA_EX_NOPERM, "the current password is wrong");
		}
	} else if (may_manage(actor, u.role, NULL) != 0) {
		urow_wipe(&u);
		return -1;
	}
	urow_wipe(&u);
	if (lyra_auth_password_check(name, password) != 0 || lyra_store_begin(st) != 0)
		return -1;
	user_object(obj, sizeof obj, name);
	if (set_password(st, u.id, password, now) != 0 || end_sessions(st, u.id, now) != 0 ||
	    audit(st, actor->name, "auth.user.passwd", obj,
	          json_pack("{sb}", "reset", !self)) != 0 ||
	    lyra_store_commit(st) != 0)
		return fail_tx(st);
	return 0;
}

int lyra_auth_user_role(struct lyra_store *st, const struct lyra_identity *actor,
                        const char *name, const char *role, int64_t now)
{
	struct urow u;
	char obj[160];
	sqlite3_stmt *s;
	int rc;

	(void)now;
	if (need_enforced(st) != 0 || lyra_auth_role_parse(role) < 0 || lyra_store_begin(st) != 0)
		return -1;
	if (user_need(st, name, &u) != 0 || may_manage(actor, u.role, role) != 0)
		return fail_tx(st);
	urow_wipe(&u);
	if (strcmp(u.role, "super_admin") == 0 && strcmp(role, "super_admin") != 0 &&
	    other_super_admins(st, u.id) == 0) {
		lyra_error(LYRA_EX_USAGE, "'%s' is the last super admin: add another first", name);
		return fail_tx(st);
	}
	s = lyra_store_cached(st, "UPDATE users SET role = ?2 WHERE id = ?1");
	if (!s)
		return fail_tx(st);
	sqlite3_bind_int64(s, 1, u.id);
	sqlite3_bind_text(s, 2, role, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		lyra_store_fail(st, "cannot change a role");
		return fail_tx(st);
	}
	user_object(obj, sizeof obj, name);
	if (audit(st, actor->name, "auth.user.role", obj,
	          json_pack("{ssss}", "from", u.role, "to", role)) != 0 ||
	    lyra_store_commit(st) != 0)
		return fail_tx(st);
	return 0;
}

int lyra_auth_user_lock(struct lyra_store *st, const struct lyra_identity *actor,
                        const char *name, int lock, int64_t now)
{
	struct urow u;
	char obj[160];

	if (need_enforced(st) != 0 || lyra_store_begin(st) != 0)
		return -1;
	if (user_need(st, name, &u) != 0 || may_manage(actor, u.role, NULL) != 0)
		return fail_tx(st);
	urow_wipe(&u);
	if (lock && strcmp(u.role, "super_admin") == 0 && other_super_admins(st, u.id) == 0) {
		lyra_error(LYRA_EX_USAGE, "'%s' is the last super admin: add another first", name);
		return fail_tx(st);
	}
	user_object(obj, sizeof obj, name);
	if (lock) {
		if (exec_user(st, "UPDATE users SET disabled = 1 WHERE id = ?1 AND ?2 = ?3", u.id, 0, 0) != 0 ||
		    end_sessions(st, u.id, now) != 0 ||
		    audit(st, actor->name, "auth.user.lock", obj, NULL) != 0)
			return fail_tx(st);
	} else {
		if (exec_user(st, "UPDATE users SET disabled = 0, failures = 0, locked_until = 0"
		                  " WHERE id = ?1 AND ?2 = ?3", u.id, 0, 0) != 0 ||
		    audit(st, actor->name, "auth.user.unlock", obj,
		          json_pack("{sb}", "was_locked_out", u.locked_until > now)) != 0)
			return fail_tx(st);
	}
	if (lyra_store_commit(st) != 0)
		return fail_tx(st);
	return 0;
}

int lyra_auth_user_list(struct lyra_store *st,
                        int (*cb)(void *ctx, const struct lyra_auth_user *u), void *ctx)
{
	sqlite3_stmt *s = lyra_store_prepare(st,
		"SELECT u.name, u.role, u.created, u.pw_changed, COALESCE(u.last_login, 0), u.locked_until,"
		" u.disabled, u.failures, COALESCE(m.confirmed, 0), u.pw_iter"
		" FROM users u LEFT JOIN mfa m ON m.user_id = u.id ORDER BY u.name");
	int rc, stop = 0;

	if (!s)
		return -1;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lyra_auth_user u;
		memset(&u, 0, sizeof u);
		snprintf(u.name, sizeof u.name, "%s", (const char *)sqlite3_column_text(s, 0));
		snprintf(u.role, sizeof u.role, "%s", (const char *)sqlite3_column_text(s, 1));
		u.created = sqlite3_column_int64(s, 2);
		u.password_changed = sqlite3_column_int64(s, 3);
		u.last_login = sqlite3_column_int64(s, 4);
		u.locked_until = sqlite3_column_int64(s, 5);
		u.disabled = sqlite3_column_int(s, 6);
		u.failures = sqlite3_column_int(s, 7);
		u.mfa = sqlite3_column_int(s, 8);
		u.iterations = (unsigned)sqlite3_column_int64(s, 9);
		stop = cb(ctx, &u) != 0;
	}
	sqlite3_finalize(s);
	if (!stop && rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot list users");
	return 0;
}

/* ---- sessions and tokens ---- */

void lyra_auth_tokens_release(struct lyra_auth_tokens *t)
{
	if (t->access) {
		lyra_secret_wipe(t->access, strlen(t->access));
		free(t->access);
	}
	lyra_secret_wipe(t, sizeof *t);
}

static char *make_access(struct lyra_store *st, const char *typ, const char *sub, const char *role,
                         const char *sid, int64_t now, int64_t exp_s)
{
	unsigned char key[32], jti[12];
	char jtihex[25];
	json_t *claims;
	char *tok;
	int64_t now_s = now / LYRA_US_PER_SEC;

	if (signing_key(st, key) != 0 || random_bytes(jti, sizeof jti) != 0)
		return NULL;
	lyra_hex_encode(jti, sizeof jti, jtihex);
	claims = json_pack("{sssssssssssIsIsIss}", "iss", "lyra", "typ", typ, "sub", sub, "role", role,
	                   "sid", sid, "iat", (json_int_t)now_s, "nbf", (json_int_t)now_s,
	                   "exp", (json_int_t)exp_s, "jti", jtihex);
	tok = claims ? lyra_jwt_sign(claims, key, sizeof key) : NULL;
	json_decref(claims);
	lyra_secret_wipe(key, sizeof key);
	if (!tok && !claims)
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return tok;
}

/* A new refresh token for session sid: its text into out, its hash into the store. */
static int new_refresh(struct lyra_store *st, const char *sid, int64_t now, char out[48])
{
	unsigned char raw[32], hash[32];
	sqlite3_stmt *s;
	int rc;

	if (random_bytes(raw, sizeof raw) != 0)
		return -1;
	lyra_jwt_b64url_encode(raw, sizeof raw, out, 48);
	lyra_secret_wipe(raw, sizeof raw);
	sha256(out, strlen(out), hash);
	s = lyra_store_cached(st, "INSERT INTO refresh_tokens(hash, session_id, created, expires)"
	                          " VALUES (?1, ?2, ?3, ?4)");
	if (!s)
		return -1;
	sqlite3_bind_blob(s, 1, hash, sizeof hash, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int64(s, 4, now + LYRA_AUTH_REFRESH_S * LYRA_US_PER_SEC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot store a refresh token");
	return 0;
}

/* Fill out for session sid of user u: a new access token and refresh token. In a tx. */
static int issue_pair(struct lyra_store *st, const char *sid, const char *user, const char *role,
                      int64_t now, struct lyra_auth_tokens *out)
{
	int64_t exp_s = now / LYRA_US_PER_SEC + LYRA_AUTH_ACCESS_S;

	memset(out, 0, sizeof *out);
	snprintf(out->session, sizeof out->session, "%s", sid);
	snprintf(out->user, sizeof out->user, "%s", user);
	snprintf(out->role, sizeof out->role, "%s", role);
	out->access_expires = exp_s * LYRA_US_PER_SEC;
	out->refresh_expires = now + LYRA_AUTH_REFRESH_S * LYRA_US_PER_SEC;
	if (new_refresh(st, sid, now, out->refresh) != 0)
		return -1;
	out->access = make_access(st, "access", user, role, sid, now, exp_s);
	return out->access ? 0 : -1;
}

static int new_session(struct lyra_store *st, const char *kind, int64_t user_id, const char *name,
                       const char *role, int64_t now, int64_t expires, const char *by,
                       char sid[40])
{
	unsigned char raw[16];
	sqlite3_stmt *s;
	int rc;

	if (random_bytes(raw, sizeof raw) != 0)
		return -1;
	lyra_hex_encode(raw, sizeof raw, sid);
	s = lyra_store_cached(st,
		"INSERT INTO sessions(id, kind, user_id, name, role, created, last_seen, expires, created_by)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	if (user_id > 0)
		sqlite3_bind_int64(s, 3, user_id);
	else
		sqlite3_bind_null(s, 3);
	sqlite3_bind_text(s, 4, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 5, role, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 6, now);
	sqlite3_bind_int64(s, 7, expires);
	sqlite3_bind_text(s, 8, by, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_CONSTRAINT)
		return lyra_error(LYRA_EX_USAGE, "a service token named '%s' exists already", name);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot store a session");
	return 0;
}

/* Record a failed login for u (id > 0) and lock the account on the fifth in a row. Commits
 * its own transaction; the error message is set afterwards by the caller. */
static void login_failed(struct lyra_store *st, const struct urow *u, const char *name,
                         const char *reason, int64_t now)
{
	char obj[160];
	int failures = u->failures + 1, locked = 0;

	user_object(obj, sizeof obj, name);
	if (lyra_store_begin(st) != 0)
		return;
	if (u->id > 0) {
		if (failures >= LYRA_AUTH_MAX_FAILURES) {
			locked = 1;
			if (exec_user(st, "UPDATE users SET failures = 0, locked_until = ?2 WHERE id = ?1"
			                  " AND ?3 = ?3", u->id, now + LYRA_AUTH_LOCK_US, 0) != 0)
				goto fail;
		} else if (exec_user(st, "UPDATE users SET failures = ?2 WHERE id = ?1 AND ?3 = ?3",
		                     u->id, failures, 0) != 0) {
			goto fail;
		}
	}
	if (audit(st, name, "auth.login.fail", obj,
	          json_pack("{sssi}", "reason", reason, "failures", u->id > 0 ? failures : 0)) != 0)
		goto fail;
	if (locked) {
		char until[40];
		lyra_time_format(now + LYRA_AUTH_LOCK_US, until, sizeof until);
		if (audit(st, name, "auth.lockout", obj,
		          json_pack("{siss}", "failures", failures, "until", until)) != 0)
			goto fail;
	}
	lyra_store_commit(st);
	return;
fail:
	lyra_store_rollback(st);
}

static int recovery_normalize(const char *code, char out[32])
{
	size_t n = 0;
	for (const char *p = code; *p; p++) {
		char c = *p;
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (n + 1 >= 32)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == 16 ? 0 : -1;
}

static void recovery_hash(const unsigned char salt[16], const char *norm, unsigned char out[32])
{
	unsigned char buf[16 + 32];
	size_t n = strlen(norm);
	memcpy(buf, salt, 16);
	memcpy(buf + 16, norm, n);
	sha256(buf, 16 + n, out);
	lyra_secret_wipe(buf, sizeof buf);
}

/* Spend a recovery code of user_id: 1 accepted, 0 not, -1 error. In a tx. */
static int use_recovery(struct lyra_store *st, int64_t user_id, const char *code, int64_t now,
                        int64_t *left)
{
	char norm[32];
	sqlite3_stmt *s;
	int64_t hit = 0;
	int rc;

	*left = 0;
	if (recovery_normalize(code, norm) != 0)
		return 0;
	s = lyra_store_prepare(st, "SELECT id, salt, hash FROM mfa_recovery WHERE user_id = ?1 AND used IS NULL");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, user_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		unsigned char h[32];
		if (sqlite3_column_bytes(s, 1) != 16 || sqlite3_column_bytes(s, 2) != 32)
			continue;
		recovery_hash(sqlite3_column_blob(s, 1), norm, h);
		if (CRYPTO_memcmp(h, sqlite3_column_blob(s, 2), 32) == 0 && !hit)
			hit = sqlite3_column_int64(s, 0);
		else
			(*left)++;
	}
	sqlite3_finalize(s);
	lyra_secret_wipe(norm, sizeof norm);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot read recovery codes");
	if (!hit)
		return 0;
	if (exec_user(st, "UPDATE mfa_recovery SET used = ?2 WHERE id = ?1 AND ?3 = ?3", hit, now, 0) != 0)
		return -1;
	return 1;
}

/* Check a second-factor code for u: TOTP (recording its step) or a recovery code. 1 good,
 * 0 bad, -1 error. In a tx. *how gets "totp" or "recovery". */
static int check_code(struct lyra_store *st, const struct urow *u, const char *code, int64_t now,
                      const char **how, int64_t *left)
{
	unsigned char secret[64];
	char vname[64];
	struct lyra_vault v;
	int64_t step;
	int n;

	*how = "totp";
	*left = -1;
	if (strlen(code) != LYRA_TOTP_DIGITS) {
		*how = "recovery";
		return use_recovery(st, u->id, code, now, left);
	}
	snprintf(vname, sizeof vname, "mfa:%lld", (long long)u->id);
	lyra_vault_init(&v, st);
	n = lyra_vault_get(&v, vname, secret, sizeof secret);
	lyra_vault_release(&v);
	if (n < 0)
		return -1;
	step = lyra_totp_verify(LYRA_TOTP_SHA1, secret, (size_t)n, code, now / LYRA_US_PER_SEC,
	                        LYRA_TOTP_STEP, LYRA_TOTP_DIGITS, LYRA_TOTP_WINDOW, u->last_step);
	lyra_secret_wipe(secret, sizeof secret);
	if (step < 0)
		return 0;
	if (exec_user(st, "UPDATE mfa SET last_step = ?2 WHERE user_id = ?1 AND ?3 = ?3", u->id, step, 0) != 0)
		return -1;
	return 1;
}

int lyra_auth_login(struct lyra_store *st, const char *name, const char *password,
                    const char *code, int64_t now, struct lyra_auth_tokens *out)
{
	struct urow u, again;
	char obj[160], sid[40], until[40];
	const char *how = NULL;
	int found, ok;
	int64_t left = -1;

	memset(out, 0, sizeof *out);
	if (need_enforced(st) != 0)
		return -1;
	found = user_load(st, name, &u);
	if (found < 0)
		return -1;
	if (!found) {
		/* The same work as for a real user, so timing does not tell names apart. */
		unsigned char salt[16] = { 0 }, h[32];
		lyra_auth_pbkdf2(password, strlen(password), salt, sizeof salt, LYRA_AUTH_KDF_ITER, h, sizeof h);
		login_failed(st, &u, name, "unknown user", now);
		return lyra_error(LYRA_EX_NOPERM, "login failed: wrong user name or password");
	}
	if (u.disabled) {
		urow_wipe(&u);
		login_failed(st, &u, name, "account locked by an administrator", now);
		return lyra_error(LYRA_EX_NOPERM, "login failed: account '%s' is locked by an "
		                  "administrator", name);
	}
	if (u.locked_until > now) {
		urow_wipe(&u);
		lyra_time_format(u.locked_until - u.locked_until % LYRA_US_PER_SEC, until, sizeof until);
		if (lyra_store_begin(st) == 0) {
			user_object(obj, sizeof obj, name);
			if (audit(st, name, "auth.login.fail", obj,
			          json_pack("{ssss}", "reason", "locked out", "until", until)) == 0)
				lyra_store_commit(st);
			else
				lyra_store_rollback(st);
		}
		return lyra_error(LYRA_EX_NOPERM, "login failed: account '%s' is locked until %s after "
		                  "%d failed logins", name, until, LYRA_AUTH_MAX_FAILURES);
	}
	ok = password_matches(&u, password);
	if (ok < 0) {
		urow_wipe(&u);
		return -1;
	}
	if (!ok) {
		urow_wipe(&u);
		login_failed(st, &u, name, "wrong password", now);
		return lyra_error(LYRA_EX_NOPERM, "login failed: wrong user name or password");
	}
	if (u.mfa == 1 && !code) {
		urow_wipe(&u);
		return LYRA_AUTH_NEED_CODE;
	}
	if (lyra_store_begin(st) != 0) {
		urow_wipe(&u);
		return -1;
	}
	/* Re-read inside the transaction: another login may have moved the counters or the TOTP step. */
	if (user_load(st, name, &again) != 1 || again.id != u.id) {
		urow_wipe(&u);
		lyra_error(LYRA_EX_NOPERM, "login failed: user '%s' changed meanwhile", name);
		return fail_tx(st);
	}
	urow_wipe(&again);
	u.last_step = again.last_step;
	u.failures = again.failures;
	if (u.mfa == 1) {
		int good = check_code(st, &u, code, now, &how, &left);
		if (good <= 0) {
			urow_wipe(&u);
			if (good < 0)
				return fail_tx(st);
			lyra_store_rollback(st);
			login_failed(st, &u, name, "wrong second-factor code", now);
			return lyra_error(LYRA_EX_NOPERM, "login failed: wrong, expired or reused "
			                  "second-factor code");
		}
	}
	if (u.iter < LYRA_AUTH_KDF_ITER && set_password(st, u.id, password, now) != 0) {
		urow_wipe(&u);
		return fail_tx(st);
	}
	urow_wipe(&u);
	user_object(obj, sizeof obj, name);
	if (exec_user(st, "UPDATE users SET failures = 0, locked_until = 0, last_login = ?2"
	                  " WHERE id = ?1 AND ?3 = ?3", u.id, now, 0) != 0 ||
	    new_session(st, "login", u.id, NULL, u.role, now, now + LYRA_AUTH_REFRESH_S * LYRA_US_PER_SEC,
	                name, sid) != 0 ||
	    issue_pair(st, sid, name, u.role, now, out) != 0)
		goto fail;
	if (how && strcmp(how, "recovery") == 0 &&
	    audit(st, name, "auth.mfa.recovery", obj, json_pack("{sI}", "codes_left", (json_int_t)left)) != 0)
		goto fail;
	if (audit(st, name, "auth.login", obj,
	          json_pack("{sssssbsb}", "session", sid, "role", u.role, "mfa", u.mfa == 1,
	                    "rehashed", u.iter < LYRA_AUTH_KDF_ITER)) != 0 ||
	    lyra_store_commit(st) != 0)
		goto fail;
	return 0;
fail:
	lyra_auth_tokens_release(out);
	return fail_tx(st);
}

struct srow {
	char id[40];
	char kind[16];
	int64_t user_id;
	char name[128];           /* service token name, or the user's name */
	char role[32];            /* service token role, or the user's current role */
	int64_t last_seen, expires, revoked;
	int disabled;
	int64_t locked_until;
};

/* Load session sid (joined with its user): 1, 0 absent, -1 error. */
static int session_load(struct lyra_store *st, const char *sid, struct srow *r)
{
	sqlite3_stmt *s = lyra_store_cached(st,
		"SELECT s.id, s.kind, COALESCE(s.user_id, 0), COALESCE(u.name, s.name),"
		" COALESCE(u.role, s.role), s.last_seen, s.expires, COALESCE(s.revoked, 0),"
		" COALESCE(u.disabled, 0), COALESCE(u.locked_until, 0)"
		" FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = ?1");
	int rc, found = 0;

	memset(r, 0, sizeof *r);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, sid, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(r->id, sizeof r->id, "%s", (const char *)sqlite3_column_text(s, 0));
		snprintf(r->kind, sizeof r->kind, "%s", (const char *)sqlite3_column_text(s, 1));
		r->user_id = sqlite3_column_int64(s, 2);
		snprintf(r->name, sizeof r->name, "%s", sqlite3_column_text(s, 3) ?
		         (const char *)sqlite3_column_text(s, 3) : "");
		snprintf(r->role, sizeof r->role, "%s", sqlite3_column_text(s, 4) ?
		         (const char *)sqlite3_column_text(s, 4) : "");
		r->last_seen = sqlite3_column_int64(s, 5);
		r->expires = sqlite3_column_int64(s, 6);
		r->revoked = sqlite3_column_int64(s, 7);
		r->disabled = sqlite3_column_int(s, 8);
		r->locked_until = sqlite3_column_int64(s, 9);
		found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot read sessions");
	return found;
}

static int revoke_session(struct lyra_store *st, const char *sid, int64_t now)
{
	sqlite3_stmt *s = lyra_store_cached(st,
		"UPDATE sessions SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL");
	int rc;
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot end a session");
	return 0;
}

/* Why a live-looking session cannot be used at now, or NULL when it can. */
static const char *session_dead(const struct srow *r, int64_t now)
{
	if (r->revoked)
		return "the session was ended (logout or revocation)";
	if (now >= r->expires)
		return "the session expired";
	if (strcmp(r->kind, "login") == 0) {
		if (!r->user_id)
			return "the user no longer exists";
		if (r->disabled)
			return "the account is locked by an administrator";
		if (r->locked_until > now)
			return "the account is locked out";
		if (now - r->last_seen > LYRA_AUTH_IDLE_US)
			return "the session ended after 60 minutes idle";
	}
	return NULL;
}

/* Audit a refused token in its own transaction (failures here change nothing). */
static void token_refused(struct lyra_store *st, const char *actor, const char *object,
                          const char *reason)
{
	if (lyra_store_begin(st) != 0)
		return;
	if (audit(st, actor, "auth.token.refused", object, json_pack("{ss}", "reason", reason)) == 0)
		lyra_store_commit(st);
	else
		lyra_store_rollback(st);
}

int lyra_auth_refresh(struct lyra_store *st, const char *refresh, int64_t now,
                      struct lyra_auth_tokens *out)
{
	unsigned char hash[32];
	sqlite3_stmt *s;
	char sid[40], obj[160];
	int64_t expires = 0, used = 0;
	struct srow r;
	const char *dead;
	int rc, found = 0;

	memset(out, 0, sizeof *out);
	if (need_enforced(st) != 0)
		return -1;
	sha256(refresh, strlen(refresh), hash);
	if (lyra_store_begin(st) != 0)
		return -1;
	s = lyra_store_cached(st, "SELECT session_id, expires, COALESCE(used, 0) FROM refresh_tokens WHERE hash = ?1");
	if (!s)
		return fail_tx(st);
	sqlite3_bind_blob(s, 1, hash, sizeof hash, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(sid, sizeof sid, "%s", (const char *)sqlite3_column_text(s, 0));
		expires = sqlite3_column_int64(s, 1);
		used = sqlite3_column_int64(s, 2);
		found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		lyra_store_fail(st, "cannot read refresh tokens");
		return fail_tx(st);
	}
	if (!found || session_load(st, sid, &r) != 1) {
		lyra_store_rollback(st);
		token_refused(st, "unknown", "", "unknown refresh token");
		return lyra_error(LYRA_EX_NOPERM, "refresh refused: unknown refresh token (log in again)");
	}
	user_object(obj, sizeof obj, r.name);
	if (used) {
		/* A spent refresh token came back: someone holds a copy. End the whole session. */
		if (revoke_session(st, sid, now) != 0 ||
		    audit(st, r.name, "auth.refresh.reuse", obj, json_pack("{ss}", "session", sid)) != 0 ||
		    lyra_store_commit(st) != 0)
			return fail_tx(st);
		return lyra_error(LYRA_EX_NOPERM, "refresh refused: that refresh token was used already; "
		                  "the session is ended (log in again)");
	}
	dead = now >= expires ? "the refresh token expired" : session_dead(&r, now);
	if (dead) {
		lyra_store_rollback(st);
		token_refused(st, r.name, obj, dead);
		return lyra_error(LYRA_EX_NOPERM, "refresh refused: %s (log in again)", dead);
	}
	s = lyra_store_cached(st, "UPDATE refresh_tokens SET used = ?2 WHERE hash = ?1");
	if (!s)
		return fail_tx(st);
	sqlite3_bind_blob(s, 1, hash, sizeof hash, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		lyra_store_fail(st, "cannot spend a refresh token");
		return fail_tx(st);
	}
	s = lyra_store_cached(st, "UPDATE sessions SET last_seen = ?2, expires = ?3 WHERE id = ?1");
	if (!s)
		return fail_tx(st);
	sqlite3_bind_text(s, 1, sid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, now + LYRA_AUTH_REFRESH_S * LYRA_US_PER_SEC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		lyra_store_fail(st, "cannot update a session");
		return fail_tx(st);
	}
	if (issue_pair(st, sid, r.name, r.role, now, out) != 0 ||
	    audit(st, r.name, "auth.refresh", obj, json_pack("{ss}", "session", sid)) != 0 ||
	    lyra_store_commit(st) != 0) {
		lyra_auth_tokens_release(out);
		return fail_tx(st);
	}
	return 0;
}

int lyra_auth_logout(struct lyra_store *st, const struct lyra_auth_tokens *t, int64_t now)
{
	struct srow r;
	char obj[160];

	if (need_enforced(st) != 0)
		return -1;
	if (!t->session[0])
		return lyra_error(LYRA_EX_USAGE, "not logged in");
	if (lyra_store_begin(st) != 0)
		return -1;
	if (session_load(st, t->session, &r) != 1) {
		lyra_store_rollback(st);
		return lyra_error(LYRA_EX_NOPERM, "no such session: already ended");
	}
	/* Only a holder of the session's refresh token ends it. */
	{
		unsigned char hash[32];
		sqlite3_stmt *s = lyra_store_cached(st,
			"SELECT 1 FROM refresh_tokens WHERE hash = ?1 AND session_id = ?2");
		int rc;
		sha256(t->refresh, strlen(t->refresh), hash);
		if (!s)
			return fail_tx(st);
		sqlite3_bind_blob(s, 1, hash, sizeof hash, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, t->session, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_ROW) {
			lyra_store_rollback(st);
			return lyra_error(LYRA_EX_NOPERM, "logout refused: the token file does not match "
			                  "the session");
		}
	}
	user_object(obj, sizeof obj, r.name);
	if (revoke_session(st, t->session, now) != 0 ||
	    audit(st, r.name, "auth.logout", obj, json_pack("{ss}", "session", t->session)) != 0 ||
	    lyra_store_commit(st) != 0)
		return fail_tx(st);
	return 0;
}

int lyra_auth_check_token(struct lyra_store *st, const char *token, int64_t now,
                          struct lyra_identity *id, char *session)
{
	unsigned char key[32];
	json_t *claims;
	const char *typ, *sid, *sub, *dead;
	struct srow r;
	char obj[200], why[256];
	int found;

	memset(id, 0, sizeof *id);
	if (signing_key(st, key) != 0)
		return -1;
	claims = lyra_jwt_verify(token, key, sizeof key, now / LYRA_US_PER_SEC);
	lyra_secret_wipe(key, sizeof key);
	if (!claims) {
		snprintf(why, sizeof why, "%s", lyra_error_msg());
		token_refused(st, "unknown", "", why);
		return lyra_error(LYRA_EX_NOPERM, "%s", why);
	}
	typ = json_string_value(json_object_get(claims, "typ"));
	sid = json_string_value(json_object_get(claims, "sid"));
	sub = json_string_value(json_object_get(claims, "sub"));
	if (!typ || !sid || !sub || (strcmp(typ, "access") != 0 && strcmp(typ, "service") != 0)) {
		json_decref(claims);
		token_refused(st, "unknown", "", "token without typ, sid or sub");
		return lyra_error(LYRA_EX_NOPERM, "malformed token: it is not a lyra access token");
	}
	found = session_load(st, sid, &r);
	if (found < 0) {
		json_decref(claims);
		return -1;
	}
	if (found && strcmp(typ, "access") == 0) {
		found = strcmp(r.kind, "login") == 0 && strcmp(r.name, sub) == 0;
	} else if (found) {
		snprintf(obj, sizeof obj, "token:%s", r.name);
		found = strcmp(r.kind, "service") == 0 && strcmp(obj, sub) == 0;
	}
	if (!found) {
		token_refused(st, sub, "", "no such session");
		json_decref(claims);
		return lyra_error(LYRA_EX_NOPERM, "token refused: no such session");
	}
	json_decref(claims);
	if (strcmp(r.kind, "service") == 0)
		snprintf(obj, sizeof obj, "token:%s", r.name);
	else
		user_object(obj, sizeof obj, r.name);
	dead = session_dead(&r, now);
	if (dead) {
		token_refused(st, strcmp(r.kind, "service") == 0 ? obj : r.name, obj, dead);
		return lyra_error(LYRA_EX_NOPERM, "token refused: %s (%s)", dead,
		                  strcmp(r.kind, "login") == 0 ? "run 'auth login'" : "issue a new token");
	}
	if (strcmp(r.kind, "service") == 0) {
		snprintf(id->name, sizeof id->name, "%.120s", obj);
		if (lyra_store_begin(st) != 0)
			return -1;
		{
			sqlite3_stmt *s = lyra_store_cached(st,
				"UPDATE sessions SET uses = uses + 1, last_seen = ?2 WHERE id = ?1");
			int rc;
			if (!s)
				return fail_tx(st);
			sqlite3_bind_text(s, 1, r.id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(s, 2, now);
			rc = sqlite3_step(s);
			sqlite3_reset(s);
			if (rc != SQLITE_DONE) {
				lyra_store_fail(st, "cannot count a token use");
				return fail_tx(st);
			}
		}
		if (audit(st, obj, "auth.token.use", obj, json_pack("{ss}", "role", r.role)) != 0 ||
		    lyra_store_commit(st) != 0)
			return fail_tx(st);
	} else {
		snprintf(id->name, sizeof id->name, "%s", r.name);
		if (now - r.last_seen > 60 * LYRA_US_PER_SEC) {
			sqlite3_stmt *s;
			if (lyra_store_begin(st) != 0)
				return -1;
			s = lyra_store_cached(st, "UPDATE sessions SET last_seen = ?2 WHERE id = ?1");
			if (!s)
				return fail_tx(st);
			sqlite3_bind_text(s, 1, r.id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(s, 2, now);
			if (sqlite3_step(s) != SQLITE_DONE) {
				sqlite3_reset(s);
				lyra_store_fail(st, "cannot update a session");
				return fail_tx(st);
			}
			sqlite3_reset(s);
			if (lyra_store_commit(st) != 0)
				return fail_tx(st);
		}
	}
	snprintf(id->role, sizeof id->role, "%s", r.role);
	if (session)
		snprintf(session, 40, "%s", r.id);
	return 0;
}

/* ---- token files ---- */

int lyra_auth_token_path(char *buf, size_t n)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int len;

	if (xdg && *xdg)
		len = snprintf(buf, n, "%s/lyra/token", xdg);
	else if (home && *home)
		len = snprintf(buf, n, "%s/.config/lyra/token", home);
	else
		return lyra_error(LYRA_EX_CONFIG, "cannot find the token file: neither HOME nor "
		                  "XDG_CONFIG_HOME is set");
	if (len < 0 || (size_t)len >= n)
		return lyra_error(LYRA_EX_CONFIG, "token file path too long");
	return 0;
}

static int make_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	struct stat sb;

	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &sb) == 0)
		return S_ISDIR(sb.st_mode) ? 0 : -1;
	if (make_parent(dir) != 0)
		return -1;
	return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int lyra_auth_tokens_save(const struct lyra_auth_tokens *t, const char *path)
{
	char tmp[PATH_MAX];
	json_t *o;
	char *text;
	int fd, ok;
	size_t len;

	if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp)
		return lyra_error(LYRA_EX_CANTCREAT, "token file path too long");
	if (make_parent(path) != 0)
		return lyra_error(LYRA_EX_CANTCREAT, "cannot create the folder of '%s': %s", path,
		                  strerror(errno));
	o = json_pack("{sssssssssssIsssI}", "type", "lyra_token", "user", t->user, "role", t->role,
	              "session", t->session, "access_token", t->access ? t->access : "",
	              "access_expires", (json_int_t)t->access_expires, "refresh_token", t->refresh,
	              "refresh_expires", (json_int_t)t->refresh_expires);
	text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!text)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	len = strlen(text);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	ok = fd >= 0 && fchmod(fd, 0600) == 0 && write(fd, text, len) == (ssize_t)len &&
	     write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	lyra_secret_wipe(text, len);
	free(text);
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return lyra_error(LYRA_EX_CANTCREAT, "cannot write token file '%s': %s", path, strerror(e));
	}
	return 0;
}

int lyra_auth_tokens_load(const char *path, struct lyra_auth_tokens *t)
{
	char buf[LYRA_JWT_MAX + 1024];
	json_t *o;
	const char *access, *refresh;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	ssize_t n = 0, r;

	memset(t, 0, sizeof *t);
	if (fd < 0) {
		if (errno == ENOENT)
			return lyra_error(LYRA_EX_NOPERM, "not logged in: run 'auth login' (or set LYRA_TOKEN)");
		return lyra_error(LYRA_EX_NOPERM, "cannot read token file '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077) || sb.st_uid != geteuid()) {
		close(fd);
		return lyra_error(LYRA_EX_NOPERM, "token file '%s' is open to other users or not yours "
		                  "(mode %04o): remove it and log in again", path,
		                  (unsigned)(sb.st_mode & 07777));
	}
	while ((size_t)n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - (size_t)n)) > 0)
		n += r;
	close(fd);
	buf[n] = '\0';
	o = json_loads(buf, 0, NULL);
	lyra_secret_wipe(buf, sizeof buf);
	access = json_string_value(json_object_get(o, "access_token"));
	refresh = json_string_value(json_object_get(o, "refresh_token"));
	if (!o || !access || !refresh || strlen(refresh) >= sizeof t->refresh) {
		json_decref(o);
		return lyra_error(LYRA_EX_NOPERM, "token file '%s' is malformed: log in again", path);
	}
	t->access = strdup(access);
	snprintf(t->refresh, sizeof t->refresh, "%s", refresh);
	snprintf(t->session, sizeof t->session, "%s", json_string_value(json_object_get(o, "session")) ?: "");
	snprintf(t->user, sizeof t->user, "%s", json_string_value(json_object_get(o, "user")) ?: "");
	snprintf(t->role, sizeof t->role, "%s", json_string_value(json_object_get(o, "role")) ?: "");
	t->access_expires = json_integer_value(json_object_get(o, "access_expires"));
	t->refresh_expires = json_integer_value(json_object_get(o, "refresh_expires"));
	json_decref(o);
	if (!t->access)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return 0;
}

int lyra_auth_resolve(struct lyra_store *st, struct lyra_identity *id)
{
	const char *env = getenv("LYRA_TOKEN");
	char path[PATH_MAX];
	struct lyra_auth_tokens t;
	int rc;

	if (env && *env)
		return lyra_auth_check_token(st, env, lyra_time_now_us(), id, NULL);
	if (lyra_auth_token_path(path, sizeof path) != 0 || lyra_auth_tokens_load(path, &t) != 0)
		return -1;
	rc = lyra_auth_check_token(st, t.access, lyra_time_now_us(), id, NULL);
	lyra_auth_tokens_release(&t);
	if (rc != 0 && strstr(lyra_error_msg(), "expired"))
		lyra_error_wrap("run 'auth refresh' or 'auth login'");
	return rc;
}

/* ---- second factor ---- */

void lyra_auth_enrolment_wipe(struct lyra_auth_enrolment *e)
{
	lyra_secret_wipe(e, sizeof *e);
}

static int self_user(struct lyra_store *st, const struct lyra_identity *actor, struct urow *u)
{
	if (need_enforced(st) != 0)
		return -1;
	if (actor->local || strncmp(actor->name, "token:", 6) == 0)
		return lyra_error(LYRA_EX_USAGE, "a second factor belongs to a user: log in as one");
	return user_need(st, actor->name, u);
}

int lyra_auth_mfa_enroll(struct lyra_store *st, const struct lyra_identity *actor, int64_t now,
                         struct lyra_auth_enrolment *out)
{
	unsigned char secret[20], raw[10], salt[16], hash[32];
	char vname[64], obj[160], norm[32];
	struct lyra_vault v;
	struct urow u;
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	if (self_user(st, actor, &u) != 0)
		return -1;
	urow_wipe(&u);
	if (u.mfa == 1)
		return lyra_error(LYRA_EX_USAGE, "'%s' has a second factor already: 'auth mfa disable' "
		                  "it first", u.name);
	if (random_bytes(secret, sizeof secret) != 0)
		return -1;
	lyra_totp_base32_encode(secret, sizeof secret, out->secret, sizeof out->secret);
	lyra_totp_uri("lyra", u.name, out->secret, out->uri, sizeof out->uri);
	if (lyra_store_begin(st) != 0)
		goto wipe;
	snprintf(vname, sizeof vname, "mfa:%lld", (long long)u.id);
	lyra_vault_init(&v, st);
	rc = lyra_vault_put(&v, LYRA_VAULT_SYSTEM, vname, secret, sizeof secret, now);
	lyra_vault_release(&v);
	if (rc != 0 ||
	    exec_user(st, "INSERT OR REPLACE INTO mfa(user_id, confirmed, last_step, created)"
	                  " VALUES (?1, 0, -1, ?2)", u.id, now, 0) != 0 ||
	    exec_user(st, "DELETE FROM mfa_recovery WHERE user_id = ?1 AND ?2 = ?3", u.id, 0, 0) != 0)
		goto fail;
	s = lyra_store_cached(st, "INSERT INTO mfa_recovery(user_id, salt, hash) VALUES (?1, ?2, ?3)");
	if (!s)
		goto fail;
	for (int i = 0; i < LYRA_AUTH_RECOVERY_CODES; i++) {
		char b32[20];
		if (random_bytes(raw, sizeof raw) != 0 || random_bytes(salt, sizeof salt) != 0)
			goto fail;
		lyra_totp_base32_encode(raw, sizeof raw, b32, sizeof b32);
		for (int k = 0; k < 16; k++)
			b32[k] = (char)(b32[k] >= 'A' && b32[k] <= 'Z' ? b32[k] - 'A' + 'a' : b32[k]);
		snprintf(out->recovery[i], sizeof out->recovery[i], "%.4s-%.4s-%.4s-%.4s", b32, b32 + 4,
		         b32 + 8, b32 + 12);
		recovery_normalize(out->recovery[i], norm);
		recovery_hash(salt, norm, hash);
		lyra_secret_wipe(b32, sizeof b32);
		sqlite3_bind_int64(s, 1, u.id);
		sqlite3_bind_blob(s, 2, salt, sizeof salt, SQLITE_TRANSIENT);
		sqlite3_bind_blob(s, 3, hash, sizeof hash, SQLITE_TRANSIENT);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			lyra_store_fail(st, "cannot store recovery codes");
			goto fail;
		}
	}
	user_object(obj, sizeof obj, u.name);
	if (audit(st, actor->name, "auth.mfa.enroll", obj,
	          json_pack("{sssi}", "method", "totp", "recovery_codes", LYRA_AUTH_RECOVERY_CODES)) != 0 ||
	    lyra_store_commit(st) != 0)
		goto fail;
	lyra_secret_wipe(secret, sizeof secret);
	lyra_secret_wipe(norm, sizeof norm);
	return 0;
fail:
	lyra_store_rollback(st);
wipe:
	lyra_secret_wipe(secret, sizeof secret);
	lyra_secret_wipe(norm, sizeof norm);
	lyra_auth_enrolment_wipe(out);
	return -1;
}

int lyra_auth_mfa_verify(struct lyra_store *st, const struct lyra_identity *actor,
                         const char *code, int64_t now)
{
	struct urow u;
	char obj[160];
	const char *how;
	int64_t left;
	int good;

	if (self_user(st, actor, &u) != 0)
		return -1;
	urow_wipe(&u);
	if (!u.mfa)
		return lyra_error(LYRA_EX_USAGE, "'%s' has no second factor: 'auth mfa enroll' first", u.name);
	if (strlen(code) != LYRA_TOTP_DIGITS)
		return lyra_error(LYRA_EX_USAGE, "a code from the authenticator app has %d digits",
		                  LYRA_TOTP_DIGITS);
	if (lyra_store_begin(st) != 0)
		return -1;
	user_object(obj, sizeof obj, u.name);
	good = check_code(st, &u, code, now, &how, &left);
	if (good < 0)
		return fail_tx(st);
	if (!good) {
		lyra_store_rollback(st);
		if (lyra_store_begin(st) == 0) {
			if (audit(st, actor->name, "auth.mfa.fail", obj, NULL) == 0)
				lyra_store_commit(st);
			else
				lyra_store_rollback(st);
		}
		return lyra_error(LYRA_EX_NOPERM, "code refused: wrong, expired or used already");
	}
	if (exec_user(st, "UPDATE mfa SET confirmed = 1 WHERE user_id = ?1 AND ?2 = ?3", u.id, 0, 0) != 0 ||
	    audit(st, actor->name, u.mfa == 2 ? "auth.mfa.confirm" : "auth.mfa.verify", obj, NULL) != 0 ||
	    lyra_store_commit(st) != 0)
		return fail_tx(st);
	return 0;
}

int lyra_auth_mfa_disable(struct lyra_store *st, const struct lyra_identity *actor,
                          const char *name, const char *code, int64_t now)
{
	struct urow u;
	char obj[160], vname[64];
	struct lyra_vault v;
	int self = strcmp(actor->name, name) == 0 && !actor->local;

	if (need_enforced(st) != 0 || user_need(st, name, &u) != 0)
		return -1;
	urow_wipe(&u);
	if (!u.mfa)
		return lyra_error(LYRA_EX_USAGE, "'%s' has no second factor", name);
	if (!self && may_manage(actor, u.role, NULL) != 0)
		return -1;
	if (lyra_store_begin(st) != 0)
		return -1;
	if (self && u.mfa == 1) {
		const char *how;
		int64_t left;
		int good = code ? check_code(st, &u, code, now, &how, &left) : 0;
		if (good <= 0) {
			if (good < 0)
				return fail_tx(st);
			lyra_store_rollback(st);
			return lyra_error(LYRA_EX_NOPERM, "removing your second factor needs a current code "
			                  "(or a recovery code)");
		}
	}
	snprintf(vname, sizeof vname, "mfa:%lld", (long long)u.id);
	user_object(obj, sizeof obj, name);
	lyra_vault_init(&v, st);
	if (lyra_vault_del(&v, vname) != 0 ||
	    exec_user(st, "DELETE FROM mfa WHERE user_id = ?1 AND ?2 = ?3", u.id, 0, 0) != 0 ||
	    exec_user(st, "DELETE FROM mfa_recovery WHERE user_id = ?1 AND ?2 = ?3", u.id, 0, 0) != 0 ||
	    audit(st, actor->name, "auth.mfa.disable", obj, json_pack("{sb}", "by_admin", !self)) != 0 ||
	    lyra_store_commit(st) != 0) {
		lyra_vault_release(&v);
		return fail_tx(st);
	}
	lyra_vault_release(&v);
	return 0;
}

/* ---- service tokens ---- */

int lyra_auth_service_issue(struct lyra_store *st, const struct lyra_identity *actor,
                            const char *name, const char *role, int64_t ttl_us, int64_t now,
                            char **token)
{
	int want = lyra_auth_role_parse(role), mine = role_index(actor->role);
	char sid[40], obj[200], until[40];
	int64_t exp_s;

	*token = NULL;
	if (want < 0 || need_enforced(st) != 0)
		return -1;
	if (!valid_name(name))
		return lyra_error(LYRA_EX_USAGE, "bad token name '%s': 1 to 64 of A-Z a-z 0-9 . _ - @", name);
	if (mine < 0 || want < mine)
		return lyra_error(LYRA_EX_NOPERM, "permission denied: %s (%s) may not issue a %s token",
		                  actor->name, actor->role, role);
	if (ttl_us < LYRA_US_PER_SEC || ttl_us > 3660LL * 86400 * LYRA_US_PER_SEC)
		return lyra_error(LYRA_EX_USAGE, "token lifetime must be between 1s and 10 years");
	exp_s = (now + ttl_us) / LYRA_US_PER_SEC;
	if (lyra_store_begin(st) != 0)
		return -1;
	snprintf(obj, sizeof obj, "token:%s", name);
	lyra_time_format(exp_s * LYRA_US_PER_SEC, until, sizeof until);
	if (new_session(st, "service", 0, name, role, now, exp_s * LYRA_US_PER_SEC, actor->name, sid) != 0)
		return fail_tx(st);
	*token = make_access(st, "service", obj, role, sid, now, exp_s);
	if (!*token ||
	    audit(st, actor->name, "auth.token.issue", obj,
	          json_pack("{ssssss}", "role", role, "expires", until, "session", sid)) != 0 ||
	    lyra_store_commit(st) != 0) {
		free(*token);
		*token = NULL;
		return fail_tx(st);
	}
	return 0;
}

int lyra_auth_service_revoke(struct lyra_store *st, const struct lyra_identity *actor,
                             const char *name, int64_t now)
{
	sqlite3_stmt *s;
	char obj[200];
	int rc, n;

	if (need_enforced(st) != 0 || lyra_store_begin(st) != 0)
		return -1;
	s = lyra_store_cached(st, "UPDATE sessions SET revoked = ?2 WHERE kind = 'service' AND name = ?1"
	                          " AND revoked IS NULL");
	if (!s)
		return fail_tx(st);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	n = sqlite3_changes(st->db);
	if (rc != SQLITE_DONE) {
		lyra_store_fail(st, "cannot revoke a token");
		return fail_tx(st);
	}
	if (!n) {
		lyra_store_rollback(st);
		return lyra_error(LYRA_EX_USAGE, "no live service token named '%s'", name);
	}
	snprintf(obj, sizeof obj, "token:%s", name);
	if (audit(st, actor->name, "auth.token.revoke", obj, NULL) != 0 || lyra_store_commit(st) != 0)
		return fail_tx(st);
	return 0;
}

int lyra_auth_service_list(struct lyra_store *st,
                           int (*cb)(void *ctx, const struct lyra_auth_service *t), void *ctx)
{
	sqlite3_stmt *s = lyra_store_prepare(st,
		"SELECT name, role, created_by, created, expires, CASE WHEN uses > 0 THEN last_seen ELSE 0 END,"
		" COALESCE(revoked, 0), uses FROM sessions WHERE kind = 'service' ORDER BY name, created");
	int rc, stop = 0;

	if (!s)
		return -1;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lyra_auth_service t;
		memset(&t, 0, sizeof t);
		snprintf(t.name, sizeof t.name, "%s", (const char *)sqlite3_column_text(s, 0));
		snprintf(t.role, sizeof t.role, "%s", (const char *)sqlite3_column_text(s, 1));
		snprintf(t.created_by, sizeof t.created_by, "%s", (const char *)sqlite3_column_text(s, 2));
		t.created = sqlite3_column_int64(s, 3);
		t.expires = sqlite3_column_int64(s, 4);
		t.last_used = sqlite3_column_int64(s, 5);
		t.revoked = sqlite3_column_int64(s, 6);
		t.uses = sqlite3_column_int64(s, 7);
		stop = cb(ctx, &t) != 0;
	}
	sqlite3_finalize(s);
	if (!stop && rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot list tokens");
	return 0;
}
