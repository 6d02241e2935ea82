# shellcheck shell=bash
# dracut-results.sh: the table of the dracut-to-dracut comparison from what
# dracut-bench.sh leaves in $OUT (sourced). Ratios are clevis over cocoboot
# (above 1: clevis takes more). boots.txt: one line per boot, the columns
# of dracut-timeline.sh.
# median, ratio, col, colmin: results.sh; entry_clevis, entry_cocoboot: dracut-bench.sh
# shellcheck source=tests/compare/results.sh
. "$(dirname "${BASH_SOURCE[0]}")/results.sh"

kib() { awk -v b="$1" 'BEGIN { printf "%+.0f KiB", b / 1024 }'; }
size() { stat -c %s "$OUT/$1.cpio.gz"; }
# added FROM TO: files in image TO that are not in image FROM
added() { comm -13 "$OUT/$1.list" "$OUT/$2.list" | wc -l; }

dracut_results() {
	local b k cb c kc cc n_c n_k row
	b=$(size base) k=$(size cocoboot) c=$(size clevis)
	cb=$b
	kc=$((k - b)) cc=$((c - cb))
	n_c=$(awk '$1 == "clevis"' "$OUT/boots.txt" | wc -l)
	n_k=$(awk '$1 == "cocoboot"' "$OUT/boots.txt" | wc -l)
	echo "# bench-compare-dracut results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, QEMU TCG)"
	echo
	echo "Load average at start / end: ${LOAD_START:-?} / $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: compare within this run only)."
	echo
	echo "Build root: dracut $(pkgver dracut), clevis-dracut $(pkgver clevis-dracut), cryptsetup $(pkgver cryptsetup-bin);" \
		"kernel $("$TOP/tests/dracut/debian-kernel.sh" kver); ${COMPARE_DRACUT_FLAVOUR:-systemd} flavour; host: tang $(dpkg-query -W -f '${Version}' tang 2>/dev/null)," \
		"clevis $(dpkg-query -W -f '${Version}' clevis 2>/dev/null) (bind)."
	echo
	echo "## Initramfs size (dracut, ${COMPARE_DRACUT_FLAVOUR:-systemd} flavour, gzip)"
	echo
	echo "| image | bytes (gz) | tool's cost over its base | files added |"
	echo "|---|---|---|---|"
	echo "| base (network + crypt), mkinitrd.sh | $b | - | - |"
	echo "| base + cocoboot module | $k | $kc B ($(kib "$kc")) | $(added base cocoboot) |"
	if [ -f "$OUT/sd-cryptsetup.cpio.gz" ]; then
		local s o
		s=$(size sd-cryptsetup) o=$(size clevis-modules)
		echo "| base + clevis, clevis-pin-tang, systemd-cryptsetup (boots) | $c | $cc B ($(kib "$cc")) | $(added base clevis) |"
		echo "| base + clevis, clevis-pin-tang alone (does not unlock: nothing asks it) | $o | $((o - cb)) B ($(kib $((o - cb)))) | $(added base clevis-modules) |"
		echo "| base + dracut's systemd-cryptsetup alone | $s | $((s - cb)) B ($(kib $((s - cb)))) | $(added base sd-cryptsetup) |"
		echo
		echo "Cost ratio, clevis / cocoboot: $(ratio "$cc" "$kc") for the image that boots;" \
			"$(ratio $((o - cb)) "$kc") for clevis's modules alone (systemd-cryptsetup set aside: clevis 20's module does not ask for it," \
			"any Debian dracut image of a LUKS root has it, and here --no-hostonly makes it bring dracut's tpm2-tss, fido2 and pkcs11" \
			"support; the two share curl's libraries, so the parts do not add up)."
	else
		echo "| base + clevis, clevis-pin-tang | $c | $cc B ($(kib "$cc")) | $(added base clevis) |"
		echo
		echo "Cost ratio, clevis / cocoboot: $(ratio "$cc" "$kc")."
	fi
	echo
	echo "## Boot to an unlocked root, ${COMPARE_DRACUT_FLAVOUR:-systemd} flavour (median of $n_c clevis / $n_k cocoboot boots; guest trace clock, s)"
	echo
	echo "| | clevis + tang | cocoboot + cocobroker | clevis / cocoboot |"
	echo "|---|---|---|---|"
	for row in "2:unlock: network online -> root mounted, median" "2:unlock: network online -> root mounted, best:min" \
		"3:tool: tool starts (or network online, if later) -> root mounted, median" \
		"3:tool: tool starts -> root mounted, best:min" "4:tool process start -> exit, median" \
		"6:network online at, median" "5:tool starts at, median" "7:root mounted at, median" \
		"8:root's init runs at (whole boot), median" "8:root's init runs at (whole boot), best:min" \
		"9:boot to power-off, host wall, median" "10:processes started during the unlock, median" \
		"11:cryptsetup runs during the unlock, median"; do
		local colno=${row%%:*} label=${row#*:} f=col cv kv
		case $label in *:min) f=colmin label=${label%:min} ;; esac
		cv=$($f clevis "$colno") kv=$($f cocoboot "$colno")
		echo "| $label | $cv | $kv | $(ratio "$cv" "$kv") |"
	done
	echo
	echo "unlock: from network-online (systemd-networkd-wait-online's exit; both tools need the network and wait" \
		"for it) to the kernel's EXT4 mount message of the opened volume, so each side's dracut glue counts;" \
		"tool: from the exec of ${entry_clevis:-?} / ${entry_cocoboot:-?} instead. Both spans end with dracut's fsck" \
		"and mount of /sysroot. Tool process: cocoboot runs until the volume is open; clevis-luks-askpass until it" \
		"handed the passphrase to systemd-cryptsetup, which then opens the volume."
	echo
	echo "Boots whose trace buffer lost events (then the timeline may be wrong): $(grep -ah 'CMPD-TRACE: entries-in-buffer' "$OUT"/logs/*.log 2>/dev/null |
		tr -d '\r' | sed 's|.*written: ||' | awk -F'[/ ]' '$1 != $2' | wc -l)."
	echo
	echo "Raw: $OUT/boots.txt, $OUT/logs/ (consoles with the trace lines, dracut output), $OUT/*.list (image contents)."
}
# shellcheck disable=SC2016 # ${Version} is dpkg-query's, not the shell's
pkgver() { "$TOP/mkosi/inroot.sh" "$("$TOP/mkosi/buildroot.sh")" dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"; }
