/* oms: the order management system. As a filter it takes `order` and `cancel` records, stores
 * each order (one transaction, audited) before anything is sent, executes it on the paper venue
 * (a matching engine fed by the market data in the same stream) or on a live venue (signed
 * private REST), and writes the `order_event` and `fill` records that follow; every other
 * record passes through in order. Outside the pipe it lists, shows and cancels stored orders,
 * recovers after a crash (asking the venue about every order whose outcome is not known) and
 * reconciles the store with a venue. `oms sign` shows the exact signed request it would send. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "apikey.h"
#include "audit.h"
#include "cli.h"
#include "clock.h"
#include "error.h"
#include "identity.h"
#include "markets.h"
#include "metrics.h"
#include "ndjson.h"
#include "orders.h"
#include "paper.h"
#include "route.h"
#include "fees.h"
#include "book.h"
#include "record.h"
#include "risk.h"
#include "sign.h"
#include "store.h"
#include "table.h"
#include "trade.h"
#include "userstream.h"
#include "vault.h"
#include "venuekey.h"

enum { CMD_RUN, CMD_LIST, CMD_SHOW, CMD_CANCEL, CMD_CANCEL_ALL, CMD_RECOVER, CMD_RECONCILE,
       CMD_SIGN };

static const struct lyra_subcmd cmds[] = {
	[CMD_RUN] = { "run", "--venue paper|VENUE [FILE...]",
	              "filter: orders and cancels in, order events and fills out (the default)" },
	[CMD_LIST] = { "list", "[--venue V] [--symbol S] [--open] [--parent P]",
	               "stored orders, oldest first" },
	[CMD_SHOW] = { "show", "ID", "one order with its events and fills" },
	[CMD_CANCEL] = { "cancel", "ID", "cancel one open order (paper: in the store; live: at the venue)" },
	[CMD_CANCEL_ALL] = { "cancel-all", "[--venue V] [--symbol S]", "cancel every open order" },
	[CMD_RECOVER] = { "recover", "[--venue V]",
	                  "after a crash: settle every order whose outcome is not known" },
	[CMD_RECONCILE] = { "reconcile", "VENUE [--since T] [--apply]",
	                    "compare open orders, fills and balances with the venue" },
	[CMD_SIGN] = { "sign", "VENUE --method M --path P --keys FILE ...",
	               "print the signed request oms would send, without sending it" },
	{ NULL, NULL, NULL },
};

enum {
	OPT_VENUE = 256, OPT_BOOK_VENUE, OPT_LATENCY, OPT_MAKER_FEE, OPT_TAKER_FEE, OPT_KEYS,
	OPT_ENDPOINT, OPT_TESTNET, OPT_DRY_RUN, OPT_UNBUFFERED, OPT_POLL, OPT_BATCH, OPT_SYMBOL,
	OPT_OPEN, OPT_PARENT, OPT_FORMAT, OPT_SINCE, OPT_APPLY, OPT_METHOD, OPT_PATH, OPT_QUERY,
	OPT_BODY, OPT_TIMESTAMP, OPT_NONCE, OPT_TIMEOUT, OPT_SPLIT, OPT_ROUTE_VENUES, OPT_FEES, OPT_KEY_LABEL,
	OPT_WS_ENDPOINT, OPT_NO_USER_STREAM, OPT_RESYNC,
};

static const struct lyra_opt opts[] = {
	{ "venue", OPT_VENUE, "V", "run: paper, auto (route) or a live venue; list, cancel-all, recover: filter" },
	{ "split", OPT_SPLIT, NULL, "auto: split an order across venues, cheapest levels first" },
	{ "route-venues", OPT_ROUTE_VENUES, "LIST", "auto: only these venues (comma-separated)" },
	{ "fees", OPT_FEES, "FILE", "auto: taker fees file (VENUE SYMBOL TAKER [MAKER] per line)" },
	{ "book-venue", OPT_BOOK_VENUE, "V", "paper: fill against this venue's books only" },
	{ "latency", OPT_LATENCY, "D", "paper: time from an order to the book (default 0)" },
	{ "maker-fee", OPT_MAKER_FEE, "RATE", "paper: maker fee until a market record says (0.001)" },
	{ "taker-fee", OPT_TAKER_FEE, "RATE", "paper: taker fee until a market record says (0.001)" },
	{ "keys", OPT_KEYS, "FILE", "live, sign: API key file (JSON, mode 0600) instead of the vault" },
	{ "key-label", OPT_KEY_LABEL, "L", "live: the vault's key for the venue with this label (main)" },
	{ "endpoint", OPT_ENDPOINT, "URL", "live, sign: the venue's REST base (testnet, a fake)" },
	{ "testnet", OPT_TESTNET, NULL, "live: the venue's documented testnet" },
	{ "dry-run", OPT_DRY_RUN, NULL, "live: print each signed request instead of sending it" },
	{ "timeout", OPT_TIMEOUT, "D", "live: how long to wait for the venue's answer (10s)" },
	{ "ws-endpoint", OPT_WS_ENDPOINT, "URL", "run, live: the venue's private WebSocket (a fake)" },
	{ "no-user-stream", OPT_NO_USER_STREAM, NULL, "run, live: order updates by REST polling only" },
	{ "resync", OPT_RESYNC, "D", "run, live: REST check of open orders while the user stream is up (60s)" },
	{ "unbuffered", OPT_UNBUFFERED, NULL, "run: flush after every record" },
	{ "poll", OPT_POLL, "D", "run: how often to look for halts, cancels and live fills (200ms)" },
	{ "batch", OPT_BATCH, "N", "run: records per store transaction on file input (1024)" },
	{ "symbol", OPT_SYMBOL, "S", "list, cancel-all, reconcile: only this symbol" },
	{ "open", OPT_OPEN, NULL, "list: only orders that are not final" },
	{ "parent", OPT_PARENT, "ID", "list: only children of this parent" },
	{ "format", OPT_FORMAT, "FMT", "list, show: table (default), csv or ndjson" },
	{ "since", OPT_SINCE, "T", "reconcile: fills since T (default: 24 h ago)" },
	{ "apply", OPT_APPLY, NULL, "reconcile: fix the store from the venue (audited)" },
	{ "method", OPT_METHOD, "M", "sign: HTTP method" },
	{ "path", OPT_PATH, "P", "sign: request path" },
	{ "query", OPT_QUERY, "Q", "sign: query string without '?'" },
	{ "body", OPT_BODY, "B", "sign: request body" },
	{ "timestamp", OPT_TIMESTAMP, "T", "sign: timestamp in the venue's form (default now)" },
	{ "nonce", OPT_NONCE, "N", "sign: nonce (default fresh)" },
	{ NULL, 0, NULL, NULL },
};

static const char *const usage[] = {
	"[run] --venue paper|VENUE [--book-venue V] [--latency D] [--keys FILE] [FILE...]",
	"[run] --venue auto [--split] [--route-venues LIST] [--fees FILE] [FILE...]",
	"list [--venue V] [--symbol S] [--open] [--parent ID] [--format table|csv|ndjson]",
	"show ID [--format table|ndjson]",
	"cancel ID | cancel-all [--venue V] [--symbol S]",
	"recover [--venue V] [--keys FILE]",
	"reconcile VENUE [--since T] [--apply] [--keys FILE]",
	"sign VENUE --method M --path P [--query Q] [--body B] [--timestamp T] [--nonce N] --keys FILE",
	NULL,
};

static const struct lyra_cli_spec spec = {
	"oms", "Order lifecycle on the paper venue and live venues; recovery and reconciliation.",
	usage, cmds, opts,
};

struct args {
	const char *venue, *book_venue, *keys, *endpoint, *symbol, *parent;
	const char *method, *path, *query, *body, *timestamp, *nonce;
	int testnet, dry_run, unbuffered, open, apply, split, no_user_stream;
	const char *route_venues, *fees, *key_label, *ws_endpoint;
	int64_t latency, poll, since, timeout, resync;
	long batch;
	struct lyra_dec maker_fee, taker_fee;
	enum lyra_format format;
};

static struct lyra_cli cli;
static struct lyra_store *store;
static struct lyra_identity me;

static void require(const char *perm)
{
	if (lyra_identity_require(store, &me, perm) != 0)
		lyra_die_last();
}

/* How often a live run asks the venue by REST about its open orders while its input is idle
 * and no user stream is up (a venue without one, or while it reconnects); with the stream up
 * the REST check runs every --resync (60 s) as a safety net. */
#define OMS_VENUE_POLL_US (2 * LYRA_US_PER_SEC)


static int is_market_data(const char *t, size_t n)
{
	return lyra_type_is(t, n, "book") || lyra_type_is(t, n, "book_delta") ||
	       lyra_type_is(t, n, "bbo") || lyra_type_is(t, n, "trade") ||
	       lyra_type_is(t, n, "market");
}


/* ---- the output held back until the store has committed what it acknowledges ---- */

struct outbuf {
	char *buf;
	size_t len, cap;
};

static void out_add(struct outbuf *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t ncap = o->cap ? o->cap : 65536;
		while (ncap < o->len + n + 1)
			ncap *= 2;
		char *nb = realloc(o->buf, ncap);
		if (!nb)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		o->buf = nb;
		o->cap = ncap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len++] = '\n';
}

static void out_add_json(struct outbuf *o, const json_t *rec)
{
	char *s = lyra_record_dump(rec);
	if (!s)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	out_add(o, s, strlen(s));
	free(s);
}

static void out_flush(struct outbuf *o)
{
	size_t start = 0;
	for (size_t i = 0; i < o->len; i++) {
		if (o->buf[i] == '\n') {
			if (lyra_out_raw(o->buf + start, i - start) != 0)
				lyra_die_last();
			start = i + 1;
		}
	}
	o->len = 0;
	if (lyra_out_flush() != 0)
		lyra_die_last();
}

/* ---- the filter ---- */

struct run {
	const struct args *a;
	int paper;
	struct lyra_paper *engine;
	struct lyra_trade *trade;
	struct lyra_api_key key;
	struct outbuf out;
	int in_tx;
	long pending;               /* input records since the last commit */
	enum lyra_risk_state state;
	char state_reason[256];
	int64_t last_poll, version, event_seq;
	int64_t last_ts;            /* the newest event time seen */
	int restoring;
	int64_t orders, fills, rejected, dup;
	/* paper: how far the market data went (ts, records at that ts), saved with every commit;
	 * after a restart with open orders, market data up to the saved mark is not matched again */
	int64_t mark_ts, mark_n, saved_ts, saved_n, resume_ts, resume_n;
	int resume;
	/* live: the venue's private WebSocket (userstream.h) and the markets it names symbols by */
	struct lyra_userstream *us;
	int us_tried, markets_dirty;
	struct lyra_market_list markets;
	char us_filled[LYRA_ORDER_ID_MAX + 1];   /* the order the stream's last fill was for */
	int64_t last_venue_poll;
};

