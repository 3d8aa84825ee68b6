/* test_jwt.c: base64url against RFC 4648 §10, the HS256 JWS of RFC 7515 Appendix A.1 (also the
 * JWT of RFC 7519 §3.1), and the refusals: alg none, other algorithms, crit, a tampered header,
 * payload or signature, a wrong key, expiry, not-before, malformed tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "jwt.h"
#include "unit.h"

static const char rfc_token[] =
	"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
	".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
	".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
static const char rfc_jwk_k[] =
	"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

static void test_b64url(void)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
	char out[64];
	unsigned char dec[64], bytes[] = { 0xfb, 0xff, 0xbf };
	for (int i = 0; i < 7; i++) {
		char what[64];
		snprintf(what, sizeof what, "base64url '%s'", plain[i]);
		lyra_jwt_b64url_encode((const unsigned char *)plain[i], strlen(plain[i]), out, sizeof out);
		CHECK_STR(out, enc[i], what);
		int n = lyra_jwt_b64url_decode(enc[i], strlen(enc[i]), dec, sizeof dec);
		CHECK(n == (int)strlen(plain[i]) && memcmp(dec, plain[i], (size_t)n) == 0, "decodes back");
	}
	lyra_jwt_b64url_encode(bytes, 3, out, sizeof out);
	CHECK_STR(out, "-_-_", "url-safe alphabet");
	CHECK_INT(lyra_jwt_b64url_decode("Zm9v+A", 6, dec, sizeof dec), -1, "'+' refused");
	CHECK_INT(lyra_jwt_b64url_decode("Zg==", 4, dec, sizeof dec), -1, "padding refused");
	CHECK_INT(lyra_jwt_b64url_decode("Z", 1, dec, sizeof dec), -1, "impossible length");
	CHECK_INT(lyra_jwt_b64url_decode("Zh", 2, dec, sizeof dec), -1, "non-zero unused bits refused");
	CHECK_INT(lyra_jwt_b64url_encode((const unsigned char *)"foo", 3, out, 4), -1, "encode too small");
}

static void rfc_key(unsigned char *key, int *n)
{
	*n = lyra_jwt_b64url_decode(rfc_jwk_k, strlen(rfc_jwk_k), key, 64);
}

static void test_rfc7515(void)
{
	unsigned char key[64];
	int klen;
	json_t *c;
	char *tok;
	static const char header[] = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
	static const char payload[] = "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n"
	                              " \"http://example.com/is_root\":true}";

	rfc_key(key, &klen);
	CHECK_INT(klen, 64, "RFC 7515 A.1 key is 64 bytes");
	tok = lyra_jwt_encode(header, strlen(header), payload, strlen(payload), key, (size_t)klen);
	CHECK_STR(tok, rfc_token, "RFC 7515 A.1: the same header and payload give the same JWS");
	free(tok);
	c = lyra_jwt_verify(rfc_token, key, (size_t)klen, 1300819379);
	CHECK(c != NULL, "RFC 7515 A.1 verifies one second before exp");
	CHECK_STR(json_string_value(json_object_get(c, "iss")), "joe", "iss claim");
	CHECK(json_is_true(json_object_get(c, "http://example.com/is_root")), "is_root claim");
	json_decref(c);
	c = lyra_jwt_verify(rfc_token, key, (size_t)klen, 1300819380);
	CHECK(c == NULL, "expired at exp");
	CHECK_STR(lyra_error_msg(), "token expired", "says expired");
	CHECK_INT(lyra_error_code(), LYRA_EX_NOPERM, "77");
	key[0] ^= 1;
	c = lyra_jwt_verify(rfc_token, key, (size_t)klen, 1300819379);
	CHECK(c == NULL, "wrong key refused");
	CHECK_STR(lyra_error_msg(), "token signature does not match", "says signature");
}

/* header.payload.signature of a token with claims, signed with key "k" * 32. */
static char *make(const char *header, const char *payload, const unsigned char *key)
{
	return lyra_jwt_encode(header, strlen(header), payload, strlen(payload), key, 32);
}

static void refused(const char *tok, const unsigned char *key, int64_t now, const char *why,
                    const char *what)
{
	json_t *c = lyra_jwt_verify(tok, key, 32, now);
	CHECK(c == NULL, what);
	CHECK(strstr(lyra_error_msg(), why) != NULL, why);
	json_decref(c);
}

