/* test_l2book: local L2 books (ordering, absolute sizes, deletes, depth, crossing), the venues'
 * checksum vectors from ../shared/fixtures/vectors.json, and the WebSocket feed's book rules on
 * small hand-made message sequences (gaps, checksum failures, resync). */
#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "l2book.h"
#include "unit.h"
#include "venue_ws.h"

/* level i through the accessor (a level with price 0 and text "" when there is none) */
static struct lyra_l2level at(const struct lyra_l2book *b, enum lyra_l2side side, size_t i)
{
	struct lyra_l2level l = { { 0, 0 }, { 0, 0 }, "", "" };

	lyra_l2book_level(b, side, i, &l);
	return l;
}

static int set(struct lyra_l2book *b, enum lyra_l2side side, const char *px, const char *qty)
{
	return lyra_l2book_set(b, side, px, strlen(px), qty, strlen(qty));
}

static void test_book(void)
{
	struct lyra_l2book b;

	lyra_l2book_init(&b, 3);
	CHECK_INT(set(&b, LYRA_L2_BID, "100.0", "1"), 0, "bid set");
	CHECK_INT(set(&b, LYRA_L2_BID, "101", "2"), 0, "better bid");
	CHECK_INT(set(&b, LYRA_L2_BID, "99.50", "3"), 0, "worse bid");
	CHECK_INT(set(&b, LYRA_L2_BID, "100.00", "4"), 0, "replace same price other scale");
	CHECK_INT((long long)b.n[LYRA_L2_BID], 3, "three bids");
	CHECK_STR(at(&b, LYRA_L2_BID, 0).px_text, "101", "best bid first");
	CHECK_STR(at(&b, LYRA_L2_BID, 1).qty_text, "4", "absolute size replaced");
	CHECK_STR(at(&b, LYRA_L2_BID, 1).px_text, "100.00", "text as last sent");
	CHECK_STR(at(&b, LYRA_L2_BID, 2).px_text, "99.50", "worst bid last");
	CHECK_INT(set(&b, LYRA_L2_BID, "98", "1"), 0, "fourth bid kept until trim");
	CHECK_INT((long long)b.n[LYRA_L2_BID], 4, "four before trim");
	lyra_l2book_trim(&b);
	CHECK_INT((long long)b.n[LYRA_L2_BID], 3, "trimmed to depth");
	CHECK_INT(set(&b, LYRA_L2_BID, "101", "0.000"), 0, "delete");
	CHECK_STR(at(&b, LYRA_L2_BID, 0).px_text, "100.00", "deleted best");
	CHECK_INT(set(&b, LYRA_L2_BID, "7", "0"), 0, "deleting an absent level is fine");
	CHECK_INT(set(&b, LYRA_L2_ASK, "102", "-3"), 0, "signed ask amount");
	CHECK_INT(set(&b, LYRA_L2_ASK, "101.5", "1"), 0, "better ask");
	CHECK_STR(at(&b, LYRA_L2_ASK, 0).px_text, "101.5", "best ask first");
	CHECK_INT(at(&b, LYRA_L2_ASK, 1).qty.mant, 3, "ask quantity absolute");
	CHECK_INT(lyra_l2book_crossed(&b), 0, "not crossed");
	CHECK_INT(set(&b, LYRA_L2_BID, "101.5", "1"), 0, "locked bid");
	CHECK_INT(lyra_l2book_crossed(&b), 1, "bid at ask is crossed");
	CHECK_INT(set(&b, LYRA_L2_BID, "1x", "1"), -1, "bad price rejected");
	CHECK_INT(lyra_error_code(), LYRA_EX_DATAERR, "bad price is a data error");
	CHECK_INT(set(&b, LYRA_L2_BID, "-1", "1"), -1, "negative price rejected");
	CHECK_INT(set(&b, LYRA_L2_BID, "1.0000000000000000000000000000000001", "1"), -1,
	          "price beyond 18 digits rejected");
	{
		json_t *lv = lyra_l2book_levels(&b, LYRA_L2_ASK, 0);
		char *s = json_dumps(lv, JSON_COMPACT);

		CHECK_STR(s, "[[\"101.5\",\"1\"],[\"102\",\"3\"]]", "levels as text, sign dropped");
		free(s);
		json_decref(lv);
	}
	lyra_l2book_clear(&b);
	CHECK_INT((long long)(b.n[0] + b.n[1]), 0, "cleared");
	lyra_l2book_free(&b);
	/* growth past the first allocation keeps order */
	lyra_l2book_init(&b, 0);
	for (int i = 1000; i >= 1; i--) {
		char px[16];

		snprintf(px, sizeof px, "%d", i * 2);
		set(&b, LYRA_L2_BID, px, "1");
	}
	CHECK_INT((long long)b.n[LYRA_L2_BID], 1000, "1000 bids");
	CHECK_STR(at(&b, LYRA_L2_BID, 0).px_text, "2000", "best of 1000");
	CHECK_STR(at(&b, LYRA_L2_BID, 999).px_text, "2", "worst of 1000");
	lyra_l2book_free(&b);
	lyra_l2book_free(&b);
}

