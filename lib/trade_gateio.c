/* trade_gateio.c: Gate's private REST API v4 for spot (https://api.gateio.ws, paths under
 * /api/v4, signed whole): orders on /spot/orders by the client text "t-<id>" (place, GET,
 * DELETE, PATCH amend), /spot/orders?status=open|finished, /spot/open_orders, /spot/my_trades,
 * /spot/accounts and /spot/time. Gate takes a market buy's amount in the quote currency, so
 * lyra (quantities in base units) places market sells only; stop orders live on Gate's
 * separate /spot/price_orders API, which this adapter does not use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "error.h"
#include "http.h"
#include "trade.h"
#include "trade_impl.h"
#include "venue_impl.h"

#define V "gateio"
#define API "/api/v4"

/* Gate's error label to lyra's kind. */
static enum lyra_trade_err label_kind(const char *label)
{
	static const struct {
		const char *label;
		enum lyra_trade_err kind;
	} map[] = {
		{"INVALID_KEY", LYRA_TE_AUTH}, {"INVALID_SIGNATURE", LYRA_TE_AUTH},
		{"INVALID_CREDENTIALS", LYRA_TE_AUTH}, {"MISSING_REQUIRED_HEADER", LYRA_TE_AUTH},
		{"IP_FORBIDDEN", LYRA_TE_AUTH}, {"READ_ONLY", LYRA_TE_AUTH},
		{"FORBIDDEN", LYRA_TE_AUTH}, {"ACCOUNT_LOCKED", LYRA_TE_AUTH},
		{"REQUEST_EXPIRED", LYRA_TE_CLOCK},
		{"TOO_MANY_REQUESTS", LYRA_TE_RATE_LIMIT}, {"TOO_FAST", LYRA_TE_RATE_LIMIT},
		{"BALANCE_NOT_ENOUGH", LYRA_TE_INSUFFICIENT},
		{"MARGIN_BALANCE_NOT_ENOUGH", LYRA_TE_INSUFFICIENT},
		{"AMOUNT_TOO_LITTLE", LYRA_TE_MIN_SIZE}, {"QUANTITY_NOT_ENOUGH", LYRA_TE_MIN_SIZE},
		{"INVALID_PRECISION", LYRA_TE_PRECISION},
		{"ORDER_NOT_FOUND", LYRA_TE_UNKNOWN_ORDER}, {"CLIENT_ID_NOT_FOUND", LYRA_TE_UNKNOWN_ORDER},
		{"ORDER_CLOSED", LYRA_TE_UNKNOWN_ORDER}, {"ORDER_CANCELLED", LYRA_TE_UNKNOWN_ORDER},
		{"REPEATED_CREATION", LYRA_TE_DUPLICATE},
		{"SERVER_ERROR", LYRA_TE_UNCERTAIN}, {"INTERNAL", LYRA_TE_UNCERTAIN},
		{"TOO_BUSY", LYRA_TE_UNCERTAIN},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i].label, label))
			return map[i].kind;
	return LYRA_TE_REJECTED;   /* POC_FILL_IMMEDIATELY, INVALID_CURRENCY_PAIR, INVALID_PARAM_VALUE */
}

/* {"label":"BALANCE_NOT_ENOUGH","message":"..."} (older answers: "detail") in any answer. */
static int gate_venue_error(const char *body, size_t len, long status, struct lyra_trade_error *err)
{
	(void)status;
	json_t *j = json_loadb(body, len, 0, NULL);
	const char *label = json_is_object(j) ? json_string_value(json_object_get(j, "label")) : NULL;
	if (!label || !*label) {
		json_decref(j);
		return 0;
	}
	const char *msg = json_string_value(json_object_get(j, "message"));
	if (!msg)
		msg = json_string_value(json_object_get(j, "detail"));
	err->kind = label_kind(label);
	snprintf(err->code, sizeof err->code, "%s", label);
	snprintf(err->message, sizeof err->message, "%s", msg && *msg ? msg : "(no message)");
	json_decref(j);
	return 1;
}

