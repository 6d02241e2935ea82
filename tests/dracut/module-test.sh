#!/bin/bash
# module-test.sh: the dracut module on its own, no broker needed.
#   - `make install-dracut` lays out the module
#   - initramfs images for the project kernel (shell flavour) and the Debian
#     cloud kernel (shell and systemd) carry cocoboot (the built binary), the
#     pinned CA and the flavour's hooks/units; size with and without the module
#   - each boots, runs cocoboot against an unreachable broker, and performs
#     rd.cocoboot.onfail (poweroff) instead of dracut's emergency shell
#   - no shell after unlock: the images carry rd.shell=0, the emergency hooks
#     and (systemd) the emergency/rescue drop-ins and masked shell units; the
#     Debian images boot with a command line asking for a shell (shell:
#     rd.shell=1 rd.break=pre-udev; systemd: rd.systemd.debug_shell=ttyS0,
#     rd.systemd.unit=emergency.target) and power off without one
# Prints "N passed, N failed".
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
W=$top/build/dracut-module
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
trap 'echo "$pass passed, $fail failed"; [ $fail -eq 0 ]; exit $?' EXIT
# One run at a time: concurrent runs would delete each other's files.
mkdir -p "$top/build"
exec 8>"$top/build/.dracut-module.lock"
flock 8
rm -rf "$W" && mkdir -p "$W"
# A snapshot: the initramfs must carry exactly these bytes, whatever
# rebuilds build/cocoboot meanwhile.
cp "$top/build/cocoboot" "$W/cocoboot"
COCOBOOT=$W/cocoboot

# 1. install layout
if make -s -C "$top" install-dracut DESTDIR="$W/dest" >"$W/install.out" 2>&1 &&
	[ -x "$W/dest/usr/lib/dracut/modules.d/91cocoboot/module-setup.sh" ] &&
	[ -f "$W/dest/usr/lib/dracut/modules.d/91cocoboot/cocoboot.service" ] &&
	[ -x "$W/dest/usr/sbin/cocoboot" ]; then ok "install-dracut"
