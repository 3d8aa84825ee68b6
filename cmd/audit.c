/* audit: the tamper-evident audit log. Verify the hash chain (and name the damage), query it,
 * follow it, export a checkable segment for an auditor, print an anchor to keep elsewhere, and
 * archive old entries into a verified file while keeping the chain checkable across the cut. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "audit.h"
#include "auditchk.h"
#include "backup.h"
#include "cli.h"
#include "clock.h"
#include "error.h"
#include "identity.h"
#include "metrics.h"
#include "ndjson.h"
#include "record.h"
#include "store.h"
#include "table.h"

enum { CMD_VERIFY, CMD_LOG, CMD_TAIL, CMD_EXPORT, CMD_ANCHOR, CMD_ARCHIVE };

static const struct lyra_subcmd cmds[] = {
	[CMD_VERIFY] = { "verify", "[--anchor FILE] [--export FILE] [--archive FILE]",
	                 "recompute the hash chain; exit 0 intact, 1 damaged" },
	[CMD_LOG] = { "log", "[--from T] [--to T] [--actor A] [--action X] [--object O]",
	              "print entries (NDJSON, or --format table|csv)" },
	[CMD_TAIL] = { "tail", "[-n N] [-f]", "print the last entries, and follow with -f" },
	[CMD_EXPORT] = { "export", "--from T --to T [--format csv|ndjson] [--out FILE]",
	                 "a segment for an auditor, with its first and last hash" },
	[CMD_ANCHOR] = { "anchor", "[--out FILE]", "print the chain head to keep elsewhere" },
	[CMD_ARCHIVE] = { "archive", "--before T --out FILE",
	                  "move old entries into a verified archive file" },
	{ NULL, NULL, NULL },
};

enum {
	OPT_FROM = 256, OPT_TO, OPT_ACTOR, OPT_ACTION, OPT_OBJECT, OPT_FORMAT, OPT_OUT, OPT_ANCHOR,
	OPT_EXPORT, OPT_ARCHIVE, OPT_BEFORE, OPT_LIMIT, OPT_INTERVAL,
};

static const struct lyra_opt opts[] = {
	{ "from", OPT_FROM, "T", "entries at or after time T (ISO 8601 or microseconds)" },
	{ "to", OPT_TO, "T", "entries before time T" },
	{ "actor", OPT_ACTOR, "NAME", "entries by this actor" },
	{ "action", OPT_ACTION, "PATTERN", "entries whose action matches (glob: 'order.*')" },
	{ "object", OPT_OBJECT, "PATTERN", "entries whose object matches (glob)" },
	{ "format", OPT_FORMAT, "FMT", "ndjson (default), table or csv" },
	{ "limit", OPT_LIMIT, "N", "at most N entries" },
	{ "lines", 'n', "N", "tail: how many entries (default 10)" },
	{ "follow", 'f', NULL, "tail: keep printing new entries" },
	{ "interval", OPT_INTERVAL, "D", "tail -f: poll interval (default 1s)" },
	{ "out", OPT_OUT, "FILE", "export, anchor, archive: write to FILE" },
	{ "anchor", OPT_ANCHOR, "FILE", "verify: also check against a saved anchor (repeatable)" },
	{ "export", OPT_EXPORT, "FILE", "verify: check an export file against the store" },
	{ "archive", OPT_ARCHIVE, "FILE", "verify: also check an archive file (repeatable)" },
	{ "before", OPT_BEFORE, "T", "archive: entries older than T" },
	{ NULL, 0, NULL, NULL },
};

static const char *const usage[] = {
	"verify [--anchor FILE]... [--export FILE] [--archive FILE]... [-q]",
	"log [--from T] [--to T] [--actor A] [--action X] [--object O] [--format FMT]",
	"tail [-n N] [-f]",
	"export --from T --to T [--format csv|ndjson] [--out FILE]",
	"anchor [--out FILE]",
	"archive --before T --out FILE",
	NULL,
};

static const struct lyra_cli_spec spec = {
	"audit", "Tamper-evident audit log of every state change: verify, query, export.",
	usage, cmds, opts,
};

#define MAX_FILES 32

struct args {
	int64_t from, to, before;
	int has_from, has_to, has_before;
	const char *actor, *action, *object, *out, *export_file;
	const char *anchors[MAX_FILES], *archives[MAX_FILES];
	int nanchors, narchives;
	enum lyra_format format;
	long long limit, lines;
	int follow;
	int64_t interval;
};

static struct lyra_cli cli;
static struct lyra_store *store;
static struct lyra_identity me;

static int64_t parse_time_arg(const char *opt, const char *v)
{
	int64_t us;
	if (lyra_time_parse(v, &us) != 0)
		lyra_usage_error("--%s: %s", opt, lyra_error_msg());
	return us;
}

static long long parse_count(const char *opt, const char *v)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || *end || n < 0)
		lyra_usage_error("--%s: '%s' is not a non-negative integer", opt, v);
	return n;
}

/* ---- reading entries ---- */

