#!/bin/bash
# cli.sh COCOBROKER FIXTURE_DIR: `cocobroker measure snp` end to end: the
# published vectors of virtee/sev-snp-measure through the command line (when
# the firmware fixtures are present), bad input: exit 2, a precise message
# on stderr, nothing on stdout; and, when an independent implementation is
# installed (sev-snp-measure on PATH, or SEV_SNP_MEASURE=/path/to/it), the
# same launches measured by both, over the fixtures and the image's own
# direct-boot artefacts (build/mkosi/image, build/edk2/OVMF.amdsev.fd).
set -u
bin=$1 fx=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }

# expect_digest NAME WANT ARGS...
expect_digest() {
	local name=$1 want=$2; shift 2
	local out rc
	out=$("$bin" measure snp "$@" 2>"$tmp/err"); rc=$?
	if [ $rc -eq 0 ] && [ "$out" = "$want" ]; then ok; else ko "$name: rc $rc, got '$out' ($(cat "$tmp/err"))"; fi
}

# expect_bad NAME PATTERN ARGS...: exit 2, stdout empty, stderr matches PATTERN
expect_bad() {
	local name=$1 pat=$2; shift 2
	local rc
	"$bin" measure snp "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc -ne 2 ]; then ko "$name: exit $rc, want 2"; return; fi
	if [ -s "$tmp/out" ]; then ko "$name: printed on stdout: $(cat "$tmp/out")"; return; fi
	if ! grep -q -E -- "$pat" "$tmp/err"; then ko "$name: stderr '$(cat "$tmp/err")' lacks /$pat/"; return; fi
	ok
}

