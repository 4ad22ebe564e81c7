//! A certificate PDF checked offline: its PAdES seal by a trusted seal certificate, over the
//! whole file but its validation material, and the signed statement its QR code's link
//! carries, for the same number. An extract's PDF: the same seal checks, and the sealed JWS
//! it carries instead of a statement.

use super::{key_id, verify, Refusal, TrustFile, Verdict, PREFIX};
use crate::extract::ExtractClaims;
use crate::pdf::after_seal;
use crate::pdf::extract::EXTRACT_KEY;
use crate::pdf::pades::{read_signed, ReadError, SignedPdf};
use crate::seal::{check_cms, CmsCheck};
use crate::sealed::SealedRefusal;
use crate::timestamp::{seal_time, SealTime};
use chrono::{DateTime, Utc};
use der::Encode;

/// Verifies `pdf` against a trust file: the seal by one of its seal keys, what follows the
/// seal, the seal's timestamp (when the file names a timestamping authority), the statement.
pub fn verify_pdf(pdf: &[u8], trust: &TrustFile, now: DateTime<Utc>) -> Verdict {
    let (signed, sealed) = match sealed_part(pdf, trust) {
        Ok(found) => found,
        Err(why) => return Verdict::Invalid(why),
    };
    let Some(statement) = statement_text(sealed) else {
        return Verdict::Invalid(Refusal::NoStatement);
    };
    let verdict = verify(statement, &trust.keys, now);
    let same = |s: &super::Statement| signed.number.as_deref() == Some(s.number.as_str());
    match verdict {
        Verdict::Valid(s) | Verdict::Expired(s) if !same(&s) => {
            Verdict::Invalid(Refusal::OtherCertificate)
        }
        other => other,
    }
}

/// Whether `pdf` says it is a consented extract (checked by [`verify_extract_pdf`]).
pub fn carries_extract(pdf: &[u8]) -> bool {
    memchr::memmem::find(pdf, &extract_marker()).is_some()
}

fn extract_marker() -> Vec<u8> {
    [b"/".as_slice(), EXTRACT_KEY, b" (".as_slice()].concat()
}

/// Why an extract's PDF is not one the service sealed.
#[derive(Debug, thiserror::Error)]
pub enum ExtractPdfRefusal {
    #[error("{0}")]
    Seal(Refusal),
    #[error("no sealed extract inside the sealed bytes")]
    NoExtract,
    #[error("the extract inside: {0}")]
    Extract(SealedRefusal),
    #[error("the extract inside is for another number than the document")]
    OtherNumber,
}

/// Verifies an extract's PDF offline: the seal as a certificate's (key, what follows it, its
/// timestamp), and the sealed JWS inside the signed bytes, for the document's own number.
pub fn verify_extract_pdf(
    pdf: &[u8],
    trust: &TrustFile,
) -> Result<ExtractClaims, ExtractPdfRefusal> {
    let (signed, sealed) = sealed_part(pdf, trust).map_err(ExtractPdfRefusal::Seal)?;
    let marker = extract_marker();
    let at =
        memchr::memmem::find(sealed, &marker).ok_or(ExtractPdfRefusal::NoExtract)? + marker.len();
    let end = sealed[at..]
        .iter()
        .position(|&b| b == b')')
        .ok_or(ExtractPdfRefusal::NoExtract)?;
    let token =
        std::str::from_utf8(&sealed[at..at + end]).map_err(|_| ExtractPdfRefusal::NoExtract)?;
    let claims = crate::extract::verify(token, &trust.keys).map_err(ExtractPdfRefusal::Extract)?;
    if signed.number.as_deref() != Some(claims.number.as_str()) {
        return Err(ExtractPdfRefusal::OtherNumber);
    }
    Ok(claims)
}

/// The checks of a sealed PDF before what it says: sealed by one of the trust file's seal
/// keys, nothing after the seal but its validation material, the seal's timestamp from a
/// trusted authority. The signed PDF and its sealed bytes.
fn sealed_part<'a>(pdf: &'a [u8], trust: &TrustFile) -> Result<(SignedPdf, &'a [u8]), Refusal> {
    let signed = match read_signed(pdf) {
        Ok(signed) => signed,
        Err(ReadError::NotPdf | ReadError::Truncated) => return Err(Refusal::NotPdf),
        Err(ReadError::Unsigned) => return Err(Refusal::Unsealed),
    };
    let signer = match check_cms(&signed.cms, &signed.digest) {
        CmsCheck::Valid { signer } => signer,
        CmsCheck::Broken { .. } => return Err(Refusal::SealBroken),
        CmsCheck::Unreadable => return Err(Refusal::Unsealed),
    };
    let trusted_seal = signer
        .to_der()
        .is_ok_and(|der| trust.keys.iter().any(|k| k.kid == key_id(&der)));
    if !trusted_seal {
        return Err(Refusal::UnknownKey);
    }
    // What may follow the seal: its validation material (PAdES-B-LT), nothing else.
    let (sealed, appended) = pdf.split_at(signed.signed_len);
    if !signed.covers_whole_file {
        after_seal::check(sealed, appended).map_err(Refusal::ChangedAfterSeal)?;
    }
    // The token lies outside the signed bytes: one not from a trusted authority was put there
    // by someone else (a forger's date printed as fact before).
    // Every seal the service makes is timestamped: one without a token had it taken out.
    if trust.names_timestamping_authority() {
        match seal_time(&signed.cms, &trust.certificates) {
            SealTime::Trusted { .. } => {}
            SealTime::Untrusted => return Err(Refusal::UntrustedTimestamp),
            SealTime::Absent => return Err(Refusal::MissingTimestamp),
        }
    }
    Ok((signed, sealed))
}

/// The statement in the QR code's link (`/URI (…#CZ1:…)`), inside the sealed bytes.
fn statement_text(pdf: &[u8]) -> Option<&str> {
    let marker = format!("#{PREFIX}");
    let at = memchr::memmem::find(pdf, marker.as_bytes())? + 1;
    let end = pdf[at..]
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':')))
        .map_or(pdf.len(), |n| at + n);
    std::str::from_utf8(&pdf[at..end]).ok()
}
