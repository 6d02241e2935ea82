#!/bin/bash
# run.sh: cocoboot in a Debian initramfs-tools initramfs (initramfs-tools/,
# docs/initramfs-tools.md), end to end with Debian's cloud kernel.
# A scratch trixie system (tests/deb/scratch-root.sh) gets initramfs-tools
# and the cocoboot package from `make deb` with apt; Debian's kernel modules
# (plus the TEST provider tsm_sim) go under its /usr/lib/modules.
#   - not configured (no CA): mkinitramfs builds, the hook says why and adds
#     nothing (the size without cocoboot)
#   - an RSA CA (the guest verifies ECDSA P-256 only): the build fails, saying why
#   - configured: update-initramfs -c builds the image with cocoboot, the CA,
#     cryptsetup, the local-top and panic scripts
#   - success: the guest attests to a cocobroker on the host loopback,
#     unlocks its LUKS2 root, initramfs-tools mounts it and runs its init
#   - refused: the broker refuses (measurement not in policy): cocoboot's
#     reason, onfail=poweroff, no "(initramfs)" shell
#   - break=premount (a shell asked for on the command line): onfail, no shell
# E2E_ITOOLS_TIMEOUT bounds each boot (default 300 s). Prints "N passed, N failed".
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export E2E_DIR=$top/build/e2e-itools
mkdir -p "$top/build"
exec 8>"$top/build/.e2e-itools.lock"
flock 8
# shellcheck source=../e2e/lib.sh
. "$top/tests/e2e/lib.sh"
e2e_tally

