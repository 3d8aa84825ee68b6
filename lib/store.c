/* store.c: the one SQLite store (store.h). Finding and creating it (folder 0700, file 0600),
 * connection settings, refusing files that are not lyra stores, schema migrations from schema.c,
 * BEGIN IMMEDIATE transactions that wait out other writers, meta key/values, and a per-handle
 * cache of prepared statements for hot paths. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "error.h"
#include "journal.h"
#include "schema.h"
#include "store.h"

/* Attempts at BEGIN IMMEDIATE / COMMIT / setup pragmas while SQLite reports busy, within
 * LYRA_STORE_BUSY_MS in all. Each attempt may already wait up to the busy timeout; the loop covers
 * the cases where SQLite returns SQLITE_BUSY at once without calling the busy handler (WAL
 * recovery, several processes opening a new store together, as the stages of a pipeline do),
 * which can repeat many times in a row, so the bound is the deadline, not a small count. */
#define BUSY_TRIES 100000
#define BUSY_PAUSE_MS(tries) ((tries) < 10 ? (tries) * 10 : 100)

struct cached_stmt {
	const char *sql;       /* borrowed key (a literal that outlives the handle) */
	sqlite3_stmt *stmt;    /* owned, finalized by lyra_store_close */
};

struct store_impl {
	struct lyra_store pub;     /* first: a struct lyra_store * is a struct store_impl * */
	struct cached_stmt *cache; /* owned array */
	size_t ncache, cap;
	int journal_ready;         /* migrated: transactions may be journaled (journal.h) */
	struct lyra_journal *journal; /* the open transaction's point-in-time session, or NULL */
};

static struct store_impl *impl(struct lyra_store *st)
{
	return (struct store_impl *)st;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int is_busy(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

static int class_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return LYRA_EX_TEMPFAIL;
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_NOLFS:
	case SQLITE_PROTOCOL:
		return LYRA_EX_IOERR;
	default:
		return LYRA_EX_SOFTWARE;
	}
}

static int fail_rc(int rc, const char *msg, const char *context)
{
	if (context && *context)
		return lyra_error(class_of(rc), "%s: %s", context, msg);
	return lyra_error(class_of(rc), "%s", msg);
}

int lyra_store_fail(struct lyra_store *st, const char *context)
{
	if (!st || !st->db)
		return fail_rc(SQLITE_MISUSE, "no open store", context);
	return fail_rc(sqlite3_extended_errcode(st->db), sqlite3_errmsg(st->db), context);
}

/* The first line of sql, shortened, for messages. */
static void sql_snippet(const char *sql, char *buf, size_t n)
{
	size_t len = strcspn(sql, "\n");
	if (len < n) {
		memcpy(buf, sql, len);
		buf[len] = '\0';
	} else {
		snprintf(buf, n, "%.*s...", (int)(n - 4), sql);
	}
}

int lyra_store_default_path(char *buf, size_t n)
{
	const char *db = getenv("LYRA_DB"), *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int len;

	if (db && *db) {
		len = snprintf(buf, n, "%s", db);
	} else if (xdg && xdg[0] == '/') {
		size_t xl = strlen(xdg);
		while (xl > 1 && xdg[xl - 1] == '/')
			xl--;
		if (xl > INT_MAX / 2)
			return lyra_error(LYRA_EX_CONFIG, "cannot use XDG_DATA_HOME: path too long");
		len = snprintf(buf, n, "%.*s/lyra/lyra.db", xl == 1 ? 0 : (int)xl, xdg);
	} else if (home && *home) {
		size_t hl = strlen(home);
		while (hl > 1 && home[hl - 1] == '/')
			hl--;
		if (hl > INT_MAX / 2)
			return lyra_error(LYRA_EX_CONFIG, "cannot use HOME: path too long");
		len = snprintf(buf, n, "%.*s/.local/share/lyra/lyra.db", hl == 1 && home[0] == '/' ? 0 : (int)hl, home);
	} else {
		return lyra_error(LYRA_EX_CONFIG,
		                  "cannot find the store: set LYRA_DB, XDG_DATA_HOME or HOME, or use --db");
	}
	if (len < 0 || (size_t)len >= n)
		return lyra_error(LYRA_EX_CONFIG, "cannot use the default store path: too long");
	return 0;
}

/* Create the folders leading to the file at path (each 0700 whatever the umask); existing ones
 * are left alone. */
