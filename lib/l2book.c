/* l2book.c: local L2 order books: sorted levels in blocks, bounded depth, crossed-book
 * detection and the Kraken, OKX and Bitfinex CRC32 checksums over the levels' text as received.
 *
 * Each side is a directory (array) of blocks, best block first; a block holds up to BLK levels
 * sorted best first: their price mantissas in one array (the search key) and the rest in
 * 16-byte records beside it. The directory keeps each block's worst price beside the block
 * pointer, so finding a price is a binary search over the directory and then one over the
 * block's keys; inserting or deleting moves at most one block's records, a full block splits
 * in two, and a block that falls under a quarter full merges into a neighbour when they fit.
 * Trimming to the depth drops whole blocks from the worst end. Emptied blocks are kept for
 * reuse, so a book that has reached its size allocates nothing per delta. The venue's text of
 * each level sits in a 64-byte slot of a per-book pool, addressed by index from the record, so
 * it never moves. Searches compare mantissas without branches when every level of the side has
 * the same price scale (the usual case: a venue sends one symbol's prices with a fixed number
 * of decimals), else exact decimals. */
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "l2book.h"

#define BLK 32

struct rec {
	int64_t qty;                      /* quantity mantissa, absolute */
	uint32_t text;                    /* slot in the text pool */
	uint8_t pxs, qtys;                /* price and quantity scales */
};

struct lyra_l2blk {
	uint32_t n;
	struct lyra_l2blk *next;          /* spare list link */
	int64_t key[BLK];                 /* price mantissas */
	struct rec r[BLK];
};

struct lyra_l2text {
	char px[LYRA_L2_TEXT];
	char qty[LYRA_L2_TEXT];
};

static struct lyra_dec px_of(const struct lyra_l2blk *k, size_t i)
{
	struct lyra_dec d = { k->key[i], k->r[i].pxs };

	return d;
}

/* Move n levels (keys and records) from src[si] to dst[di]; the ranges may overlap. */
static void move(struct lyra_l2blk *dst, size_t di, struct lyra_l2blk *src, size_t si, size_t n)
{
	if (!n)
		return;
	memmove(&dst->key[di], &src->key[si], n * sizeof(*dst->key));
	memmove(&dst->r[di], &src->r[si], n * sizeof(*dst->r));
}

void lyra_l2book_init(struct lyra_l2book *b, int depth)
{
	memset(b, 0, sizeof(*b));
	b->depth = depth > 0 ? depth : 0;
}

void lyra_l2book_free(struct lyra_l2book *b)
{
	int depth = b->depth;

	for (int s = 0; s < 2; s++) {
		for (size_t j = 0; j < b->dir[s].nblk; j++)
			free(b->dir[s].blk[j]);
		free(b->dir[s].blk);
		free(b->dir[s].last);
	}
	while (b->spare) {
		struct lyra_l2blk *k = b->spare;

		b->spare = k->next;
		free(k);
	}
	free(b->text);
	lyra_l2book_init(b, depth);
}

void lyra_l2book_clear(struct lyra_l2book *b)
{
	for (int s = 0; s < 2; s++) {
		struct lyra_l2dir *d = &b->dir[s];

		for (size_t j = 0; j < d->nblk; j++) {
			d->blk[j]->next = b->spare;
			b->spare = d->blk[j];
		}
		d->nblk = 0;
		d->nodd = 0;
		b->n[s] = 0;
	}
	b->ntext = 0;
	b->freetext = 0;
}

/* ---- text slots ---- */

static int text_alloc(struct lyra_l2book *b, uint32_t *slot)
{
	if (b->freetext) {
		uint32_t next;

		*slot = b->freetext - 1;
		memcpy(&next, b->text[*slot].px, sizeof next);
		b->freetext = next;
		return 0;
	}
	if (b->ntext == b->captext) {
		uint32_t cap = b->captext ? b->captext * 2 : 128;
		struct lyra_l2text *nt;

		if (cap <= b->captext || !(nt = realloc(b->text, (size_t)cap * sizeof(*nt))))
			return lyra_error(LYRA_EX_SOFTWARE, "cannot grow book: out of memory");
		b->text = nt;
		b->captext = cap;
	}
	*slot = b->ntext++;
	return 0;
}

