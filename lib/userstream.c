/* userstream.c: the user stream of userstream.h: one ws.h connection at a time, opened with the
 * adapter's hello steps, its messages read through the adapter's message(), a text keepalive
 * for venues that need one, and reconnection with exponential backoff. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "clock.h"
#include "error.h"
#include "exitcode.h"
#include "record.h"
#include "trade_impl.h"
#include "userstream.h"
#include "ws.h"

#define OPEN_TIMEOUT_MS 10000
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define STABLE_MS 60000          /* up this long: the next drop starts the backoff again */

struct lyra_userstream {
	struct lyra_trade *t;
	const struct lyra_trade_stream *ops;
	struct lyra_userstream_opts o;
	char url[512];
	struct lyra_ws *ws;
	int up;
	size_t nsub;                 /* pairs of t->watch subscribed on this connection */
	int pending;                 /* per-pair subscriptions not yet confirmed */
	int64_t next_try_ms, backoff_ms, up_since_ms, last_rx_ms, last_ping_ms;
	struct lyra_userstream_stats st;
};

static int64_t now_ms(void)
{
	return lyra_mono_us() / 1000;
}

static const struct lyra_trade_adapter *adapter_of(const char *venue)
{
	static const struct lyra_trade_adapter *const all[] = {
		&lyra_trade_binance, &lyra_trade_okx, &lyra_trade_bitstamp, &lyra_trade_kraken,
		&lyra_trade_bitfinex, &lyra_trade_gateio, &lyra_trade_gemini, &lyra_trade_coinbase,
	};
	for (size_t i = 0; venue && i < sizeof all / sizeof all[0]; i++)
		if (strcmp(all[i]->id, venue) == 0)
			return all[i];
	return NULL;
}

int lyra_userstream_supported(const char *venue)
{
	const struct lyra_trade_adapter *a = adapter_of(venue);
	return a && a->stream;
}

const char *lyra_userstream_url(const char *venue, int testnet)
{
	const struct lyra_trade_adapter *a = adapter_of(venue);
	if (!a || !a->stream)
		return NULL;
	return testnet ? a->stream->testnet_url : a->stream->url;
}

