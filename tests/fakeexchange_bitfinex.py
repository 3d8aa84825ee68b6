"""fakeexchange_bitfinex.py: Bitfinex's authenticated REST API v2 for tests/fakeexchange.py
(--venue bitfinex).

Private paths /v2/auth/... are authenticated as Bitfinex does it: bfx-apikey must be the key
file's key, bfx-signature = hex(HMAC-SHA384(secret, "/api" + path + bfx-nonce + body)), and the
nonce must exceed the last one seen for the key. Refusals are Bitfinex's ["error", CODE, "msg"]
arrays with HTTP 500 (10100 "apikey: digest invalid", 10114 "nonce: small", 10001 order
refusals); rate limiting is ["error", 11010, "ratelimit: error"] with 429. Answers carry their
amounts and prices as JSON numbers, written in plain decimal form.
Orders are keyed by cid (the fake refuses a cid already used; Bitfinex itself only asks for
cids unique per UTC day). Spot only (EXCHANGE types); the exchange wallets hold the account.
Extra fault: nonce-floor:N (the last nonce seen starts at N, so smaller nonces are refused).
Public: /v2/platform/status ([1]); market lists come from the fixtures.
"""
import hashlib
import hmac
import json
import os
from decimal import Decimal

import fakeexchange as fx

ASSET = {"UST": "USDT"}          # Bitfinex currency codes -> the fake's asset names
CCY = {v: k for k, v in ASSET.items()}
TYPES = {"LIMIT": ("limit", "GTC"), "MARKET": ("market", "IOC"), "IOC": ("limit", "IOC"),
         "FOK": ("limit", "FOK"), "STOP": ("stop", "GTC"), "STOP LIMIT": ("stop_limit", "GTC")}
POSTONLY = 4096


def split(pair):
    if ":" in pair:
        b, q = pair.split(":", 1)
    else:
        b, q = pair[:3], pair[3:]
    return ASSET.get(b, b), ASSET.get(q, q)


def load_markets(fixtures):
    m = {}
    with open(os.path.join(fixtures, "bitfinex", "markets.json")) as f:
        for pair, info in json.load(f)[0]:
            base, quote = split(pair)
            m["t" + pair] = {"base": base, "quote": quote,
                             "min_qty": Decimal(str(info[3] or "0")),
                             "min_notional": Decimal(0), "ct": Decimal(1)}
    return m


def is_private(path):
    return path.startswith("/v2/auth/")


def public(h, ex, method, path, rawq, body):
    if path == "/v2/platform/status":
        h.send_body(200, "[1]")
        return True
    return False


def js(v):
    """JSON text with Decimals as plain JSON numbers (as Bitfinex writes its numbers)."""
    if isinstance(v, Decimal):
        return fx.plain(v) if v else "0"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(js(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k) + ":" + js(x) for k, x in v.items()) + "}"
    return json.dumps(v)


def send(h, status, v, headers=None):
    return h.send_body(status, js(v), headers=headers)


def error(h, code, msg, status=500, headers=None):
    return send(h, status, ["error", code, msg], headers)


def signed(o, d):
    return -Decimal(d) if o["side"] == "sell" else Decimal(d)


def status_text(o):
    qty, filled = Decimal(o["qty"]), Decimal(o["filled"])
    avg = Decimal(o["quote"]) / filled if filled else Decimal(0)
    was = "PARTIALLY FILLED @ %s(%s)" % (fx.plain(avg), fx.plain(signed(o, filled))) if filled \
        else ""
    st = o["status"]
    if st == "new":
        return "ACTIVE"
    if st == "partially_filled":
        return was
    if st == "filled":
        return "EXECUTED @ %s(%s)" % (fx.plain(avg), fx.plain(signed(o, qty)))
    if st == "expired":
        return "FILLORKILL CANCELED" if o["tif"] == "FOK" else "IOC CANCELED"
    if o.get("postonly_cancel"):
        return "POSTONLY CANCELED"
    return "CANCELED was: " + was if filled else "CANCELED"


