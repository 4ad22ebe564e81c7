//! OpenID4VCI 1.0 proof of possession (section 8.2.1.1, `jwt` proof type): the wallet signs,
//! with the key the credential will be bound to, a JWT for this issuer and one of its nonces.

use crate::jose::{jwk_key, Jws, JwsError};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The proof JWT's media type.
pub const PROOF_TYP: &str = "openid4vci-proof+jwt";
/// How far a proof's `iat` may be from our clock.
const LEEWAY_SECS: i64 = 300;

/// Why a proof is refused (OpenID4VCI error `invalid_proof`, or `invalid_nonce` for the last).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofRefusal {
    #[error("the proof is not a JWT")]
    Malformed,
    #[error("the proof's header is not typ openid4vci-proof+jwt, alg ES256 with a P-256 jwk")]
    WrongHeader,
    #[error("the proof's signature does not verify with its key")]
    BadSignature,
    #[error("the proof is for another issuer")]
    WrongAudience,
    #[error("the proof is too old or from the future")]
    Stale,
    #[error("the proof carries no nonce of ours")]
    NoNonce,
    #[error("{0}")]
    KeyAttestation(#[from] super::attestation::KeyAttestationRefusal),
}

/// A proof that verified: the wallet's key (public JWK) and the nonce it answers, which the
/// caller must still find unused.
#[derive(Debug, Clone, PartialEq)]
pub struct Proven {
    pub jwk: Value,
    pub nonce: String,
    /// The wallet provider's key attestation of `jwk` (its header's `key_attestation`), for
    /// the caller to check against the providers it trusts.
    pub key_attestation: Option<String>,
}

/// Checks `jwt` for issuer `aud` at `now`.
pub fn check(jwt: &str, aud: &str, now: DateTime<Utc>) -> Result<Proven, ProofRefusal> {
    let jws = Jws::parse(jwt.trim()).map_err(|e| match e {
        JwsError::Algorithm => ProofRefusal::WrongHeader,
        _ => ProofRefusal::Malformed,
    })?;
    if jws.header_str("typ") != Some(PROOF_TYP) || jws.header("kid").is_some() {
        return Err(ProofRefusal::WrongHeader);
    }
    let jwk = jws.header("jwk").cloned().unwrap_or_default();
    if jwk.get("d").is_some() {
        return Err(ProofRefusal::WrongHeader);
    }
    let key = jwk_key(&jwk).ok_or(ProofRefusal::WrongHeader)?;
    jws.verify(&key).map_err(|_| ProofRefusal::BadSignature)?;
    let claims: Value = jws.payload().map_err(|_| ProofRefusal::Malformed)?;
    let audience_ok = match &claims["aud"] {
        Value::String(a) => a == aud,
        Value::Array(list) => list.iter().any(|a| a == aud),
        _ => false,
    };
    if !audience_ok {
        return Err(ProofRefusal::WrongAudience);
    }
    let iat = claims["iat"].as_i64().ok_or(ProofRefusal::Malformed)?;
    if (iat - now.timestamp()).abs() > LEEWAY_SECS {
        return Err(ProofRefusal::Stale);
    }
    let nonce = claims["nonce"].as_str().ok_or(ProofRefusal::NoNonce)?;
    Ok(Proven {
        jwk: serde_json::json!({"kty": "EC", "crv": "P-256", "x": jwk["x"], "y": jwk["y"]}),
        nonce: nonce.to_owned(),
        key_attestation: jws.header_str("key_attestation").map(str::to_owned),
    })
}
