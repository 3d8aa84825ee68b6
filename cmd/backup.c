/* backup: full, incremental and differential backups of the store, verified as they are made;
 * verification of archives and chains, restore to a backup or a point in time, retention
 * pruning that keeps chains whole, and a watch loop for continuous protection. The archive
 * format and chains live in lib/backup.c, sealing in lib/envelope.c, retention in
 * lib/retention.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "audit.h"
#include "backup.h"
#include "cli.h"
#include "clock.h"
#include "error.h"
#include "identity.h"
#include "journal.h"
#include "metrics.h"
#include "ndjson.h"
#include "record.h"
#include "retention.h"
#include "store.h"
#include "table.h"

enum { CMD_CREATE, CMD_LIST, CMD_VERIFY, CMD_RESTORE, CMD_PRUNE, CMD_WATCH, CMD_PITR };

static const struct lyra_subcmd cmds[] = {
	[CMD_CREATE] = { "create", "[--type TYPE] [--dest DIR] [--encrypt]",
	                 "take a consistent backup, verify it, record it" },
	[CMD_LIST] = { "list", "[--dest DIR] [--format FMT]",
	               "the catalogue: type, time, size, chain, verified" },
	[CMD_VERIFY] = { "verify", "[ID | --all] [--dest DIR]",
	                 "re-read archives and chains, rebuild and check; exit 1 if damaged" },
	[CMD_RESTORE] = { "restore", "ID | --at T, --to PATH [--force]",
	                  "rebuild a backup, or the state at time T, into PATH" },
	[CMD_PRUNE] = { "prune", "--keep-last N ... [--dry-run]",
	                "delete backups that no retention rule or kept chain needs" },
	[CMD_WATCH] = { "watch", "[--interval D] [--full-every D]",
	                "back up the store's changes, each within D of the last snapshot (the RPO)" },
	[CMD_PITR] = { "pitr", "on | off | status",
	               "the point-in-time journal: restore --at to any committed transaction" },
	{ NULL, NULL, NULL },
};

enum {
	OPT_TYPE = 256, OPT_DEST, OPT_ENCRYPT, OPT_PASSFILE, OPT_ALL, OPT_TO, OPT_AT, OPT_FORCE,
	OPT_KEEP_LAST, OPT_KEEP_HOURLY, OPT_KEEP_DAILY, OPT_KEEP_WEEKLY, OPT_KEEP_MONTHLY,
	OPT_DRY_RUN, OPT_INTERVAL, OPT_FULL_EVERY, OPT_FORMAT,
};

static const struct lyra_opt opts[] = {
	{ "type", OPT_TYPE, "TYPE", "create: full, incremental (default) or differential" },
	{ "dest", OPT_DEST, "DIR", "backup folder (default $LYRA_BACKUP_DIR, else backups/ beside the store)" },
	{ "encrypt", OPT_ENCRYPT, NULL, "create, watch: seal archives (AES-256-GCM, scrypt passphrase)" },
	{ "passphrase-file", OPT_PASSFILE, "FILE", "read the passphrase from FILE (else $LYRA_BACKUP_KEY_FILE)" },
	{ "all", OPT_ALL, NULL, "verify: every backup in the folder" },
	{ "to", OPT_TO, "PATH", "restore: write the restored store to PATH" },
	{ "at", OPT_AT, "T", "restore: the state at time T (a backup, then the journal up to T)" },
	{ "force", OPT_FORCE, NULL, "restore: replace an existing PATH, keeping the old file aside" },
	{ "keep-last", OPT_KEEP_LAST, "N", "prune: keep the newest N backups" },
	{ "keep-hourly", OPT_KEEP_HOURLY, "N", "prune: keep the newest backup of each of N hours" },
	{ "keep-daily", OPT_KEEP_DAILY, "N", "prune: ... of each of N days" },
	{ "keep-weekly", OPT_KEEP_WEEKLY, "N", "prune: ... of each of N ISO weeks" },
	{ "keep-monthly", OPT_KEEP_MONTHLY, "N", "prune: ... of each of N months" },
	{ "dry-run", OPT_DRY_RUN, NULL, "prune: show what would go, change nothing" },
	{ "interval", OPT_INTERVAL, "D", "watch: the RPO: every change is in a verified backup within D (default 60s)" },
	{ "full-every", OPT_FULL_EVERY, "D", "watch: start a new chain with a full backup this often (default 1d)" },
	{ "format", OPT_FORMAT, "FMT", "list, prune: ndjson (default), table or csv" },
	{ NULL, 0, NULL, NULL },
};

static const char *const usage[] = {
	"create [--type full|incremental|differential] [--dest DIR] [--encrypt] [--passphrase-file FILE]",
	"list [--dest DIR] [--format FMT]",
	"verify [ID | --all] [--dest DIR] [--passphrase-file FILE]",
	"restore ID --to PATH [--force] [--dest DIR] [--passphrase-file FILE]",
	"restore --at T --to PATH [--force] [--dest DIR] [--passphrase-file FILE]",
	"prune [--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--dry-run]",
	"watch [--interval D] [--full-every D] [--dest DIR] [--encrypt] [--passphrase-file FILE]",
	"pitr on|off|status",
	NULL,
};

static const struct lyra_cli_spec spec = {
	"backup", "Verified full, incremental and differential backups of the store; restore, prune, watch.",
	usage, cmds, opts,
};

struct args {
	enum lyra_backup_kind kind;
	const char *dest_opt, *passfile, *to, *id;
	char dest[PATH_MAX];
	int encrypt, all, force, dry_run, has_at;
	int64_t at, interval, full_every;
	struct lyra_retention keep;
	int has_keep;
	enum lyra_format format;
};

static struct lyra_cli cli;
static struct lyra_store *store;
static struct lyra_identity me;
static struct lyra_backup_keyring *keyring;
static int keyring_loaded;

/* Temporary files to remove if a signal ends the run (async-signal-safe unlink). */
static char tmp_paths[2][PATH_MAX];
static volatile sig_atomic_t stop_requested;

static void on_fatal_signal(int sig)
{
	for (int i = 0; i < 2; i++)
		if (tmp_paths[i][0])
			unlink(tmp_paths[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void set_tmp(int slot, const char *path)
{
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	snprintf(tmp_paths[slot], sizeof tmp_paths[slot], "%s", path ? path : "");
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void drop_tmp(int slot)
{
	char side[PATH_MAX + 8];
	if (!tmp_paths[slot][0])
		return;
	unlink(tmp_paths[slot]);
	snprintf(side, sizeof side, "%s-wal", tmp_paths[slot]);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", tmp_paths[slot]);
	unlink(side);
	snprintf(side, sizeof side, "%s-journal", tmp_paths[slot]);
	unlink(side);
	set_tmp(slot, NULL);
}

/* ---- small helpers ---- */

static long long parse_count(const char *opt, const char *v)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || *end || end == v || n < 0 || n > 1000000)
		lyra_usage_error("--%s: '%s' is not a count", opt, v);
	return n;
}

static void fmt_time(int64_t us, char buf[40])
{
	lyra_time_format(us, buf, 40);
}

static void fmt_size(int64_t bytes, char *buf, size_t n)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	int u = 0;
	int64_t whole = bytes, frac = 0;
	while (whole >= 1000 && u < 4) {
		frac = whole % 1000;
		whole /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%lld B", (long long)bytes);
	else
		snprintf(buf, n, "%lld.%01lld %s", (long long)whole, (long long)(frac / 100), units[u]);
}

static void fmt_seconds(int64_t us, char *buf, size_t n)
{
	snprintf(buf, n, "%lld.%06lld", (long long)(us / LYRA_US_PER_SEC), (long long)(us % LYRA_US_PER_SEC));
}


/* mkdir -p with mode 0700 for new folders. 0, or -1 with error.h. */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX];
	struct stat sb;
	size_t len = strlen(path);
	if (len >= sizeof buf)
		return lyra_error(LYRA_EX_CANTCREAT, "cannot create folder '%s': path too long", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST && !(stat(buf, &sb) == 0 && S_ISDIR(sb.st_mode)))
			return lyra_error(LYRA_EX_CANTCREAT, "cannot create folder '%s': %s", buf, strerror(errno));
		*p = c;
		if (!c)
			break;
	}
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return lyra_error(LYRA_EX_CANTCREAT, "cannot use '%s' as the backup folder: not a folder", path);
	return 0;
}

