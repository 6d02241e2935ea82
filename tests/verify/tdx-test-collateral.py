#!/usr/bin/python3
"""tdx-test-collateral.py KEYS_DIR OUT_DIR SCENARIO

Builds, from the TEST TDX keys of `make keys` (build/keys/tdx), a v4 quote
(OUT_DIR/quote.bin) and Intel-PCS-shaped collateral signed under the TEST
root (OUT_DIR/coll/): a TCB signing chain, root and PCK CRLs, TCB info and
QE identity whose signatures cover the exact JSON bytes. SCENARIO bends one
thing so the verifier's collateral checks can be exercised without real
Intel signatures; see SCENARIOS below. Collateral is valid from an hour ago
for 30 days: verify at the current time."""
import datetime, hashlib, json, os, struct, sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

keys, out, scenario = sys.argv[1:4]
INTEL_TD_QE_MRSIGNER = "DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5"
SCENARIOS = ["good", "outofdate", "nolevel", "revoked-status", "module", "module-outofdate",
             "pck-revoked", "ca-revoked", "tcbinfo-tampered", "tcbinfo-expired", "crl-wrong-signer",
             "qe-mismatch", "wrong-fmspc", "no-qeidentity", "qe-host"]
assert scenario in SCENARIOS, scenario
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
T0 = NOW - datetime.timedelta(hours=1)   # the test keys are made at build time: verify "now"
T1 = NOW + datetime.timedelta(days=30)
ISO = "%Y-%m-%dT%H:%M:%SZ"

def load_key(name):
    return serialization.load_pem_private_key(open(f"{keys}/tdx/{name}", "rb").read(), None)

def load_cert(name):
    return x509.load_pem_x509_certificate(open(f"{keys}/tdx/{name}", "rb").read())

root_key, ca_key, pck_key, ak = (load_key(n) for n in ("root.key", "pck-ca.key", "pck.key", "ak.key"))
root, ca, pck = (load_cert(n) for n in ("root.pem", "pck-ca.pem", "pck.pem"))

def raw_sig(key, data):
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")

# ---- quote -------------------------------------------------------------------
tee_tcb_svn = bytes([3, 0]) + bytes(14)
if scenario.startswith("module"):
    tee_tcb_svn = bytes([4, 1]) + bytes(14)          # TDX module 1.x, minor SVN 4
header = struct.pack("<HHI", 4, 2, 0x81) + bytes(4) + bytes.fromhex("939a7233f79c4ca9940a0db3957f0607") + bytes(20)
body = bytearray(584)
body[0:16] = tee_tcb_svn
body[136:184] = b"\x42" * 48                          # MRTD
body[520:584] = b"\xcd" * 64                          # report data
signed = header + bytes(body)
ak_pub = ak.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)[1:]
auth = bytes(range(32))
qe = bytearray(384)
qe[48:64] = bytes.fromhex("11000000000000000000000000000000")   # attributes
qe[128:160] = bytes.fromhex(INTEL_TD_QE_MRSIGNER)     # MRSIGNER: the verifier pins Intel's
struct.pack_into("<HH", qe, 256, 2, 8)                # ISVPRODID 2, ISVSVN 8
if scenario == "qe-host":                             # issue 11: a host-run enclave the PCK certified
    qe[48] |= 0x02                                    # DEBUG
    qe[128:160] = b"\x5e" * 32                        # a foreign MRSIGNER
    struct.pack_into("<H", qe, 256, 0x1234)           # ISVPRODID 0x1234
qe[320:352] = hashlib.sha256(ak_pub + auth).digest()
qe = bytes(qe)
chain = open(f"{keys}/tdx/pck-chain.pem", "rb").read() + b"\0"
inner = struct.pack("<HI", 5, len(chain)) + chain
cert_data = qe + raw_sig(pck_key, qe) + struct.pack("<H", 32) + auth + inner
sig_data = raw_sig(ak, signed) + ak_pub + struct.pack("<HI", 6, len(cert_data)) + cert_data
os.makedirs(f"{out}/coll", exist_ok=True)
open(f"{out}/quote.bin", "wb").write(signed + struct.pack("<I", len(sig_data)) + sig_data)

# ---- TCB signing chain ---------------------------------------------------------
signer_key = ec.generate_private_key(ec.SECP256R1())
name = lambda cn: x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cocoboot TEST ONLY"),
                             x509.NameAttribute(NameOID.COMMON_NAME, cn)])
signer = (x509.CertificateBuilder().subject_name(name("cocoboot TEST TCB Signing")).issuer_name(root.subject)
          .public_key(signer_key.public_key()).serial_number(77).not_valid_before(T0).not_valid_after(T1)
          .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
          .sign(root_key, hashes.SHA256()))
open(f"{out}/coll/tcb-signing-chain-test.pem", "wb").write(
    signer.public_bytes(serialization.Encoding.PEM) + root.public_bytes(serialization.Encoding.PEM))

