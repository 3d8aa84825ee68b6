/* test_vault.c: sealing and opening entries under the master and local keys, a wrong master
 * secret, rotation (retired keys keep opening their entries until re-encryption), re-wrapping
 * under a new master secret, swapped ciphertexts, a missing local key, and that no secret is in
 * the store file in the clear. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "error.h"
#include "secret.h"
#include "store.h"
#include "unit.h"
#include "vault.h"

static char tmp[256];

static int file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	static char buf[4 << 20];
	size_t n, k = strlen(needle);
	int found = 0;
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	for (size_t i = 0; i + k <= n && !found; i++)
		found = memcmp(buf + i, needle, k) == 0;
	return found;
}

static int put(struct lyra_store *st, struct lyra_vault *v, enum lyra_vault_class c,
               const char *name, const char *value)
{
	int rc;
	if (lyra_store_begin(st) != 0)
		return -1;
	rc = lyra_vault_put(v, c, name, value, strlen(value), 1000);
	if (rc == 0)
		rc = lyra_store_commit(st);
	else
		lyra_store_rollback(st);
	return rc;
}

static int get(struct lyra_vault *v, const char *name, char *out, size_t n)
{
	int len = lyra_vault_get(v, name, out, n - 1);
	out[len < 0 ? 0 : len] = '\0';
	return len;
}

int main(void)
{
	static const char master[] = "correct horse battery staple 42";
	char db[300], key[300], other[300], out[400];
	struct lyra_store *st;
	struct lyra_vault v, w;
	struct lyra_vault_status vs;
	struct stat sb;
	int64_t moved = -1, dropped = -1;

	snprintf(tmp, sizeof tmp, "/tmp/lyra-test-vault-%ld", (long)getpid());
	mkdir(tmp, 0700);
	snprintf(db, sizeof db, "%s/lyra.db", tmp);
	snprintf(key, sizeof key, "%s/cfg/lyra/local.key", tmp);
	snprintf(other, sizeof other, "%s/other.key", tmp);
	setenv("LYRA_LOCAL_KEY_FILE", key, 1);
	st = lyra_store_open(db);
	CHECK(st != NULL, "open store");
	if (!st)
		return unit_done();

	lyra_vault_init(&v, st);
	CHECK_INT(lyra_vault_unlock(&v, "short", 5), -1, "a short master secret for a new vault");
	CHECK_INT(lyra_error_code(), LYRA_EX_CONFIG, "is a config error");
	CHECK_INT(lyra_vault_unlock(&v, master, strlen(master)), 0, "unlock a new vault");
	CHECK_INT(v.master_new, 1, "vault is new until the first data key");
	CHECK_INT(put(st, &v, LYRA_VAULT_DATA, "apikey:1", "binance-secret-AAAA"), 0, "seal a data entry");
	CHECK_INT(put(st, &v, LYRA_VAULT_SYSTEM, "auth.signing", "signing-key-BBBB"), 0, "seal a system entry");
	CHECK(stat(key, &sb) == 0 && (sb.st_mode & 0777) == 0600, "local key file made 0600");
	CHECK_INT(get(&v, "apikey:1", out, sizeof out), 19, "open the data entry");
	CHECK_STR(out, "binance-secret-AAAA", "round trip (data)");
	CHECK_INT(get(&v, "auth.signing", out, sizeof out), 16, "open the system entry");
	CHECK_STR(out, "signing-key-BBBB", "round trip (system)");
	CHECK_INT(get(&v, "nothing", out, sizeof out), -1, "absent entry");
	CHECK_INT(lyra_error_code(), LYRA_EX_NOINPUT, "absent is 66");
	CHECK_INT(lyra_vault_has(&v, "apikey:1"), 1, "has");
	lyra_vault_release(&v);

	lyra_vault_init(&w, st);
	CHECK_INT(lyra_vault_unlock(&w, "wrong master secret 1234", 24), -1, "wrong master secret");
	CHECK_INT(lyra_error_code(), LYRA_EX_NOPERM, "wrong master is 77");
	CHECK(strstr(lyra_error_msg(), "wrong master secret") != NULL, "says so");
	CHECK_INT(get(&w, "apikey:1", out, sizeof out), -1, "data entry needs the master secret");
	CHECK_INT(lyra_error_code(), LYRA_EX_CONFIG, "no master is 78");
	CHECK_INT(get(&w, "auth.signing", out, sizeof out), 16, "system entry opens with the local key only");
	CHECK_INT(lyra_vault_unlock(&w, master, strlen(master)), 0, "right master secret");
	CHECK_INT(get(&w, "apikey:1", out, sizeof out), 19, "data entry opens");

	/* rotation */
	CHECK_INT(lyra_store_begin(st), 0, "begin rekey");
	CHECK(lyra_vault_rekey(&w, LYRA_VAULT_DATA, 2000) > 0, "rekey data");
	CHECK(lyra_vault_rekey(&w, LYRA_VAULT_SYSTEM, 2000) > 0, "rekey system");
	CHECK_INT(lyra_store_commit(st), 0, "commit rekey");
	CHECK_INT(lyra_vault_status(&w, &vs), 0, "status");
	CHECK_INT(vs.keys[LYRA_VAULT_DATA], 2, "two data keys");
	CHECK_INT(vs.stale[LYRA_VAULT_DATA] + vs.stale[LYRA_VAULT_SYSTEM], 2, "two entries on retired keys");
	CHECK_INT(get(&w, "apikey:1", out, sizeof out), 19, "old ciphertext still opens after rekey");
	CHECK_STR(out, "binance-secret-AAAA", "same value");
	CHECK_INT(put(st, &w, LYRA_VAULT_DATA, "apikey:2", "kraken-secret-CCCC"), 0, "seal under the new key");
	CHECK_INT(lyra_store_begin(st), 0, "begin reencrypt");
	CHECK_INT(lyra_vault_reencrypt(&w, 3000, &moved, &dropped), 0, "reencrypt");
	CHECK_INT(lyra_store_commit(st), 0, "commit reencrypt");
	CHECK_INT(moved, 2, "two entries re-encrypted");
	CHECK_INT(dropped, 2, "two retired keys dropped");
	CHECK_INT(lyra_vault_status(&w, &vs), 0, "status again");
	CHECK_INT(vs.stale[0] + vs.stale[1], 0, "nothing on retired keys");
	CHECK_INT(vs.keys[LYRA_VAULT_DATA], 1, "one data key left");
	CHECK_INT(get(&w, "apikey:1", out, sizeof out), 19, "re-encrypted entry opens");
	CHECK_STR(out, "binance-secret-AAAA", "same value after re-encryption");

	/* a sealed value moved to another entry does not open there */
	CHECK_INT(lyra_store_exec(st, "UPDATE vault SET blob = (SELECT blob FROM vault WHERE name = 'apikey:2')"
	                              " WHERE name = 'apikey:1'"), 0, "swap ciphertexts by hand");
	CHECK_INT(get(&w, "apikey:1", out, sizeof out), -1, "swapped ciphertext refused");
	CHECK_INT(lyra_error_code(), LYRA_EX_IOERR, "as damage (74)");
	CHECK_INT(put(st, &w, LYRA_VAULT_DATA, "apikey:1", "binance-secret-AAAA"), 0, "put it back");

	/* a new master secret */
	CHECK_INT(lyra_store_begin(st), 0, "begin remaster");
	CHECK_INT(lyra_vault_remaster(&w, "a brand new master secret!", 26), 0, "remaster");
	CHECK_INT(lyra_store_commit(st), 0, "commit remaster");
	lyra_vault_release(&w);
	lyra_vault_init(&w, st);
	CHECK_INT(lyra_vault_unlock(&w, master, strlen(master)), -1, "old master secret refused");
	CHECK_INT(lyra_vault_unlock(&w, "a brand new master secret!", 26), 0, "new master secret opens");
	CHECK_INT(get(&w, "apikey:2", out, sizeof out), 18, "entries open under the new master");
	CHECK_STR(out, "kraken-secret-CCCC", "same value");

	/* a missing or different local key */
	setenv("LYRA_LOCAL_KEY_FILE", other, 1);
	lyra_vault_release(&w);
	lyra_vault_init(&w, st);
	CHECK_INT(get(&w, "auth.signing", out, sizeof out), -1, "system entry without the local key");
	CHECK_INT(lyra_error_code(), LYRA_EX_CONFIG, "missing local key is 78");
	CHECK_INT(lyra_vault_unlock(&w, "a brand new master secret!", 26), 0, "unlock with master");
	CHECK_INT(get(&w, "auth.signing", out, sizeof out), 16, "system key also opens with the master key");
	lyra_vault_release(&w);
	setenv("LYRA_LOCAL_KEY_FILE", key, 1);

	/* a store whose session keys came before any master secret gets them wrapped under the
	 * master key with its first data key */
	{
		char db2[300], key2[300];
		struct lyra_store *st2;
		snprintf(db2, sizeof db2, "%s/second.db", tmp);
		snprintf(key2, sizeof key2, "%s/second.key", tmp);
		setenv("LYRA_LOCAL_KEY_FILE", key2, 1);
		st2 = lyra_store_open(db2);
		lyra_vault_init(&w, st2);
		CHECK_INT(put(st2, &w, LYRA_VAULT_SYSTEM, "auth.signing", "second-signing-key"), 0,
		          "system entry before any master secret");
		CHECK_INT(lyra_vault_unlock(&w, master, strlen(master)), 0, "then a master secret");
		CHECK_INT(put(st2, &w, LYRA_VAULT_DATA, "apikey:1", "second-api-secret"), 0, "and a data entry");
		lyra_vault_release(&w);
		setenv("LYRA_LOCAL_KEY_FILE", other, 1);
		lyra_vault_init(&w, st2);
		CHECK_INT(lyra_vault_unlock(&w, master, strlen(master)), 0, "unlock without the local key");
		CHECK_INT(get(&w, "auth.signing", out, sizeof out), 18, "session key opens with the master key");
		CHECK_STR(out, "second-signing-key", "same value");
		lyra_vault_release(&w);
		lyra_store_close(st2);
		setenv("LYRA_LOCAL_KEY_FILE", key, 1);
	}

	lyra_store_close(st);
	CHECK(!file_has(db, "binance-secret-AAAA") && !file_has(db, "kraken-secret-CCCC") &&
	      !file_has(db, "signing-key-BBBB"), "no secret in the store file in the clear");
	snprintf(out, sizeof out, "%s-wal", db);
	CHECK(!file_has(out, "binance-secret-AAAA") && !file_has(out, "kraken-secret-CCCC"),
	      "nor in its WAL");
	CHECK(!file_has(db, master) && !file_has(out, master), "the master secret is not stored");

	/* secret files */
	{
		char f[300], buf[64];
		FILE *fp;
		snprintf(f, sizeof f, "%s/secret", tmp);
		fp = fopen(f, "w");
		fputs("s3cret-line\n", fp);
		fclose(fp);
		chmod(f, 0644);
		CHECK_INT(lyra_secret_read_file(f, buf, sizeof buf), -1, "a secret file others can read");
		CHECK(strstr(lyra_error_msg(), "chmod 600") != NULL, "tells how to fix it");
		chmod(f, 0600);
		CHECK_INT(lyra_secret_read_file(f, buf, sizeof buf), 11, "0600 secret file, newline dropped");
		CHECK_STR(buf, "s3cret-line", "content");
		CHECK_INT(lyra_secret_read_file(f, buf, 8), -1, "too long for the buffer");
		unlink(f);
		CHECK_INT(lyra_secret_read_file(f, buf, sizeof buf), -1, "missing file");
		CHECK_INT(lyra_error_code(), LYRA_EX_NOINPUT, "missing is 66");
	}
	{
		char cmd[400];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			printf("# cannot remove %s\n", tmp);
	}
	return unit_done();
}
