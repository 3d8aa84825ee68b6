/* rebalance.c: trades back to target weights within a band (see rebalance.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "rebalance.h"

#define VSCALE 8   /* quote values: digits kept where a product must round */

static int mulv(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	if (lyra_dec_mul_exact(lyra_dec_normalize(a), lyra_dec_normalize(b), out) != 0 &&
	    lyra_dec_mul(a, b, VSCALE, LYRA_ROUND_HALF_EVEN, out) != 0)
		return -1;
	*out = lyra_dec_normalize(*out);
	return 0;
}

static void say(void (*note)(void *, const char *), void *ctx, const char *asset, const char *why)
{
	char msg[256];
	if (!note)
		return;
	snprintf(msg, sizeof msg, "%s: out of band, but %s", asset, why);
	note(ctx, msg);
}

/* Lots of m's lot size worth at most value at mark: trunc(value / (mark x lot)) x lot. */
static int lots_for(struct lyra_dec value, struct lyra_dec mark, struct lyra_dec lot,
                    struct lyra_dec *qty)
{
	struct lyra_dec per, nlots;
	if (lyra_dec_sign(value) <= 0) {
		*qty = lyra_dec_zero();
		return 0;
	}
	if (mulv(mark, lot, &per) != 0 || lyra_dec_div(value, per, 0, LYRA_ROUND_TRUNC, &nlots) != 0 ||
	    mulv(nlots, lot, qty) != 0)
		return -1;
	return 0;
}

static struct lyra_dec lot_of(const struct lyra_market *m)
{
	struct lyra_dec d = { 1, 8 };   /* no lot known: 8 decimals */
	return lyra_dec_sign(m->lot) > 0 ? lyra_dec_normalize(m->lot) : d;
}

/* 1 when qty at mark meets m's minimums (and is not zero). */
static int meets_min(const struct lyra_market *m, struct lyra_dec qty, struct lyra_dec notional)
{
	return lyra_dec_sign(qty) > 0 && lyra_dec_cmp(qty, m->min_qty) >= 0 &&
	       lyra_dec_cmp(notional, m->min_notional) >= 0;
}

static int fill_order(struct lyra_rebal_order *o, const struct lyra_rebal_asset *x,
                      struct lyra_dec qty)
{
	o->qty = qty;
	o->px = lyra_dec_normalize(x->mark);
	if (mulv(qty, x->mark, &o->notional) != 0 ||
	    lyra_dec_mul(o->notional, x->m->taker_fee, VSCALE, LYRA_ROUND_HALF_EVEN, &o->fee) != 0)
		return -1;
	o->fee = lyra_dec_normalize(o->fee);
	return 0;
}

static int cmp_order(const void *a, const void *b)
{
	const struct lyra_rebal_order *x = a, *y = b;
	int c;
	if (x->side != y->side)
		return x->side < y->side ? -1 : 1;   /* sells (-1) first */
	if ((c = lyra_dec_cmp(x->fee, y->fee)) != 0)
		return c;
	return strcmp(x->asset, y->asset);
}

