//! Public verification of a certificate by its number and the holder's CNP.

use super::accounts::{retry_after, rfc3339};
use crate::crypto::constant_time_eq;
use crate::domain::{CertificateNumber, Cnp};
use crate::http::ApiError;
use crate::ports::{AuditEvent, AuditLog, CertificateStore, Clock, Throttle};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Verifications allowed per client address per minute.
pub const VERIFICATIONS_PER_MINUTE: u32 = 30;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyDto {
    pub certificate_number: String,
    pub cnp: String,
}

pub struct VerificationService {
    pub certificates: Arc<dyn CertificateStore>,
    pub audit: Arc<dyn AuditLog>,
    pub throttle: Arc<dyn Throttle>,
    pub clock: Arc<dyn Clock>,
}

fn not_found() -> Value {
    json!({
        "result": "NOT_FOUND",
        "certificate_number": null,
        "issued_at": null,
        "valid_until": null,
        "purpose": null,
        "holder_name": null,
        "document_sha256": null,
    })
}

impl VerificationService {
    pub async fn verify(&self, dto: VerifyDto, client: &str) -> Result<Value, ApiError> {
        let now = self.clock.now();
        let hits = self
            .throttle
            .hit(&format!("verify:{client}"), 60, now)
            .await?;
        if hits > VERIFICATIONS_PER_MINUTE {
            return Err(ApiError::Throttled {
                retry_after_secs: retry_after(now, 60),
            });
        }
        let cnp = Cnp::parse(&dto.cnp).map_err(|e| ApiError::invalid("cnp", "INVALID_CNP", e))?;
        let Some(number) = CertificateNumber::parse(&dto.certificate_number) else {
            return Ok(not_found());
        };
        let certificate = self.certificates.get(&number).await?;
        let result = match certificate {
            Some(c)
                if constant_time_eq(
                    c.holder_cnp.as_string().as_bytes(),
                    cnp.as_string().as_bytes(),
                ) =>
            {
                json!({
                    "result": c.status(now).as_str(),
                    "certificate_number": c.number.as_str(),
                    "issued_at": rfc3339(c.issued_at),
                    "valid_until": c.valid_until.to_string(),
                    "purpose": c.purpose.code(),
                    "holder_name": c.holder_name,
                    "document_sha256": c.document_sha256,
                })
            }
            _ => not_found(),
        };
        // Every attempt on a well-formed number is kept: number, result, time (not the CNP).
        let outcome = result["result"].as_str().unwrap_or_default().to_owned();
        self.audit
            .record(&AuditEvent {
                subject: AuditEvent::certificate(&number),
                at: now,
                event: "VERIFIED".into(),
                id: uuid::Uuid::new_v4().to_string(),
                details: std::collections::BTreeMap::from([("result".to_owned(), outcome.clone())]),
            })
            .await?;
        tracing::info!(result = %outcome, "verification");
        Ok(result)
    }
}
