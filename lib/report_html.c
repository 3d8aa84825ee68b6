/* report_html.c: a self-contained HTML page with inline SVG charts (see report_html.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_html.h"

#define SVG_NS "http://www.w3.org/2000/svg"
#define W 760.0
#define H 240.0
#define PL 78.0   /* left padding: y labels */
#define PR 14.0
#define PT 28.0   /* top: the title */
#define PB 34.0   /* bottom: x labels */

void lyra_html_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

void lyra_html_begin(FILE *f, const char *title, const char *subtitle)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>", f);
	lyra_html_text(f, title);
	fputs("</title>\n<style>\n"
	      "body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;"
	      " color: #1d2430; background: #f6f7f9; margin: 0; padding: 24px; }\n"
	      "main { max-width: 820px; margin: 0 auto; }\n"
	      "h1 { font-size: 22px; margin: 0 0 4px; }\n"
	      "h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid #d8dde5;"
	      " padding-bottom: 4px; }\n"
	      "p.sub, p.note { color: #5b6575; margin: 0 0 8px; }\n"
	      "table { border-collapse: collapse; background: #fff; margin: 8px 0; width: 100%; }\n"
	      "th, td { padding: 4px 10px; border-bottom: 1px solid #e6e9ee; text-align: left;"
	      " white-space: nowrap; }\n"
	      "td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }\n"
	      "thead th { background: #eef1f5; font-weight: 600; }\n"
	      "table.figures { width: auto; min-width: 50%; }\n"
	      "svg { background: #fff; border: 1px solid #e6e9ee; margin: 8px 0; width: 100%;"
	      " height: auto; }\n"
	      "svg text { font: 11px system-ui, sans-serif; fill: #5b6575; }\n"
	      "svg text.t { font-size: 13px; font-weight: 600; fill: #1d2430; }\n"
	      ".grid { stroke: #e6e9ee; } .zero { stroke: #9aa3b1; }\n"
	      ".line { fill: none; stroke: #2563eb; stroke-width: 1.6; }\n"
	      ".area { fill: #2563eb; fill-opacity: 0.12; stroke: none; }\n"
	      ".dd { fill: #dc2626; fill-opacity: 0.18; stroke: #dc2626; stroke-width: 1.2; }\n"
	      ".gain { fill: #16a34a; } .loss { fill: #dc2626; } .share { fill: #2563eb; }\n"
	      "</style>\n</head>\n<body>\n<main>\n<h1>", f);
	lyra_html_text(f, title);
	fputs("</h1>\n<p class=\"sub\">", f);
	lyra_html_text(f, subtitle);
	fputs("</p>\n", f);
}

void lyra_html_end(FILE *f)
{
	fputs("</main>\n</body>\n</html>\n", f);
}

void lyra_html_section(FILE *f, const char *heading, const char *para)
{
	fputs("<h2>", f);
	lyra_html_text(f, heading);
	fputs("</h2>\n", f);
	if (para) {
		fputs("<p class=\"note\">", f);
		lyra_html_text(f, para);
		fputs("</p>\n", f);
	}
}

/* A cell is numeric when it parses as a number from start to end. */
static int numeric(const char *s)
{
	size_t i = 0, digits = 0;
	if (!s)
		return 0;
	if (s[i] == '-')
		i++;
	for (; s[i]; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] != '.')
			return 0;
	}
	return digits > 0;
}