static void test_refusals(void)
{
	unsigned char key[32];
	char *tok, *t2, buf[1024], b64[256];
	json_t *claims, *c;

	memset(key, 'k', sizeof key);
	claims = json_pack("{sssIsI}", "sub", "alice", "nbf", (json_int_t)1000, "exp", (json_int_t)2000);
	tok = lyra_jwt_sign(claims, key, sizeof key);
	json_decref(claims);
	CHECK(strncmp(tok, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37) == 0,
	      "header is {\"alg\":\"HS256\",\"typ\":\"JWT\"}");
	c = lyra_jwt_verify(tok, key, sizeof key, 1500);
	CHECK(c && strcmp(json_string_value(json_object_get(c, "sub")), "alice") == 0, "round trip");
	json_decref(c);
	refused(tok, key, 999, "token not valid yet", "nbf in the future refused");
	refused(tok, key, 2000, "token expired", "exp reached refused");

	/* alg none, with and without a signature part */
	{
		static const char none[] = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
		lyra_jwt_b64url_encode((const unsigned char *)none, strlen(none), b64, sizeof b64);
	}
	snprintf(buf, sizeof buf, "%s%s", b64, strchr(tok, '.'));
	*strrchr(buf, '.') = '\0';
	strcat(buf, ".");
	refused(buf, key, 1500, "algorithm 'none' is not accepted", "alg none with empty signature");
	t2 = make("{\"alg\":\"none\"}", "{\"exp\":2000}", key);
	refused(t2, key, 1500, "algorithm 'none'", "alg none even with an HS256 signature");
	free(t2);
	t2 = make("{\"alg\":\"HS512\"}", "{\"exp\":2000}", key);
	refused(t2, key, 1500, "algorithm 'HS512' is not accepted", "wrong algorithm HS512");
	free(t2);
	t2 = make("{\"alg\":\"RS256\"}", "{\"exp\":2000}", key);
	refused(t2, key, 1500, "algorithm 'RS256'", "RS256 refused");
	free(t2);
	t2 = make("{\"alg\":\"hs256\"}", "{\"exp\":2000}", key);
	refused(t2, key, 1500, "algorithm 'hs256'", "alg compared exactly");
	free(t2);
	t2 = make("{\"typ\":\"JWT\"}", "{\"exp\":2000}", key);
	refused(t2, key, 1500, "algorithm '(missing)'", "missing alg");
	free(t2);
	t2 = make("{\"alg\":\"HS256\",\"crit\":[\"x\"]}", "{\"exp\":2000}", key);
	refused(t2, key, 1500, "critical", "crit refused");
	free(t2);
	t2 = make("{\"alg\":\"HS256\"}", "{\"sub\":\"x\"}", key);
	refused(t2, key, 1500, "no expiry", "exp required");
	free(t2);
	t2 = make("{\"alg\":\"HS256\"}", "{\"exp\":\"2000\"}", key);
	refused(t2, key, 1500, "no expiry", "exp must be a number");
	free(t2);
	t2 = make("{\"alg\":\"HS256\"}", "[1,2]", key);
	refused(t2, key, 1500, "payload is not", "payload must be an object");
	free(t2);
	t2 = make("{\"alg\":\"HS256\",\"alg\":\"none\"}", "{\"exp\":2000}", key);
	refused(t2, key, 1500, "header is not", "duplicate header keys refused");
	free(t2);

	/* tampering: payload swapped for another one, signature kept */
	{
		static const char root[] = "{\"sub\":\"root\",\"nbf\":1000,\"exp\":2000}";
		lyra_jwt_b64url_encode((const unsigned char *)root, strlen(root), b64, sizeof b64);
	}
	snprintf(buf, sizeof buf, "%.*s.%s%s", (int)(strchr(tok, '.') - tok), tok, b64, strrchr(tok, '.'));
	refused(buf, key, 1500, "signature does not match", "tampered payload");
	snprintf(buf, sizeof buf, "%s", tok);
	buf[strlen(buf) - 2] = buf[strlen(buf) - 2] == 'A' ? 'B' : 'A';
	refused(buf, key, 1500, "token signature does not match", "tampered signature");
	snprintf(buf, sizeof buf, "%s", tok);
	*strrchr(buf, '.') = '\0';
	refused(buf, key, 1500, "malformed", "two parts");
	snprintf(buf, sizeof buf, "%s.x", tok);
	refused(buf, key, 1500, "malformed", "four parts");
	refused("", key, 1500, "malformed", "empty");
	refused("..", key, 1500, "malformed", "empty parts");
	refused("e30.e30.", key, 1500, "algorithm", "{} header has no alg");
	free(tok);
}

int main(void)
{
	test_b64url();
	test_rfc7515();
	test_refusals();
	return unit_done();
}
