/* orders.h: the order book of record (the store's orders, order_events and order_fills tables).
 * An order is written here, audited, before anything is sent anywhere (write-ahead intent);
 * every status change is an event row plus an audit entry; every execution is a fill row keyed
 * by (venue, trade_id), so the same fill reported twice (a resend, a recovery, a poll that
 * overlaps the last one) is applied once. The filled quantity is the sum of the fills: the
 * status follows from it. The caller holds the transaction (lyra_store_begin/commit): oms
 * commits all the effects of one input record (or a group of records) together, before it
 * writes any of them to stdout. */
#ifndef LYRA_ORDERS_H
#define LYRA_ORDERS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "decimal.h"
#include "store.h"

#define LYRA_ORDER_ID_MAX 64

/* One stored order. */
struct lyra_order_row {
	char id[LYRA_ORDER_ID_MAX + 1];
	char venue[24], book_venue[24];
	char symbol[64];
	char side[8], kind[16], tif[8];
	char status[20];
	char venue_order_id[64];
	char parent[LYRA_ORDER_ID_MAX + 1];
	char strategy[64];
	char reason[256];
	struct lyra_dec px, stop_px, qty, filled_qty, notional;
	int has_px, has_stop_px;
	int64_t expire_ts;             /* 0 when none */
	int64_t created_ts, updated_ts;
	char *line;                    /* the order record as received (owned: lyra_order_row_release) */
};
void lyra_order_row_release(struct lyra_order_row *r);

/* Statuses: "new" is stored and on its way (or its outcome not yet known); final ones never
 * change again. */
int lyra_order_status_valid(const char *s);
int lyra_order_status_final(const char *s);   /* filled cancelled rejected expired */

/* Check an `order` record beyond the schema: id (1..64 of [A-Za-z0-9._:/-]), side, kind (limit
 * market stop stop_limit post_only), tif (GTC IOC FOK GTD; default GTC, IOC for market orders), qty > 0, px > 0 where
 * the kind needs it, stop_px for stops, expire_ts for GTD. Fills tif with the default. 0, or -1
 * with the reason in error.h (LYRA_EX_DATAERR). */
int lyra_order_validate(json_t *order);

/* Store a new order with status "new" and audit "order.new". line is the record as received.
 * line, line_len: the record as received (not NUL-terminated). venue: where it executes (paper
 * or the live venue); book_venue: paper only (else ""). Returns
 * 0 stored, 1 an identical order with this id is already stored (an idempotent resend: nothing
 * written), 2 the id is taken by a different order (nothing written), -1 on error. */
int lyra_orders_put(struct lyra_store *st, const char *actor, const json_t *order,
                    const char *line, size_t line_len, const char *venue,
                    const char *book_venue, int64_t ts);

/* Read one order: 0 found, 1 not found, -1 error. */
int lyra_orders_get(struct lyra_store *st, const char *id, struct lyra_order_row *out);

/* Apply an `order_event` record (id, status; optional venue_order_id, reason, filled_qty): the
 * event row, the status (never moves a final order, never lowers filled to partially_filled),
 * and audit "order.<status>". 0 applied, 1 ignored (unknown id or the order is final), -1. */
int lyra_orders_event(struct lyra_store *st, const char *actor, const json_t *ev);

/* Apply a `fill` record (id, venue, trade_id, px, qty, fee, fee_ccy, liquidity): the fill row,
 * filled_qty and notional, and audit "order.fill". 0 applied, 1 already known (same venue and
 * trade_id: nothing written), -1 error (unknown order, overfill: LYRA_EX_DATAERR). */
int lyra_orders_fill(struct lyra_store *st, const char *actor, const json_t *fill);

/* Orders matching a filter, oldest first. NULL fields match anything; open_only: not final. */
struct lyra_order_filter {
	const char *venue, *symbol, *parent, *status;
	int open_only;
	int64_t since_ts;               /* created_ts >= since (0: all) */
};
typedef int (*lyra_order_cb)(void *ctx, const struct lyra_order_row *r);
int lyra_orders_each(struct lyra_store *st, const struct lyra_order_filter *f, lyra_order_cb cb,
                     void *ctx);

/* An order row as a JSON object for `oms list/show` (decimals as strings, avg_px when filled).
 * NEW reference or NULL. */
json_t *lyra_order_row_json(const struct lyra_order_row *r);

/* The average price notional / filled, HALF_EVEN at the scale of px + 4 (capped at 18); zero
 * when nothing filled. */
struct lyra_dec lyra_order_avg_px(const struct lyra_order_row *r);

#endif
