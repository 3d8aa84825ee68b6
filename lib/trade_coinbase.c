/* trade_coinbase.c: Coinbase Exchange's private REST API (https://api.exchange.coinbase.com,
 * sandbox https://api-public.sandbox.exchange.coinbase.com; CB-ACCESS-* signatures with the
 * key's passphrase): POST /orders with a client_oid (a lowercase UUID v4, made from lyra's id
 * when that is not one, see client_oid(); Coinbase takes any
 * other value but then ignores it, so lyra refuses it before sending), GET and DELETE
 * /orders/client:<client_oid>, GET /orders (open, pending, active), GET /fills (newest trade_id
 * first, paged with after=<smallest trade_id>), GET /accounts and GET /time. Coinbase answers
 * errors as {"message": "..."} with no code: the kind comes from the message and the status.
 * It has no amend (cancel and replace), no stop-market order (stops are stop-limit: type limit
 * with stop loss|entry and stop_price) and no GTD time in force (GTT takes only min, hour or
 * day). A cancelled order that never traded may be purged: the query then answers 404. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>
#include <strings.h>

#include "decimal.h"
#include "error.h"
#include "http.h"
#include "sign.h"
#include "trade.h"
#include "trade_impl.h"
#include "venue_impl.h"

#define V "coinbase"

/* The kind of a Coinbase error message (case-insensitive substrings) and HTTP status. */
static enum lyra_trade_err msg_kind(const char *msg, long status)
{
	static const struct {
		const char *text;
		enum lyra_trade_err kind;
	} map[] = {
		{"insufficient funds", LYRA_TE_INSUFFICIENT},
		{"request timestamp expired", LYRA_TE_CLOCK},
		{"invalid timestamp", LYRA_TE_CLOCK},
		{"invalid api key", LYRA_TE_AUTH},
		{"invalid signature", LYRA_TE_AUTH},
		{"invalid passphrase", LYRA_TE_AUTH},
		{"rate limit exceeded", LYRA_TE_RATE_LIMIT},
		{"notfound", LYRA_TE_UNKNOWN_ORDER},
		{"order not found", LYRA_TE_UNKNOWN_ORDER},
		{"order already done", LYRA_TE_UNKNOWN_ORDER},
		{"too accurate", LYRA_TE_PRECISION},
		{"too precise", LYRA_TE_PRECISION},
		{"size is too small", LYRA_TE_MIN_SIZE},
		{"funds is too small", LYRA_TE_MIN_SIZE},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasestr(msg, map[i].text))
			return map[i].kind;
	if (status == 401 || status == 403)
		return LYRA_TE_AUTH;
	if (status == 429)
		return LYRA_TE_RATE_LIMIT;
	return LYRA_TE_REJECTED;
}

/* {"message":"Insufficient funds"} (an object with a message and no order id), any status. */
static int cb_venue_error(const char *body, size_t len, long status, struct lyra_trade_error *err)
{
	json_t *j = json_loadb(body, len, JSON_DECODE_ANY, NULL);
	const char *msg = json_is_object(j) && !json_object_get(j, "id")
	                  ? json_string_value(json_object_get(j, "message")) : NULL;
	if (!msg) {
		json_decref(j);
		return 0;
	}
	err->kind = msg_kind(msg, status);
	err->code[0] = '\0';
	snprintf(err->message, sizeof err->message, "%s", *msg ? msg : "(no message)");
	json_decref(j);
	return 1;
}

/* ---- mapping ---- */

static const struct lyra_market *market_of(struct lyra_trade *t, const struct lyra_market *m,
                                           const char *product)
{
	if (m && !strcmp(m->venue_symbol, product))
		return m;
	return lyra_trade_market_by_venue_symbol(t, product);
}

/* The unified symbol: the market's, else "BTC-USD" -> "BTC/USD". */
static void set_symbol(const struct lyra_market *mm, const char *product, char *out, size_t n)
{
	snprintf(out, n, "%s", mm ? mm->symbol : product);
	char *d = mm ? NULL : strchr(out, '-');
	if (d)
		*d = '/';
}

static const char *status_lyra(const char *st, const char *reason, struct lyra_dec filled,
                               struct lyra_dec size)
{
	if (!strcmp(st, "pending") || !strcmp(st, "received") || !strcmp(st, "open") ||
	    !strcmp(st, "active"))
		return lyra_dec_sign(filled) > 0 ? "partially_filled" : "acked";
	if (!strcmp(st, "rejected"))
		return "rejected";
	if (!strcmp(st, "done")) {
		if (reason && !strcmp(reason, "filled"))
			return "filled";
		if (reason && !strcmp(reason, "rejected"))
			return "rejected";
		if (!reason && lyra_dec_sign(size) > 0 && lyra_dec_cmp(filled, size) == 0)
			return "filled";
		return "cancelled";
	}
	return NULL;
}

