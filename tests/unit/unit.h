/* unit.h: the C unit-test harness. Each tests/unit/test_*.c is one program printing TAP:
 * "ok N - name" / "not ok N - name" per check, "1..N" at the end, exit 1 if any failed.
 * Usage:  int main(void) { ...; CHECK(cond, "what"); CHECK_STR(got, want, "what"); return unit_done(); } */
#ifndef LYRA_UNIT_H
#define LYRA_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_n, unit_failed;

static inline void unit_check(int ok, const char *file, int line, const char *what)
{
	unit_n++;
	if (ok) {
		printf("ok %d - %s\n", unit_n, what);
	} else {
		unit_failed++;
		printf("not ok %d - %s\n#   at %s:%d\n", unit_n, what, file, line);
	}
}

static inline void unit_check_str(const char *got, const char *want, const char *file, int line,
                                  const char *what)
{
	int ok = got && want && strcmp(got, want) == 0;
	unit_check(ok, file, line, what);
	if (!ok)
		printf("#   got '%s', want '%s'\n", got ? got : "(null)", want ? want : "(null)");
}

static inline void unit_check_int(long long got, long long want, const char *file, int line,
                                  const char *what)
{
	unit_check(got == want, file, line, what);
	if (got != want)
		printf("#   got %lld, want %lld\n", got, want);
}

#define CHECK(cond, what) unit_check(!!(cond), __FILE__, __LINE__, (what))
#define CHECK_STR(got, want, what) unit_check_str((got), (want), __FILE__, __LINE__, (what))
#define CHECK_INT(got, want, what) unit_check_int((long long)(got), (long long)(want), __FILE__, __LINE__, (what))

static inline int unit_done(void)
{
	printf("1..%d\n", unit_n);
	fflush(stdout);
	return unit_failed ? 1 : 0;
}

#endif