/* The folder part of path into out ("." when there is none). */
static void dir_of(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(out, n, ".");
	else if (slash == path)
		snprintf(out, n, "/");
	else
		snprintf(out, n, "%.*s", (int)(slash - path), path);
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* A fresh temporary name ".NAME.TAG-XXXXXX" beside path; the file is not left behind. */
static int tmp_beside(const char *path, const char *tag, char *out, size_t n)
{
	char dir[PATH_MAX];
	int fd;
	dir_of(path, dir, sizeof dir);
	if ((size_t)snprintf(out, n, "%s/.%s.%s-XXXXXX", dir, base_of(path), tag) >= n)
		return lyra_error(LYRA_EX_CANTCREAT, "cannot make a temporary file beside '%s': path too long", path);
	fd = mkstemp(out);
	if (fd < 0)
		return lyra_error(LYRA_EX_CANTCREAT, "cannot create a temporary file in '%s': %s", dir,
		                  strerror(errno));
	close(fd);
	unlink(out);
	return 0;
}

/* The live store's path (--db, else the default). */
static void live_path(char *buf, size_t n)
{
	if (cli.db)
		snprintf(buf, n, "%s", cli.db);
	else if (lyra_store_default_path(buf, n) != 0)
		lyra_die_last();
}

/* Resolve the backup folder into a->dest (absolute); create it when asked. */
static void resolve_dest(struct args *a, const char *store_path, int create)
{
	char raw[PATH_MAX], dir[PATH_MAX];
	const char *env = getenv("LYRA_BACKUP_DIR");

	if (a->dest_opt)
		snprintf(raw, sizeof raw, "%s", a->dest_opt);
	else if (env && *env)
		snprintf(raw, sizeof raw, "%s", env);
	else {
		dir_of(store_path, dir, sizeof dir);
		if ((size_t)snprintf(raw, sizeof raw, "%s/backups", dir) >= sizeof raw)
			lyra_die(LYRA_EX_CONFIG, "the backup folder path is too long");
	}
	if (create && make_dirs(raw) != 0)
		lyra_die_last();
	if (!realpath(raw, a->dest)) {
		if (errno != ENOENT)
			lyra_die(LYRA_EX_IOERR, "cannot use backup folder '%s': %s", raw, strerror(errno));
		if (raw[0] == '/' || !getcwd(dir, sizeof dir))
			snprintf(a->dest, sizeof a->dest, "%s", raw);
		else if ((size_t)snprintf(a->dest, sizeof a->dest, "%s/%s", dir, raw) >= sizeof a->dest)
			lyra_die(LYRA_EX_CONFIG, "the backup folder path is too long");
	}
}

/* Lock the backup folder: exclusive for create, prune and each round of watch, shared for
 * verify and restore. Never waits: a busy folder is 75, retry later. The descriptor, or -1 after
 * a warning with *status set. */
static int lock_dest(const char *dir, int exclusive, int *status)
{
	char path[PATH_MAX];
	int fd;

	if ((size_t)snprintf(path, sizeof path, "%s/.lock", dir) >= sizeof path) {
		lyra_warn("backup folder '%s': path too long", dir);
		*status = LYRA_EX_CANTCREAT;
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		lyra_warn("cannot lock backup folder '%s': %s", dir, strerror(errno));
		*status = errno == ENOENT || errno == EACCES || errno == EROFS ? LYRA_EX_CANTCREAT : LYRA_EX_IOERR;
		return -1;
	}
	while (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			lyra_warn("backup folder '%s' is busy: another backup command is using it (retry later)", dir);
			*status = LYRA_EX_TEMPFAIL;
		} else {
			lyra_warn("cannot lock backup folder '%s': %s", dir, strerror(errno));
			*status = LYRA_EX_IOERR;
		}
		close(fd);
		return -1;
	}
	return fd;
}

static void unlock_dest(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* The keyring from --passphrase-file or $LYRA_BACKUP_KEY_FILE; NULL when neither is given
 * (dies with 78 when required). Dies on an unreadable or empty file. */
static struct lyra_backup_keyring *get_keyring(const struct args *a, int required)
{
	const char *path = a->passfile;
	char buf[4096];
	struct stat sb;
	size_t n;
	FILE *f;

	if (keyring_loaded)
		goto done;
	keyring_loaded = 1;
	if (!path) {
		path = getenv("LYRA_BACKUP_KEY_FILE");
		if (path && !*path)
			path = NULL;
	}
	if (!path)
		goto done;
	f = fopen(path, "r");
	if (!f)
		lyra_die(errno == ENOENT ? LYRA_EX_NOINPUT : LYRA_EX_NOPERM, "cannot read passphrase file '%s': %s",
		         path, strerror(errno));
	if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077))
		lyra_warn("passphrase file '%s' can be read by other users: chmod 600 it", path);
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if (n == sizeof buf) {
		OPENSSL_cleanse(buf, sizeof buf);
		lyra_die(LYRA_EX_CONFIG, "passphrase file '%s' is too long (over 4095 bytes)", path);
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (!n)
		lyra_die(LYRA_EX_CONFIG, "passphrase file '%s' is empty", path);
	keyring = lyra_backup_keyring_new(buf, n);
	OPENSSL_cleanse(buf, sizeof buf);
	if (!keyring)
		lyra_die_last();
done:
	if (required && !keyring)
		lyra_die(LYRA_EX_CONFIG, "encryption needs a passphrase: --passphrase-file FILE or "
		         "LYRA_BACKUP_KEY_FILE (never on the command line)");
	return keyring;
}

/* ---- progress on a terminal ---- */

struct progress_state {
	int on;
	int64_t last;
	const char *phase;
	int shown;
};
static struct progress_state progress_st;

static void show_progress(void *ctx, const char *phase, int64_t done, int64_t total)
{
	struct progress_state *p = ctx;
	int64_t now = lyra_mono_us();
	if (!p->on)
		return;
	if (p->phase == phase && done < total && now - p->last < 200000)
		return;
	p->last = now;
	p->phase = phase;
	p->shown = 1;
	fprintf(stderr, "\r%s: %-8s %3d%%\033[K", lyra_progname, phase,
	        total > 0 ? (int)(done * 100 / total) : 100);
}

static void end_progress(void)
{
	if (progress_st.shown)
		fputs("\r\033[K", stderr);
	progress_st.shown = 0;
	progress_st.phase = NULL;
}

static const struct lyra_backup_progress progress = { show_progress, &progress_st };

/* ---- metrics ---- */

static void write_metrics(const char *what, int ok, int64_t duration_us, int64_t size, int chain)
{
	struct lyra_backup_entry *cat = NULL;
	struct lyra_metrics *m;
	size_t n = 0;
	int64_t last_ok = 0;
	char secs[48];

	if (!cli.metrics)
		return;
	m = lyra_metrics_new("backup");
	if (!m) {
		lyra_warn("cannot write metrics: out of memory");
		return;
	}
	if (lyra_backup_catalog_list(store, NULL, &cat, &n) == 0)
		for (size_t i = 0; i < n; i++)
			if (cat[i].status == LYRA_BACKUP_GOOD && cat[i].created > last_ok)
				last_ok = cat[i].created;
	free(cat);
	lyra_metrics_declare(m, "backup_last_success_timestamp_seconds", LYRA_METRIC_GAUGE,
	                     "when the newest good backup was made");
	lyra_metrics_declare(m, "backup_last_ok", LYRA_METRIC_GAUGE, "1 if the last run succeeded");
	lyra_metrics_declare(m, "backup_last_duration_seconds", LYRA_METRIC_GAUGE, "how long the last run took");
	lyra_metrics_set_int(m, "backup_last_success_timestamp_seconds", NULL, last_ok / LYRA_US_PER_SEC);
	lyra_metrics_set_int(m, "backup_last_ok", what, ok);
	fmt_seconds(duration_us, secs, sizeof secs);
	lyra_metrics_set(m, "backup_last_duration_seconds", what, secs);
	if (size >= 0) {
		lyra_metrics_declare(m, "backup_last_size_bytes", LYRA_METRIC_GAUGE, "archive size of the last backup");
		lyra_metrics_declare(m, "backup_chain_length", LYRA_METRIC_GAUGE, "backups in the last backup's chain");
		lyra_metrics_set_int(m, "backup_last_size_bytes", NULL, size);
		lyra_metrics_set_int(m, "backup_chain_length", NULL, chain);
	}
	if (lyra_metrics_write(m, cli.metrics) != 0)
		lyra_warn("%s", lyra_error_msg());
	lyra_metrics_free(m);
}

/* The last good backup create_one made: its snapshot time and how long it took (watch). */
static int64_t watch_snap_ts, watch_duration;

/* ---- state changes: one transaction with its audit entry ---- */

static int audit_change(struct lyra_store *st, const char *action, const char *object, json_t *details)
{
	int rc = 0;
	if (lyra_store_begin(st) != 0 || lyra_audit_append(st, me.name, action, object, details) < 0 ||
	    lyra_store_commit(st) != 0) {
		lyra_store_rollback(st);
		rc = -1;
	}
	json_decref(details);
	return rc;
}

/* ---- verification of one backup ---- */

/* Rebuild backup id from dir into a temporary copy beside the store and check it; compare the
 * archive file with want_sha when given. 0 good, 1 damaged (why), -1 could not check (error.h;
 * LYRA_EX_CONFIG for a missing or wrong passphrase). */
static int verify_one(const char *dir, const char *id, const char *want_sha,
                      struct lyra_backup_keyring *kr, struct lyra_backup_manifest *out,
                      char *why, size_t whylen)
{
	struct lyra_backup_manifest m;
	char tmp[PATH_MAX], path[PATH_MAX], sha[LYRA_BACKUP_SHA_HEX], shamsg[PATH_MAX + 256] = "";
	int rc;

	why[0] = '\0';
	if (lyra_backup_path(dir, id, path, sizeof path) <= 0) {
		snprintf(why, whylen, "archive '%.900s' is missing", path);
		return 1;
	}
	if (want_sha) {
		if (lyra_backup_file_sha256(path, sha, NULL) != 0) {
			snprintf(why, whylen, "%s", lyra_error_msg());
			return 1;
		}
		if (strcmp(sha, want_sha) != 0)
			snprintf(shamsg, sizeof shamsg, "archive '%s' changed after it was written: its sha-256 "
			         "is %.16s..., the catalogue says %.16s...", path, sha, want_sha);
	}
	if (tmp_beside(store->path, "verify", tmp, sizeof tmp) != 0)
		return -1;
	set_tmp(1, tmp);
	if (lyra_backup_rebuild(dir, id, kr, tmp, &m, &progress) != 0) {
		int code = lyra_error_code();
		end_progress();
		drop_tmp(1);
		if (code == LYRA_EX_NO || code == LYRA_EX_NOINPUT) {
			snprintf(why, whylen, "%s", lyra_error_msg());
			return 1;
		}
		return -1;
	}
	end_progress();
	rc = lyra_backup_check_copy(tmp, &m, why, whylen);
	drop_tmp(1);
	if (rc == 1) {
		char detail[768];
		snprintf(detail, sizeof detail, "%s", why);
		snprintf(why, whylen, "backup '%s': the restored copy fails its check: %s", id, detail);
	} else if (rc == 0 && shamsg[0]) {
		snprintf(why, whylen, "%s", shamsg);
		rc = 1;
	}
	if (out && rc == 0)
		*out = m;
	else
		lyra_backup_manifest_release(&m);
	return rc;
}

