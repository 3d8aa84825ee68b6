/* risk.c: the pre-trade rule engine (limits, instrument rules, marks, positions and in-flight
 * orders from the stream, event-time order rates, breakers) and the risk tables of the store
 * (risk_limit; meta keys risk.state, risk.reason, risk.since). Records come in as jansson
 * objects or, on riskcheck's hot path, as flat records scanned by flatjson.h: both read the
 * same fields into the same plain values, run the same rules, and write the same bytes. */
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
	int next;         /* the next limit of the same name (index), -1 at the end */
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

/* What checking one order decided, before it is written into the record (a jansson object, or
 * a flat line): the rules passed (static names), the failed rules with their strings (offsets
 * into text, copied, NOSTR when absent), the fields rounded. Reused for every order. */
#define MAX_RULES 32
#define NOSTR ((size_t)-1)

struct reason {
	const char *rule;
	size_t scope, limit, value;
};

struct outcome {
	unsigned npassed, nreasons, nrounded;
	const char *passed[MAX_RULES];
	struct reason reason[MAX_RULES];
	struct {
		const char *key;
		char from[LYRA_DEC_STRLEN], to[LYRA_DEC_STRLEN];
	} rounded[2];
	const char *state;
	char *text;
	size_t ntext, captext;
	/* the last "checks" list written by the flat path, encoded: reused while the same rules
	 * pass (they almost always do) */
	const char *ck[MAX_RULES];
	unsigned nck;
	char ck_text[MAX_RULES * 32];
	size_t nck_text;
};

struct ring {
	int64_t *t;
	size_t cap, head;
	size_t len[2];
	int64_t win[2];
};

struct lyra_risk {
	struct limit *lim;
	size_t nlim, caplim;
	int first[L_COUNT];                   /* per limit name: its first limit, -1 if none */
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
	struct outcome out;
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
	for (int i = 0; i < L_COUNT; i++)
		r->first[i] = -1;
	return r;
}

/* Link the limits of each name, in array order, so a rule looks only at its own. */
static void chain_limits(struct lyra_risk *r)
{
	for (int i = 0; i < L_COUNT; i++)
		r->first[i] = -1;
	for (size_t i = r->nlim; i-- > 0;) {
		r->lim[i].next = r->first[r->lim[i].name];
		r->first[r->lim[i].name] = (int)i;
	}
}

