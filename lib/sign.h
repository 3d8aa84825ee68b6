/* sign.h: request signing for the eight venues' private REST APIs, each exactly as its
 * documentation specifies (../shared/fixtures/README.md "Signing rules per venue"), and the API
 * key file. Signing is pure: the caller gives the timestamp and nonce (or asks for fresh ones),
 * so every vector reproduces byte for byte and `oms sign` can show the request it would send. */
#ifndef LYRA_SIGN_H
#define LYRA_SIGN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* An API key as read from the vault or a key file. Wiped with lyra_api_key_wipe. */
struct lyra_api_key {
	char key[256];
	char secret[512];
	char passphrase[256];   /* okx, coinbase; "" otherwise */
};

/* Read a key file: JSON {"key": "...", "secret": "...", "passphrase": "..."} (passphrase
 * optional; the "KEY\nSECRET[\nPASSPHRASE]" lines form of lyra_apikey_parse is accepted too).
 * Refuses a file readable or writable by group or others (LYRA_EX_NOPERM, naming the mode and
 * `chmod 600`), a missing file (LYRA_EX_NOINPUT), an empty one, bad JSON, missing key or
 * secret, or a key declaring withdrawal permission (LYRA_EX_CONFIG). Never puts secret bytes
 * in an error message; the stack buffers that held the file are wiped. 0 or -1. */
int lyra_api_key_load(const char *path, struct lyra_api_key *k);
void lyra_api_key_wipe(struct lyra_api_key *k);

/* One request to sign. Strings are borrowed; NULL means empty. */
struct lyra_sign_in {
	const char *venue;      /* binance okx coinbase kraken gateio bitfinex bitstamp gemini */
	const char *method;     /* GET POST DELETE PUT (upper case) */
	const char *base_url;   /* "https://api.binance.com": for the url of the result */
	const char *path;       /* "/api/v3/order"; bitfinex "/v2/auth/..." or "/v1/..." */
	const char *query;      /* without '?', exactly as it will be sent */
	const char *body;       /* exactly as it will be sent */
	const char *timestamp;  /* in the venue's own form (binance ms, okx ISO ms, gateio s,
	                           coinbase s with decimals, bitstamp ms); NULL or "": now. Ignored by
	                           kraken, bitfinex, gemini (no timestamp in their schemes) */
	const char *nonce;      /* kraken, bitfinex, bitstamp (uuid4), gemini; NULL or "": fresh;
	                           ignored by the other venues */
};
/* Who builds what. The caller builds the query and body exactly as sent; lyra_sign never
 * re-encodes them. binance: the timestamp= parameter is taken from the query or body when
 * present (a different `timestamp` given is refused), else timestamp=T is appended to the
 * query; signature=HEX is always appended last to the query. kraken: the body must carry
 * nonce=N, gemini and bitfinex v1 (path under /v1/): the body is the JSON payload carrying
 * "request" (= path) and "nonce"; lyra_sign reads the nonce from the body and never invents
 * one (a different `nonce` given is refused, LYRA_EX_USAGE). bitfinex v2 and bitstamp: the
 * nonce travels in a header, so NULL gets a fresh one. bitfinex paths may be given as
 * "/v2/auth/..." or "v2/auth/..." (signed as "/api/v2/auth/..."). bitstamp signs the host of
 * base_url (default www.bitstamp.net). base_url NULL: the venue's production private base. */

/* The request to send: NEW strings, released by lyra_signed_release. */
struct lyra_signed {
	char *method;
	char *url;              /* base_url + path (+ '?' + query, with binance's signature) */
	char *path_query;       /* the part after base_url, for http.h */
	char *body;             /* may differ from the input (gemini sends no body) */
	char *headers[16];      /* "Name: value", NULL-terminated, in sending order */
	char *prehash;          /* the exact bytes that were signed (for diagnostics; may hold
	                           the nonce and timestamp, never the secret). kraken signs
	                           binary bytes, shown as "PATH || sha256(NONCE BODY) = HEX" */
	char *signature;        /* as sent */
	char *timestamp;        /* the timestamp used, as sent ("" where the venue has none) */
	char *nonce;            /* the nonce used ("" where none) */
};

/* Sign: 0, or -1 with error.h set (unknown venue, no path, a path or query with spaces or
 * control bytes or a '?' in the path, a timestamp/nonce with control bytes, a missing or
 * contradicting nonce/timestamp as above: LYRA_EX_USAGE; an empty key or secret, okx/coinbase
 * without passphrase, a secret that is not valid base64 where the venue needs it decoded
 * (kraken, coinbase): LYRA_EX_CONFIG). */
int lyra_sign(const struct lyra_api_key *k, const struct lyra_sign_in *in, struct lyra_signed *out);
void lyra_signed_release(struct lyra_signed *s);

/* The `signed_request` record oms prints for `oms sign` and --dry-run: type, ts, venue,
 * method, url, headers (object, in sending order; a passphrase header's value shown as
 * "<redacted>"), body, prehash, signature, timestamp, nonce. NEW reference or NULL. */
json_t *lyra_signed_record(const char *venue, const struct lyra_signed *s, int64_t ts);

/* Binance WebSocket API: hex HMAC-SHA256 over params sorted by name as k=v&... (raw UTF-8).
 * params is a JSON object of strings/numbers (without "signature"). sig gets 65 bytes. */
int lyra_sign_binance_ws(const struct lyra_api_key *k, const json_t *params, char sig[65]);

/* Fresh timestamp/nonce in the venue's form for the wall clock now_us (+ offset measured from
 * the venue's server time by the caller). buf at least 64 bytes; "" where the venue has none.
 * Nonces: kraken, bitfinex, gemini microseconds, strictly increasing within the process (a
 * frozen or stepped-back clock still gives last + 1); bitstamp a lowercase UUID4 from
 * RAND_bytes ("" if the RNG fails). */
void lyra_sign_timestamp(const char *venue, int64_t now_us, char *buf, size_t n);
void lyra_sign_nonce(const char *venue, int64_t now_us, char *buf, size_t n);

#endif