amd=$fx/ovmf_AmdSev_suffix.bin x64=$fx/ovmf_OvmfX64_suffix.bin
if [ -f "$amd" ] && [ -f "$x64" ]; then
	expect_digest "direct boot, features 0x21" \
		803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977 \
		--firmware "$amd" --kernel /dev/null --initrd /dev/null --append "console=ttyS0 loglevel=7" \
		--vcpus 1 --vcpu-type EPYC-v4 --guest-features 0x21
	expect_digest "direct boot, default features" \
		6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa \
		--firmware "$amd" --kernel /dev/null --initrd /dev/null --append "console=ttyS0 loglevel=7" \
		--vcpus 1 --vcpu-type EPYC-v4
	expect_digest "no initrd is the empty initrd, no append the empty line" \
		ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5 \
		--firmware "$amd" --kernel /dev/null --vcpus 1 --vcpu-type EPYC-v4
	expect_digest "ec2 (its 2026 VMSA)" \
		0ce9ccc06bab55eebe8abc234f3df6514883977a68a591b71052498ab52b2f1aa415db338033946ef93aa8278c0d67fb \
		--firmware "$amd" --kernel /dev/null --initrd /dev/null --append "" \
		--vcpus 1 --vcpu-type EPYC-v4 --vmm-type ec2 --guest-features 0x21
	expect_digest "ec2 without a vCPU type (it does not reach the VMSA)" \
		0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056 \
		--firmware "$amd" --kernel /dev/null --initrd /dev/null --vcpus 1 --vmm-type ec2
	expect_digest "ec2 version 1 (before 2026)" \
		6ae80856486b1396af8c82a40351d6ed76a20c785e9c7fa4ffa27c22d5d6313b4b3b458cd3c9968e6f89fb5d8450d7a6 \
		--firmware "$amd" --kernel /dev/null --initrd /dev/null --append "" \
		--vcpus 1 --vcpu-type EPYC-v4 --vmm-type EC2 --vmm-version 1 --guest-features 0x21
	expect_digest "gce" \
		5da7106cf14cf46b1725ebab123eb9e53bd46a1e9f400cd0c08e7827b04b688ea8b4e403c8404efed4397ea5d5d0722e \
		--firmware "$amd" --kernel /dev/null --initrd /dev/null --vcpus 1 --vmm-type gce
	expect_digest "gce, 4 vCPUs" \
		5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d \
		--firmware "$amd" --kernel /dev/null --initrd /dev/null --vcpus 4 --vmm-type gce --vmm-version 1
	expect_digest "--snp-ovmf-hash: the firmware's own digest gives the same launch digest" \
		329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198 \
		--firmware "$amd" --kernel /dev/null --initrd /dev/null --append "" --vcpus 1 --vcpu-type EPYC-v4 \
		--guest-features 0x21 \
		--snp-ovmf-hash 086E2E9149EBF45ABDC3445FBA5B2DA8270BDBB04094D7A2C37FAAA4B24AF3AA16AFF8C374C2A55C467A50DA6D466B74
	out=$("$bin" measure snp --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --snp-ovmf-hash "$(printf '%096d' 0)")
	[[ $out =~ ^[0-9a-f]{96}$ ]] && [ "$out" != 19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d ] &&
		ok || ko "--snp-ovmf-hash is used instead of the firmware pages: '$out'"
	# Spellings sev-snp-measure accepts for the same launch.
	expect_digest "guest features in decimal (33 = 0x21), as int(x, 0) reads them" \
		803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977 \
		--firmware "$amd" --kernel /dev/null --initrd /dev/null --append "console=ttyS0 loglevel=7" \
		--vcpus 1 --vcpu-type EPYC-v4 --guest-features 33
	expect_digest "--vcpu-sig for EPYC-v4" \
		6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa \
		--firmware "$amd" --kernel /dev/null --initrd /dev/null --append "console=ttyS0 loglevel=7" \
		--vcpus 1 --vcpu-sig 0x800f12
	expect_digest "--vcpu-family/model/stepping for EPYC-v4" \
		6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa \
		--firmware "$amd" --kernel /dev/null --initrd /dev/null --append "console=ttyS0 loglevel=7" \
		--vcpus 1 --vcpu-family 23 --vcpu-model 1 --vcpu-stepping 2 --vmm-type QEMU
	expect_digest "--append \"\" without --kernel measures no kernel (as QEMU's -append \"\")" \
		19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d \
		--firmware "$amd" --append "" --vcpus 1 --vcpu-type EPYC-v4
	expect_digest "empty --kernel and --initrd are no kernel and no initrd" \
		19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d \
		--firmware "$amd" --kernel "" --initrd "" --vcpus 1 --vcpu-type EPYC-v4
	expect_digest "no kernel" \
		19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d \
		--firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --guest-features 0x1
	expect_digest "4 vCPUs" \
		4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b4698e2414a631942 \
		--firmware "$amd" --kernel /dev/null --initrd /dev/null --vcpus 4 --vcpu-type EPYC-v4 --guest-features 0x21
	expect_digest "OvmfX64" \
		da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005 \
		--firmware "$x64" --vcpus 1 --vcpu-type EPYC-v4
	expect_bad "OvmfX64 with a kernel" "no SNP_KERNEL_HASHES section" \
		--firmware "$x64" --kernel /dev/null --vcpus 1 --vcpu-type EPYC-v4
	# The vCPU type reaches the VMSA: another signature, another digest.
	out=$("$bin" measure snp --firmware "$amd" --vcpus 2 --vcpu-type EPYC-Milan)
	out2=$("$bin" measure snp --firmware "$amd" --vcpus 2 --vcpu-type EPYC-Genoa)
	if [[ $out =~ ^[0-9a-f]{96}$ ]] && [ "$out" != "$out2" ]; then ok; else ko "vCPU type: '$out' vs '$out2'"; fi
	# Bad input around a good firmware
	expect_bad "unknown vCPU type" 'unknown vCPU type "EPYC-Zen9"' --firmware "$amd" --vcpus 1 --vcpu-type EPYC-Zen9
	expect_bad "zero vCPUs" "at least one vCPU" --firmware "$amd" --vcpus 0 --vcpu-type EPYC-v4
	expect_bad "negative vCPUs" "not a vCPU count" --firmware "$amd" --vcpus -1 --vcpu-type EPYC-v4
	expect_bad "too many vCPUs" "not a vCPU count" --firmware "$amd" --vcpus 4097 --vcpu-type EPYC-v4
	expect_bad "vCPU count with junk" "not a vCPU count" --firmware "$amd" --vcpus 2x --vcpu-type EPYC-v4
	expect_bad "unknown VMM" 'unknown VMM type "kvmtool"' --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --vmm-type kvmtool
	expect_bad "bad guest features" "not a 64-bit value" --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --guest-features 0xzz
	expect_bad "guest features too wide" "not a 64-bit value" --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --guest-features 0x10000000000000001
	expect_bad "guest features with a leading zero (ambiguous)" "not a 64-bit value" --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --guest-features 021
	expect_bad "guest features with a sign" "not a 64-bit value" --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --guest-features -1
	expect_bad "guest features 0x alone" "not a 64-bit value" --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --guest-features 0x
	expect_bad "qemu without a vCPU" "required with the qemu VMM" --firmware "$amd" --vcpus 1
	expect_bad "two ways to name the vCPU" "name the vCPU one way" --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --vcpu-sig 0x800f12
	expect_bad "vCPU family without model" "go together" --firmware "$amd" --vcpus 1 --vcpu-family 25
	expect_bad "vCPU family out of range" "not a CPU family" --firmware "$amd" --vcpus 1 --vcpu-family 271 --vcpu-model 1 --vcpu-stepping 1
	expect_bad "vCPU stepping out of range" "not a CPU stepping" --firmware "$amd" --vcpus 1 --vcpu-family 25 --vcpu-model 1 --vcpu-stepping 16
	expect_bad "vCPU signature too wide" "not a 32-bit CPUID signature" --firmware "$amd" --vcpus 1 --vcpu-sig 0x100000000
	expect_bad "unknown vCPU type with ec2 (still checked)" 'unknown vCPU type "EPYC-Zen9"' --firmware "$amd" --vcpus 1 --vmm-type ec2 --vcpu-type EPYC-Zen9
	expect_bad "qemu has no version 2" "version 1 only" --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --vmm-version 2
	expect_bad "ec2 has no version 3" "versions 1 and 2" --firmware "$amd" --vcpus 1 --vmm-type ec2 --vmm-version 3
	expect_bad "--snp-ovmf-hash too short" "not 96 hex digits" --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --snp-ovmf-hash 086e2e91
	expect_bad "--snp-ovmf-hash not hex" "not 96 hex digits" --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --snp-ovmf-hash "$(printf 'z%.0s' $(seq 96))"
	expect_bad "initrd with an empty kernel" "only with --kernel" --firmware "$amd" --kernel "" --initrd /dev/null --vcpus 1 --vcpu-type EPYC-v4
	# Without SNPActive: computed as sev-snp-measure does, with a warning.
	out=$("$bin" measure snp --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --guest-features 0x20 2>"$tmp/err")
	out2=$("$bin" measure snp --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --guest-features 0x21 2>/dev/null)
	if [[ $out =~ ^[0-9a-f]{96}$ ]] && [ "$out" != "$out2" ] && grep -q "warning: .*SNPActive" "$tmp/err"; then ok
	else ko "guest features without SNPActive: '$out' ($(cat "$tmp/err"))"; fi
	expect_bad "missing kernel file" "cannot open /nonexistent/vmlinuz" --firmware "$amd" --kernel /nonexistent/vmlinuz --vcpus 1 --vcpu-type EPYC-v4
	expect_bad "missing initrd file" "cannot open /nonexistent/initrd" --firmware "$amd" --kernel /dev/null --initrd /nonexistent/initrd --vcpus 1 --vcpu-type EPYC-v4
	expect_bad "option given twice" "--vcpus given twice" --firmware "$amd" --vcpus 1 --vcpus 2 --vcpu-type EPYC-v4
	# Truncated: the first half of the AmdSev tail has no footer.
	head -c 2048 "$amd" >"$tmp/half.bin"
	expect_bad "truncated firmware (no footer)" "no GUIDed footer table" --firmware "$tmp/half.bin" --vcpus 1 --vcpu-type EPYC-v4
	# Truncated: the last 3000 bytes keep the footer but not the metadata or a whole page.
	tail -c 3000 "$amd" >"$tmp/tail.bin"
	expect_bad "truncated firmware (tail)" "4 KiB pages|outside|does not fit" --firmware "$tmp/tail.bin" --vcpus 1 --vcpu-type EPYC-v4
