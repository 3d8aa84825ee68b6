#!/usr/bin/env python3
"""wsfake.py: a WebSocket server (RFC 6455, python3 standard library only) on 127.0.0.1 for
testing lib/ws.c. Behaviour by path:
  /echo       echo every text message; "frag:TEXT" comes back in 3 fragments with a ping
              between them; "slow:TEXT" in 2 fragments trickled 4 bytes every 50 ms; "close:CODE" makes the server close with CODE; "ping" sends a ping
              "hi" and then the text "pong ok" or "pong bad" depending on the client's pong
  /big        sends one 70000-byte text message (64-bit length), then closes 1000
  /masked     sends a masked frame (forbidden from a server)
  /badaccept  answers 101 with a wrong Sec-WebSocket-Accept
  /notws      answers 404
  /replay/VENUE?opts  a venue: after the client's first text message (its subscription),
              replays the messages the venue sent in its capture (--capture-dir, files named as
              in CAPTURES), then stays silent (a stalled stream). opts: drop=N skips the Nth
              market-data line; corrupt=N changes the Nth checksum (kraken "c", okx
              "checksum"); close=N closes with 1001 after N lines; refuse=1 answers 503 to
              the first connection. drop, corrupt and close act on the first connection served.
              Each venue's own subscription protocol: binance (SUBSCRIBE on the combined
              stream: {"result":null,"id":N}), gateio ({"event":"subscribe"} per channel:
              {"event":"subscribe","result":{"status":"success"}}) and bitstamp
              (bts:subscribe: bts:subscription_succeeded) get their acks and only the streams
              subscribed (the subscribe frames sent within 0.3 s of the first); after the
              replay, an unsubscribe then subscribe of one symbol's book (kraken, okx,
              coinbase, gemini) is acknowledged as the venue does and answered with that
              symbol's snapshot from the capture, as the venue sends a new subscription's book
  /synth/coinbase?n=N&every=M  a long synthetic Coinbase level2 stream: after the client's
              subscription, a BTC-USD snapshot (100 levels a side) and then l2update messages
              cycling through 1,000 changes to the 100 bid levels, N updates in all over the
              connections, each connection closed (1001) after M of them; then silence
It checks that every client frame is masked and logs "client close CODE" when the client
closes."""
import argparse, base64, hashlib, json, os, re, socket, socketserver, struct, sys, threading, time
from urllib.parse import urlsplit, parse_qs

CAPTURES = {"kraken": "KRAKEN.ws.50.0", "okx": "OKX.ws.1.0", "coinbase": "COINBASE.ws.28.0.head1200",
            "gemini": "GEMINI.ws.1.0", "bitfinex": "BITFINEX.ws.11.0", "binance": "BINANCE.ws.1.0",
            "gateio": "GATEIO.ws.1.0", "bitstamp": "BITSTAMP.ws.1.0"}
FILTERED = ("binance", "gateio", "bitstamp")
SEEN = {}
LOCK = threading.Lock()


def sub_keys(venue, msg):
    """The (channel, symbol) streams a subscribe message asks for, and its acks."""
    keys, acks = set(), []
    if venue == "binance" and msg.get("method") == "SUBSCRIBE":
        keys = {("stream", p) for p in msg.get("params", [])}
        acks = [{"result": None, "id": msg.get("id")}]
    elif venue == "gateio" and msg.get("event") == "subscribe":
        ch, pl = msg.get("channel"), msg.get("payload", [])
        pairs = pl[:1] if ch == "spot.order_book_update" else pl
        keys = {(ch, p) for p in pairs}
        acks = [{"time": int(time.time()), "channel": ch, "event": "subscribe",
                 "result": {"status": "success"}}]
    elif venue == "bitstamp" and msg.get("event") == "bts:subscribe":
        ch = msg.get("data", {}).get("channel", "")
        keys = {("channel", ch)}
        acks = [{"event": "bts:subscription_succeeded", "channel": ch, "data": {}}]
    return keys, acks


