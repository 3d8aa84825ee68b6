/* test_sign: every signing vector of tests/fixtures/oms/vectors.json reproduced byte for byte
 * through lyra_sign (and lyra_sign_binance_ws), the url and header shape per venue, the
 * signed_request record (passphrase redacted), refusals, the key file (modes, fields, no secret
 * in messages), fresh nonces (strictly increasing, UUID4) and timestamps in each venue's form. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "error.h"
#include "record.h"
#include "sign.h"
#include "unit.h"

#define VECTORS "tests/fixtures/oms/vectors.json"

static const char *str(const json_t *v, const char *k)
{
	return json_string_value(json_object_get(v, k));
}

static void key_of(const json_t *v, struct lyra_api_key *k)
{
	memset(k, 0, sizeof *k);
	snprintf(k->key, sizeof k->key, "%s", str(v, "key") ? str(v, "key") : "test-key");
	snprintf(k->secret, sizeof k->secret, "%s", str(v, "secret"));
	snprintf(k->passphrase, sizeof k->passphrase, "%s",
	         str(v, "passphrase") ? str(v, "passphrase") : "test-passphrase");
}

/* The value of header name in s, or NULL. */
static const char *header(const struct lyra_signed *s, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; s->headers[i]; i++)
		if (strncmp(s->headers[i], name, n) == 0 && s->headers[i][n] == ':')
			return s->headers[i] + n + 2;
	return NULL;
}

static int nheaders(const struct lyra_signed *s)
{
	int i = 0;
	while (s->headers[i])
		i++;
	return i;
}

/* "request" of a JSON body, copied into buf. */
static const char *request_of(const char *body, char *buf, size_t n)
{
	json_t *o = json_loads(body, 0, NULL);
	snprintf(buf, n, "%s", json_string_value(json_object_get(o, "request")) ?
	         json_string_value(json_object_get(o, "request")) : "");
	json_decref(o);
	return buf;
}

