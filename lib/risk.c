/* risk.c: the pre-trade rule engine (limits, instrument rules, marks, positions and in-flight
 * orders from the stream, event-time order rates, breakers) and the risk tables of the store
 * (risk_limit; meta keys risk.state, risk.reason, risk.since). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "error.h"
#include "record.h"
#include "risk.h"

enum {
	L_MAX_ORDER_NOTIONAL, L_MAX_ORDER_QTY, L_PRICE_BAND_PCT, L_MAX_POSITION, L_MAX_GROSS,
	L_MAX_NET, L_MAX_OPEN_ORDERS, L_MAX_OPEN_POSITIONS, L_PER_SEC, L_PER_MIN, L_DAILY_LOSS,
	L_DRAWDOWN_PCT, L_EQUITY, L_REJECT_STORM, L_ALLOWED_SYMBOLS, L_ALLOWED_VENUES,
	L_MAX_LEVERAGE, L_MAX_CONC, L_STALE, L_VENUE_ERRORS,
	/* stop parameters (riskcheck stops; lib/stops.c reads them with lyra_risk_limit_get) */
	L_STOP_PX, L_STOP_PCT, L_TRAIL_PCT, L_TRAIL_ATR, L_ATR_STOP, L_ATR_PERIOD, L_MAX_HOLD,
	L_BREAKEVEN_PCT, L_LOCK_PCT, L_LOCK_AFTER_PCT, L_COUNT
};

static const struct lyra_risk_limit_def defs[] = {
	[L_MAX_ORDER_NOTIONAL] = { "max_order_notional", NULL, 0, "largest px x qty of one order" },
	[L_MAX_ORDER_QTY] = { "max_order_qty", NULL, 0, "largest quantity of one order (base units)" },
	[L_PRICE_BAND_PCT] = { "price_band_pct", NULL, 0,
	                       "largest distance of a limit price from the latest mark, in percent" },
	[L_MAX_POSITION] = { "max_position", "5000", 0,
	                     "largest position per symbol, in-flight orders included (quote units)" },
	[L_MAX_GROSS] = { "max_gross_exposure", "13000", 0,
	                  "largest sum of absolute positions over all symbols (quote units)" },
	[L_MAX_NET] = { "max_net_exposure", NULL, 0, "largest absolute signed sum of positions" },
	[L_MAX_OPEN_ORDERS] = { "max_open_orders", NULL, 0, "most in-flight orders at once" },
	[L_MAX_OPEN_POSITIONS] = { "max_open_positions", "10", 0, "most symbols with a position" },
	[L_PER_SEC] = { "max_orders_per_sec", NULL, 0, "most orders passed per second (event time)" },
	[L_PER_MIN] = { "max_orders_per_min", NULL, 0, "most orders passed per minute (event time)" },
	[L_DAILY_LOSS] = { "daily_loss", "500", 0,
	                   "realised loss in a UTC day that trips REDUCING (global)" },
	[L_DRAWDOWN_PCT] = { "drawdown_pct", "15", 0,
	                     "drawdown from peak equity, percent, that trips REDUCING (global)" },
	[L_EQUITY] = { "equity", NULL, 0, "starting equity; the drawdown breaker needs it (global)" },
	[L_REJECT_STORM] = { "reject_storm", "50", 0,
	                     "rejects within a minute that trip HALTED (global)" },
	[L_ALLOWED_SYMBOLS] = { "allowed_symbols", NULL, 1, "symbols that may trade (comma list)" },
	[L_ALLOWED_VENUES] = { "allowed_venues", NULL, 1, "venues that may trade (comma list)" },
	[L_MAX_LEVERAGE] = { "max_leverage", NULL, 0,
	                     "largest gross exposure / equity (equity limit + realised + unrealised)" },
	[L_MAX_CONC] = { "max_concentration_pct", NULL, 0,
	                 "largest position in one symbol as a percentage of equity" },
	[L_STALE] = { "stale_mark_sec", NULL, 0,
	              "reject orders for a symbol whose latest mark is older (event-time seconds)" },
	[L_VENUE_ERRORS] = { "venue_errors", "20", 0,
	                     "orders refused by a venue within a minute that trip HALTED (global)" },
	[L_STOP_PX] = { "stop_px", NULL, 0, "stops: fixed stop price", 1 },
	[L_STOP_PCT] = { "stop_pct", NULL, 0, "stops: fixed stop, percent from the entry", 1 },
	[L_TRAIL_PCT] = { "trail_pct", NULL, 0,
	                  "stops: trailing stop, percent from the best price since entry", 1 },
	[L_TRAIL_ATR] = { "trail_atr", NULL, 0,
	                  "stops: trailing stop, ATR multiple from the best price since entry", 1 },
	[L_ATR_STOP] = { "atr_stop", NULL, 0,
	                 "stops: initial stop, ATR multiple from the entry (ATR when it opened)", 1 },
	[L_ATR_PERIOD] = { "atr_period", "14", 0, "stops: candles in the average true range", 1 },
	[L_MAX_HOLD] = { "max_hold_sec", NULL, 0, "stops: close after this long (event-time seconds)",
	                 1 },
	[L_BREAKEVEN_PCT] = { "breakeven_pct", NULL, 0,
	                      "stops: move the stop to the entry once the best price is this percent "
	                      "in profit", 1 },
	[L_LOCK_PCT] = { "lock_pct", NULL, 0,
	                 "stops: keep this percent of the best open profit per unit", 1 },
	[L_LOCK_AFTER_PCT] = { "lock_after_pct", NULL, 0,
	                       "stops: lock_pct starts once the best price is this percent in profit",
	                       1 },
	{ NULL, NULL, 0, NULL },
};

const struct lyra_risk_limit_def *lyra_risk_limit_defs(void)
{
	return defs;
}

static const char *const state_names[] = { "ACTIVE", "REDUCING", "HALTED" };

const char *lyra_risk_state_name(enum lyra_risk_state s)
{
	return (unsigned)s < 3 ? state_names[s] : "?";
}

int lyra_risk_state_parse(const char *s, enum lyra_risk_state *out)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum lyra_risk_state)i;
			return 0;
		}
	return -1;
}

/* ---- limits ---- */

enum scope_kind { SC_GLOBAL, SC_VENUE, SC_SYMBOL, SC_STRATEGY };

struct limit {
	enum scope_kind kind;
	char *scope;      /* as written: "global", "venue:binance" */
	const char *key;  /* points after ':' in scope ("" for global) */
	int name;
	struct lyra_dec val;
	char *text;       /* value as written */
};

static int def_find(const char *name)
{
	for (int i = 0; i < L_COUNT; i++)
		if (strcmp(defs[i].name, name) == 0)
			return i;
	return -1;
}

static int scope_parse(const char *scope, enum scope_kind *kind, const char **key)
{
	static const char *const pre[] = { "venue:", "symbol:", "strategy:" };
	if (strcmp(scope, "global") == 0) {
		*kind = SC_GLOBAL;
		*key = "";
		return 0;
	}
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(pre[i]);
		if (strncmp(scope, pre[i], n) == 0 && scope[n]) {
			*kind = (enum scope_kind)(i + 1);
			*key = scope + n;
			return 0;
		}
	}
	return lyra_error(LYRA_EX_USAGE, "bad scope '%s': expected global, venue:V, symbol:S or "
	                  "strategy:NAME", scope);
}

