/* error.c: the per-thread last-error slot behind error.h. */
#include <stdio.h>
#include <string.h>
#include "error.h"

static _Thread_local char err_msg[1024];
static _Thread_local int err_code;

int lyra_verror(int code, const char *fmt, va_list ap)
{
	vsnprintf(err_msg, sizeof err_msg, fmt, ap);
	err_code = code;
	return -1;
}

int lyra_error(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lyra_verror(code, fmt, ap);
	va_end(ap);
	return -1;
}

int lyra_error_wrap(const char *fmt, ...)
{
	char prefix[512], old[sizeof err_msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err_msg, sizeof old);
	size_t pl = strlen(prefix), ol = strlen(old);
	if (pl + 2 >= sizeof err_msg)
		pl = sizeof err_msg - 3;
	memcpy(err_msg, prefix, pl);
	memcpy(err_msg + pl, ": ", 2);
	if (pl + 2 + ol >= sizeof err_msg)
		ol = sizeof err_msg - pl - 3;
	memcpy(err_msg + pl + 2, old, ol);
	err_msg[pl + 2 + ol] = '\0';
	if (!err_code)
		err_code = LYRA_EX_SOFTWARE;
	return -1;
}

const char *lyra_error_msg(void) { return err_msg; }
int lyra_error_code(void) { return err_code ? err_code : LYRA_EX_SOFTWARE; }
void lyra_error_clear(void) { err_msg[0] = '\0'; err_code = 0; }
