/* fuzz_clock.c: lyra_time_parse and lyra_duration_parse on arbitrary bytes. A parsed time must
 * format and parse back to the same value; a failure must leave the output untouched. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	int64_t us = 0x1234, back = 0x5678;
	if (lyra_time_parse(s, &us) == 0) {
		char buf[32];
		int len = lyra_time_format(us, buf, sizeof buf);
		if (len <= 0 || (size_t)len != strlen(buf))
			abort();
		if (lyra_time_parse(buf, &back) != 0 || back != us)
			abort();
	} else if (us != 0x1234) {
		abort();
	}

	int64_t d = 0x1234;
	if (lyra_duration_parse(s, &d) == 0) {
		if (d < 0)
			abort();
	} else if (d != 0x1234) {
		abort();
	}

	free(s);
	return 0;
}
