/* trade_binance.c: Binance spot's private REST API (https://api.binance.com, testnet
 * https://testnet.binance.vision): orders by client order id (newClientOrderId /
 * origClientOrderId) on /api/v3/order, quantity decreases with /api/v3/order/amend/keepPriority,
 * /api/v3/openOrders, /api/v3/myTrades, /api/v3/account and /api/v3/time. Every parameter goes
 * in the signed query string; the body is empty. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "error.h"
#include "http.h"
#include "sign.h"
#include "trade.h"
#include "trade_impl.h"
#include "venue_impl.h"

#define V "binance"

/* Binance's error code (and, for -1013 and -2010, its message) to lyra's kind. */
static enum lyra_trade_err code_kind(long code, const char *msg)
{
	switch (code) {
	case -1003: case -1015: return LYRA_TE_RATE_LIMIT;
	case -1021: return LYRA_TE_CLOCK;
	case -1002: case -1022: case -2014: case -2015: return LYRA_TE_AUTH;
	case -2011: case -2013: return LYRA_TE_UNKNOWN_ORDER;
	case -1111: return LYRA_TE_PRECISION;
	case -1013:
		if (strstr(msg, "NOTIONAL") || strstr(msg, "LOT_SIZE") || strstr(msg, "notional"))
			return LYRA_TE_MIN_SIZE;
		if (strstr(msg, "PRICE_FILTER") || strstr(msg, "TICK"))
			return LYRA_TE_PRECISION;
		return LYRA_TE_REJECTED;
	case -2010:
		if (strstr(msg, "insufficient balance"))
			return LYRA_TE_INSUFFICIENT;
		if (strstr(msg, "Duplicate order"))
			return LYRA_TE_DUPLICATE;
		return LYRA_TE_REJECTED;
	case -2026: return LYRA_TE_UNKNOWN_ORDER;   /* amend: the order is no longer open */
	default: return LYRA_TE_REJECTED;
	}
}

/* {"code":-2010,"msg":"..."} in any answer. */
static int binance_venue_error(const char *body, size_t len, long status,
                               struct lyra_trade_error *err)
{
	(void)status;
	json_t *j = json_loadb(body, len, 0, NULL);
	json_t *c = j && json_is_object(j) ? json_object_get(j, "code") : NULL;
	const char *msg = j ? json_string_value(json_object_get(j, "msg")) : NULL;
	if (!c || !json_is_integer(c) || json_integer_value(c) == 0 || !msg) {
		json_decref(j);
		return 0;
	}
	long code = (long)json_integer_value(c);
	err->kind = code_kind(code, msg);
	snprintf(err->code, sizeof err->code, "%ld", code);
	snprintf(err->message, sizeof err->message, "%s", msg);
	json_decref(j);
	return 1;
}

/* ---- mapping ---- */

static const char *status_lyra(const char *s)
{
	if (!strcmp(s, "NEW") || !strcmp(s, "PENDING_NEW") || !strcmp(s, "PENDING_CANCEL"))
		return "acked";
	if (!strcmp(s, "PARTIALLY_FILLED")) return "partially_filled";
	if (!strcmp(s, "FILLED")) return "filled";
	if (!strcmp(s, "CANCELED")) return "cancelled";
	if (!strcmp(s, "REJECTED")) return "rejected";
	if (!strcmp(s, "EXPIRED") || !strcmp(s, "EXPIRED_IN_MATCH")) return "expired";
	return NULL;
}

static const char *type_lyra(const char *s)
{
	if (!strcmp(s, "LIMIT")) return "limit";
	if (!strcmp(s, "MARKET")) return "market";
	if (!strcmp(s, "LIMIT_MAKER")) return "post_only";
	if (!strcmp(s, "STOP_LOSS")) return "stop";
	if (!strcmp(s, "STOP_LOSS_LIMIT")) return "stop_limit";
	return "other";   /* TAKE_PROFIT, TAKE_PROFIT_LIMIT: not placed by lyra */
}

