/* apikey.c: exchange API credentials sealed in the vault, with rotation dates (apikey.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "apikey.h"
#include "audit.h"
#include "clock.h"
#include "error.h"
#include "secret.h"

static const char *const venues[] = {
	"binance", "okx", "coinbase", "kraken", "gateio", "bitfinex", "bitstamp", "gemini",
};

int lyra_apikey_venue_known(const char *venue)
{
	for (size_t i = 0; i < sizeof venues / sizeof venues[0]; i++)
		if (strcmp(venue, venues[i]) == 0)
			return 1;
	return 0;
}

void lyra_apikey_secret_wipe(struct lyra_apikey_secret *s)
{
	lyra_secret_wipe(s, sizeof *s);
}

static int copy_field(char *dst, size_t n, const char *src, const char *what)
{
	size_t len = src ? strlen(src) : 0;
	if (len >= n)
		return lyra_error(LYRA_EX_DATAERR, "API %s too long (over %zu bytes)", what, n - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)src[i] < 0x20 || src[i] == 0x7f)
			return lyra_error(LYRA_EX_DATAERR, "API %s has control characters", what);
	memcpy(dst, src ? src : "", len + 1);
	return 0;
}

static int moves_funds(const char *perm)
{
	return strcasecmp(perm, "withdraw") == 0 || strcasecmp(perm, "withdrawal") == 0 ||
	       strcasecmp(perm, "withdrawals") == 0 || strcasecmp(perm, "transfer") == 0;
}

int lyra_apikey_parse(const char *text, size_t n, struct lyra_apikey_secret *out)
{
	size_t i = 0;

	memset(out, 0, sizeof *out);
	while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
		i++;
	if (i < n && text[i] == '{') {
		json_t *o = json_loadb(text, n, 0, NULL), *perms;
		int rc;
		if (!json_is_object(o)) {
			json_decref(o);
			return lyra_error(LYRA_EX_DATAERR, "API credentials: not a JSON object");
		}
		perms = json_object_get(o, "permissions");
		if (perms) {
			size_t k;
			json_t *p;
			if (!json_is_array(perms)) {
				json_decref(o);
				return lyra_error(LYRA_EX_DATAERR, "API credentials: 'permissions' is not a list");
			}
			json_array_foreach(perms, k, p) {
				if (json_is_string(p) && moves_funds(json_string_value(p))) {
					json_decref(o);
					return lyra_error(LYRA_EX_DATAERR, "API key refused: it has withdrawal "
					                  "permission; create a key that can only trade");
				}
			}
		}
		rc = copy_field(out->key, sizeof out->key, json_string_value(json_object_get(o, "key")), "key");
		if (!rc)
			rc = copy_field(out->secret, sizeof out->secret,
			                json_string_value(json_object_get(o, "secret")), "secret");
		if (!rc)
			rc = copy_field(out->passphrase, sizeof out->passphrase,
			                json_string_value(json_object_get(o, "passphrase")), "passphrase");
		json_decref(o);
		if (rc) {
			lyra_apikey_secret_wipe(out);
			return -1;
		}
	} else {
		char *fields[3] = { out->key, out->secret, out->passphrase };
		size_t caps[3] = { sizeof out->key, sizeof out->secret, sizeof out->passphrase };
		int f = 0;
		size_t len = 0;
		for (i = 0; i < n; i++) {
			char c = text[i];
			if (c == '\r')
				continue;
			if (c == '\n') {
				if (++f == 3)
					break;
				len = 0;
				continue;
			}
			if (len + 1 >= caps[f] || (unsigned char)c < 0x20) {
				lyra_apikey_secret_wipe(out);
				return lyra_error(LYRA_EX_DATAERR, "API credentials: line %d too long or with "
				                  "control characters", f + 1);
			}
			fields[f][len++] = c;
			fields[f][len] = '\0';
		}
		for (; i < n; i++)
			if (text[i] != '\n' && text[i] != '\r' && text[i] != ' ') {
				lyra_apikey_secret_wipe(out);
				return lyra_error(LYRA_EX_DATAERR, "API credentials: more than three lines (key, "
				                  "secret, passphrase)");
			}
	}
	if (!out->key[0] || !out->secret[0]) {
		lyra_apikey_secret_wipe(out);
		return lyra_error(LYRA_EX_DATAERR, "API credentials: need a key and a secret");
	}
	return 0;
}

static int audit(struct lyra_store *st, const char *actor, const char *action, const char *object,
                 json_t *details)
{
	int64_t seq = lyra_audit_append(st, actor, action, object, details);
	json_decref(details);
	return seq < 0 ? -1 : 0;
}

static int fail_tx(struct lyra_store *st)
{
	lyra_store_rollback(st);
	return -1;
}

/* The live record of venue/label: 1, 0 none, -1 error. */
static int find_live(struct lyra_store *st, const char *venue, const char *label, struct lyra_apikey *k)
{
	sqlite3_stmt *s = lyra_store_cached(st,
		"SELECT id, hint, created, rotated, created_by FROM api_keys"
		" WHERE venue = ?1 AND label = ?2 AND revoked IS NULL");
	int rc, found = 0;

	memset(k, 0, sizeof *k);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, venue, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, label, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		k->id = sqlite3_column_int64(s, 0);
		snprintf(k->venue, sizeof k->venue, "%s", venue);
		snprintf(k->label, sizeof k->label, "%s", label);
		snprintf(k->hint, sizeof k->hint, "%s", (const char *)sqlite3_column_text(s, 1));
		k->created = sqlite3_column_int64(s, 2);
		k->rotated = sqlite3_column_int64(s, 3);
		snprintf(k->created_by, sizeof k->created_by, "%s", (const char *)sqlite3_column_text(s, 4));
		k->due = k->rotated + (int64_t)LYRA_APIKEY_ROTATE_DAYS * 86400 * LYRA_US_PER_SEC;
		found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot read API keys");
	return found;
}

