/* flatjson.c: the flat-object scanner and the compact line writer of flatjson.h. */
#include <stdlib.h>
#include <string.h>

#include "flatjson.h"
#include "record.h"
#include "utf8.h"

static inline int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
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

/* 1 for the bytes a string holds as they are: printable ASCII but '"' and '\\'. */
static const unsigned char plain[256] = {
#define R4(x) x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
	R16(0), R16(0),                                  /* 0x00-0x1f */
	1, 1, 0, R4(1), R4(1), R4(1), 1,                 /* 0x20-0x2f: '"' */
	R16(1), R16(1),                                  /* 0x30-0x4f */
	R4(1), R4(1), R4(1), 0, 1, 1, 1,                 /* 0x50-0x5f: '\\' */
	R16(1), R16(1),                                  /* 0x60-0x7f */
	R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0),
#undef R16
#undef R4
};

/* The scanner reads the line and writes into a copy of it (fj->buf, same offsets): a plain
 * string or a number is used where it stands in the copy, NUL-terminated by overwriting the
 * byte after it (its closing quote, or the separator after a number); an escaped string is
 * decoded in place (escapes only shrink). */
struct scan {
	const unsigned char *p, *e, *line;
	char *copy;
};

static inline char *at(const struct scan *s, const unsigned char *p)
{
	return s->copy + (p - s->line);
}

/* s->p is just past the opening quote. Decodes in place, NUL-terminates, sets out and n. */
static int scan_string(struct scan *s, const char **out, size_t *n)
{
	const unsigned char *p = s->p, *e = s->e;
	char *w = at(s, p), *start = w;
	for (;;) {
		const unsigned char *run = p;
		while (p < e && plain[*p])
			p++;
		memcpy(w, run, (size_t)(p - run));   /* from the line: w never passes p */
		w += p - run;
		if (p >= e)
			return -1;
		unsigned char c = *p;
		if (c == '"')
			break;
		if (c >= 0x80) {
			size_t k = lyra_utf8_seq(p, e);
			if (!k)
				return -1;
			memcpy(w, p, k);
			w += k;
			p += k;
			continue;
		}
		if (c != '\\' || e - p < 2)
			return -1;    /* a control character, or a truncated escape */
		c = p[1];
		p += 2;
		switch (c) {
		case '"': *w++ = '"'; continue;
		case '\\': *w++ = '\\'; continue;
		case '/': *w++ = '/'; continue;
		case 'b': *w++ = '\b'; continue;
		case 'f': *w++ = '\f'; continue;
		case 'n': *w++ = '\n'; continue;
		case 'r': *w++ = '\r'; continue;
		case 't': *w++ = '\t'; continue;
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
			if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) < 0 ||
			    lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			p += 6;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		}
		if (cp < 0x80) {
			*w++ = (char)cp;
		} else if (cp < 0x800) {
			*w++ = (char)(0xC0 | (cp >> 6));
			*w++ = (char)(0x80 | (cp & 0x3F));
		} else if (cp < 0x10000) {
			*w++ = (char)(0xE0 | (cp >> 12));
			*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
			*w++ = (char)(0x80 | (cp & 0x3F));
		} else {
			*w++ = (char)(0xF0 | (cp >> 18));
			*w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
			*w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
			*w++ = (char)(0x80 | (cp & 0x3F));
		}
	}
	*w = '\0';
	*out = start;
	*n = (size_t)(w - start);
	s->p = p + 1;
	return 0;
}

/* A JSON number at s->p: copies its text, classifies it INT (fits int64) or NUM. */
static int scan_number(struct scan *s, struct lyra_fj_field *f)
{
	const unsigned char *p = s->p, *e = s->e, *d0;
	int neg = 0, frac = 0;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	d0 = p;
	if (p < e && *p == '0')
		p++;
	else if (p < e && is_digit(*p) )
		while (p < e && is_digit(*p))
			p++;
	else
		return -1;
	size_t ndig = (size_t)(p - d0);
	if (p < e && *p == '.') {
		p++;
		if (p >= e || !is_digit(*p))
			return -1;
		while (p < e && is_digit(*p))
			p++;
		frac = 1;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		if (p >= e || !is_digit(*p))
			return -1;
		while (p < e && is_digit(*p))
			p++;
		frac = 1;
	}
	size_t tl = (size_t)(p - s->p);
	int num = frac || ndig > 19 ||
	          (ndig == 19 &&
	           memcmp(d0, neg ? "9223372036854775808" : "9223372036854775807", 19) > 0);
	if (!num) {
		uint64_t v = 0;
		for (const unsigned char *q = d0; q < p; q++)
			v = v * 10 + (uint64_t)(*q - '0');
		f->i = neg ? (int64_t)(0 - v) : (int64_t)v;
	}
	f->kind = num ? LYRA_FJ_NUM : LYRA_FJ_INT;
	f->str = at(s, s->p);
	f->len = tl;
	*at(s, p) = '\0';    /* the separator after the token, in the copy */
	s->p = p;
	return 0;
}

