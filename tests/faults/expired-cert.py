#!/usr/bin/env python3
"""expired-cert.py CA_PEM CA_KEY OUT_PEM OUT_KEY NOT_BEFORE NOT_AFTER: a broker
server certificate (P-256, SAN 10.0.2.2/127.0.0.1/localhost, serverAuth)
signed by the pinned test CA with the given validity (YYYY-MM-DD, UTC).
openssl 3.0's x509 -req cannot back-date, hence this."""
import datetime
import ipaddress
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ca_pem, ca_key_path, out_pem, out_key, nb, na = sys.argv[1:7]
ca = x509.load_pem_x509_certificate(open(ca_pem, "rb").read())
ca_key = serialization.load_pem_private_key(open(ca_key_path, "rb").read(), None)
key = ec.generate_private_key(ec.SECP256R1())
day = lambda s: datetime.datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc)
cert = (
    x509.CertificateBuilder()
    .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "10.0.2.2")]))
    .issuer_name(ca.subject)
    .public_key(key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(day(nb))
    .not_valid_after(day(na))
    .add_extension(x509.SubjectAlternativeName([
        x509.IPAddress(ipaddress.ip_address("10.0.2.2")),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.DNSName("localhost")]), critical=False)
    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    .sign(ca_key, hashes.SHA256())
)
open(out_pem, "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(out_key, "wb").write(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
