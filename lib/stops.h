/* stops.h: stop-losses for open positions (riskcheck stops). Positions come from the store's
 * fills (read-only, once, then whatever positions adds later) and from the stream's fill and
 * position records; marks from bbo, trade, book and candle records; ATR from candles. Each
 * position on a venue and symbol has one stop: the tightest of the price rules in force
 * (stop_px, stop_pct, atr_stop, trail_pct, trail_atr, breakeven_pct, lock_pct) plus the time
 * rule max_hold_sec; when a mark crosses it (or the position is held too long, on event time)
 * a reduce-only market `order` closing the whole position is emitted, its id derived from the
 * venue, symbol, opening time, trigger time and rule, so a replay gives the same ids. Every
 * stop change is one transaction with one audit entry, so a restart resumes exactly. */
#ifndef LYRA_STOPS_H
#define LYRA_STOPS_H
#include <stdint.h>
#include <jansson.h>
#include "risk.h"
#include "store.h"

struct lyra_stops;

/* params: an engine holding the stop parameters (limits with the stop flag; borrowed, must
 * outlive the stops); actor: who the audit entries name. NULL on allocation failure. */
struct lyra_stops *lyra_stops_new(const struct lyra_risk *params, struct lyra_store *st,
                                  const char *actor);
void lyra_stops_free(struct lyra_stops *s);

/* Resume the stored stops and ATR windows, then count the store's fills not yet counted. */
int lyra_stops_load(struct lyra_stops *s);

/* Feed one record (fill, position, bbo, trade, book, candle, order_event; others only move the
 * event clock). Stop orders it triggers are appended to out. 0, or -1 with error.h:
 * LYRA_EX_DATAERR for a bad record (nothing changed), another code for a store failure. */
int lyra_stops_observe(struct lyra_stops *s, const char *type, const json_t *rec, json_t *out);

#endif
