/* riskcheck: the gate in front of every executor. As a filter it passes each `order` annotated
 * with the checks it passed, or turns it into a `reject` naming every failed rule; every other
 * record flows through as its original bytes. It also keeps the scoped limits in the store, the
 * kill switch (ACTIVE, REDUCING, HALTED) every process sees, and the position-sizing
 * calculators. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "cli.h"
#include "clock.h"
#include "error.h"
#include "flatjson.h"
#include "identity.h"
#include "metrics.h"
#include "ndjson.h"
#include "record.h"
#include "risk.h"
#include "stops.h"
#include "store.h"
#include "table.h"

enum { CMD_CHECK, CMD_LIMITS, CMD_HALT, CMD_REDUCE, CMD_RESUME, CMD_STATUS, CMD_SIZE, CMD_STOPS };

static const struct lyra_subcmd cmds[] = {
	[CMD_CHECK] = { "check", "[--round] [FILE...]",
	                "filter orders: pass them annotated or turn them into rejects" },
	[CMD_LIMITS] = { "limits", "set NAME VALUE | unset NAME | show | import FILE",
	                 "scoped limits in the store (--scope global|venue:V|symbol:S|strategy:N)" },
	[CMD_HALT] = { "halt", "--reason R", "kill switch: every order is rejected (HALTED)" },
	[CMD_REDUCE] = { "reduce", "--reason R", "only risk-reducing orders pass (REDUCING)" },
	[CMD_RESUME] = { "resume", "[--reason R]", "back to ACTIVE after a halt or a breaker" },
	[CMD_STATUS] = { "status", NULL, "print the trading state, why and since when" },
	[CMD_SIZE] = { "size", "--method kelly|fixed-fractional|vol-target|risk-parity ...",
	               "position size and its derivation, exact decimals" },
	[CMD_STOPS] = { "stops", "[FILE...] | set NAME VALUE | unset NAME | show",
	                "stop orders for open positions, on event time; stop parameters and states" },
	{ NULL, NULL, NULL },
};

enum {
	OPT_ROUND = 256, OPT_SCOPE, OPT_REASON, OPT_FORMAT, OPT_UNBUFFERED, OPT_POLL, OPT_METHOD,
	OPT_EQUITY, OPT_WIN_RATE, OPT_PAYOFF, OPT_KELLY_FRACTION, OPT_CAP, OPT_RISK, OPT_ENTRY,
	OPT_STOP, OPT_TARGET_VOL, OPT_VOL, OPT_PRICE, OPT_LOT,
	OPT_STOP_PX, OPT_STOP_PCT, OPT_TRAIL_PCT, OPT_TRAIL_ATR, OPT_ATR_STOP, OPT_ATR_PERIOD,
	OPT_MAX_HOLD, OPT_BREAKEVEN_PCT, OPT_LOCK_PCT, OPT_LOCK_AFTER_PCT, OPT_WEIGHTING,
	OPT_SYMBOLS, OPT_INTERVAL,
};

static const struct lyra_opt opts[] = {
	{ "round", OPT_ROUND, NULL, "check: round px to the tick and qty to the lot instead of rejecting" },
	{ "unbuffered", OPT_UNBUFFERED, NULL, "check: flush after every record" },
	{ "poll", OPT_POLL, "D", "check: how often to look for a halt or new limits (default 200ms)" },
	{ "scope", OPT_SCOPE, "SCOPE", "limits: global (default), venue:V, symbol:S or strategy:NAME" },
	{ "format", OPT_FORMAT, "FMT", "limits show: table (default) or csv" },
	{ "reason", OPT_REASON, "TEXT", "halt, reduce, resume: why (audited)" },
	{ "method", OPT_METHOD, "M", "size: kelly, fixed-fractional or vol-target" },
	{ "equity", OPT_EQUITY, "E", "size: account equity (quote units)" },
	{ "win-rate", OPT_WIN_RATE, "P", "size kelly: probability of a win (0..1)" },
	{ "payoff", OPT_PAYOFF, "B", "size kelly: average win / average loss" },
	{ "kelly-fraction", OPT_KELLY_FRACTION, "F", "size kelly: share of full Kelly (default 0.5)" },
	{ "cap", OPT_CAP, "C", "size: largest position as a fraction of equity" },
	{ "risk", OPT_RISK, "R", "size fixed-fractional: fraction of equity risked per trade" },
	{ "entry", OPT_ENTRY, "PX", "size fixed-fractional: entry price" },
	{ "stop", OPT_STOP, "PX", "size fixed-fractional: stop price" },
	{ "target-vol", OPT_TARGET_VOL, "V", "size vol-target: target annualised volatility" },
	{ "vol", OPT_VOL, "V", "size vol-target: the instrument's annualised volatility" },
	{ "price", OPT_PRICE, "PX", "size: also print the quantity at this price" },
	{ "lot", OPT_LOT, "L", "size: round the quantity down to this lot" },
	{ "weighting", OPT_WEIGHTING, "W", "size risk-parity: erc (default) or inverse-vol" },
	{ "symbols", OPT_SYMBOLS, "LIST", "size risk-parity: only these symbols (comma list)" },
	{ "interval", OPT_INTERVAL, "I", "size risk-parity: only candles of this interval" },
	{ "stop-px", OPT_STOP_PX, "PX", "stops: fixed stop price" },
	{ "stop-pct", OPT_STOP_PCT, "P", "stops: fixed stop, percent from the entry" },
	{ "trail-pct", OPT_TRAIL_PCT, "P", "stops: trailing stop, percent from the best price" },
	{ "trail-atr", OPT_TRAIL_ATR, "K", "stops: trailing stop, K x ATR from the best price" },
	{ "atr-stop", OPT_ATR_STOP, "K", "stops: initial stop, K x ATR from the entry" },
	{ "atr-period", OPT_ATR_PERIOD, "N", "stops: candles in the ATR (default 14)" },
	{ "max-hold", OPT_MAX_HOLD, "D", "stops: close a position held this long (event time)" },
	{ "breakeven-pct", OPT_BREAKEVEN_PCT, "P", "stops: stop to the entry after P percent profit" },
	{ "lock-pct", OPT_LOCK_PCT, "P", "stops: keep P percent of the best open profit" },
	{ "lock-after-pct", OPT_LOCK_AFTER_PCT, "P", "stops: lock only after P percent profit" },
	{ NULL, 0, NULL, NULL },
};

static const char *const usage[] = {
	"[check] [--round] [--unbuffered] [FILE...]",
	"limits set NAME VALUE [--scope SCOPE]",
	"limits unset NAME [--scope SCOPE]",
	"limits show [--format table|csv]",
	"limits import FILE",
	"halt --reason TEXT | reduce --reason TEXT | resume [--reason TEXT] | status",
	"size --method kelly --equity E --win-rate P --payoff B [--kelly-fraction F] [--cap C]",
	"size --method fixed-fractional --equity E --risk R --entry PX --stop PX [--cap C]",
	"size --method vol-target --equity E --target-vol V --vol V [--cap C] [--price PX]",
	"size --method risk-parity --equity E [--weighting erc|inverse-vol] [--symbols L] [FILE...]",
	"stops [--trail-pct P] [--stop-pct P] [--max-hold D] ... [FILE...]",
	"stops set NAME VALUE [--scope SCOPE] | stops unset NAME [--scope SCOPE] | stops show",
	NULL,
};

static const struct lyra_cli_spec spec = {
	"riskcheck", "Pre-trade risk checks, limits, kill switch and position sizing.",
	usage, cmds, opts,
};

struct args {
	int round, unbuffered;
	int64_t poll;
	const char *scope, *reason, *method;
	enum lyra_format format;
	const char *equity, *win_rate, *payoff, *kelly_fraction, *cap, *risk, *entry, *stop;
	const char *target_vol, *vol, *price, *lot, *weighting, *symbols, *interval;
	/* stops: parameter name and value pairs from the options, in the order given */
	const char *stop_opt[16][2];
	int nstop_opt;
	char max_hold[32];
};