static void text_free(struct lyra_l2book *b, uint32_t slot)
{
	memcpy(b->text[slot].px, &b->freetext, sizeof b->freetext);
	b->freetext = slot + 1;
}

static void set_text(char *dst, const char *s, size_t len)
{
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static int check_len(const char *s, size_t len, const char *what)
{
	if (len >= LYRA_L2_TEXT)
		return lyra_error(LYRA_EX_DATAERR, "cannot use %s '%.*s': longer than %d bytes", what,
		                  (int)(len > 40 ? 40 : len), s, LYRA_L2_TEXT - 1);
	return 0;
}

/* lyra_dec_parse, with a shortcut for the plain form venues send ("43250.5", "0.00012300"):
 * digits with at most one '.', at most 18 digits. It gives the same value and scale as
 * lyra_dec_parse; anything else (signs, exponents, errors) goes to lyra_dec_parse. */
static int parse(const char *s, size_t len, struct lyra_dec *out)
{
	const char *p = s, *end = s + len, *dot = NULL;
	uint64_t m = 0;

	for (; p < end; p++) {
		unsigned d = (unsigned)(unsigned char)*p - '0';

		if (d < 10)
			m = m * 10 + d;
		else if (*p == '.' && !dot)
			dot = p;
		else
			return lyra_dec_parse(s, len, out);
	}
	if (len - (dot != NULL) == 0 || len - (dot != NULL) > 18)
		return lyra_dec_parse(s, len, out);
	out->mant = (int64_t)m;
	out->scale = dot ? (int)(end - dot - 1) : 0;
	return 0;
}

/* ---- blocks ---- */

/* Branch-free lower bounds when every price of the side has one scale: the number of block
 * keys, or of directory prices, better than m (bids: higher). */
static size_t lb_keys(const int64_t *first, size_t n, int bid, int64_t m)
{
	const int64_t *base = first;

	if (n == 0)
		return 0;
	if (bid) {
		while (n > 1) {
			size_t h = n / 2;

			base = base[h] > m ? base + h : base;
			n -= h;
		}
		return (size_t)(base - first) + (*base > m);
	}
	while (n > 1) {
		size_t h = n / 2;

		base = base[h] < m ? base + h : base;
		n -= h;
	}
	return (size_t)(base - first) + (*base < m);
}

static size_t lb_last(const struct lyra_dec *first, size_t n, int bid, int64_t m)
{
	const struct lyra_dec *base = first;

	if (n == 0)
		return 0;
	if (bid) {
		while (n > 1) {
			size_t h = n / 2;

			base = base[h].mant > m ? base + h : base;
			n -= h;
		}
		return (size_t)(base - first) + (base->mant > m);
	}
	while (n > 1) {
		size_t h = n / 2;

		base = base[h].mant < m ? base + h : base;
		n -= h;
	}
	return (size_t)(base - first) + (base->mant < m);
}

/* 1 when a is a better price than p on the side. */
static int better(int bid, struct lyra_dec a, struct lyra_dec p)
{
	int c = lyra_dec_cmp(a, p);

	return bid ? c > 0 : c < 0;
}

/* The same lower bounds with exact decimal comparison (mixed scales). */
static size_t lb_last_slow(const struct lyra_dec *first, size_t n, int bid, struct lyra_dec p)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (better(bid, first[mid], p))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t lb_blk_slow(const struct lyra_l2blk *k, int bid, struct lyra_dec p)
{
	size_t lo = 0, hi = k->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (better(bid, px_of(k, mid), p))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Where px is or would go: block *j and index *k in it (0, 0 when the side is empty); 1 when
 * a level has that price. */
static int find(const struct lyra_l2dir *d, int bid, struct lyra_dec px, size_t *j, size_t *k)
{
	const struct lyra_l2blk *blk;
	size_t jj;

	if (d->nblk == 0) {
		*j = *k = 0;
		return 0;
	}
	if (d->nodd == 0 && px.scale == d->kscale) {
		jj = lb_last(d->last, d->nblk, bid, px.mant);
		if (jj == d->nblk) {   /* worse than every level: after the last one */
			*j = jj - 1;
			*k = d->blk[jj - 1]->n;
			return 0;
		}
		blk = d->blk[jj];
		*j = jj;
		*k = lb_keys(blk->key, blk->n, bid, px.mant);
		return blk->key[*k] == px.mant;   /* last[jj] is not better than px, so *k < n */
	}
	jj = lb_last_slow(d->last, d->nblk, bid, px);
	if (jj == d->nblk) {
		*j = jj - 1;
		*k = d->blk[jj - 1]->n;
		return 0;
	}
	blk = d->blk[jj];
	*j = jj;
	*k = lb_blk_slow(blk, bid, px);
	return lyra_dec_cmp(px_of(blk, *k), px) == 0;
}

static void fix_last(struct lyra_l2dir *d, size_t j)
{
	d->last[j] = px_of(d->blk[j], d->blk[j]->n - 1);
}

/* Insert an empty block at directory index j. */
static int dir_insert(struct lyra_l2book *b, struct lyra_l2dir *d, size_t j)
{
	struct lyra_l2blk *k;

	if (d->nblk == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct lyra_l2blk **nb = realloc(d->blk, cap * sizeof(*nb));
		struct lyra_dec *nl;

		if (!nb)
			return lyra_error(LYRA_EX_SOFTWARE, "cannot grow book: out of memory");
		d->blk = nb;
		if (!(nl = realloc(d->last, cap * sizeof(*nl))))
			return lyra_error(LYRA_EX_SOFTWARE, "cannot grow book: out of memory");
		d->last = nl;
		d->cap = cap;
	}
	if (b->spare) {
		k = b->spare;
		b->spare = k->next;
	} else if (!(k = malloc(sizeof(*k)))) {
		return lyra_error(LYRA_EX_SOFTWARE, "cannot grow book: out of memory");
	}
	k->n = 0;
	memmove(&d->blk[j + 1], &d->blk[j], (d->nblk - j) * sizeof(*d->blk));
	memmove(&d->last[j + 1], &d->last[j], (d->nblk - j) * sizeof(*d->last));
	d->blk[j] = k;
	d->nblk++;
	return 0;
}

/* Remove the (emptied) block at directory index j, keeping it for reuse. */
static void dir_remove(struct lyra_l2book *b, struct lyra_l2dir *d, size_t j)
{
	d->blk[j]->next = b->spare;
	b->spare = d->blk[j];
	memmove(&d->blk[j], &d->blk[j + 1], (d->nblk - j - 1) * sizeof(*d->blk));
	memmove(&d->last[j], &d->last[j + 1], (d->nblk - j - 1) * sizeof(*d->last));
	d->nblk--;
}

/* Open index *k of block *j for a new level, splitting a full block (*j, *k updated). */
static int open_at(struct lyra_l2book *b, struct lyra_l2dir *d, size_t *j, size_t *k)
{
	struct lyra_l2blk *blk;

	if (d->nblk == 0) {
		if (dir_insert(b, d, 0) < 0)
			return -1;
		*j = *k = 0;
	} else if (d->blk[*j]->n == BLK) {
		if (dir_insert(b, d, *j + 1) < 0)
			return -1;
		if (*k < BLK) {   /* split; appending past a full block starts an empty one */
			struct lyra_l2blk *lo = d->blk[*j], *hi = d->blk[*j + 1];

			move(hi, 0, lo, BLK / 2, BLK - BLK / 2);
			hi->n = BLK - BLK / 2;
			lo->n = BLK / 2;
			fix_last(d, *j);
			fix_last(d, *j + 1);
			if (*k > BLK / 2) {
				++*j;
				*k -= BLK / 2;
			}
		} else {
			++*j;
			*k = 0;
		}
	}
	blk = d->blk[*j];
	move(blk, *k + 1, blk, *k, blk->n - *k);
	blk->n++;
	return 0;
}

static void remove_at(struct lyra_l2book *b, int s, size_t j, size_t k)
{
	struct lyra_l2dir *d = &b->dir[s];
	struct lyra_l2blk *blk = d->blk[j];

	text_free(b, blk->r[k].text);
	d->nodd -= blk->r[k].pxs != d->kscale;
	move(blk, k, blk, k + 1, blk->n - k - 1);
	blk->n--;
	b->n[s]--;
	if (blk->n == 0) {
		dir_remove(b, d, j);
		return;
	}
	fix_last(d, j);
	if (blk->n >= BLK / 4)
		return;
	/* merge with a neighbour when both fit in three quarters of a block */
	if (j + 1 < d->nblk && blk->n + d->blk[j + 1]->n <= BLK * 3 / 4) {
		struct lyra_l2blk *nx = d->blk[j + 1];

		move(blk, blk->n, nx, 0, nx->n);
		blk->n += nx->n;
		nx->n = 0;
		fix_last(d, j);
		dir_remove(b, d, j + 1);
	} else if (j > 0 && blk->n + d->blk[j - 1]->n <= BLK * 3 / 4) {
		struct lyra_l2blk *pv = d->blk[j - 1];

		move(pv, pv->n, blk, 0, blk->n);
		pv->n += blk->n;
		blk->n = 0;
		fix_last(d, j - 1);
		dir_remove(b, d, j);
	}
}

int lyra_l2book_set(struct lyra_l2book *b, enum lyra_l2side side, const char *px, size_t pxlen,
                    const char *qty, size_t qtylen)
{
	struct lyra_dec p, q;
	struct lyra_l2dir *d;
	struct lyra_l2blk *blk;
	struct rec *r;
	uint32_t slot = 0;
	size_t j, k;
	int found, s = side;

	if (parse(px, pxlen, &p) < 0)
		return lyra_error_wrap("book level price");
	if (parse(qty, qtylen, &q) < 0)
		return lyra_error_wrap("book level quantity");
	if (p.mant <= 0)
		return lyra_error(LYRA_EX_DATAERR, "cannot use book level price '%.*s': not positive",
		                  (int)(pxlen > 40 ? 40 : pxlen), px);
	if (q.mant < 0 && lyra_dec_neg(q, &q) < 0)
		return -1;
	d = &b->dir[s];
	found = find(d, s == LYRA_L2_BID, p, &j, &k);
	if (q.mant == 0) {
		if (found)
			remove_at(b, s, j, k);
		return 0;
	}
	if (check_len(px, pxlen, "book level price") < 0 ||
	    check_len(qty, qtylen, "book level quantity") < 0) {
		if (found)   /* its new size cannot be kept: drop it rather than keep it stale */
			remove_at(b, s, j, k);
		return -1;
	}
	if (found) {
		blk = d->blk[j];
		r = &blk->r[k];
		d->nodd += (p.scale != d->kscale) - (r->pxs != d->kscale);
	} else {
		if (text_alloc(b, &slot) < 0)
			return -1;
		if (open_at(b, d, &j, &k) < 0) {
			text_free(b, slot);
			return -1;
		}
		if (b->n[s] == 0)
			d->kscale = p.scale;
		d->nodd += p.scale != d->kscale;
		b->n[s]++;
		blk = d->blk[j];
		r = &blk->r[k];
		r->text = slot;
	}
	blk->key[k] = p.mant;
	r->pxs = (uint8_t)p.scale;
	r->qty = q.mant;
	r->qtys = (uint8_t)q.scale;
	if (k == blk->n - 1)
		d->last[j] = p;
	set_text(b->text[r->text].px, px, pxlen);
	set_text(b->text[r->text].qty, qty, qtylen);
	return 0;
}

void lyra_l2book_trim(struct lyra_l2book *b)
{
	if (b->depth <= 0)
		return;
	for (int s = 0; s < 2; s++) {
		struct lyra_l2dir *d = &b->dir[s];

		while (b->n[s] > (size_t)b->depth) {
			struct lyra_l2blk *blk = d->blk[d->nblk - 1];
			size_t drop = b->n[s] - (size_t)b->depth;
			size_t keep = drop >= blk->n ? 0 : blk->n - drop;

			for (size_t k = keep; k < blk->n; k++) {
				text_free(b, blk->r[k].text);
				d->nodd -= blk->r[k].pxs != d->kscale;
			}
			b->n[s] -= blk->n - keep;
			blk->n = (uint32_t)keep;
			if (keep)
				fix_last(d, d->nblk - 1);
			else
				dir_remove(b, d, d->nblk - 1);
		}
	}
}

/* In-order walk of one side's text slots. */
struct walk {
	const struct lyra_l2dir *d;
	size_t j, k;
};

static const struct lyra_l2text *walk_next(const struct lyra_l2book *b, struct walk *w)
{
	while (w->j < w->d->nblk) {
		const struct lyra_l2blk *blk = w->d->blk[w->j];

		if (w->k < blk->n)
			return &b->text[blk->r[w->k++].text];
		w->j++;
		w->k = 0;
	}
	return NULL;
}

int lyra_l2book_level(const struct lyra_l2book *b, enum lyra_l2side side, size_t i,
                      struct lyra_l2level *out)
{
	const struct lyra_l2dir *d = &b->dir[side];

	if (i >= b->n[side])
		return -1;
	for (size_t j = 0; j < d->nblk; j++) {
		const struct lyra_l2blk *blk = d->blk[j];

		if (i < blk->n) {
			out->px = px_of(blk, i);
			out->qty.mant = blk->r[i].qty;
			out->qty.scale = blk->r[i].qtys;
			out->px_text = b->text[blk->r[i].text].px;
			out->qty_text = b->text[blk->r[i].text].qty;
			return 0;
		}
		i -= blk->n;
	}
	return -1;
}

int lyra_l2book_crossed(const struct lyra_l2book *b)
{
	if (!b->n[0] || !b->n[1])
		return 0;
	return lyra_dec_cmp(px_of(b->dir[0].blk[0], 0), px_of(b->dir[1].blk[0], 0)) >= 0;
}

static uint32_t crc_table[256];
static int crc_ready;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
	crc_ready = 1;
}

uint32_t lyra_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (!crc_ready)
		crc_init();
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* Kraken: digits of the text without '.', leading zeros dropped. */
static uint32_t crc_kraken_text(uint32_t crc, const char *s)
{
	char buf[LYRA_L2_TEXT];
	size_t n = 0;

	for (; *s; s++) {
		if (*s == '.')
			continue;
		if (n == 0 && *s == '0')
			continue;
		buf[n++] = *s;
	}
	return lyra_crc32(crc, buf, n);
}

uint32_t lyra_l2book_crc_kraken(const struct lyra_l2book *b)
{
	uint32_t crc = 0;
	static const int order[2] = { LYRA_L2_ASK, LYRA_L2_BID };

	for (int k = 0; k < 2; k++) {
		int s = order[k];
		struct walk w = { &b->dir[s], 0, 0 };
		const struct lyra_l2text *t;

		for (int i = 0; i < 10 && (t = walk_next(b, &w)); i++) {
			crc = crc_kraken_text(crc, t->px);
			crc = crc_kraken_text(crc, t->qty);
		}
	}
	return crc;
}

static uint32_t crc_part(uint32_t crc, int *first, const char *s)
{
	if (!*first)
		crc = lyra_crc32(crc, ":", 1);
	*first = 0;
	return lyra_crc32(crc, s, strlen(s));
}

static int32_t crc_interleaved(const struct lyra_l2book *b)
{
	uint32_t crc = 0;
	int first = 1;
	struct walk w[2] = { { &b->dir[0], 0, 0 }, { &b->dir[1], 0, 0 } };

	for (size_t i = 0; i < 25; i++) {
		for (int s = 0; s < 2; s++) {
			const struct lyra_l2text *t = walk_next(b, &w[s]);

			if (!t)
				continue;
			crc = crc_part(crc, &first, t->px);
			crc = crc_part(crc, &first, t->qty);
		}
	}
	return (int32_t)crc;
}

int32_t lyra_l2book_crc_okx(const struct lyra_l2book *b)
{
	return crc_interleaved(b);
}

int32_t lyra_l2book_crc_bitfinex(const struct lyra_l2book *b)
{
	return crc_interleaved(b);
}

json_t *lyra_l2book_levels(const struct lyra_l2book *b, enum lyra_l2side side, int depth)
{
	json_t *arr = json_array();
	size_t n = b->n[side];
	struct walk w = { &b->dir[side], 0, 0 };

	if (!arr)
		return NULL;
	if (depth > 0 && (size_t)depth < n)
		n = (size_t)depth;
	for (size_t i = 0; i < n; i++) {
		const struct lyra_l2text *t = walk_next(b, &w);
		const char *q = t->qty[0] == '-' || t->qty[0] == '+' ? t->qty + 1 : t->qty;
		json_t *row = json_pack("[ss]", t->px, q);

		if (!row || json_array_append_new(arr, row) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
