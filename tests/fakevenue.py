#!/usr/bin/env python3
"""fakevenue.py: a fake of the eight venues' public REST APIs for lyra's tests (127.0.0.1 only).

One server serves every venue under a prefix: http://127.0.0.1:PORT/<venue>/<the venue's real
path>, so LYRA_BINANCE_URL=http://127.0.0.1:PORT/binance points mdfeed at it. Responses are the
recorded payloads in tests/fixtures/venues/<venue>/ (which file answers which path is that
folder's ROUTES file, shared with the adapters' unit test); a path with no fixture gets a 404
(OKX and Kraken: 200) in the venue's own error shape. Candle requests are answered with the
rows inside the requested window (each venue's query parameters), so paging and resuming can be
tested; with "synth" the venue has one candle per interval over a span, cloned from the
recorded row with its time replaced. Bodies are gzipped when the client accepts gzip.

Control (JSON bodies; all optional fields):
  POST /_control  {"venue": "binance", "path": "regex", "mode": MODE, "count": N, ...}
     adds a misbehaviour for matching requests, used N times (default: forever) after
     letting "after" matching requests through (default 0). MODE:
       429        status 429 with "Retry-After: <retry_after>" (default 1)
       418        status 418 (an IP ban) with Retry-After
       500, 502, 503 ...   that status with a JSON body (or "html": true for an HTML page)
       slow       sleep "delay" seconds (default 5) before answering normally
       truncate   announce the full Content-Length, send half the body, close
       html       status "status" (default 200) with an HTML page
       malformed  status 200 with a body that is not the venue's JSON
       venue-error  the venue's own error payload with its usual status
       drop       close the connection without an answer
       json       status 200 (or "status") with the JSON "body" given
     "query": "regex" also matches the raw query string.
  POST /_control  {"venue": "binance", "books_from": FILE}   answer book requests with the REST
     snapshots of a cryptofeed capture (lines "https://URL -> TS: BODY"), picked by the symbol
     (binance symbol=, gateio currency_pair=, bitstamp /order_book/<pair>/): the snapshots
     taken beside a WebSocket capture, so a live stream replayed from it continues them
  POST /_control  {"venue": "binance", "candles_page": 3}   at most 3 candles per answer
  POST /_control  {"venue": "binance", "synth": [from_ms, to_ms]}   synthetic candle span
  POST /_reset    forget misbehaviours, settings and the request log
  GET  /_requests the requests received, one JSON object per line:
     {"venue","method","path","query":{name:value},"raw":"/path?query","user_agent","accept_encoding"}

Usage: fakevenue.py [--fixtures DIR] [--port-file FILE] [--port N]; prints the port on stdout.
"""
import argparse
import copy
import gzip
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))

VENUES = ("binance", "okx", "coinbase", "kraken", "gateio", "bitfinex", "bitstamp", "gemini")


def load_routes(fixtures):
    """The fixtures' ROUTES file: venue, kind, path ({x} is one segment), query condition
    ("-" or "k=v"), file; the first matching line wins."""
    routes = {v: [] for v in VENUES}
    with open(os.path.join(fixtures, "ROUTES")) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            venue, kind, path, cond, name = line.split("\t")
            rx = "^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$"
            cond = None if cond == "-" else tuple(cond.split("=", 1))
            routes.setdefault(venue, []).append((re.compile(rx), cond, kind, name))
    return routes


# The venue's own error payloads: (status, body) for "not found" and for venue-error.
ERRORS = {
    "binance": (400, {"code": -1121, "msg": "Invalid symbol."}),
    "okx": (200, {"code": "51001", "msg": "Instrument ID does not exist", "data": []}),
    "coinbase": (404, {"message": "NotFound"}),  # the Exchange API
    "kraken": (200, {"error": ["EQuery:Unknown asset pair"]}),
    "gateio": (400, {"label": "INVALID_CURRENCY_PAIR", "message": "Invalid currency pair"}),
    "bitfinex": (500, ["error", 10020, "symbol: invalid"]),
    "bitstamp": (404, {"status": "error", "reason": "Invalid currency pair", "code": "API0003"}),
    "gemini": (400, {"result": "error", "reason": "InvalidSymbol",
                     "message": "Supplied value 'xxx' is not a valid symbol"}),
}

HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
             b"<body><h1>502 Bad Gateway</h1><p>cloudflare</p></body></html>\n")

IV_MS = {"1m": 60000, "5m": 300000, "15m": 900000, "1h": 3600000, "4h": 14400000,
         "1d": 86400000}


def _int(v, default=None):
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def _iso_ms(v):
    """ISO 8601 or seconds to ms (Coinbase Exchange accepts both)."""
    if v is None:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", v):
        return int(float(v) * 1000)
    from datetime import datetime
    return int(datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp() * 1000)


# ---- candles: where the rows are, their times, and each venue's window parameters ----
# Each spec: rows(payload) -> list, put(payload, rows) -> payload, ts(row) -> ms,
# set_ts(row, ms) -> row, window(path, query) -> (start_ms|None, end_ms|None, limit, desc,
# interval_ms); start and end are inclusive bounds on candle open times.

def _arr_rows(p):
    return p


def _arr_put(p, rows):
    return rows


def _col0_ts(unit):
    def ts(row):
        return int(float(row[0]) * unit)
    return ts


def _col0_set(unit, as_str):
    def set_ts(row, ms):
        row = list(row)
        v = ms // unit
        row[0] = str(v) if as_str else v
        return row
    return set_ts


def _binance_window(path, q):
    iv = IV_MS.get(q.get("interval"), 60000)
    return (_int(q.get("startTime")), _int(q.get("endTime")), _int(q.get("limit"), 500), False, iv)


def _okx_window(path, q):
    bars = {"1m": 60000, "5m": 300000, "15m": 900000, "1H": 3600000, "4H": 14400000,
            "1D": 86400000, "1Dutc": 86400000, "4Hutc": 14400000}
    iv = bars.get(q.get("bar", "1m"), 60000)
    after, before = _int(q.get("after")), _int(q.get("before"))
    # OKX: after = older than this ts, before = newer than this ts (both exclusive), newest first
    return (before + 1 if before is not None else None, after - 1 if after is not None else None,
            _int(q.get("limit"), 100), True, iv)


def _coinbase_window(path, q):
    gran = q.get("granularity", "60")
    names = {"ONE_MINUTE": 60, "FIVE_MINUTE": 300, "FIFTEEN_MINUTE": 900, "ONE_HOUR": 3600,
             "SIX_HOUR": 21600, "ONE_DAY": 86400}
    sec = names.get(gran) or _int(gran, 60)
    start, end = _iso_ms(q.get("start")), _iso_ms(q.get("end"))
    # end is inclusive for the Exchange API (/products/...), exclusive for Advanced Trade
    if end is not None and "/brokerage/" in path:
        end -= 1
    return (start, end, _int(q.get("limit"), 300 if "/brokerage/" not in path else 350), True,
            sec * 1000)


def _kraken_window(path, q):
    iv = _int(q.get("interval"), 1) * 60000
    since = _int(q.get("since"))
    return (since * 1000 + 1 if since is not None else None, None, 720, False, iv)


def _gateio_window(path, q):
    iv = IV_MS.get(q.get("interval"), 60000)
    frm, to = _int(q.get("from")), _int(q.get("to"))
    return (frm * 1000 if frm is not None else None, to * 1000 if to is not None else None,
            _int(q.get("limit"), 100), False, iv)


def _bitfinex_window(path, q):
    m = re.search(r"/candles/trade:([0-9]+[mhDd]):", path)
    tf = {"1m": 60000, "5m": 300000, "15m": 900000, "1h": 3600000, "4h": 14400000,
          "1D": 86400000}
    iv = tf.get(m.group(1), 60000) if m else 60000
    desc = q.get("sort", "-1") != "1"
    return (_int(q.get("start")), _int(q.get("end")), _int(q.get("limit"), 100), desc, iv)


