//! The electronic seal: X.509 certificates for the KMS keys and the trust chain they form
//! (`x509.rs`, `chain.rs`), the CMS `SignedData` of a PAdES-B-B signature and checking one
//! (`cms.rs`).
//!
//! Every signature is made by a [`Signer`](crate::ports::Signer) (KMS in production), over DER
//! the code here builds.

mod chain;
mod cms;
mod x509;

pub use self::cms::*;
pub use chain::*;
pub use x509::*;

use crate::ports::{SignError, StoreError};
use const_oid::db::rfc5912;
use der::asn1::OctetString;
use der::Encode;
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::ext::Extension;

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
