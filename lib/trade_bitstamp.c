/* trade_bitstamp.c: Bitstamp's private REST API v2 (https://www.bitstamp.net/api/v2/): buy/ and
 * sell/{pair}/ (limit, with ioc_order fok_order moc_order), buy/ and sell/market/{pair}/,
 * order_status/ by client_order_id, cancel_order/ (by Bitstamp's id, read first), open_orders/,
 * user_transactions/, account_balances/, all POSTs of form bodies signed by trade.c (X-Auth v2,
 * UUID nonce, ms timestamp; an empty body goes without Content-Type, as Bitstamp requires).
 * Bitstamp has no clock endpoint: the server time is the timestamp of the btcusd ticker. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "error.h"
#include "http.h"
#include "trade.h"
#include "trade_impl.h"
#include "venue_impl.h"

#define V "bitstamp"

/* response_code (orders) and code (authentication) values, then the reason's text. */
static enum lyra_trade_err error_kind(const char *code, const char *msg)
{
	static const struct {
		const char *code;
		enum lyra_trade_err kind;
	} map[] = {
		{"API0004", LYRA_TE_CLOCK}, {"API0017", LYRA_TE_CLOCK},
		{"API0018", LYRA_TE_REJECTED}, {"API0019", LYRA_TE_REJECTED},
		{"API0020", LYRA_TE_REJECTED}, {"API0021", LYRA_TE_REJECTED},
		{"API00", LYRA_TE_AUTH},
		{"400.002", LYRA_TE_RATE_LIMIT},
		{"400.009", LYRA_TE_INSUFFICIENT},
		{"400.019", LYRA_TE_DUPLICATE},
		{"400.020", LYRA_TE_MIN_SIZE}, {"400.046", LYRA_TE_MIN_SIZE},
		{"400.026", LYRA_TE_PRECISION}, {"400.041", LYRA_TE_PRECISION},
		{"403.", LYRA_TE_AUTH},
		{"404.002", LYRA_TE_UNKNOWN_ORDER},
		{"500.001", LYRA_TE_UNCERTAIN}, {"500.002", LYRA_TE_UNCERTAIN},
		{"500.003", LYRA_TE_UNCERTAIN}, {"500.013", LYRA_TE_UNCERTAIN},
		{"500.016", LYRA_TE_UNCERTAIN},
	};
	static const struct {
		const char *text;
		enum lyra_trade_err kind;
	} words[] = {
		{"Check your account balance", LYRA_TE_INSUFFICIENT},
		{"Minimum order size", LYRA_TE_MIN_SIZE},
		{"decimal places", LYRA_TE_PRECISION},
		{"Order not found", LYRA_TE_UNKNOWN_ORDER},
		{"Invalid nonce", LYRA_TE_CLOCK},
		{"Invalid signature", LYRA_TE_AUTH}, {"API key not found", LYRA_TE_AUTH},
		{"Authentication failed", LYRA_TE_AUTH}, {"No permission found", LYRA_TE_AUTH},
		{"Order could not be placed", LYRA_TE_UNCERTAIN},
	};
	for (size_t i = 0; code && i < sizeof map / sizeof map[0]; i++)
		if (!strncmp(code, map[i].code, strlen(map[i].code)))
			return map[i].kind;
	for (size_t i = 0; msg && i < sizeof words / sizeof words[0]; i++)
		if (strstr(msg, words[i].text))
			return words[i].kind;
	return LYRA_TE_REJECTED;
}

/* Append the strings of v (a string, or an object/array of them, as in {"__all__": [...]}). */
static void reasons(const json_t *v, char *buf, size_t n)
{
	size_t len = strlen(buf);
	if (json_is_string(v)) {
		snprintf(buf + len, n - len, "%s%s", len ? "; " : "", json_string_value(v));
	} else if (json_is_array(v)) {
		size_t i;
		const json_t *x;
		json_array_foreach(v, i, x)
			reasons(x, buf, n);
	} else if (json_is_object(v)) {
		const char *k;
		const json_t *x;
		json_object_foreach((json_t *)v, k, x)
			reasons(x, buf, n);
	}
}

/* {"status":"error","reason":...,"response_code":"400.009"} or {"status":"error","reason":
 * "Invalid signature","code":"API0005"} or {"error":"..."}. */
static int bs_venue_error(const char *body, size_t len, long status, struct lyra_trade_error *err)
{
	(void)status;
	json_t *j = json_loadb(body, len, 0, NULL);
	const char *st = json_is_object(j) ? json_string_value(json_object_get(j, "status")) : NULL;
	const json_t *e = json_is_object(j) ? json_object_get(j, "error") : NULL;
	if (!(st && !strcmp(st, "error")) && !e) {
		json_decref(j);
		return 0;
	}
	const char *code = json_string_value(json_object_get(j, "response_code"));
	if (!code)
		code = json_string_value(json_object_get(j, "code"));
	err->message[0] = '\0';
	reasons(json_object_get(j, "reason"), err->message, sizeof err->message);
	reasons(e, err->message, sizeof err->message);
	if (!*err->message)
		reasons(json_object_get(j, "response_explanation"), err->message, sizeof err->message);
	if (!*err->message)
		snprintf(err->message, sizeof err->message, "(no message)");
	err->kind = error_kind(code, err->message);
	snprintf(err->code, sizeof err->code, "%s", code ? code : "");
	json_decref(j);
	return 1;
}

