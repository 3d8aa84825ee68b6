/* audit.c: the append side of the audit chain (audit.h): canonical details, the SHA-256 entry
 * hash over the "lyra-audit-v1" netstring encoding, the chain head, and appending inside the
 * caller's transaction. Verification belongs to the audit program. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "audit.h"
#include "codec.h"
#include "clock.h"
#include "error.h"

#define DETAILS_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)
#define DOMAIN_TAG "lyra-audit-v1"

static const char zero_hash[LYRA_AUDIT_HASH_HEX] =
	"0000000000000000000000000000000000000000000000000000000000000000";

char *lyra_audit_canonical_details(const json_t *details)
{
	char *s;

	if (!details) {
		if (!(s = strdup("{}")))
			lyra_error(LYRA_EX_SOFTWARE, "cannot encode audit details: out of memory");
		return s;
	}
	if (!json_is_object(details)) {
		lyra_error(LYRA_EX_SOFTWARE, "cannot encode audit details: not a json object");
		return NULL;
	}
	if (!(s = json_dumps(details, DETAILS_FLAGS)))
		lyra_error(LYRA_EX_SOFTWARE, "cannot encode audit details");
	return s;
}

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;   /* fetched once: an implicit fetch per hash costs more than the hash */

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* Append "<len>:<bytes>," at p; returns the end. */
static char *put_netstring(char *p, const char *s, size_t n)
{
	char digits[24];
	size_t len = n;
	int nd = 0;
	do {
		digits[nd++] = (char)('0' + len % 10);
		len /= 10;
	} while (len);
	while (nd)
		*p++ = digits[--nd];
	*p++ = ':';
	memcpy(p, s, n);
	p += n;
	*p++ = ',';
	return p;
}

static size_t int_text(int64_t v, char out[24])
{
	char digits[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t nd = 0, n = 0;
	do {
		digits[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[n++] = '-';
	while (nd)
		out[n++] = digits[--nd];
	return n;
}

void lyra_audit_hash(struct lyra_audit_entry *e)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char seq[24], ts[24], stackbuf[2048], *buf = stackbuf, *p;
	const char *fields[5] = {
		e->actor ? e->actor : "", e->action ? e->action : "", e->object ? e->object : "",
		e->details ? e->details : "{}", e->prev_hash,
	};
	size_t lens[5], sl = int_text(e->seq, seq), tl = int_text(e->ts, ts);
	size_t total = sizeof DOMAIN_TAG - 1 + (sl + 22) + (tl + 22);
	int ok;

	for (int i = 0; i < 5; i++) {
		lens[i] = strlen(fields[i]);
		total += lens[i] + 22;
	}
	if (total > sizeof stackbuf && !(buf = malloc(total))) {
		e->hash[0] = '\0';
		return;
	}
	pthread_once(&sha256_once, sha256_fetch);
	p = memcpy(buf, DOMAIN_TAG, sizeof DOMAIN_TAG - 1);
	p += sizeof DOMAIN_TAG - 1;
	p = put_netstring(p, seq, sl);
	p = put_netstring(p, ts, tl);
	for (int i = 0; i < 5; i++)
		p = put_netstring(p, fields[i], lens[i]);
	ok = sha256_md && EVP_Digest(buf, (size_t)(p - buf), md, &mdlen, sha256_md, NULL) &&
	     mdlen == 32;
	if (buf != stackbuf)
		free(buf);
	if (!ok) {
		e->hash[0] = '\0';
		return;
	}
	lyra_hex_encode(md, 32, e->hash);
}

int lyra_audit_head(struct lyra_store *st, int64_t *seq, char hash[LYRA_AUDIT_HASH_HEX])
{
	sqlite3_stmt *stmt = lyra_store_cached(st, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
	int rc;

	if (!stmt)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(stmt, 1);
		*seq = sqlite3_column_int64(stmt, 0);
		snprintf(hash, LYRA_AUDIT_HASH_HEX, "%s", h ? (const char *)h : "");
	} else if (rc == SQLITE_DONE) {
		*seq = 0;
		memcpy(hash, zero_hash, LYRA_AUDIT_HASH_HEX);
	} else {
		lyra_store_fail(st, "cannot read the audit chain head");
		sqlite3_reset(stmt);
		return -1;
	}
	sqlite3_reset(stmt);
	return 0;
}

int64_t lyra_audit_append(struct lyra_store *st, const char *actor, const char *action,
                          const char *object, const json_t *details)
{
	struct lyra_audit_entry e = { 0 };
	char dbuf[1024], *dheap = NULL;
	sqlite3_stmt *stmt;
	int rc;

	if (!st || st->in_tx <= 0 || sqlite3_get_autocommit(st->db))
		return lyra_error(LYRA_EX_SOFTWARE, "cannot append to the audit chain outside a transaction");
	if (!actor || !action || !*action)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot append to the audit chain: no actor or action");
	e.actor = actor;
	e.action = action;
	e.object = object ? object : "";
	e.details = "{}";
	if (details) {
		size_t need;
		if (!json_is_object(details))
			return lyra_error(LYRA_EX_SOFTWARE,
			                  "cannot append '%s' to the audit chain: details are not a json object",
			                  action);
		need = json_dumpb(details, dbuf, sizeof dbuf - 1, DETAILS_FLAGS);
		if (need == 0)
			return lyra_error(LYRA_EX_SOFTWARE, "cannot append '%s' to the audit chain: cannot encode details",
			                  action);
		if (need < sizeof dbuf) {
			dbuf[need] = '\0';
			e.details = dbuf;
		} else {
			if (!(dheap = json_dumps(details, DETAILS_FLAGS)))
				return lyra_error(LYRA_EX_SOFTWARE,
				                  "cannot append '%s' to the audit chain: cannot encode details", action);
			e.details = dheap;
		}
	}
	if (lyra_audit_head(st, &e.seq, e.prev_hash) < 0)
		goto fail;
	e.seq++;
	e.ts = lyra_time_now_us();
	lyra_audit_hash(&e);
	if (!e.hash[0]) {
		lyra_error(LYRA_EX_SOFTWARE, "cannot append '%s' to the audit chain: sha-256 failed", action);
		goto fail;
	}
	stmt = lyra_store_cached(st, "INSERT INTO audit (seq, ts, actor, action, object, details, prev_hash, hash) "
	                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
	if (!stmt)
		goto fail;
	sqlite3_bind_int64(stmt, 1, e.seq);
	sqlite3_bind_int64(stmt, 2, e.ts);
	sqlite3_bind_text(stmt, 3, e.actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, e.action, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, e.object, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, e.details, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 7, e.prev_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 8, e.hash, 64, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		char ctx[128];
		snprintf(ctx, sizeof ctx, "cannot append '%.64s' to the audit chain", action);
		lyra_store_fail(st, ctx);
		sqlite3_reset(stmt);
		goto fail;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	free(dheap);
	return e.seq;
fail:
	free(dheap);
	return -1;
}
