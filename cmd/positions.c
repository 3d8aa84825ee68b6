/* positions: fills into positions and PnL, and the Australian capital gains tax report. As a
 * filter it stores each fill once (by venue and trade id), emits a position record after it and
 * keeps marks from market data for unrealised PnL; `show` prints positions from the store at any
 * time; `tax` matches every disposal to its lots and prints the CGT events of a financial year
 * in AUD with the return's summary labels. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "cgt.h"
#include "cli.h"
#include "clock.h"
#include "error.h"
#include "identity.h"
#include "lots.h"
#include "ndjson.h"
#include "pnl.h"
#include "record.h"
#include "store.h"
#include "table.h"

enum { CMD_RUN, CMD_SHOW, CMD_TAX, CMD_PNL, CMD_IMPORT };

static const struct lyra_subcmd cmds[] = {
	[CMD_RUN] = { "run", "[--follow] [FILE...]",
	              "the filter (also the default): fills in, position records out" },
	[CMD_SHOW] = { "show", "[--at T] [--by venue|symbol|asset|strategy] [--format FMT]",
	               "positions and PnL from the stored fills" },
	[CMD_TAX] = { "tax", "--fy YYYY-YY [--method M] [--entity E] [--rates FILE]",
	              "the Australian CGT report of a financial year" },
	[CMD_PNL] = { "pnl", "[--from T] [--to T] [--by day|symbol] [--format FMT]",
	              "realised PnL and fees per day or per symbol" },
	[CMD_IMPORT] = { "import", "FILE --format csv|ndjson",
	                 "store fills from a Kraken or Coinbase CSV export, or fill records" },
	{ NULL, NULL, NULL },
};

enum {
	OPT_AT = 256, OPT_FROM, OPT_TO, OPT_BY, OPT_FORMAT, OPT_FY, OPT_METHOD, OPT_ENTITY, OPT_RATES, OPT_CARRIED,
};

static const struct lyra_opt opts[] = {
	{ "follow", 'f', NULL, "run: a live stream: flush and commit after every fill" },
	{ "at", OPT_AT, "T", "show: positions as of time T (fills at or before T)" },
	{ "by", OPT_BY, "KEY", "show: venue, symbol, asset or strategy; pnl: day or symbol" },
	{ "from", OPT_FROM, "T", "pnl: fills at or after T" },
	{ "to", OPT_TO, "T", "pnl: fills before T" },
	{ "format", OPT_FORMAT, "FMT", "show, tax, pnl: ndjson, table or csv (default table);"
	  " import: csv or ndjson" },
	{ "fy", OPT_FY, "YYYY-YY", "tax: the financial year, 1 July to 30 June (2025-26)" },
	{ "method", OPT_METHOD, "M", "tax: lot matching, fifo (default), lifo or hifo" },
	{ "entity", OPT_ENTITY, "E", "tax: individual (default), trust, super or company" },
	{ "rates", OPT_RATES, "FILE", "tax: AUD rates, CSV date,asset,aud (Sydney dates)" },
	{ "carried-loss", OPT_CARRIED, "AUD", "tax: net capital losses carried in from before the"
	  " stored fills" },
	{ NULL, 0, NULL, NULL },
};

static const char *const usage[] = {
	"[run] [--follow] [FILE...]",
	"show [--at T] [--by venue|symbol|asset|strategy] [--format ndjson|table|csv]",
	"tax --fy YYYY-YY [--method fifo|lifo|hifo] [--entity individual|trust|super|company]"
	" [--rates FILE] [--carried-loss AUD] [--format csv|ndjson|table]",
	"pnl [--from T] [--to T] [--by day|symbol] [--format ndjson|table|csv]",
	"import FILE --format csv|ndjson",
	NULL,
};

static const struct lyra_cli_spec spec = {
	"positions", "Positions and PnL from fills, and the Australian capital gains tax report.",
	usage, cmds, opts,
};

struct args {
	int follow;
	int64_t at, from, to;
	int has_at, has_from, has_to;
	const char *by;
	enum lyra_format format;
	int has_format;
	int fy;
	int has_fy;
	enum lyra_lot_method method;
	enum lyra_cgt_entity entity;
	const char *rates;
	struct lyra_dec carried;
};

static struct lyra_cli cli;
static struct lyra_store *store;
static struct lyra_identity me;

/* ---- a string-keyed table ---- */

struct entry {
	char *key;
	struct lyra_pnl_pos pos;
	int has_fill;
	struct lyra_lots lots;      /* tax: lots of an asset */
	struct lyra_dec rate;       /* tax: an AUD rate */
	int rate_from_file;
	struct entry *next;
};

struct table {
	struct entry **b;
	size_t nb, n;
	struct entry **order;   /* insertion order */
	size_t cap;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct entry *tget(struct table *t, const char *key, int create)
{
	struct entry *e;
	uint64_t h = hash(key);
	if (t->nb) {
		for (e = t->b[h % t->nb]; e; e = e->next)
			if (strcmp(e->key, key) == 0)
				return e;
	}
	if (!create)
		return NULL;
	if (t->n >= t->nb) {
		size_t nb = t->nb ? t->nb * 2 : 64;
		struct entry **b = calloc(nb, sizeof *b);
		if (!b)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		for (size_t i = 0; i < t->n; i++) {
			struct entry *x = t->order[i];
			size_t k = hash(x->key) % nb;
			x->next = b[k];
			b[k] = x;
		}
		free(t->b);
		t->b = b;
		t->nb = nb;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->order = realloc(t->order, t->cap * sizeof *t->order);
		if (!t->order)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	}
	e = calloc(1, sizeof *e);
	if (!e || !(e->key = strdup(key)))
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	lyra_pnl_init(&e->pos);
	e->next = t->b[h % t->nb];
	t->b[h % t->nb] = e;
	t->order[t->n++] = e;
	return e;
}

static void tfree(struct table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		lyra_lots_free(&t->order[i]->lots);
		free(t->order[i]->key);
		free(t->order[i]);
	}
	free(t->b);
	free(t->order);
	memset(t, 0, sizeof *t);
}

/* ---- fills ---- */

struct fill {
	int64_t id, ts;
	char venue[64], symbol[64], base[32], quote[32], fee_ccy[32], strategy[64], trade_id[128];
	int side;
	struct lyra_dec px, qty, fee, fee_quote;
};

