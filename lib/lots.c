/* lots.c: tax lots and FIFO/LIFO/HIFO/specific disposal matching (see lots.h). */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "lots.h"

int lyra_lot_method_parse(const char *s, enum lyra_lot_method *out)
{
	if (strcmp(s, "fifo") == 0)
		*out = LYRA_LOT_FIFO;
	else if (strcmp(s, "lifo") == 0)
		*out = LYRA_LOT_LIFO;
	else if (strcmp(s, "hifo") == 0)
		*out = LYRA_LOT_HIFO;
	else if (strcmp(s, "specific") == 0)
		*out = LYRA_LOT_SPECIFIC;
	else
		return lyra_error(LYRA_EX_USAGE, "unknown lot method '%s': use fifo, lifo, hifo or"
		                  " specific", s);
	return 0;
}

const char *lyra_lot_method_name(enum lyra_lot_method m)
{
	switch (m) {
	case LYRA_LOT_LIFO: return "lifo";
	case LYRA_LOT_HIFO: return "hifo";
	case LYRA_LOT_SPECIFIC: return "specific";
	default: return "fifo";
	}
}

int lyra_lots_add(struct lyra_lots *l, int64_t id, int64_t ts, struct lyra_dec qty,
                  struct lyra_dec cost)
{
	struct lyra_lot *lot;
	if (lyra_dec_sign(qty) <= 0 || lyra_dec_sign(cost) < 0)
		return lyra_error(LYRA_EX_DATAERR, "cannot add a lot: quantity must be positive and cost"
		                  " not negative");
	if (l->head > 0 && l->head * 2 >= l->n) {
		memmove(l->v, l->v + l->head, (l->n - l->head) * sizeof *l->v);
		l->n -= l->head;
		l->head = 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct lyra_lot *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return lyra_error(LYRA_EX_SOFTWARE, "cannot add a lot: out of memory");
		l->v = v;
		l->cap = cap;
	}
	lot = &l->v[l->n];
	lot->id = id;
	lot->ts = ts;
	lot->qty = qty;
	lot->cost = cost;
	if (lyra_dec_div(cost, qty, 12, LYRA_ROUND_HALF_EVEN, &lot->unit) != 0)
		return lyra_error_wrap("cannot add a lot");
	l->n++;
	return 0;
}

int lyra_lots_total(const struct lyra_lots *l, struct lyra_dec *out)
{
	struct lyra_dec s = lyra_dec_zero();
	for (size_t i = l->head; i < l->n; i++)
		if (lyra_dec_add(s, l->v[i].qty, &s) != 0)
			return -1;
	*out = s;
	return 0;
}

/* Index of the next lot to use by method among live lots (l->n > l->head). */
static size_t pick(const struct lyra_lots *l, enum lyra_lot_method m)
{
	size_t best = l->head;
	switch (m) {
	case LYRA_LOT_FIFO:
	case LYRA_LOT_SPECIFIC:
		return l->head;
	case LYRA_LOT_LIFO:
		return l->n - 1;
	case LYRA_LOT_HIFO:
		for (size_t i = l->head + 1; i < l->n; i++)
			if (lyra_dec_cmp(l->v[i].unit, l->v[best].unit) > 0)
				best = i;
		return best;
	}
	return best;
}

int lyra_lots_apportion(struct lyra_dec cost, struct lyra_dec part, struct lyra_dec whole, int scale,
                     struct lyra_dec *out)
{
	__int128 num, den = whole.mant, q, r;
	if (whole.mant == 0)
		return lyra_error(LYRA_EX_DATAERR, "cannot apportion a cost over a zero quantity");
	int e = scale - cost.scale - part.scale + whole.scale;
	if (__builtin_mul_overflow((__int128)cost.mant, (__int128)part.mant, &num))
		return lyra_error(LYRA_EX_DATAERR, "cannot apportion a lot's cost: overflow");
	for (; e > 0; e--)
		if (__builtin_mul_overflow(num, (__int128)10, &num))
			return lyra_error(LYRA_EX_DATAERR, "cannot apportion a lot's cost: overflow");
	for (; e < 0; e++)
		if (__builtin_mul_overflow(den, (__int128)10, &den))
			return lyra_error(LYRA_EX_DATAERR, "cannot apportion a lot's cost: overflow");
	q = num / den;
	r = num % den;
	if (r < 0)
		r = -r;
	if (2 * r > den || (2 * r == den && (q & 1)))
		q += num < 0 ? -1 : 1;
	if (q > INT64_MAX || q < -INT64_MAX)
		return lyra_error(LYRA_EX_DATAERR, "cannot apportion a lot's cost: overflow");
	out->mant = (int64_t)q;
	out->scale = scale;
	return 0;
}

static void drop(struct lyra_lots *l, size_t i)
{
	if (i == l->head) {
		l->head++;
		return;
	}
	memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof *l->v);
	l->n--;
}

