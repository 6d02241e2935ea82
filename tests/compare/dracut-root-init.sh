#!/bin/busybox sh
# shellcheck shell=dash
# /sbin/init on the root volume of the dracut-to-dracut comparison
# (tests/compare/dracut-bench.sh), the same for both sides. The kernel traced
# the whole boot into its ring buffer (trace_event= on the command line:
# process exec/exit and every kernel message, one clock); this marks "root
# reached" on that clock, prints the lines the benchmark reads, and powers
# off. It runs after the switch, so nothing it does is in a measured span.
B=/bin/busybox
T=/sys/kernel/tracing
# dracut moved /proc, /sys and /dev along; mount them if it did not
[ -e /proc/self ] || $B mount -t proc proc /proc
[ -d /sys/kernel ] || $B mount -t sysfs sysfs /sys
[ -e $T/trace ] || $B mount -t tracefs tracefs $T
echo cmp-root-reached >$T/trace_marker
echo 0 >$T/tracing_on
# Lost events would make the timeline lie: say how many the buffer kept.
$B grep -m1 '^# entries-in-buffer' $T/trace | $B sed 's/^# /CMPD-TRACE: /'
# Every exec and exit (the benchmark finds the tools, the network's
# wait-online and counts processes), the root's mount and the marker above.
$B grep -E 'sched_process_(exec|exit):|console: EXT4-fs \(dm-|cmp-root-reached' \
	$T/trace | $B sed 's/^/CMPD: /'
echo "CMPD-ROOT-OK $($B cat /compare-marker)"
$B sync
$B poweroff -f