static int parse_order(struct lyra_trade *t, const struct lyra_market *m, const json_t *j,
                       struct lyra_venue_order *o)
{
	struct lyra_dec value;
	memset(o, 0, sizeof *o);
	if (!json_is_object(j))
		return lyra_error(LYRA_EX_DATAERR, V ": an order is not an object");
	const char *product = lyra_vx_str(json_object_get(j, "product_id"), "product_id");
	const char *st = lyra_vx_str(json_object_get(j, "status"), "status");
	const char *id = json_string_value(json_object_get(j, "id"));
	if (!product || !st)
		return -1;
	if (!id)
		return lyra_error(LYRA_EX_DATAERR, V ": an order without 'id'");
	set_symbol(market_of(t, m, product), product, o->symbol, sizeof o->symbol);
	snprintf(o->venue_order_id, sizeof o->venue_order_id, "%s", id);
	snprintf(o->id, sizeof o->id, "%s", json_string_value(json_object_get(j, "client_oid")) ?: "");
	snprintf(o->side, sizeof o->side, "%s", json_string_value(json_object_get(j, "side")) ?: "");
	if (lyra_trade_opt_dec(json_object_get(j, "price"), "price", &o->px) != 0 ||
	    lyra_trade_opt_dec(json_object_get(j, "size"), "size", &o->qty) != 0 ||
	    lyra_trade_opt_dec(json_object_get(j, "filled_size"), "filled_size", &o->filled_qty) != 0 ||
	    lyra_trade_opt_dec(json_object_get(j, "executed_value"), "executed_value", &value) != 0)
		return -1;
	const char *ls = status_lyra(st, json_string_value(json_object_get(j, "done_reason")),
	                             o->filled_qty, o->qty);
	if (!ls)
		return lyra_error(LYRA_EX_DATAERR, V ": unknown order status '%s'", st);
	snprintf(o->status, sizeof o->status, "%s", ls);
	const char *ty = json_string_value(json_object_get(j, "type"));
	const char *tif = json_string_value(json_object_get(j, "time_in_force"));
	const json_t *stop = json_object_get(j, "stop");
	const char *kind = !ty ? "" : !strcmp(ty, "market") ? "market"
	                   : strcmp(ty, "limit") != 0 ? "other"
	                   : stop && json_is_string(stop) && *json_string_value(stop) ? "stop_limit"
	                   : json_is_true(json_object_get(j, "post_only")) ? "post_only" : "limit";
	snprintf(o->kind, sizeof o->kind, "%s", kind);
	snprintf(o->tif, sizeof o->tif, "%s", tif ? tif : !strcmp(kind, "market") ? "IOC" : "GTC");
	o->avg_px = lyra_dec_zero();
	if (lyra_dec_sign(o->filled_qty) > 0 && lyra_dec_sign(value) > 0) {
		if (lyra_dec_div(value, o->filled_qty, 10, LYRA_ROUND_HALF_EVEN, &o->avg_px) != 0)
			return -1;
		o->avg_px = lyra_dec_normalize(o->avg_px);
	}
	const json_t *ts = json_object_get(j, "done_at");
	if (!json_is_string(ts))
		ts = json_object_get(j, "created_at");
	if (json_is_string(ts) && lyra_vx_iso(ts, "created_at", &o->ts) != 0)
		return -1;
	return 0;
}

