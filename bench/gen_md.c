/* gen_md.c: writes a deterministic market-data NDJSON file for the benchmarks: a mix of
 * book_delta, bbo and trade records (~150-byte lines, decimals as strings) from a fixed-seed
 * generator. Usage: gen_md FILE MB */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

struct market {
	const char *venue, *symbol;
	int64_t px;      /* price in 1e-2 units */
	int64_t seq;
};

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gen_md FILE MB\n");
		return 64;
	}
	FILE *f = fopen(argv[1], "wb");
	if (!f) {
		perror(argv[1]);
		return 73;
	}
	static char obuf[1 << 20];
	setvbuf(f, obuf, _IOFBF, sizeof obuf);
	uint64_t limit = strtoull(argv[2], NULL, 10) * 1000000ULL, written = 0;
	struct market mk[] = {
		{"binance", "BTC-USDT", 4325012, 100000000}, {"kraken", "BTC-USD", 4324877, 5000000},
		{"coinbase", "ETH-USD", 225013, 70000000}, {"okx", "SOL-USDT", 14321, 9000000},
		{"bybit", "ETH-USDT", 224998, 123000000}, {"binance", "XRP-USDT", 62, 800000},
	};
	int64_t ts = 1767225600000000LL;
	char line[512];
	while (written < limit) {
		struct market *m = &mk[rnd() % (sizeof mk / sizeof *mk)];
		ts += (int64_t)(rnd() % 2000);
		m->px += (int64_t)(rnd() % 21) - 10;
		if (m->px < 10)
			m->px = 10;
		uint64_t r = rnd();
		int n;
		uint64_t q1 = r % 9999991, q2 = (r >> 24) % 99991;
		switch ((r >> 56) % 10) {
		case 0: case 1: case 2: case 3:
			n = snprintf(line, sizeof line,
			             "{\"type\":\"book_delta\",\"ts\":%" PRId64 ",\"venue\":\"%s\",\"symbol\":\"%s\","
			             "\"seq\":%" PRId64 ",\"bids\":[[\"%" PRId64 ".%02" PRId64 "\",\"%" PRIu64
			             ".%05" PRIu64 "\"]],\"asks\":[]}\n",
			             ts, m->venue, m->symbol, ++m->seq, m->px / 100, m->px % 100, q1 / 100000,
			             q1 % 100000);
			break;
		case 4: case 5: case 6:
			n = snprintf(line, sizeof line,
			             "{\"type\":\"bbo\",\"ts\":%" PRId64 ",\"venue\":\"%s\",\"symbol\":\"%s\","
			             "\"bid_px\":\"%" PRId64 ".%02" PRId64 "\",\"bid_qty\":\"%" PRIu64 ".%04" PRIu64
			             "\",\"ask_px\":\"%" PRId64 ".%02" PRId64 "\",\"ask_qty\":\"%" PRIu64 ".%04"
			             PRIu64 "\"}\n",
			             ts, m->venue, m->symbol, m->px / 100, m->px % 100, q1 / 10000, q1 % 10000,
			             (m->px + 1) / 100, (m->px + 1) % 100, q2 / 10000, q2 % 10000);
			break;
		default:
			n = snprintf(line, sizeof line,
			             "{\"type\":\"trade\",\"ts\":%" PRId64 ",\"venue\":\"%s\",\"symbol\":\"%s\","
			             "\"id\":\"%" PRIu64 "\",\"side\":\"%s\",\"px\":\"%" PRId64 ".%02" PRId64
			             "\",\"qty\":\"%" PRIu64 ".%05" PRIu64 "\"}\n",
			             ts, m->venue, m->symbol, r % UINT64_C(10000000000), (r >> 40) & 1 ? "buy" : "sell",
			             m->px / 100, m->px % 100, q2 / 100000, q2 % 100000);
			break;
		}
		if (fwrite(line, 1, (size_t)n, f) != (size_t)n) {
			perror(argv[1]);
			return 74;
		}
		written += (uint64_t)n;
	}
	if (fclose(f) != 0) {
		perror(argv[1]);
		return 74;
	}
	return 0;
}
