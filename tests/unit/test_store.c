/* test_store.c: the store: default path, creation modes, WAL, migrations, refusing foreign and
 * newer files, transactions, meta, busy handling, and the first-open race between processes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "error.h"
#include "schema.h"
#include "store.h"
#include "unit.h"

static char tmp[512];

static void rm_rf(const char *dir)
{
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void join(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s/%s", tmp, rel);
}

static int file_mode(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

/* A raw query on a separate connection, returning column 0 of the first row as an integer. */
static long long raw_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	long long v = -999;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

static int raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(path, &db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static void test_default_path(void)
{
	char buf[PATH_MAX], small[16];

	unsetenv("LYRA_DB");
	setenv("XDG_DATA_HOME", "/x/data", 1);
	setenv("HOME", "/home/h", 1);
	CHECK_INT(lyra_store_default_path(buf, sizeof buf), 0, "default path with XDG_DATA_HOME");
	CHECK_STR(buf, "/x/data/lyra/lyra.db", "XDG_DATA_HOME wins over HOME");
	setenv("XDG_DATA_HOME", "/x/data/", 1);
	lyra_store_default_path(buf, sizeof buf);
	CHECK_STR(buf, "/x/data/lyra/lyra.db", "trailing slash of XDG_DATA_HOME dropped");
	setenv("XDG_DATA_HOME", "relative/dir", 1);
	lyra_store_default_path(buf, sizeof buf);
	CHECK_STR(buf, "/home/h/.local/share/lyra/lyra.db", "relative XDG_DATA_HOME ignored");
	setenv("XDG_DATA_HOME", "", 1);
	lyra_store_default_path(buf, sizeof buf);
	CHECK_STR(buf, "/home/h/.local/share/lyra/lyra.db", "empty XDG_DATA_HOME ignored");
	unsetenv("XDG_DATA_HOME");
	CHECK_INT(lyra_store_default_path(buf, sizeof buf), 0, "default path with HOME");
	CHECK_STR(buf, "/home/h/.local/share/lyra/lyra.db", "HOME fallback");
	setenv("LYRA_DB", "/srv/t.db", 1);
	CHECK_INT(lyra_store_default_path(buf, sizeof buf), 0, "default path with LYRA_DB");
	CHECK_STR(buf, "/srv/t.db", "LYRA_DB wins");
	CHECK_INT(lyra_store_default_path(small, 9), -1, "path too long for buffer");
	CHECK_INT(lyra_error_code(), LYRA_EX_CONFIG, "too long is a config error");
	unsetenv("LYRA_DB");
	unsetenv("HOME");
	lyra_error_clear();
	CHECK_INT(lyra_store_default_path(buf, sizeof buf), -1, "no HOME nor XDG_DATA_HOME");
	CHECK_INT(lyra_error_code(), LYRA_EX_CONFIG, "missing HOME is a config error");
}

static void test_create(void)
{
	char home[PATH_MAX], dir[PATH_MAX], db[PATH_MAX], wal[PATH_MAX + 8], shm[PATH_MAX + 8];
	struct lyra_store *st;
	mode_t old;

	join(home, sizeof home, "xdg/deep");
	join(dir, sizeof dir, "xdg/deep/lyra");
	join(db, sizeof db, "xdg/deep/lyra/lyra.db");
	snprintf(wal, sizeof wal, "%s-wal", db);
	snprintf(shm, sizeof shm, "%s-shm", db);
	unsetenv("LYRA_DB");
	setenv("XDG_DATA_HOME", home, 1);
	old = umask(0);   /* a permissive umask must not widen the modes */
	st = lyra_store_open(NULL);
	umask(old);
	CHECK(st != NULL, "open creates the store at the default path");
	if (!st) {
		printf("# %s\n", lyra_error_msg());
		return;
	}
	CHECK_STR(st->path, db, "handle path is the default path");
	CHECK_INT(file_mode(dir), 0700, "store folder is 0700");
	CHECK_INT(file_mode(home), 0700, "created parent folder is 0700");
	CHECK_INT(file_mode(db), 0600, "store file is 0600");
	CHECK_INT(st->in_tx, 0, "no transaction after open");
	{
		sqlite3_stmt *s = lyra_store_prepare(st, "PRAGMA journal_mode");
		CHECK(s && sqlite3_step(s) == SQLITE_ROW, "journal_mode readable");
		CHECK_STR(s ? (const char *)sqlite3_column_text(s, 0) : NULL, "wal", "journal mode is WAL");
		sqlite3_finalize(s);
		s = lyra_store_prepare(st, "PRAGMA foreign_keys");
		CHECK(s && sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 1, "foreign keys on");
		sqlite3_finalize(s);
		s = lyra_store_prepare(st, "PRAGMA application_id");
		CHECK(s && sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == LYRA_STORE_APP_ID,
		      "application_id is LYRA");
		sqlite3_finalize(s);
	}
	CHECK(lyra_store_schema_latest() >= 1, "at least one migration");
	CHECK_INT(lyra_store_schema_latest(), lyra_schema_count(), "latest is the migration count");
	CHECK(lyra_schema_contiguous(), "migration versions are 1..N, each once");
	CHECK_INT(lyra_store_schema_version(st), lyra_store_schema_latest(), "user_version is latest");
	CHECK_INT(lyra_store_begin(st), 0, "begin");
	CHECK_INT(lyra_store_meta_set(st, "probe", "1"), 0, "meta set");
	CHECK_INT(lyra_store_commit(st), 0, "commit");
	CHECK_INT(file_mode(wal), 0600, "WAL file is 0600");
	CHECK_INT(file_mode(shm), 0600, "shm file is 0600");
	lyra_store_close(st);

	{
		long long objects = raw_int(db, "SELECT count(*) FROM sqlite_master");
		st = lyra_store_open(db);
		CHECK(st != NULL, "reopen");
		if (st) {
			char *v = lyra_store_meta_get(st, "probe");
			CHECK_STR(v, "1", "meta survives reopen");
			free(v);
			CHECK_INT(lyra_store_schema_version(st), lyra_store_schema_latest(), "reopen keeps version");
			lyra_store_close(st);
		}
		CHECK_INT(raw_int(db, "SELECT count(*) FROM sqlite_master"), objects, "reopen changes no schema");
		CHECK(objects >= 7, "migration 1 objects exist");
	}
	CHECK_INT(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'"),
	          2, "audit has two triggers");
	CHECK_INT(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit'"),
	          3, "audit has three indexes");
}

static void test_env_override(void)
{
	char db[PATH_MAX];
	struct lyra_store *st;

	join(db, sizeof db, "env/sub/x.db");
	setenv("LYRA_DB", db, 1);
	st = lyra_store_open(NULL);
	CHECK(st != NULL, "LYRA_DB store opens");
	CHECK_STR(st ? st->path : NULL, db, "LYRA_DB path used");
	CHECK_INT(file_mode(db), 0600, "LYRA_DB store file 0600");
	lyra_store_close(st);
	unsetenv("LYRA_DB");
}

static void test_refusals(void)
{
	char db[PATH_MAX], sql[64];
	struct lyra_store *st;
	int latest = lyra_store_schema_latest();
	FILE *f;

	join(db, sizeof db, "newer.db");
	st = lyra_store_open(db);
	CHECK(st != NULL, "create store for the newer test");
	lyra_store_close(st);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", latest + 1);
	CHECK_INT(raw_exec(db, sql), SQLITE_OK, "bump user_version");
	lyra_error_clear();
	st = lyra_store_open(db);
	CHECK(st == NULL, "newer schema refused");
	CHECK_INT(lyra_error_code(), LYRA_EX_CONFIG, "newer schema is a config error");
	{
		char want[128];
		snprintf(want, sizeof want, "store schema version %d is newer than this lyra (%d): upgrade lyra",
		         latest + 1, latest);
		CHECK_STR(lyra_error_msg(), want, "newer schema message");
	}
	lyra_store_close(st);

	join(db, sizeof db, "other.db");
	CHECK_INT(raw_exec(db, "PRAGMA application_id = 1234; CREATE TABLE t(x)"), SQLITE_OK, "foreign db");
	lyra_error_clear();
	st = lyra_store_open(db);
	CHECK(st == NULL, "other application_id refused");
	CHECK_INT(lyra_error_code(), LYRA_EX_IOERR, "foreign store is an I/O error");
	CHECK(strstr(lyra_error_msg(), "is not a lyra store") != NULL, "foreign store message");
	{
		sqlite3 *raw = NULL;
		sqlite3_stmt *s = NULL;
		sqlite3_open(db, &raw);
		sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &s, NULL);
		CHECK(s && sqlite3_step(s) == SQLITE_ROW &&
		      strcmp((const char *)sqlite3_column_text(s, 0), "delete") == 0,
		      "foreign db not switched to WAL");
		sqlite3_finalize(s);
		sqlite3_close(raw);
	}

	join(db, sizeof db, "plain.db");
	CHECK_INT(raw_exec(db, "CREATE TABLE t(x)"), SQLITE_OK, "sqlite db without application_id");
	st = lyra_store_open(db);
	CHECK(st == NULL, "foreign db without application_id refused");
	CHECK_INT(lyra_error_code(), LYRA_EX_IOERR, "its class is I/O");

	join(db, sizeof db, "text.db");
	f = fopen(db, "w");
	if (f) {
		fputs("this is not a database at all, just some text that is long enough to be a header\n", f);
		fclose(f);
	}
	st = lyra_store_open(db);
	CHECK(st == NULL, "text file refused");
	CHECK_INT(lyra_error_code(), LYRA_EX_IOERR, "text file is an I/O error");

	join(db, sizeof db, "nofolder/x.db");
	{
		char parent[PATH_MAX];
		join(parent, sizeof parent, "nofolder");
		f = fopen(parent, "w");
		if (f)
			fclose(f);
	}
	st = lyra_store_open(db);
	CHECK(st == NULL, "folder that is a file refused");
	CHECK_INT(lyra_error_code(), LYRA_EX_CANTCREAT, "cannot create is 73");
}

