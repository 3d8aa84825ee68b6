"""fakeuserstream.py: the private WebSocket ("user stream") of tests/fakeexchange.py's venue, on a
port of its own on 127.0.0.1, sharing the fake's orders and trades (stdlib only). Started by
fakeexchange.py --ws-port-file F; every order change of the fake (placed, filled, cancelled,
expired) is pushed to the subscribed connections in the venue's own format:

  binance  the WebSocket API (/ws-api/v3): {"id","method":"userDataStream.subscribe.signature",
           "params":{"apiKey","timestamp","signature"[,"recvWindow"]}}; the signature is checked
           like the venue does (hex HMAC-SHA256 of the params sorted by name, k=v&..., the
           timestamp within recvWindow (5000 ms) and at most 1000 ms ahead), answered
           {"id","status":200,"result":{"subscriptionId":0}} or {"id","status":400|401,"error":
           {"code":-1022|-2015|-1021,"msg"}}; events {"subscriptionId":0,"event":{executionReport}}
  okx      /ws/v5/private: {"op":"login","args":[{"apiKey","passphrase","timestamp","sign"}]},
           sign = base64(HMAC-SHA256(secret, timestamp + "GET" + "/users/self/verify")), the
           timestamp (s) within 30 s, answered {"event":"login","code":"0"} or {"event":"error",
           "code":"60009","msg":"Login failed."}; then {"op":"subscribe","args":[{"channel":
           "orders","instType":"ANY"}]}; pushes {"arg":{...},"data":[order with fill fields]};
           the text "ping" is answered "pong"
  gateio   /ws/v4/: {"time":T,"channel":"spot.orders"|"spot.usertrades","event":"subscribe",
           "payload":["!all"],"auth":{"method":"api_key","KEY","SIGN"}}, SIGN = hex HMAC-SHA512
           of "channel=C&event=subscribe&time=T" (T within 60 s), answered {"channel","event":
           "subscribe","error":null,"result":{"status":"success"}} or {"error":{"code":4,
           "message"}}; live once both are subscribed; pushes spot.usertrades (the REST trade
           shape, id a number) then spot.orders (REST order shape without status, "event"
           put/update/finish); spot.ping is answered spot.pong
  kraken   /v2: {"method":"subscribe","params":{"channel":"executions","token":T,...}}, T a
           token GetWebSocketsToken gave out (fakeexchange_kraken.py), answered success
           true/false; pushes {"channel":"executions","type":"update","data":[reports]}: a
           trade report (exec_id = the REST trade txid) then the order's status report
           (cum_qty, avg_price), numbers as JSON numbers; {"method":"ping"} gets a pong
  bitstamp /: {"event":"bts:heartbeat"} answered; {"event":"bts:subscribe","data":{"channel":
           "private-my_orders_PAIR-UID"|"private-my_trades_PAIR-UID","auth":T}}, T a token
           websockets_token/ gave out (fakeexchange_bitstamp.py), UID its user_id, answered
           bts:subscription_succeeded or bts:error (4009); "auth ok" once both channels of a
           pair are subscribed; pushes each trade on my_trades (trade: id = the REST
           user_transactions id) then order_created/order_changed/order_deleted on my_orders,
           each only to the connections subscribed to that channel
  gemini   /v1/order/events: the handshake's X-GEMINI-APIKEY / -PAYLOAD (base64 of {"request":
           "/v1/order/events","nonce":N}, N above every nonce of the key so far, REST's too) /
           -SIGNATURE (hex HMAC-SHA384 of the payload) are checked, a bad one answered HTTP 400;
           then {"type":"subscription_ack"}; pushes arrays of order events (booked, fill with
           its "fill": {trade_id = the REST tid, ...}, cancelled, closed)
  coinbase /: {"type":"subscribe","channels":[{"name":"heartbeat"|"user","product_ids":[..]}]};
           a user subscription carries key, passphrase, timestamp (s, within 30 s) and
           signature = base64(HMAC-SHA256(base64decode(secret), timestamp + "GET" +
           "/users/self/verify")), refused {"type":"error","message":"Authentication Failed",
           "reason":...}; every subscribe answered {"type":"subscriptions","channels":[...]}
           (all so far); "auth ok" per user subscription; pushes received/open, match (trade_id =
           the REST /fills trade_id, our side's *_user_id, user_id, a fee rate but no fee),
           done (filled/canceled), only to connections subscribed to the order's product
  bitfinex /ws/2: says {"event":"info"} first; {"event":"auth","apiKey","authSig","authNonce",
           "authPayload":"AUTH"+nonce,"filter"}, authSig = hex HMAC-SHA384 of authPayload, the
           nonce above the last one, answered {"event":"auth","status":"OK","chanId":0} or
           "FAILED" (10100); pushes [0,"on"|"ou"|"oc",order] and, for a trade, [0,"te",trade]
           then [0,"tu",trade with fee] before the order; {"event":"ping"} gets a pong

Control (through fakeexchange.py's POST /_fake/ws, JSON): {"hold": true} keeps events back
(queued), {"hold": false} sends what was held; {"drop": true} closes every connection (1001);
{"refuse": true|false} answers new connections 503 while true. POST /_fake/ws {} says
{"connections": N, "subscribed": N, "logins": N, "refused_auth": N, "sent": N}. Logged to
stderr: "userstream: VENUE auth ok" (or "... auth refused"), "userstream: subscribed N", and
"userstream: pushed trade ID" for each execution delivered on a subscribed connection.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import socket
import socketserver
import struct
import sys
import threading
import time
from datetime import datetime, timezone
from decimal import Decimal

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def log(msg):
    print("userstream: " + msg, file=sys.stderr, flush=True)


def ws_frame(op, payload):
    n = len(payload)
    if n < 126:
        h = struct.pack("!BB", 0x80 | op, n)
    elif n < 65536:
        h = struct.pack("!BBH", 0x80 | op, 126, n)
    else:
        h = struct.pack("!BBQ", 0x80 | op, 127, n)
    return h + payload


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.lock = threading.Lock()
        self.subscribed = False
        self.channels = None      # per-channel venues (bitstamp): the channels subscribed

    def wants(self, msg):
        if self.channels is None:
            return True
        d = json.loads(msg)
        # coinbase: per product, "user:PRODUCT"
        return d.get("channel", "user:%s" % d.get("product_id")) in self.channels

    def send(self, text, op=1):
        with self.lock:
            try:
                self.sock.sendall(ws_frame(op, text.encode() if isinstance(text, str) else text))
                return True
            except OSError:
                return False


class Stream:
    def __init__(self, ex, keys, venue, fx):
        self.ex, self.keys, self.venue, self.fx = ex, keys, venue, fx
        self.lock = threading.Lock()
        self.conns = []
        self.hold = False
        self.held = []
        self.refuse = False
        self.stats = {"connections": 0, "subscribed": 0, "logins": 0, "refused_auth": 0, "sent": 0}

    # ---- events from the fake exchange (called with ex.lock held) ----
    def notify(self, order, trade=None):
        msg = self.event(order, trade)
        if msg is None:
            return
        tid = trade["trade_id"] if trade else None
        with self.lock:
            if self.hold:
                self.held.append((msg, tid))
                return
            self.push(msg, tid)

    def push(self, msg, tid):
        n = 0
        msgs = msg if isinstance(msg, list) else [msg]
        for c in list(self.conns):
            mine = [m for m in msgs if c.wants(m)]
            if c.subscribed and mine and all(c.send(m) for m in mine):
                n += 1
        self.stats["sent"] += n
        if n and tid:
            log("pushed trade %s" % tid)

    def ok(self, who):
        with self.lock:
            self.stats["logins"] += 1
        log("%s auth ok" % who)

    def refused(self, who, why):
        self.stats["refused_auth"] += 1
        log("%s auth refused: %s" % (who, why))

    def subscribe(self, conn):
        with self.lock:
            conn.subscribed = True
            self.stats["subscribed"] += 1
        log("subscribed %d" % self.stats["subscribed"])

    def event(self, o, tr):
        if self.venue == "binance":
            return self.binance_event(o, tr)
        if self.venue == "okx":
            return self.okx_event(o, tr)
        if self.venue == "gateio":
            return self.gate_event(o, tr)
        if self.venue == "kraken":
            return self.kraken_event(o, tr)
        if self.venue == "bitfinex":
            return self.bitfinex_event(o, tr)
        if self.venue == "bitstamp":
            return self.bitstamp_event(o, tr)
        if self.venue == "gemini":
            return self.gemini_event(o, tr)
        if self.venue == "coinbase":
            return self.coinbase_event(o, tr)
        return None

    # ---- coinbase ----
    CB_USER = "5cf6e115aaf44503db300f1e"
    CB_PROFILE = "8058d771-2d88-4f0f-ab6e-299c153d4308"

    def coinbase_event(self, o, tr):
        c = self.fx.PLUGINS["coinbase"]
        t = c.iso(o["update"])
        self.cb_seq = getattr(self, "cb_seq", 100) + 1
        base = {"time": t, "product_id": o["symbol"], "sequence": self.cb_seq,
                "user_id": self.CB_USER, "profile_id": self.CB_PROFILE}
        out = []
        if o["status"] == "new" and not tr:
            out.append(dict(base, type="received", order_id=o["venue_order_id"],
                            order_type="limit", size=o["qty"], price=o["px"], side=o["side"],
                            client_oid=o["id"]))
            out.append(dict(base, type="open", order_id=o["venue_order_id"], price=o["px"],
                            remaining_size=o["qty"], side=o["side"]))
        if tr:
            maker = tr["liquidity"] == "maker"
            other = "ac928c66-ca53-498f-9c13-a110027a60e8"
            ours, role = o["venue_order_id"], "maker" if maker else "taker"
            side = o["side"] if maker else ("sell" if o["side"] == "buy" else "buy")
            m = dict(base, type="match", trade_id=int(tr["trade_id"]),
                     maker_order_id=ours if maker else other,
                     taker_order_id=other if maker else ours, side=side, size=tr["qty"],
                     price=tr["px"])
            m[role + "_user_id"] = self.CB_USER
            m[role + "_profile_id"] = self.CB_PROFILE
            m[role + "_fee_rate"] = "0.004"
            out.append(m)
        if o["status"] not in ("new", "partially_filled"):
            left = c.plain(Decimal(o["qty"]) - Decimal(o["filled"]))
            out.append(dict(base, type="done", order_id=o["venue_order_id"], price=o["px"],
                            remaining_size=left, side=o["side"],
                            reason="filled" if o["status"] == "filled" else "canceled"))
        return [json.dumps(m) for m in out]

    def coinbase_message(self, conn, text, state):
        req = json.loads(text)
        if req.get("type") != "subscribe":
            conn.send(json.dumps({"type": "error", "message": "Failed to subscribe",
                                  "reason": "type %s unknown" % req.get("type")}))
            return
        subs = state.setdefault("subs", {})
        for ch in req.get("channels") or []:
            name = ch if isinstance(ch, str) else ch.get("name")
            pids = req.get("product_ids") if isinstance(ch, str) else \
                ch.get("product_ids", req.get("product_ids"))
            if not pids:
                conn.send(json.dumps({"type": "error", "message": "Failed to subscribe",
                                      "reason": "%s requires product ids" % name}))
                return
            if name == "user":
                ts = str(req.get("timestamp", ""))
                want = base64.b64encode(hmac.new(
                    base64.b64decode(self.keys["secret"]),
                    (ts + "GET" + "/users/self/verify").encode(), hashlib.sha256).digest()).decode()
                try:
                    fresh = abs(time.time() + self.ex.skew_ms / 1000 - float(ts)) <= 30
                except ValueError:
                    fresh = False
                why = "invalid api key" if req.get("key") != self.keys["key"] else \
                    "invalid signature" if not hmac.compare_digest(
                        str(req.get("signature", "")), want) else \
                    "request timestamp expired" if not fresh else \
                    "invalid passphrase" if req.get("passphrase") != self.keys.get("passphrase") \
                    else None
                if why:
                    self.refused("coinbase", why)
                    conn.send(json.dumps({"type": "error", "message": "Authentication Failed",
                                          "reason": json.dumps({"message": why})}))
                    return
                if conn.channels is None:
                    conn.channels = set()
                conn.channels.update("user:" + p for p in pids)
                conn.subscribed = True
                self.ok("coinbase")
                self.subscribe(conn)
            elif name != "heartbeat":
                conn.send(json.dumps({"type": "error", "message": "Failed to subscribe",
                                      "reason": "%s is not a valid channel" % name}))
                return
            subs.setdefault(name, [])
            subs[name] += [p for p in pids if p not in subs[name]]
        conn.send(json.dumps({"type": "subscriptions", "channels": [
            {"name": n, "product_ids": p} for n, p in subs.items()]}))

    # ---- gemini ----
    def gemini_handshake(self, sock, head, hdr):
        """Check the handshake's X-GEMINI-* headers like the REST API; refuse with HTTP 400."""
        path = head.split(b"\r\n")[0].split(b" ")[1].decode()
        pl = hdr.get(b"x-gemini-payload", b"").decode()
        want = hmac.new(self.keys["secret"].encode(), pl.encode(), hashlib.sha384).hexdigest()
        why = None
        try:
            p = json.loads(base64.b64decode(pl))
        except ValueError:
            p = {}
        with self.ex.lock:
            last = getattr(self.ex, "gemini_nonce", 0) or 0
            nonce = p.get("nonce") if isinstance(p, dict) else None
            if path.split("?")[0] != "/v1/order/events":
                why = "path %s" % path
            elif hdr.get(b"x-gemini-apikey", b"").decode() != self.keys["key"]:
                why = "InvalidApiKey"
            elif not hmac.compare_digest(hdr.get(b"x-gemini-signature", b"").decode(), want):
                why = "InvalidSignature"
            elif p.get("request") != "/v1/order/events":
                why = "EndpointMismatch"
            elif not isinstance(nonce, int) or nonce <= last:
                why = "InvalidNonce"
            else:
                self.ex.gemini_nonce = nonce
        if why:
            self.refused("gemini", why)
            body = json.dumps({"result": "error", "reason": why, "message": why}).encode()
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(body) + body)
            return False
        return True

    def gemini_open(self, conn):
        conn.send(json.dumps({"type": "subscription_ack", "accountId": 5365, "subscriptionId":
                              "ws-order-events-5365-b8bk32", "symbolFilter": [],
                              "apiSessionFilter": [], "eventTypeFilter": []}))
        self.ok("gemini")
        self.subscribe(conn)

    def gemini_event(self, o, tr):
        g = self.fx.PLUGINS["gemini"]
        d = g.gem_order(o)
        d["order_type"] = d.pop("type")
        d.pop("id", None)
        d["api_session"] = "k-test-1"
        d["socket_sequence"] = o["update"]
        if tr:
            d["type"] = "fill"
            d["fill"] = {"trade_id": tr["trade_id"], "liquidity": tr["liquidity"].capitalize(),
                         "price": tr["px"], "amount": tr["qty"], "fee": "0",
                         "fee_currency": self.ex.markets[o["symbol"]]["quote"]}
        else:
            d["type"] = "booked" if o["status"] == "new" else \
                "cancelled" if o["status"] in ("canceled", "expired") else "closed"
        return json.dumps([d])

    # ---- bitstamp ----
    def bitstamp_event(self, o, tr):
        b = self.fx.PLUGINS["bitstamp"]
        pair, uid = o["symbol"], b.USER_ID
        out = []
        if tr:
            out.append(json.dumps({"event": "trade", "channel": "private-my_trades_%s-%d" % (pair, uid),
                                   "data": {"id": int(tr["trade_id"]),
                                            "order_id": int(o["venue_order_id"]),
                                            "client_order_id": o["id"], "amount": tr["qty"],
                                            "price": tr["px"], "fee": "0", "side": o["side"],
                                            "microtimestamp": str(tr["time"] * 1000),
                                            "trade_account_id": 0}}))
        ev = "order_created" if o["status"] == "new" and not tr else \
            "order_changed" if o["status"] in ("new", "partially_filled") else "order_deleted"
        left = b.plain(Decimal(o["qty"]) - Decimal(o["filled"]))
        out.append(json.dumps({"event": ev, "channel": "private-my_orders_%s-%d" % (pair, uid),
                               "data": {"id": int(o["venue_order_id"]), "id_str": o["venue_order_id"],
                                        "client_order_id": o["id"], "amount": left,
                                        "amount_str": left, "price": o["px"] or "0",
                                        "price_str": o["px"] or "0",
                                        "order_type": 0 if o["side"] == "buy" else 1,
                                        "datetime": str(o["update"] // 1000),
                                        "microtimestamp": str(o["update"] * 1000)}}))
        return out

    def bitstamp_message(self, conn, text, state):
        req = json.loads(text)
        ev, d = req.get("event"), req.get("data") or {}
        if ev == "bts:heartbeat":
            conn.send(json.dumps({"event": "bts:heartbeat", "channel": "",
                                  "data": {"status": "success"}}))
            return
        if ev != "bts:subscribe":
            conn.send(json.dumps({"event": "bts:error", "channel": "", "data": {
                "code": None, "message": "Incorrect JSON format."}}))
            return
        ch = str(d.get("channel", ""))
        m = re.match(r"^private-my_(orders|trades)_([a-z0-9]+)-(\d+)$", ch)
        b = self.fx.PLUGINS["bitstamp"]
        if not (m and int(m.group(3)) == b.USER_ID and m.group(2) in self.ex.markets and
                d.get("auth") in getattr(self.ex, "ws_tokens", set())):
            self.refused("bitstamp", ch)
            conn.send(json.dumps({"event": "bts:error", "channel": ch, "data": {
                "code": 4009, "message": "Authentication failed."}}))
            return
        if conn.channels is None:
            conn.channels = set()
        conn.channels.add(ch)
        conn.subscribed = True
        conn.send(json.dumps({"event": "bts:subscription_succeeded", "channel": ch, "data": {}}))
        other = "private-my_%s_%s-%s" % ("trades" if m.group(1) == "orders" else "orders",
                                          m.group(2), m.group(3))
        if other in conn.channels:
            self.ok("bitstamp")
            self.subscribe(conn)

    # ---- gateio ----
    def gate_event(self, o, tr):
        g = self.fx.PLUGINS["gateio"]
        now = self.fx.now_ms(self.ex)
        out = []
        if tr:
            t = g.trade_json(tr)
            t["id"] = int(t["id"])
            t.pop("sequence_id", None)
            t["user_id"] = 1000001
            out.append(json.dumps({"time": now // 1000, "time_ms": now, "channel": "spot.usertrades",
                                   "event": "update", "result": [t]}))
        d = g.order_json(self.ex, o)
        d.pop("status")
        d["user"] = 1000001
        d["event"] = "put" if o["status"] == "new" and not tr else \
            "update" if o["status"] in ("new", "partially_filled") else "finish"
        out.append(json.dumps({"time": now // 1000, "time_ms": now, "channel": "spot.orders",
                               "event": "update", "result": [d]}))
        return out

    def gate_message(self, conn, text, state):
        req = json.loads(text)
        ch, now = req.get("channel"), int(time.time() + self.ex.skew_ms / 1000)
        if ch == "spot.ping":
            conn.send(json.dumps({"time": now, "time_ms": now * 1000, "channel": "spot.pong",
                                  "event": "", "result": None}))
            return
        a = req.get("auth") or {}
        ts = req.get("time")
        msg = "channel=%s&event=%s&time=%s" % (ch, req.get("event"), ts)
        want = hmac.new(self.keys["secret"].encode(), msg.encode(), hashlib.sha512).hexdigest()
        ok = (ch in ("spot.orders", "spot.usertrades") and req.get("event") == "subscribe" and
              a.get("method") == "api_key" and a.get("KEY") == self.keys["key"] and
              hmac.compare_digest(str(a.get("SIGN", "")), want) and isinstance(ts, int) and
              abs(now - ts) <= 60)
        base = {"time": now, "time_ms": now * 1000, "channel": ch, "event": "subscribe",
                "payload": req.get("payload")}
        if not ok:
            self.refused("gateio", ch)
            conn.send(json.dumps(dict(base, error={"code": 4, "message": "Signature mismatch"},
                                      result=None)))
            return
        state.setdefault("chans", set()).add(ch)
        conn.send(json.dumps(dict(base, error=None, result={"status": "success"})))
        if state["chans"] == {"spot.orders", "spot.usertrades"}:
            self.ok("gateio")
            self.subscribe(conn)

    # ---- kraken ----
    def kraken_event(self, o, tr):
        k = self.fx.PLUGINS["kraken"]
        mk = self.ex.markets[o["symbol"]]
        sym = "%s/%s" % (mk["base"], mk["quote"])
        iso = datetime.fromtimestamp(o["update"] / 1000, timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ")
        filled = Decimal(o["filled"])
        st = {"new": "new", "partially_filled": "partially_filled", "filled": "filled",
              "canceled": "canceled", "expired": "expired"}[o["status"]]
        num = lambda d: format(Decimal(d).normalize(), "f")   # noqa: E731 (a JSON number)
        head = '"order_id":"%s","order_userref":0,"cl_ord_id":"%s"' % (k.txid(o), o["id"])
        reps = []
        if tr:
            reps.append('{%s,"exec_id":"T%s-FAKE-KRKN","exec_type":"trade","trade_id":%s,'
                        '"symbol":"%s","side":"%s","last_qty":%s,"last_price":%s,'
                        '"liquidity_ind":"%s","cost":%s,"order_status":"%s","order_type":"limit",'
                        '"timestamp":"%s","fee_usd_equiv":0,"fees":[{"asset":"%s","qty":0}]}'
                        % (head, tr["trade_id"], tr["trade_id"], sym, o["side"], num(tr["qty"]),
                           num(tr["px"]), "m" if tr["liquidity"] == "maker" else "t",
                           num(Decimal(tr["qty"]) * Decimal(tr["px"])), st, iso, mk["quote"]))
        et = "trade" if tr and st == "partially_filled" else st
        avg = num(Decimal(o["quote"]) / filled) if filled else "0"
        reps.append('{%s,"exec_id":"E%s-%d","exec_type":"%s","order_status":"%s","symbol":"%s",'
                    '"side":"%s","order_type":"limit","order_qty":%s,"limit_price":%s,'
                    '"cum_qty":%s,"cum_cost":%s,"avg_price":%s,"timestamp":"%s"}'
                    % (head, o["venue_order_id"], o["update"],
                       "status" if et == "trade" else et, st, sym, o["side"], num(o["qty"]),
                       num(o["px"] or 0), num(filled), num(o["quote"]), avg, iso))
        return '{"channel":"executions","type":"update","data":[%s],"sequence":%d}' % (
            ",".join(reps), o["update"])

    def kraken_message(self, conn, text, state):
        req = json.loads(text)
        t = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if req.get("method") == "ping":
            conn.send(json.dumps({"method": "pong", "time_in": t, "time_out": t}))
            return
        p = req.get("params") or {}
        if req.get("method") != "subscribe" or p.get("channel") != "executions":
            return
        if p.get("token") not in getattr(self.ex, "ws_tokens", set()):
            self.refused("kraken", "token")
            conn.send(json.dumps({"error": "ESession:Invalid session", "method": "subscribe",
                                  "success": False, "time_in": t, "time_out": t}))
            return
        self.ok("kraken")
        conn.send(json.dumps({"method": "subscribe", "result": {
            "channel": "executions", "maxratecount": 125, "snap_orders": p.get("snap_orders", True),
            "snap_trades": p.get("snap_trades", False)}, "success": True, "time_in": t,
            "time_out": t}))
        self.subscribe(conn)

    # ---- bitfinex ----
    def bitfinex_event(self, o, tr):
        b = self.fx.PLUGINS["bitfinex"]
        out = []
        # during placement the plugin has not yet added its fields
        o = dict({"bfx_type": "EXCHANGE LIMIT", "flags": 0, "bfx_price": o["px"],
                  "bfx_aux": None}, **o)
        self.ex.orders[o["id"]].setdefault("bfx_type", o["bfx_type"])
        self.ex.orders[o["id"]].setdefault("bfx_price", o["bfx_price"])
        if tr:
            arr = b.trade_arr(self.ex, tr)
            out.append(b.js([0, "te", arr[:9]]))
            out.append(b.js([0, "tu", arr]))
        kind = "on" if o["status"] == "new" and not tr else \
            "ou" if o["status"] in ("new", "partially_filled") else "oc"
        out.append(b.js([0, kind, b.order_arr(o)]))
        return out

    def bitfinex_message(self, conn, text, state):
        req = json.loads(text)
        if req.get("event") == "ping":
            conn.send(json.dumps({"event": "pong", "ts": self.fx.now_ms(self.ex),
                                  "cid": req.get("cid")}))
            return
        if req.get("event") != "auth":
            return
        nonce = str(req.get("authNonce", ""))
        payload = req.get("authPayload", "")
        want = hmac.new(self.keys["secret"].encode(), str(payload).encode(),
                        hashlib.sha384).hexdigest()
        last = getattr(self, "bfx_nonce", 0)
        ok = (req.get("apiKey") == self.keys["key"] and payload == "AUTH" + nonce and
              hmac.compare_digest(str(req.get("authSig", "")), want) and nonce.isdigit() and
              int(nonce) > last)
        if not ok:
            self.refused("bitfinex", "digest")
            conn.send(json.dumps({"event": "auth", "status": "FAILED", "chanId": 0,
                                  "msg": "apikey: digest invalid", "code": 10100}))
            return
        self.bfx_nonce = int(nonce)
        self.ok("bitfinex")
        conn.send(json.dumps({"event": "auth", "status": "OK", "chanId": 0, "userId": 1234567,
                              "auth_id": "a26236f1-ef44-4671-be32-197ce190348f",
                              "caps": {"orders": {"read": 1, "write": 1}}}))
        self.subscribe(conn)

    def binance_event(self, o, tr):
        fx = self.fx
        status = fx.BINANCE_STATUS[o["status"]]
        x = "TRADE" if tr else {"new": "NEW", "canceled": "CANCELED",
                                "expired": "EXPIRED"}.get(o["status"], "NEW")
        t = fx.now_ms(self.ex)
        e = {"e": "executionReport", "E": t, "s": o["symbol"], "c": o["id"],
             "S": o["side"].upper(), "o": fx.BINANCE_TYPE[o["type"]],
             "f": o["tif"] if o["type"] != "market" else "GTC", "q": fx.b8(o["qty"]),
             "p": fx.b8(o["px"] or 0), "P": fx.b8(o["stop_px"] or 0), "F": "0.00000000",
             "g": -1, "C": "", "x": x, "X": status, "r": "NONE",
             "i": int(o["venue_order_id"]), "l": fx.b8(tr["qty"] if tr else 0),
             "z": fx.b8(o["filled"]), "L": fx.b8(tr["px"] if tr else 0),
             "n": fx.b8(tr["fee"]) if tr else "0", "N": tr["fee_ccy"] if tr else None,
             "T": tr["time"] if tr else o["update"], "t": int(tr["trade_id"]) if tr else -1,
             "v": 3, "I": 8641984, "w": o["status"] == "new", "m": bool(tr and tr["liquidity"] == "maker"),
             "M": False, "O": o["time"], "Z": fx.b8(o["quote"]),
             "Y": fx.b8(Decimal(tr["px"]) * Decimal(tr["qty"])) if tr else "0.00000000",
             "Q": "0.00000000", "W": o["time"], "V": "EXPIRE_MAKER"}
        if x == "CANCELED":
            # a cancel carries the cancel request's id in c and the order's own in C
            e["C"], e["c"] = o["id"], "cancel" + o["venue_order_id"]
        return json.dumps({"subscriptionId": 0, "event": e})

    def okx_event(self, o, tr):
        fx = self.fx
        d = fx.okx_order(self.ex, o)
        d.update({"fillPx": tr["px"] if tr else "", "fillSz": tr["qty"] if tr else "0",
                  "tradeId": tr["trade_id"] if tr else "", "fillTime": str(tr["time"]) if tr else "",
                  "fillFee": "0" if tr else "0", "fillFeeCcy": tr["fee_ccy"] if tr else "",
                  "execType": ("M" if tr["liquidity"] == "maker" else "T") if tr else "",
                  "fillNotionalUsd": "", "amendResult": "", "code": "0", "msg": "",
                  "reqId": "", "lastPx": tr["px"] if tr else ""})
        return json.dumps({"arg": {"channel": "orders", "instType": "ANY",
                                   "uid": "77982378738415879"}, "data": [d]})

    # ---- control ----
    def control(self, req):
        with self.lock:
            if "refuse" in req:
                self.refuse = bool(req["refuse"])
            if req.get("drop"):
                for c in list(self.conns):
                    c.send(struct.pack("!H", 1001), op=8)
                    try:
                        c.sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                self.conns = []
            if "hold" in req:
                self.hold = bool(req["hold"])
                if not self.hold:
                    held, self.held = self.held, []
                    for m, tid in held:
                        self.push(m, tid)
            return dict(self.stats, connections_open=len(self.conns))

    # ---- authentication ----
    def binance_subscribe(self, conn, req):
        p = req.get("params") or {}
        rid = req.get("id")

        def err(status, code, msg):
            self.stats["refused_auth"] += 1
            log("binance auth refused: %s" % msg)
            conn.send(json.dumps({"id": rid, "status": status, "error": {"code": code, "msg": msg}}))

        if p.get("apiKey") != self.keys["key"]:
            return err(401, -2015, "Invalid API-key, IP, or permissions for action.")
        payload = "&".join("%s=%s" % (k, p[k]) for k in sorted(p) if k != "signature")
        want = hmac.new(self.keys["secret"].encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(str(p.get("signature", "")).lower(), want):
            return err(400, -1022, "Signature for this request is not valid.")
        fx = self.fx
        server, ts = fx.now_ms(self.ex), int(p.get("timestamp", 0))
        if ts > server + 1000 or server - ts > int(p.get("recvWindow", 5000)):
            return err(400, -1021, "Timestamp for this request is outside of the recvWindow.")
        with self.lock:
            self.stats["logins"] += 1
            self.stats["subscribed"] += 1
            conn.subscribed = True
        log("binance auth ok")
        log("subscribed %d" % self.stats["subscribed"])
        conn.send(json.dumps({"id": rid, "status": 200, "result": {"subscriptionId": 0},
                              "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT",
                                              "interval": "MINUTE", "intervalNum": 1,
                                              "limit": 6000, "count": 2}]}))

    def okx_message(self, conn, text, state):
        if text == "ping":
            conn.send("pong")
            return
        req = json.loads(text)
        op = req.get("op")
        if op == "login":
            a = (req.get("args") or [{}])[0]
            ts = a.get("timestamp", "")
            want = base64.b64encode(hmac.new(self.keys["secret"].encode(),
                                             (ts + "GET" + "/users/self/verify").encode(),
                                             hashlib.sha256).digest()).decode()
            ok = (a.get("apiKey") == self.keys["key"] and
                  a.get("passphrase") == self.keys.get("passphrase", "") and
                  hmac.compare_digest(a.get("sign", ""), want) and ts.isdigit() and
                  abs(time.time() + self.ex.skew_ms / 1000 - int(ts)) <= 30)
            if not ok:
                self.stats["refused_auth"] += 1
                log("okx auth refused")
                conn.send(json.dumps({"event": "error", "code": "60009", "msg": "Login failed.",
                                      "connId": "a4d3ae55"}))
                return
            state["login"] = True
            self.stats["logins"] += 1
            log("okx auth ok")
            conn.send(json.dumps({"event": "login", "code": "0", "msg": "", "connId": "a4d3ae55"}))
        elif op == "subscribe":
            arg = (req.get("args") or [{}])[0]
            if not state.get("login"):
                conn.send(json.dumps({"event": "error", "code": "60011",
                                      "msg": "Please log in", "connId": "a4d3ae55"}))
                return
            if arg.get("channel") != "orders":
                conn.send(json.dumps({"event": "error", "code": "60018",
                                      "msg": "Wrong URL or channel:%s doesn't exist." % arg.get("channel"),
                                      "connId": "a4d3ae55"}))
                return
            with self.lock:
                conn.subscribed = True
                self.stats["subscribed"] += 1
            log("subscribed %d" % self.stats["subscribed"])
            conn.send(json.dumps({"event": "subscribe", "arg": arg, "connId": "a4d3ae55"}))


class Handler(socketserver.BaseRequestHandler):
    def recvn(self, n):
        buf = b""
        while len(buf) < n:
            c = self.request.recv(n - len(buf))
            if not c:
                raise EOFError
            buf += c
        return buf

    def read_frame(self):
        b0, b1 = self.recvn(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.recvn(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.recvn(8))[0]
        if not b1 & 0x80:
            raise EOFError   # an unmasked client frame
        k = self.recvn(4)
        return b0 & 0x0F, bytes(c ^ k[i % 4] for i, c in enumerate(self.recvn(n)))

    def handle(self):
        st = self.server.stream
        head = b""
        while b"\r\n\r\n" not in head:
            c = self.request.recv(4096)
            if not c:
                return
            head += c
        hdr = {}
        for line in head.split(b"\r\n")[1:]:
            if b":" in line:
                k, v = line.split(b":", 1)
                hdr[k.strip().lower()] = v.strip()
        st.stats["connections"] += 1
        if st.refuse:
            self.request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
            return
        if st.venue == "gemini" and not st.gemini_handshake(self.request, head, hdr):
            return
        key = hdr.get(b"sec-websocket-key", b"")
        acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
        self.request.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\n\r\n")
        conn = Conn(self.request)
        with st.lock:
            st.conns.append(conn)
        state = {}
        if st.venue == "gemini":
            st.gemini_open(conn)
        if st.venue == "bitfinex":
            conn.send(json.dumps({"event": "info", "version": 2, "serverId": "fake-bfx",
                                  "platform": {"status": 1}}))
        try:
            while True:
                op, p = self.read_frame()
                if op == 8:
                    conn.send(p[:2], op=8)
                    return
                if op == 9:
                    conn.send(p, op=10)
                    continue
                if op != 1:
                    continue
                text = p.decode()
                with st.ex.lock:
                    if st.venue == "binance":
                        req = json.loads(text)
                        if req.get("method") == "userDataStream.subscribe.signature":
                            st.binance_subscribe(conn, req)
                        else:
                            conn.send(json.dumps({"id": req.get("id"), "status": 400, "error": {
                                "code": -1100, "msg": "Unknown method."}}))
                    elif st.venue == "okx":
                        st.okx_message(conn, text, state)
                    else:
                        getattr(st, {"gateio": "gate"}.get(st.venue, st.venue) + "_message")(
                            conn, text, state)
        except (EOFError, ConnectionError, OSError, ValueError):
            return
        finally:
            with st.lock:
                if conn in st.conns:
                    st.conns.remove(conn)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def start(ex, keys, venue, port_file, fx):
    """Serve the user stream of ex's venue on 127.0.0.1; the port goes to port_file. fx: the
    fakeexchange module (the venues' order shapes, the clock)."""
    stream = Stream(ex, keys, venue, fx)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.stream = stream
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(port_file + ".tmp", port_file)
    return stream
