#!/bin/bash
# reproducible.sh: `make check-reproducible`. The direct-boot artefacts and
# the policy computed from them do not depend on where the tree is: two copies
# of the tree at different paths each pack the initramfs (tests/qemu/mkinitramfs.sh,
# the e2e-measured layout) from the same inputs and each compute policy.json and
# launch-values.txt (mkosi/policy.sh); the sha256 of each pair must be equal.
# The time stamp is SOURCE_DATE_EPOCH, from the commit, as in a real build.
# Prints "N passed, N failed".
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export E2E_DIR=$top/build/reproducible
# shellcheck source=../e2e/lib.sh
. "$top/tests/e2e/lib.sh"
e2e_tally

FIRMWARE=${AMDSEV_FD:-$BUILD/edk2/OVMF.amdsev.fd}
KERNEL=$BUILD/kernel/bzImage
for f in "$FIRMWARE" "$KERNEL" "$COCOBOOT" "$BROKER" "$TSM_SIM_KO" "$KEYS/snp/tsm-sim.material"; do
	[ -f "$f" ] || { bad "missing $f (make e2e-measured builds it)"; exit; }
done
SOURCE_DATE_EPOCH=$(git -C "$top" log -1 --format=%ct 2>/dev/null) || SOURCE_DATE_EPOCH=0
export SOURCE_DATE_EPOCH
# mkinitramfs.sh builds gen_init_cpio from the kernel source in a fresh tree;
# both copies use the one already built.
export GEN_INIT_CPIO=$BUILD/tools/gen_init_cpio
[ -x "$GEN_INIT_CPIO" ] || "$top/tests/qemu/mkinitramfs.sh" -o "$W/warm.cpio.gz" >/dev/null ||
	{ bad "gen_init_cpio"; exit; }
e2e_pki >/dev/null || { bad "test PKI"; exit; }

rm -rf "$W/a" "$W/copy-with-a-longer-name"
trees=("$W/a" "$W/copy-with-a-longer-name/b")
# The copies hold what builds the artefacts: the scripts, not build/.
for t in "${trees[@]}"; do
	mkdir -p "$t"
	cp -r "$top/tests" "$top/mkosi" "$t/"
done
printf '%s\n' "console=ttyS0 rd.cocoboot.url=https://10.0.2.2:8443" >"$W/cmdline"
for t in "${trees[@]}"; do
	# shellcheck disable=SC2207
	(cd "$t" && ./tests/qemu/mkinitramfs.sh -o "$t/out/initramfs.cpio.gz" \
		--file "$W/pki/ca.pem:/etc/cocoboot/ca.pem:0644" $(e2e_cryptsetup_files) --busybox \
		--init "$t/tests/e2e-measured/measured-init.sh" --file "$COCOBOOT:/sbin/cocoboot:0755" \
		--file "$TSM_SIM_KO:/lib/modules/tsm_sim.ko:0644" \
		--file "$KEYS/snp/tsm-sim.material:/etc/tsm/snp.material:0644" &&
	 ./mkosi/policy.sh --broker "$BROKER" --firmware "$FIRMWARE" --kernel "$KERNEL" \
		--initrd "$t/out/initramfs.cpio.gz" --cmdline "$W/cmdline" --out "$t/out") >"$t.log" 2>&1 ||
		{ bad "artefacts in $t"; cat "$t.log"; exit; }
done
for f in initramfs.cpio.gz policy.json launch-values.txt; do
	a=$(sha256sum <"${trees[0]}/out/$f" | cut -d' ' -f1)
	b=$(sha256sum <"${trees[1]}/out/$f" | cut -d' ' -f1)
	if [ "$a" = "$b" ]; then ok "$f: the same sha256 from both trees ($a)"; else bad "$f: $a vs $b"; fi
done
# A check that could fail: the time stamp does reach the archive.
(cd "${trees[0]}" && SOURCE_DATE_EPOCH=$((SOURCE_DATE_EPOCH + 1)) ./tests/qemu/mkinitramfs.sh -o "$W/later.cpio.gz" \
	--file "$W/pki/ca.pem:/etc/cocoboot/ca.pem:0644") &&
(cd "${trees[0]}" && ./tests/qemu/mkinitramfs.sh -o "$W/now.cpio.gz" --file "$W/pki/ca.pem:/etc/cocoboot/ca.pem:0644") ||
	{ bad "mkinitramfs"; exit; }
if cmp -s "$W/later.cpio.gz" "$W/now.cpio.gz"; then
	bad "SOURCE_DATE_EPOCH does not change the archive"
else
	ok "another SOURCE_DATE_EPOCH gives another archive"
fi
