/* arbgraph.c: the currency graph: named nodes (hashed), edges with out-adjacency lists, and the
 * depth-bounded search for negative simple cycles through one edge. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arbgraph.h"
#include "error.h"

#define MAX_LEGS 8

struct adj {
	int *v;
	int n, cap;
};

struct lyra_arbgraph {
	char **names;
	struct adj *out;
	int nnodes, capn;
	struct lyra_arbedge *e;
	int nedges, cape;
	int *idx;  /* node hash: id + 1, 0 empty */
	size_t hcap;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

struct lyra_arbgraph *lyra_arbgraph_new(void)
{
	struct lyra_arbgraph *g = calloc(1, sizeof *g);
	if (!g)
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return g;
}

void lyra_arbgraph_free(struct lyra_arbgraph *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->nnodes; i++) {
		free(g->names[i]);
		free(g->out[i].v);
	}
	free(g->names);
	free(g->out);
	free(g->e);
	free(g->idx);
	free(g);
}

static int rehash(struct lyra_arbgraph *g)
{
	size_t cap = g->hcap ? g->hcap * 2 : 64;
	int *idx = calloc(cap, sizeof *idx);
	if (!idx)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	for (int i = 0; i < g->nnodes; i++) {
		size_t h = hash(g->names[i]) & (cap - 1);
		while (idx[h])
			h = (h + 1) & (cap - 1);
		idx[h] = i + 1;
	}
	free(g->idx);
	g->idx = idx;
	g->hcap = cap;
	return 0;
}