static void tx_begin(struct run *r)
{
	if (!r->in_tx) {
		if (lyra_store_begin(store) != 0)
			lyra_die_last();
		r->in_tx = 1;
	}
}

/* Commit everything done so far, then let the records it covers out. */
static void settle(struct run *r)
{
	/* while a restarted run is still passing the records the crashed run had matched, the
	 * stored mark stays where it was: saving the replay's position would move it back */
	if (r->paper && !r->resume && (r->mark_ts != r->saved_ts || r->mark_n != r->saved_n)) {
		char mark[48];
		snprintf(mark, sizeof mark, "%lld %lld", (long long)r->mark_ts, (long long)r->mark_n);
		tx_begin(r);
		if (lyra_store_meta_set(store, "oms.paper.mark", mark) != 0)
			lyra_die_last();
		r->saved_ts = r->mark_ts;
		r->saved_n = r->mark_n;
	}
	if (r->in_tx) {
		if (lyra_store_commit(store) != 0) {
			lyra_store_rollback(store);
			lyra_die_last();
		}
		r->in_tx = 0;
	}
	r->pending = 0;
	out_flush(&r->out);
}

/* Persist an event or a fill (inside the open transaction) and queue it for output; one that
 * the store already has (a duplicate fill, an event on a final order) is not written again. */
static int record_effect(struct run *r, json_t *rec)
{
	const char *type = lyra_json_get_str(rec, "type");
	int rc;
	tx_begin(r);
	if (type && strcmp(type, "fill") == 0) {
		rc = lyra_orders_fill(store, me.name, rec);
		if (rc == 0)
			r->fills++;
	} else {
		rc = lyra_orders_event(store, me.name, rec);
	}
	if (rc < 0)
		return -1;
	if (rc == 0 && !r->restoring)
		out_add_json(&r->out, rec);
	return 0;
}

static int paper_emit(void *ctx, json_t *rec)
{
	struct run *r = ctx;
	int rc = record_effect(r, rec);
	json_decref(rec);
	return rc;
}

static json_t *event_new(const char *id, const char *venue, const char *symbol,
                         const char *status, int64_t ts, const char *reason)
{
	json_t *ev = lyra_record_new("order_event", ts);
	if (!ev)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	lyra_json_set_str(ev, "id", id);
	lyra_json_set_str(ev, "venue", venue);
	lyra_json_set_str(ev, "symbol", symbol);
	lyra_json_set_str(ev, "status", status);
	if (reason)
		lyra_json_set_str(ev, "reason", reason);
	return ev;
}

/* An answer that concerns no stored order (an id taken by another order, a cancel of an
 * unknown order): data on stdout, nothing stored. */
static void refuse(struct run *r, const char *type, const json_t *rec, int64_t ts,
                   const char *reason)
{
	json_t *o = lyra_record_new(type, ts);
	if (!o)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	lyra_json_set_str(o, "id", lyra_json_get_str(rec, "id"));
	lyra_json_set_str(o, "venue", r->paper ? "paper" : r->a->venue);
	if (strcmp(type, "order_event") == 0) {
		const char *sym = lyra_json_get_str(rec, "symbol");
		lyra_json_set_str(o, "symbol", sym ? sym : "");
		lyra_json_set_str(o, "status", "rejected");
	}
	lyra_json_set_str(o, "reason", reason);
	out_add_json(&r->out, o);
	json_decref(o);
	r->rejected++;
}

/* The trading state every process sees; read at start and whenever another process commits. */
static void poll_store(struct run *r, int force)
{
	int64_t now = lyra_mono_us();
	if (!force && now - r->last_poll < r->a->poll)
		return;
	r->last_poll = now;
	int64_t v = lyra_risk_store_version(store);
	if (v < 0)
		lyra_die_last();
	if (!force && v == r->version)
		return;
	r->version = v;
	if (lyra_risk_state_get(store, &r->state, r->state_reason, sizeof r->state_reason, NULL) != 0)
		lyra_die_last();
	if (!r->paper || !r->engine)
		return;
	/* orders finished from outside (oms cancel): take them off the paper book */
	sqlite3_stmt *s = lyra_store_prepare(store,
		"SELECT e.seq, e.id, e.ts, e.line FROM order_events e JOIN orders o ON o.id = e.id "
		"WHERE e.seq > ?1 AND o.venue = 'paper' AND e.status IN ('cancelled', 'expired') "
		"ORDER BY e.seq");
	if (!s)
		lyra_die_last();
	sqlite3_bind_int64(s, 1, r->event_seq);
	while (sqlite3_step(s) == SQLITE_ROW) {
		r->event_seq = sqlite3_column_int64(s, 0);
		r->restoring = 1;   /* the store already has the cancel: no second event */
		int rc = lyra_paper_cancel(r->engine, (const char *)sqlite3_column_text(s, 1),
		                           sqlite3_column_int64(s, 2));
		r->restoring = 0;
		/* the stream learns of it too, as stored */
		if (rc == 0)
			out_add(&r->out, (const char *)sqlite3_column_text(s, 3),
			        (size_t)sqlite3_column_bytes(s, 3));
	}
	sqlite3_finalize(s);
}

