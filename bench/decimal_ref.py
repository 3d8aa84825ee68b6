#!/usr/bin/env python3
"""bench/decimal_ref.py: the Python baseline for bench/decimal.c. One op = Decimal(str) parse,
str() format, multiply by the paired factor and quantize half-even to 8 digits, over the same
table of strings, read from bench/decimal.c. Usage: decimal_ref.py [N]; without N, runs about
1.5 s. Prints "<ops> ops in <seconds> s: <rate> ops/s (checksum <x>)"."""
import os
import re
import sys
import time
from decimal import Decimal, ROUND_HALF_EVEN


def load_pairs():
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "decimal.c")
    with open(src) as f:
        pairs = re.findall(r'^\t\{ "([^"]*)", "([^"]*)" \},$', f.read(), re.M)
    if not pairs:
        sys.exit("decimal_ref.py: no pairs found in " + src)
    return [(v, Decimal(f)) for v, f in pairs]


def run(rounds, pairs):
    q = Decimal("1e-8")
    dec = Decimal
    he = ROUND_HALF_EVEN
    total = 0
    for _ in range(rounds):
        for s, f in pairs:
            d = dec(s)
            total += len(str(d))
            (d * f).quantize(q, rounding=he)
    return total


def main():
    pairs = load_pairs()
    if len(sys.argv) > 1:
        rounds = max(1, int(sys.argv[1]) // len(pairs))
    else:
        rounds = 100
        while True:
            t0 = time.perf_counter()
            run(rounds, pairs)
            t = time.perf_counter() - t0
            if t > 0.2:
                break
            rounds *= 4
        rounds = int(rounds * 1.5 / t) + 1
    t0 = time.perf_counter()
    total = run(rounds, pairs)
    t = time.perf_counter() - t0
    ops = rounds * len(pairs)
    print("%d ops in %.3f s: %.0f ops/s (checksum %d)" % (ops, t, ops / t, total))


if __name__ == "__main__":
    main()
