/* vault.c: sealed secrets in the store (vault.h): AES-256-GCM entries under data keys that are
 * kept only wrapped by the master key (PBKDF2 from the master secret) or the local key file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "codec.h"
#include "error.h"
#include "secret.h"
#include "vault.h"

#define SEAL_VERSION 1
#define NONCE_LEN 12
#define TAG_LEN 16
#define SEAL_OVERHEAD (1 + NONCE_LEN + TAG_LEN)

static const char *const class_name[] = { "system", "data" };

void lyra_vault_init(struct lyra_vault *v, struct lyra_store *st)
{
	memset(v, 0, sizeof *v);
	v->st = st;
}

void lyra_vault_release(struct lyra_vault *v)
{
	struct lyra_store *st = v->st;
	lyra_secret_wipe(v, sizeof *v);
	v->st = st;
}

static int from_hex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];
			v <<= 4;
			if (c >= '0' && c <= '9') v |= c - '0';
			else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
			else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
			else return -1;
		}
		out[i] = (unsigned char)v;
	}
	return s[2 * n] == '\0' ? 0 : -1;
}

/* AES-256-GCM: out = version || nonce || ciphertext || tag. Returns the length or -1. */
static int seal(const unsigned char key[32], const char *aad, const void *pt, size_t n,
                unsigned char *out, size_t cap)
{
	EVP_CIPHER_CTX *ctx;
	int len = 0, fin = 0, ok;

	if (cap < n + SEAL_OVERHEAD || n > INT_MAX / 2)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot seal: value too large");
	out[0] = SEAL_VERSION;
	if (RAND_bytes(out + 1, NONCE_LEN) != 1)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot seal: no random bytes");
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
	     EVP_EncryptInit_ex(ctx, NULL, NULL, key, out + 1) == 1 &&
	     EVP_EncryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
	     EVP_EncryptUpdate(ctx, out + 1 + NONCE_LEN, &len, pt, (int)n) == 1 &&
	     EVP_EncryptFinal_ex(ctx, out + 1 + NONCE_LEN + len, &fin) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + 1 + NONCE_LEN + n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok || (size_t)(len + fin) != n)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot seal: encryption failed");
	return (int)(n + SEAL_OVERHEAD);
}

/* Open a sealed blob into out. Returns the length, or -1 (LYRA_EX_NOPERM when the tag fails:
 * wrong key or altered data; the caller says which). */
static int unseal(const unsigned char key[32], const char *aad, const unsigned char *blob,
                  size_t n, unsigned char *out, size_t cap)
{
	EVP_CIPHER_CTX *ctx;
	int len = 0, fin = 0, ok;
	size_t ctlen;

	if (n < SEAL_OVERHEAD || blob[0] != SEAL_VERSION)
		return lyra_error(LYRA_EX_IOERR, "sealed value is malformed");
	ctlen = n - SEAL_OVERHEAD;
	if (ctlen > cap)
		return lyra_error(LYRA_EX_SOFTWARE, "sealed value larger than its buffer");
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
	     EVP_DecryptInit_ex(ctx, NULL, NULL, key, blob + 1) == 1 &&
	     EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
	     EVP_DecryptUpdate(ctx, out, &len, blob + 1 + NONCE_LEN, (int)ctlen) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
	                         (void *)(blob + 1 + NONCE_LEN + ctlen)) == 1 &&
	     EVP_DecryptFinal_ex(ctx, out + len, &fin) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		lyra_secret_wipe(out, ctlen);
		return lyra_error(LYRA_EX_NOPERM, "sealed value does not open with this key");
	}
	return (int)ctlen;
}

static void wrap_aad(char *buf, size_t n, const char *kek, int64_t key_id)
{
	snprintf(buf, n, "lyra-vault-wrap|%s|%lld", kek, (long long)key_id);
}

static void entry_aad(char *buf, size_t n, const char *name, int64_t key_id)
{
	snprintf(buf, n, "lyra-vault-entry|%s|%lld", name, (long long)key_id);
}