int lyra_lots_dispose(struct lyra_lots *l, enum lyra_lot_method m, struct lyra_dec qty,
                      int cost_scale, int (*take)(void *ctx, const struct lyra_lot_take *t),
                      void *ctx)
{
	struct lyra_dec held, left = qty;
	char a[LYRA_DEC_STRLEN];
	if (lyra_dec_sign(qty) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "cannot dispose of a quantity that is not positive");
	if (lyra_lots_total(l, &held) != 0)
		return lyra_error_wrap("cannot total the lots");
	if (lyra_dec_cmp(held, qty) < 0) {
		struct lyra_dec shortby;
		lyra_dec_sub(qty, held, &shortby);
		lyra_dec_format_trim(shortby, a);
		return lyra_error(LYRA_EX_DATAERR, "disposal exceeds the lots held: short by %s", a);
	}
	while (lyra_dec_sign(left) > 0) {
		size_t i = pick(l, m);
		struct lyra_lot *lot = &l->v[i];
		struct lyra_lot_take t = { lot->id, lot->ts, lot->qty, lot->cost };
		int full = lyra_dec_cmp(lot->qty, left) <= 0, rc;
		if (!full) {
			t.qty = left;
			if (lyra_lots_apportion(lot->cost, left, lot->qty, cost_scale, &t.cost) != 0)
				return -1;
			if (lyra_dec_sub(lot->qty, left, &lot->qty) != 0 ||
			    lyra_dec_sub(lot->cost, t.cost, &lot->cost) != 0)
				return lyra_error_wrap("cannot apportion a lot's cost");
		}
		if (lyra_dec_sub(left, t.qty, &left) != 0)
			return lyra_error_wrap("cannot match a disposal");
		if (full)
			drop(l, i);
		rc = take(ctx, &t);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int lyra_lots_take(struct lyra_lots *l, int64_t lot_id, struct lyra_dec qty, int cost_scale,
                   int (*take)(void *ctx, const struct lyra_lot_take *t), void *ctx)
{
	size_t i;
	char a[LYRA_DEC_STRLEN];
	if (lyra_dec_sign(qty) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "cannot take a quantity that is not positive");
	for (i = l->head; i < l->n && l->v[i].id != lot_id; i++)
		;
	if (i == l->n)
		return lyra_error(LYRA_EX_DATAERR, "lot %lld is not held (used up, or not this asset's)",
		                  (long long)lot_id);
	struct lyra_lot *lot = &l->v[i];
	struct lyra_lot_take t = { lot->id, lot->ts, lot->qty, lot->cost };
	int c = lyra_dec_cmp(lot->qty, qty);
	if (c < 0) {
		lyra_dec_format_trim(lot->qty, a);
		return lyra_error(LYRA_EX_DATAERR, "lot %lld holds only %s", (long long)lot_id, a);
	}
	if (c > 0) {
		t.qty = qty;
		if (lyra_lots_apportion(lot->cost, qty, lot->qty, cost_scale, &t.cost) != 0)
			return -1;
		if (lyra_dec_sub(lot->qty, qty, &lot->qty) != 0 ||
		    lyra_dec_sub(lot->cost, t.cost, &lot->cost) != 0)
			return lyra_error_wrap("cannot apportion a lot's cost");
	} else {
		drop(l, i);
	}
	return take(ctx, &t);
}

struct order_ix {
	size_t i;
	const struct lyra_lot *lot;
};

static int cmp_hifo(const void *a, const void *b)
{
	const struct order_ix *x = a, *y = b;
	int c = lyra_dec_cmp(y->lot->unit, x->lot->unit);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

int lyra_lots_add_cost(struct lyra_lots *l, enum lyra_lot_method m, struct lyra_dec qty,
                       struct lyra_dec amount, int scale)
{
	struct lyra_dec held, left = qty, amount_left = amount;
	size_t n = l->n - l->head, k;
	struct order_ix *ix;
	if (lyra_dec_sign(qty) <= 0 || lyra_dec_sign(amount) < 0)
		return lyra_error(LYRA_EX_DATAERR, "cannot add a cost: quantity must be positive and"
		                  " amount not negative");
	if (lyra_lots_total(l, &held) != 0 || lyra_dec_cmp(held, qty) < 0)
		return lyra_error(LYRA_EX_DATAERR, "cannot add a cost: the lots hold less than the"
		                  " quantity");
	ix = malloc(n * sizeof *ix);
	if (!ix)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	for (k = 0; k < n; k++) {
		size_t i = m == LYRA_LOT_LIFO ? l->n - 1 - k : l->head + k;
		ix[k].i = i;
		ix[k].lot = &l->v[i];
	}
	if (m == LYRA_LOT_HIFO)
		qsort(ix, n, sizeof *ix, cmp_hifo);
	for (k = 0; k < n && lyra_dec_sign(left) > 0; k++) {
		struct lyra_lot *lot = &l->v[ix[k].i];
		struct lyra_dec part = lyra_dec_cmp(lot->qty, left) < 0 ? lot->qty : left, add;
		if (lyra_dec_sub(left, part, &left) != 0)
			goto fail;
		if (lyra_dec_sign(left) == 0)
			add = amount_left;
		else if (lyra_lots_apportion(amount, part, qty, scale, &add) != 0)
			goto fail;
		if (lyra_dec_sub(amount_left, add, &amount_left) != 0 ||
		    lyra_dec_add(lot->cost, add, &lot->cost) != 0 ||
		    lyra_dec_div(lot->cost, lot->qty, 12, LYRA_ROUND_HALF_EVEN, &lot->unit) != 0)
			goto fail;
	}
	free(ix);
	return 0;
fail:
	free(ix);
	return lyra_error(LYRA_EX_DATAERR, "cannot add a cost to the lots: amount out of range");
}

void lyra_lots_free(struct lyra_lots *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}
