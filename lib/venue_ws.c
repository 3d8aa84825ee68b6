/* venue_ws.c: the WebSocket message normalisers and book validators of venue_ws.h. The feed
 * engine (capture-line forms, per-symbol state, records, gap/resync) comes first, then one
 * section per venue with that venue's book rules (../shared/fixtures/README.md):
 * kraken (v1 book, CRC32 over the top 10 after truncating to the subscribed depth), okx (books,
 * CRC32 over 25 interleaved levels, seqId/prevSeqId when sent), binance (REST lastUpdateId +
 * U/u diff continuity), coinbase (level2 snapshot + l2update). */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "error.h"
#include "l2book.h"
#include "record.h"
#include "venue_ws.h"

enum { V_KRAKEN, V_OKX, V_BINANCE, V_COINBASE, V_GATEIO, V_BITFINEX, V_BITSTAMP, V_GEMINI };

static const char *const ws_venues[] = {
	"kraken", "okx", "binance", "coinbase", "gateio", "bitfinex", "bitstamp", "gemini", NULL
};

#define MAX_CHANS 1024      /* bitfinex channel ids remembered per connection */

#define PENDING_MAX 10000   /* binance diffs buffered per symbol before its snapshot */

struct sym {
	char vsym[LYRA_SYM_MAX];
	char sym[LYRA_SYM_MAX];
	struct lyra_l2book book;
	int synced;          /* the book is trusted: deltas are applied and emitted */
	int need_resync;     /* a gap was reported: the next snapshot is announced by a resync */
	int awaiting;        /* gemini after a gap: its book comes again only with a new subscription */
	int gapped;          /* a gap since lyra_ws_feed_take_gap last reported it */
	int snap_old;        /* rest venues: the last snapshot was older than the buffered diffs */
	int drifting;        /* venue time is off local receive time by more than max_drift */
	int64_t seq;         /* last applied update id / seqId; -1 when none */
	json_t *pending;     /* binance: diffs received before the snapshot */
};

struct lyra_ws_feed {
	int venue;
	const char *id;
	int depth;
	lyra_record_cb cb;
	void *ctx;
	struct sym *syms;
	size_t nsyms, cap;
	int64_t recv;        /* receive time of the message being handled */
	int64_t conn_seq;    /* bitfinex: last connection-wide sequence number; -1 when none */
	struct { int64_t id; int kind; char vsym[LYRA_SYM_MAX]; } chans[MAX_CHANS];
	size_t nchans;       /* bitfinex: chanId -> channel kind and symbol */
	int conn_gap;        /* bitfinex: the connection-wide sequence broke */
	int64_t max_drift;   /* clock_drift threshold in µs; 0: not checked */
	struct lyra_ws_stats st;
};

int lyra_ws_supported(const char *venue)
{
	for (int i = 0; ws_venues[i]; i++)
		if (strcmp(ws_venues[i], venue) == 0)
			return 1;
	return 0;
}

struct lyra_ws_feed *lyra_ws_feed_new(const char *venue, int depth, lyra_record_cb cb, void *ctx)
{
	struct lyra_ws_feed *f;
	int v = -1;

	for (int i = 0; ws_venues[i]; i++)
		if (strcmp(ws_venues[i], venue) == 0)
			v = i;
	if (v < 0) {
		lyra_error(LYRA_EX_USAGE, "no WebSocket parser for venue '%s'", venue);
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	f->venue = v;
	f->id = ws_venues[v];
	f->depth = depth > 0 ? depth : 0;
	f->cb = cb;
	f->ctx = ctx;
	f->conn_seq = -1;
	return f;
}

void lyra_ws_feed_free(struct lyra_ws_feed *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nsyms; i++) {
		lyra_l2book_free(&f->syms[i].book);
		json_decref(f->syms[i].pending);
	}
	free(f->syms);
	free(f);
}

const struct lyra_ws_stats *lyra_ws_feed_stats(const struct lyra_ws_feed *f)
{
	return &f->st;
}

/* ---- symbols ---- */

static const char *const quotes[] = {
	"USDT", "USDC", "BUSD", "FDUSD", "TUSD", "USDP", "DAI", "USD", "EUR", "GBP", "JPY", "CHF",
	"CAD", "AUD", "TRY", "BRL", "BTC", "ETH", "BNB", "XBT", NULL
};

static void unify_pair(const char *venue, const char *base, size_t blen, const char *quote,
                       char *out, size_t n)
{
	char b[32], q[32], ub[32], uq[32];

	snprintf(b, sizeof b, "%.*s", (int)blen, base);
	snprintf(q, sizeof q, "%s", quote);
	lyra_venue_asset(venue, b, ub, sizeof ub);
	lyra_venue_asset(venue, q, uq, sizeof uq);
	snprintf(out, n, "%s/%s", ub, uq);
}

/* The unified symbol for a venue symbol, from its shape (no market list needed). */
static void unify(const struct lyra_ws_feed *f, const char *vs, char *out, size_t n)
{
	const char *sep;
	size_t len = strlen(vs);

	switch (f->venue) {
	case V_KRAKEN:
	case V_COINBASE:
	case V_GATEIO:
		sep = strpbrk(vs, f->venue == V_KRAKEN ? "/" : f->venue == V_GATEIO ? "_" : "-");
		if (sep) {
			unify_pair(f->id, vs, (size_t)(sep - vs), sep + 1, out, n);
			return;
		}
		break;
	case V_OKX:
		sep = strchr(vs, '-');
		if (sep) {
			const char *q = sep + 1, *rest = strchr(q, '-');
			char quote[32], ub[32];

			snprintf(quote, sizeof quote, "%.*s", (int)(rest ? rest - q : (long)strlen(q)), q);
			if (!rest) {
				unify_pair(f->id, vs, (size_t)(sep - vs), quote, out, n);
				return;
			}
			snprintf(ub, sizeof ub, "%.*s", (int)(sep - vs), vs);
			if (snprintf(out, n, "%s/%s:%s", ub, quote,
			             strncmp(quote, "USD", 4) == 0 ? ub : quote) >= (int)n)
				break;
			if (strcmp(rest + 1, "SWAP") != 0 &&
			    snprintf(out + strlen(out), n - strlen(out), "-%s", rest + 1) >=
			    (int)(n - strlen(out)))
				break;
			return;
		}
		break;
	case V_BITFINEX:
		if (vs[0] == 't' && (sep = strchr(vs, ':')) != NULL) {
			unify_pair(f->id, vs + 1, (size_t)(sep - vs - 1), sep + 1, out, n);
			return;
		}
		if (vs[0] == 't' && len == 7) {
			unify_pair(f->id, vs + 1, 3, vs + 4, out, n);
			return;
		}
		break;
	case V_BINANCE:
	case V_BITSTAMP:
	case V_GEMINI: {
		char up[LYRA_SYM_MAX];
		size_t i;

		for (i = 0; i < len && i + 1 < sizeof up; i++)
			up[i] = (char)toupper((unsigned char)vs[i]);
		up[i] = '\0';
		for (int k = 0; quotes[k]; k++) {
			size_t ql = strlen(quotes[k]);

			if (i > ql && strcmp(up + i - ql, quotes[k]) == 0) {
				unify_pair(f->id, up, i - ql, quotes[k], out, n);
				return;
			}
		}
		snprintf(out, n, "%s", up);
		return;
	}
	}
	snprintf(out, n, "%s", vs);
}

static struct sym *sym_get(struct lyra_ws_feed *f, const char *vs)
{
	struct sym *s;

	for (size_t i = 0; i < f->nsyms; i++)
		if (strcmp(f->syms[i].vsym, vs) == 0)
			return &f->syms[i];
	if (strlen(vs) >= LYRA_SYM_MAX) {
		lyra_error(LYRA_EX_DATAERR, "%s: symbol '%.40s...' too long", f->id, vs);
		return NULL;
	}
	if (f->nsyms == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct sym *ns = realloc(f->syms, cap * sizeof(*ns));

		if (!ns) {
			lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			return NULL;
		}
		f->syms = ns;
		f->cap = cap;
	}
	s = &f->syms[f->nsyms++];
	memset(s, 0, sizeof(*s));
	snprintf(s->vsym, sizeof s->vsym, "%s", vs);
	unify(f, vs, s->sym, sizeof s->sym);
	lyra_l2book_init(&s->book, 0);
	s->seq = -1;
	return s;
}

/* ---- records ---- */

static json_t *rec_new(struct lyra_ws_feed *f, const char *type, int64_t ts, const struct sym *s)
{
	json_t *r = lyra_record_new(type, ts ? ts : f->recv);

	if (!r)
		return NULL;
	json_object_set_new(r, "venue", json_string(f->id));
	json_object_set_new(r, "symbol", json_string(s->sym));
	return r;
}

static int rec_emit(struct lyra_ws_feed *f, json_t *r)
{
	if (!r)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	json_object_set_new(r, "recv_ts", json_integer(f->recv));
	f->st.records++;
	return f->cb(f->ctx, r);
}

