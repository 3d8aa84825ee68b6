/* test_backup: the manifest (round trip and refusals), tar+zstd packing, snapshots of a live
 * store, full / incremental / differential chains rebuilt byte for byte, sealed chains, damage
 * named (a flipped byte, a missing chain member, a tampered copy), and the catalogue. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "backup.h"
#include "codec.h"
#include "error.h"
#include "journal.h"
#include "pack.h"
#include "unit.h"

static char dir[64], bdir[128];

/* ---- memory streams ---- */

struct mem {
	unsigned char *p;
	size_t len, cap, pos;
};

static int mem_put(void *ctx, const void *data, size_t n)
{
	struct mem *m = ctx;
	if (m->len + n > m->cap) {
		size_t cap = m->cap ? m->cap : 4096;
		while (cap < m->len + n)
			cap *= 2;
		m->p = realloc(m->p, cap);
		m->cap = cap;
	}
	memcpy(m->p + m->len, data, n);
	m->len += n;
	return 0;
}

static ssize_t mem_get(void *ctx, void *data, size_t n)
{
	struct mem *m = ctx;
	size_t k = m->len - m->pos < n ? m->len - m->pos : n;
	memcpy(data, m->p + m->pos, k);
	m->pos += k;
	return (ssize_t)k;
}

/* ---- the store ---- */

static void exec(struct lyra_store *st, const char *sql)
{
	if (lyra_store_exec(st, sql) != 0)
		printf("# %s\n", lyra_error_msg());
}

/* n audit entries and a change to the data, in one transaction each. */
static void work(struct lyra_store *st, int n, const char *sql)
{
	for (int i = 0; i < n; i++) {
		lyra_store_begin(st);
		if (sql && i == 0)
			exec(st, sql);
		lyra_audit_append(st, "tester", "test.work", "t", NULL);
		lyra_store_commit(st);
	}
}

static void sha_of(const char *path, char hex[LYRA_BACKUP_SHA_HEX])
{
	if (lyra_backup_file_sha256(path, hex, NULL) != 0)
		hex[0] = '\0';
}

/* Snapshot st and write a backup of kind on base (NULL for a full). 0 or -1. */
static int make_backup(struct lyra_store *st, enum lyra_backup_kind kind,
                       const struct lyra_backup_manifest *base, const struct lyra_envelope_key *key,
                       struct lyra_backup_keyring *kr, struct lyra_backup_manifest *m,
                       struct lyra_backup_written *w, char snap_sha[LYRA_BACKUP_SHA_HEX])
{
	char snap[160];
	struct lyra_backup_snapshot s;
	struct lyra_backup_map map;
	struct lyra_backup_plan plan;
	int rc;

	memset(&map, 0, sizeof map);
	snprintf(snap, sizeof snap, "%s/snap", dir);
	unlink(snap);
	if (lyra_backup_snapshot(st, snap, &s, NULL) != 0)
		return -1;
	sha_of(snap, snap_sha);
	if (base && lyra_backup_chain_map(bdir, base, kr, &map) != 0)
		return -1;
	memset(&plan, 0, sizeof plan);
	plan.dir = bdir;
	plan.snap_path = snap;
	plan.snap = &s;
	plan.store_path = st->path;
	plan.kind = kind;
	plan.base = base;
	plan.base_map = base ? &map : NULL;
	plan.key = key;
	plan.level = 3;
	rc = lyra_backup_write(&plan, m, w);
	lyra_backup_map_release(&map);
	unlink(snap);
	return rc;
}

/* Rebuild id and compare with the snapshot's hash; 1 when it matches and the copy checks. */
static int rebuilds(const char *id, struct lyra_backup_keyring *kr, const char *want_sha)
{
	char out[160], hex[LYRA_BACKUP_SHA_HEX], why[512];
	struct lyra_backup_manifest m;
	int ok;
	snprintf(out, sizeof out, "%s/rebuilt.db", dir);
	unlink(out);
	if (lyra_backup_rebuild(bdir, id, kr, out, &m, NULL) != 0) {
		printf("# rebuild %s: %s\n", id, lyra_error_msg());
		return 0;
	}
	sha_of(out, hex);
	ok = strcmp(hex, want_sha) == 0 && strcmp(hex, m.db_sha256) == 0;
	if (lyra_backup_check_copy(out, &m, why, sizeof why) != 0) {
		printf("# check %s: %s\n", id, why);
		ok = 0;
	}
	lyra_backup_manifest_release(&m);
	unlink(out);
	return ok;
}

static void flip_byte(const char *path, long off)
{
	int fd = open(path, O_RDWR);
	unsigned char c;
	if (pread(fd, &c, 1, off) == 1) {
		c ^= 0x10;
		if (pwrite(fd, &c, 1, off) != 1)
			printf("# cannot write %s\n", path);
	}
	close(fd);
}

