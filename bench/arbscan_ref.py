#!/usr/bin/env python3
"""bench/arbscan_ref.py: the baseline for bench/arbscan.sh, and its data generator.

  arbscan_ref.py gen N SEED   write N seeded book/book_delta records (4 venues x 10 symbols)
  arbscan_ref.py cross FEE    read records on stdin and do what `arbscan cross --max-age 0`
                              does with the fallback taker fee FEE: keep L2 books with Decimal,
                              re-walk every venue pair of the updated symbol, write open/closed
                              opportunity lines; prints nothing else
"""
import json
import random
import sys
from decimal import Decimal, ROUND_DOWN

VENUES = ["binance", "okx", "kraken", "coinbase"]
SYMBOLS = [f"C{i}/USDT" for i in range(10)]


def gen(n, seed):
    rnd = random.Random(seed)
    mid = {s: 100 + 10 * i for i, s in enumerate(SYMBOLS)}
    out = sys.stdout
    ts = 1_700_000_000_000_000
    for v in VENUES:
        for s in SYMBOLS:
            m = mid[s]
            bids = [[f"{m - 0.01 * (k + 1):.2f}", f"{rnd.randint(1, 500) / 100:.2f}"] for k in range(10)]
            asks = [[f"{m + 0.01 * (k + 1):.2f}", f"{rnd.randint(1, 500) / 100:.2f}"] for k in range(10)]
            out.write(json.dumps({"type": "book", "ts": ts, "venue": v, "symbol": s, "seq": 1,
                                  "bids": bids, "asks": asks}, separators=(",", ":")) + "\n")
            ts += 1
    for i in range(n):
        v, s = rnd.choice(VENUES), rnd.choice(SYMBOLS)
        m = mid[s] + rnd.choice([0, 0, 0, 0, 0.05, -0.05])
        side = rnd.choice(["bids", "asks"])
        k = rnd.randint(1, 12)
        px = m - 0.01 * k if side == "bids" else m + 0.01 * k
        qty = "0" if rnd.random() < 0.3 else f"{rnd.randint(1, 500) / 100:.2f}"
        rec = {"type": "book_delta", "ts": ts, "venue": v, "symbol": s, "seq": i + 2,
               "bids": [], "asks": []}
        rec[side] = [[f"{px:.2f}", qty]]
        out.write(json.dumps(rec, separators=(",", ":")) + "\n")
        ts += 1000


def walk(buy, fa, sell, fb):
    asks = sorted(buy["asks"].items())
    bids = sorted(sell["bids"].items(), reverse=True)
    i = j = 0
    qty = bn = sn = Decimal(0)
    ra = asks[0][1] if asks else 0
    rb = bids[0][1] if bids else 0
    bpx = spx = None
    while i < len(asks) and j < len(bids):
        be = asks[i][0] * (1 + fa)
        se = bids[j][0] * (1 - fb)
        if (se - be) * 10000 < 0:
            break
        take = min(ra, rb)
        qty += take
        bn += asks[i][0] * take
        sn += bids[j][0] * take
        bpx, spx = asks[i][0], bids[j][0]
        ra -= take
        rb -= take
        if ra == 0:
            i += 1
            ra = asks[i][1] if i < len(asks) else 0
        if rb == 0:
            j += 1
            rb = bids[j][1] if j < len(bids) else 0
    if qty <= 0:
        return None
    cost = bn + bn * fa
    proceeds = sn - sn * fb
    profit = proceeds - cost
    edge = (profit * 10000 / cost).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return qty, bpx, spx, profit, edge


def cross(fee):
    fee = Decimal(fee)
    books = {}
    groups = {}
    opened = {}
    w = sys.stdout.write
    now = 0
    for line in sys.stdin:
        r = json.loads(line, parse_float=Decimal)
        t = r["type"]
        if t not in ("book", "book_delta"):
            w(line)
            continue
        key = (r["venue"], r["symbol"])
        now = max(now, r["ts"])
        if t == "book":
            b = books[key] = {"bids": {}, "asks": {}}
            groups.setdefault(r["symbol"], []).append(key)
        else:
            b = books[key]
        for side in ("bids", "asks"):
            for px, q in r[side]:
                px, q = Decimal(px), Decimal(q)
                if q == 0:
                    b[side].pop(px, None)
                else:
                    b[side][px] = q
        g = groups[r["symbol"]]
        for a in g:
            for c in g:
                if a == c:
                    continue
                res = walk(books[a], fee, books[c], fee)
                k = (a, c)
                if res and k not in opened:
                    opened[k] = now
                    w(json.dumps({"type": "opportunity", "ts": now, "kind": "cross", "status": "open",
                                  "buy": a[0], "sell": c[0], "symbol": a[1], "qty": str(res[0]),
                                  "profit": str(res[3]), "edge_bps": str(res[4])}) + "\n")
                elif not res and k in opened:
                    del opened[k]
                    w(json.dumps({"type": "opportunity", "ts": now, "kind": "cross", "status": "closed",
                                  "buy": a[0], "sell": c[0], "symbol": a[1]}) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(int(sys.argv[2]), int(sys.argv[3]))
    else:
        cross(sys.argv[2])
