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

/* For live streams (venues whose books arrive in-band: kraken, okx, coinbase, gemini, bitfinex):
 * the public WebSocket URL, the venue's stream name for a unified symbol, and the subscribe
 * messages for symbols (venue names) and channels (a mask of LYRA_WS_BOOK, _BBO, _TRADES), one
 * JSON text per line into buf. 0, or -1 with error.h (LYRA_EX_USAGE) when the venue has no live
 * support here or the symbol has no stream name. */
enum { LYRA_WS_BOOK = 1, LYRA_WS_BBO = 2, LYRA_WS_TRADES = 4 };
const char *lyra_ws_url(const char *venue);
int lyra_ws_venue_symbol(const char *venue, const char *symbol, char *out, size_t n);
int lyra_ws_subscribe(const char *venue, const char *const *vsyms, int nsyms, int channels,
                      int depth, char *buf, size_t n);

/* Counters so far (borrowed). */
const struct lyra_ws_stats *lyra_ws_feed_stats(const struct lyra_ws_feed *f);

#endif
