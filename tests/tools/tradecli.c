/* tradecli: drive lib/trade.h against a venue URL (the fake exchange in tests), one call per
 * run, printing JSON lines: the venue's orders, fills and balances in lyra's terms, then
 * {"rc":0|1|-1,"error":KIND,"code","message","http"} for the call's outcome.
 *   tradecli [--sync] [--timeout-ms N] [--testnet] VENUE URL KEYFILE CMD ARGS...
 *   CMD: place ORDER_JSON | cancel SYMBOL ID | amend SYMBOL ID [px=P] [qty=Q]
 *        | query SYMBOL ID | open [SYMBOL] | fills SYMBOL|- SINCE_MS | balances | time
 * --sync measures the venue's clock first. Markets come from URL's public endpoints.
 * Exit status: 0 (rc 0), 1 (rc 1), 3 (rc -1), 64 usage, other sysexits on setup failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "decimal.h"
#include "error.h"
#include "exitcode.h"
#include "markets.h"
#include "record.h"
#include "sign.h"
#include "trade.h"

static void print(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
	fflush(stdout);
}

static json_t *dec(struct lyra_dec d)
{
	char b[LYRA_DEC_STRLEN];
	lyra_dec_format(d, b);
	return json_string(b);
}

static int on_order(void *ctx, const struct lyra_venue_order *o)
{
	(void)ctx;
	json_t *j = json_pack("{ssssssssssssssss}", "kind", "order", "id", o->id, "venue_order_id",
	                      o->venue_order_id, "symbol", o->symbol, "side", o->side, "order_kind",
	                      o->kind, "tif", o->tif, "status", o->status);
	json_object_set_new(j, "px", dec(o->px));
	json_object_set_new(j, "qty", dec(o->qty));
	json_object_set_new(j, "filled_qty", dec(o->filled_qty));
	json_object_set_new(j, "avg_px", dec(o->avg_px));
	print(j);
	return 0;
}

static int on_fill(void *ctx, const struct lyra_venue_fill *f)
{
	(void)ctx;
	json_t *j = json_pack("{ssssssssssssss}", "kind", "fill", "id", f->id, "venue_order_id",
	                      f->venue_order_id, "trade_id", f->trade_id, "symbol", f->symbol, "side",
	                      f->side, "liquidity", f->liquidity);
	json_object_set_new(j, "px", dec(f->px));
	json_object_set_new(j, "qty", dec(f->qty));
	json_object_set_new(j, "fee", dec(f->fee));
	json_object_set_new(j, "fee_ccy", json_string(f->fee_ccy));
	print(j);
	return 0;
}

static int on_balance(void *ctx, const struct lyra_venue_balance *b)
{
	(void)ctx;
	json_t *j = json_pack("{ssss}", "kind", "balance", "asset", b->asset);
	json_object_set_new(j, "free", dec(b->free));
	json_object_set_new(j, "total", dec(b->total));
	print(j);
	return 0;
}

static int outcome(int rc, const struct lyra_trade_error *e)
{
	json_t *j = json_pack("{si}", "rc", rc);
	if (rc != 0) {
		json_object_set_new(j, "error", json_string(lyra_trade_err_name(e->kind)));
		json_object_set_new(j, "code", json_string(e->code));
		json_object_set_new(j, "message", json_string(e->message));
		json_object_set_new(j, "http", json_integer(e->http_status));
	}
	print(j);
	return rc == 0 ? 0 : rc == 1 ? 1 : 3;
}

static int usage(void)
{
	fprintf(stderr, "usage: tradecli [--sync] [--timeout-ms N] [--testnet] VENUE URL KEYFILE "
	        "place|cancel|amend|query|open|fills|balances|time ...\n");
	return LYRA_EX_USAGE;
}

static int die(void)
{
	fprintf(stderr, "tradecli: %s\n", lyra_error_msg());
	return lyra_error_code() ? lyra_error_code() : LYRA_EX_SOFTWARE;
}

int main(int argc, char **argv)
{
	int sync = 0, testnet = 0, timeout = 0, i = 1, rc = 0;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (!strcmp(argv[i], "--sync"))
			sync = 1;
		else if (!strcmp(argv[i], "--testnet"))
			testnet = 1;
		else if (!strcmp(argv[i], "--timeout-ms") && i + 1 < argc)
			timeout = atoi(argv[++i]);
		else
			return usage();
	}
	if (argc - i < 4)
		return usage();
	const char *venue = argv[i], *url = argv[i + 1], *keyfile = argv[i + 2], *cmd = argv[i + 3];
	char **av = argv + i + 4;
	int ac = argc - i - 4;

	const struct lyra_venue *v = lyra_venue_find(venue);
	struct lyra_api_key key;
	struct lyra_market_list ml = {0};
	struct lyra_trade_error err = {0};
	if (!v || lyra_api_key_load(keyfile, &key) != 0)
		return die();
	struct lyra_trade_opts o = {.venue = venue, .base_url = url, .testnet = testnet, .key = &key,
	                            .timeout_ms = timeout};
	struct lyra_trade *t = lyra_trade_new(&o);
	if (!t)
		return die();
	if (strcmp(cmd, "time") != 0 && strcmp(cmd, "balances") != 0) {
		if (lyra_markets_fetch(v, url, &ml) != 0)
			return die();
		lyra_trade_set_markets(t, ml.m, ml.n);
	}
	if (sync || !strcmp(cmd, "time")) {
		int64_t off = 0;
		rc = lyra_trade_sync_clock(t, &off, &err);
		if (rc != 0 || !strcmp(cmd, "time")) {
			if (rc == 0)
				print(json_pack("{sssI}", "kind", "clock", "offset_ms", (json_int_t)(off / 1000)));
			goto out;
		}
	}
	const struct lyra_market *m = NULL;
	if (ac >= 1 && strcmp(cmd, "place") != 0 && strcmp(av[0], "-") != 0 &&
	    !(m = lyra_markets_find(&ml, av[0]))) {
		fprintf(stderr, "tradecli: unknown symbol '%s'\n", av[0]);
		rc = LYRA_EX_USAGE;
		goto done;
	}
	struct lyra_venue_order out;
	if (!strcmp(cmd, "place") && ac == 1) {
		json_t *order = lyra_json_loads_exact(av[0], strlen(av[0]), NULL, 0);
		const char *sym = order ? lyra_json_get_str(order, "symbol") : NULL;
		if (!sym || !(m = lyra_markets_find(&ml, sym))) {
			json_decref(order);
			fprintf(stderr, "tradecli: place: an order record with a known symbol\n");
			rc = LYRA_EX_USAGE;
			goto done;
		}
		rc = lyra_trade_place(t, m, order, &out, &err);
		json_decref(order);
		if (rc == 0)
			on_order(NULL, &out);
	} else if ((!strcmp(cmd, "cancel") || !strcmp(cmd, "query")) && ac == 2) {
		if (!strcmp(cmd, "cancel"))
			rc = lyra_trade_cancel(t, m, av[1], &out, &err);
		else
			rc = lyra_trade_query(t, m, av[1], &out, &err);
		if (rc == 0)
			on_order(NULL, &out);
	} else if (!strcmp(cmd, "amend") && ac >= 3) {
		struct lyra_dec px, qty;
		int hp = 0, hq = 0;
		for (int k = 2; k < ac; k++) {
			if (!strncmp(av[k], "px=", 3) && lyra_dec_parse_cstr(av[k] + 3, &px) == 0)
				hp = 1;
			else if (!strncmp(av[k], "qty=", 4) && lyra_dec_parse_cstr(av[k] + 4, &qty) == 0)
				hq = 1;
			else {
				rc = usage();
				goto done;
			}
		}
		rc = lyra_trade_amend(t, m, av[1], hp ? &px : NULL, hq ? &qty : NULL, &out, &err);
		if (rc == 0)
			on_order(NULL, &out);
	} else if (!strcmp(cmd, "open") && ac <= 1) {
		rc = lyra_trade_open_orders(t, m, on_order, NULL, &err);
	} else if (!strcmp(cmd, "fills") && ac == 2) {
		rc = lyra_trade_fills(t, m, strtoll(av[1], NULL, 10) * 1000, on_fill, NULL, &err);
	} else if (!strcmp(cmd, "balances") && ac == 0) {
		rc = lyra_trade_balances(t, on_balance, NULL, &err);
	} else {
		rc = usage();
		goto done;
	}
out:
	rc = outcome(rc, &err);
done:
	lyra_trade_free(t);
	lyra_market_list_release(&ml);
	lyra_api_key_wipe(&key);
	return rc;
}
