//! RFC 3161 timestamps on the seal's signature (PAdES-B-T): the request we send, the checks a
//! reply passes before its token goes into a certificate, and the time it proves. The
//! exchange itself is a port ([`TimestampAuthority`]); this module knows no HTTP.
//! (Just over 400 lines: one RFC 3161 token reader and its trust rule, with its tests.)

use crate::ports::TimestampAuthority;
use chrono::{DateTime, Utc};
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use const_oid::db::{rfc5911, rfc5912};
use const_oid::ObjectIdentifier;
use der::asn1::{Int, OctetString};
use der::{Any, Decode, Encode};
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::Extensions;
use x509_cert::Certificate;
use x509_tsp::{Accuracy, MessageImprint, TimeStampReq, TimeStampResp, TspVersion};

/// TSTInfo (RFC 3161, 2.4.2) as TSAs write it. `x509_tsp::TstInfo` takes no fraction of a
/// second in genTime, which RFC 3161 allows and many TSAs (certomancer among them) send.
#[derive(der::Sequence)]
struct TstInfo {
    version: TspVersion,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: Any,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    ordering: bool,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Extensions>,
}

/// id-ct-TSTInfo (RFC 3161, 2.4.2): what a timestamp token signs.
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-aa-signatureTimeStampToken (RFC 3161, appendix A): where the token goes in the seal's
/// unsigned attributes.
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

pub use crate::ports::TimestampError;

/// A checked timestamp token: its DER (a CMS ContentInfo) and the time it proves.
#[derive(Debug, Clone)]
pub struct TimestampToken {
    pub der: Vec<u8>,
    pub time: DateTime<Utc>,
}

/// The configured authority: where it answers and the certificates its tokens must be signed
/// with (the TSA's certificate first, then its issuers, as the template parameter gives them).
pub struct Timestamps {
    pub url: String,
    pub certificates: Vec<Certificate>,
    pub authority: std::sync::Arc<dyn TimestampAuthority>,
}

impl Timestamps {
    /// Parses the authority's certificates (PEM) from the configuration.
    pub fn new(
        url: String,
        certificates_pem: &str,
        authority: std::sync::Arc<dyn TimestampAuthority>,
    ) -> Result<Self, TimestampError> {
        let certificates = Certificate::load_pem_chain(certificates_pem.as_bytes())
            .map_err(|e| TimestampError::Config(format!("its certificates: {e}")))?;
        if certificates.is_empty() {
            return Err(TimestampError::Config("no certificate given".into()));
        }
        if url.is_empty() {
            return Err(TimestampError::Config("no URL given".into()));
        }
        Ok(Self {
            url,
            certificates,
            authority,
        })
    }

    /// The certificate tokens must be signed with.
    pub fn signer(&self) -> &Certificate {
        &self.certificates[0]
    }

    /// A token over `signature` (the seal's signature value), checked.
    pub async fn stamp(&self, signature: &[u8]) -> Result<TimestampToken, TimestampError> {
        let mut nonce = [0u8; 8];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
        // Positive and of full length, so that its DER is these 8 bytes.
        nonce[0] = (nonce[0] & 0x7F) | 0x40;
        let request = request(signature, &nonce)?;
        let reply = self.authority.exchange(&self.url, &request).await?;
        check_reply(&reply, signature, &nonce, self.signer())
    }
}

/// The DER of a request for a token over SHA-256(`signature`), asking for the TSA's
/// certificate in the token (so that verifiers find it there).
pub fn request(signature: &[u8], nonce: &[u8; 8]) -> Result<Vec<u8>, TimestampError> {
    Ok(TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: crate::seal::sha256_algorithm(),
            hashed_message: OctetString::new(Sha256::digest(signature).as_slice())?,
        },
        req_policy: None,
        nonce: Some(Int::new(nonce)?),
        cert_req: true,
        extensions: None,
    }
    .to_der()?)
}

fn invalid(reason: &str) -> TimestampError {
    TimestampError::Invalid(reason.into())
}

/// Checks a reply: granted, a token over this signature and nonce, signed (signed attributes
/// with the digest of its TSTInfo) by the configured TSA certificate. ECDSA P-256 tokens are
/// verified here; for other algorithms the pinned certificate and the imprint are checked and
/// the signature is left to the validators that read the document.
pub fn check_reply(
    reply: &[u8],
    signature: &[u8],
    nonce: &[u8; 8],
    tsa: &Certificate,
) -> Result<TimestampToken, TimestampError> {
    let reply = TimeStampResp::from_der(reply)?;
    // PKIStatus granted (0) or grantedWithMods (1).
    let status = reply.status.status as u8;
    if status > 1 {
        return Err(TimestampError::Unavailable(format!(
            "the authority refused the request (status {status})"
        )));
    }
    let token = reply
        .time_stamp_token
        .ok_or_else(|| invalid("granted without a token"))?;
    let der = token.to_der()?;
    let time = check_token(&token, &Sha256::digest(signature).into(), Some(nonce), tsa)?;
    Ok(TimestampToken { der, time })
}

