"""fakeexchange_bitstamp.py: Bitstamp's private REST API v2 for tests/fakeexchange.py (a plugin:
see the comment above PLUGINS there).

Authentication as Bitstamp documents it (www.bitstamp.net/api, "Authentication"): X-Auth
"BITSTAMP <key>", X-Auth-Version v2, a UUID X-Auth-Nonce not seen in the last 150 s (API0004),
X-Auth-Timestamp in ms within 150 s of the server clock (API0017), Content-Type
application/x-www-form-urlencoded with a body and no Content-Type without one (API0019/API0020),
X-Auth-Signature = hex HMAC-SHA256(secret, "BITSTAMP " + key + METHOD + host + path + query +
content type + nonce + timestamp + "v2" + body) (API0005). Refusals are {"status": "error",
"reason": ..., "code": "API00nn"} (HTTP 403) or {"status": "error", "reason": ...,
"response_code": "400.009"} (HTTP 400/404). Every 200 answer carries X-Server-Auth-Signature =
hex HMAC-SHA256(secret, nonce + timestamp + Content-Type + body), as Bitstamp signs its answers.
Private calls: buy/ sell/{pair}/ (price, ioc_order, fok_order, moc_order, client_order_id),
buy/ sell/market/{pair}/, order_status/ (id or client_order_id), cancel_order/ (id),
open_orders/all/ and /{pair}/, user_transactions/[{pair}/] (offset, limit, sort,
since_timestamp), account_balances/, websockets_token/ ({"token","valid_sec":60,"user_id"}: the
token the user stream (tests/fakeuserstream.py) takes for private channels). Public: /api/v2/ticker/btcusd/ carries the (skewed)
server time; the rest from the fixtures. A client_order_id used before is refused 400.019 (the
documented code; Bitstamp itself stopped checking in November 2023). Faults: http-429 answers
429 400.002 with Retry-After: 120, http-500-after-accept HTTP 500 500.001, timeout-after-accept drops.
"""
import hashlib
import hmac
import json
import os
import re
import time
from datetime import datetime, timezone
from decimal import Decimal
from urllib.parse import parse_qsl

STATUS = {"new": "Open", "partially_filled": "Open", "filled": "Finished",
          "canceled": "Canceled", "expired": "Expired"}
PRIVATE = re.compile(r"^/api/v2/(buy|sell|order_status|cancel_order|open_orders|"
                     r"user_transactions|account_balances|websockets_token)/")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
NAMES = {}        # venue symbol -> "BTC/USD"
USER_ID = 1000001  # the account's user id (websockets_token/, private channel names)
_nonces = {}


def now_ms(ex):
    return int(time.time() * 1000) + ex.skew_ms


def plain(d):
    return format(Decimal(d).normalize(), "f")