static int copy_str(char *dst, size_t n, const char *src, const char *what)
{
	if (!src)
		return lyra_error(LYRA_EX_DATAERR, "missing or non-string '%s'", what);
	if (strlen(src) >= n || !*src)
		return lyra_error(LYRA_EX_DATAERR, "bad '%s' '%.40s'", what, src);
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int split_symbol(struct fill *f)
{
	const char *slash = strchr(f->symbol, '/');
	if (!slash || slash == f->symbol || !slash[1] || strchr(slash + 1, '/') ||
	    (size_t)(slash - f->symbol) >= sizeof f->base || strlen(slash + 1) >= sizeof f->quote)
		return lyra_error(LYRA_EX_DATAERR, "symbol '%s' is not BASE/QUOTE", f->symbol);
	memcpy(f->base, f->symbol, (size_t)(slash - f->symbol));
	f->base[slash - f->symbol] = '\0';
	strcpy(f->quote, slash + 1);
	return 0;
}

static int side_parse(const char *s, int *side)
{
	if (s && strcmp(s, "buy") == 0)
		*side = 1;
	else if (s && strcmp(s, "sell") == 0)
		*side = -1;
	else
		return lyra_error(LYRA_EX_DATAERR, "'side' must be buy or sell");
	return 0;
}

static int fill_from_json(const json_t *r, struct fill *f)
{
	const char *strat = lyra_json_get_str(r, "strategy");
	memset(f, 0, sizeof *f);
	if (lyra_json_get_ts(r, "ts", &f->ts) ||
	    copy_str(f->venue, sizeof f->venue, lyra_json_get_str(r, "venue"), "venue") ||
	    copy_str(f->symbol, sizeof f->symbol, lyra_json_get_str(r, "symbol"), "symbol") ||
	    copy_str(f->trade_id, sizeof f->trade_id, lyra_json_get_str(r, "trade_id"), "trade_id") ||
	    copy_str(f->fee_ccy, sizeof f->fee_ccy, lyra_json_get_str(r, "fee_ccy"), "fee_ccy") ||
	    side_parse(lyra_json_get_str(r, "side"), &f->side) ||
	    lyra_json_get_dec(r, "px", &f->px) || lyra_json_get_dec(r, "qty", &f->qty) ||
	    lyra_json_get_dec(r, "fee", &f->fee) || split_symbol(f))
		return -1;
	if (strat && copy_str(f->strategy, sizeof f->strategy, strat, "strategy"))
		return -1;
	if (lyra_dec_sign(f->px) <= 0 || lyra_dec_sign(f->qty) <= 0 || lyra_dec_sign(f->fee) < 0)
		return lyra_error(LYRA_EX_DATAERR, "'px' and 'qty' must be positive and 'fee' not negative");
	return 0;
}

static void pos_key(char *buf, size_t n, const char *venue, const char *symbol)
{
	snprintf(buf, n, "%s\t%s", venue, symbol);
}

/* The fee as quote-asset amount and as base-asset quantity. A fee in a third asset is valued at
 * that asset's latest mark against the quote on the same venue; without one the fill is refused
 * rather than guessed. */
static int fee_split(struct table *book, struct fill *f, struct lyra_dec *fee_base)
{
	*fee_base = lyra_dec_zero();
	f->fee_quote = lyra_dec_zero();
	if (lyra_dec_is_zero(f->fee))
		return 0;
	if (strcmp(f->fee_ccy, f->quote) == 0) {
		f->fee_quote = f->fee;
	} else if (strcmp(f->fee_ccy, f->base) == 0) {
		*fee_base = f->fee;
	} else {
		char key[200], sym[80];
		struct entry *m;
		snprintf(sym, sizeof sym, "%s/%s", f->fee_ccy, f->quote);
		pos_key(key, sizeof key, f->venue, sym);
		m = tget(book, key, 0);
		if (!m || !m->pos.has_mark)
			return lyra_error(LYRA_EX_DATAERR, "no price for fee asset '%s' in '%s' on '%s': a bbo,"
			                  " trade or fill of %s must come first", f->fee_ccy, f->quote,
			                  f->venue, sym);
		if (lyra_dec_mul(f->fee, m->pos.mark, LYRA_PNL_SCALE, LYRA_ROUND_HALF_EVEN, &f->fee_quote))
			return -1;
		f->fee_quote = lyra_dec_normalize(f->fee_quote);
	}
	return 0;
}

static int apply_fill(struct table *book, struct fill *f, struct entry **out)
{
	char key[200];
	struct lyra_dec fee_base;
	struct entry *e;
	pos_key(key, sizeof key, f->venue, f->symbol);
	e = tget(book, key, 1);
	fee_base = strcmp(f->fee_ccy, f->base) == 0 ? f->fee : lyra_dec_zero();
	if (lyra_pnl_fill(&e->pos, f->side, f->qty, f->px, f->fee_quote, fee_base) != 0)
		return -1;
	e->has_fill = 1;
	if (out)
		*out = e;
	return 0;
}

static json_t *position_record(int64_t ts, const char *venue, const char *symbol,
                               const struct lyra_pnl_pos *p)
{
	struct lyra_dec avg, unr;
	json_t *r = lyra_record_new("position", ts);
	if (!r || lyra_pnl_avg_px(p, &avg) || lyra_pnl_unrealized(p, &unr)) {
		json_decref(r);
		return NULL;
	}
	lyra_json_set_str(r, "venue", venue);
	lyra_json_set_str(r, "symbol", symbol);
	lyra_json_set_dec(r, "qty", lyra_dec_normalize(p->qty));
	lyra_json_set_dec(r, "avg_px", avg);
	lyra_json_set_dec(r, "realized_pnl", lyra_dec_normalize(p->realized));
	lyra_json_set_dec(r, "unrealized_pnl", unr);
	lyra_json_set_dec(r, "fees", lyra_dec_normalize(p->fees));
	if (p->has_mark)
		lyra_json_set_dec(r, "mark", p->mark);
	return r;
}

/* Read stored fills in time order (ts <= at when at is set), calling fn for each. */
static int each_stored_fill(int64_t at, int (*fn)(void *ctx, struct fill *f), void *ctx)
{
	sqlite3_stmt *s = lyra_store_prepare(store,
		"SELECT id, ts, venue, trade_id, symbol, side, px, qty, fee, fee_ccy, fee_quote, strategy"
		" FROM fills WHERE ts <= ?1 ORDER BY ts, id");
	int rc, status = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, at);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct fill f;
		memset(&f, 0, sizeof f);
		f.id = sqlite3_column_int64(s, 0);
		f.ts = sqlite3_column_int64(s, 1);
		if (copy_str(f.venue, sizeof f.venue, (const char *)sqlite3_column_text(s, 2), "venue") ||
		    copy_str(f.trade_id, sizeof f.trade_id, (const char *)sqlite3_column_text(s, 3),
		             "trade_id") ||
		    copy_str(f.symbol, sizeof f.symbol, (const char *)sqlite3_column_text(s, 4), "symbol") ||
		    side_parse((const char *)sqlite3_column_text(s, 5), &f.side) ||
		    lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 6), &f.px) ||
		    lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 7), &f.qty) ||
		    lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 8), &f.fee) ||
		    copy_str(f.fee_ccy, sizeof f.fee_ccy, (const char *)sqlite3_column_text(s, 9),
		             "fee_ccy") ||
		    lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 10), &f.fee_quote) ||
		    split_symbol(&f)) {
			lyra_error_wrap("stored fill %lld", (long long)f.id);
			status = -1;
			break;
		}
		snprintf(f.strategy, sizeof f.strategy, "%s", (const char *)sqlite3_column_text(s, 11));
		if (fn(ctx, &f) != 0) {
			status = -1;
			break;
		}
	}
	if (status == 0 && rc != SQLITE_DONE)
		status = lyra_store_fail(store, "cannot read fills");
	sqlite3_finalize(s);
	return status;
}

static int replay_one(void *ctx, struct fill *f)
{
	return apply_fill(ctx, f, NULL);
}

/* ---- the filter ---- */

struct batch {
	int open;
	int64_t inserted, duplicates;
};

static int batch_commit(struct batch *b)
{
	if (!b->open)
		return 0;
	if (b->inserted) {
		json_t *d = json_pack("{sIsI}", "inserted", (json_int_t)b->inserted, "duplicates",
		                      (json_int_t)b->duplicates);
		int64_t seq = lyra_audit_append(store, me.name, "position.fills", "fills", d);
		json_decref(d);
		if (seq < 0) {
			lyra_store_rollback(store);
			b->open = 0;
			return -1;
		}
	}
	b->open = 0;
	b->inserted = b->duplicates = 0;
	if (lyra_store_commit(store) != 0) {
		lyra_store_rollback(store);
		return -1;
	}
	return 0;
}

