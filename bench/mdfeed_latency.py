#!/usr/bin/env python3
"""bench/mdfeed_latency.py MDFEED [N] [RATE]: message-to-record latency through the whole
`mdfeed watch` path (WebSocket frame in, JSON parse, book rules and lib/l2book, record out on
stdout), against a fake Coinbase level2 venue on 127.0.0.1 in this process.

The fake speaks the venue's protocol as tests/wsfake.py does (its frame() is reused): after the
client's subscription it sends a 1,000-level snapshot of BTC-USD, then N (default 20,000)
l2update messages of one change each, paced at RATE messages per second (default 4,000), each
stamped just before it is written to the socket with its send time as the message's "time"
(microseconds, UTC): mdfeed carries that time into the book_delta record's "ts". This process
reads mdfeed's stdout as it arrives (mdfeed writes line-buffered records) and takes, for each
book_delta, latency = the wall-clock time the record was read minus its ts; also recv_ts - ts,
the part before mdfeed's book rules (socket and WebSocket read). Prints p50, p99, max in
microseconds and the count. Both clocks are this machine's CLOCK_REALTIME."""
import os
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time
import base64
import hashlib
import json

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from wsfake import GUID, frame  # noqa: E402  (the same WebSocket framing as the tests' fake)

N = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
RATE = float(sys.argv[3]) if len(sys.argv) > 3 else 4000.0
LEVELS = 1000


def iso_now():
    ns = time.time_ns()
    s, us = divmod(ns // 1000, 1000000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%06dZ" % us


def updates():
    """Deterministic one-change updates around the snapshot: 30% removals, never crossing."""
    x = 88172645463325252
    while True:
        out = []
        for _ in range(3):
            x ^= (x << 13) & 0xFFFFFFFFFFFFFFFF
            x ^= x >> 7
            x ^= (x << 17) & 0xFFFFFFFFFFFFFFFF
            out.append(x)
        ask, off, q = out[0] & 1, out[1] % 1500, out[2] % 10
        px = 5000000 + off if ask else 5000000 - 1 - off
        qty = "0" if q < 3 else "%d.%04d" % (q, out[2] % 10000)
        yield ["sell" if ask else "buy", "%d.%02d" % (px // 100, px % 100), qty]


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
        k = self.recvn(4) if b1 & 0x80 else b"\0\0\0\0"
        return b0 & 0x0F, bytes(c ^ k[i % 4] for i, c in enumerate(self.recvn(n)))

    def handle(self):
        head = b""
        while b"\r\n\r\n" not in head:
            c = self.request.recv(4096)
            if not c:
                return
            head += c
        key = b""
        for line in head.split(b"\r\n")[1:]:
            if line.lower().startswith(b"sec-websocket-key:"):
                key = line.split(b":", 1)[1].strip()
        acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
        self.request.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + acc + b"\r\n\r\n")
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            op, _ = self.read_frame()
            while op != 1:
                op, _ = self.read_frame()
            snap = {"type": "snapshot", "product_id": "BTC-USD",
                    "bids": [["%d.%02d" % ((4999999 - i) // 100, (4999999 - i) % 100), "1.5"]
                             for i in range(LEVELS)],
                    "asks": [["%d.%02d" % ((5000000 + i) // 100, (5000000 + i) % 100), "1.5"]
                             for i in range(LEVELS)]}
            self.request.sendall(frame(1, json.dumps(snap).encode()))
            time.sleep(0.2)
            gen = updates()
            t0 = time.monotonic()
            for i in range(N):
                due = t0 + i / RATE
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                msg = '{"type":"l2update","product_id":"BTC-USD","changes":[%s],"time":"%s"}' % (
                    json.dumps(next(gen), separators=(",", ":")), iso_now())
                self.request.sendall(frame(1, msg.encode()))
            while True:
                op, _ = self.read_frame()
                if op == 8:
                    return
        except (EOFError, ConnectionError):
            return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def pct(xs, p):
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def main():
    mdfeed = sys.argv[1]
    srv = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    env = dict(os.environ, LYRA_COINBASE_WS_URL="ws://127.0.0.1:%d/" % srv.server_address[1])
    p = subprocess.Popen([mdfeed, "watch", "coinbase", "BTC/USD", "--channels", "book",
                          "--depth", str(LEVELS), "--stale", "1h"], stdout=subprocess.PIPE,
                         env=env)
    lat, pre, buf, other = [], [], b"", 0
    deadline = time.monotonic() + 60 + N / RATE
    fd = p.stdout.fileno()
    while len(lat) < N and time.monotonic() < deadline:
        chunk = os.read(fd, 1 << 16)
        now = time.time_ns() // 1000
        if not chunk:
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for line in lines:
            r = json.loads(line)
            if r.get("type") != "book_delta":
                other += r.get("type") in ("gap", "resync")
                continue
            lat.append(now - r["ts"])
            pre.append(r["recv_ts"] - r["ts"])
    p.send_signal(signal.SIGINT)
    p.wait(timeout=10)
    srv.shutdown()
    if len(lat) < N or other:
        sys.exit("mdfeed_latency: %d of %d book_delta records, %d gap/resync" % (len(lat), N, other))
    lat.sort()
    pre.sort()
    print("%d messages at %.0f/s: message-to-record p50 %d us, p99 %d us, max %d us "
          "(socket-to-recv_ts p50 %d us, p99 %d us)"
          % (len(lat), RATE, pct(lat, 50), pct(lat, 99), lat[-1], pct(pre, 50), pct(pre, 99)))


if __name__ == "__main__":
    main()
