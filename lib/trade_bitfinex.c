/* trade_bitfinex.c: Bitfinex's authenticated REST API v2 (https://api.bitfinex.com, every
 * private call a signed POST under /v2/auth/): w/order/submit, w/order/cancel (by cid and
 * cid_date), w/order/update, r/orders (active), r/orders/hist, r/trades/hist, r/wallets, and
 * the public /v2/platform/status. Answers are arrays of JSON numbers, read exactly; an
 * amount's sign is the side. Spot orders are the EXCHANGE types and use the exchange wallet;
 * the F0 perpetuals use the margin types. Bitfinex's client order id (cid) is an integer
 * unique per UTC day, so lyra ids for Bitfinex are decimal integers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>
#include <time.h>

#include "decimal.h"
#include "error.h"
#include "trade.h"
#include "trade_impl.h"
#include "venue_impl.h"

#define V "bitfinex"
#define CID_MAX 35184372088831LL   /* int45 */
#define F_POSTONLY 4096
#define HIST_LIMIT 2500

/* The order array's fields. */
enum { O_ID = 0, O_CID = 2, O_SYMBOL = 3, O_MTS_CREATE = 4, O_MTS_UPDATE = 5, O_AMOUNT = 6,
       O_AMOUNT_ORIG = 7, O_TYPE = 8, O_FLAGS = 12, O_STATUS = 13, O_PRICE = 16,
       O_PRICE_AVG = 17, O_PRICE_AUX = 19 };
/* The trade array's fields. */
enum { T_ID = 0, T_SYMBOL = 1, T_MTS = 2, T_ORDER_ID = 3, T_AMOUNT = 4, T_PRICE = 5,
       T_MAKER = 8, T_FEE = 9, T_FEE_CCY = 10, T_CID = 11 };

/* An error's text (and code) to lyra's kind: Bitfinex answers most refusals with 10001 and a
 * message ("Invalid order: not enough exchange balance for ..."). */
static enum lyra_trade_err error_kind(long code, const char *msg)
{
	switch (code) {
	case 10100: case 10111: case 10112: case 10113: case 10200: return LYRA_TE_AUTH;
	case 10114: return LYRA_TE_CLOCK;        /* "nonce: small" */
	case 11010: return LYRA_TE_RATE_LIMIT;   /* "ratelimit: error" */
	case 10000: return LYRA_TE_UNCERTAIN;    /* unknown error */
	default: break;
	}
	if (!msg)
		return LYRA_TE_REJECTED;
	if (strstr(msg, "not enough") || strstr(msg, "insufficient"))
		return LYRA_TE_INSUFFICIENT;
	if (strstr(msg, "minimum size") || strstr(msg, "minimum amount"))
		return LYRA_TE_MIN_SIZE;
	if (strstr(msg, "precision"))
		return LYRA_TE_PRECISION;
	if (strstr(msg, "not found"))
		return LYRA_TE_UNKNOWN_ORDER;
	if (strstr(msg, "nonce"))
		return LYRA_TE_CLOCK;
	if (strstr(msg, "ratelimit"))
		return LYRA_TE_RATE_LIMIT;
	if (strstr(msg, "apikey"))
		return LYRA_TE_AUTH;
	return LYRA_TE_REJECTED;
}

/* ["error", 10001, "msg"] (HTTP 500 on the real venue), or a notification
 * [MTS, TYPE, MSG_ID, null, DATA, CODE, "ERROR"|"FAILURE", "msg"]. */
static int bfx_venue_error(const char *body, size_t len, long status, struct lyra_trade_error *err)
{
	(void)status;
	json_t *j = json_loadb(body, len, 0, NULL);
	const char *tag = json_string_value(json_array_get(j, 0));
	const char *st = json_string_value(json_array_get(j, 6));
	long code = 0;
	const char *msg = NULL;
	if (tag && !strcmp(tag, "error")) {
		json_t *c = json_array_get(j, 1);
		code = json_is_integer(c) ? (long)json_integer_value(c) : 0;
		msg = json_string_value(json_array_get(j, 2));
		snprintf(err->code, sizeof err->code, "%ld", code);
	} else if (json_is_string(json_array_get(j, 1)) && st &&
	           (!strcmp(st, "ERROR") || !strcmp(st, "FAILURE"))) {
		json_t *c = json_array_get(j, 5);
		code = json_is_integer(c) ? (long)json_integer_value(c) : 0;
		msg = json_string_value(json_array_get(j, 7));
		snprintf(err->code, sizeof err->code, "%s", st);
	} else {
		json_decref(j);
		return 0;
	}
	err->kind = error_kind(code, msg);
	snprintf(err->message, sizeof err->message, "%s", msg && *msg ? msg : "(no message)");
	json_decref(j);
	return 1;
}

