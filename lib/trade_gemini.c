/* trade_gemini.c: Gemini's private REST API v1 (https://api.gemini.com, sandbox
 * https://api.sandbox.gemini.com). Every private call is a POST whose JSON payload carries
 * "request" (the path) and "nonce" and travels base64-encoded in X-GEMINI-PAYLOAD (sign.h);
 * the body sent is empty. Calls: /v1/order/new with a client_order_id, /v1/order/status by
 * client_order_id, /v1/order/cancel (by Gemini's order_id only: the adapter looks the id up
 * first), /v1/orders (active orders), /v1/mytrades (paged forward from a timestamp) and
 * /v1/balances. Errors: {"result":"error","reason":"InsufficientFunds","message":"..."}, the
 * reason is the code. Gemini has no market or stop-market order on its API (an IOC limit at
 * an aggressive price is its advice), no amend, no GTD, and no server clock: the nonce is
 * the microseconds of lyra's clock, which must only increase (keys provisioned with Gemini's
 * "time based nonce" option, which wants seconds within 30 s, are not supported); the clock
 * offset is therefore 0 by definition. Gemini does not enforce unique client order ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "clock.h"
#include "decimal.h"
#include "error.h"
#include "sign.h"
#include "trade.h"
#include "trade_impl.h"
#include "venue_impl.h"

#define V "gemini"

static enum lyra_trade_err reason_kind(const char *r)
{
	static const struct {
		const char *reason;
		enum lyra_trade_err kind;
	} map[] = {
		{"InsufficientFunds", LYRA_TE_INSUFFICIENT},
		{"InvalidNonce", LYRA_TE_CLOCK},
		{"InvalidSignature", LYRA_TE_AUTH}, {"MissingApikeyHeader", LYRA_TE_AUTH},
		{"MissingPayloadHeader", LYRA_TE_AUTH}, {"MissingSignatureHeader", LYRA_TE_AUTH},
		{"MissingRole", LYRA_TE_AUTH}, {"NoSSL", LYRA_TE_AUTH},
		{"RateLimit", LYRA_TE_RATE_LIMIT},
		{"OrderNotFound", LYRA_TE_UNKNOWN_ORDER},
		{"InvalidQuantity", LYRA_TE_MIN_SIZE},
		{"InvalidPrice", LYRA_TE_PRECISION},
		{"Maintenance", LYRA_TE_UNAVAILABLE},
		{"System", LYRA_TE_UNCERTAIN},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i].reason, r))
			return map[i].kind;
	return LYRA_TE_REJECTED;
}

static int gem_venue_error(const char *body, size_t len, long status, struct lyra_trade_error *err)
{
	(void)status;
	json_t *j = json_loadb(body, len, JSON_DECODE_ANY, NULL);
	const char *res = json_is_object(j) ? json_string_value(json_object_get(j, "result")) : NULL;
	if (!res || strcmp(res, "error") != 0) {
		json_decref(j);
		return 0;
	}
	const char *reason = json_string_value(json_object_get(j, "reason"));
	const char *msg = json_string_value(json_object_get(j, "message"));
	err->kind = reason_kind(reason ? reason : "");
	snprintf(err->code, sizeof err->code, "%s", reason ? reason : "");
	snprintf(err->message, sizeof err->message, "%s", msg && *msg ? msg : reason ? reason
	         : "(no message)");
	json_decref(j);
	return 1;
}

/* ---- mapping ---- */

/* Gemini writes symbols in either case ("btcusd", "BTCUSD"); markets hold lower case. */
static const struct lyra_market *market_of(struct lyra_trade *t, const struct lyra_market *m,
                                           const char *sym)
{
	char low[LYRA_SYM_MAX];
	size_t i = 0;
	for (; sym[i] && i + 1 < sizeof low; i++)
		low[i] = (char)(sym[i] >= 'A' && sym[i] <= 'Z' ? sym[i] + 32 : sym[i]);
	low[i] = '\0';
	if (m && !strcasecmp(m->venue_symbol, low))
		return m;
	return lyra_trade_market_by_venue_symbol(t, low);
}

