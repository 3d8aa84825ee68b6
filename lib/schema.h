/* schema.h: the store's schema as a list of numbered migrations. Migration v brings
 * PRAGMA user_version from v-1 to v; store.c runs each in its own BEGIN IMMEDIATE transaction.
 * To change the schema, add { next version, script } to the table in schema.c: never edit a
 * published one. Versions must be 1..N without gaps or repeats (a unit test checks). */
#ifndef LYRA_SCHEMA_H
#define LYRA_SCHEMA_H

/* PRAGMA application_id of every lyra store ("LYRA"); set when the store is created. */
#define LYRA_STORE_APP_ID 0x4C595241

/* The newest schema version this build knows. */
int lyra_schema_count(void);

/* The SQL of migration v, 1 <= v <= lyra_schema_count() (borrowed, static; "" for a version no
 * migration claims); NULL outside that range. */
const char *lyra_schema_sql(int version);

/* 1 if the versions are exactly 1..lyra_schema_count(), each once. */
int lyra_schema_contiguous(void);

#endif
