//! X.509 for the seal's keys: issuing a certificate (root, seal, test TSA) or a request for
//! a provider, and checking one certificate's or signature's ECDSA or RSA signature.

use super::{ecdsa_sha256, extension, key_identifier, SealError};
use crate::ports::Signer;
use const_oid::db::rfc5912;
use der::asn1::{BitString, SetOfVec, UtcTime};
use der::{Decode, Encode, EncodePem};
use p256::ecdsa::signature::Verifier;
use spki::SubjectPublicKeyInfoOwned;
use std::str::FromStr;
use std::time::Duration;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate, Version};

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
    /// A relying party's access certificate: signs its requests to wallets.
    RelyingPartyAccess,
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
        Profile::Timestamping | Profile::RelyingPartyAccess => (
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