static long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* ---- parts ---- */

static void test_names(void)
{
	enum lyra_backup_kind k;
	CHECK_STR(lyra_backup_kind_name(LYRA_BACKUP_DIFFERENTIAL), "differential", "kind name");
	CHECK(lyra_backup_kind_parse("incremental", &k) == 0 && k == LYRA_BACKUP_INCREMENTAL, "kind parse");
	CHECK(lyra_backup_kind_parse("incr", &k) == -1, "unknown kind refused");
	CHECK_STR(lyra_error_msg(), "unknown backup type 'incr' (want full, incremental or differential)",
	          "and named");
	CHECK(lyra_backup_id_valid("20261123T120000.123456Z-full"), "a generated id is valid");
	CHECK(!lyra_backup_id_valid("../etc"), "a path is not an id");
	CHECK(!lyra_backup_id_valid("-x"), "an option-like id is not an id");
	CHECK(!lyra_backup_id_valid(""), "empty is not an id");
	CHECK(!lyra_backup_id_valid("0123456789012345678901234567890123456789012345678"), "too long");
}

static void sample_manifest(struct lyra_backup_manifest *m)
{
	memset(m, 0, sizeof *m);
	snprintf(m->id, sizeof m->id, "20261123T120000.000001Z-incr");
	m->kind = LYRA_BACKUP_INCREMENTAL;
	m->ts = 1795435200000001;
	m->created = 1795435201000000;
	snprintf(m->base, sizeof m->base, "20261123T110000.000000Z-full");
	m->nchain = 2;
	m->chain = calloc(2, sizeof *m->chain);
	snprintf(m->chain[0], sizeof m->chain[0], "%s", m->base);
	snprintf(m->chain[1], sizeof m->chain[1], "%s", m->id);
	m->store = strdup("/var/lib/lyra/lyra.db");
	m->schema = 3;
	m->page_size = 4096;
	m->pages = 10;
	m->changed = 2;
	m->db_bytes = 40960;
	memset(m->db_sha256, 'a', 64);
	m->audit_seq = 42;
	memset(m->audit_hash, 'b', 64);
	m->map.size = 72;
	memset(m->map.sha256, 'c', 64);
	m->data.size = 8192;
	memset(m->data.sha256, 'd', 64);
	snprintf(m->lyra_version, sizeof m->lyra_version, "0.1.0");
}

static int parse_fails(const char *text, const char *want)
{
	struct lyra_backup_manifest m;
	if (lyra_backup_manifest_parse(text, strlen(text), &m) == 0) {
		lyra_backup_manifest_release(&m);
		return 0;
	}
	if (strcmp(lyra_error_msg(), want) != 0) {
		printf("# got '%s'\n", lyra_error_msg());
		return 0;
	}
	return lyra_error_code() == LYRA_EX_NO;
}

/* text with the first occurrence of from replaced by to (static buffer) */
static const char *edit(const char *text, const char *from, const char *to)
{
	static char buf[4096];
	const char *p = strstr(text, from);
	if (!p)
		return "";
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	return buf;
}

static void test_manifest(void)
{
	struct lyra_backup_manifest m, back, copy;
	char *text, *again;

	sample_manifest(&m);
	text = lyra_backup_manifest_encode(&m);
	CHECK(text != NULL, "manifest encodes");
	CHECK(text && strncmp(text, "{\"format\":\"lyra-backup-v1\",\"id\":\"20261123T120000.000001Z-incr\","
	                            "\"kind\":\"incremental\",\"ts\":1795435200000001,", 106) == 0,
	      "as compact json in a fixed order");
	CHECK(lyra_backup_manifest_parse(text, strlen(text), &back) == 0, "and parses back");
	CHECK_STR(back.base, m.base, "base");
	CHECK_INT(back.nchain, 2, "chain length");
	CHECK_STR(back.chain[0], m.base, "chain[0]");
	CHECK_INT(back.audit_seq, 42, "audit seq");
	CHECK_INT(back.data.size, 8192, "data size");
	CHECK_STR(back.store, "/var/lib/lyra/lyra.db", "store path");
	again = lyra_backup_manifest_encode(&back);
	CHECK_STR(again, text, "re-encoding gives the same text");
	CHECK(lyra_backup_manifest_copy(&copy, &back) == 0 && strcmp(copy.chain[1], m.id) == 0 &&
	      copy.store != back.store, "a deep copy");
	lyra_backup_manifest_release(&copy);
	lyra_backup_manifest_release(&back);
	free(again);

	CHECK(parse_fails("{}", "bad manifest: format is 'missing', not 'lyra-backup-v1'"), "empty object");
	CHECK(parse_fails("[1]", "bad manifest: not a json object ()"), "an array");
	CHECK(parse_fails(edit(text, "\"kind\":\"incremental\"", "\"kind\":\"full\""),
	                  "bad manifest: the chain does not fit a full backup with base "
	                  "'20261123T110000.000000Z-full'"), "a full with a base");
	CHECK(parse_fails(edit(text, "\"pages\":10", "\"pages\":11"),
	                  "bad manifest: 'db_bytes' is not pages times page_size"), "pages and bytes disagree");
	CHECK(parse_fails(edit(text, "\"changed_pages\":2", "\"changed_pages\":3"),
	                  "bad manifest: member sizes do not fit the page counts"), "sizes disagree");
	CHECK(parse_fails(edit(text, "\"page_size\":4096", "\"page_size\":4000"),
	                  "bad manifest: 'page_size' 4000 is not a power of two"), "odd page size");
	CHECK(parse_fails(edit(text, "\"audit\":{\"seq\":42", "\"audit\":{\"seq\":-1"),
	                  "bad manifest: 'seq' is out of range: -1"), "negative seq");
	CHECK(parse_fails(edit(text, "\"20261123T120000.000001Z-incr\"]", "\"../../etc\"]"),
	                  "bad manifest: 'chain' is missing or not a backup id"), "a path in the chain");
	CHECK(parse_fails(edit(text, "\"ts\":", "\"ts\":1,\"ts\":"),
	                  "bad manifest: not a json object (duplicate object key near '\"ts\"')"), "duplicate keys");
	CHECK(parse_fails(edit(text, "\"pagemap.bin\"", "\"other.bin\""),
	                  "bad manifest: 'members.pagemap.bin' is missing"), "a missing member");
	free(text);
	lyra_backup_manifest_release(&m);
}

