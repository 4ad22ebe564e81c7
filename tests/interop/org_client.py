"""An institution's system as an independent OAuth 2.0 client (Authlib, PyPI): it gets an
access token by the client credentials grant, authenticating with a private_key_jwt client
assertion (RFC 7523) signed by its own key, then asks a wallet for a certificate.

Usage: org_client.py BASE_URL CLIENT_ID PRIVATE_JWK_JSON
Prints {"token": {...without the token...}, "started_status", "started_keys", "library"}.
"""

import json
import sys

import authlib
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT


def main():
    base, client_id, jwk = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    token_url = f"{base}/oauth2/token"
    session = OAuth2Session(
        client_id,
        jwk,
        token_endpoint_auth_method=PrivateKeyJWT(token_url, alg="ES256"),
        scope="presentation",
    )
    token = session.fetch_token(token_url, grant_type="client_credentials")
    started = session.post(f"{base}/v1/presentation-requests", json={})
    body = started.json()
    print(
        json.dumps(
            {
                "library": f"Authlib {authlib.__version__}",
                "token": {k: v for k, v in token.items() if k != "access_token"},
                "started_status": started.status_code,
                "started_keys": sorted(body.keys()),
                "wallet_uri": body.get("wallet_uri", ""),
            }
        )
    )


if __name__ == "__main__":
    main()
