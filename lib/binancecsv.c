/* binancecsv.c: Binance trade-history CSV rows as fill records (see binancecsv.h). */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "binancecsv.h"
#include "clock.h"
#include "decimal.h"
#include "error.h"
#include "record.h"

static int find(char **h, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(h[i], name) == 0)
			return i;
	return -1;
}

int lyra_binance_csv_open(struct lyra_binance_csv *b, char **h, int n)
{
	static const char *const l1[] = { "Date(UTC)", "Pair", "Side", "Price", "Executed", "Amount",
	                                  "Fee", NULL };
	static const char *const l2[] = { "Date(UTC)", "Market", "Type", "Price", "Amount", "Total",
	                                  "Fee", "Fee Coin" };
	memset(b, 0, sizeof b->col);
	for (int layout = 1; layout <= 2; layout++) {
		const char *const *names = layout == 1 ? l1 : l2;
		int ok = 1;
		for (int k = 0; k < 8; k++) {
			b->col[k] = names[k] ? find(h, n, names[k]) : -1;
			if (names[k] && b->col[k] < 0)
				ok = 0;
		}
		if (ok) {
			b->layout = layout;
			b->seen = json_object();
			return b->seen != NULL;
		}
	}
	return 0;
}

/* Split "0.18SOL" into a number (thousands separators dropped) and an asset ("" when none). */
static int amount(const char *s, char *num, size_t nn, char *asset, size_t na, const char *what)
{
	size_t k = 0;
	const char *p = s;
	for (; *p && ((*p >= '0' && *p <= '9') || *p == '.' || *p == ','); p++)
		if (*p != ',' && k + 1 < nn)
			num[k++] = *p;
	num[k] = '\0';
	if (!k || strlen(p) >= na)
		return lyra_error(LYRA_EX_DATAERR, "bad %s '%s'", what, s);
	for (size_t i = 0; p[i]; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
			return lyra_error(LYRA_EX_DATAERR, "bad %s '%s'", what, s);
	snprintf(asset, na, "%s", p);
	struct lyra_dec d;
	if (lyra_dec_parse_cstr(num, &d) != 0)
		return lyra_error(LYRA_EX_DATAERR, "bad %s '%s'", what, s);
	return 0;
}

/* A pair without a separator ("SOLBUSD") split at a known quote asset. */
static int split_pair(const char *pair, char *base, char *quote, size_t n)
{
	static const char *const quotes[] = { "USDT", "BUSD", "USDC", "FDUSD", "TUSD", "DAI", "BTC",
	                                      "ETH", "BNB", "AUD", "EUR", "GBP", "TRY", "BRL", "USD",
	                                      "JPY", NULL };
	size_t len = strlen(pair);
	for (const char *const *q = quotes; *q; q++) {
		size_t ql = strlen(*q);
		if (len > ql && len - ql < n && strcmp(pair + len - ql, *q) == 0) {
			snprintf(base, n, "%.*s", (int)(len - ql), pair);
			snprintf(quote, n, "%s", *q);
			return 0;
		}
	}
	return lyra_error(LYRA_EX_DATAERR, "cannot tell the quote asset of pair '%s'", pair);
}

json_t *lyra_binance_csv_fill(struct lyra_binance_csv *b, char **v, int n)
{
	char px[48], qty[48], total[48], fee[48], base[24], quote[24], fee_ccy[24], a[24];
	char side[8], sym[64], tid[64], hex[17];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int64_t ts;
	json_t *r;
	for (int k = 0; k < 8; k++)
		if (b->col[k] >= n)
			return lyra_error(LYRA_EX_DATAERR, "%d fields, fewer than the header's", n), NULL;
	const char *pair = v[b->col[1]], *sd = v[b->col[2]];
	if (lyra_time_parse(v[b->col[0]], &ts) != 0)
		return lyra_error(LYRA_EX_DATAERR, "bad Date(UTC) '%s'", v[b->col[0]]), NULL;
	if (strcmp(sd, "BUY") == 0 || strcmp(sd, "buy") == 0)
		strcpy(side, "buy");
	else if (strcmp(sd, "SELL") == 0 || strcmp(sd, "sell") == 0)
		strcpy(side, "sell");
	else
		return lyra_error(LYRA_EX_DATAERR, "bad side '%s'", sd), NULL;
	if (amount(v[b->col[3]], px, sizeof px, a, sizeof a, "Price") != 0 ||
	    amount(v[b->col[4]], qty, sizeof qty, base, sizeof base, "quantity") != 0 ||
	    amount(v[b->col[5]], total, sizeof total, quote, sizeof quote, "amount") != 0 ||
	    amount(v[b->col[6]], fee, sizeof fee, fee_ccy, sizeof fee_ccy, "Fee") != 0)
		return NULL;
	if (!base[0] || !quote[0]) {
		if (split_pair(pair, base, quote, sizeof base) != 0)
			return NULL;
	} else if (strlen(base) + strlen(quote) != strlen(pair) || strncmp(pair, base, strlen(base)) ||
	           strcmp(pair + strlen(base), quote)) {
		return lyra_error(LYRA_EX_DATAERR, "pair '%s' is not %s and %s", pair, base, quote), NULL;
	}
	if (b->layout == 2)
		snprintf(fee_ccy, sizeof fee_ccy, "%s", v[b->col[7]]);
	if (!fee_ccy[0])
		snprintf(fee_ccy, sizeof fee_ccy, "%s", quote);
	snprintf(sym, sizeof sym, "%s/%s", base, quote);

	/* the trade id: the row's fields, and how often the same row came before */
	char key[512];
	snprintf(key, sizeof key, "%lld|%s|%s|%s|%s|%s|%s|%s", (long long)ts, sym, side, px, qty,
	         total, fee, fee_ccy);
	if (!EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha256(), NULL))
		return lyra_error(LYRA_EX_SOFTWARE, "sha256 failed"), NULL;
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	json_int_t seen = json_integer_value(json_object_get(b->seen, hex)) + 1;
	json_object_set_new(b->seen, hex, json_integer(seen));
	snprintf(tid, sizeof tid, "bn-%s-%lld", hex, (long long)seen);

	r = lyra_record_new("fill", ts);
	if (!r)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory"), NULL;
	json_object_set_new(r, "id", json_string(tid));
	json_object_set_new(r, "venue", json_string("binance"));
	json_object_set_new(r, "symbol", json_string(sym));
	json_object_set_new(r, "side", json_string(side));
	json_object_set_new(r, "px", json_string(px));
	json_object_set_new(r, "qty", json_string(qty));
	json_object_set_new(r, "fee", json_string(fee));
	json_object_set_new(r, "fee_ccy", json_string(fee_ccy));
	json_object_set_new(r, "liquidity", json_string("unknown"));
	json_object_set_new(r, "trade_id", json_string(tid));
	return r;
}

void lyra_binance_csv_close(struct lyra_binance_csv *b)
{
	json_decref(b->seen);
	b->seen = NULL;
}
