/* ledger.h: what positions keeps in the store besides fills: the lot-matching method recorded
 * for each financial year (the ATO expects one method applied consistently), the lots an owner
 * names for a disposal (specific identification), and transfers between the owner's own
 * accounts (not disposals). Every write is one transaction with one audit entry. */
#ifndef LYRA_LEDGER_H
#define LYRA_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "decimal.h"
#include "lots.h"
#include "store.h"

/* 1 when asset is fiat money (AUD USD EUR GBP JPY CAD NZD SGD CHF HKD): money, not a CGT lot. */
int lyra_ledger_is_fiat(const char *asset);

/* The method recorded for financial year fy (first year: 2025 is 2025-26): 1 and *m set, 0 when
 * none is recorded, -1 on a store error. */
int lyra_ledger_method_get(struct lyra_store *st, int fy, enum lyra_lot_method *m);
/* Record method m for fy (audited "position.method" by actor). Recording the same method again
 * changes nothing and returns 0 without an audit entry; a different method already recorded is
 * refused (-1, LYRA_EX_DATAERR naming it) unless force. 0 or -1. */
int lyra_ledger_method_set(struct lyra_store *st, const char *actor, int fy,
                           enum lyra_lot_method m, int force, int64_t now_us);
/* Call fn for every recorded year in order (a non-zero return stops and is returned). */
int lyra_ledger_method_each(struct lyra_store *st,
                            int (*fn)(void *ctx, int fy, enum lyra_lot_method m, int64_t ts,
                                      const char *actor), void *ctx);

/* One named lot piece of a disposal. */
struct lyra_lot_pick {
	int64_t lot_fill;       /* fills.id that acquired the lot */
	struct lyra_dec qty;    /* > 0 */
};

/* Replace the lots named for disposal fill disposal_fill of asset (n = 0 clears them), audited
 * "position.lots" by actor. The caller has checked that the fills exist and fit. 0 or -1. */
int lyra_ledger_assign_set(struct lyra_store *st, const char *actor, int64_t disposal_fill,
                           const char *asset, const struct lyra_lot_pick *v, size_t n);
/* Call fn for every named piece, by disposal fill then lot fill. 0, fn's non-zero, or -1. */
int lyra_ledger_assign_each(struct lyra_store *st,
                            int (*fn)(void *ctx, int64_t disposal_fill, const char *asset,
                                      const struct lyra_lot_pick *p), void *ctx);

/* A move of an asset between two of the owner's accounts (venue ids or wallet names): qty
 * leaves from, the fee (in the asset) is paid out of it, and to receives qty - fee. */
struct lyra_transfer {
	int64_t id;             /* store id, set when read */
	char ref[128];          /* the owner's or venue's reference: a transfer is stored once */
	int64_t ts;
	char asset[32];
	struct lyra_dec qty;    /* > 0 */
	struct lyra_dec fee;    /* >= 0 and < qty */
	char from[64], to[64];
};

/* Check t (positive qty, fee below it, two different account names of [A-Za-z0-9._-], an asset
 * code). 0 or -1 (LYRA_EX_USAGE naming the problem). */
int lyra_transfer_check(const struct lyra_transfer *t);
/* Store t (audited "position.transfer"): 1 when new (t->id set), 0 when a transfer with the same
 * ref and the same content is already stored, -1 on error (LYRA_EX_DATAERR when the ref is
 * stored with different content). */
int lyra_ledger_transfer_add(struct lyra_store *st, const char *actor, struct lyra_transfer *t);
/* Call fn for every transfer with ts <= at, in time order. 0, fn's non-zero, or -1. */
int lyra_ledger_transfer_each(struct lyra_store *st, int64_t at,
                              int (*fn)(void *ctx, const struct lyra_transfer *t), void *ctx);

#endif
