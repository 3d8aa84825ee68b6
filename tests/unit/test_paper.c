/* test_paper.c: the paper matching engine (lib/paper.c) on hand-computed scenarios. Every
 * expected record is written out in full (with ' for "), fees and averages worked by hand. */
#include <stdlib.h>
#include <string.h>

#include "decimal.h"
#include "error.h"
#include "paper.h"
#include "record.h"
#include "unit.h"

static char out[1 << 16];
static size_t outlen;

static int emit_cb(void *ctx, json_t *rec)
{
	(void)ctx;
	char *s = lyra_record_dump(rec);
	size_t n = strlen(s);
	if (outlen + n + 2 < sizeof out) {
		memcpy(out + outlen, s, n);
		outlen += n;
		out[outlen++] = '\n';
		out[outlen] = '\0';
	}
	free(s);
	json_decref(rec);
	return 0;
}

/* The output so far (and reset it). */
static const char *got(void)
{
	static char copy[sizeof out];
	memcpy(copy, out, outlen + 1);
	outlen = 0;
	out[0] = '\0';
	return copy;
}

/* Expected text with ' standing for ". */
static const char *q(const char *s)
{
	static char buf[2][1 << 15];
	static int k;
	char *b = buf[k++ & 1];
	size_t i = 0;
	for (; s[i] && i + 1 < sizeof buf[0]; i++)
		b[i] = s[i] == '\'' ? '"' : s[i];
	b[i] = '\0';
	return b;
}

/* Feed record lines (' for ") to the engine: orders are submitted, the rest is market data.
 * Returns the last call's result. */
static int feed(struct lyra_paper *p, const char *lines)
{
	const char *text = q(lines);
	char line[4096];
	int rc = 0;
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (nl != NULL);
		if (!len)
			continue;
		char why[256];
		json_t *r = lyra_record_parse(line, len, why, sizeof why);
		if (!r) {
			printf("# bad test line: %s (%s)\n", line, why);
			return -2;
		}
		const char *type = json_string_value(json_object_get(r, "type"));
		if (strcmp(type, "order") == 0)
			rc = lyra_paper_submit(p, r);
		else
			rc = lyra_paper_on_market(p, type, r);
		json_decref(r);
	}
	return rc;
}

static struct lyra_paper *engine(int64_t latency, const char *book_venue)
{
	struct lyra_paper_opts o = { 0 };
	o.latency_us = latency;
	lyra_dec_parse_cstr("0.001", &o.maker_fee);
	lyra_dec_parse_cstr("0.002", &o.taker_fee);
	o.book_venue = book_venue;
	return lyra_paper_new(&o, emit_cb, NULL);
}

static struct lyra_dec D(const char *s)
{
	struct lyra_dec d = { 0, 0 };
	lyra_dec_parse_cstr(s, &d);
	return d;
}

#define MARKET "{'type':'market','ts':1,'venue':'binance','symbol':'BTC/USDT','venue_symbol':'BTCUSDT','base':'BTC','quote':'USDT','instrument':'spot','tick':'0.01','lot':'0.0001','min_qty':'0.0001','min_notional':'5','maker_fee':'0.0002','taker_fee':'0.0004','status':'trading'}\n"
#define EVB "{'type':'order_event','ts':"
#define FLB "{'type':'fill','ts':"
#define BN "'venue':'paper','book_venue':'binance','symbol':'BTC/USDT'"

