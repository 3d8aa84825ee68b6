/* cli.h: what every lyra program shares at start and exit. Start-up (fds 0-2 open, SIGPIPE
 * ignored so writers see EPIPE and roll back cleanly, C locale), the common options (-h/--help,
 * -V/--version, --db, -q/-v, --strict, --metrics FILE) merged with the program's own from one
 * table that also produces --help (and through it the completions), `prog: message`
 * diagnostics, and the exit check on stdout (a full disk is exit 74, a closed pipe dies quietly
 * by SIGPIPE as cat does). */
#ifndef LYRA_CLI_H
#define LYRA_CLI_H

#include <stdarg.h>
#include "exitcode.h"

/* One program option. key is the short option character, or a value >= 256 for long-only. */
struct lyra_opt {
	const char *name;   /* long name without "--" */
	int key;            /* returned by lyra_cli_next() */
	const char *arg;    /* argument name shown in --help ("FILE"), NULL for a flag */
	const char *help;   /* one line for --help */
};

struct lyra_subcmd {
	const char *name;   /* "verify" */
	const char *args;   /* "[--quiet]" shown after the name, or NULL */
	const char *help;   /* one line */
};

struct lyra_cli_spec {
	const char *prog;               /* program name */
	const char *summary;            /* one line: what it does */
	const char *const *usage;       /* usage lines without "prog ", NULL-terminated */
	const struct lyra_subcmd *cmds; /* subcommands, terminated by {NULL}; NULL if none */
	const struct lyra_opt *opts;    /* program options, terminated by {NULL}; NULL if none */
};

struct lyra_cli {
	const struct lyra_cli_spec *spec;
	const char *db;       /* --db FILE, or NULL for the default store */
	const char *metrics;  /* --metrics FILE, or NULL */
	int verbose;          /* -1 with -q, 0 normally, +1 per -v */
	int strict;           /* --strict: stop at the first rejected record */
	int argc;             /* after lyra_cli_next() returned -1: operands are argv[optind..argc) */
	char **argv;
	int optind;
	void *priv;           /* getopt tables (owned) */
};

/* Program name for diagnostics ("lyra" until lyra_cli_init). */
extern const char *lyra_progname;

/* Start-up and option parsing. init never fails (allocation failure dies with 70). */
void lyra_cli_init(struct lyra_cli *cli, const struct lyra_cli_spec *spec, int argc, char **argv);
/* The next program option: returns its key and sets *arg (NULL for flags); handles the common
 * options itself (--help prints and exits 0, --version likewise); a bad option or missing
 * argument exits 64 with a usage message. Returns -1 when options are done; operands are then
 * cli->argv[cli->optind .. cli->argc). Options may come before or after operands. */
int lyra_cli_next(struct lyra_cli *cli, const char **arg);
void lyra_cli_release(struct lyra_cli *cli);

/* Print the --help text to f. */
void lyra_cli_help(const struct lyra_cli_spec *spec, void *f);

/* Diagnostics on stderr as "prog: message". lyra_warn always; lyra_note unless -q;
 * lyra_debug only with -v. */
void lyra_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lyra_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lyra_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "prog: message" and exit with code (after the stdout check). */
void lyra_die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
/* Die with the last library error (error.h): its message and its exit class. */
void lyra_die_last(void) __attribute__((noreturn));
/* Usage error: "prog: message", the usage lines, a hint to --help; exit 64. */
void lyra_usage_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Match a subcommand name against spec->cmds; returns its index or dies with a usage error
 * naming the closest command. name NULL: usage error "missing command". */
int lyra_cli_command(const struct lyra_cli_spec *spec, const char *name);

/* The candidate closest to word by edit distance (at most max(2, len/3) edits), or NULL. */
const char *lyra_nearest(const char *word, const char *const *cands, int n);

/* Finish: flush and check stdout. Returns status, or 74 after "prog: write error on stdout:
 * reason"; on EPIPE the process dies by SIGPIPE like any filter whose reader went away. */
int lyra_cli_finish(int status);

/* Combine two exit statuses: the first non-zero wins. */
int lyra_exit_merge(int a, int b);

#endif