static int scan_literal(struct scan *s, struct lyra_fj_field *f, const char *lit, size_t n,
                        enum lyra_fj_kind kind)
{
	if ((size_t)(s->e - s->p) < n || memcmp(s->p, lit, n) != 0)
		return -1;
	f->kind = kind;
	f->str = lit;
	f->len = n;
	s->p += n;
	return 0;
}

/* The common case inline: a string of plain bytes; anything else goes to scan_string. */
static inline int string_at(struct scan *s, const char **out, size_t *n)
{
	const unsigned char *p = s->p, *e = s->e;
	while (p < e && plain[*p])
		p++;
	if (p < e && *p == '"') {
		*out = at(s, s->p);
		*n = (size_t)(p - s->p);
		*at(s, p) = '\0';
		s->p = p + 1;
		return 0;
	}
	return scan_string(s, out, n);
}

int lyra_fj_scan(const char *line, size_t len, struct lyra_fj *fj)
{
	struct scan s = { (const unsigned char *)line, (const unsigned char *)line + len,
	                  (const unsigned char *)line, fj->buf };
	uint64_t seen = 0;   /* a bit per (key length, first byte) hash: duplicates are rare */
	fj->n = 0;
	if (len > LYRA_FJ_MAX_LINE)
		return -1;
	memcpy(fj->buf, line, len);
	fj->buf[len] = '\0';
	while (s.p < s.e && is_ws(*s.p))
		s.p++;
	if (s.p >= s.e || *s.p != '{')
		return -1;
	s.p++;
	while (s.p < s.e && is_ws(*s.p))
		s.p++;
	if (s.p < s.e && *s.p == '}') {
		s.p++;
		goto end;
	}
	for (;;) {
		if (fj->n == LYRA_FJ_MAX_FIELDS || s.p >= s.e || *s.p != '"')
			return -1;
		struct lyra_fj_field *f = &fj->f[fj->n];
		const unsigned char *k0 = s.p++;
		if (string_at(&s, &f->key, &f->klen) < 0)
			return -1;
		int canon = (size_t)(s.p - k0) == f->klen + 2;   /* no escapes in the key */
		unsigned h = (unsigned)(f->klen * 7 + (f->klen ? (unsigned char)f->key[0] : 0)) & 63;
		if (seen & ((uint64_t)1 << h)) {
			for (int i = 0; i < fj->n; i++)
				if (fj->f[i].klen == f->klen && memcmp(fj->f[i].key, f->key, f->klen) == 0)
					return -1;   /* duplicate key: jansson keeps the last, leave it to it */
		}
		seen |= (uint64_t)1 << h;
		if (s.p < s.e && *s.p == ':') {
			s.p++;
		} else {
			canon = 0;
			while (s.p < s.e && is_ws(*s.p))
				s.p++;
			if (s.p >= s.e || *s.p != ':')
				return -1;
			s.p++;
		}
		if (s.p < s.e && is_ws(*s.p)) {
			canon = 0;
			while (s.p < s.e && is_ws(*s.p))
				s.p++;
		}
		if (s.p >= s.e)
			return -1;
		const unsigned char *v0 = s.p;
		int rc;
		switch (*s.p) {
		case '"':
			s.p++;
			f->kind = LYRA_FJ_STR;
			f->i = 0;
			rc = string_at(&s, &f->str, &f->len);
			break;
		case 't': rc = scan_literal(&s, f, "true", 4, LYRA_FJ_TRUE); break;
		case 'f': rc = scan_literal(&s, f, "false", 5, LYRA_FJ_FALSE); break;
		case 'n': rc = scan_literal(&s, f, "null", 4, LYRA_FJ_NULL); break;
		default:
			rc = *s.p == '-' || is_digit(*s.p) ? scan_number(&s, f) : -1;
			break;
		}
		if (rc < 0)
			return -1;
		if (f->kind == LYRA_FJ_STR)
			canon &= (size_t)(s.p - v0) == f->len + 2;
		else if (f->kind == LYRA_FJ_NUM)
			canon = 0;
		else if (f->kind == LYRA_FJ_INT)
			canon &= !(f->i == 0 && *v0 == '-');
		f->canon = canon;
		f->raw = (const char *)k0;
		f->rawlen = (size_t)(s.p - k0);
		fj->n++;
		while (s.p < s.e && is_ws(*s.p))
			s.p++;
		if (s.p >= s.e)
			return -1;
		if (*s.p == '}') {
			s.p++;
			break;
		}
		if (*s.p != ',')
			return -1;
		s.p++;
		while (s.p < s.e && is_ws(*s.p))
			s.p++;
	}
end:
	while (s.p < s.e && is_ws(*s.p))
		s.p++;
	return s.p == s.e ? 0 : -1;
}