static int has_option(const json_t *opts, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(opts, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), name))
			return 1;
	return 0;
}

/* An order status object (new, status, cancel, active orders) into o. */
static int parse_order(struct lyra_trade *t, const struct lyra_market *m, const json_t *j,
                       struct lyra_venue_order *o)
{
	memset(o, 0, sizeof *o);
	if (!json_is_object(j))
		return lyra_error(LYRA_EX_DATAERR, V ": an order is not an object");
	const char *sym = lyra_vx_str(json_object_get(j, "symbol"), "symbol");
	if (!sym)
		return -1;
	const struct lyra_market *mm = market_of(t, m, sym);
	snprintf(o->symbol, sizeof o->symbol, "%s", mm ? mm->symbol : sym);
	lyra_trade_copy_id(json_object_get(j, "order_id"), o->venue_order_id, sizeof o->venue_order_id);
	if (!*o->venue_order_id)
		return lyra_error(LYRA_EX_DATAERR, V ": an order without 'order_id'");
	snprintf(o->id, sizeof o->id, "%s",
	         json_string_value(json_object_get(j, "client_order_id")) ?: "");
	snprintf(o->side, sizeof o->side, "%s", json_string_value(json_object_get(j, "side")) ?: "");
	if (lyra_trade_opt_dec(json_object_get(j, "price"), "price", &o->px) != 0 ||
	    lyra_trade_opt_dec(json_object_get(j, "original_amount"), "original_amount", &o->qty) != 0 ||
	    lyra_trade_opt_dec(json_object_get(j, "executed_amount"), "executed_amount", &o->filled_qty) != 0 ||
	    lyra_trade_opt_dec(json_object_get(j, "avg_execution_price"), "avg_execution_price", &o->avg_px) != 0)
		return -1;
	if (lyra_dec_sign(o->filled_qty) <= 0)
		o->avg_px = lyra_dec_zero();
	else
		o->avg_px = lyra_dec_normalize(o->avg_px);
	int live = json_is_true(json_object_get(j, "is_live"));
	/* not live: filled in full, else cancelled (by lyra, or by Gemini for IOC, FOK and
	 * maker-or-cancel remainders: is_cancelled) */
	int full = lyra_dec_sign(o->qty) > 0 && lyra_dec_cmp(o->filled_qty, o->qty) >= 0;
	const char *st = live ? (lyra_dec_sign(o->filled_qty) > 0 ? "partially_filled" : "acked")
	                 : full ? "filled" : "cancelled";
	snprintf(o->status, sizeof o->status, "%s", st);
	const char *ty = json_string_value(json_object_get(j, "type"));
	const json_t *opts = json_object_get(j, "options");
	const char *kind = "other", *tif = "GTC";
	if (ty && !strcmp(ty, "exchange limit")) {
		kind = has_option(opts, "maker-or-cancel") ? "post_only" : "limit";
		tif = has_option(opts, "immediate-or-cancel") ? "IOC"
		      : has_option(opts, "fill-or-kill") ? "FOK" : "GTC";
	} else if (ty && !strcmp(ty, "exchange stop limit")) {
		kind = "stop_limit";
	} else if (ty && strstr(ty, "market")) {
		kind = "market";
		tif = "IOC";
	}
	snprintf(o->kind, sizeof o->kind, "%s", kind);
	snprintf(o->tif, sizeof o->tif, "%s", tif);
	const json_t *ts = json_object_get(j, "timestampms");
	if (ts && lyra_vx_time(ts, "timestampms", 1000, &o->ts) != 0)
		return -1;
	return 0;
}

