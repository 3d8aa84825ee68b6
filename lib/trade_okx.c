/* trade_okx.c: OKX's private REST API v5 (https://www.okx.com; demo trading: the same base
 * with the header x-simulated-trading: 1): /api/v5/trade/order, cancel-order and amend-order
 * by clOrdId, /api/v5/trade/orders-pending, /api/v5/trade/fills (fills-history beyond three
 * days), /api/v5/account/balance, /api/v5/public/time. Spot trades in cash mode, perpetuals in
 * cross margin (net position mode); OKX counts perpetuals in contracts, lyra in base units. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "decimal.h"
#include "error.h"
#include "http.h"
#include "sign.h"
#include "trade.h"
#include "trade_impl.h"
#include "venue_impl.h"

#define V "okx"

static enum lyra_trade_err code_kind(const char *code)
{
	static const struct {
		const char *code;
		enum lyra_trade_err kind;
	} map[] = {
		{"50011", LYRA_TE_RATE_LIMIT}, {"50040", LYRA_TE_RATE_LIMIT},
		{"50061", LYRA_TE_RATE_LIMIT},
		{"50102", LYRA_TE_CLOCK}, {"50112", LYRA_TE_CLOCK},
		{"50100", LYRA_TE_AUTH}, {"50101", LYRA_TE_AUTH}, {"50103", LYRA_TE_AUTH},
		{"50104", LYRA_TE_AUTH}, {"50105", LYRA_TE_AUTH}, {"50106", LYRA_TE_AUTH},
		{"50107", LYRA_TE_AUTH}, {"50110", LYRA_TE_AUTH}, {"50111", LYRA_TE_AUTH},
		{"50113", LYRA_TE_AUTH}, {"50114", LYRA_TE_AUTH}, {"50119", LYRA_TE_AUTH},
		{"50120", LYRA_TE_AUTH},
		{"50001", LYRA_TE_UNCERTAIN}, {"50004", LYRA_TE_UNCERTAIN},
		{"50013", LYRA_TE_UNCERTAIN}, {"50026", LYRA_TE_UNCERTAIN},
		{"51008", LYRA_TE_INSUFFICIENT}, {"51119", LYRA_TE_INSUFFICIENT},
		{"51131", LYRA_TE_INSUFFICIENT},
		{"51020", LYRA_TE_MIN_SIZE},
		{"51121", LYRA_TE_PRECISION},
		{"51016", LYRA_TE_DUPLICATE},
		{"51603", LYRA_TE_UNKNOWN_ORDER}, {"51400", LYRA_TE_UNKNOWN_ORDER},
		{"51401", LYRA_TE_UNKNOWN_ORDER}, {"51402", LYRA_TE_UNKNOWN_ORDER},
		{"51503", LYRA_TE_UNKNOWN_ORDER}, {"51510", LYRA_TE_UNKNOWN_ORDER},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i].code, code))
			return map[i].kind;
	return LYRA_TE_REJECTED;
}

/* {"code":"1","msg":"...","data":[{"sCode":"51008","sMsg":"..."}]}: the item's code first. */
static int okx_venue_error(const char *body, size_t len, long status, struct lyra_trade_error *err)
{
	(void)status;
	json_t *j = json_loadb(body, len, 0, NULL);
	const char *code = j && json_is_object(j) ? json_string_value(json_object_get(j, "code")) : NULL;
	const char *msg = j ? json_string_value(json_object_get(j, "msg")) : NULL;
	json_t *d0 = j ? json_array_get(json_object_get(j, "data"), 0) : NULL;
	const char *sc = d0 ? json_string_value(json_object_get(d0, "sCode")) : NULL;
	const char *sm = d0 ? json_string_value(json_object_get(d0, "sMsg")) : NULL;
	if (!code || (!strcmp(code, "0") && (!sc || !strcmp(sc, "0")))) {
		json_decref(j);
		return 0;
	}
	if (sc && *sc && strcmp(sc, "0") != 0) {
		code = sc;
		msg = sm;
	}
	err->kind = code_kind(code);
	snprintf(err->code, sizeof err->code, "%s", code);
	snprintf(err->message, sizeof err->message, "%s", msg && *msg ? msg : "(no message)");
	json_decref(j);
	return 1;
}