/* ---- mapping ---- */

static void set_symbol(struct lyra_trade *t, const struct lyra_market *m, const char *pair,
                       char *out, size_t n)
{
	const struct lyra_market *mm = m && !strcmp(m->venue_symbol, pair) ? m
	                               : lyra_trade_market_by_venue_symbol(t, pair);
	if (mm) {
		snprintf(out, n, "%s", mm->symbol);
		return;
	}
	/* "BTC_USDT" -> "BTC/USDT" */
	snprintf(out, n, "%s", pair);
	char *us = strchr(out, '_');
	if (us)
		*us = '/';
}

/* The lyra id of an order text: "t-abc" -> "abc"; Gate's own texts ("apiv4", "web") -> "". */
static void text_id(const json_t *v, char *buf, size_t n)
{
	const char *s = json_string_value(v);
	snprintf(buf, n, "%s", s && !strncmp(s, "t-", 2) ? s + 2 : "");
}

/* open/closed/cancelled with finish_as to lyra's status. */
static const char *status_lyra(const char *st, const char *finish, int filled)
{
	if (!strcmp(st, "open"))
		return filled ? "partially_filled" : "acked";
	if (!strcmp(st, "closed"))
		return "filled";
	if (strcmp(st, "cancelled") != 0)
		return NULL;
	if (!finish)
		return "cancelled";
	if (!strcmp(finish, "filled"))
		return "filled";
	if (!strcmp(finish, "poc"))
		return "rejected";   /* a post-only order that would have taken */
	if (!strcmp(finish, "ioc") || !strcmp(finish, "fok") || !strcmp(finish, "small") ||
	    !strcmp(finish, "depth_not_enough") || !strcmp(finish, "trader_not_enough"))
		return "expired";
	return "cancelled";   /* cancelled, stp, liquidate_cancelled, unknown */
}

