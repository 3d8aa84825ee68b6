/* auditchk.h: verification of the audit chain (the read side of audit.h). Walks the entries in
 * seq order, recomputes every hash and link, and names the first damage and its kind. Used by
 * `audit verify` and by anything that must trust a store (backup verification, restore). */
#ifndef LYRA_AUDITCHK_H
#define LYRA_AUDITCHK_H

#include <stdint.h>
#include "audit.h"
#include "store.h"

enum lyra_audit_damage {
	LYRA_AUDIT_INTACT = 0,
	LYRA_AUDIT_MODIFIED,   /* an entry's contents no longer match its hash */
	LYRA_AUDIT_DELETED,    /* entries are missing (a seq gap, or later entries renumbered down) */
	LYRA_AUDIT_INSERTED,   /* an entry was added that the chain does not link through */
	LYRA_AUDIT_REORDERED,  /* an entry's contents belong at another seq */
	LYRA_AUDIT_TRUNCATED,  /* the chain ends before a head recorded elsewhere (anchor, backup) */
	LYRA_AUDIT_FORKED,     /* the entry at the anchor's seq has another hash */
};

struct lyra_audit_report {
	int64_t entries;                  /* entries checked */
	int64_t first_seq, last_seq;      /* range checked (0, 0 when empty) */
	char head_hash[LYRA_AUDIT_HASH_HEX];
	enum lyra_audit_damage damage;    /* first damage found, or INTACT */
	int64_t bad_seq;                  /* where */
	char detail[256];                 /* what, in words */
};

/* An externally kept head (from `audit anchor`, a backup manifest, an export). */
struct lyra_audit_anchor {
	int64_t seq;
	char hash[LYRA_AUDIT_HASH_HEX];
};

/* Verify the whole chain in st, from the archive boundary recorded in meta (or seq 1), then
 * check each of the n anchors. Fills *r. Returns 0 when the walk ran (r->damage says intact or
 * not), -1 when the store could not be read (error.h). */
int lyra_audit_verify(struct lyra_store *st, const struct lyra_audit_anchor *anchors, int n,
                      struct lyra_audit_report *r);

/* Name of a damage kind ("intact", "modified", ...). */
const char *lyra_audit_damage_name(enum lyra_audit_damage d);

/* Streaming check of a sequence of entries handed one at a time (exports, archives): feed
 * entries in order; the checker starts from the first entry's own prev_hash. */
struct lyra_audit_walk {
	struct lyra_audit_report *r;
	int64_t expect_seq;                       /* 0 before the first entry */
	char expect_prev[LYRA_AUDIT_HASH_HEX];
	char prev_prev[LYRA_AUDIT_HASH_HEX];
	int has_pending;
	struct lyra_audit_entry pending;          /* one entry of lookahead (owned copies) */
	char *pending_buf;
	size_t pending_cap;
};
void lyra_audit_walk_init(struct lyra_audit_walk *w, struct lyra_audit_report *r,
                          int64_t start_seq, const char *start_prev_hash);
/* Feed one entry (fields borrowed for the call). Returns 0 while intact, 1 once damage is
 * recorded in w->r (later calls are ignored). */
int lyra_audit_walk_step(struct lyra_audit_walk *w, const struct lyra_audit_entry *e);
/* Flush the lookahead; returns 0 intact, 1 damaged. Frees what the walk holds. */
int lyra_audit_walk_end(struct lyra_audit_walk *w);

/* The columns of an audit row in the order lyra_audit_entry_from_row reads them. */
#define LYRA_AUDIT_COLS "seq, ts, actor, action, object, details, prev_hash, hash"

/* Fill e from the current row of a statement selecting LYRA_AUDIT_COLS first. Text fields are
 * borrowed from the statement (valid until its next step); NULLs read as "". */
void lyra_audit_entry_from_row(sqlite3_stmt *s, struct lyra_audit_entry *e);

/* Copy a hex hash (NULL = ""), cut at 64 characters. */
void lyra_audit_copy_hash(char dst[LYRA_AUDIT_HASH_HEX], const char *src);

/* Parse an anchor record {"type":"audit_anchor","seq":N,"hash":"..."} from a file's text. */
int lyra_audit_anchor_parse(const char *text, struct lyra_audit_anchor *a);

#endif
