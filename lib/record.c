/* record.c: records as jansson values: the exact parse of a consumed line (non-integer and
 * oversized number tokens become strings holding their exact text before jansson sees them),
 * typed getters and setters, compact emission, and the schema table of record types. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "ndjson.h"
#include "record.h"
#include "utf8.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY)
#define MAX_DEPTH JSON_PARSER_MAX_DEPTH

static void set_why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (why && whylen) {
		va_list aq;
		va_copy(aq, ap);
		vsnprintf(why, whylen, fmt, aq);
		va_end(aq);
	}
	lyra_verror(LYRA_EX_DATAERR, fmt, ap);
	va_end(ap);
}

static inline int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int is_token_byte(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'
	       || c == '+' || c == '.';
}

/* s[0] is '-' or a digit. Sets *tl to the token's length (at least 1) and returns 1 when the
 * token is a well-formed JSON number that must travel as a string (it has a fraction or an
 * exponent, or it does not fit int64), 0 for an integer that fits int64, -1 when malformed. */
static int number_token(const char *str, size_t n, size_t *tl)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t j = 0, d0;
	int neg = 0, frac = 0;
	if (s[0] == '-') {
		neg = 1;
		j++;
	}
	d0 = j;
	if (j < n && s[j] == '0') {
		j++;
	} else if (j < n && is_digit(s[j])) {
		while (j < n && is_digit(s[j]))
			j++;
	} else {
		goto bad;
	}
	size_t ndig = j - d0;
	if (j < n && s[j] == '.') {
		j++;
		if (j >= n || !is_digit(s[j]))
			goto bad;
		while (j < n && is_digit(s[j]))
			j++;
		frac = 1;
	}
	if (j < n && (s[j] == 'e' || s[j] == 'E')) {
		j++;
		if (j < n && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j >= n || !is_digit(s[j]))
			goto bad;
		while (j < n && is_digit(s[j]))
			j++;
		frac = 1;
	}
	if (j < n && is_token_byte(s[j]))
		goto bad;
	*tl = j;
	if (frac || ndig > 19)
		return 1;
	if (ndig == 19)
		return memcmp(s + d0, neg ? "9223372036854775808" : "9223372036854775807", 19) > 0;
	return 0;
bad:
	while (j < n && is_token_byte(s[j]))
		j++;
	*tl = j ? j : 1;
	return -1;
}

/* One pass over the line outside strings. Counts the number tokens in value position that must
 * become strings; when out is set, also writes the rewritten line there (n + 2 * count bytes)
 * and their original offsets into offs. Returns the count, or (size_t)-1 with *nul set when
 * the line holds a NUL byte. */
static size_t prescan(const char *s, size_t n, char *out, size_t *offs, size_t *nul)
{
	unsigned char arr[MAX_DEPTH / 8];   /* bit set: this nesting level is an array */
	size_t depth = 0, q = 0, o = 0, i = 0;
	unsigned char prev = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"') {
			size_t j = i + 1;
			for (;;) {
				while (j < n && s[j] != '"' && s[j] != '\\' && s[j] != '\0')
					j++;
				if (j >= n)
					break;
				if (s[j] == '\0') {
					*nul = j;
					return (size_t)-1;
				}
				if (s[j] == '\\') {
					j = j + 2 < n ? j + 2 : n;
					continue;
				}
				j++;
				break;
			}
			if (out) {
				memcpy(out + o, s + i, j - i);
				o += j - i;
			}
			i = j;
			prev = 's';
			continue;
		}
		if (c == '-' || is_digit(c)) {
			size_t tl;
			int quote = number_token(s + i, n - i, &tl) > 0;
			int in_value = prev == ':' || prev == '['
			               || (prev == ',' && depth > 0 && depth <= MAX_DEPTH
			                   && (arr[(depth - 1) / 8] & (1u << ((depth - 1) % 8))));
			if (quote && in_value) {
				if (out) {
					out[o++] = '"';
					memcpy(out + o, s + i, tl);
					o += tl;
					out[o++] = '"';
					offs[q] = i;
				}
				q++;
			} else if (out) {
				memcpy(out + o, s + i, tl);
				o += tl;
			}
			i += tl;
			prev = 'v';
			continue;
		}
		switch (c) {
		case '{':
		case '[':
			if (depth < MAX_DEPTH) {
				unsigned char bit = (unsigned char)(1u << (depth % 8));
				if (c == '[')
					arr[depth / 8] |= bit;
				else
					arr[depth / 8] &= (unsigned char)~bit;
			}
			depth++;
			prev = c;
			break;
		case '}':
		case ']':
			if (depth)
				depth--;
			prev = 'v';
			break;
		case ':':
		case ',':
			prev = c;
			break;
		case '\0':
			*nul = i;
			return (size_t)-1;
		case ' ':
		case '\t':
		case '\r':
		case '\n':
			break;
		default:
			prev = 'v';
			break;
		}
		if (out)
			out[o++] = (char)c;
		i++;
	}
	return q;
}

