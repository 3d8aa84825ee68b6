/* markets.h: the markets cache in the store (tables md_market, md_market_fetch: one `market`
 * record line per instrument and venue, and when and from which endpoint the venue's list was
 * fetched), shared by mdfeed (which maintains it) and oms (which needs one market's symbol
 * mapping, tick and lot), plus fetching a venue's whole list with its adapter. */
#ifndef LYRA_MARKETS_H
#define LYRA_MARKETS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "venue.h"

/* A growable list of markets. */
struct lyra_market_list {
	struct lyra_market *m;
	size_t n, cap;
};
int lyra_market_list_add(struct lyra_market_list *l, const struct lyra_market *m);   /* 0/-1 */
void lyra_market_list_release(struct lyra_market_list *l);

/* When the venue's list was fetched from endpoint (us), or -1 when never. */
int64_t lyra_markets_fetched(struct lyra_store *st, const char *venue, const char *endpoint);

/* The cached markets of venue, in the venue's order, appended to l. 0, or -1 with error.h set
 * (LYRA_EX_IOERR: "a cached market record is damaged"). */
int lyra_markets_load(struct lyra_store *st, const char *venue, struct lyra_market_list *l);

/* Replace venue's cache with ms (fetched at now_us from endpoint), in one transaction with an
 * audit entry md.markets by actor. A symbol listed twice is kept once; *kept (may be NULL) says
 * how many were stored. 0 or -1 (rolled back). */
int lyra_markets_save(struct lyra_store *st, const char *venue, const char *endpoint,
                      const char *actor, const struct lyra_market *ms, size_t n, int64_t now_us,
                      int64_t *kept);

/* Fetch the venue's markets with its adapter (every page of markets_req / parse_markets) from
 * base_url (NULL: the adapter's rest_url; a request marked alt goes to alt_url, or to base_url
 * when base_url was given, since a fake or testnet serves every path). 0 or -1. */
int lyra_markets_fetch(const struct lyra_venue *v, const char *base_url,
                       struct lyra_market_list *l);

/* One market by unified symbol (exact, then case-insensitive) in l; NULL when absent. */
const struct lyra_market *lyra_markets_find(const struct lyra_market_list *l, const char *symbol);

/* The market for (venue, symbol): from the cache when it was fetched from endpoint base_url
 * (NULL: the adapter's rest_url) less than max_age_us ago and lists the symbol, else fetched
 * and the cache refreshed (audited as actor). 0; -1 with error.h set (LYRA_EX_DATAERR "unknown
 * symbol 'X' on venue" when the fresh list lacks it). */
int lyra_markets_get(struct lyra_store *st, const struct lyra_venue *v, const char *base_url,
                     const char *actor, int64_t max_age_us, const char *symbol,
                     struct lyra_market *out);

#endif