/* The venue-specific shape of a signed request. */
static void check_shape(const char *venue, const struct lyra_sign_in *in,
                        const struct lyra_api_key *k, const struct lyra_signed *s,
                        const char *what)
{
	char w[256], want[2048];
	const char *sig = s->signature;

	snprintf(w, sizeof w, "%s: no header carries the secret", what);
	{
		int leak = 0;
		for (int i = 0; s->headers[i]; i++)
			leak |= strstr(s->headers[i], k->secret) != NULL;
		leak |= strstr(s->prehash, k->secret) != NULL || strstr(s->url, k->secret) != NULL;
		CHECK(!leak, w);
	}
	if (strcmp(venue, "binance") == 0) {
		snprintf(want, sizeof want, "https://api.binance.com%s?%s&signature=%s", in->path,
		         in->query, sig);
		snprintf(w, sizeof w, "%s: url ends with &signature=", what);
		CHECK_STR(s->url, want, w);
		snprintf(w, sizeof w, "%s: X-MBX-APIKEY", what);
		CHECK_STR(header(s, "X-MBX-APIKEY"), k->key, w);
		CHECK_INT(nheaders(s), 1 + (in->body && *in->body), w);
	} else if (strcmp(venue, "okx") == 0) {
		snprintf(w, sizeof w, "%s: OK-ACCESS-* headers", what);
		CHECK_STR(header(s, "OK-ACCESS-KEY"), k->key, w);
		CHECK_STR(header(s, "OK-ACCESS-SIGN"), sig, w);
		CHECK_STR(header(s, "OK-ACCESS-TIMESTAMP"), s->timestamp, w);
		CHECK_STR(header(s, "OK-ACCESS-PASSPHRASE"), k->passphrase, w);
		CHECK_STR(header(s, "Content-Type"), "application/json", w);
		CHECK_INT(nheaders(s), 5, w);
	} else if (strcmp(venue, "coinbase") == 0) {
		snprintf(w, sizeof w, "%s: CB-ACCESS-* headers", what);
		CHECK_STR(header(s, "CB-ACCESS-KEY"), k->key, w);
		CHECK_STR(header(s, "CB-ACCESS-SIGN"), sig, w);
		CHECK_STR(header(s, "CB-ACCESS-TIMESTAMP"), s->timestamp, w);
		CHECK_STR(header(s, "CB-ACCESS-PASSPHRASE"), k->passphrase, w);
		CHECK_STR(header(s, "Content-Type"), "application/json", w);
	} else if (strcmp(venue, "kraken") == 0) {
		snprintf(w, sizeof w, "%s: API-Key, API-Sign, form body", what);
		CHECK_STR(header(s, "API-Key"), k->key, w);
		CHECK_STR(header(s, "API-Sign"), sig, w);
		CHECK_STR(header(s, "Content-Type"), "application/x-www-form-urlencoded", w);
		CHECK_STR(s->body, in->body, w);
		snprintf(want, sizeof want, "https://api.kraken.com%s", in->path);
		CHECK_STR(s->url, want, w);
	} else if (strcmp(venue, "gateio") == 0) {
		snprintf(w, sizeof w, "%s: KEY, Timestamp, SIGN", what);
		CHECK_STR(header(s, "KEY"), k->key, w);
		CHECK_STR(header(s, "Timestamp"), s->timestamp, w);
		CHECK_STR(header(s, "SIGN"), sig, w);
		snprintf(want, sizeof want, "https://api.gateio.ws%s?%s", in->path, in->query);
		CHECK_STR(s->url, want, w);
	} else if (strcmp(venue, "bitfinex") == 0 && strncmp(in->path, "/v1/", 4) == 0) {
		snprintf(w, sizeof w, "%s: X-BFX-* headers, the JSON body sent", what);
		CHECK_STR(header(s, "X-BFX-APIKEY"), k->key, w);
		CHECK_STR(header(s, "X-BFX-PAYLOAD"), s->prehash, w);
		CHECK_STR(header(s, "X-BFX-SIGNATURE"), sig, w);
		CHECK_STR(s->body, in->body, w);
	} else if (strcmp(venue, "bitfinex") == 0) {
		snprintf(w, sizeof w, "%s: bfx-* headers", what);
		CHECK_STR(header(s, "bfx-nonce"), s->nonce, w);
		CHECK_STR(header(s, "bfx-apikey"), k->key, w);
		CHECK_STR(header(s, "bfx-signature"), sig, w);
		CHECK_STR(header(s, "Content-Type"), "application/json", w);
		CHECK_STR(s->url, "https://api.bitfinex.com/v2/auth/r/wallets", w);
	} else if (strcmp(venue, "bitstamp") == 0) {
		snprintf(w, sizeof w, "%s: X-Auth-* headers", what);
		snprintf(want, sizeof want, "BITSTAMP %s", k->key);
		CHECK_STR(header(s, "X-Auth"), want, w);
		CHECK_STR(header(s, "X-Auth-Signature"), sig, w);
		CHECK_STR(header(s, "X-Auth-Nonce"), s->nonce, w);
		CHECK_STR(header(s, "X-Auth-Timestamp"), s->timestamp, w);
		CHECK_STR(header(s, "X-Auth-Version"), "v2", w);
		CHECK_STR(header(s, "Content-Type"), "application/x-www-form-urlencoded", w);
	} else if (strcmp(venue, "gemini") == 0) {
		snprintf(w, sizeof w, "%s: X-GEMINI-* headers, empty body", what);
		CHECK_STR(header(s, "Content-Type"), "text/plain", w);
		CHECK_STR(header(s, "Content-Length"), "0", w);
		CHECK_STR(header(s, "X-GEMINI-APIKEY"), k->key, w);
		CHECK_STR(header(s, "X-GEMINI-PAYLOAD"), s->prehash, w);
		CHECK_STR(header(s, "X-GEMINI-SIGNATURE"), sig, w);
		CHECK_STR(header(s, "Cache-Control"), "no-cache", w);
		CHECK_STR(s->body, "", w);
	}
}

