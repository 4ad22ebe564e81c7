//! "Who checked my certificate": the holder sees every verification of one of their
//! certificates (when, by which channel, with what answer), read from its audit trail. The
//! verifier's address is never recorded, so never shown.

use super::as_rfc3339;
use super::requests::OwnedError;
use crate::domain::{AuditEventKind, AuditSubject, CertificateNumber, CheckResult, Principal};
use crate::ports::{AuditLog, CertificateStore};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;

/// How a certificate was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckChannel {
    /// By its number and the holder's CNP (or CUI), on the page or the API.
    NumberAndCnp,
    /// By its PDF file, uploaded to the page or the API.
    Document,
    /// With a share code the holder gave.
    ShareCode,
    /// Presented from the holder's wallet (OpenID4VP).
    Wallet,
}

/// One verification of a certificate, as its holder sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    #[serde(with = "as_rfc3339")]
    pub at: DateTime<Utc>,
    pub channel: CheckChannel,
    /// The answer the verifier got.
    pub result: CheckResult,
    /// Who the verifier said they were (with a share code or a wallet request), if they did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checks {
    pub certificate_number: CertificateNumber,
    /// Newest first.
    pub checks: Vec<Check>,
}

pub struct CheckService {
    pub certificates: Arc<dyn CertificateStore>,
    pub audit: Arc<dyn AuditLog>,
}

impl CheckService {
    /// The checks of one of the caller's certificates, newest first; someone else's
    /// certificate is not found, as one that does not exist.
    pub async fn checks(
        &self,
        principal: &Principal,
        number: &CertificateNumber,
    ) -> Result<Checks, OwnedError> {
        self.certificates
            .get(number)
            .await?
            .filter(|c| c.account_id == principal.account_id)
            .ok_or(OwnedError::NotFound)?;
        let mut checks: Vec<Check> = self
            .audit
            .history(&AuditSubject::Certificate(number.clone()))
            .await?
            .into_iter()
            .filter_map(|event| {
                let channel = match event.event {
                    AuditEventKind::Verified => CheckChannel::NumberAndCnp,
                    AuditEventKind::DocumentVerified => CheckChannel::Document,
                    AuditEventKind::SharedAccessed => CheckChannel::ShareCode,
                    AuditEventKind::WalletPresented => CheckChannel::Wallet,
                    _ => return None,
                };
                // Written from a `CheckResult` (`AuditEvent::verified` and its siblings).
                let result = CheckResult::parse(event.details.get("result")?)?;
                Some(Check {
                    at: event.at,
                    channel,
                    result,
                    organisation: event.details.get("organisation").cloned(),
                })
            })
            .collect();
        checks.sort_by_key(|c| std::cmp::Reverse(c.at));
        Ok(Checks {
            certificate_number: number.clone(),
            checks,
        })
    }
}
