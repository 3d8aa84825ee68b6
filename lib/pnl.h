/* pnl.h: a trading position on one venue and symbol by average cost: signed quantity, signed
 * cost, realised PnL (fees deducted), and unrealised PnL against the latest mark. Fees in the
 * quote asset (or valued in it) go into the cost when opening and reduce proceeds when closing;
 * fees in the base asset change the quantity. Quote amounts are exact, rounded half-even to
 * LYRA_PNL_SCALE digits only where a division or a long product needs it. */
#ifndef LYRA_PNL_H
#define LYRA_PNL_H

#include "decimal.h"

#define LYRA_PNL_SCALE 8

struct lyra_pnl_pos {
	struct lyra_dec qty;       /* signed: negative is short */
	struct lyra_dec cost;      /* signed cost of the open quantity, fees included */
	struct lyra_dec realized;  /* realised PnL, fees deducted */
	struct lyra_dec fees;      /* all fees valued in the quote asset */
	struct lyra_dec mark;      /* latest price; valid when has_mark */
	int has_mark;
};

void lyra_pnl_init(struct lyra_pnl_pos *p);
/* Apply a fill: side +1 buy / -1 sell, qty > 0 at px > 0, fee_quote >= 0 (fee in or valued in
 * the quote asset), fee_base >= 0 (fee taken in the base asset). The fill price becomes the
 * mark. 0, or -1 (LYRA_EX_DATAERR) on bad values or overflow. */
int lyra_pnl_fill(struct lyra_pnl_pos *p, int side, struct lyra_dec qty, struct lyra_dec px,
                  struct lyra_dec fee_quote, struct lyra_dec fee_base);
void lyra_pnl_mark(struct lyra_pnl_pos *p, struct lyra_dec px);
/* Average price of the open quantity (|cost| / |qty|, LYRA_PNL_SCALE digits, trailing zeros
 * removed; 0 when flat) and unrealised PnL (qty * mark - cost; 0 without a mark). 0 or -1. */
int lyra_pnl_avg_px(const struct lyra_pnl_pos *p, struct lyra_dec *out);
int lyra_pnl_unrealized(const struct lyra_pnl_pos *p, struct lyra_dec *out);

#endif
