/* book.h: L2 order books kept from `book` snapshots, `book_delta` changes and `bbo` tops, a
 * registry of books per venue x symbol, depth walking (cost of a quantity, size available up to
 * a price), and the cross-venue walk that sizes a buy-here/sell-there trade net of taker fees.
 * Every price, quantity and notional is an exact lyra_dec. */
#ifndef LYRA_BOOK_H
#define LYRA_BOOK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "decimal.h"

struct lyra_level {
	struct lyra_dec px, qty;
};

struct lyra_book_side {
	struct lyra_level *lv; /* bids: price descending; asks: price ascending; qty > 0 */
	size_t n, cap;
};

struct lyra_book {
	char venue[32];
	char symbol[64];
	struct lyra_book_side bids, asks;
	int64_t ts;   /* event time of the last snapshot, delta or top applied */
	int64_t seq;
	int valid;    /* 0 before the first snapshot and after lyra_book_invalidate */
	int full;     /* 1 once a `book` snapshot was applied (a bbo then no longer replaces it) */
	size_t group; /* the registry's symbol group */
	int user;     /* the caller's (e.g. an index + 1); 0 after init */
};

/* A book's lifetime: init zeroes it; free releases its levels. */
void lyra_book_init(struct lyra_book *b);
void lyra_book_free(struct lyra_book *b);
/* Replace both sides from JSON levels arrays ([[px,qty],...]). Levels must be strictly ordered
 * (bids descending, asks ascending) with px > 0 and qty >= 0 (zero levels are dropped). On
 * failure the book is left invalid and -1 is returned with error.h (LYRA_EX_DATAERR). */
int lyra_book_snapshot(struct lyra_book *b, const json_t *bids, const json_t *asks, int64_t ts,
                       int64_t seq);
/* Apply absolute changes (qty 0 removes the level). The book must be valid. 0 or -1. */
int lyra_book_apply(struct lyra_book *b, const json_t *bids, const json_t *asks, int64_t ts,
                    int64_t seq);
/* Set one level on a side (is_bid 1 for bids); qty 0 removes it. 0 or -1 (allocation, px <= 0,
 * qty < 0). */
int lyra_book_set_level(struct lyra_book *b, int is_bid, struct lyra_dec px, struct lyra_dec qty);
/* A bbo as a one-level book (only when no full snapshot was seen). 0 or -1. */
int lyra_book_set_top(struct lyra_book *b, struct lyra_dec bid_px, struct lyra_dec bid_qty,
                      struct lyra_dec ask_px, struct lyra_dec ask_qty, int64_t ts);
/* Distrust the book (after a `gap`) until the next snapshot. */
void lyra_book_invalidate(struct lyra_book *b);

/* Walk a side from the best level taking qty: *notional = sum px*qty taken (exact), *worst =
 * the last price touched. Returns 0 when the side holds qty, 1 when it holds less (then
 * *filled is what it holds), -1 on arithmetic overflow. filled may be NULL. */
int lyra_book_walk(const struct lyra_book_side *s, struct lyra_dec qty, struct lyra_dec *filled,
                   struct lyra_dec *notional, struct lyra_dec *worst);
/* Quantity available at prices no worse than limit (bids: px >= limit, asks: px <= limit). */
int lyra_book_qty_at(const struct lyra_book_side *s, int is_bid, struct lyra_dec limit,
                     struct lyra_dec *qty);

/* The cross-venue walk: buy on `buy` (its asks, taker fee fee_buy) and sell on `sell` (its bids,
 * taker fee fee_sell), level by level while the marginal edge
 *   (bid*(1-fee_sell) - ask*(1+fee_buy)) / (ask*(1+fee_buy)) * 10000
 * of the next unit stays >= min_bps (min_bps at most 8 decimals), optionally capped at max_qty
 * (NULL: no cap). Fills r; returns 1 when a positive quantity qualifies, 0 when none, -1 on
 * arithmetic overflow. Prices in r are the limit (worst) prices touched; cost is the buy
 * notional plus its fee, proceeds the sell notional minus its fee, profit = proceeds - cost,
 * edge_bps = profit / cost * 10000 rounded down to 2 decimals. */
struct lyra_cross {
	struct lyra_dec qty, buy_px, sell_px, buy_notional, sell_notional, cost, proceeds, profit,
		edge_bps;
};
int lyra_book_cross(const struct lyra_book *buy, struct lyra_dec fee_buy,
                    const struct lyra_book *sell, struct lyra_dec fee_sell, struct lyra_dec min_bps,
                    const struct lyra_dec *max_qty, struct lyra_cross *r);

/* Exact product a*b; when it needs more than 18 decimals or overflows at the full scale, the
 * largest scale that fits, rounded with mode. 0 or -1 (overflow even at scale 0). */
int lyra_book_mul_fit(struct lyra_dec a, struct lyra_dec b, enum lyra_round mode,
                       struct lyra_dec *out);
/* a + b and a - b exactly; when that overflows, at the largest scale that fits, rounded toward
 * mode (the result of a - b: a rounded with mode, b the other way). 0 or -1. */
int lyra_book_add_fit(struct lyra_dec a, struct lyra_dec b, enum lyra_round mode,
                      struct lyra_dec *out);
int lyra_book_sub_fit(struct lyra_dec a, struct lyra_dec b, enum lyra_round mode,
                      struct lyra_dec *out);

/* A registry of books keyed by venue x symbol, and the books of one symbol across venues. */
struct lyra_books;
struct lyra_books *lyra_books_new(void);
void lyra_books_free(struct lyra_books *bs);
/* The book for (venue, symbol); created (invalid, empty) when create is set; NULL when absent
 * or on allocation failure / over-long names (error.h). Pointers stay valid until free. */
struct lyra_book *lyra_books_get(struct lyra_books *bs, const char *venue, const char *symbol,
                                 int create);
/* The books that share symbol, in creation order; *n is set. Borrowed until the next create. */
struct lyra_book *const *lyra_books_symbol(struct lyra_books *bs, const char *symbol, size_t *n);
/* The same for the group of an existing book. */
struct lyra_book *const *lyra_books_group(struct lyra_books *bs, const struct lyra_book *b,
                                          size_t *n);
size_t lyra_books_count(const struct lyra_books *bs);
/* Apply a market-data record of type book, book_delta, bbo or gap (venue, symbol, ts; seq for
 * book and book_delta) to its book, created as needed. *out is the book touched (NULL for a gap
 * on a book never seen). Returns 0 applied, 1 nothing to do (a gap on an unknown book, a bbo on
 * a book kept from full snapshots), -1 when the record cannot be used, with the reason in why
 * (a delta without a valid snapshot, bad levels, missing fields). */
int lyra_books_observe(struct lyra_books *bs, const char *type, const json_t *rec,
                       struct lyra_book **out, char *why, size_t wn);
struct lyra_book *lyra_books_at(struct lyra_books *bs, size_t i);

#endif
