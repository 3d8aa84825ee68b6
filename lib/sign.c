/* sign.c: request signing for the eight venues' private REST APIs and the API key file
 * (sign.h). One function per venue builds the exact prehash its documentation specifies, the
 * signature and the headers in sending order; the rest is shared: checking the request,
 * fresh timestamps and nonces, and the signed_request record. Secret bytes never reach an
 * error message, the prehash or the record; buffers holding them are wiped. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "apikey.h"
#include "clock.h"
#include "codec.h"
#include "error.h"
#include "record.h"
#include "secret.h"
#include "sign.h"

#define NHEADERS ((int)(sizeof ((struct lyra_signed *)0)->headers / sizeof(char *)) - 1)
#define FIELD_MAX 64     /* timestamps and nonces, with the NUL */

/* One request being signed. */
struct sreq {
	const struct lyra_api_key *k;
	const char *venue;
	const char *base;            /* base_url without a trailing '/' */
	size_t baselen;
	const char *path;            /* as sent */
	const char *query;           /* never NULL */
	const char *body;            /* never NULL */
	char method[16];
	char ts[FIELD_MAX];
	char nonce[FIELD_MAX];
	int ts_given, nonce_given;
	int nh;                      /* headers set so far */
	struct lyra_signed *out;
};

/* ---- small helpers ---------------------------------------------------------------------- */

/* A NEW string from a printf format, or NULL (error.h set) when memory runs out. */
static char *cat(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *cat(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	return s;
}

static int oom(void)
{
	return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
}

static int add_header(struct sreq *r, const char *name, const char *value)
{
	if (r->nh >= NHEADERS)
		return lyra_error(LYRA_EX_SOFTWARE, "too many headers");
	if (!(r->out->headers[r->nh] = cat("%s: %s", name, value)))
		return -1;
	r->nh++;
	return 0;
}

/* url and path_query from the path and a query (without '?'; "" for none). */
static int set_url(struct sreq *r, const char *query)
{
	struct lyra_signed *o = r->out;

	if (!(o->path_query = cat("%s%s%s", r->path, *query ? "?" : "", query)))
		return -1;
	if (!(o->url = cat("%.*s%s", (int)r->baselen, r->base, o->path_query)))
		return -1;
	return 0;
}

static int set_body(struct sreq *r, const char *body)
{
	return (r->out->body = strdup(body)) ? 0 : oom();
}

/* HMAC of msg under key with md into out; returns the MAC length, or -1 (error.h set). */
static int mac(const EVP_MD *md, const void *key, size_t klen, const void *msg, size_t n,
               unsigned char out[EVP_MAX_MD_SIZE])
{
	unsigned int len = 0;

	if (!HMAC(md, key, (int)klen, msg, n, out, &len))
		return lyra_error(LYRA_EX_SOFTWARE, "HMAC failed");
	return (int)len;
}

/* The signature as lowercase hex or base64 of HMAC(md, key, msg), into out->signature. */
static int sign_hex(struct sreq *r, const EVP_MD *md, const void *key, size_t klen,
                    const void *msg, size_t n)
{
	unsigned char m[EVP_MAX_MD_SIZE];
	int len = mac(md, key, klen, msg, n, m);

	if (len < 0)
		return -1;
	if (!(r->out->signature = malloc(2 * (size_t)len + 1)))
		return oom();
	lyra_hex_encode(m, (size_t)len, r->out->signature);
	return 0;
}

static int sign_b64(struct sreq *r, const EVP_MD *md, const void *key, size_t klen,
                    const void *msg, size_t n)
{
	unsigned char m[EVP_MAX_MD_SIZE];
	int len = mac(md, key, klen, msg, n, m);
	size_t cap;

	if (len < 0)
		return -1;
	cap = lyra_b64_len((size_t)len) + 1;
	if (!(r->out->signature = malloc(cap)))
		return oom();
	lyra_b64_encode(m, (size_t)len, r->out->signature, cap);
	return 0;
}

static const char *secret(const struct sreq *r)
{
	return r->k->secret;
}

/* The secret base64-decoded into key (wiped by the caller). Length, or -1 (LYRA_EX_CONFIG). */
static int secret_decoded(const struct sreq *r, unsigned char *key, size_t n)
{
	int len = lyra_b64_decode(r->k->secret, strlen(r->k->secret), key, n);

	if (len <= 0)
		return lyra_error(LYRA_EX_CONFIG, "%s: the API secret is not valid base64 (this venue "
		                  "gives it base64-encoded)", r->venue);
	return len;
}

/* Find name=value in an application/x-www-form-urlencoded string; copies the value (as sent,
 * still percent-encoded) into out. 1 found, 0 not there, -1 value too long (error.h set). */
static int form_get(const char *s, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);

	while (*s) {
		const char *end = strchr(s, '&');
		size_t fl = end ? (size_t)(end - s) : strlen(s);
		if (fl > nl && strncmp(s, name, nl) == 0 && s[nl] == '=') {
			size_t vl = fl - nl - 1;
			if (vl >= n)
				return lyra_error(LYRA_EX_USAGE, "the request's %s is too long", name);
			memcpy(out, s + nl + 1, vl);
			out[vl] = '\0';
			return 1;
		}
		s += fl;
		if (*s == '&')
			s++;
	}
	return 0;
}

