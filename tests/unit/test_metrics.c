/* test_metrics.c: the Prometheus textfile of lib/metrics.c: exact file text, escaping, counters,
 * refused names, labels and values, and the atomic write (no temp file left behind). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "error.h"
#include "metrics.h"
#include "unit.h"

static char dir[] = "/tmp/lyra-test-metrics-XXXXXX";

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Entries in dir other than "." and "..". */
static int count_entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;
	if (!dp)
		return -1;
	while ((e = readdir(dp)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(dp);
	return n;
}

static void test_file_text(void)
{
	char path[256];
	struct lyra_metrics *m = lyra_metrics_new("lyra-ingest");
	CHECK(m != NULL, "new");
	CHECK_INT(lyra_metrics_declare(m, "records_total", LYRA_METRIC_COUNTER, "Records read."), 0,
	          "declare counter");
	CHECK_INT(lyra_metrics_declare(m, "lag_seconds", LYRA_METRIC_GAUGE,
	                               "Lag behind the venue \\ in seconds\nsecond line"), 0,
	          "declare gauge with backslash and newline in help");
	CHECK_INT(lyra_metrics_declare(m, "empty_total", LYRA_METRIC_COUNTER, "Never set."), 0,
	          "declare a family left without samples");
	CHECK_INT(lyra_metrics_declare(m, "up", LYRA_METRIC_GAUGE, NULL), 0, "declare without help");
	CHECK_INT(lyra_metrics_declare(m, "records_total", LYRA_METRIC_COUNTER, "Other help"), 0,
	          "redeclare with the same type is fine");

	CHECK_INT(lyra_metrics_set(m, "lag_seconds", "venue=\"binance\"", "0.250"), 0, "set decimal");
	CHECK_INT(lyra_metrics_add_int(m, "records_total", "venue=\"binance\",symbol=\"BTC/USDT\"", 5), 0,
	          "add to a new sample");
	CHECK_INT(lyra_metrics_add_int(m, "records_total", "venue=\"kraken\"", 1), 0, "add other labels");
	CHECK_INT(lyra_metrics_add_int(m, "records_total", "venue=\"binance\",symbol=\"BTC/USDT\"", 7), 0,
	          "add to the existing sample");
	CHECK_INT(lyra_metrics_set_int(m, "up", NULL, 1), 0, "set_int without labels");
	CHECK_INT(lyra_metrics_set(m, "lag_seconds", "venue=\"kraken\"", "-Inf"), 0, "set -Inf");
	CHECK_INT(lyra_metrics_set(m, "lag_seconds", "venue=\"binance\"", "1.5"), 0, "set replaces");
	CHECK_INT(lyra_metrics_set(m, "lag_seconds", "venue=\"x \\\"q\\\" \\\\ \\n\"", "NaN"), 0,
	          "escaped label value");
	CHECK_INT(lyra_metrics_set_int(m, "up", "", 1), 0, "empty labels are the same sample as NULL");

	snprintf(path, sizeof path, "%s/lyra.prom", dir);
	CHECK_INT(lyra_metrics_write(m, path), 0, "write");
	CHECK_STR(slurp(path),
	          "# HELP lyra_records_total Records read.\n"
	          "# TYPE lyra_records_total counter\n"
	          "lyra_records_total{prog=\"lyra-ingest\",venue=\"binance\",symbol=\"BTC/USDT\"} 12\n"
	          "lyra_records_total{prog=\"lyra-ingest\",venue=\"kraken\"} 1\n"
	          "# HELP lyra_lag_seconds Lag behind the venue \\\\ in seconds\\nsecond line\n"
	          "# TYPE lyra_lag_seconds gauge\n"
	          "lyra_lag_seconds{prog=\"lyra-ingest\",venue=\"binance\"} 1.5\n"
	          "lyra_lag_seconds{prog=\"lyra-ingest\",venue=\"kraken\"} -Inf\n"
	          "lyra_lag_seconds{prog=\"lyra-ingest\",venue=\"x \\\"q\\\" \\\\ \\n\"} NaN\n"
	          "# HELP lyra_empty_total Never set.\n"
	          "# TYPE lyra_empty_total counter\n"
	          "# TYPE lyra_up gauge\n"
	          "lyra_up{prog=\"lyra-ingest\"} 1\n",
	          "whole file text");
	CHECK_INT(count_entries(dir), 1, "only the metrics file is left, no temp file");

	/* rewrite replaces the file */
	CHECK_INT(lyra_metrics_add_int(m, "records_total", "venue=\"kraken\"", INT64_MAX - 1), 0,
	          "add up to INT64_MAX");
	CHECK_INT(lyra_metrics_add_int(m, "records_total", "venue=\"kraken\"", 1), -1, "overflow refused");
	CHECK_INT(lyra_error_code(), LYRA_EX_SOFTWARE, "overflow is LYRA_EX_SOFTWARE");
	CHECK(strstr(lyra_error_msg(), "overflow") != NULL, "overflow message");
	CHECK_INT(lyra_metrics_add_int(m, "records_total", "venue=\"kraken\"", -1), -1,
	          "a counter does not go down");
	CHECK_INT(lyra_metrics_add_int(m, "up", NULL, -3), 0, "a gauge may go down");
	CHECK_INT(lyra_metrics_write(m, path), 0, "rewrite");
	char *text = slurp(path);
	CHECK(text && strstr(text, "lyra_records_total{prog=\"lyra-ingest\",venue=\"kraken\"} 9223372036854775807\n"),
	      "INT64_MAX written exactly");
	CHECK(text && strstr(text, "lyra_up{prog=\"lyra-ingest\"} -2\n"), "gauge add");
	CHECK_INT(count_entries(dir), 1, "still no temp file");
	unlink(path);
	lyra_metrics_free(m);
}

static void test_add_on_text(void)
{
	struct lyra_metrics *m = lyra_metrics_new("p\"q\\");
	char path[256];
	lyra_metrics_declare(m, "bytes_total", LYRA_METRIC_COUNTER, "b");
	CHECK_INT(lyra_metrics_set(m, "bytes_total", NULL, "40"), 0, "set integer text");
	CHECK_INT(lyra_metrics_add_int(m, "bytes_total", NULL, 2), 0, "add to integer text");
	CHECK_INT(lyra_metrics_set(m, "bytes_total", "a=\"1\"", "-7.000"), 0, "set integer-valued decimal");
	CHECK_INT(lyra_metrics_add_int(m, "bytes_total", "a=\"1\"", 10), 0, "add to integer-valued decimal");
	CHECK_INT(lyra_metrics_set(m, "bytes_total", "a=\"2\"", "0.5"), 0, "set fraction");
	CHECK_INT(lyra_metrics_add_int(m, "bytes_total", "a=\"2\"", 1), -1, "cannot add to a fraction");
	CHECK_INT(lyra_metrics_set(m, "bytes_total", "a=\"3\"", "123456789012345678901234567890.5"), 0,
	          "long decimal text");
	CHECK_INT(lyra_metrics_set(m, "bytes_total", "a=\"3\"", "1"), 0, "shorter text reuses the buffer");
	snprintf(path, sizeof path, "%s/b.prom", dir);
	CHECK_INT(lyra_metrics_write(m, path), 0, "write");
	CHECK_STR(slurp(path),
	          "# HELP lyra_bytes_total b\n"
	          "# TYPE lyra_bytes_total counter\n"
	          "lyra_bytes_total{prog=\"p\\\"q\\\\\"} 42\n"
	          "lyra_bytes_total{prog=\"p\\\"q\\\\\",a=\"1\"} 3\n"
	          "lyra_bytes_total{prog=\"p\\\"q\\\\\",a=\"2\"} 0.5\n"
	          "lyra_bytes_total{prog=\"p\\\"q\\\\\",a=\"3\"} 1\n",
	          "prog is escaped; integer text adds exactly");
	unlink(path);
	lyra_metrics_free(m);
}

static void test_refusals(void)
{
	struct lyra_metrics *m = lyra_metrics_new("t");
	static const char *bad_names[] = {"", "1abc", "a-b", "a b", "a.b", "é_total", "x\n"};
	for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
		lyra_error_clear();
		char what[64];
		snprintf(what, sizeof what, "bad name %zu refused", i);
		CHECK(lyra_metrics_declare(m, bad_names[i], LYRA_METRIC_GAUGE, "h") == -1 &&
		      lyra_error_code() == LYRA_EX_SOFTWARE, what);
	}
	CHECK_INT(lyra_metrics_declare(m, NULL, LYRA_METRIC_GAUGE, "h"), -1, "NULL name refused");
	CHECK_INT(lyra_metrics_declare(m, "a:b_c9", LYRA_METRIC_GAUGE, "h"), 0, "colon and digits ok");
	CHECK_INT(lyra_metrics_declare(m, "_x", LYRA_METRIC_GAUGE, "h"), 0, "leading underscore ok");
	CHECK_INT(lyra_metrics_declare(m, "records", LYRA_METRIC_COUNTER, "h"), -1,
	          "counter without _total refused");
	CHECK(strstr(lyra_error_msg(), "_total") != NULL, "message says _total");
	CHECK_INT(lyra_metrics_declare(m, "a:b_c9", LYRA_METRIC_COUNTER, "h"), -1,
	          "redeclare with another type refused");
	CHECK_INT(lyra_metrics_declare(m, "x_total", LYRA_METRIC_GAUGE, "h"), 0, "gauge may end in _total");
	CHECK_INT(lyra_metrics_declare(m, "x_total", LYRA_METRIC_COUNTER, "h"), -1,
	          "redeclare gauge as counter refused");

	static const char *bad_values[] = {"", "1.", ".5", "+1", "1e5", "inf", "Inf", "nan", "--1",
	                                   "1.2.3", " 1", "1 ", "0x10", "-", "+NaN", "1,5"};
	for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
		char what[64];
		snprintf(what, sizeof what, "bad value '%s' refused", bad_values[i]);
		CHECK_INT(lyra_metrics_set(m, "_x", NULL, bad_values[i]), -1, what);
	}
	CHECK_INT(lyra_metrics_set(m, "_x", NULL, NULL), -1, "NULL value refused");
	static const char *good_values[] = {"0", "-0", "12", "-12.5", "0.000001", "+Inf", "-Inf", "NaN",
	                                    "00012"};
	for (size_t i = 0; i < sizeof good_values / sizeof good_values[0]; i++) {
		char what[64];
		snprintf(what, sizeof what, "good value '%s' accepted", good_values[i]);
		CHECK_INT(lyra_metrics_set(m, "_x", NULL, good_values[i]), 0, what);
	}

	CHECK_INT(lyra_metrics_set(m, "nope", NULL, "1"), -1, "undeclared family refused");
	CHECK(strstr(lyra_error_msg(), "not declared") != NULL, "message says not declared");
	CHECK_INT(lyra_metrics_set_int(m, "nope", NULL, 1), -1, "set_int undeclared refused");
	CHECK_INT(lyra_metrics_add_int(m, "nope", NULL, 1), -1, "add_int undeclared refused");

	static const char *bad_labels[] = {"venue", "venue=binance", "venue=\"binance", "venue=\"a\",",
	                                   "=\"a\"", "1a=\"x\"", "prog=\"x\"", "__name__=\"x\"",
	                                   "a=\"x\" ,b=\"y\"", "a=\"x\\q\"", "a=\"x\ny\"", "a=\"x\"b=\"y\"",
	                                   "a-b=\"x\"", "a=\"x\"\n"};
	for (size_t i = 0; i < sizeof bad_labels / sizeof bad_labels[0]; i++) {
		char what[64];
		snprintf(what, sizeof what, "bad labels %zu refused", i);
		CHECK_INT(lyra_metrics_set_int(m, "_x", bad_labels[i], 1), -1, what);
	}
	CHECK_INT(lyra_metrics_set_int(m, "_x", "a=\"\",_b2=\"\\\\\\\"\\n\"", 1), 0, "good labels accepted");
	lyra_metrics_free(m);
}