static int make_parents(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat sb;
	size_t len;

	if (!slash || slash == path)
		return 0;
	len = (size_t)(slash - path);
	if (len >= sizeof dir)
		return lyra_error(LYRA_EX_CANTCREAT, "cannot create the folder of '%s': path too long", path);
	memcpy(dir, path, len);
	dir[len] = '\0';
	if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	for (char *p = dir + 1;; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) == 0) {
			if (chmod(dir, 0700) != 0)
				return lyra_error(LYRA_EX_CANTCREAT, "cannot set the mode of folder '%s': %s",
				                  dir, strerror(errno));
		} else if (errno != EEXIST && !(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))) {
			return lyra_error(LYRA_EX_CANTCREAT, "cannot create folder '%s': %s", dir,
			                  strerror(errno));
		}
		*p = c;
		if (!c)
			break;
	}
	return 0;
}

/* Create the store file 0600 whatever the umask, unless it exists already. */
static int make_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		return lyra_error(LYRA_EX_CANTCREAT, "cannot create store '%s': %s", path, strerror(errno));
	}
	if (fchmod(fd, 0600) != 0) {
		int e = errno;
		close(fd);
		return lyra_error(LYRA_EX_CANTCREAT, "cannot set the mode of store '%s': %s", path,
		                  strerror(e));
	}
	if (close(fd) != 0)
		return lyra_error(LYRA_EX_CANTCREAT, "cannot create store '%s': %s", path, strerror(errno));
	return 0;
}

/* Step a statement, retrying while the store is busy. The SQLite result code. */
static int step_retry(sqlite3_stmt *stmt)
{
	int64_t deadline = mono_ms() + LYRA_STORE_BUSY_MS;
	int rc;
	for (int tries = 1;; tries++) {
		rc = sqlite3_step(stmt);
		if (!is_busy(rc) || tries >= BUSY_TRIES || mono_ms() >= deadline)
			return rc;
		sqlite3_reset(stmt);
		pause_ms(BUSY_PAUSE_MS(tries));
	}
}

/* Run a one-row query (a pragma) and return column 0 as an integer, or as text into buf when
 * buf is not NULL. 0, or -1 with error.h set. */
static int query_one(struct lyra_store *st, const char *sql, int64_t *val, char *buf, size_t n)
{
	sqlite3_stmt *stmt = NULL;
	char ctx[PATH_MAX + 64];
	int rc;

	snprintf(ctx, sizeof ctx, "cannot read store '%s'", st->path);
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return lyra_store_fail(st, ctx);
	rc = step_retry(stmt);
	if (rc == SQLITE_ROW) {
		if (val)
			*val = sqlite3_column_int64(stmt, 0);
		if (buf) {
			const unsigned char *t = sqlite3_column_text(stmt, 0);
			snprintf(buf, n, "%s", t ? (const char *)t : "");
		}
	} else if (rc != SQLITE_DONE) {
		fail_rc(rc, sqlite3_errmsg(st->db), ctx);
		sqlite3_finalize(stmt);
		return -1;
	} else {
		if (val)
			*val = 0;
		if (buf && n)
			buf[0] = '\0';
	}
	sqlite3_finalize(stmt);
	return 0;
}

static int exec_retry(struct lyra_store *st, const char *sql)
{
	int64_t deadline = mono_ms() + LYRA_STORE_BUSY_MS;
	for (int tries = 1;; tries++) {
		int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if (!is_busy(rc) || tries >= BUSY_TRIES || mono_ms() >= deadline) {
			char ctx[PATH_MAX + 64];
			snprintf(ctx, sizeof ctx, "cannot open store '%s'", st->path);
			return lyra_store_fail(st, ctx);
		}
		pause_ms(BUSY_PAUSE_MS(tries));
	}
}

/* Is this a lyra store (or a new, empty SQLite file)? Sets *version to its user_version.
 * 0, or -1 with LYRA_EX_IOERR when the file belongs to something else. One statement, so the
 * three values come from one snapshot even while another process is migrating. */
