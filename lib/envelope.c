/* envelope.c: the passphrase-sealed chunk stream of envelope.h: scrypt and HKDF key derivation,
 * the header with its key check and sum, and AES-256-GCM sealing and opening chunk by chunk
 * with a one-byte lookahead to know the last chunk. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "envelope.h"
#include "error.h"

#define KDF_SCRYPT 1
#define CHUNK_LOG2 16
#define TAG 16
#define INFO "lyra-envelope-v1"
#define MAX_KDF_MEM ((uint64_t)1 << 30)

struct lyra_envelope {
	int writing;
	unsigned char hdr[LYRA_ENVELOPE_HEADER];
	unsigned char enc_key[32];
	EVP_CIPHER_CTX *ctx;
	size_t chunk;                 /* plaintext bytes per chunk */
	uint64_t index;               /* next chunk to seal or open */
	unsigned char *pbuf;          /* plaintext: chunk bytes */
	size_t plen, ppos;            /* bytes in pbuf; reader: bytes already handed out */
	unsigned char *cbuf;          /* ciphertext: chunk + TAG bytes */
	int (*put)(void *ctx, const void *buf, size_t n);
	ssize_t (*get)(void *ctx, void *buf, size_t n);
	void *io;
	int ahead_valid;              /* reader: one byte of the next chunk already read */
	unsigned char ahead;
	int done;                     /* reader: the last chunk was opened; writer: finished */
	int failed;                   /* a previous call failed: refuse to go on */
};

int lyra_envelope_kdf_new(struct lyra_envelope_kdf *kdf)
{
	memset(kdf, 0, sizeof *kdf);
	kdf->log2n = 16;
	kdf->r = 8;
	kdf->p = 1;
	if (RAND_bytes(kdf->salt, sizeof kdf->salt) != 1)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot make a salt: no randomness");
	return 0;
}

static int kdf_ok(const struct lyra_envelope_kdf *kdf)
{
	if (kdf->log2n < 10 || kdf->log2n > 20 || kdf->r < 1 || kdf->r > 16 || kdf->p < 1 ||
	    kdf->p > 4)
		return 0;
	return (uint64_t)128 * kdf->r * (((uint64_t)1 << kdf->log2n) + kdf->p + 2) <= MAX_KDF_MEM;
}

int lyra_envelope_derive(struct lyra_envelope_key *key, const char *pass, size_t n,
                         const struct lyra_envelope_kdf *kdf)
{
	if (!n)
		return lyra_error(LYRA_EX_CONFIG, "cannot derive a key: the passphrase is empty");
	if (!kdf_ok(kdf))
		return lyra_error(LYRA_EX_NO, "cannot derive a key: scrypt parameters N=2^%u r=%u p=%u "
		                  "are out of bounds", kdf->log2n, kdf->r, kdf->p);
	key->kdf = *kdf;
	if (EVP_PBE_scrypt(pass, n, kdf->salt, sizeof kdf->salt, (uint64_t)1 << kdf->log2n, kdf->r,
	                   kdf->p, MAX_KDF_MEM + ((uint64_t)1 << 24), key->k, sizeof key->k) != 1)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot derive a key: scrypt failed (out of memory?)");
	return 0;
}

void lyra_envelope_key_wipe(struct lyra_envelope_key *key)
{
	OPENSSL_cleanse(key, sizeof *key);
}

static void header_sum(const unsigned char *hdr, unsigned char out[8])
{
	unsigned char md[32];
	unsigned int len = 0;
	EVP_Digest(hdr, 64, md, &len, EVP_sha256(), NULL);
	memcpy(out, md, 8);
}