/* A plain sorted-array model of one side, for the randomised comparison below. */
struct model {
	struct lyra_dec px[4096];
	char text[4096][2][LYRA_L2_TEXT];
	size_t n;
};

static void model_set(struct model *m, int bid, const char *px, const char *qty)
{
	struct lyra_dec p, q;
	size_t i = 0;

	lyra_dec_parse_cstr(px, &p);
	lyra_dec_parse_cstr(qty, &q);
	while (i < m->n && (bid ? lyra_dec_cmp(m->px[i], p) > 0 : lyra_dec_cmp(m->px[i], p) < 0))
		i++;
	if (i < m->n && lyra_dec_cmp(m->px[i], p) == 0) {
		if (lyra_dec_is_zero(q)) {
			memmove(&m->px[i], &m->px[i + 1], (m->n - i - 1) * sizeof m->px[0]);
			memmove(&m->text[i], &m->text[i + 1], (m->n - i - 1) * sizeof m->text[0]);
			m->n--;
			return;
		}
	} else {
		if (lyra_dec_is_zero(q))
			return;
		memmove(&m->px[i + 1], &m->px[i], (m->n - i) * sizeof m->px[0]);
		memmove(&m->text[i + 1], &m->text[i], (m->n - i) * sizeof m->text[0]);
		m->n++;
	}
	m->px[i] = p;
	snprintf(m->text[i][0], LYRA_L2_TEXT, "%s", px);
	snprintf(m->text[i][1], LYRA_L2_TEXT, "%s", qty);
}

static int same_side(const struct lyra_l2book *b, int side, const struct model *m)
{
	if (b->n[side] != m->n)
		return 0;
	for (size_t i = 0; i < m->n; i++) {
		struct lyra_l2level l;

		if (lyra_l2book_level(b, side, i, &l) < 0 || strcmp(l.px_text, m->text[i][0]) != 0 ||
		    strcmp(l.qty_text, m->text[i][1]) != 0 || lyra_dec_cmp(l.px, m->px[i]) != 0)
			return 0;
	}
	return 1;
}

/* Many random deltas (inserts, replaces, deletes, mixed price scales, trims at depth 300 and
 * unbounded) against the sorted-array model: every level, in order, with its text. This walks
 * the blocks through splits, merges, emptied blocks and trims that drop whole blocks. */
