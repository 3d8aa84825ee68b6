/* trade_impl.h: private to lib/trade*.c: the interface each venue's trading adapter implements
 * and the plumbing they share (signing, sending, mapping transport failures, the client order
 * id and tick/lot checks). */
#ifndef LYRA_TRADE_IMPL_H
#define LYRA_TRADE_IMPL_H

#include <jansson.h>
#include <stdint.h>

#include "trade.h"

/* A venue's private WebSocket for order updates (lib/userstream.c drives it): where it is, the
 * messages that authenticate and subscribe, and what its messages mean. */
struct lyra_trade_stream {
	const char *url;                 /* production */
	const char *testnet_url;         /* NULL: no testnet stream */
	/* Step step (0, 1, ...) of the opening: the message to send, NEW (malloc'd), or NULL with
	 * error.h set. */
	char *(*hello)(struct lyra_trade *t, int step);
	/* One message from the venue (j: the parsed JSON, NULL when the text was not JSON, such as
	 * OKX's "pong"). Order updates go to on_order, executions to on_fill (each fill before the
	 * order state it leads to). Returns 0 handled or ignored, 1 the subscription is live, 2 send
	 * the next hello step, 3 one per-pair subscription (watch) confirmed, -1 the venue refused
	 * or ended the stream (error.h says why, with the venue's code and message), -2 a callback
	 * stopped. */
	int (*message)(struct lyra_trade *t, const json_t *j, lyra_trade_order_cb on_order,
	               lyra_trade_fill_cb on_fill, void *ctx);
	int keepalive_s;                 /* send ping_text after this many quiet seconds (0: never) */
	const char *ping_text;
	/* The keepalive message made fresh (NEW, malloc'd; NULL with error.h), used instead of
	 * ping_text when set (gateio: it carries the time). */
	char *(*ping)(struct lyra_trade *t);
	/* Venues whose private channels are one subscription per pair (bitstamp, coinbase): the
	 * subscription for the venue symbol vs, one or more messages separated by '\n' (NEW,
	 * malloc'd; NULL with error.h). lib/userstream.c sends it for every pair of t->watch once
	 * the opening is live, and for every pair added while it is up; message() returns 3 for
	 * each message's confirmation, and once all are in the stream counts as (re)live. */
	char *(*watch)(struct lyra_trade *t, const char *vs);
	/* Extra headers of the opening handshake (gemini authenticates there), "Name: value" lines
	 * separated by '\n' (NEW, malloc'd; NULL with error.h); NULL: none. */
	char *(*handshake)(struct lyra_trade *t);
};

/* The pairs a per-pair user stream subscribes (venue symbols): those of the open orders when it
 * opens (its hello adds them) and of every order placed since (the adapter's place adds them).
 * Also the stream's credentials of the moment (bitstamp: token and user id). */
#define LYRA_TRADE_WATCH_MAX 64
struct lyra_trade_watch {
	char vs[LYRA_TRADE_WATCH_MAX][32];
	size_t n;
	char token[160];
	char user_id[32];
	int64_t token_until_us;          /* reuse the token until then (lyra_trade_now); 0: none */
};
/* Add vs to t->watch unless it is there (a full list keeps the rest to REST polling). */
void lyra_trade_watch_add(struct lyra_trade *t, const char *vs);

/* Hex HMAC of msg under the key's secret with the digest md_name ("sha384", "sha512") into
 * out (at least 129 bytes). 0, or -1 with error.h. The user streams' signatures. */
int lyra_trade_hmac_hex(const struct lyra_api_key *k, const char *md_name, const char *msg,
                        char *out, size_t n);

/* Coinbase's signed subscription of the user channel for product vs at timestamp ts (seconds,
 * as the REST signature takes it; NULL: now): NEW (malloc'd), or NULL with error.h. The
 * adapter's watch(); exposed for the unit test. */
char *lyra_coinbase_ws_subscribe(struct lyra_trade *t, const char *vs, const char *ts);

/* One venue's adapter. Calls have the contract of the lyra_trade_* call of the same name; the
 * common code has already checked the arguments it can (a market where one is needed). */
