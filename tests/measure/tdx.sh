#!/bin/bash
# tdx.sh COCOBROKER: `cocobroker measure tdx` over synthetic inputs
# (make-tdx-inputs.py): MRTD equal to an independent computation for both page
# orders, the PE Authenticode digest equal to the value osslsigncode computes
# for the same image (pinned here; re-checked with osslsigncode when it is
# installed), the command-line digest, and bad input: exit 2, a precise
# message, nothing on stdout. Also the Debian OVMF, when installed, must parse.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }

expect_bad() {
	local name=$1 pat=$2; shift 2
	local rc
	"$bin" measure tdx "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc -ne 2 ]; then ko "$name: exit $rc, want 2"; return; fi
	if [ -s "$tmp/out" ]; then ko "$name: printed on stdout: $(cat "$tmp/out")"; return; fi
	if ! grep -q -E -- "$pat" "$tmp/err"; then ko "$name: stderr '$(cat "$tmp/err")' lacks /$pat/"; return; fi
	ok
}

python3 "$here/make-tdx-inputs.py" "$tmp" >"$tmp/expected" || { echo "FAIL make-tdx-inputs.py"; echo "0 passed, 1 failed"; exit 1; }
single=$(awk '$1 == "single-pass" {print $2}' "$tmp/expected")
two=$(awk '$1 == "two-pass" {print $2}' "$tmp/expected")

out=$("$bin" measure tdx --firmware "$tmp/tdvf.fd")
[ "$out" = "mrtd $single" ] && ok || ko "MRTD single-pass: '$out', want $single"
out2=$("$bin" measure tdx --firmware "$tmp/tdvf.fd" --mrtd-order two-pass)
[ "$out2" = "mrtd $two" ] && ok || ko "MRTD two-pass: '$out2', want $two"
[ -n "$out" ] && [ "$out" != "$out2" ] && ok || ko "the two page orders give the same MRTD"

# The PE Authenticode digest: osslsigncode's "Calculated message digest" for
# pe.efi signed with SHA-384 (the signature is not part of the digest).
pe_want=64ff2400493a670abb76a5bf1006a787b4f81bfb0f9569c22f6df95a8ad19b8be8613cc38a27c459b5a7ba81ca83a45e
printf 'initrd contents' >"$tmp/initrd"
"$bin" measure tdx --firmware "$tmp/tdvf.fd" --kernel "$tmp/pe.efi" --initrd "$tmp/initrd" --append "console=hvc0 ro" >"$tmp/vals" 2>&1
grep -qx "kernel $pe_want" "$tmp/vals" && ok || ko "kernel Authenticode: $(grep kernel "$tmp/vals")"
want=$(python3 -c 'import hashlib; print(hashlib.sha384(b"initrd contents").hexdigest())')
grep -qx "initrd $want" "$tmp/vals" && ok || ko "initrd digest: $(grep initrd "$tmp/vals")"
want=$(python3 -c 'import hashlib; print(hashlib.sha384("console=hvc0 ro initrd=initrd\0".encode("utf-16-le")).hexdigest())')
grep -qx "cmdline $want" "$tmp/vals" && ok || ko "cmdline digest (with initrd): $(grep cmdline "$tmp/vals")"
[ "$(head -n 1 "$tmp/vals")" = "mrtd $single" ] && [ "$(wc -l <"$tmp/vals")" -eq 4 ] && ok || ko "output lines: $(cat "$tmp/vals")"
out=$("$bin" measure tdx --firmware "$tmp/tdvf.fd" --kernel "$tmp/pe-certtable.efi" | grep kernel)
[ "$out" = "kernel $pe_want" ] && ok || ko "the certificate table is left out of the Authenticode digest: $out"
out=$("$bin" measure tdx --firmware "$tmp/tdvf.fd" --kernel "$tmp/pe.efi" | grep cmdline)
want=$(python3 -c 'import hashlib; print(hashlib.sha384("\0".encode("utf-16-le")).hexdigest())')
[ "$out" = "cmdline $want" ] && ok || ko "cmdline digest (empty, no initrd): $out"
if command -v osslsigncode >/dev/null && command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/k" -out "$tmp/c" -days 1 -subj /CN=t >/dev/null 2>&1
	osslsigncode sign -h sha384 -certs "$tmp/c" -key "$tmp/k" -in "$tmp/pe.efi" -out "$tmp/signed.efi" >/dev/null 2>&1
	calc=$(osslsigncode verify -in "$tmp/signed.efi" 2>&1 | awk -F': ' '/Calculated message digest/ {print tolower($2)}' | tr -d ' ')
	signed=$("$bin" measure tdx --firmware "$tmp/tdvf.fd" --kernel "$tmp/signed.efi" | awk '$1 == "kernel" {print $2}')
	[ "$calc" = "$pe_want" ] && [ "$signed" = "$pe_want" ] && ok || ko "osslsigncode '$calc', signed image '$signed', want $pe_want"