/* A caller's nonce must match the one the body carries; then the body's becomes r->nonce. */
static int take_nonce(struct sreq *r, const char *found)
{
	if (strlen(found) >= sizeof r->nonce)
		return lyra_error(LYRA_EX_USAGE, "%s: the body's nonce is too long", r->venue);
	if (r->nonce_given && strcmp(found, r->nonce) != 0)
		return lyra_error(LYRA_EX_USAGE, "%s: the nonce given (%s) differs from the body's "
		                  "nonce (%s)", r->venue, r->nonce, found);
	snprintf(r->nonce, sizeof r->nonce, "%s", found);
	return 0;
}

/* Gemini and Bitfinex v1: the body is the JSON payload; it must name the path in "request"
 * and carry "nonce" (a string or an integer). Sets r->nonce. */
static int json_payload(struct sreq *r)
{
	char why[128], num[32];
	json_t *o, *req, *nv;
	const char *found;
	int rc;

	if (!*r->body)
		return lyra_error(LYRA_EX_USAGE, "%s: the body must be the JSON payload with \"request\" "
		                  "and \"nonce\" (the caller builds it)", r->venue);
	o = lyra_json_loads_exact(r->body, strlen(r->body), why, sizeof why);
	if (!json_is_object(o)) {
		json_decref(o);
		return lyra_error(LYRA_EX_USAGE, "%s: the body is not a JSON object", r->venue);
	}
	req = json_object_get(o, "request");
	nv = json_object_get(o, "nonce");
	if (!json_is_string(req) || strcmp(json_string_value(req), r->path) != 0) {
		json_decref(o);
		return lyra_error(LYRA_EX_USAGE, "%s: the body's \"request\" must be the path '%s'",
		                  r->venue, r->path);
	}
	if (json_is_integer(nv)) {
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(nv));
		found = num;
	} else if (json_is_string(nv)) {
		found = json_string_value(nv);
	} else {
		json_decref(o);
		return lyra_error(LYRA_EX_USAGE, "%s: the body has no \"nonce\" (the caller builds the "
		                  "body with its nonce)", r->venue);
	}
	rc = take_nonce(r, found);
	json_decref(o);
	return rc;
}

/* ---- the venues ------------------------------------------------------------------------ */

/* binance: hex(HMAC-SHA256(secret, query || body)); signature= appended to the query; the
 * timestamp parameter is the caller's when present, else timestamp=T is appended first. */
static int sign_binance(struct sreq *r)
{
	char found[FIELD_MAX];
	char *q = NULL, *qs = NULL;
	int inq, inb = 0, rc = -1;

	if ((inq = form_get(r->query, "timestamp", found, sizeof found)) < 0 ||
	    (!inq && (inb = form_get(r->body, "timestamp", found, sizeof found)) < 0))
		return -1;
	if (inq || inb) {
		if (r->ts_given && strcmp(found, r->ts) != 0)
			return lyra_error(LYRA_EX_USAGE, "binance: the timestamp given (%s) differs from "
			                  "the request's timestamp=%s", r->ts, found);
		snprintf(r->ts, sizeof r->ts, "%s", found);
		q = cat("%s", r->query);
	} else {
		q = cat("%s%stimestamp=%s", r->query, *r->query ? "&" : "", r->ts);
	}
	if (!q || !(r->out->prehash = cat("%s%s", q, r->body)))
		goto out;
	if (sign_hex(r, EVP_sha256(), secret(r), strlen(secret(r)), r->out->prehash,
	             strlen(r->out->prehash)) < 0)
		goto out;
	if (!(qs = cat("%s%ssignature=%s", q, *q ? "&" : "", r->out->signature)))
		goto out;
	if (set_url(r, qs) < 0 || set_body(r, r->body) < 0 ||
	    add_header(r, "X-MBX-APIKEY", r->k->key) < 0 ||
	    (*r->body && add_header(r, "Content-Type", "application/x-www-form-urlencoded") < 0))
		goto out;
	rc = 0;
out:
	free(q);
	free(qs);
	return rc;
}