static void note(struct lyra_userstream *us, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct lyra_userstream *us, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (!us->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	us->o.log(us->o.log_ctx, msg);
}

struct lyra_userstream *lyra_userstream_new(struct lyra_trade *t,
                                            const struct lyra_userstream_opts *o)
{
	const struct lyra_trade_stream *ops = t->a->stream;
	if (!ops) {
		lyra_error(LYRA_EX_UNAVAILABLE, "%s: no user stream in this build (order updates by "
		           "REST polling)", t->a->id);
		return NULL;
	}
	const char *url = o->url && *o->url ? o->url : o->testnet ? ops->testnet_url : ops->url;
	if (!url) {
		lyra_error(LYRA_EX_UNAVAILABLE, "%s: no user stream URL%s", t->a->id,
		           o->testnet ? " for the testnet" : "");
		return NULL;
	}
	struct lyra_userstream *us = calloc(1, sizeof *us);
	if (!us) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	us->t = t;
	us->ops = ops;
	us->o = *o;
	snprintf(us->url, sizeof us->url, "%s", url);
	us->backoff_ms = BACKOFF_MIN_MS;
	return us;
}

static void drop(struct lyra_userstream *us, int code)
{
	lyra_ws_close(us->ws, code, 200);
	us->ws = NULL;
	us->up = 0;
}

/* Schedule the next attempt after a failure or a drop. */
static void back_off(struct lyra_userstream *us)
{
	int64_t now = now_ms();
	if (us->up_since_ms && now - us->up_since_ms >= STABLE_MS)
		us->backoff_ms = BACKOFF_MIN_MS;
	us->up_since_ms = 0;
	us->next_try_ms = now + us->backoff_ms;
	note(us, "%s: user stream: next attempt in %lld s", us->t->a->id,
	     (long long)(us->backoff_ms / 1000));
	us->backoff_ms = us->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : us->backoff_ms * 2;
}

/* One message through the adapter: its return value (see trade_impl.h). */
static int handle(struct lyra_userstream *us, const char *buf, size_t len)
{
	/* numbers exact (Kraken's and Bitfinex's quantities are JSON numbers); objects and arrays
	 * (Bitfinex, Gemini) go to the adapter, anything else (OKX's "pong") as NULL */
	json_t *j = lyra_json_loads_exact(buf, len, NULL, 0);
	if (j && !json_is_object(j) && !json_is_array(j)) {
		json_decref(j);
		j = NULL;
	}
	us->st.messages++;
	us->last_rx_ms = now_ms();
	int rc = us->ops->message(us->t, j, us->o.on_order, us->o.on_fill, us->o.ctx);
	json_decref(j);
	return rc;
}

static int send_step(struct lyra_userstream *us, int step)
{
	char *msg = us->ops->hello(us->t, step);
	if (!msg)
		return -1;
	if (!*msg) {
		free(msg);   /* a step that sends nothing: wait for the venue's next message */
		return 0;
	}
	int rc = lyra_ws_send_text(us->ws, msg, strlen(msg));
	free(msg);
	return rc;
}

/* Per-pair streams: subscribe every pair of t->watch not yet subscribed on this connection
 * (each watch() message awaits one confirmation). 0, or -1 with error.h. */
static int send_watch(struct lyra_userstream *us)
{
	struct lyra_trade_watch *w = &us->t->watch;
	if (!us->ops->watch)
		return 0;
	while (us->nsub < w->n) {
		char *msg = us->ops->watch(us->t, w->vs[us->nsub]);
		if (!msg)
			return -1;
		for (char *p = msg, *e; *p; p = e) {
			e = strchr(p, '\n');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			if (len && lyra_ws_send_text(us->ws, p, len) != 0) {
				free(msg);
				return -1;
			}
			if (len)
				us->pending++;
			e = e ? e + 1 : p + len;
		}
		free(msg);
		us->nsub++;
	}
	return 0;
}

/* Connect, authenticate, subscribe: 0 live, -1 not (error.h), -2 a callback stopped. */
static int open_stream(struct lyra_userstream *us)
{
	int64_t deadline = now_ms() + OPEN_TIMEOUT_MS;
	int step = 0, opened = 0;
	us->nsub = 0;
	us->pending = 0;
	if (us->ops->handshake) {
		/* headers of the handshake (gemini): at most 8 lines */
		const char *hv[9] = {0};
		size_t nh = 0;
		char *hs = us->ops->handshake(us->t);
		if (!hs)
			return -1;
		char *save = NULL;
		for (char *p = strtok_r(hs, "\n", &save); p && nh < 8; p = strtok_r(NULL, "\n", &save))
			hv[nh++] = p;
		us->ws = lyra_ws_connect_headers(us->url, OPEN_TIMEOUT_MS, hv);
		free(hs);
	} else {
		us->ws = lyra_ws_connect(us->url, OPEN_TIMEOUT_MS);
	}
	if (!us->ws)
		return -1;
	if (send_step(us, step) != 0)
		goto fail;
	for (;;) {
		const char *b;
		size_t n;
		int64_t left = deadline - now_ms();
		int r = lyra_ws_recv(us->ws, &b, &n, (long)(left > 0 ? left : 0));
		if (r == -2) {
			lyra_error(LYRA_EX_UNAVAILABLE, "no answer to the subscription within %d s",
			           OPEN_TIMEOUT_MS / 1000);
			goto fail;
		}
		if (r == 0) {
			lyra_error(LYRA_EX_UNAVAILABLE, "the venue closed the connection (%d)",
			           lyra_ws_close_code(us->ws));
			goto fail;
		}
		if (r < 0)
			goto fail;
		int hr = handle(us, b, n);
		if (hr == 1 && !opened) {
			/* the opening is live; per-pair streams then subscribe their pairs first */
			opened = 1;
			if (send_watch(us) != 0)
				goto fail;
		}
		if (hr == 3 && us->pending > 0)
			us->pending--;
		if (opened && us->pending == 0)
			break;
		if (hr == 2 && send_step(us, ++step) != 0)
			goto fail;
		if (hr == -1)
			goto fail;
		if (hr == -2) {
			drop(us, 1000);
			return -2;
		}
	}
	us->up = 1;
	us->up_since_ms = us->last_rx_ms = us->last_ping_ms = now_ms();
	return 0;
fail:
	{
		/* closing clears error.h: keep the reason */
		char why[400];
		int code = lyra_error_code();
		snprintf(why, sizeof why, "%s", lyra_error_msg());
		drop(us, 1000);
		lyra_error(code ? code : LYRA_EX_UNAVAILABLE, "%s", why);
	}
	return -1;
}

int lyra_userstream_service(struct lyra_userstream *us, int timeout_ms)
{
	int64_t now = now_ms();
	if (!us->ws) {
		if (now < us->next_try_ms)
			return 0;
		int rc = open_stream(us);
		if (rc == 0) {
			us->st.connects++;
			note(us, "%s: user stream up (%s)", us->t->a->id, us->url);
			return 1;
		}
		us->st.failures++;
		if (rc == -2)
			return -2;
		note(us, "%s: user stream not up: %s", us->t->a->id, lyra_error_msg());
		lyra_error_clear();
		back_off(us);
		return 0;
	}
	/* pairs added since (an order placed on a new pair): subscribe them now */
	int relive = 0;
	if (us->nsub < us->t->watch.n && send_watch(us) != 0) {
		note(us, "%s: user stream: subscribing: %s", us->t->a->id, lyra_error_msg());
		lyra_error_clear();
		drop(us, 1000);
		us->st.drops++;
		back_off(us);
		return 0;
	}
	for (int wait = timeout_ms;; wait = 0) {
		const char *b;
		size_t n;
		int r = lyra_ws_recv(us->ws, &b, &n, wait);
		if (r == -2)
			break;
		if (r == 1) {
			int hr = handle(us, b, n);
			if (hr == -2)
				return -2;
			if (hr == 3 && us->pending > 0 && --us->pending == 0)
				relive = 1;   /* what happened before the subscription: the owner asks REST */
			if (hr != -1)
				continue;
			note(us, "%s: user stream: %s", us->t->a->id, lyra_error_msg());
		} else if (r == 0) {
			note(us, "%s: user stream closed by the venue (%d)", us->t->a->id,
			     lyra_ws_close_code(us->ws));
		} else {
			note(us, "%s: user stream lost: %s", us->t->a->id, lyra_error_msg());
		}
		lyra_error_clear();
		drop(us, 1000);
		us->st.drops++;
		back_off(us);
		return 0;
	}
	/* a venue that closes quiet connections hears a ping; no answer for as long again: lost */
	now = now_ms();
	if (us->ops->keepalive_s > 0) {
		int64_t k = (int64_t)us->ops->keepalive_s * 1000;
		if (us->last_ping_ms > us->last_rx_ms && now - us->last_ping_ms >= k) {
			note(us, "%s: user stream: no answer to the keepalive", us->t->a->id);
			drop(us, 1001);
			us->st.drops++;
			back_off(us);
		} else if (us->last_ping_ms <= us->last_rx_ms && now - us->last_rx_ms >= k) {
			char *made = us->ops->ping ? us->ops->ping(us->t) : NULL;
			const char *ping = made ? made : us->ops->ping_text;
			int sent = ping ? lyra_ws_send_text(us->ws, ping, strlen(ping)) : -1;
			free(made);
			if (sent != 0) {
				note(us, "%s: user stream lost: %s", us->t->a->id, lyra_error_msg());
				lyra_error_clear();
				drop(us, 1001);
				us->st.drops++;
				back_off(us);
			} else {
				us->last_ping_ms = now;
			}
		}
	}
	return us->ws ? relive : 0;
}

int lyra_userstream_up(const struct lyra_userstream *us)
{
	return us && us->up;
}

int lyra_userstream_fd(const struct lyra_userstream *us)
{
	return us && us->ws ? lyra_ws_fd(us->ws) : -1;
}

int lyra_userstream_buffered(const struct lyra_userstream *us)
{
	return us && us->ws && lyra_ws_buffered(us->ws);
}

int64_t lyra_userstream_wait_ms(const struct lyra_userstream *us)
{
	if (!us || us->ws)
		return 0;
	int64_t left = us->next_try_ms - now_ms();
	return left > 0 ? left : 0;
}

const struct lyra_userstream_stats *lyra_userstream_stats(const struct lyra_userstream *us)
{
	return &us->st;
}

void lyra_userstream_free(struct lyra_userstream *us)
{
	if (!us)
		return;
	if (us->ws)
		drop(us, 1000);
	free(us);
}

void lyra_trade_watch_add(struct lyra_trade *t, const char *vs)
{
	struct lyra_trade_watch *w = &t->watch;
	if (!vs || !*vs || strlen(vs) >= sizeof w->vs[0])
		return;
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->vs[i], vs))
			return;
	if (w->n < LYRA_TRADE_WATCH_MAX)
		snprintf(w->vs[w->n++], sizeof w->vs[0], "%s", vs);
}

int lyra_trade_hmac_hex(const struct lyra_api_key *k, const char *md_name, const char *msg,
                        char *out, size_t n)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	const EVP_MD *md = EVP_get_digestbyname(md_name);
	if (!md || !HMAC(md, k->secret, (int)strlen(k->secret), (const unsigned char *)msg,
	                 strlen(msg), mac, &len) || n < 2 * (size_t)len + 1)
		return lyra_error(LYRA_EX_SOFTWARE, "HMAC-%s failed", md_name);
	for (unsigned int i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return 0;
}
