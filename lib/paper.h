/* paper.h: the paper venue's matching engine. It keeps the books of the market data flowing
 * through the pipe (book, book_delta, bbo, trade, market records), rests the orders it is given
 * against them and fills them the way a real venue would, conservatively: a market order walks
 * the book (slippage, consuming the liquidity it took until the venue's next update of those
 * levels), a resting limit order fills only when the opposite side crosses its price or when
 * trades at its price have used up the volume that was queued ahead of it. Fees come from
 * `market` records (maker/taker), else from the defaults. Time is the event time of the records
 * fed in, so a replay gives the same fills every run. The engine does no I/O and no storage:
 * oms persists what it emits.
 *
 * The fill model (exact decimals throughout; ties broken by arrival order):
 * - Books: one per venue x symbol from `book` (replaces it), `book_delta` (absolute quantity per
 *   level; ignored until a snapshot), `bbo` (a one-level book, only while no `book` was seen for
 *   that venue x symbol); a `gap` distrusts the book until the next snapshot. With book_venue
 *   set, other venues' records only advance time.
 * - Which book: book_venue, else the order's venue; an order with venue "paper" binds on arrival
 *   to the most recently updated valid book of its symbol, or, when there is none yet, to the
 *   venue of the first book/trade record of its symbol that comes later.
 * - Taking (market orders, and limit orders that cross on arrival, on a re-price or when a stop
 *   fires): the opposite side is walked best first up to the limit; each level gives one taker
 *   fill at the level's price, and what was taken is removed from the engine's copy of the book
 *   until the venue's next snapshot or delta for that level, so two orders never take the same
 *   quantity. A market order with no (valid) book is rejected "no book for VENUE SYMBOL", with
 *   an empty opposite side "no liquidity"; a market order the side cannot fill is cancelled
 *   "no more liquidity" after its fills. IOC cancels its remainder ("IOC remainder"); FOK fills
 *   in full from the visible quantity within its limit or is rejected ("FOK cannot fill in
 *   full"); post_only is rejected when it would cross ("post-only order would take liquidity").
 *   An order already acked (a fired stop, a re-priced order) is cancelled with the same reason
 *   instead of rejected.
 * - Resting (maker): a limit order that rests gets queue_ahead = the visible quantity at its
 *   price on its own side (unknown when its book has not been seen: the first snapshot, top or
 *   delta showing that level sets it, and until then trades at its price do not fill it).
 *   A public trade whose taker is on the other side fills resting orders best price first, each
 *   unit of the trade's quantity used once: through the order's price (a sell below a resting
 *   buy) it fills min(remaining, trade left) at the order's price and the queue becomes 0; at
 *   the order's price it first uses up queue_ahead, then fills from what is left. A book update
 *   that brings the opposite side to or through a resting price fills the order (one maker fill
 *   at its own price per update) against those levels, taking them from the engine's book. When
 *   an update shows the level at the order's price below queue_ahead, queue_ahead drops to it
 *   (cancels are assumed to come from behind us; growth is behind us and ignored). A snapshot
 *   or top only speaks for prices within its range: deeper levels keep their queue.
 * - Stops wait for a trade on their book: a buy stop fires at trade px >= stop_px, a sell stop at
 *   px <= stop_px (after that trade's fills of resting orders); stop becomes a market order,
 *   stop_limit a limit order at px, and they execute against the book as it is.
 * - Time: each market record first expires GTD orders with expire_ts <= its ts ("expired",
 *   reason "GTD expire_ts reached"), then is applied (book change, fills, stops), then orders
 *   in flight whose ts + latency_us <= its ts arrive, in arrival-time order, against the book
 *   after that record; they do not take part in that record's trade. A GTD order that arrives
 *   at or after its expire_ts is rejected ("GTD order already expired").
 * - Fees: fee = px * qty * rate, HALF_EVEN to at most 12 decimals, trailing zeros dropped, in
 *   the symbol's quote currency (BASE/QUOTE[:SETTLE]); the rate is the latest `market` record's
 *   maker_fee/taker_fee for the book's venue x symbol, else opts. Negative rates are rebates.
 * - Records: fill {id, venue "paper", book_venue, symbol, side, px, qty, fee, fee_ccy,
 *   liquidity, trade_id "paper-<id>-<n>" (n from 1 per order), venue_order_id};
 *   order_event {id, venue "paper", book_venue (once bound), symbol, status, venue_order_id
 *   (once acked: "P-<n>", n counting acked orders of this engine), filled_qty, remaining_qty,
 *   avg_px (when filled_qty > 0: notional / filled_qty HALF_EVEN at the largest fill price
 *   scale + 4, at most 18), reason}. One order_event per order after the fills one event
 *   caused. ts is the time of the event that caused the record: the order's ts (or the cancel's
 *   or amend's) for a submission without latency, the market record's ts otherwise. */
