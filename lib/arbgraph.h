/* arbgraph.h: the currency graph for triangular arbitrage. Nodes are currencies (named, e.g.
 * "binance:BTC"), directed edges are conversions on one side of one market with weight
 * -log(rate after fee) as a double (only for the search; callers recompute every amount
 * exactly). Finds the simple cycles of negative total weight through a given edge, up to a
 * number of legs, so that one book update re-evaluates only the cycles it can affect. */
#ifndef LYRA_ARBGRAPH_H
#define LYRA_ARBGRAPH_H

#include <stddef.h>

struct lyra_arbedge {
	int from, to;
	double w;     /* INFINITY: unusable (stale or empty book) */
	void *ctx;    /* the caller's: the book and side behind the edge */
	int side;     /* the caller's */
};

struct lyra_arbgraph;

struct lyra_arbgraph *lyra_arbgraph_new(void);
void lyra_arbgraph_free(struct lyra_arbgraph *g);
/* The node id for name, created when absent; -1 on allocation failure (error.h). */
int lyra_arbgraph_node(struct lyra_arbgraph *g, const char *name);
const char *lyra_arbgraph_name(const struct lyra_arbgraph *g, int node);
int lyra_arbgraph_nodes(const struct lyra_arbgraph *g);
/* Add an edge (weight INFINITY until set); returns its id, or -1 on allocation failure. */
int lyra_arbgraph_add_edge(struct lyra_arbgraph *g, int from, int to, void *ctx, int side);
const struct lyra_arbedge *lyra_arbgraph_edge(const struct lyra_arbgraph *g, int edge);
/* Set an edge's weight (INFINITY: unusable). */
void lyra_arbgraph_set_weight(struct lyra_arbgraph *g, int edge, double w);
int lyra_arbgraph_edges(const struct lyra_arbgraph *g);
/* Call cb for every simple cycle that starts with edge `edge`, has at most max_legs edges
 * (2..8) and total weight below limit (e.g. -1e-12 for "negative"); edges[] in order, the
 * first being `edge`. cb returns 0 to go on, non-zero to stop (returned). 0 when done, -1 on
 * allocation failure. Only the graph's search scratch changes; cb must not add edges. */
int lyra_arbgraph_cycles_through(struct lyra_arbgraph *g, int edge, int max_legs, double limit,
                                 int (*cb)(const int *edges, int n, double w, void *arg),
                                 void *arg);

/* A full scan for any negative cycle (SPFA from a virtual source over a compact copy of the
 * graph, rebuilt only after edges were added, with path-length counting and a periodic check of
 * the predecessor graph for early exit). Returns its length with its edges in edges[] (at most
 * max, in order), 0 when there is none, -1 on allocation failure. Cost O(V*E) worst case, a
 * few passes over the edges typically. */
int lyra_arbgraph_negative_cycle(struct lyra_arbgraph *g, int *edges, int max);

#endif
