/* trade_kraken.c: Kraken's spot private REST API (https://api.kraken.com): /0/private/AddOrder,
 * CancelOrder and AmendOrder by cl_ord_id, OpenOrders and ClosedOrders filtered by cl_ord_id
 * (the order status by client order id), TradesHistory, BalanceEx, and /0/public/Time. Every
 * private call is a POST of a form body that starts with nonce=N (added and signed by trade.c:
 * API-Key, API-Sign). Kraken names a pair by its AssetPairs key (XXBTZUSD) in trades and by its
 * altname (XBTUSD) in order descriptions; both are matched to the market. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "error.h"
#include "http.h"
#include "trade.h"
#include "trade_impl.h"
#include "venue_impl.h"

#define V "kraken"

/* Kraken's error strings ("EOrder:Insufficient funds") by prefix, first match wins. */
static enum lyra_trade_err error_kind(const char *e)
{
	static const struct {
		const char *prefix;
		enum lyra_trade_err kind;
	} map[] = {
		{"EAPI:Invalid nonce", LYRA_TE_CLOCK},
		{"EAPI:Rate limit exceeded", LYRA_TE_RATE_LIMIT},
		{"EOrder:Rate limit exceeded", LYRA_TE_RATE_LIMIT},
		{"EAuth:Rate limit exceeded", LYRA_TE_RATE_LIMIT},
		{"EAuth:Too many requests", LYRA_TE_RATE_LIMIT},
		{"EGeneral:Too many requests", LYRA_TE_RATE_LIMIT},
		{"EGeneral:Temporary lockout", LYRA_TE_RATE_LIMIT},
		{"EAPI:Invalid key", LYRA_TE_AUTH},
		{"EAPI:Invalid signature", LYRA_TE_AUTH},
		{"EGeneral:Permission denied", LYRA_TE_AUTH},
		{"EAuth:", LYRA_TE_AUTH},
		{"EOrder:Insufficient funds", LYRA_TE_INSUFFICIENT},
		{"EOrder:Insufficient margin", LYRA_TE_INSUFFICIENT},
		{"EOrder:Margin allowance exceeded", LYRA_TE_INSUFFICIENT},
		{"EOrder:Order minimum not met", LYRA_TE_MIN_SIZE},
		{"EOrder:Cost minimum not met", LYRA_TE_MIN_SIZE},
		{"EOrder:Invalid price", LYRA_TE_PRECISION},
		{"EOrder:Unknown order", LYRA_TE_UNKNOWN_ORDER},
		{"EOrder:Duplicate", LYRA_TE_DUPLICATE},
		{"EService:Unavailable", LYRA_TE_UNCERTAIN},
		{"EService:Busy", LYRA_TE_UNCERTAIN},
		{"EGeneral:Internal error", LYRA_TE_UNCERTAIN},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strncmp(e, map[i].prefix, strlen(map[i].prefix)))
			return map[i].kind;
	return LYRA_TE_REJECTED;
}

/* {"error":["EOrder:Insufficient funds"],"result":{}}: a non-empty list is a refusal; its first
 * string is the code (cut to fit), all of them joined the message. */
static int kr_venue_error(const char *body, size_t len, long status, struct lyra_trade_error *err)
{
	(void)status;
	json_t *j = json_loadb(body, len, 0, NULL);
	json_t *list = json_is_object(j) ? json_object_get(j, "error") : NULL;
	if (json_array_size(list) == 0) {
		json_decref(j);
		return 0;
	}
	const char *first = json_string_value(json_array_get(list, 0));
	size_t i, off = 0;
	json_t *e;
	err->message[0] = '\0';
	json_array_foreach(list, i, e) {
		int w = snprintf(err->message + off, sizeof err->message - off, "%s%s", i ? "; " : "",
		                 json_is_string(e) ? json_string_value(e) : "?");
		if (w < 0 || (size_t)w >= sizeof err->message - off)
			break;
		off += (size_t)w;
	}
	err->kind = first ? error_kind(first) : LYRA_TE_REJECTED;
	snprintf(err->code, sizeof err->code, "%s", first ? first : "");
	json_decref(j);
	return 1;
}

/* ---- requests ---- */

/* POST /0/private/<call> with the form; *root the answer (NEW) and *res its "result" object
 * (borrowed). Reads go as reads (a lost answer is UNAVAILABLE,
 * not UNCERTAIN). 2: dry run. */
