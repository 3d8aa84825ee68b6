/* trade.h: live venues' private REST APIs for oms: place, cancel, amend, order status by
 * client order id, open orders, own trades, balances, and the server clock. Each venue's
 * adapter (lib/trade_<id>.c) builds its documented requests, signs them with sign.h, sends
 * them with http.h (shared rate-limit budget) and maps answers and errors to lyra's terms.
 * A placement is never retried blindly: when its outcome is unknown (timeout, 5xx, connection
 * lost after sending) the call says so and oms asks the venue by client order id. */
#ifndef LYRA_TRADE_H
#define LYRA_TRADE_H

#include <jansson.h>
#include <stdint.h>
#include "decimal.h"
#include "http.h"
#include "sign.h"
#include "venue.h"

struct lyra_trade;

struct lyra_trade_opts {
	const char *venue;              /* binance okx ... */
	const char *base_url;           /* NULL: production; --endpoint / LYRA_<VENUE>_URL / testnet */
	int testnet;                    /* use the venue's documented testnet base (if any) */
	const struct lyra_api_key *key; /* borrowed for the life of the handle */
	int dry_run;                    /* build and sign but do not send: dry_run_cb gets the record */
	int (*dry_run_cb)(void *ctx, json_t *signed_request);   /* steals */
	void *dry_run_ctx;
	lyra_http_log_fn log;           /* progress notes (retries, clock offset) */
	void *log_ctx;
	int timeout_ms;                 /* 0: http.h default */
};

/* What a venue call can end in besides success. */
enum lyra_trade_err {
	LYRA_TE_NONE = 0,
	LYRA_TE_INSUFFICIENT,     /* insufficient balance / margin */
	LYRA_TE_MIN_SIZE,         /* below minimum quantity or notional */
	LYRA_TE_PRECISION,        /* price or quantity off the tick/lot */
	LYRA_TE_RATE_LIMIT,       /* 429 / venue rate-limit code */
	LYRA_TE_UNKNOWN_ORDER,    /* the venue has no such order */
	LYRA_TE_DUPLICATE,        /* the client order id was used before */
	LYRA_TE_AUTH,             /* bad key, signature, permissions */
	LYRA_TE_CLOCK,            /* timestamp outside the venue's window */
	LYRA_TE_REJECTED,         /* any other refusal of the order */
	LYRA_TE_UNCERTAIN,        /* sent, but the outcome is unknown (timeout, 5xx, lost conn) */
	LYRA_TE_UNAVAILABLE,      /* not sent: cannot reach the venue */
	LYRA_TE_UNSUPPORTED,      /* the venue (or this adapter) does not offer the call */
};
const char *lyra_trade_err_name(enum lyra_trade_err e);   /* "insufficient_balance", ... */

struct lyra_trade_error {
	enum lyra_trade_err kind;
	char code[32];            /* the venue's own code ("-2010", "51008") */
	char message[256];        /* the venue's own message */
	long http_status;
};

/* The venue's view of one order, in lyra terms. */
struct lyra_venue_order {
	char id[64];                   /* client order id */
	char venue_order_id[64];
	char symbol[LYRA_SYM_MAX];     /* unified */
	char side[8];                  /* buy sell */
	char kind[16];                 /* limit market stop stop_limit post_only */
	char tif[8];
	char status[20];               /* acked partially_filled filled cancelled rejected expired
	                                  (dry_run: nothing was sent) */
	struct lyra_dec px, qty, filled_qty, avg_px;   /* avg_px 0 when nothing filled */
	int64_t ts;                    /* venue's update time, us */
};

struct lyra_venue_fill {
	char id[64];                   /* client order id ("" when the venue does not say) */
	char venue_order_id[64];
	char trade_id[64];
	char symbol[LYRA_SYM_MAX];
	char side[8];
	char fee_ccy[24];
	char liquidity[8];             /* maker taker */
	struct lyra_dec px, qty, fee;
	int64_t ts;
};

struct lyra_venue_balance {
	char asset[24];
	struct lyra_dec free, total;
};

/* A NEW handle, NULL with error.h set (unknown venue, no adapter yet: LYRA_EX_UNAVAILABLE). */
struct lyra_trade *lyra_trade_new(const struct lyra_trade_opts *opts);
void lyra_trade_free(struct lyra_trade *t);
/* Venues with a live adapter in this build, NULL-terminated. */
const char *const *lyra_trade_venues(void);
/* The venue's markets (borrowed for the life of the handle, or until the next call), so that
 * answers naming other instruments (open orders and fills with m NULL) get unified symbols and
 * base-unit quantities. Without them such answers carry the venue's own symbol (OKX: derived
 * from the instId) and the venue's own quantity units. */
