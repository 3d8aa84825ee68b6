/* test_totp.c: HOTP against RFC 4226 Appendix D, TOTP against RFC 6238 Appendix B (SHA-1,
 * SHA-256, SHA-512), base32 against RFC 4648 §10, the verification window and replay rule, and
 * the otpauth:// URI. */
#include <stdio.h>
#include <string.h>
#include "error.h"
#include "totp.h"
#include "unit.h"

static const unsigned char seed20[] = "12345678901234567890";
static const unsigned char seed32[] = "12345678901234567890123456789012";
static const unsigned char seed64[] = "1234567890123456789012345678901234567890123456789012345678901234";

static void test_hotp(void)
{
	static const long want[10] = { 755224, 287082, 359152, 969429, 338314, 254676, 287922,
	                               162583, 399871, 520489 };
	char what[64];
	for (int i = 0; i < 10; i++) {
		snprintf(what, sizeof what, "RFC 4226 HOTP count %d", i);
		CHECK_INT(lyra_totp_hotp(LYRA_TOTP_SHA1, seed20, 20, (uint64_t)i, 6), want[i], what);
	}
	CHECK_INT(lyra_totp_hotp(LYRA_TOTP_SHA1, seed20, 20, 0, 5), -1, "5 digits refused");
	CHECK_INT(lyra_totp_hotp(LYRA_TOTP_SHA1, seed20, 20, 0, 10), -1, "10 digits refused");
}

static void test_totp_rfc6238(void)
{
	static const struct { int64_t t; long sha1, sha256, sha512; } v[] = {
		{ 59, 94287082, 46119246, 90693936 },
		{ 1111111109, 7081804, 68084774, 25091201 },
		{ 1111111111, 14050471, 67062674, 99943326 },
		{ 1234567890, 89005924, 91819424, 93441116 },
		{ 2000000000, 69279037, 90698825, 38618901 },
		{ 20000000000LL, 65353130, 77737706, 47863826 },
	};
	char what[96];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		snprintf(what, sizeof what, "RFC 6238 SHA1 t=%lld", (long long)v[i].t);
		CHECK_INT(lyra_totp_at(LYRA_TOTP_SHA1, seed20, 20, v[i].t, 30, 8), v[i].sha1, what);
		snprintf(what, sizeof what, "RFC 6238 SHA256 t=%lld", (long long)v[i].t);
		CHECK_INT(lyra_totp_at(LYRA_TOTP_SHA256, seed32, 32, v[i].t, 30, 8), v[i].sha256, what);
		snprintf(what, sizeof what, "RFC 6238 SHA512 t=%lld", (long long)v[i].t);
		CHECK_INT(lyra_totp_at(LYRA_TOTP_SHA512, seed64, 64, v[i].t, 30, 8), v[i].sha512, what);
	}
	CHECK_INT(lyra_totp_at(LYRA_TOTP_SHA1, seed20, 20, -1, 30, 6), -1, "negative time refused");
}

