/* bench/l2book.c: local order-book maintenance (lib/l2book.c) as mdfeed's book rules use it:
 * each delta sets one level to an absolute quantity (0 removes it) by the venue's text, then the
 * book is trimmed to its depth. Usage:
 *   l2book gen N FILE   write N deltas ("b|a PRICE QTY" per line) against a 1,000-level book
 *                       (the book itself is the first 2,000 lines), deterministic
 *   l2book run FILE [DEPTH]  apply them with depth DEPTH (default 1000), the lines split into
 *                       fields before the clock starts (as the Python reference does); prints
 *                       "<n> deltas in <s> s: <rate> deltas/s (book <bids>/<asks> best <bid> <ask>)"
 * bench/l2book_ref.py applies the same file in Python for the ratio (bench/l2book.sh). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "l2book.h"

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int gen(long n, const char *path)
{
	FILE *f = fopen(path, "w");
	const long mid = 5000000;   /* 50000.00 in cents */

	if (!f)
		return 1;
	for (int i = 0; i < 1000; i++) {
		fprintf(f, "b %ld.%02ld 1.5\n", (mid - 1 - i) / 100, (mid - 1 - i) % 100);
		fprintf(f, "a %ld.%02ld 1.5\n", (mid + i) / 100, (mid + i) % 100);
	}
	for (long k = 0; k < n; k++) {
		int ask = (int)(next() & 1);
		long off = (long)(next() % 1500);
		long px = ask ? mid + off : mid - 1 - off;
		uint64_t q = next() % 10;

		if (q < 3)
			fprintf(f, "%c %ld.%02ld 0\n", ask ? 'a' : 'b', px / 100, px % 100);
		else
			fprintf(f, "%c %ld.%02ld %" PRIu64 ".%04" PRIu64 "\n", ask ? 'a' : 'b', px / 100,
			        px % 100, q, next() % 10000);
	}
	return fclose(f) != 0;
}

struct delta {
	int ask;
	const char *px, *qty;
	size_t pxlen, qtylen;
};

static int run(const char *path, int depth)
{
	FILE *f = fopen(path, "r");
	char *buf, *p, *end;
	long size, n = 0, cap = 0;
	struct delta *d = NULL;
	struct lyra_l2book b;
	struct lyra_l2level bid, ask;
	struct timespec t0, t1;
	double s;

	if (!f)
		return 1;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc((size_t)size + 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
		return 1;
	buf[size] = '\0';
	fclose(f);
	/* split the lines first, as the Python reference does before its clock starts */
	for (p = buf; p < buf + size; p = end + 1) {
		char *px = p + 2, *sp = strchr(px, ' '), *qty = sp + 1;

		end = strchr(qty, '\n');
		if (n == cap) {
			struct delta *nd = realloc(d, (size_t)(cap = cap ? cap * 2 : 4096) * sizeof(*d));

			if (!nd)
				return 1;
			d = nd;
		}
		d[n++] = (struct delta){ p[0] == 'a', px, qty, (size_t)(sp - px), (size_t)(end - qty) };
	}
	lyra_l2book_init(&b, depth);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		if (lyra_l2book_set(&b, d[i].ask ? LYRA_L2_ASK : LYRA_L2_BID, d[i].px, d[i].pxlen,
		                    d[i].qty, d[i].qtylen) < 0) {
			fprintf(stderr, "l2book: %s\n", lyra_error_msg());
			return 1;
		}
		lyra_l2book_trim(&b);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%ld deltas in %.3f s: %.0f deltas/s (book %zu/%zu best %s %s)\n", n, s, (double)n / s,
	       b.n[LYRA_L2_BID], b.n[LYRA_L2_ASK],
	       lyra_l2book_level(&b, LYRA_L2_BID, 0, &bid) == 0 ? bid.px_text : "-",
	       lyra_l2book_level(&b, LYRA_L2_ASK, 0, &ask) == 0 ? ask.px_text : "-");
	lyra_l2book_free(&b);
	free(d);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return gen(atol(argv[2]), argv[3]);
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "run") == 0)
		return run(argv[2], argc == 4 ? atoi(argv[3]) : 1000);
	fprintf(stderr, "usage: l2book gen N FILE | l2book run FILE [DEPTH]\n");
	return 64;
}
