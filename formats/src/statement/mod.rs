//! The signed statement a certificate's QR code carries, for verification offline: a CWT
//! (RFC 8392) in a COSE_Sign1 (ES256, signed by the seal key through the [`Signer`]), sent as
//! base64url after `CZ1:` in the verification URL's fragment, which browsers never send to a
//! server. Anyone with the published seal certificate checks it with no network at all; the
//! format is in `docs/QR.md`.

pub mod cose;
mod pdf;
pub mod status_list;

pub use pdf::{carries_extract, verify_extract_pdf, verify_pdf, ExtractPdfRefusal};

use crate::domain::{end_of_bucharest_day, CertificateNumber, Purpose};
use crate::ports::{SignError, Signer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use ciborium::Value;
use cose::CoseError;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

/// What starts the statement's text (version 1).
pub const PREFIX: &str = "CZ1:";
/// CWT claims (RFC 8392 §3.1) and ours, under a private-use key (below -65536).
const ISS: i64 = 1;
const EXP: i64 = 4;
const IAT: i64 = 6;
const CERTIFICATE: i64 = -65537;
/// The issuer claim.
pub const ISSUER: &str = "RO-MAI-CAZIER";
const NUMBER: i64 = 1;
const HOLDER: i64 = 2;
const BIRTH_DATE: i64 = 3;
const PURPOSE: i64 = 4;
const VALID_UNTIL: i64 = 5;
const HAS_ENTRIES: i64 = 6;
const STATUS_INDEX: i64 = 7;

/// What the paper says, signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub number: CertificateNumber,
    pub holder_name: String,
    /// A person's; none for a company.
    pub birth_date: Option<NaiveDate>,
    pub purpose: Purpose,
    pub issued_at: DateTime<Utc>,
    pub valid_until: NaiveDate,
    pub has_entries: bool,
    /// Its index in its year's status list (absent from statements signed before indexes
    /// were drawn: their index is the number's sequence).
    pub status_index: Option<u64>,
}

impl Statement {
    /// Where its revocation bit sits in its year's status list.
    pub fn status_index(&self) -> u64 {
        self.status_index
            .unwrap_or_else(|| self.number.year_and_sequence().1)
    }
}

/// A seal certificate's key id: the first 8 bytes of the SHA-256 of its DER (as the EU DCC).
pub fn key_id(certificate_der: &[u8]) -> [u8; 8] {
    let digest = Sha256::digest(certificate_der);
    let mut kid = [0u8; 8];
    kid.copy_from_slice(&digest[..8]);
    kid
}

/// The key id of a chain's seal certificate: what statements and status lists name.
pub fn seal_key_id(chain: &crate::seal::TrustChain) -> Result<[u8; 8], crate::seal::SealError> {
    use der::Encode;
    Ok(key_id(&chain.seal().to_der()?))
}

/// Signs the statement: one call to the signer. Returns the text after the URL's `#`.
pub async fn sign(
    statement: &Statement,
    kid: &[u8],
    signer: &dyn Signer,
) -> Result<String, SignError> {
    let protected = cose::protected_header(kid);
    let payload = cose::to_bytes(&claims(statement));
    let der = signer
        .sign(&cose::to_be_signed(&protected, &payload))
        .await?;
    let signature = Signature::from_der(&der)
        .map_err(|_| SignError::Unavailable("the signer gave no ECDSA signature".into()))?;
    let message = cose::message(protected, payload, signature.to_bytes().to_vec());
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(message)))
}

fn claims(s: &Statement) -> Value {
    let mut certificate = vec![
        (NUMBER.into(), Value::Text(s.number.as_str().into())),
        (HOLDER.into(), Value::Text(s.holder_name.clone())),
    ];
    if let Some(born) = s.birth_date {
        certificate.push((BIRTH_DATE.into(), Value::Text(born.to_string())));
    }
    certificate.extend([
        (PURPOSE.into(), Value::Text(s.purpose.code().into())),
        (VALID_UNTIL.into(), Value::Text(s.valid_until.to_string())),
        (HAS_ENTRIES.into(), Value::Bool(s.has_entries)),
    ]);
    if let Some(index) = s.status_index {
        certificate.push((STATUS_INDEX.into(), index.into()));
    }
    Value::Map(vec![
        (ISS.into(), Value::Text(ISSUER.into())),
        (
            EXP.into(),
            end_of_bucharest_day(s.valid_until).timestamp().into(),
        ),
        (IAT.into(), s.issued_at.timestamp().into()),
        (CERTIFICATE.into(), Value::Map(certificate)),
    ])
}