static void test_market_walk(void)
{
	struct lyra_paper *p = engine(0, NULL);
	CHECK_INT(feed(p, MARKET
	               "{'type':'book','ts':10,'venue':'binance','symbol':'BTC/USDT','seq':1,'bids':[['99.50','1.0']],'asks':[['100.00','0.5'],['100.50','1.0'],['101.00','2.0']]}\n"
	               "{'type':'order','ts':20,'id':'m1','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'market','qty':'2.0'}\n"),
	          0, "market walk: submit");
	CHECK_STR(got(), q(
		EVB "20,'id':'m1'," BN ",'status':'acked','venue_order_id':'P-1','filled_qty':'0','remaining_qty':'2.0'}\n"
		FLB "20,'id':'m1'," BN ",'side':'buy','px':'100.00','qty':'0.5','fee':'0.02','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-m1-1','venue_order_id':'P-1'}\n"
		FLB "20,'id':'m1'," BN ",'side':'buy','px':'100.50','qty':'1.0','fee':'0.0402','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-m1-2','venue_order_id':'P-1'}\n"
		FLB "20,'id':'m1'," BN ",'side':'buy','px':'101.00','qty':'0.5','fee':'0.0202','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-m1-3','venue_order_id':'P-1'}\n"
		EVB "20,'id':'m1'," BN ",'status':'filled','venue_order_id':'P-1','filled_qty':'2.0','remaining_qty':'0.0','avg_px':'100.500000'}\n"),
		"market buy walks three levels with the market's taker fee");
	/* the first order took 0.5 + 1.0 + 0.5: only 1.5 is left at 101.00 */
	CHECK_INT(feed(p, "{'type':'order','ts':21,'id':'m2','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'market','qty':'2'}\n"),
	          0, "second market order");
	CHECK_STR(got(), q(
		EVB "21,'id':'m2'," BN ",'status':'acked','venue_order_id':'P-2','filled_qty':'0','remaining_qty':'2'}\n"
		FLB "21,'id':'m2'," BN ",'side':'buy','px':'101.00','qty':'1.5','fee':'0.0606','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-m2-1','venue_order_id':'P-2'}\n"
		EVB "21,'id':'m2'," BN ",'status':'partially_filled','venue_order_id':'P-2','filled_qty':'1.5','remaining_qty':'0.5','avg_px':'101.000000'}\n"
		EVB "21,'id':'m2'," BN ",'status':'cancelled','venue_order_id':'P-2','filled_qty':'1.5','remaining_qty':'0.5','avg_px':'101.000000','reason':'no more liquidity'}\n"),
		"two orders cannot take the same liquidity; the rest is cancelled");
	CHECK_INT(feed(p, "{'type':'order','ts':22,'id':'m3','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'market','qty':'1'}\n"),
	          0, "third market order");
	CHECK_STR(got(), q(EVB "22,'id':'m3'," BN ",'status':'rejected','filled_qty':'0','remaining_qty':'1','reason':'no liquidity'}\n"),
	          "market order on an empty side: rejected");
	/* the next snapshot replaces the engine's copy */
	feed(p, "{'type':'book_delta','ts':30,'venue':'binance','symbol':'BTC/USDT','seq':2,'bids':[],'asks':[['101.00','3']]}\n"
	        "{'type':'order','ts':31,'id':'m4','venue':'binance','symbol':'BTC/USDT','side':'sell','kind':'market','qty':'0.25'}\n");
	CHECK_STR(got(), q(
		EVB "31,'id':'m4'," BN ",'status':'acked','venue_order_id':'P-3','filled_qty':'0','remaining_qty':'0.25'}\n"
		FLB "31,'id':'m4'," BN ",'side':'sell','px':'99.50','qty':'0.25','fee':'0.00995','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-m4-1','venue_order_id':'P-3'}\n"
		EVB "31,'id':'m4'," BN ",'status':'filled','venue_order_id':'P-3','filled_qty':'0.25','remaining_qty':'0.00','avg_px':'99.500000'}\n"),
		"market sell takes the bid");
	feed(p, "{'type':'order','ts':40,'id':'m5','venue':'okx','symbol':'BTC/USDT','side':'buy','kind':'market','qty':'1'}\n");
	CHECK_STR(got(), q(EVB "40,'id':'m5','venue':'paper','book_venue':'okx','symbol':'BTC/USDT','status':'rejected','filled_qty':'0','remaining_qty':'1','reason':'no book for okx BTC/USDT'}\n"),
	          "market order without a book: rejected");
	CHECK_INT(lyra_paper_open_count(p), 0, "nothing open");
	lyra_paper_free(p);
}

#define BOOK99 "{'type':'book','ts':10,'venue':'binance','symbol':'BTC/USDT','seq':1,'bids':[['99.00','2.0'],['98.00','3']],'asks':[['101.00','1.0']]}\n"