int lyra_arbgraph_node(struct lyra_arbgraph *g, const char *name)
{
	size_t h = 0;
	if (g->hcap) {
		h = hash(name) & (g->hcap - 1);
		while (g->idx[h]) {
			if (strcmp(g->names[g->idx[h] - 1], name) == 0)
				return g->idx[h] - 1;
			h = (h + 1) & (g->hcap - 1);
		}
	}
	if ((size_t)(g->nnodes + 1) * 2 > g->hcap) {
		if (rehash(g) != 0)
			return -1;
		h = hash(name) & (g->hcap - 1);
		while (g->idx[h])
			h = (h + 1) & (g->hcap - 1);
	}
	if (g->nnodes == g->capn) {
		int cap = g->capn ? g->capn * 2 : 32;
		char **names = realloc(g->names, (size_t)cap * sizeof *names);
		if (!names)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		g->names = names;
		struct adj *out = realloc(g->out, (size_t)cap * sizeof *out);
		if (!out)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		g->out = out;
		g->capn = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	g->names[g->nnodes] = copy;
	memset(&g->out[g->nnodes], 0, sizeof g->out[0]);
	g->idx[h] = ++g->nnodes;
	return g->nnodes - 1;
}

const char *lyra_arbgraph_name(const struct lyra_arbgraph *g, int node)
{
	return node >= 0 && node < g->nnodes ? g->names[node] : NULL;
}

int lyra_arbgraph_nodes(const struct lyra_arbgraph *g)
{
	return g->nnodes;
}

int lyra_arbgraph_edges(const struct lyra_arbgraph *g)
{
	return g->nedges;
}

int lyra_arbgraph_add_edge(struct lyra_arbgraph *g, int from, int to, void *ctx, int side)
{
	if (from < 0 || from >= g->nnodes || to < 0 || to >= g->nnodes)
		return lyra_error(LYRA_EX_SOFTWARE, "edge between unknown nodes");
	if (g->nedges == g->cape) {
		int cap = g->cape ? g->cape * 2 : 64;
		struct lyra_arbedge *e = realloc(g->e, (size_t)cap * sizeof *e);
		if (!e)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		g->e = e;
		g->cape = cap;
	}
	struct adj *a = &g->out[from];
	if (a->n == a->cap) {
		int cap = a->cap ? a->cap * 2 : 4;
		int *v = realloc(a->v, (size_t)cap * sizeof *v);
		if (!v)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		a->v = v;
		a->cap = cap;
	}
	struct lyra_arbedge *e = &g->e[g->nedges];
	e->from = from;
	e->to = to;
	e->w = INFINITY;
	e->ctx = ctx;
	e->side = side;
	a->v[a->n++] = g->nedges;
	return g->nedges++;
}

struct lyra_arbedge *lyra_arbgraph_edge(struct lyra_arbgraph *g, int edge)
{
	return edge >= 0 && edge < g->nedges ? &g->e[edge] : NULL;
}

struct search {
	const struct lyra_arbgraph *g;
	int target, max_legs;
	double limit;
	int path[MAX_LEGS];
	int (*cb)(const int *edges, int n, double w, void *arg);
	void *arg;
};

static int on_path(const struct search *s, int depth, int node)
{
	for (int i = 1; i < depth; i++)
		if (s->g->e[s->path[i]].from == node)
			return 1;
	return 0;
}

/* path[0..depth) ends at node `at` with weight w. */
static int dfs(struct search *s, int at, int depth, double w)
{
	const struct adj *a = &s->g->out[at];
	for (int k = 0; k < a->n; k++) {
		int ei = a->v[k];
		const struct lyra_arbedge *e = &s->g->e[ei];
		if (isinf(e->w))
			continue;
		double nw = w + e->w;
		if (e->to == s->target) {
			if (nw < s->limit) {
				s->path[depth] = ei;
				int rc = s->cb(s->path, depth + 1, nw, s->arg);
				if (rc)
					return rc;
			}
			continue;
		}
		if (depth + 1 >= s->max_legs || on_path(s, depth, e->to) || e->to == at)
			continue;
		s->path[depth] = ei;
		int rc = dfs(s, e->to, depth + 1, nw);
		if (rc)
			return rc;
	}
	return 0;
}

int lyra_arbgraph_cycles_through(const struct lyra_arbgraph *g, int edge, int max_legs,
                                 double limit,
                                 int (*cb)(const int *edges, int n, double w, void *arg),
                                 void *arg)
{
	if (edge < 0 || edge >= g->nedges || isinf(g->e[edge].w))
		return 0;
	if (max_legs > MAX_LEGS)
		max_legs = MAX_LEGS;
	if (max_legs < 2)
		return 0;
	struct search s = { .g = g, .target = g->e[edge].from, .max_legs = max_legs, .limit = limit,
	                    .cb = cb, .arg = arg };
	s.path[0] = edge;
	if (g->e[edge].to == s.target)
		return 0;
	return dfs(&s, g->e[edge].to, 1, g->e[edge].w);
}

/* A node on a cycle of the predecessor graph, or -1: each walk marks its nodes with its own
 * stamp and stops at a node already seen (a cycle when seen in this very walk). */
static int pred_cycle(const struct lyra_arbgraph *g, const int *pred, int *mark, int n)
{
	for (int i = 0; i < n; i++)
		mark[i] = -1;
	for (int i = 0; i < n; i++) {
		int v = i;
		while (v >= 0 && mark[v] < 0) {
			mark[v] = i;
			v = pred[v] >= 0 ? g->e[pred[v]].from : -1;
		}
		if (v >= 0 && mark[v] == i)
			return v;
	}
	return -1;
}

int lyra_arbgraph_negative_cycle(const struct lyra_arbgraph *g, int *edges, int max)
{
	int n = g->nnodes;
	if (n == 0)
		return 0;
	double *dist = malloc((size_t)n * sizeof *dist);
	int *pred = malloc((size_t)n * sizeof *pred), *len = calloc((size_t)n, sizeof *len);
	int *queue = malloc((size_t)n * sizeof *queue);
	int *mark = malloc((size_t)n * sizeof *mark);
	char *inq = malloc((size_t)n);
	int found = -1, rc = 0;
	if (!dist || !pred || !len || !queue || !inq || !mark) {
		rc = lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		dist[i] = 0;
		pred[i] = -1;
		queue[i] = i;
		inq[i] = 1;
	}
	int head = 0, count = n;
	long relax = 0;
	while (count && found < 0) {
		int u = queue[head];
		head = (head + 1) % n;
		count--;
		inq[u] = 0;
		const struct adj *a = &g->out[u];
		for (int k = 0; k < a->n; k++) {
			const struct lyra_arbedge *e = &g->e[a->v[k]];
			if (isinf(e->w))
				continue;
			double nd = dist[u] + e->w;
			if (nd < dist[e->to] - 1e-12) {
				dist[e->to] = nd;
				pred[e->to] = a->v[k];
				len[e->to] = len[u] + 1;
				if (len[e->to] >= n) {
					found = e->to;
					break;
				}
				if (++relax % n == 0 && (found = pred_cycle(g, pred, mark, n)) >= 0)
					break;
				if (!inq[e->to]) {
					inq[e->to] = 1;
					queue[(head + count) % n] = e->to;
					count++;
				}
			}
		}
	}
	if (found >= 0) {
		/* walk back n steps to land on the cycle, then collect it */
		int v = found;
		for (int i = 0; i < n; i++) {
			if (pred[v] < 0)
				goto out;
			v = g->e[pred[v]].from;
		}
		int m = 0, u = v;
		do {
			int ei = pred[u];
			if (ei < 0 || m > n)
				goto out;
			if (m < max)
				edges[m] = ei;
			m++;
			u = g->e[ei].from;
		} while (u != v);
		/* collected backwards: reverse into path order */
		int lim = m < max ? m : max;
		for (int i = 0; i < lim / 2; i++) {
			int t = edges[i];
			edges[i] = edges[lim - 1 - i];
			edges[lim - 1 - i] = t;
		}
		rc = m;
	}
out:
	free(dist);
	free(pred);
	free(len);
	free(queue);
	free(inq);
	free(mark);
	return rc;
}
