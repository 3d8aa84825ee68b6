/* test_arbgraph.c: unit tests for lib/arbgraph.c: nodes and edges, a known negative cycle, the
 * leg limit, and the property that a consistent price graph has no negative cycle while one
 * injected mispricing is found in every cycle reported. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arbgraph.h"
#include "arbstat.h"
#include "unit.h"

struct found {
	int n, len[64], edges[64][8];
};

static int collect(const int *edges, int n, double w, void *arg)
{
	struct found *f = arg;
	(void)w;
	if (f->n < 64) {
		f->len[f->n] = n;
		memcpy(f->edges[f->n], edges, (size_t)n * sizeof *edges);
	}
	f->n++;
	return 0;
}

static int stop_at_first(const int *edges, int n, double w, void *arg)
{
	(void)edges;
	(void)n;
	(void)w;
	(*(int *)arg)++;
	return 7;
}

static int contains3(const int *edges, int n, int e)
{
	for (int i = 0; i < n; i++)
		if (edges[i] == e)
			return 1;
	return 0;
}

static void test_basics(void)
{
	struct lyra_arbgraph *g = lyra_arbgraph_new();
	int usdt = lyra_arbgraph_node(g, "v:USDT"), btc = lyra_arbgraph_node(g, "v:BTC"),
	    eth = lyra_arbgraph_node(g, "v:ETH");
	CHECK_INT(lyra_arbgraph_node(g, "v:BTC"), btc, "node lookup");
	CHECK_INT(lyra_arbgraph_nodes(g), 3, "three nodes");
	CHECK_STR(lyra_arbgraph_name(g, eth), "v:ETH", "name");
	/* USDT -> BTC at 1/50010, BTC -> ETH at 1/0.0611, ETH -> USDT at 3070, fee 0.1% a leg */
	int e1 = lyra_arbgraph_add_edge(g, usdt, btc, NULL, 0);
	int e2 = lyra_arbgraph_add_edge(g, btc, eth, NULL, 0);
	int e3 = lyra_arbgraph_add_edge(g, eth, usdt, NULL, 1);
	int r1 = lyra_arbgraph_add_edge(g, btc, usdt, NULL, 1);
	int r2 = lyra_arbgraph_add_edge(g, eth, btc, NULL, 1);
	int r3 = lyra_arbgraph_add_edge(g, usdt, eth, NULL, 0);
	CHECK_INT(lyra_arbgraph_edges(g), 6, "six edges");
	struct found f = { 0 };
	CHECK_INT(lyra_arbgraph_cycles_through(g, e1, 4, -1e-12, collect, &f), 0, "unset weights");
	CHECK_INT(f.n, 0, "infinite weights never join a cycle");
	lyra_arbgraph_set_weight(g, e1, -log(0.999 / 50010));
	lyra_arbgraph_set_weight(g, e2, -log(0.999 / 0.0611));
	lyra_arbgraph_set_weight(g, e3, -log(3070 * 0.999));
	lyra_arbgraph_set_weight(g, r1, -log(50000 * 0.999));
	lyra_arbgraph_set_weight(g, r2, -log(0.061 * 0.999));
	lyra_arbgraph_set_weight(g, r3, -log(0.999 / 3071));
	lyra_arbgraph_cycles_through(g, e1, 4, -1e-12, collect, &f);
	CHECK_INT(f.n, 1, "one negative cycle through e1");
	CHECK(f.len[0] == 3 && f.edges[0][0] == e1 && f.edges[0][1] == e2 && f.edges[0][2] == e3,
	      "e1 e2 e3");
	f.n = 0;
	lyra_arbgraph_cycles_through(g, r1, 4, -1e-12, collect, &f);
	CHECK_INT(f.n, 0, "none the other way round");
	f.n = 0;
	lyra_arbgraph_cycles_through(g, e1, 2, -1e-12, collect, &f);
	CHECK_INT(f.n, 0, "max 2 legs: the 3-leg cycle is out of reach");
	f.n = 0;
	lyra_arbgraph_cycles_through(g, e1, 4, 1e9, collect, &f);
	CHECK_INT(f.n, 2, "every simple cycle through e1 under a loose limit (2-leg back and 3-leg)");
	int calls = 0;
	CHECK_INT(lyra_arbgraph_cycles_through(g, e1, 4, 1e9, stop_at_first, &calls), 7, "cb stops");
	CHECK_INT(calls, 1, "after one call");
	int cyc[8];
	int m = lyra_arbgraph_negative_cycle(g, cyc, 8);
	CHECK_INT(m, 3, "full scan: a 3-leg negative cycle");
	CHECK(contains3(cyc, m, e1) && contains3(cyc, m, e2) && contains3(cyc, m, e3), "it is e1 e2 e3");
	for (int i = 0; i < m; i++)
		CHECK_INT(lyra_arbgraph_edge(g, cyc[i])->to, lyra_arbgraph_edge(g, cyc[(i + 1) % m])->from,
		          "full scan: legs chain");
	/* 3% fees a leg: no cycle */
	lyra_arbgraph_set_weight(g, e1, -log(0.97 / 50010));
	f.n = 0;
	lyra_arbgraph_cycles_through(g, e1, 4, -1e-12, collect, &f);
	CHECK_INT(f.n, 0, "the fee kills it");
	CHECK_INT(lyra_arbgraph_negative_cycle(g, cyc, 8), 0, "full scan: none");
	lyra_arbgraph_free(g);
}

static int contains(const int *edges, int n, int e)
{
	for (int i = 0; i < n; i++)
		if (edges[i] == e)
			return 1;
	return 0;
}

