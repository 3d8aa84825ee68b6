/* journal.h: the point-in-time redo journal of the store (backup(1), "POINT-IN-TIME RECOVERY").
 *
 * While point-in-time recovery is on (meta "backup.pitr" absent or "on"; "off" turns it off),
 * every outermost write transaction made through lyra_store_begin/commit records its net
 * effect: store.c calls lyra_journal_begin right after BEGIN IMMEDIATE, which attaches an SQLite
 * session to every table but the journal itself, and lyra_journal_commit just before COMMIT,
 * which writes the session's changeset as one row of table backup_journal in the SAME
 * transaction, so a transaction and its journal row commit or vanish together:
 *   seq        1, 2, 3, ... in commit order (never reused: prune keeps the newest row)
 *   ts         commit time, microseconds (wall clock, never below the previous row's ts)
 *   kind       'tx' a transaction; 'off' journaling stopped here (written by the first
 *              transaction made while off); 'on' journaling (re)started here (the first
 *              journaled transaction after a stop, and migration 12)
 *   changeset  the SQLite changeset ('tx' only)
 *   sha256     of the changeset, to catch damage
 * A backup's snapshot holds the journal up to its head; replaying the rows after that head,
 * up to a time T, onto the restored snapshot gives the store as it was at T, to the committed
 * transaction. Rowids of tables without an INTEGER PRIMARY KEY are not part of a changeset:
 * replay assigns them in commit order. Writes made outside lyra (the sqlite3 shell) are not
 * journaled. */
#ifndef LYRA_JOURNAL_H
#define LYRA_JOURNAL_H

#include <stdint.h>
#include "store.h"

#define LYRA_JOURNAL_TABLE "backup_journal"
#define LYRA_JOURNAL_SETTING "backup.pitr"

/* ---- the store's hooks (store.c only) ---- */

struct lyra_journal;

/* After BEGIN IMMEDIATE of an outermost transaction: when PITR is on, a NEW session in *j (else
 * *j = NULL), and the 'on'/'off' marker row when the state changed since the last row. 0, or -1
 * with error.h (the caller rolls back). */
int lyra_journal_begin(struct lyra_store *st, struct lyra_journal **j);
/* Just before COMMIT: the transaction's changeset as a new row (none when nothing changed);
 * frees j. 0, or -1 with error.h (the caller rolls back). */
int lyra_journal_commit(struct lyra_store *st, struct lyra_journal *j);
/* Drop j without writing (rollback, close). NULL is fine. */
void lyra_journal_discard(struct lyra_journal *j);
/* LYRA_JOURNAL_CHECK=1 in the environment: report (stderr) and abort on any row written outside
 * lyra_store_begin/commit, which the journal could not see. Diagnostic for tests. */
void lyra_journal_watch_autocommit(struct lyra_store *st);

/* ---- reading and replaying ---- */

enum lyra_journal_kind { LYRA_JOURNAL_NONE = 0, LYRA_JOURNAL_TX, LYRA_JOURNAL_ON, LYRA_JOURNAL_OFF };

struct lyra_journal_head {
	int64_t seq, ts;                  /* 0, 0 when there is no journal */
	enum lyra_journal_kind kind;
	unsigned char sha256[32];         /* of the changeset; zero for markers */
};

/* "tx", "on", "off" ("none"). */
const char *lyra_journal_kind_name(enum lyra_journal_kind k);
/* Parse those (NONE for anything else). */
enum lyra_journal_kind lyra_journal_kind_parse(const char *s);

/* The newest journal row of db (in the caller's read transaction, if any): 1 found, 0 no row or
 * no journal table (a store older than schema 12), -1 with error.h. */
int lyra_journal_read_head(sqlite3 *db, struct lyra_journal_head *h);

/* Is PITR on in this store (the setting)? 1 on, 0 off, -1 with error.h. */
int lyra_journal_enabled(struct lyra_store *st);

/* What a replay did. */
struct lyra_journal_result {
	struct lyra_journal_head base;   /* the copy's own head before the replay */
	int64_t applied;                 /* rows added ('tx' and markers) */
	int64_t first_seq, last_seq;     /* of the rows added (0 when none) */
	int64_t last_ts;                 /* ts of the newest row in the copy after the replay */
	int exact;                       /* 1: the copy holds every transaction committed at or
	                                    before `at`, and none after */
	char why[512];                   /* when not exact: why, in words */
};

/* Roll the store copy `copy` (a raw connection, no transaction open) forward from its own
 * journal head with the journal rows of `src` (a read-only connection to a store or another
 * copy; src_name names it in messages) whose ts <= at, in seq order, in one transaction: each
 * row's sha-256 checked, its changeset applied (with triggers off meanwhile: a changeset
 * already holds their effects), and the row itself copied. src_complete says src is the live
 * store (rows end now) rather than an older snapshot. Returns 0 done (r->exact says whether the
 * result is the exact state at `at`), 1 src cannot serve (it does not continue the copy's
 * journal: r->why), 2 the copy has no journal (made before schema 12), -1 with error.h:
 * LYRA_EX_NO names the journal entry at fault (damaged, missing, or in conflict with the copy),
 * other classes for I/O. On -1 nothing is changed in copy. */
int lyra_journal_replay(sqlite3 *copy, sqlite3 *src, const char *src_name, int src_complete,
                        int64_t at, struct lyra_journal_result *r);

/* Journal rows older than seq keep (never the newest row) deleted; inside the caller's
 * transaction. *deleted gets the count. 0, or -1 with error.h. */
int lyra_journal_trim(struct lyra_store *st, int64_t keep, int64_t *deleted);

/* Rows, first and last seq and ts, and bytes of changesets held. 0, or -1 with error.h. */
struct lyra_journal_stats {
	int64_t rows, first_seq, last_seq, first_ts, last_ts, bytes;
};
int lyra_journal_stats(struct lyra_store *st, struct lyra_journal_stats *s);

#endif
