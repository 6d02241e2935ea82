#!/bin/sh
# kmoddir.sh project|debian: prepare (once per input) the module tree dracut
# reads for a kernel — build/dracut/kmod/<flavour>/lib/modules/<kver> — and
# print its path. project: the built-ins of build/kernel plus tsm_sim.ko.
# debian: the modules of the pinned trixie cloud kernel plus tsm_sim.ko built
# against its headers (tests/dracut/debian-kernel.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
case ${1:-} in
project)
	obj=$top/build/kernel/obj
	kver=$(cat "$obj/include/config/kernel.release")
	base=$top/build/dracut/kmod/project
	mkdir -p "$top/build/dracut"
	exec 9>"$top/build/dracut/.project-kmod.lock"
	flock 9
	dir=$base/lib/modules/$kver
	rm -rf "$base"
	mkdir -p "$dir/extra"
	cp "$obj/modules.builtin" "$obj/modules.builtin.modinfo" "$obj/modules.order" "$dir/"
	sim=$top/build/kernel-modules/tsm_sim.ko
	[ -f "$sim" ] && cp "$sim" "$dir/extra/"
	# depmod from the build root (the host may have no kmod)
	"$top/mkosi/inroot.sh" "$("$top/mkosi/buildroot.sh")" depmod -b "/cocoboot${base#"$top"}" "$kver"
	echo "$dir"
	;;
debian)
	exec "$here/debian-kernel.sh" kmoddir
	;;
*) echo "usage: kmoddir.sh project|debian" >&2; exit 2 ;;
esac