static void test_escape(void)
{
	char buf[16];
	CHECK_INT(lyra_metrics_escape("a\"b\\c\nd", buf, sizeof buf), 10, "escape length");
	CHECK_STR(buf, "a\\\"b\\\\c\\nd", "escape text");
	CHECK_INT(lyra_metrics_escape("", buf, sizeof buf), 0, "escape empty");
	CHECK_STR(buf, "", "escape empty text");
	CHECK_INT(lyra_metrics_escape("abc", buf, 4), 3, "exact fit");
	CHECK_INT(lyra_metrics_escape("abcd", buf, 4), -1, "no room for NUL");
	CHECK_INT(lyra_metrics_escape("ab\"", buf, 4), -1, "no room for the escape");
	CHECK_INT(lyra_metrics_escape("a", buf, 0), -1, "zero-size buffer");
}

static void test_write_failures(void)
{
	struct lyra_metrics *m = lyra_metrics_new("t");
	char path[256];
	lyra_metrics_declare(m, "up", LYRA_METRIC_GAUGE, "h");
	lyra_metrics_set_int(m, "up", NULL, 1);

	lyra_error_clear();
	snprintf(path, sizeof path, "%s/missing/lyra.prom", dir);
	CHECK_INT(lyra_metrics_write(m, path), -1, "write into a missing folder fails");
	CHECK_INT(lyra_error_code(), LYRA_EX_CANTCREAT, "LYRA_EX_CANTCREAT");
	CHECK(strstr(lyra_error_msg(), path) && strstr(lyra_error_msg(), "No such file"),
	      "message names the path and the cause");

	/* the temp file is created but the rename fails (the target is a folder) */
	snprintf(path, sizeof path, "%s/isdir.prom", dir);
	mkdir(path, 0755);
	char inner[300];
	snprintf(inner, sizeof inner, "%s/keep", path);
	FILE *f = fopen(inner, "w");
	if (f)
		fclose(f);
	CHECK_INT(lyra_metrics_write(m, path), -1, "rename over a folder fails");
	CHECK_INT(lyra_error_code(), LYRA_EX_CANTCREAT, "rename failure is LYRA_EX_CANTCREAT");
	CHECK_INT(count_entries(dir), 1, "the temp file was removed");
	unlink(inner);
	rmdir(path);

	if (geteuid() != 0) {
		char ro[128];
		snprintf(ro, sizeof ro, "%s/ro", dir);
		mkdir(ro, 0555);
		snprintf(path, sizeof path, "%s/lyra.prom", ro);
		CHECK_INT(lyra_metrics_write(m, path), -1, "write into a read-only folder fails");
		CHECK_INT(count_entries(ro), 0, "no partial file in the read-only folder");
		rmdir(ro);
	} else {
		CHECK(1, "# SKIP read-only folder test: running as root");
	}
	CHECK_INT(count_entries(dir), 0, "nothing left behind");
	lyra_metrics_free(m);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_file_text();
	test_add_on_text();
	test_refusals();
	test_escape();
	test_write_failures();
	rmdir(dir);
	return unit_done();
}
