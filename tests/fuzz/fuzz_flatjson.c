/* fuzz_flatjson: arbitrary bytes, line by line, through the flat scanner and the risk engine's
 * flat path, each against its jansson counterpart. Invariants: a line the scanner accepts is
 * valid JSON that lyra_json_loads_exact reads as the same members in the same order with the
 * same values, and the writer re-encodes it as lyra_record_dump does; the flat path of the
 * risk engine (falling back to the jansson path when it declines) gives the same output line
 * or the same error message as the jansson path alone, on two engines fed the same stream. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "flatjson.h"
#include "ndjson.h"
#include "record.h"
#include "risk.h"

static struct lyra_fj fj;
static struct lyra_fj_out w;

static void scanner(const char *buf, size_t len)
{
	if (lyra_fj_scan(buf, len, &fj) != 0)
		return;
	json_t *o = lyra_json_loads_exact(buf, len, NULL, 0);
	if (!json_is_object(o) || json_object_size(o) != (size_t)fj.n)
		abort();
	int i = 0;
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		const struct lyra_fj_field *f = &fj.f[i++];
		if (strlen(k) != f->klen || memcmp(k, f->key, f->klen) != 0)
			abort();
		switch (f->kind) {
		case LYRA_FJ_STR:
		case LYRA_FJ_NUM:
			if (!json_is_string(v) || json_string_length(v) != f->len ||
			    memcmp(json_string_value(v), f->str, f->len) != 0)
				abort();
			break;
		case LYRA_FJ_INT:
			if (!json_is_integer(v) || json_integer_value(v) != f->i)
				abort();
			break;
		case LYRA_FJ_TRUE: if (!json_is_true(v)) abort(); break;
		case LYRA_FJ_FALSE: if (!json_is_false(v)) abort(); break;
		case LYRA_FJ_NULL: if (!json_is_null(v)) abort(); break;
		}
	}
	lyra_fj_out_reset(&w);
	lyra_fj_put(&w, "{", 1);
	for (i = 0; i < fj.n; i++) {
		if (i)
			lyra_fj_put(&w, ",", 1);
		lyra_fj_put_member(&w, &fj.f[i]);
	}
	lyra_fj_put(&w, "}", 1);
	char *d = lyra_record_dump(o);
	if (!d || w.oom || strlen(d) != w.n || memcmp(d, w.b, w.n) != 0)
		abort();
	free(d);
	json_decref(o);
}

/* The jansson path; res gets the output line or "error: ..." (NUL-terminated, malloc'd). */
static char *slow(struct lyra_risk *r, const char *buf, size_t len, unsigned flags)
{
	char why[256], *res = NULL;
	json_t *rec = lyra_record_parse(buf, len, why, sizeof why);
	if (!rec)
		return NULL;    /* not a record: both paths leave it alone */
	const char *t = lyra_json_get_str(rec, "type");
	if (strcmp(t, "order") != 0) {
		if (lyra_risk_observe(r, t, rec) != 0) {
			if (asprintf(&res, "error: %s", lyra_error_msg()) < 0)
				res = NULL;
		} else {
			res = strndup(buf, len);
		}
	} else if (lyra_risk_check(r, rec, flags) < 0) {
		if (asprintf(&res, "error: %s", lyra_error_msg()) < 0)
			res = NULL;
	} else {
		res = lyra_record_dump(rec);
	}
	json_decref(rec);
	return res;
}

static char *fast(struct lyra_risk *r, const char *buf, size_t len, unsigned flags)
{
	char *res = NULL;
	int rc = LYRA_RISK_DECLINE;
	const char *t, *why;
	size_t tl;
	/* as riskcheck check: the peek first, then the flat path when the line scans */
	if (lyra_record_peek_type(buf, len, &t, &tl, &why) == 0 && lyra_fj_scan(buf, len, &fj) == 0) {
		if (strcmp(lyra_fj_str(&fj, "type"), "order") == 0) {
			lyra_fj_out_reset(&w);
			rc = lyra_risk_check_flat(r, &fj, flags, &w);
			if (rc == LYRA_RISK_PASS || rc == LYRA_RISK_REJECT)
				res = strndup(w.b, w.n);
		} else {
			rc = lyra_risk_observe_flat(r, &fj);
			if (rc == 0)
				res = strndup(buf, len);
		}
		if (rc < 0 && asprintf(&res, "error: %s", lyra_error_msg()) < 0)
			res = NULL;
	}
	if (rc == LYRA_RISK_DECLINE)
		return slow(r, buf, len, flags);
	return res;
}

static struct lyra_risk *engine(void)
{
	struct lyra_risk *r = lyra_risk_new();
	if (!r)
		return NULL;
	lyra_risk_limit_set(r, "global", "max_order_qty", "5");
	lyra_risk_limit_set(r, "global", "price_band_pct", "10");
	lyra_risk_limit_set(r, "global", "max_open_orders", "50");
	lyra_risk_limit_set(r, "global", "max_orders_per_sec", "20");
	lyra_risk_limit_set(r, "global", "equity", "10000");
	lyra_risk_limit_set(r, "global", "max_leverage", "2");
	lyra_risk_limit_set(r, "global", "stale_mark_sec", "30");
	lyra_risk_limit_set(r, "global", "allowed_symbols", "BTC/USDT,ETH/USDT");
	lyra_risk_limit_set(r, "global", "venue_errors", "3");
	lyra_risk_limit_set(r, "global", "reject_storm", "10");
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lyra_risk *a = engine(), *b = engine();
	if (!a || !b)
		abort();
	const char *p = (const char *)data, *end = p + size;
	unsigned flags = size && (data[0] & 1) ? LYRA_RISK_ROUND : 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		scanner(p, n);
		char *x = slow(a, p, n, flags), *y = fast(b, p, n, flags);
		if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0)) {
			fprintf(stderr, "line: %.*s\njansson: %s\nflat:    %s\n", (int)n, p,
			        x ? x : "(none)", y ? y : "(none)");
			abort();
		}
		free(x);
		free(y);
		p += n + 1;
	}
	lyra_risk_free(a);
	lyra_risk_free(b);
	lyra_fj_out_free(&w);
	return 0;
}