static int parse_fill(struct lyra_trade *t, const struct lyra_market *m, const json_t *v,
                      struct lyra_venue_fill *f)
{
	memset(f, 0, sizeof *f);
	const char *sym = json_string_value(json_object_get(v, "symbol"));
	const struct lyra_market *mm = sym ? market_of(t, m, sym) : m;
	snprintf(f->symbol, sizeof f->symbol, "%s", mm ? mm->symbol : sym ? sym : "");
	lyra_trade_copy_id(json_object_get(v, "tid"), f->trade_id, sizeof f->trade_id);
	lyra_trade_copy_id(json_object_get(v, "order_id"), f->venue_order_id, sizeof f->venue_order_id);
	snprintf(f->id, sizeof f->id, "%s",
	         json_string_value(json_object_get(v, "client_order_id")) ?: "");
	const char *ty = json_string_value(json_object_get(v, "type"));
	snprintf(f->side, sizeof f->side, "%s", ty && !strcasecmp(ty, "buy") ? "buy"
	         : ty && !strcasecmp(ty, "sell") ? "sell" : "");
	snprintf(f->liquidity, sizeof f->liquidity, "%s",
	         json_is_true(json_object_get(v, "aggressor")) ? "taker" : "maker");
	const char *fc = json_string_value(json_object_get(v, "fee_currency"));
	if (fc)
		lyra_venue_asset(V, fc, f->fee_ccy, sizeof f->fee_ccy);
	if (!*f->trade_id || !*f->side || lyra_vx_dec(json_object_get(v, "price"), "price", &f->px) != 0 ||
	    lyra_vx_dec(json_object_get(v, "amount"), "amount", &f->qty) != 0 ||
	    lyra_trade_opt_dec(json_object_get(v, "fee_amount"), "fee_amount", &f->fee) != 0 ||
	    lyra_vx_time(json_object_get(v, "timestampms"), "timestampms", 1000, &f->ts) != 0)
		return lyra_error(LYRA_EX_DATAERR, "a trade: %s", lyra_error_msg());
	return 0;
}

/* [:\-_.#a-zA-Z0-9]{1,36} (Gemini's documented pattern) */
static int id_ok(const char *id, char *why, size_t n)
{
	return lyra_trade_id_charset(id, 36, ":-_.#", "Gemini", "", why, n);
}

/* POST path with the payload {"request": path, "nonce": N, ...extra (stolen)}. */
static int post(struct lyra_trade *t, const char *path, json_t *extra, int reading, json_t **out,
                struct lyra_trade_error *err)
{
	char nonce[64];
	lyra_sign_nonce(V, lyra_trade_now(t), nonce, sizeof nonce);
	json_t *b = json_pack("{ssss}", "request", path, "nonce", nonce);
	if (b && extra)
		json_object_update(b, extra);
	json_decref(extra);
	char *body = b ? json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(b);
	*out = NULL;
	if (!body)
		return lyra_trade_fail(t, err, LYRA_TE_UNAVAILABLE, NULL, "out of memory");
	struct lyra_trade_req req = {"POST", path, NULL, body, 1, 1};
	int rc = (reading ? lyra_trade_send_read : lyra_trade_send)(t, &req, out, err);
	free(body);
	return rc;
}

/* ---- calls ---- */

