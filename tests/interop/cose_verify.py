"""An independent check of the QR code's signed statement (docs/QR.md) with pycose (`cose` on
PyPI) and cbor2: decodes the COSE_Sign1, finds the seal certificate of the trust file whose
key id matches, verifies the ES256 signature and prints the CWT claims as JSON.

usage: cose_verify.py <seal-certificates.pem> <QR code text>
"""

import base64
import hashlib
import json
import sys

import cbor2
from cose.headers import KID
from cose.keys import EC2Key
from cose.keys.curves import P256
from cose.messages import Sign1Message
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding


def main(trust_file, text):
    encoded = text[text.index("CZ1:") + 4:].strip()
    message = Sign1Message.decode(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    kid = message.phdr[KID]
    with open(trust_file, "rb") as f:
        certificates = x509.load_pem_x509_certificates(f.read())
    matching = [c for c in certificates
                if hashlib.sha256(c.public_bytes(Encoding.DER)).digest()[:8] == kid]
    if not matching:
        print(json.dumps({"valid": False, "why": "no certificate with this key id"}))
        return
    numbers = matching[0].public_key().public_numbers()
    message.key = EC2Key(crv=P256, x=numbers.x.to_bytes(32, "big"), y=numbers.y.to_bytes(32, "big"))
    valid = message.verify_signature()
    claims = cbor2.loads(message.payload)
    certificate = claims.get(-65537, {})
    print(json.dumps({
        "valid": valid,
        "alg": str(message.phdr.get(next(k for k in message.phdr if k is not KID))),
        "iss": claims.get(1),
        "iat": claims.get(6),
        "exp": claims.get(4),
        "number": certificate.get(1),
        "holder": certificate.get(2),
        "birth_date": certificate.get(3),
        "purpose": certificate.get(4),
        "valid_until": certificate.get(5),
        "has_entries": certificate.get(6),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
