/* pack.c: tar + zstd through libarchive over byte-stream callbacks (pack.h). Keeps the caller's
 * error (a failed write or read callback) apart from libarchive's own, so a full disk stays an
 * I/O error and a damaged archive stays damage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "error.h"
#include "pack.h"

#define READ_BUF 65536

struct lyra_pack {
	struct archive *a;
	struct archive_entry *entry;
	int writing;
	int io_failed;      /* the caller's callback failed: its error is in error.h already */
	int (*put)(void *ctx, const void *buf, size_t n);
	ssize_t (*get)(void *ctx, void *buf, size_t n);
	void *ctx;
	unsigned char *buf;  /* reader: READ_BUF bytes handed to libarchive */
};

static la_ssize_t write_cb(struct archive *a, void *data, const void *buf, size_t n)
{
	struct lyra_pack *p = data;
	(void)a;
	if (!p->put)
		return (la_ssize_t)n;
	if (p->put(p->ctx, buf, n) != 0) {
		p->io_failed = 1;
		return -1;
	}
	return (la_ssize_t)n;
}

static la_ssize_t read_cb(struct archive *a, void *data, const void **buf)
{
	struct lyra_pack *p = data;
	ssize_t n;
	(void)a;
	*buf = p->buf;
	n = p->get(p->ctx, p->buf, READ_BUF);
	if (n < 0) {
		p->io_failed = 1;
		return -1;
	}
	return (la_ssize_t)n;
}

/* Record libarchive's error unless the callback's is already recorded. */
static int fail(struct lyra_pack *p, int code, const char *what)
{
	const char *msg;
	if (p->io_failed)
		return -1;
	msg = archive_error_string(p->a);
	return lyra_error(code, "%s: %s", what, msg ? msg : "unknown error");
}

static struct lyra_pack *pack_new(void)
{
	struct lyra_pack *p = calloc(1, sizeof *p);
	if (!p) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	return p;
}

struct lyra_pack *lyra_pack_writer(int (*put)(void *ctx, const void *buf, size_t n), void *ctx,
                                   int level, int threads)
{
	struct lyra_pack *p = pack_new();
	char num[16];

	if (!p)
		return NULL;
	p->writing = 1;
	p->put = put;
	p->ctx = ctx;
	if (!(p->a = archive_write_new()) || !(p->entry = archive_entry_new())) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		goto fail;
	}
	snprintf(num, sizeof num, "%d", level);
	if (archive_write_set_format_pax_restricted(p->a) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(p->a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(p->a, "zstd", "compression-level", num) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(p->a, 65536) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(p->a, 1) != ARCHIVE_OK) {
		fail(p, LYRA_EX_SOFTWARE, "cannot set up tar+zstd");
		goto fail;
	}
	if (threads > 0) {
		snprintf(num, sizeof num, "%d", threads);
		archive_write_set_filter_option(p->a, "zstd", "threads", num);
	}
	if (archive_write_open2(p->a, p, NULL, write_cb, NULL, NULL) != ARCHIVE_OK) {
		fail(p, LYRA_EX_IOERR, "cannot start the archive");
		goto fail;
	}
	return p;
fail:
	lyra_pack_free(p);
	return NULL;
}

int lyra_pack_entry(struct lyra_pack *p, const char *name, int64_t size, int64_t mtime)
{
	archive_entry_clear(p->entry);
	archive_entry_set_pathname(p->entry, name);
	archive_entry_set_filetype(p->entry, AE_IFREG);
	archive_entry_set_perm(p->entry, 0600);
	archive_entry_set_size(p->entry, size);
	archive_entry_set_mtime(p->entry, mtime, 0);
	if (archive_write_header(p->a, p->entry) != ARCHIVE_OK)
		return fail(p, LYRA_EX_IOERR, "cannot write archive member");
	return 0;
}

int lyra_pack_write(struct lyra_pack *p, const void *buf, size_t n)
{
	const char *c = buf;
	while (n) {
		la_ssize_t w = archive_write_data(p->a, c, n);
		if (w <= 0)
			return fail(p, LYRA_EX_IOERR, "cannot write archive data");
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int lyra_pack_finish(struct lyra_pack *p)
{
	if (archive_write_close(p->a) != ARCHIVE_OK)
		return fail(p, LYRA_EX_IOERR, "cannot finish the archive");
	return 0;
}

struct lyra_pack *lyra_pack_reader(ssize_t (*get)(void *ctx, void *buf, size_t n), void *ctx)
{
	struct lyra_pack *p = pack_new();

	if (!p)
		return NULL;
	p->get = get;
	p->ctx = ctx;
	if (!(p->buf = malloc(READ_BUF)) || !(p->a = archive_read_new())) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		goto fail;
	}
	if (archive_read_support_filter_zstd(p->a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(p->a) != ARCHIVE_OK) {
		fail(p, LYRA_EX_SOFTWARE, "cannot set up tar+zstd");
		goto fail;
	}
	if (archive_read_open(p->a, p, NULL, read_cb, NULL) != ARCHIVE_OK) {
		fail(p, LYRA_EX_NO, "not a zstd-compressed tar archive");
		goto fail;
	}
	return p;
fail:
	lyra_pack_free(p);
	return NULL;
}

int lyra_pack_next(struct lyra_pack *p, const char **name, int64_t *size)
{
	struct archive_entry *e;
	int rc = archive_read_next_header(p->a, &e);
	const char *n;

	if (rc == ARCHIVE_EOF)
		return 0;
	if (rc != ARCHIVE_OK)
		return fail(p, LYRA_EX_NO, "damaged archive");
	if (archive_filter_count(p->a) < 2 || archive_filter_code(p->a, 0) != ARCHIVE_FILTER_ZSTD)
		return lyra_error(LYRA_EX_NO, "not a zstd-compressed tar archive");
	n = archive_entry_pathname(e);
	if (archive_entry_filetype(e) != AE_IFREG || !n)
		return lyra_error(LYRA_EX_NO, "archive member '%s' is not a regular file", n ? n : "?");
	*name = n;
	*size = archive_entry_size(e);
	return 1;
}

ssize_t lyra_pack_read(struct lyra_pack *p, void *buf, size_t n)
{
	la_ssize_t r = archive_read_data(p->a, buf, n);
	if (r < 0)
		return fail(p, LYRA_EX_NO, "damaged archive");
	return (ssize_t)r;
}

void lyra_pack_free(struct lyra_pack *p)
{
	if (!p)
		return;
	if (p->a) {
		if (p->writing) {
			p->put = NULL;   /* an abandoned writer sends nothing more */
			archive_write_free(p->a);
		}
		else
			archive_read_free(p->a);
	}
	archive_entry_free(p->entry);
	free(p->buf);
	free(p);
}
