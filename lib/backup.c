/* backup.c: backups of the store (backup.h): the snapshot through SQLite's backup API, page maps
 * and the choice of pages, the manifest, writing and reading archives (pack.h, envelope.h),
 * rebuilding a chain into a file and checking the copy, and the catalogue table. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "backup.h"
#include "clock.h"
#include "codec.h"
#include "error.h"
#include "pack.h"

#ifndef LYRA_VERSION
#define LYRA_VERSION "0.0.0"
#endif

#define FORMAT "lyra-backup-v1"
#define M_MANIFEST "manifest.json"
#define M_MAP "pagemap.bin"
#define M_DB "store.db"
#define M_PAGES "pages.bin"
#define MAX_MANIFEST (4 << 20)
#define MAX_PAGES (1u << 27)
#define IO_BLOCK (1 << 20)
#define KEYRING_SLOTS 16

static const char *const kind_names[] = { "full", "incremental", "differential" };
static const char *const kind_short[] = { "full", "incr", "diff" };

const char *lyra_backup_kind_name(enum lyra_backup_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "unknown";
}

int lyra_backup_kind_parse(const char *s, enum lyra_backup_kind *k)
{
	for (int i = 0; i < 3; i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*k = (enum lyra_backup_kind)i;
			return 0;
		}
	}
	return lyra_error(LYRA_EX_USAGE, "unknown backup type '%s' (want full, incremental or differential)", s);
}

int lyra_backup_id_valid(const char *s)
{
	size_t n = 0;
	if (!s || !*s || *s == '.' || *s == '-')
		return 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
		if (n + 1 >= LYRA_BACKUP_ID_MAX)
			return 0;
	}
	return 1;
}

static int oom(void)
{
	return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
}

/* ---- hashing ---- */

