//! The extract an organisation pulls under a holder's consent (issue 27): JSON claims signed
//! with the seal (a compact JWS, ES256, `x5c` the seal's chain without its root, as the wallet
//! credential), so anyone with the trust file checks it offline, as a certificate. It names
//! the holder (by the name validated), never their CNP: the organisation typed that.

use crate::statement::TrustedKey;
use cazier_domain::ports::{SignError, Signer};
use serde::{Deserialize, Serialize};

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

impl ExtractClaims {
    /// Whether its answer still holds at `now`: until the end of its `valid_until` day in
    /// Bucharest, as a certificate's (an unreadable date holds no longer).
    pub fn holds_at(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        chrono::NaiveDate::parse_from_str(&self.valid_until, "%Y-%m-%d")
            .is_ok_and(|until| now < crate::domain::end_of_bucharest_day(until))
    }
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
    crate::sealed::seal(TYP, claims, &claims.number, issuer, chain, signer).await
}

pub use crate::sealed::SealedRefusal as ExtractRefusal;

/// Checks an extract offline: signed by a seal key of the trust file (its `x5c` leaf, which
/// must be one of ours), over exactly these claims.
pub fn verify(token: &str, trusted: &[TrustedKey]) -> Result<ExtractClaims, ExtractRefusal> {
    crate::sealed::verify(TYP, token, trusted)
}
