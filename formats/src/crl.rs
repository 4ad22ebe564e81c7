//! Certificate revocation lists (RFC 5280, section 5): the one our root issues for the seal
//! certificates (`cazier-admin trust crl`), and reading CRLs published by others (the
//! timestamping authority's issuer), for the validation material a PAdES-B-LT document carries.

use crate::ports::Signer;
use crate::seal::{self, SealError};
use chrono::{DateTime, Utc};
use der::asn1::{BitString, UtcTime};
use der::{Decode, Encode};
use x509_cert::crl::{CertificateList, TbsCertList};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlDistributionPoints, CrlNumber};
use x509_cert::time::Time;
use x509_cert::Certificate;

/// Where our root's CRL lives in the documents bucket (public material).
pub const ROOT_CRL_KEY: &str = "trust/root.crl";
pub const CRL_CONTENT_TYPE: &str = "application/pkix-crl";

/// A CRL as read: its DER and when it stops being current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crl {
    pub der: Vec<u8>,
    pub this_update: DateTime<Utc>,
    pub next_update: Option<DateTime<Utc>>,
}

fn to_chrono(time: &Time) -> Option<DateTime<Utc>> {
    let d = time.to_unix_duration();
    DateTime::from_timestamp(i64::try_from(d.as_secs()).ok()?, 0)
}

impl Crl {
    /// Parses `der` and checks that it is by `issuer_name` and, when the issuer's certificate
    /// is known, signed by it (ECDSA P-256 here; other algorithms are left to the document's
    /// validators).
    pub fn read(
        der: Vec<u8>,
        issuer_name: &x509_cert::name::Name,
        issuer: Option<&Certificate>,
    ) -> Result<Crl, SealError> {
        let list = CertificateList::from_der(&der)?;
        if &list.tbs_cert_list.issuer != issuer_name {
            return Err(SealError::Invalid("the CRL is by another issuer".into()));
        }
        if let Some(issuer) = issuer
            .filter(|_| list.signature_algorithm.oid == const_oid::db::rfc5912::ECDSA_WITH_SHA_256)
        {
            seal::verify_signature(
                &issuer.tbs_certificate.subject_public_key_info,
                &list.tbs_cert_list.to_der()?,
                list.signature.raw_bytes(),
            )
            .map_err(|_| SealError::Invalid("the CRL's signature does not verify".into()))?;
        }
        let this_update = to_chrono(&list.tbs_cert_list.this_update)
            .ok_or_else(|| SealError::Invalid("the CRL's date is out of range".into()))?;
        let next_update = list.tbs_cert_list.next_update.as_ref().and_then(to_chrono);
        Ok(Crl {
            der,
            this_update,
            next_update,
        })
    }

    /// Whether it is still current at `now`.
    pub fn current_at(&self, now: DateTime<Utc>) -> bool {
        self.this_update <= now && self.next_update.is_none_or(|next| now < next)
    }
}

fn utc(at: DateTime<Utc>) -> Result<Time, SealError> {
    let secs = u64::try_from(at.timestamp())
        .map_err(|_| SealError::Invalid("a date before 1970".into()))?;
    Ok(Time::UtcTime(UtcTime::from_unix_duration(
        std::time::Duration::from_secs(secs),
    )?))
}

/// A CRL by `root` (signed through `root_key`), current from `now` for `valid_for`, listing
/// no revoked certificate, numbered by its issue time (numbers only grow).
pub async fn issue(
    root_key: &dyn Signer,
    root: &Certificate,
    now: DateTime<Utc>,
    valid_for: chrono::Duration,
) -> Result<Crl, SealError> {
    let number = u64::try_from(now.timestamp())
        .map_err(|_| SealError::Invalid("a date before 1970".into()))?;
    let number_bytes = number.to_be_bytes();
    let spki = &root.tbs_certificate.subject_public_key_info;
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: seal::ecdsa_sha256(),
        issuer: root.tbs_certificate.subject.clone(),
        this_update: utc(now)?,
        next_update: Some(utc(now + valid_for)?),
        revoked_certificates: None,
        crl_extensions: Some(vec![
            seal::extension(
                &AuthorityKeyIdentifier {
                    key_identifier: Some(seal::key_identifier(spki)?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
                false,
            )?,
            seal::extension(&CrlNumber(der::asn1::Uint::new(&number_bytes)?), false)?,
        ]),
    };
    let signature = root_key.sign(&tbs.to_der()?).await?;
    let list = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: seal::ecdsa_sha256(),
        signature: BitString::from_bytes(&signature)?,
    };
    Crl::read(list.to_der()?, &root.tbs_certificate.subject, Some(root))
}

/// The HTTP(S) addresses in a certificate's CRL distribution points.
pub fn distribution_points(certificate: &Certificate) -> Vec<String> {
    let Some(extensions) = &certificate.tbs_certificate.extensions else {
        return Vec::new();
    };
    let mut urls = Vec::new();
    for extension in extensions {
        if extension.extn_id != const_oid::db::rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS {
            continue;
        }
        let Ok(points) = CrlDistributionPoints::from_der(extension.extn_value.as_bytes()) else {
            continue;
        };
        for point in points.0 {
            if let Some(DistributionPointName::FullName(names)) = point.distribution_point {
                for name in names {
                    if let GeneralName::UniformResourceIdentifier(uri) = name {
                        let uri = uri.to_string();
                        if uri.starts_with("http://") || uri.starts_with("https://") {
                            urls.push(uri);
                        }
                    }
                }
            }
        }
    }
    urls
}