static void test_random(void)
{
	static struct model m[2];
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	int ok = 1;

	for (int depth = 0; depth <= 300; depth += 300) {
		struct lyra_l2book b;

		lyra_l2book_init(&b, depth);
		m[0].n = m[1].n = 0;
		for (int k = 0; k < 60000 && ok; k++) {
			char px[32], qty[32];
			int side, off, scale3;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			side = (int)(x & 1);
			off = (int)((x >> 8) % (k < 30000 ? 1200 : 60));   /* then churn near the touch */
			scale3 = k > 40000 && (x >> 30) % 50 == 0;        /* "100.000" beside "100.00" */
			snprintf(px, sizeof px, scale3 ? "%d.%02d0" : "%d.%02d",
			         (side ? 50000 + off : 49999 - off) / 100,
			         (side ? 50000 + off : 49999 - off) % 100);
			if ((x >> 40) % 10 < 4)
				snprintf(qty, sizeof qty, "0");
			else
				snprintf(qty, sizeof qty, "%d.%03d", (int)((x >> 44) % 9), (int)((x >> 50) % 1000));
			if (set(&b, side ? LYRA_L2_ASK : LYRA_L2_BID, px, qty) < 0)
				ok = 0;
			model_set(&m[side], !side, px, qty);
			if (k % 7 == 0) {
				lyra_l2book_trim(&b);
				for (int s = 0; s < 2; s++)
					if (depth && m[s].n > (size_t)depth)
						m[s].n = (size_t)depth;
			}
			if (k % 997 == 0 && (!same_side(&b, 0, &m[0]) || !same_side(&b, 1, &m[1])))
				ok = 0;
		}
		CHECK(ok && same_side(&b, 0, &m[0]) && same_side(&b, 1, &m[1]),
		      depth ? "random deltas at depth 300 match the model" : "random deltas match the model");
		lyra_l2book_clear(&b);
		CHECK_INT((long long)(b.n[0] + b.n[1]), 0, "cleared after the random run");
		CHECK_INT(set(&b, LYRA_L2_ASK, "7", "1"), 0, "usable after clear");
		CHECK_STR(at(&b, LYRA_L2_ASK, 0).px_text, "7", "one level after clear");
		lyra_l2book_free(&b);
	}
}

static void test_vectors(void)
{
	static const char *const ka[][2] = {
		{ "0.05005", "0.00000500" }, { "0.05010", "0.00000500" }, { "0.05015", "0.00000500" },
		{ "0.05020", "0.00000500" }, { "0.05025", "0.00000500" }, { "0.05030", "0.00000500" },
		{ "0.05035", "0.00000500" }, { "0.05040", "0.00000500" }, { "0.05045", "0.00000500" },
		{ "0.05050", "0.00000500" },
	};
	static const char *const kb[][2] = {
		{ "0.05000", "0.00000500" }, { "0.04995", "0.00000500" }, { "0.04990", "0.00000500" },
		{ "0.04980", "0.00000500" }, { "0.04975", "0.00000500" }, { "0.04970", "0.00000500" },
		{ "0.04965", "0.00000500" }, { "0.04960", "0.00000500" }, { "0.04955", "0.00000500" },
		{ "0.04950", "0.00000500" },
	};
	struct lyra_l2book b;

	CHECK_INT(lyra_crc32(0, "123456789", 9), 0xCBF43926u, "crc32 check value");
	lyra_l2book_init(&b, 10);
	for (int i = 9; i >= 0; i--) {   /* inserted out of order on purpose */
		set(&b, LYRA_L2_ASK, ka[i][0], ka[i][1]);
		set(&b, LYRA_L2_BID, kb[i][0], kb[i][1]);
	}
	set(&b, LYRA_L2_ASK, "0.06000", "1.0");   /* 11th ask: outside the checksum */
	CHECK_INT(lyra_l2book_crc_kraken(&b), 974947235, "kraken published vector");
	lyra_l2book_free(&b);

	lyra_l2book_init(&b, 0);
	set(&b, LYRA_L2_BID, "3366.1", "7");
	set(&b, LYRA_L2_BID, "3366", "6");
	set(&b, LYRA_L2_ASK, "3366.8", "9");
	set(&b, LYRA_L2_ASK, "3368", "8");
	CHECK_INT(lyra_l2book_crc_okx(&b), -1881014294, "okx published vector");
	lyra_l2book_clear(&b);
	set(&b, LYRA_L2_BID, "6000", "1");
	set(&b, LYRA_L2_BID, "5900", "2");
	set(&b, LYRA_L2_ASK, "6100", "-3");
	set(&b, LYRA_L2_ASK, "6200", "-4");
	CHECK_INT(lyra_l2book_crc_bitfinex(&b), 1756193398, "bitfinex derived vector");
	/* one side longer than the other: the rest of it follows */
	set(&b, LYRA_L2_BID, "5800", "5");
	{
		const char *pre = "6000:1:6100:-3:5900:2:6200:-4:5800:5";

		CHECK_INT(lyra_l2book_crc_bitfinex(&b), (int32_t)lyra_crc32(0, pre, strlen(pre)),
		          "uneven sides interleave then continue");
	}
	lyra_l2book_free(&b);
}

