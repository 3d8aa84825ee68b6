/* fuzz_venue.c: every parser of the eight venue adapters (lib/venue_*.c) on arbitrary bytes.
 * Input: byte 0 picks the venue, byte 1 the parser (markets page 0 or 1, book, bbo, trades,
 * candles, funding) and whether the market is a perpetual counted in contracts; the rest is the
 * body. Invariants: a parser answers 0 or -1; -1 carries a message naming the venue and the
 * data-error status; every record it hands over is valid by the record schema, carries the
 * market's venue and symbol, has plain decimal strings (no exponent, no '+') that parse, a
 * non-negative ts, and survives dump -> parse unchanged; every market is well formed and
 * survives lyra_market_record -> lyra_market_from_record. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "error.h"
#include "record.h"
#include "venue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct lyra_market *cur;

static void plain_dec(const json_t *v)
{
	struct lyra_dec d;
	if (!json_is_string(v))
		abort();
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n == 0 || strpbrk(s, "eE+") || s[0] == '.' || s[n - 1] == '.'
	    || lyra_dec_parse(s, n, &d) < 0)
		abort();
}

static int rec_cb(void *ctx, json_t *rec)
{
	(void)ctx;
	char why[256];
	if (lyra_record_validate(rec, why, sizeof why) < 0)
		abort();
	if (strcmp(json_string_value(json_object_get(rec, "venue")), cur->venue) != 0
	    || strcmp(json_string_value(json_object_get(rec, "symbol")), cur->symbol) != 0)
		abort();
	if (json_integer_value(json_object_get(rec, "ts")) < 0)
		abort();
	const char *k;
	json_t *v;
	json_object_foreach(rec, k, v) {
		if (strcmp(k, "bids") == 0 || strcmp(k, "asks") == 0) {
			size_t i;
			json_t *lvl;
			json_array_foreach(v, i, lvl) {
				if (json_array_size(lvl) != 2)
					abort();
				plain_dec(json_array_get(lvl, 0));
				plain_dec(json_array_get(lvl, 1));
			}
		} else if (strcmp(k, "px") == 0 || strcmp(k, "qty") == 0 || strcmp(k, "rate") == 0
		           || strcmp(k, "open") == 0 || strcmp(k, "high") == 0 || strcmp(k, "low") == 0
		           || strcmp(k, "close") == 0 || strcmp(k, "volume") == 0
		           || strncmp(k, "bid_", 4) == 0 || strncmp(k, "ask_", 4) == 0) {
			plain_dec(v);
		}
	}
	char *line = lyra_record_dump(rec);
	if (!line)
		abort();
	json_t *back = lyra_record_parse(line, strlen(line), NULL, 0);
	if (!back || !json_equal(back, rec))
		abort();
	json_decref(back);
	free(line);
	json_decref(rec);
	return 0;
}

static int mkt_cb(void *ctx, const struct lyra_market *m)
{
	(void)ctx;
	if (!m->symbol[0] || !strchr(m->symbol, '/') || !m->base[0] || !m->quote[0]
	    || !m->venue_symbol[0])
		abort();
	if (strcmp(m->instrument, "spot") != 0 && strcmp(m->instrument, "perpetual") != 0)
		abort();
	if (!strcmp(m->instrument, "spot") != !m->settle[0])
		abort();
	if (strcmp(m->status, "trading") != 0 && strcmp(m->status, "halted") != 0)
		abort();
	json_t *rec = lyra_market_record(m, 0);
	char why[256];
	struct lyra_market back;
	if (!rec || lyra_record_validate(rec, why, sizeof why) < 0
	    || lyra_market_from_record(rec, &back) < 0 || strcmp(back.symbol, m->symbol) != 0
	    || strcmp(back.venue_symbol, m->venue_symbol) != 0 || lyra_dec_cmp(back.tick, m->tick)
	    || lyra_dec_cmp(back.lot, m->lot) || lyra_dec_cmp(back.min_qty, m->min_qty)
	    || lyra_dec_cmp(back.contract, m->contract) || lyra_dec_cmp(back.maker_fee, m->maker_fee))
		abort();
	json_decref(rec);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const struct lyra_venue *const *vs = lyra_venues();
	const struct lyra_venue *v = vs[data[0] % 8];
	int kind = data[1] % 7;
	int perp = (data[1] >> 3) & 1;
	size_t len = size - 2;
	char *body = malloc(len ? len : 1);
	if (!body)
		return 0;
	memcpy(body, data + 2, len);

	struct lyra_market m;
	memset(&m, 0, sizeof m);
	strcpy(m.venue, v->id);
	strcpy(m.symbol, perp ? "BTC/USDT:USDT" : "BTC/USDT");
	strcpy(m.venue_symbol, "BTCUSDT");
	strcpy(m.base, "BTC");
	strcpy(m.quote, "USDT");
	if (perp)
		strcpy(m.settle, "USDT");
	strcpy(m.instrument, perp ? "perpetual" : "spot");
	strcpy(m.status, "trading");
	if (perp && (data[1] & 0x10))
		lyra_dec_parse_cstr("0.0001", &m.contract);
	cur = &m;

	int depth = (data[1] >> 5) * 3;
	int rc = 0;
	lyra_error_clear();
	switch (kind) {
	case 0:
	case 1: rc = v->parse_markets(kind, body, len, mkt_cb, NULL); break;
	case 2: rc = v->parse_book(&m, depth, body, len, 1, rec_cb, NULL); break;
	case 3: rc = v->parse_bbo(&m, body, len, 1, rec_cb, NULL); break;
	case 4: rc = v->parse_trades(&m, body, len, 1, rec_cb, NULL); break;
	case 5: rc = v->parse_candles(&m, "1h", body, len, rec_cb, NULL); break;
	case 6:
		if (v->parse_funding)
			rc = v->parse_funding(&m, body, len, 1, rec_cb, NULL);
		break;
	}
	if (rc != 0 && rc != -1)
		abort();
	if (rc < 0 && (lyra_error_code() != LYRA_EX_DATAERR
	               || strncmp(lyra_error_msg(), v->id, strlen(v->id)) != 0))
		abort();
	free(body);
	return 0;
}
