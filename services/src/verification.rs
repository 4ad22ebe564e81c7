//! Public verification of a certificate: by its number and the holder's CNP (or the company's
//! CUI), or by the PDF file itself.
//! (Over 400 lines: the three public checks, by number, by PDF and by QR statement, share their
//! throttles and answers.)

use super::{unavailable_from_ports, Unavailable};
use crate::crypto::constant_time_eq;
use crate::domain::form::present;
use crate::domain::{
    AuditEvent, Certificate, CertificateNumber, CertificateStatus, Cnp, Cui, DocumentResult,
    FieldCode, FieldError, VerificationResult,
};
use crate::pdf::pades::{read_signed, ReadError};
use crate::ports::{AuditLog, CertificateStore, Clock, Throttle};
use crate::seal::{check_cms, CmsCheck, SealError};
use crate::statement::{TrustedKey, Verdict};
use crate::trust::ChainSource;
use chrono::{DateTime, NaiveDate, Utc};
use der::Encode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Verifications allowed per client address per minute.
pub const VERIFICATIONS_PER_MINUTE: u32 = 30;
/// Checks by number allowed per certificate per day, whoever asks: a certificate is checked a
/// few times; guessing its holder's CNP (the QR code gives the birth date, leaving about 10^5
/// candidates) from many addresses would take years.
pub const CHECKS_PER_CERTIFICATE_PER_DAY: u32 = 200;
/// The largest PDF accepted for verification (certificates are about 23 KB). Under what reaches
/// the function at all: API Gateway base64-encodes a binary body (a third more) into an event
/// Lambda takes up to 6 MB, so a 5 MB file never arrived to be told it is too large (the local
/// stack's JSON events showed it); 4 MB leaves room for the encoding and the headers.
pub const MAX_PDF_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyDto {
    pub certificate_number: String,
    /// The holder's CNP (a person's certificate) ...
    #[serde(default, deserialize_with = "present")]
    pub cnp: Option<String>,
    /// ... or the company's CUI (a legal person's certificate).
    #[serde(default, deserialize_with = "present")]
    pub cui: Option<String>,
}

/// A check by number as the domain reads it: the number (none: it cannot be one, and is
/// answered as not found, like any unknown number) and whose certificate it is said to be.
pub struct VerifyQuery {
    pub number: Option<CertificateNumber>,
    pub claimed: Claimed,
}

impl VerifyDto {
    /// The check, or what is wrong with the fields (a CNP or a CUI, exactly one).
    pub fn try_into_domain(self) -> Result<VerifyQuery, VerifyError> {
        let claimed = match (self.cnp, self.cui) {
            (Some(cnp), None) => Claimed::Person(Cnp::parse(&cnp).map_err(|e| {
                VerifyError::Invalid(vec![FieldError::new("cnp", FieldCode::InvalidCnp, e)])
            })?),
            (None, Some(cui)) => Claimed::Company(Cui::parse(&cui).map_err(|e| {
                VerifyError::Invalid(vec![FieldError::new("cui", FieldCode::InvalidCui, e)])
            })?),
            (None, None) => {
                return Err(VerifyError::Malformed(
                    "missing field `cnp` (or `cui`, for a legal person's certificate)",
                ))
            }
            (Some(_), Some(_)) => {
                return Err(VerifyError::Malformed(
                    "give either `cnp` or `cui`, not both",
                ))
            }
        };
        Ok(VerifyQuery {
            number: CertificateNumber::parse(&self.certificate_number),
            claimed,
        })
    }
}

/// What the verifier says the certificate is about.
pub enum Claimed {
    Person(Cnp),
    Company(Cui),
}

/// The answer to a verification by number: every field but `result` is null unless the
/// certificate was found for that CNP (or CUI).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VerificationAnswer {
    pub result: VerificationResult,
    pub certificate_number: Option<CertificateNumber>,
    #[serde(serialize_with = "opt_rfc3339")]
    pub issued_at: Option<DateTime<Utc>>,
    pub valid_until: Option<NaiveDate>,
    pub purpose: Option<&'static str>,
    pub holder_name: Option<String>,
    /// Whether it lists record entries (as its QR statement and PDF say).
    pub has_entries: Option<bool>,
    pub document_sha256: Option<String>,
}

fn opt_rfc3339<S: serde::Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&super::rfc3339(*t)),
        None => s.serialize_none(),
    }
}

impl VerificationAnswer {
    /// Unknown number and wrong CNP answer exactly this, so neither can be told apart.
    pub fn not_found() -> Self {
        Self {
            result: VerificationResult::NotFound,
            certificate_number: None,
            issued_at: None,
            valid_until: None,
            purpose: None,
            holder_name: None,
            has_entries: None,
            document_sha256: None,
        }
    }