static char out[8192];

static int collect(void *ctx, json_t *rec)
{
	char *s = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);

	(void)ctx;
	if (s && strlen(out) + strlen(s) + 2 < sizeof out) {
		strcat(out, s);
		strcat(out, "\n");
	}
	free(s);
	json_decref(rec);
	return 0;
}

static int feed(struct lyra_ws_feed *f, const char *line)
{
	return lyra_ws_feed_line(f, line, strlen(line), 5);
}

static void test_feed_binance(void)
{
	struct lyra_ws_feed *f = lyra_ws_feed_new("binance", 0, collect, NULL);

	out[0] = '\0';
	CHECK(f != NULL, "binance feed");
	CHECK_INT(feed(f, "1.5: {\"e\":\"depthUpdate\",\"E\":2000,\"s\":\"BTCUSDT\",\"U\":8,\"u\":10,"
	                  "\"b\":[[\"9\",\"1\"]],\"a\":[]}"), 0, "buffered before snapshot");
	CHECK_INT(feed(f, "1.6: {\"e\":\"depthUpdate\",\"E\":3000,\"s\":\"BTCUSDT\",\"U\":11,\"u\":12,"
	                  "\"b\":[],\"a\":[[\"11\",\"2\"]]}"), 0, "second diff buffered");
	CHECK_STR(out, "", "nothing before the snapshot");
	CHECK_INT(feed(f, "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=5 -> 2: "
	                  "{\"lastUpdateId\":10,\"bids\":[[\"9\",\"5\"]],\"asks\":[[\"10\",\"1\"]]}"),
	          0, "snapshot");
	CHECK_STR(out,
	          "{\"type\":\"book\",\"ts\":2000000,\"venue\":\"binance\",\"symbol\":\"BTC/USDT\","
	          "\"seq\":10,\"bids\":[[\"9\",\"5\"]],\"asks\":[[\"10\",\"1\"]],\"recv_ts\":2000000}\n"
	          "{\"type\":\"book_delta\",\"ts\":3000000,\"venue\":\"binance\",\"symbol\":\"BTC/USDT\","
	          "\"seq\":12,\"bids\":[],\"asks\":[[\"11\",\"2\"]],\"recv_ts\":2000000}\n",
	          "snapshot, stale diff dropped, next applied");
	out[0] = '\0';
	CHECK_INT(feed(f, "{\"e\":\"depthUpdate\",\"E\":4000,\"s\":\"BTCUSDT\",\"U\":14,\"u\":15,"
	                  "\"b\":[],\"a\":[]}"), 0, "a gap");
	CHECK_STR(out,
	          "{\"type\":\"gap\",\"ts\":4000000,\"venue\":\"binance\",\"symbol\":\"BTC/USDT\","
	          "\"reason\":\"sequence gap: expected U 13, got 14\",\"expected\":13,\"got\":14,"
	          "\"recv_ts\":5}\n", "gap record");
	out[0] = '\0';
	CHECK_INT(feed(f, "{\"e\":\"depthUpdate\",\"E\":5000,\"s\":\"BTCUSDT\",\"U\":16,\"u\":16,"
	                  "\"b\":[],\"a\":[]}"), 0, "diff after gap");
	CHECK_STR(out, "", "no silent healing: buffered until a snapshot");
	CHECK_INT(feed(f, "https://api.binance.com/api/v3/depth?symbol=BTCUSDT -> 6: "
	                  "{\"lastUpdateId\":15,\"bids\":[[\"9\",\"5\"]],\"asks\":[[\"10\",\"1\"]]}"),
	          0, "new snapshot");
	CHECK(strncmp(out, "{\"type\":\"resync\"", 16) == 0, "resync first");
	CHECK(strstr(out, "\"type\":\"book\",") != NULL, "then the book");
	CHECK(strstr(out, "\"seq\":16") != NULL, "then the buffered diff");
	out[0] = '\0';
	CHECK_INT(feed(f, "{\"e\":\"depthUpdate\",\"E\":6000,\"s\":\"BTCUSDT\",\"U\":17,\"u\":17,"
	                  "\"b\":[[\"10.5\",\"1\"]],\"a\":[]}"), 0, "crossing diff");
	CHECK(strstr(out, "\"type\":\"gap\"") && strstr(out, "crossed book: bid 10.5 >= ask 10"),
	      "crossed book is a gap");
	CHECK_INT(feed(f, "{not json"), -1, "bad line");
	CHECK_INT(lyra_error_code(), LYRA_EX_DATAERR, "bad line is a data error");
	CHECK_INT(lyra_ws_feed_stats(f)->gaps, 2, "two gaps counted");
	CHECK_INT(lyra_ws_feed_stats(f)->resyncs, 1, "one resync counted");
	lyra_ws_feed_free(f);
}

