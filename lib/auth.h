/* auth.h: who may do what, once a store enforces access control (`auth init`). Six roles, a
 * table of permissions with each role's grants, users with PBKDF2-HMAC-SHA256 password hashes,
 * lockout, TOTP second factors with recovery codes, login sessions (an HS256 access token of 30
 * minutes and a one-time refresh token of 7 days, rotated on every refresh; 60 minutes idle ends
 * a session), service tokens for scripts, and the identity hooks (identity.h) every program uses
 * without installing anything: lyra_identity_resolve and lyra_identity_require come here when
 * meta "auth.enforce" is "1".
 * Every function that changes the store does it in one transaction that also appends its audit
 * entries (auth.login, auth.login.fail, auth.lockout, auth.user.*, auth.mfa.*, auth.token.*,
 * auth.refresh, auth.logout); secrets never go into audit details or error messages. Times are
 * passed in (microseconds) so that tests can move them; programs pass lyra_time_now_us(). */
#ifndef LYRA_AUTH_H
#define LYRA_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include "identity.h"
#include "store.h"

/* PBKDF2 iterations (OWASP 2023). The ASan+UBSan test build (LYRA_SANITIZER_BUILD, never
 * installed) uses fewer: under ASan's allocator OpenSSL's 600k HMAC rounds take seconds a hash,
 * and its suite hashes hundreds of times; the code path is the same, only the count. The count
 * is stored with each hash, so a store is portable across builds. */
#ifdef LYRA_SANITIZER_BUILD
#define LYRA_AUTH_KDF_ITER 20000
#else
#define LYRA_AUTH_KDF_ITER 600000
#endif
#define LYRA_AUTH_PASSWORD_MIN 12                       /* characters */
#define LYRA_AUTH_MAX_FAILURES 5                        /* failed logins before a lockout */
#define LYRA_AUTH_LOCK_US (30LL * 60 * 1000000)         /* lockout length */
#define LYRA_AUTH_ACCESS_S (30 * 60)                    /* access token lifetime */
#define LYRA_AUTH_REFRESH_S (7 * 86400)                 /* refresh token lifetime */
#define LYRA_AUTH_IDLE_US (60LL * 60 * 1000000)         /* a session ends after this idle */
#define LYRA_AUTH_RECOVERY_CODES 10
#define LYRA_AUTH_NEED_CODE 1                           /* lyra_auth_login: password right, code needed */

enum lyra_role {
	LYRA_ROLE_SUPER_ADMIN, LYRA_ROLE_ADMIN, LYRA_ROLE_TRADER, LYRA_ROLE_ANALYST,
	LYRA_ROLE_AUDITOR, LYRA_ROLE_VIEWER, LYRA_ROLE_COUNT,
};

/* "super_admin", ... for a role; NULL outside the enum. */
const char *lyra_auth_role_name(int role);
/* The role named s, or -1 with error.h (LYRA_EX_USAGE) naming the six roles. */
int lyra_auth_role_parse(const char *s);

/* One permission: its name, the roles granted it (bit 1 << enum lyra_role), what it covers. */
struct lyra_auth_perm {
	const char *name;
	unsigned roles;
	const char *what;
};
/* The permission table, terminated by {NULL} (borrowed, static). Programs add their rows here;
 * man/auth.1 documents it. A permission not in the table is denied to every role. */
const struct lyra_auth_perm *lyra_auth_perms(void);
const struct lyra_auth_perm *lyra_auth_perm_find(const char *name);
/* 1 if role (a name) is granted permission, else 0. */
int lyra_auth_role_allows(const char *role, const char *permission);

/* The identity hooks (identity.h). resolve reads the caller's token ($LYRA_TOKEN, else the token
 * file) and checks it at the wall clock; allowed looks the permission up in the table. */
extern const struct lyra_auth_hooks lyra_auth_identity_hooks;
int lyra_auth_resolve(struct lyra_store *st, struct lyra_identity *id);
int lyra_auth_allowed(struct lyra_store *st, const struct lyra_identity *id, const char *permission);

