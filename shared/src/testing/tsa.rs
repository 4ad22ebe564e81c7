//! A timestamping authority in memory for the unit tests (the end-to-end tests run a real
//! one, certomancer): it answers RFC 3161 requests with tokens signed by a P-256 key whose
//! certificate the in-memory root issued, and can be made unreachable.

use super::LocalSigner;
use crate::ports::{Signer, TimestampAuthority};
use crate::seal::{self, Profile};
use crate::timestamp::{TimestampError, ID_CT_TST_INFO};
use async_trait::async_trait;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use const_oid::db::{rfc5911, rfc5912};
use der::asn1::{GeneralizedTime, Int, OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use std::sync::atomic::{AtomicBool, Ordering};
use x509_cert::Certificate;
use x509_tsp::{TimeStampReq, TimeStampResp, TspVersion, TstInfo};

pub const TSA_SUBJECT: &str = "CN=cazier test TSA,O=cazier,C=RO";

pub struct MemoryTsa {
    key: LocalSigner,
    pub certificate: Certificate,
    failing: AtomicBool,
    /// The time its tokens state (now, unless a forger's).
    dated: Option<std::time::SystemTime>,
}

impl MemoryTsa {
    /// A TSA whose certificate `root` issued.
    pub async fn issued_by(root: &LocalSigner, root_certificate: &Certificate) -> Self {
        let key = LocalSigner::random();
        let certificate = seal::issue_certificate(
            root,
            Some(root_certificate),
            TSA_SUBJECT,
            &key.public_key_der(),
            Profile::Timestamping,
            std::time::Duration::from_secs(3 * 365 * 24 * 3600),
        )
        .await;
        let Ok(certificate) = certificate else {
            panic!("the in-memory TSA certificate is issued");
        };
        Self {
            key,
            certificate,
            failing: AtomicBool::new(false),
            dated: None,
        }
    }

    /// A forger's TSA: a self-made root named like `genuine`'s issuer issues a certificate
    /// with `genuine`'s name, and its tokens say `dated`.
    pub async fn forged_like(genuine: &Certificate, dated: std::time::SystemTime) -> Self {
        let root = LocalSigner::random();
        let issuer = genuine.tbs_certificate.issuer.to_string();
        let root_certificate = seal::issue_certificate(
            &root,
            None,
            &issuer,
            &root.public_key_der(),
            Profile::Root,
            std::time::Duration::from_secs(365 * 24 * 3600),
        )
        .await;
        let Ok(root_certificate) = root_certificate else {
            panic!("the forger's root is made");
        };
        let key = LocalSigner::random();
        let certificate = seal::issue_certificate(
            &root,
            Some(&root_certificate),
            &genuine.tbs_certificate.subject.to_string(),
            &key.public_key_der(),
            Profile::Timestamping,
            std::time::Duration::from_secs(365 * 24 * 3600),
        )
        .await;
        let Ok(certificate) = certificate else {
            panic!("the forger's TSA certificate is made");
        };
        Self {
            key,
            certificate,
            failing: AtomicBool::new(false),
            dated: Some(dated),
        }
    }

    /// A token (a CMS ContentInfo, DER) over `signature`, as a seal's timestamp carries it.
    pub async fn token_over(&self, signature: &[u8]) -> Result<Vec<u8>, der::Error> {
        let request = crate::timestamp::request(signature, &[0x40, 1, 2, 3, 4, 5, 6, 7])
            .map_err(|_| der::Error::from(der::ErrorKind::Failed))?;
        let reply = self.reply(&request).await?;
        let reply = TimeStampResp::from_der(&reply)?;
        reply
            .time_stamp_token
            .ok_or_else(|| der::Error::from(der::ErrorKind::Failed))?
            .to_der()
    }

    /// From now on it is unreachable (or reachable again).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    async fn reply(&self, request: &[u8]) -> Result<Vec<u8>, der::Error> {
        let request = TimeStampReq::from_der(request)?;
        let info = TstInfo {
            version: TspVersion::V1,
            policy: const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.1"),
            message_imprint: request.message_imprint,
            serial_number: Int::new(&rand::random::<[u8; 8]>().map(|b| (b & 0x7F) | 0x40))?,
            gen_time: GeneralizedTime::from_system_time(
                self.dated.unwrap_or_else(std::time::SystemTime::now),
            )?,
            accuracy: None,
            ordering: false,
            nonce: request.nonce,
            tsa: None,
            extensions: None,
        }
        .to_der()?;
        let attribute = |oid, value| {
            seal::attribute(oid, value).map_err(|_| der::Error::from(der::ErrorKind::Failed))
        };
        let mut attributes = SetOfVec::new();
        attributes.insert(attribute(
            rfc5911::ID_CONTENT_TYPE,
            Any::encode_from(&ID_CT_TST_INFO)?,
        )?)?;
        attributes.insert(attribute(
            rfc5911::ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(Sha256::digest(&info).as_slice())?)?,
        )?)?;
        let signature = self
            .key
            .sign(&attributes.to_der()?)
            .await
            .map_err(|_| der::Error::from(der::ErrorKind::Failed))?;
        let sha256 = seal::sha256_algorithm();
        let mut digest_algorithms = SetOfVec::new();
        digest_algorithms.insert(sha256.clone())?;
        let mut certificates = SetOfVec::new();
        certificates.insert(CertificateChoices::Certificate(self.certificate.clone()))?;
        let mut signer_infos = SetOfVec::new();
        signer_infos.insert(SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: self.certificate.tbs_certificate.issuer.clone(),
                serial_number: self.certificate.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: sha256,
            signed_attrs: Some(attributes),
            signature_algorithm: AlgorithmIdentifierOwned {
                oid: rfc5912::ECDSA_WITH_SHA_256,
                parameters: None,
            },
            signature: OctetString::new(signature)?,
            unsigned_attrs: None,
        })?;
        let signed = SignedData {
            version: CmsVersion::V3,
            digest_algorithms,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: ID_CT_TST_INFO,
                econtent: Some(Any::encode_from(&OctetString::new(info)?)?),
            },
            certificates: Some(cms::signed_data::CertificateSet(certificates)),
            crls: None,
            signer_infos: SignerInfos(signer_infos),
        };
        let token = ContentInfo {
            content_type: rfc5911::ID_SIGNED_DATA,
            content: Any::encode_from(&signed)?,
        };
        // TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken OPTIONAL }, with
        // status granted: SEQUENCE { INTEGER 0 }.
        let status = [0x30, 0x03, 0x02, 0x01, 0x00];
        let token = token.to_der()?;
        let body_len = status.len() + token.len();
        let mut reply = vec![0x30];
        der::Length::try_from(body_len)?.encode_to_vec(&mut reply)?;
        reply.extend_from_slice(&status);
        reply.extend_from_slice(&token);
        TimeStampResp::from_der(&reply)?;
        Ok(reply)
    }
}

