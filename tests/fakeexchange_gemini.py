"""fakeexchange_gemini.py: Gemini's private REST API v1 for tests/fakeexchange.py (loaded as a
plugin: --venue gemini).

Authentication as Gemini does it: every private call is a POST with an empty body;
X-GEMINI-APIKEY, X-GEMINI-PAYLOAD = base64(JSON with "request" = the path and "nonce"),
X-GEMINI-SIGNATURE = hex(HMAC-SHA384(secret, the base64 payload as sent)); the nonce must be
greater than the last one this key used. Refusals are Gemini's {"result":"error","reason",
"message"} (400 InvalidSignature, EndpointMismatch, InvalidNonce, InvalidJson).

Calls: /v1/order/new ("exchange limit" with at most one of maker-or-cancel,
immediate-or-cancel, fill-or-kill; "exchange stop limit" without options, a buy's stop_price
below its price, a sell's above), /v1/order/status (order_id -> the order; client_order_id ->
an array of the orders carrying it, 404 OrderNotFound when none), /v1/order/cancel (order_id
only), /v1/orders, /v1/mytrades (the oldest limit_trades trades at or after timestamp, newest
first), /v1/balances. Like Gemini: client_order_id is not checked for uniqueness; IOC, FOK and
maker-or-cancel remainders are cancelled (is_cancelled). Errors: 406 InsufficientFunds,
400 InvalidQuantity (below min_order_size), 429 RateLimit, 500 System after accept.
The skew fault (skew:MS) means another client of this key already used a nonce MS ahead of the
server clock (in microseconds): requests are refused InvalidNonce until the clock passes it.
"""
import base64
import hashlib
import hmac
import json
import os
import time
from decimal import Decimal

PRIVATE = ("/v1/order/new", "/v1/order/status", "/v1/order/cancel", "/v1/orders",
           "/v1/mytrades", "/v1/balances")


def now_ms(ex):
    return int(time.time() * 1000) + ex.skew_ms


def plain(d):
    return format(Decimal(d).normalize(), "f")


def load_markets(fixtures):
    m = {}
    with open(os.path.join(fixtures, "gemini", "markets.json")) as f:
        for s in json.load(f):
            m[s["symbol"].lower()] = {"base": s["base_currency"], "quote": s["quote_currency"],
                                      "min_qty": Decimal(str(s.get("min_order_size") or "0")),
                                      "min_notional": Decimal(0), "ct": Decimal(1)}
    return m


def is_private(path):
    return path in PRIVATE


def err(h, status, reason, msg, headers=None):
    return h.send_body(status, {"result": "error", "reason": reason, "message": msg},
                       headers=headers)