/* ---- create ---- */

static const struct lyra_backup_entry *find_base(const struct lyra_backup_entry *cat, size_t n,
                                                 enum lyra_backup_kind kind)
{
	for (size_t i = n; i-- > 0;)
		if (cat[i].status == LYRA_BACKUP_GOOD && (kind == LYRA_BACKUP_INCREMENTAL || cat[i].kind == LYRA_BACKUP_FULL))
			return &cat[i];
	return NULL;
}

static int fail_status(void)
{
	int code = lyra_error_code();
	lyra_warn("%s", lyra_error_msg());
	return code == LYRA_EX_OK ? LYRA_EX_SOFTWARE : code;
}

/* One backup into a->dest: returns the exit status (0 good, 1 verification failed, else the
 * error's class) after saying what happened. */
static int create_one(const struct args *a, enum lyra_backup_kind kind, int *unverified)
{
	int64_t t0 = lyra_mono_us();
	struct lyra_backup_entry *cat = NULL, e;
	const struct lyra_backup_entry *base = NULL;
	struct lyra_backup_manifest base_m, m;
	struct lyra_backup_map base_map;
	struct lyra_backup_snapshot snap;
	struct lyra_backup_written w;
	struct lyra_backup_plan plan;
	struct lyra_backup_keyring *kr = NULL;
	const struct lyra_envelope_key *key = NULL;
	struct lyra_envelope_kdf kdf;
	char snap_path[PATH_MAX], why[1024], size_txt[32];
	size_t ncat = 0;
	int status = 0, lockfd, seal = a->encrypt, good;

	memset(&base_m, 0, sizeof base_m);
	memset(&base_map, 0, sizeof base_map);
	memset(&m, 0, sizeof m);
	if (seal)
		kr = get_keyring(a, 1);
	lockfd = lock_dest(a->dest, 1, &status);
	if (lockfd < 0)
		return status;
	if (lyra_backup_catalog_list(store, a->dest, &cat, &ncat) != 0) {
		status = fail_status();
		goto out;
	}
	if (kind != LYRA_BACKUP_FULL) {
		base = find_base(cat, ncat, kind);
		if (!base) {
			lyra_note("no earlier good backup in '%s': making a full backup", a->dest);
			kind = LYRA_BACKUP_FULL;
		}
	}
	if (base && base->encrypted)
		seal = 1;
	else if (base && seal) {
		lyra_note("the chain of backup '%s' is not encrypted: starting a new chain with a full backup",
		          base->id);
		base = NULL;
		kind = LYRA_BACKUP_FULL;
	}
	if (seal)
		kr = get_keyring(a, 1);
	if (base && (lyra_backup_read_manifest(a->dest, base->id, kr, &base_m) != 0 ||
	             lyra_backup_chain_map(a->dest, &base_m, kr, &base_map) != 0)) {
		if (lyra_error_code() == LYRA_EX_CONFIG) {
			status = fail_status();
			goto out;
		}
		lyra_warn("cannot build on backup '%s': %s; making a full backup instead", base->id,
		          lyra_error_msg());
		lyra_backup_manifest_release(&base_m);
		lyra_backup_map_release(&base_map);
		base = NULL;
		kind = LYRA_BACKUP_FULL;
	}
	if (seal) {
		int sealed = base ? lyra_backup_sealed_kdf(a->dest, base->id, &kdf) : 0;
		if (sealed != 1 && lyra_envelope_kdf_new(&kdf) != 0) {
			status = fail_status();
			goto out;
		}
		if (!(key = lyra_backup_keyring_key(kr, &kdf))) {
			status = fail_status();
			goto out;
		}
	}
	if (tmp_beside(store->path, "snapshot", snap_path, sizeof snap_path) != 0) {
		status = fail_status();
		goto out;
	}
	set_tmp(0, snap_path);
	if (lyra_backup_snapshot(store, snap_path, &snap, &progress) != 0) {
		end_progress();
		status = fail_status();
		goto out;
	}
	end_progress();
	lyra_debug("snapshot: %u pages of %u bytes, audit seq %lld, %lld ms", snap.pages, snap.page_size,
	           (long long)snap.audit_seq, (long long)(lyra_mono_us() - t0) / 1000);
	if (base && snap.page_size != base_map.page_size) {
		lyra_note("the store's page size changed: making a full backup");
		base = NULL;
		kind = LYRA_BACKUP_FULL;
	}
	memset(&plan, 0, sizeof plan);
	plan.dir = a->dest;
	plan.snap_path = snap_path;
	plan.snap = &snap;
	plan.store_path = store->path;
	plan.kind = kind;
	plan.base = base ? &base_m : NULL;
	plan.base_map = base ? &base_map : NULL;
	plan.key = key;
	plan.level = 1;
	plan.threads = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 0;
	plan.progress = &progress;
	if (lyra_backup_write(&plan, &m, &w) != 0) {
		end_progress();
		status = fail_status();
		goto out;
	}
	drop_tmp(0);
	end_progress();
	lyra_debug("archive written: %lld bytes, %lld ms so far", (long long)w.size,
	           (long long)(lyra_mono_us() - t0) / 1000);

	good = verify_one(a->dest, m.id, w.sha256, kr, NULL, why, sizeof why);
	lyra_debug("verified: %s, %lld ms so far", good == 0 ? "good" : "damaged",
	           (long long)(lyra_mono_us() - t0) / 1000);
	if (good < 0) {
		status = fail_status();
		snprintf(why, sizeof why, "could not be verified: %s", lyra_error_msg());
		good = 1;
	}
	lyra_backup_entry_from(&e, &m, a->dest, &w);
	e.status = good == 0 ? LYRA_BACKUP_GOOD : LYRA_BACKUP_DAMAGED;
	e.verified = good == 0 ? lyra_time_now_us() : 0;
	e.duration_us = lyra_mono_us() - t0;
	snprintf(e.note, sizeof e.note, "%.255s", good == 0 ? "" : why);
	json_t *details = json_pack("{sssssIsIsssbsIsIsb}", "kind", lyra_backup_kind_name(kind),
	                            "file", w.file, "size", (json_int_t)w.size,
	                            "audit_seq", (json_int_t)m.audit_seq, "sha256", w.sha256,
	                            "encrypted", m.encrypted, "pages", (json_int_t)m.pages,
	                            "changed_pages", (json_int_t)m.changed, "verified", good == 0);
	if (details && m.base[0])
		json_object_set_new(details, "base", json_string(m.base));
	if (details)
		json_object_set_new(details, "dest", json_string(a->dest));
	char object[LYRA_BACKUP_ID_MAX + 8];
	snprintf(object, sizeof object, "backup:%s", m.id);
	if (lyra_store_begin(store) != 0 || lyra_backup_catalog_add(store, &e) != 0 ||
	    lyra_audit_append(store, me.name, "backup.create", object, details) < 0 ||
	    lyra_store_commit(store) != 0) {
		lyra_store_rollback(store);
		json_decref(details);
		lyra_error_wrap("archive '%s/%s' was written but could not be recorded", a->dest, w.file);
		status = fail_status();
		goto out;
	}
	json_decref(details);
	fmt_size(w.size, size_txt, sizeof size_txt);
	if (good == 0) {
		if (kind == LYRA_BACKUP_FULL)
			lyra_note("created %s: full, %u pages, %s, verified", m.id, m.pages, size_txt);
		else
			lyra_note("created %s: %s on %s, %u of %u pages, %s, verified", m.id,
			          lyra_backup_kind_name(kind), m.base, m.changed, m.pages, size_txt);
	} else {
		lyra_warn("backup %s failed verification: %s", m.id, why);
		if (!status) {
			status = LYRA_EX_NO;
			*unverified = 1;
		}
	}
	write_metrics(NULL, status == 0, lyra_mono_us() - t0, w.size, m.nchain);
	if (good == 0) {
		watch_snap_ts = m.ts;
		watch_duration = e.duration_us;
	}
	goto done;
out:
	write_metrics(NULL, 0, lyra_mono_us() - t0, -1, 0);
done:
	drop_tmp(0);
	drop_tmp(1);
	lyra_backup_manifest_release(&m);
	lyra_backup_manifest_release(&base_m);
	lyra_backup_map_release(&base_map);
	free(cat);
	unlock_dest(lockfd);
	return status;
}

/* A backup of the kind asked; when an incremental or differential fails its verification (a
 * damaged chain member), a full backup follows at once so protection goes on, and the run still
 * exits 1 so the operator hears of it. */
static int create_backup(const struct args *a, enum lyra_backup_kind kind)
{
	int unverified = 0;
	int status = create_one(a, kind, &unverified);
	if (unverified && kind != LYRA_BACKUP_FULL) {
		lyra_warn("making a full backup so that a verified backup exists");
		unverified = 0;
		create_one(a, LYRA_BACKUP_FULL, &unverified);
	}
	return status;
}

static void require(const char *permission)
{
	if (lyra_identity_require(store, &me, permission) != 0)
		lyra_die_last();
}

