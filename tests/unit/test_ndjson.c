/* test_ndjson.c: the record stream of lib/ndjson.c: the line reader over files, a missing
 * operand and a pipe on stdin (long lines, CRLF, blank lines, no final newline, line numbers
 * per input), error records and exit statuses, the top-level type peek on tricky lines, and
 * the stdout writer to a pipe and to a full device. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "error.h"
#include "ndjson.h"
#include "unit.h"

static char tmpdir[] = "/tmp/lyra-test-ndjson-XXXXXX";

static char *path(const char *name)
{
	static char buf[8][256];
	static int k;
	char *p = buf[k++ % 8];
	snprintf(p, 256, "%s/%s", tmpdir, name);
	return p;
}

static void write_file(const char *p, const char *data, size_t len)
{
	FILE *f = fopen(p, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(p);
		exit(2);
	}
}

/* Send fd 2 into a temp file until stderr_end(), which returns what was written (static). */
static int saved_err = -1;
static const char *stderr_file;

static void stderr_begin(void)
{
	fflush(stderr);
	stderr_file = path("stderr");
	int fd = open(stderr_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	saved_err = dup(2);
	dup2(fd, 2);
	close(fd);
}

static const char *stderr_end(void)
{
	static char out[8192];
	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	FILE *f = fopen(stderr_file, "rb");
	size_t n = f ? fread(out, 1, sizeof out - 1, f) : 0;
	if (f)
		fclose(f);
	out[n] = '\0';
	return out;
}

/* The error record with its ts digits replaced by "N". */
static const char *mask_ts(const char *s)
{
	static char out[8192];
	const char *p = strstr(s, "\"ts\":");
	if (!p) {
		snprintf(out, sizeof out, "%s", s);
		return out;
	}
	p += 5;
	size_t pre = (size_t)(p - s);
	memcpy(out, s, pre);
	out[pre] = 'N';
	const char *q = p;
	while (*q >= '0' && *q <= '9')
		q++;
	snprintf(out + pre + 1, sizeof out - pre - 1, "%s", q);
	return q > p ? out : "(no ts digits)";
}

static int line_is(const struct lyra_line *l, const char *buf, const char *input, uint64_t no)
{
	int ok = l->len == strlen(buf) && memcmp(l->buf, buf, l->len) == 0 &&
	         strcmp(l->input, input) == 0 && l->lineno == no;
	if (!ok)
		printf("#   got '%.*s' %s:%llu, want '%s' %s:%llu\n", (int)(l->len > 60 ? 60 : l->len),
		       l->buf, l->input, (unsigned long long)l->lineno, buf, input,
		       (unsigned long long)no);
	return ok;
}

static char *make_long(size_t n, char fill)
{
	char *s = malloc(n + 1);
	memset(s, fill, n);
	memcpy(s, "{\"type\":\"big\",\"x\":\"", 19);
	memcpy(s + n - 2, "\"}", 2);
	s[n] = '\0';
	return s;
}

/* Put a pipe on fd 0 fed by a child writing data. Returns the child's pid. */
static pid_t stdin_from_child(const char *data, size_t len, int *saved_in)
{
	int p[2];
	if (pipe(p) != 0)
		exit(2);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		size_t off = 0;
		while (off < len) {
			/* small, uneven writes so lines straddle reads */
			size_t chunk = len - off < 7777 ? len - off : 7777;
			ssize_t w = write(p[1], data + off, chunk);
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	*saved_in = dup(0);
	dup2(p[0], 0);
	close(p[0]);
	return pid;
}

static void stdin_restore(int saved_in, pid_t pid)
{
	dup2(saved_in, 0);
	close(saved_in);
	int st;
	waitpid(pid, &st, 0);
}

static void test_reader(void)
{
	const char a[] = "{\"type\":\"a\"}\r\n\n   \t\r\n{\"type\":\"b\"}\n{\"type\":\"c\"}";
	write_file(path("a.ndjson"), a, sizeof a - 1);
	size_t biglen = 3 * 1024 * 1024 + 17;
	char *big = make_long(biglen, 'q');
	size_t blen = biglen + 1 + 4;
	char *b = malloc(blen);
	memcpy(b, big, biglen);
	memcpy(b + biglen, "\nx\r\n\n", 5);
	write_file(path("b.ndjson"), b, blen);

	const char stdin_data[] = "\n{\"type\":\"s1\"}\r\n{\"type\":\"s2\"}\n";
	size_t slen = sizeof stdin_data - 1 + biglen;
	char *sd = malloc(slen);
	memcpy(sd, stdin_data, sizeof stdin_data - 1);
	memcpy(sd + sizeof stdin_data - 1, big, biglen);   /* last line: long, no newline */
	int saved_in;
	pid_t pid = stdin_from_child(sd, slen, &saved_in);

	char *names[] = {path("a.ndjson"), path("missing.ndjson"), path("b.ndjson"), "-"};
	char an[256], bn[256], mn[256];
	snprintf(an, sizeof an, "%s", names[0]);
	snprintf(mn, sizeof mn, "%s", names[1]);
	snprintf(bn, sizeof bn, "%s", names[2]);
	struct lyra_ndjson_in *in = lyra_ndjson_open("lyra-test", names, 4, 0);
	CHECK(in != NULL, "open reader over 4 operands");
	struct lyra_line l;
	stderr_begin();
	int r1 = lyra_ndjson_next(in, &l);
	int ok1 = r1 == 1 && line_is(&l, "{\"type\":\"a\"}", an, 1);
	int r2 = lyra_ndjson_next(in, &l);
	int ok2 = r2 == 1 && line_is(&l, "{\"type\":\"b\"}", an, 4);
	int r3 = lyra_ndjson_next(in, &l);
	int ok3 = r3 == 1 && line_is(&l, "{\"type\":\"c\"}", an, 5);
	int r4 = lyra_ndjson_next(in, &l);
	int ok4 = r4 == 1 && l.len == biglen && memcmp(l.buf, big, biglen) == 0 &&
	          strcmp(l.input, bn) == 0 && l.lineno == 1;
	const char *err = stderr_end();
	CHECK(ok1, "CRLF stripped, first line");
	CHECK(ok2, "blank and whitespace-only lines skipped, numbering kept");
	CHECK(ok3, "last line without newline returned");
	CHECK(ok4, "3 MiB line from the next file, line 1");
	char want[512];
	snprintf(want, sizeof want, "lyra-test: cannot open '%s': No such file or directory\n", mn);
	CHECK_STR(err, want, "missing file reported on stderr, reading continues");

	CHECK(lyra_ndjson_next(in, &l) == 1 && line_is(&l, "x", bn, 2), "line after the long one");
	CHECK(lyra_ndjson_next(in, &l) == 1 && line_is(&l, "{\"type\":\"s1\"}", "<stdin>", 2),
	      "stdin pipe, numbering restarts, leading blank line skipped");
	CHECK(lyra_ndjson_next(in, &l) == 1 && line_is(&l, "{\"type\":\"s2\"}", "<stdin>", 3),
	      "stdin line 3");
	CHECK(lyra_ndjson_next(in, &l) == 1 && l.len == biglen && memcmp(l.buf, big, biglen) == 0
	      && l.lineno == 4, "long last line on a pipe without newline");
	CHECK_INT(lyra_ndjson_next(in, &l), 0, "end of all inputs");
	CHECK_INT(lyra_ndjson_next(in, &l), 0, "end stays end");
	CHECK_INT(lyra_ndjson_status(in), LYRA_EX_NOINPUT, "missing input: status 66");
	CHECK_INT(lyra_ndjson_rejected(in), 0, "nothing rejected");
	lyra_ndjson_close(in);
	stdin_restore(saved_in, pid);
	free(sd);
	free(b);
	free(big);
}

static void test_no_operands(void)
{
	const char data[] = "{\"type\":\"x\"}\n\n{\"type\":\"y\"}\n";
	int saved_in;
	pid_t pid = stdin_from_child(data, sizeof data - 1, &saved_in);
	struct lyra_ndjson_in *in = lyra_ndjson_open("p", NULL, 0, 0);
	struct lyra_line l;
	CHECK(lyra_ndjson_next(in, &l) == 1 && line_is(&l, "{\"type\":\"x\"}", "<stdin>", 1),
	      "no operands reads stdin");
	CHECK(lyra_ndjson_next(in, &l) == 1 && line_is(&l, "{\"type\":\"y\"}", "<stdin>", 3),
	      "stdin line 3");
	CHECK_INT(lyra_ndjson_next(in, &l), 0, "stdin end");
	CHECK_INT(lyra_ndjson_status(in), LYRA_EX_OK, "clean stream: status 0");
	lyra_ndjson_close(in);
	stdin_restore(saved_in, pid);
}

static void test_nul_and_sizes(void)
{
	/* a NUL byte is returned as is; lines of every length around the buffer size */
	const char nul[] = "{\"type\":\"a\0b\"}\n";
	write_file(path("nul.ndjson"), nul, sizeof nul - 1);
	char *names[] = {path("nul.ndjson")};
	struct lyra_ndjson_in *in = lyra_ndjson_open("p", names, 1, 0);
	struct lyra_line l;
	CHECK(lyra_ndjson_next(in, &l) == 1 && l.len == sizeof nul - 2 &&
	      memcmp(l.buf, nul, l.len) == 0, "line with a NUL byte returned whole");
	const char *t, *why = NULL;
	size_t tl;
	CHECK(lyra_record_peek_type(l.buf, l.len, &t, &tl, &why) == -1 && why &&
	      strcmp(why, "NUL byte") == 0, "peek rejects the NUL byte");
	lyra_ndjson_close(in);

	/* many lines whose ends fall on and around the 256 KiB read boundary */
	size_t total = 0, nlines = 0;
	FILE *f = fopen(path("sizes.ndjson"), "wb");
	for (size_t len = 1; total < 2 * 1024 * 1024; len = len * 3 % 65521 + 1) {
		for (size_t i = 0; i < len; i++)
			fputc('a' + (int)(nlines % 26), f);
		fputc('\n', f);
		total += len + 1;
		nlines++;
	}
	fclose(f);
	in = lyra_ndjson_open("p", (char *[]){path("sizes.ndjson")}, 1, 0);
	size_t got = 0, bad = 0, len = 1;
	while (lyra_ndjson_next(in, &l) == 1) {
		if (l.len != len || l.buf[0] != 'a' + (int)(got % 26) ||
		    l.buf[l.len - 1] != 'a' + (int)(got % 26) || l.lineno != got + 1)
			bad++;
		got++;
		len = len * 3 % 65521 + 1;
	}
	CHECK_INT(got, nlines, "every line of varied lengths read");
	CHECK_INT(bad, 0, "every line has its length, content and number");
	lyra_ndjson_close(in);
}

static void test_reject(void)
{
	write_file(path("r.ndjson"), "oops\n{\"type\":\"t\"}\nbad\n", 22);
	char *names[] = {path("r.ndjson")};
	char rn[256];
	snprintf(rn, sizeof rn, "%s", names[0]);
	struct lyra_ndjson_in *in = lyra_ndjson_open("lyra-x", names, 1, 0);
	struct lyra_line l;
	lyra_ndjson_next(in, &l);
	stderr_begin();
	int rc = lyra_ndjson_reject(in, &l, "invalid JSON at column %d: %s", 1, "'[' or '{' expected");
	const char *err = stderr_end();
	char want[1024];
	snprintf(want, sizeof want,
	         "{\"type\":\"error\",\"ts\":N,\"prog\":\"lyra-x\",\"input\":\"%s\",\"line\":1,"
	         "\"reason\":\"invalid JSON at column 1: '[' or '{' expected\"}\n", rn);
	CHECK_STR(mask_ts(err), want, "error record format");
	const char *tsp = strstr(err, "\"ts\":");
	long long ts = tsp ? strtoll(tsp + 5, NULL, 10) : 0;
	CHECK(ts > 1600000000000000LL && ts < 4000000000000000LL, "error ts is now in microseconds");
	CHECK_INT(rc, 0, "not strict: go on");
	CHECK_INT(lyra_ndjson_status(in), LYRA_EX_DATAERR, "rejected line: status 65");
	lyra_ndjson_next(in, &l);
	lyra_ndjson_next(in, &l);
	stderr_begin();
	lyra_ndjson_reject(in, &l, "quote \" backslash \\ newline \n tab \t ctl \x01 utf8 \xc3\xa9 bad \xff");
	err = stderr_end();
	snprintf(want, sizeof want,
	         "{\"type\":\"error\",\"ts\":N,\"prog\":\"lyra-x\",\"input\":\"%s\",\"line\":3,"
	         "\"reason\":\"quote \\\" backslash \\\\ newline \\n tab \\t ctl \\u0001 utf8 "
	         "\xc3\xa9 bad \\ufffd\"}\n", rn);
	CHECK_STR(mask_ts(err), want, "reason is JSON-escaped, invalid UTF-8 replaced");
	CHECK_INT(lyra_ndjson_rejected(in), 2, "two rejected");
	lyra_ndjson_close(in);

	/* strict asks to stop; missing input outranks rejects; odd names are escaped */
	write_file(path("q\"n.ndjson"), "x\n", 2);
	char *names2[] = {path("q\"n.ndjson"), path("nope")};
	in = lyra_ndjson_open("s", names2, 2, 1);
	lyra_ndjson_next(in, &l);
	stderr_begin();
	rc = lyra_ndjson_reject(in, &l, "missing 'type'");
	err = stderr_end();
	snprintf(want, sizeof want,
	         "{\"type\":\"error\",\"ts\":N,\"prog\":\"s\",\"input\":\"%s/q\\\"n.ndjson\",\"line\":1,"
	         "\"reason\":\"missing 'type'\"}\n", tmpdir);
	CHECK_STR(mask_ts(err), want, "input name escaped");
	CHECK_INT(rc, -1, "strict: stop");
	stderr_begin();
	CHECK_INT(lyra_ndjson_next(in, &l), 0, "end after missing file");
	stderr_end();
	CHECK_INT(lyra_ndjson_status(in), LYRA_EX_NOINPUT, "missing beats rejected: 66");
	lyra_ndjson_close(in);

	/* a read error (EIO from /proc/self/mem at address 0) earns 74; a directory is unopenable */
	char *names3[] = {"/proc/self/mem", tmpdir};
	in = lyra_ndjson_open("r", names3, 2, 0);
	stderr_begin();
	CHECK_INT(lyra_ndjson_next(in, &l), 0, "nothing read from a failing input");
	err = stderr_end();
	snprintf(want, sizeof want, "r: cannot read '/proc/self/mem': Input/output error\n"
	         "r: cannot open '%s': Is a directory\n", tmpdir);
	CHECK_STR(err, want, "read error and directory reported");
	CHECK_INT(lyra_ndjson_status(in), LYRA_EX_IOERR, "read error: status 74");
	lyra_ndjson_close(in);
}

static int peek_ok(const char *line, const char *want)
{
	const char *t = NULL, *why = NULL;
	size_t tl = 0;
	int rc = lyra_record_peek_type(line, strlen(line), &t, &tl, &why);
	int ok = rc == 0 && tl == strlen(want) && memcmp(t, want, tl) == 0 &&
	         t >= line && t + tl <= line + strlen(line) && lyra_type_is(t, tl, want);
	if (!ok)
		printf("#   peek '%s': rc %d type '%.*s' why '%s'\n", line, rc, rc ? 0 : (int)tl,
		       rc ? "" : t, why ? why : "");
	return ok;
}

static int peek_fails(const char *line, size_t len, const char *want_why)
{
	const char *t = NULL, *why = NULL;
	size_t tl = 0;
	int rc = lyra_record_peek_type(line, len, &t, &tl, &why);
	int ok = rc == -1 && why && strcmp(why, want_why) == 0;
	if (!ok)
		printf("#   peek '%.*s': rc %d why '%s', want '%s'\n", (int)len, line, rc,
		       why ? why : "(null)", want_why);
	return ok;
}

#define PEEK_FAILS(s, why) peek_fails((s), strlen(s), (why))
#define PEEK_FAILS_LIT(s, why) peek_fails((s), sizeof(s) - 1, (why))

static void test_peek(void)
{
	CHECK(peek_ok("{\"type\":\"trade\",\"ts\":1}", "trade"), "type first (fast path)");
	CHECK(peek_ok("{\"ts\":1,\"type\":\"bbo\"}", "bbo"), "type not first");
	CHECK(peek_ok("  {  \"ts\" : 1 ,\t\"type\"\t:\r \"book\" } ", "book"), "whitespace everywhere");
	CHECK(peek_ok("{\"a\":{\"type\":\"inner\"},\"type\":\"outer\"}", "outer"),
	      "nested object with type skipped");
	CHECK(peek_ok("{\"a\":[{\"type\":\"x\"},[1,[2,{\"b\":\"}\"}]]],\"type\":\"deep\"}", "deep"),
	      "nested arrays and objects with braces in strings");
	CHECK(peek_ok("{\"s\":\"\\\"type\\\":\\\"fake\\\"\",\"type\":\"real\"}", "real"),
	      "\"type\" inside a string value with escaped quotes");
	CHECK(peek_ok("{\"s\":\"{[\\\\\",\"type\":\"t\"}", "t"), "escaped backslash before a quote");
	CHECK(peek_ok("{\"type_x\":\"no\",\"xtype\":\"no\",\"type\":\"yes\"}", "yes"),
	      "keys that only contain type");
	CHECK(peek_ok("{\"n\":-1.5e+3,\"t\":true,\"f\":false,\"z\":null,\"type\":\"sc\"}", "sc"),
	      "scalars skipped");
	CHECK(peek_ok("{\"type\":\"\"}", ""), "empty type");
	CHECK(peek_ok("{\"type\":\"trade\",\"garbage after", "trade"),
	      "cost stops at the type value");
	CHECK(peek_ok("{\"type\":\"caf\xc3\xa9\"}", "caf\xc3\xa9"), "UTF-8 type");

	CHECK(PEEK_FAILS("", "empty line"), "empty");
	CHECK(PEEK_FAILS("   ", "empty line"), "blank");
	CHECK(PEEK_FAILS("[1,2]", "not a JSON object"), "array");
	CHECK(PEEK_FAILS("\"type\"", "not a JSON object"), "string");
	CHECK(PEEK_FAILS("42", "not a JSON object"), "number");
	CHECK(PEEK_FAILS("{}", "missing 'type'"), "empty object");
	CHECK(PEEK_FAILS("{\"a\":{\"type\":\"x\"}}", "missing 'type'"), "only a nested type");
	CHECK(PEEK_FAILS("{\"a\":\"\\\"type\\\":\\\"x\\\"\"}", "missing 'type'"), "only in a string");
	CHECK(PEEK_FAILS("{\"type\":1}", "'type' is not a string"), "numeric type");
	CHECK(PEEK_FAILS("{\"type\":null}", "'type' is not a string"), "null type");
	CHECK(PEEK_FAILS("{\"type\":{\"a\":1}}", "'type' is not a string"), "object type");
	CHECK(PEEK_FAILS("{\"type\":\"tr\\u0061de\"}", "'type' has escapes"), "escaped type");
	CHECK(PEEK_FAILS("{\"type\":\"tra", "truncated line"), "truncated in type value");
	CHECK(PEEK_FAILS("{\"ts\":1,\"ty", "truncated line"), "truncated in key");
	CHECK(PEEK_FAILS("{\"a\":[1,2", "truncated line"), "truncated in nested array");
	CHECK(PEEK_FAILS("{\"a\":\"x\\", "truncated line"), "truncated after backslash");
	CHECK(PEEK_FAILS("{\"a\\", "truncated line"), "truncated after backslash in key");
	CHECK(PEEK_FAILS("{\"a\":1", "truncated line"), "truncated after value");
	CHECK(PEEK_FAILS("{\"type\"", "truncated line"), "truncated before colon");
	CHECK(PEEK_FAILS("{", "truncated line"), "lone brace");
	CHECK(PEEK_FAILS("{\"a\" 1}", "expected ':'"), "no colon");
	CHECK(PEEK_FAILS("{\"a\":1 \"type\":\"x\"}", "expected ',' or '}'"), "no comma");
	CHECK(PEEK_FAILS("{a:1}", "expected a key"), "bare key");
	CHECK(PEEK_FAILS("{\"a\":,\"type\":\"x\"}", "invalid JSON value"), "missing value");
	CHECK(PEEK_FAILS("{\"a\":\"x\ny\",\"type\":\"t\"}", "control character in string"),
	      "raw control character");
	CHECK(PEEK_FAILS_LIT("{\"a\":\"\0\",\"type\":\"t\"}", "NUL byte"), "NUL in skipped string");
	CHECK(PEEK_FAILS_LIT("{\"type\":\"t\0\"}", "NUL byte"), "NUL in type");
	CHECK(PEEK_FAILS_LIT("{\0", "NUL byte"), "NUL as key");
	CHECK(peek_fails("{\"type\":\"trade\"}", 10, "truncated line"), "length is honoured");
	CHECK(!lyra_type_is("trade", 5, "trades") && !lyra_type_is("trade", 4, "trade") &&
	      lyra_type_is("trade", 5, "trade"), "lyra_type_is compares exactly");
	CHECK(lyra_record_peek_type("{}", 2, &(const char *){0}, &(size_t){0}, NULL) == -1,
	      "why may be NULL");
}

static char *read_all(int fd, size_t *n)
{
	static char buf[65536];
	*n = 0;
	ssize_t r;
	while ((r = read(fd, buf + *n, sizeof buf - 1 - *n)) > 0)
		*n += (size_t)r;
	buf[*n] = '\0';
	return buf;
}

static void test_writer(void)
{
	int p[2];
	if (pipe(p) != 0)
		exit(2);
	fflush(stdout);
	int saved_out = dup(1);
	dup2(p[1], 1);
	close(p[1]);
	lyra_out_init(1);
	int rc1 = lyra_out_raw("{\"type\":\"a\",\"ts\":1}", 19);
	/* live: the record is already in the pipe, before any flush */
	char got[64];
	ssize_t r = read(p[0], got, sizeof got);
	int rc2 = lyra_out_raw("x", 0);
	int rc3 = lyra_out_raw("{\"type\":\"b\"}", 12);
	lyra_out_init(0);
	int rc4 = lyra_out_raw("{\"type\":\"c\"}", 12);
	int rc5 = lyra_out_flush();
	dup2(saved_out, 1);
	close(saved_out);
	size_t n;
	char *rest = read_all(p[0], &n);
	close(p[0]);
	CHECK(rc1 == 0 && rc2 == 0 && rc3 == 0 && rc4 == 0 && rc5 == 0, "writes succeed");
	CHECK(r == 20 && memcmp(got, "{\"type\":\"a\",\"ts\":1}\n", 20) == 0,
	      "live: one record, flushed at once");
	CHECK_STR(rest, "\n{\"type\":\"b\"}\n{\"type\":\"c\"}\n", "empty line, then buffered records");

	/* a full device: ENOSPC is an I/O error */
	fflush(stdout);
	saved_out = dup(1);
	int full = open("/dev/full", O_WRONLY);
	if (full >= 0) {
		dup2(full, 1);
		close(full);
		lyra_out_init(1);
		lyra_error_clear();
		int rc = lyra_out_raw("{\"type\":\"a\"}", 12);
		int code = lyra_error_code();
		char msg[256];
		snprintf(msg, sizeof msg, "%s", lyra_error_msg());
		__fpurge(stdout);
		clearerr(stdout);
		dup2(saved_out, 1);
		close(saved_out);
		lyra_out_init(0);
		CHECK_INT(rc, -1, "write to /dev/full fails");
		CHECK_INT(code, LYRA_EX_IOERR, "as an I/O error");
		CHECK_STR(msg, "cannot write '<stdout>': No space left on device", "ENOSPC message");
	}

	/* a closed pipe: EPIPE when SIGPIPE is ignored */
	signal(SIGPIPE, SIG_IGN);
	if (pipe(p) != 0)
		exit(2);
	fflush(stdout);
	saved_out = dup(1);
	dup2(p[1], 1);
	close(p[1]);
	close(p[0]);
	lyra_out_init(0);
	int rc6 = lyra_out_raw("{\"type\":\"a\"}", 12);
	lyra_error_clear();
	int rc7 = lyra_out_flush();
	int code = lyra_error_code();
	__fpurge(stdout);
	clearerr(stdout);
	dup2(saved_out, 1);
	close(saved_out);
	signal(SIGPIPE, SIG_DFL);
	CHECK_INT(rc6, 0, "buffered write succeeds");
	CHECK_INT(rc7, -1, "flush to a closed pipe fails");
	CHECK_INT(code, LYRA_EX_IOERR, "EPIPE is an I/O error");
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	test_reader();
	test_no_operands();
	test_nul_and_sizes();
	test_reject();
	test_peek();
	test_writer();
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", tmpdir);
	return unit_done();
}