int lyra_risk_limit_validate(const char *scope, const char *name, const char *value)
{
	enum scope_kind k;
	const char *key;
	struct lyra_dec d;
	int i = def_find(name);
	if (scope_parse(scope, &k, &key) != 0)
		return -1;
	if (i < 0)
		return lyra_error(LYRA_EX_USAGE, "unknown limit '%s'", name);
	if (defs[i].list) {
		if (!*value || strchr(value, ' '))
			return lyra_error(LYRA_EX_USAGE, "bad value '%s' for '%s': expected a comma "
			                  "list without spaces", value, name);
		return 0;
	}
	if (lyra_dec_parse_cstr(value, &d) != 0 || lyra_dec_sign(d) < 0)
		return lyra_error(LYRA_EX_USAGE, "bad value '%s' for '%s': expected a non-negative "
		                  "decimal", value, name);
	int64_t n;
	if (i == L_ATR_PERIOD && (lyra_dec_to_int(d, &n) != 0 || n < 1 || n > 1000 ||
	                          lyra_dec_cmp(d, lyra_dec_from_int(n)) != 0))
		return lyra_error(LYRA_EX_USAGE, "bad value '%s' for '%s': expected a whole number "
		                  "of candles, 1 to 1000", value, name);
	return 0;
}

/* ---- engine state ---- */

struct sym {
	char *venue, *symbol;
	int has_market, has_mark;
	int64_t mark_ts;                      /* event time of the latest mark */
	struct lyra_dec tick, lot, min_qty, min_notional, mark;
	struct lyra_dec last_px;              /* price of the latest passed order (0: none) */
	struct lyra_dec pos, avg_px;          /* signed base quantity, average entry */
	struct lyra_dec fl_buy, fl_sell;      /* in-flight remaining quantities */
};

struct inflight {
	char *id;
	int sym, buy, has_px;
	struct lyra_dec px, rem;
};

/* The latest event times, newest last, with a sliding window count per window length:
 * len[k] is how many of the newest entries still fall within win[k] of the latest query. */
#define RING_MAX ((size_t)1 << 22)

struct ring {
	int64_t *t;
	size_t cap, head;
	size_t len[2];
	int64_t win[2];
};

struct lyra_risk {
	struct limit *lim;
	size_t nlim, caplim;
	struct lyra_dec defval[L_COUNT];
	struct sym *syms;
	size_t nsyms, capsyms;
	struct inflight *fl;
	size_t nfl, capfl;
	struct ring passed, rejects, venue_err;
	char **stored;                        /* "venue\ttrade_id" of the store's fills, sorted */
	size_t nstored, capstored;
	int loading;                          /* reading the store's fills: no breakers */
	enum lyra_risk_state state;
	char reason[256];
	int tripped;
	char trip_reason[256];
	int64_t day;
	struct lyra_dec daily, realised, peak;
	int has_peak;
};

/* Append t; the buffer doubles (up to RING_MAX) when a window would lose an entry. */
static int ring_push(struct ring *g, int64_t t)
{
	size_t need = g->len[0] > g->len[1] ? g->len[0] : g->len[1];
	if (need == g->cap && g->cap < RING_MAX) {
		size_t ncap = g->cap ? g->cap * 2 : 256;
		int64_t *nt = malloc(ncap * sizeof *nt);
		if (!nt)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		for (size_t i = 0; i < g->cap; i++)
			nt[i] = g->t[(g->head + i) % g->cap];
		free(g->t);
		g->t = nt;
		g->head = g->cap;
		g->cap = ncap;
	}
	g->t[g->head] = t;
	g->head = (g->head + 1) % g->cap;
	for (int k = 0; k < 2; k++)
		if (g->len[k] < g->cap)
			g->len[k]++;
	return 0;
}

/* How many entries lie within (now - win[k], now]; amortised O(1) as event time moves on. */
static int64_t ring_count(struct ring *g, int k, int64_t now)
{
	while (g->len[k] > 0 && g->t[(g->head + g->cap - g->len[k]) % g->cap] <= now - g->win[k])
		g->len[k]--;
	return (int64_t)g->len[k];
}


struct lyra_risk *lyra_risk_new(void)
{
	struct lyra_risk *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->passed.win[0] = LYRA_US_PER_SEC;
	r->passed.win[1] = r->rejects.win[0] = r->rejects.win[1] = 60 * LYRA_US_PER_SEC;
	r->venue_err.win[0] = r->venue_err.win[1] = 60 * LYRA_US_PER_SEC;
	for (int i = 0; i < L_COUNT; i++)
		if (defs[i].def)
			lyra_dec_parse_cstr(defs[i].def, &r->defval[i]);
	r->day = INT64_MIN;
	return r;
}

void lyra_risk_limits_clear(struct lyra_risk *r)
{
	for (size_t i = 0; i < r->nlim; i++) {
		free(r->lim[i].scope);
		free(r->lim[i].text);
	}
	r->nlim = 0;
}

void lyra_risk_free(struct lyra_risk *r)
{
	if (!r)
		return;
	lyra_risk_limits_clear(r);
	free(r->lim);
	for (size_t i = 0; i < r->nsyms; i++) {
		free(r->syms[i].venue);
		free(r->syms[i].symbol);
	}
	free(r->syms);
	for (size_t i = 0; i < r->nfl; i++)
		free(r->fl[i].id);
	free(r->fl);
	free(r->passed.t);
	free(r->rejects.t);
	free(r->venue_err.t);
	for (size_t i = 0; i < r->nstored; i++)
		free(r->stored[i]);
	free(r->stored);
	free(r);
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 16;
	void *q = realloc(*p, n * size);
	if (!q)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	*p = q;
	*cap = n;
	return 0;
}

int lyra_risk_limit_set(struct lyra_risk *r, const char *scope, const char *name,
                        const char *value)
{
	if (lyra_risk_limit_validate(scope, name, value) != 0)
		return -1;
	int n = def_find(name);
	struct limit *l = NULL;
	for (size_t i = 0; i < r->nlim; i++)
		if (r->lim[i].name == n && strcmp(r->lim[i].scope, scope) == 0)
			l = &r->lim[i];
	if (!l) {
		if (grow((void **)&r->lim, &r->caplim, r->nlim + 1, sizeof *r->lim) != 0)
			return -1;
		l = &r->lim[r->nlim];
		memset(l, 0, sizeof *l);
		l->scope = strdup(scope);
		if (!l->scope)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		scope_parse(l->scope, &l->kind, &l->key);
		l->name = n;
		r->nlim++;
	}
	char *t = strdup(value);
	if (!t)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	free(l->text);
	l->text = t;
	l->val = lyra_dec_zero();
	if (!defs[n].list)
		lyra_dec_parse_cstr(value, &l->val);
	return 0;
}

void lyra_risk_set_state(struct lyra_risk *r, enum lyra_risk_state s, const char *reason)
{
	r->state = s;
	snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
}

enum lyra_risk_state lyra_risk_get_state(const struct lyra_risk *r)
{
	return r->state;
}

int lyra_risk_tripped(struct lyra_risk *r, enum lyra_risk_state *state, const char **reason)
{
	if (!r->tripped)
		return 0;
	r->tripped = 0;
	*state = r->state;
	*reason = r->trip_reason;
	return 1;
}

static void trip(struct lyra_risk *r, enum lyra_risk_state s, const char *why)
{
	if (s <= r->state)
		return;
	lyra_risk_set_state(r, s, why);
	snprintf(r->trip_reason, sizeof r->trip_reason, "%s", why);
	r->tripped = 1;
}

/* The effective limit for name: strategy, then symbol, then venue, then global, then the
 * default. NULL when the rule is off. *scope gets the scope that supplied it. */
struct eff {
	struct lyra_dec val;
	const char *text, *scope;
};

