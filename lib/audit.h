/* audit.h: the append side of the tamper-evident audit chain. Every state change appends one
 * entry inside the same transaction that makes the change. An entry is
 *   seq (1, 2, ...), ts (us), actor, action, object, details (canonical JSON), prev_hash, hash
 * and hash = hex SHA-256 over the canonical encoding of all fields but hash itself:
 *   "lyra-audit-v1" then each of seq, ts, actor, action, object, details, prev_hash as a
 *   netstring "<byte length>:<bytes>," (seq and ts in decimal ASCII), concatenated.
 * The first entry's prev_hash is 64 '0's. details is the compact JSON of an object with keys
 * sorted (jansson JSON_COMPACT|JSON_SORT_KEYS, ensure_ascii off), "{}" when there are none.
 * The `audit` program verifies; this module only appends and computes hashes. */
#ifndef LYRA_AUDIT_H
#define LYRA_AUDIT_H

#include <jansson.h>
#include <stdint.h>
#include "store.h"

#define LYRA_AUDIT_HASH_HEX 65   /* 64 hex digits + NUL */

struct lyra_audit_entry {
	int64_t seq;
	int64_t ts;                            /* wall clock, microseconds */
	const char *actor;                     /* borrowed */
	const char *action;                    /* e.g. "order.new", "risk.halt", "backup.create" */
	const char *object;                    /* e.g. "order:abc123", "user:alice", "" */
	const char *details;                   /* canonical JSON text */
	char prev_hash[LYRA_AUDIT_HASH_HEX];
	char hash[LYRA_AUDIT_HASH_HEX];
};

/* Append an entry. Must be called inside lyra_store_begin()/commit (returns -1 with
 * LYRA_EX_SOFTWARE otherwise). details is borrowed and may be NULL. Returns the new seq (>= 1)
 * or -1 with error.h set. */
int64_t lyra_audit_append(struct lyra_store *st, const char *actor, const char *action,
                          const char *object, const json_t *details);

/* Compute e->hash from the other fields (the canonical encoding above). */
void lyra_audit_hash(struct lyra_audit_entry *e);

/* Canonical details text for an object: NEW malloc'd string ("{}" for NULL); NULL on failure. */
char *lyra_audit_canonical_details(const json_t *details);

/* The chain head: *seq = 0 and hash = 64 '0's for an empty chain. 0 or -1. */
int lyra_audit_head(struct lyra_store *st, int64_t *seq, char hash[LYRA_AUDIT_HASH_HEX]);

#endif
