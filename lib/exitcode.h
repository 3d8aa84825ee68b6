/* exitcode.h: the one table of lyra's exit statuses (sysexits-style), used by every program.
 * The same table is in lyra(7). "Your fault, don't retry" (64, 65, 66, 77, 78) is kept apart
 * from "temporary, retry" (69, 75). */
#ifndef LYRA_EXITCODE_H
#define LYRA_EXITCODE_H

enum lyra_exit {
	LYRA_EX_OK          = 0,  /* success */
	LYRA_EX_NO          = 1,  /* a documented "no": verification found damage, scan found nothing */
	LYRA_EX_USAGE       = 64, /* bad command line */
	LYRA_EX_DATAERR     = 65, /* bad input data (records were rejected) */
	LYRA_EX_NOINPUT     = 66, /* an input file does not exist or cannot be read */
	LYRA_EX_UNAVAILABLE = 69, /* a service (venue) is unavailable */
	LYRA_EX_SOFTWARE    = 70, /* internal error: a bug */
	LYRA_EX_CANTCREAT   = 73, /* cannot create an output file */
	LYRA_EX_IOERR       = 74, /* I/O error (full disk, broken store) */
	LYRA_EX_TEMPFAIL    = 75, /* temporary failure (store busy, rate limited): retry later */
	LYRA_EX_NOPERM      = 77, /* permission denied */
	LYRA_EX_CONFIG      = 78, /* configuration error */
};

#endif
