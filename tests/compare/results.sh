# shellcheck shell=bash
# results.sh: the comparison table from the files bench-compare.sh leaves in
# $OUT (sourced). Ratios in (a) and (b) are clevis+tang over cocoboot (above 1:
# clevis takes more); in (c) cocobroker over tang (requests/s below 1: tang
# serves more). A side that was not measured says so instead of a number.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "n/a"; else printf "%.1fx\n", a / b }'; }
ratio2() { awk -v a="$1" -v b="$2" 'BEGIN { if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b == 0) print "n/a"; else printf "%.2fx\n", a / b }'; }
col() { awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$OUT/boots.txt" | median; }
colmin() { awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$OUT/boots.txt" | sort -g | head -n 1 | grep . || echo -; }
gz() { [ -f "$OUT/$1.cpio.gz" ] && stat -c %s "$OUT/$1.cpio.gz" || echo -; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-") print "-"; else print a - b }'; }
files() { [ -f "$OUT/$1.cpio.gz.files" ] && awk '{ s += $1 } END { print s + 0 }' "$OUT/$1.cpio.gz.files" || echo -; }
nfiles() { [ -f "$OUT/$1.cpio.gz.files" ] && wc -l <"$OUT/$1.cpio.gz.files" || echo -; }
# kv FILE KEY: the value of KEY= on the last "rps=..." summary line of FILE
kv() { grep '^rps=' "$1" 2>/dev/null | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p" | grep . || echo -; }

results() {
	local nb cu cw bu bw n_c n_k
	n_c=$(awk '$1 == "clevis"' "$OUT/boots.txt" | wc -l)
	n_k=$(awk '$1 == "cocoboot"' "$OUT/boots.txt" | wc -l)
	cu=$(col clevis 2) cw=$(col clevis 3) bu=$(col cocoboot 2) bw=$(col cocoboot 3)
	nb="not measured yet: ${COCO_WHY:-cocoboot boots failed}"
	echo "# bench-compare results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, QEMU TCG)"
	echo
	echo "Load average at start / end: ${LOAD_START:-?} / $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: compare within this run only)."
	echo
	echo "clevis $(dpkg-query -W -f '${Version}' clevis 2>/dev/null), tang $(dpkg-query -W -f '${Version}' tang 2>/dev/null)," \
		"cryptsetup $(dpkg-query -W -f '${Version}' cryptsetup-bin 2>/dev/null), kernel $(basename "$BUILD")/kernel/bzImage"
	echo
	echo "## (a) unlock in the same QEMU guest (median of $n_c clevis / $n_k cocoboot boots)"
	echo
	echo "| | clevis + tang | cocoboot + cocobroker | clevis / cocoboot |"
	echo "|---|---|---|---|"
	if [ "$n_k" -gt 0 ]; then
		echo "| unlock command, guest clock (s), median | $cu | $bu | $(ratio "$cu" "$bu") |"
		echo "| unlock command, guest clock (s), best | $(colmin clevis 2) | $(colmin cocoboot 2) | $(ratio "$(colmin clevis 2)" "$(colmin cocoboot 2)") |"
		echo "| whole boot to power-off, host wall (s), median | $cw | $bw | $(ratio "$cw" "$bw") |"
		echo "| whole boot to power-off, host wall (s), best | $(colmin clevis 3) | $(colmin cocoboot 3) | $(ratio "$(colmin clevis 3)" "$(colmin cocoboot 3)") |"
	else
		echo "| unlock command, guest clock (s) | $cu | $nb | n/a |"
		echo "| whole boot to power-off, host wall (s) | $cw | $nb | n/a |"
	fi
	echo
	echo "## (b) initramfs size (gzip -6 newc, as tests/qemu/mkinitramfs.sh packs it)"
	echo
	echo "| image | bytes (gz) | added over base (gz) | added over base + cryptsetup (gz) | added files | added bytes (uncompressed) |"
	echo "|---|---|---|---|---|---|"
	local v
	for v in base crypt clevis cocoboot cocoboot-sim; do
		if [ "$(gz $v)" = - ]; then
			echo "| $v | $nb | | | | |"
			continue
		fi
		echo "| $v | $(gz $v) | $(minus "$(gz $v)" "$(gz base)") | $([ $v = base ] && echo - || minus "$(gz $v)" "$(gz crypt)") | $(nfiles $v) | $(files $v) |"
	done
	echo
	echo "Ratio of the bytes added over the base (gz), clevis / cocoboot: $(ratio "$(minus "$(gz clevis)" "$(gz base)")" "$(minus "$(gz cocoboot)" "$(gz base)")");" \
		"over base + cryptsetup: $(ratio "$(minus "$(gz clevis)" "$(gz crypt)")" "$(minus "$(gz cocoboot)" "$(gz crypt)")")."
	echo
	echo "## (c) key server under the same load (fresh connection per request; clients on the same 2 cores)"
	echo
	echo "| concurrent : requests | tang req/s | cocobroker req/s | cocobroker / tang | tang p99 (ms) | cocobroker p99 (ms) | cocobroker / tang | errors tang / cocobroker |"
	echo "|---|---|---|---|---|---|---|---|"
	local l c n tf bf tr tp br bp be
	for l in $LOADS; do
		c=${l%%:*} n=${l#*:} tf=$OUT/logs/tang-$c-$n.txt bf=$OUT/logs/broker-$c-$n.txt
		tr=$(kv "$tf" rps) tp=$(kv "$tf" p99_ms) br=$(kv "$bf" rps) bp=$(kv "$bf" p99_ms) be=$(kv "$bf" errors)
		if [ "$br" = - ]; then
			br=$(grep -m1 '^PENDING' "$bf" 2>/dev/null || echo "not measured: ${COCO_WHY:-see $bf}") bp=- be=-
		fi
		echo "| $c : $n | $tr | $br | $(ratio2 "$br" "$tr") | $tp | $bp | $(ratio2 "$bp" "$tp") | $(kv "$tf" errors) / $be |"
	done
	echo
	local cf
	cf=$(ls "$OUT"/logs/broker-*.txt 2>/dev/null | head -n 1)
	if [ -n "$cf" ] && grep -q '^ceiling: broker + clients' "$cf"; then
		echo "The boot-storm client does a guest's crypto (P-256 key, ECDHE, simulated P-384 report signature)" \
			"on the same 2 cores; tang's client sends plain HTTP. mbedTLS ceilings measured in this run:" \
			"cocobroker's crypto alone $(awk '/^ceiling: broker crypto, 2 cores/ { print $(NF - 1) }' "$cf")/s," \
			"broker + clients $(awk '/^ceiling: broker \+ clients/ { print $(NF - 1) }' "$cf")/s."
		echo
	fi
	echo "Raw: $OUT/boots.txt, $OUT/logs/ (consoles, load client output), $OUT/*.cpio.gz.files."
}
