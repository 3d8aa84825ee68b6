/* table.h: the two human/spreadsheet output formats besides NDJSON. CSV is RFC 4180 (fields with
 * comma, quote, CR or LF quoted, quotes doubled, CRLF line ends so spreadsheets agree); a table
 * collects rows and prints them with aligned columns for a terminal. */
#ifndef LYRA_TABLE_H
#define LYRA_TABLE_H

#include <stddef.h>
#include <stdio.h>

enum lyra_format { LYRA_FMT_NDJSON, LYRA_FMT_TABLE, LYRA_FMT_CSV };

/* Parse "ndjson", "table", "csv"; -1 (LYRA_EX_USAGE in error.h) otherwise. */
int lyra_format_parse(const char *s, enum lyra_format *out);

/* Write one CSV row of n fields (NULL field = empty) to f, CRLF-terminated. 0 or -1 (I/O). */
int lyra_csv_row(FILE *f, const char *const *fields, size_t n);

struct lyra_table;
/* A NEW table with n columns named by heads (copied). NULL on allocation failure. */
struct lyra_table *lyra_table_new(const char *const *heads, size_t n);
/* Add a row of n cells (copied; NULL = empty). 0 or -1 on allocation failure. */
int lyra_table_add(struct lyra_table *t, const char *const *cells);
/* Print heads and rows aligned (cells cut at 60 characters with "..."), then free nothing. */
int lyra_table_print(const struct lyra_table *t, FILE *f);
void lyra_table_free(struct lyra_table *t);

#endif
