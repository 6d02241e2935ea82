#!/bin/bash
# run-suites.sh SUITE...: run `make check-SUITE` for each suite, keep going after
# a failure, and add up the "N passed, N failed[, N skipped]" lines the suites
# print. The last line is the grand total; the exit code is non-zero when any
# test failed or any suite broke without reporting.
set -u
cd "$(dirname "$0")/.."
log_dir=build/test-logs
mkdir -p "$log_dir"
total_pass=0 total_fail=0 total_skip=0 broken=()
for s in "$@"; do
	echo "=== suite $s"
	log=$log_dir/$s.log
	start=$(date +%s)
	make -s --no-print-directory "check-$s" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "suite $s: exited $rc without a result line"
		broken+=("$s"); continue
	fi
	p=$(sed -E 's/.*\b([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	k=0; [[ $line == *skipped* ]] && k=$(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$line")
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f)); total_skip=$((total_skip + k))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "suite $s: exited $rc although it reported no failure"
		broken+=("$s")
	fi
	echo "=== suite $s: $line ($(( $(date +%s) - start )) s)"
done
[ ${#broken[@]} -gt 0 ] && { echo "broken suites: ${broken[*]}"; total_fail=$((total_fail + ${#broken[@]})); }
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
