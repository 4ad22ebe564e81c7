//! A record change pushed to an organisation's webhook (issue 27, item 5): which consent,
//! when, where its feed resumes; never what changed. Sealed as `sealed.rs` makes it, so the
//! receiver checks it with the trust file alone; `aud` is the organisation's CUI (a body for
//! one organisation is worth nothing to another), `jti` the delivery's idempotency key, `iat`
//! the attempt's time (a receiver may refuse stale ones).

use crate::statement::TrustedKey;
use cazier_domain::ports::{SignError, Signer};
use serde::{Deserialize, Serialize};

/// The JWS `typ` of a pushed change.
pub const TYP: &str = "cazier-change+jwt";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeClaims {
    /// The organisation's CUI.
    pub aud: String,
    /// Seconds since the epoch: when this attempt was signed.
    pub iat: i64,
    pub consent_id: String,
    /// RFC 3339: when the record changed.
    pub changed_at: String,
    /// The change's cursor in the organisation's feed.
    pub cursor: String,
}

/// Signs a change through the seal, with `jti` the delivery's id. One signer call.
pub async fn seal(
    claims: &ChangeClaims,
    delivery_id: &str,
    issuer: &str,
    chain: &[Vec<u8>],
    signer: &dyn Signer,
) -> Result<String, SignError> {
    crate::sealed::seal(TYP, claims, delivery_id, issuer, chain, signer).await
}

/// Checks a pushed change offline against the trust file's seal keys.
pub fn verify(
    token: &str,
    trusted: &[TrustedKey],
) -> Result<ChangeClaims, crate::sealed::SealedRefusal> {
    crate::sealed::verify(TYP, token, trusted)
}