static void test_queue(void)
{
	struct lyra_paper *p = engine(0, NULL);
	feed(p, BOOK99 "{'type':'order','ts':20,'id':'l1','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'limit','px':'99.00','qty':'1.0'}\n");
	CHECK_STR(got(), q(EVB "20,'id':'l1'," BN ",'status':'acked','venue_order_id':'P-1','filled_qty':'0','remaining_qty':'1.0'}\n"),
	          "limit rests: acked");
	feed(p, "{'type':'trade','ts':30,'venue':'binance','symbol':'BTC/USDT','id':'t1','side':'sell','px':'99.00','qty':'1.5'}\n"
	        "{'type':'trade','ts':35,'venue':'binance','symbol':'BTC/USDT','id':'t2','side':'buy','px':'99.00','qty':'5'}\n");
	CHECK_STR(got(), "", "1.5 of the 2.0 ahead traded (and a buy-side trade does not count)");
	feed(p, "{'type':'trade','ts':40,'venue':'binance','symbol':'BTC/USDT','id':'t3','side':'sell','px':'99.00','qty':'1.0'}\n");
	CHECK_STR(got(), q(
		FLB "40,'id':'l1'," BN ",'side':'buy','px':'99.00','qty':'0.5','fee':'0.0495','fee_ccy':'USDT','liquidity':'maker','trade_id':'paper-l1-1','venue_order_id':'P-1'}\n"
		EVB "40,'id':'l1'," BN ",'status':'partially_filled','venue_order_id':'P-1','filled_qty':'0.5','remaining_qty':'0.5','avg_px':'99.000000'}\n"),
		"queue 2.0: trades of 1.5 then 1.0 leave us 0.5");
	/* a trade through our price fills us at our price, up to its quantity */
	feed(p, "{'type':'trade','ts':50,'venue':'binance','symbol':'BTC/USDT','id':'t4','side':'sell','px':'98.50','qty':'0.2'}\n");
	CHECK_STR(got(), q(
		FLB "50,'id':'l1'," BN ",'side':'buy','px':'99.00','qty':'0.2','fee':'0.0198','fee_ccy':'USDT','liquidity':'maker','trade_id':'paper-l1-2','venue_order_id':'P-1'}\n"
		EVB "50,'id':'l1'," BN ",'status':'partially_filled','venue_order_id':'P-1','filled_qty':'0.7','remaining_qty':'0.3','avg_px':'99.000000'}\n"),
		"trade through our price");
	/* cancel keeps filled_qty */
	CHECK_INT(lyra_paper_cancel(p, "l1", 60), 0, "cancel open order");
	CHECK_STR(got(), q(EVB "60,'id':'l1'," BN ",'status':'cancelled','venue_order_id':'P-1','filled_qty':'0.7','remaining_qty':'0.3','avg_px':'99.000000','reason':'cancel requested'}\n"),
	          "cancelled keeps filled_qty");
	CHECK_INT(lyra_paper_cancel(p, "l1", 61), 1, "cancel of a finished order: 1");
	CHECK_INT(lyra_paper_cancel(p, "nope", 61), 1, "cancel of an unknown order: 1");
	lyra_paper_free(p);

	/* a book shrink reduces queue_ahead */
	p = engine(0, NULL);
	feed(p, "{'type':'book','ts':10,'venue':'binance','symbol':'BTC/USDT','seq':1,'bids':[['99.00','3.0']],'asks':[['101.00','1']]}\n"
	        "{'type':'order','ts':20,'id':'l2','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'limit','px':'99.00','qty':'1'}\n"
	        "{'type':'book_delta','ts':30,'venue':'binance','symbol':'BTC/USDT','seq':2,'bids':[['99.00','1.0']],'asks':[]}\n"
	        "{'type':'book_delta','ts':31,'venue':'binance','symbol':'BTC/USDT','seq':3,'bids':[['99.00','4.0']],'asks':[]}\n");
	got();
	feed(p, "{'type':'trade','ts':40,'venue':'binance','symbol':'BTC/USDT','id':'t1','side':'sell','px':'99.00','qty':'1.5'}\n");
	CHECK_STR(got(), q(
		FLB "40,'id':'l2'," BN ",'side':'buy','px':'99.00','qty':'0.5','fee':'0.0495','fee_ccy':'USDT','liquidity':'maker','trade_id':'paper-l2-1','venue_order_id':'P-1'}\n"
		EVB "40,'id':'l2'," BN ",'status':'partially_filled','venue_order_id':'P-1','filled_qty':'0.5','remaining_qty':'0.5','avg_px':'99.000000'}\n"),
		"level shrank 3.0 -> 1.0: queue 1.0 (growth behind us ignored)");
	lyra_paper_free(p);
}

static void test_cross(void)
{
	struct lyra_paper *p = engine(0, NULL);
	feed(p, "{'type':'book','ts':10,'venue':'binance','symbol':'BTC/USDT','seq':1,'bids':[['99.00','1.0']],'asks':[['101.00','1.0']]}\n"
	        "{'type':'order','ts':20,'id':'c1','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'limit','px':'100.00','qty':'2.0'}\n");
	got();
	feed(p, "{'type':'book_delta','ts':30,'venue':'binance','symbol':'BTC/USDT','seq':2,'bids':[],'asks':[['99.50','0.7'],['100.00','0.5']]}\n");
	CHECK_STR(got(), q(
		FLB "30,'id':'c1'," BN ",'side':'buy','px':'100.00','qty':'1.2','fee':'0.12','fee_ccy':'USDT','liquidity':'maker','trade_id':'paper-c1-1','venue_order_id':'P-1'}\n"
		EVB "30,'id':'c1'," BN ",'status':'partially_filled','venue_order_id':'P-1','filled_qty':'1.2','remaining_qty':'0.8','avg_px':'100.000000'}\n"),
		"asks crossing our bid fill us at our price as maker");
	feed(p, "{'type':'order','ts':31,'id':'c2','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'market','qty':'0.1'}\n");
	CHECK_STR(got(), q(
		EVB "31,'id':'c2'," BN ",'status':'acked','venue_order_id':'P-2','filled_qty':'0','remaining_qty':'0.1'}\n"
		FLB "31,'id':'c2'," BN ",'side':'buy','px':'101.00','qty':'0.1','fee':'0.0202','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-c2-1','venue_order_id':'P-2'}\n"
		EVB "31,'id':'c2'," BN ",'status':'filled','venue_order_id':'P-2','filled_qty':'0.1','remaining_qty':'0.0','avg_px':'101.000000'}\n"),
		"the crossed levels were consumed");
	lyra_paper_free(p);
}