int lyra_rebalance_plan(const struct lyra_rebal_asset *a, size_t n, struct lyra_dec band,
                        struct lyra_rebal_order *out, size_t *nout,
                        void (*note)(void *ctx, const char *msg), void *ctx)
{
	struct lyra_dec total = lyra_dec_zero(), targets = lyra_dec_zero(), cash = lyra_dec_zero();
	struct lyra_dec limit, one = lyra_dec_from_int(1);
	size_t k = 0, nq = 0;
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		struct lyra_dec v = a[i].held;
		if (lyra_dec_add(targets, a[i].target, &targets) != 0)
			goto range;
		if (!a[i].m) {
			cash = a[i].held;
			nq++;
		} else if (mulv(a[i].held, a[i].mark, &v) != 0) {
			goto range;
		}
		if (lyra_dec_add(total, v, &total) != 0)
			goto range;
		total = lyra_dec_normalize(total);
	}
	if (nq != 1)
		return lyra_error(LYRA_EX_SOFTWARE, "rebalance needs exactly one quote asset");
	if (lyra_dec_cmp(targets, one) > 0)
		return lyra_error(LYRA_EX_DATAERR, "the target weights add up to more than 1");
	if (lyra_dec_sign(total) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "the portfolio is worth nothing at these marks");
	if (lyra_dec_mul(band, total, VSCALE, LYRA_ROUND_HALF_EVEN, &limit) != 0)
		goto range;
	for (size_t i = 0; i < n; i++) {
		const struct lyra_rebal_asset *x = &a[i];
		struct lyra_dec value, want, dev, adev, qty, lot, maxq;
		struct lyra_rebal_order *o = &out[k];
		if (!x->m)
			continue;
		lot = lot_of(x->m);
		if (mulv(x->held, x->mark, &value) != 0 ||
		    lyra_dec_mul(x->target, total, VSCALE, LYRA_ROUND_HALF_EVEN, &want) != 0 ||
		    lyra_dec_sub(want, value, &dev) != 0 || lyra_dec_abs(dev, &adev) != 0)
			goto range;
		if (lyra_dec_cmp(adev, limit) <= 0)
			continue;
		memset(o, 0, sizeof *o);
		snprintf(o->asset, sizeof o->asset, "%s", x->asset);
		o->side = lyra_dec_sign(dev) > 0 ? 1 : -1;
		if (lyra_dec_div(value, total, 6, LYRA_ROUND_HALF_EVEN, &o->weight) != 0 ||
		    lots_for(adev, x->mark, lot, &qty) != 0)
			goto range;
		if (o->side < 0) {
			if (lyra_dec_div(x->held, lot, 0, LYRA_ROUND_TRUNC, &maxq) != 0 ||
			    mulv(maxq, lot, &maxq) != 0)
				goto range;
			if (lyra_dec_cmp(qty, maxq) > 0)
				qty = maxq;
		}
		if (fill_order(o, x, qty) != 0)
			goto range;
		if (!meets_min(x->m, o->qty, o->notional)) {
			say(note, ctx, x->asset,
			    "the trade back to target is below the venue's minimum quantity or notional");
			continue;
		}
		k++;
	}
	qsort(out, k, sizeof *out, cmp_order);
	/* sells fund the buys; a buy spends at most the cash left, its fee included */
	for (size_t i = 0; i < k; i++) {
		struct lyra_dec d;
		if (out[i].side < 0 && (lyra_dec_add(cash, out[i].notional, &d) != 0 ||
		                        lyra_dec_sub(d, out[i].fee, &cash) != 0))
			goto range;
	}
	size_t w = 0;
	for (size_t i = 0; i < k; i++) {
		struct lyra_rebal_order *o = &out[i];
		struct lyra_dec need, rate, q;
		const struct lyra_rebal_asset *x = NULL;
		for (size_t j = 0; j < n && !x; j++)
			if (a[j].m && strcmp(a[j].asset, o->asset) == 0)
				x = &a[j];
		if (o->side > 0) {
			if (lyra_dec_add(o->notional, o->fee, &need) != 0)
				goto range;
			if (lyra_dec_cmp(need, cash) > 0) {
				/* as many lots as the cash buys at mark x (1 + fee) */
				if (lyra_dec_add(one, x->m->taker_fee, &rate) != 0 ||
				    mulv(x->mark, rate, &rate) != 0 ||
				    lots_for(cash, rate, lot_of(x->m), &q) != 0 || fill_order(o, x, q) != 0 ||
				    lyra_dec_add(o->notional, o->fee, &need) != 0)
					goto range;
				if (!meets_min(x->m, o->qty, o->notional)) {
					say(note, ctx, o->asset,
					    "there is not enough cash left for the venue's minimum");
					continue;
				}
			}
			if (lyra_dec_sub(cash, need, &cash) != 0)
				goto range;
		}
		out[w++] = *o;
	}
	*nout = w;
	return 0;
range:
	return lyra_error(LYRA_EX_DATAERR, "cannot plan the rebalance: amount out of range");
}