/* okx: base64(HMAC-SHA256(secret, timestamp + METHOD + path[?query] + body)). */
static int sign_okx(struct sreq *r)
{
	const char *q = r->query;

	if (!(r->out->prehash = cat("%s%s%s%s%s%s", r->ts, r->method, r->path, *q ? "?" : "", q,
	                            r->body)) ||
	    sign_b64(r, EVP_sha256(), secret(r), strlen(secret(r)), r->out->prehash,
	             strlen(r->out->prehash)) < 0 ||
	    set_url(r, q) < 0 || set_body(r, r->body) < 0 ||
	    add_header(r, "OK-ACCESS-KEY", r->k->key) < 0 ||
	    add_header(r, "OK-ACCESS-SIGN", r->out->signature) < 0 ||
	    add_header(r, "OK-ACCESS-TIMESTAMP", r->ts) < 0 ||
	    add_header(r, "OK-ACCESS-PASSPHRASE", r->k->passphrase) < 0 ||
	    add_header(r, "Content-Type", "application/json") < 0)
		return -1;
	return 0;
}

/* coinbase (Exchange): base64(HMAC-SHA256(base64dec(secret), timestamp + METHOD +
 * path[?query] + body)). */
static int sign_coinbase(struct sreq *r)
{
	unsigned char key[512];
	const char *q = r->query;
	int klen = secret_decoded(r, key, sizeof key), rc;

	if (klen < 0)
		return -1;
	rc = (r->out->prehash = cat("%s%s%s%s%s%s", r->ts, r->method, r->path, *q ? "?" : "", q,
	                            r->body)) ? 0 : -1;
	if (!rc)
		rc = sign_b64(r, EVP_sha256(), key, (size_t)klen, r->out->prehash,
		              strlen(r->out->prehash));
	OPENSSL_cleanse(key, sizeof key);
	if (rc < 0 || set_url(r, q) < 0 || set_body(r, r->body) < 0 ||
	    add_header(r, "CB-ACCESS-KEY", r->k->key) < 0 ||
	    add_header(r, "CB-ACCESS-SIGN", r->out->signature) < 0 ||
	    add_header(r, "CB-ACCESS-TIMESTAMP", r->ts) < 0 ||
	    add_header(r, "CB-ACCESS-PASSPHRASE", r->k->passphrase) < 0 ||
	    add_header(r, "Content-Type", "application/json") < 0)
		return -1;
	return 0;
}

/* kraken: base64(HMAC-SHA512(base64dec(secret), path || SHA256(nonce || body))), the SHA-256
 * appended as 32 raw bytes. The body carries nonce=N (built by the caller). The prehash shown
 * is "PATH || sha256(NONCE BODY) = HEX" (the real one is PATH then the 32 bytes). */
static int sign_kraken(struct sreq *r)
{
	unsigned char key[512], sha[32], hx[65];
	char found[FIELD_MAX];
	unsigned char *msg = NULL;
	size_t pl = strlen(r->path);
	int klen, rc = -1, f;
	char *nb = NULL;

	if ((f = form_get(r->body, "nonce", found, sizeof found)) < 0)
		return -1;
	if (!f)
		return lyra_error(LYRA_EX_USAGE, "kraken: the body has no nonce=N field (the caller "
		                  "builds the body with its nonce)");
	if (take_nonce(r, found) < 0 || (klen = secret_decoded(r, key, sizeof key)) < 0)
		return -1;
	if (!(nb = cat("%s%s", r->nonce, r->body)))
		goto out;
	if (!(msg = malloc(pl + sizeof sha))) {
		oom();
		goto out;
	}
	SHA256((const unsigned char *)nb, strlen(nb), sha);
	memcpy(msg, r->path, pl);
	memcpy(msg + pl, sha, sizeof sha);
	if (sign_b64(r, EVP_sha512(), key, (size_t)klen, msg, pl + sizeof sha) < 0)
		goto out;
	lyra_hex_encode(sha, sizeof sha, (char *)hx);
	if (!(r->out->prehash = cat("%s || sha256(%s) = %s", r->path, nb, (char *)hx)))
		goto out;
	if (set_url(r, r->query) < 0 || set_body(r, r->body) < 0 ||
	    add_header(r, "API-Key", r->k->key) < 0 ||
	    add_header(r, "API-Sign", r->out->signature) < 0 ||
	    add_header(r, "Content-Type", "application/x-www-form-urlencoded") < 0)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof key);
	free(nb);
	free(msg);
	return rc;
}

