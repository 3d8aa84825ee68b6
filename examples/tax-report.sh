#!/usr/bin/env bash
# The yearly Australian CGT report an operator puts in cron, run once here on the bundled fills
# (tests/fixtures/positions) against a scratch store, offline.
#
#   crontab (after the financial year ends on 30 June; the store already holds the fills that
#   `oms ... | positions --follow` recorded during the year, and the year's lot method was
#   recorded once with `positions method set --fy YYYY-YY fifo`, so every run uses the same one):
#     0 6 15 7 *  positions tax --fy "$(date -d 'last year' +%Y)-$(date +%y)" --rates "$HOME/tax/aud-rates.csv" --format csv > "$HOME/tax/cgt-$(date -d 'last year' +%Y).csv"
#
# The CSV opens in a spreadsheet: one row per disposal and lot, then the summary with the
# return's labels (H total current year capital gains, A net capital gain, V losses carried
# forward). A missing AUD rate stops the job with exit 65 naming the asset and date.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v positions >/dev/null || PATH="$root/bin:$PATH"   # run from a checkout
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LYRA_DB=$work/lyra.db
fx=$root/tests/fixtures/positions

positions "$fx/fills-2025-26.ndjson" > "$work/positions.ndjson"   # store the fills once
positions "$fx/fills-2025-26.ndjson" > /dev/null                  # a re-run changes nothing
positions show --by asset
# before a method is recorded for the year, --method compares them
for method in fifo lifo hifo; do
	positions tax --fy 2025-26 --method "$method" --rates "$fx/rates.csv" --format csv \
		> "$work/cgt-2025-26-$method.csv"
	printf '%s: %s\n' "$method" "$(grep '^A,' "$work/cgt-2025-26-$method.csv" | tr -d '\r')"
done
# then one is recorded (audited) and every later report, the cron job's too, uses it
positions method set --fy 2025-26 fifo
positions method
positions tax --fy 2025-26 --rates "$fx/rates.csv" --format csv > "$work/cgt-2025-26.csv"
cmp "$work/cgt-2025-26.csv" "$work/cgt-2025-26-fifo.csv"
positions tax --fy 2025-26 --rates "$fx/rates.csv" --format table