/* A spot order object into o. */
static int parse_order(struct lyra_trade *t, const struct lyra_market *m, const json_t *j,
                       struct lyra_venue_order *o)
{
	memset(o, 0, sizeof *o);
	if (!json_is_object(j))
		return lyra_error(LYRA_EX_DATAERR, V ": an order is not an object");
	const char *pair = lyra_vx_str(json_object_get(j, "currency_pair"), "currency_pair");
	const char *st = lyra_vx_str(json_object_get(j, "status"), "status");
	const char *ty = json_string_value(json_object_get(j, "type"));
	const char *tif = json_string_value(json_object_get(j, "time_in_force"));
	const char *side = json_string_value(json_object_get(j, "side"));
	if (!pair || !st)
		return -1;
	text_id(json_object_get(j, "text"), o->id, sizeof o->id);
	if (lyra_vx_copy(json_object_get(j, "id"), "id", o->venue_order_id,
	                 sizeof o->venue_order_id) < 0)
		return -1;
	set_symbol(t, m, pair, o->symbol, sizeof o->symbol);
	snprintf(o->side, sizeof o->side, "%s", side ? side : "");
	tif = tif ? tif : "gtc";
	if (ty && !strcmp(ty, "market")) {
		snprintf(o->kind, sizeof o->kind, "market");
		snprintf(o->tif, sizeof o->tif, "%s", !strcmp(tif, "fok") ? "FOK" : "IOC");
	} else if (!strcmp(tif, "poc")) {
		snprintf(o->kind, sizeof o->kind, "post_only");
		snprintf(o->tif, sizeof o->tif, "GTC");
	} else {
		snprintf(o->kind, sizeof o->kind, "%s", ty && strcmp(ty, "limit") ? "other" : "limit");
		snprintf(o->tif, sizeof o->tif, "%s", !strcmp(tif, "ioc") ? "IOC"
		         : !strcmp(tif, "fok") ? "FOK" : "GTC");
	}
	struct lyra_dec left, total;
	if (lyra_trade_opt_dec(json_object_get(j, "price"), "price", &o->px) != 0 ||
	    lyra_vx_dec(json_object_get(j, "amount"), "amount", &o->qty) != 0 ||
	    lyra_trade_opt_dec(json_object_get(j, "left"), "left", &left) != 0 ||
	    lyra_trade_opt_dec(json_object_get(j, "avg_deal_price"), "avg_deal_price", &o->avg_px) != 0 ||
	    lyra_trade_opt_dec(json_object_get(j, "filled_total"), "filled_total", &total) != 0)
		return -1;
	const json_t *fa = json_object_get(j, "filled_amount");
	int market_buy = ty && !strcmp(ty, "market") && side && !strcmp(side, "buy");
	if (fa) {
		if (lyra_vx_dec(fa, "filled_amount", &o->filled_qty) != 0)
			return -1;
	} else if (market_buy) {
		/* amount and left count quote: the base filled is filled_total / avg_deal_price */
		o->filled_qty = lyra_dec_zero();
		if (lyra_dec_sign(o->avg_px) > 0 &&
		    lyra_dec_div(total, o->avg_px, 12, LYRA_ROUND_HALF_EVEN, &o->filled_qty) != 0)
			return -1;
		o->filled_qty = lyra_dec_normalize(o->filled_qty);
	} else if (lyra_dec_sub(o->qty, left, &o->filled_qty) != 0) {
		return -1;
	}
	if (market_buy)
		o->qty = o->filled_qty;   /* the base quantity is only known once filled */
	if (lyra_dec_sign(o->filled_qty) <= 0)
		o->avg_px = lyra_dec_zero();
	const char *ls = status_lyra(st, json_string_value(json_object_get(j, "finish_as")),
	                             lyra_dec_sign(o->filled_qty) > 0);
	if (!ls)
		return lyra_error(LYRA_EX_DATAERR, V ": unknown order status '%s'", st);
	snprintf(o->status, sizeof o->status, "%s", ls);
	const json_t *ut = json_object_get(j, "update_time_ms");
	if (ut && lyra_vx_time(ut, "update_time_ms", 1000, &o->ts) == 0)
		return 0;
	ut = json_object_get(j, "update_time");
	if (ut && lyra_vx_time(ut, "update_time", 1000000, &o->ts) != 0)
		return -1;
	return 0;
}

/* A my_trades row into f. */
static int parse_fill(struct lyra_trade *t, const struct lyra_market *m, const json_t *v,
                      struct lyra_venue_fill *f)
{
	memset(f, 0, sizeof *f);
	const char *pair = lyra_vx_str(json_object_get(v, "currency_pair"), "currency_pair");
	if (!pair)
		return -1;
	set_symbol(t, m, pair, f->symbol, sizeof f->symbol);
	text_id(json_object_get(v, "text"), f->id, sizeof f->id);
	const char *side = json_string_value(json_object_get(v, "side"));
	const char *role = json_string_value(json_object_get(v, "role"));
	snprintf(f->side, sizeof f->side, "%s", side ? side : "");
	snprintf(f->liquidity, sizeof f->liquidity, "%s", role && !strcmp(role, "maker") ? "maker"
	         : "taker");
	const char *fc = json_string_value(json_object_get(v, "fee_currency"));
	if (fc)
		lyra_venue_asset(V, fc, f->fee_ccy, sizeof f->fee_ccy);
	const json_t *ts = json_object_get(v, "create_time_ms");
	int64_t unit = 1000;
	if (!ts) {
		ts = json_object_get(v, "create_time");
		unit = 1000000;
	}
	if (lyra_vx_copy(json_object_get(v, "id"), "id", f->trade_id, sizeof f->trade_id) < 0 ||
	    lyra_vx_copy(json_object_get(v, "order_id"), "order_id", f->venue_order_id,
	                 sizeof f->venue_order_id) < 0 ||
	    lyra_vx_dec(json_object_get(v, "price"), "price", &f->px) != 0 ||
	    lyra_vx_dec(json_object_get(v, "amount"), "amount", &f->qty) != 0 ||
	    lyra_trade_opt_dec(json_object_get(v, "fee"), "fee", &f->fee) != 0 ||
	    lyra_vx_time(ts, "create_time_ms", unit, &f->ts) != 0)
		return lyra_error(LYRA_EX_DATAERR, "a trade: %s", lyra_error_msg());
	return 0;
}

