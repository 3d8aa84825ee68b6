/* ws.h: a WebSocket client (RFC 6455) on libcurl's CONNECT_ONLY mode, which keeps DNS, proxies
 * and TLS in libcurl (Debian 12's libcurl has no WebSocket support of its own): the opening
 * handshake with its Sec-WebSocket-Accept check, masked client frames, reassembly of fragmented
 * messages, automatic pong replies to pings, and the closing handshake with its status code.
 * One connection per struct, blocking calls with timeouts; no threads. */
#ifndef LYRA_WS_H
#define LYRA_WS_H

#include <stddef.h>

#define LYRA_WS_MAX_MESSAGE (16u << 20)   /* longest message accepted (close 1009 beyond) */

struct lyra_ws;

/* Connect to url (ws://host[:port]/path or wss://...) and complete the opening handshake within
 * timeout_ms. NULL with error.h: LYRA_EX_UNAVAILABLE for connection failures and timeouts,
 * LYRA_EX_DATAERR (naming the reason) for a refused or malformed handshake: a status other than
 * 101, a missing Upgrade/Connection header, or a Sec-WebSocket-Accept that does not match. */
struct lyra_ws *lyra_ws_connect(const char *url, long timeout_ms);
/* The same with extra handshake headers: headers is a NULL-terminated list of "Name: value"
 * lines (no CR or LF; NULL: none), sent after the WebSocket ones (Gemini's order events take
 * their X-GEMINI-* authentication here). A malformed one: NULL with LYRA_EX_USAGE. */
struct lyra_ws *lyra_ws_connect_headers(const char *url, long timeout_ms,
                                        const char *const *headers);

/* Send one text message (a single masked frame). 0, or -1 with error.h (LYRA_EX_UNAVAILABLE). */
int lyra_ws_send_text(struct lyra_ws *w, const char *buf, size_t len);

/* Wait up to timeout_ms for the next complete message, answering pings on the way. Returns 1
 * with *buf and *len set to a text or binary message (borrowed until the next call; NUL-terminated),
 * 0 when the server closed (the code is then lyra_ws_close_code(); the close is answered),
 * -2 on timeout (the connection stays usable), or -1 with error.h on a protocol error (a masked
 * server frame, a bad opcode, an oversized or malformed frame: the connection is closed with
 * 1002 or 1009) or a broken connection. */
int lyra_ws_recv(struct lyra_ws *w, const char **buf, size_t *len, long timeout_ms);

/* Status code of the server's close frame: 1005 when it carried none, 0 before any close. */
int lyra_ws_close_code(const struct lyra_ws *w);

/* Send a ping with payload (at most 125 bytes). 0 or -1. */
int lyra_ws_ping(struct lyra_ws *w, const char *payload, size_t len);

/* Start the closing handshake with code (and wait up to timeout_ms for the server's close),
 * then free. Safe on NULL. */
void lyra_ws_close(struct lyra_ws *w, int code, long timeout_ms);

/* The connection's socket, for poll(2), and whether bytes are already buffered (a complete
 * message may then be waiting without the socket being readable). */
int lyra_ws_fd(const struct lyra_ws *w);
int lyra_ws_buffered(const struct lyra_ws *w);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + RFC 6455 GUID)), into out
 * (at least 29 bytes). */
void lyra_ws_accept_key(const char *key, char out[29]);

#endif
