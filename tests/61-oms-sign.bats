#!/usr/bin/env bats
# oms sign: every REST signing vector of tests/fixtures/oms/vectors.json reproduced byte for byte
# through the CLI (one signed_request record on stdout), the signature in each venue's own
# header, the passphrase redacted, key files refused when open to others (77), --keys required
# (64), and no secret ever on stdout or stderr.

load helper

V=$FIXTURES/oms/vectors.json

# keys IDX [MODE]: the vector's key file (key, secret, passphrase; placeholders where the
# vector has none) at $BATS_TEST_TMPDIR/keys.json, mode 0600 unless MODE.
keys() {
	local kf=$BATS_TEST_TMPDIR/keys.json
	rm -f "$kf"
	( umask 077; jq --argjson i "$1" '.signing[$i] | {key: (.key // "test-key"), secret,
		passphrase: (.passphrase // "test-passphrase")}' "$V" > "$kf" )
	chmod "${2:-600}" "$kf"
}

# args IDX: the `oms sign` options of a vector, NUL-separated. binance REST: the payload is the
# query of POST /api/v3/order; okx: the query is split from the path; gemini and bitfinex v1:
# the path is the body's "request" (bitfinex v1's body is its payload_base64 decoded);
# bitstamp: the vector's host as the endpoint.
args() {
	jq -j --argjson i "$1" '
		.signing[$i] as $v
		| (if $v.venue == "bitfinex" and $v.payload_base64 then ($v.payload_base64 | @base64d)
		   else ($v.body // "") end) as $body
		| (if $v.venue == "binance" then "/api/v3/order"
		   elif $v.path then ($v.path | split("?")[0] | if startswith("/") then . else "/" + . end)
		   else ($body | fromjson | .request) end) as $path
		| (if $v.venue == "binance" then $v.payload
		   elif ($v.path // "" | contains("?")) then ($v.path | split("?")[1])
		   else ($v.query // "") end) as $query
		| [$v.venue, "--method", (if $v.venue == "binance" then "POST" else ($v.method // "POST") end),
		   "--path", $path]
		  + (if $query != "" then ["--query", $query] else [] end)
		  + (if $body != "" then ["--body", $body] else [] end)
		  + (if $v.timestamp then ["--timestamp", $v.timestamp] else [] end)
		  + (if $v.nonce then ["--nonce", $v.nonce] else [] end)
		  + (if $v.host then ["--endpoint", "https://" + $v.host] else [] end)
		| map(. + "\u0000") | add' "$V"
}

# vec IDX: run `oms sign` for a vector and check the record: one line, the expected signature
# in .signature and in the venue's signature header (or binance's url), no secret anywhere.
vec() {
	# (computed before `run`: bats' run may clobber caller variables such as i)
	local n=$1 venue want secret hdr a url key
	venue=$(jq -r --argjson n "$n" '.signing[$n].venue' "$V")
	want=$(jq -r --argjson n "$n" '.signing[$n].signature' "$V")
	secret=$(jq -r --argjson n "$n" '.signing[$n].secret' "$V")
	url="https://api.binance.com/api/v3/order?$(jq -r --argjson n "$n" '.signing[$n].payload' "$V")&signature=$want"
	key=$(jq -r --argjson n "$n" '.signing[$n].key' "$V")
	keys "$n"
	mapfile -d '' a < <(args "$n")
	run --separate-stderr t oms sign "${a[@]}" --keys "$BATS_TEST_TMPDIR/keys.json"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r .type <<<"$output")" = signed_request ]
	[ "$(jq -r .venue <<<"$output")" = "$venue" ]
	[ "$(jq -r .signature <<<"$output")" = "$want" ]
	case $venue in
	binance)  hdr= ;;
	okx)      hdr=OK-ACCESS-SIGN ;;
	coinbase) hdr=CB-ACCESS-SIGN ;;
	kraken)   hdr=API-Sign ;;
	gateio)   hdr=SIGN ;;
	bitfinex) hdr=$(jq -r 'if .headers["X-BFX-SIGNATURE"] then "X-BFX-SIGNATURE" else "bfx-signature" end' <<<"$output") ;;
	bitstamp) hdr=X-Auth-Signature ;;
	gemini)   hdr=X-GEMINI-SIGNATURE ;;
	esac
	if [ -n "$hdr" ]; then
		[ "$(jq -r --arg h "$hdr" '.headers[$h]' <<<"$output")" = "$want" ]
	else
		[ "$(jq -r .url <<<"$output")" = "$url" ]
		[ "$(jq -r '.headers["X-MBX-APIKEY"]' <<<"$output")" = "$key" ]
	fi
	[[ $output != *"$secret"* ]]
	[[ $stderr != *"$secret"* ]]
}

