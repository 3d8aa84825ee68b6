/* test_core: the small shared modules: error.h, cli.h helpers, table.h, lyra_json_loads_exact,
 * and the audit walk of auditchk.h on synthetic chains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auditchk.h"
#include "cli.h"
#include "error.h"
#include "record.h"
#include "table.h"
#include "unit.h"

static void test_error(void)
{
	lyra_error_clear();
	CHECK_INT(lyra_error_code(), LYRA_EX_SOFTWARE, "no error: code defaults to 70");
	CHECK_INT(lyra_error(LYRA_EX_DATAERR, "bad '%s'", "x"), -1, "lyra_error returns -1");
	CHECK_STR(lyra_error_msg(), "bad 'x'", "message kept");
	CHECK_INT(lyra_error_code(), LYRA_EX_DATAERR, "code kept");
	lyra_error_wrap("reading '%s'", "f");
	CHECK_STR(lyra_error_msg(), "reading 'f': bad 'x'", "wrap prefixes");
	CHECK_INT(lyra_error_code(), LYRA_EX_DATAERR, "wrap keeps the code");
	char big[3000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	lyra_error_wrap("%s", big);
	CHECK(strlen(lyra_error_msg()) < 1024, "a long wrap is cut, not overflowed");
	CHECK_INT(lyra_exit_merge(0, 65), 65, "merge: first non-zero");
	CHECK_INT(lyra_exit_merge(66, 65), 66, "merge: first wins");
}

static void test_nearest(void)
{
	const char *const c[] = { "binance", "kraken", "coinbase", "gemini" };
	CHECK_STR(lyra_nearest("krakn", c, 4), "kraken", "one deletion");
	CHECK_STR(lyra_nearest("binanse", c, 4), "binance", "one substitution");
	CHECK(lyra_nearest("zzzzzzzz", c, 4) == NULL, "nothing close");
	CHECK_STR(lyra_nearest("gemini", c, 4), "gemini", "exact");
}

static char *slurp(FILE *f)
{
	long n;
	fflush(f);
	n = ftell(f);
	rewind(f);
	char *s = calloc(1, (size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n)
		s[0] = '\0';
	return s;
}

static void test_table(void)
{
	enum lyra_format fmt;
	CHECK_INT(lyra_format_parse("csv", &fmt), 0, "format csv");
	CHECK_INT(fmt, LYRA_FMT_CSV, "csv value");
	CHECK_INT(lyra_format_parse("xml", &fmt), -1, "format xml refused");
	CHECK_INT(lyra_error_code(), LYRA_EX_USAGE, "as a usage error");

	FILE *f = tmpfile();
	const char *row[] = { "plain", "with,comma", "with \"quote\"", "line\nbreak", NULL };
	CHECK_INT(lyra_csv_row(f, row, 5), 0, "csv row written");
	char *s = slurp(f);
	CHECK_STR(s, "plain,\"with,comma\",\"with \"\"quote\"\"\",\"line\nbreak\",\r\n", "RFC 4180 quoting");
	free(s);
	fclose(f);

	const char *heads[] = { "a", "long head" };
	struct lyra_table *t = lyra_table_new(heads, 2);
	const char *r1[] = { "xxxxx", "1" }, *r2[] = { "y", "€€" };
	lyra_table_add(t, r1);
	lyra_table_add(t, r2);
	f = tmpfile();
	lyra_table_print(t, f);
	s = slurp(f);
	CHECK_STR(s, "a      long head\nxxxxx  1\ny      €€\n", "aligned by characters, not bytes");
	free(s);
	fclose(f);
	lyra_table_free(t);
}

static void test_loads_exact(void)
{
	char why[128];
	const char *text = "[[\"1.50\", 0.1], 7, 1e-8, 12345678901234567890]";
	json_t *v = lyra_json_loads_exact(text, strlen(text), why, sizeof why);
	CHECK(v && json_is_array(v), "array parsed");
	CHECK_STR(json_string_value(json_array_get(json_array_get(v, 0), 1)), "0.1", "0.1 kept exact as text");
	CHECK(json_is_integer(json_array_get(v, 1)), "integers stay integers");
	CHECK_STR(json_string_value(json_array_get(v, 2)), "1e-8", "exponent kept as text");
	CHECK_STR(json_string_value(json_array_get(v, 3)), "12345678901234567890", "big integer kept as text");
	json_decref(v);
	text = "{\"a\":0.30000000000000004}";
	v = lyra_json_loads_exact(text, strlen(text), why, sizeof why);
	CHECK_STR(json_string_value(json_object_get(v, "a")), "0.30000000000000004", "object member exact");
	json_decref(v);
	v = lyra_json_loads_exact("[1,", 3, why, sizeof why);
	CHECK(v == NULL, "truncated JSON refused");
	CHECK(strstr(why, "invalid JSON") != NULL, "with a reason");
}

/* A synthetic chain of n entries, hashed with the library. */
static void make_chain(struct lyra_audit_entry *e, int n)
{
	static char objects[16][16];
	for (int i = 0; i < n; i++) {
		snprintf(objects[i], sizeof objects[i], "obj:%d", i);
		e[i].seq = i + 1;
		e[i].ts = 1000 + i;
		e[i].actor = "alice";
		e[i].action = "test";
		e[i].object = objects[i];
		e[i].details = "{}";
		if (i == 0)
			memset(e[i].prev_hash, '0', 64), e[i].prev_hash[64] = '\0';
		else
			memcpy(e[i].prev_hash, e[i - 1].hash, sizeof e[i].prev_hash);
		lyra_audit_hash(&e[i]);
	}
}

