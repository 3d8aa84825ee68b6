/* ndjson.c (bench): a minimal stage over the record stream. `forward` peeks the type of every
 * line and forwards it as its original bytes (as a stage does with records it does not
 * consume); `consume` parses every line exactly and emits it re-encoded. */
#include <stdio.h>
#include <string.h>
#include "error.h"
#include "ndjson.h"
#include "record.h"

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "forward") != 0 && strcmp(argv[1], "consume") != 0)) {
		fprintf(stderr, "usage: ndjson forward|consume [FILE...]\n");
		return LYRA_EX_USAGE;
	}
	int consume = strcmp(argv[1], "consume") == 0;
	struct lyra_ndjson_in *in = lyra_ndjson_open("ndjson", argv + 2, argc - 2, 0);
	if (!in)
		return LYRA_EX_SOFTWARE;
	lyra_out_init(0);
	struct lyra_line l;
	char why[256];
	int rc = 0;
	while (rc == 0 && lyra_ndjson_next(in, &l)) {
		if (consume) {
			json_t *rec = lyra_record_parse(l.buf, l.len, why, sizeof why);
			if (!rec) {
				if (lyra_ndjson_reject(in, &l, "%s", why) < 0)
					break;
				continue;
			}
			rc = lyra_out_json(rec);
			json_decref(rec);
		} else {
			const char *t, *w;
			size_t tl;
			if (lyra_record_peek_type(l.buf, l.len, &t, &tl, &w) < 0) {
				if (lyra_ndjson_reject(in, &l, "%s", w) < 0)
					break;
				continue;
			}
			rc = lyra_out_raw(l.buf, l.len);
		}
	}
	if (rc == 0)
		rc = lyra_out_flush();
	int status = rc < 0 ? LYRA_EX_IOERR : lyra_ndjson_status(in);
	if (rc < 0)
		fprintf(stderr, "ndjson: %s\n", lyra_error_msg());
	lyra_ndjson_close(in);
	return status;
}
