/* auth: access control for a lyra store. Turn it on (init), log in and out, manage users and
 * their roles, second factors (TOTP), service tokens for scripts, exchange API keys in the
 * vault (add, list with rotation due dates, rotate, revoke, rekey), and answer "may I?" for
 * scripts (check). The model (roles x permissions, tokens, vault) lives in lib/auth.h,
 * lib/vault.h and lib/apikey.h; this file is the command line over it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "apikey.h"
#include "audit.h"
#include "auth.h"
#include "cli.h"
#include "clock.h"
#include "error.h"
#include "identity.h"
#include "metrics.h"
#include "ndjson.h"
#include "record.h"
#include "secret.h"
#include "store.h"
#include "table.h"
#include "vault.h"

enum {
	CMD_INIT, CMD_LOGIN, CMD_LOGOUT, CMD_REFRESH, CMD_WHOAMI, CMD_USER, CMD_MFA, CMD_TOKEN,
	CMD_KEY, CMD_CHECK, CMD_PERMS,
};

static const struct lyra_subcmd cmds[] = {
	[CMD_INIT] = { "init", "[--user NAME]", "create the first super admin and turn access control on" },
	[CMD_LOGIN] = { "login", "[--user NAME]", "log in (password, then a TOTP code if enrolled)" },
	[CMD_LOGOUT] = { "logout", NULL, "end this session and remove the token file" },
	[CMD_REFRESH] = { "refresh", NULL, "new access and refresh tokens for this session" },
	[CMD_WHOAMI] = { "whoami", NULL, "print who you are acting as and your role" },
	[CMD_USER] = { "user", "add|del|passwd|role|lock|unlock|list", "manage users" },
	[CMD_MFA] = { "mfa", "enroll|verify|disable", "manage your second factor (TOTP)" },
	[CMD_TOKEN] = { "token", "issue|list|revoke", "service tokens for scripts and cron" },
	[CMD_KEY] = { "key", "add|list|rotate|revoke|rekey|reencrypt", "exchange API keys in the vault" },
	[CMD_CHECK] = { "check", "PERMISSION", "exit 0 if you have PERMISSION, 77 if not" },
	[CMD_PERMS] = { "perms", "[--format FMT]", "print the roles x permissions table" },
	{ NULL, NULL, NULL },
};

enum {
	OPT_USER = 256, OPT_ROLE, OPT_TTL, OPT_NAME, OPT_LABEL, OPT_FILE, OPT_DUE, OPT_ALL,
	OPT_FORMAT, OPT_NEW_MASTER, OPT_OUT,
};

static const struct lyra_opt opts[] = {
	{ "user", OPT_USER, "NAME", "init, login: the user (default: your OS user name)" },
	{ "role", OPT_ROLE, "ROLE", "user add, token issue: the role" },
	{ "name", OPT_NAME, "NAME", "token issue: the token's name" },
	{ "ttl", OPT_TTL, "D", "token issue: lifetime, a duration such as 30d (default 90d)" },
	{ "out", OPT_OUT, "FILE", "token issue: write the token to FILE (mode 0600), not stdout" },
	{ "label", OPT_LABEL, "LABEL", "key: which of a venue's keys (default main)" },
	{ "file", OPT_FILE, "FILE", "key add, rotate: read the credentials from FILE (mode 0600)" },
	{ "due", OPT_DUE, "D", "key list: only keys due for rotation within D; exit 1 if any" },
	{ "all", OPT_ALL, NULL, "key list, token list: include revoked ones" },
	{ "new-master", OPT_NEW_MASTER, "FILE", "key rekey: also change the master secret to FILE's" },
	{ "format", OPT_FORMAT, "FMT", "lists: table (default), csv or ndjson" },
	{ NULL, 0, NULL, NULL },
};

static const char *const usage[] = {
	"init [--user NAME]",
	"login [--user NAME] | logout | refresh | whoami",
	"user add NAME --role ROLE | user del NAME | user passwd [NAME]",
	"user role NAME ROLE | user lock NAME | user unlock NAME | user list",
	"mfa enroll | mfa verify | mfa disable [NAME]",
	"token issue --name NAME --role ROLE [--ttl D] [--out FILE] | token list | token revoke NAME",
	"key add VENUE [--label L] [--file FILE] | key list [--due D] | key rotate VENUE [--file FILE]",
	"key revoke VENUE [--label L] | key rekey [--new-master FILE] | key reencrypt",
	"check PERMISSION | perms",
	NULL,
};

static const struct lyra_cli_spec spec = {
	"auth", "Access control: users, roles, second factors, tokens and the API key vault.",
	usage, cmds, opts,
};

struct args {
	const char *user, *role, *name, *label, *file, *new_master, *out;
	int64_t ttl, due;
	int has_due, all, has_format;
	enum lyra_format format;
	char **ops;           /* operands after the command */
	int nops;
};

