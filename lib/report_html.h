/* report_html.h: one self-contained HTML page for people: inline CSS, inline SVG charts (a line
 * or area chart, vertical bars for gains and losses, horizontal bars for shares), tables and
 * figure lists. No scripts, no fonts, no external URLs; every piece of text is escaped, and the
 * markup is also well-formed XML (void elements closed) so a plain XML parser can check it.
 * Chart geometry is double; figures shown as text are the caller's exact strings. */
#ifndef LYRA_REPORT_HTML_H
#define LYRA_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

/* Write s with & < > " ' escaped (NULL writes nothing). */
void lyra_html_text(FILE *f, const char *s);
/* The page head (title, inline style) and the opening of the body with an h1 and a line under
 * it; lyra_html_end closes the page. */
void lyra_html_begin(FILE *f, const char *title, const char *subtitle);
void lyra_html_end(FILE *f);
/* A section heading and an optional short paragraph (NULL for none). */
void lyra_html_section(FILE *f, const char *heading, const char *para);
/* A table with an id: heads[ncol], then cells[nrow * ncol] row by row (NULL cell = empty);
 * cells that are numbers are right-aligned. */
void lyra_html_table(FILE *f, const char *id, const char *const *heads, size_t ncol,
                     const char *const *cells, size_t nrow);
/* A list of figures as a two-column table with an id: one row per figure, the value cell
 * carrying data-key="key" so the numbers can be read back exactly (NULL value = "-"). */
void lyra_html_figures(FILE *f, const char *id, const char *const *keys, const char *const *labels,
                       const char *const *values, size_t n);
/* A line chart of y[0..n) over evenly spaced points with the area to zero shaded (in red,
 * without the blue line, when drawdown is set); x_first and x_last label the ends of the x
 * axis, unit follows the top y axis label. */
void lyra_svg_line(FILE *f, const char *title, const double *y, size_t n, const char *x_first,
                   const char *x_last, const char *unit, int drawdown);
/* Vertical bars v[0..n) labelled below (gains green, losses red) from a zero line. */
void lyra_svg_bars(FILE *f, const char *title, const char *const *labels, const double *v,
                   size_t n, const char *unit);
/* Horizontal bars of shares: v[i] (>= 0) of their total, each labelled with its percentage. */
void lyra_svg_shares(FILE *f, const char *title, const char *const *labels, const double *v,
                     size_t n);

#endif
