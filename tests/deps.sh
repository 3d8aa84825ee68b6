#!/bin/sh
# deps.sh: install the Debian packages lyra needs to build, test and demo; do nothing when all
# are present. Uses sudo when not root. Called by `make deps` (and so by check, demo, bench).
set -eu
pkgs="build-essential pkg-config libcurl4-openssl-dev libjansson-dev libsqlite3-dev libssl-dev
libarchive-dev bats bats-assert bats-support jq python3 python3-yaml mandoc sqlite3 zsh zstd
ca-certificates"
[ "${1:-}" = bench ] && pkgs="$pkgs hyperfine"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
