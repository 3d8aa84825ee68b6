/* arbgraph.c: the currency graph: named nodes (hashed), edges with out- and in-adjacency lists,
 * the depth-bounded search for negative simple cycles through one edge (forward from the edge's
 * head, closing through the in-edges of its tail: the last level is a look-up, not a scan), and
 * the full scan (SPFA over a compact copy of the graph, rebuilt only when edges are added, with
 * the weights kept in it by lyra_arbgraph_set_weight). */
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
	struct adj *out, *in;
	int nnodes, capn;
	struct lyra_arbedge *e;
	int nedges, cape;
	int *idx;  /* node hash: id + 1, 0 empty */
	size_t hcap;
	/* search scratch: per node the first in-edge of the target from it (id + 1), per edge
	 * the next one from the same node */
	int *close_head, *close_next;
	int scratch_n, scratch_e;
	/* the compact copy for the full scan: out-edges of node v are [off[v], off[v+1]) */
	int csr_ok, csr_n, csr_e;
	int *off, *to, *eid, *pos;
	double *w;
	/* full-scan scratch */
	double *dist;
	int *pred, *len, *queue, *mark;
	char *inq;
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
		free(g->in[i].v);
	}
	free(g->names);
	free(g->out);
	free(g->in);
	free(g->close_head);
	free(g->close_next);
	free(g->off);
	free(g->to);
	free(g->eid);
	free(g->pos);
	free(g->w);
	free(g->dist);
	free(g->pred);
	free(g->len);
	free(g->queue);
	free(g->mark);
	free(g->inq);
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
		struct adj *in = realloc(g->in, (size_t)cap * sizeof *in);
		if (!in)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		g->in = in;
		g->capn = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	g->names[g->nnodes] = copy;
	memset(&g->out[g->nnodes], 0, sizeof g->out[0]);
	memset(&g->in[g->nnodes], 0, sizeof g->in[0]);
	g->idx[h] = ++g->nnodes;
	g->csr_ok = 0;
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

static int adj_reserve(struct adj *a)
{
	if (a->n < a->cap)
		return 0;
	int cap = a->cap ? a->cap * 2 : 4;
	int *v = realloc(a->v, (size_t)cap * sizeof *v);
	if (!v)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	a->v = v;
	a->cap = cap;
	return 0;
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
	struct adj *a = &g->out[from], *b = &g->in[to];
	if (adj_reserve(a) != 0 || adj_reserve(b) != 0)
		return -1;
	struct lyra_arbedge *e = &g->e[g->nedges];
	e->from = from;
	e->to = to;
	e->w = INFINITY;
	e->ctx = ctx;
	e->side = side;
	a->v[a->n++] = g->nedges;
	b->v[b->n++] = g->nedges;
	g->csr_ok = 0;
	return g->nedges++;
}

const struct lyra_arbedge *lyra_arbgraph_edge(const struct lyra_arbgraph *g, int edge)
{
	return edge >= 0 && edge < g->nedges ? &g->e[edge] : NULL;
}