static struct lyra_cli cli;
static struct lyra_store *store;
static struct lyra_identity me;

static void die_last(void)
{
	lyra_die_last();
}

static void require(const char *permission)
{
	if (lyra_identity_require(store, &me, permission) != 0)
		die_last();
}

static void resolve(void)
{
	if (lyra_identity_resolve(store, &me) != 0)
		die_last();
}

static const char *os_user(void)
{
	static char name[128];
	struct passwd *pw = getpwuid(geteuid());
	snprintf(name, sizeof name, "%s", pw && pw->pw_name ? pw->pw_name : "lyra");
	return name;
}

static void when(int64_t us, char *buf, size_t n)
{
	if (us <= 0)
		snprintf(buf, n, "-");
	else
		lyra_time_format(us - us % LYRA_US_PER_SEC, buf, n);
}

static const char *sub_name(const struct args *a, int i, const char *what)
{
	if (i >= a->nops)
		lyra_usage_error("missing %s", what);
	return a->ops[i];
}

static void no_more(const struct args *a, int used)
{
	if (a->nops > used)
		lyra_usage_error("unexpected argument '%s'", a->ops[used]);
}

static int subcommand(const char *group, const char *name, const char *const *names, int n)
{
	if (!name)
		lyra_usage_error("'%s' needs a command: %s", group, names[0]);
	for (int i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	const char *near = lyra_nearest(name, names, n);
	if (near)
		lyra_usage_error("unknown command '%s %s' (did you mean '%s'?)", group, name, near);
	lyra_usage_error("unknown command '%s %s' (try 'auth --help')", group, name);
}

/* ---- reading secrets ---- */

static void read_secret(const char *prompt, char *buf, size_t n)
{
	if (lyra_secret_read(prompt, buf, n) < 0)
		die_last();
}

/* A new password: twice at a terminal, once (one line) from a script. */
static void read_new_password(const char *user, char *buf, size_t n)
{
	char prompt[200], again[LYRA_SECRET_MAX];
	snprintf(prompt, sizeof prompt, "new password for %s: ", user);
	read_secret(prompt, buf, n);
	if (lyra_secret_interactive()) {
		read_secret("again: ", again, sizeof again);
		if (strlen(again) != strlen(buf) || CRYPTO_memcmp(again, buf, strlen(buf)) != 0) {
			lyra_secret_wipe(again, sizeof again);
			lyra_secret_wipe(buf, n);
			lyra_die(LYRA_EX_USAGE, "the passwords typed do not match");
		}
		lyra_secret_wipe(again, sizeof again);
	}
	if (lyra_auth_password_check(user, buf) != 0) {
		lyra_secret_wipe(buf, n);
		die_last();
	}
}

/* ---- init, login, logout, refresh, whoami ---- */

static int cmd_init(struct args *a)
{
	char pw[LYRA_SECRET_MAX];
	const char *name = a->user ? a->user : os_user();
	int on;

	no_more(a, 0);
	on = lyra_auth_enforced(store);
	if (on < 0)
		die_last();
	if (on)
		lyra_die(LYRA_EX_USAGE, "access control is on already in store '%s'", store->path);
	resolve();
	read_new_password(name, pw, sizeof pw);
	if (lyra_auth_init(store, me.name, name, pw, lyra_time_now_us()) != 0) {
		lyra_secret_wipe(pw, sizeof pw);
		die_last();
	}
	lyra_secret_wipe(pw, sizeof pw);
	lyra_note("access control is on in '%s': '%s' is super_admin; 'auth login' next", store->path,
	          name);
	return LYRA_EX_OK;
}

static void token_file(char *path, size_t n)
{
	if (lyra_auth_token_path(path, n) != 0)
		die_last();
}

static int cmd_login(struct args *a)
{
	char pw[LYRA_SECRET_MAX], code[64], prompt[200], path[PATH_MAX], until[40];
	const char *name = a->user ? a->user : os_user();
	struct lyra_auth_tokens t;
	int rc;

	no_more(a, 0);
	token_file(path, sizeof path);
	snprintf(prompt, sizeof prompt, "password for %s: ", name);
	read_secret(prompt, pw, sizeof pw);
	rc = lyra_auth_login(store, name, pw, NULL, lyra_time_now_us(), &t);
	if (rc == LYRA_AUTH_NEED_CODE) {
		read_secret("code from your authenticator app (or a recovery code): ", code, sizeof code);
		rc = lyra_auth_login(store, name, pw, code, lyra_time_now_us(), &t);
		lyra_secret_wipe(code, sizeof code);
	}
	lyra_secret_wipe(pw, sizeof pw);
	if (rc != 0)
		die_last();
	if (lyra_auth_tokens_save(&t, path) != 0) {
		lyra_auth_tokens_release(&t);
		die_last();
	}
	when(t.access_expires, until, sizeof until);
	lyra_note("logged in as %s (%s); access until %s, renew with 'auth refresh'", t.user, t.role,
	          until);
	lyra_auth_tokens_release(&t);
	return LYRA_EX_OK;
}

static int cmd_logout(struct args *a)
{
	char path[PATH_MAX];
	struct lyra_auth_tokens t;
	int rc;

	no_more(a, 0);
	token_file(path, sizeof path);
	if (lyra_auth_tokens_load(path, &t) != 0)
		die_last();
	rc = lyra_auth_logout(store, &t, lyra_time_now_us());
	lyra_auth_tokens_release(&t);
	if (unlink(path) != 0 && errno != ENOENT)
		lyra_warn("cannot remove '%s': %s", path, strerror(errno));
	if (rc != 0)
		die_last();
	lyra_note("logged out");
	return LYRA_EX_OK;
}

static int cmd_refresh(struct args *a)
{
	char path[PATH_MAX], until[40];
	struct lyra_auth_tokens t, n;

	no_more(a, 0);
	token_file(path, sizeof path);
	if (lyra_auth_tokens_load(path, &t) != 0)
		die_last();
	if (lyra_auth_refresh(store, t.refresh, lyra_time_now_us(), &n) != 0) {
		lyra_auth_tokens_release(&t);
		die_last();
	}
	lyra_auth_tokens_release(&t);
	if (lyra_auth_tokens_save(&n, path) != 0) {
		lyra_auth_tokens_release(&n);
		die_last();
	}
	when(n.access_expires, until, sizeof until);
	lyra_note("tokens renewed for %s; access until %s", n.user, until);
	lyra_auth_tokens_release(&n);
	return LYRA_EX_OK;
}

static int cmd_whoami(struct args *a)
{
	no_more(a, 0);
	resolve();
	if (me.local)
		printf("%s super_admin local\n", me.name);
	else
		printf("%s %s\n", me.name, me.role);
	return LYRA_EX_OK;
}

/* ---- user ---- */

struct lister {
	enum lyra_format format;
	struct lyra_table *table;
	size_t ncols;
	int rows;
};

static void list_open(struct lister *l, const struct args *a, const char *const *heads, size_t n)
{
	memset(l, 0, sizeof *l);
	l->format = a->has_format ? a->format : LYRA_FMT_TABLE;
	l->ncols = n;
	if (l->format == LYRA_FMT_TABLE) {
		l->table = lyra_table_new(heads, n);
		if (!l->table)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	} else if (l->format == LYRA_FMT_CSV) {
		lyra_csv_row(stdout, heads, n);
	} else {
		lyra_out_init(0);
	}
}

static void list_row(struct lister *l, const char *type, const char *const *heads,
                     const char *const *cells)
{
	l->rows++;
	if (l->format == LYRA_FMT_TABLE) {
		lyra_table_add(l->table, cells);
	} else if (l->format == LYRA_FMT_CSV) {
		lyra_csv_row(stdout, cells, l->ncols);
	} else {
		json_t *rec = lyra_record_new(type, lyra_time_now_us());
		for (size_t i = 0; i < l->ncols; i++)
			json_object_set_new(rec, heads[i], json_string(cells[i] ? cells[i] : ""));
		lyra_out_json(rec);
		json_decref(rec);
	}
}

static void list_close(struct lister *l)
{
	if (l->table) {
		lyra_table_print(l->table, stdout);
		lyra_table_free(l->table);
	}
	lyra_out_flush();
}

static const char *const user_heads[] = {
	"name", "role", "mfa", "status", "last_login", "password_changed", "created",
};

static int user_cb(void *ctx, const struct lyra_auth_user *u)
{
	struct lister *l = ctx;
	char last[40], changed[40], created[40], status[80];
	int64_t now = lyra_time_now_us();

	when(u->last_login, last, sizeof last);
	when(u->password_changed, changed, sizeof changed);
	when(u->created, created, sizeof created);
	if (u->disabled)
		snprintf(status, sizeof status, "locked");
	else if (u->locked_until > now) {
		char until[40];
		when(u->locked_until, until, sizeof until);
		snprintf(status, sizeof status, "locked-out-until-%s", until);
	} else
		snprintf(status, sizeof status, "active");
	const char *cells[] = { u->name, u->role, u->mfa ? "totp" : "-", status, last, changed, created };
	list_row(l, "user", user_heads, cells);
	return 0;
}

static int cmd_user(struct args *a)
{
	static const char *const names[] = { "add", "del", "passwd", "role", "lock", "unlock", "list" };
	int sub = subcommand("user", a->nops ? a->ops[0] : NULL, names, 7);
	int64_t now = lyra_time_now_us();
	char pw[LYRA_SECRET_MAX], old[LYRA_SECRET_MAX];
	const char *name;
	int rc = 0;

	resolve();
	switch (sub) {
	case 0:
		name = sub_name(a, 1, "user name");
		no_more(a, 2);
		if (!a->role)
			lyra_usage_error("user add needs --role ROLE");
		if (lyra_auth_role_parse(a->role) < 0)
			lyra_usage_error("%s", lyra_error_msg());
		require("auth.admin");
		read_new_password(name, pw, sizeof pw);
		rc = lyra_auth_user_add(store, &me, name, a->role, pw, now);
		lyra_secret_wipe(pw, sizeof pw);
		if (!rc)
			lyra_note("added user '%s' (%s)", name, a->role);
		break;
	case 1:
		name = sub_name(a, 1, "user name");
		no_more(a, 2);
		require("auth.admin");
		rc = lyra_auth_user_del(store, &me, name, now);
		if (!rc)
			lyra_note("removed user '%s'", name);
		break;
	case 2: {
		int self;
		name = a->nops > 1 ? a->ops[1] : me.name;
		no_more(a, 2);
		self = !me.local && strcmp(name, me.name) == 0;
		if (!self)
			require("auth.admin");
		if (self) {
			char prompt[200];
			snprintf(prompt, sizeof prompt, "current password for %s: ", name);
			read_secret(prompt, old, sizeof old);
		}
		read_new_password(name, pw, sizeof pw);
		rc = lyra_auth_user_passwd(store, &me, name, self ? old : NULL, pw, now);
		lyra_secret_wipe(pw, sizeof pw);
		lyra_secret_wipe(old, sizeof old);
		if (!rc)
			lyra_note("password of '%s' changed; its sessions are ended", name);
		break;
	}
	case 3: {
		const char *role;
		name = sub_name(a, 1, "user name");
		role = a->nops > 2 ? a->ops[2] : a->role;
		if (!role)
			lyra_usage_error("user role needs NAME and ROLE");
		no_more(a, a->nops > 2 ? 3 : 2);
		if (lyra_auth_role_parse(role) < 0)
			lyra_usage_error("%s", lyra_error_msg());
		require("auth.admin");
		rc = lyra_auth_user_role(store, &me, name, role, now);
		if (!rc)
			lyra_note("'%s' is now %s", name, role);
		break;
	}
	case 4:
	case 5:
		name = sub_name(a, 1, "user name");
		no_more(a, 2);
		require("auth.admin");
		rc = lyra_auth_user_lock(store, &me, name, sub == 4, now);
		if (!rc)
			lyra_note("%s '%s'", sub == 4 ? "locked" : "unlocked", name);
		break;
	default: {
		struct lister l;
		no_more(a, 1);
		require("auth.admin");
		list_open(&l, a, user_heads, 7);
		rc = lyra_auth_user_list(store, user_cb, &l);
		list_close(&l);
		break;
	}
	}
	if (rc)
		die_last();
	return LYRA_EX_OK;
}

/* ---- mfa ---- */

static int cmd_mfa(struct args *a)
{
	static const char *const names[] = { "enroll", "verify", "disable" };
	int sub = subcommand("mfa", a->nops ? a->ops[0] : NULL, names, 3);
	int64_t now = lyra_time_now_us();
	char code[64];
	int rc;

	resolve();
	if (sub == 0) {
		struct lyra_auth_enrolment e;
		no_more(a, 1);
		if (lyra_auth_mfa_enroll(store, &me, now, &e) != 0)
			die_last();
		printf("secret: %s\n", e.secret);
		printf("uri: %s\n", e.uri);
		printf("recovery codes (each works once; keep them offline):\n");
		for (int i = 0; i < LYRA_AUTH_RECOVERY_CODES; i++)
			printf("  %s\n", e.recovery[i]);
		lyra_auth_enrolment_wipe(&e);
		lyra_note("add the secret to your authenticator app, then run 'auth mfa verify' with a code "
		          "to switch the second factor on");
		return LYRA_EX_OK;
	}
	if (sub == 1) {
		no_more(a, 1);
		read_secret("code from your authenticator app: ", code, sizeof code);
		rc = lyra_auth_mfa_verify(store, &me, code, now);
		lyra_secret_wipe(code, sizeof code);
		if (rc != 0)
			die_last();
		lyra_note("code accepted: logins of '%s' need a code from now on", me.name);
		return LYRA_EX_OK;
	}
	{
		const char *name = a->nops > 1 ? a->ops[1] : me.name;
		int self = !me.local && strcmp(name, me.name) == 0;
		no_more(a, 2);
		if (!self)
			require("auth.admin");
		if (self)
			read_secret("code from your authenticator app (or a recovery code): ", code, sizeof code);
		rc = lyra_auth_mfa_disable(store, &me, name, self ? code : NULL, now);
		lyra_secret_wipe(code, sizeof code);
		if (rc != 0)
			die_last();
		lyra_note("second factor of '%s' removed", name);
	}
	return LYRA_EX_OK;
}

/* ---- token ---- */

static const char *const token_heads[] = {
	"name", "role", "status", "expires", "last_used", "uses", "created", "created_by",
};

struct token_list {
	struct lister l;
	int all;
};

static int token_cb(void *ctx, const struct lyra_auth_service *t)
{
	struct token_list *tl = ctx;
	char exp[40], last[40], created[40], uses[32];
	const char *status = t->revoked ? "revoked" : t->expires <= lyra_time_now_us() ? "expired" : "live";

	if (!tl->all && strcmp(status, "live") != 0)
		return 0;
	when(t->expires, exp, sizeof exp);
	when(t->last_used, last, sizeof last);
	when(t->created, created, sizeof created);
	snprintf(uses, sizeof uses, "%lld", (long long)t->uses);
	const char *cells[] = { t->name, t->role, status, exp, last, uses, created, t->created_by };
	list_row(&tl->l, "service_token", token_heads, cells);
	return 0;
}

static int cmd_token(struct args *a)
{
	static const char *const names[] = { "issue", "list", "revoke" };
	int sub = subcommand("token", a->nops ? a->ops[0] : NULL, names, 3);
	int64_t now = lyra_time_now_us();

	resolve();
	require("auth.admin");
	if (sub == 0) {
		char *tok = NULL;
		char until[40];
		no_more(a, 1);
		if (!a->name || !a->role)
			lyra_usage_error("token issue needs --name NAME and --role ROLE");
		if (lyra_auth_role_parse(a->role) < 0)
			lyra_usage_error("%s", lyra_error_msg());
		if (a->out && access(a->out, F_OK) == 0)
			lyra_die(LYRA_EX_CANTCREAT, "'%s' exists: token files are never overwritten", a->out);
		if (lyra_auth_service_issue(store, &me, a->name, a->role, a->ttl, now, &tok) != 0)
			die_last();
		if (a->out) {
			FILE *f;
			int fd = open(a->out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			f = fd >= 0 ? fdopen(fd, "w") : NULL;
			if (!f || fprintf(f, "%s\n", tok) < 0 || fclose(f) != 0) {
				lyra_secret_wipe(tok, strlen(tok));
				free(tok);
				lyra_die(LYRA_EX_CANTCREAT, "cannot write '%s': %s", a->out, strerror(errno));
			}
		} else {
			printf("%s\n", tok);
		}
		lyra_secret_wipe(tok, strlen(tok));
		free(tok);
		when(now + a->ttl, until, sizeof until);
		lyra_note("service token '%s' (%s) valid until %s; use it as LYRA_TOKEN", a->name, a->role,
		          until);
		return LYRA_EX_OK;
	}
	if (sub == 2) {
		const char *name = sub_name(a, 1, "token name");
		no_more(a, 2);
		if (lyra_auth_service_revoke(store, &me, name, now) != 0)
			die_last();
		lyra_note("revoked service token '%s'", name);
		return LYRA_EX_OK;
	}
	{
		struct token_list tl = { .all = a->all };
		no_more(a, 1);
		list_open(&tl.l, a, token_heads, 8);
		if (lyra_auth_service_list(store, token_cb, &tl) != 0)
			die_last();
		list_close(&tl.l);
	}
	return LYRA_EX_OK;
}

/* ---- key ---- */

static void unlock_vault(struct lyra_vault *v)
{
	lyra_vault_init(v, store);
	if (lyra_vault_unlock_default(v) != 0)
		die_last();
}

/* Credentials from --file, else standard input (prompts at a terminal). */
static void read_credentials(const struct args *a, struct lyra_apikey_secret *s)
{
	char buf[LYRA_VAULT_VALUE_MAX];
	int n = 0;

	if (a->file) {
		n = lyra_secret_read_file(a->file, buf, sizeof buf);
		if (n < 0)
			die_last();
	} else if (lyra_secret_interactive()) {
		char k[256], sec[512], pass[256];
		read_secret("API key: ", k, sizeof k);
		read_secret("API secret: ", sec, sizeof sec);
		read_secret("passphrase (empty if none): ", pass, sizeof pass);
		n = snprintf(buf, sizeof buf, "%s\n%s\n%s\n", k, sec, pass);
		lyra_secret_wipe(k, sizeof k);
		lyra_secret_wipe(sec, sizeof sec);
		lyra_secret_wipe(pass, sizeof pass);
	} else {
		ssize_t r;
		while ((size_t)n < sizeof buf && (r = read(STDIN_FILENO, buf + n, sizeof buf - (size_t)n)) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				lyra_die(LYRA_EX_IOERR, "cannot read standard input: %s", strerror(errno));
			n += (int)r;
		}
		if ((size_t)n == sizeof buf)
			lyra_die(LYRA_EX_DATAERR, "API credentials too long");
	}
	if (lyra_apikey_parse(buf, (size_t)n, s) != 0) {
		lyra_secret_wipe(buf, sizeof buf);
		die_last();
	}
	lyra_secret_wipe(buf, sizeof buf);
}

static const char *const key_heads[] = {
	"venue", "label", "hint", "added", "rotated", "age_days", "due", "status",
};

struct key_list {
	struct lister l;
	int64_t now, within;
	int has_due, due_count;
	struct lyra_metrics *m;   /* --metrics: every key listed that is not revoked */
};

/* lyra_auth_key_rotation_due_timestamp_seconds{venue,label}: when the key is due. */
static void key_metric(struct lyra_metrics *m, const struct lyra_apikey *k)
{
	char venue[64], label[256], labels[400];
	if (lyra_metrics_escape(k->venue, venue, sizeof venue) < 0 ||
	    lyra_metrics_escape(k->label, label, sizeof label) < 0)
		return;
	snprintf(labels, sizeof labels, "venue=\"%s\",label=\"%s\"", venue, label);
	lyra_metrics_set_int(m, "auth_key_rotation_due_timestamp_seconds", labels,
	                     k->due / LYRA_US_PER_SEC);
}

static int key_cb(void *ctx, const struct lyra_apikey *k)
{
	struct key_list *kl = ctx;
	char added[40], rotated[40], due[40], age[32], hint[16];
	const char *status;

	if (kl->m && !k->revoked)
		key_metric(kl->m, k);
	if (kl->has_due && !k->revoked && k->due > kl->now + kl->within)
		return 0;
	if (kl->has_due && k->revoked)
		return 0;
	if (k->revoked)
		status = "revoked";
	else if (k->due <= kl->now)
		status = "overdue";
	else if (k->due <= kl->now + 14 * 86400 * LYRA_US_PER_SEC)
		status = "due-soon";
	else
		status = "ok";
	if (!k->revoked && k->due <= kl->now + kl->within)
		kl->due_count++;
	when(k->created, added, sizeof added);
	when(k->rotated, rotated, sizeof rotated);
	when(k->due, due, sizeof due);
	snprintf(age, sizeof age, "%lld", (long long)((kl->now - k->rotated) / (86400 * LYRA_US_PER_SEC)));
	snprintf(hint, sizeof hint, "...%s", k->hint);
	const char *cells[] = { k->venue, k->label, hint, added, rotated, age, due, status };
	list_row(&kl->l, "api_key", key_heads, cells);
	return 0;
}

static int cmd_key(struct args *a)
{
	static const char *const names[] = { "add", "list", "rotate", "revoke", "rekey", "reencrypt" };
	int sub = subcommand("key", a->nops ? a->ops[0] : NULL, names, 6);
	int64_t now = lyra_time_now_us();
	struct lyra_apikey_secret s;
	struct lyra_vault v;
	const char *venue;
	int rc;

	resolve();
	if (sub == 0 || sub == 2) {
		venue = sub_name(a, 1, "venue");
		no_more(a, 2);
		require("key.admin");
		if (!lyra_apikey_venue_known(venue))
			lyra_usage_error("unknown venue '%s': one of binance okx coinbase kraken gateio "
			                 "bitfinex bitstamp gemini", venue);
		unlock_vault(&v);
		read_credentials(a, &s);
		rc = sub == 0 ? lyra_apikey_add(store, &v, &me, venue, a->label, &s, now)
		              : lyra_apikey_rotate(store, &v, &me, venue, a->label, &s, now);
		lyra_apikey_secret_wipe(&s);
		lyra_vault_release(&v);
		if (rc != 0)
			die_last();
		lyra_note("%s %s key '%s' (due for rotation in %d days)", sub == 0 ? "added" : "rotated",
		          venue, a->label ? a->label : "main", LYRA_APIKEY_ROTATE_DAYS);
		return LYRA_EX_OK;
	}
	if (sub == 3) {
		venue = sub_name(a, 1, "venue");
		no_more(a, 2);
		require("key.admin");
		if (lyra_apikey_revoke(store, &me, venue, a->label, now) != 0)
			die_last();
		lyra_note("revoked %s key '%s'; revoke it at the venue too", venue,
		          a->label ? a->label : "main");
		return LYRA_EX_OK;
	}
	if (sub == 1) {
		struct key_list kl = { .now = now, .within = a->due, .has_due = a->has_due };
		struct lyra_vault_status vs;
		no_more(a, 1);
		require("key.list");
		if (cli.metrics) {
			kl.m = lyra_metrics_new("auth");
			if (!kl.m)
				lyra_die(LYRA_EX_SOFTWARE, "out of memory");
			lyra_metrics_declare(kl.m, "auth_key_rotation_due_timestamp_seconds",
			                     LYRA_METRIC_GAUGE, "when each API key is due for rotation");
		}
		list_open(&kl.l, a, key_heads, 8);
		if (lyra_apikey_list(store, a->all, key_cb, &kl) != 0)
			die_last();
		list_close(&kl.l);
		if (kl.m) {
			rc = lyra_metrics_write(kl.m, cli.metrics);
			lyra_metrics_free(kl.m);
			if (rc != 0)
				die_last();
		}
		lyra_vault_init(&v, store);
		if (lyra_vault_status(&v, &vs) == 0 && vs.stale[0] + vs.stale[1] > 0)
			lyra_note("%lld vault entries are still sealed under retired keys: run 'auth key "
			          "reencrypt'", (long long)(vs.stale[0] + vs.stale[1]));
		if (kl.has_due && kl.due_count) {
			lyra_note("%d key(s) due for rotation: 'auth key rotate VENUE'", kl.due_count);
			return LYRA_EX_NO;
		}
		return LYRA_EX_OK;
	}
	no_more(a, 1);
	require("key.admin");
	{
		struct lyra_vault_status vs;
		int64_t sys = 0, data = 0, moved = 0, dropped = 0;
		json_t *details;
		const char *action = sub == 4 ? "key.rekey" : "key.reencrypt";

		lyra_vault_init(&v, store);
		if (lyra_vault_status(&v, &vs) != 0)
			die_last();
		if (vs.master_set || a->new_master) {
			if (lyra_vault_unlock_default(&v) != 0)
				die_last();
		}
		if (sub == 4 && a->new_master && !vs.master_set)
			lyra_usage_error("--new-master: the vault has no master secret yet");
		if (sub == 5 && a->new_master)
			lyra_usage_error("--new-master goes with 'key rekey'");
		if (lyra_store_begin(store) != 0)
			die_last();
		if (sub == 4) {
			if (vs.keys[LYRA_VAULT_SYSTEM] && (sys = lyra_vault_rekey(&v, LYRA_VAULT_SYSTEM, now)) < 0)
				goto fail;
			if (vs.keys[LYRA_VAULT_DATA] && (data = lyra_vault_rekey(&v, LYRA_VAULT_DATA, now)) < 0)
				goto fail;
			if (a->new_master) {
				char buf[LYRA_SECRET_MAX];
				int n = lyra_secret_read_file(a->new_master, buf, sizeof buf);
				if (n < 0)
					goto fail;
				rc = lyra_vault_remaster(&v, buf, (size_t)n);
				lyra_secret_wipe(buf, sizeof buf);
				if (rc != 0)
					goto fail;
			}
			details = json_pack("{sIsIsb}", "system_key", (json_int_t)sys, "data_key",
			                    (json_int_t)data, "new_master", a->new_master != NULL);
		} else {
			if (lyra_vault_reencrypt(&v, now, &moved, &dropped) != 0)
				goto fail;
			details = json_pack("{sIsI}", "entries", (json_int_t)moved, "keys_dropped",
			                    (json_int_t)dropped);
		}
		rc = lyra_audit_append(store, me.name, action, "vault", details) < 0;
		json_decref(details);
		if (rc || lyra_store_commit(store) != 0)
			goto fail;
		lyra_vault_release(&v);
		if (sub == 4)
			lyra_note("new vault keys made; old entries stay readable until 'auth key reencrypt'%s",
			          a->new_master ? "; the master secret is changed" : "");
		else
			lyra_note("re-encrypted %lld entries, dropped %lld retired keys", (long long)moved,
			          (long long)dropped);
		return LYRA_EX_OK;
fail:
		lyra_store_rollback(store);
		lyra_vault_release(&v);
		die_last();
	}
	return LYRA_EX_OK;
}

/* ---- check, perms ---- */

static int cmd_check(struct args *a)
{
	const char *perm = sub_name(a, 0, "permission");
	no_more(a, 1);
	if (!lyra_auth_perm_find(perm))
		lyra_usage_error("unknown permission '%s' (see 'auth perms')", perm);
	resolve();
	if (lyra_identity_require(store, &me, perm) != 0) {
		lyra_warn("%s", lyra_error_msg());
		return LYRA_EX_NOPERM;
	}
	return LYRA_EX_OK;
}

static int cmd_perms(struct args *a)
{
	const char *heads[2 + LYRA_ROLE_COUNT];
	struct lister l;

	no_more(a, 0);
	heads[0] = "permission";
	for (int r = 0; r < LYRA_ROLE_COUNT; r++)
		heads[1 + r] = lyra_auth_role_name(r);
	heads[1 + LYRA_ROLE_COUNT] = "what";
	list_open(&l, a, heads, 2 + LYRA_ROLE_COUNT);
	for (const struct lyra_auth_perm *p = lyra_auth_perms(); p->name; p++) {
		const char *cells[2 + LYRA_ROLE_COUNT];
		cells[0] = p->name;
		for (int r = 0; r < LYRA_ROLE_COUNT; r++)
			cells[1 + r] = p->roles & (1u << r) ? "x" : "-";
		cells[1 + LYRA_ROLE_COUNT] = p->what;
		list_row(&l, "permission", heads, cells);
	}
	list_close(&l);
	return LYRA_EX_OK;
}

int main(int argc, char **argv)
{
	struct args a = { .ttl = 90LL * 86400 * LYRA_US_PER_SEC };
	const char *arg;
	int c, cmd, status;

	lyra_cli_init(&cli, &spec, argc, argv);
	while ((c = lyra_cli_next(&cli, &arg)) != -1) {
		switch (c) {
		case OPT_USER: a.user = arg; break;
		case OPT_ROLE: a.role = arg; break;
		case OPT_NAME: a.name = arg; break;
		case OPT_LABEL: a.label = arg; break;
		case OPT_FILE: a.file = arg; break;
		case OPT_OUT: a.out = arg; break;
		case OPT_NEW_MASTER: a.new_master = arg; break;
		case OPT_ALL: a.all = 1; break;
		case OPT_TTL:
			if (lyra_duration_parse(arg, &a.ttl) != 0 || a.ttl <= 0)
				lyra_usage_error("--ttl: %s", lyra_error_msg());
			break;
		case OPT_DUE:
			if (lyra_duration_parse(arg, &a.due) != 0)
				lyra_usage_error("--due: %s", lyra_error_msg());
			a.has_due = 1;
			break;
		case OPT_FORMAT:
			if (lyra_format_parse(arg, &a.format) != 0)
				lyra_usage_error("%s", lyra_error_msg());
			a.has_format = 1;
			break;
		}
	}
	cmd = lyra_cli_command(&spec, cli.optind < cli.argc ? cli.argv[cli.optind] : NULL);
	a.ops = cli.argv + cli.optind + 1;
	a.nops = cli.argc - cli.optind - 1;
	if (cmd == CMD_PERMS) {
		status = cmd_perms(&a);
		lyra_cli_release(&cli);
		return lyra_cli_finish(status);
	}
	store = lyra_store_open(cli.db);
	if (!store)
		lyra_die_last();
	switch (cmd) {
	case CMD_INIT: status = cmd_init(&a); break;
	case CMD_LOGIN: status = cmd_login(&a); break;
	case CMD_LOGOUT: status = cmd_logout(&a); break;
	case CMD_REFRESH: status = cmd_refresh(&a); break;
	case CMD_WHOAMI: status = cmd_whoami(&a); break;
	case CMD_USER: status = cmd_user(&a); break;
	case CMD_MFA: status = cmd_mfa(&a); break;
	case CMD_TOKEN: status = cmd_token(&a); break;
	case CMD_KEY: status = cmd_key(&a); break;
	default: status = cmd_check(&a); break;
	}
	lyra_store_close(store);
	lyra_cli_release(&cli);
	return lyra_cli_finish(status);
}
