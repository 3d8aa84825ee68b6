/* apikey.h: exchange API credentials kept in the vault (vault.h, class "data": the master
 * secret is needed to add, rotate or read them). A record per venue and label holds only what
 * is not secret (a 4-character hint of the API key, dates); the key, secret and passphrase are
 * sealed together. Credentials are due for rotation LYRA_APIKEY_ROTATE_DAYS after they were
 * added or last rotated. Only oms and execalgo read them (lyra_apikey_read, permission
 * "key.read"); nothing else in lyra ever prints them. Every add, rotate, revoke and read appends
 * its audit entry (key.add, key.rotate, key.revoke, key.read) in the same transaction. */
#ifndef LYRA_APIKEY_H
#define LYRA_APIKEY_H

#include <stddef.h>
#include <stdint.h>
#include "identity.h"
#include "store.h"
#include "vault.h"

#define LYRA_APIKEY_ROTATE_DAYS 90

struct lyra_apikey_secret {
	char key[256];          /* the API key (public part) */
	char secret[512];       /* the API secret */
	char passphrase[256];   /* okx, coinbase: the key's passphrase; "" when none */
};

struct lyra_apikey {
	int64_t id;
	char venue[16];
	char label[64];
	char hint[8];           /* the API key's last 4 characters */
	char created_by[128];
	int64_t created, rotated, due, revoked;   /* us; revoked 0 when live */
};

/* The venues that take API keys (all but paper). 1 if venue is one, else 0. */
int lyra_apikey_venue_known(const char *venue);

/* Parse credentials as given on stdin or in a file: a JSON object {"key": ..., "secret": ...,
 * "passphrase": ..., "permissions": [...]}, or lines "KEY\nSECRET[\nPASSPHRASE]". A key whose
 * declared permissions include "withdraw" (or "withdrawal", "transfer") is refused
 * (LYRA_EX_DATAERR): lyra never holds keys that can move funds off a venue. 0 or -1. */
int lyra_apikey_parse(const char *text, size_t n, struct lyra_apikey_secret *out);
void lyra_apikey_secret_wipe(struct lyra_apikey_secret *s);

/* Add credentials for venue/label (label "main" when NULL); v must be unlocked (master). */
int lyra_apikey_add(struct lyra_store *st, struct lyra_vault *v, const struct lyra_identity *actor,
                    const char *venue, const char *label, const struct lyra_apikey_secret *s,
                    int64_t now);
/* Replace the credentials of venue/label with new ones; the rotation clock restarts. */
int lyra_apikey_rotate(struct lyra_store *st, struct lyra_vault *v,
                       const struct lyra_identity *actor, const char *venue, const char *label,
                       const struct lyra_apikey_secret *s, int64_t now);
/* Revoke venue/label: the sealed credentials are deleted, the record stays (revoked). */
int lyra_apikey_revoke(struct lyra_store *st, const struct lyra_identity *actor,
                       const char *venue, const char *label, int64_t now);
/* Call cb for each record (live ones only unless all), by venue and label. 0 or -1. */
int lyra_apikey_list(struct lyra_store *st, int all,
                     int (*cb)(void *ctx, const struct lyra_apikey *k), void *ctx);
/* For oms and execalgo: require "key.read" of id (a denial is audited and exits 77 in the
 * caller), open the credentials of venue/label and audit the read (key.read, no secret in the
 * details). v must be unlocked. 0 or -1 (LYRA_EX_NOINPUT when there are none). */
int lyra_apikey_read(struct lyra_store *st, struct lyra_vault *v, const struct lyra_identity *id,
                     const char *venue, const char *label, struct lyra_apikey_secret *out,
                     int64_t now);

#endif
