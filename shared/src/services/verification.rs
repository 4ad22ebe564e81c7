//! Public verification of a certificate by its number and the holder's CNP.

use super::accounts::{retry_after, rfc3339};
use crate::crypto::constant_time_eq;
use crate::domain::{CertificateNumber, Cnp, Cui};
use crate::http::{ApiError, MAX_PDF_BYTES};
use crate::pdf::pades::{read_signed, ReadError};
use crate::ports::{AuditEvent, AuditLog, CertificateStore, Clock, StoreError, Throttle};
use crate::seal::{check_cms, CmsCheck, SealError};
use crate::services::trust::ChainSource;
use der::Encode;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Verifications allowed per client address per minute.
pub const VERIFICATIONS_PER_MINUTE: u32 = 30;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyDto {
    pub certificate_number: String,
    /// The holder's CNP (a person's certificate) ...
    #[serde(default)]
    pub cnp: Option<String>,
    /// ... or the company's CUI (a legal person's certificate).
    #[serde(default)]
    pub cui: Option<String>,
}

/// What the verifier says the certificate is about.
enum Claimed {
    Person(Cnp),
    Company(Cui),
}

pub struct VerificationService {
    pub certificates: Arc<dyn CertificateStore>,
    pub audit: Arc<dyn AuditLog>,
    pub throttle: Arc<dyn Throttle>,
    pub clock: Arc<dyn Clock>,
    pub chain: Arc<ChainSource>,
}

impl From<SealError> for ApiError {
    fn from(e: SealError) -> Self {
        match e {
            SealError::Store(e) => ApiError::Dependency(e),
            other => ApiError::Dependency(StoreError::Unavailable(other.to_string())),
        }
    }
}

/// The answer to a document verification.
fn document_answer(
    result: &str,
    signature_valid: bool,
    certificate: Option<&crate::domain::Certificate>,
) -> Value {
    json!({
        "result": result,
        "certificate_number": certificate.map(|c| c.number.as_str()),
        "valid_until": certificate.map(|c| c.valid_until.to_string()),
        "signature": if signature_valid { "VALID" } else { "INVALID" },
    })
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
    async fn throttle(&self, client: &str) -> Result<(), ApiError> {
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
        Ok(())
    }

    /// The seal's chain as PEM, for offline verification.
    pub async fn trust_chain_pem(&self) -> Result<String, ApiError> {
        Ok(self.chain.get().await?.to_pem()?)
    }

    /// `POST /v1/verifications/document`: is this PDF a certificate we issued, unchanged, and
    /// still valid? The signature is checked against our seal key; the number it carries (inside
    /// the signed bytes) finds the record; the whole file must hash to what was recorded at issue.
    pub async fn verify_document(
        &self,
        pdf: &[u8],
        content_type: Option<&str>,
        client: &str,
    ) -> Result<Value, ApiError> {
        if pdf.len() > MAX_PDF_BYTES {
            return Err(ApiError::PayloadTooLarge {
                limit: MAX_PDF_BYTES,
            });
        }
        let essence = content_type.map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
        if essence.as_deref() != Some("application/pdf") {
            return Err(ApiError::UnsupportedMediaType("application/pdf"));
        }
        self.throttle(client).await?;
        let signed = match read_signed(pdf) {
            Ok(signed) => signed,
            Err(ReadError::NotPdf) => {
                return Err(ApiError::BadDocument {
                    code: "NOT_A_PDF",
                    detail: "The body is not a PDF document.".into(),
                })
            }
            Err(ReadError::Truncated) => {
                return Err(ApiError::BadDocument {
                    code: "TRUNCATED_PDF",
                    detail: "The PDF is cut short; send the whole file.".into(),
                })
            }
            Err(ReadError::Unsigned) => return Ok(document_answer("NOT_ISSUED_HERE", false, None)),
        };
        let chain = self.chain.get().await?;
        let our_key = chain
            .seal()
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(SealError::from)?;
        let is_ours = |c: &x509_cert::Certificate| {
            c.tbs_certificate
                .subject_public_key_info
                .to_der()
                .is_ok_and(|k| k == our_key)
        };
        let signature_valid = match check_cms(&signed.cms, &signed.digest) {
            CmsCheck::Valid { signer } if is_ours(&signer) => true,
            CmsCheck::Broken {
                signer: Some(signer),
            } if is_ours(&signer) => false,
            _ => return Ok(document_answer("NOT_ISSUED_HERE", false, None)),
        };
        let certificate = match signed.number.as_deref().and_then(CertificateNumber::parse) {
            Some(number) => self.certificates.get(&number).await?,
            None => None,
        };
        let now = self.clock.now();
        let answer = match &certificate {
            // Signed by our key but over other bytes: changed after issue.
            _ if !signature_valid => document_answer("TAMPERED", false, certificate.as_ref()),
            None => document_answer("NOT_ISSUED_HERE", true, None),
            Some(c)
                if !signed.covers_whole_file
                    || !constant_time_eq(
                        crate::crypto::sha256_hex(pdf).as_bytes(),
                        c.document_sha256.as_bytes(),
                    ) =>
            {
                document_answer("TAMPERED", true, Some(c))
            }
            Some(c) => document_answer(c.status(now).as_str(), true, Some(c)),
        };
        let outcome = answer["result"].as_str().unwrap_or_default().to_owned();
        if let Some(c) = &certificate {
            self.audit
                .record(&AuditEvent {
                    subject: AuditEvent::certificate(&c.number),
                    at: now,
                    event: "DOCUMENT_VERIFIED".into(),
                    id: uuid::Uuid::new_v4().to_string(),
                    details: std::collections::BTreeMap::from([(
                        "result".to_owned(),
                        outcome.clone(),
                    )]),
                })
                .await?;
        }
        tracing::info!(result = %outcome, "document verification");
        Ok(answer)
    }

    pub async fn verify(&self, dto: VerifyDto, client: &str) -> Result<Value, ApiError> {
        self.throttle(client).await?;
        let now = self.clock.now();
        let claimed = match (&dto.cnp, &dto.cui) {
            (Some(cnp), None) => Claimed::Person(
                Cnp::parse(cnp).map_err(|e| ApiError::invalid("cnp", "INVALID_CNP", e))?,
            ),
            (None, Some(cui)) => Claimed::Company(
                Cui::parse(cui).map_err(|e| ApiError::invalid("cui", "INVALID_CUI", e))?,
            ),
            (None, None) => {
                return Err(ApiError::Malformed(
                    "missing field `cnp` (or `cui`, for a legal person's certificate)".into(),
                ))
            }
            (Some(_), Some(_)) => {
                return Err(ApiError::Malformed(
                    "give either `cnp` or `cui`, not both".into(),
                ))
            }
        };
        let Some(number) = CertificateNumber::parse(&dto.certificate_number) else {
            return Ok(not_found());
        };
        let certificate = self.certificates.get(&number).await?;
        let result = match certificate {
            Some(c)
                if match (&claimed, &c.company) {
                    (Claimed::Person(cnp), None) => constant_time_eq(
                        c.holder_cnp.as_string().as_bytes(),
                        cnp.as_string().as_bytes(),
                    ),
                    (Claimed::Company(cui), Some(company)) => cui == company,
                    _ => false,
                } =>
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