def msg_key(venue, msg):
    if venue == "binance":
        return ("stream", msg.get("stream"))
    if venue == "gateio":
        r = msg.get("result") or {}
        return (msg.get("channel"), r.get("s") or r.get("currency_pair"))
    return ("channel", msg.get("channel"))


def wanted(venue, keys, line):
    if venue not in FILTERED:
        return True
    try:
        msg = json.loads(line)
    except ValueError:
        return True
    return not isinstance(msg, dict) or msg_key(venue, msg) in keys


def resubscribe(venue, msg, unsubbed):
    """A later (un)subscribe of one symbol's book: (acks, snapshot lines)."""
    if venue == "kraken" and msg.get("event") in ("subscribe", "unsubscribe"):
        st = "subscribed" if msg["event"] == "subscribe" else "unsubscribed"
        out, snaps = [], []
        for p in msg.get("pair", []):
            out.append({"event": "subscriptionStatus", "pair": p, "status": st,
                        "subscription": msg.get("subscription", {})})
            if st == "unsubscribed":
                unsubbed.add(p)
            elif p in unsubbed:
                unsubbed.discard(p)
                snaps += first_line(venue, lambda l: '"as":' in l and l.endswith('","%s"]' % p))
        return out, snaps
    if venue == "okx" and msg.get("op") in ("subscribe", "unsubscribe"):
        out, snaps = [], []
        for a in msg.get("args", []):
            out.append({"event": msg["op"], "arg": a})
            i = a.get("instId")
            if msg["op"] == "unsubscribe":
                unsubbed.add(i)
            elif i in unsubbed:
                unsubbed.discard(i)
                snaps += first_line(venue, lambda l: '"action":"snapshot"' in l and '"instId":"%s"' % i in l)
        return out, snaps
    if venue == "coinbase" and msg.get("type") in ("subscribe", "unsubscribe"):
        snaps = []
        for i in msg.get("product_ids", []):
            if msg["type"] == "unsubscribe":
                unsubbed.add(i)
            elif i in unsubbed:
                unsubbed.discard(i)
                snaps += first_line(venue, lambda l: '"type":"snapshot"' in l and '"product_id":"%s"' % i in l)
        return [{"type": "subscriptions", "channels": [{"name": "level2", "product_ids": msg.get("product_ids", [])}]}], snaps
    if venue == "gemini" and msg.get("type") in ("subscribe", "unsubscribe"):
        snaps = []
        for sub in msg.get("subscriptions", []):
            for i in sub.get("symbols", []):
                if msg["type"] == "unsubscribe":
                    unsubbed.add(i)
                elif i in unsubbed:
                    unsubbed.discard(i)
                    snaps += first_line(venue, lambda l: '"symbol":"%s"' % i in l and '"trades"' in l)
        return [], snaps
    return [], []


def first_line(venue, pred):
    with open(os.path.join(ARGS.capture_dir, CAPTURES[venue])) as f:
        for line in f:
            m = re.match(r"^[0-9.]+: (.*)$", line.rstrip("\n"))
            if m and pred(m.group(1)):
                return [m.group(1)]
    return []