static int limit_for(const struct lyra_risk *r, int name, const char *venue, const char *symbol,
                     const char *strategy, struct eff *e)
{
	const struct limit *best = NULL;
	int rank = -1;
	for (size_t i = 0; i < r->nlim; i++) {
		const struct limit *l = &r->lim[i];
		int k = -1;
		if (l->name != name)
			continue;
		switch (l->kind) {
		case SC_GLOBAL: k = 0; break;
		case SC_VENUE: k = venue && strcmp(l->key, venue) == 0 ? 1 : -1; break;
		case SC_SYMBOL: k = symbol && strcmp(l->key, symbol) == 0 ? 2 : -1; break;
		case SC_STRATEGY: k = strategy && strcmp(l->key, strategy) == 0 ? 3 : -1; break;
		}
		if (k > rank) {
			rank = k;
			best = l;
		}
	}
	if (best) {
		e->val = best->val;
		e->text = best->text;
		e->scope = best->scope;
		return 1;
	}
	if (defs[name].def) {
		e->val = r->defval[name];
		e->text = defs[name].def;
		e->scope = "default";
		return 1;
	}
	return 0;
}

int lyra_risk_limit_get(const struct lyra_risk *r, const char *name, const char *venue,
                        const char *symbol, const char *strategy, struct lyra_dec *val,
                        const char **text, const char **scope)
{
	struct eff e;
	int n = def_find(name);
	if (n < 0 || !limit_for(r, n, venue, symbol, strategy, &e))
		return 0;
	*val = e.val;
	if (text)
		*text = e.text;
	if (scope)
		*scope = e.scope;
	return 1;
}

static int sym_find(struct lyra_risk *r, const char *venue, const char *symbol, int create)
{
	for (size_t i = 0; i < r->nsyms; i++)
		if (strcmp(r->syms[i].symbol, symbol) == 0 && strcmp(r->syms[i].venue, venue) == 0)
			return (int)i;
	if (!create)
		return -1;
	if (grow((void **)&r->syms, &r->capsyms, r->nsyms + 1, sizeof *r->syms) != 0)
		return -1;
	struct sym *s = &r->syms[r->nsyms];
	memset(s, 0, sizeof *s);
	s->venue = strdup(venue);
	s->symbol = strdup(symbol);
	if (!s->venue || !s->symbol) {
		free(s->venue);
		free(s->symbol);
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	}
	return (int)r->nsyms++;
}

/* ---- decimal helpers ---- */

static int dmul(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	if (lyra_dec_mul_exact(a, b, out) == 0)
		return 0;
	for (int sc = 12; sc >= 4; sc -= 4)
		if (lyra_dec_mul(a, b, sc, LYRA_ROUND_HALF_EVEN, out) == 0)
			return 0;
	return lyra_error(LYRA_EX_DATAERR, "arithmetic overflow");
}

static int dadd(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	if (lyra_dec_add(a, b, out) == 0)
		return 0;
	return lyra_error(LYRA_EX_DATAERR, "arithmetic overflow");
}

static int dsub(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	if (lyra_dec_sub(a, b, out) == 0)
		return 0;
	return lyra_error(LYRA_EX_DATAERR, "arithmetic overflow");
}

static struct lyra_dec dabs(struct lyra_dec a)
{
	struct lyra_dec o = a;
	lyra_dec_abs(a, &o);
	return o;
}

/* ---- observing the stream ---- */

static int set_mark(struct lyra_risk *r, const json_t *rec, struct lyra_dec mark)
{
	const char *v = lyra_json_get_str(rec, "venue"), *s = lyra_json_get_str(rec, "symbol");
	if (!v || !s)
		return lyra_error(LYRA_EX_DATAERR, "missing field '%s'", v ? "symbol" : "venue");
	int64_t ts;
	if (lyra_json_get_ts(rec, "ts", &ts) != 0)
		return -1;
	int i = sym_find(r, v, s, 1);
	if (i < 0)
		return -1;
	r->syms[i].mark = mark;
	r->syms[i].has_mark = 1;
	r->syms[i].mark_ts = ts;
	return 0;
}

static int mid(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	struct lyra_dec sum;
	int sc = a.scale > b.scale ? a.scale : b.scale;
	if (dadd(a, b, &sum) != 0)
		return -1;
	if (sc < LYRA_DEC_MAX_SCALE)
		sc++;
	if (lyra_dec_div(sum, lyra_dec_from_int(2), sc, LYRA_ROUND_HALF_EVEN, out) != 0)
		return -1;
	*out = lyra_dec_normalize(*out);
	return 0;
}

static int level_px(const json_t *rec, const char *key, struct lyra_dec *px)
{
	const json_t *lv = json_array_get(json_object_get(rec, key), 0);
	const json_t *p = json_array_get(lv, 0);
	if (json_is_string(p))
		return lyra_dec_parse_cstr(json_string_value(p), px);
	if (json_is_integer(p)) {
		*px = lyra_dec_from_int(json_integer_value(p));
		return 0;
	}
	return -1;
}

static int inflight_find(const struct lyra_risk *r, const char *id)
{
	for (size_t i = 0; i < r->nfl; i++)
		if (strcmp(r->fl[i].id, id) == 0)
			return (int)i;
	return -1;
}

static void inflight_drop(struct lyra_risk *r, int i)
{
	struct inflight *f = &r->fl[i];
	struct sym *s = &r->syms[f->sym];
	struct lyra_dec *side = f->buy ? &s->fl_buy : &s->fl_sell;
	if (dsub(*side, f->rem, side) != 0 || lyra_dec_sign(*side) < 0)
		*side = lyra_dec_zero();
	free(f->id);
	r->fl[i] = r->fl[--r->nfl];
}

static int64_t day_of(int64_t ts)
{
	int64_t d = 86400 * LYRA_US_PER_SEC;
	return ts >= 0 ? ts / d : -((-ts + d - 1) / d);
}

static int unrealised(const struct lyra_risk *r, struct lyra_dec *out)
{
	struct lyra_dec u = lyra_dec_zero(), t;
	for (size_t i = 0; i < r->nsyms; i++) {
		const struct sym *s = &r->syms[i];
		if (lyra_dec_is_zero(s->pos) || !s->has_mark)
			continue;
		if (dsub(s->mark, s->avg_px, &t) != 0 || dmul(t, s->pos, &t) != 0 ||
		    dadd(u, t, &u) != 0)
			return -1;
	}
	*out = u;
	return 0;
}

int lyra_risk_daily_loss(const struct lyra_risk *r, struct lyra_dec *loss, struct lyra_dec *limit)
{
	struct eff e;
	int on = limit_for(r, L_DAILY_LOSS, NULL, NULL, NULL, &e);
	*limit = on ? e.val : lyra_dec_zero();
	if (lyra_dec_sign(r->daily) < 0)
		lyra_dec_neg(r->daily, loss);
	else
		*loss = lyra_dec_zero();
	return on;
}

/* Equity for the drawdown breaker and the leverage and concentration rules: the equity limit
 * plus realised PnL plus unrealised PnL at the marks. 0 when no equity limit is set. */
static int equity_now(const struct lyra_risk *r, struct lyra_dec *out, int *on)
{
	struct eff eq;
	struct lyra_dec u;
	*on = limit_for(r, L_EQUITY, NULL, NULL, NULL, &eq);
	if (!*on)
		return 0;
	if (unrealised(r, &u) != 0 || dadd(eq.val, r->realised, out) != 0 || dadd(*out, u, out) != 0)
		return -1;
	return 0;
}