# ---- CRLs ----------------------------------------------------------------------
def crl(issuer_cert, key, serials):
    b = (x509.CertificateRevocationListBuilder().issuer_name(issuer_cert.subject)
         .last_update(T0).next_update(T1))
    for s in serials:
        b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(s).revocation_date(T0).build())
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
open(f"{out}/coll/rootcrl-test.der", "wb").write(
    crl(root, root_key, [ca.serial_number] if scenario == "ca-revoked" else [1234]))
pck_crl_key = root_key if scenario == "crl-wrong-signer" else ca_key
open(f"{out}/coll/pckcrl-test.der", "wb").write(
    crl(ca, pck_crl_key, [pck.serial_number, 99] if scenario == "pck-revoked" else [99]))

# ---- TCB info ------------------------------------------------------------------
def comps(svns):
    return [{"svn": v} for v in svns]
def level(sgx, pcesvn, tdx, status):
    return {"tcb": {"sgxtcbcomponents": comps(sgx), "pcesvn": pcesvn, "tdxtcbcomponents": comps(tdx)},
            "tcbDate": "2025-01-01T00:00:00Z", "tcbStatus": status}
zero = [0] * 16
high = [255] * 16
levels = [level(zero, 0, list(tee_tcb_svn), "UpToDate")]
if scenario == "outofdate":
    levels = [level(zero, 0, [4] + [0] * 15, "UpToDate"), level(zero, 0, zero, "OutOfDate")]
elif scenario == "nolevel":
    levels = [level(high, 0, zero, "UpToDate")]
elif scenario == "revoked-status":
    levels = [level(zero, 200, zero, "UpToDate"), level(zero, 0, zero, "Revoked")]
elif scenario.startswith("module"):
    # TDX components [0] and [1] are skipped when TEE_TCB_SVN[1] > 0: a level
    # demanding 255 there must still match.
    levels = [level(zero, 0, [255, 255] + [0] * 14, "UpToDate")]
module_levels = [{"tcb": {"isvsvn": 4}, "tcbDate": "2025-01-01T00:00:00Z", "tcbStatus": "UpToDate"}]
if scenario == "module-outofdate":
    module_levels = [{"tcb": {"isvsvn": 5}, "tcbDate": "2025-01-01T00:00:00Z", "tcbStatus": "UpToDate"},
                     {"tcb": {"isvsvn": 2}, "tcbDate": "2024-01-01T00:00:00Z", "tcbStatus": "OutOfDate"}]
fmspc = "00C0FFEE0000" if scenario != "wrong-fmspc" else "00C0FFEE0001"   # upper case, as Intel PCS writes it
nxt = T1 if scenario != "tcbinfo-expired" else NOW - datetime.timedelta(minutes=1)
tcbinfo = {"id": "TDX", "version": 3, "issueDate": T0.strftime(ISO), "nextUpdate": nxt.strftime(ISO),
           "fmspc": fmspc, "pceId": "0000", "tcbType": 0, "tcbEvaluationDataNumber": 1,
           "tdxModule": {"mrsigner": "00" * 48, "attributes": "0000000000000000", "attributesMask": "FFFFFFFFFFFFFFFF"},
           "tdxModuleIdentities": [{"id": "TDX_01", "mrsigner": "00" * 48, "attributes": "0000000000000000",
                                    "attributesMask": "FFFFFFFFFFFFFFFF", "tcbLevels": module_levels}],
           "tcbLevels": levels}
raw = json.dumps(tcbinfo, separators=(",", ":"))
sig = raw_sig(signer_key, raw.encode()).hex()
if scenario == "tcbinfo-tampered":
    raw = raw.replace('"tcbEvaluationDataNumber":1', '"tcbEvaluationDataNumber":2')
open(f"{out}/coll/tcbinfo-test.json", "w").write('{"tcbInfo":' + raw + ',"signature":"' + sig + '"}')

# ---- QE identity ---------------------------------------------------------------
qeid = {"id": "TD_QE", "version": 2, "issueDate": T0.strftime(ISO), "nextUpdate": T1.strftime(ISO),
        "tcbEvaluationDataNumber": 1, "miscselect": "00000000", "miscselectMask": "FFFFFFFF",
        "attributes": "11000000000000000000000000000000", "attributesMask": "FBFFFFFFFFFFFFFF0000000000000000",
        "mrsigner": INTEL_TD_QE_MRSIGNER if scenario != "qe-mismatch" else "5F" * 32, "isvprodid": 2,
        "tcbLevels": [{"tcb": {"isvsvn": 8}, "tcbDate": "2025-01-01T00:00:00Z", "tcbStatus": "UpToDate"}]}
raw = json.dumps(qeid)            # with spaces: the signature is over these exact bytes
if scenario != "no-qeidentity":
    open(f"{out}/coll/qeidentity-test.json", "w").write(
        '{"enclaveIdentity": ' + raw + ', "signature": "' + raw_sig(signer_key, raw.encode()).hex() + '"}')
