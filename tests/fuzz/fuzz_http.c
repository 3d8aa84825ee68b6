/* fuzz_http.c: percent-encoding round-trips and stays within RFC 3986's unreserved set; the
 * request-weight bucket never returns a negative wait, never exceeds its capacity, and a caller
 * who waits as told is always allowed to send. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void fuzz_escape(const uint8_t *data, size_t size)
{
	char in[256], out[1024], back[256];
	size_t n = size < sizeof in - 1 ? size : sizeof in - 1, k = 0;
	memcpy(in, data, n);
	in[n] = '\0';
	n = strlen(in);
	int len = lyra_http_escape(in, out, sizeof out);
	if (len < 0 || (size_t)len != strlen(out))
		abort();
	for (int i = 0; i < len; i++) {
		char c = out[i];
		if (c == '%') {
			int hi = i + 2 < len ? hexval(out[i + 1]) : -1;
			int lo = i + 2 < len ? hexval(out[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				abort();
			back[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		           c == '-' || c == '.' || c == '_' || c == '~') {
			back[k++] = c;
		} else {
			abort();
		}
	}
	if (k != n || memcmp(back, in, n) != 0)
		abort();
	/* Too small a buffer fails cleanly, never writes past it. */
	if (len > 0) {
		char small[1024];
		memset(small, 'x', sizeof small);
		if (lyra_http_escape(in, small, (size_t)len) != -1 || small[len] != 'x')
			abort();
	}
}

static void fuzz_budget(const uint8_t *data, size_t size)
{
	struct lyra_http_budget b;
	int per_minute = size ? 1 + data[0] * 37 : 60;
	int64_t now = 1000000, cap = (int64_t)per_minute * 60000000;
	lyra_http_budget_init(&b, per_minute, now);
	for (size_t i = 1; i + 1 < size; i += 2) {
		int weight = data[i] % 64;
		now += (int64_t)data[i + 1] * 12345;
		int64_t wait = lyra_http_budget_spend(&b, weight, now);
		if (wait < 0 || b.level > cap)
			abort();
		if (wait > 0) {
			now += wait;
			if (lyra_http_budget_spend(&b, 0, now) != 0 || b.level < 0)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_escape(data, size);
	fuzz_budget(data, size);
	int r = lyra_http_backoff_ms(size ? data[0] * 10 : 250, size > 1 ? data[1] : 0,
	                             size > 2 ? (uint32_t)data[2] * 2654435761u : 0);
	if (r < 0 || r > 30000)
		abort();
	return 0;
}
