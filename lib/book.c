/* book.c: L2 books (sorted level arrays, binary-searched updates), depth walks, the
 * cross-venue sizing walk net of taker fees, and the venue x symbol registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "error.h"
#include "record.h"

void lyra_book_init(struct lyra_book *b)
{
	memset(b, 0, sizeof *b);
}

void lyra_book_free(struct lyra_book *b)
{
	free(b->bids.lv);
	free(b->asks.lv);
	b->bids.lv = b->asks.lv = NULL;
	b->bids.n = b->bids.cap = b->asks.n = b->asks.cap = 0;
	b->valid = 0;
}

void lyra_book_invalidate(struct lyra_book *b)
{
	b->valid = 0;
}

static int side_reserve(struct lyra_book_side *s, size_t n)
{
	if (n <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 16;
	while (cap < n)
		cap *= 2;
	struct lyra_level *lv = realloc(s->lv, cap * sizeof *lv);
	if (!lv)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	s->lv = lv;
	s->cap = cap;
	return 0;
}

static int get_level(const json_t *lv, struct lyra_dec *px, struct lyra_dec *qty)
{
	const json_t *v[2];
	struct lyra_dec *out[2] = { px, qty };
	if (!json_is_array(lv) || json_array_size(lv) != 2)
		return lyra_error(LYRA_EX_DATAERR, "a level is not a [px,qty] pair");
	for (int k = 0; k < 2; k++) {
		v[k] = json_array_get(lv, (size_t)k);
		if (json_is_string(v[k])) {
			if (lyra_dec_parse(json_string_value(v[k]), json_string_length(v[k]), out[k]) != 0)
				return -1;
		} else if (json_is_integer(v[k])) {
			*out[k] = lyra_dec_from_int(json_integer_value(v[k]));
		} else {
			return lyra_error(LYRA_EX_DATAERR, "a level is not a [px,qty] pair of decimals");
		}
	}
	if (lyra_dec_sign(*px) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "level price must be positive");
	if (lyra_dec_sign(*qty) < 0)
		return lyra_error(LYRA_EX_DATAERR, "level quantity must not be negative");
	return 0;
}

/* 1 when price a is strictly better than b on the side. */
static int better(int is_bid, struct lyra_dec a, struct lyra_dec b)
{
	int c = lyra_dec_cmp(a, b);
	return is_bid ? c > 0 : c < 0;
}

static int load_side(struct lyra_book_side *s, int is_bid, const json_t *levels)
{
	size_t i;
	const json_t *lv;
	if (!json_is_array(levels))
		return lyra_error(LYRA_EX_DATAERR, "'%s' is not a list of levels", is_bid ? "bids" : "asks");
	s->n = 0;
	if (side_reserve(s, json_array_size(levels)) != 0)
		return -1;
	json_array_foreach(levels, i, lv) {
		struct lyra_dec px = lyra_dec_zero(), qty = px;
		if (get_level(lv, &px, &qty) != 0)
			return lyra_error_wrap("%s level %zu", is_bid ? "bids" : "asks", i + 1);
		if (s->n && !better(is_bid, s->lv[s->n - 1].px, px))
			return lyra_error(LYRA_EX_DATAERR, "%s level %zu is out of order", is_bid ? "bids" : "asks",
			                  i + 1);
		if (lyra_dec_is_zero(qty))
			continue;
		s->lv[s->n].px = px;
		s->lv[s->n].qty = qty;
		s->n++;
	}
	return 0;
}

int lyra_book_snapshot(struct lyra_book *b, const json_t *bids, const json_t *asks, int64_t ts,
                       int64_t seq)
{
	b->valid = 0;
	if (load_side(&b->bids, 1, bids) != 0 || load_side(&b->asks, 0, asks) != 0)
		return -1;
	b->ts = ts;
	b->seq = seq;
	b->valid = 1;
	b->full = 1;
	return 0;
}