static void test_pack(void)
{
	struct mem out = { 0 };
	struct lyra_pack *p = lyra_pack_writer(mem_put, &out, 3, 0);
	const char *name;
	int64_t size;
	char buf[64];

	CHECK(p != NULL, "pack writer");
	CHECK(lyra_pack_entry(p, "a.txt", 5, 1700000000) == 0 && lyra_pack_write(p, "hello", 5) == 0,
	      "first member");
	CHECK(lyra_pack_entry(p, "b.bin", 0, 1700000000) == 0, "an empty member");
	CHECK(lyra_pack_finish(p) == 0, "finish");
	lyra_pack_free(p);
	CHECK(out.len > 4 && memcmp(out.p, "\x28\xb5\x2f\xfd", 4) == 0, "output is a zstd frame");

	p = lyra_pack_reader(mem_get, &out);
	CHECK(p && lyra_pack_next(p, &name, &size) == 1 && strcmp(name, "a.txt") == 0 && size == 5,
	      "reads member a.txt");
	CHECK(p && lyra_pack_read(p, buf, sizeof buf) == 5 && memcmp(buf, "hello", 5) == 0, "its bytes");
	CHECK(p && lyra_pack_next(p, &name, &size) == 1 && strcmp(name, "b.bin") == 0 && size == 0, "b.bin");
	CHECK(p && lyra_pack_next(p, &name, &size) == 0, "then the end");
	lyra_pack_free(p);

	struct mem junk = { 0 };
	mem_put(&junk, "this is not an archive at all, not even close........", 53);
	p = lyra_pack_reader(mem_get, &junk);
	CHECK(!p || lyra_pack_next(p, &name, &size) == -1, "junk is refused");
	CHECK_INT(lyra_error_code(), LYRA_EX_NO, "as damage");
	lyra_pack_free(p);
	free(junk.p);
	free(out.p);
}

