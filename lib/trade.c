/* trade.c: the trading handle and what every venue's adapter shares: the adapter registry,
 * signing and sending a request (http.h, one client and budget per handle), mapping transport
 * failures to lyra's outcomes (a placement whose answer was lost is UNCERTAIN, never retried),
 * the venue's clock offset, and the checks made before an order leaves: the client order id's
 * form for the venue, side/kind/tif, price and quantity on the market's tick and lot. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "error.h"
#include "exitcode.h"
#include "http.h"
#include "record.h"
#include "trade.h"
#include "trade_impl.h"
#include "venue_impl.h"

/* The registry: one line per venue with a trading adapter. */
static const struct lyra_trade_adapter *const adapters[] = {
	&lyra_trade_binance,
	&lyra_trade_okx,
	&lyra_trade_bitstamp,
	&lyra_trade_kraken,
	&lyra_trade_bitfinex,
	&lyra_trade_gateio,
	&lyra_trade_gemini,
	&lyra_trade_coinbase,
	NULL,
};

#define NADAPTERS (sizeof adapters / sizeof adapters[0])

const char *const *lyra_trade_venues(void)
{
	static const char *ids[NADAPTERS];
	for (size_t i = 0; adapters[i]; i++)
		ids[i] = adapters[i]->id;
	return ids;
}

const char *lyra_trade_err_name(enum lyra_trade_err e)
{
	switch (e) {
	case LYRA_TE_NONE: return "none";
	case LYRA_TE_INSUFFICIENT: return "insufficient_balance";
	case LYRA_TE_MIN_SIZE: return "min_size";
	case LYRA_TE_PRECISION: return "precision";
	case LYRA_TE_RATE_LIMIT: return "rate_limit";
	case LYRA_TE_UNKNOWN_ORDER: return "unknown_order";
	case LYRA_TE_DUPLICATE: return "duplicate";
	case LYRA_TE_AUTH: return "auth";
	case LYRA_TE_CLOCK: return "clock";
	case LYRA_TE_REJECTED: return "rejected";
	case LYRA_TE_UNCERTAIN: return "uncertain";
	case LYRA_TE_UNAVAILABLE: return "unavailable";
	case LYRA_TE_UNSUPPORTED: return "unsupported";
	}
	return "unknown";
}

static int exit_code_for(enum lyra_trade_err k)
{
	switch (k) {
	case LYRA_TE_UNCERTAIN:
	case LYRA_TE_RATE_LIMIT:
	case LYRA_TE_CLOCK: return LYRA_EX_TEMPFAIL;
	case LYRA_TE_UNAVAILABLE:
	case LYRA_TE_UNSUPPORTED: return LYRA_EX_UNAVAILABLE;
	case LYRA_TE_AUTH: return LYRA_EX_NOPERM;
	default: return LYRA_EX_DATAERR;
	}
}

static int returns_minus_one(enum lyra_trade_err k)
{
	return k == LYRA_TE_UNCERTAIN || k == LYRA_TE_UNAVAILABLE || k == LYRA_TE_RATE_LIMIT ||
	       k == LYRA_TE_AUTH || k == LYRA_TE_CLOCK;
}

