/* vault.h: the store's key vault. Each secret (an exchange API credential, the token signing
 * key, a user's TOTP secret) is sealed with AES-256-GCM under a random 256-bit data key, with
 * the entry's name and key id as associated data so sealed values cannot be swapped between
 * entries. Data keys are kept only wrapped (AES-256-GCM again) by a key-encryption key:
 *   - class "data" (trading credentials): the master key, derived with PBKDF2-HMAC-SHA256
 *     (600,000 iterations, a random per-store salt kept in meta "vault.kdf") from the master
 *     secret: the file named by $LYRA_MASTER_KEY_FILE, or typed at a terminal prompt. A wrong
 *     master secret fails the GCM tag check and is refused (LYRA_EX_NOPERM);
 *   - class "system" (what every program needs without the master secret: the token signing
 *     key, TOTP secrets): the local key, 32 random bytes in $LYRA_LOCAL_KEY_FILE, default
 *     ${XDG_CONFIG_HOME:-$HOME/.config}/lyra/local.key (mode 0600), made by `auth init`.
 * Neither the master secret, the master key, the local key nor any data key is ever stored in
 * the clear: a copy of the store alone opens nothing.
 * Rotation: lyra_vault_rekey makes a new current data key for a class and retires the old one;
 * entries sealed under retired keys stay readable until lyra_vault_reencrypt seals them again
 * under the current keys and drops the retired keys nothing uses any more.
 * Writes (put, del, rekey, reencrypt, remaster) must run inside lyra_store_begin()/commit; the
 * caller appends the audit entry. */
#ifndef LYRA_VAULT_H
#define LYRA_VAULT_H

#include <stddef.h>
#include <stdint.h>
#include "store.h"

#ifdef LYRA_SANITIZER_BUILD      /* the ASan test build only: see LYRA_AUTH_KDF_ITER in auth.h */
#define LYRA_VAULT_KDF_ITER 20000
#else
#define LYRA_VAULT_KDF_ITER 600000   /* stored with the vault's salt, so the count can change */
#endif
#define LYRA_VAULT_MASTER_MIN 16      /* shortest master secret accepted when the vault is new */
#define LYRA_VAULT_VALUE_MAX 8192     /* largest sealed value */

enum lyra_vault_class { LYRA_VAULT_SYSTEM, LYRA_VAULT_DATA };

struct lyra_vault {
	struct lyra_store *st;        /* borrowed */
	unsigned char master[32];     /* the master key, when have_master */
	unsigned char local[32];      /* the local key, when have_local */
	char local_kek[40];           /* "local:" + 16 hex digits of SHA-256(local key) */
	char kdf[160];                /* meta "vault.kdf" to write when the vault is new */
	int have_master;
	int have_local;
	int master_new;               /* 1: no master key existed; kdf is written with the first data key */
};

struct lyra_vault_status {
	int64_t keys[2];              /* data keys per class (current and retired) */
	int64_t current[2];           /* id of each class's current key, 0 if none */
	int64_t entries[2];           /* sealed entries per class */
	int64_t stale[2];             /* entries still sealed under a retired key */
	int master_set;               /* 1 once a master secret has been chosen for this store */
};

void lyra_vault_init(struct lyra_vault *v, struct lyra_store *st);
/* Wipe the keys held. */
void lyra_vault_release(struct lyra_vault *v);

/* The local key file's path: $LYRA_LOCAL_KEY_FILE, else ${XDG_CONFIG_HOME:-$HOME/.config}/
 * lyra/local.key. 0, or -1 (LYRA_EX_CONFIG) when neither HOME nor XDG_CONFIG_HOME is set. */
int lyra_vault_local_path(char *buf, size_t n);
/* Load the local key; with create, make it (32 random bytes, file 0600, folders 0700) when the
 * file does not exist. 0, or -1 with error.h (LYRA_EX_CONFIG when missing or malformed). */
int lyra_vault_load_local(struct lyra_vault *v, int create);

/* Derive the master key from a master secret and check it against the store: -1 with
 * LYRA_EX_NOPERM "wrong master secret" when it does not open the store's keys. On a store with
 * no master key yet, a new salt is made (written with the first data key) and the secret must
 * be at least LYRA_VAULT_MASTER_MIN bytes (LYRA_EX_CONFIG). secret is borrowed and not kept. */
int lyra_vault_unlock(struct lyra_vault *v, const char *secret, size_t n);
/* Unlock with the secret from $LYRA_MASTER_KEY_FILE (see secret.h for the file rules), or else,
 * when standard input is a terminal, typed at a prompt (twice when the vault is new). With
 * neither: -1 with LYRA_EX_CONFIG. */
int lyra_vault_unlock_default(struct lyra_vault *v);

/* Seal data (n <= LYRA_VAULT_VALUE_MAX bytes) as entry name under the class's current key,
 * creating that key if the class has none; replaces an entry of the same name. In a
 * transaction. 0 or -1. */
int lyra_vault_put(struct lyra_vault *v, enum lyra_vault_class cls, const char *name,
                   const void *data, size_t n, int64_t now);
/* Open entry name into out (cap bytes). Returns the length, or -1 with error.h: LYRA_EX_NOINPUT
 * when there is no such entry, LYRA_EX_NOPERM (wrong or missing key), LYRA_EX_IOERR (damaged). */
int lyra_vault_get(struct lyra_vault *v, const char *name, void *out, size_t cap);
/* 1 if entry name exists, 0 if not, -1 on error. */
int lyra_vault_has(struct lyra_vault *v, const char *name);
/* Remove entry name (absent is fine). In a transaction. 0 or -1. */
int lyra_vault_del(struct lyra_vault *v, const char *name);

/* A new current data key for cls; the previous one is retired but still opens its entries.
 * For class system the local key file is made when missing (with the master key unlocked, this
 * moves a store to a machine without its old local key: rekey, then reencrypt). In a
 * transaction. Returns the new key id, or -1. */
int64_t lyra_vault_rekey(struct lyra_vault *v, enum lyra_vault_class cls, int64_t now);
/* Seal every entry under a retired key again under its class's current key, then drop retired
 * keys no entry uses. *moved and *dropped (may be NULL) get the counts. In a transaction.
 * 0 or -1 (nothing changes: the caller rolls back). */
int lyra_vault_reencrypt(struct lyra_vault *v, int64_t now, int64_t *moved, int64_t *dropped);
/* Re-wrap every data key under a master key derived from new_secret with a new salt; the
 * vault must be unlocked with the current secret. In a transaction. 0 or -1. */
int lyra_vault_remaster(struct lyra_vault *v, const char *new_secret, size_t n);

/* Counts for `auth key list` and the tests. 0 or -1. */
int lyra_vault_status(struct lyra_vault *v, struct lyra_vault_status *s);

#endif
