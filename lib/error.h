/* error.h: how library code reports failure. Library functions never print or exit: they record
 * one message and an exit-status class here and return -1 (or NULL); the command decides what to
 * do (usually lyra_die_last() from cli.h). One slot per thread; the newest error wins. */
#ifndef LYRA_ERROR_H
#define LYRA_ERROR_H

#include <stdarg.h>
#include "exitcode.h"

/* Record an error: code is an enum lyra_exit class, fmt a printf format for a message in the
 * style "cannot open 'x': reason" (lowercase, no final period). Always returns -1. */
int lyra_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int lyra_verror(int code, const char *fmt, va_list ap);

/* Prefix the current message with "context: " (keeps its code). Returns -1. */
int lyra_error_wrap(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The last message (borrowed; "" when none) and its class (LYRA_EX_SOFTWARE when none was set). */
const char *lyra_error_msg(void);
int lyra_error_code(void);
void lyra_error_clear(void);

#endif
