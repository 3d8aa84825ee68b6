/* codec.h: byte <-> text encodings shared by the library: lowercase hex, standard base64
 * (RFC 4648 §4, with padding) and base64url (§5, without padding, as tokens use it). */
#ifndef LYRA_CODEC_H
#define LYRA_CODEC_H

#include <stddef.h>

/* n bytes as 2n lowercase hex digits into out (at least 2n + 1 bytes), NUL-terminated. */
void lyra_hex_encode(const unsigned char *in, size_t n, char *out);

/* Length of the base64 text for n bytes, without the NUL: 4 * ceil(n / 3). */
size_t lyra_b64_len(size_t n);

/* Standard base64 with '=' padding into out (at least lyra_b64_len(n) + 1 bytes), NUL-terminated.
 * Returns the length, or -1 when outlen is too small. */
int lyra_b64_encode(const unsigned char *in, size_t n, char *out, size_t outlen);

/* Decode standard base64 (padding optional, no whitespace, non-zero trailing bits refused).
 * Returns the number of bytes written, or -1 when the text is not base64 or out is too small.
 * Sets no error (the caller names what it was decoding). */
int lyra_b64_decode(const char *in, size_t n, unsigned char *out, size_t outlen);

/* base64url without padding: encode into out (at least 4 * ceil(n / 3) + 1 bytes); decode with
 * the same strictness as lyra_b64_decode and no padding accepted. Same returns. */
int lyra_b64url_encode(const unsigned char *in, size_t n, char *out, size_t outlen);
int lyra_b64url_decode(const char *in, size_t n, unsigned char *out, size_t outlen);

#endif