/* Binance WebSocket vector: params parsed from the payload "k=v&...". */
static void ws_vector(const json_t *v, const struct lyra_api_key *k)
{
	char *p = strdup(str(v, "payload")), *save = NULL, sig[65];
	json_t *params = json_object();

	for (char *f = strtok_r(p, "&", &save); f; f = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(f, '=');
		*eq = '\0';
		json_object_set_new(params, f, json_string(eq + 1));
	}
	/* the order given must not matter: add a key that sorts first and remove it again */
	CHECK(lyra_sign_binance_ws(k, params, sig) == 0, "binance ws: signs");
	CHECK_STR(sig, str(v, "signature"), "binance ws: WebSocket API vector reproduced");
	json_object_set_new(params, "signature", json_string("ignored"));
	CHECK(lyra_sign_binance_ws(k, params, sig) == 0 && strcmp(sig, str(v, "signature")) == 0,
	      "binance ws: a 'signature' param is left out of the payload");
	json_object_set_new(params, "price", json_real(52000.0));
	CHECK(lyra_sign_binance_ws(k, params, sig) == -1 && lyra_error_code() == LYRA_EX_USAGE,
	      "binance ws: a JSON real param is refused (decimals as strings)");
	json_decref(params);
	free(p);
}

static void vectors(void)
{
	json_error_t e;
	json_t *doc = json_load_file(VECTORS, 0, &e), *list, *v;
	size_t i;
	int n = 0;

	CHECK(doc != NULL, "vectors.json loads");
	list = json_object_get(doc, "signing");
	CHECK_INT(json_array_size(list), 11, "11 signing vectors");
	json_array_foreach(list, i, v) {
		const char *venue = str(v, "venue"), *name = str(v, "name");
		struct lyra_api_key k;
		struct lyra_sign_in in = { 0 };
		struct lyra_signed s;
		char path[256] = "", query[256] = "", base[128] = "", what[300], req[128];
		unsigned char body[1024];
		json_t *rec;

		key_of(v, &k);
		if (strstr(name, "WebSocket")) {
			ws_vector(v, &k);
			n++;
			continue;
		}
		in.venue = venue;
		in.method = str(v, "method");
		in.query = str(v, "query");
		in.body = str(v, "body");
		in.timestamp = str(v, "timestamp");
		in.nonce = str(v, "nonce");
		if (str(v, "path")) {
			const char *q;
			snprintf(path, sizeof path, "%s", str(v, "path"));
			if ((q = strchr(str(v, "path"), '?'))) {   /* okx: the query inside the path */
				path[q - str(v, "path")] = '\0';
				snprintf(query, sizeof query, "%s", q + 1);
				in.query = query;
			}
			in.path = path;
		}
		if (strcmp(venue, "binance") == 0) {
			in.method = "POST";
			in.path = "/api/v3/order";
			in.query = str(v, "payload");
		}
		if (strcmp(venue, "bitfinex") == 0 && str(v, "payload_base64")) {
			const char *p64 = str(v, "payload_base64");
			int len = lyra_b64_decode(p64, strlen(p64), body, sizeof body - 1);
			CHECK(len > 0, "bitfinex v1: payload_base64 decodes");
			body[len > 0 ? len : 0] = '\0';
			in.body = (const char *)body;
		}
		if (!in.path && in.body)   /* gemini, bitfinex v1: the path is the body's "request" */
			in.path = request_of(in.body, req, sizeof req);
		if (str(v, "host")) {
			snprintf(base, sizeof base, "https://%s", str(v, "host"));
			in.base_url = base;
		}
		snprintf(what, sizeof what, "%s: %s", venue, name);
		if (lyra_sign(&k, &in, &s) != 0) {
			printf("# %s\n", lyra_error_msg());
			CHECK(0, what);
			continue;
		}
		n++;
		CHECK_STR(s.signature, str(v, "signature"), what);
		if (str(v, "payload_base64")) {
			snprintf(what, sizeof what, "%s: payload is the vector's base64", venue);
			CHECK_STR(s.prehash, str(v, "payload_base64"), what);
		}
		if (in.timestamp) {
			snprintf(what, sizeof what, "%s: timestamp as given", venue);
			CHECK_STR(s.timestamp, in.timestamp, what);
		}
		if (in.nonce) {
			snprintf(what, sizeof what, "%s: nonce as given", venue);
			CHECK_STR(s.nonce, in.nonce, what);
		}
		check_shape(venue, &in, &k, &s, name);
		rec = lyra_signed_record(venue, &s, 1700000000000000);
		snprintf(what, sizeof what, "%s: record carries the signature", venue);
		CHECK_STR(str(rec, "signature"), str(v, "signature"), what);
		CHECK_STR(str(rec, "type"), "signed_request", what);
		{
			char *dump = json_dumps(rec, 0);
			snprintf(what, sizeof what, "%s: record has neither secret nor passphrase", venue);
			CHECK(dump && !strstr(dump, k.secret) &&
			      (!(strcmp(venue, "okx") == 0 || strcmp(venue, "coinbase") == 0) ||
			       !strstr(dump, k.passphrase)), what);
			free(dump);
		}
		if (strcmp(venue, "okx") == 0 || strcmp(venue, "coinbase") == 0) {
			const char *h = strcmp(venue, "okx") == 0 ? "OK-ACCESS-PASSPHRASE" :
			                                            "CB-ACCESS-PASSPHRASE";
			snprintf(what, sizeof what, "%s: record shows the passphrase <redacted>", venue);
			CHECK_STR(str(json_object_get(rec, "headers"), h), "<redacted>", what);
		}
		json_decref(rec);
		lyra_signed_release(&s);
	}
	CHECK_INT(n, 11, "all 11 vectors ran");
	json_decref(doc);
}

