/* reccheck: test tool. `reccheck --schema` prints the library's record schema as
 * "type field kind" lines; `reccheck [FILE...]` validates every record against it, prints
 * "ok TYPE" per valid line and rejects the rest as error records (exit 65). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ndjson.h"
#include "record.h"

static const char *const usage[] = { "[--schema] [FILE...]", NULL };
static const struct lyra_opt opts[] = {
	{ "schema", 's', NULL, "print the schema table" },
	{ NULL, 0, NULL, NULL },
};
static const struct lyra_cli_spec spec = {
	"reccheck", "validate records against lyra's record schema (test tool)", usage, NULL, opts,
};

int main(int argc, char **argv)
{
	struct lyra_cli cli;
	const char *arg;
	int c, schema = 0;

	lyra_cli_init(&cli, &spec, argc, argv);
	while ((c = lyra_cli_next(&cli, &arg)) != -1)
		if (c == 's')
			schema = 1;
	if (schema) {
		for (const struct lyra_record_spec *r = lyra_record_specs(); r->type; r++)
			for (const struct lyra_field_spec *f = r->required; f->name; f++)
				printf("%s %s %s\n", r->type, f->name, f->kind);
		lyra_cli_release(&cli);
		return lyra_cli_finish(0);
	}
	struct lyra_ndjson_in *in = lyra_ndjson_open("reccheck", cli.argv + cli.optind,
	                                             cli.argc - cli.optind, cli.strict);
	struct lyra_line line;
	char why[256];
	while (lyra_ndjson_next(in, &line) == 1) {
		json_t *rec = lyra_record_parse(line.buf, line.len, why, sizeof why);
		if (!rec || lyra_record_validate(rec, why, sizeof why) != 0) {
			json_decref(rec);
			if (lyra_ndjson_reject(in, &line, "%s", why) != 0)
				break;
			continue;
		}
		printf("ok %s\n", json_string_value(json_object_get(rec, "type")));
		json_decref(rec);
	}
	int status = lyra_ndjson_status(in);
	lyra_ndjson_close(in);
	lyra_cli_release(&cli);
	return lyra_cli_finish(status);
}
