/* totp.c: HOTP/TOTP codes, base32 secrets and otpauth:// URIs (totp.h). HMAC comes from
 * OpenSSL; comparisons of codes are constant time. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "error.h"
#include "totp.h"

static const EVP_MD *totp_md(enum lyra_totp_alg alg)
{
	switch (alg) {
	case LYRA_TOTP_SHA1: return EVP_sha1();
	case LYRA_TOTP_SHA256: return EVP_sha256();
	case LYRA_TOTP_SHA512: return EVP_sha512();
	}
	return NULL;
}

static const long pow10_table[] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                    100000000, 1000000000 };

long lyra_totp_hotp(enum lyra_totp_alg alg, const unsigned char *key, size_t keylen,
                    uint64_t counter, int digits)
{
	unsigned char msg[8], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const EVP_MD *evp = totp_md(alg);
	uint32_t bin;
	int off;

	if (!evp || digits < 6 || digits > 9 || (!key && keylen))
		return lyra_error(LYRA_EX_SOFTWARE, "cannot compute a one-time code: bad arguments");
	for (int i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	if (!HMAC(evp, key ? key : (const unsigned char *)"", (int)keylen, msg, sizeof msg, md, &mdlen) ||
	    mdlen < 20)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot compute a one-time code: hmac failed");
	off = md[mdlen - 1] & 0x0f;
	bin = ((uint32_t)(md[off] & 0x7f) << 24) | ((uint32_t)md[off + 1] << 16) |
	      ((uint32_t)md[off + 2] << 8) | (uint32_t)md[off + 3];
	OPENSSL_cleanse(md, sizeof md);
	return (long)(bin % (uint32_t)pow10_table[digits]);
}

long lyra_totp_at(enum lyra_totp_alg alg, const unsigned char *key, size_t keylen, int64_t t,
                  int step, int digits)
{
	if (t < 0 || step <= 0)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot compute a one-time code: bad time or step");
	return lyra_totp_hotp(alg, key, keylen, (uint64_t)(t / step), digits);
}

int64_t lyra_totp_verify(enum lyra_totp_alg alg, const unsigned char *key, size_t keylen,
                         const char *code, int64_t now_s, int step, int digits, int window,
                         int64_t last_step)
{
	char want[24];
	int64_t now_step, found = -1;
	size_t n = code ? strlen(code) : 0;

	if (step <= 0 || now_s < 0 || digits < 6 || digits > 9 || window < 0 || window > 10)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot check a one-time code: bad arguments");
	if (n != (size_t)digits || strspn(code, "0123456789") != n)
		return lyra_error(LYRA_EX_NOPERM, "one-time code refused: not %d digits", digits);
	now_step = now_s / step;
	for (int64_t s = now_step - window; s <= now_step + window; s++) {
		long v;
		if (s < 0)
			continue;
		v = lyra_totp_hotp(alg, key, keylen, (uint64_t)s, digits);
		if (v < 0)
			return -1;
		snprintf(want, sizeof want, "%0*ld", digits, v);
		if (CRYPTO_memcmp(want, code, n) == 0 && s > last_step && found < 0)
			found = s;
	}
	OPENSSL_cleanse(want, sizeof want);
	if (found < 0)
		return lyra_error(LYRA_EX_NOPERM, "one-time code refused: wrong, expired or used already");
	return found;
}

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int lyra_totp_base32_encode(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	size_t need = (n * 8 + 4) / 5, o = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (outlen < need + 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return (int)o;
}

int lyra_totp_base32_decode(const char *in, unsigned char *out, size_t outlen)
{
	uint32_t acc = 0;
	int bits = 0, pad = 0;
	size_t o = 0, nchars = 0;

	for (const char *p = in; *p; p++) {
		int v;
		char c = *p;
		if (c == ' ')
			continue;
		if (c == '=') {
			pad = 1;
			continue;
		}
		if (pad)
			return -1;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= '2' && c <= '7')
			v = c - '2' + 26;
		else
			return -1;
		nchars++;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)((acc >> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	/* Lengths 1, 3 and 6 (mod 8) cannot come from whole bytes. */
	switch (nchars % 8) {
	case 1: case 3: case 6:
		return -1;
	}
	return (int)o;
}

static size_t pct_encode(const char *s, char *out, size_t outlen, size_t o)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			if (o + 1 < outlen)
				out[o] = (char)*p;
			o++;
		} else {
			if (o + 3 < outlen) {
				out[o] = '%';
				out[o + 1] = hex[*p >> 4];
				out[o + 2] = hex[*p & 15];
			}
			o += 3;
		}
	}
	return o;
}

static size_t put_str(const char *s, char *out, size_t outlen, size_t o)
{
	for (; *s; s++, o++)
		if (o + 1 < outlen)
			out[o] = *s;
	return o;
}

int lyra_totp_uri(const char *issuer, const char *account, const char *secret_b32, char *out,
                  size_t outlen)
{
	size_t o = 0;
	char tail[64];

	if (!outlen)
		return -1;
	o = put_str("otpauth://totp/", out, outlen, o);
	o = pct_encode(issuer, out, outlen, o);
	o = put_str(":", out, outlen, o);
	o = pct_encode(account, out, outlen, o);
	o = put_str("?secret=", out, outlen, o);
	o = put_str(secret_b32, out, outlen, o);
	o = put_str("&issuer=", out, outlen, o);
	o = pct_encode(issuer, out, outlen, o);
	snprintf(tail, sizeof tail, "&algorithm=SHA1&digits=%d&period=%d", LYRA_TOTP_DIGITS,
	         LYRA_TOTP_STEP);
	o = put_str(tail, out, outlen, o);
	if (o + 1 > outlen) {
		out[0] = '\0';
		return -1;
	}
	out[o] = '\0';
	return (int)o;
}