/* ---- requests ---- */

/* POST path with the form; *out the answer (NEW). Reads go as reads (every Bitstamp call is a
 * POST: a lost answer to a read is UNAVAILABLE, not UNCERTAIN). 2: dry run. */
static int call(struct lyra_trade *t, const char *path, const struct lyra_trade_form *f, int reading,
                json_t **out, struct lyra_trade_error *err)
{
	*out = NULL;
	if (f->bad)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "%s: a field too long", path);
	struct lyra_trade_req req = {"POST", path, NULL, f->s, 1, 1};
	return reading ? lyra_trade_send_read(t, &req, out, err) : lyra_trade_send(t, &req, out, err);
}

/* ---- mapping ---- */

/* An id given as an integer or a string. */
static void id_copy(const json_t *v, char *buf, size_t n)
{
	if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, n, "%s", json_string_value(v) ?: "");
}

/* type 0/"0" buy, 1/"1" sell. */
static const char *side_of(const json_t *v)
{
	const char *s = json_string_value(v);
	long k = s ? strtol(s, NULL, 10) : json_is_integer(v) ? (long)json_integer_value(v) : -1;
	return k == 0 ? "buy" : k == 1 ? "sell" : "";
}

/* "BTC/USD" -> the market (m if it is the one, else from the markets set), NULL if unknown. */
static const struct lyra_market *market_of(const struct lyra_trade *t, const struct lyra_market *m,
                                           const char *name)
{
	char vs[LYRA_SYM_MAX];
	size_t k = 0;
	for (const char *p = name; *p && k + 1 < sizeof vs; p++)
		if (*p != '/')
			vs[k++] = (char)tolower((unsigned char)*p);
	vs[k] = '\0';
	if (m && (!*name || !strcmp(m->venue_symbol, vs)))
		return m;
	return lyra_trade_market_by_venue_symbol(t, vs);
}

/* Bitstamp's own lower-case currency names ("btc", "usd") from "BTC/USD", else from mm. */
static void names_of(const struct lyra_market *mm, const char *market, char *b, char *q, size_t n)
{
	char x[32] = "", y[32] = "";
	if (!market || sscanf(market, "%31[^/]/%31s", x, y) != 2) {
		snprintf(x, sizeof x, "%s", mm ? mm->base : "");
		snprintf(y, sizeof y, "%s", mm ? mm->quote : "");
	}
	snprintf(b, n, "%s", x);
	snprintf(q, n, "%s", y);
	for (; *b; b++)
		*b = (char)tolower((unsigned char)*b);
	for (; *q; q++)
		*q = (char)tolower((unsigned char)*q);
}

/* order_status/: status, amount_remaining and the order's trades (each with the base and quote
 * amounts under the currencies' names). Bitstamp sends no limit price here: px stays 0. */
