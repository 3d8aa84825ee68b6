/* ledger.c: lot methods per financial year, named lots, transfers (see ledger.h). */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "error.h"
#include "ledger.h"

static const char *const fiat[] = { "AUD", "USD", "EUR", "GBP", "JPY", "CAD", "NZD", "SGD", "CHF",
                                    "HKD", NULL };

int lyra_ledger_is_fiat(const char *asset)
{
	for (const char *const *p = fiat; *p; p++)
		if (strcmp(*p, asset) == 0)
			return 1;
	return 0;
}

static void fy_name(int fy, char *buf, size_t n)
{
	snprintf(buf, n, "%04d-%02d", fy % 10000, (fy + 1) % 100);
}

/* Commit with an audit entry (details stolen), or roll back. 0 or -1. */
static int audited_commit(struct lyra_store *st, const char *actor, const char *action,
                          const char *object, json_t *details)
{
	int64_t seq = lyra_audit_append(st, actor, action, object, details);
	json_decref(details);
	if (seq < 0 || lyra_store_commit(st) != 0) {
		lyra_store_rollback(st);
		return -1;
	}
	return 0;
}

int lyra_ledger_method_get(struct lyra_store *st, int fy, enum lyra_lot_method *m)
{
	sqlite3_stmt *s = lyra_store_cached(st, "SELECT method FROM lot_method WHERE fy = ?1");
	int rc, found = 0;
	if (!s)
		return -1;
	sqlite3_bind_int(s, 1, fy);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		found = lyra_lot_method_parse((const char *)sqlite3_column_text(s, 0), m) == 0;
		if (!found)
			lyra_error(LYRA_EX_IOERR, "the recorded lot method of %d is damaged", fy);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot read the lot method");
	return rc == SQLITE_ROW ? (found ? 1 : -1) : 0;
}

int lyra_ledger_method_set(struct lyra_store *st, const char *actor, int fy,
                           enum lyra_lot_method m, int force, int64_t now_us)
{
	enum lyra_lot_method old;
	char name[16];
	int had;
	sqlite3_stmt *s;
	fy_name(fy, name, sizeof name);
	if (lyra_store_begin(st) != 0)
		return -1;
	had = lyra_ledger_method_get(st, fy, &old);
	if (had < 0)
		goto fail;
	if (had && old == m) {
		lyra_store_rollback(st);
		return 0;
	}
	if (had && !force) {
		lyra_error(LYRA_EX_DATAERR, "%s already uses %s: the ATO expects one method applied"
		           " consistently (--force changes it, audited)", name, lyra_lot_method_name(old));
		goto fail;
	}
	s = lyra_store_cached(st, "INSERT OR REPLACE INTO lot_method (fy, method, ts, actor)"
	                      " VALUES (?1, ?2, ?3, ?4)");
	if (!s)
		goto fail;
	sqlite3_bind_int(s, 1, fy);
	sqlite3_bind_text(s, 2, lyra_lot_method_name(m), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now_us);
	sqlite3_bind_text(s, 4, actor, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		lyra_store_fail(st, "cannot record the lot method");
		sqlite3_reset(s);
		goto fail;
	}
	sqlite3_reset(s);
	{
		char object[32];
		snprintf(object, sizeof object, "fy:%s", name);
		return audited_commit(st, actor, "position.method", object,
		                      json_pack("{ssss*}", "method", lyra_lot_method_name(m), "was",
		                                had ? lyra_lot_method_name(old) : NULL));
	}
fail:
	lyra_store_rollback(st);
	return -1;
}

int lyra_ledger_method_each(struct lyra_store *st,
                            int (*fn)(void *ctx, int fy, enum lyra_lot_method m, int64_t ts,
                                      const char *actor), void *ctx)
{
	sqlite3_stmt *s = lyra_store_prepare(st, "SELECT fy, method, ts, actor FROM lot_method"
	                                     " ORDER BY fy");
	int rc, status = 0;
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		enum lyra_lot_method m;
		if (lyra_lot_method_parse((const char *)sqlite3_column_text(s, 1), &m) != 0) {
			status = lyra_error(LYRA_EX_IOERR, "a recorded lot method is damaged");
			break;
		}
		status = fn(ctx, sqlite3_column_int(s, 0), m, sqlite3_column_int64(s, 2),
		            (const char *)sqlite3_column_text(s, 3));
		if (status)
			break;
	}
	if (!status && rc != SQLITE_DONE)
		status = lyra_store_fail(st, "cannot read lot methods");
	sqlite3_finalize(s);
	return status;
}