/* Insert a fill; 1 when new, 0 when the venue and trade id were already stored, -1 on error. */
static int store_fill(const struct fill *f, const char *line, size_t len)
{
	sqlite3_stmt *s = lyra_store_cached(store,
		"INSERT OR IGNORE INTO fills (ts, venue, trade_id, symbol, side, px, qty, fee, fee_ccy,"
		" fee_quote, strategy, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
	char px[LYRA_DEC_STRLEN], qty[LYRA_DEC_STRLEN], fee[LYRA_DEC_STRLEN], fq[LYRA_DEC_STRLEN];
	int rc;
	if (!s)
		return -1;
	lyra_dec_format(f->px, px);
	lyra_dec_format(f->qty, qty);
	lyra_dec_format(f->fee, fee);
	lyra_dec_format(f->fee_quote, fq);
	sqlite3_bind_int64(s, 1, f->ts);
	sqlite3_bind_text(s, 2, f->venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, f->trade_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, f->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, f->side > 0 ? "buy" : "sell", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, px, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, qty, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, fee, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, f->fee_ccy, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, fq, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 11, f->strategy, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 12, line, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(store, "cannot store a fill");
	return sqlite3_changes(store->db) > 0;
}

static int mark_from(struct table *book, const json_t *r, int is_bbo)
{
	const char *venue = lyra_json_get_str(r, "venue"), *symbol = lyra_json_get_str(r, "symbol");
	struct lyra_dec px, bid, ask;
	char key[200];
	if (!venue || !symbol)
		return -1;
	if (is_bbo) {
		if (lyra_json_get_dec(r, "bid_px", &bid) || lyra_json_get_dec(r, "ask_px", &ask) ||
		    lyra_dec_add(bid, ask, &px) ||
		    lyra_dec_div(px, lyra_dec_from_int(2), px.scale + 1, LYRA_ROUND_EXACT, &px))
			return -1;
		px = lyra_dec_normalize(px);
	} else if (lyra_json_get_dec(r, "px", &px)) {
		return -1;
	}
	if (lyra_dec_sign(px) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "mark price must be positive");
	pos_key(key, sizeof key, venue, symbol);
	lyra_pnl_mark(&tget(book, key, 1)->pos, px);
	return 0;
}

#define FILL_BATCH 2000

static int cmd_run(struct args *a, char **ops, int nops)
{
	struct table book = { 0 };
	struct batch b = { 0 };
	struct lyra_ndjson_in *in;
	struct lyra_line line;
	int status = LYRA_EX_OK, stop = 0;

	if (lyra_identity_require(store, &me, "position.record") != 0)
		lyra_die_last();
	if (each_stored_fill(INT64_MAX, replay_one, &book) != 0)
		lyra_die_last();
	lyra_out_init(a->follow);
	in = lyra_ndjson_open("positions", ops, nops, cli.strict);
	if (!in)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	while (!stop && lyra_ndjson_next(in, &line)) {
		const char *t, *pwhy;
		size_t tlen;
		char why[256];
		json_t *r;
		int is_fill, is_bbo;
		if (lyra_record_peek_type(line.buf, line.len, &t, &tlen, &pwhy) != 0) {
			stop = lyra_ndjson_reject(in, &line, "%s", pwhy) != 0;
			continue;
		}
		is_fill = lyra_type_is(t, tlen, "fill");
		is_bbo = lyra_type_is(t, tlen, "bbo");
		if (!is_fill && !is_bbo && !lyra_type_is(t, tlen, "trade")) {
			if (lyra_out_raw(line.buf, line.len) != 0) {
				status = -1;
				break;
			}
			continue;
		}
		r = lyra_record_parse(line.buf, line.len, why, sizeof why);
		if (!r) {
			stop = lyra_ndjson_reject(in, &line, "%s", why) != 0;
			continue;
		}
		if (!is_fill) {
			if (mark_from(&book, r, is_bbo) != 0)
				stop = lyra_ndjson_reject(in, &line, "%s", lyra_error_msg()) != 0;
			else if (lyra_out_raw(line.buf, line.len) != 0)
				status = -1;
			json_decref(r);
			if (status < 0)
				break;
			continue;
		}
		struct fill f;
		struct lyra_dec fee_base;
		struct entry *e;
		int rc;
		if (fill_from_json(r, &f) != 0 || fee_split(&book, &f, &fee_base) != 0) {
			json_decref(r);
			stop = lyra_ndjson_reject(in, &line, "fill: %s", lyra_error_msg()) != 0;
			continue;
		}
		json_decref(r);
		if (!b.open) {
			if (lyra_store_begin(store) != 0) {
				status = -1;
				break;
			}
			b.open = 1;
		}
		rc = store_fill(&f, line.buf, line.len);
		if (rc < 0) {
			status = -1;
			break;
		}
		if (lyra_out_raw(line.buf, line.len) != 0) {
			status = -1;
			break;
		}
		if (rc == 0) {
			b.duplicates++;
		} else {
			json_t *p;
			b.inserted++;
			if (apply_fill(&book, &f, &e) != 0) {
				status = -1;
				break;
			}
			p = position_record(f.ts, f.venue, f.symbol, &e->pos);
			if (!p || lyra_out_json(p) != 0) {
				json_decref(p);
				status = -1;
				break;
			}
			json_decref(p);
		}
		/* never hold the store's write lock while waiting for input: the stages upstream of a
		 * pipeline (oms) write the same store */
		if ((a->follow || b.inserted + b.duplicates >= FILL_BATCH ||
		     lyra_ndjson_would_block(in)) && batch_commit(&b) != 0) {
			status = -1;
			break;
		}
	}
	if (status == 0 && batch_commit(&b) != 0)
		status = -1;
	if (b.open)
		lyra_store_rollback(store);
	if (status < 0) {
		lyra_warn("%s", lyra_error_msg());
		status = lyra_error_code();
	}
	status = lyra_exit_merge(status, lyra_ndjson_status(in));
	lyra_ndjson_close(in);
	tfree(&book);
	return status;
}

/* ---- show ---- */

struct group {
	char key[200];
	struct lyra_dec qty, cost, realized, unrealized, fees, gross, net;
	int single;   /* qty and cost are of one asset */
};

static int dsum(struct lyra_dec *acc, struct lyra_dec v)
{
	if (lyra_dec_add(*acc, v, acc) != 0)
		return -1;
	*acc = lyra_dec_normalize(*acc);
	return 0;
}

struct show_ctx {
	struct table *book;
	int by_strategy;
};

/* Apply a stored fill to the book; by strategy, keyed "strategy\tvenue\tsymbol". */
static int show_one(void *c, struct fill *f)
{
	struct show_ctx *ctx = c;
	char key[200];
	struct entry *e;
	if (!ctx->by_strategy)
		return apply_fill(ctx->book, f, NULL);
	snprintf(key, sizeof key, "%s\t%s\t%s", f->strategy[0] ? f->strategy : "-", f->venue,
	         f->symbol);
	e = tget(ctx->book, key, 1);
	e->has_fill = 1;
	return lyra_pnl_fill(&e->pos, f->side, f->qty, f->px, f->fee_quote,
	                     strcmp(f->fee_ccy, f->base) == 0 ? f->fee : lyra_dec_zero());
}

static int cmd_show(struct args *a)
{
	struct table book = { 0 };
	struct group *g = NULL;
	size_t ng = 0;
	int by_venue = a->by && strcmp(a->by, "venue") == 0;
	int by_symbol = a->by && strcmp(a->by, "symbol") == 0;
	int by_asset = a->by && strcmp(a->by, "asset") == 0;
	int by_strategy = a->by && strcmp(a->by, "strategy") == 0;
	const char *heads[] = { by_venue ? "venue" : by_symbol ? "symbol" : by_asset ? "asset" :
	                        by_strategy ? "strategy" : "venue", by_venue || by_asset || by_symbol ? "quote" :
	                        "symbol", "qty", "avg_px",
	                        "realized_pnl", "unrealized_pnl", "fees", "gross_exposure",
	                        "net_exposure" };
	int status = LYRA_EX_OK;

	if (a->by && !by_venue && !by_symbol && !by_asset && !by_strategy)
		lyra_usage_error("--by: '%s' is not venue, symbol, asset or strategy", a->by);
	if (lyra_identity_require(store, &me, "position.read") != 0)
		lyra_die_last();
	struct show_ctx ctx = { &book, by_strategy };
	if (each_stored_fill(a->has_at ? a->at : INT64_MAX, show_one, &ctx) != 0)
		lyra_die_last();
	for (size_t i = 0; i < book.n; i++) {
		struct entry *e = book.order[i];
		char k[200], venue[100], strategy[100], sym[100], base[64];
		struct lyra_dec unr, val, absval;
		struct group *gr = NULL;
		if (!e->has_fill)
			continue;
		if (by_strategy)
			sscanf(e->key, "%99[^\t]\t%99[^\t]\t%99s", strategy, venue, sym);
		else
			sscanf(e->key, "%99[^\t]\t%99s", venue, sym);
		snprintf(base, sizeof base, "%.*s", (int)strcspn(sym, "/"), sym);
		if (by_venue)
			snprintf(k, sizeof k, "%s\t%s", venue, sym + strlen(base) + (sym[strlen(base)] != 0));
		else if (by_symbol)
			snprintf(k, sizeof k, "%s\t%s", sym, sym + strlen(base) + (sym[strlen(base)] != 0));
		else if (by_asset)
			snprintf(k, sizeof k, "%s\t%s", base, sym + strlen(base) + (sym[strlen(base)] != 0));
		else if (by_strategy)
			snprintf(k, sizeof k, "%s\t%s", strategy, sym);
		else
			snprintf(k, sizeof k, "%s\t%s", venue, sym);
		for (size_t j = 0; j < ng; j++)
			if (strcmp(g[j].key, k) == 0)
				gr = &g[j];
		if (!gr) {
			g = realloc(g, (ng + 1) * sizeof *g);
			if (!g)
				lyra_die(LYRA_EX_SOFTWARE, "out of memory");
			gr = &g[ng++];
			memset(gr, 0, sizeof *gr);
			snprintf(gr->key, sizeof gr->key, "%s", k);
			gr->qty = gr->cost = gr->realized = gr->unrealized = gr->fees = gr->gross = gr->net =
				lyra_dec_zero();
			gr->single = !by_venue;
		}
		if (lyra_pnl_unrealized(&e->pos, &unr) ||
		    lyra_dec_mul(e->pos.qty, e->pos.mark, LYRA_PNL_SCALE, LYRA_ROUND_HALF_EVEN, &val) ||
		    lyra_dec_abs(val, &absval) || dsum(&gr->qty, e->pos.qty) ||
		    dsum(&gr->cost, e->pos.cost) || dsum(&gr->realized, e->pos.realized) ||
		    dsum(&gr->unrealized, unr) || dsum(&gr->fees, e->pos.fees) ||
		    dsum(&gr->gross, lyra_dec_normalize(absval)) || dsum(&gr->net, lyra_dec_normalize(val)))
			lyra_die(LYRA_EX_DATAERR, "cannot total positions: amount out of range");
	}

	enum lyra_format fmt = a->has_format ? a->format : LYRA_FMT_TABLE;
	int64_t now = a->has_at ? a->at : lyra_time_now_us();
	struct lyra_table *tb = fmt == LYRA_FMT_TABLE ? lyra_table_new(heads, 9) : NULL;
	lyra_out_init(0);
	if (fmt == LYRA_FMT_CSV)
		lyra_csv_row(stdout, heads, 9);
	for (size_t j = 0; j < ng; j++) {
		char c[9][LYRA_DEC_STRLEN + 100], *tab = strchr(g[j].key, '\t');
		const char *cells[9];
		struct lyra_dec avg = lyra_dec_zero();
		struct lyra_pnl_pos tmp;
		if (tab)
			*tab = '\0';
		snprintf(c[0], sizeof c[0], "%s", g[j].key);
		snprintf(c[1], sizeof c[1], "%s", tab ? tab + 1 : "");
		lyra_pnl_init(&tmp);
		tmp.qty = g[j].qty;
		tmp.cost = g[j].cost;
		if (g[j].single && !by_asset)
			lyra_pnl_avg_px(&tmp, &avg);
		if (by_venue) {
			strcpy(c[2], "");
			strcpy(c[3], "");
		} else {
			lyra_dec_format_trim(g[j].qty, c[2]);
			if (by_asset)
				strcpy(c[3], "");
			else
				lyra_dec_format_trim(avg, c[3]);
		}
		lyra_dec_format_trim(g[j].realized, c[4]);
		lyra_dec_format_trim(g[j].unrealized, c[5]);
		lyra_dec_format_trim(g[j].fees, c[6]);
		lyra_dec_format_trim(g[j].gross, c[7]);
		lyra_dec_format_trim(g[j].net, c[8]);
		for (int i = 0; i < 9; i++)
			cells[i] = c[i];
		if (fmt == LYRA_FMT_TABLE) {
			lyra_table_add(tb, cells);
		} else if (fmt == LYRA_FMT_CSV) {
			lyra_csv_row(stdout, cells, 9);
		} else {
			json_t *r = lyra_record_new("position_summary", now);
			json_object_set_new(r, "by", json_string(a->by ? a->by : "position"));
			for (int i = 0; i < 9; i++)
				if (cells[i][0])
					json_object_set_new(r, heads[i], json_string(cells[i]));
			lyra_out_json(r);
			json_decref(r);
		}
	}
	if (tb) {
		lyra_table_print(tb, stdout);
		lyra_table_free(tb);
	}
	free(g);
	tfree(&book);
	return status;
}


/* ---- tax ---- */

static const char *const fiat[] = { "AUD", "USD", "EUR", "GBP", "JPY", "CAD", "NZD", "SGD", "CHF",
                                    "HKD", NULL };

static int is_fiat(const char *a)
{
	for (const char *const *p = fiat; *p; p++)
		if (strcmp(*p, a) == 0)
			return 1;
	return 0;
}

struct year {
	int fy;
	int64_t disposals;
	struct lyra_cgt_year y;
};

struct tax {
	struct args *a;
	struct table rates, lots;
	struct year *years;
	int nyears;
	int64_t last_day;
	enum lyra_format fmt;
	struct lyra_table *tb;
	FILE *csv;              /* CSV events, held until the whole report is known to be right */
	char *csvbuf;
	size_t csvlen;
	json_t *recs;           /* NDJSON events, likewise */
	/* the disposal being matched */
	const char *asset;
	int64_t day, fill_id, ts;
	struct lyra_dec qty_total, qty_left, proceeds_total, proceeds_left;
};

static void rate_key(char *buf, size_t n, const char *asset, int64_t day)
{
	char d[11];
	lyra_cgt_day_format(day, d);
	snprintf(buf, n, "%s\t%s", asset, d);
}

static int load_rates(struct tax *tx, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int lineno = 0;
	if (!f)
		return lyra_error(LYRA_EX_NOINPUT, "cannot open '%s': %s", path, strerror(errno));
	while (fgets(line, sizeof line, f)) {
		char *date, *asset, *aud, *save = NULL, key[128];
		int64_t day;
		struct lyra_dec v;
		struct entry *e;
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (lineno == 1 && strncmp(line, "date,", 5) == 0)
			continue;
		date = strtok_r(line, ",", &save);
		asset = strtok_r(NULL, ",", &save);
		aud = strtok_r(NULL, ",", &save);
		if (!date || !asset || !aud || strtok_r(NULL, ",", &save) || strlen(asset) > 30) {
			fclose(f);
			return lyra_error(LYRA_EX_DATAERR, "'%s' line %d: want date,asset,aud", path, lineno);
		}
		if (lyra_cgt_day_parse(date, &day) != 0 || lyra_dec_parse_cstr(aud, &v) != 0 ||
		    lyra_dec_sign(v) <= 0) {
			fclose(f);
			if (lyra_dec_sign(v) <= 0 && lyra_error_code() == LYRA_EX_SOFTWARE)
				lyra_error(LYRA_EX_DATAERR, "rate must be positive");
			return lyra_error_wrap("'%s' line %d", path, lineno);
		}
		rate_key(key, sizeof key, asset, day);
		e = tget(&tx->rates, key, 1);
		e->rate = v;
		e->rate_from_file = 1;
	}
	fclose(f);
	return 0;
}

static int rates_from_fill(void *ctx, struct fill *f)
{
	struct tax *tx = ctx;
	char key[128];
	struct entry *e;
	if (strcmp(f->quote, "AUD") != 0)
		return 0;
	rate_key(key, sizeof key, f->base, lyra_cgt_sydney_day(f->ts));
	e = tget(&tx->rates, key, 1);
	if (!e->rate_from_file)
		e->rate = f->px;
	return 0;
}

/* amount of asset on day in AUD, rounded half-even to cents. */
static int to_aud(struct tax *tx, const char *asset, int64_t day, struct lyra_dec amount,
                  struct lyra_dec *out)
{
	struct lyra_dec rate = lyra_dec_from_int(1);
	if (strcmp(asset, "AUD") != 0) {
		char key[128], d[11];
		struct entry *e;
		rate_key(key, sizeof key, asset, day);
		e = tget(&tx->rates, key, 0);
		if (!e) {
			lyra_cgt_day_format(day, d);
			return lyra_error(LYRA_EX_DATAERR, "no AUD rate for '%s' on %s: add it to the --rates"
			                  " file or record an %s/AUD fill that day", asset, d, asset);
		}
		rate = e->rate;
	}
	if (lyra_dec_mul(amount, rate, 2, LYRA_ROUND_HALF_EVEN, out) != 0)
		return lyra_error_wrap("cannot convert %s to AUD", asset);
	return 0;
}

static struct year *year_of(struct tax *tx, int fy)
{
	for (int i = 0; i < tx->nyears; i++)
		if (tx->years[i].fy == fy)
			return &tx->years[i];
	tx->years = realloc(tx->years, (size_t)(tx->nyears + 1) * sizeof *tx->years);
	if (!tx->years)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	struct year *y = &tx->years[tx->nyears++];
	memset(y, 0, sizeof *y);
	y->fy = fy;
	y->y.gains_discountable = y->y.gains_other = y->y.losses = y->y.carried_in = lyra_dec_zero();
	return y;
}

static const char *const event_heads[] = { "asset", "acquired", "disposed", "qty", "cost_aud",
                                           "proceeds_aud", "gain_aud", "discount", "lot_fill",
                                           "disposal_fill" };

static int take_piece(void *ctx, const struct lyra_lot_take *t)
{
	struct tax *tx = ctx;
	struct lyra_dec proceeds, gain;
	int64_t acq = lyra_cgt_sydney_day(t->acq_ts);
	int eligible;
	struct year *y;
	if (lyra_dec_cmp(t->qty, tx->qty_left) == 0) {
		proceeds = tx->proceeds_left;
	} else if (lyra_lots_apportion(tx->proceeds_total, t->qty, tx->qty_total, 2, &proceeds) != 0) {
		return -1;
	}
	if (lyra_dec_sub(tx->qty_left, t->qty, &tx->qty_left) ||
	    lyra_dec_sub(tx->proceeds_left, proceeds, &tx->proceeds_left) ||
	    lyra_dec_sub(proceeds, t->cost, &gain))
		return lyra_error(LYRA_EX_DATAERR, "amount out of range");
	eligible = lyra_dec_sign(gain) > 0 && lyra_cgt_discount_eligible(acq, tx->day);
	y = year_of(tx, lyra_cgt_fy_of_day(tx->day));
	y->disposals++;
	if (lyra_dec_sign(gain) < 0) {
		struct lyra_dec loss;
		lyra_dec_neg(gain, &loss);
		if (lyra_dec_add(y->y.losses, loss, &y->y.losses))
			return lyra_error(LYRA_EX_DATAERR, "amount out of range");
	} else if (lyra_dec_add(eligible ? y->y.gains_discountable : y->y.gains_other, gain,
	                        eligible ? &y->y.gains_discountable : &y->y.gains_other)) {
		return lyra_error(LYRA_EX_DATAERR, "amount out of range");
	}
	if (y->fy != tx->a->fy)
		return 0;
	char c[10][LYRA_DEC_STRLEN + 40];
	const char *cells[10];
	snprintf(c[0], sizeof c[0], "%s", tx->asset);
	lyra_cgt_day_format(acq, c[1]);
	lyra_cgt_day_format(tx->day, c[2]);
	lyra_dec_format_trim(t->qty, c[3]);
	lyra_dec_format(t->cost, c[4]);
	lyra_dec_format(proceeds, c[5]);
	lyra_dec_format(gain, c[6]);
	snprintf(c[7], sizeof c[7], "%s", eligible ? "yes" : "no");
	snprintf(c[8], sizeof c[8], "%lld", (long long)t->lot_id);
	snprintf(c[9], sizeof c[9], "%lld", (long long)tx->fill_id);
	for (int i = 0; i < 10; i++)
		cells[i] = c[i];
	if (tx->fmt == LYRA_FMT_CSV)
		return lyra_csv_row(tx->csv, cells, 10);
	if (tx->fmt == LYRA_FMT_TABLE)
		return lyra_table_add(tx->tb, cells);
	json_t *r = lyra_record_new("cgt_event", tx->ts);
	for (int i = 0; i < 10; i++) {
		if (i == 8 || i == 9)
			json_object_set_new(r, event_heads[i], json_integer(i == 8 ? t->lot_id : tx->fill_id));
		else
			json_object_set_new(r, event_heads[i], json_string(cells[i]));
	}
	json_object_set_new(r, "method", json_string(lyra_lot_method_name(tx->a->method)));
	return json_array_append_new(tx->recs, r);
}

static int dispose(struct tax *tx, const char *asset, int64_t day, int64_t fill_id,
                   struct lyra_dec qty, struct lyra_dec proceeds)
{
	struct entry *e = tget(&tx->lots, asset, 1);
	char d[11];
	tx->asset = asset;
	tx->day = day;
	tx->fill_id = fill_id;
	tx->qty_total = tx->qty_left = qty;
	tx->proceeds_total = tx->proceeds_left = proceeds;
	if (lyra_dec_sign(qty) <= 0)
		return 0;
	if (lyra_lots_dispose(&e->lots, tx->a->method, qty, 2, take_piece, tx) != 0) {
		lyra_cgt_day_format(day, d);
		return lyra_error_wrap("cannot match the disposal of '%s' on %s (fill %lld)", asset, d,
		                       (long long)fill_id);
	}
	return 0;
}

static int acquire(struct tax *tx, const char *asset, int64_t ts, int64_t fill_id,
                   struct lyra_dec qty, struct lyra_dec cost)
{
	struct entry *e;
	if (lyra_dec_sign(qty) <= 0)
		return 0;
	if (lyra_dec_sign(cost) < 0)
		cost = lyra_dec_zero();
	e = tget(&tx->lots, asset, 1);
	return lyra_lots_add(&e->lots, fill_id, ts, qty, cost);
}

static int tax_fill(void *ctx, struct fill *f)
{
	struct tax *tx = ctx;
	int64_t day = lyra_cgt_sydney_day(f->ts);
	struct lyra_dec vq, value, fee_aud = lyra_dec_zero(), q, amt = lyra_dec_zero();
	int fee_in_base = strcmp(f->fee_ccy, f->base) == 0, fee_in_quote = strcmp(f->fee_ccy, f->quote) == 0;
	int quote_asset = !is_fiat(f->quote);
	if (day > tx->last_day)
		return 0;
	tx->ts = f->ts;
	if (lyra_dec_mul_exact(f->qty, f->px, &vq) != 0 &&
	    lyra_dec_mul(f->qty, f->px, LYRA_DEC_MAX_SCALE, LYRA_ROUND_HALF_EVEN, &vq) != 0)
		return lyra_error_wrap("fill %lld", (long long)f->id);
	if (to_aud(tx, f->quote, day, vq, &value) != 0)
		return -1;
	if (!lyra_dec_is_zero(f->fee)) {
		if (fee_in_quote)
			amt = f->fee;
		else if (fee_in_base && lyra_dec_mul(f->fee, f->px, 12,
		                                     LYRA_ROUND_HALF_EVEN, &amt) != 0)
			return -1;
		if (fee_in_quote || fee_in_base) {
			if (to_aud(tx, f->quote, day, amt, &fee_aud) != 0)
				return -1;
		} else if (to_aud(tx, f->fee_ccy, day, f->fee, &fee_aud) != 0) {
			return -1;
		}
	}
	if (f->side > 0) {
		struct lyra_dec cost = value;
		if (quote_asset) {
			struct lyra_dec pq = value;
			q = vq;
			if (fee_in_quote && (lyra_dec_add(q, f->fee, &q) || lyra_dec_add(pq, fee_aud, &pq)))
				return -1;
			if (dispose(tx, f->quote, day, f->id, q, pq) != 0)
				return -1;
		}
		q = f->qty;
		if (fee_in_base ? lyra_dec_sub(q, f->fee, &q) : lyra_dec_add(cost, fee_aud, &cost))
			return -1;
		if (acquire(tx, f->base, f->ts, f->id, q, cost) != 0)
			return -1;
	} else {
		struct lyra_dec proceeds = value;
		q = f->qty;
		if (fee_in_base ? lyra_dec_add(q, f->fee, &q) : lyra_dec_sub(proceeds, fee_aud, &proceeds))
			return -1;
		if (dispose(tx, f->base, day, f->id, q, proceeds) != 0)
			return -1;
		if (quote_asset) {
			q = vq;
			if (fee_in_quote && lyra_dec_sub(q, f->fee, &q))
				return -1;
			if (acquire(tx, f->quote, f->ts, f->id, q, fee_in_quote ? proceeds : value) != 0)
				return -1;
		}
	}
	if (!fee_in_base && !fee_in_quote && !lyra_dec_is_zero(f->fee) && !is_fiat(f->fee_ccy) &&
	    dispose(tx, f->fee_ccy, day, f->id, f->fee, fee_aud) != 0)
		return -1;
	return 0;
}

static int cmp_year(const void *a, const void *b)
{
	const struct year *x = a, *y = b;
	return (x->fy > y->fy) - (x->fy < y->fy);
}

static int cmd_tax(struct args *a)
{
	struct tax tx;
	struct lyra_dec carried = a->carried;
	struct year *target = NULL;
	char fyname[16];
	int status = LYRA_EX_OK;

	if (!a->has_fy)
		lyra_usage_error("tax needs --fy YYYY-YY");
	if (lyra_identity_require(store, &me, "tax.report") != 0)
		lyra_die_last();
	memset(&tx, 0, sizeof tx);
	tx.a = a;
	tx.fmt = a->has_format ? a->format : LYRA_FMT_TABLE;
	tx.last_day = lyra_cgt_fy_last_day(a->fy);
	if (a->rates && load_rates(&tx, a->rates) != 0)
		lyra_die_last();
	if (each_stored_fill(INT64_MAX, rates_from_fill, &tx) != 0)
		lyra_die_last();
	lyra_out_init(0);
	tx.csv = open_memstream(&tx.csvbuf, &tx.csvlen);
	tx.recs = json_array();
	if (!tx.csv || !tx.recs)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	if (tx.fmt == LYRA_FMT_CSV)
		lyra_csv_row(tx.csv, event_heads, 10);
	else if (tx.fmt == LYRA_FMT_TABLE)
		tx.tb = lyra_table_new(event_heads, 10);
	if (each_stored_fill(INT64_MAX, tax_fill, &tx) != 0) {
		lyra_table_free(tx.tb);
		fclose(tx.csv);
		free(tx.csvbuf);
		json_decref(tx.recs);
		lyra_die_last();
	}
	fclose(tx.csv);
	fwrite(tx.csvbuf, 1, tx.csvlen, stdout);
	free(tx.csvbuf);
	{
		size_t i;
		json_t *r;
		json_array_foreach(tx.recs, i, r) {
			if (lyra_out_json(r) != 0)
				status = -1;
		}
		json_decref(tx.recs);
	}
	if (tx.tb) {
		lyra_table_print(tx.tb, stdout);
		lyra_table_free(tx.tb);
	}
	year_of(&tx, a->fy);
	qsort(tx.years, (size_t)tx.nyears, sizeof *tx.years, cmp_year);
	for (int i = 0; i < tx.nyears && tx.years[i].fy <= a->fy; i++) {
		struct year *y = &tx.years[i];
		y->y.carried_in = carried;
		if (lyra_cgt_year_compute(&y->y, a->entity, lyra_cgt_fy_last_day(y->fy)) != 0)
			lyra_die_last();
		carried = y->y.carried_out;
		if (y->fy == a->fy)
			target = y;
	}
	snprintf(fyname, sizeof fyname, "%d-%02d", a->fy, (a->fy + 1) % 100);
	{
		const struct lyra_cgt_year *y = &target->y;
		const char *labels[][3] = {
			{ "G", "capital gains tax event during the year", target->disposals ? "yes" : "no" },
			{ "H", "total current year capital gains", NULL },
			{ "A", "net capital gain", NULL },
			{ "V", "net capital losses carried forward to later income years", NULL },
			{ "gains_discountable", "gains held at least 12 months", NULL },
			{ "gains_other", "gains not eligible for the discount", NULL },
			{ "losses", "current year capital losses", NULL },
			{ "carried_in", "net capital losses from earlier years", NULL },
			{ "losses_applied", "current year losses applied", NULL },
			{ "carried_applied", "earlier losses applied", NULL },
			{ "discount", "CGT discount applied", NULL },
		};
		const struct lyra_dec *vals[] = { NULL, &y->total_gains, &y->net_gain, &y->carried_out,
		                                  &y->gains_discountable, &y->gains_other, &y->losses,
		                                  &y->carried_in, &y->losses_applied, &y->carried_applied,
		                                  &y->discount };
		char v[11][LYRA_DEC_STRLEN];
		size_t n = sizeof vals / sizeof vals[0];
		for (size_t i = 0; i < n; i++) {
			if (vals[i]) {
				struct lyra_dec d;
				lyra_dec_rescale(*vals[i], 2, LYRA_ROUND_HALF_EVEN, &d);
				lyra_dec_format(d, v[i]);
				labels[i][2] = v[i];
			}
		}
		if (tx.fmt == LYRA_FMT_NDJSON) {
			json_t *r = lyra_record_new("cgt_summary",
			                            (lyra_days_from_civil(a->fy + 1, 7, 1) * 86400 - 36000) *
			                            LYRA_US_PER_SEC);
			json_object_set_new(r, "fy", json_string(fyname));
			json_object_set_new(r, "entity", json_string(lyra_cgt_entity_name(a->entity)));
			json_object_set_new(r, "method", json_string(lyra_lot_method_name(a->method)));
			json_object_set_new(r, "disposals", json_integer(target->disposals));
			for (size_t i = 0; i < n; i++) {
				char k[32];
				if (i < 4)
					snprintf(k, sizeof k, "label_%c", labels[i][0][0] + ('a' - 'A'));
				else
					snprintf(k, sizeof k, "%s", labels[i][0]);
				json_object_set_new(r, k, json_string(labels[i][2]));
			}
			if (lyra_out_json(r) != 0)
				status = -1;
			json_decref(r);
		} else {
			const char *sh[] = { "label", "description", "aud" };
			struct lyra_table *st = tx.fmt == LYRA_FMT_TABLE ? lyra_table_new(sh, 3) : NULL;
			fputs(tx.fmt == LYRA_FMT_CSV ? "\r\n" : "\n", stdout);
			if (st) {
				printf("CGT summary %s, %s, %s\n", fyname, lyra_cgt_entity_name(a->entity),
				       lyra_lot_method_name(a->method));
			} else {
				lyra_csv_row(stdout, sh, 3);
			}
			for (size_t i = 0; i < n; i++) {
				if (st)
					lyra_table_add(st, labels[i]);
				else
					lyra_csv_row(stdout, labels[i], 3);
			}
			if (st) {
				lyra_table_print(st, stdout);
				lyra_table_free(st);
			}
		}
	}
	free(tx.years);
	tfree(&tx.rates);
	tfree(&tx.lots);
	return status < 0 ? LYRA_EX_IOERR : status;
}

/* ---- import ---- */

/* Split one CSV line (RFC 4180 quoting, no line breaks inside fields) into at most max fields,
 * in place. Returns the number of fields. */
static int csv_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		char *out = p;
		f[n++] = p;
		if (*p == '"') {
			char *q = p + 1;
			for (;;) {
				if (*q == '"' && q[1] == '"') {
					*out++ = '"';
					q += 2;
				} else if (*q == '"' || !*q) {
					if (*q)
						q++;
					break;
				} else {
					*out++ = *q++;
				}
			}
			p = q;
		} else {
			while (*p && *p != ',')
				*out++ = *p++;
		}
		if (*p != ',') {
			*out = '\0';
			break;
		}
		p++;
		*out = '\0';
	}
	return n;
}

