/* orders.c: the order book of record in the store (see orders.h): write-ahead intents, status
 * events and fills applied exactly once, each with its audit entry. */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "error.h"
#include "exitcode.h"
#include "orders.h"
#include "record.h"

static const char *const statuses[] = {
	"new", "acked", "partially_filled", "filled", "cancelled", "rejected", "expired", NULL,
};
static const char *const finals[] = { "filled", "cancelled", "rejected", "expired", NULL };
static const char *const kinds[] = { "limit", "market", "stop", "stop_limit", "post_only", NULL };
static const char *const tifs[] = { "GTC", "IOC", "FOK", "GTD", NULL };

static int in_list(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

int lyra_order_status_valid(const char *s) { return in_list(s, statuses); }
int lyra_order_status_final(const char *s) { return in_list(s, finals); }

void lyra_order_row_release(struct lyra_order_row *r)
{
	free(r->line);
	r->line = NULL;
}

static int id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > LYRA_ORDER_ID_MAX)
		return 0;
	for (const char *p = id; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == ':' || c == '/' || c == '-'))
			return 0;
	}
	return 1;
}

static int positive(const json_t *o, const char *key, int required)
{
	struct lyra_dec d;
	int rc = lyra_json_opt_dec(o, key, &d);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return required ? lyra_error(LYRA_EX_DATAERR, "order: missing '%s'", key) : 0;
	if (lyra_dec_sign(d) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "order: '%s' must be positive", key);
	return 0;
}

int lyra_order_validate(json_t *o)
{
	const char *id = lyra_json_get_str(o, "id");
	const char *side = lyra_json_get_str(o, "side");
	const char *kind = lyra_json_get_str(o, "kind");
	const char *venue = lyra_json_get_str(o, "venue");
	const char *symbol = lyra_json_get_str(o, "symbol");
	const json_t *tifv = json_object_get(o, "tif");
	const char *tif;
	if (!id || !side || !kind || !venue || !symbol)
		return -1;
	if (!id_valid(id))
		return lyra_error(LYRA_EX_DATAERR, "order: id '%.80s' is not 1-%d characters of "
		                  "A-Z a-z 0-9 . _ : / -", id, LYRA_ORDER_ID_MAX);
	if (strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0)
		return lyra_error(LYRA_EX_DATAERR, "order: side '%.20s' is not buy or sell", side);
	if (!in_list(kind, kinds))
		return lyra_error(LYRA_EX_DATAERR, "order: kind '%.20s' is not limit, market, stop, "
		                  "stop_limit or post_only", kind);
	if (!tifv) {
		tif = strcmp(kind, "market") == 0 ? "IOC" : "GTC";
		if (json_object_set_new(o, "tif", json_string(tif)) != 0)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	} else if (!json_is_string(tifv) || !in_list(tif = json_string_value(tifv), tifs)) {
		return lyra_error(LYRA_EX_DATAERR, "order: tif must be GTC, IOC, FOK or GTD");
	}
	if (positive(o, "qty", 1) != 0)
		return -1;
	int needs_px = strcmp(kind, "limit") == 0 || strcmp(kind, "post_only") == 0 ||
	               strcmp(kind, "stop_limit") == 0;
	int needs_stop = strcmp(kind, "stop") == 0 || strcmp(kind, "stop_limit") == 0;
	if (positive(o, "px", needs_px) != 0 || positive(o, "stop_px", needs_stop) != 0)
		return -1;
	if (strcmp(tif, "GTD") == 0) {
		int64_t e;
		if (lyra_json_get_ts(o, "expire_ts", &e) != 0)
			return lyra_error(LYRA_EX_DATAERR, "order: GTD needs expire_ts");
	}
	if (strcmp(kind, "market") == 0 && (strcmp(tif, "GTC") == 0 || strcmp(tif, "GTD") == 0))
		return lyra_error(LYRA_EX_DATAERR, "order: a market order cannot rest (tif %s)", tif);
	return 0;
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : dflt;
}

/* A decimal field as text ("" when absent); numbers are formatted exactly. */
static void dec_text(const json_t *o, const char *key, char buf[LYRA_DEC_STRLEN])
{
	struct lyra_dec d;
	buf[0] = '\0';
	if (lyra_json_opt_dec(o, key, &d) == 0)
		lyra_dec_format(d, buf);
}

static void cpy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static void dec_col(sqlite3_stmt *s, int col, struct lyra_dec *d, int *has)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	int ok = t && *t && lyra_dec_parse_cstr((const char *)t, d) == 0;
	if (!ok)
		*d = lyra_dec_zero();
	if (has)
		*has = ok;
}