/* gateio (APIv4): hex(HMAC-SHA512(secret, METHOD\nPATH\nQUERY\nhex(SHA512(body))\nTIMESTAMP)),
 * PATH with /api/v4 as sent. */
static int sign_gateio(struct sreq *r)
{
	unsigned char sha[64];
	char hx[129];

	SHA512((const unsigned char *)r->body, strlen(r->body), sha);
	lyra_hex_encode(sha, sizeof sha, hx);
	if (!(r->out->prehash = cat("%s\n%s\n%s\n%s\n%s", r->method, r->path, r->query, hx, r->ts)) ||
	    sign_hex(r, EVP_sha512(), secret(r), strlen(secret(r)), r->out->prehash,
	             strlen(r->out->prehash)) < 0 ||
	    set_url(r, r->query) < 0 || set_body(r, r->body) < 0 ||
	    add_header(r, "Accept", "application/json") < 0 ||
	    add_header(r, "Content-Type", "application/json") < 0 ||
	    add_header(r, "KEY", r->k->key) < 0 ||
	    add_header(r, "Timestamp", r->ts) < 0 ||
	    add_header(r, "SIGN", r->out->signature) < 0)
		return -1;
	return 0;
}

/* base64 of the body into out->prehash (the signed payload of gemini and bitfinex v1). */
static int payload_b64(struct sreq *r)
{
	size_t n = strlen(r->body), cap = lyra_b64_len(n) + 1;

	if (!(r->out->prehash = malloc(cap)))
		return oom();
	lyra_b64_encode((const unsigned char *)r->body, n, r->out->prehash, cap);
	return 0;
}

/* bitfinex: v2 hex(HMAC-SHA384(secret, "/api" + path + nonce + body)) with bfx-* headers;
 * a path under /v1/ uses v1: payload = base64(body), hex(HMAC-SHA384(secret, payload)). */
static int sign_bitfinex(struct sreq *r)
{
	if (strncmp(r->path, "/v1/", 4) == 0) {
		if (json_payload(r) < 0 || payload_b64(r) < 0 ||
		    sign_hex(r, EVP_sha384(), secret(r), strlen(secret(r)), r->out->prehash,
		             strlen(r->out->prehash)) < 0 ||
		    set_url(r, r->query) < 0 || set_body(r, r->body) < 0 ||
		    add_header(r, "X-BFX-APIKEY", r->k->key) < 0 ||
		    add_header(r, "X-BFX-PAYLOAD", r->out->prehash) < 0 ||
		    add_header(r, "X-BFX-SIGNATURE", r->out->signature) < 0 ||
		    add_header(r, "Content-Type", "application/json") < 0)
			return -1;
		return 0;
	}
	if (!r->nonce_given)
		lyra_sign_nonce("bitfinex", lyra_time_now_us(), r->nonce, sizeof r->nonce);
	if (!(r->out->prehash = cat("/api%s%s%s", r->path, r->nonce, r->body)) ||
	    sign_hex(r, EVP_sha384(), secret(r), strlen(secret(r)), r->out->prehash,
	             strlen(r->out->prehash)) < 0 ||
	    set_url(r, r->query) < 0 || set_body(r, r->body) < 0 ||
	    add_header(r, "bfx-nonce", r->nonce) < 0 ||
	    add_header(r, "bfx-apikey", r->k->key) < 0 ||
	    add_header(r, "bfx-signature", r->out->signature) < 0 ||
	    add_header(r, "Content-Type", "application/json") < 0)
		return -1;
	return 0;
}

