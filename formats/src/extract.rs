//! The extract an organisation pulls under a holder's consent (issue 27): JSON claims signed
//! with the seal (a compact JWS, ES256, `x5c` the seal's chain without its root, as the wallet
//! credential), so anyone with the trust file checks it offline, as a certificate. It names
//! the holder (by the name validated), never their CNP: the organisation typed that.

use crate::jose::{self, Jws};
use crate::statement::TrustedKey;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cazier_domain::ports::{SignError, Signer};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The JWS `typ` of an extract: nothing else we sign carries it.
pub const TYP: &str = "cazier-extract+jwt";

/// What an extract says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractClaims {
    /// `EX-2026-…`, unique.
    pub number: String,
    /// RFC 3339.
    pub issued_at: String,
    pub organisation: ExtractOrganisation,
    pub purpose: String,
    /// `STATUS` or `CERTIFICATE`.
    pub level: String,
    pub consent: String,
    pub holder_name: String,
    /// With the name, what ties the extract to the person the organisation asked about (it
    /// typed their CNP, which holds the same date; the CNP itself is never handed back).
    pub holder_birth_date: String,
    /// Until when the answer holds, as a certificate's (six months).
    pub valid_until: String,
    /// Entries not rehabilitated.
    pub has_entries: bool,
    /// At the `CERTIFICATE` level only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<ExtractEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractOrganisation {
    pub cui: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractEntry {
    pub court: String,
    pub decision: String,
    pub decision_date: String,
    pub offence: String,
    pub penalty: String,
}

/// Signs `claims` through the seal (`chain`: DER, seal first, root left out). One signer call.
pub async fn seal(
    claims: &ExtractClaims,
    issuer: &str,
    chain: &[Vec<u8>],
    signer: &dyn Signer,
) -> Result<String, SignError> {
    let header = json!({
        "alg": jose::ES256,
        "typ": TYP,
        "x5c": chain.iter().map(|c| STANDARD.encode(c)).collect::<Vec<_>>(),
    });
    let mut payload = serde_json::to_value(claims)
        .map_err(|e| SignError::Unavailable(format!("an extract does not serialise: {e}")))?;
    payload["iss"] = json!(issuer);
    payload["jti"] = json!(claims.number);
    jose::sign(&header, &payload, signer).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ExtractRefusal {
    #[error("not an extract (a compact JWS of type {TYP})")]
    Malformed,
    #[error("not signed by a seal key of the trust file")]
    UnknownSigner,
    #[error("the signature does not match the content")]
    BadSignature,
}

/// Checks an extract offline: signed by a seal key of the trust file (its `x5c` leaf, which
/// must be one of ours), over exactly these claims.
pub fn verify(token: &str, trusted: &[TrustedKey]) -> Result<ExtractClaims, ExtractRefusal> {
    use der::{Decode, Encode};
    use p256::pkcs8::DecodePublicKey;
    let jws = Jws::parse(token.trim()).map_err(|_| ExtractRefusal::Malformed)?;
    if jws.header_str("typ") != Some(TYP) || jws.header_str("alg") != Some(jose::ES256) {
        return Err(ExtractRefusal::Malformed);
    }
    let leaf = jws
        .header("x5c")
        .and_then(Value::as_array)
        .and_then(|chain| chain.first())
        .and_then(Value::as_str)
        .and_then(|b64| STANDARD.decode(b64).ok())
        .ok_or(ExtractRefusal::Malformed)?;
    let key = x509_cert::Certificate::from_der(&leaf)
        .ok()
        .and_then(|c| c.tbs_certificate.subject_public_key_info.to_der().ok())
        .and_then(|spki| p256::ecdsa::VerifyingKey::from_public_key_der(&spki).ok())
        .ok_or(ExtractRefusal::Malformed)?;
    let trusted = trusted
        .iter()
        .find(|t| t.key == key)
        .ok_or(ExtractRefusal::UnknownSigner)?;
    jws.verify(&trusted.key)
        .map_err(|_| ExtractRefusal::BadSignature)?;
    jws.payload().map_err(|_| ExtractRefusal::Malformed)
}