static struct lyra_cli cli;
static struct lyra_store *store;
static struct lyra_identity me;

static void require(const char *perm)
{
	if (lyra_identity_require(store, &me, perm) != 0)
		lyra_die_last();
}

/* ---- check ---- */

static int is_observed(const char *t, size_t n)
{
	return lyra_type_is(t, n, "market") || lyra_type_is(t, n, "bbo") ||
	       lyra_type_is(t, n, "trade") || lyra_type_is(t, n, "book") ||
	       lyra_type_is(t, n, "fill") || lyra_type_is(t, n, "order_event");
}



static const char *const breakers[] = { "daily_loss", "drawdown_pct", "reject_storm",
                                        "venue_errors" };
#define NBREAKERS (sizeof breakers / sizeof breakers[0])

/* lyra_riskcheck_state{state=...}: 1 for the stored trading state, 0 for the other two. */
static void state_metric(struct lyra_metrics *m)
{
	enum lyra_risk_state s;
	char labels[32];
	if (lyra_risk_state_get(store, &s, NULL, 0, NULL) != 0)
		lyra_die_last();
	lyra_metrics_declare(m, "riskcheck_state", LYRA_METRIC_GAUGE,
	                     "1 for the trading state in force (label state), 0 for the others");
	for (int i = LYRA_RISK_ACTIVE; i <= LYRA_RISK_HALTED; i++) {
		snprintf(labels, sizeof labels, "state=\"%s\"", lyra_risk_state_name(i));
		lyra_metrics_set_int(m, "riskcheck_state", labels, s == (enum lyra_risk_state)i);
	}
}

/* Before each order: reload the limits and the state when another process changed the store
 * (at most every --poll). */
static void poll_store(struct lyra_risk *r, const struct args *a, int64_t *last_poll,
                       int64_t *version)
{
	int64_t now = lyra_mono_us();
	if (now - *last_poll < a->poll)
		return;
	int64_t v = lyra_risk_store_version(store);
	*last_poll = now;
	if (v < 0)
		lyra_die_last();
	if (v != *version) {
		*version = v;
		if (lyra_risk_load(r, store) != 0)
			lyra_die_last();
	}
}

/* Records are read through the flat scanner (flatjson.h) when they are flat objects, without
 * a jansson DOM, and an order that passes or is rejected is written from the scanned fields;
 * anything the flat path declines (nested values, escapes in keys, duplicate keys, a field
 * missing or malformed, other types) takes the jansson path, which alone explains errors. Both
 * give the same bytes. */