static int emit_gap(struct lyra_ws_feed *f, struct sym *s, int64_t ts, int64_t expected,
                    int64_t got, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int emit_gap(struct lyra_ws_feed *f, struct sym *s, int64_t ts, int64_t expected,
                    int64_t got, const char *fmt, ...)
{
	char reason[256];
	va_list ap;
	json_t *r;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	s->synced = 0;
	s->need_resync = 1;
	s->awaiting = 1;
	s->gapped = 1;
	s->seq = -1;
	lyra_l2book_clear(&s->book);
	f->st.gaps++;
	r = rec_new(f, "gap", ts, s);
	if (r) {
		json_object_set_new(r, "reason", json_string(reason));
		json_object_set_new(r, "expected", json_integer(expected));
		json_object_set_new(r, "got", json_integer(got));
	}
	return rec_emit(f, r);
}

/* A snapshot begins: announce the resync a gap asked for, empty the book. */
static int snapshot_begin(struct lyra_ws_feed *f, struct sym *s, int64_t ts)
{
	lyra_l2book_clear(&s->book);
	s->synced = 0;
	if (s->need_resync) {
		json_t *r = rec_new(f, "resync", ts, s);

		s->need_resync = 0;
		f->st.resyncs++;
		if (r)
			json_object_set_new(r, "reason", json_string("new snapshot after gap"));
		if (rec_emit(f, r) < 0)
			return -1;
	}
	return 0;
}

static int emit_book(struct lyra_ws_feed *f, struct sym *s, int64_t ts, int64_t seq)
{
	json_t *r = rec_new(f, "book", ts, s);

	if (!r)
		return rec_emit(f, r);
	json_object_set_new(r, "seq", json_integer(seq < 0 ? 0 : seq));
	json_object_set_new(r, "bids", lyra_l2book_levels(&s->book, LYRA_L2_BID, f->depth));
	json_object_set_new(r, "asks", lyra_l2book_levels(&s->book, LYRA_L2_ASK, f->depth));
	return rec_emit(f, r);
}

/* Venue event time against local receive time: a clock_drift record when |recv - ts| first goes
 * beyond max_drift for a symbol ("over"), and one when it is back within ("within"). Only the
 * records that report a live change (book_delta, bbo) are measured: snapshots and trade batches
 * may carry old times by design. */
static int check_drift(struct lyra_ws_feed *f, struct sym *s, int64_t ts)
{
	int64_t d = f->recv - ts;
	int over;
	json_t *r;

	if (!f->max_drift || !ts)
		return 0;
	over = d > f->max_drift || d < -f->max_drift;
	if (over == s->drifting)
		return 0;
	s->drifting = over;
	f->st.drifts += over;
	r = rec_new(f, "clock_drift", f->recv, s);
	if (r) {
		json_object_set_new(r, "state", json_string(over ? "over" : "within"));
		json_object_set_new(r, "drift", json_integer(d));
		json_object_set_new(r, "max_drift", json_integer(f->max_drift));
		json_object_set_new(r, "venue_ts", json_integer(ts));
	}
	return rec_emit(f, r);
}

static int emit_delta(struct lyra_ws_feed *f, struct sym *s, int64_t ts, int64_t seq,
                      json_t *bids, json_t *asks)
{
	json_t *r = rec_new(f, "book_delta", ts, s);

	if (!r) {
		json_decref(bids);
		json_decref(asks);
		return rec_emit(f, r);
	}
	json_object_set_new(r, "seq", json_integer(seq < 0 ? 0 : seq));
	json_object_set_new(r, "bids", bids ? bids : json_array());
	json_object_set_new(r, "asks", asks ? asks : json_array());
	if (rec_emit(f, r) < 0)
		return -1;
	return check_drift(f, s, ts);
}

static int emit_bbo(struct lyra_ws_feed *f, struct sym *s, int64_t ts, const char *bp,
                    const char *bq, const char *ap, const char *aq)
{
	json_t *r = rec_new(f, "bbo", ts, s);

	if (r) {
		json_object_set_new(r, "bid_px", json_string(bp));
		json_object_set_new(r, "bid_qty", json_string(bq));
		json_object_set_new(r, "ask_px", json_string(ap));
		json_object_set_new(r, "ask_qty", json_string(aq));
	}
	if (rec_emit(f, r) < 0)
		return -1;
	return check_drift(f, s, ts);
}

static int emit_trade(struct lyra_ws_feed *f, struct sym *s, int64_t ts, const char *id,
                      const char *side, const char *px, const char *qty)
{
	json_t *r = rec_new(f, "trade", ts, s);

	if (r) {
		json_object_set_new(r, "id", json_string(id));
		json_object_set_new(r, "side", json_string(side));
		json_object_set_new(r, "px", json_string(px));
		json_object_set_new(r, "qty", json_string(qty));
	}
	return rec_emit(f, r);
}

/* ---- helpers ---- */

static int bad(const struct lyra_ws_feed *f, const char *what)
{
	return lyra_error(LYRA_EX_DATAERR, "%s: malformed message: %s", f->id, what);
}

/* Text of a JSON string or integer (exact-parsed payloads keep decimals as strings). */
static const char *text(const json_t *v, char *buf, size_t n, size_t *len)
{
	if (json_is_string(v)) {
		*len = json_string_length(v);
		return json_string_value(v);
	}
	if (json_is_integer(v)) {
		int k = snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));

		*len = (size_t)k;
		return buf;
	}
	return NULL;
}

/* "1618678133.365913" (seconds, optional fraction) to microseconds, exactly; -1 if not one. */
static int64_t secs_to_us(const char *s, size_t len)
{
	int64_t sec = 0, frac = 0;
	size_t i = 0;
	int digits = 0;

	if (!len || !isdigit((unsigned char)s[0]))
		return -1;
	for (; i < len && isdigit((unsigned char)s[i]); i++) {
		if (sec > INT64_MAX / 10 / 1000000)
			return -1;
		sec = sec * 10 + (s[i] - '0');
	}
	if (i < len && s[i] == '.') {
		for (i++; i < len && isdigit((unsigned char)s[i]); i++)
			if (digits < 6) {
				frac = frac * 10 + (s[i] - '0');
				digits++;
			}
	}
	if (i != len)
		return -1;
	while (digits++ < 6)
		frac *= 10;
	return sec * 1000000 + frac;
}

/* Milliseconds as a JSON integer or a digit string, to microseconds; 0 when absent/invalid. */
static int64_t ms_to_us(const json_t *v)
{
	int64_t ms = 0;

	if (json_is_integer(v))
		ms = json_integer_value(v);
	else if (json_is_string(v)) {
		const char *p = json_string_value(v);

		for (; *p; p++) {
			if (!isdigit((unsigned char)*p) || ms > INT64_MAX / 10 / 1000)
				return 0;
			ms = ms * 10 + (*p - '0');
		}
	}
	return ms > 0 && ms < INT64_MAX / 1000 ? ms * 1000 : 0;
}

static int64_t iso_to_us(const json_t *v)
{
	int64_t us;

	if (!json_is_string(v) || lyra_time_parse(json_string_value(v), &us) != 0) {
		lyra_error_clear();
		return 0;
	}
	return us;
}

/* Apply rows [[px, qty, ...], ...] to one side; when out is set, append [px, qty] as sent. */
static int apply_rows(struct lyra_ws_feed *f, struct sym *s, enum lyra_l2side side,
                      const json_t *rows, json_t *out)
{
	size_t i;
	const json_t *row;

	if (!json_is_array(rows))
		return bad(f, "book levels are not an array");
	json_array_foreach(rows, i, row) {
		char pb[32], qb[32];
		size_t pl, ql;
		const char *p = text(json_array_get(row, 0), pb, sizeof pb, &pl);
		const char *q = text(json_array_get(row, 1), qb, sizeof qb, &ql);

		if (!p || !q)
			return bad(f, "book level is not [price, quantity]");
		if (lyra_l2book_set(&s->book, side, p, pl, q, ql) < 0)
			return lyra_error_wrap("%s '%s'", f->id, s->vsym);
		if (out)
			json_array_append_new(out, json_pack("[s#s#]", p, pl, q, ql));
	}
	return 0;
}

static int check_crossed(struct lyra_ws_feed *f, struct sym *s, int64_t ts)
{
	struct lyra_l2level bid, ask;

	if (!lyra_l2book_crossed(&s->book))
		return 0;
	lyra_l2book_level(&s->book, LYRA_L2_BID, 0, &bid);
	lyra_l2book_level(&s->book, LYRA_L2_ASK, 0, &ask);
	return emit_gap(f, s, ts, 0, 0, "crossed book: bid %s >= ask %s", bid.px_text, ask.px_text);
}

/* ---- kraken (WS v1) ---- */

/* The latest level timestamp of an update's rows, in µs (0 when none). */
static int64_t kraken_rows_ts(const json_t *rows, int64_t ts)
{
	size_t i;
	const json_t *row;

	json_array_foreach(rows, i, row) {
		const json_t *t = json_array_get(row, 2);
		int64_t us;

		if (json_is_string(t) &&
		    (us = secs_to_us(json_string_value(t), json_string_length(t))) > ts)
			ts = us;
	}
	return ts;
}

static int kraken_book(struct lyra_ws_feed *f, const json_t *msg, size_t n, const char *chan,
                       struct sym *s)
{
	const json_t *first = json_array_get(msg, 1);
	int depth = atoi(chan + 5);
	int64_t ts = 0;

