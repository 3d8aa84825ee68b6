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
        for c in list(self.conns):
            if c.subscribed and c.send(msg):
                n += 1
        self.stats["sent"] += n
        if n and tid:
            log("pushed trade %s" % tid)

    def event(self, o, tr):
        if self.venue == "binance":
            return self.binance_event(o, tr)
        if self.venue == "okx":
            return self.okx_event(o, tr)
        return None

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
        key = hdr.get(b"sec-websocket-key", b"")
        acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
        self.request.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\n\r\n")
        conn = Conn(self.request)
        with st.lock:
            st.conns.append(conn)
        state = {}
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
                    else:
                        st.okx_message(conn, text, state)
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
