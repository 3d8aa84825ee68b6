/* store.h: the one SQLite store every program shares (DESIGN.md §3). Opening (default path,
 * creating the folder 0700 and file 0600), WAL, busy timeout, schema migrations by
 * PRAGMA user_version (the migration list lives in schema.c), and write transactions that are
 * always BEGIN IMMEDIATE so concurrent writers queue instead of failing with SQLITE_BUSY. */
#ifndef LYRA_STORE_H
#define LYRA_STORE_H

#include <sqlite3.h>
#include <stddef.h>

#define LYRA_STORE_BUSY_MS 30000   /* how long a writer waits for the lock before giving up (75) */

struct lyra_store {
	sqlite3 *db;   /* open connection; use it directly for statements */
	char *path;    /* the file opened (owned) */
	int in_tx;     /* nesting depth of lyra_store_begin() */
};

/* The default path: $LYRA_DB, else ${XDG_DATA_HOME:-$HOME/.local/share}/lyra/lyra.db.
 * 0, or -1 (LYRA_EX_CONFIG) when neither HOME nor XDG_DATA_HOME is set or the path is too long. */
int lyra_store_default_path(char *buf, size_t n);

/* Open (or create) the store at path (NULL: default path), apply pending migrations, and return
 * a NEW handle. NULL on failure with a message in error.h (LYRA_EX_CANTCREAT when the file or
 * folder cannot be created, LYRA_EX_IOERR when it is not a lyra store or is damaged,
 * LYRA_EX_TEMPFAIL when it stayed locked, LYRA_EX_CONFIG when its schema is newer than this
 * build knows). */
struct lyra_store *lyra_store_open(const char *path);
void lyra_store_close(struct lyra_store *st);

/* Write transactions. begin issues BEGIN IMMEDIATE (waiting up to LYRA_STORE_BUSY_MS); nested
 * calls only count depth and the outermost commit commits. rollback always rolls the whole
 * transaction back. 0, or -1 with LYRA_EX_TEMPFAIL (busy) / LYRA_EX_IOERR in error.h. */
int lyra_store_begin(struct lyra_store *st);
int lyra_store_commit(struct lyra_store *st);
void lyra_store_rollback(struct lyra_store *st);

/* Run SQL without results (one or more statements). 0 or -1 (error.h names the SQLite error). */
int lyra_store_exec(struct lyra_store *st, const char *sql);
/* Prepare a statement; NULL on failure with error.h set. */
sqlite3_stmt *lyra_store_prepare(struct lyra_store *st, const char *sql);
/* A statement prepared once per handle and kept until lyra_store_close (for hot paths): returned
 * reset with its bindings cleared. Borrowed: do not finalize it; reset it after use so it does
 * not hold a read snapshot. sql must live as long as the handle (a string literal); it is the
 * cache key. NULL on failure with error.h set. */
sqlite3_stmt *lyra_store_cached(struct lyra_store *st, const char *sql);
/* Record a SQLite failure in error.h with context ("cannot insert order") and the right class
 * (busy/locked -> TEMPFAIL, full/ioerr -> IOERR, else SOFTWARE). Returns -1. */
int lyra_store_fail(struct lyra_store *st, const char *context);

/* meta table key/value (settings such as auth enforcement). get returns a NEW malloc'd string
 * or NULL when unset; set must run inside a transaction (caller audits it). */
char *lyra_store_meta_get(struct lyra_store *st, const char *key);
int lyra_store_meta_set(struct lyra_store *st, const char *key, const char *value);

/* Schema: the newest version this build knows, and the store's current version. */
int lyra_store_schema_latest(void);
int lyra_store_schema_version(struct lyra_store *st);

#endif