static int col(char **heads, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(heads[i], name) == 0)
			return i;
	return -1;
}

/* Kraken asset codes: XXBT/XBT -> BTC, XDG -> DOGE, and the X/Z prefixes of old four-letter
 * codes (XETH, ZUSD). */
static void kraken_asset(const char *code, size_t len, char *out, size_t n)
{
	char c[16];
	snprintf(c, sizeof c, "%.*s", (int)(len < 15 ? len : 15), code);
	if (strlen(c) == 4 && (c[0] == 'X' || c[0] == 'Z') && strcmp(c, "XTZ") != 0)
		memmove(c, c + 1, 4);
	if (strcmp(c, "XBT") == 0)
		strcpy(c, "BTC");
	else if (strcmp(c, "XDG") == 0)
		strcpy(c, "DOGE");
	snprintf(out, n, "%s", c);
}

static int kraken_pair(const char *pair, char *sym, size_t n)
{
	static const char *const quotes[] = { "ZUSD", "ZEUR", "ZGBP", "ZCAD", "ZJPY", "ZAUD", "XXBT",
	                                      "USDT", "USDC", "USD", "EUR", "GBP", "CAD", "JPY", "AUD",
	                                      "CHF", "XBT", "ETH", "DAI", NULL };
	char base[16], quote[16];
	const char *slash = strchr(pair, '/');
	size_t len = strlen(pair);
	if (slash) {
		kraken_asset(pair, (size_t)(slash - pair), base, sizeof base);
		kraken_asset(slash + 1, strlen(slash + 1), quote, sizeof quote);
	} else {
		const char *const *q;
		for (q = quotes; *q; q++) {
			size_t ql = strlen(*q);
			if (len > ql && strcmp(pair + len - ql, *q) == 0)
				break;
		}
		if (!*q)
			return lyra_error(LYRA_EX_DATAERR, "unknown kraken pair '%s'", pair);
		kraken_asset(pair, len - strlen(*q), base, sizeof base);
		kraken_asset(*q, strlen(*q), quote, sizeof quote);
	}
	if (!base[0] || !quote[0])
		return lyra_error(LYRA_EX_DATAERR, "unknown kraken pair '%s'", pair);
	snprintf(sym, n, "%s/%s", base, quote);
	return 0;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* One CSV row as a fill record (NEW), or NULL with error.h set. */
static json_t *csv_fill(int kraken, char **h, int nh, char **v, int nv)
{
	char sym[80], side[16];
	const char *tid, *when, *px, *qty, *fee, *quote;
	int64_t ts;
	json_t *r;
	if (nv != nh)
		return lyra_error(LYRA_EX_DATAERR, "%d fields where the header has %d", nv, nh), NULL;
	if (kraken) {
		tid = v[col(h, nh, "txid")];
		when = v[col(h, nh, "time")];
		px = v[col(h, nh, "price")];
		qty = v[col(h, nh, "vol")];
		fee = v[col(h, nh, "fee")];
		snprintf(side, sizeof side, "%s", v[col(h, nh, "type")]);
		if (kraken_pair(v[col(h, nh, "pair")], sym, sizeof sym) != 0)
			return NULL;
	} else {
		const char *prod = v[col(h, nh, "product")], *dash = strchr(prod, '-');
		tid = v[col(h, nh, "trade id")];
		when = v[col(h, nh, "created at")];
		px = v[col(h, nh, "price")];
		qty = v[col(h, nh, "size")];
		fee = v[col(h, nh, "fee")];
		snprintf(side, sizeof side, "%s", v[col(h, nh, "side")]);
		if (!dash || dash == prod || !dash[1] || strlen(prod) >= 60)
			return lyra_error(LYRA_EX_DATAERR, "bad product '%s'", prod), NULL;
		snprintf(sym, sizeof sym, "%.*s/%s", (int)(dash - prod), prod, dash + 1);
	}
	lower(side);
	if (lyra_time_parse(when, &ts) != 0)
		return NULL;
	quote = strchr(sym, '/') + 1;
	r = lyra_record_new("fill", ts);
	json_object_set_new(r, "id", json_string(tid));
	json_object_set_new(r, "venue", json_string(kraken ? "kraken" : "coinbase"));
	json_object_set_new(r, "symbol", json_string(sym));
	json_object_set_new(r, "side", json_string(side));
	json_object_set_new(r, "px", json_string(px));
	json_object_set_new(r, "qty", json_string(qty));
	json_object_set_new(r, "fee", json_string(fee[0] ? fee : "0"));
	json_object_set_new(r, "fee_ccy", json_string(quote));
	json_object_set_new(r, "liquidity", json_string("unknown"));
	json_object_set_new(r, "trade_id", json_string(tid));
	return r;
}

static int cmd_import(struct args *a, const char *path)
{
	FILE *f;
	char *line = NULL, *heads[32], *vals[32], *hcopy = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int nh = 0, kraken = 0, status = LYRA_EX_OK;
	int64_t inserted = 0, dups = 0;
	struct table book = { 0 };

	if (lyra_identity_require(store, &me, "position.record") != 0)
		lyra_die_last();
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f)
		lyra_die(LYRA_EX_NOINPUT, "cannot open '%s': %s", path, strerror(errno));
	if (lyra_store_begin(store) != 0)
		lyra_die_last();
	while ((len = getline(&line, &cap, f)) > 0) {
		json_t *r = NULL;
		char *text = NULL, why[256];
		struct fill fl;
		struct lyra_dec fee_base;
		int rc;
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		if (a->format == LYRA_FMT_CSV && !hcopy) {
			if (!(hcopy = strdup(line[0] == '\xef' && line[1] == '\xbb' ? line + 3 : line)))
				lyra_die(LYRA_EX_SOFTWARE, "out of memory");
			nh = csv_split(hcopy, heads, 32);
			if (col(heads, nh, "txid") >= 0 && col(heads, nh, "pair") >= 0 &&
			    col(heads, nh, "vol") >= 0 && col(heads, nh, "time") >= 0 &&
			    col(heads, nh, "type") >= 0 && col(heads, nh, "price") >= 0 &&
			    col(heads, nh, "fee") >= 0)
				kraken = 1;
			else if (col(heads, nh, "trade id") < 0 || col(heads, nh, "product") < 0 ||
			         col(heads, nh, "created at") < 0 || col(heads, nh, "size") < 0 ||
			         col(heads, nh, "side") < 0 || col(heads, nh, "price") < 0 ||
			         col(heads, nh, "fee") < 0) {
				lyra_store_rollback(store);
				lyra_die(LYRA_EX_DATAERR, "'%s': not a Kraken trades or Coinbase fills CSV export"
				         " (unknown header)", path);
			}
			continue;
		}
		if (a->format == LYRA_FMT_CSV) {
			int nv = csv_split(line, vals, 32);
			r = csv_fill(kraken, heads, nh, vals, nv);
			if (r)
				text = lyra_record_dump(r);
		} else {
			r = lyra_record_parse(line, (size_t)len, why, sizeof why);
			if (!r)
				lyra_error(LYRA_EX_DATAERR, "%s", why);
			else if (strcmp(json_string_value(json_object_get(r, "type")), "fill") != 0) {
				const char *t = json_string_value(json_object_get(r, "type"));
				int is_bbo = strcmp(t, "bbo") == 0;
				if ((is_bbo || strcmp(t, "trade") == 0) && mark_from(&book, r, is_bbo) != 0) {
					json_decref(r);
					lyra_store_rollback(store);
					lyra_die(LYRA_EX_DATAERR, "'%s' line %ld: %s", path, lineno,
					         lyra_error_msg());
				}
				json_decref(r);
				continue;
			}
		}
		if (!r || fill_from_json(r, &fl) != 0 || fee_split(&book, &fl, &fee_base) != 0) {
			json_decref(r);
			free(text);
			lyra_store_rollback(store);
			lyra_die(LYRA_EX_DATAERR, "'%s' line %ld: %s", path, lineno, lyra_error_msg());
		}
		rc = store_fill(&fl, text ? text : line, text ? strlen(text) : (size_t)len);
		json_decref(r);
		free(text);
		if (rc < 0) {
			lyra_store_rollback(store);
			lyra_die_last();
		}
		if (rc) {
			inserted++;
			if (apply_fill(&book, &fl, NULL) != 0) {
				lyra_store_rollback(store);
				lyra_die_last();
			}
		} else {
			dups++;
		}
	}
	if (ferror(f)) {
		lyra_store_rollback(store);
		lyra_die(LYRA_EX_IOERR, "cannot read '%s': %s", path, strerror(errno));
	}
	if (inserted) {
		json_t *d = json_pack("{sssssIsI}", "file", path, "format",
		                      a->format == LYRA_FMT_CSV ? (kraken ? "kraken" : "coinbase") : "ndjson",
		                      "inserted", (json_int_t)inserted, "duplicates", (json_int_t)dups);
		int64_t seq = lyra_audit_append(store, me.name, "position.import", "fills", d);
		json_decref(d);
		if (seq < 0) {
			lyra_store_rollback(store);
			lyra_die_last();
		}
	}
	if (lyra_store_commit(store) != 0)
		lyra_die_last();
	lyra_note("imported %lld fills from '%s' (%lld already stored)", (long long)inserted, path,
	          (long long)dups);
	if (f != stdin)
		fclose(f);
	free(line);
	free(hcopy);
	tfree(&book);
	return status;
}

