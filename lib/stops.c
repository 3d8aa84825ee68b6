/* stops.c: stop-losses on event time, persisted in the store (see stops.h). Tables risk_stop
 * (one row per open position: its quantity and cost, when it opened, the best mark since, the
 * ATR initial stop, the level in force and its rule, armed or triggered), risk_stop_atr (each
 * symbol's true ranges) and risk_stop_fill (stream fills counted); meta key
 * risk.stops.fills_mark (the last row of the store's fills counted). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "error.h"
#include "pnl.h"
#include "record.h"
#include "stops.h"

#define ATR_MAX 1000

struct pos {
	char *venue, *symbol;
	struct lyra_pnl_pos p;            /* qty and cost (average cost, fees included) */
	int open;                         /* a position, so a stop (a row in risk_stop) */
	int64_t open_ts;
	struct lyra_dec best, init, level, mark;
	int has_init, has_level, has_mark;
	char rule[24];
	int triggered;
	char order_id[32];
	struct lyra_dec prev_close, *tr;  /* the ATR window: the latest true ranges, oldest first */
	int has_prev, ntr;
};

struct lyra_stops {
	const struct lyra_risk *params;
	struct lyra_store *st;
	char *actor;
	struct pos *pos;
	size_t npos, cappos;
	int64_t now;                      /* event time: the latest ts seen */
	int in_sync;                      /* counting the store's fills: one transaction */
	int64_t synced;
};

struct lyra_stops *lyra_stops_new(const struct lyra_risk *params, struct lyra_store *st,
                                  const char *actor)
{
	struct lyra_stops *s = calloc(1, sizeof *s);
	if (!s || !(s->actor = strdup(actor ? actor : ""))) {
		free(s);
		return NULL;
	}
	s->params = params;
	s->st = st;
	s->now = INT64_MIN;
	return s;
}

void lyra_stops_free(struct lyra_stops *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->npos; i++) {
		free(s->pos[i].venue);
		free(s->pos[i].symbol);
		free(s->pos[i].tr);
	}
	free(s->pos);
	free(s->actor);
	free(s);
}

