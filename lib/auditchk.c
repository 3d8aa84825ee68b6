/* auditchk.c: walking the audit chain and naming the first damage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auditchk.h"
#include "error.h"

static const char zero_hash[LYRA_AUDIT_HASH_HEX] =
	"0000000000000000000000000000000000000000000000000000000000000000";

const char *lyra_audit_damage_name(enum lyra_audit_damage d)
{
	static const char *const names[] = {
		"intact", "modified", "deleted", "inserted", "reordered", "truncated", "forked",
	};
	return (unsigned)d < sizeof names / sizeof names[0] ? names[d] : "unknown";
}

void lyra_audit_copy_hash(char dst[LYRA_AUDIT_HASH_HEX], const char *src)
{
	size_t n = src ? strnlen(src, LYRA_AUDIT_HASH_HEX - 1) : 0;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);
	return t ? t : "";
}

void lyra_audit_entry_from_row(sqlite3_stmt *s, struct lyra_audit_entry *e)
{
	e->seq = sqlite3_column_int64(s, 0);
	e->ts = sqlite3_column_int64(s, 1);
	e->actor = col_text(s, 2);
	e->action = col_text(s, 3);
	e->object = col_text(s, 4);
	e->details = col_text(s, 5);
	lyra_audit_copy_hash(e->prev_hash, col_text(s, 6));
	lyra_audit_copy_hash(e->hash, col_text(s, 7));
}

/* 1 if e's stored hash matches its contents hashed as if it stood at seq. */
static int hashes_at(const struct lyra_audit_entry *e, int64_t seq)
{
	struct lyra_audit_entry t = *e;
	t.seq = seq;
	lyra_audit_hash(&t);
	return strcmp(t.hash, e->hash) == 0;
}