int lyra_trade_fail(struct lyra_trade *t, struct lyra_trade_error *err, enum lyra_trade_err kind,
                    const char *code, const char *fmt, ...)
{
	va_list ap;
	err->kind = kind;
	snprintf(err->code, sizeof err->code, "%s", code ? code : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	lyra_error(exit_code_for(kind), "%s: %s%s%s%s", t->a->id, err->message, *err->code ? " (" : "",
	           err->code, *err->code ? ")" : "");
	return returns_minus_one(kind) ? -1 : 1;
}

int lyra_trade_bad_answer(struct lyra_trade *t, struct lyra_trade_error *err, int placing,
                          const char *what)
{
	char msg[200];
	snprintf(msg, sizeof msg, "%s", lyra_error_msg());
	lyra_trade_fail(t, err, placing ? LYRA_TE_UNCERTAIN : LYRA_TE_UNAVAILABLE, NULL,
	                "%s: an answer lyra cannot read%s: %s", what,
	                placing ? " (the order may have been accepted: ask by client order id)" : "",
	                msg);
	return -1;
}

struct lyra_trade *lyra_trade_new(const struct lyra_trade_opts *opts)
{
	const struct lyra_trade_adapter *a = NULL;
	for (int i = 0; adapters[i]; i++)
		if (opts->venue && strcmp(adapters[i]->id, opts->venue) == 0)
			a = adapters[i];
	if (!a) {
		if (!lyra_venue_find(opts->venue))
			return NULL;
		char list[128] = "";
		for (size_t i = 0; adapters[i]; i++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? " " : "",
			         adapters[i]->id);
		lyra_error(LYRA_EX_UNAVAILABLE, "%s: no trading adapter in this build (trading venues: "
		           "%s)", opts->venue, list);
		return NULL;
	}
	if (!opts->key && !opts->dry_run) {
		lyra_error(LYRA_EX_CONFIG, "%s: no API key", a->id);
		return NULL;
	}
	struct lyra_trade *t = calloc(1, sizeof *t);
	if (!t) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	t->a = a;
	t->o = *opts;
	const char *base = opts->base_url && *opts->base_url ? opts->base_url
	                   : opts->testnet && a->testnet_url ? a->testnet_url : a->rest_url;
	snprintf(t->base, sizeof t->base, "%s", base);
	size_t bl = strlen(t->base);
	while (bl > 0 && t->base[bl - 1] == '/')
		t->base[--bl] = '\0';
	struct lyra_http_opts ho = {
		.venue = a->id, .base_url = t->base, .weight_per_minute = a->weight_per_minute,
		.timeout_ms = opts->timeout_ms,
	};
	t->http = lyra_http_new(&ho);
	if (!t->http) {
		free(t);
		return NULL;
	}
	if (opts->log)
		lyra_http_set_log(t->http, opts->log, opts->log_ctx);
	return t;
}

void lyra_trade_free(struct lyra_trade *t)
{
	if (!t)
		return;
	lyra_http_free(t->http);
	free(t);
}

void lyra_trade_set_markets(struct lyra_trade *t, const struct lyra_market *markets, size_t n)
{
	t->markets = markets;
	t->nmarkets = n;
}

int lyra_trade_market_known(const struct lyra_trade *t, const char *venue_symbol)
{
	return lyra_trade_market_by_venue_symbol(t, venue_symbol) != NULL;
}

int64_t lyra_trade_clock_offset(const struct lyra_trade *t)
{
	return t->offset_us;
}

void lyra_trade_set_clock_offset(struct lyra_trade *t, int64_t offset_us)
{
	t->offset_us = offset_us;
}

const struct lyra_market *lyra_trade_market_by_venue_symbol(const struct lyra_trade *t,
                                                            const char *venue_symbol)
{
	for (size_t i = 0; i < t->nmarkets; i++)
		if (strcmp(t->markets[i].venue_symbol, venue_symbol) == 0)
			return &t->markets[i];
	return NULL;
}

int64_t lyra_trade_now(const struct lyra_trade *t)
{
	return lyra_time_now_us() + t->offset_us;
}

/* A transport failure that happened before anything was sent (connect or name lookup). */
static int not_sent(const char *msg)
{
	return strstr(msg, "Failed to connect") || strstr(msg, "Couldn't connect") ||
	       strstr(msg, "Could not connect") || strstr(msg, "Could not resolve") ||
	       strstr(msg, "Couldn't resolve") || strstr(msg, "URL using bad") ||
	       strstr(msg, "malformed");
}

static int has_header(char *const *h, const char *name)
{
	size_t n = strlen(name);
	for (; *h; h++)
		if (strncasecmp(*h, name, n) == 0 && (*h)[n] == ':')
			return 1;
	return 0;
}

static int send_req(struct lyra_trade *t, const struct lyra_trade_req *req, int reading,
                    json_t **out, struct lyra_trade_error *err)
{
	const struct lyra_trade_adapter *a = t->a;
	struct lyra_signed s = {0};
	struct lyra_http_resp resp = {0};
	const char *hdrs[24];
	char ts[64] = "", *query = NULL, *pq = NULL, *kbody = NULL;
	int nh = 0, rc = -1;
	int placing = !reading && strcmp(req->method, "GET") != 0 &&
	              strcmp(req->method, "DELETE") != 0;
	const char *body = req->body ? req->body : "";

	*out = NULL;
	memset(err, 0, sizeof *err);
	if (req->sign) {
		lyra_sign_timestamp(a->id, lyra_trade_now(t), ts, sizeof ts);
		/* Binance carries its timestamp as a signed query parameter. */
		if (strcmp(a->id, "binance") == 0) {
			if (asprintf(&query, "%s%stimestamp=%s", req->query ? req->query : "",
			             req->query && *req->query ? "&" : "", ts) < 0)
				query = NULL;
		} else {
			query = strdup(req->query ? req->query : "");
		}
		/* Kraken carries its nonce as the first field of the signed form body. */
		if (query && strcmp(a->id, "kraken") == 0) {
			char nonce[32];
			lyra_sign_nonce(a->id, lyra_time_now_us(), nonce, sizeof nonce);
			if (asprintf(&kbody, "nonce=%s%s%s", nonce, *body ? "&" : "", body) < 0) {
				kbody = NULL;
				free(query);
				query = NULL;
			}
			body = kbody;
		}
		if (!query)
			return lyra_trade_fail(t, err, LYRA_TE_UNAVAILABLE, NULL, "out of memory");
		struct lyra_sign_in in = {
			.venue = a->id, .method = req->method, .base_url = t->base, .path = req->path,
			.query = query, .body = body, .timestamp = ts,
		};
		if (!t->o.key) {
			free(query);
			free(kbody);
			return lyra_trade_fail(t, err, LYRA_TE_AUTH, NULL, "no API key");
		}
		if (lyra_sign(t->o.key, &in, &s) != 0) {
			char msg[200];
			snprintf(msg, sizeof msg, "%s", lyra_error_msg());
			free(query);
			free(kbody);
			lyra_signed_release(&s);
			return lyra_trade_fail(t, err, LYRA_TE_AUTH, NULL, "cannot sign: %s", msg);
		}
		free(query);
		for (int i = 0; i < 16 && s.headers[i] && nh < 20; i++)
			hdrs[nh++] = s.headers[i];
		if (*s.body && !has_header(s.headers, "Content-Type"))
			hdrs[nh++] = "Content-Type: application/json";
		/* Bitstamp: an empty body goes without Content-Type (curl would add its own). */
		if (!*s.body && strcmp(a->id, "bitstamp") == 0)
			hdrs[nh++] = "Content-Type:";
		body = s.body;
	} else {
		if (asprintf(&pq, "%s%s%s", req->path, req->query && *req->query ? "?" : "",
		             req->query && *req->query ? req->query : "") < 0)
			return lyra_trade_fail(t, err, LYRA_TE_UNAVAILABLE, NULL, "out of memory");
	}
	if (t->o.testnet && strcmp(a->id, "okx") == 0)
		hdrs[nh++] = "x-simulated-trading: 1";
	hdrs[nh] = NULL;

	if (t->o.dry_run) {
		if (req->sign && t->o.dry_run_cb) {
			json_t *rec = lyra_signed_record(a->id, &s, lyra_time_now_us());
			if (!rec || t->o.dry_run_cb(t->o.dry_run_ctx, rec) != 0)
				rc = lyra_trade_fail(t, err, LYRA_TE_UNAVAILABLE, NULL, "dry run: %s",
				                     lyra_error_msg());
			else
				rc = 2;
		} else {
			rc = 2;
		}
		goto done;
	}

	int hr = lyra_http_request(t->http, req->method, req->sign ? s.path_query : pq, hdrs, body,
	                           strlen(body), req->weight, &resp);
	if (hr == 0) {
		char why[160];
		json_t *j = lyra_json_loads_exact(resp.body, resp.len, why, sizeof why);
		if (!j && resp.len > 0 && resp.body[0] == '"') {
			/* a bare JSON string (Coinbase answers a cancel with the id it cancelled) */
			j = json_loadb(resp.body, resp.len, JSON_DECODE_ANY, NULL);
			if (!json_is_string(j)) {
				json_decref(j);
				j = NULL;
			}
		}
		if (!j) {
			lyra_error(LYRA_EX_DATAERR, "%s %s: malformed JSON: %s", req->method, req->path, why);
			rc = lyra_trade_bad_answer(t, err, placing, req->path);
			goto done;
		}
		struct lyra_trade_error ve = {0};
		if (a->venue_error(resp.body, resp.len, resp.status, &ve)) {
			json_decref(j);
			if (ve.kind == LYRA_TE_UNCERTAIN && !placing)
				ve.kind = LYRA_TE_UNAVAILABLE;
			rc = lyra_trade_fail(t, err, ve.kind, ve.code, "%s", ve.message);
			goto done;
		}
		*out = j;
		rc = 0;
		goto done;
	}
	/* No 2xx: say what the venue said, or what the transport did. */
	char msg[256];
	snprintf(msg, sizeof msg, "%s", lyra_error_msg());
	err->http_status = resp.status;
	if (resp.status == 0 || (resp.status >= 200 && resp.status < 300)) {
		if (placing && !not_sent(msg))
			rc = lyra_trade_fail(t, err, LYRA_TE_UNCERTAIN, NULL,
			                     "%s (the request was sent; its outcome is unknown: ask by "
			                     "client order id)", msg);
		else
			rc = lyra_trade_fail(t, err, LYRA_TE_UNAVAILABLE, NULL, "%s", msg);
		goto done;
	}
	long status = resp.status;
	struct lyra_trade_error ve = {0};
	int have = resp.body && a->venue_error(resp.body, resp.len, status, &ve);
	if (have && ve.kind == LYRA_TE_UNCERTAIN && !placing)
		ve.kind = LYRA_TE_UNAVAILABLE;
	if (status == 429 || status == 418) {
		rc = lyra_trade_fail(t, err, LYRA_TE_RATE_LIMIT, have ? ve.code : NULL, "%s%s%s", msg,
		                     have ? ": " : "", have ? ve.message : "");
	} else if (status >= 500 && !(have && ve.kind != LYRA_TE_UNCERTAIN &&
	                              strcmp(a->id, "bitfinex") == 0)) {
		/* (Bitfinex answers its refusals, ["error",10001,"..."], with HTTP 500: an answer) */
		if (placing)
			rc = lyra_trade_fail(t, err, LYRA_TE_UNCERTAIN, have ? ve.code : NULL,
			                     "%s (the venue may have accepted it: ask by client order id)",
			                     msg);
		else
			rc = lyra_trade_fail(t, err, LYRA_TE_UNAVAILABLE, have ? ve.code : NULL, "%s", msg);
	} else if (have) {
		rc = lyra_trade_fail(t, err, ve.kind, ve.code, "%s", ve.message);
	} else if (status == 401 || status == 403) {
		rc = lyra_trade_fail(t, err, LYRA_TE_AUTH, NULL, "%s", msg);
	} else {
		rc = lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "%s", msg);
	}
	err->http_status = status;
done:
	if (err->http_status == 0)
		err->http_status = resp.status;
	lyra_http_resp_release(&resp);
	lyra_signed_release(&s);
	free(pq);
	free(kbody);
	return rc;
}

