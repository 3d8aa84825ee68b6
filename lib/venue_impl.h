/* venue_impl.h: private to lib/venue*.c: the eight adapters and the helpers they share for
 * reading venue payloads exactly (decimals as sent, times to microseconds) and building records.
 * Every helper returning -1 has set error.h (LYRA_EX_DATAERR unless it says otherwise). */
#ifndef LYRA_VENUE_IMPL_H
#define LYRA_VENUE_IMPL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "decimal.h"
#include "venue.h"

extern const struct lyra_venue lyra_venue_binance;
extern const struct lyra_venue lyra_venue_okx;
extern const struct lyra_venue lyra_venue_coinbase;
extern const struct lyra_venue lyra_venue_kraken;
extern const struct lyra_venue lyra_venue_gateio;
extern const struct lyra_venue lyra_venue_bitfinex;
extern const struct lyra_venue lyra_venue_bitstamp;
extern const struct lyra_venue lyra_venue_gemini;

/* "venue: what: message" (what names the endpoint). Always -1. */
int lyra_vx_fail(const char *venue, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix the current error with "venue: what: ". Always -1. */
int lyra_vx_wrap(const char *venue, const char *what);
/* A venue's own error payload: "venue: what: message (code)" (code may be NULL). Always -1. */
int lyra_vx_venue_error(const char *venue, const char *what, const char *msg, const char *code);

/* Parse a body exactly (lyra_json_loads_exact); NULL with "venue: what: malformed JSON: ...". */
json_t *lyra_vx_load(const char *venue, const char *what, const char *body, size_t len);

/* A decimal given as a string or an integer (the exact parse turns every other number into a
 * string). NULL or anything else fails, naming key. */
int lyra_vx_dec(const json_t *v, const char *key, struct lyra_dec *out);
/* The record form of a decimal value: the venue's own string when it is plain (a new reference
 * to the same string, no copy), else a new plain string (integers, exponent forms, magnitude
 * only when abs is set). Checked with lyra_dec_parse. NULL on a bad value, naming key. */
json_t *lyra_vx_decstr(const json_t *v, const char *key, int abs);
/* A quantity in base units: lyra_vx_decstr(v), or v times m->contract when the venue counts
 * m in contracts (m NULL or contract 0: as sent). */
json_t *lyra_vx_qty(const json_t *v, const char *key, const struct lyra_market *m, int abs);
/* lyra_venue_levels with quantities through lyra_vx_qty. */
json_t *lyra_vx_levels(const json_t *rows, size_t px_index, size_t qty_index, int depth,
                       const struct lyra_market *m);
/* Set rec[key] to lyra_vx_decstr(v). 0 or -1. */
int lyra_vx_set_dec(json_t *rec, const char *key, const json_t *v);
/* An integer given as a JSON integer or a string holding one. */
int lyra_vx_int(const json_t *v, const char *key, int64_t *out);
/* A time given as a number of units (integer, or an exact decimal string such as Kraken's
 * "1710327959.1733468" seconds) to microseconds, truncated; unit_us is 1000000 for seconds,
 * 1000 for milliseconds. */
int lyra_vx_time(const json_t *v, const char *key, int64_t unit_us, int64_t *us);
/* An ISO 8601 string ("2024-03-13T11:00:17.710679Z") to microseconds. */
int lyra_vx_iso(const json_t *v, const char *key, int64_t *us);
/* Borrowed string value; NULL (with error) when missing or not a string. */
const char *lyra_vx_str(const json_t *v, const char *key);
/* Copy a string value into buf; -1 when missing, not a string, empty or too long. */
int lyra_vx_copy(const json_t *v, const char *key, char *buf, size_t n);
/* rec[key] = an id given as a string (kept) or an integer (written in decimal). */
int lyra_vx_set_id(json_t *rec, const char *key, const json_t *v);
/* 10^-digits (a precision given as a count of decimals, 0..18). */
int lyra_vx_pow10(const json_t *v, const char *key, struct lyra_dec *out);
/* A percentage ("0.2", 0.4) as a fraction (0.002), exactly. */
int lyra_vx_pct(const json_t *v, const char *key, struct lyra_dec *out);
/* A constant decimal from an adapter's table (a bad constant is a bug: aborts). */
struct lyra_dec lyra_vx_const(const char *text);

/* Fill the identity of m: venue, venue symbol, unified assets (through lyra_venue_asset),
 * symbol BASE/QUOTE or BASE/QUOTE:SETTLE (settle NULL or "" for spot), instrument; zeroes the
 * rules and sets status "trading". -1 when a name does not fit. */
int lyra_vx_market(struct lyra_market *m, const char *venue, const char *venue_symbol,
                   const char *base, const char *quote, const char *settle);

/* snprintf a request; -1 (LYRA_EX_USAGE) when it does not fit. alt stays 0. */
int lyra_vx_req(struct lyra_venue_req *req, int weight, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The venue's text for a unified interval from a table of six entries in the order 1m 5m 15m
 * 1h 4h 1d (NULL where the venue has none); NULL with LYRA_EX_USAGE when not served. */
const char *lyra_vx_interval(const char *venue, const char *interval, const char *const table[6]);
/* Milliseconds/seconds of a request boundary, rounding start down. */
int64_t lyra_vx_ms(int64_t us);
int64_t lyra_vx_sec(int64_t us);

/* Hand a record to the callback (NULL rec: -1 with the error its builder set). The
 * callback's -1 is passed on with whatever error it set. */
int lyra_vx_emit(lyra_record_cb cb, void *ctx, json_t *rec);
/* Build the common records (NEW references, or NULL with error.h naming the bad field);
 * decimal values as for lyra_vx_decstr. bids and asks are stolen (NULL: NULL). */
json_t *lyra_vx_book(const struct lyra_market *m, int64_t ts, int64_t seq, json_t *bids,
                     json_t *asks);
json_t *lyra_vx_bbo(const struct lyra_market *m, int64_t ts, const json_t *bid_px,
                    const json_t *bid_qty, const json_t *ask_px, const json_t *ask_qty);
json_t *lyra_vx_trade(const struct lyra_market *m, int64_t ts, const json_t *id,
                      const char *side, const json_t *px, const json_t *qty);
/* vals: open, high, low, close, volume. */
json_t *lyra_vx_candle(const struct lyra_market *m, const char *interval, int64_t ts,
                       const json_t *const vals[5]);
json_t *lyra_vx_funding(const struct lyra_market *m, int64_t ts, const json_t *rate,
                        int64_t next_ts);
/* Index order to walk an array of n rows oldest first, given the times of its first and last
 * rows: 1 to walk backwards (the venue sent newest first). */
int lyra_vx_backwards(int64_t first_ts, int64_t last_ts);

#endif
