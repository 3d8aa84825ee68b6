/* execalgo: works a parent order with an execution algorithm (lib/algo.h). As a filter it reads
 * market data and its children's feedback, writes child `order` and `cancel` records and an
 * `algo_report`, and passes every record through in order. Feedback comes from the stream, from
 * a FIFO fed by oms's output (--feedback FILE, synchronised with `sync` markers so replays are
 * deterministic) or from the store (--feedback store). The parent's progress lives in the store
 * (algo_parent), so a restarted execalgo continues the same parent. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "algo.h"
#include "audit.h"
#include "cli.h"
#include "clock.h"
#include "error.h"
#include "identity.h"
#include "metrics.h"
#include "ndjson.h"
#include "record.h"
#include "store.h"
#include "table.h"

enum { CMD_TWAP, CMD_VWAP, CMD_POV, CMD_ICEBERG, CMD_GRID, CMD_DCA, CMD_LIST, CMD_SHOW };

static const struct lyra_subcmd cmds[] = {
	[CMD_TWAP] = { "twap", "--duration D [--slices N] [--jitter P]",
	               "equal slices over time; unfilled quantity carries into later slices" },
	[CMD_VWAP] = { "vwap", "--duration D [--profile FILE | --lookback 7d]",
	               "slices follow the intraday volume profile" },
	[CMD_POV] = { "pov", "--rate R [--min-slice Q] [--max-slice Q]",
	              "keep a share of the traded volume" },
	[CMD_ICEBERG] = { "iceberg", "--display Q [--px P] [--variance P]",
	                  "show one slice at a time, replenish after it fills" },
	[CMD_GRID] = { "grid", "--lower P --upper P --levels N [--qty-per-level Q]",
	               "a ladder of resting orders, re-armed on fills" },
	[CMD_DCA] = { "dca", "--every D --amount A [--until T]", "scheduled buys or sells" },
	[CMD_LIST] = { "list", "[--format table|csv|ndjson]", "parents in the store" },
	[CMD_SHOW] = { "show", "ID", "one parent with its state" },
	{ NULL, NULL, NULL },
};

enum {
	OPT_VENUE = 256, OPT_SYMBOL, OPT_SIDE, OPT_QTY, OPT_ID, OPT_DURATION, OPT_SLICES, OPT_JITTER,
	OPT_PROFILE, OPT_LOOKBACK, OPT_RATE, OPT_MIN_SLICE, OPT_MAX_SLICE, OPT_DISPLAY, OPT_PX,
	OPT_VARIANCE, OPT_LOWER, OPT_UPPER, OPT_LEVELS, OPT_QPL, OPT_EVERY, OPT_AMOUNT, OPT_UNTIL,
	OPT_LIMIT, OPT_OFFSET, OPT_STYLE, OPT_URGENCY, OPT_START, OPT_END, OPT_FEEDBACK, OPT_LIVE,
	OPT_FRESH, OPT_EOF, OPT_FORMAT,
};

static const struct lyra_opt opts[] = {
	{ "venue", OPT_VENUE, "V", "the venue children go to" },
	{ "symbol", OPT_SYMBOL, "S", "the instrument (BASE/QUOTE)" },
	{ "side", OPT_SIDE, "SIDE", "buy or sell" },
	{ "qty", OPT_QTY, "Q", "parent quantity (base units; grid: most inventory held)" },
	{ "id", OPT_ID, "ID", "parent id (default: derived from the parameters and the start)" },
	{ "duration", OPT_DURATION, "D", "twap, vwap (others: optional): how long (4h, 90m)" },
	{ "slices", OPT_SLICES, "N", "twap, vwap: number of slices (default one per 5 minutes)" },
	{ "jitter", OPT_JITTER, "P", "twap, vwap: move slice starts by up to P% of a slice (0..50)" },
	{ "profile", OPT_PROFILE, "FILE", "vwap: volume profile, lines 'HH:MM[:SS] VOLUME'" },
	{ "lookback", OPT_LOOKBACK, "D", "vwap: profile from stored candles over D before start (7d)" },
	{ "rate", OPT_RATE, "R", "pov: share of the traded volume (0.1 = 10%)" },
	{ "min-slice", OPT_MIN_SLICE, "Q", "pov: smallest child (default one lot)" },
	{ "max-slice", OPT_MAX_SLICE, "Q", "pov: largest child" },
	{ "display", OPT_DISPLAY, "Q", "iceberg: the visible quantity" },
	{ "px", OPT_PX, "P", "iceberg: fixed limit price (default: the price policy)" },
	{ "variance", OPT_VARIANCE, "P", "iceberg: vary each display by up to P%" },
	{ "lower", OPT_LOWER, "P", "grid: lowest level" },
	{ "upper", OPT_UPPER, "P", "grid: highest level" },
	{ "levels", OPT_LEVELS, "N", "grid: number of levels (>= 2)" },
	{ "qty-per-level", OPT_QPL, "Q", "grid: quantity per level (default qty / levels)" },
	{ "every", OPT_EVERY, "D", "dca: interval between orders" },
	{ "amount", OPT_AMOUNT, "A", "dca: quote amount per order" },
	{ "until", OPT_UNTIL, "T", "dca: no orders from T on (same as --end)" },
	{ "limit", OPT_LIMIT, "P", "hard price limit: never buy above, never sell below" },
	{ "offset-bps", OPT_OFFSET, "N", "price N bps from the touch (positive: more passive)" },
	{ "style", OPT_STYLE, "S", "passive (near touch), aggressive (far touch) or market" },
	{ "urgency", OPT_URGENCY, "U", "low (passive, 5 bps back), normal (passive), high (aggressive)" },
	{ "start", OPT_START, "T", "start time, ISO 8601 or us (default: the first record)" },
	{ "end", OPT_END, "T", "end time (default: start + duration)" },
	{ "feedback", OPT_FEEDBACK, "FILE|store", "where fills come from (default: the input)" },
	{ "live", OPT_LIVE, NULL, "timers on the wall clock instead of record time" },
	{ "fresh", OPT_FRESH, NULL, "start the parent over instead of continuing it" },
	{ "finish-at-eof", OPT_EOF, NULL, "at the end of input cancel children and report" },
	{ "format", OPT_FORMAT, "FMT", "list: table (default), csv or ndjson" },
	{ NULL, 0, NULL, NULL },
};

static const char *const usage[] = {
	"ALGO --venue V --symbol S --side buy|sell --qty Q [options] [FILE...]",
	"twap --duration D [--slices N] [--jitter P] ...",
	"vwap --duration D [--slices N] [--profile FILE | --lookback D] ...",
	"pov --rate R [--min-slice Q] [--max-slice Q] ...",
	"iceberg --display Q [--px P] [--variance P] ...",
	"grid --lower P --upper P --levels N [--qty-per-level Q] ...",
	"dca --every D --amount A [--until T] ...",
	"list [--format table|csv|ndjson] | show ID",
	NULL,
};

static const struct lyra_cli_spec spec = {
	"execalgo", "Execution algorithms: child orders for a parent order from market data.",
	usage, cmds, opts,
};

struct args {
	const char *venue, *symbol, *side, *qty, *id, *profile, *lookback, *feedback;
	const char *style, *urgency, *offset, *limit;
	const char *o[16];   /* decimal options by index below */
	int64_t duration, lookback_us, every, start, end;
	int slices, levels, live, fresh, eof;
	enum lyra_format format;
};
enum { D_JITTER, D_RATE, D_MIN, D_MAX, D_DISPLAY, D_PX, D_VARIANCE, D_LOWER, D_UPPER, D_QPL,
       D_AMOUNT };