static int call(struct lyra_trade *t, const char *name, const struct lyra_trade_form *f, int reading,
                json_t **root, json_t **res, struct lyra_trade_error *err)
{
	char path[64];
	*root = *res = NULL;
	if (f->bad)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "%s: a field too long", name);
	snprintf(path, sizeof path, "/0/private/%s", name);
	struct lyra_trade_req req = {"POST", path, NULL, f->s, 1, 1};
	int rc = reading ? lyra_trade_send_read(t, &req, root, err)
	                 : lyra_trade_send(t, &req, root, err);
	if (rc != 0)
		return rc;
	*res = json_object_get(*root, "result");
	if (!json_is_object(*res)) {
		json_decref(*root);
		*root = NULL;
		lyra_error(LYRA_EX_DATAERR, "no 'result' object");
		return lyra_trade_bad_answer(t, err, !reading, path);
	}
	return 0;
}

/* ---- mapping ---- */

/* A pair name against a market's venue symbol: the key itself, or the altname of a legacy key
 * (XXBTZUSD -> XBTUSD, XETHXXBT -> ETHXBT). */
static int pair_is(const char *vs, const char *pair)
{
	if (!strcmp(vs, pair))
		return 1;
	return strlen(vs) == 8 && strlen(pair) == 6 && strchr("XZ", vs[0]) && strchr("XZ", vs[4]) &&
	       !strncmp(vs + 1, pair, 3) && !strncmp(vs + 5, pair + 3, 3);
}

static const struct lyra_market *market_of(const struct lyra_trade *t, const struct lyra_market *m,
                                           const char *pair)
{
	if (m && pair_is(m->venue_symbol, pair))
		return m;
	for (size_t i = 0; i < t->nmarkets; i++)
		if (pair_is(t->markets[i].venue_symbol, pair))
			return &t->markets[i];
	return NULL;
}

/* One order of QueryOrders/OpenOrders/ClosedOrders (txid: its key in the answer). */
static int parse_kr_order(const struct lyra_trade *t, const struct lyra_market *m, const char *txid,
                          const json_t *j, struct lyra_venue_order *o)
{
	memset(o, 0, sizeof *o);
	const json_t *d = json_object_get(j, "descr");
	const char *st = lyra_vx_str(json_object_get(j, "status"), "status");
	const char *pair = lyra_vx_str(json_object_get(d, "pair"), "descr.pair");
	const char *ot = json_string_value(json_object_get(d, "ordertype"));
	const char *fl = json_string_value(json_object_get(j, "oflags"));
	if (!st || !pair)
		return -1;
	const struct lyra_market *mm = market_of(t, m, pair);
	snprintf(o->symbol, sizeof o->symbol, "%s", mm ? mm->symbol : pair);
	snprintf(o->id, sizeof o->id, "%s", json_string_value(json_object_get(j, "cl_ord_id")) ?: "");
	snprintf(o->venue_order_id, sizeof o->venue_order_id, "%s", txid);
	snprintf(o->side, sizeof o->side, "%s", json_string_value(json_object_get(d, "type")) ?: "");
	const char *kind = "other", *tif = "GTC", *pxk = NULL;
	if (!ot)
		ot = "";
	if (!strcmp(ot, "limit")) {
		kind = fl && strstr(fl, "post") ? "post_only" : "limit";
		pxk = "price";
	} else if (!strcmp(ot, "market")) {
		kind = "market", tif = "IOC";
	} else if (!strcmp(ot, "stop-loss")) {
		kind = "stop", tif = "IOC";
	} else if (!strcmp(ot, "stop-loss-limit")) {
		kind = "stop_limit", pxk = "price2";
	}
	snprintf(o->kind, sizeof o->kind, "%s", kind);
	snprintf(o->tif, sizeof o->tif, "%s", tif);
	if (lyra_trade_dec_or_zero(pxk ? json_object_get(d, pxk) : NULL, "descr.price", &o->px) != 0 ||
	    lyra_vx_dec(json_object_get(j, "vol"), "vol", &o->qty) != 0 ||
	    lyra_vx_dec(json_object_get(j, "vol_exec"), "vol_exec", &o->filled_qty) != 0 ||
	    lyra_trade_dec_or_zero(json_object_get(j, "price"), "price", &o->avg_px) != 0)
		return -1;
	if (lyra_dec_is_zero(o->filled_qty))
		o->avg_px = lyra_dec_zero();
	int part = !lyra_dec_is_zero(o->filled_qty);
	const char *ls = NULL;
	if (!strcmp(st, "pending") || !strcmp(st, "open"))
		ls = part ? "partially_filled" : "acked";
	else if (!strcmp(st, "closed"))
		ls = lyra_dec_cmp(o->filled_qty, o->qty) >= 0 ? "filled" : "cancelled";
	else if (!strcmp(st, "canceled"))
		ls = "cancelled";
	else if (!strcmp(st, "expired"))
		ls = "expired";
	if (!ls)
		return lyra_error(LYRA_EX_DATAERR, V ": unknown order status '%s'", st);
	snprintf(o->status, sizeof o->status, "%s", ls);
	const json_t *tm = json_object_get(j, "closetm");
	if (!tm || json_is_null(tm))
		tm = json_object_get(j, "opentm");
	if (tm && lyra_vx_time(tm, "opentm", 1000000, &o->ts) != 0)
		return -1;
	return 0;
}