static int check_store(struct lyra_store *st, int64_t *version)
{
	static const char sql[] =
		"SELECT (SELECT application_id FROM pragma_application_id),"
		" (SELECT user_version FROM pragma_user_version),"
		" (SELECT count(*) FROM sqlite_master)";
	sqlite3_stmt *stmt = NULL;
	char ctx[PATH_MAX + 64];
	int64_t app, objects;
	int rc;

	snprintf(ctx, sizeof ctx, "cannot read store '%s'", st->path);
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		lyra_store_fail(st, ctx);
		sqlite3_finalize(stmt);
		return -1;
	}
	rc = step_retry(stmt);
	if (rc != SQLITE_ROW) {
		fail_rc(rc, sqlite3_errmsg(st->db), ctx);
		sqlite3_finalize(stmt);
		return -1;
	}
	app = sqlite3_column_int64(stmt, 0);
	*version = sqlite3_column_int64(stmt, 1);
	objects = sqlite3_column_int64(stmt, 2);
	sqlite3_finalize(stmt);
	if (app == LYRA_STORE_APP_ID)
		return 0;
	if (app != 0)
		return lyra_error(LYRA_EX_IOERR, "'%s' is not a lyra store: its application_id is 0x%08x",
		                  st->path, (unsigned)(app & 0xffffffff));
	if (*version != 0 || objects != 0)
		return lyra_error(LYRA_EX_IOERR,
		                  "'%s' is not a lyra store: it is another program's SQLite database",
		                  st->path);
	return 0;
}

static int newer_schema(int64_t version)
{
	return lyra_error(LYRA_EX_CONFIG, "store schema version %lld is newer than this lyra (%d): upgrade lyra",
	                  (long long)version, lyra_schema_count());
}

/* Apply pending migrations, each in its own write transaction that re-reads the version, so
 * several processes opening a new store at once apply each migration exactly once. */
static int migrate(struct lyra_store *st)
{
	int latest = lyra_schema_count();
	int64_t version;
	char sql[64];

	for (;;) {
		if (check_store(st, &version) < 0)
			return -1;
		if (version > latest)
			return newer_schema(version);
		if (version == latest)
			return 0;
		if (lyra_store_begin(st) < 0)
			return lyra_error_wrap("cannot migrate store '%s'", st->path);
		if (check_store(st, &version) < 0)
			goto fail;
		if (version > latest) {
			lyra_store_rollback(st);
			return newer_schema(version);
		}
		if (version == latest) {
			lyra_store_rollback(st);
			return 0;
		}
		if (version == 0) {
			snprintf(sql, sizeof sql, "PRAGMA application_id = %d", LYRA_STORE_APP_ID);
			if (lyra_store_exec(st, sql) < 0)
				goto fail;
		}
		if (lyra_store_exec(st, lyra_schema_sql((int)version + 1)) < 0)
			goto fail;
		snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", (long long)version + 1);
		if (lyra_store_exec(st, sql) < 0 || lyra_store_commit(st) < 0)
			goto fail;
	}
fail:
	lyra_store_rollback(st);
	return lyra_error_wrap("cannot migrate store '%s' to schema version %lld", st->path,
	                       (long long)version + 1);
}

struct lyra_store *lyra_store_open(const char *path)
{
	char def[PATH_MAX], mode[32];
	struct store_impl *s;
	struct lyra_store *st;
	int memory;

