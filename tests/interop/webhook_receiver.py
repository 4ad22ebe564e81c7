"""An organisation's webhook receiver for the service's record-change notices (issue 27), as an
institution would write one: Python's own HTTP server, the JWS checked with joserfc (PyPI) and
the seal's certificate with cryptography (PyPI) against the trust file it downloaded once.

It accepts a notice only if it is a compact JWS of type cazier-change+jwt, signed (ES256) by
the key of the x5c leaf, that leaf being the seal's own certificate as the trust file has it
(byte for byte: the trust file also holds CAs, among them the timestamping authority's, which
certify keys that are not the seal's; a leaf merely issued by one of them is refused),
addressed to this organisation (aud = its CUI), from the service (iss), signed in the last
five minutes, with jti equal to the Idempotency-Key header. A notice it has accepted before
(the same key) is answered 200 again and not counted twice.

Usage: webhook_receiver.py PORT TRUST_PEM CUI ISSUER LOG_JSONL
Each accepted or refused notice is a line of LOG_JSONL: {"accepted": bool, ...}.
"""

import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from joserfc import jws
from joserfc.jwk import ECKey

PORT, TRUST_PEM, CUI, ISSUER, LOG = sys.argv[1:6]
with open(TRUST_PEM, "rb") as f:
    CERTIFICATES = x509.load_pem_x509_certificates(f.read())


def _is_ca(certificate):
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


# The seal's certificates: the trust file's end-entity certificates that are not for timestamps.
def _is_timestamping(certificate):
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        return x509.oid.ExtendedKeyUsageOID.TIME_STAMPING in usages
    except x509.ExtensionNotFound:
        return False


SEALS = [c for c in CERTIFICATES if not _is_ca(c) and not _is_timestamping(c)]
# The header carries the seal's certificate chain (x5c): more than joserfc's default 512 bytes.
REGISTRY = jws.JWSRegistry(algorithms=["ES256"])
REGISTRY.max_header_length = 8192
SEEN = set()
LOCK = threading.Lock()


def leaf_key(token):
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    if header.get("typ") != "cazier-change+jwt" or header.get("alg") != "ES256":
        raise ValueError("not a change notice")
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    if leaf not in SEALS:
        raise ValueError("not signed by the seal of the trust file")
    pem = leaf.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return ECKey.import_key(pem)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        key = self.headers.get("Idempotency-Key", "")
        try:
            if self.headers.get("Content-Type") != "application/jwt":
                raise ValueError("not application/jwt")
            signed = jws.deserialize_compact(body, leaf_key(body), registry=REGISTRY)
            claims = json.loads(signed.payload)
            if claims.get("aud") != CUI:
                raise ValueError("addressed to another organisation")
            if claims.get("iss") != ISSUER:
                raise ValueError("from another issuer")
            if abs(time.time() - claims.get("iat", 0)) > 300:
                raise ValueError("stale")
            if not key or claims.get("jti") != key:
                raise ValueError("the idempotency key is not the notice's")
        except Exception as e:
            self._log({"accepted": False, "why": str(e)})
            self.send_response(400)
            self.end_headers()
            return
        with LOCK:
            again = key in SEEN
            SEEN.add(key)
        if not again:
            self._log({"accepted": True, "key": key, "claims": claims, "token": body})
        self.send_response(200 if again else 204)
        self.end_headers()

    def _log(self, line):
        with LOCK, open(LOG, "a") as f:
            f.write(json.dumps(line) + "\n")

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(PORT)), Receiver)
    print("listening", flush=True)
    server.serve_forever()