static struct lyra_cli cli;
static struct lyra_store *store;
static struct lyra_identity me;

/* ---- output: stdout, or (with a feedback FIFO) a buffer written without blocking ---- */

static struct {
	int fifo;                    /* the feedback FIFO's fd, -1 without */
	char *buf;                   /* pending output bytes (FIFO mode) */
	size_t len, cap;
	char *in;                    /* FIFO bytes not yet split into lines */
	size_t inlen, incap;
	json_t *queue;               /* feedback records and markers read, not yet applied */
	int eof;                     /* the FIFO's writer went away */
} fb = { .fifo = -1 };

static const char *fb_prefix;   /* "<parent>-": children's ids */

static void fifo_line(const char *s, size_t n)
{
	const char *t, *why;
	size_t tl;
	char rwhy[128];
	if (lyra_record_peek_type(s, n, &t, &tl, &why) != 0)
		return;
	if (!lyra_type_is(t, tl, "fill") && !lyra_type_is(t, tl, "order_event") &&
	    !lyra_type_is(t, tl, "reject") && !lyra_type_is(t, tl, "sync"))
		return;
	json_t *r = lyra_record_parse(s, n, rwhy, sizeof rwhy);
	if (!r)
		return;
	const char *id = json_string_value(json_object_get(r, "id"));
	if (!lyra_type_is(t, tl, "sync") &&
	    (!id || !fb_prefix || strncmp(id, fb_prefix, strlen(fb_prefix)) != 0)) {
		json_decref(r);
		return;
	}
	json_array_append_new(fb.queue, r);
}

/* Read what the FIFO has now into the queue (never blocks). */
static void fifo_drain(void)
{
	while (fb.fifo >= 0 && !fb.eof) {
		if (fb.incap - fb.inlen < 65536) {
			fb.incap = fb.incap ? fb.incap * 2 : 131072;
			if (!(fb.in = realloc(fb.in, fb.incap)))
				lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		}
		ssize_t r = read(fb.fifo, fb.in + fb.inlen, fb.incap - fb.inlen);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			lyra_die(LYRA_EX_IOERR, "cannot read feedback: %s", strerror(errno));
		}
		if (r == 0) {
			struct pollfd p = { fb.fifo, POLLIN, 0 };
			if (poll(&p, 1, 0) > 0 && (p.revents & POLLHUP))
				fb.eof = 1;
			return;
		}
		fb.inlen += (size_t)r;
		size_t done = 0;
		for (char *nl; (nl = memchr(fb.in + done, '\n', fb.inlen - done)); done = (size_t)(nl - fb.in) + 1)
			fifo_line(fb.in + done, (size_t)(nl - fb.in) - done);
		memmove(fb.in, fb.in + done, fb.inlen - done);
		fb.inlen -= done;
	}
}

/* Write the output buffer, draining the FIFO whenever stdout is full. */
static void out_flush(void)
{
	if (fb.fifo < 0) {
		if (lyra_out_flush() != 0)
			lyra_die_last();
		return;
	}
	size_t off = 0;
	while (off < fb.len) {
		struct pollfd p[2] = { { 1, POLLOUT, 0 }, { fb.fifo, POLLIN, 0 } };
		if (poll(p, fb.eof ? 1 : 2, -1) < 0 && errno != EINTR)
			lyra_die(LYRA_EX_IOERR, "poll: %s", strerror(errno));
		if (p[1].revents)
			fifo_drain();
		if (p[0].revents & (POLLOUT | POLLERR | POLLHUP)) {
			ssize_t w = write(1, fb.buf + off, fb.len - off);
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				lyra_die(LYRA_EX_IOERR, "cannot write '<stdout>': %s", strerror(errno));
			if (w > 0)
				off += (size_t)w;
		}
	}
	fb.len = 0;
}

static void out_line(const char *s, size_t n)
{
	if (fb.fifo < 0) {
		if (lyra_out_raw(s, n) != 0)
			lyra_die_last();
		return;
	}
	if (fb.cap - fb.len < n + 1) {
		while (fb.cap - fb.len < n + 1)
			fb.cap = fb.cap ? fb.cap * 2 : 131072;
		if (!(fb.buf = realloc(fb.buf, fb.cap)))
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	}
	memcpy(fb.buf + fb.len, s, n);
	fb.buf[fb.len + n] = '\n';
	fb.len += n + 1;
	if (fb.len >= 65536)
		out_flush();
}

static void out_rec(const json_t *r)
{
	char *s = lyra_record_dump(r);
	if (!s)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	out_line(s, strlen(s));
	free(s);
}

/* ---- the run ---- */

struct run {
	struct lyra_algo_params p;
	struct lyra_algo *a;
	struct lyra_clock clock;
	char *params;                /* canonical parameters (the store's params column) */
	struct lyra_dec *weights;    /* vwap */
	json_t *profile_src;         /* vwap: the profile points, to weigh once start is known */
	int store_mode;
	int dirty;                   /* something oms may answer was written since the last sync */
	int64_t syncs, children, cancels, records;
	int announced;               /* the parent row exists */
};

static int emit(void *ctx, json_t *rec)
{
	struct run *r = ctx;
	const char *t = json_string_value(json_object_get(rec, "type"));
	if (strcmp(t, "order") == 0)
		r->children++;
	else if (strcmp(t, "cancel") == 0)
		r->cancels++;
	out_rec(rec);
	json_decref(rec);
	r->dirty = 1;
	return 0;
}

