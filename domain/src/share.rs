//! A share: one certificate opened to a third party by a code its holder gave them, until it
//! expires (at the latest with the certificate) or the holder revokes it.

use super::{AccountId, CertificateNumber, ShareId, ShareStatus};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub share_id: ShareId,
    pub account_id: AccountId,
    pub certificate_number: CertificateNumber,
    pub created_at: DateTime<Utc>,
    /// The first instant it no longer opens the certificate.
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Share {
    pub fn status(&self, now: DateTime<Utc>) -> ShareStatus {
        match self.revoked_at {
            Some(_) => ShareStatus::Revoked,
            None if now >= self.expires_at => ShareStatus::Expired,
            None => ShareStatus::Active,
        }
    }
}
