//! A holder's wallet, for the tests and benchmarks of the wallet protocols: presentations of
//! a credential with the disclosures chosen and a key-binding JWT, as wallets make them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A compact ES256 JWS by `key`.
pub fn jws(header: &Value, claims: &Value, key: &SigningKey) -> String {
    let h = URL_SAFE_NO_PAD.encode(header.to_string());
    let c = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature: Signature = key.sign(format!("{h}.{c}").as_bytes());
    format!("{h}.{c}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// The credential presented with only the disclosures named `names` (all of them when
/// `None`), then a key-binding JWT by `holder` for `aud` and `nonce`, made at `iat`.
pub fn present(
    credential: &str,
    names: Option<&[&str]>,
    holder: &SigningKey,
    aud: &str,
    nonce: &str,
    iat: i64,
) -> String {
    let mut parts = credential.trim_end_matches('~').split('~');
    let mut presented = parts.next().unwrap_or_default().to_owned();
    for d in parts {
        let name = URL_SAFE_NO_PAD
            .decode(d)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
            .and_then(|item| item[1].as_str().map(str::to_owned))
            .unwrap_or_default();
        if names.is_none_or(|names| names.contains(&name.as_str())) {
            presented.push('~');
            presented.push_str(d);
        }
    }
    presented.push('~');
    let sd_hash = URL_SAFE_NO_PAD.encode(Sha256::digest(presented.as_bytes()));
    let kb = jws(
        &json!({"alg": "ES256", "typ": "kb+jwt"}),
        &json!({"aud": aud, "nonce": nonce, "iat": iat, "sd_hash": sd_hash}),
        holder,
    );
    format!("{presented}{kb}")
}

/// A wallet's `direct_post.jwt` answer to `authorization_request`: `vp_token` (the JSON
/// object) and the request's `state`, encrypted to the request's own key (ECDH-ES, A256GCM).
pub fn encrypted_response(authorization_request: &serde_json::Value, vp_token: &str) -> String {
    let jwk = &authorization_request["client_metadata"]["jwks"]["keys"][0];
    let Some(key) = crate::jose::jwk_key(jwk) else {
        panic!("the request offers no encryption key: {authorization_request}")
    };
    let token: serde_json::Value = serde_json::from_str(vp_token).unwrap_or_default();
    let payload = serde_json::json!({"vp_token": token, "state": authorization_request["state"]});
    let kid = jwk["kid"].as_str().unwrap_or_default();
    let nonce = authorization_request["nonce"].as_str().unwrap_or_default();
    crate::jwe::encrypt(
        payload.to_string().as_bytes(),
        &p256::PublicKey::from(&key),
        kid,
        "A256GCM",
        nonce.as_bytes(),
    )
    .unwrap_or_else(|e| panic!("encrypting: {e}"))
}

/// A wallet provider for the tests: it attests wallet instances (client attestations) and
/// the keys they keep (key attestations), with its own key and self-signed certificate, the
/// one the stack under test is told to trust.
pub struct TestWalletProvider {
    key: SigningKey,
    /// Its certificate, DER.
    pub certificate: Vec<u8>,
    /// The certificates above it, as its JWTs' `x5c` carries them (none for a root).
    issuers: Vec<Vec<u8>>,
}

impl TestWalletProvider {
    /// A provider nobody trusts: its own key, its certificate self-signed.
    pub async fn untrusted() -> Self {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let certificate = certify(&key, &key, None, false).await;
        Self {
            key,
            certificate,
            issuers: Vec::new(),
        }
    }

    /// A signing key of this provider's, certified by it: a CA when `ca`, else a leaf.
    pub async fn issue(&self, ca: bool) -> Self {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let certificate = certify(&key, &self.key, Some(&self.certificate), ca).await;
        let mut issuers = vec![self.certificate.clone()];
        issuers.extend(self.issuers.iter().cloned());
        Self {
            key,
            certificate,
            issuers,
        }
    }

    /// The development provider of the local stack, which the in-memory stacks trust too:
    /// its key and certificate are committed in `infra/local/` (never deployed).
    pub fn dev() -> Self {
        Self::from_pem(
            include_str!("../../../infra/local/wallet-provider-dev-key.pem"),
            include_str!("../../../infra/local/wallet-provider-dev.pem"),
        )
    }

    /// A new wallet instance's attestation and its proof of possession for `issuer`, made
    /// at `now`, as a wallet sends them to the token endpoint (`OAuth-Client-Attestation` and
    /// `-PoP`).
    pub fn attest_instance(&self, issuer: &str, now: i64) -> (String, String) {
        let instance = SigningKey::random(&mut rand::rngs::OsRng);
        let attestation = self.client_attestation("cazier-test-wallet", &instance, now + 3600);
        (
            attestation,
            attestation_pop(&instance, "cazier-test-wallet", issuer, now),
        )
    }

    /// The development provider of the local stack (`infra/local/wallet-provider-dev*.pem`).
    pub fn from_pem(key_pem: &str, certificate_pem: &str) -> Self {
        use p256::pkcs8::DecodePrivateKey;
        let key = SigningKey::from_pkcs8_pem(key_pem)
            .unwrap_or_else(|e| panic!("the provider's key: {e}"));
        let (_, certificate) = der::pem::decode_vec(certificate_pem.as_bytes())
            .unwrap_or_else(|e| panic!("the provider's certificate: {e}"));
        Self {
            key,
            certificate,
            issuers: Vec::new(),
        }
    }

    /// Its certificate as PEM: what the stack trusts (`WalletProviderCertificates`).
    pub fn pem(&self) -> String {
        der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &self.certificate)
            .unwrap_or_default()
    }

    fn x5c(&self) -> Value {
        let b64 = |der: &Vec<u8>| base64::engine::general_purpose::STANDARD.encode(der);
        let mut chain = vec![b64(&self.certificate)];
        chain.extend(self.issuers.iter().map(b64));
        json!(chain)
    }

    /// A Wallet Instance Attestation of `client_id`, its instance key `instance`, until
    /// `exp` (seconds since the epoch).
    pub fn client_attestation(&self, client_id: &str, instance: &SigningKey, exp: i64) -> String {
        let now = chrono::Utc::now().timestamp();
        let header =
            json!({"alg": "ES256", "typ": "oauth-client-attestation+jwt", "x5c": self.x5c()});
        let claims = json!({"iss": "https://wallet-provider.cazier.test", "sub": client_id,
            "iat": now, "exp": exp, "wallet_name": "cazier test wallet",
            "cnf": {"jwk": crate::jose::public_jwk(instance.verifying_key())}});
        jws(&header, &claims, &self.key)
    }

    /// A key attestation of `attested` kept in `storage` (e.g. `iso_18045_high`).
    pub fn key_attestation(
        &self,
        attested: &p256::ecdsa::VerifyingKey,
        storage: &[&str],
    ) -> String {
        let now = chrono::Utc::now().timestamp();
        let header = json!({"alg": "ES256", "typ": "key-attestation+jwt", "x5c": self.x5c()});
        let claims = json!({"iat": now, "exp": now + 86_400,
            "attested_keys": [crate::jose::public_jwk(attested)], "key_storage": storage,
            "user_authentication": ["iso_18045_moderate"]});
        jws(&header, &claims, &self.key)
    }
}

/// A certificate (DER) for `subject`'s key, signed by `issuer_key` (self-signed without
/// `issuer`): a CA when `ca`, else a leaf that signs.
async fn certify(
    subject: &SigningKey,
    issuer_key: &SigningKey,
    issuer: Option<&[u8]>,
    ca: bool,
) -> Vec<u8> {
    use der::Decode;
    use p256::pkcs8::EncodePublicKey;
    let signer = crate::services::organisations::AccessKey::from_key(issuer_key.clone());
    let spki = subject
        .verifying_key()
        .to_public_key_der()
        .map(|d| d.as_bytes().to_vec())
        .unwrap_or_default();
    let issuer = issuer.map(|der| {
        x509_cert::Certificate::from_der(der)
            .unwrap_or_else(|e| panic!("the issuer's certificate: {e}"))
    });
    let profile = if ca {
        crate::seal::Profile::Root
    } else {
        crate::seal::Profile::RelyingPartyAccess
    };
    let certificate = crate::seal::issue_certificate(
        &signer,
        issuer.as_ref(),
        "CN=cazier test wallet provider,O=cazier tests,C=RO",
        &spki,
        profile,
        std::time::Duration::from_secs(365 * 24 * 3600),
    )
    .await
    .unwrap_or_else(|e| panic!("a test provider's certificate: {e}"));
    der::Encode::to_der(&certificate).unwrap_or_default()
}

/// A wallet instance's proof of possession of its attested key, for the authorization
/// server `issuer`, made at `iat` with a fresh `jti`.
pub fn attestation_pop(instance: &SigningKey, client_id: &str, issuer: &str, iat: i64) -> String {
    let header = json!({"alg": "ES256", "typ": "oauth-client-attestation-pop+jwt"});
    let claims = json!({"iss": client_id, "aud": issuer, "iat": iat, "exp": iat + 60,
        "jti": crate::crypto::new_token()});
    jws(&header, &claims, instance)
}

/// The token endpoint as an attested wallet calls it: a new instance attested by the
/// development wallet provider, with a fresh proof of possession at the service's time.
pub async fn redeem(
    service: &crate::services::wallet::WalletService,
    grant_type: Option<&str>,
    code: Option<&str>,
    tx_code: Option<&str>,
) -> Result<crate::services::wallet::TokenAnswer, crate::services::wallet::TokenError> {
    let now = service.clock.now().timestamp();
    let (attestation, pop) = TestWalletProvider::dev().attest_instance(&service.issuer_url, now);
    service
        .token(crate::services::wallet::TokenRequest {
            grant_type,
            code,
            tx_code,
            client_id: None,
            attestation: Some(&attestation),
            attestation_pop: Some(&pop),
        })
        .await
}