static void hex8(const char *s, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL);
	for (int i = 0; i < 4; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* Apply queued feedback up to and including the marker id (NULL: everything queued). Returns 1
 * when the marker was found. */
static int apply_queue(struct run *r, const char *marker)
{
	size_t i, n = json_array_size(fb.queue);
	int found = 0;
	for (i = 0; i < n && !found; i++) {
		json_t *rec = json_array_get(fb.queue, i);
		const char *t = json_string_value(json_object_get(rec, "type"));
		if (strcmp(t, "sync") == 0) {
			const char *id = json_string_value(json_object_get(rec, "id"));
			found = marker && id && strcmp(id, marker) == 0;
		} else if (r->a && lyra_algo_on_feedback(r->a, t, rec) < 0) {
			lyra_warn("feedback: %s", lyra_error_msg());
		}
	}
	json_t *rest = json_array();
	for (; i < n; i++)
		json_array_append(rest, json_array_get(fb.queue, i));
	json_decref(fb.queue);
	fb.queue = rest;
	return found;
}

/* --feedback store: the children's progress as order_events from the orders table. */
static void store_refresh(struct run *r)
{
	sqlite3_stmt *s = lyra_store_cached(store, "SELECT status, filled_qty, notional FROM orders "
	                                    "WHERE id = ?1");
	if (!s)
		lyra_die_last();
	char ids[64][96];
	int n = 0;
	for (const char *id; n < 64 && (id = lyra_algo_child_id(r->a, n)); n++)
		snprintf(ids[n], sizeof ids[n], "%s", id);
	for (int i = 0; i < n; i++) {
		sqlite3_bind_text(s, 1, ids[i], -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			const char *st = (const char *)sqlite3_column_text(s, 0);
			const char *fq = (const char *)sqlite3_column_text(s, 1);
			const char *no = (const char *)sqlite3_column_text(s, 2);
			struct lyra_dec f, nn, avg;
			json_t *ev = lyra_record_new("order_event", lyra_clock_now(&r->clock));
			lyra_json_set_str(ev, "id", ids[i]);
			if (strcmp(st, "intent") == 0 || strcmp(st, "new") == 0 || strcmp(st, "unknown") == 0)
				st = "acked";
			lyra_json_set_str(ev, "status", st);
			if (lyra_dec_parse_cstr(fq, &f) == 0 && lyra_dec_parse_cstr(no, &nn) == 0 &&
			    lyra_dec_sign(f) > 0 &&
			    lyra_dec_div(nn, f, 8, LYRA_ROUND_HALF_EVEN, &avg) == 0) {
				lyra_json_set_str(ev, "filled_qty", fq);
				lyra_json_set_dec(ev, "avg_px", lyra_dec_normalize(avg));
			}
			if (lyra_algo_on_feedback(r->a, "order_event", ev) < 0)
				lyra_warn("store feedback: %s", lyra_error_msg());
			json_decref(ev);
		}
		sqlite3_reset(s);
	}
}

/* Make the feedback complete up to everything written so far. */
static void sync_feedback(struct run *r)
{
	if (!r->a || !lyra_algo_open_children(r->a) || !r->dirty)
		return;
	if (r->store_mode) {
		store_refresh(r);
		r->dirty = 0;
		return;
	}
	if (fb.fifo < 0)
		return;
	char id[160], line[256];
	snprintf(id, sizeof id, "%s:%lld", r->p.id, (long long)++r->syncs);
	int n = snprintf(line, sizeof line, "{\"type\":\"sync\",\"ts\":%lld,\"id\":\"%s\"}",
	                 (long long)lyra_clock_now(&r->clock), id);
	out_line(line, (size_t)n);
	out_flush();
	while (!apply_queue(r, id)) {
		if (fb.eof)
			lyra_die(LYRA_EX_UNAVAILABLE, "feedback closed before sync marker '%s' came back",
			         id);
		struct pollfd p = { fb.fifo, POLLIN, 0 };
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			lyra_die(LYRA_EX_IOERR, "poll: %s", strerror(errno));
		fifo_drain();
	}
	r->dirty = 0;
}

/* ---- the store ---- */

static void audit_commit(const char *action, const char *object, json_t *details)
{
	if (lyra_audit_append(store, me.name, action, object, details) < 0 ||
	    lyra_store_commit(store) != 0) {
		json_decref(details);
		lyra_store_rollback(store);
		lyra_die_last();
	}
	json_decref(details);
}

static char *state_text(struct run *r)
{
	json_t *s = lyra_algo_state(r->a);
	if (!s)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	if (r->weights) {
		json_t *w = json_array();
		for (int i = 0; i < r->p.slices; i++)
			json_array_append_new(w, json_string(""));
		for (int i = 0; i < r->p.slices; i++) {
			char b[LYRA_DEC_STRLEN];
			lyra_dec_format(r->weights[i], b);
			json_array_set_new(w, (size_t)i, json_string(b));
		}
		json_object_set_new(s, "weights", w);
	}
	char *t = json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(s);
	if (!t)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	return t;
}

static json_t *progress_details(struct run *r)
{
	char b[LYRA_DEC_STRLEN];
	lyra_dec_format(lyra_algo_filled(r->a), b);
	return json_pack("{sssisi}", "filled", b, "children", lyra_algo_children(r->a),
	                 "open", lyra_algo_open_children(r->a));
}

/* Store the state when it changed: one transaction, one audit entry. */
static void persist(struct run *r)
{
	int boundary;
	if (!r->a || !lyra_algo_changed(r->a, &boundary))
		return;
	int64_t now = lyra_clock_now(&r->clock);
	char object[96];
	snprintf(object, sizeof object, "algo:%s", r->p.id);
	char *state = state_text(r);
	enum lyra_algo_status st = lyra_algo_status(r->a);
	if (lyra_store_begin(store) != 0)
		lyra_die_last();
	sqlite3_stmt *s;
	if (!r->announced) {
		s = lyra_store_cached(store, "INSERT OR REPLACE INTO algo_parent (id, algo, venue, symbol, "
		                      "side, qty, params, status, state, created_ts, updated_ts) "
		                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)");
		if (!s)
			goto fail;
		char q[LYRA_DEC_STRLEN];
		lyra_dec_format(r->p.qty, q);
		sqlite3_bind_text(s, 1, r->p.id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, lyra_algo_name(r->p.kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, r->p.venue, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, r->p.symbol, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, r->p.side > 0 ? "buy" : "sell", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, q, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 7, r->params, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 8, st == LYRA_ALGO_DONE ? "done" : "running", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 9, state, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 10, now);
	} else {
		s = lyra_store_cached(store, "UPDATE algo_parent SET status = ?2, state = ?3, "
		                      "updated_ts = ?4 WHERE id = ?1");
		if (!s)
			goto fail;
		sqlite3_bind_text(s, 1, r->p.id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, st == LYRA_ALGO_DONE ? "done" : "running", -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, state, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, now);
	}
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		lyra_store_fail(store, "cannot store parent");
		goto fail;
	}
	free(state);
	json_t *d = progress_details(r);
	const char *action = "algo.progress";
	if (!r->announced) {
		action = "algo.start";
		json_object_set_new(d, "params", json_loads(r->params, 0, NULL));
		json_object_set_new(d, "start", json_integer(lyra_algo_started(r->a)));
	} else if (st == LYRA_ALGO_DONE) {
		action = "algo.done";
	}
	r->announced = 1;
	audit_commit(action, object, d);
	(void)boundary;
	return;
fail:
	free(state);
	lyra_store_rollback(store);
	lyra_die_last();
}

/* ---- setting up the parent ---- */

static struct lyra_dec need_dec(const char *opt, const char *v, int positive)
{
	struct lyra_dec d;
	if (lyra_dec_parse_cstr(v, &d) != 0 || lyra_dec_sign(d) < 0 ||
	    (positive && lyra_dec_sign(d) == 0))
		lyra_usage_error("--%s: '%s' is not a %s decimal", opt, v,
		                 positive ? "positive" : "non-negative");
	return d;
}

static struct lyra_dec opt_dec(const char *opt, const char *v, int percent)
{
	struct lyra_dec d = lyra_dec_zero();
	if (v) {
		d = need_dec(opt, v, 0);
		if (percent && lyra_dec_div(d, lyra_dec_from_int(100), d.scale + 2, LYRA_ROUND_EXACT,
		                            &d) != 0)
			lyra_usage_error("--%s: '%s' has too many digits", opt, v);
	}
	return d;
}

/* Profile points (time of day, volume) from a file of 'HH:MM[:SS] VOLUME' lines. */
static json_t *read_profile(const char *file)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	long no = 0;
	json_t *pts = json_array();
	if (!f)
		lyra_die(LYRA_EX_NOINPUT, "cannot open '%s': %s", file, strerror(errno));
	while (getline(&line, &cap, f) >= 0) {
		unsigned h, m, s = 0;
		char vol[64], *hash = strchr(line, '#');
		int n;
		no++;
		if (hash)
			*hash = 0;
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		struct lyra_dec v;
		if ((sscanf(line, " %u:%u:%u %63s%n", &h, &m, &s, vol, &n) != 4 &&
		     (s = 0, sscanf(line, " %u:%u %63s", &h, &m, vol) != 3)) ||
		    h > 23 || m > 59 || s > 59 || lyra_dec_parse_cstr(vol, &v) != 0 || lyra_dec_sign(v) < 0)
			lyra_die(LYRA_EX_DATAERR, "'%s' line %ld: expected 'HH:MM[:SS] VOLUME'", file, no);
		json_array_append_new(pts, json_pack("[Is]", (json_int_t)(((h * 60 + m) * 60 + s) *
		                                     LYRA_US_PER_SEC), vol));
	}
	free(line);
	fclose(f);
	return pts;
}

