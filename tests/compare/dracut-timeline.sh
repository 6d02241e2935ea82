#!/bin/bash
# dracut-timeline.sh TOOL LOG ENTRY WALL: one boot of the dracut-to-dracut
# comparison as a line of boots.txt, from the trace lines ("CMPD: ...") the
# root's init printed to the console LOG (dracut-root-init.sh). Times are
# seconds on the kernel's trace clock (sched_clock: the console timestamps'):
#   online    the exit of the first systemd-networkd-wait-online
#             (network-online.target; "-" in the shell flavour)
#   start     the first exec of the tool's entry point ENTRY
#   end       the exit of that process
#   mounted   the kernel's "EXT4-fs (dm-N): mounted filesystem": dracut
#             mounted the opened volume on /sysroot
#   root      the root's /sbin/init running (its trace marker)
# Columns: TOOL, unlock (online -> mounted; from start without an online
# mark), tool (the later of start and online -> mounted), tool process
# (start -> end), start, online, mounted, root, WALL (host, s), processes
# started and cryptsetup runs in the unlock span. Exit 1 when a mark is missing.
set -u
[ $# -eq 4 ] || { echo "usage: dracut-timeline.sh TOOL LOG ENTRY WALL" >&2; exit 2; }
tr -d '\r' <"$2" | awk -v tool="$1" -v entry="$3" -v wall="$4" '
	function field(name) { return match($0, " " name "=[0-9]+") ? substr($0, RSTART + length(name) + 2, RLENGTH - length(name) - 2) : "" }
	function max(a, b) { return a + 0 > b + 0 ? a : b }
	/^CMPD: / {
		t = ""
		for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { t = substr($i, 1, length($i) - 1); ev = $(i + 1); break }
		if (t == "") next
		if (ev == "sched_process_exec:") {
			execs[++n] = t; cs[n] = ($0 ~ /filename=[^ ]*\/cryptsetup /)
			if (start == "" && index($0, "filename=" entry " ")) { start = t; pid = field("pid") }
			if (wpid == "" && $0 ~ /filename=[^ ]*\/systemd-networkd-wait-online /) wpid = field("pid")
		}
		if (ev == "sched_process_exit:") {
			if (end == "" && pid != "" && field("pid") == pid) end = t
			if (online == "" && wpid != "" && field("pid") == wpid) online = t
		}
		if (ev == "console:" && mounted == "" && $0 ~ /EXT4-fs \(dm-[0-9]+\): mounted/) mounted = t
		if (ev == "tracing_mark_write:" && $0 ~ /cmp-root-reached/) root = t
	}
	END {
		if (start == "" || mounted == "" || root == "") exit 1
		from = online == "" ? start : online
		for (i = 1; i <= n; i++) if (execs[i] + 0 >= from + 0 && execs[i] + 0 <= mounted + 0) { x++; c += cs[i] }
		printf "%s %.3f %.3f %s %.3f %s %.3f %.3f %s %d %d\n", tool, mounted - from, mounted - max(start, from),
			(end == "" ? "-" : sprintf("%.3f", end - start)), start, (online == "" ? "-" : sprintf("%.3f", online)),
			mounted, root, wall, x, c
	}'
