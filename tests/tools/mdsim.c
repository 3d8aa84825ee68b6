/* mdsim: the seeded generator of examples/data/session.ndjson, a synthetic but coherent market
 * session of four venues (binance, okx, kraken, coinbase) quoting BTC/USDT and ETH/USDT, and ETH/BTC
 * on binance and okx, for the demo and the examples. Real captures cannot serve here: the bundled
 * venue payloads come from different days and years, so their prices are not comparable across
 * venues. Everything is integer arithmetic and one xorshift generator, so a seed gives the same
 * bytes on every machine (a test regenerates the bundled file and compares).
 *
 * The model, per second of event time:
 *  - a fair price per asset (BTC and ETH in USDT) moves by a uniform random return (BTC +-3 bps,
 *    ETH 1.2x BTC's move plus its own +-2 bps);
 *  - each venue quotes around fair with its own offset, which mean-reverts (x0.9 per second) with
 *    +-0.3 bps of noise; ETH/BTC quotes around ETH/BTC fair with an offset of its own;
 *  - about once every 90 s a dislocation: one venue's BTC, ETH or ETH/BTC offset jumps by 25-60 bps
 *    up or down and decays with the offset (a cross-venue or triangular opportunity for some
 *    seconds, when the jump beats the taker fees);
 *  - each market publishes a five-level book snapshot once a second (at a venue-specific
 *    millisecond, with jitter), spread by venue (binance tightest, kraken widest), sizes growing
 *    with depth; and zero to three public trades at the touch.
 * The session starts with one `market` record per market (tick, lot, minimums and the venues'
 * published base-tier spot fees, as lib/venue_*.c assume them).
 *
 *   mdsim [--seed N] [--start UNIX_SECONDS] [--minutes N] [--no-dislocations] > session.ndjson */
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define E8 100000000LL /* prices and quantities are kept in 1e-8 units */

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t x = rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng = x;
}

/* uniform in [-k, k] */
static int64_t rnd_sym(int64_t k)
{
	return (int64_t)(rnd() % (uint64_t)(2 * k + 1)) - k;
}

