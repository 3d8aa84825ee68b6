/* bench/l2book.c: local order-book maintenance (lib/l2book.c) as mdfeed's book rules use it:
 * each delta sets one level to an absolute quantity (0 removes it) by the venue's text, then the
 * book is trimmed to its depth. Usage:
 *   l2book gen N FILE   write N deltas ("b|a PRICE QTY" per line) against a 1,000-level book
 *                       (the book itself is the first 2,000 lines), deterministic
 *   l2book run FILE [DEPTH]  apply them with depth DEPTH (default 1000); prints
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

static int run(const char *path, int depth)
{
	FILE *f = fopen(path, "r");
	char *buf, *p, *end;
	long size, n = 0;
	struct lyra_l2book b;
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
	lyra_l2book_init(&b, depth);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (p = buf; p < buf + size; p = end + 1) {
		char *px = p + 2, *sp = strchr(px, ' '), *qty = sp + 1;

		end = strchr(qty, '\n');
		if (lyra_l2book_set(&b, p[0] == 'a' ? LYRA_L2_ASK : LYRA_L2_BID, px, (size_t)(sp - px),
		                    qty, (size_t)(end - qty)) < 0) {
			fprintf(stderr, "l2book: %s\n", lyra_error_msg());
			return 1;
		}
		lyra_l2book_trim(&b);
		n++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%ld deltas in %.3f s: %.0f deltas/s (book %zu/%zu best %s %s)\n", n, s, (double)n / s,
	       b.n[LYRA_L2_BID], b.n[LYRA_L2_ASK], b.n[0] ? b.lv[0][0].px_text : "-",
	       b.n[1] ? b.lv[1][0].px_text : "-");
	lyra_l2book_free(&b);
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