#define ROW_COLS "id, venue, book_venue, symbol, side, kind, tif, px, stop_px, qty, expire_ts, " \
	"parent, strategy, status, filled_qty, notional, venue_order_id, reason, created_ts, " \
	"updated_ts, line"

static int read_row(sqlite3_stmt *s, struct lyra_order_row *r)
{
	memset(r, 0, sizeof *r);
	cpy(r->id, sizeof r->id, (const char *)sqlite3_column_text(s, 0));
	cpy(r->venue, sizeof r->venue, (const char *)sqlite3_column_text(s, 1));
	cpy(r->book_venue, sizeof r->book_venue, (const char *)sqlite3_column_text(s, 2));
	cpy(r->symbol, sizeof r->symbol, (const char *)sqlite3_column_text(s, 3));
	cpy(r->side, sizeof r->side, (const char *)sqlite3_column_text(s, 4));
	cpy(r->kind, sizeof r->kind, (const char *)sqlite3_column_text(s, 5));
	cpy(r->tif, sizeof r->tif, (const char *)sqlite3_column_text(s, 6));
	dec_col(s, 7, &r->px, &r->has_px);
	dec_col(s, 8, &r->stop_px, &r->has_stop_px);
	dec_col(s, 9, &r->qty, NULL);
	r->expire_ts = sqlite3_column_int64(s, 10);
	cpy(r->parent, sizeof r->parent, (const char *)sqlite3_column_text(s, 11));
	cpy(r->strategy, sizeof r->strategy, (const char *)sqlite3_column_text(s, 12));
	cpy(r->status, sizeof r->status, (const char *)sqlite3_column_text(s, 13));
	dec_col(s, 14, &r->filled_qty, NULL);
	dec_col(s, 15, &r->notional, NULL);
	cpy(r->venue_order_id, sizeof r->venue_order_id, (const char *)sqlite3_column_text(s, 16));
	cpy(r->reason, sizeof r->reason, (const char *)sqlite3_column_text(s, 17));
	r->created_ts = sqlite3_column_int64(s, 18);
	r->updated_ts = sqlite3_column_int64(s, 19);
	const char *line = (const char *)sqlite3_column_text(s, 20);
	r->line = strdup(line ? line : "");
	if (!r->line)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return 0;
}

int lyra_orders_get(struct lyra_store *st, const char *id, struct lyra_order_row *out)
{
	sqlite3_stmt *s = lyra_store_cached(st, "SELECT " ROW_COLS " FROM orders WHERE id = ?1");
	int rc;
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rc = read_row(s, out);
		sqlite3_reset(s);
		return rc;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot read order");
	return 1;
}

/* Same order? The fields that define what the venue is asked to do. */
static int same_order(const struct lyra_order_row *r, const json_t *o)
{
	char px[LYRA_DEC_STRLEN], stop[LYRA_DEC_STRLEN], qty[LYRA_DEC_STRLEN];
	char rpx[LYRA_DEC_STRLEN] = "", rstop[LYRA_DEC_STRLEN] = "", rqty[LYRA_DEC_STRLEN];
	dec_text(o, "px", px);
	dec_text(o, "stop_px", stop);
	dec_text(o, "qty", qty);
	if (r->has_px)
		lyra_dec_format(r->px, rpx);
	if (r->has_stop_px)
		lyra_dec_format(r->stop_px, rstop);
	lyra_dec_format(r->qty, rqty);
	return strcmp(r->symbol, str_or(o, "symbol", "")) == 0 &&
	       strcmp(r->side, str_or(o, "side", "")) == 0 &&
	       strcmp(r->kind, str_or(o, "kind", "")) == 0 &&
	       strcmp(r->tif, str_or(o, "tif", "GTC")) == 0 &&
	       strcmp(rpx, px) == 0 && strcmp(rstop, stop) == 0 && strcmp(rqty, qty) == 0;
}

