/* venue_ws.h: venues' WebSocket market-data messages normalised to records, with local books
 * validated by each venue's rules (l2book.h). A feed is fed raw lines as captured, one message
 * per line, optionally prefixed "<unix_ts>: " (the receive time), plus the cryptofeed capture
 * forms: "wss://host <-> ts" (a new connection: books restart from their next snapshot),
 * "wss://host <- ts: {...}" (a message the client sent: ignored), "https://url -> ts: body"
 * (a REST book snapshot, for venues whose WebSocket diffs start from one: binance). Records are
 * `book` (each snapshot, once the symbol is synchronised), `book_delta` (the changes of one
 * message as sent), `bbo`, `trade`, and on a missed sequence, failed checksum or crossed book a
 * `gap`, after which the symbol's book is dropped until the venue's next snapshot, which is
 * announced by a `resync` before its `book`. Every record carries recv_ts (the line's prefix,
 * else now_us). Quantities are as the venue sends them (OKX derivatives: contracts). */
#ifndef LYRA_VENUE_WS_H
#define LYRA_VENUE_WS_H

#include <stddef.h>
#include <stdint.h>
#include "venue.h"

struct lyra_ws_feed;

struct lyra_ws_stats {
	int64_t messages;    /* market-data messages handled */
	int64_t checksums;   /* checksums verified and matching */
	int64_t gaps;        /* gap records emitted */
	int64_t resyncs;     /* resync records emitted */
	int64_t records;     /* records handed to the callback */
	int64_t drifts;      /* clock_drift records saying "over" */
};

/* 1 when venue id has a WebSocket parser here, else 0. */
int lyra_ws_supported(const char *venue);
/* A feed for one venue; `book` records carry the best `depth` levels per side (0: all). Local
 * books keep what the venue's rules need (kraken: the subscribed depth; okx: 400; others: every
 * level). Records go to cb (which steals them). NULL with error.h when the venue has no parser
 * (LYRA_EX_USAGE) or on allocation failure. */
struct lyra_ws_feed *lyra_ws_feed_new(const char *venue, int depth, lyra_record_cb cb, void *ctx);
void lyra_ws_feed_free(struct lyra_ws_feed *f);

/* Handle one line (len bytes, no newline). Returns 0 when handled or ignored (a heartbeat, a
 * subscription ack, a channel it does not normalise), -1 with error.h when the line is not valid
 * JSON or a market-data message is malformed (LYRA_EX_DATAERR), or the callback returned -1.
 * A malformed message is skipped; the feed goes on with the next line. */
int lyra_ws_feed_line(struct lyra_ws_feed *f, const char *line, size_t len, int64_t now_us);

/* A new connection begins: every book waits for its next snapshot (no gap: nothing was missed
 * on the new connection). */
void lyra_ws_feed_reconnect(struct lyra_ws_feed *f);

/* A REST book snapshot body (binance /api/v3/depth, gateio /spot/order_book?...&with_id=true,
 * bitstamp /api/v2/order_book/<pair>/) fetched from url at now_us: the same as a capture's
 * "https://url -> ts: body" line. 0, or -1 as lyra_ws_feed_line. */
int lyra_ws_feed_rest(struct lyra_ws_feed *f, const char *url, const char *body, size_t len,
                      int64_t now_us);
/* Name the unified symbol of a venue symbol (the feed otherwise guesses it from the name's
 * shape, which cannot tell "usdtusd" apart). 0, or -1 with error.h. */
int lyra_ws_feed_symbol(struct lyra_ws_feed *f, const char *vsym, const char *symbol);
/* For venues whose books start from a REST snapshot (binance, gateio, bitstamp): 1 when the
 * symbol (venue name) has diffs buffered and no trusted book, so its snapshot should be fetched
 * now; 2 likewise after a snapshot that was older than the buffered diffs (fetch again); 0
 * otherwise (and always for the other venues). */
int lyra_ws_feed_want_snapshot(const struct lyra_ws_feed *f, const char *vsym);
/* 1 when the symbol's book is trusted (synchronised), else 0. */
int lyra_ws_feed_synced(const struct lyra_ws_feed *f, const char *vsym);
/* Gaps not yet acted on: 1 with the venue symbol of one gapped book copied into out (resync that
 * symbol alone), 2 when the connection-wide sequence broke (bitfinex: every book of the
 * connection, reconnect), 0 when none. Each gap is reported once. */
int lyra_ws_feed_take_gap(struct lyra_ws_feed *f, char *out, size_t n);
/* Check venue event time against receive time on book_delta and bbo records: beyond max_us
 * either way a symbol gets a `clock_drift` record (state "over"), and another (state "within")
 * when it is back within; 0 turns the check off (the default). */
void lyra_ws_feed_set_max_drift(struct lyra_ws_feed *f, int64_t max_us);

/* For live streams: the public WebSocket URL, the venue's stream name for a unified symbol, and
 * the subscribe messages for symbols (venue names) and channels (a mask of LYRA_WS_BOOK, _BBO,
 * _TRADES), one JSON text per line into buf (gateio's carry the current time: build them at
 * each connection). 0, or -1 with error.h (LYRA_EX_USAGE) when the venue is unknown or the
 * symbol has no stream name. */
enum { LYRA_WS_BOOK = 1, LYRA_WS_BBO = 2, LYRA_WS_TRADES = 4 };
const char *lyra_ws_url(const char *venue);
int lyra_ws_venue_symbol(const char *venue, const char *symbol, char *out, size_t n);
int lyra_ws_subscribe(const char *venue, const char *const *vsyms, int nsyms, int channels,
                      int depth, char *buf, size_t n);
/* The messages that resynchronise one symbol's book alone on a live connection: unsubscribe
 * then subscribe its book channel (the venue then sends a new snapshot), one JSON text per line
 * into buf; empty for binance, gateio and bitstamp (fetch a REST snapshot instead). 0 or -1. */
int lyra_ws_feed_resubscribe(struct lyra_ws_feed *f, const char *vsym, int depth, char *buf,
                             size_t n);

/* Counters so far (borrowed). */
const struct lyra_ws_stats *lyra_ws_feed_stats(const struct lyra_ws_feed *f);

#endif
