/* ws.c: the RFC 6455 client of ws.h: libcurl CONNECT_ONLY for the transport (TCP, TLS, proxy),
 * the handshake, framing, masking, fragment reassembly, ping/pong and the closing handshake. */
#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "error.h"
#include "ws.h"

struct lyra_ws {
	CURL *curl;
	curl_socket_t sock;
	unsigned char *in;      /* received bytes not yet parsed: in[ipos..ilen) */
	size_t ilen, ipos, icap;
	char *msg;              /* the message being reassembled, NUL-terminated */
	size_t mlen, mcap;
	int in_msg;             /* a fragmented message is being received (survives timeouts) */
	int close_code;
	int closed;             /* a close frame was sent */
};

static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

void lyra_ws_accept_key(const char *key, char out[29])
{
	unsigned char md[SHA_DIGEST_LENGTH];
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	out[0] = '\0';
	if (!c)
		return;
	EVP_DigestInit_ex(c, EVP_sha1(), NULL);
	EVP_DigestUpdate(c, key, strlen(key));
	EVP_DigestUpdate(c, guid, sizeof guid - 1);
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	EVP_EncodeBlock((unsigned char *)out, md, SHA_DIGEST_LENGTH);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until the socket is readable (or writable); 1 ready, 0 timeout, -1 error. */
static int wait_sock(const struct lyra_ws *w, int write, int64_t deadline)
{
	struct pollfd p = { .fd = (int)w->sock, .events = write ? POLLOUT : POLLIN };
	int64_t left = deadline - mono_ms();
	int rc;

	if (left < 0)
		left = 0;
	do
		rc = poll(&p, 1, (int)left);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -1 : rc > 0;
}

static int send_all(struct lyra_ws *w, const void *buf, size_t len)
{
	const char *p = buf;
	int64_t deadline = mono_ms() + 10000;

	while (len) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(w->curl, p, len, &n);

		if (rc == CURLE_AGAIN) {
			if (wait_sock(w, 1, deadline) <= 0)
				return lyra_error(LYRA_EX_UNAVAILABLE, "cannot send on WebSocket: timed out");
			continue;
		}
		if (rc != CURLE_OK)
			return lyra_error(LYRA_EX_UNAVAILABLE, "cannot send on WebSocket: %s",
			                  curl_easy_strerror(rc));
		p += n;
		len -= n;
	}
	return 0;
}

/* Read more bytes into w->in; 1 got some, 0 timeout, -1 error or EOF. */
static int fill(struct lyra_ws *w, int64_t deadline)
{
	for (;;) {
		size_t n = 0;
		CURLcode rc;

		if (w->ipos && w->ipos == w->ilen)
			w->ipos = w->ilen = 0;
		if (w->icap - w->ilen < 16384) {
			if (w->ipos) {
				memmove(w->in, w->in + w->ipos, w->ilen - w->ipos);
				w->ilen -= w->ipos;
				w->ipos = 0;
			}
			if (w->icap - w->ilen < 16384) {
				size_t cap = w->icap ? w->icap * 2 : 65536;
				unsigned char *ni = realloc(w->in, cap);

				if (!ni)
					return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
				w->in = ni;
				w->icap = cap;
			}
		}
		rc = curl_easy_recv(w->curl, w->in + w->ilen, w->icap - w->ilen, &n);
		if (rc == CURLE_AGAIN) {
			int r = wait_sock(w, 0, deadline);

			if (r <= 0)
				return r < 0 ? lyra_error(LYRA_EX_UNAVAILABLE, "cannot read WebSocket: %s",
				                          strerror(errno)) : 0;
			continue;
		}
		if (rc != CURLE_OK)
			return lyra_error(LYRA_EX_UNAVAILABLE, "cannot read WebSocket: %s",
			                  curl_easy_strerror(rc));
		if (n == 0)
			return lyra_error(LYRA_EX_UNAVAILABLE, "WebSocket connection closed by the server "
			                  "without a close frame");
		w->ilen += n;
		return 1;
	}
}

