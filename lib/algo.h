/* algo.h: execution algorithms as pure state machines: TWAP, VWAP, POV, iceberg, grid and DCA.
 * A parent order (venue, symbol, side, quantity) is worked by child `order` and `cancel`
 * records and ends with an `algo_report`. The machine does no I/O and reads no clock: it learns
 * time, market data and its children's fills from the records it is given, and hands every
 * record it makes to a callback, so the same input always gives the same output. Its progress
 * is a JSON value the caller stores, and a restored machine continues where it stopped.
 *
 * Children are "<parent>-<n>" (n zero-padded to 4 digits, counting from 1), GTC, tagged with
 * parent and strategy (the algorithm's name). Quantities are rounded down to the lot, prices to
 * the tick (buy down, sell up) once a `market` record for the venue and symbol was seen (lot
 * 0.00000001 before); a child below min_qty or min_notional is not sent and its quantity stays
 * in the schedule. A child counts against the parent until it is final (filled, cancelled,
 * rejected, expired; or a riskcheck `reject`): the parent quantity is never exceeded, even when
 * a fill races a cancel. */
#ifndef LYRA_ALGO_H
#define LYRA_ALGO_H

#include <jansson.h>
#include <stdint.h>
#include "decimal.h"

enum lyra_algo_kind { LYRA_ALGO_TWAP, LYRA_ALGO_VWAP, LYRA_ALGO_POV, LYRA_ALGO_ICEBERG,
                      LYRA_ALGO_GRID, LYRA_ALGO_DCA };

enum lyra_algo_style {
	LYRA_STYLE_PASSIVE,     /* join the near touch: bid for a buy, ask for a sell */
	LYRA_STYLE_AGGRESSIVE,  /* cross to the far touch: ask for a buy, bid for a sell */
	LYRA_STYLE_MARKET,      /* market children (only without a hard limit) */
};

/* Name <-> kind ("twap" ...); parse returns -1 for an unknown name. */
const char *lyra_algo_name(enum lyra_algo_kind k);
int lyra_algo_parse(const char *name, enum lyra_algo_kind *k);

struct lyra_algo_params {
	enum lyra_algo_kind kind;
	char id[64];                 /* parent id (children are <id>-<n>) */
	char venue[32], symbol[64];
	int side;                    /* +1 buy, -1 sell */
	struct lyra_dec qty;         /* parent quantity (grid: the most inventory held at once) */
	int64_t start;               /* 0: the first event time seen */
	int64_t end;                 /* 0: start + duration, or open-ended when duration is 0 */
	int64_t duration;            /* 0: none */
	/* twap, vwap */
	int slices;                  /* > 0 */
	struct lyra_dec jitter;      /* 0..0.5: each inner boundary moves by up to this share of a
	                                slice, deterministically from the parent id */
	const struct lyra_dec *weights;  /* vwap: one weight per slice (borrowed until free); NULL:
	                                    equal weights */
	/* pov */
	struct lyra_dec rate, min_slice, max_slice;   /* min/max 0: the lot / the parent qty */
	/* iceberg */
	struct lyra_dec display, px, variance;        /* px 0: priced by the policy; variance 0..1 */
	/* grid */
	struct lyra_dec lower, upper, qty_per_level;  /* qty_per_level 0: qty / levels */
	int levels;                                   /* >= 2 */
	/* dca */
	int64_t every;
	struct lyra_dec amount;      /* quote amount per scheduled order */
	/* price policy */
	enum lyra_algo_style style;
	struct lyra_dec offset_bps;  /* from the touch, positive = more passive */
	struct lyra_dec limit;       /* hard limit; 0: none */
};

/* Every record the machine makes comes through this callback as a NEW reference the callee
 * steals. Return 0 to go on, -1 to stop (the machine's call then fails with -1). */
typedef int (*lyra_algo_emit_fn)(void *ctx, json_t *rec);

struct lyra_algo;

/* A NEW machine for p (copied; weights borrowed), NULL with error.h set (LYRA_EX_USAGE for
 * inconsistent parameters, LYRA_EX_SOFTWARE when out of memory). */
struct lyra_algo *lyra_algo_new(const struct lyra_algo_params *p, lyra_algo_emit_fn emit,
                                void *ctx);
void lyra_algo_free(struct lyra_algo *a);

