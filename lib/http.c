/* http.c: the venue HTTP client on libcurl easy handles: one kept-alive connection per client,
 * the User-Agent, gzip, timeouts, retries with exponential backoff and jitter, 429/Retry-After
 * and 418 handling, HTML error pages told apart from the API, truncated bodies retried, and the
 * request-weight token bucket. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "clock.h"
#include "error.h"
#include "http.h"

#ifndef LYRA_VERSION
#define LYRA_VERSION "0.0.0"
#endif

#define HTTP_MAX_BODY (64u << 20)
#define HTTP_MAX_BACKOFF_MS 30000
#define HTTP_UNITS 60000000LL

struct lyra_http {
	CURL *curl;
	char *venue;                 /* owned */
	char *base;                  /* owned, without a trailing '/' */
	int timeout_ms, max_retries, backoff_ms, max_wait_ms;
	struct lyra_http_budget budget;
	int budget_fd;               /* the budget file shared by every process, or -1 */
	uint64_t rng;
	lyra_http_log_fn log;
	void *log_ctx;
	char ua[96];
	char errbuf[CURL_ERROR_SIZE];
	char *body;                  /* the response being received (owned until handed over) */
	size_t len, cap;
	int too_big;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}


static void sleep_us(int64_t us)
{
	struct timespec ts, rem;
	if (us <= 0)
		return;
	ts.tv_sec = (time_t)(us / 1000000);
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	while (nanosleep(&ts, &rem) != 0 && errno == EINTR)
		ts = rem;
}

static uint32_t next_rand(struct lyra_http *h)
{
	uint64_t x = h->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	h->rng = x;
	return (uint32_t)(x >> 32);
}

/* ---- pure parts ---- */

int lyra_http_escape(const char *s, char *buf, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		           c == '-' || c == '.' || c == '_' || c == '~';
		size_t need = keep ? 1 : 3;
		if (o + need >= n)
			return -1;
		if (keep) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (o >= n)
		return -1;
	buf[o] = '\0';
	return (int)o;
}

void lyra_http_budget_init(struct lyra_http_budget *b, int per_minute, int64_t now_us)
{
	b->per_minute = per_minute > 0 ? per_minute : 0;
	b->level = b->per_minute * HTTP_UNITS;
	b->last_us = now_us;
}

int64_t lyra_http_budget_spend(struct lyra_http_budget *b, int weight, int64_t now_us)
{
	int64_t cap, elapsed, w;
	if (b->per_minute <= 0)
		return 0;
	cap = b->per_minute * HTTP_UNITS;
	elapsed = now_us - b->last_us;
	if (elapsed > 0) {
		if (elapsed > HTTP_UNITS)
			elapsed = HTTP_UNITS;
		b->level += elapsed * b->per_minute;
		if (b->level > cap)
			b->level = cap;
		b->last_us = now_us;
	}
	if (weight <= 0)
		return 0;
	w = weight < b->per_minute ? weight : b->per_minute;
	b->level -= w * HTTP_UNITS;
	if (b->level >= 0)
		return 0;
	return (-b->level + b->per_minute - 1) / b->per_minute;
}

/* ---- the budget shared by every process on the machine ----
 * One small file per venue and host, in $LYRA_RATE_DIR or else $XDG_RUNTIME_DIR/lyra or else
 * /tmp/lyra-<uid> (0700), holding the token bucket; a spend locks it (flock), reads, spends,
 * writes back. CLOCK_MONOTONIC is one clock for every process, so the refill arithmetic is the
 * same as in-process. Without a usable folder the client keeps its own budget. */

int lyra_http_budget_path(const char *venue, const char *base, char *buf, size_t n)
{
	char dir[512], host[256] = "";
	const char *env = getenv("LYRA_RATE_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");
	const char *h = base ? strstr(base, "://") : NULL;
	if (env && *env)
		snprintf(dir, sizeof dir, "%s", env);
	else if (xdg && *xdg)
		snprintf(dir, sizeof dir, "%s/lyra", xdg);
	else
		snprintf(dir, sizeof dir, "/tmp/lyra-%u", (unsigned)getuid());
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	struct stat sb;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != getuid())
		return -1;
	h = h ? h + 3 : base ? base : "";
	for (size_t i = 0; h[i] && h[i] != '/' && i + 1 < sizeof host; i++)
		host[i] = (h[i] >= 'a' && h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') ||
		          h[i] == '.' || h[i] == '-' ? h[i] : '_';
	int w = snprintf(buf, n, "%s/budget-%s-%s", dir, venue, host);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

int lyra_http_budget_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	return fd;
}