static struct pos *pos_get(struct lyra_stops *s, const char *venue, const char *symbol)
{
	for (size_t i = 0; i < s->npos; i++)
		if (strcmp(s->pos[i].symbol, symbol) == 0 && strcmp(s->pos[i].venue, venue) == 0)
			return &s->pos[i];
	if (s->npos == s->cappos) {
		size_t n = s->cappos ? s->cappos * 2 : 16;
		struct pos *q = realloc(s->pos, n * sizeof *q);
		if (!q) {
			lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			return NULL;
		}
		s->pos = q;
		s->cappos = n;
	}
	struct pos *p = &s->pos[s->npos];
	memset(p, 0, sizeof *p);
	lyra_pnl_init(&p->p);
	p->venue = strdup(venue);
	p->symbol = strdup(symbol);
	if (!p->venue || !p->symbol) {
		free(p->venue);
		free(p->symbol);
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	s->npos++;
	return p;
}

static int param(const struct lyra_stops *s, const struct pos *p, const char *name,
                 struct lyra_dec *v)
{
	return lyra_risk_limit_get(s->params, name, p->venue, p->symbol, NULL, v, NULL, NULL);
}

/* ---- exact arithmetic ---- */

static int overflow(void)
{
	return lyra_error(LYRA_EX_DATAERR, "stops: amount out of range");
}

static int mul(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	if (lyra_dec_mul_exact(a, b, out) != 0 &&
	    lyra_dec_mul(a, b, LYRA_DEC_MAX_SCALE - 6, LYRA_ROUND_HALF_EVEN, out) != 0)
		return overflow();
	*out = lyra_dec_normalize(*out);
	return 0;
}

static int add(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	if (lyra_dec_add(a, b, out) != 0)
		return overflow();
	*out = lyra_dec_normalize(*out);
	return 0;
}

static int sub(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	if (lyra_dec_sub(a, b, out) != 0)
		return overflow();
	*out = lyra_dec_normalize(*out);
	return 0;
}

/* x * pct / 100, exact while 18 digits allow, else half-even */
static int pct_of(struct lyra_dec x, struct lyra_dec pct, struct lyra_dec *out)
{
	struct lyra_dec t;
	if (mul(x, pct, &t) != 0)
		return -1;
	int sc = t.scale + 2 > LYRA_DEC_MAX_SCALE ? LYRA_DEC_MAX_SCALE : t.scale + 2;
	if (lyra_dec_div(t, lyra_dec_from_int(100), sc, LYRA_ROUND_HALF_EVEN, out) != 0)
		return overflow();
	*out = lyra_dec_normalize(*out);
	return 0;
}

/* long: x - d; short: x + d */
static int away(int lng, struct lyra_dec x, struct lyra_dec d, struct lyra_dec *out)
{
	return lng ? sub(x, d, out) : add(x, d, out);
}

static int is_long(const struct pos *p)
{
	return lyra_dec_sign(p->p.qty) > 0;
}

/* ---- ATR ---- */

static int64_t atr_period(const struct lyra_stops *s, const struct pos *p)
{
	struct lyra_dec v;
	int64_t n = 14;
	if (param(s, p, "atr_period", &v) && (lyra_dec_to_int(v, &n) != 0 || n < 1 || n > ATR_MAX))
		n = 14;
	return n;
}

/* The mean of the latest atr_period true ranges (8 places, half-even); 0 until there are
 * that many candles. */
static int atr(const struct lyra_stops *s, const struct pos *p, struct lyra_dec *out)
{
	int64_t n = atr_period(s, p);
	struct lyra_dec sum = lyra_dec_zero();
	if (p->ntr < n)
		return 0;
	for (int i = p->ntr - (int)n; i < p->ntr; i++)
		if (add(sum, p->tr[i], &sum) != 0)
			return -1;
	if (lyra_dec_div(sum, lyra_dec_from_int(n), 8, LYRA_ROUND_HALF_EVEN, out) != 0)
		return overflow();
	*out = lyra_dec_normalize(*out);
	return 1;
}

static int atr_push(struct pos *p, struct lyra_dec tr)
{
	if (!p->tr && !(p->tr = malloc(ATR_MAX * sizeof *p->tr)))
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	if (p->ntr == ATR_MAX) {
		memmove(p->tr, p->tr + 1, (ATR_MAX - 1) * sizeof *p->tr);
		p->ntr--;
	}
	p->tr[p->ntr++] = tr;
	return 0;
}

/* ---- the store ---- */

static void fmt(struct lyra_dec d, char *buf)
{
	lyra_dec_format(d, buf);
}

static int row_save(struct lyra_stops *s, const struct pos *p)
{
	char q[LYRA_DEC_STRLEN], c[LYRA_DEC_STRLEN], b[LYRA_DEC_STRLEN], in[LYRA_DEC_STRLEN] = "",
	     lv[LYRA_DEC_STRLEN] = "";
	sqlite3_stmt *st;
	if (!p->open) {
		st = lyra_store_cached(s->st, "DELETE FROM risk_stop WHERE venue = ?1 AND symbol = ?2");
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, p->venue, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, p->symbol, -1, SQLITE_STATIC);
	} else {
		st = lyra_store_cached(s->st, "INSERT OR REPLACE INTO risk_stop (venue, symbol, qty, "
		                       "cost, open_ts, best_px, init_px, level, rule, status, order_id, "
		                       "updated_ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
		if (!st)
			return -1;
		fmt(p->p.qty, q);
		fmt(p->p.cost, c);
		fmt(p->best, b);
		if (p->has_init)
			fmt(p->init, in);
		if (p->has_level)
			fmt(p->level, lv);
		sqlite3_bind_text(st, 1, p->venue, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, p->symbol, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, q, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, c, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, p->open_ts);
		sqlite3_bind_text(st, 6, b, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, in, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, lv, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, p->rule, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, p->triggered ? "triggered" : "armed", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, p->order_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 12, s->now == INT64_MIN ? p->open_ts : s->now);
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(s->st, "cannot store a stop");
	return 0;
}

static int atr_save(struct lyra_stops *s, const struct pos *p)
{
	char pc[LYRA_DEC_STRLEN], one[LYRA_DEC_STRLEN];
	size_t cap = (size_t)p->ntr * LYRA_DEC_STRLEN + 1, n = 0;
	char *trs = malloc(cap);
	if (!trs)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	trs[0] = 0;
	for (int i = 0; i < p->ntr; i++) {
		fmt(p->tr[i], one);
		n += (size_t)snprintf(trs + n, cap - n, "%s%s", i ? " " : "", one);
	}
	fmt(p->prev_close, pc);
	sqlite3_stmt *st = lyra_store_cached(s->st, "INSERT OR REPLACE INTO risk_stop_atr (venue, "
	                                     "symbol, prev_close, trs) VALUES (?1, ?2, ?3, ?4)");
	if (!st) {
		free(trs);
		return -1;
	}
	sqlite3_bind_text(st, 1, p->venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, trs, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(trs);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(s->st, "cannot store the ATR window");
	return 0;
}

static json_t *details_of(const struct lyra_stops *s, const struct pos *p)
{
	char buf[LYRA_DEC_STRLEN], avg[LYRA_DEC_STRLEN];
	struct lyra_dec e = lyra_dec_zero();
	json_t *d = json_object();
	if (!d)
		return NULL;
	lyra_dec_format_trim(p->p.qty, buf);
	json_object_set_new(d, "qty", json_string(buf));
	if (p->open) {
		lyra_pnl_avg_px(&p->p, &e);
		lyra_dec_format_trim(e, avg);
		json_object_set_new(d, "entry", json_string(avg));
		lyra_dec_format_trim(p->best, buf);
		json_object_set_new(d, "best", json_string(buf));
		if (p->has_level) {
			lyra_dec_format_trim(p->level, buf);
			json_object_set_new(d, "level", json_string(buf));
			json_object_set_new(d, "rule", json_string(p->rule));
		}
		json_object_set_new(d, "status", json_string(p->triggered ? "triggered" : "armed"));
		if (*p->order_id)
			json_object_set_new(d, "order_id", json_string(p->order_id));
	}
	json_object_set_new(d, "ts", json_integer(s->now == INT64_MIN ? p->open_ts : s->now));
	return d;
}

/* One state change: its row (saved or deleted), then one audit entry, in one transaction (or in
 * the sync transaction that counts the store's fills, audited once at its end). extra, when
 * set, runs inside the same transaction (the stream fill that caused it). */
static int change(struct lyra_stops *s, const struct pos *p, const char *action,
                  int (*extra)(struct lyra_stops *, const void *), const void *arg)
{
	char object[200];
	if (s->in_sync)
		return row_save(s, p);
	json_t *d = details_of(s, p);
	if (!d)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	snprintf(object, sizeof object, "stop:%s/%s", p->venue, p->symbol);
	if (lyra_store_begin(s->st) != 0) {
		json_decref(d);
		return -1;
	}
	int rc = row_save(s, p) != 0 || (extra && extra(s, arg) != 0) ||
	         lyra_audit_append(s->st, s->actor, action, object, d) < 0;
	json_decref(d);
	if (rc || lyra_store_commit(s->st) != 0) {
		lyra_store_rollback(s->st);
		return -1;
	}
	return 0;
}

/* ---- the stop level ---- */

struct cand {
	struct lyra_dec level;
	int has;
	const char *rule;
};

static void consider(struct cand *c, int lng, struct lyra_dec v, const char *rule)
{
	if (!c->has || (lng ? lyra_dec_cmp(v, c->level) > 0 : lyra_dec_cmp(v, c->level) < 0)) {
		c->level = v;
		c->has = 1;
		c->rule = rule;
	}
}

/* The tightest of the price rules in force: the highest level for a long, the lowest for a
 * short; on a tie the rule listed first. */
static int compute_level(const struct lyra_stops *s, struct pos *p, struct cand *c)
{
	int lng = is_long(p);
	struct lyra_dec e, v, d, gain, a, t;
	memset(c, 0, sizeof *c);
	if (lyra_pnl_avg_px(&p->p, &e) != 0)
		return -1;
	if (param(s, p, "stop_px", &v))
		consider(c, lng, v, "stop_px");
	if (param(s, p, "stop_pct", &v)) {
		if (pct_of(e, v, &d) != 0 || away(lng, e, d, &t) != 0)
			return -1;
		consider(c, lng, t, "stop_pct");
	}
	if (p->has_init)
		consider(c, lng, p->init, "atr_stop");
	if (param(s, p, "trail_pct", &v)) {
		if (pct_of(p->best, v, &d) != 0 || away(lng, p->best, d, &t) != 0)
			return -1;
		consider(c, lng, t, "trail_pct");
	}
	if (param(s, p, "trail_atr", &v)) {
		int ok = atr(s, p, &a);
		if (ok < 0)
			return -1;
		if (ok) {
			if (mul(v, a, &d) != 0 || away(lng, p->best, d, &t) != 0)
				return -1;
			consider(c, lng, t, "trail_atr");
		}
	}
	/* the best open profit per unit so far */
	if ((lng ? sub(p->best, e, &gain) : sub(e, p->best, &gain)) != 0)
		return -1;
	if (param(s, p, "breakeven_pct", &v)) {
		if (pct_of(e, v, &d) != 0)
			return -1;
		if (lyra_dec_cmp(gain, d) >= 0)
			consider(c, lng, e, "breakeven_pct");
	}
	if (param(s, p, "lock_pct", &v) && lyra_dec_sign(gain) > 0) {
		struct lyra_dec after = lyra_dec_zero(), keep;
		param(s, p, "lock_after_pct", &after);
		if (pct_of(e, after, &d) != 0)
			return -1;
		if (lyra_dec_cmp(gain, d) >= 0) {
			if (pct_of(gain, v, &keep) != 0 || (lng ? add(e, keep, &t) : sub(e, keep, &t)) != 0)
				return -1;
			consider(c, lng, t, "lock_pct");
		}
	}
	return 0;
}

/* Recompute the level; 1 when it changed. */
static int relevel(const struct lyra_stops *s, struct pos *p)
{
	struct cand c;
	if (compute_level(s, p, &c) != 0)
		return -1;
	int changed = c.has != p->has_level || (c.has && (lyra_dec_cmp(c.level, p->level) != 0 ||
	                                                  strcmp(c.rule, p->rule) != 0));
	p->has_level = c.has;
	p->level = c.has ? c.level : lyra_dec_zero();
	snprintf(p->rule, sizeof p->rule, "%s", c.has ? c.rule : "");
	return changed;
}

/* A position opened (or flipped) at event time ts: a new stop, armed. */
static int open_stop(struct lyra_stops *s, struct pos *p, int64_t ts)
{
	struct lyra_dec e, a, k, d;
	if (lyra_pnl_avg_px(&p->p, &e) != 0)
		return -1;
	p->open = 1;
	p->open_ts = ts;
	p->best = e;
	p->has_init = 0;
	p->triggered = 0;
	p->order_id[0] = 0;
	if (param(s, p, "atr_stop", &k)) {
		int ok = atr(s, p, &a);
		if (ok < 0)
			return -1;
		if (ok) {
			if (mul(k, a, &d) != 0 || away(is_long(p), e, d, &p->init) != 0)
				return -1;
			p->has_init = 1;
		}
	}
	return relevel(s, p) < 0 ? -1 : 0;
}

/* The position of p moved from old (signed quantity before) at event time ts: open, flip,
 * close or resize its stop, and store the change. */
static int position_moved(struct lyra_stops *s, struct pos *p, struct lyra_dec old, int64_t ts,
                          int (*extra)(struct lyra_stops *, const void *), const void *arg)
{
	int was = lyra_dec_sign(old), now = lyra_dec_sign(p->p.qty);
	const char *action;
	if (now == 0) {
		p->open = 0;
		p->has_level = p->has_init = p->triggered = 0;
		p->rule[0] = p->order_id[0] = 0;
		p->p.cost = lyra_dec_zero();
		action = "risk.stop.close";
	} else if (was != now || !p->open) {
		if (open_stop(s, p, ts) != 0)
			return -1;
		action = "risk.stop.open";
	} else {
		if (relevel(s, p) < 0)
			return -1;
		action = "risk.stop.update";
	}
	if (was == 0 && now == 0 && !extra)
		return 0;
	return change(s, p, action, extra, arg);
}

/* ---- fills ---- */

struct fillkey {
	const char *venue, *trade_id;
};

static int mark_stream_fill(struct lyra_stops *s, const void *arg)
{
	const struct fillkey *k = arg;
	sqlite3_stmt *st = lyra_store_cached(s->st, "INSERT OR IGNORE INTO risk_stop_fill "
	                                     "(venue, trade_id) VALUES (?1, ?2)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, k->venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, k->trade_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : lyra_store_fail(s->st, "cannot record a counted fill");
}

static int apply_fill(struct lyra_stops *s, const char *venue, const char *symbol, int side,
                      struct lyra_dec px, struct lyra_dec qty, struct lyra_dec fee_quote,
                      struct lyra_dec fee_base, int64_t ts, const struct fillkey *k)
{
	struct pos *p = pos_get(s, venue, symbol);
	if (!p)
		return -1;
	struct lyra_pnl_pos save = p->p;
	struct lyra_dec old = p->p.qty;
	if (lyra_pnl_fill(&p->p, side, qty, px, fee_quote, fee_base) != 0) {
		p->p = save;
		return -1;
	}
	return position_moved(s, p, old, ts, k ? mark_stream_fill : NULL, k);
}

/* Count the store's fills that are newer than the last counted and did not come from the
 * stream already: one transaction, one audit entry (risk.stop.sync) when there were any. */
static int sync_store(struct lyra_stops *s)
{
	char *m = lyra_store_meta_get(s->st, "risk.stops.fills_mark");
	int64_t mark = m ? strtoll(m, NULL, 10) : 0, last = mark, n = 0;
	free(m);
	sqlite3_stmt *st = lyra_store_cached(s->st, "SELECT id, ts, venue, trade_id, symbol, side, "
	                                     "px, qty, fee, fee_ccy, fee_quote, EXISTS (SELECT 1 FROM "
	                                     "risk_stop_fill k WHERE k.venue = f.venue AND "
	                                     "k.trade_id = f.trade_id) FROM fills f WHERE id > ?1 "
	                                     "ORDER BY id");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, mark);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (lyra_store_begin(s->st) != 0)
		return -1;
	s->in_sync = 1;
	sqlite3_bind_int64(st, 1, mark);
	int rc, status = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *venue = (const char *)sqlite3_column_text(st, 2);
		const char *symbol = (const char *)sqlite3_column_text(st, 4);
		const char *side = (const char *)sqlite3_column_text(st, 5);
		const char *fee_ccy = (const char *)sqlite3_column_text(st, 9);
		const char *slash = symbol ? strchr(symbol, '/') : NULL;
		struct lyra_dec px, qty, fee, fq, fb = lyra_dec_zero();
		last = sqlite3_column_int64(st, 0);
		if (sqlite3_column_int(st, 11))
			continue;
		if (!venue || !symbol || !side || !fee_ccy ||
		    lyra_dec_parse_cstr((const char *)sqlite3_column_text(st, 6), &px) != 0 ||
		    lyra_dec_parse_cstr((const char *)sqlite3_column_text(st, 7), &qty) != 0 ||
		    lyra_dec_parse_cstr((const char *)sqlite3_column_text(st, 8), &fee) != 0 ||
		    lyra_dec_parse_cstr((const char *)sqlite3_column_text(st, 10), &fq) != 0) {
			status = lyra_error(LYRA_EX_DATAERR, "stored fill %lld is malformed",
			                    (long long)last);
			break;
		}
		if (slash && strlen(fee_ccy) == (size_t)(slash - symbol) &&
		    strncmp(fee_ccy, symbol, (size_t)(slash - symbol)) == 0) {
			fb = fee;
			fq = lyra_dec_zero();
		}
		if (apply_fill(s, venue, symbol, side[0] == 'b' ? 1 : -1, px, qty, fq, fb,
		               sqlite3_column_int64(st, 1), NULL) != 0) {
			status = lyra_error_wrap("stored fill %lld", (long long)last);
			break;
		}
		n++;
	}
	sqlite3_reset(st);
	s->in_sync = 0;
	if (status == 0 && rc != SQLITE_DONE)
		status = lyra_store_fail(s->st, "cannot read fills");
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", (long long)last);
	json_t *d = json_pack("{sIsIsI}", "fills", (json_int_t)n, "from_id", (json_int_t)mark,
	                      "to_id", (json_int_t)last);
	if (status == 0 && (!d || lyra_store_meta_set(s->st, "risk.stops.fills_mark", buf) != 0 ||
	                    lyra_audit_append(s->st, s->actor, "risk.stop.sync", "fills", d) < 0))
		status = -1;
	json_decref(d);
	if (status != 0 || lyra_store_commit(s->st) != 0) {
		lyra_store_rollback(s->st);
		return -1;
	}
	s->synced += n;
	return 0;
}

/* 1 when the store's fills or the stream already counted this fill. */
static int counted(struct lyra_stops *s, const char *venue, const char *trade_id)
{
	sqlite3_stmt *st = lyra_store_cached(s->st, "SELECT EXISTS (SELECT 1 FROM fills WHERE "
	                                     "venue = ?1 AND trade_id = ?2) OR EXISTS (SELECT 1 FROM "
	                                     "risk_stop_fill WHERE venue = ?1 AND trade_id = ?2)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, trade_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	return v < 0 ? lyra_store_fail(s->st, "cannot look up a fill") : v;
}

static int observe_fill(struct lyra_stops *s, const json_t *rec, int64_t ts)
{
	const char *v = lyra_json_get_str(rec, "venue"), *sy = lyra_json_get_str(rec, "symbol");
	const char *side = lyra_json_get_str(rec, "side"), *tid = lyra_json_get_str(rec, "trade_id");
	const char *fee_ccy = lyra_json_get_str(rec, "fee_ccy");
	struct lyra_dec px, qty, fee = lyra_dec_zero(), fq = lyra_dec_zero(), fb = lyra_dec_zero();
	if (!v || !sy || !side || !tid)
		return lyra_error(LYRA_EX_DATAERR, "fill: missing field '%s'",
		                  !v ? "venue" : !sy ? "symbol" : !side ? "side" : "trade_id");
	if (strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0)
		return lyra_error(LYRA_EX_DATAERR, "fill: bad side '%s'", side);
	if (lyra_json_get_dec(rec, "px", &px) != 0 || lyra_json_get_dec(rec, "qty", &qty) != 0 ||
	    lyra_json_opt_dec(rec, "fee", &fee) < 0)
		return lyra_error_wrap("fill");
	if (lyra_dec_sign(px) <= 0 || lyra_dec_sign(qty) <= 0 || lyra_dec_sign(fee) < 0)
		return lyra_error(LYRA_EX_DATAERR, "fill: px and qty must be positive, fee not negative");
	const char *slash = strchr(sy, '/');
	if (fee_ccy && slash) {
		size_t nb = (size_t)(slash - sy), nq = strcspn(slash + 1, ":");
		if (strlen(fee_ccy) == nq && strncmp(fee_ccy, slash + 1, nq) == 0)
			fq = fee;
		else if (strlen(fee_ccy) == nb && strncmp(fee_ccy, sy, nb) == 0)
			fb = fee;
	}
	if (sync_store(s) != 0)
		return -1;
	int c = counted(s, v, tid);
	if (c != 0)
		return c < 0 ? -1 : 0;
	struct fillkey k = { v, tid };
	return apply_fill(s, v, sy, side[0] == 'b' ? 1 : -1, px, qty, fq, fb, ts, &k);
}

/* A position record sets the position outright (qty, cost = qty x avg_px). */
static int observe_position(struct lyra_stops *s, const json_t *rec, int64_t ts)
{
	const char *v = lyra_json_get_str(rec, "venue"), *sy = lyra_json_get_str(rec, "symbol");
	struct lyra_dec qty, avg, cost;
	if (!v || !sy)
		return lyra_error(LYRA_EX_DATAERR, "position: missing field '%s'", v ? "symbol" : "venue");
	if (lyra_json_get_dec(rec, "qty", &qty) != 0 || lyra_json_get_dec(rec, "avg_px", &avg) != 0)
		return lyra_error_wrap("position");
	if (lyra_dec_sign(avg) < 0)
		return lyra_error(LYRA_EX_DATAERR, "position: avg_px must not be negative");
	if (mul(qty, avg, &cost) != 0)
		return -1;
	struct pos *p = pos_get(s, v, sy);
	if (!p)
		return -1;
	if (lyra_dec_cmp(qty, p->p.qty) == 0 && lyra_dec_cmp(cost, p->p.cost) == 0)
		return 0;
	struct lyra_dec old = p->p.qty;
	p->p.qty = lyra_dec_normalize(qty);
	p->p.cost = cost;
	return position_moved(s, p, old, ts, NULL, NULL);
}

/* ---- marks and triggers ---- */

static uint64_t fnv(uint64_t h, const char *str)
{
	for (; *str; str++) {
		h ^= (unsigned char)*str;
		h *= 1099511628211ULL;
	}
	return (h ^ 0xff) * 1099511628211ULL;   /* a field separator */
}

/* Emit the closing order and mark the stop triggered. */
static int trigger(struct lyra_stops *s, struct pos *p, int64_t ts, const char *rule, json_t *out)
{
	char buf[LYRA_DEC_STRLEN], tsb[64];
	struct lyra_dec q, e;
	uint64_t h = 14695981039346656037ULL;
	snprintf(tsb, sizeof tsb, "%lld\t%lld", (long long)p->open_ts, (long long)ts);
	h = fnv(fnv(fnv(fnv(h, p->venue), p->symbol), tsb), rule);
	snprintf(p->order_id, sizeof p->order_id, "stop-%016" PRIx64, h);
	json_t *o = lyra_record_new("order", ts), *why = json_object();
	if (!o || !why || lyra_pnl_avg_px(&p->p, &e) != 0) {
		json_decref(o);
		json_decref(why);
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	}
	lyra_dec_abs(p->p.qty, &q);
	lyra_json_set_str(o, "id", p->order_id);
	lyra_json_set_str(o, "venue", p->venue);
	lyra_json_set_str(o, "symbol", p->symbol);
	lyra_json_set_str(o, "side", is_long(p) ? "sell" : "buy");
	lyra_json_set_str(o, "kind", "market");
	lyra_json_set_dec(o, "qty", lyra_dec_normalize(q));
	lyra_json_set_str(o, "strategy", "stops");
	json_object_set_new(o, "reduce_only", json_true());
	json_object_set_new(why, "rule", json_string(rule));
	if (strcmp(rule, "max_hold_sec") != 0) {
		lyra_dec_format_trim(p->level, buf);
		json_object_set_new(why, "level", json_string(buf));
		lyra_dec_format_trim(p->mark, buf);
		json_object_set_new(why, "mark", json_string(buf));
	} else {
		json_object_set_new(why, "opened", json_integer(p->open_ts));
	}
	lyra_dec_format_trim(e, buf);
	json_object_set_new(why, "entry", json_string(buf));
	json_object_set_new(o, "stop", why);
	json_array_append_new(out, o);
	p->triggered = 1;
	/* the order goes out before the state is stored: a crash in between resends the same id,
	 * which oms ignores as an idempotent resend */
	return change(s, p, "risk.stop.trigger", NULL, NULL);
}

static int observe_mark(struct lyra_stops *s, const json_t *rec, struct lyra_dec mark, int64_t ts,
                        json_t *out)
{
	const char *v = lyra_json_get_str(rec, "venue"), *sy = lyra_json_get_str(rec, "symbol");
	if (!v || !sy)
		return lyra_error(LYRA_EX_DATAERR, "missing field '%s'", v ? "symbol" : "venue");
	struct pos *p = pos_get(s, v, sy);
	if (!p)
		return -1;
	p->mark = mark;
	p->has_mark = 1;
	if (!p->open || p->triggered)
		return 0;
	int lng = is_long(p), moved = 0;
	if (lng ? lyra_dec_cmp(mark, p->best) > 0 : lyra_dec_cmp(mark, p->best) < 0) {
		p->best = mark;
		moved = 1;
	}
	int rl = relevel(s, p);
	if (rl < 0)
		return -1;
	if ((moved || rl) && change(s, p, "risk.stop.move", NULL, NULL) != 0)
		return -1;
	if (p->has_level && (lng ? lyra_dec_cmp(mark, p->level) <= 0 :
	                           lyra_dec_cmp(mark, p->level) >= 0))
		return trigger(s, p, ts, p->rule, out);
	return 0;
}

/* A candle: its true range joins the ATR window (stored, not audited: market data) and its
 * close is a mark at the end of the bar. */
static int observe_candle(struct lyra_stops *s, const json_t *rec, int64_t *ts, json_t *out)
{
	const char *v = lyra_json_get_str(rec, "venue"), *sy = lyra_json_get_str(rec, "symbol");
	const char *iv = lyra_json_get_str(rec, "interval");
	struct lyra_dec h, l, c, tr, t;
	int64_t len = 0;
	if (!v || !sy)
		return lyra_error(LYRA_EX_DATAERR, "candle: missing field '%s'", v ? "symbol" : "venue");
	if (lyra_json_get_dec(rec, "high", &h) != 0 || lyra_json_get_dec(rec, "low", &l) != 0 ||
	    lyra_json_get_dec(rec, "close", &c) != 0)
		return lyra_error_wrap("candle");
	if (lyra_dec_cmp(h, l) < 0)
		return lyra_error(LYRA_EX_DATAERR, "candle: high below low");
	if (iv && lyra_duration_parse(iv, &len) == 0 && len > 0)
		*ts += len;
	struct pos *p = pos_get(s, v, sy);
	if (!p || sub(h, l, &tr) != 0)
		return -1;
	if (p->has_prev) {
		if (sub(h, p->prev_close, &t) != 0)
			return -1;
		lyra_dec_abs(t, &t);
		if (lyra_dec_cmp(t, tr) > 0)
			tr = t;
		if (sub(l, p->prev_close, &t) != 0)
			return -1;
		lyra_dec_abs(t, &t);
		if (lyra_dec_cmp(t, tr) > 0)
			tr = t;
	}
	if (atr_push(p, tr) != 0)
		return -1;
	p->prev_close = c;
	p->has_prev = 1;
	if (s->now < *ts)
		s->now = *ts;
	if (atr_save(s, p) != 0)
		return -1;
	return observe_mark(s, rec, c, *ts, out);
}

static int mid(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	struct lyra_dec sum;
	if (add(a, b, &sum) != 0)
		return -1;
	int sc = sum.scale + 1 > LYRA_DEC_MAX_SCALE ? LYRA_DEC_MAX_SCALE : sum.scale + 1;
	if (lyra_dec_div(sum, lyra_dec_from_int(2), sc, LYRA_ROUND_HALF_EVEN, out) != 0)
		return overflow();
	*out = lyra_dec_normalize(*out);
	return 0;
}

static int level_px(const json_t *rec, const char *key, struct lyra_dec *px)
{
	const json_t *p = json_array_get(json_array_get(json_object_get(rec, key), 0), 0);
	if (json_is_string(p))
		return lyra_dec_parse_cstr(json_string_value(p), px);
	return -1;
}

/* max_hold_sec: every armed stop held that long by event time now closes. */
static int time_stops(struct lyra_stops *s, json_t *out)
{
	for (size_t i = 0; i < s->npos; i++) {
		struct pos *p = &s->pos[i];
		struct lyra_dec h, us;
		int64_t hold;
		if (!p->open || p->triggered || !param(s, p, "max_hold_sec", &h))
			continue;
		if (lyra_dec_mul(h, lyra_dec_from_int(LYRA_US_PER_SEC), 0, LYRA_ROUND_UP, &us) != 0 ||
		    lyra_dec_to_int(us, &hold) != 0)
			continue;
		if (s->now - p->open_ts >= hold && trigger(s, p, s->now, "max_hold_sec", out) != 0)
			return -1;
	}
	return 0;
}

static int rearm(struct lyra_stops *s, const json_t *rec)
{
	const char *id = lyra_json_get_str(rec, "id"), *st = lyra_json_get_str(rec, "status");
	if (!id || !st)
		return lyra_error(LYRA_EX_DATAERR, "order_event: missing field '%s'", id ? "status" : "id");
	if (strcmp(st, "rejected") != 0 && strcmp(st, "cancelled") != 0 && strcmp(st, "expired") != 0)
		return 0;
	for (size_t i = 0; i < s->npos; i++) {
		struct pos *p = &s->pos[i];
		if (p->open && p->triggered && strcmp(p->order_id, id) == 0) {
			p->triggered = 0;
			p->order_id[0] = 0;
			return change(s, p, "risk.stop.rearm", NULL, NULL);
		}
	}
	return 0;
}

int lyra_stops_observe(struct lyra_stops *s, const char *type, const json_t *rec, json_t *out)
{
	int64_t ts;
	struct lyra_dec a, b, m;
	int rc = 0;
	if (lyra_json_get_ts(rec, "ts", &ts) != 0)
		return lyra_error_wrap("%s", type);
	if (strcmp(type, "candle") == 0)
		return observe_candle(s, rec, &ts, out) != 0 ? -1 : time_stops(s, out);
	if (s->now < ts)
		s->now = ts;
	if (strcmp(type, "fill") == 0) {
		rc = observe_fill(s, rec, ts);
	} else if (strcmp(type, "position") == 0) {
		rc = observe_position(s, rec, ts);
	} else if (strcmp(type, "order_event") == 0) {
		rc = rearm(s, rec);
	} else if (strcmp(type, "bbo") == 0) {
		if (lyra_json_get_dec(rec, "bid_px", &a) != 0 || lyra_json_get_dec(rec, "ask_px", &b) != 0)
			return lyra_error_wrap("bbo");
		rc = mid(a, b, &m) != 0 ? -1 : observe_mark(s, rec, m, ts, out);
	} else if (strcmp(type, "trade") == 0) {
		if (lyra_json_get_dec(rec, "px", &a) != 0)
			return lyra_error_wrap("trade");
		rc = observe_mark(s, rec, a, ts, out);
	} else if (strcmp(type, "book") == 0) {
		int hb = level_px(rec, "bids", &a) == 0, ha = level_px(rec, "asks", &b) == 0;
		if (hb && ha)
			rc = mid(a, b, &m) != 0 ? -1 : observe_mark(s, rec, m, ts, out);
		else if (hb || ha)
			rc = observe_mark(s, rec, hb ? a : b, ts, out);
	}
	if (rc != 0)
		return -1;
	return time_stops(s, out);
}

/* ---- resuming ---- */

static int parse_opt(const char *t, struct lyra_dec *d, int *has)
{
	*has = t && *t;
	if (!*has) {
		*d = lyra_dec_zero();
		return 0;
	}
	return lyra_dec_parse_cstr(t, d);
}

int lyra_stops_load(struct lyra_stops *s)
{
	sqlite3_stmt *st = lyra_store_prepare(s->st, "SELECT venue, symbol, qty, cost, open_ts, "
	                                      "best_px, init_px, level, rule, status, order_id "
	                                      "FROM risk_stop ORDER BY venue, symbol");
	int rc, status = 0;
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c[11];
		for (int i = 0; i < 11; i++)
			c[i] = (const char *)sqlite3_column_text(st, i);
		struct pos *p = c[0] && c[1] ? pos_get(s, c[0], c[1]) : NULL;
		if (!p || !c[2] || !c[3] || !c[5] || !c[8] || !c[9] || !c[10] ||
		    lyra_dec_parse_cstr(c[2], &p->p.qty) != 0 ||
		    lyra_dec_parse_cstr(c[3], &p->p.cost) != 0 ||
		    lyra_dec_parse_cstr(c[5], &p->best) != 0 ||
		    parse_opt(c[6], &p->init, &p->has_init) != 0 ||
		    parse_opt(c[7], &p->level, &p->has_level) != 0) {
			status = lyra_error(LYRA_EX_DATAERR, "stored stop '%s' '%s' is malformed",
			                    c[0] ? c[0] : "", c[1] ? c[1] : "");
			break;
		}
		p->open = 1;
		p->open_ts = sqlite3_column_int64(st, 4);
		snprintf(p->rule, sizeof p->rule, "%s", c[8]);
		p->triggered = strcmp(c[9], "triggered") == 0;
		snprintf(p->order_id, sizeof p->order_id, "%s", c[10]);
	}
	if (status == 0 && rc != SQLITE_DONE)
		status = lyra_store_fail(s->st, "cannot read stops");
	sqlite3_finalize(st);
	if (status != 0)
		return -1;
	st = lyra_store_prepare(s->st, "SELECT venue, symbol, prev_close, trs FROM risk_stop_atr");
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		const char *sy = (const char *)sqlite3_column_text(st, 1);
		const char *pc = (const char *)sqlite3_column_text(st, 2);
		const char *trs = (const char *)sqlite3_column_text(st, 3);
		struct pos *p = v && sy ? pos_get(s, v, sy) : NULL;
		if (!p || !pc || !trs || lyra_dec_parse_cstr(pc, &p->prev_close) != 0) {
			status = lyra_error(LYRA_EX_DATAERR, "stored ATR window is malformed");
			break;
		}
		p->has_prev = 1;
		for (const char *q = trs; *q;) {
			size_t n = strcspn(q, " ");
			struct lyra_dec tr;
			if (lyra_dec_parse(q, n, &tr) != 0 || atr_push(p, tr) != 0) {
				status = lyra_error(LYRA_EX_DATAERR, "stored ATR window is malformed");
				break;
			}
			q += n;
			if (*q)
				q++;
		}
		if (status)
			break;
	}
	if (status == 0 && rc != SQLITE_DONE)
		status = lyra_store_fail(s->st, "cannot read the ATR windows");
	sqlite3_finalize(st);
	if (status != 0)
		return -1;
	return sync_store(s);
}