static int cmd_check(const struct args *a, char **ops, int nops)
{
	struct lyra_risk *r = lyra_risk_new();
	struct lyra_ndjson_in *in;
	struct lyra_line line;
	struct lyra_metrics *m = NULL;
	int64_t passed = 0, rejected = 0, trips[NBREAKERS] = { 0 }, last_poll, version;
	int status, stop = 0;
	char why[256];
	struct lyra_fj *fj = malloc(sizeof *fj);
	struct lyra_fj_out w;

	require("risk.read");
	if (!r || !fj)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	lyra_fj_out_init(&w);
	if (lyra_risk_load(r, store) != 0 || lyra_risk_load_fills(r, store) != 0 ||
	    (version = lyra_risk_store_version(store)) < 0)
		lyra_die_last();
	last_poll = lyra_mono_us();
	in = lyra_ndjson_open("riskcheck", ops, nops, cli.strict);
	if (!in)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	lyra_out_init(a->unbuffered || lyra_ndjson_live(ops, nops));
	while (!stop && lyra_ndjson_next(in, &line) == 1) {
		const char *t, *pwhy;
		size_t tlen;
		if (lyra_record_peek_type(line.buf, line.len, &t, &tlen, &pwhy) != 0) {
			stop = lyra_ndjson_reject(in, &line, "%s", pwhy) != 0;
			continue;
		}
		int order = lyra_type_is(t, tlen, "order");
		if (!order && !is_observed(t, tlen)) {
			if (lyra_out_raw(line.buf, line.len) != 0)
				lyra_die_last();
			continue;
		}
		int polled = 0;
		if (lyra_fj_scan(line.buf, line.len, fj) == 0) {
			int rc;
			if (!order) {
				rc = lyra_risk_observe_flat(r, fj);
				if (rc < 0)
					stop = lyra_ndjson_reject(in, &line, "%s", lyra_error_msg()) != 0;
				else if (rc == 0 && lyra_out_raw(line.buf, line.len) != 0)
					lyra_die_last();
			} else {
				poll_store(r, a, &last_poll, &version);
				polled = 1;
				lyra_fj_out_reset(&w);
				rc = lyra_risk_check_flat(r, fj, a->round ? LYRA_RISK_ROUND : 0, &w);
				if (rc < 0) {
					stop = lyra_ndjson_reject(in, &line, "%s", lyra_error_msg()) != 0;
				} else if (rc != LYRA_RISK_DECLINE) {
					if (rc == LYRA_RISK_PASS)
						passed++;
					else
						rejected++;
					if (lyra_out_raw(w.b, w.n) != 0)
						lyra_die_last();
				}
			}
			if (rc != LYRA_RISK_DECLINE)
				goto tripped;
		}
		json_t *rec = lyra_record_parse(line.buf, line.len, why, sizeof why);
		if (!rec) {
			stop = lyra_ndjson_reject(in, &line, "%s", why) != 0;
			continue;
		}
		if (!order) {
			char type[32];
			snprintf(type, sizeof type, "%.*s", (int)tlen, t);
			if (lyra_risk_observe(r, type, rec) != 0)
				stop = lyra_ndjson_reject(in, &line, "%s", lyra_error_msg()) != 0;
			else if (lyra_out_raw(line.buf, line.len) != 0)
				lyra_die_last();
		} else {
			if (!polled)
				poll_store(r, a, &last_poll, &version);
			int rc = lyra_risk_check(r, rec, a->round ? LYRA_RISK_ROUND : 0);
			if (rc < 0) {
				stop = lyra_ndjson_reject(in, &line, "%s", lyra_error_msg()) != 0;
			} else {
				if (rc == LYRA_RISK_PASS)
					passed++;
				else
					rejected++;
				if (lyra_out_json(rec) != 0)
					lyra_die_last();
			}
		}
		json_decref(rec);
tripped:;
		enum lyra_risk_state ns;
		const char *reason;
		if (lyra_risk_tripped(r, &ns, &reason)) {
			lyra_warn("breaker tripped: %s -> %s", reason, lyra_risk_state_name(ns));
			for (size_t i = 0; i < NBREAKERS; i++)
				if (strncmp(reason, breakers[i], strlen(breakers[i])) == 0)
					trips[i]++;
			if (lyra_risk_state_set(store, me.name, ns, reason, 1) != 0)
				lyra_die_last();
		}
	}
	if (lyra_out_flush() != 0)
		lyra_die_last();
	status = lyra_ndjson_status(in);
	if (cli.metrics) {
		m = lyra_metrics_new("riskcheck");
		if (!m)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		lyra_metrics_declare(m, "riskcheck_orders_total", LYRA_METRIC_COUNTER,
		                     "orders checked, by outcome");
		lyra_metrics_declare(m, "riskcheck_bad_records_total", LYRA_METRIC_COUNTER,
		                     "input lines rejected as error records");
		lyra_metrics_set_int(m, "riskcheck_orders_total", "outcome=\"pass\"", passed);
		lyra_metrics_set_int(m, "riskcheck_orders_total", "outcome=\"reject\"", rejected);
		lyra_metrics_set_int(m, "riskcheck_bad_records_total", NULL,
		                     (int64_t)lyra_ndjson_rejected(in));
		lyra_metrics_declare(m, "riskcheck_breaker_trips_total", LYRA_METRIC_COUNTER,
		                     "circuit breakers tripped, by breaker");
		for (size_t i = 0; i < NBREAKERS; i++) {
			char labels[48];
			snprintf(labels, sizeof labels, "breaker=\"%s\"", breakers[i]);
			lyra_metrics_set_int(m, "riskcheck_breaker_trips_total", labels, trips[i]);
		}
		struct lyra_dec loss, limit;
		char buf[LYRA_DEC_STRLEN];
		int on = lyra_risk_daily_loss(r, &loss, &limit);
		lyra_metrics_declare(m, "riskcheck_daily_loss", LYRA_METRIC_GAUGE,
		                     "realised loss of the UTC day of the last fill (quote units)");
		lyra_dec_format_trim(loss, buf);
		lyra_metrics_set(m, "riskcheck_daily_loss", NULL, buf);
		if (on) {
			lyra_metrics_declare(m, "riskcheck_daily_loss_limit", LYRA_METRIC_GAUGE,
			                     "the global daily_loss limit that trips REDUCING");
			lyra_dec_format_trim(limit, buf);
			lyra_metrics_set(m, "riskcheck_daily_loss_limit", NULL, buf);
		}
		state_metric(m);
		if (lyra_metrics_write(m, cli.metrics) != 0) {
			lyra_warn("%s", lyra_error_msg());
			status = lyra_exit_merge(status, lyra_error_code());
		}
		lyra_metrics_free(m);
	}
	lyra_ndjson_close(in);
	lyra_risk_free(r);
	lyra_fj_out_free(&w);
	free(fj);
	return status;
}

/* ---- limits ---- */

static void audit_commit(const char *action, const char *object, json_t *details)
{
	if (lyra_audit_append(store, me.name, action, object, details) < 0 ||
	    lyra_store_commit(store) != 0) {
		json_decref(details);
		lyra_store_rollback(store);
		lyra_die_last();
	}
	json_decref(details);
}

static char *stored_value(const char *scope, const char *name)
{
	sqlite3_stmt *s = lyra_store_cached(store, "SELECT value FROM risk_limit WHERE scope = ?1 AND name = ?2");
	char *v = NULL;
	if (!s)
		lyra_die_last();
	sqlite3_bind_text(s, 1, scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return v;
}

static json_t *limit_details(const char *scope, const char *name, const char *value,
                             const char *old)
{
	json_t *d = json_object();
	if (!d)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	json_object_set_new(d, "scope", json_string(scope));
	json_object_set_new(d, "name", json_string(name));
	if (value)
		json_object_set_new(d, "value", json_string(value));
	json_object_set_new(d, "old", old ? json_string(old) : json_null());
	return d;
}

static int limits_set(const struct args *a, const char *name, const char *value)
{
	const char *scope = a->scope ? a->scope : "global";
	char object[256];
	if (lyra_risk_limit_validate(scope, name, value) != 0)
		lyra_usage_error("%s", lyra_error_msg());
	require("risk.admin");
	if (lyra_store_begin(store) != 0)
		lyra_die_last();
	char *old = stored_value(scope, name);
	if (lyra_risk_limit_put(store, scope, name, value) != 0) {
		free(old);
		lyra_store_rollback(store);
		lyra_die_last();
	}
	json_t *d = limit_details(scope, name, value, old);
	free(old);
	snprintf(object, sizeof object, "limit:%s/%s", scope, name);
	audit_commit("risk.limit.set", object, d);
	lyra_note("%s %s = %s", scope, name, value);
	return LYRA_EX_OK;
}

static int limits_unset(const struct args *a, const char *name)
{
	const char *scope = a->scope ? a->scope : "global";
	char object[256];
	if (lyra_risk_limit_validate(scope, name, "0") != 0)
		lyra_usage_error("%s", lyra_error_msg());
	require("risk.admin");
	if (lyra_store_begin(store) != 0)
		lyra_die_last();
	char *old = stored_value(scope, name);
	int rc = lyra_risk_limit_del(store, scope, name);
	if (rc <= 0) {
		free(old);
		lyra_store_rollback(store);
		if (rc < 0)
			lyra_die_last();
		lyra_die(LYRA_EX_DATAERR, "no limit '%s' in scope '%s'", name, scope);
	}
	json_t *d = limit_details(scope, name, NULL, old);
	free(old);
	snprintf(object, sizeof object, "limit:%s/%s", scope, name);
	audit_commit("risk.limit.unset", object, d);
	return LYRA_EX_OK;
}

static int limits_import(const char *file)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	char *buf = NULL;
	size_t cap = 0;
	long lineno = 0;
	if (!f)
		lyra_die(LYRA_EX_NOINPUT, "cannot open '%s': %s", file, strerror(errno));
	require("risk.admin");
	json_t *list = json_array();
	if (lyra_store_begin(store) != 0)
		lyra_die_last();
	while (getline(&buf, &cap, f) >= 0) {
		char *save, *w[4];
		int n = 0;
		lineno++;
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = 0;
		for (char *p = strtok_r(buf, " \t\r\n", &save); p; p = strtok_r(NULL, " \t\r\n", &save))
			if (n < 4)
				w[n++] = p;
			else
				n = 5;
		if (n == 0)
			continue;
		if (n != 3 || lyra_risk_limit_put(store, w[0], w[1], w[2]) != 0) {
			if (n == 3)
				lyra_error_wrap("'%s' line %ld", file, lineno);
			else
				lyra_error(LYRA_EX_DATAERR, "'%s' line %ld: expected SCOPE NAME VALUE", file,
				           lineno);
			lyra_store_rollback(store);
			lyra_die(LYRA_EX_DATAERR, "%s; nothing was imported", lyra_error_msg());
		}
		json_array_append_new(list, json_pack("{ssssss}", "scope", w[0], "name", w[1],
		                                      "value", w[2]));
	}
	int rerr = ferror(f);
	free(buf);
	if (f != stdin)
		fclose(f);
	if (rerr) {
		lyra_store_rollback(store);
		lyra_die(LYRA_EX_IOERR, "cannot read '%s'", file);
	}
	size_t n = json_array_size(list);
	audit_commit("risk.limit.import", file, json_pack("{sIso}", "count", (json_int_t)n,
	                                                  "limits", list));
	lyra_note("imported %zu limits from '%s'", n, file);
	return LYRA_EX_OK;
}