/* Run fn on the shared bucket under the file lock; the in-process bucket b is the fallback and
 * is kept equal to what was written. */
static int64_t budget_locked(int fd, struct lyra_http_budget *b, int weight, int64_t now_us,
                             int empty, int64_t empty_until)
{
	struct lyra_http_budget shared;
	int64_t wait;
	if (fd < 0 || flock(fd, LOCK_EX) != 0)
		goto local;
	if (pread(fd, &shared, sizeof shared, 0) != (ssize_t)sizeof shared ||
	    shared.per_minute != b->per_minute)
		lyra_http_budget_init(&shared, (int)b->per_minute, now_us);
	if (empty) {
		shared.level = 0;
		shared.last_us = empty_until;
		wait = 0;
	} else {
		wait = lyra_http_budget_spend(&shared, weight, now_us);
	}
	int ok = pwrite(fd, &shared, sizeof shared, 0) == (ssize_t)sizeof shared;
	flock(fd, LOCK_UN);
	if (ok) {
		*b = shared;
		return wait;
	}
local:
	if (empty) {
		b->level = 0;
		b->last_us = empty_until;
		return 0;
	}
	return lyra_http_budget_spend(b, weight, now_us);
}

int64_t lyra_http_budget_spend_shared(int fd, struct lyra_http_budget *b, int weight,
                                      int64_t now_us)
{
	if (b->per_minute <= 0)
		return 0;
	return budget_locked(fd, b, weight, now_us, 0, 0);
}

int lyra_http_backoff_ms(int base_ms, int attempt, uint32_t rnd)
{
	int64_t d = base_ms > 0 ? base_ms : 1;
	for (int i = 0; i < attempt && d < HTTP_MAX_BACKOFF_MS; i++)
		d *= 2;
	if (d > HTTP_MAX_BACKOFF_MS)
		d = HTTP_MAX_BACKOFF_MS;
	return (int)(d / 2 + rnd % (uint32_t)(d - d / 2 + 1));
}