static void test_chains(void)
{
	char path[256], sha1[LYRA_BACKUP_SHA_HEX], sha2[LYRA_BACKUP_SHA_HEX], sha3[LYRA_BACKUP_SHA_HEX],
	     sha4[LYRA_BACKUP_SHA_HEX], hex[LYRA_BACKUP_SHA_HEX];
	struct lyra_backup_manifest m1, m2, m3, m4, rd;
	struct lyra_backup_written w1, w2, w3, w4;
	struct lyra_store *st;

	snprintf(path, sizeof path, "%s/lyra.db", dir);
	st = lyra_store_open(path);
	CHECK(st != NULL, "open a store");
	exec(st, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB);"
	         "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000) "
	         "INSERT INTO t SELECT i, zeroblob(300) FROM c");
	work(st, 10, NULL);

	CHECK(make_backup(st, LYRA_BACKUP_FULL, NULL, NULL, NULL, &m1, &w1, sha1) == 0, "a full backup");
	CHECK(m1.kind == LYRA_BACKUP_FULL && m1.nchain == 1 && !m1.base[0], "is a chain of one");
	CHECK_INT(m1.audit_seq, 10, "it captured the audit head");
	CHECK_INT(m1.changed, m1.pages, "every page stored");
	CHECK_STR(m1.db_sha256, sha1, "manifest hash is the snapshot's");
	snprintf(path, sizeof path, "%s/%s", bdir, w1.file);
	sha_of(path, hex);
	CHECK_STR(hex, w1.sha256, "archive hash reported");
	CHECK_INT(file_size(path), w1.size, "archive size reported");
	CHECK(strstr(w1.file, "-full.tar.zst") != NULL, "named <id>.tar.zst");
	CHECK(rebuilds(m1.id, NULL, sha1), "the full rebuilds byte for byte and checks");

	work(st, 3, "UPDATE t SET v = randomblob(300) WHERE id BETWEEN 100 AND 104");
	CHECK(make_backup(st, LYRA_BACKUP_INCREMENTAL, &m1, NULL, NULL, &m2, &w2, sha2) == 0, "an incremental");
	CHECK(m2.nchain == 2 && strcmp(m2.base, m1.id) == 0, "based on the full");
	CHECK(m2.changed > 0 && m2.changed < m2.pages / 10, "stores only the changed pages");
	CHECK_INT(m2.audit_seq, 13, "head moved");
	CHECK(rebuilds(m2.id, NULL, sha2), "the incremental rebuilds byte for byte");

	work(st, 2, "UPDATE t SET v = randomblob(300) WHERE id BETWEEN 1500 AND 1502");
	CHECK(make_backup(st, LYRA_BACKUP_DIFFERENTIAL, &m1, NULL, NULL, &m3, &w3, sha3) == 0, "a differential");
	CHECK(m3.nchain == 2 && strcmp(m3.base, m1.id) == 0, "based on the full, not the incremental");
	CHECK(m3.changed > m2.changed, "holding every change since the full");
	CHECK(rebuilds(m3.id, NULL, sha3), "the differential rebuilds");

	work(st, 1, "INSERT INTO t SELECT id + 5000, randomblob(300) FROM t WHERE id <= 300");
	CHECK(make_backup(st, LYRA_BACKUP_INCREMENTAL, &m3, NULL, NULL, &m4, &w4, sha4) == 0,
	      "an incremental on the differential");
	CHECK(m4.nchain == 3 && strcmp(m4.chain[0], m1.id) == 0 && strcmp(m4.chain[1], m3.id) == 0,
	      "chain full, differential, incremental");
	CHECK(m4.pages > m3.pages, "the store grew");
	CHECK(rebuilds(m4.id, NULL, sha4), "a chain of three rebuilds");
	CHECK(rebuilds(m2.id, NULL, sha2), "the older incremental still rebuilds");

	exec(st, "DELETE FROM t WHERE id > 1000; VACUUM");
	struct lyra_backup_manifest m5;
	struct lyra_backup_written w5;
	char sha5[LYRA_BACKUP_SHA_HEX];
	CHECK(make_backup(st, LYRA_BACKUP_INCREMENTAL, &m4, NULL, NULL, &m5, &w5, sha5) == 0,
	      "an incremental after the store shrank");
	CHECK(m5.pages < m4.pages, "fewer pages");
	CHECK(rebuilds(m5.id, NULL, sha5), "a shrunk store rebuilds (truncated to its page count)");

	CHECK(lyra_backup_read_manifest(bdir, m4.id, NULL, &rd) == 0 && strcmp(rd.base, m3.id) == 0,
	      "read a manifest alone");
	lyra_backup_manifest_release(&rd);

	/* damage: one flipped byte in the full's archive, early, where the compressed stream holds
	 * the tar header of its first member (checksummed): a byte in the middle may fall in a page
	 * a later incremental replaces, which leaves the rebuilt store right */
	snprintf(path, sizeof path, "%s/%s", bdir, w1.file);
	flip_byte(path, 100);
	CHECK(!rebuilds(m4.id, NULL, sha4), "a flipped byte in a chain member fails the rebuild");
	char out[160];
	snprintf(out, sizeof out, "%s/rebuilt.db", dir);
	CHECK(lyra_backup_rebuild(bdir, m4.id, NULL, out, &rd, NULL) == -1, "rebuild refuses");
	CHECK_INT(lyra_error_code(), LYRA_EX_NO, "as damage");
	CHECK(strncmp(lyra_error_msg(), "backup '", 8) == 0 && strstr(lyra_error_msg(), "needs '") &&
	      strstr(lyra_error_msg(), w1.file), "naming the backup, the member and its archive");
	printf("# %s\n", lyra_error_msg());
	CHECK(access(out, F_OK) != 0, "and leaves no partial copy");
	flip_byte(path, 100);
	CHECK(rebuilds(m4.id, NULL, sha4), "restored byte, rebuilds again");

	/* a missing chain member */
	char moved[200];
	snprintf(path, sizeof path, "%s/%s", bdir, w3.file);
	snprintf(moved, sizeof moved, "%s/moved", dir);
	rename(path, moved);
	CHECK(lyra_backup_rebuild(bdir, m4.id, NULL, out, &rd, NULL) == -1, "a missing member fails");
	char want[512];
	snprintf(want, sizeof want, "backup '%s' needs '%s', whose archive '%s/%s.tar.zst' is missing", m4.id,
	         m3.id, bdir, m3.id);
	CHECK_STR(lyra_error_msg(), want, "and is named");
	rename(moved, path);

	/* an archive renamed to another id */
	char other[200];
	snprintf(other, sizeof other, "%s/20200101T000000.000000Z-full.tar.zst", bdir);
	snprintf(path, sizeof path, "%s/%s", bdir, w1.file);
	CHECK(link(path, other) == 0, "link an archive under another name");
	CHECK(lyra_backup_read_manifest(bdir, "20200101T000000.000000Z-full", NULL, &rd) == -1,
	      "an archive under another name is refused");
	CHECK(strstr(lyra_error_msg(), "holds backup '") != NULL, "saying what it holds");
	unlink(other);

	/* a tampered copy: the audit chain no longer matches the manifest head */
	CHECK(lyra_backup_rebuild(bdir, m2.id, NULL, out, &rd, NULL) == 0, "rebuild a copy");
	{
		struct lyra_store *c = lyra_store_open(out);
		char why[256];
		exec(c, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > 11");
		lyra_store_close(c);
		CHECK_INT(lyra_backup_check_copy(out, &rd, why, sizeof why), 1, "a truncated audit chain is caught");
		CHECK_STR(why, "audit chain truncated at seq 12: the chain ends at seq 11 but a recorded head is at seq 13",
		          "with the manifest head as anchor");
	}
	unlink(out);
	lyra_backup_manifest_release(&rd);

	/* the catalogue */
	struct lyra_backup_entry e, *list;
	struct lyra_audit_anchor an;
	size_t n;
	CHECK_INT(lyra_backup_latest_anchor(st, &an), 0, "no anchor before any backup");
	lyra_store_begin(st);
	lyra_backup_entry_from(&e, &m1, bdir, &w1);
	e.status = LYRA_BACKUP_GOOD;
	CHECK(lyra_backup_catalog_add(st, &e) == 0, "catalogue a full");
	lyra_backup_entry_from(&e, &m2, bdir, &w2);
	e.status = LYRA_BACKUP_GOOD;
	lyra_backup_catalog_add(st, &e);
	lyra_backup_entry_from(&e, &m4, "/elsewhere", &w4);
	e.status = LYRA_BACKUP_DAMAGED;
	lyra_backup_catalog_add(st, &e);
	lyra_store_commit(st);
	CHECK(lyra_backup_catalog_list(st, bdir, &list, &n) == 0 && n == 2, "two in this folder");
	CHECK(n == 2 && strcmp(list[0].id, m1.id) == 0 && strcmp(list[1].base, m1.id) == 0 &&
	      list[1].chain_len == 2 && strcmp(list[1].full, m1.id) == 0, "oldest first, with chains");
	free(list);
	CHECK(lyra_backup_catalog_list(st, NULL, &list, &n) == 0 && n == 3, "three in all");
	free(list);
	CHECK_INT(lyra_backup_latest_anchor(st, &an), 1, "an anchor");
	CHECK_INT(an.seq, 13, "from the newest good backup, not the damaged one");
	CHECK_STR(an.hash, m2.audit_hash, "with its hash");
	lyra_store_begin(st);
	lyra_backup_catalog_mark(st, m2.id, LYRA_BACKUP_DAMAGED, "archive missing");
	lyra_backup_catalog_remove(st, m1.id);
	lyra_store_commit(st);
	CHECK(lyra_backup_catalog_list(st, bdir, &list, &n) == 0 && n == 1 &&
	      list[0].status == LYRA_BACKUP_DAMAGED && strcmp(list[0].note, "archive missing") == 0,
	      "marked damaged with a note; the removed one gone");
	free(list);
	CHECK_INT(lyra_backup_latest_anchor(st, &an), 0, "no good backup, no anchor");

	lyra_backup_manifest_release(&m1);
	lyra_backup_manifest_release(&m2);
	lyra_backup_manifest_release(&m3);
	lyra_backup_manifest_release(&m4);
	lyra_backup_manifest_release(&m5);
	lyra_store_close(st);
}

