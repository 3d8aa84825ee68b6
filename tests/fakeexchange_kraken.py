"""fakeexchange_kraken.py: Kraken spot's private REST API for tests/fakeexchange.py (a plugin:
see the comment above PLUGINS there).

Authentication as Kraken does it: API-Key must be the key file's key, API-Sign must be
base64(HMAC-SHA512(base64decode(secret), path + SHA256(nonce + body))) over the form body as
sent, and the nonce must be larger than the last one accepted ("EAPI:Invalid nonce"; the fault
stale-nonce starts the last nonce a minute ahead of the clock). Kraken answers its refusals
with HTTP 200 and {"error": [...]}.
Private calls: AddOrder (ordertype limit, market, stop-loss, stop-loss-limit; oflags=post;
timeinforce GTC/IOC; cl_ord_id), CancelOrder and AmendOrder by cl_ord_id, OpenOrders and
ClosedOrders (cl_ord_id filter), TradesHistory (start exclusive, ofs, 50 a page, newest first),
BalanceEx, GetWebSocketsToken (for tests/fakeuserstream.py). Public: /0/public/Time with the skew; the rest from the fixtures.
Orders and trades live in the shared Exchange; txids are O<id>-FAKE-KRKN and T<id>-FAKE-KRKN.
A cl_ord_id already open is refused "EOrder:Duplicate order" (Kraken checks uniqueness among
open orders; the exact string is this fake's). Faults: http-429 answers "EOrder:Rate limit
exceeded", http-500-after-accept HTTP 500 "EService:Unavailable", timeout-after-accept drops.
"""
import base64
import hashlib
import hmac
import json
import os
import time
from decimal import Decimal
from urllib.parse import parse_qsl



class fx:
    """The two helpers of fakeexchange.py this module needs (it is loaded by that module)."""

    @staticmethod
    def now_ms(ex):
        return int(time.time() * 1000) + ex.skew_ms

    @staticmethod
    def plain(d):
        return format(Decimal(d).normalize(), "f")

ASSET = {"XXBT": "BTC", "XBT": "BTC", "ZUSD": "USD", "ZEUR": "EUR", "XETH": "ETH"}
KRAKEN_NAME = {v: k for k, v in ASSET.items() if len(k) == 4}
ALT = {}          # venue symbol -> altname (order descriptions name the pair by it)
STATUS = {"new": "open", "partially_filled": "open", "filled": "closed",
          "canceled": "canceled", "expired": "canceled"}
ORDERTYPE = {"limit": "limit", "post_only": "limit", "market": "market", "stop": "stop-loss",
             "stop_limit": "stop-loss-limit"}
_last_nonce = [0]


def load_markets(fixtures):
    with open(os.path.join(fixtures, "kraken", "markets.json")) as f:
        res = json.load(f)["result"]
    m = {}
    for key, p in res.items():
        if "." in key:
            continue
        ALT[key] = p.get("altname", key)
        m[key] = {"base": ASSET.get(p["base"], p["base"]), "quote": ASSET.get(p["quote"], p["quote"]),
                  "min_qty": Decimal(p.get("ordermin", "0")),
                  "min_notional": Decimal(p.get("costmin", "0")), "ct": Decimal(1)}
    return m


def is_private(path):
    return path.startswith("/0/private/")


def public(h, ex, method, path, rawq, body):
    if path == "/0/public/Time":
        now = fx.now_ms(ex) // 1000
        h.send_body(200, {"error": [], "result": {"unixtime": now, "rfc1123": time.strftime(
            "%a, %d %b %y %H:%M:%S +0000", time.gmtime(now))}})
        return True
    return False


def err(h, *msgs, status=200):
    return h.send_body(status, {"error": list(msgs)})


def ok(h, result):
    return h.send_body(200, {"error": [], "result": result})


def txid(o):
    return "O%s-FAKE-KRKN" % o["venue_order_id"]


def secs(ms):
    return float(Decimal(ms) / 1000)


def kr_order(ex, o):
    px = o["px"] or "0"
    d = {"pair": ALT.get(o["symbol"], o["symbol"]), "type": o["side"],
         "ordertype": ORDERTYPE[o["type"]], "price": px, "price2": "0", "leverage": "none",
         "order": "%s %s %s @ %s" % (o["side"], o["qty"], ALT.get(o["symbol"]), o["type"]),
         "close": ""}
    if o["type"] == "stop":
        d["price"] = o["stop_px"]
    elif o["type"] == "stop_limit":
        d["price"], d["price2"] = o["stop_px"], px
    filled = Decimal(o["filled"])
    avg = fx.plain(Decimal(o["quote"]) / filled) if filled else "0"
    r = {"refid": None, "userref": 0, "cl_ord_id": o["id"], "status": STATUS[o["status"]],
         "opentm": secs(o["time"]), "starttm": 0, "expiretm": 0, "descr": d, "vol": o["qty"],
         "vol_exec": o["filled"], "cost": o["quote"], "fee": "0", "price": avg,
         "stopprice": "0", "limitprice": "0", "misc": "",
         "oflags": "post,fciq" if o["type"] == "post_only" else "fciq", "reason": None}
    if not ex.is_open(o):
        r["closetm"] = secs(o["update"])
    return r


