/* metrics.c: a program's Prometheus samples and their atomic textfile (exposition format 0.0.4,
 * as read by node_exporter's textfile collector). Families are kept in declaration order, samples
 * in insertion order; a sample is identified by its family and its labels string. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "error.h"
#include "metrics.h"

struct family {
	char *name;
	char *help;
	enum lyra_metric_type type;
};

struct sample {
	size_t fam;
	char *labels;          /* NULL when there are no extra labels */
	int is_int;
	int64_t iv;
	char *text;            /* the decimal text when !is_int; capacity text_cap */
	size_t text_cap;
};

struct lyra_metrics {
	char *prog;            /* escaped for a label value */
	struct family *fams;
	size_t nfams, capfams;
	struct sample *samples;
	size_t nsamples, capsamples;
};

static int oom(void)
{
	return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
}

int lyra_metrics_escape(const char *value, char *buf, size_t n)
{
	size_t o = 0;
	for (const char *p = value; *p; p++) {
		const char *rep = NULL;
		if (*p == '\\')
			rep = "\\\\";
		else if (*p == '"')
			rep = "\\\"";
		else if (*p == '\n')
			rep = "\\n";
		size_t k = rep ? 2 : 1;
		if (o + k >= n)
			return -1;
		if (rep) {
			buf[o] = rep[0];
			buf[o + 1] = rep[1];
		} else {
			buf[o] = *p;
		}
		o += k;
	}
	if (o >= n)
		return -1;
	buf[o] = '\0';
	return (int)o;
}

struct lyra_metrics *lyra_metrics_new(const char *prog)
{
	struct lyra_metrics *m = calloc(1, sizeof *m);
	if (!prog)
		prog = "";
	size_t cap = 2 * strlen(prog) + 1;
	if (!m || !(m->prog = malloc(cap))) {
		free(m);
		oom();
		return NULL;
	}
	lyra_metrics_escape(prog, m->prog, cap);
	return m;
}

void lyra_metrics_free(struct lyra_metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfams; i++) {
		free(m->fams[i].name);
		free(m->fams[i].help);
	}
	for (size_t i = 0; i < m->nsamples; i++) {
		free(m->samples[i].labels);
		free(m->samples[i].text);
	}
	free(m->fams);
	free(m->samples);
	free(m->prog);
	free(m);
}

static int valid_name(const char *s)
{
	if (!s || !*s)
		return 0;
	for (const char *p = s; *p; p++) {
		char c = *p;
		int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
		if (!alpha && (p == s || c < '0' || c > '9'))
			return 0;
	}
	return 1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

static long find_family(const struct lyra_metrics *m, const char *name)
{
	for (size_t i = 0; i < m->nfams; i++)
		if (strcmp(m->fams[i].name, name) == 0)
			return (long)i;
	return -1;
}

int lyra_metrics_declare(struct lyra_metrics *m, const char *name, enum lyra_metric_type type,
                         const char *help)
{
	if (!valid_name(name))
		return lyra_error(LYRA_EX_SOFTWARE, "cannot declare metric '%s': invalid name", name ? name : "");
	if (type != LYRA_METRIC_COUNTER && type != LYRA_METRIC_GAUGE)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot declare metric '%s': unknown type", name);
	if (type == LYRA_METRIC_COUNTER && !ends_with(name, "_total"))
		return lyra_error(LYRA_EX_SOFTWARE, "cannot declare metric '%s': a counter's name must end in _total",
		                  name);
	long f = find_family(m, name);
	if (f >= 0) {
		if (m->fams[f].type != type)
			return lyra_error(LYRA_EX_SOFTWARE,
			                  "cannot declare metric '%s': already declared with another type", name);
		return 0;
	}
	if (m->nfams == m->capfams) {
		size_t cap = m->capfams ? 2 * m->capfams : 8;
		struct family *nf = realloc(m->fams, cap * sizeof *nf);
		if (!nf)
			return oom();
		m->fams = nf;
		m->capfams = cap;
	}
	struct family *fam = &m->fams[m->nfams];
	fam->name = strdup(name);
	fam->help = strdup(help ? help : "");
	fam->type = type;
	if (!fam->name || !fam->help) {
		free(fam->name);
		free(fam->help);
		return oom();
	}
	m->nfams++;
	return 0;
}

/* name="value" pairs separated by commas, values escaped; "prog" and "__*" are reserved. */
static int valid_labels(const char *s)
{
	const char *p = s;
	for (;;) {
		const char *start = p;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_'))
			return 0;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		       *p == '_')
			p++;
		size_t len = (size_t)(p - start);
		if ((len == 4 && memcmp(start, "prog", 4) == 0) || (len >= 2 && start[0] == '_' && start[1] == '_'))
			return 0;
		if (*p++ != '=' || *p++ != '"')
			return 0;
		for (; *p != '"'; p++) {
			if (!*p || *p == '\n')
				return 0;
			if (*p == '\\') {
				p++;
				if (*p != '\\' && *p != '"' && *p != 'n')
					return 0;
			}
		}
		p++;
		if (!*p)
			return 1;
		if (*p++ != ',')
			return 0;
	}
}

static int same_labels(const char *a, const char *b)
{
	if (!a || !*a)
		return !b || !*b;
	return b && strcmp(a, b) == 0;
}