struct lyra_trade_adapter {
	const char *id;
	const char *rest_url;            /* production */
	const char *testnet_url;         /* NULL: the same base (okx: demo header instead) */
	int weight_per_minute;           /* the venue's private REST budget */
	int (*place)(struct lyra_trade *t, const struct lyra_market *m, const json_t *order,
	             struct lyra_venue_order *out, struct lyra_trade_error *err);
	int (*cancel)(struct lyra_trade *t, const struct lyra_market *m, const char *id,
	              struct lyra_venue_order *out, struct lyra_trade_error *err);
	int (*amend)(struct lyra_trade *t, const struct lyra_market *m, const char *id,
	             const struct lyra_dec *px, const struct lyra_dec *qty,
	             struct lyra_venue_order *out, struct lyra_trade_error *err);
	int (*query)(struct lyra_trade *t, const struct lyra_market *m, const char *id,
	             struct lyra_venue_order *out, struct lyra_trade_error *err);
	int (*open_orders)(struct lyra_trade *t, const struct lyra_market *m,
	                   lyra_trade_order_cb cb, void *ctx, struct lyra_trade_error *err);
	int (*fills)(struct lyra_trade *t, const struct lyra_market *m, int64_t since_us,
	             lyra_trade_fill_cb cb, void *ctx, struct lyra_trade_error *err);
	int (*balances)(struct lyra_trade *t, lyra_trade_balance_cb cb, void *ctx,
	                struct lyra_trade_error *err);
	/* The venue's clock in microseconds (unsigned request). */
	int (*server_time)(struct lyra_trade *t, int64_t *server_us, struct lyra_trade_error *err);
	/* The venue's error payload in body (any HTTP status) into err (kind, code, message);
	 * 1 when body held one, 0 when not. */
	int (*venue_error)(const char *body, size_t len, long status, struct lyra_trade_error *err);
	/* One order / own trade object of the venue's answers into lyra's terms (m may be NULL);
	 * 0 or -1 (error.h). Exposed for the unit test on recorded payloads. */
	int (*parse_order)(struct lyra_trade *t, const struct lyra_market *m, const json_t *j,
	                   struct lyra_venue_order *o);
	int (*parse_fill)(struct lyra_trade *t, const struct lyra_market *m, const json_t *j,
	                  struct lyra_venue_fill *f);
	const struct lyra_trade_stream *stream;   /* NULL: order updates by REST polling only */
};

extern const struct lyra_trade_adapter lyra_trade_binance;
extern const struct lyra_trade_adapter lyra_trade_okx;
extern const struct lyra_trade_adapter lyra_trade_bitstamp;
extern const struct lyra_trade_adapter lyra_trade_kraken;
extern const struct lyra_trade_adapter lyra_trade_bitfinex;
extern const struct lyra_trade_adapter lyra_trade_gateio;
extern const struct lyra_trade_adapter lyra_trade_gemini;
extern const struct lyra_trade_adapter lyra_trade_coinbase;

struct lyra_trade {
	const struct lyra_trade_adapter *a;
	struct lyra_trade_opts o;
	char base[512];
	struct lyra_http *http;
	int64_t offset_us;               /* venue clock - local clock */
	const struct lyra_market *markets;   /* borrowed: lyra_trade_set_markets */
	size_t nmarkets;
	struct lyra_trade_watch watch;   /* per-pair user streams (lib/userstream.c) */
};

/* A request an adapter sends. */
struct lyra_trade_req {
	const char *method;              /* GET POST DELETE PUT */
	const char *path;                /* "/api/v3/order" */
	const char *query;               /* without '?' (binance: without timestamp) or NULL */
	const char *body;                /* NULL: none */
	int weight;
	int sign;                        /* 0: a public request (the server clock) */
};

/* Send req (signed unless req->sign is 0) and return the venue's answer in *out (NEW): 0 with
 * a 2xx JSON answer; 1 with err filled when the venue refused (its error payload, any status);
 * -1 with err and error.h set when nothing useful came back: a POST/PUT whose outcome is unknown
 * (timeout or connection lost after sending, 5xx) is UNCERTAIN, 429/418 RATE_LIMIT, transport
 * failures before sending UNAVAILABLE; AUTH and CLOCK refusals also return -1. With opts.dry_run
 * the signed request goes to dry_run_cb and 2 is returned (nothing sent). */
int lyra_trade_send(struct lyra_trade *t, const struct lyra_trade_req *req, json_t **out,
                    struct lyra_trade_error *err);
/* The same for a POST that only reads (gemini: every private call is a POST): a lost answer
 * is UNAVAILABLE, never UNCERTAIN, as for a GET. */
int lyra_trade_send_read(struct lyra_trade *t, const struct lyra_trade_req *req, json_t **out,
                         struct lyra_trade_error *err);

/* Set err (kind, code, message) and error.h ("venue: message (code)"); returns the value the
 * call returns for that kind: -1 for UNCERTAIN UNAVAILABLE RATE_LIMIT AUTH CLOCK, else 1. */
