/* ndjson.c: the record stream: the buffered line reader over file operands and stdin (read(2),
 * memchr, any line length), `error` records for rejected lines, the cheap top-level "type" peek,
 * and the stdout writer (stdio, fully buffered or flushed per record when live). */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "error.h"
#include "ndjson.h"
#include "utf8.h"

#define IN_BUFSIZE  (256 * 1024)
#define OUT_BUFSIZE (256 * 1024)

struct lyra_ndjson_in {
	const char *prog;
	char **names;         /* owned copies of the operands */
	int n;
	int next;             /* index of the next operand to open */
	int strict;
	int fd;               /* -1 when no input is open */
	int eof;
	const char *name;     /* current input name */
	uint64_t lineno;
	char *buf;
	size_t cap;
	size_t start;         /* first byte of the current (partial) line */
	size_t end;           /* end of valid data */
	size_t scan;          /* [start, scan) is known to hold no '\n' */
	uint64_t rejected;
	int missing;
	int ioerr;
};

static const char stdin_name[] = "<stdin>";

struct lyra_ndjson_in *lyra_ndjson_open(const char *prog, char *const *names, int n, int strict)
{
	struct lyra_ndjson_in *in = calloc(1, sizeof *in);
	if (!in)
		return NULL;
	if (n < 0)
		n = 0;
	size_t plen = strlen(prog ? prog : "lyra") + 1;
	size_t total = plen;
	for (int i = 0; i < n; i++)
		total += strlen(names[i]) + 1;
	in->names = malloc((size_t)(n + 1) * sizeof *in->names + total);
	in->buf = malloc(IN_BUFSIZE);
	if (!in->names || !in->buf) {
		free(in->names);
		free(in->buf);
		free(in);
		return NULL;
	}
	char *p = (char *)(in->names + n + 1);
	memcpy(p, prog ? prog : "lyra", plen);
	in->prog = p;
	p += plen;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(names[i]) + 1;
		memcpy(p, names[i], l);
		in->names[i] = p;
		p += l;
	}
	in->names[n] = NULL;
	in->n = n;
	in->strict = strict;
	in->fd = -1;
	in->cap = IN_BUFSIZE;
	in->name = stdin_name;
	return in;
}

void lyra_ndjson_close(struct lyra_ndjson_in *in)
{
	if (!in)
		return;
	if (in->fd > 0)
		close(in->fd);
	free(in->buf);
	free(in->names);
	free(in);
}

static void report(const struct lyra_ndjson_in *in, const char *what, const char *name, int err)
{
	char msg[4096 + 256];
	int len = snprintf(msg, sizeof msg, "%s: cannot %s '%s': %s\n", in->prog, what, name,
	                   strerror(err));
	if (len < 0)
		return;
	if ((size_t)len >= sizeof msg) {
		len = sizeof msg - 1;
		msg[len - 1] = '\n';
	}
	fwrite(msg, 1, (size_t)len, stderr);
	fflush(stderr);
}

/* Open the next operand; 0 when there is none left. Failures are reported and skipped. */
static int open_next(struct lyra_ndjson_in *in)
{
	int total = in->n ? in->n : 1;
	while (in->next < total) {
		const char *name = in->n ? in->names[in->next] : "-";
		in->next++;
		in->lineno = 0;
		in->start = in->end = in->scan = 0;
		in->eof = 0;
		if (strcmp(name, "-") == 0) {
			in->fd = 0;
			in->name = stdin_name;
			return 1;
		}
		int fd = open(name, O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			close(fd);
			fd = -1;
			errno = EISDIR;
		}
		if (fd < 0) {
			report(in, "open", name, errno);
			in->missing = 1;
			continue;
		}
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		in->fd = fd;
		in->name = name;
		return 1;
	}
	return 0;
}

static void finish_input(struct lyra_ndjson_in *in)
{
	if (in->fd > 0)
		close(in->fd);
	in->fd = -1;
	in->start = in->end = in->scan = 0;
}