/// Checks a token (as found in a document) over a message whose SHA-256 is `imprint`, signed
/// by `tsa`; returns the time it proves.
pub fn check_token(
    token: &ContentInfo,
    imprint: &[u8; 32],
    nonce: Option<&[u8; 8]>,
    tsa: &Certificate,
) -> Result<DateTime<Utc>, TimestampError> {
    if token.content_type != rfc5911::ID_SIGNED_DATA {
        return Err(invalid("the token is not signed data"));
    }
    let signed = token.content.decode_as::<SignedData>()?;
    if signed.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err(invalid("the token does not hold a TSTInfo"));
    }
    let content = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| invalid("the token has no content"))?
        .decode_as::<OctetString>()?;
    let info = TstInfo::from_der(content.as_bytes())?;
    if info.message_imprint.hash_algorithm.oid != rfc5912::ID_SHA_256
        || info.message_imprint.hashed_message.as_bytes() != imprint
    {
        return Err(invalid("the token is for other data"));
    }
    if let Some(nonce) = nonce {
        let same = info
            .nonce
            .as_ref()
            .is_some_and(|n| significant(n.as_bytes()) == significant(nonce));
        if !same {
            return Err(invalid("the token answers another request (nonce)"));
        }
    }
    let signer = signed
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or_else(|| invalid("the token has no signer"))?;
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer.sid else {
        return Err(invalid(
            "the token's signer is not named by issuer and serial",
        ));
    };
    if sid.issuer != tsa.tbs_certificate.issuer
        || sid.serial_number != tsa.tbs_certificate.serial_number
    {
        return Err(invalid(
            "the token is not signed by the configured authority",
        ));
    }
    let attributes = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| invalid("the token has no signed attributes"))?;
    let digest_matches = attributes
        .iter()
        .find(|a| a.oid == rfc5911::ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .is_some_and(|d| d.as_bytes() == Sha256::digest(content.as_bytes()).as_slice());
    if !digest_matches {
        return Err(invalid("the token's signature is over other content"));
    }
    if signer.digest_alg.oid != rfc5912::ID_SHA_256 {
        return Err(invalid("the token is not signed over SHA-256"));
    }
    crate::seal::verify_by_algorithm(
        &tsa.tbs_certificate.subject_public_key_info,
        &signer.signature_algorithm.oid,
        &attributes.to_der()?,
        signer.signature.as_bytes(),
    )
    .map_err(|_| invalid("the token's signature does not verify"))?;
    generalized_time(&info)
}

/// An integer's bytes without leading zeros (DER keeps one before a high bit).
fn significant(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// `YYYYMMDDHHMMSS[.f…]Z`, to the second.
fn generalized_time(info: &TstInfo) -> Result<DateTime<Utc>, TimestampError> {
    if der::Tagged::tag(&info.gen_time) != der::Tag::GeneralizedTime {
        return Err(invalid("genTime is not a GeneralizedTime"));
    }
    let text =
        std::str::from_utf8(info.gen_time.value()).map_err(|_| invalid("genTime is not text"))?;
    let whole = text
        .strip_suffix('Z')
        .and_then(|t| t.split('.').next())
        .filter(|t| t.len() == 14)
        .ok_or_else(|| invalid("genTime is not in UTC"))?;
    chrono::NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S")
        .map(|t| t.and_utc())
        .map_err(|_| invalid("genTime is not a time"))
}

/// What the timestamp on a seal proves to a reader who trusts `authorities` (the trust file's
/// certificates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealTime {
    /// The seal carries no timestamp.
    Absent,
    /// A token over this seal's signature, signed by a timestamping authority the reader
    /// trusts: a certificate of `authorities`, or one a CA among them issued, with the
    /// timestamping purpose and valid at the time it states.
    Trusted {
        time: DateTime<Utc>,
        authority: String,
    },
    /// A token no trusted authority signed (or not over this signature): its time and the
    /// name it gives prove nothing and are never shown as fact.
    Untrusted,
}