/* ---- mapping ---- */

/* A decimal given as a JSON number (exact: a string after lyra_json_loads_exact), possibly
 * in exponent form; null or missing: 0. */
static int num(const json_t *v, const char *key, struct lyra_dec *out)
{
	*out = lyra_dec_zero();
	if (!v || json_is_null(v))
		return 0;
	json_t *s = lyra_vx_decstr(v, key, 0);
	int rc = s ? lyra_dec_parse_cstr(json_string_value(s), out) : -1;
	json_decref(s);
	return rc == 0 ? 0 : lyra_error(LYRA_EX_DATAERR, "'%s': not a number", key);
}

static void int_str(const json_t *v, char *buf, size_t n)
{
	if (json_is_integer(v) && json_integer_value(v) != 0)
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		buf[0] = '\0';
}

static int is_perp(const struct lyra_market *m)
{
	return m && !strcmp(m->instrument, "perpetual");
}

/* "tBTCUSD" -> "BTC/USD", "tBTCF0:USTF0" -> "BTC/USDT:USDT" when no market is known. */
static void set_symbol(struct lyra_trade *t, const struct lyra_market *m, const char *vs,
                       char *out, size_t n)
{
	const struct lyra_market *mm = m && !strcmp(m->venue_symbol, vs) ? m
	                               : lyra_trade_market_by_venue_symbol(t, vs);
	char b[24] = "", q[24] = "", bu[24], qu[24];
	if (mm) {
		snprintf(out, n, "%s", mm->symbol);
		return;
	}
	const char *p = vs[0] == 't' ? vs + 1 : vs;
	const char *colon = strchr(p, ':');
	if (colon && colon - p < 24 && strlen(colon + 1) < 24) {
		memcpy(b, p, (size_t)(colon - p));
		b[colon - p] = '\0';
		snprintf(q, sizeof q, "%s", colon + 1);
	} else if (!colon && strlen(p) == 6) {
		memcpy(b, p, 3);
		b[3] = '\0';
		snprintf(q, sizeof q, "%s", p + 3);
	} else {
		snprintf(out, n, "%s", vs);
		return;
	}
	size_t ql = strlen(q);
	int perp = ql > 2 && !strcmp(q + ql - 2, "F0");
	lyra_venue_asset(V, b, bu, sizeof bu);
	lyra_venue_asset(V, q, qu, sizeof qu);
	int w = perp ? snprintf(out, n, "%s/%s:%s", bu, qu, qu) : snprintf(out, n, "%s/%s", bu, qu);
	if (w < 0 || (size_t)w >= n)
		snprintf(out, n, "%s", vs);
}

/* ACTIVE, PARTIALLY FILLED @ ..., EXECUTED @ ..., CANCELED [was: ...], POSTONLY CANCELED,
 * IOC CANCELED, FILLORKILL CANCELED, INSUFFICIENT MARGIN/BALANCE ..., RSN_DUST, RSN_PAUSE. */
static const char *status_lyra(const char *s)
{
	if (!strncmp(s, "ACTIVE", 6)) return "acked";
	if (!strncmp(s, "PARTIALLY FILLED", 16)) return "partially_filled";
	if (!strncmp(s, "EXECUTED", 8)) return "filled";
	if (!strncmp(s, "POSTONLY CANCELED", 17)) return "rejected";
	if (!strncmp(s, "IOC CANCELED", 12) || !strncmp(s, "FILLORKILL CANCELED", 19)) return "expired";
	if (!strncmp(s, "CANCELED", 8) || !strncmp(s, "INSUFFICIENT", 12) || !strncmp(s, "RSN_", 4))
		return "cancelled";
	return NULL;
}

static void type_lyra(const char *ty, long flags, struct lyra_venue_order *o)
{
	const char *k = "other", *f = "GTC";
	if (!strncmp(ty, "EXCHANGE ", 9))
		ty += 9;
	if (!strcmp(ty, "LIMIT")) k = flags & F_POSTONLY ? "post_only" : "limit";
	else if (!strcmp(ty, "MARKET")) { k = "market"; f = "IOC"; }
	else if (!strcmp(ty, "IOC")) { k = "limit"; f = "IOC"; }
	else if (!strcmp(ty, "FOK")) { k = "limit"; f = "FOK"; }
	else if (!strcmp(ty, "STOP")) { k = "stop"; f = "IOC"; }
	else if (!strcmp(ty, "STOP LIMIT")) k = "stop_limit";
	snprintf(o->kind, sizeof o->kind, "%s", k);
	snprintf(o->tif, sizeof o->tif, "%s", f);
}