static int parse_order(struct lyra_trade *t, const struct lyra_market *m, const json_t *j,
                       struct lyra_venue_order *o)
{
	memset(o, 0, sizeof *o);
	const char *st = lyra_vx_str(json_object_get(j, "status"), "status");
	const char *market = json_string_value(json_object_get(j, "market"));
	if (!st)
		return -1;
	const struct lyra_market *mm = market_of(t, m, market ? market : "");
	snprintf(o->symbol, sizeof o->symbol, "%s", mm ? mm->symbol : market ? market : "");
	id_copy(json_object_get(j, "id"), o->venue_order_id, sizeof o->venue_order_id);
	snprintf(o->id, sizeof o->id, "%s",
	         json_string_value(json_object_get(j, "client_order_id")) ?: "");
	snprintf(o->side, sizeof o->side, "%s", side_of(json_object_get(j, "type")));
	char b[32], q[32];
	names_of(mm, market, b, q, sizeof b);
	struct lyra_dec left, quote = lyra_dec_zero(), x;
	o->filled_qty = lyra_dec_zero();
	if (lyra_trade_dec_or_zero(json_object_get(j, "amount_remaining"), "amount_remaining", &left) != 0)
		return -1;
	size_t i;
	const json_t *tr;
	json_array_foreach(json_object_get(j, "transactions"), i, tr) {
		int64_t ts;
		if (lyra_vx_dec(json_object_get(tr, b), b, &x) != 0 || lyra_dec_abs(x, &x) != 0 ||
		    lyra_dec_add(o->filled_qty, x, &o->filled_qty) != 0 ||
		    lyra_vx_dec(json_object_get(tr, q), q, &x) != 0 || lyra_dec_abs(x, &x) != 0 ||
		    lyra_dec_add(quote, x, &quote) != 0)
			return -1;
		if (lyra_vx_iso(json_object_get(tr, "datetime"), "datetime", &ts) == 0 && ts > o->ts)
			o->ts = ts;
	}
	if (lyra_dec_add(o->filled_qty, left, &o->qty) != 0)
		return -1;
	o->qty = lyra_dec_normalize(o->qty);          /* sums: no trailing zeros of their own */
	o->filled_qty = lyra_dec_normalize(o->filled_qty);
	if (!lyra_dec_is_zero(o->filled_qty)) {
		if (lyra_dec_div(quote, o->filled_qty, 12, LYRA_ROUND_HALF_EVEN, &o->avg_px) != 0)
			return -1;
		o->avg_px = lyra_dec_normalize(o->avg_px);
	}
	int part = !lyra_dec_is_zero(o->filled_qty);
	const char *ls = NULL;
	if (!strcmp(st, "Open") || !strcmp(st, "In Queue"))
		ls = part ? "partially_filled" : "acked";
	else if (!strcmp(st, "Finished"))
		ls = "filled";
	else if (!strcmp(st, "Canceled") || !strcmp(st, "Cancelled"))
		ls = "cancelled";
	else if (!strcmp(st, "Expired"))
		ls = "expired";
	if (!ls)
		return lyra_error(LYRA_EX_DATAERR, V ": unknown order status '%s'", st);
	snprintf(o->status, sizeof o->status, "%s", ls);
	int64_t ts;
	if (!o->ts && lyra_vx_iso(json_object_get(j, "datetime"), "datetime", &ts) == 0)
		o->ts = ts;
	return 0;
}

/* open_orders/: amount is what is left, amount_at_create the order's size. */
static int parse_open(struct lyra_trade *t, const struct lyra_market *m, const json_t *j,
                      struct lyra_venue_order *o)
{
	memset(o, 0, sizeof *o);
	const char *market = json_string_value(json_object_get(j, "market"));
	if (!market)
		market = json_string_value(json_object_get(j, "currency_pair"));
	const struct lyra_market *mm = market_of(t, m, market ? market : "");
	snprintf(o->symbol, sizeof o->symbol, "%s", mm ? mm->symbol : market ? market : "");
	id_copy(json_object_get(j, "id"), o->venue_order_id, sizeof o->venue_order_id);
	snprintf(o->id, sizeof o->id, "%s",
	         json_string_value(json_object_get(j, "client_order_id")) ?: "");
	snprintf(o->side, sizeof o->side, "%s", side_of(json_object_get(j, "type")));
	snprintf(o->kind, sizeof o->kind, "limit");
	snprintf(o->tif, sizeof o->tif, "GTC");
	struct lyra_dec left;
	if (lyra_vx_dec(json_object_get(j, "price"), "price", &o->px) != 0 ||
	    lyra_vx_dec(json_object_get(j, "amount"), "amount", &left) != 0 ||
	    lyra_vx_dec(json_object_get(j, "amount_at_create"), "amount_at_create", &o->qty) != 0 ||
	    lyra_dec_sub(o->qty, left, &o->filled_qty) != 0 ||
	    lyra_vx_iso(json_object_get(j, "datetime"), "datetime", &o->ts) != 0)
		return -1;
	o->filled_qty = lyra_dec_normalize(o->filled_qty);
	snprintf(o->status, sizeof o->status, "%s",
	         lyra_dec_is_zero(o->filled_qty) ? "acked" : "partially_filled");
	return 0;
}

/* The key of a user transaction naming its pair's price ("btc_usd"): for m, its currencies;
 * else the key a_b whose a and b are keys of the transaction too. */
static int pair_key(const struct lyra_market *m, const json_t *v, char *key, size_t n)
{
	if (m) {
		char b[32], q[32];
		names_of(m, NULL, b, q, sizeof b);
		snprintf(key, n, "%s_%s", b, q);
		return json_object_get(v, key) ? 0 : -1;
	}
	const char *k;
	const json_t *x;
	json_object_foreach((json_t *)v, k, x) {
		char a[32], c[32];
		if (sscanf(k, "%31[a-z0-9]_%31[a-z0-9]", a, c) == 2 && json_object_get(v, a) &&
		    json_object_get(v, c)) {
			snprintf(key, n, "%s", k);
			return 0;
		}
	}
	return -1;
}

/* One user transaction of type 2 (a trade): base amount signed (+ bought), quote amount, the
 * price under "base_quote", the fee in the quote currency. Bitstamp does not say maker or taker
 * nor the client order id. */