def order_arr(o):
    qty, filled = Decimal(o["qty"]), Decimal(o["filled"])
    avg = Decimal(o["quote"]) / filled if filled else Decimal(0)
    return [int(o["venue_order_id"]), None, int(o["id"]), o["symbol"], o["time"], o["update"],
            signed(o, qty - filled), signed(o, qty), o["bfx_type"], None, None, None,
            o["flags"], status_text(o), None, None, Decimal(o["bfx_price"] or 0), avg,
            Decimal(0), Decimal(o["bfx_aux"] or 0), None, None, None, 0, 0, None, None, None,
            "API>BFX", None, None, {}]


def notification(kind, data, text):
    return [fx.now_ms(STATE["ex"]), kind, None, None, data, None, "SUCCESS", text]


STATE = {"ex": None, "nonce": None}


def date_of(ms):
    return fx.datetime.fromtimestamp(ms / 1000, fx.timezone.utc).strftime("%Y-%m-%d")


def handle(h, ex, method, path, rawq, body):
    keys = h.server.keys
    STATE["ex"] = ex
    if STATE["nonce"] is None:
        STATE["nonce"] = 0
        for f in ex.faults:
            if f.startswith("nonce-floor:"):
                STATE["nonce"] = int(f.split(":", 1)[1])
    if method != "POST":
        return error(h, 10020, "method: invalid")
    if h.headers.get("bfx-apikey") != keys["key"]:
        return error(h, 10100, "apikey: invalid")
    nonce = h.headers.get("bfx-nonce", "")
    want = hmac.new(keys["secret"].encode(), ("/api" + path + nonce + body).encode(),
                    hashlib.sha384).hexdigest()
    if not hmac.compare_digest(h.headers.get("bfx-signature", ""), want):
        return error(h, 10100, "apikey: digest invalid")
    with ex.lock:
        if not nonce.isdigit() or int(nonce) <= STATE["nonce"]:
            return error(h, 10114, "nonce: small")
        STATE["nonce"] = int(nonce)
        try:
            b = json.loads(body, parse_float=Decimal) if body else {}
        except ValueError:
            return error(h, 10020, "body: invalid")
        parts = path[len("/v2/auth/"):].split("/")
        if parts == ["w", "order", "submit"]:
            return submit(h, ex, b)
        if parts == ["w", "order", "cancel"]:
            o = find(ex, b)
            if not o or not ex.is_open(o):
                return error(h, 10001, "Order not found.")
            arr = order_arr(o)
            ex.finish(o, "canceled")
            ex.persist()
            return send(h, 200, notification("oc-req", arr, "Submitted for cancellation; waiting "
                                             "for confirmation (ID: %s)." % o["venue_order_id"]))
        if parts == ["w", "order", "update"]:
            o = find(ex, b)
            if not o or not ex.is_open(o):
                return error(h, 10001, "Order not found.")
            update(ex, o, b)
            return send(h, 200, notification("ou-req", order_arr(o), "Submitting update to %s "
                                             "order." % o["bfx_type"].lower()))
        if parts[:2] == ["r", "orders"]:
            hist = parts[-1] == "hist"
            sym = parts[2] if len(parts) > 2 and parts[2] != "hist" else None
            rows = [o for o in ex.orders.values() if ex.is_open(o) != hist
                    and (not sym or o["symbol"] == sym)]
            if "id" in b:
                ids = b["id"] if isinstance(b["id"], list) else [b["id"]]
                rows = [o for o in rows if int(o["venue_order_id"]) in ids]
            if "cid" in b:
                rows = [o for o in rows if o["id"] == str(b["cid"])
                        and date_of(o["time"]) == b.get("cid_date")]
            rows.reverse()
            return send(h, 200, [order_arr(o) for o in rows[: int(b.get("limit", 2500))]])
        if parts[:2] == ["r", "trades"] and parts[-1] == "hist":
            sym = parts[2] if len(parts) == 4 else None
            rows = [tr for tr in ex.trades if (not sym or tr["symbol"] == sym)
                    and tr["time"] >= int(b.get("start", 0))]
            if int(b.get("sort", -1)) != 1:
                rows.reverse()
            return send(h, 200, [trade_arr(ex, tr) for tr in rows[: int(b.get("limit", 25))]])
        if parts == ["r", "wallets"]:
            return send(h, 200, [["exchange", CCY.get(a, a), ex.free[a] + ex.locked[a],
                                  Decimal(0), ex.free[a], "Exchange", None]
                                 for a in sorted(ex.free)])
    return error(h, 10020, "path: unknown")