int lyra_ledger_assign_set(struct lyra_store *st, const char *actor, int64_t disposal_fill,
                           const char *asset, const struct lyra_lot_pick *v, size_t n)
{
	sqlite3_stmt *del, *ins;
	json_t *lots = json_array();
	char object[40];
	if (!lots)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	if (lyra_store_begin(st) != 0) {
		json_decref(lots);
		return -1;
	}
	del = lyra_store_cached(st, "DELETE FROM lot_assign WHERE disposal_fill = ?1");
	ins = lyra_store_cached(st, "INSERT INTO lot_assign (disposal_fill, lot_fill, asset, qty)"
	                        " VALUES (?1, ?2, ?3, ?4)");
	if (!del || !ins)
		goto fail;
	sqlite3_bind_int64(del, 1, disposal_fill);
	if (sqlite3_step(del) != SQLITE_DONE) {
		lyra_store_fail(st, "cannot replace named lots");
		sqlite3_reset(del);
		goto fail;
	}
	sqlite3_reset(del);
	for (size_t i = 0; i < n; i++) {
		char q[LYRA_DEC_STRLEN];
		lyra_dec_format_trim(v[i].qty, q);
		sqlite3_bind_int64(ins, 1, disposal_fill);
		sqlite3_bind_int64(ins, 2, v[i].lot_fill);
		sqlite3_bind_text(ins, 3, asset, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, q, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			lyra_store_fail(st, "cannot store named lots (a lot named twice?)");
			sqlite3_reset(ins);
			goto fail;
		}
		sqlite3_reset(ins);
		json_array_append_new(lots, json_pack("{sIss}", "lot_fill", (json_int_t)v[i].lot_fill,
		                                      "qty", q));
	}
	snprintf(object, sizeof object, "fill:%lld", (long long)disposal_fill);
	return audited_commit(st, actor, "position.lots", object,
	                      json_pack("{ssso}", "asset", asset, "lots", lots));
fail:
	json_decref(lots);
	lyra_store_rollback(st);
	return -1;
}

int lyra_ledger_assign_each(struct lyra_store *st,
                            int (*fn)(void *ctx, int64_t disposal_fill, const char *asset,
                                      const struct lyra_lot_pick *p), void *ctx)
{
	sqlite3_stmt *s = lyra_store_prepare(st, "SELECT disposal_fill, lot_fill, asset, qty FROM"
	                                     " lot_assign ORDER BY disposal_fill, lot_fill");
	int rc, status = 0;
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lyra_lot_pick p;
		p.lot_fill = sqlite3_column_int64(s, 1);
		if (lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 3), &p.qty) != 0) {
			status = lyra_error(LYRA_EX_IOERR, "a named lot's quantity is damaged");
			break;
		}
		status = fn(ctx, sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 2), &p);
		if (status)
			break;
	}
	if (!status && rc != SQLITE_DONE)
		status = lyra_store_fail(st, "cannot read named lots");
	sqlite3_finalize(s);
	return status;
}