/* An order array into o. */
static int parse_order(struct lyra_trade *t, const struct lyra_market *m, const json_t *j,
                       struct lyra_venue_order *o)
{
	struct lyra_dec amount, orig, left;
	memset(o, 0, sizeof *o);
	if (!json_is_array(j))
		return lyra_error(LYRA_EX_DATAERR, V ": an order is not an array");
	const char *vs = lyra_vx_str(json_array_get(j, O_SYMBOL), "SYMBOL");
	const char *st = lyra_vx_str(json_array_get(j, O_STATUS), "STATUS");
	const char *ty = json_string_value(json_array_get(j, O_TYPE));
	if (!vs || !st)
		return -1;
	int_str(json_array_get(j, O_ID), o->venue_order_id, sizeof o->venue_order_id);
	int_str(json_array_get(j, O_CID), o->id, sizeof o->id);
	if (!*o->venue_order_id)
		return lyra_error(LYRA_EX_DATAERR, V ": an order without ID");
	set_symbol(t, m, vs, o->symbol, sizeof o->symbol);
	const char *ls = status_lyra(st);
	if (!ls)
		return lyra_error(LYRA_EX_DATAERR, V ": unknown order status '%s'", st);
	snprintf(o->status, sizeof o->status, "%s", ls);
	json_t *fl = json_array_get(j, O_FLAGS);
	type_lyra(ty ? ty : "", json_is_integer(fl) ? (long)json_integer_value(fl) : 0, o);
	if (num(json_array_get(j, O_AMOUNT), "AMOUNT", &amount) != 0 ||
	    num(json_array_get(j, O_AMOUNT_ORIG), "AMOUNT_ORIG", &orig) != 0 ||
	    num(json_array_get(j, O_PRICE_AVG), "PRICE_AVG", &o->avg_px) != 0 ||
	    num(json_array_get(j, !strcmp(o->kind, "stop_limit") ? O_PRICE_AUX : O_PRICE), "PRICE",
	        &o->px) != 0)
		return -1;
	snprintf(o->side, sizeof o->side, "%s", lyra_dec_sign(orig) < 0 ? "sell" : "buy");
	if (lyra_dec_abs(orig, &o->qty) != 0 || lyra_dec_abs(amount, &left) != 0 ||
	    lyra_dec_sub(o->qty, left, &o->filled_qty) != 0)
		return -1;
	o->filled_qty = lyra_dec_normalize(o->filled_qty);
	if (!strcmp(o->kind, "market") || !strcmp(o->kind, "stop"))
		o->px = lyra_dec_zero();
	if (lyra_dec_sign(o->filled_qty) <= 0)
		o->avg_px = lyra_dec_zero();
	const json_t *ut = json_array_get(j, O_MTS_UPDATE);
	if (!json_is_integer(ut))
		ut = json_array_get(j, O_MTS_CREATE);
	if (json_is_integer(ut) && lyra_vx_time(ut, "MTS_UPDATE", 1000, &o->ts) != 0)
		return -1;
	return 0;
}

/* A trade array into f. */
static int parse_fill(struct lyra_trade *t, const struct lyra_market *m, const json_t *v,
                      struct lyra_venue_fill *f)
{
	struct lyra_dec amount, fee;
	memset(f, 0, sizeof *f);
	const char *vs = json_is_array(v) ? lyra_vx_str(json_array_get(v, T_SYMBOL), "SYMBOL") : NULL;
	if (!vs)
		return lyra_error(LYRA_EX_DATAERR, "a trade: not a trade array");
	set_symbol(t, m, vs, f->symbol, sizeof f->symbol);
	int_str(json_array_get(v, T_ID), f->trade_id, sizeof f->trade_id);
	int_str(json_array_get(v, T_ORDER_ID), f->venue_order_id, sizeof f->venue_order_id);
	int_str(json_array_get(v, T_CID), f->id, sizeof f->id);
	json_t *mk = json_array_get(v, T_MAKER);
	snprintf(f->liquidity, sizeof f->liquidity, "%s",
	         json_is_integer(mk) && json_integer_value(mk) == 1 ? "maker" : "taker");
	const char *fc = json_string_value(json_array_get(v, T_FEE_CCY));
	if (fc)
		lyra_venue_asset(V, fc, f->fee_ccy, sizeof f->fee_ccy);
	if (!*f->trade_id || num(json_array_get(v, T_AMOUNT), "EXEC_AMOUNT", &amount) != 0 ||
	    num(json_array_get(v, T_PRICE), "EXEC_PRICE", &f->px) != 0 ||
	    num(json_array_get(v, T_FEE), "FEE", &fee) != 0 ||
	    lyra_dec_abs(amount, &f->qty) != 0 || lyra_dec_neg(fee, &f->fee) != 0 ||
	    lyra_vx_time(json_array_get(v, T_MTS), "MTS", 1000, &f->ts) != 0)
		return lyra_error(LYRA_EX_DATAERR, "a trade: %s", lyra_error_msg());
	snprintf(f->side, sizeof f->side, "%s", lyra_dec_sign(amount) < 0 ? "sell" : "buy");
	return 0;
}

