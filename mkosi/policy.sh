#!/bin/bash
# policy.sh --broker BIN --firmware FW --kernel FILE --initrd FILE --cmdline FILE
#           --out DIR [--vcpus "N..."] [--vcpu-types "NAME..."] [--tdx-firmware FW]
#           [--snp-extra JSON-MEMBERS] [--tdx-extra JSON-MEMBERS]
# The reference values of a measured direct boot, computed by `cocobroker
# measure` (docs/measure.md), never copied from a boot:
#   DIR/policy.json         a volume policy that pins the SEV-SNP launch digest of
#                           every launch configuration (vCPU count x vCPU type) of
#                           these files; --snp-extra adds members to its "snp"
#                           object (the e2e adds the TEST product and TCB); with
#                           --tdx-firmware also a "tdx" object that pins MRTD (both
#                           page orders) and the kernel, initrd and cmdline events
#                           of the CCEL event log the broker replays (docs/measure.md);
#                           --tdx-extra adds members to it
#   DIR/launch-values.txt   what the policy was computed from (the sha256 of the
#                           firmware, kernel, initrd and command line), the digest
#                           per configuration, and the TDX values (MRTD of
#                           --tdx-firmware, the kernel/initrd/cmdline event digests)
# FILE for --cmdline holds the -append string (a trailing newline is not part of it).
# The output depends only on the inputs: no dates, no paths.
set -euo pipefail
broker= fw= kernel= initrd= cmdline= out= vcpus="1 2 4" types="EPYC-v4 EPYC-Milan EPYC-Genoa" tdxfw= extra= tdxextra=
while [ $# -gt 0 ]; do
	case $1 in
	--broker) broker=$2; shift 2 ;;
	--firmware) fw=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--vcpus) vcpus=$2; shift 2 ;;
	--vcpu-types) types=$2; shift 2 ;;
	--tdx-firmware) tdxfw=$2; shift 2 ;;
	--snp-extra) extra=$2; shift 2 ;;
	--tdx-extra) tdxextra=$2; shift 2 ;;
	*) echo "policy: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
need() { # OPTION FILE
	[ -n "$2" ] || { echo "policy: $1 FILE is required (usage: $0)" >&2; exit 2; }
	[ -f "$2" ] || { echo "policy: $1: no such file: $2" >&2; exit 2; }
}
need --broker "$broker"; need --firmware "$fw"; need --kernel "$kernel"; need --initrd "$initrd"
need --cmdline "$cmdline"
[ -n "$out" ] || { echo "policy: --out DIR is required" >&2; exit 2; }
[ -z "$tdxfw" ] || [ -f "$tdxfw" ] || { echo "policy: no TDX firmware at $tdxfw" >&2; exit 2; }
append=$(cat "$cmdline")
sha() { sha256sum "$1" | cut -d' ' -f1; }
mkdir -p "$out"

values=$out/launch-values.txt.tmp
{
	echo "# Reference values of the measured direct boot, computed by cocobroker measure."
	echo "firmware-sha256 $(sha "$fw")"
	echo "kernel-sha256 $(sha "$kernel")"
	echo "initrd-sha256 $(sha "$initrd")"
	echo "cmdline-sha256 $(printf '%s' "$append" | sha256sum | cut -d' ' -f1)"
	echo "# snp VCPUS VCPU-TYPE LAUNCH-DIGEST (vmm qemu, guest features 0x1)"
} >"$values"
digests=()
for n in $vcpus; do
	for t in $types; do
		d=$("$broker" measure snp --firmware "$fw" --kernel "$kernel" --initrd "$initrd" --append "$append" \
			--vcpus "$n" --vcpu-type "$t")
		echo "snp $n $t $d" >>"$values"
		digests+=("$d")
	done
done
tdx=
if [ -n "$tdxfw" ]; then
	echo "# tdx: MRTD of the TD firmware below; kernel/initrd/cmdline are the RTMR1/RTMR2 event digests" >>"$values"
	echo "tdx firmware-sha256 $(sha "$tdxfw")" >>"$values"
	tv=$("$broker" measure tdx --firmware "$tdxfw" --kernel "$kernel" --initrd "$initrd" --append "$append")
	two=$("$broker" measure tdx --firmware "$tdxfw" --mrtd-order two-pass | sed -n 's/^mrtd //p')
	printf '%s\n' "$tv" | sed 's/^/tdx /' >>"$values"
	echo "tdx mrtd-two-pass $two" >>"$values"
	val() { printf '%s\n' "$tv" | sed -n "s/^$1 //p"; }
	# both page orders of the same firmware (docs/measure.md, MRTD), sorted
	mrtds=$(printf '%s\n%s\n' "$(val mrtd)" "$two" | sort -u | sed 's/.*/"&"/' | paste -sd, | sed 's/,/, /g')
	tdx=$(printf ',\n "tdx": {"mrtd": [%s],\n         "kernel": ["%s"], "initrd": ["%s"], "cmdline": ["%s"]' \
		"$mrtds" "$(val kernel)" "$(val initrd)" "$(val cmdline)")
	[ -z "$tdxextra" ] || tdx=$(printf '%s,\n         %s' "$tdx" "$tdxextra")
	tdx="$tdx}"
fi

# Sorted, without duplicates: the policy does not depend on the loop order.
list=$(printf '%s\n' "${digests[@]}" | sort -u | sed 's/.*/"&"/' | paste -sd, | sed 's/,/, /g')
{
	printf '{"snp": {"measurements": [%s]' "$list"
	[ -z "$extra" ] || printf ',\n         %s' "$extra"
	printf '}%s}\n' "$tdx"
} >"$out/policy.json.tmp"
python3 -m json.tool "$out/policy.json.tmp" >/dev/null || { echo "policy: generated JSON is invalid" >&2; exit 1; }
mv "$out/policy.json.tmp" "$out/policy.json"
mv "$values" "$out/launch-values.txt"