else bad "install-dracut"; cat "$W/install.out"; fi
for s in "$top"/dracut-module/91cocoboot/*.sh; do
	sh -n "$s" 2>"$W/syntax.out" || { bad "syntax $(basename "$s")"; cat "$W/syntax.out"; }
done

# A throwaway CA: only its presence in the initramfs is checked here.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
	-subj "/CN=cocoboot module-test CA" -days 1 -out "$W/ca.pem" 2>/dev/null
truncate -s 32M "$W/luks.img"
head -c 32 /dev/urandom >"$W/pass"
cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --sector-size 4096 \
	--key-file "$W/pass" "$W/luks.img" >/dev/null 2>&1 || bad "LUKS2 test volume"
UUID=$(cryptsetup luksUUID "$W/luks.img")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

check_config() { # KERNEL FLAVOUR [noboot]
	local k=$1 f=$2 noboot=${3:-} img=$W/$1-$2.img x=$W/$1-$2.x
	if ! "$here/mkinitrd.sh" --kernel "$k" --flavour "$f" --cocoboot "$COCOBOOT" --ca "$W/ca.pem" --out "$img" >"$W/$k-$f.out" 2>&1; then
		bad "$k/$f: dracut"; tail -n 20 "$W/$k-$f.out"; return 1
	fi
	rm -rf "$x" && mkdir -p "$x" && (cd "$x" && zcat "$img" | cpio -id --quiet 2>/dev/null)
	cmp -s "$x/usr/sbin/cocoboot" "$COCOBOOT" &&
		ok "$k/$f: initramfs carries $("$COCOBOOT" --version)" || bad "$k/$f: cocoboot binary"
	cmp -s "$x/etc/cocoboot/ca.pem" "$W/ca.pem" && ok "$k/$f: pinned CA" || bad "$k/$f: pinned CA"
	if [ "$f" = shell ]; then
		[ -f "$x/usr/lib/dracut/hooks/cmdline/05-cocoboot-cmdline.sh" ] &&
			[ -f "$x/usr/lib/dracut/hooks/initqueue/settled/90-cocoboot-settled.sh" ] &&
			grep -qx network-legacy "$x/usr/lib/dracut/modules.txt"
	else
		[ -L "$x/etc/systemd/system/initrd.target.wants/cocoboot.service" ] &&
			[ -f "$x/usr/lib/systemd/system/cocoboot-onfail.service" ] &&
			grep -qx systemd-networkd "$x/usr/lib/dracut/modules.txt"
	fi && ok "$k/$f: hooks and network" || bad "$k/$f: hooks and network"
	grep -qx crypt "$x/usr/lib/dracut/modules.txt" && ok "$k/$f: crypt" || bad "$k/$f: crypt"
	# dracut's crypt handling stays on for other LUKS devices: no global
	# rd.luks=0, only cocoboot's volume taken out of its rules (hook 31).
	[ -f "$x/usr/lib/dracut/hooks/cmdline/31-cocoboot-luks.sh" ] && ! grep -rqs 'rd\.luks=0' "$x/etc/cmdline.d" &&
		! grep -qs '"rd.luks=0"' "$x/usr/lib/dracut/hooks/cmdline/05-cocoboot-cmdline.sh" &&
		ok "$k/$f: no global rd.luks=0; cmdline/31-cocoboot-luks.sh" || bad "$k/$f: rd.luks handling"
	# No shell after unlock: rd.shell=0 baked in, the emergency hooks; under
	# systemd the emergency/rescue drop-ins and the masked shell units.
	local miss= u
	[ "$(cat "$x/etc/cmdline.d/01-cocoboot-noshell.conf" 2>/dev/null)" = rd.shell=0 ] || miss="$miss rd.shell=0"
	for u in emergency shutdown-emergency; do
		[ -f "$x/usr/lib/dracut/hooks/$u/00-cocoboot-emergency.sh" ] || miss="$miss $u-hook"
	done
	if [ "$f" = systemd ]; then
		for u in emergency rescue dracut-emergency; do
			grep -q 'ExecStart=/usr/sbin/cocoboot-dracut emergency' "$x/etc/systemd/system/$u.service.d/99-cocoboot.conf" 2>/dev/null ||
				miss="$miss $u.service-drop-in"
		done
		for u in debug-shell.service kernel-command-line.service serial-getty@.service console-getty.service; do
			[ "$(readlink "$x/etc/systemd/system/$u")" = /dev/null ] || miss="$miss $u-mask"
		done
	fi
	[ -z "$miss" ] && ok "$k/$f: no-shell hooks$([ "$f" = systemd ] && echo ", drop-ins and masks")" ||
		bad "$k/$f: no-shell pieces missing:$miss"
	# The module's cost: the same initramfs with network and crypt, no cocoboot.
	if "$here/mkinitrd.sh" --kernel "$k" --flavour "$f" --without-module --out "$W/$k-$f-without.img" \
		>"$W/$k-$f-without.out" 2>&1; then
		local a b
		a=$(stat -c %s "$img") b=$(stat -c %s "$W/$k-$f-without.img")
		ok "$k/$f: size $a bytes with the module, $b without (+$((a - b)))"
	else bad "$k/$f: dracut without the module"; tail -n 20 "$W/$k-$f-without.out"; fi

	[ -n "$noboot" ] && return 0
	local kargs=()
	[ "$k" = debian ] && kargs=(--kernel "$("$here/debian-kernel.sh" vmlinuz)")
	# Nothing listens on PORT: cocoboot gives up after its timeout and the
	# module must power the guest off, saying why.
	if "$top/tests/qemu/boot.sh" "${kargs[@]}" --initrd "$img" --log "$W/$k-$f-boot.log" --timeout 240 \
		--mem 1024 --disk "$W/luks.img" --net \
		--append "root=/dev/mapper/cocoboot-root rd.cocoboot.url=https://10.0.2.2:$PORT rd.cocoboot.volume=UUID=$UUID rd.cocoboot.timeout=5" \
		--expect "cocoboot-dracut: " --expect "root volume not unlocked" --expect "onfail=poweroff" \
		--expect "reboot: Power down" --fail-on "Entering emergency mode" --fail-on "Kernel panic" \
		>"$W/$k-$f-boot.out" 2>&1; then
		ok "$k/$f: unreachable broker -> poweroff ($(grep -o 'boot: [0-9.]* s wall' "$W/$k-$f-boot.out"); $(
			grep -m1 -o 'cocoboot: \[ *[0-9.]*\]' "$W/$k-$f-boot.log" | tr -d '[]' |
			awk '{ print "cocoboot started at " $2 " s" }'))"
	else bad "$k/$f: unreachable broker"; cat "$W/$k-$f-boot.out"; fi

	# A command line that asks for a shell some other way than
	# rd.cocoboot.onfail=shell gets the onfail action. Shell flavour: rd.shell
	# plus a dracut breakpoint; systemd: a debug shell on the serial console
	# (it would start within seconds, long before cocoboot gives up), and
	# booting straight into emergency.target.
	[ "$k" = debian ] || return 0
	local ask asks m stops=() n=0
	if [ "$f" = shell ]; then asks=("rd.shell=1 rd.break=pre-udev")
	else asks=("rd.systemd.debug_shell=ttyS0" "rd.systemd.unit=emergency.target"); fi
	for m in 'Dropping to debug shell' 'Entering emergency mode' 'Give root password' 'Cannot open access to console' \
		':/# ' 'sh-5.'; do
		stops+=(--stop-on "$m" --fail-on "$m")
	done
	for ask in "${asks[@]}"; do
		n=$((n + 1))
		if "$top/tests/qemu/boot.sh" "${kargs[@]}" --initrd "$img" --log "$W/$k-$f-askshell$n.log" --timeout 240 \
			--mem 1024 --disk "$W/luks.img" --net "${stops[@]}" \
			--append "root=/dev/mapper/cocoboot-root rd.cocoboot.url=https://10.0.2.2:$PORT rd.cocoboot.volume=UUID=$UUID rd.cocoboot.timeout=5 $ask" \
			--expect "onfail=poweroff" --expect "reboot: Power down" --fail-on "Kernel panic" \
			>"$W/$k-$f-askshell$n.out" 2>&1; then
			ok "$k/$f: $ask -> no shell, poweroff ($(grep -o 'boot: [0-9.]* s wall' "$W/$k-$f-askshell$n.out"); $(
				grep -m1 -o 'emergency path: [^;]*' "$W/$k-$f-askshell$n.log" || echo "cocoboot's own failure"))"
		else bad "$k/$f: $ask"; cat "$W/$k-$f-askshell$n.out"; fi
	done
}

# Not configured (no CA): check() says 1, so asking for the module stops dracut
# instead of building an initramfs without the module or without a CA.
if "$here/mkinitrd.sh" --kernel debian --flavour shell --cocoboot "$COCOBOOT" --ca "$W/no-such-ca.pem" \
	--out "$W/noca.img" >"$W/noca.out" 2>&1; then
	bad "no CA: dracut built $W/noca.img"
elif grep -q "Module 'cocoboot' cannot be installed" "$W/noca.out" && grep -q "not configured: no broker CA" "$W/noca.out"; then
	ok "no CA: dracut stops (check() fails: $(grep -m1 -o 'not configured: no broker CA' "$W/noca.out"))"
else bad "no CA: dracut failed for another reason"; cat "$W/noca.out"; fi

# The guest verifies ECDSA P-256 only (cocoboot check-ca): the module refuses
# an RSA CA at build time instead of building an image that fails every boot.
openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -subj "/CN=cocoboot module-test RSA CA" -days 1 \
	-out "$W/rsa-ca.pem" 2>/dev/null
if "$here/mkinitrd.sh" --kernel project --flavour shell --cocoboot "$COCOBOOT" --ca "$W/rsa-ca.pem" \
	--out "$W/rsa.img" >"$W/rsa.out" 2>&1; then bad "an RSA CA: dracut built an image"
elif grep -q "Module 'cocoboot' cannot be installed" "$W/rsa.out" &&
	grep -q "pinned CA bundle .*certificate 1: its" "$W/rsa.out"; then ok "an RSA CA: dracut refuses it, saying why"
else bad "an RSA CA: dracut failed without the reason"; tail -n 20 "$W/rsa.out"; fi

# Broker host names (cocoboot does no DNS): the module resolves the URLs'
# names at build time into the initramfs's /etc/hosts, here from a hosts file
# of the test's own (cocoboot_hosts_file; the machine's resolution is not
# touched); a name that does not resolve stops dracut, saying why.
printf '# module-test\n192.0.2.7 broker.test\n' >"$W/hosts"
if "$here/mkinitrd.sh" --kernel project --flavour shell --cocoboot "$COCOBOOT" --ca "$W/ca.pem" \
	--url "https://broker.test:8443" --hosts-file "$W/hosts" --out "$W/names.img" >"$W/names.out" 2>&1 &&
	zcat "$W/names.img" | (mkdir -p "$W/names.x" && cd "$W/names.x" && cpio -id --quiet etc/hosts 2>/dev/null) &&
	grep -qx '192.0.2.7 broker.test' "$W/names.x/etc/hosts"; then
	ok "host name: the initramfs's /etc/hosts carries '192.0.2.7 broker.test'"
else bad "host name: /etc/hosts"; tail -n 20 "$W/names.out"; cat "$W/names.x/etc/hosts" 2>/dev/null; fi
if "$here/mkinitrd.sh" --kernel project --flavour shell --cocoboot "$COCOBOOT" --ca "$W/ca.pem" \
	--url "https://nowhere.test:8443" --hosts-file "$W/hosts" --out "$W/noname.img" >"$W/noname.out" 2>&1; then
	bad "unresolvable host name: dracut built an image"
elif grep -q "Module 'cocoboot' cannot be installed" "$W/noname.out" &&
	grep -q 'broker host nowhere.test (from https://nowhere.test:8443) does not resolve at build time' "$W/noname.out"; then
	ok "unresolvable host name: dracut stops ($(grep -m1 -o 'broker host nowhere.test[^:]*' "$W/noname.out"))"
else bad "unresolvable host name: dracut failed without the reason"; tail -n 20 "$W/noname.out"; fi

check_config project shell
check_config debian shell
check_config debian systemd
