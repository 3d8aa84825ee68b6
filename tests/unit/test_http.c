/* test_http.c: the pure parts of http.c: percent-encoding, the request-weight token bucket,
 * backoff with jitter, and client construction errors. Requests themselves are tested against
 * tests/fakevenue.py in tests/20-mdfeed.bats. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "http.h"
#include "unit.h"

static void test_escape(void)
{
	char buf[64];
	CHECK_INT(lyra_http_escape("BTCUSDT", buf, sizeof buf), 7, "plain length");
	CHECK_STR(buf, "BTCUSDT", "unreserved kept");
	CHECK_INT(lyra_http_escape("a-b.c_d~e", buf, sizeof buf), 9, "unreserved marks length");
	CHECK_STR(buf, "a-b.c_d~e", "unreserved marks kept");
	CHECK_INT(lyra_http_escape("BTC/USD:USD", buf, sizeof buf), 15, "reserved length");
	CHECK_STR(buf, "BTC%2FUSD%3AUSD", "reserved escaped upper-case");
	CHECK_INT(lyra_http_escape("a b&c=d+e", buf, sizeof buf), 17, "query chars length");
	CHECK_STR(buf, "a%20b%26c%3Dd%2Be", "space, &, =, + escaped");
	CHECK_INT(lyra_http_escape("\xc3\xa9", buf, sizeof buf), 6, "utf-8 length");
	CHECK_STR(buf, "%C3%A9", "utf-8 bytes escaped");
	CHECK_INT(lyra_http_escape("", buf, sizeof buf), 0, "empty");
	CHECK_STR(buf, "", "empty string");
	CHECK_INT(lyra_http_escape("abc", buf, 4), 3, "exact fit with NUL");
	CHECK_INT(lyra_http_escape("abcd", buf, 4), -1, "no room for NUL");
	CHECK_INT(lyra_http_escape("a/", buf, 4), -1, "escape does not fit");
	CHECK_INT(lyra_http_escape("a/", buf, 5), 4, "escape fits");
	CHECK_INT(lyra_http_escape("x", buf, 0), -1, "zero-size buffer");
}

static void test_budget(void)
{
	struct lyra_http_budget b;
	int64_t t = 1000000;

	lyra_http_budget_init(&b, 0, t);
	for (int i = 0; i < 1000; i++)
		if (lyra_http_budget_spend(&b, 50, t) != 0)
			break;
	CHECK_INT(lyra_http_budget_spend(&b, 50, t), 0, "unlimited never waits");

	/* 60 per minute: one weight per second. */
	lyra_http_budget_init(&b, 60, t);
	CHECK_INT(b.level, 60LL * 60000000, "starts full");
	CHECK_INT(lyra_http_budget_spend(&b, 59, t), 0, "59 of 60 at once");
	CHECK_INT(lyra_http_budget_spend(&b, 1, t), 0, "the 60th");
	CHECK_INT(lyra_http_budget_spend(&b, 1, t), 1000000, "the 61st waits exactly a second");
	CHECK_INT(lyra_http_budget_spend(&b, 2, t), 3000000, "booked ahead: two more wait 3 s");
	/* After the waits the level is back at zero. */
	CHECK_INT(lyra_http_budget_spend(&b, 0, t + 3000000), 0, "weight 0 is free");
	CHECK_INT(lyra_http_budget_spend(&b, 1, t + 3000000), 1000000, "level refilled to zero only");
	CHECK_INT(b.level, -60000000, "one weight in debt");

	/* Refill is exact per microsecond and capped at the capacity. */
	lyra_http_budget_init(&b, 1200, t);
	CHECK_INT(lyra_http_budget_spend(&b, 1200, t), 0, "drain 1200");
	CHECK_INT(lyra_http_budget_spend(&b, 1, t + 50000), 0, "1200/min refills one weight in 50 ms");
	CHECK_INT(lyra_http_budget_spend(&b, 1, t + 50000), 50000, "the next waits 50 ms");
	CHECK_INT(lyra_http_budget_spend(&b, 1, t + 50001), 99999, "booked ahead, one microsecond later");
	lyra_http_budget_init(&b, 1200, t);
	lyra_http_budget_spend(&b, 1200, t);
	lyra_http_budget_spend(&b, 0, t + 3600000000LL);
	CHECK_INT(b.level, 1200LL * 60000000, "an hour idle refills to capacity, not beyond");

	/* A weight above the capacity costs the whole capacity, never waits forever. */
	lyra_http_budget_init(&b, 10, t);
	CHECK_INT(lyra_http_budget_spend(&b, 50, t), 0, "oversized weight on a full bucket");
	CHECK_INT(lyra_http_budget_spend(&b, 50, t), 60000000, "then waits one minute");

	/* Rounding: a wait is rounded up to the next microsecond. */
	lyra_http_budget_init(&b, 7, t);
	lyra_http_budget_spend(&b, 7, t);
	CHECK_INT(lyra_http_budget_spend(&b, 1, t), 8571429, "60 s / 7 rounded up");

	/* Large budgets do not overflow. */
	lyra_http_budget_init(&b, 2000000000, t);
	CHECK_INT(lyra_http_budget_spend(&b, 2000000000, t), 0, "huge budget drains");
	CHECK_INT(lyra_http_budget_spend(&b, 1, t + 3600000000LL), 0, "and refills without overflow");
	CHECK_INT(b.level, 1999999999LL * 60000000, "exact level after refill");
}