/* Bitfinex's client order id (cid) is an integer 1 .. 2^45-1. A lyra id that is one (digits,
 * no leading zero) is sent as it is; any other is sent as 1 + (the first 8 bytes of
 * SHA-256("lyra:" + id) mod (2^45 - 1)): deterministic, so a resend or a lookup of the same
 * order uses the same cid. */
static int id_ok(const char *id, long long *cid, char *why, size_t n)
{
	size_t len = strlen(id);
	int digits = len >= 1 && len <= 14 && id[0] != '0';
	for (const char *p = id; digits && *p; p++)
		digits = *p >= '0' && *p <= '9';
	if (digits && (*cid = strtoll(id, NULL, 10)) <= CID_MAX)
		return 1;
	if (len == 0) {
		snprintf(why, n, "is empty");
		return 0;
	}
	char in[128];
	unsigned char h[SHA256_DIGEST_LENGTH];
	int k = snprintf(in, sizeof in, "lyra:%s", id);
	SHA256((const unsigned char *)in, k > 0 && (size_t)k < sizeof in ? (size_t)k : sizeof in - 1, h);
	unsigned long long v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | h[i];
	*cid = (long long)(v % (unsigned long long)CID_MAX) + 1;
	return 1;
}

/* "YYYY-MM-DD" (UTC) of a time in us. */
static void utc_date(int64_t us, char buf[16])
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;
	if (!gmtime_r(&s, &tm) ||
	    snprintf(buf, 16, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) >= 16)
		snprintf(buf, 16, "1970-01-01");
}

/* POST a signed request; read: it only reads (never UNCERTAIN). */
static int post(struct lyra_trade *t, const char *path, const char *body, int read, json_t **out,
                struct lyra_trade_error *err)
{
	struct lyra_trade_req req = {.method = "POST", .path = path, .body = body, .weight = 1,
	                             .sign = 1};
	return read ? lyra_trade_send_read(t, &req, out, err) : lyra_trade_send(t, &req, out, err);
}

/* The order of a notification: DATA is the order, or (submit) an array holding it. */
static const json_t *notif_order(const json_t *j)
{
	const json_t *d = json_array_get(j, 4);
	if (json_is_array(json_array_get(d, 0)))
		d = json_array_get(d, 0);
	return d;
}

/* Find the order with this cid among the active ones (hist 0) or the latest closed ones for
 * m's symbol; the newest if the cid was reused on another day. 0 with *row (NEW), 1 when none,
 * 2 in a dry run, else the call's failure. */
static int find(struct lyra_trade *t, const struct lyra_market *m, long long cid, int hist,
                json_t **row, struct lyra_trade_error *err)
{
	char path[128], body[32] = "{}";
	json_t *j, *v;
	size_t i;
	int64_t best = -1;
	*row = NULL;
	snprintf(path, sizeof path, "/v2/auth/r/orders/%s%s", m->venue_symbol, hist ? "/hist" : "");
	if (hist)
		snprintf(body, sizeof body, "{\"limit\":%d}", HIST_LIMIT);
	int rc = post(t, path, body, 1, &j, err);
	if (rc != 0)
		return rc;
	json_array_foreach(j, i, v) {
		json_t *c = json_array_get(v, O_CID), *mts = json_array_get(v, O_MTS_CREATE);
		int64_t at = json_is_integer(mts) ? json_integer_value(mts) : 0;
		if (json_is_integer(c) && json_integer_value(c) == cid && at > best) {
			best = at;
			json_decref(*row);
			*row = json_incref(v);
		}
	}
	json_decref(j);
	return *row ? 0 : 1;
}