def trade_arr(ex, tr):
    o = ex.orders[tr["id"]]
    qty = Decimal(tr["qty"])
    return [int(tr["trade_id"]), tr["symbol"], tr["time"], int(tr["venue_order_id"]),
            -qty if tr["side"] == "sell" else qty, Decimal(tr["px"]), o["bfx_type"],
            Decimal(o["bfx_price"] or 0), 1 if tr["liquidity"] == "maker" else -1, Decimal(0),
            CCY.get(tr["fee_ccy"], tr["fee_ccy"]), int(tr["id"])]


def find(ex, b):
    if "id" in b:
        for o in ex.orders.values():
            if int(o["venue_order_id"]) == int(b["id"]):
                return o
        return None
    o = ex.orders.get(str(b.get("cid")))
    return o if o and date_of(o["time"]) == b.get("cid_date") else None


def update(ex, o, b):
    ex.release(o)
    if "price" in b:
        o["px"] = o["bfx_price"] = fx.plain(Decimal(b["price"]))
    if "price_aux_limit" in b:
        o["px"] = o["bfx_aux"] = fx.plain(Decimal(b["price_aux_limit"]))
    if "delta" in b:
        d = Decimal(b["delta"])
        o["qty"] = fx.plain(Decimal(o["qty"]) + (-d if o["side"] == "sell" else d))
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


def submit(h, ex, b):
    ex.placements += 1
    if ex.fault("http-429"):
        return error(h, 11010, "ratelimit: error", status=429, headers={"Retry-After": 120})
    ty = str(b.get("type", ""))
    if not ty.startswith("EXCHANGE ") or ty[9:] not in TYPES:
        return error(h, 10020, "type: invalid (the fake takes EXCHANGE types only)")
    kind, tif = TYPES[ty[9:]]
    flags = int(b.get("flags", 0))
    if kind == "limit" and flags & POSTONLY:
        kind = "post_only"
    cid = b.get("cid")
    if not isinstance(cid, int) or cid <= 0:
        return error(h, 10020, "cid: invalid")
    if str(cid) in ex.orders:
        return error(h, 10001, "fake: cid already used")
    try:
        amount = Decimal(str(b.get("amount")))
    except ArithmeticError:
        return error(h, 10020, "amount: invalid")
    price = str(b["price"]) if "price" in b else None
    aux = str(b["price_aux_limit"]) if "price_aux_limit" in b else None
    # stop orders rest untriggered: the generic matcher sees both kinds as "stop"
    o = {"id": str(cid), "symbol": b.get("symbol"), "side": "sell" if amount < 0 else "buy",
         "type": "stop" if kind == "stop_limit" else kind, "tif": tif,
         "qty": fx.plain(abs(amount)),
         "px": None if kind in ("market", "stop", "stop_limit") else price,
         "stop": price if kind in ("stop", "stop_limit") else None}
    mk = ex.markets.get(o["symbol"])
    order, e = ex.place(o)
    if e:
        if e[0] == "symbol":
            return error(h, 10020, "symbol: invalid")
        if e[0] in ("min_qty", "min_notional"):
            return error(h, 10001, "Invalid order: minimum size for %s/%s is %s" % (
                mk["base"], mk["quote"], fx.plain(mk["min_qty"])))
        if e[0] == "insufficient":
            return error(h, 10001, "Invalid order: not enough exchange balance for %s %s at %s" % (
                fx.plain(abs(amount)), o["symbol"][1:], price or "market"))
        return error(h, 10001, "Invalid order")
    order.update({"bfx_type": ty, "flags": flags, "bfx_price": price, "bfx_aux": aux,
                  "type": kind})
    if kind == "post_only" and order["status"] == "canceled" and order["filled"] == "0":
        order["postonly_cancel"] = True
    ex.persist()
    if ex.fault("timeout-after-accept"):
        return h.hold_and_drop()
    if ex.fault("http-500-after-accept"):
        return error(h, 10000, "Internal error")
    return send(h, 200, notification("on-req", [order_arr(order)], "Submitting 1 orders."))
