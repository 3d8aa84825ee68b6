/* schema.c: the list of schema migrations (see schema.h). Append only; never edit a published
 * migration. Each module owns the migrations it adds (the comment names it). */
#include <stddef.h>
#include "schema.h"

struct migration {
	int version;
	const char *sql;
};

static const struct migration migrations[] = {
	{ 1, /* foundation: settings and the audit chain */
	"CREATE TABLE meta (\n"
	"	key TEXT PRIMARY KEY,\n"
	"	value TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE audit (\n"
	"	seq INTEGER PRIMARY KEY,\n"
	"	ts INTEGER NOT NULL,\n"
	"	actor TEXT NOT NULL,\n"
	"	action TEXT NOT NULL,\n"
	"	object TEXT NOT NULL,\n"
	"	details TEXT NOT NULL,\n"
	"	prev_hash TEXT NOT NULL,\n"
	"	hash TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX audit_ts ON audit(ts);\n"
	"CREATE INDEX audit_actor ON audit(actor);\n"
	"CREATE INDEX audit_action ON audit(action);\n"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
	"BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;\n"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
	"BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;\n" },
	{ 2, /* auth: users, second factors, sessions and refresh tokens, service tokens, the key
	      * vault (wrapped data keys and sealed entries) and exchange API key records */
	"CREATE TABLE users (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	name TEXT NOT NULL UNIQUE,\n"
	"	role TEXT NOT NULL,\n"
	"	pw_kdf TEXT NOT NULL,\n"
	"	pw_iter INTEGER NOT NULL,\n"
	"	pw_salt BLOB NOT NULL,\n"
	"	pw_hash BLOB NOT NULL,\n"
	"	failures INTEGER NOT NULL DEFAULT 0,\n"
	"	locked_until INTEGER NOT NULL DEFAULT 0,\n"
	"	disabled INTEGER NOT NULL DEFAULT 0,\n"
	"	created INTEGER NOT NULL,\n"
	"	pw_changed INTEGER NOT NULL,\n"
	"	last_login INTEGER\n"
	");\n"
	"CREATE TABLE mfa (\n"
	"	user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,\n"
	"	confirmed INTEGER NOT NULL DEFAULT 0,\n"
	"	last_step INTEGER NOT NULL DEFAULT -1,\n"
	"	created INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE mfa_recovery (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
	"	salt BLOB NOT NULL,\n"
	"	hash BLOB NOT NULL,\n"
	"	used INTEGER\n"
	");\n"
	"CREATE INDEX mfa_recovery_user ON mfa_recovery(user_id);\n"
	"CREATE TABLE sessions (\n"
	"	id TEXT PRIMARY KEY,\n"
	"	kind TEXT NOT NULL CHECK (kind IN ('login', 'service')),\n"
	"	user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,\n"
	"	name TEXT,\n"
	"	role TEXT NOT NULL,\n"
	"	created INTEGER NOT NULL,\n"
	"	last_seen INTEGER NOT NULL,\n"
	"	expires INTEGER NOT NULL,\n"
	"	revoked INTEGER,\n"
	"	created_by TEXT NOT NULL,\n"
	"	uses INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE INDEX sessions_user ON sessions(user_id);\n"
	"CREATE UNIQUE INDEX sessions_service_name ON sessions(name)\n"
	"	WHERE kind = 'service' AND revoked IS NULL;\n"
	"CREATE TABLE refresh_tokens (\n"
	"	hash BLOB PRIMARY KEY,\n"
	"	session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,\n"
	"	created INTEGER NOT NULL,\n"
	"	expires INTEGER NOT NULL,\n"
	"	used INTEGER\n"
	");\n"
	"CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);\n"
	"CREATE TABLE vault_keys (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	class TEXT NOT NULL CHECK (class IN ('system', 'data')),\n"
	"	created INTEGER NOT NULL,\n"
	"	retired INTEGER\n"
	");\n"
	"CREATE TABLE vault_wraps (\n"
	"	key_id INTEGER NOT NULL REFERENCES vault_keys(id) ON DELETE CASCADE,\n"
	"	kek TEXT NOT NULL,\n"
	"	blob BLOB NOT NULL,\n"
	"	PRIMARY KEY (key_id, kek)\n"
	");\n"
	"CREATE TABLE vault (\n"
	"	name TEXT PRIMARY KEY,\n"
	"	key_id INTEGER NOT NULL REFERENCES vault_keys(id),\n"
	"	blob BLOB NOT NULL,\n"
	"	created INTEGER NOT NULL,\n"
	"	updated INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE api_keys (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	venue TEXT NOT NULL,\n"
	"	label TEXT NOT NULL,\n"
	"	hint TEXT NOT NULL,\n"
	"	created INTEGER NOT NULL,\n"
	"	rotated INTEGER NOT NULL,\n"
	"	revoked INTEGER,\n"
	"	created_by TEXT NOT NULL\n"
	");\n"
	"CREATE UNIQUE INDEX api_keys_live ON api_keys(venue, label) WHERE revoked IS NULL;\n" },
	{ 3, /* backup: the catalogue of backups (backup.h) */
	"CREATE TABLE backup (\n"
	"	id TEXT PRIMARY KEY,\n"
	"	kind TEXT NOT NULL CHECK (kind IN ('full', 'incremental', 'differential')),\n"
	"	ts INTEGER NOT NULL,\n"
	"	created INTEGER NOT NULL,\n"
	"	base_id TEXT,\n"
	"	full_id TEXT NOT NULL,\n"
	"	chain_len INTEGER NOT NULL,\n"
	"	dest TEXT NOT NULL,\n"
	"	file TEXT NOT NULL,\n"
	"	size INTEGER NOT NULL,\n"
	"	sha256 TEXT NOT NULL,\n"
	"	page_size INTEGER NOT NULL,\n"
	"	pages INTEGER NOT NULL,\n"
	"	changed INTEGER NOT NULL,\n"
	"	db_bytes INTEGER NOT NULL,\n"
	"	audit_seq INTEGER NOT NULL,\n"
	"	audit_hash TEXT NOT NULL,\n"
	"	encrypted INTEGER NOT NULL,\n"
	"	status TEXT NOT NULL CHECK (status IN ('good', 'damaged')),\n"
	"	verified INTEGER,\n"
	"	duration_us INTEGER NOT NULL DEFAULT 0,\n"
	"	note TEXT NOT NULL DEFAULT ''\n"
	");\n"
	"CREATE INDEX backup_dest_ts ON backup(dest, ts);\n"
	"CREATE INDEX backup_head ON backup(status, audit_seq);\n" },
	{ 4, /* mdfeed: the markets cache, recorded market data, stored candles */
	"CREATE TABLE md_market (\n"
	"	venue TEXT NOT NULL,\n"
	"	symbol TEXT NOT NULL,\n"
	"	venue_symbol TEXT NOT NULL,\n"
	"	pos INTEGER NOT NULL,\n"
	"	line BLOB NOT NULL,\n"
	"	PRIMARY KEY (venue, symbol)\n"
	");\n"
	"CREATE TABLE md_market_fetch (\n"
	"	venue TEXT PRIMARY KEY,\n"
	"	endpoint TEXT NOT NULL,\n"
	"	fetched_us INTEGER NOT NULL,\n"
	"	markets INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE md_record (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	ts INTEGER NOT NULL,\n"
	"	type TEXT NOT NULL,\n"
	"	venue TEXT,\n"
	"	symbol TEXT,\n"
	"	interval TEXT,\n"
	"	hash BLOB NOT NULL UNIQUE,\n"
	"	line BLOB NOT NULL\n"
	");\n"
	"CREATE INDEX md_record_ts ON md_record(ts, id);\n"
	"CREATE INDEX md_record_vs ON md_record(venue, symbol, ts, id);\n"
	"CREATE UNIQUE INDEX md_record_candle ON md_record(venue, symbol, interval, ts)\n"
	"	WHERE type = 'candle';\n" },
	{ 5, /* risk: scoped limits (the trading state lives in meta: risk.state, risk.reason) */
	"CREATE TABLE risk_limit (\n"
	"	scope TEXT NOT NULL,\n"
	"	name TEXT NOT NULL,\n"
	"	value TEXT NOT NULL,\n"
	"	updated_us INTEGER NOT NULL,\n"
	"	PRIMARY KEY (scope, name)\n"
	");\n" },
	{ 6, /* positions: fills stored once by venue and trade id (the position and tax source) */
	"CREATE TABLE fills (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	ts INTEGER NOT NULL,\n"
	"	venue TEXT NOT NULL,\n"
	"	trade_id TEXT NOT NULL,\n"
	"	symbol TEXT NOT NULL,\n"
	"	side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),\n"
	"	px TEXT NOT NULL,\n"
	"	qty TEXT NOT NULL,\n"
	"	fee TEXT NOT NULL,\n"
	"	fee_ccy TEXT NOT NULL,\n"
	"	fee_quote TEXT NOT NULL,\n"
	"	strategy TEXT NOT NULL DEFAULT '',\n"
	"	line TEXT NOT NULL,\n"
	"	UNIQUE (venue, trade_id)\n"
	");\n"
	"CREATE INDEX fills_ts ON fills(ts, id);\n" },
	{ 7, /* oms: orders (written before anything is sent), their events, and venue executions */
	"CREATE TABLE orders (\n"
	"	id TEXT PRIMARY KEY,\n"                 /* client order id (deterministic, idempotent) */
	"	venue TEXT NOT NULL,\n"                 /* where it executes: paper or a live venue */
	"	book_venue TEXT NOT NULL DEFAULT '',\n" /* paper: whose book and fees it simulates */
	"	symbol TEXT NOT NULL,\n"
	"	side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),\n"
	"	kind TEXT NOT NULL,\n"
	"	tif TEXT NOT NULL,\n"
	"	px TEXT,\n"
	"	stop_px TEXT,\n"
	"	qty TEXT NOT NULL,\n"
	"	expire_ts INTEGER,\n"
	"	parent TEXT NOT NULL DEFAULT '',\n"
	"	strategy TEXT NOT NULL DEFAULT '',\n"
	"	status TEXT NOT NULL,\n"                /* intent, new, acked, partially_filled, filled,
	                                               cancelled, rejected, expired, unknown */
	"	filled_qty TEXT NOT NULL DEFAULT '0',\n"/* the sum of order_fills: the truth */
	"	notional TEXT NOT NULL DEFAULT '0',\n"  /* sum of px*qty over fills (avg price) */
	"	venue_order_id TEXT NOT NULL DEFAULT '',\n"
	"	reason TEXT NOT NULL DEFAULT '',\n"
	"	created_ts INTEGER NOT NULL,\n"
	"	updated_ts INTEGER NOT NULL,\n"
	"	line TEXT NOT NULL\n"                   /* the order record as received */
	");\n"
	"CREATE INDEX orders_open ON orders(venue, status);\n"
	"CREATE INDEX orders_parent ON orders(parent) WHERE parent != '';\n"
	"CREATE TABLE order_events (\n"
	"	seq INTEGER PRIMARY KEY,\n"
	"	id TEXT NOT NULL REFERENCES orders(id),\n"
	"	ts INTEGER NOT NULL,\n"
	"	status TEXT NOT NULL,\n"
	"	line TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX order_events_id ON order_events(id, seq);\n"
	"CREATE TABLE order_fills (\n"
	"	venue TEXT NOT NULL,\n"
	"	trade_id TEXT NOT NULL,\n"
	"	id TEXT NOT NULL REFERENCES orders(id),\n"
	"	ts INTEGER NOT NULL,\n"
	"	px TEXT NOT NULL,\n"
	"	qty TEXT NOT NULL,\n"
	"	fee TEXT NOT NULL,\n"
	"	fee_ccy TEXT NOT NULL,\n"
	"	liquidity TEXT NOT NULL,\n"
	"	line TEXT NOT NULL,\n"
	"	PRIMARY KEY (venue, trade_id)\n"
	");\n"
	"CREATE INDEX order_fills_id ON order_fills(id);\n" },
	{ 8, /* execalgo: parent orders and their progress, so a restart continues the same parent */
	"CREATE TABLE algo_parent (\n"
	"	id TEXT PRIMARY KEY,\n"                 /* parent id; children are <id>-<n> */
	"	algo TEXT NOT NULL,\n"
	"	venue TEXT NOT NULL,\n"
	"	symbol TEXT NOT NULL,\n"
	"	side TEXT NOT NULL,\n"
	"	qty TEXT NOT NULL,\n"
	"	params TEXT NOT NULL,\n"                /* the options as canonical JSON */
	"	status TEXT NOT NULL,\n"                /* running, done, cancelled */
	"	state TEXT NOT NULL,\n"                 /* the algorithm's progress as JSON */
	"	created_ts INTEGER NOT NULL,\n"
	"	updated_ts INTEGER NOT NULL\n"
	");\n" },
	{ 9, /* oms reconcile: each venue's balances as last reconciled, the base the next
	      * reconcile adds the fills since to before it compares with the venue */
	"CREATE TABLE venue_balance (\n"
	"	venue TEXT NOT NULL,\n"
	"	asset TEXT NOT NULL,\n"
	"	free TEXT NOT NULL,\n"
	"	total TEXT NOT NULL,\n"
	"	ts INTEGER NOT NULL,\n"
	"	fills_mark INTEGER NOT NULL,\n"    /* order_fills rowid the totals include */
	"	PRIMARY KEY (venue, asset)\n"
	");\n" },
	{ 10, /* riskcheck stops: one stop per venue and symbol (the position it guards, its entry,
	       * the best price since, the level in force, armed or triggered), and the candle
	       * window its ATR is computed from, so a restarted `riskcheck stops` resumes exactly */
	"CREATE TABLE risk_stop (\n"
	"	venue TEXT NOT NULL,\n"
	"	symbol TEXT NOT NULL,\n"
	"	qty TEXT NOT NULL,\n"        /* signed position */
	"	cost TEXT NOT NULL,\n"       /* signed cost of the open quantity (average cost) */
	"	open_ts INTEGER NOT NULL,\n" /* event time the position opened */
	"	best_px TEXT NOT NULL,\n"    /* highest mark since (long), lowest (short) */
	"	init_px TEXT NOT NULL,\n"    /* the ATR initial stop set when it opened, '' if none */
	"	level TEXT NOT NULL,\n"      /* the stop price in force, '' if none */
	"	rule TEXT NOT NULL,\n"       /* the rule that set it */
	"	status TEXT NOT NULL,\n"     /* armed, triggered */
	"	order_id TEXT NOT NULL DEFAULT '',\n"
	"	updated_ts INTEGER NOT NULL,\n"
	"	PRIMARY KEY (venue, symbol)\n"
	");\n"
	"CREATE TABLE risk_stop_atr (\n"
	"	venue TEXT NOT NULL,\n"
	"	symbol TEXT NOT NULL,\n"
	"	prev_close TEXT NOT NULL,\n"
	"	trs TEXT NOT NULL,\n"        /* the latest true ranges, oldest first, space separated */
	"	PRIMARY KEY (venue, symbol)\n"
	");\n"
	"CREATE TABLE risk_stop_fill (\n"  /* stream fills counted (a fill is counted once) */
	"	venue TEXT NOT NULL,\n"
	"	trade_id TEXT NOT NULL,\n"
	"	PRIMARY KEY (venue, trade_id)\n"
	");\n" },
	{ 11, /* positions: the lot method recorded per financial year, lots named for a disposal
	       * (specific identification), and transfers between the owner's own accounts */
	"CREATE TABLE lot_method (\n"
	"	fy INTEGER PRIMARY KEY,\n"              /* first year: 2025 is 2025-26 */
	"	method TEXT NOT NULL CHECK (method IN ('fifo', 'lifo', 'hifo', 'specific')),\n"
	"	ts INTEGER NOT NULL,\n"
	"	actor TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE lot_assign (\n"
	"	disposal_fill INTEGER NOT NULL,\n"      /* fills.id of the disposal */
	"	lot_fill INTEGER NOT NULL,\n"           /* fills.id that acquired the lot */
	"	asset TEXT NOT NULL,\n"
	"	qty TEXT NOT NULL,\n"
	"	PRIMARY KEY (disposal_fill, lot_fill)\n"
	");\n"
	"CREATE TABLE transfers (\n"
	"	id INTEGER PRIMARY KEY,\n"
	"	ref TEXT NOT NULL UNIQUE,\n"            /* the owner's or venue's id: stored once */
	"	ts INTEGER NOT NULL,\n"
	"	asset TEXT NOT NULL,\n"
	"	qty TEXT NOT NULL,\n"                   /* leaves from_acct */
	"	fee TEXT NOT NULL,\n"                   /* of asset, within qty: to_acct gets qty - fee */
	"	from_acct TEXT NOT NULL,\n"
	"	to_acct TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX transfers_ts ON transfers(ts, id);\n" },
	{ 12, /* backup: the point-in-time journal (journal.h), one changeset per committed
	       * transaction, starting with an 'on' marker; each backup's journal head in the
	       * catalogue, so prune trims only what no kept backup needs */
	"CREATE TABLE backup_journal (\n"
	"	seq INTEGER PRIMARY KEY,\n"
	"	ts INTEGER NOT NULL,\n"
	"	kind TEXT NOT NULL CHECK (kind IN ('tx', 'on', 'off')),\n"
	"	changeset BLOB,\n"
	"	sha256 BLOB\n"
	");\n"
	"INSERT INTO backup_journal (seq, ts, kind) VALUES (1,\n"
	"	CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER), 'on');\n"
	"ALTER TABLE backup ADD COLUMN journal_seq INTEGER NOT NULL DEFAULT 0;\n" },
};

#define NMIGRATIONS (sizeof migrations / sizeof migrations[0])

int lyra_schema_count(void)
{
	int latest = 0;
	for (size_t i = 0; i < NMIGRATIONS; i++)
		if (migrations[i].version > latest)
			latest = migrations[i].version;
	return latest;
}

const char *lyra_schema_sql(int version)
{
	if (version < 1 || version > lyra_schema_count())
		return NULL;
	for (size_t i = 0; i < NMIGRATIONS; i++)
		if (migrations[i].version == version)
			return migrations[i].sql;
	return "";  /* a version no migration claims (only while modules are developed apart) */
}

int lyra_schema_contiguous(void)
{
	int latest = lyra_schema_count();
	for (int v = 1; v <= latest; v++) {
		int n = 0;
		for (size_t i = 0; i < NMIGRATIONS; i++)
			n += migrations[i].version == v;
		if (n != 1)
			return 0;
	}
	return 1;
}