/* ---- the client ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct lyra_http *h = ctx;
	size_t n = size * nmemb;
	if (h->len + n + 1 > HTTP_MAX_BODY) {
		h->too_big = 1;
		return 0;
	}
	if (h->len + n + 1 > h->cap) {
		size_t cap = h->cap ? h->cap : 16384;
		while (cap < h->len + n + 1)
			cap *= 2;
		char *p = realloc(h->body, cap);
		if (!p)
			return 0;
		h->body = p;
		h->cap = cap;
	}
	memcpy(h->body + h->len, data, n);
	h->len += n;
	h->body[h->len] = '\0';
	return n;
}

struct lyra_http *lyra_http_new(const struct lyra_http_opts *opts)
{
	struct lyra_http *h;
	size_t blen;
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		lyra_error(LYRA_EX_SOFTWARE, "cannot initialise libcurl: %s", curl_easy_strerror(global_rc));
		return NULL;
	}
	if (!opts || !opts->base_url || !*opts->base_url) {
		lyra_error(LYRA_EX_CONFIG, "%s: no base URL", opts && opts->venue ? opts->venue : "http");
		return NULL;
	}
	if (strncmp(opts->base_url, "http://", 7) != 0 && strncmp(opts->base_url, "https://", 8) != 0) {
		lyra_error(LYRA_EX_CONFIG, "%s: base URL '%s' is not http:// or https://",
		           opts->venue ? opts->venue : "http", opts->base_url);
		return NULL;
	}
	h = calloc(1, sizeof *h);
	if (!h) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	h->venue = strdup(opts->venue ? opts->venue : "http");
	h->base = strdup(opts->base_url);
	h->curl = curl_easy_init();
	if (!h->venue || !h->base || !h->curl) {
		lyra_http_free(h);
		lyra_error(LYRA_EX_SOFTWARE, "cannot create an HTTP client: out of memory");
		return NULL;
	}
	blen = strlen(h->base);
	while (blen > 0 && h->base[blen - 1] == '/')
		h->base[--blen] = '\0';
	h->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
	h->max_retries = opts->max_retries > 0 ? opts->max_retries : opts->max_retries < 0 ? 0 : 4;
	h->backoff_ms = opts->backoff_ms > 0 ? opts->backoff_ms : 250;
	h->max_wait_ms = opts->max_wait_ms > 0 ? opts->max_wait_ms : 60000;
	lyra_http_budget_init(&h->budget, opts->weight_per_minute, lyra_mono_us());
	h->budget_fd = -1;
	if (h->budget.per_minute > 0) {
		char path[1024];
		if (lyra_http_budget_path(opts->venue ? opts->venue : "venue", h->base, path,
		                          sizeof path) == 0)
			h->budget_fd = lyra_http_budget_open(path);
	}
	h->rng = ((uint64_t)lyra_mono_us() << 20) ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)h;
	if (!h->rng)
		h->rng = 0x9E3779B97F4A7C15ULL;
	snprintf(h->ua, sizeof h->ua, "lyra/%s (+https://github.com/lyra)", LYRA_VERSION);

	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, h->ua);
	curl_easy_setopt(h->curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)h->timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)h->timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	return h;
}

void lyra_http_free(struct lyra_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	if (h->budget_fd >= 0)
		close(h->budget_fd);
	free(h->venue);
	free(h->base);
	free(h->body);
	free(h);
}

void lyra_http_set_log(struct lyra_http *h, lyra_http_log_fn fn, void *ctx)
{
	h->log = fn;
	h->log_ctx = ctx;
}

void lyra_http_resp_release(struct lyra_http_resp *resp)
{
	if (!resp)
		return;
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

static void say(struct lyra_http *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct lyra_http *h, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (!h->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	h->log(h->log_ctx, msg);
}

/* "GET /api/v3/depth": the method and the path without its query (which may carry a
 * signature), for messages. */
static void what(char *buf, size_t n, const char *method, const char *path_and_query)
{
	size_t plen = strcspn(path_and_query, "?#");
	if (plen > 200)
		plen = 200;
	snprintf(buf, n, "%s %s%.*s", method, *path_and_query == '/' ? "" : "/", (int)plen,
	         path_and_query);
}

static int looks_html(const char *ct, const char *body, size_t len)
{
	size_t i = 0;
	if (ct && strncasecmp(ct, "text/html", 9) == 0)
		return 1;
	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	return i < len && body[i] == '<';
}

/* A short, printable excerpt of a response body for a message. */
static void excerpt(char *out, size_t n, const char *body, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 4 < n; i++) {
		unsigned char c = (unsigned char)body[i];
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		if (c < 0x20 || c == 0x7f)
			continue;
		if (o && c == ' ' && out[o - 1] == ' ')
			continue;
		out[o++] = (char)c;
	}
	if (o + 4 >= n && len > o) {
		out[o++] = '.';
		out[o++] = '.';
		out[o++] = '.';
	}
	out[o] = '\0';
}

static int safe_to_retry(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
	       strcmp(method, "DELETE") == 0;
}

static int connect_failed(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	       rc == CURLE_COULDNT_RESOLVE_PROXY;
}

static int transport_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_WRITE_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_LOGIN_DENIED:
		return 0;
	default:
		return 1;
	}
}

static void fmt_wait(char *buf, size_t n, int64_t ms)
{
	if (ms < 1000)
		snprintf(buf, n, "%lld ms", (long long)ms);
	else if (ms < 10000)
		snprintf(buf, n, "%lld.%lld s", (long long)(ms / 1000), (long long)(ms % 1000 / 100));
	else
		snprintf(buf, n, "%lld s", (long long)((ms + 999) / 1000));
}

