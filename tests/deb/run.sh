#!/bin/bash
# run.sh DEBDIR: the Debian packages `make deb` built (docs/packages.md).
#   - lintian is clean at its default level (errors and warnings; the
#     overrides shipped in the packages say why for the two they silence)
#   - control fields: version from git describe, cocobroker's library
#     dependencies from dpkg-shlibdeps
#   - `make install DESTDIR= PREFIX=/usr/local` (other distributions)
#   - contents: every file where it belongs, owned by root, with its mode;
#     the packaged cocoboot is the built one
#   - installed with apt into a scratch trixie system (tests/deb/scratch-root.sh):
#     the cocobroker user from sysusers.d, its state directory 0700 from
#     tmpfiles.d, the unit installed but not enabled, both binaries run;
#     purge keeps the key store
# Prints "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
debdir=${1:-$top/build/deb}
W=$top/build/deb-test
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
trap 'echo "$pass passed, $fail failed"; [ $fail -eq 0 ]; exit $?' EXIT
rm -rf "$W" && mkdir -p "$W"

version=$("$top/packaging/version.sh")
arch=$(dpkg --print-architecture)
boot=$debdir/cocoboot_${version}_$arch.deb
broker=$debdir/cocobroker_${version}_$arch.deb
for f in "$boot" "$broker"; do
	[ -s "$f" ] && ok "built $(basename "$f") ($(stat -c %s "$f") bytes)" || { bad "missing $f"; exit; }
done

# lintian: --fail-on error,warning is its default level
if lintian --fail-on error,warning --tag-display-limit 0 "$boot" "$broker" >"$W/lintian.out" 2>&1; then
	ok "lintian: no errors or warnings"
else bad "lintian"; grep -v 'root privileges' "$W/lintian.out"; fi

field() { dpkg-deb -f "$1" "$2"; }
[ "$(field "$boot" Version)" = "$version" ] && [ "$(field "$broker" Version)" = "$version" ] &&
	ok "version $version (git describe: $(git -C "$top" describe --tags --always --dirty))" || bad "version"
deps=$(field "$broker" Depends)
miss=
for d in libc6 libsqlite3-0 libcjson1 libhttp-parser2.9 systemd; do
	[[ ", $deps" == *", $d "* || ", $deps," == *", $d,"* ]] || miss="$miss $d"
done
[ -z "$miss" ] && ok "cocobroker Depends: $deps" || bad "cocobroker Depends lacks$miss: $deps"
[ -z "$(field "$boot" Depends)" ] && ok "cocoboot (static) depends on nothing" || bad "cocoboot Depends: $(field "$boot" Depends)"

# contents: "mode path" for every file; all root:root
expect() { # DEB MODE PATH...
	local deb=$1 mode=$2 p
	shift 2
	for p in "$@"; do
		grep -qx -- "$mode root/root \./$p" "$W/$(basename "$deb").list" && ok "$(basename "${deb%%_*}"): $mode $p" ||
			bad "$(basename "${deb%%_*}"): no $mode root/root $p"
	done
}
for f in "$boot" "$broker"; do
	dpkg-deb -c "$f" | awk '{ print $1, $2, $6 }' >"$W/$(basename "$f").list"
	n=$(awk '$2 != "root/root"' "$W/$(basename "$f").list" | wc -l)
	[ "$n" -eq 0 ] && ok "$(basename "${f%%_*}"): every file owned by root" || bad "$(basename "${f%%_*}"): $n files not root's"
done
expect "$boot" -rwxr-xr-x usr/sbin/cocoboot usr/lib/dracut/modules.d/91cocoboot/module-setup.sh
expect "$boot" -rw-r--r-- usr/lib/dracut/modules.d/91cocoboot/cocoboot.service usr/share/man/man8/cocoboot.8.gz \
	usr/share/man/man7/cocoboot.cmdline.7.gz usr/share/doc/cocoboot/copyright usr/share/doc/cocoboot/changelog.gz
if [ -d "$top/initramfs-tools" ]; then
	expect "$boot" -rwxr-xr-x usr/share/initramfs-tools/hooks/cocoboot usr/share/initramfs-tools/scripts/local-top/cocoboot \
		usr/share/initramfs-tools/scripts/panic/cocoboot
fi
expect "$broker" -rwxr-xr-x usr/bin/cocobroker
expect "$broker" -rw-r--r-- usr/lib/systemd/system/cocobroker.service usr/lib/sysusers.d/cocobroker.conf \
	usr/lib/tmpfiles.d/cocobroker.conf usr/share/man/man8/cocobroker.8.gz \
	usr/share/doc/cocobroker/examples/cocobroker.json usr/share/doc/cocobroker/copyright
dpkg-deb -x "$boot" "$W/x"
cmp -s "$W/x/usr/sbin/cocoboot" "$top/build/cocoboot" && ok "packaged cocoboot is build/cocoboot" || bad "packaged cocoboot differs"