static struct lyra_api_key key_plain(const char *secret, const char *pass)
{
	struct lyra_api_key k;
	memset(&k, 0, sizeof k);
	snprintf(k.key, sizeof k.key, "pub-key");
	snprintf(k.secret, sizeof k.secret, "%s", secret);
	snprintf(k.passphrase, sizeof k.passphrase, "%s", pass);
	return k;
}

static void behaviour(void)
{
	struct lyra_api_key k = key_plain("secret", "pp");
	struct lyra_sign_in in = { 0 };
	struct lyra_signed s;
	json_t *rec;

	/* binance: timestamp appended when the request has none; signature last */
	in.venue = "binance";
	in.path = "/api/v3/account";
	in.timestamp = "1700000000123";
	CHECK(lyra_sign(&k, &in, &s) == 0, "binance: signs a GET without params");
	CHECK_STR(s.prehash, "timestamp=1700000000123", "binance: timestamp=T appended");
	{
		const char *pre = "https://api.binance.com/api/v3/account?timestamp=1700000000123&"
		                  "signature=";
		CHECK(strncmp(s.url, pre, strlen(pre)) == 0 && strlen(s.url) == strlen(pre) + 64 &&
		      strcmp(s.url + strlen(pre), s.signature) == 0, "binance: url shape");
	}
	CHECK_STR(s.method, "GET", "binance: GET by default");
	lyra_signed_release(&s);
	in.query = "symbol=BTCUSDT&timestamp=5";
	CHECK(lyra_sign(&k, &in, &s) == -1 && lyra_error_code() == LYRA_EX_USAGE,
	      "binance: a timestamp differing from the query's is refused");
	in.timestamp = NULL;
	in.method = "post";
	in.query = NULL;
	in.body = "symbol=BTCUSDT&timestamp=7";
	CHECK(lyra_sign(&k, &in, &s) == 0, "binance: params in the body");
	CHECK_STR(s.method, "POST", "binance: method upper-cased");
	CHECK_STR(s.timestamp, "7", "binance: the body's timestamp is the one used");
	CHECK_STR(s.prehash, "symbol=BTCUSDT&timestamp=7", "binance: prehash = query + body");
	CHECK(strstr(s.url, "?signature=") != NULL, "binance: signature alone in the query");
	CHECK_STR(header(&s, "Content-Type"), "application/x-www-form-urlencoded",
	          "binance: form content type with a body");
	lyra_signed_release(&s);

	/* okx: POST with a body, passphrase needed, record redaction */
	memset(&in, 0, sizeof in);
	in.venue = "okx";
	in.method = "POST";
	in.path = "/api/v5/trade/order";
	in.body = "{\"instId\":\"BTC-USDT\"}";
	in.timestamp = "2020-12-08T09:08:57.715Z";
	CHECK(lyra_sign(&k, &in, &s) == 0, "okx: signs a POST");
	CHECK_STR(s.prehash, "2020-12-08T09:08:57.715ZPOST/api/v5/trade/order{\"instId\":\"BTC-USDT\"}",
	          "okx: prehash = ts + METHOD + path + body");
	CHECK_STR(header(&s, "OK-ACCESS-PASSPHRASE"), "pp", "okx: the real passphrase is sent");
	rec = lyra_signed_record("okx", &s, 1);
	CHECK_STR(str(json_object_get(rec, "headers"), "OK-ACCESS-PASSPHRASE"), "<redacted>",
	          "okx: record redacts the passphrase");
	CHECK_STR(str(rec, "url"), "https://www.okx.com/api/v5/trade/order", "okx: record url");
	CHECK_STR(str(rec, "body"), in.body, "okx: record body");
	CHECK_STR(str(rec, "method"), "POST", "okx: record method");
	CHECK_STR(str(rec, "venue"), "okx", "okx: record venue");
	{
		const char *order[] = { "type", "ts", "venue", "method", "url", "headers", "body",
		                        "prehash", "signature", "timestamp", "nonce" };
		const char *key;
		json_t *val;
		size_t j = 0;
		int ok = json_object_size(rec) == 11;
		json_object_foreach(rec, key, val)
			ok &= j < 11 && strcmp(key, order[j++]) == 0;
		CHECK(ok, "record: fields in the documented order");
	}
	json_decref(rec);
	lyra_signed_release(&s);
	k.passphrase[0] = '\0';
	CHECK(lyra_sign(&k, &in, &s) == -1 && lyra_error_code() == LYRA_EX_CONFIG,
	      "okx: a key without passphrase is refused");
	k = key_plain("secret", "pp");

	/* kraken: nonce from the body; missing or different nonce refused; base64 secret */
	memset(&in, 0, sizeof in);
	in.venue = "kraken";
	in.path = "/0/private/Balance";
	in.body = "nonce=42";
	{
		struct lyra_api_key kk = key_plain("c2VjcmV0", "");   /* base64("secret") */
		CHECK(lyra_sign(&kk, &in, &s) == 0, "kraken: signs with the body's nonce");
		CHECK_STR(s.nonce, "42", "kraken: nonce read from the body");
		CHECK_STR(s.method, "POST", "kraken: POST by default");
		CHECK_STR(s.timestamp, "", "kraken: no timestamp");
		CHECK(strncmp(s.prehash, "/0/private/Balance || sha256(42nonce=42) = ", 43) == 0 &&
		      strlen(s.prehash) == 43 + 64, "kraken: printable prehash");
		lyra_signed_release(&s);
		in.nonce = "43";
		CHECK(lyra_sign(&kk, &in, &s) == -1 && lyra_error_code() == LYRA_EX_USAGE,
		      "kraken: a nonce differing from the body's is refused");
		in.nonce = NULL;
		in.body = "pair=XBTUSD";
		CHECK(lyra_sign(&kk, &in, &s) == -1 && lyra_error_code() == LYRA_EX_USAGE &&
		      strstr(lyra_error_msg(), "nonce"), "kraken: a body without nonce is refused");
	}
	in.body = "nonce=42";
	k = key_plain("not base64 at all!!", "");
	CHECK(lyra_sign(&k, &in, &s) == -1 && lyra_error_code() == LYRA_EX_CONFIG &&
	      !strstr(lyra_error_msg(), "not base64 at all"),
	      "kraken: a secret that is not base64 is refused without showing it");
	k = key_plain("secret", "pp");

	/* bitfinex v2: fresh nonce, either path spelling */
	memset(&in, 0, sizeof in);
	in.venue = "bitfinex";
	in.path = "/v2/auth/r/wallets";
	in.body = "{}";
	CHECK(lyra_sign(&k, &in, &s) == 0, "bitfinex v2: signs with a fresh nonce");
	CHECK(strlen(s.nonce) >= 16 && strspn(s.nonce, "0123456789") == strlen(s.nonce),
	      "bitfinex v2: fresh nonce is microseconds");
	CHECK(strncmp(s.prehash, "/api/v2/auth/r/wallets", 22) == 0, "bitfinex v2: /api + path");
	lyra_signed_release(&s);

	/* gemini: the body's request must be the path; body needed */
	memset(&in, 0, sizeof in);
	in.venue = "gemini";
	in.path = "/v1/balances";
	in.body = "{\"request\":\"/v1/order/status\",\"nonce\":1}";
	CHECK(lyra_sign(&k, &in, &s) == -1 && lyra_error_code() == LYRA_EX_USAGE,
	      "gemini: a body whose request is not the path is refused");
	in.body = NULL;
	CHECK(lyra_sign(&k, &in, &s) == -1 && lyra_error_code() == LYRA_EX_USAGE,
	      "gemini: no body is refused");
	in.body = "{\"request\":\"/v1/balances\",\"nonce\":\"17\"}";
	CHECK(lyra_sign(&k, &in, &s) == 0 && strcmp(s.nonce, "17") == 0,
	      "gemini: string nonce read from the body");
	lyra_signed_release(&s);

	/* bitstamp: host from base_url, no content type without a body, fresh uuid nonce */
	memset(&in, 0, sizeof in);
	in.venue = "bitstamp";
	in.method = "GET";
	in.base_url = "http://127.0.0.1:8080/";
	in.path = "/api/v2/balance/";
	in.timestamp = "1";
	in.nonce = "n";
	CHECK(lyra_sign(&k, &in, &s) == 0, "bitstamp: signs without a body");
	CHECK_STR(s.prehash, "BITSTAMP pub-keyGET127.0.0.1:8080/api/v2/balance/n1v2",
	          "bitstamp: host from base_url, no content type");
	CHECK(header(&s, "Content-Type") == NULL, "bitstamp: no Content-Type without a body");
	CHECK_STR(s.url, "http://127.0.0.1:8080/api/v2/balance/", "bitstamp: url (trailing / cut)");
	lyra_signed_release(&s);
	in.nonce = NULL;
	in.base_url = NULL;
	CHECK(lyra_sign(&k, &in, &s) == 0 && strlen(s.nonce) == 36, "bitstamp: fresh uuid nonce");
	CHECK(strstr(s.prehash, "www.bitstamp.net/api/v2/balance/") != NULL,
	      "bitstamp: default host www.bitstamp.net");
	lyra_signed_release(&s);

	/* refusals */
	memset(&in, 0, sizeof in);
	in.venue = "ftx";
	in.path = "/x";
	CHECK(lyra_sign(&k, &in, &s) == -1 && lyra_error_code() == LYRA_EX_USAGE,
	      "unknown venue: usage error");
	in.venue = "gateio";
	in.path = "/api/v4/spot/orders?x=1";
	CHECK(lyra_sign(&k, &in, &s) == -1 && lyra_error_code() == LYRA_EX_USAGE,
	      "a query inside the path is refused");
	in.path = "/api/v4/spot orders";
	CHECK(lyra_sign(&k, &in, &s) == -1 && lyra_error_code() == LYRA_EX_USAGE,
	      "a path with a space is refused");
	in.path = "/api/v4/spot/orders";
	in.timestamp = "1\r\nX-Evil: 1";
	CHECK(lyra_sign(&k, &in, &s) == -1 && lyra_error_code() == LYRA_EX_USAGE,
	      "a timestamp with CR LF is refused (no header injection)");
	in.timestamp = NULL;
	CHECK(lyra_sign(&k, &in, &s) == 0 && strlen(s.timestamp) == 10, "gateio: fresh seconds");
	lyra_signed_release(&s);
}

