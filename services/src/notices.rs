//! The daily expiry notices: citizens whose certificate stops being valid in 14 days are told
//! once, by e-mail, with a link to the portal. (Notices when a request ends are sent by the
//! issuance itself.)

use super::Unavailable;
use crate::domain::{bucharest_date, Notice};
use crate::ports::{AccountStore, CertificateStore, Clock, Mailer};
use std::sync::Arc;

/// How many days before the end of validity the citizen is told.
pub const EXPIRY_NOTICE_DAYS: i64 = 14;

pub struct NoticeService {
    pub certificates: Arc<dyn CertificateStore>,
    pub accounts: Arc<dyn AccountStore>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub portal_url: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryReport {
    pub sent: usize,
    /// Revoked, or told already.
    pub skipped: usize,
    /// Not handed over (counted in the NoticesFailed metric).
    pub failed: usize,
}

impl NoticeService {
    /// Tells every holder whose certificate's last valid day is 14 days from today (Bucharest).
    /// Safe to run again: a certificate's notice is recorded once sent.
    pub async fn send_expiry_notices(&self) -> Result<ExpiryReport, Unavailable> {
        let now = self.clock.now();
        let day = bucharest_date(now) + chrono::Duration::days(EXPIRY_NOTICE_DAYS);
        let mut report = ExpiryReport::default();
        for certificate in self.certificates.expiring_on(day).await? {
            if certificate.revoked_at.is_some() {
                report.skipped += 1;
                continue;
            }
            let Some(account) = self.accounts.get(&certificate.account_id).await? else {
                report.skipped += 1;
                continue;
            };
            // Marked first: two runs racing send at most once. A failed send is counted and
            // logged for ops; that holder is not told again.
            if !self
                .certificates
                .mark_expiry_notice(&certificate.number, now)
                .await?
            {
                report.skipped += 1;
                continue;
            }
            let notice = Notice::expiring(
                &account.email,
                &self.portal_url,
                &certificate.number,
                EXPIRY_NOTICE_DAYS,
            );
            match self.mailer.send(&notice).await {
                Ok(()) => report.sent += 1,
                Err(e) => {
                    tracing::warn!(certificate = certificate.number.as_str(), error = %e, "expiry notice not sent");
                    crate::telemetry::count(crate::telemetry::metrics::NOTICES_FAILED, None);
                    report.failed += 1;
                }
            }
        }
        if report != ExpiryReport::default() {
            tracing::info!(?report, "expiry notices");
        }
        Ok(report)
    }
}
