/* cli.c: start-up, option parsing over one table, --help, diagnostics and the exit check. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"

const char *lyra_progname = "lyra";
static const struct lyra_cli_spec *usage_spec;  /* for usage errors */
static int cli_verbose;

enum {
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	OPT_QUIET = 'q',
	OPT_VERBOSE = 'v',
	OPT_DB = 0x10000,
	OPT_STRICT,
	OPT_METRICS,
};

static const struct lyra_opt common_opts[] = {
	{ "db", OPT_DB, "FILE", "the store (default $LYRA_DB, else ~/.local/share/lyra/lyra.db)" },
	{ "strict", OPT_STRICT, NULL, "stop at the first rejected input record" },
	{ "metrics", OPT_METRICS, "FILE", "write Prometheus textfile metrics to FILE" },
	{ "quiet", OPT_QUIET, NULL, "say less on stderr" },
	{ "verbose", OPT_VERBOSE, NULL, "say more on stderr (repeatable)" },
	{ "help", OPT_HELP, NULL, "print this help and exit" },
	{ "version", OPT_VERSION, NULL, "print the version and exit" },
	{ NULL, 0, NULL, NULL },
};

struct cli_tables {
	struct option *longopts;
	char shortopts[256];
};

static void vdiag(const char *fmt, va_list ap)
{
	char msg[2048];
	vsnprintf(msg, sizeof msg, fmt, ap);
	fflush(stdout);
	fprintf(stderr, "%s: %s\n", lyra_progname, msg);
}

void lyra_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

void lyra_note(const char *fmt, ...)
{
	va_list ap;
	if (cli_verbose < 0)
		return;
	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

void lyra_debug(const char *fmt, ...)
{
	va_list ap;
	if (cli_verbose < 1)
		return;
	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
}

_Noreturn void lyra_die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
	exit(lyra_cli_finish(code));
}

_Noreturn void lyra_die_last(void)
{
	const char *msg = lyra_error_msg();
	lyra_die(lyra_error_code(), "%s", *msg ? msg : "internal error");
}

static void print_usage_lines(const struct lyra_cli_spec *spec, FILE *f)
{
	const char *const *u = spec->usage;
	if (!u || !*u) {
		fprintf(f, "usage: %s [options]\n", spec->prog);
		return;
	}
	for (int i = 0; u[i]; i++)
		fprintf(f, "%s %s %s\n", i ? "      " : "usage:", spec->prog, u[i]);
}

_Noreturn void lyra_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(fmt, ap);
	va_end(ap);
	if (usage_spec)
		print_usage_lines(usage_spec, stderr);
	exit(lyra_cli_finish(LYRA_EX_USAGE));
}

static void help_opt(FILE *f, const struct lyra_opt *o)
{
	char left[64];
	int n;
	if (o->key > 0 && o->key < 256)
		n = snprintf(left, sizeof left, "-%c, --%s", o->key, o->name);
	else
		n = snprintf(left, sizeof left, "    --%s", o->name);
	if (o->arg && n > 0 && (size_t)n < sizeof left)
		snprintf(left + n, sizeof left - (size_t)n, " %s", o->arg);
	fprintf(f, "  %-24s %s\n", left, o->help);
}

void lyra_cli_help(const struct lyra_cli_spec *spec, void *fp)
{
	FILE *f = fp;
	print_usage_lines(spec, f);
	fprintf(f, "\n%s\n", spec->summary);
	if (spec->cmds && spec->cmds[0].name) {
		fputs("\ncommands:\n", f);
		for (const struct lyra_subcmd *c = spec->cmds; c->name; c++) {
			char left[64];
			snprintf(left, sizeof left, "%s%s%s", c->name, c->args ? " " : "",
			         c->args ? c->args : "");
			if (strlen(left) > 24)
				fprintf(f, "  %s\n  %-24s %s\n", left, "", c->help);
			else
				fprintf(f, "  %-24s %s\n", left, c->help);
		}
	}
	fputs("\noptions:\n", f);
	if (spec->opts)
		for (const struct lyra_opt *o = spec->opts; o->name; o++)
			help_opt(f, o);
	for (const struct lyra_opt *o = common_opts; o->name; o++)
		help_opt(f, o);
	fprintf(f, "\nSee %s(1) and lyra(7).\n", spec->prog);
}

static void fd_guard(void)
{
	/* A program started with 0, 1 or 2 closed must not write records into a file it opens. */
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
			int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
			if (n < 0)
				_exit(LYRA_EX_SOFTWARE);
			if (n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
	}
}

static size_t count_opts(const struct lyra_opt *o)
{
	size_t n = 0;
	while (o && o[n].name)
		n++;
	return n;
}

static void add_opt(struct cli_tables *t, size_t *n, size_t *sn, const struct lyra_opt *o)
{
	struct option *lo = &t->longopts[(*n)++];
	lo->name = o->name;
	lo->has_arg = o->arg ? required_argument : no_argument;
	lo->flag = NULL;
	lo->val = o->key;
	if (o->key > 0 && o->key < 256 && *sn + 3 < sizeof t->shortopts) {
		t->shortopts[(*sn)++] = (char)o->key;
		if (o->arg)
			t->shortopts[(*sn)++] = ':';
	}
}