def capture_lines(venue, opts, faults, keys=frozenset()):
    out, n, c = [], 0, 0
    with open(os.path.join(ARGS.capture_dir, CAPTURES[venue])) as f:
        for line in f:
            m = re.match(r"^[0-9.]+: (.*)$", line.rstrip("\n"))
            if not m:
                continue
            msg = m.group(1)
            if not wanted(venue, keys, msg):
                continue
            n += 1
            if faults and opts.get("drop") == n:
                continue
            if re.search(r'"c":"[0-9]+"|"checksum":-?[0-9]+', msg):
                c += 1
                if faults and opts.get("corrupt") == c:
                    msg = re.sub(r'"c":"[0-9]+"', '"c":"12345"', msg)
                    msg = re.sub(r'"checksum":-?[0-9]+', '"checksum":7', msg)
            out.append(msg)
    return out

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(op, payload, fin=True, mask=False):
    b0 = (0x80 if fin else 0) | op
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        h = struct.pack("!BB", b0, m | n)
    elif n < 65536:
        h = struct.pack("!BBH", b0, m | 126, n)
    else:
        h = struct.pack("!BBQ", b0, m | 127, n)
    if mask:
        k = os.urandom(4)
        payload = bytes(c ^ k[i % 4] for i, c in enumerate(payload))
        h += k
    return h + payload


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
            log("unmasked client frame")
            raise EOFError
        k = self.recvn(4)
        p = bytes(c ^ k[i % 4] for i, c in enumerate(self.recvn(n)))
        return b0 & 0x0F, p

    def handle(self):
        head = b""
        while b"\r\n\r\n" not in head:
            c = self.request.recv(4096)
            if not c:
                return
            head += c
        lines = head.split(b"\r\n")
        path = lines[0].split()[1].decode()
        hdr = {}
        for l in lines[1:]:
            if b":" in l:
                k, v = l.split(b":", 1)
                hdr[k.strip().lower()] = v.strip()
        u = urlsplit(path)
        path = u.path
        opts = {k: int(v[0]) for k, v in parse_qs(u.query).items()}
        with LOCK:
            nth = SEEN.get(u.path + "?" + u.query, 0) + 1
            SEEN[u.path + "?" + u.query] = nth
        if path.startswith("/replay/") and opts.get("refuse") and nth == 1:
            log("refused %s" % path)
            self.request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
            return
        if path == "/notws":
            self.request.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return
        key = hdr.get(b"sec-websocket-key", b"")
        if hdr.get(b"sec-websocket-version") != b"13" or len(base64.b64decode(key)) != 16:
            self.request.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
        if path == "/badaccept":
            acc = base64.b64encode(hashlib.sha1(b"x" + GUID).digest())
        self.request.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\n\r\n")
        try:
            if path.startswith("/replay/"):
                venue = path.split("/")[2]
                op, p = self.read_frame()
                while op != 1:
                    op, p = self.read_frame()
                log("connection %d subscribe %s" % (nth, p.decode()))
                subs = [p]
                if venue in FILTERED:   # the rest of the subscribe burst
                    self.request.settimeout(0.3)
                    try:
                        while True:
                            op, p = self.read_frame()
                            if op == 1:
                                subs.append(p)
                                log("connection %d subscribe %s" % (nth, p.decode()))
                    except socket.timeout:
                        pass
                    self.request.settimeout(None)
                keys = set()
                for p in subs:
                    try:
                        k, acks = sub_keys(venue, json.loads(p))
                    except ValueError:
                        continue
                    keys |= k
                    for a in acks:
                        self.request.sendall(frame(1, json.dumps(a).encode()))
                first = nth == (2 if opts.get("refuse") else 1)
                for i, msg in enumerate(capture_lines(venue, opts, first, keys)):
                    if first and opts.get("close") == i:
                        self.request.sendall(frame(8, struct.pack("!H", 1001)))
                        break
                    self.request.sendall(frame(1, msg.encode()))
                unsubbed = set()
                while True:
                    op, p = self.read_frame()
                    if op == 8:
                        log("client close %d" % (struct.unpack("!H", p[:2])[0] if len(p) >= 2 else 1005))
                        return
                    if op != 1:
                        continue
                    log("connection %d sent %s" % (nth, p.decode()))
                    try:
                        acks, snaps = resubscribe(venue, json.loads(p), unsubbed)
                    except ValueError:
                        continue
                    for a in acks:
                        self.request.sendall(frame(1, json.dumps(a).encode()))
                    for l in snaps:
                        self.request.sendall(frame(1, l.encode()))
            if path.startswith("/synth/coinbase"):
                self.synth(nth, opts)
                return
            if path == "/masked":
                self.request.sendall(frame(1, b"masked", mask=True))
                self.read_frame()
                return
            if path == "/big":
                self.request.sendall(frame(1, b"x" * 70000))
                self.request.sendall(frame(8, struct.pack("!H", 1000)))
                op, p = self.read_frame()
                log("client close %d" % struct.unpack("!H", p[:2])[0])
                return
            while True:
                op, p = self.read_frame()
                if op == 8:
                    code = struct.unpack("!H", p[:2])[0] if len(p) >= 2 else 1005
                    log("client close %d" % code)
                    self.request.sendall(frame(8, p[:2]))
                    return
                if op != 1:
                    continue
                t = p.decode()
                if t.startswith("frag:"):
                    b = t[5:].encode()
                    a, c = len(b) // 3, 2 * len(b) // 3
                    self.request.sendall(frame(1, b[:a], fin=False) + frame(9, b"mid") +
                                         frame(0, b[a:c], fin=False) + frame(0, b[c:]))
                elif t.startswith("close:"):
                    self.request.sendall(frame(8, struct.pack("!H", int(t[6:])) + b"bye"))
                    op, p = self.read_frame()
                    log("client close %d" % struct.unpack("!H", p[:2])[0])
                    return
                elif t.startswith("slow:"):
                    b = t[5:].encode()
                    data = frame(1, b[:3], fin=False) + frame(0, b[3:])
                    for i in range(0, len(data), 4):
                        self.request.sendall(data[i:i + 4])
                        time.sleep(0.05)
                elif t == "ping":
                    self.request.sendall(frame(9, b"hi"))
                    op, p = self.read_frame()
                    while op == 10 and p == b"mid":
                        op, p = self.read_frame()
                    self.request.sendall(frame(1, b"pong ok" if op == 10 and p == b"hi" else b"pong bad"))
                else:
                    self.request.sendall(frame(1, p))
        except (EOFError, ConnectionError):
            return