static int64_t max_event_seq(void)
{
	sqlite3_stmt *s = lyra_store_prepare(store, "SELECT coalesce(max(seq), 0) FROM order_events");
	int64_t v = 0;
	if (!s)
		lyra_die_last();
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int64_t fill_count(const char *id)
{
	sqlite3_stmt *s = lyra_store_cached(store, "SELECT count(*) FROM order_fills WHERE id = ?1");
	int64_t n = 0;
	if (!s)
		lyra_die_last();
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

/* Paper orders still open in the store go back on the engine's book. */
static int restore_one(void *ctx, const struct lyra_order_row *row)
{
	struct run *r = ctx;
	char why[256];
	json_t *o = lyra_record_parse(row->line, strlen(row->line), why, sizeof why);
	if (!o || lyra_order_validate(o) != 0) {
		lyra_warn("cannot restore order %s: %s", row->id, o ? lyra_error_msg() : why);
		json_decref(o);
		return 0;
	}
	/* its history so far, so ids, trade ids and the average price carry on */
	if (*row->venue_order_id)
		lyra_json_set_str(o, "venue_order_id", row->venue_order_id);
	if (*row->book_venue)
		lyra_json_set_str(o, "book_venue", row->book_venue);
	if (!lyra_dec_is_zero(row->filled_qty))
		lyra_json_set_dec(o, "avg_px", lyra_order_avg_px(row));
	lyra_json_set_int(o, "fill_count", fill_count(row->id));
	if (row->has_px)
		lyra_json_set_dec(o, "px", row->px);      /* amended values */
	lyra_json_set_dec(o, "qty", row->qty);
	if (strcmp(row->status, "new") == 0) {
		if (lyra_paper_submit(r->engine, o) != 0)
			lyra_warn("cannot resubmit order %s: %s", row->id, lyra_error_msg());
	} else {
		r->restoring = 1;
		if (lyra_paper_restore(r->engine, o, row->filled_qty) != 0)
			lyra_warn("cannot restore order %s: %s", row->id, lyra_error_msg());
		r->restoring = 0;
	}
	json_decref(o);
	return 0;
}

/* ---- live venues ---- */

static int dry_run_print(void *ctx, json_t *rec)
{
	struct run *r = ctx;
	out_add_json(&r->out, rec);
	json_decref(rec);
	return 0;
}

static const char *market_endpoint;   /* --endpoint: where markets are fetched from too */

/* The venue's rules for symbol (symbol mapping, tick, lot), from the cache mdfeed keeps (a day
 * old at most) or fetched. */
static int market_for(const char *venue, const char *symbol, struct lyra_market *m)
{
	const struct lyra_venue *v = lyra_venue_find(venue);
	if (!v)
		return -1;
	return lyra_markets_get(store, v, market_endpoint, me.name, 86400 * LYRA_US_PER_SEC, symbol, m);
}

static json_t *venue_order_event(const struct lyra_venue_order *vo, const char *venue,
                                 int64_t ts)
{
	json_t *ev = event_new(vo->id, venue, vo->symbol, vo->status, ts, NULL);
	if (*vo->venue_order_id)
		lyra_json_set_str(ev, "venue_order_id", vo->venue_order_id);
	lyra_json_set_dec(ev, "filled_qty", vo->filled_qty);
	if (!lyra_dec_is_zero(vo->filled_qty))
		lyra_json_set_dec(ev, "avg_px", vo->avg_px);
	return ev;
}

static json_t *venue_fill_record(const struct lyra_venue_fill *f, const char *venue,
                                 const char *id)
{
	json_t *rec = lyra_record_new("fill", f->ts);
	if (!rec)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	lyra_json_set_str(rec, "id", id);
	lyra_json_set_str(rec, "venue", venue);
	lyra_json_set_str(rec, "symbol", f->symbol);
	lyra_json_set_str(rec, "side", f->side);
	lyra_json_set_dec(rec, "px", f->px);
	lyra_json_set_dec(rec, "qty", f->qty);
	lyra_json_set_dec(rec, "fee", f->fee);
	lyra_json_set_str(rec, "fee_ccy", f->fee_ccy);
	lyra_json_set_str(rec, "liquidity", f->liquidity);
	lyra_json_set_str(rec, "trade_id", f->trade_id);
	if (*f->venue_order_id)
		lyra_json_set_str(rec, "venue_order_id", f->venue_order_id);
	return rec;
}

/* Fills of one order from the venue's trade history, applied once each. */
struct fill_sync {
	struct run *r;
	const struct lyra_order_row *row;
	int failed;
};

static int fill_sync_one(void *ctx, const struct lyra_venue_fill *f)
{
	struct fill_sync *fs = ctx;
	if (strcmp(f->id, fs->row->id) != 0 &&
	    (!*fs->row->venue_order_id || strcmp(f->venue_order_id, fs->row->venue_order_id) != 0))
		return 0;
	json_t *rec = venue_fill_record(f, fs->row->venue, fs->row->id);
	if (record_effect(fs->r, rec) != 0) {
		lyra_warn("%s", lyra_error_msg());
		fs->failed = 1;
	}
	json_decref(rec);
	return 0;
}

/* Whether the venue's view vo of an order says anything the store did not have before this
 * update (pre: the row as it was; filled: a fill was just applied). */
static int order_changed(const struct lyra_order_row *pre, const struct lyra_venue_order *vo,
                         int filled)
{
	if (filled || lyra_dec_cmp(vo->filled_qty, pre->filled_qty) != 0)
		return 1;
	if (lyra_order_status_final(pre->status))
		return 0;
	if (strcmp(vo->status, "acked") == 0 || strcmp(vo->status, "new") == 0)
		return strcmp(pre->status, "new") == 0;
	return strcmp(vo->status, pre->status) != 0;
}

/* The venue's view of a stored order, from a REST answer or a user-stream event, as an
 * order_event (its fills were applied first); with only_changes, only when it is news. */
static int apply_venue_order(struct run *r, const struct lyra_order_row *pre,
                             const struct lyra_venue_order *vo, int64_t ts, int only_changes,
                             int filled)
{
	if (only_changes && !order_changed(pre, vo, filled))
		return 0;
	json_t *ev = venue_order_event(vo, pre->venue, ts);
	/* filled/partially_filled follow from the fills just applied */
	int rc = record_effect(r, ev);
	json_decref(ev);
	return rc;
}

/* Bring one stored order up to date from the venue: its status and its fills. Returns 0, or
 * -1 when the venue could not be asked (the order stays as it is). only_changes: no event when
 * the venue says what the store has (the idle poll). */
static int sync_order(struct run *r, const struct lyra_order_row *row, int settle_unknown,
                      int only_changes)
{
	struct lyra_market m;
	struct lyra_venue_order vo;
	struct lyra_trade_error err = { 0 };
	if (market_for(row->venue, row->symbol, &m) != 0)
		return -1;
	int rc = lyra_trade_query(r->trade, &m, row->id, &vo, &err);
	if (rc < 0)
		return -1;
	int64_t now = lyra_time_now_us();
	if (rc == 1) {
		if (err.kind == LYRA_TE_UNKNOWN_ORDER && settle_unknown &&
		    strcmp(row->status, "new") == 0) {
			json_t *ev = event_new(row->id, row->venue, row->symbol, "rejected", now,
			                       "never reached the venue (found by recover)");
			rc = record_effect(r, ev);
			json_decref(ev);
			return rc;
		}
		return lyra_error(LYRA_EX_UNAVAILABLE, "%s: order %s: %s", row->venue, row->id,
		                  err.message);
	}
	if (lyra_dec_cmp(vo.filled_qty, row->filled_qty) > 0) {
		/* the venue's trades may name only its own order id, which the store may not have yet */
		struct lyra_order_row known = *row;
		if (*vo.venue_order_id)
			snprintf(known.venue_order_id, sizeof known.venue_order_id, "%s", vo.venue_order_id);
		struct fill_sync fs = { r, &known, 0 };
		int64_t since = row->created_ts - 60 * LYRA_US_PER_SEC;
		if (lyra_trade_fills(r->trade, &m, since, fill_sync_one, &fs, &err) < 0 || fs.failed)
			return -1;
	}
	return apply_venue_order(r, row, &vo, vo.ts ? vo.ts : now, only_changes, 0);
}

/* ---- the user stream: the venue's order and execution events, applied like the REST answers
 * above (a fill the store has, by venue and trade id, is not stored or written again) ---- */

struct by_voi {
	const char *voi;
	char id[LYRA_ORDER_ID_MAX + 1];
};

static int by_voi_one(void *ctx, const struct lyra_order_row *row)
{
	struct by_voi *b = ctx;
	if (strcmp(row->venue_order_id, b->voi) != 0)
		return 0;
	snprintf(b->id, sizeof b->id, "%s", row->id);
	return 1;
}

/* The stored live order an event of this run's venue is about, by client order id or, when
 * the event names none the store knows (Coinbase and Bitfinex client ids made from lyra ids),
 * among the venue's open orders by the venue's order id; 0, or 1 when it is none of ours (an
 * order placed elsewhere: `oms reconcile` reports those). */
static int stream_row(struct run *r, const char *id, const char *voi, struct lyra_order_row *row)
{
	int rc = *id ? lyra_orders_get(store, id, row) : 1;
	if (rc < 0)
		lyra_die_last();
	if (rc == 0 && strcmp(row->venue, r->a->venue) != 0) {
		lyra_order_row_release(row);
		rc = 1;
	}
	if (rc == 1 && voi && *voi) {
		struct lyra_order_filter f = { .venue = r->a->venue, .open_only = 1 };
		struct by_voi b = { voi, "" };
		/* each() says -1 both on an error and when by_voi_one stopped it at the match */
		if (lyra_orders_each(store, &f, by_voi_one, &b) < 0 && !*b.id)
			lyra_die_last();
		if (*b.id && (rc = lyra_orders_get(store, b.id, row)) < 0)
			lyra_die_last();
	}
	if (rc == 1)
		lyra_debug("%s: user stream: order '%s' is not in the store for this venue", r->a->venue,
		           id);
	return rc;
}

static int stream_fill(void *ctx, const struct lyra_venue_fill *f)
{
	struct run *r = ctx;
	struct lyra_order_row row;
	if (stream_row(r, f->id, f->venue_order_id, &row) != 0)
		return 0;
	struct lyra_venue_fill uf = *f;
	snprintf(uf.id, sizeof uf.id, "%.*s", (int)sizeof uf.id - 1, row.id);
	snprintf(uf.symbol, sizeof uf.symbol, "%s", row.symbol);
	struct fill_sync fs = { r, &row, 0 };
	int64_t before = r->fills;
	fill_sync_one(&fs, &uf);
	if (r->fills > before)   /* news, not a fill the store already had */
		snprintf(r->us_filled, sizeof r->us_filled, "%s", row.id);
	lyra_order_row_release(&row);
	return 0;
}

static int stream_order(void *ctx, const struct lyra_venue_order *vo)
{
	struct run *r = ctx;
	struct lyra_order_row row;
	if (stream_row(r, vo->id, vo->venue_order_id, &row) != 0) {
		r->us_filled[0] = '\0';
		return 0;
	}
	int filled = strcmp(r->us_filled, row.id) == 0;
	r->us_filled[0] = '\0';
	struct lyra_venue_order uo = *vo;
	snprintf(uo.id, sizeof uo.id, "%.*s", (int)sizeof uo.id - 1, row.id);
	snprintf(uo.symbol, sizeof uo.symbol, "%s", row.symbol);
	if (apply_venue_order(r, &row, &uo, vo->ts ? vo->ts : lyra_time_now_us(), 1, filled) != 0)
		lyra_warn("%s: user stream: order %s: %s", r->a->venue, row.id, lyra_error_msg());
	lyra_order_row_release(&row);
	return 0;
}

static void stream_log(void *ctx, const char *msg)
{
	(void)ctx;
	lyra_note("%s", msg);
}

static void live_place(struct run *r, const json_t *order, const char *id, const char *symbol)
{
	struct lyra_market m;
	struct lyra_venue_order vo;
	struct lyra_trade_error err = { 0 };
	int64_t now = lyra_time_now_us();
	json_t *ev;
	/* the intent is durable before a byte goes to the venue */
	settle(r);
	if (market_for(r->a->venue, symbol, &m) != 0) {
		ev = event_new(id, r->a->venue, symbol, "rejected", now, lyra_error_msg());
		goto done;
	}
	if (!lyra_trade_market_known(r->trade, m.venue_symbol))
		r->markets_dirty = 1;   /* the stream names orders by venue symbol: reload the cache */
	int rc = lyra_trade_place(r->trade, &m, order, &vo, &err);
	if (rc != 0 && err.kind == LYRA_TE_CLOCK) {
		/* refused for its timestamp, so provably not placed: measure the clock, try once more */
		int64_t off;
		struct lyra_trade_error cerr = { 0 };
		if (lyra_trade_sync_clock(r->trade, &off, &cerr) == 0) {
			lyra_note("%s: clock offset %lld ms; sending %s again", r->a->venue,
			          (long long)(off / 1000), id);
			memset(&err, 0, sizeof err);
			rc = lyra_trade_place(r->trade, &m, order, &vo, &err);
		}
	}
	if (r->a->dry_run) {
		ev = event_new(id, r->a->venue, symbol, "rejected", now, "dry run: not sent");
	} else if (rc == 0) {
		ev = venue_order_event(&vo, r->a->venue, now);
		if (!lyra_dec_is_zero(vo.filled_qty)) {
			struct lyra_order_row row;
			if (lyra_orders_get(store, id, &row) == 0) {
				struct fill_sync fs = { r, &row, 0 };
				snprintf(row.venue_order_id, sizeof row.venue_order_id, "%s",
				         vo.venue_order_id);
				if (lyra_trade_fills(r->trade, &m, now - 60 * LYRA_US_PER_SEC,
				                     fill_sync_one, &fs, &err) < 0)
					lyra_warn("%s: fills of %s not fetched yet: %s", r->a->venue, id,
					          err.message);
				lyra_order_row_release(&row);
			}
		}
	} else if (rc == 1) {
		char reason[400];
		snprintf(reason, sizeof reason, "%s: %s", lyra_trade_err_name(err.kind), err.message);
		ev = event_new(id, r->a->venue, symbol, "rejected", now, reason);
		if (*err.code)
			lyra_json_set_str(ev, "venue_code", err.code);
		lyra_json_set_str(ev, "error", lyra_trade_err_name(err.kind));
	} else {
		/* sent, outcome unknown: ask the venue by client order id before anything else */
		struct lyra_order_row row;
		lyra_warn("%s: order %s: outcome unknown (%s); asking the venue", r->a->venue, id,
		          err.message);
		if (lyra_orders_get(store, id, &row) == 0) {
			if (sync_order(r, &row, 0, 0) != 0)
				lyra_warn("%s: order %s stays 'new' until `oms recover`: %s", r->a->venue,
				          id, lyra_error_msg());
			lyra_order_row_release(&row);
		}
		return;
	}
done:
	if (record_effect(r, ev) != 0)
		lyra_die_last();
	json_decref(ev);
	settle(r);
}

struct live_poll {
	struct run *r;
};

static int live_poll_one(void *ctx, const struct lyra_order_row *row)
{
	struct live_poll *lp = ctx;
	if (sync_order(lp->r, row, 0, 1) != 0)
		lyra_debug("poll %s: %s", row->id, lyra_error_msg());
	return 0;
}

static void live_poll(struct run *r)
{
	struct lyra_order_filter f = { .venue = r->a->venue, .open_only = 1 };
	struct live_poll lp = { r };
	if (r->a->dry_run)
		return;
	if (lyra_orders_each(store, &f, live_poll_one, &lp) != 0)
		lyra_die_last();
	settle(r);
	r->last_venue_poll = lyra_mono_us();
}

/* The user stream, opened at the first idle moment of a live run (a run reading files never
 * connects): the venue's documented private WebSocket, or --ws-endpoint. A run whose REST goes
 * to --endpoint (a testnet or a fake) streams only from an explicit --ws-endpoint. */
static void stream_start(struct run *r)
{
	const struct args *a = r->a;
	if (a->no_user_stream)
		return;
	if (!lyra_userstream_supported(a->venue)) {
		lyra_debug("%s: no user stream here: order updates by REST polling every %d s",
		           a->venue, (int)(OMS_VENUE_POLL_US / LYRA_US_PER_SEC));
		return;
	}
	if (!a->ws_endpoint && a->endpoint) {
		lyra_note("%s: --endpoint without --ws-endpoint: order updates by REST polling",
		          a->venue);
		return;
	}
	struct lyra_userstream_opts o = { a->ws_endpoint, a->testnet, stream_order, stream_fill, r,
	                                  stream_log, r };
	r->us = lyra_userstream_new(r->trade, &o);
	if (!r->us)
		lyra_warn("%s (order updates by REST polling)", lyra_error_msg());
	r->markets_dirty = 1;
}

/* A live run with nothing to read: the user stream's events (a fresh connection first asks the
 * venue by REST about every open order, for what happened while it was down), then the REST
 * poll when due: every 2 s without a live stream, every --resync with one. */
static void live_idle(struct run *r)
{
	if (r->a->dry_run)
		return;
	if (!r->us_tried) {
		r->us_tried = 1;
		stream_start(r);
	}
	if (r->us) {
		if (r->markets_dirty) {
			lyra_market_list_release(&r->markets);
			memset(&r->markets, 0, sizeof r->markets);
			if (lyra_markets_load(store, r->a->venue, &r->markets) != 0)
				lyra_warn("%s", lyra_error_msg());
			lyra_trade_set_markets(r->trade, r->markets.m, r->markets.n);
			r->markets_dirty = 0;
		}
		int rc = lyra_userstream_service(r->us, 0);
		settle(r);
		if (rc == 1)
			live_poll(r);
	}
	int64_t every = lyra_userstream_up(r->us) ? r->a->resync : OMS_VENUE_POLL_US;
	if (lyra_mono_us() - r->last_venue_poll >= every)
		live_poll(r);
}

/* Wait up to ms for the next input line or, live, a user-stream message: 1 input is ready (or
 * ended), 0 not (yet). stdin_only: the input is standard input, so it can be polled beside the
 * stream's socket. */
static int wait_idle(struct run *r, struct lyra_ndjson_in *in, int ms, int stdin_only)
{
	int fd = lyra_userstream_fd(r->us);
	if (fd < 0)
		return lyra_ndjson_wait(in, ms);
	if (lyra_userstream_buffered(r->us))
		return 0;
	if (!stdin_only)
		return lyra_ndjson_wait(in, ms < 50 ? ms : 50);
	struct pollfd p[2] = { { 0, POLLIN, 0 }, { fd, POLLIN, 0 } };
	int n = poll(p, 2, ms);
	return n > 0 && p[0].revents ? 1 : 0;
}

/* ---- orders and cancels ---- */

static void handle_order(struct run *r, json_t *o, const struct lyra_line *line)
{
	const char *id = lyra_json_get_str(o, "id");
	const char *symbol = lyra_json_get_str(o, "symbol");
	const char *ovenue = lyra_json_get_str(o, "venue");
	const char *venue = r->paper ? "paper" : r->a->venue;
	const char *book_venue = "";
	int64_t ts;
	lyra_json_get_ts(o, "ts", &ts);
	if (r->paper) {
		book_venue = r->a->book_venue ? r->a->book_venue
		             : strcmp(ovenue, "paper") == 0 ? "" : ovenue;
	}
	tx_begin(r);
	int rc = lyra_orders_put(store, me.name, o, line->buf, line->len, venue, book_venue, ts);
	if (rc < 0)
		lyra_die_last();
	if (rc == 1) {
		r->dup++;
		lyra_debug("order %s is already stored: an idempotent resend, ignored", id);
		return;
	}
	if (rc == 2) {
		refuse(r, "order_event", o, ts, "client order id already used by a different order");
		return;
	}
	r->orders++;
	json_t *ev = event_new(id, venue, symbol, "new", ts, NULL);
	if (record_effect(r, ev) != 0)
		lyra_die_last();
	json_decref(ev);
	if (r->state == LYRA_RISK_HALTED) {
		char reason[320];
		snprintf(reason, sizeof reason, "trading halted: %s", r->state_reason);
		ev = event_new(id, venue, symbol, "rejected", ts, reason);
		if (record_effect(r, ev) != 0)
			lyra_die_last();
		json_decref(ev);
		r->rejected++;
		return;
	}
	if (r->paper) {
		if (lyra_paper_submit(r->engine, o) != 0)
			lyra_die_last();
	} else {
		live_place(r, o, id, symbol);
	}
}

static void handle_cancel(struct run *r, json_t *c)
{
	const char *id = lyra_json_get_str(c, "id");
	struct lyra_dec px, qty;
	int has_px, has_qty;
	int64_t ts;
	struct lyra_order_row row;
	lyra_json_get_ts(c, "ts", &ts);
	has_px = lyra_json_opt_dec(c, "px", &px) == 0;
	has_qty = lyra_json_opt_dec(c, "qty", &qty) == 0;
	int rc = lyra_orders_get(store, id, &row);
	if (rc < 0)
		lyra_die_last();
	if (rc == 1 || lyra_order_status_final(row.status)) {
		refuse(r, "cancel_reject", c, ts, rc == 1 ? "unknown order" : "order is final");
		if (rc == 0)
			lyra_order_row_release(&row);
		return;
	}
	if (r->paper) {
		tx_begin(r);
		rc = has_px || has_qty
		     ? lyra_paper_amend(r->engine, id, has_px ? &px : NULL, has_qty ? &qty : NULL, ts)
		     : lyra_paper_cancel(r->engine, id, ts);
		if (rc < 0)
			lyra_die_last();
		if (rc == 1)
			refuse(r, "cancel_reject", c, ts, "order is not open");
	} else {
		struct lyra_market m;
		struct lyra_venue_order vo;
		struct lyra_trade_error err = { 0 };
		settle(r);
		if (market_for(row.venue, row.symbol, &m) != 0) {
			refuse(r, "cancel_reject", c, ts, lyra_error_msg());
		} else {
			rc = has_px || has_qty
			     ? lyra_trade_amend(r->trade, &m, id, has_px ? &px : NULL,
			                        has_qty ? &qty : NULL, &vo, &err)
			     : lyra_trade_cancel(r->trade, &m, id, &vo, &err);
			if (rc == 0) {
				json_t *ev = venue_order_event(&vo, row.venue, lyra_time_now_us());
				if (record_effect(r, ev) != 0)
					lyra_die_last();
				json_decref(ev);
			} else {
				char reason[400];
				snprintf(reason, sizeof reason, "%s: %s", lyra_trade_err_name(err.kind),
				         err.message);
				refuse(r, "cancel_reject", c, ts, reason);
			}
		}
		settle(r);
	}
	lyra_order_row_release(&row);
}

static void open_trade(struct run *r, const struct args *a, const char *venue)
{
	struct lyra_trade_opts to = { 0 };
	/* a key file, or the vault (auth key add): unlocked with the master secret, the read audited */
	if ((a->keys || !a->dry_run || store) &&
	    lyra_venuekey_load(store, &me, venue, a->key_label, a->keys, &r->key) != 0)
		lyra_die_last();
	to.venue = venue;
	to.base_url = a->endpoint;
	to.testnet = a->testnet;
	to.key = &r->key;
	to.dry_run = a->dry_run;
	to.dry_run_cb = dry_run_print;
	to.dry_run_ctx = r;
	to.timeout_ms = (int)(a->timeout / 1000);
	r->trade = lyra_trade_new(&to);
	if (!r->trade)
		lyra_die_last();
	if (!a->dry_run) {
		int64_t off;
		struct lyra_trade_error err = { 0 };
		if (lyra_trade_sync_clock(r->trade, &off, &err) != 0)
			lyra_warn("%s: cannot read the server clock: %s", venue,
			          *err.message ? err.message : lyra_error_msg());
		else
			lyra_debug("%s: clock offset %lld us", venue, (long long)off);
	}
}

/* Advance the market-data mark; 1 when a crashed run already matched this record. */
static int already_matched(struct run *r, const json_t *rec)
{
	int64_t ts;
	if (lyra_json_get_ts(rec, "ts", &ts) != 0)
		return 0;
	if (ts > r->mark_ts) {
		r->mark_ts = ts;
		r->mark_n = 0;
	}
	if (ts == r->mark_ts)
		r->mark_n++;
	if (!r->resume)
		return 0;
	if (ts < r->resume_ts || (ts == r->resume_ts && r->mark_n <= r->resume_n))
		return 1;
	r->resume = 0;
	return 0;
}

/* ---- routing: --venue auto ---- */

/* An order for venue "auto" becomes one order for the venue with the best all-in price for its
 * size, or with --split one per venue (ids ID.1, ID.2, ... in venue order, route_parent ID).
 * Nothing is stored: the orders go on to the oms that executes them. */
static void route_order(json_t *o, struct lyra_books *bs, const struct lyra_fees *fees,
                        const struct args *a, const char *const *venues)
{
	struct lyra_route_leg legs[LYRA_ROUTE_MAX_LEGS];
	struct lyra_dec qty, px;
	const char *id = lyra_json_get_str(o, "id"), *side = lyra_json_get_str(o, "side");
	int has_px = lyra_json_opt_dec(o, "px", &px) == 0;
	const char *kind = lyra_json_get_str(o, "kind");
	lyra_json_get_dec(o, "qty", &qty);
	struct lyra_route_req req = { lyra_json_get_str(o, "symbol"), strcmp(side, "buy") == 0, qty,
	                              has_px && strcmp(kind, "market") != 0 ? &px : NULL, venues,
	                              a->split, a->taker_fee };
	int n = lyra_route_plan(bs, fees, &req, legs);
	if (n < 0)
		lyra_die_last();
	if (n == 0 || (n > 1 && strlen(id) + 3 > LYRA_ORDER_ID_MAX)) {
		int64_t ts = 0;
		lyra_json_get_ts(o, "ts", &ts);
		json_t *rej = json_deep_copy(o);
		char lim[LYRA_DEC_STRLEN] = "";
		if (has_px)
			lyra_dec_format(px, lim);
		json_t *why = json_pack("{s:s, s:s, s:s, s:s}", "rule", "route", "scope", "symbol",
		                        "limit", lim,
		                        "value", n == 0 ? "no venue has liquidity for this order within its limit"
		                                        : "order id too long to split");
		if (!rej || !why)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		json_object_set_new(rej, "type", json_string("reject"));
		json_object_set_new(rej, "reasons", json_pack("[o]", why));
		if (lyra_out_json(rej) != 0)
			lyra_die_last();
		json_decref(rej);
		return;
	}
	for (int i = 0; i < n; i++) {
		json_t *c = json_deep_copy(o);
		if (!c)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		lyra_json_set_str(c, "venue", legs[i].venue);
		if (n > 1) {
			char cid[LYRA_ORDER_ID_MAX + 8];
			snprintf(cid, sizeof cid, "%s.%d", id, i + 1);
			lyra_json_set_str(c, "id", cid);
			lyra_json_set_dec(c, "qty", legs[i].qty);
			lyra_json_set_str(c, "route_parent", id);
		}
		if (lyra_out_json(c) != 0)
			lyra_die_last();
		json_decref(c);
	}
}

static int cmd_route(const struct args *a, char **ops, int nops)
{
	struct lyra_books *bs = lyra_books_new();
	struct lyra_fees *fees = lyra_fees_new();
	struct lyra_ndjson_in *in;
	struct lyra_line line;
	char why[256], *list = NULL;
	const char *venues[LYRA_ROUTE_MAX_LEGS + 1] = { NULL };
	int stop = 0, nv = 0;
	if (!bs || !fees)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	if (a->fees && lyra_fees_load(fees, a->fees) != 0)
		lyra_die_last();
	if (a->route_venues) {
		if (!(list = strdup(a->route_venues)))
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		for (char *save = NULL, *v = strtok_r(list, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
			if (!lyra_venue_find(v))
				lyra_usage_error("--route-venues: %s", lyra_error_msg());
			if (nv < LYRA_ROUTE_MAX_LEGS)
				venues[nv++] = v;
		}
	}
	in = lyra_ndjson_open("oms", ops, nops, cli.strict);
	if (!in)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	lyra_out_init(a->unbuffered || lyra_ndjson_live(ops, nops));
	while (!stop && lyra_ndjson_next(in, &line) == 1) {
		const char *t, *pwhy;
		size_t tlen;
		if (lyra_record_peek_type(line.buf, line.len, &t, &tlen, &pwhy) != 0) {
			stop = lyra_ndjson_reject(in, &line, "%s", pwhy) != 0;
			continue;
		}
		int order = lyra_type_is(t, tlen, "order");
		int md = lyra_type_is(t, tlen, "book") || lyra_type_is(t, tlen, "book_delta") ||
		         lyra_type_is(t, tlen, "bbo") || lyra_type_is(t, tlen, "gap") ||
		         lyra_type_is(t, tlen, "market");
		if (!order && !md) {
			if (lyra_out_raw(line.buf, line.len) != 0)
				lyra_die_last();
			continue;
		}
		json_t *rec = lyra_record_parse(line.buf, line.len, why, sizeof why);
		if (!rec) {
			stop = lyra_ndjson_reject(in, &line, "%s", why) != 0;
			continue;
		}
		const char *type = json_string_value(json_object_get(rec, "type"));
		if (md) {
			struct lyra_book *b;
			if (lyra_out_raw(line.buf, line.len) != 0)
				lyra_die_last();
			if (strcmp(type, "market") == 0) {
				struct lyra_dec tk, mk;
				const char *v = lyra_json_get_str(rec, "venue"), *sym = lyra_json_get_str(rec, "symbol");
				if (!v || !sym || lyra_json_get_dec(rec, "taker_fee", &tk) != 0 ||
				    lyra_json_get_dec(rec, "maker_fee", &mk) != 0 ||
				    lyra_fees_set_market(fees, v, sym, tk, mk) != 0)
					stop = lyra_ndjson_reject(in, &line, "market: %s", lyra_error_msg()) != 0;
			} else if (lyra_books_observe(bs, type, rec, &b, why, sizeof why) < 0) {
				stop = lyra_ndjson_reject(in, &line, "%s", why) != 0;
			}
		} else {
			const char *v = lyra_json_get_str(rec, "venue");
			if (!v || strcmp(v, "auto") != 0) {
				if (lyra_out_raw(line.buf, line.len) != 0)
					lyra_die_last();
			} else if (lyra_order_validate(rec) != 0) {
				stop = lyra_ndjson_reject(in, &line, "%s", lyra_error_msg()) != 0;
			} else {
				route_order(rec, bs, fees, a, nv ? venues : NULL);
			}
		}
		json_decref(rec);
	}
	if (lyra_out_flush() != 0)
		lyra_die_last();
	int status = lyra_ndjson_status(in);
	lyra_ndjson_close(in);
	lyra_books_free(bs);
	lyra_fees_free(fees);
	free(list);
	return status;
}

static int cmd_run(const struct args *a, char **ops, int nops)
{
	struct run r = { .a = a };
	struct lyra_ndjson_in *in;
	struct lyra_line line;
	int stop = 0, live, status;
	char why[256];

	if (!a->venue)
		lyra_usage_error("--venue paper|auto|VENUE is required");
	if (strcmp(a->venue, "auto") == 0)
		return cmd_route(a, ops, nops);
	r.paper = strcmp(a->venue, "paper") == 0;
	require("order.submit");
	poll_store(&r, 1);
	r.event_seq = max_event_seq();
	if (r.paper) {
		struct lyra_paper_opts po = { a->latency, a->maker_fee, a->taker_fee, a->book_venue };
		struct lyra_order_filter f = { .venue = "paper", .open_only = 1 };
		r.engine = lyra_paper_new(&po, paper_emit, &r);
		if (!r.engine)
			lyra_die_last();
		if (lyra_orders_each(store, &f, restore_one, &r) != 0)
			lyra_die_last();
		if (lyra_paper_open_count(r.engine) > 0) {
			char *mark = lyra_store_meta_get(store, "oms.paper.mark");
			long long mts = 0, mn = 0;
			if (mark && sscanf(mark, "%lld %lld", &mts, &mn) == 2) {
				r.resume = 1;
				r.resume_ts = mts;
				r.resume_n = mn;
			}
			free(mark);
			lyra_note("restored %d open paper orders from the store",
			          lyra_paper_open_count(r.engine));
		}
	} else {
		if (!lyra_venue_find(a->venue))
			lyra_die_last();
		open_trade(&r, a, a->venue);
	}
	in = lyra_ndjson_open("oms", ops, nops, cli.strict);
	if (!in)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	live = a->unbuffered || lyra_ndjson_live(ops, nops);
	lyra_out_init(live);
	r.last_venue_poll = lyra_mono_us();
	int stdin_only = lyra_ndjson_live(ops, nops);
	for (;;) {
		/* idle on a live stream: commit, then look at the store (halts, outside cancels) and,
		 * live, at the venue (its user stream, fills of open orders) while waiting */
		if (!stop && live && lyra_ndjson_would_block(in)) {
			settle(&r);
			poll_store(&r, 0);
			if (!r.paper)
				live_idle(&r);
			if (wait_idle(&r, in, (int)(a->poll / 1000), stdin_only) == 0)
				continue;
		}
		if (stop || lyra_ndjson_next(in, &line) != 1)
			break;
		const char *t, *pwhy;
		size_t tlen;
		r.pending++;
		if (lyra_record_peek_type(line.buf, line.len, &t, &tlen, &pwhy) != 0) {
			stop = lyra_ndjson_reject(in, &line, "%s", pwhy) != 0;
			continue;
		}
		int order = lyra_type_is(t, tlen, "order"), cancel = lyra_type_is(t, tlen, "cancel");
		int md = r.paper && is_market_data(t, tlen);
		if (!order && !cancel && !md) {
			out_add(&r.out, line.buf, line.len);
		} else {
			json_t *rec = lyra_record_parse(line.buf, line.len, why, sizeof why);
			if (!rec) {
				stop = lyra_ndjson_reject(in, &line, "%s", why) != 0;
				continue;
			}
			const char *v = lyra_json_get_str(rec, "venue");
			if (md) {
				out_add(&r.out, line.buf, line.len);
				/* what a crashed run already matched still rebuilds the books */
				lyra_paper_catch_up(r.engine, already_matched(&r, rec));
				if (lyra_paper_on_market(r.engine, (const char *)json_string_value(
				                         json_object_get(rec, "type")), rec) != 0)
					stop = lyra_ndjson_reject(in, &line, "%s", lyra_error_msg()) != 0;
			} else if (!v || (!r.paper && strcmp(v, a->venue) != 0)) {
				/* another stage's venue (oms --venue binance | oms --venue okx) */
				if (!v)
					stop = lyra_ndjson_reject(in, &line, "%s: missing 'venue'",
					                          order ? "order" : "cancel") != 0;
				else
					out_add(&r.out, line.buf, line.len);
			} else if (order && lyra_order_validate(rec) != 0) {
				stop = lyra_ndjson_reject(in, &line, "%s", lyra_error_msg()) != 0;
			} else if (order) {
				handle_order(&r, rec, &line);
			} else {
				handle_cancel(&r, rec);
			}
			json_decref(rec);
		}
		if (r.pending >= a->batch) {   /* a live stream settles when it waits, above */
			settle(&r);
			poll_store(&r, 0);
		}
	}
	settle(&r);
	status = lyra_ndjson_status(in);
	if (cli.metrics) {
		struct lyra_metrics *m = lyra_metrics_new("oms");
		if (!m)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		lyra_metrics_declare(m, "oms_orders_total", LYRA_METRIC_COUNTER, "orders stored");
		lyra_metrics_declare(m, "oms_fills_total", LYRA_METRIC_COUNTER, "fills stored");
		lyra_metrics_declare(m, "oms_refused_total", LYRA_METRIC_COUNTER,
		                     "orders and cancels refused (halted, id reuse, unknown order)");
		lyra_metrics_declare(m, "oms_duplicates_total", LYRA_METRIC_COUNTER,
		                     "orders already stored (idempotent resends)");
		lyra_metrics_declare(m, "oms_bad_records_total", LYRA_METRIC_COUNTER,
		                     "input lines rejected as error records");
		lyra_metrics_set_int(m, "oms_orders_total", NULL, r.orders);
		lyra_metrics_set_int(m, "oms_fills_total", NULL, r.fills);
		lyra_metrics_set_int(m, "oms_refused_total", NULL, r.rejected);
		lyra_metrics_set_int(m, "oms_duplicates_total", NULL, r.dup);
		lyra_metrics_set_int(m, "oms_bad_records_total", NULL,
		                     (int64_t)lyra_ndjson_rejected(in));
		if (r.us) {
			const struct lyra_userstream_stats *us = lyra_userstream_stats(r.us);
			lyra_metrics_declare(m, "oms_user_stream_connects_total", LYRA_METRIC_COUNTER,
			                     "user stream subscriptions that went live");
			lyra_metrics_declare(m, "oms_user_stream_drops_total", LYRA_METRIC_COUNTER,
			                     "live user stream connections lost");
			lyra_metrics_set_int(m, "oms_user_stream_connects_total", NULL, us->connects);
			lyra_metrics_set_int(m, "oms_user_stream_drops_total", NULL, us->drops);
		}
		if (lyra_metrics_write(m, cli.metrics) != 0) {
			lyra_warn("%s", lyra_error_msg());
			status = lyra_exit_merge(status, lyra_error_code());
		}
		lyra_metrics_free(m);
	}
	lyra_ndjson_close(in);
	lyra_paper_free(r.engine);
	lyra_userstream_free(r.us);
	lyra_market_list_release(&r.markets);
	lyra_trade_free(r.trade);
	lyra_api_key_wipe(&r.key);
	free(r.out.buf);
	return status;
}

/* ---- list, show ---- */

static const char *const list_heads[] = {
	"id", "venue", "symbol", "side", "kind", "px", "qty", "filled", "avg_px", "status", "parent",
};
#define NLIST (sizeof list_heads / sizeof list_heads[0])

/* An `order_status` record: type and ts (the last change) first, then the order. */
static json_t *status_record(const struct lyra_order_row *row)
{
	json_t *rec = lyra_record_new("order_status", row->updated_ts);
	json_t *o = lyra_order_row_json(row);
	if (!rec || !o || json_object_update(rec, o) != 0)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	json_decref(o);
	return rec;
}

struct lister {
	enum lyra_format format;
	struct lyra_table *table;
	long n;
};

static int list_one(void *ctx, const struct lyra_order_row *row)
{
	struct lister *l = ctx;
	char px[LYRA_DEC_STRLEN] = "", qty[LYRA_DEC_STRLEN], filled[LYRA_DEC_STRLEN];
	char avg[LYRA_DEC_STRLEN] = "";
	l->n++;
	if (l->format == LYRA_FMT_NDJSON) {
		json_t *o = status_record(row);
		if (lyra_out_json(o) != 0)
			lyra_die_last();
		json_decref(o);
		return 0;
	}
	if (row->has_px)
		lyra_dec_format(row->px, px);
	lyra_dec_format(row->qty, qty);
	lyra_dec_format(row->filled_qty, filled);
	if (!lyra_dec_is_zero(row->filled_qty))
		lyra_dec_format(lyra_order_avg_px(row), avg);
	const char *cells[NLIST] = { row->id, row->venue, row->symbol, row->side, row->kind, px, qty,
	                             filled, avg, row->status, row->parent };
	if (l->format == LYRA_FMT_CSV)
		return lyra_csv_row(stdout, cells, NLIST) != 0 ? -1 : 0;
	return lyra_table_add(l->table, cells) != 0 ? -1 : 0;
}

static int cmd_list(const struct args *a)
{
	struct lyra_order_filter f = { a->venue, a->symbol, a->parent, NULL, a->open, 0 };
	struct lister l = { a->format, NULL, 0 };
	require("order.read");
	lyra_out_init(0);
	if (a->format == LYRA_FMT_TABLE && !(l.table = lyra_table_new(list_heads, NLIST)))
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	if (a->format == LYRA_FMT_CSV && lyra_csv_row(stdout, list_heads, NLIST) != 0)
		lyra_die_last();
	if (lyra_orders_each(store, &f, list_one, &l) != 0)
		lyra_die_last();
	if (l.table) {
		if (l.n == 0)
			lyra_note("no orders");
		else if (lyra_table_print(l.table, stdout) != 0)
			lyra_die_last();
		lyra_table_free(l.table);
	}
	if (lyra_out_flush() != 0)
		lyra_die_last();
	return LYRA_EX_OK;
}

static int cmd_show(const struct args *a, const char *id)
{
	struct lyra_order_row row;
	require("order.read");
	int rc = lyra_orders_get(store, id, &row);
	if (rc < 0)
		lyra_die_last();
	if (rc == 1)
		lyra_die(LYRA_EX_NOINPUT, "no order '%s'", id);
	json_t *o = status_record(&row);
	json_t *events = json_array(), *fills = json_array();
	sqlite3_stmt *s = lyra_store_prepare(store,
		"SELECT line FROM order_events WHERE id = ?1 ORDER BY seq");
	sqlite3_stmt *f = lyra_store_prepare(store,
		"SELECT line FROM order_fills WHERE id = ?1 ORDER BY ts, rowid");
	if (!o || !events || !fills || !s || !f)
		lyra_die_last();
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(f, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(events, json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL));
	while (sqlite3_step(f) == SQLITE_ROW)
		json_array_append_new(fills, json_loads((const char *)sqlite3_column_text(f, 0), 0, NULL));
	sqlite3_finalize(s);
	sqlite3_finalize(f);
	lyra_out_init(0);
	if (a->format == LYRA_FMT_NDJSON) {
		json_object_set_new(o, "events", events);
		json_object_set_new(o, "fills", fills);
		if (lyra_out_json(o) != 0)
			lyra_die_last();
	} else {
		const char *keys[] = { "id", "venue", "book_venue", "symbol", "side", "kind", "tif",
		                       "px", "stop_px", "qty", "filled_qty", "avg_px", "status",
		                       "venue_order_id", "parent", "strategy", "reason" };
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			const json_t *v = json_object_get(o, keys[i]);
			if (json_is_string(v))
				printf("%-15s %s\n", keys[i], json_string_value(v));
		}
		char when[40];
		lyra_time_format(row.created_ts, when, sizeof when);
		printf("%-15s %s\n", "created", when);
		printf("\nevents:\n");
		size_t i;
		json_t *e;
		json_array_foreach(events, i, e) {
			int64_t ts = json_integer_value(json_object_get(e, "ts"));
			const json_t *reason = json_object_get(e, "reason");
			lyra_time_format(ts, when, sizeof when);
			printf("  %s  %s%s%s\n", when, json_string_value(json_object_get(e, "status")),
			       reason ? "  " : "", reason ? json_string_value(reason) : "");
		}
		printf("\nfills:\n");
		json_array_foreach(fills, i, e) {
			int64_t ts = json_integer_value(json_object_get(e, "ts"));
			lyra_time_format(ts, when, sizeof when);
			printf("  %s  %s @ %s  fee %s %s  %s  %s\n", when,
			       json_string_value(json_object_get(e, "qty")),
			       json_string_value(json_object_get(e, "px")),
			       json_string_value(json_object_get(e, "fee")),
			       json_string_value(json_object_get(e, "fee_ccy")),
			       json_string_value(json_object_get(e, "liquidity")),
			       json_string_value(json_object_get(e, "trade_id")));
		}
		json_decref(events);
		json_decref(fills);
	}
	json_decref(o);
	lyra_order_row_release(&row);
	if (lyra_out_flush() != 0)
		lyra_die_last();
	return LYRA_EX_OK;
}

/* ---- cancel, cancel-all ---- */

struct canceller {
	const struct args *a;
	struct run run;
	char trade_venue[24];       /* the venue run.trade talks to, "" before the first */
	long n, failed;
};

static int cancel_one(void *ctx, const struct lyra_order_row *row)
{
	struct canceller *c = ctx;
	int64_t now = lyra_time_now_us();
	if (lyra_order_status_final(row->status))
		return 0;
	if (strcmp(row->venue, "paper") == 0) {
		/* the paper venue lives in the running filter; it takes the order off its book when it
		 * sees the cancel in the store */
		json_t *ev = event_new(row->id, row->venue, row->symbol, "cancelled", now,
		                       "cancelled by oms cancel");
		if (record_effect(&c->run, ev) != 0)
			lyra_die_last();
		json_decref(ev);
		settle(&c->run);
		c->n++;
		return 0;
	}
	if (!c->run.trade || strcmp(c->trade_venue, row->venue) != 0) {
		lyra_trade_free(c->run.trade);
		lyra_api_key_wipe(&c->run.key);
		c->run.trade = NULL;
		snprintf(c->trade_venue, sizeof c->trade_venue, "%s", row->venue);
		open_trade(&c->run, c->a, c->trade_venue);
	}
	struct lyra_market m;
	struct lyra_venue_order vo;
	struct lyra_trade_error err = { 0 };
	if (market_for(row->venue, row->symbol, &m) != 0 ||
	    lyra_trade_cancel(c->run.trade, &m, row->id, &vo, &err) != 0) {
		lyra_warn("cannot cancel %s on %s: %s", row->id, row->venue,
		          *err.message ? err.message : lyra_error_msg());
		c->failed++;
		return 0;
	}
	json_t *ev = venue_order_event(&vo, row->venue, now);
	if (record_effect(&c->run, ev) != 0)
		lyra_die_last();
	json_decref(ev);
	settle(&c->run);
	c->n++;
	return 0;
}

static int cmd_cancel(const struct args *a, const char *id)
{
	struct canceller c = { a, { .a = a }, "", 0, 0 };
	require("order.cancel");
	lyra_out_init(1);
	if (id) {
		struct lyra_order_row row;
		int rc = lyra_orders_get(store, id, &row);
		if (rc < 0)
			lyra_die_last();
		if (rc == 1)
			lyra_die(LYRA_EX_NOINPUT, "no order '%s'", id);
		if (lyra_order_status_final(row.status)) {
			lyra_order_row_release(&row);
			lyra_die(LYRA_EX_DATAERR, "order '%s' is already %s", id, row.status);
		}
		cancel_one(&c, &row);
		lyra_order_row_release(&row);
	} else {
		struct lyra_order_filter f = { a->venue, a->symbol, NULL, NULL, 1, 0 };
		if (lyra_orders_each(store, &f, cancel_one, &c) != 0)
			lyra_die_last();
		lyra_note("cancelled %ld order%s", c.n, c.n == 1 ? "" : "s");
	}
	settle(&c.run);
	lyra_trade_free(c.run.trade);
	lyra_api_key_wipe(&c.run.key);
	free(c.run.out.buf);
	return c.failed ? LYRA_EX_UNAVAILABLE : LYRA_EX_OK;
}

/* ---- recover, reconcile ---- */

struct recoverer {
	struct run run;
	const char *venue;
	long checked, open_paper, failed;
};

static int recover_one(void *ctx, const struct lyra_order_row *row)
{
	struct recoverer *rc = ctx;
	if (strcmp(row->venue, "paper") == 0) {
		rc->open_paper++;
		return 0;
	}
	if (strcmp(row->venue, rc->venue) != 0)
		return 0;
	rc->checked++;
	if (sync_order(&rc->run, row, 1, 0) != 0) {
		lyra_warn("%s: order %s: %s", row->venue, row->id, lyra_error_msg());
		rc->failed++;
	}
	settle(&rc->run);
	return 0;
}

static int cmd_recover(const struct args *a)
{
	struct recoverer rc = { { .a = a }, NULL, 0, 0, 0 };
	struct lyra_order_filter f = { a->venue, NULL, NULL, NULL, 1, 0 };
	require("order.recover");
	lyra_out_init(1);
	if (a->venue && strcmp(a->venue, "paper") != 0) {
		rc.venue = a->venue;
		open_trade(&rc.run, a, a->venue);
	} else {
		rc.venue = "";
	}
	if (lyra_orders_each(store, &f, recover_one, &rc) != 0)
		lyra_die_last();
	settle(&rc.run);
	if (rc.open_paper)
		lyra_note("%ld open paper orders: the next `oms --venue paper` puts them back on the book",
		          rc.open_paper);
	if (rc.venue[0])
		lyra_note("%s: %ld open orders checked with the venue, %ld could not be",
		          rc.venue, rc.checked, rc.failed);
	if (rc.failed) {
		char reason[128];
		snprintf(reason, sizeof reason, "oms recover: %ld orders on %s not settled", rc.failed,
		         rc.venue);
		if (lyra_risk_state_set(store, me.name, LYRA_RISK_REDUCING, reason, 1) != 0)
			lyra_die_last();
	}
	lyra_trade_free(rc.run.trade);
	lyra_api_key_wipe(&rc.run.key);
	free(rc.run.out.buf);
	return rc.failed ? LYRA_EX_UNAVAILABLE : LYRA_EX_OK;
}

/* reconcile: the venue's open orders and fills against the store's */
struct recon {
	struct run *r;
	const struct args *a;
	long diffs;
	json_t *venue_open;        /* id -> status */
};

static void diff(struct recon *rc, const char *kind, const char *id, const char *store_v,
                 const char *venue_v)
{
	json_t *d = lyra_record_new("recon_diff", lyra_time_now_us());
	if (!d)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	lyra_json_set_str(d, "venue", rc->a->venue);
	lyra_json_set_str(d, "kind", kind);
	lyra_json_set_str(d, "id", id);
	lyra_json_set_str(d, "store", store_v);
	lyra_json_set_str(d, "venue_value", venue_v);
	out_add_json(&rc->r->out, d);
	json_decref(d);
	rc->diffs++;
}

static int recon_open(void *ctx, const struct lyra_venue_order *vo)
{
	struct recon *rc = ctx;
	struct lyra_order_row row;
	char f[LYRA_DEC_STRLEN], vf[LYRA_DEC_STRLEN];
	json_object_set_new(rc->venue_open, vo->id, json_string(vo->status));
	int got = lyra_orders_get(store, vo->id, &row);
	if (got < 0)
		return -1;
	if (got == 1) {
		diff(rc, "missing_in_store", vo->id, "", vo->status);
		return 0;
	}
	if (lyra_dec_cmp(row.filled_qty, vo->filled_qty) != 0) {
		lyra_dec_format(row.filled_qty, f);
		lyra_dec_format(vo->filled_qty, vf);
		diff(rc, "filled_qty", vo->id, f, vf);
		if (rc->a->apply && sync_order(rc->r, &row, 0, 0) != 0)
			lyra_warn("%s", lyra_error_msg());
	} else if (strcmp(row.status, vo->status) != 0 &&
	           !(strcmp(row.status, "new") == 0 && strcmp(vo->status, "acked") == 0)) {
		diff(rc, "status", vo->id, row.status, vo->status);
		if (rc->a->apply && sync_order(rc->r, &row, 0, 0) != 0)
			lyra_warn("%s", lyra_error_msg());
	}
	lyra_order_row_release(&row);
	return 0;
}

static int recon_store_open(void *ctx, const struct lyra_order_row *row)
{
	struct recon *rc = ctx;
	if (json_object_get(rc->venue_open, row->id))
		return 0;
	diff(rc, "missing_on_venue", row->id, row->status, "");
	if (rc->a->apply && sync_order(rc->r, row, 1, 0) != 0)
		lyra_warn("%s", lyra_error_msg());
	return 0;
}

static int recon_fill(void *ctx, const struct lyra_venue_fill *f)
{
	struct recon *rc = ctx;
	sqlite3_stmt *s = lyra_store_cached(store,
		"SELECT 1 FROM order_fills WHERE venue = ?1 AND trade_id = ?2");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, rc->a->venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, f->trade_id, -1, SQLITE_STATIC);
	int found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	if (found)
		return 0;
	diff(rc, "fill_missing", *f->id ? f->id : f->venue_order_id, "", f->trade_id);
	if (rc->a->apply && *f->id) {
		struct lyra_order_row row;
		if (lyra_orders_get(store, f->id, &row) == 0) {
			json_t *rec = venue_fill_record(f, rc->a->venue, f->id);
			if (record_effect(rc->r, rec) != 0)
				lyra_warn("%s", lyra_error_msg());
			json_decref(rec);
			lyra_order_row_release(&row);
		}
	}
	return 0;
}

/* Balances: the venue's totals against the last reconciled totals plus the store's fills since
 * (spot: a buy adds the base and spends the quote, a sell the reverse, fees in their currency).
 * The first reconcile of a venue records its balances as the base. */
struct bal_collect {
	json_t *venue;              /* asset -> [free, total] as strings */
};

static int bal_collect(void *ctx, const struct lyra_venue_balance *b)
{
	struct bal_collect *bc = ctx;
	char f[LYRA_DEC_STRLEN], t[LYRA_DEC_STRLEN];
	lyra_dec_format(b->free, f);
	lyra_dec_format(b->total, t);
	json_object_set_new(bc->venue, b->asset, json_pack("[ss]", f, t));
	return 0;
}

static void bal_add(json_t *exp, const char *asset, struct lyra_dec d)
{
	struct lyra_dec cur = lyra_dec_zero(), sum;
	const json_t *v = json_object_get(exp, asset);
	if (v)
		lyra_dec_parse_cstr(json_string_value(v), &cur);
	/* exact products carry many trailing zeros (px 8 dp x qty 8 dp): drop them first */
	if (lyra_dec_add(lyra_dec_normalize(cur), lyra_dec_normalize(d), &sum) != 0)
		lyra_die_last();
	sum = lyra_dec_normalize(sum);
	char b[LYRA_DEC_STRLEN];
	lyra_dec_format(sum, b);
	json_object_set_new(exp, asset, json_string(b));
}

static int64_t fills_mark(void)
{
	sqlite3_stmt *s = lyra_store_prepare(store, "SELECT coalesce(max(rowid), 0) FROM order_fills");
	int64_t v = 0;
	if (!s)
		lyra_die_last();
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void recon_balances(struct recon *rc, struct lyra_trade *tr, const char *venue)
{
	struct bal_collect bc = { json_object() };
	struct lyra_trade_error err = { 0 };
	json_t *exp = json_object();
	int64_t mark = -1;
	int balance_diffs = 0;
	if (lyra_trade_balances(tr, bal_collect, &bc, &err) != 0) {
		lyra_warn("%s: balances not compared: %s", venue,
		          *err.message ? err.message : lyra_error_msg());
		json_decref(bc.venue);
		json_decref(exp);
		return;
	}
	sqlite3_stmt *s = lyra_store_prepare(store,
		"SELECT asset, total, fills_mark FROM venue_balance WHERE venue = ?1");
	if (!s)
		lyra_die_last();
	sqlite3_bind_text(s, 1, venue, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW) {
		json_object_set_new(exp, (const char *)sqlite3_column_text(s, 0),
		                    json_string((const char *)sqlite3_column_text(s, 1)));
		mark = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	int first = mark < 0;
	if (!first) {
		s = lyra_store_prepare(store,
			"SELECT o.symbol, o.side, f.px, f.qty, f.fee, f.fee_ccy FROM order_fills f "
			"JOIN orders o ON o.id = f.id WHERE f.venue = ?1 AND f.rowid > ?2 ORDER BY f.rowid");
		if (!s)
			lyra_die_last();
		sqlite3_bind_text(s, 1, venue, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, mark);
		while (sqlite3_step(s) == SQLITE_ROW) {
			char base[32], quote[32];
			const char *sym = (const char *)sqlite3_column_text(s, 0);
			const char *slash = strchr(sym, '/');
			struct lyra_dec px, qty, fee, notional, neg;
			if (!slash || strchr(sym, ':'))
				continue;   /* perpetuals move margin, not these balances */
			snprintf(base, sizeof base, "%.*s", (int)(slash - sym), sym);
			snprintf(quote, sizeof quote, "%s", slash + 1);
			if (lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 2), &px) != 0 ||
			    lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 3), &qty) != 0 ||
			    lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 4), &fee) != 0 ||
			    lyra_dec_mul_exact(px, qty, &notional) != 0)
				lyra_die_last();
			int buy = strcmp((const char *)sqlite3_column_text(s, 1), "buy") == 0;
			if (buy) {
				bal_add(exp, base, qty);
				lyra_dec_neg(notional, &neg);
				bal_add(exp, quote, neg);
			} else {
				lyra_dec_neg(qty, &neg);
				bal_add(exp, base, neg);
				bal_add(exp, quote, notional);
			}
			lyra_dec_neg(fee, &neg);
			bal_add(exp, (const char *)sqlite3_column_text(s, 5), neg);
		}
		sqlite3_finalize(s);
		/* every asset either side knows: a missing one is zero */
		const char *asset;
		json_t *v;
		json_object_foreach(bc.venue, asset, v)
			if (!json_object_get(exp, asset))
				json_object_set_new(exp, asset, json_string("0"));
		json_object_foreach(exp, asset, v) {
			struct lyra_dec e, got = lyra_dec_zero();
			const json_t *vb = json_object_get(bc.venue, asset);
			lyra_dec_parse_cstr(json_string_value(v), &e);
			if (vb)
				lyra_dec_parse_cstr(json_string_value(json_array_get(vb, 1)), &got);
			if (lyra_dec_cmp(e, got) != 0) {
				char es[LYRA_DEC_STRLEN], gs[LYRA_DEC_STRLEN];
				lyra_dec_format(e, es);
				lyra_dec_format(got, gs);
				diff(rc, "balance", asset, es, gs);
				balance_diffs++;
			}
		}
	}
	/* the venue's balances as records, and (first time, clean, or applied) the new base */
	const char *asset;
	json_t *v;
	int64_t now = lyra_time_now_us();
	json_object_foreach(bc.venue, asset, v) {
		json_t *b = lyra_record_new("balance", now);
		lyra_json_set_str(b, "venue", venue);
		lyra_json_set_str(b, "asset", asset);
		lyra_json_set_str(b, "free", json_string_value(json_array_get(v, 0)));
		lyra_json_set_str(b, "total", json_string_value(json_array_get(v, 1)));
		out_add_json(&rc->r->out, b);
		json_decref(b);
	}
	if (first || !balance_diffs || rc->a->apply) {
		int64_t m = fills_mark();
		tx_begin(rc->r);
		sqlite3_stmt *d = lyra_store_prepare(store, "DELETE FROM venue_balance WHERE venue = ?1");
		sqlite3_stmt *ins = lyra_store_prepare(store,
			"INSERT INTO venue_balance (venue, asset, free, total, ts, fills_mark) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
		if (!d || !ins)
			lyra_die_last();
		sqlite3_bind_text(d, 1, venue, -1, SQLITE_STATIC);
		if (sqlite3_step(d) != SQLITE_DONE)
			lyra_die(LYRA_EX_IOERR, "cannot store balances");
		sqlite3_finalize(d);
		json_object_foreach(bc.venue, asset, v) {
			sqlite3_reset(ins);
			sqlite3_bind_text(ins, 1, venue, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 2, asset, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 3, json_string_value(json_array_get(v, 0)), -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 4, json_string_value(json_array_get(v, 1)), -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 5, now);
			sqlite3_bind_int64(ins, 6, m);
			if (sqlite3_step(ins) != SQLITE_DONE)
				lyra_die(LYRA_EX_IOERR, "cannot store balances");
		}
		sqlite3_finalize(ins);
		char object[64];
		snprintf(object, sizeof object, "venue:%s", venue);
		json_t *det = json_pack("{s:I, s:b}", "assets", (json_int_t)json_object_size(bc.venue),
		                        "first", first);
		if (lyra_audit_append(store, me.name, "order.balances", object, det) < 0)
			lyra_die_last();
		json_decref(det);
		settle(rc->r);
		if (first)
			lyra_note("%s: balances recorded as the base for the next reconcile", venue);
	}
	json_decref(bc.venue);
	json_decref(exp);
}