/* Profile points from the store's candles over [start - lookback, start). */
static json_t *stored_profile(const struct run *r, int64_t start, int64_t lookback)
{
	sqlite3_stmt *s = lyra_store_prepare(store, "SELECT ts, line FROM md_record WHERE type = "
	                                     "'candle' AND venue = ?1 AND symbol = ?2 AND ts >= ?3 "
	                                     "AND ts < ?4 ORDER BY ts, id");
	json_t *pts = json_array();
	if (!s)
		lyra_die_last();
	sqlite3_bind_text(s, 1, r->p.venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->p.symbol, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, start - lookback);
	sqlite3_bind_int64(s, 4, start);
	while (sqlite3_step(s) == SQLITE_ROW) {
		char why[128];
		int64_t ts = sqlite3_column_int64(s, 0);
		json_t *c = lyra_record_parse((const char *)sqlite3_column_blob(s, 1),
		                              (size_t)sqlite3_column_bytes(s, 1), why, sizeof why);
		const char *v = c ? json_string_value(json_object_get(c, "volume")) : NULL;
		if (v)
			json_array_append_new(pts, json_pack("[Is]", (json_int_t)(ts % (86400 * LYRA_US_PER_SEC)), v));
		json_decref(c);
	}
	sqlite3_finalize(s);
	return pts;
}

static void make_weights(struct run *r, int64_t start)
{
	int n = (int)json_array_size(r->profile_src), all_zero = 1;
	int64_t *tod = calloc((size_t)n + 1, sizeof *tod);
	struct lyra_dec *vol = calloc((size_t)n + 1, sizeof *vol);
	r->weights = calloc((size_t)r->p.slices, sizeof *r->weights);
	if (!tod || !vol || !r->weights)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	for (int i = 0; i < n; i++) {
		json_t *pt = json_array_get(r->profile_src, (size_t)i);
		tod[i] = json_integer_value(json_array_get(pt, 0));
		lyra_dec_parse_cstr(json_string_value(json_array_get(pt, 1)), &vol[i]);
	}
	int64_t dur = r->p.duration ? r->p.duration : r->p.end - start;
	if (lyra_algo_profile_weights(tod, vol, n, start, dur, r->p.slices, r->weights) != 0)
		lyra_die_last();
	for (int i = 0; i < r->p.slices; i++)
		if (lyra_dec_sign(r->weights[i]) > 0)
			all_zero = 0;
	if (all_zero)
		lyra_warn("vwap: the profile has no volume in the interval: equal slices");
	free(tod);
	free(vol);
	r->p.weights = r->weights;
}

/* Look up the parent to continue: by --id, or a running parent with the same parameters.
 * Returns the stored state (NEW) and sets p.id, or NULL for a new parent. */
