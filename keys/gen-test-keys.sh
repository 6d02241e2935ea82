#!/bin/bash
# gen-test-keys.sh OUTDIR: generate the TEST key chains the simulated
# configfs-tsm provider signs with, shaped like the vendors' chains:
#   OUTDIR/snp/  ARK -> ASK (RSA-4096, RSA-PSS SHA-384) -> VCEK (ECDSA P-384)
#   OUTDIR/tdx/  SGX-style root -> PCK CA -> PCK leaf (ECDSA P-256), attestation key
# plus OUTDIR/{snp,tdx}/tsm-sim.material, the key material file tsm_sim.ko
# reads at load time (material=PATH; the module has no key compiled in).
# Everything is fresh on every run; nothing here is a secret worth keeping.
set -euo pipefail

out=${1:?usage: gen-test-keys.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=keys/test-identity.sh
. "$here/test-identity.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/snp" "$tmp/tdx"

# All certificates are valid from yesterday for 20 years: the guest and broker
# clocks in the tests are whatever the host says.
days=7300
pss=(-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -sigopt rsa_mgf1_md:sha384 -sha384)

# hexkey KEYFILE BYTES: the private scalar of an EC key as big-endian hex,
# zero-padded to BYTES (openssl drops leading zero bytes).
hexkey() {
	local h
	h=$(openssl pkey -in "$1" -noout -text | awk '/^priv:/{p=1;next} /^pub:/{p=0} p' | tr -d ' :\n')
	h=${h#00}
	while [ ${#h} -gt $(($2 * 2)) ] && [ "${h:0:2}" = 00 ]; do h=${h:2}; done
	while [ ${#h} -lt $(($2 * 2)) ]; do h=0$h; done
	[ ${#h} -eq $(($2 * 2)) ] || { echo "gen-test-keys: $1: private scalar longer than $2 bytes" >&2; return 1; }
	printf '%s' "$h"
}
derhex() { openssl x509 -in "$1" -outform DER | od -An -v -tx1 | tr -d ' \n'; }

# ---------------------------------------------------------------- SEV-SNP
s=$tmp/snp
cat >"$s/ext.cnf" <<EOF
[req]
distinguished_name = dn
[dn]
[ark_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ask_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[vcek_ext]
# AMD VCEK extensions (SEV-SNP VCEK certificate spec): structVersion,
# productName, the SPL of each TCB component, and hwID = CHIP_ID as 64 raw
# bytes (no inner DER tag, exactly like the certificates AMD KDS serves).
1.3.6.1.4.1.3704.1.1 = ASN1:INTEGER:0
1.3.6.1.4.1.3704.1.2 = ASN1:IA5STRING:$SNP_PRODUCT
1.3.6.1.4.1.3704.1.3.1 = ASN1:INTEGER:$SNP_TCB_BL
1.3.6.1.4.1.3704.1.3.2 = ASN1:INTEGER:$SNP_TCB_TEE
1.3.6.1.4.1.3704.1.3.3 = ASN1:INTEGER:$SNP_TCB_SNP
1.3.6.1.4.1.3704.1.3.4 = ASN1:INTEGER:0
1.3.6.1.4.1.3704.1.3.5 = ASN1:INTEGER:0
1.3.6.1.4.1.3704.1.3.6 = ASN1:INTEGER:0
1.3.6.1.4.1.3704.1.3.7 = ASN1:INTEGER:0
1.3.6.1.4.1.3704.1.3.8 = ASN1:INTEGER:$SNP_TCB_UCODE
1.3.6.1.4.1.3704.1.4 = DER:$SNP_CHIP_ID
EOF
subj_amd="/C=US/ST=CA/L=Santa Clara/O=cocoboot TEST ONLY - not Advanced Micro Devices/OU=Engineering TEST"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$s/ark.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$s/ask.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$s/vcek.key"
openssl req -new -x509 -key "$s/ark.key" -subj "$subj_amd/CN=TEST ARK-$SNP_PRODUCT_FAMILY" \
	-days $days -set_serial 1 -config "$s/ext.cnf" -extensions ark_ext "${pss[@]}" -out "$s/ark.pem"
openssl req -new -key "$s/ask.key" -subj "$subj_amd/CN=TEST SEV-$SNP_PRODUCT_FAMILY" -config "$s/ext.cnf" -out "$s/ask.csr"
openssl x509 -req -in "$s/ask.csr" -CA "$s/ark.pem" -CAkey "$s/ark.key" -set_serial 2 -days $days \
	-extfile "$s/ext.cnf" -extensions ask_ext "${pss[@]}" -out "$s/ask.pem" 2>/dev/null
openssl req -new -key "$s/vcek.key" -subj "$subj_amd/CN=TEST SEV-VCEK" -config "$s/ext.cnf" -out "$s/vcek.csr"
openssl x509 -req -in "$s/vcek.csr" -CA "$s/ask.pem" -CAkey "$s/ask.key" -set_serial 3 -days $days \
	-extfile "$s/ext.cnf" -extensions vcek_ext "${pss[@]}" -out "$s/vcek.pem" 2>/dev/null
openssl x509 -in "$s/vcek.pem" -outform DER -out "$s/vcek.der"
openssl verify -CAfile "$s/ark.pem" -untrusted "$s/ask.pem" "$s/vcek.pem" >/dev/null
{
	echo "# tsm_sim.ko key material (TEST ONLY), format=sev_guest"
	echo "snp_vcek_key=$(hexkey "$s/vcek.key" 48)"
	echo "snp_vcek=$(derhex "$s/vcek.pem")"
	echo "snp_ask=$(derhex "$s/ask.pem")"
	echo "snp_ark=$(derhex "$s/ark.pem")"
	echo "chip_id=$SNP_CHIP_ID"
	echo "tcb_bl=$SNP_TCB_BL tcb_tee=$SNP_TCB_TEE tcb_snp=$SNP_TCB_SNP tcb_ucode=$SNP_TCB_UCODE"
} | grep -v '^#' >"$s/tsm-sim.material"
rm -f "$s"/*.csr "$s/ext.cnf"

# ---------------------------------------------------------------- TDX
t=$tmp/tdx
{
	cat <<EOF
[req]
distinguished_name = dn
[dn]
[root_ext]
basicConstraints = critical, CA:TRUE, pathlen:1
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ca_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[pck_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
# Intel SGX PCK certificate extension (SGX PCK Certificate and CRL profile):
# a SEQUENCE of (OID, value) pairs.
1.2.840.113741.1.13.1 = ASN1:SEQUENCE:sgx
[sgx]
ppid = SEQUENCE:sgx_ppid
tcb = SEQUENCE:sgx_tcb
pceid = SEQUENCE:sgx_pceid
fmspc = SEQUENCE:sgx_fmspc
type = SEQUENCE:sgx_type
[sgx_ppid]
oid = OID:1.2.840.113741.1.13.1.1
val = FORMAT:HEX,OCTETSTRING:$TDX_PPID
[sgx_tcb]
oid = OID:1.2.840.113741.1.13.1.2
val = SEQUENCE:sgx_tcb_values
[sgx_pceid]
oid = OID:1.2.840.113741.1.13.1.3
val = FORMAT:HEX,OCTETSTRING:$TDX_PCEID
[sgx_fmspc]
oid = OID:1.2.840.113741.1.13.1.4
val = FORMAT:HEX,OCTETSTRING:$TDX_FMSPC
[sgx_type]
oid = OID:1.2.840.113741.1.13.1.5
val = ENUMERATED:0
[sgx_tcb_values]
EOF
	for i in $(seq 1 16); do echo "c$i = SEQUENCE:sgx_comp$i"; done
	echo "pcesvn = SEQUENCE:sgx_pcesvn"
	echo "cpusvn = SEQUENCE:sgx_cpusvn"
	for i in $(seq 1 16); do
		printf '[sgx_comp%d]\noid = OID:1.2.840.113741.1.13.1.2.%d\nval = INTEGER:%d\n' \
			"$i" "$i" "$((16#${TDX_CPUSVN:$(((i - 1) * 2)):2}))"
	done
	printf '[sgx_pcesvn]\noid = OID:1.2.840.113741.1.13.1.2.17\nval = INTEGER:%d\n' "$TDX_PCESVN"
	printf '[sgx_cpusvn]\noid = OID:1.2.840.113741.1.13.1.2.18\nval = FORMAT:HEX,OCTETSTRING:%s\n' "$TDX_CPUSVN"
} >"$t/ext.cnf"
subj_intel="/C=US/ST=CA/L=Santa Clara/O=cocoboot TEST ONLY - not Intel Corporation"
for k in root pck-ca pck ak; do
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$t/$k.key"
done
openssl req -new -x509 -key "$t/root.key" -subj "$subj_intel/CN=cocoboot TEST SGX Root CA" \
	-days $days -set_serial 1 -config "$t/ext.cnf" -extensions root_ext -sha256 -out "$t/root.pem"
openssl req -new -key "$t/pck-ca.key" -subj "$subj_intel/CN=cocoboot TEST SGX PCK Platform CA" -config "$t/ext.cnf" -out "$t/pck-ca.csr"
openssl x509 -req -in "$t/pck-ca.csr" -CA "$t/root.pem" -CAkey "$t/root.key" -set_serial 2 -days $days \
	-extfile "$t/ext.cnf" -extensions ca_ext -sha256 -out "$t/pck-ca.pem" 2>/dev/null
openssl req -new -key "$t/pck.key" -subj "$subj_intel/CN=cocoboot TEST SGX PCK Certificate" -config "$t/ext.cnf" -out "$t/pck.csr"
openssl x509 -req -in "$t/pck.csr" -CA "$t/pck-ca.pem" -CAkey "$t/pck-ca.key" -set_serial 3 -days $days \
	-extfile "$t/ext.cnf" -extensions pck_ext -sha256 -out "$t/pck.pem" 2>/dev/null
openssl verify -CAfile "$t/root.pem" -untrusted "$t/pck-ca.pem" "$t/pck.pem" >/dev/null
# The chain as a TDX quote carries it: PEM, leaf first.
cat "$t/pck.pem" "$t/pck-ca.pem" "$t/root.pem" >"$t/pck-chain.pem"
{
	echo "tdx_ak_key=$(hexkey "$t/ak.key" 32)"
	echo "tdx_pck_key=$(hexkey "$t/pck.key" 32)"
	echo "tdx_pck_chain=$(od -An -v -tx1 "$t/pck-chain.pem" | tr -d ' \n')"
	echo "tdx_cpusvn=$TDX_CPUSVN"
} >"$t/tsm-sim.material"
rm -f "$t"/*.csr "$t/ext.cnf"

chmod 600 "$s"/*.key "$t"/*.key
rm -rf "$out/snp" "$out/tdx"
mkdir -p "$out"
mv "$s" "$t" "$out/"