/* ---- the local key ---- */

int lyra_vault_local_path(char *buf, size_t n)
{
	const char *env = getenv("LYRA_LOCAL_KEY_FILE"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int len;

	if (env && *env)
		len = snprintf(buf, n, "%s", env);
	else if (xdg && *xdg)
		len = snprintf(buf, n, "%s/lyra/local.key", xdg);
	else if (home && *home)
		len = snprintf(buf, n, "%s/.config/lyra/local.key", home);
	else
		return lyra_error(LYRA_EX_CONFIG, "cannot find the local key: neither HOME nor "
		                  "XDG_CONFIG_HOME is set");
	if (len < 0 || (size_t)len >= n)
		return lyra_error(LYRA_EX_CONFIG, "local key path too long");
	return 0;
}

static int make_dirs(const char *path)
{
	char dir[PATH_MAX];
	struct stat sb;
	char *slash;

	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &sb) == 0)
		return S_ISDIR(sb.st_mode) ? 0 : -1;
	if (make_dirs(dir) != 0)
		return -1;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

static void set_local(struct lyra_vault *v, const unsigned char key[32])
{
	unsigned char md[32];
	char hex[17];
	unsigned int mdlen = 0;

	memcpy(v->local, key, 32);
	EVP_Digest(key, 32, md, &mdlen, EVP_sha256(), NULL);
	lyra_hex_encode(md, 8, hex);
	snprintf(v->local_kek, sizeof v->local_kek, "local:%s", hex);
	v->have_local = 1;
}

int lyra_vault_load_local(struct lyra_vault *v, int create)
{
	char path[PATH_MAX], text[80];
	unsigned char key[32];
	int len;

	if (v->have_local)
		return 0;
	if (lyra_vault_local_path(path, sizeof path) != 0)
		return -1;
	if (create && access(path, F_OK) != 0) {
		char hex[66];
		int fd;
		if (RAND_bytes(key, sizeof key) != 1)
			return lyra_error(LYRA_EX_SOFTWARE, "cannot make the local key: no random bytes");
		if (make_dirs(path) != 0)
			return lyra_error(LYRA_EX_CANTCREAT, "cannot create the folder of '%s': %s", path,
			                  strerror(errno));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			ssize_t w;
			lyra_hex_encode(key, sizeof key, hex);
			hex[64] = '\n';
			w = write(fd, hex, 65);
			lyra_secret_wipe(hex, sizeof hex);
			if (w != 65 || fsync(fd) != 0 || close(fd) != 0) {
				unlink(path);
				lyra_secret_wipe(key, sizeof key);
				return lyra_error(LYRA_EX_CANTCREAT, "cannot write the local key '%s': %s",
				                  path, strerror(errno));
			}
			set_local(v, key);
			lyra_secret_wipe(key, sizeof key);
			return 0;
		}
		if (errno != EEXIST)
			return lyra_error(LYRA_EX_CANTCREAT, "cannot create the local key '%s': %s", path,
			                  strerror(errno));
	}
	len = lyra_secret_read_file(path, text, sizeof text);
	if (len < 0) {
		char why[512];
		snprintf(why, sizeof why, "%s", lyra_error_msg());
		return lyra_error(LYRA_EX_CONFIG, "cannot open the store's session keys (the local key "
		                  "that 'auth init' made): %s", why);
	}
	if (len != 64 || from_hex(text, key, sizeof key) != 0) {
		lyra_secret_wipe(text, sizeof text);
		return lyra_error(LYRA_EX_CONFIG, "local key '%s' is malformed: expected 64 hex digits",
		                  path);
	}
	lyra_secret_wipe(text, sizeof text);
	set_local(v, key);
	lyra_secret_wipe(key, sizeof key);
	return 0;
}

/* ---- the master key ---- */