static int limits_show(const struct args *a)
{
	const struct lyra_risk_limit_def *d = lyra_risk_limit_defs();
	static const char *const heads[] = { "scope", "name", "value", "help" };
	struct lyra_table *tab = NULL;
	require("risk.read");
	if (a->format == LYRA_FMT_NDJSON)
		lyra_usage_error("limits show: --format is table or csv");
	if (a->format == LYRA_FMT_TABLE && !(tab = lyra_table_new(heads, 4)))
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	if (a->format == LYRA_FMT_CSV)
		lyra_csv_row(stdout, heads, 4);
	sqlite3_stmt *s = lyra_store_prepare(store, "SELECT scope, name, value FROM risk_limit "
	                                     "ORDER BY scope = 'global' DESC, scope, name");
	if (!s)
		lyra_die_last();
	int rc = SQLITE_ROW;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; ; i++) {
			const char *scope, *name, *value, *help = "";
			char *ov = NULL;
			if (pass == 0) {
				if (!d[i].name)
					break;
				if (!d[i].def || (ov = stored_value("global", d[i].name)) != NULL) {
					free(ov);
					continue;
				}
				scope = "default";
				name = d[i].name;
				value = d[i].def;
				help = d[i].help;
			} else {
				if ((rc = sqlite3_step(s)) != SQLITE_ROW)
					break;
				scope = (const char *)sqlite3_column_text(s, 0);
				name = (const char *)sqlite3_column_text(s, 1);
				value = (const char *)sqlite3_column_text(s, 2);
				for (int k = 0; d[k].name; k++)
					if (strcmp(d[k].name, name) == 0)
						help = d[k].help;
			}
			const char *cells[] = { scope, name, value, help };
			if (tab) {
				lyra_table_add(tab, cells);
			} else {
				lyra_csv_row(stdout, cells, 4);
			}
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		lyra_die(LYRA_EX_IOERR, "cannot read risk limits");
	if (tab) {
		lyra_table_print(tab, stdout);
		lyra_table_free(tab);
	}
	return LYRA_EX_OK;
}

static int cmd_limits(const struct args *a, char **ops, int nops)
{
	static const char *const subs[] = { "set", "unset", "show", "import" };
	const char *sub = nops ? ops[0] : NULL;
	int want[] = { 3, 2, 1, 2 };
	int k = -1;
	if (!sub)
		lyra_usage_error("limits: missing command (set, unset, show or import)");
	for (int i = 0; i < 4; i++)
		if (strcmp(sub, subs[i]) == 0)
			k = i;
	if (k < 0) {
		const char *near = lyra_nearest(sub, subs, 4);
		lyra_usage_error("limits: unknown command '%s'%s%s%s", sub, near ? " (did you mean '" : "",
		                 near ? near : "", near ? "'?)" : "");
	}
	if (nops != want[k])
		lyra_usage_error("limits %s: expected %d argument%s", sub, want[k] - 1,
		                 want[k] == 2 ? "" : "s");
	switch (k) {
	case 0: return limits_set(a, ops[1], ops[2]);
	case 1: return limits_unset(a, ops[1]);
	case 2: return limits_show(a);
	default: return limits_import(ops[1]);
	}
}

/* ---- halt, reduce, resume, status ---- */

static int cmd_state(const struct args *a, enum lyra_risk_state s)
{
	if (s != LYRA_RISK_ACTIVE && (!a->reason || !*a->reason))
		lyra_usage_error("%s needs --reason", s == LYRA_RISK_HALTED ? "halt" : "reduce");
	require(s == LYRA_RISK_ACTIVE ? "risk.admin" : "risk.halt");
	if (lyra_risk_state_set(store, me.name, s, a->reason ? a->reason : "", 0) != 0)
		lyra_die_last();
	lyra_note("trading state: %s", lyra_risk_state_name(s));
	return LYRA_EX_OK;
}

static int cmd_status(void)
{
	enum lyra_risk_state s;
	char reason[512], when[40] = "-";
	int64_t since;
	require("risk.read");
	if (lyra_risk_state_get(store, &s, reason, sizeof reason, &since) != 0)
		lyra_die_last();
	if (since)
		lyra_time_format(since, when, sizeof when);
	printf("state: %s\nreason: %s\nsince: %s\n", lyra_risk_state_name(s), *reason ? reason : "-",
	       when);
	if (cli.metrics) {
		struct lyra_metrics *m = lyra_metrics_new("riskcheck");
		int rc;
		if (!m)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		state_metric(m);
		rc = lyra_metrics_write(m, cli.metrics);
		lyra_metrics_free(m);
		if (rc != 0) {
			lyra_warn("%s", lyra_error_msg());
			return lyra_error_code();
		}
	}
	return LYRA_EX_OK;
}

/* ---- size ---- */

static struct lyra_dec need_dec(const char *opt, const char *v)
{
	struct lyra_dec d;
	if (!v)
		lyra_usage_error("size: --%s is required", opt);
	if (lyra_dec_parse_cstr(v, &d) != 0 || lyra_dec_sign(d) < 0)
		lyra_usage_error("--%s: '%s' is not a non-negative decimal", opt, v);
	return d;
}

static const char *fmt(struct lyra_dec d, char *buf)
{
	lyra_dec_format_trim(d, buf);
	return buf;
}

#define Q 10   /* digits kept by every quotient (half-even) */

static void arith(int rc)
{
	if (rc != 0)
		lyra_die(LYRA_EX_DATAERR, "size: %s", lyra_error_msg());
}