static int hex_valid(const char *s)
{
	if (!s || strlen(s) != 64)
		return 0;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

struct sha {
	EVP_MD_CTX *ctx;
};

static int sha_init(struct sha *h)
{
	if (!(h->ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h->ctx);
		h->ctx = NULL;
		return lyra_error(LYRA_EX_SOFTWARE, "cannot set up sha-256");
	}
	return 0;
}

static void sha_update(struct sha *h, const void *buf, size_t n)
{
	if (n)
		EVP_DigestUpdate(h->ctx, buf, n);
}

static void sha_hex(struct sha *h, char out[LYRA_BACKUP_SHA_HEX])
{
	unsigned char md[32];
	unsigned int len = 0;
	EVP_DigestFinal_ex(h->ctx, md, &len);
	lyra_hex_encode(md, 32, out);
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

static void sha_free(struct sha *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

/* Page hashing with one reusable context. */
static void page_hash(EVP_MD_CTX *ctx, const void *page, size_t n, unsigned char out[32])
{
	unsigned int len = 0;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, page, n);
	EVP_DigestFinal_ex(ctx, out, &len);
}

int lyra_backup_file_sha256(const char *path, char hex[LYRA_BACKUP_SHA_HEX], int64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char *buf;
	struct sha h;
	int64_t total = 0;
	ssize_t n;

	if (fd < 0)
		return lyra_error(errno == ENOENT ? LYRA_EX_NOINPUT : LYRA_EX_IOERR, "cannot open '%s': %s",
		                  path, strerror(errno));
	if (!(buf = malloc(IO_BLOCK)) || sha_init(&h) != 0) {
		free(buf);
		close(fd);
		return oom();
	}
	while ((n = read(fd, buf, IO_BLOCK)) > 0) {
		sha_update(&h, buf, (size_t)n);
		total += n;
	}
	if (n < 0) {
		int e = errno;
		sha_free(&h);
		free(buf);
		close(fd);
		return lyra_error(LYRA_EX_IOERR, "cannot read '%s': %s", path, strerror(e));
	}
	sha_hex(&h, hex);
	free(buf);
	close(fd);
	if (size)
		*size = total;
	return 0;
}

/* ---- manifest ---- */

void lyra_backup_manifest_release(struct lyra_backup_manifest *m)
{
	if (!m)
		return;
	free(m->chain);
	free(m->store);
	memset(m, 0, sizeof *m);
}

int lyra_backup_manifest_copy(struct lyra_backup_manifest *dst, const struct lyra_backup_manifest *src)
{
	*dst = *src;
	dst->chain = NULL;
	dst->store = NULL;
	if (src->nchain) {
		if (!(dst->chain = malloc((size_t)src->nchain * sizeof *dst->chain)))
			goto fail;
		memcpy(dst->chain, src->chain, (size_t)src->nchain * sizeof *dst->chain);
	}
	if (src->store && !(dst->store = strdup(src->store)))
		goto fail;
	return 0;
fail:
	lyra_backup_manifest_release(dst);
	return oom();
}

static json_t *member_json(const struct lyra_backup_member *mm)
{
	return json_pack("{sIss}", "size", (json_int_t)mm->size, "sha256", mm->sha256);
}

char *lyra_backup_manifest_encode(const struct lyra_backup_manifest *m)
{
	json_t *o = json_object(), *chain = json_array(), *members = json_object();
	char *text = NULL;
	int bad = !o || !chain || !members;

	for (int i = 0; !bad && i < m->nchain; i++)
		bad |= json_array_append_new(chain, json_string(m->chain[i])) != 0;
	if (!bad) {
		bad |= json_object_set_new(o, "format", json_string(FORMAT));
		bad |= json_object_set_new(o, "id", json_string(m->id));
		bad |= json_object_set_new(o, "kind", json_string(lyra_backup_kind_name(m->kind)));
		bad |= json_object_set_new(o, "ts", json_integer(m->ts));
		bad |= json_object_set_new(o, "created", json_integer(m->created));
		bad |= json_object_set_new(o, "base", m->base[0] ? json_string(m->base) : json_null());
		bad |= json_object_set(o, "chain", chain);
		bad |= json_object_set_new(o, "store", json_string(m->store ? m->store : ""));
		bad |= json_object_set_new(o, "schema", json_integer(m->schema));
		bad |= json_object_set_new(o, "page_size", json_integer(m->page_size));
		bad |= json_object_set_new(o, "pages", json_integer(m->pages));
		bad |= json_object_set_new(o, "changed_pages", json_integer(m->changed));
		bad |= json_object_set_new(o, "db_bytes", json_integer(m->db_bytes));
		bad |= json_object_set_new(o, "db_sha256", json_string(m->db_sha256));
		bad |= json_object_set_new(o, "audit", json_pack("{sIss}", "seq", (json_int_t)m->audit_seq,
		                                                 "hash", m->audit_hash));
		if (m->journal_seq > 0)
			bad |= json_object_set_new(o, "journal", json_pack("{sIsIss}", "seq", (json_int_t)m->journal_seq,
			                                                   "ts", (json_int_t)m->journal_ts, "kind",
			                                                   lyra_journal_kind_name(m->journal_kind)));
		bad |= json_object_set_new(o, "encrypted", json_boolean(m->encrypted));
		bad |= json_object_set_new(members, M_MAP, member_json(&m->map));
		bad |= json_object_set_new(members, m->kind == LYRA_BACKUP_FULL ? M_DB : M_PAGES,
		                           member_json(&m->data));
		bad |= json_object_set(o, "members", members);
		bad |= json_object_set_new(o, "lyra", json_string(m->lyra_version));
	}
	if (!bad)
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(chain);
	json_decref(members);
	json_decref(o);
	if (!text)
		lyra_error(LYRA_EX_SOFTWARE, "cannot encode the manifest of backup '%s'", m->id);
	return text;
}

static int bad_manifest(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_manifest(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return lyra_error(LYRA_EX_NO, "bad manifest: %s", msg);
}

static int get_int(json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		return bad_manifest("'%s' is missing or not an integer", key);
	*out = json_integer_value(v);
	if (*out < lo || *out > hi)
		return bad_manifest("'%s' is out of range: %lld", key, (long long)*out);
	return 0;
}

static int get_id(json_t *v, const char *key, char out[LYRA_BACKUP_ID_MAX])
{
	const char *s = json_string_value(v);
	if (!s || !lyra_backup_id_valid(s))
		return bad_manifest("'%s' is missing or not a backup id", key);
	snprintf(out, LYRA_BACKUP_ID_MAX, "%s", s);
	return 0;
}

static int get_hash(json_t *v, const char *key, char out[LYRA_BACKUP_SHA_HEX])
{
	const char *s = json_string_value(v);
	if (!hex_valid(s))
		return bad_manifest("'%s' is missing or not a sha-256", key);
	memcpy(out, s, LYRA_BACKUP_SHA_HEX);
	return 0;
}

static int get_member(json_t *members, const char *name, struct lyra_backup_member *mm)
{
	json_t *o = json_object_get(members, name);
	char key[64];
	snprintf(key, sizeof key, "members.%s", name);
	if (!json_is_object(o))
		return bad_manifest("'%s' is missing", key);
	if (get_int(o, "size", 0, INT64_MAX, &mm->size) != 0 ||
	    get_hash(json_object_get(o, "sha256"), "sha256", mm->sha256) != 0)
		return lyra_error_wrap("%s", key);
	return 0;
}

int lyra_backup_manifest_parse(const char *text, size_t n, struct lyra_backup_manifest *m)
{
	json_error_t jerr;
	json_t *o, *chain, *audit, *members, *v;
	int64_t x;
	const char *s;

	memset(m, 0, sizeof *m);
	o = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		json_decref(o);
		return bad_manifest("not a json object (%s)", jerr.text);
	}
	s = json_string_value(json_object_get(o, "format"));
	if (!s || strcmp(s, FORMAT) != 0) {
		bad_manifest("format is '%s', not '" FORMAT "'", s ? s : "missing");
		goto fail;
	}
	if (get_id(json_object_get(o, "id"), "id", m->id) != 0)
		goto fail;
	s = json_string_value(json_object_get(o, "kind"));
	if (!s || lyra_backup_kind_parse(s, &m->kind) != 0) {
		bad_manifest("'kind' is missing or unknown");
		goto fail;
	}
	if (get_int(o, "ts", 0, INT64_MAX, &m->ts) != 0 ||
	    get_int(o, "created", 0, INT64_MAX, &m->created) != 0)
		goto fail;
	v = json_object_get(o, "base");
	if (json_is_null(v))
		m->base[0] = '\0';
	else if (get_id(v, "base", m->base) != 0)
		goto fail;
	chain = json_object_get(o, "chain");
	if (!json_is_array(chain) || json_array_size(chain) < 1 ||
	    json_array_size(chain) > LYRA_BACKUP_MAX_CHAIN) {
		bad_manifest("'chain' is missing or of a bad length");
		goto fail;
	}
	m->nchain = (int)json_array_size(chain);
	if (!(m->chain = malloc((size_t)m->nchain * sizeof *m->chain))) {
		oom();
		goto fail;
	}
	for (int i = 0; i < m->nchain; i++)
		if (get_id(json_array_get(chain, (size_t)i), "chain", m->chain[i]) != 0)
			goto fail;
	if (strcmp(m->chain[m->nchain - 1], m->id) != 0) {
		bad_manifest("the chain does not end with the backup itself");
		goto fail;
	}
	if (m->kind == LYRA_BACKUP_FULL ? (m->nchain != 1 || m->base[0])
	                                : (m->nchain < 2 || strcmp(m->chain[m->nchain - 2], m->base) != 0 ||
	                                   (m->kind == LYRA_BACKUP_DIFFERENTIAL && m->nchain != 2))) {
		bad_manifest("the chain does not fit a %s backup with base '%s'",
		             lyra_backup_kind_name(m->kind), m->base[0] ? m->base : "none");
		goto fail;
	}
	for (int i = 0; i < m->nchain - 1; i++) {
		for (int j = i + 1; j < m->nchain; j++) {
			if (strcmp(m->chain[i], m->chain[j]) == 0) {
				bad_manifest("backup '%s' appears twice in the chain", m->chain[i]);
				goto fail;
			}
		}
	}
	s = json_string_value(json_object_get(o, "store"));
	if (!s || !(m->store = strdup(s))) {
		if (s)
			oom();
		else
			bad_manifest("'store' is missing");
		goto fail;
	}
	if (get_int(o, "schema", 0, INT32_MAX, &x) != 0)
		goto fail;
	m->schema = (int)x;
	if (get_int(o, "page_size", 512, 65536, &x) != 0)
		goto fail;
	m->page_size = (uint32_t)x;
	if (m->page_size & (m->page_size - 1)) {
		bad_manifest("'page_size' %u is not a power of two", m->page_size);
		goto fail;
	}
	if (get_int(o, "pages", 1, MAX_PAGES, &x) != 0)
		goto fail;
	m->pages = (uint32_t)x;
	if (get_int(o, "changed_pages", 0, m->pages, &x) != 0)
		goto fail;
	m->changed = (uint32_t)x;
	if (get_int(o, "db_bytes", 0, INT64_MAX, &m->db_bytes) != 0 ||
	    get_hash(json_object_get(o, "db_sha256"), "db_sha256", m->db_sha256) != 0)
		goto fail;
	if (m->db_bytes != (int64_t)m->pages * m->page_size) {
		bad_manifest("'db_bytes' is not pages times page_size");
		goto fail;
	}
	audit = json_object_get(o, "audit");
	if (!json_is_object(audit) || get_int(audit, "seq", 0, INT64_MAX, &m->audit_seq) != 0 ||
	    get_hash(json_object_get(audit, "hash"), "audit.hash", m->audit_hash) != 0) {
		if (!json_is_object(audit))
			bad_manifest("'audit' is missing");
		goto fail;
	}
	v = json_object_get(o, "journal");   /* optional: absent before the point-in-time journal */
	if (v) {
		if (!json_is_object(v) || get_int(v, "seq", 1, INT64_MAX, &m->journal_seq) != 0 ||
		    get_int(v, "ts", 0, INT64_MAX, &m->journal_ts) != 0 ||
		    (m->journal_kind = lyra_journal_kind_parse(json_string_value(json_object_get(v, "kind")))) ==
		            LYRA_JOURNAL_NONE) {
			bad_manifest("'journal' is not {seq, ts, kind}");
			goto fail;
		}
	}
	v = json_object_get(o, "encrypted");
	if (!json_is_boolean(v)) {
		bad_manifest("'encrypted' is missing or not a boolean");
		goto fail;
	}
	m->encrypted = json_is_true(v);
	members = json_object_get(o, "members");
	if (!json_is_object(members) || json_object_size(members) != 2 ||
	    get_member(members, M_MAP, &m->map) != 0 ||
	    get_member(members, m->kind == LYRA_BACKUP_FULL ? M_DB : M_PAGES, &m->data) != 0) {
		if (!json_is_object(members) || json_object_size(members) != 2)
			bad_manifest("'members' must list exactly " M_MAP " and the data");
		goto fail;
	}
	if (m->kind == LYRA_BACKUP_FULL
	        ? (m->changed != m->pages || m->map.size != (int64_t)m->pages * 32 ||
	           m->data.size != m->db_bytes || strcmp(m->data.sha256, m->db_sha256) != 0)
	        : (m->map.size != (int64_t)m->changed * 36 ||
	           m->data.size != (int64_t)m->changed * m->page_size)) {
		bad_manifest("member sizes do not fit the page counts");
		goto fail;
	}
	s = json_string_value(json_object_get(o, "lyra"));
	snprintf(m->lyra_version, sizeof m->lyra_version, "%s", s ? s : "");
	json_decref(o);
	return 0;
fail:
	json_decref(o);
	lyra_backup_manifest_release(m);
	return -1;
}

/* ---- page maps ---- */

void lyra_backup_map_release(struct lyra_backup_map *map)
{
	if (!map)
		return;
	free(map->hash);
	memset(map, 0, sizeof *map);
}

/* Resize to pages entries; new entries are zero (no page hashes to zero). */
static int map_resize(struct lyra_backup_map *map, uint32_t pages)
{
	if (pages > map->cap) {
		size_t cap = map->cap ? map->cap : 1024;
		while (cap < pages)
			cap *= 2;
		void *h = realloc(map->hash, cap * 32);
		if (!h)
			return oom();
		map->hash = h;
		map->cap = cap;
	}
	if (pages > map->pages)
		memset(map->hash[map->pages], 0, (size_t)(pages - map->pages) * 32);
	map->pages = pages;
	return 0;
}

/* ---- keyring ---- */

struct lyra_backup_keyring {
	char *pass;
	size_t n;
	struct lyra_envelope_key keys[KEYRING_SLOTS];
	int nkeys, next;
};

struct lyra_backup_keyring *lyra_backup_keyring_new(const char *pass, size_t n)
{
	struct lyra_backup_keyring *kr;
	if (!n) {
		lyra_error(LYRA_EX_CONFIG, "the passphrase is empty");
		return NULL;
	}
	if (!(kr = calloc(1, sizeof *kr)) || !(kr->pass = malloc(n))) {
		free(kr);
		oom();
		return NULL;
	}
	memcpy(kr->pass, pass, n);
	kr->n = n;
	return kr;
}

const struct lyra_envelope_key *lyra_backup_keyring_key(struct lyra_backup_keyring *kr,
                                                         const struct lyra_envelope_kdf *kdf)
{
	struct lyra_envelope_key *k;
	for (int i = 0; i < kr->nkeys; i++) {
		k = &kr->keys[i];
		if (k->kdf.log2n == kdf->log2n && k->kdf.r == kdf->r && k->kdf.p == kdf->p &&
		    memcmp(k->kdf.salt, kdf->salt, sizeof kdf->salt) == 0)
			return k;
	}
	k = &kr->keys[kr->next];
	if (lyra_envelope_derive(k, kr->pass, kr->n, kdf) != 0) {
		lyra_envelope_key_wipe(k);
		return NULL;
	}
	kr->next = (kr->next + 1) % KEYRING_SLOTS;
	if (kr->nkeys < KEYRING_SLOTS)
		kr->nkeys++;
	return k;
}

void lyra_backup_keyring_free(struct lyra_backup_keyring *kr)
{
	if (!kr)
		return;
	if (kr->pass)
		OPENSSL_cleanse(kr->pass, kr->n);
	free(kr->pass);
	OPENSSL_cleanse(kr, sizeof *kr);
	free(kr);
}

/* ---- snapshot ---- */

static void progress(const struct lyra_backup_progress *pr, const char *phase, int64_t done,
                     int64_t total)
{
	if (pr && pr->fn)
		pr->fn(pr->ctx, phase, done, total);
}

static void pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int pragma_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

int lyra_backup_snapshot(struct lyra_store *st, const char *path, struct lyra_backup_snapshot *s,
                         const struct lyra_backup_progress *pr)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int64_t v;
	int rc, busy = 0, fd;

	memset(s, 0, sizeof *s);
	if (st->in_tx > 0 || !sqlite3_get_autocommit(st->db))
		return lyra_error(LYRA_EX_SOFTWARE, "cannot take a snapshot inside a transaction");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return lyra_error(LYRA_EX_CANTCREAT, "cannot create snapshot file '%s': %s", path, strerror(errno));
	close(fd);
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		lyra_error(LYRA_EX_CANTCREAT, "cannot open snapshot file '%s': %s", path,
		           dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	sqlite3_exec(dst, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", NULL, NULL, NULL);
	s->ts = lyra_time_now_us();
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		lyra_store_fail(st, "cannot start the snapshot");
		sqlite3_close(dst);
		return -1;
	}
	/* The first read fixes the snapshot: the head and the schema come from the same one. */
	if (lyra_audit_head(st, &s->audit_seq, s->audit_hash) != 0 ||
	    lyra_journal_read_head(st->db, &s->journal) < 0 ||
	    pragma_int(st->db, "PRAGMA user_version", &v) != SQLITE_OK) {
		if (lyra_error_code() == LYRA_EX_SOFTWARE)
			lyra_store_fail(st, "cannot start the snapshot");
		goto fail;
	}
	s->schema = (int)v;
	if (!(b = sqlite3_backup_init(dst, "main", st->db, "main"))) {
		lyra_error(LYRA_EX_IOERR, "cannot start the snapshot: %s", sqlite3_errmsg(dst));
		goto fail;
	}
	for (;;) {
		rc = sqlite3_backup_step(b, 2048);
		int total = sqlite3_backup_pagecount(b);
		progress(pr, "snapshot", total - sqlite3_backup_remaining(b), total);
		if (rc == SQLITE_DONE)
			break;
		if (rc == SQLITE_OK)
			continue;
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && busy++ < 300) {
			pause_ms(100);
			continue;
		}
		break;
	}
	if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE) {
		int code = rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? LYRA_EX_TEMPFAIL : LYRA_EX_IOERR;
		lyra_error(code, "cannot copy the store into '%s': %s", path, sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (pragma_int(dst, "PRAGMA page_size", &v) != SQLITE_OK) {
		lyra_error(LYRA_EX_IOERR, "cannot read snapshot '%s': %s", path, sqlite3_errmsg(dst));
		goto fail_dst;
	}
	s->page_size = (uint32_t)v;
	if (pragma_int(dst, "PRAGMA page_count", &v) != SQLITE_OK) {
		lyra_error(LYRA_EX_IOERR, "cannot read snapshot '%s': %s", path, sqlite3_errmsg(dst));
		goto fail_dst;
	}
	s->pages = (uint32_t)v;
	if (sqlite3_close(dst) != SQLITE_OK)
		return lyra_error(LYRA_EX_IOERR, "cannot close snapshot '%s'", path);
	return 0;
fail:
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
fail_dst:
	sqlite3_close(dst);
	return -1;
}

/* ---- writing ---- */

/* The file end of an archive: raw bytes to fd, hashed and counted; or, sealed, through an
 * envelope first. */
struct sink {
	int fd;
	const char *path;
	struct sha sha;
	int64_t bytes;
	struct lyra_envelope *env;
};

static int sink_raw(void *ctx, const void *buf, size_t n)
{
	struct sink *k = ctx;
	const char *p = buf;
	size_t left = n;
	while (left) {
		ssize_t w = write(k->fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return lyra_error(LYRA_EX_IOERR, "cannot write '%s': %s", k->path, strerror(errno));
		}
		p += w;
		left -= (size_t)w;
	}
	sha_update(&k->sha, buf, n);
	k->bytes += (int64_t)n;
	return 0;
}

static int sink_pack(void *ctx, const void *buf, size_t n)
{
	struct sink *k = ctx;
	return k->env ? lyra_envelope_write(k->env, buf, n) : sink_raw(k, buf, n);
}

static ssize_t pread_full(int fd, void *buf, size_t n, off_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, off + (off_t)got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static void make_id(char *id, size_t n, int64_t ts, enum lyra_backup_kind kind)
{
	int64_t secs = ts / LYRA_US_PER_SEC, days = secs / 86400, rem = secs % 86400;
	int y;
	unsigned mo, d;
	lyra_civil_from_days(days, &y, &mo, &d);
	snprintf(id, n, "%04d%02u%02uT%02d%02d%02d.%06dZ-%s", y, mo, d, (int)(rem / 3600),
	         (int)(rem / 60 % 60), (int)(rem % 60), (int)(ts % LYRA_US_PER_SEC), kind_short[kind]);
}

/* Pass 1 over the snapshot: the new map, the file's hash, the pages to store, the data and map
 * members' bytes and hashes. */
struct chosen {
	struct lyra_backup_map map;
	uint32_t *pages;          /* page numbers (1-based) to store */
	uint32_t n;
	unsigned char *mapbuf;    /* pagemap.bin */
	size_t maplen;
};

static void chosen_release(struct chosen *c)
{
	lyra_backup_map_release(&c->map);
	free(c->pages);
	free(c->mapbuf);
	memset(c, 0, sizeof *c);
}

static int choose_pages(const struct lyra_backup_plan *plan, int fd, struct chosen *c,
                        struct lyra_backup_manifest *m)
{
	const struct lyra_backup_snapshot *s = plan->snap;
	const struct lyra_backup_map *base = plan->kind == LYRA_BACKUP_FULL ? NULL : plan->base_map;
	uint32_t psz = s->page_size, per = IO_BLOCK / psz ? IO_BLOCK / psz : 1;
	unsigned char *buf = malloc((size_t)per * psz);
	EVP_MD_CTX *pctx = EVP_MD_CTX_new();
	struct sha file, data;
	int rc = -1;

	memset(c, 0, sizeof *c);
	file.ctx = data.ctx = NULL;
	if (!buf || !pctx || sha_init(&file) != 0 || sha_init(&data) != 0 ||
	    map_resize(&c->map, s->pages) != 0 || !(c->pages = malloc((size_t)s->pages * 4 + 4))) {
		oom();
		goto out;
	}
	c->map.page_size = psz;
	for (uint32_t p = 0; p < s->pages; p += per) {
		uint32_t k = s->pages - p < per ? s->pages - p : per;
		ssize_t got = pread_full(fd, buf, (size_t)k * psz, (off_t)p * psz);
		if (got != (ssize_t)((size_t)k * psz)) {
			lyra_error(LYRA_EX_IOERR, "cannot read snapshot '%s': %s", plan->snap_path,
			           got < 0 ? strerror(errno) : "it is shorter than its page count");
			goto out;
		}
		sha_update(&file, buf, (size_t)k * psz);
		for (uint32_t i = 0; i < k; i++) {
			uint32_t pg = p + i;
			unsigned char *page = buf + (size_t)i * psz;
			page_hash(pctx, page, psz, c->map.hash[pg]);
			if (!base || pg >= base->pages || memcmp(base->hash[pg], c->map.hash[pg], 32) != 0) {
				c->pages[c->n++] = pg + 1;
				if (base)
					sha_update(&data, page, psz);
			}
		}
		progress(plan->progress, "hash", (int64_t)p + k, s->pages);
	}
	sha_hex(&file, m->db_sha256);
	if (base) {
		sha_hex(&data, m->data.sha256);
		c->maplen = (size_t)c->n * 36;
	} else {
		memcpy(m->data.sha256, m->db_sha256, LYRA_BACKUP_SHA_HEX);
		c->maplen = (size_t)s->pages * 32;
	}
	if (!(c->mapbuf = malloc(c->maplen ? c->maplen : 1))) {
		oom();
		goto out;
	}
	if (base) {
		for (uint32_t i = 0; i < c->n; i++) {
			unsigned char *e = c->mapbuf + (size_t)i * 36;
			uint32_t pg = c->pages[i];
			e[0] = (unsigned char)(pg >> 24);
			e[1] = (unsigned char)(pg >> 16);
			e[2] = (unsigned char)(pg >> 8);
			e[3] = (unsigned char)pg;
			memcpy(e + 4, c->map.hash[pg - 1], 32);
		}
	} else if (c->maplen) {
		memcpy(c->mapbuf, c->map.hash, c->maplen);
	}
	{
		struct sha h;
		if (sha_init(&h) != 0)
			goto out;
		sha_update(&h, c->mapbuf, c->maplen);
		sha_hex(&h, m->map.sha256);
	}
	m->map.size = (int64_t)c->maplen;
	m->changed = c->n;
	m->data.size = (int64_t)c->n * psz;
	rc = 0;
out:
	sha_free(&file);
	sha_free(&data);
	EVP_MD_CTX_free(pctx);
	free(buf);
	if (rc != 0)
		chosen_release(c);
	return rc;
}

static int fill_manifest(const struct lyra_backup_plan *plan, struct lyra_backup_manifest *m)
{
	const struct lyra_backup_snapshot *s = plan->snap;
	memset(m, 0, sizeof *m);
	m->kind = plan->kind;
	make_id(m->id, sizeof m->id, s->ts, plan->kind);
	m->ts = s->ts;
	m->created = lyra_time_now_us();
	m->nchain = plan->kind == LYRA_BACKUP_FULL ? 1 : plan->base->nchain + 1;
	if (plan->kind != LYRA_BACKUP_FULL) {
		if (plan->kind == LYRA_BACKUP_DIFFERENTIAL && plan->base->kind != LYRA_BACKUP_FULL)
			return lyra_error(LYRA_EX_SOFTWARE, "a differential backup needs a full as its base");
		if (plan->base_map->page_size != s->page_size)
			return lyra_error(LYRA_EX_SOFTWARE, "the base backup has another page size");
		snprintf(m->base, sizeof m->base, "%s", plan->base->id);
	}
	if (!(m->chain = malloc((size_t)m->nchain * sizeof *m->chain)) ||
	    !(m->store = strdup(plan->store_path ? plan->store_path : "")))
		return oom();
	if (plan->kind != LYRA_BACKUP_FULL)
		memcpy(m->chain, plan->base->chain, (size_t)plan->base->nchain * sizeof *m->chain);
	memcpy(m->chain[m->nchain - 1], m->id, sizeof m->id);
	m->schema = s->schema;
	m->page_size = s->page_size;
	m->pages = s->pages;
	m->db_bytes = (int64_t)s->pages * s->page_size;
	m->audit_seq = s->audit_seq;
	snprintf(m->audit_hash, sizeof m->audit_hash, "%s", s->audit_hash);
	m->journal_seq = s->journal.seq;
	m->journal_ts = s->journal.ts;
	m->journal_kind = s->journal.kind;
	m->encrypted = plan->key != NULL;
	snprintf(m->lyra_version, sizeof m->lyra_version, "%s", LYRA_VERSION);
	return 0;
}

static int write_members(const struct lyra_backup_plan *plan, int fd, const struct chosen *c,
                         const struct lyra_backup_manifest *m, const char *mtext,
                         struct lyra_pack *pk)
{
	uint32_t psz = m->page_size, per = IO_BLOCK / psz ? IO_BLOCK / psz : 1;
	int64_t mtime = m->ts / LYRA_US_PER_SEC, total = m->data.size, done = 0;
	unsigned char *buf;
	int rc = -1;

	if (lyra_pack_entry(pk, M_MANIFEST, (int64_t)strlen(mtext), mtime) != 0 ||
	    lyra_pack_write(pk, mtext, strlen(mtext)) != 0 ||
	    lyra_pack_entry(pk, M_MAP, (int64_t)c->maplen, mtime) != 0 ||
	    lyra_pack_write(pk, c->mapbuf, c->maplen) != 0 ||
	    lyra_pack_entry(pk, m->kind == LYRA_BACKUP_FULL ? M_DB : M_PAGES, m->data.size, mtime) != 0)
		return -1;
	if (!(buf = malloc((size_t)per * psz)))
		return oom();
	for (uint32_t i = 0; i < c->n;) {
		/* a run of consecutive page numbers, at most one block */
		uint32_t k = 1;
		while (i + k < c->n && k < per && c->pages[i + k] == c->pages[i] + k)
			k++;
		ssize_t got = pread_full(fd, buf, (size_t)k * psz, (off_t)(c->pages[i] - 1) * psz);
		if (got != (ssize_t)((size_t)k * psz)) {
			lyra_error(LYRA_EX_IOERR, "cannot read snapshot '%s': %s", plan->snap_path,
			           got < 0 ? strerror(errno) : "it is shorter than its page count");
			goto out;
		}
		if (lyra_pack_write(pk, buf, (size_t)k * psz) != 0)
			goto out;
		i += k;
		done += (int64_t)k * psz;
		progress(plan->progress, "write", done, total);
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return lyra_error(LYRA_EX_IOERR, "cannot open folder '%s': %s", dir, strerror(errno));
	if (fsync(fd) != 0 && errno != EINVAL) {
		int e = errno;
		close(fd);
		return lyra_error(LYRA_EX_IOERR, "cannot sync folder '%s': %s", dir, strerror(e));
	}
	close(fd);
	return 0;
}

int lyra_backup_write(const struct lyra_backup_plan *plan, struct lyra_backup_manifest *m,
                      struct lyra_backup_written *w)
{
	char tmp[PATH_MAX], final[PATH_MAX];
	struct chosen c;
	struct sink k;
	struct lyra_pack *pk = NULL;
	char *mtext = NULL;
	int snap_fd, rc = -1;

	memset(w, 0, sizeof *w);
	memset(&k, 0, sizeof k);
	k.fd = -1;
	if (fill_manifest(plan, m) != 0) {
		lyra_backup_manifest_release(m);
		return -1;
	}
	snprintf(w->file, sizeof w->file, "%s.tar.zst%s", m->id, plan->key ? ".enc" : "");
	if ((size_t)snprintf(final, sizeof final, "%s/%s", plan->dir, w->file) >= sizeof final ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s/.%s.tmp", plan->dir, w->file) >= sizeof tmp) {
		lyra_backup_manifest_release(m);
		return lyra_error(LYRA_EX_CANTCREAT, "cannot create an archive in '%s': path too long", plan->dir);
	}
	snap_fd = open(plan->snap_path, O_RDONLY | O_CLOEXEC);
	if (snap_fd < 0) {
		lyra_backup_manifest_release(m);
		return lyra_error(LYRA_EX_IOERR, "cannot open snapshot '%s': %s", plan->snap_path,
		                  strerror(errno));
	}
	if (choose_pages(plan, snap_fd, &c, m) != 0) {
		close(snap_fd);
		lyra_backup_manifest_release(m);
		return -1;
	}
	if (!(mtext = lyra_backup_manifest_encode(m)))
		goto out;
	k.path = tmp;
	k.fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (k.fd < 0) {
		lyra_error(LYRA_EX_CANTCREAT, "cannot create '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (sha_init(&k.sha) != 0)
		goto out_unlink;
	if (plan->key && !(k.env = lyra_envelope_writer(plan->key, sink_raw, &k)))
		goto out_unlink;
	if (!(pk = lyra_pack_writer(sink_pack, &k, plan->level > 0 ? plan->level : 3, plan->threads)) ||
	    write_members(plan, snap_fd, &c, m, mtext, pk) != 0 || lyra_pack_finish(pk) != 0 ||
	    (k.env && lyra_envelope_finish(k.env) != 0))
		goto out_unlink;
	if (fsync(k.fd) != 0) {
		lyra_error(LYRA_EX_IOERR, "cannot write '%s': %s", tmp, strerror(errno));
		goto out_unlink;
	}
	if (close(k.fd) != 0) {
		k.fd = -1;
		lyra_error(LYRA_EX_IOERR, "cannot write '%s': %s", tmp, strerror(errno));
		goto out_unlink;
	}
	k.fd = -1;
	if (link(tmp, final) != 0) {
		lyra_error(errno == EEXIST ? LYRA_EX_CANTCREAT : LYRA_EX_IOERR, "cannot create '%s': %s",
		           final, strerror(errno));
		goto out_unlink;
	}
	unlink(tmp);
	if (fsync_dir(plan->dir) != 0)
		goto out;
	sha_hex(&k.sha, w->sha256);
	w->size = k.bytes;
	rc = 0;
	goto out;
out_unlink:
	unlink(tmp);
out:
	lyra_pack_free(pk);
	lyra_envelope_free(k.env);
	sha_free(&k.sha);
	if (k.fd >= 0)
		close(k.fd);
	close(snap_fd);
	free(mtext);
	chosen_release(&c);
	if (rc != 0)
		lyra_backup_manifest_release(m);
	return rc;
}

/* ---- reading ---- */

int lyra_backup_path(const char *dir, const char *id, char *buf, size_t n)
{
	struct stat sb;
	if ((size_t)snprintf(buf, n, "%s/%s.tar.zst.enc", dir, id) >= n)
		return -1;
	if (stat(buf, &sb) == 0)
		return 1;
	snprintf(buf, n, "%s/%s.tar.zst", dir, id);
	return stat(buf, &sb) == 0 ? 1 : 0;
}

struct reader {
	char path[PATH_MAX];
	int fd;
	struct lyra_envelope *env;
	struct lyra_pack *pack;
	struct lyra_backup_manifest m;
	uint32_t ndelta;
	unsigned char *delta;       /* pagemap.bin of an incremental or differential */
};

static ssize_t src_raw(void *ctx, void *buf, size_t n)
{
	struct reader *r = ctx;
	for (;;) {
		ssize_t got = read(r->fd, buf, n);
		if (got >= 0)
			return got;
		if (errno != EINTR)
			return lyra_error(LYRA_EX_IOERR, "cannot read '%s': %s", r->path, strerror(errno));
	}
}

static ssize_t src_pack(void *ctx, void *buf, size_t n)
{
	struct reader *r = ctx;
	return r->env ? lyra_envelope_read(r->env, buf, n) : src_raw(r, buf, n);
}

static void reader_close(struct reader *r)
{
	if (!r)
		return;
	lyra_pack_free(r->pack);
	lyra_envelope_free(r->env);
	if (r->fd >= 0)
		close(r->fd);
	lyra_backup_manifest_release(&r->m);
	free(r->delta);
	free(r);
}

/* Read exactly n bytes of the current member. 0, or -1 (a short member is damage). */
static int member_read(struct reader *r, const char *name, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = lyra_pack_read(r->pack, (char *)buf + got, n - got);
		if (k < 0)
			return -1;
		if (k == 0)
			return lyra_error(LYRA_EX_NO, "member '%s' is cut short", name);
		got += (size_t)k;
	}
	return 0;
}

static int expect_member(struct reader *r, const char *want, int64_t *size)
{
	const char *name;
	int rc = lyra_pack_next(r->pack, &name, size);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return lyra_error(LYRA_EX_NO, "member '%s' is missing", want);
	if (strcmp(name, want) != 0)
		return lyra_error(LYRA_EX_NO, "found member '%.100s' where '%s' belongs", name, want);
	return 0;
}

static int sealed_header(int fd, const char *path, unsigned char hdr[LYRA_ENVELOPE_HEADER],
                         struct lyra_envelope_kdf *kdf)
{
	ssize_t got = pread_full(fd, hdr, LYRA_ENVELOPE_HEADER, 0);
	if (got < 0)
		return lyra_error(LYRA_EX_IOERR, "cannot read '%s': %s", path, strerror(errno));
	if (got < 7 || memcmp(hdr, LYRA_ENVELOPE_MAGIC, 7) != 0)
		return 0;
	if (lyra_envelope_header(hdr, (size_t)got, kdf) != 0)
		return -1;
	return 1;
}

/* Open backup id's archive in dir and read its manifest. NULL with error.h (not wrapped). */
static struct reader *reader_open(const char *dir, const char *id, struct lyra_backup_keyring *kr)
{
	struct reader *r = calloc(1, sizeof *r);
	unsigned char hdr[LYRA_ENVELOPE_HEADER];
	struct lyra_envelope_kdf kdf;
	char *text = NULL;
	int64_t size;
	int sealed, found;

	if (!r) {
		oom();
		return NULL;
	}
	r->fd = -1;
	found = lyra_backup_path(dir, id, r->path, sizeof r->path);
	if (found <= 0) {
		if (found < 0)
			lyra_error(LYRA_EX_NOINPUT, "archive of backup '%s': path too long", id);
		else
			lyra_error(LYRA_EX_NOINPUT, "archive '%s' is missing", r->path);
		goto fail;
	}
	r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		lyra_error(errno == ENOENT ? LYRA_EX_NOINPUT : LYRA_EX_IOERR, "cannot open '%s': %s",
		           r->path, strerror(errno));
		goto fail;
	}
	sealed = sealed_header(r->fd, r->path, hdr, &kdf);
	if (sealed < 0)
		goto fail;
	if (sealed) {
		const struct lyra_envelope_key *key;
		if (!kr) {
			lyra_error(LYRA_EX_CONFIG, "archive '%s' is encrypted: give its passphrase with "
			           "--passphrase-file FILE or LYRA_BACKUP_KEY_FILE", r->path);
			goto fail;
		}
		if (lseek(r->fd, LYRA_ENVELOPE_HEADER, SEEK_SET) != LYRA_ENVELOPE_HEADER) {
			lyra_error(LYRA_EX_IOERR, "cannot read '%s': %s", r->path, strerror(errno));
			goto fail;
		}
		if (!(key = lyra_backup_keyring_key(kr, &kdf)) ||
		    !(r->env = lyra_envelope_reader(key, hdr, src_raw, r)))
			goto fail;
	}
	if (!(r->pack = lyra_pack_reader(src_pack, r)) || expect_member(r, M_MANIFEST, &size) != 0)
		goto fail;
	if (size <= 0 || size > MAX_MANIFEST) {
		lyra_error(LYRA_EX_NO, "member '" M_MANIFEST "' has a bad size (%lld bytes)", (long long)size);
		goto fail;
	}
	if (!(text = malloc((size_t)size))) {
		oom();
		goto fail;
	}
	if (member_read(r, M_MANIFEST, text, (size_t)size) != 0 ||
	    lyra_backup_manifest_parse(text, (size_t)size, &r->m) != 0)
		goto fail;
	free(text);
	text = NULL;
	if (strcmp(r->m.id, id) != 0) {
		lyra_error(LYRA_EX_NO, "it holds backup '%s', not '%s'", r->m.id, id);
		goto fail;
	}
	if (r->m.encrypted != sealed) {
		lyra_error(LYRA_EX_NO, "its manifest says %s but the file is %s",
		           r->m.encrypted ? "encrypted" : "plain", sealed ? "encrypted" : "plain");
		goto fail;
	}
	return r;
fail:
	free(text);
	if (r->path[0] && lyra_error_code() != LYRA_EX_NOINPUT && lyra_error_code() != LYRA_EX_CONFIG)
		lyra_error_wrap("archive '%s'", r->path);
	reader_close(r);
	return NULL;
}

/* Read pagemap.bin into map: a full replaces it, a delta resizes and overwrites entries. */
static int reader_map(struct reader *r, struct lyra_backup_map *map)
{
	const struct lyra_backup_manifest *m = &r->m;
	unsigned char *buf = NULL;
	char hex[LYRA_BACKUP_SHA_HEX];
	struct sha h;
	int64_t size;

	if (expect_member(r, M_MAP, &size) != 0)
		return -1;
	if (size != m->map.size)
		return lyra_error(LYRA_EX_NO, "member '" M_MAP "' has %lld bytes, the manifest says %lld",
		                  (long long)size, (long long)m->map.size);
	if (!(buf = malloc(size ? (size_t)size : 1)))
		return oom();
	if (member_read(r, M_MAP, buf, (size_t)size) != 0 || sha_init(&h) != 0) {
		free(buf);
		return -1;
	}
	sha_update(&h, buf, (size_t)size);
	sha_hex(&h, hex);
	if (strcmp(hex, m->map.sha256) != 0) {
		free(buf);
		return lyra_error(LYRA_EX_NO, "member '" M_MAP "' does not match its sha-256 in the manifest");
	}
	if (m->kind == LYRA_BACKUP_FULL) {
		if (map_resize(map, 0) != 0 || map_resize(map, m->pages) != 0) {
			free(buf);
			return -1;
		}
		memcpy(map->hash, buf, (size_t)size);
		map->page_size = m->page_size;
		free(buf);
		return 0;
	}
	if (map->page_size != m->page_size) {
		free(buf);
		return lyra_error(LYRA_EX_NO, "its page size %u differs from its base's %u", m->page_size,
		                  map->page_size);
	}
	uint32_t prev = 0;
	for (uint32_t i = 0; i < m->changed; i++) {
		const unsigned char *e = buf + (size_t)i * 36;
		uint32_t pg = (uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3];
		if (pg <= prev || pg > m->pages) {
			free(buf);
			return lyra_error(LYRA_EX_NO, "member '" M_MAP "' lists page %u out of order or range", pg);
		}
		prev = pg;
	}
	if (map_resize(map, m->pages) != 0) {
		free(buf);
		return -1;
	}
	for (uint32_t i = 0; i < m->changed; i++) {
		const unsigned char *e = buf + (size_t)i * 36;
		uint32_t pg = (uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3];
		memcpy(map->hash[pg - 1], e + 4, 32);
	}
	free(r->delta);
	r->delta = buf;
	r->ndelta = m->changed;
	return 0;
}

static int pwrite_full(int fd, const void *buf, size_t n, off_t off, const char *path)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w = pwrite(fd, (const char *)buf + done, n - done, off + (off_t)done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return lyra_error(LYRA_EX_IOERR, "cannot write '%s': %s", path, strerror(errno));
		}
		done += (size_t)w;
	}
	return 0;
}

/* Read the data member onto out (pages at their offsets), checking every page against map and
 * the member against its sha-256. */
static int reader_data(struct reader *r, const struct lyra_backup_map *map, int out,
                       const char *out_path, const struct lyra_backup_progress *pr)
{
	const struct lyra_backup_manifest *m = &r->m;
	const char *name = m->kind == LYRA_BACKUP_FULL ? M_DB : M_PAGES;
	uint32_t psz = m->page_size, count = m->kind == LYRA_BACKUP_FULL ? m->pages : m->changed;
	uint32_t per = IO_BLOCK / psz ? IO_BLOCK / psz : 1, held = 0, first = 0;
	EVP_MD_CTX *pctx = EVP_MD_CTX_new();
	unsigned char *run = malloc((size_t)per * psz), *page, md[32];
	char hex[LYRA_BACKUP_SHA_HEX];
	struct sha h;
	int64_t size;
	int rc = -1;

	h.ctx = NULL;
	if (!pctx || !run || sha_init(&h) != 0) {
		oom();
		goto out;
	}
	if (expect_member(r, name, &size) != 0)
		goto out;
	if (size != m->data.size) {
		lyra_error(LYRA_EX_NO, "member '%s' has %lld bytes, the manifest says %lld", name,
		           (long long)size, (long long)m->data.size);
		goto out;
	}
	/* pages are written in runs of consecutive page numbers, one pwrite per run */
	for (uint32_t i = 0; i < count; i++) {
		uint32_t pg;
		page = run + (size_t)held * psz;
		if (member_read(r, name, page, psz) != 0)
			goto out;
		sha_update(&h, page, psz);
		if (m->kind == LYRA_BACKUP_FULL) {
			pg = i + 1;
		} else {
			const unsigned char *e = r->delta + (size_t)i * 36;
			pg = (uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3];
		}
		page_hash(pctx, page, psz, md);
		if (pg > map->pages || memcmp(md, map->hash[pg - 1], 32) != 0) {
			lyra_error(LYRA_EX_NO, "member '%s': page %u (bytes %llu..%llu) does not match its hash",
			           name, pg, (unsigned long long)i * psz,
			           (unsigned long long)(i + 1) * psz - 1);
			goto out;
		}
		if (held && pg != first + held) {
			if (pwrite_full(out, run, (size_t)held * psz, (off_t)(first - 1) * psz, out_path) != 0)
				goto out;
			memmove(run, page, psz);
			held = 0;
		}
		if (!held)
			first = pg;
		if (++held == per || i + 1 == count) {
			if (pwrite_full(out, run, (size_t)held * psz, (off_t)(first - 1) * psz, out_path) != 0)
				goto out;
			held = 0;
		}
		if ((i & 255) == 255 || i + 1 == count)
			progress(pr, "read", (int64_t)i + 1, count);
	}
	sha_hex(&h, hex);
	if (strcmp(hex, m->data.sha256) != 0) {
		lyra_error(LYRA_EX_NO, "member '%s' does not match its sha-256 in the manifest", name);
		goto out;
	}
	rc = 0;
out:
	sha_free(&h);
	EVP_MD_CTX_free(pctx);
	free(run);
	return rc;
}

/* After the data: no further member, and (sealed) the authenticated end. */
static int reader_end(struct reader *r)
{
	const char *name;
	int64_t size;
	int rc = lyra_pack_next(r->pack, &name, &size);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return lyra_error(LYRA_EX_NO, "unexpected member '%.100s' after the data", name);
	if (r->env) {
		unsigned char buf[4096];
		ssize_t n;
		while ((n = lyra_envelope_read(r->env, buf, sizeof buf)) > 0)
			;
		if (n < 0)
			return -1;
	}
	return 0;
}

int lyra_backup_read_manifest(const char *dir, const char *id, struct lyra_backup_keyring *kr,
                              struct lyra_backup_manifest *m)
{
	struct reader *r = reader_open(dir, id, kr);
	if (!r)
		return -1;
	*m = r->m;
	memset(&r->m, 0, sizeof r->m);
	reader_close(r);
	return 0;
}

int lyra_backup_sealed_kdf(const char *dir, const char *id, struct lyra_envelope_kdf *kdf)
{
	char path[PATH_MAX];
	unsigned char hdr[LYRA_ENVELOPE_HEADER];
	int fd, rc;

	if (lyra_backup_path(dir, id, path, sizeof path) <= 0)
		return lyra_error(LYRA_EX_NOINPUT, "archive of backup '%s' is missing from '%s'", id, dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return lyra_error(LYRA_EX_NOINPUT, "cannot open '%s': %s", path, strerror(errno));
	rc = sealed_header(fd, path, hdr, kdf);
	close(fd);
	if (rc < 0)
		return lyra_error_wrap("archive '%s'", path);
	return rc;
}

/* Open chain member i of m, checking it belongs to that chain. */
static struct reader *open_member(const char *dir, const struct lyra_backup_manifest *m, int i,
                                  struct lyra_backup_keyring *kr)
{
	struct reader *r = reader_open(dir, m->chain[i], kr);
	if (!r)
		return NULL;
	int same = r->m.nchain == i + 1;
	for (int k = 0; same && k <= i; k++)
		same = strcmp(r->m.chain[k], m->chain[k]) == 0;
	if (!same) {
		lyra_error(LYRA_EX_NO, "archive '%s': backup '%s' belongs to another chain than '%s'",
		           r->path, m->chain[i], m->id);
		reader_close(r);
		return NULL;
	}
	return r;
}

static int wrap_member(const struct lyra_backup_manifest *m, int i)
{
	if (i == m->nchain - 1)
		return lyra_error_wrap("backup '%s'", m->id);
	return lyra_error_wrap("backup '%s' needs '%s'", m->id, m->chain[i]);
}

int lyra_backup_chain_map(const char *dir, const struct lyra_backup_manifest *m,
                          struct lyra_backup_keyring *kr, struct lyra_backup_map *map)
{
	memset(map, 0, sizeof *map);
	for (int i = 0; i < m->nchain; i++) {
		struct reader *r = open_member(dir, m, i, kr);
		if (!r || reader_map(r, map) != 0) {
			if (r)
				lyra_error_wrap("archive '%s'", r->path);
			reader_close(r);
			lyra_backup_map_release(map);
			return wrap_member(m, i);
		}
		reader_close(r);
	}
	return 0;
}

int lyra_backup_rebuild(const char *dir, const char *id, struct lyra_backup_keyring *kr,
                        const char *out_path, struct lyra_backup_manifest *m,
                        const struct lyra_backup_progress *pr)
{
	struct lyra_backup_map map;
	char hex[LYRA_BACKUP_SHA_HEX];
	int out = -1, i;

	memset(&map, 0, sizeof map);
	if (lyra_backup_read_manifest(dir, id, kr, m) != 0)
		return lyra_error_wrap("backup '%s'", id);
	for (i = 0; i < m->nchain - 1; i++) {
		char path[PATH_MAX];
		if (lyra_backup_path(dir, m->chain[i], path, sizeof path) == 0) {
			lyra_error(LYRA_EX_NO, "backup '%s' needs '%s', whose archive '%s' is missing", id,
			           m->chain[i], path);
			goto fail;
		}
	}
	out = open(out_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		lyra_error(LYRA_EX_CANTCREAT, "cannot create '%s': %s", out_path, strerror(errno));
		goto fail;
	}
	for (i = 0; i < m->nchain; i++) {
		struct reader *r = open_member(dir, m, i, kr);
		if (!r || reader_map(r, &map) != 0 || reader_data(r, &map, out, out_path, pr) != 0 ||
		    reader_end(r) != 0) {
			if (r && lyra_error_code() == LYRA_EX_NO)
				lyra_error_wrap("archive '%s'", r->path);
			reader_close(r);
			wrap_member(m, i);
			goto fail_unlink;
		}
		if (ftruncate(out, (off_t)r->m.pages * r->m.page_size) != 0) {
			lyra_error(LYRA_EX_IOERR, "cannot write '%s': %s", out_path, strerror(errno));
			reader_close(r);
			goto fail_unlink;
		}
		reader_close(r);
	}
	if (close(out) != 0) {
		out = -1;
		lyra_error(LYRA_EX_IOERR, "cannot write '%s': %s", out_path, strerror(errno));
		goto fail_unlink;
	}
	out = -1;
	if (lyra_backup_file_sha256(out_path, hex, NULL) != 0)
		goto fail_unlink;
	if (strcmp(hex, m->db_sha256) != 0) {
		lyra_error(LYRA_EX_NO, "backup '%s': the rebuilt copy does not match the snapshot's sha-256",
		           id);
		goto fail_unlink;
	}
	lyra_backup_map_release(&map);
	return 0;
fail_unlink:
	if (out >= 0)
		close(out);
	out = -1;
	unlink(out_path);
fail:
	if (out >= 0)
		close(out);
	lyra_backup_map_release(&map);
	lyra_backup_manifest_release(m);
	return -1;
}

/* ---- checking a copy ---- */

int lyra_backup_check_copy(const char *path, const struct lyra_backup_manifest *m, char *why,
                           size_t whylen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	struct lyra_store *st;
	struct lyra_audit_anchor anchor;
	struct lyra_audit_report rep;
	int rc;

	why[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(why, whylen, "the copy does not open: %s", db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return 1;
	}
	rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check(5)", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);
		if (!t || strcmp(t, "ok") != 0)
			snprintf(why, whylen, "integrity_check: %s", t ? t : "no result");
	} else {
		snprintf(why, whylen, "integrity_check failed: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	if (why[0])
		return 1;
	if (!(st = lyra_store_open(path))) {
		snprintf(why, whylen, "the copy does not open as a store: %s", lyra_error_msg());
		return 1;
	}
	anchor.seq = m->audit_seq;
	memcpy(anchor.hash, m->audit_hash, sizeof anchor.hash);
	if (lyra_audit_verify(st, &anchor, m->audit_seq > 0, &rep) != 0) {
		lyra_store_close(st);
		return lyra_error_wrap("cannot check the audit chain of '%s'", path);
	}
	lyra_store_close(st);
	if (rep.damage) {
		snprintf(why, whylen, "audit chain %s at seq %lld: %s", lyra_audit_damage_name(rep.damage),
		         (long long)rep.bad_seq, rep.detail);
		return 1;
	}
	if ((rep.entries ? rep.last_seq : 0) != m->audit_seq) {
		snprintf(why, whylen, "audit chain ends at seq %lld, the manifest says %lld",
		         (long long)(rep.entries ? rep.last_seq : 0), (long long)m->audit_seq);
		return 1;
	}
	return 0;
}

/* ---- the catalogue ---- */

#define ENTRY_COLS "id, kind, ts, created, base_id, full_id, chain_len, dest, file, size, sha256, " \
	"page_size, pages, changed, db_bytes, audit_seq, audit_hash, encrypted, status, verified, " \
	"duration_us, note, journal_seq"

void lyra_backup_entry_from(struct lyra_backup_entry *e, const struct lyra_backup_manifest *m,
                            const char *dest, const struct lyra_backup_written *w)
{
	memset(e, 0, sizeof *e);
	memcpy(e->id, m->id, sizeof e->id);
	e->kind = m->kind;
	e->ts = m->ts;
	e->created = m->created;
	memcpy(e->base, m->base, sizeof e->base);
	memcpy(e->full, m->chain[0], sizeof e->full);
	e->chain_len = m->nchain;
	snprintf(e->dest, sizeof e->dest, "%s", dest);
	memcpy(e->file, w->file, sizeof e->file);
	e->size = w->size;
	memcpy(e->sha256, w->sha256, sizeof e->sha256);
	e->pages = m->pages;
	e->changed = m->changed;
	e->page_size = m->page_size;
	e->db_bytes = m->db_bytes;
	e->audit_seq = m->audit_seq;
	memcpy(e->audit_hash, m->audit_hash, sizeof e->audit_hash);
	e->journal_seq = m->journal_seq;
	e->encrypted = m->encrypted;
}

int lyra_backup_catalog_add(struct lyra_store *st, const struct lyra_backup_entry *e)
{
	sqlite3_stmt *s = lyra_store_cached(st, "INSERT INTO backup (" ENTRY_COLS ") VALUES "
		"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
		"?20, ?21, ?22, ?23)");
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, e->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, lyra_backup_kind_name(e->kind), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, e->ts);
	sqlite3_bind_int64(s, 4, e->created);
	if (e->base[0])
		sqlite3_bind_text(s, 5, e->base, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, e->full, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, e->chain_len);
	sqlite3_bind_text(s, 8, e->dest, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, e->file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 10, e->size);
	sqlite3_bind_text(s, 11, e->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 12, e->page_size);
	sqlite3_bind_int64(s, 13, e->pages);
	sqlite3_bind_int64(s, 14, e->changed);
	sqlite3_bind_int64(s, 15, e->db_bytes);
	sqlite3_bind_int64(s, 16, e->audit_seq);
	sqlite3_bind_text(s, 17, e->audit_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 18, e->encrypted);
	sqlite3_bind_text(s, 19, e->status == LYRA_BACKUP_GOOD ? "good" : "damaged", -1, SQLITE_STATIC);
	if (e->verified)
		sqlite3_bind_int64(s, 20, e->verified);
	sqlite3_bind_int64(s, 21, e->duration_us);
	sqlite3_bind_text(s, 22, e->note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 23, e->journal_seq);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot record the backup in the catalogue");
	return 0;
}

static void col_text(sqlite3_stmt *s, int i, char *dst, size_t n)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	snprintf(dst, n, "%s", t ? (const char *)t : "");
}

int lyra_backup_catalog_list(struct lyra_store *st, const char *dest,
                             struct lyra_backup_entry **out, size_t *n)
{
	sqlite3_stmt *s = lyra_store_prepare(st, "SELECT " ENTRY_COLS " FROM backup "
	                                         "WHERE ?1 IS NULL OR dest = ?1 ORDER BY ts, id");
	struct lyra_backup_entry *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	if (dest)
		sqlite3_bind_text(s, 1, dest, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lyra_backup_entry *e;
		char kind[32], status[16];
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 16;
			void *p = realloc(v, nc * sizeof *v);
			if (!p) {
				free(v);
				sqlite3_finalize(s);
				return oom();
			}
			v = p;
			cap = nc;
		}
		e = &v[len++];
		memset(e, 0, sizeof *e);
		col_text(s, 0, e->id, sizeof e->id);
		col_text(s, 1, kind, sizeof kind);
		if (lyra_backup_kind_parse(kind, &e->kind) != 0)
			e->kind = LYRA_BACKUP_FULL;
		e->ts = sqlite3_column_int64(s, 2);
		e->created = sqlite3_column_int64(s, 3);
		col_text(s, 4, e->base, sizeof e->base);
		col_text(s, 5, e->full, sizeof e->full);
		e->chain_len = sqlite3_column_int(s, 6);
		col_text(s, 7, e->dest, sizeof e->dest);
		col_text(s, 8, e->file, sizeof e->file);
		e->size = sqlite3_column_int64(s, 9);
		col_text(s, 10, e->sha256, sizeof e->sha256);
		e->page_size = (uint32_t)sqlite3_column_int64(s, 11);
		e->pages = (uint32_t)sqlite3_column_int64(s, 12);
		e->changed = (uint32_t)sqlite3_column_int64(s, 13);
		e->db_bytes = sqlite3_column_int64(s, 14);
		e->audit_seq = sqlite3_column_int64(s, 15);
		col_text(s, 16, e->audit_hash, sizeof e->audit_hash);
		e->encrypted = sqlite3_column_int(s, 17);
		col_text(s, 18, status, sizeof status);
		e->status = strcmp(status, "good") == 0 ? LYRA_BACKUP_GOOD : LYRA_BACKUP_DAMAGED;
		e->verified = sqlite3_column_int64(s, 19);
		e->duration_us = sqlite3_column_int64(s, 20);
		col_text(s, 21, e->note, sizeof e->note);
		e->journal_seq = sqlite3_column_int64(s, 22);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return lyra_store_fail(st, "cannot read the backup catalogue");
	}
	*out = v;
	*n = len;
	return 0;
}

int lyra_backup_catalog_mark(struct lyra_store *st, const char *id, enum lyra_backup_status status,
                             const char *note)
{
	sqlite3_stmt *s = lyra_store_cached(st, "UPDATE backup SET status = ?2, note = ?3, "
	                                        "verified = CASE WHEN ?2 = 'good' THEN ?4 ELSE verified END "
	                                        "WHERE id = ?1");
	int rc;
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, status == LYRA_BACKUP_GOOD ? "good" : "damaged", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, note ? note : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, lyra_time_now_us());
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot update the backup catalogue");
	return 0;
}

int lyra_backup_catalog_remove(struct lyra_store *st, const char *id)
{
	sqlite3_stmt *s = lyra_store_cached(st, "DELETE FROM backup WHERE id = ?1");
	int rc;
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot update the backup catalogue");
	return 0;
}

int lyra_backup_latest_anchor(struct lyra_store *st, struct lyra_audit_anchor *a)
{
	sqlite3_stmt *s = lyra_store_cached(st, "SELECT audit_seq, audit_hash FROM backup "
	                                        "WHERE status = 'good' ORDER BY audit_seq DESC LIMIT 1");
	int rc;
	if (!s)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		a->seq = sqlite3_column_int64(s, 0);
		lyra_audit_copy_hash(a->hash, (const char *)sqlite3_column_text(s, 1));
		sqlite3_reset(s);
		return 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(st, "cannot read the backup catalogue");
	return 0;
}
