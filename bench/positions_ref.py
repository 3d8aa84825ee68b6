#!/usr/bin/env python3
"""bench/positions_ref.py DB < fills.ndjson: the baseline for bench/positions.sh. The same job
as `positions` on the same fills: parse each fill, store it once in SQLite (unique venue +
trade id, batched transactions), update an average-cost position with exact decimals (fees in
the quote asset into cost or out of proceeds) and print a position record per new fill."""
import json
import sqlite3
import sys
from decimal import Decimal, ROUND_HALF_EVEN

Q = Decimal("0.00000001")


def main():
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS fills (id INTEGER PRIMARY KEY, ts INTEGER, venue TEXT,"
               " trade_id TEXT, symbol TEXT, side TEXT, px TEXT, qty TEXT, fee TEXT, fee_ccy TEXT,"
               " line TEXT, UNIQUE (venue, trade_id))")
    pos = {}
    out = sys.stdout
    n = 0
    db.execute("BEGIN IMMEDIATE")
    for line in sys.stdin:
        r = json.loads(line, parse_float=Decimal)
        if r.get("type") != "fill":
            out.write(line)
            continue
        cur = db.execute("INSERT OR IGNORE INTO fills (ts, venue, trade_id, symbol, side, px, qty,"
                         " fee, fee_ccy, line) VALUES (?,?,?,?,?,?,?,?,?,?)",
                         (r["ts"], r["venue"], r["trade_id"], r["symbol"], r["side"], r["px"],
                          r["qty"], r["fee"], r["fee_ccy"], line))
        out.write(line)
        if cur.rowcount == 0:
            continue
        px, qty, fee = Decimal(r["px"]), Decimal(r["qty"]), Decimal(r["fee"])
        key = (r["venue"], r["symbol"])
        q, c, real = pos.get(key, (Decimal(0), Decimal(0), Decimal(0)))
        dq = qty if r["side"] == "buy" else -qty
        notional = dq * px
        if q == 0 or (q > 0) == (dq > 0):
            q, c = q + dq, c + notional + fee
        elif abs(dq) <= abs(q):
            removed = (c * abs(dq) / abs(q)).quantize(Q, ROUND_HALF_EVEN)
            real += -notional - removed - fee
            c -= removed
            q += dq
            if q == 0:
                c = Decimal(0)
        else:
            part = (notional * abs(q) / abs(dq)).quantize(Q, ROUND_HALF_EVEN)
            real += -part - c - fee
            q, c = q + dq, notional - part
        pos[key] = (q, c, real)
        avg = (abs(c) / abs(q)).quantize(Q, ROUND_HALF_EVEN).normalize() if q else Decimal(0)
        out.write(json.dumps({"type": "position", "ts": r["ts"], "venue": r["venue"],
                              "symbol": r["symbol"], "qty": str(q), "avg_px": str(avg),
                              "realized_pnl": str(real),
                              "unrealized_pnl": str(q * px - c)}, separators=(",", ":")) + "\n")
        n += 1
        if n % 2000 == 0:
            db.execute("COMMIT")
            db.execute("BEGIN IMMEDIATE")
    db.execute("COMMIT")


main()
