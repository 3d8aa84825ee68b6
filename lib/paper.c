/* paper.c: the paper venue's matching engine (see paper.h for the fill model). It owns the
 * engine's copy of the books (lib/book.h registry, one per venue x symbol), the open orders
 * (an id hash that also remembers finished ids, so a reused id is refused), per book the
 * resting limit orders and waiting stops grouped in price levels (best first, FIFO within a
 * level), the list of orders in flight (latency) and the GTD orders by expiry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book.h"
#include "error.h"
#include "paper.h"
#include "record.h"

#define TRY(x) do { if ((x) != 0) return -1; } while (0)

enum { BUY = 0, SELL = 1 };
enum okind { K_LIMIT, K_MARKET, K_POST_ONLY, K_STOP, K_STOP_LIMIT };
enum otif { T_GTC, T_IOC, T_FOK, T_GTD };
enum ostate {
	S_NEW,      /* being matched, in no list */
	S_PENDING,  /* in flight (latency) */
	S_UNBOUND,  /* a "paper" order waiting for the first data of its symbol */
	S_STOP,     /* a stop waiting for its trigger */
	S_REST,     /* a resting limit order */
	S_FREE,     /* finished; on the free list */
};

struct porder;

struct olist {
	struct porder *head, *tail;
};

struct olevel {
	struct lyra_dec px;
	struct olist q;          /* orders at px, oldest first */
};

/* Orders grouped by price, best level first: desc = 1 when higher prices come first. */
struct oside {
	struct olevel *lv;
	size_t n, cap;
	int desc;
};

struct pbook {
	struct lyra_book *b;     /* the registry's book (the engine's copy of the venue's) */
	struct oside rest[2];    /* resting: [BUY] highest first, [SELL] lowest first */
	struct oside stop[2];    /* waiting stops by stop_px: [BUY] lowest first, [SELL] highest */
	struct lyra_dec maker, taker;
	int has_fees;            /* a `market` record gave maker/taker */
	uint64_t upd;            /* engine-wide update counter at its last book change; 0 never */
};

struct porder {
	const char *id;          /* in the engine's id arena (borrowed from the JSON while parsing) */
	uint64_t h;              /* hash of id */
	char venue[32];          /* the order's venue field */
	char symbol[64];
	char quote[32];          /* fee currency */
	struct pbook *pb;        /* the book it matches against; NULL while unbound */
	int side;                /* BUY or SELL */
	enum okind kind;
	enum otif tif;
	enum ostate state;
	int done;                /* finished inside a pass over a level array; released after it */
	int in_gtd;
	int triggered;           /* a stop_limit whose stop fired: now a limit order */
	int queue_unknown;       /* no book seen at px yet: the first sight sets queue */
	int has_px;
	struct lyra_dec px, stop_px, qty, filled, notional, queue;
	int px_scale;            /* largest scale of the fill prices (for avg_px) */
	int64_t ts, active_ts, expire_ts;
	uint64_t voi;            /* venue order id number; 0 before the ack */
	uint64_t nfills;
	struct porder *prev, *next;   /* in a level, the pending or the unbound list */
	struct porder *gprev, *gnext; /* in the GTD list (expire_ts, then arrival) */
};

