//! Revoking an issued certificate (ops, through the admin tool): once, with a reason and who
//! asked, in the audit trail in the same transaction.

use crate::domain::{AuditEvent, CertificateNumber};
use crate::ports::{CertificateStore, Clock, RevokeOutcome, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    #[error("the reason must not be empty")]
    EmptyReason,
    #[error("no certificate {0}")]
    NotFound(CertificateNumber),
    #[error(transparent)]
    Unavailable(#[from] StoreError),
}

/// Revokes `number`; `Ok(false)` if it was revoked already.
pub async fn revoke(
    certificates: &dyn CertificateStore,
    clock: &dyn Clock,
    number: &CertificateNumber,
    reason: &str,
    by: &str,
) -> Result<bool, RevokeError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(RevokeError::EmptyReason);
    }
    let audit = AuditEvent::revoked(number, reason, by, clock.now());
    match certificates.revoke(number, reason, &audit).await? {
        RevokeOutcome::Revoked => Ok(true),
        RevokeOutcome::AlreadyRevoked => Ok(false),
        RevokeOutcome::NotFound => Err(RevokeError::NotFound(number.clone())),
    }
}
