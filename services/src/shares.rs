//! Share codes: a citizen opens one of their valid certificates to a third party (an employer,
//! an embassy) without handing over their CNP. The code is a bearer secret: shown once, stored
//! as a keyed hash, never in a URL; it expires at the latest with the certificate and its
//! holder revokes it at once. A third party who uses it sees the certificate's status (and may
//! download it while valid); wrong, expired and revoked codes answer alike, throttled per
//! client. Every use is in the certificate's checks, with the organisation the third party
//! declared.

use super::{as_rfc3339, throttled, unavailable_from_ports, Unavailable};
use crate::domain::{
    bucharest_date, end_of_bucharest_day, AuditEvent, Certificate, CertificateNumber,
    CertificateStatus, FieldCode, FieldError, Principal, Share, ShareCode, ShareId, ShareStatus,
};
use crate::ports::{
    AuditLog, BlobStore, CertificateStore, Clock, ShareStore, StoreError, Throttle,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Active codes one certificate may have at once.
pub const MAX_ACTIVE_SHARES_PER_CERTIFICATE: usize = 10;
/// Code uses (right or wrong) one client may make a minute.
pub const ACCESSES_PER_MINUTE: u32 = 10;
/// Characters of the organisation a third party may declare.
pub const MAX_ORGANISATION_CHARS: usize = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateShareDto {
    /// The last day (Bucharest) it works, `YYYY-MM-DD`; absent: the certificate's last day.
    #[serde(default)]
    pub expires_on: Option<String>,
}

impl CreateShareDto {
    /// The last day asked for, as a date (whether the certificate allows it is the
    /// service's to say).
    pub fn try_into_domain(self) -> Result<Option<NaiveDate>, ShareError> {
        self.expires_on
            .map(|text| {
                // Exactly `YYYY-MM-DD`, as the contract says (chrono alone also takes
                // `2027-1-1`, ` 2027-01-01` and `+2027-01-01`).
                let shaped = text.len() == 10
                    && text.bytes().enumerate().all(|(i, b)| match i {
                        4 | 7 => b == b'-',
                        _ => b.is_ascii_digit(),
                    });
                shaped
                    .then(|| NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok())
                    .flatten()
                    .ok_or(())
                    .map_err(|_| {
                        ShareError::Invalid(vec![FieldError::new(
                            "expires_on",
                            FieldCode::InvalidDate,
                            "a date as YYYY-MM-DD",
                        )])
                    })
            })
            .transpose()
    }
}

/// A new code, shown to its holder this once.
#[derive(Debug, Serialize)]
pub struct CreatedShare {
    pub share_id: ShareId,
    /// `ABCD-EFGH-JKMNP`.
    pub code: String,
    pub certificate_number: CertificateNumber,
    #[serde(with = "as_rfc3339")]
    pub expires_at: DateTime<Utc>,
}

/// One of the holder's codes (the code itself is not kept, so not shown).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ShareView {
    pub share_id: ShareId,
    pub certificate_number: CertificateNumber,
    #[serde(with = "as_rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "as_rfc3339")]
    pub expires_at: DateTime<Utc>,
    pub status: ShareStatus,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessDto {
    pub code: String,
    /// Who the third party says they are; shown to the holder.
    #[serde(default)]
    pub organisation: Option<String>,
}

/// A third party's use of a code, as the domain reads it.
pub struct ShareAccess {
    pub code: ShareCode,
    /// Who they say they are (trimmed, one line), shown to the holder.
    pub organisation: Option<String>,
}

impl AccessDto {
    /// A code of the right shape (anything else cannot match: not found) and a declared
    /// organisation that fits.
    pub fn try_into_domain(self) -> Result<ShareAccess, AccessError> {
        let organisation =
            declared_organisation(self.organisation.as_deref()).map_err(AccessError::Invalid)?;
        let code = ShareCode::parse(&self.code).ok_or(AccessError::NotFound)?;
        Ok(ShareAccess { code, organisation })
    }
}

/// What a code shows a third party.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct SharedCertificate {
    pub certificate_number: CertificateNumber,
    pub status: CertificateStatus,
    pub holder_name: String,
    pub purpose: &'static str,
    #[serde(with = "as_rfc3339")]
    pub issued_at: DateTime<Utc>,
    pub valid_until: NaiveDate,
    pub has_entries: bool,
    #[serde(with = "as_rfc3339")]
    pub share_expires_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    #[error("not found")]
    NotFound,
    #[error("invalid")]
    Invalid(Vec<FieldError>),
    /// Expired or revoked certificates are not shared.
    #[error("the certificate is not valid")]
    CertificateNotValid,
    #[error("too many active codes for this certificate")]
    TooMany,
    #[error(transparent)]
    Unavailable(Unavailable),
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("invalid")]
    Invalid(Vec<FieldError>),
    /// A wrong, expired or revoked code: one answer for all.
    #[error("no such code")]
    NotFound,
    /// The certificate is no longer valid: its status is shown, its document is not.
    #[error("the certificate is not valid")]
    CertificateNotValid,
    #[error("throttled")]
    Throttled { retry_after: u64 },
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(ShareError, AccessError);