struct idslot {
	uint64_t h;
	const char *id;          /* NULL: empty slot */
	struct porder *o;        /* NULL once the order is finished */
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct lyra_paper {
	struct lyra_paper_opts opts;
	int catching_up;         /* lyra_paper_catch_up: books and fees only, no matching */
	char book_venue[32];
	lyra_paper_emit_fn emit;
	void *ctx;
	struct lyra_books *books;
	struct pbook **pbs;
	size_t npb, cappb;
	struct idslot *ids;
	size_t nids, capids;
	struct chunk *arena;
	struct porder *freelist;
	struct olist pending;    /* by active_ts, then arrival */
	struct olist unbound;
	size_t nunbound;
	struct porder *gtd_head, *gtd_tail;
	struct porder **done, **trig;
	size_t ndone, capdone, ntrig, captrig;
	uint64_t voi, upd;
	int open;
};

static const struct lyra_dec ZERO = { 0, 0 };

/* ---- small helpers ---- */

static int dsign(struct lyra_dec a)
{
	return lyra_dec_sign(a);
}

static struct lyra_dec dmin(struct lyra_dec a, struct lyra_dec b)
{
	return lyra_dec_cmp(a, b) <= 0 ? a : b;
}

/* a + b, retried on the normalised operands when the common scale overflows. */
static int dadd(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	if (lyra_dec_add(a, b, out) == 0)
		return 0;
	return lyra_dec_add(lyra_dec_normalize(a), lyra_dec_normalize(b), out);
}

static int dsub(struct lyra_dec a, struct lyra_dec b, struct lyra_dec *out)
{
	if (lyra_dec_sub(a, b, out) == 0)
		return 0;
	return lyra_dec_sub(lyra_dec_normalize(a), lyra_dec_normalize(b), out);
}

static int remaining(const struct porder *o, struct lyra_dec *out)
{
	return dsub(o->qty, o->filled, out);
}

/* A decimal from a JSON string or integer (levels of a delta, already validated by book.c). */
static int json_dec(const json_t *v, struct lyra_dec *out)
{
	if (json_is_string(v))
		return lyra_dec_parse(json_string_value(v), json_string_length(v), out);
	if (json_is_integer(v)) {
		*out = lyra_dec_from_int(json_integer_value(v));
		return 0;
	}
	return lyra_error(LYRA_EX_DATAERR, "not a decimal");
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* 1 when a level at lvpx is within the limit of an order on `side` taking from the other
 * side (a buy takes asks at or below its limit, a sell bids at or above). */
static int within(int side, struct lyra_dec lvpx, struct lyra_dec limit)
{
	int c = lyra_dec_cmp(lvpx, limit);
	return side == BUY ? c <= 0 : c >= 0;
}

static struct lyra_book_side *own_side(struct lyra_book *b, int side)
{
	return side == BUY ? &b->bids : &b->asks;
}

static struct lyra_book_side *opp_side(struct lyra_book *b, int side)
{
	return side == BUY ? &b->asks : &b->bids;
}

/* Quantity of the book level at px (0 when absent). */
static struct lyra_dec level_qty(const struct lyra_book_side *s, int is_bid, struct lyra_dec px)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = lyra_dec_cmp(s->lv[mid].px, px);
		if (c == 0)
			return s->lv[mid].qty;
		if (is_bid ? c > 0 : c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ZERO;
}

/* Take q (<= its quantity) from the best level of s, removing the level when it empties. */
static int take_front(struct lyra_book_side *s, struct lyra_dec q)
{
	struct lyra_dec left;
	TRY(dsub(s->lv[0].qty, q, &left));
	if (dsign(left) > 0) {
		s->lv[0].qty = left;
		return 0;
	}
	memmove(s->lv, s->lv + 1, (s->n - 1) * sizeof *s->lv);
	s->n--;
	return 0;
}

/* ---- lists ---- */

static void list_append(struct olist *l, struct porder *o)
{
	o->next = NULL;
	o->prev = l->tail;
	if (l->tail)
		l->tail->next = o;
	else
		l->head = o;
	l->tail = o;
}

static void list_insert_after(struct olist *l, struct porder *at, struct porder *o)
{
	if (!at) {
		o->prev = NULL;
		o->next = l->head;
		if (l->head)
			l->head->prev = o;
		else
			l->tail = o;
		l->head = o;
		return;
	}
	o->prev = at;
	o->next = at->next;
	if (at->next)
		at->next->prev = o;
	else
		l->tail = o;
	at->next = o;
}

static void list_unlink(struct olist *l, struct porder *o)
{
	if (o->prev)
		o->prev->next = o->next;
	else
		l->head = o->next;
	if (o->next)
		o->next->prev = o->prev;
	else
		l->tail = o->prev;
	o->prev = o->next = NULL;
}

static void gtd_add(struct lyra_paper *p, struct porder *o)
{
	struct porder *at = p->gtd_tail;
	if (o->in_gtd || o->tif != T_GTD)
		return;
	while (at && at->expire_ts > o->expire_ts)
		at = at->gprev;
	o->gprev = at;
	o->gnext = at ? at->gnext : p->gtd_head;
	if (o->gnext)
		o->gnext->gprev = o;
	else
		p->gtd_tail = o;
	if (at)
		at->gnext = o;
	else
		p->gtd_head = o;
	o->in_gtd = 1;
}

static void gtd_unlink(struct lyra_paper *p, struct porder *o)
{
	if (!o->in_gtd)
		return;
	if (o->gprev)
		o->gprev->gnext = o->gnext;
	else
		p->gtd_head = o->gnext;
	if (o->gnext)
		o->gnext->gprev = o->gprev;
	else
		p->gtd_tail = o->gprev;
	o->gprev = o->gnext = NULL;
	o->in_gtd = 0;
}

/* ---- price levels of orders ---- */

static size_t oside_find(const struct oside *s, struct lyra_dec px, int *found)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = lyra_dec_cmp(s->lv[mid].px, px);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (s->desc ? c > 0 : c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

static int oside_add(struct oside *s, struct lyra_dec px, struct porder *o)
{
	int found;
	size_t i = oside_find(s, px, &found);
	if (!found) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 8;
			struct olevel *lv = realloc(s->lv, cap * sizeof *lv);
			if (!lv)
				return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			s->lv = lv;
			s->cap = cap;
		}
		memmove(s->lv + i + 1, s->lv + i, (s->n - i) * sizeof *s->lv);
		s->lv[i].px = px;
		s->lv[i].q.head = s->lv[i].q.tail = NULL;
		s->n++;
	}
	list_append(&s->lv[i].q, o);
	return 0;
}

static void oside_remove(struct oside *s, struct lyra_dec px, struct porder *o)
{
	int found;
	size_t i = oside_find(s, px, &found);
	if (!found)
		return;
	list_unlink(&s->lv[i].q, o);
	if (!s->lv[i].q.head) {
		memmove(s->lv + i, s->lv + i + 1, (s->n - i - 1) * sizeof *s->lv);
		s->n--;
	}
}

/* ---- ids, orders, books ---- */

static const char *arena_copy(struct lyra_paper *p, const char *s)
{
	size_t len = strlen(s);
	struct chunk *c = p->arena;
	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > 65000 ? len + 1 : 65000;
		c = malloc(sizeof *c + cap);
		if (!c) {
			lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			return NULL;
		}
		c->next = p->arena;
		c->used = 0;
		c->cap = cap;
		p->arena = c;
	}
	char *d = c->data + c->used;
	memcpy(d, s, len + 1);
	c->used += len + 1;
	return d;
}

static struct idslot *id_find(struct lyra_paper *p, const char *id, uint64_t h)
{
	if (!p->capids)
		return NULL;
	for (size_t i = h & (p->capids - 1);; i = (i + 1) & (p->capids - 1)) {
		struct idslot *s = &p->ids[i];
		if (!s->id)
			return NULL;
		if (s->h == h && strcmp(s->id, id) == 0)
			return s;
	}
}

/* Remember o under its id (copied into the arena). 0 or -1. */
static int id_insert(struct lyra_paper *p, struct porder *o)
{
	if ((p->nids + 1) * 2 > p->capids) {
		size_t cap = p->capids ? p->capids * 2 : 1024;
		struct idslot *v = calloc(cap, sizeof *v);
		if (!v)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		for (size_t k = 0; k < p->capids; k++) {
			if (!p->ids[k].id)
				continue;
			size_t i = p->ids[k].h & (cap - 1);
			while (v[i].id)
				i = (i + 1) & (cap - 1);
			v[i] = p->ids[k];
		}
		free(p->ids);
		p->ids = v;
		p->capids = cap;
	}
	const char *id = arena_copy(p, o->id);
	if (!id)
		return -1;
	size_t i = o->h & (p->capids - 1);
	while (p->ids[i].id)
		i = (i + 1) & (p->capids - 1);
	p->ids[i].h = o->h;
	p->ids[i].id = id;
	p->ids[i].o = o;
	p->nids++;
	o->id = id;
	return 0;
}

static struct porder *order_alloc(struct lyra_paper *p)
{
	struct porder *o = p->freelist;
	if (o)
		p->freelist = o->next;
	else if (!(o = malloc(sizeof *o)))
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return o;
}

/* Take a finished order out of every structure, forget it under its id (the id stays
 * known), and put it on the free list. */
