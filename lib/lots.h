/* lots.h: tax lots of one asset and the matching of disposals against them. Every acquisition
 * is a lot (quantity and its remaining cost base); a disposal takes quantity from lots in the
 * order of a method (FIFO, LIFO, HIFO), or from lots the owner names (specific identification),
 * and reports each piece with the cost base apportioned to it. Cost bases are exact decimals; a
 * partly used lot keeps cost - taken so totals never drift. */
#ifndef LYRA_LOTS_H
#define LYRA_LOTS_H

#include <stddef.h>
#include <stdint.h>
#include "decimal.h"

/* SPECIFIC: the caller takes the named pieces with lyra_lots_take first; whatever a disposal
 * does not name is matched FIFO (lyra_lots_dispose treats SPECIFIC as FIFO). */
enum lyra_lot_method { LYRA_LOT_FIFO, LYRA_LOT_LIFO, LYRA_LOT_HIFO, LYRA_LOT_SPECIFIC };

/* Parse "fifo", "lifo", "hifo", "specific"; -1 (LYRA_EX_USAGE) otherwise. */
int lyra_lot_method_parse(const char *s, enum lyra_lot_method *out);
const char *lyra_lot_method_name(enum lyra_lot_method m);

struct lyra_lot {
	int64_t id;             /* caller's identifier (the acquiring fill) */
	int64_t ts;             /* acquisition time, microseconds */
	struct lyra_dec qty;    /* remaining quantity, > 0 */
	struct lyra_dec cost;   /* remaining cost base */
	struct lyra_dec unit;   /* cost per unit at acquisition (HIFO order), rounded to 12 digits */
};

/* The lots of one asset, in acquisition order. Zero-initialise; free with lyra_lots_free. */
struct lyra_lots {
	struct lyra_lot *v;
	size_t head, n, cap;    /* live lots are v[head .. n) */
};

/* One piece of a disposal: quantity taken from one lot and the cost base that goes with it. */
struct lyra_lot_take {
	int64_t lot_id;
	int64_t acq_ts;
	struct lyra_dec qty;
	struct lyra_dec cost;
};

/* Add a lot (qty > 0, cost >= 0). 0, or -1 (LYRA_EX_DATAERR on bad values, LYRA_EX_OSERR on
 * allocation failure). */
int lyra_lots_add(struct lyra_lots *l, int64_t id, int64_t ts, struct lyra_dec qty,
                  struct lyra_dec cost);
/* Dispose of qty (> 0) by method, calling take(ctx, piece) for each piece in matching order
 * (a non-zero return from take stops and is returned). The cost of a partly taken lot is
 * apportioned as cost * taken / qty rounded half-even to cost_scale digits. When the lots hold
 * less than qty, nothing is taken and -1 is returned (LYRA_EX_DATAERR, "short by N"). */
int lyra_lots_dispose(struct lyra_lots *l, enum lyra_lot_method m, struct lyra_dec qty,
                      int cost_scale, int (*take)(void *ctx, const struct lyra_lot_take *t),
                      void *ctx);
/* Take qty (> 0) from the lot with this id (specific identification), calling take once. The
 * cost is apportioned as in lyra_lots_dispose. -1 (LYRA_EX_DATAERR) when no live lot has the id
 * or it holds less than qty; nothing is taken then. */
int lyra_lots_take(struct lyra_lots *l, int64_t lot_id, struct lyra_dec qty, int cost_scale,
                   int (*take)(void *ctx, const struct lyra_lot_take *t), void *ctx);
/* Add amount (>= 0, an incidental cost such as a transfer fee) to the cost base of the lots that
 * hold qty (> 0), taken in the order method m would dispose of them, apportioned by quantity
 * (half-even to scale digits; the last piece gets the remainder so the total is exact). The lots
 * keep their quantities; HIFO's unit cost follows the new cost. -1 (LYRA_EX_DATAERR) when the
 * lots hold less than qty (nothing changed). */
int lyra_lots_add_cost(struct lyra_lots *l, enum lyra_lot_method m, struct lyra_dec qty,
                       struct lyra_dec amount, int scale);
/* Total quantity held (exact). 0 or -1 on overflow. */
int lyra_lots_total(const struct lyra_lots *l, struct lyra_dec *out);
/* out = cost * part / whole, rounded half-even to scale digits (128-bit intermediate). 0, or -1
 * (LYRA_EX_DATAERR) on a zero whole or overflow. */
int lyra_lots_apportion(struct lyra_dec cost, struct lyra_dec part, struct lyra_dec whole,
                        int scale, struct lyra_dec *out);
void lyra_lots_free(struct lyra_lots *l);

#endif