/* uniform in [lo, hi] */
static int64_t rnd_in(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

enum { BTC, ETH, ETHBTC, NASSET };
enum { BINANCE, OKX, KRAKEN, COINBASE, NVENUE };

static const char *const venue_name[NVENUE] = {"binance", "okx", "kraken", "coinbase"};
static const int venue_ms[NVENUE] = {100, 350, 600, 850};          /* when in the second it publishes */
static const int64_t venue_half_spread_ppm[NVENUE] = {10, 15, 60, 40};
static const char *const venue_fee[NVENUE][2] = {                   /* maker, taker */
	{"0.001", "0.001"}, {"0.0008", "0.001"}, {"0.0025", "0.004"}, {"0.004", "0.006"},
};

struct market {
	int venue, asset;
	const char *symbol, *venue_symbol, *base, *quote;
	int64_t tick, lot, min_qty, min_notional;   /* 1e-8 units */
	int px_dp, qty_dp;                          /* decimals printed */
	int64_t size_unit;                          /* book and trade sizes are multiples of this */
	int64_t seq;                                /* book sequence, 0 if the venue has none */
	int64_t trade_id;
	int64_t bid, ask;                           /* the touch last published */
};

static struct market mk[] = {
	{BINANCE, BTC, "BTC/USDT", "BTCUSDT", "BTC", "USDT", 1000000, 1000, 1000, 500000000, 2, 5, 1000, 56512334001, 5312044001, 0, 0},
	{BINANCE, ETH, "ETH/USDT", "ETHUSDT", "ETH", "USDT", 1000000, 10000, 10000, 500000000, 2, 4, 10000, 44218723001, 3100552001, 0, 0},
	{BINANCE, ETHBTC, "ETH/BTC", "ETHBTC", "ETH", "BTC", 1000, 10000, 10000, 10000, 5, 4, 10000, 8765432001, 492337001, 0, 0},
	{OKX, BTC, "BTC/USDT", "BTC-USDT", "BTC", "USDT", 10000000, 1, 1000, 0, 1, 8, 1000, 0, 719004001, 0, 0},
	{OKX, ETH, "ETH/USDT", "ETH-USDT", "ETH", "USDT", 1000000, 100, 10000, 0, 2, 6, 10000, 0, 512877001, 0, 0},
	{OKX, ETHBTC, "ETH/BTC", "ETH-BTC", "ETH", "BTC", 1000, 100, 10000, 0, 5, 6, 10000, 0, 98220001, 0, 0},
	{KRAKEN, BTC, "BTC/USDT", "XBTUSDT", "BTC", "USDT", 10000000, 1, 5000, 50000000, 1, 8, 1000, 0, 10300001, 0, 0},
	{KRAKEN, ETH, "ETH/USDT", "ETHUSDT", "ETH", "USDT", 1000000, 1, 100000, 50000000, 2, 8, 10000, 0, 4400001, 0, 0},
	{COINBASE, BTC, "BTC/USDT", "BTC-USDT", "BTC", "USDT", 1000000, 1, 100, 100000000, 2, 8, 1000, 91234567001, 66001001, 0, 0},
	{COINBASE, ETH, "ETH/USDT", "ETH-USDT", "ETH", "USDT", 1000000, 1, 1000, 100000000, 2, 8, 10000, 71345678001, 54300001, 0, 0},
};
#define NMARKET (sizeof mk / sizeof mk[0])

/* v (1e-8 units) as a decimal with dp places; v is a multiple of 10^(8-dp) */
static char *dec(char *buf, int64_t v, int dp)
{
	const char *sign = v < 0 ? "-" : "";
	uint64_t a = v < 0 ? (uint64_t)-v : (uint64_t)v, ip = a / E8, fp = a % E8;
	if (dp == 0) {
		sprintf(buf, "%s%" PRIu64, sign, ip);
		return buf;
	}
	for (int i = dp; i < 8; i++)
		fp /= 10;
	sprintf(buf, "%s%" PRIu64 ".%0*" PRIu64, sign, ip, dp, fp);
	return buf;
}

/* v with as few decimals as it needs */
static char *dec_min(char *buf, int64_t v)
{
	int dp = 8;
	while (dp > 0 && v % 10 == 0 && v != 0) {
		v /= 10;
		dp--;
	}
	for (int i = dp; i < 8; i++)
		v *= 10;
	return dec(buf, v, v == 0 ? 0 : dp);
}

static int64_t mul_ppm(int64_t v, int64_t ppm)
{
	return (int64_t)((__int128)v * (1000000 + ppm) / 1000000);
}

static int64_t floor_to(int64_t v, int64_t step) { return v / step * step; }
static int64_t ceil_to(int64_t v, int64_t step) { return (v + step - 1) / step * step; }

/* events of one second, sorted by time before they are written */
struct event {
	int64_t ts;
	int order;
	char *line;
};
static struct event *ev;
static size_t nev, cap;

static void add(int64_t ts, const char *line)
{
	if (nev == cap) {
		cap = cap ? cap * 2 : 256;
		ev = realloc(ev, cap * sizeof *ev);
		if (!ev) {
			perror("mdsim");
			exit(71);
		}
	}
	ev[nev].ts = ts;
	ev[nev].order = (int)nev;
	ev[nev].line = strdup(line);
	nev++;
}

static int by_time(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->order - y->order;
}

/* writes the pending events before `until` in time order, keeps the rest */
static void flush_events(int64_t until)
{
	qsort(ev, nev, sizeof *ev, by_time);
	size_t i = 0;
	for (; i < nev && ev[i].ts < until; i++) {
		fputs(ev[i].line, stdout);
		free(ev[i].line);
	}
	memmove(ev, ev + i, (nev - i) * sizeof *ev);
	nev -= i;
	for (size_t k = 0; k < nev; k++)
		ev[k].order = (int)k;
}

static void levels(char *out, size_t n, const struct market *m, int side_sign, int64_t best,
                   int64_t step)
{
	size_t k = 0;
	char p[40], q[40];
	k += (size_t)snprintf(out + k, n - k, "[");
	for (int i = 0; i < 5; i++) {
		int64_t px = best + side_sign * i * step;
		int64_t qty;
		if (m->asset == BTC)
			qty = (i + 1) * rnd_in(1000, 100000) * m->size_unit;      /* 0.01-1 BTC a level step */
		else
			qty = (i + 1) * rnd_in(5000, 200000) * m->size_unit / 10; /* 0.05-2 ETH a level step */
		qty = floor_to(qty, m->lot > m->size_unit ? m->lot : m->size_unit);
		k += (size_t)snprintf(out + k, n - k, "%s[\"%s\",\"%s\"]", i ? "," : "",
		                      dec(p, px, m->px_dp), dec(q, qty, m->qty_dp));
	}
	snprintf(out + k, n - k, "]");
}

int main(int argc, char **argv)
{
	uint64_t seed = 20261102;
	int64_t start = 1793610000; /* 2026-11-02T09:00:00Z */
	long minutes = 15;
	int dislocations = 1;
	static const struct option lo[] = {
		{"seed", required_argument, NULL, 's'},   {"start", required_argument, NULL, 't'},
		{"minutes", required_argument, NULL, 'm'}, {"no-dislocations", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	for (int c; (c = getopt_long(argc, argv, "", lo, NULL)) != -1;) {
		char *end;
		switch (c) {
		case 's': seed = strtoull(optarg, &end, 10); break;
		case 't': start = strtoll(optarg, &end, 10); break;
		case 'm': minutes = strtol(optarg, &end, 10); break;
		case 'n': dislocations = 0; continue;
		case 'h':
			puts("usage: mdsim [--seed N] [--start UNIX_SECONDS] [--minutes N] [--no-dislocations]");
			return 0;
		default: return 64;
		}
		if (*end || minutes < 1 || minutes > 24 * 60) {
			fprintf(stderr, "mdsim: bad value for --%s: %s\n", lo[c == 's' ? 0 : c == 't' ? 1 : 2].name,
			        optarg);
			return 64;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mdsim: unexpected operand '%s'\n", argv[optind]);
		return 64;
	}
	rng = seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
	if (!rng)
		rng = 1;

	char line[2048], a[40], b[40], c[40], d[40], bids[700], asks[700];
	int64_t t0 = start * 1000000;
	for (size_t i = 0; i < NMARKET; i++) {
		struct market *m = &mk[i];
		snprintf(line, sizeof line,
		         "{\"type\":\"market\",\"ts\":%" PRId64 ",\"venue\":\"%s\",\"symbol\":\"%s\","
		         "\"venue_symbol\":\"%s\",\"base\":\"%s\",\"quote\":\"%s\",\"instrument\":\"spot\","
		         "\"tick\":\"%s\",\"lot\":\"%s\",\"min_qty\":\"%s\",\"min_notional\":\"%s\","
		         "\"maker_fee\":\"%s\",\"taker_fee\":\"%s\",\"status\":\"trading\"}\n",
		         t0, venue_name[m->venue], m->symbol, m->venue_symbol, m->base, m->quote,
		         dec_min(a, m->tick), dec_min(b, m->lot), dec_min(c, m->min_qty),
		         dec_min(d, m->min_notional), venue_fee[m->venue][0],
		         venue_fee[m->venue][1]);
		fputs(line, stdout);
	}

	int64_t fair[2] = {9123456 * 1000000LL, 3051230000 * 100LL}; /* 91234.56 BTC, 3051.23 ETH */
	int64_t off[NVENUE][NASSET] = {{0}};                          /* ppm of fair */
	for (long s = 0; s < minutes * 60; s++) {
		int64_t sec = t0 + s * 1000000;
		int64_t r_btc = rnd_sym(300), r_eth = r_btc * 6 / 5 + rnd_sym(200);
		fair[BTC] = mul_ppm(fair[BTC], r_btc);
		fair[ETH] = mul_ppm(fair[ETH], r_eth);
		for (int v = 0; v < NVENUE; v++)
			for (int x = 0; x < NASSET; x++)
				off[v][x] = off[v][x] * 9 / 10 + rnd_sym(30);
		if (dislocations && rnd() % 90 == 0) {
			int v = (int)(rnd() % NVENUE), x = (int)(rnd() % NASSET);
			if (x == ETHBTC && v >= KRAKEN)
				x = ETH;
			int64_t jump = rnd_in(2500, 6000);
			off[v][x] += rnd() % 2 ? jump : -jump;
		}
		for (size_t i = 0; i < NMARKET; i++) {
			struct market *m = &mk[i];
			int64_t mid;
			if (m->asset == ETHBTC)
				mid = (int64_t)((__int128)mul_ppm(fair[ETH], off[m->venue][ETH]) * E8
				                / mul_ppm(fair[BTC], off[m->venue][BTC]));
			else
				mid = fair[m->asset];
			mid = mul_ppm(mid, off[m->venue][m->asset]);
			int64_t hs = venue_half_spread_ppm[m->venue] * (m->asset == ETHBTC ? 4 : 1);
			m->bid = floor_to(mul_ppm(mid, -hs), m->tick);
			m->ask = ceil_to(mul_ppm(mid, hs), m->tick);
			if (m->ask <= m->bid)
				m->ask = m->bid + m->tick;
			int64_t step = floor_to(mid / 50000, m->tick); /* 0.2 bps between levels */
			if (step < m->tick)
				step = m->tick;
			int64_t ts = sec + venue_ms[m->venue] * 1000 + rnd_in(0, 50000);
			levels(bids, sizeof bids, m, -1, m->bid, step);
			levels(asks, sizeof asks, m, 1, m->ask, step);
			if (m->seq)
				m->seq += rnd_in(1, 40);
			snprintf(line, sizeof line,
			         "{\"type\":\"book\",\"ts\":%" PRId64 ",\"venue\":\"%s\",\"symbol\":\"%s\","
			         "\"seq\":%" PRId64 ",\"bids\":%s,\"asks\":%s}\n",
			         ts, venue_name[m->venue], m->symbol, m->seq, bids, asks);
			add(ts, line);
			for (int64_t k = rnd_in(-3, 3); k > 0; k--) {
				int buy = (int)(rnd() % 2);
				int64_t tts = ts + rnd_in(1000, 900000);
				int64_t qty = m->asset == BTC ? rnd_in(1, 5000) * m->size_unit
				                              : rnd_in(1, 3000) * m->size_unit;
				snprintf(line, sizeof line,
				         "{\"type\":\"trade\",\"ts\":%" PRId64 ",\"venue\":\"%s\",\"symbol\":\"%s\","
				         "\"id\":\"%" PRId64 "\",\"side\":\"%s\",\"px\":\"%s\",\"qty\":\"%s\"}\n",
				         tts, venue_name[m->venue], m->symbol, ++m->trade_id, buy ? "buy" : "sell",
				         dec(a, buy ? m->ask : m->bid, m->px_dp), dec(b, qty, m->qty_dp));
				add(tts, line);
			}
		}
		/* a trade may fall into the next second: write only what is due before it */
		flush_events(sec + 1000000);
	}
	flush_events(INT64_MAX);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("mdsim: stdout");
		return 74;
	}
	return 0;
}