# idx VENUE NAME-SUBSTRING: the index of a vector (fails when there is none).
idx() {
	jq -e --arg v "$1" --arg n "$2" '.signing | to_entries | map(select(.value.venue == $v
		and (.value.name | contains($n)))) | .[0].key' "$V"
}

@test "the fixture holds 11 signing vectors, one of them binance WebSocket (unit-tested only)" {
	[ "$(jq '.signing | length' "$V")" -eq 11 ]
	[ "$(jq '[.signing[] | select(.name | contains("WebSocket"))] | length' "$V")" -eq 1 ]
}

@test "binance REST vector (published): query payload, &signature= last, X-MBX-APIKEY" {
	vec "$(idx binance REST)"
}

@test "kraken vector (published): API-Sign over path || sha256(nonce || body)" {
	vec "$(idx kraken spot)"
	[ "$(jq -r .nonce <<<"$output")" = 1616492376594 ]
	[ "$(jq -r .url <<<"$output")" = https://api.kraken.com/0/private/AddOrder ]
	[ "$(jq -r '.headers["API-Key"]' <<<"$output")" = test-key ]
}

@test "gemini vector (published): payload header is the vector's base64, body sent empty" {
	vec "$(idx gemini X-GEMINI)"
	[ "$(jq -r '.headers["X-GEMINI-PAYLOAD"]' <<<"$output")" = "$(jq -r '.signing[] | select(.venue == "gemini") | .payload_base64' "$V")" ]
	[ "$(jq -r .body <<<"$output")" = "" ]
	[ "$(jq -r '.headers["Content-Length"]' <<<"$output")" = 0 ]
	[ "$(jq -r '.headers["Content-Type"]' <<<"$output")" = text/plain ]
	[ "$(jq -r '.headers["Cache-Control"]' <<<"$output")" = no-cache ]
}

@test "gateio vector (published): SIGN with KEY and Timestamp" {
	vec "$(idx gateio APIv4)"
	[ "$(jq -r '.headers.KEY' <<<"$output")" = key ]
	[ "$(jq -r '.headers.Timestamp' <<<"$output")" = 1541993715 ]
	[ "$(jq -r .url <<<"$output")" = "https://api.gateio.ws/api/v4/futures/orders?contract=BTC_USD&status=finished&limit=50" ]
}

@test "coinbase POST vector (published): CB-ACCESS-*, passphrase redacted in the record" {
	vec "$(idx coinbase CB-ACCESS-SIGN)"
	[ "$(jq -r '.headers["CB-ACCESS-KEY"]' <<<"$output")" = 0c9618dbe16af57d9316a6cc78f431cc ]
	[ "$(jq -r '.headers["CB-ACCESS-TIMESTAMP"]' <<<"$output")" = 1573653521.402 ]
	[ "$(jq -r '.headers["CB-ACCESS-PASSPHRASE"]' <<<"$output")" = "<redacted>" ]
	[[ $output != *3628c235c9b5* ]]
	[[ $stderr != *3628c235c9b5* ]]
}

@test "coinbase GET vector (published)" {
	vec "$(idx coinbase 'GET without body')"
}

@test "bitfinex v1 vector (published): X-BFX-PAYLOAD and X-BFX-SIGNATURE" {
	vec "$(idx bitfinex v1)"
	[ "$(jq -r '.headers["X-BFX-PAYLOAD"]' <<<"$output")" = "$(jq -r '.signing[] | select(.venue == "bitfinex" and .payload_base64) | .payload_base64' "$V")" ]
}

@test "bitfinex v2 vector (derived): bfx-nonce, bfx-apikey, bfx-signature over /api + path" {
	vec "$(idx bitfinex v2)"
	[ "$(jq -r '.headers["bfx-nonce"]' <<<"$output")" = 1573653521402000 ]
	[ "$(jq -r .prehash <<<"$output")" = '/api/v2/auth/r/wallets1573653521402000{}' ]
}

@test "okx vector (derived): OK-ACCESS-*, query in the signed path, passphrase redacted" {
	vec "$(idx okx OK-ACCESS-SIGN)"
	[ "$(jq -r .url <<<"$output")" = "https://www.okx.com/api/v5/account/balance?ccy=BTC" ]
	[ "$(jq -r '.headers["OK-ACCESS-TIMESTAMP"]' <<<"$output")" = 2020-12-08T09:08:57.715Z ]
	[ "$(jq -r '.headers["OK-ACCESS-PASSPHRASE"]' <<<"$output")" = "<redacted>" ]
	[[ $output != *test-passphrase* ]]
}

@test "bitstamp vector (derived): X-Auth-* headers, form content type with a body" {
	vec "$(idx bitstamp v2)"
	[ "$(jq -r '.headers["X-Auth"]' <<<"$output")" = "BITSTAMP key" ]
	[ "$(jq -r '.headers["X-Auth-Nonce"]' <<<"$output")" = f93c979d-b00d-43a9-9b9c-fd4cd9547fa6 ]
	[ "$(jq -r '.headers["X-Auth-Version"]' <<<"$output")" = v2 ]
	[ "$(jq -r '.headers["Content-Type"]' <<<"$output")" = application/x-www-form-urlencoded ]
}

@test "a key file open to group or others exits 77 and says chmod 600" {
	keys "$(idx binance REST)" 644
	run --separate-stderr t oms sign binance --method GET --path /api/v3/account --keys "$BATS_TEST_TMPDIR/keys.json"
	[ "$status" -eq 77 ]
	[ "$output" = "" ]
	[[ $stderr == *"chmod 600"* ]]
	[[ $stderr != *NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j* ]]
}

@test "--keys missing exits 64" {
	run --separate-stderr t oms sign binance --method GET --path /api/v3/account
	[ "$status" -eq 64 ]
	[ "$output" = "" ]
}

@test "a secret never appears on stdout or stderr, even when signing fails" {
	keys "$(idx kraken spot)"
	# a kraken body without nonce is refused (the caller builds the body): 64, no secret
	run --separate-stderr t oms sign kraken --method POST --path /0/private/Balance --body 'pair=XBTUSD' --keys "$BATS_TEST_TMPDIR/keys.json"
	[ "$status" -eq 64 ]
	[[ $stderr == *nonce* ]]
	[[ $output$stderr != *kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==* ]]
	# a secret that is not base64 where kraken decodes it: 78, and the secret is not shown
	printf '{"key":"k","secret":"Not-Base64-Secret-!!"}' > "$BATS_TEST_TMPDIR/bad.json"
	chmod 600 "$BATS_TEST_TMPDIR/bad.json"
	run --separate-stderr t oms sign kraken --method POST --path /0/private/Balance --body 'nonce=1' --keys "$BATS_TEST_TMPDIR/bad.json"
	[ "$status" -eq 78 ]
	[[ $output$stderr != *Not-Base64-Secret* ]]
	# a key file without secret: 78
	printf '{"key":"k"}' > "$BATS_TEST_TMPDIR/bad.json"
	run --separate-stderr t oms sign okx --method GET --path /api/v5/account/balance --keys "$BATS_TEST_TMPDIR/bad.json"
	[ "$status" -eq 78 ]
}

@test "fresh timestamp and nonce when none is given" {
	keys "$(idx bitstamp v2)"
	run --separate-stderr t oms sign bitstamp --method POST --path /api/v2/balance/ --keys "$BATS_TEST_TMPDIR/keys.json"
	[ "$status" -eq 0 ]
	[[ $(jq -r .nonce <<<"$output") =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]
	[[ $(jq -r .timestamp <<<"$output") =~ ^[0-9]{13}$ ]]
	[ "$(jq -r '.headers["Content-Type"]' <<<"$output")" = null ]
}