static int matches(const struct args *a, const struct lyra_audit_entry *e)
{
	if (a->actor && strcmp(a->actor, e->actor) != 0)
		return 0;
	if (a->action && fnmatch(a->action, e->action, 0) != 0)
		return 0;
	if (a->object && fnmatch(a->object, e->object, 0) != 0)
		return 0;
	return 1;
}

/* ---- writing entries ---- */

struct sink {
	enum lyra_format format;
	FILE *f;                 /* csv/table target (stdout or --out) */
	int to_stdout;
	struct lyra_table *table;
	int64_t count, first_seq, last_seq;
	char first_prev[LYRA_AUDIT_HASH_HEX], last_hash[LYRA_AUDIT_HASH_HEX];
};

static const char *const heads[] = {
	"seq", "ts", "time", "actor", "action", "object", "details", "prev_hash", "hash",
};

static json_t *entry_record(const struct lyra_audit_entry *e)
{
	json_t *rec = lyra_record_new("audit", e->ts);
	json_t *details = json_loads(e->details, JSON_DECODE_ANY, NULL);
	json_object_set_new(rec, "seq", json_integer(e->seq));
	json_object_set_new(rec, "actor", json_string(e->actor));
	json_object_set_new(rec, "action", json_string(e->action));
	json_object_set_new(rec, "object", json_string(e->object));
	json_object_set_new(rec, "details", details ? details : json_string(e->details));
	json_object_set_new(rec, "prev_hash", json_string(e->prev_hash));
	json_object_set_new(rec, "hash", json_string(e->hash));
	return rec;
}

static int sink_put(struct sink *k, const struct lyra_audit_entry *e)
{
	char seq[32], ts[32], when[40];
	int rc = 0;
	if (!k->count) {
		k->first_seq = e->seq;
		memcpy(k->first_prev, e->prev_hash, sizeof k->first_prev);
	}
	k->count++;
	k->last_seq = e->seq;
	memcpy(k->last_hash, e->hash, sizeof k->last_hash);
	snprintf(seq, sizeof seq, "%lld", (long long)e->seq);
	snprintf(ts, sizeof ts, "%lld", (long long)e->ts);
	lyra_time_format(e->ts, when, sizeof when);
	const char *cells[] = { seq, ts, when, e->actor, e->action, e->object, e->details,
	                        e->prev_hash, e->hash };
	switch (k->format) {
	case LYRA_FMT_NDJSON: {
		json_t *rec = entry_record(e);
		if (k->to_stdout) {
			rc = lyra_out_json(rec);
		} else {
			char *line = lyra_record_dump(rec);
			rc = line && fprintf(k->f, "%s\n", line) >= 0 ? 0 : -1;
			free(line);
		}
		json_decref(rec);
		break;
	}
	case LYRA_FMT_CSV:
		rc = lyra_csv_row(k->f, cells, 9);
		break;
	case LYRA_FMT_TABLE: {
		const char *short_cells[] = { seq, when, e->actor, e->action, e->object, e->details };
		rc = lyra_table_add(k->table, short_cells);
		break;
	}
	}
	return rc;
}

static void sink_open(struct sink *k, enum lyra_format format, FILE *f)
{
	memset(k, 0, sizeof *k);
	k->format = format;
	k->f = f;
	k->to_stdout = f == stdout;
	if (format == LYRA_FMT_CSV)
		lyra_csv_row(f, heads, 9);
	if (format == LYRA_FMT_TABLE) {
		const char *th[] = { "seq", "time", "actor", "action", "object", "details" };
		k->table = lyra_table_new(th, 6);
		if (!k->table)
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	}
}

