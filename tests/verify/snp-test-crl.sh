#!/bin/bash
# snp-test-crl.sh KEY CERT OUT.crl [SERIAL...]: a DER CRL issued by CERT (the
# TEST ARK of `make keys`, or its ASK for a wrong-signer case), signed with
# KEY in RSA-PSS SHA-384 as AMD KDS signs its CRLs, listing the SERIALs
# (decimal), current from an hour ago for 30 days.
set -eu
key=$1 cert=$2 out=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/index.txt"
for s in "$@"; do
	hex=$(printf '%02X' "$s")
	[ $((${#hex} % 2)) -eq 0 ] || hex=0$hex
	printf 'R\t491231235959Z\t%s\t%s\tunknown\t/CN=revoked-%s\n' "$(date -u -d '-2 hours' +%y%m%d%H%M%SZ)" "$hex" "$s" >>"$tmp/index.txt"
done
cat >"$tmp/ca.cnf" <<CNF
[ca]
default_ca = c
[c]
database = $tmp/index.txt
crlnumber = $tmp/crlnumber
default_md = sha384
CNF
echo 01 >"$tmp/crlnumber"
openssl ca -batch -gencrl -config "$tmp/ca.cnf" -keyfile "$key" -cert "$cert" -out "$tmp/crl.pem" \
	-crl_lastupdate "$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)" -crl_nextupdate "$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)" \
	-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -sigopt rsa_mgf1_md:sha384 2>"$tmp/err" ||
	{ cat "$tmp/err" >&2; exit 1; }
openssl crl -in "$tmp/crl.pem" -outform DER -out "$out"