static int parse_order(struct lyra_trade *t, const struct lyra_market *m, const json_t *j,
                       struct lyra_venue_order *o)
{
	return parse_kr_order(t, m, json_string_value(json_object_get(j, "txid")) ?: "", j, o);
}

/* One trade of TradesHistory (txid: its key). Kraken states the fee in the quote currency. */
static int parse_kr_fill(const struct lyra_trade *t, const struct lyra_market *m, const char *txid,
                         const json_t *v, struct lyra_venue_fill *f)
{
	memset(f, 0, sizeof *f);
	const char *pair = lyra_vx_str(json_object_get(v, "pair"), "pair");
	if (!pair)
		return -1;
	const struct lyra_market *mm = market_of(t, m, pair);
	snprintf(f->symbol, sizeof f->symbol, "%s", mm ? mm->symbol : pair);
	snprintf(f->trade_id, sizeof f->trade_id, "%s", txid);
	snprintf(f->venue_order_id, sizeof f->venue_order_id, "%s",
	         json_string_value(json_object_get(v, "ordertxid")) ?: "");
	snprintf(f->side, sizeof f->side, "%s", json_string_value(json_object_get(v, "type")) ?: "");
	const json_t *mk = json_object_get(v, "maker");
	snprintf(f->liquidity, sizeof f->liquidity, "%s", !mk ? "" : json_is_true(mk) ? "maker" : "taker");
	snprintf(f->fee_ccy, sizeof f->fee_ccy, "%s", mm ? mm->quote : "");
	if (!*f->trade_id || lyra_vx_dec(json_object_get(v, "price"), "price", &f->px) != 0 ||
	    lyra_vx_dec(json_object_get(v, "vol"), "vol", &f->qty) != 0 ||
	    lyra_trade_dec_or_zero(json_object_get(v, "fee"), "fee", &f->fee) != 0 ||
	    lyra_vx_time(json_object_get(v, "time"), "time", 1000000, &f->ts) != 0)
		return lyra_error(LYRA_EX_DATAERR, "a trade: %s", lyra_error_msg());
	return 0;
}

static int parse_fill(struct lyra_trade *t, const struct lyra_market *m, const json_t *j,
                      struct lyra_venue_fill *f)
{
	return parse_kr_fill(t, m, json_string_value(json_object_get(j, "txid")) ?: "", j, f);
}

/* A UUID (32 hex digits, or 36 with dashes at 8 13 18 23) or free text of 1 to 18 printable
 * ASCII characters (Kraken's three cl_ord_id forms). */
static int id_ok(const char *id, char *why, size_t n)
{
	size_t len = strlen(id), hex = 0, i;
	for (i = 0; i < len; i++) {
		int dash = len == 36 && (i == 8 || i == 13 || i == 18 || i == 23);
		if (dash ? id[i] == '-' : strchr("0123456789abcdefABCDEF", id[i]) != NULL)
			hex++;
	}
	if ((len == 32 || len == 36) && hex == len)
		return 1;
	for (const char *p = id; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			snprintf(why, n, "has '%c'; Kraken's free-text ids are printable ASCII", *p);
			return 0;
		}
	if (len < 1 || len > 18) {
		snprintf(why, n, "is %zu characters and not a UUID; Kraken takes a UUID or 1 to 18 "
		         "characters of free text", len);
		return 0;
	}
	return 1;
}

/* ---- calls ---- */

static int k_query(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   struct lyra_venue_order *out, struct lyra_trade_error *err);

