//! Purposes, certificate requests, the citizen's certificates and their documents.
//! Who may call each operation is decided by the route tables; these check ownership.
//! (Just over 400 lines: the submission's rules, the holder's reads of requests, certificates
//! and documents, and their error enums, which the edges map once.)

use super::{as_rfc3339, unavailable_from_ports, Unavailable};
use crate::domain::form::present;
use crate::domain::{
    bucharest_date, AccountStatus, Certificate, CertificateNumber, CertificateRequest,
    CertificateStatus, Cui, FieldCode, FieldError, Principal, Purpose, RecordEntry, RejectionCode,
    RequestId, RequestStatus,
};
use crate::ports::{
    AccountStore, BlobStore, CertificateStore, Clock, CompanyStore, RequestStore, StoreError,
    SubmitOutcome,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 128;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitDto {
    pub purpose: String,
    /// Absent: the citizen's own certificate.
    #[serde(default, deserialize_with = "present")]
    pub subject: Option<SubjectDto>,
}

/// `{"type": "LEGAL_PERSON", "cui": "..."}` (or `{"type": "SELF"}`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectDto {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "present")]
    pub cui: Option<String>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct PurposeView {
    pub code: &'static str,
    pub label_ro: &'static str,
    pub label_en: &'static str,
}

/// The eight purposes, in the order they are offered.
pub fn purposes() -> Vec<PurposeView> {
    Purpose::ALL
        .iter()
        .map(|p| PurposeView {
            code: p.code(),
            label_ro: p.label_ro(),
            label_en: p.label_en(),
        })
        .collect()
}

/// A request as its citizen sees it.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct RequestView {
    pub request_id: RequestId,
    pub status: RequestStatus,
    pub purpose: &'static str,
    #[serde(with = "as_rfc3339")]
    pub created_at: DateTime<Utc>,
    /// Shown once the certificate exists, not while it is being made.
    pub certificate_number: Option<CertificateNumber>,
    pub rejection_code: Option<RejectionCode>,
}

impl From<&CertificateRequest> for RequestView {
    fn from(r: &CertificateRequest) -> Self {
        Self {
            request_id: r.request_id.clone(),
            status: r.status,
            purpose: r.purpose.code(),
            created_at: r.created_at,
            certificate_number: (r.status == RequestStatus::Issued)
                .then(|| r.certificate_number.clone())
                .flatten(),
            rejection_code: r.rejection_code,
        }
    }
}

/// A submission's answer (202): the request, new or replayed by its idempotency key.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Submitted {
    pub request_id: RequestId,
    pub status: RequestStatus,
}

/// One of the citizen's certificates, in their list.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct CertificateSummary {
    pub certificate_number: CertificateNumber,
    pub purpose: &'static str,
    #[serde(with = "as_rfc3339")]
    pub issued_at: DateTime<Utc>,
    pub valid_until: NaiveDate,
    pub status: CertificateStatus,
    pub has_entries: bool,
}

/// What one of the holder's certificates says: whether it lists entries, and which (as
/// printed on it).
#[derive(Debug)]
pub struct Contents {
    pub number: CertificateNumber,
    pub status: CertificateStatus,
    pub valid_until: NaiveDate,
    pub has_entries: bool,
    /// Empty for certificates issued before the entries were kept beside them (their PDF
    /// says them).
    pub entries: Vec<RecordEntry>,
}

/// A certificate's signed PDF.
#[derive(Debug)]
pub struct Document {
    pub number: CertificateNumber,
    pub pdf: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("the Idempotency-Key header must have 1 to 128 characters")]
    BadIdempotencyKey,
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("the account is not validated")]
    NotValidated,
    /// Not a representative of the company, or no such company: one answer for both.
    #[error("not a legal representative of this company")]
    NotLegalRepresentative,
    #[error("a request for this purpose was made today")]
    DailyLimit { earlier: RequestId },
    /// The key was used for another request (another purpose or subject): answering with
    /// that one would let the caller believe it asked for this.
    #[error("the Idempotency-Key was used for another request")]
    IdempotencyKeyReused,
    #[error("no such account")]
    NoAccount,
    #[error(transparent)]
    Unavailable(Unavailable),
}