/* bitstamp (v2): hex(HMAC-SHA256(secret, "BITSTAMP " + key + METHOD + host + path + query +
 * content_type + nonce + timestamp + "v2" + body)); the content type only with a body. */
static int sign_bitstamp(struct sreq *r)
{
	const char *ct = *r->body ? "application/x-www-form-urlencoded" : "";
	const char *host = r->base, *sl;
	int hl;
	char *xauth = NULL;

	if ((sl = strstr(host, "://")))
		host = sl + 3;
	sl = memchr(host, '/', (size_t)(r->base + r->baselen - host));
	hl = (int)(sl ? (size_t)(sl - host) : (size_t)(r->base + r->baselen - host));
	if (!r->nonce_given)
		lyra_sign_nonce("bitstamp", lyra_time_now_us(), r->nonce, sizeof r->nonce);
	if (!(r->out->prehash = cat("BITSTAMP %s%s%.*s%s%s%s%s%sv2%s", r->k->key, r->method, hl, host,
	                            r->path, r->query, ct, r->nonce, r->ts, r->body)) ||
	    sign_hex(r, EVP_sha256(), secret(r), strlen(secret(r)), r->out->prehash,
	             strlen(r->out->prehash)) < 0 ||
	    !(xauth = cat("BITSTAMP %s", r->k->key)) ||
	    set_url(r, r->query) < 0 || set_body(r, r->body) < 0 ||
	    add_header(r, "X-Auth", xauth) < 0 ||
	    add_header(r, "X-Auth-Signature", r->out->signature) < 0 ||
	    add_header(r, "X-Auth-Nonce", r->nonce) < 0 ||
	    add_header(r, "X-Auth-Timestamp", r->ts) < 0 ||
	    add_header(r, "X-Auth-Version", "v2") < 0 ||
	    (*ct && add_header(r, "Content-Type", ct) < 0)) {
		free(xauth);
		return -1;
	}
	free(xauth);
	return 0;
}

/* gemini: payload = base64(body JSON), hex(HMAC-SHA384(secret, payload)); the payload travels
 * in X-GEMINI-PAYLOAD and the request body sent is empty. */
static int sign_gemini(struct sreq *r)
{
	if (json_payload(r) < 0 || payload_b64(r) < 0 ||
	    sign_hex(r, EVP_sha384(), secret(r), strlen(secret(r)), r->out->prehash,
	             strlen(r->out->prehash)) < 0 ||
	    set_url(r, r->query) < 0 || set_body(r, "") < 0 ||
	    add_header(r, "Content-Type", "text/plain") < 0 ||
	    add_header(r, "Content-Length", "0") < 0 ||
	    add_header(r, "X-GEMINI-APIKEY", r->k->key) < 0 ||
	    add_header(r, "X-GEMINI-PAYLOAD", r->out->prehash) < 0 ||
	    add_header(r, "X-GEMINI-SIGNATURE", r->out->signature) < 0 ||
	    add_header(r, "Cache-Control", "no-cache") < 0)
		return -1;
	return 0;
}

static const struct venue {
	const char *name;
	const char *base_url;        /* the private REST base when the caller gives none */
	const char *method;          /* when the caller gives none */
	int has_ts;                  /* 1: a timestamp is part of the scheme */
	int has_nonce;               /* 1: a nonce is part of the scheme */
	int passphrase;              /* 1: the key has a passphrase */
	int (*sign)(struct sreq *r);
} venues[] = {
	{ "binance",  "https://api.binance.com",         "GET", 1, 0, 0, sign_binance },
	{ "okx",      "https://www.okx.com",             "GET", 1, 0, 1, sign_okx },
	{ "coinbase", "https://api.exchange.coinbase.com", "GET", 1, 0, 1, sign_coinbase },
	{ "kraken",   "https://api.kraken.com",          "POST", 0, 1, 0, sign_kraken },
	{ "gateio",   "https://api.gateio.ws",           "GET", 1, 0, 0, sign_gateio },
	{ "bitfinex", "https://api.bitfinex.com",        "POST", 0, 1, 0, sign_bitfinex },
	{ "bitstamp", "https://www.bitstamp.net",        "POST", 1, 1, 0, sign_bitstamp },
	{ "gemini",   "https://api.gemini.com",          "POST", 0, 1, 0, sign_gemini },
};