static int k_place(struct lyra_trade *t, const struct lyra_market *m, const json_t *order,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_trade_order o;
	struct lyra_trade_form f = {0};
	char why[128];
	int rc;

	if ((rc = lyra_trade_order_read(t, m, order, &o, err)) != 0)
		return rc;
	if (!id_ok(o.id, why, sizeof why))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "client order id '%s' %s (not sent)", o.id, why);
	if (!strcmp(o.tif, "FOK"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': Kraken spot has no FOK (GTC and IOC only)", o.id);
	if (!strcmp(o.tif, "GTD"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': GTD needs an expiretm lyra does not send", o.id);
	if (!strcmp(o.kind, "post_only") && strcmp(o.tif, "GTC") != 0)
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': a post-only order rests: tif GTC only", o.id);
	const char *ot = !strcmp(o.kind, "market") ? "market" : !strcmp(o.kind, "stop") ? "stop-loss"
	                 : !strcmp(o.kind, "stop_limit") ? "stop-loss-limit" : "limit";
	lyra_trade_form_add(&f, "ordertype", ot);
	lyra_trade_form_add(&f, "type", o.side);
	lyra_trade_form_add(&f, "volume", o.qtys);
	lyra_trade_form_add(&f, "pair", m->venue_symbol);
	if (o.has_stop) {
		lyra_trade_form_add(&f, "price", o.stops);            /* the trigger */
		if (o.has_px)
			lyra_trade_form_add(&f, "price2", o.pxs);     /* the limit once triggered */
	} else if (o.has_px) {
		lyra_trade_form_add(&f, "price", o.pxs);
	}
	if (!strcmp(o.kind, "post_only"))
		lyra_trade_form_add(&f, "oflags", "post");
	if ((!strcmp(o.kind, "limit") || !strcmp(o.kind, "stop_limit")) && !strcmp(o.tif, "IOC"))
		lyra_trade_form_add(&f, "timeinforce", "IOC");
	lyra_trade_form_add(&f, "cl_ord_id", o.id);
	json_t *root, *res;
	rc = call(t, "AddOrder", &f, 0, &root, &res, err);
	if (rc == 2) {
		snprintf(out->id, sizeof out->id, "%s", o.id);
		snprintf(out->status, sizeof out->status, "dry_run");
		return 0;
	}
	if (rc != 0)
		return rc;
	const char *txid = json_string_value(json_array_get(json_object_get(res, "txid"), 0));
	if (!txid) {
		json_decref(root);
		lyra_error(LYRA_EX_DATAERR, "no 'txid'");
		return lyra_trade_bad_answer(t, err, 1, "/0/private/AddOrder");
	}
	/* The answer says accepted and nothing more: acked; query and fills tell the rest. */
	snprintf(out->id, sizeof out->id, "%s", o.id);
	snprintf(out->venue_order_id, sizeof out->venue_order_id, "%s", txid);
	snprintf(out->symbol, sizeof out->symbol, "%s", m->symbol);
	snprintf(out->side, sizeof out->side, "%s", o.side);
	snprintf(out->kind, sizeof out->kind, "%s", o.kind);
	snprintf(out->tif, sizeof out->tif, "%s", o.tif);
	snprintf(out->status, sizeof out->status, "acked");
	out->px = o.has_px ? o.px : lyra_dec_zero();
	out->qty = o.qty;
	out->filled_qty = out->avg_px = lyra_dec_zero();
	out->ts = lyra_trade_now(t);
	json_decref(root);
	return 0;
}

/* After a cancel or amend Kraken took: the order read back (a cancel is reported cancelled
 * unless the read says filled). */
static int read_back(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                     int cancelled, struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	if (k_query(t, m, id, out, err) != 0) {
		if (!cancelled)
			return -1;
		memset(err, 0, sizeof *err);
		memset(out, 0, sizeof *out);
		snprintf(out->id, sizeof out->id, "%s", id);
		snprintf(out->symbol, sizeof out->symbol, "%s", m->symbol);
	}
	if (cancelled && strcmp(out->status, "filled") != 0)
		snprintf(out->status, sizeof out->status, "cancelled");
	return 0;
}

static int k_cancel(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                    struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_trade_form f = {0};
	json_t *root, *res;
	lyra_trade_form_add(&f, "cl_ord_id", id);
	int rc = call(t, "CancelOrder", &f, 0, &root, &res, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	json_int_t count = json_integer_value(json_object_get(res, "count"));
	json_decref(root);
	if (count < 1)
		return lyra_trade_fail(t, err, LYRA_TE_UNKNOWN_ORDER, NULL,
		                       "no open order with cl_ord_id '%s' (count 0)", id);
	return read_back(t, m, id, 1, out, err);
}

static int k_amend(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   const struct lyra_dec *px, const struct lyra_dec *qty,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_trade_form f = {0};
	char s[LYRA_DEC_STRLEN];
	json_t *root, *res;
	lyra_trade_form_add(&f, "cl_ord_id", id);
	if (qty) {
		lyra_dec_format(*qty, s);
		lyra_trade_form_add(&f, "order_qty", s);
	}
	if (px) {
		lyra_dec_format(*px, s);
		lyra_trade_form_add(&f, "limit_price", s);
	}
	int rc = call(t, "AmendOrder", &f, 0, &root, &res, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	json_decref(root);
	return read_back(t, m, id, 0, out, err) < 0 ? -1 : 0;
}

/* The newest order in list (txid -> order) with cl_ord_id id on m's pair; NULL if none. */
static const json_t *newest(const json_t *list, const struct lyra_market *m, const char *id,
                            const char **txid)
{
	const char *k;
	const json_t *v, *best = NULL;
	int64_t best_ts = -1, ts;
	json_object_foreach((json_t *)list, k, v) {
		const char *c = json_string_value(json_object_get(v, "cl_ord_id"));
		const char *p = json_string_value(json_object_get(json_object_get(v, "descr"), "pair"));
		if (!c || strcmp(c, id) || !p || !pair_is(m->venue_symbol, p))
			continue;
		if (lyra_vx_time(json_object_get(v, "opentm"), "opentm", 1000000, &ts) != 0)
			ts = 0;
		if (ts > best_ts) {
			best_ts = ts;
			best = v;
			*txid = k;
		}
	}
	return best;
}

/* Open orders first, then closed ones (cl_ord_id is unique among open orders only). */
static int k_query(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	static const char *const calls[2][2] = {{"OpenOrders", "open"}, {"ClosedOrders", "closed"}};
	for (int i = 0; i < 2; i++) {
		struct lyra_trade_form f = {0};
		json_t *root, *res;
		const char *txid = NULL;
		lyra_trade_form_add(&f, "cl_ord_id", id);
		int rc = call(t, calls[i][0], &f, 1, &root, &res, err);
		if (rc == 2)
			return 0;
		if (rc != 0)
			return rc;
		const json_t *o = newest(json_object_get(res, calls[i][1]), m, id, &txid);
		if (o) {
			rc = parse_kr_order(t, m, txid, o, out);
			json_decref(root);
			return rc == 0 ? 0 : lyra_trade_bad_answer(t, err, 0, calls[i][0]);
		}
		json_decref(root);
	}
	return lyra_trade_fail(t, err, LYRA_TE_UNKNOWN_ORDER, NULL,
	                       "Unknown order (no open or closed order has cl_ord_id '%s')", id);
}

static int k_open(struct lyra_trade *t, const struct lyra_market *m, lyra_trade_order_cb cb,
                  void *ctx, struct lyra_trade_error *err)
{
	struct lyra_trade_form f = {0};
	json_t *root, *res;
	const char *k;
	json_t *v;
	int rc = call(t, "OpenOrders", &f, 1, &root, &res, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	json_object_foreach(json_object_get(res, "open"), k, v) {
		struct lyra_venue_order o;
		const char *p = json_string_value(json_object_get(json_object_get(v, "descr"), "pair"));
		if (m && (!p || !pair_is(m->venue_symbol, p)))
			continue;
		if (parse_kr_order(t, m, k, v, &o) != 0) {
			json_decref(root);
			return lyra_trade_bad_answer(t, err, 0, "/0/private/OpenOrders");
		}
		if (cb(ctx, &o) != 0) {
			json_decref(root);
			return lyra_trade_stopped(t, err);
		}
	}
	json_decref(root);
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct lyra_venue_fill *x = a, *y = b;
	return x->ts < y->ts ? -1 : x->ts > y->ts ? 1 : strcmp(x->trade_id, y->trade_id);
}

/* TradesHistory pages of 50, newest first, from start (exclusive, whole seconds); handed over
 * oldest first. */
static int k_fills(struct lyra_trade *t, const struct lyra_market *m, int64_t since_us,
                   lyra_trade_fill_cb cb, void *ctx, struct lyra_trade_error *err)
{
	struct lyra_venue_fill *all = NULL;
	size_t n = 0, cap = 0;
	int64_t ofs = 0, count = 0;
	int rc = 0;
	char start[32];
	snprintf(start, sizeof start, "%lld", (long long)(since_us / 1000000 - 1));
	for (int page = 0; page < 1000; page++) {
		struct lyra_trade_form f = {0};
		char o[32];
		json_t *root, *res, *v;
		const char *k;
		size_t got = 0;
		snprintf(o, sizeof o, "%lld", (long long)ofs);
		lyra_trade_form_add(&f, "start", start);
		lyra_trade_form_add(&f, "ofs", o);
		rc = call(t, "TradesHistory", &f, 1, &root, &res, err);
		if (rc == 2) {
			rc = 0;
			break;
		}
		if (rc != 0)
			break;
		count = json_integer_value(json_object_get(res, "count"));
		json_object_foreach(json_object_get(res, "trades"), k, v) {
			got++;
			const char *p = json_string_value(json_object_get(v, "pair"));
			if (m && (!p || !pair_is(m->venue_symbol, p)))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				struct lyra_venue_fill *nf = realloc(all, cap * sizeof *all);
				if (!nf) {
					rc = lyra_trade_fail(t, err, LYRA_TE_UNAVAILABLE, NULL, "out of memory");
					break;
				}
				all = nf;
			}
			if (parse_kr_fill(t, m, k, v, &all[n]) != 0) {
				rc = lyra_trade_bad_answer(t, err, 0, "/0/private/TradesHistory");
				break;
			}
			n++;
		}
		json_decref(root);
		ofs += (int64_t)got;
		if (rc != 0 || got == 0 || ofs >= count)
			break;
	}
	if (rc == 0 && n > 1)
		qsort(all, n, sizeof *all, by_time);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (all[i].ts < since_us)
			continue;
		if (cb(ctx, &all[i]) != 0)
			rc = lyra_trade_stopped(t, err);
	}
	free(all);
	return rc;
}

/* BalanceEx: {"ZUSD": {"balance": "...", "hold_trade": "..."}}; keys with a dot (earn and
 * staking twins: "ETH.F", "DOT.S") are not spot funds and are skipped. */
static int k_balances(struct lyra_trade *t, lyra_trade_balance_cb cb, void *ctx,
                      struct lyra_trade_error *err)
{
	struct lyra_trade_form f = {0};
	json_t *root, *res, *v;
	const char *k;
	int rc = call(t, "BalanceEx", &f, 1, &root, &res, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	json_object_foreach(res, k, v) {
		struct lyra_venue_balance b;
		struct lyra_dec hold;
		if (strchr(k, '.'))
			continue;
		memset(&b, 0, sizeof b);
		if (lyra_vx_dec(json_object_get(v, "balance"), "balance", &b.total) != 0 ||
		    lyra_trade_dec_or_zero(json_object_get(v, "hold_trade"), "hold_trade", &hold) != 0 ||
		    lyra_dec_sub(b.total, hold, &b.free) != 0) {
			json_decref(root);
			return lyra_trade_bad_answer(t, err, 0, "/0/private/BalanceEx");
		}
		lyra_venue_asset(V, k, b.asset, sizeof b.asset);
		if (cb(ctx, &b) != 0) {
			json_decref(root);
			return lyra_trade_stopped(t, err);
		}
	}
	json_decref(root);
	return 0;
}

static int k_time(struct lyra_trade *t, int64_t *server_us, struct lyra_trade_error *err)
{
	return lyra_trade_clock_get(t, "/0/public/Time", "result/unixtime", 1000000, server_us, err);
}

/* ---- the user stream ----
 * WebSocket v2 (https://docs.kraken.com/api/docs/websocket-v2/executions and
 * https://docs.kraken.com/api/docs/guides/spot-ws-auth): a token from the signed REST call
 * POST /0/private/GetWebSocketsToken ({"result":{"token":T,"expires":900}}; a fresh one for
 * every connection), then on wss://ws-auth.kraken.com/v2 {"method":"subscribe","params":
 * {"channel":"executions","token":T,"snap_orders":false,"snap_trades":false}}, answered
 * {"method":"subscribe","success":true,...} (or success false with "error"). Updates come as
 * {"channel":"executions","type":"update","data":[report,...]}; each report names the order
 * (order_id, cl_ord_id when the order had one, order_status pending_new new partially_filled
 * filled canceled expired, cum_qty, avg_price, order_qty, timestamp RFC 3339) and, for
 * exec_type "trade", one execution: exec_id (the trade's txid, which REST TradesHistory keys
 * its trades by, so a trade seen both ways counts once), last_qty, last_price, liquidity_ind
 * t/m, fees [{asset, qty}]. Quantities are JSON numbers (read exactly). A report without
 * cum_qty says nothing certain about the order's fills and gives no order update. The venue
 * sends a heartbeat every second; {"method":"ping"} is answered with a pong. */

static char *s_hello(struct lyra_trade *t, int step)
{
	struct lyra_trade_form f = {0};
	struct lyra_trade_error err = {0};
	json_t *root, *res;
	if (step != 0) {
		lyra_error(LYRA_EX_SOFTWARE, V ": no opening step %d", step);
		return NULL;
	}
	int rc = call(t, "GetWebSocketsToken", &f, 1, &root, &res, &err);
	if (rc != 0) {
		if (rc == 1 || !*lyra_error_msg())
			lyra_error(err.kind == LYRA_TE_AUTH ? LYRA_EX_NOPERM : LYRA_EX_UNAVAILABLE,
			           V ": GetWebSocketsToken: %s", *err.message ? err.message : "refused");
		json_decref(root);
		return NULL;
	}
	const char *tok = json_string_value(json_object_get(res, "token"));
	json_t *req = tok ? json_pack("{s:s, s:{s:s, s:s, s:b, s:b}}", "method", "subscribe",
	                              "params", "channel", "executions", "token", tok,
	                              "snap_orders", 0, "snap_trades", 0) : NULL;
	json_decref(root);
	char *out = req ? json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(req);
	if (!out)
		lyra_error(LYRA_EX_DATAERR, V ": GetWebSocketsToken: %s", tok ? "out of memory"
		           : "no token in the answer");
	return out;
}

/* A number or numeric string of a report (exactly); missing: -1 without an error when opt. */
static int rep_dec(const json_t *r, const char *key, struct lyra_dec *out)
{
	json_t *s = lyra_vx_decstr(json_object_get(r, key), key, 0);
	int rc = s ? lyra_vx_dec(s, key, out) : -1;
	json_decref(s);
	return rc;
}

/* v2 names pairs as lyra does ("BTC/USD"), so the symbol is taken as given. */
static void rep_symbol(const char *s, char *out, size_t n)
{
	snprintf(out, n, "%s", s ? s : "");
}

static int rep_order(const json_t *r, struct lyra_venue_order *o)
{
	memset(o, 0, sizeof *o);
	const char *st = json_string_value(json_object_get(r, "order_status"));
	const char *ot = json_string_value(json_object_get(r, "order_type"));
	const char *tif = json_string_value(json_object_get(r, "time_in_force"));
	snprintf(o->id, sizeof o->id, "%s", json_string_value(json_object_get(r, "cl_ord_id")) ?: "");
	if (lyra_vx_copy(json_object_get(r, "order_id"), "order_id", o->venue_order_id,
	                 sizeof o->venue_order_id) != 0 || !st ||
	    rep_dec(r, "cum_qty", &o->filled_qty) != 0)
		return lyra_error(LYRA_EX_DATAERR, "a report without order_id, order_status or cum_qty");
	rep_symbol(json_string_value(json_object_get(r, "symbol")), o->symbol, sizeof o->symbol);
	snprintf(o->side, sizeof o->side, "%s", json_string_value(json_object_get(r, "side")) ?: "");
	const char *kind = !ot ? "" : !strcmp(ot, "limit") ? (json_is_true(json_object_get(r,
	                   "post_only")) ? "post_only" : "limit") : !strcmp(ot, "market") ? "market"
	                   : !strcmp(ot, "stop-loss") ? "stop" : !strcmp(ot, "stop-loss-limit")
	                   ? "stop_limit" : "other";
	snprintf(o->kind, sizeof o->kind, "%s", kind);
	snprintf(o->tif, sizeof o->tif, "%s", tif ? tif : "");
	if (json_object_get(r, "order_qty") && rep_dec(r, "order_qty", &o->qty) != 0)
		return -1;
	if (json_object_get(r, "limit_price") && rep_dec(r, "limit_price", &o->px) != 0)
		return -1;
	if (json_object_get(r, "avg_price") && rep_dec(r, "avg_price", &o->avg_px) != 0)
		return -1;
	int part = !lyra_dec_is_zero(o->filled_qty);
	if (!part)
		o->avg_px = lyra_dec_zero();
	const char *ls = !strcmp(st, "pending_new") || !strcmp(st, "new")
	                 ? (part ? "partially_filled" : "acked")
	                 : !strcmp(st, "partially_filled") ? "partially_filled"
	                 : !strcmp(st, "filled") ? "filled" : !strcmp(st, "canceled") ? "cancelled"
	                 : !strcmp(st, "expired") ? "expired" : NULL;
	if (!ls)
		return lyra_error(LYRA_EX_DATAERR, "unknown order_status '%s'", st);
	snprintf(o->status, sizeof o->status, "%s", ls);
	const json_t *ts = json_object_get(r, "timestamp");
	if (ts && lyra_vx_iso(ts, "timestamp", &o->ts) != 0)
		return -1;
	return 0;
}

static int rep_fill(const json_t *r, struct lyra_venue_fill *f)
{
	memset(f, 0, sizeof *f);
	const char *liq = json_string_value(json_object_get(r, "liquidity_ind"));
	const json_t *fee = json_array_get(json_object_get(r, "fees"), 0);
	snprintf(f->id, sizeof f->id, "%s", json_string_value(json_object_get(r, "cl_ord_id")) ?: "");
	rep_symbol(json_string_value(json_object_get(r, "symbol")), f->symbol, sizeof f->symbol);
	snprintf(f->side, sizeof f->side, "%s", json_string_value(json_object_get(r, "side")) ?: "");
	snprintf(f->liquidity, sizeof f->liquidity, "%s", !liq ? "" : !strcmp(liq, "m") ? "maker"
	         : "taker");
	if (fee) {
		const char *a = json_string_value(json_object_get(fee, "asset"));
		if (a)
			lyra_venue_asset(V, a, f->fee_ccy, sizeof f->fee_ccy);
		if (rep_dec(fee, "qty", &f->fee) != 0)
			return -1;
	}
	if (lyra_vx_copy(json_object_get(r, "exec_id"), "exec_id", f->trade_id,
	                 sizeof f->trade_id) != 0 ||
	    lyra_vx_copy(json_object_get(r, "order_id"), "order_id", f->venue_order_id,
	                 sizeof f->venue_order_id) != 0 ||
	    rep_dec(r, "last_qty", &f->qty) != 0 || rep_dec(r, "last_price", &f->px) != 0 ||
	    lyra_vx_iso(json_object_get(r, "timestamp"), "timestamp", &f->ts) != 0)
		return -1;
	return 0;
}

static int s_message(struct lyra_trade *t, const json_t *j, lyra_trade_order_cb on_order,
                     lyra_trade_fill_cb on_fill, void *ctx)
{
	const char *method = json_string_value(json_object_get(j, "method"));
	if (method && !strcmp(method, "subscribe")) {
		if (json_is_true(json_object_get(j, "success")))
			return 1;
		return lyra_error(LYRA_EX_NOPERM, V ": executions subscription refused: %s",
		                  json_string_value(json_object_get(j, "error")) ?: "no message");
	}
	const char *ch = json_string_value(json_object_get(j, "channel"));
	const json_t *data = json_object_get(j, "data");
	(void)t;
	if (!ch || strcmp(ch, "executions") != 0 || !json_is_array(data))
		return 0;   /* heartbeat, status, pong */
	size_t i;
	const json_t *r;
	json_array_foreach(data, i, r) {
		const char *et = json_string_value(json_object_get(r, "exec_type"));
		struct lyra_venue_order o;
		struct lyra_venue_fill f;
		if (et && !strcmp(et, "trade")) {
			if (rep_fill(r, &f) != 0)
				return lyra_error(LYRA_EX_DATAERR, V ": executions: a trade: %s",
				                  lyra_error_msg());
			if (on_fill(ctx, &f) != 0)
				return -2;
		}
		if (!json_object_get(r, "cum_qty"))
			continue;
		if (rep_order(r, &o) != 0)
			return lyra_error(LYRA_EX_DATAERR, V ": executions: %s", lyra_error_msg());
		if (on_order(ctx, &o) != 0)
			return -2;
	}
	return 0;
}

static const struct lyra_trade_stream kraken_stream = {
	.url = "wss://ws-auth.kraken.com/v2",
	.testnet_url = NULL,
	.hello = s_hello,
	.message = s_message,
	.keepalive_s = 30,
	.ping_text = "{\"method\":\"ping\"}",
};

const struct lyra_trade_adapter lyra_trade_kraken = {
	.id = V,
	.rest_url = "https://api.kraken.com",
	.testnet_url = NULL,
	.weight_per_minute = 0,
	.place = k_place,
	.cancel = k_cancel,
	.amend = k_amend,
	.query = k_query,
	.open_orders = k_open,
	.fills = k_fills,
	.balances = k_balances,
	.server_time = k_time,
	.venue_error = kr_venue_error,
	.parse_order = parse_order,
	.parse_fill = parse_fill,
	.stream = &kraken_stream,
};
