//! Certificate generation, driven by the requests stream. Safe under at-least-once delivery and
//! concurrent workers: one request gets at most one certificate number and one certificate.
//! (Over 400 lines: issuing, the sweep that catches what the stream missed, and the daily
//! checks share the one service and its invariants.)

use super::sealing::{Sealer, SealingError};
pub use super::trust::ChainSource;
use crate::crypto::sha256_hex;
use crate::domain::{
    bucharest_date, valid_until, AuditEvent, Certificate, CertificateNumber, CertificateRequest,
    Company, Notice, Person, Purpose, RecordEntry, RecordSubject, RejectionCode, RequestId,
    RequestStatus,
};
use crate::pdf::{CertificateContent, CompanyHolder, Holder};
use crate::ports::{
    AccountStore, AuditLog, BlobStore, CertificateStore, Clock, CompanyStore, Mailer, RecordStore,
    RequestStore, SignError, Signer, StoreError,
};
use crate::seal::SealError;
use crate::statement::{self, Statement};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::sync::Arc;

/// What one certificate says, gathered once: the QR statement, the PDF and the stored record
/// all read it.
struct Facts<'a> {
    number: CertificateNumber,
    issued_at: DateTime<Utc>,
    valid_until: NaiveDate,
    purpose: Purpose,
    /// The requester: the holder, or the representative of `company`.
    person: &'a Person,
    company: Option<Company>,
    /// Not rehabilitated.
    entries: Vec<RecordEntry>,
    status_index: Option<u64>,
}