void lyra_html_table(FILE *f, const char *id, const char *const *heads, size_t ncol,
                     const char *const *cells, size_t nrow)
{
	fputs("<table id=\"", f);
	lyra_html_text(f, id);
	fputs("\">\n<thead><tr>", f);
	for (size_t c = 0; c < ncol; c++) {
		fputs("<th>", f);
		lyra_html_text(f, heads[c]);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t r = 0; r < nrow; r++) {
		fputs("<tr>", f);
		for (size_t c = 0; c < ncol; c++) {
			const char *v = cells[r * ncol + c];
			fputs(numeric(v) ? "<td class=\"n\">" : "<td>", f);
			lyra_html_text(f, v);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

void lyra_html_figures(FILE *f, const char *id, const char *const *keys, const char *const *labels,
                       const char *const *values, size_t n)
{
	fputs("<table class=\"figures\" id=\"", f);
	lyra_html_text(f, id);
	fputs("\">\n<tbody>\n", f);
	for (size_t i = 0; i < n; i++) {
		fputs("<tr><th>", f);
		lyra_html_text(f, labels[i]);
		fputs("</th><td class=\"n\" data-key=\"", f);
		lyra_html_text(f, keys[i]);
		fputs("\">", f);
		lyra_html_text(f, values[i] && values[i][0] ? values[i] : "-");
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
}

static void svg_open(FILE *f, const char *title)
{
	fprintf(f, "<svg xmlns=\"%s\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", SVG_NS,
	        W, H);
	lyra_html_text(f, title);
	fputs("\">\n<title>", f);
	lyra_html_text(f, title);
	fprintf(f, "</title>\n<text class=\"t\" x=\"%.0f\" y=\"18\">", PL);
	lyra_html_text(f, title);
	fputs("</text>\n", f);
}

/* A short label of a value for an axis: 1234567 -> 1.23M. */
static void axis_label(double v, char *buf, size_t n)
{
	double a = fabs(v);
	if (a >= 1e9)
		snprintf(buf, n, "%.2fB", v / 1e9);
	else if (a >= 1e6)
		snprintf(buf, n, "%.2fM", v / 1e6);
	else if (a >= 1e4)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else if (a >= 100 || a == 0)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.2f", v);
}

/* The y range of values with zero in it, widened when flat. */
static void y_range(const double *v, size_t n, double *lo, double *hi)
{
	*lo = 0;
	*hi = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < *lo)
			*lo = v[i];
		if (v[i] > *hi)
			*hi = v[i];
	}
	if (*hi - *lo <= 0)
		*hi = *lo + 1;
}

static double ypos(double v, double lo, double hi)
{
	return PT + (H - PT - PB) * (1 - (v - lo) / (hi - lo));
}

/* Horizontal grid lines with labels at lo, the middle and hi, and a zero line. */
static void y_axis(FILE *f, double lo, double hi, const char *unit)
{
	char b[48];
	for (int k = 0; k <= 2; k++) {
		double v = lo + (hi - lo) * k / 2, y = ypos(v, lo, hi);
		axis_label(v, b, sizeof b);
		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", PL,
		        y, W - PR, y);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", PL - 6, y + 4);
		lyra_html_text(f, b);
		if (unit && k == 2) {
			fputc(' ', f);
			lyra_html_text(f, unit);
		}
		fputs("</text>\n", f);
	}
	if (lo < 0 && hi > 0)
		fprintf(f, "<line class=\"zero\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", PL,
		        ypos(0, lo, hi), W - PR, ypos(0, lo, hi));
}

void lyra_svg_line(FILE *f, const char *title, const double *y, size_t n, const char *x_first,
                   const char *x_last, const char *unit, int drawdown)
{
	double lo, hi, x0 = PL, dx = n > 1 ? (W - PL - PR) / (double)(n - 1) : 0;
	svg_open(f, title);
	y_range(y, n, &lo, &hi);
	y_axis(f, lo, hi, unit);
	if (n > 0) {
		fprintf(f, "<path class=\"%s\" d=\"M%.1f %.1f", drawdown ? "dd" : "area", x0, ypos(0, lo, hi));
		for (size_t i = 0; i < n; i++)
			fprintf(f, " L%.1f %.1f", x0 + dx * (double)i, ypos(y[i], lo, hi));
		fprintf(f, " L%.1f %.1f Z\"/>\n", x0 + dx * (double)(n - 1), ypos(0, lo, hi));
		if (!drawdown) {
			fprintf(f, "<polyline class=\"line\" points=\"");
			for (size_t i = 0; i < n; i++)
				fprintf(f, "%s%.1f,%.1f", i ? " " : "", x0 + dx * (double)i, ypos(y[i], lo, hi));
			fputs("\"/>\n", f);
		}
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", PL, H - 12);
	lyra_html_text(f, x_first);
	fprintf(f, "</text>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", W - PR, H - 12);
	lyra_html_text(f, x_last);
	fputs("</text>\n</svg>\n", f);
}

void lyra_svg_bars(FILE *f, const char *title, const char *const *labels, const double *v,
                   size_t n, const char *unit)
{
	double lo, hi, slot = n ? (W - PL - PR) / (double)n : 0, bw = slot * 0.7;
	svg_open(f, title);
	y_range(v, n, &lo, &hi);
	y_axis(f, lo, hi, unit);
	for (size_t i = 0; i < n; i++) {
		double y0 = ypos(0, lo, hi), y1 = ypos(v[i], lo, hi), x = PL + slot * (double)i +
		           (slot - bw) / 2;
		fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
		        "<title>", v[i] < 0 ? "loss" : "gain", x, y1 < y0 ? y1 : y0, bw, fabs(y0 - y1));
		lyra_html_text(f, labels[i]);
		fputs("</title></rect>\n", f);
		if (n <= 24 || i % ((n + 11) / 12) == 0) {
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x + bw / 2, H - 12);
			lyra_html_text(f, labels[i]);
			fputs("</text>\n", f);
		}
	}
	fputs("</svg>\n", f);
}

void lyra_svg_shares(FILE *f, const char *title, const char *const *labels, const double *v,
                     size_t n)
{
	double total = 0, row = 24, h = PT + row * (double)(n ? n : 1) + 10, bar = W - PL - PR - 70;
	for (size_t i = 0; i < n; i++)
		total += v[i] > 0 ? v[i] : 0;
	fprintf(f, "<svg xmlns=\"%s\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", SVG_NS, W,
	        h);
	lyra_html_text(f, title);
	fputs("\">\n<title>", f);
	lyra_html_text(f, title);
	fprintf(f, "</title>\n<text class=\"t\" x=\"%.0f\" y=\"18\">", PL);
	lyra_html_text(f, title);
	fputs("</text>\n", f);
	for (size_t i = 0; i < n; i++) {
		double share = total > 0 && v[i] > 0 ? v[i] / total : 0, y = PT + row * (double)i;
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", PL - 6, y + 15);
		lyra_html_text(f, labels[i]);
		fprintf(f, "</text>\n<rect class=\"share\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
		        " height=\"%.1f\"/>\n<text x=\"%.1f\" y=\"%.1f\">%.1f%%</text>\n", PL, y + 4,
		        bar * share, row - 8, PL + bar * share + 6, y + 15, share * 100);
	}
	fputs("</svg>\n", f);
}
