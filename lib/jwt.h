/* jwt.h: JSON Web Tokens signed with HMAC-SHA-256: the JWS compact serialisation (RFC 7515)
 * of a JWT (RFC 7519) with "alg":"HS256" and nothing else (no "none", no other algorithm, no
 * "crit" extensions), and base64url without padding (RFC 4648 §5). Times are NumericDate
 * seconds. */
#ifndef LYRA_JWT_H
#define LYRA_JWT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define LYRA_JWT_MAX 8192            /* longest token accepted */

/* Base64url without padding. encode NUL-terminates and returns the length, or -1 when out
 * (outlen bytes, at least 4*ceil(n/3)+1) is too small. decode takes n characters and returns the
 * byte count, or -1 on a character outside the alphabet, '=' padding, an impossible length,
 * non-zero unused bits (only one encoding of a value is accepted) or a too small output. */
int lyra_jwt_b64url_encode(const unsigned char *in, size_t n, char *out, size_t outlen);
int lyra_jwt_b64url_decode(const char *in, size_t n, unsigned char *out, size_t outlen);

/* A token from an exact header and payload (JSON texts, used as given): base64url(header) "."
 * base64url(payload) "." base64url(HMAC-SHA-256(key, first two parts)). NEW malloc'd string, or
 * NULL with error.h set. The header must say "alg":"HS256"; it is not checked here. */
char *lyra_jwt_encode(const char *header, size_t hlen, const char *payload, size_t plen,
                      const unsigned char *key, size_t keylen);

/* Sign claims (borrowed) with the header {"alg":"HS256","typ":"JWT"}; the payload is the
 * compact JSON of claims in their order. NEW malloc'd token, or NULL with error.h set. */
char *lyra_jwt_sign(const json_t *claims, const unsigned char *key, size_t keylen);

/* Verify a token at now_s and return its claims (NEW reference), or NULL with error.h
 * (LYRA_EX_NOPERM) and a message saying why: "malformed token", "token algorithm 'none' is not
 * accepted" (and any alg other than HS256), "token signature does not match", "token expired",
 * "token not valid yet". Checks, in order: three base64url parts; the header is a JSON object
 * whose "alg" is exactly "HS256" and without "crit"; the signature (constant-time compare); the
 * payload is a JSON object; "exp" is required and must be a number > now_s; "nbf", when present,
 * must be a number <= now_s; "iat", when present, must be a number. */
json_t *lyra_jwt_verify(const char *token, const unsigned char *key, size_t keylen, int64_t now_s);

#endif
