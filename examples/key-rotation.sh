#!/usr/bin/env bash
# Exchange API keys in the vault and the 90-day rotation reminder, on a scratch store (offline).
#
#   crontab:
#     0 9 * * 1   auth key list --due 14d || mail -s 'lyra: API keys due for rotation' ops
#
# `auth key list --due D` lists the keys due for rotation within D and exits 1 when there are
# any, so cron mails only when something needs doing. Secrets come from stdin or a 0600 file,
# never the command line, and are sealed (AES-256-GCM) under the master secret from
# LYRA_MASTER_KEY_FILE; no command ever prints them back.
set -euo pipefail
command -v auth >/dev/null || PATH="$(cd "$(dirname "$0")/.." && pwd)/bin:$PATH"   # run from a checkout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/lyra.db
export XDG_CONFIG_HOME=$work/config

umask 077
head -c 32 /dev/urandom | base64 > "$work/master"          # keep the real one off the machine
export LYRA_MASTER_KEY_FILE=$work/master

# Credentials as the venue shows them once: key, then secret (a file 0600 or a pipe).
printf 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A\nNhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j\n' > "$work/binance.key"
auth key add binance --label main --file "$work/binance.key"
rm -f "$work/binance.key"
printf '{"key":"3f1c-okx-demo","secret":"okx-demo-secret","passphrase":"okx-demo-pass","permissions":["read","trade"]}' \
	| auth key add okx --label hedge

auth key list                                              # age, due date and status of each key

# The weekly reminder: nothing due within 14 days, so it stays quiet (exit 0).
auth key list --due 14d > /dev/null
# Looking 100 days ahead every key is due: exit 1, which is what makes cron send mail.
if auth key list --due 100d; then
	echo "key-rotation: expected keys due within 100 days" >&2
	exit 1
fi

# Rotate: new credentials from the venue, the clock restarts.
printf 'rotatedBinanceKey0002\nrotated-binance-secret\n' | auth key rotate binance --label main
auth key list --format csv

# Rotate the vault's own data keys: old entries stay readable until re-encrypted.
auth key rekey
auth key reencrypt
audit log --action 'key.*' --format table
