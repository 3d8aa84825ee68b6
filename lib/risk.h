/* risk.h: pre-trade risk checks shared by riskcheck and the programs that must respect them
 * (oms refuses orders while HALTED). Limits scoped global/venue/symbol/strategy, the rule
 * engine that turns an `order` record into a pass (annotated with the checks it passed) or a
 * `reject` (every failed rule with its limit and value), the state the engine keeps from the
 * stream (instrument rules, marks, positions from fills, in-flight orders, order rates on event
 * time, daily realised PnL, peak equity), and the trading state ACTIVE/REDUCING/HALTED kept in
 * the store so every process sees it. */
#ifndef LYRA_RISK_H
#define LYRA_RISK_H
#include <stdint.h>
#include <jansson.h>
#include "decimal.h"
#include "flatjson.h"
#include "store.h"

enum lyra_risk_state { LYRA_RISK_ACTIVE, LYRA_RISK_REDUCING, LYRA_RISK_HALTED };

/* Limit names and their defaults (NULL: no default, the rule is off until a limit is set).
 * Decimal limits are in quote units unless the name says otherwise; allowed_* are
 * comma-separated lists. */
struct lyra_risk_limit_def {
	const char *name;
	const char *def;     /* default value, or NULL */
	int list;            /* 1: a comma-separated list, 0: a non-negative decimal */
	const char *help;
	int stop;            /* 1: a parameter of `riskcheck stops`, not a pre-trade rule */
};
/* The table, terminated by {NULL}. */
const struct lyra_risk_limit_def *lyra_risk_limit_defs(void);

/* "ACTIVE", "REDUCING", "HALTED"; parse returns -1 on anything else. */
const char *lyra_risk_state_name(enum lyra_risk_state s);
int lyra_risk_state_parse(const char *s, enum lyra_risk_state *out);

/* Check a scope ("global", "venue:X", "symbol:X", "strategy:X"), a limit name and its value.
 * 0, or -1 with error.h (LYRA_EX_USAGE) saying what is wrong. */
int lyra_risk_limit_validate(const char *scope, const char *name, const char *value);

struct lyra_risk;

/* A NEW engine with no limits beyond the defaults, state ACTIVE; NULL on allocation failure. */
struct lyra_risk *lyra_risk_new(void);
void lyra_risk_free(struct lyra_risk *r);

/* Set a limit in memory (validated as above); replaces an earlier value for scope and name. */
int lyra_risk_limit_set(struct lyra_risk *r, const char *scope, const char *name,
                        const char *value);
/* The effective value of a limit for an order on venue/symbol by strategy (any may be NULL):
 * the most specific scope that has a value wins (strategy, symbol, venue, global, default).
 * 1 with the value (text and scope borrowed from the engine, valid until the limits change),
 * 0 when the limit is off or unknown. text and scope may be NULL. */
int lyra_risk_limit_get(const struct lyra_risk *r, const char *name, const char *venue,
                        const char *symbol, const char *strategy, struct lyra_dec *val,
                        const char **text, const char **scope);
/* Forget every limit set in memory (defaults remain). */
void lyra_risk_limits_clear(struct lyra_risk *r);
void lyra_risk_set_state(struct lyra_risk *r, enum lyra_risk_state s, const char *reason);
enum lyra_risk_state lyra_risk_get_state(const struct lyra_risk *r);

/* Feed a consumed non-order record: market (instrument rules), bbo/trade/book (marks), fill
 * (positions, realised PnL, in-flight remaining), order_event (a terminal status ends an
 * in-flight order). Other types are ignored. 0, or -1 with error.h (LYRA_EX_DATAERR) when a
 * field the record needs is missing or malformed. */
int lyra_risk_observe(struct lyra_risk *r, const char *type, const json_t *rec);

enum { LYRA_RISK_PASS = 0, LYRA_RISK_REJECT = 1 };
#define LYRA_RISK_ROUND 1   /* round px to the tick and qty to the lot instead of rejecting */

/* Check an order record in place. A pass gets "risk":{"state":..,"checks":[rule,...]} (and
 * "rounded":{field:{"from":..,"to":..}} when LYRA_RISK_ROUND changed it) and becomes in-flight.
 * A reject gets type "reject" and "reasons":[{"rule","scope","limit","value"},...] listing every
 * failed rule. Returns LYRA_RISK_PASS, LYRA_RISK_REJECT, or -1 with error.h (LYRA_EX_DATAERR)
 * when the order itself is malformed (then rec is untouched). */