static void lower(char *dst, size_t n, const char *s)
{
	size_t i = 0;
	for (; s && s[i] && i + 1 < n; i++)
		dst[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	dst[i] = '\0';
}

static void set_symbol(struct lyra_trade *t, const struct lyra_market *m, const char *vs,
                       char *out, size_t n)
{
	const struct lyra_market *mm = m && !strcmp(m->venue_symbol, vs) ? m
	                               : lyra_trade_market_by_venue_symbol(t, vs);
	snprintf(out, n, "%s", mm ? mm->symbol : vs);
}

/* An order object (place RESULT, query, cancel, openOrders, amendedOrder) into o. */
static int parse_order(struct lyra_trade *t, const struct lyra_market *m, const json_t *j,
                       struct lyra_venue_order *o)
{
	struct lyra_dec cq = lyra_dec_zero();
	const char *st, *cid;
	memset(o, 0, sizeof *o);
	if (!json_is_object(j))
		return lyra_error(LYRA_EX_DATAERR, V ": an order is not an object");
	cid = json_string_value(json_object_get(j, "origClientOrderId"));
	if (!cid || !*cid)
		cid = json_string_value(json_object_get(j, "clientOrderId"));
	if (!cid)
		return lyra_error(LYRA_EX_DATAERR, V ": an order without clientOrderId");
	snprintf(o->id, sizeof o->id, "%s", cid);
	lyra_trade_copy_id(json_object_get(j, "orderId"), o->venue_order_id, sizeof o->venue_order_id);
	const char *vs = lyra_vx_str(json_object_get(j, "symbol"), "symbol");
	st = lyra_vx_str(json_object_get(j, "status"), "status");
	if (!vs || !st)
		return -1;
	set_symbol(t, m, vs, o->symbol, sizeof o->symbol);
	const char *ls = status_lyra(st);
	if (!ls)
		return lyra_error(LYRA_EX_DATAERR, V ": unknown order status '%s'", st);
	snprintf(o->status, sizeof o->status, "%s", ls);
	lower(o->side, sizeof o->side, json_string_value(json_object_get(j, "side")));
	const char *ty = json_string_value(json_object_get(j, "type"));
	snprintf(o->kind, sizeof o->kind, "%s", ty ? type_lyra(ty) : "");
	const char *tif = json_string_value(json_object_get(j, "timeInForce"));
	snprintf(o->tif, sizeof o->tif, "%s", tif ? tif : "");
	const json_t *q = json_object_get(j, "origQty");
	if (!q)
		q = json_object_get(j, "qty");   /* amendedOrder */
	const json_t *c = json_object_get(j, "cummulativeQuoteQty");
	if (!c)
		c = json_object_get(j, "cumulativeQuoteQty");
	if (lyra_vx_dec(json_object_get(j, "price"), "price", &o->px) != 0 ||
	    lyra_vx_dec(q, "origQty", &o->qty) != 0 ||
	    lyra_vx_dec(json_object_get(j, "executedQty"), "executedQty", &o->filled_qty) != 0 ||
	    (c && lyra_vx_dec(c, "cummulativeQuoteQty", &cq) != 0))
		return -1;
	o->avg_px = lyra_dec_zero();
	if (lyra_dec_sign(o->filled_qty) > 0 && lyra_dec_sign(cq) > 0) {
		if (lyra_dec_div(cq, o->filled_qty, 10, LYRA_ROUND_HALF_EVEN, &o->avg_px) != 0)
			return -1;
		o->avg_px = lyra_dec_normalize(o->avg_px);
	}
	const char *tk[] = {"updateTime", "transactTime", "workingTime", "time"};
	for (size_t i = 0; i < sizeof tk / sizeof tk[0]; i++) {
		const json_t *v = json_object_get(j, tk[i]);
		if (v && lyra_vx_time(v, tk[i], 1000, &o->ts) == 0)
			break;
	}
	return 0;
}

/* [.A-Z:/a-z0-9_-]{1,36} */
static int id_ok(const char *id, char *why, size_t n)
{
	return lyra_trade_id_charset(id, 36, ".:/_-", "Binance", "", why, n);
}

/* Append "&k=v" (v percent-encoded) to buf. */
static int qadd(char *buf, size_t n, const char *k, const char *v)
{
	char esc[256];
	size_t l = strlen(buf);
	if (lyra_http_escape(v, esc, sizeof esc) < 0)
		return -1;
	int w = snprintf(buf + l, n - l, "%s%s=%s", l ? "&" : "", k, esc);
	return w < 0 || (size_t)w >= n - l ? -1 : 0;
}

/* ---- calls ---- */

static int b_place(struct lyra_trade *t, const struct lyra_market *m, const json_t *order,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_trade_order o;
	char q[1024] = "", why[128];
	const char *type;
	int tif = 0, rc;
	json_t *j;

	if ((rc = lyra_trade_order_read(t, m, order, &o, err)) != 0)
		return rc;
	if (!id_ok(o.id, why, sizeof why))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "client order id '%s' %s (not sent)", o.id, why);
	if (!strcmp(o.tif, "GTD"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': Binance spot has no GTD time in force", o.id);
	if (!strcmp(o.kind, "limit")) {
		type = "LIMIT";
		tif = 1;
	} else if (!strcmp(o.kind, "market")) {
		type = "MARKET";
		if (!strcmp(o.tif, "FOK"))
			return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
			                       "order '%s': Binance spot market orders take no FOK", o.id);
	} else if (!strcmp(o.kind, "post_only")) {
		type = "LIMIT_MAKER";
		if (strcmp(o.tif, "GTC") != 0)
			return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
			                       "order '%s': a post-only (LIMIT_MAKER) order rests: tif GTC "
			                       "only", o.id);
	} else if (!strcmp(o.kind, "stop")) {
		type = "STOP_LOSS";
	} else {
		type = "STOP_LOSS_LIMIT";
		tif = 1;
	}
	if (qadd(q, sizeof q, "symbol", m->venue_symbol) ||
	    qadd(q, sizeof q, "side", !strcmp(o.side, "buy") ? "BUY" : "SELL") ||
	    qadd(q, sizeof q, "type", type) ||
	    (tif && qadd(q, sizeof q, "timeInForce", o.tif)) ||
	    qadd(q, sizeof q, "quantity", o.qtys) ||
	    (o.has_px && qadd(q, sizeof q, "price", o.pxs)) ||
	    (o.has_stop && qadd(q, sizeof q, "stopPrice", o.stops)) ||
	    qadd(q, sizeof q, "newClientOrderId", o.id) ||
	    qadd(q, sizeof q, "newOrderRespType", "RESULT"))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "order '%s': too long", o.id);
	struct lyra_trade_req req = {"POST", "/api/v3/order", q, NULL, 1, 1};
	rc = lyra_trade_send(t, &req, &j, err);
	if (rc == 2) {
		snprintf(out->id, sizeof out->id, "%s", o.id);
		snprintf(out->status, sizeof out->status, "dry_run");
		return 0;
	}
	if (rc != 0)
		return rc;
	return lyra_trade_answer(t, m, j, 1, "POST /api/v3/order", out, err);
}