static void open_store(void)
{
	store = lyra_store_open(cli.db);
	if (!store || lyra_identity_resolve(store, &me) != 0)
		lyra_die_last();
}

static int cmd_create(struct args *a)
{
	open_store();
	require("backup.create");
	resolve_dest(a, store->path, 1);
	return create_backup(a, a->kind);
}

/* ---- list ---- */

static json_t *entry_record(const struct lyra_backup_entry *e)
{
	json_t *r = lyra_record_new("backup", e->ts);
	char file[PATH_MAX + 64];
	snprintf(file, sizeof file, "%s/%s", e->dest, e->file);
	json_object_set_new(r, "id", json_string(e->id));
	json_object_set_new(r, "kind", json_string(lyra_backup_kind_name(e->kind)));
	json_object_set_new(r, "base", e->base[0] ? json_string(e->base) : json_null());
	json_object_set_new(r, "full", json_string(e->full));
	json_object_set_new(r, "chain", json_integer(e->chain_len));
	json_object_set_new(r, "size", json_integer(e->size));
	json_object_set_new(r, "db_bytes", json_integer(e->db_bytes));
	json_object_set_new(r, "pages", json_integer(e->pages));
	json_object_set_new(r, "changed_pages", json_integer(e->changed));
	json_object_set_new(r, "encrypted", json_boolean(e->encrypted));
	json_object_set_new(r, "status", json_string(e->status == LYRA_BACKUP_GOOD ? "good" : "damaged"));
	json_object_set_new(r, "verified", e->verified ? json_integer(e->verified) : json_null());
	json_object_set_new(r, "audit_seq", json_integer(e->audit_seq));
	json_object_set_new(r, "audit_hash", json_string(e->audit_hash));
	json_object_set_new(r, "sha256", json_string(e->sha256));
	json_object_set_new(r, "file", json_string(file));
	json_object_set_new(r, "duration_us", json_integer(e->duration_us));
	if (e->note[0])
		json_object_set_new(r, "note", json_string(e->note));
	return r;
}

static const char *const list_heads[] = { "id", "kind", "time", "size", "base", "chain", "verified" };

static int list_row(enum lyra_format f, struct lyra_table *t, const struct lyra_backup_entry *e)
{
	char when[40], size[32], chain[16], verified[300];
	fmt_time(e->ts, when);
	fmt_size(e->size, size, sizeof size);
	snprintf(chain, sizeof chain, "%d", e->chain_len);
	if (e->status != LYRA_BACKUP_GOOD)
		snprintf(verified, sizeof verified, "DAMAGED: %s", e->note);
	else if (e->verified)
		fmt_time(e->verified, verified);
	else
		snprintf(verified, sizeof verified, "no");
	const char *cells[] = { e->id, lyra_backup_kind_name(e->kind), when, size,
	                        e->base[0] ? e->base : "-", chain, verified };
	if (f == LYRA_FMT_CSV)
		return lyra_csv_row(stdout, cells, 7);
	return lyra_table_add(t, cells);
}

static int cmd_list(struct args *a)
{
	struct lyra_backup_entry *cat;
	struct lyra_table *t = NULL;
	size_t n;
	open_store();
	require("backup.read");
	if (a->dest_opt)
		resolve_dest(a, store->path, 0);
	if (lyra_backup_catalog_list(store, a->dest_opt ? a->dest : NULL, &cat, &n) != 0)
		lyra_die_last();
	lyra_out_init(0);
	if (a->format == LYRA_FMT_TABLE && !(t = lyra_table_new(list_heads, 7)))
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	if (a->format == LYRA_FMT_CSV)
		lyra_csv_row(stdout, list_heads, 7);
	for (size_t i = 0; i < n; i++) {
		if (a->format == LYRA_FMT_NDJSON) {
			json_t *r = entry_record(&cat[i]);
			int rc = lyra_out_json(r);
			json_decref(r);
			if (rc != 0)
				break;
		} else if (list_row(a->format, t, &cat[i]) != 0) {
			break;
		}
	}
	if (t) {
		lyra_table_print(t, stdout);
		lyra_table_free(t);
	}
	free(cat);
	return LYRA_EX_OK;
}

/* ---- verify ---- */

struct target {
	char id[LYRA_BACKUP_ID_MAX];
	char dir[PATH_MAX];
	const struct lyra_backup_entry *entry;   /* NULL: found in the folder, not catalogued */
};

/* Backup ids of the archives in dir, oldest name first (ids sort by time). NEW array. */
static int scan_dir(const char *dir, char (**ids)[LYRA_BACKUP_ID_MAX], size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t cap = 0;
	*ids = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : lyra_error(LYRA_EX_IOERR, "cannot read folder '%s': %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		size_t len = strlen(name), cut;
		char id[LYRA_BACKUP_ID_MAX];
		if (name[0] == '.')
			continue;
		if (len > 12 && strcmp(name + len - 12, ".tar.zst.enc") == 0)
			cut = len - 12;
		else if (len > 8 && strcmp(name + len - 8, ".tar.zst") == 0)
			cut = len - 8;
		else
			continue;
		if (cut >= sizeof id)
			continue;
		memcpy(id, name, cut);
		id[cut] = '\0';
		if (!lyra_backup_id_valid(id))
			continue;
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			void *p = realloc(*ids, nc * sizeof **ids);
			if (!p) {
				closedir(d);
				free(*ids);
				*ids = NULL;
				return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
			}
			*ids = p;
			cap = nc;
		}
		memcpy((*ids)[(*n)++], id, sizeof id);
	}
	closedir(d);
	qsort(*ids, *n, sizeof **ids, (int (*)(const void *, const void *))strcmp);
	return 0;
}

static const struct lyra_backup_entry *cat_find(const struct lyra_backup_entry *cat, size_t n,
                                                const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(cat[i].id, id) == 0)
			return &cat[i];
	return NULL;
}

static int cmd_verify(struct args *a)
{
	struct lyra_backup_entry *cat, *all;
	struct target *tg = NULL;
	char (*ids)[LYRA_BACKUP_ID_MAX] = NULL;
	size_t ncat, nall, nids, nt = 0;
	int64_t t0 = lyra_mono_us();
	int lockfd, status = 0, damaged = 0;
	json_t *bad = json_array();

	open_store();
	require("backup.read");
	resolve_dest(a, store->path, 0);
	if (a->id && a->all)
		lyra_usage_error("verify takes an ID or --all, not both");
	if (lyra_backup_catalog_list(store, a->dest, &cat, &ncat) != 0 ||
	    lyra_backup_catalog_list(store, NULL, &all, &nall) != 0 || scan_dir(a->dest, &ids, &nids) != 0)
		lyra_die_last();
	tg = calloc(ncat + nids + 1, sizeof *tg);
	if (!tg)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	if (a->id) {
		const struct lyra_backup_entry *e = cat_find(all, nall, a->id);
		if (!lyra_backup_id_valid(a->id))
			lyra_usage_error("'%s' is not a backup id", a->id);
		snprintf(tg[0].id, sizeof tg[0].id, "%s", a->id);
		if (e && !a->dest_opt) {
			snprintf(tg[0].dir, sizeof tg[0].dir, "%s", e->dest);
		} else {
			char path[PATH_MAX];
			e = cat_find(cat, ncat, a->id);
			if (!e && lyra_backup_path(a->dest, a->id, path, sizeof path) <= 0)
				lyra_die(LYRA_EX_NOINPUT, "no backup '%s' in the catalogue or in '%s'", a->id, a->dest);
			snprintf(tg[0].dir, sizeof tg[0].dir, "%s", a->dest);
		}
		tg[0].entry = e;
		nt = 1;
	} else {
		size_t from = a->all ? 0 : (ncat ? ncat - 1 : 0);
		for (size_t i = from; i < ncat; i++) {
			snprintf(tg[nt].id, sizeof tg[nt].id, "%s", cat[i].id);
			snprintf(tg[nt].dir, sizeof tg[nt].dir, "%s", a->dest);
			tg[nt++].entry = &cat[i];
		}
		for (size_t i = 0; i < nids && (a->all || (!ncat && i + 1 == nids)); i++) {
			if (cat_find(cat, ncat, ids[i]))
				continue;
			snprintf(tg[nt].id, sizeof tg[nt].id, "%s", ids[i]);
			snprintf(tg[nt].dir, sizeof tg[nt].dir, "%s", a->dest);
			tg[nt++].entry = NULL;
		}
		if (!nt)
			lyra_die(LYRA_EX_NOINPUT, "no backups in '%s'", a->dest);
	}
	lockfd = lock_dest(a->dest, 0, &status);
	if (lockfd < 0)
		exit(lyra_cli_finish(status));
	struct lyra_backup_keyring *kr = get_keyring(a, 0);
	int *result = calloc(nt, sizeof *result);
	char (*notes)[1024] = calloc(nt, sizeof *notes);
	if (!result || !notes)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	for (size_t i = 0; i < nt; i++) {
		struct lyra_backup_manifest m;
		int rc = verify_one(tg[i].dir, tg[i].id, tg[i].entry ? tg[i].entry->sha256 : NULL, kr, &m,
		                    notes[i], sizeof notes[i]);
		if (rc < 0)
			lyra_die_last();
		result[i] = rc;
		if (rc == 0) {
			if (cli.verbose >= 0)
				printf("backup: %s: good: %s, chain of %d, %u pages, audit seq %lld%s\n", tg[i].id,
				       lyra_backup_kind_name(m.kind), m.nchain, m.pages, (long long)m.audit_seq,
				       tg[i].entry ? "" : " (not in the catalogue)");
			lyra_backup_manifest_release(&m);
		} else {
			printf("backup: %s: damaged: %s\n", tg[i].id, notes[i]);
			damaged++;
			json_array_append_new(bad, json_string(tg[i].id));
		}
	}
	unlock_dest(lockfd);
	if (lyra_store_begin(store) != 0)
		lyra_die_last();
	for (size_t i = 0; i < nt; i++)
		if (tg[i].entry && lyra_backup_catalog_mark(store, tg[i].id, result[i] ? LYRA_BACKUP_DAMAGED
		                                                                       : LYRA_BACKUP_GOOD,
		                                            result[i] ? notes[i] : "") != 0)
			goto fail;
	json_t *details = json_pack("{sIsIsO}", "checked", (json_int_t)nt, "damaged", (json_int_t)damaged,
	                            "ids", bad);
	if (lyra_audit_append(store, me.name, "backup.verify", a->dest, details) < 0 ||
	    lyra_store_commit(store) != 0) {
		json_decref(details);
		goto fail;
	}
	json_decref(details);
	json_decref(bad);
	if (cli.metrics) {
		struct lyra_metrics *mt = lyra_metrics_new("backup");
		char secs[48];
		fmt_seconds(lyra_mono_us() - t0, secs, sizeof secs);
		lyra_metrics_declare(mt, "backup_verify_ok", LYRA_METRIC_GAUGE, "1 if every backup checked was good");
		lyra_metrics_declare(mt, "backup_verify_checked", LYRA_METRIC_GAUGE, "backups checked");
		lyra_metrics_declare(mt, "backup_verify_timestamp_seconds", LYRA_METRIC_GAUGE, "when verify last ran");
		lyra_metrics_declare(mt, "backup_verify_duration_seconds", LYRA_METRIC_GAUGE, "how long it took");
		lyra_metrics_set_int(mt, "backup_verify_ok", NULL, damaged == 0);
		lyra_metrics_set_int(mt, "backup_verify_checked", NULL, (int64_t)nt);
		lyra_metrics_set_int(mt, "backup_verify_timestamp_seconds", NULL, lyra_time_now_us() / LYRA_US_PER_SEC);
		lyra_metrics_set(mt, "backup_verify_duration_seconds", NULL, secs);
		if (lyra_metrics_write(mt, cli.metrics) != 0)
			lyra_warn("%s", lyra_error_msg());
		lyra_metrics_free(mt);
	}
	free(result);
	free(notes);
	free(tg);
	free(ids);
	free(cat);
	free(all);
	return damaged ? LYRA_EX_NO : LYRA_EX_OK;
fail:
	lyra_store_rollback(store);
	lyra_die_last();
}