int lyra_risk_check(struct lyra_risk *r, json_t *rec, unsigned flags);

/* The flat path (riskcheck check): the same engine fed from a record scanned by lyra_fj_scan
 * (flatjson.h) instead of a jansson DOM, with the same results byte for byte. Both return
 * LYRA_RISK_DECLINE, having changed nothing, when the record is not one they take (another
 * type, a field missing or of another kind, a bad "ts"): the caller then parses the line with
 * lyra_record_parse and uses lyra_risk_observe / lyra_risk_check, which explain. */
#define LYRA_RISK_DECLINE 2
/* bbo, trade and order_event records, as lyra_risk_observe: 0, -1 with error.h, or DECLINE. */
int lyra_risk_observe_flat(struct lyra_risk *r, const struct lyra_fj *fj);
/* An order, as lyra_risk_check: LYRA_RISK_PASS or LYRA_RISK_REJECT with the output line (what
 * lyra_out_json would write for the changed record) appended to w; -1 with error.h (the same
 * message as lyra_risk_check); or DECLINE. */
int lyra_risk_check_flat(struct lyra_risk *r, const struct lyra_fj *fj, unsigned flags,
                         struct lyra_fj_out *w);

/* A breaker tripped since the last call (daily_loss or drawdown_pct: REDUCING; reject_storm:
 * HALTED): returns 1 with the new state and a reason (borrowed, valid until the next engine
 * call), and the engine is already in that state; 0 when nothing tripped. */
int lyra_risk_tripped(struct lyra_risk *r, enum lyra_risk_state *state, const char **reason);

/* The realised loss of the UTC day (event time) of the last fill, zero when that day made
 * money or no fill was seen, into loss; the global daily_loss limit into limit. 1 when a
 * limit is in force, 0 when not (limit is then zero). For --metrics. */
int lyra_risk_daily_loss(const struct lyra_risk *r, struct lyra_dec *loss, struct lyra_dec *limit);

/* Read the store's fills (table fills, read-only) into the positions and realised PnL, as if
 * they had come first in the stream (no breaker trips on them). A stream fill whose venue and
 * trade_id the store already held is then not counted twice. 0, or -1 with error.h. */
int lyra_risk_load_fills(struct lyra_risk *r, struct lyra_store *st);

/* Risk-parity weights from returns (n observations x k assets, row-major; doubles: these are
 * statistics, the sizes derived from them are exact decimals). erc 0: inverse volatility, 1:
 * equal risk contribution (cyclical coordinate descent on the sample covariance). vol gets each
 * asset's sample standard deviation, w the weights (sum 1), rc each asset's share of the
 * portfolio variance (sum 1). 0, or -1 with error.h (LYRA_EX_DATAERR: fewer than 2
 * observations, an asset that never moved, no convergence). */
int lyra_risk_parity(const double *ret, int n, int k, int erc, double *vol, double *w,
                     double *rc);

/* ---- the store: table risk_limit and meta keys risk.state, risk.reason, risk.since ---- */

/* Replace the engine's limits with the store's and adopt the store's state. 0 or -1. */
int lyra_risk_load(struct lyra_risk *r, struct lyra_store *st);
/* Insert or replace one limit (validated); the caller holds the transaction and audits. */
int lyra_risk_limit_put(struct lyra_store *st, const char *scope, const char *name,
                        const char *value);
/* Delete one limit; 1 when it existed, 0 when not, -1 on error. Caller holds the transaction. */
int lyra_risk_limit_del(struct lyra_store *st, const char *scope, const char *name);
/* The stored state (ACTIVE when never set). reason (may be NULL) gets the reason, "" if none;
 * since (may be NULL) the wall-clock time it was set, 0 if never. 0 or -1. */
int lyra_risk_state_get(struct lyra_store *st, enum lyra_risk_state *s, char *reason,
                        size_t reasonlen, int64_t *since);
/* Set the state in one transaction that also appends the audit entry (action "risk.halt",
 * "risk.reduce", "risk.resume" or "risk.breaker" when breaker is non-zero). 0 or -1. */
int lyra_risk_state_set(struct lyra_store *st, const char *actor, enum lyra_risk_state s,
                        const char *reason, int breaker);
/* A cheap "did another connection commit?" counter (PRAGMA data_version); -1 on error. */
int64_t lyra_risk_store_version(struct lyra_store *st);

#endif