else
	echo "SKIP published vectors through the CLI: firmware fixtures not found in $fx"
	skip=$((skip + 49))
fi

# Firmware-independent bad input
head -c 8192 /dev/urandom >"$tmp/random.bin"
expect_bad "not a firmware" "not an OVMF image: no GUIDed footer table" --firmware "$tmp/random.bin" --vcpus 1 --vcpu-type EPYC-v4
: >"$tmp/empty.bin"
expect_bad "empty firmware" "too short" --firmware "$tmp/empty.bin" --vcpus 1 --vcpu-type EPYC-v4
expect_bad "missing firmware" "cannot open firmware /nonexistent/OVMF.fd: No such file" --firmware /nonexistent/OVMF.fd --vcpus 1 --vcpu-type EPYC-v4
expect_bad "no --firmware" "--firmware FILE is required" --vcpus 1 --vcpu-type EPYC-v4
expect_bad "no --vcpus" "--vcpus N is required" --firmware "$tmp/empty.bin" --vcpu-type EPYC-v4
expect_bad "no --vcpu-type" "--vcpu-type NAME .* is required with the qemu VMM" --firmware "$tmp/empty.bin" --vcpus 1
expect_bad "--append without --kernel" "only with --kernel" --firmware "$tmp/empty.bin" --vcpus 1 --vcpu-type EPYC-v4 --append x
expect_bad "unknown option" "unknown option --cpus" --firmware "$tmp/empty.bin" --cpus 1
expect_bad "option without its value" "--vcpu-type needs a value" --firmware "$tmp/empty.bin" --vcpus 1 --vcpu-type
expect_bad "stray argument" 'unexpected argument "extra"' --firmware "$tmp/empty.bin" --vcpus 1 --vcpu-type EPYC-v4 extra