static int cmd_reconcile(const struct args *a, const char *venue)
{
	struct args va = *a;
	struct run r = { .a = &va };
	struct recon rc = { &r, &va, 0, json_object() };
	struct lyra_trade_error err = { 0 };
	struct lyra_market m, *mp = NULL;
	va.venue = venue;
	require(a->apply ? "order.recover" : "order.read");
	lyra_out_init(1);
	open_trade(&r, &va, venue);
	if (a->symbol) {
		if (market_for(venue, a->symbol, &m) != 0)
			lyra_die_last();
		mp = &m;
	}
	if (lyra_trade_open_orders(r.trade, mp, recon_open, &rc, &err) != 0)
		lyra_die(LYRA_EX_UNAVAILABLE, "%s: open orders: %s", venue,
		         *err.message ? err.message : lyra_error_msg());
	struct lyra_order_filter f = { venue, a->symbol, NULL, NULL, 1, 0 };
	if (lyra_orders_each(store, &f, recon_store_open, &rc) != 0)
		lyra_die_last();
	int64_t since = a->since ? a->since : lyra_time_now_us() - 86400 * LYRA_US_PER_SEC;
	if (mp && lyra_trade_fills(r.trade, mp, since, recon_fill, &rc, &err) < 0)
		lyra_die(LYRA_EX_UNAVAILABLE, "%s: fills: %s", venue,
		         *err.message ? err.message : lyra_error_msg());
	settle(&r);
	recon_balances(&rc, r.trade, venue);
	settle(&r);
	json_decref(rc.venue_open);
	enum lyra_risk_state s;
	char reason[256];
	if (lyra_risk_state_get(store, &s, reason, sizeof reason, NULL) != 0)
		lyra_die_last();
	if (rc.diffs && !a->apply) {
		char why[160];
		snprintf(why, sizeof why, "oms reconcile %s: %ld differences", venue, rc.diffs);
		if (s == LYRA_RISK_ACTIVE && lyra_risk_state_set(store, me.name, LYRA_RISK_REDUCING,
		                                                 why, 1) != 0)
			lyra_die_last();
	} else if (s == LYRA_RISK_REDUCING && strncmp(reason, "oms ", 4) == 0) {
		if (lyra_risk_state_set(store, me.name, LYRA_RISK_ACTIVE, "oms reconcile: clean", 0) != 0)
			lyra_die_last();
		lyra_note("reconcile clean: trading state back to ACTIVE");
	}
	lyra_note("%s: %ld difference%s%s", venue, rc.diffs, rc.diffs == 1 ? "" : "s",
	          rc.diffs && a->apply ? " (applied)" : "");
	lyra_trade_free(r.trade);
	lyra_api_key_wipe(&r.key);
	free(r.out.buf);
	return rc.diffs && !a->apply ? LYRA_EX_DATAERR : LYRA_EX_OK;
}

