/* journal.c: the point-in-time redo journal (journal.h): the session attached to each outermost
 * write transaction and its changeset written as one row before COMMIT, markers where
 * journaling stops and starts, and the replay of journal rows onto a restored copy. */
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "clock.h"
#include "error.h"
#include "journal.h"

struct lyra_journal {
	sqlite3_session *session;
};

static const char *const kind_names[] = { "none", "tx", "on", "off" };

const char *lyra_journal_kind_name(enum lyra_journal_kind k)
{
	return (unsigned)k < 4 ? kind_names[k] : "none";
}

enum lyra_journal_kind lyra_journal_kind_parse(const char *s)
{
	for (int i = 1; s && i < 4; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return (enum lyra_journal_kind)i;
	return LYRA_JOURNAL_NONE;
}

static int sha256(const void *buf, size_t n, unsigned char out[32])
{
	unsigned int len = 32;
	if (EVP_Digest(buf, n, out, &len, EVP_sha256(), NULL) != 1)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot hash a journal entry: sha-256 failed");
	return 0;
}

/* ---- writing ---- */

static int write_row(struct lyra_store *st, enum lyra_journal_kind kind, const void *cs, int n,
                     const unsigned char *hash)
{
	/* ts never goes below the previous row's, so "ts <= T" is a prefix of the journal */
	sqlite3_stmt *s = lyra_store_cached(st,
		"INSERT INTO backup_journal (seq, ts, kind, changeset, sha256) VALUES (NULL, "
		"max(?1, coalesce((SELECT ts FROM backup_journal ORDER BY seq DESC LIMIT 1), 0)), ?2, ?3, ?4)");
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, lyra_time_now_us());
	sqlite3_bind_text(s, 2, lyra_journal_kind_name(kind), -1, SQLITE_STATIC);
	if (cs)
		sqlite3_bind_blob(s, 3, cs, n, SQLITE_STATIC);
	if (hash)
		sqlite3_bind_blob(s, 4, hash, 32, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot write the point-in-time journal");
	return 0;
}

static int not_journal(void *ctx, const char *table)
{
	(void)ctx;
	return strcmp(table, LYRA_JOURNAL_TABLE) != 0;
}

int lyra_journal_begin(struct lyra_store *st, struct lyra_journal **j)
{
	sqlite3_stmt *s = lyra_store_cached(st,
		"SELECT (SELECT value FROM meta WHERE key = '" LYRA_JOURNAL_SETTING "'), "
		"(SELECT kind FROM backup_journal ORDER BY seq DESC LIMIT 1)");
	enum lyra_journal_kind last;
	struct lyra_journal *jr;
	const char *v;
	int on, rc;

	*j = NULL;
	if (!s)
		return -1;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		return lyra_store_fail(st, "cannot read the point-in-time setting");
	}
	v = (const char *)sqlite3_column_text(s, 0);
	on = !v || strcmp(v, "off") != 0;
	last = lyra_journal_kind_parse((const char *)sqlite3_column_text(s, 1));
	sqlite3_reset(s);
	if (!on)
		return last == LYRA_JOURNAL_OFF ? 0 : write_row(st, LYRA_JOURNAL_OFF, NULL, 0, NULL);
	if ((last == LYRA_JOURNAL_OFF || last == LYRA_JOURNAL_NONE) &&
	    write_row(st, LYRA_JOURNAL_ON, NULL, 0, NULL) != 0)
		return -1;
	if (!(jr = calloc(1, sizeof *jr)))
		return lyra_error(LYRA_EX_SOFTWARE, "cannot start the point-in-time journal: out of memory");
	if (sqlite3session_create(st->db, "main", &jr->session) != SQLITE_OK) {
		free(jr);
		return lyra_store_fail(st, "cannot start the point-in-time journal");
	}
	sqlite3session_table_filter(jr->session, not_journal, NULL);
	if (sqlite3session_attach(jr->session, NULL) != SQLITE_OK) {
		lyra_journal_discard(jr);
		return lyra_store_fail(st, "cannot start the point-in-time journal");
	}
	*j = jr;
	return 0;
}

