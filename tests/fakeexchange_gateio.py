"""fakeexchange_gateio.py: Gate's spot REST API v4 for tests/fakeexchange.py (--venue gateio).

Private paths under /api/v4 are authenticated as Gate does it: KEY must be the key file's key,
SIGN = hex(HMAC-SHA512(secret, METHOD \\n PATH \\n QUERY \\n hex(SHA512(body)) \\n Timestamp)),
Timestamp (seconds) within 60 s of the server clock; refusals are Gate's {"label","message"}
payloads (401 INVALID_KEY, INVALID_SIGNATURE, REQUEST_EXPIRED).
Orders are keyed by their text without its "t-" prefix. A text lookup (GET/DELETE/PATCH
/spot/orders/t-...) answers while the order is open and for 60 s after it finished, as Gate
documents; later only the numeric id or the /spot/orders?status=finished list find it.
The fake refuses a text already used (INVALID_PARAM_VALUE; Gate itself does not document text
uniqueness: the fake keys its orders by text). Market buys are refused (the fake, like lyra,
counts amounts in base units; Gate takes a market buy's amount in quote).
Public: /api/v4/spot/time (with the skew); the market list comes from the fixtures.
"""
import hashlib
import hmac
import json
import os
from decimal import Decimal
from urllib.parse import parse_qsl

import fakeexchange as fx

PREFIX = "/api/v4"


def load_markets(fixtures):
    m = {}
    with open(os.path.join(fixtures, "gateio", "markets.json")) as f:
        for s in json.load(f):
            m[s["id"]] = {"base": s["base"], "quote": s["quote"],
                          "min_qty": Decimal(s.get("min_base_amount") or "0"),
                          "min_notional": Decimal(s.get("min_quote_amount") or "0"),
                          "ct": Decimal(1)}
    return m


def is_private(path):
    return path.startswith(PREFIX + "/") and path != PREFIX + "/spot/time"


def public(h, ex, method, path, rawq, body):
    if path == PREFIX + "/spot/time":
        h.send_body(200, {"server_time": fx.now_ms(ex)})
        return True
    return False


def err(h, status, label, msg, headers=None):
    return h.send_body(status, {"label": label, "message": msg}, headers=headers)


TIF = {"GTC": "gtc", "IOC": "ioc", "FOK": "fok"}