/* ---- sign ---- */

static int cmd_sign(const struct args *a, const char *venue)
{
	struct lyra_api_key k;
	struct lyra_signed s;
	const struct lyra_venue *v = lyra_venue_find(venue);
	if (!v)
		lyra_die_last();
	if (!a->keys)
		lyra_usage_error("sign: --keys FILE is required");
	if (!a->method || !a->path)
		lyra_usage_error("sign: --method and --path are required");
	if (lyra_api_key_load(a->keys, &k) != 0)
		lyra_die_last();
	/* a base URL that carries a path prefix the request path repeats (Gate's .../api/v4 and
	 * a --path of /api/v4/...): the request path is signed whole, so the base is its origin */
	char base[512];
	const char *b = a->endpoint ? a->endpoint : v->rest_url;
	const char *host = strstr(b, "://");
	const char *bpath = host ? strchr(host + 3, '/') : NULL;
	snprintf(base, sizeof base, "%s", b);
	if (bpath && strncmp(a->path, bpath, strlen(bpath)) == 0)
		base[bpath - b] = '\0';
	struct lyra_sign_in in = { venue, a->method, base, a->path, a->query, a->body, a->timestamp,
	                           a->nonce };
	if (lyra_sign(&k, &in, &s) != 0) {
		lyra_api_key_wipe(&k);
		lyra_die_last();
	}
	lyra_api_key_wipe(&k);
	json_t *rec = lyra_signed_record(venue, &s, lyra_time_now_us());
	lyra_signed_release(&s);
	if (!rec)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	lyra_out_init(0);
	if (lyra_out_json(rec) != 0 || lyra_out_flush() != 0)
		lyra_die_last();
	json_decref(rec);
	return LYRA_EX_OK;
}

