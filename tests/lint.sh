#!/bin/sh
# make lint: static checks beyond the compiler's -Werror: cppcheck on the C, mandoc -Tlint on
# the man pages, bash -n on the scripts. Exits non-zero on any finding.
set -u
status=0
if command -v cppcheck >/dev/null; then
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 \
		--suppress=missingIncludeSystem --inline-suppr --library=tests/cppcheck.cfg -Ilib lib cmd tests/tools || status=1
fi
for m in man/*.[157]; do
	out=$(mandoc -T lint -W warning "$m" 2>&1 | grep -v 'referenced manual not found\|mandoc.db')
	[ -z "$out" ] || { echo "$out"; status=1; }
done
for s in tests/run tests/*.sh examples/*.sh bench/run bench/*.sh completions/gen.sh .ci/run; do
	[ -f "$s" ] && { bash -n "$s" || status=1; }
done
exit $status