static void make_hint(const char *key, char hint[8])
{
	size_t n = strlen(key);
	snprintf(hint, 8, "%s", n > 4 ? key + n - 4 : "");
}

static int check_args(const char *venue, const char *label)
{
	if (!lyra_apikey_venue_known(venue))
		return lyra_error(LYRA_EX_USAGE, "unknown venue '%s': one of binance okx coinbase kraken "
		                  "gateio bitfinex bitstamp gemini", venue);
	if (!*label || strlen(label) > 63 || strspn(label, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(label))
		return lyra_error(LYRA_EX_USAGE, "bad label '%s': 1 to 63 of A-Z a-z 0-9 . _ -", label);
	return 0;
}

static int seal(struct lyra_vault *v, int64_t id, const struct lyra_apikey_secret *s, int64_t now)
{
	char name[48];
	json_t *o = json_pack("{ssssss}", "key", s->key, "secret", s->secret, "passphrase", s->passphrase);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	int rc;

	json_decref(o);
	if (!text)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	snprintf(name, sizeof name, "apikey:%lld", (long long)id);
	rc = lyra_vault_put(v, LYRA_VAULT_DATA, name, text, strlen(text), now);
	lyra_secret_wipe(text, strlen(text));
	free(text);
	return rc;
}

int lyra_apikey_add(struct lyra_store *st, struct lyra_vault *v, const struct lyra_identity *actor,
                    const char *venue, const char *label, const struct lyra_apikey_secret *s,
                    int64_t now)
{
	struct lyra_apikey k;
	sqlite3_stmt *q;
	char hint[8], obj[96];
	int64_t id;
	int rc;

	label = label ? label : "main";
	if (check_args(venue, label) != 0)
		return -1;
	if (lyra_store_begin(st) != 0)
		return -1;
	rc = find_live(st, venue, label, &k);
	if (rc != 0) {
		if (rc > 0)
			lyra_error(LYRA_EX_USAGE, "'%s/%s' has a key already: 'auth key rotate' replaces it",
			           venue, label);
		return fail_tx(st);
	}
	make_hint(s->key, hint);
	q = lyra_store_cached(st, "INSERT INTO api_keys(venue, label, hint, created, rotated, created_by)"
	                          " VALUES (?1, ?2, ?3, ?4, ?4, ?5)");
	if (!q)
		return fail_tx(st);
	sqlite3_bind_text(q, 1, venue, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, label, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, hint, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 4, now);
	sqlite3_bind_text(q, 5, actor->name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		lyra_store_fail(st, "cannot add an API key");
		return fail_tx(st);
	}
	id = sqlite3_last_insert_rowid(st->db);
	snprintf(obj, sizeof obj, "key:%s/%s", venue, label);
	if (seal(v, id, s, now) != 0 ||
	    audit(st, actor->name, "key.add", obj, json_pack("{sssb}", "hint", hint, "passphrase",
	                                                     s->passphrase[0] != 0)) != 0 ||
	    lyra_store_commit(st) != 0)
		return fail_tx(st);
	return 0;
}

int lyra_apikey_rotate(struct lyra_store *st, struct lyra_vault *v,
                       const struct lyra_identity *actor, const char *venue, const char *label,
                       const struct lyra_apikey_secret *s, int64_t now)
{
	struct lyra_apikey k;
	sqlite3_stmt *q;
	char hint[8], obj[96], age[32];
	int rc;

	label = label ? label : "main";
	if (check_args(venue, label) != 0 || lyra_store_begin(st) != 0)
		return -1;
	rc = find_live(st, venue, label, &k);
	if (rc <= 0) {
		if (rc == 0)
			lyra_error(LYRA_EX_USAGE, "no key for '%s/%s': 'auth key add' it", venue, label);
		return fail_tx(st);
	}
	make_hint(s->key, hint);
	q = lyra_store_cached(st, "UPDATE api_keys SET hint = ?2, rotated = ?3 WHERE id = ?1");
	if (!q)
		return fail_tx(st);
	sqlite3_bind_int64(q, 1, k.id);
	sqlite3_bind_text(q, 2, hint, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, now);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		lyra_store_fail(st, "cannot rotate an API key");
		return fail_tx(st);
	}
	snprintf(obj, sizeof obj, "key:%s/%s", venue, label);
	snprintf(age, sizeof age, "%lldd", (long long)((now - k.rotated) / (86400 * LYRA_US_PER_SEC)));
	if (seal(v, k.id, s, now) != 0 ||
	    audit(st, actor->name, "key.rotate", obj,
	          json_pack("{ssssss}", "old_hint", k.hint, "hint", hint, "age", age)) != 0 ||
	    lyra_store_commit(st) != 0)
		return fail_tx(st);
	return 0;
}