static int breakers_after_fill(struct lyra_risk *r)
{
	struct eff e;
	char buf[LYRA_DEC_STRLEN], why[256];
	struct lyra_dec loss;
	if (r->loading)
		return 0;
	if (limit_for(r, L_DAILY_LOSS, NULL, NULL, NULL, &e) && lyra_dec_sign(r->daily) < 0) {
		lyra_dec_neg(r->daily, &loss);
		if (lyra_dec_cmp(loss, e.val) > 0) {
			lyra_dec_format_trim(loss, buf);
			snprintf(why, sizeof why, "daily_loss: realised loss %s exceeds %s", buf, e.text);
			trip(r, LYRA_RISK_REDUCING, why);
		}
	}
	struct eff dd;
	int on;
	struct lyra_dec equity;
	if (equity_now(r, &equity, &on) != 0)
		return -1;
	if (on && limit_for(r, L_DRAWDOWN_PCT, NULL, NULL, NULL, &dd)) {
		struct lyra_dec drop, lhs, rhs;
		if (!r->has_peak || lyra_dec_cmp(equity, r->peak) > 0) {
			r->peak = equity;
			r->has_peak = 1;
		}
		if (lyra_dec_sign(r->peak) > 0) {
			if (dsub(r->peak, equity, &drop) != 0 ||
			    dmul(drop, lyra_dec_from_int(100), &lhs) != 0 ||
			    dmul(dd.val, r->peak, &rhs) != 0)
				return -1;
			if (lyra_dec_cmp(lhs, rhs) > 0) {
				struct lyra_dec pct;
				if (lyra_dec_div(lhs, r->peak, 4, LYRA_ROUND_HALF_EVEN, &pct) != 0)
					return -1;
				lyra_dec_format_trim(pct, buf);
				snprintf(why, sizeof why, "drawdown_pct: drawdown %s%% exceeds %s%%", buf,
				         dd.text);
				trip(r, LYRA_RISK_REDUCING, why);
			}
		}
	}
	return 0;
}

