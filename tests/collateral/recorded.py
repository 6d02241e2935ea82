#!/usr/bin/python3
"""recorded.py OUT EVIDENCE_DIR [SHARED_TESTDATA]: the routes of the replay
server (replay-server.py) from real recorded vendor answers, and facts the
test needs (chip.env).

Debian evidence (always there, tests/verify/debian-evidence.sh):
  AMD KDS  /vcek/v1/Milan/cert_chain, /vlek/v1/Milan/cert_chain, the VCEK of
           snp/attestation.bin's chip at its REPORTED_TCB
  Intel    TDX TCB info (FMSPC 50806f000000), TD QE identity, PCK platform
           CRL, root CA CRL.  The issuer-chain headers are the recorded
           chains URL-encoded as PCS sends them: the TCB signing chain of
           go-tdx-guest's test_cases.go (a decoded header), the PCK CRL's
           chain taken from the quote's own PCK chain (platform CA, root).
Shared testdata (optional): TCB info b0c06f000000 of 2025-06-19 with its
QE identity and CRLs of that day, for quote-v4-4 (UpToDate); and the
50806f000000 TCB info of 2026-03-16 (a newer one, for the rollback check).
There is no recorded AMD KDS CRL in either set: /vcek/v1/Milan/crl is 404."""
import json
import os
import re
import struct
import sys
import urllib.parse

out, ev = sys.argv[1], sys.argv[2]
shared = sys.argv[3] if len(sys.argv) > 3 else ""
os.makedirs(out, exist_ok=True)


def header_file(name, pem_text):
    path = os.path.join(out, name)
    with open(path, "w") as f:
        f.write(urllib.parse.quote(pem_text, safe=""))
    return path


report = open(os.path.join(ev, "snp/attestation.bin"), "rb").read()
reported_tcb = struct.unpack_from("<Q", report, 0x180)[0]
chip_id = report[0x1A0:0x1E0].hex()
bl, tee, snp, ucode = report[0x180], report[0x181], report[0x186], report[0x187]
vcek_path = "/vcek/v1/Milan/%s?blSPL=%d&teeSPL=%d&snpSPL=%d&ucodeSPL=%d" % (chip_id, bl, tee, snp, ucode)

quote = open(os.path.join(ev, "tdx/quote.bin"), "rb").read()
pems = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n?", quote, re.S)
if len(pems) != 3:
    sys.exit("recorded.py: the Debian quote does not carry a PCK chain of three")
pck_chain = b"".join(p if p.endswith(b"\n") else p + b"\n" for p in pems[1:]).decode()

coll = os.path.join(ev, "tdx/collateral")
tcb_chain = header_file("tcb-chain.hdr", open(os.path.join(coll, "tcb-signing-chain.pem")).read())
pck_hdr = header_file("pck-chain.hdr", pck_chain)

routes = {
    "/vcek/v1/Milan/cert_chain": {"file": os.path.join(ev, "snp/milan-chain.pem")},
    "/vlek/v1/Milan/cert_chain": {"file": os.path.join(ev, "snp/milan-vlek-chain.pem")},
    vcek_path: {"file": os.path.join(ev, "snp/vcek.der")},
    "/tdx/certification/v4/tcb?fmspc=50806f000000": {
        "file": os.path.join(coll, "tcbinfo-50806f000000.json"), "headers": {"TCB-Info-Issuer-Chain": tcb_chain}},
    "/tdx/certification/v4/qe/identity": {
        "file": os.path.join(coll, "qeidentity-tdqe.json"), "headers": {"SGX-Enclave-Identity-Issuer-Chain": tcb_chain}},
    "/sgx/certification/v4/pckcrl?ca=platform&encoding=der": {
        "file": os.path.join(coll, "pckcrl-platform.der"), "headers": {"SGX-PCK-CRL-Issuer-Chain": pck_hdr}},
    "/IntelSGXRootCA.der": {"file": os.path.join(coll, "rootcrl.der")},
}
with open(os.path.join(out, "routes-debian.json"), "w") as f:
    json.dump(routes, f, indent=1)

if shared and os.path.exists(os.path.join(shared, "vectors.json")):
    sc = os.path.join(shared, "tdx/collateral")
    chain25 = header_file("tcb-chain-2025.hdr", open(os.path.join(sc, "tcb-signing-chain-2025.pem")).read())
    pck25 = header_file("pck-chain-shared.hdr", open(os.path.join(sc, "pckcrl-issuer-chain-platform.pem")).read())
    s = {
        "/tdx/certification/v4/tcb?fmspc=b0c06f000000": {
            "file": os.path.join(sc, "tcbinfo-b0c06f000000-2025-06-19.json"), "headers": {"TCB-Info-Issuer-Chain": chain25}},
        "/tdx/certification/v4/qe/identity": {
            "file": os.path.join(sc, "qeidentity-tdqe-2025-06-19.json"),
            "headers": {"SGX-Enclave-Identity-Issuer-Chain": chain25}},
        "/sgx/certification/v4/pckcrl?ca=platform&encoding=der": {
            "file": os.path.join(sc, "pckcrl-platform-2025-06-19.der"), "headers": {"SGX-PCK-CRL-Issuer-Chain": pck25}},
        "/IntelSGXRootCA.der": {"file": os.path.join(sc, "rootcrl-2025-03-20.der")},
    }
    with open(os.path.join(out, "routes-shared.json"), "w") as f:
        json.dump(s, f, indent=1)
    newer = {"/tdx/certification/v4/tcb?fmspc=50806f000000": {
        "file": os.path.join(sc, "tcbinfo-50806f000000-2026-03-16.json"), "headers": {"TCB-Info-Issuer-Chain": chain25}}}
    with open(os.path.join(out, "routes-newer.json"), "w") as f:
        json.dump(newer, f, indent=1)

with open(os.path.join(out, "chip.env"), "w") as f:
    f.write("CHIP_ID=%s\nREPORTED_TCB=%016x\nVCEK_PATH='%s'\n" % (chip_id, reported_tcb, vcek_path))