/* ---- calls ---- */

static int f_place(struct lyra_trade *t, const struct lyra_market *m, const json_t *order,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_trade_order o;
	char why[160], amount[LYRA_DEC_STRLEN + 1], type[32];
	const char *ty;
	long long cid = 0;
	long flags = 0;
	int rc;

	if ((rc = lyra_trade_order_read(t, m, order, &o, err)) != 0)
		return rc;
	if (!id_ok(o.id, &cid, why, sizeof why))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "client order id '%s' %s (not sent)", o.id, why);
	if (!strcmp(o.tif, "GTD"))
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
		                       "order '%s': lyra orders carry no expiry time for Bitfinex's tif",
		                       o.id);
	if (!strcmp(o.kind, "market")) {
		if (!strcmp(o.tif, "FOK"))
			return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
			                       "order '%s': Bitfinex market orders take no FOK", o.id);
		ty = "MARKET";
	} else if (!strcmp(o.kind, "post_only") || !strcmp(o.kind, "stop_limit")) {
		if (strcmp(o.tif, "GTC") != 0)
			return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
			                       "order '%s': a Bitfinex %s order takes tif GTC only", o.id,
			                       o.kind);
		ty = !strcmp(o.kind, "post_only") ? "LIMIT" : "STOP LIMIT";
		flags = !strcmp(o.kind, "post_only") ? F_POSTONLY : 0;
	} else if (!strcmp(o.kind, "stop")) {
		if (!strcmp(o.tif, "FOK"))
			return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL,
			                       "order '%s': Bitfinex stop orders take no FOK", o.id);
		ty = "STOP";
	} else {
		ty = !strcmp(o.tif, "IOC") ? "IOC" : !strcmp(o.tif, "FOK") ? "FOK" : "LIMIT";
	}
	snprintf(type, sizeof type, "%s%s", is_perp(m) ? "" : "EXCHANGE ", ty);
	snprintf(amount, sizeof amount, "%s%s", !strcmp(o.side, "sell") ? "-" : "", o.qtys);
	json_t *b = json_pack("{sssssssI}", "type", type, "symbol", m->venue_symbol, "amount",
	                      amount, "cid", (json_int_t)cid);
	if (b && (!strcmp(o.kind, "stop") || !strcmp(o.kind, "stop_limit")))
		json_object_set_new(b, "price", json_string(o.stops));
	else if (b && o.has_px)
		json_object_set_new(b, "price", json_string(o.pxs));
	if (b && !strcmp(o.kind, "stop_limit"))
		json_object_set_new(b, "price_aux_limit", json_string(o.pxs));
	if (b && flags)
		json_object_set_new(b, "flags", json_integer(flags));
	char *body = lyra_trade_dump(b);
	json_t *j;
	if (!body)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "out of memory");
	rc = post(t, "/v2/auth/w/order/submit", body, 0, &j, err);
	free(body);
	if (rc == 2) {
		snprintf(out->id, sizeof out->id, "%s", o.id);
		snprintf(out->status, sizeof out->status, "dry_run");
		return 0;
	}
	if (rc != 0)
		return rc;
	rc = parse_order(t, m, notif_order(j), out);
	json_decref(j);
	return rc == 0 ? 0 : lyra_trade_bad_answer(t, err, 1, "POST /v2/auth/w/order/submit");
}

/* The active order of this lyra id: 0 (*row NEW), or 1 UNKNOWN_ORDER / a failure; 2: dry run. */
static int active(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                  long long *cid, json_t **row, struct lyra_trade_error *err)
{
	char why[160];
	*row = NULL;
	if (!id_ok(id, cid, why, sizeof why))
		return lyra_trade_fail(t, err, LYRA_TE_UNKNOWN_ORDER, NULL,
		                       "client order id '%s' %s: lyra never sent it", id, why);
	return find(t, m, *cid, 0, row, err);
}

static int f_cancel(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                    struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	long long cid;
	json_t *row, *j;
	char date[16];
	int rc = active(t, m, id, &cid, &row, err);
	if (rc != 0 && rc != 1 && rc != 2)
		return rc;
	if (rc == 1 && err->kind != LYRA_TE_NONE)
		return rc;
	/* cid_date: the UTC day the order was created; an order not seen open: today's (the
	 * venue then answers whether it knows it) */
	json_t *mts = row ? json_array_get(row, O_MTS_CREATE) : NULL;
	utc_date(json_is_integer(mts) ? json_integer_value(mts) * 1000 : lyra_trade_now(t), date);
	json_decref(row);
	char *body = lyra_trade_dump(json_pack("{sIss}", "cid", (json_int_t)cid, "cid_date", date));
	if (!body)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "out of memory");
	rc = post(t, "/v2/auth/w/order/cancel", body, 0, &j, err);
	free(body);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	/* the notification shows the order as it was when the cancel was taken */
	rc = parse_order(t, m, notif_order(j), out);
	json_decref(j);
	if (rc != 0)
		return lyra_trade_bad_answer(t, err, 0, "POST /v2/auth/w/order/cancel");
	if (strcmp(out->status, "filled") != 0)
		snprintf(out->status, sizeof out->status, "cancelled");
	return 0;
}