/* Called when [start, end) holds no complete line: make room and read more. */
static void fill(struct lyra_ndjson_in *in)
{
	if (in->start > 0) {
		size_t keep = in->end - in->start;
		if (keep)
			memmove(in->buf, in->buf + in->start, keep);
		in->scan -= in->start;
		in->end = keep;
		in->start = 0;
	}
	if (in->end == in->cap) {
		size_t ncap = in->cap * 2;
		char *nb = ncap > in->cap ? realloc(in->buf, ncap) : NULL;
		if (!nb) {
			report(in, "read", in->name, ENOMEM);
			in->ioerr = 1;
			in->eof = 1;
			in->start = in->end = in->scan = 0;
			return;
		}
		in->buf = nb;
		in->cap = ncap;
	}
	for (;;) {
		ssize_t r = read(in->fd, in->buf + in->end, in->cap - in->end);
		if (r > 0) {
			in->end += (size_t)r;
			return;
		}
		if (r == 0) {
			in->eof = 1;
			return;
		}
		if (errno == EINTR)
			continue;
		report(in, "read", in->name, errno);
		in->ioerr = 1;
		in->eof = 1;
		in->start = in->end = in->scan = 0;
		return;
	}
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\v' && c != '\f')
			return 0;
	}
	return 1;
}

int lyra_ndjson_would_block(const struct lyra_ndjson_in *in)
{
	struct stat sb;
	struct pollfd pfd;
	if (in->scan < in->end && memchr(in->buf + in->scan, '\n', in->end - in->scan))
		return 0;
	if (in->fd < 0 || in->eof)
		return 0;
	if (fstat(in->fd, &sb) != 0 || S_ISREG(sb.st_mode))
		return 0;
	pfd.fd = in->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) == 0;
}

int lyra_ndjson_wait(const struct lyra_ndjson_in *in, int timeout_ms)
{
	struct pollfd pfd;
	if (!lyra_ndjson_would_block(in))
		return 1;
	pfd.fd = in->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, timeout_ms) != 0;
}

int lyra_ndjson_next(struct lyra_ndjson_in *in, struct lyra_line *line)
{
	for (;;) {
		if (in->fd < 0 && !open_next(in))
			return 0;
		size_t ls, le;
		char *nl = in->scan < in->end
		           ? memchr(in->buf + in->scan, '\n', in->end - in->scan) : NULL;
		if (nl) {
			ls = in->start;
			le = (size_t)(nl - in->buf);
			in->start = in->scan = le + 1;
		} else if (!in->eof) {
			in->scan = in->end;
			fill(in);
			continue;
		} else if (in->start < in->end) {
			ls = in->start;
			le = in->end;
			in->start = in->scan = in->end;
		} else {
			finish_input(in);
			continue;
		}
		in->lineno++;
		if (le > ls && in->buf[le - 1] == '\r')
			le--;
		if (le == ls || ((in->buf[ls] == ' ' || in->buf[ls] == '\t' || in->buf[ls] == '\r'
		                  || in->buf[ls] == '\v' || in->buf[ls] == '\f')
		                 && blank(in->buf + ls, le - ls)))
			continue;
		line->buf = in->buf + ls;
		line->len = le - ls;
		line->input = in->name;
		line->lineno = in->lineno;
		return 1;
	}
}

/* JSON string body of s (no quotes) into o, which needs 6 bytes per input byte. Invalid UTF-8
 * becomes U+FFFD so the record stays valid JSON. Returns bytes written. */