def handle(h, ex, method, path, rawq, body):
    keys = h.server.keys
    if h.headers.get("API-Key") != keys["key"]:
        return err(h, "EAPI:Invalid key")
    q = dict(parse_qsl(body, keep_blank_values=True))
    nonce = q.get("nonce", "")
    try:
        secret = base64.b64decode(keys["secret"])
    except ValueError:
        return err(h, "EAPI:Invalid key")
    msg = path.encode() + hashlib.sha256((nonce + body).encode()).digest()
    want = base64.b64encode(hmac.new(secret, msg, hashlib.sha512).digest()).decode()
    if not hmac.compare_digest(h.headers.get("API-Sign", ""), want):
        return err(h, "EAPI:Invalid signature")
    with ex.lock:
        if "stale-nonce" in ex.faults and not _last_nonce[0]:
            _last_nonce[0] = int(time.time() * 1e6) + 60 * 1000000
        if not nonce.isdigit() or int(nonce) <= _last_nonce[0]:
            return err(h, "EAPI:Invalid nonce")
        _last_nonce[0] = int(nonce)
        call = path[len("/0/private/"):]
        if call == "AddOrder":
            return add_order(h, ex, q)
        if call in ("CancelOrder", "AmendOrder"):
            o = ex.orders.get(q.get("cl_ord_id"))
            if not o or not ex.is_open(o):
                return err(h, "EOrder:Unknown order")
            if call == "CancelOrder":
                ex.finish(o, "canceled")
                ex.persist()
                return ok(h, {"count": 1, "pending": False})
            ex.release(o)
            if q.get("limit_price"):
                o["px"] = fx.plain(Decimal(q["limit_price"]))
            if q.get("order_qty"):
                o["qty"] = fx.plain(Decimal(q["order_qty"]))
            if Decimal(o["filled"]) >= Decimal(o["qty"]):
                o["status"] = "filled"
            else:
                asset, need = ex.reserve_need(o)
                left = need * (Decimal(o["qty"]) - Decimal(o["filled"])) / Decimal(o["qty"])
                ex.free[asset] -= left
                ex.locked[asset] += left
                o["reserved"] = fx.plain(left)
            o["update"] = fx.now_ms(ex)
            ex.persist()
            return ok(h, {"amend_id": "TAMEND-%s-KRKN" % o["venue_order_id"]})
        if call in ("OpenOrders", "ClosedOrders"):
            want_open = call == "OpenOrders"
            rows = {txid(o): kr_order(ex, o) for o in ex.orders.values()
                    if ex.is_open(o) == want_open
                    and ("cl_ord_id" not in q or o["id"] == q["cl_ord_id"])}
            if want_open:
                return ok(h, {"open": rows})
            return ok(h, {"closed": rows, "count": len(rows)})
        if call == "TradesHistory":
            start = int(q.get("start", "0") or 0)
            rows = [tr for tr in ex.trades if tr["time"] // 1000 > start]
            rows.reverse()
            ofs = int(q.get("ofs", "0") or 0)
            page = rows[ofs:ofs + 50]
            return ok(h, {"count": len(rows), "trades": {"T%s-FAKE-KRKN" % tr["trade_id"]: {
                "ordertxid": "O%s-FAKE-KRKN" % tr["venue_order_id"],
                "postxid": "TKH2SE-M7IF5-CFI7LT", "pair": tr["symbol"], "time": secs(tr["time"]),
                "type": tr["side"], "ordertype": "limit", "price": tr["px"],
                "cost": fx.plain(Decimal(tr["px"]) * Decimal(tr["qty"])), "fee": "0",
                "vol": tr["qty"], "margin": "0", "misc": "", "maker": tr["liquidity"] == "maker",
                "trade_id": int(tr["trade_id"]), "ledgers": None} for tr in page}})
        if call == "GetWebSocketsToken":
            # a token for the user stream (tests/fakeuserstream.py accepts only those given out)
            tok = "FAKEWS%s" % nonce
            if not hasattr(ex, "ws_tokens"):
                ex.ws_tokens = set()
            ex.ws_tokens.add(tok)
            return ok(h, {"token": tok, "expires": 900})
        if call == "BalanceEx":
            return ok(h, {KRAKEN_NAME.get(a, a): {"balance": fx.plain(ex.free[a] + ex.locked[a]),
                                                 "hold_trade": fx.plain(ex.locked[a])}
                          for a in sorted(ex.free)})
    return err(h, "EGeneral:Unknown method")


def add_order(h, ex, q):
    ex.placements += 1
    if ex.fault("http-429"):
        return err(h, "EOrder:Rate limit exceeded")
    cid = q.get("cl_ord_id", "")
    old = ex.orders.get(cid)
    if old and ex.is_open(old):
        return err(h, "EOrder:Duplicate order")
    ot, flags = q.get("ordertype"), q.get("oflags", "").split(",")
    o = {"id": cid, "symbol": q.get("pair"), "side": q.get("type"), "qty": q.get("volume", "0"),
         "tif": q.get("timeinforce", "GTC"), "px": None, "stop": None}
    if ot == "limit":
        o["type"] = "post_only" if "post" in flags else "limit"
        o["px"] = q.get("price")
    elif ot == "market":
        o["type"], o["tif"] = "market", "IOC"
    elif ot == "stop-loss":
        o["type"], o["stop"] = "stop", q.get("price")
    elif ot == "stop-loss-limit":
        o["type"], o["stop"], o["px"] = "stop_limit", q.get("price"), q.get("price2")
    else:
        return err(h, "EGeneral:Invalid arguments:ordertype")
    order, e = ex.place(o)
    if e:
        return err(h, {"symbol": "EQuery:Unknown asset pair",
                       "min_qty": "EOrder:Order minimum not met",
                       "min_notional": "EOrder:Cost minimum not met",
                       "insufficient": "EOrder:Insufficient funds"}.get(e[0], "EOrder:Unknown"))
    if ex.fault("timeout-after-accept"):
        return h.hold_and_drop()
    if ex.fault("http-500-after-accept"):
        return err(h, "EService:Unavailable", status=500)
    return ok(h, {"descr": {"order": "%s %s %s @ %s" % (o["side"], o["qty"], ALT.get(o["symbol"]),
                                                       ot)}, "txid": [txid(order)]})