static const struct venue *venue_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof venues / sizeof venues[0]; i++)
		if (strcmp(name, venues[i].name) == 0)
			return &venues[i];
	return NULL;
}

/* 1 when s has only bytes that may stand in a URL or header (printable ASCII above space). */
static int url_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Copy a caller's timestamp or nonce (no control characters: it goes into a header). */
static int take_field(const char *venue, const char *what, const char *s, char *out, size_t n)
{
	if (strlen(s) >= n || !*s || !url_safe(s))
		return lyra_error(LYRA_EX_USAGE, "%s: bad %s '%.64s'", venue, what, s);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

int lyra_sign(const struct lyra_api_key *k, const struct lyra_sign_in *in, struct lyra_signed *out)
{
	const struct venue *v = venue_find(in->venue);
	const char *m = in->method && *in->method ? in->method : NULL;
	struct sreq r;
	char *path = NULL;
	size_t i;
	int rc;

	memset(out, 0, sizeof *out);
	if (!v)
		return lyra_error(LYRA_EX_USAGE, "unknown venue '%s' (binance okx coinbase kraken gateio "
		                  "bitfinex bitstamp gemini)", in->venue ? in->venue : "");
	if (!k->key[0] || !k->secret[0])
		return lyra_error(LYRA_EX_CONFIG, "%s: the API key has no key or no secret", v->name);
	if (v->passphrase && !k->passphrase[0])
		return lyra_error(LYRA_EX_CONFIG, "%s: the API key needs its passphrase", v->name);
	memset(&r, 0, sizeof r);
	r.k = k;
	r.venue = v->name;
	r.out = out;
	if (!m)
		m = v->method;
	for (i = 0; m[i]; i++) {
		if (i + 1 >= sizeof r.method || !isalpha((unsigned char)m[i]))
			return lyra_error(LYRA_EX_USAGE, "%s: bad HTTP method '%.32s'", v->name, m);
		r.method[i] = (char)toupper((unsigned char)m[i]);
	}
	if (!in->path || !*in->path)
		return lyra_error(LYRA_EX_USAGE, "%s: no path to sign", v->name);
	if (!url_safe(in->path) || strchr(in->path, '?') || strchr(in->path, '#'))
		return lyra_error(LYRA_EX_USAGE, "%s: bad path '%.200s' (give the query separately)",
		                  v->name, in->path);
	if (in->path[0] != '/' && strcmp(v->name, "bitfinex") != 0)
		return lyra_error(LYRA_EX_USAGE, "%s: the path must start with '/'", v->name);
	/* bitfinex documents its path as "v2/auth/..." after "/api/": accept both spellings */
	if (in->path[0] != '/' && !(path = cat("/%s", in->path)))
		return -1;
	r.path = path ? path : in->path;
	r.query = in->query ? in->query : "";
	if (!url_safe(r.query) || strchr(r.query, '#')) {
		free(path);
		return lyra_error(LYRA_EX_USAGE, "%s: bad query '%.200s'", v->name, r.query);
	}
	r.body = in->body ? in->body : "";
	r.base = in->base_url && *in->base_url ? in->base_url : v->base_url;
	r.baselen = strlen(r.base);
	while (r.baselen && r.base[r.baselen - 1] == '/')
		r.baselen--;
	if (in->timestamp && *in->timestamp && v->has_ts) {
		r.ts_given = 1;
		rc = take_field(v->name, "timestamp", in->timestamp, r.ts, sizeof r.ts);
	} else {
		rc = 0;
		lyra_sign_timestamp(v->name, lyra_time_now_us(), r.ts, sizeof r.ts);
	}
	if (!rc && in->nonce && *in->nonce && v->has_nonce) {
		r.nonce_given = 1;
		rc = take_field(v->name, "nonce", in->nonce, r.nonce, sizeof r.nonce);
	}
	if (!rc)
		rc = v->sign(&r);
	if (!rc && (!(out->method = strdup(r.method)) || !(out->timestamp = strdup(r.ts)) ||
	            !(out->nonce = strdup(r.nonce))))
		rc = oom();
	free(path);
	if (rc) {
		lyra_signed_release(out);
		return -1;
	}
	return 0;
}

void lyra_signed_release(struct lyra_signed *s)
{
	if (!s)
		return;
	free(s->method);
	free(s->url);
	free(s->path_query);
	free(s->body);
	for (size_t i = 0; i < sizeof s->headers / sizeof s->headers[0]; i++)
		free(s->headers[i]);
	free(s->prehash);
	free(s->signature);
	free(s->timestamp);
	free(s->nonce);
	memset(s, 0, sizeof *s);
}

/* Headers whose value is a secret: shown redacted in the record. */
static int header_secret(const char *name, size_t n)
{
	static const char *const names[] = { "OK-ACCESS-PASSPHRASE", "CB-ACCESS-PASSPHRASE" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == n && strncasecmp(name, names[i], n) == 0)
			return 1;
	return 0;
}

static int set_str(json_t *o, const char *key, const char *s)
{
	return json_object_set_new(o, key, json_string(s ? s : ""));
}

json_t *lyra_signed_record(const char *venue, const struct lyra_signed *s, int64_t ts)
{
	json_t *rec = lyra_record_new("signed_request", ts), *h = json_object();
	int bad = !rec || !h;

	for (size_t i = 0; !bad && i < sizeof s->headers / sizeof s->headers[0] && s->headers[i];
	     i++) {
		const char *line = s->headers[i], *colon = strchr(line, ':');
		char name[64];
		size_t n = colon ? (size_t)(colon - line) : 0;
		if (!colon || n >= sizeof name) {
			bad = 1;
			break;
		}
		memcpy(name, line, n);
		name[n] = '\0';
		bad = json_object_set_new(h, name, json_string(header_secret(name, n) ? "<redacted>" :
		                                               colon + 1 + (colon[1] == ' '))) != 0;
	}
	if (!bad)
		bad = set_str(rec, "venue", venue) || set_str(rec, "method", s->method) ||
		      set_str(rec, "url", s->url) || json_object_set(rec, "headers", h) ||
		      set_str(rec, "body", s->body) || set_str(rec, "prehash", s->prehash) ||
		      set_str(rec, "signature", s->signature) || set_str(rec, "timestamp", s->timestamp) ||
		      set_str(rec, "nonce", s->nonce);
	json_decref(h);
	if (bad) {
		json_decref(rec);
		lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		return NULL;
	}
	return rec;
}

/* ---- Binance WebSocket API ------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int lyra_sign_binance_ws(const struct lyra_api_key *k, const json_t *params, char sig[65])
{
	const char **keys = NULL;
	size_t n = json_object_size(params), i = 0, len = 0;
	const char *key;
	json_t *val;
	char *msg = NULL;
	FILE *f;
	unsigned char m[EVP_MAX_MD_SIZE];
	int rc = -1;

	sig[0] = '\0';
	if (!json_is_object(params))
		return lyra_error(LYRA_EX_USAGE, "binance: WebSocket params must be a JSON object");
	if (!k->secret[0])
		return lyra_error(LYRA_EX_CONFIG, "binance: the API key has no secret");
	if (n && !(keys = calloc(n, sizeof *keys)))
		return oom();
	json_object_foreach((json_t *)params, key, val)
		keys[i++] = key;
	qsort(keys, n, sizeof *keys, cmp_str);
	if (!(f = open_memstream(&msg, &len))) {
		free(keys);
		return oom();
	}
	for (i = 0; i < n; i++) {
		val = json_object_get(params, keys[i]);
		if (strcmp(keys[i], "signature") == 0)
			continue;
		fprintf(f, "%s%s=", ftell(f) ? "&" : "", keys[i]);
		if (json_is_string(val))
			fputs(json_string_value(val), f);
		else if (json_is_integer(val))
			fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(val));
		else if (json_is_boolean(val))
			fputs(json_is_true(val) ? "true" : "false", f);
		else {
			fclose(f);
			lyra_error(LYRA_EX_USAGE, "binance: WebSocket param '%s' must be a string or an "
			           "integer (give decimals as strings)", keys[i]);
			goto out;
		}
	}
	if (fclose(f) != 0) {
		oom();
		goto out;
	}
	if (mac(EVP_sha256(), k->secret, strlen(k->secret), msg, len, m) == 32) {
		lyra_hex_encode(m, 32, sig);
		rc = 0;
	}
out:
	free(keys);
	free(msg);
	return rc;
}

/* ---- fresh timestamps and nonces ------------------------------------------------------- */

static int64_t floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void lyra_sign_timestamp(const char *venue, int64_t now_us, char *buf, size_t n)
{
	int64_t ms = floordiv(now_us, 1000), s = floordiv(now_us, LYRA_US_PER_SEC);
	int frac = (int)(ms - s * 1000);

	if (!venue || !n) {
		if (n)
			buf[0] = '\0';
		return;
	}
	if (strcmp(venue, "binance") == 0 || strcmp(venue, "bitstamp") == 0) {
		snprintf(buf, n, "%lld", (long long)ms);
	} else if (strcmp(venue, "gateio") == 0) {
		snprintf(buf, n, "%lld", (long long)s);
	} else if (strcmp(venue, "coinbase") == 0) {
		snprintf(buf, n, "%lld.%03d", (long long)s, frac);
	} else if (strcmp(venue, "okx") == 0) {
		time_t t = (time_t)s;
		struct tm tm;
		if (gmtime_r(&t, &tm))
			snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
			         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
		else
			buf[0] = '\0';
	} else {
		buf[0] = '\0';
	}
}

/* Microseconds, strictly increasing within the process (a clock step back or two calls in
 * the same microsecond still give a larger value). */
static int64_t next_us(int64_t now_us)
{
	static _Atomic int64_t last;
	int64_t prev = atomic_load(&last), next;

	do
		next = now_us > prev ? now_us : prev + 1;
	while (!atomic_compare_exchange_weak(&last, &prev, next));
	return next;
}

void lyra_sign_nonce(const char *venue, int64_t now_us, char *buf, size_t n)
{
	if (!n)
		return;
	buf[0] = '\0';
	if (!venue)
		return;
	if (strcmp(venue, "kraken") == 0 || strcmp(venue, "bitfinex") == 0 ||
	    strcmp(venue, "gemini") == 0) {
		snprintf(buf, n, "%lld", (long long)next_us(now_us));
	} else if (strcmp(venue, "bitstamp") == 0) {
		unsigned char u[16];
		char hx[33];
		if (RAND_bytes(u, sizeof u) != 1)
			return;   /* "" : the venue refuses the request; never a predictable nonce */
		u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);   /* version 4 */
		u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
		lyra_hex_encode(u, sizeof u, hx);
		snprintf(buf, n, "%.8s-%.4s-%.4s-%.4s-%.12s", hx, hx + 8, hx + 12, hx + 16, hx + 20);
	}
}