/* A fill reduces the in-flight order it belongs to (by client order id). */
static int inflight_fill(struct lyra_risk *r, struct sym *s, const char *id, struct lyra_dec qty)
{
	int f = inflight_find(r, id);
	if (f >= 0) {
		struct inflight *o = &r->fl[f];
		struct lyra_dec *sd = o->buy ? &s->fl_buy : &s->fl_sell;
		struct lyra_dec take = lyra_dec_cmp(qty, o->rem) < 0 ? qty : o->rem;
		if (dsub(o->rem, take, &o->rem) != 0 || dsub(*sd, take, sd) != 0)
			return -1;
		if (lyra_dec_sign(o->rem) <= 0)
			inflight_drop(r, f);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int stored_has(const struct lyra_risk *r, const char *venue, const char *trade_id)
{
	char key[320], *k = key;
	if (!r->nstored || !trade_id)
		return 0;
	snprintf(key, sizeof key, "%s\t%s", venue, trade_id);
	return bsearch(&k, r->stored, r->nstored, sizeof *r->stored, cmp_str) != NULL;
}

static int observe_fill(struct lyra_risk *r, const json_t *rec)
{
	const char *v = lyra_json_get_str(rec, "venue"), *sy = lyra_json_get_str(rec, "symbol");
	const char *side = lyra_json_get_str(rec, "side"), *id = lyra_json_get_str(rec, "id");
	struct lyra_dec px, qty, fee = lyra_dec_zero();
	int64_t ts;
	if (!v || !sy || !side || !id)
		return lyra_error(LYRA_EX_DATAERR, "fill: missing field '%s'",
		                  !v ? "venue" : !sy ? "symbol" : !side ? "side" : "id");
	if (strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0)
		return lyra_error(LYRA_EX_DATAERR, "fill: bad side '%s'", side);
	if (lyra_json_get_dec(rec, "px", &px) != 0 || lyra_json_get_dec(rec, "qty", &qty) != 0 ||
	    lyra_json_opt_dec(rec, "fee", &fee) < 0 || lyra_json_get_ts(rec, "ts", &ts) != 0)
		return -1;
	if (lyra_dec_sign(qty) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "fill: qty must be positive");
	int i = sym_find(r, v, sy, 1);
	if (i < 0)
		return -1;
	struct sym *s = &r->syms[i];
	int buy = side[0] == 'b';
	if (!r->loading && stored_has(r, v, lyra_json_get_str(rec, "trade_id"))) {
		/* counted from the store already: only the in-flight order it belongs to moves */
		s->mark = px;
		s->has_mark = 1;
		s->mark_ts = ts;
		return inflight_fill(r, s, id, qty);
	}
	struct lyra_dec delta = qty, real = lyra_dec_zero(), t;
	if (!buy)
		lyra_dec_neg(qty, &delta);

	int sp = lyra_dec_sign(s->pos);
	if (sp != 0 && sp != lyra_dec_sign(delta)) {
		struct lyra_dec apos = dabs(s->pos);
		struct lyra_dec closed = lyra_dec_cmp(qty, apos) < 0 ? qty : apos;
		if (dsub(px, s->avg_px, &t) != 0 || dmul(t, closed, &real) != 0)
			return -1;
		if (sp < 0)
			lyra_dec_neg(real, &real);
		if (dadd(s->pos, delta, &s->pos) != 0)
			return -1;
		if (lyra_dec_sign(s->pos) != 0 && lyra_dec_sign(s->pos) != sp)
			s->avg_px = px;
		else if (lyra_dec_is_zero(s->pos))
			s->avg_px = lyra_dec_zero();
	} else {
		struct lyra_dec apos = dabs(s->pos), cost, cost2, npos;
		if (dmul(apos, s->avg_px, &cost) != 0 || dmul(qty, px, &cost2) != 0 ||
		    dadd(cost, cost2, &cost) != 0 || dadd(apos, qty, &npos) != 0 ||
		    lyra_dec_div(cost, npos, 12, LYRA_ROUND_HALF_EVEN, &s->avg_px) != 0 ||
		    dadd(s->pos, delta, &s->pos) != 0)
			return -1;
		s->avg_px = lyra_dec_normalize(s->avg_px);
	}
	const char *fee_ccy = lyra_json_get_str(rec, "fee_ccy");
	const char *slash = strchr(sy, '/');
	if (fee_ccy && slash) {
		size_t n = strcspn(slash + 1, ":");
		if (strlen(fee_ccy) == n && strncmp(fee_ccy, slash + 1, n) == 0 &&
		    dsub(real, fee, &real) != 0)
			return -1;
	}
	if (day_of(ts) != r->day) {
		r->day = day_of(ts);
		r->daily = lyra_dec_zero();
	}
	if (dadd(r->daily, real, &r->daily) != 0 || dadd(r->realised, real, &r->realised) != 0)
		return -1;
	s->mark = px;
	s->has_mark = 1;
	s->mark_ts = ts;
	if (inflight_fill(r, s, id, qty) != 0)
		return -1;
	return breakers_after_fill(r);
}

int lyra_risk_observe(struct lyra_risk *r, const char *type, const json_t *rec)
{
	struct lyra_dec a, b, m;
	if (strcmp(type, "market") == 0) {
		const char *v = lyra_json_get_str(rec, "venue"), *s = lyra_json_get_str(rec, "symbol");
		struct lyra_dec tick, lot, mq, mn;
		if (!v || !s || lyra_json_get_dec(rec, "tick", &tick) != 0 ||
		    lyra_json_get_dec(rec, "lot", &lot) != 0 ||
		    lyra_json_get_dec(rec, "min_qty", &mq) != 0 ||
		    lyra_json_get_dec(rec, "min_notional", &mn) != 0)
			return v && s ? -1 : lyra_error(LYRA_EX_DATAERR, "market: missing venue or symbol");
		int i = sym_find(r, v, s, 1);
		if (i < 0)
			return -1;
		struct sym *y = &r->syms[i];
		y->tick = tick;
		y->lot = lot;
		y->min_qty = mq;
		y->min_notional = mn;
		y->has_market = 1;
		return 0;
	}
	if (strcmp(type, "bbo") == 0) {
		if (lyra_json_get_dec(rec, "bid_px", &a) != 0 ||
		    lyra_json_get_dec(rec, "ask_px", &b) != 0 || mid(a, b, &m) != 0)
			return -1;
		return set_mark(r, rec, m);
	}
	if (strcmp(type, "trade") == 0) {
		if (lyra_json_get_dec(rec, "px", &a) != 0)
			return -1;
		return set_mark(r, rec, a);
	}
	if (strcmp(type, "book") == 0) {
		int hb = level_px(rec, "bids", &a) == 0, ha = level_px(rec, "asks", &b) == 0;
		if (hb && ha) {
			if (mid(a, b, &m) != 0)
				return -1;
		} else if (hb || ha) {
			m = hb ? a : b;
		} else {
			return 0;
		}
		return set_mark(r, rec, m);
	}
	if (strcmp(type, "fill") == 0)
		return observe_fill(r, rec);
	if (strcmp(type, "order_event") == 0) {
		const char *id = lyra_json_get_str(rec, "id"), *st = lyra_json_get_str(rec, "status");
		if (!id || !st)
			return lyra_error(LYRA_EX_DATAERR, "order_event: missing field '%s'",
			                  id ? "status" : "id");
		if (strcmp(st, "filled") == 0 || strcmp(st, "cancelled") == 0 ||
		    strcmp(st, "rejected") == 0 || strcmp(st, "expired") == 0) {
			int f = inflight_find(r, id);
			if (f >= 0)
				inflight_drop(r, f);
		}
		/* a refusal by the venue itself: oms names the error kind in "error" */
		struct eff e;
		int64_t ts;
		if (strcmp(st, "rejected") == 0 && json_is_string(json_object_get(rec, "error"))) {
			if (lyra_json_get_ts(rec, "ts", &ts) != 0 || ring_push(&r->venue_err, ts) != 0)
				return -1;
			int64_t n = ring_count(&r->venue_err, 0, ts);
			if (limit_for(r, L_VENUE_ERRORS, NULL, NULL, NULL, &e) &&
			    lyra_dec_cmp(lyra_dec_from_int(n), e.val) > 0) {
				const char *v = json_string_value(json_object_get(rec, "venue"));
				char why[200];
				snprintf(why, sizeof why, "venue_errors: %lld orders refused by the venue "
				         "within a minute exceed %s (last: %s)", (long long)n, e.text,
				         v ? v : "?");
				trip(r, LYRA_RISK_HALTED, why);
			}
		}
		return 0;
	}
	return 0;
}

/* ---- checking an order ---- */

struct check {
	json_t *passed, *reasons;
};

static int fail_rule(struct check *c, const char *rule, const char *scope, const char *limit,
                     const char *value)
{
	json_t *o = json_object();
	if (!o)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	json_object_set_new(o, "rule", json_string(rule));
	json_object_set_new(o, "scope", json_string(scope));
	json_object_set_new(o, "limit", json_string(limit));
	json_object_set_new(o, "value", json_string(value));
	json_array_append_new(c->reasons, o);
	return 0;
}

static void pass_rule(struct check *c, const char *rule)
{
	json_array_append_new(c->passed, json_string(rule));
}

/* Compare value with the limit (value > limit fails) and record the outcome. */
static int cmp_rule(struct check *c, const char *rule, const struct eff *e, struct lyra_dec value)
{
	char buf[LYRA_DEC_STRLEN];
	if (lyra_dec_cmp(value, e->val) > 0) {
		lyra_dec_format_trim(value, buf);
		return fail_rule(c, rule, e->scope, e->text, buf);
	}
	pass_rule(c, rule);
	return 0;
}

/* value / equity x mul against a limit, compared exactly (value x mul <= limit x equity); the
 * failure reports the ratio to 6 places. Without a positive equity the rule fails. */
static int ratio_rule(struct check *c, const char *rule, const struct eff *e, struct lyra_dec value,
                      struct lyra_dec equity, int has_equity, int mul)
{
	struct lyra_dec lhs, rhs, q;
	char buf[LYRA_DEC_STRLEN];
	if (!has_equity)
		return fail_rule(c, rule, e->scope, e->text, "no equity limit");
	if (lyra_dec_sign(equity) <= 0) {
		lyra_dec_format_trim(equity, buf);
		char v[LYRA_DEC_STRLEN + 16];
		snprintf(v, sizeof v, "equity %s", buf);
		return fail_rule(c, rule, e->scope, e->text, v);
	}
	if (dmul(value, lyra_dec_from_int(mul), &lhs) != 0 || dmul(e->val, equity, &rhs) != 0)
		return -1;
	if (lyra_dec_cmp(lhs, rhs) <= 0) {
		pass_rule(c, rule);
		return 0;
	}
	if (lyra_dec_div(lhs, equity, 6, LYRA_ROUND_HALF_EVEN, &q) != 0)
		return -1;
	lyra_dec_format_trim(q, buf);
	return fail_rule(c, rule, e->scope, e->text, buf);
}

static int in_list(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");
		if (k == n && strncmp(p, item, n) == 0)
			return 1;
		p += k;
		if (*p)
			p++;
	}
	return 0;
}

static int round_field(json_t *rec, json_t **rounded, const char *key, struct lyra_dec *v,
                       struct lyra_dec step, enum lyra_round mode)
{
	struct lyra_dec to;
	char a[LYRA_DEC_STRLEN], b[LYRA_DEC_STRLEN];
	if (lyra_dec_round_to(*v, step, mode, &to) != 0)
		return -1;
	if (!*rounded)
		*rounded = json_object();
	lyra_dec_format(*v, a);
	lyra_dec_format(to, b);
	json_object_set_new(*rounded, key, json_pack("{ssss}", "from", a, "to", b));
	*v = to;
	return lyra_json_set_dec(rec, key, to);
}

static int check_instrument(struct check *c, const struct sym *s, json_t *rec, unsigned flags,
                            struct lyra_dec *px, int has_px, struct lyra_dec *qty, json_t **rounded)
{
	char a[LYRA_DEC_STRLEN], b[LYRA_DEC_STRLEN];
	const char *side = lyra_json_get_str(rec, "side");
	if (has_px && lyra_dec_sign(s->tick) > 0) {
		if (!lyra_dec_is_multiple(*px, s->tick) && (flags & LYRA_RISK_ROUND)) {
			if (round_field(rec, rounded, "px", px, s->tick,
			                side[0] == 'b' ? LYRA_ROUND_DOWN : LYRA_ROUND_UP) != 0)
				return -1;
		}
		if (lyra_dec_is_multiple(*px, s->tick)) {
			pass_rule(c, "tick");
		} else {
			lyra_dec_format(s->tick, a);
			lyra_dec_format(*px, b);
			if (fail_rule(c, "tick", "market", a, b) != 0)
				return -1;
		}
	}
	if (lyra_dec_sign(s->lot) > 0) {
		if (!lyra_dec_is_multiple(*qty, s->lot) && (flags & LYRA_RISK_ROUND)) {
			if (round_field(rec, rounded, "qty", qty, s->lot, LYRA_ROUND_TRUNC) != 0)
				return -1;
		}
		if (lyra_dec_is_multiple(*qty, s->lot)) {
			pass_rule(c, "lot");
		} else {
			lyra_dec_format(s->lot, a);
			lyra_dec_format(*qty, b);
			if (fail_rule(c, "lot", "market", a, b) != 0)
				return -1;
		}
	}
	if (lyra_dec_cmp(*qty, s->min_qty) < 0) {
		lyra_dec_format(s->min_qty, a);
		lyra_dec_format_trim(*qty, b);
		if (fail_rule(c, "min_qty", "market", a, b) != 0)
			return -1;
	} else {
		pass_rule(c, "min_qty");
	}
	return 0;
}

static int is_reducing(const struct sym *s, int buy, struct lyra_dec qty)
{
	int sp = s ? lyra_dec_sign(s->pos) : 0;
	if (sp == 0 || (sp > 0) == buy)
		return 0;
	struct lyra_dec pending = buy ? s->fl_buy : s->fl_sell, total;
	if (lyra_dec_add(pending, qty, &total) != 0)
		return 0;
	return lyra_dec_cmp(total, dabs(s->pos)) <= 0;
}

int lyra_risk_check(struct lyra_risk *r, json_t *rec, unsigned flags)
{
	const char *id = lyra_json_get_str(rec, "id"), *venue = lyra_json_get_str(rec, "venue");
	const char *symbol = lyra_json_get_str(rec, "symbol"), *side = lyra_json_get_str(rec, "side");
	const char *kind = lyra_json_get_str(rec, "kind");
	const json_t *jstrat = json_object_get(rec, "strategy");
	const char *strategy = json_is_string(jstrat) ? json_string_value(jstrat) : NULL;
	struct lyra_dec px = lyra_dec_zero(), qty, notional = lyra_dec_zero(), t, u;
	int64_t ts;
	char a[LYRA_DEC_STRLEN], b[LYRA_DEC_STRLEN];
	struct eff e;

	if (!id || !venue || !symbol || !side || !kind)
		return lyra_error(LYRA_EX_DATAERR, "order: missing field '%s'", !id ? "id" :
		                  !venue ? "venue" : !symbol ? "symbol" : !side ? "side" : "kind");
	if (strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0)
		return lyra_error(LYRA_EX_DATAERR, "order: bad side '%s': expected buy or sell", side);
	if (lyra_json_get_dec(rec, "qty", &qty) != 0 || lyra_json_get_ts(rec, "ts", &ts) != 0)
		return lyra_error_wrap("order");
	int has_px = lyra_json_opt_dec(rec, "px", &px);
	if (has_px < 0)
		return lyra_error_wrap("order");
	has_px = !has_px;
	if (lyra_dec_sign(qty) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "order: qty must be positive");
	if (has_px && lyra_dec_sign(px) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "order: px must be positive");
	if (!has_px && strcmp(kind, "market") != 0)
		return lyra_error(LYRA_EX_DATAERR, "order: missing field 'px' (kind '%s')", kind);

	int buy = side[0] == 'b';
	int si = sym_find(r, venue, symbol, 1);
	if (si < 0)
		return -1;
	struct check c = { json_array(), json_array() };
	json_t *rounded = NULL;
	if (!c.passed || !c.reasons)
		goto oom;

	switch (r->state) {
	case LYRA_RISK_HALTED:
		if (fail_rule(&c, "halted", "global", "HALTED", r->reason) != 0)
			goto fail;
		break;
	case LYRA_RISK_REDUCING:
		if (!is_reducing(&r->syms[si], buy, qty)) {
			if (fail_rule(&c, "reducing", "global", "REDUCING", "increases risk") != 0)
				goto fail;
		} else {
			pass_rule(&c, "reducing");
		}
		break;
	case LYRA_RISK_ACTIVE:
		break;
	}
	if (limit_for(r, L_ALLOWED_VENUES, venue, symbol, strategy, &e)) {
		if (!in_list(e.text, venue)) {
			if (fail_rule(&c, "allowed_venues", e.scope, e.text, venue) != 0)
				goto fail;
		} else {
			pass_rule(&c, "allowed_venues");
		}
	}
	if (limit_for(r, L_ALLOWED_SYMBOLS, venue, symbol, strategy, &e)) {
		if (!in_list(e.text, symbol)) {
			if (fail_rule(&c, "allowed_symbols", e.scope, e.text, symbol) != 0)
				goto fail;
		} else {
			pass_rule(&c, "allowed_symbols");
		}
	}
	if (r->syms[si].has_market &&
	    check_instrument(&c, &r->syms[si], rec, flags, &px, has_px, &qty, &rounded) != 0)
		goto fail;
	struct sym *s = &r->syms[si];

	if (limit_for(r, L_STALE, venue, symbol, strategy, &e)) {
		struct lyra_dec age;
		if (!s->has_mark) {
			if (fail_rule(&c, "stale_mark_sec", e.scope, e.text, "no mark") != 0)
				goto fail;
		} else if (lyra_dec_div(lyra_dec_from_int(ts - s->mark_ts),
		                        lyra_dec_from_int(LYRA_US_PER_SEC), 6, LYRA_ROUND_HALF_EVEN,
		                        &age) != 0) {
			goto fail;
		} else if (cmp_rule(&c, "stale_mark_sec", &e, lyra_dec_normalize(age)) != 0) {
			goto fail;
		}
	}

	/* the price every notional rule uses: the order's, or the mark for a market order */
	int priced = has_px || s->has_mark;
	struct lyra_dec ref = has_px ? px : s->mark;
	if (!priced) {
		if (fail_rule(&c, "mark", "market", "required", "none") != 0)
			goto fail;
	}
	if (priced && dmul(ref, qty, &notional) != 0)
		goto fail;
	if (priced && s->has_market) {
		if (lyra_dec_cmp(notional, s->min_notional) < 0) {
			lyra_dec_format(s->min_notional, a);
			lyra_dec_format_trim(notional, b);
			if (fail_rule(&c, "min_notional", "market", a, b) != 0)
				goto fail;
		} else {
			pass_rule(&c, "min_notional");
		}
	}
	if (limit_for(r, L_MAX_ORDER_QTY, venue, symbol, strategy, &e) &&
	    cmp_rule(&c, "max_order_qty", &e, qty) != 0)
		goto fail;
	if (priced && limit_for(r, L_MAX_ORDER_NOTIONAL, venue, symbol, strategy, &e) &&
	    cmp_rule(&c, "max_order_notional", &e, notional) != 0)
		goto fail;
	if (has_px && limit_for(r, L_PRICE_BAND_PCT, venue, symbol, strategy, &e)) {
		if (!s->has_mark) {
			if (fail_rule(&c, "price_band_pct", e.scope, e.text, "no mark") != 0)
				goto fail;
		} else {
			struct lyra_dec dev, lhs, rhs, pct;
			if (dsub(px, s->mark, &dev) != 0 || dmul(dabs(dev), lyra_dec_from_int(100), &lhs) != 0 ||
			    dmul(e.val, s->mark, &rhs) != 0)
				goto fail;
			if (lyra_dec_cmp(lhs, rhs) > 0) {
				char v[2 * LYRA_DEC_STRLEN + 16];
				if (lyra_dec_div(lhs, s->mark, 6, LYRA_ROUND_HALF_EVEN, &pct) != 0)
					goto fail;
				lyra_dec_format_trim(pct, a);
				lyra_dec_format_trim(s->mark, b);
				snprintf(v, sizeof v, "%s (mark %s)", a, b);
				if (fail_rule(&c, "price_band_pct", e.scope, e.text, v) != 0)
					goto fail;
			} else {
				pass_rule(&c, "price_band_pct");
			}
		}
	}

	/* positions and exposure, worst case over in-flight orders, this order included */
	if (priced) {
		struct lyra_dec gross = lyra_dec_zero(), net = lyra_dec_zero(), mine = lyra_dec_zero();
		int64_t open_pos = 0;
		for (size_t i = 0; i < r->nsyms; i++) {
			const struct sym *y = &r->syms[i];
			struct lyra_dec lo, hi, fb = y->fl_buy, fs = y->fl_sell, p, w, expect;
			if (i == (size_t)si) {
				if (dadd(buy ? fb : fs, qty, buy ? &fb : &fs) != 0)
					goto fail;
				p = ref;
			} else {
				p = y->has_mark ? y->mark : !lyra_dec_is_zero(y->last_px) ? y->last_px : y->avg_px;
			}
			if (i != (size_t)si && (!lyra_dec_is_zero(y->pos) ||
			                        !lyra_dec_is_zero(y->fl_buy) || !lyra_dec_is_zero(y->fl_sell)))
				open_pos++;
			if (lyra_dec_is_zero(y->pos) && lyra_dec_is_zero(fb) && lyra_dec_is_zero(fs))
				continue;
			if (dadd(y->pos, fb, &hi) != 0 || dsub(y->pos, fs, &lo) != 0 ||
			    dadd(hi, lo, &expect) != 0 || dsub(expect, y->pos, &expect) != 0)
				goto fail;
			w = lyra_dec_cmp(dabs(hi), dabs(lo)) >= 0 ? dabs(hi) : dabs(lo);
			if (dmul(w, p, &t) != 0 || dadd(gross, t, &gross) != 0 ||
			    dmul(expect, p, &u) != 0 || dadd(net, u, &net) != 0)
				goto fail;
			if (i == (size_t)si)
				mine = t;
		}
		if (limit_for(r, L_MAX_POSITION, venue, symbol, strategy, &e) &&
		    cmp_rule(&c, "max_position", &e, mine) != 0)
			goto fail;
		if (limit_for(r, L_MAX_GROSS, venue, symbol, strategy, &e) &&
		    cmp_rule(&c, "max_gross_exposure", &e, gross) != 0)
			goto fail;
		if (limit_for(r, L_MAX_NET, venue, symbol, strategy, &e) &&
		    cmp_rule(&c, "max_net_exposure", &e, dabs(net)) != 0)
			goto fail;
		if (limit_for(r, L_MAX_OPEN_POSITIONS, venue, symbol, strategy, &e)) {
			if (cmp_rule(&c, "max_open_positions", &e,
			             lyra_dec_from_int(open_pos + 1)) != 0)
				goto fail;
		}
		struct eff lev, con;
		int has_lev = limit_for(r, L_MAX_LEVERAGE, venue, symbol, strategy, &lev);
		int has_con = limit_for(r, L_MAX_CONC, venue, symbol, strategy, &con);
		if (has_lev || has_con) {
			struct lyra_dec equity;
			int on;
			if (equity_now(r, &equity, &on) != 0)
				goto fail;
			if (has_lev && ratio_rule(&c, "max_leverage", &lev, gross, equity, on, 1) != 0)
				goto fail;
			if (has_con && ratio_rule(&c, "max_concentration_pct", &con, mine, equity, on,
			                          100) != 0)
				goto fail;
		}
	}
	if (limit_for(r, L_MAX_OPEN_ORDERS, venue, symbol, strategy, &e) &&
	    cmp_rule(&c, "max_open_orders", &e, lyra_dec_from_int((int64_t)r->nfl + 1)) != 0)
		goto fail;
	if (limit_for(r, L_PER_SEC, venue, symbol, strategy, &e) &&
	    cmp_rule(&c, "max_orders_per_sec", &e,
	             lyra_dec_from_int(ring_count(&r->passed, 0, ts) + 1)) != 0)
		goto fail;
	if (limit_for(r, L_PER_MIN, venue, symbol, strategy, &e) &&
	    cmp_rule(&c, "max_orders_per_min", &e,
	             lyra_dec_from_int(ring_count(&r->passed, 1, ts) + 1)) != 0)
		goto fail;

	/* self-cross: an opposite in-flight order on the same book at a price this one would hit */
	{
		int crossed = 0;
		char with[160] = "";
		for (size_t i = 0; i < r->nfl && !crossed; i++) {
			const struct inflight *f = &r->fl[i];
			if (f->sym != si || f->buy == buy)
				continue;
			if (!has_px || !f->has_px ||
			    (buy ? lyra_dec_cmp(px, f->px) >= 0 : lyra_dec_cmp(px, f->px) <= 0)) {
				crossed = 1;
				if (f->has_px)
					lyra_dec_format(f->px, a);
				snprintf(with, sizeof with, "%s @ %s", f->id, f->has_px ? a : "market");
			}
		}
		if (crossed) {
			if (fail_rule(&c, "self_cross", "global", "no cross", with) != 0)
				goto fail;
		} else {
			pass_rule(&c, "self_cross");
		}
	}

	int verdict = json_array_size(c.reasons) ? LYRA_RISK_REJECT : LYRA_RISK_PASS;
	if (ring_push(verdict == LYRA_RISK_PASS ? &r->passed : &r->rejects, ts) != 0)
		goto fail;
	if (verdict == LYRA_RISK_PASS) {
		if (grow((void **)&r->fl, &r->capfl, r->nfl + 1, sizeof *r->fl) != 0)
			goto fail;
		struct inflight *f = &r->fl[r->nfl];
		f->id = strdup(id);
		if (!f->id)
			goto oom;
		f->sym = si;
		f->buy = buy;
		f->has_px = has_px;
		f->px = has_px ? px : lyra_dec_zero();
		f->rem = qty;
		if (dadd(buy ? s->fl_buy : s->fl_sell, qty, buy ? &s->fl_buy : &s->fl_sell) != 0) {
			free(f->id);
			goto fail;
		}
		r->nfl++;
		if (has_px)
			s->last_px = px;
		json_object_set_new(rec, "risk", json_pack("{ssso}", "state",
		                    lyra_risk_state_name(r->state), "checks", c.passed));
		c.passed = NULL;
	} else {
		json_object_set_new(rec, "type", json_string("reject"));
		json_object_set_new(rec, "reasons", c.reasons);
		c.reasons = NULL;
		if (limit_for(r, L_REJECT_STORM, NULL, NULL, NULL, &e)) {
			int64_t n = ring_count(&r->rejects, 0, ts);
			struct lyra_dec dn = lyra_dec_from_int(n);
			if (lyra_dec_cmp(dn, e.val) > 0) {
				char why[128];
				snprintf(why, sizeof why, "reject_storm: %lld rejects within a minute exceed %s",
				         (long long)n, e.text);
				trip(r, LYRA_RISK_HALTED, why);
			}
		}
	}
	if (rounded)
		json_object_set_new(rec, "rounded", rounded);
	json_decref(c.passed);
	json_decref(c.reasons);
	return verdict;
oom:
	lyra_error(LYRA_EX_SOFTWARE, "out of memory");
fail:
	json_decref(rounded);
	json_decref(c.passed);
	json_decref(c.reasons);
	return -1;
}

/* ---- risk parity ---- */

int lyra_risk_parity(const double *ret, int n, int k, int erc, double *vol, double *w,
                     double *rc)
{
	if (n < 2 || k < 1)
		return lyra_error(LYRA_EX_DATAERR, "risk parity needs at least 2 returns per asset "
		                  "(3 closes), got %d", n);
	double *cov = calloc((size_t)k * (size_t)k, sizeof *cov), *mean = calloc((size_t)k, sizeof *mean);
	int status = 0;
	if (!cov || !mean) {
		free(cov);
		free(mean);
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	}
	for (int t = 0; t < n; t++)
		for (int i = 0; i < k; i++)
			mean[i] += ret[t * k + i] / n;
	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++) {
			double c = 0;
			for (int t = 0; t < n; t++)
				c += (ret[t * k + i] - mean[i]) * (ret[t * k + j] - mean[j]);
			cov[i * k + j] = c / (n - 1);
		}
	for (int i = 0; i < k; i++) {
		vol[i] = sqrt(cov[i * k + i]);
		if (!(vol[i] > 0)) {
			status = lyra_error(LYRA_EX_DATAERR, "asset %d never moved: no volatility", i + 1);
			goto done;
		}
		w[i] = 1 / vol[i];
	}
	if (erc) {
		/* minimise w'Cw/2 - sum(ln w_i)/k one coordinate at a time (Griveau-Billion, Richard
		 * and Roncalli, 2013); the minimum has equal risk contributions once normalised */
		int it;
		for (it = 0; it < 10000; it++) {
			double move = 0;
			for (int i = 0; i < k; i++) {
				double c = 0, s = cov[i * k + i];
				for (int j = 0; j < k; j++)
					if (j != i)
						c += cov[i * k + j] * w[j];
				double nw = (-c + sqrt(c * c + 4 * s / k)) / (2 * s);
				move = fmax(move, fabs(nw - w[i]) / nw);
				w[i] = nw;
			}
			if (move < 1e-13)
				break;
		}
		if (it == 10000) {
			status = lyra_error(LYRA_EX_DATAERR, "equal risk contribution did not converge");
			goto done;
		}
	}
	double sum = 0, var = 0;
	for (int i = 0; i < k; i++)
		sum += w[i];
	for (int i = 0; i < k; i++)
		w[i] /= sum;
	for (int i = 0; i < k; i++) {
		double m = 0;
		for (int j = 0; j < k; j++)
			m += cov[i * k + j] * w[j];
		rc[i] = w[i] * m;
		var += rc[i];
	}
	for (int i = 0; i < k; i++)
		rc[i] = var > 0 ? rc[i] / var : 0;
done:
	free(cov);
	free(mean);
	return status;
}