# A synthetic firmware whose SEV metadata sections overlap.
python3 - "$tmp/overlap.bin" <<'PY'
import struct, sys, uuid
n = 8192
fw = bytearray(n)
meta = 0x1000
secs = [(0x800000, 0xa000, 1), (0x809000, 0x1000, 2), (0x80a000, 0x1000, 3)]
fw[meta:meta + 16] = b"ASEV" + struct.pack("<III", 16 + 12 * len(secs), 1, len(secs))
for i, s in enumerate(secs):
    fw[meta + 16 + 12 * i:meta + 28 + 12 * i] = struct.pack("<III", *s)
g = lambda s: uuid.UUID(s).bytes_le
entries = [(g("dc886566-984a-4798-a75e-5585a7bf67cc"), struct.pack("<I", n - meta)),
           (g("00f771de-1a7e-4fcb-890e-68c77e2fb44e"), struct.pack("<I", 0xffffe000))]
foot = n - 32 - 18
end = foot
for guid, data in entries:
    e = data + struct.pack("<H", len(data) + 18) + guid
    fw[end - len(e):end] = e
    end -= len(e)
fw[foot:foot + 18] = struct.pack("<H", foot - end + 18) + g("96b582de-1fb2-45f7-baea-a366c55a082d")
open(sys.argv[1], "wb").write(fw)
PY
expect_bad "overlapping sections" "sections overlap: SNP_SEC_MEM at 0x800000\+0xa000 and SNP_SECRETS at 0x809000" \
	--firmware "$tmp/overlap.bin" --vcpus 1 --vcpu-type EPYC-v4

# A real firmware: Debian's 2 MiB OVMF (a standard build: SEV metadata without
# the kernel-hashes section).
if [ -f /usr/share/ovmf/OVMF.fd ]; then
	out=$("$bin" measure snp --firmware /usr/share/ovmf/OVMF.fd --vcpus 4 --vcpu-type EPYC-Genoa)
	[[ $out =~ ^[0-9a-f]{96}$ ]] && ok || ko "Debian OVMF.fd: '$out'"
	expect_bad "Debian OVMF.fd with a kernel" "no SNP_KERNEL_HASHES section" \
		--firmware /usr/share/ovmf/OVMF.fd --kernel /dev/null --vcpus 1 --vcpu-type EPYC-v4
else
	echo "SKIP Debian OVMF: /usr/share/ovmf/OVMF.fd not installed"
	skip=$((skip + 2))
fi