/* ---- mapping ---- */

static const char *state_lyra(const char *s)
{
	if (!strcmp(s, "live")) return "acked";
	if (!strcmp(s, "partially_filled")) return "partially_filled";
	if (!strcmp(s, "filled")) return "filled";
	if (!strcmp(s, "canceled") || !strcmp(s, "mmp_canceled")) return "cancelled";
	return NULL;
}

static void ordtype_lyra(const char *t, char *kind, size_t kn, char *tif, size_t tn)
{
	const char *k = "other", *f = "GTC";
	if (!strcmp(t, "limit")) k = "limit";
	else if (!strcmp(t, "market") || !strcmp(t, "optimal_limit_ioc")) { k = "market"; f = "IOC"; }
	else if (!strcmp(t, "post_only") || !strcmp(t, "mmp_and_post_only")) k = "post_only";
	else if (!strcmp(t, "ioc")) { k = "limit"; f = "IOC"; }
	else if (!strcmp(t, "fok")) { k = "limit"; f = "FOK"; }
	snprintf(kind, kn, "%s", k);
	snprintf(tif, tn, "%s", f);
}

static const struct lyra_market *market_of(struct lyra_trade *t, const struct lyra_market *m,
                                           const char *inst)
{
	if (m && !strcmp(m->venue_symbol, inst))
		return m;
	return lyra_trade_market_by_venue_symbol(t, inst);
}

/* "BTC-USDT" -> "BTC/USDT", "BTC-USDT-SWAP" -> "BTC/USDT:USDT" when no market is known. */
static void unify(const char *inst, char *out, size_t n)
{
	char b[32] = "", q[32] = "", x[32] = "";
	if (sscanf(inst, "%31[^-]-%31[^-]-%31s", b, q, x) >= 2) {
		if (!strcmp(x, "SWAP"))
			snprintf(out, n, "%s/%s:%s", b, q, q);
		else if (!*x)
			snprintf(out, n, "%s/%s", b, q);
		else
			snprintf(out, n, "%s", inst);
	} else {
		snprintf(out, n, "%s", inst);
	}
}

/* A size in the venue's unit to base units (contracts x ctVal). */
static int to_base(const struct lyra_market *mm, const json_t *v, const char *key,
                   struct lyra_dec *out)
{
	if (lyra_vx_dec(v, key, out) != 0)
		return -1;
	if (mm && lyra_dec_sign(mm->contract) > 0)
		return lyra_dec_mul_exact(*out, mm->contract, out);
	return 0;
}

/* A decimal that may be "" (OKX's "none"). */
static int opt_dec(const json_t *v, const char *key, struct lyra_dec *out)
{
	*out = lyra_dec_zero();
	if (!v || (json_is_string(v) && !*json_string_value(v)))
		return 0;
	return lyra_vx_dec(v, key, out);
}

