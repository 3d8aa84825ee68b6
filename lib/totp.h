/* totp.h: one-time passwords for second factors. HOTP (RFC 4226) and TOTP (RFC 6238) over
 * HMAC-SHA-1, the algorithm authenticator apps use (SHA-256 and SHA-512 too, for RFC 6238's own
 * vectors); the base32 secrets those apps take (RFC 4648 §6); otpauth:// enrolment URIs. */
#ifndef LYRA_TOTP_H
#define LYRA_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define LYRA_TOTP_STEP 30       /* seconds per time step */
#define LYRA_TOTP_DIGITS 6
#define LYRA_TOTP_WINDOW 1      /* steps accepted either side of now */

enum lyra_totp_alg { LYRA_TOTP_SHA1, LYRA_TOTP_SHA256, LYRA_TOTP_SHA512 };

/* HOTP(key, counter): dynamic truncation of HMAC(key, counter as 8 bytes big-endian) modulo
 * 10^digits, 6 <= digits <= 9. Returns the code (>= 0), or -1 with error.h on bad arguments. */
long lyra_totp_hotp(enum lyra_totp_alg alg, const unsigned char *key, size_t keylen,
                    uint64_t counter, int digits);

/* TOTP at Unix time t (seconds, >= 0) with T0 = 0: HOTP with counter floor(t / step). */
long lyra_totp_at(enum lyra_totp_alg alg, const unsigned char *key, size_t keylen, int64_t t,
                  int step, int digits);

/* Check code (exactly `digits` ASCII digits) against the steps within `window` of now_s,
 * accepting only a step later than last_step (a code is good once: replay protection). Returns
 * the matched step (>= 0) for the caller to record as the new last_step, or -1 with error.h
 * (LYRA_EX_NOPERM) when it does not match or was used already. Every candidate is computed and
 * compared in constant time. */
int64_t lyra_totp_verify(enum lyra_totp_alg alg, const unsigned char *key, size_t keylen,
                         const char *code, int64_t now_s, int step, int digits, int window,
                         int64_t last_step);

/* Base32 (RFC 4648 alphabet A-Z2-7). encode writes without padding and NUL-terminates; returns
 * the length, or -1 when out (outlen bytes) is too small. decode accepts lowercase, spaces and
 * '=' padding at the end; returns the byte count, or -1 on an invalid character, impossible
 * length or a too small output. */
int lyra_totp_base32_encode(const unsigned char *in, size_t n, char *out, size_t outlen);
int lyra_totp_base32_decode(const char *in, unsigned char *out, size_t outlen);

/* The otpauth:// URI an authenticator app scans:
 * otpauth://totp/ISSUER:ACCOUNT?secret=B32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
 * with issuer and account percent-encoded. Returns the length, or -1 when out is too small. */
int lyra_totp_uri(const char *issuer, const char *account, const char *secret_b32, char *out,
                  size_t outlen);

#endif