static void release(struct lyra_paper *p, struct porder *o)
{
	switch (o->state) {
	case S_PENDING:
		list_unlink(&p->pending, o);
		break;
	case S_UNBOUND:
		list_unlink(&p->unbound, o);
		p->nunbound--;
		break;
	case S_STOP:
		oside_remove(&o->pb->stop[o->side], o->stop_px, o);
		break;
	case S_REST:
		oside_remove(&o->pb->rest[o->side], o->px, o);
		break;
	default:
		break;
	}
	gtd_unlink(p, o);
	struct idslot *s = id_find(p, o->id, o->h);
	if (s)
		s->o = NULL;
	p->open--;
	o->state = S_FREE;
	o->next = p->freelist;
	p->freelist = o;
}

static int push(struct porder ***v, size_t *n, size_t *cap, struct porder *o)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct porder **nv = realloc(*v, c * sizeof *nv);
		if (!nv)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = o;
	return 0;
}

/* Release the orders that finished during a pass. */
static void sweep(struct lyra_paper *p)
{
	for (size_t i = 0; i < p->ndone; i++)
		release(p, p->done[i]);
	p->ndone = 0;
}

static struct pbook *pbook_of(struct lyra_paper *p, struct lyra_book *b)
{
	if (b->user)
		return p->pbs[b->user - 1];
	if (p->npb == p->cappb) {
		size_t cap = p->cappb ? p->cappb * 2 : 16;
		struct pbook **v = realloc(p->pbs, cap * sizeof *v);
		if (!v) {
			lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			return NULL;
		}
		p->pbs = v;
		p->cappb = cap;
	}
	struct pbook *pb = calloc(1, sizeof *pb);
	if (!pb) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	pb->b = b;
	pb->rest[BUY].desc = 1;
	pb->stop[SELL].desc = 1;
	p->pbs[p->npb++] = pb;
	b->user = (int)p->npb;
	return pb;
}

static struct pbook *pbook_get(struct lyra_paper *p, const char *venue, const char *symbol)
{
	struct lyra_book *b = lyra_books_get(p->books, venue, symbol, 1);
	return b ? pbook_of(p, b) : NULL;
}

/* The book an order matches against: --book-venue, else its venue, else (venue "paper") the
 * most recently updated valid book of its symbol; NULL (unbound) when there is none yet. */
static int bind(struct lyra_paper *p, struct porder *o)
{
	if (o->pb)
		return 0;
	const char *venue = p->opts.book_venue ? p->book_venue : o->venue;
	if (p->opts.book_venue || strcmp(o->venue, "paper") != 0) {
		o->pb = pbook_get(p, venue, o->symbol);
		return o->pb ? 0 : -1;
	}
	size_t n;
	struct lyra_book *const *v = lyra_books_symbol(p->books, o->symbol, &n);
	struct pbook *best = NULL;
	for (size_t i = 0; i < n; i++) {
		struct pbook *pb = v[i]->user ? p->pbs[v[i]->user - 1] : NULL;
		if (pb && v[i]->valid && pb->upd && (!best || pb->upd > best->upd))
			best = pb;
	}
	o->pb = best;
	return 0;
}

/* ---- emitting ---- */

static json_t *rec_base(const char *type, int64_t ts, const struct porder *o)
{
	json_t *r = lyra_record_new(type, ts);
	if (!r)
		return NULL;
	json_object_set_new(r, "id", json_string(o->id));
	json_object_set_new(r, "venue", json_string("paper"));
	if (o->pb)
		json_object_set_new(r, "book_venue", json_string(o->pb->b->venue));
	json_object_set_new(r, "symbol", json_string(o->symbol));
	return r;
}

static int set_voi(json_t *r, const struct porder *o)
{
	char buf[32];
	snprintf(buf, sizeof buf, "P-%llu", (unsigned long long)o->voi);
	return json_object_set_new(r, "venue_order_id", json_string(buf));
}

static int send_rec(struct lyra_paper *p, json_t *r)
{
	if (!r)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	if (p->emit(p->ctx, r) != 0) {
		if (lyra_error_msg()[0] == '\0')
			lyra_error(LYRA_EX_SOFTWARE, "paper: output stopped");
		return -1;
	}
	return 0;
}

/* avg_px = notional / filled, HALF_EVEN at the fill prices' largest scale + 4 (at most 18). */
static int avg_px(const struct porder *o, struct lyra_dec *out)
{
	int sc = o->px_scale + 4 > LYRA_DEC_MAX_SCALE ? LYRA_DEC_MAX_SCALE : o->px_scale + 4;
	for (; sc >= 0; sc--)
		if (lyra_dec_div(o->notional, o->filled, sc, LYRA_ROUND_HALF_EVEN, out) == 0)
			return 0;
	return -1;
}

enum { EV_PLAIN = 0, EV_AMENDED = 1 };

static int emit_event(struct lyra_paper *p, const struct porder *o, int64_t ts, const char *status,
                      const char *reason, int flags)
{
	struct lyra_dec rem, avg;
	json_t *r = rec_base("order_event", ts, o);
	if (!r)
		return send_rec(p, NULL);
	json_object_set_new(r, "status", json_string(status));
	if (o->voi)
		set_voi(r, o);
	if (remaining(o, &rem) != 0) {
		json_decref(r);
		return -1;
	}
	lyra_json_set_dec(r, "filled_qty", o->filled);
	lyra_json_set_dec(r, "remaining_qty", rem);
	if (dsign(o->filled) > 0) {
		if (avg_px(o, &avg) != 0) {
			json_decref(r);
			return -1;
		}
		lyra_json_set_dec(r, "avg_px", avg);
	}
	if (reason)
		json_object_set_new(r, "reason", json_string(reason));
	if (flags & EV_AMENDED) {
		if (o->has_px)
			lyra_json_set_dec(r, "px", o->px);
		lyra_json_set_dec(r, "qty", o->qty);
		json_object_set_new(r, "amended", json_true());
	}
	return send_rec(p, r);
}

/* One execution of q at px: accounting, fee, and the `fill` record. */
static int fill(struct lyra_paper *p, struct porder *o, int64_t ts, struct lyra_dec px,
                struct lyra_dec q, int maker)
{
	struct lyra_dec prod, fee, rate;
	const struct pbook *pb = o->pb;
	if (pb->has_fees)
		rate = maker ? pb->maker : pb->taker;
	else
		rate = maker ? p->opts.maker_fee : p->opts.taker_fee;
	if (lyra_book_mul_fit(px, q, LYRA_ROUND_HALF_EVEN, &prod) != 0)
		return -1;
	int sc = prod.scale + rate.scale > 12 ? 12 : prod.scale + rate.scale;
	if (lyra_dec_mul(prod, rate, sc, LYRA_ROUND_HALF_EVEN, &fee) != 0 ||
	    dadd(o->filled, q, &o->filled) != 0 || dadd(o->notional, prod, &o->notional) != 0)
		return lyra_error(LYRA_EX_DATAERR, "order '%s': fill arithmetic overflows", o->id);
	fee = lyra_dec_normalize(fee);
	if (px.scale > o->px_scale)
		o->px_scale = px.scale;
	o->nfills++;