/* w/order/update takes the venue's order id: looked up by cid among the active orders. A new
 * total quantity is sent as the delta to the original amount (the filled part stays). */
static int f_amend(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   const struct lyra_dec *px, const struct lyra_dec *qty,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	long long cid;
	json_t *row, *j;
	char s[LYRA_DEC_STRLEN];
	int rc = active(t, m, id, &cid, &row, err);
	if (rc == 2)
		return 0;
	if (rc == 1 && err->kind == LYRA_TE_NONE)
		return lyra_trade_fail(t, err, LYRA_TE_UNKNOWN_ORDER, NULL,
		                       "no open order with cid %lld", cid);
	if (rc != 0)
		return rc;
	struct lyra_venue_order cur;
	if (parse_order(t, m, row, &cur) != 0) {
		json_decref(row);
		return lyra_trade_bad_answer(t, err, 0, "POST /v2/auth/r/orders");
	}
	json_t *b = json_pack("{sI}", "id", json_integer_value(json_array_get(row, O_ID)));
	json_decref(row);
	if (b && px) {
		lyra_dec_format(*px, s);
		json_object_set_new(b, !strcmp(cur.kind, "stop_limit") ? "price_aux_limit" : "price",
		                    json_string(s));
	}
	if (b && qty) {
		struct lyra_dec d;
		if (lyra_dec_sub(*qty, cur.qty, &d) != 0 ||
		    (!strcmp(cur.side, "sell") && lyra_dec_neg(d, &d) != 0)) {
			json_decref(b);
			return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "amend '%s': bad qty", id);
		}
		lyra_dec_format(d, s);
		json_object_set_new(b, "delta", json_string(s));
	}
	char *body = lyra_trade_dump(b);
	if (!body)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "out of memory");
	rc = post(t, "/v2/auth/w/order/update", body, 0, &j, err);
	free(body);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	rc = parse_order(t, m, notif_order(j), out);
	json_decref(j);
	return rc == 0 ? 0 : lyra_trade_bad_answer(t, err, 1, "POST /v2/auth/w/order/update");
}

/* Bitfinex looks orders up by cid only among the active ones (with cid_date, which lyra may
 * not know after a restart): the symbol's active orders, then its latest 2500 closed ones. */
static int f_query(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                   struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	long long cid;
	json_t *row;
	int rc = active(t, m, id, &cid, &row, err);
	if (rc == 1 && err->kind == LYRA_TE_NONE)
		rc = find(t, m, cid, 1, &row, err);
	if (rc == 2)
		return 0;
	if (rc == 1 && err->kind == LYRA_TE_NONE)
		return lyra_trade_fail(t, err, LYRA_TE_UNKNOWN_ORDER, NULL,
		                       "no order with cid %lld among %s's active orders and latest %d "
		                       "closed ones", cid, m->venue_symbol, HIST_LIMIT);
	if (rc != 0)
		return rc;
	rc = parse_order(t, m, row, out);
	json_decref(row);
	return rc == 0 ? 0 : lyra_trade_bad_answer(t, err, 0, "POST /v2/auth/r/orders");
}