def order_json(ex, o):
    mk = ex.markets[o["symbol"]]
    qty, filled = Decimal(o["qty"]), Decimal(o["filled"])
    st = o["status"]
    if st in ("new", "partially_filled"):
        status, finish = "open", "open"
    elif st == "filled":
        status, finish = "closed", "filled"
    elif st == "expired":
        status, finish = "cancelled", o["tif"].lower()
    else:
        status, finish = "cancelled", o.get("finish_as", "cancelled")
    avg = fx.plain(Decimal(o["quote"]) / filled) if filled else ""
    return {"id": o["venue_order_id"], "text": "t-" + o["id"], "amend_text": "-",
            "create_time": str(o["time"] // 1000), "update_time": str(o["update"] // 1000),
            "create_time_ms": o["time"], "update_time_ms": o["update"], "status": status,
            "currency_pair": o["symbol"], "type": "market" if o["type"] == "market" else "limit",
            "account": "spot", "side": o["side"], "amount": o["qty"], "price": o["px"] or "0",
            "time_in_force": "poc" if o["type"] == "post_only" else TIF.get(o["tif"], "gtc"),
            "iceberg": "0", "left": fx.plain(qty - filled), "filled_amount": o["filled"],
            "fill_price": o["quote"], "filled_total": o["quote"], "avg_deal_price": avg,
            "fee": "0", "fee_currency": mk["base"] if o["side"] == "buy" else mk["quote"],
            "point_fee": "0", "gt_fee": "0", "gt_maker_fee": "0", "gt_taker_fee": "0",
            "gt_discount": False, "rebated_fee": "0", "rebated_fee_currency": mk["quote"],
            "finish_as": finish}


def trade_json(tr):
    return {"id": tr["trade_id"], "create_time": str(tr["time"] // 1000),
            "create_time_ms": "%d.000000" % tr["time"], "currency_pair": tr["symbol"],
            "side": tr["side"], "role": tr["liquidity"], "amount": tr["qty"], "price": tr["px"],
            "order_id": tr["venue_order_id"], "fee": "0", "fee_currency": tr["fee_ccy"],
            "point_fee": "0", "gt_fee": "0", "amend_text": "-", "sequence_id": tr["bill_id"],
            "text": "t-" + tr["id"]}


def lookup(ex, ref):
    """The order for a path id: "t-<text>" (open, or finished within 60 s) or the numeric id."""
    if ref.startswith("t-"):
        o = ex.orders.get(ref[2:])
        if o and not ex.is_open(o) and fx.now_ms(ex) - o["update"] > 60000:
            return None
        return o
    for o in ex.orders.values():
        if o["venue_order_id"] == ref:
            return o
    return None


def handle(h, ex, method, path, rawq, body):
    keys = h.server.keys
    if h.headers.get("KEY") != keys["key"]:
        return err(h, 401, "INVALID_KEY", "Invalid key provided")
    ts = h.headers.get("Timestamp", "")
    prehash = "\n".join((method, path, rawq, hashlib.sha512(body.encode()).hexdigest(), ts))
    want = hmac.new(keys["secret"].encode(), prehash.encode(), hashlib.sha512).hexdigest()
    if not hmac.compare_digest(h.headers.get("SIGN", ""), want):
        return err(h, 401, "INVALID_SIGNATURE", "Signature mismatch")
    try:
        tsec = float(ts)
    except ValueError:
        return err(h, 401, "MISSING_REQUIRED_HEADER", "Missing required header: Timestamp")
    if abs(fx.now_ms(ex) / 1000.0 - tsec) > 60:
        return err(h, 401, "REQUEST_EXPIRED", "gap between request Timestamp and server time "
                   "exceeds 60")
    q = dict(parse_qsl(rawq, keep_blank_values=True))
    try:
        b = json.loads(body) if body else {}
    except ValueError:
        return err(h, 400, "INVALID_REQUEST_BODY", "Invalid request body")
    sub = path[len(PREFIX):]
    with ex.lock:
        if sub == "/spot/orders" and method == "POST":
            return place(h, ex, b)
        if sub.startswith("/spot/orders/") and method in ("GET", "DELETE", "PATCH"):
            pair = b.get("currency_pair") or q.get("currency_pair")
            o = lookup(ex, sub[len("/spot/orders/"):])
            if not o or o["symbol"] != pair or (method != "GET" and not ex.is_open(o)):
                return err(h, 400, "ORDER_NOT_FOUND", "Order not found")
            if method == "DELETE":
                ex.finish(o, "canceled")
            elif method == "PATCH":
                amend(ex, o, b)
            ex.persist()
            return h.send_body(200, order_json(ex, o))
        if sub == "/spot/orders" and method == "GET":
            want_open = q.get("status") == "open"
            rows = [o for o in ex.orders.values() if o["symbol"] == q.get("currency_pair")
                    and ex.is_open(o) == want_open]
            rows.reverse()
            return h.send_body(200, [order_json(ex, o) for o in page(rows, q, 100)])
        if sub == "/spot/open_orders" and method == "GET":
            pairs = {}
            for o in ex.orders.values():
                if ex.is_open(o):
                    pairs.setdefault(o["symbol"], []).append(order_json(ex, o))
            return h.send_body(200, [{"currency_pair": p, "total": len(v),
                                      "orders": page(v, q, 100)} for p, v in sorted(pairs.items())])
        if sub == "/spot/my_trades" and method == "GET":
            rows = [tr for tr in ex.trades if (not q.get("currency_pair") or
                                               tr["symbol"] == q["currency_pair"])
                    and tr["time"] >= int(q.get("from", 0)) * 1000]
            rows.reverse()
            return h.send_body(200, [trade_json(tr) for tr in page(rows, q, 100)])
        if sub == "/spot/accounts" and method == "GET":
            return h.send_body(200, [{"currency": a, "available": fx.plain(ex.free[a]),
                                      "locked": fx.plain(ex.locked[a]), "update_id": 1}
                                     for a in sorted(ex.free)])
    return err(h, 404, "NOT_FOUND", "Not found")


def page(rows, q, default):
    limit = int(q.get("limit", default))
    start = (int(q.get("page", 1)) - 1) * limit
    return rows[start:start + limit]


def amend(ex, o, b):
    ex.release(o)
    if b.get("price"):
        o["px"] = fx.plain(Decimal(b["price"]))
    if b.get("amount"):
        o["qty"] = fx.plain(Decimal(b["amount"]))
    if Decimal(o["filled"]) >= Decimal(o["qty"]):
        # Gate: an amount at or below the filled part cancels the rest
        o["qty"] = o["filled"]
        o["status"] = "filled" if Decimal(o["filled"]) > 0 else "canceled"
    else:
        asset, need = ex.reserve_need(o)
        left = need * (Decimal(o["qty"]) - Decimal(o["filled"])) / Decimal(o["qty"])
        ex.free[asset] -= left
        ex.locked[asset] += left
        o["reserved"] = fx.plain(left)
    o["update"] = fx.now_ms(ex)


def place(h, ex, b):
    ex.placements += 1
    if ex.fault("http-429"):
        return err(h, 429, "TOO_MANY_REQUESTS", "Request Rate limit Exceeded",
                   headers={"Retry-After": 120})
    text = b.get("text", "")
    if not text.startswith("t-"):
        return err(h, 400, "INVALID_PARAM_VALUE", "Invalid text: must start with t-")
    cid = text[2:]
    if cid in ex.orders:
        return err(h, 400, "INVALID_PARAM_VALUE", "fake: text already used")
    tif = {"gtc": "GTC", "ioc": "IOC", "fok": "FOK", "poc": "GTC"}.get(b.get("time_in_force", "gtc"))
    ty = b.get("type", "limit")
    if not tif or ty not in ("limit", "market"):
        return err(h, 400, "INVALID_PARAM_VALUE", "Invalid type or time_in_force")
    if ty == "market" and (b.get("side") == "buy" or tif == "GTC"):
        return err(h, 400, "INVALID_PARAM_VALUE", "fake: market orders: sell, ioc or fok only")
    kind = "post_only" if b.get("time_in_force") == "poc" else ty
    o = {"id": cid, "symbol": b.get("currency_pair"), "side": b.get("side"), "type": kind,
         "tif": "IOC" if ty == "market" and tif == "GTC" else tif, "qty": b.get("amount", "0"),
         "px": b.get("price") if ty == "limit" else None}
    order, e = ex.place(o)
    if e:
        if e[0] == "symbol":
            return err(h, 400, "INVALID_CURRENCY_PAIR", "Invalid currency pair")
        if e[0] in ("min_qty", "min_notional"):
            return err(h, 400, "AMOUNT_TOO_LITTLE", "Amount does not reach minimum required")
        if e[0] == "insufficient":
            return err(h, 400, "BALANCE_NOT_ENOUGH", "Not enough balance")
        return err(h, 400, "INVALID_PARAM_VALUE", "Invalid order")
    if kind == "post_only" and order["status"] == "canceled" and order["filled"] == "0":
        order["finish_as"] = "poc"
        ex.persist()
    if ex.fault("timeout-after-accept"):
        return h.hold_and_drop()
    if ex.fault("http-500-after-accept"):
        return err(h, 500, "SERVER_ERROR", "Internal server error")
    return h.send_body(201, order_json(ex, order))
