/* mdfeed: market data from the eight venues over REST, and the recorder. Instruments as
 * `market` records (cached in the store with their fetch time), order book, best bid/offer,
 * recent trades and funding snapshots, historical candles paged through the venue's limits and
 * resumable into the store, `record` (any market-data stream into the store, de-duplicated by
 * the hash of each line's bytes) and `replay` (the recorded lines back in event-time order, as
 * their original bytes). Venue knowledge lives in the adapters (venue.h); HTTP in http.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "audit.h"
#include "cli.h"
#include "clock.h"
#include "decimal.h"
#include "error.h"
#include "http.h"
#include "identity.h"
#include "markets.h"
#include "metrics.h"
#include "ndjson.h"
#include "record.h"
#include "store.h"
#include "venue.h"
#include "venue_ws.h"
#include "ws.h"

enum { CMD_MARKETS, CMD_SNAPSHOT, CMD_CANDLES, CMD_RECORD, CMD_REPLAY, CMD_INGEST, CMD_WATCH };

static const struct lyra_subcmd cmds[] = {
	[CMD_MARKETS] = { "markets", "VENUE[,VENUE...]",
	                  "every instrument of a venue as market records (cached in the store)" },
	[CMD_SNAPSHOT] = { "snapshot", "VENUE[,VENUE...] SYMBOL...",
	                   "one book per symbol from REST; also bbo, recent trades, funding" },
	[CMD_CANDLES] = { "candles", "VENUE SYMBOL --interval I",
	                  "historical candles, paged; resumable with --store" },
	[CMD_RECORD] = { "record", "[FILE...]",
	                 "append a market-data stream to the store, de-duplicated" },
	[CMD_REPLAY] = { "replay", "[--from T] [--to T]",
	                 "recorded data in event-time order, as the original bytes" },
	[CMD_INGEST] = { "ingest", "VENUE [FILE]",
	                 "raw venue WebSocket messages to records, with validated local books" },
	[CMD_WATCH] = { "watch", "VENUE[,VENUE...] SYMBOL...",
	                "live WebSocket streams to records, with validated books; reconnects" },
	{ NULL, NULL, NULL },
};

enum {
	OPT_REFRESH = 256, OPT_MAX_AGE, OPT_DEPTH, OPT_BBO, OPT_TRADES, OPT_FUNDING, OPT_INTERVAL,
	OPT_FROM, OPT_TO, OPT_STORE, OPT_VENUE, OPT_SYMBOL, OPT_TYPE, OPT_SPEED, OPT_BATCH,
	OPT_ENDPOINT, OPT_TIMEOUT, OPT_RETRIES, OPT_MAX_WAIT, OPT_CHANNELS, OPT_STALE, OPT_MAX_DRIFT,
};

static const struct lyra_opt opts[] = {
	{ "refresh", OPT_REFRESH, NULL, "markets: fetch again even if the cache is fresh" },
	{ "max-age", OPT_MAX_AGE, "D", "markets cache lifetime (default 24h)" },
	{ "depth", OPT_DEPTH, "N", "snapshot: book levels per side (default 20; 0: no book); ingest: levels per side in book records (0: all)" },
	{ "bbo", OPT_BBO, NULL, "snapshot: also the best bid and offer" },
	{ "trades", OPT_TRADES, "N", "snapshot: also the N most recent trades" },
	{ "funding", OPT_FUNDING, NULL, "snapshot: also the funding rate (perpetuals)" },
	{ "interval", OPT_INTERVAL, "I", "candles: 1m, 5m, 15m, 1h, 4h or 1d" },
	{ "from", OPT_FROM, "T", "candles, replay: from time T (ISO 8601 or microseconds)" },
	{ "to", OPT_TO, "T", "candles, replay: up to (not including) time T" },
	{ "store", OPT_STORE, NULL, "candles: keep closed candles in the store and resume" },
	{ "venue", OPT_VENUE, "V", "replay: only this venue" },
	{ "symbol", OPT_SYMBOL, "S", "replay: only this symbol" },
	{ "type", OPT_TYPE, "TYPE", "replay: only records of this type" },
	{ "speed", OPT_SPEED, "S", "replay: max (default), 1 = event time, 10 = ten times faster" },
	{ "batch", OPT_BATCH, "N", "record: rows per transaction (default 10000)" },
	{ "endpoint", OPT_ENDPOINT, "URL", "the venue's REST base URL (a testnet or a local fake)" },
	{ "timeout", OPT_TIMEOUT, "D", "per-request timeout (default 10s)" },
	{ "retries", OPT_RETRIES, "N", "retries after a failed request (default 4)" },
	{ "max-wait", OPT_MAX_WAIT, "D", "longest Retry-After to honour (default 60s)" },
	{ "channels", OPT_CHANNELS, "LIST", "watch: book, bbo, trades (default all three)" },
	{ "stale", OPT_STALE, "D", "watch: a stale record when a symbol is silent this long (default 30s)" },
	{ "max-drift", OPT_MAX_DRIFT, "D", "watch, ingest: a clock_drift record when venue time is off receive time by more (watch: default 5s; 0: off)" },
	{ NULL, 0, NULL, NULL },
};

static const char *const usage[] = {
	"markets VENUE[,VENUE...] [--refresh] [--max-age D]",
	"snapshot VENUE[,VENUE...] SYMBOL... [--depth N] [--bbo] [--trades N] [--funding]",
	"candles VENUE SYMBOL --interval I --from T --to T [--store]",
	"record [FILE...] [--batch N]",
	"replay [--venue V] [--symbol S] [--type T] [--from T] [--to T] [--speed 1|10|max]",
	"ingest VENUE [FILE] [--depth N] [--max-drift D]",
	"watch VENUE[,VENUE...] SYMBOL... [--channels LIST] [--depth N] [--stale D] [--max-drift D]",
	NULL,
};

static const struct lyra_cli_spec spec = {
	"mdfeed", "Market data from eight venues over REST: instruments, snapshots, candles; record and replay.",
	usage, cmds, opts,
};

#define MAX_VENUES 8
#define DEFAULT_MAX_AGE (24LL * 3600 * LYRA_US_PER_SEC)
#define MD_BATCH 10000
#define COMMIT_EVERY_US LYRA_US_PER_SEC

struct args {
	int refresh, bbo, funding, store;
	int64_t max_age;
	long depth, trades, batch, speed;  /* speed 0 = max */
	const char *interval, *venue, *symbol, *type, *endpoint;
	int64_t from, to;
	int has_from, has_to;
	long timeout_ms, retries, max_wait_ms;
	int has_retries;
	const char *channels;
	int64_t stale;
	int64_t max_drift;       /* -1: the command's default */
};

static struct lyra_cli cli;
static struct lyra_store *store;
static struct lyra_identity me;
static struct lyra_metrics *metrics;

/* ---- small helpers ---- */

static int64_t parse_time_arg(const char *opt, const char *v)
{
	int64_t us;
	if (lyra_time_parse(v, &us) != 0)
		lyra_usage_error("--%s: %s", opt, lyra_error_msg());
	return us;
}

static long parse_count(const char *opt, const char *v, long lo, long hi)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		lyra_usage_error("--%s: '%s' is not an integer from %ld to %ld", opt, v, lo, hi);
	return n;
}

static int64_t parse_dur_arg(const char *opt, const char *v)
{
	int64_t us;
	if (lyra_duration_parse(v, &us) != 0 || us <= 0)
		lyra_usage_error("--%s: %s", opt, *lyra_error_msg() ? lyra_error_msg() : "must be positive");
	return us;
}

static void count_metric(const char *name, const char *labels, int64_t n)
{
	if (metrics && n)
		lyra_metrics_add_int(metrics, name, labels, n);
}

static void note_cb(void *ctx, const char *msg)
{
	(void)ctx;
	lyra_note("%s", msg);
}

