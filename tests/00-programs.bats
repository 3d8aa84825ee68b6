#!/usr/bin/env bats
# Every program in the build: --help, --version, bad options, stdout errors, man page,
# completions, and its place in lyra(7).

load helper

@test "there are programs to check" {
	run programs
	assert_success
	[ -n "$output" ]
}

@test "--help prints usage to stdout and exits 0" {
	for p in $(programs); do
		run t "$p" --help
		assert_success
		[[ "${lines[0]}" == "usage: $p "* ]] || fail "$p --help: first line '${lines[0]}'"
		assert_output --partial "options:"
		run t "$p" -h
		assert_success
	done
}

@test "--version names the program and the version" {
	local v
	v=$(cat "$LYRA_ROOT/VERSION")
	for p in $(programs); do
		run t "$p" --version
		assert_success
		assert_output "$p (lyra) $v"
	done
}

@test "a bad option exits 64 with a 'prog:' message and the usage" {
	for p in $(programs); do
		run t "$p" --no-such-option
		[ "$status" -eq 64 ] || fail "$p: status $status"
		assert_line --index 0 "$p: unknown option '--no-such-option'"
		assert_line --index 1 --partial "usage: $p"
		run t "$p" --db
		[ "$status" -eq 64 ] || fail "$p --db: status $status"
		assert_line --index 0 "$p: option '--db' needs an argument"
	done
}

@test "a full disk on stdout is exit 74, not silence" {
	[ -w /dev/full ] || skip "no /dev/full"
	for p in $(programs); do
		run t bash -c "'$p' --help > /dev/full"
		[ "$status" -eq 74 ] || fail "$p: status $status"
		assert_output "$p: write error on stdout: No space left on device"
	done
}

@test "a closed pipe ends a program quietly, like cat" {
	for p in $(programs); do
		run t bash -c "'$p' --help | true; echo \${PIPESTATUS[0]}"
		# 0 if it finished writing before the reader closed, else death by SIGPIPE (141)
		[[ "$output" == 0 || "$output" == 141 ]] || fail "$p: '$output'"
	done
}

@test "every program has a man page that names every long option of --help" {
	for p in $(programs); do
		local page="$LYRA_ROOT/man/$p.1"
		[ -f "$page" ] || fail "missing man/$p.1"
		[ -z "$(mandoc -T lint -W warning "$page" 2>&1 | grep -v 'referenced manual not found\|mandoc.db')" ] \
			|| fail "$(mandoc -T lint -W warning "$page" 2>&1)"
		local text
		text=$(render_man "$page")
		for o in $("$p" --help | awk '/^options:/{c=1;next} /^$/{c=0} c' | grep -oE -- '--[a-z][a-z0-9-]*'); do
			grep -qF -- "$o" <<<"$text" || fail "man/$p.1 does not mention $o"
		done
		for c in $("$p" --help | awk '/^commands:/{c=1;next} /^$/{c=0} c && /^  [a-z]/{print $1}'); do
			grep -qE "^ +$c( |$)" <<<"$text" || grep -qF " $c " <<<"$text" || fail "man/$p.1 does not describe '$c'"
		done
	done
}

@test "lyra(7) lists every program and the exit-code table of exitcode.h" {
	local text
	text=$(render_man "$LYRA_ROOT/man/lyra.7")
	for p in $(programs); do
		grep -qE "^ +$p\(1\)" <<<"$text" || fail "lyra.7 does not list $p"
	done
	for code in $(grep -oE '= *[0-9]+,' "$LYRA_ROOT/lib/exitcode.h" | tr -dc '0-9\n'); do
		grep -qE "^ +$code( |$)" <<<"$text" || fail "lyra.7 has no row for exit code $code"
	done
}

@test "bash and zsh completions are generated from --help and up to date" {
	local out="$BATS_TEST_TMPDIR/comp"
	mkdir -p "$out"
	run bash "$LYRA_ROOT/completions/gen.sh" "$LYRA_BIN" "$out"
	assert_success
	run diff -u "$LYRA_ROOT/completions/lyra.bash" "$out/lyra.bash"
	assert_success
	run diff -u "$LYRA_ROOT/completions/_lyra" "$out/_lyra"
	assert_success
	for p in $(programs); do
		grep -q "complete .* $p\b" "$out/lyra.bash" || grep -qE "complete .*[ ]$p( |$)" "$out/lyra.bash" || fail "bash: $p"
		grep -q "^$p)" "$out/_lyra" || fail "zsh: $p"
	done
}

@test "bash completion completes a command and an option" {
	for p in $(programs); do
		local first
		first=$("$p" --help | awk '/^commands:/{c=1;next} /^$/{c=0} c && /^  [a-z]/{print $1; exit}')
		[ -n "$first" ] || continue
		run bash -c "source '$LYRA_ROOT/completions/lyra.bash'; COMP_WORDS=($p ${first:0:2}); COMP_CWORD=1; _lyra; printf '%s\n' \"\${COMPREPLY[@]}\""
		assert_success
		assert_line "$first"
		run bash -c "source '$LYRA_ROOT/completions/lyra.bash'; COMP_WORDS=($p --ver); COMP_CWORD=1; _lyra; printf '%s\n' \"\${COMPREPLY[@]}\""
		assert_line "--version"
		assert_line "--verbose"
	done
}

@test "zsh completion file parses" {
	command -v zsh >/dev/null || skip "zsh not installed"
	run zsh -n "$LYRA_ROOT/completions/_lyra"
	assert_success
}