static int add_header(struct curl_slist **list, const char *header)
{
	struct curl_slist *l = curl_slist_append(*list, header);
	if (!l)
		return -1;
	*list = l;
	return 0;
}

static void take_body(struct lyra_http *h, struct lyra_http_resp *resp)
{
	free(resp->body);
	if (!h->body) {
		resp->body = calloc(1, 1);
		resp->len = 0;
	} else {
		resp->body = h->body;
		resp->len = h->len;
	}
	h->body = NULL;
	h->len = h->cap = 0;
}

int lyra_http_request(struct lyra_http *h, const char *method, const char *path_and_query,
                      const char *const *headers, const char *body, size_t body_len, int weight,
                      struct lyra_http_resp *resp)
{
	struct curl_slist *hdrs = NULL;
	char *url;
	char req[256], waitbuf[32];
	size_t ulen;
	int rc = -1, idempotent = safe_to_retry(method);

	memset(resp, 0, sizeof *resp);
	what(req, sizeof req, method, path_and_query);
	ulen = strlen(h->base) + strlen(path_and_query) + 2;
	url = malloc(ulen);
	if (!url)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	snprintf(url, ulen, "%s%s%s", h->base, *path_and_query == '/' ? "" : "/", path_and_query);

	int hfail = add_header(&hdrs, "Accept: application/json");
	for (const char *const *p = headers; p && *p; p++)
		hfail |= add_header(&hdrs, *p);
	if (strcmp(method, "GET") != 0)
		hfail |= add_header(&hdrs, "Expect:");
	if (hfail) {
		curl_slist_free_all(hdrs);
		free(url);
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	}
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h->curl, CURLOPT_NOBODY, 0L);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(h->curl, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") == 0 ? NULL : method);
	}

	for (int attempt = 0;; attempt++) {
		int64_t wait_us = lyra_http_budget_spend_shared(h->budget_fd, &h->budget, weight,
		                                                lyra_mono_us());
		int last = attempt >= h->max_retries;
		long status = 0;
		int64_t retry_ms;
		curl_off_t retry_after = 0;
		char *ct = NULL;
		CURLcode cc;

		if (wait_us >= 1000000) {
			fmt_wait(waitbuf, sizeof waitbuf, (wait_us + 999) / 1000);
			say(h, "%s: %s: waiting %s to stay inside the venue's request-weight limit", h->venue,
			    req, waitbuf);
		}
		sleep_us(wait_us);
		h->errbuf[0] = '\0';
		h->len = 0;
		h->too_big = 0;
		if (h->body)
			h->body[0] = '\0';
		cc = curl_easy_perform(h->curl);
		resp->tries = attempt + 1;
		if (cc != CURLE_OK) {
			const char *why = h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc);
			if (h->too_big) {
				lyra_error(LYRA_EX_DATAERR, "%s: %s: response larger than %u MiB", h->venue, req,
				           HTTP_MAX_BODY >> 20);
				goto done;
			}
			if (!transport_retryable(cc) || (!idempotent && !connect_failed(cc))) {
				lyra_error(LYRA_EX_UNAVAILABLE, "%s: %s: %s", h->venue, req, why);
				goto done;
			}
			if (last) {
				lyra_error(LYRA_EX_UNAVAILABLE, "%s: %s: %s after %d %s", h->venue, req, why,
				           attempt + 1, attempt ? "tries" : "try");
				goto done;
			}
			retry_ms = lyra_http_backoff_ms(h->backoff_ms, attempt, next_rand(h));
			fmt_wait(waitbuf, sizeof waitbuf, retry_ms);
			say(h, "%s: %s: %s; retrying in %s (try %d of %d)", h->venue, req, why, waitbuf,
			    attempt + 2, h->max_retries + 1);
			sleep_us(retry_ms * 1000);
			continue;
		}
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(h->curl, CURLINFO_CONTENT_TYPE, &ct);
		curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &retry_after);
		resp->status = status;
		snprintf(resp->content_type, sizeof resp->content_type, "%s", ct ? ct : "");
		take_body(h, resp);
		if (!resp->body) {
			lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			goto done;
		}
		int html = looks_html(resp->content_type, resp->body, resp->len);

		if (status >= 200 && status < 300) {
			if (html) {
				lyra_error(LYRA_EX_UNAVAILABLE,
				           "%s: %s: HTTP %ld but an HTML page instead of JSON (a proxy, captive "
				           "portal or maintenance page, not the venue's API)", h->venue, req, status);
				goto done;
			}
			rc = 0;
			goto done;
		}
		if (status == 418) {
			char ra[48] = "";
			if (retry_after > 0)
				snprintf(ra, sizeof ra, " (Retry-After %lld s)", (long long)retry_after);
			lyra_error(LYRA_EX_TEMPFAIL,
			           "%s: %s: HTTP 418: the venue has banned this IP address for exceeding its "
			           "limits%s; not retrying", h->venue, req, ra);
			goto done;
		}
		if (status == 429 || status >= 500) {
			int limited = status == 429;
			if (retry_after > 0 && (int64_t)retry_after * 1000 > h->max_wait_ms) {
				fmt_wait(waitbuf, sizeof waitbuf, h->max_wait_ms);
				lyra_error(limited ? LYRA_EX_TEMPFAIL : LYRA_EX_UNAVAILABLE,
				           "%s: %s: HTTP %ld%s with Retry-After %lld s, longer than the %s "
				           "lyra waits", h->venue, req, status, limited ? " (rate limited)" : "",
				           (long long)retry_after, waitbuf);
				goto done;
			}
			if (last || (!limited && !idempotent)) {
				if (limited)
					lyra_error(LYRA_EX_TEMPFAIL, "%s: %s: HTTP 429 (rate limited) after %d %s",
					           h->venue, req, attempt + 1, attempt ? "tries" : "try");
				else {
					char ex[128] = "";
					if (!html)
						excerpt(ex, sizeof ex, resp->body, resp->len);
					lyra_error(LYRA_EX_UNAVAILABLE, "%s: %s: HTTP %ld after %d %s%s%s", h->venue,
					           req, status, attempt + 1, attempt ? "tries" : "try",
					           html ? " (an HTML error page)" : *ex ? ": " : "", ex);
				}
				goto done;
			}
			if (retry_after > 0)
				retry_ms = (int64_t)retry_after * 1000;
			else
				retry_ms = lyra_http_backoff_ms(h->backoff_ms, attempt, next_rand(h));
			fmt_wait(waitbuf, sizeof waitbuf, retry_ms);
			say(h, "%s: %s: HTTP %ld%s; %s %s (try %d of %d)", h->venue, req, status,
			    limited ? " (rate limited)" : "",
			    retry_after > 0 ? "waiting as Retry-After asks:" : "retrying in", waitbuf,
			    attempt + 2, h->max_retries + 1);
			if (limited) {
				/* the venue says the budget is spent: start again from empty */
				if (h->budget.per_minute > 0)
					budget_locked(h->budget_fd, &h->budget, 0, 0, 1,
					              lyra_mono_us() + retry_ms * 1000);
			}
			lyra_http_resp_release(resp);
			sleep_us(retry_ms * 1000);
			continue;
		}
		if (html) {
			lyra_error(LYRA_EX_UNAVAILABLE,
			           "%s: %s: HTTP %ld with an HTML page instead of the venue's API (blocked by "
			           "a proxy or firewall?)", h->venue, req, status);
			goto done;
		}
		if (status >= 400) {
			char ex[160];
			excerpt(ex, sizeof ex, resp->body, resp->len);
			lyra_error(LYRA_EX_DATAERR, "%s: %s: HTTP %ld%s%s", h->venue, req, status,
			           *ex ? ": " : "", ex);
			goto done;
		}
		lyra_error(LYRA_EX_UNAVAILABLE, "%s: %s: unexpected HTTP %ld", h->venue, req, status);
		goto done;
	}
done:
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	free(url);
	return rc;
}

int lyra_http_get(struct lyra_http *h, const char *path_and_query, int weight,
                  struct lyra_http_resp *resp)
{
	return lyra_http_request(h, "GET", path_and_query, NULL, NULL, 0, weight, resp);
}