/* The sample for (name, labels), created empty (integer 0) when absent. */
static struct sample *get_sample(struct lyra_metrics *m, const char *name, const char *labels,
                                 const char *what)
{
	long f = find_family(m, name);
	if (f < 0) {
		lyra_error(LYRA_EX_SOFTWARE, "cannot %s metric '%s': not declared", what, name ? name : "");
		return NULL;
	}
	for (size_t i = 0; i < m->nsamples; i++)
		if (m->samples[i].fam == (size_t)f && same_labels(m->samples[i].labels, labels))
			return &m->samples[i];
	if (labels && *labels && !valid_labels(labels)) {
		lyra_error(LYRA_EX_SOFTWARE, "cannot %s metric '%s': invalid labels '%s'", what, name, labels);
		return NULL;
	}
	if (m->nsamples == m->capsamples) {
		size_t cap = m->capsamples ? 2 * m->capsamples : 16;
		struct sample *ns = realloc(m->samples, cap * sizeof *ns);
		if (!ns) {
			oom();
			return NULL;
		}
		m->samples = ns;
		m->capsamples = cap;
	}
	struct sample *s = &m->samples[m->nsamples];
	memset(s, 0, sizeof *s);
	s->fam = (size_t)f;
	s->is_int = 1;
	if (labels && *labels && !(s->labels = strdup(labels))) {
		oom();
		return NULL;
	}
	m->nsamples++;
	return s;
}

static int valid_value(const char *v)
{
	const char *p = v;
	if (strcmp(v, "NaN") == 0 || strcmp(v, "+Inf") == 0 || strcmp(v, "-Inf") == 0)
		return 1;
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

int lyra_metrics_set(struct lyra_metrics *m, const char *name, const char *labels,
                     const char *value)
{
	if (!value || !valid_value(value))
		return lyra_error(LYRA_EX_SOFTWARE, "cannot set metric '%s': '%s' is not a number",
		                  name ? name : "", value ? value : "");
	struct sample *s = get_sample(m, name, labels, "set");
	if (!s)
		return -1;
	size_t len = strlen(value);
	if (len >= s->text_cap) {
		char *t = realloc(s->text, len + 1);
		if (!t)
			return oom();
		s->text = t;
		s->text_cap = len + 1;
	}
	memcpy(s->text, value, len + 1);
	s->is_int = 0;
	return 0;
}

int lyra_metrics_set_int(struct lyra_metrics *m, const char *name, const char *labels, int64_t v)
{
	struct sample *s = get_sample(m, name, labels, "set");
	if (!s)
		return -1;
	s->is_int = 1;
	s->iv = v;
	return 0;
}

/* An integer in decimal text ("-12", "12.000") as int64; -1 when it is not one. */
static int text_to_int(const char *t, int64_t *out)
{
	const char *p = t;
	int neg = *p == '-';
	int64_t v = 0;
	if (neg)
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		int d = *p - '0';
		if (__builtin_mul_overflow(v, 10, &v) ||
		    (neg ? __builtin_sub_overflow(v, d, &v) : __builtin_add_overflow(v, d, &v)))
			return -1;
	}
	if (*p == '.')
		for (p++; *p == '0'; p++)
			;
	if (*p)
		return -1;
	*out = v;
	return 0;
}

int lyra_metrics_add_int(struct lyra_metrics *m, const char *name, const char *labels, int64_t v)
{
	long f = find_family(m, name);
	if (f >= 0 && m->fams[f].type == LYRA_METRIC_COUNTER && v < 0)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot add %" PRId64 " to counter '%s': counters only go up",
		                  v, name);
	struct sample *s = get_sample(m, name, labels, "add to");
	if (!s)
		return -1;
	int64_t cur = s->iv;
	if (!s->is_int && text_to_int(s->text, &cur) < 0)
		return lyra_error(LYRA_EX_SOFTWARE, "cannot add to metric '%s': value '%s' is not an integer",
		                  name, s->text);
	if (__builtin_add_overflow(cur, v, &cur))
		return lyra_error(LYRA_EX_SOFTWARE, "cannot add %" PRId64 " to metric '%s': overflow", v, name);
	s->is_int = 1;
	s->iv = cur;
	return 0;
}

static void put_help(FILE *f, const char *help)
{
	for (const char *p = help; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			putc(*p, f);
	}
}

static void put_all(const struct lyra_metrics *m, FILE *f)
{
	for (size_t i = 0; i < m->nfams; i++) {
		const struct family *fam = &m->fams[i];
		if (*fam->help) {
			fprintf(f, "# HELP lyra_%s ", fam->name);
			put_help(f, fam->help);
			putc('\n', f);
		}
		fprintf(f, "# TYPE lyra_%s %s\n", fam->name,
		        fam->type == LYRA_METRIC_COUNTER ? "counter" : "gauge");
		for (size_t j = 0; j < m->nsamples; j++) {
			const struct sample *s = &m->samples[j];
			if (s->fam != i)
				continue;
			fprintf(f, "lyra_%s{prog=\"%s\"%s%s} ", fam->name, m->prog, s->labels ? "," : "",
			        s->labels ? s->labels : "");
			if (s->is_int)
				fprintf(f, "%" PRId64 "\n", s->iv);
			else
				fprintf(f, "%s\n", s->text);
		}
	}
}

int lyra_metrics_write(const struct lyra_metrics *m, const char *path)
{
	size_t tlen = strlen(path) + 32;
	char *tmp = malloc(tlen);
	if (!tmp)
		return oom();
	snprintf(tmp, tlen, "%s.tmp.%ld", path, (long)getpid());

	FILE *f = fopen(tmp, "we");
	if (!f) {
		lyra_error(LYRA_EX_CANTCREAT, "cannot write metrics '%s': %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	errno = 0;
	put_all(m, f);
	int err = 0;
	if (fflush(f) != 0 || ferror(f))
		err = errno ? errno : EIO;
	else if (fsync(fileno(f)) != 0)
		err = errno;
	if (fclose(f) != 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) != 0)
		err = errno;
	if (err) {
		unlink(tmp);
		lyra_error(LYRA_EX_CANTCREAT, "cannot write metrics '%s': %s", path, strerror(err));
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
