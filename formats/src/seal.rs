//! The electronic seal: X.509 certificates for the KMS keys (trust chain), the CMS
//! `SignedData` of a PAdES-B-B signature, and checking one.
//!
//! Every signature is made by a [`Signer`] (KMS in production), over DER the code here builds.
//! (One file over 400 lines on purpose: issuing, chaining and checking share the same ASN.1
//! building blocks, and read best together.)

use crate::ports::{SignError, Signer, StoreError};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier, SignerInfo,
    SignerInfos,
};
use const_oid::db::{rfc5911, rfc5912};
use der::asn1::{BitString, OctetString, SetOfVec, UtcTime};
use der::{Any, Decode, Encode, EncodePem, Sequence};
use p256::ecdsa::signature::Verifier;
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use std::str::FromStr;
use std::time::Duration;
use x509_cert::attr::{Attribute, AttributeValue};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate, Version};

/// Where the chain lives in the documents bucket (public material, no personal data).
pub const CHAIN_KEY: &str = "trust/chain.pem";
pub const CHAIN_CONTENT_TYPE: &str = "application/pem-certificate-chain";

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("encoding: {0}")]
    Der(#[from] der::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Signer(#[from] SignError),
    #[error("{0}")]
    Invalid(String),
    #[error("no seal certificate chain: run `cazier-admin trust init` or `trust import`")]
    NoChain,
}

pub(crate) fn ecdsa_sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: rfc5912::ECDSA_WITH_SHA_256,
        parameters: None,
    }
}

pub fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: rfc5912::ID_SHA_256,
        parameters: None,
    }
}

pub(crate) fn extension<T: Encode + const_oid::AssociatedOid>(
    value: &T,
    critical: bool,
) -> Result<Extension, SealError> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// Key identifier (RFC 5280 4.2.1.2, method 1): SHA-1 would do; SHA-256 truncated is as good.
pub(crate) fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Result<OctetString, SealError> {
    let digest = Sha256::digest(spki.subject_public_key.raw_bytes());
    Ok(OctetString::new(&digest[..20])?)
}

/// The trust chain: the seal certificate first, then its issuers up to the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustChain {
    certificates: Vec<Certificate>,
    /// The same certificates as DER, encoded once: every credential's and request's `x5c`.
    ders: Vec<Vec<u8>>,
}

impl TrustChain {
    pub fn new(certificates: Vec<Certificate>) -> Result<Self, SealError> {
        if certificates.is_empty() {
            return Err(SealError::Invalid("the chain has no certificate".into()));
        }
        let ders = certificates
            .iter()
            .map(der::Encode::to_der)
            .collect::<Result<_, _>>()?;
        Ok(Self { certificates, ders })
    }

    /// The certificates as DER, seal first.
    pub fn ders(&self) -> &[Vec<u8>] {
        &self.ders
    }

    pub fn from_pem(pem: &str) -> Result<Self, SealError> {
        Self::new(Certificate::load_pem_chain(pem.as_bytes())?)
    }

    pub fn to_pem(&self) -> Result<String, SealError> {
        let mut out = String::new();
        for c in &self.certificates {
            out.push_str(&c.to_pem(der::pem::LineEnding::LF)?);
        }
        Ok(out)
    }

    pub fn seal(&self) -> &Certificate {
        &self.certificates[0]
    }

    pub fn root(&self) -> &Certificate {
        &self.certificates[self.certificates.len() - 1]
    }