# make install for other distributions: PREFIX moves what it can; dracut
# and initramfs-tools read only /usr
S=$W/stage
if make -C "$top" --no-print-directory -s install DESTDIR="$S" PREFIX=/usr/local >"$W/install.out" 2>&1; then
	miss=
	for p in usr/local/sbin/cocoboot usr/local/bin/cocobroker usr/local/lib/systemd/system/cocobroker.service \
		usr/local/lib/sysusers.d/cocobroker.conf usr/local/lib/tmpfiles.d/cocobroker.conf \
		usr/local/share/man/man8/cocoboot.8 usr/local/share/man/man7/cocoboot.cmdline.7 \
		usr/local/share/man/man8/cocobroker.8 usr/lib/dracut/modules.d/91cocoboot/module-setup.sh; do
		[ -e "$S/$p" ] || miss="$miss $p"
	done
	[ -z "$miss" ] && ok "make install DESTDIR= PREFIX=/usr/local: $(find "$S" -type f | wc -l) files" ||
		bad "make install PREFIX=/usr/local lacks$miss"
	grep -qx 'ExecStart=/usr/local/bin/cocobroker serve --config /etc/cocobroker/cocobroker.json' \
		"$S/usr/local/lib/systemd/system/cocobroker.service" && ok "the unit starts /usr/local/bin/cocobroker" ||
		bad "the unit's ExecStart: $(grep ExecStart "$S/usr/local/lib/systemd/system/cocobroker.service")"
else bad "make install DESTDIR=$S PREFIX=/usr/local"; cat "$W/install.out"; fi

# apt install into a scratch trixie system
R=$W/root
cp "$boot" "$broker" "$W/"
in_root() { "$here/scratch-root.sh" "$R" "$@"; }
rel=/cocoboot${W#"$top"}
if "$here/apt-install.sh" "$R" "$rel/$(basename "$boot")" "$rel/$(basename "$broker")" >"$W/apt.out" 2>&1; then
	ok "apt-get install ./cocoboot ./cocobroker in a scratch trixie root"
else bad "apt-get install"; tail -20 "$W/apt.out"; exit; fi
in_root sh -c 'dpkg-query -W -f="\${Status}\n" cocoboot cocobroker' >"$W/status" 2>&1
[ "$(grep -c 'install ok installed' "$W/status")" = 2 ] && ok "dpkg: both installed" || { bad "dpkg status"; cat "$W/status"; }
u=$(in_root getent passwd cocobroker)
case $u in cocobroker:*:/var/lib/cocobroker:*) ok "sysusers.d: user $u" ;; *) bad "no cocobroker user ($u)" ;; esac
st=$(in_root stat -c '%a %U:%G' /var/lib/cocobroker /etc/cocobroker 2>&1 | tr '\n' ' ')
[ "$st" = "700 cocobroker:cocobroker 750 root:cocobroker " ] && ok "tmpfiles.d: /var/lib/cocobroker 700 cocobroker, /etc/cocobroker 750 root:cocobroker" ||
	bad "directories: $st"
en=$(in_root systemctl is-enabled cocobroker.service 2>&1)
[ "$en" = disabled ] && ok "cocobroker.service installed, not enabled (needs a configuration first)" || bad "cocobroker.service is $en"
in_root systemd-analyze verify --man=no /usr/lib/systemd/system/cocobroker.service >"$W/verify.out" 2>&1 &&
	ok "systemd-analyze verify cocobroker.service" || { bad "systemd-analyze verify"; cat "$W/verify.out"; }
# The crypttab pieces (docs/crypttab.md) as installed: the template unit
# verifies with the root's systemd, and the generator wires an x-cocoboot,_netdev
# entry of a sample crypttab to it.
in_root sh -c 'cp /usr/lib/systemd/system/cocoboot-unlock@.service /tmp/cocoboot-unlock@data.service &&
	systemd-analyze verify --man=no /tmp/cocoboot-unlock@data.service' >"$W/verify-crypttab.out" 2>&1 &&
	ok "systemd-analyze verify cocoboot-unlock@data.service" || { bad "systemd-analyze verify cocoboot-unlock@"; cat "$W/verify-crypttab.out"; }
g=$(in_root sh -c 'printf "data UUID=1 none x-cocoboot,_netdev\n" >/tmp/crypttab && rm -rf /tmp/gen &&
	COCOBOOT_CRYPTTAB=/tmp/crypttab /usr/lib/systemd/system-generators/cocoboot-crypttab-generator /tmp/gen /tmp/e /tmp/l &&
	readlink /tmp/gen/systemd-cryptsetup@data.service.wants/cocoboot-unlock@data.service' 2>&1)
[ "$g" = /usr/lib/systemd/system/cocoboot-unlock@.service ] &&
	ok "cocoboot-crypttab-generator: systemd-cryptsetup@data.service wants cocoboot-unlock@data.service" ||
	bad "cocoboot-crypttab-generator in the scratch root: '$g'"
in_root cocobroker --help >"$W/help.out" 2>&1; grep -q 'run the key broker' "$W/help.out" &&
	ok "cocobroker runs in the scratch root (its libraries resolve)" || { bad "cocobroker --help"; cat "$W/help.out"; }
v=$(in_root cocoboot --version 2>&1)
[ "$v" = "$("$top/build/cocoboot" --version)" ] && ok "cocoboot --version: $v" || bad "cocoboot --version: $v"
in_root sh -c 'echo keep >/var/lib/cocobroker/keys.db && apt-get purge -y -q cocobroker' >"$W/purge.out" 2>&1 &&
	in_root sh -c 'test -s /var/lib/cocobroker/keys.db && ! test -e /usr/bin/cocobroker' &&
	ok "purge removes the package and keeps the key store" || { bad "purge"; tail -5 "$W/purge.out"; }