/* ---- size --method risk-parity ---- */

#define RP_MAX 64

struct rp_close {
	int64_t ts;
	struct lyra_dec close;
};

struct rp_asset {
	char symbol[64];
	struct rp_close *c;
	size_t n, cap;
};

static int rp_cmp(const void *a, const void *b)
{
	const struct rp_close *x = a, *y = b;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int in_csv(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = list; *p;) {
		size_t k = strcspn(p, ",");
		if (k == n && strncmp(p, item, n) == 0)
			return 1;
		p += k + (p[k] != 0);
	}
	return 0;
}

/* One candle: its close joins its symbol's series. 0, or -1 with error.h. */
static int rp_add(struct rp_asset *as, int *na, const struct args *a, const json_t *rec)
{
	const char *sym = lyra_json_get_str(rec, "symbol"), *iv = lyra_json_get_str(rec, "interval");
	struct rp_close c;
	if (!sym || !iv || lyra_json_get_ts(rec, "ts", &c.ts) != 0 ||
	    lyra_json_get_dec(rec, "close", &c.close) != 0)
		return lyra_error_wrap("candle");
	if (lyra_dec_sign(c.close) <= 0)
		return lyra_error(LYRA_EX_DATAERR, "candle: close must be positive");
	if ((a->symbols && !in_csv(a->symbols, sym)) || (a->interval && strcmp(a->interval, iv) != 0))
		return 0;
	int i;
	for (i = 0; i < *na && strcmp(as[i].symbol, sym) != 0; i++)
		;
	if (i == *na) {
		if (*na == RP_MAX || strlen(sym) >= sizeof as[i].symbol)
			return lyra_error(LYRA_EX_DATAERR, "risk parity: at most %d symbols", RP_MAX);
		snprintf(as[i].symbol, sizeof as[i].symbol, "%s", sym);
		(*na)++;
	}
	struct rp_asset *x = &as[i];
	if (x->n == x->cap) {
		size_t nc = x->cap ? x->cap * 2 : 64;
		struct rp_close *q = realloc(x->c, nc * sizeof *q);
		if (!q)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		x->c = q;
		x->cap = nc;
	}
	x->c[x->n++] = c;
	return 0;
}

/* Candle closes from FILEs (or the store's recorded candles when none is named), aligned on
 * the timestamps every symbol has; simple returns; weights; exact sizes. */
static int size_risk_parity(const struct args *a, struct lyra_dec equity, char **ops, int nops)
{
	struct rp_asset as[RP_MAX];
	int na = 0, erc, status = 0;
	char why[256], b1[LYRA_DEC_STRLEN], b2[LYRA_DEC_STRLEN], b3[LYRA_DEC_STRLEN];
	memset(as, 0, sizeof as);
	if (!a->weighting || strcmp(a->weighting, "erc") == 0)
		erc = 1;
	else if (strcmp(a->weighting, "inverse-vol") == 0)
		erc = 0;
	else
		lyra_usage_error("--weighting: '%s' is not erc or inverse-vol", a->weighting);
	if (nops > 0) {
		struct lyra_ndjson_in *in = lyra_ndjson_open("riskcheck", ops, nops, 1);
		struct lyra_line line;
		if (!in)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		while (lyra_ndjson_next(in, &line) == 1) {
			const char *t, *pwhy;
			size_t tlen;
			if (lyra_record_peek_type(line.buf, line.len, &t, &tlen, &pwhy) != 0) {
				lyra_ndjson_reject(in, &line, "%s", pwhy);
				break;
			}
			if (!lyra_type_is(t, tlen, "candle"))
				continue;
			json_t *rec = lyra_record_parse(line.buf, line.len, why, sizeof why);
			if (!rec || rp_add(as, &na, a, rec) != 0) {
				lyra_ndjson_reject(in, &line, "%s", rec ? lyra_error_msg() : why);
				json_decref(rec);
				break;
			}
			json_decref(rec);
		}
		status = lyra_ndjson_status(in);
		lyra_ndjson_close(in);
		if (status != 0)
			return status;
	} else {
		sqlite3_stmt *st = lyra_store_prepare(store, "SELECT line FROM md_record WHERE "
		                                      "type = 'candle' ORDER BY ts, id");
		int rc;
		if (!st)
			lyra_die_last();
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			json_t *rec = lyra_record_parse(sqlite3_column_blob(st, 0),
			                                (size_t)sqlite3_column_bytes(st, 0), why, sizeof why);
			if (!rec || rp_add(as, &na, a, rec) != 0)
				lyra_die(LYRA_EX_DATAERR, "stored candle: %s", rec ? lyra_error_msg() : why);
			json_decref(rec);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			lyra_die(LYRA_EX_IOERR, "cannot read stored candles");
	}
	if (na < 2)
		lyra_die(LYRA_EX_DATAERR, "size: risk parity needs candles of at least 2 symbols, got %d",
		         na);
	for (int i = 0; i < na; i++) {
		size_t m = 0;
		qsort(as[i].c, as[i].n, sizeof *as[i].c, rp_cmp);
		for (size_t j = 0; j < as[i].n; j++) {   /* a later candle for the same ts wins */
			if (m && as[i].c[m - 1].ts == as[i].c[j].ts)
				m--;
			as[i].c[m++] = as[i].c[j];
		}
		as[i].n = m;
	}
	/* the timestamps every symbol has: a row of closes each */
	size_t rows = 0;
	struct lyra_dec *closes = malloc(as[0].n * (size_t)na * sizeof *closes);
	if (!closes)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	for (size_t j = 0; j < as[0].n; j++) {
		int all = 1;
		for (int i = 0; i < na && all; i++) {
			struct rp_close key = { as[0].c[j].ts, lyra_dec_zero() };
			struct rp_close *f = bsearch(&key, as[i].c, as[i].n, sizeof key, rp_cmp);
			if (!f)
				all = 0;
			else
				closes[rows * (size_t)na + (size_t)i] = f->close;
		}
		rows += all;
	}
	int n = rows > 1 ? (int)rows - 1 : 0;
	double *ret = malloc(((size_t)n * (size_t)na + 1) * sizeof *ret);
	double vol[RP_MAX], w[RP_MAX], rc[RP_MAX];
	if (!ret)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	for (int t = 0; t < n; t++)
		for (int i = 0; i < na; i++) {
			char x[LYRA_DEC_STRLEN], y[LYRA_DEC_STRLEN];
			lyra_dec_format(closes[(size_t)t * (size_t)na + (size_t)i], x);
			lyra_dec_format(closes[(size_t)(t + 1) * (size_t)na + (size_t)i], y);
			ret[t * na + i] = strtod(y, NULL) / strtod(x, NULL) - 1;
		}
	if (lyra_risk_parity(ret, n, na, erc, vol, w, rc) != 0)
		lyra_die(LYRA_EX_DATAERR, "size: %s", lyra_error_msg());
	printf("weighting: %s\n", erc ? "erc (equal risk contribution)" : "inverse-vol");
	printf("returns: %d per symbol, simple, from %zu aligned closes\n", n, rows);
	for (int i = 0; i < na; i++) {
		struct lyra_dec wd, size, qty, px = closes[(rows - 1) * (size_t)na + (size_t)i];
		char wb[32], vb[32], rb[32];
		snprintf(wb, sizeof wb, "%.8f", w[i]);
		snprintf(vb, sizeof vb, "%.8f", vol[i]);
		snprintf(rb, sizeof rb, "%.6f", rc[i]);
		if (lyra_dec_parse_cstr(wb, &wd) != 0)
			lyra_die(LYRA_EX_DATAERR, "size: bad weight");
		arith(lyra_dec_mul_exact(equity, wd, &size));
		arith(lyra_dec_div(size, px, Q, LYRA_ROUND_DOWN, &qty));
		if (a->lot) {
			struct lyra_dec lot = need_dec("lot", a->lot);
			if (lyra_dec_is_zero(lot))
				lyra_usage_error("--lot must be above 0");
			arith(lyra_dec_round_to(qty, lot, LYRA_ROUND_DOWN, &qty));
		}
		printf("%s: vol %s, weight %s, risk share %s\n", as[i].symbol, vb, wb, rb);
		printf("%s: size %s = equity x weight = %s x %s\n", as[i].symbol, fmt(size, b1),
		       fmt(equity, b2), wb);
		printf("%s: qty %s = size / last close %s%s\n", as[i].symbol, fmt(qty, b1),
		       fmt(px, b3), a->lot ? " (down to the lot)" : "");
	}
	free(ret);
	free(closes);
	for (int i = 0; i < na; i++)
		free(as[i].c);
	return LYRA_EX_OK;
}

