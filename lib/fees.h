/* fees.h: taker and maker fees per venue x symbol, learnt from `market` records and overridden
 * by a fees file. Fees are exact fractions ("0.001" is 0.1%). */
#ifndef LYRA_FEES_H
#define LYRA_FEES_H

#include "decimal.h"

struct lyra_fees;

struct lyra_fees *lyra_fees_new(void);
void lyra_fees_free(struct lyra_fees *f);
/* Record a market's fees (from a `market` record). 0 or -1 (allocation, names too long). */
int lyra_fees_set_market(struct lyra_fees *f, const char *venue, const char *symbol,
                         struct lyra_dec taker, struct lyra_dec maker);
/* Load an override file: one entry per line, "VENUE SYMBOL TAKER [MAKER]" separated by blanks,
 * '#' starts a comment. SYMBOL may be '*' (every symbol of the venue), and "* *" is the
 * fallback for markets whose fee is otherwise unknown. Precedence: exact file entry, then
 * "VENUE *", then the market record, then "* *". 0, or -1 with error.h naming the file and line
 * (LYRA_EX_NOINPUT when it cannot be read, LYRA_EX_CONFIG when a line is bad). */
int lyra_fees_load(struct lyra_fees *f, const char *path);
/* The taker (or maker) fee for (venue, symbol): 0 when known, 1 when unknown. */
int lyra_fees_taker(const struct lyra_fees *f, const char *venue, const char *symbol,
                    struct lyra_dec *out);
int lyra_fees_maker(const struct lyra_fees *f, const char *venue, const char *symbol,
                    struct lyra_dec *out);
/* Incremented on every change, so callers can cache looked-up fees. */
unsigned long lyra_fees_generation(const struct lyra_fees *f);

/* Transfer costs: what moving an asset from one venue to another costs, one entry per asset,
 * loaded from a file of lines "ASSET FIXED [BPS]" ('#' starts a comment): FIXED is a decimal in
 * units of the asset (the network or withdrawal fee, >= 0), BPS a proportional cost in basis
 * points (>= 0, below 10000; default 0). ASSET '*' is the entry for every asset not listed. */
struct lyra_xfer;
struct lyra_xfer *lyra_xfer_new(void);
void lyra_xfer_free(struct lyra_xfer *x);
/* 0, or -1 with error.h naming the file and line (LYRA_EX_NOINPUT, LYRA_EX_CONFIG). */
int lyra_xfer_load(struct lyra_xfer *x, const char *path);
/* The cost of moving asset: 0 with *fixed and *bps set, 1 when the asset has no entry. */
int lyra_xfer_get(const struct lyra_xfer *x, const char *asset, struct lyra_dec *fixed,
                  struct lyra_dec *bps);

#endif
