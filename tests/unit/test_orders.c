/* test_orders.c: the order book of record (lib/orders.c): write-ahead intents, idempotent
 * resends, id reuse, status events (final stays final), fills applied once by (venue,
 * trade_id), overfills refused, the filled quantity as the sum of fills, audit entries. */
#include <stdio.h>
#include <string.h>
#include "error.h"
#include "orders.h"
#include "record.h"
#include "store.h"
#include "unit.h"

static json_t *rec(const char *s)
{
	char why[256];
	json_t *r = lyra_record_parse(s, strlen(s), why, sizeof why);
	if (!r)
		printf("# setup: %s: %s\n", s, why);
	return r;
}

static long long count(struct lyra_store *st, const char *sql)
{
	sqlite3_stmt *s = lyra_store_prepare(st, sql);
	long long n = -1;
	if (s && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static int apply(struct lyra_store *st, int (*fn)(struct lyra_store *, const char *, const json_t *),
                 const char *line)
{
	json_t *r = rec(line);
	lyra_store_begin(st);
	int rc = r ? fn(st, "tester", r) : -9;
	if (rc >= 0)
		lyra_store_commit(st);
	else
		lyra_store_rollback(st);
	json_decref(r);
	return rc;
}

static int put(struct lyra_store *st, const char *line)
{
	json_t *r = rec(line);
	int rc = -9;
	if (r && lyra_order_validate(r) == 0) {
		lyra_store_begin(st);
		rc = lyra_orders_put(st, "tester", r, line, strlen(line), "paper", "binance", 5);
		if (rc >= 0)
			lyra_store_commit(st);
		else
			lyra_store_rollback(st);
	} else if (r) {
		rc = -2;
	}
	json_decref(r);
	return rc;
}

#define O1 "{\"type\":\"order\",\"ts\":5,\"id\":\"o1\",\"venue\":\"binance\",\"symbol\":\"BTC/USDT\"," \
	"\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"100.50\",\"qty\":\"2\",\"parent\":\"p\"}"

static void test_validate(void)
{
	const char *bad[] = {
		"{\"type\":\"order\",\"ts\":1,\"id\":\"a b\",\"venue\":\"x\",\"symbol\":\"s\",\"side\":\"buy\",\"kind\":\"market\",\"qty\":\"1\"}",
		"{\"type\":\"order\",\"ts\":1,\"id\":\"a\",\"venue\":\"x\",\"symbol\":\"s\",\"side\":\"hold\",\"kind\":\"market\",\"qty\":\"1\"}",
		"{\"type\":\"order\",\"ts\":1,\"id\":\"a\",\"venue\":\"x\",\"symbol\":\"s\",\"side\":\"buy\",\"kind\":\"iceberg\",\"qty\":\"1\"}",
		"{\"type\":\"order\",\"ts\":1,\"id\":\"a\",\"venue\":\"x\",\"symbol\":\"s\",\"side\":\"buy\",\"kind\":\"limit\",\"qty\":\"1\"}",
		"{\"type\":\"order\",\"ts\":1,\"id\":\"a\",\"venue\":\"x\",\"symbol\":\"s\",\"side\":\"buy\",\"kind\":\"market\",\"qty\":\"0\"}",
		"{\"type\":\"order\",\"ts\":1,\"id\":\"a\",\"venue\":\"x\",\"symbol\":\"s\",\"side\":\"buy\",\"kind\":\"stop\",\"qty\":\"1\"}",
		"{\"type\":\"order\",\"ts\":1,\"id\":\"a\",\"venue\":\"x\",\"symbol\":\"s\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1\",\"qty\":\"1\",\"tif\":\"GTD\"}",
		"{\"type\":\"order\",\"ts\":1,\"id\":\"a\",\"venue\":\"x\",\"symbol\":\"s\",\"side\":\"buy\",\"kind\":\"limit\",\"px\":\"1\",\"qty\":\"1\",\"tif\":\"DAY\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		json_t *r = rec(bad[i]);
		char what[64];
		snprintf(what, sizeof what, "invalid order %zu refused", i);
		CHECK(r && lyra_order_validate(r) != 0 && lyra_error_code() == 65, what);
		json_decref(r);
	}
	json_t *r = rec(O1);
	CHECK(r && lyra_order_validate(r) == 0, "valid order passes");
	CHECK_STR(lyra_json_get_str(r, "tif"), "GTC", "tif defaults to GTC");
	json_decref(r);
}

static void test_lifecycle(void)
{
	struct lyra_store *st = lyra_store_open(":memory:");
	struct lyra_order_row row;
	CHECK(st != NULL, "store opens");
	if (!st)
		return;
	CHECK_INT(put(st, O1), 0, "order stored");
	CHECK_INT(put(st, O1), 1, "identical resend is recognised");
	CHECK_INT(put(st, "{\"type\":\"order\",\"ts\":6,\"id\":\"o1\",\"venue\":\"binance\",\"symbol\":\"BTC/USDT\","
	              "\"side\":\"sell\",\"kind\":\"limit\",\"px\":\"100.50\",\"qty\":\"2\"}"), 2,
	          "same id, different order: refused");
	CHECK_INT(count(st, "SELECT count(*) FROM orders"), 1, "one order stored");
	CHECK_INT(lyra_orders_get(st, "o1", &row), 0, "order read back");
	CHECK_STR(row.status, "new", "status new");
	CHECK_STR(row.book_venue, "binance", "book venue kept");
	CHECK_STR(row.parent, "p", "parent kept");
	lyra_order_row_release(&row);

	CHECK_INT(apply(st, lyra_orders_event, "{\"type\":\"order_event\",\"ts\":7,\"id\":\"o1\",\"venue\":\"paper\","
	                "\"symbol\":\"BTC/USDT\",\"status\":\"acked\",\"venue_order_id\":\"P-1\"}"), 0, "acked");
	const char *f1 = "{\"type\":\"fill\",\"ts\":8,\"id\":\"o1\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
	                 "\"side\":\"buy\",\"px\":\"100.50\",\"qty\":\"0.5\",\"fee\":\"0.05\",\"fee_ccy\":\"USDT\","
	                 "\"liquidity\":\"maker\",\"trade_id\":\"t1\"}";
	CHECK_INT(apply(st, lyra_orders_fill, f1), 0, "fill applied");
	CHECK_INT(apply(st, lyra_orders_fill, f1), 1, "the same fill again: applied once");
	CHECK_INT(apply(st, lyra_orders_fill,
	                "{\"type\":\"fill\",\"ts\":9,\"id\":\"o1\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
	                "\"side\":\"buy\",\"px\":\"100\",\"qty\":\"1.6\",\"fee\":\"0\",\"fee_ccy\":\"USDT\","
	                "\"liquidity\":\"maker\",\"trade_id\":\"t2\"}"), -1, "an overfill is refused");
	CHECK(strstr(lyra_error_msg(), "overfill") != NULL, "overfill named");
	CHECK_INT(apply(st, lyra_orders_fill,
	                "{\"type\":\"fill\",\"ts\":9,\"id\":\"o1\",\"venue\":\"paper\",\"symbol\":\"BTC/USDT\","
	                "\"side\":\"buy\",\"px\":\"100\",\"qty\":\"1.5\",\"fee\":\"0\",\"fee_ccy\":\"USDT\","
	                "\"liquidity\":\"taker\",\"trade_id\":\"t3\"}"), 0, "second fill");
	CHECK_INT(apply(st, lyra_orders_event, "{\"type\":\"order_event\",\"ts\":9,\"id\":\"o1\",\"venue\":\"paper\","
	                "\"symbol\":\"BTC/USDT\",\"status\":\"partially_filled\"}"), 0, "event applied");
	CHECK_INT(lyra_orders_get(st, "o1", &row), 0, "read");
	CHECK_STR(row.status, "filled", "partially_filled at the full quantity is filled");
	char b[LYRA_DEC_STRLEN];
	lyra_dec_format(row.filled_qty, b);
	CHECK_STR(b, "2.0", "filled = sum of fills");
	lyra_dec_format(row.notional, b);
	CHECK_STR(b, "200.250", "notional = sum of px*qty (exact)");
	lyra_dec_format(lyra_order_avg_px(&row), b);
	CHECK_STR(b, "100.125000", "avg px at px scale + 4");
	CHECK_STR(row.venue_order_id, "P-1", "venue order id kept");
	lyra_order_row_release(&row);
	CHECK_INT(apply(st, lyra_orders_event, "{\"type\":\"order_event\",\"ts\":10,\"id\":\"o1\",\"venue\":\"paper\","
	                "\"symbol\":\"BTC/USDT\",\"status\":\"cancelled\"}"), 1, "a final order stays final");
	CHECK_INT(apply(st, lyra_orders_event, "{\"type\":\"order_event\",\"ts\":10,\"id\":\"nope\",\"venue\":\"paper\","
	                "\"symbol\":\"BTC/USDT\",\"status\":\"cancelled\"}"), 1, "unknown id ignored");
	CHECK_INT(count(st, "SELECT count(*) FROM audit WHERE object = 'order:o1'"), 5,
	          "new, acked, two fills, partially_filled->filled: five audit entries");
	CHECK_INT(count(st, "SELECT count(*) FROM order_events"), 2, "two event rows");
	lyra_store_close(st);
}

int main(void)
{
	test_validate();
	test_lifecycle();
	return unit_done();
}