int lyra_trade_send(struct lyra_trade *t, const struct lyra_trade_req *req, json_t **out,
                    struct lyra_trade_error *err)
{
	return send_req(t, req, 0, out, err);
}

int lyra_trade_send_read(struct lyra_trade *t, const struct lyra_trade_req *req, json_t **out,
                         struct lyra_trade_error *err)
{
	return send_req(t, req, 1, out, err);
}

/* ---- the order, checked before anything is sent ---- */

static int dec_field(const json_t *order, const char *key, struct lyra_dec *d, char *s, int *has)
{
	*has = 0;
	if (!json_object_get(order, key) || json_is_null(json_object_get(order, key)))
		return 0;
	if (lyra_json_get_dec(order, key, d) != 0)
		return -1;
	lyra_dec_format(*d, s);
	*has = 1;
	return 0;
}

int lyra_trade_order_read(struct lyra_trade *t, const struct lyra_market *m, const json_t *order,
                          struct lyra_trade_order *o, struct lyra_trade_error *err)
{
	int hq;
	memset(o, 0, sizeof *o);
	memset(err, 0, sizeof *err);
	o->id = lyra_json_get_str(order, "id");
	o->side = lyra_json_get_str(order, "side");
	o->kind = lyra_json_get_str(order, "kind");
	o->tif = lyra_json_get_str(order, "tif");
	if (!o->id || !*o->id)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "order without an 'id'");
	if (!o->side || (strcmp(o->side, "buy") != 0 && strcmp(o->side, "sell") != 0))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "order '%s': side must be 'buy' or 'sell'", o->id);
	if (!o->kind || (strcmp(o->kind, "limit") && strcmp(o->kind, "market") &&
	                 strcmp(o->kind, "stop") && strcmp(o->kind, "stop_limit") &&
	                 strcmp(o->kind, "post_only")))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "order '%s': kind must be limit, market, stop, stop_limit or "
		                       "post_only", o->id);
	if (!o->tif)
		o->tif = strcmp(o->kind, "market") == 0 || strcmp(o->kind, "stop") == 0 ? "IOC" : "GTC";
	if (strcmp(o->tif, "GTC") && strcmp(o->tif, "IOC") && strcmp(o->tif, "FOK") &&
	    strcmp(o->tif, "GTD"))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "order '%s': tif must be GTC, IOC, FOK or GTD", o->id);
	if (dec_field(order, "qty", &o->qty, o->qtys, &hq) != 0 ||
	    dec_field(order, "px", &o->px, o->pxs, &o->has_px) != 0 ||
	    dec_field(order, "stop_px", &o->stop_px, o->stops, &o->has_stop) != 0)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL, "order '%s': %s", o->id,
		                       lyra_error_msg());
	if (!hq || lyra_dec_sign(o->qty) <= 0)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "order '%s': qty must be above zero", o->id);
	int need_px = strcmp(o->kind, "limit") == 0 || strcmp(o->kind, "stop_limit") == 0 ||
	              strcmp(o->kind, "post_only") == 0;
	int need_stop = strcmp(o->kind, "stop") == 0 || strcmp(o->kind, "stop_limit") == 0;
	if (!need_px)
		o->has_px = 0;
	if (!need_stop)
		o->has_stop = 0;
	if (need_px && (!o->has_px || lyra_dec_sign(o->px) <= 0))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "order '%s': a %s order needs a px above zero", o->id, o->kind);
	if (need_stop && (!o->has_stop || lyra_dec_sign(o->stop_px) <= 0))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "order '%s': a %s order needs a stop_px above zero", o->id, o->kind);
	char step[LYRA_DEC_STRLEN];
	if (lyra_dec_sign(m->tick) > 0) {
		lyra_dec_format_trim(m->tick, step);
		if (o->has_px && !lyra_dec_is_multiple(o->px, m->tick))
			return lyra_trade_fail(t, err, LYRA_TE_PRECISION, NULL,
			                       "order '%s': px %s is not a multiple of %s's tick %s", o->id,
			                       o->pxs, m->symbol, step);
		if (o->has_stop && !lyra_dec_is_multiple(o->stop_px, m->tick))
			return lyra_trade_fail(t, err, LYRA_TE_PRECISION, NULL,
			                       "order '%s': stop_px %s is not a multiple of %s's tick %s",
			                       o->id, o->stops, m->symbol, step);
	}
	if (lyra_dec_sign(m->lot) > 0 && !lyra_dec_is_multiple(o->qty, m->lot)) {
		lyra_dec_format_trim(m->lot, step);
		return lyra_trade_fail(t, err, LYRA_TE_PRECISION, NULL,
		                       "order '%s': qty %s is not a multiple of %s's lot %s", o->id,
		                       o->qtys, m->symbol, step);
	}
	return 0;
}