static void test_feed_kraken(void)
{
	struct lyra_ws_feed *f = lyra_ws_feed_new("kraken", 0, collect, NULL);
	/* the published vector's book as a snapshot, then a one-level update */
	const char *snap =
		"[1,{\"as\":[[\"0.05005\",\"0.00000500\",\"1.0\"],[\"0.05010\",\"0.00000500\",\"1.0\"],"
		"[\"0.05015\",\"0.00000500\",\"1.0\"],[\"0.05020\",\"0.00000500\",\"1.0\"],"
		"[\"0.05025\",\"0.00000500\",\"1.0\"],[\"0.05030\",\"0.00000500\",\"1.0\"],"
		"[\"0.05035\",\"0.00000500\",\"1.0\"],[\"0.05040\",\"0.00000500\",\"1.0\"],"
		"[\"0.05045\",\"0.00000500\",\"1.0\"],[\"0.05050\",\"0.00000500\",\"1.0\"]],"
		"\"bs\":[[\"0.05000\",\"0.00000500\",\"1.0\"],[\"0.04995\",\"0.00000500\",\"1.0\"],"
		"[\"0.04990\",\"0.00000500\",\"1.0\"],[\"0.04980\",\"0.00000500\",\"1.0\"],"
		"[\"0.04975\",\"0.00000500\",\"1.0\"],[\"0.04970\",\"0.00000500\",\"1.0\"],"
		"[\"0.04965\",\"0.00000500\",\"1.0\"],[\"0.04960\",\"0.00000500\",\"1.0\"],"
		"[\"0.04955\",\"0.00000500\",\"1.0\"],[\"0.04950\",\"0.00000500\",\"1.0\"]]},"
		"\"book-10\",\"XBT/USD\"]";

	out[0] = '\0';
	CHECK_INT(feed(f, snap), 0, "kraken snapshot");
	CHECK(strstr(out, "\"symbol\":\"BTC/USD\"") != NULL, "XBT unified to BTC");
	/* an update that leaves the book unchanged keeps the published checksum */
	CHECK_INT(feed(f, "[1,{\"a\":[[\"0.05005\",\"0.00000500\",\"2.5\"]],\"c\":\"974947235\"},"
	                  "\"book-10\",\"XBT/USD\"]"), 0, "update with matching checksum");
	CHECK_INT(lyra_ws_feed_stats(f)->checksums, 1, "checksum verified");
	CHECK_INT(lyra_ws_feed_stats(f)->gaps, 0, "no gap");
	CHECK(strstr(out, "\"ts\":2500000") != NULL, "update time from the level");
	out[0] = '\0';
	CHECK_INT(feed(f, "[1,{\"a\":[[\"0.05005\",\"0.00000600\",\"3\"]],\"c\":\"974947235\"},"
	                  "\"book-10\",\"XBT/USD\"]"), 0, "update with a wrong checksum");
	CHECK(strstr(out, "\"type\":\"gap\"") && strstr(out, "checksum mismatch: venue 974947235"),
	      "checksum mismatch is a gap");
	out[0] = '\0';
	CHECK_INT(feed(f, "[1,{\"b\":[[\"0.04000\",\"1.0\",\"4\"]],\"c\":\"1\"},\"book-10\","
	                  "\"XBT/USD\"]"), 0, "update after the gap");
	CHECK_STR(out, "", "ignored until a snapshot");
	CHECK_INT(feed(f, snap), 0, "new snapshot");
	CHECK(strncmp(out, "{\"type\":\"resync\"", 16) == 0, "resync then book");
	lyra_ws_feed_free(f);
	CHECK(lyra_ws_feed_new("nope", 0, collect, NULL) == NULL, "unknown venue");
	CHECK_INT(lyra_error_code(), LYRA_EX_USAGE, "unknown venue is a usage error");
	CHECK_INT(lyra_ws_supported("gemini"), 1, "gemini supported");
}