/* 1 to 28 of 0-9 A-Z a-z _ - . (sent as the text "t-<id>"). */
static int id_ok(const char *id, char *why, size_t n)
{
	return lyra_trade_id_charset(id, 28, "_-.", "Gate", " after its 't-' prefix", why, n);
}

/* Send and read one order object into out (placing: a lost answer is UNCERTAIN). */
static int order_call(struct lyra_trade *t, const struct lyra_market *m,
                      const struct lyra_trade_req *req, int placing,
                      struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	json_t *j;
	char what[160];
	int rc = lyra_trade_send(t, req, &j, err);
	if (rc == 2)
		return 2;
	if (rc != 0)
		return rc;
	rc = parse_order(t, m, j, out);
	json_decref(j);
	snprintf(what, sizeof what, "%s %s", req->method, req->path);
	return rc == 0 ? 0 : lyra_trade_bad_answer(t, err, placing, what);
}

/* "/api/v4/spot/orders/t-<id>" and "currency_pair=X" for an order by its text. */
static int by_text(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   char *path, size_t pn, char *q, size_t qn, struct lyra_trade_error *err)
{
	char e[128], why[128];
	if (!id_ok(id, why, sizeof why))
		return lyra_trade_fail(t, err, LYRA_TE_UNKNOWN_ORDER, NULL,
		                       "client order id '%s' %s: lyra never sent it", id, why);
	if (lyra_http_escape(m->venue_symbol, e, sizeof e) < 0)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "symbol too long");
	snprintf(path, pn, API "/spot/orders/t-%s", id);
	snprintf(q, qn, "currency_pair=%s", e);
	return 0;
}

/* ---- calls ---- */

static int g_place(struct lyra_trade *t, const struct lyra_market *m, const json_t *order,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_trade_order o;
	char why[128], text[40];
	const char *type = "limit", *tif;
	int rc;

	if ((rc = lyra_trade_order_read(t, m, order, &o, err)) != 0)
		return rc;
	if (!id_ok(o.id, why, sizeof why))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "client order id '%s' %s (not sent)", o.id, why);
	if (!strcmp(o.kind, "stop") || !strcmp(o.kind, "stop_limit"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': Gate takes stop orders on /spot/price_orders (its "
		                       "own ids), which this adapter does not use", o.id);
	if (!strcmp(o.tif, "GTD"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': Gate spot has no GTD time in force", o.id);
	if (!strcmp(o.kind, "market")) {
		if (!strcmp(o.side, "buy"))
			return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
			                       "order '%s': a Gate market buy takes its amount in the quote "
			                       "currency; place a limit IOC buy instead", o.id);
		if (!strcmp(o.tif, "GTC"))
			return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
			                       "order '%s': Gate market orders are IOC or FOK", o.id);
		type = "market";
		tif = !strcmp(o.tif, "FOK") ? "fok" : "ioc";
	} else if (!strcmp(o.kind, "post_only")) {
		if (strcmp(o.tif, "GTC") != 0)
			return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
			                       "order '%s': a post-only (poc) order rests: tif GTC only", o.id);
		tif = "poc";
	} else {
		tif = !strcmp(o.tif, "IOC") ? "ioc" : !strcmp(o.tif, "FOK") ? "fok" : "gtc";
	}
	snprintf(text, sizeof text, "t-%s", o.id);
	json_t *b = json_pack("{ssssssssssss}", "text", text, "currency_pair", m->venue_symbol,
	                      "type", type, "account", "spot", "side", o.side, "amount", o.qtys);
	if (b && o.has_px)
		json_object_set_new(b, "price", json_string(o.pxs));
	if (b)
		json_object_set_new(b, "time_in_force", json_string(tif));
	char *body = lyra_trade_dump(b);
	if (!body)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "out of memory");
	struct lyra_trade_req req = {.method = "POST", .path = API "/spot/orders", .body = body,
	                             .weight = 1, .sign = 1};
	rc = order_call(t, m, &req, 1, out, err);
	free(body);
	if (rc == 2) {
		memset(out, 0, sizeof *out);
		snprintf(out->id, sizeof out->id, "%s", o.id);
		snprintf(out->status, sizeof out->status, "dry_run");
		return 0;
	}
	return rc;
}