#define BOOK2 "{'type':'book','ts':10,'venue':'binance','symbol':'BTC/USDT','seq':1,'bids':[['99','1']],'asks':[['100','1'],['102','1']]}\n"

static void test_tif(void)
{
	struct lyra_paper *p = engine(0, NULL);
	feed(p, BOOK2 "{'type':'order','ts':20,'id':'i1','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'limit','px':'101','qty':'3','tif':'IOC'}\n");
	CHECK_STR(got(), q(
		EVB "20,'id':'i1'," BN ",'status':'acked','venue_order_id':'P-1','filled_qty':'0','remaining_qty':'3'}\n"
		FLB "20,'id':'i1'," BN ",'side':'buy','px':'100','qty':'1','fee':'0.2','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-i1-1','venue_order_id':'P-1'}\n"
		EVB "20,'id':'i1'," BN ",'status':'partially_filled','venue_order_id':'P-1','filled_qty':'1','remaining_qty':'2','avg_px':'100.0000'}\n"
		EVB "20,'id':'i1'," BN ",'status':'cancelled','venue_order_id':'P-1','filled_qty':'1','remaining_qty':'2','avg_px':'100.0000','reason':'IOC remainder'}\n"),
		"IOC: partial fill, rest cancelled");
	lyra_paper_free(p);

	p = engine(0, NULL);
	feed(p, BOOK2 "{'type':'order','ts':20,'id':'f1','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'limit','px':'101','qty':'2','tif':'FOK'}\n");
	CHECK_STR(got(), q(EVB "20,'id':'f1'," BN ",'status':'rejected','filled_qty':'0','remaining_qty':'2','reason':'FOK cannot fill in full'}\n"),
	          "FOK: rejected when the limit holds too little");
	feed(p, "{'type':'order','ts':21,'id':'f2','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'limit','px':'102','qty':'2','tif':'FOK'}\n");
	CHECK_STR(got(), q(
		EVB "21,'id':'f2'," BN ",'status':'acked','venue_order_id':'P-1','filled_qty':'0','remaining_qty':'2'}\n"
		FLB "21,'id':'f2'," BN ",'side':'buy','px':'100','qty':'1','fee':'0.2','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-f2-1','venue_order_id':'P-1'}\n"
		FLB "21,'id':'f2'," BN ",'side':'buy','px':'102','qty':'1','fee':'0.204','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-f2-2','venue_order_id':'P-1'}\n"
		EVB "21,'id':'f2'," BN ",'status':'filled','venue_order_id':'P-1','filled_qty':'2','remaining_qty':'0','avg_px':'101.0000'}\n"),
		"FOK: fills in full");
	lyra_paper_free(p);

	p = engine(0, NULL);
	feed(p, BOOK2 "{'type':'order','ts':20,'id':'p1','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'post_only','px':'100','qty':'1'}\n"
	        "{'type':'order','ts':21,'id':'p2','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'post_only','px':'99.5','qty':'1'}\n");
	CHECK_STR(got(), q(
		EVB "20,'id':'p1'," BN ",'status':'rejected','filled_qty':'0','remaining_qty':'1','reason':'post-only order would take liquidity'}\n"
		EVB "21,'id':'p2'," BN ",'status':'acked','venue_order_id':'P-1','filled_qty':'0','remaining_qty':'1'}\n"),
		"post-only: rejected when crossing, rests otherwise");
	CHECK_INT(lyra_paper_open_count(p), 1, "post-only rests");
	/* GTD: expires on the first market record at or after expire_ts, before that record fills */
	feed(p, "{'type':'order','ts':30,'id':'g1','venue':'binance','symbol':'BTC/USDT','side':'sell','kind':'limit','px':'101','qty':'1','tif':'GTD','expire_ts':100}\n"
	        "{'type':'trade','ts':99,'venue':'binance','symbol':'BTC/USDT','id':'t0','side':'buy','px':'100','qty':'1'}\n"
	        "{'type':'trade','ts':100,'venue':'binance','symbol':'BTC/USDT','id':'t1','side':'buy','px':'101.5','qty':'1'}\n");
	CHECK_STR(got(), q(
		EVB "30,'id':'g1'," BN ",'status':'acked','venue_order_id':'P-2','filled_qty':'0','remaining_qty':'1'}\n"
		EVB "100,'id':'g1'," BN ",'status':'expired','venue_order_id':'P-2','filled_qty':'0','remaining_qty':'1','reason':'GTD expire_ts reached'}\n"),
		"GTD expires at expire_ts");
	lyra_paper_free(p);
}