e2e_need || { bad "prerequisites"; exit; }
version=$("$top/packaging/version.sh")
deb=$top/build/deb/cocoboot_${version}_$(dpkg --print-architecture).deb
[ -s "$deb" ] || { bad "no $deb (make deb)"; exit; }
mkdir -p "$W/logs" && rm -f "$W"/logs/* "$W/broker.log"
rm -rf "$W/store" "$W/root"
e2e_pki || { bad "test PKI"; exit; }
PORT=$(free_port)
e2e_broker_config broker "$PORT"
e2e_policy
UUID=$(cat /proc/sys/kernel/random/uuid)
e2e_root_image "$UUID" "$W/root.img" || { bad "encrypted root image (see $W/enrol.log)"; exit; }

# --- the scratch system
R=$W/root U=$W/root/upper
in_root() { "$top/tests/deb/scratch-root.sh" "$R" "$@"; }
rel=/cocoboot${W#"$top"}
cp "$deb" "$W/cocoboot.deb"
if "$top/tests/deb/apt-install.sh" "$R" initramfs-tools "$rel/cocoboot.deb" >"$W/logs/apt.out" 2>&1; then
	ok "apt-get install initramfs-tools ./cocoboot.deb ($(in_root dpkg-query -W -f='${Version}' initramfs-tools))"
else bad "apt-get install"; tail -20 "$W/logs/apt.out"; exit; fi
kmod=$("$top/tests/dracut/debian-kernel.sh" kmoddir) || { bad "Debian kernel modules"; exit; }
kver=$(basename "$kmod")
mkdir -p "$U/usr/lib/modules" "$U/etc/tsm" "$U/etc/initramfs-tools/hooks"
cp -a "$kmod" "$U/usr/lib/modules/"
cp "$KEYS/snp/tsm-sim.material" "$U/etc/tsm/snp.material"
# TEST only: the simulated provider (loaded with its tsm_sim.* parameters from
# the command line) and its material, and the virtio drivers of the QEMU rig.
printf 'tsm_sim\nvirtio_pci\nvirtio_blk\nvirtio_net\next4\n' >>"$U/etc/initramfs-tools/modules"
cat >"$U/etc/initramfs-tools/hooks/zz-cocoboot-test" <<'HOOK'
#!/bin/sh
case ${1:-} in prereqs) exit 0 ;; esac
. /usr/share/initramfs-tools/hook-functions
copy_file material /etc/tsm/snp.material /etc/tsm/snp.material
HOOK
chmod 0755 "$U/etc/initramfs-tools/hooks/zz-cocoboot-test"

listing() { # IMAGE: its file list (unmkinitramfs knows every compression)
	in_root sh -c "rm -rf /tmp/x && unmkinitramfs '$1' /tmp/x && cd /tmp/x && find . | sort"
}
# Not configured: no CA
if in_root mkinitramfs -o "$rel/without.img" "$kver" >"$W/logs/without.out" 2>&1 &&
	grep -q 'cocoboot: not configured (no broker CA at /etc/cocoboot/ca.pem)' "$W/logs/without.out" &&
	! listing "$rel/without.img" | grep -q 'usr/sbin/cocoboot$'; then
	ok "not configured: mkinitramfs builds without cocoboot and says why ($(stat -c %s "$W/without.img") bytes)"
else bad "not configured"; tail -5 "$W/logs/without.out"; fi

# A CA the guest cannot verify with (RSA; cocoboot check-ca): the build fails
# and says why, instead of an image that fails every boot.
mkdir -p "$U/etc/cocoboot"
openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -subj "/CN=initramfs-tools test RSA CA" -days 1 \
	-out "$U/etc/cocoboot/ca.pem" 2>/dev/null
if in_root mkinitramfs -o "$rel/rsa.img" "$kver" >"$W/logs/rsa.out" 2>&1; then
	bad "an RSA CA: mkinitramfs built an image"
elif grep -q 'cannot be pinned' "$W/logs/rsa.out"; then
	ok "an RSA CA: mkinitramfs fails ($(grep -m1 -o 'refused: pinned CA bundle [^:]*: certificate 1: [^;]*' "$W/logs/rsa.out" | sed 's|bundle [^:]*:|bundle:|'))"
else bad "an RSA CA: mkinitramfs failed without the reason"; tail -5 "$W/logs/rsa.out"; fi

# Configured: the CA, update-initramfs
cp "$W/pki/ca.pem" "$U/etc/cocoboot/ca.pem"
# Broker host names: the hook resolves them at build time into the
# initramfs's /etc/hosts, here from a hosts file of the test's own
# (COCOBOOT_HOSTS_FILE; the machine's resolution is not touched). A name that
# does not resolve fails the build, saying why.
printf '# initramfs-tools test\n10.0.2.2 broker.test\n' >"$U/etc/cocoboot/test-hosts"
printf 'COCOBOOT_HOSTS_FILE=/etc/cocoboot/test-hosts\nCOCOBOOT_URL=https://nowhere.test:%s\n' "$PORT" \
	>"$U/etc/cocoboot/initramfs.conf"
if in_root mkinitramfs -o "$rel/noname.img" "$kver" >"$W/logs/noname.out" 2>&1; then
	bad "an unresolvable broker name: mkinitramfs built an image"
elif grep -q 'broker host nowhere.test (from https://nowhere.test:[0-9]*) does not resolve at build time' "$W/logs/noname.out"; then
	ok "an unresolvable broker name: mkinitramfs fails ($(grep -m1 -o 'broker host nowhere.test[^:]*' "$W/logs/noname.out"))"
else bad "an unresolvable broker name: mkinitramfs failed without the reason"; tail -5 "$W/logs/noname.out"; fi
printf 'COCOBOOT_HOSTS_FILE=/etc/cocoboot/test-hosts\nCOCOBOOT_URL=https://broker.test:%s\n' "$PORT" \
	>"$U/etc/cocoboot/initramfs.conf"
t0=$(date +%s.%N)
if in_root update-initramfs -c -k "$kver" >"$W/logs/with.out" 2>&1 && cp "$U/boot/initrd.img-$kver" "$W/with.img"; then
	t=$(echo "$(date +%s.%N) - $t0" | bc)
	ok "update-initramfs -c -k $kver: $(stat -c %s "$W/with.img") bytes, +$(($(stat -c %s "$W/with.img") - $(stat -c %s "$W/without.img"))) for cocoboot ($(printf '%.1f' "$t") s)"
else bad "update-initramfs"; tail -20 "$W/logs/with.out"; exit; fi
listing "$rel/with.img" >"$W/logs/with.list"
miss=
for f in usr/sbin/cocoboot etc/cocoboot/ca.pem usr/sbin/cryptsetup scripts/local-top/cocoboot scripts/panic/cocoboot \
	usr/lib/udev/rules.d/95-dm-notify.rules etc/tsm/snp.material; do
	grep -q "/$f\$" "$W/logs/with.list" || miss="$miss $f"
done
[ -z "$miss" ] && ok "the image carries cocoboot, the CA, cryptsetup, the scripts, dm's udev rules" ||
	bad "the image lacks$miss"
grep -q '/dm-crypt.ko' "$W/logs/with.list" && grep -q '/tsm.ko' "$W/logs/with.list" &&
	ok "the image carries dm-crypt.ko and tsm.ko" || bad "modules dm-crypt / tsm missing"
hosts=$(in_root sh -c "rm -rf /tmp/x && unmkinitramfs '$rel/with.img' /tmp/x && cat /tmp/x/main/etc/hosts /tmp/x/etc/hosts 2>/dev/null")
[[ $hosts == *"10.0.2.2 broker.test"* ]] && ok "the image's /etc/hosts carries '10.0.2.2 broker.test'" ||
	bad "the image's /etc/hosts: '$hosts'"

e2e_start_broker "$W/broker.json" || { bad "broker start"; exit; }
NAME=cocoboot-root
BASE="root=/dev/mapper/$NAME rootfstype=ext4 rd.cocoboot.volume=UUID=$UUID rd.cocoboot.name=$NAME rd.cocoboot.timeout=90 tsm_sim.format=sev_guest tsm_sim.material=/etc/tsm/snp.material"
VMLINUZ=$("$top/tests/dracut/debian-kernel.sh" vmlinuz)
boot() { # CASE APPEND MARKERS...
	local c=$1 a=$2; shift 2
	"$top/tests/qemu/boot.sh" --kernel "$VMLINUZ" --initrd "$W/with.img" --log "$W/logs/$c.log" \
		--timeout "${E2E_ITOOLS_TIMEOUT:-300}" --mem 1024 --disk "$W/root.img" --net \
		--append "${url:-rd.cocoboot.url=https://10.0.2.2:$PORT} $BASE $a" "$@" \
		>"$W/logs/$c.out" 2>&1
}
at() { grep -m1 -o "cocoboot-initramfs: \[[0-9.]*\] $2" "$W/logs/$1.log" | tr -d '[]' | awk '{ print $2 }'; }
if boot success "" --expect E2E-ROOT-OK --fail-on 'cocoboot: error' --fail-on 'Kernel panic' --fail-on '(initramfs)'; then
	ok "success: unlocked and switched root ($(grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/success.out"); network at $(at success configuring) s, unlock starts at $(at success running) s, unlocked at $(at success unlocked) s, root at $(
		grep -m1 -o 'e2e-root: \[[0-9.]*\]' "$W/logs/success.log" | tr -d '[]' | awk '{ print $2 }') s)"
else bad "success"; cat "$W/logs/success.out"; fi
# The broker by name, through the line the hook wrote.
if url=rd.cocoboot.url=https://broker.test:$PORT boot by-name "" --expect E2E-ROOT-OK \
	--expect "attempt 1: https://broker.test:$PORT" --fail-on 'cocoboot: error' --fail-on 'Kernel panic' --fail-on '(initramfs)'; then
	ok "by name: reached https://broker.test:$PORT through the initramfs's /etc/hosts ($(grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/by-name.out"))"
else bad "by name"; cat "$W/logs/by-name.out"; fi
if boot refused "tsm_sim.measurement=$(printf 'ee%.0s' $(seq 48))" \
	--expect 'cocoboot: error broker-refused: measurement-mismatch' --expect 'onfail=poweroff' --expect 'reboot: Power down' \
	--fail-on E2E-ROOT-OK --fail-on 'Kernel panic' --fail-on '(initramfs)' --stop-on '(initramfs)'; then
	ok "refused: $(grep -m1 -o 'cocoboot: error [^ ]* [^ ]*' "$W/logs/refused.log"), powered off, no shell ($(grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/refused.out"))"
else bad "refused"; cat "$W/logs/refused.out"; fi
# Asking for a shell another way (break= makes initramfs-tools panic() into
# its shell before the root is mounted): the panic script performs the
# onfail action instead. The rig's panic=-1 (for the kernel) would make
# initramfs-tools reboot before any panic script; an empty panic= (the last
# one counts) gives the default, a shell, as on a real command line.
if boot break "break=premount panic=" --expect 'no shell in a cocoboot initramfs: onfail=poweroff' --expect 'reboot: Power down' \
	--fail-on E2E-ROOT-OK --fail-on 'Kernel panic' --fail-on '(initramfs)' --stop-on '(initramfs)'; then
	ok "break=premount -> no shell, poweroff ($(grep -m1 -o 'boot: [0-9.]* s wall' "$W/logs/break.out"))"
else bad "break=premount"; cat "$W/logs/break.out"; fi