static void test_sealed(void)
{
	char path[256], sha1[LYRA_BACKUP_SHA_HEX], sha2[LYRA_BACKUP_SHA_HEX];
	struct lyra_backup_manifest m1, m2, rd;
	struct lyra_backup_written w1, w2;
	struct lyra_backup_keyring *kr = lyra_backup_keyring_new("s3cret", 6), *bad = lyra_backup_keyring_new("nope", 4);
	struct lyra_envelope_kdf kdf = { .log2n = 10, .r = 1, .p = 1 }, got;
	const struct lyra_envelope_key *key;
	struct lyra_store *st;

	memcpy(kdf.salt, "saltsaltsaltsalt", 16);
	snprintf(path, sizeof path, "%s/sealed.db", dir);
	st = lyra_store_open(path);
	work(st, 5, "CREATE TABLE s (x)");
	key = lyra_backup_keyring_key(kr, &kdf);
	CHECK(key != NULL && lyra_backup_keyring_key(kr, &kdf) == key, "a key, derived once");
	CHECK(make_backup(st, LYRA_BACKUP_FULL, NULL, key, kr, &m1, &w1, sha1) == 0, "a sealed full");
	CHECK(m1.encrypted && strstr(w1.file, ".tar.zst.enc"), "named .tar.zst.enc");
	CHECK_INT(lyra_backup_sealed_kdf(bdir, m1.id, &got), 1, "its header gives the kdf");
	CHECK(got.log2n == 10 && memcmp(got.salt, kdf.salt, 16) == 0, "the one used");
	work(st, 2, "INSERT INTO s VALUES (1)");
	CHECK(make_backup(st, LYRA_BACKUP_INCREMENTAL, &m1, key, kr, &m2, &w2, sha2) == 0, "a sealed incremental");
	CHECK(rebuilds(m2.id, kr, sha2), "the sealed chain rebuilds with the passphrase");
	CHECK(lyra_backup_read_manifest(bdir, m2.id, NULL, &rd) == -1, "without one it cannot be read");
	CHECK_INT(lyra_error_code(), LYRA_EX_CONFIG, "as a configuration error");
	CHECK(lyra_backup_read_manifest(bdir, m2.id, bad, &rd) == -1, "a wrong passphrase fails");
	CHECK(strstr(lyra_error_msg(), "wrong passphrase") != NULL, "and says so");
	snprintf(path, sizeof path, "%s/%s", bdir, w2.file);
	flip_byte(path, file_size(path) - 20);
	CHECK(!rebuilds(m2.id, kr, sha2), "a flipped byte in a sealed archive fails");
	lyra_backup_manifest_release(&m1);
	lyra_backup_manifest_release(&m2);
	lyra_backup_keyring_free(kr);
	lyra_backup_keyring_free(bad);
	lyra_store_close(st);
}