static void test_stops(void)
{
	struct lyra_paper *p = engine(0, NULL);
	feed(p, "{'type':'book','ts':10,'venue':'binance','symbol':'BTC/USDT','seq':1,'bids':[['100','1']],'asks':[['105','1'],['106','1']]}\n"
	        "{'type':'order','ts':20,'id':'s1','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'stop','stop_px':'104','qty':'1.5'}\n"
	        "{'type':'trade','ts':30,'venue':'binance','symbol':'BTC/USDT','id':'t1','side':'buy','px':'103','qty':'1'}\n");
	CHECK_STR(got(), q(EVB "20,'id':'s1'," BN ",'status':'acked','venue_order_id':'P-1','filled_qty':'0','remaining_qty':'1.5'}\n"),
	          "stop waits below its trigger");
	feed(p, "{'type':'trade','ts':40,'venue':'binance','symbol':'BTC/USDT','id':'t2','side':'buy','px':'104','qty':'1'}\n");
	CHECK_STR(got(), q(
		FLB "40,'id':'s1'," BN ",'side':'buy','px':'105','qty':'1','fee':'0.21','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-s1-1','venue_order_id':'P-1'}\n"
		FLB "40,'id':'s1'," BN ",'side':'buy','px':'106','qty':'0.5','fee':'0.106','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-s1-2','venue_order_id':'P-1'}\n"
		EVB "40,'id':'s1'," BN ",'status':'filled','venue_order_id':'P-1','filled_qty':'1.5','remaining_qty':'0.0','avg_px':'105.3333'}\n"),
		"buy stop triggers at a trade >= stop_px and walks the book");
	lyra_paper_free(p);

	p = engine(0, NULL);
	feed(p, "{'type':'book','ts':10,'venue':'binance','symbol':'BTC/USDT','seq':1,'bids':[['99','0.5'],['98','5']],'asks':[['101','1']]}\n"
	        "{'type':'order','ts':20,'id':'s2','venue':'binance','symbol':'BTC/USDT','side':'sell','kind':'stop_limit','stop_px':'99','px':'98.5','qty':'2'}\n"
	        "{'type':'trade','ts':30,'venue':'binance','symbol':'BTC/USDT','id':'t1','side':'sell','px':'99','qty':'0.1'}\n");
	CHECK_STR(got(), q(
		EVB "20,'id':'s2'," BN ",'status':'acked','venue_order_id':'P-1','filled_qty':'0','remaining_qty':'2'}\n"
		FLB "30,'id':'s2'," BN ",'side':'sell','px':'99','qty':'0.5','fee':'0.099','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-s2-1','venue_order_id':'P-1'}\n"
		EVB "30,'id':'s2'," BN ",'status':'partially_filled','venue_order_id':'P-1','filled_qty':'0.5','remaining_qty':'1.5','avg_px':'99.0000'}\n"),
		"stop_limit triggers, takes to its limit and rests the rest");
	feed(p, "{'type':'trade','ts':40,'venue':'binance','symbol':'BTC/USDT','id':'t2','side':'buy','px':'98.5','qty':'1'}\n");
	CHECK_STR(got(), q(
		FLB "40,'id':'s2'," BN ",'side':'sell','px':'98.5','qty':'1','fee':'0.0985','fee_ccy':'USDT','liquidity':'maker','trade_id':'paper-s2-2','venue_order_id':'P-1'}\n"
		EVB "40,'id':'s2'," BN ",'status':'partially_filled','venue_order_id':'P-1','filled_qty':'1.5','remaining_qty':'0.5','avg_px':'98.66667'}\n"),
		"the rested stop_limit fills as maker (queue 0 at a new level)");
	lyra_paper_free(p);
}