/* ---- the store ---- */

int lyra_risk_load(struct lyra_risk *r, struct lyra_store *st)
{
	sqlite3_stmt *s = lyra_store_cached(st, "SELECT scope, name, value FROM risk_limit");
	int rc;
	if (!s)
		return -1;
	lyra_risk_limits_clear(r);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *sc = (const char *)sqlite3_column_text(s, 0);
		const char *nm = (const char *)sqlite3_column_text(s, 1);
		const char *v = (const char *)sqlite3_column_text(s, 2);
		if (!sc || !nm || !v || lyra_risk_limit_set(r, sc, nm, v) != 0) {
			sqlite3_reset(s);
			return lyra_error(LYRA_EX_DATAERR, "stored risk limit '%s' '%s' is invalid",
			                  sc ? sc : "", nm ? nm : "");
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot read risk limits");
	enum lyra_risk_state state;
	char reason[256];
	if (lyra_risk_state_get(st, &state, reason, sizeof reason, NULL) != 0)
		return -1;
	lyra_risk_set_state(r, state, reason);
	return 0;
}

int lyra_risk_load_fills(struct lyra_risk *r, struct lyra_store *st)
{
	sqlite3_stmt *s = lyra_store_prepare(st, "SELECT ts, venue, trade_id, symbol, side, px, qty, "
	                                     "fee, fee_ccy FROM fills ORDER BY ts, id");
	int rc, status = 0;
	if (!s)
		return -1;
	r->loading = 1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *c[9];
		for (int k = 1; k < 9; k++)
			c[k] = (const char *)sqlite3_column_text(s, k);
		json_t *f = json_pack("{sssIssssssssssssssss}", "type", "fill",
		                      "ts", (json_int_t)sqlite3_column_int64(s, 0), "id", c[2],
		                      "venue", c[1], "trade_id", c[2], "symbol", c[3], "side", c[4],
		                      "px", c[5], "qty", c[6], "fee", c[7], "fee_ccy", c[8]);
		char key[320];
		if (!f || grow((void **)&r->stored, &r->capstored, r->nstored + 1,
		               sizeof *r->stored) != 0) {
			json_decref(f);
			status = lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			break;
		}
		snprintf(key, sizeof key, "%s\t%s", c[1], c[2]);
		if (!(r->stored[r->nstored] = strdup(key))) {
			json_decref(f);
			status = lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			break;
		}
		r->nstored++;
		rc = observe_fill(r, f);
		json_decref(f);
		if (rc != 0) {
			status = lyra_error_wrap("stored fill %s %s", c[1], c[2]);
			break;
		}
	}
	if (status == 0 && rc != SQLITE_DONE)
		status = lyra_store_fail(st, "cannot read fills");
	sqlite3_finalize(s);
	r->loading = 0;
	if (r->nstored)
		qsort(r->stored, r->nstored, sizeof *r->stored, cmp_str);
	return status;
}