static int parse_fill(struct lyra_trade *t, const struct lyra_market *m, const json_t *v,
                      struct lyra_venue_fill *f)
{
	char key[80], a[32], c[32];
	struct lyra_dec base;
	memset(f, 0, sizeof *f);
	if (pair_key(m, v, key, sizeof key) != 0 || sscanf(key, "%31[^_]_%31s", a, c) != 2)
		return lyra_error(LYRA_EX_DATAERR, "a trade: no 'base_quote' price");
	char vs[72];
	snprintf(vs, sizeof vs, "%s%s", a, c);
	const struct lyra_market *mm = m && !strcmp(m->venue_symbol, vs) ? m
	                               : lyra_trade_market_by_venue_symbol(t, vs);
	if (mm) {
		snprintf(f->symbol, sizeof f->symbol, "%s", mm->symbol);
		snprintf(f->fee_ccy, sizeof f->fee_ccy, "%s", mm->quote);
	} else {
		char ua[24];
		lyra_venue_asset(V, a, ua, sizeof ua);
		lyra_venue_asset(V, c, f->fee_ccy, sizeof f->fee_ccy);
		snprintf(f->symbol, sizeof f->symbol, "%s/%s", ua, f->fee_ccy);
	}
	id_copy(json_object_get(v, "id"), f->trade_id, sizeof f->trade_id);
	id_copy(json_object_get(v, "order_id"), f->venue_order_id, sizeof f->venue_order_id);
	if (!*f->trade_id || lyra_vx_dec(json_object_get(v, a), a, &base) != 0 ||
	    lyra_dec_abs(base, &f->qty) != 0 || lyra_vx_dec(json_object_get(v, key), key, &f->px) != 0 ||
	    lyra_trade_dec_or_zero(json_object_get(v, "fee"), "fee", &f->fee) != 0 ||
	    lyra_vx_iso(json_object_get(v, "datetime"), "datetime", &f->ts) != 0)
		return lyra_error(LYRA_EX_DATAERR, "a trade: %s", lyra_error_msg());
	snprintf(f->side, sizeof f->side, "%s", lyra_dec_sign(base) > 0 ? "buy" : "sell");
	return 0;
}

/* Bitstamp documents no form for client_order_id; lyra sends 1 to 63 printable ASCII
 * characters (what its order store keeps), percent-encoded. */
static int id_ok(const char *id, char *why, size_t n)
{
	size_t len = strlen(id);
	if (len < 1 || len > 63) {
		snprintf(why, n, "is %zu characters; lyra sends Bitstamp 1 to 63", len);
		return 0;
	}
	for (const char *p = id; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			snprintf(why, n, "has '%c'; lyra sends Bitstamp printable ASCII only", *p);
			return 0;
		}
	return 1;
}

/* ---- calls ---- */

