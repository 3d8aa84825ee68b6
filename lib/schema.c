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