void lyra_arbgraph_set_weight(struct lyra_arbgraph *g, int edge, double w)
{
	if (edge < 0 || edge >= g->nedges)
		return;
	g->e[edge].w = w;
	if (g->csr_ok)
		g->w[g->pos[edge]] = w;
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

/* path[0..depth) ends at node `at` with weight w: first the cycles closed by an edge at ->
 * target, then (when a closing edge still fits) the paths one edge longer; at the last level
 * only towards nodes that have an edge to the target. */
static int dfs(struct search *s, int at, int depth, double w)
{
	const struct lyra_arbgraph *g = s->g;
	for (int k = g->close_head[at]; k; k = g->close_next[k - 1]) {
		const struct lyra_arbedge *e = &g->e[k - 1];
		double nw = w + e->w;
		if (nw < s->limit) {
			s->path[depth] = k - 1;
			int rc = s->cb(s->path, depth + 1, nw, s->arg);
			if (rc)
				return rc;
		}
	}
	if (depth + 2 > s->max_legs)
		return 0;
	int last = depth + 2 == s->max_legs;
	const struct adj *a = &g->out[at];
	for (int k = 0; k < a->n; k++) {
		int ei = a->v[k];
		const struct lyra_arbedge *e = &g->e[ei];
		int to = e->to;
		if (to == s->target || to == at || isinf(e->w) || (last && !g->close_head[to]) ||
		    on_path(s, depth, to))
			continue;
		s->path[depth] = ei;
		int rc = dfs(s, to, depth + 1, w + e->w);
		if (rc)
			return rc;
	}
	return 0;
}

static int scratch(struct lyra_arbgraph *g)
{
	if (g->scratch_n < g->nnodes) {
		int *v = realloc(g->close_head, (size_t)g->capn * sizeof *v);
		if (!v)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		memset(v, 0, (size_t)g->capn * sizeof *v);
		g->close_head = v;
		g->scratch_n = g->capn;
	}
	if (g->scratch_e < g->nedges) {
		int *v = realloc(g->close_next, (size_t)g->cape * sizeof *v);
		if (!v)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		g->close_next = v;
		g->scratch_e = g->cape;
	}
	return 0;
}

int lyra_arbgraph_cycles_through(struct lyra_arbgraph *g, int edge, int max_legs, double limit,
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
	if (scratch(g) != 0)
		return -1;
	/* the usable edges into the target, listed by the node they leave */
	const struct adj *in = &g->in[s.target];
	for (int k = in->n - 1; k >= 0; k--) {
		int ei = in->v[k];
		const struct lyra_arbedge *e = &g->e[ei];
		if (isinf(e->w) || e->from == e->to)
			continue;
		g->close_next[ei] = g->close_head[e->from];
		g->close_head[e->from] = ei + 1;
	}
	int rc = dfs(&s, g->e[edge].to, 1, g->e[edge].w);
	for (int k = 0; k < in->n; k++)
		g->close_head[g->e[in->v[k]].from] = 0;
	return rc;
}

/* Build the compact copy (and the scan's scratch) after edges were added. */
static int csr_build(struct lyra_arbgraph *g)
{
	int n = g->nnodes, m = g->nedges;
	if (g->csr_ok)
		return 0;
	if (n > g->csr_n) {
		free(g->off);
		free(g->dist);
		free(g->pred);
		free(g->len);
		free(g->queue);
		free(g->mark);
		free(g->inq);
		g->off = malloc(((size_t)n + 1) * sizeof *g->off);
		g->dist = malloc((size_t)n * sizeof *g->dist);
		g->pred = malloc((size_t)n * sizeof *g->pred);
		g->len = malloc((size_t)n * sizeof *g->len);
		g->queue = malloc((size_t)n * sizeof *g->queue);
		g->mark = malloc((size_t)n * sizeof *g->mark);
		g->inq = malloc((size_t)n);
		g->csr_n = n;
	}
	if (m > g->csr_e) {
		free(g->to);
		free(g->eid);
		free(g->pos);
		free(g->w);
		g->to = malloc((size_t)m * sizeof *g->to);
		g->eid = malloc((size_t)m * sizeof *g->eid);
		g->pos = malloc((size_t)m * sizeof *g->pos);
		g->w = malloc((size_t)m * sizeof *g->w);
		g->csr_e = m;
	}
	if (!g->off || !g->dist || !g->pred || !g->len || !g->queue || !g->mark || !g->inq ||
	    (m && (!g->to || !g->eid || !g->pos || !g->w))) {
		g->csr_n = g->csr_e = 0;
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	}
	int k = 0;
	for (int v = 0; v < n; v++) {
		g->off[v] = k;
		for (int j = 0; j < g->out[v].n; j++, k++) {
			int ei = g->out[v].v[j];
			g->to[k] = g->e[ei].to;
			g->w[k] = g->e[ei].w;
			g->eid[k] = ei;
			g->pos[ei] = k;
		}
	}
	g->off[n] = k;
	g->csr_ok = 1;
	return 0;
}

/* A node on a cycle of the predecessor graph (pred[] holds compact edge positions), or -1:
 * each walk marks its nodes with its own stamp and stops at a node already seen (a cycle when
 * seen in this very walk). */
static int pred_cycle(const struct lyra_arbgraph *g, int n)
{
	int *mark = g->mark;
	const int *pred = g->pred;
	for (int i = 0; i < n; i++)
		mark[i] = -1;
	for (int i = 0; i < n; i++) {
		int v = i;
		while (v >= 0 && mark[v] < 0) {
			mark[v] = i;
			v = pred[v] >= 0 ? g->e[g->eid[pred[v]]].from : -1;
		}
		if (v >= 0 && mark[v] == i)
			return v;
	}
	return -1;
}

int lyra_arbgraph_negative_cycle(struct lyra_arbgraph *g, int *edges, int max)
{
	int n = g->nnodes;
	if (n == 0)
		return 0;
	if (csr_build(g) != 0)
		return -1;
	double *dist = g->dist;
	int *pred = g->pred, *len = g->len, *queue = g->queue;
	const int *off = g->off, *to = g->to;
	const double *w = g->w;
	char *inq = g->inq;
	int found = -1;
	for (int i = 0; i < n; i++) {
		dist[i] = 0;
		pred[i] = -1;
		len[i] = 0;
		queue[i] = i;
		inq[i] = 1;
	}
	/* SPFA from a virtual source joined to every node at weight 0: a FIFO of nodes whose
	 * distance dropped; an edge path of n edges means a cycle, and every n relaxations the
	 * predecessor graph is checked for one (found long before n passes). Infinite weights
	 * never relax. */
	int head = 0, count = n;
	long relax = 0;
	while (count && found < 0) {
		int u = queue[head];
		if (++head == n)
			head = 0;
		count--;
		inq[u] = 0;
		double du = dist[u];
		int lu = len[u] + 1;
		for (int k = off[u], end = off[u + 1]; k < end; k++) {
			int v = to[k];
			double nd = du + w[k];
			if (nd < dist[v] - 1e-12) {
				dist[v] = nd;
				pred[v] = k;
				len[v] = lu;
				if (lu >= n) {
					found = v;
					break;
				}
				if (++relax == n) {
					relax = 0;
					if ((found = pred_cycle(g, n)) >= 0)
						break;
				}
				if (!inq[v]) {
					inq[v] = 1;
					int t = head + count;
					queue[t >= n ? t - n : t] = v;
					count++;
				}
			}
		}
	}
	if (found < 0)
		return 0;
	/* walk back n steps to land on the cycle, then collect it */
	int v = found;
	for (int i = 0; i < n; i++) {
		if (pred[v] < 0)
			return 0;
		v = g->e[g->eid[pred[v]]].from;
	}
	int m = 0, u = v;
	do {
		int ei = pred[u] >= 0 ? g->eid[pred[u]] : -1;
		if (ei < 0 || m > n)
			return 0;
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
	return m;
}
