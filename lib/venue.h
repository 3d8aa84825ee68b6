/* venue.h: the one interface every exchange adapter implements, and the registry. An adapter
 * (lib/venue_<id>.c, one per venue) knows its venue's public REST paths and parameters and turns
 * the venue's real payloads into lyra records and markets. Adapters do no I/O: mdfeed (and later
 * oms, arbscan) fetch with http.h and hand the bodies over, so every parser is testable on
 * recorded payloads. */
#ifndef LYRA_VENUE_H
#define LYRA_VENUE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "decimal.h"

#define LYRA_SYM_MAX 64

/* One instrument, unified. */
struct lyra_market {
	char venue[16];                    /* "kraken" */
	char symbol[LYRA_SYM_MAX];         /* unified "BTC/USD", perpetual "BTC/USDT:USDT" */
	char venue_symbol[LYRA_SYM_MAX];   /* the venue's own name: "XXBTZUSD", "BTC-USD", "tBTCUSD" */
	char base[24], quote[24], settle[24];  /* unified asset codes ("BTC", not "XBT"); settle "" for spot */
	char instrument[12];               /* "spot" or "perpetual" */
	char status[12];                   /* "trading" or "halted" */
	struct lyra_dec tick;              /* price increment */
	struct lyra_dec lot;               /* quantity increment */
	struct lyra_dec min_qty;           /* 0 when the venue has none */
	struct lyra_dec min_notional;      /* 0 when the venue has none */
	struct lyra_dec maker_fee;         /* fraction: 0.001 = 0.1% (the venue's base tier) */
	struct lyra_dec taker_fee;
	/* Base units per contract where the venue counts perpetuals in contracts (OKX ctVal, Gate
	 * quanto_multiplier); 0 when it counts in base units. Records and the rules above are
	 * always in base units: adapters multiply the venue's contract counts by it. */
	struct lyra_dec contract;
};

/* A request for mdfeed to send: path and query relative to the venue's REST base URL. */
struct lyra_venue_req {
	char path_query[1024];             /* "/api/v3/depth?symbol=BTCUSDT&limit=100" */
	int weight;                        /* the venue's documented request weight (1 if flat) */
	int alt;                           /* 1: relative to the venue's alt_url, not rest_url */
};

/* Callbacks: markets are borrowed for the call; records are NEW references the callee steals.
 * Return 0 to go on, -1 to stop (the parser then returns -1 too). */
typedef int (*lyra_market_cb)(void *ctx, const struct lyra_market *m);
typedef int (*lyra_record_cb)(void *ctx, json_t *rec);

/* Parsers return 0 on success or -1 with error.h set (LYRA_EX_DATAERR, naming venue and what was
 * wrong: "kraken: Depth: missing 'result'"). Venue error payloads (Binance {"code":-1121,...},
 * Kraken {"error":["EQuery:Unknown asset pair"]}, OKX {"code":"51001",...}) become that error
 * with the venue's own message. Records carry type, ts (the venue's event time in µs where it
 * gives one, else now_us), venue, symbol (unified), then their fields as in lyra-records(7),
 * decimals as strings exactly as the venue sent them. */
struct lyra_venue {
	const char *id;                    /* "binance" */
	const char *rest_url;              /* production REST base: "https://api.binance.com" */
	int weight_per_minute;             /* the venue's public REST budget, for http.h */
	const char *const *intervals;      /* candle intervals it serves, of 1m 5m 15m 1h 4h 1d */
	int candles_page;                  /* most candles one request returns */

	/* Markets may take several requests (a venue with separate spot and perpetual lists):
	 * fill req for page 0, 1, ...; return 1 when filled, 0 when there are no more. */
	int (*markets_req)(int page, struct lyra_venue_req *req);
	int (*parse_markets)(int page, const char *body, size_t len, lyra_market_cb cb, void *ctx);

	int (*book_req)(const struct lyra_market *m, int depth, struct lyra_venue_req *req);
	int (*parse_book)(const struct lyra_market *m, int depth, const char *body, size_t len,
	                  int64_t now_us, lyra_record_cb cb, void *ctx);   /* one `book` */

	int (*bbo_req)(const struct lyra_market *m, struct lyra_venue_req *req);
	int (*parse_bbo)(const struct lyra_market *m, const char *body, size_t len, int64_t now_us,
	                 lyra_record_cb cb, void *ctx);                    /* one `bbo` */

	int (*trades_req)(const struct lyra_market *m, int limit, struct lyra_venue_req *req);
	int (*parse_trades)(const struct lyra_market *m, const char *body, size_t len,
	                    int64_t now_us, lyra_record_cb cb, void *ctx); /* `trade`s, oldest first */

	/* NULL when the venue has no perpetuals on its public API. */
	int (*funding_req)(const struct lyra_market *m, struct lyra_venue_req *req);
	int (*parse_funding)(const struct lyra_market *m, const char *body, size_t len,
	                     int64_t now_us, lyra_record_cb cb, void *ctx);/* one `funding` */

	/* Candles in [start_us, end_us): the adapter asks for at most candles_page starting at
	 * start_us; mdfeed pages forward from the last candle seen. */
	int (*candles_req)(const struct lyra_market *m, const char *interval, int64_t start_us,
	                   int64_t end_us, struct lyra_venue_req *req);
	int (*parse_candles)(const struct lyra_market *m, const char *interval, const char *body,
	                     size_t len, lyra_record_cb cb, void *ctx);    /* `candle`s, oldest first */

	/* A second REST base for requests that set req->alt (Binance serves perpetuals from
	 * https://fapi.binance.com), with its own budget; NULL when the venue has one base. A
	 * caller sends such a request to alt_url (or to --endpoint / LYRA_<VENUE>_URL, which
	 * replace both bases, since a fake or testnet serves every path). */
	const char *alt_url;
	int alt_weight_per_minute;
};

/* The registry: all eight, in the order of DESIGN.md (binance okx coinbase kraken gateio
 * bitfinex bitstamp gemini). NULL-terminated, static. */
const struct lyra_venue *const *lyra_venues(void);
/* By id; NULL (with error.h: "unknown venue 'x' (did you mean 'kraken'?)", LYRA_EX_USAGE). */
const struct lyra_venue *lyra_venue_find(const char *id);

/* Unified asset code for a venue's asset name: "XBT"/"XXBT" -> "BTC", "XDG" -> "DOGE",
 * "ZUSD" -> "USD" (Kraken), "USDT0"... as each venue needs; otherwise upper-cased. */
void lyra_venue_asset(const char *venue, const char *asset, char *out, size_t n);

/* Interval text ("1h") to microseconds; -1 if not one of 1m 5m 15m 1h 4h 1d. */
int64_t lyra_interval_us(const char *interval);

/* A `market` record for m, stamped ts (the fetch time); NEW reference or NULL. */
json_t *lyra_market_record(const struct lyra_market *m, int64_t ts);
/* The reverse, for markets cached as records: 0, or -1 with error.h naming the field. */
int lyra_market_from_record(const json_t *rec, struct lyra_market *m);

/* Helpers for adapters building records. */
json_t *lyra_venue_record(const char *type, int64_t ts, const struct lyra_market *m);
/* A levels array [[px,qty],...] from a JSON array of rows, taking the price and quantity at the
 * given positions of each row (strings or numbers, exactly as sent). NEW reference or NULL. */
json_t *lyra_venue_levels(const json_t *rows, size_t px_index, size_t qty_index, int depth);

#endif