/* ---- the point-in-time journal ---- */

/* Every table's rows, tables by name, rows in primary key order: the store's state as text
 * (NEW string). The journal itself is included. */
static char *dump(sqlite3 *db)
{
	sqlite3_stmt *t = NULL;
	char *out = sqlite3_mprintf("%s", "");
	sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
	                       "ORDER BY name", -1, &t, NULL);
	while (sqlite3_step(t) == SQLITE_ROW) {
		sqlite3_stmt *r = NULL;
		char *q = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY 1, 2", (const char *)sqlite3_column_text(t, 0));
		sqlite3_prepare_v2(db, q, -1, &r, NULL);
		sqlite3_free(q);
		out = sqlite3_mprintf("%z[%s]\n", out, (const char *)sqlite3_column_text(t, 0));
		while (r && sqlite3_step(r) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(r); c++) {
				if (sqlite3_column_type(r, c) == SQLITE_BLOB) {
					char *h = malloc((size_t)sqlite3_column_bytes(r, c) * 2 + 1);
					lyra_hex_encode(sqlite3_column_blob(r, c), (size_t)sqlite3_column_bytes(r, c), h);
					out = sqlite3_mprintf("%z%s|", out, h);
					free(h);
				} else {
					const unsigned char *v = sqlite3_column_text(r, c);
					out = sqlite3_mprintf("%z%s|", out, v ? (const char *)v : "NULL");
				}
			}
			out = sqlite3_mprintf("%z\n", out);
		}
		sqlite3_finalize(r);
	}
	sqlite3_finalize(t);
	return out;
}

static char *dump_path(const char *path)
{
	sqlite3 *db = NULL;
	char *d;
	sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	d = dump(db);
	sqlite3_close(db);
	return d;
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(in);
	close(out);
}

static int64_t journal_max_ts(struct lyra_store *st)
{
	struct lyra_journal_head h;
	lyra_journal_read_head(st->db, &h);
	return h.ts;
}

/* Replay the base copy onto a fresh file up to at, from the store at src; the result's dump. */
static char *replay_to(const char *base, const char *src, int64_t at, int *rc, struct lyra_journal_result *r)
{
	char path[160];
	sqlite3 *copy = NULL, *from = NULL;
	snprintf(path, sizeof path, "%s/replayed.db", dir);
	unlink(path);
	copy_file(base, path);
	sqlite3_open_v2(path, &copy, SQLITE_OPEN_READWRITE, NULL);
	sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL);
	*rc = lyra_journal_replay(copy, from, "the store", 1, at, r);
	sqlite3_close(from);
	sqlite3_close(copy);
	return dump_path(path);
}

