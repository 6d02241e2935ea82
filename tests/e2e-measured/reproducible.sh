#!/bin/bash
# reproducible.sh: `make check-reproducible`. The direct-boot artefacts and
# the policy computed from them do not depend on where the tree is: two copies
# of the tree at different paths each pack the initramfs (tests/qemu/mkinitramfs.sh,
# the e2e-measured layout) from the same inputs and each compute policy.json and
# launch-values.txt (mkosi/policy.sh); the sha256 of each pair must be equal.
# The time stamp is SOURCE_DATE_EPOCH, from the commit, as in a real build.
# And the guest binary: a clone of the commit at another path builds
# build/cocoboot (its own mbedTLS too, about 20 s), which must equal this
# tree's — skipped when this tree's binary is not of the clean commit.
# Prints "N passed, N failed[, N skipped]".
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export E2E_DIR=$top/build/reproducible
# shellcheck source=../e2e/lib.sh
. "$top/tests/e2e/lib.sh"
e2e_tally
skip=0
trap 'e2e_stop_broker; echo "$pass passed, $fail failed, $skip skipped"; [ $fail -eq 0 ]; exit $?' EXIT

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

# The kernel: built once per pinned source + configuration + compiler (a
# cache key), so two clones here share it; what would differ on another
# machine is the build stamp, which kernel/build.sh fixes. Read it from the
# bzImage setup header (kernel_version: a pointer at 0x20e, relative to 0x200).
kver=$(python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
p = struct.unpack_from("<H", b, 0x20e)[0] + 0x200
print(b[p:b.index(b"\0", p)].decode())' "$KERNEL" 2>/dev/null)
deb=$("$top/mk/fetch.sh" linux-source 2>/dev/null)
stamp=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/linux-source-6.12/changelog.Debian.gz |
	zcat | sed -n 's/^ -- .*>  //p' | sed -n 1p)
case $kver in
*"(cocoboot@cocoboot) #1 "*"$stamp") ok "kernel: fixed build stamp ($kver)" ;;
*) bad "kernel: build stamp \"$kver\" is not (cocoboot@cocoboot) #1 ... $stamp (this machine's user, host or time leaked)" ;;
esac

# The guest binary from a clone at another path (same commit, so the same
# version string and time floor).
want=$(git -C "$top" describe --always --dirty 2>/dev/null || echo none)
have=$("$COCOBOOT" --version 2>/dev/null | awk '{ print $2 }')
if [ "$want" = none ] || [ "$want" != "$have" ] || [ "${want%-dirty}" != "$want" ]; then
	skip=$((skip + 1))
	echo "skip cocoboot from a clone: $COCOBOOT is of '$have', the tree is '$want' (needs a clean commit, built from it)"
else
	clone=$W/clone-at-another-path/cocoboot
	rm -rf "$W/clone-at-another-path"
	if git clone --quiet --shared "$top" "$clone" >"$W/clone.log" 2>&1 &&
		git -C "$clone" checkout --quiet "$(git -C "$top" rev-parse HEAD)" >>"$W/clone.log" 2>&1 &&
		nice -n 10 make -C "$clone" -j2 cocoboot >>"$W/clone.log" 2>&1; then
		a=$(sha256sum <"$COCOBOOT" | cut -d' ' -f1)
		b=$(sha256sum <"$clone/build/cocoboot" | cut -d' ' -f1)
		if [ "$a" = "$b" ]; then ok "cocoboot: the same sha256 from a clone at another path ($a)"; else bad "cocoboot: $a vs $b"; fi
	else
		bad "cocoboot: building the clone failed"; tail -n 20 "$W/clone.log"
	fi
	rm -rf "$W/clone-at-another-path"
fi