static void test_amend(void)
{
	struct lyra_paper *p = engine(0, NULL);
	struct lyra_dec qty = D("0.8"), px = D("98");
	feed(p, BOOK99 "{'type':'order','ts':20,'id':'a1','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'limit','px':'99','qty':'1'}\n"
	        "{'type':'trade','ts':30,'venue':'binance','symbol':'BTC/USDT','id':'t1','side':'sell','px':'99','qty':'1.5'}\n");
	got();
	CHECK_INT(lyra_paper_amend(p, "a1", NULL, &qty, 35), 0, "amend qty down");
	CHECK_STR(got(), q(EVB "35,'id':'a1'," BN ",'status':'acked','venue_order_id':'P-1','filled_qty':'0','remaining_qty':'0.8','px':'99','qty':'0.8','amended':true}\n"),
	          "amended event");
	feed(p, "{'type':'trade','ts':40,'venue':'binance','symbol':'BTC/USDT','id':'t2','side':'sell','px':'99','qty':'1'}\n");
	CHECK_STR(got(), q(
		FLB "40,'id':'a1'," BN ",'side':'buy','px':'99','qty':'0.5','fee':'0.0495','fee_ccy':'USDT','liquidity':'maker','trade_id':'paper-a1-1','venue_order_id':'P-1'}\n"
		EVB "40,'id':'a1'," BN ",'status':'partially_filled','venue_order_id':'P-1','filled_qty':'0.5','remaining_qty':'0.3','avg_px':'99.0000'}\n"),
		"a smaller quantity keeps the queue (0.5 left ahead)");
	CHECK_INT(lyra_paper_amend(p, "a1", &px, NULL, 45), 0, "amend price");
	CHECK_STR(got(), q(EVB "45,'id':'a1'," BN ",'status':'partially_filled','venue_order_id':'P-1','filled_qty':'0.5','remaining_qty':'0.3','avg_px':'99.0000','px':'98','qty':'0.8','amended':true}\n"),
	          "amended price event");
	feed(p, "{'type':'trade','ts':50,'venue':'binance','symbol':'BTC/USDT','id':'t3','side':'sell','px':'98','qty':'2'}\n");
	CHECK_STR(got(), "", "a new price queues behind the whole visible level (3)");
	feed(p, "{'type':'trade','ts':51,'venue':'binance','symbol':'BTC/USDT','id':'t4','side':'sell','px':'98','qty':'1.1'}\n");
	CHECK_STR(got(), q(
		FLB "51,'id':'a1'," BN ",'side':'buy','px':'98','qty':'0.1','fee':'0.0098','fee_ccy':'USDT','liquidity':'maker','trade_id':'paper-a1-2','venue_order_id':'P-1'}\n"
		EVB "51,'id':'a1'," BN ",'status':'partially_filled','venue_order_id':'P-1','filled_qty':'0.6','remaining_qty':'0.2','avg_px':'98.8333'}\n"),
		"after 3 traded at 98 we fill");
	qty = D("0.6");
	CHECK_INT(lyra_paper_amend(p, "a1", NULL, &qty, 60), 0, "amend to the filled quantity");
	CHECK_STR(got(), q(EVB "60,'id':'a1'," BN ",'status':'filled','venue_order_id':'P-1','filled_qty':'0.6','remaining_qty':'0.0','avg_px':'98.8333'}\n"),
	          "amend down to filled: filled");
	CHECK_INT(lyra_paper_amend(p, "a1", NULL, &qty, 61), 1, "amend of a finished order: 1");
	lyra_paper_free(p);
}

static void test_latency(void)
{
	struct lyra_paper *p = engine(1000, NULL);
	feed(p, "{'type':'book','ts':0,'venue':'binance','symbol':'BTC/USDT','seq':1,'bids':[],'asks':[['100','1']]}\n"
	        "{'type':'order','ts':10,'id':'d1','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'market','qty':'0.5'}\n"
	        "{'type':'book_delta','ts':500,'venue':'binance','symbol':'BTC/USDT','seq':2,'asks':[['100','0.2']]}\n");
	CHECK_STR(got(), "", "in flight: nothing yet");
	CHECK_INT(lyra_paper_open_count(p), 1, "pending counts as open");
	feed(p, "{'type':'book_delta','ts':1010,'venue':'binance','symbol':'BTC/USDT','seq':3,'asks':[['100','0.3'],['101','1']]}\n");
	CHECK_STR(got(), q(
		EVB "1010,'id':'d1'," BN ",'status':'acked','venue_order_id':'P-1','filled_qty':'0','remaining_qty':'0.5'}\n"
		FLB "1010,'id':'d1'," BN ",'side':'buy','px':'100','qty':'0.3','fee':'0.06','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-d1-1','venue_order_id':'P-1'}\n"
		FLB "1010,'id':'d1'," BN ",'side':'buy','px':'101','qty':'0.2','fee':'0.0404','fee_ccy':'USDT','liquidity':'taker','trade_id':'paper-d1-2','venue_order_id':'P-1'}\n"
		EVB "1010,'id':'d1'," BN ",'status':'filled','venue_order_id':'P-1','filled_qty':'0.5','remaining_qty':'0.0','avg_px':'100.4000'}\n"),
		"arrives at ts+latency against the book after that record");
	feed(p, "{'type':'order','ts':2000,'id':'d2','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'limit','px':'90','qty':'1'}\n");
	CHECK_INT(lyra_paper_cancel(p, "d2", 2100), 0, "cancel in flight");
	CHECK_STR(got(), q("{'type':'order_event','ts':2100,'id':'d2','venue':'paper','symbol':'BTC/USDT','status':'cancelled','filled_qty':'0','remaining_qty':'1','reason':'cancel requested'}\n"),
	          "a pending order cancels at once");
	feed(p, "{'type':'book_delta','ts':3010,'venue':'binance','symbol':'BTC/USDT','seq':4,'asks':[]}\n");
	CHECK_STR(got(), "", "and never arrives");
	CHECK_INT(lyra_paper_open_count(p), 0, "nothing open");
	lyra_paper_free(p);
}