static enum lyra_audit_damage walk(struct lyra_audit_entry *e, const int *order, int n,
                                   int64_t *bad)
{
	struct lyra_audit_report r;
	struct lyra_audit_walk w;
	lyra_audit_walk_init(&w, &r, 1, "0000000000000000000000000000000000000000000000000000000000000000");
	for (int i = 0; i < n; i++)
		lyra_audit_walk_step(&w, &e[order ? order[i] : i]);
	lyra_audit_walk_end(&w);
	*bad = r.bad_seq;
	return r.damage;
}

static void test_audit_walk(void)
{
	struct lyra_audit_entry e[8];
	int64_t bad;
	make_chain(e, 8);
	CHECK_INT(walk(e, NULL, 8, &bad), LYRA_AUDIT_INTACT, "intact chain");

	make_chain(e, 8);
	e[3].actor = "mallory";
	CHECK_INT(walk(e, NULL, 8, &bad), LYRA_AUDIT_MODIFIED, "modified field");
	CHECK_INT(bad, 4, "at seq 4");

	make_chain(e, 8);
	int gap[] = { 0, 1, 2, 4, 5, 6, 7 };
	CHECK_INT(walk(e, gap, 7, &bad), LYRA_AUDIT_DELETED, "missing entry");
	CHECK_INT(bad, 4, "from seq 4");

	make_chain(e, 8);
	int swap[] = { 0, 1, 2, 3, 5, 4, 6, 7 };
	struct lyra_audit_entry s[8];
	for (int i = 0; i < 8; i++) {
		s[i] = e[swap[i]];
		s[i].seq = i + 1;   /* contents moved, seq column kept in place */
	}
	CHECK_INT(walk(s, NULL, 8, &bad), LYRA_AUDIT_REORDERED, "swapped contents");
	CHECK_INT(bad, 5, "at seq 5");

	make_chain(e, 8);
	struct lyra_audit_entry ins[8];
	for (int i = 0, j = 0; i < 8; i++) {
		if (i == 2) {
			ins[i] = e[1];
			ins[i].actor = "mallory";
			ins[i].seq = 3;
			continue;
		}
		ins[i] = e[j];
		ins[i].seq = i + 1;
		j++;
	}
	CHECK_INT(walk(ins, NULL, 8, &bad), LYRA_AUDIT_INSERTED, "inserted entry with renumbering");
	CHECK_INT(bad, 3, "at seq 3");
}

int main(void)
{
	test_error();
	test_nearest();
	test_table();
	test_loads_exact();
	test_audit_walk();
	return unit_done();
}
