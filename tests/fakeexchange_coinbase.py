"""fakeexchange_coinbase.py: Coinbase Exchange's private REST API for tests/fakeexchange.py
(loaded as a plugin: --venue coinbase).

Authentication as Coinbase does it: CB-ACCESS-KEY, CB-ACCESS-SIGN = base64(HMAC-SHA256(
base64decode(secret), timestamp + METHOD + path[?query] + body)), CB-ACCESS-TIMESTAMP (seconds,
decimals allowed) within 30 s of the server clock, CB-ACCESS-PASSPHRASE; refusals are 401 with
Coinbase's {"message": ...} ("Invalid API Key", "invalid signature", "request timestamp
expired", "Invalid Passphrase").

Orders (POST /orders, GET and DELETE /orders/client:<client_oid>, GET /orders/<id>, GET
/orders), fills
(GET /fills, newest trade_id first, after=<trade_id> pages back), GET /accounts and the public
GET /time. Like Coinbase: a client_oid that is not a UUID is accepted but not kept; a reused
client_oid is not refused (the newest order answers to it); a post-only order that would take
comes back with status "rejected" (reject_reason "post only"); type "stop" is refused ("stops
are type limit with stop and stop_price"); a cancelled order without fills is purged (404
NotFound afterwards). Errors: "Insufficient funds", "size is too small. Minimum size is X",
"NotFound", "Order already done", "Private rate limit exceeded" (429), 500 after accept.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import time
from datetime import datetime, timezone
from decimal import Decimal
from urllib.parse import parse_qs

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def now_ms(ex):
    return int(time.time() * 1000) + ex.skew_ms


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def plain(d):
    return format(Decimal(d).normalize(), "f")


def load_markets(fixtures):
    m = {}
    with open(os.path.join(fixtures, "coinbase", "markets.json")) as f:
        for p in json.load(f):
            m[p["id"]] = {"base": p["base_currency"], "quote": p["quote_currency"],
                          "min_qty": Decimal(p.get("base_min_size") or "0"),
                          "min_notional": Decimal(0), "ct": Decimal(1)}
    return m


def is_private(path):
    return path in ("/orders", "/fills", "/accounts") or path.startswith("/orders/")


def public(h, ex, method, path, rawq, body):
    if path == "/time":
        ms = now_ms(ex)
        h.send_body(200, {"iso": iso(ms), "epoch": ms / 1000})
        return True
    return False


def err(h, status, msg, headers=None):
    return h.send_body(status, {"message": msg}, headers=headers)


STATUS = {"new": "open", "partially_filled": "open", "filled": "done", "canceled": "done",
          "expired": "done", "rejected": "rejected"}


def cb_order(o, placing=False):
    filled = Decimal(o["filled"])
    d = {"id": o["venue_order_id"], "size": o["qty"], "product_id": o["symbol"],
         "profile_id": "8058d771-2d88-4f0f-ab6e-299c153d4308", "side": o["side"],
         "type": "market" if o["type"] == "market" else "limit",
         "post_only": o["type"] == "post_only", "created_at": iso(o["time"]),
         "fill_fees": "0.0000000000000000", "filled_size": plain(filled),
         "executed_value": plain(o["quote"]), "status": STATUS[o["status"]], "settled": False,
         "client_oid": o["id"]}
    if o["px"]:
        d["price"] = o["px"]
    if o["type"] != "market":
        d["time_in_force"] = o["tif"]
    if o["type"] == "stop_limit":
        d["stop"] = "loss" if o["side"] == "sell" else "entry"
        d["stop_price"] = o["stop_px"]
        if o["status"] == "new":
            d["status"] = "active"
    if placing and o["status"] == "new":
        d["status"] = "pending"
    if d["status"] == "done":
        d["done_at"] = iso(o["update"])
        d["done_reason"] = "filled" if o["status"] == "filled" else "canceled"
        d["settled"] = True
    if o["status"] == "rejected":
        d["reject_reason"] = "post only"
    return d


def auth(h, ex, method, path, rawq, body):
    """The reason refused (after answering it), or None when the request is authentic."""
    keys = h.server.keys
    hd = h.headers
    if hd.get("CB-ACCESS-KEY") != keys["key"]:
        return err(h, 401, "Invalid API Key") or "Invalid API Key"
    ts = hd.get("CB-ACCESS-TIMESTAMP", "")
    prehash = ts + method + path + ("?" + rawq if rawq else "") + body
    want = base64.b64encode(hmac.new(base64.b64decode(keys["secret"]), prehash.encode(),
                                     hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(hd.get("CB-ACCESS-SIGN", ""), want):
        return err(h, 401, "invalid signature") or "invalid signature"
    try:
        tms = float(ts) * 1000
    except ValueError:
        return err(h, 401, "invalid timestamp") or "invalid timestamp"
    if abs(now_ms(ex) - tms) > 30000:
        return err(h, 401, "request timestamp expired") or "request timestamp expired"
    if hd.get("CB-ACCESS-PASSPHRASE") != keys.get("passphrase", ""):
        return err(h, 401, "Invalid Passphrase") or "Invalid Passphrase"
    return None


def visible(ex, cid):
    """The order a client_oid names now (a purged one is gone)."""
    o = ex.orders.get(cid)
    if o and o["status"] in ("canceled", "expired") and Decimal(o["filled"]) == 0:
        return None
    return o


def handle(h, ex, method, path, rawq, body):
    if auth(h, ex, method, path, rawq, body) is not None:
        return None
    q = parse_qs(rawq, keep_blank_values=True)
    one = {k: v[-1] for k, v in q.items()}
    with ex.lock:
        if path == "/orders" and method == "POST":
            return place(h, ex, json.loads(body or "{}"))
        if path.startswith("/orders/client:"):
            cid = path[len("/orders/client:"):]
            o = visible(ex, cid)
            if method == "GET":
                if not o:
                    return err(h, 404, "NotFound")
                return h.send_body(200, cb_order(o))
            if method == "DELETE":
                if not o or ("product_id" in one and one["product_id"] != o["symbol"]):
                    return err(h, 404, "NotFound")
                if not ex.is_open(o):
                    return err(h, 400, "Order already done")
                ex.finish(o, "canceled")
                ex.persist()
                return h.send_body(200, json.dumps(cid))   # a JSON string
        if path.startswith("/orders/") and method == "GET":
            # by Coinbase's own order id (the user stream's order_id)
            o = next((o for o in ex.orders.values() if o["venue_order_id"] == path[8:]), None)
            if not o or not visible(ex, o["id"]):
                return err(h, 404, "NotFound")
            return h.send_body(200, cb_order(o))
        if path == "/orders" and method == "GET":
            want = set(q.get("status", ["open", "pending", "active"]))
            rows = [o for o in ex.orders.values() if ex.is_open(o)
                    and (not one.get("product_id") or o["symbol"] == one["product_id"])]
            rows = [cb_order(o) for o in sorted(rows, key=lambda o: -o["time"])]
            rows = [d for d in rows if "all" in want or d["status"] in want]
            return h.send_body(200, rows[: int(one.get("limit", 1000))])
        if path == "/fills" and method == "GET":
            if not one.get("product_id") and not one.get("order_id"):
                return err(h, 400, "product_id or order_id is required")
            rows = [tr for tr in ex.trades if tr["symbol"] == one.get("product_id")
                    or tr["venue_order_id"] == one.get("order_id")]
            rows.sort(key=lambda tr: -int(tr["trade_id"]))
            if "after" in one:
                rows = [tr for tr in rows if int(tr["trade_id"]) < int(one["after"])]
            rows = rows[: int(one.get("limit", 100))]
            return h.send_body(200, [{
                "created_at": iso(tr["time"]), "trade_id": int(tr["trade_id"]),
                "product_id": tr["symbol"], "order_id": tr["venue_order_id"],
                "user_id": "5cf6e115aaf44503db300f1e",
                "profile_id": "8058d771-2d88-4f0f-ab6e-299c153d4308",
                "liquidity": "M" if tr["liquidity"] == "maker" else "T", "price": tr["px"],
                "size": tr["qty"], "fee": "0.0000000000000000", "side": tr["side"],
                "settled": True, "usd_volume": plain(Decimal(tr["px"]) * Decimal(tr["qty"]))}
                for tr in rows])
        if path == "/accounts" and method == "GET":
            return h.send_body(200, [{
                "id": "71452118-efc7-4cc4-8780-a5e22d4baa5%d" % i, "currency": a,
                "balance": plain(ex.free[a] + ex.locked[a]), "hold": plain(ex.locked[a]),
                "available": plain(ex.free[a]),
                "profile_id": "75da88c5-05bf-4f54-bc85-5c775bd68254", "trading_enabled": True}
                for i, a in enumerate(sorted(ex.free))])
    return err(h, 404, "NotFound")


def place(h, ex, b):
    ex.placements += 1
    if ex.fault("http-429"):
        return err(h, 429, "Private rate limit exceeded", headers={"Retry-After": 120})
    ty = b.get("type", "limit")
    if ty not in ("limit", "market"):
        return err(h, 400, "Invalid order_type %s" % ty)
    cid = b.get("client_oid", "")
    if not UUID.match(cid):
        cid = "unkept-%d" % ex.placements   # accepted, never visible by client_oid again
    kind = "market" if ty == "market" else "stop_limit" if b.get("stop") else \
        "post_only" if b.get("post_only") else "limit"
    old = ex.orders.pop(cid, None)
    if old:   # Coinbase does not refuse a reused client_oid
        ex.orders["%s#%s" % (cid, old["venue_order_id"])] = old
    o = {"id": cid, "symbol": b.get("product_id"), "side": b.get("side"),
         "type": "stop" if kind == "stop_limit" else kind,
         "tif": b.get("time_in_force", "GTC") if kind != "market" else "IOC",
         "qty": b.get("size", "0"), "px": b.get("price"), "stop": b.get("stop_price")}
    order, e = ex.place(o)
    if old and not order:
        ex.orders[cid] = ex.orders.pop("%s#%s" % (cid, old["venue_order_id"]))
    if e:
        if e[0] == "symbol":
            return err(h, 400, "Product not found")
        if e[0] in ("min_qty", "min_notional"):
            return err(h, 400, "size is too small. Minimum size is %s" %
                       ex.markets[o["symbol"]]["min_qty"])
        if e[0] == "insufficient":
            return err(h, 400, "Insufficient funds")
        return err(h, 400, "Invalid order")
    order["type"] = kind
    if kind == "post_only" and order["status"] == "canceled" and Decimal(order["filled"]) == 0:
        order["status"] = "rejected"
    ex.persist()
    if ex.fault("timeout-after-accept"):
        return h.hold_and_drop()
    if ex.fault("http-500-after-accept"):
        return err(h, 500, "Internal server error")
    return h.send_body(200, cb_order(order, placing=True))