static size_t json_escape(char *o, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str, *end = s + strlen(str);
	char *start = o;
	while (*s) {
		unsigned char c = *s;
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			*o++ = (char)c;
			s++;
			continue;
		}
		if (c < 0x80) {
			*o++ = '\\';
			switch (c) {
			case '"': *o++ = '"'; break;
			case '\\': *o++ = '\\'; break;
			case '\n': *o++ = 'n'; break;
			case '\t': *o++ = 't'; break;
			case '\r': *o++ = 'r'; break;
			case '\b': *o++ = 'b'; break;
			case '\f': *o++ = 'f'; break;
			default:
				*o++ = 'u';
				*o++ = '0';
				*o++ = '0';
				*o++ = hex[c >> 4];
				*o++ = hex[c & 15];
			}
			s++;
			continue;
		}
		size_t n = lyra_utf8_seq(s, end);
		int ok = n > 0;
		if (ok) {
			memcpy(o, s, n);
			o += n;
			s += n;
		} else {
			memcpy(o, "\\ufffd", 6);
			o += 6;
			s++;
		}
	}
	return (size_t)(o - start);
}

int lyra_ndjson_reject(struct lyra_ndjson_in *in, const struct lyra_line *line,
                       const char *fmt, ...)
{
	char reason[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	in->rejected++;

	const char *input = line ? line->input : in->name;
	uint64_t lineno = line ? line->lineno : in->lineno;
	size_t cap = 128 + 6 * (strlen(in->prog) + strlen(input) + strlen(reason));
	char *o = malloc(cap);
	if (o) {
		size_t n = (size_t)snprintf(o, cap, "{\"type\":\"error\",\"ts\":%lld,\"prog\":\"",
		                            (long long)lyra_time_now_us());
		n += json_escape(o + n, in->prog);
		memcpy(o + n, "\",\"input\":\"", 11);
		n += 11;
		n += json_escape(o + n, input);
		n += (size_t)snprintf(o + n, cap - n, "\",\"line\":%llu,\"reason\":\"",
		                      (unsigned long long)lineno);
		n += json_escape(o + n, reason);
		memcpy(o + n, "\"}\n", 3);
		n += 3;
		fwrite(o, 1, n, stderr);
		fflush(stderr);
		free(o);
	}
	return in->strict ? -1 : 0;
}

uint64_t lyra_ndjson_rejected(const struct lyra_ndjson_in *in)
{
	return in->rejected;
}

int lyra_ndjson_status(const struct lyra_ndjson_in *in)
{
	if (in->ioerr)
		return LYRA_EX_IOERR;
	if (in->missing)
		return LYRA_EX_NOINPUT;
	if (in->rejected)
		return LYRA_EX_DATAERR;
	return LYRA_EX_OK;
}

static inline int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* p is just past an opening quote: the byte after the closing quote, or NULL. */
static const unsigned char *skip_string(const unsigned char *p, const unsigned char *e,
                                        const char **why)
{
	while (p < e) {
		unsigned char c = *p;
		if (c == '"')
			return p + 1;
		if (c == '\\') {
			if (e - p < 2)
				break;
			p += 2;
			continue;
		}
		if (c < 0x20) {
			*why = c ? "control character in string" : "NUL byte";
			return NULL;
		}
		p++;
	}
	*why = "truncated line";
	return NULL;
}

static const unsigned char *skip_value(const unsigned char *p, const unsigned char *e,
                                       const char **why)
{
	unsigned char c = *p;
	if (c == '"')
		return skip_string(p + 1, e, why);
	if (c == '{' || c == '[') {
		size_t depth = 0;
		while (p < e) {
			c = *p;
			if (c == '"') {
				p = skip_string(p + 1, e, why);
				if (!p)
					return NULL;
				continue;
			}
			if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				if (--depth == 0)
					return p + 1;
			} else if (c == 0) {
				*why = "NUL byte";
				return NULL;
			}
			p++;
		}
		*why = "truncated line";
		return NULL;
	}
	const unsigned char *s = p;
	while (p < e && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')
	                 || (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '+' || *p == '.'))
		p++;
	if (p == s) {
		*why = c ? "invalid JSON value" : "NUL byte";
		return NULL;
	}
	return p;
}

