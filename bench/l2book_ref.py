#!/usr/bin/env python3
"""bench/l2book_ref.py FILE [DEPTH]: the Python reference for bench/l2book.c. Applies the same
delta file ("b|a PRICE QTY" per line) to a local book kept as a dict of Decimal price -> quantity
text per side plus a sorted key list (bisect), removing a level on quantity 0 and trimming each
side to DEPTH (default 1000) best levels after every delta, as lib/l2book.c does. Prints the
same line as the C side."""
import bisect
import sys
import time
from decimal import Decimal


def main():
    path = sys.argv[1]
    depth = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    with open(path) as f:
        rows = [l.split() for l in f]
    levels = {"b": {}, "a": {}}
    keys = {"b": [], "a": []}   # bids stored negated so both lists are best first
    t0 = time.perf_counter()
    for side, px, qty in rows:
        p = Decimal(px)
        k = -p if side == "b" else p
        lv, ks = levels[side], keys[side]
        if Decimal(qty) == 0:
            if k in lv:
                del lv[k]
                del ks[bisect.bisect_left(ks, k)]
        else:
            if k not in lv:
                bisect.insort(ks, k)
            lv[k] = (px, qty)
        while len(ks) > depth:
            del lv[ks.pop()]
    s = time.perf_counter() - t0
    best = lambda sd: levels[sd][keys[sd][0]][0] if keys[sd] else "-"
    print("%d deltas in %.3f s: %.0f deltas/s (book %d/%d best %s %s)"
          % (len(rows), s, len(rows) / s, len(keys["b"]), len(keys["a"]), best("b"), best("a")))


if __name__ == "__main__":
    main()