static int by_id(struct lyra_trade *t, const struct lyra_market *m, const char *method,
                 const char *path, const char *id, int weight, struct lyra_venue_order *out,
                 struct lyra_trade_error *err)
{
	char q[512] = "", what[96];
	json_t *j;
	if (qadd(q, sizeof q, "symbol", m->venue_symbol) || qadd(q, sizeof q, "origClientOrderId", id))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "id '%s' too long", id);
	struct lyra_trade_req req = {method, path, q, NULL, weight, 1};
	int rc = lyra_trade_send(t, &req, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	snprintf(what, sizeof what, "%s %s", method, path);
	return lyra_trade_answer(t, m, j, 0, what, out, err);
}

static int b_cancel(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                    struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	return by_id(t, m, "DELETE", "/api/v3/order", id, 1, out, err);
}

static int b_query(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	return by_id(t, m, "GET", "/api/v3/order", id, 4, out, err);
}

static int b_amend(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   const struct lyra_dec *px, const struct lyra_dec *qty,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	char q[512] = "", qs[LYRA_DEC_STRLEN];
	json_t *j;
	if (px)
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "amend '%s': Binance spot amends in place only to decrease the "
		                       "quantity (keepPriority); a new price needs cancel and replace", id);
	lyra_dec_format(*qty, qs);
	/* newClientOrderId = the same id: Binance would otherwise give the order a random one */
	if (qadd(q, sizeof q, "symbol", m->venue_symbol) ||
	    qadd(q, sizeof q, "origClientOrderId", id) || qadd(q, sizeof q, "newClientOrderId", id) ||
	    qadd(q, sizeof q, "newQty", qs))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "id '%s' too long", id);
	struct lyra_trade_req req = {"PUT", "/api/v3/order/amend/keepPriority", q, NULL, 4, 1};
	int rc = lyra_trade_send(t, &req, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	json_t *ao = json_incref(json_object_get(j, "amendedOrder"));
	json_decref(j);
	if (!ao) {
		lyra_error(LYRA_EX_DATAERR, "no 'amendedOrder'");
		return lyra_trade_bad_answer(t, err, 1, "PUT /api/v3/order/amend/keepPriority");
	}
	return lyra_trade_answer(t, m, ao, 1, "PUT /api/v3/order/amend/keepPriority", out, err);
}