/* ---- the calls: argument checks, then the adapter ---- */

static int need_market(struct lyra_trade *t, const struct lyra_market *m,
                       struct lyra_trade_error *err, const char *what)
{
	memset(err, 0, sizeof *err);
	if (!m)
		return lyra_trade_fail(t, err, LYRA_TE_UNSUPPORTED, NULL, "%s needs the order's market",
		                       what);
	return 0;
}

static void order_clear(struct lyra_venue_order *out)
{
	if (out)
		memset(out, 0, sizeof *out);
}

/* An answer about one order is reported under lyra's client order id, whatever form the venue
 * needed it in (Coinbase's UUID, Bitfinex's integer cid). */
static int own_id(int rc, struct lyra_venue_order *out, const char *id)
{
	if (rc == 0 && out && id)
		snprintf(out->id, sizeof out->id, "%s", id);
	return rc;
}

int lyra_trade_place(struct lyra_trade *t, const struct lyra_market *m, const json_t *order,
                     struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	order_clear(out);
	if (need_market(t, m, err, "place"))
		return 1;
	return own_id(t->a->place(t, m, order, out, err), out, json_string_value(json_object_get(order, "id")));
}

int lyra_trade_cancel(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                      struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	order_clear(out);
	if (need_market(t, m, err, "cancel"))
		return 1;
	return own_id(t->a->cancel(t, m, id, out, err), out, id);
}