int lyra_apikey_revoke(struct lyra_store *st, const struct lyra_identity *actor,
                       const char *venue, const char *label, int64_t now)
{
	struct lyra_apikey k;
	struct lyra_vault v;
	sqlite3_stmt *q;
	char obj[96], name[48];
	int rc;

	label = label ? label : "main";
	if (check_args(venue, label) != 0 || lyra_store_begin(st) != 0)
		return -1;
	rc = find_live(st, venue, label, &k);
	if (rc <= 0) {
		if (rc == 0)
			lyra_error(LYRA_EX_USAGE, "no key for '%s/%s'", venue, label);
		return fail_tx(st);
	}
	q = lyra_store_cached(st, "UPDATE api_keys SET revoked = ?2 WHERE id = ?1");
	if (!q)
		return fail_tx(st);
	sqlite3_bind_int64(q, 1, k.id);
	sqlite3_bind_int64(q, 2, now);
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		lyra_store_fail(st, "cannot revoke an API key");
		return fail_tx(st);
	}
	snprintf(name, sizeof name, "apikey:%lld", (long long)k.id);
	snprintf(obj, sizeof obj, "key:%s/%s", venue, label);
	lyra_vault_init(&v, st);
	rc = lyra_vault_del(&v, name);
	lyra_vault_release(&v);
	if (rc != 0 || audit(st, actor->name, "key.revoke", obj, json_pack("{ss}", "hint", k.hint)) != 0 ||
	    lyra_store_commit(st) != 0)
		return fail_tx(st);
	return 0;
}

