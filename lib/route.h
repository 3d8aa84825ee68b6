/* route.h: smart order routing over the books in the stream. For an order's side, quantity and
 * optional limit price it finds, across the venues that have a book for the symbol, either the
 * one venue with the best all-in price (the average price of walking that venue's book for the
 * quantity, with its taker fee: buy notional x (1 + fee), sell notional x (1 - fee)), or, when
 * splitting, the cheapest levels of all venues together, compared fee-adjusted level by level.
 * Pure: books and fees come from book.h and fees.h, the caller turns legs into orders. */
#ifndef LYRA_ROUTE_H
#define LYRA_ROUTE_H

#include "book.h"
#include "decimal.h"
#include "fees.h"

#define LYRA_ROUTE_MAX_LEGS 16

struct lyra_route_leg {
	char venue[32];
	struct lyra_dec qty;        /* to send to this venue */
	struct lyra_dec notional;   /* sum of px x qty over the levels taken (exact) */
	struct lyra_dec fee;        /* taker fee rate used */
	struct lyra_dec worst_px;   /* the last level touched */
};

struct lyra_route_req {
	const char *symbol;
	int is_buy;
	struct lyra_dec qty;
	const struct lyra_dec *limit;      /* NULL: no price limit (a market order) */
	const char *const *venues;         /* NULL-terminated allow-list, NULL: every venue */
	int split;                         /* 0: one venue; 1: split across venues */
	struct lyra_dec default_fee;       /* taker fee where neither a market record nor a fees
	                                      file gives one */
};

/* Plan the route into legs[0..LYRA_ROUTE_MAX_LEGS): returns the number of legs (0 when no
 * allowed venue has liquidity within the limit), -1 on arithmetic overflow (error.h). Legs are
 * ordered by venue id, so the plan is deterministic; together they never exceed the quantity.
 * Without split the chosen venue is the one that fills the whole quantity at the best all-in
 * price; if none can, the one that fills the most (ties: the better all-in price, then the
 * venue id). Only valid books count. */
int lyra_route_plan(struct lyra_books *bs, const struct lyra_fees *fees,
                    const struct lyra_route_req *req, struct lyra_route_leg *legs);

#endif