static int g_cancel(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                    struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	char path[128], q[160];
	int rc = by_text(t, m, id, path, sizeof path, q, sizeof q, err);
	if (rc != 0)
		return rc;
	struct lyra_trade_req req = {.method = "DELETE", .path = path, .query = q,
	                             .weight = 1, .sign = 1};
	rc = order_call(t, m, &req, 0, out, err);
	return rc == 2 ? 0 : rc;
}

static int g_amend(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   const struct lyra_dec *px, const struct lyra_dec *qty,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	char path[128], q[160], s[LYRA_DEC_STRLEN];
	int rc = by_text(t, m, id, path, sizeof path, q, sizeof q, err);
	if (rc != 0)
		return rc;
	json_t *b = json_pack("{ssss}", "currency_pair", m->venue_symbol, "account", "spot");
	if (b && qty) {
		lyra_dec_format(*qty, s);
		json_object_set_new(b, "amount", json_string(s));
	}
	if (b && px) {
		lyra_dec_format(*px, s);
		json_object_set_new(b, "price", json_string(s));
	}
	char *body = lyra_trade_dump(b);
	if (!body)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "out of memory");
	struct lyra_trade_req req = {.method = "PATCH", .path = path, .body = body,
	                             .weight = 1, .sign = 1};
	rc = order_call(t, m, &req, 1, out, err);
	free(body);
	return rc == 2 ? 0 : rc;
}

/* Gate answers a text lookup only while the order is open and for a while after it finished;
 * later, the text is found among the pair's latest 100 finished orders. */
static int finished_by_text(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                            struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	char q[200], e[128];
	json_t *j, *v;
	size_t i;
	lyra_http_escape(m->venue_symbol, e, sizeof e);
	snprintf(q, sizeof q, "currency_pair=%s&status=finished&limit=100", e);
	struct lyra_trade_req req = {.method = "GET", .path = API "/spot/orders", .query = q,
	                             .weight = 1, .sign = 1};
	struct lyra_trade_error e2;
	if (lyra_trade_send(t, &req, &j, &e2) != 0)
		return 1;
	json_array_foreach(j, i, v) {
		char tid[64];
		text_id(json_object_get(v, "text"), tid, sizeof tid);
		if (strcmp(tid, id) != 0)
			continue;
		int rc = parse_order(t, m, v, out);
		json_decref(j);
		if (rc != 0)
			return lyra_trade_bad_answer(t, err, 0, "GET " API "/spot/orders");
		memset(err, 0, sizeof *err);
		return 0;
	}
	json_decref(j);
	return 1;
}

static int g_query(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	char path[128], q[160];
	int rc = by_text(t, m, id, path, sizeof path, q, sizeof q, err);
	if (rc != 0)
		return rc;
	struct lyra_trade_req req = {.method = "GET", .path = path, .query = q,
	                             .weight = 1, .sign = 1};
	rc = order_call(t, m, &req, 0, out, err);
	if (rc == 2)
		return 0;
	if (rc == 1 && err->kind == LYRA_TE_UNKNOWN_ORDER) {
		struct lyra_trade_error first = *err;
		if (finished_by_text(t, m, id, out, err) == 0)
			return 0;
		*err = first;
		return lyra_trade_fail(t, err, first.kind, first.code, "%s", first.message);
	}
	return rc;
}

