/* test_audit.c: the audit chain (hash vectors, canonical details, append rules, append-only
 * triggers, concurrent appends from several processes) and identity (local mode, enforcement
 * without hooks, hooks allowing and denying, denials audited). */
#include <openssl/evp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "audit.h"
#include "error.h"
#include "identity.h"
#include "store.h"
#include "unit.h"

#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

static char tmp[512];

static void rm_rf(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static struct lyra_store *open_at(const char *name)
{
	char db[600];
	struct lyra_store *st;
	snprintf(db, sizeof db, "%s/%s", tmp, name);
	st = lyra_store_open(db);
	if (!st)
		printf("# open %s: %s\n", db, lyra_error_msg());
	return st;
}

/* Independent reference: the canonical encoding built byte by byte, hashed in one EVP call. */
static void ref_hash(long long seq, long long ts, const char *actor, const char *action,
                     const char *object, const char *details, const char *prev, char out[65])
{
	char buf[8192], seqs[32], tss[32];
	const char *fields[7];
	size_t len = 0;
	unsigned char md[32];
	unsigned int mdlen = 0;

	snprintf(seqs, sizeof seqs, "%lld", seq);
	snprintf(tss, sizeof tss, "%lld", ts);
	fields[0] = seqs;
	fields[1] = tss;
	fields[2] = actor;
	fields[3] = action;
	fields[4] = object;
	fields[5] = details;
	fields[6] = prev;
	memcpy(buf, "lyra-audit-v1", 13);
	len = 13;
	for (int i = 0; i < 7; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%zu:%s,", strlen(fields[i]), fields[i]);
	EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_vectors(void)
{
	struct lyra_audit_entry e = { 0 };
	char ref[65];

	/* expected values computed with Python hashlib over the same encoding */
	e.seq = 1;
	e.ts = 1767225600000000LL;
	e.actor = "alice";
	e.action = "order.new";
	e.object = "order:abc123";
	e.details = "{\"px\":\"100.5\",\"qty\":\"2\",\"side\":\"buy\"}";
	memcpy(e.prev_hash, ZERO64, 65);
	lyra_audit_hash(&e);
	CHECK_STR(e.hash, "ea5cac9df1b0d5ac594d2f382b464b12b5ba0dc2e77885febbc98a8b15c82737", "vector 1");
	ref_hash(1, 1767225600000000LL, "alice", "order.new", "order:abc123", e.details, ZERO64, ref);
	CHECK_STR(e.hash, ref, "vector 1 matches the reference encoding");

	{
		struct lyra_audit_entry f = { 0 };
		f.seq = 2;
		f.ts = 1767225600000001LL;
		f.actor = "bob";
		f.action = "risk.halt";
		f.object = "";
		f.details = "{}";
		memcpy(f.prev_hash, e.hash, 65);
		lyra_audit_hash(&f);
		CHECK_STR(f.hash, "4bec23b6ef0a4929193d187b1806b0e62b813dba099aa7c15264e005d7bb8543", "vector 2 (empty object)");

		struct lyra_audit_entry g = { 0 };
		g.seq = 3;
		g.ts = 1767225600000002LL;
		g.actor = "jos\xc3\xa9";
		g.action = "auth.deny";
		g.object = "audit.read";
		g.details = "{\"note\":\"\xc3\xa9\xe2\x86\x92x\"}";
		memcpy(g.prev_hash, f.hash, 65);
		lyra_audit_hash(&g);
		CHECK_STR(g.hash, "065bf69e93808f176edaedf2496359be9949a35923add02a47bb447d889a96ad",
		          "vector 3 (utf-8 lengths are bytes)");
	}
}

static void test_canonical(void)
{
	json_t *o = json_pack("{s:s, s:i, s:{s:s, s:b}, s:s}", "zeta", "z", "alpha", 1, "mid", "y", "n", "a", 1,
	                      "uni", "\xc3\xa9");
	char *s = lyra_audit_canonical_details(o);
	CHECK_STR(s, "{\"alpha\":1,\"mid\":{\"a\":true,\"y\":\"n\"},\"uni\":\"\xc3\xa9\",\"zeta\":\"z\"}",
	          "canonical: compact, sorted (nested too), utf-8 kept");
	free(s);
	json_decref(o);
	s = lyra_audit_canonical_details(NULL);
	CHECK_STR(s, "{}", "NULL details are {}");
	free(s);
	o = json_array();
	lyra_error_clear();
	s = lyra_audit_canonical_details(o);
	CHECK(s == NULL, "array details refused");
	CHECK(lyra_error_msg()[0] != '\0', "refusal sets an error");
	json_decref(o);
}

static void test_append(void)
{
	struct lyra_store *st = open_at("append.db");
	int64_t seq = -1;
	char head[LYRA_AUDIT_HASH_HEX];
	json_t *d;

	if (!st) {
		CHECK(0, "open append store");
		return;
	}
	CHECK_INT(lyra_audit_head(st, &seq, head), 0, "head of empty chain");
	CHECK_INT(seq, 0, "empty chain seq 0");
	CHECK_STR(head, ZERO64, "empty chain hash is zeros");

	lyra_error_clear();
	CHECK_INT(lyra_audit_append(st, "alice", "order.new", "order:1", NULL), -1, "append outside a transaction fails");
	CHECK_INT(lyra_error_code(), LYRA_EX_SOFTWARE, "append outside a transaction is a bug (70)");

	CHECK_INT(lyra_store_begin(st), 0, "begin");
	d = json_pack("{s:s, s:s}", "side", "buy", "px", "100.5");
	CHECK_INT(lyra_audit_append(st, "alice", "order.new", "order:1", d), 1, "first append is seq 1");
	json_decref(d);
	d = json_array();
	CHECK_INT(lyra_audit_append(st, "alice", "order.new", "order:x", d), -1, "array details refused");
	json_decref(d);
	CHECK_INT(lyra_audit_append(st, "bob", "risk.halt", NULL, NULL), 2, "second append is seq 2");
	{
		/* details too big for the stack buffer take the heap path */
		char big[3000];
		memset(big, 'x', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		d = json_pack("{s:s}", "blob", big);
		CHECK_INT(lyra_audit_append(st, "carol", "backup.create", "backup:1", d), 3, "large details append");
		json_decref(d);
	}
	CHECK_INT(lyra_store_commit(st), 0, "commit");

	{
		sqlite3_stmt *s = lyra_store_prepare(st, "SELECT seq, ts, actor, action, object, details, prev_hash, hash "
		                                         "FROM audit ORDER BY seq");
		char prev[65], ref[65];
		int rows = 0, good = 1;
		memcpy(prev, ZERO64, 65);
		while (s && sqlite3_step(s) == SQLITE_ROW) {
			rows++;
			ref_hash(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			         (const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
			         (const char *)sqlite3_column_text(s, 4), (const char *)sqlite3_column_text(s, 5), prev, ref);
			if (strcmp((const char *)sqlite3_column_text(s, 6), prev) != 0 ||
			    strcmp((const char *)sqlite3_column_text(s, 7), ref) != 0)
				good = 0;
			if (rows == 1) {
				CHECK_STR((const char *)sqlite3_column_text(s, 5), "{\"px\":\"100.5\",\"side\":\"buy\"}",
				          "stored details are canonical");
				CHECK(sqlite3_column_int64(s, 1) > 1700000000000000LL, "ts is wall clock microseconds");
			}
			if (rows == 2) {
				CHECK_STR((const char *)sqlite3_column_text(s, 4), "", "NULL object stored as ''");
				CHECK_STR((const char *)sqlite3_column_text(s, 5), "{}", "NULL details stored as {}");
			}
			memcpy(prev, sqlite3_column_text(s, 7), 65);
		}
		sqlite3_finalize(s);
		CHECK_INT(rows, 3, "three rows");
		CHECK(good, "stored hashes match the independent reference and link");
		CHECK_INT(lyra_audit_head(st, &seq, head), 0, "head");
		CHECK_INT(seq, 3, "head seq");
		CHECK_STR(head, prev, "head hash is the last hash");
	}

	lyra_error_clear();
	CHECK_INT(lyra_store_exec(st, "UPDATE audit SET actor = 'mallory' WHERE seq = 1"), -1, "update refused");
	CHECK(strstr(lyra_error_msg(), "audit entries are append-only") != NULL, "update refusal message");
	CHECK_INT(lyra_store_exec(st, "DELETE FROM audit WHERE seq = 2"), -1, "delete refused");
	CHECK(strstr(lyra_error_msg(), "audit entries are append-only") != NULL, "delete refusal message");
	{
		sqlite3_stmt *s = lyra_store_prepare(st, "SELECT count(*), min(actor) FROM audit");
		CHECK(s && sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 3 &&
		      strcmp((const char *)sqlite3_column_text(s, 1), "alice") == 0, "chain unchanged");
		sqlite3_finalize(s);
	}

	/* a rolled back append leaves no trace and the next one reuses the seq */
	CHECK_INT(lyra_store_begin(st), 0, "begin for rollback");
	CHECK_INT(lyra_audit_append(st, "alice", "order.cancel", "order:1", NULL), 4, "append 4");
	lyra_store_rollback(st);
	CHECK_INT(lyra_store_begin(st), 0, "begin again");
	CHECK_INT(lyra_audit_append(st, "alice", "order.cancel", "order:1", NULL), 4, "seq 4 again after rollback");
	CHECK_INT(lyra_store_commit(st), 0, "commit");
	lyra_store_close(st);
}

/* Several processes each append 500 entries, one transaction each, at the same time. */
static void test_concurrent(void)
{
	enum { CHILDREN = 2, EACH = 500 };
	char db[600];
	int gate[2], ok = 1;
	pid_t pids[CHILDREN];
	struct lyra_store *st;

	snprintf(db, sizeof db, "%s/concurrent.db", tmp);
	st = lyra_store_open(db);
	CHECK(st != NULL, "create concurrent store");
	lyra_store_close(st);
	if (pipe(gate) != 0)
		return;
	fflush(stdout);
	for (int i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			char c, actor[32];
			struct lyra_store *cs;
			close(gate[1]);
			if (read(gate[0], &c, 1) < 0)
				_exit(3);
			if (!(cs = lyra_store_open(db)))
				_exit(1);
			snprintf(actor, sizeof actor, "child%d", i);
			for (int k = 0; k < EACH; k++) {
				json_t *d = json_pack("{s:i}", "k", k);
				if (lyra_store_begin(cs) < 0 || lyra_audit_append(cs, actor, "test.append", "", d) < 0 ||
				    lyra_store_commit(cs) < 0) {
					fprintf(stderr, "child %d: %s\n", i, lyra_error_msg());
					_exit(2);
				}
				json_decref(d);
			}
			lyra_store_close(cs);
			_exit(0);
		}
	}
	close(gate[0]);
	close(gate[1]);
	for (int i = 0; i < CHILDREN; i++) {
		int status = 0;
		if (pids[i] < 0 || waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			ok = 0;
	}
	CHECK(ok, "every appending child exits 0");

	st = lyra_store_open(db);
	if (!st)
		return;
	{
		sqlite3_stmt *s = lyra_store_prepare(st, "SELECT seq, ts, actor, action, object, details, prev_hash, hash "
		                                         "FROM audit ORDER BY seq");
		char prev[65];
		long long rows = 0, contiguous = 1, links = 1, hashes = 1, per[CHILDREN] = { 0 };
		memcpy(prev, ZERO64, 65);
		while (s && sqlite3_step(s) == SQLITE_ROW) {
			struct lyra_audit_entry e = { 0 };
			rows++;
			e.seq = sqlite3_column_int64(s, 0);
			e.ts = sqlite3_column_int64(s, 1);
			e.actor = (const char *)sqlite3_column_text(s, 2);
			e.action = (const char *)sqlite3_column_text(s, 3);
			e.object = (const char *)sqlite3_column_text(s, 4);
			e.details = (const char *)sqlite3_column_text(s, 5);
			snprintf(e.prev_hash, sizeof e.prev_hash, "%s", (const char *)sqlite3_column_text(s, 6));
			if (e.seq != rows)
				contiguous = 0;
			if (strcmp(e.prev_hash, prev) != 0)
				links = 0;
			lyra_audit_hash(&e);
			if (strcmp(e.hash, (const char *)sqlite3_column_text(s, 7)) != 0)
				hashes = 0;
			for (int i = 0; i < CHILDREN; i++) {
				char name[32];
				snprintf(name, sizeof name, "child%d", i);
				if (strcmp(e.actor, name) == 0)
					per[i]++;
			}
			memcpy(prev, e.hash, 65);
		}
		sqlite3_finalize(s);
		CHECK_INT(rows, CHILDREN * EACH, "exactly 1000 entries");
		CHECK(contiguous, "seq 1..1000 contiguous");
		CHECK(links, "every prev_hash links to the previous hash");
		CHECK(hashes, "every hash recomputes");
		CHECK(per[0] == EACH && per[1] == EACH, "500 entries from each child");
	}
	lyra_store_close(st);
}

static int hook_resolve(struct lyra_store *st, struct lyra_identity *id)
{
	(void)st;
	snprintf(id->name, sizeof id->name, "bob");
	snprintf(id->role, sizeof id->role, "trader");
	return 0;
}

static int hook_allowed(struct lyra_store *st, const struct lyra_identity *id, const char *permission)
{
	(void)st;
	return strcmp(id->role, "trader") == 0 && strcmp(permission, "order.submit") == 0;
}

static const struct lyra_auth_hooks test_hooks = { hook_resolve, hook_allowed };

static int last_entry(struct lyra_store *st, char *actor, char *action, char *object, long long *count)
{
	sqlite3_stmt *s = lyra_store_prepare(st, "SELECT actor, action, object, (SELECT count(*) FROM audit) "
	                                         "FROM audit ORDER BY seq DESC LIMIT 1");
	int ok = s && sqlite3_step(s) == SQLITE_ROW;
	if (ok) {
		snprintf(actor, 64, "%s", (const char *)sqlite3_column_text(s, 0));
		snprintf(action, 64, "%s", (const char *)sqlite3_column_text(s, 1));
		snprintf(object, 64, "%s", (const char *)sqlite3_column_text(s, 2));
		*count = sqlite3_column_int64(s, 3);
	}
	sqlite3_finalize(s);
	return ok ? 0 : -1;
}

static void test_identity(void)
{
	struct lyra_store *st = open_at("identity.db");
	struct lyra_identity id;
	struct passwd *pw = getpwuid(geteuid());
	char actor[64], action[64], object[64];
	long long count = 0;

	if (!st) {
		CHECK(0, "open identity store");
		return;
	}
	lyra_identity_install(NULL);
	memset(&id, 0x55, sizeof id);
	CHECK_INT(lyra_identity_resolve(st, &id), 0, "local mode resolves");
	CHECK_STR(id.name, pw ? pw->pw_name : "", "local name is the OS user by uid");
	CHECK_STR(id.role, "super_admin", "local role super_admin");
	CHECK_INT(id.local, 1, "local flag");
	CHECK_INT(lyra_identity_require(st, &id, "anything.at.all"), 0, "local mode allows everything");

	CHECK_INT(lyra_store_begin(st), 0, "begin enforce");
	CHECK_INT(lyra_store_meta_set(st, "auth.enforce", "0"), 0, "enforce 0");
	CHECK_INT(lyra_store_commit(st), 0, "commit enforce 0");
	CHECK_INT(lyra_identity_resolve(st, &id), 0, "auth.enforce=0 is local mode");
	CHECK_INT(id.local, 1, "still local");

	CHECK_INT(lyra_store_begin(st), 0, "begin enforce 1");
	CHECK_INT(lyra_store_meta_set(st, "auth.enforce", "1"), 0, "enforce 1");
	CHECK_INT(lyra_store_commit(st), 0, "commit enforce 1");
	lyra_error_clear();
	CHECK_INT(lyra_identity_resolve(st, &id), -1, "enforcement without hooks fails closed");
	CHECK_INT(lyra_error_code(), LYRA_EX_NOPERM, "fails with 77");
	CHECK(strstr(lyra_error_msg(), "built without it") != NULL, "message says why");
	{
		struct lyra_identity eve = { .name = "eve", .role = "viewer", .local = 0 };
		CHECK_INT(lyra_identity_require(st, &eve, "order.submit"), -1, "require without hooks denies");
		CHECK_INT(lyra_error_code(), LYRA_EX_NOPERM, "denial without hooks is 77");
	}

	lyra_identity_install(&test_hooks);
	CHECK_INT(lyra_identity_resolve(st, &id), 0, "hooks resolve");
	CHECK_STR(id.name, "bob", "hook name");
	CHECK_STR(id.role, "trader", "hook role");
	CHECK_INT(id.local, 0, "not local");
	CHECK_INT(last_entry(st, actor, action, object, &count), 0, "read audit");
	{
		long long before = count;
		CHECK_INT(lyra_identity_require(st, &id, "order.submit"), 0, "allowed permission");
		last_entry(st, actor, action, object, &count);
		CHECK_INT(count, before, "allowed leaves no audit entry");
		lyra_error_clear();
		CHECK_INT(lyra_identity_require(st, &id, "audit.read"), -1, "denied permission");
		CHECK_INT(lyra_error_code(), LYRA_EX_NOPERM, "denial is 77");
		CHECK_STR(lyra_error_msg(), "permission denied: bob (trader) may not audit.read", "denial message");
		CHECK_INT(st->in_tx, 0, "denial leaves no transaction open");
		last_entry(st, actor, action, object, &count);
		CHECK_INT(count, before + 1, "denial appended one entry");
		CHECK_STR(actor, "bob", "deny actor");
		CHECK_STR(action, "auth.deny", "deny action");
		CHECK_STR(object, "audit.read", "deny object is the permission");

		CHECK_INT(lyra_store_begin(st), 0, "begin caller transaction");
		CHECK_INT(lyra_identity_require(st, &id, "risk.halt"), -1, "denied inside a transaction");
		CHECK_INT(st->in_tx, 1, "caller transaction still open");
		CHECK_INT(lyra_store_commit(st), 0, "caller commits");
		last_entry(st, actor, action, object, &count);
		CHECK_INT(count, before + 2, "denial inside a transaction appended");
		CHECK_STR(object, "risk.halt", "its object");
	}
	lyra_identity_install(NULL);
	lyra_store_close(st);
}

int main(void)
{
	snprintf(tmp, sizeof tmp, "%s/lyra-test-audit-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_vectors();
	test_canonical();
	test_append();
	test_concurrent();
	test_identity();
	rm_rf(tmp);
	return unit_done();
}