int lyra_risk_limit_put(struct lyra_store *st, const char *scope, const char *name,
                        const char *value)
{
	if (lyra_risk_limit_validate(scope, name, value) != 0)
		return -1;
	sqlite3_stmt *s = lyra_store_cached(st, "INSERT OR REPLACE INTO risk_limit "
	                                    "(scope, name, value, updated_us) VALUES (?1, ?2, ?3, ?4)");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, lyra_time_now_us());
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot store risk limit");
	return 0;
}

int lyra_risk_limit_del(struct lyra_store *st, const char *scope, const char *name)
{
	sqlite3_stmt *s = lyra_store_cached(st, "DELETE FROM risk_limit WHERE scope = ?1 AND name = ?2");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot delete risk limit");
	return sqlite3_changes(st->db) > 0;
}

int lyra_risk_state_get(struct lyra_store *st, enum lyra_risk_state *s, char *reason,
                        size_t reasonlen, int64_t *since)
{
	char *v = lyra_store_meta_get(st, "risk.state");
	*s = LYRA_RISK_ACTIVE;
	if (v && lyra_risk_state_parse(v, s) != 0) {
		lyra_error(LYRA_EX_DATAERR, "stored risk state '%s' is unknown", v);
		free(v);
		return -1;
	}
	free(v);
	if (reason && reasonlen) {
		v = lyra_store_meta_get(st, "risk.reason");
		snprintf(reason, reasonlen, "%s", v ? v : "");
		free(v);
	}
	if (since) {
		v = lyra_store_meta_get(st, "risk.since");
		*since = v ? strtoll(v, NULL, 10) : 0;
		free(v);
	}
	return 0;
}