static int derive(const char *secret, size_t n, const unsigned char *salt, size_t saltlen,
                  unsigned iter, unsigned char out[32])
{
	if (PKCS5_PBKDF2_HMAC(secret, (int)n, salt, (int)saltlen, (int)iter, EVP_sha256(), 32, out) != 1)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot derive the master key");
	return 0;
}

/* Parse "pbkdf2-sha256:ITER:SALTHEX". 0 or -1. */
static int parse_kdf(const char *kdf, unsigned *iter, unsigned char salt[16])
{
	char hex[33];
	unsigned long it;
	char *end;
	const char *p;

	if (strncmp(kdf, "pbkdf2-sha256:", 14) != 0)
		return -1;
	it = strtoul(kdf + 14, &end, 10);
	if (*end != ':' || it < 1000 || it > 100000000UL)
		return -1;
	p = end + 1;
	if (strlen(p) != 32)
		return -1;
	memcpy(hex, p, 33);
	if (from_hex(hex, salt, 16) != 0)
		return -1;
	*iter = (unsigned)it;
	return 0;
}

/* Some key wrapped by the master key opens with v->master: 1 yes, 0 no such wrap, -1 no. */
static int master_check(struct lyra_vault *v)
{
	sqlite3_stmt *s = lyra_store_cached(v->st,
		"SELECT key_id, blob FROM vault_wraps WHERE kek = 'master' ORDER BY key_id DESC LIMIT 1");
	unsigned char key[32 + 8];
	char aad[96];
	int rc, ok = 0;

	if (!s)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		wrap_aad(aad, sizeof aad, "master", sqlite3_column_int64(s, 0));
		ok = unseal(v->master, aad, sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1),
		            key, sizeof key) == 32 ? 1 : -1;
		lyra_secret_wipe(key, sizeof key);
	} else if (rc != SQLITE_DONE) {
		sqlite3_reset(s);
		return lyra_store_fail(v->st, "cannot read the vault");
	}
	sqlite3_reset(s);
	return ok;
}

int lyra_vault_unlock(struct lyra_vault *v, const char *secret, size_t n)
{
	char *kdf = lyra_store_meta_get(v->st, "vault.kdf");
	unsigned char salt[16];
	unsigned iter;
	char salthex[33];

	v->have_master = 0;
	v->master_new = 0;
	if (kdf) {
		int bad = parse_kdf(kdf, &iter, salt);
		free(kdf);
		if (bad)
			return lyra_error(LYRA_EX_IOERR, "store '%s': the vault's key parameters are damaged",
			                  v->st->path);
		if (derive(secret, n, salt, sizeof salt, iter, v->master) != 0)
			return -1;
		v->have_master = 1;
		if (master_check(v) < 0) {
			lyra_secret_wipe(v->master, sizeof v->master);
			v->have_master = 0;
			return lyra_error(LYRA_EX_NOPERM, "wrong master secret for the vault of store '%s'",
			                  v->st->path);
		}
		return 0;
	}
	if (n < LYRA_VAULT_MASTER_MIN)
		return lyra_error(LYRA_EX_CONFIG, "master secret too short: at least %d bytes for a new "
		                  "vault", LYRA_VAULT_MASTER_MIN);
	if (RAND_bytes(salt, sizeof salt) != 1)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot make a salt: no random bytes");
	iter = LYRA_VAULT_KDF_ITER;
	if (derive(secret, n, salt, sizeof salt, iter, v->master) != 0)
		return -1;
	lyra_hex_encode(salt, sizeof salt, salthex);
	snprintf(v->kdf, sizeof v->kdf, "pbkdf2-sha256:%u:%s", iter, salthex);
	v->have_master = 1;
	v->master_new = 1;
	return 0;
}