static void fresh(void)
{
	char a[64], b[64], t[64];
	int ok = 1;
	long long prev = 0;

	for (int i = 0; i < 1000; i++) {
		lyra_sign_nonce(i % 2 ? "kraken" : "gemini", 1700000000000000, a, sizeof a);
		ok &= atoll(a) > prev;
		prev = atoll(a);
	}
	CHECK(ok, "nonces strictly increase on a frozen clock");
	lyra_sign_nonce("bitfinex", 1600000000000000, b, sizeof b);
	CHECK(atoll(b) > prev, "nonces strictly increase when the clock steps back");
	lyra_sign_nonce("kraken", 1800000000000000, a, sizeof a);
	CHECK_STR(a, "1800000000000000", "nonce = now in microseconds when the clock moves on");
	ok = 1;
	for (int i = 0; i < 200; i++) {
		lyra_sign_nonce("bitstamp", 0, a, sizeof a);
		ok &= strlen(a) == 36 && a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-' &&
		      a[14] == '4' && strchr("89ab", a[19]) != NULL;
		for (int j = 0; j < 36; j++)
			ok &= a[j] == '-' || (isxdigit((unsigned char)a[j]) && !isupper((unsigned char)a[j]));
	}
	CHECK(ok, "bitstamp nonce: lowercase UUID4 (version 4, RFC 4122 variant)");
	lyra_sign_nonce("bitstamp", 0, b, sizeof b);
	CHECK(strcmp(a, b) != 0, "bitstamp nonces differ");
	lyra_sign_nonce("binance", 1, a, sizeof a);
	CHECK_STR(a, "", "binance has no nonce");

	lyra_sign_timestamp("binance", 1607418537715123, t, sizeof t);
	CHECK_STR(t, "1607418537715", "binance timestamp: ms");
	lyra_sign_timestamp("bitstamp", 1607418537715123, t, sizeof t);
	CHECK_STR(t, "1607418537715", "bitstamp timestamp: ms");
	lyra_sign_timestamp("okx", 1607418537715123, t, sizeof t);
	CHECK_STR(t, "2020-12-08T09:08:57.715Z", "okx timestamp: ISO 8601 ms UTC");
	lyra_sign_timestamp("okx", 1607418537000000, t, sizeof t);
	CHECK_STR(t, "2020-12-08T09:08:57.000Z", "okx timestamp: ms always shown");
	lyra_sign_timestamp("gateio", 1607418537999999, t, sizeof t);
	CHECK_STR(t, "1607418537", "gateio timestamp: s");
	lyra_sign_timestamp("coinbase", 1573653521402000, t, sizeof t);
	CHECK_STR(t, "1573653521.402", "coinbase timestamp: s with ms decimals");
	lyra_sign_timestamp("kraken", 1, t, sizeof t);
	CHECK_STR(t, "", "kraken has no timestamp");
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	return chmod(path, mode);
}