static json_t *find_parent(struct run *r, const struct args *a)
{
	sqlite3_stmt *s;
	if (a->id)
		s = lyra_store_prepare(store, "SELECT id, params, status, state FROM algo_parent "
		                       "WHERE id = ?1");
	else
		s = lyra_store_prepare(store, "SELECT id, params, status, state FROM algo_parent "
		                       "WHERE params = ?1 AND status = 'running' "
		                       "ORDER BY created_ts DESC, id LIMIT 1");
	if (!s)
		lyra_die_last();
	sqlite3_bind_text(s, 1, a->id ? a->id : r->params, -1, SQLITE_STATIC);
	json_t *state = NULL;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		const char *params = (const char *)sqlite3_column_text(s, 1);
		const char *status = (const char *)sqlite3_column_text(s, 2);
		if (strcmp(status, "running") != 0 || a->fresh) {
			lyra_note("parent '%s' was %s: starting it over", id, status);
		} else if (strcmp(params, r->params) != 0) {
			sqlite3_finalize(s);
			lyra_die(LYRA_EX_USAGE, "parent '%s' is running with other parameters "
			         "(use --fresh to start it over)", a->id);
		} else {
			snprintf(r->p.id, sizeof r->p.id, "%s", id);
			state = json_loads((const char *)sqlite3_column_text(s, 3), 0, NULL);
			if (!state)
				lyra_die(LYRA_EX_DATAERR, "parent '%s': stored state is not JSON", id);
		}
	}
	sqlite3_finalize(s);
	return state;
}

static void create_algo(struct run *r, json_t *state)
{
	static char prefix[80];
	if (r->profile_src && !r->weights) {
		json_t *w = state ? json_object_get(state, "weights") : NULL;
		if (w) {
			r->weights = calloc((size_t)r->p.slices, sizeof *r->weights);
			if (!r->weights)
				lyra_die(LYRA_EX_SOFTWARE, "out of memory");
			for (int i = 0; i < r->p.slices; i++)
				if (lyra_dec_parse_cstr(json_string_value(json_array_get(w, (size_t)i)) ?
				                        json_string_value(json_array_get(w, (size_t)i)) : "",
				                        &r->weights[i]) != 0)
					lyra_die(LYRA_EX_DATAERR, "parent '%s': stored weights are malformed",
					         r->p.id);
			r->p.weights = r->weights;
		}
	}
	r->a = lyra_algo_new(&r->p, emit, r);
	if (!r->a)
		lyra_die_last();
	snprintf(prefix, sizeof prefix, "%s-", r->p.id);
	fb_prefix = prefix;
	if (state) {
		if (lyra_algo_restore(r->a, state) != 0)
			lyra_die_last();
		r->announced = 1;
		lyra_note("continuing parent '%s': %d children so far", r->p.id, lyra_algo_children(r->a));
	}
}

/* The first record of a new parent: its start, id, weights. */
static void start_new(struct run *r, const struct args *a, int64_t now)
{
	int64_t start = r->p.start ? r->p.start : now;
	if (a->id) {
		snprintf(r->p.id, sizeof r->p.id, "%s", a->id);
	} else {
		char buf[4096], h[9];
		snprintf(buf, sizeof buf, "%s:%lld", r->params, (long long)start);
		hex8(buf, h);
		snprintf(r->p.id, sizeof r->p.id, "%s-%s", lyra_algo_name(r->p.kind), h);
	}
	if (a->lookback)
		r->profile_src = stored_profile(r, start, a->lookback_us);
	if (r->profile_src)
		make_weights(r, start);
	create_algo(r, NULL);
}

/* ---- the filter ---- */

static int is_market(const char *t, size_t n)
{
	return lyra_type_is(t, n, "trade") || lyra_type_is(t, n, "bbo") ||
	       lyra_type_is(t, n, "book") || lyra_type_is(t, n, "book_delta") ||
	       lyra_type_is(t, n, "market");
}

static int is_feedback(const char *t, size_t n)
{
	return lyra_type_is(t, n, "fill") || lyra_type_is(t, n, "order_event") ||
	       lyra_type_is(t, n, "reject");
}

/* The record's top-level ts without a full parse (lyra records put it right after type);
 * 0 when not found. */
