/* mdparse: a test tool that runs a venue adapter's parser on recorded payloads without HTTP,
 * for tests and bench/mdfeed.sh. Each non-empty line of FILE is one response body (compact JSON,
 * e.g. from `jq -c .`); the records are written on stdout as mdfeed would write them.
 *
 *   mdparse VENUE markets[:PAGE] FILE                     market records
 *   mdparse VENUE KIND FILE SYMBOL MARKETS                KIND: book[:DEPTH] bbo trades funding
 *                                                         candles:INTERVAL
 * MARKETS is a file of market records (the output of the first form) naming SYMBOL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "error.h"
#include "ndjson.h"
#include "record.h"
#include "venue.h"

static int64_t nrec;

static int out_rec(void *ctx, json_t *rec)
{
	(void)ctx;
	int rc = lyra_out_json(rec);
	json_decref(rec);
	nrec++;
	return rc;
}

static int out_market(void *ctx, const struct lyra_market *m)
{
	int64_t *ts = ctx;
	json_t *rec = lyra_market_record(m, *ts);
	if (!rec)
		return -1;
	return out_rec(NULL, rec);
}

static int find_market(const char *path, const char *sym, struct lyra_market *m)
{
	char *names[1] = { (char *)path };
	struct lyra_ndjson_in *in = lyra_ndjson_open("mdparse", names, 1, 0);
	struct lyra_line line;
	int found = -1;
	while (found < 0 && lyra_ndjson_next(in, &line) == 1) {
		char why[128];
		json_t *rec = lyra_record_parse(line.buf, line.len, why, sizeof why);
		const char *s = rec ? json_string_value(json_object_get(rec, "symbol")) : NULL;
		if (s && strcmp(s, sym) == 0 && lyra_market_from_record(rec, m) == 0)
			found = 0;
		json_decref(rec);
	}
	lyra_ndjson_close(in);
	return found;
}

int main(int argc, char **argv)
{
	const struct lyra_venue *v;
	struct lyra_market m;
	const char *kind, *arg = NULL;
	char kbuf[32];
	int page = 0, rc = 0;

	lyra_progname = "mdparse";
	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: mdparse VENUE markets[:PAGE] FILE\n"
		                "       mdparse VENUE book[:DEPTH]|bbo|trades|funding|candles:I FILE SYMBOL MARKETS\n");
		return LYRA_EX_USAGE;
	}
	v = lyra_venue_find(argv[1]);
	if (!v)
		lyra_die_last();
	snprintf(kbuf, sizeof kbuf, "%s", argv[2]);
	kind = kbuf;
	char *colon = strchr(kbuf, ':');
	if (colon) {
		*colon = '\0';
		arg = colon + 1;
	}
	if (strcmp(kind, "markets") == 0) {
		page = arg ? atoi(arg) : 0;
	} else {
		if (argc != 6)
			lyra_die(LYRA_EX_USAGE, "%s needs SYMBOL and MARKETS", kind);
		if (find_market(argv[5], argv[4], &m) != 0)
			lyra_die(LYRA_EX_USAGE, "no market '%s' in '%s'", argv[4], argv[5]);
	}
	if (strcmp(kind, "candles") == 0 && !arg)
		lyra_die(LYRA_EX_USAGE, "candles:INTERVAL");
	if (strcmp(kind, "funding") == 0 && !v->parse_funding)
		lyra_die(LYRA_EX_USAGE, "%s has no funding", v->id);

	lyra_out_init(0);
	char *names[1] = { argv[3] };
	struct lyra_ndjson_in *in = lyra_ndjson_open("mdparse", names, 1, 0);
	struct lyra_line line;
	int64_t now = 1700000000000000LL;
	int depth = strcmp(kind, "book") == 0 && arg ? atoi(arg) : 1000;
	while (rc == 0 && lyra_ndjson_next(in, &line) == 1) {
		if (strcmp(kind, "markets") == 0)
			rc = v->parse_markets(page, line.buf, line.len, out_market, &now);
		else if (strcmp(kind, "book") == 0)
			rc = v->parse_book(&m, depth, line.buf, line.len, now, out_rec, NULL);
		else if (strcmp(kind, "bbo") == 0)
			rc = v->parse_bbo(&m, line.buf, line.len, now, out_rec, NULL);
		else if (strcmp(kind, "trades") == 0)
			rc = v->parse_trades(&m, line.buf, line.len, now, out_rec, NULL);
		else if (strcmp(kind, "funding") == 0)
			rc = v->parse_funding(&m, line.buf, line.len, now, out_rec, NULL);
		else if (strcmp(kind, "candles") == 0)
			rc = v->parse_candles(&m, arg, line.buf, line.len, out_rec, NULL);
		else
			lyra_die(LYRA_EX_USAGE, "unknown kind '%s'", kind);
	}
	int st = lyra_ndjson_status(in);
	lyra_ndjson_close(in);
	if (rc != 0)
		lyra_die_last();
	if (lyra_out_flush() != 0)
		lyra_die_last();
	return lyra_cli_finish(st);
}
