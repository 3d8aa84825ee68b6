/* fees.c: the fee table: market-record fees and override-file entries in one hash table keyed
 * by (source, venue, symbol), looked up in precedence order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fees.h"

enum { SRC_FILE, SRC_MARKET };

struct entry {
	int src;
	char venue[32];
	char symbol[64];
	struct lyra_dec taker, maker;
};

struct lyra_fees {
	struct entry *v;
	size_t n, cap;
	uint32_t *idx; /* index + 1, 0 empty */
	size_t hcap;
	unsigned long gen;
};

static uint64_t hash3(int src, const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)src;
	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ULL;
	h = (h ^ 0x1f) * 1099511628211ULL;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ULL;
	return h;
}

struct lyra_fees *lyra_fees_new(void)
{
	struct lyra_fees *f = calloc(1, sizeof *f);
	if (!f)
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return f;
}

void lyra_fees_free(struct lyra_fees *f)
{
	if (!f)
		return;
	free(f->v);
	free(f->idx);
	free(f);
}

unsigned long lyra_fees_generation(const struct lyra_fees *f)
{
	return f->gen;
}

static const struct entry *find(const struct lyra_fees *f, int src, const char *venue,
                                const char *symbol)
{
	if (!f->hcap)
		return NULL;
	size_t h = hash3(src, venue, symbol) & (f->hcap - 1);
	while (f->idx[h]) {
		const struct entry *e = &f->v[f->idx[h] - 1];
		if (e->src == src && strcmp(e->venue, venue) == 0 && strcmp(e->symbol, symbol) == 0)
			return e;
		h = (h + 1) & (f->hcap - 1);
	}
	return NULL;
}

static int rehash(struct lyra_fees *f)
{
	size_t cap = f->hcap ? f->hcap * 2 : 64;
	uint32_t *idx = calloc(cap, sizeof *idx);
	if (!idx)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	for (size_t i = 0; i < f->n; i++) {
		size_t h = hash3(f->v[i].src, f->v[i].venue, f->v[i].symbol) & (cap - 1);
		while (idx[h])
			h = (h + 1) & (cap - 1);
		idx[h] = (uint32_t)i + 1;
	}
	free(f->idx);
	f->idx = idx;
	f->hcap = cap;
	return 0;
}

static int put(struct lyra_fees *f, int src, const char *venue, const char *symbol,
               struct lyra_dec taker, struct lyra_dec maker)
{
	struct entry *e = (struct entry *)find(f, src, venue, symbol);
	f->gen++;
	if (e) {
		e->taker = taker;
		e->maker = maker;
		return 0;
	}
	if (strlen(venue) >= sizeof e->venue || strlen(symbol) >= sizeof e->symbol)
		return lyra_error(LYRA_EX_DATAERR, "venue or symbol name too long");
	if ((f->n + 1) * 2 > f->hcap && rehash(f) != 0)
		return -1;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 32;
		struct entry *v = realloc(f->v, cap * sizeof *v);
		if (!v)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		f->v = v;
		f->cap = cap;
	}
	e = &f->v[f->n];
	e->src = src;
	strcpy(e->venue, venue);
	strcpy(e->symbol, symbol);
	e->taker = taker;
	e->maker = maker;
	size_t h = hash3(src, venue, symbol) & (f->hcap - 1);
	while (f->idx[h])
		h = (h + 1) & (f->hcap - 1);
	f->idx[h] = (uint32_t)++f->n;
	return 0;
}

int lyra_fees_set_market(struct lyra_fees *f, const char *venue, const char *symbol,
                         struct lyra_dec taker, struct lyra_dec maker)
{
	return put(f, SRC_MARKET, venue, symbol, taker, maker);
}

static const struct entry *lookup(const struct lyra_fees *f, const char *venue, const char *symbol)
{
	const struct entry *e;
	if ((e = find(f, SRC_FILE, venue, symbol)) || (e = find(f, SRC_FILE, venue, "*")) ||
	    (e = find(f, SRC_MARKET, venue, symbol)) || (e = find(f, SRC_FILE, "*", "*")))
		return e;
	return NULL;
}

int lyra_fees_taker(const struct lyra_fees *f, const char *venue, const char *symbol,
                    struct lyra_dec *out)
{
	const struct entry *e = lookup(f, venue, symbol);
	if (!e)
		return 1;
	*out = e->taker;
	return 0;
}

int lyra_fees_maker(const struct lyra_fees *f, const char *venue, const char *symbol,
                    struct lyra_dec *out)
{
	const struct entry *e = lookup(f, venue, symbol);
	if (!e)
		return 1;
	*out = e->maker;
	return 0;
}

static int parse_fee(const char *path, unsigned line, const char *s, struct lyra_dec *out)
{
	if (lyra_dec_parse_cstr(s, out) != 0)
		return lyra_error(LYRA_EX_CONFIG, "'%s' line %u: bad fee '%s': %s", path, line, s,
		                  lyra_error_msg());
	struct lyra_dec one = { 1, 0 };
	if (lyra_dec_cmp(*out, one) >= 0 || lyra_dec_cmp(*out, (struct lyra_dec){ -1, 0 }) <= 0)
		return lyra_error(LYRA_EX_CONFIG, "'%s' line %u: fee '%s' is not a fraction between -1 and 1",
		                  path, line, s);
	return 0;
}

