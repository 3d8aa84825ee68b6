/* test_stops: a short position's trailing stop on a scripted path (hand-computed levels), the
 * stop resumed from the store by a second engine, the deterministic order id, and a bad record
 * leaving the state alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "record.h"
#include "risk.h"
#include "stops.h"
#include "store.h"
#include "unit.h"

static int feed(struct lyra_stops *s, const char *line, json_t *out)
{
	char why[128];
	json_t *r = lyra_record_parse(line, strlen(line), why, sizeof why);
	if (!r) {
		printf("# parse: %s\n", why);
		return -2;
	}
	int rc = lyra_stops_observe(s, lyra_json_get_str(r, "type"), r, out);
	json_decref(r);
	return rc;
}

static char buf[512];

static const char *trade(long long ts, const char *px)
{
	snprintf(buf, sizeof buf, "{\"type\":\"trade\",\"ts\":%lld,\"venue\":\"paper\",\"symbol\":"
	         "\"ETH/USDT\",\"id\":\"x\",\"side\":\"buy\",\"px\":\"%s\",\"qty\":\"1\"}", ts, px);
	return buf;
}

static char *level_of(struct lyra_store *st)
{
	sqlite3_stmt *q = lyra_store_prepare(st, "SELECT level || ' ' || best_px || ' ' || status "
	                                     "FROM risk_stop");
	char *v = NULL;
	if (q && sqlite3_step(q) == SQLITE_ROW)
		v = strdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return v;
}

int main(void)
{
	char path[] = "/tmp/test_stops_XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	struct lyra_store *st = lyra_store_open(path);
	CHECK(st != NULL, "store opens");
	if (!st)
		return unit_done();
	struct lyra_risk *params = lyra_risk_new();
	lyra_risk_limit_set(params, "symbol:ETH/USDT", "trail_pct", "10");
	struct lyra_stops *s = lyra_stops_new(params, st, "tester");
	json_t *out = json_array();
	CHECK_INT(lyra_stops_load(s), 0, "load on an empty store");
	CHECK_INT(feed(s, "{\"type\":\"fill\",\"ts\":1,\"id\":\"a\",\"venue\":\"paper\",\"symbol\":"
	               "\"ETH/USDT\",\"side\":\"sell\",\"px\":\"2000\",\"qty\":\"1.5\",\"fee\":\"0\","
	               "\"fee_ccy\":\"USDT\",\"liquidity\":\"taker\",\"trade_id\":\"1\"}", out), 0,
	          "short opens");
	char *v = level_of(st);
	CHECK_STR(v, "2200 2000 armed", "short trail: 2000 + 10%");
	free(v);
	CHECK_INT(feed(s, trade(2, "1900"), out), 0, "best 1900");
	v = level_of(st);
	CHECK_STR(v, "2090 1900 armed", "level follows down: 1900 x 1.1");
	free(v);
	CHECK_INT(feed(s, trade(3, "1950"), out), 0, "up again");
	v = level_of(st);
	CHECK_STR(v, "2090 1900 armed", "a short's level never rises");
	free(v);
	CHECK_INT(feed(s, "{\"type\":\"trade\",\"ts\":4,\"venue\":\"paper\"}", out), -1, "bad trade");
	CHECK_INT(lyra_error_code(), LYRA_EX_DATAERR, "a data error");
	CHECK_INT(json_array_size(out), 0, "no order yet");
	lyra_stops_free(s);

	/* a new engine resumes from the store */
	s = lyra_stops_new(params, st, "tester");
	CHECK_INT(lyra_stops_load(s), 0, "resume");
	CHECK_INT(feed(s, trade(5, "2089.99"), out), 0, "below the level");
	CHECK_INT(json_array_size(out), 0, "no trigger below 2090");
	CHECK_INT(feed(s, trade(6, "2090"), out), 0, "at the level");
	CHECK_INT(json_array_size(out), 1, "one stop order");
	json_t *o = json_array_get(out, 0);
	CHECK_STR(lyra_json_get_str(o, "side"), "buy", "a short is bought back");
	CHECK_STR(lyra_json_get_str(o, "qty"), "1.5", "the whole position");
	const char *id = lyra_json_get_str(o, "id");
	CHECK(id && strncmp(id, "stop-", 5) == 0 && strlen(id) == 21, "id stop-<16 hex>");
	char id1[32];
	snprintf(id1, sizeof id1, "%s", id ? id : "");
	CHECK_STR(json_string_value(json_object_get(json_object_get(o, "stop"), "rule")), "trail_pct",
	          "rule named");
	json_array_clear(out);
	CHECK_INT(feed(s, trade(7, "2100"), out), 0, "beyond");
	CHECK_INT(json_array_size(out), 0, "triggered once");
	lyra_stops_free(s);
	lyra_store_close(st);
	unlink(path);

	/* the same path into a fresh store: the same id */
	st = lyra_store_open(path);
	s = lyra_stops_new(params, st, "tester");
	lyra_stops_load(s);
	feed(s, "{\"type\":\"fill\",\"ts\":1,\"id\":\"a\",\"venue\":\"paper\",\"symbol\":"
	     "\"ETH/USDT\",\"side\":\"sell\",\"px\":\"2000\",\"qty\":\"1.5\",\"fee\":\"0\","
	     "\"fee_ccy\":\"USDT\",\"liquidity\":\"taker\",\"trade_id\":\"1\"}", out);
	feed(s, trade(2, "1900"), out);
	feed(s, trade(6, "2090"), out);
	CHECK_INT(json_array_size(out), 1, "replay triggers");
	CHECK_STR(lyra_json_get_str(json_array_get(out, 0), "id"), id1, "replay: same id");
	lyra_stops_free(s);
	lyra_store_close(st);
	json_decref(out);
	lyra_risk_free(params);
	char b[128];
	unlink(path);
	snprintf(b, sizeof b, "%s-wal", path);
	unlink(b);
	snprintf(b, sizeof b, "%s-shm", path);
	unlink(b);
	return unit_done();
}