int lyra_trade_amend(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                     const struct lyra_dec *px, const struct lyra_dec *qty,
                     struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	order_clear(out);
	if (need_market(t, m, err, "amend"))
		return 1;
	if (!px && !qty)
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "amend '%s': give a new px or qty", id);
	if ((px && lyra_dec_sign(*px) <= 0) || (qty && lyra_dec_sign(*qty) <= 0))
		return lyra_trade_fail(t, err, LYRA_TE_REJECTED, NULL,
		                       "amend '%s': px and qty must be above zero", id);
	if (px && lyra_dec_sign(m->tick) > 0 && !lyra_dec_is_multiple(*px, m->tick))
		return lyra_trade_fail(t, err, LYRA_TE_PRECISION, NULL,
		                       "amend '%s': px is not a multiple of %s's tick", id, m->symbol);
	if (qty && lyra_dec_sign(m->lot) > 0 && !lyra_dec_is_multiple(*qty, m->lot))
		return lyra_trade_fail(t, err, LYRA_TE_PRECISION, NULL,
		                       "amend '%s': qty is not a multiple of %s's lot", id, m->symbol);
	return own_id(t->a->amend(t, m, id, px, qty, out, err), out, id);
}

int lyra_trade_query(struct lyra_trade *t, const struct lyra_market *m, const char *id,
                     struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	order_clear(out);
	if (need_market(t, m, err, "query"))
		return 1;
	return own_id(t->a->query(t, m, id, out, err), out, id);
}