static int parse_order(struct lyra_trade *t, const struct lyra_market *m, const json_t *j,
                       struct lyra_venue_order *o)
{
	memset(o, 0, sizeof *o);
	const char *inst = lyra_vx_str(json_object_get(j, "instId"), "instId");
	const char *st = lyra_vx_str(json_object_get(j, "state"), "state");
	const char *ot = json_string_value(json_object_get(j, "ordType"));
	if (!inst || !st)
		return -1;
	const struct lyra_market *mm = market_of(t, m, inst);
	if (mm)
		snprintf(o->symbol, sizeof o->symbol, "%s", mm->symbol);
	else
		unify(inst, o->symbol, sizeof o->symbol);
	snprintf(o->id, sizeof o->id, "%s", json_string_value(json_object_get(j, "clOrdId")) ?: "");
	snprintf(o->venue_order_id, sizeof o->venue_order_id, "%s",
	         json_string_value(json_object_get(j, "ordId")) ?: "");
	snprintf(o->side, sizeof o->side, "%s", json_string_value(json_object_get(j, "side")) ?: "");
	const char *ls = state_lyra(st);
	if (!ls)
		return lyra_error(LYRA_EX_DATAERR, V ": unknown order state '%s'", st);
	snprintf(o->status, sizeof o->status, "%s", ls);
	ordtype_lyra(ot ? ot : "", o->kind, sizeof o->kind, o->tif, sizeof o->tif);
	if (opt_dec(json_object_get(j, "px"), "px", &o->px) != 0 ||
	    to_base(mm, json_object_get(j, "sz"), "sz", &o->qty) != 0 ||
	    to_base(mm, json_object_get(j, "accFillSz"), "accFillSz", &o->filled_qty) != 0 ||
	    opt_dec(json_object_get(j, "avgPx"), "avgPx", &o->avg_px) != 0)
		return -1;
	const json_t *ut = json_object_get(j, "uTime");
	if (!ut || (json_is_string(ut) && !*json_string_value(ut)))
		ut = json_object_get(j, "cTime");
	if (ut && lyra_vx_time(ut, "uTime", 1000, &o->ts) != 0)
		return -1;
	return 0;
}

/* Alphanumeric, 1 to 32 characters. */
static int id_ok(const char *id, char *why, size_t n)
{
	size_t len = strlen(id);
	if (len < 1 || len > 32) {
		snprintf(why, n, "is %zu characters; OKX allows 1 to 32", len);
		return 0;
	}
	for (const char *p = id; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) {
			snprintf(why, n, "has '%c'; OKX allows letters and digits only", *p);
			return 0;
		}
	return 1;
}

/* The size to send: base units, or contracts (qty / ctVal, exact) for a perpetual. */
static int venue_size(const struct lyra_market *m, struct lyra_dec qty, char *buf)
{
	struct lyra_dec sz = qty;
	if (lyra_dec_sign(m->contract) > 0) {
		if (lyra_dec_div(qty, m->contract, LYRA_DEC_MAX_SCALE, LYRA_ROUND_EXACT, &sz) != 0 &&
		    lyra_dec_div(qty, m->contract, 12, LYRA_ROUND_EXACT, &sz) != 0)
			return -1;
		sz = lyra_dec_normalize(sz);
	}
	lyra_dec_format(sz, buf);
	return 0;
}

/* data[0] of a successful answer. */
static json_t *first(json_t *j)
{
	json_t *d = json_array_get(json_object_get(j, "data"), 0);
	return json_is_object(d) ? d : NULL;
}

/* ---- calls ---- */

static int o_query(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   struct lyra_venue_order *out, struct lyra_trade_error *err);