	if (!path) {
		if (lyra_store_default_path(def, sizeof def) < 0)
			return NULL;
		path = def;
	}
	memory = !*path || strcmp(path, ":memory:") == 0;
	if (!memory && (make_parents(path) < 0 || make_file(path) < 0))
		return NULL;
	s = calloc(1, sizeof *s);
	if (!s || !(s->pub.path = strdup(path))) {
		free(s);
		lyra_error(LYRA_EX_SOFTWARE, "cannot open store '%s': out of memory", path);
		return NULL;
	}
	st = &s->pub;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		if (st->db)
			lyra_error(LYRA_EX_IOERR, "cannot open store '%s': %s", path, sqlite3_errmsg(st->db));
		else
			lyra_error(LYRA_EX_SOFTWARE, "cannot open store '%s': out of memory", path);
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, LYRA_STORE_BUSY_MS);
	{
		int64_t version;
		/* before anything writes: never turn someone else's database into WAL */
		if (check_store(st, &version) < 0)
			goto fail;
	}
	if (query_one(st, "PRAGMA journal_mode = WAL", NULL, mode, sizeof mode) < 0)
		goto fail;
	if (strcmp(mode, "wal") != 0 && !(memory && strcmp(mode, "memory") == 0)) {
		lyra_error(LYRA_EX_IOERR, "cannot open store '%s': it cannot use WAL (journal mode is '%s')",
		           path, mode);
		goto fail;
	}
	/* synchronous=NORMAL is enough for "kill -9 at any moment loses nothing": in WAL mode a
	 * commit has been written to the WAL with write(2), so it is in the kernel, before COMMIT
	 * returns, and a killed or crashed process loses no committed transaction. Only a power
	 * loss or kernel crash can drop the last commits since the latest WAL fsync (at checkpoint),
	 * and the store stays consistent even then. FULL would add an fsync to every commit, i.e.
	 * to every order and audit entry. */
	if (exec_retry(st, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL") < 0)
		goto fail;
	if (migrate(st) < 0)
		goto fail;
	s->journal_ready = 1;
	lyra_journal_watch_autocommit(st);
	return st;
fail:
	lyra_store_close(st);
	return NULL;
}

void lyra_store_close(struct lyra_store *st)
{
	struct store_impl *s = impl(st);

	if (!st)
		return;
	lyra_journal_discard(s->journal);
	s->journal = NULL;
	if (st->db && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	for (size_t i = 0; i < s->ncache; i++)
		sqlite3_finalize(s->cache[i].stmt);
	free(s->cache);
	sqlite3_close_v2(st->db);
	free(st->path);
	free(s);
}

sqlite3_stmt *lyra_store_cached(struct lyra_store *st, const char *sql)
{
	struct store_impl *s = impl(st);
	sqlite3_stmt *stmt = NULL;
	size_t i;

	for (i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql)
			goto found;
	for (i = 0; i < s->ncache; i++)
		if (strcmp(s->cache[i].sql, sql) == 0)
			goto found;
	if (s->ncache == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct cached_stmt *c = realloc(s->cache, cap * sizeof *c);
		if (!c) {
			lyra_error(LYRA_EX_SOFTWARE, "cannot prepare statement: out of memory");
			return NULL;
		}
		s->cache = c;
		s->cap = cap;
	}
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
		char snip[64], ctx[96];
		sql_snippet(sql, snip, sizeof snip);
		snprintf(ctx, sizeof ctx, "cannot prepare '%s'", snip);
		lyra_store_fail(st, ctx);
		sqlite3_finalize(stmt);
		return NULL;
	}
	s->cache[s->ncache].sql = sql;
	s->cache[s->ncache].stmt = stmt;
	return s->cache[s->ncache++].stmt;
found:
	stmt = s->cache[i].stmt;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return stmt;
}

int lyra_store_begin(struct lyra_store *st)
{
	sqlite3_stmt *stmt;
	int64_t deadline;

	if (st->in_tx > 0) {
		st->in_tx++;
		return 0;
	}
	if (!(stmt = lyra_store_cached(st, "BEGIN IMMEDIATE")))
		return -1;
	deadline = mono_ms() + LYRA_STORE_BUSY_MS;
	for (int tries = 1;; tries++) {
		int rc = sqlite3_step(stmt);
		if (rc == SQLITE_DONE) {
			sqlite3_reset(stmt);
			st->in_tx = 1;
			/* point-in-time journal: a session on this transaction (journal.h) */
			if (impl(st)->journal_ready && lyra_journal_begin(st, &impl(st)->journal) != 0) {
				lyra_store_rollback(st);
				return -1;
			}
			return 0;
		}
		if (!is_busy(rc)) {
			lyra_store_fail(st, "cannot begin transaction");
			sqlite3_reset(stmt);
			return -1;
		}
		sqlite3_reset(stmt);
		if (tries >= BUSY_TRIES || mono_ms() >= deadline)
			return lyra_error(LYRA_EX_TEMPFAIL, "store '%s' is busy: %s", st->path,
			                  sqlite3_errstr(rc));
		pause_ms(BUSY_PAUSE_MS(tries));
	}
}

int lyra_store_commit(struct lyra_store *st)
{
	sqlite3_stmt *stmt;
	int64_t deadline;

	if (st->in_tx <= 0)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot commit on store '%s': no transaction is open",
		                  st->path);
	if (st->in_tx > 1) {
		st->in_tx--;
		return 0;
	}
	if (sqlite3_get_autocommit(st->db)) {
		lyra_store_rollback(st);
		return lyra_error(LYRA_EX_IOERR, "cannot commit on store '%s': the transaction was rolled back",
		                  st->path);
	}
	/* point-in-time journal: the changeset as a row of this same transaction (journal.h) */
	if (lyra_journal_commit(st, impl(st)->journal) != 0) {
		impl(st)->journal = NULL;
		lyra_store_rollback(st);
		return -1;
	}
	impl(st)->journal = NULL;
	if (!(stmt = lyra_store_cached(st, "COMMIT"))) {
		lyra_store_rollback(st);
		return -1;
	}
	deadline = mono_ms() + LYRA_STORE_BUSY_MS;
	for (int tries = 1;; tries++) {
		int rc = sqlite3_step(stmt);
		if (rc == SQLITE_DONE) {
			sqlite3_reset(stmt);
			st->in_tx = 0;
			return 0;
		}
		if (is_busy(rc) && tries < BUSY_TRIES && mono_ms() < deadline) {
			sqlite3_reset(stmt);
			pause_ms(BUSY_PAUSE_MS(tries));
			continue;
		}
		if (is_busy(rc))
			lyra_error(LYRA_EX_TEMPFAIL, "store '%s' is busy: cannot commit", st->path);
		else
			lyra_store_fail(st, "cannot commit");
		sqlite3_reset(stmt);
		lyra_store_rollback(st);
		return -1;
	}
}