static void test_transactions(void)
{
	char db[PATH_MAX];
	struct lyra_store *st, *other;
	char *v;

	join(db, sizeof db, "tx.db");
	st = lyra_store_open(db);
	other = lyra_store_open(db);
	CHECK(st && other, "two handles");
	if (!st || !other)
		return;

	CHECK_INT(lyra_store_meta_set(st, "k", "v"), -1, "meta set outside a transaction fails");
	CHECK_INT(lyra_error_code(), LYRA_EX_SOFTWARE, "that is a bug (70)");
	v = lyra_store_meta_get(st, "missing");
	CHECK(v == NULL, "unset key is NULL");

	CHECK_INT(lyra_store_begin(st), 0, "begin outer");
	CHECK_INT(lyra_store_begin(st), 0, "begin inner");
	CHECK_INT(st->in_tx, 2, "depth 2");
	CHECK_INT(lyra_store_meta_set(st, "k", "v1"), 0, "meta set in nested transaction");
	CHECK_INT(lyra_store_commit(st), 0, "commit inner");
	CHECK_INT(st->in_tx, 1, "depth 1");
	CHECK(!sqlite3_get_autocommit(st->db), "still in a transaction after inner commit");
	v = lyra_store_meta_get(other, "k");
	CHECK(v == NULL, "uncommitted value invisible to another handle");
	free(v);
	CHECK_INT(lyra_store_meta_set(st, "k", "v2"), 0, "meta overwrite");
	CHECK_INT(lyra_store_commit(st), 0, "commit outer");
	CHECK_INT(st->in_tx, 0, "depth 0");
	v = lyra_store_meta_get(other, "k");
	CHECK_STR(v, "v2", "committed value visible to another handle");
	free(v);
	CHECK_INT(lyra_store_commit(st), -1, "commit without begin fails");

	CHECK_INT(lyra_store_begin(st), 0, "begin for rollback");
	CHECK_INT(lyra_store_begin(st), 0, "nested begin for rollback");
	CHECK_INT(lyra_store_meta_set(st, "k", "gone"), 0, "set before rollback");
	CHECK_INT(lyra_store_meta_set(st, "k2", "gone"), 0, "set new key before rollback");
	lyra_store_rollback(st);
	CHECK_INT(st->in_tx, 0, "rollback resets depth");
	CHECK(sqlite3_get_autocommit(st->db), "rollback ends the transaction");
	CHECK_INT(lyra_store_commit(st), -1, "outer commit after inner rollback fails");
	v = lyra_store_meta_get(st, "k");
	CHECK_STR(v, "v2", "rollback restored value");
	free(v);
	v = lyra_store_meta_get(st, "k2");
	CHECK(v == NULL, "rollback removed new key");
	free(v);

	CHECK_INT(lyra_store_begin(st), 0, "begin for delete");
	CHECK_INT(lyra_store_meta_set(st, "k", NULL), 0, "meta set NULL deletes");
	CHECK_INT(lyra_store_commit(st), 0, "commit delete");
	v = lyra_store_meta_get(st, "k");
	CHECK(v == NULL, "deleted key is unset");

	/* busy: another handle holds the write lock; a short busy timeout makes this quick */
	CHECK_INT(lyra_store_begin(other), 0, "other handle takes the write lock");
	sqlite3_busy_timeout(st->db, 20);
	lyra_error_clear();
	CHECK_INT(lyra_store_begin(st), -1, "begin while another writer holds the lock fails");
	CHECK_INT(lyra_error_code(), LYRA_EX_TEMPFAIL, "busy is temporary (75)");
	CHECK(strstr(lyra_error_msg(), "is busy") != NULL, "busy message");
	CHECK_INT(st->in_tx, 0, "failed begin leaves depth 0");
	lyra_store_rollback(other);
	CHECK_INT(lyra_store_begin(st), 0, "begin after the other writer let go");
	lyra_store_rollback(st);
	sqlite3_busy_timeout(st->db, LYRA_STORE_BUSY_MS);

	CHECK_INT(lyra_store_exec(st, "CREATE TABLE t (x INTEGER NOT NULL)"), 0, "exec create");
	lyra_error_clear();
	CHECK_INT(lyra_store_exec(st, "INSERT INTO t VALUES (NULL)"), -1, "exec constraint failure");
	CHECK_INT(lyra_error_code(), LYRA_EX_SOFTWARE, "constraint failure is 70");
	CHECK(strstr(lyra_error_msg(), "NOT NULL constraint failed") != NULL, "message names the sqlite error");
	CHECK(lyra_store_prepare(st, "SELECT nope FROM nowhere") == NULL, "prepare failure");
	CHECK(strstr(lyra_error_msg(), "no such table") != NULL, "prepare message");
	{
		static const char q[] = "SELECT 42";
		sqlite3_stmt *a = lyra_store_cached(st, q), *b;
		CHECK(a && sqlite3_step(a) == SQLITE_ROW && sqlite3_column_int(a, 0) == 42, "cached statement runs");
		b = lyra_store_cached(st, q);
		CHECK(a == b, "cached statement reused");
		CHECK(b && sqlite3_step(b) == SQLITE_ROW, "cached statement comes back reset");
		sqlite3_reset(b);
	}
	lyra_store_close(other);
	lyra_store_close(st);
}