int lyra_trade_open_orders(struct lyra_trade *t, const struct lyra_market *m,
                           lyra_trade_order_cb cb, void *ctx, struct lyra_trade_error *err)
{
	memset(err, 0, sizeof *err);
	return t->a->open_orders(t, m, cb, ctx, err);
}

int lyra_trade_fills(struct lyra_trade *t, const struct lyra_market *m, int64_t since_us,
                     lyra_trade_fill_cb cb, void *ctx, struct lyra_trade_error *err)
{
	memset(err, 0, sizeof *err);
	return t->a->fills(t, m, since_us, cb, ctx, err);
}

int lyra_trade_balances(struct lyra_trade *t, lyra_trade_balance_cb cb, void *ctx,
                        struct lyra_trade_error *err)
{
	memset(err, 0, sizeof *err);
	return t->a->balances(t, cb, ctx, err);
}

int lyra_trade_sync_clock(struct lyra_trade *t, int64_t *offset_us, struct lyra_trade_error *err)
{
	int64_t before, after, server;
	memset(err, 0, sizeof *err);
	before = lyra_time_now_us();
	int rc = t->a->server_time(t, &server, err);
	if (rc != 0)
		return rc;
	after = lyra_time_now_us();
	/* the server read its clock about half way through the round trip */
	t->offset_us = server - (before + (after - before) / 2);
	if (offset_us)
		*offset_us = t->offset_us;
	if (t->o.log) {
		char note[160];
		snprintf(note, sizeof note, "%s: clock offset %+lld ms (venue - local, round trip %lld ms)",
		         t->a->id, (long long)(t->offset_us / 1000), (long long)((after - before) / 1000));
		t->o.log(t->o.log_ctx, note);
	}
	return 0;
}

