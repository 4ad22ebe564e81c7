//! A certificate PDF checked offline: its PAdES seal by a trusted seal certificate, over the
//! whole file but its validation material, and the signed statement its QR code's link
//! carries, for the same number.

use super::{key_id, verify, Refusal, TrustFile, Verdict, PREFIX};
use crate::pdf::after_seal;
use crate::pdf::pades::{read_signed, ReadError};
use crate::seal::{check_cms, CmsCheck};
use crate::timestamp::{seal_time, SealTime};
use chrono::{DateTime, Utc};
use der::Encode;

/// Verifies `pdf` against a trust file: the seal by one of its seal keys, what follows the
/// seal, the seal's timestamp (when the file names a timestamping authority), the statement.
pub fn verify_pdf(pdf: &[u8], trust: &TrustFile, now: DateTime<Utc>) -> Verdict {
    let trusted = &trust.keys;
    let signed = match read_signed(pdf) {
        Ok(signed) => signed,
        Err(ReadError::NotPdf | ReadError::Truncated) => return Verdict::Invalid(Refusal::NotPdf),
        Err(ReadError::Unsigned) => return Verdict::Invalid(Refusal::Unsealed),
    };
    let signer = match check_cms(&signed.cms, &signed.digest) {
        CmsCheck::Valid { signer } => signer,
        CmsCheck::Broken { .. } => return Verdict::Invalid(Refusal::SealBroken),
        CmsCheck::Unreadable => return Verdict::Invalid(Refusal::Unsealed),
    };
    let trusted_seal = signer
        .to_der()
        .is_ok_and(|der| trusted.iter().any(|k| k.kid == key_id(&der)));
    if !trusted_seal {
        return Verdict::Invalid(Refusal::UnknownKey);
    }
    // What may follow the seal: its validation material (PAdES-B-LT), nothing else.
    let (sealed, appended) = pdf.split_at(signed.signed_len);
    if !signed.covers_whole_file {
        if let Err(why) = after_seal::check(sealed, appended) {
            return Verdict::Invalid(Refusal::ChangedAfterSeal(why));
        }
    }
    // The token lies outside the signed bytes: one not from a trusted authority was put there
    // by someone else (a forger's date printed as fact before).
    // Every seal the service makes is timestamped: one without a token had it taken out.
    if trust.names_timestamping_authority() {
        match seal_time(&signed.cms, &trust.certificates) {
            SealTime::Trusted { .. } => {}
            SealTime::Untrusted => return Verdict::Invalid(Refusal::UntrustedTimestamp),
            SealTime::Absent => return Verdict::Invalid(Refusal::MissingTimestamp),
        }
    }
    let Some(statement) = statement_text(sealed) else {
        return Verdict::Invalid(Refusal::NoStatement);
    };
    let verdict = verify(statement, trusted, now);
    let same = |s: &super::Statement| signed.number.as_deref() == Some(s.number.as_str());
    match verdict {
        Verdict::Valid(s) | Verdict::Expired(s) if !same(&s) => {
            Verdict::Invalid(Refusal::OtherCertificate)
        }
        other => other,
    }
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