static int parse_fill(struct lyra_trade *t, const struct lyra_market *m, const json_t *v,
                      struct lyra_venue_fill *f)
{
	memset(f, 0, sizeof *f);
	const char *product = lyra_vx_str(json_object_get(v, "product_id"), "product_id");
	const json_t *tid = json_object_get(v, "trade_id");
	if (!product)
		return -1;
	const struct lyra_market *mm = market_of(t, m, product);
	set_symbol(mm, product, f->symbol, sizeof f->symbol);
	if (json_is_integer(tid))
		snprintf(f->trade_id, sizeof f->trade_id, "%lld", (long long)json_integer_value(tid));
	else if (json_is_string(tid))
		snprintf(f->trade_id, sizeof f->trade_id, "%s", json_string_value(tid));
	snprintf(f->venue_order_id, sizeof f->venue_order_id, "%s",
	         json_string_value(json_object_get(v, "order_id")) ?: "");
	snprintf(f->side, sizeof f->side, "%s", json_string_value(json_object_get(v, "side")) ?: "");
	const char *liq = json_string_value(json_object_get(v, "liquidity"));
	snprintf(f->liquidity, sizeof f->liquidity, "%s", liq && !strcmp(liq, "M") ? "maker" : "taker");
	/* fees are charged in the quote currency */
	const char *dash = strchr(product, '-');
	if (mm)
		snprintf(f->fee_ccy, sizeof f->fee_ccy, "%s", mm->quote);
	else if (dash)
		lyra_venue_asset(V, dash + 1, f->fee_ccy, sizeof f->fee_ccy);
	if (!*f->trade_id || lyra_vx_dec(json_object_get(v, "price"), "price", &f->px) != 0 ||
	    lyra_vx_dec(json_object_get(v, "size"), "size", &f->qty) != 0 ||
	    lyra_trade_opt_dec(json_object_get(v, "fee"), "fee", &f->fee) != 0 ||
	    lyra_vx_iso(json_object_get(v, "created_at"), "created_at", &f->ts) != 0)
		return lyra_error(LYRA_EX_DATAERR, "a fill: %s", lyra_error_msg());
	return 0;
}

/* A lowercase UUID v4 of variant 1: xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx. */
static int id_ok(const char *id, char *why, size_t n)
{
	size_t len = strlen(id);
	if (len != 36) {
		snprintf(why, n, "is %zu characters; Coinbase takes a lowercase UUID v4 (36)", len);
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		char c = id[i];
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			snprintf(why, n, "has '%c' at %zu; Coinbase takes a lowercase UUID v4 "
			         "(8-4-4-4-12 hex digits)", c, i + 1);
			return 0;
		}
	}
	if (id[14] != '4' || !strchr("89ab", id[19])) {
		snprintf(why, n, "is not a version 4 UUID (variant 1), which Coinbase requires");
		return 0;
	}
	return 1;
}

/* Coinbase takes only UUID v4 client ids, lyra's are free text: a lyra id that is not one is
 * sent as the UUID v4 made from the first 16 bytes of SHA-256("lyra:" + id), version and variant
 * bits set. Deterministic, so a resend of the same order carries the same client_oid and a
 * lookup by client id finds it; answers about the order are reported under the lyra id. */
static void client_oid(const char *id, char out[37])
{
	char why[160], in[128];
	unsigned char h[SHA256_DIGEST_LENGTH];
	if (id_ok(id, why, sizeof why)) {
		snprintf(out, 37, "%s", id);
		return;
	}
	int n = snprintf(in, sizeof in, "lyra:%s", id);
	SHA256((const unsigned char *)in, n > 0 && (size_t)n < sizeof in ? (size_t)n : sizeof in - 1, h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x40);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12],
	         h[13], h[14], h[15]);
}

/* ---- calls ---- */