/* Calls row() with the whitespace-separated words of every line of path that has any ('#'
 * starts a comment); n is MAX_WORDS + 1 when a line has more than MAX_WORDS, so a row with too
 * many is refused, never cut short. Stops at the first row that fails. */
#define MAX_WORDS 5
typedef int (*row_fn)(void *ctx, const char *path, unsigned line, char **tok, int n);

static int each_row(const char *path, row_fn row, void *ctx)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return lyra_error(LYRA_EX_NOINPUT, "cannot open '%s': %s", path, strerror(errno));
	char buf[512];
	unsigned line = 0;
	int rc = 0;
	while (rc == 0 && fgets(buf, sizeof buf, fp)) {
		line++;
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		char *tok[MAX_WORDS], *save = NULL;
		int n = 0;
		for (char *t = strtok_r(buf, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save))
			if (n < MAX_WORDS)
				tok[n++] = t;
			else
				n = MAX_WORDS + 1;
		if (n > 0)
			rc = row(ctx, path, line, tok, n);
	}
	if (rc == 0 && ferror(fp))
		rc = lyra_error(LYRA_EX_IOERR, "cannot read '%s': %s", path, strerror(errno));
	fclose(fp);
	return rc;
}

static int fee_row(void *ctx, const char *path, unsigned line, char **tok, int n)
{
	struct lyra_fees *f = ctx;
	if (n < 3 || n > 4)
		return lyra_error(LYRA_EX_CONFIG, "'%s' line %u: want 'VENUE SYMBOL TAKER [MAKER]'",
		                  path, line);
	if (strcmp(tok[0], "*") == 0 && strcmp(tok[1], "*") != 0)
		return lyra_error(LYRA_EX_CONFIG, "'%s' line %u: a venue '*' needs symbol '*'", path, line);
	struct lyra_dec taker, maker;
	if (parse_fee(path, line, tok[2], &taker) != 0 ||
	    parse_fee(path, line, n == 4 ? tok[3] : tok[2], &maker) != 0)
		return -1;
	return put(f, SRC_FILE, tok[0], tok[1], taker, maker);
}

int lyra_fees_load(struct lyra_fees *f, const char *path)
{
	return each_row(path, fee_row, f);
}

/* ---- transfer costs ---- */

struct xentry {
	char asset[32];
	struct lyra_dec fixed, bps;
};

struct lyra_xfer {
	struct xentry *v;
	size_t n, cap;
};

struct lyra_xfer *lyra_xfer_new(void)
{
	struct lyra_xfer *x = calloc(1, sizeof *x);
	if (!x)
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return x;
}

void lyra_xfer_free(struct lyra_xfer *x)
{
	if (!x)
		return;
	free(x->v);
	free(x);
}

static struct xentry *xfind(const struct lyra_xfer *x, const char *asset)
{
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->v[i].asset, asset) == 0)
			return &x->v[i];
	return NULL;
}

int lyra_xfer_get(const struct lyra_xfer *x, const char *asset, struct lyra_dec *fixed,
                  struct lyra_dec *bps)
{
	const struct xentry *e = xfind(x, asset);
	if (!e && !(e = xfind(x, "*")))
		return 1;
	*fixed = e->fixed;
	*bps = e->bps;
	return 0;
}

static int xline(struct lyra_xfer *x, const char *path, unsigned line, char **tok, int n)
{
	struct lyra_dec fixed, bps = lyra_dec_zero();
	const struct lyra_dec tenk = { 10000, 0 };
	if (n < 2 || n > 3)
		return lyra_error(LYRA_EX_CONFIG, "'%s' line %u: want 'ASSET FIXED [BPS]'", path, line);
	if (strlen(tok[0]) >= sizeof x->v[0].asset)
		return lyra_error(LYRA_EX_CONFIG, "'%s' line %u: asset name too long", path, line);
	if (lyra_dec_parse_cstr(tok[1], &fixed) != 0 || lyra_dec_sign(fixed) < 0)
		return lyra_error(LYRA_EX_CONFIG, "'%s' line %u: bad fixed cost '%s' (a decimal >= 0)",
		                  path, line, tok[1]);
	if (n == 3 && (lyra_dec_parse_cstr(tok[2], &bps) != 0 || lyra_dec_sign(bps) < 0 ||
	               lyra_dec_cmp(bps, tenk) >= 0))
		return lyra_error(LYRA_EX_CONFIG, "'%s' line %u: bad bps '%s' (0 to below 10000)", path,
		                  line, tok[2]);
	struct xentry *e = xfind(x, tok[0]);
	if (!e) {
		if (x->n == x->cap) {
			size_t cap = x->cap ? x->cap * 2 : 16;
			struct xentry *v = realloc(x->v, cap * sizeof *v);
			if (!v)
				return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			x->v = v;
			x->cap = cap;
		}
		e = &x->v[x->n++];
		strcpy(e->asset, tok[0]);
	}
	e->fixed = lyra_dec_normalize(fixed);
	e->bps = lyra_dec_normalize(bps);
	return 0;
}

static int xfer_row(void *ctx, const char *path, unsigned line, char **tok, int n)
{
	return xline(ctx, path, line, tok, n);
}

int lyra_xfer_load(struct lyra_xfer *x, const char *path)
{
	return each_row(path, xfer_row, x);
}
