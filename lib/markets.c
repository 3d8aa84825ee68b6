/* markets.c: the markets cache (md_market, md_market_fetch) and fetching a venue's markets
 * with its adapter; see markets.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "clock.h"
#include "error.h"
#include "exitcode.h"
#include "http.h"
#include "markets.h"
#include "record.h"

int lyra_market_list_add(struct lyra_market_list *l, const struct lyra_market *m)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct lyra_market *p = realloc(l->m, cap * sizeof *p);
		if (!p)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		l->m = p;
		l->cap = cap;
	}
	l->m[l->n++] = *m;
	return 0;
}

void lyra_market_list_release(struct lyra_market_list *l)
{
	free(l->m);
	memset(l, 0, sizeof *l);
}

int64_t lyra_markets_fetched(struct lyra_store *st, const char *venue, const char *endpoint)
{
	sqlite3_stmt *s = lyra_store_cached(st,
		"SELECT fetched_us FROM md_market_fetch WHERE venue = ?1 AND endpoint = ?2");
	int64_t t = -1;
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, endpoint, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		t = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return t;
}

/* A cached market record back into a struct; 0 or -1. */
static int market_from_line(const char *line, size_t len, struct lyra_market *m)
{
	char why[128];
	json_t *r = lyra_record_parse(line, len, why, sizeof why);
	int rc = r ? lyra_market_from_record(r, m) : -1;
	json_decref(r);
	return rc;
}