/* PBKDF2-HMAC-SHA256 (PKCS5_PBKDF2_HMAC). 0, or -1 with error.h. */
int lyra_auth_pbkdf2(const char *pw, size_t pwlen, const unsigned char *salt, size_t saltlen,
                     unsigned iter, unsigned char *out, size_t outlen);
/* The password policy: at least LYRA_AUTH_PASSWORD_MIN characters, not the user name (in any
 * case), not one character repeated, not in the list of common passwords shipped with lyra.
 * 0, or -1 with error.h (LYRA_EX_DATAERR) saying which rule failed (never echoing it). */
int lyra_auth_password_check(const char *user, const char *password);

/* 1 when the store enforces access control, 0 in local mode, -1 on error. */
int lyra_auth_enforced(struct lyra_store *st);

/* The tokens of a login session. access is NEW (malloc'd). */
struct lyra_auth_tokens {
	char *access;                 /* the HS256 access token */
	char refresh[48];             /* one-time refresh token (base64url of 32 random bytes) */
	char session[40];             /* session id */
	char user[128];
	char role[32];
	int64_t access_expires;       /* microseconds */
	int64_t refresh_expires;
};
/* Free and wipe. */
void lyra_auth_tokens_release(struct lyra_auth_tokens *t);

/* The token file: ${XDG_CONFIG_HOME:-$HOME/.config}/lyra/token. 0 or -1 (LYRA_EX_CONFIG). */
int lyra_auth_token_path(char *buf, size_t n);
/* Write t as one JSON object to path, mode 0600 whatever the umask (through a temporary file
 * and rename; folders made 0700). 0 or -1. */
int lyra_auth_tokens_save(const struct lyra_auth_tokens *t, const char *path);
/* Read a token file. Refuses one that group or others may read (LYRA_EX_NOPERM), a missing one
 * (LYRA_EX_NOPERM: "not logged in"). 0 or -1. */
int lyra_auth_tokens_load(const char *path, struct lyra_auth_tokens *t);

/* Turn access control on: create super admin `name` with password (policy-checked), the token
 * signing key (in the vault, class system: makes the local key file when missing) and meta
 * "auth.enforce" = "1". Only on a store without users (else LYRA_EX_USAGE). actor is the OS
 * user for the audit entry. 0 or -1. */
int lyra_auth_init(struct lyra_store *st, const char *actor, const char *name,
                   const char *password, int64_t now);

/* Log in: checks lockout, the password (re-hashing it when its parameters are older than
 * LYRA_AUTH_KDF_ITER) and, when the user has TOTP, code (a 6-digit TOTP code, used once, or a
 * recovery code). Returns 0 with tokens filled; LYRA_AUTH_NEED_CODE when the password is right
 * but code is NULL and one is needed (nothing recorded); -1 with error.h (LYRA_EX_NOPERM): a
 * wrong user name or password gives the same message either way. Failures count towards the
 * lockout and are audited; the fifth in a row locks the account for 30 minutes. */
int lyra_auth_login(struct lyra_store *st, const char *name, const char *password,
                    const char *code, int64_t now, struct lyra_auth_tokens *out);
/* Exchange a refresh token for new tokens; the old refresh token is spent. Presenting a spent
 * refresh token ends the whole session (it was stolen or replayed). 0 or -1 (LYRA_EX_NOPERM). */
int lyra_auth_refresh(struct lyra_store *st, const char *refresh, int64_t now,
                      struct lyra_auth_tokens *out);
/* End the session the refresh token (or, failing that, the access token) belongs to. 0 or -1. */
int lyra_auth_logout(struct lyra_store *st, const struct lyra_auth_tokens *t, int64_t now);
/* Check a token (access or service) at now and fill id. Service token uses are counted and
 * audited (auth.token.use); refused tokens are audited (auth.token.refused). session (may be
 * NULL, 40 bytes) gets the session id. 0 or -1 (LYRA_EX_NOPERM with the reason). */
