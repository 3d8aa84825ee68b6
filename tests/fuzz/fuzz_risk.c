/* fuzz_risk: arbitrary bytes as a record stream through the risk engine. Each line is parsed;
 * orders are checked, everything else observed. Invariants: check returns pass, reject or -1;
 * a pass keeps type "order" and gains "risk"; a reject has type "reject" and at least one
 * reason with rule, scope, limit and value strings; -1 leaves the record untouched. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "risk.h"

static void one(struct lyra_risk *r, const char *buf, size_t len, unsigned flags)
{
	json_t *rec = lyra_record_parse(buf, len, NULL, 0);
	if (!rec)
		return;
	const char *type = lyra_json_get_str(rec, "type");
	if (!type)
		abort();
	if (strcmp(type, "order") != 0) {
		lyra_risk_observe(r, type, rec);
		json_decref(rec);
		return;
	}
	char *before = lyra_record_dump(rec);
	int rc = lyra_risk_check(r, rec, flags);
	const char *t = lyra_json_get_str(rec, "type");
	if (rc == LYRA_RISK_PASS) {
		if (!t || strcmp(t, "order") != 0 || !json_is_object(json_object_get(rec, "risk")))
			abort();
	} else if (rc == LYRA_RISK_REJECT) {
		const json_t *rs = json_object_get(rec, "reasons");
		size_t i;
		const json_t *x;
		if (!t || strcmp(t, "reject") != 0 || !json_is_array(rs) || json_array_size(rs) == 0)
			abort();
		json_array_foreach(rs, i, x)
			if (!json_is_string(json_object_get(x, "rule")) ||
			    !json_is_string(json_object_get(x, "scope")) ||
			    !json_is_string(json_object_get(x, "limit")) ||
			    !json_is_string(json_object_get(x, "value")))
				abort();
	} else if (rc == -1) {
		char *after = lyra_record_dump(rec);
		if (!before || !after || strcmp(before, after) != 0)
			abort();
		free(after);
	} else {
		abort();
	}
	free(before);
	json_decref(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lyra_risk *r = lyra_risk_new();
	if (!r)
		return 0;
	lyra_risk_limit_set(r, "global", "max_order_qty", "5");
	lyra_risk_limit_set(r, "global", "price_band_pct", "10");
	lyra_risk_limit_set(r, "global", "max_open_orders", "50");
	lyra_risk_limit_set(r, "global", "max_orders_per_sec", "20");
	lyra_risk_limit_set(r, "global", "equity", "10000");
	const char *p = (const char *)data, *end = p + size;
	unsigned flags = size && (data[0] & 1) ? LYRA_RISK_ROUND : 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		one(r, p, n, flags);
		p += n + 1;
	}
	lyra_risk_free(r);
	return 0;
}