/// Tokens carry a handful of certificates; a longer list is looked at no further.
const MAX_CARRIED_CERTIFICATES: usize = 8;

/// id-kp-timeStamping (RFC 3161, 2.3): the purpose a TSA's certificate must name.
pub const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// Whether `certificate` is for timestamping (its extended key usage names it).
pub fn is_timestamping(certificate: &Certificate) -> bool {
    matches!(
        certificate.tbs_certificate.get::<x509_cert::ext::pkix::ExtendedKeyUsage>(),
        Ok(Some((_, eku))) if eku.0.contains(&ID_KP_TIME_STAMPING)
    )
}

fn is_ca(certificate: &Certificate) -> bool {
    matches!(
        certificate
            .tbs_certificate
            .get::<x509_cert::ext::pkix::BasicConstraints>(),
        Ok(Some((
            _,
            x509_cert::ext::pkix::BasicConstraints { ca: true, .. }
        )))
    )
}

/// Whether `tsa` is an authority the reader trusts for a token dated `time`.
fn trusted_authority(tsa: &Certificate, authorities: &[Certificate], time: DateTime<Utc>) -> bool {
    let validity = &tsa.tbs_certificate.validity;
    let in_validity = validity.not_before.to_unix_duration().as_secs() as i64 <= time.timestamp()
        && time.timestamp() <= validity.not_after.to_unix_duration().as_secs() as i64;
    if !is_timestamping(tsa) || !in_validity {
        return false;
    }
    authorities.iter().any(|trusted| {
        trusted == tsa
            || (is_ca(trusted)
                && trusted.tbs_certificate.subject == tsa.tbs_certificate.issuer
                && crate::seal::verify_certificate(tsa, trusted).is_ok())
    })
}

/// The timestamp on a seal, read from its CMS (DER, padding after it allowed), judged
/// against `authorities`. The token sits in the seal's unsigned attributes, outside what the
/// seal signs: anyone can put one there, so only whose signature it bears makes it a fact.
pub fn seal_time(cms: &[u8], authorities: &[Certificate]) -> SealTime {
    let (token, imprint) = match seal_token(cms) {
        None => return SealTime::Absent,
        Some(None) => return SealTime::Untrusted,
        Some(Some(found)) => found,
    };
    let carried = token
        .content
        .decode_as::<SignedData>()
        .ok()
        .and_then(|signed| signed.certificates)
        .map(|set| {
            set.0
                .into_vec()
                .into_iter()
                .take(MAX_CARRIED_CERTIFICATES)
                .filter_map(|choice| match choice {
                    cms::cert::CertificateChoices::Certificate(c) => Some(c),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let candidates = carried
        .iter()
        .chain(authorities.iter().filter(|c| is_timestamping(c)));
    for tsa in candidates {
        if let Ok(time) = check_token(&token, &imprint, None, tsa) {
            if trusted_authority(tsa, authorities, time) {
                return SealTime::Trusted {
                    time,
                    authority: tsa.tbs_certificate.subject.to_string(),
                };
            }
        }
    }
    SealTime::Untrusted
}

/// The seal's timestamp token and the imprint it must carry (the SHA-256 of the seal's
/// signature value): `None` without one, `Some(None)` for one that is not a token.
fn seal_token(cms: &[u8]) -> Option<Option<(ContentInfo, [u8; 32])>> {
    let mut reader = der::SliceReader::new(cms).ok()?;
    let content = <ContentInfo as der::Decode>::decode(&mut reader).ok()?;
    let signed = content.content.decode_as::<SignedData>().ok()?;
    let signer = signed.signer_infos.0.iter().next()?;
    let attribute = signer
        .unsigned_attrs
        .as_ref()?
        .iter()
        .find(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN)?;
    let token = attribute
        .values
        .iter()
        .next()
        .and_then(|v| v.decode_as::<ContentInfo>().ok());
    let imprint: [u8; 32] = Sha256::digest(signer.signature.as_bytes()).into();
    Some(token.map(|token| (token, imprint)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_carry_the_imprint_and_nonce_in_der() {
        let der = request(b"signature", &[0x40, 0, 0, 0, 0, 0, 0, 1]).unwrap();
        let parsed = TimeStampReq::from_der(&der).unwrap();
        assert_eq!(
            parsed.message_imprint.hashed_message.as_bytes(),
            Sha256::digest(b"signature").as_slice()
        );
        assert!(parsed.cert_req);
        assert_eq!(
            significant(parsed.nonce.unwrap().as_bytes()),
            &[0x40, 0, 0, 0, 0, 0, 0, 1]
        );
    }
}
