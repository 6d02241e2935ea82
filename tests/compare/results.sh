# results.sh: the comparison table from the files bench-compare.sh leaves in
# $OUT (sourced). Ratios are clevis+tang over cocoboot+cocobroker; a side that
# was not measured says so instead of a number.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "n/a"; else printf "%.1fx\n", a / b }'; }
col() { awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$OUT/boots.txt" | median; }
gz() { [ -f "$OUT/$1.cpio.gz" ] && stat -c %s "$OUT/$1.cpio.gz" || echo -; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-") print "-"; else print a - b }'; }
files() { [ -f "$OUT/$1.cpio.gz.files" ] && awk '{ s += $1 } END { print s + 0 }' "$OUT/$1.cpio.gz.files" || echo -; }
nfiles() { [ -f "$OUT/$1.cpio.gz.files" ] && wc -l <"$OUT/$1.cpio.gz.files" || echo -; }
# wrk: requests/s, p99 in ms, non-2xx + socket errors
wrk_rps() { awk '/^Requests\/sec:/ { print $2 }' "$1" 2>/dev/null | grep . || echo -; }
wrk_p99() {
	awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000; printf "%.1f\n", v }' \
		"$1" 2>/dev/null | grep . || echo -
}
wrk_err() { awk '/Non-2xx/ { e += $NF } /Socket errors/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 } END { print e + 0 }' "$1"; }
kv() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" "$1" 2>/dev/null | tail -n 1 | grep . || echo -; }

results() {
	local nb cu cw bu bw n_c n_k
	n_c=$(awk '$1 == "clevis"' "$OUT/boots.txt" | wc -l)
	n_k=$(awk '$1 == "cocoboot"' "$OUT/boots.txt" | wc -l)
	cu=$(col clevis 2) cw=$(col clevis 3) bu=$(col cocoboot 2) bw=$(col cocoboot 3)
	nb="not measured yet: ${COCO_WHY:-cocoboot boots failed}"
	echo "# bench-compare results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, QEMU TCG)"
	echo
	echo "clevis $(dpkg-query -W -f '${Version}' clevis 2>/dev/null), tang $(dpkg-query -W -f '${Version}' tang 2>/dev/null)," \
		"cryptsetup $(dpkg-query -W -f '${Version}' cryptsetup-bin 2>/dev/null), kernel $(basename "$BUILD")/kernel/bzImage"
	echo
	echo "## (a) unlock in the same QEMU guest (median of $n_c clevis / $n_k cocoboot boots)"
	echo
	echo "| | clevis + tang | cocoboot + cocobroker | clevis / cocoboot |"
	echo "|---|---|---|---|"
	if [ "$n_k" -gt 0 ]; then
		echo "| unlock command, guest clock (s) | $cu | $bu | $(ratio "$cu" "$bu") |"
		echo "| whole boot to power-off, host wall (s) | $cw | $bw | $(ratio "$cw" "$bw") |"
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
	echo "## (c) key server at concurrency $CONC (one request per connection)"
	echo
	local tr tp br bp
	tr=$(wrk_rps "$OUT/logs/tang-wrk.txt") tp=$(wrk_p99 "$OUT/logs/tang-wrk.txt")
	br=$(kv "$OUT/logs/broker-load.txt" rps) bp=$(kv "$OUT/logs/broker-load.txt" p99_ms)
	echo "| | tang /rec (socat + tangd per connection) | cocobroker /v1/unlock (TLS 1.3 + SNP verify) | tang / cocobroker |"
	echo "|---|---|---|---|"
	if [ "$br" != - ]; then
		echo "| requests/s | $tr | $br | $(ratio "$tr" "$br") |"
		echo "| p99 latency (ms) | $tp | $bp | $(ratio "$tp" "$bp") |"
		echo "| errors | $(wrk_err "$OUT/logs/tang-wrk.txt") | $(kv "$OUT/logs/broker-load.txt" errors) | |"
	else
		local why
		why=$(grep -m1 '^PENDING' "$OUT/logs/broker-load.txt" 2>/dev/null || echo "PENDING: ${COCO_WHY:-no result}")
		echo "| requests/s | $tr | ${why} | n/a |"
		echo "| p99 latency (ms) | $tp | ${why} | n/a |"
		echo "| errors | $(wrk_err "$OUT/logs/tang-wrk.txt") | | |"
	fi
	echo
	echo "Raw: $OUT/boots.txt, $OUT/logs/ (consoles, wrk and storm output), $OUT/*.cpio.gz.files."
}
