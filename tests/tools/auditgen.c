/* auditgen: test and benchmark tool. Appends N audit entries to the store through the library's
 * own append path, in transactions of --batch entries, as a stand-in for state-changing
 * programs that do not exist yet. */
#include <stdio.h>
#include <stdlib.h>

#include "audit.h"
#include "cli.h"
#include "identity.h"
#include "store.h"

static const char *const usage[] = { "[--action X] [--batch N] COUNT", NULL };
static const struct lyra_opt opts[] = {
	{ "action", 'a', "X", "action name (default test.event)" },
	{ "batch", 'b', "N", "entries per transaction (default 1)" },
	{ NULL, 0, NULL, NULL },
};
static const struct lyra_cli_spec spec = {
	"auditgen", "append audit entries (test tool)", usage, NULL, opts,
};

int main(int argc, char **argv)
{
	struct lyra_cli cli;
	struct lyra_identity me;
	const char *arg, *action = "test.event";
	long long count, batch = 1;
	int c;

	lyra_cli_init(&cli, &spec, argc, argv);
	while ((c = lyra_cli_next(&cli, &arg)) != -1) {
		if (c == 'a')
			action = arg;
		else if (c == 'b')
			batch = atoll(arg);
	}
	if (cli.optind >= cli.argc || batch < 1)
		lyra_usage_error("missing COUNT");
	count = atoll(cli.argv[cli.optind]);
	struct lyra_store *st = lyra_store_open(cli.db);
	if (!st || lyra_identity_resolve(st, &me) != 0)
		lyra_die_last();
	for (long long i = 0; i < count;) {
		if (lyra_store_begin(st) != 0)
			lyra_die_last();
		for (long long j = 0; j < batch && i < count; j++, i++) {
			char object[64];
			snprintf(object, sizeof object, "test:%lld", i);
			json_t *d = json_pack("{sIss}", "n", (json_int_t)i, "note", "generated, \"quoted\", comma");
			if (lyra_audit_append(st, me.name, action, object, d) < 0)
				lyra_die_last();
			json_decref(d);
		}
		if (lyra_store_commit(st) != 0)
			lyra_die_last();
	}
	lyra_store_close(st);
	lyra_cli_release(&cli);
	return lyra_cli_finish(0);
}