static void keyfile(void)
{
	char dir[] = "/tmp/test_sign.XXXXXX", path[128];
	struct lyra_api_key k;
	const char *good = "{\"key\":\"pub-1\",\"secret\":\"S3cr3t-Value-xyz\",\"passphrase\":\"pp-9\"}\n";

	CHECK(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof path, "%s/keys.json", dir);

	CHECK(lyra_api_key_load(path, &k) == -1 && lyra_error_code() == LYRA_EX_NOINPUT,
	      "key file missing: NOINPUT");
	write_file(path, good, 0644);
	CHECK(lyra_api_key_load(path, &k) == -1 && lyra_error_code() == LYRA_EX_NOPERM,
	      "key file mode 0644: NOPERM");
	CHECK(strstr(lyra_error_msg(), "0644") && strstr(lyra_error_msg(), "chmod 600"),
	      "NOPERM message names the mode and chmod 600");
	CHECK(!strstr(lyra_error_msg(), "S3cr3t"), "NOPERM message has no secret");
	chmod(path, 0640);
	CHECK(lyra_api_key_load(path, &k) == -1 && lyra_error_code() == LYRA_EX_NOPERM,
	      "key file mode 0640: NOPERM");
	chmod(path, 0600);
	CHECK(lyra_api_key_load(path, &k) == 0, "key file mode 0600: loads");
	CHECK_STR(k.key, "pub-1", "key read");
	CHECK_STR(k.secret, "S3cr3t-Value-xyz", "secret read");
	CHECK_STR(k.passphrase, "pp-9", "passphrase read");
	lyra_api_key_wipe(&k);
	CHECK(k.secret[0] == 0 && k.key[0] == 0, "wipe clears the key");

	write_file(path, "{\"key\":\"pub-1\",\"secret\":\"S3cr3t-Value-xyz\"}", 0600);
	CHECK(lyra_api_key_load(path, &k) == 0 && k.passphrase[0] == '\0',
	      "passphrase optional");
	write_file(path, "{\"key\":\"pub-1\"}", 0600);
	CHECK(lyra_api_key_load(path, &k) == -1 && lyra_error_code() == LYRA_EX_CONFIG,
	      "no secret: CONFIG");
	write_file(path, "{\"secret\":\"S3cr3t-Value-xyz\"}", 0600);
	CHECK(lyra_api_key_load(path, &k) == -1 && lyra_error_code() == LYRA_EX_CONFIG,
	      "no key: CONFIG");
	CHECK(!strstr(lyra_error_msg(), "S3cr3t"), "CONFIG message has no secret");
	write_file(path, "{\"key\":\"pub-1\",\"secret\":\"S3cr3t-Value-xyz\"", 0600);
	CHECK(lyra_api_key_load(path, &k) == -1 && lyra_error_code() == LYRA_EX_CONFIG &&
	      !strstr(lyra_error_msg(), "S3cr3t"), "bad JSON: CONFIG, no secret in the message");
	write_file(path, "{\"key\":\"pub-1\",\"secret\":\"S3cr3t-Value-xyz\",\"permissions\":"
	           "[\"trade\",\"withdraw\"]}", 0600);
	CHECK(lyra_api_key_load(path, &k) == -1 && lyra_error_code() == LYRA_EX_CONFIG,
	      "a key with withdrawal permission: CONFIG");
	write_file(path, "", 0600);
	CHECK(lyra_api_key_load(path, &k) == -1 && lyra_error_code() == LYRA_EX_CONFIG,
	      "empty key file: CONFIG");
	unlink(path);
	rmdir(dir);
}