impl Facts<'_> {
    fn holder_name(&self) -> String {
        match &self.company {
            None => self.person.full_name(),
            Some(c) => c.name.clone(),
        }
    }

    fn has_entries(&self) -> bool {
        !self.entries.is_empty()
    }

    fn statement(&self) -> Statement {
        Statement {
            number: self.number.clone(),
            holder_name: self.holder_name(),
            birth_date: self.company.is_none().then(|| self.person.cnp.birth_date()),
            purpose: self.purpose,
            issued_at: self.issued_at,
            valid_until: self.valid_until,
            has_entries: self.has_entries(),
            status_index: self.status_index,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Issued(CertificateNumber),
    Rejected(RejectionCode),
    /// Already final, or not a request: nothing to do.
    Skipped,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("request {0} refers to an account that does not exist")]
    MissingAccount(RequestId),
    #[error(transparent)]
    Sealing(#[from] SealingError),
}

/// The QR statement's signature and the seal's chain fail as the sealing does.
impl From<SealError> for IssueError {
    fn from(e: SealError) -> Self {
        Self::Sealing(e.into())
    }
}

impl From<SignError> for IssueError {
    fn from(e: SignError) -> Self {
        Self::Sealing(e.into())
    }
}

/// How long before the root's CRL runs out the daily job starts warning.
pub const ROOT_CRL_WARNING: chrono::Duration = chrono::Duration::days(30);

/// Requests younger than this are left to the stream.
pub const SWEEP_MIN_AGE: chrono::Duration = chrono::Duration::minutes(2);
/// After this long a request that still cannot be generated is rejected with a reason, so the
/// citizen is told and can ask again, rather than left waiting.
pub const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(24);
/// Requests one sweep takes on (the next sweep takes the rest).
const SWEEP_BATCH: i32 = 100;
/// The end-of-request e-mail goes to holders who have not looked at the request by this long
/// after making it: a citizen who watched the page turn to "issued" (almost all: it takes
/// seconds) gets no e-mail they do not need, and SES was two thirds of the cost of a
/// certificate. The sweep runs every five minutes, so a holder who left hears within minutes.
pub const NOTICE_AFTER: chrono::Duration = chrono::Duration::minutes(2);

enum Notified {
    Sent,
    Failed,
    /// Seen by the holder meanwhile, or nothing to tell.
    NotDue,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub issued: usize,
    pub rejected: usize,
    /// Still failing; retried at the next sweep.
    pub failed: usize,
    /// End-of-request e-mails sent to holders who had not looked.
    pub notices: usize,
    /// E-mails that could not be sent; tried again at the next sweep (for a day).
    pub notices_failed: usize,
}

impl SweepReport {
    fn count(&mut self, notified: Notified) {
        match notified {
            Notified::Sent => self.notices += 1,
            Notified::Failed => self.notices_failed += 1,
            Notified::NotDue => {}
        }
    }
}

pub struct IssuanceService {
    pub accounts: Arc<dyn AccountStore>,
    pub requests: Arc<dyn RequestStore>,
    pub certificates: Arc<dyn CertificateStore>,
    /// The certificate's and the account's histories: each issue is appended after the
    /// certificate is recorded (again by a redelivery: the events are idempotent).
    pub audit: Arc<dyn AuditLog>,
    pub records: Arc<dyn RecordStore>,
    pub companies: Arc<dyn CompanyStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub signer: Arc<dyn Signer>,
    pub chain: Arc<ChainSource>,
    pub clock: Arc<dyn Clock>,
    pub issuing_unit: String,
    /// Whether certificates that list entries are issued online (else: visit a counter).
    pub issue_with_entries: bool,
    /// The public verification page; the QR code opens it with `?number=`.
    pub verification_page: String,
    /// Tells the citizen when a request ends (a failed send never fails the issue).
    pub mailer: Arc<dyn Mailer>,
    /// The portal, linked from the notices.
    pub portal_url: String,
    /// Seals each rendered certificate as PAdES-B-LT.
    pub sealer: Arc<Sealer>,
}

impl IssuanceService {
    /// How long until the seal's revocation data runs out, when it is ours to publish (the
    /// root's CRL, `cazier-admin trust crl`): `None` when a provider's distribution point
    /// serves it instead. Zero when none is published: issuance waits until one is.
    pub async fn root_crl_left(&self) -> Result<Option<chrono::Duration>, IssueError> {
        let chain = self.chain.get().await?;
        let now = self.clock.now();
        Ok(
            match super::trust::published_crl(&chain, &*self.blobs).await {
                Ok(Some(crl)) => Some(crl.next_update.map_or(chrono::Duration::MAX, |t| t - now)),
                _ if !crate::crl::distribution_points(chain.seal()).is_empty() => None,
                _ => Some(chrono::Duration::zero()),
            },
        )
    }

    /// Picks up requests still pending after the stream's retries: issues them now, or, past
    /// [`GIVE_UP_AFTER`], rejects them with `GENERATION_FAILED`.
    pub async fn sweep(&self) -> Result<SweepReport, IssueError> {
        let now = self.clock.now();
        let mut report = SweepReport::default();
        // One query for both kinds (one index entry per open request: docs/COST.md); each
        // request read tells whether it is still pending or owes its holder a notice.
        for request_id in self
            .requests
            .open_before(now - SWEEP_MIN_AGE.min(NOTICE_AFTER), SWEEP_BATCH)
            .await?
        {
            let Some(request) = self.requests.get(&request_id).await? else {
                continue;
            };
            let ended_now = request.status == RequestStatus::Pending
                && request.created_at < now - SWEEP_MIN_AGE
                && self.sweep_pending(&request, now, &mut report).await?;
            let owed = if ended_now {
                // Ended by this sweep, long after it was asked for: its holder is told now.
                self.requests.get(&request_id).await?
            } else {
                Some(request).filter(|r| r.status != RequestStatus::Pending)
            };
            if let Some(owed) = owed.filter(|r| r.created_at < now - NOTICE_AFTER) {
                report.count(self.notify(owed).await?);
            }
        }
        if report != SweepReport::default() {
            tracing::info!(?report, "sweep");
        }
        Ok(report)
    }

    /// Issues a request the stream left pending, or rejects it after a day of failures:
    /// whether it ended.
    async fn sweep_pending(
        &self,
        request: &CertificateRequest,
        now: DateTime<Utc>,
        report: &mut SweepReport,
    ) -> Result<bool, IssueError> {
        let request_id = &request.request_id;
        Ok(match self.issue(request_id).await {
            Ok(Outcome::Issued(_)) => {
                report.issued += 1;
                true
            }
            Ok(Outcome::Rejected(_)) => {
                report.rejected += 1;
                true
            }
            Ok(Outcome::Skipped) => false,
            Err(e) if now - request.created_at > GIVE_UP_AFTER => {
                tracing::error!(%request_id, error = %e, "generation failed for a day; rejecting");
                self.reject(request_id, RejectionCode::GenerationFailed)
                    .await?;
                report.rejected += 1;
                true
            }
            Err(e) => {
                tracing::warn!(%request_id, error = %e, "generation still failing; will retry");
                crate::telemetry::count(crate::telemetry::metrics::GENERATION_FAILURES, None);
                report.failed += 1;
                false
            }
        })
    }

    /// Ends a request with a reason the citizen sees.
    async fn reject(
        &self,
        request_id: &RequestId,
        reason: RejectionCode,
    ) -> Result<Outcome, IssueError> {
        if self.requests.mark_rejected(request_id, reason).await? {
            crate::telemetry::count(
                crate::telemetry::metrics::REQUESTS_REJECTED,
                Some(("Reason", reason.as_str())),
            );
            tracing::info!(%request_id, %reason, "request rejected");
        }
        Ok(Outcome::Rejected(reason))
    }

    /// E-mails the holder of an ended request a link to it, unless they looked meanwhile.
    /// Cleared once sent; a failed send is retried at the next sweep, for a day. A send whose
    /// clearing fails goes again at the next sweep (at least once, in practice once).
    async fn notify(&self, request: CertificateRequest) -> Result<Notified, IssueError> {
        let request_id = &request.request_id;
        let issued = match request.status {
            _ if !request.notice_due => return Ok(Notified::NotDue),
            RequestStatus::Pending => return Ok(Notified::NotDue),
            RequestStatus::Issued => true,
            RequestStatus::Rejected => false,
        };
        let Some(account) = self.accounts.get(&request.account_id).await? else {
            tracing::warn!(%request_id, "no account to notify");
            self.requests.clear_notice(request_id).await?;
            return Ok(Notified::NotDue);
        };
        let notice = if issued {
            Notice::issued(&account.email, &self.portal_url, &request)
        } else {
            Notice::rejected(&account.email, &self.portal_url, &request)
        };
        match self.mailer.send(&notice).await {
            Ok(()) => {
                self.requests.clear_notice(request_id).await?;
                Ok(Notified::Sent)
            }
            Err(e) => {
                tracing::warn!(%request_id, error = %e, "notice not sent");
                crate::telemetry::count(crate::telemetry::metrics::NOTICES_FAILED, None);
                if self.clock.now() - request.created_at > GIVE_UP_AFTER {
                    self.requests.clear_notice(request_id).await?;
                }
                Ok(Notified::Failed)
            }
        }
    }

    pub async fn issue(&self, request_id: &RequestId) -> Result<Outcome, IssueError> {
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
            .ok_or_else(|| IssueError::MissingAccount(request_id.clone()))?;
        let person = account
            .person
            .as_ref()
            .ok_or_else(|| IssueError::MissingAccount(request_id.clone()))?;
        // The certificate is about the citizen, or about the company they represent.
        let company = match &request.company {
            None => None,
            Some(cui) => match self.companies.get_company(cui).await? {
                Some(company) => Some(company),
                None => {
                    return self
                        .reject(request_id, RejectionCode::CompanyNotRegistered)
                        .await;
                }
            },
        };
        let subject = match &company {
            None => RecordSubject::Person(person.cnp.clone()),
            Some(c) => RecordSubject::Company(c.cui.clone()),
        };
        let entries: Vec<_> = self
            .records
            .list(&subject)
            .await?
            .into_iter()
            .filter(|e| !e.rehabilitated)
            .collect();
        if !entries.is_empty() && !self.issue_with_entries {
            return self
                .reject(request_id, RejectionCode::HasEntriesVisitCounter)
                .await;
        }

        // Bind a number to the request once; a redelivery reuses the bound one.
        let request = match (&request.certificate_number, request.issued_at) {
            (Some(_), Some(_)) => request,
            _ => {
                let now = self.clock.now();
                // The year printed on the document is Bucharest's: late on 31 December (UTC)
                // it is already the next one (found by the attack on issue 25).
                self.requests
                    .bind_next_number(&request, bucharest_date(now).year(), now)
                    .await?
            }
        };
        let (Some(number), Some(issued_at)) =
            (request.certificate_number.clone(), request.issued_at)
        else {
            return Err(StoreError::Corrupt("request without its number".into()).into());
        };
        let certificate = match self.certificates.get(&number).await? {
            Some(recorded) => recorded,
            None => {
                let facts = Facts {
                    number: number.clone(),
                    issued_at,
                    valid_until: valid_until(issued_at),
                    purpose: request.purpose,
                    person,
                    company,
                    entries,
                    status_index: request.status_index,
                };
                self.seal_and_record(&facts, &request).await?
            }
        };
        // After the certificate, before the request ends: a crash between the two is repaired
        // by the redelivery, which finds the certificate and appends the same events again.
        for event in AuditEvent::issued(&certificate) {
            self.audit.record(&event).await?;
        }
        if self.requests.mark_issued(request_id).await? {
            crate::telemetry::count(crate::telemetry::metrics::CERTIFICATES_ISSUED, None);
            tracing::info!(
                %request_id,
                certificate = number.as_str(),
                "certificate issued"
            );
        }
        Ok(Outcome::Issued(number))
    }

    /// Signs the QR statement, renders and seals the PDF, stores it, and records the
    /// certificate (a concurrent attempt that recorded first wins; its document stays): the
    /// certificate recorded.
    async fn seal_and_record(
        &self,
        facts: &Facts<'_>,
        request: &CertificateRequest,
    ) -> Result<Certificate, IssueError> {
        let chain = self.chain.get().await?;
        let verification_url = format!(
            "{}?number={}",
            self.verification_page,
            facts.number.as_str()
        );
        // The QR code's signed statement, for verification offline: the seal's first
        // signature of this certificate (the document's is the second).
        let kid = statement::seal_key_id(&chain)?;
        let signed = statement::sign(&facts.statement(), &kid, &*self.signer).await?;
        let qr_text = format!("{verification_url}#{signed}");
        let company_holder = facts.company.as_ref().map(|c| CompanyHolder {
            name: c.name.clone(),
            cui: c.cui.to_string(),
            trade_register_number: c.trade_register_number.clone(),
        });
        let content = CertificateContent {
            number: &facts.number,
            issued_at: facts.issued_at,
            valid_until: facts.valid_until,
            issuing_unit: &self.issuing_unit,
            holder: match &company_holder {
                None => Holder::Person(facts.person),
                Some(c) => Holder::Company(c),
            },
            purpose: facts.purpose,
            entries: &facts.entries,
            verification_url: &verification_url,
            qr_text: &qr_text,
        };
        let (pdf, signature) = self.sealer.seal(&content, &chain).await?;
        let document_sha256 = sha256_hex(&pdf);
        // A key per attempt: a concurrent attempt never overwrites the recorded document.
        let document_key = format!(
            "certificates/{}/{}.pdf",
            facts.number.as_str(),
            uuid::Uuid::new_v4()
        );
        self.blobs
            .put(&document_key, pdf, "application/pdf")
            .await?;
        let certificate = Certificate {
            number: facts.number.clone(),
            request_id: request.request_id.clone(),
            account_id: request.account_id.clone(),
            purpose: facts.purpose,
            issued_at: facts.issued_at,
            valid_until: facts.valid_until,
            holder_cnp: facts.person.cnp.clone(),
            holder_name: facts.holder_name(),
            company: facts.company.as_ref().map(|c| c.cui.clone()),
            has_entries: facts.has_entries(),
            entries: facts.entries.clone(),
            document_key,
            document_sha256,
            signature,
            revoked_at: None,
            status_index: facts.status_index,
        };
        match self.certificates.put(&certificate).await {
            Ok(()) => Ok(certificate),
            Err(StoreError::Conflict) => self
                .certificates
                .get(&certificate.number)
                .await?
                .ok_or_else(|| {
                    StoreError::Corrupt("a certificate recorded and gone".into()).into()
                }),
            Err(e) => Err(e.into()),
        }
    }
}