int lyra_envelope_header(const void *hdr, size_t n, struct lyra_envelope_kdf *kdf)
{
	const unsigned char *h = hdr;
	unsigned char sum[8];

	if (n < 8 || memcmp(h, LYRA_ENVELOPE_MAGIC, 7) != 0)
		return lyra_error(LYRA_EX_DATAERR, "not an encrypted lyra archive");
	if (h[7] != LYRA_ENVELOPE_MAGIC[7])
		return lyra_error(LYRA_EX_NO, "encrypted archive of unknown version '%c'", h[7]);
	if (n < LYRA_ENVELOPE_HEADER)
		return lyra_error(LYRA_EX_NO, "encrypted archive cut short: its header has %zu of %d bytes",
		                  n, LYRA_ENVELOPE_HEADER);
	header_sum(h, sum);
	if (memcmp(sum, h + 64, 8) != 0)
		return lyra_error(LYRA_EX_NO, "encrypted archive header damaged: its checksum does not match");
	if (h[8] != KDF_SCRYPT || h[12] < 12 || h[12] > 22 || h[13] || h[14] || h[15])
		return lyra_error(LYRA_EX_NO, "encrypted archive header has unsupported parameters");
	memset(kdf, 0, sizeof *kdf);
	kdf->log2n = h[9];
	kdf->r = h[10];
	kdf->p = h[11];
	memcpy(kdf->salt, h + 16, sizeof kdf->salt);
	if (!kdf_ok(kdf))
		return lyra_error(LYRA_EX_NO, "encrypted archive header asks for scrypt N=2^%u r=%u p=%u: "
		                  "out of bounds", kdf->log2n, kdf->r, kdf->p);
	return 0;
}

/* enc_key and the 16-byte key check for the header's first 48 bytes. */
static int file_keys(const struct lyra_envelope_key *key, const unsigned char *hdr,
                     unsigned char enc_key[32], unsigned char check[16])
{
	unsigned char okm[64], mac[32];
	unsigned int maclen = 0;
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[5];
	int ok;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key->k, 32);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(hdr + 32), 16);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)INFO,
	                                              sizeof INFO - 1);
	params[4] = OSSL_PARAM_construct_end();
	ok = kctx && EVP_KDF_derive(kctx, okm, sizeof okm, params) == 1;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	ok = ok && HMAC(EVP_sha256(), okm + 32, 32, hdr, 48, mac, &maclen) && maclen == 32;
	if (ok) {
		memcpy(enc_key, okm, 32);
		memcpy(check, mac, 16);
	}
	OPENSSL_cleanse(okm, sizeof okm);
	if (!ok)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot derive the file keys: hkdf failed");
	return 0;
}

static struct lyra_envelope *envelope_new(size_t chunk)
{
	struct lyra_envelope *e = calloc(1, sizeof *e);
	if (!e || !(e->ctx = EVP_CIPHER_CTX_new()) || !(e->pbuf = malloc(chunk)) ||
	    !(e->cbuf = malloc(chunk + TAG))) {
		lyra_envelope_free(e);
		lyra_error(LYRA_EX_SOFTWARE, "cannot set up encryption: out of memory");
		return NULL;
	}
	e->chunk = chunk;
	return e;
}

static void make_nonce(unsigned char nonce[12], uint64_t index, int last)
{
	for (int i = 0; i < 8; i++)
		nonce[i] = (unsigned char)(index >> (56 - 8 * i));
	nonce[8] = nonce[9] = nonce[10] = 0;
	nonce[11] = (unsigned char)(last ? 1 : 0);
}

