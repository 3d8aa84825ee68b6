#!/usr/bin/env python3
"""fakeexchange.py: a fake of Binance spot's or OKX's private REST trading API for lyra's tests
(127.0.0.1 only), driven by lib/trade.c through tests/tools/tradecli.

  fakeexchange.py --venue binance|okx --port-file F --keys KEYFILE [--state FILE]
                  [--skew-ms MS] [--ref-px PX] [--hold-s S] [--fault SPEC ...]

Listens on 127.0.0.1 (port 0: any) and writes the port to F. KEYFILE is the key file lyra reads
({"key","secret","passphrase"}): every private request is authenticated exactly as the venue
does it (Binance: X-MBX-APIKEY, hex HMAC-SHA256 of the query string then body, timestamp within
recvWindow (default 5000 ms) of the server clock and at most 1000 ms ahead; OKX: OK-ACCESS-KEY,
OK-ACCESS-PASSPHRASE, base64 HMAC-SHA256 of timestamp + METHOD + path?query + body,
OK-ACCESS-TIMESTAMP within 30 s) and refused with the venue's own error payload and status.

The account: 100000 USDT, 100000 USD and 10 BTC (any other asset 0); placing reserves the quote
(buy: qty x price, market buy: qty x the reference price) or the base (sell); no fees.
Matching, deliberately trivial: a market order fills in full at the reference price (--ref-px,
default 43000); a limit order whose price crosses the reference price (buy >= ref, sell <= ref)
fills in full at its own price as taker; otherwise IOC/FOK orders expire (Binance EXPIRED, OKX
canceled), post-only orders that would cross are refused (Binance -2010 "Order would immediately
match and take.") or cancelled (OKX), and the rest rest. Stop orders rest untriggered.
Duplicates: Binance refuses a client order id that is already open (-2010 "Duplicate order
sent."); OKX one that was used at all (51016). Minimums from the public fixtures: Binance
LOT_SIZE minQty and NOTIONAL/MIN_NOTIONAL (-1013), OKX minSz (51020).

Faults (--fault, repeatable; N counts, from 1, the order placements that passed authentication
and the clock check):
  timeout-after-accept:N   accept the Nth placement, then hold the answer for --hold-s seconds
                           (default 5) and drop the connection without answering
  http-429:N               answer the Nth placement 429 (the venue's rate-limit payload,
                           Retry-After: 120) without accepting it
  http-500-after-accept:N  accept the Nth placement, then answer 500
  skew:MS                  the server clock runs MS milliseconds ahead (as --skew-ms)
  partial-then-cancel      an order that would rest is half filled, then cancelled by the venue

User stream: with --ws-port-file F, the venue's private WebSocket (tests/fakeuserstream.py) runs
on a second port (written to F) and pushes every order change; POST /_fake/ws controls it.

Control: POST /_fake/fill {"clientId","qty","px"} fills a resting order (partly or fully) and
records a trade (maker); GET /_fake/orders dumps {"orders":[...],"trades":[...],"balances":{...}};
POST /_fake/config {"ref_px": "...", "skew_ms": N} changes the reference price or the clock.
The state is written to --state (the same JSON) after every change.
Public endpoints: /api/v3/time and /api/v5/public/time (with the skew); everything else public
is served from tests/fixtures/venues like tests/fakevenue.py (exchangeInfo, instruments).
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from datetime import datetime, timezone
from decimal import Decimal
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fakevenue  # noqa: E402  (the public routes and fixtures)

START = {"USDT": Decimal("100000"), "USD": Decimal("100000"), "BTC": Decimal("10")}
Q8 = Decimal("0.00000001")


def now_ms(st):
    return int(time.time() * 1000) + st.skew_ms


def b8(d):
    return str(Decimal(d).quantize(Q8))


def plain(d):
    s = format(Decimal(d).normalize(), "f")
    return s


class Exchange:
    """Orders, trades and balances; every method runs under self.lock."""

    def __init__(self, venue, fixtures, state_file, ref_px, faults):
        self.venue = venue
        self.lock = threading.RLock()
        self.state_file = state_file
        self.ref_px = Decimal(ref_px)
        self.skew_ms = 0
        self.faults = faults
        self.placements = 0
        self.orders = {}      # client id -> order dict
        self.trades = []
        self.next_id = 1000
        self.next_trade = 5000
        self.free = dict(START)
        self.locked = {k: Decimal(0) for k in START}
        self.markets = self.load_markets(fixtures)
        self.listeners = []   # fn(order, trade or None) on every order change (the user stream)

    def notify(self, order, trade=None):
        for fn in self.listeners:
            fn(order, trade)

    def load_markets(self, fixtures):
        m = {}
        plugin = PLUGINS.get(self.venue)
        if plugin:
            # {venue symbol: {"base", "quote", "min_qty", "min_notional", "ct"}} from its fixtures
            return plugin.load_markets(fixtures)
        if self.venue == "binance":
            with open(os.path.join(fixtures, "binance", "markets.json")) as f:
                for s in json.load(f)["symbols"]:
                    filt = {x["filterType"]: x for x in s.get("filters", [])}
                    mn = filt.get("NOTIONAL") or filt.get("MIN_NOTIONAL") or {}
                    m[s["symbol"]] = {
                        "base": s["baseAsset"], "quote": s["quoteAsset"],
                        "min_qty": Decimal(filt.get("LOT_SIZE", {}).get("minQty", "0")),
                        "min_notional": Decimal(mn.get("minNotional", "0")), "ct": Decimal(1)}
        else:
            for name in ("markets.json", "markets-2.json"):
                with open(os.path.join(fixtures, "okx", name)) as f:
                    for s in json.load(f)["data"]:
                        parts = s["instId"].split("-")
                        swap = s.get("instType") == "SWAP"
                        m[s["instId"]] = {
                            "base": parts[0], "quote": parts[1], "swap": swap,
                            "inst_type": s.get("instType", "SPOT"),
                            "min_qty": Decimal(s.get("minSz") or "0"), "min_notional": Decimal(0),
                            "ct": Decimal(s.get("ctVal") or "1") if swap else Decimal(1)}
        return m

    def fault(self, name):
        """The fault armed for the current placement number, if any."""
        for f in self.faults:
            k, _, n = f.partition(":")
            if k == name and (not n or int(n) == self.placements):
                return True
        return False

    def persist(self):
        if not self.state_file:
            return
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.dump(), f, indent=1, sort_keys=True)
        os.replace(tmp, self.state_file)

    def dump(self):
        return {"orders": list(self.orders.values()), "trades": self.trades,
                "balances": {a: {"free": plain(self.free[a]), "locked": plain(self.locked[a])}
                             for a in sorted(self.free)}}

    # ---- balances ----
    def bal(self, asset):
        self.free.setdefault(asset, Decimal(0))
        self.locked.setdefault(asset, Decimal(0))

    def reserve_need(self, o):
        mk = self.markets[o["symbol"]]
        qty_base = Decimal(o["qty"]) * mk["ct"]
        if o["side"] == "buy":
            px = Decimal(o["px"]) if o["px"] else self.ref_px
            return mk["quote"], qty_base * px
        return mk["base"], qty_base

    # ---- orders ----
    def place(self, o):
        """o: symbol side type tif qty px stop id. Returns (order, None) or (None, error)."""
        mk = self.markets.get(o["symbol"])
        if not mk:
            return None, ("symbol", "")
        qty = Decimal(o["qty"])
        px = Decimal(o["px"]) if o.get("px") else None
        if qty < mk["min_qty"]:
            return None, ("min_qty", "")
        if mk["min_notional"] and qty * (px or self.ref_px) < mk["min_notional"]:
            return None, ("min_notional", "")
        asset, need = self.reserve_need(o)
        self.bal(asset)
        if self.free[asset] < need:
            return None, ("insufficient", asset)
        crosses = o["type"] == "market" or (px is not None and o["type"] != "stop" and (
            (o["side"] == "buy" and px >= self.ref_px) or (o["side"] == "sell" and px <= self.ref_px)))
        if o["type"] == "post_only" and crosses and self.venue == "binance":
            return None, ("would_take", "")
        self.next_id += 1
        t = now_ms(self)
        order = {"id": o["id"], "venue_order_id": str(self.next_id), "symbol": o["symbol"],
                 "side": o["side"], "type": o["type"], "tif": o["tif"], "qty": plain(qty),
                 "px": plain(px) if px is not None else "", "stop_px": o.get("stop") or "",
                 "filled": "0", "quote": "0", "status": "new", "reserve_asset": asset,
                 "reserved": plain(need), "time": t, "update": t}
        self.free[asset] -= need
        self.locked[asset] += need
        self.orders[o["id"]] = order
        self.notify(order)
        if crosses and o["type"] == "post_only":
            self.finish(order, "canceled")
        elif crosses:
            self.fill(order, qty, px if px is not None else self.ref_px, "taker")
        elif o["tif"] in ("IOC", "FOK") or o["type"] == "market":
            self.finish(order, "expired")
        elif "partial-then-cancel" in self.faults and o["type"] != "stop":
            self.fill(order, qty / 2, px, "maker")
            self.finish(order, "canceled")
        self.persist()
        return order, None

    def fill(self, order, qty, px, liquidity):
        mk = self.markets[order["symbol"]]
        qty, px = Decimal(qty), Decimal(px)
        left = Decimal(order["qty"]) - Decimal(order["filled"])
        if qty <= 0 or qty > left:
            return "qty must be above 0 and at most " + plain(left)
        base_qty = qty * mk["ct"]
        cost = base_qty * px
        res_asset = order["reserve_asset"]
        self.bal(mk["base"])
        self.bal(mk["quote"])
        if order["side"] == "buy":
            rpx = Decimal(order["px"]) if order["px"] else self.ref_px
            used = base_qty * rpx
            self.locked[res_asset] -= used
            self.free[mk["quote"]] += used - cost
            self.free[mk["base"]] += base_qty
        else:
            self.locked[res_asset] -= base_qty
            self.free[mk["quote"]] += cost
        order["reserved"] = plain(Decimal(order["reserved"]) - (base_qty * (Decimal(order["px"]) if order["px"] else self.ref_px) if order["side"] == "buy" else base_qty))
        order["filled"] = plain(Decimal(order["filled"]) + qty)
        order["quote"] = plain(Decimal(order["quote"]) + cost)
        order["update"] = now_ms(self)
        self.next_trade += 1
        self.trades.append({"trade_id": str(self.next_trade), "id": order["id"],
                            "venue_order_id": order["venue_order_id"], "symbol": order["symbol"],
                            "side": order["side"], "qty": plain(qty), "px": plain(px),
                            "liquidity": liquidity, "fee": "0", "fee_ccy": mk["quote"],
                            "time": order["update"], "bill_id": str(self.next_trade + 70000)})
        order["status"] = "filled" if Decimal(order["filled"]) == Decimal(order["qty"]) else "partially_filled"
        if order["status"] == "filled":
            self.release(order)
        self.notify(order, self.trades[-1])
        return None

    def release(self, order):
        r = Decimal(order["reserved"])
        if r:
            self.locked[order["reserve_asset"]] -= r
            self.free[order["reserve_asset"]] += r
            order["reserved"] = "0"

    def finish(self, order, status):
        self.release(order)
        order["status"] = status
        order["update"] = now_ms(self)
        self.notify(order)

    def is_open(self, order):
        return order["status"] in ("new", "partially_filled")


# ---- the venues' shapes ----

BINANCE_STATUS = {"new": "NEW", "partially_filled": "PARTIALLY_FILLED", "filled": "FILLED",
                  "canceled": "CANCELED", "expired": "EXPIRED"}
BINANCE_TYPE = {"limit": "LIMIT", "market": "MARKET", "post_only": "LIMIT_MAKER",
                "stop": "STOP_LOSS", "stop_limit": "STOP_LOSS_LIMIT"}
OKX_STATE = {"new": "live", "partially_filled": "partially_filled", "filled": "filled",
             "canceled": "canceled", "expired": "canceled"}


def binance_order(o, cancel=False):
    d = {"symbol": o["symbol"], "orderId": int(o["venue_order_id"]), "orderListId": -1,
         "clientOrderId": o["id"], "price": b8(o["px"] or 0), "origQty": b8(o["qty"]),
         "executedQty": b8(o["filled"]), "cummulativeQuoteQty": b8(o["quote"]),
         "status": BINANCE_STATUS[o["status"]],
         "timeInForce": o["tif"] if o["type"] not in ("market",) else "GTC",
         "type": BINANCE_TYPE[o["type"]], "side": o["side"].upper(),
         "stopPrice": b8(o["stop_px"] or 0), "icebergQty": "0.00000000", "time": o["time"],
         "updateTime": o["update"], "isWorking": True, "workingTime": o["time"],
         "origQuoteOrderQty": "0.00000000", "selfTradePreventionMode": "EXPIRE_MAKER"}
    if cancel:
        d = {"symbol": d["symbol"], "origClientOrderId": o["id"], "orderId": d["orderId"],
             "orderListId": -1, "clientOrderId": "cancel" + o["venue_order_id"],
             "transactTime": o["update"], "price": d["price"], "origQty": d["origQty"],
             "executedQty": d["executedQty"], "cummulativeQuoteQty": d["cummulativeQuoteQty"],
             "status": d["status"], "timeInForce": d["timeInForce"], "type": d["type"],
             "side": d["side"], "selfTradePreventionMode": "EXPIRE_MAKER"}
    return d


def okx_order(ex, o):
    mk = ex.markets[o["symbol"]]
    filled = Decimal(o["filled"])
    avg = plain(Decimal(o["quote"]) / (filled * mk["ct"])) if filled else ""
    ot = {"limit": {"GTC": "limit", "IOC": "ioc", "FOK": "fok"}.get(o["tif"], "limit"),
          "market": "market", "post_only": "post_only"}.get(o["type"], "limit")
    return {"accFillSz": plain(filled), "algoClOrdId": "", "algoId": "", "avgPx": avg,
            "cTime": str(o["time"]), "category": "normal", "ccy": "", "clOrdId": o["id"],
            "fee": "0", "feeCcy": mk["quote"], "fillPx": "", "fillSz": "0", "fillTime": "",
            "instId": o["symbol"], "instType": mk["inst_type"], "lever": "",
            "ordId": o["venue_order_id"], "ordType": ot, "pnl": "0", "posSide": "net",
            "px": o["px"], "rebate": "0", "rebateCcy": mk["quote"], "side": o["side"],
            "source": "", "state": OKX_STATE[o["status"]], "sz": o["qty"], "tag": "",
            "tdMode": "cross" if mk.get("swap") else "cash", "tgtCcy": "", "tradeId": "",
            "uTime": str(o["update"])}


class Handler(fakevenue.Handler):
    server_version = "fakeexchange/1"

    def log_message(self, fmt, *args):
        if os.environ.get("FAKEEXCHANGE_VERBOSE"):
            sys.stderr.write("fakeexchange: " + (fmt % args) + "\n")

    def do_PUT(self):
        return self.do_GET()

    def do_PATCH(self):
        return self.do_GET()

    def do_DELETE(self):
        return self.do_GET()

    def do_POST(self):
        return self.do_GET()

    def do_GET(self):
        ex = self.server.ex
        parts = urlsplit(self.path)
        path, rawq = parts.path, parts.query
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        if path.startswith("/_fake/"):
            return self.control(path, body)
        plugin = PLUGINS.get(ex.venue)
        if plugin:
            # a venue in its own module, tests/fakeexchange_<venue>.py: time, public, private
            if plugin.is_private(path):
                return plugin.handle(self, ex, self.command, path, rawq, body)
            if hasattr(plugin, "public") and plugin.public(self, ex, self.command, path, rawq, body):
                return None
            query = dict(parse_qsl(rawq, keep_blank_values=True))
            return self.serve(ex.venue, path, query)
        if path == "/api/v3/time" and ex.venue == "binance":
            return self.send_body(200, {"serverTime": now_ms(ex)})
        if path == "/api/v5/public/time" and ex.venue == "okx":
            return self.send_body(200, {"code": "0", "data": [{"ts": str(now_ms(ex))}], "msg": ""})
        private = path.startswith("/api/v3/") and path not in ("/api/v3/exchangeInfo",) \
            if ex.venue == "binance" else \
            (path.startswith("/api/v5/") and not path.startswith("/api/v5/public/"))
        if not private:
            query = dict(parse_qsl(rawq, keep_blank_values=True))
            return self.serve(ex.venue, path, query)
        if ex.venue == "binance":
            return self.binance(path, rawq, body)
        return self.okx(path, rawq, body)

    def control(self, path, body):
        ex = self.server.ex
        with ex.lock:
            if path == "/_fake/orders":
                return self.send_body(200, ex.dump())
            req = json.loads(body or "{}")
            if path == "/_fake/ws" and self.server.stream:
                return self.send_body(200, self.server.stream.control(req))
            if path == "/_fake/fill":
                o = ex.orders.get(req.get("clientId"))
                if not o or not ex.is_open(o):
                    return self.send_body(404, {"error": "no open order with that clientId"})
                why = ex.fill(o, req["qty"], req.get("px") or o["px"] or ex.ref_px, "maker")
                if why:
                    return self.send_body(400, {"error": why})
                ex.persist()
                return self.send_body(200, {"ok": True, "status": o["status"]})
            if path == "/_fake/balance":
                # a deposit or withdrawal behind lyra's back: {"asset": "USDT", "delta": "-100"}
                ex.bal(req["asset"])
                ex.free[req["asset"]] += Decimal(str(req["delta"]))
                ex.persist()
                return self.send_body(200, {"ok": True})
            if path == "/_fake/config":
                if "ref_px" in req:
                    ex.ref_px = Decimal(str(req["ref_px"]))
                if "skew_ms" in req:
                    ex.skew_ms = int(req["skew_ms"])
                return self.send_body(200, {"ok": True})
        return self.send_body(404, {"error": "no such control"})

    # ---- plumbing for faults ----
    def hold_and_drop(self):
        time.sleep(self.server.hold_s)
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    # ---- binance ----
    def berr(self, status, code, msg, headers=None):
        return self.send_body(status, {"code": code, "msg": msg}, headers=headers)

    def binance(self, path, rawq, body):
        ex, keys = self.server.ex, self.server.keys
        if self.headers.get("X-MBX-APIKEY") != keys["key"]:
            return self.berr(401, -2015, "Invalid API-key, IP, or permissions for action.")
        sig_at = rawq.rfind("&signature=")
        if sig_at < 0 and rawq.startswith("signature="):
            sig_at = 0
        if sig_at < 0:
            return self.berr(400, -1102, "Mandatory parameter 'signature' was not sent, was "
                             "empty/null, or malformed.")
        payload = rawq[:sig_at] + body
        sig = rawq[sig_at:].split("=", 1)[1]
        want = hmac.new(keys["secret"].encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(sig, want):
            return self.berr(400, -1022, "Signature for this request is not valid.")
        q = dict(parse_qsl(rawq[:sig_at], keep_blank_values=True))
        q.update(dict(parse_qsl(body, keep_blank_values=True)))
        try:
            ts = int(q.get("timestamp", ""))
        except ValueError:
            return self.berr(400, -1102, "Mandatory parameter 'timestamp' was not sent, was "
                             "empty/null, or malformed.")
        server = now_ms(ex)
        if ts > server + 1000 or server - ts > int(q.get("recvWindow", 5000)):
            return self.berr(400, -1021, "Timestamp for this request is outside of the "
                             "recvWindow.")
        m = self.command
        with ex.lock:
            if path == "/api/v3/order" and m == "POST":
                return self.binance_place(q)
            if path == "/api/v3/order" and m in ("GET", "DELETE"):
                o = ex.orders.get(q.get("origClientOrderId"))
                if o and o["symbol"] != q.get("symbol"):
                    o = None
                if m == "GET":
                    if not o:
                        return self.berr(400, -2013, "Order does not exist.")
                    return self.send_body(200, binance_order(o))
                if not o or not ex.is_open(o):
                    return self.berr(400, -2011, "Unknown order sent.")
                ex.finish(o, "canceled")
                ex.persist()
                return self.send_body(200, binance_order(o, cancel=True))
            if path == "/api/v3/order/amend/keepPriority" and m == "PUT":
                o = ex.orders.get(q.get("origClientOrderId"))
                if not o or not ex.is_open(o):
                    return self.berr(400, -2013, "Order does not exist.")
                new = Decimal(q.get("newQty", "0"))
                if new <= 0 or new >= Decimal(o["qty"]):
                    return self.berr(400, -2038, "The requested action would change no state; "
                                     "rejecting.")
                ex.release(o)
                o["qty"] = plain(new)
                if Decimal(o["filled"]) >= new:
                    o["status"] = "filled"
                else:
                    asset, need = ex.reserve_need(o)
                    left = need * (new - Decimal(o["filled"])) / new
                    ex.free[asset] -= left
                    ex.locked[asset] += left
                    o["reserved"] = plain(left)
                o["update"] = now_ms(ex)
                ex.persist()
                bo = binance_order(o)
                ao = {k: bo[k] for k in ("symbol", "orderId", "orderListId", "price",
                                         "executedQty", "status", "timeInForce", "type", "side",
                                         "workingTime", "selfTradePreventionMode")}
                ao.update({"origClientOrderId": o["id"], "clientOrderId": q.get("newClientOrderId", o["id"]),
                           "qty": bo["origQty"], "preventedQty": "0.00000000",
                           "quoteOrderQty": "0.00000000", "cumulativeQuoteQty": bo["cummulativeQuoteQty"]})
                if o["id"] != ao["clientOrderId"]:
                    ex.orders[ao["clientOrderId"]] = ex.orders.pop(o["id"])
                    o["id"] = ao["clientOrderId"]
                return self.send_body(200, {"transactTime": o["update"], "executionId": 60,
                                            "amendedOrder": ao})
            if path == "/api/v3/openOrders" and m == "GET":
                sym = q.get("symbol")
                return self.send_body(200, [binance_order(o) for o in ex.orders.values()
                                            if ex.is_open(o) and (not sym or o["symbol"] == sym)])
            if path == "/api/v3/myTrades" and m == "GET":
                if "symbol" not in q:
                    return self.berr(400, -1102, "Mandatory parameter 'symbol' was not sent, was "
                                     "empty/null, or malformed.")
                rows = [tr for tr in ex.trades if tr["symbol"] == q["symbol"]]
                if "fromId" in q:
                    rows = [tr for tr in rows if int(tr["trade_id"]) >= int(q["fromId"])]
                elif "startTime" in q:
                    rows = [tr for tr in rows if tr["time"] >= int(q["startTime"])]
                rows = rows[: int(q.get("limit", 500))]
                return self.send_body(200, [{
                    "symbol": tr["symbol"], "id": int(tr["trade_id"]),
                    "orderId": int(tr["venue_order_id"]), "orderListId": -1,
                    "price": b8(tr["px"]), "qty": b8(tr["qty"]),
                    "quoteQty": b8(Decimal(tr["px"]) * Decimal(tr["qty"])),
                    "commission": "0.00000000", "commissionAsset": tr["fee_ccy"],
                    "time": tr["time"], "isBuyer": tr["side"] == "buy",
                    "isMaker": tr["liquidity"] == "maker", "isBestMatch": True} for tr in rows])
            if path == "/api/v3/account" and m == "GET":
                bals = [{"asset": a, "free": b8(ex.free[a]), "locked": b8(ex.locked[a])}
                        for a in sorted(ex.free)
                        if q.get("omitZeroBalances") != "true" or ex.free[a] or ex.locked[a]]
                return self.send_body(200, {
                    "makerCommission": 10, "takerCommission": 10, "canTrade": True,
                    "canWithdraw": True, "canDeposit": True, "brokered": False,
                    "requireSelfTradePrevention": False, "preventSor": False,
                    "updateTime": now_ms(ex), "accountType": "SPOT", "balances": bals,
                    "permissions": ["SPOT"], "uid": 354937868})
        return self.berr(404, -1000, "An unknown error occurred while processing the request.")

    def binance_place(self, q):
        ex = self.server.ex
        ex.placements += 1
        if ex.fault("http-429"):
            return self.send_body(429, {"code": -1003, "msg": "Too many requests; current limit "
                                        "of IP(127.0.0.1) is 6000 requests per minute."},
                                  headers={"Retry-After": 120})
        types = {v: k for k, v in BINANCE_TYPE.items()}
        if q.get("type") not in types:
            return self.berr(400, -1116, "Invalid orderType.")
        cid = q.get("newClientOrderId", "")
        old = ex.orders.get(cid)
        if old and ex.is_open(old):
            return self.berr(400, -2010, "Duplicate order sent.")
        o = {"id": cid, "symbol": q.get("symbol"), "side": q.get("side", "").lower(),
             "type": types[q["type"]], "tif": q.get("timeInForce", "GTC"),
             "qty": q.get("quantity", "0"), "px": q.get("price"), "stop": q.get("stopPrice")}
        order, err = ex.place(o)
        if err:
            kind = err[0]
            if kind == "symbol":
                return self.berr(400, -1121, "Invalid symbol.")
            if kind == "min_qty":
                return self.berr(400, -1013, "Filter failure: LOT_SIZE")
            if kind == "min_notional":
                return self.berr(400, -1013, "Filter failure: NOTIONAL")
            if kind == "insufficient":
                return self.berr(400, -2010, "Account has insufficient balance for requested "
                                 "action.")
            return self.berr(400, -2010, "Order would immediately match and take.")
        if ex.fault("timeout-after-accept"):
            return self.hold_and_drop()
        if ex.fault("http-500-after-accept"):
            return self.berr(500, -1001, "Internal error; unable to process your request. "
                             "Please try again.")
        d = binance_order(order)
        d["transactTime"] = order["time"]
        for k in ("time", "updateTime", "isWorking", "stopPrice", "icebergQty"):
            d.pop(k, None)
        return self.send_body(200, d)

    # ---- okx ----
    def oerr(self, status, code, msg, headers=None):
        return self.send_body(status, {"msg": msg, "code": code, "data": []}, headers=headers)

    def oitem(self, cid, oid, scode, smsg, extra=None):
        item = {"clOrdId": cid, "ordId": oid, "tag": "", "ts": str(now_ms(self.server.ex)),
                "sCode": scode, "sMsg": smsg}
        item.update(extra or {})
        ok = scode == "0"
        us = str(now_ms(self.server.ex) * 1000)
        return self.send_body(200, {"code": "0" if ok else "1",
                                    "msg": "" if ok else "All operations failed",
                                    "data": [item], "inTime": us, "outTime": us})

    def okx(self, path, rawq, body):
        ex, keys = self.server.ex, self.server.keys
        h = self.headers
        if h.get("OK-ACCESS-KEY") != keys["key"]:
            return self.oerr(401, "50111", "Invalid OK-ACCESS-KEY")
        if h.get("OK-ACCESS-PASSPHRASE") != keys.get("passphrase", ""):
            return self.oerr(401, "50105", "Invalid OK-ACCESS-PASSPHRASE")
        ts = h.get("OK-ACCESS-TIMESTAMP", "")
        try:
            tms = int(datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ")
                      .replace(tzinfo=timezone.utc).timestamp() * 1000)
        except ValueError:
            return self.oerr(401, "50112", "Invalid OK-ACCESS-TIMESTAMP")
        prehash = ts + self.command + path + ("?" + rawq if rawq else "") + body
        want = base64.b64encode(hmac.new(keys["secret"].encode(), prehash.encode(),
                                         hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(h.get("OK-ACCESS-SIGN", ""), want):
            return self.oerr(401, "50113", "Invalid Sign")
        if abs(now_ms(ex) - tms) > 30000:
            return self.oerr(401, "50102", "Timestamp request expired")
        q = dict(parse_qsl(rawq, keep_blank_values=True))
        b = json.loads(body) if body else {}
        m = self.command
        with ex.lock:
            if path == "/api/v5/trade/order" and m == "POST":
                return self.okx_place(b)
            if path == "/api/v5/trade/order" and m == "GET":
                o = ex.orders.get(q.get("clOrdId"))
                if not o or o["symbol"] != q.get("instId"):
                    return self.oerr(200, "51603", "Order does not exist")
                return self.send_body(200, {"code": "0", "msg": "", "data": [okx_order(ex, o)]})
            if path == "/api/v5/trade/cancel-order" and m == "POST":
                o = ex.orders.get(b.get("clOrdId"))
                if not o or o["symbol"] != b.get("instId") or not ex.is_open(o):
                    return self.oitem(b.get("clOrdId", ""), "", "51400",
                                      "Order cancellation failed as the order has been filled, "
                                      "canceled or does not exist")
                ex.finish(o, "canceled")
                ex.persist()
                return self.oitem(o["id"], o["venue_order_id"], "0", "")
            if path == "/api/v5/trade/amend-order" and m == "POST":
                o = ex.orders.get(b.get("clOrdId"))
                if not o or o["symbol"] != b.get("instId") or not ex.is_open(o):
                    return self.oitem(b.get("clOrdId", ""), "", "51503",
                                      "Order modification failed as the order has been filled, "
                                      "canceled or does not exist")
                ex.release(o)
                if b.get("newPx"):
                    o["px"] = plain(Decimal(b["newPx"]))
                if b.get("newSz"):
                    o["qty"] = plain(Decimal(b["newSz"]))
                if Decimal(o["filled"]) >= Decimal(o["qty"]):
                    o["status"] = "filled"
                else:
                    asset, need = ex.reserve_need(o)
                    left = need * (Decimal(o["qty"]) - Decimal(o["filled"])) / Decimal(o["qty"])
                    ex.free[asset] -= left
                    ex.locked[asset] += left
                    o["reserved"] = plain(left)
                o["update"] = now_ms(ex)
                ex.persist()
                return self.oitem(o["id"], o["venue_order_id"], "0", "", {"reqId": ""})
            if path == "/api/v5/trade/orders-pending" and m == "GET":
                rows = [okx_order(ex, o) for o in ex.orders.values() if ex.is_open(o) and
                        (not q.get("instId") or o["symbol"] == q["instId"])]
                rows.reverse()
                return self.send_body(200, {"code": "0", "msg": "", "data": rows})
            if path in ("/api/v5/trade/fills", "/api/v5/trade/fills-history") and m == "GET":
                rows = [tr for tr in ex.trades if (not q.get("instId") or tr["symbol"] == q["instId"])
                        and ("begin" not in q or tr["time"] > int(q["begin"]))
                        and ("after" not in q or int(tr["bill_id"]) < int(q["after"]))]
                rows.reverse()
                rows = rows[: int(q.get("limit", 100))]
                return self.send_body(200, {"code": "0", "msg": "", "data": [{
                    "instType": ex.markets[tr["symbol"]]["inst_type"], "instId": tr["symbol"],
                    "tradeId": tr["trade_id"], "ordId": tr["venue_order_id"], "clOrdId": tr["id"],
                    "billId": tr["bill_id"], "subType": "1", "tag": "", "fillPx": tr["px"],
                    "fillSz": tr["qty"], "fillIdxPx": "", "fillPnl": "0", "side": tr["side"],
                    "posSide": "net", "execType": "M" if tr["liquidity"] == "maker" else "T",
                    "feeCcy": tr["fee_ccy"], "fee": "0", "ts": str(tr["time"]),
                    "fillTime": str(tr["time"])} for tr in rows]})
            if path == "/api/v5/account/balance" and m == "GET":
                det = [{"availBal": plain(ex.free[a]), "availEq": plain(ex.free[a]),
                        "cashBal": plain(ex.free[a] + ex.locked[a]), "ccy": a,
                        "eq": plain(ex.free[a] + ex.locked[a]), "frozenBal": plain(ex.locked[a]),
                        "ordFrozen": plain(ex.locked[a]), "uTime": str(now_ms(ex))}
                       for a in sorted(ex.free)]
                return self.send_body(200, {"code": "0", "msg": "", "data": [{
                    "adjEq": "", "details": det, "imr": "", "isoEq": "0", "mgnRatio": "",
                    "mmr": "", "notionalUsd": "", "ordFroz": "", "totalEq": "0",
                    "uTime": str(now_ms(ex))}]})
        return self.oerr(404, "50014", "Parameter {0} can not be empty")

    def okx_place(self, b):
        ex = self.server.ex
        ex.placements += 1
        cid = b.get("clOrdId", "")
        if ex.fault("http-429"):
            return self.oerr(429, "50011", "Too Many Requests", headers={"Retry-After": 120})
        if cid in ex.orders:
            return self.oitem(cid, "", "51016", "Duplicated clOrdId")
        ot = b.get("ordType")
        kind, tif = {"limit": ("limit", "GTC"), "ioc": ("limit", "IOC"), "fok": ("limit", "FOK"),
                     "market": ("market", "IOC"), "post_only": ("post_only", "GTC")}.get(ot, (None, None))
        if not kind:
            return self.oitem(cid, "", "51000", "Parameter ordType error")
        if b.get("instId") in ex.markets and kind == "market" and b.get("side") == "buy" \
                and not ex.markets[b["instId"]].get("swap") and b.get("tgtCcy") != "base_ccy":
            return self.oitem(cid, "", "51000", "Parameter tgtCcy error (the fake takes base_ccy)")
        o = {"id": cid, "symbol": b.get("instId"), "side": b.get("side"), "type": kind,
             "tif": tif, "qty": b.get("sz", "0"), "px": b.get("px")}
        order, err = ex.place(o)
        if err:
            kind = err[0]
            if kind == "symbol":
                return self.oitem(cid, "", "51001", "Instrument ID does not exist")
            if kind in ("min_qty", "min_notional"):
                return self.oitem(cid, "", "51020", "Your order should meet or exceed the "
                                  "minimum order amount.")
            if kind == "insufficient":
                return self.oitem(cid, "", "51008", "Order failed. Insufficient %s balance in "
                                  "account." % err[1])
            return self.oitem(cid, "", "51000", "Parameter error")
        if ex.fault("timeout-after-accept"):
            return self.hold_and_drop()
        if ex.fault("http-500-after-accept"):
            return self.oerr(500, "50001", "Service temporarily unavailable. Please try again "
                             "later.")
        return self.oitem(cid, order["venue_order_id"], "0", "Order placed")


# Venues beyond binance and okx live in modules of their own, tests/fakeexchange_<venue>.py,
# each defining load_markets(fixtures_dir) -> {venue symbol: {"base", "quote", "min_qty" (Decimal),
# "min_notional" (Decimal), "ct" (Decimal 1)}}, is_private(path) -> bool, handle(handler, ex, method, path, rawq, body) for its
# private API (signature checks, orders, fills, balances, faults through ex.fault(...)), and
# optionally public(handler, ex, method, path, rawq, body) -> bool for public paths it answers
# itself (its server time); other public paths are served from the fixtures by fakevenue.
PLUGINS = {}
for _v in ("coinbase", "kraken", "gateio", "bitfinex", "bitstamp", "gemini"):
    try:
        PLUGINS[_v] = __import__("fakeexchange_" + _v)
    except ImportError:
        pass


def main():
    ap = argparse.ArgumentParser(description="fake private trading API for lyra tests")
    ap.add_argument("--venue", required=True, choices=("binance", "okx") + tuple(sorted(PLUGINS)))
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--keys", required=True)
    ap.add_argument("--state")
    ap.add_argument("--fixtures", default=os.path.join(HERE, "fixtures", "venues"))
    ap.add_argument("--skew-ms", type=int, default=0)
    ap.add_argument("--ref-px", default="43000")
    ap.add_argument("--hold-s", type=float, default=5.0)
    ap.add_argument("--fault", action="append", default=[])
    ap.add_argument("--ws-port-file", help="serve the venue's user stream too (binance, okx)")
    a = ap.parse_args()
    with open(a.keys) as f:
        keys = json.load(f)
    ex = Exchange(a.venue, a.fixtures, a.state, a.ref_px, a.fault)
    ex.skew_ms = a.skew_ms
    for f in a.fault:
        if f.startswith("skew:"):
            ex.skew_ms = int(f.split(":", 1)[1])
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = fakevenue.State(a.fixtures)
    srv.ex = ex
    srv.keys = keys
    srv.hold_s = a.hold_s
    srv.stream = None
    if a.ws_port_file:
        import fakeuserstream
        srv.stream = fakeuserstream.start(ex, keys, a.venue, a.ws_port_file, sys.modules[__name__])
        ex.listeners.append(srv.stream.notify)
    ex.persist()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
