/* secret.h: getting secrets into a program without leaking them: never from argv, but from the
 * terminal with echo off, from standard input when it is not a terminal (one line each, for
 * scripts), or from a file that only its owner can read; and wiping them after use. */
#ifndef LYRA_SECRET_H
#define LYRA_SECRET_H

#include <stddef.h>

#define LYRA_SECRET_MAX 1024   /* longest secret line accepted, including the NUL */

/* Read one secret. When standard input is a terminal, write prompt to the terminal (/dev/tty,
 * the only output this module makes) and read a line with echo off, restoring the terminal
 * even on SIGINT/SIGTERM; otherwise read one line from standard input without a prompt. The
 * line end ("\n" or "\r\n") is removed. Reads byte by byte, so nothing beyond the line is
 * consumed and no stdio buffer keeps a copy. Returns the length, or -1 with error.h:
 * LYRA_EX_NOINPUT at end of input, LYRA_EX_DATAERR when the line does not fit in n - 1 bytes
 * (the rest of the line is consumed and buf is wiped). */
int lyra_secret_read(const char *prompt, char *buf, size_t n);

/* 1 when standard input is a terminal (prompts will be shown), else 0. */
int lyra_secret_interactive(void);

/* Read a secret file whole (binary allowed) into buf, dropping one final "\n". Refuses a file
 * that group or others may read or write (LYRA_EX_CONFIG: "... chmod 600 it"), a missing file
 * (LYRA_EX_NOINPUT), an empty one or one larger than n - 1 bytes (LYRA_EX_CONFIG). Returns the
 * length; buf is NUL-terminated. */
int lyra_secret_read_file(const char *path, char *buf, size_t n);

/* Overwrite n bytes at p with zeros in a way the compiler keeps (OPENSSL_cleanse). */
void lyra_secret_wipe(void *p, size_t n);

#endif