/* The parameters as canonical JSON (sorted keys; the vwap weights left out: their source is
 * the caller's): a restart with other parameters is refused by the caller comparing these. NEW
 * string (caller frees) or NULL. */
char *lyra_algo_params_json(const struct lyra_algo_params *p);

/* Progress as JSON: NEW reference. restore replaces the progress of a new machine with a stored
 * one; 0, or -1 with error.h (LYRA_EX_DATAERR) when state is malformed. */
json_t *lyra_algo_state(const struct lyra_algo *a);
int lyra_algo_restore(struct lyra_algo *a, const json_t *state);

/* What rec (of type type) is to this parent: LYRA_ALGO_OWN_TRADE for a trade of its venue and
 * symbol, LYRA_ALGO_OWN_MD for its other market data (market, bbo, book, book_delta), else 0. */
enum { LYRA_ALGO_OWN_MD = 1, LYRA_ALGO_OWN_TRADE = 2 };
int lyra_algo_is_own(const struct lyra_algo *a, const char *type, const json_t *rec);

/* Learn from market data: instrument rules, the touch, traded volume. Records of other venues
 * or symbols and other types are ignored. 0, or -1 with error.h (LYRA_EX_DATAERR). */
int lyra_algo_on_market(struct lyra_algo *a, const char *type, const json_t *rec);

/* Learn from feedback: `fill`, `order_event` or `reject` records. Returns 1 when the record is
 * about one of this parent's open children (applied), 0 when it is not, -1 on a malformed
 * record. Fills add to the child and the parent; an order_event's filled_qty (with avg_px)
 * catches up on fills that were not seen; a final status or a reject closes the child. */
int lyra_algo_on_feedback(struct lyra_algo *a, const char *type, const json_t *rec);

/* 1 when lyra_algo_step(now, own) would take a decision that depends on fills: a schedule
 * boundary or the end at or before now, or own market data for the reactive algorithms (pov:
 * own trades; iceberg, grid: any own market data); own is lyra_algo_is_own()'s answer. The caller synchronises feedback first when this returns 1 and children
 * are open. */
int lyra_algo_due(const struct lyra_algo *a, int64_t now, int own);

/* Take the decisions due at event time now; own is lyra_algo_is_own() of the record just seen
 * (0 after feedback or other records). Emits child orders, cancels, and at the end the algo_report. Returns
 * 0 when done for now, 1 when it sent cancels and wants their outcome before going on (call
 * again, after synchronising feedback when the caller can), -1 on error. */
int lyra_algo_step(struct lyra_algo *a, int64_t now, int own);

/* Finish now although the end was not reached (end of input with --finish-at-eof): as step at
 * the end; same return values. */
int lyra_algo_finish(struct lyra_algo *a, int64_t now);

enum lyra_algo_status { LYRA_ALGO_PENDING, LYRA_ALGO_RUNNING, LYRA_ALGO_DONE };
enum lyra_algo_status lyra_algo_status(const struct lyra_algo *a);
int lyra_algo_open_children(const struct lyra_algo *a);
/* Start time (0 before start), children sent so far, filled quantity. */
int64_t lyra_algo_started(const struct lyra_algo *a);
int lyra_algo_children(const struct lyra_algo *a);
struct lyra_dec lyra_algo_filled(const struct lyra_algo *a);
/* Ids of the open children, for store lookups: the i-th, or NULL past the end (borrowed). */
const char *lyra_algo_child_id(const struct lyra_algo *a, int i);
/* 1 when the progress changed since the last call (a boundary, a child, a fill, the end), then
 * cleared: the caller stores the state. *boundary is set when a schedule step or the end was
 * taken (not only fills). */
int lyra_algo_changed(struct lyra_algo *a, int *boundary);

/* VWAP weights: for each of n slices of [start, start + duration), the sum of the volumes of
 * the profile points whose time of day (ts modulo one day, UTC) falls within the slice's time
 * of day. Points: tod[i] microseconds into the day, vol[i] >= 0. out has n entries. 0 or -1
 * (overflow). */
int lyra_algo_profile_weights(const int64_t *tod, const struct lyra_dec *vol, int npoints,
                              int64_t start, int64_t duration, int n, struct lyra_dec *out);

/* A deterministic number in [-1, 1] (6 decimals) from the parent id and k: the jitter and
 * variance source. */
struct lyra_dec lyra_algo_unit(const char *id, int64_t k);

#endif