/* ---- pnl ---- */

struct pnl_ctx {
	struct table book, rows;    /* positions; rows keyed "key\tquote" (realized in pos.realized,
	                               fees in pos.fees, fill count in pos.qty) */
	struct args *a;
	int by_symbol;
};

static int pnl_one(void *c, struct fill *f)
{
	struct pnl_ctx *ctx = c;
	struct lyra_dec before, fees_before, d;
	struct entry *e, *row;
	char key[200], day[32];
	int y;
	unsigned m, dd;
	pos_key(key, sizeof key, f->venue, f->symbol);
	e = tget(&ctx->book, key, 1);
	before = e->pos.realized;
	fees_before = e->pos.fees;
	if (apply_fill(&ctx->book, f, NULL) != 0)
		return lyra_error_wrap("fill %lld", (long long)f->id);
	if ((ctx->a->has_from && f->ts < ctx->a->from) || (ctx->a->has_to && f->ts >= ctx->a->to))
		return 0;
	if (ctx->by_symbol) {
		snprintf(key, sizeof key, "%s %s\t%s", f->venue, f->symbol, f->quote);
	} else {
		lyra_civil_from_days(f->ts >= 0 ? f->ts / (86400 * LYRA_US_PER_SEC) :
		                     -((-f->ts - 1) / (86400 * LYRA_US_PER_SEC)) - 1, &y, &m, &dd);
		snprintf(day, sizeof day, "%04d-%02u-%02u", y % 10000, m % 100, dd % 100);
		snprintf(key, sizeof key, "%s\t%s", day, f->quote);
	}
	row = tget(&ctx->rows, key, 1);
	if (lyra_dec_sub(e->pos.realized, before, &d) || dsum(&row->pos.realized, d) ||
	    lyra_dec_sub(e->pos.fees, fees_before, &d) || dsum(&row->pos.fees, d) ||
	    dsum(&row->pos.qty, lyra_dec_from_int(1)))
		return lyra_error(LYRA_EX_DATAERR, "cannot total pnl: amount out of range");
	return 0;
}