def when(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def load_markets(fixtures):
    with open(os.path.join(fixtures, "bitstamp", "markets.json")) as f:
        rows = json.load(f)
    m = {}
    for p in rows:
        base, quote = p["name"].split("/")
        NAMES[p["url_symbol"]] = p["name"]
        mn = p.get("minimum_order", "0").split(" ")[0]
        m[p["url_symbol"]] = {"base": base, "quote": quote, "min_qty": Decimal(0),
                              "min_notional": Decimal(mn), "ct": Decimal(1)}
    return m


def is_private(path):
    return bool(PRIVATE.match(path))


def public(h, ex, method, path, rawq, body):
    if path == "/api/v2/ticker/btcusd/":
        h.send_body(200, {"timestamp": str(now_ms(ex) // 1000), "open": "43000.00",
                          "high": "43500.00", "low": "42500.00", "last": "43000.00",
                          "volume": "1234.56789012", "vwap": "43010.00", "bid": "42999.00",
                          "ask": "43001.00", "side": "0", "open_24": "42800.00",
                          "percent_change_24": "0.47"})
        return True
    return False


def refuse(h, status, reason, code=None, response_code=None):
    b = {"status": "error", "reason": reason}
    if code:
        b["code"] = code
    if response_code:
        b["response_code"] = response_code
    return h.send_body(status, b)


def answer(h, body, nonce, ts):
    raw = json.dumps(body).encode()
    ctype = "application/json"
    sig = hmac.new(h.server.keys["secret"].encode(), (nonce + ts + ctype).encode() + raw,
                   hashlib.sha256).hexdigest()
    return h.send_body(200, raw, ctype, headers={"X-Server-Auth-Signature": sig})


def status_of(ex, o):
    mk = ex.markets[o["symbol"]]
    b, q = mk["base"].lower(), mk["quote"].lower()
    txs = [{"tid": int(tr["trade_id"]), "price": tr["px"], b: tr["qty"],
            q: plain(Decimal(tr["px"]) * Decimal(tr["qty"])), "fee": "0",
            "datetime": when(tr["time"]), "type": 2}
           for tr in ex.trades if tr["id"] == o["id"]]
    left = Decimal(o["qty"]) - Decimal(o["filled"]) if ex.is_open(o) or o["status"] != "filled" else 0
    return {"id": int(o["venue_order_id"]), "datetime": when(o["time"]),
            "type": "0" if o["side"] == "buy" else "1", "status": STATUS[o["status"]],
            "market": NAMES[o["symbol"]], "transactions": txs, "amount_remaining": plain(left),
            "client_order_id": o["id"]}


def open_row(o):
    return {"id": o["venue_order_id"], "datetime": when(o["time"]),
            "type": "0" if o["side"] == "buy" else "1", "price": o["px"],
            "amount": plain(Decimal(o["qty"]) - Decimal(o["filled"])),
            "amount_at_create": o["qty"], "currency_pair": NAMES[o["symbol"]],
            "market": NAMES[o["symbol"]], "client_order_id": o["id"]}


def handle(h, ex, method, path, rawq, body):
    keys = h.server.keys
    hd = h.headers
    if hd.get("X-Auth") != "BITSTAMP " + keys["key"]:
        return refuse(h, 403, "API key not found", "API0001")
    if hd.get("X-Auth-Version") != "v2":
        return refuse(h, 403, "Invalid version", "API0010")
    nonce, ts = hd.get("X-Auth-Nonce", ""), hd.get("X-Auth-Timestamp", "")
    if not ts.isdigit():
        return refuse(h, 403, "X-Auth-Timestamp header is invalid", "API0018")
    ctype = hd.get("Content-Type")
    if body and ctype != "application/x-www-form-urlencoded":
        return refuse(h, 403, "Content-Type header is not accepted", "API0019")
    if not body and ctype is not None:
        return refuse(h, 403, "Content-Type header should not be present", "API0020")
    host = hd.get("Host", "")
    msg = "BITSTAMP " + keys["key"] + method + host + path + ("?" + rawq if rawq else "") + \
        (ctype or "") + nonce + ts + "v2" + body
    want = hmac.new(keys["secret"].encode(), msg.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(hd.get("X-Auth-Signature", "").lower(), want):
        return refuse(h, 403, "Invalid signature", "API0005")
    server = now_ms(ex)
    if abs(server - int(ts)) > 150000:
        return refuse(h, 403, "X-Auth-Timestamp header is out of boundaries", "API0017")
    with ex.lock:
        for n in [n for n, t in _nonces.items() if server - t > 150000]:
            del _nonces[n]
        if not UUID.match(nonce) or nonce in _nonces:
            return refuse(h, 403, "Invalid nonce", "API0004")
        _nonces[nonce] = server
        q = dict(parse_qsl(body, keep_blank_values=True))
        parts = path.strip("/").split("/")[2:]      # after api/v2
        if parts[0] in ("buy", "sell"):
            return place(h, ex, parts, q, nonce, ts)
        if parts[0] == "order_status":
            o = ex.orders.get(q.get("client_order_id")) if "client_order_id" in q else next(
                (x for x in ex.orders.values() if x["venue_order_id"] == q.get("id")), None)
            if not o:
                return refuse(h, 404, "Order not found.", response_code="404.002")
            return answer(h, status_of(ex, o), nonce, ts)
        if parts[0] == "cancel_order":
            o = next((x for x in ex.orders.values() if x["venue_order_id"] == q.get("id")), None)
            if not o or not ex.is_open(o):
                return refuse(h, 404, "Order not found.", response_code="404.002")
            ex.finish(o, "canceled")
            ex.persist()
            return answer(h, {"id": int(o["venue_order_id"]),
                              "amount": plain(Decimal(o["qty"]) - Decimal(o["filled"])),
                              "price": o["px"], "type": 0 if o["side"] == "buy" else 1,
                              "market": NAMES[o["symbol"]]}, nonce, ts)
        if parts[0] == "open_orders":
            pair = parts[1] if len(parts) > 1 else "all"
            return answer(h, [open_row(o) for o in ex.orders.values() if ex.is_open(o) and
                              (pair == "all" or o["symbol"] == pair)], nonce, ts)
        if parts[0] == "user_transactions":
            pair = parts[1] if len(parts) > 1 else None
            rows = [tr for tr in ex.trades if not pair or tr["symbol"] == pair]
            if q.get("since_timestamp"):
                rows = [tr for tr in rows if tr["time"] // 1000 >= int(q["since_timestamp"])]
            if q.get("sort", "desc") == "desc":
                rows.reverse()
            off, lim = int(q.get("offset", "0")), int(q.get("limit", "100"))
            out = []
            for tr in rows[off:off + lim]:
                mk = ex.markets[tr["symbol"]]
                b, c = mk["base"].lower(), mk["quote"].lower()
                cost = Decimal(tr["px"]) * Decimal(tr["qty"])
                sign = 1 if tr["side"] == "buy" else -1
                out.append({"id": int(tr["trade_id"]), "datetime": when(tr["time"]), "type": "2",
                            "fee": "0.00", b: plain(sign * Decimal(tr["qty"])),
                            c: plain(-sign * cost), b + "_" + c: tr["px"],
                            "order_id": int(tr["venue_order_id"])})
            return answer(h, out, nonce, ts)
        if parts[0] == "websockets_token":
            tok = os.urandom(16).hex()
            if not hasattr(ex, "ws_tokens"):
                ex.ws_tokens = set()
            ex.ws_tokens.add(tok)
            return answer(h, {"token": tok, "valid_sec": 60, "user_id": USER_ID}, nonce, ts)
        if parts[0] == "account_balances":
            return answer(h, [{"currency": a.lower(), "total": plain(ex.free[a] + ex.locked[a]),
                               "available": plain(ex.free[a]), "reserved": plain(ex.locked[a])}
                              for a in sorted(ex.free)], nonce, ts)
    return refuse(h, 404, "Unknown not found error.", response_code="404.001")


def place(h, ex, parts, q, nonce, ts):
    ex.placements += 1
    if ex.fault("http-429"):
        return h.send_body(429, {"status": "error", "reason": "Request rejected due to exceeded "
                                 "rate limit.", "response_code": "400.002"},
                           headers={"Retry-After": 120})
    side, market = parts[0], parts[1] == "market"
    pair = parts[2] if market else parts[1]
    cid = q.get("client_order_id", "")
    if cid and cid in ex.orders:
        return refuse(h, 400, {"__all__": ["Provided client_order_id already exists."]},
                      response_code="400.019")
    flags = [k for k in ("ioc_order", "fok_order", "moc_order") if q.get(k) == "True"]
    if len(flags) > 1:
        return refuse(h, 400, {"__all__": ["Only one of optional parameters can be set."]},
                      response_code="400.024")
    o = {"id": cid, "symbol": pair, "side": side, "qty": q.get("amount", "0"),
         "type": "market" if market else "post_only" if flags == ["moc_order"] else "limit",
         "tif": "IOC" if market or flags == ["ioc_order"] else "FOK" if flags == ["fok_order"]
         else "GTC", "px": None if market else q.get("price"), "stop": None}
    order, e = ex.place(o)
    if e:
        mk = ex.markets.get(pair)
        if e[0] == "symbol":
            return refuse(h, 404, "Market not found for corresponding request.",
                          response_code="404.007")
        if e[0] in ("min_qty", "min_notional"):
            return refuse(h, 400, {"__all__": ["Minimum order size is %s %s." % (
                mk["min_notional"], mk["quote"])]}, response_code="400.020")
        if e[0] == "insufficient":
            return refuse(h, 400, {"__all__": ["You have only %s %s available. Check your account "
                                               "balance for details." % (plain(ex.free[e[1]]), e[1])]},
                          response_code="400.009")
        return refuse(h, 400, {"__all__": ["Unknown validation error."]}, response_code="400.001")
    if ex.fault("timeout-after-accept"):
        return h.hold_and_drop()
    if ex.fault("http-500-after-accept"):
        return refuse(h, 500, "Unknown server error.", response_code="500.001")
    return answer(h, {"id": order["venue_order_id"], "market": NAMES[pair],
                      "datetime": when(order["time"]), "type": "0" if side == "buy" else "1",
                      "price": order["px"] or "0", "amount": order["qty"],
                      "client_order_id": cid}, nonce, ts)
