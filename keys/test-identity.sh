# The identity of the simulated platform, shared by the key generator (which
# puts it in the certificates) and the simulated provider's load parameters
# (which put it in the reports): a verifier must find them equal.
# shellcheck shell=bash

# SEV-SNP: a Milan B0 part. TCB = the SPLs in the VCEK = REPORTED_TCB.
SNP_PRODUCT=Milan-B0
SNP_PRODUCT_FAMILY=Milan
SNP_TCB_BL=3
SNP_TCB_TEE=0
SNP_TCB_SNP=8
SNP_TCB_UCODE=115
# CHIP_ID = the VCEK hwID: 64 bytes, visibly fake ("cocoboot TEST chip" + 0x5a).
SNP_CHIP_ID=$(printf 'cocoboot TEST chip' | od -An -v -tx1 | tr -d ' \n')
while [ ${#SNP_CHIP_ID} -lt 128 ]; do SNP_CHIP_ID=${SNP_CHIP_ID}5a; done

# TDX: PCK certificate SGX extension values.
TDX_FMSPC=00c0ffee0000
TDX_PCEID=0000
TDX_PCESVN=13
TDX_CPUSVN=03030202040100030000000000000000
TDX_PPID=7e57000000000000000000000000c0c0
