#!/usr/bin/python3
"""Host half of the `tsm` suite: verify, independently of the kernel and of
libtsm, the SEV-SNP reports and TDX quotes the guest saved, with Python's
`cryptography` against the TEST roots in build/keys.

usage: check-evidence.py KEYS_DIR OUT_DIR EXPECTATION...
  EXPECTATION = NAME:valid | NAME:badsig | NAME:debug | NAME:nodebug
              | NAME:vmpl=N | NAME:measurement=HEX | NAME:host_data=HEX
              | NAME:ucode=N (REPORTED_TCB microcode N, below the VCEK's)
       check-evidence.py --vectors TESTDATA_DIR
       check-evidence.py --debian DEBIAN_EVIDENCE_DIR VENDOR_DIR
  The second and third forms run the same verification code on real hardware
  evidence (../shared/testdata when present; the Debian go-sev-guest /
  go-tdx-guest evidence of tests/verify/debian-evidence.sh always, against the
  vendor roots in keys/vendor), so the offsets and encodings it checks the
  simulated provider's output with are shown to be those of real reports and
  quotes.
Prints "PASS/FAIL NAME: what" per check and ends with "N passed, N failed".
"""
import json
import hashlib
import struct
import sys

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

GUID_VCEK = bytes.fromhex("63da758de6644564adc5f4b93be8accd")
GUID_ASK = bytes.fromhex("4ab7b379bbac4fe4a02f05aef327c782")
GUID_ARK = bytes.fromhex("c0b406a4a80349529743" "3fb6014cd0ae")
AMD_OID = "1.3.6.1.4.1.3704.1."
SGX_OID = "1.2.840.113741.1.13.1"

results = []


def check(name, ok, what):
    results.append(bool(ok))
    print(f"{'PASS' if ok else 'FAIL'} {name}: {what}", flush=True)


def pss_ok(issuer, cert):
    try:
        issuer.public_key().verify(
            cert.signature, cert.tbs_certificate_bytes,
            padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48), hashes.SHA384())
        return True
    except InvalidSignature:
        return False


def ecdsa_cert_ok(issuer, cert):
    try:
        issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                   ec.ECDSA(cert.signature_hash_algorithm))
        return True
    except InvalidSignature:
        return False


def ecdsa_ok(pub, r, s, data, hash_alg):
    try:
        pub.verify(encode_dss_signature(r, s), data, ec.ECDSA(hash_alg))
        return True
    except InvalidSignature:
        return False


def cert_table(aux):
    entries, off = {}, 0
    while off + 24 <= len(aux):
        guid = aux[off:off + 16]
        o, n = struct.unpack_from("<II", aux, off + 16)
        if guid == bytes(16) and o == 0 and n == 0:
            return entries
        entries[guid] = aux[o:o + n]
        off += 24
    raise ValueError("certificate table without terminator")


def amd_ext(cert, suffix):
    return cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(AMD_OID + suffix)).value.value


def der_int(raw):
    assert raw[0] == 0x02 and raw[1] == len(raw) - 2
    return int.from_bytes(raw[2:], "big")


def verify_snp(name, ark_pin, rep, aux, inblob, exp):
    check(name, len(rep) == 1184, f"SNP report is 1184 bytes ({len(rep)})")
    version, = struct.unpack_from("<I", rep, 0)
    check(name, version == exp.get("version", 3) and struct.unpack_from("<I", rep, 0x34)[0] == 1,
          f"version {exp.get('version', 3)}, signature algorithm 1 (got {version})")
    table = cert_table(aux)
    check(name, set(table) == {GUID_VCEK, GUID_ASK, GUID_ARK}, "auxblob cert table has VCEK, ASK, ARK")
    vcek = x509.load_der_x509_certificate(table[GUID_VCEK])
    ask = x509.load_der_x509_certificate(table[GUID_ASK])
    ark = x509.load_der_x509_certificate(table[GUID_ARK])
    check(name, der(ark) == der(ark_pin), "ARK in the auxblob equals the pinned ARK")
    check(name, pss_ok(ark_pin, ark) and pss_ok(ark_pin, ask) and pss_ok(ask, vcek),
          "chain VCEK <- ASK <- pinned ARK verifies (RSA-PSS SHA-384)")
    r = int.from_bytes(rep[0x2A0:0x2A0 + 72], "little")
    s = int.from_bytes(rep[0x2E8:0x2E8 + 72], "little")
    sig_ok = ecdsa_ok(vcek.public_key(), r, s, rep[:0x2A0], hashes.SHA384())
    if exp.get("badsig"):
        check(name, not sig_ok, "bad-signature report is rejected")
    else:
        check(name, sig_ok, "report signature verifies with the VCEK (P-384, SHA-384)")
    check(name, rep[0x50:0x90] == inblob, "REPORT_DATA equals the inblob")
    tcb = rep[0x180:0x188]
    want = [der_int(amd_ext(vcek, s)) for s in ("3.1", "3.2", "3.3", "3.8")]
    got = [tcb[0], tcb[1], tcb[6], tcb[7]]
    if "ucode" in exp:
        check(name, got[3] == exp["ucode"] and got != want,
              f"REPORTED_TCB {tcb.hex()} has microcode {exp['ucode']}, not the VCEK's SPLs {want}")
    else:
        check(name, got == want, f"REPORTED_TCB {tcb.hex()} matches the VCEK SPLs {want}")
    if "host_data" in exp:
        check(name, rep[0xC0:0xE0].hex() == exp["host_data"], "HOST_DATA is the one loaded")
    check(name, rep[0x1A0:0x1E0] == amd_ext(vcek, "4"), "CHIP_ID equals the VCEK hwID")
    policy, = struct.unpack_from("<Q", rep, 8)
    if "debug" in exp:
        check(name, bool(policy >> 19 & 1) == exp["debug"], f"policy {policy:#x} debug bit is {exp['debug']}")
    if "vmpl" in exp:
        check(name, struct.unpack_from("<I", rep, 0x30)[0] == exp["vmpl"], f"VMPL is {exp['vmpl']}")
    if "measurement" in exp:
        check(name, rep[0x90:0xC0].hex() == exp["measurement"], "MEASUREMENT is the one loaded")


