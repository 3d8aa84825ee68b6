/* fuzz_jwt.c: the token and secret parsers on arbitrary bytes. lyra_jwt_verify must refuse
 * anything not signed with the key (it can only accept what lyra_jwt_encode made); base64url
 * and base32 decodings must encode back to the canonical form; lyra_apikey_parse must either
 * fill a key and a secret or fail with both empty. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "apikey.h"
#include "jwt.h"
#include "totp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key[32] = "fuzz-key-fuzz-key-fuzz-key-fuzz";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	unsigned char *buf = malloc(size + 8);
	char *enc = malloc(2 * size + 16);
	json_t *claims;
	int n;

	if (!s || !buf || !enc)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';

	/* arbitrary bytes as a token: never accepted (no valid HMAC without the key) */
	claims = lyra_jwt_verify(s, key, sizeof key, 1000);
	if (claims)
		abort();

	/* arbitrary bytes as a payload: signed, they verify and give the same claims back */
	{
		static const char hdr[] = "{\"alg\":\"HS256\"}";
		char *tok = lyra_jwt_encode(hdr, sizeof hdr - 1, s, size, key, sizeof key);
		json_t *in = json_loadb(s, size, JSON_REJECT_DUPLICATES, NULL);
		if (tok) {
			claims = lyra_jwt_verify(tok, key, sizeof key, 1000);
			if (claims && (!json_is_object(in) || !json_equal(claims, in)))
				abort();
			json_decref(claims);
			tok[strlen(tok) - 1] ^= 1;
			claims = lyra_jwt_verify(tok, key, sizeof key, 1000);
			if (claims)
				abort();
			free(tok);
		}
		json_decref(in);
	}

	/* base64url: a decoding re-encodes to exactly the input */
	n = lyra_jwt_b64url_decode(s, size, buf, size + 8);
	if (n >= 0) {
		if (lyra_jwt_b64url_encode(buf, (size_t)n, enc, 2 * size + 16) != (int)size ||
		    memcmp(enc, s, size) != 0)
			abort();
	}

	/* base32: decode, encode, decode gives the same bytes */
	n = lyra_totp_base32_decode(s, buf, size + 8);
	if (n >= 0) {
		unsigned char *again = malloc((size_t)n + 8);
		int m;
		if (!again || lyra_totp_base32_encode(buf, (size_t)n, enc, 2 * size + 16) < 0)
			abort();
		m = lyra_totp_base32_decode(enc, again, (size_t)n + 8);
		if (m != n || memcmp(again, buf, (size_t)n) != 0)
			abort();
		free(again);
	}

	/* API credentials */
	{
		struct lyra_apikey_secret k;
		int rc = lyra_apikey_parse(s, size, &k);
		if (rc == 0 && (!k.key[0] || !k.secret[0]))
			abort();
		if (rc != 0 && (k.key[0] || k.secret[0]))
			abort();
	}

	free(enc);
	free(buf);
	free(s);
	return 0;
}