/// A seal key the verifier trusts, with its id.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    pub kid: [u8; 8],
    pub key: VerifyingKey,
}

/// A verifier's trust file (PEM certificates, as `GET /v1/trust/certificates` serves them):
/// the seal's chain and the timestamping authority's.
#[derive(Debug, Clone, Default)]
pub struct TrustFile {
    /// The seal keys: what may sign statements, documents and status lists.
    pub keys: Vec<TrustedKey>,
    /// Every certificate, against which a seal's timestamp is judged.
    pub certificates: Vec<x509_cert::Certificate>,
}

impl TrustFile {
    /// The certificates of PEM text (none if it is not PEM certificates).
    pub fn from_pem(pem: &str) -> Self {
        Self::new(x509_cert::Certificate::load_pem_chain(pem.as_bytes()).unwrap_or_default())
    }

    pub fn new(certificates: Vec<x509_cert::Certificate>) -> Self {
        Self {
            keys: trusted_in(&certificates),
            certificates,
        }
    }

    /// Whether it names a timestamping authority: only then is a seal's timestamp judged
    /// (a trust file saved before timestamps were published can neither confirm nor refuse
    /// one).
    pub fn names_timestamping_authority(&self) -> bool {
        self.certificates
            .iter()
            .any(crate::timestamp::is_timestamping)
    }
}

/// The seal keys of a trust file (see [`trusted_in`]).
pub fn trusted_keys(pem: &str) -> Vec<TrustedKey> {
    TrustFile::from_pem(pem).keys
}

/// The seal keys among `certificates`: each P-256 key of a certificate that is neither a CA
/// (its key signs certificates) nor a timestamping authority (its key signs tokens), under
/// its key id. Neither ever signs a statement.
pub fn trusted_in(certificates: &[x509_cert::Certificate]) -> Vec<TrustedKey> {
    use der::Encode;
    use p256::pkcs8::DecodePublicKey;
    use x509_cert::ext::pkix::BasicConstraints;
    certificates
        .iter()
        .filter(|c| {
            !matches!(
                c.tbs_certificate.get::<BasicConstraints>(),
                Ok(Some((_, BasicConstraints { ca: true, .. }))) | Err(_)
            ) && !crate::timestamp::is_timestamping(c)
        })
        .filter_map(|c| {
            let spki = c.tbs_certificate.subject_public_key_info.to_der().ok()?;
            let key = VerifyingKey::from_public_key_der(&spki).ok()?;
            Some(TrustedKey {
                kid: key_id(&c.to_der().ok()?),
                key,
            })
        })
        .collect()
}

impl TrustedKey {
    /// The key as a JWK (RFC 7517) with its `kid` in base64url: what a browser's WebCrypto
    /// imports to verify statements offline.
    pub fn jwk(&self) -> serde_json::Value {
        let point = self.key.to_encoded_point(false);
        let coordinate =
            |c: Option<&p256::FieldBytes>| c.map(|c| URL_SAFE_NO_PAD.encode(c)).unwrap_or_default();
        serde_json::json!({
            "kid": URL_SAFE_NO_PAD.encode(self.kid),
            "kty": "EC",
            "crv": "P-256",
            "x": coordinate(point.x()),
            "y": coordinate(point.y()),
        })
    }
}

/// What a verifier concludes.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Valid(Statement),
    /// Genuine, but its last valid day is past.
    Expired(Statement),
    Invalid(Refusal),
}

