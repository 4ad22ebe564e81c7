//! Purposes, certificate requests, the citizen's certificates and their documents.
//! Who may call each operation is decided by `http::ROUTE_ACCESS`; these check ownership.

use super::accounts::rfc3339;
use crate::domain::{
    bucharest_date, AccountStatus, CertificateNumber, CertificateRequest, Cui, Purpose,
    RequestStatus,
};
use crate::http::{ApiError, Principal};
use crate::ports::{
    AccountStore, BlobStore, CertificateStore, Clock, CompanyStore, RequestStore, SubmitOutcome,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 128;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitDto {
    pub purpose: String,
    /// Absent: the citizen's own certificate.
    #[serde(default)]
    pub subject: Option<SubjectDto>,
}

/// `{"type": "LEGAL_PERSON", "cui": "..."}` (or `{"type": "SELF"}`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectDto {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub cui: Option<String>,
}

pub fn purposes() -> Value {
    Value::Array(
        Purpose::ALL
            .iter()
            .map(|p| json!({"code": p.code(), "label_ro": p.label_ro(), "label_en": p.label_en()}))
            .collect(),
    )
}

pub fn request_view(r: &CertificateRequest) -> Value {
    json!({
        "request_id": r.request_id,
        "status": r.status.as_str(),
        "purpose": r.purpose.code(),
        "created_at": rfc3339(r.created_at),
        // The number is shown once the certificate exists, not while it is being made.
        "certificate_number": (r.status == RequestStatus::Issued)
            .then(|| r.certificate_number.as_ref().map(CertificateNumber::as_str))
            .flatten(),
        "rejection_code": r.rejection_code,
    })
}

pub struct RequestService {
    pub accounts: Arc<dyn AccountStore>,
    pub requests: Arc<dyn RequestStore>,
    pub certificates: Arc<dyn CertificateStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub companies: Arc<dyn CompanyStore>,
    pub clock: Arc<dyn Clock>,
}

/// What a submission answers: 202 with the request (new or replayed).
pub struct Submitted(pub Value);

impl RequestService {
    pub async fn submit(
        &self,
        principal: &Principal,
        dto: SubmitDto,
        idempotency_key: Option<&str>,
    ) -> Result<Submitted, ApiError> {
        if let Some(key) = idempotency_key {
            if key.is_empty() || key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
                return Err(ApiError::Malformed(
                    "The Idempotency-Key header must have 1 to 128 characters.".into(),
                ));
            }
        }
        let purpose = Purpose::parse(&dto.purpose).ok_or_else(|| {
            ApiError::invalid(
                "purpose",
                "UNKNOWN_PURPOSE",
                "unknown purpose; see GET /v1/purposes",
            )
        })?;
        let company = match dto.subject {
            None => None,
            Some(subject) => match (subject.kind.as_str(), subject.cui) {
                ("SELF", None) => None,
                ("LEGAL_PERSON", Some(cui)) => Some(
                    Cui::parse(&cui)
                        .map_err(|e| ApiError::invalid("subject.cui", "INVALID_CUI", e))?,
                ),
                ("LEGAL_PERSON", None) => {
                    return Err(ApiError::invalid(
                        "subject.cui",
                        "MISSING_CUI",
                        "a legal person is named by its CUI",
                    ))
                }
                ("SELF", Some(_)) => {
                    return Err(ApiError::invalid(
                        "subject.cui",
                        "UNEXPECTED_CUI",
                        "a CUI is given only for LEGAL_PERSON",
                    ))
                }
                _ => {
                    return Err(ApiError::invalid(
                        "subject.type",
                        "UNKNOWN_SUBJECT_TYPE",
                        "subject.type is SELF or LEGAL_PERSON",
                    ))
                }
            },
        };
        let account = self
            .accounts
            .get(&principal.account_id)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        if account.status != AccountStatus::Validated {
            return Err(ApiError::Forbidden {
                code: "ACCOUNT_NOT_VALIDATED",
                detail: "Validate your account (ghiseul.ro or at a police counter) first.".into(),
            });
        }
        if let Some(cui) = &company {
            let cnp = account
                .person
                .as_ref()
                .map(|p| p.cnp.clone())
                .ok_or(ApiError::Unauthenticated)?;
            // Unknown company and not a representative answer alike: no probing of who
            // represents what.
            if !self.companies.is_representative(&cnp, cui).await? {
                return Err(ApiError::Forbidden {
                    code: "NOT_LEGAL_REPRESENTATIVE",
                    detail: "You are not registered as a legal representative of this company."
                        .into(),
                });
            }
        }
        let now = self.clock.now();
        let request = CertificateRequest {
            request_id: uuid::Uuid::new_v4().to_string(),
            account_id: account.account_id.clone(),
            company,
            purpose,
            status: RequestStatus::Pending,
            created_at: now,
            certificate_number: None,
            issued_at: None,
            rejection_code: None,
        };
        match self
            .requests
            .submit(&request, bucharest_date(now), idempotency_key)
            .await?
        {
            SubmitOutcome::Created => {
                tracing::info!(request_id = %request.request_id, purpose = purpose.code(), "request submitted");
                Ok(Submitted(
                    json!({"request_id": request.request_id, "status": "PENDING"}),
                ))
            }
            SubmitOutcome::Replayed(original) => Ok(Submitted(json!({
                "request_id": original.request_id,
                "status": original.status.as_str(),
            }))),
            SubmitOutcome::DailyLimit { request_id } => Err(ApiError::Conflict {
                code: "DAILY_LIMIT",
                detail: "A request for this purpose was already made today.".into(),
                extra: Some(("request_id", json!(request_id))),
            }),
        }
    }

    pub async fn get(&self, principal: &Principal, request_id: &str) -> Result<Value, ApiError> {
        let request = self
            .requests
            .get(request_id)
            .await?
            .filter(|r| r.account_id == principal.account_id)
            .ok_or(ApiError::NotFound)?;
        Ok(request_view(&request))
    }

    pub async fn list_certificates(&self, principal: &Principal) -> Result<Value, ApiError> {
        let now = self.clock.now();
        let certificates = self
            .certificates
            .list_for_account(&principal.account_id)
            .await?;
        Ok(Value::Array(
            certificates
                .iter()
                .map(|c| {
                    json!({
                        "certificate_number": c.number.as_str(),
                        "purpose": c.purpose.code(),
                        "issued_at": rfc3339(c.issued_at),
                        "valid_until": c.valid_until.to_string(),
                        "status": c.status(now).as_str(),
                        "has_entries": c.has_entries,
                    })
                })
                .collect(),
        ))
    }

    pub async fn document(
        &self,
        principal: &Principal,
        number: &str,
    ) -> Result<(CertificateNumber, Vec<u8>), ApiError> {
        let number = CertificateNumber::parse(number).ok_or(ApiError::NotFound)?;
        let certificate = self
            .certificates
            .get(&number)
            .await?
            .filter(|c| c.account_id == principal.account_id)
            .ok_or(ApiError::NotFound)?;
        let bytes = self
            .blobs
            .get(&certificate.document_key)
            .await?
            .ok_or_else(|| {
                ApiError::Dependency(crate::ports::StoreError::Corrupt(
                    "certificate document missing".into(),
                ))
            })?;
        Ok((number, bytes))
    }
}