static int c_place(struct lyra_trade *t, const struct lyra_market *m, const json_t *order,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_trade_order o;
	char why[128];
	int rc;

	char oid[37];
	if ((rc = lyra_trade_order_read(t, m, order, &o, err)) != 0)
		return rc;
	client_oid(o.id, oid);
	(void)why;
	if (!strcmp(o.tif, "GTD"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': Coinbase has no GTD time in force (GTT takes only "
		                       "min, hour or day)", o.id);
	if (!strcmp(o.kind, "stop"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': Coinbase Exchange takes stop orders as stop-limit "
		                       "only (kind stop_limit)", o.id);
	if (!strcmp(o.kind, "market") && !strcmp(o.tif, "FOK"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': Coinbase market orders take no FOK", o.id);
	if ((!strcmp(o.kind, "post_only") || !strcmp(o.kind, "stop_limit")) && strcmp(o.tif, "GTC"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': a %s order rests: tif GTC only", o.id, o.kind);
	int market = !strcmp(o.kind, "market");
	json_t *b = json_pack("{ssssssssss}", "client_oid", oid, "product_id", m->venue_symbol,
	                      "side", o.side, "type", market ? "market" : "limit", "size", o.qtys);
	if (b && o.has_px)
		json_object_set_new(b, "price", json_string(o.pxs));
	if (b && !market)
		json_object_set_new(b, "time_in_force", json_string(o.tif));
	if (b && !strcmp(o.kind, "post_only"))
		json_object_set_new(b, "post_only", json_true());
	if (b && o.has_stop) {
		/* loss: triggers at or below stop_price (a sell); entry: at or above (a buy) */
		json_object_set_new(b, "stop", json_string(!strcmp(o.side, "sell") ? "loss" : "entry"));
		json_object_set_new(b, "stop_price", json_string(o.stops));
	}
	char *body = lyra_trade_dump(b);
	if (!body)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "out of memory");
	json_t *j;
	struct lyra_trade_req req = {"POST", "/orders", NULL, body, 1, 1};
	if (!t->o.dry_run)
		lyra_trade_watch_add(t, m->venue_symbol);   /* the user stream subscribes its product */
	rc = lyra_trade_send(t, &req, &j, err);
	free(body);
	if (rc == 2) {
		snprintf(out->id, sizeof out->id, "%s", o.id);
		snprintf(out->status, sizeof out->status, "dry_run");
		return 0;
	}
	if (rc != 0)
		return rc;
	rc = lyra_trade_answer(t, m, j, 1, "POST /orders", out, err);
	if (rc == 0)
		snprintf(out->id, sizeof out->id, "%s", o.id);
	return rc;
}

/* "/orders/client:<id>" */
static int client_path(struct lyra_trade *t, const char *id, char *buf, size_t n,
                       struct lyra_trade_error *err)
{
	char e[128], oid[37];
	client_oid(id, oid);
	if (lyra_http_escape(oid, e, sizeof e) < 0 || (size_t)snprintf(buf, n, "/orders/client:%s", e) >= n)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "id '%.64s' too long", id);
	return 0;
}

static int c_query(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	char path[192];
	json_t *j;
	if (client_path(t, id, path, sizeof path, err) != 0)
		return 1;
	struct lyra_trade_req req = {"GET", path, NULL, NULL, 1, 1};
	int rc = lyra_trade_send(t, &req, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	int arc = lyra_trade_answer(t, m, j, 0, "GET /orders/client:", out, err);
	if (arc == 0)
		snprintf(out->id, sizeof out->id, "%s", id);
	return arc;
}

static int c_cancel(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                    struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	char path[192], q[128], e[96];
	json_t *j;
	if (client_path(t, id, path, sizeof path, err) != 0)
		return 1;
	/* the product id guards against a race with the matching engine (Coinbase's advice) */
	if (lyra_http_escape(m->venue_symbol, e, sizeof e) < 0)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "symbol too long");
	snprintf(q, sizeof q, "product_id=%s", e);
	struct lyra_trade_req req = {"DELETE", path, q, NULL, 1, 1};
	int rc = lyra_trade_send(t, &req, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	json_decref(j);   /* the client_oid, as a JSON string */
	/* read it back; a cancelled order that never traded may be purged (404) */
	if (c_query(t, m, id, out, err) != 0) {
		memset(err, 0, sizeof *err);
		memset(out, 0, sizeof *out);
		snprintf(out->id, sizeof out->id, "%s", id);
		snprintf(out->symbol, sizeof out->symbol, "%s", m->symbol);
	}
	if (strcmp(out->status, "filled") != 0)
		snprintf(out->status, sizeof out->status, "cancelled");
	return 0;
}

static int c_amend(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   const struct lyra_dec *px, const struct lyra_dec *qty,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	(void)m, (void)px, (void)qty, (void)out;
	return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
	                       "amend '%s': Coinbase Exchange's REST API has no amend: cancel and "
	                       "replace", id);
}

/* With a market: at most 500 open orders per product (Coinbase's cap), one page of 1000. */
static int c_open(struct lyra_trade *t, const struct lyra_market *m, lyra_trade_order_cb cb,
                  void *ctx, struct lyra_trade_error *err)
{
	char q[256] = "status=open&status=pending&status=active&limit=1000", e[96];
	json_t *j;
	if (m && lyra_http_escape(m->venue_symbol, e, sizeof e) >= 0)
		snprintf(q + strlen(q), sizeof q - strlen(q), "&product_id=%s", e);
	struct lyra_trade_req req = {"GET", "/orders", q, NULL, 1, 1};
	int rc = lyra_trade_send(t, &req, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	if (!json_is_array(j)) {
		json_decref(j);
		lyra_error(LYRA_EX_DATAERR, "not an array");
		return lyra_trade_bad_answer(t, err, 0, "GET /orders");
	}
	if (json_array_size(j) >= 1000) {
		json_decref(j);
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "1000 or more open orders across products: give a market");
	}
	return lyra_trade_order_list(t, m, j, j, "GET /orders", cb, ctx, err);
}

/* Newest trade_id first; after=<smallest trade_id seen> pages back; handed over oldest first. */
static int c_fills(struct lyra_trade *t, const struct lyra_market *m, int64_t since_us,
                   lyra_trade_fill_cb cb, void *ctx, struct lyra_trade_error *err)
{
	const int limit = 100;
	char after[64] = "", e[96];
	json_t *all = json_array();
	int rc = 0;
	if (!m) {
		json_decref(all);
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "Coinbase lists fills per product (or order): give a market");
	}
	if (lyra_http_escape(m->venue_symbol, e, sizeof e) < 0) {
		json_decref(all);
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "symbol too long");
	}
	for (int page = 0; page < 1000; page++) {
		char q[256];
		json_t *j, *v;
		size_t i, n;
		int older = 0;
		snprintf(q, sizeof q, "product_id=%s&limit=%d%s%s", e, limit, *after ? "&after=" : "",
		         after);
		struct lyra_trade_req req = {"GET", "/fills", q, NULL, 1, 1};
		rc = lyra_trade_send(t, &req, &j, err);
		if (rc == 2) {
			rc = 0;
			break;
		}
		if (rc != 0)
			break;
		if (!json_is_array(j)) {
			json_decref(j);
			lyra_error(LYRA_EX_DATAERR, "not an array");
			rc = lyra_trade_bad_answer(t, err, 0, "GET /fills");
			break;
		}
		n = json_array_size(j);
		json_array_foreach(j, i, v) {
			struct lyra_venue_fill f;
			if (parse_fill(t, m, v, &f) != 0) {
				rc = -2;
				break;
			}
			snprintf(after, sizeof after, "%s", f.trade_id);
			if (f.ts < since_us)
				older = 1;
			json_array_append(all, v);
		}
		json_decref(j);
		if (rc == -2) {
			rc = lyra_trade_bad_answer(t, err, 0, "GET /fills");
			break;
		}
		if (n < (size_t)limit || older)
			break;
	}
	for (size_t i = json_array_size(all); rc == 0 && i-- > 0;) {
		struct lyra_venue_fill f;
		if (parse_fill(t, m, json_array_get(all, i), &f) != 0) {
			rc = lyra_trade_bad_answer(t, err, 0, "GET /fills");
			break;
		}
		if (f.ts >= since_us && cb(ctx, &f) != 0)
			rc = lyra_trade_stopped(t, err);
	}
	json_decref(all);
	return rc;
}

static int c_balances(struct lyra_trade *t, lyra_trade_balance_cb cb, void *ctx,
                      struct lyra_trade_error *err)
{
	json_t *j;
	struct lyra_trade_req req = {"GET", "/accounts", NULL, NULL, 1, 1};
	int rc = lyra_trade_send(t, &req, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	if (!json_is_array(j)) {
		json_decref(j);
		lyra_error(LYRA_EX_DATAERR, "not an array");
		return lyra_trade_bad_answer(t, err, 0, "GET /accounts");
	}
	static const struct lyra_trade_balance_keys k = {"currency", "available", "balance", NULL, 0, 0};
	return lyra_trade_balance_list(t, j, j, &k, "GET /accounts", cb, ctx, err);
}

/* {"iso":"2015-01-07T23:47:25.201Z","epoch":1420674445.201} */
static int c_time(struct lyra_trade *t, int64_t *server_us, struct lyra_trade_error *err)
{
	return lyra_trade_clock_get(t, "/time", "iso", 0, server_us, err);
}

/* ---- the user stream ----
 * The `user` channel of the Exchange WebSocket feed (https://docs.cdp.coinbase.com/exchange/
 * websocket-feed/overview: production wss://ws-feed.exchange.coinbase.com, sandbox
 * wss://ws-feed-public.sandbox.exchange.coinbase.com; a subscribe is due within 5 s of
 * connecting, answered by a "subscriptions" message listing everything subscribed so far;
 * failures come as {"type":"error","message","reason"}). Authentication
 * (https://docs.cdp.coinbase.com/exchange/websocket-feed/authentication): the subscribe
 * message carries the fields of a signed GET /users/self/verify: "signature" = base64
 * HMAC-SHA256 under the base64-decoded secret of timestamp + "GET" + "/users/self/verify",
 * "key", "passphrase", "timestamp" (seconds, as for REST). The user channel
 * (https://docs.cdp.coinbase.com/exchange/websocket-feed/channels#user-channel) is the full
 * channel's messages that involve the authenticated user, per product: received, open, done
 * (reason filled or canceled), match, change, activate. So the stream is one subscription per
 * product, like Bitstamp's: opening it subscribes the heartbeat channel (one message a second,
 * which also shows the connection alive) on one product (the first watched, else the first
 * market, else BTC-USD), and each product of an open order (GET /orders at the opening) or of
 * an order placed since (c_place adds it) gets a signed user-channel subscription of its own;
 * the owner reads REST after each, since nothing earlier is replayed. A match names
 * trade_id (the trade id GET /fills keys a fill by: a fill seen both ways is stored once),
 * maker_order_id, taker_order_id, price, size, side (the maker's) and, for the user's own side,
 * user_id plus maker_user_id or taker_user_id and a fee *rate* (maker_fee_rate or
 * taker_fee_rate): no fee amount. So on a match of one of ours the fill is read by REST (GET
 * /fills?order_id=, the path c_fills parses: exact fee, liquidity) and then the order (GET
 * /orders/<id>, read first: its client_oid names the fill); done and change are followed by
 * the same order read (an order Coinbase purged, cancelled without fills, is left to the REST
 * poll). A REST read that fails ends the connection (-1): on reconnecting the owner
 * reconciles by REST. received, open and
 * activate say nothing the placement's answer did not. The keepalive, when 30 s pass without a
 * heartbeat, is the heartbeat subscribe again (its "subscriptions" answer). */

/* The subscription of the user channel for product vs, signed at timestamp ts (NULL: now). NEW
 * (malloc'd), or NULL with error.h. Exposed (trade_impl.h) for the unit test. */
char *lyra_coinbase_ws_subscribe(struct lyra_trade *t, const char *vs, const char *ts)
{
	struct lyra_signed sg;
	char now[64];
	if (!t->o.key) {
		lyra_error(LYRA_EX_CONFIG, V ": no API key");
		return NULL;
	}
	if (!ts || !*ts) {
		lyra_sign_timestamp(V, lyra_trade_now(t), now, sizeof now);
		ts = now;
	}
	struct lyra_sign_in in = {.venue = V, .method = "GET", .path = "/users/self/verify",
	                          .query = "", .body = "", .timestamp = ts};
	if (lyra_sign(t->o.key, &in, &sg) != 0)
		return NULL;
	json_t *req = json_pack("{s:s, s:[{s:s, s:[s]}], s:s, s:s, s:s, s:s}", "type", "subscribe",
	                        "channels", "name", "user", "product_ids", vs, "signature",
	                        sg.signature, "key", t->o.key->key, "passphrase",
	                        t->o.key->passphrase, "timestamp", sg.timestamp);
	lyra_signed_release(&sg);
	char *msg = req ? json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(req);
	if (!msg)
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return msg;
}

static int watch_open(void *ctx, const struct lyra_venue_order *o)
{
	struct lyra_trade *t = ctx;
	const struct lyra_market *mm = NULL;
	char vs[LYRA_SYM_MAX];
	for (size_t i = 0; i < t->nmarkets && !mm; i++)
		if (!strcmp(t->markets[i].symbol, o->symbol))
			mm = &t->markets[i];
	snprintf(vs, sizeof vs, "%s", mm ? mm->venue_symbol : o->symbol);
	for (char *p = vs; *p; p++)
		if (*p == '/')
			*p = '-';   /* "BTC/USD" as set_symbol made it -> "BTC-USD" */
	lyra_trade_watch_add(t, vs);
	return 0;
}

/* The heartbeat subscription (the opening and the keepalive). */
static char *s_heartbeat(struct lyra_trade *t)
{
	const char *anchor = t->watch.n ? t->watch.vs[0]
	                     : t->nmarkets ? t->markets[0].venue_symbol : "BTC-USD";
	json_t *req = json_pack("{s:s, s:[{s:s, s:[s]}]}", "type", "subscribe", "channels",
	                        "name", "heartbeat", "product_ids", anchor);
	char *msg = req ? json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(req);
	if (!msg)
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return msg;
}

static char *s_hello(struct lyra_trade *t, int step)
{
	struct lyra_trade_error err = {0};
	if (step != 0) {
		lyra_error(LYRA_EX_SOFTWARE, V ": no opening step %d", step);
		return NULL;
	}
	if (!t->o.key) {
		lyra_error(LYRA_EX_CONFIG, V ": no API key");
		return NULL;
	}
	if (c_open(t, NULL, watch_open, t, &err) != 0) {
		if (!*lyra_error_msg())
			lyra_error(LYRA_EX_UNAVAILABLE, V ": GET /orders: %s", err.message);
		return NULL;
	}
	return s_heartbeat(t);
}

static char *s_watch(struct lyra_trade *t, const char *vs)
{
	return lyra_coinbase_ws_subscribe(t, vs, NULL);
}

/* The order venue id from GET /orders/<id> into *o (its id: the client_oid). 0, 1 when
 * Coinbase does not know it (a cancelled order that never traded may be purged), -1 (error.h:
 * the read failed). */
static int ws_order_read(struct lyra_trade *t, const char *id, struct lyra_venue_order *o)
{
	struct lyra_trade_error err = {0};
	char path[160], e[128];
	json_t *j = NULL;
	if (lyra_http_escape(id, e, sizeof e) < 0)
		return lyra_error(LYRA_EX_DATAERR, V ": order id too long");
	snprintf(path, sizeof path, "/orders/%s", e);
	struct lyra_trade_req req = {"GET", path, NULL, NULL, 1, 1};
	int rc = lyra_trade_send(t, &req, &j, &err);
	if (rc == 1 && err.kind == LYRA_TE_UNKNOWN_ORDER) {
		lyra_error_clear();
		return 1;
	}
	if (rc != 0) {
		json_decref(j);
		if (!*lyra_error_msg())
			lyra_error(LYRA_EX_UNAVAILABLE, V ": GET /orders/%s: %s", id,
			           *err.message ? err.message : "not read");
		return -1;
	}
	rc = parse_order(t, NULL, j, o);
	json_decref(j);
	if (rc != 0)
		return lyra_error(LYRA_EX_DATAERR, V ": GET /orders/%s: %s", id, lyra_error_msg());
	return 0;
}

/* The fill trade_id of order id (client_oid cid) from GET /fills?order_id= (newest first,
 * paged back by after) to on_fill. 0, -1 (error.h: not read, or not there yet), -2 the callback stopped. */
static int ws_fill(struct lyra_trade *t, const char *id, const char *cid, const char *trade_id,
                   lyra_trade_fill_cb on_fill, void *ctx)
{
	char after[64] = "", e[128];
	if (lyra_http_escape(id, e, sizeof e) < 0)
		return lyra_error(LYRA_EX_DATAERR, V ": order id too long");
	for (int page = 0; page < 100; page++) {
		struct lyra_trade_error err = {0};
		char q[256];
		json_t *j = NULL, *v;
		size_t i, n;
		snprintf(q, sizeof q, "order_id=%s&limit=100%s%s", e, *after ? "&after=" : "", after);
		struct lyra_trade_req req = {"GET", "/fills", q, NULL, 1, 1};
		int rc = lyra_trade_send(t, &req, &j, &err);
		if (rc != 0) {
			json_decref(j);
			if (!*lyra_error_msg())
				lyra_error(LYRA_EX_UNAVAILABLE, V ": GET /fills: %s",
				           *err.message ? err.message : "not read");
			return -1;
		}
		if (!json_is_array(j)) {
			json_decref(j);
			return lyra_error(LYRA_EX_DATAERR, V ": GET /fills: not an array");
		}
		n = json_array_size(j);
		json_array_foreach(j, i, v) {
			struct lyra_venue_fill f;
			if (parse_fill(t, NULL, v, &f) != 0) {
				json_decref(j);
				return lyra_error(LYRA_EX_DATAERR, V ": GET /fills: %s", lyra_error_msg());
			}
			snprintf(after, sizeof after, "%s", f.trade_id);
			if (!strcmp(f.trade_id, trade_id)) {
				json_decref(j);
				snprintf(f.id, sizeof f.id, "%s", cid);   /* /fills names no client_oid */
				return on_fill(ctx, &f) != 0 ? -2 : 0;
			}
		}
		json_decref(j);
		if (n < 100)
			break;
	}
	return lyra_error(LYRA_EX_UNAVAILABLE, V ": trade %s of order %s not in GET /fills yet",
	                  trade_id, id);
}

/* A string field of a message ("" when missing). */
static const char *ms(const json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	return s ? s : "";
}

/* Which order of a match is the user's: its id (maker_order_id when maker_user_id is the
 * message's user_id, taker_order_id when taker_user_id is), NULL when neither (a match of
 * someone else's order: the user channel should not send one, the full channel does). */
static const char *match_mine(const json_t *j)
{
	const char *me = ms(j, "user_id");
	if (!*me)
		return NULL;
	if (!strcmp(ms(j, "maker_user_id"), me) && *ms(j, "maker_order_id"))
		return ms(j, "maker_order_id");
	if (!strcmp(ms(j, "taker_user_id"), me) && *ms(j, "taker_order_id"))
		return ms(j, "taker_order_id");
	return NULL;
}

static int s_message(struct lyra_trade *t, const json_t *j, lyra_trade_order_cb on_order,
                     lyra_trade_fill_cb on_fill, void *ctx)
{
	const char *ty = json_string_value(json_object_get(j, "type"));
	if (!json_is_object(j) || !ty)
		return 0;   /* "New message types can be added at any time": ignored */
	if (!strcmp(ty, "error")) {
		const char *reason = ms(j, "reason");
		return lyra_error(LYRA_EX_NOPERM, V ": %s%s%s", *ms(j, "message") ? ms(j, "message")
		                  : "error", *reason ? ": " : "", reason);
	}
	if (!strcmp(ty, "subscriptions")) {
		/* the list of everything subscribed: with the user channel, a watch() confirmed */
		size_t i;
		const json_t *c;
		json_array_foreach(json_object_get(j, "channels"), i, c)
			if (!strcmp(ms(c, "name"), "user"))
				return 3;
		return 1;
	}
	if (!strcmp(ty, "match")) {
		const char *tid = NULL;
		char tbuf[32];
		const json_t *tv = json_object_get(j, "trade_id");
		if (json_is_integer(tv)) {
			snprintf(tbuf, sizeof tbuf, "%" JSON_INTEGER_FORMAT, json_integer_value(tv));
			tid = tbuf;
		} else if (json_is_string(tv) && *json_string_value(tv)) {
			tid = json_string_value(tv);
		}
		if (!tid || !*ms(j, "maker_order_id") || !*ms(j, "taker_order_id"))
			return lyra_error(LYRA_EX_DATAERR, V ": a match without trade_id, maker_order_id "
			                  "or taker_order_id");
		const char *mine = match_mine(j);
		struct lyra_venue_order o;
		if (!mine)
			return 0;
		/* the order first (its client_oid names the fill too), then the fill, then the state */
		int rc = ws_order_read(t, mine, &o);
		if (rc == 1)
			return lyra_error(LYRA_EX_UNAVAILABLE, V ": order %s of trade %s unknown to GET "
			                  "/orders", mine, tid);
		if (rc == 0)
			rc = ws_fill(t, mine, o.id, tid, on_fill, ctx);
		return rc != 0 ? rc : on_order(ctx, &o) != 0 ? -2 : 0;
	}
	if (!strcmp(ty, "done") || !strcmp(ty, "change")) {
		const char *id = ms(j, "order_id");
		if (!*id || !*ms(j, "product_id"))
			return lyra_error(LYRA_EX_DATAERR, V ": a %s without order_id or product_id", ty);
		if (!strcmp(ty, "done") && strcmp(ms(j, "reason"), "filled") != 0 &&
		    strcmp(ms(j, "reason"), "canceled") != 0)
			return lyra_error(LYRA_EX_DATAERR, V ": a done with reason '%s'", ms(j, "reason"));
		struct lyra_venue_order o;
		int rc = ws_order_read(t, id, &o);
		if (rc == 1)
			return 0;   /* purged (cancelled, never traded): the REST poll reports it */
		return rc != 0 ? rc : on_order(ctx, &o) != 0 ? -2 : 0;
	}
	return 0;   /* heartbeat, received, open, activate */
}

static const struct lyra_trade_stream coinbase_stream = {
	.url = "wss://ws-feed.exchange.coinbase.com",
	.testnet_url = "wss://ws-feed-public.sandbox.exchange.coinbase.com",
	.hello = s_hello,
	.message = s_message,
	.keepalive_s = 30,
	.ping = s_heartbeat,
	.watch = s_watch,
};

const struct lyra_trade_adapter lyra_trade_coinbase = {
	.id = V,
	.rest_url = "https://api.exchange.coinbase.com",
	.testnet_url = "https://api-public.sandbox.exchange.coinbase.com",
	.weight_per_minute = 600,   /* 10 requests/s: the /fills limit (other private calls: 15) */
	.place = c_place,
	.cancel = c_cancel,
	.amend = c_amend,
	.query = c_query,
	.open_orders = c_open,
	.fills = c_fills,
	.balances = c_balances,
	.server_time = c_time,
	.venue_error = cb_venue_error,
	.parse_order = parse_order,
	.parse_fill = parse_fill,
	.stream = &coinbase_stream,
};