int lyra_orders_put(struct lyra_store *st, const char *actor, const json_t *order,
                    const char *line, size_t line_len, const char *venue,
                    const char *book_venue, int64_t ts)
{
	const char *id = str_or(order, "id", "");
	struct lyra_order_row old;
	char px[LYRA_DEC_STRLEN], stop[LYRA_DEC_STRLEN], qty[LYRA_DEC_STRLEN];
	int64_t expire = 0;
	int rc = lyra_orders_get(st, id, &old);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		int same = same_order(&old, order);
		lyra_order_row_release(&old);
		return same ? 1 : 2;
	}
	dec_text(order, "px", px);
	dec_text(order, "stop_px", stop);
	dec_text(order, "qty", qty);
	if (json_object_get(order, "expire_ts") && lyra_json_get_ts(order, "expire_ts", &expire) != 0)
		return -1;
	sqlite3_stmt *s = lyra_store_cached(st,
		"INSERT INTO orders (id, venue, book_venue, symbol, side, kind, tif, px, stop_px, qty, "
		"expire_ts, parent, strategy, status, created_ts, updated_ts, line) VALUES "
		"(?1, ?2, ?3, ?4, ?5, ?6, ?7, NULLIF(?8, ''), NULLIF(?9, ''), ?10, NULLIF(?11, 0), "
		"?12, ?13, 'new', ?14, ?14, ?15)");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, book_venue ? book_venue : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, str_or(order, "symbol", ""), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, str_or(order, "side", ""), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, str_or(order, "kind", ""), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, str_or(order, "tif", "GTC"), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, px, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, stop, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, qty, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 11, expire);
	sqlite3_bind_text(s, 12, str_or(order, "parent", ""), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 13, str_or(order, "strategy", ""), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 14, ts);
	sqlite3_bind_text(s, 15, line, (int)line_len, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot store order");

	char object[LYRA_ORDER_ID_MAX + 8];
	json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "venue", venue,
	                      "symbol", str_or(order, "symbol", ""), "side", str_or(order, "side", ""),
	                      "kind", str_or(order, "kind", ""), "qty", qty, "tif",
	                      str_or(order, "tif", "GTC"), "px", px);
	if (!d)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	if (*book_venue)
		json_object_set_new(d, "book_venue", json_string(book_venue));
	snprintf(object, sizeof object, "order:%s", id);
	int64_t seq = lyra_audit_append(st, actor, "order.new", object, d);
	json_decref(d);
	return seq < 0 ? -1 : 0;
}

/* An amend event carries the order's new price and/or total quantity. */
static int amend(struct lyra_store *st, const char *id, const json_t *ev)
{
	char px[LYRA_DEC_STRLEN], qty[LYRA_DEC_STRLEN];
	dec_text(ev, "px", px);
	dec_text(ev, "qty", qty);
	sqlite3_stmt *s = lyra_store_cached(st,
		"UPDATE orders SET px = CASE WHEN ?2 != '' THEN ?2 ELSE px END, "
		"qty = CASE WHEN ?3 != '' THEN ?3 ELSE qty END WHERE id = ?1");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, px, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, qty, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : lyra_store_fail(st, "cannot amend order");
}