static int g_place(struct lyra_trade *t, const struct lyra_market *m, const json_t *order,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_trade_order o;
	char why[128];
	const char *opt = NULL;
	int rc;

	if ((rc = lyra_trade_order_read(t, m, order, &o, err)) != 0)
		return rc;
	if (!id_ok(o.id, why, sizeof why))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "client order id '%s' %s (not sent)", o.id, why);
	if (!strcmp(o.kind, "market") || !strcmp(o.kind, "stop"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': Gemini's API has no %s orders (send a limit order "
		                       "with tif IOC at an aggressive price)", o.id,
		                       !strcmp(o.kind, "stop") ? "stop-market" : "market");
	if (!strcmp(o.tif, "GTD"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': Gemini has no GTD time in force", o.id);
	if (!strcmp(o.kind, "post_only") || !strcmp(o.kind, "stop_limit")) {
		if (strcmp(o.tif, "GTC") != 0)
			return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
			                       "order '%s': a %s order takes tif GTC only on Gemini", o.id,
			                       o.kind);
		opt = !strcmp(o.kind, "post_only") ? "maker-or-cancel" : NULL;
	} else {
		opt = !strcmp(o.tif, "IOC") ? "immediate-or-cancel"
		      : !strcmp(o.tif, "FOK") ? "fill-or-kill" : NULL;
	}
	if (o.has_stop) {
		/* Gemini: a buy's stop_price is below its price, a sell's above */
		int c = lyra_dec_cmp(o.stop_px, o.px);
		if (!strcmp(o.side, "buy") ? c >= 0 : c <= 0)
			return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
			                       "order '%s': Gemini wants a %s stop-limit's stop_px %s its px "
			                       "(not sent)", o.id, o.side,
			                       !strcmp(o.side, "buy") ? "below" : "above");
	}
	json_t *x = json_pack("{ssssssssssss}", "client_order_id", o.id, "symbol", m->venue_symbol,
	                      "amount", o.qtys, "price", o.pxs, "side", o.side, "type",
	                      o.has_stop ? "exchange stop limit" : "exchange limit");
	if (x && opt)
		json_object_set_new(x, "options", json_pack("[s]", opt));
	if (x && o.has_stop)
		json_object_set_new(x, "stop_price", json_string(o.stops));
	if (!x)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "out of memory");
	json_t *j;
	rc = post(t, "/v1/order/new", x, 0, &j, err);
	if (rc == 2) {
		snprintf(out->id, sizeof out->id, "%s", o.id);
		snprintf(out->status, sizeof out->status, "dry_run");
		return 0;
	}
	if (rc != 0)
		return rc;
	rc = parse_order(t, m, j, out);
	json_decref(j);
	if (rc != 0)
		return lyra_trade_bad_answer(t, err, 1, "POST /v1/order/new");
	if (!*out->id)
		snprintf(out->id, sizeof out->id, "%s", o.id);
	return 0;
}

/* /v1/order/status by client_order_id: an array (Gemini does not enforce unique ids: the
 * newest order carrying the id wins), or one object. */
static int g_query(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	json_t *j, *pick = NULL;
	int rc = post(t, "/v1/order/status", json_pack("{sssb}", "client_order_id", id,
	                                                 "include_trades", 0), 1, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	if (json_is_array(j)) {
		size_t i;
		json_t *v;
		int64_t best = -1;
		json_array_foreach(j, i, v) {
			int64_t ts = 0;
			lyra_vx_time(json_object_get(v, "timestampms"), "timestampms", 1000, &ts);
			if (ts >= best) {
				best = ts;
				pick = v;
			}
		}
	} else {
		pick = j;
	}
	if (!pick) {
		json_decref(j);
		return lyra_trade_fail(t, err, LYRA_TE_UNKNOWN_ORDER, NULL,
		                       "no order with client_order_id '%s'", id);
	}
	rc = parse_order(t, m, pick, out);
	json_decref(j);
	return rc == 0 ? 0 : lyra_trade_bad_answer(t, err, 0, "POST /v1/order/status");
}

/* Gemini cancels by its own order_id: look the client id up first. */
static int g_cancel(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                    struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_venue_order cur;
	json_t *j, *oid;
	int rc = g_query(t, m, id, &cur, err);
	if (rc != 0 || t->o.dry_run)
		return rc;
	if (strcmp(cur.status, "acked") != 0 && strcmp(cur.status, "partially_filled") != 0) {
		*out = cur;
		return lyra_trade_fail(t, err, LYRA_TE_UNKNOWN_ORDER, NULL,
		                       "order '%s' is no longer open at Gemini (%s): nothing to cancel",
		                       id, cur.status);
	}
	char *end;
	long long n = strtoll(cur.venue_order_id, &end, 10);
	oid = *end ? json_string(cur.venue_order_id) : json_integer(n);
	rc = post(t, "/v1/order/cancel", json_pack("{so}", "order_id", oid), 0, &j, err);
	if (rc != 0)
		return rc;
	rc = parse_order(t, m, j, out);
	json_decref(j);
	if (rc != 0)
		return lyra_trade_bad_answer(t, err, 0, "POST /v1/order/cancel");
	if (!*out->id)
		snprintf(out->id, sizeof out->id, "%s", id);
	if (strcmp(out->status, "filled") != 0)
		snprintf(out->status, sizeof out->status, "cancelled");
	return 0;
}

static int g_amend(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   const struct lyra_dec *px, const struct lyra_dec *qty,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	(void)m, (void)px, (void)qty, (void)out;
	return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
	                       "amend '%s': Gemini's API has no amend: cancel and replace", id);
}

