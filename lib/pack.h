/* pack.h: tar + zstd packing through libarchive, over caller-supplied byte streams (a file, or
 * an envelope.h stream for encrypted archives). Writing adds regular-file members of known size;
 * reading walks members in order and only accepts a zstd-compressed tar (pax/ustar). Used by
 * backup archives. (Named pack, not archive: lib/ is on the include path before libarchive.) */
#ifndef LYRA_PACK_H
#define LYRA_PACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lyra_pack;

/* A NEW writer sending compressed bytes to put (which writes all n bytes: 0, or -1 with
 * error.h). level is the zstd level (1..19), threads the zstd worker threads (0: none).
 * NULL with error.h on failure. */
struct lyra_pack *lyra_pack_writer(int (*put)(void *ctx, const void *buf, size_t n), void *ctx,
                                   int level, int threads);
/* Start a member: a regular file called name (mode 0600) of exactly size bytes, modified at
 * mtime (seconds). Its bytes follow through lyra_pack_write. 0, or -1 with error.h. */
int lyra_pack_entry(struct lyra_pack *p, const char *name, int64_t size, int64_t mtime);
int lyra_pack_write(struct lyra_pack *p, const void *buf, size_t n);
/* Finish the archive and flush everything through put. 0, or -1 with error.h. */
int lyra_pack_finish(struct lyra_pack *p);

/* A NEW reader taking bytes from get (up to n bytes: how many, 0 at the end, -1 with
 * error.h). NULL with error.h on failure. */
struct lyra_pack *lyra_pack_reader(ssize_t (*get)(void *ctx, void *buf, size_t n), void *ctx);
/* The next member: 1 with *name (borrowed until the next call) and *size set, 0 at the end of
 * the archive, -1 with error.h (LYRA_EX_NO: not a zstd tar, damaged, or a member that is not a
 * regular file; the class of get's error when reading failed). */
int lyra_pack_next(struct lyra_pack *p, const char **name, int64_t *size);
/* Up to n bytes of the current member: how many, 0 at its end, -1 with error.h. */
ssize_t lyra_pack_read(struct lyra_pack *p, void *buf, size_t n);

/* Free a writer or reader (a writer not finished is abandoned). NULL is fine. */
void lyra_pack_free(struct lyra_pack *p);

#endif