/// Why a statement is not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("no signed statement (no {PREFIX} text)")]
    NoStatement,
    #[error("not base64url")]
    NotBase64,
    #[error("not a signed statement: {0}")]
    Malformed(#[from] CoseError),
    #[error("signed by a key that is not a trusted seal")]
    UnknownKey,
    #[error("the signature does not match: altered, or not made by the seal")]
    BadSignature,
    #[error("signed, but its contents are not a certificate statement")]
    BadClaims,
    #[error("not a PDF, or cut short")]
    NotPdf,
    #[error("the PDF carries no seal")]
    Unsealed,
    #[error("the seal does not match the document: it was changed after sealing")]
    SealBroken,
    #[error("the document was changed after its seal: {0}")]
    ChangedAfterSeal(crate::pdf::after_seal::AfterSeal),
    #[error("the statement is for another certificate than the document")]
    OtherCertificate,
    #[error(
        "the seal's timestamp is not from a trusted timestamping authority: it was put there \
         after sealing"
    )]
    UntrustedTimestamp,
    #[error(
        "the seal carries no timestamp, which every seal of this service has: it was taken out \
         after sealing"
    )]
    MissingTimestamp,
}

/// Verifies `text` (a whole verification URL, or the `CZ1:` text alone) against `trusted`.
pub fn verify(text: &str, trusted: &[TrustedKey], now: DateTime<Utc>) -> Verdict {
    match verified(text, trusted) {
        Ok(statement) if now >= end_of_bucharest_day(statement.valid_until) => {
            Verdict::Expired(statement)
        }
        Ok(statement) => Verdict::Valid(statement),
        Err(refusal) => Verdict::Invalid(refusal),
    }
}

fn verified(text: &str, trusted: &[TrustedKey]) -> Result<Statement, Refusal> {
    let at = text.find(PREFIX).ok_or(Refusal::NoStatement)?;
    let encoded = text[at + PREFIX.len()..].trim();
    if encoded.len() > cose::MAX_MESSAGE_BYTES * 4 / 3 + 4 {
        return Err(CoseError::TooLarge.into());
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| Refusal::NotBase64)?;
    let message = cose::parse(&bytes)?;
    let key = trusted
        .iter()
        .find(|k| k.kid[..] == message.kid[..])
        .ok_or(Refusal::UnknownKey)?;
    let signature = Signature::from_slice(&message.signature).map_err(|_| Refusal::BadSignature)?;
    key.key
        .verify(
            &cose::to_be_signed(&message.protected, &message.payload),
            &signature,
        )
        .map_err(|_| Refusal::BadSignature)?;
    statement(&cose::from_bytes(&message.payload)?).ok_or(Refusal::BadClaims)
}

fn statement(claims: &Value) -> Option<Statement> {
    let field = |map: &Value, key: i64| -> Option<Value> {
        map.as_map()?
            .iter()
            .find(|(k, _)| k.as_integer() == Some(key.into()))
            .map(|(_, v)| v.clone())
    };
    let text = |map: &Value, key: i64| field(map, key)?.into_text().ok();
    let date = |map: &Value, key: i64| NaiveDate::parse_from_str(&text(map, key)?, "%Y-%m-%d").ok();
    if text(claims, ISS)? != ISSUER {
        return None;
    }
    let iat = i64::try_from(field(claims, IAT)?.as_integer()?).ok()?;
    let c = field(claims, CERTIFICATE)?;
    Some(Statement {
        number: CertificateNumber::parse(&text(&c, NUMBER)?)?,
        holder_name: text(&c, HOLDER)?,
        birth_date: match field(&c, BIRTH_DATE) {
            None => None,
            Some(_) => Some(date(&c, BIRTH_DATE)?),
        },
        purpose: Purpose::parse(&text(&c, PURPOSE)?)?,
        issued_at: DateTime::from_timestamp(iat, 0)?,
        valid_until: date(&c, VALID_UNTIL)?,
        has_entries: field(&c, HAS_ENTRIES)?.as_bool()?,
        status_index: match field(&c, STATUS_INDEX) {
            None => None,
            Some(v) => Some(u64::try_from(v.as_integer()?).ok()?),
        },
    })
}