/* ---- small pieces the adapters share ---- */

int lyra_trade_stopped(struct lyra_trade *t, struct lyra_trade_error *err)
{
	return lyra_trade_fail(t, err, LYRA_TE_UNAVAILABLE, NULL, "stopped: %s", lyra_error_msg());
}

int lyra_trade_answer(struct lyra_trade *t, const struct lyra_market *m, json_t *j, int placing,
                      const char *what, struct lyra_venue_order *out, struct lyra_trade_error *err)
{
	struct lyra_venue_order tmp;
	int rc = t->a->parse_order(t, m, j, out ? out : &tmp);
	json_decref(j);
	return rc == 0 ? 0 : lyra_trade_bad_answer(t, err, placing, what);
}

int lyra_trade_clock_get(struct lyra_trade *t, const char *path, const char *at, int64_t unit_us,
                         int64_t *server_us, struct lyra_trade_error *err)
{
	json_t *j;
	struct lyra_trade_req req = {"GET", path, NULL, NULL, 1, 0};
	int rc = lyra_trade_send(t, &req, &j, err);
	if (rc == 2) {
		*server_us = lyra_trade_now(t);
		return 0;
	}
	if (rc != 0)
		return rc;
	const json_t *v = j;
	char key[64];
	for (const char *p = at; v;) {
		size_t n = strcspn(p, "/");
		snprintf(key, sizeof key, "%.*s", (int)n, p);
		v = *key >= '0' && *key <= '9' ? json_array_get(v, (size_t)atoi(key))
		                               : json_object_get(v, key);
		if (!p[n])
			break;
		p += n + 1;
	}
	rc = unit_us ? lyra_vx_time(v, key, unit_us, server_us) : lyra_vx_iso(v, key, server_us);
	json_decref(j);
	char what[160];
	snprintf(what, sizeof what, "GET %s", path);
	return rc == 0 ? 0 : lyra_trade_bad_answer(t, err, 0, what);
}

char *lyra_trade_dump(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	return s;
}

int lyra_trade_opt_dec(const json_t *v, const char *key, struct lyra_dec *out)
{
	*out = lyra_dec_zero();
	if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
		return 0;
	return lyra_vx_dec(v, key, out);
}