	char tid[64];
	json_t *r = rec_base("fill", ts, o);
	if (!r)
		return send_rec(p, NULL);
	json_object_set_new(r, "side", json_string(o->side == BUY ? "buy" : "sell"));
	lyra_json_set_dec(r, "px", px);
	lyra_json_set_dec(r, "qty", q);
	lyra_json_set_dec(r, "fee", fee);
	json_object_set_new(r, "fee_ccy", json_string(o->quote));
	json_object_set_new(r, "liquidity", json_string(maker ? "maker" : "taker"));
	int n = snprintf(tid, sizeof tid, "paper-%s-%llu", o->id, (unsigned long long)o->nfills);
	if (n >= (int)sizeof tid) {
		char *t = malloc((size_t)n + 1);
		if (t)
			snprintf(t, (size_t)n + 1, "paper-%s-%llu", o->id, (unsigned long long)o->nfills);
		json_object_set_new(r, "trade_id", json_string(t ? t : ""));
		free(t);
	} else {
		json_object_set_new(r, "trade_id", json_string(tid));
	}
	set_voi(r, o);
	return send_rec(p, r);
}

/* After the fills of one event: partially_filled or filled. A filled order is released now,
 * or marked done for sweep() when a pass over level arrays is under way (defer). Returns 1
 * when the order is finished, 0 when open, -1 on error. */
static int after_fills(struct lyra_paper *p, struct porder *o, int64_t ts, int defer)
{
	struct lyra_dec rem;
	TRY(remaining(o, &rem));
	int full = dsign(rem) <= 0;
	TRY(emit_event(p, o, ts, full ? "filled" : "partially_filled", NULL, 0));
	if (!full)
		return 0;
	if (defer) {
		o->done = 1;
		TRY(push(&p->done, &p->ndone, &p->capdone, o));
	} else {
		release(p, o);
	}
	return 1;
}

/* Finish an order with a reason: `rejected` before its ack, `cancelled` after. */
static int refuse(struct lyra_paper *p, struct porder *o, int64_t ts, const char *reason)
{
	int rc = emit_event(p, o, ts, o->voi ? "cancelled" : "rejected", reason, 0);
	release(p, o);
	return rc;
}

static int ack(struct lyra_paper *p, struct porder *o, int64_t ts)
{
	if (o->voi)
		return 0;
	o->voi = ++p->voi;
	return emit_event(p, o, ts, "acked", NULL, 0);
}

/* ---- matching ---- */

static void resolve_queue(struct porder *o, struct lyra_dec visible)
{
	if (o->queue_unknown) {
		o->queue = visible;
		o->queue_unknown = 0;
	} else if (lyra_dec_cmp(visible, o->queue) < 0) {
		o->queue = visible;
	}
}

/* Put an open order where it waits: unbound, among the stops, or resting (queue_ahead = the
 * visible quantity at its price on its side; unknown until the book is seen). */
static int place(struct lyra_paper *p, struct porder *o)
{
	if (!o->pb) {
		o->state = S_UNBOUND;
		list_append(&p->unbound, o);
		p->nunbound++;
	} else if ((o->kind == K_STOP || o->kind == K_STOP_LIMIT) && !o->triggered) {
		TRY(oside_add(&o->pb->stop[o->side], o->stop_px, o));
		o->state = S_STOP;
	} else {
		struct lyra_book *b = o->pb->b;
		o->queue = ZERO;
		o->queue_unknown = 1;
		if (b->valid)
			resolve_queue(o, level_qty(own_side(b, o->side), o->side == BUY, o->px));
		TRY(oside_add(&o->pb->rest[o->side], o->px, o));
		o->state = S_REST;
	}
	gtd_add(p, o);
	return 0;
}

/* Walk the opposite side best first up to the limit (none for a market order), one taker
 * fill per level, removing what was taken from the engine's book. 1 when the order is
 * filled (and released), 0 when not, -1 on error. */
static int take(struct lyra_paper *p, struct porder *o, int64_t ts, int market)
{
	struct lyra_book_side *s = opp_side(o->pb->b, o->side);
	struct lyra_dec rem;
	int n = 0;
	TRY(remaining(o, &rem));
	while (dsign(rem) > 0 && s->n) {
		struct lyra_dec px = s->lv[0].px;
		if (!market && !within(o->side, px, o->px))
			break;
		struct lyra_dec q = dmin(rem, s->lv[0].qty);
		TRY(take_front(s, q));
		TRY(fill(p, o, ts, px, q, 0));
		TRY(dsub(rem, q, &rem));
		n++;
	}
	return n ? after_fills(p, o, ts, 0) : 0;
}

/* Quantity of the opposite side within the order's limit, counted until it reaches want. */
static int available(const struct porder *o, int market, struct lyra_dec want, int *enough)
{
	const struct lyra_book_side *s = opp_side(o->pb->b, o->side);
	struct lyra_dec got = ZERO;
	for (size_t i = 0; i < s->n && lyra_dec_cmp(got, want) < 0; i++) {
		if (!market && !within(o->side, s->lv[i].px, o->px))
			break;
		TRY(dadd(got, s->lv[i].qty, &got));
	}
	*enough = lyra_dec_cmp(got, want) >= 0;
	return 0;
}