int lyra_vault_unlock_default(struct lyra_vault *v)
{
	char buf[LYRA_SECRET_MAX], again[LYRA_SECRET_MAX];
	const char *file = getenv("LYRA_MASTER_KEY_FILE");
	int len, rc;

	if (file && *file) {
		len = lyra_secret_read_file(file, buf, sizeof buf);
		if (len < 0)
			return lyra_error_wrap("cannot read the master secret (LYRA_MASTER_KEY_FILE)");
	} else if (lyra_secret_interactive()) {
		char *kdf = lyra_store_meta_get(v->st, "vault.kdf");
		len = lyra_secret_read("master secret: ", buf, sizeof buf);
		if (len >= 0 && !kdf) {
			int len2 = lyra_secret_read("master secret again: ", again, sizeof again);
			if (len2 != len || CRYPTO_memcmp(buf, again, (size_t)len) != 0) {
				lyra_secret_wipe(again, sizeof again);
				lyra_secret_wipe(buf, sizeof buf);
				free(kdf);
				return lyra_error(LYRA_EX_USAGE, "the master secrets typed do not match");
			}
			lyra_secret_wipe(again, sizeof again);
		}
		free(kdf);
		if (len < 0)
			return -1;
	} else {
		return lyra_error(LYRA_EX_CONFIG, "the vault needs the master secret: set "
		                  "LYRA_MASTER_KEY_FILE to a file holding it (mode 0600), or run on a terminal");
	}
	rc = lyra_vault_unlock(v, buf, (size_t)len);
	lyra_secret_wipe(buf, sizeof buf);
	return rc;
}

/* ---- data keys ---- */

static int ensure_local(struct lyra_vault *v, int create)
{
	return lyra_vault_load_local(v, create);
}

static int insert_wrap(struct lyra_vault *v, int64_t key_id, const char *kek,
                       const unsigned char *kekey, const unsigned char key[32])
{
	unsigned char blob[32 + SEAL_OVERHEAD];
	char aad[96];
	sqlite3_stmt *s;
	int n, rc;

	wrap_aad(aad, sizeof aad, kek, key_id);
	n = seal(kekey, aad, key, 32, blob, sizeof blob);
	if (n < 0)
		return -1;
	s = lyra_store_cached(v->st, "INSERT OR REPLACE INTO vault_wraps(key_id, kek, blob) VALUES (?1, ?2, ?3)");
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, key_id);
	sqlite3_bind_text(s, 2, kek, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 3, blob, n, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(v->st, "cannot store a wrapped key");
	return 0;
}

static int open_key(struct lyra_vault *v, int64_t key_id, enum lyra_vault_class cls,
                    unsigned char key[32]);

/* Give every system key that has no master wrap one, so that the master secret can open the
 * session keys where the local key file is lost. Best effort: keys the local key does not open
 * are left as they are. */