int lyra_markets_load(struct lyra_store *st, const char *venue, struct lyra_market_list *l)
{
	sqlite3_stmt *s = lyra_store_cached(st, "SELECT line FROM md_market WHERE venue = ?1 ORDER BY pos");
	int rc;
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, venue, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lyra_market m;
		if (market_from_line((const char *)sqlite3_column_blob(s, 0),
		                     (size_t)sqlite3_column_bytes(s, 0), &m) != 0) {
			sqlite3_reset(s);
			return lyra_error(LYRA_EX_IOERR, "%s: a cached market record is damaged (try "
			                  "--refresh)", venue);
		}
		if (lyra_market_list_add(l, &m) != 0) {
			sqlite3_reset(s);
			return -1;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_error(LYRA_EX_IOERR, "cannot read the markets cache: %s",
		                  sqlite3_errmsg(st->db));
	return 0;
}

int lyra_markets_save(struct lyra_store *st, const char *venue, const char *endpoint,
                      const char *actor, const struct lyra_market *ms, size_t n, int64_t now_us,
                      int64_t *kept_out)
{
	int64_t pos = 0, kept = 0;
	if (lyra_store_begin(st) != 0)
		return -1;
	sqlite3_stmt *del = lyra_store_cached(st, "DELETE FROM md_market WHERE venue = ?1");
	sqlite3_stmt *ins = lyra_store_cached(st,
		"INSERT OR IGNORE INTO md_market (venue, symbol, venue_symbol, pos, line) VALUES (?1, ?2, ?3, ?4, ?5)");
	sqlite3_stmt *fet = lyra_store_cached(st,
		"INSERT OR REPLACE INTO md_market_fetch (venue, endpoint, fetched_us, markets) VALUES (?1, ?2, ?3, ?4)");
	if (!del || !ins || !fet)
		goto fail;
	sqlite3_bind_text(del, 1, venue, -1, SQLITE_STATIC);
	if (sqlite3_step(del) != SQLITE_DONE) {
		lyra_store_fail(st, "cannot clear the markets cache");
		sqlite3_reset(del);
		goto fail;
	}
	sqlite3_reset(del);
	for (size_t i = 0; i < n; i++) {
		json_t *r = lyra_market_record(&ms[i], now_us);
		char *line = lyra_record_dump(r);
		json_decref(r);
		if (!line) {
			lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			goto fail;
		}
		sqlite3_bind_text(ins, 1, venue, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, ms[i].symbol, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, ms[i].venue_symbol, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 4, pos++);
		sqlite3_bind_blob(ins, 5, line, (int)strlen(line), free);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			lyra_store_fail(st, "cannot cache a market");
			sqlite3_reset(ins);
			goto fail;
		}
		kept += sqlite3_changes(st->db);
		sqlite3_reset(ins);
	}
	sqlite3_bind_text(fet, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(fet, 2, endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_int64(fet, 3, now_us);
	sqlite3_bind_int64(fet, 4, kept);
	if (sqlite3_step(fet) != SQLITE_DONE) {
		lyra_store_fail(st, "cannot record the markets fetch");
		sqlite3_reset(fet);
		goto fail;
	}
	sqlite3_reset(fet);
	json_t *details = json_pack("{sssssI}", "venue", venue, "endpoint", endpoint, "markets",
	                            (json_int_t)kept);
	char object[64];
	snprintf(object, sizeof object, "venue:%s", venue);
	int64_t seq = lyra_audit_append(st, actor, "md.markets", object, details);
	json_decref(details);
	if (seq < 0 || lyra_store_commit(st) != 0)
		goto fail;
	if (kept_out)
		*kept_out = kept;
	return 0;
fail:
	lyra_store_rollback(st);
	return -1;
}

static int add_cb(void *ctx, const struct lyra_market *m)
{
	return lyra_market_list_add(ctx, m);
}

int lyra_markets_fetch(const struct lyra_venue *v, const char *base_url,
                       struct lyra_market_list *l)
{
	struct lyra_http *h = NULL, *alt = NULL;
	struct lyra_venue_req req;
	int rc = 0;
	size_t before = l->n;
	for (int page = 0; page < 64 && rc == 0; page++) {
		struct lyra_http_resp resp;
		memset(&req, 0, sizeof req);
		if (v->markets_req(page, &req) != 1)
			break;
		int use_alt = req.alt && v->alt_url && !base_url;
		struct lyra_http **hp = use_alt ? &alt : &h;
		if (!*hp) {
			struct lyra_http_opts o = {
				.venue = v->id,
				.base_url = use_alt ? v->alt_url : base_url ? base_url : v->rest_url,
				.weight_per_minute = use_alt ? v->alt_weight_per_minute : v->weight_per_minute,
			};
			if (!(*hp = lyra_http_new(&o))) {
				rc = -1;
				break;
			}
		}
		rc = lyra_http_get(*hp, req.path_query, req.weight > 0 ? req.weight : 1, &resp);
		if (rc == 0)
			rc = v->parse_markets(page, resp.body, resp.len, add_cb, l);
		lyra_http_resp_release(&resp);
	}
	lyra_http_free(h);
	lyra_http_free(alt);
	if (rc == 0 && l->n == before)
		rc = lyra_error(LYRA_EX_DATAERR, "%s: the venue listed no markets", v->id);
	return rc;
}

const struct lyra_market *lyra_markets_find(const struct lyra_market_list *l, const char *symbol)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->m[i].symbol, symbol) == 0)
			return &l->m[i];
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->m[i].symbol, symbol) == 0)
			return &l->m[i];
	return NULL;
}

int lyra_markets_get(struct lyra_store *st, const struct lyra_venue *v, const char *base_url,
                     const char *actor, int64_t max_age_us, const char *symbol,
                     struct lyra_market *out)
{
	struct lyra_market_list l = {0};
	const char *endpoint = base_url ? base_url : v->rest_url;
	const struct lyra_market *m;
	int64_t t = lyra_markets_fetched(st, v->id, endpoint), now = lyra_time_now_us();
	if (t >= 0 && now - t < max_age_us) {
		if (lyra_markets_load(st, v->id, &l) != 0)
			goto fail;
		if ((m = lyra_markets_find(&l, symbol))) {
			*out = *m;
			lyra_market_list_release(&l);
			return 0;
		}
		lyra_market_list_release(&l);
	}
	if (lyra_markets_fetch(v, base_url, &l) != 0 ||
	    lyra_markets_save(st, v->id, endpoint, actor, l.m, l.n, now, NULL) != 0)
		goto fail;
	if (!(m = lyra_markets_find(&l, symbol))) {
		lyra_market_list_release(&l);
		return lyra_error(LYRA_EX_DATAERR, "unknown symbol '%s' on %s", symbol, v->id);
	}
	*out = *m;
	lyra_market_list_release(&l);
	return 0;
fail:
	lyra_market_list_release(&l);
	return -1;
}