static void damage(struct lyra_audit_walk *w, enum lyra_audit_damage d, int64_t seq,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void damage(struct lyra_audit_walk *w, enum lyra_audit_damage d, int64_t seq,
                   const char *fmt, ...)
{
	va_list ap;
	w->r->damage = d;
	w->r->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(w->r->detail, sizeof w->r->detail, fmt, ap);
	va_end(ap);
}

void lyra_audit_walk_init(struct lyra_audit_walk *w, struct lyra_audit_report *r,
                          int64_t start_seq, const char *start_prev_hash)
{
	memset(w, 0, sizeof *w);
	memset(r, 0, sizeof *r);
	w->r = r;
	w->expect_seq = start_seq;
	snprintf(w->expect_prev, sizeof w->expect_prev, "%s",
	         start_prev_hash ? start_prev_hash : "");
	memcpy(r->head_hash, w->expect_prev, sizeof r->head_hash);
}

/* Judge cur, with next (may be NULL) as lookahead. */
static void judge(struct lyra_audit_walk *w, const struct lyra_audit_entry *cur,
                  const struct lyra_audit_entry *next)
{
	struct lyra_audit_entry t = *cur;
	lyra_audit_hash(&t);
	int own_ok = strcmp(t.hash, cur->hash) == 0;

	if (w->expect_seq == 0) {  /* a segment (export, archive): trust its first link */
		w->expect_seq = cur->seq;
		memcpy(w->expect_prev, cur->prev_hash, sizeof w->expect_prev);
	}
	if (own_ok) {
		if (cur->seq > w->expect_seq) {
			damage(w, LYRA_AUDIT_DELETED, w->expect_seq,
			       "entries %lld to %lld are missing", (long long)w->expect_seq,
			       (long long)cur->seq - 1);
			return;
		}
		if (cur->seq < w->expect_seq) {
			damage(w, LYRA_AUDIT_REORDERED, cur->seq, "entry %lld appears after entry %lld",
			       (long long)cur->seq, (long long)w->expect_seq - 1);
			return;
		}
		if (strcmp(cur->prev_hash, w->expect_prev) != 0) {
			if (w->r->entries > 0 && strcmp(cur->prev_hash, w->prev_prev) == 0)
				damage(w, LYRA_AUDIT_INSERTED, cur->seq - 1,
				       "entry %lld is not part of the chain: entry %lld links past it",
				       (long long)cur->seq - 1, (long long)cur->seq);
			else
				damage(w, LYRA_AUDIT_INSERTED, cur->seq,
				       "entry %lld does not link to entry %lld", (long long)cur->seq,
				       (long long)cur->seq - 1);
			return;
		}
		memcpy(w->prev_prev, w->expect_prev, sizeof w->prev_prev);
		memcpy(w->expect_prev, cur->hash, sizeof w->expect_prev);
		memcpy(w->r->head_hash, cur->hash, sizeof w->r->head_hash);
		if (!w->r->entries)
			w->r->first_seq = cur->seq;
		w->r->last_seq = cur->seq;
		w->r->entries++;
		w->expect_seq = cur->seq + 1;
		return;
	}
	for (int64_t d = 1; d <= 8; d++) {
		for (int sgn = 1; sgn >= -1; sgn -= 2) {
			int64_t shift = d * sgn;
			if (cur->seq + shift < 1 || !hashes_at(cur, cur->seq + shift))
				continue;
			if (next && hashes_at(next, next->seq + shift)) {
				if (shift > 0)
					damage(w, LYRA_AUDIT_DELETED, cur->seq,
					       "%lld entr%s before seq %lld %s deleted and later entries renumbered",
					       (long long)shift, shift == 1 ? "y" : "ies", (long long)cur->seq,
					       shift == 1 ? "was" : "were");
				else
					damage(w, LYRA_AUDIT_INSERTED, cur->seq + shift,
					       "%lld entr%s inserted before seq %lld and later entries renumbered",
					       (long long)-shift, shift == -1 ? "y" : "ies",
					       (long long)cur->seq);
			} else {
				damage(w, LYRA_AUDIT_REORDERED, cur->seq,
				       "entry at seq %lld holds the contents of seq %lld", (long long)cur->seq,
				       (long long)(cur->seq + shift));
			}
			return;
		}
	}
	if (next && (hashes_at(next, next->seq - 1) || strcmp(next->prev_hash, w->expect_prev) == 0)) {
		damage(w, LYRA_AUDIT_INSERTED, cur->seq,
		       "entry %lld is not part of the chain: the next entry links past it",
		       (long long)cur->seq);
		return;
	}
	if (strcmp(cur->prev_hash, w->expect_prev) != 0) {
		damage(w, LYRA_AUDIT_INSERTED, cur->seq, "entry %lld neither hashes nor links correctly",
		       (long long)cur->seq);
		return;
	}
	damage(w, LYRA_AUDIT_MODIFIED, cur->seq,
	       "entry %lld (%s by %s) no longer matches its hash", (long long)cur->seq,
	       cur->action, cur->actor);
}

static int copy_pending(struct lyra_audit_walk *w, const struct lyra_audit_entry *e)
{
	size_t la = strlen(e->actor) + 1, lc = strlen(e->action) + 1, lo = strlen(e->object) + 1,
	       ld = strlen(e->details) + 1, need = la + lc + lo + ld;
	char *buf = w->pending_buf;
	if (need > w->pending_cap) {
		buf = realloc(w->pending_buf, need * 2);
		if (!buf)
			return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
		w->pending_buf = buf;
		w->pending_cap = need * 2;
	}
	w->pending = *e;
	w->pending.actor = memcpy(buf, e->actor, la);
	w->pending.action = memcpy(buf + la, e->action, lc);
	w->pending.object = memcpy(buf + la + lc, e->object, lo);
	w->pending.details = memcpy(buf + la + lc + lo, e->details, ld);
	w->has_pending = 1;
	return 0;
}

int lyra_audit_walk_step(struct lyra_audit_walk *w, const struct lyra_audit_entry *e)
{
	if (w->r->damage)
		return 1;
	if (w->has_pending)
		judge(w, &w->pending, e);
	if (w->r->damage)
		return 1;
	if (copy_pending(w, e) != 0) {
		damage(w, LYRA_AUDIT_MODIFIED, e->seq, "out of memory");
		return 1;
	}
	return 0;
}

int lyra_audit_walk_end(struct lyra_audit_walk *w)
{
	if (w->has_pending && !w->r->damage)
		judge(w, &w->pending, NULL);
	free(w->pending_buf);
	w->pending_buf = NULL;
	w->pending_cap = 0;
	w->has_pending = 0;
	return w->r->damage ? 1 : 0;
}

static int hash_at_seq(struct lyra_store *st, int64_t seq, char out[LYRA_AUDIT_HASH_HEX])
{
	sqlite3_stmt *s = lyra_store_prepare(st, "SELECT hash FROM audit WHERE seq = ?");
	int rc;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, seq);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(out, LYRA_AUDIT_HASH_HEX, "%s", (const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
		return 1;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : lyra_store_fail(st, "cannot read the audit chain");
}

int lyra_audit_verify(struct lyra_store *st, const struct lyra_audit_anchor *anchors, int n,
                      struct lyra_audit_report *r)
{
	struct lyra_audit_walk w;
	int64_t start = 1;
	char start_hash[LYRA_AUDIT_HASH_HEX];
	char *aseq = lyra_store_meta_get(st, "audit.archived_seq");
	char *ahash = lyra_store_meta_get(st, "audit.archived_hash");
	sqlite3_stmt *s;
	int rc;

	memcpy(start_hash, zero_hash, sizeof start_hash);
	if (aseq && ahash) {
		start = strtoll(aseq, NULL, 10) + 1;
		snprintf(start_hash, sizeof start_hash, "%s", ahash);
	}
	free(aseq);
	free(ahash);
	lyra_audit_walk_init(&w, r, start, start_hash);
	s = lyra_store_prepare(st, "SELECT " LYRA_AUDIT_COLS " FROM audit ORDER BY seq");
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lyra_audit_entry e;
		lyra_audit_entry_from_row(s, &e);
		if (lyra_audit_walk_step(&w, &e))
			break;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		lyra_audit_walk_end(&w);
		return lyra_store_fail(st, "cannot read the audit chain");
	}
	lyra_audit_walk_end(&w);
	for (int i = 0; i < n && !r->damage; i++) {
		char h[LYRA_AUDIT_HASH_HEX];
		int64_t last = r->entries ? r->last_seq : start - 1;
		if (anchors[i].seq > last) {
			r->damage = LYRA_AUDIT_TRUNCATED;
			r->bad_seq = last + 1;
			snprintf(r->detail, sizeof r->detail,
			         "the chain ends at seq %lld but a recorded head is at seq %lld",
			         (long long)last, (long long)anchors[i].seq);
		} else if (anchors[i].seq >= start) {
			int found = hash_at_seq(st, anchors[i].seq, h);
			if (found < 0)
				return -1;
			if (found && strcmp(h, anchors[i].hash) != 0) {
				r->damage = LYRA_AUDIT_FORKED;
				r->bad_seq = anchors[i].seq;
				snprintf(r->detail, sizeof r->detail,
				         "entry %lld has hash %.12s... but the recorded head says %.12s...",
				         (long long)anchors[i].seq, h, anchors[i].hash);
			}
		}
	}
	return 0;
}

int lyra_audit_anchor_parse(const char *text, struct lyra_audit_anchor *a)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &jerr);
	json_t *seq = j ? json_object_get(j, "seq") : NULL;
	json_t *hash = j ? json_object_get(j, "hash") : NULL;
	if (!json_is_integer(seq) || !json_is_string(hash) ||
	    strlen(json_string_value(hash)) != LYRA_AUDIT_HASH_HEX - 1) {
		json_decref(j);
		return lyra_error(LYRA_EX_DATAERR, "not an audit anchor (want {\"seq\":N,\"hash\":\"<64 hex>\"})");
	}
	a->seq = json_integer_value(seq);
	snprintf(a->hash, sizeof a->hash, "%s", json_string_value(hash));
	json_decref(j);
	return 0;
}