int lyra_orders_event(struct lyra_store *st, const char *actor, const json_t *ev)
{
	const char *id = lyra_json_get_str(ev, "id");
	const char *status = lyra_json_get_str(ev, "status");
	struct lyra_order_row r;
	int64_t ts;
	if (!id || !status || lyra_json_get_ts(ev, "ts", &ts) != 0)
		return -1;
	if (!lyra_order_status_valid(status))
		return lyra_error(LYRA_EX_DATAERR, "order_event: unknown status '%.30s'", status);
	int rc = lyra_orders_get(st, id, &r);
	if (rc != 0)
		return rc;
	lyra_order_row_release(&r);
	if (lyra_order_status_final(r.status))
		return 1;
	/* fills decide between partially_filled and filled; an ack arriving after a fill is late */
	if ((strcmp(status, "acked") == 0 || strcmp(status, "new") == 0) &&
	    strcmp(r.status, "new") != 0)
		status = r.status;
	if (strcmp(status, "partially_filled") == 0 && lyra_dec_cmp(r.filled_qty, r.qty) >= 0)
		status = "filled";

	char *line = lyra_record_dump(ev);
	if (!line)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	sqlite3_stmt *s = lyra_store_cached(st,
		"INSERT INTO order_events (id, ts, status, line) VALUES (?1, ?2, ?3, ?4)");
	sqlite3_stmt *u = lyra_store_cached(st,
		"UPDATE orders SET status = ?2, updated_ts = ?3, "
		"venue_order_id = CASE WHEN ?4 != '' THEN ?4 ELSE venue_order_id END, "
		"reason = CASE WHEN ?5 != '' THEN ?5 ELSE reason END WHERE id = ?1");
	if (!s || !u) {
		free(line);
		return -1;
	}
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, ts);
	sqlite3_bind_text(s, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, line, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	free(line);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot store order event");
	sqlite3_bind_text(u, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(u, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(u, 3, ts);
	sqlite3_bind_text(u, 4, str_or(ev, "venue_order_id", ""), -1, SQLITE_STATIC);
	sqlite3_bind_text(u, 5, str_or(ev, "reason", ""), -1, SQLITE_STATIC);
	rc = sqlite3_step(u);
	sqlite3_reset(u);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot update order");
	if (json_is_true(json_object_get(ev, "amended")) && amend(st, id, ev) != 0)
		return -1;

	char action[40], object[LYRA_ORDER_ID_MAX + 8];
	json_t *d = json_pack("{s:s}", "status", status);
	if (!d)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	if (*str_or(ev, "reason", ""))
		json_object_set_new(d, "reason", json_string(str_or(ev, "reason", "")));
	if (*str_or(ev, "venue_order_id", ""))
		json_object_set_new(d, "venue_order_id", json_string(str_or(ev, "venue_order_id", "")));
	if (strcmp(status, "new") == 0 && strcmp(r.status, "new") == 0 && !json_object_get(ev, "amended")) {
		json_decref(d);
		return 0;   /* the order itself was audited as order.new when it was stored */
	}
	snprintf(action, sizeof action, "order.%s", status);
	snprintf(object, sizeof object, "order:%s", id);
	int64_t seq = lyra_audit_append(st, actor, action, object, d);
	json_decref(d);
	return seq < 0 ? -1 : 0;
}

int lyra_orders_fill(struct lyra_store *st, const char *actor, const json_t *f)
{
	const char *id = lyra_json_get_str(f, "id");
	const char *venue = lyra_json_get_str(f, "venue");
	const char *trade_id = lyra_json_get_str(f, "trade_id");
	const char *fee_ccy = lyra_json_get_str(f, "fee_ccy");
	const char *liq = lyra_json_get_str(f, "liquidity");
	struct lyra_dec px, qty, fee, filled, notional, pq;
	struct lyra_order_row r;
	int64_t ts;
	char spx[LYRA_DEC_STRLEN], sqty[LYRA_DEC_STRLEN], sfee[LYRA_DEC_STRLEN];
	char sfilled[LYRA_DEC_STRLEN], snot[LYRA_DEC_STRLEN];
	if (!id || !venue || !trade_id || !fee_ccy || !liq || lyra_json_get_ts(f, "ts", &ts) != 0 ||
	    lyra_json_get_dec(f, "px", &px) != 0 || lyra_json_get_dec(f, "qty", &qty) != 0 ||
	    lyra_json_get_dec(f, "fee", &fee) != 0)
		return -1;
	int rc = lyra_orders_get(st, id, &r);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return lyra_error(LYRA_EX_DATAERR, "fill %s for unknown order '%s'", trade_id, id);
	lyra_order_row_release(&r);
	if (lyra_dec_add(r.filled_qty, qty, &filled) != 0 ||
	    lyra_dec_mul_exact(px, qty, &pq) != 0 || lyra_dec_add(r.notional, pq, &notional) != 0)
		return -1;
	if (lyra_dec_cmp(filled, r.qty) > 0) {
		lyra_dec_format(filled, sfilled);
		lyra_dec_format(r.qty, sqty);
		return lyra_error(LYRA_EX_DATAERR, "fill %s would overfill order '%s' (%s of %s)",
		                  trade_id, id, sfilled, sqty);
	}
	char *line = lyra_record_dump(f);
	if (!line)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	lyra_dec_format(px, spx);
	lyra_dec_format(qty, sqty);
	lyra_dec_format(fee, sfee);
	sqlite3_stmt *s = lyra_store_cached(st,
		"INSERT OR IGNORE INTO order_fills (venue, trade_id, id, ts, px, qty, fee, fee_ccy, "
		"liquidity, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
	if (!s) {
		free(line);
		return -1;
	}
	sqlite3_bind_text(s, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, trade_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, ts);
	sqlite3_bind_text(s, 5, spx, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, sqty, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, sfee, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, fee_ccy, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, liq, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, line, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	free(line);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot store fill");
	if (sqlite3_changes(st->db) == 0)
		return 1;
	lyra_dec_format(filled, sfilled);
	lyra_dec_format(notional, snot);
	sqlite3_stmt *u = lyra_store_cached(st,
		"UPDATE orders SET filled_qty = ?2, notional = ?3, updated_ts = ?4 WHERE id = ?1");
	if (!u)
		return -1;
	sqlite3_bind_text(u, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(u, 2, sfilled, -1, SQLITE_STATIC);
	sqlite3_bind_text(u, 3, snot, -1, SQLITE_STATIC);
	sqlite3_bind_int64(u, 4, ts);
	rc = sqlite3_step(u);
	sqlite3_reset(u);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot update order");

	char object[LYRA_ORDER_ID_MAX + 8];
	json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "venue", venue, "trade_id",
	                      trade_id, "px", spx, "qty", sqty, "fee", sfee, "fee_ccy", fee_ccy,
	                      "filled_qty", sfilled);
	if (!d)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	snprintf(object, sizeof object, "order:%s", id);
	int64_t seq = lyra_audit_append(st, actor, "order.fill", object, d);
	json_decref(d);
	return seq < 0 ? -1 : 0;
}

int lyra_orders_each(struct lyra_store *st, const struct lyra_order_filter *f, lyra_order_cb cb,
                     void *ctx)
{
	sqlite3_stmt *s = lyra_store_prepare(st,
		"SELECT " ROW_COLS " FROM orders WHERE (?1 IS NULL OR venue = ?1) "
		"AND (?2 IS NULL OR symbol = ?2) AND (?3 IS NULL OR parent = ?3) "
		"AND (?4 IS NULL OR status = ?4) "
		"AND (?5 = 0 OR status NOT IN ('filled', 'cancelled', 'rejected', 'expired')) "
		"AND created_ts >= ?6 ORDER BY created_ts, rowid");
	int rc, stop = 0;
	if (!s)
		return -1;
	if (f->venue)
		sqlite3_bind_text(s, 1, f->venue, -1, SQLITE_STATIC);
	if (f->symbol)
		sqlite3_bind_text(s, 2, f->symbol, -1, SQLITE_STATIC);
	if (f->parent)
		sqlite3_bind_text(s, 3, f->parent, -1, SQLITE_STATIC);
	if (f->status)
		sqlite3_bind_text(s, 4, f->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, f->open_only);
	sqlite3_bind_int64(s, 6, f->since_ts);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lyra_order_row r;
		if (read_row(s, &r) != 0) {
			sqlite3_finalize(s);
			return -1;
		}
		stop = cb(ctx, &r) != 0;
		lyra_order_row_release(&r);
	}
	if (!stop && rc != SQLITE_DONE) {
		lyra_store_fail(st, "cannot list orders");
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return stop ? -1 : 0;
}

struct lyra_dec lyra_order_avg_px(const struct lyra_order_row *r)
{
	struct lyra_dec avg = lyra_dec_zero();
	int scale = (r->has_px ? r->px.scale : 2) + 4;
	if (scale > LYRA_DEC_MAX_SCALE)
		scale = LYRA_DEC_MAX_SCALE;
	if (!lyra_dec_is_zero(r->filled_qty) &&
	    lyra_dec_div(r->notional, r->filled_qty, scale, LYRA_ROUND_HALF_EVEN, &avg) != 0)
		avg = lyra_dec_zero();
	return avg;
}

static void set_dec(json_t *o, const char *key, struct lyra_dec d)
{
	lyra_json_set_dec(o, key, d);
}

json_t *lyra_order_row_json(const struct lyra_order_row *r)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "venue", json_string(r->venue));
	if (*r->book_venue)
		json_object_set_new(o, "book_venue", json_string(r->book_venue));
	json_object_set_new(o, "symbol", json_string(r->symbol));
	json_object_set_new(o, "side", json_string(r->side));
	json_object_set_new(o, "kind", json_string(r->kind));
	json_object_set_new(o, "tif", json_string(r->tif));
	if (r->has_px)
		set_dec(o, "px", r->px);
	if (r->has_stop_px)
		set_dec(o, "stop_px", r->stop_px);
	set_dec(o, "qty", r->qty);
	set_dec(o, "filled_qty", r->filled_qty);
	if (!lyra_dec_is_zero(r->filled_qty))
		set_dec(o, "avg_px", lyra_order_avg_px(r));
	json_object_set_new(o, "status", json_string(r->status));
	if (*r->venue_order_id)
		json_object_set_new(o, "venue_order_id", json_string(r->venue_order_id));
	if (*r->parent)
		json_object_set_new(o, "parent", json_string(r->parent));
	if (*r->strategy)
		json_object_set_new(o, "strategy", json_string(r->strategy));
	if (*r->reason)
		json_object_set_new(o, "reason", json_string(r->reason));
	json_object_set_new(o, "created_ts", json_integer(r->created_ts));
	json_object_set_new(o, "updated_ts", json_integer(r->updated_ts));
	return o;
}
