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
#include "perf.h"
#include "pnl.h"
#include "record.h"
#include "report_html.h"
#include "store.h"
#include "table.h"
#include "binancecsv.h"
#include "holdings.h"
#include "ledger.h"
#include "markets.h"
#include "rebalance.h"
#include "trade.h"
#include "venuekey.h"

enum { CMD_RUN, CMD_SHOW, CMD_TAX, CMD_PNL, CMD_PERF, CMD_REPORT, CMD_IMPORT, CMD_METHOD, CMD_LOTS, CMD_TRANSFER,
       CMD_REBALANCE, CMD_RECONCILE };

static const struct lyra_subcmd cmds[] = {
	[CMD_RUN] = { "run", "[--follow] [FILE...]",
	              "the filter (also the default): fills in, position records out" },
	[CMD_SHOW] = { "show", "[--at T] [--by venue|symbol|asset|strategy] [--format FMT]",
	               "positions and PnL from the stored fills" },
	[CMD_TAX] = { "tax", "--fy YYYY-YY [--method M] [--entity E] [--rates FILE]",
	              "the Australian CGT report of a financial year" },
	[CMD_PNL] = { "pnl", "[--from T] [--to T] [--by day|week|month|symbol|strategy] [--tz TZ]",
	              "realised PnL and fees per day, week, month, symbol or strategy" },
	[CMD_PERF] = { "perf", "[--from T] [--to T] [--by strategy|symbol] [--quote Q] [--capital X]"
	               " [--risk-free R] [--tz TZ] [--format FMT]",
	               "returns, volatility, Sharpe, Sortino, drawdown, win rate, attribution" },
	[CMD_REPORT] = { "report", "--html FILE [--from T] [--to T] [--quote Q] [--tz TZ]",
	                 "one self-contained HTML page: charts, positions, performance" },
	[CMD_IMPORT] = { "import", "FILE --format csv|ndjson",
	                 "store fills from a Binance, Kraken or Coinbase CSV export, or fill records" },
	[CMD_METHOD] = { "method", "[list] | set --fy YYYY-YY fifo|lifo|hifo|specific [--force]",
	                 "the lot method recorded for each financial year" },
	[CMD_LOTS] = { "lots", "assign DISPOSAL_FILL [LOT_FILL QTY]...",
	               "name the lots a disposal uses (specific identification)" },
	[CMD_TRANSFER] = { "transfer", "ASSET QTY FROM TO [--at T] [--fee Q] [--ref R]",
	                   "record a move between own accounts (not a disposal)" },
	[CMD_REBALANCE] = { "rebalance", "--target FILE --venue V [--band 2%] [--quote Q] [--marks FILE]",
	                    "the orders that bring holdings back within the target weights" },
	[CMD_RECONCILE] = { "reconcile", "VENUE [--keys FILE] [--endpoint URL]",
	                    "balances from the stored fills and transfers against the venue's" },
	{ NULL, NULL, NULL },
};

enum {
	OPT_AT = 256, OPT_FROM, OPT_TO, OPT_BY, OPT_FORMAT, OPT_FY, OPT_METHOD, OPT_ENTITY, OPT_RATES, OPT_CARRIED,
	OPT_TZ, OPT_QUOTE, OPT_CAPITAL, OPT_RISK_FREE, OPT_HTML,
	OPT_FORCE, OPT_FEE, OPT_REF, OPT_TARGET, OPT_BAND, OPT_VENUE, OPT_MARKS, OPT_KEYS, OPT_KEY_LABEL,
	OPT_ENDPOINT,
};

static const struct lyra_opt opts[] = {
	{ "follow", 'f', NULL, "run: a live stream: flush and commit after every fill" },
	{ "at", OPT_AT, "T", "show: positions as of time T (fills at or before T)" },
	{ "by", OPT_BY, "KEY", "show: venue, symbol, asset or strategy; pnl: day, week, month,"
	  " symbol or strategy" },
	{ "from", OPT_FROM, "T", "pnl: fills at or after T" },
	{ "to", OPT_TO, "T", "pnl: fills before T" },
	{ "tz", OPT_TZ, "TZ", "pnl, perf, report: the days, weeks and months of UTC (default),"
	  " Australia/Sydney or an offset like +10:00" },
	{ "quote", OPT_QUOTE, "Q", "perf, report: the quote asset of the fills measured (default:"
	  " the one of most fills)" },
	{ "capital", OPT_CAPITAL, "X", "perf, report: the capital returns are on (default: the most"
	  " cost held at once)" },
	{ "risk-free", OPT_RISK_FREE, "R", "perf, report: annual risk-free rate, 0.04 or 4% (default"
	  " 0)" },
	{ "html", OPT_HTML, "FILE", "report: the HTML file to write" },
	{ "format", OPT_FORMAT, "FMT", "show, tax, pnl: ndjson, table or csv (default table);"
	  " import: csv or ndjson" },
	{ "fy", OPT_FY, "YYYY-YY", "tax: the financial year, 1 July to 30 June (2025-26)" },
	{ "method", OPT_METHOD, "M", "tax: lot matching in years with no recorded method: fifo"
	  " (default), lifo, hifo or specific" },
	{ "entity", OPT_ENTITY, "E", "tax: individual (default), trust, super or company" },
	{ "rates", OPT_RATES, "FILE", "tax: AUD rates, CSV date,asset,aud (Sydney dates)" },
	{ "carried-loss", OPT_CARRIED, "AUD", "tax: net capital losses carried in from before the"
	  " stored fills" },
	{ "force", OPT_FORCE, NULL, "method set: replace a different recorded method (audited)" },
	{ "fee", OPT_FEE, "Q", "transfer: the fee, in the asset, paid out of the quantity sent" },
	{ "ref", OPT_REF, "R", "transfer: its reference (the venue's withdrawal id); stored once" },
	{ "target", OPT_TARGET, "FILE", "rebalance: target weights, lines 'ASSET 50%' or 'ASSET 0.5'" },
	{ "band", OPT_BAND, "P", "rebalance: allowed drift in weight points, 2% (default) or 0.02" },
	{ "venue", OPT_VENUE, "V", "rebalance: the account (venue) to rebalance" },
	{ "marks", OPT_MARKS, "FILE", "rebalance: bbo, trade, candle and market records ('-': stdin)"
	  " instead of the store's" },
	{ "keys", OPT_KEYS, "FILE", "reconcile: API key file (JSON, mode 0600) instead of the vault" },
	{ "key-label", OPT_KEY_LABEL, "L", "reconcile: the vault's key with this label (main)" },
	{ "endpoint", OPT_ENDPOINT, "URL", "reconcile: the venue's REST base URL (testnet, fake)" },
	{ NULL, 0, NULL, NULL },
};