int lyra_trade_fail(struct lyra_trade *t, struct lyra_trade_error *err, enum lyra_trade_err kind,
                    const char *code, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A malformed answer: DATAERR in error.h, err kind UNAVAILABLE... for a placement UNCERTAIN
 * (the venue may have accepted it). Always -1. */
int lyra_trade_bad_answer(struct lyra_trade *t, struct lyra_trade_error *err, int placing,
                          const char *what);

/* The order's fields, checked: side, kind, tif (default GTC; market: IOC), px/stop_px per
 * kind, qty > 0, and tick/lot multiples against m (PRECISION). Returns 0, or 1 with err. */
struct lyra_trade_order {
	const char *id, *side, *kind, *tif;
	struct lyra_dec px, stop_px, qty;
	int has_px, has_stop;
	char pxs[LYRA_DEC_STRLEN], stops[LYRA_DEC_STRLEN], qtys[LYRA_DEC_STRLEN];  /* as given */
};
int lyra_trade_order_read(struct lyra_trade *t, const struct lyra_market *m, const json_t *order,
                          struct lyra_trade_order *o, struct lyra_trade_error *err);

/* The market for a venue symbol among those set with lyra_trade_set_markets (NULL if none). */
const struct lyra_market *lyra_trade_market_by_venue_symbol(const struct lyra_trade *t,
                                                            const char *venue_symbol);
/* now + the measured offset, us. */
int64_t lyra_trade_now(const struct lyra_trade *t);

/* ---- small pieces the adapters share ---- */

/* A callback asked to stop: UNAVAILABLE "stopped: <its error>"; returns -1. */
int lyra_trade_stopped(struct lyra_trade *t, struct lyra_trade_error *err);
/* The order in the answer j (dropped) into *out (NULL: only checked) with the adapter's
 * parse_order; 0, or lyra_trade_bad_answer(placing, what). */
int lyra_trade_answer(struct lyra_trade *t, const struct lyra_market *m, json_t *j, int placing,
                      const char *what, struct lyra_venue_order *out, struct lyra_trade_error *err);
/* The venue's clock from the unsigned GET path (weight 1): the value at `at` in the answer
 * ("result/unixtime"; a number indexes an array), in units of unit_us (lyra_vx_time), or ISO
 * 8601 text when unit_us is 0. A dry run answers lyra_trade_now. Returns as server_time. */
int lyra_trade_clock_get(struct lyra_trade *t, const char *path, const char *at, int64_t unit_us,
                         int64_t *server_us, struct lyra_trade_error *err);
/* o as compact JSON in key order (malloc'd; NULL if o is NULL), o dropped. */
char *lyra_trade_dump(json_t *o);
/* A decimal that may be missing, null or "" (then zero): 0 or -1 (lyra_vx_dec). */
int lyra_trade_opt_dec(const json_t *v, const char *key, struct lyra_dec *out);
/* A decimal that may be missing or null (then zero); "" is an error. 0 or -1. */
int lyra_trade_dec_or_zero(const json_t *v, const char *key, struct lyra_dec *out);
/* An id given as a JSON integer or string into buf ("" otherwise). */
void lyra_trade_copy_id(const json_t *v, char *buf, size_t n);
/* A client order id of 1 to max letters, digits and the characters of extra: 1, or 0 with why
 * ("is N characters; <venue> allows 1 to max<len_note>" or "has 'c'; <venue> allows only
 * letters, digits and <extra spaced>"). */
int lyra_trade_id_charset(const char *id, size_t max, const char *extra, const char *venue,
                          const char *len_note, char *why, size_t n);

/* A form body (key=value pairs, values percent-encoded); bad once something did not fit. */
struct lyra_trade_form {
	char s[1024];
	size_t n;
	int bad;
};
void lyra_trade_form_add(struct lyra_trade_form *f, const char *k, const char *v);

/* Which fields of a balance list's entries (JSON objects) hold what. */
struct lyra_trade_balance_keys {
	const char *asset, *free;
	const char *total;               /* NULL: the total is free + locked */
	const char *locked;
	int locked_opt;                  /* locked may be missing, null or "" (zero) */
	int keep_zero;                   /* report zero totals too */
};
/* Each entry of the balance list `list` (inside the answer j, which is dropped) to cb, its asset
 * in lyra's name; 0, lyra_trade_bad_answer(what) for a malformed entry, or lyra_trade_stopped. */
int lyra_trade_balance_list(struct lyra_trade *t, json_t *j, const json_t *list,
                            const struct lyra_trade_balance_keys *k, const char *what,
                            lyra_trade_balance_cb cb, void *ctx, struct lyra_trade_error *err);

/* Each order of the list `list` (inside the answer j, which is dropped) through the adapter's
 * parse_order to cb; 0, lyra_trade_bad_answer(what) for a malformed one, or lyra_trade_stopped. */
int lyra_trade_order_list(struct lyra_trade *t, const struct lyra_market *m, json_t *j,
                          const json_t *list, const char *what, lyra_trade_order_cb cb, void *ctx,
                          struct lyra_trade_error *err);

#endif
