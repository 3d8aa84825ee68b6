/* identity.c: who is acting (identity.h). Local mode (the OS user as super_admin) unless the
 * store's meta "auth.enforce" is "1"; then the auth module's hooks resolve the caller and judge
 * permissions: auth.h's unless a program installed others, and with hooks explicitly removed
 * (lyra_identity_install(NULL)) everything fails closed. Denials are audited as "auth.deny". */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "audit.h"
#include "auth.h"
#include "error.h"
#include "identity.h"

static const struct lyra_auth_hooks *auth_hooks = &lyra_auth_identity_hooks;

void lyra_identity_install(const struct lyra_auth_hooks *hooks)
{
	auth_hooks = hooks;
}

/* 1 when the store enforces access control, 0 in local mode, -1 with error.h set. */
static int enforced(struct lyra_store *st)
{
	sqlite3_stmt *stmt = lyra_store_cached(st, "SELECT value FROM meta WHERE key = 'auth.enforce'");
	int rc, on = 0;

	if (!stmt)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(stmt, 0);
		on = v && strcmp(v, "1") == 0;
	} else if (rc != SQLITE_DONE) {
		lyra_store_fail(st, "cannot read the access control setting");
		sqlite3_reset(stmt);
		return -1;
	}
	sqlite3_reset(stmt);
	return on;
}

static void local_identity(struct lyra_identity *id)
{
	uid_t uid = geteuid();
	struct passwd pw, *res = NULL;
	char buf[4096];

	memset(id, 0, sizeof *id);
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res && res->pw_name &&
	    res->pw_name[0] && strlen(res->pw_name) < sizeof id->name)
		memcpy(id->name, res->pw_name, strlen(res->pw_name) + 1);
	else
		snprintf(id->name, sizeof id->name, "uid:%lu", (unsigned long)uid);
	snprintf(id->role, sizeof id->role, "super_admin");
	id->local = 1;
}

static int built_without(struct lyra_store *st)
{
	return lyra_error(LYRA_EX_NOPERM,
	                  "access control is on in store '%s' but this program was built without it",
	                  st->path);
}

int lyra_identity_resolve(struct lyra_store *st, struct lyra_identity *id)
{
	int on = enforced(st);

	if (on < 0)
		return lyra_error_wrap("cannot resolve the caller");
	if (!on) {
		local_identity(id);
		return 0;
	}
	memset(id, 0, sizeof *id);
	if (!auth_hooks || !auth_hooks->resolve)
		return built_without(st);
	if (auth_hooks->resolve(st, id) < 0)
		return -1;
	id->name[sizeof id->name - 1] = '\0';
	id->role[sizeof id->role - 1] = '\0';
	id->local = 0;
	return 0;
}

/* Record the denial: in the caller's transaction when one is open, else in its own. Failures
 * here do not turn the denial into anything else. */
static void audit_denial(struct lyra_store *st, const struct lyra_identity *id, const char *permission)
{
	json_t *details = json_pack("{s:s}", "role", id->role);
	int outer = st->in_tx > 0;

	if (lyra_store_begin(st) == 0) {
		if (lyra_audit_append(st, id->name, "auth.deny", permission, details) < 0 && !outer)
			lyra_store_rollback(st);
		else
			lyra_store_commit(st);
	}
	json_decref(details);
}

int lyra_identity_require(struct lyra_store *st, const struct lyra_identity *id,
                          const char *permission)
{
	int hooked = auth_hooks && auth_hooks->allowed;

	if (id->local)
		return 0;
	if (hooked && auth_hooks->allowed(st, id, permission) == 1)
		return 0;
	audit_denial(st, id, permission);
	if (!hooked)
		return built_without(st);
	return lyra_error(LYRA_EX_NOPERM, "permission denied: %s (%s) may not %s", id->name, id->role,
	                  permission);
}
