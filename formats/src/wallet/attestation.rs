//! What a wallet provider vouches for, checked: the Wallet Instance Attestation and its
//! proof of possession at the token endpoint (OAuth 2.0 Attestation-Based Client
//! Authentication, `attest_jwt_client_auth`, as HAIP 1.0 profiles it), and the key
//! attestation in a credential request's proof (OpenID4VCI 1.0, appendix D), which says in
//! what the credential's key is kept. Both are ES256 JWTs whose `x5c` chains to a wallet
//! provider the deployment trusts (configuration, as the identity providers are).

use crate::jose::{jwk_key, Jws};
use crate::seal::verify_certificate;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use der::Decode;
use p256::ecdsa::VerifyingKey;
use serde_json::Value;
use x509_cert::Certificate;

pub const CLIENT_ATTESTATION_TYP: &str = "oauth-client-attestation+jwt";
pub const CLIENT_ATTESTATION_POP_TYP: &str = "oauth-client-attestation-pop+jwt";
/// The key attestation's media type (and the drafts' spelling, which wallets still send).
pub const KEY_ATTESTATION_TYPS: [&str; 2] = ["key-attestation+jwt", "keyattestation+jwt"];
/// The key storage we require of the credential's key (ISO/IEC 18045 attack potential the
/// storage resists): a secure element or a certified TEE/StrongBox, not a software key.
pub const ACCEPTED_KEY_STORAGE: [&str; 2] = ["iso_18045_high", "iso_18045_moderate"];
/// How old a proof of possession may be, and how far our clocks may differ.
const POP_MAX_AGE_SECS: i64 = 300;
const LEEWAY_SECS: i64 = 60;

/// Why an attestation is refused. The first three are OAuth `invalid_client`; the last
/// asks the wallet for a new attestation (`use_fresh_attestation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AttestationRefusal {
    #[error("the client attestation or its proof is not an ES256 JWT of the right type")]
    Malformed,
    #[error("the client attestation is not signed by a wallet provider this service trusts")]
    Untrusted,
    #[error("the proof of possession is not signed by the attested key, or is for another client or audience")]
    WrongPop,
    #[error("the client attestation has expired, or its proof of possession is not fresh")]
    NotFresh,
}

/// Why a key attestation is refused (OpenID4VCI `invalid_proof`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyAttestationRefusal {
    #[error("the proof carries no key attestation, which this issuer requires")]
    Missing,
    #[error("the key attestation is not an ES256 JWT of type key-attestation+jwt")]
    Malformed,
    #[error("the key attestation is not signed by a wallet provider this service trusts")]
    Untrusted,
    #[error("the key attestation has expired")]
    Expired,
    #[error("the key attestation does not attest the proof's key")]
    OtherKey,
    #[error("the key is not kept in storage rated iso_18045_high or iso_18045_moderate")]
    WeakStorage,
}

/// A wallet instance the token endpoint admitted: its client id, who vouched for it, and the
/// proof's `jti`, to be seen once until it could no longer pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attested {
    pub client_id: String,
    pub provider: String,
    pub pop_jti: String,
    pub pop_usable_until: DateTime<Utc>,
}

/// The wallet providers a deployment trusts: their CA (or signing) certificates.
#[derive(Debug, Clone, Default)]
pub struct WalletProviders(Vec<Certificate>);

impl WalletProviders {
    /// From PEM (any number of certificates; none trusts nobody).
    pub fn from_pem(pem: &str) -> Result<Self, der::Error> {
        if pem.trim().is_empty() {
            return Ok(Self::default());
        }
        Certificate::load_pem_chain(pem.as_bytes()).map(Self)
    }

    /// The key of the `x5c` leaf that signed `jws`, if the chain reaches one of ours and every
    /// certificate in it is current.
    fn signer_of(&self, jws: &Jws, now: DateTime<Utc>) -> Option<VerifyingKey> {
        let chain: Vec<Certificate> = jws
            .header("x5c")?
            .as_array()?
            .iter()
            .map(|c| {
                let der = STANDARD.decode(c.as_str()?).ok()?;
                Certificate::from_der(&der).ok()
            })
            .collect::<Option<_>>()?;
        let leaf = chain.first()?;
        if !chain.iter().all(|c| current(c, now)) {
            return None;
        }
        // Each certificate signed by the next, a CA; the last is an anchor, or signed by one
        // that is a CA. The leaf may sign (digitalSignature, when its key usage is stated).
        let linked = chain
            .windows(2)
            .all(|pair| is_ca(&pair[1]) && verify_certificate(&pair[0], &pair[1]).is_ok());
        let last = chain.last()?;
        let anchored = self.0.iter().any(|anchor| {
            anchor == last
                || (last.tbs_certificate.issuer == anchor.tbs_certificate.subject
                    && is_ca(anchor)
                    && verify_certificate(last, anchor).is_ok()
                    && current(anchor, now))
        });
        if !(linked && anchored && may_sign(leaf)) {
            return None;
        }
        use p256::pkcs8::DecodePublicKey;
        let spki = der::Encode::to_der(&leaf.tbs_certificate.subject_public_key_info).ok()?;
        let key = VerifyingKey::from_public_key_der(&spki).ok()?;
        jws.verify(&key).ok().map(|()| key)
    }

