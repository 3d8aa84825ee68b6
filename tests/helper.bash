# helper.bash: loaded by every bats file. Isolates each test (HOME, XDG dirs, LYRA_DB, TZ, locale),
# puts the build under test first on PATH, and gives helpers that wrap calls in `timeout` so a
# hang fails a test instead of the suite.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

LYRA_ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
: "${LYRA_BIN:=$LYRA_ROOT/bin}"
: "${LYRA_BUILD:=$LYRA_ROOT/build/plain}"
export LYRA_ROOT LYRA_BIN LYRA_BUILD
export PATH="$LYRA_BIN:$PATH"
export TZ=UTC LC_ALL=C
# the cross-process request budgets (lib/http.c) of one bats run stay its own, since files run
# side by side
export LYRA_RATE_DIR=${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/lyra-rate
FIXTURES=$LYRA_ROOT/tests/fixtures

setup() {
	export HOME="$BATS_TEST_TMPDIR/home"
	export XDG_DATA_HOME="$HOME/.local/share"
	export XDG_CONFIG_HOME="$HOME/.config"
	export LYRA_DB="$BATS_TEST_TMPDIR/lyra.db"
	mkdir -p "$HOME"
	unset LYRA_TOKEN
}

# t CMD...: run a command under a time limit (default 60 s, LYRA_TEST_TIMEOUT).
t() {
	timeout "${LYRA_TEST_TIMEOUT:-60}" "$@"
}

# pipeline 'a | b': run a shell pipeline with pipefail under a time limit.
pipeline() {
	timeout "${LYRA_TEST_TIMEOUT:-60}" bash -c "set -o pipefail; $1"
}

# programs: every program in the build under test.
programs() {
	local p
	for p in "$LYRA_BIN"/*; do
		[ -x "$p" ] && [ -f "$p" ] && basename "$p"
	done
}

# render_man FILE: the man page as plain text (mandoc, overstrike removed).
render_man() {
	mandoc -T utf8 "$1" | sed 's/.\x08//g'
}
