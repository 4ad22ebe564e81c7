"""The wallet's side of the certificate's SD-JWT VC, played by the IETF reference
implementation (`sd-jwt` from PyPI), for tests/tests/wallet.rs.

  sd_jwt_wallet.py key
      prints a new holder key pair (private JWK, P-256)
  sd_jwt_wallet.py present ISSUER_JWK HOLDER_JWK CREDENTIAL NONCE AUD CLAIM...
      verifies the issued credential with the issuer's public key and prints every claim it
      carries (JSON, on standard error), then prints a presentation that discloses only the
      CLAIMs named, with a key-binding JWT for NONCE and AUD.
"""
import json
import sys

from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.verifier import SDJWTVerifier


def main(argv):
    if argv[1] == "key":
        print(JWK.generate(kty="EC", crv="P-256").export_private())
        return 0
    if argv[1] == "present":
        issuer_file, holder_file, credential_file, nonce, aud, *claims = argv[2:]
        issuer = JWK.from_json(open(issuer_file).read())
        holder = JWK.from_json(open(holder_file).read())
        credential = open(credential_file).read().strip()
        verified = SDJWTVerifier(credential, lambda iss, header: issuer)
        print(json.dumps(verified.get_verified_payload(), ensure_ascii=False), file=sys.stderr)
        wallet = SDJWTHolder(credential)
        wallet.create_presentation({c: True for c in claims}, nonce, aud, holder, "ES256")
        print(wallet.sd_jwt_presentation)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