int lyra_record_peek_type(const char *buf, size_t len, const char **type, size_t *tlen,
                          const char **why)
{
	const unsigned char *p = (const unsigned char *)buf, *e = p + len;
	const char *w = "truncated line";

	if (len >= 9 && memcmp(buf, "{\"type\":\"", 9) == 0) {
		p += 9;
		goto value;
	}
	while (p < e && is_ws(*p))
		p++;
	if (p == e) {
		w = "empty line";
		goto fail;
	}
	if (*p != '{') {
		w = "not a JSON object";
		goto fail;
	}
	p++;
	for (;;) {
		while (p < e && is_ws(*p))
			p++;
		if (p == e)
			goto fail;
		if (*p == '}') {
			w = "missing 'type'";
			goto fail;
		}
		if (*p != '"') {
			w = *p ? "expected a key" : "NUL byte";
			goto fail;
		}
		const unsigned char *k = ++p;
		int escaped = 0;
		while (p < e && *p != '"') {
			if (*p == '\\') {
				escaped = 1;
				if (e - p < 2)
					goto fail;
				p++;
			} else if (*p < 0x20) {
				w = *p ? "control character in string" : "NUL byte";
				goto fail;
			}
			p++;
		}
		if (p >= e)
			goto fail;
		int is_type = !escaped && p - k == 4 && memcmp(k, "type", 4) == 0;
		p++;
		while (p < e && is_ws(*p))
			p++;
		if (p == e)
			goto fail;
		if (*p != ':') {
			w = *p ? "expected ':'" : "NUL byte";
			goto fail;
		}
		p++;
		while (p < e && is_ws(*p))
			p++;
		if (p == e)
			goto fail;
		if (is_type) {
			if (*p != '"') {
				w = "'type' is not a string";
				goto fail;
			}
			p++;
			goto value;
		}
		p = skip_value(p, e, &w);
		if (!p)
			goto fail;
		while (p < e && is_ws(*p))
			p++;
		if (p == e)
			goto fail;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}') {
			w = "missing 'type'";
			goto fail;
		}
		w = *p ? "expected ',' or '}'" : "NUL byte";
		goto fail;
	}
value:;
	const unsigned char *t = p;
	while (p < e && *p != '"') {
		if (*p == '\\') {
			w = "'type' has escapes";
			goto fail;
		}
		if (*p < 0x20) {
			w = *p ? "control character in string" : "NUL byte";
			goto fail;
		}
		p++;
	}
	if (p == e)
		goto fail;
	*type = (const char *)t;
	*tlen = (size_t)(p - t);
	return 0;
fail:
	if (why)
		*why = w;
	return -1;
}

int lyra_type_is(const char *t, size_t tlen, const char *name)
{
	size_t n = strlen(name);
	return n == tlen && memcmp(t, name, n) == 0;
}

static int out_live;
static int out_ready;
static char out_buf[OUT_BUFSIZE];

void lyra_out_init(int live)
{
	if (!out_ready) {
		setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
		out_ready = 1;
	}
	out_live = live;
}

static int write_failed(void)
{
	int err = errno ? errno : EIO;
	return lyra_error(LYRA_EX_IOERR, "cannot write '<stdout>': %s", strerror(err));
}

int lyra_out_raw(const char *buf, size_t len)
{
	errno = 0;
	if (fwrite_unlocked(buf, 1, len, stdout) != len || putc_unlocked('\n', stdout) == EOF)
		return write_failed();
	if (out_live && fflush(stdout) == EOF)
		return write_failed();
	return 0;
}

int lyra_out_flush(void)
{
	errno = 0;
	if (fflush(stdout) == EOF || ferror(stdout))
		return write_failed();
	return 0;
}

int lyra_ndjson_live(char *const *names, int n)
{
	struct stat sb;
	if (n > 1 || (n == 1 && strcmp(names[0], "-") != 0))
		return 0;
	if (fstat(0, &sb) != 0)
		return 0;
	return S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode) || S_ISCHR(sb.st_mode);
}