# ---- The same launches through an independent implementation ----------------
# virtee/sev-snp-measure when installed (tests/lib/sev-snp-measure.sh). Each
# launch is given to both in our argument syntax (their --ovmf is our
# --firmware; VMM names as they spell them: QEMU, ec2, gce); the digests must
# be equal, or both tools must refuse the launch.
# shellcheck source=tests/lib/sev-snp-measure.sh
. "$top/tests/lib/sev-snp-measure.sh"
ssm_find || ko "$ssm_why"
cross_skipped=0
# What the installed version knows (its --help): older ones lack gce (0.0.12),
# EC2's 2026 state and --vmm-version (0.0.13), EPYC-Turin. A launch it cannot
# express is skipped with the reason; EC2 without --vmm-version is version 1.
ssm_help= ssm_ec2_v1=0
if [ ${#ssm[@]} -gt 0 ]; then
	ssm_help=$("${ssm[@]}" --help 2>&1 | tr -d " \n") # argparse wraps names at hyphens
	echo "cross-check against: $("${ssm[@]}" --version 2>&1 | head -n 1) (${ssm[*]})"
	case $ssm_help in *--vmm-version*) ;; *) ssm_ec2_v1=1 ;; esac
fi
# cross NAME ARGS...: ARGS in our syntax
cross() {
	local name=$1 a ours theirs ours_rc theirs_rc
	shift
	if [ ${#ssm[@]} -eq 0 ]; then
		cross_skipped=$((cross_skipped + 1))
		return
	fi
	local their_args=(--mode snp) our_args=("$@") prev=
	for a in "$@"; do
		case $a in --firmware) their_args+=(--ovmf) ;; *) their_args+=("$a") ;; esac
		if [ "$prev" = --vmm-type ] || [ "$prev" = --vcpu-type ]; then
			case $ssm_help in *"$a"*) ;; *)
				echo "SKIP cross-check $name: the installed sev-snp-measure does not know $a"
				skip=$((skip + 1))
				return ;;
			esac
			[ "$a" = ec2 ] && [ $ssm_ec2_v1 = 1 ] && our_args+=(--vmm-version 1)
		fi
		prev=$a
	done
	ours=$("$bin" measure snp "${our_args[@]}" 2>"$tmp/ours.err"); ours_rc=$?
	theirs=$("${ssm[@]}" "${their_args[@]}" 2>"$tmp/theirs.err"); theirs_rc=$?
	if [ $ours_rc -eq 0 ] && [ $theirs_rc -eq 0 ] && [ "$ours" = "$theirs" ] && [[ $ours =~ ^[0-9a-f]{96}$ ]]; then
		ok
	elif [ $ours_rc -ne 0 ] && [ $theirs_rc -ne 0 ] && [ -z "$ours" ]; then
		ok # both refuse
	else
		ko "cross-check $name: ours rc $ours_rc '$ours' ($(head -c 300 "$tmp/ours.err")), sev-snp-measure rc $theirs_rc '$theirs' ($(head -c 300 "$tmp/theirs.err"))"
	fi
}

