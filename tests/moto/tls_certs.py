"""A test CA and a server certificate it signed, for 127.0.0.1 and localhost, valid one day.

    python tls_certs.py DIR    writes DIR/ca.pem, DIR/server.pem and DIR/server.key

Run with moto's virtualenv (target/moto-venv), which has `cryptography`. The AWS CLI tests serve
moto over TLS with them, to check that the agent's HTTPS client trusts what SSL_CERT_FILE names
and refuses a certificate nobody it trusts signed.
"""
import datetime, ipaddress, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
out = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)
def key():
    return ec.generate_private_key(ec.SECP256R1())
ca_key = key()
ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lineage test CA")])
ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
      .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
      .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
      .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
      .sign(ca_key, hashes.SHA256()))
srv_key = key()
srv = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
       .issuer_name(ca_name).public_key(srv_key.public_key()).serial_number(x509.random_serial_number())
       .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
       .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), critical=False)
       .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
       .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
       .sign(ca_key, hashes.SHA256()))
pem = serialization.Encoding.PEM
open(f"{out}/ca.pem", "wb").write(ca.public_bytes(pem))
open(f"{out}/server.pem", "wb").write(srv.public_bytes(pem))
open(f"{out}/server.key", "wb").write(srv_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
