/* utf8.h: UTF-8 validation shared by the JSON reader and the error-record writer. */
#ifndef LYRA_UTF8_H
#define LYRA_UTF8_H

#include <stddef.h>

/* Length (2..4) of the valid UTF-8 sequence starting at s, whose lead byte is >= 0x80 and which
 * must end before e; 0 when it is invalid (overlong, surrogate, beyond U+10FFFF, truncated). */
size_t lyra_utf8_seq(const unsigned char *s, const unsigned char *e);

#endif
