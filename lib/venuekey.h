/* venuekey.h: the API key a program uses for a live venue: from a key file when one is named
 * (sign.h: JSON, mode 0600), otherwise from the vault (auth key add), unlocked with the master
 * secret, the read checked against the caller's permissions and audited (apikey.h). Shared by
 * the programs that talk to venues' private APIs (oms, positions reconcile). */
#ifndef LYRA_VENUEKEY_H
#define LYRA_VENUEKEY_H

#include "identity.h"
#include "sign.h"
#include "store.h"

/* Fill out with the key for venue (label NULL: the vault's default label). 0, or -1 with
 * error.h set: LYRA_EX_CONFIG "VENUE: no API key in the vault (auth key add VENUE) and no
 * --keys FILE" when neither has one; the key file's and the vault's own errors otherwise. */
int lyra_venuekey_load(struct lyra_store *st, const struct lyra_identity *id, const char *venue,
                       const char *label, const char *path, struct lyra_api_key *out);

#endif
