#!/bin/sh
# /init of the `tsm` suite's guest: load tsm_sim.ko with different parameters
# in turn, run tsm-guest against each, and hand the saved reports to the host
# as a tar archive written raw onto the first virtio disk.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Keep kernel messages off the console lines the host parses.
echo 1 >/proc/sys/kernel/printk
mkdir -p /out
T="/bin/tsm-guest /out"
IN1=$(cat /etc/tsm/inblob1) IN2=$(cat /etc/tsm/inblob2) IN3=$(cat /etc/tsm/inblob3)
SNP="format=sev_guest material=/etc/tsm/snp.material"
TDX="format=tdx_guest material=/etc/tsm/tdx.material"
step() { echo "TSM-STEP $*"; }
load() { insmod /lib/modules/tsm_sim.ko "$@" || { echo "TSM-CHECK FAIL insmod $*"; dmesg | grep -E "tsm|ecc" | tail -n 3; }; }
unload() { rmmod tsm_sim || echo "TSM-CHECK FAIL rmmod"; }

step "no provider: mkdir fails with ENXIO (configfs mounted by libtsm)"
$T fail none-loaded "$IN1" ENXIO

step "SEV-SNP"
load $SNP
$T fetch snp-1 "$IN1"
$T fetch snp-vmpl2 "$IN2" 2
$T fail snp-short "0102030405060708" EINVAL
$T race snp-race "$IN3"
$T race-forever snp-race-forever "$IN3"
$T threads snp-threads
$T bench snp-bench 5
unload

step "SEV-SNP, debug policy, other measurement, bad signature"
load $SNP debug=1 bad_signature=1 measurement=$(printf 'ab%.0s' $(seq 48))
$T fetch snp-bad "$IN1"
unload

step "SEV-SNP, older TCB than the VCEK, host data"
load $SNP tcb_ucode=100 host_data=$(printf 'cd%.0s' $(seq 32))
$T fetch snp-oldtcb "$IN3"
unload

step "SEV-SNP, transient EBUSY x3 then EAGAIN forever"
load $SNP fail_first=3 fail_errno=EBUSY
$T busy snp-busy "$IN2" 4
unload
load $SNP fail_first=1000 fail_errno=EAGAIN
$T fail snp-eagain "$IN2" EAGAIN
unload

step "TDX"
load $TDX
$T fetch tdx-1 "$IN1"
$T race tdx-race "$IN3"
$T fail tdx-privlevel "$IN1" ENOENT 1
$T bench tdx-bench 5
unload
load $TDX bad_signature=1 debug=1
$T fetch tdx-bad "$IN2"
unload

step "bad key material is refused"
sed 's/^snp_vcek_key=.*/snp_vcek_key=00/' /etc/tsm/snp.material >/tmp/short-key.material
insmod /lib/modules/tsm_sim.ko format=sev_guest material=/tmp/short-key.material 2>/dev/null \
	&& echo "TSM-CHECK FAIL insmod accepted a 1-byte key" || echo "TSM-CHECK PASS insmod refuses a 1-byte key"
insmod /lib/modules/tsm_sim.ko format=sev_guest 2>/dev/null \
	&& echo "TSM-CHECK FAIL insmod without material" || echo "TSM-CHECK PASS insmod refuses to load without key material"
insmod /lib/modules/tsm_sim.ko $SNP tcb_ucode=300 2>/dev/null \
	&& echo "TSM-CHECK FAIL insmod accepted tcb_ucode=300" || echo "TSM-CHECK PASS insmod refuses a TCB SPL over 255"
insmod /lib/modules/tsm_sim.ko format=tdx_guest material=/etc/tsm/snp.material 2>/dev/null \
	&& echo "TSM-CHECK FAIL insmod tdx with snp material" || echo "TSM-CHECK PASS insmod refuses TDX without TDX keys"

cd /out && tar cf /dev/vda . && sync
echo "TSM-GUEST-DONE"
poweroff -f