void lyra_risk_limits_clear(struct lyra_risk *r)
{
	for (size_t i = 0; i < r->nlim; i++) {
		free(r->lim[i].scope);
		free(r->lim[i].text);
	}
	r->nlim = 0;
	chain_limits(r);
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
	free(r->out.text);
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
		chain_limits(r);
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
	for (int i = r->first[name]; i >= 0; i = r->lim[i].next) {
		const struct limit *l = &r->lim[i];
		int k = -1;
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

static int mark_at(struct lyra_risk *r, const char *v, const char *s, int64_t ts,
                   struct lyra_dec mark)
{
	int i = sym_find(r, v, s, 1);
	if (i < 0)
		return -1;
	r->syms[i].mark = mark;
	r->syms[i].has_mark = 1;
	r->syms[i].mark_ts = ts;
	return 0;
}

static int set_mark(struct lyra_risk *r, const json_t *rec, struct lyra_dec mark)
{
	const char *v = lyra_json_get_str(rec, "venue"), *s = lyra_json_get_str(rec, "symbol");
	if (!v || !s)
		return lyra_error(LYRA_EX_DATAERR, "missing field '%s'", v ? "symbol" : "venue");
	int64_t ts;
	if (lyra_json_get_ts(rec, "ts", &ts) != 0)
		return -1;
	return mark_at(r, v, s, ts, mark);
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

/* An order_event's status: a terminal one ends the in-flight order. */
static void event_status(struct lyra_risk *r, const char *id, const char *st)
{
	if (strcmp(st, "filled") == 0 || strcmp(st, "cancelled") == 0 ||
	    strcmp(st, "rejected") == 0 || strcmp(st, "expired") == 0) {
		int f = inflight_find(r, id);
		if (f >= 0)
			inflight_drop(r, f);
	}
}

/* An order refused by the venue at event time ts (venue may be NULL): the error-rate breaker. */
static int venue_error(struct lyra_risk *r, int64_t ts, const char *v)
{
	struct eff e;
	if (ring_push(&r->venue_err, ts) != 0)
		return -1;
	int64_t n = ring_count(&r->venue_err, 0, ts);
	if (limit_for(r, L_VENUE_ERRORS, NULL, NULL, NULL, &e) &&
	    lyra_dec_cmp(lyra_dec_from_int(n), e.val) > 0) {
		char why[200];
		snprintf(why, sizeof why, "venue_errors: %lld orders refused by the venue "
		         "within a minute exceed %s (last: %s)", (long long)n, e.text, v ? v : "?");
		trip(r, LYRA_RISK_HALTED, why);
	}
	return 0;
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
		event_status(r, id, st);
		/* a refusal by the venue itself: oms names the error kind in "error" */
		int64_t ts;
		if (strcmp(st, "rejected") == 0 && json_is_string(json_object_get(rec, "error"))) {
			if (lyra_json_get_ts(rec, "ts", &ts) != 0)
				return -1;
			return venue_error(r, ts, json_string_value(json_object_get(rec, "venue")));
		}
		return 0;
	}
	return 0;
}

int lyra_risk_observe_flat(struct lyra_risk *r, const struct lyra_fj *fj)
{
	const char *type = lyra_fj_str(fj, "type");
	struct lyra_dec a, b, m;
	int64_t ts;
	if (!type || lyra_fj_ts(lyra_fj_get(fj, "ts"), &ts) != 0)
		return LYRA_RISK_DECLINE;
	if (strcmp(type, "bbo") == 0 || strcmp(type, "trade") == 0) {
		const char *v = lyra_fj_str(fj, "venue"), *s = lyra_fj_str(fj, "symbol");
		int bbo = type[0] == 'b';
		if (!v || !s || lyra_fj_dec(lyra_fj_get(fj, bbo ? "bid_px" : "px"), &a) != 0 ||
		    (bbo && lyra_fj_dec(lyra_fj_get(fj, "ask_px"), &b) != 0))
			return LYRA_RISK_DECLINE;
		if (bbo && mid(a, b, &m) != 0)
			return -1;
		return mark_at(r, v, s, ts, bbo ? m : a);
	}
	if (strcmp(type, "order_event") == 0) {
		const char *id = lyra_fj_str(fj, "id"), *st = lyra_fj_str(fj, "status");
		if (!id || !st)
			return LYRA_RISK_DECLINE;
		event_status(r, id, st);
		if (strcmp(st, "rejected") == 0 && lyra_fj_str(fj, "error"))
			return venue_error(r, ts, lyra_fj_str(fj, "venue"));
		return 0;
	}
	return LYRA_RISK_DECLINE;
}

/* ---- checking an order ---- */

/* An order's fields as the rules read them, from a jansson record or a flat one. */
struct order {
	const char *id, *venue, *symbol, *side, *kind;
	const char *strategy;   /* NULL when absent or not a string */
	int64_t ts;
	struct lyra_dec qty, px;
	int has_px;
};

struct check {
	struct outcome *o;
};

static int out_text(struct outcome *o, const char *s, size_t *at)
{
	if (!s) {
		*at = NOSTR;
		return 0;
	}
	size_t n = strlen(s) + 1;
	if (o->captext - o->ntext < n) {
		size_t cap = o->captext ? o->captext : 1024;
		while (cap - o->ntext < n)
			cap *= 2;
		char *t = realloc(o->text, cap);
		if (!t)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		o->text = t;
		o->captext = cap;
	}
	memcpy(o->text + o->ntext, s, n);
	*at = o->ntext;
	o->ntext += n;
	return 0;
}

static int fail_rule(struct check *c, const char *rule, const char *scope, const char *limit,
                     const char *value)
{
	struct outcome *o = c->o;
	if (o->nreasons == MAX_RULES)
		return lyra_error(LYRA_EX_SOFTWARE, "too many failed rules");
	struct reason *x = &o->reason[o->nreasons];
	x->rule = rule;
	if (out_text(o, scope, &x->scope) != 0 || out_text(o, limit, &x->limit) != 0 ||
	    out_text(o, value, &x->value) != 0)
		return -1;
	o->nreasons++;
	return 0;
}

static void pass_rule(struct check *c, const char *rule)
{
	if (c->o->npassed < MAX_RULES)
		c->o->passed[c->o->npassed++] = rule;
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

/* Round a field (px, then qty) to its step; the record gets the new value when it is written. */
static int round_field(struct check *c, const char *key, struct lyra_dec *v,
                       struct lyra_dec step, enum lyra_round mode)
{
	struct lyra_dec to;
	struct outcome *o = c->o;
	if (lyra_dec_round_to(*v, step, mode, &to) != 0 || o->nrounded == 2)
		return -1;
	o->rounded[o->nrounded].key = key;
	lyra_dec_format(*v, o->rounded[o->nrounded].from);
	lyra_dec_format(to, o->rounded[o->nrounded].to);
	o->nrounded++;
	*v = to;
	return 0;
}

static int check_instrument(struct check *c, const struct sym *s, const char *side, unsigned flags,
                            struct lyra_dec *px, int has_px, struct lyra_dec *qty)
{
	char a[LYRA_DEC_STRLEN], b[LYRA_DEC_STRLEN];
	if (has_px && lyra_dec_sign(s->tick) > 0) {
		if (!lyra_dec_is_multiple(*px, s->tick) && (flags & LYRA_RISK_ROUND)) {
			if (round_field(c, "px", px, s->tick,
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
			if (round_field(c, "qty", qty, s->lot, LYRA_ROUND_TRUNC) != 0)
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

static int order_side_ok(const struct order *o)
{
	if (strcmp(o->side, "buy") != 0 && strcmp(o->side, "sell") != 0)
		return lyra_error(LYRA_EX_DATAERR, "order: bad side '%s': expected buy or sell", o->side);
	return 0;
}

static int order_amounts_ok(const struct order *o)
{
	if (lyra_dec_sign(o->qty) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "order: qty must be positive");
	if (o->has_px && lyra_dec_sign(o->px) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "order: px must be positive");
	if (!o->has_px && strcmp(o->kind, "market") != 0)
		return lyra_error(LYRA_EX_DATAERR, "order: missing field 'px' (kind '%s')", o->kind);
	return 0;
}

/* The rules: the verdict (and what it rests on in r->out), or -1 with error.h. */
static int check_rules(struct lyra_risk *r, const struct order *o, unsigned flags)
{
	const char *id = o->id, *venue = o->venue, *symbol = o->symbol, *strategy = o->strategy;
	struct lyra_dec px = o->px, qty = o->qty, notional = lyra_dec_zero(), t, u;
	int64_t ts = o->ts;
	int has_px = o->has_px;
	char a[LYRA_DEC_STRLEN], b[LYRA_DEC_STRLEN];
	struct eff e;

	int buy = o->side[0] == 'b';
	int si = sym_find(r, venue, symbol, 1);
	if (si < 0)
		return -1;
	struct check c = { &r->out };
	r->out.npassed = r->out.nreasons = r->out.nrounded = 0;
	r->out.ntext = 0;

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
	    check_instrument(&c, &r->syms[si], o->side, flags, &px, has_px, &qty) != 0)
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

	int verdict = r->out.nreasons ? LYRA_RISK_REJECT : LYRA_RISK_PASS;
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
		r->out.state = lyra_risk_state_name(r->state);
	} else {
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
	return verdict;
oom:
	lyra_error(LYRA_EX_SOFTWARE, "out of memory");
fail:
	return -1;
}

static const char *out_str(const struct outcome *o, size_t at)
{
	return at == NOSTR ? NULL : o->text + at;
}

/* Write the outcome into a jansson record: a pass gets "risk", a reject type "reject" and
 * "reasons", then "rounded"; rounded fields get their new values. */
static void apply_json(const struct lyra_risk *r, json_t *rec, int verdict)
{
	const struct outcome *o = &r->out;
	json_t *rounded = NULL;
	for (unsigned k = 0; k < o->nrounded; k++) {
		if (!rounded)
			rounded = json_object();
		json_object_set_new(rounded, o->rounded[k].key, json_pack("{ssss}", "from",
		                    o->rounded[k].from, "to", o->rounded[k].to));
		json_object_set_new(rec, o->rounded[k].key, json_string(o->rounded[k].to));
	}
	if (verdict == LYRA_RISK_PASS) {
		json_t *checks = json_array();
		for (unsigned i = 0; i < o->npassed; i++)
			json_array_append_new(checks, json_string(o->passed[i]));
		json_object_set_new(rec, "risk", json_pack("{ssso}", "state", o->state, "checks",
		                                           checks));
	} else {
		json_t *reasons = json_array();
		json_object_set_new(rec, "type", json_string("reject"));
		for (unsigned i = 0; i < o->nreasons; i++) {
			const struct reason *x = &o->reason[i];
			json_t *j = json_object();
			json_object_set_new(j, "rule", json_string(x->rule));
			json_object_set_new(j, "scope", json_string(out_str(o, x->scope)));
			json_object_set_new(j, "limit", json_string(out_str(o, x->limit)));
			json_object_set_new(j, "value", json_string(out_str(o, x->value)));
			json_array_append_new(reasons, j);
		}
		json_object_set_new(rec, "reasons", reasons);
	}
	if (rounded)
		json_object_set_new(rec, "rounded", rounded);
}

int lyra_risk_check(struct lyra_risk *r, json_t *rec, unsigned flags)
{
	struct order o = { 0 };
	o.id = lyra_json_get_str(rec, "id");
	o.venue = lyra_json_get_str(rec, "venue");
	o.symbol = lyra_json_get_str(rec, "symbol");
	o.side = lyra_json_get_str(rec, "side");
	o.kind = lyra_json_get_str(rec, "kind");
	const json_t *jstrat = json_object_get(rec, "strategy");
	o.strategy = json_is_string(jstrat) ? json_string_value(jstrat) : NULL;
	o.px = lyra_dec_zero();

	if (!o.id || !o.venue || !o.symbol || !o.side || !o.kind)
		return lyra_error(LYRA_EX_DATAERR, "order: missing field '%s'", !o.id ? "id" :
		                  !o.venue ? "venue" : !o.symbol ? "symbol" : !o.side ? "side" : "kind");
	if (order_side_ok(&o) != 0)
		return -1;
	if (lyra_json_get_dec(rec, "qty", &o.qty) != 0 || lyra_json_get_ts(rec, "ts", &o.ts) != 0)
		return lyra_error_wrap("order");
	int has_px = lyra_json_opt_dec(rec, "px", &o.px);
	if (has_px < 0)
		return lyra_error_wrap("order");
	o.has_px = !has_px;
	if (order_amounts_ok(&o) != 0)
		return -1;
	int verdict = check_rules(r, &o, flags);
	if (verdict >= 0)
		apply_json(r, rec, verdict);
	return verdict;
}

/* A member of an object being written, as json_object_set_new(obj, key, json_string(s)) would
 * have it: left out when s is NULL or not valid UTF-8. */
static void put_member(struct lyra_fj_out *w, int *first, const char *key, const char *s)
{
	if (!s || !lyra_fj_utf8_ok(s, strlen(s)))
		return;
	if (!*first)
		lyra_fj_put(w, ",", 1);
	*first = 0;
	lyra_fj_put_str(w, key, strlen(key));
	lyra_fj_put(w, ":", 1);
	lyra_fj_put_str(w, s, strlen(s));
}

static void put_key(struct lyra_fj_out *w, const char *key, size_t n)
{
	lyra_fj_put_str(w, key, n);
	lyra_fj_put(w, ":", 1);
}

static void put_risk(struct lyra_fj_out *w, struct outcome *o)
{
	lyra_fj_put_cstr(w, "{\"state\":");
	lyra_fj_put_str(w, o->state, strlen(o->state));
	lyra_fj_put_cstr(w, ",\"checks\":[");
	if (o->nck != o->npassed || memcmp(o->ck, o->passed, o->npassed * sizeof *o->ck) != 0) {
		/* rule names are plain lower-case ASCII (< 30 bytes): quoted as they are */
		char *t = o->ck_text;
		for (unsigned i = 0; i < o->npassed; i++) {
			size_t n = strlen(o->passed[i]);
			if (i)
				*t++ = ',';
			*t++ = '"';
			memcpy(t, o->passed[i], n);
			t += n;
			*t++ = '"';
		}
		o->nck_text = (size_t)(t - o->ck_text);
		memcpy(o->ck, o->passed, o->npassed * sizeof *o->ck);
		o->nck = o->npassed;
	}
	lyra_fj_put(w, o->ck_text, o->nck_text);
	lyra_fj_put_cstr(w, "]}");
}

/* f's key is the literal k */
#define KEY_IS(f, k) ((f)->klen == sizeof(k) - 1 && memcmp((f)->key, k, sizeof(k) - 1) == 0)

static void put_reasons(struct lyra_fj_out *w, const struct outcome *o)
{
	lyra_fj_put(w, "[", 1);
	for (unsigned i = 0; i < o->nreasons; i++) {
		const struct reason *x = &o->reason[i];
		int first = 1;
		lyra_fj_put(w, i ? ",{" : "{", i ? 2 : 1);
		put_member(w, &first, "rule", x->rule);
		put_member(w, &first, "scope", out_str(o, x->scope));
		put_member(w, &first, "limit", out_str(o, x->limit));
		put_member(w, &first, "value", out_str(o, x->value));
		lyra_fj_put(w, "}", 1);
	}
	lyra_fj_put(w, "]", 1);
}

static void put_rounded(struct lyra_fj_out *w, const struct outcome *o)
{
	lyra_fj_put(w, "{", 1);
	for (unsigned k = 0; k < o->nrounded; k++) {
		if (k)
			lyra_fj_put(w, ",", 1);
		put_key(w, o->rounded[k].key, strlen(o->rounded[k].key));
		lyra_fj_put_cstr(w, "{\"from\":");
		lyra_fj_put_str(w, o->rounded[k].from, strlen(o->rounded[k].from));
		lyra_fj_put_cstr(w, ",\"to\":");
		lyra_fj_put_str(w, o->rounded[k].to, strlen(o->rounded[k].to));
		lyra_fj_put(w, "}", 1);
	}
	lyra_fj_put(w, "}", 1);
}

/* The flat record written as apply_json and lyra_out_json would write it: members in their
 * order, replaced values in place, new members at the end in the order apply_json adds them. */
static void emit_flat(struct outcome *o, const struct lyra_fj *fj, const struct order *ord,
                      int verdict, struct lyra_fj_out *w)
{
	int pass = verdict == LYRA_RISK_PASS, have_main = 0, have_rounded = 0;
	const char *span = NULL;   /* unchanged members copied as one run of the line */
	size_t spanlen = 0;
	lyra_fj_put(w, "{", 1);
	for (int i = 0; i < fj->n; i++) {
		const struct lyra_fj_field *f = &fj->f[i];
		const char *k = f->key;
		int type = !pass && KEY_IS(f, "type");
		int main = pass ? KEY_IS(f, "risk") : KEY_IS(f, "reasons");
		int rnd = o->nrounded && KEY_IS(f, "rounded");
		unsigned r = o->nrounded;
		for (unsigned j = 0; j < o->nrounded; j++)
			if (strcmp(k, o->rounded[j].key) == 0)
				r = j;
		/* a string "ts" was made an integer: written from its value */
		int ts_str = f->kind == LYRA_FJ_STR && KEY_IS(f, "ts");
		if (f->canon && !type && !main && !rnd && r == o->nrounded && !ts_str) {
			if (spanlen && span + spanlen + 1 == f->raw && span[spanlen] == ',') {
				spanlen += 1 + f->rawlen;
				continue;
			}
			if (spanlen)
				lyra_fj_put(w, span, spanlen);
			if (i)
				lyra_fj_put(w, ",", 1);
			span = f->raw;
			spanlen = f->rawlen;
			continue;
		}
		if (spanlen)
			lyra_fj_put(w, span, spanlen);
		spanlen = 0;
		if (i)
			lyra_fj_put(w, ",", 1);
		if (!type && !main && !rnd && r == o->nrounded && !ts_str) {
			lyra_fj_put_member(w, f);
			continue;
		}
		put_key(w, k, f->klen);
		if (type) {
			lyra_fj_put_cstr(w, "\"reject\"");
		} else if (main) {
			if (pass)
				put_risk(w, o);
			else
				put_reasons(w, o);
			have_main = 1;
		} else if (rnd) {
			put_rounded(w, o);
			have_rounded = 1;
		} else if (r < o->nrounded) {
			lyra_fj_put_str(w, o->rounded[r].to, strlen(o->rounded[r].to));
		} else {
			lyra_fj_put_int(w, ord->ts);
		}
	}
	if (spanlen)
		lyra_fj_put(w, span, spanlen);
	if (!have_main) {
		lyra_fj_put(w, ",", 1);
		put_key(w, pass ? "risk" : "reasons", pass ? 4 : 7);
		if (pass)
			put_risk(w, o);
		else
			put_reasons(w, o);
	}
	if (o->nrounded && !have_rounded) {
		lyra_fj_put_cstr(w, ",\"rounded\":");
		put_rounded(w, o);
	}
	lyra_fj_put(w, "}", 1);
}

int lyra_risk_check_flat(struct lyra_risk *r, const struct lyra_fj *fj, unsigned flags,
                         struct lyra_fj_out *w)
{
	struct order o = { 0 };
	o.id = lyra_fj_str(fj, "id");
	o.venue = lyra_fj_str(fj, "venue");
	o.symbol = lyra_fj_str(fj, "symbol");
	o.side = lyra_fj_str(fj, "side");
	o.kind = lyra_fj_str(fj, "kind");
	o.strategy = lyra_fj_str(fj, "strategy");
	o.px = lyra_dec_zero();
	/* anything lyra_risk_check would refuse while reading fields goes to it */
	if (!lyra_fj_str(fj, "type") || !o.id || !o.venue || !o.symbol || !o.side || !o.kind ||
	    lyra_fj_dec(lyra_fj_get(fj, "qty"), &o.qty) != 0 ||
	    lyra_fj_ts(lyra_fj_get(fj, "ts"), &o.ts) != 0)
		return LYRA_RISK_DECLINE;
	const struct lyra_fj_field *fpx = lyra_fj_get(fj, "px");
	o.has_px = fpx && fpx->kind != LYRA_FJ_NULL;
	if (o.has_px && lyra_fj_dec(fpx, &o.px) != 0)
		return LYRA_RISK_DECLINE;
	if (order_side_ok(&o) != 0 || order_amounts_ok(&o) != 0)
		return -1;
	int verdict = check_rules(r, &o, flags);
	if (verdict < 0)
		return -1;
	emit_flat(&r->out, fj, &o, verdict, w);
	if (w->oom)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return verdict;
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