    /// The token endpoint's check of `attestation` and its `pop` for our authorization server
    /// `issuer`, at `now`.
    pub fn check_client_attestation(
        &self,
        attestation: &str,
        pop: &str,
        issuer: &str,
        now: DateTime<Utc>,
    ) -> Result<Attested, AttestationRefusal> {
        let malformed = |_| AttestationRefusal::Malformed;
        let wia = Jws::parse(attestation.trim()).map_err(malformed)?;
        if wia.header_str("typ") != Some(CLIENT_ATTESTATION_TYP) {
            return Err(AttestationRefusal::Malformed);
        }
        self.signer_of(&wia, now)
            .ok_or(AttestationRefusal::Untrusted)?;
        let claims: Value = wia.payload().map_err(malformed)?;
        let (Some(provider), Some(client_id), Some(exp)) = (
            claims["iss"].as_str(),
            claims["sub"].as_str(),
            claims["exp"].as_i64(),
        ) else {
            return Err(AttestationRefusal::Malformed);
        };
        if exp <= now.timestamp() {
            return Err(AttestationRefusal::NotFresh);
        }
        let instance_key = jwk_key(&claims["cnf"]["jwk"]).ok_or(AttestationRefusal::Malformed)?;

        let pop = Jws::parse(pop.trim()).map_err(malformed)?;
        if pop.header_str("typ") != Some(CLIENT_ATTESTATION_POP_TYP) {
            return Err(AttestationRefusal::Malformed);
        }
        pop.verify(&instance_key)
            .map_err(|_| AttestationRefusal::WrongPop)?;
        let proof: Value = pop.payload().map_err(malformed)?;
        let for_us = match &proof["aud"] {
            Value::Array(list) => list.iter().any(|a| a == issuer),
            other => other == issuer,
        };
        if proof["iss"].as_str() != Some(client_id) || !for_us {
            return Err(AttestationRefusal::WrongPop);
        }
        let iat = proof["iat"].as_i64().ok_or(AttestationRefusal::Malformed)?;
        let now_secs = now.timestamp();
        if iat > now_secs + LEEWAY_SECS || iat < now_secs - POP_MAX_AGE_SECS {
            return Err(AttestationRefusal::NotFresh);
        }
        if proof["exp"].as_i64().is_some_and(|e| e <= now_secs) {
            return Err(AttestationRefusal::NotFresh);
        }
        let jti = proof["jti"]
            .as_str()
            .filter(|j| (1..=256).contains(&j.len()))
            .ok_or(AttestationRefusal::Malformed)?;
        Ok(Attested {
            client_id: client_id.to_owned(),
            provider: provider.to_owned(),
            pop_jti: jti.to_owned(),
            pop_usable_until: DateTime::from_timestamp(iat + POP_MAX_AGE_SECS + LEEWAY_SECS, 0)
                .ok_or(AttestationRefusal::Malformed)?,
        })
    }

    /// A credential request's key attestation (`key_attestation` in its proof's header): by a
    /// trusted provider, current, attesting `proof_jwk` in storage we accept. The storage
    /// levels it states, on success.
    pub fn check_key_attestation(
        &self,
        key_attestation: Option<&str>,
        proof_jwk: &Value,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, KeyAttestationRefusal> {
        let jwt = key_attestation.ok_or(KeyAttestationRefusal::Missing)?;
        let jws = Jws::parse(jwt.trim()).map_err(|_| KeyAttestationRefusal::Malformed)?;
        if !jws
            .header_str("typ")
            .is_some_and(|t| KEY_ATTESTATION_TYPS.contains(&t))
        {
            return Err(KeyAttestationRefusal::Malformed);
        }
        self.signer_of(&jws, now)
            .ok_or(KeyAttestationRefusal::Untrusted)?;
        let claims: Value = jws
            .payload()
            .map_err(|_| KeyAttestationRefusal::Malformed)?;
        if claims["exp"].as_i64().is_none_or(|e| e <= now.timestamp()) {
            return Err(KeyAttestationRefusal::Expired);
        }
        let same = |jwk: &Value| jwk["x"] == proof_jwk["x"] && jwk["y"] == proof_jwk["y"];
        let attested = claims["attested_keys"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !attested.iter().any(same) {
            return Err(KeyAttestationRefusal::OtherKey);
        }
        let storage: Vec<String> = claims["key_storage"]
            .as_array()
            .map(|s| {
                s.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if !storage
            .iter()
            .any(|s| ACCEPTED_KEY_STORAGE.contains(&s.as_str()))
        {
            return Err(KeyAttestationRefusal::WeakStorage);
        }
        Ok(storage)
    }
}

/// The DER value of `certificate`'s extension `oid`, if it has one.
fn extension<'a>(
    certificate: &'a Certificate,
    oid: &der::asn1::ObjectIdentifier,
) -> Option<&'a [u8]> {
    certificate
        .tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| &e.extn_id == oid)
        .map(|e| e.extn_value.as_bytes())
}

/// Whether `certificate` is a CA (basicConstraints `cA`): only a CA's signature links a chain.
fn is_ca(certificate: &Certificate) -> bool {
    use x509_cert::ext::pkix::BasicConstraints;
    extension(
        certificate,
        &const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
    )
    .and_then(|der| BasicConstraints::from_der(der).ok())
    .is_some_and(|b| b.ca)
}

/// Whether `certificate`'s key may sign a JWT: no key usage stated, or digitalSignature.
fn may_sign(certificate: &Certificate) -> bool {
    use x509_cert::ext::pkix::{KeyUsage, KeyUsages};
    match extension(certificate, &const_oid::db::rfc5280::ID_CE_KEY_USAGE) {
        None => true,
        Some(der) => {
            KeyUsage::from_der(der).is_ok_and(|usage| usage.0.contains(KeyUsages::DigitalSignature))
        }
    }
}

/// Whether `certificate` is within its validity at `now`.
fn current(certificate: &Certificate, now: DateTime<Utc>) -> bool {
    let validity = &certificate.tbs_certificate.validity;
    let secs = |t: &x509_cert::time::Time| t.to_unix_duration().as_secs() as i64;
    let now = now.timestamp();
    secs(&validity.not_before) <= now + LEEWAY_SECS && now <= secs(&validity.not_after)
}
