#!/bin/bash
# run-unit.sh CMD...: run each unit-test command (a quoted command line), show
# its failures, and print one total "N passed, N failed" line.
set -u
pass=0 fail=0 broken=0 skip=0
for cmd in "$@"; do
	out=$(eval "$cmd" 2>&1); rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' <<<"$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "BROKEN: $cmd (exit $rc, no result line)"; echo "$out" | tail -n 20
		broken=$((broken + 1)); continue
	fi
	grep -E '^FAIL|^SKIP|runtime error|ERROR: AddressSanitizer' <<<"$out"
	p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
	case $line in *skipped) s=${line##*failed, }; skip=$((skip + ${s%% skipped})) ;; esac
	pass=$((pass + p)); fail=$((fail + f))
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { echo "BROKEN: $cmd exited $rc"; broken=$((broken + 1)); }
	echo "  $(basename "${cmd%% *}"): $line"
done
fail=$((fail + broken))
if [ "$skip" -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
[ "$fail" -eq 0 ]