static int f_open(struct lyra_trade *t, const struct lyra_market *m, lyra_trade_order_cb cb,
                  void *ctx, struct lyra_trade_error *err)
{
	char path[128];
	json_t *j;
	snprintf(path, sizeof path, "/v2/auth/r/orders%s%s", m ? "/" : "", m ? m->venue_symbol : "");
	int rc = post(t, path, "{}", 1, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	return lyra_trade_order_list(t, m, j, j, path, cb, ctx, err);
}

/* Oldest first (sort 1) from start, paged on the last MTS; ids already seen are skipped. */
static int f_fills(struct lyra_trade *t, const struct lyra_market *m, int64_t since_us,
                   lyra_trade_fill_cb cb, void *ctx, struct lyra_trade_error *err)
{
	char path[128], body[128];
	int64_t start = lyra_vx_ms(since_us);
	long long seen = -1;
	snprintf(path, sizeof path, "/v2/auth/r/trades%s%s/hist", m ? "/" : "",
	         m ? m->venue_symbol : "");
	for (int page = 0; page < 1000; page++) {
		json_t *j, *v;
		size_t i, n;
		snprintf(body, sizeof body, "{\"start\":%lld,\"limit\":%d,\"sort\":1}", (long long)start,
		         HIST_LIMIT);
		int rc = post(t, path, body, 1, &j, err);
		if (rc == 2)
			return 0;
		if (rc != 0)
			return rc;
		n = json_array_size(j);
		json_array_foreach(j, i, v) {
			struct lyra_venue_fill f;
			if (parse_fill(t, m, v, &f) != 0) {
				json_decref(j);
				return lyra_trade_bad_answer(t, err, 0, path);
			}
			long long tid = strtoll(f.trade_id, NULL, 10);
			if (tid <= seen || f.ts < since_us)
				continue;
			seen = tid;
			start = lyra_vx_ms(f.ts);
			if (cb(ctx, &f) != 0) {
				json_decref(j);
				return lyra_trade_stopped(t, err);
			}
		}
		json_decref(j);
		if (n < HIST_LIMIT)
			return 0;
	}
	return 0;
}

/* The exchange wallets: [TYPE, CURRENCY, BALANCE, UNSETTLED_INTEREST, AVAILABLE_BALANCE, ...]
 * (AVAILABLE_BALANCE null until computed: the balance then). */
static int f_balances(struct lyra_trade *t, lyra_trade_balance_cb cb, void *ctx,
                      struct lyra_trade_error *err)
{
	json_t *j, *v;
	size_t i;
	int rc = post(t, "/v2/auth/r/wallets", "{}", 1, &j, err);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	json_array_foreach(j, i, v) {
		struct lyra_venue_balance b;
		memset(&b, 0, sizeof b);
		const char *type = json_string_value(json_array_get(v, 0));
		const char *ccy = json_string_value(json_array_get(v, 1));
		if (!type || !ccy || num(json_array_get(v, 2), "BALANCE", &b.total) != 0 ||
		    num(json_array_get(v, 4), "AVAILABLE_BALANCE", &b.free) != 0) {
			json_decref(j);
			return lyra_trade_bad_answer(t, err, 0, "POST /v2/auth/r/wallets");
		}
		if (strcmp(type, "exchange") != 0 || lyra_dec_is_zero(b.total))
			continue;
		if (json_is_null(json_array_get(v, 4)))
			b.free = b.total;
		lyra_venue_asset(V, ccy, b.asset, sizeof b.asset);
		if (cb(ctx, &b) != 0) {
			json_decref(j);
			return lyra_trade_stopped(t, err);
		}
	}
	json_decref(j);
	return 0;
}

/* Bitfinex publishes no server clock and its nonce only has to increase: the platform status
 * ([1] operative, [0] maintenance) is read and the clock in use is reported unchanged. */
static int f_time(struct lyra_trade *t, int64_t *server_us, struct lyra_trade_error *err)
{
	json_t *j;
	struct lyra_trade_req req = {.method = "GET", .path = "/v2/platform/status", .weight = 1};
	int rc = lyra_trade_send(t, &req, &j, err);
	*server_us = lyra_trade_now(t);
	if (rc == 2)
		return 0;
	if (rc != 0)
		return rc;
	json_t *s = json_array_get(j, 0);
	int up = json_is_integer(s) && json_integer_value(s) == 1;
	int known = json_is_integer(s);
	json_decref(j);
	if (!known) {
		lyra_error(LYRA_EX_DATAERR, "not [0] or [1]");
		return lyra_trade_bad_answer(t, err, 0, "GET /v2/platform/status");
	}
	if (!up)
		return lyra_trade_fail(t, err, LYRA_TE_UNAVAILABLE, "0",
		                       "the platform is in maintenance (platform status 0)");
	*server_us = lyra_trade_now(t);
	return 0;
}

/* ---- the user stream ----
 * https://docs.bitfinex.com/docs/ws-auth, /docs/ws-general and /reference/ws-auth-orders,
 * /reference/ws-auth-trades: on wss://api.bitfinex.com/ws/2 (which first says {"event":"info",
 * ...}) send {"event":"auth","apiKey":K,"authSig":S,"authNonce":N,"authPayload":"AUTH"+N,
 * "filter":["trading"]}, S the hex HMAC-SHA384 under the secret of the payload, N an
 * increasing nonce (the REST nonce's counter, microseconds). {"event":"auth","status":"OK",
 * "chanId":0,...} opens the account channel 0; status "FAILED" with msg and code refuses.
 * Account messages are arrays [0, TYPE, DATA]: on/ou/oc carry one order in the REST order
 * array shape (oc: cancelled or executed), tu one own trade in the REST trade array shape
 * with its fee (te, the same trade before its fee is known, is not used: tu follows it), os
 * and ts snapshots (REST asks about every open order when the stream comes up), hb a
 * heartbeat. The order's CID is Bitfinex's integer client id; an order placed under a lyra id
 * that is not an integer is known by its venue order id instead. {"event":"ping"} is
 * answered {"event":"pong"}. */

static char *s_hello(struct lyra_trade *t, int step)
{
	char nonce[64], payload[80], sig[129];
	if (step != 0) {
		lyra_error(LYRA_EX_SOFTWARE, V ": no opening step %d", step);
		return NULL;
	}
	if (!t->o.key) {
		lyra_error(LYRA_EX_CONFIG, V ": no API key");
		return NULL;
	}
	lyra_sign_nonce(V, lyra_trade_now(t), nonce, sizeof nonce);
	snprintf(payload, sizeof payload, "AUTH%s", nonce);
	if (lyra_trade_hmac_hex(t->o.key, "sha384", payload, sig, sizeof sig) != 0)
		return NULL;
	json_t *req = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s]}", "event", "auth",
	                        "apiKey", t->o.key->key, "authSig", sig, "authNonce", nonce,
	                        "authPayload", payload, "filter", "trading");
	char *out = req ? json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(req);
	if (!out)
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	return out;
}

