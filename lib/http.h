/* http.h: the HTTP client every venue call goes through (libcurl). One client per venue keeps
 * its connection alive; it sends a User-Agent naming lyra and its version, accepts gzip, times
 * out, retries transport errors and 5xx with exponential backoff and jitter, honours 429 and
 * Retry-After, never pushes on into a 418 (IP ban), and spends a per-venue request-weight budget
 * before each request so lyra stays inside the venue's documented limits. */
#ifndef LYRA_HTTP_H
#define LYRA_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct lyra_http;

struct lyra_http_opts {
	const char *venue;          /* for messages and the budget ("binance") */
	const char *base_url;       /* "https://api.binance.com", or a --endpoint / LYRA_<VENUE>_URL */
	int weight_per_minute;      /* the venue's budget; 0 = unlimited */
	int timeout_ms;             /* whole-request timeout (default 10000) */
	int max_retries;            /* retries after the first try (0: default 4; -1: none) */
	int backoff_ms;             /* first backoff (default 250), doubling, with jitter */
	int max_wait_ms;            /* longest Retry-After lyra will sleep (default 60000); longer: fail 75 */
};

struct lyra_http_resp {
	long status;                /* HTTP status of the final try */
	char *body;                 /* NUL-terminated (owned; freed by lyra_http_resp_release) */
	size_t len;
	char content_type[128];
	int tries;                  /* how many requests were sent */
};

/* A NEW client; NULL with error.h set on failure. */
struct lyra_http *lyra_http_new(const struct lyra_http_opts *opts);
void lyra_http_free(struct lyra_http *h);

/* GET base_url + path_and_query, spending `weight` from the budget first (sleeping if needed).
 * Returns 0 with a 2xx response in *resp. Otherwise -1 with error.h set and *resp holding the
 * last response (if any) for the caller to read a venue error from:
 *   LYRA_EX_UNAVAILABLE (69): transport errors or 5xx after all retries, an HTML error page
 *   LYRA_EX_TEMPFAIL (75):    429 beyond max_wait_ms, 418 (banned: never retried)
 *   LYRA_EX_DATAERR (65):     other 4xx (the request is wrong: not retried)
 * Messages name the venue and the path: "binance: GET /api/v3/depth: HTTP 503 after 5 tries". */
int lyra_http_get(struct lyra_http *h, const char *path_and_query, int weight,
                  struct lyra_http_resp *resp);
/* The same with a method, extra headers ("Name: value", NULL-terminated) and a body, for signed
 * private endpoints. Secrets go in headers or body, never in logs or error messages. */
int lyra_http_request(struct lyra_http *h, const char *method, const char *path_and_query,
                      const char *const *headers, const char *body, size_t body_len, int weight,
                      struct lyra_http_resp *resp);
void lyra_http_resp_release(struct lyra_http_resp *resp);

/* Percent-encode s (RFC 3986 unreserved kept) into buf; returns length or -1 if too small. */
int lyra_http_escape(const char *s, char *buf, size_t n);

/* Added for mdfeed and tests (not in the first draft of this header). */

/* Progress notes ("binance: GET /api/v3/depth: HTTP 503; retrying in 0.3 s (try 2 of 5)"):
 * the library never prints, so a program that wants to say what the client is doing installs a
 * callback. msg is borrowed for the call. NULL removes it. */
typedef void (*lyra_http_log_fn)(void *ctx, const char *msg);
void lyra_http_set_log(struct lyra_http *h, lyra_http_log_fn fn, void *ctx);

/* The request-weight budget as a token bucket: capacity per_minute, refilled evenly over a
 * minute, exact integer arithmetic (level counts weight x 60,000,000, so one microsecond refills
 * per_minute units). Spending books the weight at once and returns how many microseconds the
 * caller must wait before sending (0 = now); the level may go below zero while requests are
 * booked ahead. A weight above the capacity is charged as the whole capacity. */
struct lyra_http_budget {
	int64_t per_minute;         /* capacity and refill per minute; 0 = unlimited */
	int64_t level;              /* available weight x 60,000,000 (may be negative) */
	int64_t last_us;            /* monotonic time of the last refill */
};
void lyra_http_budget_init(struct lyra_http_budget *b, int per_minute, int64_t now_us);
int64_t lyra_http_budget_spend(struct lyra_http_budget *b, int weight, int64_t now_us);

/* The budget is shared by every process on the machine that talks to the same venue and host
 * (mdfeed, oms, arbscan scan running side by side): a bucket file, locked for each spend, in
 * $LYRA_RATE_DIR, else $XDG_RUNTIME_DIR/lyra, else /tmp/lyra-<uid> (a folder of the user's own,
 * 0700). path: the file for (venue, base URL); 0 or -1 when no such folder can be had (then a
 * client keeps its budget to itself). open: its descriptor (-1 on failure). spend_shared: as
 * lyra_http_budget_spend on the file's bucket (b follows it; fd -1 uses b alone). */
int lyra_http_budget_path(const char *venue, const char *base, char *buf, size_t n);
int lyra_http_budget_open(const char *path);
int64_t lyra_http_budget_spend_shared(int fd, struct lyra_http_budget *b, int weight,
                                      int64_t now_us);

/* Backoff before retry number attempt (0 for the first retry): base_ms doubled per attempt,
 * capped at 30 s, with jitter: a value in [d/2, d] chosen by rnd. */
int lyra_http_backoff_ms(int base_ms, int attempt, uint32_t rnd);

/* Retries: GET, HEAD and DELETE are retried on transport errors and 5xx. Other methods (an
 * order placement) are retried only when the request cannot have reached the venue (no
 * connection was made) or the venue answered 429, so an order is never sent twice. */

#endif