int lyra_risk_state_set(struct lyra_store *st, const char *actor, enum lyra_risk_state s,
                        const char *reason, int breaker)
{
	static const char *const actions[] = { "risk.resume", "risk.reduce", "risk.halt" };
	char since[32];
	enum lyra_risk_state old;
	snprintf(since, sizeof since, "%lld", (long long)lyra_time_now_us());
	if (lyra_store_begin(st) != 0)
		return -1;
	if (lyra_risk_state_get(st, &old, NULL, 0, NULL) != 0)
		goto fail;
	json_t *d = json_pack("{ssssss}", "from", lyra_risk_state_name(old), "to",
	                      lyra_risk_state_name(s), "reason", reason ? reason : "");
	if (!d) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		goto fail;
	}
	int rc = lyra_store_meta_set(st, "risk.state", lyra_risk_state_name(s)) != 0 ||
	         lyra_store_meta_set(st, "risk.reason", reason ? reason : "") != 0 ||
	         lyra_store_meta_set(st, "risk.since", since) != 0 ||
	         lyra_audit_append(st, actor, breaker ? "risk.breaker" : actions[s], "risk:state", d) < 0;
	json_decref(d);
	if (rc || lyra_store_commit(st) != 0)
		goto fail;
	return 0;
fail:
	lyra_store_rollback(st);
	return -1;
}

int64_t lyra_risk_store_version(struct lyra_store *st)
{
	sqlite3_stmt *s = lyra_store_cached(st, "PRAGMA data_version");
	int64_t v = -1;
	if (!s)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return v;
}