static int wrap_system_under_master(struct lyra_vault *v)
{
	sqlite3_stmt *s;
	int64_t ids[64];
	int n = 0, rc;

	if (!v->have_master || ensure_local(v, 0) != 0) {
		lyra_error_clear();
		return 0;
	}
	s = lyra_store_prepare(v->st, "SELECT id FROM vault_keys WHERE class = 'system' AND id NOT IN"
	                              " (SELECT key_id FROM vault_wraps WHERE kek = 'master') LIMIT 64");
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(v->st, "cannot read the vault");
	for (int i = 0; i < n; i++) {
		unsigned char key[32];
		if (open_key(v, ids[i], LYRA_VAULT_SYSTEM, key) != 0) {
			lyra_error_clear();
			continue;
		}
		rc = insert_wrap(v, ids[i], "master", v->master, key);
		lyra_secret_wipe(key, sizeof key);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Make a new current key for cls; its bytes go to key. Returns its id or -1. */
static int64_t new_key(struct lyra_vault *v, enum lyra_vault_class cls, int64_t now,
                       unsigned char key[32])
{
	sqlite3_stmt *s;
	int64_t id;
	int rc;

	if (cls == LYRA_VAULT_DATA && !v->have_master)
		return lyra_error(LYRA_EX_CONFIG, "the vault needs the master secret");
	if (cls == LYRA_VAULT_SYSTEM && ensure_local(v, 1) != 0)
		return -1;
	if (!v->st->in_tx)
		return lyra_error(LYRA_EX_SOFTWARE, "vault writes need a transaction");
	if (cls == LYRA_VAULT_DATA && v->master_new) {
		char *kdf = lyra_store_meta_get(v->st, "vault.kdf");
		if (kdf) {
			free(kdf);
			return lyra_error(LYRA_EX_TEMPFAIL, "another process set the vault's master secret "
			                  "meanwhile: try again");
		}
		if (lyra_store_meta_set(v->st, "vault.kdf", v->kdf) != 0)
			return -1;
		v->master_new = 0;
	}
	if (RAND_bytes(key, 32) != 1)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot make a key: no random bytes");
	s = lyra_store_cached(v->st, "INSERT INTO vault_keys(class, created) VALUES (?1, ?2)");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, class_name[cls], -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(v->st, "cannot store a new vault key");
	id = sqlite3_last_insert_rowid(v->st->db);
	if (cls == LYRA_VAULT_SYSTEM && insert_wrap(v, id, v->local_kek, v->local, key) != 0)
		return -1;
	if (v->have_master && insert_wrap(v, id, "master", v->master, key) != 0)
		return -1;
	if (cls == LYRA_VAULT_DATA && wrap_system_under_master(v) != 0)
		return -1;
	return id;
}

/* Open key_id (of class cls) into key. 0 or -1 with error.h. */
static int open_key(struct lyra_vault *v, int64_t key_id, enum lyra_vault_class cls,
                    unsigned char key[32])
{
	sqlite3_stmt *s = lyra_store_cached(v->st,
		"SELECT kek, blob FROM vault_wraps WHERE key_id = ?1 AND (kek = ?2 OR kek = ?3)"
		" ORDER BY kek = ?2 DESC");
	unsigned char out[40];
	char aad[96];
	int rc, n = -1, tried = 0;

	if (cls == LYRA_VAULT_SYSTEM && !v->have_local && ensure_local(v, 0) != 0 && !v->have_master)
		return -1;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, key_id);
	sqlite3_bind_text(s, 2, v->have_local && cls == LYRA_VAULT_SYSTEM ? v->local_kek : "-", -1,
	                  SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, v->have_master ? "master" : "-", -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && n != 32) {
		const char *kek = (const char *)sqlite3_column_text(s, 0);
		const unsigned char *kk = strcmp(kek, "master") == 0 ? v->master : v->local;
		tried = 1;
		wrap_aad(aad, sizeof aad, kek, key_id);
		n = unseal(kk, aad, sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1), out,
		           sizeof out);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lyra_store_fail(v->st, "cannot read the vault");
	if (n != 32) {
		lyra_secret_wipe(out, sizeof out);
		if (cls == LYRA_VAULT_DATA && !v->have_master)
			return lyra_error(LYRA_EX_CONFIG, "the vault needs the master secret");
		if (!tried && cls == LYRA_VAULT_SYSTEM)
			return lyra_error(LYRA_EX_CONFIG, "cannot open the store's session keys: this "
			                  "store was set up with another local key file (see auth(1))");
		return lyra_error(LYRA_EX_NOPERM, "vault key %lld does not open: wrong key or damaged",
		                  (long long)key_id);
	}
	memcpy(key, out, 32);
	lyra_secret_wipe(out, sizeof out);
	return 0;
}

static int64_t current_key(struct lyra_vault *v, enum lyra_vault_class cls)
{
	sqlite3_stmt *s = lyra_store_cached(v->st,
		"SELECT id FROM vault_keys WHERE class = ?1 AND retired IS NULL ORDER BY id DESC LIMIT 1");
	int64_t id = 0;
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, class_name[cls], -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lyra_store_fail(v->st, "cannot read the vault");
	return id;
}

static int write_entry(struct lyra_vault *v, const char *name, int64_t key_id,
                       const unsigned char key[32], const void *data, size_t n, int64_t now)
{
	unsigned char *blob;
	char aad[600];
	sqlite3_stmt *s;
	int len, rc;

	if (strlen(name) > 500)
		return lyra_error(LYRA_EX_SOFTWARE, "vault entry name too long");
	blob = malloc(n + SEAL_OVERHEAD);
	if (!blob)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	entry_aad(aad, sizeof aad, name, key_id);
	len = seal(key, aad, data, n, blob, n + SEAL_OVERHEAD);
	if (len < 0) {
		free(blob);
		return -1;
	}
	s = lyra_store_cached(v->st,
		"INSERT INTO vault(name, key_id, blob, created, updated) VALUES (?1, ?2, ?3, ?4, ?4)"
		" ON CONFLICT(name) DO UPDATE SET key_id = ?2, blob = ?3, updated = ?4");
	if (!s) {
		free(blob);
		return -1;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, key_id);
	sqlite3_bind_blob(s, 3, blob, len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	free(blob);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(v->st, "cannot store a vault entry");
	return 0;
}

int lyra_vault_put(struct lyra_vault *v, enum lyra_vault_class cls, const char *name,
                   const void *data, size_t n, int64_t now)
{
	unsigned char key[32];
	int64_t id;
	int rc;

	if (n > LYRA_VAULT_VALUE_MAX)
		return lyra_error(LYRA_EX_DATAERR, "secret too large for the vault (over %d bytes)",
		                  LYRA_VAULT_VALUE_MAX);
	if (!v->st->in_tx)
		return lyra_error(LYRA_EX_SOFTWARE, "vault writes need a transaction");
	id = current_key(v, cls);
	if (id < 0)
		return -1;
	if (id == 0)
		id = new_key(v, cls, now, key);
	else if (open_key(v, id, cls, key) != 0)
		return -1;
	if (id < 0)
		return -1;
	rc = write_entry(v, name, id, key, data, n, now);
	lyra_secret_wipe(key, sizeof key);
	return rc;
}

/* The key id and class of entry name: 1 found, 0 absent, -1 error. */
static int entry_key(struct lyra_vault *v, const char *name, int64_t *key_id,
                     enum lyra_vault_class *cls)
{
	sqlite3_stmt *s = lyra_store_cached(v->st,
		"SELECT v.key_id, k.class FROM vault v JOIN vault_keys k ON k.id = v.key_id WHERE v.name = ?1");
	int rc, found = 0;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(s, 1);
		*key_id = sqlite3_column_int64(s, 0);
		*cls = c && strcmp(c, "data") == 0 ? LYRA_VAULT_DATA : LYRA_VAULT_SYSTEM;
		found = 1;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return lyra_store_fail(v->st, "cannot read the vault");
	return found;
}

int lyra_vault_has(struct lyra_vault *v, const char *name)
{
	int64_t id;
	enum lyra_vault_class cls;
	return entry_key(v, name, &id, &cls);
}

int lyra_vault_get(struct lyra_vault *v, const char *name, void *out, size_t cap)
{
	unsigned char key[32];
	char aad[600];
	sqlite3_stmt *s;
	int64_t id;
	enum lyra_vault_class cls;
	int found = entry_key(v, name, &id, &cls), n, rc;

	if (found < 0)
		return -1;
	if (!found)
		return lyra_error(LYRA_EX_NOINPUT, "no vault entry '%s'", name);
	if (open_key(v, id, cls, key) != 0)
		return -1;
	s = lyra_store_cached(v->st, "SELECT blob FROM vault WHERE name = ?1");
	if (!s) {
		lyra_secret_wipe(key, sizeof key);
		return -1;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		lyra_secret_wipe(key, sizeof key);
		return lyra_store_fail(v->st, "cannot read the vault");
	}
	entry_aad(aad, sizeof aad, name, id);
	n = unseal(key, aad, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), out, cap);
	sqlite3_reset(s);
	lyra_secret_wipe(key, sizeof key);
	if (n < 0 && lyra_error_code() == LYRA_EX_NOPERM)
		return lyra_error(LYRA_EX_IOERR, "vault entry '%s' is damaged: it does not match its key",
		                  name);
	return n;
}

int lyra_vault_del(struct lyra_vault *v, const char *name)
{
	sqlite3_stmt *s = lyra_store_cached(v->st, "DELETE FROM vault WHERE name = ?1");
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(v->st, "cannot remove a vault entry");
	return 0;
}

int64_t lyra_vault_rekey(struct lyra_vault *v, enum lyra_vault_class cls, int64_t now)
{
	unsigned char key[32];
	sqlite3_stmt *s;
	int64_t id;
	int rc;

	if (cls == LYRA_VAULT_DATA && !v->have_master)
		return lyra_error(LYRA_EX_CONFIG, "the vault needs the master secret");
	if (cls == LYRA_VAULT_SYSTEM && ensure_local(v, 1) != 0)
		return -1;
	s = lyra_store_cached(v->st,
		"UPDATE vault_keys SET retired = ?2 WHERE class = ?1 AND retired IS NULL");
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, class_name[cls], -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(v->st, "cannot retire a vault key");
	id = new_key(v, cls, now, key);
	lyra_secret_wipe(key, sizeof key);
	return id;
}

int lyra_vault_reencrypt(struct lyra_vault *v, int64_t now, int64_t *moved, int64_t *dropped)
{
	sqlite3_stmt *s = lyra_store_prepare(v->st,
		"SELECT v.name, v.key_id, k.class FROM vault v JOIN vault_keys k ON k.id = v.key_id"
		" WHERE k.retired IS NOT NULL ORDER BY v.name");
	unsigned char *buf = malloc(LYRA_VAULT_VALUE_MAX);
	int64_t nmoved = 0;
	int rc, fail = 0;

	if (!s || !buf) {
		sqlite3_finalize(s);
		free(buf);
		return s ? lyra_error(LYRA_EX_SOFTWARE, "out of memory") : -1;
	}
	while (!fail && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		char name[512];
		const char *c = (const char *)sqlite3_column_text(s, 2);
		enum lyra_vault_class cls = c && strcmp(c, "data") == 0 ? LYRA_VAULT_DATA : LYRA_VAULT_SYSTEM;
		unsigned char key[32];
		int64_t cur;
		int n;

		snprintf(name, sizeof name, "%s", (const char *)sqlite3_column_text(s, 0));
		n = lyra_vault_get(v, name, buf, LYRA_VAULT_VALUE_MAX);
		cur = n < 0 ? -1 : current_key(v, cls);
		if (cur == 0)
			cur = new_key(v, cls, now, key);
		else if (cur > 0 && open_key(v, cur, cls, key) != 0)
			cur = -1;
		if (cur < 0 || write_entry(v, name, cur, key, buf, (size_t)n, now) != 0)
			fail = 1;
		else
			nmoved++;
		lyra_secret_wipe(key, sizeof key);
		lyra_secret_wipe(buf, LYRA_VAULT_VALUE_MAX);
	}
	sqlite3_finalize(s);
	free(buf);
	if (fail)
		return -1;
	if (moved)
		*moved = nmoved;
	if (lyra_store_exec(v->st, "DELETE FROM vault_keys WHERE retired IS NOT NULL AND id NOT IN "
	                           "(SELECT key_id FROM vault)") != 0)
		return -1;
	if (dropped)
		*dropped = sqlite3_changes(v->st->db);
	return 0;
}

struct rewrap {
	int64_t id;
	unsigned char key[32];
};

int lyra_vault_remaster(struct lyra_vault *v, const char *new_secret, size_t n)
{
	struct rewrap *keys = NULL;
	size_t nkeys = 0;
	unsigned char salt[16], newkey[32];
	char salthex[33], kdf[160];
	sqlite3_stmt *s;
	int rc, fail = 0;

	if (!v->have_master)
		return lyra_error(LYRA_EX_CONFIG, "the vault needs the current master secret");
	if (n < LYRA_VAULT_MASTER_MIN)
		return lyra_error(LYRA_EX_CONFIG, "master secret too short: at least %d bytes",
		                  LYRA_VAULT_MASTER_MIN);
	if (RAND_bytes(salt, sizeof salt) != 1)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot make a salt: no random bytes");
	if (derive(new_secret, n, salt, sizeof salt, LYRA_VAULT_KDF_ITER, newkey) != 0)
		return -1;
	/* Open every wrapped key first, then write: rewriting rows under a running SELECT could
	 * visit them twice. */
	s = lyra_store_prepare(v->st, "SELECT key_id, blob FROM vault_wraps WHERE kek = 'master'");
	if (!s) {
		lyra_secret_wipe(newkey, sizeof newkey);
		return -1;
	}
	while (!fail && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		unsigned char key[40];
		char aad[96];
		int64_t id = sqlite3_column_int64(s, 0);
		struct rewrap *grown;
		wrap_aad(aad, sizeof aad, "master", id);
		if (unseal(v->master, aad, sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1),
		           key, sizeof key) != 32) {
			fail = 1;
		} else if (!(grown = realloc(keys, (nkeys + 1) * sizeof *keys))) {
			fail = 1;
			lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		} else {
			keys = grown;
			keys[nkeys].id = id;
			memcpy(keys[nkeys].key, key, 32);
			nkeys++;
		}
		lyra_secret_wipe(key, sizeof key);
	}
	sqlite3_finalize(s);
	for (size_t i = 0; !fail && i < nkeys; i++)
		if (insert_wrap(v, keys[i].id, "master", newkey, keys[i].key) != 0)
			fail = 1;
	if (keys) {
		lyra_secret_wipe(keys, nkeys * sizeof *keys);
		free(keys);
	}
	lyra_hex_encode(salt, sizeof salt, salthex);
	snprintf(kdf, sizeof kdf, "pbkdf2-sha256:%u:%s", (unsigned)LYRA_VAULT_KDF_ITER, salthex);
	if (fail || lyra_store_meta_set(v->st, "vault.kdf", kdf) != 0) {
		lyra_secret_wipe(newkey, sizeof newkey);
		return -1;
	}
	memcpy(v->master, newkey, sizeof newkey);
	lyra_secret_wipe(newkey, sizeof newkey);
	v->master_new = 0;
	return 0;
}