/* Several processes open a brand-new store at the same moment: all succeed, schema applied once. */
static void test_first_open_race(void)
{
	enum { N = 6 };
	char db[PATH_MAX];
	int gate[2], ok = 1;
	pid_t pids[N];

	join(db, sizeof db, "race/lyra.db");
	if (pipe(gate) != 0) {
		CHECK(0, "pipe");
		return;
	}
	fflush(stdout);
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			char c;
			struct lyra_store *st;
			close(gate[1]);
			if (read(gate[0], &c, 1) < 0)
				_exit(3);
			st = lyra_store_open(db);
			if (!st) {
				fprintf(stderr, "child: %s\n", lyra_error_msg());
				_exit(1);
			}
			if (lyra_store_schema_version(st) != lyra_store_schema_latest())
				_exit(2);
			lyra_store_close(st);
			_exit(0);
		}
	}
	close(gate[0]);
	close(gate[1]);
	for (int i = 0; i < N; i++) {
		int status = 0;
		if (pids[i] < 0 || waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			ok = 0;
	}
	CHECK(ok, "every racing first open succeeds");
	CHECK_INT(raw_int(db, "PRAGMA user_version"), lyra_store_schema_latest(), "schema at latest after race");
	CHECK_INT(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'audit'"), 1, "one audit table");
	CHECK_INT(raw_int(db, "PRAGMA application_id"), LYRA_STORE_APP_ID, "application_id after race");
}

static void test_memory(void)
{
	struct lyra_store *st = lyra_store_open(":memory:");
	CHECK(st != NULL, "in-memory store opens");
	CHECK_INT(st ? lyra_store_schema_version(st) : -1, lyra_store_schema_latest(), "in-memory store migrated");
	lyra_store_close(st);
}

int main(void)
{
	char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

	snprintf(tmp, sizeof tmp, "%s/lyra-test-store-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_default_path();
	test_create();
	test_env_override();
	test_refusals();
	test_transactions();
	test_first_open_race();
	test_memory();
	rm_rf(tmp);
	if (home) {
		setenv("HOME", home, 1);
		free(home);
	}
	return unit_done();
}