static void test_restore_dup(void)
{
	struct lyra_paper *p = engine(0, NULL);
	const char *ord = q("{'type':'order','ts':5,'id':'r1','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'limit','px':'99','qty':'1','venue_order_id':'P-7','avg_px':'99.50','fill_count':2}");
	json_t *j = lyra_record_parse(ord, strlen(ord), NULL, 0);
	CHECK_INT(lyra_paper_restore(p, j, D("0.4")), 0, "restore");
	CHECK_INT(lyra_paper_restore(p, j, D("0.4")), -1, "restore twice: error");
	json_decref(j);
	CHECK_STR(got(), "", "restore emits nothing");
	feed(p, "{'type':'trade','ts':8,'venue':'binance','symbol':'BTC/USDT','id':'t0','side':'sell','px':'99','qty':'5'}\n"
	        "{'type':'book','ts':10,'venue':'binance','symbol':'BTC/USDT','seq':1,'bids':[['99','1.5']],'asks':[['101','1']]}\n"
	        "{'type':'trade','ts':20,'venue':'binance','symbol':'BTC/USDT','id':'t1','side':'sell','px':'99','qty':'2'}\n");
	CHECK_STR(got(), q(
		FLB "20,'id':'r1'," BN ",'side':'buy','px':'99','qty':'0.5','fee':'0.0495','fee_ccy':'USDT','liquidity':'maker','trade_id':'paper-r1-3','venue_order_id':'P-7'}\n"
		EVB "20,'id':'r1'," BN ",'status':'partially_filled','venue_order_id':'P-7','filled_qty':'0.9','remaining_qty':'0.1','avg_px':'99.222222'}\n"),
		"restored: unknown queue ignores trades until the book shows the level, then it all counts");
	feed(p, "{'type':'order','ts':30,'id':'r1','venue':'binance','symbol':'BTC/USDT','side':'sell','kind':'market','qty':'1'}\n"
	        "{'type':'order','ts':31,'id':'r2','venue':'binance','symbol':'BTC/USDT','side':'sell','kind':'limit','px':'102','qty':'1'}\n"
	        "{'type':'order','ts':32,'id':'r2','venue':'binance','symbol':'BTC/USDT','side':'sell','kind':'limit','px':'102','qty':'1'}\n");
	CHECK_STR(got(), q(
		EVB "30,'id':'r1','venue':'paper','symbol':'BTC/USDT','status':'rejected','filled_qty':'0','remaining_qty':'1','reason':'duplicate order id'}\n"
		EVB "31,'id':'r2'," BN ",'status':'acked','venue_order_id':'P-8','filled_qty':'0','remaining_qty':'1'}\n"
		EVB "32,'id':'r2','venue':'paper','symbol':'BTC/USDT','status':'rejected','filled_qty':'0','remaining_qty':'1','reason':'duplicate order id'}\n"),
		"duplicate ids rejected; numbering continues after the restored P-7");
	CHECK_INT(lyra_paper_open_count(p), 2, "two open");
	lyra_paper_free(p);
}