/* ---- the key file ---------------------------------------------------------------------- */

int lyra_api_key_load(const char *path, struct lyra_api_key *k)
{
	struct stat sb;
	char buf[4096];
	struct lyra_apikey_secret s;
	int len;

	memset(k, 0, sizeof *k);
	if (stat(path, &sb) != 0)
		return lyra_error(errno == ENOENT || errno == ENOTDIR ? LYRA_EX_NOINPUT : LYRA_EX_NOPERM,
		                  "cannot read key file '%s': %s", path, strerror(errno));
	if (S_ISREG(sb.st_mode) && (sb.st_mode & 077))
		return lyra_error(LYRA_EX_NOPERM, "key file '%s' is open to other users (mode %04o): "
		                  "chmod 600 it", path, (unsigned)(sb.st_mode & 07777));
	len = lyra_secret_read_file(path, buf, sizeof buf);
	if (len < 0) {
		OPENSSL_cleanse(buf, sizeof buf);
		return -1;
	}
	if (lyra_apikey_parse(buf, (size_t)len, &s) < 0) {
		char why[256];
		OPENSSL_cleanse(buf, sizeof buf);
		snprintf(why, sizeof why, "%s", lyra_error_msg());
		return lyra_error(LYRA_EX_CONFIG, "key file '%s': %s", path, why);
	}
	OPENSSL_cleanse(buf, sizeof buf);
	_Static_assert(sizeof s.key == sizeof k->key && sizeof s.secret == sizeof k->secret &&
	               sizeof s.passphrase == sizeof k->passphrase, "key field sizes");
	memcpy(k->key, s.key, sizeof k->key);
	memcpy(k->secret, s.secret, sizeof k->secret);
	memcpy(k->passphrase, s.passphrase, sizeof k->passphrase);
	lyra_apikey_secret_wipe(&s);
	return 0;
}

void lyra_api_key_wipe(struct lyra_api_key *k)
{
	OPENSSL_cleanse(k, sizeof *k);
}
