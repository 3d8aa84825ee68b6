/* test_ws: the pure parts of the WebSocket client (the Sec-WebSocket-Accept derivation with
 * RFC 6455's own example) and its refusals that need no server; the protocol itself is tested
 * against tests/wsfake.py by tests/22-ws.bats. */
#include "error.h"
#include "unit.h"
#include "ws.h"

int main(void)
{
	char acc[29];

	lyra_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", acc);
	CHECK_STR(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "RFC 6455 section 1.3 example");
	lyra_ws_accept_key("x3JJHMbDL1EzLkh9GBhXDw==", acc);
	CHECK_STR(acc, "HSmrc0sMlYUkAGmm5OPpG2HaGWk=", "RFC 6455 section 4.2.2 style example");
	CHECK(lyra_ws_connect("http://127.0.0.1/", 100) == NULL, "http URL refused");
	CHECK_INT(lyra_error_code(), LYRA_EX_USAGE, "as a usage error");
	CHECK(lyra_ws_connect("ws://127.0.0.1:1/", 1000) == NULL, "closed port refused");
	CHECK_INT(lyra_error_code(), LYRA_EX_UNAVAILABLE, "as unavailable");
	lyra_ws_close(NULL, 1000, 0);
	return unit_done();
}