static void codec(void)
{
	char b[64];
	unsigned char d[64];

	CHECK(lyra_b64_encode((const unsigned char *)"ab", 2, b, sizeof b) == 4 &&
	      strcmp(b, "YWI=") == 0, "b64 encode with padding");
	CHECK(lyra_b64_encode((const unsigned char *)"abc", 3, b, sizeof b) == 4 &&
	      strcmp(b, "YWJj") == 0, "b64 encode full group");
	CHECK(lyra_b64_encode((const unsigned char *)"a", 1, b, sizeof b) == 4 &&
	      strcmp(b, "YQ==") == 0, "b64 encode one byte");
	CHECK(lyra_b64_decode("YQ==", 4, d, sizeof d) == 1 && d[0] == 'a', "b64 decode padded");
	CHECK(lyra_b64_decode("YQ", 2, d, sizeof d) == 1, "b64 decode unpadded");
	CHECK(lyra_b64_decode("YR==", 4, d, sizeof d) == -1, "b64 decode: trailing bits refused");
	CHECK(lyra_b64_decode("Y===", 4, d, sizeof d) == -1, "b64 decode: bad padding refused");
	CHECK(lyra_b64_decode("Y-I=", 4, d, sizeof d) == -1, "b64 decode: url alphabet refused");
	CHECK(lyra_b64_decode("YWJj", 4, d, 2) == -1, "b64 decode: small buffer refused");
	lyra_hex_encode((const unsigned char *)"\x01\xab", 2, b);
	CHECK_STR(b, "01ab", "hex lowercase");
}

int main(void)
{
	codec();
	vectors();
	behaviour();
	fresh();
	keyfile();
	return unit_done();
}
