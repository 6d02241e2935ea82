#!/bin/bash
# run.sh: the `tsm` check suite. One QEMU boot runs tests/tsm/guest-init.sh
# (tsm_sim.ko loaded with several parameter sets, libtsm-based tsm-guest),
# then check-evidence.py verifies the saved reports on the host.
# Environment: KERNEL TSM_SIM_KO TSM_GUEST KEYS_DIR WORK (set by tests/tsm/tsm.mk).
# The checker first proves itself on real reports: always on the Debian
# go-sev-guest/go-tdx-guest evidence (tests/verify/debian-evidence.sh), and on
# COCOBOOT_TESTDATA (default ../shared/testdata) when that set is there
# (otherwise reported as skipped, one group counted once, with the reason).
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${KERNEL:?}" "${TSM_SIM_KO:?}" "${TSM_GUEST:?}" "${KEYS_DIR:?}" "${WORK:?}"
rm -rf "$WORK" && mkdir -p "$WORK/etc" "$WORK/out"
TESTDATA=${COCOBOOT_TESTDATA:-$(cd .. && pwd)/shared/testdata}
. tests/lib/testdata.sh
vp=0 vf=0 skipped=0
# the checker on the real evidence that is always there (Debian's go-sev-guest/go-tdx-guest)
dp=0 df=1
if ev=$(tests/verify/debian-evidence.sh); then
	/usr/bin/python3 tests/tsm/check-evidence.py --debian "$ev" keys/vendor | tee "$WORK/debian.log" | grep -v '^PASS'
	dp=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p' "$WORK/debian.log")
	df=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p' "$WORK/debian.log")
	[ -n "$dp" ] || { dp=0; df=1; }
else
	echo "FAIL cannot fetch the Debian evidence (tests/verify/debian-evidence.sh)"
fi
case $(testdata_state "$TESTDATA") in
present)
	/usr/bin/python3 tests/tsm/check-evidence.py --vectors "$TESTDATA" | tee "$WORK/vectors.log" | grep -v '^PASS'
	vp=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p' "$WORK/vectors.log")
	vf=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p' "$WORK/vectors.log")
	[ -n "$vp" ] || { vp=0; vf=1; }
	;;
absent)
	echo "SKIP checker self-test on the shared real evidence (one group, counted once): $(testdata_why "$TESTDATA")"
	skipped=1
	;;
*) echo "FAIL checker self-test on real evidence: $(testdata_why "$TESTDATA")"; vf=1 ;;
esac

hex64() { od -An -v -N64 -tx1 /dev/urandom | tr -d ' \n'; }
for i in 1 2 3; do hex64 >"$WORK/etc/inblob$i"; done
initrd=$WORK/initrd.cpio.gz
tests/qemu/mkinitramfs.sh -o "$initrd" --busybox --init tests/tsm/guest-init.sh \
	--file "$TSM_GUEST:/bin/tsm-guest:0755" --file "$TSM_SIM_KO:/lib/modules/tsm_sim.ko:0644" \
	--file "$KEYS_DIR/snp/tsm-sim.material:/etc/tsm/snp.material:0644" \
	--file "$KEYS_DIR/tdx/tsm-sim.material:/etc/tsm/tdx.material:0644" \
	--file "$WORK/etc/inblob1:/etc/tsm/inblob1:0644" \
	--file "$WORK/etc/inblob2:/etc/tsm/inblob2:0644" \
	--file "$WORK/etc/inblob3:/etc/tsm/inblob3:0644" || { echo "0 passed, 1 failed"; exit 1; }
truncate -s 16M "$WORK/out.img"
tests/qemu/boot.sh --initrd "$initrd" --log "$WORK/console.log" --disk "$WORK/out.img" \
	--timeout 180 --expect TSM-GUEST-DONE
boot_rc=$?

pass=$(grep -c '^TSM-CHECK PASS' "$WORK/console.log")
fail=$(grep -c '^TSM-CHECK FAIL' "$WORK/console.log")
grep -E '^TSM-(CHECK FAIL|RESULT|BENCH|ERROR|STEP)' "$WORK/console.log"
[ "$boot_rc" -eq 0 ] || fail=$((fail + 1))
tar -xf "$WORK/out.img" -C "$WORK/out" 2>/dev/null || { echo "no report archive on the disk"; fail=$((fail + 1)); }

measurement=$(printf 'ab%.0s' $(seq 48))
/usr/bin/python3 tests/tsm/check-evidence.py "$KEYS_DIR" "$WORK/out" \
	snp-1:valid snp-1:nodebug snp-1:vmpl=0 snp-vmpl2:vmpl=2 snp-race:valid snp-busy:valid \
	snp-bad:badsig snp-bad:debug snp-bad:measurement=$measurement \
	snp-oldtcb:valid snp-oldtcb:ucode=100 snp-oldtcb:host_data=$(printf 'cd%.0s' $(seq 32)) \
	tdx-1:valid tdx-1:nodebug tdx-race:valid tdx-bad:badsig tdx-bad:debug | tee "$WORK/host-check.log"
hp=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p' "$WORK/host-check.log")
hf=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p' "$WORK/host-check.log")
[ -n "$hp" ] || { hp=0; hf=1; }
echo "$((pass + hp + vp + dp)) passed, $((fail + hf + vf + df)) failed, $skipped skipped"
[ $((fail + hf + vf + df)) -eq 0 ]