static void test_verify(void)
{
	int64_t t = 1111111111, step = t / 30;
	char code[16];

	/* 6-digit codes are the 8-digit ones mod 10^6: 14050471 -> 050471 */
	CHECK_INT(lyra_totp_verify(LYRA_TOTP_SHA1, seed20, 20, "050471", t, 30, 6, 1, -1), step,
	          "current code accepted, returns its step");
	CHECK_INT(lyra_totp_verify(LYRA_TOTP_SHA1, seed20, 20, "050471", t, 30, 6, 1, step), -1,
	          "the same code again is refused (replay)");
	CHECK_INT(lyra_error_code(), LYRA_EX_NOPERM, "refusal is 77");
	snprintf(code, sizeof code, "%06ld", lyra_totp_at(LYRA_TOTP_SHA1, seed20, 20, t - 30, 30, 6));
	CHECK_INT(lyra_totp_verify(LYRA_TOTP_SHA1, seed20, 20, code, t, 30, 6, 1, -1), step - 1,
	          "previous step inside the window");
	CHECK_INT(lyra_totp_verify(LYRA_TOTP_SHA1, seed20, 20, code, t, 30, 6, 1, step), -1,
	          "an older step than the last used is refused");
	snprintf(code, sizeof code, "%06ld", lyra_totp_at(LYRA_TOTP_SHA1, seed20, 20, t + 30, 30, 6));
	CHECK_INT(lyra_totp_verify(LYRA_TOTP_SHA1, seed20, 20, code, t, 30, 6, 1, step), step + 1,
	          "next step inside the window");
	snprintf(code, sizeof code, "%06ld", lyra_totp_at(LYRA_TOTP_SHA1, seed20, 20, t + 60, 30, 6));
	CHECK_INT(lyra_totp_verify(LYRA_TOTP_SHA1, seed20, 20, code, t, 30, 6, 1, -1), -1,
	          "two steps ahead is outside the window");
	snprintf(code, sizeof code, "%06ld", lyra_totp_at(LYRA_TOTP_SHA1, seed20, 20, t - 60, 30, 6));
	CHECK_INT(lyra_totp_verify(LYRA_TOTP_SHA1, seed20, 20, code, t, 30, 6, 1, -1), -1,
	          "two steps behind is outside the window");
	CHECK_INT(lyra_totp_verify(LYRA_TOTP_SHA1, seed20, 20, "05047", t, 30, 6, 1, -1), -1, "5 digits");
	CHECK_INT(lyra_totp_verify(LYRA_TOTP_SHA1, seed20, 20, "05047a", t, 30, 6, 1, -1), -1, "non-digit");
	CHECK_INT(lyra_totp_verify(LYRA_TOTP_SHA1, seed20, 20, "", t, 30, 6, 1, -1), -1, "empty");
}

static void test_base32(void)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "MY", "MZXQ", "MZXW6", "MZXW6YQ", "MZXW6YTB",
	                                   "MZXW6YTBOI" };
	static const char *const padded[] = { "", "MY======", "MZXQ====", "MZXW6===", "MZXW6YQ=",
	                                      "MZXW6YTB", "MZXW6YTBOI======" };
	char out[64], what[64];
	unsigned char dec[64];
	for (int i = 0; i < 7; i++) {
		int n = lyra_totp_base32_encode((const unsigned char *)plain[i], strlen(plain[i]), out, sizeof out);
		snprintf(what, sizeof what, "RFC 4648 base32 '%s'", plain[i]);
		CHECK_STR(out, enc[i], what);
		CHECK_INT(n, (int)strlen(enc[i]), "encoded length");
		n = lyra_totp_base32_decode(padded[i], dec, sizeof dec);
		CHECK(n == (int)strlen(plain[i]) && memcmp(dec, plain[i], (size_t)n) == 0, "decode padded");
		n = lyra_totp_base32_decode(enc[i], dec, sizeof dec);
		CHECK(n == (int)strlen(plain[i]) && memcmp(dec, plain[i], (size_t)n) == 0, "decode unpadded");
	}
	CHECK_INT(lyra_totp_base32_decode("mzxw 6ytb", dec, sizeof dec), 5, "lowercase and spaces");
	CHECK_INT(lyra_totp_base32_decode("MZXW1", dec, sizeof dec), -1, "'1' is not base32");
	CHECK_INT(lyra_totp_base32_decode("M", dec, sizeof dec), -1, "impossible length");
	CHECK_INT(lyra_totp_base32_decode("MY=Y", dec, sizeof dec), -1, "data after padding");
	CHECK_INT(lyra_totp_base32_decode("MZXW6YTB", dec, 4), -1, "output too small");
	CHECK_INT(lyra_totp_base32_encode((const unsigned char *)"foo", 3, out, 5), -1, "encode too small");
}

static void test_uri(void)
{
	char uri[256];
	int n = lyra_totp_uri("lyra", "alice@desk one", "JBSWY3DPEHPK3PXP", uri, sizeof uri);
	CHECK_STR(uri, "otpauth://totp/lyra:alice%40desk%20one?secret=JBSWY3DPEHPK3PXP&issuer=lyra"
	               "&algorithm=SHA1&digits=6&period=30", "otpauth URI, percent-encoded account");
	CHECK_INT(n, (int)strlen(uri), "URI length");
	CHECK_INT(lyra_totp_uri("lyra", "alice", "JBSWY3DPEHPK3PXP", uri, 20), -1, "too small");
}

int main(void)
{
	test_hotp();
	test_totp_rfc6238();
	test_verify();
	test_base32();
	test_uri();
	return unit_done();
}