static void test_paper_venue_and_errors(void)
{
	struct lyra_paper *p = engine(0, NULL);
	feed(p, "{'type':'order','ts':1,'id':'u1','venue':'paper','symbol':'ETH/USDC','side':'sell','kind':'limit','px':'2000','qty':'1'}\n"
	        "{'type':'bbo','ts':2,'venue':'kraken','symbol':'ETH/USDC','bid_px':'2001','bid_qty':'0.4','ask_px':'2002','ask_qty':'1'}\n");
	CHECK_STR(got(), q(
		EVB "1,'id':'u1','venue':'paper','symbol':'ETH/USDC','status':'acked','venue_order_id':'P-1','filled_qty':'0','remaining_qty':'1'}\n"
		FLB "2,'id':'u1','venue':'paper','book_venue':'kraken','symbol':'ETH/USDC','side':'sell','px':'2000','qty':'0.4','fee':'0.8','fee_ccy':'USDC','liquidity':'maker','trade_id':'paper-u1-1','venue_order_id':'P-1'}\n"
		EVB "2,'id':'u1','venue':'paper','book_venue':'kraken','symbol':'ETH/USDC','status':'partially_filled','venue_order_id':'P-1','filled_qty':'0.4','remaining_qty':'0.6','avg_px':'2000.0000'}\n"),
		"a paper order binds to the first book of its symbol; a bbo crossing it fills it");
	feed(p, "{'type':'bbo','ts':3,'venue':'okx','symbol':'ETH/USDC','bid_px':'1990','bid_qty':'1','ask_px':'1995','ask_qty':'2'}\n"
	        "{'type':'order','ts':4,'id':'u2','venue':'paper','symbol':'ETH/USDC','side':'buy','kind':'market','qty':'0.5','tif':'IOC'}\n");
	CHECK_STR(got(), q(
		EVB "4,'id':'u2','venue':'paper','book_venue':'okx','symbol':'ETH/USDC','status':'acked','venue_order_id':'P-2','filled_qty':'0','remaining_qty':'0.5'}\n"
		FLB "4,'id':'u2','venue':'paper','book_venue':'okx','symbol':'ETH/USDC','side':'buy','px':'1995','qty':'0.5','fee':'1.995','fee_ccy':'USDC','liquidity':'taker','trade_id':'paper-u2-1','venue_order_id':'P-2'}\n"
		EVB "4,'id':'u2','venue':'paper','book_venue':'okx','symbol':'ETH/USDC','status':'filled','venue_order_id':'P-2','filled_qty':'0.5','remaining_qty':'0.0','avg_px':'1995.0000'}\n"),
		"a new paper order uses the most recently updated book");
	/* malformed records: -1, DATAERR, the field named; the engine goes on */
	lyra_error_clear();
	CHECK_INT(feed(p, "{'type':'trade','ts':5,'venue':'okx','symbol':'ETH/USDC','id':'x','side':'buy','qty':'1'}\n"), -1,
	          "trade without px");
	CHECK_INT(lyra_error_code(), LYRA_EX_DATAERR, "DATAERR");
	CHECK(strstr(lyra_error_msg(), "'px'") != NULL, "message names px");
	CHECK_INT(feed(p, "{'type':'bbo','ts':5,'venue':'okx','symbol':'ETH/USDC','bid_px':'x1','bid_qty':'1','ask_px':'1995','ask_qty':'2'}\n"), -1,
	          "bbo with a bad decimal");
	CHECK_INT(feed(p, "{'type':'order','ts':6,'id':'u3','venue':'paper','symbol':'ETH/USDC','side':'buy','kind':'limit','qty':'1'}\n"), -1,
	          "limit order without px");
	CHECK(strstr(lyra_error_msg(), "'px'") != NULL, "message names px");
	CHECK_INT(feed(p, "{'type':'book','ts':7,'venue':'okx','symbol':'ETH/USDC','seq':1,'bids':[['1990','x']],'asks':[]}\n"), -1,
	          "book with a bad level");
	CHECK_STR(got(), "", "nothing emitted for malformed input");
	CHECK_INT(feed(p, "{'type':'candle','ts':8,'venue':'okx','symbol':'ETH/USDC'}\n"), 0, "other types ignored");
	CHECK_INT(lyra_paper_open_count(p), 1, "u1 still open");
	lyra_paper_free(p);
}

/* The same inputs twice give the same bytes. */
static void test_determinism(void)
{
	static const char *script =
		MARKET
		"{'type':'book','ts':10,'venue':'binance','symbol':'BTC/USDT','seq':1,'bids':[['99.0','2'],['98.5','4']],'asks':[['100.0','1'],['100.5','3']]}\n"
		"{'type':'order','ts':11,'id':'a','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'limit','px':'99.0','qty':'1.5'}\n"
		"{'type':'order','ts':12,'id':'b','venue':'binance','symbol':'BTC/USDT','side':'sell','kind':'limit','px':'100.2','qty':'2','tif':'GTD','expire_ts':90}\n"
		"{'type':'order','ts':13,'id':'c','venue':'binance','symbol':'BTC/USDT','side':'buy','kind':'market','qty':'1.2'}\n"
		"{'type':'order','ts':14,'id':'d','venue':'binance','symbol':'BTC/USDT','side':'sell','kind':'stop','stop_px':'98.9','qty':'1'}\n"
		"{'type':'trade','ts':20,'venue':'binance','symbol':'BTC/USDT','id':'1','side':'sell','px':'98.9','qty':'3'}\n"
		"{'type':'book_delta','ts':30,'venue':'binance','symbol':'BTC/USDT','seq':2,'bids':[['100.3','1']],'asks':[]}\n"
		"{'type':'trade','ts':40,'venue':'binance','symbol':'BTC/USDT','id':'2','side':'buy','px':'100.2','qty':'0.4'}\n"
		"{'type':'book_delta','ts':95,'venue':'binance','symbol':'BTC/USDT','seq':3,'bids':[],'asks':[['99.0','1']]}\n";
	char first[sizeof out];
	struct lyra_paper *p = engine(0, NULL);
	CHECK_INT(feed(p, script), 0, "determinism run 1");
	snprintf(first, sizeof first, "%s", got());
	lyra_paper_free(p);
	p = engine(0, NULL);
	CHECK_INT(feed(p, script), 0, "determinism run 2");
	const char *second = got();
	CHECK_STR(second, first, "identical bytes");
	CHECK(strlen(first) > 1000, "the script did something");
	lyra_paper_free(p);
}

int main(void)
{
	test_market_walk();
	test_queue();
	test_cross();
	test_tif();
	test_stops();
	test_amend();
	test_latency();
	test_restore_dup();
	test_paper_venue_and_errors();
	test_determinism();
	return unit_done();
}
