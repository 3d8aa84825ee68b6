/* l2book.h: a local L2 order book (price -> absolute quantity per side) as venues' WebSocket
 * feeds maintain it: sorted levels with binary search, bounded depth, crossed-book
 * detection, and the venues' CRC32 checksums over the top levels (Kraken, OKX, Bitfinex). Each
 * level keeps the price and quantity text exactly as the venue sent it, since the checksums are
 * computed over that text. Sequence rules (Binance U/u, Coinbase sequence, ...) are the caller's
 * (lib/venue_ws.c); this module only holds levels.
 *
 * Layout (for speed at depth 1000): each side is a short directory of blocks of up to 32
 * levels, best first, each block sorted; a delta binary-searches the directory (by each
 * block's worst price) and then its block's price keys, and moves at most one block's worth of
 * 16-byte records. The venue's text of each level lives in a per-book slot pool and never
 * moves. Nothing is allocated per delta once the book has reached its size. */
#ifndef LYRA_L2BOOK_H
#define LYRA_L2BOOK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "decimal.h"

#define LYRA_L2_TEXT 32   /* longest level text kept, NUL included */

enum lyra_l2side { LYRA_L2_BID = 0, LYRA_L2_ASK = 1 };

/* One level as lyra_l2book_level reports it. */
struct lyra_l2level {
	struct lyra_dec px;
	struct lyra_dec qty;              /* absolute, > 0 */
	const char *px_text;              /* as received: "0.05005" */
	const char *qty_text;             /* as received, sign included (Bitfinex asks: "-3") */
};

/* private: the blocks of one side, one level's text */
struct lyra_l2blk;
struct lyra_l2text;
struct lyra_l2dir {
	struct lyra_l2blk **blk;          /* best block first */
	struct lyra_dec *last;            /* last[j]: the worst price in blk[j] */
	size_t nblk, cap;
	int kscale;                       /* price scale of most levels of the side */
	size_t nodd;                      /* levels whose price scale differs from kscale */
};

struct lyra_l2book {
	size_t n[2];                      /* levels per side (read-only) */
	int depth;                        /* levels kept per side after lyra_l2book_trim; 0: all */
	/* private */
	struct lyra_l2dir dir[2];
	struct lyra_l2blk *spare;         /* emptied blocks kept for reuse */
	struct lyra_l2text *text;         /* text slot pool, shared by both sides */
	uint32_t ntext, captext, freetext; /* slots handed out, allocated, free list head + 1 */
};

/* Initialise an empty book that keeps `depth` levels per side (0: unbounded). No allocation
 * until the first level. */
void lyra_l2book_init(struct lyra_l2book *b, int depth);
/* Free the levels (the struct itself is the caller's). */
void lyra_l2book_free(struct lyra_l2book *b);
/* Remove every level, keeping the memory. */
void lyra_l2book_clear(struct lyra_l2book *b);

/* Set one level to an absolute quantity: qty zero removes the level (removing an absent level is
 * not an error), otherwise insert or replace. px and qty are the venue's text (exactly len
 * bytes); qty_text may carry a sign (its absolute value is the quantity). Levels beyond the depth
 * are kept until lyra_l2book_trim, because venues apply a whole message before truncating.
 * 0, or -1 with error.h (LYRA_EX_DATAERR: unparsable or over-long text, price <= 0; or
 * LYRA_EX_SOFTWARE on allocation failure). A level whose new text is over-long is removed
 * rather than left with its old size. */
int lyra_l2book_set(struct lyra_l2book *b, enum lyra_l2side side, const char *px, size_t pxlen,
                    const char *qty, size_t qtylen);
/* Drop levels beyond the depth on both sides. */
void lyra_l2book_trim(struct lyra_l2book *b);

/* Level i of a side, 0 the best (bids highest first, asks lowest first), into *out: 0, or -1
 * when there is no such level. O(i / 16); the text stays valid until the book changes. */
int lyra_l2book_level(const struct lyra_l2book *b, enum lyra_l2side side, size_t i,
                      struct lyra_l2level *out);

/* 1 when the best bid is at or above the best ask, else 0 (an empty side never crosses). */
int lyra_l2book_crossed(const struct lyra_l2book *b);

/* Checksums over the current levels (call after lyra_l2book_trim).
 * Kraken WS v1: unsigned CRC32 of the top 10 asks then top 10 bids, each price then quantity
 * text with '.' removed and leading zeros stripped.
 * OKX books: CRC32 as int32 of up to 25 levels "bidPx:bidSz:askPx:askSz:..." (a side that runs
 * out leaves the rest of the other).
 * Bitfinex: the same interleaving as OKX with the quantity text as sent (ask amounts negative). */
uint32_t lyra_l2book_crc_kraken(const struct lyra_l2book *b);
int32_t lyra_l2book_crc_okx(const struct lyra_l2book *b);
int32_t lyra_l2book_crc_bitfinex(const struct lyra_l2book *b);

/* CRC32 (IEEE 802.3, as zlib's crc32) of len bytes, continuing from crc (start with 0). */
uint32_t lyra_crc32(uint32_t crc, const void *buf, size_t len);

/* A levels array [["px","qty"],...] of the best `depth` levels of one side (0: all), the text
 * as received less any sign on the quantity. NEW reference or NULL on allocation failure. */
json_t *lyra_l2book_levels(const struct lyra_l2book *b, enum lyra_l2side side, int depth);

#endif
