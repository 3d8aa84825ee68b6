/* venuekey.c: a venue's API key from a key file or the vault (see venuekey.h). */
#include <stdio.h>

#include "apikey.h"
#include "clock.h"
#include "error.h"
#include "vault.h"
#include "venuekey.h"

int lyra_venuekey_load(struct lyra_store *st, const struct lyra_identity *id, const char *venue,
                       const char *label, const char *path, struct lyra_api_key *out)
{
	struct lyra_vault v;
	struct lyra_apikey_secret sec;
	if (path)
		return lyra_api_key_load(path, out);
	lyra_vault_init(&v, st);
	if (lyra_vault_unlock_default(&v) != 0 ||
	    lyra_apikey_read(st, &v, id, venue, label, &sec, lyra_time_now_us()) != 0) {
		lyra_vault_release(&v);
		if (lyra_error_code() == LYRA_EX_NOINPUT)
			return lyra_error(LYRA_EX_CONFIG, "%s: no API key in the vault (auth key add %s) and"
			                  " no --keys FILE", venue, venue);
		return -1;
	}
	lyra_vault_release(&v);
	snprintf(out->key, sizeof out->key, "%s", sec.key);
	snprintf(out->secret, sizeof out->secret, "%s", sec.secret);
	snprintf(out->passphrase, sizeof out->passphrase, "%s", sec.passphrase);
	lyra_apikey_secret_wipe(&sec);
	return 0;
}