int lyra_journal_commit(struct lyra_store *st, struct lyra_journal *j)
{
	unsigned char hash[32];
	void *cs = NULL;
	int n = 0, rc;

	if (!j)
		return 0;
	rc = sqlite3session_changeset(j->session, &n, &cs);
	lyra_journal_discard(j);
	if (rc != SQLITE_OK) {
		sqlite3_free(cs);
		return lyra_error(rc == SQLITE_NOMEM ? LYRA_EX_SOFTWARE : LYRA_EX_IOERR,
		                  "cannot write the point-in-time journal: %s", sqlite3_errstr(rc));
	}
	if (n > 0)
		rc = sha256(cs, (size_t)n, hash) != 0 ? -1 : write_row(st, LYRA_JOURNAL_TX, cs, n, hash);
	sqlite3_free(cs);
	return n > 0 ? rc : 0;
}

void lyra_journal_discard(struct lyra_journal *j)
{
	if (!j)
		return;
	sqlite3session_delete(j->session);
	free(j);
}

static void autocommit_write(void *ctx, int op, const char *db, const char *table, sqlite3_int64 rowid)
{
	struct lyra_store *st = ctx;
	(void)op;
	(void)db;
	(void)rowid;
	if (st->in_tx > 0)
		return;
	fprintf(stderr, "lyra: journal: a row of table '%s' in '%s' was written outside lyra_store_begin/commit:"
	        " the point-in-time journal cannot see it\n", table, st->path);
	abort();
}

void lyra_journal_watch_autocommit(struct lyra_store *st)
{
	const char *e = getenv("LYRA_JOURNAL_CHECK");
	if (e && strcmp(e, "1") == 0)
		sqlite3_update_hook(st->db, autocommit_write, st);
}

/* ---- reading ---- */

int lyra_journal_read_head(sqlite3 *db, struct lyra_journal_head *h)
{
	sqlite3_stmt *s = NULL;
	int rc;

	memset(h, 0, sizeof *h);
	if (sqlite3_prepare_v2(db, "SELECT seq, ts, kind, sha256 FROM backup_journal ORDER BY seq DESC LIMIT 1",
	                       -1, &s, NULL) != SQLITE_OK) {
		sqlite3_finalize(s);
		if (strstr(sqlite3_errmsg(db), "no such table"))
			return 0;
		return lyra_error(LYRA_EX_IOERR, "cannot read the point-in-time journal: %s", sqlite3_errmsg(db));
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		h->seq = sqlite3_column_int64(s, 0);
		h->ts = sqlite3_column_int64(s, 1);
		h->kind = lyra_journal_kind_parse((const char *)sqlite3_column_text(s, 2));
		if (sqlite3_column_bytes(s, 3) == 32)
			memcpy(h->sha256, sqlite3_column_blob(s, 3), 32);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lyra_error(LYRA_EX_IOERR, "cannot read the point-in-time journal: %s", sqlite3_errmsg(db));
	return rc == SQLITE_ROW;
}

int lyra_journal_enabled(struct lyra_store *st)
{
	char *v;
	lyra_error_clear();
	v = lyra_store_meta_get(st, LYRA_JOURNAL_SETTING);
	if (!v && lyra_error_msg()[0])
		return -1;
	int on = !v || strcmp(v, "off") != 0;
	free(v);
	return on;
}

int lyra_journal_stats(struct lyra_store *st, struct lyra_journal_stats *out)
{
	sqlite3_stmt *s = lyra_store_prepare(st, "SELECT count(*), min(seq), max(seq), min(ts), max(ts), "
	                                         "coalesce(sum(length(changeset)), 0) FROM backup_journal");
	memset(out, 0, sizeof *out);
	if (!s)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return lyra_store_fail(st, "cannot read the point-in-time journal");
	}
	out->rows = sqlite3_column_int64(s, 0);
	out->first_seq = sqlite3_column_int64(s, 1);
	out->last_seq = sqlite3_column_int64(s, 2);
	out->first_ts = sqlite3_column_int64(s, 3);
	out->last_ts = sqlite3_column_int64(s, 4);
	out->bytes = sqlite3_column_int64(s, 5);
	sqlite3_finalize(s);
	return 0;
}