pub struct ShareService {
    pub certificates: Arc<dyn CertificateStore>,
    pub shares: Arc<dyn ShareStore>,
    pub audit: Arc<dyn AuditLog>,
    pub blobs: Arc<dyn BlobStore>,
    pub throttle: Arc<dyn Throttle>,
    pub clock: Arc<dyn Clock>,
}

impl ShareService {
    /// A new code for one of the caller's valid certificates.
    pub async fn create(
        &self,
        principal: &Principal,
        number: &CertificateNumber,
        last_day: Option<NaiveDate>,
    ) -> Result<CreatedShare, ShareError> {
        let certificate = self.owned(principal, number).await?;
        let now = self.clock.now();
        if certificate.status(now) != CertificateStatus::Valid {
            return Err(ShareError::CertificateNotValid);
        }
        let last_day = match last_day {
            None => certificate.valid_until,
            Some(day) => {
                let invalid = |code: FieldCode, message: &str| {
                    ShareError::Invalid(vec![FieldError::new("expires_on", code, message)])
                };
                if day < bucharest_date(now) {
                    return Err(invalid(FieldCode::InThePast, "today or later"));
                }
                if day > certificate.valid_until {
                    return Err(invalid(
                        FieldCode::AfterCertificate,
                        "at the latest the certificate's last valid day",
                    ));
                }
                day
            }
        };
        let active = self
            .shares
            .list_for_account(&principal.account_id)
            .await?
            .into_iter()
            .filter(|s| s.certificate_number == certificate.number)
            .filter(|s| s.status(now) == ShareStatus::Active)
            .count();
        if active >= MAX_ACTIVE_SHARES_PER_CERTIFICATE {
            return Err(ShareError::TooMany);
        }
        let share = Share {
            share_id: ShareId::random(),
            account_id: principal.account_id.clone(),
            certificate_number: certificate.number.clone(),
            created_at: now,
            expires_at: end_of_bucharest_day(last_day),
            revoked_at: None,
        };
        // 65 random bits: a collision is all but impossible; a second draw settles it.
        for _ in 0..3 {
            let code = ShareCode::random();
            match self.shares.create(&code, &share).await {
                Ok(()) => {
                    return Ok(CreatedShare {
                        share_id: share.share_id,
                        code: code.grouped(),
                        certificate_number: share.certificate_number,
                        expires_at: share.expires_at,
                    })
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Unavailable("share codes kept colliding".into()).into())
    }

    /// The caller's codes, newest first.
    pub async fn list(&self, principal: &Principal) -> Result<Vec<ShareView>, Unavailable> {
        let now = self.clock.now();
        Ok(self
            .shares
            .list_for_account(&principal.account_id)
            .await?
            .into_iter()
            .map(|s| ShareView {
                status: s.status(now),
                share_id: s.share_id,
                certificate_number: s.certificate_number,
                created_at: s.created_at,
                expires_at: s.expires_at,
            })
            .collect())
    }

    /// Revokes one of the caller's codes at once; revoking it again changes nothing.
    pub async fn revoke(
        &self,
        principal: &Principal,
        share_id: &ShareId,
    ) -> Result<(), ShareError> {
        let now = self.clock.now();
        if self
            .shares
            .revoke(&principal.account_id, share_id, now)
            .await?
        {
            return Ok(());
        }
        // Revoked already (fine), or not theirs (not found).
        let theirs = self
            .shares
            .list_for_account(&principal.account_id)
            .await?
            .into_iter()
            .any(|s| &s.share_id == share_id);
        if theirs {
            Ok(())
        } else {
            Err(ShareError::NotFound)
        }
    }

    /// What the code shows a third party; `client` names them for the throttle only.
    pub async fn access(
        &self,
        access: &ShareAccess,
        client: &str,
    ) -> Result<SharedCertificate, AccessError> {
        let (certificate, share) = self.open(access, client).await?;
        let now = self.clock.now();
        Ok(SharedCertificate {
            status: certificate.status(now),
            certificate_number: certificate.number,
            holder_name: certificate.holder_name,
            purpose: certificate.purpose.code(),
            issued_at: certificate.issued_at,
            valid_until: certificate.valid_until,
            has_entries: certificate.has_entries,
            share_expires_at: share.expires_at,
        })
    }

    /// The signed PDF, while the certificate is valid.
    pub async fn document(
        &self,
        access: &ShareAccess,
        client: &str,
    ) -> Result<(CertificateNumber, Vec<u8>), AccessError> {
        let (certificate, _) = self.open(access, client).await?;
        if certificate.status(self.clock.now()) != CertificateStatus::Valid {
            return Err(AccessError::CertificateNotValid);
        }
        let pdf = self
            .blobs
            .get(&certificate.document_key)
            .await?
            .ok_or_else(|| StoreError::Corrupt("certificate document missing".into()))?;
        Ok((certificate.number, pdf))
    }

    /// Throttles, finds the active share and its certificate, and records the use.
    async fn open(
        &self,
        access: &ShareAccess,
        client: &str,
    ) -> Result<(Certificate, Share), AccessError> {
        let now = self.clock.now();
        let key = format!("share:{client}");
        if let Err(retry_after) =
            throttled(&*self.throttle, &key, ACCESSES_PER_MINUTE, 60, now).await?
        {
            return Err(AccessError::Throttled { retry_after });
        }
        let share = self
            .shares
            .find(&access.code)
            .await?
            .filter(|s| s.status(now) == ShareStatus::Active)
            .ok_or(AccessError::NotFound)?;
        let certificate = self
            .certificates
            .get(&share.certificate_number)
            .await?
            .ok_or(AccessError::NotFound)?;
        let event = AuditEvent::shared_accessed(
            &certificate.number,
            certificate.status(now),
            access.organisation.as_deref(),
            now,
        );
        self.audit.record(&event).await?;
        Ok((certificate, share))
    }

    async fn owned(
        &self,
        principal: &Principal,
        number: &CertificateNumber,
    ) -> Result<Certificate, ShareError> {
        self.certificates
            .get(number)
            .await?
            .filter(|c| c.account_id == principal.account_id)
            .ok_or(ShareError::NotFound)
    }
}

/// The declared organisation: trimmed, one line, at most [`MAX_ORGANISATION_CHARS`]; also
/// what a verifier declares when asking a wallet for a certificate.
pub(crate) fn declared_organisation(text: Option<&str>) -> Result<Option<String>, Vec<FieldError>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let invalid =
        |code: FieldCode, message: &str| vec![FieldError::new("organisation", code, message)];
    if text.chars().count() > MAX_ORGANISATION_CHARS {
        return Err(invalid(FieldCode::TooLong, "at most 100 characters"));
    }
    // Shown to the holder as who looked: nothing that prints as nothing or reorders the
    // text ("A\u{202E}evil"), as in names.
    if text
        .chars()
        .any(|c| c.is_control() || crate::domain::text::is_hidden(c))
    {
        return Err(invalid(
            FieldCode::InvalidCharacters,
            "one line of visible text, without direction marks",
        ));
    }
    Ok(Some(text.to_owned()))
}
