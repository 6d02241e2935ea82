#!/bin/bash
# sum.sh CMD...: run each test command (a binary or a script), show its
# output, and end with one line adding up their "N passed, N failed[, N
# skipped]" lines. A command that exits non-zero without reporting a failure
# counts as one.
set -u
pass=0 fail=0 skip=0
result='^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$'
for cmd in "$@"; do
	out=$($cmd 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v -E "$result"
	line=$(printf '%s\n' "$out" | grep -E "$result" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $cmd: exited $rc without a result line"
		fail=$((fail + 1))
		continue
	fi
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	k=0
	case $line in *skipped) k=${line##*, }; k=${k%% skipped} ;; esac
	echo "$(basename "${cmd%% *}"): $line"
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + k))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $cmd: exited $rc"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
