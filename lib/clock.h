/* clock.h: time as lyra sees it. Timestamps are int64 microseconds since the Unix epoch, UTC.
 * ISO 8601 parsing and formatting (independent of TZ and locale), durations ("4h", "1h30m",
 * "500ms", "7d"), and the run's clock: the wall clock when live, or an event clock that only
 * moves when the stream says so, which makes replays deterministic and fast. */
#ifndef LYRA_CLOCK_H
#define LYRA_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define LYRA_US_PER_SEC 1000000LL

/* Wall clock now (CLOCK_REALTIME), microseconds. */
int64_t lyra_time_now_us(void);
/* CLOCK_MONOTONIC in microseconds: for intervals and timeouts, never for event time. */
int64_t lyra_mono_us(void);

/* Parse a time: "2026-11-01" (midnight UTC), "2026-11-01T12:00", "2026-11-01T12:00:00Z",
 * "2026-11-01 12:00:00.123456Z", offsets "+10:00"/"+1000"/"-05:00", a fraction up to 9 digits
 * (kept to the microsecond, truncated), or an integer of microseconds since the epoch. A time
 * without a zone is UTC. 0, or -1 with error.h (LYRA_EX_USAGE) on anything else, including
 * out-of-range fields (2026-02-30). */
int lyra_time_parse(const char *s, int64_t *us);
/* Format as "2026-11-01T12:00:00Z", with ".ffffff" only when the microseconds are not zero.
 * Returns the length; buf needs at least 32 bytes. */
int lyra_time_format(int64_t us, char *buf, size_t n);
/* Parse a duration: a sequence of <integer><unit>, units us, ms, s, m, h, d, w ("1h30m"); a bare
 * integer is seconds. 0, or -1 with error.h (LYRA_EX_USAGE). */
int lyra_duration_parse(const char *s, int64_t *us);

/* Civil date helpers (proleptic Gregorian, UTC). */
int64_t lyra_days_from_civil(int y, unsigned m, unsigned d);
void lyra_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);

enum lyra_clock_kind { LYRA_CLOCK_WALL, LYRA_CLOCK_EVENT };

struct lyra_clock {
	enum lyra_clock_kind kind;
	int64_t now;   /* event clock: the latest event time observed (0 before the first) */
};

void lyra_clock_init(struct lyra_clock *c, enum lyra_clock_kind kind);
/* Current time of this run: wall time, or the event clock's latest observed time. */
int64_t lyra_clock_now(const struct lyra_clock *c);
/* Feed an event's ts: the event clock moves to it if it is later (never backwards); the wall
 * clock ignores it. */
void lyra_clock_observe(struct lyra_clock *c, int64_t ts);

#endif
