/* driver.c: runs a libFuzzer-style harness without libFuzzer, for `make check`: every file of a
 * seed corpus folder, then a fixed number of deterministic mutations of those seeds (byte flips,
 * inserts, deletes, splices), so the sanitizer build replays the same inputs on every run.
 * `make fuzz` builds the same harnesses with clang's libFuzzer for open-ended fuzzing. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define MUTATIONS 20000
#define FUZZ_MAX_INPUT 4096

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct seed {
	uint8_t *data;
	size_t len;
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t load_corpus(const char *dir, struct seed *seeds, size_t max)
{
	DIR *d = opendir(dir);
	char *names[1024];
	size_t nn = 0, n = 0;
	struct dirent *e;
	if (!d)
		return 0;
	while ((e = readdir(d)) && nn < 1024)
		if (e->d_name[0] != '.')
			names[nn++] = strdup(e->d_name);
	closedir(d);
	qsort(names, nn, sizeof *names, cmp_names);
	for (size_t i = 0; i < nn; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		free(names[i]);
		FILE *f = fopen(path, "rb");
		if (!f || n >= max) {
			if (f)
				fclose(f);
			continue;
		}
		uint8_t *buf = malloc(FUZZ_MAX_INPUT);
		size_t len = fread(buf, 1, FUZZ_MAX_INPUT, f);
		fclose(f);
		seeds[n].data = buf;
		seeds[n].len = len;
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	static struct seed seeds[1024];
	size_t n = argc > 1 ? load_corpus(argv[1], seeds, 1024) : 0;
	uint8_t buf[FUZZ_MAX_INPUT];

	for (size_t i = 0; i < n; i++) {
		memcpy(buf, seeds[i].data, seeds[i].len);
		LLVMFuzzerTestOneInput(buf, seeds[i].len);
	}
	for (int m = 0; m < MUTATIONS; m++) {
		size_t len = 0;
		if (n) {
			struct seed *s = &seeds[rng() % n];
			len = s->len;
			memcpy(buf, s->data, len);
		}
		int edits = 1 + (int)(rng() % 4);
		for (int k = 0; k < edits; k++) {
			size_t pos = len ? rng() % len : 0;
			switch (rng() % 5) {
			case 0: /* flip a byte */
				if (len)
					buf[pos] = (uint8_t)rng();
				break;
			case 1: /* insert an interesting byte */
				if (len < FUZZ_MAX_INPUT) {
					static const char interesting[] = "0123456789.-+eE\"{}[],:\\ \r\n\0Tz";
					memmove(buf + pos + 1, buf + pos, len - pos);
					buf[pos] = (uint8_t)interesting[rng() % (sizeof interesting - 1)];
					len++;
				}
				break;
			case 2: /* delete a byte */
				if (len) {
					memmove(buf + pos, buf + pos + 1, len - pos - 1);
					len--;
				}
				break;
			case 3: /* truncate */
				len = pos;
				break;
			default: /* splice in a piece of another seed */
				if (n) {
					struct seed *o = &seeds[rng() % n];
					size_t take = o->len ? rng() % (o->len + 1) : 0;
					if (pos + take > FUZZ_MAX_INPUT)
						take = FUZZ_MAX_INPUT - pos;
					memcpy(buf + pos, o->data, take);
					if (pos + take > len)
						len = pos + take;
				}
			}
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	for (size_t i = 0; i < n; i++)
		free(seeds[i].data);
	return 0;
}
