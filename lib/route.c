/* route.c: smart order routing over the stream's books (see route.h). */
#include <string.h>

#include "error.h"
#include "exitcode.h"
#include "route.h"

static int allowed(const struct lyra_route_req *req, const char *venue)
{
	if (!req->venues)
		return 1;
	for (const char *const *v = req->venues; *v; v++)
		if (strcmp(*v, venue) == 0)
			return 1;
	return 0;
}

static struct lyra_dec fee_of(const struct lyra_fees *fees, const struct lyra_route_req *req,
                              const char *venue)
{
	struct lyra_dec f;
	if (!fees || lyra_fees_taker(fees, venue, req->symbol, &f) != 0)
		f = req->default_fee;
	return f;
}

/* px adjusted by the fee: buy px x (1 + fee), sell px x (1 - fee). */
static int adjusted(struct lyra_dec px, struct lyra_dec fee, int is_buy, struct lyra_dec *out)
{
	struct lyra_dec one = lyra_dec_from_int(1), k;
	if ((is_buy ? lyra_dec_add(one, fee, &k) : lyra_dec_sub(one, fee, &k)) != 0)
		return -1;
	return lyra_book_mul_fit(px, k, is_buy ? LYRA_ROUND_UP : LYRA_ROUND_DOWN, out);
}

/* Is a better than b for this side (lower for a buy, higher for a sell)? */
static int better(struct lyra_dec a, struct lyra_dec b, int is_buy)
{
	int c = lyra_dec_cmp(a, b);
	return is_buy ? c < 0 : c > 0;
}

static int within(struct lyra_dec px, const struct lyra_route_req *req)
{
	if (!req->limit)
		return 1;
	int c = lyra_dec_cmp(px, *req->limit);
	return req->is_buy ? c <= 0 : c >= 0;
}

static const struct lyra_book_side *side_of(const struct lyra_book *b, int is_buy)
{
	return is_buy ? &b->asks : &b->bids;
}

static void leg_init(struct lyra_route_leg *l, const char *venue, struct lyra_dec fee)
{
	memset(l, 0, sizeof *l);
	snprintf(l->venue, sizeof l->venue, "%s", venue);
	l->qty = l->notional = l->worst_px = lyra_dec_zero();
	l->fee = fee;
}

/* Take up to want from one level into a leg. */
static int take(struct lyra_route_leg *l, const struct lyra_level *lv, struct lyra_dec want,
                struct lyra_dec *took)
{
	struct lyra_dec q = lyra_dec_cmp(lv->qty, want) < 0 ? lv->qty : want, pq;
	if (lyra_dec_mul_exact(lv->px, q, &pq) != 0 || lyra_dec_add(l->notional, pq, &l->notional) != 0 ||
	    lyra_dec_add(l->qty, q, &l->qty) != 0)
		return -1;
	l->worst_px = lv->px;
	*took = q;
	return 0;
}

/* One venue's walk for the whole quantity within the limit. */
static int walk(const struct lyra_book *b, const struct lyra_route_req *req, struct lyra_dec fee,
                struct lyra_route_leg *l)
{
	const struct lyra_book_side *s = side_of(b, req->is_buy);
	struct lyra_dec left = req->qty;
	leg_init(l, b->venue, fee);
	for (size_t i = 0; i < s->n && lyra_dec_sign(left) > 0 && within(s->lv[i].px, req); i++) {
		struct lyra_dec took;
		if (take(l, &s->lv[i], left, &took) != 0 || lyra_dec_sub(left, took, &left) != 0)
			return -1;
	}
	return 0;
}

static void sort_by_venue(struct lyra_route_leg *legs, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(legs[j - 1].venue, legs[j].venue) > 0; j--) {
			struct lyra_route_leg t = legs[j];
			legs[j] = legs[j - 1];
			legs[j - 1] = t;
		}
}

