/* wscat: test tool for lib/ws.c. `wscat [--step MS] URL [MSG...]` connects, sends each MSG as
 * a text message, then prints every message received as "msg LEN TEXT" (TEXT cut at 60 bytes)
 * until the server closes ("close CODE") or nothing arrives for 2 s ("timeout", then it closes
 * with 1000). Each receive waits at most --step ms (default 2000), so a small step exercises
 * messages that straddle receive timeouts. Errors: "wscat: message" on stderr and the error's
 * exit class. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "ws.h"

static const char *const usage[] = { "[--step MS] URL [MSG...]", NULL };
static const struct lyra_opt opts[] = {
	{ "step", 's', "MS", "longest wait of one receive call (default 2000)" },
	{ NULL, 0, NULL, NULL },
};
static const struct lyra_cli_spec spec = {
	"wscat", "talk to a WebSocket server (test tool)", usage, NULL, opts,
};

int main(int argc, char **argv)
{
	struct lyra_cli cli;
	const char *arg, *buf;
	size_t len;
	struct lyra_ws *w;
	int rc, c;
	long step = 2000, idle = 0;

	lyra_cli_init(&cli, &spec, argc, argv);
	while ((c = lyra_cli_next(&cli, &arg)) != -1)
		if (c == 's' && (step = atol(arg)) < 1)
			lyra_usage_error("--step: a positive number of milliseconds");
	if (cli.optind >= cli.argc)
		lyra_usage_error("a URL is required");
	w = lyra_ws_connect(cli.argv[cli.optind], 5000);
	if (!w)
		lyra_die_last();
	for (int i = cli.optind + 1; i < cli.argc; i++)
		if (lyra_ws_send_text(w, cli.argv[i], strlen(cli.argv[i])) < 0)
			lyra_die_last();
	while ((rc = lyra_ws_recv(w, &buf, &len, step)) == 1 || (rc == -2 && (idle += step) < 2000))
		if (rc == 1) {
			idle = 0;
			printf("msg %zu %.60s\n", len, buf);
		}
	if (rc == 0) {
		printf("close %d\n", lyra_ws_close_code(w));
	} else if (rc == -2) {
		printf("timeout\n");
	} else {
		fflush(stdout);
		lyra_die_last();
	}
	lyra_ws_close(w, 1000, 2000);
	lyra_cli_release(&cli);
	return lyra_cli_finish(0);
}