int lyra_trade_dec_or_zero(const json_t *v, const char *key, struct lyra_dec *out)
{
	*out = lyra_dec_zero();
	return v && !json_is_null(v) ? lyra_vx_dec(v, key, out) : 0;
}

void lyra_trade_copy_id(const json_t *v, char *buf, size_t n)
{
	if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int lyra_trade_id_charset(const char *id, size_t max, const char *extra, const char *venue,
                          const char *len_note, char *why, size_t n)
{
	size_t len = strlen(id);
	if (len < 1 || len > max) {
		snprintf(why, n, "is %zu characters; %s allows 1 to %zu%s", len, venue, max, len_note);
		return 0;
	}
	for (const char *p = id; *p; p++) {
		char c = *p;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c && strchr(extra, c)))) {
			char list[32] = "";
			for (size_t i = 0; extra[i] && 2 * i + 2 < sizeof list; i++) {
				list[2 * i] = extra[i];
				list[2 * i + 1] = extra[i + 1] ? ' ' : '\0';
			}
			snprintf(why, n, "has '%c'; %s allows only letters, digits and %s", c, venue, list);
			return 0;
		}
	}
	return 1;
}

void lyra_trade_form_add(struct lyra_trade_form *f, const char *k, const char *v)
{
	char e[512];
	int w;
	if (f->bad || lyra_http_escape(v, e, sizeof e) < 0 ||
	    (w = snprintf(f->s + f->n, sizeof f->s - f->n, "%s%s=%s", f->n ? "&" : "", k, e)) < 0 ||
	    (size_t)w >= sizeof f->s - f->n) {
		f->bad = 1;
		return;
	}
	f->n += (size_t)w;
}

int lyra_trade_balance_list(struct lyra_trade *t, json_t *j, const json_t *list,
                            const struct lyra_trade_balance_keys *k, const char *what,
                            lyra_trade_balance_cb cb, void *ctx, struct lyra_trade_error *err)
{
	size_t i;
	const json_t *v;
	json_array_foreach(list, i, v) {
		struct lyra_venue_balance b;
		struct lyra_dec locked;
		memset(&b, 0, sizeof b);
		const char *asset = lyra_vx_str(json_object_get(v, k->asset), k->asset);
		const json_t *lv = k->total ? NULL : json_object_get(v, k->locked);
		if (!asset || lyra_vx_dec(json_object_get(v, k->free), k->free, &b.free) != 0 ||
		    (k->total ? lyra_vx_dec(json_object_get(v, k->total), k->total, &b.total) != 0
		     : (k->locked_opt ? lyra_trade_opt_dec(lv, k->locked, &locked)
		                      : lyra_vx_dec(lv, k->locked, &locked)) != 0 ||
		       lyra_dec_add(b.free, locked, &b.total) != 0)) {
			json_decref(j);
			return lyra_trade_bad_answer(t, err, 0, what);
		}
		if (!k->keep_zero && lyra_dec_is_zero(b.total))
			continue;
		lyra_venue_asset(t->a->id, asset, b.asset, sizeof b.asset);
		if (cb(ctx, &b) != 0) {
			json_decref(j);
			return lyra_trade_stopped(t, err);
		}
	}
	json_decref(j);
	return 0;
}

int lyra_trade_order_list(struct lyra_trade *t, const struct lyra_market *m, json_t *j,
                          const json_t *list, const char *what, lyra_trade_order_cb cb, void *ctx,
                          struct lyra_trade_error *err)
{
	size_t i;
	const json_t *v;
	json_array_foreach(list, i, v) {
		struct lyra_venue_order o;
		if (t->a->parse_order(t, m, v, &o) != 0) {
			json_decref(j);
			return lyra_trade_bad_answer(t, err, 0, what);
		}
		if (cb(ctx, &o) != 0) {
			json_decref(j);
			return lyra_trade_stopped(t, err);
		}
	}
	json_decref(j);
	return 0;
}