/* Index of px on the side, or where it would be inserted; *found set. */
static size_t find_level(const struct lyra_book_side *s, int is_bid, struct lyra_dec px, int *found)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = lyra_dec_cmp(s->lv[mid].px, px);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (is_bid ? c > 0 : c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

int lyra_book_set_level(struct lyra_book *b, int is_bid, struct lyra_dec px, struct lyra_dec qty)
{
	struct lyra_book_side *s = is_bid ? &b->bids : &b->asks;
	int found;
	if (lyra_dec_sign(px) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "level price must be positive");
	if (lyra_dec_sign(qty) < 0)
		return lyra_error(LYRA_EX_DATAERR, "level quantity must not be negative");
	size_t i = find_level(s, is_bid, px, &found);
	if (lyra_dec_is_zero(qty)) {
		if (found) {
			memmove(s->lv + i, s->lv + i + 1, (s->n - i - 1) * sizeof *s->lv);
			s->n--;
		}
		return 0;
	}
	if (found) {
		s->lv[i].px = px;
		s->lv[i].qty = qty;
		return 0;
	}
	if (side_reserve(s, s->n + 1) != 0)
		return -1;
	memmove(s->lv + i + 1, s->lv + i, (s->n - i) * sizeof *s->lv);
	s->lv[i].px = px;
	s->lv[i].qty = qty;
	s->n++;
	return 0;
}

static int apply_side(struct lyra_book *b, int is_bid, const json_t *levels)
{
	size_t i;
	const json_t *lv;
	if (!levels)
		return 0;
	if (!json_is_array(levels))
		return lyra_error(LYRA_EX_DATAERR, "'%s' is not a list of levels", is_bid ? "bids" : "asks");
	json_array_foreach(levels, i, lv) {
		struct lyra_dec px = lyra_dec_zero(), qty = px;
		if (get_level(lv, &px, &qty) != 0)
			return lyra_error_wrap("%s level %zu", is_bid ? "bids" : "asks", i + 1);
		if (lyra_book_set_level(b, is_bid, px, qty) != 0)
			return -1;
	}
	return 0;
}

int lyra_book_apply(struct lyra_book *b, const json_t *bids, const json_t *asks, int64_t ts,
                    int64_t seq)
{
	if (!b->valid)
		return lyra_error(LYRA_EX_DATAERR, "no valid snapshot to apply a delta to");
	if (apply_side(b, 1, bids) != 0 || apply_side(b, 0, asks) != 0) {
		b->valid = 0;
		return -1;
	}
	b->ts = ts;
	b->seq = seq;
	return 0;
}

int lyra_book_set_top(struct lyra_book *b, struct lyra_dec bid_px, struct lyra_dec bid_qty,
                      struct lyra_dec ask_px, struct lyra_dec ask_qty, int64_t ts)
{
	b->valid = 0;
	b->bids.n = b->asks.n = 0;
	if (lyra_book_set_level(b, 1, bid_px, bid_qty) != 0 ||
	    lyra_book_set_level(b, 0, ask_px, ask_qty) != 0)
		return -1;
	b->ts = ts;
	b->valid = 1;
	return 0;
}

int lyra_book_mul_fit(struct lyra_dec a, struct lyra_dec b, enum lyra_round mode,
                      struct lyra_dec *out)
{
	if (a.scale + b.scale <= LYRA_DEC_MAX_SCALE && lyra_dec_mul_exact(a, b, out) == 0)
		return 0;
	a = lyra_dec_normalize(a);
	b = lyra_dec_normalize(b);
	int scale = a.scale + b.scale;
	if (scale > LYRA_DEC_MAX_SCALE)
		scale = LYRA_DEC_MAX_SCALE;
	for (; scale >= 0; scale--)
		if (lyra_dec_mul(a, b, scale, mode, out) == 0)
			return 0;
	return lyra_error(LYRA_EX_DATAERR, "product overflows a decimal");
}

/* a + b exactly, or at the largest scale that fits, both rounded with mode. */
static int add_fit(struct lyra_dec a, struct lyra_dec b, enum lyra_round mode, struct lyra_dec *out)
{
	if (lyra_dec_add(a, b, out) == 0)
		return 0;
	a = lyra_dec_normalize(a);
	b = lyra_dec_normalize(b);
	for (int sc = (a.scale > b.scale ? a.scale : b.scale) - 1; sc >= 0; sc--) {
		struct lyra_dec x, y;
		if (lyra_dec_rescale(a, sc < a.scale ? sc : a.scale, mode, &x) == 0 &&
		    lyra_dec_rescale(b, sc < b.scale ? sc : b.scale, mode, &y) == 0 &&
		    lyra_dec_add(x, y, out) == 0)
			return 0;
	}
	return lyra_error(LYRA_EX_DATAERR, "sum overflows a decimal");
}

static enum lyra_round opposite(enum lyra_round mode)
{
	return mode == LYRA_ROUND_DOWN ? LYRA_ROUND_UP : mode == LYRA_ROUND_UP ? LYRA_ROUND_DOWN : mode;
}

/* a - b exactly, or at the largest scale that fits, the result rounded toward mode. */
static int sub_fit(struct lyra_dec a, struct lyra_dec b, enum lyra_round mode, struct lyra_dec *out)
{
	if (lyra_dec_sub(a, b, out) == 0)
		return 0;
	a = lyra_dec_normalize(a);
	b = lyra_dec_normalize(b);
	for (int sc = (a.scale > b.scale ? a.scale : b.scale) - 1; sc >= 0; sc--) {
		struct lyra_dec x, y;
		if (lyra_dec_rescale(a, sc < a.scale ? sc : a.scale, mode, &x) == 0 &&
		    lyra_dec_rescale(b, sc < b.scale ? sc : b.scale, opposite(mode), &y) == 0 &&
		    lyra_dec_sub(x, y, out) == 0)
			return 0;
	}
	return lyra_error(LYRA_EX_DATAERR, "difference overflows a decimal");
}

int lyra_book_add_fit(struct lyra_dec a, struct lyra_dec b, enum lyra_round mode,
                      struct lyra_dec *out)
{
	return add_fit(a, b, mode, out);
}

int lyra_book_sub_fit(struct lyra_dec a, struct lyra_dec b, enum lyra_round mode,
                      struct lyra_dec *out)
{
	return sub_fit(a, b, mode, out);
}

/* a / b at `scale` digits, or fewer when the quotient is too large. */
static int div_fit(struct lyra_dec a, struct lyra_dec b, int scale, enum lyra_round mode,
                   struct lyra_dec *out)
{
	for (; scale >= 0; scale--)
		if (lyra_dec_div(a, b, scale, mode, out) == 0)
			return 0;
	return -1;
}

static int add_product(struct lyra_dec *acc, struct lyra_dec px, struct lyra_dec qty,
                       enum lyra_round mode)
{
	struct lyra_dec p;
	if (lyra_book_mul_fit(px, qty, mode, &p) != 0)
		return -1;
	return add_fit(*acc, lyra_dec_normalize(p), mode, acc);
}

static struct lyra_dec dmin(struct lyra_dec a, struct lyra_dec b)
{
	return lyra_dec_cmp(a, b) <= 0 ? a : b;
}

int lyra_book_walk(const struct lyra_book_side *s, struct lyra_dec qty, struct lyra_dec *filled,
                   struct lyra_dec *notional, struct lyra_dec *worst)
{
	struct lyra_dec left = qty, got = lyra_dec_zero();
	*notional = lyra_dec_zero();
	*worst = lyra_dec_zero();
	for (size_t i = 0; i < s->n && lyra_dec_sign(left) > 0; i++) {
		struct lyra_dec take = dmin(left, s->lv[i].qty);
		if (add_product(notional, s->lv[i].px, take, LYRA_ROUND_HALF_EVEN) != 0 ||
		    lyra_dec_sub(left, take, &left) != 0 ||
		    lyra_dec_add(got, take, &got) != 0)
			return -1;
		*worst = s->lv[i].px;
	}
	if (filled)
		*filled = got;
	return lyra_dec_sign(left) > 0 ? 1 : 0;
}

int lyra_book_qty_at(const struct lyra_book_side *s, int is_bid, struct lyra_dec limit,
                     struct lyra_dec *qty)
{
	*qty = lyra_dec_zero();
	for (size_t i = 0; i < s->n; i++) {
		if (better(is_bid, limit, s->lv[i].px))
			break;
		if (lyra_dec_add(*qty, s->lv[i].qty, qty) != 0)
			return -1;
	}
	return 0;
}

static const struct lyra_dec ONE = { 1, 0 };
static const struct lyra_dec TENK = { 10000, 0 };

/* 1 when buying at ask and selling at bid clears min_bps after fees, 0 when not, -1 on error:
 * (bid*fb1 - ask*fa1) * 10000 >= min_bps * ask*fa1, with the buy side rounded up and the sell
 * side down so that rounding never invents an edge. */
static int marginal_ok(struct lyra_dec ask, struct lyra_dec fa1, struct lyra_dec bid,
                       struct lyra_dec fb1, struct lyra_dec min_bps)
{
	struct lyra_dec be, se, diff, num, rhs;
	if (lyra_book_mul_fit(ask, fa1, LYRA_ROUND_UP, &be) != 0 ||
	    lyra_book_mul_fit(bid, fb1, LYRA_ROUND_DOWN, &se) != 0 ||
	    sub_fit(se, be, LYRA_ROUND_DOWN, &diff) != 0 ||
	    lyra_book_mul_fit(diff, TENK, LYRA_ROUND_DOWN, &num) != 0 ||
	    lyra_book_mul_fit(min_bps, be, LYRA_ROUND_UP, &rhs) != 0)
		return -1;
	return lyra_dec_cmp(num, rhs) >= 0;
}

int lyra_book_cross(const struct lyra_book *buy, struct lyra_dec fee_buy,
                    const struct lyra_book *sell, struct lyra_dec fee_sell, struct lyra_dec min_bps,
                    const struct lyra_dec *max_qty, struct lyra_cross *r)
{
	const struct lyra_book_side *A = &buy->asks, *B = &sell->bids;
	struct lyra_dec fa1, fb1, ra, rb, fee;
	size_t i = 0, j = 0;
	int check = 1;
	memset(r, 0, sizeof *r);
	if (A->n == 0 || B->n == 0)
		return 0;
	/* without rebates and with a non-negative threshold, a bid at or below the ask never pays */
	if (lyra_dec_cmp(B->lv[0].px, A->lv[0].px) <= 0 && lyra_dec_sign(fee_buy) >= 0 &&
	    lyra_dec_sign(fee_sell) >= 0 && lyra_dec_sign(min_bps) >= 0)
		return 0;
	if (lyra_dec_add(ONE, fee_buy, &fa1) != 0 || lyra_dec_sub(ONE, fee_sell, &fb1) != 0)
		return -1;
	ra = A->lv[0].qty;
	rb = B->lv[0].qty;
	while (i < A->n && j < B->n) {
		if (check) {
			int ok = marginal_ok(A->lv[i].px, fa1, B->lv[j].px, fb1, min_bps);
			if (ok < 0)
				return -1;
			if (!ok)
				break;
			check = 0;
		}
		struct lyra_dec take = dmin(ra, rb);
		if (max_qty) {
			struct lyra_dec room;
			if (lyra_dec_sub(*max_qty, r->qty, &room) != 0)
				return -1;
			take = dmin(take, room);
			if (lyra_dec_sign(take) <= 0)
				break;
		}
		if (lyra_dec_add(r->qty, take, &r->qty) != 0 ||
		    add_product(&r->buy_notional, A->lv[i].px, take, LYRA_ROUND_UP) != 0 ||
		    add_product(&r->sell_notional, B->lv[j].px, take, LYRA_ROUND_DOWN) != 0 ||
		    lyra_dec_sub(ra, take, &ra) != 0 || lyra_dec_sub(rb, take, &rb) != 0)
			return -1;
		r->buy_px = A->lv[i].px;
		r->sell_px = B->lv[j].px;
		if (lyra_dec_is_zero(ra) && ++i < A->n) {
			ra = A->lv[i].qty;
			check = 1;
		}
		if (lyra_dec_is_zero(rb) && ++j < B->n) {
			rb = B->lv[j].qty;
			check = 1;
		}
	}
	if (lyra_dec_sign(r->qty) <= 0)
		return 0;
	r->qty = lyra_dec_normalize(r->qty);
	if (lyra_book_mul_fit(r->buy_notional, fee_buy, LYRA_ROUND_UP, &fee) != 0 ||
	    add_fit(r->buy_notional, fee, LYRA_ROUND_UP, &r->cost) != 0 ||
	    lyra_book_mul_fit(r->sell_notional, fee_sell, LYRA_ROUND_UP, &fee) != 0 ||
	    sub_fit(r->sell_notional, fee, LYRA_ROUND_DOWN, &r->proceeds) != 0 ||
	    sub_fit(r->proceeds, r->cost, LYRA_ROUND_DOWN, &r->profit) != 0)
		return -1;
	r->cost = lyra_dec_normalize(r->cost);
	r->proceeds = lyra_dec_normalize(r->proceeds);
	r->profit = lyra_dec_normalize(r->profit);
	struct lyra_dec num;
	if (lyra_book_mul_fit(r->profit, TENK, LYRA_ROUND_DOWN, &num) != 0 ||
	    div_fit(num, r->cost, 2, LYRA_ROUND_DOWN, &r->edge_bps) != 0)
		return -1;
	return 1;
}

/* ---- the registry ---- */

struct group {
	char symbol[64];
	struct lyra_book **v;
	size_t n, cap;
};

struct lyra_books {
	struct lyra_book **books;
	size_t n, cap;
	struct group *groups;
	size_t ngroups, gcap;
	uint32_t *bidx, *gidx; /* open addressing: index + 1, 0 empty */
	size_t hcap;           /* power of two, shared by both tables */
};

static uint64_t hash2(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ULL;
	h = (h ^ 0x1f) * 1099511628211ULL;
	for (; b && *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ULL;
	return h;
}

struct lyra_books *lyra_books_new(void)
{
	struct lyra_books *bs = calloc(1, sizeof *bs);
	if (!bs) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	return bs;
}

void lyra_books_free(struct lyra_books *bs)
{
	if (!bs)
		return;
	for (size_t i = 0; i < bs->n; i++) {
		lyra_book_free(bs->books[i]);
		free(bs->books[i]);
	}
	for (size_t i = 0; i < bs->ngroups; i++)
		free(bs->groups[i].v);
	free(bs->books);
	free(bs->groups);
	free(bs->bidx);
	free(bs->gidx);
	free(bs);
}

static int rehash(struct lyra_books *bs)
{
	size_t cap = bs->hcap ? bs->hcap * 2 : 64;
	uint32_t *bi = calloc(cap, sizeof *bi), *gi = calloc(cap, sizeof *gi);
	if (!bi || !gi) {
		free(bi);
		free(gi);
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	}
	for (size_t i = 0; i < bs->n; i++) {
		size_t h = hash2(bs->books[i]->venue, bs->books[i]->symbol) & (cap - 1);
		while (bi[h])
			h = (h + 1) & (cap - 1);
		bi[h] = (uint32_t)i + 1;
	}
	for (size_t i = 0; i < bs->ngroups; i++) {
		size_t h = hash2(bs->groups[i].symbol, NULL) & (cap - 1);
		while (gi[h])
			h = (h + 1) & (cap - 1);
		gi[h] = (uint32_t)i + 1;
	}
	free(bs->bidx);
	free(bs->gidx);
	bs->bidx = bi;
	bs->gidx = gi;
	bs->hcap = cap;
	return 0;
}

static struct group *find_group(struct lyra_books *bs, const char *symbol, size_t *slot)
{
	if (!bs->hcap)
		return NULL;
	size_t h = hash2(symbol, NULL) & (bs->hcap - 1);
	while (bs->gidx[h]) {
		struct group *g = &bs->groups[bs->gidx[h] - 1];
		if (strcmp(g->symbol, symbol) == 0)
			return g;
		h = (h + 1) & (bs->hcap - 1);
	}
	if (slot)
		*slot = h;
	return NULL;
}

struct lyra_book *lyra_books_get(struct lyra_books *bs, const char *venue, const char *symbol,
                                 int create)
{
	size_t h = 0;
	if (bs->hcap) {
		h = hash2(venue, symbol) & (bs->hcap - 1);
		while (bs->bidx[h]) {
			struct lyra_book *b = bs->books[bs->bidx[h] - 1];
			if (strcmp(b->venue, venue) == 0 && strcmp(b->symbol, symbol) == 0)
				return b;
			h = (h + 1) & (bs->hcap - 1);
		}
	}
	if (!create)
		return NULL;
	if (strlen(venue) >= sizeof bs->books[0]->venue || strlen(symbol) >= sizeof bs->books[0]->symbol) {
		lyra_error(LYRA_EX_DATAERR, "venue or symbol name too long");
		return NULL;
	}
	if ((bs->n + bs->ngroups + 2) * 2 > bs->hcap) {
		if (rehash(bs) != 0)
			return NULL;
	}
	if (bs->n == bs->cap) {
		size_t cap = bs->cap ? bs->cap * 2 : 16;
		struct lyra_book **v = realloc(bs->books, cap * sizeof *v);
		if (!v) {
			lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			return NULL;
		}
		bs->books = v;
		bs->cap = cap;
	}
	size_t gslot = 0;
	struct group *g = find_group(bs, symbol, &gslot);
	if (!g) {
		if (bs->ngroups == bs->gcap) {
			size_t cap = bs->gcap ? bs->gcap * 2 : 16;
			struct group *v = realloc(bs->groups, cap * sizeof *v);
			if (!v) {
				lyra_error(LYRA_EX_SOFTWARE, "out of memory");
				return NULL;
			}
			bs->groups = v;
			bs->gcap = cap;
		}
		g = &bs->groups[bs->ngroups];
		memset(g, 0, sizeof *g);
		strcpy(g->symbol, symbol);
		bs->gidx[gslot] = (uint32_t)++bs->ngroups;
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 4;
		struct lyra_book **v = realloc(g->v, cap * sizeof *v);
		if (!v) {
			lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			return NULL;
		}
		g->v = v;
		g->cap = cap;
	}
	struct lyra_book *b = malloc(sizeof *b);
	if (!b) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	lyra_book_init(b);
	strcpy(b->venue, venue);
	strcpy(b->symbol, symbol);
	b->group = (size_t)(g - bs->groups);
	g->v[g->n++] = b;
	h = hash2(venue, symbol) & (bs->hcap - 1);
	while (bs->bidx[h])
		h = (h + 1) & (bs->hcap - 1);
	bs->books[bs->n] = b;
	bs->bidx[h] = (uint32_t)++bs->n;
	return b;
}

struct lyra_book *const *lyra_books_symbol(struct lyra_books *bs, const char *symbol, size_t *n)
{
	struct group *g = find_group(bs, symbol, NULL);
	*n = g ? g->n : 0;
	return g ? g->v : NULL;
}

struct lyra_book *const *lyra_books_group(struct lyra_books *bs, const struct lyra_book *b,
                                          size_t *n)
{
	*n = bs->groups[b->group].n;
	return bs->groups[b->group].v;
}

size_t lyra_books_count(const struct lyra_books *bs)
{
	return bs->n;
}

struct lyra_book *lyra_books_at(struct lyra_books *bs, size_t i)
{
	return i < bs->n ? bs->books[i] : NULL;
}

int lyra_books_observe(struct lyra_books *bs, const char *type, const json_t *rec,
                       struct lyra_book **out, char *why, size_t wn)
{
	const char *venue = lyra_json_get_str(rec, "venue"), *symbol = lyra_json_get_str(rec, "symbol");
	int64_t ts, seq = 0;
	int rc;
	*out = NULL;
	if (!venue || !symbol || lyra_json_get_ts(rec, "ts", &ts) != 0) {
		snprintf(why, wn, "%s", lyra_error_msg());
		return -1;
	}
	if (strcmp(type, "gap") == 0) {
		*out = lyra_books_get(bs, venue, symbol, 0);
		if (!*out)
			return 1;
		lyra_book_invalidate(*out);
		return 0;
	}
	struct lyra_book *b = lyra_books_get(bs, venue, symbol, 1);
	if (!b) {
		snprintf(why, wn, "%s", lyra_error_msg());
		return -1;
	}
	*out = b;
	if (strcmp(type, "bbo") == 0) {
		struct lyra_dec bp, bq, ap, aq;
		if (lyra_json_get_dec(rec, "bid_px", &bp) != 0 || lyra_json_get_dec(rec, "bid_qty", &bq) != 0 ||
		    lyra_json_get_dec(rec, "ask_px", &ap) != 0 || lyra_json_get_dec(rec, "ask_qty", &aq) != 0) {
			snprintf(why, wn, "%s", lyra_error_msg());
			return -1;
		}
		if (b->full)
			return 1;
		if (lyra_book_set_top(b, bp, bq, ap, aq, ts) != 0) {
			snprintf(why, wn, "%s", lyra_error_msg());
			return -1;
		}
		return 0;
	}
	if (lyra_json_get_int(rec, "seq", &seq) != 0) {
		snprintf(why, wn, "%s", lyra_error_msg());
		return -1;
	}
	const json_t *bids = json_object_get(rec, "bids"), *asks = json_object_get(rec, "asks");
	if (strcmp(type, "book") == 0) {
		rc = lyra_book_snapshot(b, bids, asks, ts, seq);
	} else if (!b->valid) {
		snprintf(why, wn, "book_delta for '%s' '%s' without a valid snapshot", venue, symbol);
		return -1;
	} else {
		rc = lyra_book_apply(b, bids, asks, ts, seq);
	}
	if (rc != 0) {
		snprintf(why, wn, "%s", lyra_error_msg());
		return -1;
	}
	return 0;
}