def verify_tdx(name, root_pin, q, inblob, exp, fmspc="00c0ffee0000", sim=True):
    ver, akt, tee = struct.unpack_from("<HHI", q, 0)
    check(name, (ver, akt, tee) == (4, 2, 0x81), f"quote v4, ECDSA-P256, TDX ({ver}, {akt}, {tee:#x})")
    sig_len, = struct.unpack_from("<I", q, 632)
    end = 636 + sig_len
    check(name, end == len(q) or (not sim and end < len(q) and (not any(q[end:]) or q[end:] == exp.get("trailer"))),
          f"signature data length {sig_len} ends the quote ({len(q)})")
    sig, ak = q[636:700], q[700:764]
    ak_pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + ak)
    ok = ecdsa_ok(ak_pub, int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"),
                  q[:632], hashes.SHA256())
    if exp.get("badsig"):
        check(name, not ok, "bad-signature quote is rejected")
    else:
        check(name, ok, "quote signature verifies with the attestation key")
    ctype, csize = struct.unpack_from("<HI", q, 764)
    check(name, ctype == 6 and 770 + csize == end, f"certification data type 6, size {csize}")
    qe, qe_sig = q[770:1154], q[1154:1218]
    auth_len, = struct.unpack_from("<H", q, 1218)
    auth = q[1220:1220 + auth_len]
    p = 1220 + auth_len
    itype, isize = struct.unpack_from("<HI", q, p)
    pem = q[p + 6:p + 6 + isize]
    check(name, itype == 5 and (pem.endswith(b"\0") or not sim), "nested type 5 PCK chain, NUL-terminated PEM")
    end = b"-----END CERTIFICATE-----"
    chain = [x509.load_pem_x509_certificate(part + end)
             for part in pem.rstrip(b"\0").split(end) if part.strip()]
    check(name, len(chain) == 3, "PCK chain has leaf, intermediate, root")
    pck, ca, root = chain
    check(name, root == root_pin and ecdsa_cert_ok(root_pin, ca) and ecdsa_cert_ok(ca, pck),
          "PCK <- PCK CA <- pinned root verifies")
    check(name, qe[320:352] == hashlib.sha256(ak + auth).digest() and qe[352:384] == bytes(32),
          "QE REPORTDATA = SHA-256(attestation key || QE auth data) || zeros")
    check(name, ecdsa_ok(pck.public_key(), int.from_bytes(qe_sig[:32], "big"),
                         int.from_bytes(qe_sig[32:], "big"), qe, hashes.SHA256()),
          "QE report signature verifies with the PCK")
    sgx = pck.extensions.get_extension_for_oid(x509.ObjectIdentifier(SGX_OID)).value.value
    check(name, bytes.fromhex("060a2a864886f84d010d01040406" + fmspc) in sgx,
          f"PCK carries the SGX extension with FMSPC {fmspc}")
    check(name, q[48 + 520:48 + 584] == inblob, "REPORTDATA equals the inblob")
    attrs, = struct.unpack_from("<Q", q, 48 + 120)
    if "debug" in exp:
        check(name, bool(attrs & 1) == exp["debug"], f"TD attributes {attrs:#x} debug bit is {exp['debug']}")
    if "measurement" in exp:
        check(name, q[48 + 136:48 + 184].hex() == exp["measurement"], "MRTD is the one loaded")