static int send_frame(struct lyra_ws *w, int opcode, const void *payload, size_t len)
{
	unsigned char hdr[14], mask[4], stackbuf[256], *buf;
	size_t h = 0;
	int rc;

	hdr[h++] = (unsigned char)(0x80 | opcode);
	if (len < 126) {
		hdr[h++] = (unsigned char)(0x80 | len);
	} else if (len <= 0xffff) {
		hdr[h++] = 0x80 | 126;
		hdr[h++] = (unsigned char)(len >> 8);
		hdr[h++] = (unsigned char)len;
	} else {
		hdr[h++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			hdr[h++] = (unsigned char)((uint64_t)len >> (8 * i));
	}
	if (RAND_bytes(mask, 4) != 1)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot draw a WebSocket mask");
	memcpy(hdr + h, mask, 4);
	h += 4;
	buf = h + len <= sizeof stackbuf ? stackbuf : malloc(h + len);
	if (!buf)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	memcpy(buf, hdr, h);
	for (size_t i = 0; i < len; i++)
		buf[h + i] = ((const unsigned char *)payload)[i] ^ mask[i & 3];
	rc = send_all(w, buf, h + len);
	if (buf != stackbuf)
		free(buf);
	return rc;
}

int lyra_ws_send_text(struct lyra_ws *w, const char *buf, size_t len)
{
	return send_frame(w, 0x1, buf, len);
}

int lyra_ws_ping(struct lyra_ws *w, const char *payload, size_t len)
{
	if (len > 125)
		return lyra_error(LYRA_EX_USAGE, "cannot ping: payload longer than 125 bytes");
	return send_frame(w, 0x9, payload, len);
}

static int send_close(struct lyra_ws *w, int code)
{
	unsigned char b[2] = { (unsigned char)(code >> 8), (unsigned char)code };

	if (w->closed)
		return 0;
	w->closed = 1;
	return send_frame(w, 0x8, b, code ? 2 : 0);
}

static int fail(struct lyra_ws *w, int code, const char *why)
{
	send_close(w, code);
	lyra_error_clear();
	return lyra_error(LYRA_EX_DATAERR, "WebSocket protocol error: %s", why);
}

static int msg_append(struct lyra_ws *w, const unsigned char *p, size_t n)
{
	if (w->mlen + n + 1 > w->mcap) {
		size_t cap = w->mcap ? w->mcap : 4096;
		char *nm;

		while (cap < w->mlen + n + 1)
			cap *= 2;
		nm = realloc(w->msg, cap);
		if (!nm)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		w->msg = nm;
		w->mcap = cap;
	}
	memcpy(w->msg + w->mlen, p, n);
	w->mlen += n;
	w->msg[w->mlen] = '\0';
	return 0;
}

int lyra_ws_recv(struct lyra_ws *w, const char **buf, size_t *len, long timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;

	if (!w->in_msg)
		w->mlen = 0;
	for (;;) {
		unsigned char *p = w->in + w->ipos;
		size_t avail = w->ilen - w->ipos, h = 2;
		uint64_t plen;
		int fin, op;

		if (avail < 2 || avail < (h = 2 + ((p[1] & 0x7f) == 126 ? 2 : (p[1] & 0x7f) == 127 ? 8 : 0)))
			goto more;
		if (p[1] & 0x80)
			return fail(w, 1002, "masked frame from the server");
		if (p[0] & 0x70)
			return fail(w, 1002, "reserved bits set");
		plen = p[1] & 0x7f;
		if (plen == 126)
			plen = (uint64_t)p[2] << 8 | p[3];
		else if (plen == 127) {
			plen = 0;
			for (int i = 0; i < 8; i++)
				plen = plen << 8 | p[2 + i];
		}
		fin = p[0] & 0x80;
		op = p[0] & 0x0f;
		if (op >= 0x8 && (plen > 125 || !fin))
			return fail(w, 1002, "control frame too long or fragmented");
		if (plen > LYRA_WS_MAX_MESSAGE || w->mlen + plen > LYRA_WS_MAX_MESSAGE)
			return fail(w, 1009, "message too big");
		if (avail < h + plen)
			goto more;
		p += h;
		w->ipos += h + (size_t)plen;
		switch (op) {
		case 0x0:
			if (!w->in_msg)
				return fail(w, 1002, "continuation without a message");
			break;
		case 0x1:
		case 0x2:
			if (w->in_msg)
				return fail(w, 1002, "new message inside a fragmented one");
			w->in_msg = 1;
			w->mlen = 0;
			break;
		case 0x8: {
			int code = plen >= 2 ? (p[0] << 8 | p[1]) : 1005;

			w->close_code = code;
			send_close(w, code == 1005 ? 1000 : code);
			return 0;
		}
		case 0x9:
			if (send_frame(w, 0xA, p, (size_t)plen) < 0)
				return -1;
			continue;
		case 0xA:
			continue;
		default:
			return fail(w, 1002, "unknown opcode");
		}
		if (msg_append(w, p, (size_t)plen) < 0)
			return -1;
		if (fin) {
			w->in_msg = 0;
			if (!w->msg && msg_append(w, (const unsigned char *)"", 0) < 0)
				return -1;
			*buf = w->msg;
			*len = w->mlen;
			return 1;
		}
		continue;
more:
		{
			int r = fill(w, deadline);

			if (r <= 0)
				return r < 0 ? -1 : -2;
		}
	}
}

int lyra_ws_fd(const struct lyra_ws *w)
{
	return (int)w->sock;
}

int lyra_ws_buffered(const struct lyra_ws *w)
{
	return w->ilen > w->ipos;
}

int lyra_ws_close_code(const struct lyra_ws *w)
{
	return w->close_code;
}

static void ws_free(struct lyra_ws *w)
{
	if (!w)
		return;
	if (w->curl)
		curl_easy_cleanup(w->curl);
	free(w->in);
	free(w->msg);
	free(w);
}

void lyra_ws_close(struct lyra_ws *w, int code, long timeout_ms)
{
	if (!w)
		return;
	if (!w->close_code && send_close(w, code) == 0) {
		const char *b;
		size_t n;
		int64_t deadline = mono_ms() + timeout_ms;

		while (mono_ms() < deadline) {
			int r = lyra_ws_recv(w, &b, &n, (long)(deadline - mono_ms()));

			if (r <= 0)
				break;
		}
		lyra_error_clear();
	}
	ws_free(w);
}

/* The value of header name in the response head (case-insensitive), into out; 0 or -1. */
static int header(const char *head, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);

	for (const char *l = strstr(head, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
		const char *s = l + 2, *e;

		if (strncasecmp(s, name, nl) != 0 || s[nl] != ':')
			continue;
		s += nl + 1;
		while (*s == ' ' || *s == '\t')
			s++;
		e = strstr(s, "\r\n");
		if (!e)
			return -1;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		snprintf(out, n, "%.*s", (int)(e - s), s);
		return 0;
	}
	return -1;
}

struct lyra_ws *lyra_ws_connect(const char *url, long timeout_ms)
{
	return lyra_ws_connect_headers(url, timeout_ms, NULL);
}

struct lyra_ws *lyra_ws_connect_headers(const char *url, long timeout_ms,
                                        const char *const *headers)
{
	struct lyra_ws *w;
	char extra[2048] = "";
	size_t elen = 0;
	char http[2048], req[4608], key[32], want[29], got[128], hostport[512];
	unsigned char nonce[16];
	const char *rest, *path;
	int64_t deadline = mono_ms() + timeout_ms;
	int tls;
	CURLcode rc;
	curl_socket_t sock;

	if (strncmp(url, "ws://", 5) == 0) {
		tls = 0;
		rest = url + 5;
	} else if (strncmp(url, "wss://", 6) == 0) {
		tls = 1;
		rest = url + 6;
	} else {
		lyra_error(LYRA_EX_USAGE, "cannot connect to '%s': not a ws:// or wss:// URL", url);
		return NULL;
	}
	for (size_t i = 0; headers && headers[i]; i++) {
		int n = snprintf(extra + elen, sizeof extra - elen, "%s\r\n", headers[i]);
		if (strpbrk(headers[i], "\r\n") || !strchr(headers[i], ':') || n < 0 ||
		    (size_t)n >= sizeof extra - elen) {
			lyra_error(LYRA_EX_USAGE, "cannot connect to '%s': a malformed or too long "
			           "extra header", url);
			return NULL;
		}
		elen += (size_t)n;
	}
	path = strchr(rest, '/');
	snprintf(hostport, sizeof hostport, "%.*s", (int)(path ? path - rest : (long)strlen(rest)),
	         rest);
	if (!path)
		path = "/";
	snprintf(http, sizeof http, "%s://%s%s", tls ? "https" : "http", hostport, path);
	w = calloc(1, sizeof(*w));
	if (!w || !(w->curl = curl_easy_init())) {
		free(w);
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	curl_easy_setopt(w->curl, CURLOPT_URL, http);
	curl_easy_setopt(w->curl, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(w->curl);
	if (rc != CURLE_OK) {
		lyra_error(LYRA_EX_UNAVAILABLE, "cannot connect to '%s': %s", url,
		           curl_easy_strerror(rc));
		ws_free(w);
		return NULL;
	}
	if (curl_easy_getinfo(w->curl, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK ||
	    sock == CURL_SOCKET_BAD) {
		lyra_error(LYRA_EX_UNAVAILABLE, "cannot connect to '%s': no socket", url);
		ws_free(w);
		return NULL;
	}
	w->sock = sock;
	if (RAND_bytes(nonce, sizeof nonce) != 1) {
		lyra_error(LYRA_EX_SOFTWARE, "cannot draw a WebSocket key");
		ws_free(w);
		return NULL;
	}
	EVP_EncodeBlock((unsigned char *)key, nonce, sizeof nonce);
	lyra_ws_accept_key(key, want);
	int rl = snprintf(req, sizeof req,
	                  "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	                  "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
	                  "User-Agent: lyra\r\n%s\r\n", path, hostport, key, extra);
	if (rl < 0 || (size_t)rl >= sizeof req) {
		lyra_error(LYRA_EX_USAGE, "cannot connect to '%s': the request is too long", url);
		ws_free(w);
		return NULL;
	}
	if (send_all(w, req, strlen(req)) < 0) {
		ws_free(w);
		return NULL;
	}
	for (;;) {
		unsigned char *end = NULL;
		size_t hl;
		char *head;
		int status = 0, ok;

		for (size_t i = 0; i + 3 < w->ilen; i++)
			if (memcmp(w->in + i, "\r\n\r\n", 4) == 0) {
				end = w->in + i + 4;
				break;
			}
		if (!end) {
			int r = w->ilen > 16384 ? -1 : fill(w, deadline);

			if (r <= 0) {
				if (r == 0 || w->ilen > 16384)
					lyra_error(r == 0 ? LYRA_EX_UNAVAILABLE : LYRA_EX_DATAERR,
					           "cannot open WebSocket '%s': %s", url,
					           r == 0 ? "no handshake reply in time" : "handshake reply too long");
				else
					lyra_error_wrap("cannot open WebSocket '%s'", url);
				ws_free(w);
				return NULL;
			}
			continue;
		}
		hl = (size_t)(end - w->in);
		head = strndup((const char *)w->in, hl);
		if (!head) {
			ws_free(w);
			lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			return NULL;
		}
		sscanf(head, "HTTP/1.%*d %d", &status);
		ok = status == 101;
		if (!ok)
			lyra_error(LYRA_EX_DATAERR, "cannot open WebSocket '%s': HTTP status %d, not 101",
			           url, status);
		else if (header(head, "Upgrade", got, sizeof got) != 0 || strcasecmp(got, "websocket") != 0)
			ok = 0, lyra_error(LYRA_EX_DATAERR, "cannot open WebSocket '%s': no 'Upgrade: websocket'", url);
		else if (header(head, "Sec-WebSocket-Accept", got, sizeof got) != 0 || strcmp(got, want) != 0)
			ok = 0, lyra_error(LYRA_EX_DATAERR, "cannot open WebSocket '%s': Sec-WebSocket-Accept "
			                   "'%s' does not match the key (want '%s')", url, got, want);
		free(head);
		if (!ok) {
			ws_free(w);
			return NULL;
		}
		w->ipos = hl;
		return w;
	}
}