/* Currencies with consistent prices p[i] (in a common unit), a market between random pairs
 * with a 1 bp fee each way: no cycle can pay. Lower one edge's cost by 1%: every negative
 * cycle found contains that edge, and some are found. */
static void test_property(void)
{
	srand(12345);
	for (int round = 0; round < 20; round++) {
		struct lyra_arbgraph *g = lyra_arbgraph_new();
		enum { N = 40, M = 160 };
		double p[N];
		char name[16];
		for (int i = 0; i < N; i++) {
			snprintf(name, sizeof name, "c%d", i);
			lyra_arbgraph_node(g, name);
			p[i] = exp((rand() % 2000 - 1000) / 100.0);
		}
		for (int k = 0; k < M; k++) {
			int a = rand() % N, b = rand() % N;
			if (a == b)
				continue;
			int e = lyra_arbgraph_add_edge(g, a, b, NULL, 0);
			lyra_arbgraph_set_weight(g, e, -log(p[a] / p[b] * 0.9999));
			e = lyra_arbgraph_add_edge(g, b, a, NULL, 0);
			lyra_arbgraph_set_weight(g, e, -log(p[b] / p[a] * 0.9999));
		}
		struct found f = { 0 };
		for (int e = 0; e < lyra_arbgraph_edges(g); e++)
			lyra_arbgraph_cycles_through(g, e, 4, -1e-12, collect, &f);
		CHECK_INT(f.n, 0, "consistent prices: no negative cycle");
		int cyc[64];
		CHECK_INT(lyra_arbgraph_negative_cycle(g, cyc, 64), 0, "consistent prices: full scan finds none");
		int bad = rand() % lyra_arbgraph_edges(g);
		lyra_arbgraph_set_weight(g, bad, lyra_arbgraph_edge(g, bad)->w - 0.01);
		int stray = 0, total = 0;
		for (int e = 0; e < lyra_arbgraph_edges(g); e++) {
			f.n = 0;
			lyra_arbgraph_cycles_through(g, e, 4, -1e-12, collect, &f);
			for (int c = 0; c < f.n && c < 64; c++)
				stray += !contains(f.edges[c], f.len[c], bad);
			total += f.n;
		}
		CHECK_INT(stray, 0, "every negative cycle contains the mispriced edge");
		CHECK(total > 0, "the mispricing is found (its reverse edge makes a 2-leg cycle)");
		int m = lyra_arbgraph_negative_cycle(g, cyc, 64);
		CHECK(m >= 2 && m <= 64 && contains(cyc, m, bad), "full scan finds a cycle through it");
		lyra_arbgraph_free(g);
	}
}

/* The Kalman filter by hand. delta 0.5 (Vw = 1), Ve = 1, from s = (0, 0), P = 0.
 * Bar 1, x = 1, y = 2: R = I, H = (1, 1), e = 2, Q = 2 + 1 = 3, K = (1/3, 1/3), s = (2/3, 2/3),
 *   P = I - K H R = [[2/3, -1/3], [-1/3, 2/3]].
 * Bar 2, x = 2, y = 4: R = [[5/3, -1/3], [-1/3, 5/3]], R H' = (3, 1), e = 4 - (4/3 + 2/3) = 2,
 *   Q = 2*3 + 1 + 1 = 8, K = (3/8, 1/8), s = (2/3 + 3/4, 2/3 + 1/4) = (17/12, 11/12),
 *   P = R - K (3, 1) = [[13/24, -17/24], [-17/24, 37/24]].
 * Then on y = 2 x + 5 exactly (x = 1 + i mod 20), with a small delta the ratio settles at 2. */
static void test_kalman(void)
{
	struct lyra_kalman k;
	lyra_kalman_init(&k, 0.5, 1);
	lyra_kalman_update(&k, 1, 2);
	CHECK(fabs(k.e - 2) < 1e-12 && fabs(k.q - 3) < 1e-12, "bar 1: e 2, Q 3");
	CHECK(fabs(k.beta - 2.0 / 3) < 1e-12 && fabs(k.alpha - 2.0 / 3) < 1e-12, "bar 1: state (2/3, 2/3)");
	CHECK(fabs(k.P[0][0] - 2.0 / 3) < 1e-12 && fabs(k.P[0][1] + 1.0 / 3) < 1e-12 &&
	      fabs(k.P[1][1] - 2.0 / 3) < 1e-12, "bar 1: covariance");
	lyra_kalman_update(&k, 2, 4);
	CHECK(fabs(k.e - 2) < 1e-12 && fabs(k.q - 8) < 1e-12, "bar 2: e 2, Q 8");
	CHECK(fabs(k.beta - 17.0 / 12) < 1e-12 && fabs(k.alpha - 11.0 / 12) < 1e-12,
	      "bar 2: state (17/12, 11/12)");
	CHECK(fabs(k.P[0][0] - 13.0 / 24) < 1e-12 && fabs(k.P[0][1] + 17.0 / 24) < 1e-12 &&
	      fabs(k.P[1][0] + 17.0 / 24) < 1e-12 && fabs(k.P[1][1] - 37.0 / 24) < 1e-12,
	      "bar 2: covariance");
	lyra_kalman_init(&k, 1e-4, 1e-3);
	for (int i = 0; i < 2000; i++)
		lyra_kalman_update(&k, 1 + i % 20, 2 * (1 + i % 20) + 5);
	CHECK(fabs(k.beta - 2) < 1e-6, "a known hedge ratio: beta 2");
	CHECK(fabs(k.alpha - 5) < 1e-5, "and intercept 5");
	CHECK_INT(k.n, 2000, "updates counted");
}

int main(void)
{
	test_basics();
	test_property();
	test_kalman();
	return unit_done();
}