	if (!json_is_object(first))
		return bad(f, "kraken book payload is not an object");
	if (depth > 0)
		s->book.depth = depth;
	if (json_object_get(first, "as") || json_object_get(first, "bs")) {
		const json_t *as = json_object_get(first, "as"), *bs = json_object_get(first, "bs");

		ts = kraken_rows_ts(bs, kraken_rows_ts(as, 0));
		if (snapshot_begin(f, s, ts) < 0)
			return -1;
		if ((as && apply_rows(f, s, LYRA_L2_ASK, as, NULL) < 0) ||
		    (bs && apply_rows(f, s, LYRA_L2_BID, bs, NULL) < 0)) {
			lyra_l2book_clear(&s->book);
			return -1;
		}
		lyra_l2book_trim(&s->book);
		s->synced = 1;
		if (emit_book(f, s, ts, 0) < 0)
			return -1;
		return check_crossed(f, s, ts);
	}
	if (!s->synced)
		return 0;
	{
		json_t *bids = json_array(), *asks = json_array();
		const json_t *c = NULL;

		for (size_t k = 1; k + 2 < n; k++) {
			const json_t *o = json_array_get(msg, k), *a, *b;

			if (!json_is_object(o)) {
				json_decref(bids);
				json_decref(asks);
				return bad(f, "kraken book update is not an object");
			}
			a = json_object_get(o, "a");
			b = json_object_get(o, "b");
			if ((a && apply_rows(f, s, LYRA_L2_ASK, a, asks) < 0) ||
			    (b && apply_rows(f, s, LYRA_L2_BID, b, bids) < 0)) {
				json_decref(bids);
				json_decref(asks);
				return emit_gap(f, s, ts, 0, 0, "bad update: %s", lyra_error_msg());
			}
			ts = kraken_rows_ts(b, kraken_rows_ts(a, ts));
			if (json_object_get(o, "c"))
				c = json_object_get(o, "c");
		}
		lyra_l2book_trim(&s->book);
		if (c) {
			uint32_t got = lyra_l2book_crc_kraken(&s->book);
			const char *cs = json_string_value(c);
			char *end = NULL;
			unsigned long long want = cs ? strtoull(cs, &end, 10) : 0;

			if (!cs || !*cs || *end) {
				json_decref(bids);
				json_decref(asks);
				return bad(f, "kraken checksum 'c' is not a decimal string");
			}
			if (want != got) {
				json_decref(bids);
				json_decref(asks);
				return emit_gap(f, s, ts, (int64_t)want, (int64_t)got,
				                "checksum mismatch: venue %llu, local book %" PRIu32,
				                want, got);
			}
			f->st.checksums++;
		}
		if (emit_delta(f, s, ts, 0, bids, asks) < 0)
			return -1;
		return check_crossed(f, s, ts);
	}
}

static int kraken_msg(struct lyra_ws_feed *f, const json_t *msg)
{
	size_t n;
	const char *chan, *pair;
	struct sym *s;

	if (!json_is_array(msg))
		return 0;   /* events: heartbeat, systemStatus, subscriptionStatus */
	n = json_array_size(msg);
	chan = json_string_value(json_array_get(msg, n - 2));
	pair = json_string_value(json_array_get(msg, n - 1));
	if (n < 4 || !chan || !pair)
		return bad(f, "kraken channel message without channel name and pair");
	f->st.messages++;
	s = sym_get(f, pair);
	if (!s)
		return -1;
	if (strncmp(chan, "book-", 5) == 0)
		return kraken_book(f, msg, n, chan, s);
	if (strcmp(chan, "trade") == 0) {
		const json_t *rows = json_array_get(msg, 1), *row;
		size_t i;

		if (!json_is_array(rows))
			return bad(f, "kraken trade payload is not an array");
		json_array_foreach(rows, i, row) {
			const char *px = json_string_value(json_array_get(row, 0));
			const char *qty = json_string_value(json_array_get(row, 1));
			const json_t *t = json_array_get(row, 2);
			const char *side = json_string_value(json_array_get(row, 3));
			int64_t ts;

			if (!px || !qty || !json_is_string(t) || !side)
				return bad(f, "kraken trade is not [price, volume, time, side, ...]");
			ts = secs_to_us(json_string_value(t), json_string_length(t));
			if (emit_trade(f, s, ts > 0 ? ts : 0, "", side[0] == 'b' ? "buy" : "sell", px,
			               qty) < 0)
				return -1;
		}
		return 0;
	}
	if (strcmp(chan, "ticker") == 0) {
		const json_t *o = json_array_get(msg, 1);
		const json_t *a = json_object_get(o, "a"), *b = json_object_get(o, "b");
		const char *ap = json_string_value(json_array_get(a, 0));
		const char *aq = json_string_value(json_array_get(a, 2));
		const char *bp = json_string_value(json_array_get(b, 0));
		const char *bq = json_string_value(json_array_get(b, 2));

		if (!ap || !aq || !bp || !bq)
			return bad(f, "kraken ticker without 'a' and 'b'");
		return emit_bbo(f, s, 0, bp, bq, ap, aq);
	}
	return 0;
}

/* ---- okx (v5 public) ---- */

static int okx_book(struct lyra_ws_feed *f, struct sym *s, const char *action, const json_t *d)
{
	const json_t *asks = json_object_get(d, "asks"), *bids = json_object_get(d, "bids");
	const json_t *cs = json_object_get(d, "checksum");
	const json_t *seqv = json_object_get(d, "seqId"), *prevv = json_object_get(d, "prevSeqId");
	int64_t ts = ms_to_us(json_object_get(d, "ts"));
	int64_t seq = json_is_integer(seqv) ? json_integer_value(seqv) : -1;
	int snapshot = action && strcmp(action, "snapshot") == 0;
	json_t *ob = NULL, *oa = NULL;

	if (!json_is_array(asks) || !json_is_array(bids))
		return bad(f, "okx books without 'asks' and 'bids'");
	if (snapshot) {
		if (snapshot_begin(f, s, ts) < 0)
			return -1;
		s->book.depth = 400;
	} else {
		if (!s->synced)
			return 0;
		if (json_is_integer(prevv) && s->seq >= 0 && json_integer_value(prevv) != s->seq)
			return emit_gap(f, s, ts, s->seq, json_integer_value(prevv),
			                "sequence gap: expected prevSeqId %" PRId64 ", got %" PRId64,
			                s->seq, (int64_t)json_integer_value(prevv));
		ob = json_array();
		oa = json_array();
	}
	if (apply_rows(f, s, LYRA_L2_ASK, asks, oa) < 0 ||
	    apply_rows(f, s, LYRA_L2_BID, bids, ob) < 0) {
		json_decref(ob);
		json_decref(oa);
		if (snapshot) {
			lyra_l2book_clear(&s->book);
			return -1;
		}
		return emit_gap(f, s, ts, 0, 0, "bad update: %s", lyra_error_msg());
	}
	lyra_l2book_trim(&s->book);
	if (json_is_integer(cs) && (json_integer_value(cs) != 0 || seq < 0)) {
		int32_t got = lyra_l2book_crc_okx(&s->book);

		if (json_integer_value(cs) != got) {
			json_decref(ob);
			json_decref(oa);
			return emit_gap(f, s, ts, json_integer_value(cs), got,
			                "checksum mismatch: venue %" PRId64 ", local book %" PRId32,
			                (int64_t)json_integer_value(cs), got);
		}
		f->st.checksums++;
	}
	s->seq = seq;
	if (snapshot) {
		s->synced = 1;
		if (emit_book(f, s, ts, seq) < 0)
			return -1;
	} else if (!json_array_size(ob) && !json_array_size(oa)) {
		json_decref(ob);
		json_decref(oa);
	} else if (emit_delta(f, s, ts, seq, ob, oa) < 0) {
		return -1;
	}
	return check_crossed(f, s, ts);
}