/* A string holding exactly an integer that fits int64: optional '-', digits. */
static int str_to_int64(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	if (n && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n || n - i > 19)
		return -1;
	uint64_t v = 0;
	for (; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
		return -1;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

/* The reference path: rewrite number tokens, then json_loadb. Gives jansson's error text. */
static json_t *parse_jansson(const char *buf, size_t len, char *why, size_t whylen)
{
	size_t nul = 0;
	size_t q = prescan(buf, len, NULL, NULL, &nul);
	if (q == (size_t)-1) {
		set_why(why, whylen, "invalid JSON at column %zu: NUL byte", nul + 1);
		return NULL;
	}
	const char *src = buf;
	size_t srclen = len;
	char *copy = NULL;
	size_t *offs = NULL;
	if (q) {
		size_t at = (len + 2 * q + _Alignof(size_t) - 1) & ~(_Alignof(size_t) - 1);
		copy = malloc(at + q * sizeof *offs);
		if (!copy) {
			set_why(why, whylen, "out of memory");
			return NULL;
		}
		offs = (size_t *)(void *)(copy + at);
		prescan(buf, len, copy, offs, &nul);
		src = copy;
		srclen = len + 2 * q;
	}

	json_error_t err;
	json_t *rec = json_loadb(src, srclen, 0, &err);
	if (!rec) {
		long col = err.column;
		for (size_t k = 0; k < q; k++)
			if (offs[k] + 2 * k < (size_t)err.position)
				col -= 2;
		set_why(why, whylen, "invalid JSON at column %ld: %s", col < 1 ? 1 : col, err.text);
	}
	free(copy);
	return rec;
}

/* The fast path: a direct builder of jansson values for the common case, producing exactly
 * what parse_jansson produces. It declines (NULL) anything unusual or invalid: deep nesting,
 * long escaped strings, \u0000, bad UTF-8, malformed JSON, allocation failure; the caller then
 * takes the reference path, which decides and explains. */
#define FAST_DEPTH 64
#define FAST_ESC 512

struct fast {
	const unsigned char *p, *e;
	int depth;
};

static inline void fast_ws(struct fast *f)
{
	while (f->p < f->e && (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r'))
		f->p++;
}

static int hex4(const unsigned char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* f->p is just past the opening quote. On success (*s, *n) is the string: in the input
 * when it has no escapes, else decoded into tmp (FAST_ESC bytes). 0, or -1 to decline. */
static int fast_string(struct fast *f, char *tmp, const char **s, size_t *n)
{
	const unsigned char *p = f->p, *e = f->e, *start = p;
	for (;;) {
		while (p < e && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p >= e)
			return -1;
		if (*p == '"') {
			*s = (const char *)start;
			*n = (size_t)(p - start);
			f->p = p + 1;
			return 0;
		}
		if (*p >= 0x80) {
			size_t k = lyra_utf8_seq(p, e);
			if (!k)
				return -1;
			p += k;
			continue;
		}
		break;   /* '\\' or a control character */
	}
	if (*p != '\\')
		return -1;
	size_t o = (size_t)(p - start);
	if (o > FAST_ESC - 8)
		return -1;
	memcpy(tmp, start, o);
	while (p < e) {
		unsigned char c = *p;
		if (o > FAST_ESC - 8)
			return -1;
		if (c == '"') {
			*s = tmp;
			*n = o;
			f->p = p + 1;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c >= 0x80) {
			size_t k = lyra_utf8_seq(p, e);
			if (!k)
				return -1;
			memcpy(tmp + o, p, k);
			o += k;
			p += k;
			continue;
		}
		if (c != '\\') {
			tmp[o++] = (char)c;
			p++;
			continue;
		}
		if (e - p < 2)
			return -1;
		c = p[1];
		p += 2;
		switch (c) {
		case '"': tmp[o++] = '"'; continue;
		case '\\': tmp[o++] = '\\'; continue;
		case '/': tmp[o++] = '/'; continue;
		case 'b': tmp[o++] = '\b'; continue;
		case 'f': tmp[o++] = '\f'; continue;
		case 'n': tmp[o++] = '\n'; continue;
		case 'r': tmp[o++] = '\r'; continue;
		case 't': tmp[o++] = '\t'; continue;
		case 'u': break;
		default: return -1;
		}
		unsigned cp, lo;
		if (e - p < 4 || hex4(p, &cp) < 0)
			return -1;
		p += 4;
		if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
			return -1;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) < 0
			    || lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			p += 6;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		}
		if (cp < 0x80) {
			tmp[o++] = (char)cp;
		} else if (cp < 0x800) {
			tmp[o++] = (char)(0xC0 | (cp >> 6));
			tmp[o++] = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			tmp[o++] = (char)(0xE0 | (cp >> 12));
			tmp[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			tmp[o++] = (char)(0x80 | (cp & 0x3F));
		} else {
			tmp[o++] = (char)(0xF0 | (cp >> 18));
			tmp[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
			tmp[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			tmp[o++] = (char)(0x80 | (cp & 0x3F));
		}
	}
	return -1;
}

static json_t *fast_value(struct fast *f);

static json_t *fast_number(struct fast *f)
{
	const char *s = (const char *)f->p;
	size_t tl;
	int kind = number_token(s, (size_t)(f->e - f->p), &tl);
	if (kind < 0)
		return NULL;
	f->p += tl;
	if (kind > 0)
		return json_stringn_nocheck(s, tl);
	int neg = s[0] == '-';
	uint64_t v = 0;
	for (size_t i = (size_t)neg; i < tl; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return json_integer(neg ? (json_int_t)(0 - v) : (json_int_t)v);
}

static json_t *fast_object(struct fast *f)
{
	json_t *obj = json_object();
	if (!obj)
		return NULL;
	char ktmp[FAST_ESC];
	fast_ws(f);
	if (f->p < f->e && *f->p == '}') {
		f->p++;
		return obj;
	}
	for (;;) {
		const char *k;
		size_t kn;
		if (f->p >= f->e || *f->p != '"')
			goto fail;
		f->p++;
		if (fast_string(f, ktmp, &k, &kn) < 0)
			goto fail;
		fast_ws(f);
		if (f->p >= f->e || *f->p != ':')
			goto fail;
		f->p++;
		json_t *v = fast_value(f);
		if (!v || json_object_setn_new_nocheck(obj, k, kn, v) < 0)
			goto fail;
		fast_ws(f);
		if (f->p >= f->e)
			goto fail;
		if (*f->p == '}') {
			f->p++;
			return obj;
		}
		if (*f->p != ',')
			goto fail;
		f->p++;
		fast_ws(f);
	}
fail:
	json_decref(obj);
	return NULL;
}

static json_t *fast_array(struct fast *f)
{
	json_t *arr = json_array();
	if (!arr)
		return NULL;
	fast_ws(f);
	if (f->p < f->e && *f->p == ']') {
		f->p++;
		return arr;
	}
	for (;;) {
		json_t *v = fast_value(f);
		if (!v || json_array_append_new(arr, v) < 0)
			goto fail;
		fast_ws(f);
		if (f->p >= f->e)
			goto fail;
		if (*f->p == ']') {
			f->p++;
			return arr;
		}
		if (*f->p != ',')
			goto fail;
		f->p++;
	}
fail:
	json_decref(arr);
	return NULL;
}

static json_t *fast_value(struct fast *f)
{
	fast_ws(f);
	if (f->p >= f->e)
		return NULL;
	unsigned char c = *f->p;
	size_t left = (size_t)(f->e - f->p);
	json_t *v;
	switch (c) {
	case '"': {
		char tmp[FAST_ESC];
		const char *s;
		size_t n;
		f->p++;
		if (fast_string(f, tmp, &s, &n) < 0)
			return NULL;
		return json_stringn_nocheck(s, n);
	}
	case '{':
	case '[':
		if (f->depth >= FAST_DEPTH)
			return NULL;
		f->depth++;
		f->p++;
		v = c == '{' ? fast_object(f) : fast_array(f);
		f->depth--;
		return v;
	case 't':
		if (left < 4 || memcmp(f->p, "true", 4) != 0)
			return NULL;
		f->p += 4;
		return json_true();
	case 'f':
		if (left < 5 || memcmp(f->p, "false", 5) != 0)
			return NULL;
		f->p += 5;
		return json_false();
	case 'n':
		if (left < 4 || memcmp(f->p, "null", 4) != 0)
			return NULL;
		f->p += 4;
		return json_null();
	default:
		if (c == '-' || is_digit(c))
			return fast_number(f);
		return NULL;
	}
}

/* allow_array: a top-level array is fine (venue payloads); records must be objects. */
static json_t *parse_fast(const char *buf, size_t len, int allow_array)
{
	struct fast f = {(const unsigned char *)buf, (const unsigned char *)buf + len, 0};
	fast_ws(&f);
	if (f.p >= f.e || !(*f.p == '{' || (allow_array && *f.p == '[')))
		return NULL;
	json_t *rec = fast_value(&f);
	if (!rec)
		return NULL;
	fast_ws(&f);
	if (f.p != f.e) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

json_t *lyra_record_parse(const char *buf, size_t len, char *why, size_t whylen)
{
	json_t *rec = parse_fast(buf, len, 0);
	if (!rec) {
		rec = parse_jansson(buf, len, why, whylen);
		if (!rec)
			return NULL;
	}

	if (!json_is_object(rec)) {
		set_why(why, whylen, "not a JSON object");
		goto fail;
	}
	json_t *t = json_object_get(rec, "type");
	if (!t) {
		set_why(why, whylen, "missing 'type'");
		goto fail;
	}
	if (!json_is_string(t)) {
		set_why(why, whylen, "'type' is not a string");
		goto fail;
	}
	json_t *ts = json_object_get(rec, "ts");
	if (!ts) {
		set_why(why, whylen, "missing 'ts'");
		goto fail;
	}
	if (!json_is_integer(ts)) {
		int64_t v;
		if (!json_is_string(ts)
		    || str_to_int64(json_string_value(ts), json_string_length(ts), &v) < 0) {
			set_why(why, whylen, "'ts' is not an integer");
			goto fail;
		}
		if (json_object_set_new(rec, "ts", json_integer(v)) < 0) {
			set_why(why, whylen, "out of memory");
			goto fail;
		}
	}
	/* The peek must agree, so forwarding and consuming stages see the same type. */
	const char *pt, *pwhy = NULL;
	size_t ptl;
	if (lyra_record_peek_type(buf, len, &pt, &ptl, &pwhy) < 0) {
		set_why(why, whylen, "%s", pwhy);
		goto fail;
	}
	if (ptl != json_string_length(t) || memcmp(pt, json_string_value(t), ptl) != 0) {
		set_why(why, whylen, "duplicate key 'type'");
		goto fail;
	}
	return rec;
fail:
	json_decref(rec);
	return NULL;
}

json_t *lyra_record_new(const char *type, int64_t ts)
{
	json_t *rec = json_object();
	if (!rec || json_object_set_new(rec, "type", json_string(type)) < 0
	    || json_object_set_new(rec, "ts", json_integer(ts)) < 0) {
		json_decref(rec);
		lyra_error(LYRA_EX_SOFTWARE, "cannot create record '%s': out of memory", type);
		return NULL;
	}
	return rec;
}

static int value_dec(const json_t *v, const char *key, struct lyra_dec *out)
{
	struct lyra_dec d;
	if (json_is_string(v)) {
		if (lyra_dec_parse(json_string_value(v), json_string_length(v), &d) < 0)
			return lyra_error_wrap("field '%s'", key);
		*out = d;
		return 0;
	}
	if (json_is_integer(v)) {
		*out = lyra_dec_from_int((int64_t)json_integer_value(v));
		return 0;
	}
	return lyra_error(LYRA_EX_DATAERR, "field '%s' is not a decimal", key);
}

static int value_ts(const json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v))
		return str_to_int64(json_string_value(v), json_string_length(v), out);
	return -1;
}

int lyra_json_get_dec(const json_t *obj, const char *key, struct lyra_dec *out)
{
	const json_t *v = json_object_get(obj, key);
	if (!v)
		return lyra_error(LYRA_EX_DATAERR, "missing field '%s'", key);
	return value_dec(v, key, out);
}

int lyra_json_get_ts(const json_t *obj, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	if (!v)
		return lyra_error(LYRA_EX_DATAERR, "missing field '%s'", key);
	int64_t t;
	if (value_ts(v, &t) < 0)
		return lyra_error(LYRA_EX_DATAERR, "field '%s' is not a timestamp", key);
	*out = t;
	return 0;
}

int lyra_json_get_int(const json_t *obj, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(obj, key);
	if (!v)
		return lyra_error(LYRA_EX_DATAERR, "missing field '%s'", key);
	if (!json_is_integer(v))
		return lyra_error(LYRA_EX_DATAERR, "field '%s' is not an integer", key);
	*out = (int64_t)json_integer_value(v);
	return 0;
}

const char *lyra_json_get_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (!v) {
		lyra_error(LYRA_EX_DATAERR, "missing field '%s'", key);
		return NULL;
	}
	if (!json_is_string(v)) {
		lyra_error(LYRA_EX_DATAERR, "field '%s' is not a string", key);
		return NULL;
	}
	return json_string_value(v);
}

int lyra_json_opt_dec(const json_t *obj, const char *key, struct lyra_dec *out)
{
	const json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 1;
	return value_dec(v, key, out);
}

static int set_new(json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot set field '%s'", key);
	return 0;
}

int lyra_json_set_dec(json_t *obj, const char *key, struct lyra_dec d)
{
	char b[LYRA_DEC_STRLEN];
	int n = lyra_dec_format(d, b);
	return set_new(obj, key, json_stringn(b, (size_t)n));
}

int lyra_json_set_str(json_t *obj, const char *key, const char *s)
{
	json_t *v = s ? json_string(s) : NULL;
	if (!v)
		return lyra_error(LYRA_EX_DATAERR, "cannot set field '%s': not a UTF-8 string", key);
	return set_new(obj, key, v);
}

int lyra_json_set_int(json_t *obj, const char *key, int64_t v)
{
	return set_new(obj, key, json_integer(v));
}

/* The compact encoder: byte-for-byte what json_dumpb(JSON_COMPACT) writes, without its
 * per-byte callbacks. Reals (never made by lyra_record_parse) take jansson's path. */
struct enc {
	char *b;
	size_t n, cap;
	char *heap;
};

#define ENC_OOM (-1)
#define ENC_JANSSON (-2)

static int enc_reserve(struct enc *o, size_t more)
{
	if (more <= o->cap - o->n)
		return 0;
	size_t cap = o->cap * 2;
	while (cap - o->n < more)
		cap *= 2;
	char *nb = realloc(o->heap, cap);
	if (!nb)
		return ENC_OOM;
	if (!o->heap)
		memcpy(nb, o->b, o->n);
	o->heap = o->b = nb;
	o->cap = cap;
	return 0;
}

/* eight bytes that need no escaping (no '"', '\\', control byte) in one test */
static inline int clean8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t x, q, b;
	memcpy(&x, p, 8);
	q = x ^ (ones * '"');
	b = x ^ (ones * '\\');
	return (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x)) & high ? 0 : 1;
}

size_t lyra_json_quote(char *dst, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str, *e = s + n;
	char *w = dst;
	*w++ = '"';
	while (s < e) {
		const unsigned char *run = s;
		while (e - s >= 8 && clean8(s))
			s += 8;
		while (s < e && *s >= 0x20 && *s != '"' && *s != '\\')
			s++;
		memcpy(w, run, (size_t)(s - run));
		w += s - run;
		if (s == e)
			break;
		unsigned char c = *s++;
		*w++ = '\\';
		switch (c) {
		case '"': *w++ = '"'; break;
		case '\\': *w++ = '\\'; break;
		case '\b': *w++ = 'b'; break;
		case '\f': *w++ = 'f'; break;
		case '\n': *w++ = 'n'; break;
		case '\r': *w++ = 'r'; break;
		case '\t': *w++ = 't'; break;
		default:
			*w++ = 'u';
			*w++ = '0';
			*w++ = '0';
			*w++ = hex[c >> 4];
			*w++ = hex[c & 15];
		}
	}
	*w++ = '"';
	return (size_t)(w - dst);
}

static int enc_string(struct enc *o, const char *str, size_t n)
{
	if (n > (SIZE_MAX - 2) / 6 || enc_reserve(o, 6 * n + 2) < 0)
		return ENC_OOM;
	o->n += lyra_json_quote(o->b + o->n, str, n);
	return 0;
}

static int enc_int(struct enc *o, json_int_t v)
{
	char t[24];
	size_t i = sizeof t;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		t[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		t[--i] = '-';
	if (enc_reserve(o, sizeof t - i) < 0)
		return ENC_OOM;
	memcpy(o->b + o->n, t + i, sizeof t - i);
	o->n += sizeof t - i;
	return 0;
}

static int enc_lit(struct enc *o, const char *s, size_t n)
{
	if (enc_reserve(o, n) < 0)
		return ENC_OOM;
	memcpy(o->b + o->n, s, n);
	o->n += n;
	return 0;
}

static int enc_value(struct enc *o, const json_t *v, int depth)
{
	int r;
	if (depth > MAX_DEPTH)
		return ENC_JANSSON;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		json_t *obj = (json_t *)(uintptr_t)v;
		if ((r = enc_lit(o, "{", 1)) < 0)
			return r;
		int first = 1;
		for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
			if ((!first && (r = enc_lit(o, ",", 1)) < 0)
			    || (r = enc_string(o, json_object_iter_key(it), json_object_iter_key_len(it))) < 0
			    || (r = enc_lit(o, ":", 1)) < 0
			    || (r = enc_value(o, json_object_iter_value(it), depth + 1)) < 0)
				return r;
			first = 0;
		}
		return enc_lit(o, "}", 1);
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(v);
		if ((r = enc_lit(o, "[", 1)) < 0)
			return r;
		for (size_t i = 0; i < n; i++)
			if ((i && (r = enc_lit(o, ",", 1)) < 0)
			    || (r = enc_value(o, json_array_get(v, i), depth + 1)) < 0)
				return r;
		return enc_lit(o, "]", 1);
	}
	case JSON_STRING:
		return enc_string(o, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return enc_int(o, json_integer_value(v));
	case JSON_TRUE:
		return enc_lit(o, "true", 4);
	case JSON_FALSE:
		return enc_lit(o, "false", 5);
	case JSON_NULL:
		return enc_lit(o, "null", 4);
	default:
		return ENC_JANSSON;
	}
}

static int out_json_jansson(const json_t *rec)
{
	char sb[4096];
	size_t n = json_dumpb(rec, sb, sizeof sb, DUMP_FLAGS);
	if (n == 0)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot encode record");
	if (n <= sizeof sb)
		return lyra_out_raw(sb, n);
	char *b = malloc(n);
	if (!b)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot encode record: out of memory");
	int r;
	if (json_dumpb(rec, b, n, DUMP_FLAGS) != n)
		r = lyra_error(LYRA_EX_SOFTWARE, "cannot encode record");
	else
		r = lyra_out_raw(b, n);
	free(b);
	return r;
}

int lyra_out_json(const json_t *rec)
{
	char sb[4096];
	struct enc o = {sb, 0, sizeof sb, NULL};
	int r = rec ? enc_value(&o, rec, 0) : ENC_JANSSON;
	if (r == 0)
		r = lyra_out_raw(o.b, o.n);
	else if (r == ENC_JANSSON)
		r = out_json_jansson(rec);
	else
		r = lyra_error(LYRA_EX_SOFTWARE, "cannot encode record: out of memory");
	free(o.heap);
	return r;
}

char *lyra_record_dump(const json_t *rec)
{
	char sb[1024];
	struct enc o = {sb, 0, sizeof sb, NULL};
	int r = rec ? enc_value(&o, rec, 0) : ENC_JANSSON;
	if (r == ENC_JANSSON) {
		free(o.heap);
		return rec ? json_dumps(rec, DUMP_FLAGS) : NULL;
	}
	char *out = NULL;
	if (r == 0 && (out = malloc(o.n + 1)) != NULL) {
		memcpy(out, o.b, o.n);
		out[o.n] = '\0';
	}
	free(o.heap);
	return out;
}

#define HEAD {"type", "str"}, {"ts", "ts"}
#define END {NULL, NULL}
#define VS {"venue", "str"}, {"symbol", "str"}

static const struct lyra_field_spec f_book[] = {
	HEAD, VS, {"seq", "int"}, {"bids", "levels"}, {"asks", "levels"}, END};
static const struct lyra_field_spec f_bbo[] = {
	HEAD, VS, {"bid_px", "dec"}, {"bid_qty", "dec"}, {"ask_px", "dec"}, {"ask_qty", "dec"}, END};
static const struct lyra_field_spec f_trade[] = {
	HEAD, VS, {"id", "str"}, {"side", "str"}, {"px", "dec"}, {"qty", "dec"}, END};
static const struct lyra_field_spec f_candle[] = {
	HEAD, VS, {"interval", "str"}, {"open", "dec"}, {"high", "dec"}, {"low", "dec"},
	{"close", "dec"}, {"volume", "dec"}, END};
static const struct lyra_field_spec f_funding[] = {
	HEAD, VS, {"rate", "dec"}, {"next_ts", "ts"}, END};
static const struct lyra_field_spec f_market[] = {
	HEAD, VS, {"venue_symbol", "str"}, {"base", "str"}, {"quote", "str"},
	{"instrument", "str"}, {"tick", "dec"}, {"lot", "dec"}, {"min_qty", "dec"},
	{"min_notional", "dec"}, {"maker_fee", "dec"}, {"taker_fee", "dec"}, {"status", "str"}, END};
static const struct lyra_field_spec f_reason[] = {
	HEAD, VS, {"reason", "str"}, END};
static const struct lyra_field_spec f_stale[] = {
	HEAD, VS, {"last_ts", "ts"}, END};
static const struct lyra_field_spec f_clock_drift[] = {
	HEAD, VS, {"state", "str"}, {"drift", "int"}, {"max_drift", "int"}, {"venue_ts", "ts"}, END};
static const struct lyra_field_spec f_opportunity[] = {
	HEAD, {"kind", "str"}, {"legs", "array"}, {"edge_bps", "dec"}, {"profit", "dec"}, END};
static const struct lyra_field_spec f_order[] = {
	HEAD, {"id", "str"}, VS, {"side", "str"}, {"kind", "str"}, {"qty", "dec"}, END};
static const struct lyra_field_spec f_cancel[] = {
	HEAD, {"id", "str"}, {"venue", "str"}, END};
static const struct lyra_field_spec f_reject[] = {
	HEAD, {"id", "str"}, {"reasons", "array"}, END};
static const struct lyra_field_spec f_order_event[] = {
	HEAD, {"id", "str"}, VS, {"status", "str"}, END};
static const struct lyra_field_spec f_fill[] = {
	HEAD, {"id", "str"}, VS, {"side", "str"}, {"px", "dec"}, {"qty", "dec"}, {"fee", "dec"},
	{"fee_ccy", "str"}, {"liquidity", "str"}, {"trade_id", "str"}, END};
static const struct lyra_field_spec f_position[] = {
	HEAD, VS, {"qty", "dec"}, {"avg_px", "dec"}, END};
static const struct lyra_field_spec f_balance[] = {
	HEAD, {"venue", "str"}, {"asset", "str"}, {"free", "dec"}, {"total", "dec"}, END};
static const struct lyra_field_spec f_signal[] = {
	HEAD, {"kind", "str"}, {"symbol", "str"}, {"value", "dec"}, END};
static const struct lyra_field_spec f_error[] = {
	HEAD, {"prog", "str"}, {"reason", "str"}, END};
static const struct lyra_field_spec f_audit[] = {
	HEAD, {"seq", "int"}, {"actor", "str"}, {"action", "str"}, {"object", "str"},
	{"details", "object"}, {"prev_hash", "str"}, {"hash", "str"}, END};
static const struct lyra_field_spec f_audit_segment[] = {
	HEAD, {"kind", "str"}, {"entries", "int"}, {"first_seq", "int"}, {"last_seq", "int"},
	{"first_prev_hash", "str"}, {"last_hash", "str"}, END};
static const struct lyra_field_spec f_audit_anchor[] = {
	HEAD, {"seq", "int"}, {"hash", "str"}, END};
static const struct lyra_field_spec f_backup[] = {
	HEAD, {"id", "str"}, {"kind", "str"}, {"full", "str"}, {"chain", "int"}, {"size", "int"},
	{"status", "str"}, {"audit_seq", "int"}, {"audit_hash", "str"}, {"sha256", "str"},
	{"file", "str"}, END};
static const struct lyra_field_spec f_backup_prune[] = {
	HEAD, {"id", "str"}, {"kind", "str"}, {"action", "str"}, {"why", "str"}, END};
static const struct lyra_field_spec f_position_summary[] = {
	HEAD, {"by", "str"}, END};
static const struct lyra_field_spec f_pnl[] = {
	HEAD, {"by", "str"}, {"key", "str"}, {"quote", "str"}, {"fills", "int"},
	{"realized_pnl", "dec"}, {"fees", "dec"}, END};
static const struct lyra_field_spec f_perf[] = {
	HEAD, {"by", "str"}, {"key", "str"}, {"quote", "str"}, {"days", "int"}, {"capital", "dec"},
	{"pnl", "dec"}, {"max_drawdown", "dec"}, {"trades", "int"}, END};
static const struct lyra_field_spec f_cgt_event[] = {
	HEAD, {"asset", "str"}, {"acquired", "str"}, {"disposed", "str"}, {"qty", "dec"},
	{"cost_aud", "dec"}, {"proceeds_aud", "dec"}, {"gain_aud", "dec"}, {"discount", "str"}, END};
static const struct lyra_field_spec f_cgt_summary[] = {
	HEAD, {"fy", "str"}, {"entity", "str"}, {"method", "str"}, {"label_h", "dec"},
	{"label_a", "dec"}, {"label_v", "dec"}, END};

static const struct lyra_field_spec f_cancel_reject[] = {
	HEAD, {"id", "str"}, {"venue", "str"}, {"reason", "str"},  END};

static const struct lyra_field_spec f_order_status[] = {
	HEAD, {"id", "str"}, {"venue", "str"}, {"symbol", "str"}, {"side", "str"}, {"kind", "str"}, {"qty", "dec"}, {"filled_qty", "dec"}, {"status", "str"},  END};

static const struct lyra_field_spec f_recon_diff[] = {
	HEAD, {"venue", "str"}, {"kind", "str"}, {"id", "str"}, {"store", "str"}, {"venue_value", "str"},  END};

static const struct lyra_field_spec f_signed_request[] = {
	HEAD, {"venue", "str"}, {"method", "str"}, {"url", "str"}, {"headers", "object"}, {"signature", "str"},  END};

static const struct lyra_field_spec f_algo_report[] = {
	HEAD, {"id", "str"}, {"algo", "str"}, {"venue", "str"}, {"symbol", "str"}, {"side", "str"}, {"qty", "dec"}, {"filled_qty", "dec"}, {"children", "int"}, {"status", "str"},  END};

static const struct lyra_field_spec f_sync[] = {
	HEAD, {"id", "str"},  END};

static const struct lyra_record_spec specs[] = {
	{"book", f_book, "order book snapshot"},
	{"book_delta", f_book, "changes to a book; qty \"0\" removes the level"},
	{"bbo", f_bbo, "best bid and offer"},
	{"trade", f_trade, "a public trade"},
	{"candle", f_candle, "OHLCV bar starting at ts"},
	{"funding", f_funding, "perpetual funding rate"},
	{"market", f_market, "instrument rules"},
	{"gap", f_reason, "data missed: sequence gap, failed checksum"},
	{"resync", f_reason, "a book was rebuilt from a new snapshot"},
	{"stale", f_stale, "no data within the allowed interval"},
	{"clock_drift", f_clock_drift, "venue event time off local receive time beyond a bound, or back"},
	{"opportunity", f_opportunity, "an arbitrage opportunity net of costs"},
	{"order", f_order, "an order intent (client order id)"},
	{"cancel", f_cancel, "a request to cancel an order"},
	{"reject", f_reject, "an order refused by risk, with every failed rule"},
	{"order_event", f_order_event, "an order's status changed"},
	{"fill", f_fill, "an execution"},
	{"position", f_position, "a position after a change"},
	{"balance", f_balance, "an account balance"},
	{"signal", f_signal, "a trading signal"},
	{"error", f_error, "a rejected input line or a failure"},
	{"audit", f_audit, "an entry of the audit chain"},
	{"audit_segment", f_audit_segment, "the chain segment an export or archive holds"},
	{"audit_anchor", f_audit_anchor, "the audit chain head, kept elsewhere"},
	{"backup", f_backup, "a backup in the catalogue"},
	{"backup_prune", f_backup_prune, "what retention keeps or removes, and why"},
	{"position_summary", f_position_summary, "positions and PnL grouped for a report"},
	{"pnl", f_pnl, "realised PnL and fees of a day, week, month, symbol or strategy"},
	{"perf", f_perf, "performance over a period: returns, risk, drawdown, trades"},
	{"cgt_event", f_cgt_event, "a disposal (CGT event A1) matched to one lot, in AUD"},
	{"cgt_summary", f_cgt_summary, "a financial year's capital gains, return labels"},
	{"cancel_reject", f_cancel_reject, "a cancel or amend oms could not carry out"},
	{"order_status", f_order_status, "a stored order as oms list and show print it"},
	{"recon_diff", f_recon_diff, "a difference between the store and a venue"},
	{"signed_request", f_signed_request, "a signed venue request, shown and not sent"},
	{"algo_report", f_algo_report, "a parent order's outcome: fill, slippage, participation"},
	{"sync", f_sync, "execalgo's feedback marker, forwarded by every stage"},
	{NULL, NULL, NULL},
};

const struct lyra_record_spec *lyra_record_specs(void)
{
	return specs;
}

const struct lyra_record_spec *lyra_record_spec_find(const char *type)
{
	if (!type)
		return NULL;
	for (const struct lyra_record_spec *s = specs; s->type; s++)
		if (strcmp(s->type, type) == 0)
			return s;
	return NULL;
}

static int is_dec(const json_t *v)
{
	struct lyra_dec d;
	if (json_is_integer(v))
		return 1;
	return json_is_string(v) && lyra_dec_parse(json_string_value(v), json_string_length(v), &d) == 0;
}

static int is_levels(const json_t *v)
{
	size_t i;
	const json_t *lv;
	if (!json_is_array(v))
		return 0;
	json_array_foreach(v, i, lv) {
		if (!json_is_array(lv) || json_array_size(lv) != 2 || !is_dec(json_array_get(lv, 0))
		    || !is_dec(json_array_get(lv, 1)))
			return 0;
	}
	return 1;
}

/* NULL when v is of kind, else the noun phrase for the reason. */
static const char *kind_mismatch(const json_t *v, const char *kind)
{
	int64_t t;
	switch (kind[0]) {
	case 's':
		return json_is_string(v) ? NULL : "a string";
	case 'd':
		return is_dec(v) ? NULL : "a decimal";
	case 't':
		return value_ts(v, &t) == 0 ? NULL : "a timestamp";
	case 'i':
		return json_is_integer(v) ? NULL : "an integer";
	case 'l':
		return is_levels(v) ? NULL : "a list of [px,qty] levels";
	case 'a':
		if (strcmp(kind, "array") == 0)
			return json_is_array(v) ? NULL : "an array";
		return NULL;
	case 'o':
		return json_is_object(v) ? NULL : "an object";
	default:
		return "of a known kind";
	}
}

int lyra_record_validate(const json_t *rec, char *why, size_t whylen)
{
	if (!json_is_object(rec)) {
		set_why(why, whylen, "not a JSON object");
		return -1;
	}
	const json_t *t = json_object_get(rec, "type");
	if (!t) {
		set_why(why, whylen, "missing field 'type'");
		return -1;
	}
	if (!json_is_string(t)) {
		set_why(why, whylen, "field 'type' is not a string");
		return -1;
	}
	const struct lyra_record_spec *spec = lyra_record_spec_find(json_string_value(t));
	if (!spec) {
		set_why(why, whylen, "unknown record type '%s'", json_string_value(t));
		return -1;
	}
	for (const struct lyra_field_spec *f = spec->required; f->name; f++) {
		const json_t *v = json_object_get(rec, f->name);
		if (!v) {
			set_why(why, whylen, "missing field '%s'", f->name);
			return -1;
		}
		const char *want = kind_mismatch(v, f->kind);
		if (want) {
			set_why(why, whylen, "field '%s' is not %s", f->name, want);
			return -1;
		}
	}
	return 0;
}

json_t *lyra_json_loads_exact(const char *buf, size_t len, char *why, size_t whylen)
{
	json_t *v = parse_fast(buf, len, 1);
	return v ? v : parse_jansson(buf, len, why, whylen);
}