static int cmd_pnl(struct args *a)
{
	struct pnl_ctx ctx;
	const char *heads[] = { "day", "quote", "fills", "realized_pnl", "fees" };
	enum lyra_format fmt = a->has_format ? a->format : LYRA_FMT_TABLE;
	struct lyra_table *tb = NULL;
	int status = LYRA_EX_OK;

	memset(&ctx, 0, sizeof ctx);
	ctx.a = a;
	if (a->by && strcmp(a->by, "day") != 0 && strcmp(a->by, "symbol") != 0)
		lyra_usage_error("--by: '%s' is not day or symbol (for pnl)", a->by);
	if (a->has_from && a->has_to && a->to <= a->from)
		lyra_usage_error("--to must be after --from");
	ctx.by_symbol = a->by && strcmp(a->by, "symbol") == 0;
	if (ctx.by_symbol)
		heads[0] = "symbol";
	if (lyra_identity_require(store, &me, "pnl.read") != 0)
		lyra_die_last();
	if (each_stored_fill(INT64_MAX, pnl_one, &ctx) != 0)
		lyra_die_last();
	lyra_out_init(0);
	if (fmt == LYRA_FMT_CSV)
		lyra_csv_row(stdout, heads, 5);
	else if (fmt == LYRA_FMT_TABLE)
		tb = lyra_table_new(heads, 5);
	for (size_t i = 0; i < ctx.rows.n; i++) {
		struct entry *r = ctx.rows.order[i];
		char c[5][200];
		const char *cells[5];
		char *tab = strchr(r->key, '\t');
		*tab = '\0';
		snprintf(c[0], sizeof c[0], "%s", r->key);
		snprintf(c[1], sizeof c[1], "%s", tab + 1);
		lyra_dec_format_trim(r->pos.qty, c[2]);
		lyra_dec_format_trim(r->pos.realized, c[3]);
		lyra_dec_format_trim(r->pos.fees, c[4]);
		*tab = '\t';
		for (int k = 0; k < 5; k++)
			cells[k] = c[k];
		if (tb) {
			lyra_table_add(tb, cells);
		} else if (fmt == LYRA_FMT_CSV) {
			lyra_csv_row(stdout, cells, 5);
		} else {
			json_t *rec = lyra_record_new("pnl", a->has_to ? a->to : lyra_time_now_us());
			json_object_set_new(rec, "by", json_string(ctx.by_symbol ? "symbol" : "day"));
			json_object_set_new(rec, "key", json_string(c[0]));
			json_object_set_new(rec, "quote", json_string(c[1]));
			json_object_set_new(rec, "fills", json_integer(atoll(c[2])));
			json_object_set_new(rec, "realized_pnl", json_string(c[3]));
			json_object_set_new(rec, "fees", json_string(c[4]));
			if (lyra_out_json(rec) != 0)
				status = LYRA_EX_IOERR;
			json_decref(rec);
		}
	}
	if (tb) {
		lyra_table_print(tb, stdout);
		lyra_table_free(tb);
	}
	tfree(&ctx.book);
	tfree(&ctx.rows);
	return status;
}