def gem_order(o):
    filled, qty = Decimal(o["filled"]), Decimal(o["qty"])
    opts = []
    if o["type"] == "post_only":
        opts = ["maker-or-cancel"]
    elif o["type"] == "limit":
        opts = {"IOC": ["immediate-or-cancel"], "FOK": ["fill-or-kill"]}.get(o["tif"], [])
    d = {"order_id": o["venue_order_id"], "id": o["venue_order_id"], "symbol": o["symbol"],
         "exchange": "gemini",
         "avg_execution_price": plain(Decimal(o["quote"]) / filled) if filled else "0.00",
         "side": o["side"],
         "type": "exchange stop limit" if o["type"] == "stop_limit" else "exchange limit",
         "timestamp": str(o["time"] // 1000), "timestampms": o["time"],
         "is_live": o["status"] in ("new", "partially_filled"),
         "is_cancelled": o["status"] in ("canceled", "expired"), "is_hidden": False,
         "was_forced": False, "executed_amount": plain(filled),
         "remaining_amount": plain(qty - filled) if o["status"] in ("new", "partially_filled")
         else "0", "client_order_id": o["id"].split("#")[0], "options": opts,
         "price": o["px"], "original_amount": o["qty"]}
    if o["type"] == "stop_limit":
        d["stop_price"] = o["stop_px"]
    return d


def auth(h, ex):
    """The payload, or None after answering a refusal."""
    keys = h.server.keys
    hd = h.headers
    if not hd.get("X-GEMINI-APIKEY"):
        return err(h, 400, "MissingApikeyHeader", "The X-GEMINI-APIKEY header was missing")
    pl = hd.get("X-GEMINI-PAYLOAD")
    if not pl:
        return err(h, 400, "MissingPayloadHeader", "The X-GEMINI-PAYLOAD header was missing")
    want = hmac.new(keys["secret"].encode(), pl.encode(), hashlib.sha384).hexdigest()
    if hd.get("X-GEMINI-APIKEY") != keys["key"] or \
            not hmac.compare_digest(hd.get("X-GEMINI-SIGNATURE", ""), want):
        return err(h, 400, "InvalidSignature", "InvalidSignature")
    try:
        p = json.loads(base64.b64decode(pl))
    except ValueError:
        return err(h, 400, "InvalidJson", "The JSON provided is invalid")
    return p


def handle(h, ex, method, path, rawq, body):
    if method != "POST" or body:
        return err(h, 400, "InvalidJson", "Private requests are POSTs with an empty body")
    p = auth(h, ex)
    if not isinstance(p, dict):
        return None
    if p.get("request") != path:
        return err(h, 400, "EndpointMismatch", "The request was submitted to an endpoint "
                   "different than the one in the payload")
    with ex.lock:
        last = getattr(ex, "gemini_nonce", None)
        if last is None:
            last = ex.gemini_nonce = (now_ms(ex) * 1000) if ex.skew_ms else 0
        try:
            nonce = int(p.get("nonce"))
        except (TypeError, ValueError):
            return err(h, 400, "InvalidNonce", "Nonce '%s' is not a number" % p.get("nonce"))
        if nonce <= last:
            return err(h, 400, "InvalidNonce", "Nonce '%d' has not increased since your last "
                       "call to the Gemini API." % nonce)
        ex.gemini_nonce = nonce
        if path == "/v1/order/new":
            return place(h, ex, p)
        if path == "/v1/order/status":
            if "client_order_id" in p:
                rows = [gem_order(o) for o in ex.orders.values()
                        if o["id"].split("#")[0] == p["client_order_id"]]
                if not rows:
                    return err(h, 404, "OrderNotFound", "Order with client_order_id %s not "
                               "found" % p["client_order_id"])
                return h.send_body(200, rows)
            o = by_order_id(ex, p.get("order_id"))
            if not o:
                return err(h, 404, "OrderNotFound", "Order %s not found" % p.get("order_id"))
            return h.send_body(200, gem_order(o))
        if path == "/v1/order/cancel":
            if "order_id" not in p:
                return err(h, 400, "MissingOrderField", "A required order_id field was not "
                           "specified")
            o = by_order_id(ex, p["order_id"])
            if not o:
                return err(h, 404, "OrderNotFound", "Order %s not found" % p["order_id"])
            if ex.is_open(o):
                ex.finish(o, "canceled")
                ex.persist()
            return h.send_body(200, gem_order(o))
        if path == "/v1/orders":
            return h.send_body(200, [gem_order(o) for o in ex.orders.values() if ex.is_open(o)])
        if path == "/v1/mytrades":
            ts = int(p.get("timestamp", 0))
            ts = ts * 1000 if ts < 100000000000 else ts
            sym = str(p.get("symbol", "")).lower()
            rows = [tr for tr in ex.trades if tr["symbol"] == sym and tr["time"] >= ts]
            rows = rows[: int(p.get("limit_trades", 50))]
            rows.reverse()
            return h.send_body(200, [{
                "price": tr["px"], "amount": tr["qty"], "timestamp": tr["time"] // 1000,
                "timestampms": tr["time"], "type": tr["side"].capitalize(),
                "aggressor": tr["liquidity"] == "taker", "fee_currency": tr["fee_ccy"],
                "fee_amount": "0", "tid": int(tr["trade_id"]), "order_id": tr["venue_order_id"],
                "client_order_id": tr["id"].split("#")[0], "exchange": "gemini",
                "is_auction_fill": False, "is_clearing_fill": False, "symbol": sym.upper()}
                for tr in rows])
        if path == "/v1/balances":
            return h.send_body(200, [{
                "type": "exchange", "currency": a, "amount": plain(ex.free[a] + ex.locked[a]),
                "available": plain(ex.free[a]), "availableForWithdrawal": plain(ex.free[a])}
                for a in sorted(ex.free)])
    return err(h, 404, "EndpointNotFound", "No endpoint was specified")


def by_order_id(ex, oid):
    for o in ex.orders.values():
        if o["venue_order_id"] == str(oid):
            return o
    return None


def place(h, ex, p):
    ex.placements += 1
    if ex.fault("http-429"):
        return err(h, 429, "RateLimit", "Requests were made too frequently",
                   headers={"Retry-After": 120})
    ty = p.get("type")
    opts = p.get("options", [])
    if ty not in ("exchange limit", "exchange stop limit"):
        return err(h, 400, "InvalidOrderType", "An unknown order type was provided")
    if not isinstance(opts, list):
        return err(h, 400, "OptionsMustBeArray", "The options parameter must be an array.")
    if len(opts) > 1:
        return err(h, 400, "ConflictingOptions", "New orders using a combination of order "
                   "execution options are not supported")
    if opts and (ty == "exchange stop limit" or opts[0] not in
                 ("maker-or-cancel", "immediate-or-cancel", "fill-or-kill")):
        return err(h, 400, "UnsupportedOption", "This order execution option is not supported.")
    sym = str(p.get("symbol", "")).lower()
    if sym not in ex.markets:
        return err(h, 400, "InvalidSymbol", "Supplied value '%s' is not a valid symbol" % sym)
    try:
        px, qty = Decimal(p["price"]), Decimal(p["amount"])
    except (KeyError, ArithmeticError, TypeError):
        return err(h, 400, "InvalidPrice", "Invalid price or amount")
    if ty == "exchange stop limit":
        stop = Decimal(p.get("stop_price", "0"))
        if (p.get("side") == "buy" and stop >= px) or (p.get("side") == "sell" and stop <= px):
            return err(h, 400, "InvalidPrice", "Invalid stop price %s for a %s order at %s" %
                       (p.get("stop_price"), p.get("side"), p["price"]))
    kind = "stop_limit" if ty == "exchange stop limit" else \
        "post_only" if opts == ["maker-or-cancel"] else "limit"
    tif = {"immediate-or-cancel": "IOC", "fill-or-kill": "FOK"}.get(opts[0] if opts else "", "GTC")
    cid = str(p.get("client_order_id", ""))
    old = ex.orders.pop(cid, None)
    if old:   # Gemini does not enforce unique client order ids
        ex.orders["%s#%s" % (cid, old["venue_order_id"])] = old
    o = {"id": cid, "symbol": sym, "side": p.get("side"),
         "type": "stop" if kind == "stop_limit" else kind, "tif": tif, "qty": p["amount"],
         "px": p["price"], "stop": p.get("stop_price")}
    order, e = ex.place(o)
    if old and not order:
        ex.orders[cid] = ex.orders.pop("%s#%s" % (cid, old["venue_order_id"]))
    if e:
        if e[0] in ("min_qty", "min_notional"):
            return err(h, 400, "InvalidQuantity", "Invalid quantity for symbol %s: %s (minimum "
                       "%s)" % (sym.upper(), p["amount"], ex.markets[sym]["min_qty"]))
        if e[0] == "insufficient":
            return err(h, 406, "InsufficientFunds", "Failed to place %s order on symbol '%s' "
                       "for price $%s and quantity %s %s due to insufficient funds" %
                       (p.get("side"), sym.upper(), p["price"], p["amount"],
                        ex.markets[sym]["base"]))
        return err(h, 400, "InvalidOrderType", "Order refused")
    order["type"] = kind
    ex.persist()
    if ex.fault("timeout-after-accept"):
        return h.hold_and_drop()
    if ex.fault("http-500-after-accept"):
        return err(h, 500, "System", "We are experiencing technical issues")
    return h.send_body(200, gem_order(order))
