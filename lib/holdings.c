/* holdings.c: account balances from stored fills and transfers (see holdings.h). */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "holdings.h"
#include "ledger.h"

int lyra_holdings_add(struct lyra_holdings *h, const char *account, const char *asset,
                      struct lyra_dec d)
{
	struct lyra_holding *x = (struct lyra_holding *)lyra_holdings_find(h, account, asset);
	if (!x) {
		if (strlen(account) >= sizeof x->account || strlen(asset) >= sizeof x->asset)
			return lyra_error(LYRA_EX_DATAERR, "account or asset name too long");
		if (h->n == h->cap) {
			size_t cap = h->cap ? h->cap * 2 : 16;
			struct lyra_holding *v = realloc(h->v, cap * sizeof *v);
			if (!v)
				return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			h->v = v;
			h->cap = cap;
		}
		x = &h->v[h->n++];
		strcpy(x->account, account);
		strcpy(x->asset, asset);
		x->qty = lyra_dec_zero();
	}
	if (lyra_dec_add(lyra_dec_normalize(x->qty), lyra_dec_normalize(d), &x->qty) != 0)
		return lyra_error_wrap("holding of '%s' on '%s'", asset, account);
	x->qty = lyra_dec_normalize(x->qty);
	return 0;
}

const struct lyra_holding *lyra_holdings_find(const struct lyra_holdings *h, const char *account,
                                              const char *asset)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->v[i].asset, asset) == 0 && strcmp(h->v[i].account, account) == 0)
			return &h->v[i];
	return NULL;
}

static int fill_row(struct lyra_holdings *h, sqlite3_stmt *s)
{
	const char *venue = (const char *)sqlite3_column_text(s, 0);
	const char *sym = (const char *)sqlite3_column_text(s, 1);
	const char *side = (const char *)sqlite3_column_text(s, 2);
	const char *fee_ccy = (const char *)sqlite3_column_text(s, 6);
	const char *slash = strchr(sym, '/');
	char base[32], quote[32];
	struct lyra_dec px, qty, fee, notional, neg;
	int buy = strcmp(side, "buy") == 0;
	if (!slash || strchr(sym, ':'))
		return 0;
	if ((size_t)(slash - sym) >= sizeof base || strlen(slash + 1) >= sizeof quote)
		return lyra_error(LYRA_EX_IOERR, "a stored fill's symbol '%s' is damaged", sym);
	memcpy(base, sym, (size_t)(slash - sym));
	base[slash - sym] = '\0';
	strcpy(quote, slash + 1);
	if (lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 3), &px) != 0 ||
	    lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 4), &qty) != 0 ||
	    lyra_dec_parse_cstr((const char *)sqlite3_column_text(s, 5), &fee) != 0 ||
	    lyra_dec_mul_exact(px, qty, &notional) != 0)
		return lyra_error(LYRA_EX_IOERR, "a stored fill of '%s' is damaged", sym);
	if (buy) {
		lyra_dec_neg(notional, &neg);
		if (lyra_holdings_add(h, venue, base, qty) || lyra_holdings_add(h, venue, quote, neg))
			return -1;
	} else {
		lyra_dec_neg(qty, &neg);
		if (lyra_holdings_add(h, venue, base, neg) || lyra_holdings_add(h, venue, quote, notional))
			return -1;
	}
	if (!lyra_dec_is_zero(fee)) {
		lyra_dec_neg(fee, &neg);
		if (lyra_holdings_add(h, venue, fee_ccy, neg))
			return -1;
	}
	return 0;
}

struct xfer_ctx {
	struct lyra_holdings *h;
	const char *account;
};

static int xfer_one(void *c, const struct lyra_transfer *t)
{
	struct xfer_ctx *x = c;
	struct lyra_dec neg, got;
	lyra_dec_neg(t->qty, &neg);
	if (lyra_dec_sub(t->qty, t->fee, &got) != 0)
		return -1;
	if ((!x->account || strcmp(x->account, t->from) == 0) &&
	    lyra_holdings_add(x->h, t->from, t->asset, neg) != 0)
		return -1;
	if ((!x->account || strcmp(x->account, t->to) == 0) &&
	    lyra_holdings_add(x->h, t->to, t->asset, got) != 0)
		return -1;
	return 0;
}

int lyra_holdings_load(struct lyra_store *st, const char *account, int64_t at,
                       struct lyra_holdings *h)
{
	sqlite3_stmt *s = lyra_store_prepare(st,
		"SELECT venue, symbol, side, px, qty, fee, fee_ccy FROM fills"
		" WHERE ts <= ?1 AND (?2 IS NULL OR venue = ?2) ORDER BY ts, id");
	struct xfer_ctx x = { h, account };
	int rc, status = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, at);
	if (account)
		sqlite3_bind_text(s, 2, account, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((status = fill_row(h, s)) != 0)
			break;
	if (!status && rc != SQLITE_DONE)
		status = lyra_store_fail(st, "cannot read fills");
	sqlite3_finalize(s);
	if (status)
		return -1;
	return lyra_ledger_transfer_each(st, at, xfer_one, &x) ? -1 : 0;
}

void lyra_holdings_release(struct lyra_holdings *h)
{
	free(h->v);
	memset(h, 0, sizeof *h);
}