void lyra_cli_init(struct lyra_cli *cli, const struct lyra_cli_spec *spec, int argc, char **argv)
{
	struct cli_tables *t;
	size_t n = 0, sn = 0, total;

	fd_guard();
	signal(SIGPIPE, SIG_IGN);
	lyra_progname = spec->prog;
	usage_spec = spec;
	memset(cli, 0, sizeof *cli);
	cli->spec = spec;
	cli->argc = argc;
	cli->argv = argv;

	total = count_opts(spec->opts) + count_opts(common_opts) + 1;
	t = calloc(1, sizeof *t);
	if (t)
		t->longopts = calloc(total, sizeof *t->longopts);
	if (!t || !t->longopts)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	t->shortopts[sn++] = ':';  /* report a missing argument as ':' */
	for (const struct lyra_opt *o = spec->opts; o && o->name; o++)
		add_opt(t, &n, &sn, o);
	for (const struct lyra_opt *o = common_opts; o->name; o++)
		add_opt(t, &n, &sn, o);
	cli->priv = t;
	opterr = 0;
	optind = 1;
}

void lyra_cli_release(struct lyra_cli *cli)
{
	struct cli_tables *t = cli->priv;
	if (t) {
		free(t->longopts);
		free(t);
	}
	cli->priv = NULL;
}

static const char *bad_option_name(struct lyra_cli *cli, char *buf, size_t n)
{
	const char *arg = cli->argv[optind - 1];
	if (optopt && optopt < 256 && !(arg && arg[0] == '-' && arg[1] == '-'))
		snprintf(buf, n, "-%c", optopt);
	else
		snprintf(buf, n, "%s", arg ? arg : "?");
	char *eq = strchr(buf, '=');
	if (eq)
		*eq = '\0';
	return buf;
}

int lyra_cli_next(struct lyra_cli *cli, const char **arg)
{
	struct cli_tables *t = cli->priv;
	char name[128];
	for (;;) {
		int c = getopt_long(cli->argc, cli->argv, t->shortopts, t->longopts, NULL);
		*arg = optarg;
		switch (c) {
		case -1:
			cli->optind = optind;
			return -1;
		case OPT_HELP:
			lyra_cli_help(cli->spec, stdout);
			exit(lyra_cli_finish(LYRA_EX_OK));
		case OPT_VERSION:
			printf("%s (lyra) %s\n", cli->spec->prog, LYRA_VERSION);
			exit(lyra_cli_finish(LYRA_EX_OK));
		case OPT_QUIET:
			cli->verbose = -1;
			cli_verbose = -1;
			break;
		case OPT_VERBOSE:
			cli->verbose = cli->verbose < 0 ? 1 : cli->verbose + 1;
			cli_verbose = cli->verbose;
			break;
		case OPT_DB:
			cli->db = optarg;
			break;
		case OPT_STRICT:
			cli->strict = 1;
			break;
		case OPT_METRICS:
			cli->metrics = optarg;
			break;
		case ':':
			lyra_usage_error("option '%s' needs an argument",
			                 bad_option_name(cli, name, sizeof name));
		case '?':
			lyra_usage_error("unknown option '%s'", bad_option_name(cli, name, sizeof name));
		default:
			return c;
		}
	}
}

static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[64];
	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0], tmp;
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			tmp = row[j];
			int best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = tmp;
		}
	}
	return row[lb];
}

const char *lyra_nearest(const char *word, const char *const *cands, int n)
{
	const char *best = NULL;
	int bestd = 99, limit = (int)strlen(word) / 3;
	if (limit < 2)
		limit = 2;
	for (int i = 0; i < n; i++) {
		int d = edit_distance(word, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return bestd <= limit ? best : NULL;
}

int lyra_cli_command(const struct lyra_cli_spec *spec, const char *name)
{
	const char *names[64];
	int n = 0;
	if (!name)
		lyra_usage_error("missing command (try '%s --help')", spec->prog);
	for (const struct lyra_subcmd *c = spec->cmds; c && c->name && n < 64; c++, n++) {
		if (strcmp(c->name, name) == 0)
			return n;
		names[n] = c->name;
	}
	const char *near = lyra_nearest(name, names, n);
	if (near)
		lyra_usage_error("unknown command '%s' (did you mean '%s'?)", name, near);
	lyra_usage_error("unknown command '%s' (try '%s --help')", name, spec->prog);
}

int lyra_cli_finish(int status)
{
	int failed = fflush(stdout) != 0 || ferror(stdout);
	int err = errno;
	if (!failed && fclose(stdout) != 0) {
		failed = 1;
		err = errno;
	}
	if (failed) {
		if (err == EPIPE) {
			signal(SIGPIPE, SIG_DFL);
			raise(SIGPIPE);
		}
		fprintf(stderr, "%s: write error on stdout: %s\n", lyra_progname,
		        err ? strerror(err) : "unknown error");
		return LYRA_EX_IOERR;
	}
	return status;
}

int lyra_exit_merge(int a, int b)
{
	return a ? a : b;
}