def _bitstamp_window(path, q):
    iv = _int(q.get("step"), 60) * 1000
    start, end = _int(q.get("start")), _int(q.get("end"))
    return (start * 1000 if start is not None else None, end * 1000 if end is not None else None,
            _int(q.get("limit"), 1000), False, iv)


def _gemini_window(path, q):
    m = re.search(r"/candles/[^/]+/([^/]+)$", path)
    tf = {"1m": 60000, "5m": 300000, "15m": 900000, "30m": 1800000, "1hr": 3600000,
          "6hr": 21600000, "1day": 86400000}
    iv = tf.get(m.group(1), 60000) if m else 60000
    return (None, None, 100000, True, iv)


def _kraken_rows(p):
    res = p.get("result", {})
    for k, v in res.items():
        if k != "last":
            return v
    return []


def _kraken_put(p, rows):
    p = copy.copy(p)
    res = dict(p.get("result", {}))
    for k in list(res):
        if k != "last":
            res[k] = rows
    if rows:
        res["last"] = rows[-1][0]
    p["result"] = res
    return p


def _coinbase_rows(p):
    return p["candles"] if isinstance(p, dict) else p


def _coinbase_put(p, rows):
    if isinstance(p, dict):
        p = dict(p)
        p["candles"] = rows
        return p
    return rows


def _coinbase_ts(row):
    return int(row["start"]) * 1000 if isinstance(row, dict) else int(row[0]) * 1000