    /// The root alone, as PEM: what verifiers add to their trust store.
    pub fn root_pem(&self) -> Result<String, SealError> {
        Ok(self.root().to_pem(der::pem::LineEnding::LF)?)
    }

    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// Checks that the seal certificate is for `seal_key` (DER SPKI) and that each certificate
    /// is signed by the next; links with algorithms other than ECDSA P-256 are reported.
    pub fn check(&self, seal_key: &[u8]) -> Result<Vec<String>, SealError> {
        let seal_spki = self
            .seal()
            .tbs_certificate
            .subject_public_key_info
            .to_der()?;
        if seal_spki != seal_key {
            return Err(SealError::Invalid(
                "the first certificate is not for the signing key".into(),
            ));
        }
        let mut notes = Vec::new();
        for pair in self.certificates.windows(2) {
            let (child, issuer) = (&pair[0], &pair[1]);
            if child.tbs_certificate.issuer != issuer.tbs_certificate.subject {
                return Err(SealError::Invalid(format!(
                    "{} is not issued by {}",
                    child.tbs_certificate.subject, issuer.tbs_certificate.subject
                )));
            }
            match verify_certificate(child, issuer) {
                Ok(()) => {}
                Err(SealError::Invalid(reason)) if reason.starts_with("unsupported") => {
                    notes.push(format!(
                        "signature of {} not checked here ({reason})",
                        child.tbs_certificate.subject
                    ))
                }
                Err(e) => return Err(e),
            }
        }
        let root = self.root();
        if root.tbs_certificate.issuer == root.tbs_certificate.subject {
            if let Err(SealError::Invalid(reason)) = verify_certificate(root, root) {
                notes.push(format!("self-signature of the root not checked ({reason})"));
            }
        }
        Ok(notes)
    }
}

fn verifying_key(spki: &SubjectPublicKeyInfoOwned) -> Result<p256::ecdsa::VerifyingKey, SealError> {
    use p256::pkcs8::DecodePublicKey;
    if spki.algorithm.oid != rfc5912::ID_EC_PUBLIC_KEY {
        return Err(SealError::Invalid(format!(
            "unsupported key algorithm {}",
            spki.algorithm.oid
        )));
    }
    p256::ecdsa::VerifyingKey::from_public_key_der(&spki.to_der()?)
        .map_err(|_| SealError::Invalid("unsupported elliptic curve".into()))
}

/// Whether `signature` (ECDSA P-256 / SHA-256, DER) over `message` verifies with `spki`.
pub fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SealError> {
    let key = verifying_key(spki)?;
    let signature = p256::ecdsa::Signature::from_der(signature)
        .map_err(|_| SealError::Invalid("malformed signature".into()))?;
    key.verify(message, &signature)
        .map_err(|_| SealError::Invalid("signature does not verify".into()))
}

/// Whether `signature` over `message` verifies with `spki` under `algorithm` (the signature's
/// algorithm identifier): ECDSA P-256 with SHA-256 (ours), or RSA PKCS #1 v1.5 with SHA-256
/// (what most qualified timestamping authorities sign with). Anything else is unsupported.
pub fn verify_by_algorithm(
    spki: &SubjectPublicKeyInfoOwned,
    algorithm: &const_oid::ObjectIdentifier,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SealError> {
    match *algorithm {
        rfc5912::ECDSA_WITH_SHA_256 => verify_signature(spki, message, signature),
        rfc5912::SHA_256_WITH_RSA_ENCRYPTION | rfc5912::RSA_ENCRYPTION => {
            use rsa::pkcs8::DecodePublicKey;
            use rsa::signature::Verifier;
            let invalid = |what: &str| SealError::Invalid(what.to_owned());
            let key = rsa::RsaPublicKey::from_public_key_der(&spki.to_der()?)
                .map_err(|_| invalid("not an RSA public key"))?;
            let signature = rsa::pkcs1v15::Signature::try_from(signature)
                .map_err(|_| invalid("malformed signature"))?;
            rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key)
                .verify(message, &signature)
                .map_err(|_| invalid("signature does not verify"))
        }
        other => Err(SealError::Invalid(format!(
            "unsupported signature algorithm {other}"
        ))),
    }
}

/// Whether `issuer`'s key signed `child`.
pub fn verify_certificate(child: &Certificate, issuer: &Certificate) -> Result<(), SealError> {
    verify_by_algorithm(
        &issuer.tbs_certificate.subject_public_key_info,
        &child.signature_algorithm.oid,
        &child.tbs_certificate.to_der()?,
        child.signature.raw_bytes(),
    )
}

