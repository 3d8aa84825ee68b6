/* table.c: CSV rows and aligned terminal tables. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "table.h"

#define CELL_MAX 60

int lyra_format_parse(const char *s, enum lyra_format *out)
{
	if (strcmp(s, "ndjson") == 0)
		*out = LYRA_FMT_NDJSON;
	else if (strcmp(s, "table") == 0)
		*out = LYRA_FMT_TABLE;
	else if (strcmp(s, "csv") == 0)
		*out = LYRA_FMT_CSV;
	else
		return lyra_error(LYRA_EX_USAGE, "unknown format '%s' (want ndjson, table or csv)", s);
	return 0;
}

int lyra_csv_row(FILE *f, const char *const *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = fields[i] ? fields[i] : "";
		if (i)
			putc(',', f);
		if (strpbrk(v, ",\"\r\n")) {
			putc('"', f);
			for (; *v; v++) {
				if (*v == '"')
					putc('"', f);
				putc(*v, f);
			}
			putc('"', f);
		} else {
			fputs(v, f);
		}
	}
	fputs("\r\n", f);
	return ferror(f) ? lyra_error(LYRA_EX_IOERR, "write error") : 0;
}

struct lyra_table {
	size_t ncol, nrow, cap;
	char **cells;    /* (nrow + 1) * ncol, row 0 = heads */
};

static char *dup_cell(const char *s)
{
	return strdup(s ? s : "");
}

struct lyra_table *lyra_table_new(const char *const *heads, size_t n)
{
	struct lyra_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->ncol = n;
	t->cap = 16;
	t->cells = calloc(t->cap * n, sizeof *t->cells);
	if (!t->cells) {
		free(t);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		t->cells[i] = dup_cell(heads[i]);
	return t;
}

int lyra_table_add(struct lyra_table *t, const char *const *cells)
{
	if (t->nrow + 2 > t->cap) {
		size_t cap = t->cap * 2;
		char **c = realloc(t->cells, cap * t->ncol * sizeof *c);
		if (!c)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		t->cells = c;
		t->cap = cap;
	}
	t->nrow++;
	for (size_t i = 0; i < t->ncol; i++)
		t->cells[t->nrow * t->ncol + i] = dup_cell(cells[i]);
	return 0;
}

/* Display width of a UTF-8 string: code points, not bytes. */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

int lyra_table_print(const struct lyra_table *t, FILE *f)
{
	size_t *w = calloc(t->ncol, sizeof *w);
	if (!w)
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	for (size_t r = 0; r <= t->nrow; r++)
		for (size_t c = 0; c < t->ncol; c++) {
			size_t cw = width(t->cells[r * t->ncol + c]);
			if (cw > CELL_MAX)
				cw = CELL_MAX;
			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r <= t->nrow; r++) {
		for (size_t c = 0; c < t->ncol; c++) {
			const char *v = t->cells[r * t->ncol + c];
			size_t cw = width(v);
			int last = c + 1 == t->ncol;
			if (cw > CELL_MAX) {
				size_t bytes = 0, cp = 0;
				while (v[bytes] && cp < CELL_MAX - 3) {
					bytes++;
					while (((unsigned char)v[bytes] & 0xC0) == 0x80)
						bytes++;
					cp++;
				}
				fprintf(f, "%.*s...", (int)bytes, v);
				cw = CELL_MAX;
			} else {
				fputs(v, f);
			}
			if (!last)
				for (size_t k = cw; k < w[c] + 2; k++)
					putc(' ', f);
		}
		putc('\n', f);
	}
	free(w);
	return ferror(f) ? lyra_error(LYRA_EX_IOERR, "write error") : 0;
}

void lyra_table_free(struct lyra_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < (t->nrow + 1) * t->ncol; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