    fn found(c: &Certificate, now: DateTime<Utc>) -> Self {
        Self {
            result: c.status(now).into(),
            certificate_number: Some(c.number.clone()),
            issued_at: Some(c.issued_at),
            valid_until: Some(c.valid_until),
            purpose: Some(c.purpose.code()),
            holder_name: Some(c.holder_name.clone()),
            has_entries: Some(c.has_entries),
            document_sha256: Some(c.document_sha256.clone()),
        }
    }
}

/// Whether the file's signature is mathematically intact (whoever made it).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SignatureCheck {
    Valid,
    Invalid,
}

/// The answer to a document verification.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DocumentAnswer {
    pub result: DocumentResult,
    pub certificate_number: Option<CertificateNumber>,
    pub valid_until: Option<NaiveDate>,
    pub signature: SignatureCheck,
    /// A genuine extract (`EXTRACT`, or `EXPIRED` past its answer's term): which, for whom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extract: Option<FoundExtract>,
    /// The file says it is an extract (genuine or not): the portal's advice is about
    /// extracts, which the organisation keeps, not the person.
    #[serde(skip)]
    pub says_extract: bool,
}

/// An extract's PDF as the document check found it: its number, the organisation it was
/// issued to (its registered name), when. Nothing about the person: the file shows that.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FoundExtract {
    pub number: String,
    pub organisation: String,
    pub issued_at: String,
}