static int cmd_size(const struct args *a, char **ops, int nops)
{
	char b1[LYRA_DEC_STRLEN], b2[LYRA_DEC_STRLEN], b3[LYRA_DEC_STRLEN], b4[LYRA_DEC_STRLEN];
	struct lyra_dec equity, frac, size, t, one = lyra_dec_from_int(1);
	if (!a->method)
		lyra_usage_error("size: --method is required (kelly, fixed-fractional, vol-target, risk-parity)");
	equity = need_dec("equity", a->equity);
	require("risk.size");
	if (nops > 0 && strcmp(a->method, "risk-parity") != 0)
		lyra_usage_error("unexpected argument '%s'", ops[0]);
	printf("method: %s\n", a->method);
	if (strcmp(a->method, "risk-parity") == 0)
		return size_risk_parity(a, equity, ops, nops);
	if (strcmp(a->method, "kelly") == 0) {
		struct lyra_dec p = need_dec("win-rate", a->win_rate), b = need_dec("payoff", a->payoff);
		struct lyra_dec kf = need_dec("kelly-fraction", a->kelly_fraction ? a->kelly_fraction : "0.5");
		struct lyra_dec q, full;
		if (lyra_dec_cmp(p, one) > 0 || lyra_dec_is_zero(b))
			lyra_usage_error("size: --win-rate must be in 0..1 and --payoff above 0");
		arith(lyra_dec_sub(one, p, &q));
		arith(lyra_dec_div(q, b, Q, LYRA_ROUND_HALF_EVEN, &t));
		arith(lyra_dec_sub(p, t, &full));
		printf("kelly: %s = p - (1 - p) / b = %s - %s / %s\n", fmt(full, b1), fmt(p, b2),
		       fmt(q, b3), fmt(b, b4));
		if (lyra_dec_sign(full) < 0) {
			full = lyra_dec_zero();
			printf("kelly: 0 (no edge: do not trade)\n");
		}
		arith(lyra_dec_mul(full, kf, Q, LYRA_ROUND_HALF_EVEN, &frac));
		printf("fraction: %s = kelly x %s\n", fmt(frac, b1), fmt(kf, b2));
	} else if (strcmp(a->method, "fixed-fractional") == 0) {
		struct lyra_dec r = need_dec("risk", a->risk), en = need_dec("entry", a->entry);
		struct lyra_dec sp = need_dec("stop", a->stop), amt, per, qty, notional;
		arith(lyra_dec_mul_exact(equity, r, &amt));
		arith(lyra_dec_sub(en, sp, &per));
		arith(lyra_dec_abs(per, &per));
		if (lyra_dec_is_zero(per) || lyra_dec_is_zero(en))
			lyra_usage_error("size: --entry and --stop must differ and be above 0");
		printf("risk_amount: %s = equity x risk = %s x %s\n", fmt(amt, b1), fmt(equity, b2),
		       fmt(r, b3));
		printf("risk_per_unit: %s = |entry - stop| = |%s - %s|\n", fmt(per, b1), fmt(en, b2),
		       fmt(sp, b3));
		arith(lyra_dec_div(amt, per, Q, LYRA_ROUND_DOWN, &qty));
		arith(lyra_dec_mul_exact(qty, en, &notional));
		printf("qty: %s = risk_amount / risk_per_unit\n", fmt(qty, b1));
		arith(lyra_dec_div(notional, equity, Q, LYRA_ROUND_HALF_EVEN, &frac));
		printf("fraction: %s = qty x entry / equity\n", fmt(frac, b1));
	} else if (strcmp(a->method, "vol-target") == 0) {
		struct lyra_dec tv = need_dec("target-vol", a->target_vol), v = need_dec("vol", a->vol);
		if (lyra_dec_is_zero(v))
			lyra_usage_error("size: --vol must be above 0");
		arith(lyra_dec_div(tv, v, Q, LYRA_ROUND_HALF_EVEN, &frac));
		printf("fraction: %s = target_vol / vol = %s / %s\n", fmt(frac, b1), fmt(tv, b2),
		       fmt(v, b3));
	} else {
		lyra_usage_error("size: unknown method '%s' (kelly, fixed-fractional, vol-target, "
		                 "risk-parity)",
		                 a->method);
	}
	if (a->cap) {
		struct lyra_dec cap = need_dec("cap", a->cap);
		if (lyra_dec_cmp(frac, cap) > 0) {
			printf("cap: %s (binding: fraction %s -> %s)\n", fmt(cap, b1), fmt(frac, b2),
			       fmt(cap, b3));
			frac = cap;
		} else {
			printf("cap: %s (not binding)\n", fmt(cap, b1));
		}
	}
	arith(lyra_dec_mul(equity, frac, Q, LYRA_ROUND_DOWN, &size));
	printf("size: %s = equity x fraction = %s x %s\n", fmt(size, b1), fmt(equity, b2),
	       fmt(frac, b3));
	const char *pxs = a->price ? a->price : strcmp(a->method, "fixed-fractional") == 0 ? a->entry : NULL;
	if (pxs) {
		struct lyra_dec px = need_dec("price", pxs), qty;
		if (lyra_dec_is_zero(px))
			lyra_usage_error("--price must be above 0");
		arith(lyra_dec_div(size, px, Q, LYRA_ROUND_DOWN, &qty));
		if (a->lot) {
			struct lyra_dec lot = need_dec("lot", a->lot);
			if (lyra_dec_is_zero(lot))
				lyra_usage_error("--lot must be above 0");
			arith(lyra_dec_round_to(qty, lot, LYRA_ROUND_DOWN, &qty));
		}
		printf("qty: %s = size / price = %s / %s%s\n", fmt(qty, b1), fmt(size, b2), fmt(px, b3),
		       a->lot ? " (down to the lot)" : "");
	}
	return LYRA_EX_OK;
}

