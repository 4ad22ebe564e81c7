//! Certificate generation, driven by the requests stream. Safe under at-least-once delivery and
//! concurrent workers: one request gets at most one certificate number and one certificate.

use crate::crypto::sha256_hex;
use crate::domain::{
    valid_until, Certificate, CertificateNumber, RequestStatus, REJECTION_HAS_ENTRIES,
};
use crate::pdf::{render, CertificateContent};
use crate::ports::{
    AccountStore, BlobStore, CertificateStore, Clock, RecordStore, RequestStore, Signer, StoreError,
};
use chrono::{DateTime, Datelike, Utc};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Issued(CertificateNumber),
    Rejected(&'static str),
    /// Already final, or not a request: nothing to do.
    Skipped,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("request {0} refers to an account that does not exist")]
    MissingAccount(String),
}

/// The message KMS signs for a certificate: binds its number, document hash and issue time.
/// Anyone with the signing key's public key can check it.
pub fn attestation(number: &CertificateNumber, sha256: &str, issued_at: DateTime<Utc>) -> String {
    format!(
        "cazier-certificate-v1\n{}\n{}\n{}\n",
        number.as_str(),
        sha256,
        issued_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    )
}

pub struct IssuanceService {
    pub accounts: Arc<dyn AccountStore>,
    pub requests: Arc<dyn RequestStore>,
    pub certificates: Arc<dyn CertificateStore>,
    pub records: Arc<dyn RecordStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub signer: Arc<dyn Signer>,
    pub clock: Arc<dyn Clock>,
    pub issuing_unit: String,
    /// Whether certificates that list entries are issued online (else: visit a counter).
    pub issue_with_entries: bool,
}

impl IssuanceService {
    pub async fn issue(&self, request_id: &str) -> Result<Outcome, IssueError> {
        let Some(request) = self.requests.get(request_id).await? else {
            return Ok(Outcome::Skipped);
        };
        if request.status != RequestStatus::Pending {
            return Ok(Outcome::Skipped);
        }
        let account = self
            .accounts
            .get(&request.account_id)
            .await?
            .ok_or_else(|| IssueError::MissingAccount(request_id.to_owned()))?;
        let person = account
            .person
            .as_ref()
            .ok_or_else(|| IssueError::MissingAccount(request_id.to_owned()))?;
        let entries: Vec<_> = self
            .records
            .list(&person.cnp)
            .await?
            .into_iter()
            .filter(|e| !e.rehabilitated)
            .collect();
        if !entries.is_empty() && !self.issue_with_entries {
            self.requests
                .mark_rejected(request_id, REJECTION_HAS_ENTRIES)
                .await?;
            tracing::info!(
                request_id,
                "request rejected: entries are issued at counters"
            );
            return Ok(Outcome::Rejected(REJECTION_HAS_ENTRIES));
        }

        // Bind a number to the request once; a redelivery reuses the bound one.
        let request = match (&request.certificate_number, request.issued_at) {
            (Some(_), Some(_)) => request,
            _ => {
                let now = self.clock.now();
                let sequence = self.certificates.next_sequence(now.year()).await?;
                let candidate = CertificateNumber::new(now.year(), sequence);
                self.requests
                    .reserve_number(request_id, &candidate, now)
                    .await?
            }
        };
        let (Some(number), Some(issued_at)) =
            (request.certificate_number.clone(), request.issued_at)
        else {
            return Err(StoreError::Corrupt("request without its number".into()).into());
        };
        if self.certificates.get(&number).await?.is_none() {
            let valid_until = valid_until(issued_at);
            let pdf = render(&CertificateContent {
                number: &number,
                issued_at,
                valid_until,
                issuing_unit: &self.issuing_unit,
                person,
                purpose: request.purpose,
                entries: &entries,
            });
            let document_sha256 = sha256_hex(&pdf);
            let signature = self
                .signer
                .sign(attestation(&number, &document_sha256, issued_at).as_bytes())
                .await?;
            // A key per attempt: a concurrent attempt never overwrites the recorded document.
            let document_key = format!(
                "certificates/{}/{}.pdf",
                number.as_str(),
                uuid::Uuid::new_v4()
            );
            self.blobs
                .put(&document_key, pdf, "application/pdf")
                .await?;
            let certificate = Certificate {
                number: number.clone(),
                request_id: request_id.to_owned(),
                account_id: account.account_id.clone(),
                purpose: request.purpose,
                issued_at,
                valid_until,
                holder_cnp: person.cnp.clone(),
                holder_name: person.full_name(),
                has_entries: !entries.is_empty(),
                document_key,
                document_sha256,
                signature,
                revoked_at: None,
            };
            match self.certificates.put(&certificate).await {
                Ok(()) | Err(StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
        self.requests.mark_issued(request_id).await?;
        tracing::info!(
            request_id,
            certificate = number.as_str(),
            "certificate issued"
        );
        Ok(Outcome::Issued(number))
    }
}