/* ---- restore ---- */

struct point {
	char id[LYRA_BACKUP_ID_MAX];
	int64_t ts;
	int64_t audit_seq;
	int64_t journal_seq, journal_ts;   /* point-in-time journal head (0: none) */
	int restorable;        /* every chain member's archive is present */
	char missing[LYRA_BACKUP_ID_MAX];
};

/* The backups in dir with their times, from their manifests. NEW array. */
static int scan_points(const char *dir, struct lyra_backup_keyring *kr, struct point **out, size_t *n)
{
	char (*ids)[LYRA_BACKUP_ID_MAX];
	size_t nids;
	struct point *p;

	*out = NULL;
	*n = 0;
	if (scan_dir(dir, &ids, &nids) != 0)
		return -1;
	if (!(p = calloc(nids + 1, sizeof *p))) {
		free(ids);
		return lyra_error(LYRA_EX_SOFTWARE, "out of memory");
	}
	for (size_t i = 0; i < nids; i++) {
		struct lyra_backup_manifest m;
		if (lyra_backup_read_manifest(dir, ids[i], kr, &m) != 0) {
			if (lyra_error_code() == LYRA_EX_CONFIG) {
				free(ids);
				free(p);
				return -1;
			}
			lyra_warn("skipping backup '%s': %s", ids[i], lyra_error_msg());
			continue;
		}
		struct point *q = &p[(*n)++];
		memcpy(q->id, m.id, sizeof q->id);
		q->ts = m.ts;
		q->audit_seq = m.audit_seq;
		q->journal_seq = m.journal_seq;
		q->journal_ts = m.journal_ts;
		q->restorable = 1;
		for (int c = 0; c < m.nchain - 1; c++) {
			char path[PATH_MAX];
			if (lyra_backup_path(dir, m.chain[c], path, sizeof path) <= 0) {
				q->restorable = 0;
				memcpy(q->missing, m.chain[c], sizeof q->missing);
				break;
			}
		}
		lyra_backup_manifest_release(&m);
	}
	free(ids);
	*out = p;
	return 0;
}

/* Fold path's WAL into it and move it (and any WAL) aside to aside. 0, or -1 with error.h. */
static int move_aside(const char *path, const char *aside)
{
	char side[PATH_MAX + 8], side2[PATH_MAX + 80];
	sqlite3 *db = NULL;
	struct stat sb;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(db, LYRA_STORE_BUSY_MS);
		sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	}
	sqlite3_close(db);
	if (rename(path, aside) != 0)
		return lyra_error(LYRA_EX_CANTCREAT, "cannot move '%s' aside to '%s': %s", path, aside,
		                  strerror(errno));
	snprintf(side, sizeof side, "%s-wal", path);
	snprintf(side2, sizeof side2, "%s-wal", aside);
	if (stat(side, &sb) == 0 && rename(side, side2) != 0)
		return lyra_error(LYRA_EX_CANTCREAT, "cannot move '%s' aside: %s", side, strerror(errno));
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	return 0;
}

/* Roll the restored copy at copy_path forward with the point-in-time journal to a->at: the rows
 * after its own journal head, from the live store (read-only), else from the newest later backup
 * whose journal continues the copy's. *res says how far it got and whether that is exactly the
 * state at a->at; src names where the rows came from. 0, or -1 with error.h (a damaged or
 * conflicting journal entry is LYRA_EX_NO and named). */