def pem_or_der(path):
    data = open(path, "rb").read()
    if data.startswith(b"-----"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def der(cert):
    return cert.public_bytes(x509.base.serialization.Encoding.DER)


def vectors(td):
    """The verification code run on real evidence with known fields."""
    v = json.load(open(f"{td}/vectors.json"))
    s = v["snp"]["milan-5"]
    f, fl = s["files"], s["fields"]
    vcek, ask, ark = (pem_or_der(f"{td}/snp/{f[k]}") for k in ("vcek", "ask", "ark"))
    certs = [(GUID_VCEK, der(vcek)), (GUID_ASK, der(ask)), (GUID_ARK, der(ark))]
    off, table, blobs = 24 * 4, b"", b""
    for guid, d in certs:
        table += guid + struct.pack("<II", off + len(blobs), len(d))
        blobs += d
    aux = table + bytes(24) + blobs
    rep = open(f"{td}/snp/{f['report']}", "rb").read()
    verify_snp("real-snp-milan-5", ark, rep, aux, bytes.fromhex(fl["report_data"]),
               {"measurement": fl["measurement"], "vmpl": fl["vmpl"], "debug": False})
    t = v["tdx"]["v4-3"]
    q = open(f"{td}/tdx/{t['files']['quote']}", "rb").read()
    root = pem_or_der(f"{td}/tdx/intel-sgx-root-ca.pem")
    verify_tdx("real-tdx-v4-3", root, q, q[48 + 520:48 + 584], {"debug": False},
               fmspc=t["fields"]["pck_ext"]["fmspc"], sim=False)
    # The report data check above is circular for TDX; pin it to the vector.
    td_report = t["fields"]["td_report"]
    check("real-tdx-v4-3", q[48 + 520:48 + 584].hex() == td_report["report_data"],
          "REPORTDATA offset agrees with the vector's decoded field")


def debian(ev, vendor):
    """The same code on the Debian packages' real evidence; the expected values
    are the ones the packages' Go tests declare (go-sev-guest
    tools/check/check_test.go, go-tdx-guest validate/validate_test.go)."""
    ark = pem_or_der(f"{vendor}/ark-milan.pem")
    vcek = pem_or_der(f"{ev}/snp/vcek.der")
    # the KDS cert_chain: ASK first, then ARK
    ask = x509.load_pem_x509_certificate(open(f"{ev}/snp/milan-chain.pem", "rb").read())
    certs = [(GUID_VCEK, der(vcek)), (GUID_ASK, der(ask)), (GUID_ARK, der(ark))]
    off, table, blobs = 24 * 4, b"", b""
    for guid, d in certs:
        table += guid + struct.pack("<II", off + len(blobs), len(d))
        blobs += d
    aux = table + bytes(24) + blobs
    rep = open(f"{ev}/snp/attestation.bin", "rb").read()
    verify_snp("debian-snp-milan", ark, rep, aux, bytes([1, 2, 3, 4, 5]) + bytes(59),
               {"measurement": "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b"
                               "6bdf8a9ece31a5a608eb0cf2e4872b01", "vmpl": 0, "debug": True, "version": 2})
    q = open(f"{ev}/tdx/quote.bin", "rb").read()
    root = pem_or_der(f"{vendor}/intel-sgx-root-ca.pem")
    rd = bytes.fromhex("6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545"
                       "eb7406a38d1eed313b987a467dacead6f0c87a6d766c66f6f29f8acb281f1113")
    verify_tdx("debian-tdx-spr", root, q, rd,
               {"debug": False, "measurement": "6363b8043668a3ad953278e10389574d326c6749fb78aa81"
                                               "0ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb",
                # the test authors appended this after the signed quote
                "trailer": b"\nextra bytes(only for testing purpose)\n"},
               fmspc="50806f000000", sim=False)


def main():
    if sys.argv[1] in ("--vectors", "--debian"):
        if sys.argv[1] == "--vectors":
            vectors(sys.argv[2])
        else:
            debian(sys.argv[2], sys.argv[3])
        print(f"{results.count(True)} passed, {results.count(False)} failed")
        return 0 if all(results) else 1
    keys, out = sys.argv[1], sys.argv[2]
    ark_pin = x509.load_pem_x509_certificate(open(f"{keys}/snp/ark.pem", "rb").read())
    root_pin = x509.load_pem_x509_certificate(open(f"{keys}/tdx/root.pem", "rb").read())
    plan = {}
    for e in sys.argv[3:]:
        n, _, what = e.partition(":")
        d = plan.setdefault(n, {})
        k, _, v = what.partition("=")
        if k == "badsig":
            d["badsig"] = True
        elif k in ("debug", "nodebug"):
            d["debug"] = k == "debug"
        elif k == "vmpl":
            d["vmpl"] = int(v)
        elif k in ("measurement", "host_data"):
            d[k] = v
        elif k == "ucode":
            d["ucode"] = int(v)
    for name, exp in plan.items():
        try:
            rd = lambda ext: open(f"{out}/{name}.{ext}", "rb").read()
            provider = rd("provider").decode()
            if provider == "sev_guest":
                verify_snp(name, ark_pin, rd("out"), rd("aux"), rd("inblob"), exp)
            elif provider == "tdx_guest":
                verify_tdx(name, root_pin, rd("out"), rd("inblob"), exp)
            else:
                check(name, False, f"unknown provider {provider!r}")
        except Exception as e:  # a malformed report is a failed check, not a crash
            check(name, False, f"cannot verify: {type(e).__name__}: {e}")
    print(f"{results.count(True)} passed, {results.count(False)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