static void test_backoff(void)
{
	CHECK_INT(lyra_http_backoff_ms(250, 0, 0), 125, "first retry, lowest jitter");
	CHECK_INT(lyra_http_backoff_ms(250, 0, 125), 250, "first retry, highest jitter");
	CHECK_INT(lyra_http_backoff_ms(250, 0, 126), 125, "jitter wraps");
	CHECK_INT(lyra_http_backoff_ms(250, 1, 0), 250, "doubles: 500/2");
	CHECK_INT(lyra_http_backoff_ms(250, 2, 500), 1000, "doubles twice: top 1000");
	CHECK_INT(lyra_http_backoff_ms(250, 20, 0), 15000, "capped at 30 s, low end");
	CHECK_INT(lyra_http_backoff_ms(250, 20, 15000), 30000, "capped at 30 s, high end");
	CHECK_INT(lyra_http_backoff_ms(250, 1000, 7), 15007, "huge attempt does not overflow");
	CHECK_INT(lyra_http_backoff_ms(0, 0, 0), 0, "zero base is 1 ms, low end 0");
	int ok = 1;
	for (uint32_t r = 0; r < 100000; r += 7) {
		int d = lyra_http_backoff_ms(300, 3, r);
		if (d < 1200 || d > 2400)
			ok = 0;
	}
	CHECK(ok, "jitter stays within [d/2, d]");
}

static void test_new(void)
{
	struct lyra_http_opts o = { .venue = "binance", .base_url = "ftp://example.com" };
	CHECK(lyra_http_new(&o) == NULL, "ftp base refused");
	CHECK_INT(lyra_error_code(), LYRA_EX_CONFIG, "config error");
	CHECK_STR(lyra_error_msg(), "binance: base URL 'ftp://example.com' is not http:// or https://",
	          "message names venue and url");
	o.base_url = "";
	CHECK(lyra_http_new(&o) == NULL, "empty base refused");
	CHECK_STR(lyra_error_msg(), "binance: no base URL", "empty base message");
	o.base_url = "http://127.0.0.1:1/";
	o.max_retries = -1;
	o.timeout_ms = 2000;
	struct lyra_http *h = lyra_http_new(&o);
	CHECK(h != NULL, "client created");
	struct lyra_http_resp r;
	CHECK_INT(lyra_http_get(h, "/api/v3/ping?x=secret", 1, &r), -1, "nothing listens on port 1");
	CHECK_INT(lyra_error_code(), LYRA_EX_UNAVAILABLE, "refused connection is 69");
	CHECK(strncmp(lyra_error_msg(), "binance: GET /api/v3/ping: ", 27) == 0, "names venue and path");
	CHECK(strstr(lyra_error_msg(), "secret") == NULL, "query is not in the message");
	CHECK_INT(r.tries, 1, "-1 retries: one try");
	lyra_http_resp_release(&r);
	lyra_http_free(h);
}

/* Two clients (two processes in life) on one budget file: what one spends, the other waits for. */
static void test_budget_shared(void)
{
	char dir[] = "/tmp/lyra-test-rate.XXXXXX", path[1024], path2[1024];
	struct lyra_http_budget a, b;
	int64_t t = 5000000000LL;
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	setenv("LYRA_RATE_DIR", dir, 1);
	CHECK_INT(lyra_http_budget_path("binance", "https://api.binance.com/x", path, sizeof path), 0,
	          "budget path");
	CHECK(strstr(path, "budget-binance-api.binance.com") != NULL, "one file per venue and host");
	CHECK_INT(lyra_http_budget_path("binance", "http://127.0.0.1:8080", path2, sizeof path2), 0,
	          "a fake's host and port");
	CHECK(strstr(path2, "budget-binance-127.0.0.1_8080") != NULL, "port kept in the name");
	int fa = lyra_http_budget_open(path), fb = lyra_http_budget_open(path);
	CHECK(fa >= 0 && fb >= 0, "both open the file");
	lyra_http_budget_init(&a, 60, t);
	lyra_http_budget_init(&b, 60, t);
	CHECK_INT(lyra_http_budget_spend_shared(fa, &a, 60, t), 0, "a spends the whole minute");
	CHECK_INT(lyra_http_budget_spend_shared(fb, &b, 1, t), 1000000,
	          "b, with a budget of its own still full, waits a second: the budget is shared");
	CHECK_INT(lyra_http_budget_spend_shared(fa, &a, 1, t + 2000000), 0,
	          "two seconds on, two units are back: one for b's booking, one for a");
	struct lyra_http_budget c;
	lyra_http_budget_init(&c, 60, t);
	CHECK_INT(lyra_http_budget_spend_shared(-1, &c, 60, t), 0, "no file: a budget of its own");
	close(fa);
	close(fb);
	unlink(path);
	rmdir(dir);
	unsetenv("LYRA_RATE_DIR");
}

int main(void)
{
	test_escape();
	test_budget();
	test_budget_shared();
	test_backoff();
	test_new();
	return unit_done();
}
