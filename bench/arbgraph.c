/* arbgraph.c (bench): the triangle search of lib/arbgraph.c on a seeded market graph of 1,000
 * currencies and 10,000 directed edges (5,000 markets, both directions, consistent prices less
 * a 5 bp fee: no arbitrage), optionally with planted mispricings. Prints the full-scan time
 * (SPFA, any negative cycle) and the per-update time (one market's two edges re-weighted, then
 * every cycle of up to 4 legs through them searched), and writes the edge list for the Python
 * baseline.
 *   arbgraph planted|none SEED EDGEFILE [REPS]
 * With REPS, exactly REPS full scans and REPS updates instead of timed loops of a second each
 * (for valgrind --tool=callgrind: instruction counts per scan are repeatable, wall time is not
 * on a shared machine). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arbgraph.h"

#define NODES 1000
#define MARKETS 5000

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long long rng = 88172645463325252ULL;
static unsigned long long next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int count(const int *edges, int n, double w, void *arg)
{
	(void)edges;
	(void)n;
	(void)w;
	(*(long *)arg)++;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5)
		return 2;
	int fixed = argc == 5 ? atoi(argv[4]) : 0;
	int planted = strcmp(argv[1], "planted") == 0;
	rng ^= strtoull(argv[2], NULL, 10) * 2654435761ULL;
	struct lyra_arbgraph *g = lyra_arbgraph_new();
	double p[NODES];
	char name[16];
	for (int i = 0; i < NODES; i++) {
		snprintf(name, sizeof name, "c%d", i);
		lyra_arbgraph_node(g, name);
		p[i] = exp((double)(next() % 2000) / 100.0 - 10);
	}
	for (int k = 0; k < MARKETS; k++) {
		int a = (int)(next() % NODES), b = (int)(next() % NODES);
		if (a == b)
			b = (a + 1) % NODES;
		int e = lyra_arbgraph_add_edge(g, a, b, NULL, 1);
		lyra_arbgraph_set_weight(g, e, -log(p[a] / p[b] * 0.9995));
		e = lyra_arbgraph_add_edge(g, b, a, NULL, 0);
		lyra_arbgraph_set_weight(g, e, -log(p[b] / p[a] * 0.9995));
	}
	int E = lyra_arbgraph_edges(g);
	if (planted)
		for (int k = 0; k < 3; k++)
{
			int e = (int)(next() % (unsigned)E);
			lyra_arbgraph_set_weight(g, e, lyra_arbgraph_edge(g, e)->w - 0.01);
		}
	FILE *f = fopen(argv[3], "w");
	if (!f)
		return 1;
	for (int e = 0; e < E; e++) {
		const struct lyra_arbedge *x = lyra_arbgraph_edge(g, e);
		fprintf(f, "%d %d %.17g\n", x->from, x->to, x->w);
	}
	fclose(f);

	int cyc[64], found = 0;
	int reps = 0;
	double t0 = now_s(), t1;
	do {
		found = lyra_arbgraph_negative_cycle(g, cyc, 64);
		reps++;
		t1 = now_s();
	} while (fixed ? reps < fixed : t1 - t0 < 1.0);
	double full_us = (t1 - t0) / reps * 1e6;

	long cycles = 0;
	int ups = 0;
	t0 = now_s();
	do {
		for (int k = 0; k < (fixed ? fixed : 1000); k++) {
			int e = (int)(next() % (unsigned)(E / 2)) * 2;
			const struct lyra_arbedge *x = lyra_arbgraph_edge(g, e), *y = lyra_arbgraph_edge(g, e + 1);
			lyra_arbgraph_set_weight(g, e, -log(p[x->from] / p[x->to] * 0.9995));
			lyra_arbgraph_set_weight(g, e + 1, -log(p[y->from] / p[y->to] * 0.9995));
			lyra_arbgraph_cycles_through(g, e, 4, -1e-12, count, &cycles);
			lyra_arbgraph_cycles_through(g, e + 1, 4, -1e-12, count, &cycles);
			ups++;
		}
		t1 = now_s();
	} while (!fixed && t1 - t0 < 1.0);
	double up_us = (t1 - t0) / ups * 1e6;
	printf("edges %d full_us %.2f found %d update_us %.3f\n", E, full_us, found > 0, up_us);
	lyra_arbgraph_free(g);
	return 0;
}
