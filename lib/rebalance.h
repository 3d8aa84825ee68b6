/* rebalance.h: the trades that bring a portfolio back to its target weights. Values are in one
 * quote asset (the cash); an asset is out of its band when |value - target x total| > band x
 * total (absolute weight points, exact, no division). Each out-of-band asset is traded towards
 * its exact target, the quantity rounded toward zero to the market's lot (a sell never more
 * than is held) and skipped when below the market's minimum quantity or notional. Sells come
 * before buys (they fund them); within each side the cheapest first (estimated taker fee, then
 * asset code). Buys spend at most the cash there is after the sells, fees included. The quote
 * asset is never traded itself: it absorbs the difference. */
#ifndef LYRA_REBALANCE_H
#define LYRA_REBALANCE_H

#include <stddef.h>

#include "decimal.h"
#include "venue.h"

struct lyra_rebal_asset {
	char asset[32];
	struct lyra_dec target;        /* weight, 0 to 1 */
	struct lyra_dec held;          /* quantity held */
	struct lyra_dec mark;          /* price in the quote (ignored for the quote asset) */
	const struct lyra_market *m;   /* ASSET/QUOTE rules (borrowed); NULL for the quote asset */
};

struct lyra_rebal_order {
	char asset[32];
	int side;                      /* +1 buy, -1 sell */
	struct lyra_dec qty, px;       /* px: the mark */
	struct lyra_dec notional;      /* qty x px */
	struct lyra_dec fee;           /* notional x taker fee, estimated */
	struct lyra_dec weight;        /* the asset's weight before, 6 digits */
};

/* Plan the trades. a[0..n) holds exactly one entry for the quote asset (m NULL) and one per
 * other asset (m and a positive mark set). out needs room for n orders; *nout gets the count.
 * note(ctx, msg) (may be NULL) hears about every out-of-band asset left alone and why.
 * 0, or -1 (LYRA_EX_DATAERR: targets above 1 in total, nothing held, overflow). */
int lyra_rebalance_plan(const struct lyra_rebal_asset *a, size_t n, struct lyra_dec band,
                        struct lyra_rebal_order *out, size_t *nout,
                        void (*note)(void *ctx, const char *msg), void *ctx);

#endif