# Inputs with content (the published vectors use /dev/null for both).
head -c 1572864 /dev/urandom >"$tmp/vmlinuz"
head -c 716800 /dev/urandom >"$tmp/initrd.img"
k=(--kernel "$tmp/vmlinuz")
ki=(--kernel "$tmp/vmlinuz" --initrd "$tmp/initrd.img")
cmd="console=ttyS0 root=/dev/mapper/root rw quiet"
if [ -f "$amd" ] && [ -f "$x64" ]; then
	# Every vCPU type both accept (sev-snp-measure's list), through QEMU.
	for t in EPYC EPYC-v1 EPYC-v2 EPYC-IBPB EPYC-v3 EPYC-v4 EPYC-Rome EPYC-Rome-v1 EPYC-Rome-v2 EPYC-Rome-v3 \
		EPYC-Milan EPYC-Milan-v1 EPYC-Milan-v2 EPYC-Genoa EPYC-Genoa-v1 EPYC-Turin; do
		cross "type $t" --firmware "$amd" "${ki[@]}" --append "$cmd" --vcpus 2 --vcpu-type "$t"
	done
	# VMM types x vCPU counts x guest features.
	for vmm in QEMU ec2 gce; do
		for n in 1 3 16; do
			for gf in 0x1 0x21 0x5; do
				cross "$vmm $n vCPUs features $gf" --firmware "$amd" "${ki[@]}" --append "$cmd" --vcpus "$n" \
					--vcpu-type EPYC-Milan --vmm-type "$vmm" --guest-features "$gf"
			done
		done
		cross "$vmm no kernel" --firmware "$amd" --vcpus 2 --vcpu-type EPYC-Genoa --vmm-type "$vmm"
		cross "$vmm OvmfX64" --firmware "$x64" --vcpus 2 --vcpu-type EPYC-Genoa --vmm-type "$vmm"
	done
	# What is given for direct boot.
	cross "kernel only" --firmware "$amd" "${k[@]}" --vcpus 1 --vcpu-type EPYC-v4
	cross "kernel, initrd" --firmware "$amd" "${ki[@]}" --vcpus 1 --vcpu-type EPYC-v4
	cross "kernel, append" --firmware "$amd" "${k[@]}" --append "$cmd" --vcpus 1 --vcpu-type EPYC-v4
	cross "kernel, initrd, empty append" --firmware "$amd" "${ki[@]}" --append "" --vcpus 1 --vcpu-type EPYC-v4
	cross "empty initrd file" --firmware "$amd" "${k[@]}" --initrd /dev/null --vcpus 1 --vcpu-type EPYC-v4
	cross "UTF-8 command line" --firmware "$amd" "${k[@]}" --append "console=ttyS0 lang=fr_FR.UTF-8 nom=été" \
		--vcpus 1 --vcpu-type EPYC-v4
	cross "empty append without kernel" --firmware "$amd" --append "" --vcpus 1 --vcpu-type EPYC-v4
	cross "OvmfX64 with a kernel (both refuse)" --firmware "$x64" "${k[@]}" --vcpus 1 --vcpu-type EPYC-v4
	# Other ways to name the vCPU and write values.
	cross "vcpu-sig" --firmware "$amd" "${ki[@]}" --vcpus 2 --vcpu-sig 0xa10f11
	cross "vcpu-family/model/stepping" --firmware "$amd" "${ki[@]}" --vcpus 2 --vcpu-family 26 --vcpu-model 2 \
		--vcpu-stepping 1
	cross "decimal guest features" --firmware "$amd" "${ki[@]}" --vcpus 2 --vcpu-type EPYC-v4 --guest-features 33
	cross "guest features without SNPActive" --firmware "$amd" "${ki[@]}" --vcpus 2 --vcpu-type EPYC-v4 --guest-features 0x0
	cross "ec2 without a vCPU type" --firmware "$amd" "${ki[@]}" --vcpus 4 --vmm-type ec2
	cross "precomputed firmware digest" --firmware "$amd" "${ki[@]}" --vcpus 2 --vcpu-type EPYC-v4 \
		--snp-ovmf-hash 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
else
	echo "SKIP cross-check over the fixtures (63 launches): firmware fixtures not found in $fx"
	skip=$((skip + 63))
fi
# The image's own direct-boot artefacts (make image; make firmware).
build=$(dirname "$bin")
img=$build/mkosi/image fw=$build/edk2/OVMF.amdsev.fd
if [ -f "$img/cocoboot-guest.vmlinuz" ] && [ -f "$img/cocoboot-guest.initrd" ] && [ -f "$img/kernel-cmdline" ] &&
	[ -f "$fw" ]; then
	icmd=$(cat "$img/kernel-cmdline")
	for n in 1 2 8; do
		for t in EPYC-v4 EPYC-Milan EPYC-Genoa; do
			cross "image, $n x $t" --firmware "$fw" --kernel "$img/cocoboot-guest.vmlinuz" \
				--initrd "$img/cocoboot-guest.initrd" --append "$icmd" --vcpus "$n" --vcpu-type "$t"
		done
	done
	for vmm in ec2 gce; do
		cross "image, $vmm" --firmware "$fw" --kernel "$img/cocoboot-guest.vmlinuz" \
			--initrd "$img/cocoboot-guest.initrd" --append "$icmd" --vcpus 2 --vmm-type "$vmm"
	done
else
	echo "SKIP cross-check over the image's artefacts (11 launches): no $img/cocoboot-guest.{vmlinuz,initrd} and $fw (make image; make firmware)"
	skip=$((skip + 11))
fi
if [ $cross_skipped -gt 0 ]; then
	echo "SKIP cross-check of $cross_skipped launches: skipped: $ssm_why"
	skip=$((skip + cross_skipped))
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
