//! The CMS `SignedData` of a PAdES signature: its signed attributes (ESS signing certificate
//! v2), the structure KMS's signature goes into (with a timestamp token for B-T), the room it
//! takes in the PDF, and checking one over a document's digest.

use super::{ecdsa_sha256, sha256_algorithm, verify_signature, SealError, TrustChain};
use ::cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use ::cms::content_info::{CmsVersion, ContentInfo};
use ::cms::signed_data::{
    EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier, SignerInfo,
    SignerInfos,
};
use const_oid::db::rfc5911;
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use sha2::{Digest, Sha256};
use x509_cert::attr::{Attribute, AttributeValue};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

/// ESSCertIDv2 (RFC 5035), hash algorithm SHA-256 (the default, so omitted).
#[derive(Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: IssuerSerial,
}

#[derive(Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

pub fn attribute(oid: const_oid::ObjectIdentifier, value: Any) -> Result<Attribute, SealError> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid, values })
}

/// The signed attributes of a PAdES-B-B signature over a document whose signed bytes hash to
/// `digest`: content-type, message-digest and signing-certificate-v2 (no signing time).
pub fn signed_attributes(
    digest: &[u8; 32],
    seal: &Certificate,
) -> Result<SignedAttributes, SealError> {
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(Sha256::digest(seal.to_der()?).as_slice())?,
            issuer_serial: IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    seal.tbs_certificate.issuer.clone(),
                )],
                serial_number: seal.tbs_certificate.serial_number.clone(),
            },
        }],
    };
    let mut attributes = SetOfVec::new();
    attributes.insert(attribute(
        rfc5911::ID_CONTENT_TYPE,
        AttributeValue::encode_from(&rfc5911::ID_DATA)?,
    )?)?;
    attributes.insert(attribute(
        rfc5911::ID_MESSAGE_DIGEST,
        Any::encode_from(&OctetString::new(digest.as_slice())?)?,
    )?)?;
    attributes.insert(attribute(
        rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2,
        Any::encode_from(&ess)?,
    )?)?;
    Ok(attributes)
}

/// The DER KMS signs: the signed attributes as an explicit SET OF (RFC 5652, 5.4).
pub fn to_be_signed(attributes: &SignedAttributes) -> Result<Vec<u8>, SealError> {
    Ok(attributes.to_der()?)
}

/// The detached CMS `SignedData` (DER of its ContentInfo) for `/Contents`; with a timestamp
/// token over `signature` as its unsigned attribute, a PAdES-B-T signature.
pub fn signed_data(
    attributes: SignedAttributes,
    signature: &[u8],
    chain: &TrustChain,
    timestamp: Option<&[u8]>,
) -> Result<Vec<u8>, SealError> {
    let unsigned_attrs = match timestamp {
        None => None,
        Some(token) => {
            let mut set = SetOfVec::new();
            set.insert(attribute(
                crate::timestamp::ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
                Any::from_der(token)?,
            )?)?;
            Some(set)
        }
    };
    let seal = chain.seal();
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: seal.tbs_certificate.issuer.clone(),
            serial_number: seal.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256_algorithm(),
        signed_attrs: Some(attributes),
        signature_algorithm: ecdsa_sha256(),
        signature: OctetString::new(signature)?,
        unsigned_attrs,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms.insert(sha256_algorithm())?;
    let mut certificates = SetOfVec::new();
    for c in chain.certificates() {
        certificates.insert(CertificateChoices::Certificate(c.clone()))?;
    }
    let mut signer_infos = SetOfVec::new();
    signer_infos.insert(signer)?;
    let signed = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: rfc5911::ID_DATA,
            econtent: None,
        },
        certificates: Some(::cms::signed_data::CertificateSet(certificates)),
        crls: None,
        signer_infos: SignerInfos(signer_infos),
    };
    Ok(ContentInfo {
        content_type: rfc5911::ID_SIGNED_DATA,
        content: Any::encode_from(&signed)?,
    }
    .to_der()?)
}

/// Longest DER of an ECDSA P-256 signature.
const MAX_ECDSA_P256_DER: usize = 72;

/// Bytes the CMS of a signature with `chain` and a timestamp token of `token_len` bytes takes
/// at most: what the PDF reserves for it. Everything in it has a fixed size but the signature,
/// counted at its longest, and the token, whose size the caller bounds.
pub fn cms_capacity(chain: &TrustChain, token_len: usize) -> Result<usize, SealError> {
    let attributes = signed_attributes(&[0; 32], chain.seal())?;
    let base = signed_data(attributes, &[0x30; MAX_ECDSA_P256_DER], chain, None)?.len();
    // The unsigned attributes' [1] SET, the attribute SEQUENCE, its OID and value SET: at most
    // 4 headers of 4 bytes and an 11-byte OID.
    Ok(base + token_len + 4 * 4 + 11)
}

/// The outcome of checking a detached CMS signature against a document digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmsCheck {
    /// The signature verifies with the embedded signer certificate over this digest.
    Valid { signer: Box<Certificate> },
    /// Structurally a signature, but over other bytes or not by its certificate.
    Broken { signer: Option<Box<Certificate>> },
    /// Not a CMS SignedData that can be read.
    Unreadable,
}

/// Checks `cms` (DER, padding after it allowed) over a document whose signed bytes hash to
/// `digest`. Trust in the signer is the caller's decision.
pub fn check_cms(cms: &[u8], digest: &[u8; 32]) -> CmsCheck {
    let Ok(content) = read_prefix::<ContentInfo>(cms) else {
        return CmsCheck::Unreadable;
    };
    if content.content_type != rfc5911::ID_SIGNED_DATA {
        return CmsCheck::Unreadable;
    }
    let Ok(signed) = content.content.decode_as::<SignedData>() else {
        return CmsCheck::Unreadable;
    };
    let Some(info) = signed.signer_infos.0.iter().next() else {
        return CmsCheck::Unreadable;
    };
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &info.sid else {
        return CmsCheck::Unreadable;
    };
    let signer = signed.certificates.as_ref().and_then(|set| {
        set.0.iter().find_map(|choice| match choice {
            CertificateChoices::Certificate(c)
                if c.tbs_certificate.issuer == sid.issuer
                    && c.tbs_certificate.serial_number == sid.serial_number =>
            {
                Some(Box::new(c.clone()))
            }
            _ => None,
        })
    });
    let Some(signer) = signer else {
        return CmsCheck::Broken { signer: None };
    };
    let Some(attributes) = &info.signed_attrs else {
        return CmsCheck::Broken {
            signer: Some(signer),
        };
    };
    let digest_matches = attributes
        .iter()
        .find(|a| a.oid == rfc5911::ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .is_some_and(|d| d.as_bytes() == digest);
    let signature_verifies = to_be_signed(attributes).is_ok_and(|message| {
        verify_signature(
            &signer.tbs_certificate.subject_public_key_info,
            &message,
            info.signature.as_bytes(),
        )
        .is_ok()
    });
    if digest_matches && signature_verifies {
        CmsCheck::Valid { signer }
    } else {
        CmsCheck::Broken {
            signer: Some(signer),
        }
    }
}

/// Decodes a DER value at the start of `bytes`, ignoring what follows (the zero padding of
/// `/Contents`).
fn read_prefix<'a, T: Decode<'a>>(bytes: &'a [u8]) -> Result<T, der::Error> {
    let mut reader = der::SliceReader::new(bytes)?;
    T::decode(&mut reader)
}