static void parse_rate(const char *opt, const char *arg, struct lyra_dec *out)
{
	if (lyra_dec_parse_cstr(arg, out) != 0 || lyra_dec_sign(*out) < 0)
		lyra_usage_error("%s: '%s' is not a fee rate (0.001 = 0.1%%)", opt, arg);
}

int main(int argc, char **argv)
{
	struct args a = { .poll = 200000, .batch = 1024, .format = LYRA_FMT_TABLE,
	                  .resync = 60 * LYRA_US_PER_SEC };
	const char *arg;
	int c, cmd, status;
	lyra_dec_parse_cstr("0.001", &a.maker_fee);
	a.taker_fee = a.maker_fee;

	lyra_cli_init(&cli, &spec, argc, argv);
	while ((c = lyra_cli_next(&cli, &arg)) != -1) {
		switch (c) {
		case OPT_VENUE: a.venue = arg; break;
		case OPT_BOOK_VENUE: a.book_venue = arg; break;
		case OPT_LATENCY:
			if (lyra_duration_parse(arg, &a.latency) != 0 || a.latency < 0)
				lyra_usage_error("--latency: %s", lyra_error_msg());
			break;
		case OPT_MAKER_FEE: parse_rate("--maker-fee", arg, &a.maker_fee); break;
		case OPT_TAKER_FEE: parse_rate("--taker-fee", arg, &a.taker_fee); break;
		case OPT_KEYS: a.keys = arg; break;
		case OPT_KEY_LABEL: a.key_label = arg; break;
		case OPT_ENDPOINT: a.endpoint = market_endpoint = arg; break;
		case OPT_TESTNET: a.testnet = 1; break;
		case OPT_DRY_RUN: a.dry_run = 1; break;
		case OPT_SPLIT: a.split = 1; break;
		case OPT_ROUTE_VENUES: a.route_venues = arg; break;
		case OPT_FEES: a.fees = arg; break;
		case OPT_TIMEOUT:
			if (lyra_duration_parse(arg, &a.timeout) != 0 || a.timeout < 1000 ||
			    a.timeout > 600 * LYRA_US_PER_SEC)
				lyra_usage_error("--timeout: a duration from 1ms to 10m");
			break;
		case OPT_UNBUFFERED: a.unbuffered = 1; break;
		case OPT_WS_ENDPOINT: a.ws_endpoint = arg; break;
		case OPT_NO_USER_STREAM: a.no_user_stream = 1; break;
		case OPT_RESYNC:
			if (lyra_duration_parse(arg, &a.resync) != 0 || a.resync < 1000)
				lyra_usage_error("--resync: at least 1ms");
			break;
		case OPT_POLL:
			if (lyra_duration_parse(arg, &a.poll) != 0 || a.poll < 1000)
				lyra_usage_error("--poll: at least 1ms");
			break;
		case OPT_BATCH: {
			char *end;
			errno = 0;
			a.batch = strtol(arg, &end, 10);
			if (errno || *end || a.batch < 1)
				lyra_usage_error("--batch: '%s' is not a positive count", arg);
			break;
		}
		case OPT_SYMBOL: a.symbol = arg; break;
		case OPT_OPEN: a.open = 1; break;
		case OPT_PARENT: a.parent = arg; break;
		case OPT_FORMAT:
			if (lyra_format_parse(arg, &a.format) != 0)
				lyra_usage_error("%s", lyra_error_msg());
			break;
		case OPT_SINCE:
			if (lyra_time_parse(arg, &a.since) != 0)
				lyra_usage_error("--since: %s", lyra_error_msg());
			break;
		case OPT_APPLY: a.apply = 1; break;
		case OPT_METHOD: a.method = arg; break;
		case OPT_PATH: a.path = arg; break;
		case OPT_QUERY: a.query = arg; break;
		case OPT_BODY: a.body = arg; break;
		case OPT_TIMESTAMP: a.timestamp = arg; break;
		case OPT_NONCE: a.nonce = arg; break;
		}
	}
	char **ops = cli.argv + cli.optind;
	int nops = cli.argc - cli.optind;
	cmd = -1;
	for (int i = 0; nops > 0 && cmds[i].name; i++)
		if (strcmp(ops[0], cmds[i].name) == 0)
			cmd = i;
	if (cmd < 0 && (nops == 0 || a.venue)) {
		cmd = CMD_RUN;    /* oms --venue paper [FILE...] */
	} else {
		cmd = lyra_cli_command(&spec, ops[0]);
		ops++;
		nops--;
	}
	int want = cmd == CMD_SHOW || cmd == CMD_CANCEL || cmd == CMD_RECONCILE || cmd == CMD_SIGN;
	if (cmd != CMD_RUN && nops != want) {
		if (nops > want)
			lyra_usage_error("unexpected argument '%s'", ops[want]);
		lyra_usage_error("%s: missing %s", cmds[cmd].name,
		                 cmd == CMD_RECONCILE || cmd == CMD_SIGN ? "VENUE" : "ID");
	}
	if (cmd == CMD_SIGN)
		return lyra_cli_finish(cmd_sign(&a, ops[0]));

	store = lyra_store_open(cli.db);
	if (!store)
		lyra_die_last();
	if (lyra_identity_resolve(store, &me) != 0)
		lyra_die_last();

	switch (cmd) {
	case CMD_RUN: status = cmd_run(&a, ops, nops); break;
	case CMD_LIST: status = cmd_list(&a); break;
	case CMD_SHOW: status = cmd_show(&a, ops[0]); break;
	case CMD_CANCEL: status = cmd_cancel(&a, ops[0]); break;
	case CMD_CANCEL_ALL: status = cmd_cancel(&a, NULL); break;
	case CMD_RECOVER: status = cmd_recover(&a); break;
	default: status = cmd_reconcile(&a, ops[0]); break;
	}
	lyra_store_close(store);
	lyra_cli_release(&cli);
	return lyra_cli_finish(status);
}
