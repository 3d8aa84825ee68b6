/* fuzz_backup.c: what backup reads from untrusted files, on arbitrary bytes. The first byte picks
 * the target: 0 the manifest parser (a parsed manifest encodes and parses back to the same
 * text), 1 the envelope opener (a header and chunks under a fixed test key: never more plaintext
 * than ciphertext, never a crash), 2 the tar+zstd reader, 3 retention (every kept backup's base
 * is kept, and only good backups are kept by a rule). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "backup.h"
#include "envelope.h"
#include "pack.h"
#include "retention.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *p;
	size_t len, pos;
};

static ssize_t mem_get(void *ctx, void *buf, size_t n)
{
	struct mem *m = ctx;
	size_t k = m->len - m->pos < n ? m->len - m->pos : n;
	memcpy(buf, m->p + m->pos, k);
	m->pos += k;
	return (ssize_t)k;
}

static void fuzz_manifest(const uint8_t *data, size_t size)
{
	struct lyra_backup_manifest m, back;
	char *text, *again;
	if (lyra_backup_manifest_parse((const char *)data, size, &m) != 0)
		return;
	text = lyra_backup_manifest_encode(&m);
	if (!text)
		abort();
	if (lyra_backup_manifest_parse(text, strlen(text), &back) != 0)
		abort();
	again = lyra_backup_manifest_encode(&back);
	if (!again || strcmp(text, again) != 0)
		abort();
	if (m.nchain < 1 || strcmp(m.chain[m.nchain - 1], m.id) != 0)
		abort();
	free(text);
	free(again);
	lyra_backup_manifest_release(&m);
	lyra_backup_manifest_release(&back);
}

/* The corpus's sealed seeds use passphrase "fuzz" with these parameters. */
static const struct lyra_envelope_key *test_key(void)
{
	static struct lyra_envelope_key key;
	static int ready;
	if (!ready) {
		struct lyra_envelope_kdf kdf = { .log2n = 10, .r = 1, .p = 1 };
		memcpy(kdf.salt, "lyra-fuzz-salt!!", 16);
		if (lyra_envelope_derive(&key, "fuzz", 4, &kdf) != 0)
			abort();
		ready = 1;
	}
	return &key;
}

static void fuzz_envelope(const uint8_t *data, size_t size)
{
	const struct lyra_envelope_key *key = test_key();
	struct lyra_envelope_kdf kdf;
	struct lyra_envelope *e;
	struct mem m = { data, size, LYRA_ENVELOPE_HEADER };
	unsigned char buf[4096];
	size_t total = 0;
	ssize_t n;

	if (lyra_envelope_header(data, size, &kdf) != 0)
		return;
	if (kdf.log2n != key->kdf.log2n || kdf.r != key->kdf.r || kdf.p != key->kdf.p ||
	    memcmp(kdf.salt, key->kdf.salt, 16) != 0)
		return;
	e = lyra_envelope_reader(key, data, mem_get, &m);
	if (!e)
		return;
	while ((n = lyra_envelope_read(e, buf, sizeof buf)) > 0)
		total += (size_t)n;
	if (total > size)
		abort();
	lyra_envelope_free(e);
}

static void fuzz_pack(const uint8_t *data, size_t size)
{
	struct mem m = { data, size, 0 };
	struct lyra_pack *p = lyra_pack_reader(mem_get, &m);
	const char *name;
	int64_t msize;
	char buf[1024];
	int members = 0;

	if (!p)
		return;
	while (members++ < 64 && lyra_pack_next(p, &name, &msize) == 1) {
		ssize_t n;
		int64_t got = 0;
		if (!name)
			abort();
		while ((n = lyra_pack_read(p, buf, sizeof buf)) > 0)
			got += n;
		if (n == 0 && got > msize && msize >= 0)
			abort();
	}
	lyra_pack_free(p);
}

static void fuzz_retention(const uint8_t *data, size_t size)
{
	struct lyra_retention_item items[128];
	struct lyra_retention r;
	size_t n = 0;
	int64_t ts = 1790000000000000;

	if (size < 5)
		return;
	r.last = data[0] % 8;
	r.hourly = data[1] % 8;
	r.daily = data[2] % 8;
	r.weekly = data[3] % 8;
	r.monthly = data[4] % 8;
	for (size_t i = 5; i + 2 < size && n < 128; i += 3, n++) {
		ts += (int64_t)data[i] * 1800 * 1000000;
		items[n].ts = ts;
		items[n].good = data[i + 1] & 1;
		items[n].base = (data[i + 2] && (size_t)data[i + 2] <= n) ? (long)(n - data[i + 2]) : -1;
	}
	if (lyra_retention_apply(&r, items, n) != 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (items[i].keep && items[i].base >= 0 && !items[items[i].base].keep)
			abort();
		if ((items[i].keep & ~(unsigned)LYRA_KEEP_CHAIN) && !items[i].good)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % 4) {
	case 0: fuzz_manifest(data + 1, size - 1); break;
	case 1: fuzz_envelope(data + 1, size - 1); break;
	case 2: fuzz_pack(data + 1, size - 1); break;
	default: fuzz_retention(data + 1, size - 1); break;
	}
	return 0;
}
