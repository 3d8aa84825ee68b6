/* l2book.c: local L2 order books: sorted level arrays, bounded depth, crossed-book detection
 * and the Kraken, OKX and Bitfinex CRC32 checksums over the levels' text as received. */
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "l2book.h"

void lyra_l2book_init(struct lyra_l2book *b, int depth)
{
	memset(b, 0, sizeof(*b));
	b->depth = depth > 0 ? depth : 0;
}

void lyra_l2book_free(struct lyra_l2book *b)
{
	free(b->lv[0]);
	free(b->lv[1]);
	b->lv[0] = b->lv[1] = NULL;
	b->n[0] = b->n[1] = b->cap[0] = b->cap[1] = 0;
}

void lyra_l2book_clear(struct lyra_l2book *b)
{
	b->n[0] = b->n[1] = 0;
}

/* Index of px on the side, or where it would go; *found set when present. Bids descend. */
static size_t find(const struct lyra_l2book *b, int side, struct lyra_dec px, int *found)
{
	size_t lo = 0, hi = b->n[side];
	const struct lyra_l2level *a = b->lv[side];

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = lyra_dec_cmp(a[mid].px, px);

		if (side == LYRA_L2_BID)
			c = -c;
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int copy_text(char *dst, const char *s, size_t len, const char *what)
{
	if (len >= LYRA_L2_TEXT)
		return lyra_error(LYRA_EX_DATAERR, "cannot use %s '%.*s': longer than %d bytes", what,
		                  (int)(len > 40 ? 40 : len), s, LYRA_L2_TEXT - 1);
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

int lyra_l2book_set(struct lyra_l2book *b, enum lyra_l2side side, const char *px, size_t pxlen,
                    const char *qty, size_t qtylen)
{
	struct lyra_dec p, q;
	size_t i;
	int found;

	if (lyra_dec_parse(px, pxlen, &p) < 0)
		return lyra_error_wrap("book level price");
	if (lyra_dec_parse(qty, qtylen, &q) < 0)
		return lyra_error_wrap("book level quantity");
	if (lyra_dec_sign(p) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "cannot use book level price '%.*s': not positive",
		                  (int)(pxlen > 40 ? 40 : pxlen), px);
	if (lyra_dec_sign(q) < 0 && lyra_dec_neg(q, &q) < 0)
		return -1;
	i = find(b, side, p, &found);
	if (lyra_dec_is_zero(q)) {
		if (found) {
			memmove(&b->lv[side][i], &b->lv[side][i + 1],
			        (b->n[side] - i - 1) * sizeof(struct lyra_l2level));
			b->n[side]--;
		}
		return 0;
	}
	if (!found) {
		if (b->n[side] == b->cap[side]) {
			size_t cap = b->cap[side] ? b->cap[side] * 2 : 64;
			struct lyra_l2level *nl = realloc(b->lv[side], cap * sizeof(*nl));

			if (!nl)
				return lyra_error(LYRA_EX_SOFTWARE, "cannot grow book: out of memory");
			b->lv[side] = nl;
			b->cap[side] = cap;
		}
		memmove(&b->lv[side][i + 1], &b->lv[side][i],
		        (b->n[side] - i) * sizeof(struct lyra_l2level));
		b->n[side]++;
	}
	{
		struct lyra_l2level *l = &b->lv[side][i];

		if (copy_text(l->px_text, px, pxlen, "book level price") < 0 ||
		    copy_text(l->qty_text, qty, qtylen, "book level quantity") < 0) {
			memmove(&b->lv[side][i], &b->lv[side][i + 1],
			        (b->n[side] - i - 1) * sizeof(struct lyra_l2level));
			b->n[side]--;
			return -1;
		}
		l->px = p;
		l->qty = q;
	}
	return 0;
}

void lyra_l2book_trim(struct lyra_l2book *b)
{
	if (b->depth <= 0)
		return;
	for (int s = 0; s < 2; s++)
		if (b->n[s] > (size_t)b->depth)
			b->n[s] = (size_t)b->depth;
}

int lyra_l2book_crossed(const struct lyra_l2book *b)
{
	if (!b->n[0] || !b->n[1])
		return 0;
	return lyra_dec_cmp(b->lv[0][0].px, b->lv[1][0].px) >= 0;
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

		for (size_t i = 0; i < b->n[s] && i < 10; i++) {
			crc = crc_kraken_text(crc, b->lv[s][i].px_text);
			crc = crc_kraken_text(crc, b->lv[s][i].qty_text);
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

	for (size_t i = 0; i < 25; i++) {
		for (int s = 0; s < 2; s++) {
			if (i >= b->n[s])
				continue;
			crc = crc_part(crc, &first, b->lv[s][i].px_text);
			crc = crc_part(crc, &first, b->lv[s][i].qty_text);
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

	if (!arr)
		return NULL;
	if (depth > 0 && (size_t)depth < n)
		n = (size_t)depth;
	for (size_t i = 0; i < n; i++) {
		const struct lyra_l2level *l = &b->lv[side][i];
		const char *q = l->qty_text[0] == '-' || l->qty_text[0] == '+' ? l->qty_text + 1
		                                                                : l->qty_text;
		json_t *row = json_pack("[ss]", l->px_text, q);

		if (!row || json_array_append_new(arr, row) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
