//! JSON the service seals for others to keep and check offline: a compact JWS (ES256) signed
//! with the seal, `typ` saying what it is, `x5c` the seal's chain without its root (as the
//! wallet credential). Consented extracts (`extract.rs`) and verification receipts
//! (`receipt.rs`) are two kinds; a checker holding the trust file needs nothing else.

use crate::jose::{self, Jws};
use crate::statement::TrustedKey;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cazier_domain::ports::{SignError, Signer};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// Signs `claims` (with `iss` and `jti` added) as a JWS of type `typ` through the seal.
/// One signer call.
pub async fn seal<T: Serialize>(
    typ: &str,
    claims: &T,
    jti: &str,
    issuer: &str,
    chain: &[Vec<u8>],
    signer: &dyn Signer,
) -> Result<String, SignError> {
    let header = json!({
        "alg": jose::ES256,
        "typ": typ,
        "x5c": chain.iter().map(|c| STANDARD.encode(c)).collect::<Vec<_>>(),
    });
    let mut payload = serde_json::to_value(claims)
        .map_err(|e| SignError::Unavailable(format!("{typ} does not serialise: {e}")))?;
    payload["iss"] = json!(issuer);
    payload["jti"] = json!(jti);
    jose::sign(&header, &payload, signer).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealedRefusal {
    #[error("not a document of this kind (a compact JWS of the expected type)")]
    Malformed,
    #[error("not signed by a seal key of the trust file")]
    UnknownSigner,
    #[error("the signature does not match the content")]
    BadSignature,
}

/// The `typ` of a compact JWS, if it is one.
pub fn typ_of(token: &str) -> Option<String> {
    Jws::parse(token.trim())
        .ok()?
        .header_str("typ")
        .map(str::to_owned)
}

/// Checks a sealed document offline: of type `typ`, signed by a seal key of the trust file
/// (its `x5c` leaf, which must be one of ours), over exactly these claims.
pub fn verify<T: DeserializeOwned>(
    typ: &str,
    token: &str,
    trusted: &[TrustedKey],
) -> Result<T, SealedRefusal> {
    use der::{Decode, Encode};
    use p256::pkcs8::DecodePublicKey;
    let jws = Jws::parse(token.trim()).map_err(|_| SealedRefusal::Malformed)?;
    if jws.header_str("typ") != Some(typ) || jws.header_str("alg") != Some(jose::ES256) {
        return Err(SealedRefusal::Malformed);
    }
    let leaf = jws
        .header("x5c")
        .and_then(Value::as_array)
        .and_then(|chain| chain.first())
        .and_then(Value::as_str)
        .and_then(|b64| STANDARD.decode(b64).ok())
        .ok_or(SealedRefusal::Malformed)?;
    let key = x509_cert::Certificate::from_der(&leaf)
        .ok()
        .and_then(|c| c.tbs_certificate.subject_public_key_info.to_der().ok())
        .and_then(|spki| p256::ecdsa::VerifyingKey::from_public_key_der(&spki).ok())
        .ok_or(SealedRefusal::Malformed)?;
    let trusted = trusted
        .iter()
        .find(|t| t.key == key)
        .ok_or(SealedRefusal::UnknownSigner)?;
    jws.verify(&trusted.key)
        .map_err(|_| SealedRefusal::BadSignature)?;
    jws.payload().map_err(|_| SealedRefusal::Malformed)
}
