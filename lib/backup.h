/* backup.h: backups of the store as archives in a folder, their chains, and the catalogue.
 *
 * A snapshot is a consistent copy of the live store made with SQLite's online backup API inside
 * one read transaction (other programs keep writing; WAL readers never block them). Its pages
 * are hashed (SHA-256 each) into a page map. An archive (tar + zstd, optionally sealed with
 * envelope.h) holds three members in this order:
 *   manifest.json  what the backup is (below)
 *   pagemap.bin    full: the 32-byte hash of every page, in page order;
 *                  incremental/differential: for each page stored, be32(page number) + hash
 *   store.db       full: the snapshot file            (or)
 *   pages.bin      incremental/differential: the stored pages, in the order of pagemap.bin
 * The manifest also names the point-in-time journal head inside the snapshot ("journal": seq,
 * ts, kind; absent in archives made before the journal existed): restore --at replays the
 * journal rows after it (journal.h).
 * A full stores every page; an incremental the pages whose hash differs from the map of its base
 * (the previous backup of any type), a differential those that differ from the last full. A
 * backup's chain is the list of backups from its full to itself; restoring writes the full's
 * store.db, then each later member's pages at their offsets, truncating to its page count, and
 * must reproduce the snapshot's SHA-256 exactly. Archives are named "<id>.tar.zst", or
 * "<id>.tar.zst.enc" when sealed, and a folder of them is restorable without the store.
 *
 * The catalogue (table backup, schema version 3) records every backup made into the store, with
 * the audit chain head each one captured: see lyra_backup_latest_anchor. */
#ifndef LYRA_BACKUP_H
#define LYRA_BACKUP_H

#include <stddef.h>
#include <stdint.h>
#include "audit.h"
#include "auditchk.h"
#include "envelope.h"
#include "journal.h"
#include "store.h"

#define LYRA_BACKUP_ID_MAX 48      /* "20261123T120000.123456Z-incr" + NUL, with room */
#define LYRA_BACKUP_SHA_HEX 65     /* 64 hex digits + NUL */
#define LYRA_BACKUP_MAX_CHAIN 100000

enum lyra_backup_kind { LYRA_BACKUP_FULL, LYRA_BACKUP_INCREMENTAL, LYRA_BACKUP_DIFFERENTIAL };

/* "full", "incremental", "differential". */
const char *lyra_backup_kind_name(enum lyra_backup_kind k);
/* Parse those names. 0, or -1 (LYRA_EX_USAGE). */
int lyra_backup_kind_parse(const char *s, enum lyra_backup_kind *k);
/* 1 if s is a well-formed backup id (1..47 characters of [A-Za-z0-9._-], not starting with
 * '.' or '-'), else 0. */
int lyra_backup_id_valid(const char *s);

struct lyra_backup_member {
	int64_t size;
	char sha256[LYRA_BACKUP_SHA_HEX];
};

/* What manifest.json says. Owned strings and arrays; free with lyra_backup_manifest_release. */
struct lyra_backup_manifest {
	char id[LYRA_BACKUP_ID_MAX];
	enum lyra_backup_kind kind;
	int64_t ts;                          /* snapshot time (us): every transaction committed
	                                        before it is in the backup */
	int64_t created;                     /* when the archive was written (us) */
	char base[LYRA_BACKUP_ID_MAX];       /* "" for a full */
	char (*chain)[LYRA_BACKUP_ID_MAX];   /* the full first, this backup last */
	int nchain;
	char *store;                         /* the live store's path at backup time */
	int schema;                          /* its PRAGMA user_version */
	uint32_t page_size;
	uint32_t pages;                      /* page count of the snapshot */
	uint32_t changed;                    /* pages stored in this archive */
	int64_t db_bytes;                    /* pages * page_size */
	char db_sha256[LYRA_BACKUP_SHA_HEX]; /* of the whole snapshot file */
	int64_t audit_seq;                   /* audit chain head inside the snapshot (0: empty) */
	char audit_hash[LYRA_BACKUP_SHA_HEX];
	int64_t journal_seq, journal_ts;     /* point-in-time journal head inside the snapshot
	                                        (journal.h); 0, 0 when none or an older archive */
	enum lyra_journal_kind journal_kind;
	int encrypted;
	struct lyra_backup_member map;       /* pagemap.bin */
	struct lyra_backup_member data;      /* store.db or pages.bin */
	char lyra_version[32];
};

void lyra_backup_manifest_release(struct lyra_backup_manifest *m);
/* Deep copy into *dst (which holds nothing). 0, or -1 (out of memory). */
int lyra_backup_manifest_copy(struct lyra_backup_manifest *dst, const struct lyra_backup_manifest *src);
/* Encode as compact JSON (NEW malloc'd string), or NULL with error.h. */
char *lyra_backup_manifest_encode(const struct lyra_backup_manifest *m);
/* Parse and check n bytes of manifest JSON into *m (which holds nothing; released on failure):
 * every field present with the right type, ids well formed, the chain consistent with kind and
 * base, sizes consistent with page size and counts. 0, or -1 with LYRA_EX_NO and the reason. */
