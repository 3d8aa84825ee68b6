/* metrics.h: Prometheus textfile output for node_exporter's textfile collector. A program keeps
 * its samples here and writes the whole file atomically (temp file in the same folder, fsync,
 * rename), so the collector never reads half a file. Names are prefixed "lyra_". */
#ifndef LYRA_METRICS_H
#define LYRA_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct lyra_metrics;

enum lyra_metric_type { LYRA_METRIC_COUNTER, LYRA_METRIC_GAUGE };

/* A NEW, empty set for program prog (every sample gets the label prog="..."). */
struct lyra_metrics *lyra_metrics_new(const char *prog);
void lyra_metrics_free(struct lyra_metrics *m);

/* Declare a metric family once (name without the "lyra_" prefix, e.g. "records_total").
 * 0, or -1 (LYRA_EX_SOFTWARE) on an invalid name or a redeclaration with another type. */
int lyra_metrics_declare(struct lyra_metrics *m, const char *name, enum lyra_metric_type type,
                         const char *help);
/* Set or add to a sample. labels is NULL or extra label pairs in exposition syntax
 * ('venue="binance",symbol="BTC/USDT"'); values are exact decimal text or integers.
 * 0, or -1 when the family was not declared or the value is not a number. */
int lyra_metrics_set(struct lyra_metrics *m, const char *name, const char *labels,
                     const char *value);
int lyra_metrics_set_int(struct lyra_metrics *m, const char *name, const char *labels, int64_t v);
int lyra_metrics_add_int(struct lyra_metrics *m, const char *name, const char *labels, int64_t v);

/* Write the exposition text to path atomically. 0, or -1 with error.h (LYRA_EX_CANTCREAT). */
int lyra_metrics_write(const struct lyra_metrics *m, const char *path);

/* Escape a label value for exposition syntax into buf (backslash, quote, newline). Returns the
 * length, or -1 if it did not fit. */
int lyra_metrics_escape(const char *value, char *buf, size_t n);

#endif