int lyra_fj_dec(const struct lyra_fj_field *f, struct lyra_dec *out)
{
	if (!f)
		return -1;
	if (f->kind == LYRA_FJ_INT) {
		*out = lyra_dec_from_int(f->i);
		return 0;
	}
	if (f->kind == LYRA_FJ_STR || f->kind == LYRA_FJ_NUM)
		return lyra_dec_parse(f->str, f->len, out) < 0 ? -1 : 0;
	return -1;
}

int lyra_fj_ts(const struct lyra_fj_field *f, int64_t *out)
{
	if (!f)
		return -1;
	if (f->kind == LYRA_FJ_INT) {
		*out = f->i;
		return 0;
	}
	if (f->kind != LYRA_FJ_STR)
		return -1;
	const char *s = f->str;
	size_t n = f->len, i = 0;
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

int lyra_fj_utf8_ok(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str, *e = s + n;
	while (s < e) {
		if (*s < 0x80) {
			s++;
			continue;
		}
		size_t k = lyra_utf8_seq(s, e);
		if (!k)
			return 0;
		s += k;
	}
	return 1;
}

/* ---- writing ---- */

void lyra_fj_out_init(struct lyra_fj_out *w)
{
	memset(w, 0, sizeof *w);
}

void lyra_fj_out_free(struct lyra_fj_out *w)
{
	free(w->b);
	memset(w, 0, sizeof *w);
}

int lyra_fj_out_grow(struct lyra_fj_out *w, size_t more)
{
	if (w->oom)
		return -1;
	if (more <= w->cap - w->n)
		return 0;
	size_t cap = w->cap ? w->cap : 1024;
	while (cap - w->n < more) {
		if (cap > SIZE_MAX / 2) {
			w->oom = 1;
			return -1;
		}
		cap *= 2;
	}
	char *nb = realloc(w->b, cap);
	if (!nb) {
		w->oom = 1;
		return -1;
	}
	w->b = nb;
	w->cap = cap;
	return 0;
}

void lyra_fj_put_str(struct lyra_fj_out *w, const char *str, size_t n)
{
	if (n > (SIZE_MAX - 2) / 6) {
		w->oom = 1;
		return;
	}
	if (6 * n + 2 > w->cap - w->n && lyra_fj_out_grow(w, 6 * n + 2) < 0)
		return;
	w->n += lyra_json_quote(w->b + w->n, str, n);
}

void lyra_fj_put_int(struct lyra_fj_out *w, int64_t v)
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
	lyra_fj_put(w, t + i, sizeof t - i);
}

void lyra_fj_put_value(struct lyra_fj_out *w, const struct lyra_fj_field *f)
{
	switch (f->kind) {
	case LYRA_FJ_STR:
		lyra_fj_put_str(w, f->str, f->len);
		break;
	case LYRA_FJ_INT:
		lyra_fj_put_int(w, f->i);
		break;
	case LYRA_FJ_NUM:
		lyra_fj_put(w, "\"", 1);
		lyra_fj_put(w, f->str, f->len);
		lyra_fj_put(w, "\"", 1);
		break;
	default:
		lyra_fj_put(w, f->str, f->len);
		break;
	}
}

void lyra_fj_put_member(struct lyra_fj_out *w, const struct lyra_fj_field *f)
{
	if (f->canon) {
		lyra_fj_put(w, f->raw, f->rawlen);
		return;
	}
	lyra_fj_put_str(w, f->key, f->klen);
	lyra_fj_put(w, ":", 1);
	lyra_fj_put_value(w, f);
}
