/* codec.c: lowercase hex, standard base64 and base64url (codec.h). */
#include <stdint.h>

#include "codec.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64u[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void lyra_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

size_t lyra_b64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* Both alphabets: padded standard base64, or unpadded base64url. */
static int encode(const char *alpha, int pad, const unsigned char *in, size_t n, char *out,
                  size_t outlen)
{
	size_t o = 0, i = 0, need = pad ? lyra_b64_len(n) : n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);

	if (outlen < need + 1)
		return -1;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alpha[v >> 18];
		out[o++] = alpha[(v >> 12) & 63];
		out[o++] = alpha[(v >> 6) & 63];
		out[o++] = alpha[v & 63];
	}
	if (n - i) {
		uint32_t v = (uint32_t)in[i] << 16 | (n - i == 2 ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = alpha[v >> 18];
		out[o++] = alpha[(v >> 12) & 63];
		if (n - i == 2)
			out[o++] = alpha[(v >> 6) & 63];
		else if (pad)
			out[o++] = '=';
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return (int)o;
}

int lyra_b64_encode(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	return encode(b64, 1, in, n, out, outlen);
}

int lyra_b64url_encode(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	return encode(b64u, 0, in, n, out, outlen);
}

static int b64_val(unsigned char c, int url)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == (url ? '-' : '+')) return 62;
	if (c == (url ? '_' : '/')) return 63;
	return -1;
}

static int decode(int url, const char *in, size_t n, unsigned char *out, size_t outlen)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0, pad = 0;

	if (!url && n % 4 == 0 && n >= 1 && in[n - 1] == '=') {
		pad = (n >= 2 && in[n - 2] == '=') ? 2 : 1;
		n -= pad;
	}
	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64_val((unsigned char)in[i], url);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)((acc >> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	if (bits && (acc & ((1u << bits) - 1)))
		return -1;
	return (int)o;
}

int lyra_b64_decode(const char *in, size_t n, unsigned char *out, size_t outlen)
{
	return decode(0, in, n, out, outlen);
}

int lyra_b64url_decode(const char *in, size_t n, unsigned char *out, size_t outlen)
{
	return decode(1, in, n, out, outlen);
}
