//! A verification receipt: what a checker keeps in their file instead of a printout. The service
//! seals what was checked, how, when, and the answer (`sealed.rs`); the checker, or anyone they
//! show it to, checks it offline against the trust file. It holds no CNP: the checker typed it.

use crate::statement::TrustedKey;
use cazier_domain::ports::{SignError, Signer};
use serde::{Deserialize, Serialize};

/// The JWS `typ` of a receipt.
pub const TYP: &str = "cazier-receipt+jwt";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptClaims {
    /// `RC-2026-…`, unique.
    pub number: String,
    /// RFC 3339: when the check was made.
    pub checked_at: String,
    /// `NUMBER_AND_CNP`, `NUMBER_AND_CUI`, `DOCUMENT` (a PDF) or `SHARE_CODE`.
    pub how: String,
    /// The certificate number checked, as typed when it is one.
    pub certificate_number: Option<String>,
    /// The answer: `VALID`, `EXPIRED`, `REVOKED`, `NOT_FOUND` (by number), or for a PDF also
    /// `TAMPERED` and `NOT_ISSUED_HERE`.
    pub result: String,
    /// When found: whose it is, until when it is valid, whether it lists entries.
    pub holder_name: Option<String>,
    pub valid_until: Option<String>,
    pub has_entries: Option<bool>,
    /// For a PDF checked: its SHA-256 (hex), which names the file that was checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_sha256: Option<String>,
}

/// Signs a receipt through the seal. One signer call.
pub async fn seal(
    claims: &ReceiptClaims,
    issuer: &str,
    chain: &[Vec<u8>],
    signer: &dyn Signer,
) -> Result<String, SignError> {
    crate::sealed::seal(TYP, claims, &claims.number, issuer, chain, signer).await
}

/// Checks a receipt offline against the trust file's seal keys.
pub fn verify(
    token: &str,
    trusted: &[TrustedKey],
) -> Result<ReceiptClaims, crate::sealed::SealedRefusal> {
    crate::sealed::verify(TYP, token, trusted)
}