int lyra_vault_status(struct lyra_vault *v, struct lyra_vault_status *st)
{
	sqlite3_stmt *s = lyra_store_prepare(v->st,
		"SELECT k.class, count(*), max(CASE WHEN k.retired IS NULL THEN k.id END),"
		" (SELECT count(*) FROM vault e JOIN vault_keys kk ON kk.id = e.key_id WHERE kk.class = k.class),"
		" (SELECT count(*) FROM vault e JOIN vault_keys kk ON kk.id = e.key_id"
		"  WHERE kk.class = k.class AND kk.retired IS NOT NULL)"
		" FROM vault_keys k GROUP BY k.class");
	char *kdf;
	int rc;

	memset(st, 0, sizeof *st);
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(s, 0);
		int i = c && strcmp(c, "data") == 0 ? LYRA_VAULT_DATA : LYRA_VAULT_SYSTEM;
		st->keys[i] = sqlite3_column_int64(s, 1);
		st->current[i] = sqlite3_column_int64(s, 2);
		st->entries[i] = sqlite3_column_int64(s, 3);
		st->stale[i] = sqlite3_column_int64(s, 4);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return lyra_store_fail(v->st, "cannot read the vault");
	kdf = lyra_store_meta_get(v->st, "vault.kdf");
	st->master_set = kdf != NULL;
	free(kdf);
	return 0;
}