#ifndef LYRA_PAPER_H
#define LYRA_PAPER_H

#include <jansson.h>
#include <stdint.h>
#include "decimal.h"

struct lyra_paper;

struct lyra_paper_opts {
	int64_t latency_us;            /* an order reaches the book this long after its ts (0) */
	struct lyra_dec maker_fee;     /* fee rates used until a `market` record gives the venue's */
	struct lyra_dec taker_fee;
	const char *book_venue;        /* only this venue's books and trades; NULL = the order's own
	                                  venue field, or any venue for orders with venue "paper" */
};

/* Everything the engine reports goes through this callback as a NEW record the callee steals
 * (the callback must not call back into the engine):
 * `order_event` (acked, partially_filled, filled, cancelled, rejected, expired; with
 * filled_qty, avg_px when filled_qty > 0, reason for rejected/cancelled/expired) and `fill`
 * (venue "paper", book_venue, trade_id "paper-<id>-<n>", liquidity maker|taker, fee in the
 * quote currency). Events come in causal order: a fill before the order_event it causes.
 * Return 0 to go on, -1 to stop (the engine call then returns -1). */
typedef int (*lyra_paper_emit_fn)(void *ctx, json_t *rec);

struct lyra_paper *lyra_paper_new(const struct lyra_paper_opts *opts, lyra_paper_emit_fn emit,
                                  void *ctx);
void lyra_paper_free(struct lyra_paper *p);

/* Market data: type is the record's type (book, book_delta, bbo, trade, market, gap); records
 * of other types are ignored (0). Updates the books, then matches resting orders and triggers
 * stops; may emit. 0, or -1 with error.h set (a malformed record, the field named:
 * LYRA_EX_DATAERR; the record then has no effect, except that a bad snapshot or delta leaves
 * that book invalid until the next snapshot) or when emit asked to stop. */
int lyra_paper_on_market(struct lyra_paper *p, const char *type, const json_t *rec);

/* A new order (an `order` record already validated by oms: id, venue, symbol, side, kind,
 * qty; px for limit/stop_limit/post_only; stop_px for stop/stop_limit; tif GTC|IOC|FOK|GTD;
 * expire_ts for GTD). Emits acked (or rejected with a reason: post-only would take, FOK
 * cannot fill in full, no book for a market order, a duplicate id), then any immediate fills.
 * With latency the order waits (emitting nothing) until market data reaches ts + latency.
 * 0, or -1 (LYRA_EX_DATAERR naming the field; nothing changes) for a malformed order. */
int lyra_paper_submit(struct lyra_paper *p, const json_t *order);

/* Cancel by client order id at event time ts (an order in flight too, at once): emits
 * cancelled with reason "cancel requested" (keeping filled_qty and avg_px), or
 * returns 1 when the id is not open (unknown or already final: the caller reports it). */
int lyra_paper_cancel(struct lyra_paper *p, const char *id, int64_t ts);

/* Amend (cancel/replace in place): new price and/or new total quantity (NULL: unchanged). A
 * new price or a larger quantity loses the queue position; a smaller one keeps it. A total
 * at or below the filled quantity finishes the order (cancelled "amended below the filled
 * quantity", or filled if equal). Otherwise emits an order_event with the current status (new
 * while in flight, acked, partially_filled) plus px, qty and "amended":true; a new price that
 * crosses then takes like a new order (a post_only one is cancelled instead).
 * 0, 1 when not open, -1 on error (a price for an order without one, a quantity <= 0). */
int lyra_paper_amend(struct lyra_paper *p, const char *id, const struct lyra_dec *px,
                     const struct lyra_dec *qty, int64_t ts);

/* Put back an open order after a restart (oms reads it from the store): resting with
 * filled_qty already done, queue position unknown so the whole visible level counts as ahead.
 * Optional fields of the record continue its history: venue_order_id ("P-<n>": kept, and later
 * acks number after it; else a new one), avg_px (else px is assumed for the filled part),
 * fill_count (fills so far, so trade ids continue), book_venue (for venue "paper"), triggered
 * (true: a stop_limit whose stop already fired; implied when filled_qty > 0).
 * Emits nothing. 0 or -1 (malformed, a duplicate id, a market order or a fired stop, filled_qty
 * not below qty). */
int lyra_paper_restore(struct lyra_paper *p, const json_t *order, struct lyra_dec filled_qty);

/* Catch-up mode, for a restart that passes again over market data a crashed run had already
 * matched: records update the books and fees (and bind restored orders to their book) but
 * nothing is matched, expired or triggered, and nothing is emitted. */
void lyra_paper_catch_up(struct lyra_paper *p, int on);

/* Orders currently open in the engine. */
int lyra_paper_open_count(const struct lyra_paper *p);

#endif