int lyra_backup_manifest_parse(const char *text, size_t n, struct lyra_backup_manifest *m);

/* The page map of a snapshot: one SHA-256 per page. */
struct lyra_backup_map {
	uint32_t page_size;
	uint32_t pages;
	unsigned char (*hash)[32];           /* pages entries (owned) */
	size_t cap;
};
void lyra_backup_map_release(struct lyra_backup_map *map);

/* Passphrase and the keys derived from it, one per salt and parameters seen (derivation is
 * slow on purpose, so each is done once). */
struct lyra_backup_keyring;
/* A NEW keyring holding a copy of the passphrase (n >= 1 bytes). NULL with error.h. */
struct lyra_backup_keyring *lyra_backup_keyring_new(const char *pass, size_t n);
/* The key for these parameters (borrowed, lives as long as the keyring). NULL with error.h. */
const struct lyra_envelope_key *lyra_backup_keyring_key(struct lyra_backup_keyring *kr,
                                                         const struct lyra_envelope_kdf *kdf);
/* Wipes and frees. NULL is fine. */
void lyra_backup_keyring_free(struct lyra_backup_keyring *kr);

/* Progress: phase ("snapshot", "hash", "write", "read", ...), work done of total (bytes or
 * pages). May be NULL where accepted. */
struct lyra_backup_progress {
	void (*fn)(void *ctx, const char *phase, int64_t done, int64_t total);
	void *ctx;
};

struct lyra_backup_snapshot {
	int64_t ts;                          /* taken just before the read transaction began */
	int64_t audit_seq;                   /* audit head inside the snapshot */
	char audit_hash[LYRA_AUDIT_HASH_HEX];
	struct lyra_journal_head journal;    /* point-in-time journal head inside the snapshot */
	int schema;
	uint32_t page_size, pages;
};

/* Copy the live store into path (an existing empty file or none; created 0600) as one
 * consistent snapshot, while other connections go on writing. Must not be called inside a
 * write transaction on st. 0, or -1 with error.h (LYRA_EX_TEMPFAIL when the store stayed
 * locked, LYRA_EX_IOERR/CANTCREAT when the copy cannot be written). */
int lyra_backup_snapshot(struct lyra_store *st, const char *path, struct lyra_backup_snapshot *s,
                         const struct lyra_backup_progress *pr);

/* What to write. */
struct lyra_backup_plan {
	const char *dir;                        /* the backup folder (exists) */
	const char *snap_path;                  /* the snapshot file */
	const struct lyra_backup_snapshot *snap;
	const char *store_path;                 /* recorded in the manifest */
	enum lyra_backup_kind kind;
	const struct lyra_backup_manifest *base; /* NULL for a full */
	const struct lyra_backup_map *base_map;  /* the base's page map (same page size) */
	const struct lyra_envelope_key *key;    /* NULL: not sealed */
	int level, threads;                     /* zstd level and worker threads */
	const struct lyra_backup_progress *progress;
};

/* The archive written. */
struct lyra_backup_written {
	char file[LYRA_BACKUP_ID_MAX + 16];     /* name inside dir */
	int64_t size;
	char sha256[LYRA_BACKUP_SHA_HEX];       /* of the archive file */
};

/* Hash the snapshot, choose the pages, and write the archive into plan->dir (through a
 * temporary file, synced, then linked to its name, never over an existing one). Fills *m (the
 * caller releases it) and *w. 0, or -1 with error.h (LYRA_EX_CANTCREAT when the archive cannot be
 * created, LYRA_EX_IOERR on a write error such as a full disk). */
int lyra_backup_write(const struct lyra_backup_plan *plan, struct lyra_backup_manifest *m,
                      struct lyra_backup_written *w);

/* Path of backup id's archive in dir into buf: 1 when it exists (plain or sealed), 0 when
 * neither does (buf then names the plain one), -1 when the path does not fit. */
int lyra_backup_path(const char *dir, const char *id, char *buf, size_t n);

/* Read and check backup id's manifest only (NEW in *m). 0, or -1 with error.h: LYRA_EX_NOINPUT
 * when the archive is missing, LYRA_EX_CONFIG when it is sealed and kr is NULL or holds the wrong
 * passphrase, LYRA_EX_NO when it is damaged or holds another backup than its name says. */
int lyra_backup_read_manifest(const char *dir, const char *id, struct lyra_backup_keyring *kr,
                              struct lyra_backup_manifest *m);