else
	echo "SKIP Authenticode cross-check: osslsigncode not installed (the pinned value is still checked)"
	skip=$((skip + 1))
fi

for v in unknown-type:"type 4, which QEMU does not load" unknown-attr:"unknown attributes 0x2" \
	unaligned:"not page-aligned" empty:"is empty" raw-gt-mem:"0x2000 bytes of data for 0x1000" \
	data-outside:"lies outside" extend-short:"asks for MR.EXTEND" hob-with-data:"must not have data" \
	bfv-no-data:"must have data" huge:"more than 1 GiB" overlap:"sections overlap: TEMP_MEM at 0x800000" signature:"TDVF\" signature" \
	version:"version 2" count:"declares 5 sections" zero-sections:"declares 0 sections" \
	desc-len:"length 65536 does not fit" offset:"offset 0x10010"; do
	expect_bad "TDVF ${v%%:*}" "${v#*:}" --firmware "$tmp/bad-${v%%:*}.fd"
done
head -c 4096 /dev/urandom >"$tmp/random.bin"
expect_bad "not a firmware" "no GUIDed footer table" --firmware "$tmp/random.bin"
expect_bad "missing firmware" "cannot open firmware /nonexistent/OVMF.fd" --firmware /nonexistent/OVMF.fd
expect_bad "no --firmware" "--firmware FILE is required" --kernel "$tmp/pe.efi"
expect_bad "kernel not a PE image" "kernel .*: not a PE image: no MZ header" --firmware "$tmp/tdvf.fd" --kernel "$tmp/initrd"
head -c 1000 "$tmp/pe.efi" >"$tmp/short.efi"
expect_bad "truncated PE" "outside the 1000-byte image" --firmware "$tmp/tdvf.fd" --kernel "$tmp/short.efi"
for v in magic:"magic 0x30b" nrva:"1000 data directories" headers:"SizeOfHeaders 0x100000" \
	section:"section 0 raw data 0x900\+0x400 lies outside" certtable:"certificate table 0x0\+0x10000" \
	nsections:"section table \(200 sections\)" optsize:"optional header \(61440 bytes\)"; do
	expect_bad "PE ${v%%:*}" "${v#*:}" --firmware "$tmp/tdvf.fd" --kernel "$tmp/bad-pe-${v%%:*}.efi"
done
expect_bad "missing initrd" "cannot open initrd /nonexistent/initrd" --firmware "$tmp/tdvf.fd" --kernel "$tmp/pe.efi" --initrd /nonexistent/initrd
expect_bad "--append without --kernel" "only with --kernel" --firmware "$tmp/tdvf.fd" --append x
expect_bad "unknown page order" 'unknown --mrtd-order "three-pass"' --firmware "$tmp/tdvf.fd" --mrtd-order three-pass

# A real firmware: Debian's 2 MiB OVMF carries TDX metadata (BFV, CFV, TD_HOB, TEMP_MEM).
if [ -f /usr/share/ovmf/OVMF.fd ]; then
	out=$("$bin" measure tdx --firmware /usr/share/ovmf/OVMF.fd)
	[[ $out =~ ^mrtd\ [0-9a-f]{96}$ ]] && ok || ko "Debian OVMF.fd: '$out'"
else
	echo "SKIP Debian OVMF: /usr/share/ovmf/OVMF.fd not installed"
	skip=$((skip + 1))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
