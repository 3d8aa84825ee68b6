/* jwt.c: HS256 JSON Web Tokens and base64url (jwt.h). The header's algorithm is checked before
 * anything else and only HS256 is ever accepted, whatever the token claims; signatures are
 * compared with CRYPTO_memcmp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "codec.h"
#include "error.h"
#include "jwt.h"

int lyra_jwt_b64url_encode(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	return lyra_b64url_encode(in, n, out, outlen);
}

int lyra_jwt_b64url_decode(const char *in, size_t n, unsigned char *out, size_t outlen)
{
	return lyra_b64url_decode(in, n, out, outlen);
}

static int hs256(const unsigned char *key, size_t keylen, const char *msg, size_t n,
                 unsigned char mac[32])
{
	unsigned int len = 0;
	if (!HMAC(EVP_sha256(), key ? key : (const unsigned char *)"", (int)keylen,
	          (const unsigned char *)msg, n, mac, &len) || len != 32)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot sign token: hmac failed");
	return 0;
}

char *lyra_jwt_encode(const char *header, size_t hlen, const char *payload, size_t plen,
                      const unsigned char *key, size_t keylen)
{
	size_t cap = (hlen + plen + 32) / 3 * 4 + 16, o;
	unsigned char mac[32];
	char *tok;
	int n;

	if (hlen > LYRA_JWT_MAX || plen > LYRA_JWT_MAX) {
		lyra_error(LYRA_EX_SOFTWARE, "cannot sign token: too long");
		return NULL;
	}
	tok = malloc(cap);
	if (!tok) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	n = lyra_jwt_b64url_encode((const unsigned char *)header, hlen, tok, cap);
	o = (size_t)n;
	tok[o++] = '.';
	n = lyra_jwt_b64url_encode((const unsigned char *)payload, plen, tok + o, cap - o);
	o += (size_t)n;
	if (hs256(key, keylen, tok, o, mac) != 0) {
		free(tok);
		return NULL;
	}
	tok[o++] = '.';
	lyra_jwt_b64url_encode(mac, sizeof mac, tok + o, cap - o);
	OPENSSL_cleanse(mac, sizeof mac);
	return tok;
}

char *lyra_jwt_sign(const json_t *claims, const unsigned char *key, size_t keylen)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	char *payload = json_dumps(claims, JSON_COMPACT | JSON_PRESERVE_ORDER);
	char *tok;

	if (!payload || !json_is_object(claims)) {
		free(payload);
		lyra_error(LYRA_EX_SOFTWARE, "cannot sign token: claims are not an object");
		return NULL;
	}
	tok = lyra_jwt_encode(header, sizeof header - 1, payload, strlen(payload), key, keylen);
	free(payload);
	return tok;
}

static json_t *refuse(const char *why)
{
	lyra_error(LYRA_EX_NOPERM, "%s", why);
	return NULL;
}

/* Decode one base64url part holding a JSON object: NEW reference or NULL. */
static json_t *part_object(const char *s, size_t n)
{
	unsigned char buf[LYRA_JWT_MAX];
	json_t *v;
	int len = lyra_jwt_b64url_decode(s, n, buf, sizeof buf);
	if (len < 0)
		return NULL;
	v = json_loadb((const char *)buf, (size_t)len, JSON_REJECT_DUPLICATES, NULL);
	if (v && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

static int numeric_date(const json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!(d > -9.2e18 && d < 9.2e18))
			return -1;
		*out = (int64_t)d;
		if ((double)*out > d)
			(*out)--;
		return 0;
	}
	return -1;
}

json_t *lyra_jwt_verify(const char *token, const unsigned char *key, size_t keylen, int64_t now_s)
{
	const char *d1, *d2;
	size_t n;
	json_t *hdr, *claims;
	const char *alg;
	unsigned char mac[32], sig[64];
	int siglen;
	int64_t t;

	if (!token)
		return refuse("malformed token");
	n = strlen(token);
	d1 = strchr(token, '.');
	d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (n > LYRA_JWT_MAX || !d1 || !d2 || strchr(d2 + 1, '.') || d1 == token || d2 == d1 + 1)
		return refuse("malformed token");
	hdr = part_object(token, (size_t)(d1 - token));
	if (!hdr)
		return refuse("malformed token: the header is not a base64url JSON object");
	alg = json_string_value(json_object_get(hdr, "alg"));
	if (!alg || strcmp(alg, "HS256") != 0) {
		char why[128];
		snprintf(why, sizeof why, "token algorithm '%.40s' is not accepted (only HS256)",
		         alg ? alg : "(missing)");
		json_decref(hdr);
		return refuse(why);
	}
	if (json_object_get(hdr, "crit")) {
		json_decref(hdr);
		return refuse("token header has critical extensions");
	}
	json_decref(hdr);
	siglen = lyra_jwt_b64url_decode(d2 + 1, strlen(d2 + 1), sig, sizeof sig);
	if (hs256(key, keylen, token, (size_t)(d2 - token), mac) != 0)
		return NULL;
	if (siglen != 32 || CRYPTO_memcmp(mac, sig, 32) != 0) {
		OPENSSL_cleanse(mac, sizeof mac);
		return refuse("token signature does not match");
	}
	OPENSSL_cleanse(mac, sizeof mac);
	claims = part_object(d1 + 1, (size_t)(d2 - d1 - 1));
	if (!claims)
		return refuse("malformed token: the payload is not a base64url JSON object");
	if (numeric_date(json_object_get(claims, "exp"), &t) != 0) {
		json_decref(claims);
		return refuse("malformed token: no expiry");
	}
	if (now_s >= t) {
		json_decref(claims);
		return refuse("token expired");
	}
	if (json_object_get(claims, "nbf")) {
		if (numeric_date(json_object_get(claims, "nbf"), &t) != 0) {
			json_decref(claims);
			return refuse("malformed token: bad 'nbf'");
		}
		if (now_s < t) {
			json_decref(claims);
			return refuse("token not valid yet");
		}
	}
	if (json_object_get(claims, "iat") && numeric_date(json_object_get(claims, "iat"), &t) != 0) {
		json_decref(claims);
		return refuse("malformed token: bad 'iat'");
	}
	return claims;
}