static int b_open(struct lyra_trade *t, const struct lyra_market *m, lyra_trade_order_cb cb,
                  void *ctx, struct lyra_trade_error *err)
{
	char q[256] = "";
	json_t *j;
	if (m)
		qadd(q, sizeof q, "symbol", m->venue_symbol);
	struct lyra_trade_req req = {"GET", "/api/v3/openOrders", q, NULL, m ? 6 : 80, 1};
	int rc = lyra_trade_send(t, &req, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	if (!json_is_array(j)) {
		json_decref(j);
		lyra_error(LYRA_EX_DATAERR, "not an array");
		return lyra_trade_bad_answer(t, err, 0, "GET /api/v3/openOrders");
	}
	return lyra_trade_order_list(t, m, j, j, "GET /api/v3/openOrders", cb, ctx, err);
}

static int parse_fill(struct lyra_trade *t, const struct lyra_market *m, const json_t *v,
                      struct lyra_venue_fill *f)
{
	memset(f, 0, sizeof *f);
	const char *vs = lyra_vx_str(json_object_get(v, "symbol"), "symbol");
	if (!vs)
		return -1;
	set_symbol(t, m, vs, f->symbol, sizeof f->symbol);
	lyra_trade_copy_id(json_object_get(v, "id"), f->trade_id, sizeof f->trade_id);
	lyra_trade_copy_id(json_object_get(v, "orderId"), f->venue_order_id, sizeof f->venue_order_id);
	snprintf(f->side, sizeof f->side, "%s",
	         json_is_true(json_object_get(v, "isBuyer")) ? "buy" : "sell");
	snprintf(f->liquidity, sizeof f->liquidity, "%s",
	         json_is_true(json_object_get(v, "isMaker")) ? "maker" : "taker");
	const char *fa = json_string_value(json_object_get(v, "commissionAsset"));
	if (fa)
		lyra_venue_asset(V, fa, f->fee_ccy, sizeof f->fee_ccy);
	if (!*f->trade_id || lyra_vx_dec(json_object_get(v, "price"), "price", &f->px) != 0 ||
	    lyra_vx_dec(json_object_get(v, "qty"), "qty", &f->qty) != 0 ||
	    lyra_vx_dec(json_object_get(v, "commission"), "commission", &f->fee) != 0 ||
	    lyra_vx_time(json_object_get(v, "time"), "time", 1000, &f->ts) != 0)
		return lyra_error(LYRA_EX_DATAERR, "a trade: %s", lyra_error_msg());
	return 0;
}

/* symbol + startTime first, then fromId = last id + 1 while pages come back full. */
static int b_fills(struct lyra_trade *t, const struct lyra_market *m, int64_t since_us,
                   lyra_trade_fill_cb cb, void *ctx, struct lyra_trade_error *err)
{
	char q[256], from[32] = "";
	const int limit = 1000;
	if (!m)
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "Binance lists own trades one symbol at a time: give a market");
	for (int page = 0; page < 1000; page++) {
		json_t *j;
		q[0] = '\0';
		qadd(q, sizeof q, "symbol", m->venue_symbol);
		if (*from) {
			qadd(q, sizeof q, "fromId", from);
		} else {
			char st[32];
			snprintf(st, sizeof st, "%lld", (long long)(since_us / 1000));
			qadd(q, sizeof q, "startTime", st);
		}
		snprintf(q + strlen(q), sizeof q - strlen(q), "&limit=%d", limit);
		struct lyra_trade_req req = {"GET", "/api/v3/myTrades", q, NULL, 20, 1};
		int rc = lyra_trade_send(t, &req, &j, err);
		if (rc == 2)
			return 0;
		if (rc != 0)
			return rc;
		if (!json_is_array(j)) {
			json_decref(j);
			lyra_error(LYRA_EX_DATAERR, "not an array");
			return lyra_trade_bad_answer(t, err, 0, "GET /api/v3/myTrades");
		}
		size_t i, n = json_array_size(j);
		json_t *v;
		int64_t last = -1;
		json_array_foreach(j, i, v) {
			struct lyra_venue_fill f;
			if (parse_fill(t, m, v, &f) != 0) {
				json_decref(j);
				return lyra_trade_bad_answer(t, err, 0, "GET /api/v3/myTrades");
			}
			last = strtoll(f.trade_id, NULL, 10);
			if (f.ts < since_us)
				continue;
			if (cb(ctx, &f) != 0) {
				json_decref(j);
				return lyra_trade_stopped(t, err);
			}
		}
		json_decref(j);
		if (n < (size_t)limit || last < 0)
			return 0;
		snprintf(from, sizeof from, "%lld", (long long)last + 1);
	}
	return 0;
}