/* An order (new, arrived after latency, a triggered stop, or re-priced) meets the book at ts. */
static int execute(struct lyra_paper *p, struct porder *o, int64_t ts)
{
	int market = o->kind == K_MARKET || o->kind == K_STOP;
	struct lyra_book *b = o->pb && o->pb->b->valid ? o->pb->b : NULL;
	struct lyra_dec rem;
	char why[160];
	TRY(remaining(o, &rem));
	if (market && !b) {
		snprintf(why, sizeof why, "no book for %s %s", o->pb ? o->pb->b->venue :
		         p->opts.book_venue ? p->book_venue : o->venue, o->symbol);
		return refuse(p, o, ts, why);
	}
	if (market && !opp_side(b, o->side)->n)
		return refuse(p, o, ts, "no liquidity");
	if (o->kind == K_POST_ONLY && b && opp_side(b, o->side)->n &&
	    within(o->side, opp_side(b, o->side)->lv[0].px, o->px))
		return refuse(p, o, ts, "post-only order would take liquidity");
	if (o->tif == T_FOK) {
		int enough = 0;
		if (b)
			TRY(available(o, market, rem, &enough));
		if (!enough)
			return refuse(p, o, ts, "FOK cannot fill in full");
	}
	TRY(ack(p, o, ts));
	if (b && o->kind != K_POST_ONLY) {
		int r = take(p, o, ts, market);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	if (market)
		return refuse(p, o, ts, "no more liquidity");
	if (o->tif == T_IOC || o->tif == T_FOK)
		return refuse(p, o, ts, "IOC remainder");
	return place(p, o);
}

/* A new or arrived order: refuse an expired GTD, bind it to a book, then stops wait and the
 * others execute. */
static int arrive(struct lyra_paper *p, struct porder *o, int64_t ts)
{
	o->state = S_NEW;
	if (o->tif == T_GTD && o->expire_ts <= ts)
		return refuse(p, o, ts, "GTD order already expired");
	if (bind(p, o) != 0) {
		release(p, o);
		return -1;
	}
	if ((o->kind == K_STOP || o->kind == K_STOP_LIMIT) && !o->triggered) {
		TRY(ack(p, o, ts));
		return place(p, o);
	}
	return execute(p, o, ts);
}

/* Resting orders against a book that now shows the opposite side at or through their price:
 * each fills at its own price (maker) against those levels, taking from the engine's book. */
static int cross(struct lyra_paper *p, struct pbook *pb, int64_t ts)
{
	for (int side = BUY; side <= SELL; side++) {
		struct oside *rs = &pb->rest[side];
		struct lyra_book_side *opp = opp_side(pb->b, side);
		for (size_t i = 0; i < rs->n; i++) {
			struct olevel *L = &rs->lv[i];
			if (!opp->n || !within(side, opp->lv[0].px, L->px))
				break;
			for (struct porder *o = L->q.head; o; o = o->next) {
				struct lyra_dec rem, got = ZERO;
				TRY(remaining(o, &rem));
				while (lyra_dec_cmp(got, rem) < 0 && opp->n &&
				       within(side, opp->lv[0].px, L->px)) {
					struct lyra_dec need, q;
					TRY(dsub(rem, got, &need));
					q = dmin(need, opp->lv[0].qty);
					TRY(take_front(opp, q));
					TRY(dadd(got, q, &got));
				}
				if (dsign(got) > 0) {
					o->queue = ZERO;
					o->queue_unknown = 0;
					TRY(fill(p, o, ts, o->px, got, 1));
					if (after_fills(p, o, ts, 1) < 0)
						return -1;
				}
				if (!opp->n || !within(side, opp->lv[0].px, L->px))
					break;
			}
		}
	}
	sweep(p);
	return 0;
}

/* A public trade: resting orders on the side it hit. Through their price they fill at their
 * price; at their price the trade first uses up the queue ahead. Each unit of the trade's
 * quantity is used once (for one order's queue or one order's fill). */
static int trade_fills(struct lyra_paper *p, struct pbook *pb, int64_t ts, int taker,
                       struct lyra_dec px, struct lyra_dec qty)
{
	int side = taker == SELL ? BUY : SELL;
	struct oside *rs = &pb->rest[side];
	struct lyra_dec left = qty;
	for (size_t i = 0; i < rs->n; i++) {
		struct olevel *L = &rs->lv[i];
		int c = lyra_dec_cmp(L->px, px);
		int through = side == BUY ? c > 0 : c < 0;
		if (!through && c != 0)
			break;
		for (struct porder *o = L->q.head; o; o = o->next) {
			if (through) {
				o->queue = ZERO;
				o->queue_unknown = 0;
			} else {
				if (dsign(left) <= 0)
					break;
				if (o->queue_unknown)
					continue;
				struct lyra_dec use = dmin(o->queue, left);
				TRY(dsub(o->queue, use, &o->queue));
				TRY(dsub(left, use, &left));
			}
			if (dsign(left) <= 0)
				continue;
			struct lyra_dec rem, q;
			TRY(remaining(o, &rem));
			q = dmin(rem, left);
			if (dsign(q) <= 0)
				continue;
			TRY(dsub(left, q, &left));
			TRY(fill(p, o, ts, o->px, q, 1));
			if (after_fills(p, o, ts, 1) < 0)
				return -1;
		}
	}
	sweep(p);
	return 0;
}

/* Stops whose trigger the trade at px reached (buy: px >= stop_px; sell: px <= stop_px) turn
 * into market (stop) or limit (stop_limit) orders and execute against the book, buys first,
 * each side in stop price order then arrival. */
static int trigger_stops(struct lyra_paper *p, struct pbook *pb, int64_t ts, struct lyra_dec px)
{
	p->ntrig = 0;
	for (int side = BUY; side <= SELL; side++) {
		struct oside *ss = &pb->stop[side];
		size_t k = 0;
		while (k < ss->n) {
			int c = lyra_dec_cmp(px, ss->lv[k].px);
			if (side == BUY ? c < 0 : c > 0)
				break;
			for (struct porder *o = ss->lv[k].q.head; o; o = o->next)
				TRY(push(&p->trig, &p->ntrig, &p->captrig, o));
			k++;
		}
		if (k) {
			memmove(ss->lv, ss->lv + k, (ss->n - k) * sizeof *ss->lv);
			ss->n -= k;
		}
	}
	for (size_t i = 0; i < p->ntrig; i++) {
		struct porder *o = p->trig[i];
		o->state = S_NEW;
		o->prev = o->next = NULL;
		o->triggered = 1;
		TRY(execute(p, o, ts));
	}
	p->ntrig = 0;
	return 0;
}

/* Clamp queue_ahead of the resting orders at px on one side to the book's quantity there. */
static void clamp_level(struct pbook *pb, int side, struct lyra_dec px, struct lyra_dec visible)
{
	int found;
	struct oside *rs = &pb->rest[side];
	size_t i = oside_find(rs, px, &found);
	if (!found)
		return;
	for (struct porder *o = rs->lv[i].q.head; o; o = o->next)
		resolve_queue(o, visible);
}

/* After a snapshot or a top: every resting level the book's range covers (at or better than
 * its worst level, or everything when the side is empty) gets the book's quantity. */
static void clamp_all(struct pbook *pb)
{
	for (int side = BUY; side <= SELL; side++) {
		const struct lyra_book_side *bs = own_side(pb->b, side);
		struct oside *rs = &pb->rest[side];
		for (size_t i = 0; i < rs->n; i++) {
			struct lyra_dec px = rs->lv[i].px;
			if (bs->n && !within(side == BUY ? SELL : BUY, px, bs->lv[bs->n - 1].px))
				break;
			struct lyra_dec v = level_qty(bs, side == BUY, px);
			for (struct porder *o = rs->lv[i].q.head; o; o = o->next)
				resolve_queue(o, v);
		}
	}
}

static int clamp_delta(struct pbook *pb, const json_t *levels, int side)
{
	size_t i;
	const json_t *lv;
	if (!json_is_array(levels))
		return 0;
	json_array_foreach(levels, i, lv) {
		struct lyra_dec px, qty;
		TRY(json_dec(json_array_get(lv, 0), &px));
		TRY(json_dec(json_array_get(lv, 1), &qty));
		clamp_level(pb, side, px, qty);
	}
	return 0;
}

/* Unbound "paper" orders of the symbol join the book that just sent data. */
static int bind_unbound(struct lyra_paper *p, struct pbook *pb)
{
	struct porder *o = p->unbound.head, *next;
	for (; o && p->nunbound; o = next) {
		next = o->next;
		if (strcmp(o->symbol, pb->b->symbol) != 0)
			continue;
		list_unlink(&p->unbound, o);
		p->nunbound--;
		o->pb = pb;
		TRY(place(p, o));
	}
	return 0;
}

static int expire(struct lyra_paper *p, int64_t ts)
{
	while (p->gtd_head && p->gtd_head->expire_ts <= ts) {
		struct porder *o = p->gtd_head;
		int rc = emit_event(p, o, ts, "expired", "GTD expire_ts reached", 0);
		release(p, o);
		TRY(rc);
	}
	return 0;
}

static int activate(struct lyra_paper *p, int64_t ts)
{
	while (p->pending.head && p->pending.head->active_ts <= ts) {
		struct porder *o = p->pending.head;
		list_unlink(&p->pending, o);
		TRY(arrive(p, o, ts));
	}
	return 0;
}

/* ---- public ---- */

struct lyra_paper *lyra_paper_new(const struct lyra_paper_opts *opts, lyra_paper_emit_fn emit,
                                  void *ctx)
{
	struct lyra_paper *p = calloc(1, sizeof *p);
	if (!p) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	if (opts)
		p->opts = *opts;
	if (p->opts.book_venue) {
		if (strlen(p->opts.book_venue) >= sizeof p->book_venue) {
			free(p);
			lyra_error(LYRA_EX_USAGE, "book venue '%s' is too long", opts->book_venue);
			return NULL;
		}
		strcpy(p->book_venue, p->opts.book_venue);
		p->opts.book_venue = p->book_venue;
	}
	p->emit = emit;
	p->ctx = ctx;
	if (!(p->books = lyra_books_new())) {
		free(p);
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	return p;
}

void lyra_paper_free(struct lyra_paper *p)
{
	if (!p)
		return;
	/* every open order sits in exactly one level, list or the id table */
	for (size_t i = 0; i < p->capids; i++)
		if (p->ids[i].o)
			free(p->ids[i].o);
	for (struct porder *o = p->freelist, *n; o; o = n) {
		n = o->next;
		free(o);
	}
	for (size_t i = 0; i < p->npb; i++) {
		for (int s = 0; s < 2; s++) {
			free(p->pbs[i]->rest[s].lv);
			free(p->pbs[i]->stop[s].lv);
		}
		free(p->pbs[i]);
	}
	for (struct chunk *c = p->arena, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	free(p->pbs);
	free(p->ids);
	free(p->done);
	free(p->trig);
	lyra_books_free(p->books);
	free(p);
}

int lyra_paper_open_count(const struct lyra_paper *p)
{
	return p->open;
}

/* Parse an order record into o (id borrowed from the JSON). 0 or -1 (LYRA_EX_DATAERR). */
static int parse_order(const json_t *j, struct porder *o)
{
	const char *s;
	memset(o, 0, sizeof *o);
	TRY(lyra_json_get_ts(j, "ts", &o->ts));
	if (!(o->id = lyra_json_get_str(j, "id")))
		return -1;
	if (!o->id[0] || strlen(o->id) > 200)
		return lyra_error(LYRA_EX_DATAERR, "field 'id' must hold 1 to 200 bytes");
	o->h = hash_str(o->id);
	if (!(s = lyra_json_get_str(j, "venue")))
		return -1;
	if (!s[0] || strlen(s) >= sizeof o->venue)
		return lyra_error(LYRA_EX_DATAERR, "field 'venue' is empty or too long");
	strcpy(o->venue, s);
	if (!(s = lyra_json_get_str(j, "symbol")))
		return -1;
	if (strlen(s) >= sizeof o->symbol)
		return lyra_error(LYRA_EX_DATAERR, "field 'symbol' is too long");
	strcpy(o->symbol, s);
	const char *sl = strchr(s, '/'), *co = sl ? strchr(sl, ':') : NULL;
	size_t ql = sl ? (co ? (size_t)(co - sl - 1) : strlen(sl + 1)) : 0;
	if (!sl || sl == s || !ql || ql >= sizeof o->quote)
		return lyra_error(LYRA_EX_DATAERR, "field 'symbol': '%s' is not BASE/QUOTE[:SETTLE]", s);
	memcpy(o->quote, sl + 1, ql);
	o->quote[ql] = '\0';
	if (!(s = lyra_json_get_str(j, "side")))
		return -1;
	if (strcmp(s, "buy") == 0)
		o->side = BUY;
	else if (strcmp(s, "sell") == 0)
		o->side = SELL;
	else
		return lyra_error(LYRA_EX_DATAERR, "field 'side' must be buy or sell, not '%s'", s);
	if (!(s = lyra_json_get_str(j, "kind")))
		return -1;
	static const char *const kinds[] = { "limit", "market", "post_only", "stop", "stop_limit" };
	size_t k = 0;
	while (k < 5 && strcmp(s, kinds[k]) != 0)
		k++;
	if (k == 5)
		return lyra_error(LYRA_EX_DATAERR, "field 'kind': unknown order kind '%s'", s);
	o->kind = (enum okind)k;
	TRY(lyra_json_get_dec(j, "qty", &o->qty));
	if (dsign(o->qty) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "field 'qty' must be positive");
	int need_px = o->kind == K_LIMIT || o->kind == K_POST_ONLY || o->kind == K_STOP_LIMIT;
	int r = lyra_json_opt_dec(j, "px", &o->px);
	if (r < 0)
		return -1;
	if (need_px && r == 1)
		return lyra_error(LYRA_EX_DATAERR, "missing field 'px'");
	o->has_px = need_px;
	if (need_px && dsign(o->px) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "field 'px' must be positive");
	if (o->kind == K_STOP || o->kind == K_STOP_LIMIT) {
		TRY(lyra_json_get_dec(j, "stop_px", &o->stop_px));
		if (dsign(o->stop_px) <= 0)
			return lyra_error(LYRA_EX_DATAERR, "field 'stop_px' must be positive");
	}
	const json_t *tif = json_object_get(j, "tif");
	o->tif = T_GTC;
	if (tif) {
		static const char *const tifs[] = { "GTC", "IOC", "FOK", "GTD" };
		s = json_string_value(tif);
		for (k = 0; s && k < 4 && strcmp(s, tifs[k]) != 0; k++)
			;
		if (!s || k == 4)
			return lyra_error(LYRA_EX_DATAERR, "field 'tif' must be GTC, IOC, FOK or GTD");
		o->tif = (enum otif)k;
	}
	if (o->tif == T_GTD)
		TRY(lyra_json_get_ts(j, "expire_ts", &o->expire_ts));
	o->filled = ZERO;
	o->notional = ZERO;
	o->queue = ZERO;
	o->state = S_NEW;
	return 0;
}

/* Allocate o from a parsed template and remember its id. */
static struct porder *order_register(struct lyra_paper *p, const struct porder *t)
{
	struct porder *o = order_alloc(p);
	if (!o)
		return NULL;
	*o = *t;
	if (id_insert(p, o) != 0) {
		o->next = p->freelist;
		p->freelist = o;
		return NULL;
	}
	p->open++;
	return o;
}

int lyra_paper_submit(struct lyra_paper *p, const json_t *order)
{
	struct porder t;
	TRY(parse_order(order, &t));
	if (id_find(p, t.id, t.h)) {
		t.pb = NULL;
		return emit_event(p, &t, t.ts, "rejected", "duplicate order id", 0);
	}
	struct porder *o = order_register(p, &t);
	if (!o)
		return -1;
	if (p->opts.latency_us > 0) {
		struct porder *at = p->pending.tail;
		o->active_ts = o->ts + p->opts.latency_us;
		while (at && at->active_ts > o->active_ts)
			at = at->prev;
		list_insert_after(&p->pending, at, o);
		o->state = S_PENDING;
		return 0;
	}
	return arrive(p, o, o->ts);
}

static struct porder *open_order(struct lyra_paper *p, const char *id)
{
	struct idslot *s = id_find(p, id, hash_str(id));
	return s ? s->o : NULL;
}

int lyra_paper_cancel(struct lyra_paper *p, const char *id, int64_t ts)
{
	struct porder *o = open_order(p, id);
	if (!o)
		return 1;
	int rc = emit_event(p, o, ts, "cancelled", "cancel requested", 0);
	release(p, o);
	return rc;
}

int lyra_paper_amend(struct lyra_paper *p, const char *id, const struct lyra_dec *px,
                     const struct lyra_dec *qty, int64_t ts)
{
	struct porder *o = open_order(p, id);
	if (!o)
		return 1;
	if (px && (!o->has_px || dsign(*px) <= 0))
		return lyra_error(LYRA_EX_DATAERR, "order '%s': %s", id,
		                  o->has_px ? "new price must be positive" : "has no limit price to amend");
	if (qty && dsign(*qty) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "order '%s': new quantity must be positive", id);
	if (qty && lyra_dec_cmp(*qty, o->filled) <= 0) {
		int equal = lyra_dec_cmp(*qty, o->filled) == 0;
		o->qty = o->filled;
		int rc = emit_event(p, o, ts, equal ? "filled" : "cancelled",
		                    equal ? NULL : "amended below the filled quantity", 0);
		release(p, o);
		return rc;
	}
	int reprice = px && lyra_dec_cmp(*px, o->px) != 0;
	int lose = reprice || (qty && lyra_dec_cmp(*qty, o->qty) > 0);
	const char *status = !o->voi ? "new" : dsign(o->filled) > 0 ? "partially_filled" : "acked";
	if (o->state != S_REST || !lose) {
		if (px)
			o->px = *px;
		if (qty)
			o->qty = *qty;
		return emit_event(p, o, ts, status, NULL, EV_AMENDED);
	}
	oside_remove(&o->pb->rest[o->side], o->px, o);
	o->state = S_NEW;
	if (px)
		o->px = *px;
	if (qty)
		o->qty = *qty;
	TRY(emit_event(p, o, ts, status, NULL, EV_AMENDED));
	if (reprice)
		return execute(p, o, ts);
	return place(p, o);
}

int lyra_paper_restore(struct lyra_paper *p, const json_t *order, struct lyra_dec filled_qty)
{
	struct porder t;
	const char *s;
	struct lyra_dec avg;
	TRY(parse_order(order, &t));
	if (id_find(p, t.id, t.h))
		return lyra_error(LYRA_EX_DATAERR, "order '%s': duplicate order id", t.id);
	if (t.kind == K_MARKET)
		return lyra_error(LYRA_EX_DATAERR, "order '%s': a market order is never open", t.id);
	if (dsign(filled_qty) < 0 || lyra_dec_cmp(filled_qty, t.qty) >= 0)
		return lyra_error(LYRA_EX_DATAERR, "order '%s': filled_qty must be below qty", t.id);
	const json_t *trig = json_object_get(order, "triggered");
	t.triggered = (trig && json_is_true(trig)) || (t.kind != K_LIMIT && t.kind != K_POST_ONLY &&
	                                               dsign(filled_qty) > 0);
	if (t.kind == K_STOP && t.triggered)
		return lyra_error(LYRA_EX_DATAERR, "order '%s': a triggered stop is never open", t.id);
	t.filled = filled_qty;
	int r = lyra_json_opt_dec(order, "avg_px", &avg);
	if (r < 0)
		return -1;
	if (r == 1)
		avg = t.has_px ? t.px : ZERO;
	if (lyra_book_mul_fit(avg, filled_qty, LYRA_ROUND_HALF_EVEN, &t.notional) != 0)
		return -1;
	t.px_scale = t.has_px ? t.px.scale : 0;
	if (avg.scale > t.px_scale)
		t.px_scale = avg.scale;
	const json_t *nf = json_object_get(order, "fill_count");
	if (json_is_integer(nf) && json_integer_value(nf) > 0)
		t.nfills = (uint64_t)json_integer_value(nf);
	s = json_string_value(json_object_get(order, "venue_order_id"));
	unsigned long long n = 0;
	int used = 0;
	if (s && sscanf(s, "P-%llu%n", &n, &used) == 1 && s[used] == '\0' && n > 0) {
		t.voi = n;
		if (n > p->voi)
			p->voi = n;
	} else {
		t.voi = ++p->voi;
	}
	t.pb = NULL;
	s = json_string_value(json_object_get(order, "book_venue"));
	if (s && !p->opts.book_venue && strcmp(t.venue, "paper") == 0 && strlen(s) < 32) {
		if (!(t.pb = pbook_get(p, s, t.symbol)))
			return -1;
	}
	struct porder *o = order_register(p, &t);
	if (!o)
		return -1;
	if (bind(p, o) != 0 || place(p, o) != 0) {
		release(p, o);
		return -1;
	}
	return 0;
}

int lyra_paper_on_market(struct lyra_paper *p, const char *type, const json_t *rec)
{
	enum { M_BOOK, M_DELTA, M_BBO, M_TRADE, M_MARKET, M_GAP } t;
	if (strcmp(type, "book") == 0)
		t = M_BOOK;
	else if (strcmp(type, "book_delta") == 0)
		t = M_DELTA;
	else if (strcmp(type, "bbo") == 0)
		t = M_BBO;
	else if (strcmp(type, "trade") == 0)
		t = M_TRADE;
	else if (strcmp(type, "market") == 0)
		t = M_MARKET;
	else if (strcmp(type, "gap") == 0)
		t = M_GAP;
	else
		return 0;

	int64_t ts;
	const char *venue, *symbol, *s;
	struct lyra_dec d[4];
	int taker = BUY;
	const json_t *bids = json_object_get(rec, "bids"), *asks = json_object_get(rec, "asks");
	TRY(lyra_json_get_ts(rec, "ts", &ts));
	if (!(venue = lyra_json_get_str(rec, "venue")) || !(symbol = lyra_json_get_str(rec, "symbol")))
		return -1;
	int mine = !p->opts.book_venue || strcmp(venue, p->book_venue) == 0;
	if (mine) {
		switch (t) {
		case M_BOOK:
			if (!json_is_array(bids) || !json_is_array(asks))
				return lyra_error(LYRA_EX_DATAERR, "field '%s' is not a list of levels",
				                  json_is_array(bids) ? "asks" : "bids");
			break;
		case M_DELTA:
			if ((bids && !json_is_array(bids)) || (asks && !json_is_array(asks)))
				return lyra_error(LYRA_EX_DATAERR, "field '%s' is not a list of levels",
				                  bids && !json_is_array(bids) ? "bids" : "asks");
			break;
		case M_BBO:
			TRY(lyra_json_get_dec(rec, "bid_px", &d[0]));
			TRY(lyra_json_get_dec(rec, "bid_qty", &d[1]));
			TRY(lyra_json_get_dec(rec, "ask_px", &d[2]));
			TRY(lyra_json_get_dec(rec, "ask_qty", &d[3]));
			break;
		case M_TRADE:
			if (!(s = lyra_json_get_str(rec, "side")))
				return -1;
			if (strcmp(s, "buy") != 0 && strcmp(s, "sell") != 0)
				return lyra_error(LYRA_EX_DATAERR, "field 'side' must be buy or sell, not '%s'", s);
			taker = s[0] == 'b' ? BUY : SELL;
			TRY(lyra_json_get_dec(rec, "px", &d[0]));
			TRY(lyra_json_get_dec(rec, "qty", &d[1]));
			if (dsign(d[0]) <= 0 || dsign(d[1]) < 0)
				return lyra_error(LYRA_EX_DATAERR, "field '%s' must be positive",
				                  dsign(d[0]) <= 0 ? "px" : "qty");
			break;
		case M_MARKET:
			TRY(lyra_json_get_dec(rec, "maker_fee", &d[0]));
			TRY(lyra_json_get_dec(rec, "taker_fee", &d[1]));
			break;
		case M_GAP:
			break;
		}
	}
	if (!p->catching_up)
		TRY(expire(p, ts));
	if (mine) {
		struct pbook *pb = pbook_get(p, venue, symbol);
		struct lyra_book *b;
		int64_t seq = json_integer_value(json_object_get(rec, "seq"));
		if (!pb)
			return -1;
		b = pb->b;
		int updated = 0;
		switch (t) {
		case M_BOOK:
			TRY(lyra_book_snapshot(b, bids, asks, ts, seq));
			clamp_all(pb);
			updated = 1;
			break;
		case M_DELTA:
			if (!b->valid)
				break;
			TRY(lyra_book_apply(b, bids, asks, ts, seq));
			TRY(clamp_delta(pb, bids, BUY));
			TRY(clamp_delta(pb, asks, SELL));
			updated = 1;
			break;
		case M_BBO:
			if (b->full)
				break;
			TRY(lyra_book_set_top(b, d[0], d[1], d[2], d[3], ts));
			clamp_all(pb);
			updated = 1;
			break;
		case M_MARKET:
			pb->maker = d[0];
			pb->taker = d[1];
			pb->has_fees = 1;
			break;
		case M_GAP:
			lyra_book_invalidate(b);
			break;
		case M_TRADE:
			break;
		}
		if (updated)
			pb->upd = ++p->upd;
		if (updated && p->nunbound)
			TRY(bind_unbound(p, pb));
		if (p->catching_up)
			return 0;
		if (t == M_TRADE && p->nunbound)
			TRY(bind_unbound(p, pb));
		if (updated)
			TRY(cross(p, pb, ts));
		if (t == M_TRADE && dsign(d[1]) > 0) {
			TRY(trade_fills(p, pb, ts, taker, d[0], d[1]));
			TRY(trigger_stops(p, pb, ts, d[0]));
		}
	}
	return p->catching_up ? 0 : activate(p, ts);
}

void lyra_paper_catch_up(struct lyra_paper *p, int on)
{
	p->catching_up = on;
}
