/* holdings.h: what each of the owner's accounts holds of each asset, worked out from the stored
 * fills (spot: a buy adds the base and spends the quote, a sell the reverse; the fee is paid in
 * its own currency) and transfers between own accounts (the sender loses qty, the receiver gets
 * qty - fee). Perpetuals (symbols with ':') move margin, not holdings, and are skipped. */
#ifndef LYRA_HOLDINGS_H
#define LYRA_HOLDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "decimal.h"
#include "store.h"

struct lyra_holding {
	char account[64];       /* a venue id or a wallet name */
	char asset[32];
	struct lyra_dec qty;    /* exact, trailing zeros removed; may be negative (data missing) */
};

/* Zero-initialise; release with lyra_holdings_release. */
struct lyra_holdings {
	struct lyra_holding *v;
	size_t n, cap;
};

/* Add every stored fill and transfer with ts <= at of account (NULL: every account) to h.
 * 0, or -1 with error.h set (a damaged stored row, a store error, overflow). */
int lyra_holdings_load(struct lyra_store *st, const char *account, int64_t at,
                       struct lyra_holdings *h);
/* Add d to (account, asset), creating it. 0 or -1 (overflow, out of memory). */
int lyra_holdings_add(struct lyra_holdings *h, const char *account, const char *asset,
                      struct lyra_dec d);
/* The holding of (account, asset), NULL when never touched. Borrowed. */
const struct lyra_holding *lyra_holdings_find(const struct lyra_holdings *h, const char *account,
                                              const char *asset);
void lyra_holdings_release(struct lyra_holdings *h);

#endif