int lyra_auth_check_token(struct lyra_store *st, const char *token, int64_t now,
                          struct lyra_identity *id, char *session);

/* Users. actor is the caller (already checked for auth.admin by the program where needed):
 * only a super_admin may add, change, lock or remove a super_admin or grant that role, and the
 * last active super_admin can be neither removed, demoted nor locked. 0 or -1 with error.h. */
int lyra_auth_user_add(struct lyra_store *st, const struct lyra_identity *actor,
                       const char *name, const char *role, const char *password, int64_t now);
int lyra_auth_user_del(struct lyra_store *st, const struct lyra_identity *actor,
                       const char *name, int64_t now);
/* Change a password. old is the current password when users change their own (required then),
 * NULL when an administrator resets someone else's. Ends the user's sessions. */
int lyra_auth_user_passwd(struct lyra_store *st, const struct lyra_identity *actor,
                          const char *name, const char *old, const char *password, int64_t now);
int lyra_auth_user_role(struct lyra_store *st, const struct lyra_identity *actor,
                        const char *name, const char *role, int64_t now);
/* lock = 1: disable the account and end its sessions; 0: enable it and clear a lockout. */
int lyra_auth_user_lock(struct lyra_store *st, const struct lyra_identity *actor,
                        const char *name, int lock, int64_t now);

struct lyra_auth_user {
	char name[128];
	char role[32];
	int64_t created, password_changed, last_login, locked_until;  /* us; 0 when never/none */
	int disabled;                 /* locked by an administrator */
	int failures;                 /* failed logins since the last success */
	int mfa;                      /* 1 when TOTP is enrolled and confirmed */
	unsigned iterations;          /* PBKDF2 iterations of the stored hash */
};
/* Call cb for every user by name; cb returns 0 to go on. 0 or -1. */
int lyra_auth_user_list(struct lyra_store *st,
                        int (*cb)(void *ctx, const struct lyra_auth_user *u), void *ctx);

/* TOTP. enroll (for the actor itself) makes a new secret and recovery codes; the factor is
 * used at login only once lyra_auth_mfa_verify accepted a code. The caller shows the secret,
 * the otpauth:// URI and the codes once; only hashes of the codes are kept. */
struct lyra_auth_enrolment {
	char secret[40];              /* base32 */
	char uri[512];
	char recovery[LYRA_AUTH_RECOVERY_CODES][24];
};
int lyra_auth_mfa_enroll(struct lyra_store *st, const struct lyra_identity *actor, int64_t now,
                         struct lyra_auth_enrolment *out);
/* Check a TOTP code for the actor (confirming a new enrolment). 0 or -1 (LYRA_EX_NOPERM). */
int lyra_auth_mfa_verify(struct lyra_store *st, const struct lyra_identity *actor,
                         const char *code, int64_t now);
/* Remove user name's second factor: the user itself with a current code (TOTP or recovery),
 * or an administrator for someone else (code NULL). */
int lyra_auth_mfa_disable(struct lyra_store *st, const struct lyra_identity *actor,
                          const char *name, const char *code, int64_t now);
/* Wipe an enrolment's secrets from memory. */
void lyra_auth_enrolment_wipe(struct lyra_auth_enrolment *e);

/* Service tokens (actor "token:NAME" with a fixed role): issue returns the token (NEW string,
 * shown once), valid for ttl_us; a role above the actor's own is refused. */
int lyra_auth_service_issue(struct lyra_store *st, const struct lyra_identity *actor,
                            const char *name, const char *role, int64_t ttl_us, int64_t now,
                            char **token);
int lyra_auth_service_revoke(struct lyra_store *st, const struct lyra_identity *actor,
                             const char *name, int64_t now);
struct lyra_auth_service {
	char name[128];
	char role[32];
	char created_by[128];
	int64_t created, expires, last_used, revoked;   /* us; 0 when never/not */
	int64_t uses;
};
int lyra_auth_service_list(struct lyra_store *st,
                           int (*cb)(void *ctx, const struct lyra_auth_service *t), void *ctx);

#endif