/* Every active order of the account; filtered to m's symbol when m is given. */
static int g_open(struct lyra_trade *t, const struct lyra_market *m, lyra_trade_order_cb cb,
                  void *ctx, struct lyra_trade_error *err)
{
	json_t *j, *v;
	size_t i;
	int rc = post(t, "/v1/orders", NULL, 1, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	if (!json_is_array(j)) {
		json_decref(j);
		lyra_error(LYRA_EX_DATAERR, "not an array");
		return lyra_trade_bad_answer(t, err, 0, "POST /v1/orders");
	}
	json_array_foreach(j, i, v) {
		struct lyra_venue_order o;
		const char *sym = json_string_value(json_object_get(v, "symbol"));
		if (m && sym && strcasecmp(sym, m->venue_symbol) != 0)
			continue;
		if (parse_order(t, m, v, &o) != 0) {
			json_decref(j);
			return lyra_trade_bad_answer(t, err, 0, "POST /v1/orders");
		}
		if (cb(ctx, &o) != 0) {
			json_decref(j);
			return lyra_trade_stopped(t, err);
		}
	}
	json_decref(j);
	return 0;
}

/* Gemini's walk: the oldest limit_trades trades at or after timestamp (ms), newest first;
 * the next page starts at the newest timestampms + 1. */
static int g_fills(struct lyra_trade *t, const struct lyra_market *m, int64_t since_us,
                   lyra_trade_fill_cb cb, void *ctx, struct lyra_trade_error *err)
{
	const int limit = 500;
	int64_t from = since_us / 1000;
	if (!m)
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "Gemini lists own trades one symbol at a time: give a market");
	for (int page = 0; page < 10000; page++) {
		json_t *j;
		int rc = post(t, "/v1/mytrades", json_pack("{sssisI}", "symbol", m->venue_symbol,
		                                             "limit_trades", limit, "timestamp",
		                                             (json_int_t)from), 1, &j, err);
		if (rc == 2)
			return 0;
		if (rc != 0)
			return rc;
		if (!json_is_array(j)) {
			json_decref(j);
			lyra_error(LYRA_EX_DATAERR, "not an array");
			return lyra_trade_bad_answer(t, err, 0, "POST /v1/mytrades");
		}
		size_t n = json_array_size(j);
		int64_t newest = -1;
		for (size_t i = n; i-- > 0;) {
			struct lyra_venue_fill f;
			if (parse_fill(t, m, json_array_get(j, i), &f) != 0) {
				json_decref(j);
				return lyra_trade_bad_answer(t, err, 0, "POST /v1/mytrades");
			}
			if (f.ts / 1000 > newest)
				newest = f.ts / 1000;
			if (f.ts < since_us)
				continue;
			if (cb(ctx, &f) != 0) {
				json_decref(j);
				return lyra_trade_stopped(t, err);
			}
		}
		json_decref(j);
		if (n < (size_t)limit || newest < 0)
			return 0;
		from = newest + 1;
	}
	return 0;
}