def _coinbase_set(row, ms):
    if isinstance(row, dict):
        row = dict(row)
        row["start"] = str(ms // 1000)
        return row
    row = list(row)
    row[0] = ms // 1000
    return row


def _bitstamp_rows(p):
    return p["data"]["ohlc"]


def _bitstamp_put(p, rows):
    p = copy.deepcopy(p)
    p["data"]["ohlc"] = rows
    return p


def _bitstamp_ts(row):
    return int(row["timestamp"]) * 1000


def _bitstamp_set(row, ms):
    row = dict(row)
    row["timestamp"] = str(ms // 1000)
    return row


def _okx_rows(p):
    return p["data"]


def _okx_put(p, rows):
    p = dict(p)
    p["data"] = rows
    return p


def _gate_ts(row):
    if isinstance(row, dict):
        return int(row["t"]) * 1000
    return int(row[0]) * 1000


def _gate_set(row, ms):
    if isinstance(row, dict):
        row = dict(row)
        row["t"] = ms // 1000
        return row
    row = list(row)
    row[0] = str(ms // 1000)
    return row


CANDLES = {
    "binance": (_arr_rows, _arr_put, _col0_ts(1), _col0_set(1, False), _binance_window),
    "okx": (_okx_rows, _okx_put, _col0_ts(1), _col0_set(1, True), _okx_window),
    "coinbase": (_coinbase_rows, _coinbase_put, _coinbase_ts, _coinbase_set, _coinbase_window),
    "kraken": (_kraken_rows, _kraken_put, _col0_ts(1000), _col0_set(1000, False), _kraken_window),
    "gateio": (_arr_rows, _arr_put, _gate_ts, _gate_set, _gateio_window),
    "bitfinex": (_arr_rows, _arr_put, _col0_ts(1), _col0_set(1, False), _bitfinex_window),
    "bitstamp": (_bitstamp_rows, _bitstamp_put, _bitstamp_ts, _bitstamp_set, _bitstamp_window),
    "gemini": (_arr_rows, _arr_put, _col0_ts(1), _col0_set(1, False), _gemini_window),
}


def book_key(path, query):
    """The symbol a book request names: binance symbol=, gateio currency_pair=, bitstamp
    /order_book/<pair>/."""
    if "symbol" in query:
        return query["symbol"]
    if "currency_pair" in query:
        return query["currency_pair"]
    m = re.search(r"/order_book/([^/?]+)", path)
    return m.group(1) if m else None


def load_books(path):
    books = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^(https?://\S+) -> [0-9.]+: (.*)$", line.rstrip("\n"))
            if m:
                u = urlsplit(m.group(1))
                books.setdefault(book_key(u.path, dict(parse_qsl(u.query))), m.group(2).encode())
    return books


class State:
    def __init__(self, fixtures):
        self.fixtures = fixtures
        self.routes = load_routes(fixtures)
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.rules = []
        self.settings = {}
        self.log = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakevenue/1"

    def log_message(self, fmt, *args):
        if os.environ.get("FAKEVENUE_VERBOSE"):
            sys.stderr.write("fakevenue: " + (fmt % args) + "\n")

    # ---- plumbing ----
    def send_body(self, status, body, ctype="application/json", headers=None, truncate=False):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        enc = None
        if "gzip" in (self.headers.get("Accept-Encoding") or "") and len(body) > 64:
            body = gzip.compress(body)
            enc = "gzip"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if enc:
            self.send_header("Content-Encoding", enc)
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(body)))
        if truncate:
            self.send_header("Connection", "close")
        self.end_headers()
        if truncate:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def read_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        return json.loads(raw or b"{}")

    # ---- control ----
    def control(self, path):
        st = self.server.state
        if path == "/_reset":
            with st.lock:
                st.reset()
            return self.send_body(200, {"ok": True})
        if path == "/_requests":
            with st.lock:
                lines = "".join(json.dumps(r) + "\n" for r in st.log)
            return self.send_body(200, lines, "application/x-ndjson")
        if path == "/_control":
            spec = self.read_json()
            with st.lock:
                venue = spec.get("venue")
                if "candles_page" in spec:
                    st.settings[(venue, "candles_page")] = int(spec["candles_page"])
                if "synth" in spec:
                    st.settings[(venue, "synth")] = spec["synth"]
                if "books_from" in spec:
                    st.settings[(venue, "books")] = load_books(spec["books_from"])
                if "mode" in spec:
                    rule = dict(spec)
                    rule["left"] = int(spec.get("count", -1))
                    st.rules.append(rule)
            return self.send_body(200, {"ok": True})
        return self.send_body(404, {"error": "no such control"})

    def take_rule(self, venue, path, query=""):
        st = self.server.state
        with st.lock:
            for rule in st.rules:
                if rule.get("venue") not in (None, venue):
                    continue
                if rule.get("path") and not re.search(rule["path"], path):
                    continue
                if rule.get("query") and not re.search(rule["query"], query):
                    continue
                if rule["left"] == 0:
                    continue
                if rule.get("after", 0) > 0:
                    rule["after"] -= 1
                    continue
                if rule["left"] > 0:
                    rule["left"] -= 1
                return dict(rule)
        return None

    # ---- the venues ----
    def do_POST(self):
        return self.do_GET()

    def do_GET(self):
        parts = urlsplit(self.path)
        path = parts.path
        if path.startswith("/_"):
            return self.control(path)
        m = re.match(r"^/([a-z]+)(/.*)?$", path)
        if not m or m.group(1) not in VENUES:
            return self.send_body(404, {"error": "unknown venue prefix"})
        venue, vpath = m.group(1), m.group(2) or "/"
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        st = self.server.state
        with st.lock:
            st.log.append({
                "venue": venue, "method": self.command, "path": vpath, "query": query,
                "raw": vpath + ("?" + parts.query if parts.query else ""),
                "user_agent": self.headers.get("User-Agent", ""),
                "accept_encoding": self.headers.get("Accept-Encoding", ""),
            })
        rule = self.take_rule(venue, vpath, parts.query)
        if rule and rule["mode"] == "truncate":
            return self.serve(venue, vpath, query, truncate=True)
        if rule and self.misbehave(venue, rule):
            return
        return self.serve(venue, vpath, query)

    def misbehave(self, venue, rule):
        mode = str(rule["mode"])
        ra = rule.get("retry_after", 1)
        if mode == "slow":
            time.sleep(float(rule.get("delay", 5)))
            return False
        if mode == "429":
            self.send_body(429, {"code": -1003, "msg": "Too many requests"},
                           headers={"Retry-After": ra})
            return True
        if mode == "418":
            self.send_body(418, {"code": -1003, "msg": "Way too many requests; IP banned"},
                           headers={"Retry-After": rule.get("retry_after", 120)})
            return True
        if mode == "html":
            self.send_body(int(rule.get("status", 200)), HTML_PAGE, "text/html; charset=utf-8")
            return True
        if mode == "malformed":
            self.send_body(200, b'{"this is": not the venue\'s json', "application/json")
            return True
        if mode == "json":
            self.send_body(int(rule.get("status", 200)), rule.get("body"))
            return True
        if mode == "venue-error":
            status, body = ERRORS[venue]
            self.send_body(int(rule.get("status", status)), body)
            return True
        if mode == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return True
        if mode.isdigit():
            status = int(mode)
            if rule.get("html"):
                self.send_body(status, HTML_PAGE, "text/html")
            else:
                self.send_body(status, {"error": "internal error", "status": status})
            return True
        self.send_body(500, {"error": "fakevenue: unknown mode " + mode})
        return True

    def serve(self, venue, vpath, query, truncate=False):
        kind = name = None
        for rx, cond, k, n in self.server.state.routes.get(venue, []):
            if rx.match(vpath) and (cond is None or query.get(cond[0]) == cond[1]):
                kind, name = k, n
                break
        books = self.server.state.settings.get((venue, "books"))
        if kind == "book" and books is not None:
            body = books.get(book_key(vpath, query))
            if body is not None:
                return self.send_body(200, body, "application/json", truncate=truncate)
        path = os.path.join(self.server.state.fixtures, venue, name) if name else None
        if not path or not os.path.exists(path):
            # OKX and Kraken answer errors with 200; the others with a 4xx
            return self.send_body(200 if venue in ("okx", "kraken") else 404, ERRORS[venue][1])
        with open(path, "rb") as fh:
            raw = fh.read()
        if kind == "candles":
            raw = self.candles(venue, vpath, query, raw)
        return self.send_body(200, raw, "application/json", truncate=truncate)

    def candles(self, venue, vpath, query, raw):
        rows_of, put, ts_of, set_ts, window = CANDLES[venue]
        payload = json.loads(raw)
        rows = list(rows_of(payload))
        if not rows:
            return raw
        start, end, limit, desc, iv = window(vpath, query)
        st = self.server.state
        with st.lock:
            page = st.settings.get((venue, "candles_page")) or st.settings.get((None, "candles_page"))
            synth = st.settings.get((venue, "synth")) or st.settings.get((None, "synth"))
        if synth:
            template = rows[0]
            lo, hi = int(synth[0]), int(synth[1])
            lo = (lo + iv - 1) // iv * iv
            rows = [set_ts(template, t) for t in range(lo, hi, iv)]
        rows.sort(key=ts_of)
        sel = [r for r in rows
               if (start is None or ts_of(r) >= start) and (end is None or ts_of(r) <= end)]
        if limit is not None and limit > 0:
            if desc and start is None:
                sel = sel[-limit:]
            else:
                sel = sel[:limit]
        if page:
            sel = sel[-page:] if (desc and start is None) else sel[:page]
        if desc:
            sel.reverse()
        return json.dumps(put(payload, sel)).encode()


def main():
    ap = argparse.ArgumentParser(description="fake venue REST server for lyra tests")
    ap.add_argument("--fixtures", default=os.path.join(HERE, "fixtures", "venues"))
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.state = State(a.fixtures)
    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, a.port_file)
    print(port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
