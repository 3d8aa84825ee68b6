/* binancecsv.h: Binance's spot trade-history CSV export as fills. Two layouts exist:
 *   Date(UTC),Pair,Side,Price,Executed,Amount,Fee        (values carry their asset:
 *     2022-03-28 13:01:36,SOLBUSD,SELL,110.03,0.1800000000SOL,19.8054BUSD,0.0198054BUSD)
 *   Date(UTC),Market,Type,Price,Amount,Total,Fee,Fee Coin (the export before 2022: plain
 *     numbers, the fee asset in its own column)
 * Neither carries a trade id, so a fill's trade id is made from the row itself: "bn-" + 16 hex
 * digits of SHA-256 over the row's fields + "-" + how many identical rows came before it in the
 * file, plus one. Importing the same export again therefore adds nothing, and two identical
 * fills in one second stay two fills. */
#ifndef LYRA_BINANCECSV_H
#define LYRA_BINANCECSV_H

#include <stdint.h>

#include <jansson.h>

struct lyra_binance_csv {
	int layout;             /* 1 Date/Pair/Side/..., 2 Date/Market/Type/... */
	int col[8];             /* date, pair, side, price, qty, total, fee, fee coin (-1) */
	json_t *seen;           /* row hash -> times seen */
};

/* 1 and b set up when the header fields h[0..n) are one of the layouts, 0 when not. */
int lyra_binance_csv_open(struct lyra_binance_csv *b, char **h, int n);
/* One data row as a NEW fill record (venue binance, unified symbol, decimals as exported with
 * thousands separators removed, the fee in its asset), NULL with error.h set (LYRA_EX_DATAERR
 * naming the field). */
json_t *lyra_binance_csv_fill(struct lyra_binance_csv *b, char **v, int n);
void lyra_binance_csv_close(struct lyra_binance_csv *b);

#endif
