#!/bin/bash
# cli.sh COCOBROKER FIXTURE_DIR: `cocobroker measure snp` end to end: the
# published vectors of virtee/sev-snp-measure through the command line (when
# the firmware fixtures are present), and bad input: exit 2, a precise message
# on stderr, nothing on stdout.
set -u
bin=$1 fx=$2
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
	expect_digest "ec2" \
		6ae80856486b1396af8c82a40351d6ed76a20c785e9c7fa4ffa27c22d5d6313b4b3b458cd3c9968e6f89fb5d8450d7a6 \
		--firmware "$amd" --kernel /dev/null --initrd /dev/null --append "" \
		--vcpus 1 --vcpu-type EPYC-v4 --vmm-type ec2 --guest-features 0x21
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
	expect_bad "bad guest features" "not a 64-bit hex value" --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --guest-features 0xzz
	expect_bad "guest features too wide" "not a 64-bit hex value" --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --guest-features 0x10000000000000001
	expect_bad "guest features without SNPActive" "SNPActive" --firmware "$amd" --vcpus 1 --vcpu-type EPYC-v4 --guest-features 0x20
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
	skip=$((skip + 9))
fi

# Firmware-independent bad input
head -c 8192 /dev/urandom >"$tmp/random.bin"
expect_bad "not a firmware" "not an OVMF image: no GUIDed footer table" --firmware "$tmp/random.bin" --vcpus 1 --vcpu-type EPYC-v4
: >"$tmp/empty.bin"
expect_bad "empty firmware" "too short" --firmware "$tmp/empty.bin" --vcpus 1 --vcpu-type EPYC-v4
expect_bad "missing firmware" "cannot open firmware /nonexistent/OVMF.fd: No such file" --firmware /nonexistent/OVMF.fd --vcpus 1 --vcpu-type EPYC-v4
expect_bad "no --firmware" "--firmware FILE is required" --vcpus 1 --vcpu-type EPYC-v4
expect_bad "no --vcpus" "--vcpus N is required" --firmware "$tmp/empty.bin" --vcpu-type EPYC-v4
expect_bad "no --vcpu-type" "--vcpu-type NAME is required" --firmware "$tmp/empty.bin" --vcpus 1
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

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
