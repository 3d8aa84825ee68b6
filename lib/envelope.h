/* envelope.h: a stream sealed under a passphrase, the format of encrypted backups: scrypt derives
 * a key from the passphrase, and the data follows in AES-256-GCM chunks, each authenticated, so
 * a reader never hands out a byte it has not checked and notices a wrong passphrase, a changed
 * byte, a reordered, missing or extra chunk, and a cut-off end, and says which.
 *
 * Layout: a 72-byte header, then chunks.
 *   off len
 *     0   8  magic "LYRAENC1"
 *     8   1  kdf: 1 = scrypt
 *     9   1  log2 N (scrypt cost)
 *    10   1  r
 *    11   1  p
 *    12   1  log2 of the chunk size (16: 64 KiB)
 *    13   3  zero
 *    16  16  salt
 *    32  16  file nonce (random per file)
 *    48  16  key check: HMAC-SHA256(check_key, bytes 0..47), first 16 bytes
 *    64   8  header sum: SHA-256(bytes 0..63), first 8 bytes (finds accidental damage)
 * K = scrypt(passphrase, salt, N, r, p, 32 bytes);
 * enc_key || check_key = HKDF-SHA256(ikm K, salt file nonce, info "lyra-envelope-v1", 64 bytes).
 * Chunk i (0, 1, ...) is AES-256-GCM under enc_key with the 12-byte nonce be64(i) || be32(last),
 * the 72 header bytes as additional data, and its 16-byte tag after the ciphertext. Every chunk
 * but the last holds exactly the chunk size; the last (possibly empty) has last = 1.
 * Files sealed with one K share a salt; the random file nonce gives each its own keys. */
#ifndef LYRA_ENVELOPE_H
#define LYRA_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LYRA_ENVELOPE_HEADER 72
#define LYRA_ENVELOPE_MAGIC "LYRAENC1"

/* Key derivation parameters, as stored in a header. */
struct lyra_envelope_kdf {
	uint8_t log2n;          /* scrypt N = 2^log2n */
	uint8_t r, p;
	unsigned char salt[16];
};

/* A derived key K with the parameters it came from. Wipe with lyra_envelope_key_wipe. */
struct lyra_envelope_key {
	struct lyra_envelope_kdf kdf;
	unsigned char k[32];
};

/* The default parameters (N = 2^16, r = 8, p = 1: 64 MiB, a fraction of a second) with a fresh
 * random salt. 0, or -1 (LYRA_EX_SOFTWARE) when the system has no randomness. */
int lyra_envelope_kdf_new(struct lyra_envelope_kdf *kdf);

/* Derive K from a passphrase of n bytes (n >= 1). Parameters outside what a reader accepts
 * (log2n 10..20, r 1..16, p 1..4, at most 1 GiB of memory) are refused. 0, or -1 with error.h. */
int lyra_envelope_derive(struct lyra_envelope_key *key, const char *pass, size_t n,
                         const struct lyra_envelope_kdf *kdf);
void lyra_envelope_key_wipe(struct lyra_envelope_key *key);

/* Parse and check a header of n bytes: magic, version, header sum, parameter bounds. Fills
 * *kdf. 0; -1 with error.h: LYRA_EX_DATAERR when it is not an envelope at all, LYRA_EX_NO when
 * it is one whose header is damaged or unsupported. */
int lyra_envelope_header(const void *hdr, size_t n, struct lyra_envelope_kdf *kdf);

struct lyra_envelope;

/* A NEW sealing stream under key (copied) whose output goes to put, which writes all n bytes
 * (0) or fails (-1 with error.h). Writes the header at once. NULL with error.h on failure. */
struct lyra_envelope *lyra_envelope_writer(const struct lyra_envelope_key *key,
                                           int (*put)(void *ctx, const void *buf, size_t n),
                                           void *ctx);
/* Seal n bytes (buffered into chunks). 0, or -1 with error.h. */
int lyra_envelope_write(struct lyra_envelope *e, const void *buf, size_t n);
/* Seal the last chunk. Nothing may be written after. 0, or -1 with error.h. */
int lyra_envelope_finish(struct lyra_envelope *e);

/* A NEW opening stream: hdr holds the LYRA_ENVELOPE_HEADER bytes already read (and accepted by
 * lyra_envelope_header), key the K derived for its parameters; get supplies the bytes after the
 * header (up to n bytes: how many, 0 at the end, or -1 with error.h). Checks the key: NULL with
 * LYRA_EX_CONFIG and "wrong passphrase" when it does not fit, or another error. */
struct lyra_envelope *lyra_envelope_reader(const struct lyra_envelope_key *key, const void *hdr,
                                           ssize_t (*get)(void *ctx, void *buf, size_t n),
                                           void *ctx);
/* Up to n bytes of authenticated plaintext: the count, 0 at the authenticated end, -1 with
 * error.h (LYRA_EX_NO naming the chunk and its byte offset when a chunk fails authentication or
 * the stream is cut short or runs on; the class of get's error otherwise). */
ssize_t lyra_envelope_read(struct lyra_envelope *e, void *buf, size_t n);

/* Free a writer or reader (wipes its keys). NULL is fine. */
void lyra_envelope_free(struct lyra_envelope *e);

#endif