void lyra_trade_set_markets(struct lyra_trade *t, const struct lyra_market *markets, size_t n);
/* 1 when the markets set above include the venue symbol venue_symbol, else 0. */
int lyra_trade_market_known(const struct lyra_trade *t, const char *venue_symbol);
/* The clock offset in use (us, venue - local), and setting one measured earlier. */
int64_t lyra_trade_clock_offset(const struct lyra_trade *t);
void lyra_trade_set_clock_offset(struct lyra_trade *t, int64_t offset_us);

/* Every call returns 0 on success; 1 when the venue answered with a refusal (err filled,
 * kind != NONE); -1 when nothing useful came back (err->kind UNCERTAIN, UNAVAILABLE,
 * RATE_LIMIT, AUTH or CLOCK; error.h set too). m: the order's market (symbol mapping, tick,
 * lot), from the markets cache (lib/markets.h).
 *
 * Before sending, place refuses (1, nothing sent): a client order id the venue would not take
 * (REJECTED, saying why: Binance [.A-Z:/a-z0-9_-]{1,36}, OKX letters and digits, 1 to 32), a
 * px/stop_px off m's tick or a qty off m's lot (PRECISION), a kind or tif the venue does not
 * take on its order endpoint (UNSUPPORTED: GTD on both; OKX stop and stop_limit, which need its
 * algo-order API; FOK market orders; post_only with IOC/FOK). Quantities and prices are sent
 * as the order's exact decimal strings (OKX perpetuals: qty / contract size, exact).
 * A placement (any POST/PUT) is never retried by lyra: when its answer is lost (timeout or
 * connection dropped after sending, 5xx, an answer that cannot be read) the result is -1 with
 * UNCERTAIN and oms must ask with lyra_trade_query by client order id. A transport failure that
 * provably happened before sending (connection refused, name lookup) is UNAVAILABLE.
 * CLOCK (Binance -1021, OKX 50102/50112) means the venue refused the timestamp, so the request
 * was provably not acted on: the caller (oms) calls lyra_trade_sync_clock and retries once;
 * the library never retries on its own.
 * Dry run (opts.dry_run): the signed request goes to dry_run_cb, nothing is sent, and the call
 * returns 0 (place: out->status "dry_run"). */
int lyra_trade_place(struct lyra_trade *t, const struct lyra_market *m, const json_t *order,
                     struct lyra_venue_order *out, struct lyra_trade_error *err);
int lyra_trade_cancel(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                      struct lyra_venue_order *out, struct lyra_trade_error *err);
/* New price and/or total quantity where the venue amends in place; UNSUPPORTED otherwise
 * (Binance spot: only a smaller quantity, with keepPriority and the same client order id).
 * OKX answers cancel and amend with "accepted" only: the adapter reads the order back for out
 * (an accepted cancel is reported cancelled unless the read says filled). */
int lyra_trade_amend(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                     const struct lyra_dec *px, const struct lyra_dec *qty,
                     struct lyra_venue_order *out, struct lyra_trade_error *err);
/* Status by client order id; 1 with UNKNOWN_ORDER when the venue never saw it. OKX's place
 * answer carries no state: out->status is acked (query and fills tell the rest). */
int lyra_trade_query(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                     struct lyra_venue_order *out, struct lyra_trade_error *err);

typedef int (*lyra_trade_order_cb)(void *ctx, const struct lyra_venue_order *o);
typedef int (*lyra_trade_fill_cb)(void *ctx, const struct lyra_venue_fill *f);
typedef int (*lyra_trade_balance_cb)(void *ctx, const struct lyra_venue_balance *b);
/* m NULL: all symbols where the venue allows it (else UNSUPPORTED). */
int lyra_trade_open_orders(struct lyra_trade *t, const struct lyra_market *m,
                           lyra_trade_order_cb cb, void *ctx, struct lyra_trade_error *err);
/* Own trades since since_us (inclusive), oldest first, paging as the venue needs. */
int lyra_trade_fills(struct lyra_trade *t, const struct lyra_market *m, int64_t since_us,
                     lyra_trade_fill_cb cb, void *ctx, struct lyra_trade_error *err);
int lyra_trade_balances(struct lyra_trade *t, lyra_trade_balance_cb cb, void *ctx,
                        struct lyra_trade_error *err);
/* Measure the offset of the venue's clock (server time - local time, us) and apply it to
 * every later signature timestamp. */
int lyra_trade_sync_clock(struct lyra_trade *t, int64_t *offset_us, struct lyra_trade_error *err);

#endif
