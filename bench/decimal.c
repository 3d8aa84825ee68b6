/* bench/decimal.c: throughput of lib/decimal.c on exchange-style price and quantity strings. One
 * op = parse one string, format the value, multiply it by a paired factor rounded half-even to
 * 8 digits (the same loop as bench/decimal_ref.py). Usage: decimal [N]; without N, runs about
 * 1.5 s. Prints "<ops> ops in <seconds> s: <rate> ops/s (checksum <x>)". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "decimal.h"
#include "error.h"

/* value, factor: prices, quantities, fees and PnL as venues send them (bench/decimal_ref.py reads
 * this table from here, so both sides work on the same strings) */
static const struct {
	const char *value, *factor;
} pairs[] = {
	{ "43250.5", "0.00012300" },
	{ "43250.50", "1.5" },
	{ "0.00012300", "43250.5" },
	{ "2650.33", "0.75" },
	{ "1.23456789", "43251.01" },
	{ "65000.01", "0.0035" },
	{ "0.1", "0.2" },
	{ "250", "0.001" },
	{ "3.5e-5", "120000" },
	{ "0.00000001", "1000000000" },
	{ "1999.99", "12.5" },
	{ "17.125", "-3" },
	{ "-0.75", "2650.33" },
	{ "0.02500000", "43250.5" },
	{ "0.000451", "98765.4321" },
	{ "1000000", "0.00007" },
	{ "-12.34567890", "1.0001" },
	{ "0.0010", "65000.01" },
	{ "98.76543210", "0.333" },
	{ "1.5E+3", "0.04" },
	{ "43249.99", "0.00500000" },
	{ "0.00431", "43250.5" },
	{ "7.77", "7.77" },
	{ "123456.789", "0.01" },
	{ "0.5", "0.5" },
	{ "2.00000000", "1234.5678" },
	{ "-0.00000250", "43250.5" },
	{ "31.4159", "2.71828" },
	{ "0.999", "1000.001" },
	{ "5000", "0.0002" },
	{ "42", "0.00000042" },
	{ "0.12345678", "8765.4321" },
};
#define NPAIRS (sizeof pairs / sizeof pairs[0])

static uint64_t checksum;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(uint64_t rounds, const size_t *lens, const struct lyra_dec *factors)
{
	char buf[LYRA_DEC_STRLEN];
	struct lyra_dec d, p;
	uint64_t r, sum = 0;
	size_t i;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < NPAIRS; i++) {
			if (lyra_dec_parse(pairs[i].value, lens[i], &d) < 0 ||
			    lyra_dec_mul(d, factors[i], 8, LYRA_ROUND_HALF_EVEN, &p) < 0) {
				fprintf(stderr, "bench/decimal: %s\n", lyra_error_msg());
				exit(1);
			}
			sum += (uint64_t)lyra_dec_format(d, buf) + (uint64_t)p.mant + (unsigned char)buf[0];
		}
	}
	checksum += sum;
}

int main(int argc, char **argv)
{
	size_t lens[NPAIRS];
	struct lyra_dec factors[NPAIRS];
	uint64_t rounds;
	double t0, t;
	size_t i;

	for (i = 0; i < NPAIRS; i++) {
		lens[i] = strlen(pairs[i].value);
		if (lyra_dec_parse_cstr(pairs[i].factor, &factors[i]) < 0) {
			fprintf(stderr, "bench/decimal: %s\n", lyra_error_msg());
			return 1;
		}
	}
	if (argc > 1) {
		rounds = strtoull(argv[1], NULL, 10) / NPAIRS;
		if (rounds == 0)
			rounds = 1;
	} else {
		rounds = 1000;
		for (;;) {
			t0 = now();
			run(rounds, lens, factors);
			t = now() - t0;
			if (t > 0.2)
				break;
			rounds *= 4;
		}
		rounds = (uint64_t)((double)rounds * 1.5 / t) + 1;
	}
	t0 = now();
	run(rounds, lens, factors);
	t = now() - t0;
	printf("%llu ops in %.3f s: %.0f ops/s (checksum %llu)\n",
	       (unsigned long long)(rounds * NPAIRS), t, (double)(rounds * NPAIRS) / t,
	       (unsigned long long)checksum);
	return 0;
}
