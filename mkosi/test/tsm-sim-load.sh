#!/bin/sh
# TEST builds only (modprobe install rule for tsm_sim, mkosi/test/tsm-sim.conf):
# load the simulated provider with the launch measurement the e2e harness
# computed with `cocobroker measure snp`, read from the fw_cfg file
# opt/org.cocoboot/sim-measurement. fw_cfg is host input that no launch
# measurement covers — the harness plays the PSP here, which on SEV-SNP
# hardware computes the digest outside the guest. Without that file (boots from
# the disk) the provider reports its default. The module's other parameters
# come from the kernel command line (tsm_sim.format=..., tsm_sim.material=...).
modprobe qemu_fw_cfg 2>/dev/null
f=/sys/firmware/qemu_fw_cfg/by_name/opt/org.cocoboot/sim-measurement/raw
m=
[ -r "$f" ] && m=$(cat "$f") && echo "tsm-sim-load: measurement=$m" >/dev/kmsg
exec modprobe --ignore-install tsm_sim ${m:+measurement=$m}