int lyra_journal_trim(struct lyra_store *st, int64_t keep, int64_t *deleted)
{
	sqlite3_stmt *s = lyra_store_prepare(st, "DELETE FROM backup_journal WHERE seq < ?1 AND "
	                                         "seq < (SELECT max(seq) FROM backup_journal)");
	*deleted = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, keep);
	if (sqlite3_step(s) != SQLITE_DONE) {
		sqlite3_finalize(s);
		return lyra_store_fail(st, "cannot trim the point-in-time journal");
	}
	*deleted = sqlite3_changes64(st->db);
	sqlite3_finalize(s);
	return 0;
}

/* ---- replay ---- */

static int copy_fail(sqlite3 *db, const char *what)
{
	return lyra_error(LYRA_EX_IOERR, "cannot %s the restored copy: %s", what, sqlite3_errmsg(db));
}

/* Column counts of the copy's tables, looked up once each. */
struct tables {
	char name[16][128];
	int ncol[16];
	int n, next;
};

static int table_cols(sqlite3 *db, struct tables *tc, const char *name)
{
	sqlite3_stmt *s = NULL;
	int k, cols = -1;
	for (k = 0; k < tc->n; k++)
		if (strcmp(tc->name[k], name) == 0)
			return tc->ncol[k];
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM pragma_table_info(?1)", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			cols = sqlite3_column_int(s, 0);
	}
	sqlite3_finalize(s);
	if (cols < 0)
		return -1;
	k = tc->next;
	tc->next = (tc->next + 1) % 16;
	if (tc->n < 16)
		tc->n++;
	snprintf(tc->name[k], sizeof tc->name[k], "%s", name);
	tc->ncol[k] = cols;
	return cols;
}

struct conflict {
	int type;
	char table[128];
	const char *op;
};

static const char *op_name(int op)
{
	return op == SQLITE_INSERT ? "insert" : op == SQLITE_UPDATE ? "update" : op == SQLITE_DELETE ? "delete" : "change";
}

static int on_conflict(void *ctx, int type, sqlite3_changeset_iter *it)
{
	struct conflict *c = ctx;
	const char *tab = NULL;
	int ncol = 0, op = 0;
	if (!c->type) {
		c->type = type;
		if (sqlite3changeset_op(it, &tab, &ncol, &op, NULL) == SQLITE_OK && tab)
			snprintf(c->table, sizeof c->table, "%s", tab);
		c->op = op_name(op);
	}
	return SQLITE_CHANGESET_ABORT;
}

static const char *conflict_name(int type)
{
	switch (type) {
	case SQLITE_CHANGESET_DATA: return "the row is not as the journal expects (DATA)";
	case SQLITE_CHANGESET_NOTFOUND: return "the row is missing (NOTFOUND)";
	case SQLITE_CHANGESET_CONFLICT: return "the row exists already (CONFLICT)";
	case SQLITE_CHANGESET_CONSTRAINT: return "a constraint fails (CONSTRAINT)";
	case SQLITE_CHANGESET_FOREIGN_KEY: return "a foreign key fails (FOREIGN_KEY)";
	default: return "conflict";
	}
}

/* Check that every table the changeset touches exists in the copy with as many columns. */
static int check_tables(sqlite3 *copy, struct tables *tc, const void *cs, int n, const char *where)
{
	sqlite3_changeset_iter *it = NULL;
	int rc;
	if (sqlite3changeset_start(&it, n, (void *)cs) != SQLITE_OK)
		return lyra_error(LYRA_EX_NO, "%s is damaged: not a changeset", where);
	while ((rc = sqlite3changeset_next(it)) == SQLITE_ROW) {
		const char *tab = NULL;
		int ncol = 0, op = 0, have;
		if (sqlite3changeset_op(it, &tab, &ncol, &op, NULL) != SQLITE_OK || !tab)
			break;
		have = table_cols(copy, tc, tab);
		if (have <= 0) {
			sqlite3changeset_finalize(it);
			return lyra_error(LYRA_EX_NO, "%s changes table '%s', which the restored copy does not have",
			                  where, tab);
		}
		if (have != ncol) {
			sqlite3changeset_finalize(it);
			return lyra_error(LYRA_EX_NO, "%s changes table '%s' with %d columns; the restored copy's has %d",
			                  where, tab, ncol, have);
		}
	}
	if (sqlite3changeset_finalize(it) != SQLITE_OK || (rc != SQLITE_DONE && rc != SQLITE_ROW))
		return lyra_error(LYRA_EX_NO, "%s is damaged: its changeset does not parse", where);
	return 0;
}