static const char *const usage[] = {
	"[run] [--follow] [FILE...]",
	"show [--at T] [--by venue|symbol|asset|strategy] [--format ndjson|table|csv]",
	"tax --fy YYYY-YY [--method fifo|lifo|hifo] [--entity individual|trust|super|company]"
	" [--rates FILE] [--carried-loss AUD] [--format csv|ndjson|table]",
	"pnl [--from T] [--to T] [--by day|week|month|symbol|strategy] [--tz TZ]"
	" [--format ndjson|table|csv]",
	"perf [--from T] [--to T] [--by strategy|symbol] [--quote Q] [--capital X] [--risk-free R]"
	" [--tz TZ] [--format ndjson|table|csv]",
	"report --html FILE [--from T] [--to T] [--quote Q] [--capital X] [--risk-free R] [--tz TZ]",
	"import FILE --format csv|ndjson",
	"method [list] | method set --fy YYYY-YY fifo|lifo|hifo|specific [--force]",
	"lots assign DISPOSAL_FILL [LOT_FILL QTY]...",
	"transfer ASSET QTY FROM TO [--at T] [--fee Q] [--ref R]",
	"rebalance --target FILE --venue V [--band P] [--quote Q] [--marks FILE] [--at T]",
	"reconcile VENUE [--keys FILE] [--key-label L] [--endpoint URL] [--at T]",
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
	struct lyra_tz tz;          /* pnl: calendar of the buckets */
	const char *quote;          /* perf: the quote asset */
	struct lyra_dec capital;    /* perf: the capital returns are measured on */
	int has_capital;
	double risk_free;           /* perf: annual risk-free rate (0.04 = 4%) */
	const char *html;           /* report: the file to write */
	int has_method, force;      /* tax: --method given; method set: --force */
	struct lyra_dec fee;        /* transfer */
	const char *ref;            /* transfer */
	const char *target, *venue, *marks, *band_text;   /* rebalance */
	struct lyra_dec band;       /* rebalance: a fraction */
	const char *keys, *key_label, *endpoint;          /* reconcile */
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
	size_t aux;                 /* perf: the group of a position */
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

static int is_fiat(const char *a)
{
	return lyra_ledger_is_fiat(a);
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
	FILE *held;             /* CSV or NDJSON events, held in a temporary file (not memory: a
	                         * year can have millions) until the whole report is known right */
	/* the disposal being matched */
	const char *asset;
	int64_t day, fill_id, ts;
	struct lyra_dec qty_total, qty_left, proceeds_total, proceeds_left;
	json_t *named;              /* "fill\tasset" -> [[lot_fill, qty], ...]: specific identification */
	struct lyra_transfer *xfers;   /* transfers in time order; xfers[nx_done] is the next */
	size_t nx, nx_done;
	enum lyra_lot_method piece_method;   /* how the piece being reported was matched */
	enum lyra_lot_method fy_method;      /* the report's year */
	int cached_fy;                       /* method_of's last year and its method */
	enum lyra_lot_method cached_method;
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
		return lyra_csv_row(tx->held, cells, 10);
	if (tx->fmt == LYRA_FMT_TABLE)
		return lyra_table_add(tx->tb, cells);
	json_t *r = lyra_record_new("cgt_event", tx->ts);
	for (int i = 0; i < 10; i++) {
		if (i == 8 || i == 9)
			json_object_set_new(r, event_heads[i], json_integer(i == 8 ? t->lot_id : tx->fill_id));
		else
			json_object_set_new(r, event_heads[i], json_string(cells[i]));
	}
	json_object_set_new(r, "method", json_string(lyra_lot_method_name(tx->piece_method)));
	char *line = lyra_record_dump(r);
	json_decref(r);
	if (!line)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot encode a cgt_event record");
	int ok = fputs(line, tx->held) >= 0 && putc('\n', tx->held) != EOF;
	free(line);
	return ok ? 0 : lyra_error(LYRA_EX_IOERR, "cannot hold the report in a temporary file: %s",
	                           strerror(errno));
}

/* The lot method of the financial year containing day: the one recorded for it, else --method
 * (default fifo). 0 or -1. */
static int method_of(struct tax *tx, int64_t day, enum lyra_lot_method *m)
{
	int fy = lyra_cgt_fy_of_day(day), rec;
	if (tx->cached_fy != fy) {
		rec = lyra_ledger_method_get(store, fy, &tx->cached_method);
		if (rec < 0)
			return -1;
		if (!rec)
			tx->cached_method = tx->a->method;
		tx->cached_fy = fy;
	}
	*m = tx->cached_method;
	return 0;
}

static int named_one(void *ctx, int64_t disposal_fill, const char *asset,
                     const struct lyra_lot_pick *p)
{
	struct tax *tx = ctx;
	char key[80], q[LYRA_DEC_STRLEN];
	json_t *arr;
	snprintf(key, sizeof key, "%lld\t%s", (long long)disposal_fill, asset);
	if (!(arr = json_object_get(tx->named, key))) {
		arr = json_array();
		json_object_set_new(tx->named, key, arr);
	}
	lyra_dec_format_trim(p->qty, q);
	return json_array_append_new(arr, json_pack("[Is]", (json_int_t)p->lot_fill, q));
}

/* Specific identification: the lots named for the disposal being matched, taken first. */
static int take_named(struct tax *tx, struct lyra_lots *lots)
{
	char key[80], q[LYRA_DEC_STRLEN];
	const json_t *arr, *p;
	size_t i;
	snprintf(key, sizeof key, "%lld\t%s", (long long)tx->fill_id, tx->asset);
	arr = json_object_get(tx->named, key);
	json_array_foreach(arr, i, p) {
		struct lyra_dec qty;
		if (lyra_dec_parse_cstr(json_string_value(json_array_get(p, 1)), &qty) != 0)
			return -1;
		if (lyra_dec_cmp(qty, tx->qty_left) > 0) {
			lyra_dec_format_trim(tx->qty_total, q);
			return lyra_error(LYRA_EX_DATAERR, "the lots named for it add up to more than the %s"
			                  " disposed", q);
		}
		if (lyra_lots_take(lots, json_integer_value(json_array_get(p, 0)), qty, 2, take_piece,
		                   tx) != 0)
			return -1;
	}
	return 0;
}

static int dispose(struct tax *tx, const char *asset, int64_t day, int64_t fill_id,
                   struct lyra_dec qty, struct lyra_dec proceeds)
{
	enum lyra_lot_method m;
	struct entry *e = tget(&tx->lots, asset, 1);
	char d[11];
	tx->asset = asset;
	tx->day = day;
	tx->fill_id = fill_id;
	tx->qty_total = tx->qty_left = qty;
	tx->proceeds_total = tx->proceeds_left = proceeds;
	if (lyra_dec_sign(qty) <= 0)
		return 0;
	if (method_of(tx, day, &m) != 0)
		return -1;
	tx->piece_method = m;
	if (m == LYRA_LOT_SPECIFIC && take_named(tx, &e->lots) != 0)
		goto fail;
	tx->piece_method = m == LYRA_LOT_SPECIFIC ? LYRA_LOT_FIFO : m;
	if (lyra_dec_sign(tx->qty_left) > 0 &&
	    lyra_lots_dispose(&e->lots, m, tx->qty_left, 2, take_piece, tx) != 0)
		goto fail;
	return 0;
fail:
	lyra_cgt_day_format(day, d);
	return lyra_error_wrap("cannot match the disposal of '%s' on %s (%s %lld)", asset, d,
	                       fill_id < 0 ? "fee of transfer" : "fill",
	                       (long long)(fill_id < 0 ? -fill_id : fill_id));
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

static int xfer_load(void *ctx, const struct lyra_transfer *t)
{
	struct tax *tx = ctx;
	struct lyra_transfer *v = realloc(tx->xfers, (tx->nx + 1) * sizeof *v);
	if (!v)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	tx->xfers = v;
	v[tx->nx++] = *t;
	return 0;
}

/* A transfer between own accounts is no disposal and the lots keep their dates and cost. Its fee
 * in a crypto asset is: CGT event A1 of the fee units at their AUD market value, and that value
 * is a cost of moving the rest, added to the cost base of the units moved (the lots the year's
 * method would take next). ATO Community Support: "the network fee is a CGT event ... The cost
 * of the network fee then goes into your cost base of your remaining crypto"
 * (community.ato.gov.au/t5/Cryptocurrency/Crypto-Rewards/m-p/163216); incidental costs such as
 * transfer costs are cost base element 2 (ITAA 1997 s 110-35). */
static int tax_transfer(struct tax *tx, const struct lyra_transfer *t)
{
	int64_t day = lyra_cgt_sydney_day(t->ts);
	struct lyra_dec fee_aud, moved;
	enum lyra_lot_method m;
	if (lyra_dec_is_zero(t->fee) || is_fiat(t->asset) || day > tx->last_day)
		return 0;
	tx->ts = t->ts;
	if (to_aud(tx, t->asset, day, t->fee, &fee_aud) != 0 || method_of(tx, day, &m) != 0 ||
	    dispose(tx, t->asset, day, -t->id, t->fee, fee_aud) != 0 ||
	    lyra_dec_sub(t->qty, t->fee, &moved) != 0)
		return -1;
	if (lyra_lots_add_cost(&tget(&tx->lots, t->asset, 1)->lots, m, moved, fee_aud, 2) != 0)
		return lyra_error_wrap("transfer %lld of %s", (long long)t->id, t->asset);
	return 0;
}

/* Apply the transfers made before ts, in order. */
static int transfers_before(struct tax *tx, int64_t ts)
{
	while (tx->nx_done < tx->nx && tx->xfers[tx->nx_done].ts < ts)
		if (tax_transfer(tx, &tx->xfers[tx->nx_done++]) != 0)
			return -1;
	return 0;
}

static int tax_fill(void *ctx, struct fill *f)
{
	struct tax *tx = ctx;
	int64_t day = lyra_cgt_sydney_day(f->ts);
	if (transfers_before(tx, f->ts) != 0)
		return -1;
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
	tx.cached_fy = -1;
	tx.named = json_object();
	{
		/* the year's recorded method rules; --method only fills years with none */
		int rec = lyra_ledger_method_get(store, a->fy, &tx.fy_method);
		if (rec < 0)
			lyra_die_last();
		if (rec && a->has_method && tx.fy_method != a->method)
			lyra_die(LYRA_EX_USAGE, "--method %s conflicts with %s, the method recorded for"
			         " %04d-%02d (positions method)", lyra_lot_method_name(a->method),
			         lyra_lot_method_name(tx.fy_method), a->fy, (a->fy + 1) % 100);
		if (!rec)
			tx.fy_method = a->method;
	}
	if (!tx.named || lyra_ledger_assign_each(store, named_one, &tx) != 0 ||
	    lyra_ledger_transfer_each(store, INT64_MAX, xfer_load, &tx) != 0)
		lyra_die_last();
	if (a->rates && load_rates(&tx, a->rates) != 0)
		lyra_die_last();
	if (each_stored_fill(INT64_MAX, rates_from_fill, &tx) != 0)
		lyra_die_last();
	lyra_out_init(0);
	tx.held = tmpfile();
	if (!tx.held)
		lyra_die(LYRA_EX_CANTCREAT, "cannot create a temporary file for the report: %s",
		         strerror(errno));
	if (tx.fmt == LYRA_FMT_CSV)
		lyra_csv_row(tx.held, event_heads, 10);
	else if (tx.fmt == LYRA_FMT_TABLE)
		tx.tb = lyra_table_new(event_heads, 10);
	if (each_stored_fill(INT64_MAX, tax_fill, &tx) != 0 || transfers_before(&tx, INT64_MAX) != 0) {
		lyra_table_free(tx.tb);
		fclose(tx.held);
		lyra_die_last();
	}
	{
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		if (fflush(tx.held) != 0 || fseek(tx.held, 0, SEEK_SET) != 0)
			lyra_die(LYRA_EX_IOERR, "cannot read back the held report: %s", strerror(errno));
		while ((n = getline(&line, &cap, tx.held)) > 0) {
			if (tx.fmt == LYRA_FMT_CSV)
				fwrite(line, 1, (size_t)n, stdout);
			else if (lyra_out_raw(line, (size_t)n - 1) != 0)
				status = -1;
		}
		free(line);
		if (ferror(tx.held))
			lyra_die(LYRA_EX_IOERR, "cannot read back the held report: %s", strerror(errno));
		fclose(tx.held);
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
			json_object_set_new(r, "method", json_string(lyra_lot_method_name(tx.fy_method)));
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
				       lyra_lot_method_name(tx.fy_method));
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
	free(tx.xfers);
	json_decref(tx.named);
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
	int nh = 0, kraken = 0, binance = 0, status = LYRA_EX_OK;
	struct lyra_binance_csv bn = { 0, { 0 }, NULL };
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
			if (lyra_binance_csv_open(&bn, heads, nh))
				binance = 1;
			else if (col(heads, nh, "txid") >= 0 && col(heads, nh, "pair") >= 0 &&
			    col(heads, nh, "vol") >= 0 && col(heads, nh, "time") >= 0 &&
			    col(heads, nh, "type") >= 0 && col(heads, nh, "price") >= 0 &&
			    col(heads, nh, "fee") >= 0)
				kraken = 1;
			else if (col(heads, nh, "trade id") < 0 || col(heads, nh, "product") < 0 ||
			         col(heads, nh, "created at") < 0 || col(heads, nh, "size") < 0 ||
			         col(heads, nh, "side") < 0 || col(heads, nh, "price") < 0 ||
			         col(heads, nh, "fee") < 0) {
				lyra_store_rollback(store);
				lyra_die(LYRA_EX_DATAERR, "'%s': not a Binance trade history, Kraken trades or Coinbase fills CSV export"
				         " (unknown header)", path);
			}
			continue;
		}
		if (a->format == LYRA_FMT_CSV) {
			int nv = csv_split(line, vals, 32);
			r = binance ? lyra_binance_csv_fill(&bn, vals, nv) : csv_fill(kraken, heads, nh, vals, nv);
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
			/* stored before: its price still marks a fee asset for the rows after it */
			char key[200];
			pos_key(key, sizeof key, fl.venue, fl.symbol);
			lyra_pnl_mark(&tget(&book, key, 1)->pos, fl.px);
			dups++;
		}
	}
	if (ferror(f)) {
		lyra_store_rollback(store);
		lyra_die(LYRA_EX_IOERR, "cannot read '%s': %s", path, strerror(errno));
	}
	if (inserted) {
		json_t *d = json_pack("{sssssIsI}", "file", path, "format",
		                      a->format == LYRA_FMT_CSV ? (binance ? "binance" : kraken ? "kraken" : "coinbase") : "ndjson",
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
	lyra_binance_csv_close(&bn);
	tfree(&book);
	return status;
}

/* ---- pnl ---- */

enum pnl_by { PNL_DAY, PNL_WEEK, PNL_MONTH, PNL_SYMBOL, PNL_STRATEGY };

static const char *const pnl_by_names[] = { "day", "week", "month", "symbol", "strategy", NULL };

struct pnl_ctx {
	struct table book, rows;    /* positions; rows keyed "key\tquote" (realized in pos.realized,
	                               fees in pos.fees, fill count in pos.qty) */
	struct args *a;
	enum pnl_by by;
};

static enum pnl_by pnl_by_parse(const char *s)
{
	for (int i = 0; pnl_by_names[i]; i++)
		if (strcmp(s, pnl_by_names[i]) == 0)
			return (enum pnl_by)i;
	lyra_usage_error("--by: '%s' is not day, week, month, symbol or strategy (for pnl)", s);
	return PNL_DAY;
}

/* Apply a fill to the positions and, when in range, add what it realised to its row. By
 * strategy each strategy's positions are kept apart (as in show --by strategy). */
static int pnl_one(void *c, struct fill *f)
{
	struct pnl_ctx *ctx = c;
	struct lyra_dec before, fees_before, d;
	struct entry *e, *row;
	char key[400], bucket[16];
	if (ctx->by == PNL_STRATEGY)
		snprintf(key, sizeof key, "%s\t%s\t%s", f->strategy[0] ? f->strategy : "-", f->venue,
		         f->symbol);
	else
		pos_key(key, sizeof key, f->venue, f->symbol);
	e = tget(&ctx->book, key, 1);
	before = e->pos.realized;
	fees_before = e->pos.fees;
	if (lyra_pnl_fill(&e->pos, f->side, f->qty, f->px, f->fee_quote,
	                  strcmp(f->fee_ccy, f->base) == 0 ? f->fee : lyra_dec_zero()) != 0)
		return lyra_error_wrap("fill %lld", (long long)f->id);
	e->has_fill = 1;
	if ((ctx->a->has_from && f->ts < ctx->a->from) || (ctx->a->has_to && f->ts >= ctx->a->to))
		return 0;
	if (ctx->by == PNL_SYMBOL) {
		snprintf(key, sizeof key, "%s %s\t%s", f->venue, f->symbol, f->quote);
	} else if (ctx->by == PNL_STRATEGY) {
		snprintf(key, sizeof key, "%s\t%s", f->strategy[0] ? f->strategy : "-", f->quote);
	} else {
		lyra_period_key(ctx->by == PNL_WEEK ? LYRA_PERIOD_WEEK : ctx->by == PNL_MONTH ?
		                LYRA_PERIOD_MONTH : LYRA_PERIOD_DAY, lyra_tz_day(&ctx->a->tz, f->ts),
		                bucket);
		snprintf(key, sizeof key, "%s\t%s", bucket, f->quote);
	}
	row = tget(&ctx->rows, key, 1);
	if (lyra_dec_sub(e->pos.realized, before, &d) || dsum(&row->pos.realized, d) ||
	    lyra_dec_sub(e->pos.fees, fees_before, &d) || dsum(&row->pos.fees, d) ||
	    dsum(&row->pos.qty, lyra_dec_from_int(1)))
		return lyra_error(LYRA_EX_DATAERR, "cannot total pnl: amount out of range");
	return 0;
}

/* Rows of realised PnL by ctx->by over the stored fills (ctx zeroed but for a and by); calendar
 * rows come out in time order, others in order of first appearance. Dies on a store error. */
static void pnl_collect(struct pnl_ctx *ctx)
{
	if (each_stored_fill(INT64_MAX, pnl_one, ctx) != 0)
		lyra_die_last();
}

/* The cells of a pnl row: key, quote, fills, realized_pnl, fees (the key is split in place and
 * restored). */
static void pnl_cells(struct entry *r, char c[5][200])
{
	char *tab = strchr(r->key, '\t');
	*tab = '\0';
	snprintf(c[0], 200, "%s", r->key);
	snprintf(c[1], 200, "%s", tab + 1);
	*tab = '\t';
	lyra_dec_format_trim(r->pos.qty, c[2]);
	lyra_dec_format_trim(r->pos.realized, c[3]);
	lyra_dec_format_trim(r->pos.fees, c[4]);
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
	ctx.by = a->by ? pnl_by_parse(a->by) : PNL_DAY;
	if (a->has_from && a->has_to && a->to <= a->from)
		lyra_usage_error("--to must be after --from");
	heads[0] = pnl_by_names[ctx.by];
	if (lyra_identity_require(store, &me, "pnl.read") != 0)
		lyra_die_last();
	pnl_collect(&ctx);
	lyra_out_init(0);
	if (fmt == LYRA_FMT_CSV)
		lyra_csv_row(stdout, heads, 5);
	else if (fmt == LYRA_FMT_TABLE)
		tb = lyra_table_new(heads, 5);
	for (size_t i = 0; i < ctx.rows.n; i++) {
		char c[5][200];
		const char *cells[5];
		pnl_cells(ctx.rows.order[i], c);
		for (int k = 0; k < 5; k++)
			cells[k] = c[k];
		if (tb) {
			lyra_table_add(tb, cells);
		} else if (fmt == LYRA_FMT_CSV) {
			lyra_csv_row(stdout, cells, 5);
		} else {
			json_t *rec = lyra_record_new("pnl", a->has_to ? a->to : lyra_time_now_us());
			json_object_set_new(rec, "by", json_string(pnl_by_names[ctx.by]));
			json_object_set_new(rec, "key", json_string(c[0]));
			json_object_set_new(rec, "quote", json_string(c[1]));
			json_object_set_new(rec, "fills", json_integer(atoll(c[2])));
			json_object_set_new(rec, "realized_pnl", json_string(c[3]));
			json_object_set_new(rec, "fees", json_string(c[4]));
			if (ctx.by <= PNL_MONTH)
				json_object_set_new(rec, "tz", json_string(a->tz.name));
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

/* ---- perf ---- */

/* Performance over an equity series of daily closes (local midnights of --tz) between --from
 * (or the first fill's day) and --to (or the end of the last fill's day): at each point the
 * cumulative PnL (realised + unrealised, marked at the last fill price of each venue and
 * symbol) of the positions quoted in one asset. Each strategy's positions are kept apart (as in
 * show --by strategy), so the groups of --by add up to the total. */

enum { PERF_ALL, PERF_STRATEGY, PERF_SYMBOL };

struct perf_group {
	char key[200];
	struct lyra_dec *cum;           /* cumulative PnL at each point */
	size_t n, cap;
	struct lyra_perf_trades trades; /* fills in range that reduced a position */
	int open;                       /* positions of the group not flat */
	int64_t open_since, exposed_us; /* time in range with a position open */
};

struct perf_ctx {
	struct args *a;
	char quote[32];
	int by;
	struct table book;              /* "strategy\tvenue\tsymbol"; aux = group index */
	struct perf_group *g;           /* g[0] is the total */
	size_t ng;
	int64_t *times;                 /* the points' times (microseconds) */
	size_t nt, tcap;
	int64_t start, end, next;       /* next: the next close, INT64_MAX when done */
	int started;
	struct lyra_dec peak_gross;     /* the largest sum of |cost| seen: the default capital */
	int64_t other_quotes;           /* fills left out: another quote asset */
};

static size_t perf_group_of(struct perf_ctx *ctx, const char *key)
{
	for (size_t i = 0; i < ctx->ng; i++)
		if (strcmp(ctx->g[i].key, key) == 0)
			return i;
	ctx->g = realloc(ctx->g, (ctx->ng + 1) * sizeof *ctx->g);
	if (!ctx->g)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	memset(&ctx->g[ctx->ng], 0, sizeof *ctx->g);
	snprintf(ctx->g[ctx->ng].key, sizeof ctx->g[ctx->ng].key, "%s", key);
	lyra_perf_trades_init(&ctx->g[ctx->ng].trades);
	if (ctx->nt) {
		/* a group first seen after some points was flat at them */
		struct perf_group *g = &ctx->g[ctx->ng];
		g->cap = ctx->tcap;
		if (!(g->cum = malloc(g->cap * sizeof *g->cum)))
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		for (g->n = 0; g->n < ctx->nt; g->n++)
			g->cum[g->n] = lyra_dec_zero();
	}
	return ctx->ng++;
}

/* Add the current cumulative PnL of every group as a point at ts. */
static int perf_point(struct perf_ctx *ctx, int64_t ts)
{
	struct lyra_dec gross = lyra_dec_zero();
	if (ctx->nt == ctx->tcap) {
		ctx->tcap = ctx->tcap ? ctx->tcap * 2 : 64;
		if (!(ctx->times = realloc(ctx->times, ctx->tcap * sizeof *ctx->times)))
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	}
	ctx->times[ctx->nt++] = ts;
	for (size_t i = 0; i < ctx->ng; i++) {
		struct perf_group *g = &ctx->g[i];
		if (g->n == g->cap) {
			g->cap = g->cap ? g->cap * 2 : 64;
			if (!(g->cum = realloc(g->cum, g->cap * sizeof *g->cum)))
				lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		}
		g->cum[g->n++] = lyra_dec_zero();
	}
	for (size_t i = 0; i < ctx->book.n; i++) {
		struct entry *e = ctx->book.order[i];
		struct lyra_dec unr, v, c;
		if (lyra_pnl_unrealized(&e->pos, &unr) || lyra_dec_add(e->pos.realized, unr, &v) ||
		    dsum(&ctx->g[0].cum[ctx->g[0].n - 1], v) ||
		    (e->aux && dsum(&ctx->g[e->aux].cum[ctx->g[e->aux].n - 1], v)) ||
		    lyra_dec_abs(e->pos.cost, &c) || dsum(&gross, c))
			return lyra_error(LYRA_EX_DATAERR, "cannot total pnl: amount out of range");
	}
	if (lyra_dec_cmp(gross, ctx->peak_gross) > 0)
		ctx->peak_gross = gross;
	return 0;
}

/* Points for every close at or before upto (fills at a close's time come after it). */
static int perf_advance(struct perf_ctx *ctx, int64_t upto)
{
	if (!ctx->started) {
		if (ctx->start > upto)
			return 0;
		ctx->started = 1;
		for (size_t i = 0; i < ctx->ng; i++)
			ctx->g[i].open_since = ctx->start;
		if (perf_point(ctx, ctx->start) != 0)
			return -1;
		ctx->next = lyra_tz_day_start(&ctx->a->tz, lyra_tz_day(&ctx->a->tz, ctx->start) + 1);
		if (ctx->next > ctx->end)
			ctx->next = ctx->end;
	}
	while (ctx->next <= upto) {
		if (perf_point(ctx, ctx->next) != 0)
			return -1;
		if (ctx->next == ctx->end) {
			ctx->next = INT64_MAX;
			break;
		}
		ctx->next = lyra_tz_day_start(&ctx->a->tz, lyra_tz_day(&ctx->a->tz, ctx->next) + 1);
		if (ctx->next > ctx->end)
			ctx->next = ctx->end;
	}
	return 0;
}

/* A position of group gi opened (d = 1) or went flat (d = -1) at ts: exposure time. */
static void perf_open(struct perf_ctx *ctx, size_t gi, int d, int64_t ts)
{
	struct perf_group *g = &ctx->g[gi];
	int64_t t = ts < ctx->start ? ctx->start : ts > ctx->end ? ctx->end : ts;
	if (d > 0 && g->open++ == 0)
		g->open_since = t;
	else if (d < 0 && --g->open == 0)
		g->exposed_us += t - g->open_since;
}

static int perf_fill(void *c, struct fill *f)
{
	struct perf_ctx *ctx = c;
	char key[400], vs[200];
	struct entry *e;
	struct lyra_dec before, d;
	int was_open, closing, in_range = f->ts >= ctx->start && f->ts < ctx->end;
	if (strcmp(f->quote, ctx->quote) != 0) {
		ctx->other_quotes++;
		return 0;
	}
	if (perf_advance(ctx, f->ts) != 0)
		return -1;
	if (f->ts >= ctx->end)
		return 0;
	snprintf(key, sizeof key, "%s\t%s\t%s", f->strategy[0] ? f->strategy : "-", f->venue,
	         f->symbol);
	e = tget(&ctx->book, key, 1);
	if (!e->has_fill && ctx->by != PERF_ALL) {
		if (ctx->by == PERF_STRATEGY)
			snprintf(vs, sizeof vs, "%s", f->strategy[0] ? f->strategy : "-");
		else
			snprintf(vs, sizeof vs, "%s %s", f->venue, f->symbol);
		e->aux = perf_group_of(ctx, vs);
	}
	e->has_fill = 1;
	before = e->pos.realized;
	was_open = !lyra_dec_is_zero(e->pos.qty);
	closing = was_open && lyra_dec_sign(e->pos.qty) != f->side;
	if (lyra_pnl_fill(&e->pos, f->side, f->qty, f->px, f->fee_quote,
	                  strcmp(f->fee_ccy, f->base) == 0 ? f->fee : lyra_dec_zero()) != 0)
		return lyra_error_wrap("fill %lld", (long long)f->id);
	/* the fill's price marks every strategy's position in the same venue and symbol */
	snprintf(vs, sizeof vs, "%s\t%s", f->venue, f->symbol);
	for (size_t i = 0; i < ctx->book.n; i++) {
		const char *k = strchr(ctx->book.order[i]->key, '\t');
		if (k && strcmp(k + 1, vs) == 0)
			lyra_pnl_mark(&ctx->book.order[i]->pos, f->px);
	}
	if (was_open != !lyra_dec_is_zero(e->pos.qty)) {
		perf_open(ctx, 0, was_open ? -1 : 1, f->ts);
		if (e->aux)
			perf_open(ctx, e->aux, was_open ? -1 : 1, f->ts);
	}
	if (in_range && closing) {
		if (lyra_dec_sub(e->pos.realized, before, &d) ||
		    lyra_perf_trades_add(&ctx->g[0].trades, d) ||
		    (e->aux && lyra_perf_trades_add(&ctx->g[e->aux].trades, d)))
			return -1;
	}
	if (in_range) {
		struct lyra_dec gross = lyra_dec_zero(), cst;
		for (size_t i = 0; i < ctx->book.n; i++)
			if (lyra_dec_abs(ctx->book.order[i]->pos.cost, &cst) || dsum(&gross, cst))
				return lyra_error(LYRA_EX_DATAERR, "amount out of range");
		if (lyra_dec_cmp(gross, ctx->peak_gross) > 0)
			ctx->peak_gross = gross;
	}
	return 0;
}

/* The quote asset of most stored fills (ties: alphabetical), or "" when there are none. */
static void perf_default_quote(char *out, size_t n)
{
	sqlite3_stmt *s = lyra_store_prepare(store,
		"SELECT substr(symbol, instr(symbol, '/') + 1) AS q, count(*) AS c FROM fills"
		" GROUP BY q ORDER BY c DESC, q LIMIT 1");
	*out = '\0';
	if (!s)
		lyra_die_last();
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
}

/* Run the whole computation; dies on bad options or a store error. */
static void perf_compute(struct args *a, struct perf_ctx *ctx)
{
	sqlite3_stmt *s;
	memset(ctx, 0, sizeof *ctx);
	ctx->a = a;
	ctx->peak_gross = lyra_dec_zero();
	ctx->by = !a->by ? PERF_ALL : strcmp(a->by, "strategy") == 0 ? PERF_STRATEGY :
	          strcmp(a->by, "symbol") == 0 ? PERF_SYMBOL : -1;
	if (ctx->by < 0)
		lyra_usage_error("--by: '%s' is not strategy or symbol (for perf)", a->by);
	if (a->has_from && a->has_to && a->to <= a->from)
		lyra_usage_error("--to must be after --from");
	if (a->quote)
		snprintf(ctx->quote, sizeof ctx->quote, "%s", a->quote);
	else
		perf_default_quote(ctx->quote, sizeof ctx->quote);
	perf_group_of(ctx, "all");
	s = lyra_store_prepare(store, "SELECT min(ts), max(ts) FROM fills"
	                       " WHERE substr(symbol, instr(symbol, '/') + 1) = ?1");
	if (!s)
		lyra_die_last();
	sqlite3_bind_text(s, 1, ctx->quote, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_type(s, 0) == SQLITE_NULL) {
		sqlite3_finalize(s);
		lyra_die(LYRA_EX_DATAERR, "no stored fills quoted in '%s'", ctx->quote);
	}
	ctx->start = a->has_from ? a->from : lyra_tz_day_start(&a->tz,
	             lyra_tz_day(&a->tz, sqlite3_column_int64(s, 0)));
	ctx->end = a->has_to ? a->to : lyra_tz_day_start(&a->tz,
	           lyra_tz_day(&a->tz, sqlite3_column_int64(s, 1)) + 1);
	sqlite3_finalize(s);
	if (ctx->end <= ctx->start)
		lyra_die(LYRA_EX_DATAERR, "no stored fills quoted in '%s' before --to", ctx->quote);
	ctx->next = INT64_MAX;
	if (each_stored_fill(INT64_MAX, perf_fill, ctx) != 0 || perf_advance(ctx, ctx->end) != 0)
		lyra_die_last();
	for (size_t i = 0; i < ctx->ng; i++)
		if (ctx->g[i].open > 0)
			ctx->g[i].exposed_us += ctx->end - ctx->g[i].open_since;
	if (ctx->other_quotes)
		lyra_note("perf: %lld fills quoted in other assets than '%s' left out (--quote)",
		          (long long)ctx->other_quotes, ctx->quote);
}

static void perf_free(struct perf_ctx *ctx)
{
	for (size_t i = 0; i < ctx->ng; i++)
		free(ctx->g[i].cum);
	free(ctx->g);
	free(ctx->times);
	tfree(&ctx->book);
}

enum { PF_KEY, PF_QUOTE, PF_FROM, PF_TO, PF_DAYS, PF_CAPITAL, PF_PNL, PF_TOTAL_RETURN,
       PF_ANNUAL_RETURN, PF_VOLATILITY, PF_SHARPE, PF_SORTINO, PF_MAX_DD, PF_MAX_DD_PCT,
       PF_MAX_DD_DAYS, PF_TRADES, PF_WIN_RATE, PF_PROFIT_FACTOR, PF_AVG_WIN, PF_AVG_LOSS,
       PF_EXPOSURE, PF_N, PF_W = 208 /* cell width */ };

static const char *const perf_heads[PF_N] = {
	"key", "quote", "from", "to", "days", "capital", "pnl", "total_return", "annual_return",
	"volatility", "sharpe", "sortino", "max_drawdown", "max_drawdown_pct", "max_drawdown_days",
	"trades", "win_rate", "profit_factor", "avg_win", "avg_loss", "exposure",
};

/* The formatted figures of group gi ("" where a statistic is undefined), and its equity
 * series (capital + PnL since the start; NEW array of ctx->nt values) when eq is not NULL. */
static void perf_cells(struct perf_ctx *ctx, size_t gi, char c[PF_N][PF_W], struct lyra_dec **eq)
{
	struct perf_group *g = &ctx->g[gi];
	struct lyra_dec capital = ctx->a->has_capital ? ctx->a->capital : ctx->peak_gross, pnl, v;
	struct lyra_dec *e = calloc(g->n ? g->n : 1, sizeof *e);
	struct lyra_perf_series st;
	double x;
	if (!e)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	for (size_t i = 0; i < g->n; i++)
		if (lyra_dec_sub(g->cum[i], g->cum[0], &v) || lyra_dec_add(capital, v, &e[i]))
			lyra_die(LYRA_EX_DATAERR, "equity out of range");
	if (lyra_perf_series_stats(e, g->n, ctx->a->risk_free, 365, &st) != 0 ||
	    lyra_dec_sub(g->cum[g->n - 1], g->cum[0], &pnl))
		lyra_die_last();
	for (int i = 0; i < PF_N; i++)
		c[i][0] = '\0';
	snprintf(c[PF_KEY], PF_W, "%s", g->key);
	snprintf(c[PF_QUOTE], PF_W, "%s", ctx->quote);
	lyra_time_format(ctx->start, c[PF_FROM], PF_W);
	lyra_time_format(ctx->end, c[PF_TO], PF_W);
	snprintf(c[PF_DAYS], PF_W, "%zu", st.returns);
	lyra_dec_format_trim(lyra_dec_normalize(capital), c[PF_CAPITAL]);
	lyra_dec_format_trim(lyra_dec_normalize(pnl), c[PF_PNL]);
	if (st.has_returns) {
		lyra_perf_fmt(st.total_return, c[PF_TOTAL_RETURN]);
		lyra_perf_fmt(st.annual_return, c[PF_ANNUAL_RETURN]);
	}
	if (st.has_returns && st.has_volatility)
		lyra_perf_fmt(st.volatility, c[PF_VOLATILITY]);
	if (st.has_returns && st.has_sharpe)
		lyra_perf_fmt(st.sharpe, c[PF_SHARPE]);
	if (st.has_returns && st.has_sortino)
		lyra_perf_fmt(st.sortino, c[PF_SORTINO]);
	lyra_dec_format_trim(st.max_drawdown, c[PF_MAX_DD]);
	lyra_perf_fmt(st.max_drawdown_pct, c[PF_MAX_DD_PCT]);
	snprintf(c[PF_MAX_DD_DAYS], PF_W, "%lld", (long long)st.max_drawdown_periods);
	snprintf(c[PF_TRADES], PF_W, "%lld", (long long)(g->trades.wins + g->trades.losses +
	                                                g->trades.flat));
	if (lyra_perf_win_rate(&g->trades, &x))
		lyra_perf_fmt(x, c[PF_WIN_RATE]);
	if (lyra_perf_profit_factor(&g->trades, &x))
		lyra_perf_fmt(x, c[PF_PROFIT_FACTOR]);
	if (g->trades.wins && lyra_perf_avg_win(&g->trades, &v) == 0)
		lyra_dec_format_trim(v, c[PF_AVG_WIN]);
	if (g->trades.losses && lyra_perf_avg_loss(&g->trades, &v) == 0)
		lyra_dec_format_trim(v, c[PF_AVG_LOSS]);
	lyra_perf_fmt((double)g->exposed_us / (double)(ctx->end - ctx->start), c[PF_EXPOSURE]);
	if (eq)
		*eq = e;
	else
		free(e);
}

/* A perf record of the cells (NEW). */
static json_t *perf_record(struct perf_ctx *ctx, char c[PF_N][PF_W], int total)
{
	char rf[40];
	json_t *r = lyra_record_new("perf", ctx->end);
	json_object_set_new(r, "by", json_string(total || ctx->by == PERF_ALL ? "all" :
	                                         ctx->by == PERF_STRATEGY ? "strategy" : "symbol"));
	for (int i = 0; i < PF_N; i++) {
		if (i == PF_DAYS || i == PF_MAX_DD_DAYS || i == PF_TRADES)
			json_object_set_new(r, perf_heads[i], json_integer(atoll(c[i])));
		else
			json_object_set_new(r, perf_heads[i], c[i][0] ? json_string(c[i]) : json_null());
	}
	json_object_set_new(r, "tz", json_string(ctx->a->tz.name));
	lyra_perf_fmt(ctx->a->risk_free, rf);
	json_object_set_new(r, "risk_free", json_string(rf));
	json_object_set_new(r, "periods_per_year", json_integer(365));
	return r;
}

static int cmd_perf(struct args *a)
{
	struct perf_ctx ctx;
	enum lyra_format fmt = a->has_format ? a->format : LYRA_FMT_TABLE;
	char (*c)[PF_N][PF_W];
	int status = LYRA_EX_OK;

	if (lyra_identity_require(store, &me, "pnl.read") != 0)
		lyra_die_last();
	perf_compute(a, &ctx);
	if (!(c = calloc(ctx.ng, sizeof *c)))
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	for (size_t i = 0; i < ctx.ng; i++)
		perf_cells(&ctx, i, c[i], NULL);
	lyra_out_init(0);
	if (fmt == LYRA_FMT_TABLE) {
		/* one column per group, one row per figure */
		const char **heads = calloc(ctx.ng + 1, sizeof *heads), **row = calloc(ctx.ng + 1,
		                                                                  sizeof *row);
		struct lyra_table *tb;
		if (!heads || !row)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		heads[0] = "figure";
		for (size_t i = 0; i < ctx.ng; i++)
			heads[i + 1] = c[i][PF_KEY];
		tb = lyra_table_new(heads, ctx.ng + 1);
		for (int k = 1; k < PF_N; k++) {
			row[0] = perf_heads[k];
			for (size_t i = 0; i < ctx.ng; i++)
				row[i + 1] = c[i][k][0] ? c[i][k] : "-";
			lyra_table_add(tb, row);
		}
		if (lyra_table_print(tb, stdout) != 0)
			status = LYRA_EX_IOERR;
		lyra_table_free(tb);
		free(heads);
		free(row);
	} else {
		if (fmt == LYRA_FMT_CSV)
			lyra_csv_row(stdout, perf_heads, PF_N);
		for (size_t i = 0; i < ctx.ng; i++) {
			const char *cells[PF_N];
			for (int k = 0; k < PF_N; k++)
				cells[k] = c[i][k];
			if (fmt == LYRA_FMT_CSV) {
				if (lyra_csv_row(stdout, cells, PF_N) != 0)
					status = LYRA_EX_IOERR;
			} else {
				json_t *r = perf_record(&ctx, c[i], i == 0);
				if (lyra_out_json(r) != 0)
					status = LYRA_EX_IOERR;
				json_decref(r);
			}
		}
	}
	free(c);
	perf_free(&ctx);
	return status;
}

/* ---- lot methods, named lots, transfers (positions method, lots, transfer) ---- */

static int method_row(void *ctx, int fy, enum lyra_lot_method m, int64_t ts, const char *actor)
{
	char f[16], when[40];
	const char *cells[4] = { f, lyra_lot_method_name(m), when, actor };
	snprintf(f, sizeof f, "%04d-%02d", fy % 10000, (fy + 1) % 100);
	lyra_time_format(ts, when, sizeof when);
	return lyra_table_add(ctx, cells);
}

static int cmd_method(struct args *a, char **ops, int nops)
{
	enum lyra_lot_method m;
	if (nops == 0 || (nops == 1 && strcmp(ops[0], "list") == 0)) {
		const char *heads[] = { "fy", "method", "recorded", "by" };
		struct lyra_table *tb = lyra_table_new(heads, 4);
		if (lyra_identity_require(store, &me, "position.read") != 0)
			lyra_die_last();
		lyra_out_init(0);
		if (lyra_ledger_method_each(store, method_row, tb) != 0)
			lyra_die_last();
		lyra_table_print(tb, stdout);
		lyra_table_free(tb);
		return LYRA_EX_OK;
	}
	if (strcmp(ops[0], "set") != 0 || nops != 2)
		lyra_usage_error("method: want 'method [list]' or 'method set --fy YYYY-YY METHOD'");
	if (!a->has_fy)
		lyra_usage_error("method set needs --fy YYYY-YY");
	if (lyra_lot_method_parse(ops[1], &m) != 0)
		lyra_usage_error("%s", lyra_error_msg());
	if (lyra_identity_require(store, &me, "position.admin") != 0)
		lyra_die_last();
	if (lyra_ledger_method_set(store, me.name, a->fy, m, a->force, lyra_time_now_us()) != 0)
		lyra_die_last();
	lyra_note("%04d-%02d: lots matched by %s", a->fy, (a->fy + 1) % 100, lyra_lot_method_name(m));
	return LYRA_EX_OK;
}

/* A stored fill by id (its symbol split); 0, or -1 (LYRA_EX_DATAERR "no fill N"). */
static int fill_by_id(int64_t id, struct fill *f)
{
	sqlite3_stmt *s = lyra_store_prepare(store, "SELECT ts, venue, symbol, side, fee, fee_ccy"
	                                     " FROM fills WHERE id = ?1");
	int rc, status = 0;
	if (!s)
		return -1;
	memset(f, 0, sizeof *f);
	f->id = id;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		status = rc == SQLITE_DONE ? lyra_error(LYRA_EX_DATAERR, "no stored fill %lld", (long long)id)
		                           : lyra_store_fail(store, "cannot read a fill");
	} else {
		f->ts = sqlite3_column_int64(s, 0);
		if (copy_str(f->venue, sizeof f->venue, (const char *)sqlite3_column_text(s, 1), "venue") ||
		    copy_str(f->symbol, sizeof f->symbol, (const char *)sqlite3_column_text(s, 2), "symbol") ||
		    side_parse((const char *)sqlite3_column_text(s, 3), &f->side) ||
		    lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 4), &f->fee) ||
		    copy_str(f->fee_ccy, sizeof f->fee_ccy, (const char *)sqlite3_column_text(s, 5),
		             "fee_ccy") || split_symbol(f))
			status = lyra_error_wrap("stored fill %lld", (long long)id);
	}
	sqlite3_finalize(s);
	return status;
}

/* positions lots assign DISPOSAL [LOT QTY]...: the lots a disposal uses (specific identification).
 * The lot fill acquired one asset (a buy its base; a sale for a crypto quote its quote); the
 * disposal fill must dispose of that asset and come later, in a year whose recorded method is
 * specific. No pairs clears the disposal's named lots. */
static int cmd_lots(char **ops, int nops)
{
	static struct lyra_lot_pick *v;   /* reachable when a check below exits */
	struct fill d, l;
	char asset[32] = "";
	int64_t did;
	enum lyra_lot_method m;
	size_t n = 0;
	char *end;
	if (nops < 2 || strcmp(ops[0], "assign") != 0 || nops % 2 != 0)
		lyra_usage_error("lots: want 'lots assign DISPOSAL_FILL [LOT_FILL QTY]...'");
	did = strtoll(ops[1], &end, 10);
	if (*end || did <= 0)
		lyra_usage_error("lots assign: '%s' is not a fill id", ops[1]);
	if (lyra_identity_require(store, &me, "position.admin") != 0)
		lyra_die_last();
	if (fill_by_id(did, &d) != 0)
		lyra_die_last();
	int64_t day = lyra_cgt_sydney_day(d.ts);
	int fy = lyra_cgt_fy_of_day(day), rec = lyra_ledger_method_get(store, fy, &m);
	if (rec < 0)
		lyra_die_last();
	if (!rec || m != LYRA_LOT_SPECIFIC)
		lyra_die(LYRA_EX_DATAERR, "fill %lld is in %04d-%02d, whose recorded method is %s: run"
		         " 'positions method set --fy %04d-%02d specific' first", (long long)did, fy,
		         (fy + 1) % 100, rec ? lyra_lot_method_name(m) : "none", fy, (fy + 1) % 100);
	v = calloc((size_t)nops / 2, sizeof *v);
	if (!v)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	for (int i = 2; i < nops; i += 2, n++) {
		const char *got;
		v[n].lot_fill = strtoll(ops[i], &end, 10);
		if (*end || v[n].lot_fill <= 0)
			lyra_usage_error("lots assign: '%s' is not a fill id", ops[i]);
		if (lyra_dec_parse_cstr(ops[i + 1], &v[n].qty) != 0 || lyra_dec_sign(v[n].qty) <= 0)
			lyra_usage_error("lots assign: '%s' is not a positive quantity", ops[i + 1]);
		if (fill_by_id(v[n].lot_fill, &l) != 0)
			lyra_die_last();
		got = l.side > 0 ? l.base : l.quote;
		if (l.side < 0 && lyra_ledger_is_fiat(l.quote))
			lyra_die(LYRA_EX_DATAERR, "fill %lld is a sale for %s: it acquired no lot",
			         (long long)l.id, l.quote);
		if (asset[0] && strcmp(asset, got) != 0)
			lyra_die(LYRA_EX_DATAERR, "the named lots are of different assets (%s, %s)", asset,
			         got);
		snprintf(asset, sizeof asset, "%s", got);
		if (l.ts > d.ts || (l.ts == d.ts && l.id >= d.id))
			lyra_die(LYRA_EX_DATAERR, "lot fill %lld is not before disposal fill %lld",
			         (long long)l.id, (long long)did);
	}
	if (n) {
		int disposes = (d.side < 0 && strcmp(d.base, asset) == 0) ||
		               (d.side > 0 && strcmp(d.quote, asset) == 0) ||
		               (!lyra_dec_is_zero(d.fee) && strcmp(d.fee_ccy, asset) == 0);
		if (!disposes)
			lyra_die(LYRA_EX_DATAERR, "fill %lld (%s %s) does not dispose of %s", (long long)did,
			         d.side > 0 ? "buy" : "sell", d.symbol, asset);
	}
	if (lyra_ledger_assign_set(store, me.name, did, asset, v, n) != 0)
		lyra_die_last();
	lyra_note("fill %lld: %zu named lot%s", (long long)did, n, n == 1 ? "" : "s");
	free(v);
	return LYRA_EX_OK;
}

/* positions transfer ASSET QTY FROM TO [--at T] [--fee Q] [--ref R] */
static int cmd_transfer(struct args *a, char **ops, int nops)
{
	struct lyra_transfer t;
	char q[LYRA_DEC_STRLEN];
	int rc;
	if (nops != 4)
		lyra_usage_error("transfer: want 'transfer ASSET QTY FROM TO'");
	memset(&t, 0, sizeof t);
	t.ts = a->has_at ? a->at : lyra_time_now_us();
	t.fee = a->fee;
	if (strlen(ops[0]) >= sizeof t.asset || lyra_dec_parse_cstr(ops[1], &t.qty) != 0 ||
	    strlen(ops[2]) >= sizeof t.from || strlen(ops[3]) >= sizeof t.to)
		lyra_usage_error("transfer: bad asset, quantity or account");
	snprintf(t.asset, sizeof t.asset, "%s", ops[0]);
	snprintf(t.from, sizeof t.from, "%s", ops[2]);
	snprintf(t.to, sizeof t.to, "%s", ops[3]);
	lyra_dec_format_trim(t.qty, q);
	if (a->ref)
		snprintf(t.ref, sizeof t.ref, "%s", a->ref);
	else {
		char ref[320];
		snprintf(ref, sizeof ref, "%s:%s:%s:%s:%lld", t.asset, q, t.from, t.to, (long long)t.ts);
		snprintf(t.ref, sizeof t.ref, "%.127s", ref);
	}
	if (lyra_transfer_check(&t) != 0)
		lyra_usage_error("transfer: %s", lyra_error_msg());
	if (lyra_identity_require(store, &me, "position.record") != 0)
		lyra_die_last();
	rc = lyra_ledger_transfer_add(store, me.name, &t);
	if (rc < 0)
		lyra_die_last();
	if (rc)
		lyra_note("transfer %lld: %s %s from %s to %s stored", (long long)t.id, q, t.asset, t.from,
		          t.to);
	else
		lyra_note("transfer '%s' was already stored", t.ref);
	return LYRA_EX_OK;
}

/* ---- rebalance ---- */

struct marks {
	const char *venue;
	json_t *px;                        /* symbol -> mark (string) */
	struct lyra_market_list markets;   /* market records seen in the marks input */
};

static int mark_record(struct marks *mk, const json_t *r)
{
	const char *t = json_string_value(json_object_get(r, "type"));
	const char *venue = lyra_json_get_str(r, "venue"), *sym = lyra_json_get_str(r, "symbol");
	struct lyra_dec px, bid, ask;
	char s[LYRA_DEC_STRLEN];
	if (!t || !venue || !sym || strcmp(venue, mk->venue) != 0)
		return 0;
	if (strcmp(t, "market") == 0) {
		struct lyra_market m;
		if (lyra_market_from_record(r, &m) != 0)
			return -1;
		return lyra_market_list_add(&mk->markets, &m);
	}
	if (strcmp(t, "bbo") == 0) {
		if (lyra_json_get_dec(r, "bid_px", &bid) || lyra_json_get_dec(r, "ask_px", &ask) ||
		    lyra_dec_add(bid, ask, &px) ||
		    lyra_dec_div(px, lyra_dec_from_int(2), px.scale + 1, LYRA_ROUND_EXACT, &px))
			return -1;
	} else if (strcmp(t, "trade") == 0) {
		if (lyra_json_get_dec(r, "px", &px))
			return -1;
	} else if (strcmp(t, "candle") == 0) {
		if (lyra_json_get_dec(r, "close", &px))
			return -1;
	} else {
		return 0;
	}
	if (lyra_dec_sign(px) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "mark price must be positive");
	lyra_dec_format_trim(lyra_dec_normalize(px), s);
	json_object_set_new(mk->px, sym, json_string(s));
	return 0;
}

static void marks_from_file(struct marks *mk, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL, why[256];
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	if (!f)
		lyra_die(LYRA_EX_NOINPUT, "cannot open '%s': %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) > 0) {
		json_t *r;
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		r = lyra_record_parse(line, (size_t)len, why, sizeof why);
		if (!r)
			lyra_die(LYRA_EX_DATAERR, "'%s' line %ld: %s", path, lineno, why);
		if (mark_record(mk, r) != 0)
			lyra_die(LYRA_EX_DATAERR, "'%s' line %ld: %s", path, lineno, lyra_error_msg());
		json_decref(r);
	}
	if (f != stdin)
		fclose(f);
	free(line);
}

/* The latest recorded bbo, trade or candle of symbol on the venue at or before at. */
static int mark_from_store(struct marks *mk, const char *sym, int64_t at)
{
	sqlite3_stmt *s = lyra_store_prepare(store,
		"SELECT line FROM md_record WHERE venue = ?1 AND symbol = ?2 AND ts <= ?3 AND type IN"
		" ('bbo', 'trade', 'candle') ORDER BY ts DESC, id DESC LIMIT 1");
	int status = 0;
	char why[256];
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, mk->venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, sym, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, at);
	if (sqlite3_step(s) == SQLITE_ROW) {
		json_t *r = lyra_record_parse((const char *)sqlite3_column_blob(s, 0),
		                              (size_t)sqlite3_column_bytes(s, 0), why, sizeof why);
		status = r ? mark_record(mk, r) : lyra_error(LYRA_EX_IOERR, "a recorded line is damaged");
		json_decref(r);
	}
	sqlite3_finalize(s);
	return status;
}

struct rebal_in {
	struct lyra_rebal_asset *v;
	size_t n;
	struct lyra_market *rules;      /* v[i].m points into it */
	struct lyra_rebal_order *out;
};

static struct lyra_rebal_asset *rebal_asset(struct rebal_in *in, const char *asset)
{
	for (size_t i = 0; i < in->n; i++)
		if (strcmp(in->v[i].asset, asset) == 0)
			return &in->v[i];
	in->v = realloc(in->v, (in->n + 1) * sizeof *in->v);
	if (!in->v)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	memset(&in->v[in->n], 0, sizeof *in->v);
	snprintf(in->v[in->n].asset, sizeof in->v->asset, "%s", asset);
	in->v[in->n].target = in->v[in->n].held = in->v[in->n].mark = lyra_dec_zero();
	return &in->v[in->n++];
}

/* "50%" or "0.5" as a fraction. */
static int parse_weight(const char *s, struct lyra_dec *w)
{
	size_t n = strlen(s);
	char buf[64];
	if (n && s[n - 1] == '%') {
		snprintf(buf, sizeof buf, "%.*s", (int)(n - 1), s);
		if (lyra_dec_parse_cstr(buf, w) != 0 ||
		    lyra_dec_div(*w, lyra_dec_from_int(100), w->scale + 2, LYRA_ROUND_EXACT, w) != 0)
			return -1;
	} else if (lyra_dec_parse_cstr(s, w) != 0) {
		return -1;
	}
	*w = lyra_dec_normalize(*w);
	return lyra_dec_sign(*w) < 0 || lyra_dec_cmp(*w, lyra_dec_from_int(1)) > 0 ? -1 : 0;
}

static void load_targets(struct rebal_in *in, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int lineno = 0;
	if (!f)
		lyra_die(LYRA_EX_NOINPUT, "cannot open '%s': %s", path, strerror(errno));
	while (fgets(line, sizeof line, f)) {
		char *save = NULL, *asset, *w, *extra;
		struct lyra_dec d;
		lineno++;
		line[strcspn(line, "#\r\n")] = '\0';
		asset = strtok_r(line, " \t,", &save);
		if (!asset)
			continue;
		w = strtok_r(NULL, " \t,", &save);
		extra = strtok_r(NULL, " \t,", &save);
		if (!w || extra || strlen(asset) >= 32 || parse_weight(w, &d) != 0)
			lyra_die(LYRA_EX_DATAERR, "'%s' line %d: want ASSET WEIGHT (50%% or 0.5)", path,
			         lineno);
		struct lyra_rebal_asset *x = rebal_asset(in, asset);
		x->target = d;
	}
	fclose(f);
	if (!in->n)
		lyra_die(LYRA_EX_DATAERR, "'%s': no target weights", path);
}

static void rebal_note(void *ctx, const char *msg)
{
	(void)ctx;
	lyra_warn("%s", msg);
}

static int cmd_rebalance(struct args *a)
{
	struct rebal_in in = { NULL, 0, NULL, NULL };
	struct marks mk = { a->venue, json_object(), { NULL, 0, 0 } };
	struct lyra_market_list cached = { NULL, 0, 0 };
	struct lyra_holdings h = { NULL, 0, 0 };
	struct lyra_rebal_order *out;
	const char *quote = a->quote ? a->quote : "USDT";
	int64_t at = a->has_at ? a->at : lyra_time_now_us();
	size_t nout = 0;
	int status = LYRA_EX_OK;

	if (!a->target || !a->venue)
		lyra_usage_error("rebalance needs --target FILE and --venue V");
	if (lyra_identity_require(store, &me, "position.read") != 0)
		lyra_die_last();
	load_targets(&in, a->target);
	rebal_asset(&in, quote);
	if (a->marks)
		marks_from_file(&mk, a->marks);
	if (lyra_holdings_load(store, a->venue, at, &h) != 0 ||
	    lyra_markets_load(store, a->venue, &cached) != 0)
		lyra_die_last();
	in.rules = calloc(in.n, sizeof *in.rules);
	if (!in.rules)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	for (size_t i = 0; i < in.n; i++) {
		struct lyra_rebal_asset *x = &in.v[i];
		const struct lyra_holding *hd = lyra_holdings_find(&h, a->venue, x->asset);
		const struct lyra_market *m;
		const char *px;
		char sym[80];
		if (hd)
			x->held = hd->qty;
		if (lyra_dec_sign(x->held) < 0)
			lyra_die(LYRA_EX_DATAERR, "the store holds %s of %s on %s: fills or transfers are"
			         " missing", hd ? "a negative amount" : "nothing", x->asset, a->venue);
		if (strcmp(x->asset, quote) == 0)
			continue;
		snprintf(sym, sizeof sym, "%s/%s", x->asset, quote);
		m = lyra_markets_find(&mk.markets, sym);
		if (!m)
			m = lyra_markets_find(&cached, sym);
		if (!m)
			lyra_die(LYRA_EX_DATAERR, "no market rules for '%s' on '%s': run 'mdfeed markets %s'"
			         " or give market records with --marks", sym, a->venue, a->venue);
		in.rules[i] = *m;
		x->m = &in.rules[i];
		if (!json_object_get(mk.px, sym) && mark_from_store(&mk, sym, at) != 0)
			lyra_die_last();
		px = json_string_value(json_object_get(mk.px, sym));
		if (!px)
			lyra_die(LYRA_EX_DATAERR, "no mark for '%s' on '%s': give bbo, trade or candle"
			         " records with --marks, or record them (mdfeed record)", sym, a->venue);
		lyra_dec_parse_cstr(px, &x->mark);
	}
	out = in.out = calloc(in.n, sizeof *out);
	if (!out)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	if (lyra_rebalance_plan(in.v, in.n, a->band, out, &nout, rebal_note, NULL) != 0)
		lyra_die_last();
	lyra_out_init(0);
	for (size_t i = 0; i < nout; i++) {
		char id[40], sym[80], q[LYRA_DEC_STRLEN], w[LYRA_DEC_STRLEN];
		json_t *r = lyra_record_new("order", at);
		snprintf(id, sizeof id, "rb%lldn%zu", (long long)(at / LYRA_US_PER_SEC), i + 1);
		snprintf(sym, sizeof sym, "%s/%s", out[i].asset, quote);
		lyra_dec_format_trim(out[i].qty, q);
		lyra_dec_format_trim(out[i].weight, w);
		lyra_json_set_str(r, "id", id);
		lyra_json_set_str(r, "venue", a->venue);
		lyra_json_set_str(r, "symbol", sym);
		lyra_json_set_str(r, "side", out[i].side > 0 ? "buy" : "sell");
		lyra_json_set_str(r, "kind", "market");
		lyra_json_set_str(r, "qty", q);
		lyra_json_set_dec(r, "mark", out[i].px);
		lyra_json_set_str(r, "weight", w);
		lyra_json_set_str(r, "strategy", "rebalance");
		if (lyra_out_json(r) != 0)
			status = LYRA_EX_IOERR;
		json_decref(r);
	}
	lyra_note("%zu order%s to bring %s back within %s of its targets", nout, nout == 1 ? "" : "s",
	          a->venue, a->band_text ? a->band_text : "2%");
	free(out);
	free(in.rules);
	free(in.v);
	json_decref(mk.px);
	lyra_market_list_release(&mk.markets);
	lyra_market_list_release(&cached);
	lyra_holdings_release(&h);
	return status;
}

/* ---- reconcile ---- */

struct recon_bal {
	const char *venue;
	const struct lyra_holdings *h;
	json_t *seen;
	long diffs;
	int io;
};

static void recon_diff(struct recon_bal *rb, const char *asset, struct lyra_dec mine,
                       struct lyra_dec theirs)
{
	char a[LYRA_DEC_STRLEN], b[LYRA_DEC_STRLEN];
	json_t *d = lyra_record_new("recon_diff", lyra_time_now_us());
	lyra_dec_format_trim(mine, a);
	lyra_dec_format_trim(theirs, b);
	lyra_json_set_str(d, "venue", rb->venue);
	lyra_json_set_str(d, "kind", "balance");
	lyra_json_set_str(d, "id", asset);
	lyra_json_set_str(d, "store", a);
	lyra_json_set_str(d, "venue_value", b);
	if (lyra_out_json(d) != 0)
		rb->io = 1;
	json_decref(d);
	rb->diffs++;
}

static int recon_bal_one(void *ctx, const struct lyra_venue_balance *b)
{
	struct recon_bal *rb = ctx;
	const struct lyra_holding *x = lyra_holdings_find(rb->h, rb->venue, b->asset);
	struct lyra_dec mine = x ? x->qty : lyra_dec_zero();
	json_object_set_new(rb->seen, b->asset, json_true());
	if (lyra_dec_cmp(mine, b->total) != 0)
		recon_diff(rb, b->asset, mine, b->total);
	return 0;
}

static int cmd_reconcile(struct args *a, const char *venue)
{
	struct lyra_api_key key;
	struct lyra_trade_opts to;
	struct lyra_trade_error err = { 0 };
	struct lyra_holdings h = { NULL, 0, 0 };
	struct lyra_trade *tr;
	struct recon_bal rb = { venue, &h, json_object(), 0, 0 };
	if (lyra_identity_require(store, &me, "position.admin") != 0)
		lyra_die_last();
	if (lyra_holdings_load(store, venue, a->has_at ? a->at : INT64_MAX, &h) != 0)
		lyra_die_last();
	memset(&key, 0, sizeof key);
	if (lyra_venuekey_load(store, &me, venue, a->key_label, a->keys, &key) != 0)
		lyra_die_last();
	memset(&to, 0, sizeof to);
	to.venue = venue;
	to.base_url = a->endpoint;
	to.key = &key;
	tr = lyra_trade_new(&to);
	if (!tr)
		lyra_die_last();
	lyra_out_init(0);
	if (lyra_trade_balances(tr, recon_bal_one, &rb, &err) != 0)
		lyra_die(LYRA_EX_UNAVAILABLE, "%s: balances: %s", venue,
		         *err.message ? err.message : lyra_error_msg());
	for (size_t i = 0; i < h.n; i++)
		if (!json_object_get(rb.seen, h.v[i].asset) && !lyra_dec_is_zero(h.v[i].qty))
			recon_diff(&rb, h.v[i].asset, h.v[i].qty, lyra_dec_zero());
	lyra_note("%s: %ld balance difference%s", venue, rb.diffs, rb.diffs == 1 ? "" : "s");
	lyra_trade_free(tr);
	lyra_api_key_wipe(&key);
	lyra_holdings_release(&h);
	json_decref(rb.seen);
	return rb.io ? LYRA_EX_IOERR : rb.diffs ? LYRA_EX_DATAERR : LYRA_EX_OK;
}

/* ---- report ---- */

static double dec_to_double(struct lyra_dec d)
{
	char b[LYRA_DEC_STRLEN];
	lyra_dec_format(d, b);
	return strtod(b, NULL);
}

/* Positions table and allocation by base asset (quote ctx->quote) from the fills before end. */
static void report_positions(FILE *f, struct perf_ctx *ctx)
{
	static const char *const heads[] = { "venue", "symbol", "qty", "avg_px", "realized_pnl",
	                                     "unrealized_pnl", "fees", "mark" };
	struct table vs = { 0 }, alloc = { 0 };
	char (*c)[8][LYRA_DEC_STRLEN + 100];
	const char **cells, **labels;
	double *v;
	size_t n = 0;

	if (each_stored_fill(ctx->end - 1, replay_one, &vs) != 0)
		lyra_die_last();
	c = calloc(vs.n + 1, sizeof *c);
	cells = calloc(8 * (vs.n + 1), sizeof *cells);
	if (!c || !cells)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	for (size_t i = 0; i < vs.n; i++) {
		struct entry *e = vs.order[i], *al;
		struct lyra_dec avg, unr, val;
		char *tab = strchr(e->key, '\t'), base[64];
		if (!e->has_fill)
			continue;
		snprintf(c[n][0], sizeof c[n][0], "%.*s", (int)(tab - e->key), e->key);
		snprintf(c[n][1], sizeof c[n][1], "%s", tab + 1);
		if (lyra_pnl_avg_px(&e->pos, &avg) || lyra_pnl_unrealized(&e->pos, &unr))
			lyra_die_last();
		lyra_dec_format_trim(lyra_dec_normalize(e->pos.qty), c[n][2]);
		lyra_dec_format_trim(avg, c[n][3]);
		lyra_dec_format_trim(lyra_dec_normalize(e->pos.realized), c[n][4]);
		lyra_dec_format_trim(unr, c[n][5]);
		lyra_dec_format_trim(lyra_dec_normalize(e->pos.fees), c[n][6]);
		lyra_dec_format_trim(e->pos.mark, c[n][7]);
		for (int k = 0; k < 8; k++)
			cells[n * 8 + (size_t)k] = c[n][k];
		n++;
		snprintf(base, sizeof base, "%.*s", (int)strcspn(tab + 1, "/"), tab + 1);
		if (lyra_dec_is_zero(e->pos.qty) || strcmp(tab + 1 + strlen(base), "") == 0 ||
		    strcmp(tab + 2 + strlen(base), ctx->quote) != 0)
			continue;
		if (lyra_dec_mul(e->pos.qty, e->pos.mark, LYRA_PNL_SCALE, LYRA_ROUND_HALF_EVEN, &val) ||
		    lyra_dec_abs(val, &val))
			lyra_die_last();
		al = tget(&alloc, base, 1);
		if (dsum(&al->pos.cost, val))
			lyra_die(LYRA_EX_DATAERR, "allocation out of range");
	}
	lyra_html_section(f, "Allocation", NULL);
	if (alloc.n) {
		labels = calloc(alloc.n, sizeof *labels);
		v = calloc(alloc.n, sizeof *v);
		if (!labels || !v)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		for (size_t i = 0; i < alloc.n; i++) {
			labels[i] = alloc.order[i]->key;
			v[i] = dec_to_double(alloc.order[i]->pos.cost);
		}
		char title[300];
		snprintf(title, sizeof title, "Open positions by asset, share of gross exposure in %s",
		         ctx->quote);
		lyra_svg_shares(f, title, labels, v, alloc.n);
		free(labels);
		free(v);
	} else {
		fputs("<p class=\"note\">No open positions.</p>\n", f);
	}
	lyra_html_section(f, "Positions", "Average cost, marked at each venue and symbol's last fill"
	                  " price; amounts in the quote asset of the symbol.");
	lyra_html_table(f, "positions", heads, 8, cells, n);
	free(cells);
	free(c);
	tfree(&vs);
	tfree(&alloc);
}

/* PnL by month: the chart (quote ctx->quote) and the table (every quote), as `pnl --by month`. */
static void report_months(FILE *f, struct args *a, struct perf_ctx *ctx)
{
	static const char *const heads[] = { "month", "quote", "fills", "realized_pnl", "fees" };
	struct pnl_ctx pc;
	char (*c)[5][200];
	const char **cells, **labels;
	double *v;
	size_t nv = 0;
	char title[300];
	memset(&pc, 0, sizeof pc);
	pc.a = a;
	pc.by = PNL_MONTH;
	pnl_collect(&pc);
	c = calloc(pc.rows.n + 1, sizeof *c);
	cells = calloc(5 * (pc.rows.n + 1), sizeof *cells);
	labels = calloc(pc.rows.n + 1, sizeof *labels);
	v = calloc(pc.rows.n + 1, sizeof *v);
	if (!c || !cells || !labels || !v)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	for (size_t i = 0; i < pc.rows.n; i++) {
		pnl_cells(pc.rows.order[i], c[i]);
		for (int k = 0; k < 5; k++)
			cells[i * 5 + (size_t)k] = c[i][k];
		if (strcmp(c[i][1], ctx->quote) == 0) {
			labels[nv] = c[i][0];
			v[nv++] = strtod(c[i][3], NULL);
		}
	}
	snprintf(title, sizeof title, "Realised PnL by month, %s", ctx->quote);
	lyra_html_section(f, "PnL by month", "Realised PnL after fees of the fills in each calendar"
	                  " month, as positions pnl --by month.");
	lyra_svg_bars(f, title, labels, v, nv, ctx->quote);
	lyra_html_table(f, "pnl-month", heads, 5, cells, pc.rows.n);
	free(c);
	free(cells);
	free(labels);
	free(v);
	tfree(&pc.book);
	tfree(&pc.rows);
}

static int cmd_report(struct args *a)
{
	static const char *const labels[PF_N] = {
		"Group", "Quote asset", "From", "To", "Days", "Capital", "PnL", "Total return",
		"Annualised return", "Volatility (annualised)", "Sharpe ratio", "Sortino ratio",
		"Max drawdown", "Max drawdown (fraction of peak)", "Max drawdown duration (days)",
		"Closing trades", "Win rate", "Profit factor", "Average win", "Average loss",
		"Exposure time (fraction)",
	};
	struct perf_ctx ctx;
	char c[PF_N][PF_W], sub[1000], title[600];
	const char *vals[PF_N];
	struct lyra_dec *eq, peak;
	double *y, *dd;
	FILE *f;

	if (!a->html)
		lyra_usage_error("report needs --html FILE");
	if (a->by)
		lyra_usage_error("report takes no --by");
	if (lyra_identity_require(store, &me, "pnl.read") != 0)
		lyra_die_last();
	perf_compute(a, &ctx);
	perf_cells(&ctx, 0, c, &eq);
	y = calloc(ctx.nt + 1, sizeof *y);
	dd = calloc(ctx.nt + 1, sizeof *dd);
	if (!y || !dd)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	peak = ctx.nt ? eq[0] : lyra_dec_zero();
	for (size_t i = 0; i < ctx.nt; i++) {
		struct lyra_dec d;
		if (lyra_dec_cmp(eq[i], peak) > 0)
			peak = eq[i];
		y[i] = dec_to_double(eq[i]);
		if (lyra_dec_sub(eq[i], peak, &d))
			lyra_die_last();
		dd[i] = dec_to_double(d);
	}
	f = fopen(a->html, "w");
	if (!f)
		lyra_die(LYRA_EX_CANTCREAT, "cannot create '%s': %s", a->html, strerror(errno));
	snprintf(sub, sizeof sub, "Fills quoted in %s from %s to %s; daily closes at midnight %s.",
	         ctx.quote, c[PF_FROM], c[PF_TO], a->tz.name);
	lyra_html_begin(f, "lyra positions report", sub);
	lyra_html_section(f, "Performance", "Equity is the capital plus the PnL (realised and"
	                  " unrealised, after fees) since the start; statistics of the daily returns,"
	                  " annualised over 365 days.");
	for (int i = 0; i < PF_N; i++)
		vals[i] = c[i];
	lyra_html_figures(f, "perf", perf_heads + 1, labels + 1, vals + 1, PF_N - 1);
	snprintf(title, sizeof title, "Equity, %s", ctx.quote);
	lyra_svg_line(f, title, y, ctx.nt, c[PF_FROM], c[PF_TO], ctx.quote, 0);
	snprintf(title, sizeof title, "Drawdown from the running peak, %s (max %s)", ctx.quote,
	         c[PF_MAX_DD]);
	lyra_svg_line(f, title, dd, ctx.nt, c[PF_FROM], c[PF_TO], ctx.quote, 1);
	report_months(f, a, &ctx);
	report_positions(f, &ctx);
	lyra_html_end(f);
	if (ferror(f) | fclose(f))
		lyra_die(LYRA_EX_IOERR, "cannot write '%s': %s", a->html, strerror(errno));
	lyra_note("report written to '%s'", a->html);
	free(y);
	free(dd);
	free(eq);
	perf_free(&ctx);
	return LYRA_EX_OK;
}

int main(int argc, char **argv)
{
	struct args a;
	const char *arg;
	int c, cmd = CMD_RUN, status, first = 0;

	memset(&a, 0, sizeof a);
	a.carried = a.fee = lyra_dec_zero();
	a.band = (struct lyra_dec){ 2, 2 };
	lyra_tz_parse("UTC", &a.tz);
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
			a.has_method = 1;
			break;
		case OPT_ENTITY:
			if (lyra_cgt_entity_parse(arg, &a.entity) != 0)
				lyra_usage_error("--entity: %s", lyra_error_msg());
			break;
		case OPT_RATES: a.rates = arg; break;
		case OPT_QUOTE: a.quote = arg; break;
		case OPT_CAPITAL:
			if (lyra_dec_parse_cstr(arg, &a.capital) != 0 || lyra_dec_sign(a.capital) <= 0)
				lyra_usage_error("--capital: '%s' is not a positive amount", arg);
			a.has_capital = 1;
			break;
		case OPT_RISK_FREE: {
			char *end;
			a.risk_free = strtod(arg, &end);
			if (end == arg || (*end && strcmp(end, "%") != 0) || a.risk_free < -1 ||
			    a.risk_free > 100)
				lyra_usage_error("--risk-free: '%s' is not a rate like 0.04 or 4%%", arg);
			if (*end == '%')
				a.risk_free /= 100;
			break;
		}
		case OPT_HTML: a.html = arg; break;
		case OPT_TZ:
			if (lyra_tz_parse(arg, &a.tz) != 0)
				lyra_usage_error("--tz: %s", lyra_error_msg());
			break;
		case OPT_FORCE: a.force = 1; break;
		case OPT_FEE:
			if (lyra_dec_parse_cstr(arg, &a.fee) != 0 || lyra_dec_sign(a.fee) < 0)
				lyra_usage_error("--fee: '%s' is not a non-negative amount", arg);
			break;
		case OPT_REF: a.ref = arg; break;
		case OPT_TARGET: a.target = arg; break;
		case OPT_BAND:
			if (parse_weight(arg, &a.band) != 0 || lyra_dec_sign(a.band) <= 0)
				lyra_usage_error("--band: '%s' is not a weight like 2%% or 0.02", arg);
			a.band_text = arg;
			break;
		case OPT_VENUE: a.venue = arg; break;
		case OPT_MARKS: a.marks = arg; break;
		case OPT_KEYS: a.keys = arg; break;
		case OPT_KEY_LABEL: a.key_label = arg; break;
		case OPT_ENDPOINT: a.endpoint = arg; break;
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
		const char *names[] = { "run", "show", "tax", "pnl", "perf", "report", "import" };
		const char *near = lyra_nearest(cli.argv[cli.optind], names, 7);
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
	} else if (cmd == CMD_RECONCILE) {
		if (cli.optind + 2 != cli.argc)
			lyra_usage_error("reconcile needs one VENUE");
	} else if (cmd != CMD_RUN && cmd != CMD_METHOD && cmd != CMD_LOTS && cmd != CMD_TRANSFER &&
	           cli.optind + first < cli.argc)
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
	case CMD_PERF: status = cmd_perf(&a); break;
	case CMD_REPORT: status = cmd_report(&a); break;
	case CMD_IMPORT: status = cmd_import(&a, cli.argv[cli.optind + 1]); break;
	case CMD_METHOD: status = cmd_method(&a, cli.argv + cli.optind + 1, cli.argc - cli.optind - 1); break;
	case CMD_LOTS: status = cmd_lots(cli.argv + cli.optind + 1, cli.argc - cli.optind - 1); break;
	case CMD_TRANSFER:
		status = cmd_transfer(&a, cli.argv + cli.optind + 1, cli.argc - cli.optind - 1);
		break;
	case CMD_REBALANCE: status = cmd_rebalance(&a); break;
	case CMD_RECONCILE: status = cmd_reconcile(&a, cli.argv[cli.optind + 1]); break;
	default:
		status = cmd_run(&a, cli.argv + cli.optind + first, cli.argc - cli.optind - first);
		break;
	}
	lyra_store_close(store);
	lyra_cli_release(&cli);
	return lyra_cli_finish(status);
}
