/* identity.h: who is acting. A store with no users is in local mode: the OS user (by uid, not
 * $USER) acts as super_admin and every action is still audited under that name. When the store's
 * meta key "auth.enforce" is "1", resolution and permission checks go to the hooks the auth
 * module installs; without them, enforcement fails closed (LYRA_EX_NOPERM). */
#ifndef LYRA_IDENTITY_H
#define LYRA_IDENTITY_H

#include "store.h"

struct lyra_identity {
	char name[128];  /* user name (local mode: the OS user name, or "uid:N" when it has none) */
	char role[32];   /* super_admin, admin, trader, analyst, auditor, viewer */
	int local;       /* 1 in local mode */
};

struct lyra_auth_hooks {
	/* Resolve the caller (token from LYRA_TOKEN or the token file). 0, or -1 with error.h. */
	int (*resolve)(struct lyra_store *st, struct lyra_identity *id);
	/* 1 if id may do `permission` (e.g. "order.submit", "audit.read"), else 0. */
	int (*allowed)(struct lyra_store *st, const struct lyra_identity *id, const char *permission);
};

/* Install the auth module's hooks (borrowed, static lifetime). */
void lyra_identity_install(const struct lyra_auth_hooks *hooks);

/* Resolve the caller against the store. 0, or -1 with error.h set (LYRA_EX_NOPERM). */
int lyra_identity_resolve(struct lyra_store *st, struct lyra_identity *id);

/* Check a permission. 0 when allowed; -1 when denied: error.h says "permission denied: USER
 * (ROLE) may not PERMISSION" with LYRA_EX_NOPERM, and the denial is audited
 * (action "auth.deny") in its own transaction. */
int lyra_identity_require(struct lyra_store *st, const struct lyra_identity *id,
                          const char *permission);

#endif
