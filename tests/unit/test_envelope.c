/* test_envelope: sealing and opening round trips at chunk boundaries, and each kind of damage
 * named: wrong passphrase, a flipped byte, a cut-off end, a damaged header, extra bytes. */
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "error.h"
#include "unit.h"

struct buf {
	unsigned char *p;
	size_t len, cap, pos;
	int fail_after;   /* put fails once len would pass this (0: never) */
};

static int put(void *ctx, const void *data, size_t n)
{
	struct buf *b = ctx;
	if (b->fail_after && b->len + n > (size_t)b->fail_after)
		return lyra_error(LYRA_EX_IOERR, "cannot write: disk full");
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

static ssize_t get(void *ctx, void *data, size_t n)
{
	struct buf *b = ctx;
	size_t k = b->len - b->pos;
	if (k > n)
		k = n;
	if (k > 7)
		k = k / 2 + 1;   /* short reads on purpose */
	memcpy(data, b->p + b->pos, k);
	b->pos += k;
	return (ssize_t)k;
}

static struct lyra_envelope_kdf cheap_kdf(void)
{
	struct lyra_envelope_kdf k;
	memset(&k, 0, sizeof k);
	k.log2n = 10;
	k.r = 1;
	k.p = 1;
	memcpy(k.salt, "0123456789abcdef", 16);
	return k;
}

static void seal(const struct lyra_envelope_key *key, const unsigned char *msg, size_t n, struct buf *out)
{
	struct lyra_envelope *e = lyra_envelope_writer(key, put, out);
	CHECK(e != NULL, "writer starts");
	CHECK(lyra_envelope_write(e, msg, n / 3) == 0, "write part 1");
	CHECK(lyra_envelope_write(e, msg + n / 3, n - n / 3) == 0, "write part 2");
	CHECK(lyra_envelope_finish(e) == 0, "finish");
	lyra_envelope_free(e);
}

/* Open b with key: the plaintext into *out (malloc'd), its length, or -1 with error.h. */
static long open_all(const struct lyra_envelope_key *key, struct buf *b, unsigned char **out)
{
	struct lyra_envelope_kdf kdf;
	struct lyra_envelope *e;
	size_t cap = 1024, len = 0;
	unsigned char *p;
	ssize_t n;

	*out = NULL;
	b->pos = 0;
	if (lyra_envelope_header(b->p, b->len, &kdf) != 0)
		return -1;
	b->pos = LYRA_ENVELOPE_HEADER;
	if (!(e = lyra_envelope_reader(key, b->p, get, b)))
		return -1;
	p = malloc(cap);
	for (;;) {
		while (len + 5000 > cap)
			p = realloc(p, cap *= 2);
		n = lyra_envelope_read(e, p + len, 5000);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	lyra_envelope_free(e);
	if (n < 0) {
		free(p);
		return -1;
	}
	*out = p;
	return (long)len;
}

int main(void)
{
	struct lyra_envelope_kdf kdf = cheap_kdf(), parsed;
	struct lyra_envelope_key key, wrong;
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 3 * 65536, 200001 };
	unsigned char *msg = malloc(200001), *got;
	char name[96];

	for (size_t i = 0; i < 200001; i++)
		msg[i] = (unsigned char)(i * 7 + (i >> 9));
	CHECK(lyra_envelope_derive(&key, "correct horse", 13, &kdf) == 0, "derive a key");
	CHECK(lyra_envelope_derive(&wrong, "correct hors3", 13, &kdf) == 0, "derive another key");
	CHECK(memcmp(key.k, wrong.k, 32) != 0, "different passphrases, different keys");

	{
		struct lyra_envelope_kdf bad = kdf;
		struct lyra_envelope_key k;
		bad.log2n = 30;
		CHECK(lyra_envelope_derive(&k, "x", 1, &bad) == -1, "N = 2^30 refused");
		CHECK(lyra_envelope_derive(&k, "x", 0, &kdf) == -1, "an empty passphrase is refused");
		CHECK_INT(lyra_error_code(), LYRA_EX_CONFIG, "... as a configuration error");
	}
	{
		struct lyra_envelope_kdf a, b;
		CHECK(lyra_envelope_kdf_new(&a) == 0 && lyra_envelope_kdf_new(&b) == 0, "fresh parameters");
		CHECK(a.log2n == 16 && a.r == 8 && a.p == 1, "default cost is N=2^16 r=8 p=1");
		CHECK(memcmp(a.salt, b.salt, 16) != 0, "fresh salts differ");
	}

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		struct buf b = { 0 };
		size_t n = sizes[s];
		size_t chunks = n / 65536 + 1;
		seal(&key, msg, n, &b);
		snprintf(name, sizeof name, "%zu bytes seal to header + %zu chunks", n, chunks);
		CHECK_INT(b.len, LYRA_ENVELOPE_HEADER + n + 16 * (n && n % 65536 == 0 ? n / 65536 : chunks), name);
		CHECK(lyra_envelope_header(b.p, b.len, &parsed) == 0 && parsed.log2n == 10 && parsed.r == 1 &&
		      memcmp(parsed.salt, kdf.salt, 16) == 0, "the header carries the kdf parameters");
		long len = open_all(&key, &b, &got);
		snprintf(name, sizeof name, "%zu bytes open back intact", n);
		CHECK(len == (long)n && (n == 0 || memcmp(got, msg, n) == 0), name);
		free(got);
		free(b.p);
	}

	{
		struct buf b = { 0 }, c = { 0 };
		seal(&key, msg, 1000, &b);
		seal(&key, msg, 1000, &c);
		CHECK(memcmp(b.p + 32, c.p + 32, 16) != 0, "each file gets its own nonce");
		CHECK(memcmp(b.p + 72, c.p + 72, 100) != 0, "so the same data seals differently");
		free(c.p);

		CHECK(open_all(&wrong, &b, &got) == -1, "wrong passphrase fails");
		CHECK_STR(lyra_error_msg(), "wrong passphrase: the key check in the archive header does not match",
		          "and says so");
		CHECK_INT(lyra_error_code(), LYRA_EX_CONFIG, "as a configuration error");

		b.p[72 + 500] ^= 0x01;
		CHECK(open_all(&key, &b, &got) == -1, "a flipped data byte fails");
		CHECK_STR(lyra_error_msg(), "encrypted archive modified: chunk 0 (bytes 72..1087) fails authentication",
		          "naming the chunk and its bytes");
		CHECK_INT(lyra_error_code(), LYRA_EX_NO, "as damage");
		b.p[72 + 500] ^= 0x01;

		b.p[20] ^= 0x80;
		CHECK(open_all(&key, &b, &got) == -1, "a flipped salt byte fails");
		CHECK_STR(lyra_error_msg(), "encrypted archive header damaged: its checksum does not match",
		          "as header damage, not a wrong passphrase");
		b.p[20] ^= 0x80;

		memcpy(b.p, "LYRAENC2", 8);
		CHECK(open_all(&key, &b, &got) == -1, "an unknown version fails");
		CHECK_STR(lyra_error_msg(), "encrypted archive of unknown version '2'", "naming it");
		memcpy(b.p, "NOTLYRA!", 8);
		CHECK(open_all(&key, &b, &got) == -1, "another file type fails");
		CHECK_INT(lyra_error_code(), LYRA_EX_DATAERR, "as not an envelope");
		free(b.p);
	}

	{
		struct buf b = { 0 };
		seal(&key, msg, 3 * 65536 + 10, &b);
		size_t full = b.len;
		b.len = LYRA_ENVELOPE_HEADER + 2 * (65536 + 16);
		CHECK(open_all(&key, &b, &got) == -1, "cut at a chunk boundary fails");
		CHECK_STR(lyra_error_msg(), "encrypted archive cut short after chunk 1 (byte 131176): the chunks "
		          "that followed are missing", "and says it was cut short");
		b.len = LYRA_ENVELOPE_HEADER + 65536 + 16 + 7;
		CHECK(open_all(&key, &b, &got) == -1, "cut inside a chunk fails");
		CHECK_STR(lyra_error_msg(), "encrypted archive cut short inside chunk 1 at byte 65624", "naming where");
		b.len = full;
		put(&b, "extra", 5);
		CHECK(open_all(&key, &b, &got) == -1, "extra bytes after the end fail");
		CHECK_INT(lyra_error_code(), LYRA_EX_NO, "as damage");
		b.len = full;
		/* two chunks swapped */
		unsigned char *tmp = malloc(65552);
		memcpy(tmp, b.p + 72, 65552);
		memmove(b.p + 72, b.p + 72 + 65552, 65552);
		memcpy(b.p + 72 + 65552, tmp, 65552);
		free(tmp);
		CHECK(open_all(&key, &b, &got) == -1, "swapped chunks fail");
		CHECK_STR(lyra_error_msg(), "encrypted archive modified: chunk 0 (bytes 72..65623) fails authentication",
		          "at the first one");
		free(b.p);
	}

	{
		struct buf b = { 0 };
		b.fail_after = 100000;
		struct lyra_envelope *e = lyra_envelope_writer(&key, put, &b);
		CHECK(lyra_envelope_write(e, msg, 200000) == -1, "a failing sink fails the write");
		CHECK_STR(lyra_error_msg(), "cannot write: disk full", "with the sink's error");
		CHECK(lyra_envelope_write(e, msg, 10) == -1, "and the stream stays failed");
		lyra_envelope_free(e);
		free(b.p);
	}

	lyra_envelope_key_wipe(&key);
	lyra_envelope_key_wipe(&wrong);
	free(msg);
	return unit_done();
}