/// What a new certificate is for.
pub enum Profile {
    /// A root that signs certificates only.
    Root,
    /// The seal: signs documents (digitalSignature + nonRepudiation).
    Seal,
    /// A timestamping authority (id-kp-timeStamping, critical, as RFC 3161 2.3 asks): the
    /// tests' stand-ins; production's TSA is a provider's.
    Timestamping,
}

/// Makes a certificate for `subject_key` (DER SPKI), signed through `issuer_signer`.
/// `issuer` is `None` for a self-signed root.
pub async fn issue_certificate(
    issuer_signer: &dyn Signer,
    issuer: Option<&Certificate>,
    subject: &str,
    subject_key: &[u8],
    profile: Profile,
    valid_for: Duration,
) -> Result<Certificate, SealError> {
    let subject = Name::from_str(subject)?;
    let spki = SubjectPublicKeyInfoOwned::from_der(subject_key)?;
    let (issuer_name, issuer_spki) = match issuer {
        Some(c) => (
            c.tbs_certificate.subject.clone(),
            c.tbs_certificate.subject_public_key_info.clone(),
        ),
        None => (subject.clone(), spki.clone()),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| SealError::Invalid("clock before 1970".into()))?;
    // An hour back, so that verifiers whose clock is a little behind accept it at once.
    let not_before = now.saturating_sub(Duration::from_secs(3600));
    let validity = Validity {
        not_before: Time::UtcTime(UtcTime::from_unix_duration(not_before)?),
        not_after: Time::UtcTime(UtcTime::from_unix_duration(now + valid_for)?),
    };
    let mut serial = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut serial);
    serial[0] &= 0x7F; // positive
    serial[0] |= 0x40; // and of full length

    let (basic, usage) = match profile {
        Profile::Root => (
            BasicConstraints {
                ca: true,
                path_len_constraint: Some(0),
            },
            KeyUsages::KeyCertSign | KeyUsages::CRLSign,
        ),
        Profile::Seal => (
            BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
            KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
        ),
        Profile::Timestamping => (
            BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
            KeyUsages::DigitalSignature.into(),
        ),
    };
    let mut extensions = vec![
        extension(&basic, true)?,
        extension(&KeyUsage(usage), true)?,
        extension(&SubjectKeyIdentifier(key_identifier(&spki)?), false)?,
    ];
    if matches!(profile, Profile::Timestamping) {
        let purpose =
            x509_cert::ext::pkix::ExtendedKeyUsage(vec![crate::timestamp::ID_KP_TIME_STAMPING]);
        extensions.push(extension(&purpose, true)?);
    }
    if issuer.is_some() {
        extensions.push(extension(
            &AuthorityKeyIdentifier {
                key_identifier: Some(key_identifier(&issuer_spki)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
            false,
        )?);
    }
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&serial)?,
        signature: ecdsa_sha256(),
        issuer: issuer_name,
        validity,
        subject,
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let signature = issuer_signer.sign(&tbs.to_der()?).await?;
    Ok(Certificate {
        tbs_certificate: tbs,
        signature_algorithm: ecdsa_sha256(),
        signature: BitString::from_bytes(&signature)?,
    })
}

/// A PKCS#10 request for the signing key, to give to a qualified trust service provider.
pub async fn certificate_request(signer: &dyn Signer, subject: &str) -> Result<String, SealError> {
    use x509_cert::request::{CertReq, CertReqInfo};
    let info = CertReqInfo {
        version: x509_cert::request::Version::V1,
        subject: Name::from_str(subject)?,
        public_key: SubjectPublicKeyInfoOwned::from_der(&signer.public_key().await?)?,
        attributes: SetOfVec::new(),
    };
    let signature = signer.sign(&info.to_der()?).await?;
    let request = CertReq {
        info,
        algorithm: ecdsa_sha256(),
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(request.to_pem(der::pem::LineEnding::LF)?)
}

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
        certificates: Some(cms::signed_data::CertificateSet(certificates)),
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
