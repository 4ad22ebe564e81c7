//! OpenID4VCI 1.0 proof of possession (section 8.2.1.1, `jwt` proof type): the wallet signs,
//! with the key the credential will be bound to, a JWT for this issuer and one of its nonces.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::Signature;
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
}

/// A proof that verified: the wallet's key (public JWK) and the nonce it answers, which the
/// caller must still find unused.
#[derive(Debug, Clone, PartialEq)]
pub struct Proven {
    pub jwk: Value,
    pub nonce: String,
}

fn part(p: &str) -> Option<Value> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
}

/// Checks `jwt` for issuer `aud` at `now`.
pub fn check(jwt: &str, aud: &str, now: DateTime<Utc>) -> Result<Proven, ProofRefusal> {
    let mut parts = jwt.trim().split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ProofRefusal::Malformed);
    };
    let header = part(h).ok_or(ProofRefusal::Malformed)?;
    let claims = part(p).ok_or(ProofRefusal::Malformed)?;
    if header["typ"] != PROOF_TYP || header["alg"] != "ES256" || header.get("kid").is_some() {
        return Err(ProofRefusal::WrongHeader);
    }
    let jwk = header["jwk"].clone();
    if jwk.get("d").is_some() {
        return Err(ProofRefusal::WrongHeader);
    }
    let key = super::sd_jwt::jwk_key(&jwk).ok_or(ProofRefusal::WrongHeader)?;
    let signature = URL_SAFE_NO_PAD
        .decode(s)
        .ok()
        .and_then(|s| Signature::from_slice(&s).ok())
        .ok_or(ProofRefusal::BadSignature)?;
    key.verify(format!("{h}.{p}").as_bytes(), &signature)
        .map_err(|_| ProofRefusal::BadSignature)?;
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
    })
}