static int account_ok(const char *a)
{
	size_t n = strlen(a);
	if (!n || n >= 64)
		return 0;
	for (; *a; a++)
		if (!((*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z') || (*a >= '0' && *a <= '9') ||
		      *a == '.' || *a == '_' || *a == '-'))
			return 0;
	return 1;
}

int lyra_transfer_check(const struct lyra_transfer *t)
{
	if (!t->asset[0] || strchr(t->asset, '/') || strchr(t->asset, ','))
		return lyra_error(LYRA_EX_USAGE, "'%s' is not an asset code", t->asset);
	if (lyra_dec_sign(t->qty) <= 0)
		return lyra_error(LYRA_EX_USAGE, "the quantity must be positive");
	if (lyra_dec_sign(t->fee) < 0 || lyra_dec_cmp(t->fee, t->qty) >= 0)
		return lyra_error(LYRA_EX_USAGE, "the fee must be at least 0 and below the quantity");
	if (!account_ok(t->from) || !account_ok(t->to))
		return lyra_error(LYRA_EX_USAGE, "accounts are venue ids or names of letters, digits,"
		                  " '.', '_' and '-'");
	if (strcmp(t->from, t->to) == 0)
		return lyra_error(LYRA_EX_USAGE, "a transfer needs two different accounts");
	if (!t->ref[0])
		return lyra_error(LYRA_EX_USAGE, "a transfer needs a reference");
	return 0;
}

int lyra_ledger_transfer_add(struct lyra_store *st, const char *actor, struct lyra_transfer *t)
{
	char q[LYRA_DEC_STRLEN], f[LYRA_DEC_STRLEN];
	sqlite3_stmt *s;
	int rc;
	if (lyra_transfer_check(t) != 0)
		return -1;
	lyra_dec_format_trim(t->qty, q);
	lyra_dec_format_trim(t->fee, f);
	if (lyra_store_begin(st) != 0)
		return -1;
	s = lyra_store_cached(st, "SELECT ts = ?2 AND asset = ?3 AND qty = ?4 AND fee = ?5 AND"
	                      " from_acct = ?6 AND to_acct = ?7 FROM transfers WHERE ref = ?1");
	if (!s)
		goto fail;
	sqlite3_bind_text(s, 1, t->ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, t->ts);
	sqlite3_bind_text(s, 3, t->asset, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, q, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, f, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, t->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, t->to, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		int same = sqlite3_column_int(s, 0);
		sqlite3_reset(s);
		lyra_store_rollback(st);
		if (!same)
			return lyra_error(LYRA_EX_DATAERR, "transfer '%s' is stored with different details",
			                  t->ref);
		return 0;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		lyra_store_fail(st, "cannot read transfers");
		goto fail;
	}
	s = lyra_store_cached(st, "INSERT INTO transfers (ref, ts, asset, qty, fee, from_acct, to_acct)"
	                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!s)
		goto fail;
	sqlite3_bind_text(s, 1, t->ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, t->ts);
	sqlite3_bind_text(s, 3, t->asset, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, q, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, f, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, t->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, t->to, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		lyra_store_fail(st, "cannot store a transfer");
		goto fail;
	}
	t->id = sqlite3_last_insert_rowid(st->db);
	if (audited_commit(st, actor, "position.transfer", t->ref,
	                   json_pack("{sIssssssssssss}", "id", (json_int_t)t->id, "asset", t->asset,
	                             "qty", q, "fee", f, "from", t->from, "to", t->to, "ref",
	                             t->ref)) != 0)
		return -1;
	return 1;
fail:
	lyra_store_rollback(st);
	return -1;
}

int lyra_ledger_transfer_each(struct lyra_store *st, int64_t at,
                              int (*fn)(void *ctx, const struct lyra_transfer *t), void *ctx)
{
	sqlite3_stmt *s = lyra_store_prepare(st, "SELECT id, ref, ts, asset, qty, fee, from_acct,"
	                                     " to_acct FROM transfers WHERE ts <= ?1 ORDER BY ts, id");
	int rc, status = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, at);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lyra_transfer t;
		memset(&t, 0, sizeof t);
		t.id = sqlite3_column_int64(s, 0);
		snprintf(t.ref, sizeof t.ref, "%s", (const char *)sqlite3_column_text(s, 1));
		t.ts = sqlite3_column_int64(s, 2);
		snprintf(t.asset, sizeof t.asset, "%s", (const char *)sqlite3_column_text(s, 3));
		snprintf(t.from, sizeof t.from, "%s", (const char *)sqlite3_column_text(s, 6));
		snprintf(t.to, sizeof t.to, "%s", (const char *)sqlite3_column_text(s, 7));
		if (lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 4), &t.qty) != 0 ||
		    lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 5), &t.fee) != 0) {
			status = lyra_error(LYRA_EX_IOERR, "stored transfer %lld is damaged", (long long)t.id);
			break;
		}
		status = fn(ctx, &t);
		if (status)
			break;
	}
	if (!status && rc != SQLITE_DONE)
		status = lyra_store_fail(st, "cannot read transfers");
	sqlite3_finalize(s);
	return status;
}