static int g_balances(struct lyra_trade *t, lyra_trade_balance_cb cb, void *ctx,
                      struct lyra_trade_error *err)
{
	json_t *j;
	int rc = post(t, "/v1/balances", NULL, 1, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	if (!json_is_array(j)) {
		json_decref(j);
		lyra_error(LYRA_EX_DATAERR, "not an array");
		return lyra_trade_bad_answer(t, err, 0, "POST /v1/balances");
	}
	static const struct lyra_trade_balance_keys k = {"currency", "available", "amount", NULL, 0, 0};
	return lyra_trade_balance_list(t, j, j, &k, "POST /v1/balances", cb, ctx, err);
}

/* No server clock on Gemini's REST API, and none needed (the nonce only has to increase):
 * the venue's clock is taken to be lyra's, so the offset measured is 0. */
static int g_time(struct lyra_trade *t, int64_t *server_us, struct lyra_trade_error *err)
{
	(void)t, (void)err;
	*server_us = lyra_time_now_us();
	return 0;
}

/* ---- the user stream ----
 * Order Events (https://docs.gemini.com/websocket/order-events/ : "Order Events", "Event
 * types", "Fill"; sandbox wss://api.sandbox.gemini.com/v1/order/events): the WebSocket
 * handshake to wss://api.gemini.com/v1/order/events carries the private API's headers,
 * X-GEMINI-APIKEY, X-GEMINI-PAYLOAD (base64 of {"request":"/v1/order/events","nonce":N}, N the
 * REST calls' increasing nonce) and X-GEMINI-SIGNATURE (hex HMAC-SHA384 of the payload); a bad
 * one is refused with an HTTP error before the upgrade. The venue then says {"type":
 * "subscription_ack",...} and a {"type":"heartbeat"} every 5 s; events come as arrays of
 * objects with "type" initial, accepted, rejected, booked, fill, cancelled, cancel_rejected or
 * closed and the order's fields as REST order status has them (order_type in place of type,
 * is_live, is_cancelled, executed_amount, original_amount, avg_execution_price, timestampms).
 * A fill event carries "fill": {trade_id, liquidity Maker/Taker, price, amount, fee,
 * fee_currency}; trade_id is the tid of REST mytrades, so a trade seen both ways counts once. */

static char *s_handshake(struct lyra_trade *t)
{
	char nonce[64], sig[129];
	unsigned char b64[256];
	if (!t->o.key) {
		lyra_error(LYRA_EX_CONFIG, V ": no API key");
		return NULL;
	}
	lyra_sign_nonce(V, lyra_trade_now(t), nonce, sizeof nonce);
	char payload[128];
	int pn = snprintf(payload, sizeof payload, "{\"request\":\"/v1/order/events\",\"nonce\":%s}",
	                  nonce);
	if (pn < 0 || (size_t)pn >= sizeof payload) {
		lyra_error(LYRA_EX_SOFTWARE, V ": payload too long");
		return NULL;
	}
	EVP_EncodeBlock(b64, (const unsigned char *)payload, pn);
	if (lyra_trade_hmac_hex(t->o.key, "sha384", (const char *)b64, sig, sizeof sig) != 0)
		return NULL;
	size_t cap = strlen(t->o.key->key) + strlen((const char *)b64) + strlen(sig) + 96;
	char *out = malloc(cap);
	if (!out) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	snprintf(out, cap, "X-GEMINI-APIKEY: %s\nX-GEMINI-PAYLOAD: %s\nX-GEMINI-SIGNATURE: %s",
	         t->o.key->key, (const char *)b64, sig);
	return out;
}

static char *s_hello(struct lyra_trade *t, int step)
{
	(void)t;
	if (step != 0) {
		lyra_error(LYRA_EX_SOFTWARE, V ": no opening step %d", step);
		return NULL;
	}
	char *out = strdup("");   /* nothing to send: the venue acknowledges the handshake */
	if (!out)
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return out;
}

/* One fill event's execution into f. */
static int ws_fill(struct lyra_trade *t, const json_t *e, struct lyra_venue_fill *f)
{
	const json_t *x = json_object_get(e, "fill");
	memset(f, 0, sizeof *f);
	const char *sym = json_string_value(json_object_get(e, "symbol"));
	const struct lyra_market *mm = sym ? market_of(t, NULL, sym) : NULL;
	snprintf(f->symbol, sizeof f->symbol, "%s", mm ? mm->symbol : sym ? sym : "");
	lyra_trade_copy_id(json_object_get(x, "trade_id"), f->trade_id, sizeof f->trade_id);
	lyra_trade_copy_id(json_object_get(e, "order_id"), f->venue_order_id, sizeof f->venue_order_id);
	snprintf(f->id, sizeof f->id, "%s",
	         json_string_value(json_object_get(e, "client_order_id")) ?: "");
	const char *side = json_string_value(json_object_get(e, "side"));
	const char *liq = json_string_value(json_object_get(x, "liquidity"));
	const char *fc = json_string_value(json_object_get(x, "fee_currency"));
	snprintf(f->side, sizeof f->side, "%s", side && !strcmp(side, "buy") ? "buy"
	         : side && !strcmp(side, "sell") ? "sell" : "");
	snprintf(f->liquidity, sizeof f->liquidity, "%s", !liq ? "" : !strcasecmp(liq, "maker")
	         ? "maker" : !strcasecmp(liq, "taker") ? "taker" : "");
	if (fc)
		lyra_venue_asset(V, fc, f->fee_ccy, sizeof f->fee_ccy);
	if (!json_is_object(x) || !*f->trade_id || !*f->venue_order_id || !*f->side)
		return lyra_error(LYRA_EX_DATAERR, "a fill without fill.trade_id, order_id or side");
	if (lyra_vx_dec(json_object_get(x, "price"), "fill.price", &f->px) != 0 ||
	    lyra_vx_dec(json_object_get(x, "amount"), "fill.amount", &f->qty) != 0 ||
	    lyra_trade_opt_dec(json_object_get(x, "fee"), "fill.fee", &f->fee) != 0 ||
	    lyra_vx_time(json_object_get(e, "timestampms"), "timestampms", 1000, &f->ts) != 0)
		return -1;
	if (lyra_dec_sign(f->qty) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "a fill of amount %s", "not above zero");
	return 0;
}

static int s_message(struct lyra_trade *t, const json_t *j, lyra_trade_order_cb on_order,
                     lyra_trade_fill_cb on_fill, void *ctx)
{
	if (json_is_object(j)) {
		const char *ty = json_string_value(json_object_get(j, "type"));
		if (ty && !strcmp(ty, "subscription_ack"))
			return 1;
		if (ty && !strcmp(ty, "error"))   /* not documented for a live stream: end it */
			return lyra_error(LYRA_EX_NOPERM, V ": order events: %s",
			                  json_string_value(json_object_get(j, "message")) ?: "error");
		return 0;   /* heartbeat */
	}
	if (!json_is_array(j))
		return 0;
	size_t i;
	const json_t *e;
	json_array_foreach(j, i, e) {
		const char *ty = json_string_value(json_object_get(e, "type"));
		if (!ty || !strcmp(ty, "cancel_rejected"))
			continue;   /* a refused cancel changes nothing */
		if (!strcmp(ty, "fill")) {
			struct lyra_venue_fill f;
			if (ws_fill(t, e, &f) != 0)
				return lyra_error(LYRA_EX_DATAERR, V ": order events: %s", lyra_error_msg());
			if (on_fill(ctx, &f) != 0)
				return -2;
		}
		/* the order's state: REST's shape with order_type as its type */
		json_t *x = json_deep_copy(e);
		struct lyra_venue_order o;
		if (!x)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		json_object_set(x, "type", json_object_get(e, "order_type"));
		int rc = parse_order(t, NULL, x, &o);
		json_decref(x);
		if (rc != 0)
			return lyra_error(LYRA_EX_DATAERR, V ": order events: %s", lyra_error_msg());
		if (!strcmp(ty, "rejected"))
			snprintf(o.status, sizeof o.status, "rejected");
		if (on_order(ctx, &o) != 0)
			return -2;
	}
	return 0;
}

static const struct lyra_trade_stream gemini_stream = {
	.url = "wss://api.gemini.com/v1/order/events",
	.testnet_url = "wss://api.sandbox.gemini.com/v1/order/events",
	.hello = s_hello,
	.message = s_message,
	.handshake = s_handshake,
};

const struct lyra_trade_adapter lyra_trade_gemini = {
	.id = V,
	.rest_url = "https://api.gemini.com",
	.testnet_url = "https://api.sandbox.gemini.com",
	.weight_per_minute = 600,   /* private API: 600 requests a minute */
	.place = g_place,
	.cancel = g_cancel,
	.amend = g_amend,
	.query = g_query,
	.open_orders = g_open,
	.fills = g_fills,
	.balances = g_balances,
	.server_time = g_time,
	.venue_error = gem_venue_error,
	.parse_order = parse_order,
	.parse_fill = parse_fill,
	.stream = &gemini_stream,
};
