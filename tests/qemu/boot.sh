#!/bin/bash
# boot.sh --initrd FILE --log FILE [options]: boot the guest kernel under QEMU
# (TCG; no KVM on these machines), capture the serial console, and check it.
#   --kernel FILE        bzImage (default build/kernel/bzImage)
#   --no-kernel          no -kernel/-initrd/-append: the firmware finds what to
#                        boot (tests/e2e-measured passes it as fw_cfg files)
#   --append STRING      extra kernel command line
#   --timeout SECONDS    hard limit for the whole boot (default 60)
#   --mem MiB            guest memory (default 512)
#   --disk FILE          attach FILE as the next virtio disk (vda, vdb, ...)
#   --disk-ro FILE       the same, read-only
#   --net                user-mode networking: the guest reaches the host's
#                        loopback at 10.0.2.2
#   --fwd GPORT:HPORT    restricted user networking: the guest reaches nothing
#                        but 10.0.2.100:GPORT, forwarded per connection to the
#                        host's 127.0.0.1:HPORT (repeatable)
#   --expect STRING      a console line must contain STRING (repeatable; all)
#   --fail-on STRING     fail if a console line contains STRING (repeatable)
#   --stop-on STRING     end the boot as soon as a console line contains
#                        STRING (repeatable; for guests that never power off,
#                        e.g. halted or sitting at a shell)
#   --qemu-arg ARG       pass ARG to QEMU
# Exit 0 when every --expect marker appeared and no --fail-on marker did; on
# failure the boot timeline and the console tail are printed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kernel=$top/build/kernel/bzImage initrd= log= append= timeout=60 mem=512 net= direct=1
disks=() expects=() fails=() stops=() qargs=() fwds=()
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--no-kernel) direct=0; shift ;;
	--log) log=$2; shift 2 ;;
	--append) append="$append $2"; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--disk) disks+=("file=$2,format=raw,if=virtio"); shift 2 ;;
	--disk-ro) disks+=("file=$2,format=raw,if=virtio,readonly=on"); shift 2 ;;
	--net) net=user; shift ;;
	--fwd) fwds+=("$2"); net=user; shift 2 ;;
	--expect) expects+=("$2"); shift 2 ;;
	--fail-on) fails+=("$2"); shift 2 ;;
	--stop-on) stops+=("$2"); shift 2 ;;
	--qemu-arg) qargs+=("$2"); shift 2 ;;
	-h|--help) sed -n '2,25s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "boot: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$log" ] || { echo "boot: --log is required" >&2; exit 2; }
args=(-accel tcg -cpu max -m "$mem" -smp 1 -nodefaults -no-reboot
	-display none -serial stdio -monitor none -device virtio-rng-pci)
if [ $direct -eq 1 ]; then
	[ -n "$initrd" ] || { echo "boot: --initrd is required" >&2; exit 2; }
	[ -f "$kernel" ] || { echo "boot: no kernel at $kernel (make kernel)" >&2; exit 2; }
	args+=(-kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 panic=-1 oops=panic loglevel=6 $append")
fi
for d in "${disks[@]+"${disks[@]}"}"; do args+=(-drive "$d"); done
if [ -n "$net" ]; then
	nd=user,id=n0
	if [ ${#fwds[@]} -gt 0 ]; then
		nd+=",restrict=on"
		for f in "${fwds[@]}"; do
			nd+=",guestfwd=tcp:10.0.2.100:${f%%:*}-cmd:socat - TCP:127.0.0.1:${f#*:}"
		done
	fi
	args+=(-netdev "$nd" -device virtio-net-pci,netdev=n0)
fi
args+=("${qargs[@]+"${qargs[@]}"}")

mkdir -p "$(dirname "$log")"
start=$(date +%s.%N)
timeout -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null >"$log" 2>&1 &
qpid=$!
stopped=
while [ ${#stops[@]} -gt 0 ] && [ -z "$stopped" ] && kill -0 "$qpid" 2>/dev/null; do
	for s in "${stops[@]}"; do grep -qF -- "$s" "$log" && stopped=$s; done
	[ -n "$stopped" ] || sleep 0.2
done
# timeout(1) passes the TERM on to QEMU
[ -n "$stopped" ] && kill "$qpid" 2>/dev/null
wait "$qpid"
rc=$?
[ -n "$stopped" ] && rc=0
wall=$(echo "$(date +%s.%N) - $start" | bc)

failed=0
[ "$rc" -eq 124 ] && { echo "boot: timed out after ${timeout}s"; failed=1; }
for e in "${expects[@]+"${expects[@]}"}"; do
	grep -qF -- "$e" "$log" || { echo "boot: missing console marker: $e"; failed=1; }
done
for f in "${fails[@]+"${fails[@]}"}"; do
	grep -qF -- "$f" "$log" && { echo "boot: console shows failure marker: $f"; failed=1; }
done
printf 'boot: %.1f s wall (%s)\n' "$wall" "$(basename "$log")"
if [ $failed -ne 0 ]; then
	echo "--- boot timeline ($log)"
	grep -E 'Linux version|Run /init|Freeing unused|cocoboot|TEST|SMOKE|Kernel panic|error' "$log" | head -n 40
	echo "--- console tail"
	tail -n 30 "$log"
	exit 1
fi
exit 0