/// Someone else's, or no such thing: one answer for both.
#[derive(Debug, thiserror::Error)]
pub enum OwnedError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(SubmitError, OwnedError);

fn invalid(field: &str, code: FieldCode, message: impl ToString) -> SubmitError {
    SubmitError::Invalid(vec![FieldError::new(field, code, message)])
}

/// What a request asks for, as the domain reads it: the purpose, and the company it is for
/// (none: the citizen's own certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub purpose: Purpose,
    pub company: Option<Cui>,
}

impl SubmitDto {
    /// The request as the domain reads it, or its wrong fields: what an edge parses before it
    /// calls [`RequestService::submit`].
    pub fn try_into_domain(self) -> Result<Submission, SubmitError> {
        let purpose = Purpose::parse(&self.purpose).ok_or_else(|| {
            invalid(
                "purpose",
                FieldCode::UnknownPurpose,
                "unknown purpose; see GET /v1/purposes",
            )
        })?;
        let company = parse_subject(self.subject)?;
        Ok(Submission { purpose, company })
    }
}

/// A client's `Idempotency-Key`: 1 to 128 characters. The same key from the same citizen
/// answers the request it first made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(text: &str) -> Result<Self, SubmitError> {
        match text.chars().count() {
            1..=MAX_IDEMPOTENCY_KEY_CHARS => Ok(Self(text.to_owned())),
            _ => Err(SubmitError::BadIdempotencyKey),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The company a request is for, if any.
fn parse_subject(subject: Option<SubjectDto>) -> Result<Option<Cui>, SubmitError> {
    let Some(subject) = subject else {
        return Ok(None);
    };
    match (subject.kind.as_str(), subject.cui) {
        ("SELF", None) => Ok(None),
        ("LEGAL_PERSON", Some(cui)) => Cui::parse(&cui)
            .map(Some)
            .map_err(|e| invalid("subject.cui", FieldCode::InvalidCui, e)),
        ("LEGAL_PERSON", None) => Err(invalid(
            "subject.cui",
            FieldCode::MissingCui,
            "a legal person is named by its CUI",
        )),
        ("SELF", Some(_)) => Err(invalid(
            "subject.cui",
            FieldCode::UnexpectedCui,
            "a CUI is given only for LEGAL_PERSON",
        )),
        _ => Err(invalid(
            "subject.type",
            FieldCode::UnknownSubjectType,
            "subject.type is SELF or LEGAL_PERSON",
        )),
    }
}

#[derive(Clone)]
pub struct RequestService {
    pub accounts: Arc<dyn AccountStore>,
    pub requests: Arc<dyn RequestStore>,
    pub certificates: Arc<dyn CertificateStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub companies: Arc<dyn CompanyStore>,
    pub clock: Arc<dyn Clock>,
}

impl RequestService {
    /// A request for the citizen (or a company they represent), once a day per purpose.
    pub async fn submit(
        &self,
        principal: &Principal,
        submission: Submission,
        idempotency_key: Option<&IdempotencyKey>,
    ) -> Result<Submitted, SubmitError> {
        let Submission { purpose, company } = submission;
        let account = self
            .accounts
            .get(&principal.account_id)
            .await?
            .ok_or(SubmitError::NoAccount)?;
        if account.status != AccountStatus::Validated {
            return Err(SubmitError::NotValidated);
        }
        if let Some(cui) = &company {
            let cnp = account
                .person
                .as_ref()
                .map(|p| &p.cnp)
                .ok_or(SubmitError::NoAccount)?;
            // Unknown company and not a representative answer alike: no probing of who
            // represents what.
            if !self.companies.is_representative(cnp, cui).await? {
                return Err(SubmitError::NotLegalRepresentative);
            }
        }
        let now = self.clock.now();
        let request = CertificateRequest {
            request_id: RequestId::of_the_day(
                &account.account_id,
                company.as_ref(),
                purpose,
                bucharest_date(now),
            ),
            account_id: account.account_id.clone(),
            company,
            purpose,
            status: RequestStatus::Pending,
            created_at: now,
            certificate_number: None,
            issued_at: None,
            status_index: None,
            rejection_code: None,
            notice_due: false,
        };
        match self
            .requests
            .submit(
                &request,
                bucharest_date(now),
                idempotency_key.map(IdempotencyKey::as_str),
            )
            .await?
        {
            SubmitOutcome::Created => {
                tracing::info!(request_id = %request.request_id, purpose = purpose.code(), "request submitted");
                Ok(Submitted {
                    request_id: request.request_id,
                    status: request.status,
                })
            }
            SubmitOutcome::Replayed(original)
                if original.purpose != request.purpose || original.company != request.company =>
            {
                Err(SubmitError::IdempotencyKeyReused)
            }
            SubmitOutcome::Replayed(original) => Ok(Submitted {
                request_id: original.request_id,
                status: original.status,
            }),
            SubmitOutcome::DailyLimit { request_id } => Err(SubmitError::DailyLimit {
                earlier: request_id,
            }),
        }
    }

    pub async fn get(
        &self,
        principal: &Principal,
        request_id: &RequestId,
    ) -> Result<RequestView, OwnedError> {
        let request = self
            .requests
            .get(request_id)
            .await?
            .filter(|r| r.account_id == principal.account_id)
            .ok_or(OwnedError::NotFound)?;
        // The holder sees how it ended: the e-mail the sweep would send is not needed. A failure
        // here only means that e-mail goes out.
        if request.notice_due && request.status != RequestStatus::Pending {
            if let Err(e) = self.requests.clear_notice(request_id).await {
                tracing::warn!(%request_id, error = %e, "notice left due");
            }
        }
        Ok(RequestView::from(&request))
    }

    pub async fn list_certificates(
        &self,
        principal: &Principal,
    ) -> Result<Vec<CertificateSummary>, Unavailable> {
        let now = self.clock.now();
        let certificates = self
            .certificates
            .list_for_account(&principal.account_id)
            .await?;
        Ok(certificates
            .iter()
            .map(|c| CertificateSummary {
                certificate_number: c.number.clone(),
                purpose: c.purpose.code(),
                issued_at: c.issued_at,
                valid_until: c.valid_until,
                status: c.status(now),
                has_entries: c.has_entries,
            })
            .collect())
    }

    /// One of the caller's certificates; someone else's or none: the same `NotFound`.
    async fn owned(
        &self,
        principal: &Principal,
        number: &CertificateNumber,
    ) -> Result<Certificate, OwnedError> {
        self.certificates
            .get(number)
            .await?
            .filter(|c| c.account_id == principal.account_id)
            .ok_or(OwnedError::NotFound)
    }

    /// What one of the caller's certificates says (the page the holder reads before sharing
    /// it).
    pub async fn contents(
        &self,
        principal: &Principal,
        number: &CertificateNumber,
    ) -> Result<Contents, OwnedError> {
        let certificate = self.owned(principal, number).await?;
        let number = certificate.number.clone();
        Ok(Contents {
            status: certificate.status(self.clock.now()),
            valid_until: certificate.valid_until,
            has_entries: certificate.has_entries,
            entries: certificate.entries,
            number,
        })
    }

    /// The signed PDF of one of the caller's certificates.
    pub async fn document(
        &self,
        principal: &Principal,
        number: &CertificateNumber,
    ) -> Result<Document, OwnedError> {
        let certificate = self.owned(principal, number).await?;
        let number = certificate.number.clone();
        let pdf = self
            .blobs
            .get(&certificate.document_key)
            .await?
            .ok_or_else(|| StoreError::Corrupt("certificate document missing".into()))?;
        Ok(Document { number, pdf })
    }
}