static int64_t peek_ts(const char *s, size_t n)
{
	const char *p = memmem(s, n < 96 ? n : 96, "\"ts\":", 5);
	int64_t v = 0;
	if (!p)
		return 0;
	for (p += 5; p < s + n && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return v;
}

static int contains(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

/* Act at now: take the decisions due (all of them when always), synchronising feedback
 * whenever the machine asks for the outcome of its cancels. */
static void act(struct run *r, int64_t now, int own, int always)
{
	int rc;
	if (!r->a || (!always && !lyra_algo_due(r->a, now, own)))
		return;
	while ((rc = lyra_algo_step(r->a, now, own)) == 1)
		sync_feedback(r);
	if (rc < 0)
		lyra_die_last();
}


/* Wait for input; with --live, run the timers while waiting. */
static void wait_input(struct run *r, struct lyra_ndjson_in *in, int live)
{
	while (lyra_ndjson_would_block(in)) {
		out_flush();
		struct pollfd p[2] = { { 0, POLLIN, 0 }, { fb.fifo, POLLIN, 0 } };
		int n = fb.fifo >= 0 && !fb.eof ? 2 : 1;
		int rc = poll(p, (nfds_t)n, live ? 200 : -1);
		if (rc < 0 && errno != EINTR)
			lyra_die(LYRA_EX_IOERR, "poll: %s", strerror(errno));
		if (n == 2 && p[1].revents)
			fifo_drain();
		if (rc == 0 && live && r->a) {
			int64_t now = lyra_clock_now(&r->clock);
			if (lyra_algo_due(r->a, now, 0))
				sync_feedback(r);
			act(r, now, 0, 0);
			persist(r);
		}
		if (p[0].revents)
			return;
	}
}

static int cmd_filter(const struct args *a, struct run *r, char **ops, int nops)
{
	struct lyra_ndjson_in *in = lyra_ndjson_open("execalgo", ops, nops, cli.strict);
	struct lyra_line line;
	char why[256], vneedle[96], sneedle[128];
	int stop = 0, live_in = lyra_ndjson_live(ops, nops);
	int fb_stdin = fb.fifo < 0 && !r->store_mode;
	if (!in)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	lyra_out_init(0);
	snprintf(vneedle, sizeof vneedle, "\"venue\":\"%s\"", r->p.venue);
	snprintf(sneedle, sizeof sneedle, "\"symbol\":\"%s\"", r->p.symbol);
	while (!stop) {
		if (live_in)
			wait_input(r, in, a->live);
		if (lyra_ndjson_next(in, &line) != 1)
			break;
		const char *t, *pwhy;
		size_t tl;
		char type[16];
		r->records++;
		if (lyra_record_peek_type(line.buf, line.len, &t, &tl, &pwhy) != 0) {
			stop = lyra_ndjson_reject(in, &line, "%s", pwhy) != 0;
			continue;
		}
		snprintf(type, sizeof type, "%.*s", (int)tl, t);
		int market = is_market(t, tl), feedback = fb_stdin && is_feedback(t, tl), own = 0;
		int64_t ts = peek_ts(line.buf, line.len);
		json_t *rec = NULL;
		if (feedback || ts <= 0 || (market && contains(line.buf, line.len, vneedle) &&
		                            contains(line.buf, line.len, sneedle))) {
			if (!(rec = lyra_record_parse(line.buf, line.len, why, sizeof why))) {
				stop = lyra_ndjson_reject(in, &line, "%s", why) != 0;
				continue;
			}
			lyra_json_get_ts(rec, "ts", &ts);
		}
		if (!a->live)
			lyra_clock_observe(&r->clock, ts);
		int64_t now = lyra_clock_now(&r->clock);
		if (!r->a && (!r->p.start || now >= r->p.start))
			start_new(r, a, now);
		if (rec && market && r->a)
			own = lyra_algo_is_own(r->a, type, rec);
		/* sync feedback, learn the record, forward it, then act on it */
		if (r->a && lyra_algo_due(r->a, now, own))
			sync_feedback(r);
		if (own) {
			if (lyra_algo_on_market(r->a, type, rec) != 0)
				stop = lyra_ndjson_reject(in, &line, "%s", lyra_error_msg()) != 0;
			r->dirty = 1;
		} else if (feedback && r->a && lyra_algo_on_feedback(r->a, type, rec) < 0) {
			stop = lyra_ndjson_reject(in, &line, "%s", lyra_error_msg()) != 0;
		}
		json_decref(rec);
		out_line(line.buf, line.len);
		act(r, now, own, fb_stdin);
		persist(r);
	}
	int64_t now = lyra_clock_now(&r->clock);
	if (r->a) {
		sync_feedback(r);
		if (a->eof) {
			int rc;
			while ((rc = lyra_algo_finish(r->a, now)) == 1)
				sync_feedback(r);
			if (rc < 0)
				lyra_die_last();
		}
		persist(r);
		if (lyra_algo_status(r->a) != LYRA_ALGO_DONE) {
			char b[LYRA_DEC_STRLEN];
			lyra_dec_format(lyra_algo_filled(r->a), b);
			lyra_note("parent '%s' is still running (%d children, %s filled): run again to "
			          "continue it", r->p.id, lyra_algo_children(r->a), b);
		}
	}
	out_flush();
	if (fb.fifo >= 0) {
		/* let the pipeline end: close our side of stdout, then read the FIFO until its writer
		 * (tee after oms) is done, so it never writes into a FIFO nobody reads */
		int nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (nul >= 0) {
			dup2(nul, 1);
			close(nul);
		}
		while (!fb.eof) {
			struct pollfd p = { fb.fifo, POLLIN, 0 };
			if (poll(&p, 1, 10000) == 0)
				break;
			fifo_drain();
			json_array_clear(fb.queue);
		}
	}
	int status = lyra_ndjson_status(in);
	if (cli.metrics) {
		struct lyra_metrics *m = lyra_metrics_new("execalgo");
		if (!m)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		lyra_metrics_declare(m, "execalgo_records_total", LYRA_METRIC_COUNTER, "input records");
		lyra_metrics_declare(m, "execalgo_children_total", LYRA_METRIC_COUNTER,
		                     "child orders written");
		lyra_metrics_declare(m, "execalgo_cancels_total", LYRA_METRIC_COUNTER, "cancels written");
		lyra_metrics_declare(m, "execalgo_syncs_total", LYRA_METRIC_COUNTER,
		                     "sync markers round-tripped through the feedback FIFO");
		lyra_metrics_declare(m, "execalgo_bad_records_total", LYRA_METRIC_COUNTER,
		                     "input lines rejected as error records");
		lyra_metrics_set_int(m, "execalgo_records_total", NULL, r->records);
		lyra_metrics_set_int(m, "execalgo_children_total", NULL, r->children);
		lyra_metrics_set_int(m, "execalgo_cancels_total", NULL, r->cancels);
		lyra_metrics_set_int(m, "execalgo_syncs_total", NULL, r->syncs);
		lyra_metrics_set_int(m, "execalgo_bad_records_total", NULL,
		                     (int64_t)lyra_ndjson_rejected(in));
		if (lyra_metrics_write(m, cli.metrics) != 0) {
			lyra_warn("%s", lyra_error_msg());
			status = lyra_exit_merge(status, lyra_error_code());
		}
		lyra_metrics_free(m);
	}
	lyra_ndjson_close(in);
	return status;
}

/* ---- list, show ---- */

static int cmd_list(const struct args *a)
{
	static const char *const heads[] = { "id", "algo", "venue", "symbol", "side", "qty", "filled",
	                                     "children", "status", "updated" };
	struct lyra_table *tab = NULL;
	sqlite3_stmt *s = lyra_store_prepare(store, "SELECT id, algo, venue, symbol, side, qty, "
	                                     "status, state, updated_ts FROM algo_parent "
	                                     "ORDER BY created_ts, id");
	if (!s)
		lyra_die_last();
	if (a->format == LYRA_FMT_TABLE && !(tab = lyra_table_new(heads, 10)))
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	if (a->format == LYRA_FMT_CSV)
		lyra_csv_row(stdout, heads, 10);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *c[10];
		char when[40], kids[24];
		json_t *st = json_loads((const char *)sqlite3_column_text(s, 7), 0, NULL);
		int64_t next = 1;
		if (st)
			lyra_json_get_int(st, "next_child", &next);
		for (int i = 0; i < 7; i++)
			c[i < 6 ? i : 8] = (const char *)sqlite3_column_text(s, i);
		c[6] = st ? json_string_value(json_object_get(st, "filled")) : "";
		snprintf(kids, sizeof kids, "%lld", (long long)(next - 1));
		c[7] = kids;
		lyra_time_format(sqlite3_column_int64(s, 8), when, sizeof when);
		c[9] = when;
		if (a->format == LYRA_FMT_NDJSON) {
			json_t *r = json_object();
			for (int i = 0; i < 10; i++)
				json_object_set_new(r, heads[i], json_string(c[i] ? c[i] : ""));
			char *line = json_dumps(r, JSON_COMPACT);
			printf("%s\n", line);
			free(line);
			json_decref(r);
		} else if (tab) {
			lyra_table_add(tab, c);
		} else {
			lyra_csv_row(stdout, c, 10);
		}
		json_decref(st);
	}
	sqlite3_finalize(s);
	if (tab) {
		lyra_table_print(tab, stdout);
		lyra_table_free(tab);
	}
	return LYRA_EX_OK;
}

static int cmd_show(const char *id)
{
	sqlite3_stmt *s = lyra_store_prepare(store, "SELECT id, algo, venue, symbol, side, qty, "
	                                     "params, status, state, created_ts, updated_ts "
	                                     "FROM algo_parent WHERE id = ?1");
	if (!s)
		lyra_die_last();
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		lyra_die(LYRA_EX_DATAERR, "no parent '%s'", id);
	}
	static const char *const keys[] = { "id", "algo", "venue", "symbol", "side", "qty" };
	json_t *o = json_object();
	for (int i = 0; i < 6; i++)
		json_object_set_new(o, keys[i], json_string((const char *)sqlite3_column_text(s, i)));
	json_object_set_new(o, "params", json_loads((const char *)sqlite3_column_text(s, 6), 0, NULL));
	json_object_set_new(o, "status", json_string((const char *)sqlite3_column_text(s, 7)));
	json_object_set_new(o, "state", json_loads((const char *)sqlite3_column_text(s, 8), 0, NULL));
	json_object_set_new(o, "created_ts", json_integer(sqlite3_column_int64(s, 9)));
	json_object_set_new(o, "updated_ts", json_integer(sqlite3_column_int64(s, 10)));
	sqlite3_finalize(s);
	char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", text);
	free(text);
	json_decref(o);
	return LYRA_EX_OK;
}