int lyra_apikey_list(struct lyra_store *st, int all,
                     int (*cb)(void *ctx, const struct lyra_apikey *k), void *ctx)
{
	sqlite3_stmt *s = lyra_store_prepare(st,
		"SELECT id, venue, label, hint, created, rotated, created_by, COALESCE(revoked, 0)"
		" FROM api_keys WHERE ?1 OR revoked IS NULL ORDER BY venue, label, id");
	int rc, stop = 0;

	if (!s)
		return -1;
	sqlite3_bind_int(s, 1, all);
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lyra_apikey k;
		memset(&k, 0, sizeof k);
		k.id = sqlite3_column_int64(s, 0);
		snprintf(k.venue, sizeof k.venue, "%s", (const char *)sqlite3_column_text(s, 1));
		snprintf(k.label, sizeof k.label, "%s", (const char *)sqlite3_column_text(s, 2));
		snprintf(k.hint, sizeof k.hint, "%s", (const char *)sqlite3_column_text(s, 3));
		k.created = sqlite3_column_int64(s, 4);
		k.rotated = sqlite3_column_int64(s, 5);
		snprintf(k.created_by, sizeof k.created_by, "%s", (const char *)sqlite3_column_text(s, 6));
		k.revoked = sqlite3_column_int64(s, 7);
		k.due = k.rotated + (int64_t)LYRA_APIKEY_ROTATE_DAYS * 86400 * LYRA_US_PER_SEC;
		stop = cb(ctx, &k) != 0;
	}
	sqlite3_finalize(s);
	if (!stop && rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot list API keys");
	return 0;
}

int lyra_apikey_read(struct lyra_store *st, struct lyra_vault *v, const struct lyra_identity *id,
                     const char *venue, const char *label, struct lyra_apikey_secret *out,
                     int64_t now)
{
	struct lyra_apikey k;
	char name[48], obj[96], buf[LYRA_VAULT_VALUE_MAX + 1];
	json_t *o;
	int n, rc;

	(void)now;
	memset(out, 0, sizeof *out);
	label = label ? label : "main";
	if (lyra_identity_require(st, id, "key.read") != 0)
		return -1;
	rc = find_live(st, venue, label, &k);
	if (rc <= 0)
		return rc < 0 ? -1 : lyra_error(LYRA_EX_NOINPUT, "no API key for '%s/%s': 'auth key add' "
		                                "it", venue, label);
	snprintf(name, sizeof name, "apikey:%lld", (long long)k.id);
	n = lyra_vault_get(v, name, buf, sizeof buf - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	o = json_loads(buf, 0, NULL);
	lyra_secret_wipe(buf, sizeof buf);
	rc = o ? copy_field(out->key, sizeof out->key, json_string_value(json_object_get(o, "key")), "key") : -1;
	if (!rc)
		rc = copy_field(out->secret, sizeof out->secret,
		                json_string_value(json_object_get(o, "secret")), "secret");
	if (!rc)
		rc = copy_field(out->passphrase, sizeof out->passphrase,
		                json_string_value(json_object_get(o, "passphrase")), "passphrase");
	json_decref(o);
	if (rc) {
		lyra_apikey_secret_wipe(out);
		return lyra_error(LYRA_EX_IOERR, "API key '%s/%s' is damaged in the vault", venue, label);
	}
	snprintf(obj, sizeof obj, "key:%s/%s", venue, label);
	if (lyra_store_begin(st) != 0 ||
	    audit(st, id->name, "key.read", obj, json_pack("{ss}", "hint", k.hint)) != 0 ||
	    lyra_store_commit(st) != 0) {
		lyra_apikey_secret_wipe(out);
		return fail_tx(st);
	}
	return 0;
}