static int b_balances(struct lyra_trade *t, lyra_trade_balance_cb cb, void *ctx,
                      struct lyra_trade_error *err)
{
	json_t *j;
	struct lyra_trade_req req = {"GET", "/api/v3/account", "omitZeroBalances=true", NULL, 20, 1};
	int rc = lyra_trade_send(t, &req, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	json_t *bal = json_object_get(j, "balances");
	if (!json_is_array(bal)) {
		json_decref(j);
		lyra_error(LYRA_EX_DATAERR, "no 'balances'");
		return lyra_trade_bad_answer(t, err, 0, "GET /api/v3/account");
	}
	static const struct lyra_trade_balance_keys k = {"asset", "free", NULL, "locked", 0, 0};
	return lyra_trade_balance_list(t, j, bal, &k, "GET /api/v3/account", cb, ctx, err);
}

static int b_time(struct lyra_trade *t, int64_t *server_us, struct lyra_trade_error *err)
{
	return lyra_trade_clock_get(t, "/api/v3/time", "serverTime", 1000, server_us, err);
}

/* ---- the user data stream ----
 * The WebSocket API (https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/
 * user-data-stream-requests): the listenKey endpoints are deprecated for spot, so the stream is
 * subscribed with userDataStream.subscribe.signature, which takes an HMAC key: params apiKey
 * and timestamp, signed like every SIGNED request of the WebSocket API (request-security: hex
 * HMAC-SHA256 of the params sorted by name, k=v&...). The answer {"id","status":200,"result":
 * {"subscriptionId":N}} starts the events, each {"subscriptionId":N,"event":{...}}; order updates
 * are executionReport events (https://developers.binance.com/docs/binance-spot-api-docs/
 * user-data-stream): c client order id (C the original one on a cancel), x execution type
 * (TRADE: one execution l @ L, trade id t, commission n in N, maker m, time T), X the order's
 * status, z the cumulative filled quantity, Z the cumulative quote quantity, i the order id.
 * eventStreamTerminated ends the subscription. The server pings every 20 s (answered by ws.c). */

static char *s_hello(struct lyra_trade *t, int step)
{
	char sig[65], *msg = NULL;
	json_t *p;
	if (step != 0) {
		lyra_error(LYRA_EX_SOFTWARE, V ": no opening step %d", step);
		return NULL;
	}
	if (!t->o.key) {
		lyra_error(LYRA_EX_CONFIG, V ": no API key");
		return NULL;
	}
	p = json_pack("{s:s, s:I}", "apiKey", t->o.key->key,
	              "timestamp", (json_int_t)(lyra_trade_now(t) / 1000));
	if (!p || lyra_sign_binance_ws(t->o.key, p, sig) != 0) {
		json_decref(p);
		return NULL;
	}
	json_object_set_new(p, "signature", json_string(sig));
	json_t *req = json_pack("{s:s, s:s, s:o}", "id", "lyra-userstream",
	                        "method", "userDataStream.subscribe.signature", "params", p);
	msg = req ? json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(req);
	if (!msg)
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return msg;
}

/* "x" keys of an executionReport into the names parse_order knows. */
static int exec_order(struct lyra_trade *t, const json_t *e, struct lyra_venue_order *o)
{
	const char *cid = json_string_value(json_object_get(e, "c"));
	const char *orig = json_string_value(json_object_get(e, "C"));
	json_t *j = json_pack("{s:s?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, "
	                      "s:O?}",
	                      "clientOrderId", orig && *orig ? orig : cid,
	                      "orderId", json_object_get(e, "i"), "symbol", json_object_get(e, "s"),
	                      "status", json_object_get(e, "X"), "side", json_object_get(e, "S"),
	                      "type", json_object_get(e, "o"), "timeInForce", json_object_get(e, "f"),
	                      "price", json_object_get(e, "p"), "origQty", json_object_get(e, "q"),
	                      "executedQty", json_object_get(e, "z"),
	                      "cummulativeQuoteQty", json_object_get(e, "Z"),
	                      "updateTime", json_object_get(e, "E"));
	if (!j)
		return lyra_error(LYRA_EX_DATAERR, V ": an executionReport lyra cannot read");
	int rc = parse_order(t, NULL, j, o);
	json_decref(j);
	return rc;
}

static int exec_fill(struct lyra_trade *t, const json_t *e, const struct lyra_venue_order *o,
                     struct lyra_venue_fill *f)
{
	const json_t *n = json_object_get(e, "N");
	json_t *j = json_pack("{s:O?, s:O?, s:O?, s:b, s:b, s:O?, s:O?, s:O?, s:s, s:O?}",
	                      "symbol", json_object_get(e, "s"), "id", json_object_get(e, "t"),
	                      "orderId", json_object_get(e, "i"),
	                      "isBuyer", !strcmp(o->side, "buy"),
	                      "isMaker", json_is_true(json_object_get(e, "m")),
	                      "price", json_object_get(e, "L"), "qty", json_object_get(e, "l"),
	                      "commission", json_object_get(e, "n"),
	                      "commissionAsset", json_is_string(n) ? json_string_value(n) : "",
	                      "time", json_object_get(e, "T"));
	if (!j)
		return lyra_error(LYRA_EX_DATAERR, V ": an executionReport lyra cannot read");
	int rc = parse_fill(t, NULL, j, f);
	json_decref(j);
	if (rc == 0)
		snprintf(f->id, sizeof f->id, "%s", o->id);
	return rc;
}

static int s_message(struct lyra_trade *t, const json_t *j, lyra_trade_order_cb on_order,
                     lyra_trade_fill_cb on_fill, void *ctx)
{
	const json_t *st = json_object_get(j, "status");
	if (json_is_integer(st)) {
		/* the answer to the subscription */
		if (json_integer_value(st) == 200)
			return 1;
		const json_t *er = json_object_get(j, "error");
		return lyra_error(LYRA_EX_NOPERM, V ": user data stream refused: %s (%" JSON_INTEGER_FORMAT
		                  ", status %" JSON_INTEGER_FORMAT ")",
		                  json_string_value(json_object_get(er, "msg")) ?: "no message",
		                  json_integer_value(json_object_get(er, "code")), json_integer_value(st));
	}
	const json_t *e = json_object_get(j, "event");
	const char *et = json_string_value(json_object_get(e, "e"));
	if (!et)
		return 0;
	if (!strcmp(et, "eventStreamTerminated"))
		return lyra_error(LYRA_EX_UNAVAILABLE, V ": the venue ended the user data stream");
	if (strcmp(et, "executionReport") != 0)
		return 0;   /* outboundAccountPosition, balanceUpdate, listStatus, ... */
	struct lyra_venue_order o;
	struct lyra_venue_fill f;
	if (exec_order(t, e, &o) != 0)
		return lyra_error(LYRA_EX_DATAERR, V ": executionReport: %s", lyra_error_msg());
	const char *x = json_string_value(json_object_get(e, "x"));
	if (x && !strcmp(x, "TRADE")) {
		if (exec_fill(t, e, &o, &f) != 0)
			return lyra_error(LYRA_EX_DATAERR, V ": executionReport: %s", lyra_error_msg());
		if (on_fill(ctx, &f) != 0)
			return -2;
	}
	return on_order(ctx, &o) != 0 ? -2 : 0;
}

static const struct lyra_trade_stream binance_stream = {
	.url = "wss://ws-api.binance.com:443/ws-api/v3",
	.testnet_url = "wss://ws-api.testnet.binance.vision/ws-api/v3",
	.hello = s_hello,
	.message = s_message,
};

const struct lyra_trade_adapter lyra_trade_binance = {
	.id = V,
	.rest_url = "https://api.binance.com",
	.testnet_url = "https://testnet.binance.vision",
	.weight_per_minute = 6000,
	.place = b_place,
	.cancel = b_cancel,
	.amend = b_amend,
	.query = b_query,
	.open_orders = b_open,
	.fills = b_fills,
	.balances = b_balances,
	.server_time = b_time,
	.venue_error = binance_venue_error,
	.parse_order = parse_order,
	.parse_fill = parse_fill,
	.stream = &binance_stream,
};
