"""An institution's system as an independent OAuth 2.0 client (Authlib, PyPI) using the consent
API (issue 27): it gets an access token for scope extract:<PURPOSE> by the client credentials
grant with a private_key_jwt client assertion (RFC 7523), then either asks for a person's
consent or, once given, pulls the sealed extract.

Usage: org_consent.py ask BASE_URL AUDIENCE CLIENT_ID PRIVATE_JWK_JSON CNP PURPOSE
       org_consent.py extract BASE_URL AUDIENCE CLIENT_ID PRIVATE_JWK_JSON CONSENT_ID PURPOSE
AUDIENCE is the token endpoint as the service names itself (its PortalUrl + /oauth2/token).
Prints one JSON object (never the access token).
"""

import json
import sys

import authlib
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT


def session_for(base, audience, client_id, jwk, purpose):
    session = OAuth2Session(
        client_id,
        jwk,
        token_endpoint_auth_method=PrivateKeyJWT(audience, alg="ES256"),
        scope=f"extract:{purpose}",
    )
    token = session.fetch_token(f"{base}/oauth2/token", grant_type="client_credentials")
    return session, {k: v for k, v in token.items() if k != "access_token"}


def main():
    mode, base, audience, client_id, jwk, subject, purpose = sys.argv[1:8]
    session, token = session_for(base, audience, client_id, json.loads(jwk), purpose)
    out = {"library": f"Authlib {authlib.__version__}", "token": token}
    if mode == "ask":
        asked = session.post(
            f"{base}/v1/consent-requests",
            json={"cnp": subject, "purpose": purpose, "reason": "Angajare conducător auto"},
        )
        out.update(asked_status=asked.status_code, asked=asked.json())
    elif mode == "extract":
        status = session.get(f"{base}/v1/consents/{subject}")
        pulled = session.post(f"{base}/v1/consents/{subject}/extract")
        again = session.post(f"{base}/v1/consents/{subject}/extract")
        out.update(
            status_status=status.status_code,
            status=status.json(),
            extract_status=pulled.status_code,
            extract=pulled.json(),
            again_status=again.status_code,
            again=again.json(),
        )
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