static void sink_close(struct sink *k)
{
	if (k->table) {
		lyra_table_print(k->table, k->f);
		lyra_table_free(k->table);
		k->table = NULL;
	}
}

/* ---- log, tail ---- */

static sqlite3_stmt *select_range(const struct args *a, int64_t after_seq)
{
	sqlite3_stmt *s = lyra_store_prepare(store,
		"SELECT " LYRA_AUDIT_COLS " FROM audit WHERE seq > ?1 AND ts >= ?2 AND ts < ?3"
		" AND (?4 IS NULL OR actor = ?4) ORDER BY seq");
	if (!s)
		lyra_die_last();
	sqlite3_bind_int64(s, 1, after_seq);
	sqlite3_bind_int64(s, 2, a->has_from ? a->from : INT64_MIN);
	sqlite3_bind_int64(s, 3, a->has_to ? a->to : INT64_MAX);
	if (a->actor)
		sqlite3_bind_text(s, 4, a->actor, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 4);
	return s;
}

static int run_query(const struct args *a, struct sink *k, int64_t after_seq, int64_t *last_seq)
{
	sqlite3_stmt *s = select_range(a, after_seq);
	int rc;
	long long n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct lyra_audit_entry e;
		lyra_audit_entry_from_row(s, &e);
		if (last_seq)
			*last_seq = e.seq;
		if (!matches(a, &e))
			continue;
		if (a->limit && n >= a->limit)
			break;
		if (sink_put(k, &e) != 0) {
			sqlite3_finalize(s);
			return -1;
		}
		n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		lyra_die(LYRA_EX_IOERR, "cannot read the audit log: %s", sqlite3_errmsg(store->db));
	return 0;
}

static int cmd_log(struct args *a)
{
	struct sink k;
	if (lyra_identity_require(store, &me, "audit.read") != 0)
		lyra_die_last();
	lyra_out_init(0);
	sink_open(&k, a->format, stdout);
	if (run_query(a, &k, 0, NULL) != 0)
		return LYRA_EX_IOERR;
	sink_close(&k);
	return LYRA_EX_OK;
}

static int cmd_tail(struct args *a)
{
	struct sink k;
	int64_t last = 0;
	sqlite3_stmt *s;
	if (lyra_identity_require(store, &me, "audit.read") != 0)
		lyra_die_last();
	if (a->follow && a->format == LYRA_FMT_TABLE)
		lyra_usage_error("tail -f cannot print a table (use ndjson or csv)");
	lyra_out_init(a->follow);
	s = lyra_store_prepare(store, "SELECT COALESCE(MAX(seq), 0) FROM audit");
	if (!s)
		lyra_die_last();
	if (sqlite3_step(s) == SQLITE_ROW)
		last = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sink_open(&k, a->format, stdout);
	if (run_query(a, &k, last > a->lines ? last - a->lines : 0, NULL) != 0)
		return LYRA_EX_IOERR;
	sink_close(&k);
	if (lyra_out_flush() != 0)
		return LYRA_EX_IOERR;
	while (a->follow) {
		usleep((useconds_t)a->interval);
		if (run_query(a, &k, last, &last) != 0 || lyra_out_flush() != 0)
			return LYRA_EX_IOERR;
		if (k.format == LYRA_FMT_CSV && fflush(stdout) != 0)
			return LYRA_EX_IOERR;
	}
	return LYRA_EX_OK;
}

/* ---- export ---- */

static FILE *open_out(const char *path)
{
	FILE *f;
	if (!path || strcmp(path, "-") == 0)
		return stdout;
	f = fopen(path, "w");
	if (!f)
		lyra_die(LYRA_EX_CANTCREAT, "cannot create '%s': %s", path, strerror(errno));
	return f;
}

