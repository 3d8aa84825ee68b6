/* trade_test.h: what the trading adapters' unit tests (tests/unit/test_trade*.c) share: the
 * recorded payloads in tests/fixtures/oms/trade/, markets, decimals as text, a dry-run handle
 * whose last signed request is kept in `last`, and placing an order given as JSON text. */
#ifndef LYRA_TRADE_TEST_H
#define LYRA_TRADE_TEST_H

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "decimal.h"
#include "record.h"
#include "trade.h"
#include "trade_impl.h"
#include "unit.h"

#define FX "tests/fixtures/oms/trade/"

/* The fixture NAME (up to 64 KiB) parsed exactly (lyra_json_loads_exact); NULL with a message. */
static inline json_t *fixture(const char *name)
{
	char path[256];
	static char buf[65536];
	snprintf(path, sizeof path, FX "%s", name);
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
	if (f)
		fclose(f);
	json_t *j = n ? lyra_json_loads_exact(buf, n, NULL, 0) : NULL;
	if (!j)
		fprintf(stderr, "cannot read %s\n", path);
	return j;
}

/* A spot market without base/quote (the caller sets more); contract zero. */
static inline struct lyra_market spot_market(const char *venue, const char *sym, const char *vs,
                                             const char *tick, const char *lot)
{
	struct lyra_market m;
	memset(&m, 0, sizeof m);
	snprintf(m.venue, sizeof m.venue, "%s", venue);
	snprintf(m.symbol, sizeof m.symbol, "%s", sym);
	snprintf(m.venue_symbol, sizeof m.venue_symbol, "%s", vs);
	snprintf(m.instrument, sizeof m.instrument, "spot");
	lyra_dec_parse_cstr(tick, &m.tick);
	lyra_dec_parse_cstr(lot, &m.lot);
	m.contract = lyra_dec_zero();
	return m;
}

/* d as text, in one of four rotating buffers (several in one printf). */
static inline char *dec(struct lyra_dec d)
{
	static char buf[4][LYRA_DEC_STRLEN];
	static int i;
	i = (i + 1) % 4;
	lyra_dec_format(d, buf[i]);
	return buf[i];
}

/* dry run: keep the last signed request record */
static json_t *last;
static inline int keep(void *ctx, json_t *rec)
{
	(void)ctx;
	json_decref(last);
	last = rec;
	return 0;
}

static inline void forget(void)
{
	json_decref(last);
	last = NULL;
}

static inline const char *last_str(const char *key)
{
	return last ? lyra_json_get_str(last, key) : NULL;
}

/* A dry-run handle on venue signing with *key (which must outlive it). */
static inline struct lyra_trade *dry_handle(const struct lyra_api_key *key, const char *venue,
                                            int testnet)
{
	struct lyra_trade_opts o = {.venue = venue, .key = key, .dry_run = 1, .dry_run_cb = keep,
	                            .testnet = testnet};
	return lyra_trade_new(&o);
}

/* lyra_trade_place with the order given as JSON text. */
static inline int place(struct lyra_trade *t, const struct lyra_market *m, const char *order,
                        struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	json_t *o = lyra_json_loads_exact(order, strlen(order), NULL, 0);
	int rc = lyra_trade_place(t, m, o, out, err);
	json_decref(o);
	return rc;
}

/* A check named what: adapter a's venue_error finds an error of kind in body (HTTP status), and
 * its code is code (unless code is NULL). */
#define CHECK_VENUE_ERROR(a, body, status, kind, code, what) \
	check_venue_error((a), (body), (status), (kind), (code), (what), __FILE__, __LINE__)
static inline void check_venue_error(const struct lyra_trade_adapter *a, const char *body,
                                     long status, enum lyra_trade_err kind, const char *code,
                                     const char *what, const char *file, int line)
{
	struct lyra_trade_error e = {0};
	unit_check(a->venue_error(body, strlen(body), status, &e) == 1 && e.kind == kind &&
	           (!code || !strcmp(e.code, code)), file, line, what);
}

#endif