static void tx(struct lyra_store *st, const char *sql)
{
	lyra_store_begin(st);
	exec(st, sql);
	lyra_audit_append(st, "tester", "test.tx", "t", NULL);
	lyra_store_commit(st);
}

static void test_journal(void)
{
	char path[160], base[160], *sa, *sb, *sc, *sd, *got;
	struct lyra_journal_result r;
	struct lyra_backup_snapshot snap;
	struct lyra_journal_head h0, h1;
	struct lyra_store *st;
	int64_t ta, tb, tc, td;
	int rc;

	snprintf(path, sizeof path, "%s/journal.db", dir);
	snprintf(base, sizeof base, "%s/journal-base.db", dir);
	st = lyra_store_open(path);
	CHECK(st != NULL, "journal: store opens");
	if (!st)
		return;
	/* every table the store has is one a session can record (it needs a primary key) */
	{
		sqlite3_stmt *s = lyra_store_prepare(st, "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' "
		                                         "AND m.name NOT LIKE 'sqlite_%' AND NOT EXISTS (SELECT 1 FROM "
		                                         "pragma_table_info(m.name) WHERE pk > 0)");
		int nopk = 0;
		while (s && sqlite3_step(s) == SQLITE_ROW) {
			printf("# table without a primary key: %s\n", sqlite3_column_text(s, 0));
			nopk++;
		}
		sqlite3_finalize(s);
		CHECK_INT(nopk, 0, "journal: every table of the schema has a primary key");
	}
	CHECK_INT(lyra_journal_enabled(st), 1, "journal: on by default");
	lyra_journal_read_head(st->db, &h0);
	CHECK(h0.seq == 1 && h0.kind == LYRA_JOURNAL_ON, "journal: migration 12 starts it with an 'on' marker");
	lyra_store_exec(st, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); "
	                    "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID");
	tx(st, "INSERT INTO t (v) VALUES ('a'), ('b'), ('c'); INSERT INTO kv VALUES ('x', '1'), ('y', '2')");
	ta = journal_max_ts(st);
	CHECK_INT(lyra_backup_snapshot(st, base, &snap, NULL), 0, "journal: snapshot");
	CHECK(snap.journal.seq == 2 && snap.journal.kind == LYRA_JOURNAL_TX && snap.journal.ts == ta,
	      "journal: the snapshot names its journal head");
	sa = dump(st->db);

	/* a rolled back transaction and a read-only one leave no row; nested ones one row */
	lyra_store_begin(st);
	exec(st, "UPDATE t SET v = 'never'");
	lyra_store_rollback(st);
	lyra_store_begin(st);
	lyra_store_commit(st);
	lyra_journal_read_head(st->db, &h1);
	CHECK_INT(h1.seq, 2, "journal: rollback and empty transactions add no row");
	lyra_store_begin(st);
	lyra_store_begin(st);
	exec(st, "UPDATE t SET v = 'B' WHERE id = 2; DELETE FROM kv WHERE k = 'x'");
	lyra_store_commit(st);
	exec(st, "INSERT INTO kv VALUES ('z', '3')");
	lyra_store_commit(st);
	lyra_journal_read_head(st->db, &h1);
	CHECK_INT(h1.seq, 3, "journal: a nested transaction is one row");
	tb = journal_max_ts(st);
	sb = dump(st->db);
	usleep(1000);
	tx(st, "DELETE FROM t WHERE id = 1; INSERT INTO t (v) VALUES ('d'); UPDATE kv SET v = '22' WHERE k = 'y'");
	tc = journal_max_ts(st);
	sc = dump(st->db);
	CHECK(tc - tb >= 1000 && tc - tb < 500000, "journal: two transactions about a millisecond apart");

	got = replay_to(base, path, tb + (tc - tb) / 2, &rc, &r);
	CHECK(rc == 0 && r.exact && r.applied == 1 && r.last_seq == 3, "journal: replay between two transactions");
	CHECK_STR(got, sb, "journal: the state between them, exactly");
	sqlite3_free(got);
	got = replay_to(base, path, tc - 1, &rc, &r);
	CHECK_STR(got, sb, "journal: one microsecond before the second: without it");
	sqlite3_free(got);
	got = replay_to(base, path, tc, &rc, &r);
	CHECK(rc == 0 && r.exact && r.applied == 2, "journal: replay to the second");
	CHECK_STR(got, sc, "journal: at the second's commit time: with it");
	sqlite3_free(got);
	got = replay_to(base, path, ta, &rc, &r);
	CHECK(rc == 0 && r.exact && r.applied == 0, "journal: replay to the backup's own head applies nothing");
	CHECK_STR(got, sa, "journal: the backup's state");
	sqlite3_free(got);

	/* turned off: the next transaction writes an 'off' marker and no changeset */
	lyra_store_begin(st);
	lyra_store_meta_set(st, LYRA_JOURNAL_SETTING, "off");
	lyra_store_commit(st);
	CHECK_INT(lyra_journal_enabled(st), 0, "journal: turned off");
	tx(st, "UPDATE t SET v = 'unseen' WHERE id = 3");
	tx(st, "UPDATE t SET v = 'unseen2' WHERE id = 3");
	lyra_journal_read_head(st->db, &h1);
	CHECK(h1.seq == 6 && h1.kind == LYRA_JOURNAL_OFF, "journal: one 'off' marker, no rows while off");
	got = replay_to(base, path, INT64_MAX, &rc, &r);
	CHECK(rc == 0 && !r.exact && r.last_seq == 6 && strstr(r.why, "turned off"),
	      "journal: replay across 'off' stops there and says it is not exact");
	sqlite3_free(got);
	lyra_store_begin(st);
	lyra_store_meta_set(st, LYRA_JOURNAL_SETTING, "on");
	lyra_store_commit(st);
	tx(st, "UPDATE t SET v = 'seen' WHERE id = 3");
	lyra_journal_read_head(st->db, &h1);
	td = h1.ts;
	CHECK(h1.seq == 8 && h1.kind == LYRA_JOURNAL_TX, "journal: back on: an 'on' marker, then the row");
	sd = dump(st->db);

	/* damage: a flipped changeset byte, then a changeset moved to another row (a conflict) */
	exec(st, "CREATE TABLE keep AS SELECT * FROM backup_journal");
	exec(st, "UPDATE backup_journal SET changeset = X'00' || substr(changeset, 2) WHERE seq = 3");
	got = replay_to(base, path, td, &rc, &r);
	CHECK(rc == -1 && lyra_error_code() == LYRA_EX_NO && strstr(lyra_error_msg(), "journal entry seq 3 (") &&
	      strstr(lyra_error_msg(), "does not match its sha-256"), "journal: a damaged entry is named");
	printf("# %s\n", lyra_error_msg());
	sqlite3_free(got);
	exec(st, "UPDATE backup_journal SET changeset = (SELECT changeset FROM keep WHERE seq = 2), "
	         "sha256 = (SELECT sha256 FROM keep WHERE seq = 2) WHERE seq = 3");
	got = replay_to(base, path, td, &rc, &r);
	CHECK(rc == -1 && lyra_error_code() == LYRA_EX_NO && strstr(lyra_error_msg(), "journal entry seq 3 (") &&
	      strstr(lyra_error_msg(), "does not apply") && strstr(lyra_error_msg(), "(CONFLICT)"),
	      "journal: an entry in conflict with the copy is named");
	printf("# %s\n", lyra_error_msg());
	sqlite3_free(got);
	exec(st, "DELETE FROM backup_journal WHERE seq = 3");
	got = replay_to(base, path, td, &rc, &r);
	CHECK(rc == -1 && strstr(lyra_error_msg(), "entries seq 3..3 are missing"), "journal: a missing entry is named");
	sqlite3_free(got);
	exec(st, "INSERT INTO backup_journal SELECT * FROM keep WHERE seq = 3; DROP TABLE keep");

	/* trim keeps what a backup needs and always the newest row */
	{
		int64_t gone = -1;
		lyra_store_begin(st);
		CHECK_INT(lyra_journal_trim(st, 2, &gone), 0, "journal: trim");
		lyra_store_commit(st);
		CHECK_INT(gone, 1, "journal: trim removes the rows before the kept head only");
		got = replay_to(base, path, td, &rc, &r);
		CHECK(rc == 0 && !r.exact, "journal: after trim the base still replays (up to the 'off' gap)");
		sqlite3_free(got);
		lyra_store_begin(st);
		lyra_journal_trim(st, INT64_MAX, &gone);
		lyra_store_commit(st);
		lyra_journal_read_head(st->db, &h1);
		CHECK(h1.seq == 8, "journal: trim never removes the newest row");
		got = replay_to(base, path, td, &rc, &r);
		CHECK(rc == 1 && strstr(r.why, "no longer holds the backup's head"),
		      "journal: a source without the backup's head cannot serve");
		sqlite3_free(got);
	}
	(void)sd;
	sqlite3_free(sa);
	sqlite3_free(sb);
	sqlite3_free(sc);
	sqlite3_free(sd);
	lyra_store_close(st);
}

int main(void)
{
	char cmd[256];
	snprintf(dir, sizeof dir, "/tmp/lyra-test-backup-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(bdir, sizeof bdir, "%s/backups", dir);
	mkdir(bdir, 0700);
	test_names();
	test_manifest();
	test_pack();
	test_chains();
	test_sealed();
	test_journal();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", dir);
	return unit_done();
}