int lyra_journal_replay(sqlite3 *copy, sqlite3 *src, const char *src_name, int src_complete,
                        int64_t at, struct lyra_journal_result *r)
{
	sqlite3_stmt *rd = NULL, *ins = NULL;
	struct tables tc;
	char when[40], where[256];
	int64_t expect;
	int rc, step, trig = 1;

	memset(r, 0, sizeof *r);
	memset(&tc, 0, sizeof tc);
	rc = lyra_journal_read_head(copy, &r->base);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		snprintf(r->why, sizeof r->why, "the backup holds no point-in-time journal (it was made "
		         "before lyra had one)");
		return 2;
	}
	r->last_ts = r->base.ts;
	if (r->base.kind == LYRA_JOURNAL_OFF) {
		lyra_time_format(r->base.ts, when, sizeof when);
		snprintf(r->why, sizeof r->why, "point-in-time recovery was off when the backup was made "
		         "(since %s): transactions after it are in no journal", when);
		return 0;
	}
	if (sqlite3_prepare_v2(src, "SELECT seq, ts, kind, changeset, sha256 FROM backup_journal "
	                            "WHERE seq >= ?1 ORDER BY seq", -1, &rd, NULL) != SQLITE_OK) {
		snprintf(r->why, sizeof r->why, "%s has no point-in-time journal: %s", src_name, sqlite3_errmsg(src));
		sqlite3_finalize(rd);
		return 1;
	}
	sqlite3_bind_int64(rd, 1, r->base.seq);
	step = sqlite3_step(rd);
	if (step != SQLITE_ROW || sqlite3_column_int64(rd, 0) != r->base.seq ||
	    sqlite3_column_int64(rd, 1) != r->base.ts ||
	    lyra_journal_kind_parse((const char *)sqlite3_column_text(rd, 2)) != r->base.kind ||
	    (r->base.kind == LYRA_JOURNAL_TX &&
	     (sqlite3_column_bytes(rd, 4) != 32 || memcmp(sqlite3_column_blob(rd, 4), r->base.sha256, 32) != 0))) {
		if (step != SQLITE_ROW && step != SQLITE_DONE) {
			lyra_error(LYRA_EX_IOERR, "cannot read the journal in %s: %s", src_name, sqlite3_errmsg(src));
			sqlite3_finalize(rd);
			return -1;
		}
		snprintf(r->why, sizeof r->why, "the journal in %s does not continue the backup's: %s", src_name,
		         step == SQLITE_ROW && sqlite3_column_int64(rd, 0) == r->base.seq
		                 ? "its entry at the backup's head differs (another store, or restored since)"
		                 : "it no longer holds the backup's head entry");
		sqlite3_finalize(rd);
		return 1;
	}
	if (sqlite3_exec(copy, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		copy_fail(copy, "write");
		sqlite3_finalize(rd);
		return -1;
	}
	/* a changeset holds its triggers' effects already: triggers stay off while it applies */
	sqlite3_db_config(copy, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &trig);
	if (sqlite3_db_config(copy, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL) != SQLITE_OK) {
		copy_fail(copy, "turn off the triggers of");
		goto fail;
	}
	if (sqlite3_prepare_v2(copy, "INSERT INTO backup_journal (seq, ts, kind, changeset, sha256) "
	                             "VALUES (?1, ?2, ?3, ?4, ?5)", -1, &ins, NULL) != SQLITE_OK) {
		copy_fail(copy, "write the journal of");
		goto fail;
	}
	expect = r->base.seq + 1;
	for (;;) {
		int64_t seq, ts;
		enum lyra_journal_kind kind;
		const void *cs;
		int n;

		step = sqlite3_step(rd);
		if (step == SQLITE_DONE) {
			r->exact = src_complete;
			if (!src_complete) {
				lyra_time_format(r->last_ts, when, sizeof when);
				snprintf(r->why, sizeof r->why, "the journal in %s ends at seq %lld (%s): later "
				         "transactions are in no backup", src_name, (long long)(expect - 1), when);
			}
			break;
		}
		if (step != SQLITE_ROW) {
			lyra_error(LYRA_EX_IOERR, "cannot read the journal in %s: %s", src_name, sqlite3_errmsg(src));
			goto fail;
		}
		seq = sqlite3_column_int64(rd, 0);
		ts = sqlite3_column_int64(rd, 1);
		kind = lyra_journal_kind_parse((const char *)sqlite3_column_text(rd, 2));
		lyra_time_format(ts, when, sizeof when);
		snprintf(where, sizeof where, "journal entry seq %lld (%s) in %s", (long long)seq, when, src_name);
		if (seq != expect) {
			lyra_error(LYRA_EX_NO, "the journal in %s is damaged: entries seq %lld..%lld are missing",
			           src_name, (long long)expect, (long long)seq - 1);
			goto fail;
		}
		if (ts > at) {
			r->exact = 1;
			break;
		}
		if (kind == LYRA_JOURNAL_NONE) {
			lyra_error(LYRA_EX_NO, "%s is damaged: unknown kind '%s'", where,
			           (const char *)sqlite3_column_text(rd, 2));
			goto fail;
		}
		if (kind == LYRA_JOURNAL_ON) {
			snprintf(r->why, sizeof r->why, "the journal restarts at seq %lld (%s) after a gap: "
			         "transactions before it were not journaled", (long long)seq, when);
			break;
		}
		cs = sqlite3_column_blob(rd, 3);
		n = sqlite3_column_bytes(rd, 3);
		if (kind == LYRA_JOURNAL_TX) {
			unsigned char md[32];
			struct conflict c;
			if (!cs || n <= 0 || sqlite3_column_bytes(rd, 4) != 32 || sha256(cs, (size_t)n, md) != 0 ||
			    memcmp(md, sqlite3_column_blob(rd, 4), 32) != 0) {
				lyra_error(LYRA_EX_NO, "%s is damaged: its changeset does not match its sha-256", where);
				goto fail;
			}
			if (check_tables(copy, &tc, cs, n, where) != 0)
				goto fail;
			memset(&c, 0, sizeof c);
			rc = sqlite3changeset_apply(copy, n, (void *)cs, NULL, on_conflict, &c);
			if (rc != SQLITE_OK) {
				if (c.type)
					lyra_error(LYRA_EX_NO, "%s does not apply to the restored copy: %s of a row of "
					           "table '%s': %s", where, c.op, c.table, conflict_name(c.type));
				else
					lyra_error(LYRA_EX_NO, "%s does not apply to the restored copy: %s", where,
					           sqlite3_errmsg(copy));
				goto fail;
			}
		}
		sqlite3_bind_int64(ins, 1, seq);
		sqlite3_bind_int64(ins, 2, ts);
		sqlite3_bind_text(ins, 3, lyra_journal_kind_name(kind), -1, SQLITE_STATIC);
		if (cs)
			sqlite3_bind_blob(ins, 4, cs, n, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 4);
		if (kind == LYRA_JOURNAL_TX)
			sqlite3_bind_blob(ins, 5, sqlite3_column_blob(rd, 4), 32, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 5);
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc != SQLITE_DONE) {
			copy_fail(copy, "write the journal of");
			goto fail;
		}
		if (!r->first_seq)
			r->first_seq = seq;
		r->last_seq = seq;
		r->last_ts = ts;
		r->applied++;
		expect = seq + 1;
		if (kind == LYRA_JOURNAL_OFF) {
			snprintf(r->why, sizeof r->why, "point-in-time recovery was turned off at %s (seq %lld): "
			         "later transactions are in no journal", when, (long long)seq);
			break;
		}
	}
	sqlite3_finalize(rd);
	rd = NULL;
	sqlite3_finalize(ins);
	ins = NULL;
	if (sqlite3_exec(copy, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		copy_fail(copy, "commit to");
		sqlite3_exec(copy, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_db_config(copy, SQLITE_DBCONFIG_ENABLE_TRIGGER, trig, NULL);
		return -1;
	}
	sqlite3_db_config(copy, SQLITE_DBCONFIG_ENABLE_TRIGGER, trig, NULL);
	return 0;
fail:
	sqlite3_finalize(rd);
	sqlite3_finalize(ins);
	sqlite3_exec(copy, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_db_config(copy, SQLITE_DBCONFIG_ENABLE_TRIGGER, trig, NULL);
	r->exact = 0;
	return -1;
}