static int okx_msg(struct lyra_ws_feed *f, const json_t *msg)
{
	const json_t *arg = json_object_get(msg, "arg"), *data = json_object_get(msg, "data"), *d;
	const char *chan = json_string_value(json_object_get(arg, "channel"));
	const char *inst = json_string_value(json_object_get(arg, "instId"));
	struct sym *s;
	size_t i;

	if (!json_is_object(msg) || json_object_get(msg, "event") || !data)
		return 0;   /* subscribe acks, errors are not market data */
	if (!chan || !inst || !json_is_array(data))
		return bad(f, "okx push without 'arg.channel', 'arg.instId' and 'data'");
	f->st.messages++;
	s = sym_get(f, inst);
	if (!s)
		return -1;
	json_array_foreach(data, i, d) {
		int rc = 0;

		if (strncmp(chan, "books", 5) == 0 && strcmp(chan, "books5") != 0 &&
		    strcmp(chan, "bbo-tbt") != 0) {
			rc = okx_book(f, s, json_string_value(json_object_get(msg, "action")), d);
		} else if (strcmp(chan, "tickers") == 0) {
			const char *bp = json_string_value(json_object_get(d, "bidPx"));
			const char *bq = json_string_value(json_object_get(d, "bidSz"));
			const char *ap = json_string_value(json_object_get(d, "askPx"));
			const char *aq = json_string_value(json_object_get(d, "askSz"));

			if (!bp || !bq || !ap || !aq)
				return bad(f, "okx ticker without bidPx, bidSz, askPx, askSz");
			if (*bp && *ap)
				rc = emit_bbo(f, s, ms_to_us(json_object_get(d, "ts")), bp, bq, ap, aq);
		} else if (strcmp(chan, "trades") == 0) {
			const char *id = json_string_value(json_object_get(d, "tradeId"));
			const char *px = json_string_value(json_object_get(d, "px"));
			const char *sz = json_string_value(json_object_get(d, "sz"));
			const char *side = json_string_value(json_object_get(d, "side"));

			if (!id || !px || !sz || !side)
				return bad(f, "okx trade without tradeId, px, sz, side");
			rc = emit_trade(f, s, ms_to_us(json_object_get(d, "ts")), id, side, px, sz);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- binance (spot diff depth + REST snapshot) ---- */

/* Keep a diff that arrived before its symbol's REST snapshot (the oldest go beyond PENDING_MAX). */
static int buffer_diff(struct sym *s, const json_t *d)
{
	if (!s->pending && !(s->pending = json_array()))
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	if (json_array_size(s->pending) >= PENDING_MAX)
		json_array_remove(s->pending, 0);
	if (json_array_append(s->pending, (json_t *)d) < 0)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return 0;
}

/* Event time of a binance depthUpdate (E, ms) or a gate order_book_update (t, ms). */
static int64_t diff_ts(const struct lyra_ws_feed *f, const json_t *d)
{
	return ms_to_us(json_object_get(d, f->venue == V_GATEIO ? "t" : "E"));
}

/* Apply one diff (binance depthUpdate, gate order_book_update) to a synced book by the U/u
 * rules: ignore u <= book id, gap when U > book id + 1; emits book_delta or gap. */
static int binance_diff(struct lyra_ws_feed *f, struct sym *s, const json_t *d)
{
	const json_t *U = json_object_get(d, "U"), *u = json_object_get(d, "u");
	int64_t ts = diff_ts(f, d);
	json_t *ob, *oa;

	if (!json_is_integer(U) || !json_is_integer(u))
		return bad(f, "depth update without integer 'U' and 'u'");
	if (json_integer_value(u) <= s->seq)
		return 0;
	if (json_integer_value(U) > s->seq + 1) {
		/* events were missed: discard the book and restart, this event being the first one
		 * buffered for the next snapshot */
		if (emit_gap(f, s, ts, s->seq + 1, json_integer_value(U),
		             "sequence gap: expected U %" PRId64 ", got %" PRId64, s->seq + 1,
		             (int64_t)json_integer_value(U)) < 0)
			return -1;
		return buffer_diff(s, d);
	}
	ob = json_array();
	oa = json_array();
	if (apply_rows(f, s, LYRA_L2_BID, json_object_get(d, "b"), ob) < 0 ||
	    apply_rows(f, s, LYRA_L2_ASK, json_object_get(d, "a"), oa) < 0) {
		json_decref(ob);
		json_decref(oa);
		return emit_gap(f, s, ts, 0, 0, "bad update: %s", lyra_error_msg());
	}
	lyra_l2book_trim(&s->book);
	s->seq = json_integer_value(u);
	if (emit_delta(f, s, ts, s->seq, ob, oa) < 0)
		return -1;
	return check_crossed(f, s, ts);
}

static int binance_snapshot(struct lyra_ws_feed *f, const char *url, const json_t *body)
{
	const char *q = strstr(url, f->venue == V_GATEIO ? "currency_pair=" : "symbol=");
	const json_t *lid = json_object_get(body, f->venue == V_GATEIO ? "id" : "lastUpdateId");
	char vs[LYRA_SYM_MAX];
	size_t n = 0, i;
	struct sym *s;
	json_t *pending;
	const json_t *d;

	if (!q || !strstr(url, f->venue == V_GATEIO ? "/order_book" : "/depth"))
		return 0;
	for (q = strchr(q, '=') + 1; q[n] && q[n] != '&' && n + 1 < sizeof vs; n++)
		vs[n] = (char)toupper((unsigned char)q[n]);
	vs[n] = '\0';
	if (!json_is_integer(lid))
		return bad(f, "REST book snapshot without an integer update id");
	f->st.messages++;
	s = sym_get(f, vs);
	if (!s)
		return -1;
	/* Binance spot, "How to manage a local order book correctly" (binance-spot-api-docs,
	 * web-socket-streams.md): if the snapshot's lastUpdateId is below the U of the first
	 * buffered event still to apply (those with u <= lastUpdateId are dropped), the snapshot is
	 * too old: fetch it again. Gate's spot.order_book_update rule is the same with the REST
	 * book's id (baseID): start from the notification with U <= baseID+1 <= u, and fetch again
	 * when baseID+1 < U of the first. The book is left as it was (not synced) and the diffs stay
	 * buffered; lyra_ws_feed_want_snapshot says a new one is needed. */
	json_array_foreach(s->pending, i, d) {
		int64_t U = json_integer_value(json_object_get(d, "U"));
		int64_t u = json_integer_value(json_object_get(d, "u"));

		if (u <= json_integer_value(lid))
			continue;
		if (U > json_integer_value(lid) + 1) {
			s->snap_old = 1;
			return 0;
		}
		break;
	}
	s->snap_old = 0;
	if (snapshot_begin(f, s, f->recv) < 0)
		return -1;
	if (apply_rows(f, s, LYRA_L2_BID, json_object_get(body, "bids"), NULL) < 0 ||
	    apply_rows(f, s, LYRA_L2_ASK, json_object_get(body, "asks"), NULL) < 0) {
		lyra_l2book_clear(&s->book);
		return -1;
	}
	lyra_l2book_trim(&s->book);
	s->seq = json_integer_value(lid);
	s->synced = 1;
	if (emit_book(f, s, f->recv, s->seq) < 0 || check_crossed(f, s, f->recv) < 0)
		return -1;
	pending = s->pending;
	s->pending = NULL;
	json_array_foreach(pending, i, d) {   /* binance_diff drops those with u <= lastUpdateId */
		if (!s->synced) {   /* a gap on the way: keep the rest for the next snapshot */
			if (buffer_diff(s, d) < 0) {
				json_decref(pending);
				return -1;
			}
			continue;
		}
		if (binance_diff(f, s, d) < 0) {
			json_decref(pending);
			return -1;
		}
	}
	json_decref(pending);
	return 0;
}

static int binance_msg(struct lyra_ws_feed *f, const json_t *msg)
{
	const json_t *d = json_object_get(msg, "data");
	const char *e, *vs;
	struct sym *s;

	if (!d)
		d = msg;
	if (!json_is_object(d) || json_object_get(d, "result") || json_object_get(d, "id"))
		return 0;   /* subscribe replies */
	e = json_string_value(json_object_get(d, "e"));
	vs = json_string_value(json_object_get(d, "s"));
	if (!vs)
		return 0;
	f->st.messages++;
	s = sym_get(f, vs);
	if (!s)
		return -1;
	if (!e && json_object_get(d, "b") && json_object_get(d, "B")) {
		const char *bp = json_string_value(json_object_get(d, "b"));
		const char *bq = json_string_value(json_object_get(d, "B"));
		const char *ap = json_string_value(json_object_get(d, "a"));
		const char *aq = json_string_value(json_object_get(d, "A"));

		if (!bp || !bq || !ap || !aq)
			return bad(f, "binance bookTicker without b, B, a, A");
		return emit_bbo(f, s, ms_to_us(json_object_get(d, "T")), bp, bq, ap, aq);
	}
	if (!e)
		return 0;
	if (strcmp(e, "depthUpdate") == 0)
		return s->synced ? binance_diff(f, s, d) : buffer_diff(s, d);
	if (strcmp(e, "aggTrade") == 0 || strcmp(e, "trade") == 0) {
		const json_t *idv = json_object_get(d, e[0] == 'a' ? "a" : "t");
		const char *px = json_string_value(json_object_get(d, "p"));
		const char *qty = json_string_value(json_object_get(d, "q"));
		const json_t *m = json_object_get(d, "m");
		char id[32];

		if (!json_is_integer(idv) || !px || !qty || !json_is_boolean(m))
			return bad(f, "binance trade without integer id, p, q, m");
		snprintf(id, sizeof id, "%" JSON_INTEGER_FORMAT, json_integer_value(idv));
		return emit_trade(f, s, ms_to_us(json_object_get(d, "T")), id,
		                  json_is_true(m) ? "sell" : "buy", px, qty);
	}
	return 0;
}

/* ---- coinbase (Exchange level2, ticker, matches) ---- */

static int coinbase_msg(struct lyra_ws_feed *f, const json_t *msg)
{
	const char *type = json_string_value(json_object_get(msg, "type"));
	const char *pid = json_string_value(json_object_get(msg, "product_id"));
	int64_t ts = iso_to_us(json_object_get(msg, "time"));
	struct sym *s;

	if (!type || !pid)
		return 0;   /* subscriptions, heartbeats without a product */
	if (strcmp(type, "snapshot") != 0 && strcmp(type, "l2update") != 0 &&
	    strcmp(type, "ticker") != 0 && strcmp(type, "match") != 0 &&
	    strcmp(type, "last_match") != 0)
		return 0;
	f->st.messages++;
	s = sym_get(f, pid);
	if (!s)
		return -1;
	if (strcmp(type, "snapshot") == 0) {
		if (snapshot_begin(f, s, ts) < 0)
			return -1;
		if (apply_rows(f, s, LYRA_L2_BID, json_object_get(msg, "bids"), NULL) < 0 ||
		    apply_rows(f, s, LYRA_L2_ASK, json_object_get(msg, "asks"), NULL) < 0) {
			lyra_l2book_clear(&s->book);
			return -1;
		}
		lyra_l2book_trim(&s->book);
		s->synced = 1;
		if (emit_book(f, s, ts, 0) < 0)
			return -1;
		return check_crossed(f, s, ts);
	}
	if (strcmp(type, "l2update") == 0) {
		const json_t *ch = json_object_get(msg, "changes"), *row;
		json_t *ob, *oa;
		size_t i;

		if (!json_is_array(ch))
			return bad(f, "coinbase l2update without 'changes'");
		if (!s->synced)
			return 0;
		ob = json_array();
		oa = json_array();
		json_array_foreach(ch, i, row) {
			const char *side = json_string_value(json_array_get(row, 0));
			const json_t *px = json_array_get(row, 1), *qty = json_array_get(row, 2);
			int ask = side && strcmp(side, "sell") == 0;

			if (!side || !json_is_string(px) || !json_is_string(qty) ||
			    (!ask && strcmp(side, "buy") != 0)) {
				json_decref(ob);
				json_decref(oa);
				return bad(f, "coinbase change is not [side, price, size]");
			}
			if (lyra_l2book_set(&s->book, ask ? LYRA_L2_ASK : LYRA_L2_BID,
			                    json_string_value(px), json_string_length(px),
			                    json_string_value(qty), json_string_length(qty)) < 0) {
				json_decref(ob);
				json_decref(oa);
				return emit_gap(f, s, ts, 0, 0, "bad update: %s", lyra_error_msg());
			}
			json_array_append_new(ask ? oa : ob, json_pack("[OO]", px, qty));
		}
		lyra_l2book_trim(&s->book);
		if (emit_delta(f, s, ts, 0, ob, oa) < 0)
			return -1;
		return check_crossed(f, s, ts);
	}
	if (strcmp(type, "ticker") == 0) {
		const char *bp = json_string_value(json_object_get(msg, "best_bid"));
		const char *bq = json_string_value(json_object_get(msg, "best_bid_size"));
		const char *ap = json_string_value(json_object_get(msg, "best_ask"));
		const char *aq = json_string_value(json_object_get(msg, "best_ask_size"));

		if (!bp || !bq || !ap || !aq)
			return 0;   /* older tickers carry no sizes: not a full bbo */
		return emit_bbo(f, s, ts, bp, bq, ap, aq);
	}
	{
		const json_t *idv = json_object_get(msg, "trade_id");
		const char *px = json_string_value(json_object_get(msg, "price"));
		const char *qty = json_string_value(json_object_get(msg, "size"));
		const char *side = json_string_value(json_object_get(msg, "side"));
		char id[32];

		if (!json_is_integer(idv) || !px || !qty || !side)
			return bad(f, "coinbase match without trade_id, price, size, side");
		snprintf(id, sizeof id, "%" JSON_INTEGER_FORMAT, json_integer_value(idv));
		/* side is the maker's: the aggressor took the other side */
		return emit_trade(f, s, ts, id, strcmp(side, "buy") == 0 ? "sell" : "buy", px, qty);
	}
}

/* ---- gateio (spot.order_book_update U/u + REST snapshot with id) ---- */

static int gateio_msg(struct lyra_ws_feed *f, const json_t *msg)
{
	const char *chan = json_string_value(json_object_get(msg, "channel"));
	const char *ev = json_string_value(json_object_get(msg, "event"));
	const json_t *d = json_object_get(msg, "result");
	struct sym *s;

	if (!chan || !ev || strcmp(ev, "update") != 0 || !json_is_object(d))
		return 0;
	if (strcmp(chan, "spot.order_book_update") == 0) {
		const char *vs = json_string_value(json_object_get(d, "s"));

		if (!vs)
			return bad(f, "gateio order_book_update without 's'");
		f->st.messages++;
		if (!(s = sym_get(f, vs)))
			return -1;
		return s->synced ? binance_diff(f, s, d) : buffer_diff(s, d);
	}
	if (strcmp(chan, "spot.book_ticker") == 0) {
		/* {"t":ms,"u":id,"s":"BTC_USDT","b":px,"B":qty,"a":px,"A":qty} */
		const char *vs = json_string_value(json_object_get(d, "s"));
		const char *bp = json_string_value(json_object_get(d, "b"));
		const char *bq = json_string_value(json_object_get(d, "B"));
		const char *ap = json_string_value(json_object_get(d, "a"));
		const char *aq = json_string_value(json_object_get(d, "A"));

		if (!vs || !bp || !bq || !ap || !aq)
			return bad(f, "gateio book_ticker without s, b, B, a, A");
		f->st.messages++;
		if (!(s = sym_get(f, vs)))
			return -1;
		if (!*bp || !*ap)
			return 0;   /* an empty side */
		return emit_bbo(f, s, ms_to_us(json_object_get(d, "t")), bp, bq, ap, aq);
	}
	if (strcmp(chan, "spot.trades") == 0) {
		const char *vs = json_string_value(json_object_get(d, "currency_pair"));
		const json_t *idv = json_object_get(d, "id"), *tms = json_object_get(d, "create_time_ms");
		const char *px = json_string_value(json_object_get(d, "price"));
		const char *qty = json_string_value(json_object_get(d, "amount"));
		const char *side = json_string_value(json_object_get(d, "side"));
		int64_t ts = 0;
		char id[32];

		if (!vs || !json_is_integer(idv) || !px || !qty || !side)
			return bad(f, "gateio trade without currency_pair, id, price, amount, side");
		f->st.messages++;
		if (!(s = sym_get(f, vs)))
			return -1;
		if (json_is_string(tms)) {   /* "1619093543708.2642" ms with a fraction */
			const char *t = json_string_value(tms), *dot = strchr(t, '.');
			int64_t us = secs_to_us(t, dot ? (size_t)(dot - t) : strlen(t));

			if (us > 0)
				ts = us / 1000;
		}
		snprintf(id, sizeof id, "%" JSON_INTEGER_FORMAT, json_integer_value(idv));
		return emit_trade(f, s, ts, id, side, px, qty);
	}
	return 0;
}

/* ---- bitstamp (diff_order_book after a REST snapshot, by microtimestamp) ---- */

static int64_t bitstamp_mts(const json_t *d)
{
	const char *m = json_string_value(json_object_get(d, "microtimestamp"));
	int64_t v = 0;

	if (!m || !*m)
		return -1;
	for (; *m; m++) {
		if (!isdigit((unsigned char)*m) || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*m - '0');
	}
	return v;
}

static int bitstamp_diff(struct lyra_ws_feed *f, struct sym *s, const json_t *d)
{
	int64_t mts = bitstamp_mts(d);
	json_t *ob, *oa;

	if (mts < 0)
		return bad(f, "bitstamp diff without 'microtimestamp'");
	if (mts <= s->seq)
		return 0;
	ob = json_array();
	oa = json_array();
	if (apply_rows(f, s, LYRA_L2_BID, json_object_get(d, "bids"), ob) < 0 ||
	    apply_rows(f, s, LYRA_L2_ASK, json_object_get(d, "asks"), oa) < 0) {
		json_decref(ob);
		json_decref(oa);
		return emit_gap(f, s, mts, 0, 0, "bad update: %s", lyra_error_msg());
	}
	s->seq = mts;
	if (emit_delta(f, s, mts, mts, ob, oa) < 0)
		return -1;
	return check_crossed(f, s, mts);
}

static int bitstamp_snapshot(struct lyra_ws_feed *f, const char *url, const json_t *body)
{
	const char *q = strstr(url, "/order_book/");
	char vs[LYRA_SYM_MAX];
	size_t n = 0, i;
	struct sym *s;
	json_t *pending;
	const json_t *d;
	int64_t mts = bitstamp_mts(body);

	if (!q)
		return 0;
	for (q += 12; q[n] && q[n] != '?' && q[n] != '/' && n + 1 < sizeof vs; n++)
		vs[n] = q[n];
	vs[n] = '\0';
	if (mts < 0)
		return bad(f, "bitstamp order_book without 'microtimestamp'");
	f->st.messages++;
	s = sym_get(f, vs);
	if (!s || snapshot_begin(f, s, mts) < 0)
		return -1;
	if (apply_rows(f, s, LYRA_L2_BID, json_object_get(body, "bids"), NULL) < 0 ||
	    apply_rows(f, s, LYRA_L2_ASK, json_object_get(body, "asks"), NULL) < 0) {
		lyra_l2book_clear(&s->book);
		return -1;
	}
	s->seq = mts;
	s->synced = 1;
	if (emit_book(f, s, mts, mts) < 0 || check_crossed(f, s, mts) < 0)
		return -1;
	pending = s->pending;
	s->pending = NULL;
	json_array_foreach(pending, i, d) {
		if (!s->synced)
			break;
		if (bitstamp_diff(f, s, d) < 0) {
			json_decref(pending);
			return -1;
		}
	}
	json_decref(pending);
	return 0;
}

static int bitstamp_msg(struct lyra_ws_feed *f, const json_t *msg)
{
	const char *chan = json_string_value(json_object_get(msg, "channel"));
	const char *ev = json_string_value(json_object_get(msg, "event"));
	const json_t *d = json_object_get(msg, "data");
	struct sym *s;

	if (!chan || !ev || !json_is_object(d))
		return 0;
	if (strcmp(ev, "data") == 0 && strncmp(chan, "diff_order_book_", 16) == 0) {
		f->st.messages++;
		if (!(s = sym_get(f, chan + 16)))
			return -1;
		return s->synced ? bitstamp_diff(f, s, d) : buffer_diff(s, d);
	}
	if (strcmp(ev, "trade") == 0 && strncmp(chan, "live_trades_", 12) == 0) {
		const json_t *idv = json_object_get(d, "id"), *type = json_object_get(d, "type");
		const char *px = json_string_value(json_object_get(d, "price_str"));
		const char *qty = json_string_value(json_object_get(d, "amount_str"));
		int64_t mts = bitstamp_mts(d);
		char id[32];

		if (!json_is_integer(idv) || !json_is_integer(type) || !px || !qty)
			return bad(f, "bitstamp trade without id, type, price_str, amount_str");
		f->st.messages++;
		if (!(s = sym_get(f, chan + 12)))
			return -1;
		snprintf(id, sizeof id, "%" JSON_INTEGER_FORMAT, json_integer_value(idv));
		return emit_trade(f, s, mts > 0 ? mts : 0, id,
		                  json_integer_value(type) == 0 ? "buy" : "sell", px, qty);
	}
	return 0;
}

/* ---- gemini (market data v2 l2: the first l2_updates per symbol is the book) ---- */

static int gemini_msg(struct lyra_ws_feed *f, const json_t *msg)
{
	const char *type = json_string_value(json_object_get(msg, "type"));
	const char *vs = json_string_value(json_object_get(msg, "symbol"));
	struct sym *s;

	if (!type || !vs)
		return 0;
	if (strcmp(type, "l2_updates") == 0) {
		const json_t *ch = json_object_get(msg, "changes"), *row;
		json_t *ob = NULL, *oa = NULL;
		int first;
		size_t i;

		if (!json_is_array(ch))
			return bad(f, "gemini l2_updates without 'changes'");
		f->st.messages++;
		if (!(s = sym_get(f, vs)))
			return -1;
		first = !s->synced;
		if (first) {
			/* after a gap: wait for a new subscription's book, the l2_updates that carries
			 * the recent "trades" beside the full book (market data v2 docs) */
			if (s->awaiting && !json_object_get(msg, "trades"))
				return 0;
			if (snapshot_begin(f, s, 0) < 0)
				return -1;
		} else {
			ob = json_array();
			oa = json_array();
		}
		json_array_foreach(ch, i, row) {
			const char *side = json_string_value(json_array_get(row, 0));
			const json_t *px = json_array_get(row, 1), *qty = json_array_get(row, 2);
			int ask = side && strcmp(side, "sell") == 0;

			if (!side || !json_is_string(px) || !json_is_string(qty) ||
			    (!ask && strcmp(side, "buy") != 0) ||
			    lyra_l2book_set(&s->book, ask ? LYRA_L2_ASK : LYRA_L2_BID,
			                    json_string_value(px), json_string_length(px),
			                    json_string_value(qty), json_string_length(qty)) < 0) {
				json_decref(ob);
				json_decref(oa);
				if (first) {
					lyra_l2book_clear(&s->book);
					return bad(f, "gemini change is not [side, price, quantity]");
				}
				return emit_gap(f, s, 0, 0, 0, "bad update: %s", lyra_error_msg());
			}
			if (!first)
				json_array_append_new(ask ? oa : ob, json_pack("[OO]", px, qty));
		}
		if (first) {
			s->synced = 1;
			if (emit_book(f, s, 0, 0) < 0)
				return -1;
		} else if (emit_delta(f, s, 0, 0, ob, oa) < 0) {
			return -1;
		}
		return check_crossed(f, s, 0);
	}
	if (strcmp(type, "trade") == 0) {
		const json_t *idv = json_object_get(msg, "event_id");
		const char *px = json_string_value(json_object_get(msg, "price"));
		const char *qty = json_string_value(json_object_get(msg, "quantity"));
		const char *side = json_string_value(json_object_get(msg, "side"));
		char id[32];

		if (!json_is_integer(idv) || !px || !qty || !side)
			return bad(f, "gemini trade without event_id, price, quantity, side");
		f->st.messages++;
		if (!(s = sym_get(f, vs)))
			return -1;
		snprintf(id, sizeof id, "%" JSON_INTEGER_FORMAT, json_integer_value(idv));
		return emit_trade(f, s, ms_to_us(json_object_get(msg, "timestamp")), id, side, px, qty);
	}
	return 0;
}

/* ---- bitfinex (v2, conf flag SEQ_ALL: a connection-wide sequence ends every message) ---- */

enum { BFX_BOOK = 1, BFX_TRADES, BFX_TICKER };

static int bitfinex_event(struct lyra_ws_feed *f, const json_t *msg)
{
	const char *ev = json_string_value(json_object_get(msg, "event"));
	const char *chan = json_string_value(json_object_get(msg, "channel"));
	const char *vs = json_string_value(json_object_get(msg, "symbol"));
	const json_t *id = json_object_get(msg, "chanId");
	int kind;

	if (ev && strcmp(ev, "unsubscribed") == 0 && json_is_integer(id)) {
		for (size_t i = 0; i < f->nchans; i++)
			if (f->chans[i].id == json_integer_value(id)) {
				f->chans[i] = f->chans[--f->nchans];
				break;
			}
		return 0;
	}
	if (!ev || strcmp(ev, "subscribed") != 0 || !chan || !vs || !json_is_integer(id))
		return 0;
	kind = strcmp(chan, "book") == 0 ? BFX_BOOK : strcmp(chan, "trades") == 0 ? BFX_TRADES
	     : strcmp(chan, "ticker") == 0 ? BFX_TICKER : 0;
	if (!kind || f->nchans >= MAX_CHANS || strlen(vs) >= LYRA_SYM_MAX)
		return 0;
	f->chans[f->nchans].id = json_integer_value(id);
	f->chans[f->nchans].kind = kind;
	snprintf(f->chans[f->nchans].vsym, LYRA_SYM_MAX, "%s", vs);
	f->nchans++;
	return 0;
}

/* A level [price, count, amount]: count 0 removes (amount's sign names the side). */
static int bitfinex_level(struct lyra_ws_feed *f, struct sym *s, const json_t *row, json_t *ob,
                          json_t *oa)
{
	char pb[32], cb[32], ab[32];
	size_t pl, cl, al;
	const char *p = text(json_array_get(row, 0), pb, sizeof pb, &pl);
	const char *c = text(json_array_get(row, 1), cb, sizeof cb, &cl);
	const char *a = text(json_array_get(row, 2), ab, sizeof ab, &al);
	int ask, del;

	if (!p || !c || !a)
		return bad(f, "bitfinex book level is not [price, count, amount]");
	ask = a[0] == '-';
	del = cl == 1 && c[0] == '0';
	if (lyra_l2book_set(&s->book, ask ? LYRA_L2_ASK : LYRA_L2_BID, p, pl, del ? "0" : a,
	                    del ? 1 : al) < 0)
		return -1;
	if (ob)
		json_array_append_new(ask ? oa : ob,
		                      json_pack("[s#s#]", p, pl, del ? "0" : a + ask, del ? 1 : al - (size_t)ask));
	return 0;
}

static int bitfinex_msg(struct lyra_ws_feed *f, const json_t *msg)
{
	size_t n = json_array_size(msg), ci;
	const json_t *seqv, *body;
	int64_t id, seq;
	struct sym *s;
	int kind = 0;

	if (json_is_object(msg))
		return bitfinex_event(f, msg);
	if (n < 2 || !json_is_integer(json_array_get(msg, 0)))
		return bad(f, "bitfinex message is not [chanId, ...]");
	id = json_integer_value(json_array_get(msg, 0));
	seqv = json_array_get(msg, n - 1);
	if (n >= 3 && json_is_integer(seqv)) {
		seq = json_integer_value(seqv);
		if (f->conn_seq >= 0 && seq != f->conn_seq + 1) {
			int64_t want = f->conn_seq + 1;

			f->conn_seq = seq;
			f->conn_gap = 1;
			for (size_t i = 0; i < f->nsyms; i++)
				if (f->syms[i].synced &&
				    emit_gap(f, &f->syms[i], 0, want, seq,
				             "sequence gap: expected %" PRId64 ", got %" PRId64, want,
				             seq) < 0)
					return -1;
		}
		f->conn_seq = seq;
	}
	for (ci = 0; ci < f->nchans; ci++)
		if (f->chans[ci].id == id) {
			kind = f->chans[ci].kind;
			break;
		}
	body = json_array_get(msg, 1);
	if (!kind || (json_is_string(body) && strcmp(json_string_value(body), "te") != 0 &&
	              strcmp(json_string_value(body), "cs") != 0))
		return 0;   /* unknown channel, "hb", "tu" (repeats a "te") */
	f->st.messages++;
	if (!(s = sym_get(f, f->chans[ci].vsym)))
		return -1;
	if (json_is_string(body) && strcmp(json_string_value(body), "cs") == 0) {
		const json_t *cs = json_array_get(msg, 2);
		int32_t got;

		if (kind != BFX_BOOK || !s->synced)
			return 0;
		if (!json_is_integer(cs))
			return bad(f, "bitfinex checksum is not an integer");
		got = lyra_l2book_crc_bitfinex(&s->book);
		if (json_integer_value(cs) != got)
			return emit_gap(f, s, 0, json_integer_value(cs), got,
			                "checksum mismatch: venue %" PRId64 ", local book %" PRId32,
			                (int64_t)json_integer_value(cs), got);
		f->st.checksums++;
		return 0;
	}
	if (kind == BFX_TICKER) {
		char b[4][32];
		size_t l[4];
		const char *v[4];

		for (int k = 0; k < 4; k++)
			if (!(v[k] = text(json_array_get(body, (size_t)k), b[k], sizeof b[k], &l[k])))
				return bad(f, "bitfinex ticker is not [BID, BID_SIZE, ASK, ASK_SIZE, ...]");
		return emit_bbo(f, s, 0, v[0], v[1], v[2], v[3]);
	}
	if (kind == BFX_BOOK) {
		const json_t *row;
		size_t i;

		if (!json_is_array(body))
			return bad(f, "bitfinex book payload is not an array");
		if (json_is_array(json_array_get(body, 0)) || json_array_size(body) == 0) {
			if (snapshot_begin(f, s, 0) < 0)
				return -1;
			json_array_foreach(body, i, row)
				if (bitfinex_level(f, s, row, NULL, NULL) < 0) {
					lyra_l2book_clear(&s->book);
					return -1;
				}
			s->synced = 1;
			if (emit_book(f, s, 0, f->conn_seq) < 0)
				return -1;
			return check_crossed(f, s, 0);
		}
		if (!s->synced)
			return 0;
		{
			json_t *ob = json_array(), *oa = json_array();

			if (bitfinex_level(f, s, body, ob, oa) < 0) {
				json_decref(ob);
				json_decref(oa);
				return emit_gap(f, s, 0, 0, 0, "bad update: %s", lyra_error_msg());
			}
			if (emit_delta(f, s, 0, f->conn_seq, ob, oa) < 0)
				return -1;
			return check_crossed(f, s, 0);
		}
	}
	{   /* trades: snapshot [[ID, MTS, AMOUNT, PRICE], ...] or "te"/"tu" [ID, MTS, AMOUNT, PRICE] */
		json_t *rows = (json_t *)body, *row;
		size_t i;
		int single = json_is_string(body);   /* "te": one trade at index 2 */

		if (single) {
			if (!json_is_array(json_array_get(msg, 2)))
				return bad(f, "bitfinex 'te' without a trade");
			rows = json_pack("[O]", json_array_get(msg, 2));
			if (!rows)
				return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		} else if (!json_is_array(json_array_get(rows, 0))) {
			return 0;
		}
		json_array_foreach(rows, i, row) {
			char ib[32], mb[32], ab[32], pb[32];
			size_t il, ml, al, pl;
			const char *tid = text(json_array_get(row, 0), ib, sizeof ib, &il);
			const char *mts = text(json_array_get(row, 1), mb, sizeof mb, &ml);
			const char *amt = text(json_array_get(row, 2), ab, sizeof ab, &al);
			const char *px = text(json_array_get(row, 3), pb, sizeof pb, &pl);

			if (!tid || !mts || !amt || !px) {
				if (single)
					json_decref(rows);
				return bad(f, "bitfinex trade is not [ID, MTS, AMOUNT, PRICE]");
			}
			if (emit_trade(f, s, ms_to_us(json_array_get(row, 1)), tid,
			               amt[0] == '-' ? "sell" : "buy", px, amt + (amt[0] == '-')) < 0) {
				if (single)
					json_decref(rows);
				return -1;
			}
		}
		if (single)
			json_decref(rows);
		return 0;
	}
}

/* ---- lines ---- */

static int dispatch(struct lyra_ws_feed *f, const char *url, const char *body, size_t len)
{
	char why[160];
	json_t *msg = lyra_json_loads_exact(body, len, why, sizeof why);
	int rc;

	if (!msg)
		return lyra_error(LYRA_EX_DATAERR, "%s: not JSON: %s", f->id, why);
	if (url && !json_is_object(msg))
		rc = 0;
	else if (url)
		rc = f->venue == V_BINANCE || f->venue == V_GATEIO ? binance_snapshot(f, url, msg)
		   : f->venue == V_BITSTAMP ? bitstamp_snapshot(f, url, msg) : 0;
	else switch (f->venue) {
	case V_KRAKEN: rc = kraken_msg(f, msg); break;
	case V_OKX: rc = okx_msg(f, msg); break;
	case V_BINANCE: rc = binance_msg(f, msg); break;
	case V_COINBASE: rc = coinbase_msg(f, msg); break;
	case V_GATEIO: rc = gateio_msg(f, msg); break;
	case V_BITFINEX: rc = bitfinex_msg(f, msg); break;
	case V_BITSTAMP: rc = bitstamp_msg(f, msg); break;
	default: rc = gemini_msg(f, msg); break;
	}
	json_decref(msg);
	return rc;
}

/* A new connection: every book waits for its next snapshot (not a gap: nothing was missed on
 * this connection, the old one ended). */
void lyra_ws_feed_reconnect(struct lyra_ws_feed *f)
{
	for (size_t i = 0; i < f->nsyms; i++) {
		struct sym *s = &f->syms[i];

		s->synced = 0;
		s->awaiting = 0;
		s->gapped = 0;
		s->snap_old = 0;
		s->seq = -1;
		lyra_l2book_clear(&s->book);
		json_decref(s->pending);
		s->pending = NULL;
	}
	f->nchans = 0;
	f->conn_seq = -1;
	f->conn_gap = 0;
}

/* "<digits>[.<digits>]: " at p: the time in µs and the length of the prefix; 0 if none. */
static size_t ts_prefix(const char *p, size_t len, int64_t *us)
{
	size_t i = 0;

	while (i < len && (isdigit((unsigned char)p[i]) || p[i] == '.'))
		i++;
	if (i == 0 || i + 1 >= len || p[i] != ':' || p[i + 1] != ' ')
		return 0;
	*us = secs_to_us(p, i);
	return *us < 0 ? 0 : i + 2;
}

int lyra_ws_feed_line(struct lyra_ws_feed *f, const char *line, size_t len, int64_t now_us)
{
	size_t k;
	const char *url = NULL;
	char urlbuf[1024];

	while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	f->recv = now_us;
	if (!len)
		return 0;
	if (len > 14 && memcmp(line, "configuration:", 14) == 0)
		return 0;
	if ((len > 6 && memcmp(line, "wss://", 6) == 0) || (len > 5 && memcmp(line, "ws://", 5) == 0)) {
		const char *sp = memchr(line, ' ', len);

		if (sp && (size_t)(line + len - sp) > 5 && memcmp(sp, " <-> ", 5) == 0)
			lyra_ws_feed_reconnect(f);
		return 0;   /* connection marks and messages the client sent */
	}
	if (len > 7 && memcmp(line, "http", 4) == 0) {
		const char *arrow = NULL;

		for (const char *p = line; p + 4 <= line + len; p++)
			if (memcmp(p, " -> ", 4) == 0) {
				arrow = p;
				break;
			}
		if (!arrow || (size_t)(arrow - line) >= sizeof urlbuf)
			return lyra_error(LYRA_EX_DATAERR, "%s: REST line without ' -> <ts>: '", f->id);
		memcpy(urlbuf, line, (size_t)(arrow - line));
		urlbuf[arrow - line] = '\0';
		url = urlbuf;
		len -= (size_t)(arrow + 4 - line);
		line = arrow + 4;
		if (!ts_prefix(line, len, &f->recv))
			return lyra_error(LYRA_EX_DATAERR, "%s: REST line without '<ts>: '", f->id);
	}
	k = ts_prefix(line, len, &f->recv);
	return dispatch(f, url, line + k, len - k);
}

/* ---- live streams ---- */

int lyra_ws_feed_rest(struct lyra_ws_feed *f, const char *url, const char *body, size_t len,
                      int64_t now_us)
{
	f->recv = now_us;
	return dispatch(f, url, body, len);
}

static int rest_venue(const struct lyra_ws_feed *f)
{
	return f->venue == V_BINANCE || f->venue == V_GATEIO || f->venue == V_BITSTAMP;
}

static const struct sym *sym_find(const struct lyra_ws_feed *f, const char *vs)
{
	for (size_t i = 0; i < f->nsyms; i++)
		if (strcmp(f->syms[i].vsym, vs) == 0)
			return &f->syms[i];
	return NULL;
}

int lyra_ws_feed_symbol(struct lyra_ws_feed *f, const char *vsym, const char *symbol)
{
	struct sym *s = sym_get(f, vsym);

	if (!s)
		return -1;
	snprintf(s->sym, sizeof s->sym, "%s", symbol);
	return 0;
}

int lyra_ws_feed_want_snapshot(const struct lyra_ws_feed *f, const char *vsym)
{
	const struct sym *s = sym_find(f, vsym);

	if (!rest_venue(f) || !s || s->synced)
		return 0;
	return json_array_size(s->pending) > 0 ? (s->snap_old ? 2 : 1) : 0;
}

int lyra_ws_feed_synced(const struct lyra_ws_feed *f, const char *vsym)
{
	const struct sym *s = sym_find(f, vsym);

	return s && s->synced;
}

int lyra_ws_feed_take_gap(struct lyra_ws_feed *f, char *out, size_t n)
{
	if (f->conn_gap) {
		f->conn_gap = 0;
		for (size_t i = 0; i < f->nsyms; i++)
			f->syms[i].gapped = 0;
		if (n)
			out[0] = '\0';
		return 2;
	}
	for (size_t i = 0; i < f->nsyms; i++)
		if (f->syms[i].gapped) {
			f->syms[i].gapped = 0;
			snprintf(out, n, "%s", f->syms[i].vsym);
			return 1;
		}
	return 0;
}

void lyra_ws_feed_set_max_drift(struct lyra_ws_feed *f, int64_t max_us)
{
	f->max_drift = max_us > 0 ? max_us : 0;
}

static const struct {
	const char *venue, *url;
} live[] = {
	{ "kraken", "wss://ws.kraken.com" },
	{ "okx", "wss://ws.okx.com:8443/ws/v5/public" },
	{ "coinbase", "wss://ws-feed.exchange.coinbase.com" },
	{ "gemini", "wss://api.gemini.com/v2/marketdata" },
	{ "bitfinex", "wss://api-pub.bitfinex.com/ws/2" },
	/* the combined-stream endpoint: payloads come as {"stream":...,"data":...}, and streams are
	 * added with the SUBSCRIBE method (binance-spot-api-docs, web-socket-streams.md, "Live
	 * Subscribing/Unsubscribing to streams") */
	{ "binance", "wss://stream.binance.com:9443/stream" },
	{ "gateio", "wss://api.gateio.ws/ws/v4/" },      /* Gate APIv4 spot WebSocket */
	{ "bitstamp", "wss://ws.bitstamp.net" },         /* Bitstamp WebSocket API v2 */
};

const char *lyra_ws_url(const char *venue)
{
	for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
		if (strcmp(live[i].venue, venue) == 0)
			return live[i].url;
	lyra_error(LYRA_EX_USAGE, "no live stream for venue '%s'", venue);
	return NULL;
}

int lyra_ws_venue_symbol(const char *venue, const char *symbol, char *out, size_t n)
{
	char base[32], quote[32];
	const char *sl = strchr(symbol, '/');
	size_t bl;
	int k;

	if (!lyra_ws_url(venue))
		return -1;
	if (!sl || strchr(symbol, ':') || (bl = (size_t)(sl - symbol)) == 0 || bl >= sizeof base ||
	    strlen(sl + 1) == 0 || strlen(sl + 1) >= sizeof quote)
		return lyra_error(LYRA_EX_USAGE, "cannot stream '%s' from %s: give a spot symbol "
		                  "BASE/QUOTE", symbol, venue);
	for (size_t i = 0; i < bl; i++)
		base[i] = (char)toupper((unsigned char)symbol[i]);
	base[bl] = '\0';
	for (size_t i = 0; sl[1 + i]; i++)
		quote[i] = (char)toupper((unsigned char)sl[1 + i]), quote[i + 1] = '\0';
	if (strcmp(venue, "kraken") == 0)
		k = snprintf(out, n, "%s/%s", strcmp(base, "BTC") == 0 ? "XBT" : base,
		             strcmp(quote, "BTC") == 0 ? "XBT" : quote);
	else if (strcmp(venue, "okx") == 0 || strcmp(venue, "coinbase") == 0)
		k = snprintf(out, n, "%s-%s", base, quote);
	else if (strcmp(venue, "gemini") == 0 || strcmp(venue, "binance") == 0)
		k = snprintf(out, n, "%s%s", base, quote);
	else if (strcmp(venue, "gateio") == 0)
		k = snprintf(out, n, "%s_%s", base, quote);
	else if (strcmp(venue, "bitstamp") == 0) {
		k = snprintf(out, n, "%s%s", base, quote);
		for (char *p = out; k > 0 && (size_t)k < n && *p; p++)
			*p = (char)tolower((unsigned char)*p);
	} else
		k = snprintf(out, n, bl == 3 && strlen(quote) == 3 ? "t%s%s" : "t%s:%s", base, quote);
	if (k < 0 || (size_t)k >= n)
		return lyra_error(LYRA_EX_USAGE, "symbol '%s' too long", symbol);
	return 0;
}

/* Append printf output to buf at *off; -1 when it does not fit. */
static int app(char *buf, size_t n, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int app(char *buf, size_t n, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(buf + *off, n - *off, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= n - *off)
		return lyra_error(LYRA_EX_USAGE, "too many symbols for one subscription");
	*off += (size_t)k;
	return 0;
}

static int kraken_depth(int depth)
{
	return depth <= 10 ? 10 : depth <= 25 ? 25 : depth <= 100 ? 100 : depth <= 500 ? 500 : 1000;
}

/* Lower-case copy of a venue symbol (binance stream names). */
static const char *lower(const char *vs, char *buf, size_t n)
{
	size_t i;

	for (i = 0; vs[i] && i + 1 < n; i++)
		buf[i] = (char)tolower((unsigned char)vs[i]);
	buf[i] = '\0';
	return buf;
}

int lyra_ws_subscribe(const char *venue, const char *const *vs, int nsyms, int channels,
                      int depth, char *buf, size_t n)
{
	size_t off = 0;
	int rc = 0;

	buf[0] = '\0';
	if (!lyra_ws_url(venue))
		return -1;
	if (strcmp(venue, "kraken") == 0) {
		static const char *const names[] = { "book", "ticker", "trade" };

		for (int c = 0; c < 3; c++) {
			if (!(channels & (1 << c)))
				continue;
			rc |= app(buf, n, &off, "{\"event\":\"subscribe\",\"pair\":[");
			for (int i = 0; i < nsyms; i++)
				rc |= app(buf, n, &off, "%s\"%s\"", i ? "," : "", vs[i]);
			if (c == 0)
				rc |= app(buf, n, &off, "],\"subscription\":{\"name\":\"book\",\"depth\":%d}}\n",
				          kraken_depth(depth));
			else
				rc |= app(buf, n, &off, "],\"subscription\":{\"name\":\"%s\"}}\n", names[c]);
		}
	} else if (strcmp(venue, "okx") == 0) {
		static const char *const names[] = { "books", "tickers", "trades" };
		int first = 1;

		rc |= app(buf, n, &off, "{\"op\":\"subscribe\",\"args\":[");
		for (int c = 0; c < 3; c++)
			for (int i = 0; i < nsyms && (channels & (1 << c)); i++, first = 0)
				rc |= app(buf, n, &off, "%s{\"channel\":\"%s\",\"instId\":\"%s\"}",
				          first ? "" : ",", names[c], vs[i]);
		rc |= app(buf, n, &off, "]}\n");
	} else if (strcmp(venue, "coinbase") == 0) {
		rc |= app(buf, n, &off, "{\"type\":\"subscribe\",\"product_ids\":[");
		for (int i = 0; i < nsyms; i++)
			rc |= app(buf, n, &off, "%s\"%s\"", i ? "," : "", vs[i]);
		rc |= app(buf, n, &off, "],\"channels\":[\"heartbeat\"%s%s%s]}\n",
		          channels & LYRA_WS_BOOK ? ",\"level2\"" : "",
		          channels & LYRA_WS_BBO ? ",\"ticker\"" : "",
		          channels & LYRA_WS_TRADES ? ",\"matches\"" : "");
	} else if (strcmp(venue, "gemini") == 0) {
		rc |= app(buf, n, &off, "{\"type\":\"subscribe\",\"subscriptions\":[{\"name\":\"l2\","
		          "\"symbols\":[");
		for (int i = 0; i < nsyms; i++)
			rc |= app(buf, n, &off, "%s\"%s\"", i ? "," : "", vs[i]);
		rc |= app(buf, n, &off, "]}]}\n");
	} else if (strcmp(venue, "binance") == 0) {
		/* <symbol>@depth@100ms (diffs), @bookTicker, @aggTrade; one SUBSCRIBE request */
		static const char *const names[] = { "depth@100ms", "bookTicker", "aggTrade" };
		char lb[LYRA_SYM_MAX];
		int first = 1;

		rc |= app(buf, n, &off, "{\"method\":\"SUBSCRIBE\",\"params\":[");
		for (int c = 0; c < 3; c++)
			for (int i = 0; i < nsyms && (channels & (1 << c)); i++, first = 0)
				rc |= app(buf, n, &off, "%s\"%s@%s\"", first ? "" : ",",
				          lower(vs[i], lb, sizeof lb), names[c]);
		rc |= app(buf, n, &off, "],\"id\":1}\n");
	} else if (strcmp(venue, "gateio") == 0) {
		/* Gate APIv4 spot WebSocket: {"time", "channel", "event":"subscribe", "payload"};
		 * spot.order_book_update takes one pair and an interval per request */
		long now = (long)(lyra_time_now_us() / 1000000);

		for (int i = 0; i < nsyms && (channels & LYRA_WS_BOOK); i++)
			rc |= app(buf, n, &off, "{\"time\":%ld,\"channel\":\"spot.order_book_update\","
			          "\"event\":\"subscribe\",\"payload\":[\"%s\",\"100ms\"]}\n", now, vs[i]);
		for (int c = 1; c < 3; c++) {
			if (!(channels & (1 << c)))
				continue;
			rc |= app(buf, n, &off, "{\"time\":%ld,\"channel\":\"%s\",\"event\":\"subscribe\","
			          "\"payload\":[", now, c == 1 ? "spot.book_ticker" : "spot.trades");
			for (int i = 0; i < nsyms; i++)
				rc |= app(buf, n, &off, "%s\"%s\"", i ? "," : "", vs[i]);
			rc |= app(buf, n, &off, "]}\n");
		}
	} else if (strcmp(venue, "bitstamp") == 0) {
		/* WebSocket API v2: one bts:subscribe per channel; no best bid/offer channel */
		for (int i = 0; i < nsyms && (channels & LYRA_WS_BOOK); i++)
			rc |= app(buf, n, &off, "{\"event\":\"bts:subscribe\",\"data\":{\"channel\":"
			          "\"diff_order_book_%s\"}}\n", vs[i]);
		for (int i = 0; i < nsyms && (channels & LYRA_WS_TRADES); i++)
			rc |= app(buf, n, &off, "{\"event\":\"bts:subscribe\",\"data\":{\"channel\":"
			          "\"live_trades_%s\"}}\n", vs[i]);
	} else {
		static const char *const names[] = { "book", "ticker", "trades" };

		rc |= app(buf, n, &off, "{\"event\":\"conf\",\"flags\":65536}\n");
		for (int c = 0; c < 3; c++)
			for (int i = 0; i < nsyms && (channels & (1 << c)); i++)
				rc |= app(buf, n, &off, "{\"event\":\"subscribe\",\"channel\":\"%s\","
				          "\"symbol\":\"%s\"%s}\n", names[c], vs[i],
				          c == 0 ? ",\"prec\":\"P0\",\"len\":\"100\"" : "");
	}
	return rc ? -1 : 0;
}

int lyra_ws_feed_resubscribe(struct lyra_ws_feed *f, const char *vsym, int depth, char *buf,
                             size_t n)
{
	size_t off = 0;
	int rc = 0;

	buf[0] = '\0';
	switch (f->venue) {
	case V_KRAKEN:
		for (int k = 0; k < 2; k++)
			rc |= app(buf, n, &off, "{\"event\":\"%s\",\"pair\":[\"%s\"],\"subscription\":"
			          "{\"name\":\"book\",\"depth\":%d}}\n", k ? "subscribe" : "unsubscribe",
			          vsym, kraken_depth(depth));
		break;
	case V_OKX:
		for (int k = 0; k < 2; k++)
			rc |= app(buf, n, &off, "{\"op\":\"%s\",\"args\":[{\"channel\":\"books\","
			          "\"instId\":\"%s\"}]}\n", k ? "subscribe" : "unsubscribe", vsym);
		break;
	case V_COINBASE:
		for (int k = 0; k < 2; k++)
			rc |= app(buf, n, &off, "{\"type\":\"%s\",\"product_ids\":[\"%s\"],"
			          "\"channels\":[\"level2\"]}\n", k ? "subscribe" : "unsubscribe", vsym);
		break;
	case V_GEMINI:
		for (int k = 0; k < 2; k++)
			rc |= app(buf, n, &off, "{\"type\":\"%s\",\"subscriptions\":[{\"name\":\"l2\","
			          "\"symbols\":[\"%s\"]}]}\n", k ? "subscribe" : "unsubscribe", vsym);
		break;
	case V_BITFINEX:
		for (size_t i = 0; i < f->nchans; i++)
			if (f->chans[i].kind == BFX_BOOK && strcmp(f->chans[i].vsym, vsym) == 0)
				rc |= app(buf, n, &off, "{\"event\":\"unsubscribe\",\"chanId\":%" PRId64 "}\n",
				          f->chans[i].id);
		rc |= app(buf, n, &off, "{\"event\":\"subscribe\",\"channel\":\"book\",\"symbol\":"
		          "\"%s\",\"prec\":\"P0\",\"len\":\"100\"}\n", vsym);
		break;
	default:
		return 0;   /* binance, gateio, bitstamp: a new REST snapshot, no message */
	}
	return rc ? -1 : 0;
}
