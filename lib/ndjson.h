/* ndjson.h: the record stream. Reading lines from file operands or stdin (any length, CRLF
 * tolerated, input name and line number tracked), rejecting bad lines as `error` records on
 * stderr, the cheap top-level `type` peek that lets a stage forward records it does not consume
 * as their original bytes, and the stdout writer (one record per line, flushed per record when
 * the stream is live). Parsing a consumed record into jansson lives in record.h. */
#ifndef LYRA_NDJSON_H
#define LYRA_NDJSON_H

#include <stddef.h>
#include <stdint.h>

struct lyra_ndjson_in;

struct lyra_line {
	const char *buf;      /* the line without its "\n" or "\r\n"; NOT NUL-terminated; borrowed,
	                         valid until the next lyra_ndjson_next() */
	size_t len;           /* bytes in buf */
	const char *input;    /* input name: the operand, or "<stdin>" for "-" and no operands */
	uint64_t lineno;      /* 1-based line number within that input */
};

/* Open a reader over names[0..n-1] in order; n == 0 reads stdin; "-" is stdin. prog names the
 * program in error records; strict makes lyra_ndjson_reject() ask the caller to stop. Returns a
 * new reader, NULL only on allocation failure. Files are opened lazily, in order. */
struct lyra_ndjson_in *lyra_ndjson_open(const char *prog, char *const *names, int n, int strict);
void lyra_ndjson_close(struct lyra_ndjson_in *in);

/* Next non-empty line across all inputs. Returns 1 with *line filled, 0 at the end of the last
 * input. An input that cannot be opened or read is reported on stderr as "prog: cannot open
 * 'name': reason" and skipped; it is remembered for lyra_ndjson_status(). */
int lyra_ndjson_next(struct lyra_ndjson_in *in, struct lyra_line *line);

/* Reject a line: writes one compact `error` record to stderr,
 *   {"type":"error","ts":<now us>,"prog":"...","input":"...","line":N,"reason":"..."}
 * and counts it. Returns 0 when the stream should go on, -1 when --strict says stop. */
int lyra_ndjson_reject(struct lyra_ndjson_in *in, const struct lyra_line *line,
                       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint64_t lyra_ndjson_rejected(const struct lyra_ndjson_in *in);

/* 1 when the next lyra_ndjson_next() would have to wait: no complete line is buffered and the
 * open input is a pipe, socket or terminal with nothing to read right now. 0 when a line is
 * ready, the input is a file (files never wait) or the inputs are done. A stage that batches
 * its work (oms commits in groups) finishes its batch and flushes before it waits. */
int lyra_ndjson_would_block(const struct lyra_ndjson_in *in);
/* Wait up to timeout_ms for the next line to be ready without blocking (see above): 1 ready
 * (or the input ended), 0 timed out. A live stage uses it to do timed work while idle. */
int lyra_ndjson_wait(const struct lyra_ndjson_in *in, int timeout_ms);
/* 1 when the inputs named by names[0..n-1] are a live stream: standard input only (no operands
 * or "-") and it is a pipe, socket or terminal. A live stage flushes every record. */
int lyra_ndjson_live(char *const *names, int n);

/* Exit status the stream earned: LYRA_EX_IOERR if a read failed, LYRA_EX_NOINPUT if an input
 * was missing, LYRA_EX_DATAERR if any line was rejected, else LYRA_EX_OK. */
int lyra_ndjson_status(const struct lyra_ndjson_in *in);

/* Find the top-level "type" of a record without parsing it: the line must be a JSON object
 * whose top-level key "type" has a string value without escapes. On success *type points into
 * buf (borrowed) and returns 0; otherwise -1 with a short reason in *why (static string). Cost
 * is proportional to the bytes before the type value, not to the line. */
int lyra_record_peek_type(const char *buf, size_t len, const char **type, size_t *tlen,
                          const char **why);
/* 1 if the peeked type (t, tlen) equals the NUL-terminated name. */
int lyra_type_is(const char *t, size_t tlen, const char *name);

/* The writer: stdout, fully buffered, or flushed after every record when live (set live when the
 * input is a live stream, or with --unbuffered). Returns 0, or -1 on a write error (EPIPE/ENOSPC:
 * code LYRA_EX_IOERR in error.h). */
void lyra_out_init(int live);
int lyra_out_raw(const char *buf, size_t len);  /* writes buf + "\n" */
int lyra_out_flush(void);

#endif