/* ---- main ---- */

static void need(const char *v, const char *opt, const char *algo)
{
	if (!v)
		lyra_usage_error("%s needs --%s", algo, opt);
}

static void setup(struct run *r, const struct args *a, int cmd)
{
	struct lyra_algo_params *p = &r->p;
	const char *name = cmds[cmd].name;
	need(a->venue, "venue", name);
	need(a->symbol, "symbol", name);
	need(a->side, "side", name);
	need(a->qty, "qty", name);
	lyra_algo_parse(name, &p->kind);
	snprintf(p->venue, sizeof p->venue, "%s", a->venue);
	snprintf(p->symbol, sizeof p->symbol, "%s", a->symbol);
	if (strcmp(a->side, "buy") != 0 && strcmp(a->side, "sell") != 0)
		lyra_usage_error("--side: '%s' is not buy or sell", a->side);
	p->side = strcmp(a->side, "buy") == 0 ? 1 : -1;
	p->qty = need_dec("qty", a->qty, 1);
	p->start = a->start;
	p->end = a->end;
	p->duration = a->duration;
	if (p->end && p->start && p->end <= p->start)
		lyra_usage_error("--end must be after --start");
	p->slices = a->slices;
	if (!p->slices) {
		int64_t d = p->duration ? p->duration : (p->end && p->start ? p->end - p->start : 0);
		p->slices = d >= 600 * LYRA_US_PER_SEC ? (int)(d / (300 * LYRA_US_PER_SEC)) : 1;
		if (d > 0 && d < 600 * LYRA_US_PER_SEC)
			p->slices = 2;
	}
	p->jitter = opt_dec("jitter", a->o[D_JITTER], 1);
	if (lyra_dec_cmp(p->jitter, opt_dec("jitter", "0.5", 0)) > 0)
		lyra_usage_error("--jitter: at most 50 (%%)");
	p->rate = opt_dec("rate", a->o[D_RATE], 0);
	p->min_slice = opt_dec("min-slice", a->o[D_MIN], 0);
	p->max_slice = opt_dec("max-slice", a->o[D_MAX], 0);
	p->display = opt_dec("display", a->o[D_DISPLAY], 0);
	p->px = opt_dec("px", a->o[D_PX], 0);
	p->variance = opt_dec("variance", a->o[D_VARIANCE], 1);
	p->lower = opt_dec("lower", a->o[D_LOWER], 0);
	p->upper = opt_dec("upper", a->o[D_UPPER], 0);
	p->qty_per_level = opt_dec("qty-per-level", a->o[D_QPL], 0);
	p->levels = a->levels;
	p->every = a->every;
	p->amount = opt_dec("amount", a->o[D_AMOUNT], 0);
	p->limit = opt_dec("limit", a->limit, 0);
	/* urgency sets the default style and offset; --style and --offset-bps win */
	const char *style = "passive", *offset = "0";
	if (a->urgency) {
		if (strcmp(a->urgency, "low") == 0)
			offset = "5";
		else if (strcmp(a->urgency, "high") == 0)
			style = "aggressive";
		else if (strcmp(a->urgency, "normal") != 0)
			lyra_usage_error("--urgency: '%s' is not low, normal or high", a->urgency);
	}
	if (a->style)
		style = a->style;
	if (strcmp(style, "passive") == 0)
		p->style = LYRA_STYLE_PASSIVE;
	else if (strcmp(style, "aggressive") == 0)
		p->style = LYRA_STYLE_AGGRESSIVE;
	else if (strcmp(style, "market") == 0)
		p->style = LYRA_STYLE_MARKET;
	else
		lyra_usage_error("--style: '%s' is not passive, aggressive or market", style);
	offset = a->offset ? a->offset : offset;
	if (lyra_dec_parse_cstr(offset, &p->offset_bps) != 0)
		lyra_usage_error("--offset-bps: '%s' is not a decimal", offset);
	if (a->profile && a->lookback)
		lyra_usage_error("vwap: --profile and --lookback exclude each other");
	if ((a->profile || a->lookback) && p->kind != LYRA_ALGO_VWAP)
		lyra_usage_error("--profile and --lookback are vwap options");
	if (p->kind == LYRA_ALGO_VWAP && !a->profile && !a->lookback)
		lyra_usage_error("vwap needs --profile FILE or --lookback D");
	if (p->kind == LYRA_ALGO_VWAP && !p->duration && !(p->start && p->end))
		lyra_usage_error("vwap needs --duration (or --start and --end)");
	/* validate the combination once (the id comes later) */
	struct lyra_algo *probe = lyra_algo_new(p, emit, r);
	if (!probe)
		lyra_usage_error("%s", lyra_error_msg());
	lyra_algo_free(probe);
	/* the canonical parameters: the machine's plus the profile's source */
	char *pj = lyra_algo_params_json(p);
	json_t *pjs = pj ? json_loads(pj, 0, NULL) : NULL;
	free(pj);
	if (!pjs)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	if (a->profile) {
		r->profile_src = read_profile(a->profile);
		json_object_set(pjs, "profile", r->profile_src);
	}
	if (a->lookback)
		json_object_set_new(pjs, "lookback", json_integer(a->lookback_us));
	r->params = json_dumps(pjs, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(pjs);
	if (a->feedback && strcmp(a->feedback, "store") == 0) {
		r->store_mode = 1;
	} else if (a->feedback) {
		fb.fifo = open(a->feedback, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fb.fifo < 0)
			lyra_die(LYRA_EX_NOINPUT, "cannot open '%s': %s", a->feedback, strerror(errno));
		int fl = fcntl(1, F_GETFL);
		if (fl >= 0)
			fcntl(1, F_SETFL, fl | O_NONBLOCK);
	}
	fb.queue = json_array();
	lyra_clock_init(&r->clock, a->live ? LYRA_CLOCK_WALL : LYRA_CLOCK_EVENT);
}

static int64_t need_time(const char *opt, const char *v)
{
	int64_t t;
	if (lyra_time_parse(v, &t) != 0)
		lyra_usage_error("--%s: %s", opt, lyra_error_msg());
	return t;
}

static int64_t need_duration(const char *opt, const char *v)
{
	int64_t d;
	if (lyra_duration_parse(v, &d) != 0 || d <= 0)
		lyra_usage_error("--%s: '%s' is not a positive duration", opt, v);
	return d;
}

static int need_int(const char *opt, const char *v)
{
	char *e;
	long n = strtol(v, &e, 10);
	if (*v == 0 || *e || n < 1 || n > 100000)
		lyra_usage_error("--%s: '%s' is not a count from 1 to 100000", opt, v);
	return (int)n;
}

int main(int argc, char **argv)
{
	struct args a = { .format = LYRA_FMT_TABLE };
	struct run r;
	const char *arg;
	int c, cmd, status;

	memset(&r, 0, sizeof r);
	lyra_cli_init(&cli, &spec, argc, argv);
	while ((c = lyra_cli_next(&cli, &arg)) != -1) {
		switch (c) {
		case OPT_VENUE: a.venue = arg; break;
		case OPT_SYMBOL: a.symbol = arg; break;
		case OPT_SIDE: a.side = arg; break;
		case OPT_QTY: a.qty = arg; break;
		case OPT_ID: a.id = arg; break;
		case OPT_DURATION: a.duration = need_duration("duration", arg); break;
		case OPT_SLICES: a.slices = need_int("slices", arg); break;
		case OPT_JITTER: a.o[D_JITTER] = arg; break;
		case OPT_PROFILE: a.profile = arg; break;
		case OPT_LOOKBACK: a.lookback = arg; a.lookback_us = need_duration("lookback", arg); break;
		case OPT_RATE: a.o[D_RATE] = arg; break;
		case OPT_MIN_SLICE: a.o[D_MIN] = arg; break;
		case OPT_MAX_SLICE: a.o[D_MAX] = arg; break;
		case OPT_DISPLAY: a.o[D_DISPLAY] = arg; break;
		case OPT_PX: a.o[D_PX] = arg; break;
		case OPT_VARIANCE: a.o[D_VARIANCE] = arg; break;
		case OPT_LOWER: a.o[D_LOWER] = arg; break;
		case OPT_UPPER: a.o[D_UPPER] = arg; break;
		case OPT_LEVELS: a.levels = need_int("levels", arg); break;
		case OPT_QPL: a.o[D_QPL] = arg; break;
		case OPT_EVERY: a.every = need_duration("every", arg); break;
		case OPT_AMOUNT: a.o[D_AMOUNT] = arg; break;
		case OPT_UNTIL:
		case OPT_END: a.end = need_time(c == OPT_END ? "end" : "until", arg); break;
		case OPT_LIMIT: a.limit = arg; break;
		case OPT_OFFSET: a.offset = arg; break;
		case OPT_STYLE: a.style = arg; break;
		case OPT_URGENCY: a.urgency = arg; break;
		case OPT_START: a.start = need_time("start", arg); break;
		case OPT_FEEDBACK: a.feedback = arg; break;
		case OPT_LIVE: a.live = 1; break;
		case OPT_FRESH: a.fresh = 1; break;
		case OPT_EOF: a.eof = 1; break;
		case OPT_FORMAT:
			if (lyra_format_parse(arg, &a.format) != 0)
				lyra_usage_error("%s", lyra_error_msg());
			break;
		}
	}
	char **ops = cli.argv + cli.optind;
	int nops = cli.argc - cli.optind;
	cmd = lyra_cli_command(&spec, nops ? ops[0] : NULL);
	ops++;
	nops--;
	if (cmd == CMD_SHOW && nops != 1)
		lyra_usage_error("show: expected one parent id");
	if (cmd == CMD_LIST && nops > 0)
		lyra_usage_error("unexpected argument '%s'", ops[0]);
	if (cmd < CMD_LIST)
		setup(&r, &a, cmd);
	store = lyra_store_open(cli.db);
	if (!store)
		lyra_die_last();
	if (lyra_identity_resolve(store, &me) != 0)
		lyra_die_last();
	if (lyra_identity_require(store, &me, cmd < CMD_LIST ? "algo.run" : "algo.read") != 0)
		lyra_die_last();
	if (cmd == CMD_LIST) {
		status = cmd_list(&a);
	} else if (cmd == CMD_SHOW) {
		status = cmd_show(ops[0]);
	} else {
		json_t *state = a.fresh && !a.id ? NULL : find_parent(&r, &a);
		if (state) {
			create_algo(&r, state);
			json_decref(state);
		}
		status = cmd_filter(&a, &r, ops, nops);
		lyra_algo_free(r.a);
		free(r.params);
		free(r.weights);
		json_decref(r.profile_src);
	}
	json_decref(fb.queue);
	free(fb.buf);
	free(fb.in);
	lyra_store_close(store);
	lyra_cli_release(&cli);
	return lyra_cli_finish(status);
}