static int plan_single(struct lyra_book *const *books, size_t nb, const struct lyra_fees *fees,
                       const struct lyra_route_req *req, struct lyra_route_leg *legs)
{
	int have = 0;
	struct lyra_dec best_allin = lyra_dec_zero();
	for (size_t i = 0; i < nb; i++) {
		const struct lyra_book *b = books[i];
		struct lyra_route_leg l;
		struct lyra_dec allin;
		if (!b->valid || !allowed(req, b->venue))
			continue;
		if (walk(b, req, fee_of(fees, req, b->venue), &l) != 0)
			return -1;
		if (lyra_dec_sign(l.qty) <= 0)
			continue;
		/* all-in average price: notional adjusted by the fee, per unit */
		struct lyra_dec adj;
		if (adjusted(l.notional, l.fee, req->is_buy, &adj) != 0 ||
		    lyra_dec_div(adj, l.qty, 12, LYRA_ROUND_HALF_EVEN, &allin) != 0)
			return -1;
		int c = have ? lyra_dec_cmp(l.qty, legs[0].qty) : 1;
		if (!have || c > 0 || (c == 0 && (better(allin, best_allin, req->is_buy) ||
		                                  (lyra_dec_cmp(allin, best_allin) == 0 &&
		                                   strcmp(l.venue, legs[0].venue) < 0)))) {
			legs[0] = l;
			best_allin = allin;
			have = 1;
		}
	}
	return have;
}

static int plan_split(struct lyra_book *const *books, size_t nb, const struct lyra_fees *fees,
                      const struct lyra_route_req *req, struct lyra_route_leg *legs)
{
	size_t pos[LYRA_ROUTE_MAX_LEGS] = { 0 };
	const struct lyra_book *use[LYRA_ROUTE_MAX_LEGS];
	struct lyra_dec fee[LYRA_ROUTE_MAX_LEGS];
	int n = 0;
	for (size_t i = 0; i < nb && n < LYRA_ROUTE_MAX_LEGS; i++) {
		if (!books[i]->valid || !allowed(req, books[i]->venue))
			continue;
		use[n] = books[i];
		fee[n] = fee_of(fees, req, books[i]->venue);
		leg_init(&legs[n], books[i]->venue, fee[n]);
		n++;
	}
	struct lyra_dec left = req->qty;
	while (lyra_dec_sign(left) > 0) {
		int pick = -1;
		struct lyra_dec best = lyra_dec_zero();
		for (int v = 0; v < n; v++) {
			const struct lyra_book_side *s = side_of(use[v], req->is_buy);
			struct lyra_dec adj;
			if (pos[v] >= s->n || !within(s->lv[pos[v]].px, req))
				continue;
			if (adjusted(s->lv[pos[v]].px, fee[v], req->is_buy, &adj) != 0)
				return -1;
			if (pick < 0 || better(adj, best, req->is_buy) ||
			    (lyra_dec_cmp(adj, best) == 0 && strcmp(use[v]->venue, use[pick]->venue) < 0)) {
				pick = v;
				best = adj;
			}
		}
		if (pick < 0)
			break;
		struct lyra_dec took;
		const struct lyra_book_side *s = side_of(use[pick], req->is_buy);
		if (take(&legs[pick], &s->lv[pos[pick]], left, &took) != 0 ||
		    lyra_dec_sub(left, took, &left) != 0)
			return -1;
		pos[pick]++;
	}
	int m = 0;
	for (int v = 0; v < n; v++)
		if (lyra_dec_sign(legs[v].qty) > 0)
			legs[m++] = legs[v];
	sort_by_venue(legs, m);
	return m;
}

int lyra_route_plan(struct lyra_books *bs, const struct lyra_fees *fees,
                    const struct lyra_route_req *req, struct lyra_route_leg *legs)
{
	size_t nb = 0;
	struct lyra_book *const *books = lyra_books_symbol(bs, req->symbol, &nb);
	int rc;
	if (lyra_dec_sign(req->qty) <= 0)
		return 0;
	rc = req->split ? plan_split(books, nb, fees, req, legs)
	                : plan_single(books, nb, fees, req, legs);
	if (rc < 0)
		return lyra_error(LYRA_EX_DATAERR, "route %s: arithmetic overflow", req->symbol);
	return rc;
}