/* ---- stops ---- */

static const char *opt_name(int key)
{
	for (int i = 0; opts[i].name; i++)
		if (opts[i].key == key)
			return opts[i].name;
	return "?";
}

static int is_stop_param(const char *name)
{
	const struct lyra_risk_limit_def *d = lyra_risk_limit_defs();
	for (int i = 0; d[i].name; i++)
		if (strcmp(d[i].name, name) == 0)
			return d[i].stop;
	return 0;
}

static int is_stop_input(const char *t, size_t n)
{
	return lyra_type_is(t, n, "fill") || lyra_type_is(t, n, "position") ||
	       lyra_type_is(t, n, "bbo") || lyra_type_is(t, n, "trade") ||
	       lyra_type_is(t, n, "book") || lyra_type_is(t, n, "candle") ||
	       lyra_type_is(t, n, "order_event");
}

static int stops_filter(const struct args *a, char **ops, int nops)
{
	struct lyra_risk *params = lyra_risk_new();
	struct lyra_stops *s;
	struct lyra_ndjson_in *in;
	struct lyra_line line;
	int64_t emitted = 0;
	int stop = 0;
	char why[256];

	require("risk.read");
	if (!params)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	if (lyra_risk_load(params, store) != 0)
		lyra_die_last();
	for (int i = 0; i < a->nstop_opt; i++)
		if (lyra_risk_limit_set(params, "global", a->stop_opt[i][0], a->stop_opt[i][1]) != 0)
			lyra_die_last();
	if (!(s = lyra_stops_new(params, store, me.name)))
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	if (lyra_stops_load(s) != 0)
		lyra_die_last();
	in = lyra_ndjson_open("riskcheck", ops, nops, cli.strict);
	if (!in)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	lyra_out_init(a->unbuffered || lyra_ndjson_live(ops, nops));
	json_t *orders = json_array();
	if (!orders)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	while (!stop && lyra_ndjson_next(in, &line) == 1) {
		const char *t, *pwhy;
		size_t tlen;
		if (lyra_record_peek_type(line.buf, line.len, &t, &tlen, &pwhy) != 0) {
			stop = lyra_ndjson_reject(in, &line, "%s", pwhy) != 0;
			continue;
		}
		if (!is_stop_input(t, tlen)) {
			if (lyra_out_raw(line.buf, line.len) != 0)
				lyra_die_last();
			continue;
		}
		json_t *rec = lyra_record_parse(line.buf, line.len, why, sizeof why);
		if (!rec) {
			stop = lyra_ndjson_reject(in, &line, "%s", why) != 0;
			continue;
		}
		char type[32];
		snprintf(type, sizeof type, "%.*s", (int)tlen, t);
		json_array_clear(orders);
		int rc = lyra_stops_observe(s, type, rec, orders);
		json_decref(rec);
		if (rc != 0) {
			if (lyra_error_code() != LYRA_EX_DATAERR)
				lyra_die_last();
			stop = lyra_ndjson_reject(in, &line, "%s", lyra_error_msg()) != 0;
		} else if (lyra_out_raw(line.buf, line.len) != 0) {
			lyra_die_last();
		}
		/* a stop that triggered goes out even when its record was refused afterwards */
		for (size_t i = 0; i < json_array_size(orders); i++, emitted++)
			if (lyra_out_json(json_array_get(orders, i)) != 0)
				lyra_die_last();
	}
	json_decref(orders);
	if (lyra_out_flush() != 0)
		lyra_die_last();
	int status = lyra_ndjson_status(in);
	if (cli.metrics) {
		struct lyra_metrics *m = lyra_metrics_new("riskcheck");
		if (!m)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
		lyra_metrics_declare(m, "riskcheck_stop_orders_total", LYRA_METRIC_COUNTER,
		                     "stop orders emitted by riskcheck stops");
		lyra_metrics_set_int(m, "riskcheck_stop_orders_total", NULL, emitted);
		if (lyra_metrics_write(m, cli.metrics) != 0) {
			lyra_warn("%s", lyra_error_msg());
			if (status == 0)
				status = lyra_error_code();
		}
		lyra_metrics_free(m);
	}
	lyra_ndjson_close(in);
	lyra_stops_free(s);
	lyra_risk_free(params);
	return status;
}

static int stops_show(const struct args *a)
{
	static const char *const heads[] = { "venue", "symbol", "qty", "entry", "best", "level",
	                                     "rule", "status", "order_id", "opened" };
	struct lyra_table *tab = NULL;
	require("risk.read");
	if (a->format == LYRA_FMT_NDJSON)
		lyra_usage_error("stops show: --format is table or csv");
	if (a->format == LYRA_FMT_TABLE && !(tab = lyra_table_new(heads, 10)))
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	if (!tab)
		lyra_csv_row(stdout, heads, 10);
	sqlite3_stmt *st = lyra_store_prepare(store, "SELECT venue, symbol, qty, cost, best_px, level, "
	                                      "rule, status, order_id, open_ts FROM risk_stop "
	                                      "ORDER BY venue, symbol");
	int rc;
	if (!st)
		lyra_die_last();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c[10];
		char q[LYRA_DEC_STRLEN], e[LYRA_DEC_STRLEN] = "", b[LYRA_DEC_STRLEN] = "",
		     l[LYRA_DEC_STRLEN] = "", when[40] = "";
		struct lyra_dec dq, dc, avg;
		for (int i = 0; i < 9; i++)
			c[i] = (const char *)sqlite3_column_text(st, i);
		if (lyra_dec_parse_cstr(c[2], &dq) != 0 || lyra_dec_parse_cstr(c[3], &dc) != 0 ||
		    lyra_dec_abs(dc, &dc) != 0 || lyra_dec_abs(dq, &avg) != 0 || lyra_dec_is_zero(avg) ||
		    lyra_dec_div(dc, avg, 8, LYRA_ROUND_HALF_EVEN, &avg) != 0)
			lyra_die(LYRA_EX_DATAERR, "stored stop %s %s is malformed", c[0], c[1]);
		lyra_dec_format_trim(dq, q);
		lyra_dec_format_trim(avg, e);
		struct lyra_dec t;
		if (lyra_dec_parse_cstr(c[4], &t) == 0)
			lyra_dec_format_trim(t, b);
		if (*c[5] && lyra_dec_parse_cstr(c[5], &t) == 0)
			lyra_dec_format_trim(t, l);
		lyra_time_format(sqlite3_column_int64(st, 9), when, sizeof when);
		const char *cells[] = { c[0], c[1], q, e, b, l, c[6], c[7], c[8], when };
		if (tab)
			lyra_table_add(tab, cells);
		else
			lyra_csv_row(stdout, cells, 10);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		lyra_die(LYRA_EX_IOERR, "cannot read stops");
	if (tab) {
		lyra_table_print(tab, stdout);
		lyra_table_free(tab);
	}
	return LYRA_EX_OK;
}