/* The message without a leading "venue: " and "path: " (adapters name them; so do we). */
static const char *unprefixed(const char *msg, const char *venue, const char *what)
{
	size_t n = strlen(venue);
	if (strncmp(msg, venue, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
		msg += n + 2;
	if (what && strncmp(what, "GET ", 4) == 0) {
		n = strlen(what + 4);
		if (strncmp(msg, what + 4, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
			msg += n + 2;
	}
	return msg;
}

/* A parser's complaint about the shape of a payload (rather than the venue's own error). */
static int not_venue_error(const char *msg)
{
	return strstr(msg, "malformed JSON") || strstr(msg, "': missing") || strstr(msg, "': not a");
}

static void req_what(char *buf, size_t n, const char *path_query)
{
	size_t plen = strcspn(path_query, "?#");
	snprintf(buf, n, "GET %s%.*s", *path_query == '/' ? "" : "/", (int)(plen > 200 ? 200 : plen),
	         path_query);
}

/* ---- venues ---- */

struct feed {
	const struct lyra_venue *v;
	char base[512];              /* the REST base in use */
	char alt_base[512];          /* for requests with req->alt ("" when the venue has none) */
	struct lyra_http *http;
	struct lyra_http *http_alt;  /* created at its first request */
	struct lyra_market *markets; /* owned, in the venue's order */
	size_t nmarkets;
	int64_t requests;
	const struct args *a;        /* borrowed: timeouts and retries for the clients */
};

static const struct lyra_venue *venue_or_die(const char *id)
{
	const struct lyra_venue *v = lyra_venue_find(id);
	if (!v)
		lyra_die(LYRA_EX_USAGE, "%s", lyra_error_msg());
	return v;
}

static struct lyra_http *client(const struct feed *f, const char *base, int weight,
                                const struct args *a)
{
	struct lyra_http_opts o = {
		.venue = f->v->id,
		.base_url = base,
		.weight_per_minute = weight,
		.timeout_ms = (int)a->timeout_ms,
		.max_retries = a->has_retries ? (a->retries ? (int)a->retries : -1) : 0,
		.max_wait_ms = (int)a->max_wait_ms,
	};
	struct lyra_http *h = lyra_http_new(&o);
	if (!h)
		lyra_die_last();
	lyra_http_set_log(h, note_cb, NULL);
	return h;
}

/* The base URL: --endpoint, else LYRA_<VENUE>_URL, else the venue's production URL. An
 * override replaces the alternative base too (a fake or a testnet serves every path). */
static void feed_open(struct feed *f, const struct lyra_venue *v, const struct args *a)
{
	char env[64];
	const char *url = NULL;
	int overridden = 1;
	memset(f, 0, sizeof *f);
	f->v = v;
	f->a = a;
	snprintf(env, sizeof env, "LYRA_%s_URL", v->id);
	for (size_t i = 5; env[i] && env[i] != '_'; i++)
		env[i] = (char)toupper((unsigned char)env[i]);
	if (a->endpoint) {
		url = a->endpoint;
	} else if (getenv(env) && *getenv(env)) {
		url = getenv(env);
	} else {
		url = v->rest_url;
		overridden = 0;
	}
	if (strlen(url) >= sizeof f->base)
		lyra_die(LYRA_EX_USAGE, "%s: endpoint URL too long", v->id);
	snprintf(f->base, sizeof f->base, "%s", url);
	if (v->alt_url)
		snprintf(f->alt_base, sizeof f->alt_base, "%s", overridden ? url : v->alt_url);
	f->http = client(f, f->base, v->weight_per_minute, a);
}

static void feed_close(struct feed *f)
{
	char labels[64];
	snprintf(labels, sizeof labels, "venue=\"%s\"", f->v->id);
	count_metric("mdfeed_http_requests_total", labels, f->requests);
	lyra_http_free(f->http);
	lyra_http_free(f->http_alt);
	free(f->markets);
	f->http = f->http_alt = NULL;
	f->markets = NULL;
}

/* A parser run on a response body: 0, or -1 with error.h set. */
typedef int (*parse_fn)(struct feed *f, void *ctx, const char *body, size_t len);

/* GET one request and hand its body to parse. 0, or -1 with a message naming the venue and the
 * endpoint: the HTTP failure (69, 75, 65), the venue's own error for a refused request, or the
 * parser's reason for a malformed payload (65). */
static int call(struct feed *f, const struct lyra_venue_req *req, parse_fn parse, void *ctx)
{
	struct lyra_http_resp resp;
	struct lyra_http *h = f->http;
	char what[256], msg[1024];
	int rc;

	req_what(what, sizeof what, req->path_query);
	lyra_debug("%s: %s", f->v->id, what);
	if (req->alt && f->alt_base[0]) {
		if (!f->http_alt)
			f->http_alt = client(f, f->alt_base, f->v->alt_weight_per_minute, f->a);
		h = f->http_alt;
	}
	rc = lyra_http_get(h, req->path_query, req->weight > 0 ? req->weight : 1, &resp);
	f->requests += resp.tries;
	if (rc != 0) {
		int code = lyra_error_code();
		if (code == LYRA_EX_DATAERR && resp.body && resp.len) {
			long status = resp.status;
			snprintf(msg, sizeof msg, "%s", lyra_error_msg());
			lyra_error_clear();
			/* the venue's own error message, when the adapter recognises its error payload;
			 * otherwise the status and the start of the body */
			if (parse(f, ctx, resp.body, resp.len) != 0 && !not_venue_error(lyra_error_msg())) {
				char venue_msg[768];
				snprintf(venue_msg, sizeof venue_msg, "%s",
				         unprefixed(lyra_error_msg(), f->v->id, what));
				lyra_error(LYRA_EX_DATAERR, "%s: %s: HTTP %ld: %s", f->v->id, what, status,
				           venue_msg);
			} else {
				lyra_error(LYRA_EX_DATAERR, "%s", msg);
			}
		}
		lyra_http_resp_release(&resp);
		return -1;
	}
	rc = parse(f, ctx, resp.body, resp.len);
	lyra_http_resp_release(&resp);
	if (rc != 0) {
		int code = lyra_error_code();
		snprintf(msg, sizeof msg, "%s", unprefixed(lyra_error_msg(), f->v->id, what));
		if (code != LYRA_EX_DATAERR && code != LYRA_EX_SOFTWARE)
			code = LYRA_EX_DATAERR;
		lyra_error(code, "%s: %s: %s", f->v->id, what, *msg ? msg : "cannot parse the response");
		return -1;
	}
	return 0;
}

/* ---- markets and the cache (lib/markets.h) ---- */

struct mpage {
	int page;
	struct lyra_market_list *list;
};

static int add_market(void *ctx, const struct lyra_market *m)
{
	return lyra_market_list_add(ctx, m);
}

static int parse_markets_page(struct feed *f, void *ctx, const char *body, size_t len)
{
	struct mpage *p = ctx;
	return f->v->parse_markets(p->page, body, len, add_market, p->list);
}

/* The cache's fetch time for the venue at this endpoint, or -1 when there is none. */
static int64_t cache_fetched(const struct feed *f)
{
	return lyra_markets_fetched(store, f->v->id, f->base);
}

static void load_cache(struct feed *f)
{
	struct lyra_market_list l = { 0 };
	if (lyra_markets_load(store, f->v->id, &l) != 0) {
		lyra_market_list_release(&l);
		lyra_die_last();
	}
	free(f->markets);
	f->markets = l.m;
	f->nmarkets = l.n;
}

static void fetch_markets(struct feed *f)
{
	struct lyra_market_list l = { 0 };
	struct lyra_venue_req req;
	int64_t now = lyra_time_now_us();
	int64_t kept = 0;

	for (int page = 0; page < 64; page++) {
		memset(&req, 0, sizeof req);
		if (f->v->markets_req(page, &req) != 1)
			break;
		struct mpage p = { page, &l };
		if (call(f, &req, parse_markets_page, &p) != 0) {
			lyra_market_list_release(&l);
			lyra_die_last();
		}
	}
	if (!l.n) {
		lyra_market_list_release(&l);
		lyra_die(LYRA_EX_DATAERR, "%s: the venue listed no markets", f->v->id);
	}
	if (lyra_markets_save(store, f->v->id, f->base, me.name, l.m, l.n, now, &kept) != 0) {
		lyra_market_list_release(&l);
		lyra_die_last();
	}
	if (kept < (int64_t)l.n)
		lyra_debug("%s: %lld markets listed twice under one symbol were kept once", f->v->id,
		           (long long)((int64_t)l.n - kept));
	lyra_market_list_release(&l);
	load_cache(f);
}

/* Markets from the cache when it is fresh (same endpoint, younger than max-age), else fetched. */
static void need_markets(struct feed *f, const struct args *a, int refresh)
{
	int64_t t = cache_fetched(f);
	if (!refresh && t >= 0 && lyra_time_now_us() - t < a->max_age) {
		load_cache(f);
		if (f->nmarkets)
			return;
	}
	fetch_markets(f);
}

static const struct lyra_market *find_market(struct feed *f, const char *sym)
{
	for (size_t i = 0; i < f->nmarkets; i++)
		if (strcmp(f->markets[i].symbol, sym) == 0)
			return &f->markets[i];
	for (size_t i = 0; i < f->nmarkets; i++)
		if (strcasecmp(f->markets[i].symbol, sym) == 0)
			return &f->markets[i];
	for (size_t i = 0; i < f->nmarkets; i++)
		if (strcasecmp(f->markets[i].venue_symbol, sym) == 0)
			return &f->markets[i];
	return NULL;
}

static const struct lyra_market *market_or_die(struct feed *f, const char *sym)
{
	const struct lyra_market *m = find_market(f, sym);
	const char **names;
	const char *near;
	if (m)
		return m;
	names = malloc((f->nmarkets + 1) * sizeof *names);
	if (!names)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	for (size_t i = 0; i < f->nmarkets; i++)
		names[i] = f->markets[i].symbol;
	near = lyra_nearest(sym, names, (int)f->nmarkets);
	if (!near) {
		char up[LYRA_SYM_MAX];
		size_t i;
		for (i = 0; sym[i] && i + 1 < sizeof up; i++)
			up[i] = (char)toupper((unsigned char)sym[i]);
		up[i] = '\0';
		near = lyra_nearest(up, names, (int)f->nmarkets);
	}
	if (near)
		lyra_die(LYRA_EX_USAGE, "unknown symbol '%s' on %s (did you mean '%s'?)", sym, f->v->id, near);
	lyra_die(LYRA_EX_USAGE, "unknown symbol '%s' on %s (try 'mdfeed markets %s')", sym, f->v->id,
	         f->v->id);
}

/* ---- output ---- */

static int64_t emitted;

/* A write to stdout failed: a reader that went away ends us quietly by SIGPIPE, as it does cat;
 * anything else (a full disk) is exit 74 with the reason. */
static _Noreturn void out_die(void)
{
	if (strstr(lyra_error_msg(), strerror(EPIPE))) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	lyra_die_last();
}

/* The newest event time (ts) of a market-data record written or stored, for
 * lyra_mdfeed_last_record_timestamp_seconds; INT64_MIN while none. Notices (gap, resync, stale)
 * and market records say nothing about fresh prices and do not count. */
static int64_t last_ts = INT64_MIN;

static void note_ts(const char *type, int64_t ts)
{
	static const char *const notices[] = { "gap", "resync", "stale", "clock_drift", "market" };
	if (!type)
		return;
	for (size_t i = 0; i < sizeof notices / sizeof *notices; i++)
		if (strcmp(type, notices[i]) == 0)
			return;
	if (ts > last_ts)
		last_ts = ts;
}

static int emit(json_t *rec)
{
	int64_t ts;
	if (lyra_out_json(rec) != 0)
		return -1;
	emitted++;
	if (metrics && lyra_json_get_ts(rec, "ts", &ts) == 0)
		note_ts(json_string_value(json_object_get(rec, "type")), ts);
	return 0;
}

static int split_venues(char *list, const struct lyra_venue **out)
{
	int n = 0;
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct lyra_venue *v = venue_or_die(tok);
		for (int i = 0; i < n; i++)
			if (out[i] == v)
				lyra_die(LYRA_EX_USAGE, "venue '%s' given twice", tok);
		if (n == MAX_VENUES)
			lyra_usage_error("at most %d venues", MAX_VENUES);
		out[n++] = v;
	}
	if (!n)
		lyra_usage_error("missing VENUE");
	return n;
}

/* ---- markets ---- */

static int cmd_markets(struct args *a, char **ops, int nops)
{
	const struct lyra_venue *vs[MAX_VENUES];
	int nv;
	if (nops != 1)
		lyra_usage_error(nops ? "markets takes one VENUE (or a comma-separated list)" : "missing VENUE");
	nv = split_venues(ops[0], vs);
	if (nv > 1 && a->endpoint)
		lyra_usage_error("--endpoint applies to one venue (use LYRA_<VENUE>_URL for several)");
	if (lyra_identity_require(store, &me, "market.read") != 0)
		lyra_die_last();
	lyra_out_init(0);
	for (int i = 0; i < nv; i++) {
		struct feed f;
		feed_open(&f, vs[i], a);
		int64_t t = cache_fetched(&f);
		int fresh = !a->refresh && t >= 0 && lyra_time_now_us() - t < a->max_age;
		if (fresh)
			lyra_debug("%s: markets from the cache", f.v->id);
		need_markets(&f, a, a->refresh);
		sqlite3_stmt *s = lyra_store_cached(store,
			"SELECT line FROM md_market WHERE venue = ?1 ORDER BY pos");
		if (!s)
			lyra_die_last();
		sqlite3_bind_text(s, 1, f.v->id, -1, SQLITE_STATIC);
		while (sqlite3_step(s) == SQLITE_ROW) {
			if (lyra_out_raw((const char *)sqlite3_column_blob(s, 0),
			                 (size_t)sqlite3_column_bytes(s, 0)) != 0)
				out_die();
			emitted++;
		}
		sqlite3_reset(s);
		feed_close(&f);
	}
	return LYRA_EX_OK;
}

/* ---- snapshot ---- */

struct collect {
	json_t *recs;   /* array of records */
};

static int take_rec(void *ctx, json_t *rec)
{
	struct collect *c = ctx;
	if (!rec)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return json_array_append_new(c->recs, rec) == 0 ? 0 : -1;
}

struct snap {
	struct collect c;
	const struct lyra_market *m;
	int kind;  /* 0 book, 1 bbo, 2 trades, 3 funding */
	long n;
	int64_t now;
};

static int parse_snap(struct feed *f, void *ctx, const char *body, size_t len)
{
	struct snap *s = ctx;
	const struct lyra_venue *v = f->v;
	switch (s->kind) {
	case 0: return v->parse_book(s->m, (int)s->n, body, len, s->now, take_rec, &s->c);
	case 1: return v->parse_bbo(s->m, body, len, s->now, take_rec, &s->c);
	case 2: return v->parse_trades(s->m, body, len, s->now, take_rec, &s->c);
	default: return v->parse_funding(s->m, body, len, s->now, take_rec, &s->c);
	}
}

static void snapshot_one(struct feed *f, const struct lyra_market *m, int kind, long n)
{
	struct lyra_venue_req req;
	struct snap s = { { json_array() }, m, kind, n, 0 };
	const struct lyra_venue *v = f->v;
	int rc;
	size_t i;
	json_t *rec;
	memset(&req, 0, sizeof req);
	switch (kind) {
	case 0: rc = v->book_req(m, (int)n, &req); break;
	case 1: rc = v->bbo_req(m, &req); break;
	case 2: rc = v->trades_req(m, (int)n, &req); break;
	default: rc = v->funding_req(m, &req); break;
	}
	if (rc < 0)
		lyra_die_last();
	s.now = lyra_time_now_us();
	if (call(f, &req, parse_snap, &s) != 0)
		lyra_die_last();
	if (kind == 2 && json_array_size(s.c.recs) > (size_t)n) {
		/* the venue sent more than asked: keep the newest n, still oldest first */
		size_t drop = json_array_size(s.c.recs) - (size_t)n;
		for (size_t k = 0; k < drop; k++)
			json_array_remove(s.c.recs, 0);
	}
	json_array_foreach(s.c.recs, i, rec)
		if (emit(rec) != 0)
			out_die();
	json_decref(s.c.recs);
}

static int cmd_snapshot(struct args *a, char **ops, int nops)
{
	const struct lyra_venue *vs[MAX_VENUES];
	struct feed feeds[MAX_VENUES];
	int nv;
	if (nops < 1)
		lyra_usage_error("missing VENUE");
	if (nops < 2)
		lyra_usage_error("missing SYMBOL");
	nv = split_venues(ops[0], vs);
	if (nv > 1 && a->endpoint)
		lyra_usage_error("--endpoint applies to one venue (use LYRA_<VENUE>_URL for several)");
	for (int i = 0; i < nv; i++)
		if (a->funding && (!vs[i]->funding_req || !vs[i]->parse_funding))
			lyra_die(LYRA_EX_USAGE, "--funding: %s has no perpetuals on its public API", vs[i]->id);
	if (lyra_identity_require(store, &me, "market.read") != 0)
		lyra_die_last();
	lyra_out_init(0);
	/* Every symbol is checked on every venue before the first request for data. */
	for (int i = 0; i < nv; i++) {
		feed_open(&feeds[i], vs[i], a);
		need_markets(&feeds[i], a, 0);
		for (int k = 1; k < nops; k++) {
			const struct lyra_market *m = market_or_die(&feeds[i], ops[k]);
			if (a->funding && strcmp(m->instrument, "perpetual") != 0)
				lyra_die(LYRA_EX_USAGE, "--funding: '%s' on %s is %s, not a perpetual", m->symbol,
				                 vs[i]->id, m->instrument);
		}
	}
	for (int i = 0; i < nv; i++) {
		for (int k = 1; k < nops; k++) {
			const struct lyra_market *m = find_market(&feeds[i], ops[k]);
			if (a->depth)
				snapshot_one(&feeds[i], m, 0, a->depth);
			if (a->bbo)
				snapshot_one(&feeds[i], m, 1, 1);
			if (a->trades)
				snapshot_one(&feeds[i], m, 2, a->trades);
			if (a->funding)
				snapshot_one(&feeds[i], m, 3, 1);
		}
		feed_close(&feeds[i]);
	}
	return LYRA_EX_OK;
}

/* ---- storing records ---- */

static const char *const md_types[] = {
	"book", "book_delta", "bbo", "trade", "candle", "funding", "market", "gap", "resync", "stale",
	"clock_drift", NULL,
};

static int is_md_type(const char *t, size_t n)
{
	for (int i = 0; md_types[i]; i++)
		if (lyra_type_is(t, n, md_types[i]))
			return 1;
	return 0;
}

static void line_hash(const char *buf, size_t len, unsigned char md[32])
{
	unsigned int n = 32;
	if (EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL) != 1)
		lyra_die(LYRA_EX_SOFTWARE, "cannot hash a record: SHA-256 failed");
}

/* Insert one line; returns 1 inserted, 0 duplicate, -1 error (error.h). */
static int store_line(const char *buf, size_t len, int64_t ts, const char *type, const char *venue,
                      const char *symbol, const char *interval)
{
	unsigned char md[32];
	sqlite3_stmt *s = lyra_store_cached(store,
		"INSERT OR IGNORE INTO md_record (ts, type, venue, symbol, interval, hash, line)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	int rc;
	if (!s)
		return -1;
	line_hash(buf, len, md);
	sqlite3_bind_int64(s, 1, ts);
	sqlite3_bind_text(s, 2, type, -1, SQLITE_STATIC);
	if (venue)
		sqlite3_bind_text(s, 3, venue, -1, SQLITE_STATIC);
	if (symbol)
		sqlite3_bind_text(s, 4, symbol, -1, SQLITE_STATIC);
	if (interval)
		sqlite3_bind_text(s, 5, interval, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 6, md, 32, SQLITE_STATIC);
	sqlite3_bind_blob(s, 7, buf, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(store, "cannot store a record");
	return sqlite3_changes(store->db) > 0;
}

struct batch {
	int open;
	int64_t inserted, duplicates;        /* in the open transaction */
	int64_t total_inserted, total_dups;  /* over the run */
	int64_t started_us;
	int64_t commits;
	const char *action, *object;
	json_t *extra;                       /* borrowed: more audit details */
};

static int batch_begin(struct batch *b)
{
	if (b->open)
		return 0;
	if (lyra_store_begin(store) != 0)
		return -1;
	b->open = 1;
	b->inserted = b->duplicates = 0;
	b->started_us = lyra_time_now_us();
	return 0;
}

/* Commit the open transaction with its audit entry (only when it added rows). */
static int batch_commit(struct batch *b)
{
	if (!b->open)
		return 0;
	if (b->inserted) {
		json_t *d = json_pack("{sIsI}", "inserted", (json_int_t)b->inserted, "duplicates",
		                      (json_int_t)b->duplicates);
		if (b->extra)
			json_object_update(d, b->extra);
		int64_t seq = lyra_audit_append(store, me.name, b->action, b->object, d);
		json_decref(d);
		if (seq < 0) {
			lyra_store_rollback(store);
			b->open = 0;
			return -1;
		}
	}
	if (lyra_store_commit(store) != 0) {
		lyra_store_rollback(store);
		b->open = 0;
		return -1;
	}
	b->open = 0;
	b->total_inserted += b->inserted;
	b->total_dups += b->duplicates;
	b->commits++;
	return 0;
}

/* ---- candles ---- */

struct page {
	struct collect c;
	const struct lyra_market *m;
	const char *interval;
};

static int parse_candle_page(struct feed *f, void *ctx, const char *body, size_t len)
{
	struct page *p = ctx;
	return f->v->parse_candles(p->m, p->interval, body, len, take_rec, &p->c);
}

static void progress(const char *label, int64_t done, int64_t total, int64_t n, int end)
{
	int pct = total > 0 ? (int)(done * 100 / total) : 100;
	char bar[31];
	int fill = pct * 30 / 100;
	if (pct > 100)
		pct = 100, fill = 30;
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r%s: %s [%s] %3d%% %lld candles%s", lyra_progname, label, bar, pct,
	        (long long)n, end ? "\n" : "");
	fflush(stderr);
}

static int intervals_has(const struct lyra_venue *v, const char *iv, char *list, size_t n)
{
	size_t o = 0;
	int found = 0;
	list[0] = '\0';
	for (const char *const *p = v->intervals; p && *p; p++) {
		if (strcmp(*p, iv) == 0)
			found = 1;
		o += (size_t)snprintf(list + o, o < n ? n - o : 0, "%s%s", o ? ", " : "", *p);
	}
	return found;
}

static int cmd_candles(struct args *a, char **ops, int nops)
{
	const struct lyra_venue *v;
	struct feed f;
	const struct lyra_market *m;
	struct batch b = { .action = "md.candles" };
	char ivs[128], label[160], object[160], errmsg[1024], from_s[40];
	int64_t iv, start, last = INT64_MIN, total, now, count = 0, stored_before = 0;
	int bar, status = LYRA_EX_OK;

	if (nops < 1)
		lyra_usage_error("missing VENUE");
	if (nops < 2)
		lyra_usage_error("missing SYMBOL");
	if (nops > 2)
		lyra_usage_error("candles takes one VENUE and one SYMBOL");
	if (!a->interval)
		lyra_usage_error("candles needs --interval");
	if (!a->has_from || !a->has_to)
		lyra_usage_error("candles needs --from and --to");
	iv = lyra_interval_us(a->interval);
	if (iv <= 0)
		lyra_die(LYRA_EX_USAGE, "--interval: '%s' is not one of 1m 5m 15m 1h 4h 1d", a->interval);
	if (strchr(ops[0], ','))
		lyra_usage_error("candles takes one VENUE");
	v = venue_or_die(ops[0]);
	if (!intervals_has(v, a->interval, ivs, sizeof ivs))
		lyra_die(LYRA_EX_USAGE, "--interval: %s does not serve %s candles (it has %s)", v->id,
		         a->interval, ivs);
	if (lyra_identity_require(store, &me, a->store ? "market.record" : "market.read") != 0)
		lyra_die_last();
	lyra_out_init(0);
	feed_open(&f, v, a);
	need_markets(&f, a, 0);
	m = market_or_die(&f, ops[1]);

	start = a->from;
	if (a->store) {
		sqlite3_stmt *s = lyra_store_cached(store,
			"SELECT MIN(ts), MAX(ts), COUNT(*) FROM md_record WHERE type = 'candle' AND venue = ?1"
			" AND symbol = ?2 AND interval = ?3 AND ts >= ?4 AND ts < ?5");
		if (!s)
			lyra_die_last();
		sqlite3_bind_text(s, 1, v->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, m->symbol, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, a->interval, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, a->from);
		sqlite3_bind_int64(s, 5, a->to);
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL &&
		    sqlite3_column_int64(s, 0) < a->from + iv) {
			last = sqlite3_column_int64(s, 1);
			stored_before = sqlite3_column_int64(s, 2);
			start = last + iv;
		}
		sqlite3_reset(s);
		if (last != INT64_MIN) {
			lyra_time_format(last, from_s, sizeof from_s);
			lyra_note("%s %s %s: %lld candles already stored; resuming after %s", v->id,
			          m->symbol, a->interval, (long long)stored_before, from_s);
		}
		snprintf(object, sizeof object, "candles:%s:%s:%s", v->id, m->symbol, a->interval);
		b.object = object;
	}
	snprintf(label, sizeof label, "%s %s %s", v->id, m->symbol, a->interval);
	bar = isatty(STDERR_FILENO) && cli.verbose >= 0;
	total = (a->to - a->from + iv - 1) / iv;

	while (start < a->to) {
		struct lyra_venue_req req;
		struct page p = { { json_array() }, m, a->interval };
		int64_t newest = last;
		size_t i;
		json_t *rec;
		memset(&req, 0, sizeof req);
		if (v->candles_req(m, a->interval, start, a->to, &req) < 0 ||
		    call(&f, &req, parse_candle_page, &p) != 0) {
			json_decref(p.c.recs);
			status = -1;
			break;
		}
		now = lyra_time_now_us();
		json_array_foreach(p.c.recs, i, rec) {
			int64_t ts = json_integer_value(json_object_get(rec, "ts"));
			if (ts < start || ts >= a->to || ts <= newest)
				continue;
			newest = ts;
			count++;
			if (a->store && ts + iv <= now) {
				char *line = lyra_record_dump(rec);
				int rc;
				if (!line || batch_begin(&b) != 0) {
					free(line);
					status = -1;
					break;
				}
				rc = store_line(line, strlen(line), ts, "candle", v->id, m->symbol, a->interval);
				if (rc < 0) {
					free(line);
					status = -1;
					break;
				}
				if (rc)
					b.inserted++;
				else
					b.duplicates++;
				free(line);
			}
			if (emit(rec) != 0) {
				status = -1;
				break;
			}
		}
		json_decref(p.c.recs);
		if (status < 0)
			break;
		if (a->store && b.open && b.inserted + b.duplicates >= MD_BATCH && batch_commit(&b) != 0) {
			status = -1;
			break;
		}
		if (bar)
			progress(label, newest == INT64_MIN ? 0 : (newest - a->from) / iv + 1, total,
			         count + stored_before, 0);
		if (newest == last)
			break;  /* the venue has nothing newer in the range */
		last = newest;
		start = last + iv;
	}
	if (bar)
		progress(label, last == INT64_MIN ? total : (last - a->from) / iv + 1, total,
		         count + stored_before, 1);
	if (status < 0) {
		int code = lyra_error_code();
		snprintf(errmsg, sizeof errmsg, "%s", lyra_error_msg());
		if (b.open && batch_commit(&b) == 0 && b.total_inserted)
			lyra_note("%s: kept %lld candles in the store; run the same command again to resume",
			          label, (long long)b.total_inserted);
		feed_close(&f);
		lyra_error(code, "%s", errmsg);
		if (code == LYRA_EX_IOERR)
			out_die();
		lyra_die(code, "%s", errmsg);
	}
	if (b.open && batch_commit(&b) != 0)
		lyra_die_last();
	if (a->store)
		lyra_note("%s: %lld candles fetched, %lld newly stored", label, (long long)count,
		          (long long)b.total_inserted);
	feed_close(&f);
	return LYRA_EX_OK;
}

/* ---- record ---- */

static volatile sig_atomic_t stop_requested;
static int devnull_fd = -1;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
	/* end a blocked read of stdin at once: the rest of the run commits what it has */
	if (devnull_fd >= 0)
		dup2(devnull_fd, STDIN_FILENO);
}

static int cmd_record(struct args *a, char **ops, int nops)
{
	struct lyra_ndjson_in *in;
	struct lyra_line line;
	struct batch b = { .action = "md.record", .object = "md_record" };
	int status;
	char why[256];

	if (lyra_identity_require(store, &me, "market.record") != 0)
		lyra_die_last();
	devnull_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	in = lyra_ndjson_open("mdfeed", ops, nops, cli.strict);
	if (!in)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	int64_t rejected_before = 0;
	while (!stop_requested && lyra_ndjson_next(in, &line) == 1) {
		const char *t, *pwhy;
		size_t tlen;
		json_t *rec;
		int64_t ts;
		if (lyra_record_peek_type(line.buf, line.len, &t, &tlen, &pwhy) != 0) {
			if (lyra_ndjson_reject(in, &line, "%s", pwhy) != 0)
				break;
			continue;
		}
		if (!is_md_type(t, tlen)) {
			if (lyra_ndjson_reject(in, &line, "'%.*s' is not market data (mdfeed records book, "
			                       "book_delta, bbo, trade, candle, funding, market, gap, resync, stale, "
			                       "clock_drift)",
			                       (int)(tlen > 40 ? 40 : tlen), t) != 0)
				break;
			continue;
		}
		rec = lyra_record_parse(line.buf, line.len, why, sizeof why);
		if (!rec || lyra_record_validate(rec, why, sizeof why) != 0 ||
		    lyra_json_get_ts(rec, "ts", &ts) != 0) {
			json_decref(rec);
			if (lyra_ndjson_reject(in, &line, "%s", why) != 0)
				break;
			continue;
		}
		if (batch_begin(&b) != 0) {
			json_decref(rec);
			lyra_die_last();
		}
		int rc = store_line(line.buf, line.len, ts, json_string_value(json_object_get(rec, "type")),
		                    json_string_value(json_object_get(rec, "venue")),
		                    json_string_value(json_object_get(rec, "symbol")),
		                    json_string_value(json_object_get(rec, "interval")));
		if (rc >= 0)
			note_ts(json_string_value(json_object_get(rec, "type")), ts);
		json_decref(rec);
		if (rc < 0) {
			char msg[1024];
			int code = lyra_error_code();
			snprintf(msg, sizeof msg, "%s", lyra_error_msg());
			lyra_store_rollback(store);
			lyra_die(code, "%s", msg);
		}
		if (rc)
			b.inserted++;
		else
			b.duplicates++;
		if (b.inserted + b.duplicates >= a->batch ||
		    lyra_time_now_us() - b.started_us >= COMMIT_EVERY_US)
			if (batch_commit(&b) != 0)
				lyra_die_last();
	}
	if (batch_commit(&b) != 0)
		lyra_die_last();
	rejected_before = (int64_t)lyra_ndjson_rejected(in);
	status = lyra_ndjson_status(in);
	lyra_ndjson_close(in);
	lyra_note("recorded %lld records (%lld duplicates skipped, %lld rejected)",
	          (long long)b.total_inserted, (long long)b.total_dups, (long long)rejected_before);
	count_metric("mdfeed_records_stored_total", NULL, b.total_inserted);
	count_metric("mdfeed_duplicates_total", NULL, b.total_dups);
	count_metric("mdfeed_rejected_total", NULL, rejected_before);
	if (devnull_fd >= 0)
		close(devnull_fd);
	return status;
}

/* ---- replay ---- */

static void sleep_until(int64_t mono_target_us)
{
	for (;;) {
		struct timespec now, ts;
		clock_gettime(CLOCK_MONOTONIC, &now);
		int64_t cur = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
		if (cur >= mono_target_us)
			return;
		int64_t d = mono_target_us - cur;
		ts.tv_sec = (time_t)(d / 1000000);
		ts.tv_nsec = (long)(d % 1000000) * 1000;
		nanosleep(&ts, NULL);
	}
}

static int64_t mono_now(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

static int cmd_replay(struct args *a, char **ops, int nops)
{
	char sql[512];
	int n, rc;
	sqlite3_stmt *s;
	int64_t t0 = 0, w0 = 0;
	(void)ops;
	if (nops)
		lyra_usage_error("replay takes no operands (filter with --venue, --symbol, --type)");
	if (a->venue && strchr(a->venue, ','))
		lyra_usage_error("--venue: one venue (run replay once per venue, or leave it out)");
	if (a->venue)
		venue_or_die(a->venue);
	if (lyra_identity_require(store, &me, "market.read") != 0)
		lyra_die_last();
	n = snprintf(sql, sizeof sql, "SELECT ts, line, type FROM md_record WHERE ts >= ?1 AND ts < ?2");
	if (a->venue)
		n += snprintf(sql + n, sizeof sql - (size_t)n, " AND venue = ?3");
	if (a->symbol)
		n += snprintf(sql + n, sizeof sql - (size_t)n, " AND symbol = ?4");
	if (a->type)
		n += snprintf(sql + n, sizeof sql - (size_t)n, " AND type = ?5");
	snprintf(sql + n, sizeof sql - (size_t)n, " ORDER BY ts, id");
	s = lyra_store_prepare(store, sql);
	if (!s)
		lyra_die_last();
	sqlite3_bind_int64(s, 1, a->has_from ? a->from : INT64_MIN);
	sqlite3_bind_int64(s, 2, a->has_to ? a->to : INT64_MAX);
	if (a->venue)
		sqlite3_bind_text(s, 3, a->venue, -1, SQLITE_STATIC);
	if (a->symbol)
		sqlite3_bind_text(s, 4, a->symbol, -1, SQLITE_STATIC);
	if (a->type)
		sqlite3_bind_text(s, 5, a->type, -1, SQLITE_STATIC);
	lyra_out_init(a->speed > 0);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t ts = sqlite3_column_int64(s, 0);
		if (a->speed > 0) {
			if (!emitted) {
				t0 = ts;
				w0 = mono_now();
			} else if (ts > t0) {
				sleep_until(w0 + (ts - t0) / a->speed);
			}
		}
		if (lyra_out_raw((const char *)sqlite3_column_blob(s, 1),
		                 (size_t)sqlite3_column_bytes(s, 1)) != 0) {
			sqlite3_finalize(s);
			out_die();
		}
		emitted++;
		note_ts((const char *)sqlite3_column_text(s, 2), ts);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		lyra_die(LYRA_EX_IOERR, "cannot read recorded data: %s", sqlite3_errmsg(store->db));
	return LYRA_EX_OK;
}

/* ---- ingest ---- */

static int ingest_rec(void *ctx, json_t *rec)
{
	(void)ctx;
	if (emit(rec) != 0) {
		json_decref(rec);
		out_die();
	}
	json_decref(rec);
	return 0;
}

static int cmd_ingest(struct args *a, char **ops, int nops)
{
	const struct lyra_venue *v;
	struct lyra_ws_feed *f;
	struct lyra_ndjson_in *in;
	struct lyra_line line;
	const struct lyra_ws_stats *st;
	int status;

	if (nops < 1 || nops > 2)
		lyra_usage_error("ingest takes a venue and at most one file");
	v = venue_or_die(ops[0]);
	if (lyra_identity_require(store, &me, "market.read") != 0)
		lyra_die_last();
	f = lyra_ws_feed_new(v->id, (int)a->depth, ingest_rec, NULL);
	if (!f)
		lyra_die_last();
	lyra_ws_feed_set_max_drift(f, a->max_drift > 0 ? a->max_drift : 0);
	in = lyra_ndjson_open("mdfeed", ops + 1, nops - 1, cli.strict);
	if (!in)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	lyra_out_init(nops == 1);
	while (lyra_ndjson_next(in, &line) == 1) {
		if (lyra_ws_feed_line(f, line.buf, line.len, lyra_time_now_us()) == 0)
			continue;
		if (lyra_ndjson_reject(in, &line, "%s", lyra_error_msg()) != 0)
			break;
	}
	st = lyra_ws_feed_stats(f);
	lyra_note("ingest %s: %" PRId64 " messages, %" PRId64 " checksums verified, %" PRId64
	          " gaps, %" PRId64 " resyncs", v->id, st->messages, st->checksums, st->gaps,
	          st->resyncs);
	if (metrics) {
		char labels[64];

		snprintf(labels, sizeof labels, "venue=\"%s\"", v->id);
		count_metric("mdfeed_ws_messages_total", labels, st->messages);
		count_metric("mdfeed_checksums_total", labels, st->checksums);
		count_metric("mdfeed_gaps_total", labels, st->gaps);
		count_metric("mdfeed_resyncs_total", labels, st->resyncs);
		count_metric("mdfeed_clock_drifts_total", labels, st->drifts);
		count_metric("mdfeed_rejected_total", NULL, (int64_t)lyra_ndjson_rejected(in));
	}
	status = lyra_ndjson_status(in);
	lyra_ndjson_close(in);
	lyra_ws_feed_free(f);
	return status;
}

/* ---- watch ---- */

#define WATCH_SYMS 64
#define DEFAULT_MAX_DRIFT (5 * LYRA_US_PER_SEC)

struct wconn {
	const struct lyra_venue *v;
	char url[512];
	struct lyra_ws *w;
	struct lyra_ws_feed *f;
	struct feed rest;                     /* binance, gateio, bitstamp: REST book snapshots */
	int has_rest, channels, depth;
	char sub[16384];
	int nsyms;
	char sym[WATCH_SYMS][LYRA_SYM_MAX];   /* unified, as records name them */
	char vsym[WATCH_SYMS][LYRA_SYM_MAX];  /* the venue's stream name */
	int64_t last[WATCH_SYMS];             /* wall time of the symbol's last record */
	int stale[WATCH_SYMS];
	int64_t snap_at[WATCH_SYMS];          /* monotonic time a snapshot may be fetched again */
	int snap_tries[WATCH_SYMS];
	int attempts, connected_once;
	int64_t retry_at, reconnects, errors, resubscribes, snapshots, lag_us;
	int has_lag;
};

static int watch_rec(void *ctx, json_t *rec)
{
	struct wconn *c = ctx;
	const char *sym = json_string_value(json_object_get(rec, "symbol"));
	const char *type = json_string_value(json_object_get(rec, "type"));
	int64_t ts, recv;

	for (int i = 0; sym && i < c->nsyms; i++)
		if (strcmp(c->sym[i], sym) == 0) {
			c->last[i] = lyra_time_now_us();
			c->stale[i] = 0;
		}
	if (type && (strcmp(type, "book_delta") == 0 || strcmp(type, "bbo") == 0) &&
	    lyra_json_get_ts(rec, "ts", &ts) == 0 && lyra_json_get_ts(rec, "recv_ts", &recv) == 0) {
		c->lag_us = recv - ts;
		c->has_lag = 1;
	}
	return ingest_rec(NULL, rec);
}

/* 0.5 s doubling per failed attempt up to 30 s, times a random factor in [0.5, 1). */
static int64_t backoff_us(int attempts)
{
	int64_t d = 500000;

	for (int i = 1; i < attempts && d < 30 * LYRA_US_PER_SEC; i++)
		d *= 2;
	if (d > 30 * LYRA_US_PER_SEC)
		d = 30 * LYRA_US_PER_SEC;
	return d / 2 + (int64_t)(random() % (d / 2));
}

/* Send the lines of msgs (one JSON text each) on c's connection; 0 or -1 (warned). */
static int watch_send(struct wconn *c, const char *msgs)
{
	char buf[sizeof c->sub], *line, *save = NULL;

	snprintf(buf, sizeof buf, "%s", msgs);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (lyra_ws_send_text(c->w, line, strlen(line)) < 0) {
			lyra_warn("%s: %s", c->v->id, lyra_error_msg());
			return -1;
		}
	return 0;
}

static void watch_connect(struct wconn *c, long timeout_ms)
{
	const char *names[WATCH_SYMS];

	for (int i = 0; i < c->nsyms; i++)
		names[i] = c->vsym[i];
	/* built at each connection: Gate's subscriptions carry the current time */
	if (lyra_ws_subscribe(c->v->id, names, c->nsyms, c->channels, c->depth, c->sub,
	                      sizeof c->sub) < 0)
		lyra_die_last();
	c->w = lyra_ws_connect(c->url, timeout_ms);
	if (!c->w) {
		c->attempts++;
		c->retry_at = mono_now() + backoff_us(c->attempts);
		lyra_warn("%s: %s; retrying in %.1fs", c->v->id, lyra_error_msg(),
		          (double)(c->retry_at - mono_now()) / 1e6);
		return;
	}
	if (watch_send(c, c->sub) < 0) {
		lyra_ws_close(c->w, 1000, 0);
		c->w = NULL;
		c->attempts++;
		c->retry_at = mono_now() + backoff_us(c->attempts);
		return;
	}
	if (c->connected_once) {
		c->reconnects++;
		lyra_note("%s: reconnected", c->v->id);
	}
	c->connected_once = 1;
	c->attempts = 0;
	lyra_ws_feed_reconnect(c->f);
	for (int i = 0; i < c->nsyms; i++) {
		c->last[i] = lyra_time_now_us();
		c->snap_at[i] = 0;
		c->snap_tries[i] = 0;
	}
}

static void watch_drop(struct wconn *c, const char *why)
{
	lyra_warn("%s: %s; reconnecting", c->v->id, why);
	lyra_ws_close(c->w, 1000, 0);
	c->w = NULL;
	c->attempts++;
	c->retry_at = mono_now() + backoff_us(c->attempts);
}

struct snapctx {
	struct wconn *c;
	const char *url;
};

static int parse_rest_book(struct feed *f, void *ctx, const char *body, size_t len)
{
	struct snapctx *sc = ctx;

	(void)f;
	return lyra_ws_feed_rest(sc->c->f, sc->url, body, len, lyra_time_now_us());
}

/* Binance, Gate, Bitstamp: a symbol's book starts from a REST snapshot taken after its first
 * diff has been buffered (the venues' rules in lib/venue_ws.c); a snapshot older than the
 * buffered diffs, or a failed request, is tried again after a backoff. The request is the
 * adapter's book request (venue.h), through the venue's shared rate budget (http.h). */
static void watch_snapshots(struct wconn *c)
{
	int64_t now = mono_now();

	for (int i = 0; i < c->nsyms && c->w; i++) {
		int want = lyra_ws_feed_want_snapshot(c->f, c->vsym[i]);
		struct lyra_market m;
		struct lyra_venue_req req;
		char url[sizeof c->rest.base + sizeof req.path_query];
		struct snapctx sc = { c, url };

		if (!want || now < c->snap_at[i])
			continue;
		memset(&m, 0, sizeof m);
		snprintf(m.venue, sizeof m.venue, "%s", c->v->id);
		snprintf(m.venue_symbol, sizeof m.venue_symbol, "%s", c->vsym[i]);
		snprintf(m.instrument, sizeof m.instrument, "spot");
		/* depth 0: the adapter's largest book (binance limit=5000, as its rules ask) */
		if (c->v->book_req(&m, 0, &req) < 0)
			lyra_die_last();
		snprintf(url, sizeof url, "%s%s", c->rest.base, req.path_query);
		c->snapshots++;
		if (call(&c->rest, &req, parse_rest_book, &sc) < 0) {
			lyra_warn("%s: %s", c->v->id, lyra_error_msg());
			c->errors++;
		}
		if (lyra_ws_feed_want_snapshot(c->f, c->vsym[i]) == 2 || !lyra_ws_feed_synced(c->f, c->vsym[i])) {
			c->snap_tries[i]++;
			c->snap_at[i] = mono_now() + backoff_us(c->snap_tries[i]);
			lyra_note("%s: %s: the book snapshot did not fit the buffered diffs; again in %.1fs",
			          c->v->id, c->sym[i], (double)(c->snap_at[i] - mono_now()) / 1e6);
		} else {
			c->snap_tries[i] = 0;
		}
	}
}

/* Act on the books that had a gap: resynchronise each symbol alone (a new REST snapshot, or
 * unsubscribe and subscribe its book again), the other symbols' streams untouched; a broken
 * connection-wide sequence (bitfinex) opens the connection again. */
static void watch_gaps(struct wconn *c)
{
	char vs[LYRA_SYM_MAX], msgs[2048];
	int g;

	while (c->w && (g = lyra_ws_feed_take_gap(c->f, vs, sizeof vs)) != 0) {
		if (g == 2) {
			c->attempts = 0;
			watch_drop(c, "the connection's sequence broke");
			return;
		}
		c->resubscribes++;
		if (c->has_rest) {
			lyra_note("%s: %s: book gap; fetching a new snapshot", c->v->id, vs);
			continue;
		}
		if (lyra_ws_feed_resubscribe(c->f, vs, c->depth, msgs, sizeof msgs) < 0)
			lyra_die_last();
		lyra_note("%s: %s: book gap; subscribing to its book again", c->v->id, vs);
		if (watch_send(c, msgs) < 0) {
			watch_drop(c, "cannot resubscribe");
			return;
		}
	}
}

static int cmd_watch(struct args *a, char **ops, int nops)
{
	const struct lyra_venue *vs[MAX_VENUES];
	struct wconn *conns;
	int nv, channels = 0, status = LYRA_EX_OK;
	char vlist[256];
	struct sigaction sa;

	if (nops < 2)
		lyra_usage_error("watch takes venues and at least one symbol");
	if (nops - 1 > WATCH_SYMS)
		lyra_usage_error("watch: at most %d symbols", WATCH_SYMS);
	snprintf(vlist, sizeof vlist, "%s", ops[0]);
	nv = split_venues(vlist, vs);
	if (a->channels) {
		char buf[128], *tok, *save = NULL;

		snprintf(buf, sizeof buf, "%s", a->channels);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (strcmp(tok, "book") == 0)
				channels |= LYRA_WS_BOOK;
			else if (strcmp(tok, "bbo") == 0)
				channels |= LYRA_WS_BBO;
			else if (strcmp(tok, "trades") == 0)
				channels |= LYRA_WS_TRADES;
			else
				lyra_usage_error("--channels: unknown channel '%s' (book, bbo, trades)", tok);
		}
	} else {
		channels = LYRA_WS_BOOK | LYRA_WS_BBO | LYRA_WS_TRADES;
	}
	conns = calloc((size_t)nv, sizeof(*conns));
	if (!conns)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	for (int k = 0; k < nv; k++) {
		struct wconn *c = &conns[k];
		char env[64];
		const char *url = lyra_ws_url(vs[k]->id), *over;

		if (!url)
			lyra_die_last();
		c->v = vs[k];
		c->channels = channels;
		c->depth = (int)a->depth;
		snprintf(env, sizeof env, "LYRA_%s_WS_URL", vs[k]->id);
		for (char *p = env; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		over = getenv(env);
		snprintf(c->url, sizeof c->url, "%s", over && *over ? over : url);
		c->nsyms = nops - 1;
		for (int i = 0; i < c->nsyms; i++) {
			if (lyra_ws_venue_symbol(vs[k]->id, ops[i + 1], c->vsym[i], sizeof c->vsym[i]) < 0)
				lyra_die_last();
			for (size_t j = 0; j < LYRA_SYM_MAX - 1 && ops[i + 1][j]; j++)
				c->sym[i][j] = (char)toupper((unsigned char)ops[i + 1][j]);
		}
		c->f = lyra_ws_feed_new(vs[k]->id, (int)a->depth, watch_rec, c);
		if (!c->f)
			lyra_die_last();
		lyra_ws_feed_set_max_drift(c->f, a->max_drift >= 0 ? a->max_drift : DEFAULT_MAX_DRIFT);
		for (int i = 0; i < c->nsyms; i++)
			if (lyra_ws_feed_symbol(c->f, c->vsym[i], c->sym[i]) < 0)
				lyra_die_last();
		if (strcmp(vs[k]->id, "binance") == 0 || strcmp(vs[k]->id, "gateio") == 0 ||
		    strcmp(vs[k]->id, "bitstamp") == 0) {
			c->has_rest = 1;
			feed_open(&c->rest, vs[k], a);
		}
	}
	if (lyra_identity_require(store, &me, "market.read") != 0)
		lyra_die_last();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	srandom((unsigned)(lyra_time_now_us() ^ getpid()));
	lyra_out_init(1);
	while (!stop_requested) {
		struct pollfd pf[MAX_VENUES];
		int np = 0, idx[MAX_VENUES], busy = 0;
		int64_t now = mono_now();

		for (int k = 0; k < nv; k++)
			if (!conns[k].w && now >= conns[k].retry_at)
				watch_connect(&conns[k], a->timeout_ms);
		for (int k = 0; k < nv; k++)
			if (conns[k].w) {
				if (lyra_ws_buffered(conns[k].w))
					busy = 1;
				pf[np].fd = lyra_ws_fd(conns[k].w);
				pf[np].events = POLLIN;
				pf[np].revents = 0;
				idx[np++] = k;
			}
		if (poll(pf, (nfds_t)np, busy ? 0 : 100) < 0 && errno != EINTR)
			lyra_die(LYRA_EX_SOFTWARE, "cannot poll: %s", strerror(errno));
		for (int i = 0; i < np; i++) {
			struct wconn *c = &conns[idx[i]];
			const char *buf;
			size_t len;
			int r, n = 0;

			if (!pf[i].revents && !lyra_ws_buffered(c->w))
				continue;
			/* a bounded batch, so gaps are acted on and snapshots fetched while a fast
			 * stream keeps the socket busy */
			while (n++ < 256 && (r = lyra_ws_recv(c->w, &buf, &len, 0)) == 1)
				if (lyra_ws_feed_line(c->f, buf, len, lyra_time_now_us()) != 0) {
					c->errors++;
					lyra_warn("%s: %s", c->v->id, lyra_error_msg());
				}
			if (n > 256)
				r = 1;
			if (r == 0) {
				char why[64];

				snprintf(why, sizeof why, "closed by the venue (%d)", lyra_ws_close_code(c->w));
				watch_drop(c, why);
			} else if (r == -1) {
				watch_drop(c, lyra_error_msg());
			}
		}
		for (int k = 0; k < nv; k++) {
			watch_gaps(&conns[k]);
			if (conns[k].has_rest)
				watch_snapshots(&conns[k]);
		}
		{
			int64_t wall = lyra_time_now_us();

			for (int k = 0; k < nv; k++)
				for (int i = 0; i < conns[k].nsyms; i++)
					if (!conns[k].stale[i] && wall - conns[k].last[i] > a->stale &&
					    conns[k].connected_once) {
						json_t *r = lyra_record_new("stale", wall);

						conns[k].stale[i] = 1;
						json_object_set_new(r, "venue", json_string(conns[k].v->id));
						json_object_set_new(r, "symbol", json_string(conns[k].sym[i]));
						json_object_set_new(r, "last_ts", json_integer(conns[k].last[i]));
						ingest_rec(NULL, r);
					}
		}
	}
	for (int k = 0; k < nv; k++) {
		const struct lyra_ws_stats *st = lyra_ws_feed_stats(conns[k].f);
		char labels[64];

		snprintf(labels, sizeof labels, "venue=\"%s\"", conns[k].v->id);
		count_metric("mdfeed_ws_messages_total", labels, st->messages);
		count_metric("mdfeed_checksums_total", labels, st->checksums);
		count_metric("mdfeed_gaps_total", labels, st->gaps);
		count_metric("mdfeed_resyncs_total", labels, st->resyncs);
		count_metric("mdfeed_clock_drifts_total", labels, st->drifts);
		count_metric("mdfeed_reconnects_total", labels, conns[k].reconnects);
		count_metric("mdfeed_snapshots_total", labels, conns[k].snapshots);
		if (metrics && conns[k].has_lag) {
			char lag[48];
			int64_t l = conns[k].lag_us, al = l < 0 ? -l : l;

			snprintf(lag, sizeof lag, "%s%" PRId64 ".%06" PRId64, l < 0 ? "-" : "",
			         al / 1000000, al % 1000000);
			lyra_metrics_set(metrics, "mdfeed_lag_seconds", labels, lag);
		}
		lyra_note("watch %s: %" PRId64 " messages, %" PRId64 " checksums verified, %" PRId64
		          " gaps, %" PRId64 " resyncs, %" PRId64 " reconnects", conns[k].v->id,
		          st->messages, st->checksums, st->gaps, st->resyncs, conns[k].reconnects);
		if (conns[k].errors)
			status = LYRA_EX_DATAERR;
		if (conns[k].w)
			lyra_ws_close(conns[k].w, 1000, 1000);
		lyra_ws_feed_free(conns[k].f);
		if (conns[k].has_rest)
			feed_close(&conns[k].rest);
	}
	free(conns);
	return status;
}

int main(int argc, char **argv)
{
	struct args a = {
		.max_age = DEFAULT_MAX_AGE, .depth = 20, .batch = MD_BATCH, .timeout_ms = 10000,
		.max_wait_ms = 60000, .stale = 30 * LYRA_US_PER_SEC, .max_drift = -1,
	};
	const char *arg;
	int c, cmd, status;

	lyra_cli_init(&cli, &spec, argc, argv);
	while ((c = lyra_cli_next(&cli, &arg)) != -1) {
		switch (c) {
		case OPT_REFRESH: a.refresh = 1; break;
		case OPT_MAX_AGE: a.max_age = parse_dur_arg("max-age", arg); break;
		case OPT_DEPTH: a.depth = parse_count("depth", arg, 0, 5000); break;
		case OPT_BBO: a.bbo = 1; break;
		case OPT_TRADES: a.trades = parse_count("trades", arg, 1, 1000); break;
		case OPT_FUNDING: a.funding = 1; break;
		case OPT_INTERVAL: a.interval = arg; break;
		case OPT_FROM: a.from = parse_time_arg("from", arg); a.has_from = 1; break;
		case OPT_TO: a.to = parse_time_arg("to", arg); a.has_to = 1; break;
		case OPT_STORE: a.store = 1; break;
		case OPT_VENUE: a.venue = arg; break;
		case OPT_SYMBOL: a.symbol = arg; break;
		case OPT_TYPE: a.type = arg; break;
		case OPT_SPEED:
			if (strcmp(arg, "max") == 0)
				a.speed = 0;
			else
				a.speed = parse_count("speed", arg, 1, 1000000);
			break;
		case OPT_BATCH: a.batch = parse_count("batch", arg, 1, 10000000); break;
		case OPT_ENDPOINT: a.endpoint = arg; break;
		case OPT_TIMEOUT: a.timeout_ms = (long)(parse_dur_arg("timeout", arg) / 1000); break;
		case OPT_RETRIES: a.retries = parse_count("retries", arg, 0, 100); a.has_retries = 1; break;
		case OPT_MAX_WAIT: a.max_wait_ms = (long)(parse_dur_arg("max-wait", arg) / 1000); break;
		case OPT_CHANNELS: a.channels = arg; break;
		case OPT_STALE: a.stale = parse_dur_arg("stale", arg); break;
		case OPT_MAX_DRIFT:
			if (strcmp(arg, "0") == 0)
				a.max_drift = 0;
			else
				a.max_drift = parse_dur_arg("max-drift", arg);
			break;
		}
	}
	cmd = lyra_cli_command(&spec, cli.optind < cli.argc ? cli.argv[cli.optind] : NULL);
	if (a.has_from && a.has_to && a.to <= a.from)
		lyra_usage_error("--to must be after --from");
	if (a.timeout_ms < 1)
		a.timeout_ms = 1;
	if (a.max_wait_ms < 1)
		a.max_wait_ms = 1;

	if (cli.metrics) {
		metrics = lyra_metrics_new("mdfeed");
		if (!metrics)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		lyra_metrics_declare(metrics, "mdfeed_records_total", LYRA_METRIC_COUNTER,
		                     "records written on stdout");
		lyra_metrics_declare(metrics, "mdfeed_http_requests_total", LYRA_METRIC_COUNTER,
		                     "HTTP requests sent, retries included");
		lyra_metrics_declare(metrics, "mdfeed_records_stored_total", LYRA_METRIC_COUNTER,
		                     "records added to the store by record");
		lyra_metrics_declare(metrics, "mdfeed_duplicates_total", LYRA_METRIC_COUNTER,
		                     "records record skipped as already stored");
		lyra_metrics_declare(metrics, "mdfeed_rejected_total", LYRA_METRIC_COUNTER,
		                     "input lines record or ingest rejected");
		lyra_metrics_declare(metrics, "mdfeed_ws_messages_total", LYRA_METRIC_COUNTER,
		                     "venue market-data messages ingested");
		lyra_metrics_declare(metrics, "mdfeed_checksums_total", LYRA_METRIC_COUNTER,
		                     "book checksums verified");
		lyra_metrics_declare(metrics, "mdfeed_gaps_total", LYRA_METRIC_COUNTER,
		                     "gap records: missed sequence, failed checksum, crossed book");
		lyra_metrics_declare(metrics, "mdfeed_resyncs_total", LYRA_METRIC_COUNTER,
		                     "resync records: books rebuilt from a new snapshot");
		lyra_metrics_declare(metrics, "mdfeed_last_record_timestamp_seconds", LYRA_METRIC_GAUGE,
		                     "event time of the newest market-data record written or stored");
		lyra_metrics_declare(metrics, "mdfeed_reconnects_total", LYRA_METRIC_COUNTER,
		                     "WebSocket reconnections by watch");
		lyra_metrics_declare(metrics, "mdfeed_clock_drifts_total", LYRA_METRIC_COUNTER,
		                     "clock_drift records: venue time off receive time beyond --max-drift");
		lyra_metrics_declare(metrics, "mdfeed_snapshots_total", LYRA_METRIC_COUNTER,
		                     "REST book snapshots fetched by watch (binance, gateio, bitstamp)");
		lyra_metrics_declare(metrics, "mdfeed_lag_seconds", LYRA_METRIC_GAUGE,
		                     "receive time minus venue event time of the last book_delta or bbo");
	}

	store = lyra_store_open(cli.db);
	if (!store)
		lyra_die_last();
	if (lyra_identity_resolve(store, &me) != 0)
		lyra_die_last();

	char **ops = cli.argv + cli.optind + 1;
	int nops = cli.argc - cli.optind - 1;
	switch (cmd) {
	case CMD_MARKETS: status = cmd_markets(&a, ops, nops); break;
	case CMD_SNAPSHOT: status = cmd_snapshot(&a, ops, nops); break;
	case CMD_CANDLES: status = cmd_candles(&a, ops, nops); break;
	case CMD_RECORD: status = cmd_record(&a, ops, nops); break;
	case CMD_INGEST: status = cmd_ingest(&a, ops, nops); break;
	case CMD_WATCH: status = cmd_watch(&a, ops, nops); break;
	default: status = cmd_replay(&a, ops, nops); break;
	}
	if (lyra_out_flush() != 0)
		status = lyra_exit_merge(status, LYRA_EX_IOERR);
	if (metrics) {
		count_metric("mdfeed_records_total", NULL, emitted);
		if (last_ts != INT64_MIN)
			lyra_metrics_set_int(metrics, "mdfeed_last_record_timestamp_seconds", NULL,
			                     last_ts / LYRA_US_PER_SEC);
		if (lyra_metrics_write(metrics, cli.metrics) != 0) {
			lyra_warn("%s", lyra_error_msg());
			status = lyra_exit_merge(status, LYRA_EX_CANTCREAT);
		}
		lyra_metrics_free(metrics);
	}
	lyra_store_close(store);
	lyra_cli_release(&cli);
	return lyra_cli_finish(status);
}