static int s_message(struct lyra_trade *t, const json_t *j, lyra_trade_order_cb on_order,
                     lyra_trade_fill_cb on_fill, void *ctx)
{
	if (json_is_object(j)) {
		const char *ev = json_string_value(json_object_get(j, "event"));
		if (!ev || strcmp(ev, "auth") != 0)
			return 0;   /* info, pong, conf */
		const char *st = json_string_value(json_object_get(j, "status"));
		if (st && !strcmp(st, "OK"))
			return 1;
		return lyra_error(LYRA_EX_NOPERM, V ": auth refused: %s (%" JSON_INTEGER_FORMAT ")",
		                  json_string_value(json_object_get(j, "msg")) ?: "no message",
		                  json_integer_value(json_object_get(j, "code")));
	}
	const json_t *ch = json_array_get(j, 0);
	const char *ty = json_string_value(json_array_get(j, 1));
	const json_t *d = json_array_get(j, 2);
	if (!json_is_integer(ch) || json_integer_value(ch) != 0 || !ty || !json_is_array(d))
		return 0;
	if (!strcmp(ty, "tu")) {
		struct lyra_venue_fill f;
		if (parse_fill(t, NULL, d, &f) != 0)
			return lyra_error(LYRA_EX_DATAERR, V ": tu: %s", lyra_error_msg());
		return on_fill(ctx, &f) != 0 ? -2 : 0;
	}
	if (!strcmp(ty, "on") || !strcmp(ty, "ou") || !strcmp(ty, "oc")) {
		struct lyra_venue_order o;
		if (parse_order(t, NULL, d, &o) != 0)
			return lyra_error(LYRA_EX_DATAERR, V ": %s: %s", ty, lyra_error_msg());
		return on_order(ctx, &o) != 0 ? -2 : 0;
	}
	return 0;   /* hb, te, os, ts, n, wallets, positions */
}

static const struct lyra_trade_stream bitfinex_stream = {
	.url = "wss://api.bitfinex.com/ws/2",
	.testnet_url = NULL,
	.hello = s_hello,
	.message = s_message,
	.keepalive_s = 30,
	.ping_text = "{\"event\":\"ping\",\"cid\":1}",
};

const struct lyra_trade_adapter lyra_trade_bitfinex = {
	.id = V,
	.rest_url = "https://api.bitfinex.com",
	.testnet_url = NULL,
	.weight_per_minute = 0,
	.place = f_place,
	.cancel = f_cancel,
	.amend = f_amend,
	.query = f_query,
	.open_orders = f_open,
	.fills = f_fills,
	.balances = f_balances,
	.server_time = f_time,
	.venue_error = bfx_venue_error,
	.parse_order = parse_order,
	.parse_fill = parse_fill,
	.stream = &bitfinex_stream,
};