static int o_place(struct lyra_trade *t, const struct lyra_market *m, const json_t *order,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_trade_order o;
	char why[128], sz[LYRA_DEC_STRLEN];
	const char *ot;
	int rc;

	if ((rc = lyra_trade_order_read(t, m, order, &o, err)) != 0)
		return rc;
	if (!id_ok(o.id, why, sizeof why))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "client order id '%s' %s (not sent)", o.id, why);
	if (!strcmp(o.kind, "stop") || !strcmp(o.kind, "stop_limit"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': OKX takes stop orders on /api/v5/trade/order-algo "
		                       "(algo ids), which this adapter does not use", o.id);
	if (!strcmp(o.tif, "GTD"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': OKX has no GTD time in force", o.id);
	if (!strcmp(o.kind, "market")) {
		if (!strcmp(o.tif, "FOK"))
			return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
			                       "order '%s': OKX market orders take no FOK", o.id);
		ot = "market";
	} else if (!strcmp(o.kind, "post_only")) {
		if (strcmp(o.tif, "GTC") != 0)
			return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
			                       "order '%s': a post-only order rests: tif GTC only", o.id);
		ot = "post_only";
	} else {
		ot = !strcmp(o.tif, "IOC") ? "ioc" : !strcmp(o.tif, "FOK") ? "fok" : "limit";
	}
	if (venue_size(m, o.qty, sz) != 0)
		return lyra_trade_fail(t, err, LYRA_TE_PRECISION, NULL,
		                       "order '%s': qty %s is not a whole multiple of the contract size",
		                       o.id, o.qtys);
	int spot = lyra_dec_sign(m->contract) <= 0 && strcmp(m->instrument, "perpetual") != 0;
	json_t *b = json_pack("{ssssssssssss}", "instId", m->venue_symbol, "tdMode",
	                      spot ? "cash" : "cross", "clOrdId", o.id, "side", o.side, "ordType", ot,
	                      "sz", sz);
	if (b && o.has_px)
		json_object_set_new(b, "px", json_string(o.pxs));
	if (b && spot && !strcmp(o.kind, "market"))
		json_object_set_new(b, "tgtCcy", json_string("base_ccy"));
	char *body = b ? lyra_trade_dump(b) : NULL;
	if (!body)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "out of memory");
	json_t *j;
	struct lyra_trade_req req = {"POST", "/api/v5/trade/order", NULL, body, 1, 1};
	rc = lyra_trade_send(t, &req, &j, err);
	free(body);
	if (rc == 2) {
		snprintf(out->id, sizeof out->id, "%s", o.id);
		snprintf(out->status, sizeof out->status, "dry_run");
		return 0;
	}
	if (rc != 0)
		return rc;
	json_t *d = first(j);
	if (!d) {
		json_decref(j);
		lyra_error(LYRA_EX_DATAERR, "no 'data'");
		return lyra_trade_bad_answer(t, err, 1, "POST /api/v5/trade/order");
	}
	/* The answer says accepted and nothing more: status acked; query and fills tell the rest. */
	snprintf(out->id, sizeof out->id, "%s", o.id);
	snprintf(out->venue_order_id, sizeof out->venue_order_id, "%s",
	         json_string_value(json_object_get(d, "ordId")) ?: "");
	snprintf(out->symbol, sizeof out->symbol, "%s", m->symbol);
	snprintf(out->side, sizeof out->side, "%s", o.side);
	snprintf(out->kind, sizeof out->kind, "%s", o.kind);
	snprintf(out->tif, sizeof out->tif, "%s", o.tif);
	snprintf(out->status, sizeof out->status, "acked");
	out->px = o.has_px ? o.px : lyra_dec_zero();
	out->qty = o.qty;
	out->filled_qty = out->avg_px = lyra_dec_zero();
	const json_t *ts = json_object_get(d, "ts");
	if (!ts || lyra_vx_time(ts, "ts", 1000, &out->ts) != 0)
		out->ts = lyra_trade_now(t);
	json_decref(j);
	return 0;
}

/* POST {"instId","clOrdId",...extra} to path; 0 when the venue took it. */
static int post_by_id(struct lyra_trade *t, const struct lyra_market *m, const char *path,
                      const char *id, json_t *extra, struct lyra_trade_error *err)
{
	json_t *b = json_pack("{ssss}", "instId", m->venue_symbol, "clOrdId", id);
	if (b && extra)
		json_object_update(b, extra);
	json_decref(extra);
	char *body = b ? lyra_trade_dump(b) : NULL;
	json_t *j;
	if (!body)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "out of memory");
	struct lyra_trade_req req = {"POST", path, NULL, body, 1, 1};
	int rc = lyra_trade_send(t, &req, &j, err);
	free(body);
	if (rc == 2)
		return 2;
	json_decref(j);
	return rc;
}