/* The key derivation parameters of backup id's sealed archive (a new backup in its chain reuses
 * them, so one derivation opens the whole chain): 1 sealed (*kdf filled), 0 plain, -1 with
 * error.h (LYRA_EX_NOINPUT when missing, LYRA_EX_NO when the header is damaged). */
int lyra_backup_sealed_kdf(const char *dir, const char *id, struct lyra_envelope_kdf *kdf);

/* The page map of backup m (whose archive is in dir), from the maps along its chain. *map is
 * NEW. 0, or -1 with error.h (as lyra_backup_read_manifest, naming the member at fault). */
int lyra_backup_chain_map(const char *dir, const struct lyra_backup_manifest *m,
                          struct lyra_backup_keyring *kr, struct lyra_backup_map *map);

/* Read every archive of backup id's chain in full, checking each member's SHA-256 and every
 * page's hash, rebuild the snapshot into out_path (created 0600, must not exist; not synced:
 * the caller fsyncs a copy it keeps), and check the result's SHA-256 against the manifest. *m receives id's manifest (NEW). On failure out_path
 * is removed. 0, or -1 with error.h (as lyra_backup_read_manifest; LYRA_EX_NO names the backup,
 * the archive and what is wrong; LYRA_EX_CANTCREAT/IOERR for out_path). */
int lyra_backup_rebuild(const char *dir, const char *id, struct lyra_backup_keyring *kr,
                        const char *out_path, struct lyra_backup_manifest *m,
                        const struct lyra_backup_progress *pr);

/* Check a rebuilt copy: PRAGMA integrity_check, then the audit chain (auditchk.h) with the
 * manifest's head as an anchor, which must also be the copy's last entry. Opens the copy as a
 * store (so it is brought to this build's schema). 0 good; 1 damaged with the reason in why;
 * -1 with error.h when it could not be checked. */
int lyra_backup_check_copy(const char *path, const struct lyra_backup_manifest *m, char *why,
                           size_t whylen);

/* SHA-256 of a file as hex. 0, or -1 with error.h (LYRA_EX_NOINPUT/IOERR). */
int lyra_backup_file_sha256(const char *path, char hex[LYRA_BACKUP_SHA_HEX], int64_t *size);

/* ---- the catalogue ---- */

enum lyra_backup_status { LYRA_BACKUP_GOOD, LYRA_BACKUP_DAMAGED };

struct lyra_backup_entry {
	char id[LYRA_BACKUP_ID_MAX];
	enum lyra_backup_kind kind;
	int64_t ts, created;
	char base[LYRA_BACKUP_ID_MAX];       /* "" for a full */
	char full[LYRA_BACKUP_ID_MAX];       /* the chain's full */
	int chain_len;
	char dest[4096];                     /* the folder, absolute */
	char file[LYRA_BACKUP_ID_MAX + 16];
	int64_t size;
	char sha256[LYRA_BACKUP_SHA_HEX];    /* of the archive file */
	uint32_t pages, changed, page_size;
	int64_t db_bytes;
	int64_t audit_seq;
	char audit_hash[LYRA_BACKUP_SHA_HEX];
	int64_t journal_seq;                 /* point-in-time journal head (0: none) */
	int encrypted;
	enum lyra_backup_status status;
	int64_t verified;                    /* last successful verification (us), 0 never */
	int64_t duration_us;                 /* how long create took */
	char note[256];                      /* why it is damaged, "" when good */
};

/* Record a new backup. Inside the caller's transaction. 0, or -1 with error.h. */
int lyra_backup_catalog_add(struct lyra_store *st, const struct lyra_backup_entry *e);
/* Fill *e from a manifest and the written archive (status, verified, duration, note unset). */
void lyra_backup_entry_from(struct lyra_backup_entry *e, const struct lyra_backup_manifest *m,
                            const char *dest, const struct lyra_backup_written *w);
/* All catalogued backups in dest (NULL: every folder), oldest first, as a NEW array in *out
 * (free()) of *n entries. 0, or -1 with error.h. */
int lyra_backup_catalog_list(struct lyra_store *st, const char *dest,
                             struct lyra_backup_entry **out, size_t *n);
/* Set a backup's status after a verification (verified time = now when good) and note.
 * Inside the caller's transaction. 0, or -1 with error.h. */
int lyra_backup_catalog_mark(struct lyra_store *st, const char *id, enum lyra_backup_status s,
                             const char *note);
/* Remove a backup from the catalogue. Inside the caller's transaction. 0, or -1. */
int lyra_backup_catalog_remove(struct lyra_store *st, const char *id);

/* The newest audit chain head any good backup recorded, as an anchor for `audit verify`:
 * 1 found (filled), 0 none, -1 with error.h. The same as
 *   SELECT audit_seq, audit_hash FROM backup WHERE status = 'good'
 *   ORDER BY audit_seq DESC LIMIT 1  */
int lyra_backup_latest_anchor(struct lyra_store *st, struct lyra_audit_anchor *a);

#endif