static int each_order(struct lyra_trade *t, const struct lyra_market *m, const json_t *arr,
                      const char *what, lyra_trade_order_cb cb, void *ctx,
                      struct lyra_trade_error *err)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		struct lyra_venue_order o;
		if (parse_order(t, m, v, &o) != 0)
			return lyra_trade_bad_answer(t, err, 0, what);
		if (cb(ctx, &o) != 0)
			return lyra_trade_stopped(t, err);
	}
	return 0;
}

/* One market: /spot/orders?status=open, paged; all: /spot/open_orders (per pair, paged). */
static int g_open(struct lyra_trade *t, const struct lyra_market *m, lyra_trade_order_cb cb,
                  void *ctx, struct lyra_trade_error *err)
{
	const int limit = 100;
	for (int page = 1; page <= 1000; page++) {
		char q[256], e[128];
		json_t *j, *v;
		size_t i, most = 0;
		if (m) {
			lyra_http_escape(m->venue_symbol, e, sizeof e);
			snprintf(q, sizeof q, "currency_pair=%s&status=open&page=%d&limit=%d", e, page, limit);
		} else {
			snprintf(q, sizeof q, "page=%d&limit=%d", page, limit);
		}
		const char *path = m ? API "/spot/orders" : API "/spot/open_orders";
		struct lyra_trade_req req = {.method = "GET", .path = path, .query = q,
		                             .weight = 1, .sign = 1};
		int rc = lyra_trade_send(t, &req, &j, err);
		if (rc == 2)
			return 0;
		if (rc != 0)
			return rc;
		if (!json_is_array(j)) {
			json_decref(j);
			lyra_error(LYRA_EX_DATAERR, "not an array");
			return lyra_trade_bad_answer(t, err, 0, path);
		}
		if (m) {
			most = json_array_size(j);
			rc = each_order(t, m, j, path, cb, ctx, err);
		} else {
			json_array_foreach(j, i, v) {
				json_t *os = json_object_get(v, "orders");
				if (json_array_size(os) > most)
					most = json_array_size(os);
				if ((rc = each_order(t, NULL, os, path, cb, ctx, err)) != 0)
					break;
			}
		}
		json_decref(j);
		if (rc != 0 || most < (size_t)limit)
			return rc;
	}
	return 0;
}

/* Newest first, paged; handed over oldest first from since_us on. */
static int g_fills(struct lyra_trade *t, const struct lyra_market *m, int64_t since_us,
                   lyra_trade_fill_cb cb, void *ctx, struct lyra_trade_error *err)
{
	const int limit = 1000;
	const char *path = API "/spot/my_trades";
	json_t *all = json_array();
	int rc = 0;
	for (int page = 1; page <= 1000; page++) {
		char q[256] = "", e[128];
		json_t *j, *v;
		size_t i;
		if (m && lyra_http_escape(m->venue_symbol, e, sizeof e) >= 0)
			snprintf(q, sizeof q, "currency_pair=%s&", e);
		snprintf(q + strlen(q), sizeof q - strlen(q), "limit=%d&page=%d&from=%lld", limit, page,
		         (long long)lyra_vx_sec(since_us));
		struct lyra_trade_req req = {.method = "GET", .path = path, .query = q,
		                             .weight = 1, .sign = 1};
		rc = lyra_trade_send(t, &req, &j, err);
		if (rc == 2) {
			rc = 0;
			break;
		}
		if (rc != 0)
			break;
		size_t n = json_array_size(j);
		json_array_foreach(j, i, v)
			json_array_append(all, v);
		json_decref(j);
		if (n < (size_t)limit)
			break;
	}
	for (size_t i = json_array_size(all); rc == 0 && i-- > 0;) {
		struct lyra_venue_fill f;
		if (parse_fill(t, m, json_array_get(all, i), &f) != 0) {
			rc = lyra_trade_bad_answer(t, err, 0, path);
			break;
		}
		if (f.ts < since_us)
			continue;
		if (cb(ctx, &f) != 0)
			rc = lyra_trade_stopped(t, err);
	}
	json_decref(all);
	return rc;
}