static void test_feed_bitfinex(void)
{
	struct lyra_ws_feed *f = lyra_ws_feed_new("bitfinex", 0, collect, NULL);

	out[0] = '\0';
	CHECK_INT(feed(f, "{\"event\":\"subscribed\",\"channel\":\"book\",\"chanId\":7,"
	                  "\"symbol\":\"tBTCUSD\"}"), 0, "book subscribed");
	CHECK_INT(feed(f, "{\"event\":\"subscribed\",\"channel\":\"trades\",\"chanId\":8,"
	                  "\"symbol\":\"tBTCUSD\"}"), 0, "trades subscribed");
	CHECK_INT(feed(f, "[7,[[6000,1,1],[5900,1,2],[6100,1,-3],[6200,1,-4]],1]"), 0, "snapshot");
	CHECK_INT(feed(f, "[7,\"cs\",1756193398,2]"), 0, "checksum message");
	CHECK_INT(lyra_ws_feed_stats(f)->checksums, 1, "bitfinex checksum verified");
	CHECK_INT(feed(f, "[8,\"te\",[401597395,1574694478808,-0.005,7245.3],3]"), 0, "te");
	CHECK(strstr(out, "\"id\":\"401597395\",\"side\":\"sell\",\"px\":\"7245.3\","
	                  "\"qty\":\"0.005\"") != NULL, "te is a sell trade");
	CHECK_INT(feed(f, "[7,[6100,0,-1],4]"), 0, "delete an ask");
	CHECK(strstr(out, "\"asks\":[[\"6100\",\"0\"]]") != NULL, "delete as qty 0");
	CHECK_INT(feed(f, "[7,\"cs\",1756193398,5]"), 0, "stale checksum");
	CHECK_INT(lyra_ws_feed_stats(f)->gaps, 1, "checksum mismatch after the delete");
	CHECK_INT(feed(f, "[7,[[6000,1,1]],7]"), 0, "sequence jumps (6 missing)");
	CHECK(strstr(out, "\"type\":\"resync\"") != NULL, "snapshot after the gap: resync");
	lyra_ws_feed_free(f);
}

int main(void)
{
	test_book();
	test_random();
	test_vectors();
	test_feed_binance();
	test_feed_kraken();
	test_feed_bitfinex();
	return unit_done();
}