int main(int argc, char **argv)
{
	struct args a;
	const char *arg;
	int c, cmd = CMD_RUN, status, first = 0;

	memset(&a, 0, sizeof a);
	a.carried = lyra_dec_zero();
	lyra_cli_init(&cli, &spec, argc, argv);
	while ((c = lyra_cli_next(&cli, &arg)) != -1) {
		switch (c) {
		case 'f': a.follow = 1; break;
		case OPT_AT:
			if (lyra_time_parse(arg, &a.at) != 0)
				lyra_usage_error("--at: %s", lyra_error_msg());
			a.has_at = 1;
			break;
		case OPT_FROM:
			if (lyra_time_parse(arg, &a.from) != 0)
				lyra_usage_error("--from: %s", lyra_error_msg());
			a.has_from = 1;
			break;
		case OPT_TO:
			if (lyra_time_parse(arg, &a.to) != 0)
				lyra_usage_error("--to: %s", lyra_error_msg());
			a.has_to = 1;
			break;
		case OPT_BY: a.by = arg; break;
		case OPT_FORMAT:
			if (lyra_format_parse(arg, &a.format) != 0)
				lyra_usage_error("%s", lyra_error_msg());
			a.has_format = 1;
			break;
		case OPT_FY:
			if (lyra_cgt_fy_parse(arg, &a.fy) != 0)
				lyra_usage_error("--fy: %s", lyra_error_msg());
			a.has_fy = 1;
			break;
		case OPT_METHOD:
			if (lyra_lot_method_parse(arg, &a.method) != 0)
				lyra_usage_error("--method: %s", lyra_error_msg());
			break;
		case OPT_ENTITY:
			if (lyra_cgt_entity_parse(arg, &a.entity) != 0)
				lyra_usage_error("--entity: %s", lyra_error_msg());
			break;
		case OPT_RATES: a.rates = arg; break;
		case OPT_CARRIED:
			if (lyra_dec_parse_cstr(arg, &a.carried) != 0 || lyra_dec_sign(a.carried) < 0)
				lyra_usage_error("--carried-loss: '%s' is not a non-negative amount", arg);
			break;
		}
	}
	if (cli.optind < cli.argc) {
		for (int i = 0; cmds[i].name; i++)
			if (strcmp(cli.argv[cli.optind], cmds[i].name) == 0) {
				cmd = i;
				first = 1;
			}
	}
	if (!first && cli.optind < cli.argc && strcmp(cli.argv[cli.optind], "-") != 0 &&
	    access(cli.argv[cli.optind], F_OK) != 0) {
		const char *names[] = { "run", "show", "tax", "pnl" };
		const char *near = lyra_nearest(cli.argv[cli.optind], names, 4);
		if (near)
			lyra_usage_error("unknown command '%s' (did you mean '%s'?)", cli.argv[cli.optind],
			                 near);
	}
	if (cmd == CMD_IMPORT) {
		if (cli.optind + 1 >= cli.argc)
			lyra_usage_error("import needs a FILE");
		if (cli.optind + 2 < cli.argc)
			lyra_usage_error("unexpected argument '%s'", cli.argv[cli.optind + 2]);
		if (!a.has_format || a.format == LYRA_FMT_TABLE)
			lyra_usage_error("import needs --format csv or --format ndjson");
	} else if (cmd != CMD_RUN && cli.optind + first < cli.argc)
		lyra_usage_error("unexpected argument '%s'", cli.argv[cli.optind + first]);

	store = lyra_store_open(cli.db);
	if (!store)
		lyra_die_last();
	if (lyra_identity_resolve(store, &me) != 0)
		lyra_die_last();
	switch (cmd) {
	case CMD_SHOW: status = cmd_show(&a); break;
	case CMD_TAX: status = cmd_tax(&a); break;
	case CMD_PNL: status = cmd_pnl(&a); break;
	case CMD_IMPORT: status = cmd_import(&a, cli.argv[cli.optind + 1]); break;
	default:
		status = cmd_run(&a, cli.argv + cli.optind + first, cli.argc - cli.optind - first);
		break;
	}
	lyra_store_close(store);
	lyra_cli_release(&cli);
	return lyra_cli_finish(status);
}