static int g_balances(struct lyra_trade *t, lyra_trade_balance_cb cb, void *ctx,
                      struct lyra_trade_error *err)
{
	json_t *j;
	struct lyra_trade_req req = {.method = "GET", .path = API "/spot/accounts",
	                             .weight = 1, .sign = 1};
	int rc = lyra_trade_send(t, &req, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	if (!json_is_array(j)) {
		json_decref(j);
		lyra_error(LYRA_EX_DATAERR, "not an array");
		return lyra_trade_bad_answer(t, err, 0, "GET " API "/spot/accounts");
	}
	static const struct lyra_trade_balance_keys k = {"currency", "available", NULL, "locked", 1, 0};
	return lyra_trade_balance_list(t, j, j, &k, "GET " API "/spot/accounts", cb, ctx, err);
}

static int g_time(struct lyra_trade *t, int64_t *server_us, struct lyra_trade_error *err)
{
	return lyra_trade_clock_get(t, API "/spot/time", "server_time", 1000, server_us, err);
}

/* ---- the user stream ----
 * Spot WebSocket v4 (https://www.gate.com/docs/developers/apiv4/ws/en/, "Authentication",
 * "Orders channel" spot.orders and "User trades channel" spot.usertrades): connect to
 * wss://api.gateio.ws/ws/v4/ and subscribe to each private channel with {"time":T,"channel":C,
 * "event":"subscribe","payload":["!all"],"auth":{"method":"api_key","KEY":key,"SIGN":S}}, S the
 * hex HMAC-SHA512 under the secret of "channel=C&event=subscribe&time=T" (T in seconds). The
 * answer {"channel":C,"event":"subscribe","error":null,"result":{"status":"success"}} confirms
 * it, {"error":{"code":4,"message":...}} refuses it. spot.usertrades pushes own trades in the
 * REST my_trades shape (id and order_id may be numbers, create_time_ms a decimal of ms, role
 * maker/taker, text the client text): each is one fill. spot.orders pushes orders in the REST
 * shape without "status": "event" put/update means open, finish means done (finish_as says how:
 * filled, cancelled, ioc, poc, ...). Gate pushes the two channels independently, so a fill
 * and the order update it leads to may come in either order. The client pings with
 * {"time":T,"channel":"spot.ping"} (answered spot.pong). */

static char *s_hello(struct lyra_trade *t, int step)
{
	static const char *const chans[] = {"spot.orders", "spot.usertrades"};
	char msg[160], sig[129];
	if (step < 0 || step > 1) {
		lyra_error(LYRA_EX_SOFTWARE, V ": no opening step %d", step);
		return NULL;
	}
	if (!t->o.key) {
		lyra_error(LYRA_EX_CONFIG, V ": no API key");
		return NULL;
	}
	long long now = (long long)(lyra_trade_now(t) / 1000000);
	snprintf(msg, sizeof msg, "channel=%s&event=subscribe&time=%lld", chans[step], now);
	if (lyra_trade_hmac_hex(t->o.key, "sha512", msg, sig, sizeof sig) != 0)
		return NULL;
	json_t *req = json_pack("{s:I, s:s, s:s, s:[s], s:{s:s, s:s, s:s}}", "time", (json_int_t)now,
	                        "channel", chans[step], "event", "subscribe", "payload", "!all",
	                        "auth", "method", "api_key", "KEY", t->o.key->key, "SIGN", sig);
	char *out = req ? json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(req);
	if (!out)
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return out;
}

static char *s_ping(struct lyra_trade *t)
{
	char *out = malloc(64);
	if (!out) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	snprintf(out, 64, "{\"time\":%lld,\"channel\":\"spot.ping\"}",
	         (long long)(lyra_trade_now(t) / 1000000));
	return out;
}

/* A pushed object with its numeric ids as text (REST gives text). NEW or NULL. */
static json_t *ids_as_text(const json_t *v)
{
	static const char *const keys[] = {"id", "order_id"};
	json_t *x = json_deep_copy(v);
	for (size_t i = 0; x && i < 2; i++) {
		const json_t *n = json_object_get(x, keys[i]);
		if (json_is_integer(n)) {
			char b[32];
			snprintf(b, sizeof b, "%" JSON_INTEGER_FORMAT, json_integer_value(n));
			json_object_set_new(x, keys[i], json_string(b));
		}
	}
	if (!x)
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return x;
}

static int s_message(struct lyra_trade *t, const json_t *j, lyra_trade_order_cb on_order,
                     lyra_trade_fill_cb on_fill, void *ctx)
{
	const char *ch = json_string_value(json_object_get(j, "channel"));
	const char *ev = json_string_value(json_object_get(j, "event"));
	if (!ch || !ev)
		return 0;
	const json_t *er = json_object_get(j, "error");
	if (!strcmp(ev, "subscribe")) {
		if (er && !json_is_null(er))
			return lyra_error(LYRA_EX_NOPERM, V ": %s refused: %s (%" JSON_INTEGER_FORMAT ")", ch,
			                  json_string_value(json_object_get(er, "message")) ?: "no message",
			                  json_integer_value(json_object_get(er, "code")));
		return !strcmp(ch, "spot.orders") ? 2 : !strcmp(ch, "spot.usertrades") ? 1 : 0;
	}
	if (strcmp(ev, "update") != 0)
		return 0;   /* spot.pong, unsubscribe answers */
	const json_t *res = json_object_get(j, "result");
	size_t i;
	const json_t *d;
	int trades = !strcmp(ch, "spot.usertrades");
	if ((!trades && strcmp(ch, "spot.orders") != 0) || !json_is_array(res))
		return 0;
	json_array_foreach(res, i, d) {
		json_t *x = ids_as_text(d);
		int rc;
		if (!x)
			return -1;
		if (trades) {
			struct lyra_venue_fill f;
			rc = parse_fill(t, NULL, x, &f);
			json_decref(x);
			if (rc != 0)
				return lyra_error(LYRA_EX_DATAERR, V ": spot.usertrades: %s", lyra_error_msg());
			if (on_fill(ctx, &f) != 0)
				return -2;
			continue;
		}
		struct lyra_venue_order o;
		const char *oe = json_string_value(json_object_get(d, "event"));
		json_object_set_new(x, "status", json_string(oe && !strcmp(oe, "finish") ? "cancelled"
		                                             : "open"));
		rc = parse_order(t, NULL, x, &o);
		json_decref(x);
		if (rc != 0)
			return lyra_error(LYRA_EX_DATAERR, V ": spot.orders: %s", lyra_error_msg());
		if (on_order(ctx, &o) != 0)
			return -2;
	}
	return 0;
}

static const struct lyra_trade_stream gateio_stream = {
	.url = "wss://api.gateio.ws/ws/v4/",
	.testnet_url = NULL,
	.hello = s_hello,
	.message = s_message,
	.keepalive_s = 20,
	.ping = s_ping,
};

const struct lyra_trade_adapter lyra_trade_gateio = {
	.id = V,
	.rest_url = "https://api.gateio.ws",
	.testnet_url = "https://api-testnet.gateapi.io",
	.weight_per_minute = 0,
	.place = g_place,
	.cancel = g_cancel,
	.amend = g_amend,
	.query = g_query,
	.open_orders = g_open,
	.fills = g_fills,
	.balances = g_balances,
	.server_time = g_time,
	.venue_error = gate_venue_error,
	.parse_order = parse_order,
	.parse_fill = parse_fill,
	.stream = &gateio_stream,
};