impl DocumentAnswer {
    fn new(
        result: DocumentResult,
        signature_valid: bool,
        certificate: Option<&Certificate>,
    ) -> Self {
        Self {
            result,
            certificate_number: certificate.map(|c| c.number.clone()),
            valid_until: certificate.map(|c| c.valid_until),
            signature: if signature_valid {
                SignatureCheck::Valid
            } else {
                SignatureCheck::Invalid
            },
            extract: None,
            says_extract: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("throttled")]
    Throttled { retry_after_secs: u64 },
    /// Neither or both of CNP and CUI.
    #[error("{0}")]
    Malformed(&'static str),
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Unavailable(Unavailable),
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentVerifyError {
    #[error("the document is over {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the body is not declared as application/pdf")]
    NotDeclaredPdf,
    #[error("not a PDF")]
    NotAPdf,
    #[error("a truncated PDF")]
    Truncated,
    #[error("throttled")]
    Throttled { retry_after_secs: u64 },
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(VerifyError, DocumentVerifyError);

impl From<SealError> for DocumentVerifyError {
    fn from(e: SealError) -> Self {
        Self::Unavailable(e.into())
    }
}

/// A statement checked by the service: the seal's verdict, and whether it was revoked.
#[derive(Debug)]
pub struct StatementCheck {
    pub verdict: Verdict,
    pub revoked: bool,
}

pub struct VerificationService {
    pub certificates: Arc<dyn CertificateStore>,
    pub audit: Arc<dyn AuditLog>,
    pub throttle: Arc<dyn Throttle>,
    pub clock: Arc<dyn Clock>,
    pub chain: Arc<ChainSource>,
    /// The documents bucket, for the published status lists.
    pub blobs: Arc<dyn crate::ports::BlobStore>,
    /// The timestamping authority's chain: published with the seal's, and what a seal's
    /// timestamp must come from.
    pub timestamp_authorities: Arc<Vec<x509_cert::Certificate>>,
}

impl VerificationService {
    /// The published revocation status list of `year` (a signed JWT), if there is one.
    pub async fn status_list(&self, year: i32) -> Result<Option<String>, Unavailable> {
        Ok(self
            .blobs
            .get(&super::status::blob_key(year))
            .await?
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Counts one verification for the client; `Err(seconds to wait)` past the limit.
    async fn throttle(&self, client: &str) -> Result<Result<(), u64>, Unavailable> {
        let key = format!("verify:{client}");
        let limit = VERIFICATIONS_PER_MINUTE;
        super::throttled(&*self.throttle, &key, limit, 60, self.clock.now()).await
    }

    /// The trust file for offline verification: the seal's chain, then the timestamping
    /// authority's, as PEM.
    pub async fn trust_chain_pem(&self) -> Result<String, Unavailable> {
        let mut pem = self.chain.get().await?.to_pem()?;
        for certificate in self.timestamp_authorities.iter() {
            use der::EncodePem;
            let text = certificate
                .to_pem(der::pem::LineEnding::LF)
                .map_err(|e| Unavailable::Internal(e.to_string()))?;
            pem.push_str(&text);
        }
        Ok(pem)
    }

    /// The access CA's certificate (PEM): what wallets trust for requests from registered
    /// organisations. `None` until ops made it.
    pub async fn access_ca_pem(&self) -> Result<Option<String>, Unavailable> {
        let pem = self
            .blobs
            .get(crate::organisations::ACCESS_CA_KEY)
            .await?
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        Ok(pem)
    }

    /// The seal keys that sign the QR codes' statements, for verifiers offline.
    pub async fn statement_keys(&self) -> Result<Vec<TrustedKey>, Unavailable> {
        Ok(crate::statement::trusted_in(
            self.chain.get().await?.certificates(),
        ))
    }

    /// A QR code's text checked here rather than in the verifier's browser (the page without
    /// JavaScript): the seal's verdict on the statement and, for a genuine one, whether our
    /// records say it was revoked since. Counted like every verification; nothing of the
    /// record beyond what the statement itself says is given.
    pub async fn check_statement(
        &self,
        text: &str,
        client: &str,
    ) -> Result<StatementCheck, VerifyError> {
        self.throttle(client)
            .await?
            .map_err(|retry_after_secs| VerifyError::Throttled { retry_after_secs })?;
        let now = self.clock.now();
        let keys = self.statement_keys().await?;
        let verdict = crate::statement::verify(text, &keys, now);
        let revoked = match &verdict {
            Verdict::Valid(s) | Verdict::Expired(s) => self
                .certificates
                .get(&s.number)
                .await?
                .is_some_and(|c| c.status(now) == CertificateStatus::Revoked),
            Verdict::Invalid(_) => false,
        };
        Ok(StatementCheck { verdict, revoked })
    }

    /// `POST /v1/verifications/document`: is this PDF a certificate we issued, unchanged, and
    /// still valid? The signature is checked against our seal key; the number it carries (inside
    /// the signed bytes) finds the record; the whole file must hash to what was recorded at issue.
    pub async fn verify_document(
        &self,
        pdf: &[u8],
        content_type: Option<&str>,
        client: &str,
    ) -> Result<DocumentAnswer, DocumentVerifyError> {
        if pdf.len() > MAX_PDF_BYTES {
            return Err(DocumentVerifyError::TooLarge {
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
            return Err(DocumentVerifyError::NotDeclaredPdf);
        }
        self.throttle(client)
            .await?
            .map_err(|retry_after_secs| DocumentVerifyError::Throttled { retry_after_secs })?;
        let signed = match read_signed(pdf) {
            Ok(signed) => signed,
            Err(ReadError::NotPdf) => return Err(DocumentVerifyError::NotAPdf),
            Err(ReadError::Truncated) => return Err(DocumentVerifyError::Truncated),
            Err(ReadError::Unsigned) => {
                return Ok(DocumentAnswer::new(
                    DocumentResult::NotIssuedHere,
                    false,
                    None,
                ))
            }
        };
        let chain = self.chain.get().await?;
        if crate::statement::carries_extract(pdf) {
            return Ok(self.extract_document(pdf, &chain));
        }
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
        // `by_other_key`: a valid seal by a key that is not today's. Ours only if the file is the
        // very one recorded at issue (its SHA-256 is in the certificate's record): a document
        // sealed before the seal key pair was replaced keeps verifying; no other is accepted.
        let (signature_valid, by_other_key) = match check_cms(&signed.cms, &signed.digest) {
            CmsCheck::Valid { signer } => (true, !is_ours(&signer)),
            CmsCheck::Broken {
                signer: Some(signer),
            } if is_ours(&signer) => (false, false),
            _ => {
                return Ok(DocumentAnswer::new(
                    DocumentResult::NotIssuedHere,
                    false,
                    None,
                ))
            }
        };
        let certificate = match signed.number.as_deref().and_then(CertificateNumber::parse) {
            Some(number) => self.certificates.get(&number).await?,
            None => None,
        };
        let now = self.clock.now();
        // The very file recorded at issue, its validation material (DSS) included.
        let recorded = |c: &crate::domain::Certificate| {
            constant_time_eq(
                crate::crypto::sha256_hex(pdf).as_bytes(),
                c.document_sha256.as_bytes(),
            )
        };
        // What follows the seal, if anything, is its validation material and nothing else:
        // the same rule as the offline verifier's (the recorded file passes it; a file whose
        // DSS was dropped or rewritten honestly does too).
        let (sealed, appended) = pdf.split_at(signed.signed_len.min(pdf.len()));
        let only_material =
            signed.covers_whole_file || crate::pdf::after_seal::check(sealed, appended).is_ok();
        // The token lies outside the signed bytes too: another file than the recorded one
        // passes only with a timestamp our authority signed (the offline rule).
        let mut authorities = chain.certificates().to_vec();
        authorities.extend(self.timestamp_authorities.iter().cloned());
        let only_material = only_material
            && matches!(
                crate::timestamp::seal_time(&signed.cms, &authorities),
                crate::timestamp::SealTime::Trusted { .. }
            );
        let answer = match &certificate {
            // Signed by our key but over other bytes: changed after issue.
            _ if !signature_valid => {
                DocumentAnswer::new(DocumentResult::Tampered, false, certificate.as_ref())
            }
            Some(c) if by_other_key && !recorded(c) => {
                DocumentAnswer::new(DocumentResult::NotIssuedHere, false, None)
            }
            None if by_other_key => DocumentAnswer::new(DocumentResult::NotIssuedHere, false, None),
            None => DocumentAnswer::new(DocumentResult::NotIssuedHere, true, None),
            Some(c) if !recorded(c) && !only_material => {
                DocumentAnswer::new(DocumentResult::Tampered, true, Some(c))
            }
            Some(c) => DocumentAnswer::new(c.status(now).into(), true, Some(c)),
        };
        if let Some(c) = &certificate {
            self.audit
                .record(&AuditEvent::document_verified(
                    &c.number,
                    answer.result,
                    now,
                ))
                .await?;
        }
        tracing::info!(result = %answer.result, "document verification");
        Ok(answer)
    }

    /// A PDF that says it is an extract: checked as `cazier-verify` checks it (the seal, what
    /// follows it, its timestamp, the sealed claims inside for its own number).
    fn extract_document(&self, pdf: &[u8], chain: &crate::seal::TrustChain) -> DocumentAnswer {
        use crate::statement::{ExtractPdfRefusal as R, Refusal, TrustFile};
        let mut certificates = chain.certificates().to_vec();
        certificates.extend(self.timestamp_authorities.iter().cloned());
        let answer = |result, signature_valid| DocumentAnswer {
            says_extract: true,
            ..DocumentAnswer::new(result, signature_valid, None)
        };
        let claims = match crate::statement::verify_extract_pdf(pdf, &TrustFile::new(certificates))
        {
            Ok(claims) => claims,
            Err(R::Seal(Refusal::UnknownKey | Refusal::NotPdf | Refusal::Unsealed)) => {
                return answer(DocumentResult::NotIssuedHere, false)
            }
            Err(R::Seal(Refusal::SealBroken)) => return answer(DocumentResult::Tampered, false),
            // Sealed by us, then changed, or a seal whose claims do not hold.
            Err(_) => return answer(DocumentResult::Tampered, true),
        };
        let valid_until = NaiveDate::parse_from_str(&claims.valid_until, "%Y-%m-%d").ok();
        let result = match claims.holds_at(self.clock.now()) {
            true => DocumentResult::Extract,
            false => DocumentResult::Expired,
        };
        tracing::info!(result = %result, "document verification (an extract)");
        DocumentAnswer {
            valid_until,
            extract: Some(FoundExtract {
                number: claims.number,
                organisation: claims.organisation.name,
                issued_at: claims.issued_at,
            }),
            ..answer(result, true)
        }
    }

    pub async fn verify(
        &self,
        query: VerifyQuery,
        client: &str,
    ) -> Result<VerificationAnswer, VerifyError> {
        self.throttle(client)
            .await?
            .map_err(|retry_after_secs| VerifyError::Throttled { retry_after_secs })?;
        let now = self.clock.now();
        let VerifyQuery { number, claimed } = query;
        let Some(number) = number else {
            return Ok(VerificationAnswer::not_found());
        };
        // Counted before the comparison, for the certificate whoever asks.
        let key = format!("verify-number:{}", number.as_str());
        super::throttled(
            &*self.throttle,
            &key,
            CHECKS_PER_CERTIFICATE_PER_DAY,
            86_400,
            now,
        )
        .await?
        .map_err(|retry_after_secs| VerifyError::Throttled { retry_after_secs })?;
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
                VerificationAnswer::found(&c, now)
            }
            _ => VerificationAnswer::not_found(),
        };
        // Every attempt on a well-formed number is kept: number, result, time (not the CNP).
        self.audit
            .record(&AuditEvent::verified(&number, result.result, now))
            .await?;
        tracing::info!(result = %result.result, "verification");
        Ok(result)
    }
}