static int o_cancel(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                    struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	int rc = post_by_id(t, m, "/api/v5/trade/cancel-order", id, NULL, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	/* OKX answers "accepted": read the order back; a cancel OKX accepted is reported as
	 * cancelled even if the read still shows it live (the state catches up). */
	if (o_query(t, m, id, out, err) != 0) {
		memset(err, 0, sizeof *err);
		memset(out, 0, sizeof *out);
		snprintf(out->id, sizeof out->id, "%s", id);
		snprintf(out->symbol, sizeof out->symbol, "%s", m->symbol);
	}
	if (strcmp(out->status, "filled") != 0)
		snprintf(out->status, sizeof out->status, "cancelled");
	return 0;
}

static int o_amend(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   const struct lyra_dec *px, const struct lyra_dec *qty,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	char s[LYRA_DEC_STRLEN];
	json_t *x = json_object();
	if (qty) {
		if (venue_size(m, *qty, s) != 0) {
			json_decref(x);
			return lyra_trade_fail(t, err, LYRA_TE_PRECISION, NULL,
			                       "amend '%s': qty is not a whole multiple of the contract size",
			                       id);
		}
		json_object_set_new(x, "newSz", json_string(s));
	}
	if (px) {
		lyra_dec_format(*px, s);
		json_object_set_new(x, "newPx", json_string(s));
	}
	int rc = post_by_id(t, m, "/api/v5/trade/amend-order", id, x, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	return o_query(t, m, id, out, err) < 0 ? -1 : 0;
}

static int o_query(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	char q[320], a[128], b[128];
	json_t *j;
	if (lyra_http_escape(m->venue_symbol, a, sizeof a) < 0 || lyra_http_escape(id, b, sizeof b) < 0)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "id '%s' too long", id);
	snprintf(q, sizeof q, "instId=%s&clOrdId=%s", a, b);
	struct lyra_trade_req req = {"GET", "/api/v5/trade/order", q, NULL, 1, 1};
	int rc = lyra_trade_send(t, &req, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	json_t *d = first(j);
	if (!d) {
		json_decref(j);
		return lyra_trade_fail(t, err, LYRA_TE_UNKNOWN_ORDER, "51603", "Order does not exist");
	}
	rc = parse_order(t, m, d, out);
	json_decref(j);
	return rc == 0 ? 0 : lyra_trade_bad_answer(t, err, 0, "GET /api/v5/trade/order");
}

static int o_open(struct lyra_trade *t, const struct lyra_market *m, lyra_trade_order_cb cb,
                  void *ctx, struct lyra_trade_error *err)
{
	char after[64] = "";
	for (int page = 0; page < 1000; page++) {
		char q[256] = "", e[128];
		json_t *j, *v;
		size_t i, n;
		if (m && lyra_http_escape(m->venue_symbol, e, sizeof e) >= 0)
			snprintf(q, sizeof q, "instId=%s&", e);
		snprintf(q + strlen(q), sizeof q - strlen(q), "limit=100%s%s", *after ? "&after=" : "",
		         after);
		struct lyra_trade_req req = {"GET", "/api/v5/trade/orders-pending", q, NULL, 1, 1};
		int rc = lyra_trade_send(t, &req, &j, err);
		if (rc == 2)
			return 0;
		if (rc != 0)
			return rc;
		json_t *d = json_object_get(j, "data");
		n = json_array_size(d);
		json_array_foreach(d, i, v) {
			struct lyra_venue_order o;
			if (parse_order(t, m, v, &o) != 0) {
				json_decref(j);
				return lyra_trade_bad_answer(t, err, 0, "GET /api/v5/trade/orders-pending");
			}
			snprintf(after, sizeof after, "%s", o.venue_order_id);
			if (cb(ctx, &o) != 0) {
				json_decref(j);
				return lyra_trade_stopped(t, err);
			}
		}
		json_decref(j);
		if (n < 100)
			return 0;
	}
	return 0;
}

static int parse_fill(struct lyra_trade *t, const struct lyra_market *m, const json_t *v,
                      struct lyra_venue_fill *f)
{
	memset(f, 0, sizeof *f);
	const char *inst = lyra_vx_str(json_object_get(v, "instId"), "instId");
	if (!inst)
		return -1;
	const struct lyra_market *mm = market_of(t, m, inst);
	if (mm)
		snprintf(f->symbol, sizeof f->symbol, "%s", mm->symbol);
	else
		unify(inst, f->symbol, sizeof f->symbol);
	snprintf(f->id, sizeof f->id, "%s", json_string_value(json_object_get(v, "clOrdId")) ?: "");
	snprintf(f->venue_order_id, sizeof f->venue_order_id, "%s",
	         json_string_value(json_object_get(v, "ordId")) ?: "");
	snprintf(f->trade_id, sizeof f->trade_id, "%s",
	         json_string_value(json_object_get(v, "tradeId")) ?: "");
	snprintf(f->side, sizeof f->side, "%s", json_string_value(json_object_get(v, "side")) ?: "");
	const char *ex = json_string_value(json_object_get(v, "execType"));
	snprintf(f->liquidity, sizeof f->liquidity, "%s", ex && !strcmp(ex, "M") ? "maker" : "taker");
	const char *fc = json_string_value(json_object_get(v, "feeCcy"));
	if (fc)
		lyra_venue_asset(V, fc, f->fee_ccy, sizeof f->fee_ccy);
	struct lyra_dec fee;
	const json_t *ts = json_object_get(v, "fillTime");
	if (!ts || (json_is_string(ts) && !*json_string_value(ts)))
		ts = json_object_get(v, "ts");
	if (!*f->trade_id || lyra_vx_dec(json_object_get(v, "fillPx"), "fillPx", &f->px) != 0 ||
	    to_base(mm, json_object_get(v, "fillSz"), "fillSz", &f->qty) != 0 ||
	    opt_dec(json_object_get(v, "fee"), "fee", &fee) != 0 ||
	    lyra_dec_neg(fee, &f->fee) != 0 || lyra_vx_time(ts, "ts", 1000, &f->ts) != 0)
		return lyra_error(LYRA_EX_DATAERR, "a fill: %s", lyra_error_msg());
	return 0;
}

/* Newest first from the venue, paged back with after=billId; handed over oldest first. */
static int o_fills(struct lyra_trade *t, const struct lyra_market *m, int64_t since_us,
                   lyra_trade_fill_cb cb, void *ctx, struct lyra_trade_error *err)
{
	const int64_t three_days = 3LL * 86400 * 1000000;
	int history = lyra_trade_now(t) - since_us > three_days;
	const char *path = history ? "/api/v5/trade/fills-history" : "/api/v5/trade/fills";
	json_t *all = json_array();
	char after[64] = "";
	int rc = 0;
	if (history && !m) {
		json_decref(all);
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "fills older than three days come per instrument type: give a "
		                       "market");
	}
	for (int page = 0; page < 1000; page++) {
		char q[320] = "", e[128];
		json_t *j, *v;
		size_t i, n;
		if (history)
			snprintf(q, sizeof q, "instType=%s&",
			         lyra_dec_sign(m->contract) > 0 || !strcmp(m->instrument, "perpetual")
			         ? "SWAP" : "SPOT");
		if (m && lyra_http_escape(m->venue_symbol, e, sizeof e) >= 0)
			snprintf(q + strlen(q), sizeof q - strlen(q), "instId=%s&", e);
		snprintf(q + strlen(q), sizeof q - strlen(q), "begin=%lld&limit=100%s%s",
		         (long long)(since_us / 1000 - 1), *after ? "&after=" : "", after);
		struct lyra_trade_req req = {"GET", path, q, NULL, 1, 1};
		rc = lyra_trade_send(t, &req, &j, err);
		if (rc == 2) {
			rc = 0;
			break;
		}
		if (rc != 0)
			break;
		json_t *d = json_object_get(j, "data");
		n = json_array_size(d);
		json_array_foreach(d, i, v) {
			const char *bill = json_string_value(json_object_get(v, "billId"));
			snprintf(after, sizeof after, "%s", bill ? bill : "");
			json_array_append(all, v);
		}
		json_decref(j);
		if (n < 100 || !*after)
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

static int o_balances(struct lyra_trade *t, lyra_trade_balance_cb cb, void *ctx,
                      struct lyra_trade_error *err)
{
	json_t *j, *v;
	size_t i;
	struct lyra_trade_req req = {"GET", "/api/v5/account/balance", NULL, NULL, 1, 1};
	int rc = lyra_trade_send(t, &req, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	json_t *det = json_object_get(first(j), "details");
	if (!json_is_array(det)) {
		json_decref(j);
		lyra_error(LYRA_EX_DATAERR, "no 'details'");
		return lyra_trade_bad_answer(t, err, 0, "GET /api/v5/account/balance");
	}
	json_array_foreach(det, i, v) {
		struct lyra_venue_balance b;
		memset(&b, 0, sizeof b);
		const char *ccy = lyra_vx_str(json_object_get(v, "ccy"), "ccy");
		if (!ccy || opt_dec(json_object_get(v, "availBal"), "availBal", &b.free) != 0 ||
		    opt_dec(json_object_get(v, "cashBal"), "cashBal", &b.total) != 0) {
			json_decref(j);
			return lyra_trade_bad_answer(t, err, 0, "GET /api/v5/account/balance");
		}
		lyra_venue_asset(V, ccy, b.asset, sizeof b.asset);
		if (cb(ctx, &b) != 0) {
			json_decref(j);
			return lyra_trade_stopped(t, err);
		}
	}
	json_decref(j);
	return 0;
}

static int o_time(struct lyra_trade *t, int64_t *server_us, struct lyra_trade_error *err)
{
	return lyra_trade_clock_get(t, "/api/v5/public/time", "data/0/ts", 1000, server_us, err);
}

/* ---- the private WebSocket ----
 * https://www.okx.com/docs-v5/en/#overview-websocket-login and #order-book-trading-trade-ws-
 * order-channel: connect to /ws/v5/private (demo trading: wspap.okx.com), send {"op":"login",
 * "args":[{"apiKey","passphrase","timestamp","sign"}]} with timestamp in Unix seconds and sign =
 * base64(HMAC-SHA256(secret, timestamp + "GET" + "/users/self/verify")); {"event":"login",
 * "code":"0"} accepts it ({"event":"error","code":"60009",...} refuses). Then subscribe to
 * {"channel":"orders","instType":"ANY"}; {"event":"subscribe"} confirms. Each push {"arg",
 * "data":[order]} carries the order in the REST shape (state, accFillSz, avgPx, clOrdId, ordId)
 * and, when it reports an execution, tradeId, fillPx, fillSz, fillTime, fillFee (negative: a
 * charge) and fillFeeCcy, execType T/M. A connection quiet for 30 s is closed by OKX: the client
 * sends the text "ping" (answered "pong") when it heard nothing for a while. */

static char *s_hello(struct lyra_trade *t, int step)
{
	char ts[32], *msg = NULL;
	json_t *req;
	if (!t->o.key) {
		lyra_error(LYRA_EX_CONFIG, V ": no API key");
		return NULL;
	}
	if (step == 0) {
		struct lyra_signed sg;
		snprintf(ts, sizeof ts, "%lld", (long long)(lyra_trade_now(t) / LYRA_US_PER_SEC));
		struct lyra_sign_in in = {.venue = V, .method = "GET", .path = "/users/self/verify",
		                          .query = "", .body = "", .timestamp = ts};
		if (lyra_sign(t->o.key, &in, &sg) != 0)
			return NULL;
		req = json_pack("{s:s, s:[{s:s, s:s, s:s, s:s}]}", "op", "login", "args",
		                "apiKey", t->o.key->key, "passphrase", t->o.key->passphrase,
		                "timestamp", ts, "sign", sg.signature);
		lyra_signed_release(&sg);
	} else if (step == 1) {
		req = json_pack("{s:s, s:[{s:s, s:s}]}", "op", "subscribe", "args",
		                "channel", "orders", "instType", "ANY");
	} else {
		lyra_error(LYRA_EX_SOFTWARE, V ": no opening step %d", step);
		return NULL;
	}
	msg = req ? json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(req);
	if (!msg)
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return msg;
}

static int s_message(struct lyra_trade *t, const json_t *j, lyra_trade_order_cb on_order,
                     lyra_trade_fill_cb on_fill, void *ctx)
{
	if (!j)
		return 0;   /* "pong" */
	const char *ev = json_string_value(json_object_get(j, "event"));
	if (ev) {
		if (!strcmp(ev, "login"))
			return 2;
		if (!strcmp(ev, "subscribe"))
			return 1;
		if (!strcmp(ev, "error"))
			return lyra_error(LYRA_EX_NOPERM, V ": private WebSocket refused: %s (%s)",
			                  json_string_value(json_object_get(j, "msg")) ?: "no message",
			                  json_string_value(json_object_get(j, "code")) ?: "");
		if (!strcmp(ev, "notice"))
			return lyra_error(LYRA_EX_UNAVAILABLE, V ": %s",
			                  json_string_value(json_object_get(j, "msg")) ?: "notice");
		return 0;
	}
	const char *ch = json_string_value(json_object_get(json_object_get(j, "arg"), "channel"));
	const json_t *data = json_object_get(j, "data");
	if (!ch || strcmp(ch, "orders") != 0 || !json_is_array(data))
		return 0;
	size_t i;
	const json_t *d;
	json_array_foreach(data, i, d) {
		struct lyra_venue_order o;
		if (parse_order(t, NULL, d, &o) != 0)
			return lyra_error(LYRA_EX_DATAERR, V ": orders channel: %s", lyra_error_msg());
		const char *tid = json_string_value(json_object_get(d, "tradeId"));
		if (tid && *tid) {
			/* the execution in the REST fill shape: fee and feeCcy are this fill's */
			struct lyra_venue_fill f;
			json_t *x = json_deep_copy(d);
			const json_t *ff = json_object_get(d, "fillFee");
			const json_t *fc = json_object_get(d, "fillFeeCcy");
			if (!x)
				return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			json_object_set_new(x, "fee", ff ? json_deep_copy(ff) : json_string(""));
			json_object_set_new(x, "feeCcy", json_string(json_is_string(fc) ? json_string_value(fc) : ""));
			int rc = parse_fill(t, NULL, x, &f);
			json_decref(x);
			if (rc != 0)
				return lyra_error(LYRA_EX_DATAERR, V ": orders channel: %s", lyra_error_msg());
			if (on_fill(ctx, &f) != 0)
				return -2;
		}
		if (on_order(ctx, &o) != 0)
			return -2;
	}
	return 0;
}

static const struct lyra_trade_stream okx_stream = {
	.url = "wss://ws.okx.com:8443/ws/v5/private",
	.testnet_url = "wss://wspap.okx.com:8443/ws/v5/private",
	.hello = s_hello,
	.message = s_message,
	.keepalive_s = 20,
	.ping_text = "ping",
};

const struct lyra_trade_adapter lyra_trade_okx = {
	.id = V,
	.rest_url = "https://www.okx.com",
	.testnet_url = NULL,
	.weight_per_minute = 0,
	.place = o_place,
	.cancel = o_cancel,
	.amend = o_amend,
	.query = o_query,
	.open_orders = o_open,
	.fills = o_fills,
	.balances = o_balances,
	.server_time = o_time,
	.venue_error = okx_venue_error,
	.parse_order = parse_order,
	.parse_fill = parse_fill,
	.stream = &okx_stream,
};