#[async_trait]
impl TimestampAuthority for MemoryTsa {
    async fn exchange(&self, _url: &str, request: &[u8]) -> Result<Vec<u8>, TimestampError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(TimestampError::Unavailable(
                "the test made the TSA unreachable".into(),
            ));
        }
        self.reply(request)
            .await
            .map_err(|e| TimestampError::Invalid(format!("the request: {e}")))
    }

    async fn fetch(&self, url: &str) -> Result<Vec<u8>, TimestampError> {
        Err(TimestampError::Unavailable(format!(
            "nothing published at {url}"
        )))
    }
}

/// `cms` (a seal's CMS, DER) with its timestamp token replaced by `token`: what a forger can
/// do without the seal key, since unsigned attributes lie outside the signature.
pub fn with_token(cms: &[u8], token: &[u8]) -> Result<Vec<u8>, der::Error> {
    with_unsigned(cms, Some(token))
}

/// `cms` with its timestamp token taken out (no unsigned attributes left): the other thing a
/// forger can do without the seal key.
pub fn without_token(cms: &[u8]) -> Result<Vec<u8>, der::Error> {
    with_unsigned(cms, None)
}

fn with_unsigned(cms: &[u8], token: Option<&[u8]>) -> Result<Vec<u8>, der::Error> {
    let mut reader = der::SliceReader::new(cms)?;
    let content = <ContentInfo as der::Decode>::decode(&mut reader)?;
    let mut signed = content.content.decode_as::<SignedData>()?;
    let mut signers: Vec<SignerInfo> = signed.signer_infos.0.into_vec();
    let signer = signers
        .first_mut()
        .ok_or_else(|| der::Error::from(der::ErrorKind::Failed))?;
    signer.unsigned_attrs = match token {
        Some(token) => {
            let mut attributes = SetOfVec::new();
            attributes.insert(x509_cert::attr::Attribute {
                oid: crate::timestamp::ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
                values: SetOfVec::try_from(vec![Any::from_der(token)?])?,
            })?;
            Some(attributes)
        }
        None => None,
    };
    signed.signer_infos = SignerInfos(SetOfVec::try_from(signers)?);
    ContentInfo {
        content_type: content.content_type,
        content: Any::encode_from(&signed)?,
    }
    .to_der()
}