void lyra_store_rollback(struct lyra_store *st)
{
	if (!st)
		return;
	st->in_tx = 0;
	lyra_journal_discard(impl(st)->journal);
	impl(st)->journal = NULL;
	if (st->db && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int lyra_store_exec(struct lyra_store *st, const char *sql)
{
	char *msg = NULL, snip[64], ctx[96];
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);

	if (rc == SQLITE_OK)
		return 0;
	sql_snippet(sql, snip, sizeof snip);
	snprintf(ctx, sizeof ctx, "cannot run '%s'", snip);
	fail_rc(sqlite3_extended_errcode(st->db), msg ? msg : sqlite3_errstr(rc), ctx);
	sqlite3_free(msg);
	return -1;
}

sqlite3_stmt *lyra_store_prepare(struct lyra_store *st, const char *sql)
{
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		char snip[64], ctx[96];
		sql_snippet(sql, snip, sizeof snip);
		snprintf(ctx, sizeof ctx, "cannot prepare '%s'", snip);
		lyra_store_fail(st, ctx);
		sqlite3_finalize(stmt);
		return NULL;
	}
	return stmt;
}

static int in_transaction(struct lyra_store *st)
{
	return st->in_tx > 0 && !sqlite3_get_autocommit(st->db);
}

char *lyra_store_meta_get(struct lyra_store *st, const char *key)
{
	sqlite3_stmt *stmt = lyra_store_cached(st, "SELECT value FROM meta WHERE key = ?1");
	char *value = NULL;
	int rc;

	if (!stmt)
		return NULL;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(stmt, 0);
		if (!(value = strdup(t ? t : "")))
			lyra_error(LYRA_EX_SOFTWARE, "cannot read setting '%s': out of memory", key);
	} else if (rc != SQLITE_DONE) {
		char ctx[160];
		snprintf(ctx, sizeof ctx, "cannot read setting '%.100s'", key);
		lyra_store_fail(st, ctx);
	}
	sqlite3_reset(stmt);
	return value;
}

int lyra_store_meta_set(struct lyra_store *st, const char *key, const char *value)
{
	sqlite3_stmt *stmt;
	int rc;

	if (!in_transaction(st))
		return lyra_error(LYRA_EX_SOFTWARE, "cannot change setting '%s' outside a transaction", key);
	if (value)
		stmt = lyra_store_cached(st, "INSERT INTO meta (key, value) VALUES (?1, ?2) "
		                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
	else
		stmt = lyra_store_cached(st, "DELETE FROM meta WHERE key = ?1");
	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		char ctx[160];
		snprintf(ctx, sizeof ctx, "cannot change setting '%.100s'", key);
		lyra_store_fail(st, ctx);
		sqlite3_reset(stmt);
		return -1;
	}
	sqlite3_reset(stmt);
	return 0;
}

int lyra_store_schema_latest(void)
{
	return lyra_schema_count();
}

int lyra_store_schema_version(struct lyra_store *st)
{
	int64_t version;
	if (query_one(st, "PRAGMA user_version", &version, NULL, 0) < 0)
		return -1;
	return (int)version;
}