struct lyra_envelope *lyra_envelope_writer(const struct lyra_envelope_key *key,
                                           int (*put)(void *ctx, const void *buf, size_t n),
                                           void *ctx)
{
	struct lyra_envelope *e = envelope_new((size_t)1 << CHUNK_LOG2);
	unsigned char *h;
	unsigned char check[16];

	if (!e)
		return NULL;
	e->writing = 1;
	e->put = put;
	e->io = ctx;
	h = e->hdr;
	memcpy(h, LYRA_ENVELOPE_MAGIC, 8);
	h[8] = KDF_SCRYPT;
	h[9] = key->kdf.log2n;
	h[10] = key->kdf.r;
	h[11] = key->kdf.p;
	h[12] = CHUNK_LOG2;
	memcpy(h + 16, key->kdf.salt, 16);
	if (RAND_bytes(h + 32, 16) != 1) {
		lyra_error(LYRA_EX_SOFTWARE, "cannot make a file nonce: no randomness");
		goto fail;
	}
	if (file_keys(key, h, e->enc_key, check) != 0)
		goto fail;
	memcpy(h + 48, check, 16);
	header_sum(h, h + 64);
	if (EVP_EncryptInit_ex(e->ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(e->ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_EncryptInit_ex(e->ctx, NULL, NULL, e->enc_key, NULL) != 1) {
		lyra_error(LYRA_EX_SOFTWARE, "cannot set up aes-256-gcm");
		goto fail;
	}
	if (put(ctx, h, LYRA_ENVELOPE_HEADER) != 0)
		goto fail;
	return e;
fail:
	lyra_envelope_free(e);
	return NULL;
}

static int seal(struct lyra_envelope *e, int last)
{
	unsigned char nonce[12];
	int len = 0, fin = 0;

	make_nonce(nonce, e->index, last);
	if (EVP_EncryptInit_ex(e->ctx, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_EncryptUpdate(e->ctx, NULL, &len, e->hdr, LYRA_ENVELOPE_HEADER) != 1 ||
	    (e->plen && EVP_EncryptUpdate(e->ctx, e->cbuf, &len, e->pbuf, (int)e->plen) != 1) ||
	    EVP_EncryptFinal_ex(e->ctx, e->cbuf + (e->plen ? len : 0), &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(e->ctx, EVP_CTRL_GCM_GET_TAG, TAG, e->cbuf + e->plen) != 1) {
		e->failed = 1;
		return lyra_error(LYRA_EX_SOFTWARE, "cannot encrypt: aes-256-gcm failed");
	}
	if (e->put(e->io, e->cbuf, e->plen + TAG) != 0) {
		e->failed = 1;
		return -1;
	}
	e->index++;
	e->plen = 0;
	return 0;
}

int lyra_envelope_write(struct lyra_envelope *e, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	if (!e->writing || e->done || e->failed)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot encrypt: the stream is closed");
	while (n) {
		size_t take;
		if (e->plen == e->chunk && seal(e, 0) != 0)
			return -1;
		take = e->chunk - e->plen;
		if (take > n)
			take = n;
		memcpy(e->pbuf + e->plen, p, take);
		e->plen += take;
		p += take;
		n -= take;
	}
	return 0;
}

int lyra_envelope_finish(struct lyra_envelope *e)
{
	if (!e->writing || e->done || e->failed)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot encrypt: the stream is closed");
	if (seal(e, 1) != 0)
		return -1;
	e->done = 1;
	return 0;
}

struct lyra_envelope *lyra_envelope_reader(const struct lyra_envelope_key *key, const void *hdr,
                                           ssize_t (*get)(void *ctx, void *buf, size_t n),
                                           void *ctx)
{
	const unsigned char *h = hdr;
	struct lyra_envelope_kdf kdf;
	struct lyra_envelope *e;
	unsigned char check[16];

	if (lyra_envelope_header(h, LYRA_ENVELOPE_HEADER, &kdf) != 0)
		return NULL;
	if (kdf.log2n != key->kdf.log2n || kdf.r != key->kdf.r || kdf.p != key->kdf.p ||
	    memcmp(kdf.salt, key->kdf.salt, sizeof kdf.salt) != 0) {
		lyra_error(LYRA_EX_SOFTWARE, "cannot decrypt: the key was derived for another header");
		return NULL;
	}
	if (!(e = envelope_new((size_t)1 << h[12])))
		return NULL;
	memcpy(e->hdr, h, LYRA_ENVELOPE_HEADER);
	e->get = get;
	e->io = ctx;
	if (file_keys(key, h, e->enc_key, check) != 0)
		goto fail;
	if (CRYPTO_memcmp(check, h + 48, 16) != 0) {
		lyra_error(LYRA_EX_CONFIG, "wrong passphrase: the key check in the archive header does not match");
		goto fail;
	}
	if (EVP_DecryptInit_ex(e->ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(e->ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_DecryptInit_ex(e->ctx, NULL, NULL, e->enc_key, NULL) != 1) {
		lyra_error(LYRA_EX_SOFTWARE, "cannot set up aes-256-gcm");
		goto fail;
	}
	return e;
fail:
	lyra_envelope_free(e);
	return NULL;
}

/* Read up to n bytes, looping over short reads. Bytes read, or -1. */
static ssize_t read_full(struct lyra_envelope *e, unsigned char *buf, size_t n)
{
	size_t got = 0;
	if (e->ahead_valid && n) {
		buf[got++] = e->ahead;
		e->ahead_valid = 0;
	}
	while (got < n) {
		ssize_t r = e->get(e->io, buf + got, n - got);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Try to open cbuf[0..clen) (ciphertext then tag) as chunk e->index with the given last flag.
 * 1 authentic (plaintext in pbuf), 0 not. */
static int open_chunk(struct lyra_envelope *e, size_t clen, int last)
{
	unsigned char nonce[12];
	int len = 0, fin = 0;
	size_t plen = clen - TAG;

	make_nonce(nonce, e->index, last);
	if (EVP_DecryptInit_ex(e->ctx, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(e->ctx, NULL, &len, e->hdr, LYRA_ENVELOPE_HEADER) != 1 ||
	    (plen && EVP_DecryptUpdate(e->ctx, e->pbuf, &len, e->cbuf, (int)plen) != 1) ||
	    EVP_CIPHER_CTX_ctrl(e->ctx, EVP_CTRL_GCM_SET_TAG, TAG, e->cbuf + plen) != 1 ||
	    EVP_DecryptFinal_ex(e->ctx, e->pbuf + (plen ? len : 0), &fin) != 1)
		return 0;
	e->plen = plen;
	e->ppos = 0;
	return 1;
}

static int next_chunk(struct lyra_envelope *e)
{
	size_t full = e->chunk + TAG;
	uint64_t off = LYRA_ENVELOPE_HEADER + e->index * (uint64_t)full;
	ssize_t got = read_full(e, e->cbuf, full);
	int last;

	if (got < 0)
		return -1;
	if ((size_t)got < TAG) {
		e->failed = 1;
		if (got == 0)
			return lyra_error(LYRA_EX_NO, "encrypted archive cut short: chunk %llu at byte %llu "
			                  "is missing", (unsigned long long)e->index, (unsigned long long)off);
		return lyra_error(LYRA_EX_NO, "encrypted archive cut short inside chunk %llu at byte %llu",
		                  (unsigned long long)e->index, (unsigned long long)off);
	}
	last = (size_t)got < full;
	if (!last) {
		ssize_t more = read_full(e, &e->ahead, 1);
		if (more < 0)
			return -1;
		e->ahead_valid = more == 1;
		last = more == 0;
	}
	if (open_chunk(e, (size_t)got, last)) {
		e->index++;
		e->done = last;
		return 0;
	}
	e->failed = 1;
	if (last && (size_t)got == full && open_chunk(e, (size_t)got, 0))
		return lyra_error(LYRA_EX_NO, "encrypted archive cut short after chunk %llu (byte %llu): "
		                  "the chunks that followed are missing", (unsigned long long)e->index,
		                  (unsigned long long)(off + full));
	return lyra_error(LYRA_EX_NO, "encrypted archive modified: chunk %llu (bytes %llu..%llu) fails "
	                  "authentication", (unsigned long long)e->index, (unsigned long long)off,
	                  (unsigned long long)(off + (uint64_t)got - 1));
}

ssize_t lyra_envelope_read(struct lyra_envelope *e, void *buf, size_t n)
{
	size_t take;

	if (e->writing || e->failed)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot decrypt: the stream failed earlier");
	while (e->ppos == e->plen) {
		if (e->done)
			return 0;
		if (next_chunk(e) != 0)
			return -1;
	}
	take = e->plen - e->ppos;
	if (take > n)
		take = n;
	memcpy(buf, e->pbuf + e->ppos, take);
	e->ppos += take;
	return (ssize_t)take;
}

void lyra_envelope_free(struct lyra_envelope *e)
{
	if (!e)
		return;
	EVP_CIPHER_CTX_free(e->ctx);
	if (e->pbuf)
		OPENSSL_cleanse(e->pbuf, e->chunk);
	free(e->pbuf);
	free(e->cbuf);
	OPENSSL_cleanse(e, sizeof *e);
	free(e);
}