static int b_place(struct lyra_trade *t, const struct lyra_market *m, const json_t *order,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_trade_order o;
	struct lyra_trade_form f = {0};
	char why[128], path[160];
	int rc;

	if ((rc = lyra_trade_order_read(t, m, order, &o, err)) != 0)
		return rc;
	if (!id_ok(o.id, why, sizeof why))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "client order id '%s' %s (not sent)", o.id, why);
	if (!strcmp(o.kind, "stop") || !strcmp(o.kind, "stop_limit"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': Bitstamp's v2 order endpoints take no stop orders",
		                       o.id);
	if (!strcmp(o.tif, "GTD"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': GTD needs an expire_time lyra does not send", o.id);
	int market = !strcmp(o.kind, "market");
	if (market && !strcmp(o.tif, "FOK"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': Bitstamp market orders take no FOK", o.id);
	if (!strcmp(o.kind, "post_only") && strcmp(o.tif, "GTC") != 0)
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': a post-only order rests: tif GTC only", o.id);
	snprintf(path, sizeof path, "/api/v2/%s/%s%s/", o.side, market ? "market/" : "",
	         m->venue_symbol);
	lyra_trade_form_add(&f, "amount", o.qtys);
	if (!market) {
		lyra_trade_form_add(&f, "price", o.pxs);
		if (!strcmp(o.kind, "post_only"))
			lyra_trade_form_add(&f, "moc_order", "True");
		else if (!strcmp(o.tif, "IOC"))
			lyra_trade_form_add(&f, "ioc_order", "True");
		else if (!strcmp(o.tif, "FOK"))
			lyra_trade_form_add(&f, "fok_order", "True");
	}
	lyra_trade_form_add(&f, "client_order_id", o.id);
	json_t *j;
	rc = call(t, path, &f, 0, &j, err);
	if (rc == 2) {
		snprintf(out->id, sizeof out->id, "%s", o.id);
		snprintf(out->status, sizeof out->status, "dry_run");
		return 0;
	}
	if (rc != 0)
		return rc;
	id_copy(json_object_get(j, "id"), out->venue_order_id, sizeof out->venue_order_id);
	if (!*out->venue_order_id) {
		json_decref(j);
		lyra_error(LYRA_EX_DATAERR, "no order 'id'");
		return lyra_trade_bad_answer(t, err, 1, path);
	}
	lyra_trade_watch_add(t, m->venue_symbol);   /* the user stream subscribes its pair */
	/* The answer echoes the order: acked; order_status and fills tell the rest. */
	snprintf(out->id, sizeof out->id, "%s", o.id);
	snprintf(out->symbol, sizeof out->symbol, "%s", m->symbol);
	snprintf(out->side, sizeof out->side, "%s", o.side);
	snprintf(out->kind, sizeof out->kind, "%s", o.kind);
	snprintf(out->tif, sizeof out->tif, "%s", o.tif);
	snprintf(out->status, sizeof out->status, "acked");
	out->px = o.has_px ? o.px : lyra_dec_zero();
	out->qty = o.qty;
	out->filled_qty = out->avg_px = lyra_dec_zero();
	if (lyra_vx_iso(json_object_get(j, "datetime"), "datetime", &out->ts) != 0)
		out->ts = lyra_trade_now(t);
	json_decref(j);
	return 0;
}

static int b_query(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_trade_form f = {0};
	json_t *j;
	lyra_trade_form_add(&f, "client_order_id", id);
	int rc = call(t, "/api/v2/order_status/", &f, 1, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	rc = parse_order(t, m, j, out);
	json_decref(j);
	if (rc == 0 && !*out->id)
		snprintf(out->id, sizeof out->id, "%s", id);
	return rc == 0 ? 0 : lyra_trade_bad_answer(t, err, 0, "/api/v2/order_status/");
}

/* cancel_order/ takes Bitstamp's order id: read it by client order id first, then read the
 * order back (reported cancelled unless the read says filled). */
static int b_cancel(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                    struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_venue_order before;
	struct lyra_trade_form f = {0};
	json_t *j;
	int rc = b_query(t, m, id, &before, err);
	if (rc != 0 || t->o.dry_run)
		return rc;
	if (strcmp(before.status, "acked") != 0 && strcmp(before.status, "partially_filled") != 0)
		return lyra_trade_fail(t, err, LYRA_TE_UNKNOWN_ORDER, NULL,
		                       "order '%s' is %s: nothing to cancel", id, before.status);
	lyra_trade_form_add(&f, "id", before.venue_order_id);
	rc = call(t, "/api/v2/cancel_order/", &f, 0, &j, err);
	if (rc != 0)
		return rc;
	json_decref(j);
	if (b_query(t, m, id, out, err) != 0) {
		memset(err, 0, sizeof *err);
		*out = before;
	}
	if (strcmp(out->status, "filled") != 0)
		snprintf(out->status, sizeof out->status, "cancelled");
	return 0;
}

static int b_amend(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   const struct lyra_dec *px, const struct lyra_dec *qty,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	(void)m, (void)px, (void)qty, (void)out;
	return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
	                       "amend '%s': Bitstamp amends by replace_order (a new order, a new id, "
	                       "the queue place lost): cancel and place instead", id);
}

static int b_open(struct lyra_trade *t, const struct lyra_market *m, lyra_trade_order_cb cb,
                  void *ctx, struct lyra_trade_error *err)
{
	struct lyra_trade_form f = {0};
	char path[128];
	json_t *j, *v;
	size_t i;
	snprintf(path, sizeof path, "/api/v2/open_orders/%s/", m ? m->venue_symbol : "all");
	int rc = call(t, path, &f, 1, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	if (!json_is_array(j)) {
		json_decref(j);
		lyra_error(LYRA_EX_DATAERR, "not a list");
		return lyra_trade_bad_answer(t, err, 0, path);
	}
	json_array_foreach(j, i, v) {
		struct lyra_venue_order o;
		if (parse_open(t, m, v, &o) != 0) {
			json_decref(j);
			return lyra_trade_bad_answer(t, err, 0, path);
		}
		if (cb(ctx, &o) != 0) {
			json_decref(j);
			return lyra_trade_stopped(t, err);
		}
	}
	json_decref(j);
	return 0;
}

/* user_transactions/, oldest first (sort=asc), 1000 a page by offset; since_timestamp only
 * reaches 30 days back, so an older start pages from the beginning of the history. */
static int b_fills(struct lyra_trade *t, const struct lyra_market *m, int64_t since_us,
                   lyra_trade_fill_cb cb, void *ctx, struct lyra_trade_error *err)
{
	const int64_t days30 = 30LL * 86400 * 1000000;
	char path[128], s[32];
	snprintf(path, sizeof path, "/api/v2/user_transactions/%s%s", m ? m->venue_symbol : "",
	         m ? "/" : "");
	for (long offset = 0; offset <= 200000; offset += 1000) {
		struct lyra_trade_form f = {0};
		json_t *j, *v;
		size_t i;
		snprintf(s, sizeof s, "%ld", offset);
		lyra_trade_form_add(&f, "offset", s);
		lyra_trade_form_add(&f, "limit", "1000");
		lyra_trade_form_add(&f, "sort", "asc");
		if (lyra_trade_now(t) - since_us < days30) {
			snprintf(s, sizeof s, "%lld", (long long)(since_us / 1000000));
			lyra_trade_form_add(&f, "since_timestamp", s);
		}
		int rc = call(t, path, &f, 1, &j, err);
		if (rc == 2)
			return 0;
		if (rc != 0)
			return rc;
		if (!json_is_array(j)) {
			json_decref(j);
			lyra_error(LYRA_EX_DATAERR, "not a list");
			return lyra_trade_bad_answer(t, err, 0, path);
		}
		json_array_foreach(j, i, v) {
			struct lyra_venue_fill fl;
			const json_t *ty = json_object_get(v, "type");
			if (!(json_is_string(ty) && !strcmp(json_string_value(ty), "2")) &&
			    !(json_is_integer(ty) && json_integer_value(ty) == 2))
				continue;   /* deposits, withdrawals, transfers */
			if (parse_fill(t, m, v, &fl) != 0) {
				json_decref(j);
				return lyra_trade_bad_answer(t, err, 0, path);
			}
			if (fl.ts < since_us)
				continue;
			if (cb(ctx, &fl) != 0) {
				json_decref(j);
				return lyra_trade_stopped(t, err);
			}
		}
		size_t n = json_array_size(j);
		json_decref(j);
		if (n < 1000)
			break;
	}
	return 0;
}

/* account_balances/: [{"currency","total","available","reserved"}]. */
static int b_balances(struct lyra_trade *t, lyra_trade_balance_cb cb, void *ctx,
                      struct lyra_trade_error *err)
{
	struct lyra_trade_form f = {0};
	json_t *j;
	int rc = call(t, "/api/v2/account_balances/", &f, 1, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	static const struct lyra_trade_balance_keys k = {"currency", "available", "total", NULL, 0, 1};
	return lyra_trade_balance_list(t, j, j, &k, "/api/v2/account_balances/", cb, ctx, err);
}

static int b_time(struct lyra_trade *t, int64_t *server_us, struct lyra_trade_error *err)
{
	return lyra_trade_clock_get(t, "/api/v2/ticker/btcusd/", "timestamp", 1000000, server_us, err);
}

/* ---- the user stream ----
 * WebSocket API v2 (https://www.bitstamp.net/websocket/v2/, "Private channels") and the HTTP
 * API's "Websockets token" (https://www.bitstamp.net/api/#tag/Websockets-token): a signed
 * POST /api/v2/websockets_token/ answers {"token":T,"valid_sec":S,"user_id":U}; on
 * wss://ws.bitstamp.net each private channel is subscribed with {"event":"bts:subscribe",
 * "data":{"channel":"private-my_orders_<pair>-<U>","auth":T}} (and private-my_trades_<pair>-<U>),
 * answered {"event":"bts:subscription_succeeded","channel":...} or {"event":"bts:error",
 * "data":{"code","message"}}. So the stream is one pair at a time: the pairs of the open orders
 * when it opens (open_orders/all/) and each pair an order is placed on afterwards (b_place adds
 * it; lib/userstream.c subscribes it on the fly with a token fresh from REST, and the owner
 * then asks REST about what happened before). {"event":"bts:heartbeat"} is answered with
 * {"event":"bts:heartbeat","data":{"status":"success"}}: it opens the stream (which may have no
 * pair yet) and keeps it alive. {"event":"bts:request_reconnect"} asks for a new connection.
 * my_trades "trade" events ({id, order_id, client_order_id, amount, price, fee, side,
 * microtimestamp}) are fills: id is the transaction id user_transactions/ keys the trade by, so
 * a trade seen both ways counts once; the fee is in the quote currency. my_orders events carry
 * no filled amount: after a trade and on "order_deleted" the order's state is read from
 * order_status/ (the REST path; order_created and order_changed are not used). */

#define WS_TOKEN "/api/v2/websockets_token/"

/* A fresh websockets token into t->watch (reused while valid when fresh is 0). 0 or -1. */
static int ws_token(struct lyra_trade *t, int fresh)
{
	struct lyra_trade_watch *w = &t->watch;
	struct lyra_trade_form f = {0};
	struct lyra_trade_error err = {0};
	json_t *j;
	if (!fresh && *w->token && lyra_trade_now(t) < w->token_until_us)
		return 0;
	int rc = call(t, WS_TOKEN, &f, 1, &j, &err);
	if (rc != 0) {
		if (rc != -1 || !*lyra_error_msg())
			lyra_error(err.kind == LYRA_TE_AUTH ? LYRA_EX_NOPERM : LYRA_EX_UNAVAILABLE,
			           V ": websockets_token: %s", *err.message ? err.message : "not sent");
		json_decref(j);
		return -1;
	}
	const char *tok = json_string_value(json_object_get(j, "token"));
	int64_t valid = 0;
	w->user_id[0] = '\0';
	id_copy(json_object_get(j, "user_id"), w->user_id, sizeof w->user_id);
	if (!tok || !*tok || strlen(tok) >= sizeof w->token || !*w->user_id) {
		json_decref(j);
		w->token[0] = '\0';
		return lyra_error(LYRA_EX_DATAERR, V ": websockets_token: no token or user_id");
	}
	snprintf(w->token, sizeof w->token, "%s", tok);
	if (lyra_vx_int(json_object_get(j, "valid_sec"), "valid_sec", &valid) != 0)
		valid = 0;
	/* a token is good for valid_sec: keep a margin of 10 s */
	w->token_until_us = valid > 10 ? lyra_trade_now(t) + (valid - 10) * 1000000 : 0;
	json_decref(j);
	return 0;
}

/* "BTC/USD" (or "btcusd") -> "btcusd". */
static void vs_of(const struct lyra_trade *t, const char *name, char *out, size_t n)
{
	const struct lyra_market *mm = market_of(t, NULL, name);
	size_t k = 0;
	if (mm) {
		snprintf(out, n, "%s", mm->venue_symbol);
		return;
	}
	for (const char *p = name; *p && k + 1 < n; p++)
		if (*p != '/')
			out[k++] = (char)tolower((unsigned char)*p);
	out[k] = '\0';
}

static int watch_open(void *ctx, const struct lyra_venue_order *o)
{
	struct lyra_trade *t = ctx;
	char vs[LYRA_SYM_MAX];
	vs_of(t, o->symbol, vs, sizeof vs);
	lyra_trade_watch_add(t, vs);
	return 0;
}

static char *s_hello(struct lyra_trade *t, int step)
{
	struct lyra_trade_error err = {0};
	if (step != 0) {
		lyra_error(LYRA_EX_SOFTWARE, V ": no opening step %d", step);
		return NULL;
	}
	if (ws_token(t, 1) != 0)
		return NULL;
	if (b_open(t, NULL, watch_open, t, &err) != 0) {
		if (!*lyra_error_msg())
			lyra_error(LYRA_EX_UNAVAILABLE, V ": open_orders: %s", err.message);
		return NULL;
	}
	char *out = strdup("{\"event\":\"bts:heartbeat\"}");
	if (!out)
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return out;
}

static char *s_watch(struct lyra_trade *t, const char *vs)
{
	const struct lyra_trade_watch *w = &t->watch;
	if (ws_token(t, 0) != 0)
		return NULL;
	static const char *const chans[] = {"private-my_orders_", "private-my_trades_"};
	size_t cap = 2 * (strlen(w->token) + strlen(vs) + sizeof w->user_id + 96), len = 0;
	char *out = malloc(cap);
	if (!out) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	for (int i = 0; i < 2; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s{\"event\":\"bts:subscribe\",\"data\":"
		                        "{\"channel\":\"%s%s-%s\",\"auth\":\"%s\"}}", i ? "\n" : "",
		                        chans[i], vs, w->user_id, w->token);
	return out;
}

/* The pair of a private channel name "private-my_trades_btcusd-123" into vs; 0 or -1. */
static int chan_pair(const char *ch, const char *prefix, char *vs, size_t n)
{
	size_t pl = strlen(prefix);
	const char *dash = strrchr(ch, '-');
	if (strncmp(ch, prefix, pl) != 0 || !dash || dash < ch + pl || (size_t)(dash - ch - pl) >= n)
		return -1;
	snprintf(vs, n, "%.*s", (int)(dash - ch - pl), ch + pl);
	return 0;
}

/* A number or numeric string of an event (exactly). */
static int ev_dec(const json_t *d, const char *key, struct lyra_dec *out)
{
	json_t *s = lyra_vx_decstr(json_object_get(d, key), key, 0);
	int rc = s ? lyra_vx_dec(s, key, out) : -1;
	json_decref(s);
	return rc;
}

/* A my_trades event's data into f (vs: the channel's pair). Exposed to the unit test through
 * the message callback. */
static int ws_fill(struct lyra_trade *t, const char *vs, const json_t *d, struct lyra_venue_fill *f)
{
	memset(f, 0, sizeof *f);
	const struct lyra_market *mm = lyra_trade_market_by_venue_symbol(t, vs);
	const char *side = json_string_value(json_object_get(d, "side"));
	if (mm) {
		snprintf(f->symbol, sizeof f->symbol, "%s", mm->symbol);
		snprintf(f->fee_ccy, sizeof f->fee_ccy, "%s", mm->quote);
	} else {
		snprintf(f->symbol, sizeof f->symbol, "%s", vs);
	}
	id_copy(json_object_get(d, "id"), f->trade_id, sizeof f->trade_id);
	id_copy(json_object_get(d, "order_id"), f->venue_order_id, sizeof f->venue_order_id);
	snprintf(f->id, sizeof f->id, "%s",
	         json_string_value(json_object_get(d, "client_order_id")) ?: "");
	if (!side || (strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0))
		return lyra_error(LYRA_EX_DATAERR, "a trade without side buy or sell");
	snprintf(f->side, sizeof f->side, "%s", side);
	if (!*f->trade_id || !*f->venue_order_id)
		return lyra_error(LYRA_EX_DATAERR, "a trade without id or order_id");
	if (ev_dec(d, "amount", &f->qty) != 0 || ev_dec(d, "price", &f->px) != 0 ||
	    (json_object_get(d, "fee") && ev_dec(d, "fee", &f->fee) != 0) ||
	    lyra_vx_time(json_object_get(d, "microtimestamp"), "microtimestamp", 1, &f->ts) != 0)
		return -1;
	if (lyra_dec_sign(f->qty) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "a trade with amount %s", "not above zero");
	return 0;
}

/* The order's state from order_status/ (by client order id, else Bitstamp's id) to on_order;
 * a failed read is left to the REST poll. 0, or -2 when the callback stopped. */
static int ws_order_state(struct lyra_trade *t, const char *cid, const char *oid,
                          lyra_trade_order_cb on_order, void *ctx)
{
	struct lyra_trade_form f = {0};
	struct lyra_trade_error err = {0};
	struct lyra_venue_order o;
	json_t *j;
	if (*cid)
		lyra_trade_form_add(&f, "client_order_id", cid);
	else if (*oid)
		lyra_trade_form_add(&f, "id", oid);
	else
		return 0;
	if (call(t, "/api/v2/order_status/", &f, 1, &j, &err) != 0) {
		json_decref(j);
		lyra_error_clear();
		return 0;
	}
	int rc = parse_order(t, NULL, j, &o);
	json_decref(j);
	if (rc != 0) {
		lyra_error_clear();
		return 0;
	}
	if (!*o.id)
		snprintf(o.id, sizeof o.id, "%s", cid);
	return on_order(ctx, &o) != 0 ? -2 : 0;
}

static int s_message(struct lyra_trade *t, const json_t *j, lyra_trade_order_cb on_order,
                     lyra_trade_fill_cb on_fill, void *ctx)
{
	const char *ev = json_string_value(json_object_get(j, "event"));
	const char *ch = json_string_value(json_object_get(j, "channel"));
	const json_t *d = json_object_get(j, "data");
	char vs[LYRA_SYM_MAX], cid[64] = "", oid[64] = "";
	if (!ev)
		return 0;
	if (!strcmp(ev, "bts:heartbeat"))
		return 1;
	if (!strcmp(ev, "bts:subscription_succeeded"))
		return ch && !strncmp(ch, "private-my_", 11) ? 3 : 0;
	if (!strcmp(ev, "bts:error"))
		return lyra_error(LYRA_EX_NOPERM, V ": %s (%" JSON_INTEGER_FORMAT ")",
		                  json_string_value(json_object_get(d, "message")) ?: "bts:error",
		                  json_integer_value(json_object_get(d, "code")));
	if (!strcmp(ev, "bts:request_reconnect"))
		return lyra_error(LYRA_EX_UNAVAILABLE, V ": the venue asked for a new connection");
	if (!ch || !json_is_object(d))
		return 0;
	id_copy(json_object_get(d, "client_order_id"), cid, sizeof cid);
	if (!strcmp(ev, "trade") && chan_pair(ch, "private-my_trades_", vs, sizeof vs) == 0) {
		struct lyra_venue_fill f;
		if (ws_fill(t, vs, d, &f) != 0)
			return lyra_error(LYRA_EX_DATAERR, V ": my_trades: %s", lyra_error_msg());
		if (on_fill(ctx, &f) != 0)
			return -2;
		return ws_order_state(t, f.id, f.venue_order_id, on_order, ctx);
	}
	if (!strcmp(ev, "order_deleted") && chan_pair(ch, "private-my_orders_", vs, sizeof vs) == 0) {
		id_copy(json_object_get(d, "id"), oid, sizeof oid);
		return ws_order_state(t, cid, oid, on_order, ctx);
	}
	return 0;   /* order_created, order_changed */
}

static const struct lyra_trade_stream bitstamp_stream = {
	.url = "wss://ws.bitstamp.net",
	.testnet_url = NULL,
	.hello = s_hello,
	.message = s_message,
	.keepalive_s = 30,
	.ping_text = "{\"event\":\"bts:heartbeat\"}",
	.watch = s_watch,
};

const struct lyra_trade_adapter lyra_trade_bitstamp = {
	.id = V,
	.rest_url = "https://www.bitstamp.net",
	.testnet_url = NULL,
	.weight_per_minute = 1000,     /* 10,000 requests per 10 minutes */
	.place = b_place,
	.cancel = b_cancel,
	.amend = b_amend,
	.query = b_query,
	.open_orders = b_open,
	.fills = b_fills,
	.balances = b_balances,
	.server_time = b_time,
	.venue_error = bs_venue_error,
	.parse_order = parse_order,
	.parse_fill = parse_fill,
	.stream = &bitstamp_stream,
};