static int cmd_stops(const struct args *a, char **ops, int nops)
{
	const char *sub = nops ? ops[0] : NULL;
	if (sub && (strcmp(sub, "set") == 0 || strcmp(sub, "unset") == 0)) {
		int set = sub[0] == 's';
		if (nops != (set ? 3 : 2))
			lyra_usage_error("stops %s: expected %s", sub, set ? "NAME VALUE" : "NAME");
		if (!is_stop_param(ops[1]))
			lyra_usage_error("stops %s: '%s' is not a stop parameter (stop_px, stop_pct, "
			                 "trail_pct, trail_atr, atr_stop, atr_period, max_hold_sec, "
			                 "breakeven_pct, lock_pct, lock_after_pct)", sub, ops[1]);
		return set ? limits_set(a, ops[1], ops[2]) : limits_unset(a, ops[1]);
	}
	if (sub && strcmp(sub, "show") == 0) {
		if (nops != 1)
			lyra_usage_error("stops show: unexpected argument '%s'", ops[1]);
		return stops_show(a);
	}
	return stops_filter(a, ops, nops);
}

int main(int argc, char **argv)
{
	struct args a = { .poll = 200000, .format = LYRA_FMT_TABLE };
	const char *arg;
	int c, cmd, status;

	lyra_cli_init(&cli, &spec, argc, argv);
	while ((c = lyra_cli_next(&cli, &arg)) != -1) {
		switch (c) {
		case OPT_ROUND: a.round = 1; break;
		case OPT_UNBUFFERED: a.unbuffered = 1; break;
		case OPT_POLL:
			if (lyra_duration_parse(arg, &a.poll) != 0 || a.poll < 0)
				lyra_usage_error("--poll: %s", lyra_error_msg());
			break;
		case OPT_SCOPE: a.scope = arg; break;
		case OPT_REASON: a.reason = arg; break;
		case OPT_FORMAT:
			if (lyra_format_parse(arg, &a.format) != 0)
				lyra_usage_error("%s", lyra_error_msg());
			break;
		case OPT_METHOD: a.method = arg; break;
		case OPT_EQUITY: a.equity = arg; break;
		case OPT_WIN_RATE: a.win_rate = arg; break;
		case OPT_PAYOFF: a.payoff = arg; break;
		case OPT_KELLY_FRACTION: a.kelly_fraction = arg; break;
		case OPT_CAP: a.cap = arg; break;
		case OPT_RISK: a.risk = arg; break;
		case OPT_ENTRY: a.entry = arg; break;
		case OPT_STOP: a.stop = arg; break;
		case OPT_TARGET_VOL: a.target_vol = arg; break;
		case OPT_VOL: a.vol = arg; break;
		case OPT_PRICE: a.price = arg; break;
		case OPT_LOT: a.lot = arg; break;
		case OPT_WEIGHTING: a.weighting = arg; break;
		case OPT_SYMBOLS: a.symbols = arg; break;
		case OPT_INTERVAL: a.interval = arg; break;
		case OPT_STOP_PX: case OPT_STOP_PCT: case OPT_TRAIL_PCT: case OPT_TRAIL_ATR:
		case OPT_ATR_STOP: case OPT_ATR_PERIOD: case OPT_BREAKEVEN_PCT: case OPT_LOCK_PCT:
		case OPT_LOCK_AFTER_PCT: case OPT_MAX_HOLD: {
			static const char *const names[] = { "stop_px", "stop_pct", "trail_pct", "trail_atr",
			                                     "atr_stop", "atr_period", "max_hold_sec",
			                                     "breakeven_pct", "lock_pct", "lock_after_pct" };
			const char *name = names[c - OPT_STOP_PX];
			if (c == OPT_MAX_HOLD) {
				int64_t us;
				if (lyra_duration_parse(arg, &us) != 0 || us <= 0)
					lyra_usage_error("--max-hold: %s", lyra_error_msg());
				snprintf(a.max_hold, sizeof a.max_hold, "%lld.%06lld",
				         (long long)(us / LYRA_US_PER_SEC), (long long)(us % LYRA_US_PER_SEC));
				arg = a.max_hold;
			}
			if (lyra_risk_limit_validate("global", name, arg) != 0)
				lyra_usage_error("--%s: %s", opt_name(c), lyra_error_msg());
			if (a.nstop_opt == 16)
				lyra_usage_error("too many stop options");
			a.stop_opt[a.nstop_opt][0] = name;
			a.stop_opt[a.nstop_opt++][1] = arg;
			break;
		}
		}
	}
	char **ops = cli.argv + cli.optind;
	int nops = cli.argc - cli.optind;
	if (nops == 0) {
		cmd = CMD_CHECK;
	} else {
		cmd = lyra_cli_command(&spec, ops[0]);
		ops++;
		nops--;
	}
	if (cmd != CMD_CHECK && cmd != CMD_LIMITS && cmd != CMD_STOPS && cmd != CMD_SIZE && nops > 0)
		lyra_usage_error("unexpected argument '%s'", ops[0]);

	if (cmd == CMD_SIZE && !a.method)
		lyra_usage_error("size: --method is required (kelly, fixed-fractional, vol-target, risk-parity)");
	store = lyra_store_open(cli.db);
	if (!store)
		lyra_die_last();
	if (lyra_identity_resolve(store, &me) != 0)
		lyra_die_last();

	switch (cmd) {
	case CMD_CHECK: status = cmd_check(&a, ops, nops); break;
	case CMD_LIMITS: status = cmd_limits(&a, ops, nops); break;
	case CMD_HALT: status = cmd_state(&a, LYRA_RISK_HALTED); break;
	case CMD_REDUCE: status = cmd_state(&a, LYRA_RISK_REDUCING); break;
	case CMD_RESUME: status = cmd_state(&a, LYRA_RISK_ACTIVE); break;
	case CMD_STATUS: status = cmd_status(); break;
	case CMD_STOPS: status = cmd_stops(&a, ops, nops); break;
	default: status = cmd_size(&a, ops, nops); break;
	}
	lyra_store_close(store);
	lyra_cli_release(&cli);
	return lyra_cli_finish(status);
}
