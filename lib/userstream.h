/* userstream.h: a venue's private WebSocket for order updates (the "user stream"), kept open
 * beside a trading handle (trade.h): connect (ws.h), authenticate and subscribe exactly as the
 * venue documents it (the adapter's stream in trade_<venue>.c), turn its order and execution
 * events into the same lyra_venue_order / lyra_venue_fill the REST calls give, keep the
 * connection alive, and reconnect with backoff when it drops. No threads: the owner calls
 * lyra_userstream_service while it is idle (poll(2) on lyra_userstream_fd) and, whenever the
 * stream has just come up, asks the venue by REST about its open orders: nothing said on the
 * stream while it was down is ever replayed by the venue. */
#ifndef LYRA_USERSTREAM_H
#define LYRA_USERSTREAM_H

#include <stdint.h>

#include "http.h"
#include "trade.h"

struct lyra_userstream;

struct lyra_userstream_opts {
	const char *url;                  /* NULL: the venue's documented URL (testnet: its testnet) */
	int testnet;
	lyra_trade_order_cb on_order;     /* an order's new state (symbol in the venue's form unless
	                                     the handle has the venue's markets) */
	lyra_trade_fill_cb on_fill;       /* one execution, before the order state it leads to */
	void *ctx;
	lyra_http_log_fn log;             /* up, down, refused, reconnecting */
	void *log_ctx;
};

struct lyra_userstream_stats {
	int64_t connects;                 /* subscriptions that went live */
	int64_t drops;                    /* live connections lost */
	int64_t failures;                 /* attempts that did not go live */
	int64_t messages;                 /* messages received */
};

/* 1 when the venue's adapter has a user stream here, else 0. */
int lyra_userstream_supported(const char *venue);
/* The venue's documented URL (testnet: its testnet's), NULL when it has none. */
const char *lyra_userstream_url(const char *venue, int testnet);

/* A stream for the handle t (borrowed: its key, clock offset and markets are used). NULL with
 * error.h when the venue has no user stream (LYRA_EX_UNAVAILABLE) or no URL. Nothing is
 * connected until the first lyra_userstream_service. */
struct lyra_userstream *lyra_userstream_new(struct lyra_trade *t,
                                            const struct lyra_userstream_opts *o);
void lyra_userstream_free(struct lyra_userstream *us);

/* Do what is due: when down and the backoff has passed, connect, authenticate and subscribe
 * (blocking, 10 s at most); when up, handle every message that arrives within timeout_ms (the
 * callbacks run here), send the venue's keepalive when quiet, and notice a lost connection.
 * Returns 1 when the stream went live during this call, or (per-pair streams: Bitstamp,
 * Coinbase) when the subscriptions of pairs added since were confirmed (either way the owner
 * reconciles by REST now: nothing before a subscription is replayed), 0 otherwise, -2 when a callback asked to stop (the stream stays as it is).
 * Backoff after a failure or a drop: 1 s, doubling to 60 s; back to 1 s once a connection
 * stayed up for 60 s. */
int lyra_userstream_service(struct lyra_userstream *us, int timeout_ms);

/* 1 while the subscription is live. */
int lyra_userstream_up(const struct lyra_userstream *us);
/* The socket to poll(2) for reading while live, else -1; 1 when a message may already be
 * buffered (call lyra_userstream_service without waiting). */
int lyra_userstream_fd(const struct lyra_userstream *us);
int lyra_userstream_buffered(const struct lyra_userstream *us);
/* Milliseconds until the next connection attempt is due (0 when now or up). */
int64_t lyra_userstream_wait_ms(const struct lyra_userstream *us);
const struct lyra_userstream_stats *lyra_userstream_stats(const struct lyra_userstream *us);

#endif