def log(msg):
    print(msg, file=sys.stderr, flush=True)


SYNTH = {}


def synth_frames():
    snap = {"type": "snapshot", "product_id": "BTC-USD",
            "bids": [["%d.00" % (1000 - i), "1"] for i in range(1, 101)],
            "asks": [["%d.00" % (1000 + i), "1"] for i in range(0, 100)]}
    ups = []
    for k in range(1000):
        px = "%d.00" % (1000 - 1 - k % 100)
        qty = "0" if k % 7 == 3 else "%d.%03d" % (1 + k % 5, k)
        ups.append(frame(1, json.dumps({"type": "l2update", "product_id": "BTC-USD",
                                        "changes": [["buy", px, qty]],
                                        "time": "2026-01-01T00:00:00.000000Z"},
                                       separators=(",", ":")).encode()))
    return frame(1, json.dumps(snap).encode()), ups


Handler.synth_frames = None


def _synth(self, nth, opts):
    if Handler.synth_frames is None:
        Handler.synth_frames = synth_frames()
    snap, ups = Handler.synth_frames
    op, p = self.read_frame()
    while op != 1:
        op, p = self.read_frame()
    total, every = opts.get("n", 200000), opts.get("every", 50000)
    key = "%d/%d" % (total, every)
    self.request.sendall(snap)
    sent = 0
    while sent < every:
        with LOCK:
            left = total - SYNTH.get(key, 0)
            k = min(1000, every - sent, left)
            SYNTH[key] = SYNTH.get(key, 0) + k
        if k <= 0:
            break
        self.request.sendall(b"".join(ups[:k]))
        sent += k
    if sent == every and SYNTH[key] < total:
        log("synth connection %d closing after %d" % (nth, sent))
        self.request.sendall(frame(8, struct.pack("!H", 1001)))
    while True:
        op, p = self.read_frame()
        if op == 8:
            return


Handler.synth = _synth


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--capture-dir", default=os.path.join(os.path.dirname(__file__), "fixtures", "ws"))
    global ARGS
    a = ARGS = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
