/* pnl.c: average-cost positions with realised and unrealised PnL (see pnl.h). */
#include "error.h"
#include "lots.h"
#include "pnl.h"

void lyra_pnl_init(struct lyra_pnl_pos *p)
{
	p->qty = p->cost = p->realized = p->fees = p->mark = lyra_dec_zero();
	p->has_mark = 0;
}

/* a * b exact when it fits in LYRA_PNL_SCALE digits, else rounded half-even to them. */
static int mul(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	int s = a.scale + b.scale;
	if (lyra_dec_mul(a, b, s < LYRA_PNL_SCALE ? s : LYRA_PNL_SCALE, LYRA_ROUND_HALF_EVEN, out))
		return -1;
	*out = lyra_dec_normalize(*out);
	return 0;
}

static int add(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	if (lyra_dec_add(a, b, out) != 0)
		return -1;
	*out = lyra_dec_normalize(*out);
	return 0;
}

static int sub(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	if (lyra_dec_sub(a, b, out) != 0)
		return -1;
	*out = lyra_dec_normalize(*out);
	return 0;
}

int lyra_pnl_fill(struct lyra_pnl_pos *p, int side, struct lyra_dec qty, struct lyra_dec px,
                  struct lyra_dec fee_quote, struct lyra_dec fee_base)
{
	struct lyra_dec notional, dq, absq, absdq, r, part_n, part_f, neg;
	if (lyra_dec_sign(qty) <= 0 || lyra_dec_sign(px) <= 0 || lyra_dec_sign(fee_quote) < 0 ||
	    lyra_dec_sign(fee_base) < 0 || (side != 1 && side != -1))
		return lyra_error(LYRA_EX_DATAERR, "cannot apply a fill: bad side, quantity, price or fee");
	if (mul(qty, px, &notional) != 0)
		goto overflow;
	if (side < 0 && (lyra_dec_neg(notional, &notional) || lyra_dec_neg(qty, &dq)))
		goto overflow;
	if (side > 0)
		dq = qty;
	if (sub(dq, fee_base, &dq) || add(p->fees, fee_quote, &p->fees))
		goto overflow;
	p->mark = px;
	p->has_mark = 1;
	if (lyra_dec_is_zero(dq))
		return add(p->cost, fee_quote, &p->cost) ? lyra_error(LYRA_EX_DATAERR, "overflow") : 0;
	if (lyra_dec_is_zero(p->qty) || lyra_dec_sign(p->qty) == lyra_dec_sign(dq)) {
		if (add(p->qty, dq, &p->qty) || add(p->cost, notional, &p->cost) ||
		    add(p->cost, fee_quote, &p->cost))
			goto overflow;
		return 0;
	}
	lyra_dec_abs(p->qty, &absq);
	lyra_dec_abs(dq, &absdq);
	if (lyra_dec_cmp(absdq, absq) <= 0) {
		/* reduce (or close exactly) */
		if (lyra_lots_apportion(p->cost, absdq, absq, LYRA_PNL_SCALE, &r) != 0)
			return -1;
		r = lyra_dec_normalize(r);
		if (lyra_dec_neg(notional, &neg) || sub(neg, r, &neg) || sub(neg, fee_quote, &neg) ||
		    add(p->realized, neg, &p->realized) || sub(p->cost, r, &p->cost) ||
		    add(p->qty, dq, &p->qty))
			goto overflow;
		if (lyra_dec_is_zero(p->qty))
			p->cost = lyra_dec_zero();
		return 0;
	}
	/* flip: the part of the fill that closes the position, then the rest opens the other way */
	if (lyra_lots_apportion(notional, absq, absdq, LYRA_PNL_SCALE, &part_n) != 0 ||
	    lyra_lots_apportion(fee_quote, absq, absdq, LYRA_PNL_SCALE, &part_f) != 0)
		return -1;
	part_n = lyra_dec_normalize(part_n);
	part_f = lyra_dec_normalize(part_f);
	if (lyra_dec_neg(part_n, &neg) || sub(neg, p->cost, &neg) || sub(neg, part_f, &neg) ||
	    add(p->realized, neg, &p->realized) || add(p->qty, dq, &p->qty) ||
	    sub(notional, part_n, &p->cost) || sub(fee_quote, part_f, &r) || add(p->cost, r, &p->cost))
		goto overflow;
	return 0;
overflow:
	return lyra_error(LYRA_EX_DATAERR, "cannot apply a fill: amount out of range");
}

void lyra_pnl_mark(struct lyra_pnl_pos *p, struct lyra_dec px)
{
	p->mark = px;
	p->has_mark = 1;
}

int lyra_pnl_avg_px(const struct lyra_pnl_pos *p, struct lyra_dec *out)
{
	struct lyra_dec c, q;
	if (lyra_dec_is_zero(p->qty)) {
		*out = lyra_dec_zero();
		return 0;
	}
	lyra_dec_abs(p->cost, &c);
	lyra_dec_abs(p->qty, &q);
	if (lyra_dec_div(c, q, LYRA_PNL_SCALE, LYRA_ROUND_HALF_EVEN, out) != 0)
		return -1;
	*out = lyra_dec_normalize(*out);
	return 0;
}

int lyra_pnl_unrealized(const struct lyra_pnl_pos *p, struct lyra_dec *out)
{
	struct lyra_dec v;
	if (!p->has_mark || lyra_dec_is_zero(p->qty)) {
		*out = lyra_dec_zero();
		return 0;
	}
	if (mul(p->qty, p->mark, &v) != 0 || sub(v, p->cost, out) != 0)
		return lyra_error(LYRA_EX_DATAERR, "cannot compute unrealised pnl: amount out of range");
	return 0;
}