static int roll_forward(const struct args *a, const char *live, int live_exists, const struct point *pts,
                        size_t n, const struct point *base, struct lyra_backup_keyring *kr,
                        const char *copy_path, struct lyra_journal_result *res, char *src, size_t srcn)
{
	sqlite3 *copy = NULL, *from = NULL;
	char name[PATH_MAX + 64], why[sizeof res->why] = "", tmp2[PATH_MAX];
	int rc = 1;

	memset(res, 0, sizeof *res);
	src[0] = '\0';
	if (sqlite3_open_v2(copy_path, &copy, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		lyra_error(LYRA_EX_IOERR, "cannot open the restored copy '%s': %s", copy_path,
		           copy ? sqlite3_errmsg(copy) : "out of memory");
		sqlite3_close(copy);
		return -1;
	}
	sqlite3_busy_timeout(copy, LYRA_STORE_BUSY_MS);
	if (live_exists) {
		snprintf(name, sizeof name, "the live store '%s'", live);
		if (sqlite3_open_v2(live, &from, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
			sqlite3_busy_timeout(from, LYRA_STORE_BUSY_MS);
			rc = lyra_journal_replay(copy, from, name, 1, a->at, res);
		} else {
			snprintf(res->why, sizeof res->why, "the live store does not open");
		}
		sqlite3_close(from);
		from = NULL;
		if (rc < 0)
			goto fail;
		if (rc == 0)
			snprintf(src, srcn, "the live store");
		snprintf(why, sizeof why, "%s", res->why);
	}
	for (size_t i = n; rc == 1 && i-- > 0;) {
		const struct point *p = &pts[i];
		struct lyra_backup_manifest m2;
		if (!p->restorable || p->ts <= a->at || p->journal_seq <= base->journal_seq)
			continue;
		if (tmp_beside(copy_path, "journal", tmp2, sizeof tmp2) != 0)
			goto fail;
		set_tmp(0, tmp2);
		if (lyra_backup_rebuild(a->dest, p->id, kr, tmp2, &m2, &progress) != 0) {
			end_progress();
			lyra_warn("cannot read the journal in backup '%s': %s", p->id, lyra_error_msg());
			drop_tmp(0);
			continue;
		}
		end_progress();
		lyra_backup_manifest_release(&m2);
		snprintf(name, sizeof name, "backup '%s'", p->id);
		if (sqlite3_open_v2(tmp2, &from, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
			rc = lyra_journal_replay(copy, from, name, 0, a->at, res);
		sqlite3_close(from);
		from = NULL;
		drop_tmp(0);
		if (rc < 0)
			goto fail;
		if (rc == 0)
			snprintf(src, srcn, "%s", name);
		else if (!why[0])
			snprintf(why, sizeof why, "%s", res->why);
	}
	if (rc == 1) {
		res->exact = 0;
		snprintf(res->why, sizeof res->why, "no journal continues the backup's: %.400s",
		         why[0] ? why : "the live store is gone and no later backup holds it");
	}
	if (sqlite3_close(copy) != SQLITE_OK)
		return lyra_error(LYRA_EX_IOERR, "cannot close the restored copy '%s'", copy_path);
	return 0;
fail:
	sqlite3_close(copy);
	return -1;
}

/* After a roll forward: the audit chain of the copy, from the manifest's head on. 0 good, 1
 * damaged (why), -1 with error.h. */
static int check_rolled(const char *path, const struct lyra_backup_manifest *m, char *why, size_t whylen)
{
	struct lyra_store *st = lyra_store_open(path);
	struct lyra_audit_anchor anchor;
	struct lyra_audit_report rep;

	if (!st)
		return -1;
	anchor.seq = m->audit_seq;
	memcpy(anchor.hash, m->audit_hash, sizeof anchor.hash);
	if (lyra_audit_verify(st, &anchor, m->audit_seq > 0, &rep) != 0) {
		lyra_store_close(st);
		return -1;
	}
	lyra_store_close(st);
	if (rep.damage) {
		snprintf(why, whylen, "audit chain %s at seq %lld: %s", lyra_audit_damage_name(rep.damage),
		         (long long)rep.bad_seq, rep.detail);
		return 1;
	}
	return 0;
}

static int cmd_restore(struct args *a)
{
	char live[PATH_MAX], tmp[PATH_MAX], aside[PATH_MAX + 64], why[1024], dir[PATH_MAX];
	struct lyra_backup_manifest m;
	struct stat live_sb, to_sb;
	int live_exists, to_exists, to_is_live, lockfd, status = 0;
	const char *id = a->id;
	char chosen[LYRA_BACKUP_ID_MAX];
	int64_t lost = 0, lost_first = 0, lost_last = 0, copy_audit = 0;
	struct point *pts = NULL;
	size_t npts = 0;
	const struct point *base_pt = NULL;
	struct lyra_journal_result jr;
	int rolled = 0;
	char jsrc[PATH_MAX + 64] = "";

	memset(&jr, 0, sizeof jr);
	if (!a->to)
		lyra_usage_error("restore needs --to PATH");
	if (!!a->id == !!a->has_at)
		lyra_usage_error("restore takes a backup ID or --at T (one of them)");
	if (a->id && !lyra_backup_id_valid(a->id))
		lyra_usage_error("'%s' is not a backup id", a->id);
	live_path(live, sizeof live);
	live_exists = stat(live, &live_sb) == 0;
	to_exists = lstat(a->to, &to_sb) == 0;
	if (to_exists && !S_ISREG(to_sb.st_mode))
		lyra_die(LYRA_EX_CANTCREAT, "cannot restore to '%s': it is not a regular file", a->to);
	to_is_live = to_exists && live_exists && to_sb.st_dev == live_sb.st_dev && to_sb.st_ino == live_sb.st_ino;
	if (live_exists) {
		store = lyra_store_open(live);
		if (!store) {
			lyra_warn("the live store does not open (%s): restoring without it", lyra_error_msg());
		} else {
			if (lyra_identity_resolve(store, &me) != 0)
				lyra_die_last();
			require("backup.restore");
		}
	}
	resolve_dest(a, live, 0);
	if (store && a->id && !a->dest_opt) {
		struct lyra_backup_entry *cat;
		size_t n;
		if (lyra_backup_catalog_list(store, NULL, &cat, &n) == 0) {
			const struct lyra_backup_entry *e = cat_find(cat, n, a->id);
			if (e)
				snprintf(a->dest, sizeof a->dest, "%s", e->dest);
			free(cat);
		}
	}
	if (to_exists && !a->force)
		lyra_die(LYRA_EX_CANTCREAT, "'%s' exists%s: restore never overwrites it; use --force (the "
		         "old file is kept aside)", a->to, to_is_live ? " and is the live store" : "");
	lockfd = lock_dest(a->dest, 0, &status);
	if (lockfd < 0)
		exit(lyra_cli_finish(status));
	struct lyra_backup_keyring *kr = get_keyring(a, 0);
	if (a->has_at) {
		const struct point *best = NULL, *ok = NULL;
		char when[40];
		size_t n;
		if (scan_points(a->dest, kr, &pts, &npts) != 0)
			lyra_die_last();
		n = npts;
		for (size_t i = 0; i < n; i++) {
			/* at or before T, and so is the newest transaction inside it */
			if (pts[i].ts > a->at || (pts[i].journal_seq && pts[i].journal_ts > a->at))
				continue;
			if (!best || pts[i].ts > best->ts)
				best = &pts[i];
			if (pts[i].restorable && (!ok || pts[i].ts > ok->ts))
				ok = &pts[i];
		}
		fmt_time(a->at, when);
		if (!best)
			lyra_die(LYRA_EX_NOINPUT, "no backup in '%s' at or before %s", a->dest, when);
		if (!best->restorable) {
			char okw[40];
			if (ok)
				fmt_time(ok->ts, okw);
			lyra_die(LYRA_EX_NO, "cannot restore to %s: backup '%s' needs '%s', whose archive is "
			         "missing from '%s'; the newest restorable backup before then is %s%s%s",
			         when, best->id, best->missing, a->dest, ok ? ok->id : "none", ok ? " at " : "",
			         ok ? okw : "");
		}
		snprintf(chosen, sizeof chosen, "%s", best->id);
		id = chosen;
		base_pt = best;
	}
	dir_of(a->to, dir, sizeof dir);
	if (make_dirs(dir) != 0 || tmp_beside(a->to, "restore", tmp, sizeof tmp) != 0)
		lyra_die_last();
	set_tmp(1, tmp);
	if (lyra_backup_rebuild(a->dest, id, kr, tmp, &m, &progress) != 0) {
		end_progress();
		drop_tmp(1);
		lyra_die_last();
	}
	end_progress();
	int rc = lyra_backup_check_copy(tmp, &m, why, sizeof why);
	if (rc != 0) {
		drop_tmp(1);
		if (rc < 0)
			lyra_die_last();
		lyra_die(LYRA_EX_NO, "backup '%s': the restored copy fails its check: %s", id, why);
	}
	copy_audit = m.audit_seq;
	if (a->has_at) {
		/* point-in-time: the journal rows after the backup, up to T */
		if (roll_forward(a, live, live_exists, pts, npts, base_pt, kr, tmp, &jr, jsrc, sizeof jsrc) != 0) {
			drop_tmp(1);
			lyra_die_last();
		}
		rolled = jr.applied > 0;
		if (rolled) {
			rc = check_rolled(tmp, &m, why, sizeof why);
			if (rc != 0) {
				drop_tmp(1);
				if (rc < 0)
					lyra_die_last();
				lyra_die(LYRA_EX_NO, "the copy rolled forward from backup '%s' fails its check: %s", id, why);
			}
			sqlite3 *db = NULL;
			if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
				sqlite3_stmt *q = NULL;
				if (sqlite3_prepare_v2(db, "SELECT coalesce(max(seq), 0) FROM audit", -1, &q, NULL) == SQLITE_OK &&
				    sqlite3_step(q) == SQLITE_ROW)
					copy_audit = sqlite3_column_int64(q, 0);
				sqlite3_finalize(q);
			}
			sqlite3_close(db);
		}
	}
	free(pts);
	pts = NULL;
	unlock_dest(lockfd);
	if (a->has_at && store && !jr.exact) {
		sqlite3_stmt *s = lyra_store_prepare(store, "SELECT count(*), min(seq), max(seq) FROM audit "
		                                            "WHERE seq > ?1 AND ts <= ?2");
		if (s) {
			sqlite3_bind_int64(s, 1, copy_audit);
			sqlite3_bind_int64(s, 2, a->at);
			if (sqlite3_step(s) == SQLITE_ROW) {
				lost = sqlite3_column_int64(s, 0);
				lost_first = sqlite3_column_int64(s, 1);
				lost_last = sqlite3_column_int64(s, 2);
			}
			sqlite3_finalize(s);
		}
	}
	aside[0] = '\0';
	if (to_is_live) {
		lyra_store_close(store);
		store = NULL;
	}
	{
		int fd = open(tmp, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) != 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			drop_tmp(1);
			lyra_die(LYRA_EX_IOERR, "cannot sync the restored copy '%s': %s", tmp, strerror(e));
		}
		close(fd);
	}
	if (to_exists) {
		char stamp[40];
		int64_t now = lyra_time_now_us(), secs = now / LYRA_US_PER_SEC;
		int y;
		unsigned mo, d;
		lyra_civil_from_days(secs / 86400, &y, &mo, &d);
		snprintf(stamp, sizeof stamp, "%04d%02u%02uT%02d%02d%02dZ", y, mo, d, (int)(secs % 86400 / 3600),
		         (int)(secs % 3600 / 60), (int)(secs % 60));
		snprintf(aside, sizeof aside, "%s.before-restore-%s", a->to, stamp);
		if (move_aside(a->to, aside) != 0) {
			drop_tmp(1);
			lyra_die_last();
		}
	}
	if (rename(tmp, a->to) != 0) {
		int e = errno;
		drop_tmp(1);
		lyra_die(LYRA_EX_CANTCREAT, "cannot put the restored store at '%s': %s%s%s", a->to,
		         strerror(e), aside[0] ? "; the old file is at " : "", aside);
	}
	set_tmp(1, NULL);
	dir_of(a->to, dir, sizeof dir);
	{
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}

	/* The restore is recorded in the live store, or in the restored copy when that is now the
	 * live store (or there is no other). */
	struct lyra_store *rec = store;
	if (!rec) {
		rec = lyra_store_open(a->to);
		if (!rec)
			lyra_die_last();
		if (!me.name[0] && lyra_identity_resolve(rec, &me) != 0)
			lyra_die_last();
	}
	json_t *details = json_pack("{sssIsIss}", "backup", id, "snapshot_ts", (json_int_t)m.ts,
	                            "audit_seq", (json_int_t)m.audit_seq, "to", a->to);
	if (a->has_at) {
		json_object_set_new(details, "at", json_integer(a->at));
		if (jr.base.seq)
			json_object_set_new(details, "journal", json_pack("{sIsIsIsbss}", "applied", (json_int_t)jr.applied,
			                                                  "from_seq", (json_int_t)jr.base.seq,
			                                                  "to_seq", (json_int_t)(jr.applied ? jr.last_seq : jr.base.seq),
			                                                  "exact", jr.exact, "source", jsrc[0] ? jsrc : "none"));
	}
	if (aside[0])
		json_object_set_new(details, "aside", json_string(aside));
	char object[LYRA_BACKUP_ID_MAX + 8];
	snprintf(object, sizeof object, "backup:%s", id);
	if (audit_change(rec, "backup.restore", object, details) != 0)
		lyra_warn("the store was restored but the restore could not be audited: %s", lyra_error_msg());
	if (rec != store)
		lyra_store_close(rec);

	char when[40], at[40];
	fmt_time(m.ts, when);
	lyra_note("restored %s (snapshot at %s, audit seq %lld) to '%s'", id, when, (long long)m.audit_seq, a->to);
	if (aside[0])
		lyra_note("the old file is kept as '%s'", aside);
	if (a->has_at && jr.exact) {
		fmt_time(a->at, at);
		if (jr.applied)
			lyra_note("rolled forward to %s with the journal from %s: %lld entries (seq %lld..%lld); the copy "
			          "holds every transaction committed at or before then", at, jsrc, (long long)jr.applied,
			          (long long)jr.first_seq, (long long)jr.last_seq);
		else
			lyra_note("no transaction was committed between that snapshot and %s: the copy is the state then", at);
	} else if (a->has_at) {
		fmt_time(a->at, at);
		if (jr.applied) {
			fmt_time(jr.last_ts, when);
			lyra_note("rolled forward with the journal from %s to seq %lld (%s), not to %s: %s", jsrc,
			          (long long)jr.last_seq, when, at, jr.why);
			lyra_note("%s is %lld s after that: transactions committed in between are not in the copy", at,
			          (long long)((a->at - jr.last_ts) / LYRA_US_PER_SEC));
		} else {
			if (jr.why[0])
				lyra_note("point-in-time: %s", jr.why);
			lyra_note("%s is %lld s after that snapshot: transactions committed in between are not in the copy",
			          at, (long long)((a->at - m.ts) / LYRA_US_PER_SEC));
		}
		if (lost)
			lyra_note("the live store holds %lld audited changes in that gap (seq %lld..%lld)",
			          (long long)lost, (long long)lost_first, (long long)lost_last);
	}
	lyra_backup_manifest_release(&m);
	return LYRA_EX_OK;
}

/* ---- prune ---- */

static int cmd_prune(struct args *a)
{
	struct lyra_backup_entry *cat;
	struct lyra_retention_item *items;
	struct lyra_table *t = NULL;
	size_t n, pruned = 0;
	int lockfd, status = 0;
	json_t *gone = json_array();

	if (!a->has_keep)
		lyra_usage_error("prune needs at least one --keep-* rule");
	open_store();
	require("backup.create");
	resolve_dest(a, store->path, 0);
	lockfd = lock_dest(a->dest, !a->dry_run, &status);
	if (lockfd < 0)
		exit(lyra_cli_finish(status));
	if (lyra_backup_catalog_list(store, a->dest, &cat, &n) != 0)
		lyra_die_last();
	items = calloc(n + 1, sizeof *items);
	if (!items)
		lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	for (size_t i = 0; i < n; i++) {
		items[i].ts = cat[i].ts;
		items[i].good = cat[i].status == LYRA_BACKUP_GOOD;
		items[i].base = -1;
		for (size_t j = 0; j < i && cat[i].base[0]; j++)
			if (strcmp(cat[j].id, cat[i].base) == 0)
				items[i].base = (long)j;
	}
	if (lyra_retention_apply(&a->keep, items, n) != 0)
		lyra_die_last();
	/* The point-in-time journal: keep from the oldest journal head of any backup kept (in any
	 * folder); rows before it can serve no restore. */
	int64_t jkeep = 0, jtrim = 0;
	{
		struct lyra_backup_entry *every;
		size_t nall;
		if (lyra_backup_catalog_list(store, NULL, &every, &nall) != 0)
			lyra_die_last();
		for (size_t i = 0; i < nall; i++) {
			const struct lyra_backup_entry *e = &every[i];
			int kept = 1;
			for (size_t j = 0; j < n; j++)
				if (strcmp(cat[j].id, e->id) == 0)
					kept = items[j].keep;
			if (kept && e->status == LYRA_BACKUP_GOOD && e->journal_seq > 0 && (!jkeep || e->journal_seq < jkeep))
				jkeep = e->journal_seq;
		}
		free(every);
		if (jkeep) {
			sqlite3_stmt *q = lyra_store_prepare(store, "SELECT count(*) FROM backup_journal WHERE seq < ?1 "
			                                            "AND seq < (SELECT max(seq) FROM backup_journal)");
			if (!q)
				lyra_die_last();
			sqlite3_bind_int64(q, 1, jkeep);
			if (sqlite3_step(q) == SQLITE_ROW)
				jtrim = sqlite3_column_int64(q, 0);
			sqlite3_finalize(q);
		}
	}
	lyra_out_init(0);
	if (a->format == LYRA_FMT_TABLE) {
		const char *heads[] = { "id", "kind", "time", "action", "why" };
		if (!(t = lyra_table_new(heads, 5)))
			lyra_die(LYRA_EX_SOFTWARE, "out of memory");
	} else if (a->format == LYRA_FMT_CSV) {
		const char *heads[] = { "id", "kind", "time", "action", "why" };
		lyra_csv_row(stdout, heads, 5);
	}
	for (size_t i = 0; i < n; i++) {
		char why[64], when[40];
		const char *action = items[i].keep ? "keep" : a->dry_run ? "would-prune" : "prune";
		lyra_retention_reasons(items[i].keep, why, sizeof why);
		if (!items[i].keep) {
			pruned++;
			json_array_append_new(gone, json_string(cat[i].id));
		}
		if (a->format == LYRA_FMT_NDJSON) {
			json_t *r = lyra_record_new("backup_prune", cat[i].ts);
			json_object_set_new(r, "id", json_string(cat[i].id));
			json_object_set_new(r, "kind", json_string(lyra_backup_kind_name(cat[i].kind)));
			json_object_set_new(r, "action", json_string(action));
			json_object_set_new(r, "why", json_string(why));
			lyra_out_json(r);
			json_decref(r);
		} else {
			fmt_time(cat[i].ts, when);
			const char *cells[] = { cat[i].id, lyra_backup_kind_name(cat[i].kind), when, action, why };
			if (t)
				lyra_table_add(t, cells);
			else
				lyra_csv_row(stdout, cells, 5);
		}
	}
	if (t) {
		lyra_table_print(t, stdout);
		lyra_table_free(t);
	}
	if (!a->dry_run) {
		json_t *details = json_pack("{sIsIsOs{sisisisisi}}", "pruned", (json_int_t)pruned,
		                            "kept", (json_int_t)(n - pruned), "ids", gone, "rules",
		                            "last", a->keep.last, "hourly", a->keep.hourly, "daily",
		                            a->keep.daily, "weekly", a->keep.weekly, "monthly", a->keep.monthly);
		json_object_set_new(details, "journal_trimmed", json_integer(jtrim));
		json_object_set_new(details, "journal_kept_from", json_integer(jkeep));
		if (lyra_store_begin(store) != 0)
			lyra_die_last();
		for (size_t i = 0; i < n; i++)
			if (!items[i].keep && lyra_backup_catalog_remove(store, cat[i].id) != 0) {
				lyra_store_rollback(store);
				lyra_die_last();
			}
		if (jkeep && lyra_journal_trim(store, jkeep, &jtrim) != 0) {
			lyra_store_rollback(store);
			lyra_die_last();
		}
		if (lyra_audit_append(store, me.name, "backup.prune", a->dest, details) < 0 ||
		    lyra_store_commit(store) != 0) {
			json_decref(details);
			lyra_store_rollback(store);
			lyra_die_last();
		}
		json_decref(details);
		for (size_t i = n; i-- > 0;) {
			char path[PATH_MAX + 64];
			if (items[i].keep)
				continue;
			snprintf(path, sizeof path, "%s/%s", cat[i].dest, cat[i].file);
			if (unlink(path) != 0 && errno != ENOENT) {
				lyra_warn("cannot remove '%s': %s", path, strerror(errno));
				status = LYRA_EX_IOERR;
			}
		}
		int dfd = open(a->dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	unlock_dest(lockfd);
	if (a->dry_run)
		lyra_note("would prune %zu of %zu backups in '%s', and %lld point-in-time journal entries "
		          "before seq %lld", pruned, n, a->dest, (long long)jtrim, (long long)jkeep);
	else
		lyra_note("pruned %zu of %zu backups in '%s', and %lld point-in-time journal entries "
		          "before seq %lld", pruned, n, a->dest, (long long)jtrim, (long long)jkeep);
	json_decref(gone);
	free(items);
	free(cat);
	return status;
}

/* ---- pitr ---- */

static int cmd_pitr(struct args *a)
{
	const char *what = a->id ? a->id : "status";
	int on;

	open_store();
	if (strcmp(what, "status") == 0) {
		struct lyra_journal_stats js;
		char first[40], last[40], size[32];
		require("backup.read");
		if ((on = lyra_journal_enabled(store)) < 0 || lyra_journal_stats(store, &js) != 0)
			lyra_die_last();
		fmt_time(js.first_ts, first);
		fmt_time(js.last_ts, last);
		fmt_size(js.bytes, size, sizeof size);
		printf("pitr: %s; journal: %lld entries, seq %lld..%lld, %s..%s, %s of changesets\n", on ? "on" : "off",
		       (long long)js.rows, (long long)js.first_seq, (long long)js.last_seq, first, last, size);
		return LYRA_EX_OK;
	}
	if (strcmp(what, "on") != 0 && strcmp(what, "off") != 0)
		lyra_usage_error("pitr takes on, off or status, not '%s'", what);
	require("backup.create");
	int want = strcmp(what, "on") == 0;
	if ((on = lyra_journal_enabled(store)) < 0)
		lyra_die_last();
	if (on == want) {
		lyra_note("point-in-time recovery is already %s", what);
		return LYRA_EX_OK;
	}
	json_t *details = json_pack("{ss}", "pitr", what);
	if (lyra_store_begin(store) != 0 || lyra_store_meta_set(store, LYRA_JOURNAL_SETTING, what) != 0 ||
	    lyra_audit_append(store, me.name, "backup.pitr", "store", details) < 0 ||
	    lyra_store_commit(store) != 0) {
		lyra_store_rollback(store);
		lyra_die_last();
	}
	json_decref(details);
	lyra_note("point-in-time recovery is now %s%s", what,
	          want ? ": every transaction from now on is journaled" : ": restore --at reaches only backups");
	return LYRA_EX_OK;
}

/* ---- watch ---- */

static int64_t data_version(void)
{
	sqlite3_stmt *s = lyra_store_prepare(store, "PRAGMA data_version");
	int64_t v = -1;
	if (s && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int64_t newest_full(const char *dest)
{
	struct lyra_backup_entry *cat;
	size_t n;
	int64_t ts = 0;
	if (lyra_backup_catalog_list(store, dest, &cat, &n) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (cat[i].kind == LYRA_BACKUP_FULL && cat[i].status == LYRA_BACKUP_GOOD && cat[i].ts > ts)
			ts = cat[i].ts;
	free(cat);
	return ts;
}

/* How long a backup of a kind may take: the longest of the last three of that kind, a quarter
 * more and a second (0 when none was made yet). */
static int64_t expected_duration(const int64_t last[3])
{
	int64_t m = last[0] > last[1] ? last[0] : last[1];
	m = m > last[2] ? m : last[2];
	return m ? m + m / 4 + LYRA_US_PER_SEC : 0;
}

static void note_duration(int64_t last[3], int64_t d)
{
	last[2] = last[1];
	last[1] = last[0];
	last[0] = d;
}

static int sleep_until(int64_t mono)
{
	while (!stop_requested && lyra_mono_us() < mono)
		usleep(100000);
	return !stop_requested;
}

/* The schedule honours the RPO: every change is in a verified, recorded backup within
 * a->interval of the snapshot before it. So the next backup starts at the last snapshot plus the
 * interval minus the time a backup of that kind took last (and a margin), when the store has
 * changed; while it has not, the store is polled each second and a change is backed up at once
 * once that start time has passed. */
static int cmd_watch(struct args *a)
{
	struct sigaction sa;
	struct lyra_backup_entry *cat;
	size_t ncat;
	int64_t seen = -1, last_dur[3][3], snap_mono = 0;
	int status = 0, first = 1, warned = 0;

	open_store();
	require("backup.create");
	resolve_dest(a, store->path, 1);
	if (a->encrypt)
		get_keyring(a, 1);
	memset(last_dur, 0, sizeof last_dur);
	if (lyra_backup_catalog_list(store, a->dest, &cat, &ncat) == 0) {
		for (size_t i = 0; i < ncat; i++)
			if (cat[i].status == LYRA_BACKUP_GOOD)
				note_duration(last_dur[cat[i].kind], cat[i].duration_us);
		free(cat);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	lyra_note("watching '%s': every change backed up within %lld s (RPO), backups into '%s'", store->path,
	          (long long)(a->interval / LYRA_US_PER_SEC), a->dest);
	while (!stop_requested) {
		int64_t now = lyra_time_now_us(), full = newest_full(a->dest), dv = data_version();
		enum lyra_backup_kind kind = LYRA_BACKUP_INCREMENTAL;
		if (!full || now - full >= a->full_every)
			kind = LYRA_BACKUP_FULL;
		int64_t expect = expected_duration(last_dur[kind]);
		int64_t due = first ? 0 : snap_mono + a->interval - expect;
		if (lyra_mono_us() < due) {
			sleep_until(due < lyra_mono_us() + LYRA_US_PER_SEC ? due : lyra_mono_us() + LYRA_US_PER_SEC);
			continue;
		}
		if (!first && kind != LYRA_BACKUP_FULL && dv == seen) {
			lyra_debug("no change since the last backup");
			sleep_until(lyra_mono_us() + LYRA_US_PER_SEC);
			continue;
		}
		int64_t prev_snap = watch_snap_ts;
		watch_duration = 0;
		status = create_backup(a, kind);
		seen = dv;
		first = 0;
		if (!watch_duration) {
			/* failed: try again after a pause, not in a tight loop */
			sleep_until(lyra_mono_us() + (a->interval < 10 * LYRA_US_PER_SEC ? a->interval : 10 * LYRA_US_PER_SEC));
			continue;
		}
		note_duration(last_dur[kind], watch_duration);
		snap_mono = lyra_mono_us() - (lyra_time_now_us() - watch_snap_ts);
		if (prev_snap)
			lyra_debug("rpo: this backup was recorded %lld ms after the previous snapshot",
			           (long long)(lyra_time_now_us() - prev_snap) / 1000);
		if (expected_duration(last_dur[kind]) >= a->interval && !warned) {
			lyra_warn("a %s backup takes %lld s: --interval %lld s cannot be met; backing up back to back",
			          lyra_backup_kind_name(kind), (long long)(watch_duration / LYRA_US_PER_SEC),
			          (long long)(a->interval / LYRA_US_PER_SEC));
			warned = 1;
		}
	}
	lyra_note("stopped");
	return status;
}

int main(int argc, char **argv)
{
	struct args a;
	const char *arg;
	int c, cmd, status;
	struct sigaction sa;

	memset(&a, 0, sizeof a);
	a.kind = LYRA_BACKUP_INCREMENTAL;
	a.interval = 60 * LYRA_US_PER_SEC;
	a.full_every = 86400 * LYRA_US_PER_SEC;
	lyra_cli_init(&cli, &spec, argc, argv);
	while ((c = lyra_cli_next(&cli, &arg)) != -1) {
		switch (c) {
		case OPT_TYPE:
			if (lyra_backup_kind_parse(arg, &a.kind) != 0)
				lyra_usage_error("--type: %s", lyra_error_msg());
			break;
		case OPT_DEST: a.dest_opt = arg; break;
		case OPT_ENCRYPT: a.encrypt = 1; break;
		case OPT_PASSFILE: a.passfile = arg; break;
		case OPT_ALL: a.all = 1; break;
		case OPT_TO: a.to = arg; break;
		case OPT_AT:
			if (lyra_time_parse(arg, &a.at) != 0)
				lyra_usage_error("--at: %s", lyra_error_msg());
			a.has_at = 1;
			break;
		case OPT_FORCE: a.force = 1; break;
		case OPT_KEEP_LAST: a.keep.last = (int)parse_count("keep-last", arg); a.has_keep = 1; break;
		case OPT_KEEP_HOURLY: a.keep.hourly = (int)parse_count("keep-hourly", arg); a.has_keep = 1; break;
		case OPT_KEEP_DAILY: a.keep.daily = (int)parse_count("keep-daily", arg); a.has_keep = 1; break;
		case OPT_KEEP_WEEKLY: a.keep.weekly = (int)parse_count("keep-weekly", arg); a.has_keep = 1; break;
		case OPT_KEEP_MONTHLY: a.keep.monthly = (int)parse_count("keep-monthly", arg); a.has_keep = 1; break;
		case OPT_DRY_RUN: a.dry_run = 1; break;
		case OPT_INTERVAL:
			if (lyra_duration_parse(arg, &a.interval) != 0 || a.interval < LYRA_US_PER_SEC)
				lyra_usage_error("--interval: want a duration of at least 1s, not '%s'", arg);
			break;
		case OPT_FULL_EVERY:
			if (lyra_duration_parse(arg, &a.full_every) != 0 || a.full_every < LYRA_US_PER_SEC)
				lyra_usage_error("--full-every: want a duration of at least 1s, not '%s'", arg);
			break;
		case OPT_FORMAT:
			if (lyra_format_parse(arg, &a.format) != 0)
				lyra_usage_error("%s", lyra_error_msg());
			break;
		}
	}
	cmd = lyra_cli_command(&spec, cli.optind < cli.argc ? cli.argv[cli.optind] : NULL);
	if (cli.optind + 1 < cli.argc) {
		if (cmd != CMD_VERIFY && cmd != CMD_RESTORE && cmd != CMD_PITR)
			lyra_usage_error("unexpected argument '%s'", cli.argv[cli.optind + 1]);
		a.id = cli.argv[cli.optind + 1];
		if (cli.optind + 2 < cli.argc)
			lyra_usage_error("unexpected argument '%s'", cli.argv[cli.optind + 2]);
	}
	progress_st.on = isatty(STDERR_FILENO) && cli.verbose >= 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	switch (cmd) {
	case CMD_CREATE: status = cmd_create(&a); break;
	case CMD_LIST: status = cmd_list(&a); break;
	case CMD_VERIFY: status = cmd_verify(&a); break;
	case CMD_RESTORE: status = cmd_restore(&a); break;
	case CMD_PRUNE: status = cmd_prune(&a); break;
	case CMD_PITR: status = cmd_pitr(&a); break;
	default: status = cmd_watch(&a); break;
	}
	lyra_backup_keyring_free(keyring);
	lyra_store_close(store);
	lyra_cli_release(&cli);
	return lyra_cli_finish(status);
}