static int close_out(FILE *f, const char *path)
{
	if (f == stdout)
		return 0;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)) {
		lyra_warn("cannot write '%s': %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		lyra_warn("cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static json_t *segment_record(const struct sink *k, const char *kind)
{
	json_t *seg = lyra_record_new("audit_segment", lyra_time_now_us());
	json_object_set_new(seg, "kind", json_string(kind));
	json_object_set_new(seg, "entries", json_integer(k->count));
	json_object_set_new(seg, "first_seq", json_integer(k->first_seq));
	json_object_set_new(seg, "last_seq", json_integer(k->last_seq));
	json_object_set_new(seg, "first_prev_hash", json_string(k->first_prev));
	json_object_set_new(seg, "last_hash", json_string(k->last_hash));
	return seg;
}

static int cmd_export(struct args *a)
{
	struct sink k;
	FILE *f;
	json_t *details;
	if (!a->has_from || !a->has_to)
		lyra_usage_error("export needs --from and --to");
	if (a->format == LYRA_FMT_TABLE)
		lyra_usage_error("export writes csv or ndjson");
	if (a->actor || a->action || a->object)
		lyra_usage_error("export writes a whole chain segment: --actor, --action and --object do not apply");
	if (lyra_identity_require(store, &me, "audit.export") != 0)
		lyra_die_last();
	f = open_out(a->out);
	if (f == stdout)
		lyra_out_init(0);
	sink_open(&k, a->format, f);
	if (run_query(a, &k, 0, NULL) != 0)
		return LYRA_EX_IOERR;
	if (a->format == LYRA_FMT_NDJSON) {
		json_t *seg = segment_record(&k, "export");
		char *line = lyra_record_dump(seg);
		if (f == stdout)
			lyra_out_json(seg);
		else
			fprintf(f, "%s\n", line);
		free(line);
		json_decref(seg);
	}
	if (close_out(f, a->out) != 0)
		return LYRA_EX_IOERR;
	details = json_pack("{sIsIsIssss}", "entries", (json_int_t)k.count, "first_seq",
	                    (json_int_t)k.first_seq, "last_seq", (json_int_t)k.last_seq,
	                    "last_hash", k.last_hash, "format", a->format == LYRA_FMT_CSV ? "csv" : "ndjson");
	if (lyra_store_begin(store) != 0 ||
	    lyra_audit_append(store, me.name, "audit.export", a->out ? a->out : "-", details) < 0 ||
	    lyra_store_commit(store) != 0) {
		json_decref(details);
		lyra_store_rollback(store);
		lyra_die_last();
	}
	json_decref(details);
	if (k.count)
		lyra_note("exported %lld entries (seq %lld..%lld, last hash %.16s...)",
		          (long long)k.count, (long long)k.first_seq, (long long)k.last_seq, k.last_hash);
	else
		lyra_note("exported 0 entries: nothing in that time range");
	return LYRA_EX_OK;
}

/* ---- anchor ---- */

static int cmd_anchor(struct args *a)
{
	int64_t seq;
	char hash[LYRA_AUDIT_HASH_HEX];
	if (lyra_identity_require(store, &me, "audit.read") != 0)
		lyra_die_last();
	if (lyra_audit_head(store, &seq, hash) != 0)
		lyra_die_last();
	json_t *rec = lyra_record_new("audit_anchor", lyra_time_now_us());
	json_object_set_new(rec, "seq", json_integer(seq));
	json_object_set_new(rec, "hash", json_string(hash));
	json_object_set_new(rec, "store", json_string(store->path));
	char *line = lyra_record_dump(rec);
	json_decref(rec);
	FILE *f = open_out(a->out);
	fprintf(f, "%s\n", line);
	free(line);
	return close_out(f, a->out) == 0 ? LYRA_EX_OK : LYRA_EX_IOERR;
}

/* ---- reading entry files (exports, archives) ---- */

/* Feed every audit entry of an NDJSON or CSV file into a walk; *seg gets the trailer record
 * (NEW reference) if there is one. Returns 0, or -1 with a warning printed. */
static int walk_file(const char *path, struct lyra_audit_walk *w, json_t **seg)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long long lineno = 0;
	int is_csv = -1, rc = 0;
	if (seg)
		*seg = NULL;
	if (!f) {
		lyra_warn("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		struct lyra_audit_entry e;
		lineno++;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (is_csv < 0) {
			is_csv = strncmp(line, "seq,ts,", 7) == 0;
			if (is_csv)
				continue;
		}
		memset(&e, 0, sizeof e);
		if (is_csv) {
			/* RFC 4180 with quoted fields; details may contain commas and doubled quotes. */
			char *fields[9], *p = line, *out = line;
			int nf = 0;
			while (nf < 9) {
				fields[nf++] = out;
				if (*p == '"') {
					p++;
					for (;;) {
						if (*p == '"' && p[1] == '"') { *out++ = '"'; p += 2; }
						else if (*p == '"') { p++; break; }
						else if (!*p) break;
						else *out++ = *p++;
					}
				} else {
					while (*p && *p != ',')
						*out++ = *p++;
				}
				if (*p == ',') { *out++ = '\0'; p++; out = p; }
				else { *out = '\0'; break; }
			}
			if (nf != 9) {
				lyra_warn("'%s' line %lld: expected 9 CSV fields, got %d", path, lineno, nf);
				rc = -1;
				break;
			}
			e.seq = strtoll(fields[0], NULL, 10);
			e.ts = strtoll(fields[1], NULL, 10);
			e.actor = fields[3];
			e.action = fields[4];
			e.object = fields[5];
			e.details = fields[6];
			snprintf(e.prev_hash, sizeof e.prev_hash, "%s", fields[7]);
			snprintf(e.hash, sizeof e.hash, "%s", fields[8]);
			lyra_audit_walk_step(w, &e);
			continue;
		}
		json_t *rec = json_loads(line, 0, NULL);
		const char *type = rec ? json_string_value(json_object_get(rec, "type")) : NULL;
		if (type && strcmp(type, "audit_segment") == 0) {
			if (seg) {
				json_decref(*seg);
				*seg = json_incref(rec);
			}
			json_decref(rec);
			continue;
		}
		if (!type || strcmp(type, "audit") != 0) {
			lyra_warn("'%s' line %lld: not an audit entry", path, lineno);
			json_decref(rec);
			rc = -1;
			break;
		}
		char *details = lyra_audit_canonical_details(json_object_get(rec, "details"));
		e.seq = json_integer_value(json_object_get(rec, "seq"));
		e.ts = json_integer_value(json_object_get(rec, "ts"));
		e.actor = json_string_value(json_object_get(rec, "actor"));
		e.action = json_string_value(json_object_get(rec, "action"));
		e.object = json_string_value(json_object_get(rec, "object"));
		e.details = details;
		snprintf(e.prev_hash, sizeof e.prev_hash, "%s",
		         json_string_value(json_object_get(rec, "prev_hash")) ?: "");
		snprintf(e.hash, sizeof e.hash, "%s", json_string_value(json_object_get(rec, "hash")) ?: "");
		if (!e.actor || !e.action || !e.object || !details) {
			lyra_warn("'%s' line %lld: audit entry with missing fields", path, lineno);
			free(details);
			json_decref(rec);
			rc = -1;
			break;
		}
		lyra_audit_walk_step(w, &e);
		free(details);
		json_decref(rec);
	}
	free(line);
	if (ferror(f)) {
		lyra_warn("cannot read '%s': %s", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	return rc;
}

static int store_hash_at(int64_t seq, char out[LYRA_AUDIT_HASH_HEX])
{
	sqlite3_stmt *s = lyra_store_prepare(store, "SELECT hash FROM audit WHERE seq = ?");
	int found = 0;
	if (!s)
		lyra_die_last();
	sqlite3_bind_int64(s, 1, seq);
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(out, LYRA_AUDIT_HASH_HEX, "%s", (const char *)sqlite3_column_text(s, 0));
		found = 1;
	}
	sqlite3_finalize(s);
	return found;
}

/* ---- verify ---- */

static int report(const char *what, const struct lyra_audit_report *r)
{
	if (r->damage) {
		printf("audit: %s damaged: %s at seq %lld: %s\n", what, lyra_audit_damage_name(r->damage),
		       (long long)r->bad_seq, r->detail);
		return 1;
	}
	return 0;
}

static int cmd_verify(struct args *a)
{
	struct lyra_audit_anchor anchors[MAX_FILES + 1];
	struct lyra_audit_report r;
	int damaged = 0;

	if (lyra_identity_require(store, &me, "audit.verify") != 0)
		lyra_die_last();
	for (int i = 0; i < a->nanchors; i++) {
		FILE *f = fopen(a->anchors[i], "r");
		char buf[4096];
		size_t n;
		if (!f)
			lyra_die(LYRA_EX_NOINPUT, "cannot open '%s': %s", a->anchors[i], strerror(errno));
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		if (lyra_audit_anchor_parse(buf, &anchors[i]) != 0)
			lyra_die(LYRA_EX_DATAERR, "'%s': %s", a->anchors[i], lyra_error_msg());
	}
	/* The head the newest good backup recorded: deleting the tail of the chain behind lyra's
	 * back shows even without an anchor file (unless the catalogue is edited too). */
	int nanchors = a->nanchors;
	int found = lyra_backup_latest_anchor(store, &anchors[nanchors]);
	if (found < 0)
		lyra_die_last();
	nanchors += found;
	if (lyra_audit_verify(store, anchors, nanchors, &r) != 0)
		lyra_die_last();
	damaged |= report("chain", &r);

	/* Archives: each must chain internally; the newest must end where the store begins. */
	for (int i = 0; i < a->narchives; i++) {
		struct lyra_audit_report ar;
		struct lyra_audit_walk w;
		json_t *seg;
		lyra_audit_walk_init(&w, &ar, 0, NULL);
		if (walk_file(a->archives[i], &w, &seg) != 0) {
			lyra_audit_walk_end(&w);
			return LYRA_EX_DATAERR;
		}
		lyra_audit_walk_end(&w);
		char label[512];
		snprintf(label, sizeof label, "archive '%s'", a->archives[i]);
		damaged |= report(label, &ar);
		char *bseq = lyra_store_meta_get(store, "audit.archived_seq");
		char *bhash = lyra_store_meta_get(store, "audit.archived_hash");
		if (!ar.damage && bseq && bhash && strtoll(bseq, NULL, 10) == ar.last_seq &&
		    strcmp(bhash, ar.head_hash) != 0) {
			printf("audit: archive '%s' damaged: forked at seq %lld: its last hash is not the "
			       "one the store continues from\n", a->archives[i], (long long)ar.last_seq);
			damaged = 1;
		}
		if (!ar.damage && !a->nanchors && cli.verbose >= 0)
			printf("audit: archive '%s' intact: %lld entries, seq %lld..%lld\n",
			       a->archives[i], (long long)ar.entries, (long long)ar.first_seq,
			       (long long)ar.last_seq);
		free(bseq);
		free(bhash);
		json_decref(seg);
	}

	/* An export: chains internally, and its last entry is the store's entry at that seq. */
	if (a->export_file) {
		struct lyra_audit_report er;
		struct lyra_audit_walk w;
		char h[LYRA_AUDIT_HASH_HEX];
		lyra_audit_walk_init(&w, &er, 0, NULL);
		if (walk_file(a->export_file, &w, NULL) != 0) {
			lyra_audit_walk_end(&w);
			return LYRA_EX_DATAERR;
		}
		lyra_audit_walk_end(&w);
		damaged |= report("export", &er);
		if (!er.damage && er.entries) {
			if (!store_hash_at(er.last_seq, h) || strcmp(h, er.head_hash) != 0) {
				printf("audit: export damaged: entry %lld does not match the store\n",
				       (long long)er.last_seq);
				damaged = 1;
			} else if (cli.verbose >= 0) {
				printf("audit: export intact and matches the store: %lld entries, seq %lld..%lld\n",
				       (long long)er.entries, (long long)er.first_seq, (long long)er.last_seq);
			}
		}
	}

	if (cli.metrics) {
		struct lyra_metrics *m = lyra_metrics_new("audit");
		lyra_metrics_declare(m, "audit_verify_ok", LYRA_METRIC_GAUGE,
		                     "1 if the last audit verify found the chain intact");
		lyra_metrics_declare(m, "audit_entries", LYRA_METRIC_GAUGE, "entries in the audit chain");
		lyra_metrics_declare(m, "audit_verify_timestamp_seconds", LYRA_METRIC_GAUGE,
		                     "when audit verify last ran");
		lyra_metrics_set_int(m, "audit_verify_ok", NULL, !damaged);
		lyra_metrics_set_int(m, "audit_entries", NULL, r.entries);
		lyra_metrics_set_int(m, "audit_verify_timestamp_seconds", NULL,
		                     lyra_time_now_us() / LYRA_US_PER_SEC);
		if (lyra_metrics_write(m, cli.metrics) != 0)
			lyra_warn("%s", lyra_error_msg());
		lyra_metrics_free(m);
	}
	if (!damaged && cli.verbose >= 0)
		printf("audit: chain intact: %lld entries, seq %lld..%lld, head %.16s\n",
		       (long long)r.entries, (long long)r.first_seq, (long long)r.last_seq, r.head_hash);
	return damaged ? LYRA_EX_NO : LYRA_EX_OK;
}

/* ---- archive ---- */

static int file_sha256(const char *path, char hex[65])
{
	unsigned char buf[65536], md[32];
	unsigned int mdlen = 0;
	size_t n;
	FILE *f = fopen(path, "rb");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!f || !ctx) {
		if (f)
			fclose(f);
		EVP_MD_CTX_free(ctx);
		return -1;
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		EVP_DigestUpdate(ctx, buf, n);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	fclose(f);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static int cmd_archive(struct args *a)
{
	struct sink k;
	int64_t cut;
	sqlite3_stmt *s;
	char sha[65];
	if (!a->has_before || !a->out)
		lyra_usage_error("archive needs --before and --out");
	if (lyra_identity_require(store, &me, "audit.archive") != 0)
		lyra_die_last();
	if (access(a->out, F_OK) == 0)
		lyra_die(LYRA_EX_CANTCREAT, "'%s' exists: archive files are never overwritten", a->out);

	/* The cut: the longest prefix of the chain whose entries are all older than --before.
	 * The newest entry always stays, so the chain head remains in the store. */
	s = lyra_store_prepare(store,
		"SELECT COALESCE((SELECT MIN(seq) FROM audit WHERE ts >= ?1), MAX(seq)) - 1 FROM audit");
	if (!s)
		lyra_die_last();
	sqlite3_bind_int64(s, 1, a->before);
	cut = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	char *bseq = lyra_store_meta_get(store, "audit.archived_seq");
	int64_t from = bseq ? strtoll(bseq, NULL, 10) : 0;
	free(bseq);
	if (cut <= from) {
		lyra_note("nothing to archive before the given time");
		return LYRA_EX_OK;
	}
	/* The part to archive must itself be intact: never archive damage away. */
	struct lyra_audit_report r;
	if (lyra_audit_verify(store, NULL, 0, &r) != 0)
		lyra_die_last();
	if (r.damage && r.bad_seq <= cut)
		lyra_die(LYRA_EX_NO, "refusing to archive a damaged chain: %s at seq %lld: %s",
		         lyra_audit_damage_name(r.damage), (long long)r.bad_seq, r.detail);

	FILE *f = open_out(a->out);
	if (f == stdout)
		lyra_usage_error("archive needs a file for --out");
	sink_open(&k, LYRA_FMT_NDJSON, f);
	s = lyra_store_prepare(store, "SELECT " LYRA_AUDIT_COLS " FROM audit WHERE seq > ?1 AND seq <= ?2 ORDER BY seq");
	if (!s)
		lyra_die_last();
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, cut);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct lyra_audit_entry e;
		lyra_audit_entry_from_row(s, &e);
		sink_put(&k, &e);
	}
	sqlite3_finalize(s);
	json_t *seg = segment_record(&k, "archive");
	char *line = lyra_record_dump(seg);
	fprintf(f, "%s\n", line);
	free(line);
	json_decref(seg);
	if (close_out(f, a->out) != 0) {
		unlink(a->out);
		return LYRA_EX_IOERR;
	}

	/* Read the file back and check it before anything leaves the store. */
	struct lyra_audit_report ar;
	struct lyra_audit_walk w;
	lyra_audit_walk_init(&w, &ar, 0, NULL);
	int bad = walk_file(a->out, &w, NULL);
	lyra_audit_walk_end(&w);
	if (bad || ar.damage || ar.entries != k.count || ar.last_seq != cut ||
	    strcmp(ar.head_hash, k.last_hash) != 0) {
		unlink(a->out);
		lyra_die(LYRA_EX_IOERR, "archive '%s' did not read back intact; nothing was removed", a->out);
	}
	if (file_sha256(a->out, sha) != 0)
		lyra_die(LYRA_EX_IOERR, "cannot hash '%s'", a->out);

	char seqbuf[32];
	snprintf(seqbuf, sizeof seqbuf, "%lld", (long long)cut);
	json_t *details = json_pack("{sIsIsIssssss}", "entries", (json_int_t)k.count,
	                            "first_seq", (json_int_t)k.first_seq, "last_seq", (json_int_t)cut,
	                            "last_hash", k.last_hash, "file", a->out, "file_sha256", sha);
	if (lyra_store_begin(store) != 0 ||
	    lyra_store_exec(store, "DROP TRIGGER IF EXISTS audit_no_delete") != 0)
		goto fail;
	s = lyra_store_prepare(store, "DELETE FROM audit WHERE seq <= ?1");
	if (!s)
		goto fail;
	sqlite3_bind_int64(s, 1, cut);
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		lyra_store_fail(store, "cannot remove archived entries");
		goto fail;
	}
	if (lyra_store_exec(store, "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN "
	                           "SELECT RAISE(ABORT, 'audit entries are append-only'); END") != 0 ||
	    lyra_store_meta_set(store, "audit.archived_seq", seqbuf) != 0 ||
	    lyra_store_meta_set(store, "audit.archived_hash", k.last_hash) != 0 ||
	    lyra_audit_append(store, me.name, "audit.archive", a->out, details) < 0 ||
	    lyra_store_commit(store) != 0)
		goto fail;
	json_decref(details);
	lyra_note("archived %lld entries (seq %lld..%lld) into '%s'", (long long)k.count,
	          (long long)k.first_seq, (long long)cut, a->out);
	return LYRA_EX_OK;
fail:
	json_decref(details);
	lyra_store_rollback(store);
	lyra_die_last();
}

int main(int argc, char **argv)
{
	struct args a = { .lines = 10, .interval = LYRA_US_PER_SEC };
	const char *arg;
	int c, cmd, status;

	lyra_cli_init(&cli, &spec, argc, argv);
	while ((c = lyra_cli_next(&cli, &arg)) != -1) {
		switch (c) {
		case OPT_FROM: a.from = parse_time_arg("from", arg); a.has_from = 1; break;
		case OPT_TO: a.to = parse_time_arg("to", arg); a.has_to = 1; break;
		case OPT_BEFORE: a.before = parse_time_arg("before", arg); a.has_before = 1; break;
		case OPT_ACTOR: a.actor = arg; break;
		case OPT_ACTION: a.action = arg; break;
		case OPT_OBJECT: a.object = arg; break;
		case OPT_OUT: a.out = arg; break;
		case OPT_EXPORT: a.export_file = arg; break;
		case OPT_LIMIT: a.limit = parse_count("limit", arg); break;
		case 'n': a.lines = parse_count("lines", arg); break;
		case 'f': a.follow = 1; break;
		case OPT_INTERVAL:
			if (lyra_duration_parse(arg, &a.interval) != 0 || a.interval <= 0)
				lyra_usage_error("--interval: %s", lyra_error_msg());
			break;
		case OPT_FORMAT:
			if (lyra_format_parse(arg, &a.format) != 0)
				lyra_usage_error("%s", lyra_error_msg());
			break;
		case OPT_ANCHOR:
			if (a.nanchors == MAX_FILES)
				lyra_usage_error("at most %d --anchor files", MAX_FILES);
			a.anchors[a.nanchors++] = arg;
			break;
		case OPT_ARCHIVE:
			if (a.narchives == MAX_FILES)
				lyra_usage_error("at most %d --archive files", MAX_FILES);
			a.archives[a.narchives++] = arg;
			break;
		}
	}
	cmd = lyra_cli_command(&spec, cli.optind < cli.argc ? cli.argv[cli.optind] : NULL);
	if (cli.optind + 1 < cli.argc)
		lyra_usage_error("unexpected argument '%s'", cli.argv[cli.optind + 1]);
	if (a.has_from && a.has_to && a.to <= a.from)
		lyra_usage_error("--to must be after --from");

	store = lyra_store_open(cli.db);
	if (!store)
		lyra_die_last();
	if (lyra_identity_resolve(store, &me) != 0)
		lyra_die_last();

	switch (cmd) {
	case CMD_VERIFY: status = cmd_verify(&a); break;
	case CMD_LOG: status = cmd_log(&a); break;
	case CMD_TAIL: status = cmd_tail(&a); break;
	case CMD_EXPORT: status = cmd_export(&a); break;
	case CMD_ANCHOR: status = cmd_anchor(&a); break;
	default: status = cmd_archive(&a); break;
	}
	lyra_store_close(store);
	lyra_cli_release(&cli);
	return lyra_cli_finish(status);
}
