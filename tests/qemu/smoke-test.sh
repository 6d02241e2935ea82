#!/bin/bash
# smoke-test.sh KERNEL INITRD LOG: boot the guest kernel once and check that
# the configfs-tsm interface and both vendor drivers are built in.
set -u
here=$(cd "$(dirname "$0")" && pwd)
kernel=$1 initrd=$2 log=$3
pass=0 fail=0
t() { if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi; }
t "$here"/boot.sh --kernel "$kernel" --initrd "$initrd" --log "$log" --timeout 60 \
	--expect "SMOKE: tsm report dir present" \
	--expect "reboot: Power down" \
	--fail-on "Kernel panic" --fail-on "MISSING"
t grep -q 'Linux version 6\.12\.' "$log"
# The vendor drivers only bind on real hardware; that they are built in is
# checked on the configuration the kernel was built from.
for opt in CONFIG_TSM_REPORTS CONFIG_SEV_GUEST CONFIG_TDX_GUEST_DRIVER; do
	t grep -qx "$opt=y" "$(dirname "$kernel")/config"
done
init_at=$(sed -n 's/.*SMOKE: uptime \([0-9.]*\) s at init.*/\1/p' "$log")
echo "guest time to init (TCG): ${init_at:-?} s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
